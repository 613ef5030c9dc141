"""The publisher's own transcript, used instead of speech recognition when there is one.

A podcast feed item may link to transcripts (``<podcast:transcript url type language rel>``,
Podcasting 2.0 namespace: WebVTT, SRT, the namespace's JSON, HTML or plain text); a video may
carry subtitles (chosen in :mod:`audio2digest.sources.captions`). Both end up as links in
:attr:`EpisodeMeta.transcripts`. :func:`publisher_transcript` picks the best link, fetches it
(http(s) only, size-capped), parses it with a real subtitle parser (``webvtt-py``, ``srt``) and
returns a :class:`Transcript` shaped like the ASR's output (normalised, one segment per
sentence, times from the cues), so correction, segmentation, digest and rendering run as usual.

``mode`` (``--transcript-source``): ``auto`` uses a publisher transcript when there is a usable
one and otherwise returns None (transcribe; a broken one is logged as a warning); ``publisher``
raises :class:`TranscriptSourceError` when there is none or it is unusable; ``asr`` always
returns None.
"""

from __future__ import annotations

import html
import html.parser
import io
import json
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard
from urllib.parse import urlparse

from audio2digest.errors import FetchError, TranscriptSourceError
from audio2digest.types import EpisodeMeta, Segment, Transcript

if TYPE_CHECKING:
    from audio2digest.sources.fetch import DownloadOptions

log = logging.getLogger("audio2digest.sources.transcripts")

TRANSCRIPT_SOURCES = ("auto", "publisher", "asr")

#: Largest transcript file fetched. A 3-hour episode's VTT is ~0.5 MB and a word-level
#: Podcasting 2.0 JSON of it ~4 MB (measured on the namespace's example files scaled up).
MAX_TRANSCRIPT_BYTES = 8 << 20
#: Seconds to wait for a transcript server (the fetcher's connect timeout) ...
FETCH_TIMEOUT = 30.0
#: ... and for the whole file: 8 MiB in 2 min is 0.5 Mbit/s, slower than any real host.
FETCH_TOTAL_SECONDS = 120.0
#: A sentence running longer than this (auto-captions often have no punctuation at all) is
#: split at the next cue boundary: about two Whisper segments, which is what the segmenter
#: was tuned on.
MAX_SEGMENT_SECONDS = 15.0
#: A silence between cues at least this long ends a segment (the segmenter's pause signal
#: needs segment boundaries there; 1.5 s is above its pause floor).
PAUSE_SPLIT_SECONDS = 1.5

#: MIME type → the format we parse it as. The namespace names text/plain, text/html,
#: text/vtt, application/json, application/x-subrip; the others are seen in real feeds.
MIME_FORMATS = {
    "text/vtt": "vtt",
    "application/x-subrip": "srt",
    "application/srt": "srt",
    "text/srt": "srt",
    "application/x-srt": "srt",
    "application/json": "json",
    "text/json": "json",
    "text/html": "html",
    "text/plain": "text",
}
#: Formats with times, best first (the JSON is often word-level), then text without times.
FORMAT_ORDER = ("json", "vtt", "srt", "html", "text")

_SENTENCE_END = re.compile(r"[。！？!?…]+[”」』\"')）]*|\.(?=\s|$)[”\"')]*")
_ENDS_SENTENCE = re.compile(r"(?:[。！？!?…]|\.)[”」』\"')）]*$")


@dataclass(frozen=True)
class Cue:
    """One timed piece of a transcript (a caption cue, a JSON segment, an HTML paragraph)."""

    start: float | None
    end: float | None
    text: str
    speaker: str = ""


# ---------------------------------------------------------------- links


def link_format(link: Mapping[str, Any]) -> str:
    """The format a link is parsed as ('vtt', 'srt', 'json', 'html', 'text'), or ''."""
    mime = str(link.get("type") or "").split(";")[0].strip().lower()
    fmt = MIME_FORMATS.get(mime, "")
    if not fmt and mime.endswith("+json"):
        fmt = "json"
    if not fmt:  # a missing or odd type: the URL's extension decides
        ext = urlparse(str(link.get("url") or "")).path.rsplit(".", 1)[-1].lower()
        fmt = {"vtt": "vtt", "srt": "srt", "json": "json", "html": "html", "htm": "html", "txt": "text"}.get(
            ext, ""
        )
    return fmt


def _same_language(a: str, b: str) -> bool:
    from audio2digest.sources.captions import base_language

    return not a or not b or base_language(a) == base_language(b)


def candidate_links(
    meta: EpisodeMeta, *, language: str | None = None, allow_automatic: bool = False
) -> list[dict]:
    """The episode's transcript links worth trying, best first.

    The publisher's feed links before video subtitles, human subtitles before automatic
    ones (those only with ``allow_automatic``); among a publisher's links the timed formats
    first (:data:`FORMAT_ORDER`). Links in another language than the episode's are left out
    (a translation is not a transcript)."""
    want = language or meta.source_language
    ranked = []
    for n, link in enumerate(meta.transcripts):
        fmt = link_format(link)
        if not fmt or urlparse(str(link.get("url", ""))).scheme not in ("http", "https"):
            continue
        if link.get("automatic") and not allow_automatic:
            continue
        if not _same_language(str(link.get("language") or ""), want or ""):
            continue
        origin_rank = 0 if link.get("origin", "publisher") == "publisher" else 1
        ranked.append(((origin_rank, bool(link.get("automatic")), FORMAT_ORDER.index(fmt), n), link))
    return [link for _, link in sorted(ranked, key=lambda r: r[0])]


# ---------------------------------------------------------------- fetching


def fetch_text(
    url: str, *, max_bytes: int = MAX_TRANSCRIPT_BYTES, limits: DownloadOptions | None = None
) -> str:
    """GET ``url`` as text with the fetcher's safety rules (http(s) only, also after
    redirects; stall and time limits) and at most ``max_bytes``."""
    from audio2digest.sources.fetch import DownloadOptions as Limits
    from audio2digest.sources.fetch import is_web_url, read_url

    if not is_web_url(url):
        raise TranscriptSourceError(f"{url}: transcripts are fetched over http(s) only", permanent=True)
    limits = limits or Limits(connect_timeout=FETCH_TIMEOUT, total_timeout=FETCH_TOTAL_SECONDS)
    try:
        data, ctype = read_url(url, max_bytes=max_bytes, limits=limits, what="transcript")
    except FetchError as exc:
        raise TranscriptSourceError(str(exc), permanent=exc.permanent) from None
    if b"\0" in data[:4096]:
        raise TranscriptSourceError(f"{url}: transcript is not text", permanent=True)
    m = re.search(r"charset=([\w.-]+)", ctype, re.I)
    charset = m.group(1) if m else "utf-8"
    try:
        return data.decode("utf-8-sig" if charset.lower() in ("utf-8", "utf8") else charset)
    except (UnicodeDecodeError, LookupError):
        raise TranscriptSourceError(f"{url}: transcript is not {charset} text", permanent=True) from None


# ---------------------------------------------------------------- parsing

_TAG = re.compile(r"<[^>]*>")


def _clock(value: str) -> float:
    """``HH:MM:SS.mmm`` or ``MM:SS.mmm`` (either separator) → seconds (ValueError for
    anything else, also ``inf``/``nan``, which ``float`` would take)."""
    parts = value.strip().replace(",", ".").split(":")
    secs = 0.0
    for p in parts:
        secs = secs * 60 + float(p)
    if not math.isfinite(secs):
        raise ValueError(f"{value!r} is not a time")
    return secs


def _is_seconds(value: Any) -> TypeGuard[float]:
    """A JSON number that is a time: not a bool, not NaN or Infinity (which Python's json
    reads)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _clean(text: str) -> str:
    text = html.unescape(_TAG.sub("", text))
    return re.sub(r"[ \t]+", " ", text).strip()


def parse_vtt(text: str) -> list[Cue]:
    import webvtt
    from webvtt.errors import MalformedFileError

    try:
        captions = webvtt.from_buffer(io.StringIO(text)).captions
    except (MalformedFileError, ValueError, IndexError) as exc:
        raise ValueError(f"not a WebVTT file ({exc or type(exc).__name__})") from None
    return [Cue(_clock(c.start), _clock(c.end), _clean(c.text), _clean(c.voice or "")) for c in captions]


def parse_srt(text: str) -> list[Cue]:
    import srt

    try:
        subs = list(srt.parse(text))
    except (srt.SRTParseError, ValueError) as exc:
        raise ValueError(f"not an SRT file ({exc})") from None
    return [Cue(s.start.total_seconds(), s.end.total_seconds(), _clean(s.content)) for s in subs]


def parse_json_transcript(text: str) -> list[Cue]:
    """The Podcasting 2.0 JSON transcript: ``{"version", "segments": [{"speaker"?,
    "startTime", "endTime"?, "body"}]}`` (the namespace makes ``endTime`` optional)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON at line {exc.lineno} ({exc.msg})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("segments"), list):
        raise ValueError('not a Podcasting 2.0 JSON transcript (no "segments" list)')
    cues = []
    for n, seg in enumerate(doc["segments"]):
        if not isinstance(seg, dict) or not isinstance(seg.get("body"), str):
            raise ValueError(f'segment {n}: no "body" text')
        start, end = seg.get("startTime"), seg.get("endTime")
        if not _is_seconds(start):
            raise ValueError(f'segment {n}: "startTime" is not a finite number ({start!r})')
        if end is not None and not _is_seconds(end):
            raise ValueError(f'segment {n}: "endTime" is not a finite number ({end!r})')
        speaker = seg["speaker"] if isinstance(seg.get("speaker"), str) else ""
        cues.append(
            Cue(
                float(start),
                None if end is None else float(end),
                html.unescape(seg["body"]).strip(),
                speaker.strip(),
            )
        )
    return cues  # a missing endTime is filled in by parse_transcript


class _HtmlTranscript(html.parser.HTMLParser):
    """``<cite>`` speaker, ``<time>`` start (optional), ``<p>`` text, as the namespace says."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cues: list[Cue] = []
        self._tag = ""
        self._buf: list[str] = []
        self._speaker = ""
        self._time: float | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in ("p", "cite", "time") and not self._skip:
            self._tag, self._buf = tag, []
        elif tag == "br" and self._tag == "p":
            self._buf.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
            return
        if tag != self._tag:
            return
        text = re.sub(r"\s+", " ", "".join(self._buf)).strip()
        if tag == "cite":
            self._speaker = text.rstrip(":： ").strip()
        elif tag == "time":
            try:
                self._time = _clock(text)
            except ValueError:
                self._time = None
        elif text:
            self.cues.append(Cue(self._time, None, text, self._speaker))
            self._time = None
        self._tag = ""

    def handle_data(self, data):
        if self._tag and not self._skip:
            self._buf.append(data)


def parse_html(text: str) -> list[Cue]:
    p = _HtmlTranscript()
    p.feed(text)
    p.close()
    cues = p.cues
    if cues and all(c.start is not None for c in cues):  # every paragraph timed: keep times
        return [
            Cue(c.start, (cues[i + 1].start if i + 1 < len(cues) else None), c.text, c.speaker)
            for i, c in enumerate(cues)
        ]
    return [Cue(None, None, c.text, c.speaker) for c in cues]


def parse_plain(text: str) -> list[Cue]:
    return [Cue(None, None, re.sub(r"\s+", " ", p).strip()) for p in re.split(r"\n\s*\n", text) if p.strip()]


PARSERS: dict[str, Callable[[str], list[Cue]]] = {
    "vtt": parse_vtt,
    "srt": parse_srt,
    "json": parse_json_transcript,
    "html": parse_html,
    "text": parse_plain,
}


def parse_transcript(text: str, fmt: str) -> list[Cue]:
    """Parse ``text`` as ``fmt``; checks the result is a transcript (raises ValueError)."""
    if fmt not in PARSERS:
        raise ValueError(f"unknown transcript format {fmt!r}, expected one of: {', '.join(PARSERS)}")
    if fmt in ("vtt", "srt", "json") and not text.strip():
        raise ValueError("empty file")
    cues = [c for c in PARSERS[fmt](text) if c.text]
    if fmt == "vtt":
        cues = drop_rolling_repeats(cues)
    # a caption's line breaks are layout, not text
    cues = [Cue(c.start, c.end, re.sub(r"\s*\n\s*", " ", c.text), c.speaker) for c in cues]
    cues = fill_end_times(cues)
    if not cues:
        raise ValueError("no text in it")
    last = -1.0
    for n, c in enumerate(cues):
        if c.start is None:
            continue
        if not math.isfinite(c.start) or (c.end is not None and not math.isfinite(c.end)):
            raise ValueError(f"cue {n + 1}: bad times {c.start}–{c.end}")
        if c.start < 0 or (c.end is not None and c.end < c.start):
            raise ValueError(f"cue {n + 1}: bad times {c.start}–{c.end}")
        if c.start + 1.0 < last:  # a little overlap is common; going back in time is not
            raise ValueError(f"cue {n + 1} starts at {c.start:.2f} s, before the one before it")
        last = max(last, c.start)
    return cues


#: Speaking rate for a last paragraph with a start but no end (HTML ``<time>``): Mandarin
#: newsreaders speak ~4–5 characters a second, English ~15 characters a second.
CJK_CHARS_PER_SECOND, LATIN_CHARS_PER_SECOND = 4.5, 15.0


def fill_end_times(cues: Sequence[Cue]) -> list[Cue]:
    """A timed cue without an end ends where the next one starts; the last one after as long
    as its text takes to say (:data:`CJK_CHARS_PER_SECOND`)."""
    from audio2digest.text.language import has_cjk

    out = list(cues)
    for i, c in enumerate(out):
        if c.start is None or c.end is not None:
            continue
        nxt = next((d.start for d in out[i + 1 :] if d.start is not None), None)
        if nxt is None:
            rate = CJK_CHARS_PER_SECOND if has_cjk(c.text) else LATIN_CHARS_PER_SECOND
            nxt = c.start + len(c.text) / rate
        out[i] = Cue(c.start, max(c.start, nxt), c.text, c.speaker)
    return out


def drop_rolling_repeats(cues: Sequence[Cue]) -> list[Cue]:
    """Platform captions roll: each cue repeats the line shown before it. Keep new lines only."""
    out: list[Cue] = []
    prev_lines: list[str] = []
    for c in cues:
        lines = [ln.strip() for ln in c.text.split("\n") if ln.strip()]
        while lines and prev_lines and lines[0] == prev_lines[-1]:
            lines.pop(0)
        if lines:
            out.append(Cue(c.start, c.end, " ".join(lines), c.speaker))
            prev_lines = lines
    return out


# ---------------------------------------------------------------- cues → transcript


def guess_language(text: str) -> str:
    from audio2digest.text.language import has_cjk

    return "zh" if has_cjk(text) else "en"


def cues_to_segments(
    cues: Sequence[Cue],
    language: str,
    *,
    max_seconds: float = MAX_SEGMENT_SECONDS,
    pause: float = PAUSE_SPLIT_SECONDS,
) -> list[Segment]:
    """One segment per sentence, its times read off the cues it spans.

    Caption cues break lines, not sentences: the cue texts are joined, split at sentence
    ends (and at speaker changes, long pauses, and after ``max_seconds`` at a cue boundary),
    and each piece gets the time of its first and last character, interpolated inside its cue."""
    from audio2digest.text.language import is_cjk_language

    timed = all(c.start is not None and c.end is not None for c in cues)
    if not timed:  # text without times: one segment per paragraph, times 0
        return [Segment(id=i, start=0.0, end=0.0, text=c.text, speaker=c.speaker) for i, c in enumerate(cues)]
    cjk = is_cjk_language(language, " ".join(c.text for c in cues[:50]))
    sep = "" if cjk else " "
    segments: list[Segment] = []
    buf: list[tuple[str, float, float]] = []  # (text piece, start, end)
    speaker = ""  # of the cues in buf (a change of speaker flushes it)

    def flush() -> None:
        text = sep.join(t for t, _, _ in buf).strip()
        if text:
            segments.append(
                Segment(
                    id=len(segments),
                    start=round(buf[0][1], 3),
                    end=round(max(buf[-1][2], buf[0][1]), 3),
                    text=text,
                    speaker=speaker,
                )
            )
        buf.clear()

    prev: Cue | None = None
    for c in cues:
        assert c.start is not None and c.end is not None
        if (
            buf
            and prev is not None
            and (
                (c.speaker and c.speaker != prev.speaker)
                or c.start - (prev.end or c.start) >= pause
                or c.start - buf[0][1] >= max_seconds
            )
        ):
            flush()
        speaker = (c.speaker or speaker) if buf else c.speaker
        text, dur = c.text, max(0.0, c.end - c.start)
        pos = 0
        for m in _SENTENCE_END.finditer(text):
            cut = m.end()
            if cut >= len(text.rstrip()):
                break
            piece = text[pos:cut].strip()
            if piece:
                buf.append((piece, c.start + dur * pos / len(text), c.start + dur * cut / len(text)))
                flush()
            pos = cut
        rest = text[pos:].strip()
        if rest:
            buf.append((rest, c.start + dur * pos / len(text), c.end))
            if _ENDS_SENTENCE.search(rest):
                flush()
        prev = c
    flush()
    return segments


def transcript_from_cues(
    cues: Sequence[Cue],
    meta: EpisodeMeta,
    link: Mapping[str, Any],
    *,
    script: str = "simplified",
    duration: float = 0.0,
    normalize: bool = True,
) -> Transcript:
    """A :class:`Transcript` of ``cues`` (the publisher's), its origin recorded; normalised
    (script, punctuation) unless ``normalize`` is False (a later stage does it)."""
    from audio2digest.text.normalize import normalize_segments

    fmt = link_format(link)
    language = str(link.get("language") or meta.source_language or "")
    if not language:
        language = guess_language(" ".join(c.text for c in cues[:200]))
    from audio2digest.sources.captions import base_language

    language = base_language(language)  # zh-Hans, zh-CN → zh: the stages key on the base code
    segments = cues_to_segments(cues, language)
    if normalize:
        segments = normalize_segments(segments, language, script)
    timed = all(c.start is not None and c.end is not None for c in cues)
    end = max((s.end for s in segments), default=0.0)
    duration = round(duration or meta.duration or end, 3)
    kind = "captions" if link.get("origin") == "captions" else "publisher"
    origin = {
        "kind": kind,
        "url": link.get("url", ""),
        "type": link.get("type", ""),
        "format": fmt,
        "language": language,
        "timed": timed,
    }
    if link.get("automatic"):
        origin["automatic"] = True
    ep = meta if meta.duration else EpisodeMeta.from_dict({**meta.to_dict(), "duration": duration})
    return Transcript(
        episode=ep,
        language=language,
        segments=tuple(Segment(**{**s.__dict__, "id": i}) for i, s in enumerate(segments)),
        duration=duration,
        model=f"{kind} transcript ({fmt})",
        settings={"script": script},
        origin=origin,
    )


# ---------------------------------------------------------------- the choice


def publisher_transcript(
    meta: EpisodeMeta,
    *,
    mode: str = "auto",
    language: str | None = None,
    allow_automatic: bool = False,
    script: str = "simplified",
    duration: float = 0.0,
    normalize: bool = True,
    fetch: Callable[[str], str] = fetch_text,
) -> Transcript | None:
    """The publisher's transcript of ``meta`` as a Transcript, or None to transcribe.

    Tries :func:`candidate_links` in order; the first that fetches and parses wins.
    ``mode`` is ``--transcript-source`` (see the module docstring); ``fetch`` is what
    fetches a URL's text (tests pass their own)."""
    if mode not in TRANSCRIPT_SOURCES:
        raise ValueError(
            f"Invalid transcript source '{mode}', expected one of: {', '.join(TRANSCRIPT_SOURCES)}"
        )
    if mode == "asr":
        return None
    links = candidate_links(meta, language=language, allow_automatic=allow_automatic)
    if not links:
        if mode == "publisher":
            extra = ""
            if any(link.get("automatic") for link in meta.transcripts) and not allow_automatic:
                extra = " (only automatic captions: --allow-auto-captions uses them)"
            raise TranscriptSourceError(
                f"{meta.source}: no publisher transcript or subtitles in the episode's language"
                f"{extra}; use --transcript-source auto or asr to transcribe"
            )
        return None
    problems = []
    for link in links:
        url = str(link["url"])
        try:
            text = fetch(url)
            cues = parse_transcript(text, link_format(link))
        except TranscriptSourceError as exc:
            problems.append(str(exc))
            continue
        except ValueError as exc:
            problems.append(f"{url}: unusable {link_format(link).upper()} transcript ({exc})")
            continue
        t = transcript_from_cues(cues, meta, link, script=script, duration=duration, normalize=normalize)
        log.info(
            "%s: using the %s transcript %s (%d segments)",
            meta.title or meta.source,
            t.origin["kind"],
            url,
            len(t.segments),
        )
        return t
    message = "; ".join(problems)
    if mode == "publisher":
        raise TranscriptSourceError(message)
    log.warning("%s; transcribing the audio instead", message)
    return None


def validate_podcast_transcript(doc: Any) -> list[str]:
    """Problems of a Podcasting 2.0 JSON transcript against the namespace's documented
    fields (``version``, ``segments``; each segment ``startTime``, ``endTime``, ``body``,
    optional ``speaker``); an empty list when it is valid."""
    problems = []
    if not isinstance(doc, dict):
        return ["not a JSON object"]
    if not isinstance(doc.get("version"), str) or not re.fullmatch(r"\d+\.\d+\.\d+", doc["version"]):
        problems.append('"version" is not a version string like "1.0.0"')
    segs = doc.get("segments")
    if not isinstance(segs, list):
        return problems + ['"segments" is not a list']
    allowed = {"speaker", "startTime", "endTime", "body"}
    for n, seg in enumerate(segs):
        if not isinstance(seg, dict):
            problems.append(f"segment {n}: not an object")
            continue
        for key in ("startTime", "endTime"):
            v = seg.get(key)
            if not _is_seconds(v) or v < 0:
                problems.append(f"segment {n}: {key!r} is not a number of seconds")
        if (
            _is_seconds(seg.get("startTime"))
            and _is_seconds(seg.get("endTime"))
            and seg["endTime"] < seg["startTime"]
        ):
            problems.append(f"segment {n}: ends before it starts")
        if not isinstance(seg.get("body"), str):
            problems.append(f'segment {n}: "body" is not a string')
        if "speaker" in seg and not isinstance(seg["speaker"], str):
            problems.append(f'segment {n}: "speaker" is not a string')
        extra = set(seg) - allowed
        if extra:
            problems.append(f"segment {n}: fields the namespace does not define: {sorted(extra)}")
    return problems


__all__ = [
    "Cue",
    "FORMAT_ORDER",
    "MAX_TRANSCRIPT_BYTES",
    "MIME_FORMATS",
    "TRANSCRIPT_SOURCES",
    "candidate_links",
    "cues_to_segments",
    "drop_rolling_repeats",
    "fetch_text",
    "link_format",
    "parse_transcript",
    "publisher_transcript",
    "transcript_from_cues",
    "validate_podcast_transcript",
]
