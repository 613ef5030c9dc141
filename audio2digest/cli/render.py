"""`render`: re-render a digest (or a transcript) in any registered format."""

from __future__ import annotations

from pathlib import Path

import click

from audio2digest.cli import main
from audio2digest.cli.llm_options import echo_totals, llm_config, llm_options, style_option
from audio2digest.cli.ui import progress_bars


def _format_names() -> list[str]:
    from audio2digest.render import FORMATS

    return list(FORMATS)


@main.command("render")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "-f", "formats", multiple=True, type=click.Choice(_format_names()),
              help="Output format (repeatable). Default: every format the input allows.")
@click.option("-o", "--out", "outdir", type=click.Path(file_okay=False),
              help="Output directory. Default: FILE's directory.")
@click.option("--transcript", "-t", "transcript_path", type=click.Path(dir_okay=False),
              help="transcript.json for srt/vtt/html (default: transcript.json next to FILE).")
@click.option("--audio", "audio_href", default=None,
              help="Audio URL or path (relative to the output directory) for the HTML player.")
@click.option("--clips", "clips_audio", type=click.Path(dir_okay=False, exists=True),
              help="Also cut one clip per news item from this audio file into OUT/clips/.")
@click.option("--glossary", "-g", "glossaries", multiple=True, type=click.Path(dir_okay=False),
              help="Glossary for entities when FILE is a transcript, and for the LLM's "
                   "grounding and spellings. Default: none (the bundled one for --llm).")
@style_option
@llm_options
@click.pass_context
def render_cmd(ctx, file, formats, outdir, transcript_path, audio_href, clips_audio, glossaries,
               style, llm_url, llm_model, llm_jobs, llm_timeout):
    """Render FILE (a digest.json, or a transcript.json to segment first) without re-transcribing.

    \b
    Examples:
      audio2digest render --format html out/ep12/digest.json
      audio2digest render -f md -f chapters_txt -o site/ out/ep12/digest.json
      audio2digest render -f srt -f vtt out/ep12/transcript.json
      audio2digest render -f md --style brief out/ep12/digest.json
      audio2digest render -f md --style daily --llm http://localhost:8080/v1 --llm-model qwen out/ep12/digest.json

    With --llm the digest's items are rewritten by the model (answers cached in FILE's
    directory, so rendering again costs nothing) and digest.json is rewritten with them.
    """
    from audio2digest.text.digest import build_digest
    from audio2digest.errors import InputError
    from audio2digest.render import FORMATS, render_all
    from audio2digest.types import Transcript
    from audio2digest.cli.segment import decode_text, load_glossaries, load_json_record, read_input

    name, raw = read_input(file)
    record = load_json_record(name, decode_text(name, raw))
    if record is None:
        raise InputError(f"{file}: not JSON; expected a digest.json or transcript.json")
    out = Path(outdir) if outdir else Path(file).parent
    transcript = digest = None
    if isinstance(record, Transcript):
        transcript = record
        only_transcript = formats and all(FORMATS[f].needs == "transcript" for f in formats)
        if not only_transcript:
            digest = build_digest(transcript, load_glossaries(glossaries))
    else:
        digest = record
        tpath = Path(transcript_path) if transcript_path else Path(file).parent / "transcript.json"
        if transcript_path or tpath.exists():
            tname, traw = read_input(str(tpath))
            t = load_json_record(tname, decode_text(tname, traw))
            if not isinstance(t, Transcript):
                raise InputError(f"{tpath}: not a transcript.json")
            transcript = t
    llm = llm_config(llm_url, llm_model, llm_jobs, llm_timeout)
    if llm is not None and digest is not None:
        from audio2digest.llm.writer import writer_for
        from audio2digest.text.glossary import load_glossary

        writer = writer_for(llm)
        writer.preflight()
        glossary = load_glossaries(glossaries) if glossaries else load_glossary(use_default=True)
        with progress_bars(not ctx.obj.get("quiet")) as progress:
            digest = writer.write(digest, glossary, cache_dir=Path(file).parent, progress=progress,
                                  label=Path(file).parent.name)
        if not formats or "json" not in formats:
            formats = tuple(formats or ()) + (("json",) if formats else ())
        echo_totals([digest.writer])
    written = render_all(digest, transcript, out, formats=list(formats) or None, audio_href=audio_href,
                         style=style)
    for path in written.values():
        click.echo(str(path))
    if clips_audio:
        from audio2digest.render import cut_clips

        for path in cut_clips(clips_audio, digest.items, out / "clips"):
            click.echo(str(path))
