"""The CLI as a whole: every command teaches, help is instant, errors are one line."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from audio2digest import __version__
from audio2digest.cli import main

HEAVY = (
    "faster_whisper",
    "ctranslate2",
    "jieba",
    "yt_dlp",
    "ray",
    "onnxruntime",
    "opencc",
    "pypinyin",
    "rapidfuzz",
    "av",
    "numpy",
)


def _all_commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _all_commands(cmd, prefix + (name,))


@pytest.mark.parametrize(
    "path, cmd", list(_all_commands(main)), ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_command_has_help(path, cmd):
    assert cmd.help and len(cmd.help.strip()) > 20, f"{' '.join(path)} has no help"
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_pipeline_commands_registered():
    for name in ("run", "transcribe", "models", "bench"):
        assert name in main.commands


def test_help_imports_nothing_heavy():
    code = (
        "import sys; from audio2digest.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip().splitlines()[-1] == "HEAVY:", res.stdout.strip().splitlines()[-1]


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.output.startswith(f"audio2digest {__version__}\n")
    for name in ("ctranslate2", "faster-whisper", "onnxruntime", "av"):
        assert f"  {name} " in result.output and f"  {name} not installed" not in result.output
    assert "sha256 d01c3014881c" in result.output


def test_missing_file_is_one_line_error(tmp_path):
    result = CliRunner().invoke(main, ["transcribe", str(tmp_path / "nope.wav")])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'nope.wav'}: no such file"


def test_bad_model_is_one_line_error(tmp_path):
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF")
    result = CliRunner().invoke(main, ["transcribe", "--model", "huge-v9", str(audio)])
    assert result.exit_code != 0
    assert (
        "Invalid model 'huge-v9'" in result.output
        or "not an audio file" in result.output
        or "not decodable" in result.output
    )


def test_public_api_resolves_lazily():
    import audio2digest

    for name in audio2digest.__all__:
        assert getattr(audio2digest, name) is not None, name
    with pytest.raises(AttributeError):
        audio2digest.no_such_thing  # noqa: B018


def test_eval_corrections_batches_match_the_library():
    from audio2digest.cli.correct import EVAL_BATCHES
    from audio2digest.evaluation.corrections import BATCHES

    assert EVAL_BATCHES == BATCHES


def test_cli_copies_of_decode_defaults_match_the_code():
    """The CLI keeps copies so `--help` needs no ASR import; they must not drift."""
    from audio2digest.asr.hotwords import LOOK_MODES
    from audio2digest.asr.transcribe import BATCHED_BEAM_SIZE, BATCHED_TIMESTAMPS, DEFAULT_BATCH_SIZE

    def param(command, name):
        return next(p for p in command.params if p.name == name)

    evals = main.commands["eval"].commands["asr"]
    for command in (main.commands["run"], main.commands["transcribe"], evals):
        assert param(command, "batch_size").default == DEFAULT_BATCH_SIZE, command.name
        assert param(command, "batched_beam_size").default == BATCHED_BEAM_SIZE, command.name
    assert tuple(param(evals, "look").type.choices) == LOOK_MODES
    assert param(evals, "batched_timestamps").default == BATCHED_TIMESTAMPS
    from audio2digest.evaluation.corpus import PUNCTUATION_VARIANTS

    segments = main.commands["eval"].commands["segments"]
    assert tuple(param(segments, "punctuation").type.choices) == PUNCTUATION_VARIANTS


def test_verbosity_options_also_work_after_the_command(tmp_path):
    """`audio2digest correct -v FILE` failed with "No such option '-v'": -v/-q belong to the
    group, and users write them after the command too (as git and pip allow)."""
    import logging

    text = tmp_path / "t.txt"
    text.write_text("智谱发布了新模型。\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["correct", "-vv", str(text)])
    assert result.exit_code == 0, result.output
    assert logging.getLogger("audio2digest").level == logging.DEBUG
    result = runner.invoke(main, ["correct", str(text), "--quiet"])
    assert result.exit_code == 0, result.output
    assert logging.getLogger("audio2digest").level == logging.ERROR
    # after "--" nothing is moved: "-q" there is a file name
    result = runner.invoke(main, ["correct", "--", "-q"])
    assert result.exit_code != 0 and "-q" in result.output
