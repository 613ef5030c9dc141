"""`render`: re-render a digest (or a transcript) in any registered format."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import click

from audio2digest.cli import main
from audio2digest.cli.llm_options import echo_totals, llm_config, llm_options, style_option
from audio2digest.cli.options import FormatChoice, episode_file, glossary_options
from audio2digest.cli.ui import progress_bars

log = logging.getLogger("audio2digest.cli.render")


def audio_from_source_json(episode_dir: Path, outdir: Path) -> str | None:
    """The audio named in ``episode_dir/source.json`` (written by ``run`` and ``batch``) as a
    URL-quoted path relative to ``outdir``, for the HTML player; None when there is none or
    it is gone."""
    from audio2digest.stages import audio_href

    path = episode_dir / "source.json"
    try:
        rel = json.loads(path.read_text("utf-8")).get("audio")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(rel, str) or not rel:
        return None
    audio = (episode_dir / rel).resolve()
    if not audio.is_file():
        log.warning("%s: audio %s not found; the page gets no player source", path, audio)
        return None
    return audio_href(audio, outdir)


@main.command("render")
@click.argument("file", metavar="FILE|DIR", type=click.Path())
@click.option(
    "--format",
    "-f",
    "formats",
    multiple=True,
    type=FormatChoice(),
    help="Output format (repeatable; a name or its file name). Default: every format the input allows.",
)
@click.option(
    "-o",
    "--out",
    "outdir",
    type=click.Path(file_okay=False),
    help="Output directory. Default: FILE's directory.",
)
@click.option(
    "--transcript",
    "-t",
    "transcript_path",
    type=click.Path(dir_okay=False),
    help="transcript.json for srt/vtt/html (default: transcript.json next to FILE).",
)
@click.option(
    "--audio",
    "audio_href",
    default=None,
    help="Audio path (relative to the output directory) or URL for the HTML player. "
    "Default: the audio named in source.json beside FILE.",
)
@click.option(
    "--audio-url",
    "audio_url",
    default=None,
    help="Absolute http(s) URL of the audio for a published page (instead of a local path).",
)
@click.option(
    "--clips",
    "clips_audio",
    type=click.Path(dir_okay=False, exists=True),
    help="Also cut one clip per news item from this audio file into OUT/clips/.",
)
@glossary_options(bundled=False)
@style_option
@llm_options
@click.pass_context
def render_cmd(
    ctx,
    file,
    formats,
    outdir,
    transcript_path,
    audio_href,
    audio_url,
    clips_audio,
    glossary_files,
    use_default_glossary,
    style,
    llm_url,
    llm_model,
    llm_jobs,
    llm_timeout,
):
    """Render FILE (a digest.json, a transcript.json to segment first, or what `segment --json`
    printed) without re-transcribing. DIR, an episode directory, stands for the digest.json in it.

    \b
    Examples:
      audio2digest render --format html out/ep12/digest.json
      audio2digest render -f html out/ep12
      audio2digest render -f md -f chapters_txt -o site/ out/ep12/digest.json
      audio2digest render -f srt -f vtt out/ep12/transcript.json
      audio2digest render -f md items.json     # what `segment --json` printed
      audio2digest render -f html --audio-url https://example.com/ep12.mp3 -o site/ out/ep12/digest.json
      audio2digest render -f md --style brief out/ep12/digest.json
      audio2digest render -f md --style daily --llm http://localhost:8080/v1 --llm-model qwen out/ep12/digest.json

    With --llm the digest's items are rewritten by the model (answers cached in FILE's
    directory, so rendering again costs nothing) and digest.json is written with them. The
    glossary for its grounding and spellings: -g files, else the bundled one.
    """
    from audio2digest.cli.segment import load_json_record, read_text
    from audio2digest.errors import InputError
    from audio2digest.render import render_all
    from audio2digest.render.common import is_web_url
    from audio2digest.stages import audio_href as page_audio_href
    from audio2digest.stages import load_glossary_files
    from audio2digest.text.digest import build_digest
    from audio2digest.types import Transcript, same_episode

    file = episode_file(file, "digest.json", "transcript.json", "to segment it first")
    name, text = read_text(file)
    record = load_json_record(name, text)
    if record is None:
        raise InputError(
            f"{file}: not JSON; expected a digest.json, transcript.json or `segment --json` output"
        )
    out = Path(outdir) if outdir else Path(file).parent
    if audio_href and not is_web_url(audio_href):
        local = out / audio_href  # an absolute path stays itself under the join
        if not local.is_file():
            if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", audio_href):  # javascript:, data:, ftp:
                raise InputError(f"--audio {audio_href!r}: expected a file path or an http(s) URL")
            raise InputError(f"--audio {audio_href}: no such file (a relative path is taken from {out})")
        audio_href = page_audio_href(local, out)  # relative to the page and URL-quoted
    transcript = digest = None
    if isinstance(record, Transcript):
        transcript = record
        # Built even for subtitles alone (well under a second): its names keep cues and lines
        # from breaking inside "深度求索" or "Hugging Face", as they do in `run`.
        digest = build_digest(transcript, load_glossary_files(glossary_files, use_default_glossary))
    else:
        digest = record
        tpath = Path(transcript_path) if transcript_path else Path(file).parent / "transcript.json"
        if transcript_path or tpath.exists():
            tname, ttext = read_text(str(tpath))
            t = load_json_record(tname, ttext)
            if not isinstance(t, Transcript):
                raise InputError(f"{tpath}: not a transcript.json")
            if not same_episode(digest, t):
                raise InputError(
                    f"{tpath}: the transcript of {t.episode.source!r} ({t.duration:.0f} s), "
                    f"not of this digest's episode {digest.episode.source!r} ({digest.duration:.0f} s)"
                )
            transcript = t
    llm = llm_config(llm_url, llm_model, llm_jobs, llm_timeout)
    if llm is not None and digest is not None:
        from audio2digest.llm.writer import LLMDigestWriter

        writer = LLMDigestWriter(llm)
        writer.preflight()
        glossary = load_glossary_files(glossary_files, use_default_glossary)
        if glossary is None:
            glossary = load_glossary_files((), True)
        with progress_bars(not ctx.obj.get("quiet")) as progress:
            digest = writer.write_episode(
                digest,
                transcript,
                outdir=Path(file).parent,
                glossary=glossary,
                progress=progress,
                label=Path(file).parent.name,
            )
        if formats and "json" not in formats:
            formats = (*formats, "json")
        echo_totals([digest.writer])
    if audio_url:
        if not is_web_url(audio_url):
            raise InputError(f"--audio-url {audio_url!r}: expected an absolute http(s) URL")
        audio_href = audio_url
    elif not audio_href:
        audio_href = audio_from_source_json(Path(file).parent, out)
    written = render_all(
        digest, transcript, out, formats=list(formats) or None, audio_href=audio_href, style=style
    )
    for path in written.values():
        click.echo(str(path))
    if clips_audio:
        from audio2digest.render import cut_clips

        for path in cut_clips(clips_audio, digest.items, out / "clips"):
            click.echo(str(path))
