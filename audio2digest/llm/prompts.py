"""The prompts: one per news item (map), one over the item results (reduce).

The prompt text is part of every cache key, so editing a prompt re-asks the model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from audio2digest.llm.schemas import MAX_POINTS, POINT_MAX, SUMMARY_MAX, TITLE_MAX

# Longest item text sent in one request, in characters: ~4 000 tokens of Chinese or ~2 000 of
# English, inside the 8k context every current local model has, with room for the answer.
# Longer items are sent in parts and their part results condensed in one more request.
ITEM_CHARS = 6000

_SYSTEM_ZH = (
    "你是科技新闻编辑，把播客里一条新闻的文字稿改写成书面摘要。规则：\n"
    "1. 只写文字稿里说到的事实；不添加文字稿没有的名称、数字、日期。\n"
    "2. 名称按“术语表”的写法照抄（大小写、中英文都不变）。\n"
    "3. 用简体中文，书面语，去掉口语和主持人的寒暄。\n"
    "4. 只输出一个 JSON 对象，字段如下：\n"
    f"   title：新闻标题，{TITLE_MAX // 4} 字以内，含最主要的名称；\n"
    f"   summary：概要，一到三句，{SUMMARY_MAX // 3} 字以内；\n"
    f"   details：内容详解，1 到 {MAX_POINTS} 条要点，每条一句；\n"
    "   what：是什么（一句）；why：为什么重要（一句）；impact：影响（一句）；\n"
    "   advice：建议（给读者的一句建议；文字稿没有依据时写空字符串）。"
)

_SYSTEM_EN = (
    "You are a tech-news editor turning one news item from a podcast transcript into a "
    "written digest entry. Rules:\n"
    "1. State only facts said in the transcript; add no names, numbers or dates it does not have.\n"
    "2. Spell names exactly as in the glossary list.\n"
    "3. Plain written English; drop filler and host banter.\n"
    "4. Output one JSON object with these fields:\n"
    f"   title: a headline under {TITLE_MAX} characters naming the main actor;\n"
    f"   summary: one to three sentences, under {SUMMARY_MAX} characters;\n"
    f"   details: 1 to {MAX_POINTS} key points, one sentence each (under {POINT_MAX} characters);\n"
    "   what: what it is; why: why it matters; impact: its impact (one sentence each);\n"
    '   advice: one sentence of advice for the reader, or "" when the transcript gives no basis.'
)

_EPISODE_ZH = (
    "你是科技新闻编辑。下面是一期节目各条新闻的标题和概要。写出本期的总体概要和趋势。规则：\n"
    "1. 只依据给出的条目；不添加条目里没有的名称、数字、日期。\n"
    "2. 只输出一个 JSON 对象：summary：本期概要，两到四句；"
    f"trends：0 到 {MAX_POINTS} 条趋势，每条一句，概括多条新闻共同指向的方向（没有就给空列表）。"
)

_EPISODE_EN = (
    "You are a tech-news editor. Below are the headlines and summaries of one episode's news "
    "items. Write the episode's overall summary and its trends. Rules:\n"
    "1. Use only the items given; add no names, numbers or dates they do not have.\n"
    "2. Output one JSON object: summary: two to four sentences; trends: 0 to "
    f"{MAX_POINTS} one-sentence trends that several items point to (an empty list if none)."
)


def item_messages(
    text: str,
    *,
    zh: bool,
    episode_title: str = "",
    category: str = "",
    glossary_terms: Sequence[tuple[str, str]] = (),
    part: str = "",
) -> list[dict]:
    """The chat messages for one item (or one ``part`` of a long item, e.g. "2/3")."""
    terms = (
        "、".join(f"{t}（{c}）" if c else t for t, c in glossary_terms)
        if zh
        else ", ".join(f"{t} ({c})" if c else t for t, c in glossary_terms)
    )
    if zh:
        head = [
            f"节目：{episode_title}" if episode_title else "",
            f"栏目：{category}" if category else "",
            f"术语表：{terms}" if terms else "",
            f"（这是一条长新闻的第 {part} 部分）" if part else "",
            "文字稿：",
            text.strip(),
        ]
    else:
        head = [
            f"Episode: {episode_title}" if episode_title else "",
            f"Section: {category}" if category else "",
            f"Glossary: {terms}" if terms else "",
            f"(This is part {part} of a long item.)" if part else "",
            "Transcript:",
            text.strip(),
        ]
    return [
        {"role": "system", "content": _SYSTEM_ZH if zh else _SYSTEM_EN},
        {"role": "user", "content": "\n".join(h for h in head if h)},
    ]


def episode_messages(items: Sequence[tuple[str, str]], *, zh: bool, episode_title: str = "") -> list[dict]:
    """The chat messages for the episode summary and trends over ``(title, summary)`` pairs."""
    rows = [{"title": t, "summary": s} for t, s in items]
    lead = (f"节目：{episode_title}\n" if zh else f"Episode: {episode_title}\n") if episode_title else ""
    body = lead + ("条目：" if zh else "Items: ") + json.dumps(rows, ensure_ascii=False)
    return [
        {"role": "system", "content": _EPISODE_ZH if zh else _EPISODE_EN},
        {"role": "user", "content": body},
    ]


def retry_message(problem: str, *, zh: bool) -> dict:
    """The follow-up turn after an answer that was not valid."""
    return {
        "role": "user",
        "content": (
            f"上一个回答无效（{problem}）。请只输出符合要求的 JSON 对象。"
            if zh
            else f"That answer was not valid ({problem}). Output only the JSON object asked for."
        ),
    }


def split_text(text: str, limit: int = ITEM_CHARS) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, cut after a sentence end if one is
    in the last fifth of the part."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind(p) for p in "。！？.!?\n")
        cut = cut + 1 if cut >= limit * 4 // 5 else limit
        parts.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        parts.append(rest)
    return parts
