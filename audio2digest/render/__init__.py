"""Output formats, in a registry keyed by format name.

Each :class:`Renderer` has a ``name`` (the CLI's ``--format`` choice), the ``filename`` it
writes, and ``render(digest, transcript=None, audio_href=None) -> str | bytes``. Formats
that only need a transcript (``srt``, ``vtt``) accept ``digest=None``.

>>> sorted(FORMATS)                                   # doctest: +NORMALIZE_WHITESPACE
['chapters_json', 'chapters_txt', 'html', 'json', 'md', 'srt', 'transcript_json', 'vtt']

:func:`render_all` writes several formats atomically; :func:`cut_clips` (``--clips``) cuts one
audio file per news item.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from audio2digest.errors import RenderError
from audio2digest.files import atomic_write_bytes, atomic_write_text
from audio2digest.types import Digest, Transcript

logger = logging.getLogger("audio2digest.render")

RenderFunc = Callable[..., str | bytes]

#: MIME types by file extension; SRT and VTT as the Podcasting 2.0 namespace names them.
MIME_BY_EXTENSION = {
    "md": "text/markdown",
    "json": "application/json",
    "html": "text/html",
    "txt": "text/plain",
    "srt": "application/x-subrip",
    "vtt": "text/vtt",
}


@dataclass(frozen=True)
class Renderer:
    """One output format."""

    name: str
    filename: str  # e.g. "digest.md"
    func: RenderFunc
    description: str = ""
    needs: str = "digest"  # "digest" | "transcript" (works from a transcript alone)
    mime_type: str = ""  # what a feed or server announces it as; default from the extension
    needs_times: bool = False  # useless without times (not written for an untimed transcript)
    styles: tuple[str, ...] = ()  # layouts it offers (the first is the default); () = one

    @property
    def extension(self) -> str:
        return Path(self.filename).suffix.lstrip(".")

    @property
    def mime(self) -> str:
        return self.mime_type or MIME_BY_EXTENSION.get(self.extension, "application/octet-stream")

    def render(
        self,
        digest: Digest | None,
        transcript: Transcript | None = None,
        audio_href: str | None = None,
        style: str | None = None,
    ) -> str | bytes:
        if digest is None and self.needs != "transcript":
            raise RenderError(f"format {self.name!r} needs a digest, not only a transcript")
        if digest is None and transcript is None:
            raise RenderError(f"format {self.name!r} needs a digest or a transcript")
        if style and self.styles and style != self.styles[0]:
            if style not in self.styles:
                raise RenderError(
                    f"unknown {self.name} style {style!r}, expected one of: {', '.join(self.styles)}"
                )
            return self.func(digest, transcript=transcript, audio_href=audio_href, style=style)
        return self.func(digest, transcript=transcript, audio_href=audio_href)


FORMATS: dict[str, Renderer] = {}


def register(renderer: Renderer) -> Renderer:
    FORMATS[renderer.name] = renderer
    return renderer


def format_name(name: str) -> str:
    """The registry name for ``name``: a format name (``chapters_json``) or the file name it
    writes (``chapters.json``, ``digest.md``), so either spelling works on the command line."""
    if name in FORMATS:
        return name
    for r in FORMATS.values():
        if name == r.filename:
            return r.name
    choices = ", ".join(sorted(FORMATS))
    raise RenderError(f"unknown format {name!r}, expected one of: {choices} (or their file names)")


def get_renderer(name: str) -> Renderer:
    return FORMATS[format_name(name)]


def render_all(
    digest: Digest | None,
    transcript: Transcript | None,
    outdir: str | Path,
    formats: Iterable[str] | None = None,
    audio_href: str | None = None,
    style: str | None = None,
) -> dict[str, Path]:
    """Render ``formats`` (default: all that the inputs allow; those that need times only when
    the inputs have them) into ``outdir``, atomically.

    Returns ``{format name: path written}``. With ``digest=None`` only the formats that
    work from a transcript (srt, vtt) are possible.
    """
    outdir = Path(outdir)
    if formats is None:
        names = [n for n, r in FORMATS.items() if digest is not None or r.needs == "transcript"]
        timed = (transcript is not None and transcript.timed) or (
            digest is not None and any(i.start is not None for i in digest.items)
        )
        if not timed:  # a digest of plain text (`segment --json`): no chapters or subtitles
            untimed = [n for n in names if FORMATS[n].needs_times]
            names = [n for n in names if n not in untimed]
            if untimed:
                logger.info("no times in the input; not writing %s", ", ".join(untimed))
    else:
        names = list(dict.fromkeys(format_name(f) for f in formats))
    renderers = [get_renderer(n) for n in names]  # fail before writing anything
    # Every format is rendered before the first file is written: a renderer that fails
    # leaves the outputs of an earlier render intact, not half of them replaced.
    if style and style not in STYLES:
        raise RenderError(f"unknown style {style!r}, expected one of: {', '.join(STYLES)}")
    rendered = [
        (
            r,
            r.render(
                digest,
                transcript=transcript,
                audio_href=audio_href,
                style=style if style in r.styles else None,
            ),
        )
        for r in renderers
    ]
    written: dict[str, Path] = {}
    for r, data in rendered:
        path = outdir / r.filename
        try:
            if isinstance(data, bytes):
                atomic_write_bytes(path, data)
            else:
                atomic_write_text(path, data)
        except OSError as exc:
            raise RenderError(f"{path}: cannot write {r.name} ({exc.strerror or exc})") from None
        logger.info("wrote %s", path)
        written[r.name] = path
    return written


def render_transcript(name: str, transcript: Transcript) -> str | bytes:
    """Render a transcript-only format (``srt``, ``vtt``) without a digest."""
    return get_renderer(name).render(None, transcript=transcript)


def cut_clips(*args, **kwargs):
    """See :func:`audio2digest.render.clips.cut_clips`."""
    from audio2digest.render.clips import cut_clips as _cut

    return _cut(*args, **kwargs)


# Register the built-in formats (import order = CLI order).
from audio2digest.render import chapters as _chapters  # noqa: E402,F401
from audio2digest.render import html as _html  # noqa: E402,F401
from audio2digest.render import json as _json  # noqa: E402,F401
from audio2digest.render import md as _md  # noqa: E402,F401
from audio2digest.render import md_styles as _md_styles  # noqa: E402,F401  (md --style layouts)
from audio2digest.render import subtitles as _subtitles  # noqa: E402,F401
from audio2digest.render import transcript_json as _transcript_json  # noqa: E402,F401
from audio2digest.render.common import clock  # noqa: E402  (times as the digests print them)

#: Every layout name any format offers (``--style``); a format without it renders as usual.
STYLES: tuple[str, ...] = tuple(dict.fromkeys(s for r in FORMATS.values() for s in r.styles))

__all__ = [
    "Renderer",
    "FORMATS",
    "STYLES",
    "MIME_BY_EXTENSION",
    "register",
    "format_name",
    "get_renderer",
    "render_all",
    "render_transcript",
    "cut_clips",
    "clock",
]
