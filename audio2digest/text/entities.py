"""Entity mentions: glossary terms when a glossary is given, plus Latin-script names and a
small built-in list of Chinese company, product and person names.

The glossary is optional and duck-typed (see :func:`find_entities`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from audio2digest.text.language import EN_STOP_CAPS, EN_STOPWORDS
from audio2digest.types import Entity

logger = logging.getLogger("audio2digest.text.entities")

__all__ = ["BUILTIN_ENTITIES_ZH", "find_entities"]

# ---------------------------------------------------------------------------------------
# Entities (optional glossary, duck-typed)

# A small built-in list so that entity change works without a glossary. Category names are
# those of audio2digest.text.glossary (org, model, product, person, ...).
BUILTIN_ENTITIES_ZH = {
    "org": [
        "深度求索",
        "月之暗面",
        "字节跳动",
        "英伟达",
        "智谱",
        "谷歌",
        "微软",
        "阿里巴巴",
        "阿里云",
        "阿里",
        "腾讯",
        "百度",
        "华为",
        "快手",
        "火山引擎",
        "小米",
        "商汤",
        "科大讯飞",
        "百川智能",
        "零一万物",
        "阶跃星辰",
        "苹果",
        "亚马逊",
        "特斯拉",
        "英特尔",
        "台积电",
        "三星",
        "高通",
        "寒武纪",
        "摩尔线程",
        "美团",
        "京东",
        "网易",
        "蚂蚁集团",
        "昆仑万维",
        "面壁智能",
        "生数科技",
        "爱诗科技",
    ],
    "product": [
        "豆包",
        "通义千问",
        "千问",
        "文心一言",
        "文心",
        "元宝",
        "混元",
        "可灵",
        "即梦",
        "海螺",
        "盘古",
        "星火",
        "天工",
    ],
    "person": [
        "黄仁勋",
        "奥特曼",
        "马斯克",
        "李彦宏",
        "马化腾",
        "张一鸣",
        "杨植麟",
        "梁文锋",
        "扎克伯格",
        "苏姿丰",
        "雷军",
    ],
}
_LATIN_NAME = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z][A-Za-z0-9]*|[a-z]+[A-Z][A-Za-z0-9]*|[0-9]+[A-Za-z][A-Za-z0-9]*)"
    r"(?:[-.][A-Za-z0-9]+)*"
    r"(?:[ ](?:[A-Z0-9][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*))*"
)
#: Names also never start with a greeting, a day, a number word or a title.
_EN_STOP_CAPS = EN_STOP_CAPS | frozenset(
    (
        "Hello Welcome Links See Thanks Thank Researchers Users Developers Today Yesterday "
        "Tomorrow Monday Tuesday Wednesday Thursday Friday Saturday Sunday After Before Three Four "
        "Five Six Seven Eight Nine Ten That's It's Let's Over Under Elsewhere Moving Turning First "
        "Lastly Last Speaking Mr Mrs Ms Dr Episode Part Chapter Season"
    ).split()
)
_ACRONYM_STOP = {"AI", "OK", "API", "CEO", "CTO", "PDF", "URL", "TV", "AM", "PM"}
#: Capitalised because English capitalises nationalities and languages, not because they name
#: anything ("a French lab", "Chinese models"): never an entity on their own.
_DEMONYMS = frozenset(
    (
        "French Chinese English American European German Japanese Korean British Indian Russian "
        "Spanish Italian Canadian Australian Israeli Swiss Dutch Swedish Taiwanese Asian African"
    ).split()
)

#: Common English words that English capitalises only because they start a sentence
#: ("Furthermore, …", "However the …", "Supports …"): not names when every capitalised use of
#: them in the text starts a sentence (:func:`_sentence_initial_only`). Hand-made: discourse
#: adverbs, conjunctions and prepositions, determiners, auxiliaries, and the verbs and
#: adjectives found opening sentences of segcorpus's English digests ("Check", "Supports",
#: "Pretty"), which were tagged there 30–120 times each. No nouns: a noun can name a product
#: (Comet, Genie, Cursor, Notion, Slack), and "Go" is a language.
_LINKING_WORDS = frozenset(
    (
        # discourse and sentence adverbs
        "additionally actually afterwards again already alternatively altogether anyhow anyway "
        "apparently arguably basically besides certainly clearly consequently conversely "
        "currently definitely essentially even eventually ever finally firstly fortunately frankly "
        "furthermore generally hence honestly hopefully however importantly indeed initially "
        "instead interestingly lastly later likewise luckily maybe meanwhile moreover namely "
        "naturally nevertheless nonetheless notably obviously often originally otherwise overall "
        "perhaps possibly presently pretty previously probably quite really recently regardless "
        "secondly separately seriously similarly simply sometimes soon specifically still "
        "subsequently surprisingly thankfully therefore thirdly though thus typically ultimately "
        "undoubtedly unfortunately usually well yet "
        # conjunctions and prepositions
        "after along although amid among around because before beyond despite during except "
        "following given including like once plus regarding since through throughout unless "
        "unlike until upon whereas whether while within without according"
    ).split()
)
#: Of those, the words that may open a multi-word name are not stripped from one ("New
#: York", "Will Smith", "Best Buy", "Check Point"): only a linking word is ("Moreover Google").
#: An opener in a verb's -s or -ing form ("Supports Kubernetes", "Using Redis") starts no name.
_VERB_FORM = re.compile(r"^[A-Z][a-z]+(?:s|ing)$")
_COMMON_OPENERS = (
    EN_STOPWORDS
    | _LINKING_WORDS
    | frozenset(
        (
            # determiners and pronouns
            "another both each either every everyone everything few many much neither none nothing "
            "other others several someone something anyone anything whatever "
            # auxiliaries and the verbs and adjectives that open digest sentences
            "did do does don may might must should being let lets please "
            "add adds allows based brings built building check click come comes find gives includes "
            "introduces imagine join learn looking looks makes note offers provides read remember "
            "say see share shows starting stop submit supports takes think try turns use uses using "
            "want wanna write big good great best better right sure true"
        ).split()
    )
)
#: What may stand between a sentence's end (or a line break) and its first word.
_BEFORE_SENTENCE = " \t\r\"'“”‘’([*•-"
_SENTENCE_END = ".!?…。！？"


def _starts_sentence(text: str, pos: int) -> bool:
    """Whether ``text[pos:]`` begins a sentence: at the start, after a line break, or after
    sentence-final punctuation (quotes, brackets and bullets between them allowed)."""
    i = pos - 1
    while i >= 0 and text[i] in _BEFORE_SENTENCE:
        i -= 1
    return i < 0 or text[i] == "\n" or text[i] in _SENTENCE_END


def _sentence_initial_only(word: str, text: str, cache: dict[str, bool]) -> bool:
    """Whether ``word`` is a common English word ("However") that ``text`` capitalises only
    where a sentence starts: then it is capitalised for the sentence, not as a name. A
    capitalised use inside a sentence ("the However app") keeps it a possible name."""
    if not (word[:1].isupper() and word[1:].islower()) or word.lower() not in _COMMON_OPENERS:
        return False
    if word not in cache:
        uses = re.finditer(rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])", text)
        cache[word] = all(_starts_sentence(text, m.start()) for m in uses)
    return cache[word]


def _norm_entity(obj: Any) -> Entity | None:
    if obj is None:
        return None
    if isinstance(obj, Entity):
        return obj
    if isinstance(obj, str):
        return Entity(obj) if obj.strip() else None
    if isinstance(obj, dict):
        term = obj.get("term") or obj.get("canonical") or obj.get("name") or obj.get("after")
        return Entity(str(term), str(obj.get("category") or "")) if term else None
    if isinstance(obj, (tuple, list)) and obj:
        return Entity(str(obj[0]), str(obj[1]) if len(obj) > 1 and isinstance(obj[1], str) else "")
    term = None
    for attr in ("term", "canonical", "name", "after"):
        val = getattr(obj, attr, None)
        if isinstance(val, str) and val:
            term = val
            break
        if val is not None and hasattr(val, "term"):  # a match object holding a Term
            inner = _norm_entity(val)
            if inner:
                return inner
    if term is None:
        return None
    cat = getattr(obj, "category", "") or ""
    return Entity(term, str(cat))


def _glossary_terms(glossary: Any) -> list[tuple[str, list[str], str]]:
    """(term, aliases, category) from a glossary-like object that only lists its terms."""
    out: list[tuple[str, list[str], str]] = []
    terms = getattr(glossary, "terms", glossary)
    if isinstance(terms, dict):
        terms = [
            {"term": k, **(v if isinstance(v, dict) else {"category": v if isinstance(v, str) else ""})}
            for k, v in terms.items()
        ]
    try:
        it = list(terms)
    except TypeError:
        return out
    for t in it:
        if isinstance(t, str):
            out.append((t, [], ""))
            continue
        if isinstance(t, dict):
            term = t.get("term") or t.get("canonical") or t.get("name")
            aliases = t.get("aliases") or []
            cat = t.get("category") or ""
        else:
            term = getattr(t, "term", None) or getattr(t, "canonical", None) or getattr(t, "name", None)
            # audio2digest.text.glossary.Term: ``forms`` are the correct spellings (term + variants);
            # aliases are misrecognitions the corrector has already replaced.
            forms = getattr(t, "forms", None)
            aliases = [f for f in forms if f != term] if forms else (getattr(t, "aliases", ()) or ())
            cat = getattr(t, "category", "") or ""
        if term:
            out.append((str(term), [str(a) for a in aliases], str(cat)))
    return out


def _builtin_entities(text: str) -> list[Entity]:
    found: list[tuple[int, Entity]] = []
    for cat, names in BUILTIN_ENTITIES_ZH.items():
        for name in names:
            pos = text.find(name)
            if pos >= 0:
                found.append((pos, Entity(name, cat)))
    openers: dict[str, bool] = {}
    for m in _LATIN_NAME.finditer(text):
        name = m.group(0).strip(" .-")
        words = name.split(" ")
        while words and (
            words[0] in _EN_STOP_CAPS
            or (
                (len(words) == 1 or words[0].lower() in _LINKING_WORDS or _VERB_FORM.search(words[0]))
                and _sentence_initial_only(words[0], text, openers)
            )
        ):
            words.pop(0)
        name = " ".join(words)
        if not name or name in _ACRONYM_STOP or name in _DEMONYMS or len(name) < 2:
            continue
        if name.isdigit() or re.fullmatch(r"[0-9.]+[A-Za-z]?", name):
            continue
        found.append((m.start(), Entity(name, "")))
    found.sort(key=lambda p: p[0])
    return [e for _, e in found]


class _TermMatcher:
    """All forms of a term list in two compiled patterns (Latin forms case-insensitive on word
    edges, others literal), longest form first, so a unit is scanned once."""

    def __init__(self, terms: list[tuple[str, list[str], str]]):
        self.by_form: dict[str, Entity] = {}
        latin: list[str] = []
        other: list[str] = []
        for term, aliases, cat in terms:
            for form in [term, *aliases]:
                if not form or not form.strip():
                    continue
                key = form.lower() if form.isascii() else form
                if key in self.by_form:
                    continue
                # A Latin-script mention of a term written in Chinese is named as the text
                # names it: an English episode lists "reasoning model", not 推理模型.
                name = form if form.isascii() and not term.isascii() else term
                self.by_form[key] = Entity(name, cat)
                (latin if form.isascii() else other).append(form)
        self.latin = self._compile(latin, r"(?<![A-Za-z0-9])(?:{})(?![A-Za-z0-9])", re.IGNORECASE)
        self.other = self._compile(other, r"(?:{})", 0)

    @staticmethod
    def _compile(forms: list[str], wrap: str, flags: int):
        if not forms:
            return None
        alts = "|".join(re.escape(f) for f in sorted(set(forms), key=len, reverse=True))
        return re.compile(wrap.format(alts), flags)

    def find(self, text: str) -> list[Entity]:
        found: list[tuple[int, Entity]] = []
        for pat, fold in ((self.latin, True), (self.other, False)):
            if pat is None:
                continue
            for m in pat.finditer(text):
                e = self.by_form.get(m.group(0).lower() if fold else m.group(0))
                if e is not None:
                    found.append((m.start(), e))
        found.sort(key=lambda p: p[0])
        return [e for _, e in found]


_MATCHERS: dict[int, tuple[Any, _TermMatcher]] = {}


def _matcher(glossary: Any) -> _TermMatcher:
    """The matcher for ``glossary``, built once per glossary object (kept while cached)."""
    key = id(glossary)
    hit = _MATCHERS.get(key)
    if hit is not None and hit[0] is glossary:
        return hit[1]
    m = _TermMatcher(_glossary_terms(glossary))
    try:
        hash(glossary)
    except TypeError:  # a plain list or dict: may change between calls, do not cache
        return m
    if len(_MATCHERS) >= 8:
        _MATCHERS.pop(next(iter(_MATCHERS)))
    _MATCHERS[key] = (glossary, m)
    return m


def find_entities(text: str, glossary: Any = None) -> list[Entity]:
    """Entities mentioned in ``text``, first mention first, without duplicates.

    ``glossary`` is optional and duck-typed; the first that applies is used:
    a callable ``glossary(text)``; ``glossary.find_entities(text)``; ``glossary.find(text)``
    (results may be :class:`Entity`, objects/dicts with ``term``/``category``, tuples or
    strings); or an iterable/``.terms`` of terms (strings, dicts or objects with ``term``,
    ``aliases``, ``category``) searched as substrings. Without a glossary, or in addition to
    its hits, Latin-script names and a small built-in list of Chinese company/product/person
    names are found.
    """
    if not text:
        return []
    hits: list[Entity] = []
    if glossary is not None:
        try:
            if hasattr(glossary, "find_entities"):
                raw = glossary.find_entities(text)
            elif hasattr(glossary, "find"):
                raw = glossary.find(text)
            elif callable(glossary):
                raw = glossary(text)
            else:
                raw = None
                hits.extend(_matcher(glossary).find(text))
            if raw is not None:
                hits.extend(e for e in (_norm_entity(r) for r in raw) if e)
        except Exception as exc:  # a glossary that misbehaves must not stop segmentation
            logger.warning("glossary lookup failed (%s); using built-in entity finder", exc)
    known = {e.term.lower() for e in hits}
    for e in _builtin_entities(text):
        low = e.term.lower()
        # skip heuristic names that are part of a glossary term ("Claude" inside "Claude Code")
        if low in known or any(low in k or k in low for k in known if e.category == ""):
            continue
        hits.append(e)
        known.add(low)
    seen: set[str] = set()
    out = []
    for e in hits:
        key = e.term.lower()
        if key not in seen:
            seen.add(key)
            out.append(e)
    # "Claude" found only inside "Claude Code" is not a separate mention
    low = text.lower()
    nested = set()
    for e in out:
        t = e.term.lower()
        longer = [o.term.lower() for o in out if o.term.lower() != t and t in o.term.lower()]
        if longer and low.count(t) <= sum(low.count(o) * o.count(t) for o in longer):
            nested.add(t)
    return [e for e in out if e.term.lower() not in nested]
