"""Split a transcript (or plain text) into news items.

Spoken news gives several weak signals at every sentence boundary; none settles it alone:

* **pauses** between sentences (from word timestamps): 0.5-1.6 s between items in our dev
  episodes, ~0.15 s inside an item -- but Whisper also leaves long gaps where it dropped a
  word it could not recognise;
* **cue phrases** that open a new story (首先 / 接下来 / 另外 / 最后 / "X方面，" / "Next" /
  "In other news") or continue the current one (据悉 / 与此同时 / 官方表示 / "The company");
* **lexical cohesion**: a TextTiling-style depth score over CJK character bigrams and Latin
  words in windows left and right of the boundary;
* **entity change**: the names mentioned (glossary hits when a glossary is given, otherwise
  Latin-script names and a small built-in list) change from one story to the next;
* a **minimum item length** (seconds with timing, characters without).

Each candidate boundary gets a weighted score; boundaries are accepted greedily, best first,
when their score passes a threshold and both sides keep the minimum length. A greeting at the
start ("大家好，欢迎收听…", "Hello and welcome") and a sign-off at the end ("以上就是本期的全部
内容", "That is all for this week") become items of kind ``intro`` / ``outro``. No boundary is
placed inside an open quotation, so a quote or an inserted demo clip stays inside its item.

The glossary is optional and duck-typed (see :func:`find_entities`).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence

from audio2digest.errors import SegmentError
from audio2digest.types import Entity, Item, Transcript

logger = logging.getLogger("audio2digest.text.segment")

__all__ = [
    "SegmentOptions",
    "TEXT_OPTIONS",
    "Unit",
    "segment_transcript",
    "segment_text",
    "find_entities",
    "is_cjk_language",
]

# ---------------------------------------------------------------------------------------
# Cue phrases

# A new story starts with these (at the start of a sentence).
_NEW_CUES_ZH = re.compile(
    r"^(?:首先|第一条|第[一二三四五六七八九十]+条|接下来|接着|下面|下一条|再来看|再看|我们来看|来看|"
    r"另外|另一条|此外|还有一条|然后是|其次|最后|"
    r"在?[\u4e00-\u9fffA-Za-z]{1,6}方面[，,、 ]|"
    r"[\u4e00-\u9fff]{2,6}(?:领域|赛道)(?:方面)?[，,]|"
    r"(?:本周|今天|昨天|近日)(?:还有|的另一)|"
    r"回到|转向|说到)"
)
_NEW_CUES_EN = re.compile(
    r"^(?:next\b|next up\b|in other news\b|moving on\b|finally\b|first up\b|first\b|to start\b|"
    r"elsewhere\b|turning to\b|over at\b|our next story\b|also this week\b|and finally\b|"
    r"in (?:[a-z]+ ){0,2}news\b|meanwhile\b|lastly\b|on the [a-z]+ front\b|speaking of\b)",
    re.I,
)
# ... and these continue the current one.
_CONT_CUES_ZH = re.compile(
    r"^(?:据悉|据了解|据介绍|据报道|据称|与此同时|同时|此前|对此|该|这|其|它|他|她|并且|并|而|但|"
    r"不过|因此|所以|也|还|官方|目前|此次|这次|该公司|他们|它们|以及|比如|例如|包括|其中|"
    r"正如|换句话说|也就是说)"
)
_CONT_CUES_EN = re.compile(
    r"^(?:the company\b|the firm\b|it\b|its\b|he\b|she\b|they\b|their\b|this\b|that\b(?! is all)|"
    r"these\b|those\b|according to\b|however\b|but\b|and\b|also\b|which\b|with\b|"
    r"the (?:model|browser|app|chip|tool|system|startup|lab|team|update|release)\b|"
    r"researchers\b|users\b|developers\b)",
    re.I,
)

_INTRO = re.compile(
    r"(大家好|欢迎收听|欢迎来到|欢迎大家|各位听众|听众朋友|我是主播|我是你们的|这里是|本期节目|"
    r"今天我们来聊|今天我们聊|本期我们|\bhello\b|\bwelcome (?:to|back)\b|\bhi everyone\b|"
    r"here is what happened|here's what happened|i'?m your host|this is (?:the )?[a-z ]{0,30}(?:podcast|show|roundup))",
    re.I,
)
_OUTRO = re.compile(
    r"(以上就是|就到这里|下期再见|下次再见|感谢收听|谢谢收听|谢谢大家|我们下期|节目简介|"
    r"thanks for listening|thank you for listening|that is all\b|that's (?:it )?all\b|that's it for|"
    r"see you next|links to everything|show notes|until next time)",
    re.I,
)

_SENT_END = "。！？!?；;…"
_PUNCT = _SENT_END + "，,、：:.）)”」』》"
_ABBREV = re.compile(r"^(?:Mr|Mrs|Ms|Dr|Prof|St|Inc|Ltd|Co|vs|etc|[A-Z])\.$")
_QUOTE_OPEN = "“「『《"
_QUOTE_CLOSE = "”」』》"


def is_cjk_language(language: Optional[str], text: str = "") -> bool:
    """True for Chinese/Japanese transcripts; guesses from ``text`` when ``language`` is empty."""
    if language:
        return language.startswith(("zh", "ja", "yue"))
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return cjk >= latin / 4 and cjk > 0


# ---------------------------------------------------------------------------------------
# Entities (optional glossary, duck-typed)

# A small built-in list so that entity change works without a glossary. Category names are
# those of audio2digest.text.glossary (org, model, product, person, ...).
_BUILTIN_ENTITIES_ZH = {
    "org": (
        "深度求索 月之暗面 字节跳动 英伟达 智谱 谷歌 微软 阿里巴巴 阿里云 阿里 腾讯 百度 华为 快手 "
        "火山引擎 小米 商汤 科大讯飞 百川智能 零一万物 阶跃星辰 苹果 亚马逊 特斯拉 英特尔 台积电 "
        "三星 高通 寒武纪 摩尔线程 美团 京东 网易 蚂蚁集团 昆仑万维 面壁智能 生数科技 爱诗科技"
    ).split(),
    "product": "豆包 通义千问 千问 文心一言 文心 元宝 混元 可灵 即梦 海螺 盘古 星火 天工".split(),
    "person": "黄仁勋 奥特曼 马斯克 李彦宏 马化腾 张一鸣 杨植麟 梁文锋 扎克伯格 苏姿丰 雷军".split(),
}
_LATIN_NAME = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z][A-Za-z0-9]*|[a-z]+[A-Z][A-Za-z0-9]*|[0-9]+[A-Za-z][A-Za-z0-9]*)"
    r"(?:[-.][A-Za-z0-9]+)*"
    r"(?:[ ](?:[A-Z0-9][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*))*"
)
_EN_STOP_CAPS = set(
    """A An The And But Or If In On At Of For To From By With As It Its This That These Those
    He She They We I You Our Their His Her Here There What When Where Who Why How Hello Welcome
    Next Finally Meanwhile Also Links See Thanks Thank Researchers Users Developers Today
    Yesterday Tomorrow Monday Tuesday Wednesday Thursday Friday Saturday Sunday After Before
    Then So Yes No Not Now Some Many More Most One Two Three Four Five Six Seven Eight Nine Ten
    That's It's Let's Over Under Elsewhere Moving Turning First Lastly Last Speaking Mr Mrs Ms Dr
    Episode Part Chapter Season""".split()
)
_ACRONYM_STOP = {"AI", "OK", "API", "CEO", "CTO", "PDF", "URL", "TV", "AM", "PM"}


def _norm_entity(obj: Any) -> Optional[Entity]:
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
    out = []
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
    for cat, names in _BUILTIN_ENTITIES_ZH.items():
        for name in names:
            pos = text.find(name)
            if pos >= 0:
                found.append((pos, Entity(name, cat)))
    for m in _LATIN_NAME.finditer(text):
        name = m.group(0).strip(" .-")
        words = name.split(" ")
        while words and words[0] in _EN_STOP_CAPS:
            words.pop(0)
        name = " ".join(words)
        if not name or name in _ACRONYM_STOP or len(name) < 2:
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
        latin, other = [], []
        for term, aliases, cat in terms:
            for form in [term, *aliases]:
                if not form or not form.strip():
                    continue
                key = form.lower() if form.isascii() else form
                if key in self.by_form:
                    continue
                self.by_form[key] = Entity(term, cat)
                (latin if form.isascii() else other).append(form)
        self.latin = self._compile(latin, r"(?<![A-Za-z0-9])(?:{})(?![A-Za-z0-9])", re.I)
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


# ---------------------------------------------------------------------------------------
# Units: sentences (or pause-delimited stretches) with optional times


@dataclass
class Unit:
    """One sentence-like stretch: the smallest piece an item is built from."""

    text: str
    start: Optional[float] = None
    end: Optional[float] = None
    pause_before: float = 0.0  # seconds of silence before it (timing) or a paragraph cue (text)
    inner: bool = False  # starts inside a recogniser segment (its pause counts less)
    absorbed: bool = False  # its pause was folded into its first word by the recogniser
    entities: list[Entity] = field(default_factory=list)


@dataclass(frozen=True)
class SegmentOptions:
    """Weights and limits of the boundary scorer.

    The defaults are for timed transcripts; :data:`NO_PAUSE_OPTIONS` for a timed transcript
    with pauses ignored, :data:`TEXT_OPTIONS` for text without timing. All were chosen by grid
    search on the three dev episodes (see ``samples/eval/segments/README.md``, which also has
    leave-one-out numbers): expect worse results on new shows.
    """

    min_item_seconds: float = 8.0
    min_item_chars: int = 32  # CJK characters, or 3x this many for Latin text
    threshold: float = 1.2
    w_pause: float = 1.0
    w_cue: float = 1.3
    w_continue: float = 0.8
    w_cohesion: float = 1.3
    w_entity: float = 0.4
    w_heading: float = 0.7
    w_clip: float = 1.5  # penalty for a boundary next to a clip-like unit (see _clip_like)
    pause_floor: float = 0.35  # seconds of silence that count as nothing
    pause_full: float = 1.0  # seconds of silence that count fully
    inner_pause_weight: float = 0.6  # a pause inside one Whisper segment counts this much
    absorbed_min: float = 0.7  # a word this much longer than needed holds a pause
    absorbed_pause_weight: float = 0.8  # such a folded pause counts this much
    window_chars: int = 60  # cohesion window (CJK chars; Latin text uses 4x)
    intro_max_seconds: float = 40.0
    outro_max_seconds: float = 40.0


#: For a timed transcript segmented with ``use_timing=False`` (pauses ignored).
NO_PAUSE_OPTIONS = SegmentOptions(threshold=1.1, w_cohesion=2.0, w_entity=0.7, w_cue=1.0)
#: For plain text (:func:`segment_text`).
TEXT_OPTIONS = SegmentOptions(threshold=0.6, w_cohesion=0.7, w_entity=0.7, w_cue=1.5, w_heading=0.7,
                              min_item_chars=32, w_continue=0.8)


def _split_sentences(text: str, cjk: bool) -> list[tuple[int, int, float]]:
    """Spans (start, end, paragraph_cue) covering ``text`` exactly, one per sentence.

    Whitespace after a sentence belongs to it, so the spans concatenate to ``text``.
    ``paragraph_cue`` is 1.0 after a blank line, 0.6 after a single newline.
    """
    spans: list[tuple[int, int, float]] = []
    n = len(text)
    i = 0
    start = 0
    quote = 0
    while i < n:
        ch = text[i]
        if ch in _QUOTE_OPEN:
            quote += 1
        elif ch in _QUOTE_CLOSE:
            quote = max(0, quote - 1)
        end_here = False
        if ch == "\n":
            end_here = True
        elif ch in _SENT_END or (ch == "." and (i + 1 >= n or text[i + 1].isspace())):
            if ch == "." and not cjk:
                # "Dr. Smith", "4.5", "U.S. " -- only end when the previous token is not tiny
                prev = re.search(r"(\S+)\.$", text[start : i + 1])
                if prev and (len(prev.group(1)) <= 2 and prev.group(1)[:1].isupper()):
                    end_here = False
                else:
                    end_here = True
            else:
                end_here = True
        if end_here:
            j = i + 1
            while j < n and text[j] in _SENT_END + "”」』\"')）":
                if text[j] in _QUOTE_CLOSE:
                    quote = max(0, quote - 1)
                j += 1
            if quote and ch != "\n":
                i = j
                continue  # never end a sentence inside a quotation
            newlines = 0
            while j < n and text[j].isspace():
                newlines += text[j] == "\n"
                j += 1
            newlines += ch == "\n"
            if text[start:j].strip():
                spans.append((start, j, 1.0 if newlines >= 2 else (0.6 if newlines == 1 else 0.0)))
                start = j
            i = j
            continue
        i += 1
    if start < n:
        if text[start:].strip() or not spans:
            spans.append((start, n, 0.0))
        else:  # trailing whitespace only: glue to the last sentence
            s, _, p = spans[-1]
            spans[-1] = (s, n, p)
    # a leading whitespace-only prefix is merged into the first sentence by construction
    return spans


def _units_from_transcript(transcript: Transcript, opts: SegmentOptions) -> list[Unit]:
    cjk = is_cjk_language(transcript.language, transcript.text)
    units: list[Unit] = []
    prev_end: Optional[float] = None
    for seg in transcript.segments:
        text = seg.text.strip()
        if not text:
            continue
        pieces: list[Unit] = []
        pieces_absorbed: set[int] = set()
        words = [w for w in seg.words if w.word.strip()]
        if words:
            # Split at sentence punctuation and at pauses. Whisper often folds a pause into
            # the next word (in a long segment "小林首先[1.3 s]来看" has no gap at all): a
            # word much longer than its characters need counts as a pause before it.
            cur: list = []
            cur_start: Optional[float] = None
            for k, w in enumerate(words):
                need = _expected_duration(w.word)
                excess = (w.end - w.start) - need
                absorbed = excess >= opts.absorbed_min
                gap = (w.start - cur[-1].end) if cur else 0.0
                if cur and (gap >= opts.pause_floor + 0.15 or absorbed):
                    pieces.append(_unit_from_words(cur, cjk, cur_start))
                    cur = []
                if not cur:
                    cur_start = max(w.start, w.end - need) if absorbed else None
                    if absorbed:
                        pieces_absorbed.add(len(pieces))
                cur.append(w)
                if w.word.strip()[-1:] in _SENT_END or (
                    not cjk and w.word.strip().endswith(".") and not _ABBREV.match(w.word.strip())
                ):
                    if k + 1 < len(words):
                        pieces.append(_unit_from_words(cur, cjk, cur_start))
                        cur = []
            if cur:
                pieces.append(_unit_from_words(cur, cjk, cur_start))
            # a long last word holds the silence after it
            last = words[-1]
            need = _expected_duration(last.word)
            if (last.end - last.start) - need >= opts.absorbed_min and pieces[-1].end is not None:
                pieces[-1].end = max(pieces[-1].start or last.start, last.start + need)
            # keep the segment's own text when it was not split (it is the normalised text)
            if len(pieces) == 1:
                pieces[0].text = text
            for i_p, p in enumerate(pieces):
                if i_p in pieces_absorbed:
                    p.absorbed = True
                elif i_p > 0:
                    p.inner = True
        else:
            spans = _split_sentences(text, cjk)
            total = max(1, len(text))
            dur = max(0.0, seg.end - seg.start)
            for s, e, _ in spans:
                pieces.append(
                    Unit(
                        text=text[s:e].strip(),
                        start=seg.start + dur * s / total,
                        end=seg.start + dur * e / total,
                    )
                )
        for p in pieces:
            if not p.text:
                continue
            p.pause_before = 0.0 if prev_end is None else max(0.0, (p.start or 0.0) - prev_end)
            prev_end = p.end if p.end is not None else prev_end
            units.append(p)
    return units


def _unit_from_words(words: Sequence, cjk: bool, start: Optional[float] = None) -> Unit:
    if cjk:
        text = "".join(w.word.strip() if _is_cjk_char(w.word.strip()[:1]) else w.word for w in words)
    else:
        text = "".join(w.word for w in words)
    return Unit(text=text.strip(), start=float(words[0].start if start is None else start),
                end=float(words[-1].end))


def _expected_duration(word: str) -> float:
    """Seconds a word needs when spoken at a newsreader's pace (rough, generous)."""
    w = word.strip()
    cjk = sum(1 for ch in w if "\u3400" <= ch <= "\u9fff")
    digits = sum(ch.isdigit() for ch in w)
    latin = sum(ch.isascii() and ch.isalpha() for ch in w)
    return max(0.15, 0.22 * cjk + 0.25 * digits + 0.09 * latin)


def _is_cjk_char(ch: str) -> bool:
    return bool(ch) and ("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef")


# ---------------------------------------------------------------------------------------
# Features

_STOP_CHARS = set("的了是在和与及也都就而并把被对从为着过这那个们中上下我你他她它之其")
_EN_STOP = set(
    """a an the and or but if of in on at to for from by with as is are was were be been has have
    had it its this that these those he she they we you i our their his her will would can could
    about into over under than then so not no yes more most very just also all any some such which
    who whom what when where why how there here up out new says said one two""".split()
)


def _tokens(text: str, cjk: bool) -> Counter:
    toks: Counter = Counter()
    for w in re.findall(r"[A-Za-z][A-Za-z0-9\-]+", text):
        lw = w.lower()
        if lw in _EN_STOP or len(lw) < 3:
            continue
        if not cjk and lw.endswith("s") and len(lw) > 4:
            lw = lw[:-1]
        toks[lw] += 1
    if cjk:
        run = re.findall(r"[\u4e00-\u9fff]+", text)
        for r in run:
            for a, b in zip(r, r[1:]):
                if a in _STOP_CHARS or b in _STOP_CHARS:
                    continue
                toks[a + b] += 1
    return toks


def _cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _window(units: list[Unit], i: int, step: int, limit: int) -> list[int]:
    """Indices of units from ``i`` going ``step`` (+1/-1) until ``limit`` characters."""
    out = []
    size = 0
    j = i
    while 0 <= j < len(units) and size < limit:
        out.append(j)
        size += len(units[j].text)
        j += step
    return out


def _cohesion_depth(units: list[Unit], toks: list[Counter], limit: int) -> list[float]:
    """Depth score (TextTiling) for the boundary after each unit (last one unused)."""
    n = len(units)
    sims = []
    for i in range(n - 1):
        left = Counter()
        for j in _window(units, i, -1, limit):
            left.update(toks[j])
        right = Counter()
        for j in _window(units, i + 1, +1, limit):
            right.update(toks[j])
        sims.append(_cosine(left, right))
    depths = []
    for i, s in enumerate(sims):
        lpeak = s
        j = i
        while j - 1 >= 0 and sims[j - 1] >= lpeak:
            j -= 1
            lpeak = sims[j]
        rpeak = s
        j = i
        while j + 1 < len(sims) and sims[j + 1] >= rpeak:
            j += 1
            rpeak = sims[j]
        depths.append((lpeak - s) + (rpeak - s))
    if depths:
        top = max(depths)
        if top > 0:
            depths = [d / top for d in depths]
    return depths + [0.0]


def _cue_score(text: str, cjk: bool) -> tuple[float, float]:
    """(new-story cue, continuation cue) for a sentence that would open the next item."""
    t = text.strip().lstrip("“\"'「『（(")
    new = 1.0 if (_NEW_CUES_ZH.match(t) or _NEW_CUES_EN.match(t)) else 0.0
    cont = 1.0 if (_CONT_CUES_ZH.match(t) or _CONT_CUES_EN.match(t)) else 0.0
    if new:
        cont = 0.0
    return new, cont


def _heading_score(units: list[Unit], i: int, cjk: bool) -> float:
    """A short, title-like sentence (no comma, ends the sentence) opening unit ``i+1``."""
    t = units[i + 1].text.strip()
    if not t:
        return 0.0
    if cjk:
        core = t.rstrip(_SENT_END + "：:")
        short = len(core) <= 16 and not re.search(r"[，,、]", core)
        ends = t[-1:] in "。：:" if t else False
        nxt_long = i + 2 < len(units) and len(units[i + 2].text) > len(core)
        return 1.0 if (short and ends and nxt_long) else 0.0
    return 0.0


_CLIP_INTRO = re.compile(
    r"(演示|请听|来听|听一下|听听|原话|片段|[:：]|(?:here is|here's|listen to|take a listen|"
    r"have a listen)[^.!?]{0,40}|clip|said|says)[。.!！]?$",
    re.I,
)


def _clip_like(text: str) -> bool:
    """In a Chinese episode: a whole Latin-script sentence (>= 4 words, no CJK) -- an inserted
    demo clip or quote, not a name like "Claude Sonnet 4.5"."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return False
    return len(re.findall(r"[A-Za-z]+", text)) >= 4


def _entity_change(ents: list[list[Entity]], units: list[Unit], i: int, limit: int) -> float:
    left: set[str] = set()
    for j in _window(units, i, -1, limit):
        left.update(e.term.lower() for e in ents[j])
    right: set[str] = set()
    for j in _window(units, i + 1, +1, max(8, limit // 2)):
        right.update(e.term.lower() for e in ents[j])
    if not left and not right:
        return 0.0
    if not left or not right:
        return 0.5
    inter = len(left & right)
    return 1.0 - inter / len(left | right)


# ---------------------------------------------------------------------------------------
# The segmenter


def _length(units: list[Unit], a: int, b: int, timed: bool, cjk: bool) -> float:
    """Length of units[a:b] in seconds (timed) or in CJK-equivalent characters."""
    if b <= a:
        return 0.0
    if timed:
        return float((units[b - 1].end or 0.0) - (units[a].start or 0.0))
    chars = sum(len(u.text.strip()) for u in units[a:b])
    return chars if cjk else chars / 3.0


def _quote_open_after(units: list[Unit]) -> list[bool]:
    depth = 0
    out = []
    for u in units:
        for ch in u.text:
            if ch in _QUOTE_OPEN:
                depth += 1
            elif ch in _QUOTE_CLOSE:
                depth = max(0, depth - 1)
        out.append(depth > 0)
    return out


def _boundaries(
    units: list[Unit], glossary: Any, cjk: bool, timed: bool, opts: SegmentOptions
) -> tuple[list[int], int, int]:
    """Chosen boundaries (after unit index), and the sizes of the intro and outro."""
    n = len(units)
    if n <= 1:
        return [], 0, 0
    limit = opts.window_chars if cjk else opts.window_chars * 4
    toks = [_tokens(u.text, cjk) for u in units]
    ents = [u.entities for u in units]
    depth = _cohesion_depth(units, toks, limit)
    quote_open = _quote_open_after(units)
    min_len = opts.min_item_seconds if timed else opts.min_item_chars

    scores = []
    for i in range(n - 1):
        gap = units[i + 1].pause_before
        if timed:
            pause = min(1.0, max(0.0, (gap - opts.pause_floor) / (opts.pause_full - opts.pause_floor)))
            if units[i + 1].absorbed:
                pause *= opts.absorbed_pause_weight
            elif units[i + 1].inner:
                pause *= opts.inner_pause_weight
        else:
            pause = gap  # paragraph cue 0 / 0.6 / 1
        new, cont = _cue_score(units[i + 1].text, cjk)
        head = _heading_score(units, i, cjk)
        ent = _entity_change(ents, units, i, limit)
        s = (
            opts.w_pause * pause
            + opts.w_cue * new
            - opts.w_continue * cont
            + opts.w_cohesion * depth[i]
            + opts.w_entity * ent
            + opts.w_heading * head
        )
        if cjk and (_clip_like(units[i].text) or _clip_like(units[i + 1].text)):
            s -= opts.w_clip  # an inserted foreign-language clip or quote stays in its item
        if _CLIP_INTRO.search(units[i].text.strip()):
            s -= opts.w_clip  # "下面是一段演示" / "Here is a clip:" announces what follows
        if quote_open[i]:
            s = -1.0
        scores.append(s)
        logger.debug(
            "boundary after %d: score %.2f (pause %.2f new %.0f cont %.0f depth %.2f ent %.2f head %.0f) | %s",
            i, s, pause, new, cont, depth[i], ent, head, units[i + 1].text[:30],
        )

    # intro: a prefix of greeting sentences; outro: a suffix from the first sign-off sentence
    intro = 0
    for k, u in enumerate(units[: n - 1]):
        within = (_length(units, 0, k + 1, timed, cjk) <= opts.intro_max_seconds) if timed else (
            k < 4
        )
        if within and _INTRO.search(u.text):
            intro = k + 1
        else:
            break
    outro = 0
    for k in range(max(intro, 1), n):
        tail = _length(units, k, n, timed, cjk)
        near_end = tail <= opts.outro_max_seconds if timed else (n - k) <= 4
        if near_end and _OUTRO.search(units[k].text):
            outro = n - k
            break

    chosen: set[int] = set()
    if intro:
        chosen.add(intro - 1)
    if outro and n - outro - 1 >= 0:
        chosen.add(n - outro - 1)

    def ok(b: int) -> bool:
        if b in chosen:
            return False
        cuts = sorted(chosen | {b})
        k = cuts.index(b)
        a = cuts[k - 1] + 1 if k > 0 else 0
        c = cuts[k + 1] + 1 if k + 1 < len(cuts) else n
        return _length(units, a, b + 1, timed, cjk) >= min_len and _length(
            units, b + 1, c, timed, cjk
        ) >= min_len

    order = sorted(range(n - 1), key=lambda i: -scores[i])
    for b in order:
        if scores[b] < opts.threshold:
            break
        if intro and b < intro - 1:
            continue
        if outro and b >= n - outro:
            continue
        if ok(b):
            chosen.add(b)
    return sorted(chosen), intro, outro


def _make_items(
    groups: list[tuple[int, int]],
    units: list[Unit],
    texts: list[str],
    intro: int,
    outro: int,
    timed: bool,
    glossary: Any,
    cjk: bool,
) -> list[Item]:
    from audio2digest.text.digest import headline  # local import: digest imports this module

    n = len(units)
    items = []
    for idx, ((a, b), text) in enumerate(zip(groups, texts)):
        kind = "news"
        if len(groups) > 1 and intro and a == 0 and b == intro:
            kind = "intro"
        elif len(groups) > 1 and outro and b == n and a == n - outro:
            kind = "outro"
        ents = tuple(find_entities(text, glossary))
        items.append(
            Item(
                index=idx,
                kind=kind,
                title=headline(text, cjk=cjk, entities=ents),
                summary="",
                text=text,
                start=round(units[a].start, 3) if timed and units[a].start is not None else None,
                end=round(units[b - 1].end, 3) if timed and units[b - 1].end is not None else None,
                entities=ents,
            )
        )
    return items


def _groups(cuts: list[int], n: int) -> list[tuple[int, int]]:
    edges = [0] + [c + 1 for c in cuts] + [n]
    return [(edges[k], edges[k + 1]) for k in range(len(edges) - 1) if edges[k + 1] > edges[k]]


def segment_transcript(
    transcript: Transcript,
    glossary: Any = None,
    *,
    min_item_seconds: Optional[float] = None,
    use_timing: bool = True,
    options: Optional[SegmentOptions] = None,
) -> list[Item]:
    """Split ``transcript`` into items (kind ``intro``/``news``/``outro``) with times.

    Items carry ``text``, ``start``/``end`` (seconds), an extractive ``title`` and
    ``entities``; :func:`audio2digest.text.digest.build_digest` adds summary, category and
    keywords. ``use_timing=False`` ignores pauses (to measure the text-only signals).
    An empty transcript gives ``[]``; one sentence gives one news item.
    """
    if not isinstance(transcript, Transcript):
        raise SegmentError(f"segment_transcript needs a Transcript, got {type(transcript).__name__}")
    opts = options or (SegmentOptions() if use_timing else NO_PAUSE_OPTIONS)
    if min_item_seconds is not None and min_item_seconds != opts.min_item_seconds:
        opts = SegmentOptions(**{**opts.__dict__, "min_item_seconds": min_item_seconds})
    cjk = is_cjk_language(transcript.language, transcript.text)
    units = _units_from_transcript(transcript, opts)
    if not units:
        logger.info("empty transcript: no items")
        return []
    for u in units:
        u.entities = find_entities(u.text, glossary)
        if not use_timing:
            u.pause_before = 0.0
    timed = all(u.start is not None and u.end is not None for u in units)
    # with use_timing=False the min length still uses seconds (the times are there)
    cuts, intro, outro = _boundaries(units, glossary, cjk, timed, opts)
    groups = _groups(cuts, len(units))
    sep = "" if cjk else " "
    texts = []
    for a, b in groups:
        parts = [u.text.strip() for u in units[a:b]]
        if cjk:
            # keep a space between two Latin words that meet at a unit edge
            # Units are pause-delimited; where the recogniser left no punctuation at a pause,
            # put a comma there (and a full stop at the end) so summaries have clauses.
            joined = parts[0]
            for p in parts[1:]:
                latin_edge = joined[-1:].isascii() and p[:1].isascii() and p[:1].isalnum()
                if re.search(r"\d\.$", joined) and p[:1].isdigit():
                    pass  # a version number cut by a timing gap: "4." + "5"
                elif joined[-1:] not in _PUNCT:
                    joined += " " if latin_edge and _clip_like(p) else "，"
                elif latin_edge:
                    joined += " "
                joined += p
            if joined[-1:] not in _PUNCT:
                joined += "。"
            texts.append(joined)
        else:
            texts.append(sep.join(parts))
    items = _make_items(groups, units, texts, intro, outro, timed, glossary, cjk)
    logger.info("segmented %d units into %d items", len(units), len(items))
    return items


_LIST_LINE = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)、])\s+")
_HEADING_LINE = re.compile(r"^\s{0,3}(#{1,6})\s+\S")


def _is_heading(text: str) -> bool:
    return bool(_HEADING_LINE.match(text))


def _markdown_section_cuts(units: list[Unit]) -> Optional[list[int]]:
    """Cuts before each section heading when the text has Markdown sections.

    The section level is the shallowest heading level that occurs at least twice
    ("## 1. ...", "## 2. ..."); ``None`` when there is no such structure.
    """
    levels: Counter = Counter()
    for u in units:
        m = _HEADING_LINE.match(u.text)
        if m:
            levels[len(m.group(1))] += 1
    candidates = [lvl for lvl, n in levels.items() if n >= 2]
    if not candidates:
        return None
    level = min(candidates)
    cuts = []
    for k, u in enumerate(units):
        m = _HEADING_LINE.match(u.text)
        if k > 0 and m and len(m.group(1)) == level:
            cuts.append(k - 1)
    return cuts


def segment_text(
    text: str,
    glossary: Any = None,
    language: Optional[str] = None,
    *,
    min_item_chars: Optional[int] = None,
    options: Optional[SegmentOptions] = None,
) -> list[Item]:
    """Split plain text (no timing) into items; their texts in order concatenate to ``text``.

    Signals: cue phrases, headings, paragraph breaks, lexical cohesion, entity change,
    minimum length. Markdown text with sections (two or more headings of one level) is
    split at those headings instead. Items have ``start``/``end`` ``None``.
    """
    if text is None:
        raise SegmentError("segment_text needs a string, got None")
    if not text.strip():
        return []
    opts = options or TEXT_OPTIONS
    if min_item_chars is not None and min_item_chars != opts.min_item_chars:
        opts = SegmentOptions(**{**opts.__dict__, "min_item_chars": min_item_chars})
    cjk = is_cjk_language(language, text)
    spans = _split_sentences(text, cjk)
    units = [Unit(text=text[s:e], pause_before=p) for s, e, p in spans]
    # the paragraph cue belongs to the boundary *before* the next unit
    for k in range(len(units) - 1, 0, -1):
        units[k].pause_before = units[k - 1].pause_before
    if units:
        units[0].pause_before = 0.0
    # list items ("- ", "* ", "1. ") continue what precedes them: no paragraph cue there
    for u in units:
        if _LIST_LINE.match(u.text):
            u.pause_before = 0.0
    for u in units:
        u.entities = find_entities(u.text, glossary)
    heading_cuts = _markdown_section_cuts(units)
    if heading_cuts is not None:
        # structured text (a written digest): one item per section; the title and the
        # lines before the first section are the intro
        cuts = heading_cuts
        intro = heading_cuts[0] + 1 if heading_cuts and _is_heading(units[0].text) else 0
        outro = 0
        if len(units) - 1 - (heading_cuts[-1] if heading_cuts else -1) > 0:
            last = heading_cuts[-1] + 1 if heading_cuts else 0
            if _OUTRO.search(units[last].text):
                outro = len(units) - last
    else:
        cuts, intro, outro = _boundaries(units, glossary, cjk, False, opts)
    groups = _groups(cuts, len(units))
    texts = ["".join(u.text for u in units[a:b]) for a, b in groups]
    items = _make_items(groups, units, texts, intro, outro, False, glossary, cjk)
    return items


def join_items_text(items: Iterable[Item]) -> str:
    """The items' texts concatenated (for plain-text input this is the input)."""
    return "".join(i.text for i in items)
