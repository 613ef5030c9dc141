"""Choosing a video's subtitle track from yt-dlp's info dict (no network here).

yt-dlp lists a video's tracks in ``info["subtitles"]`` (made by a person: the uploader's own)
and ``info["automatic_captions"]`` (the platform's speech recognition, often also machine
translations into every language), each ``{language: [{"ext", "url", "name"?}, ...]}``.
:func:`choose_caption` picks the one track worth using instead of our own ASR: a human track
in the episode's language first; the platform's automatic one only when allowed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

log = logging.getLogger("audio2digest.sources.captions")

#: Subtitle formats we parse, best first: WebVTT and SRT through pysubs2.
CAPTION_FORMATS = ("vtt", "srt")
#: MIME type of each, as the Podcasting 2.0 namespace names them.
CAPTION_MIME = {"vtt": "text/vtt", "srt": "application/x-subrip"}
#: Pseudo-languages yt-dlp lists beside real subtitles (a live stream's chat replay).
_NOT_SPEECH = ("live_chat", "rechat", "danmaku")


@dataclass(frozen=True)
class CaptionTrack:
    """The chosen track: where it is, its format and language, and who made it."""

    url: str
    ext: str
    language: str
    automatic: bool
    name: str = ""

    @property
    def mime(self) -> str:
        return CAPTION_MIME.get(self.ext, "")

    def to_link(self) -> dict:
        """The track as a transcript link (see :mod:`audio2digest.sources.transcripts`)."""
        return {
            "url": self.url,
            "type": self.mime,
            "language": self.language,
            "origin": "captions",
            "automatic": self.automatic,
        }


def base_language(code: str) -> str:
    """``zh-Hans`` → ``zh``, ``en_US`` → ``en``, ``en-orig`` → ``en``."""
    return (code or "").replace("_", "-").split("-")[0].lower()


def episode_language(info: Mapping[str, Any], language: str | None = None) -> str:
    """The language the episode is spoken in, as far as the info dict says.

    ``language`` (the user's ``--language``) wins; then yt-dlp's ``language`` field; then
    YouTube's ``<lang>-orig`` automatic track (its ASR of the original audio)."""
    if language:
        return language
    if isinstance(info.get("language"), str) and info["language"]:
        return info["language"]
    auto = info.get("automatic_captions")
    if isinstance(auto, Mapping):
        for code in auto:
            if isinstance(code, str) and code.endswith("-orig"):
                return code[: -len("-orig")]
    return ""


def _lang_rank(code: str, want: str) -> int | None:
    """0: the same code; 1: the same base language (zh-Hans for zh); None: another language."""
    if not want:
        return None
    c, w = code.replace("_", "-").lower(), want.replace("_", "-").lower()
    if c == w or c == f"{w}-orig":
        return 0
    if base_language(c) == base_language(w):
        return 1
    return None


def _best_format(tracks: Any, formats: Sequence[str]) -> dict | None:
    if not isinstance(tracks, Sequence) or isinstance(tracks, (str, bytes)):
        return None
    best: tuple[int, dict] | None = None
    for t in tracks:
        if not isinstance(t, Mapping):
            continue
        ext, url = str(t.get("ext") or "").lower(), t.get("url")
        if ext not in formats or not isinstance(url, str):
            continue
        if urlparse(url).scheme not in ("http", "https"):
            continue  # captions are fetched over http(s) only
        rank = formats.index(ext)
        if best is None or rank < best[0]:
            best = (rank, dict(t))
    return best[1] if best else None


def _pick(
    tracks_by_lang: Any, want: str, formats: Sequence[str], *, only_one: bool
) -> tuple[str, dict] | None:
    if not isinstance(tracks_by_lang, Mapping):
        return None
    candidates: list[tuple[int, int, str, dict]] = []
    usable = []
    for n, (code, tracks) in enumerate(tracks_by_lang.items()):
        if not isinstance(code, str) or code in _NOT_SPEECH:
            continue
        fmt = _best_format(tracks, formats)
        if fmt is None:
            continue
        usable.append((code, fmt))
        rank = _lang_rank(code, want)
        if rank is not None:
            candidates.append((rank, n, code, fmt))
    if candidates:
        _, _, code, fmt = min(candidates, key=lambda c: (c[0], c[1]))
        return code, fmt
    if not want and only_one and len(usable) == 1:
        return usable[0]  # language unknown, but the uploader made exactly one track
    return None


def choose_caption(
    info: Mapping[str, Any],
    *,
    language: str | None = None,
    allow_automatic: bool = False,
    formats: Sequence[str] = CAPTION_FORMATS,
) -> CaptionTrack | None:
    """The subtitle track to use for this video, or None.

    Human tracks (``subtitles``) before automatic ones (``automatic_captions``, only with
    ``allow_automatic``); a track in the episode's language (the exact code before another
    variant of the same language); among a track's formats the first of ``formats``. When
    the language is unknown, a single human track is taken; automatic captions never are
    (the platform lists machine translations into every language)."""
    if not isinstance(info, Mapping):
        return None
    want = episode_language(info, language)
    got = _pick(info.get("subtitles"), want, formats, only_one=True)
    automatic = False
    if got is None and allow_automatic:
        got = _pick(info.get("automatic_captions"), want, formats, only_one=False)
        automatic = got is not None
    if got is None:
        return None
    code, fmt = got
    lang = code[: -len("-orig")] if code.endswith("-orig") else code
    return CaptionTrack(
        url=fmt["url"],
        ext=str(fmt["ext"]).lower(),
        language=lang,
        automatic=automatic,
        name=str(fmt.get("name") or ""),
    )


def caption_links(info: Mapping[str, Any], *, language: str | None = None) -> list[dict]:
    """At most two transcript links for the episode's metadata: the human track and the
    automatic one (each only if there is one); the choice between them is made later, where
    ``--allow-auto-captions`` is known."""
    if not isinstance(info, Mapping):
        return []
    human = choose_caption(info, language=language)
    auto = choose_caption({**info, "subtitles": {}}, language=language, allow_automatic=True)
    return [t.to_link() for t in (human, auto) if t is not None]


__all__ = [
    "CAPTION_FORMATS",
    "CAPTION_MIME",
    "CaptionTrack",
    "base_language",
    "caption_links",
    "choose_caption",
    "episode_language",
]
