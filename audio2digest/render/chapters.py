"""Chapters: ``chapters.json`` (Podcasting 2.0 JSON chapters, version 1.2.0) and
``chapters.txt`` (YouTube description chapters: the first at 0:00, strictly ascending)."""

from __future__ import annotations

from .._io import dumps_json
from ..errors import RenderError
from . import Renderer, register
from ._common import clock, episode_title, source_url, timed_url


def _timed(digest):
    items = [i for i in digest.items if i.start is not None]
    if digest.items and not items:
        raise RenderError("chapters need item times; this digest was made from text without timing")
    return sorted(items, key=lambda i: i.start)


def render_json(digest, transcript=None, audio_href=None) -> str:
    """Podcasting 2.0 chapters (https://github.com/Podcastindex-org/podcast-namespace, chapters.md)."""
    src = source_url(digest)
    chapters = []
    for it in _timed(digest):
        ch = {"startTime": round(float(it.start), 2), "title": it.title or it.kind}
        if it.end is not None:
            ch["endTime"] = round(float(it.end), 2)
        if src:
            ch["url"] = timed_url(src, it.start)
        if it.kind != "news":
            ch["toc"] = False
        chapters.append(ch)
    doc = {"version": "1.2.0", "title": episode_title(digest)}
    if digest.episode.uploader:
        doc["podcastName"] = digest.episode.uploader
    doc["chapters"] = chapters
    return dumps_json(doc)


def render_txt(digest, transcript=None, audio_href=None) -> str:
    """``0:00 Title`` lines. The first chapter is moved to 0:00 (YouTube requires it); a
    chapter whose second equals the previous one's is dropped so times strictly ascend."""
    lines = []
    last = -1
    for n, it in enumerate(_timed(digest)):
        sec = 0 if n == 0 else int(it.start)
        if sec <= last:
            continue
        title = " ".join((it.title or it.kind).split())
        lines.append(f"{clock(sec)} {title}")
        last = sec
    if not lines:
        lines.append(f"0:00 {' '.join(episode_title(digest).split())}")
    return "\n".join(lines) + "\n"


register(Renderer("chapters_json", "chapters.json", render_json, "Podcasting 2.0 JSON chapters"))
register(Renderer("chapters_txt", "chapters.txt", render_txt, "YouTube description chapters"))
