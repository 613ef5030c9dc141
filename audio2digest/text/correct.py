"""Glossary correction: find names the recogniser mangled and write them correctly.

Matching generalises beyond the glossary's listed aliases:

* **Latin / alphanumeric** spans of 1–3 tokens (more when a term has more) are compared
  by a case- and separator-insensitive key (``GLM4.7Flash`` ~ ``GLM-4.7-Flash``, rule
  ``latin-key``; a doubled letter too: ``Metta`` ~ ``Meta``), then fuzzily with rapidfuzz
  against terms whose digit groups are identical, so versions never change
  (``latin-fuzzy``), and for versioned multi-word names by consonant skeleton
  (``Clawed Summit 4.5`` ~ ``Claude Sonnet 4.5``, ``latin-sound``). Keys of 4 characters
  or fewer (acronyms such as ``MoE``, ``xAI``) match only exactly. Lower-case ordinary
  words are never capitalised into names (``comet``, ``meta``, ``sovereign AI``).
* **Chinese** spans are compared by toneless pinyin with confusable initials and finals
  (zh/z, ch/c, sh/s, l/n, f/h, b/p, d/t, g/k, an/ang, en/eng, in/ing, …; rule ``pinyin``)
  over windows of the term's length (±1 syllable for terms of 4+ syllables, below that a
  gap can never reach the threshold). jieba's dictionary tells a mangled span (single
  characters, unknown words) from real words: a dictionary word (千万, 五个) changes only
  with evidence right beside it — a version after a model name (千万3), a context word
  listed in the glossary (五个Gemini) — ``pinyin-context``; a span that cuts or consists of
  dictionary words changes only when its pinyin is exact for a 3+ syllable term and the
  corrected text segments better (``pinyin-lm``: 视频声称 → 视频生成, not 只能体验 → 智能体验).
  A generic suffix shared with a term (科技, 大模型) is no evidence: only the rest is scored.
* A Chinese span never matches a Latin term and the reverse; overlapping candidates are
  resolved best-first; a span that already is a correct form of a term is never touched.
  Listed ``aliases`` are replaced exactly (``alias``); ``never`` spans block every change.

Every change is recorded as a :class:`~audio2digest.types.Correction` (offsets into the
corrected text). The glossary index (Latin keys by digits/first letter/length, pinyin
syllable pairs, characters of two-syllable names) is built once per
:class:`~audio2digest.text.glossary.Glossary` object and cached; jieba, pypinyin and rapidfuzz
are imported on first use.
"""

from __future__ import annotations

import bisect
import functools
import logging
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Optional

from audio2digest.text.glossary import Glossary, Term
from audio2digest.types import Correction, Segment, Transcript, Word

log = logging.getLogger("audio2digest.text.correct")

# --------------------------------------------------------------------------- tuning
#: Minimum fuzzy key similarity (0–1) for Latin spans, by whether digits are present.
LATIN_MIN_WITH_DIGITS = 0.72
LATIN_MIN = 0.80
LATIN_MIN_KEY_LEN = 5  # shorter keys (acronyms) match only exactly
#: Score given to a versioned name matched by its consonant skeleton (see _skeleton).
LATIN_SOUND_SCORE = 0.7
#: Minimum pinyin similarity for a Chinese span that is not a dictionary word.
PINYIN_MIN = {2: 0.80, 3: 0.78}
PINYIN_MIN_LONG = 0.76
#: Minimum pinyin similarity for a span that is a dictionary word (and needs evidence).
PINYIN_MIN_COMMON = 0.78
#: jieba dictionary frequency from which a word counts as a word (rarer entries are mostly
#: transliterated names, e.g. 苏来曼, and are treated like unknown text).
COMMON_FREQ = 3
#: From this jieba frequency a word is very common (可能, 因为): context words alone are
#: not enough evidence unless the pinyin is nearly exact.
VERY_COMMON_FREQ = 5000
VERY_COMMON_MIN_WITH_CONTEXT = 0.9
#: A span that cuts or is made of dictionary words changes only when its pinyin scores at
#: least this, the term has 3+ syllables and the corrected text segments better (the term
#: counted as a word of frequency LM_TERM_FREQ) by LM_MARGIN nats.
LM_MIN_SCORE = 0.95
LM_TERM_FREQ = 50
LM_MARGIN = 2.0
def _floor(n: int) -> float:
    return min(PINYIN_MIN_COMMON, PINYIN_MIN.get(n, PINYIN_MIN_LONG))


#: Generic endings of names: a span sharing one with a term is judged on the rest only.
GENERIC_SUFFIXES = (
    "大模型", "机器人", "实验室", "研究院", "研究所", "科学院", "智能", "科技", "模型", "芯片",
    "集团", "公司", "汽车", "大学", "学院", "网络", "系统", "平台", "社区", "大会", "论坛", "技术",
)
#: Weight of a character's less usual readings (heteronyms) in pinyin similarity.
ALT_READING_WEIGHT = 0.8
CONTEXT_WINDOW = 30  # characters each side searched for evidence
ADJACENT_WINDOW = 2  # ... when the span is an ordinary dictionary word
SCORE_DIGITS = 3

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
_CJK_RUN_RE = re.compile(f"[{_CJK}]+")
_LATIN_TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:(?:\.|['’](?![sS]\b))[A-Za-z0-9]+)*\+*")  # possessive 's splits
_LATIN_JOIN_RE = re.compile(r"[ \t\-_]{0,2}")
_KEY_STRIP_RE = re.compile(r"[^0-9a-z]+")
_DIGITS_RE = re.compile(r"\d+")
_VERSION_AFTER_RE = re.compile(r"\s?(?:[vV]?\d|[A-Za-z]{1,2}\d)")
# Characters so frequent in running text that a "mangled" span containing one that the
# term does not have is almost always just ordinary text.
_FUNCTION_CHARS = set("的了是在和与及或一个不有这那我你他她它们也就都而着把被让给对从向到为以等之其所又很还再吗呢吧啊")
_DEGREE_ADVERBS = set("太最挺更很")


@dataclass(frozen=True)
class CorrectionResult:
    """The corrected text and the changes made (offsets into the corrected text)."""

    text: str
    corrections: tuple[Correction, ...]


# --------------------------------------------------------------------------- keys


def latin_key(s: str) -> str:
    """Case- and separator-insensitive key: ``GLM-4.7-Flash`` → ``glm47flash``."""
    return _KEY_STRIP_RE.sub("", s.casefold())


_DOUBLE_RE = re.compile(r"([a-z])\1+")


def _squeeze(key: str) -> str:
    return _DOUBLE_RE.sub(r"\1", key)


_SKELETON_MAP = str.maketrans({
    "c": "k", "q": "k", "g": "k", "z": "s", "m": "n", "d": "t", "p": "b", "v": "f", "r": "l",
    "a": None, "e": None, "i": None, "o": None, "u": None, "y": None, "w": None, "h": None,
})


def _skeleton(tokens) -> str:
    """Consonant skeleton of a name, token by token, digits kept: Claude Sonnet 4.5 and
    Clawed Summit 4.5 both give "klt snt 45"."""
    out = []
    for t in tokens:
        t = t.lower().replace("ph", "f").replace("ck", "k").replace("x", "ks")
        head, rest = t[:1], t[1:]
        sk = (head if head in "aeiou" else head.translate(_SKELETON_MAP)) + rest.translate(_SKELETON_MAP)
        sk = re.sub(r"([a-z])\1+", r"\1", sk)
        out.append(sk)
    return " ".join(out)


def digit_groups(s: str) -> tuple[str, ...]:
    return tuple(_DIGITS_RE.findall(s))


def is_cjk_form(s: str) -> bool:
    return bool(_CJK_RE.search(s))


def _is_plain_word(s: str) -> bool:
    """A capitalised or lower-case ordinary word (``Comet``, ``llama``): no digits, no inner caps."""
    return s.isalpha() and s[1:].islower()


# Pinyin: confusable initials and finals collapse to one class.
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s", "y", "w")
_INIT_CLASS = {"zh": "z", "ch": "c", "sh": "s", "n": "l", "h": "f", "p": "b", "t": "d", "k": "g", "r": "l"}
_FINAL_CLASS = {
    "ang": "an", "eng": "en", "ing": "in", "iang": "ian", "uang": "uan", "ong": "en",
    "v": "u", "ve": "ue", "iong": "ion",  # yuan≠wan, yun≠wen: ü-finals with a nasal stay apart
}
# Finals that are often confused by a recogniser but are not classic "fuzzy pinyin" pairs.
_FINAL_NEAR = {
    frozenset(p)
    for p in [
        ("an", "en"), ("in", "en"), ("ian", "an"), ("uan", "an"), ("e", "o"), ("uo", "o"),
        ("ou", "uo"), ("ou", "u"), ("ai", "ei"), ("ao", "ou"), ("i", "ei"), ("un", "en"),
        ("ie", "ian"), ("uan", "un"), ("ui", "ei"), ("iu", "ou"), ("ia", "a"), ("ua", "a"), ("u", "v"),
        ("e", "en"), ("i", "in"), ("a", "an"), ("o", "ou"), ("an", "ai"), ("en", "ei"),
    ]
}


_Y_FINALS = {"i": "i", "in": "in", "ing": "ing", "u": "v", "ue": "ve", "uan": "van", "un": "vn", "ou": "iu", "ong": "iong"}
_W_FINALS = {"u": "u", "ei": "ui", "en": "un"}


def _split_syllable(s: str) -> tuple[str, str]:
    for ini in _INITIALS:
        if s.startswith(ini) and len(s) > len(ini):
            return ini, s[len(ini):]
    return "", s


@functools.lru_cache(maxsize=8192)
def _syl_parts(s: str) -> tuple[str, str, str, str]:
    """(initial, final, initial class, final class); y/w treated as empty initials."""
    ini, fin = _split_syllable(s)
    if ini == "y":
        fin = _Y_FINALS.get(fin, fin if fin.startswith("i") else "i" + fin)
        ini = ""
    elif ini == "w":
        fin = _W_FINALS.get(fin, fin if fin.startswith("u") else "u" + fin)
        ini = ""
    fin = {"iou": "iu", "uei": "ui", "uen": "un"}.get(fin, fin)
    ic = _INIT_CLASS.get(ini, ini)
    fc = _FINAL_CLASS.get(fin, fin)
    return ini, fin, ic, fc


@functools.lru_cache(maxsize=65536)
def syllable_similarity(a: str, b: str) -> float:
    """Similarity of two toneless pinyin syllables in [0, 1]."""
    if a == b:
        return 1.0
    ai, af, aic, afc = _syl_parts(a)
    bi, bf, bic, bfc = _syl_parts(b)
    if ai == bi and af == bf:
        return 1.0
    init = 1.0 if ai == bi else (0.8 if aic == bic else 0.0)
    if af == bf:
        fin = 1.0
    elif afc == bfc:
        fin = 0.8
    elif frozenset((afc, bfc)) in _FINAL_NEAR or frozenset((af, bf)) in _FINAL_NEAR:
        fin = 0.5
    else:
        fin = 0.0
    if fin == 0.0:
        return 0.0
    if init == 0.0:
        return 0.6 * fin if (ai == "" or bi == "") else 0.5 * fin
    return 0.35 * init + 0.65 * fin if (init < 1.0 or fin < 1.0) else 1.0


@functools.lru_cache(maxsize=4096)
def _near_finals(s: str) -> tuple[str, ...]:
    """Final classes a syllable ``s`` can score above 0 against (its own and near ones)."""
    _, f, _, fc = _syl_parts(s)
    out = {fc, f}
    for pair in _FINAL_NEAR:
        if fc in pair or f in pair:
            out.update(pair)
    return tuple(sorted(_FINAL_CLASS.get(x, x) for x in out))


_FLOORS = {n: _floor(n) for n in range(4)}
_FLOOR_LONG = _floor(4)


def fuzzy_key(s: str) -> str:
    _, _, ic, fc = _syl_parts(s)
    return ic + "|" + fc


_CHAR_PY: dict[str, tuple[str, ...]] = {}


def _char_readings(ch: str) -> tuple[str, ...]:
    r = _CHAR_PY.get(ch)
    if r is None:
        from pypinyin import Style, pinyin

        got = pinyin(ch, style=Style.NORMAL, heteronym=True, errors=lambda x: [""])
        r = tuple(dict.fromkeys(x for x in (got[0] if got else []) if x and x.isalpha()))[:4]
        _CHAR_PY[ch] = r
    return r


def _form_pinyin(s: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(s, style=Style.NORMAL))


# --------------------------------------------------------------------------- index


@dataclass(frozen=True)
class _Form:
    text: str  # the surface form matched against
    target: str  # what the span becomes
    term: Term
    alias: bool  # an alias (known wrong form) rather than a correct form


class _Index:
    """Everything precomputed from a glossary for fast matching."""

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary
        self.never = tuple(glossary.never)
        self.cjk_exact: dict[str, _Form] = {}  # CJK-containing forms and aliases, exact
        self.latin_exact: dict[str, list[_Form]] = defaultdict(list)  # latin key → forms
        self.latin_squeezed: dict[str, list[_Form]] = defaultdict(list)  # doubled letters collapsed
        self.latin_fuzzy: dict[tuple[str, ...], tuple[list[str], list[_Form]]] = {}
        self.py_forms: list[tuple[_Form, tuple[str, ...]]] = []
        # Blocking keys: pairs of fuzzy syllables (adjacent, and one apart) → (form id, j).
        self.py_pairs: dict[tuple[str, str, int], list[tuple[int, int]]] = defaultdict(list)
        # Two-syllable forms by character: one syllable may be off when a character agrees.
        self.py_chars: dict[tuple[str, int, str], list[int]] = defaultdict(list)
        self.py_chars_sfx: dict[tuple[str, int, str, str], list[int]] = defaultdict(list)
        # Single fuzzy syllables of two-syllable forms, used only for terms primed by context.
        self.py_single: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.context_terms: list[tuple[tuple[str, ...], list[int]]] = []
        self.py_fks: list[tuple[str, ...]] = []
        self.py_len: list[int] = []
        self.py_suffix: list[int] = []  # length of a generic suffix (科技, 大模型...) or 0
        self.py_core: list[int] = []  # syllables before that suffix
        self.max_latin_tokens = 3
        fuzzy_lists: dict[tuple[str, ...], tuple[list[str], list[_Form]]] = defaultdict(lambda: ([], []))
        for t in glossary.terms:
            latin_target = next((f for f in t.forms if not is_cjk_form(f)), t.term)
            cjk_target = next((f for f in t.forms if is_cjk_form(f)), t.term)
            entries = [_Form(f, f, t, False) for f in t.forms]
            for a in t.aliases:
                # An alias turns into the correct form of its own script when there is one.
                entries.append(_Form(a, cjk_target if is_cjk_form(a) else latin_target, t, True))
            for fm in entries:
                if is_cjk_form(fm.text):
                    if fm.text not in self.cjk_exact or (not fm.alias and self.cjk_exact[fm.text].alias):
                        self.cjk_exact[fm.text] = fm
                    if not fm.alias and _CJK_RUN_RE.fullmatch(fm.text) and len(fm.text) >= 2:
                        py = _form_pinyin(fm.text)
                        if len(py) == len(fm.text):
                            fid = len(self.py_forms)
                            self.py_forms.append((fm, py))
                            fks = [fuzzy_key(x) for x in py]
                            self.py_fks.append(tuple(fks))
                            self.py_len.append(len(py))
                            sfx = next(
                                (len(g) for g in GENERIC_SUFFIXES if fm.text.endswith(g) and len(fm.text) - len(g) >= 2),
                                0,
                            )
                            self.py_suffix.append(sfx)
                            # A generic suffix (科技, 大模型) proves nothing: only the distinctive
                            # core is indexed, so common endings do not flood the candidates.
                            core = len(fks) - sfx
                            self.py_core.append(core)
                            if sfx and core == 2:
                                # a two-syllable core: key it with the final of the suffix's
                                # first syllable, so 思维 in 思维链 does not raise 思维科技
                                for fc in _near_finals(py[2]):
                                    self.py_pairs[(fks[0], fks[1], fc)].append((fid, 0))
                            elif core == 3 and not sfx:
                                # three syllables, two about right: the third must at least
                                # share (or nearly share) its final; key by that final too
                                for (x, y, third, role) in ((0, 1, 2, "01"), (1, 2, 0, "12"), (0, 2, 1, "02")):
                                    for fc in _near_finals(py[third]):
                                        self.py_pairs[(fks[x], fks[y], role, fc)].append((fid, x))
                            else:
                                for j in range(core):
                                    for gap in (1, 2):
                                        if j + gap < core:
                                            self.py_pairs[(fks[j], fks[j + gap], gap)].append((fid, j))
                            if core == 2:
                                # keyed by the shared character, its position and the final of
                                # the other syllable (or a final near it): a final that shares
                                # nothing makes the other syllable score 0, so those never count
                                for j, ch in enumerate(fm.text[:2]):
                                    for fc in _near_finals(py[1 - j]):
                                        if sfx:  # and the final of the suffix's first syllable
                                            for fc2 in _near_finals(py[2]):
                                                self.py_chars_sfx[(ch, j, fc, fc2)].append(fid)
                                        else:
                                            self.py_chars[(ch, j, fc)].append(fid)
                                for j, fk in enumerate(fks[:2]):
                                    self.py_single[fk].append((fid, j))
                else:
                    k = latin_key(fm.text)
                    if len(k) < 2:
                        continue
                    self.latin_exact[k].append(fm)
                    if not fm.alias and len(k) >= 4 and not fm.text.isupper():
                        self.latin_squeezed[_squeeze(k)].append(fm)
                    ntok = len(_LATIN_TOKEN_RE.findall(fm.text))
                    self.max_latin_tokens = max(self.max_latin_tokens, min(ntok, 5))
                    if not fm.alias and len(k) >= LATIN_MIN_KEY_LEN:
                        keys, forms = fuzzy_lists[digit_groups(fm.text)]
                        keys.append(k)
                        forms.append(fm)
        # per pinyin form: (form, syllables, length, core length, score floor)
        self.py_info = [
            (fm, py, len(py), core, _floor(len(py)))
            for (fm, py), core in zip(self.py_forms, self.py_core)
        ]
        self.latin_fuzzy = dict(fuzzy_lists)  # digit groups → (keys, forms)
        # versioned names by consonant skeleton: (digit groups, skeleton) → forms
        self.latin_skeletons: dict = defaultdict(list)
        for digits, (keys, forms) in self.latin_fuzzy.items():
            if digits:
                for f in forms:
                    toks = _LATIN_TOKEN_RE.findall(f.text)
                    if len(toks) >= 2:
                        self.latin_skeletons[(digits, _skeleton(toks))].append(f)
        # ... and by first letter too: the first sound must agree except for long, close keys
        by_first: dict = defaultdict(list)
        for digits, (keys, forms) in self.latin_fuzzy.items():
            for k, f in zip(keys, forms):
                by_first[(digits, k[0])].append((len(k), k, f))
        self.latin_fuzzy_first = {}
        for bk, items in by_first.items():  # sorted by key length, for a length window
            items.sort(key=lambda x: x[0])
            self.latin_fuzzy_first[bk] = ([x[0] for x in items], [x[1] for x in items], [x[2] for x in items])
        # ... and sorted by length, to scan only keys of a possible length
        self.latin_fuzzy_sorted: dict = {}
        for digits, (keys, forms) in self.latin_fuzzy.items():
            order = sorted(range(len(keys)), key=lambda i: len(keys[i]))
            ks = [keys[i] for i in order]
            self.latin_fuzzy_sorted[digits] = ([len(k) for k in ks], ks, [forms[i] for i in order])
        by_term: dict[int, list[int]] = defaultdict(list)
        for fid, (fm, py) in enumerate(self.py_forms):
            if self.py_core[fid] == 2:
                by_term[id(fm.term)].append(fid)
        for t in glossary.terms:
            words = tuple(t.context) + tuple(f for f in t.forms if f != t.term)
            if words and by_term.get(id(t)):
                self.context_terms.append((tuple(w.casefold() for w in words), by_term[id(t)]))
        self.cjk_lens = sorted({len(k) for k in self.cjk_exact}, reverse=True)
        self.cjk_prefixes = {k[:2] for k in self.cjk_exact}  # every form has 2+ characters
        # CJK spans that are a correct form of some term (never replaced by another term).
        self.cjk_correct = {k for k, f in self.cjk_exact.items() if not f.alias}


@functools.lru_cache(maxsize=16)
def _index_for(glossary: Glossary) -> _Index:
    return _Index(glossary)


def build_index(glossary: Glossary) -> _Index:
    """Build (or fetch the cached) matching index of ``glossary``."""
    return _index_for(glossary)


# --------------------------------------------------------------------------- jieba


@functools.lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING + 10)
    jieba.initialize()
    return jieba


@functools.lru_cache(maxsize=4096)
def _jieba_tokens(run: str) -> tuple[str, ...]:
    return tuple(_jieba().lcut(run, HMM=False))


def _word_freq(w: str) -> int:
    return _jieba().dt.FREQ.get(w, 0) or 0


# --------------------------------------------------------------------------- candidates


@dataclass
class _Cand:
    start: int
    end: int
    target: str
    term: Term
    score: float
    rule: str
    keep: bool = False  # an already-correct span: blocks other candidates, changes nothing

    @property
    def length(self) -> int:
        return self.end - self.start


def _detect_language(text: str) -> str:
    cjk = len(_CJK_RE.findall(text))
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    return "zh" if cjk and cjk * 2 >= latin * 0.3 else "en"


def _local_language(text: str, s: int, e: int) -> str:
    """"en" when the 30 characters around [s, e) hold no Chinese, else "zh"."""
    lo = max(0, s - 30, text.rfind("\n", 0, s) + 1)
    hi = text.find("\n", e)
    hi = min(len(text), e + 30) if hi < 0 else min(hi, e + 30)
    return "zh" if _CJK_RE.search(text, lo, hi) else "en"


def _mid_sentence(text: str, s: int) -> bool:
    """True when a word precedes position ``s`` in the same sentence (a capital there marks a name)."""
    i = s - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i >= 0 and (text[i].isalnum() or text[i] in ",;:")


def _latin_runs(text: str) -> list[list[tuple[int, int]]]:
    """Runs of Latin tokens separated only by spaces / hyphens / underscores."""
    runs: list[list[tuple[int, int]]] = []
    cur: list[tuple[int, int]] = []
    for m in _LATIN_TOKEN_RE.finditer(text):
        if m.group() in ("s", "S") and m.start() > 0 and text[m.start() - 1] in "'’":
            if cur:  # a possessive 's ends the name before it and belongs to nothing
                runs.append(cur)
                cur = []
            continue
        if cur and not _LATIN_JOIN_RE.fullmatch(text[cur[-1][1] : m.start()]):
            runs.append(cur)
            cur = []
        cur.append((m.start(), m.end()))
    if cur:
        runs.append(cur)
    return runs


def _latin_candidates(text: str, idx: _Index, lang: str, cands: list[_Cand]) -> None:
    from rapidfuzz import fuzz, process

    memo: dict = {}  # the same names recur in a transcript: query each span key once
    for run in _latin_runs(text):
        n = len(run)
        for i in range(n):
            for j in range(i, min(n, i + idx.max_latin_tokens)):
                s, e = run[i][0], run[j][1]
                span = text[s:e]
                key = latin_key(span)
                if len(key) < 2:
                    continue
                digits = digit_groups(span)
                toks = [text[a:b] for a, b in run[i : j + 1]]
                local = lang if lang != "zh" else _local_language(text, s, e)
                exact = [f for f in idx.latin_exact.get(key, ()) if digit_groups(f.text) == digits]
                if exact:
                    if any(f.text == span and not f.alias for f in exact):
                        f = next(f for f in exact if f.text == span and not f.alias)
                        cands.append(_Cand(s, e, span, f.term, 1.0, "keep", keep=True))
                        continue
                    f = sorted(exact, key=lambda f: (f.alias, f.text != f.target))[0]
                    if span == f.target:
                        cands.append(_Cand(s, e, span, f.term, 1.0, "keep", keep=True))
                        continue
                    # "comet" / "meta" in lower case are words, not the product "Comet" or the
                    # company "Meta"; and a form written in lower case ("attention") does not
                    # lower-case a capitalised span, unless it is a versioned model name
                    # written in lower case by its vendor (gpt-oss-120b, o4-mini; not a
                    # short key: "Figure O3" is not o3).
                    if not f.alias and (
                        (_is_plain_word(f.target) and span.islower())
                        or (f.target.islower() and not (any(c.isdigit() for c in f.target)
                                                        and len(key) >= LATIN_MIN_KEY_LEN))
                    ):
                        cands.append(_Cand(s, e, span, f.term, 1.0, "keep", keep=True))
                        continue
                    if (not any(x.alias for x in exact) and len(toks) > 1
                            and span.casefold() == f.target.casefold()
                            and toks[0].isalpha() and toks[0].islower()):
                        # "sovereign AI", "physical AI": a phrase of ordinary words, written so;
                        # a name starts with a capital ("Grok imagine" -> Grok Imagine). A
                        # glossary that lists the spelling as an alias wants it replaced.
                        cands.append(_Cand(s, e, span, f.term, 1.0, "keep", keep=True))
                        continue
                    if (
                        not f.alias
                        and local != "zh"
                        and len(toks) == 1
                        and _is_plain_word(span)
                        and not _is_plain_word(f.target)
                    ):
                        continue  # English "Sam" is a name, not the acronym SAM
                    cands.append(
                        _Cand(s, e, f.target, f.term, 1.0, "alias" if f.alias else "latin-key")
                    )
                    continue
                sq = idx.latin_squeezed.get(_squeeze(key))
                if sq and len(key) >= 4 and not span.islower():
                    f = next((f for f in sq if digit_groups(f.text) == digits), None)
                    if f is not None:
                        # a doubled or dropped double letter: Metta ~ Meta, Lama ~ Llama
                        cands.append(_Cand(s, e, f.target, f.term, 0.95, "latin-key"))
                        continue
                if len(key) < LATIN_MIN_KEY_LEN:
                    continue
                if all(t.isalpha() and t.islower() for t in toks):
                    continue  # ordinary (English) words: names are capitalised
                hits = memo.get((key, digits))
                if hits is None:
                    hits = []
                    cutoff = LATIN_MIN_WITH_DIGITS if digits else LATIN_MIN
                    bucket = idx.latin_fuzzy_first.get((digits, key[0]))
                    if bucket:
                        # only keys of a length the checks below accept
                        lens, keys, forms = bucket
                        nk = len(key)
                        lo = bisect.bisect_left(lens, min(nk - 2, int(nk / 1.3)))
                        hi = bisect.bisect_right(lens, max(nk + 2, int(nk / 0.7) + 1))
                        sub = keys[lo:hi]
                        hits += [(score, sub[k], forms[lo + k]) for _, score, k in process.extract(
                            key, sub, scorer=fuzz.ratio, score_cutoff=cutoff * 100, limit=3)]
                    bucket = idx.latin_fuzzy_sorted.get(digits)
                    if bucket and len(key) >= 8 and not hits:  # other first letters: last resort
                        # a ratio of 85 needs lengths within 0.74–1.35 of each other
                        lens, keys, forms = bucket
                        lo = bisect.bisect_left(lens, int(len(key) * 0.74))
                        hi = bisect.bisect_right(lens, int(len(key) / 0.74) + 1)
                        sub = keys[lo:hi]
                        hits += [(score, sub[k], forms[lo + k]) for _, score, k in process.extract(
                            key, sub, scorer=fuzz.ratio, score_cutoff=85, limit=3) if sub[k][0] != key[0]]
                    memo[(key, digits)] = hits
                found_fuzzy = False
                for score, fk, f in hits:
                    # lengths must be close: a long span does not turn into a short name
                    if abs(len(fk) - len(key)) > max(2, 0.3 * len(fk)):
                        continue
                    if fk[0] != key[0] and not (len(key) >= 8 and score >= 85):
                        continue  # first sound must agree (Groxy~Grok, Clawed~Claude)
                    if (fk.startswith(key) or fk.endswith(key)) and len(_LATIN_TOKEN_RE.findall(f.text)) > len(toks):
                        continue  # "Mistral" is a short name of "Mistral AI", not a mangled one
                    if (
                        local != "zh"
                        and len(toks) == 1
                        and _is_plain_word(toks[0])
                        and score < 85
                        and not (toks[0][0].isupper() and _mid_sentence(text, s))
                    ):
                        continue  # a single ordinary-looking English word needs a close match
                    if local != "zh" and len(toks) == 1 and _is_plain_word(toks[0]) and (
                        key.startswith(fk) or fk.startswith(key)
                    ):
                        continue  # Operators / Claud: an inflected or shortened word, not a name
                    if local != "zh" and len(toks) > 1 and score < 90 and any(
                        t.isalpha() and t.islower() for t in toks
                    ):
                        continue  # "Deep mines": English names capitalise every word
                    cands.append(_Cand(s, e, f.target, f.term, score / 100.0, "latin-fuzzy"))
                    found_fuzzy = True
                if digits and not found_fuzzy and len(toks) >= 2 and not (local != "zh" and toks[0].islower()):
                    # A versioned name heard wrong word by word ("Clawed Summit 4.5"): the same
                    # consonant skeleton and the same version are the evidence.
                    sk = _skeleton(toks)
                    if len(sk.rstrip("0123456789")) >= 4:
                        for f in idx.latin_skeletons.get((digits, sk), ()):
                            cands.append(_Cand(s, e, f.target, f.term, LATIN_SOUND_SCORE, "latin-sound"))


def _exact_cjk_candidates(text: str, idx: _Index, cands: list[_Cand]) -> None:
    if not idx.cjk_exact:
        return
    prefixes = idx.cjk_prefixes
    lens = idx.cjk_lens
    for m in _CJK_RE.finditer(text):
        i = m.start()
        if text[i : i + 2] not in prefixes:
            continue
        for L in lens:
            sub = text[i : i + L]
            if len(sub) < L:
                continue
            f = idx.cjk_exact.get(sub)
            if f is None:
                continue
            if not f.alias or sub == f.target:
                cands.append(_Cand(i, i + L, sub, f.term, 1.0, "keep", keep=True))
            else:
                cands.append(_Cand(i, i + L, f.target, f.term, 1.0, "alias"))


@functools.lru_cache(maxsize=200000)
def _reading_sim(a: tuple[str, ...], b: str) -> float:
    """Best similarity of a character's readings to syllable ``b``; the first reading is the
    usual one, rarer readings (太 tā, 行 háng) count less."""
    best = 0.0
    for k, x in enumerate(a):
        v = syllable_similarity(x, b) * (1.0 if k == 0 else ALT_READING_WEIGHT)
        if v > best:
            best = v
    return best


def _align_score(span_py, form_py: tuple[str, ...]) -> float:
    """Pinyin similarity of a span (readings per char) and a form; allows gaps."""
    n, m = len(span_py), len(form_py)
    sim = _reading_sim
    if n == m:
        return sum(sim(span_py[k], form_py[k]) for k in range(n)) / n
    # Edit distance with substitution cost 1 - sim and gap cost 1.
    prev = [float(j) for j in range(m + 1)]
    for a in range(1, n + 1):
        cur = [float(a)] + [0.0] * m
        for b in range(1, m + 1):
            cur[b] = min(prev[b] + 1, cur[b - 1] + 1, prev[b - 1] + 1 - sim(span_py[a - 1], form_py[b - 1]))
        prev = cur
    return 1.0 - prev[m] / max(n, m)


def _span_kind(run: str, tokens: tuple[str, ...], a: int, b: int) -> tuple[str, bool]:
    """How a span [a, b) of ``run`` relates to jieba's words.

    Returns (kind, crosses): kind is "oov" (only single characters / rare words),
    "word" (one common word), "words" (only common words) or "mixed"; crosses is true when
    the span cuts a common multi-character word in two.
    """
    pos = 0
    inside_common = 0
    inside_other = 0
    crosses = False
    for tok in tokens:
        s, e = pos, pos + len(tok)
        pos = e
        if e <= a or s >= b:
            continue
        common = len(tok) > 1 and _word_freq(tok) >= COMMON_FREQ
        if s < a or e > b:
            if len(tok) > 1:
                crosses = True
            continue
        if common:
            inside_common += 1
        else:
            inside_other += 1
    if inside_common and not inside_other:
        return ("word" if inside_common == 1 else "words"), crosses
    if inside_common:
        return "mixed", crosses
    return "oov", crosses


def _has_evidence(
    term: Term, text: str, start: int, end: int, context: str, ctx_off: int, window: int = 0
):
    """Local evidence that ``term`` was meant at [start, end) of ``text``:
    "version" (a version number follows a model/product), "context" (a context word or
    another form of the term within :data:`CONTEXT_WINDOW` characters) or False."""
    after = text[end : end + 4]
    if term.category in ("model", "product") and _VERSION_AFTER_RE.match(after):
        return "version"
    words = tuple(term.context) + tuple(f for f in term.forms if f != term.term) + tuple(
        a for a in term.aliases if not is_cjk_form(a)
    )
    if not words:
        return False
    window = window or CONTEXT_WINDOW
    s, e = start + ctx_off, end + ctx_off
    for w in words:
        wf = w.casefold()
        # the word must lie within ``window`` characters of the span (wholly inside the reach)
        left = context[max(0, s - window - len(w)) : s].casefold()
        right = context[e : e + window + len(w)].casefold()
        if wf in left or wf in right:
            return "context"
    return False


def _seg_logprob(s: str, extra: str) -> tuple[float, bool]:
    """Best unigram segmentation log-probability of ``s`` under jieba's dictionary plus the
    word ``extra``; and whether that best segmentation uses ``extra`` as one token."""
    freq = _jieba().dt.FREQ
    logtotal = math.log(_jieba().dt.total)
    extra_lp = math.log(LM_TERM_FREQ) - logtotal
    n = len(s)
    best: list[tuple[float, bool]] = [(0.0, False)] + [(-1e18, False)] * n
    for i in range(1, n + 1):
        for j in range(max(0, i - 8), i):
            w = s[j:i]
            if w == extra:
                lp = extra_lp
            else:
                f = freq.get(w) or 0
                if f <= 0:
                    if i - j > 1:
                        continue
                    f = 1
                lp = math.log(f) - logtotal
            cand = best[j][0] + lp
            if cand > best[i][0]:
                best[i] = (cand, best[j][1] or w == extra)
    return best[n]


def _reads_better(run: str, a: int, b: int, target: str) -> bool:
    lo, hi = max(0, a - 3), min(len(run), b + 3)
    orig = run[lo:hi]
    new = run[lo:a] + target + run[b:hi]
    lp_new, uses = _seg_logprob(new, target)
    if not uses:
        return False
    lp_orig, _ = _seg_logprob(orig, target)
    return lp_new > lp_orig + LM_MARGIN


def _words_in(run: str, tokens: tuple[str, ...], a: int, b: int) -> list[str]:
    """jieba tokens of ``run`` that lie inside [a, b)."""
    out = []
    pos = 0
    for tok in tokens:
        if pos >= a and pos + len(tok) <= b:
            out.append(tok)
        pos += len(tok)
    return out


def _cjk_candidates(
    text: str, idx: _Index, cands: list[_Cand], context: str, ctx_off: int
) -> None:
    if not idx.py_forms:
        return
    # Two-syllable forms of terms whose context words occur nearby may match on one syllable.
    ctx_fold = context.casefold()
    primed: set[int] = set()
    for words, fids in idx.context_terms:
        if any(w in ctx_fold for w in words):
            primed.update(fids)
    for m in _CJK_RUN_RE.finditer(text):
        run_start, run = m.start(), m.group()
        L = len(run)
        if L < 2:
            continue
        readings = [_char_readings(c) for c in run]
        fks = [tuple(dict.fromkeys(fuzzy_key(r) for r in rs)) for rs in readings]
        fcs = [tuple(dict.fromkeys(_syl_parts(r)[3] for r in rs)) for rs in readings]
        found: set[tuple[int, int]] = set()
        hits: dict[tuple[int, int], int] = defaultdict(int)
        sfx_chars = idx.py_chars_sfx
        pairs = idx.py_pairs
        for p in range(L):
            for gap in (1, 2):
                q = p + gap
                if q >= L:
                    break
                for fa in fks[p]:
                    for fb in fks[q]:
                        for fid, j in pairs.get((fa, fb, gap), ()):
                            hits[(fid, p - j)] += 1
                        if gap == 1:
                            if p + 2 < L:
                                for fc in fcs[p + 2]:
                                    for fid, j in pairs.get((fa, fb, fc), ()):
                                        hits[(fid, p)] += 1
                                    for fid, j in pairs.get((fa, fb, "01", fc), ()):
                                        found.add((fid, p))
                            if p > 0:
                                for fc in fcs[p - 1]:
                                    for fid, j in pairs.get((fa, fb, "12", fc), ()):
                                        found.add((fid, p - 1))
                        else:
                            for fc in fcs[p + 1]:
                                for fid, j in pairs.get((fa, fb, "02", fc), ()):
                                    found.add((fid, p))
            ch = run[p]
            if ch not in _FUNCTION_CHARS:
                if p + 1 < L:
                    for fc in fcs[p + 1]:
                        for fid in idx.py_chars.get((ch, 0, fc), ()):
                            found.add((fid, p))
                if p > 0:
                    for fc in fcs[p - 1]:
                        for fid in idx.py_chars.get((ch, 1, fc), ()):
                            found.add((fid, p - 1))
                if sfx_chars:
                    if p + 2 < L:
                        for fc in fcs[p + 1]:
                            for fc2 in fcs[p + 2]:
                                for fid in sfx_chars.get((ch, 0, fc, fc2), ()):
                                    found.add((fid, p))
                    if 0 < p < L - 1:
                        for fc in fcs[p - 1]:
                            for fc2 in fcs[p + 1]:
                                for fid in sfx_chars.get((ch, 1, fc, fc2), ()):
                                    found.add((fid, p - 1))
            if primed:
                for fk in fks[p]:
                    for fid, j in idx.py_single.get(fk, ()):
                        if fid in primed:
                            found.add((fid, p - j))
        # Terms of 4+ syllables need two matching syllable pairs (three syllables about
        # right), counted over neighbouring alignments so that one inserted or dropped
        # syllable still qualifies.
        py_core = idx.py_core
        for key, h in hits.items():
            if h >= 2 or py_core[key[0]] <= 3:
                found.add(key)
            else:
                fid, st = key
                if hits.get((fid, st - 1), 0) + h >= 2 or hits.get((fid, st + 1), 0) + h >= 2:
                    found.add(key)
        if not found:
            continue
        tokens: Optional[tuple[str, ...]] = None
        rsim = _reading_sim
        py_info = idx.py_info
        correct_forms = idx.cjk_correct
        for fid, st in found:
            form, py, n, core, floor = py_info[fid]
            inside = st >= 0 and st + n <= L
            if n < 4 and not inside:
                continue
            if core < n:
                # found by its distinctive core: the generic suffix must be there too
                # (思维科技 is no match for 思维链), at least its first syllable
                if not inside or rsim(readings[st + core], py[core]) < 0.5:
                    continue
            best = None
            if inside:
                if n == 2:
                    sc0 = (rsim(readings[st], py[0]) + rsim(readings[st + 1], py[1])) * 0.5
                elif n == 3:
                    sc0 = (rsim(readings[st], py[0]) + rsim(readings[st + 1], py[1])
                           + rsim(readings[st + 2], py[2])) / 3
                else:
                    sc0 = sum(rsim(readings[st + k], py[k]) for k in range(n)) / n
                # (a shared generic suffix only lowers the score of the rest: skipping here is safe)
                if sc0 < floor and n < 4:
                    continue
                span = run[st : st + n]
                if span != form.target and span not in correct_forms:
                    best = (sc0, st, st + n)
                elif n < 4:
                    continue
            # Windows one syllable shorter or longer (a syllable dropped or inserted by the
            # recogniser), only when the same-length window fails but is not hopeless. One gap
            # costs 1/(n+1) of the score, so below 4 syllables a gapped window can never pass.
            if n >= 4 and (best is None or floor > best[0] >= floor - 0.3):
                form_fks = idx.py_fks[fid]
                for a, b in ((st, st + n - 1), (st, st + n + 1), (st + 1, st + n), (st - 1, st + n)):
                    if a < 0 or b > L or b - a < 2:
                        continue
                    have = {k for pos in range(a, b) for k in fks[pos]}
                    if sum(1 for k in form_fks if k in have) < n - 1:
                        continue  # a gapped alignment needs all but one syllable near-exact
                    span = run[a:b]
                    if span == form.target or span in idx.cjk_correct:
                        continue
                    sc = _align_score(readings[a:b], py)
                    if best is None or sc > best[0]:
                        best = (sc, a, b)
            if best is None:
                continue
            sc, a, b = best
            n_full = n
            k = idx.py_suffix[fid]
            if k and b - a == n and run[b - k : b] == form.target[-k:]:
                # "医疗大模型" is not "易元大模型": a shared generic suffix proves nothing, so
                # only the distinctive part is scored (and judged by its own length).
                n = n - k
                sc = sum(_reading_sim(readings[a + i], py[i]) for i in range(n)) / n
            floor = min(PINYIN_MIN_COMMON, PINYIN_MIN.get(n, PINYIN_MIN_LONG))
            if sc < floor:
                continue
            span = run[a:b]
            s_abs, e_abs = run_start + a, run_start + b
            two_syl_evidence = False
            if n == 2 and (b - a == 2 or k):
                # two-syllable names: one syllable may be off, but then a character must agree,
                # the pinyin be (nearly) exact, or the context speak for the term
                core_span, core_target = (run[a : a + 2], form.target[:2]) if k else (span, form.target)
                if sc < 0.9 and not (set(core_span) & set(core_target)):
                    if not _has_evidence(form.term, text, s_abs, e_abs, context, ctx_off):
                        continue
                    two_syl_evidence = True
            if any(c in _FUNCTION_CHARS and c not in form.target for c in span) and (
                sc < 0.999 or all(c in _FUNCTION_CHARS for c in span)
            ):
                # 的/了/是/个…: ordinary text unless the syllables match exactly, and even then
                # when the span is nothing but function characters (对其展开调查 is not 对齐)
                kind_needed = True
            elif span[0] in _DEGREE_ADVERBS and span[0] != form.target[0]:
                kind_needed = True  # 太魔性了: an adverb before an adjective, not 大模型
            else:
                kind_needed = False
            if tokens is None:
                tokens = _jieba_tokens(run)
            kind, crosses = _span_kind(run, tokens, a, b)
            evidence = two_syl_evidence or None
            if crosses or kind == "words":
                # The span cuts or spans ordinary words. Change it only when its pinyin is
                # (nearly) exact for a term of 3+ syllables and the corrected text reads
                # better: its best segmentation uses the term and is more probable.
                if n_full < 3 or sc < LM_MIN_SCORE or kind_needed or not _reads_better(run, a, b, form.target):
                    if crosses:
                        continue
                else:
                    if _blocked_by_never(text, s_abs, e_abs, form.term.never + idx.never):
                        continue
                    cands.append(_Cand(s_abs, e_abs, form.target, form.term, sc, "pinyin-lm"))
                    continue
            if kind in ("word", "words") or kind_needed:
                # an ordinary word needs evidence right beside it (五个Gemini, 千万3), not just
                # somewhere in the sentence (五个月前 … Gemini)
                evidence = _has_evidence(form.term, text, s_abs, e_abs, context, ctx_off, ADJACENT_WINDOW)
                if not evidence or sc < PINYIN_MIN_COMMON:
                    continue
                if evidence == "context" and sc < VERY_COMMON_MIN_WITH_CONTEXT and any(
                    _word_freq(w) >= VERY_COMMON_FREQ for w in _words_in(run, tokens, a, b)
                ):
                    continue
            else:
                thr = PINYIN_MIN.get(n, PINYIN_MIN_LONG) + (0.04 if kind == "mixed" else 0.0)
                if sc < thr:
                    evidence = _has_evidence(form.term, text, s_abs, e_abs, context, ctx_off)
                    if not evidence or sc < thr - 0.05:
                        continue
            if _blocked_by_never(text, s_abs, e_abs, form.term.never + idx.never):
                continue
            cands.append(
                _Cand(s_abs, e_abs, form.target, form.term, sc, "pinyin-context" if evidence else "pinyin")
            )


def _blocked_by_never(text: str, s: int, e: int, never: tuple[str, ...]) -> bool:
    """True when one of the ``never`` spans occurs in ``text`` overlapping [s, e)."""
    for w in never:
        if not w:
            continue
        lo = max(0, s - len(w) + 1)
        i = text.find(w, lo)
        while i != -1 and i < e:
            if i + len(w) > s:
                return True
            i = text.find(w, i + 1)
    return False


def _resolve(cands: list[_Cand]) -> list[_Cand]:
    """Best-first: higher score, then longer span, then keeps; no overlaps.

    A keep (an already-correct form) inside a longer candidate whose replacement contains
    it unchanged ("Claude" in "Claude Sonet 4.5" → "Claude Sonnet 4.5") does not block it.
    """
    changes = [c for c in cands if not c.keep]
    if changes:
        # changes covering each position, to test keeps against overlapping changes only
        covering: dict[int, list[_Cand]] = defaultdict(list)
        for c in changes:
            covering[c.start].append(c)
        max_len = max(c.length for c in changes)
        keeps = []
        for k in cands:
            if not k.keep:
                continue
            kt = k.target
            if any(
                c.rule.startswith("latin")
                and k.end <= c.end and c.length > k.length
                and c.target != kt and c.target.find(kt) == k.start - c.start
                for st in range(max(0, k.start - max_len), k.start + 1)
                for c in covering.get(st, ())
            ):
                continue
            keeps.append(k)
        cands = changes + keeps
    cands.sort(key=lambda c: (-round(c.score, 6), -c.length, not c.keep, c.rule != "alias", c.start))
    used: set[int] = set()
    out = []
    for c in cands:
        if any(i in used for i in range(c.start, c.end)):
            continue
        used.update(range(c.start, c.end))
        out.append(c)
    return sorted((c for c in out if not c.keep), key=lambda c: c.start)


def _correct(text: str, glossary: Glossary, language: Optional[str], context: str = "", ctx_off: int = 0, segment: int = -1):
    if not text or not glossary.terms:
        return text, [], []
    idx = build_index(glossary)
    lang = (language or _detect_language(text))[:2]
    if not context:
        context, ctx_off = text, 0
    cands: list[_Cand] = []
    _latin_candidates(text, idx, lang, cands)
    if _CJK_RE.search(text):
        _exact_cjk_candidates(text, idx, cands)
        _cjk_candidates(text, idx, cands, context, ctx_off)
    # A term's `never` spans and the global ones block every change they overlap.
    chosen = []
    for c in _resolve(cands):
        if c.rule.startswith("latin") or c.rule == "alias":
            if _blocked_by_never(text, c.start, c.end, c.term.never + idx.never):
                continue
        if text[c.start : c.end] == c.target:
            continue
        chosen.append(c)
    if not chosen:
        return text, [], []
    out = []
    corrections = []
    pos = 0
    delta = 0
    for c in chosen:
        out.append(text[pos : c.start])
        before = text[c.start : c.end]
        ns = c.start + delta
        corrections.append(
            Correction(
                start=ns,
                end=ns + len(c.target),
                before=before,
                after=c.target,
                term=c.term.term,
                score=round(c.score, SCORE_DIGITS),
                rule=c.rule,
                segment=segment,
            )
        )
        out.append(c.target)
        delta += len(c.target) - len(before)
        pos = c.end
    out.append(text[pos:])
    new = "".join(out)
    for corr in corrections:
        log.debug("correct %r -> %r (%s %.2f)", corr.before, corr.after, corr.rule, corr.score)
    return new, corrections, chosen


def correct_text(text: str, glossary: Glossary, *, language: Optional[str] = None) -> CorrectionResult:
    """Correct ``text`` against ``glossary``. Offsets refer to the returned text."""
    res = _correct(text, glossary, language)
    return CorrectionResult(res[0], tuple(res[1]))


# --------------------------------------------------------------------------- transcripts


def _align_words(text: str, words: tuple[Word, ...]) -> Optional[list[tuple[int, int]]]:
    """Map each character index of ``text`` to (word index, offset in word.word), or None.

    Whitespace in either is ignored. When the characters differ (e.g. the text was
    converted to Simplified but the words were not) and the non-space counts agree,
    characters are paired by position.
    """
    wchars = [(k, j) for k, w in enumerate(words) for j, ch in enumerate(w.word) if not ch.isspace()]
    tchars = [i for i, ch in enumerate(text) if not ch.isspace()]
    mapping: list[Optional[tuple[int, int]]] = [None] * len(text)
    if len(wchars) == len(tchars):
        for i, (k, j) in zip(tchars, wchars):
            mapping[i] = (k, j)
        return mapping  # type: ignore[return-value]
    # Greedy: follow the text, skipping text characters the words do not have (punctuation).
    wi = 0
    for i in tchars:
        if wi >= len(wchars):
            break
        k, j = wchars[wi]
        if words[k].word[j] == text[i]:
            mapping[i] = (k, j)
            wi += 1
    if wi < len(wchars) * 0.9:
        return None
    return mapping  # type: ignore[return-value]


def _fix_words(seg: Segment, old_text: str, chosen: list[_Cand]) -> tuple[Word, ...]:
    words = seg.words
    if not words or not chosen:
        return words
    mapping = _align_words(old_text, words)
    if mapping is None:
        log.debug("segment %s: words do not align with text; word texts left as they are", seg.id)
        return words
    # Word range touched by each correction, grouped when ranges overlap.
    groups: list[list] = []  # [first_word, last_word, [(cand, (k,j) start, (k,j) end)]]
    for c in chosen:
        inside = [mapping[i] for i in range(c.start, c.end) if mapping[i] is not None]
        if not inside:
            continue
        first, last = inside[0], inside[-1]
        if groups and first[0] <= groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], last[0])
            groups[-1][2].append((c, first, last))
        else:
            groups.append([first[0], last[0], [(c, first, last)]])
    if not groups:
        return words
    out: list[Word] = []
    k = 0
    for g_first, g_last, items in groups:
        out.extend(words[k:g_first])
        ws = words[g_first : g_last + 1]
        offs = []
        acc = 0
        for w in ws:
            offs.append(acc)
            acc += len(w.word)
        joined = "".join(w.word for w in ws)
        for c, (k1, j1), (k2, j2) in sorted(items, key=lambda it: it[0].start, reverse=True):
            a = offs[k1 - g_first] + j1
            b = offs[k2 - g_first] + j2 + 1
            joined = joined[:a] + c.target + joined[b:]
        out.append(
            Word(
                start=ws[0].start,
                end=ws[-1].end,
                word=joined,
                probability=min(w.probability for w in ws),
            )
        )
        k = g_last + 1
    out.extend(words[k:])
    return tuple(out)


def correct_transcript(transcript: Transcript, glossary: Glossary) -> Transcript:
    """Correct every segment's text and words; corrections carry their segment index.

    Words touched by one correction are merged into one word (first start, last end).
    Neighbouring segments count as context for evidence. Corrections already on the
    transcript are replaced (correction is re-run from the text as given).
    """
    segs = transcript.segments
    lang = transcript.language or None
    new_segs = []
    all_corr: list[Correction] = []
    for i, seg in enumerate(segs):
        prev = segs[i - 1].text if i > 0 else ""
        nxt = segs[i + 1].text if i + 1 < len(segs) else ""
        context = prev + " " + seg.text + " " + nxt
        new_text, corrs, chosen = _correct(seg.text, glossary, lang, context, len(prev) + 1, segment=i)
        if not corrs:
            new_segs.append(seg)
            continue
        all_corr.extend(corrs)
        new_segs.append(
            Segment(
                id=seg.id,
                start=seg.start,
                end=seg.end,
                text=new_text,
                words=_fix_words(seg, seg.text, chosen),
                avg_logprob=seg.avg_logprob,
                compression_ratio=seg.compression_ratio,
                no_speech_prob=seg.no_speech_prob,
            )
        )
    return transcript.replace(segments=tuple(new_segs), corrections=tuple(all_corr))
