"""An RSS 2.0 feed of processed episodes, with Podcasting 2.0 transcript and chapter links.

``batch … --feed-out feed.xml --base-url URL`` writes it after the batch: one ``<item>`` per
finished episode of OUT, each with the source feed's own enclosure and GUID (so podcast apps
see the same episodes), ``<podcast:transcript>`` for each transcript file written
(``transcript.podcast.json``, ``transcript.vtt``, ``transcript.srt``) and
``<podcast:chapters>`` for ``chapters.json``, all under ``URL/<slug>/``. Upload OUT to URL as
it is and the links resolve. Built with :mod:`xml.etree.ElementTree` (every value escaped).
"""

from __future__ import annotations

import email.utils
import json
import logging
import mimetypes
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlparse

from audio2digest.errors import InputError, RenderError
from audio2digest.files import atomic_write_bytes
from audio2digest.types import Digest, EpisodeMeta

log = logging.getLogger("audio2digest.render.feed")

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
#: Format name → (file, MIME type, rel) for each <podcast:transcript> link, best first.
TRANSCRIPT_LINKS = (
    ("transcript_json", "transcript.podcast.json", "application/json", ""),
    ("vtt", "transcript.vtt", "text/vtt", "captions"),
    ("srt", "transcript.srt", "application/x-subrip", "captions"),
)
CHAPTERS_FILE, CHAPTERS_MIME = "chapters.json", "application/json+chapters"
#: The formats a published feed links to; ``batch --feed-out`` renders them.
FEED_FORMATS = ("transcript_json", "vtt", "chapters_json")


@dataclass
class FeedEpisode:
    """One finished episode directory: its metadata, digest and which files are there."""

    slug: str
    meta: EpisodeMeta
    outdir: Path
    digest: Digest | None = None
    audio: Path | None = None
    files: set[str] = field(default_factory=set)


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash; an http(s) URL or :class:`InputError`."""
    u = urlparse(base_url or "")
    if u.scheme not in ("http", "https") or not u.netloc:
        raise InputError(
            f"{base_url or '(empty)'}: --base-url must be an http(s) URL where OUT "
            "is published, e.g. https://example.com/digests"
        )
    return base_url.rstrip("/")


def read_episode(out: Path, slug: str) -> FeedEpisode | None:
    """The episode in ``out/slug`` from its ``source.json`` (None when it has none)."""
    outdir = out / slug
    try:
        data = json.loads((outdir / "source.json").read_text("utf-8"))
        meta = EpisodeMeta.from_dict(data["episode"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: not in the feed (no readable source.json: %s)", outdir, exc)
        return None
    digest = None
    try:
        digest = Digest.from_dict(json.loads((outdir / "digest.json").read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    audio = None
    if isinstance(data.get("audio"), str) and data["audio"]:
        p = Path(data["audio"])
        audio = p if p.is_absolute() else outdir / p
    files = {p.name for p in outdir.iterdir() if p.is_file()}
    return FeedEpisode(slug=slug, meta=meta, outdir=outdir, digest=digest, audio=audio, files=files)


def _published(meta: EpisodeMeta) -> datetime | None:
    """When the episode was published: the source's date-time (``meta.published``, with its
    offset) when it gave one, else its day at 00:00 UTC; None when undated."""
    try:
        d = datetime.fromisoformat(meta.published)
        return d if d.tzinfo is not None else d.replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        pass
    try:
        return datetime.fromisoformat(meta.date).replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None


def _rfc822(meta: EpisodeMeta) -> str:
    """The RSS <pubDate> (RFC 822 date-time, in the source's own offset), or ""."""
    d = _published(meta)
    return email.utils.format_datetime(d) if d is not None else ""


def _newest_first_key(ep: FeedEpisode, k: int) -> tuple[float, int]:
    d = _published(ep.meta)
    return (d.timestamp() if d is not None else float("-inf"), -k)


def _href(base: str, slug: str, name: str) -> str:
    return f"{base}/{quote(slug)}/{quote(name)}"


def _enclosure(ep: FeedEpisode, base: str) -> dict | None:
    enc = dict(ep.meta.enclosure)
    if enc.get("url"):
        return {
            "url": enc["url"],
            "type": enc.get("type") or _guess_type(enc["url"]),
            "length": str(enc.get("length") or "0"),
        }
    if ep.audio is not None and ep.audio.is_file():
        try:
            ep.audio.resolve().relative_to(ep.outdir.resolve())
        except ValueError:
            pass
        else:  # downloaded into the episode directory: published with it
            rel = os.path.relpath(ep.audio, ep.outdir)
            return {
                "url": _href(base, ep.slug, rel),
                "type": _guess_type(rel),
                "length": str(ep.audio.stat().st_size),
            }
    url = ep.meta.audio_url
    if url and urlparse(url).scheme in ("http", "https"):
        return {"url": url, "type": _guess_type(url), "length": "0"}
    return None


def _guess_type(name: str) -> str:
    return mimetypes.guess_type(urlparse(name).path)[0] or "audio/mpeg"


def _description(ep: FeedEpisode) -> str:
    parts = [ep.meta.description.strip()] if ep.meta.description.strip() else []
    if ep.digest is not None:
        titles = [f"{i.index + 1}. {i.title}" for i in ep.digest.items if i.kind == "news" and i.title]
        if titles:
            parts.append("\n".join(titles))
    return "\n\n".join(parts)


def build_feed(
    episodes: Sequence[FeedEpisode], base_url: str, *, title: str = "", description: str = ""
) -> bytes:
    """The RSS document (UTF-8 bytes) for ``episodes``, newest first."""
    base = check_base_url(base_url)
    ET.register_namespace("podcast", PODCAST_NS)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    shows = {ep.meta.uploader for ep in episodes if ep.meta.uploader}
    ET.SubElement(channel, "title").text = title or (
        shows.pop() if len(shows) == 1 else "audio2digest digests"
    )
    ET.SubElement(channel, "link").text = base + "/"
    ET.SubElement(channel, "description").text = (
        description or "Transcripts, chapters and digests made by audio2digest."
    )
    langs = {(ep.digest.language if ep.digest else "") or ep.meta.source_language for ep in episodes}
    if len(langs) == 1 and next(iter(langs)):
        ET.SubElement(channel, "language").text = next(iter(langs))
    ET.SubElement(channel, "generator").text = "audio2digest"
    order = sorted(range(len(episodes)), key=lambda k: _newest_first_key(episodes[k], k), reverse=True)
    for k in order:
        ep = episodes[k]
        meta = ep.meta
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = meta.title or ep.slug
        if urlparse(meta.webpage_url).scheme in ("http", "https"):
            ET.SubElement(item, "link").text = meta.webpage_url
        desc = _description(ep)
        if desc:
            ET.SubElement(item, "description").text = desc
        pub_date = _rfc822(meta)
        if pub_date:
            ET.SubElement(item, "pubDate").text = pub_date
        enc = _enclosure(ep, base)
        if enc is not None:
            ET.SubElement(item, "enclosure", enc)
        else:
            log.warning("%s: no enclosure (a local file outside OUT); the item has none", ep.slug)
        guid = meta.id or (enc or {}).get("url") or meta.source
        attrs = (
            {"isPermaLink": meta.guid_permalink}
            if meta.guid_permalink
            else ({} if meta.enclosure else {"isPermaLink": "false"})
        )
        ET.SubElement(item, "guid", attrs).text = guid
        language = (ep.digest.language if ep.digest else "") or meta.source_language
        for _, name, mime, rel in TRANSCRIPT_LINKS:
            if name in ep.files:
                attrs = {"url": _href(base, ep.slug, name), "type": mime}
                if language:
                    attrs["language"] = language
                if rel:
                    attrs["rel"] = rel
                ET.SubElement(item, f"{{{PODCAST_NS}}}transcript", attrs)
        if CHAPTERS_FILE in ep.files:
            ET.SubElement(
                item,
                f"{{{PODCAST_NS}}}chapters",
                {"url": _href(base, ep.slug, CHAPTERS_FILE), "type": CHAPTERS_MIME},
            )
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def write_feed(
    path: str | os.PathLike, out: str | os.PathLike, slugs: Iterable[str], base_url: str, *, title: str = ""
) -> Path:
    """Write the feed of the episodes ``out/<slug>`` (those with a source.json) to ``path``."""
    out = Path(out)
    base = check_base_url(base_url)
    episodes = [ep for ep in (read_episode(out, s) for s in dict.fromkeys(slugs)) if ep is not None]
    data = build_feed(episodes, base, title=title)
    try:
        return atomic_write_bytes(path, data)
    except OSError as exc:
        raise RenderError(f"{path}: cannot write the feed ({exc.strerror or exc})") from None


__all__ = [
    "FEED_FORMATS",
    "FeedEpisode",
    "PODCAST_NS",
    "build_feed",
    "check_base_url",
    "read_episode",
    "write_feed",
]
