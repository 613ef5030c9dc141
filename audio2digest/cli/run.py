"""`run`, `transcribe` and `models`: the main job and its first stage."""

from __future__ import annotations

import sys

import click

from audio2digest.cli import main
from audio2digest.cli.llm_options import echo_totals, llm_options, llm_writers, style_option, writer_records
from audio2digest.cli.options import glossary_options, run_options, transcribe_options
from audio2digest.cli.ui import progress_bars


@main.command()
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(file_okay=False),
    default="out",
    show_default=True,
    help="Output directory; each episode gets OUT/<slug>/.",
)
@run_options
@click.option("--clips", is_flag=True, help="Also cut one audio clip per news item.")
@click.option("--force", is_flag=True, help="Re-transcribe even if a cached transcript matches.")
@style_option
@llm_options
@click.pass_context
def run(ctx, sources, out, options, clips, force, style, llm_url, llm_model, llm_jobs, llm_timeout):
    """Turn SOURCES into transcripts and digests.

    A SOURCE is a local audio/video file, a podcast RSS/Atom feed URL, or any URL yt-dlp
    handles (YouTube, Bilibili, playlists, direct media links). One failing source does
    not stop the others; the exit code is 1 if any failed.

    \b
    Examples:
      audio2digest run samples/ai-weekly-12.mp3 -o out
      audio2digest run https://example.com/podcast.xml --latest 2 -o out
      audio2digest run https://example.com/podcast.xml --transcript-source publisher -o out
      audio2digest run ep.mp3 -g my-terms.txt -f html -f chapters.json -o out
    """
    from dataclasses import replace

    from audio2digest.pipeline import run as run_pipeline

    options = replace(options, clips=clips, force=force, style=style)
    writers = llm_writers(llm_url, llm_model, llm_jobs, llm_timeout)
    with progress_bars(not ctx.obj.get("quiet")) as progress:
        results = run_pipeline(list(sources), out, options, progress=progress, digest_writers=writers)
    if writers:
        echo_totals(writer_records(r.outdir for r in results if r.ok))
    failed = [r for r in results if not r.ok]
    for r in results:
        if r.ok:
            note = " (transcript reused)" if r.cached else ""
            if r.origin in ("publisher", "captions"):
                note += f" ({r.origin} transcript, not transcribed)"
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
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write transcript.json here (default: print the text).",
)
@transcribe_options
@glossary_options
@click.option(
    "--hotwords",
    default="auto",
    show_default=True,
    help="'auto' (glossary terms chosen per batch, as `run` does), 'none', or your own "
    "space-separated terms.",
)
@click.option("--correct/--no-correct", default=False, help="Apply glossary correction to the transcript.")
@click.pass_context
def transcribe_cmd(ctx, audio, output, topts, glossary_files, use_default_glossary, hotwords, correct):
    """Transcribe one local AUDIO file (speech recognition + normalisation only).

    The glossary (-g files and the bundled one) biases the decoder the way `run` does;
    --correct also corrects the transcript with it.

    \b
    Examples:
      audio2digest transcribe clip.wav
      audio2digest transcribe episode.mp3 -o transcript.json --correct
    """
    from dataclasses import replace

    from audio2digest.asr.transcribe import transcribe
    from audio2digest.files import atomic_write_json, check_output_path
    from audio2digest.stages import RunOptions, choose_hotwords, hotword_chooser, load_glossaries
    from audio2digest.types import EpisodeMeta

    if correct and not glossary_files and not use_default_glossary:
        # before the decode: --correct would otherwise do nothing, without a word
        raise click.UsageError("--correct needs a glossary: give -g FILE or drop --no-default-glossary")
    if output:
        check_output_path(output)  # before the work, not after it
    options = RunOptions(
        transcribe=topts,
        glossaries=tuple(glossary_files),
        use_default_glossary=use_default_glossary,
        hotwords=hotwords,
    )
    glossary = load_glossaries(options)
    meta = EpisodeMeta(source=audio)
    chooser = hotword_chooser(options, glossary, meta)
    topts = replace(topts, hotwords=choose_hotwords(options))
    with progress_bars(not ctx.obj.get("quiet")) as progress:
        t = transcribe(audio, meta, topts, progress=progress, hotword_chooser=chooser)
    if correct and glossary is not None:
        from audio2digest.text.correct import correct_transcript

        t = correct_transcript(t, glossary)
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
    click.echo(
        "decoder: "
        + ", ".join(
            f"{name} {stack[name]}" for name in ("faster-whisper", "ctranslate2", "onnxruntime", "av")
        )
    )
    if bad:
        sys.exit(1)
