"""SRT and WebVTT from the transcript's segments.

Both share one cue iterator (:func:`iter_cues`) and differ only in :class:`SubtitleStyle`.
Without a transcript they fall back to the digest's items (one cue per item).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Iterator, NamedTuple, Optional

from audio2digest.errors import RenderError
from audio2digest.types import Digest, Transcript
from audio2digest.render import Renderer, register
from audio2digest.render._common import stamp


class Cue(NamedTuple):
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class SubtitleStyle:
    header: str  # written once before the cues
    decimal: str  # "," for SRT, "." for VTT
    numbered: bool  # SRT numbers its cues
    escape: bool  # VTT cue text is HTML-like: & < > must be escaped


SRT = SubtitleStyle(header="", decimal=",", numbered=True, escape=False)
VTT = SubtitleStyle(header="WEBVTT\n\n", decimal=".", numbered=False, escape=True)

MAX_CUE_CHARS = {True: 32, False: 84}  # CJK / other: split longer segments at word times


def _cjk(language: str, text: str) -> bool:
    from audio2digest.text.segment import is_cjk_language

    return is_cjk_language(language, text)


def iter_cues(transcript: Optional[Transcript], digest: Optional[Digest] = None) -> Iterator[Cue]:
    """Cues in time order, never overlapping, each at least 0.1 s long."""
    raw: list[Cue] = []
    if transcript is not None:
        cjk = _cjk(transcript.language, transcript.text)
        limit = MAX_CUE_CHARS[cjk]
        for seg in transcript.segments:
            text = " ".join(seg.text.split())
            if not text:
                continue
            words = [w for w in seg.words if w.word.strip()]
            if len(text) <= limit or len(words) < 2:
                raw.append(Cue(seg.start, seg.end, text))
                continue
            cur, start, prev_end = "", None, seg.start
            for w in words:
                piece = w.word.strip() if cjk else w.word
                if cur and len(cur) + len(piece) > limit:
                    raw.append(Cue(start, prev_end, cur.strip()))
                    cur, start = "", None
                if start is None:
                    start = w.start
                cur += piece
                prev_end = w.end
            if cur.strip():
                raw.append(Cue(start, prev_end, cur.strip()))
    elif digest is not None:
        for it in digest.items:
            if it.start is not None and it.end is not None and it.text.strip():
                raw.append(Cue(it.start, it.end, " ".join(it.text.split())))
    else:
        raise RenderError("subtitles need a transcript or a digest")
    last_end = 0.0
    for c in sorted(raw, key=lambda c: c.start):
        start = max(float(c.start), last_end)
        end = max(float(c.end), start + 0.1)
        last_end = end
        yield Cue(round(start, 3), round(end, 3), c.text)


def render_cues(cues, style: SubtitleStyle) -> str:
    out = [style.header]
    for n, c in enumerate(cues, 1):
        text = html.escape(c.text, quote=False) if style.escape else c.text
        head = f"{n}\n" if style.numbered else ""
        out.append(f"{head}{stamp(c.start, style.decimal)} --> {stamp(c.end, style.decimal)}\n{text}\n\n")
    return "".join(out)


def render_srt(digest, transcript=None, audio_href=None) -> str:
    return render_cues(iter_cues(transcript, digest), SRT)


def render_vtt(digest, transcript=None, audio_href=None) -> str:
    return render_cues(iter_cues(transcript, digest), VTT)


register(Renderer("srt", "transcript.srt", render_srt, "SubRip subtitles", needs="transcript",
                  needs_times=True))
register(Renderer("vtt", "transcript.vtt", render_vtt, "WebVTT subtitles", needs="transcript",
                  needs_times=True))
