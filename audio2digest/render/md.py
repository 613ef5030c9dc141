"""``digest.md``: the written digest people publish.

YAML front matter (title, date, tags, categories, source), an overview list ("本期速览" /
"In this episode": one line per news item with its category, headline and summary), then one
section per item: time (linked to the source at that time), 概要 / Summary, 内容详解 / Details
(the item's sentences), entities with their categories, and a source link.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

from audio2digest.render import Renderer, register
from audio2digest.render.common import LABELS, clock, episode_title, is_zh, news_items, source_url, timed_url
from audio2digest.text.sentences import plain_text as _plain
from audio2digest.text.sentences import sentences as _sentences

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def md_escape(text: str) -> str:
    """Escape Markdown/HTML metacharacters so titles and text show literally."""
    text = re.sub(r"\s+", " ", text or "").strip()
    return _MD_SPECIAL.sub(r"\\\1", text)


_TAG = re.compile(r"</?[A-Za-z!?][^<>]*>")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # "C:" (a drive) is not a scheme


def front_value(text: str) -> str:
    """A front-matter value that stays text in a site template printing it unescaped
    (``{{ page.title }}``): feed metadata is untrusted, so markup tags are dropped and any
    remaining angle brackets become look-alikes (‹ ›) that no browser parses as a tag."""
    text = _TAG.sub("", re.sub(r"\s+", " ", text or "")).strip()
    return text.replace("<", "\u2039").replace(">", "\u203a")


def md_link(label: str, url: str) -> str:
    url = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{md_escape(label)}]({url})"


def details(text: str, zh: bool) -> list[str]:
    """The item's sentences as bullet points; one long unpunctuated sentence (common in raw
    transcripts) is cut into groups of clauses instead."""
    lines = text.strip().splitlines()
    if lines and re.match(r"^\s{0,3}#{1,6}\s", lines[0]):
        text = "\n".join(lines[1:])  # the heading is already the section title
    sents = _sentences(_plain(text), zh)
    limit = 60 if zh else 200
    if len(sents) != 1 or len(sents[0]) <= limit:
        return sents
    clauses = re.split(r"(?<=[，,；;])" if zh else r"(?<=[,;])\s+", sents[0])
    out, cur = [], ""
    for c in clauses:
        if cur and len(cur) + len(c) > limit // 1.5:
            out.append(cur.strip())
            cur = ""
        cur += c if zh else (" " + c if cur else c)
    if cur.strip():
        out.append(cur.strip())
    return out


def render(digest, transcript=None, audio_href=None, style: str = "default") -> str:
    if style != "default":
        return LAYOUTS[style](digest)
    zh = is_zh(digest)
    L = LABELS[zh]
    colon = "：" if zh else ": "
    src = source_url(digest)
    news = news_items(digest)
    out = front_matter(digest)
    out.append(f"# {md_escape(episode_title(digest))}")
    out.append("")
    if digest.summary:
        out.append(md_escape(digest.summary))
        out.append("")
    out.append(f"## {L['overview']}")
    out.append("")
    if not news:
        out.append(L["none"])
    for it in news:
        cat = f"**\\[{md_escape(it.category)}\\]** " if it.category else ""
        out.append(f"- {cat}**{md_escape(it.title)}**{colon}{md_escape(it.summary)}")
    out.append("")
    out.append("---")
    for n, it in enumerate(digest.items, 1):
        out.append("")
        heading = md_escape(it.title) or f"{L['items']} {n}"
        out.append(f"## {n}. {heading}")
        out.append("")
        if it.start is not None:
            when = f"`{clock(it.start)}–{clock(it.end)}`"
            link = timed_url(src, it.start)
            out.append(f"{when} · {md_link(L['source'], link)}" if link else when)
            out.append("")
        if it.category:
            out.append(f"*{md_escape(it.category)}*")
            out.append("")
        if it.summary:
            out.append(f"> **{L['summary']}**{colon}{md_escape(it.summary)}")
            out.append("")
        if it.kind == "news":
            sents = list(it.details) or details(it.text, zh)
            if sents:
                out.append(f"**{L['details']}**")
                out.append("")
                out.extend(f"- {md_escape(s)}" for s in sents)
                out.append("")
        if it.entities:
            ents = ("、" if zh else ", ").join(
                md_escape(e.term)
                + (
                    f"（{md_escape(e.category)}）"
                    if zh and e.category
                    else (f" ({md_escape(e.category)})" if e.category else "")
                )
                for e in it.entities
            )
            out.append(f"**{L['entities']}**{colon}{ents}")
            out.append("")
        if it.keywords:
            out.append(
                f"**{L['keywords']}**{colon}" + ("、" if zh else ", ").join(md_escape(k) for k in it.keywords)
            )
            out.append("")
        if src and it.start is None:
            out.append(md_link(L["source"], src))
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def front_matter(digest) -> list[str]:
    """The YAML front matter block every Markdown layout starts with (default and the
    written styles alike): every value goes through :func:`front_value`, and ``source`` is an
    http(s) URL or a local path, never a javascript:/data:/file: URL."""
    ep = digest.episode
    news = news_items(digest)
    tags: list[str] = []
    for it in news:
        for e in it.entities:
            if e.term not in tags:
                tags.append(e.term)
    if not tags:
        for it in news:
            for k in it.keywords[:2]:
                if k not in tags:
                    tags.append(k)
    src = source_url(digest)
    front = {
        "title": front_value(episode_title(digest)),
        "date": front_value(ep.date or ""),
        "tags": [front_value(t) for t in tags[:20]],
        "categories": [front_value(c) for c in dict.fromkeys(i.category for i in news if i.category)],
        # http(s) only; a local path (no scheme) stays, javascript:/data:/file: URLs do not
        "source": src or ("" if _SCHEME.match(ep.source or "") else ep.source or ""),
    }
    if ep.uploader:
        front["author"] = front_value(ep.uploader)
    if digest.writer:
        front["writer"] = front_value(
            f"{digest.writer.get('model', '')} ({digest.writer.get('endpoint', '')})"
        )
    return ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000).rstrip(), "---", ""]


#: digest.md layouts: ``default`` (overview + one section per item), and the three written
#: layouts of published digests, which render/md_styles.py adds to :data:`LAYOUTS`.
STYLES = ("default", "weekly", "daily", "brief")
LAYOUTS: dict[str, Callable[..., str]] = {}

register(Renderer("md", "digest.md", render, "Markdown digest with YAML front matter", styles=STYLES))
