"""SOURCES for ``batch``: a feed URL, or a text file listing URLs and local paths."""

from __future__ import annotations

import os
from pathlib import Path

from audio2digest.errors import InputError
from audio2digest.sources.fetch import is_url
from audio2digest.stages import source_identity


def read_sources(spec: str | os.PathLike) -> list[str]:
    """SOURCES → source strings: a URL as is, or the lines of a text file.

    Lines: one URL or path each; blank lines and ``#`` comment lines are skipped; duplicates
    are dropped (first wins). Relative paths are relative to the SOURCES file's directory.
    """
    spec = str(spec)
    if is_url(spec):
        return [spec]
    p = Path(spec).expanduser()
    if p.is_dir():
        raise InputError(f"{spec}: is a directory (SOURCES is a text file of URLs/paths, or a feed URL)")
    if not p.is_file():
        raise InputError(f"{spec}: no such file (SOURCES is a text file of URLs/paths, or a feed URL)")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{spec}: cannot read ({exc.strerror or exc})") from exc
    if b"\0" in raw[:8192]:
        raise InputError(
            f"{spec}: not a text file (SOURCES lists URLs or paths one per line, or is a feed URL)"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{spec}: not UTF-8 text (byte {exc.start})") from exc
    if _looks_like_feed(text):  # a local RSS/Atom file: one source, its enclosures the episodes
        return [str(p.resolve())]
    seen: dict[str, None] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not is_url(line):
            q = Path(line).expanduser()
            line = str(q if q.is_absolute() else p.parent / q)
        seen.setdefault(source_identity(line), None)
    if not seen:
        raise InputError(f"{spec}: lists no sources (only blank or # comment lines)")
    return list(seen)


def _looks_like_feed(text: str) -> bool:
    """Whether a SOURCES file is an XML document (an RSS/Atom feed) rather than a list of lines:
    no line of a source list starts with ``<``."""
    head = text.lstrip()[:512].lower()
    return head.startswith(("<?xml", "<rss", "<feed", "<!--"))


__all__ = ["read_sources"]
