"""Headlines and summaries an editor would keep, taken from the item's own words.

A headline is one clause -- subject, action, object: "谷歌开源翻译模型TranslateGemma" -- chosen
among the item's first sentences (the one naming an entity and a release verb wins), lead-in
cues and fillers dropped, and compressed to fit (<= 30 Chinese characters, <= 80 otherwise)
by dropping whole phrases, never by cutting inside a name and never ending in "…". A summary
is one or two whole sentences of the item.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from audio2digest.text.language import is_cjk_language
from audio2digest.text.sentences import plain_text, sentences
from audio2digest.types import Entity

logger = logging.getLogger("audio2digest.text.headline")

__all__ = ["EN_TITLE_MAX", "ZH_TITLE_MAX", "headline", "summarize"]

_RELEASE_VERBS = re.compile(
    r"(发布|推出|开源|上线|宣布|升级|更新|亮相|公布|推送|收购|融资|开放|上架|官宣|推送|完成|获得|"
    r"launch|release|announce|open-sourc|unveil|introduc|ship|acquir|raise|open(?:s|ed)? a|adds?\b|"
    r"added|now supports?|deprecat|remov|merged|proposes?|proposed)",
    re.IGNORECASE,
)
_LEAD_CUES_ZH = re.compile(
    r"^(?:首先来看|首先是|首先|接下来来看|接下来是|接下来|接着|下面来看|下面|再来看|再看|来看|另外|此外|"
    r"还有一条|另一条|最后是|最后|其次|然后是|[\u4e00-\u9fffA-Za-z]{1,6}方面[，,、 ]?|"
    r"据悉[，,]?|据报道[，,]?|据[^，,。]{1,12}报道[，,]|本周[，,]?|今天[，,]?|近日[，,]?|日前[，,]?|"
    r"\d{1,2}月\d{1,2}日[，,]?|当地时间[^，,]{0,10}[，,]?)"
)
_LEAD_CUES_EN = re.compile(
    r"^(?:next up,?|next,?|in other news,?|moving on,?|finally,?|first up,?|first,?|meanwhile,?|"
    r"elsewhere,?|also,?|and finally,?|in [a-z]+ news,?|lastly,?|over at)\s*",
    re.IGNORECASE,
)
_FILLER_ZH = re.compile(
    r"(?<=[\u4e00-\u9fffA-Za-z0-9 ])(了|正式|今天|日前|近日|本周|已经|重磅|全新的|全新|最新的|一款|一个|名为)(?=[\u4e00-\u9fffA-Za-z0-9 ])"
)

#: Longest headline, characters: Chinese / other languages (what an editor's digest allows).
ZH_TITLE_MAX = 30
EN_TITLE_MAX = 80
#: Summary length that a second sentence may not push past (characters).
ZH_SUMMARY_CAP = 90
EN_SUMMARY_CAP = 300

_NAME = re.compile(r"[A-Za-z0-9@][\w.\-+@']*(?:\s+(?=[A-Z0-9])[\w.\-+@']+)*", re.ASCII)
_MID_CLAUSE_ZH = re.compile(r"^(?:而|并|且|但|和|与|以及|或|及|所以|因此|从而|进而|甚至|同时也|也|还)")
_EN_TAIL_STOP = re.compile(
    r"(?:\s+(?:a|an|the|of|to|for|with|and|or|in|on|at|by|from|as|that|which|its|their|his|her|is|"
    r"are|was|were|has|have|will|be|into|about|new))+$",
    re.IGNORECASE,
)
_ZH_TAIL_STOP = "，,、：:；; 的和与及或并在将为对把被等了着是"


def _sentences(text: str, cjk: bool) -> list[str]:
    return sentences(text, cjk)


def _clauses(sentence: str, cjk: bool) -> list[str]:
    parts = re.split(r"[，,；;：:]" if cjk else r"(?<=[;:])\s+|,\s+(?=(?:and |but |with |while ))", sentence)
    return [p.strip() for p in parts if p and p.strip()]


def _en_prefix(sentence: str, limit: int) -> str:
    """The longest start of an English sentence that ends at a clause edge and fits
    ``limit`` ("Perplexity launched Comet, a web browser with an assistant built in")."""
    s = sentence.rstrip(".!? ")
    if len(s) <= limit:
        return s
    best = ""
    for m in re.finditer(r",\s+|;\s+|\s+[—–]\s+|\s+-\s+|\s+\(", s):
        if m.start() <= limit:
            best = s[: m.start()]
    return best if len(best) >= 25 else s


def _strip_lead(text: str, cjk: bool) -> str:
    t = text.strip()
    for _ in range(3):
        t2 = (_LEAD_CUES_ZH.sub("", t) if cjk else _LEAD_CUES_EN.sub("", t)).strip(" ，,、")
        if t2 == t:
            break
        t = t2
    if not cjk and t[:1].islower():
        t = t[:1].upper() + t[1:]
    return t


def _protected(text: str, names: Sequence[str]) -> list[tuple[int, int]]:
    """Spans that must stay whole: Latin/number runs ("DeepSeek-R2", "Claude Sonnet 4.6")
    and the entity names."""
    spans = [m.span() for m in _NAME.finditer(text)]
    low = text.lower()
    for n in names:
        if not n:
            continue
        i = low.find(n.lower())
        while i >= 0:
            spans.append((i, i + len(n)))
            i = low.find(n.lower(), i + 1)
    return spans


def _safe_cut(text: str, limit: int, names: Sequence[str], cjk: bool) -> str:
    """The longest prefix of ``text`` within ``limit`` that ends at a word edge outside any
    name, with dangling function words dropped; never a "…"."""
    spans = _protected(text, names)

    def inside(p: int) -> bool:
        return any(a < p < b for a, b in spans)

    edges: set[int] = set()
    if cjk:
        try:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            pos = 0
            for w in jieba.cut(text[: limit + 12]):
                pos += len(w)
                edges.add(pos)
        except ImportError:  # pragma: no cover - jieba is a dependency
            edges = set(range(1, len(text) + 1))
    else:
        edges = {m.start() for m in re.finditer(r"\s", text)} | {len(text)}
    best = ""
    for p in sorted(edges):
        if p > limit:
            break
        if inside(p):
            continue
        best = text[:p]
    if not best:  # one name longer than the limit: keep it whole
        first = min((b for a, b in spans if a == 0), default=0)
        best = text[: max(first, 1)] if first else text[:limit]
    if cjk:
        best = best.rstrip(_ZH_TAIL_STOP)
    else:
        best = _EN_TAIL_STOP.sub("", best.rstrip(" ,;:-—–(")).rstrip(" ,;:-—–(")
    return best.strip()


def _compress_zh(c: str, limit: int, names: Sequence[str]) -> str:
    """Shorten a Chinese clause by whole phrases: parentheses, fillers, a place/occasion
    ("在 PCC 大会上"), modifiers ending in 的 that hold no name; then cut at a word edge."""
    c = re.sub(r"[（(][^）)]*[）)]", "", c)
    c = _FILLER_ZH.sub("", c)
    c = re.sub(r"\s+", " ", c).strip()
    if len(c) <= limit:
        return c
    shorter = re.sub(r"(?<=\S)在[^，。在]{1,16}?(?:上|中|期间|之际|后)(?=\S)", "", c, count=1)
    if len(shorter) >= 8:
        c = shorter
    # a subject named twice, in Chinese and in Latin ("深度求索DeepSeek"): keep the Latin name
    twice = re.sub(r"^[\u4e00-\u9fff]{2,8}\s?(?=[A-Z][A-Za-z])", "", c)
    if len(c) > limit and _RELEASE_VERBS.search(twice):
        c = twice
    for _ in range(3):
        if len(c) <= limit:
            return c
        m = None
        for cand in re.finditer(r"(?<=[\u4e00-\u9fff ])[^，。的]{2,16}?的(?=\S)", c):
            seg = cand.group(0)
            if re.search(r"[A-Za-z]{3,}", seg) or any(n and n.lower() in seg.lower() for n in names):
                continue
            if _RELEASE_VERBS.search(seg):
                continue
            m = cand
            break
        if m is None:
            break
        c = (c[: m.start()] + c[m.end() :]).strip()
    if len(c) <= limit:
        return c
    # The verb's object is the first name after it ("…发布了新一代推理模型DeepSeek-R2，采用…
    # Hugging Face"): end the headline there, dropping the words between verb and name if
    # they do not fit, rather than keep a later name or cut the first one.
    verb = _RELEASE_VERBS.search(c)
    obj = _first_name_after(c, verb.end(), names) if verb else None
    if verb and obj:
        whole = c[: obj[1]].rstrip()
        if 8 <= len(whole) <= limit:
            return whole
        short = c[: verb.end()] + c[obj[0] : obj[1]]
        if 8 <= len(short) <= limit:
            return short
    return _safe_cut(c, limit, names, True)


def _first_name_after(text: str, pos: int, names: Sequence[str]) -> tuple[int, int] | None:
    """The span of the first name (an entity, or a Latin run with two letters or more: not a
    size like "4B") starting at or after ``pos``; the longest when several start there."""
    spans = [
        (a, b)
        for a, b in _protected(text, names)
        if a >= pos and len(re.findall(r"[A-Za-z]", text[a:b])) >= 2
    ]
    if not spans:
        return None
    first = min(a for a, _ in spans)
    return first, max(b for a, b in spans if a == first)


def _compress_en(c: str, limit: int, names: Sequence[str]) -> str:
    c = re.sub(r"\s*\([^)]*\)", "", c).strip()
    if len(c) <= limit:
        return c
    m = re.match(r"^(?:In|On|At|After|With|During|Over|For|According to)\b[^,]{3,60},\s+(.*)$", c)
    if m and len(m.group(1)) >= 25:
        c = m.group(1)[:1].upper() + m.group(1)[1:]
        if len(c) <= limit:
            return c
    c = _en_prefix(c, limit)
    if len(c) <= limit:
        return c
    return _safe_cut(c, limit, names, False)


def _is_complete(text: str) -> bool:
    return bool(text) and not text.endswith(("…", "..."))


def headline(
    text: str,
    *,
    cjk: bool | None = None,
    entities: Sequence[Entity] = (),
    language: str | None = None,
) -> str:
    """An extractive headline: <= 30 characters for Chinese, <= 80 for other languages.

    The clause that names an entity and a release verb wins ("DeepSeek发布了新一代推理模型
    DeepSeek-R2" -> "DeepSeek发布新一代推理模型DeepSeek-R2"); lead-in cues ("首先来看", "In
    other news,") and fillers (了, 正式) are dropped; a long clause loses whole phrases and is
    never cut inside a name or marked with "…". A Markdown heading with text is kept.
    """
    text = (text or "").strip()
    if not text:
        return ""
    if cjk is None:
        cjk = is_cjk_language(language, text)
    limit = ZH_TITLE_MAX if cjk else EN_TITLE_MAX
    names = [e.term for e in entities]
    first = text.splitlines()[0] if text else ""
    m = re.match(r"^\s{0,3}#{1,6}(?:\s+(.*))?$", first)
    if m:  # a Markdown section: its heading is the author's own headline
        title = re.sub(
            r"^(?:\d{1,2}[.)、]\s*|[一二三四五六七八九十]+[、.]\s*)", "", plain_text(m.group(1) or "")
        )
        if title:
            return _compress_zh(title, limit, names) if cjk else _compress_en(title, limit, names)
        text = "\n".join(text.splitlines()[1:]).strip() or text
    text = plain_text(text)
    best, best_score = "", -1e9
    pos = 0
    for sent in _sentences(text, cjk)[:3]:
        if cjk:
            clauses = _clauses(sent, cjk)
            # a clause and its followers ("英伟达发布了Blackwell Ultra，单机柜…"): subject +
            # action + object often spans a comma
            cands = []
            for k in range(len(clauses)):
                joined = clauses[k]
                cands.append((joined, 0, k))
                for j in range(k + 1, min(k + 3, len(clauses))):
                    joined = joined + "，" + clauses[j]
                    if len(joined) > limit + 10:
                        break
                    cands.append((joined, j - k, k))
        else:
            clauses = [sent]
            cands = [(sent, 0, 0)]
        for clause, joins, k in cands:
            c = _strip_lead(clause.rstrip("。！？!?.；;"), cjk)
            if not c:
                continue
            score = -0.3 * joins
            low = c.lower()
            if any(n and n.lower() in low for n in names):
                score += 2.0
            elif re.search(r"[A-Z][A-Za-z0-9]", c):
                score += 1.0
            verb = _RELEASE_VERBS.search(c)
            if verb:
                score += 2.0
                if len(c) - verb.end() >= 2:
                    score += 0.5  # the verb has an object: "发布Claude Sonnet 4.5", not "发布"
            if cjk and re.match(r"^(?:该|这|其|它|此|他|她)", c):
                score -= 1.5  # a pronoun subject: the name is elsewhere
            if cjk and _MID_CLAUSE_ZH.match(c):
                score -= 1.5
            size = len(c)
            if cjk:
                if size < 6:
                    score -= 2.0
                elif size > limit:
                    score -= 0.5 + 0.03 * (size - limit)
            elif size < 20:
                score -= 1.5
            score -= 0.35 * (pos + k)  # earlier is better
            if score > best_score:
                best, best_score = c, score
        pos += len(clauses)
    if not best:
        best = _strip_lead(text, cjk)
    best = re.sub(r"\s+", " ", best).strip()
    out = _compress_zh(best, limit, names) if cjk else _compress_en(best, limit, names)
    out = re.sub(r"(?:…+|\.{3,})$", "", out.strip())  # the source's own ellipsis, too
    return out.rstrip("，,、；;：: ")


def summarize(
    text: str, *, cjk: bool | None = None, language: str | None = None, max_sentences: int = 2
) -> str:
    """One or two whole sentences of the item: never a fragment, never one that starts
    mid-clause; a short lead-in ("首先来看深度求索。") is skipped when more follows."""
    text = (text or "").strip()
    if not text:
        return ""
    if cjk is None:
        cjk = is_cjk_language(language, text)
    lines = text.splitlines()
    if lines and re.match(r"^\s{0,3}#{1,6}(?:\s|$)", lines[0]):
        text = "\n".join(lines[1:])  # the section heading is the title, not the summary
    text = plain_text(text)
    sents = _sentences(text, cjk)
    if not sents:
        return ""
    if len(sents) > 1 and len(_strip_lead(sents[0], cjk)) < (12 if cjk else 30):
        sents = sents[1:]
    # start at the first sentence that does not continue a clause of an earlier one
    for k, s in enumerate(sents):
        if not ((cjk and _MID_CLAUSE_ZH.match(s)) or (not cjk and s[:1].islower())):
            sents = sents[k:]
            break
    cap = ZH_SUMMARY_CAP if cjk else EN_SUMMARY_CAP
    if len(sents[0]) > 2 * cap:
        # a run-on "sentence" (a recogniser's, with commas but no full stop): its first
        # whole clauses up to the cap
        clauses = re.split(r"(?<=[，,；;])" if cjk else r"(?<=[,;])\s+", sents[0])
        kept = ""
        for c in clauses:
            if kept and len(kept) + len(c) > cap:
                break
            kept += c if cjk else ((" " if kept else "") + c)
        sents = [kept.rstrip("，,；; ")]
    out = [sents[0]]
    size = len(sents[0])
    for s in sents[1:max_sentences]:
        if size + len(s) > cap:
            break
        out.append(s)
        size += len(s)
    joined = ("" if cjk else " ").join(out)
    if joined[-1:] not in '。！？!?.…”"」）)':
        joined += "。" if cjk else "."
    return joined
