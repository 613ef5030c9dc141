"""Sources → local audio files with metadata.

A source is a local file, a podcast RSS/Atom feed URL, or any URL yt-dlp handles
(YouTube, Bilibili, playlists, direct media links). Feeds are read here (enclosures,
newest first); downloads go through yt-dlp.
"""

from __future__ import annotations

import email.utils
import logging
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

from audio2digest.files import check_input_file
from audio2digest.errors import FetchError
from audio2digest.text.language import CJK_CHARS
from audio2digest.types import EpisodeMeta, Progress, ProgressCallback, no_progress

log = logging.getLogger("audio2digest.sources.fetch")

USER_AGENT = "audio2digest/0.1 (+podcast digests)"
_FEED_TYPES = ("xml", "rss", "atom")
_NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "atom": "http://www.w3.org/2005/Atom",
    "media": "http://search.yahoo.com/mrss/",
}


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


# ---------------------------------------------------------------- feeds

def _text(el: Optional[ET.Element], path: str) -> str:
    if el is None:
        return ""
    found = el.find(path, _NS)
    return (found.text or "").strip() if found is not None and found.text else ""


def _parse_date(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return ""


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


def parse_feed(data: bytes, url: str) -> list[FeedEntry]:
    """Parse RSS 2.0 or Atom; return episodes with audio enclosures, newest first."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise FetchError(f"{url}: not a valid RSS/Atom feed ({exc})") from exc
    entries: list[tuple[str, int, FeedEntry]] = []
    tag = root.tag.split("}")[-1]
    if tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise FetchError(f"{url}: RSS feed has no <channel>")
        show = _text(channel, "title")
        author = _text(channel, "itunes:author") or show
        for n, item in enumerate(channel.findall("item")):
            enc = item.find("enclosure")
            media = enc.get("url", "") if enc is not None else ""
            if not media:
                mc = item.find("media:content", _NS)
                media = mc.get("url", "") if mc is not None else ""
            if not media:
                continue
            date = _parse_date(_text(item, "pubDate"))
            meta = EpisodeMeta(
                source=media,
                title=_text(item, "title") or _text(item, "itunes:title"),
                date=date,
                uploader=_text(item, "itunes:author") or author,
                webpage_url=_text(item, "link") or media,
                description=_text(item, "description") or _text(item, "itunes:summary"),
                duration=_parse_duration(_text(item, "itunes:duration")),
                audio_url=media,
                id=_text(item, "guid"),
            )
            entries.append((date, -n, FeedEntry(meta)))
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
            if not media:
                continue
            date = _parse_date(_text(entry, "atom:published") or _text(entry, "atom:updated"))
            meta = EpisodeMeta(
                source=media,
                title=_text(entry, "atom:title"),
                date=date,
                uploader=_text(entry, "atom:author/atom:name") or show,
                webpage_url=page or media,
                description=_text(entry, "atom:summary") or _text(entry, "atom:content"),
                audio_url=media,
                id=_text(entry, "atom:id"),
            )
            entries.append((date, -n, FeedEntry(meta)))
    else:
        raise FetchError(f"{url}: not an RSS/Atom feed (root element <{tag}>)")
    if not entries:
        raise FetchError(f"{url}: feed lists no episodes with audio enclosures")
    # Newest first; undated entries keep feed order after dated ones.
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    return [e[2] for e in entries]


_PROBE_BYTES = 1 << 16


def _probe_url(url: str, timeout: float) -> tuple[str, bytes, bool]:
    """GET the first bytes of ``url``: (content type, head, whether head is the whole body).

    Raises FetchError."""
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                               "Range": f"bytes=0-{_PROBE_BYTES - 1}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            ctype = resp.headers.get("Content-Type", "").lower()
            head = resp.read(_PROBE_BYTES + 1)
            # 206: the server honoured the range, so there may be more than we got
            complete = resp.status == 200 and len(head) <= _PROBE_BYTES
            return ctype, head[:_PROBE_BYTES], complete
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise FetchError(f"{url}: cannot connect ({_reason(exc.reason)})") from exc
    except (TimeoutError, OSError) as exc:
        raise FetchError(f"{url}: cannot connect ({_reason(exc)})") from exc


def _reason(exc) -> str:
    if isinstance(exc, BaseException):
        return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(exc)


def _looks_like_feed(ctype: str, head: bytes) -> bool:
    if any(t in ctype for t in _FEED_TYPES) and "html" not in ctype:
        return True
    start = head.lstrip()[:512].lower()
    return start.startswith(b"<?xml") or start.startswith(b"<rss") or start.startswith(b"<feed")


def read_feed(url: str, timeout: float = 30.0) -> list[FeedEntry]:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data = resp.read()
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"{url}: cannot connect ({_reason(getattr(exc, 'reason', exc))})") from exc
    return parse_feed(data, url)


# ---------------------------------------------------------------- listing

def list_episodes(source: str, *, latest: Optional[int] = None, timeout: float = 30.0) -> list[EpisodeMeta]:
    """What a source stands for, without downloading audio: one or more episodes.

    Local files and single media URLs give one; feeds give their enclosures, newest
    first (``latest`` keeps the first N); playlists are expanded by yt-dlp.
    """
    if not is_url(source):
        return [local_meta(check_input_file(source, FetchError), source)]
    ctype, head, complete = _probe_url(source, timeout)
    if _looks_like_feed(ctype, head):
        entries = parse_feed(head, source) if complete else read_feed(source, timeout)
        if latest:
            entries = entries[:latest]
        return [e.meta for e in entries]
    if ctype.startswith(("audio/", "video/")) or ctype == "application/ogg":
        name = Path(urlparse(source).path).stem or "episode"
        return [EpisodeMeta(source=source, title=name, webpage_url=source, audio_url=source, id=name)]
    return _ytdlp_list(source, latest)


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
    return EpisodeMeta(
        source=source,
        title=tags.get("title") or path.stem,
        date=f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else "",
        uploader=tags.get("artist") or tags.get("album_artist") or tags.get("album") or "",
        description=tags.get("comment") or tags.get("description") or "",
        duration=round(duration, 3),
        id=path.stem,
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


def _ydl_opts(**extra) -> dict:
    from audio2digest.sources.ffmpeg import ffmpeg_exe

    opts = {
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "logger": _YdlLogger(),
        "format": "bestaudio/best",
        "socket_timeout": 30,
        "retries": 2,
        "fragment_retries": 2,
        "noplaylist": False,
        "ffmpeg_location": ffmpeg_exe(),
        "color": {"stderr": "never", "stdout": "never"},
    }
    opts.update(extra)
    return opts


def _clean_ytdlp_error(exc: Exception) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    msg = re.sub(r"^ERROR:\s*", "", msg)
    msg = re.sub(r"\x1b\[[0-9;]*m", "", msg)
    return msg


def _meta_from_info(info: dict, source: str) -> EpisodeMeta:
    date = info.get("upload_date") or ""
    if re.fullmatch(r"\d{8}", date):
        date = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    elif info.get("timestamp"):
        date = datetime.utcfromtimestamp(info["timestamp"]).date().isoformat()
    return EpisodeMeta(
        source=source,
        title=info.get("title") or info.get("id") or "",
        date=date,
        uploader=info.get("uploader") or info.get("channel") or info.get("series") or "",
        webpage_url=info.get("webpage_url") or source,
        description=info.get("description") or "",
        duration=float(info.get("duration") or 0.0),
        audio_url=info.get("url") or "",
        id=str(info.get("id") or ""),
    )


def _ytdlp_list(url: str, latest: Optional[int]) -> list[EpisodeMeta]:
    import yt_dlp

    opts = _ydl_opts(extract_flat="in_playlist", skip_download=True)
    if latest:
        opts["playlistend"] = latest
    try:
        with yt_dlp.YoutubeDL(opts) as ydl:
            info = ydl.extract_info(url, download=False)
    except Exception as exc:
        raise FetchError(f"{url}: {_clean_ytdlp_error(exc)}") from exc
    if info.get("_type") in ("playlist", "multi_video"):
        out = []
        for entry in info.get("entries") or []:
            if not entry:
                continue
            src = entry.get("webpage_url") or entry.get("url")
            if src:
                out.append(_meta_from_info(entry, src))
        if not out:
            raise FetchError(f"{url}: playlist has no entries")
        return out[:latest] if latest else out
    return [_meta_from_info(info, url)]


def download(meta: EpisodeMeta, dest_dir: str | os.PathLike, *,
             progress: ProgressCallback = no_progress) -> FetchedEpisode:
    """Download one episode's audio into ``dest_dir`` (atomically) and fill its metadata.

    Local files are not copied: the returned path is the file itself.
    """
    if not is_url(meta.source):
        return FetchedEpisode(meta, Path(meta.source))
    import yt_dlp

    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".download-", dir=dest_dir))
    label = meta.title or meta.source

    def hook(d: dict) -> None:
        if d.get("status") == "downloading":
            total = d.get("total_bytes") or d.get("total_bytes_estimate") or 0
            progress(Progress("fetch", d.get("downloaded_bytes") or 0, total, episode=label))

    opts = _ydl_opts(outtmpl=str(tmp / "audio.%(ext)s"), progress_hooks=[hook], noplaylist=True)
    try:
        try:
            with yt_dlp.YoutubeDL(opts) as ydl:
                info = ydl.extract_info(meta.source, download=True)
        except Exception as exc:
            raise FetchError(f"{meta.source}: {_clean_ytdlp_error(exc)}") from exc
        if info.get("_type") in ("playlist", "multi_video"):
            entries = [e for e in info.get("entries") or [] if e]
            if not entries:
                raise FetchError(f"{meta.source}: nothing to download")
            info = entries[0]
        files = [f for f in tmp.iterdir() if f.is_file() and not f.name.endswith((".part", ".ytdl"))]
        if not files:
            raise FetchError(f"{meta.source}: download produced no file")
        got = max(files, key=lambda f: f.stat().st_size)
        if got.stat().st_size == 0:
            raise FetchError(f"{meta.source}: downloaded file is empty")
        final = dest_dir / f"audio{got.suffix or '.bin'}"
        os.replace(got, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    new = _meta_from_info(info, meta.source)
    # Feed metadata (title, date, show, description) wins over what the media file says.
    merged = {k: (v or getattr(new, k)) for k, v in meta.to_dict().items()}
    merged["audio_url"] = meta.audio_url or new.audio_url
    return FetchedEpisode(EpisodeMeta.from_dict(merged), final)


# ---------------------------------------------------------------- slugs

_UNSAFE = re.compile(rf"[^\w{CJK_CHARS}\-]+", re.UNICODE)


def slugify(text: str, fallback: str = "episode", max_len: int = 60) -> str:
    """A safe directory name: letters, digits (any script), '-', '_'; never '.', '..' or a path."""
    s = _UNSAFE.sub("-", text.strip().lower())
    s = re.sub(r"-{2,}", "-", s).strip("-_")
    s = s[:max_len].strip("-_")
    return s or fallback
