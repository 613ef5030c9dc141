"""Helpers shared by the renderers: time formats, labels per language, links."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from audio2digest.text.language import is_cjk_language
from audio2digest.types import Digest, Item


def is_zh(digest: Digest | None) -> bool:
    if digest is None:
        return False
    return is_cjk_language(digest.language, " ".join(i.text for i in digest.items[:3]))


def clock(seconds: float | None) -> str:
    """0:08, 12:05, 1:02:03 (YouTube style)."""
    s = int(max(0.0, float(seconds or 0.0)))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def stamp(seconds: float, sep: str = ",") -> str:
    """00:01:02,345 (SRT) or 00:01:02.345 (VTT)."""
    ms = int(round(max(0.0, float(seconds)) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def is_web_url(url: str | None) -> bool:
    """An absolute http(s) URL with a host: the only link a digest.json from elsewhere may set."""
    try:
        u = urlsplit(url or "")
    except ValueError:
        return False
    return u.scheme in ("http", "https") and bool(u.netloc)


def source_url(digest: Digest) -> str:
    ep = digest.episode
    for cand in (ep.webpage_url, ep.source, ep.audio_url):
        if cand and re.match(r"^https?://", cand):
            return cand
    return ""


def timed_url(url: str, seconds: float | None) -> str:
    """A link to ``url`` at ``seconds`` (YouTube ``t=``; otherwise a media fragment ``#t=``)."""
    if not url or seconds is None:
        return url
    t = int(max(0.0, seconds))
    parts = urlsplit(url)
    if "youtube.com" in parts.netloc or "youtu.be" in parts.netloc:
        q = [(k, v) for k, v in parse_qsl(parts.query) if k != "t"] + [("t", f"{t}s")]
        return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(q), parts.fragment))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, f"t={t}"))


LABELS = {
    True: {
        "overview": "本期速览",
        "summary": "概要",
        "details": "内容详解",
        "entities": "相关实体",
        "source": "收听原文",
        "transcript": "文字稿",
        "items": "条目",
        "keywords": "关键词",
        "none": "（本期无内容）",
    },
    False: {
        "overview": "In this episode",
        "summary": "Summary",
        "details": "Details",
        "entities": "Entities",
        "source": "Listen",
        "transcript": "Transcript",
        "items": "Items",
        "keywords": "Keywords",
        "none": "(nothing in this episode)",
    },
}


def episode_title(digest: Digest) -> str:
    return digest.episode.title or digest.episode.id or digest.episode.source or "audio2digest"


def news_items(digest: Digest) -> list[Item]:
    return [i for i in digest.items if i.kind == "news"]
