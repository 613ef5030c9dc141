"""`run`, `transcribe` and `models`: the main job and its first stage."""

from __future__ import annotations

import sys

import click

from audio2digest.cli import main
from audio2digest.cli.ui import progress_bars


class FormatChoice(click.Choice):
    """``--format``: a registered format name, or the file name it writes (``chapters.json``
    for ``chapters_json``); converted to the format name."""

    def __init__(self) -> None:
        from audio2digest.render import FORMATS

        super().__init__(sorted(FORMATS))
        self.filenames = {r.filename: r.name for r in FORMATS.values()}

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value in self.filenames:
            return self.filenames[value]
        return super().convert(value, param, ctx)


def transcribe_options(f):
    """The options every transcribing command shares."""
    opts = [
        click.option("--model", "-m", default="base", show_default=True,
                     help="'base' (embedded, offline), a local CTranslate2 model directory, "
                          "or a faster-whisper name such as large-v3 (needs the hub)."),
        click.option("--language", "-l", default=None,
                     help="Spoken language code (zh, en, ...). Default: detect."),
        click.option("--beam-size", default=5, show_default=True, type=click.IntRange(1, 20)),
        click.option("--script", type=click.Choice(["simplified", "traditional", "keep"]),
                     default="simplified", show_default=True,
                     help="Chinese output script (opencc)."),
        click.option("--no-vad", is_flag=True, help="Decode everything, also silence."),
        click.option("--no-repair", is_flag=True,
                     help="Skip loop and coverage repair after decoding."),
        click.option("--threads", default=0, type=click.IntRange(0, 64),
                     help="CPU threads for the model (0: all cores)."),
        click.option("--recover-names/--no-recover-names", default=True, show_default=True,
                     help="Re-hear names the recogniser skipped inside sentences (a short "
                          "decode per skipped stretch, about 1 % of the run; see "
                          "docs/asr-eval.md)."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def glossary_options(f):
    f = click.option("--no-default-glossary", is_flag=True,
                     help="Do not use the bundled AI-news glossary.")(f)
    f = click.option("--glossary", "-g", "glossaries", multiple=True,
                     type=click.Path(dir_okay=False),
                     help="Glossary file (YAML or text, one term per line). Repeatable.")(f)
    return f


def _topts(model, language, beam_size, script, no_vad, no_repair, threads, recover_names):
    from audio2digest.asr.transcribe import TranscribeOptions

    return TranscribeOptions(model=model, language=language, beam_size=beam_size, script=script,
                             vad=not no_vad, repair=not no_repair, cpu_threads=threads,
                             recover_names=recover_names)


@main.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("-o", "--out", "out", type=click.Path(file_okay=False), default="out",
              show_default=True, help="Output directory; each episode gets OUT/<slug>/.")
@transcribe_options
@glossary_options
@click.option("--hotwords", default="auto", show_default=True,
              help="'auto' (glossary terms within the decoder's budget), 'none', "
                   "or your own space-separated terms.")
@click.option("--format", "-f", "formats", multiple=True, type=FormatChoice(),
              help="Output formats (repeatable; a name or its file name, e.g. chapters_json or "
                   "chapters.json). Default: json md srt vtt.")
@click.option("--latest", type=click.IntRange(1), default=None,
              help="For feeds and playlists: only the newest N episodes.")
@click.option("--clips", is_flag=True, help="Also cut one audio clip per news item.")
@click.option("--force", is_flag=True, help="Re-transcribe even if a cached transcript matches.")
@click.pass_context
def run(ctx, sources, out, model, language, beam_size, script, no_vad, no_repair, threads, recover_names,
        glossaries, no_default_glossary, hotwords, formats, latest, clips, force):
    """Turn SOURCES into transcripts and digests.

    A SOURCE is a local audio/video file, a podcast RSS/Atom feed URL, or any URL yt-dlp
    handles (YouTube, Bilibili, playlists, direct media links). One failing source does
    not stop the others; the exit code is 1 if any failed.

    \b
    Examples:
      audio2digest run samples/ai-weekly-12.mp3 -o out
      audio2digest run https://example.com/podcast.xml --latest 2 -o out
      audio2digest run ep.mp3 -g my-terms.txt -f html -f chapters.json -o out
    """
    from audio2digest.pipeline import DEFAULT_FORMATS, RunOptions, run as run_pipeline

    options = RunOptions(
        transcribe=_topts(model, language, beam_size, script, no_vad, no_repair, threads, recover_names),
        glossaries=tuple(glossaries), use_default_glossary=not no_default_glossary,
        hotwords=hotwords, formats=tuple(formats) or DEFAULT_FORMATS, latest=latest,
        clips=clips, force=force,
    )
    with progress_bars(not ctx.obj.get("quiet")) as progress:
        results = run_pipeline(list(sources), out, options, progress=progress)
    failed = [r for r in results if not r.ok]
    for r in results:
        if r.ok:
            note = " (transcript reused)" if r.cached else ""
            click.echo(f"ok     {r.outdir}{note}")
        elif r.error.startswith(r.source):
            click.echo(f"failed {r.error}", err=True)
        else:
            click.echo(f"failed {r.source}: {r.error}", err=True)
    click.echo(f"{len(results) - len(failed)} done, {len(failed)} failed", err=True)
    if failed:
        sys.exit(1)


@main.command("transcribe")
@click.argument("audio", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write transcript.json here (default: print the text).")
@transcribe_options
@glossary_options
@click.option("--correct/--no-correct", default=False,
              help="Apply glossary correction to the transcript.")
@click.pass_context
def transcribe_cmd(ctx, audio, output, model, language, beam_size, script, no_vad, no_repair, recover_names,
                   threads, glossaries, no_default_glossary, correct):
    """Transcribe one local AUDIO file (speech recognition + normalisation only).

    \b
    Examples:
      audio2digest transcribe clip.wav
      audio2digest transcribe episode.mp3 -o transcript.json --correct
    """
    from audio2digest.files import atomic_write_json
    from audio2digest.pipeline import RunOptions, load_glossaries, stage_correct
    from audio2digest.asr.transcribe import transcribe

    with progress_bars(not ctx.obj.get("quiet")) as progress:
        t = transcribe(audio, None, _topts(model, language, beam_size, script, no_vad,
                                           no_repair, threads, recover_names), progress=progress)
    if correct:
        glossary = load_glossaries(RunOptions(glossaries=tuple(glossaries),
                                              use_default_glossary=not no_default_glossary))
        t = stage_correct(t, glossary)
    if output:
        atomic_write_json(output, t.to_dict())
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(t.text)


@main.command()
@click.option("--no-verify", is_flag=True, help="Skip re-hashing the embedded model files.")
def models(no_verify):
    """List the speech models available here and verify the embedded one (sha256).

    \b
    Example:
      audio2digest models
    """
    from audio2digest.asr.model import HUB_MODELS, list_models

    rows = list_models(verify=not no_verify)
    bad = False
    for r in rows:
        click.echo(f"{r['name']:<14} {r['kind']:<14} {r['status']}")
        if r["path"]:
            click.echo(f"{'':<14} {r['path']}")
        bad = bad or r["status"].startswith("error")
    click.echo(f"hub names (need network to download): {', '.join(HUB_MODELS)}")
    from audio2digest.versions import versions

    stack = versions()
    click.echo("decoder: " + ", ".join(f"{name} {stack[name]}" for name in
                                       ("faster-whisper", "ctranslate2", "onnxruntime", "av")))
    if bad:
        sys.exit(1)
