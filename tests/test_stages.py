"""The stage list as ``run`` and ``batch`` use it: the same files, one episode identity, and
what a failure or Ctrl-C leaves behind. Speech recognition is the fake from tests/fakes.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes import FakeTranscriber, InterruptingTranscriber

from audio2digest.batch.scheduler import run_batch
from audio2digest.cli import main
from audio2digest.errors import InputError
from audio2digest.pipeline import run
from audio2digest.stages import BY_NAME, STAGE_NAMES, STAGES, RunOptions, Settings, StageEnv, fingerprints

ROOT = Path(__file__).resolve().parent.parent
CLIP = "zh_aishell1_BAC009S0724W0121.wav"
GLOSSARY = "terms:\n  - {term: 智谱, aliases: [智普]}\n  - {term: Gemini}\n"
FORMATS = ("json", "md", "srt", "vtt", "html", "chapters_json", "chapters_txt")


@pytest.fixture
def episode(tmp_path, real_clips) -> tuple[Path, RunOptions]:
    media = tmp_path / "in"
    media.mkdir()
    shutil.copy(real_clips / CLIP, media / "a.wav")
    g = tmp_path / "g.yaml"
    g.write_text(GLOSSARY, "utf-8")
    return media / "a.wav", RunOptions(glossaries=(str(g),), use_default_glossary=False, formats=FORMATS)


def files(d: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(d)): p.read_bytes()
        for p in sorted(d.rglob("*"))
        if p.is_file() and not p.name.startswith("ledger.")
    }


def test_the_stage_list():
    assert STAGE_NAMES == ("fetch", "transcribe", "normalise", "correct", "segment", "digest", "render")
    # Stages that keep their result in memory; a scheduler runs each with the next one.
    assert [s.name for s in STAGES if not s.outputs] == ["transcribe", "segment", "render"]
    written = {f for s in STAGES for f in s.outputs}
    assert {"source.json", "transcript.raw.json", "transcript.json", "digest.json"} == written


def test_fingerprints_chain(episode):
    _, options = episode
    s = Settings.of(options, StageEnv(transcriber=FakeTranscriber()))
    fps = fingerprints("k", "sha", s)
    assert list(fps) == list(STAGE_NAMES)
    assert list(fingerprints("k", None, s)) == ["fetch"]  # later stages need the audio's hash
    other = Settings(transcribe=s.transcribe, glossary="changed", digest=s.digest, render=s.render)
    changed = fingerprints("k", "sha", other)
    # A new glossary changes correct and everything after it, nothing before.
    assert [n for n in STAGE_NAMES if fps[n] != changed[n]] == list(STAGE_NAMES[3:])


def test_run_and_batch_write_the_same_files(episode, tmp_path):
    audio, options = episode
    seen_run, seen_batch = [], []
    results = run(
        [str(audio)],
        tmp_path / "run" / "out",
        options,
        transcriber=FakeTranscriber(),
        progress=lambda p: seen_run.append(p.stage),
    )
    assert [r.status for r in results] == ["done"]
    sources = tmp_path / "sources.txt"
    sources.write_text(f"{audio}\n", "utf-8")
    summary = run_batch(
        sources,
        tmp_path / "batch" / "out",
        options,
        transcriber=FakeTranscriber(),
        progress=lambda p: seen_batch.append(p.stage),
    )
    assert summary.ok and summary.done == 1
    # One progress vocabulary: the stage names, then done (and batch's overall count).
    assert list(dict.fromkeys(seen_run)) == [*STAGE_NAMES, "done"]
    assert [s for s in dict.fromkeys(seen_batch) if s != "batch"] == [*STAGE_NAMES, "done"]
    by_run, by_batch = files(tmp_path / "run" / "out"), files(tmp_path / "batch" / "out")
    assert by_run == by_batch  # byte for byte, digest.json and digest.md included
    slug = results[0].slug
    assert summary.episodes[0].slug == slug
    names = {Path(k).name for k in by_run}
    assert {
        "source.json",
        "transcript.raw.json",
        "transcript.json",
        "digest.json",
        "digest.md",
        "transcript.srt",
        "transcript.vtt",
        "digest.html",
        "chapters.json",
    } <= names
    assert "智谱" in by_run[f"{slug}/digest.json"].decode()  # corrected: the stages really ran
    assert summary.episodes[0].stages_run == STAGE_NAMES
    assert sorted(p.relative_to(results[0].outdir) for p in results[0].files) == sorted(
        p.relative_to(summary.episodes[0].outdir) for p in summary.episodes[0].files
    )


def test_run_without_json_format_still_writes_digest_json(episode, tmp_path):
    audio, options = episode
    from dataclasses import replace

    [r] = run(
        [str(audio)], tmp_path / "out", replace(options, formats=("md",)), transcriber=FakeTranscriber()
    )
    assert r.ok and {p.name for p in r.outdir.iterdir()} == {
        "source.json",
        "transcript.raw.json",
        "transcript.json",
        "digest.json",
        "digest.md",
    }


def test_a_rerun_renders_again_the_formats_an_earlier_run_left(episode, tmp_path):
    """A second run with a new glossary and other formats leaves no file of the old digest:
    digest.html from the first run is rendered again, not kept as it was."""
    audio, options = episode
    from dataclasses import replace

    out = tmp_path / "out"
    [r] = run([str(audio)], out, replace(options, formats=("md", "html")), transcriber=FakeTranscriber())
    html = r.outdir / "digest.html"
    html.write_text("stale", "utf-8")
    g2 = tmp_path / "g2.yaml"
    g2.write_text(GLOSSARY + "  - {term: Meta}\n", "utf-8")
    again = replace(options, glossaries=(str(g2),), formats=("md",))
    [r] = run([str(audio)], out, again, transcriber=FakeTranscriber())
    assert r.ok and html.read_text("utf-8") != "stale"
    assert html in r.files and not (r.outdir / "transcript.srt").exists()  # nothing new added


def test_one_file_three_spellings_is_one_episode(episode, tmp_path, monkeypatch):
    audio, options = episode
    monkeypatch.chdir(tmp_path)
    spellings = ["in/a.wav", "./in/a.wav", str(audio.resolve())]
    out = tmp_path / "out"
    results = run(spellings, out, options, transcriber=FakeTranscriber())
    assert len(results) == 1 and results[0].source == str(audio.resolve())
    again = run(["./in/../in/a.wav"], out, options, transcriber=FakeTranscriber())
    assert again[0].outdir == results[0].outdir and again[0].cached
    assert [p.name for p in out.iterdir()] == [results[0].slug]
    # batch: the same identity for the same three spellings (relative to the SOURCES file)
    (tmp_path / "sources.txt").write_text("\n".join(spellings) + "\n", "utf-8")
    summary = run_batch(tmp_path / "sources.txt", tmp_path / "bout", options, transcriber=FakeTranscriber())
    assert [e.key for e in summary.episodes] == [str(audio.resolve())]
    assert summary.episodes[0].slug == results[0].slug


def test_ctrl_c_during_run_leaves_nothing(episode, tmp_path):
    audio, options = episode
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run([str(audio)], out, options, transcriber=InterruptingTranscriber())
    assert out.is_dir() and list(out.iterdir()) == []  # no empty OUT/<slug>/, no source.json
    # A finished episode interrupted on a re-run keeps its finished files.
    [r] = run([str(audio)], out, options, transcriber=FakeTranscriber())
    before = files(out)
    with pytest.raises(KeyboardInterrupt):
        run(
            [str(audio)],
            out,
            RunOptions(**{**options.__dict__, "force": True}),
            transcriber=InterruptingTranscriber(),
        )
    assert files(out) == before and not [p for p in out.rglob(".*")]


def test_failed_episode_leaves_no_directory(tmp_path):
    bad = tmp_path / "notes.mp3"
    bad.write_text("show notes, not audio\n" * 50)
    out = tmp_path / "out"
    [r] = run([str(bad)], out, RunOptions(use_default_glossary=False), transcriber=FakeTranscriber())
    assert not r.ok and "not an audio file" in r.error
    assert list(out.iterdir()) == []


def test_read_only_out_is_one_line(real_clips):
    """A read-only OUT: one line naming the episode directory, exit 1, no traceback. Root
    ignores directory modes, so as root the command runs as ``nobody`` (setpriv)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: a read-only directory is writable")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    where = Path(tempfile.mkdtemp(prefix="a2d-ro-"))
    try:
        where.chmod(0o755)
        audio = where / "a.wav"
        shutil.copy(real_clips / CLIP, audio)
        audio.chmod(0o644)
        out = where / "out"
        out.mkdir()
        out.chmod(0o555)
        env = {**os.environ, "HOME": str(where), "PYTHONPATH": str(ROOT)}
        res = subprocess.run(
            [
                *prefix,
                sys.executable,
                "-m",
                "audio2digest",
                "-q",
                "run",
                str(audio),
                "-o",
                str(out),
                "--no-default-glossary",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=str(where),
        )
    finally:
        shutil.rmtree(where, ignore_errors=True)
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.splitlines() == [
        f"failed {audio}: {out / 'a'}: cannot create the episode directory (Permission denied)",
        "0 done, 1 failed",
    ]


def test_unwritable_out_is_one_line(episode, tmp_path):
    """OUT that cannot be a directory (a file is in the way): one line, for OUT itself and for
    an episode directory, whoever runs the test (root ignores read-only modes)."""
    audio, options = episode
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = CliRunner().invoke(main, ["run", str(audio), "-o", str(blocker / "out"), "--no-default-glossary"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.output.strip().splitlines()[-1].startswith(f"Error: {blocker / 'out'}: cannot create")
    with pytest.raises(InputError, match="cannot create the output directory"):
        run([str(audio)], blocker, options, transcriber=FakeTranscriber())
    out = tmp_path / "out"
    out.mkdir()
    [first] = run([str(audio)], out, options, transcriber=FakeTranscriber())
    shutil.rmtree(first.outdir)
    first.outdir.write_text("in the way")
    [r] = run([str(audio)], out, options, transcriber=FakeTranscriber())
    assert not r.ok and r.error.startswith(f"{first.outdir}: cannot create the episode directory")


def test_stage_env_extension_points(episode, tmp_path):
    """A digest writer plugs in after the built-in digest, and its name joins the fingerprint."""
    audio, options = episode
    from dataclasses import replace as dc_replace

    def shout(digest, transcript):
        return dc_replace(digest, items=tuple(dc_replace(i, title=i.title + "!") for i in digest.items))

    [r] = run([str(audio)], tmp_path / "out", options, transcriber=FakeTranscriber(), digest_writers=[shout])
    d = (r.outdir / "digest.json").read_text("utf-8")
    assert '!"' in d
    plain = Settings.of(options, StageEnv(transcriber=FakeTranscriber()))
    written = Settings.of(options, StageEnv(transcriber=FakeTranscriber(), digest_writers=(shout,)))
    a, b = fingerprints("k", "sha", plain), fingerprints("k", "sha", written)
    assert [n for n in STAGE_NAMES if a[n] != b[n]] == ["digest", "render"]
    assert BY_NAME["digest"].outputs == ("digest.json",)


def test_a_transcript_cached_by_an_older_normalisation_is_normalised_again(episode, tmp_path):
    import json

    from audio2digest.text.normalize import NORMALIZE_VERSION

    audio, options = episode
    out = tmp_path / "out"
    [first] = run([str(audio)], out, options, transcriber=FakeTranscriber())
    raw_path = out / first.slug / "transcript.raw.json"
    raw = json.loads(raw_path.read_text("utf-8"))
    assert raw["settings"]["normalize_version"] == NORMALIZE_VERSION
    # as an older normalisation left it: numbers spelled out, no version recorded
    raw["settings"].pop("normalize_version")
    raw["segments"][0]["text"] = "今年融资三百亿美元。"
    raw_path.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")

    class Refuses(FakeTranscriber):
        def transcribe(self, *a, **k):
            raise AssertionError("the cached transcript must be reused, not decoded again")

    run([str(audio)], out, options, transcriber=Refuses())
    again = json.loads(raw_path.read_text("utf-8"))
    assert again["segments"][0]["text"] == "今年融资300亿美元。"
    assert again["settings"]["normalize_version"] == NORMALIZE_VERSION


def test_local_audio_href_is_url_quoted(episode, tmp_path):
    """A file named ``ep #3.mp3`` is linked as ``ep%20%233.mp3`` (a raw ``#`` starts a
    fragment: a dead player); ``render`` from source.json quotes it the same way."""
    audio, options = episode
    from dataclasses import replace

    named = audio.with_name("ep #3.wav")
    audio.rename(named)
    [r] = run(
        [str(named)], tmp_path / "out", replace(options, formats=("html",)), transcriber=FakeTranscriber()
    )
    assert r.ok
    href = Path(os.path.relpath(named, r.outdir)).as_posix().replace(" ", "%20").replace("#", "%23")
    assert f'src="{href}"' in (r.outdir / "digest.html").read_text("utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "html", str(r.outdir / "digest.json")])
    assert res.exit_code == 0, res.output
    assert f'src="{href}"' in (r.outdir / "digest.html").read_text("utf-8")
