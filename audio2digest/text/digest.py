"""Per-item headline, summary, entities, category and keywords; :func:`build_digest`.

Everything here is extractive: the headline is the item's most informative clause (the one
naming an entity and a release verb), lightly trimmed; the summary is its first one or two
informative sentences. Nothing is generated that the speaker did not say.

Category taxonomy (``CATEGORIES``; Chinese names for zh, English for other languages):

======================  ========================  =================================================
zh                      en                        what goes there
======================  ========================  =================================================
基础模型                Foundation models         new / updated LLMs, reasoning models, benchmarks
多模态                  Multimodal                image, video, speech, world models
智能体                  Agents                    agents, tool use, coding assistants
开源生态                Open source               open weights, open-source releases, Hugging Face
硬件与算力              Hardware & compute        chips, GPUs, data centres, inference speed
产业与资本              Industry & business       funding, prices, revenue, acquisitions, partners
安全与治理              Safety & policy           safety, alignment, regulation, copyright, privacy
研究                    Research                  papers, labs, methods, self-supervised training
应用                    Applications              products for end users: apps, browsers, medicine
其他                    Other                     nothing above matched
======================  ========================  =================================================

Intro and outro items get the category ``节目`` / ``Show``.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections import Counter
from typing import Any, Optional, Sequence

from audio2digest.types import Digest, Entity, Item, Transcript

logger = logging.getLogger("audio2digest.text.digest")

__all__ = [
    "CATEGORIES",
    "build_digest",
    "enrich_item",
    "headline",
    "summarize",
    "categorize",
    "keywords",
]

# (zh, en, keywords). Keywords are matched case-insensitively as substrings; first match
# count wins, ties go to the earlier category.
CATEGORIES: list[tuple[str, str, tuple[str, ...]]] = [
    ("基础模型", "Foundation models", (
        "大模型", "语言模型", "推理模型", "基础模型", "参数", "基准", "benchmark", "llm", "gpt",
        "claude", "gemini", "llama", "qwen", "deepseek", "reasoning model", "language model",
        "混合专家", "moe", "上下文", "context", "思考模式", "thinking",
    )),
    ("多模态", "Multimodal", (
        "多模态", "视频生成", "图像生成", "视频", "图像", "语音", "视觉", "world model", "世界模型",
        "multimodal", "video", "image", "speech", "voice", "vision", "sora", "可灵", "frames per second",
    )),
    ("智能体", "Agents", (
        "智能体", "agent", "工具调用", "调用工具", "工具", "自主编程", "编程", "coding", "tool use",
        "tools", "assistant", "助手", "computer use",
    )),
    ("开源生态", "Open source", (
        "开源", "open source", "open-source", "open weights", "开放权重", "hugging face", "github",
        "apache", "mit license", "权重",
    )),
    ("硬件与算力", "Hardware & compute", (
        "芯片", "gpu", "算力", "英伟达", "nvidia", "数据中心", "data center", "超算", "机柜", "hardware",
        "硬件", "chip", "inference speed", "tokens per second", "cerebras", "tpu", "服务器", "blackwell",
    )),
    ("产业与资本", "Industry & business", (
        "融资", "估值", "收购", "上市", "营收", "价格", "降价", "商业化", "合作", "投资", "funding",
        "valuation", "acquisition", "acquire", "revenue", "pricing", "price", "partnership", "ipo",
        "raised", "billion",
    )),
    ("安全与治理", "Safety & policy", (
        "安全", "监管", "治理", "对齐", "偏见", "隐私", "版权", "法规", "伦理", "safety", "regulation",
        "policy", "alignment", "bias", "privacy", "copyright", "law", "ethics",
    )),
    ("研究", "Research", (
        "研究", "论文", "实验室", "自监督", "训练", "算法", "架构", "research", "paper", "lab",
        "researchers", "self-supervised", "training", "architecture", "arxiv",
    )),
    ("应用", "Applications", (
        "应用", "产品", "用户", "社交", "浏览器", "医疗", "金融", "教育", "app", "browser", "users",
        "product", "launch", "healthcare", "education", "finance", "consumer",
    )),
]
OTHER = ("其他", "Other")
SHOW = ("节目", "Show")

_RELEASE_VERBS = re.compile(
    r"(发布|推出|开源|上线|宣布|升级|更新|亮相|公布|推送|收购|融资|开放|launch|release|announce|"
    r"open-sourc|unveil|introduc|ship|acquir|raise|open(?:s|ed)? a)",
    re.I,
)
_LEAD_CUES_ZH = re.compile(
    r"^(?:首先来看|首先是|首先|接下来来看|接下来是|接下来|接着|下面来看|下面|再来看|再看|来看|另外|此外|"
    r"还有一条|另一条|最后是|最后|其次|然后是|[\u4e00-\u9fffA-Za-z]{1,6}方面[，,、 ]?|"
    r"据悉[，,]?|据报道[，,]?|本周[，,]?|今天[，,]?|近日[，,]?)"
)
_LEAD_CUES_EN = re.compile(
    r"^(?:next up,?|next,?|in other news,?|moving on,?|finally,?|first up,?|first,?|meanwhile,?|"
    r"elsewhere,?|also,?|and finally,?|in [a-z]+ news,?|lastly,?|over at)\s*",
    re.I,
)
_FILLER_ZH = re.compile(r"(?<=[\u4e00-\u9fffA-Za-z0-9])(了|正式|今天|日前|近日|本周|已经)(?=[\u4e00-\u9fffA-Za-z0-9])")

ZH_TITLE_MAX = 30
EN_TITLE_MAX = 80


def _cjk(text: str, language: Optional[str] = None) -> bool:
    from audio2digest.text.segment import is_cjk_language

    return is_cjk_language(language, text)


def _sentences(text: str, cjk: bool) -> list[str]:
    from audio2digest.text.segment import _split_sentences

    return [text[s:e].strip() for s, e, _ in _split_sentences(text, cjk) if text[s:e].strip()]


def _clauses(sentence: str, cjk: bool) -> list[str]:
    parts = re.split(r"[，,；;：:]" if cjk else r"(?<=[;:])\s+|,\s+(?=(?:and |but |with |while ))", sentence)
    return [p.strip() for p in parts if p and p.strip()]


def _plain(text: str) -> str:
    """Text without Markdown markup (headings, list markers, emphasis, links)."""
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    t = re.sub(r"(?m)^\s{0,3}#{1,6}\s+", "", t)
    t = re.sub(r"(?m)^\s*(?:[-*+•]|\d{1,2}[.)])\s+", "", t)
    t = re.sub(r"(\*\*|__|`)", "", t)
    return t.strip()


def _en_prefix(sentence: str, limit: int) -> str:
    """The longest start of an English sentence that ends at a clause edge and fits
    ``limit`` ("Perplexity launched Comet, a web browser with an assistant built in")."""
    s = sentence.rstrip(".!? ")
    if len(s) <= limit:
        return s
    best = ""
    for m in re.finditer(r",\s+|;\s+|\s+[—–]\s+|\s+-\s+", s):
        if m.start() <= limit:
            best = s[: m.start()]
    return best or s


def _strip_lead(text: str, cjk: bool) -> str:
    t = text.strip()
    for _ in range(2):
        t2 = (_LEAD_CUES_ZH.sub("", t) if cjk else _LEAD_CUES_EN.sub("", t)).strip(" ，,、")
        if t2 == t:
            break
        t = t2
    if not cjk and t[:1].islower():
        t = t[:1].upper() + t[1:]
    return t


def _truncate(text: str, limit: int, cjk: bool) -> str:
    if len(text) <= limit:
        return text
    if cjk:
        # cut at a word boundary (jieba) without splitting a Latin name
        try:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            out = ""
            for w in jieba.cut(text):
                if len(out) + len(w) > limit - 1:
                    break
                out += w
        except Exception:  # pragma: no cover - jieba is a dependency
            out = text[: limit - 1]
        out = out or text[: limit - 1]
        return out.rstrip("，,、 的和与及") + "…"
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-") + "…"


def headline(
    text: str,
    *,
    cjk: Optional[bool] = None,
    entities: Sequence[Entity] = (),
    language: Optional[str] = None,
) -> str:
    """An extractive headline: ≤ 30 characters for Chinese, ≤ 80 for other languages.

    The clause that names an entity and a release verb wins ("DeepSeek发布了新一代推理模型
    DeepSeek-R2" → "DeepSeek发布新一代推理模型DeepSeek-R2"); lead-in cues ("首先来看", "In
    other news,") and fillers (了, 正式) are dropped.
    """
    text = (text or "").strip()
    if not text:
        return ""
    if cjk is None:
        cjk = _cjk(text, language)
    limit = ZH_TITLE_MAX if cjk else EN_TITLE_MAX
    first = text.splitlines()[0] if text else ""
    m = re.match(r"^\s{0,3}#{1,6}\s+(.*)$", first)
    if m:  # a Markdown section: its heading is the author's own headline
        title = re.sub(r"^(?:\d{1,2}[.)、]\s*|[一二三四五六七八九十]+[、.]\s*)", "", _plain(m.group(1)))
        if title:
            return _truncate(title, limit, cjk)
    text = _plain(text)
    names = [e.term for e in entities]
    best, best_score = "", -1e9
    sentences = _sentences(text, cjk)[:4]
    pos = 0
    for si, sent in enumerate(sentences):
        clauses = _clauses(sent, cjk) if cjk else [_en_prefix(_strip_lead(sent, False), limit)]
        cands = [(c, 0, k) for k, c in enumerate(clauses)]
        if cjk:
            # fragments cut at pauses ("N-floppyc，发布，Claude Sonnet 4.5"): also try joining
            # a short clause with its neighbours
            for k in range(len(clauses)):
                joined = clauses[k]
                for m in range(k + 1, min(k + 3, len(clauses))):
                    if min(len(clauses[m - 1]), len(clauses[m])) >= 8:
                        break
                    sep = " " if joined[-1:].isascii() and clauses[m][:1].isascii() else ""
                    joined = joined + sep + clauses[m]
                    if len(joined) > limit:
                        break
                    cands.append((joined, m - k, k))
        for clause, joins, k in cands:
            c = _strip_lead(clause.rstrip("。！？!?.；;"), cjk)
            if not c:
                continue
            score = -0.1 * joins
            if any(n and n.lower() in c.lower() for n in names):
                score += 2.0
            elif re.search(r"[A-Z][A-Za-z0-9]", c):
                score += 1.0
            verb = _RELEASE_VERBS.search(c)
            if verb:
                score += 2.0
                if len(c) - verb.end() >= 2:
                    score += 0.5  # the verb has an object: "发布Claude Sonnet 4.5", not "发布"
            size = len(c)
            if cjk:
                if size < 6:
                    score -= 2.0
                elif size > 40:
                    score -= 0.5
            elif size < 20:
                score -= 1.5
            score -= 0.35 * (pos + k)  # earlier is better
            if score > best_score:
                best, best_score = c, score
        pos += len(clauses)
    if not best:
        best = _strip_lead(text, cjk)
    if cjk:
        best = _FILLER_ZH.sub("", best)
        best = re.sub(r"\s+", " ", best).strip()
    return _truncate(best, limit, cjk)


def summarize(text: str, *, cjk: Optional[bool] = None, language: Optional[str] = None,
              max_sentences: int = 2) -> str:
    """One or two informative sentences from the item (a short lead-in sentence such as
    "首先来看深度求索。" is skipped when more follows)."""
    text = (text or "").strip()
    if not text:
        return ""
    if cjk is None:
        cjk = _cjk(text, language)
    lines = text.splitlines()
    if lines and re.match(r"^\s{0,3}#{1,6}\s", lines[0]):
        text = "\n".join(lines[1:])  # the section heading is the title, not the summary
    text = _plain(text)
    sents = _sentences(text, cjk)
    if len(sents) > 1 and len(_strip_lead(sents[0], cjk)) < (12 if cjk else 30):
        sents = sents[1:]
    cap = 90 if cjk else 300
    out: list[str] = []
    size = 0
    for s in sents[:max_sentences]:
        if out and size + len(s) > cap:
            break
        if not out and len(s) > cap:
            # one long sentence: keep whole clauses up to the cap
            clauses = re.split(r"(?<=[，,；;：:])" if cjk else r"(?<=[,;:])\s+", s)
            kept = ""
            for c in clauses:
                if kept and len(kept) + len(c) > cap:
                    break
                kept += c if cjk else ((" " if kept else "") + c)
            s = kept.rstrip("，,；;：: ")
            s = _truncate(s, cap, cjk) if len(s) > cap else s + ("。" if cjk else ".")
            out.append(s)
            break
        out.append(s)
        size += len(s)
    return ("" if cjk else " ").join(out)


def categorize(text: str, entities: Sequence[Entity] = (), *, cjk: Optional[bool] = None,
               kind: str = "news", language: Optional[str] = None) -> str:
    """The item's category from :data:`CATEGORIES` (keyword votes; the title counts double
    through the caller repeating it)."""
    if cjk is None:
        cjk = _cjk(text, language)
    if kind in ("intro", "outro"):
        return SHOW[0] if cjk else SHOW[1]
    low = (text + " " + " ".join(e.term for e in entities)).lower()
    best, best_n = None, 0
    for zh, en, kws in CATEGORIES:
        n = sum(low.count(k) for k in kws)
        if n > best_n:
            best, best_n = (zh, en), n
    if best is None:
        best = OTHER
    return best[0] if cjk else best[1]


_EN_KW_STOP = set(
    """a an the and or but if of in on at to for from by with as is are was were be been has have
    had it its this that these those he she they we you i our their his her will would can could
    about into over under than then so not no yes more most very just also all any some such which
    who what when where why how there here up out new says said one two three four five six seven
    eight nine ten first second week weeks year years many several including can the user users
    company""".split()
)


@functools.lru_cache(maxsize=1)
def _keyword_base():
    """jieba's TF-IDF extractor and main dictionary, loaded once and never modified."""
    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()
    from audio2digest.text.segment import _BUILTIN_ENTITIES_ZH

    builtin = {n for names in _BUILTIN_ENTITIES_ZH.values() for n in names}
    return jieba.analyse.default_tfidf, jieba.dt, _overlay(builtin, jieba.dt.FREQ)


def prepare() -> None:
    """Load jieba's dictionary and IDF table now (~2 s) rather than at the first digest."""
    _keyword_base()


def _overlay(words, base_freq) -> dict:
    """The entries ``Tokenizer.add_word`` would make (word and its prefixes), as a new dict."""
    out: dict[str, int] = {}
    for w in words:
        if len(w) < 2:
            continue
        out[w] = 20000
        for i in range(1, len(w)):
            if w[:i] not in base_freq and w[:i] not in out:
                out[w[:i]] = 0
    return out


def _tfidf(entity_terms=()):
    """A TF-IDF extractor whose tokenizer keeps entity names whole.

    The names go into a per-call overlay over jieba's shared dictionary, so keywords depend
    only on the text and its entities, never on what was processed before in this process.
    """
    import collections

    import jieba

    default, dt, builtin = _keyword_base()
    words = {**builtin, **_overlay(entity_terms, dt.FREQ)}
    tok = jieba.Tokenizer()
    tok.FREQ = collections.ChainMap(words, dt.FREQ)
    tok.total = dt.total + sum(words.values())
    tok.initialized = True
    extractor = copy.copy(default)
    extractor.tokenizer = tok
    return extractor


def keywords(text: str, *, cjk: Optional[bool] = None, top: int = 5,
             language: Optional[str] = None, entities: Sequence[Entity] = ()) -> list[str]:
    """Up to ``top`` keywords: jieba TF-IDF for Chinese (entity names kept whole), term
    frequency for English."""
    text = (text or "").strip()
    if not text:
        return []
    if cjk is None:
        cjk = _cjk(text, language)
    if cjk:
        tfidf = _tfidf(tuple(e.term for e in entities))
        try:
            tags = tfidf.extract_tags(text, topK=top * 2)
        except Exception as exc:  # pragma: no cover
            logger.warning("keyword extraction failed: %s", exc)
            return []
        out = [t for t in tags if len(t) > 1 and not t.isdigit()]
        return out[:top]
    words = re.findall(r"[A-Za-z][A-Za-z0-9\-]+", text)
    counts: Counter = Counter()
    first: dict[str, int] = {}
    for i, w in enumerate(words):
        lw = w.lower()
        if lw in _EN_KW_STOP or len(lw) < 3:
            continue
        counts[lw] += 1
        first.setdefault(lw, i)
    ranked = sorted(counts, key=lambda w: (-counts[w], first[w]))
    return ranked[:top]


def enrich_item(item: Item, glossary: Any = None, *, cjk: Optional[bool] = None,
                language: Optional[str] = None) -> Item:
    """Fill in title, summary, entities, category and keywords of ``item`` from its text."""
    from dataclasses import replace

    from audio2digest.text.segment import find_entities

    text = item.text.strip()
    if cjk is None:
        cjk = _cjk(text, language)
    ents = tuple(item.entities) or tuple(find_entities(text, glossary))
    title = item.title or headline(text, cjk=cjk, entities=ents)
    return replace(
        item,
        title=title,
        summary=item.summary or summarize(text, cjk=cjk),
        entities=ents,
        category=item.category or categorize(title + " " + text, ents, cjk=cjk, kind=item.kind),
        keywords=tuple(item.keywords) or tuple(keywords(text, cjk=cjk, entities=ents)),
    )


def build_digest(transcript: Transcript, glossary: Any = None, *,
                 items: Optional[Sequence[Item]] = None, use_timing: bool = True) -> Digest:
    """Segment ``transcript`` (unless ``items`` are given) and describe every item.

    An empty transcript gives a digest with no items.
    """
    from audio2digest.text.segment import is_cjk_language, segment_transcript

    cjk = is_cjk_language(transcript.language, transcript.text)
    if items is None:
        items = segment_transcript(transcript, glossary, use_timing=use_timing)
    done = tuple(enrich_item(it, glossary, cjk=cjk) for it in items)
    return Digest(
        episode=transcript.episode,
        language=transcript.language,
        items=done,
        duration=transcript.duration or transcript.episode.duration,
        corrections=transcript.corrections,
        model=transcript.model,
    )
