"""Chapters: ``chapters.json`` (Podcasting 2.0 JSON chapters, version 1.2.0) and
``chapters.txt`` (YouTube description chapters: the first at 0:00, strictly ascending, each
at least 10 s)."""

from __future__ import annotations

from audio2digest.errors import RenderError
from audio2digest.files import dumps_json
from audio2digest.render import Renderer, register
from audio2digest.render.common import clock, episode_title, source_url, timed_url


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
    doc: dict[str, object] = {"version": "1.2.0", "title": episode_title(digest)}
    if digest.episode.uploader:
        doc["podcastName"] = digest.episode.uploader
    doc["chapters"] = chapters
    return dumps_json(doc)


YOUTUBE_MIN_CHAPTER = 10  # seconds; YouTube ignores the whole list if a chapter is shorter


def render_txt(digest, transcript=None, audio_href=None) -> str:
    """``0:00 Title`` lines, as YouTube wants them: the first at 0:00, strictly ascending,
    every chapter at least 10 s long. The first item (the intro, usually) is the 0:00 chapter
    under its own title. An item starting less than 10 s after the chapter before moves to 10 s
    after it when it still lasts 10 s from there (a 7-second greeting, then the first story at
    0:10 instead of 0:08); otherwise it joins the chapter before."""
    kept: list[tuple[int, str]] = []  # (second, title)
    for it in _timed(digest):
        title = " ".join((it.title or it.kind).split())
        if not kept:
            kept.append((0, title))
            continue
        sec = int(it.start)
        earliest = kept[-1][0] + YOUTUBE_MIN_CHAPTER
        if sec < earliest:
            end = it.end if it.end is not None else it.start
            if end - earliest < YOUTUBE_MIN_CHAPTER:
                continue  # too short once moved: part of the chapter before
            sec = earliest
        kept.append((sec, title))
    if kept and digest.duration and digest.duration - kept[-1][0] < YOUTUBE_MIN_CHAPTER and len(kept) > 1:
        kept.pop()  # a last chapter shorter than 10 s joins the one before
    lines = [f"{clock(sec)} {title}" for sec, title in kept]
    if not lines:
        lines.append(f"0:00 {' '.join(episode_title(digest).split())}")
    return "\n".join(lines) + "\n"


register(
    Renderer(
        "chapters_json",
        "chapters.json",
        render_json,
        "Podcasting 2.0 JSON chapters",
        mime_type="application/json+chapters",
        needs_times=True,
    )
)
register(
    Renderer("chapters_txt", "chapters.txt", render_txt, "YouTube description chapters", needs_times=True)
)
