"""Pinyin phonetics: toneless syllables, confusable initials and finals, and how alike two
syllables or two syllable sequences sound.

Owns the syllable model (zh/z, ch/c, sh/s, l/n, f/h, b/p, d/t, g/k, an/ang, en/eng, in/ing …
collapse to one class; other often-confused finals are "near"), the readings of characters
(pypinyin, imported on first use) and the alignment score used by pinyin matching.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

# Parts of a syllable's similarity. The weights were set on the dev batch of the correction
# eval set (samples/eval/corrections) and are the phonetic model, not per-use thresholds.
#: an initial of the same confusable class (zh ~ z) instead of the same initial
SAME_CLASS_INITIAL = 0.8
#: a final of the same confusable class (ang ~ an)
SAME_CLASS_FINAL = 0.8
#: a final listed as often confused (an ~ en, ai ~ ei)
NEAR_FINAL = 0.5
#: initials unrelated: the final's share when one syllable has no initial, else
MISSING_INITIAL = 0.6
OTHER_INITIAL = 0.5
#: weights of initial and final when neither is unrelated
INITIAL_WEIGHT = 0.35
FINAL_WEIGHT = 0.65
#: readings kept per character (the usual one first)
MAX_READINGS = 4

_INITIALS = (
    "zh",
    "ch",
    "sh",
    "b",
    "p",
    "m",
    "f",
    "d",
    "t",
    "n",
    "l",
    "g",
    "k",
    "h",
    "j",
    "q",
    "x",
    "r",
    "z",
    "c",
    "s",
    "y",
    "w",
)
_INIT_CLASS = {"zh": "z", "ch": "c", "sh": "s", "n": "l", "h": "f", "p": "b", "t": "d", "k": "g", "r": "l"}
_FINAL_CLASS = {
    "ang": "an",
    "eng": "en",
    "ing": "in",
    "iang": "ian",
    "uang": "uan",
    "ong": "en",
    "v": "u",
    "ve": "ue",
    "iong": "ion",  # yuan≠wan, yun≠wen: ü-finals with a nasal stay apart
}
# Finals that are often confused by a recogniser but are not classic "fuzzy pinyin" pairs.
_FINAL_NEAR = {
    frozenset(p)
    for p in [
        ("an", "en"),
        ("in", "en"),
        ("ian", "an"),
        ("uan", "an"),
        ("e", "o"),
        ("uo", "o"),
        ("ou", "uo"),
        ("ou", "u"),
        ("ai", "ei"),
        ("ao", "ou"),
        ("i", "ei"),
        ("un", "en"),
        ("ie", "ian"),
        ("uan", "un"),
        ("ui", "ei"),
        ("iu", "ou"),
        ("ia", "a"),
        ("ua", "a"),
        ("u", "v"),
        ("e", "en"),
        ("i", "in"),
        ("a", "an"),
        ("o", "ou"),
        ("an", "ai"),
        ("en", "ei"),
    ]
}


_Y_FINALS = {
    "i": "i",
    "in": "in",
    "ing": "ing",
    "u": "v",
    "ue": "ve",
    "uan": "van",
    "un": "vn",
    "ou": "iu",
    "ong": "iong",
}
_W_FINALS = {"u": "u", "ei": "ui", "en": "un"}


def _split_syllable(s: str) -> tuple[str, str]:
    for ini in _INITIALS:
        if s.startswith(ini) and len(s) > len(ini):
            return ini, s[len(ini) :]
    return "", s


@functools.lru_cache(maxsize=8192)
def syllable_parts(s: str) -> tuple[str, str, str, str]:
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


def final_class(s: str) -> str:
    """The confusable class of a final (``ang`` → ``an``)."""
    return _FINAL_CLASS.get(s, s)


@functools.lru_cache(maxsize=65536)
def syllable_similarity(a: str, b: str) -> float:
    """Similarity of two toneless pinyin syllables in [0, 1]."""
    if a == b:
        return 1.0
    ai, af, aic, afc = syllable_parts(a)
    bi, bf, bic, bfc = syllable_parts(b)
    if ai == bi and af == bf:
        return 1.0
    init = 1.0 if ai == bi else (SAME_CLASS_INITIAL if aic == bic else 0.0)
    if af == bf:
        fin = 1.0
    elif afc == bfc:
        fin = SAME_CLASS_FINAL
    elif frozenset((afc, bfc)) in _FINAL_NEAR or frozenset((af, bf)) in _FINAL_NEAR:
        fin = NEAR_FINAL
    else:
        fin = 0.0
    if fin == 0.0:
        return 0.0
    if init == 0.0:
        return MISSING_INITIAL * fin if (ai == "" or bi == "") else OTHER_INITIAL * fin
    return INITIAL_WEIGHT * init + FINAL_WEIGHT * fin if (init < 1.0 or fin < 1.0) else 1.0


@functools.lru_cache(maxsize=4096)
def near_finals(s: str) -> tuple[str, ...]:
    """Final classes a syllable ``s`` can score above 0 against (its own and near ones)."""
    _, f, _, fc = syllable_parts(s)
    out = {fc, f}
    for pair in _FINAL_NEAR:
        if fc in pair or f in pair:
            out.update(pair)
    return tuple(sorted(final_class(x) for x in out))


def fuzzy_key(s: str) -> str:
    """A syllable's blocking key: initial class and final class (``zhang`` → ``z|an``)."""
    _, _, ic, fc = syllable_parts(s)
    return ic + "|" + fc


_CHAR_PY: dict[str, tuple[str, ...]] = {}


def char_readings(ch: str) -> tuple[str, ...]:
    """Toneless readings of one character, the usual one first (empty for non-Han)."""
    r = _CHAR_PY.get(ch)
    if r is None:
        from pypinyin import Style, pinyin

        # pypinyin accepts a list from ``errors`` (its stubs say str): one empty reading
        got = pinyin(ch, style=Style.NORMAL, heteronym=True, errors=lambda x: [""])  # type: ignore[arg-type,return-value]
        r = tuple(dict.fromkeys(x for x in (got[0] if got else []) if x and x.isalpha()))[:MAX_READINGS]
        _CHAR_PY[ch] = r
    return r


def form_pinyin(s: str) -> tuple[str, ...]:
    """Toneless pinyin of a glossary form, one syllable per character (pypinyin's choice)."""
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(s, style=Style.NORMAL))


ReadingSim = Callable[[tuple[str, ...], str], float]


@functools.lru_cache(maxsize=8)
def reading_similarity(alt_weight: float) -> ReadingSim:
    """A cached scorer: the best similarity of a character's readings to a syllable, the
    first (usual) reading counted fully and rarer ones (太 tā, 行 háng) by ``alt_weight``."""

    @functools.lru_cache(maxsize=200000)
    def sim(a: tuple[str, ...], b: str) -> float:
        best = 0.0
        for k, x in enumerate(a):
            v = syllable_similarity(x, b) * (1.0 if k == 0 else alt_weight)
            if v > best:
                best = v
        return best

    return sim


def align_score(span_py, form_py: tuple[str, ...], sim: ReadingSim) -> float:
    """Pinyin similarity of a span (readings per char) and a form; allows gaps."""
    n, m = len(span_py), len(form_py)
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
