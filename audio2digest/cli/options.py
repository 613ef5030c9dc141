"""Shared click decorators: each adds a group of options and hands the command the options
object they describe, built in one place (``topts``: TranscribeOptions, ``glossary``: the
loaded glossary or None, ``options``: RunOptions)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import click


def format_names() -> list[str]:
    from audio2digest.render import FORMATS

    return sorted(FORMATS)


class FormatChoice(click.Choice):
    """``--format``: a registered format name, or the file name it writes (``chapters.json``
    for ``chapters_json``), in any case (``SRT``); converted to the format name."""

    def __init__(self) -> None:
        from audio2digest.render import FORMATS

        super().__init__(sorted(FORMATS), case_sensitive=False)
        self.filenames = {r.filename.casefold(): r.name for r in FORMATS.values()}

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value.casefold() in self.filenames:
            return self.filenames[value.casefold()]
        return super().convert(value, param, ctx)


def episode_file(file: str, name: str, other: str = "", why: str = "") -> str:
    """FILE itself, or for an episode directory (what ``run`` and ``batch`` write, and what
    ``status`` lists) the ``name`` file in it. A directory without one is one line saying so,
    pointing at ``other`` (to pass ``why``) when the directory holds that, or at its episode
    directories when it is the OUT they were written into."""
    from pathlib import Path

    from audio2digest.errors import InputError

    d = Path(file)
    if file == "-" or not d.is_dir():
        return file
    if (d / name).is_file():
        return str(d / name)
    hint = ""
    if other and (d / other).is_file():
        hint = f"; pass {d / other} {why}".rstrip()
    elif episodes := sorted(p for p in d.iterdir() if (p / name).is_file()):
        if len(episodes) == 1:
            hint = f"; pass its episode directory {episodes[0]}"
        else:
            hint = f"; pass one of its {len(episodes)} episode directories, e.g. {episodes[0]}"
    raise InputError(f"{file}: a directory with no {name} in it{hint}")


def _add(f: Callable, opts: list) -> Callable:
    for o in reversed(opts):
        f = o(f)
    return f


def check_language(ctx, param, value):
    """A click callback: ``--language`` must be a Whisper code or Whisper's name for it (any
    case: ``zh``, ``Chinese``, ``mandarin``), given back as the code; else a usage error.

    Every command checks it alike: a code such as ``cn`` would otherwise be taken, silently,
    for a language written with spaces."""
    from audio2digest.asr.languages import WHISPER_LANGUAGES, to_language_code

    if value is None:
        return value
    code = to_language_code(value)
    if code is not None:
        return code
    base = value.strip().lower().replace("_", "-").split("-")[0]
    if base in WHISPER_LANGUAGES:
        raise click.BadParameter(f"{value!r}: give the bare Whisper code {base!r} (no region or script)")
    raise click.BadParameter(
        f"{value!r} is not a Whisper language code or name (e.g. zh, en, yue, chinese, english; "
        f"codes: {' '.join(WHISPER_LANGUAGES)})"
    )


def _transcribe_opts() -> list:
    return [
        click.option(
            "--model",
            "-m",
            default="base",
            show_default=True,
            help="'base' (embedded, offline), a local CTranslate2 model directory, "
            "or a faster-whisper name such as large-v3 (needs the hub).",
        ),
        click.option(
            "--language",
            "-l",
            default=None,
            callback=check_language,
            help="Spoken language: a Whisper code or name (zh, en, chinese, english, ...). Default: detect.",
        ),
        click.option(
            "--beam-size",
            default=5,
            show_default=True,
            type=click.IntRange(1, 20),
            help="Beam of sequential decoding (audio under a minute, --sequential) and of the repairs.",
        ),
        click.option(
            "--batched-beam-size",
            default=2,  # asr.transcribe.BATCHED_BEAM_SIZE, copied for a fast --help (tests/test_cli.py)
            show_default=True,
            type=click.IntRange(1, 20),
            help="Beam of the batched decode: its time grows with the beam, which carries the "
            "hotword prompt; 2 scored as 5 did (docs/asr-eval.md).",
        ),
        click.option(
            "--script",
            type=click.Choice(["simplified", "traditional", "keep"]),
            default="simplified",
            show_default=True,
            help="Chinese output script (opencc).",
        ),
        click.option("--no-vad", is_flag=True, help="Decode everything, also silence."),
        click.option("--no-repair", is_flag=True, help="Skip loop and coverage repair after decoding."),
        click.option(
            "--threads",
            default=0,
            type=click.IntRange(0, 64),
            help="CPU threads for the model (0: all cores).",
        ),
        click.option(
            "--recover-names/--no-recover-names",
            default=True,
            show_default=True,
            help="Re-hear names the recogniser skipped inside sentences (a short "
            "decode per skipped stretch, about 1 % of the run; see "
            "docs/asr-eval.md).",
        ),
        click.option(
            "--batch-size",
            default=2,  # asr.transcribe.DEFAULT_BATCH_SIZE, copied for a fast --help (tests/test_cli.py)
            show_default=True,
            type=click.IntRange(0, 64),
            help="Decode this many VAD chunks at once (faster-whisper's batched "
            "pipeline; audio under a minute is decoded sequentially); 0 or 1: "
            "sequential 30-s windows.",
        ),
        click.option(
            "--sequential",
            is_flag=True,
            help="Decode sequentially over 30-s windows (same as --batch-size 0).",
        ),
        click.option(
            "--device",
            type=click.Choice(["cpu", "cuda", "auto"]),
            default="cpu",
            show_default=True,
            help="Where the model runs.",
        ),
    ]


def _build_topts(kw: dict):
    from audio2digest.asr.repair import RepairOptions
    from audio2digest.asr.transcribe import TranscribeOptions

    batch_size, sequential = kw.pop("batch_size"), kw.pop("sequential")
    return TranscribeOptions(
        model=kw.pop("model"),
        language=kw.pop("language"),
        beam_size=kw.pop("beam_size"),
        batched_beam_size=kw.pop("batched_beam_size"),
        script=kw.pop("script"),
        vad=not kw.pop("no_vad"),
        repair=not kw.pop("no_repair"),
        cpu_threads=kw.pop("threads"),
        repair_options=RepairOptions(dropouts=kw.pop("recover_names")),
        batch_size=0 if sequential else batch_size,
        device=kw.pop("device"),
    )


def transcribe_options(f: Callable) -> Callable:
    """The speech-recognition options; the command receives ``topts`` (TranscribeOptions)."""

    @functools.wraps(f)
    def wrapper(*args, **kw):
        kw["topts"] = _build_topts(kw)
        return f(*args, **kw)

    return _add(wrapper, _transcribe_opts())


def _glossary_opts(bundled: bool = True) -> list:
    return [
        click.option(
            "--glossary",
            "-g",
            "glossaries",
            multiple=True,
            type=click.Path(dir_okay=False),
            help="Glossary file (YAML or text, one term per line). Adds to the bundled "
            "one when that is used. Repeatable.",
        ),
        click.option(
            "--default-glossary/--no-default-glossary",
            "use_default_glossary",
            default=bundled,
            show_default=True,
            help="Use the bundled AI-news glossary.",
        ),
    ]


def glossary_options(f: Callable | None = None, *, bundled: bool = True) -> Callable:
    """Which glossaries to use (``@glossary_options``, or ``@glossary_options(bundled=False)``
    where the bundled glossary is off unless asked for); the command receives
    ``glossary_files`` (tuple of paths) and ``use_default_glossary`` (bool), from which
    :func:`audio2digest.stages.load_glossary_files` loads the one glossary (or None)."""

    def decorate(f: Callable) -> Callable:
        @functools.wraps(f)
        def wrapper(*args, **kw):
            kw["glossary_files"] = tuple(kw.pop("glossaries"))
            return f(*args, **kw)

        return _add(wrapper, _glossary_opts(bundled))

    return decorate(f) if f is not None else decorate


def _download_opts() -> list:
    return [
        click.option(
            "--download-timeout",
            default=3 * 3600.0,
            show_default=True,
            type=click.FloatRange(1),
            metavar="SECONDS",
            help="Longest time one download may take in all.",
        ),
        click.option(
            "--stall-timeout",
            default=60.0,
            show_default=True,
            type=click.FloatRange(0.1),
            metavar="SECONDS",
            help="Give up on a download that brings under 16 KiB in this many seconds.",
        ),
    ]


def _build_download(kw: dict):
    from audio2digest.sources.fetch import DownloadOptions

    return DownloadOptions(total_timeout=kw.pop("download_timeout"), stall_window=kw.pop("stall_timeout"))


def run_options(f: Callable) -> Callable:
    """Everything ``run`` and ``batch`` share; the command receives ``options`` (RunOptions)."""
    opts = (
        _transcribe_opts()
        + _glossary_opts()
        + [
            click.option(
                "--hotwords",
                default="auto",
                show_default=True,
                help="'auto' (glossary terms within the decoder's budget), 'none', "
                "or your own space-separated terms.",
            ),
            click.option(
                "--format",
                "-f",
                "formats",
                multiple=True,
                type=FormatChoice(),
                help="Output formats (repeatable; a name or its file name, e.g. chapters_json "
                "or chapters.json). Default: json md srt vtt.",
            ),
            click.option(
                "--latest",
                type=click.IntRange(1),
                default=None,
                help="For feeds and playlists: only the newest N episodes.",
            ),
            click.option(
                "--transcript-source",
                type=click.Choice(["auto", "publisher", "asr"]),
                default="auto",
                show_default=True,
                help="auto: the feed's podcast:transcript or the video's subtitles when "
                "there are usable ones, else speech recognition; publisher: only "
                "those (fail without); asr: always transcribe.",
            ),
            click.option(
                "--allow-auto-captions",
                is_flag=True,
                help="Count a video platform's automatic captions as subtitles "
                "(otherwise only subtitles a person made are used).",
            ),
        ]
        + _download_opts()
    )

    @functools.wraps(f)
    def wrapper(*args, **kw):
        from audio2digest.stages import DEFAULT_FORMATS, RunOptions

        kw["options"] = RunOptions(
            transcribe=_build_topts(kw),
            glossaries=tuple(kw.pop("glossaries")),
            use_default_glossary=kw.pop("use_default_glossary"),
            hotwords=kw.pop("hotwords"),
            formats=tuple(kw.pop("formats")) or DEFAULT_FORMATS,
            latest=kw.pop("latest"),
            transcript_source=kw.pop("transcript_source"),
            allow_auto_captions=kw.pop("allow_auto_captions"),
            download=_build_download(kw),
        )
        return f(*args, **kw)

    return _add(wrapper, opts)


__all__ = ["format_names", "FormatChoice", "transcribe_options", "glossary_options", "run_options"]
