"""The written layouts of published digests, for ``-f md --style weekly|daily|brief``.

- ``weekly``: a trend overview, a 类别 | 产品/技术名称 | 机构 | 简介 table, one section per
  story, and a 总结;
- ``daily``: numbered stories with 是什么 / 为什么重要 / 影响 / 建议, then 今日趋势总结;
- ``brief``: 本期速览 (one line per story), then the stories by category with 概要 and
  内容详解.

An LLM-written digest (``audio2digest.llm``) fills every part. Offline each layout is filled
from the extractive fields and the entities alone, and a part with nothing grounded to say
is left out (no 为什么重要 without a writer; no trend sentence, only counts of what the
episode covered). The weekly table needs no LLM: category, product and organisation come from
the item's entities (the digest records each product's organisation).
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from audio2digest.render.common import (
    clock,
    episode_title,
    is_zh,
    news_items,
    source_url,
    timed_url,
)
from audio2digest.render.md import LAYOUTS as MD_LAYOUTS
from audio2digest.render.md import STYLES, details, front_matter, md_escape, md_link
from audio2digest.text.organisations import PRODUCT_CATEGORIES
from audio2digest.types import Digest, Item

L = {
    True: {
        "trends": "趋势概览",
        "table": "产品与技术一览",
        "cat": "类别",
        "name": "产品/技术名称",
        "org": "机构",
        "intro": "简介",
        "summary": "总结",
        "what": "是什么",
        "why": "为什么重要",
        "impact": "影响",
        "advice": "建议",
        "daily_trends": "今日趋势总结",
        "overview": "本期速览",
        "abstract": "概要",
        "details": "内容详解",
        "listen": "收听原文",
        "entities": "相关实体",
        "none": "（本期无内容）",
        "covered": "本期共 {n} 条新闻",
        "by_cat": "按类别",
        "most": "提及最多",
        "times": "{k} 条",
        "points": "本期要点",
    },
    False: {
        "trends": "Trends",
        "table": "Products and techniques",
        "cat": "Category",
        "name": "Product / technique",
        "org": "Organisation",
        "intro": "Summary",
        "summary": "Summary",
        "what": "What it is",
        "why": "Why it matters",
        "impact": "Impact",
        "advice": "Advice",
        "daily_trends": "Today's trends",
        "overview": "In this episode",
        "abstract": "Summary",
        "details": "Details",
        "listen": "Listen",
        "entities": "Entities",
        "none": "(nothing in this episode)",
        "covered": "{n} news items this episode",
        "by_cat": "by category",
        "most": "most mentioned",
        "times": "{k} items",
        "points": "Key points",
    },
}


_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+")


def _first_sentence(text: str, zh: bool) -> str:
    first = next((s.strip() for s in _SENTENCE_END.split(text or "") if s.strip()), "")
    return first or text


def code_span(text: str) -> str:
    """``text`` as one inline code span that shows it literally: markup inside a code span is
    never parsed, and the fence is longer than any run of backticks in ``text`` (CommonMark),
    so a backtick in feed metadata cannot end it early."""
    text = re.sub(r"\s+", " ", text).strip()
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _colon(zh: bool) -> str:
    return "：" if zh else ": "


def _counts_overview(digest: Digest, zh: bool) -> list[str]:
    """What the episode covered, as counts only (the offline trend overview)."""
    lab = L[zh]
    news = news_items(digest)
    if not news:
        return []
    cats = Counter(i.category for i in news if i.category)
    ents = Counter(e.term for i in news for e in {x.term: x for x in i.entities}.values())
    sep = "、" if zh else ", "
    lines = [f"- {lab['covered'].format(n=len(news))}"]
    if cats:
        lines.append(
            f"- {lab['by_cat']}{_colon(zh)}"
            + sep.join(
                f"{md_escape(c)}（{k}）" if zh else f"{md_escape(c)} ({k})" for c, k in cats.most_common()
            )
        )
    top = [(t, k) for t, k in ents.most_common(5) if k >= 2]
    if top:
        lines.append(
            f"- {lab['most']}{_colon(zh)}"
            + sep.join(
                f"{md_escape(t)}（{lab['times'].format(k=k)}）"
                if zh
                else f"{md_escape(t)} ({lab['times'].format(k=k)})"
                for t, k in top
            )
        )
    return lines


def _item_points(item: Item, zh: bool) -> list[str]:
    return list(item.details) or details(item.text, zh)


def _when(item: Item, digest: Digest, zh: bool) -> str | None:
    if item.start is None:
        return None
    src = source_url(digest)
    when = f"`{clock(item.start)}–{clock(item.end)}`"
    link = timed_url(src, item.start)
    return f"{when} · {md_link(L[zh]['listen'], link)}" if link else when


def weekly(digest: Digest, zh: bool) -> list[str]:
    lab, c = L[zh], _colon(zh)
    news = news_items(digest)
    out = [f"# {md_escape(episode_title(digest))}", ""]
    if digest.summary:
        out += [md_escape(digest.summary), ""]
    out += [f"## {lab['trends']}", ""]
    out += [f"- {md_escape(t)}" for t in digest.trends] or _counts_overview(digest, zh) or [lab["none"]]
    out.append("")
    rows = []
    sep = "、" if zh else ", "
    for it in news:  # one row per story: its products, their organisations, its summary
        ents = [e for e in it.entities if e.category in PRODUCT_CATEGORIES]
        products = list(dict.fromkeys(e.term for e in ents))
        if products:
            orgs = dict.fromkeys(e.org for e in ents if e.org)
            rows.append((it.category, sep.join(products), sep.join(orgs), _first_sentence(it.summary, zh)))
    if rows:
        out += [
            f"## {lab['table']}",
            "",
            f"| {lab['cat']} | {lab['name']} | {lab['org']} | {lab['intro']} |",
            "| --- | --- | --- | --- |",
        ]
        out += [
            f"| {md_escape(a) or '—'} | {md_escape(b)} | {md_escape(o) or '—'} | {md_escape(s)} |"
            for a, b, o, s in rows
        ]
        out.append("")
    for n, it in enumerate(news, 1):
        out += [f"## {n}. {md_escape(it.title)}", ""]
        if it.summary:
            out += [md_escape(it.summary), ""]
        pts = _item_points(it, zh)
        if pts:
            out += [f"- {md_escape(p)}" for p in pts] + [""]
    out += [f"## {lab['summary']}", ""]
    if digest.summary:
        out.append(md_escape(digest.summary))
    elif news:
        out.append(
            f"{lab['points']}{c}"
            + ("；" if zh else "; ").join(md_escape(i.title) for i in news)
            + ("。" if zh else ".")
        )
    else:
        out.append(lab["none"])
    return out


def daily(digest: Digest, zh: bool) -> list[str]:
    lab, c = L[zh], _colon(zh)
    news = news_items(digest)
    out = [f"# {md_escape(episode_title(digest))}", ""]
    if not news:
        out += [lab["none"], ""]
    for n, it in enumerate(news, 1):
        out += [f"## {n}. {md_escape(it.title)}", ""]
        when = _when(it, digest, zh)
        if when:
            out += [when, ""]
        a = it.analysis
        what = a.get("what") or it.summary
        if what:
            out += [f"**{lab['what']}**{c}{md_escape(what)}", ""]
        for key in ("why", "impact", "advice"):
            if a.get(key):
                out += [f"**{lab[key]}**{c}{md_escape(a[key])}", ""]
        if it.entities:
            out += [
                f"**{lab['entities']}**{c}"
                + ("、" if zh else ", ").join(md_escape(e.term) for e in it.entities),
                "",
            ]
    trend_lines = [f"- {md_escape(t)}" for t in digest.trends] or _counts_overview(digest, zh)
    if trend_lines or digest.summary:
        out += [f"## {lab['daily_trends']}", ""]
        if digest.summary:
            out += [md_escape(digest.summary), ""]
        out += trend_lines
    return out


def brief(digest: Digest, zh: bool) -> list[str]:
    lab, c = L[zh], _colon(zh)
    news = news_items(digest)
    raw_date = digest.episode.date or ""
    date = md_escape(raw_date)  # metadata from a feed: never raw markup
    title = md_escape(episode_title(digest)) + (f" ({date})" if date else "")
    out = [f"# {title}", "", f"## ⚡ {lab['overview']}", ""]
    if not news:
        out.append(lab["none"])
    for it in news:
        cat = f"**\\[{md_escape(it.category)}\\]** " if it.category else ""
        out.append(f"- {cat}**{md_escape(it.title)}**{c}{md_escape(_first_sentence(it.summary, zh))}")
    out += ["", "---"]
    groups: dict[str, list[Item]] = {}
    for it in news:
        groups.setdefault(it.category, []).append(it)
    for n, (cat, items) in enumerate(groups.items(), 1):
        out += ["", f"## {n}. {md_escape(cat) or lab['details']}", ""]
        for it in items:
            out += [f"### **{md_escape(it.title)}**", ""]
            when = _when(it, digest, zh)
            if when:
                out += [when + (f"  {code_span(f'[{raw_date}]')}" if date else ""), ""]
            if it.summary:
                out += [f"> **{lab['abstract']}**{c}{md_escape(it.summary)}", ""]
            pts = _item_points(it, zh)
            if pts:
                out += [f"**💡{lab['details']}**", ""] + [f" - {md_escape(p)}" for p in pts] + [""]
        out.append("---")
    return out


LAYOUTS = {"weekly": weekly, "daily": daily, "brief": brief}


def render_style(digest: Digest, style: str) -> str:
    zh = is_zh(digest)
    lines = front_matter(digest) + LAYOUTS[style](digest, zh)
    return "\n".join(lines).rstrip() + "\n"


assert set(LAYOUTS) == set(STYLES[1:]), "render.md.STYLES names these layouts"
for _name in LAYOUTS:
    MD_LAYOUTS[_name] = functools.partial(render_style, style=_name)
