"""Per-item headline, summary, entities, category and keywords; :func:`build_digest`.

Everything here is extractive: the headline is one of the item's clauses, compressed by whole
phrases and chosen by a fitted model (:mod:`audio2digest.text.headline`); the summary is its
first one or two sentences that are news on their own. Nothing is generated that the speaker
did not say.

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
import importlib
import logging
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from audio2digest.text.chinese_words import jieba_module
from audio2digest.text.entities import BUILTIN_ENTITIES_ZH, find_entities
from audio2digest.text.headline import EN_TITLE_MAX, ZH_TITLE_MAX, headline, summarize
from audio2digest.text.language import EN_STOPWORDS, has_cjk, is_cjk_language
from audio2digest.text.organisations import with_organisations
from audio2digest.text.segment import segment_transcript
from audio2digest.types import Digest, Entity, Item, Transcript

logger = logging.getLogger("audio2digest.text.digest")

__all__ = [
    "CATEGORIES",
    "EN_TITLE_MAX",
    "ZH_TITLE_MAX",
    "build_digest",
    "categorize",
    "enrich_item",
    "headline",
    "keywords",
    "summarize",
]

# (zh, en, keywords). Keywords are matched case-insensitively as substrings; first match
# count wins, ties go to the earlier category.
CATEGORIES: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "基础模型",
        "Foundation models",
        (
            "大模型",
            "语言模型",
            "推理模型",
            "基础模型",
            "参数",
            "基准",
            "benchmark",
            "llm",
            "gpt",
            "claude",
            "gemini",
            "llama",
            "qwen",
            "deepseek",
            "reasoning model",
            "language model",
            "混合专家",
            "moe",
            "上下文",
            "context",
            "思考模式",
            "thinking",
        ),
    ),
    (
        "多模态",
        "Multimodal",
        (
            "多模态",
            "视频生成",
            "图像生成",
            "视频",
            "图像",
            "语音",
            "视觉",
            "world model",
            "世界模型",
            "multimodal",
            "video",
            "image",
            "speech",
            "voice",
            "vision",
            "sora",
            "可灵",
            "frames per second",
        ),
    ),
    (
        "智能体",
        "Agents",
        (
            "智能体",
            "agent",
            "工具调用",
            "调用工具",
            "工具",
            "自主编程",
            "编程",
            "coding",
            "tool use",
            "tools",
            "assistant",
            "助手",
            "computer use",
        ),
    ),
    (
        "开源生态",
        "Open source",
        (
            "开源",
            "open source",
            "open-source",
            "open weights",
            "开放权重",
            "hugging face",
            "github",
            "apache",
            "mit license",
            "权重",
        ),
    ),
    (
        "硬件与算力",
        "Hardware & compute",
        (
            "芯片",
            "gpu",
            "算力",
            "英伟达",
            "nvidia",
            "数据中心",
            "data center",
            "超算",
            "机柜",
            "hardware",
            "硬件",
            "chip",
            "inference speed",
            "tokens per second",
            "cerebras",
            "tpu",
            "服务器",
            "blackwell",
        ),
    ),
    (
        "产业与资本",
        "Industry & business",
        (
            "融资",
            "估值",
            "收购",
            "上市",
            "营收",
            "价格",
            "降价",
            "商业化",
            "合作",
            "投资",
            "funding",
            "valuation",
            "acquisition",
            "acquire",
            "revenue",
            "pricing",
            "price",
            "partnership",
            "ipo",
            "raised",
            "billion",
        ),
    ),
    (
        "安全与治理",
        "Safety & policy",
        (
            "安全",
            "监管",
            "治理",
            "对齐",
            "偏见",
            "隐私",
            "版权",
            "法规",
            "伦理",
            "safety",
            "regulation",
            "policy",
            "alignment",
            "bias",
            "privacy",
            "copyright",
            "law",
            "ethics",
        ),
    ),
    (
        "研究",
        "Research",
        (
            "研究",
            "论文",
            "实验室",
            "自监督",
            "训练",
            "算法",
            "架构",
            "research",
            "paper",
            "lab",
            "researchers",
            "self-supervised",
            "training",
            "architecture",
            "arxiv",
        ),
    ),
    (
        "应用",
        "Applications",
        (
            "应用",
            "产品",
            "用户",
            "社交",
            "浏览器",
            "医疗",
            "金融",
            "教育",
            "app",
            "browser",
            "users",
            "product",
            "launch",
            "healthcare",
            "education",
            "finance",
            "consumer",
        ),
    ),
]
OTHER = ("其他", "Other")
SHOW = ("节目", "Show")


def _cjk(text: str, language: str | None = None) -> bool:
    return is_cjk_language(language, text)


def categorize(
    text: str,
    entities: Sequence[Entity] = (),
    *,
    cjk: bool | None = None,
    kind: str = "news",
    language: str | None = None,
) -> str:
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


#: Keywords also skip counts, time words and generic nouns.
_EN_KW_STOP = EN_STOPWORDS | frozenset(
    (
        "three four five six seven eight nine ten first second week weeks year years many several "
        "including user users company your yours my me us them others other another do does did "
        "done may might must should shall only each both every own same now"
    ).split()
)


@functools.lru_cache(maxsize=1)
def _keyword_base():
    """jieba's TF-IDF extractor and main dictionary, loaded once and never modified."""
    jieba = jieba_module()
    analyse = importlib.import_module("jieba.analyse")
    builtin = {n for names in BUILTIN_ENTITIES_ZH.values() for n in names}
    return analyse.default_tfidf, jieba.dt, _overlay(builtin, jieba.dt.FREQ)


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

    jieba = jieba_module()
    default, dt, builtin = _keyword_base()
    words = {**builtin, **_overlay(entity_terms, dt.FREQ)}
    tok = jieba.Tokenizer()
    tok.FREQ = collections.ChainMap(words, dt.FREQ)
    tok.total = dt.total + sum(words.values())
    tok.initialized = True
    extractor = copy.copy(default)
    extractor.tokenizer = tok
    return extractor


def keywords(
    text: str,
    *,
    cjk: bool | None = None,
    top: int = 5,
    language: str | None = None,
    entities: Sequence[Entity] = (),
) -> list[str]:
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


def enrich_item(
    item: Item, glossary: Any = None, *, cjk: bool | None = None, language: str | None = None
) -> Item:
    """Fill in title, summary, entities, category and keywords of ``item`` from its text."""
    from dataclasses import replace

    text = item.text.strip()
    if cjk is None:
        cjk = _cjk(text, language)
    elif cjk and not has_cjk(text):
        cjk = False  # an English story in a Chinese roundup gets an English headline
    ents = with_organisations(tuple(item.entities) or tuple(find_entities(text, glossary)), glossary)
    title = item.title or headline(text, cjk=cjk, entities=ents)
    return replace(
        item,
        title=title,
        summary=item.summary or summarize(text, cjk=cjk),
        entities=ents,
        category=item.category or categorize(title + " " + text, ents, cjk=cjk, kind=item.kind),
        keywords=tuple(item.keywords) or tuple(keywords(text, cjk=cjk, entities=ents)),
    )


def build_digest(
    transcript: Transcript,
    glossary: Any = None,
    *,
    items: Sequence[Item] | None = None,
    use_timing: bool = True,
) -> Digest:
    """Segment ``transcript`` (unless ``items`` are given) and describe every item.

    An empty transcript gives a digest with no items.
    """

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
