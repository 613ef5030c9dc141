"""Sources → local audio files with metadata.

A source is a local file, a local or remote podcast RSS/Atom feed, or any URL yt-dlp handles
(YouTube, Bilibili, playlists, direct media links). Feeds are read here (enclosures, newest
first); direct media (feed enclosures, audio/video URLs) are downloaded here, everything else
through yt-dlp.

Everything a remote document says is untrusted: a remote feed, page or playlist may only name
http(s) media (never a local path, ``file://`` or a device), metadata text is cleaned of
control characters and bounded in length, and URLs in metadata that are not http(s) are
dropped. Every network read is bounded (:class:`DownloadOptions`): a server that stops
sending, or trickles, is reported as stalled; a download has a total time limit.
"""

from __future__ import annotations

import email.utils
import http.client
import logging
import mimetypes
import os
import re
import shutil
import socket
import tempfile
import time
import unicodedata
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

from audio2digest.errors import FetchError
from audio2digest.files import check_input_file, os_reason
from audio2digest.text.language import CJK_CHARS
from audio2digest.types import EpisodeMeta, Progress, ProgressCallback, no_progress

log = logging.getLogger("audio2digest.sources.fetch")

USER_AGENT = "audio2digest/0.1 (+podcast digests)"
_FEED_TYPES = ("xml", "rss", "atom")
_NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "atom": "http://www.w3.org/2005/Atom",
    "media": "http://search.yahoo.com/mrss/",
    "podcast": "https://podcastindex.org/namespace/1.0",
}


#: URL schemes a remote document (feed, page, playlist, redirect) may point at.
WEB_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class DownloadOptions:
    """Bounds on every network read: probes, feeds and media downloads."""

    #: Seconds to wait for a connection and its response headers, and for any single read
    #: (yt-dlp's own default socket timeout is 20 s; 30 s was this tool's value before).
    connect_timeout: float = 30.0
    #: Progress is judged over a sliding window of this many seconds ...
    stall_window: float = 60.0
    #: ... and a window with fewer bytes than this is a stall: 16 KiB a minute is ~2 kbit/s,
    #: a sixteenth of the lowest common podcast bitrate (32 kbit/s mono speech), yet far
    #: above a server trickling a byte every few seconds to hold the connection open.
    stall_bytes: int = 16 * 1024
    #: Seconds one download may take in all: 3 h fetches a 2-h 128 kbit/s episode (115 MB)
    #: at 85 kbit/s. Raise it (``--download-timeout``) for long episodes on slow links.
    total_timeout: float = 3 * 3600.0
    #: A feed document larger than this is refused: an estimate, not a measurement — 1,000
    #: items with long show notes (~5 KB each) make ~5 MB; 64 MiB bounds an endless one.
    max_feed_bytes: int = 64 << 20
    #: Redirects followed before giving up (urllib's own default).
    max_redirects: int = 10


DEFAULT_DOWNLOAD = DownloadOptions()


@dataclass(frozen=True)
class FetchedEpisode:
    meta: EpisodeMeta
    audio_path: Path


@dataclass(frozen=True)
class FeedEntry:
    """One episode listed by a feed, before download."""

    meta: EpisodeMeta


def is_url(source: str) -> bool:
    return urlparse(source).scheme in ("http", "https", "ftp")


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host: the only thing a remote document may point at."""
    try:
        u = urlparse(url)
        u.port  # noqa: B018 -- raises ValueError for a port that is no number ("h:x")
    except ValueError:
        return False
    # credentials in a feed's URL are not ours to send (and http.client refuses some forms)
    return u.scheme in WEB_SCHEMES and bool(u.hostname) and u.username is None and u.password is None


# ---------------------------------------------------------------- untrusted metadata

#: Longest title/uploader kept from a feed or page: segcorpus's 15,536 human headlines are
#: at most 183 characters (median 28, 99th percentile 90); longer values are cut, not refused.
MAX_TITLE_CHARS = 300
#: Longest description kept: an estimate (show notes run to a few thousand characters);
#: it bounds what a hostile feed can put into every output.
MAX_DESCRIPTION_CHARS = 20_000

_TAGS = re.compile(r"</?[A-Za-z!?][^<>]*>")  # markup tags; a lone "<" or "a<b" stays


def clean_text(value, *, limit: int = MAX_TITLE_CHARS, multiline: bool = False) -> str:
    """Untrusted metadata text → plain text: no control or bidi-override characters (a title
    must not move the terminal cursor or reorder what is shown), no markup tags, bounded."""
    if value is None:
        return ""
    text = str(value)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\t" and multiline:
            out.append(ch)
        elif cat in ("Cc", "Cf", "Cs", "Co") or ch in "\u2028\u2029":
            out.append(" " if cat == "Cc" or ch in "\u2028\u2029" else "")
        else:
            out.append(ch)
    text = _TAGS.sub(" ", "".join(out))
    if multiline:
        text = re.sub(r"[ \t]+", " ", text)
        text = re.sub(r"\n\s*\n\s*\n+", "\n\n", text).strip()
    else:
        text = re.sub(r"\s+", " ", text).strip()
    return text[:limit].rstrip()


def clean_url(value) -> str:
    """An http(s) URL from untrusted metadata, or '' (``javascript:``, ``file:``, ``data:``,
    paths and anything with spaces or control characters are dropped)."""
    url = str(value or "").strip()
    if not url or any(c.isspace() or unicodedata.category(c) == "Cc" for c in url):
        return ""
    return url if is_web_url(url) else ""


def clean_meta(meta: EpisodeMeta) -> EpisodeMeta:
    """``meta`` with its text fields cleaned and non-http(s) URLs in webpage_url/audio_url
    dropped. ``source`` is left alone: callers validate it before they build the record."""
    return EpisodeMeta(
        source=meta.source,
        title=clean_text(meta.title),
        date=meta.date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta.date or "") else "",
        uploader=clean_text(meta.uploader),
        webpage_url=clean_url(meta.webpage_url),
        description=clean_text(meta.description, limit=MAX_DESCRIPTION_CHARS, multiline=True),
        duration=meta.duration if isinstance(meta.duration, (int, float)) and meta.duration >= 0 else 0.0,
        audio_url=clean_url(meta.audio_url),
        id=clean_text(meta.id),
        source_language=_clean_language(meta.source_language),
        transcripts=tuple(
            _clean_link(t)
            for t in meta.transcripts[:MAX_TRANSCRIPT_LINKS]
            if isinstance(t, dict) and clean_url(t.get("url"))
        ),
        enclosure=_clean_enclosure(meta.enclosure),
        guid_permalink=meta.guid_permalink if meta.guid_permalink in ("true", "false") else "",
        published=_clean_published(meta.published),
    )


def _clean_published(value) -> str:
    """An ISO 8601 date-time with a UTC offset, as :func:`_parse_published` makes it, or ""."""
    if not isinstance(value, str) or len(value) > 40:  # 2026-11-08T08:00:00.123456+05:30 is 32
        return ""
    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        return ""
    return d.isoformat() if d.tzinfo is not None else ""


#: Transcript links kept per episode (real feeds list one per format, 2–4).
MAX_TRANSCRIPT_LINKS = 16
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}")


def _clean_language(value) -> str:
    """A language tag (``zh``, ``en-US``, ``zh-Hans``) or ''."""
    text = str(value or "").strip()
    return text if _LANGUAGE.fullmatch(text) else ""


def _clean_link(link: dict) -> dict:
    """A transcript link from a feed or yt-dlp: http(s) URL, short plain-text type and rel."""
    out: dict[str, str | bool] = {
        "url": clean_url(link.get("url")),
        "type": clean_text(link.get("type"), limit=100),
        "language": _clean_language(link.get("language")),
        "origin": "captions" if link.get("origin") == "captions" else "publisher",
    }
    if link.get("rel"):
        out["rel"] = clean_text(link.get("rel"), limit=40)
    if link.get("automatic"):
        out["automatic"] = True
    return out


def _clean_enclosure(enc) -> dict:
    if not isinstance(enc, dict) or not clean_url(enc.get("url")):
        return {}
    length = str(enc.get("length") or "").strip()
    return {
        "url": clean_url(enc.get("url")),
        "type": clean_text(enc.get("type"), limit=100),
        "length": length if length.isdigit() else "",
    }


# ---------------------------------------------------------------- feeds


def _text(el: ET.Element | None, path: str) -> str:
    if el is None:
        return ""
    found = el.find(path, _NS)
    return (found.text or "").strip() if found is not None and found.text else ""


def _parse_date(value: str) -> str:
    """An RFC 822 (RSS) or ISO 8601 (Atom) date → its day, YYYY-MM-DD ("" when unreadable)."""
    d = _parse_datetime(value)
    return d.date().isoformat() if d is not None else ""


def _parse_published(value: str) -> str:
    """An RFC 822 (RSS) or ISO 8601 (Atom) date → ISO 8601 date-time with its offset, when it
    has a time of day ("" for a bare date or an unreadable value). A time without a zone
    (RFC 822 "-0000", an ISO value without offset) is taken as UTC, as RFC 5322 reads -0000."""
    value = value.strip()
    if ":" not in value:  # no time of day ("Sat, 08 Nov 2026", "2026-11-08")
        return ""
    d = _parse_datetime(value)
    if d is None:
        return ""
    return (d if d.tzinfo is not None else d.replace(tzinfo=timezone.utc)).isoformat()


def _parse_datetime(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _parse_duration(value: str) -> float:
    value = value.strip()
    if not value:
        return 0.0
    try:
        parts = [float(p) for p in value.split(":")]
    except ValueError:
        return 0.0
    secs = 0.0
    for p in parts:
        secs = secs * 60 + p
    return secs


def _enclosure(media: str, url: str, base_dir: Path | None, base_url: str = "") -> str:
    """The source an enclosure stands for, or FetchError when the feed may not name it.

    A remote feed (``base_dir`` None) may only name http(s) media: a relative reference
    ("media/ep1.mp3", "/ep1.mp3") is resolved against the feed's URL (``base_url``, the URL
    it was read from after redirects, else ``url``) as RFC 3986 says, and what it resolves to
    must be an http(s) URL — so a remote feed never names a local path or ``file://``. A local
    feed file may also name local files (absolute, relative to the feed's directory, or
    ``file://``); they are checked like any input file when downloaded."""
    media = media.strip()
    if any(unicodedata.category(c) == "Cc" for c in media):  # would reach terminals and logs
        raise FetchError(
            f"{url}: enclosure {media!r} holds control characters (feed refused)", permanent=True
        )
    if is_web_url(media):
        return media.replace(" ", "%20")  # unencoded spaces occur in real feeds
    if base_dir is None:
        resolved = _resolve_remote(media, base_url or url)
        if resolved:
            return resolved.replace(" ", "%20")
        raise FetchError(
            f"{url}: enclosure {media!r} is not an http(s) URL; a remote feed may "
            "only name http(s) media (feed refused)",
            permanent=True,
        )
    u = urlparse(media)
    if u.scheme == "file" and u.netloc in ("", "localhost"):
        path = Path(unquote(u.path))
    elif u.scheme and len(u.scheme) > 1:  # "C:" is a drive, anything else a scheme
        raise FetchError(f"{url}: enclosure {media!r}: unsupported URL scheme {u.scheme!r}", permanent=True)
    else:
        path = Path(media).expanduser()
        if "%" in media:  # a relative URL reference, percent-encoded as in a feed: "ep%201.mp3"
            decoded = Path(unquote(media)).expanduser()
            if not _beside(path, base_dir).exists() and _beside(decoded, base_dir).exists():
                path = decoded
    return str(path if path.is_absolute() else (base_dir / path).resolve())


def _resolve_remote(media: str, feed_url: str) -> str:
    """A remote feed's relative enclosure resolved against the feed's URL, when that gives an
    http(s) URL; "" otherwise. Only a reference without a scheme is resolved: one with a
    scheme ("file:", "ftp:", "data:", "javascript:") stays as it is and is refused."""
    try:
        if not media or urlparse(media).scheme:
            return ""
        resolved = urljoin(feed_url, media)
    except ValueError:  # e.g. a malformed IPv6 host in the feed URL or the reference
        return ""
    return resolved if is_web_url(resolved) else ""


def _beside(path: Path, base_dir: Path) -> Path:
    return path if path.is_absolute() else base_dir / path


def parse_feed(data: bytes, url: str, *, base_dir: Path | None = None, base_url: str = "") -> list[FeedEntry]:
    """Parse RSS 2.0 or Atom; return episodes with audio enclosures, newest first.

    ``base_dir`` is the directory of a local feed file (local enclosures allowed, relative to
    it); ``None`` for a feed read from the network, whose enclosures must be http(s) (relative
    ones resolved against ``base_url``, the URL the feed came from after redirects, else
    ``url``). Errors name ``url``."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise FetchError(f"{url}: not a valid RSS/Atom feed ({exc})", permanent=True) from exc
    entries: list[tuple[str, int, FeedEntry]] = []
    tag = root.tag.split("}")[-1]
    if tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise FetchError(f"{url}: RSS feed has no <channel>", permanent=True)
        show = _text(channel, "title")
        author = _text(channel, "itunes:author") or show
        language = _text(channel, "language")
        for n, item in enumerate(channel.findall("item")):
            enc = item.find("enclosure")
            media = enc.get("url", "") if enc is not None else ""
            if not media:
                mc = item.find("media:content", _NS)
                media = mc.get("url", "") if mc is not None else ""
            if not media.strip():
                continue
            media = _enclosure(media, url, base_dir, base_url)
            pub_date = _text(item, "pubDate")
            date = _parse_date(pub_date)
            meta = EpisodeMeta(
                source=media,
                title=_text(item, "title") or _text(item, "itunes:title"),
                date=date,
                published=_parse_published(pub_date),
                uploader=_text(item, "itunes:author") or author,
                webpage_url=clean_url(_text(item, "link")) or clean_url(media),
                description=_text(item, "description") or _text(item, "itunes:summary"),
                duration=_parse_duration(_text(item, "itunes:duration")),
                audio_url=media,
                id=_text(item, "guid"),
                source_language=language,
                transcripts=tuple(feed_transcript_links(item, base_url or url, language)),
                enclosure=(
                    {"url": media, "type": enc.get("type", ""), "length": enc.get("length", "")}
                    if enc is not None and enc.get("url")
                    else {}
                ),
                guid_permalink=(
                    guid.get("isPermaLink", "") if (guid := item.find("guid")) is not None else ""
                ),
            )
            entries.append((date, -n, FeedEntry(clean_meta(meta))))
    elif tag == "feed":
        show = _text(root, "atom:title")
        for n, entry in enumerate(root.findall("atom:entry", _NS)):
            media, page = "", ""
            for link in entry.findall("atom:link", _NS):
                rel = link.get("rel", "alternate")
                if rel == "enclosure" and not media:
                    media = link.get("href", "")
                elif rel == "alternate" and not page:
                    page = link.get("href", "")
            if not media.strip():
                continue
            media = _enclosure(media, url, base_dir, base_url)
            pub_date = _text(entry, "atom:published") or _text(entry, "atom:updated")
            date = _parse_date(pub_date)
            meta = EpisodeMeta(
                source=media,
                title=_text(entry, "atom:title"),
                date=date,
                published=_parse_published(pub_date),
                uploader=_text(entry, "atom:author/atom:name") or show,
                webpage_url=clean_url(page) or clean_url(media),
                description=_text(entry, "atom:summary") or _text(entry, "atom:content"),
                audio_url=media,
                id=_text(entry, "atom:id"),
            )
            entries.append((date, -n, FeedEntry(clean_meta(meta))))
    else:
        raise FetchError(f"{url}: not an RSS/Atom feed (root element <{tag}>)", permanent=True)
    if not entries:
        raise FetchError(f"{url}: feed lists no episodes with audio enclosures", permanent=True)
    # Newest first; undated entries keep feed order after dated ones.
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    return [e[2] for e in entries]


def link_from_tag(attrs: dict, feed_url: str, language: str = "") -> dict | None:
    """A ``<podcast:transcript>`` tag's attributes → a transcript link, or None when unusable.

    Relative URLs are resolved against the feed's; only http(s) links are kept; the
    language defaults to the feed's ``<language>`` (the namespace says so)."""
    url = (attrs.get("url") or "").strip()
    if not url:
        return None
    url = urljoin(feed_url, url)
    if not is_web_url(url):
        log.warning("%s: transcript link %r is not an http(s) URL; ignored", feed_url, url)
        return None
    link = {
        "url": url,
        "type": (attrs.get("type") or "").strip(),
        "origin": "publisher",
        "language": (attrs.get("language") or language or "").strip(),
    }
    if attrs.get("rel"):
        link["rel"] = attrs["rel"].strip()
    return link


def feed_transcript_links(item: ET.Element, feed_url: str, language: str = "") -> list[dict]:
    """An RSS item's ``<podcast:transcript url type language rel>`` links (see
    :func:`link_from_tag`)."""
    links = []
    for el in item.findall("podcast:transcript", _NS):
        link = link_from_tag(dict(el.attrib), feed_url, language)
        if link is not None:
            links.append(link)
    return links


# ---------------------------------------------------------------- bounded HTTP


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s), at most ``max_redirections`` times."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not is_web_url(newurl):
            raise FetchError(f"{req.full_url}: redirects to {newurl!r}, not an http(s) URL", permanent=True)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _open(url: str, limits: DownloadOptions, headers: dict | None = None):
    """GET ``url`` (http(s) only) and return the response once its headers are in.

    Raises FetchError with one line: HTTP status, redirect loop, no response, cannot connect."""
    if not is_web_url(url):
        raise FetchError(f"{url}: not an http(s) URL", permanent=True)
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    handler = type("_Redirects", (_SafeRedirects,), {"max_redirections": limits.max_redirects})
    opener = urllib.request.build_opener(handler())
    timeout = min(limits.connect_timeout, limits.stall_window)
    try:
        return opener.open(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if 300 <= exc.code < 400:
            why = str(exc.reason or exc.msg or "")
            if "not allowed" in why:  # urllib refuses redirects to file:, data:, ...
                target = exc.headers.get("Location", "") if exc.headers else ""
                raise FetchError(
                    f"{url}: redirects to {target!r}, not an http(s) URL (refused)", permanent=True
                ) from None
            if "infinite loop" in why:
                raise FetchError(
                    f"{url}: redirect loop (gave up after {limits.max_redirects} "
                    f"redirects, last HTTP {exc.code})",
                    permanent=True,
                ) from None
            raise FetchError(f"{url}: HTTP {exc.code} without a usable Location", permanent=True) from None
        # 408 (timeout) and 429 (rate limit) pass; other 4xx (404, 410, 403) stay as they are.
        permanent = 400 <= exc.code < 500 and exc.code not in (408, 425, 429)
        reason = clean_text(exc.reason, limit=100)  # the server's words: untrusted text
        raise FetchError(f"{url}: HTTP {exc.code} {reason}".rstrip(), permanent=permanent) from None
    except urllib.error.URLError as exc:
        cause = exc.reason
        if isinstance(cause, (TimeoutError, socket.timeout)):
            raise FetchError(f"{url}: no response within {timeout:.0f} s (timed out)") from None
        raise FetchError(f"{url}: cannot connect ({_reason(cause)})") from None
    except TimeoutError:
        raise FetchError(f"{url}: no response within {timeout:.0f} s (timed out)") from None
    except FetchError:
        raise
    except (OSError, ValueError, http.client.HTTPException) as exc:  # bad URL, reset, protocol errors
        raise FetchError(f"{url}: cannot connect ({_reason(exc)})") from None


class Watchdog:
    """Stall and total-time checks over a growing byte count.

    A stall is a sliding window of ``limits.stall_window`` seconds that brought fewer than
    ``limits.stall_bytes``: caught one window after the progress stopped, however much came
    before. :meth:`check` raises FetchError ("download stalled (N bytes in M s)", "took
    longer than ...") and is called with the byte count after every chunk."""

    def __init__(
        self,
        url: str,
        limits: DownloadOptions,
        what: str = "download",
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.url, self.limits, self.what, self.clock = url, limits, what, clock
        self.t0 = clock()
        self._marks: deque[tuple[float, int]] = deque([(self.t0, 0)])

    def check(self, n: int) -> None:
        now, lim = self.clock(), self.limits
        if now - self.t0 > lim.total_timeout:
            raise FetchError(
                f"{self.url}: {self.what} took longer than {lim.total_timeout:.0f} s "
                f"({n} bytes so far; --download-timeout allows more)"
            )
        self._marks.append((now, n))
        # keep one mark at or before the window's start: the reference the window is judged by
        while len(self._marks) > 1 and self._marks[1][0] <= now - lim.stall_window:
            self._marks.popleft()
        t_ref, n_ref = self._marks[0]
        if now - t_ref >= lim.stall_window and n - n_ref < lim.stall_bytes:
            raise self.stalled(n, now)

    def stalled(self, n: int, now: float | None = None) -> FetchError:
        now = self.clock() if now is None else now
        t_ref, n_ref = self._marks[0]
        while len(self._marks) > 1 and self._marks[1][0] <= now - self.limits.stall_window:
            self._marks.popleft()
            t_ref, n_ref = self._marks[0]
        return FetchError(f"{self.url}: {self.what} stalled ({n - n_ref} bytes in {now - t_ref:.0f} s)")


def read_bounded(
    resp,
    url: str,
    limits: DownloadOptions,
    write: Callable[[bytes], object],
    *,
    max_bytes: int | None = None,
    what: str = "download",
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Copy ``resp``'s body into ``write`` chunk by chunk, under a :class:`Watchdog`.

    Returns the bytes copied. Stops silently after ``max_bytes`` (when given). Raises
    FetchError when the download stalls, runs out of time or breaks off early."""
    total = int(resp.headers.get("Content-Length") or 0) if resp.headers else 0
    watch = Watchdog(url, limits, what)
    n = 0
    while True:
        want = 1 << 16 if max_bytes is None else min(1 << 16, max_bytes - n)
        if want <= 0:
            return n
        try:
            chunk = resp.read1(want)  # what has arrived, without waiting for a full buffer
        except TimeoutError:  # nothing at all for a socket timeout
            raise watch.stalled(n) from None
        except (OSError, ValueError) as exc:  # reset, http.client.IncompleteRead, ...
            raise FetchError(f"{url}: {what} broke off after {n} bytes ({_reason(exc)})") from None
        if not chunk:
            if total and n < total and max_bytes is None:
                raise FetchError(f"{url}: {what} broke off after {n} of {total} bytes")
            return n
        write(chunk)
        n += len(chunk)
        if on_progress is not None:
            on_progress(n, total)
        watch.check(n)


_PROBE_BYTES = 1 << 16


def _probe_url(url: str, limits: DownloadOptions) -> tuple[str, bytes, bool, str]:
    """GET the first bytes of ``url``: (content type, head, whether head is the whole body,
    the URL it came from after redirects).

    Raises FetchError."""
    with _open(url, limits, {"Range": f"bytes=0-{_PROBE_BYTES - 1}"}) as resp:
        ctype = resp.headers.get("Content-Type", "").lower()
        buf = bytearray()
        read_bounded(resp, url, limits, buf.extend, max_bytes=_PROBE_BYTES + 1, what="probe")
        # 206: the server honoured the range, so there may be more than we got
        complete = resp.status == 200 and len(buf) <= _PROBE_BYTES
        return ctype, bytes(buf[:_PROBE_BYTES]), complete, resp.geturl()


def _reason(exc) -> str:
    if isinstance(exc, OSError):
        return os_reason(exc)
    if isinstance(exc, BaseException):
        return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(exc)


def _looks_like_feed(ctype: str, head: bytes) -> bool:
    if any(t in ctype for t in _FEED_TYPES) and "html" not in ctype:
        return True
    start = head.lstrip()[:512].lower()
    return start.startswith(b"<?xml") or start.startswith(b"<rss") or start.startswith(b"<feed")


def read_feed(
    url: str, timeout: float | None = None, *, limits: DownloadOptions = DEFAULT_DOWNLOAD
) -> list[FeedEntry]:
    if timeout is not None:
        limits = _with_timeout(limits, timeout)
    buf = bytearray()
    with _open(url, limits) as resp:
        base_url = resp.geturl()  # after redirects: what relative enclosures are relative to
        read_bounded(resp, url, limits, buf.extend, max_bytes=limits.max_feed_bytes + 1, what="feed")
    if len(buf) > limits.max_feed_bytes:
        raise FetchError(
            f"{url}: feed larger than {limits.max_feed_bytes >> 20} MiB (refused)", permanent=True
        )
    return parse_feed(bytes(buf), url, base_url=base_url)


def read_url(
    url: str, *, max_bytes: int, limits: DownloadOptions = DEFAULT_DOWNLOAD, what: str = "download"
) -> tuple[bytes, str]:
    """GET a small document (a transcript, a caption track): (body, content type).

    http(s) only, redirects only to http(s), the stall and time limits of ``limits``; a body
    over ``max_bytes`` is refused with :class:`FetchError` (permanent)."""
    buf = bytearray()
    with _open(url, limits) as resp:
        ctype = resp.headers.get("Content-Type", "")
        length = resp.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise FetchError(
                f"{url}: {what} is {int(length)} bytes, over the {max_bytes}-byte limit", permanent=True
            )
        read_bounded(resp, url, limits, buf.extend, max_bytes=max_bytes + 1, what=what)
    if len(buf) > max_bytes:
        raise FetchError(f"{url}: {what} over the {max_bytes}-byte limit", permanent=True)
    return bytes(buf), ctype


def _with_timeout(limits: DownloadOptions, timeout: float) -> DownloadOptions:
    from dataclasses import replace

    return replace(limits, connect_timeout=timeout)


# ---------------------------------------------------------------- listing

#: Media types downloaded directly (no extractor needed).
_MEDIA_TYPES = ("audio/", "video/", "application/ogg")
#: File extensions taken as direct media when a server sends no useful Content-Type.
_MEDIA_EXTS = {
    ".mp3",
    ".m4a",
    ".aac",
    ".ogg",
    ".oga",
    ".opus",
    ".wav",
    ".flac",
    ".mp4",
    ".m4v",
    ".webm",
    ".mkv",
    ".mov",
    ".wma",
    ".amr",
    ".3gp",
}


def _is_media(ctype: str, url: str) -> bool:
    # octet-stream: many podcast hosts serve enclosures so; decoding later says if it is audio
    if ctype.startswith(_MEDIA_TYPES) or "octet-stream" in ctype:
        return True
    ext = Path(urlparse(url).path).suffix.lower()
    return ext in _MEDIA_EXTS and ("octet-stream" in ctype or not ctype)


def list_episodes(
    source: str,
    *,
    latest: int | None = None,
    timeout: float | None = None,
    limits: DownloadOptions = DEFAULT_DOWNLOAD,
) -> list[EpisodeMeta]:
    """What a source stands for, without downloading audio: one or more episodes.

    Local files and single media URLs give one; feeds (remote, or a local feed file) give
    their enclosures, newest first (``latest`` keeps the first N); playlists are expanded by
    yt-dlp. ``timeout`` overrides ``limits.connect_timeout``.
    """
    if timeout is not None:
        limits = _with_timeout(limits, timeout)
    if not is_url(source):
        path = check_input_file(source, FetchError)
        head = _read_head(path)
        if _looks_like_feed("", head):
            entries = parse_feed(_read_local_feed(path, limits), source, base_dir=path.resolve().parent)
            return [e.meta for e in (entries[:latest] if latest else entries)]
        return [local_meta(path, source)]
    if not is_web_url(source):
        raise FetchError(f"{source}: only http(s) URLs are supported", permanent=True)
    ctype, head, complete, final_url = _probe_url(source, limits)
    if _looks_like_feed(ctype, head):
        if complete:
            entries = parse_feed(head, source, base_url=final_url)
        else:
            entries = read_feed(source, limits=limits)
        if latest:
            entries = entries[:latest]
        return [e.meta for e in entries]
    if _is_media(ctype, source):
        name = Path(unquote(urlparse(source).path)).stem or "episode"
        return [
            clean_meta(EpisodeMeta(source=source, title=name, webpage_url=source, audio_url=source, id=name))
        ]
    return _ytdlp_list(source, latest, limits, ctype)


def _read_head(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(512)
    except OSError as exc:
        raise FetchError(f"{path}: cannot read ({os_reason(exc)})", permanent=True) from exc


def _read_local_feed(path: Path, limits: DownloadOptions) -> bytes:
    if path.stat().st_size > limits.max_feed_bytes:
        raise FetchError(
            f"{path}: feed larger than {limits.max_feed_bytes >> 20} MiB (refused)", permanent=True
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FetchError(f"{path}: cannot read ({os_reason(exc)})", permanent=True) from exc


def local_meta(path: Path, source: str) -> EpisodeMeta:
    """Metadata of a local file from its container tags (ID3, Vorbis comments, MP4 atoms)."""
    tags: dict[str, str] = {}
    duration = 0.0
    try:
        import av

        with av.open(str(path)) as container:
            tags = {k.lower(): str(v).strip() for k, v in (container.metadata or {}).items()}
            for stream in container.streams:
                for k, v in (stream.metadata or {}).items():
                    tags.setdefault(k.lower(), str(v).strip())
            if container.duration:
                duration = container.duration / 1_000_000
    except Exception as exc:  # not readable here: decoding will report it properly
        log.debug("%s: no container metadata (%s)", path, exc)
    date = tags.get("date") or tags.get("creation_time") or ""
    m = re.match(r"(\d{4})-?(\d{2})-?(\d{2})", date)
    # container tags are untrusted text too (a downloaded file's ID3 title may hold markup)
    return clean_meta(
        EpisodeMeta(
            source=source,
            title=tags.get("title") or path.stem,
            date=f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else "",
            uploader=tags.get("artist") or tags.get("album_artist") or tags.get("album") or "",
            description=tags.get("comment") or tags.get("description") or "",
            duration=round(duration, 3),
            id=path.stem,
        )
    )


# ---------------------------------------------------------------- yt-dlp


class _YdlLogger:
    """Route yt-dlp's messages into our logger (it must never print on its own)."""

    def debug(self, msg: str) -> None:
        log.debug("yt-dlp: %s", msg)

    def info(self, msg: str) -> None:
        log.debug("yt-dlp: %s", msg)

    def warning(self, msg: str) -> None:
        log.info("yt-dlp: %s", msg)

    def error(self, msg: str) -> None:
        log.debug("yt-dlp: %s", msg)


def _ydl_opts(limits: DownloadOptions = DEFAULT_DOWNLOAD, **extra) -> dict:
    from audio2digest.sources.ffmpeg import ffmpeg_exe

    opts = {
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "logger": _YdlLogger(),
        "format": "bestaudio/best",
        "socket_timeout": min(limits.connect_timeout, limits.stall_window),
        "retries": 2,
        "fragment_retries": 2,
        "noplaylist": False,
        "ffmpeg_location": ffmpeg_exe(),
        "color": {"stderr": "never", "stdout": "never"},
        # yt-dlp refuses file:// by default; say so explicitly, it is the rule we rely on
        "enable_file_urls": False,
        # fragments through yt-dlp's own downloader (http(s) only), not ffmpeg's protocols
        "hls_prefer_native": True,
    }
    opts.update(extra)
    return opts


def _clean_ytdlp_error(exc: Exception) -> str:
    # yt-dlp puts "\r" before progress-style lines: a line break for splitlines
    lines = [ln.strip() for ln in str(exc).replace("\r", "").splitlines() if ln.strip()]
    msg = lines[0] if lines else type(exc).__name__
    msg = re.sub(r"^ERROR:\s*", "", msg)
    msg = re.sub(r"\x1b\[[0-9;]*m", "", msg)
    msg = re.sub(r"^\[[\w:]+\]\s*(\S+:\s*)?", "", msg)  # "[generic] name: " prefixes
    return clean_text(msg, limit=300)


def _ytdlp_error(url: str, exc: Exception, ctype: str = "") -> FetchError:
    """yt-dlp's failure as one line, marked permanent when trying again cannot help."""
    inner = getattr(exc, "exc_info", None)
    if inner and isinstance(inner[1], FetchError):
        return inner[1]
    if isinstance(exc, FetchError):
        return exc
    msg = _clean_ytdlp_error(exc)
    if "Unsupported URL" in msg:
        if "html" in ctype:
            return FetchError(
                f"{url}: a web page (text/html), not audio or video media, and no "
                "extractor finds media in it",
                permanent=True,
            )
        kind = f" ({ctype.split(';')[0]})" if ctype else ""
        return FetchError(
            f"{url}: not audio or video media{kind}, and no extractor handles it", permanent=True
        )
    m = re.search(r"HTTP Error (\d{3})", msg)
    if m:
        code = int(m.group(1))
        return FetchError(f"{url}: {msg}", permanent=400 <= code < 500 and code not in (408, 425, 429))
    permanent = any(
        k in msg
        for k in (
            "is not a valid URL",
            "Unable to extract",
            "Unsupported",
            "Private video",
            "Video unavailable",
            "removed",
        )
    )
    return FetchError(f"{url}: {msg}", permanent=permanent)


def meta_from_info(info: dict, source: str) -> EpisodeMeta:
    from audio2digest.sources.captions import caption_links

    when = None
    if isinstance(ts := info.get("timestamp"), (int, float)) and not isinstance(ts, bool):
        try:
            when = datetime.fromtimestamp(ts, timezone.utc)
        except (OverflowError, OSError, ValueError):  # out of range or NaN: a broken extractor value
            pass
    published = when.isoformat() if when else ""
    date = str(info.get("upload_date") or "")
    if re.fullmatch(r"\d{8}", date):
        date = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    elif when is not None:
        date = when.date().isoformat()
    try:
        duration = float(info.get("duration") or 0.0)
    except (TypeError, ValueError):
        duration = 0.0
    return clean_meta(
        EpisodeMeta(
            source=source,
            title=clean_text(info.get("title")) or clean_text(info.get("id")),
            date=date,
            uploader=clean_text(info.get("uploader") or info.get("channel") or info.get("series")),
            webpage_url=clean_url(info.get("webpage_url")) or clean_url(source),
            description=str(info.get("description") or ""),
            duration=duration,
            audio_url=clean_url(info.get("url")),
            id=str(info.get("id") or ""),
            source_language=language if isinstance(language := info.get("language"), str) else "",
            transcripts=tuple(caption_links(info)),
            published=published,
        )
    )


def _ytdlp_list(
    url: str, latest: int | None, limits: DownloadOptions = DEFAULT_DOWNLOAD, ctype: str = ""
) -> list[EpisodeMeta]:
    import yt_dlp

    opts = _ydl_opts(limits, extract_flat="in_playlist", skip_download=True)
    if latest:
        opts["playlistend"] = latest
    try:
        with yt_dlp.YoutubeDL(opts) as ydl:
            info = ydl.extract_info(url, download=False)
    except Exception as exc:
        raise _ytdlp_error(url, exc, ctype) from exc
    if info.get("_type") in ("playlist", "multi_video"):
        out, refused = [], []
        for entry in info.get("entries") or []:
            if not entry:
                continue
            src = entry.get("webpage_url") or entry.get("url")
            if not src:
                continue
            bad = [str(u) for u in (src, entry.get("url")) if u and not is_web_url(str(u))]
            if bad:  # a remote list may never name a local file
                refused.append(bad[0])
                continue
            out.append(meta_from_info(entry, str(src)))
        if refused:
            log.warning(
                "%s: %d playlist entries are not http(s) URLs and were skipped (first: %r)",
                url,
                len(refused),
                refused[0],
            )
        if not out:
            if refused:
                raise FetchError(
                    f"{url}: playlist entry {refused[0]!r} is not an http(s) URL; a "
                    "remote playlist may only name http(s) media (refused)",
                    permanent=True,
                )
            raise FetchError(f"{url}: playlist has no entries", permanent=True)
        return out[:latest] if latest else out
    return [meta_from_info(info, url)]


def _check_media_urls(info: dict, url: str) -> None:
    """Every URL yt-dlp would fetch for ``info`` must be http(s): a page may not point at a
    local file (``file:``), a device or another scheme through its media links."""
    formats = info.get("requested_formats") or [info]
    for f in formats:
        names = [f.get("url"), f.get("fragment_base_url"), f.get("manifest_url")]
        names += [fr.get("url") for fr in (f.get("fragments") or []) if isinstance(fr, dict)]
        for u in names:
            if u and not is_web_url(str(u)):
                raise FetchError(
                    f"{url}: media URL {str(u)[:200]!r} is not an http(s) URL (refused)", permanent=True
                )


def _ytdlp_download(
    url: str, tmp: Path, limits: DownloadOptions, progress: ProgressCallback, label: str, ctype: str
) -> tuple[dict, Path]:
    import yt_dlp

    watch = Watchdog(url, limits)

    def hook(d: dict) -> None:
        if d.get("status") == "downloading":
            done = d.get("downloaded_bytes") or 0
            total = d.get("total_bytes") or d.get("total_bytes_estimate") or 0
            progress(Progress("fetch", done, total, episode=label))
            watch.check(done)

    opts = _ydl_opts(limits, outtmpl=str(tmp / "audio.%(ext)s"), progress_hooks=[hook], noplaylist=True)
    try:
        with yt_dlp.YoutubeDL(opts) as ydl:
            info = ydl.extract_info(url, download=False)
            if info.get("_type") in ("playlist", "multi_video"):
                entries = [e for e in info.get("entries") or [] if e]
                if not entries:
                    raise FetchError(f"{url}: nothing to download", permanent=True)
                info = entries[0]
            _check_media_urls(info, url)
            log.debug(
                "yt-dlp chose %s via %s (%s)",
                info.get("url"),
                info.get("extractor_key"),
                info.get("protocol"),
            )
            if _plain_media_of_any_page(info):
                return info, _fetch_media(info, tmp, limits, progress, label)
            ydl.process_ie_result(info, download=True)
    except FetchError:
        raise
    except Exception as exc:
        raise _ytdlp_error(url, exc, ctype) from exc
    files = [f for f in tmp.iterdir() if f.is_file() and not f.name.endswith((".part", ".ytdl"))]
    if not files:
        raise FetchError(f"{url}: download produced no file")
    return info, max(files, key=lambda f: f.stat().st_size)


#: yt-dlp extractors that take media from any page (the generic one and its HTML5 <audio>/
#: <video> finder), as opposed to site extractors matched by the site's own domain.
_ANY_PAGE_EXTRACTORS = ("Generic", "HTML5MediaEmbed")


def _plain_media_of_any_page(info: dict) -> bool:
    """A single http(s) file that yt-dlp's generic extractor found in an arbitrary page: any
    server can put that there, so it is fetched under our :class:`Watchdog` (yt-dlp's own
    downloader waits for whole blocks, so a server trickling bytes never reaches its progress
    hook). Site extractors (YouTube, ...) keep yt-dlp's downloader and its chunking."""
    return (
        info.get("extractor_key") in _ANY_PAGE_EXTRACTORS
        and not info.get("requested_formats")
        and info.get("protocol") in ("http", "https")
        and is_web_url(str(info.get("url") or ""))
    )


def _fetch_media(
    info: dict, tmp: Path, limits: DownloadOptions, progress: ProgressCallback, label: str
) -> Path:
    media = str(info["url"])
    headers = {
        k: str(v)
        for k, v in (info.get("http_headers") or {}).items()
        if k.lower() in ("user-agent", "referer", "cookie", "accept")
    }
    ext = str(info.get("ext") or "bin")
    got = tmp / f"audio.{re.sub(r'[^A-Za-z0-9]', '', ext)[:8] or 'bin'}"
    with _open(media, limits, headers) as resp:
        with open(got, "wb") as fh:
            read_bounded(
                resp,
                media,
                limits,
                fh.write,
                on_progress=lambda n, total: progress(Progress("fetch", n, total, episode=label)),
            )
    return got


def remove_stale_downloads(dest_dir: str | os.PathLike) -> None:
    """Remove ``.download-*`` directories a killed earlier run left in ``dest_dir``."""
    d = Path(dest_dir)
    try:
        stale = [p for p in d.iterdir() if p.name.startswith(".download-") and p.is_dir()]
    except OSError:
        return
    for p in stale:
        shutil.rmtree(p, ignore_errors=True)


def _media_suffix(url: str, ctype: str) -> str:
    ext = Path(urlparse(url).path).suffix.lower()
    if ext in _MEDIA_EXTS:
        return ext
    guessed = mimetypes.guess_extension(ctype.split(";")[0].strip()) if ctype else None
    return guessed if guessed in _MEDIA_EXTS else ".bin"


def download(
    meta: EpisodeMeta,
    dest_dir: str | os.PathLike,
    *,
    progress: ProgressCallback = no_progress,
    limits: DownloadOptions = DEFAULT_DOWNLOAD,
) -> FetchedEpisode:
    """Download one episode's audio into ``dest_dir`` (atomically) and fill its metadata.

    Local files are not copied: the returned path is the file itself (checked: a readable,
    non-empty regular file). Direct media (audio/video responses) are streamed here with the
    stall and time limits of ``limits``; other pages go to yt-dlp, whose media URLs must be
    http(s) too. The temporary ``.download-*`` directory is removed on every exit path.
    """
    if not is_url(meta.source):
        return FetchedEpisode(meta, check_input_file(meta.source, FetchError))
    if not is_web_url(meta.source):
        raise FetchError(f"{meta.source}: only http(s) URLs are supported", permanent=True)
    from audio2digest.files import output_error

    dest_dir = Path(dest_dir)
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".download-", dir=dest_dir))
    except OSError as exc:
        raise output_error(dest_dir, exc) from exc
    label = meta.title or meta.source
    info: dict | None = None
    # Fetch it ourselves when it should be media (a feed enclosure, a URL listed as media, a
    # media file name); a site's page goes to yt-dlp untouched (some refuse other clients).
    maybe_media = (
        meta.audio_url == meta.source or Path(urlparse(meta.source).path).suffix.lower() in _MEDIA_EXTS
    )
    ctype, direct = "", False
    try:
        with _open(meta.source, limits) if maybe_media else nullcontext() as resp:
            if resp is not None:
                ctype = resp.headers.get("Content-Type", "").lower()
                direct = _is_media(ctype, resp.geturl()) or _is_media(ctype, meta.source)
            if direct and resp is not None:
                got = tmp / "audio.part"
                suffix = _media_suffix(resp.geturl(), ctype)
                try:
                    with open(got, "wb") as fh:
                        read_bounded(
                            resp,
                            meta.source,
                            limits,
                            fh.write,
                            on_progress=lambda n, total: progress(Progress("fetch", n, total, episode=label)),
                        )
                except OSError as exc:
                    raise output_error(dest_dir / f"audio{suffix}", exc) from exc
        if not direct:
            info, got = _ytdlp_download(meta.source, tmp, limits, progress, label, ctype)
            suffix = got.suffix or ".bin"
        if got.stat().st_size == 0:
            raise FetchError(f"{meta.source}: downloaded file is empty", permanent=True)
        from audio2digest.sources.audio import audio_problem

        problem = audio_problem(got)  # checked before it takes the audio's place: no junk left
        if problem:
            kind = f" ({ctype.split(';')[0]})" if ctype else ""
            raise FetchError(f"{meta.source}: the download{kind} is {problem}", permanent=True)
        final = dest_dir / f"audio{suffix}"
        try:
            os.replace(got, final)
        except OSError as exc:
            raise output_error(final, exc) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if info is None:
        return FetchedEpisode(clean_meta(meta), final)
    new = meta_from_info(info, meta.source)
    # Feed metadata (title, date, show, description) wins over what the media file says.
    merged = {k: (v or getattr(new, k)) for k, v in meta.to_dict().items()}
    merged["audio_url"] = meta.audio_url or new.audio_url
    if meta.date:  # the time of day goes with the feed's date, never with another source's
        merged["published"] = meta.published
    return FetchedEpisode(clean_meta(EpisodeMeta.from_dict(merged)), final)


# ---------------------------------------------------------------- slugs

_UNSAFE = re.compile(rf"[^\w{CJK_CHARS}\-]+", re.UNICODE)


def slugify(text: str, fallback: str = "episode", max_len: int = 60) -> str:
    """A safe directory name: letters, digits (any script), '-', '_'; never '.', '..' or a path."""
    s = _UNSAFE.sub("-", text.strip().lower())
    s = re.sub(r"-{2,}", "-", s).strip("-_")
    s = s[:max_len].strip("-_")
    return s or fallback
