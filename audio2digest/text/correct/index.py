"""The matching index: everything precomputed from a glossary for fast candidate search.

Owns the exact tables (CJK forms and aliases, Latin keys, doubled-letter keys), the Latin
fuzzy buckets (by digit groups, first letter and key length), consonant skeletons of
versioned names, and the pinyin blocking keys (syllable pairs, characters of two-syllable
names, single syllables of context-primed terms). Built once per (glossary, options) and
cached.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass

from audio2digest.text.correct.latin import (
    digit_groups,
    is_cjk_form,
    latin_key,
    latin_tokens,
    skeleton,
    squeeze,
)
from audio2digest.text.correct.options import DEFAULT_OPTIONS, CorrectOptions
from audio2digest.text.correct.phonetics import (
    form_pinyin,
    fuzzy_key,
    near_finals,
    reading_similarity,
)
from audio2digest.text.glossary import Glossary, Term
from audio2digest.text.language import CJK_CHARS

_CJK_RUN_RE = re.compile(f"[{CJK_CHARS}]+")

#: Generic endings of names: a span sharing one with a term is judged on the rest only.
GENERIC_SUFFIXES = (
    "大模型",
    "机器人",
    "实验室",
    "研究院",
    "研究所",
    "科学院",
    "智能",
    "科技",
    "模型",
    "芯片",
    "集团",
    "公司",
    "汽车",
    "大学",
    "学院",
    "网络",
    "系统",
    "平台",
    "社区",
    "大会",
    "论坛",
    "技术",
)


@dataclass(frozen=True)
class Form:
    """A surface form matched against, and what a matching span becomes."""

    text: str  # the surface form matched against
    target: str  # what the span becomes
    term: Term
    alias: bool  # an alias (known wrong form) rather than a correct form


class CorrectionIndex:
    """Everything precomputed from a glossary for fast matching."""

    def __init__(self, glossary: Glossary, options: CorrectOptions = DEFAULT_OPTIONS) -> None:
        self.glossary = glossary
        self.options = options
        self.reading_sim = reading_similarity(options.alt_reading_weight)
        self.never = tuple(glossary.never)
        self.cjk_exact: dict[str, Form] = {}  # CJK-containing forms and aliases, exact
        self.latin_exact: dict[str, list[Form]] = defaultdict(list)  # latin key → forms
        self.latin_squeezed: dict[str, list[Form]] = defaultdict(list)  # doubled letters collapsed
        self.py_forms: list[tuple[Form, tuple[str, ...]]] = []
        # Blocking keys: pairs of fuzzy syllables (adjacent, and one apart) → (form id, j).
        self.py_pairs: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
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
        self.max_latin_tokens = options.latin_span_tokens
        fuzzy_lists: dict[tuple[str, ...], tuple[list[str], list[Form]]] = defaultdict(lambda: ([], []))
        for t in glossary.terms:
            latin_target = next((f for f in t.forms if not is_cjk_form(f)), t.term)
            cjk_target = next((f for f in t.forms if is_cjk_form(f)), t.term)
            entries = [Form(f, f, t, False) for f in t.forms]
            for a in t.aliases:
                # An alias turns into the correct form of its own script when there is one.
                entries.append(Form(a, cjk_target if is_cjk_form(a) else latin_target, t, True))
            for fm in entries:
                if is_cjk_form(fm.text):
                    self._add_cjk_form(fm)
                else:
                    self._add_latin_form(fm, fuzzy_lists)
        # per pinyin form: (form, syllables, length, core length, score floor)
        self.py_info = [
            (fm, py, len(py), core, options.pinyin_floor(len(py)))
            for (fm, py), core in zip(self.py_forms, self.py_core)
        ]
        self._build_latin_fuzzy(dict(fuzzy_lists))
        by_term: dict[int, list[int]] = defaultdict(list)
        for fid, (fm, _py) in enumerate(self.py_forms):
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

    def _add_cjk_form(self, fm: Form) -> None:
        if fm.text not in self.cjk_exact or (not fm.alias and self.cjk_exact[fm.text].alias):
            self.cjk_exact[fm.text] = fm
        if fm.alias or not _CJK_RUN_RE.fullmatch(fm.text) or len(fm.text) < 2:
            return
        py = form_pinyin(fm.text)
        if len(py) != len(fm.text):
            return
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
            for fc in near_finals(py[2]):
                self.py_pairs[(fks[0], fks[1], fc)].append((fid, 0))
        elif core == 3 and not sfx:
            # three syllables, two about right: the third must at least
            # share (or nearly share) its final; key by that final too
            for x, y, third, role in ((0, 1, 2, "01"), (1, 2, 0, "12"), (0, 2, 1, "02")):
                for fc in near_finals(py[third]):
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
                for fc in near_finals(py[1 - j]):
                    if sfx:  # and the final of the suffix's first syllable
                        for fc2 in near_finals(py[2]):
                            self.py_chars_sfx[(ch, j, fc, fc2)].append(fid)
                    else:
                        self.py_chars[(ch, j, fc)].append(fid)
            for j, fk in enumerate(fks[:2]):
                self.py_single[fk].append((fid, j))

    def _add_latin_form(self, fm: Form, fuzzy_lists) -> None:
        opts = self.options
        k = latin_key(fm.text)
        if len(k) < opts.latin_key_min_len:
            return
        self.latin_exact[k].append(fm)
        if not fm.alias and len(k) >= opts.latin_squeeze_min_key_len and not fm.text.isupper():
            self.latin_squeezed[squeeze(k)].append(fm)
        ntok = len(latin_tokens(fm.text))
        self.max_latin_tokens = max(self.max_latin_tokens, min(ntok, opts.latin_span_tokens_max))
        if not fm.alias and len(k) >= opts.latin_min_key_len:
            keys, forms = fuzzy_lists[digit_groups(fm.text)]
            keys.append(k)
            forms.append(fm)

    def _build_latin_fuzzy(self, latin_fuzzy: dict) -> None:
        self.latin_fuzzy = latin_fuzzy  # digit groups → (keys, forms)
        # versioned names by consonant skeleton: (digit groups, skeleton) → forms
        self.latin_skeletons: dict = defaultdict(list)
        for digits, (_keys, forms) in self.latin_fuzzy.items():
            if digits:
                for f in forms:
                    toks = latin_tokens(f.text)
                    if len(toks) >= 2:
                        self.latin_skeletons[(digits, skeleton(toks))].append(f)
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


@functools.lru_cache(maxsize=16)
def _index_for(glossary: Glossary, options: CorrectOptions) -> CorrectionIndex:
    return CorrectionIndex(glossary, options)


def build_index(glossary: Glossary, options: CorrectOptions = DEFAULT_OPTIONS) -> CorrectionIndex:
    """Build (or fetch the cached) matching index of ``glossary`` under ``options``."""
    return _index_for(glossary, options)
