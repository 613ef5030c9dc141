"""Grounding: an LLM field may only name what the item's transcript names.

Every entity, number and date in a field must appear in the item's (corrected) transcript;
a glossary term counts as present when any of its forms (term, variants, aliases) appears
there, so "Google" in a field is grounded by "谷歌" in the transcript. What is checked:

- entities: glossary terms (but not its generic ``concept`` entries: 大模型, 智能体) and
  Latin-script names (GPT-5, DeepMind, NRE-skin) found by
  :func:`audio2digest.text.segment.find_entities`, plus any Latin token with a digit or an
  inner capital (scPEFT) and, in Chinese text, any Latin word but a few generic ones (AI,
  API, App, LLM, GPU, Web);
- numbers and dates: Arabic numerals (3,000 / 0.35 / 2026) and Chinese numerals with a unit
  or of two characters or more (两千亿, 二〇二六年, 百分之三十), compared by value, each with
  and without its 万/亿 multiplier. A date is its numbers (2026年1月3日 → 2026, 1, 3); English
  month and weekday names are entities.

Not checked (said plainly): Chinese names outside the glossary and the built-in list (a
person the model invents in Han characters passes), and whether a grounded number is used
for the right thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10_000, "亿": 100_000_000}
_ZH_NUM = "零〇一二两三四五六七八九十百千万亿"
# Words after a Chinese numeral that make it a claim (a count, a date, an amount).
_ZH_MEASURE = "年月日号天周倍个%亿万元美款家位名人次项场台块张篇条分秒点小"
_ARABIC = re.compile(r"(?<![A-Za-z0-9.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*([万亿kKmMbB](?![a-z]))?")
_ZH_RUN = re.compile(f"(百分之)?([{_ZH_NUM}]+)(点[{_ZH_NUM[:12]}]+)?")
_LATIN_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.+_'][A-Za-z0-9]+)*")
_CJK = re.compile(r"[\u3400-\u9fff]")
_MULT = {"万": 1e4, "亿": 1e8, "k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "b": 1e9, "B": 1e9}
# Glossary categories that are generic ideas, not claims (大模型, 智能体, AI agent): a field
# may use them without the transcript saying them.
UNCHECKED_CATEGORIES = ("concept",)
# Generic Latin words that Chinese text uses as ordinary words; not names.
_GENERIC_LATIN = set(
    """ai api apis app apps llm llms gpu gpus cpu cpus npu web pc sdk ui ux
it vs ok""".split()
)
# Ordinary English words that start sentences or headings: never names by themselves.
_EN_COMMON = set(
    """a an the this that these those it its in on at of for to from by with and or
but as is are was were be will can may new what why how who when where which impact advice
summary details trend trends first second third finally also however meanwhile overall""".split()
)


def zh_numeral_value(s: str) -> float | None:
    """二〇二六 → 2026, 三千五百 → 3500, 两千亿 → 2e11, 十二 → 12; None if not a numeral."""
    if not s or any(ch not in _ZH_NUM for ch in s):
        return None
    if all(ch in _ZH_DIGITS for ch in s):  # digit by digit (years, codes)
        return float("".join(str(_ZH_DIGITS[ch]) for ch in s))
    total, section, digit = 0.0, 0.0, None
    for ch in s:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            section += (1 if digit is None else digit) * _ZH_UNITS[ch]
            digit = None
        else:  # 万 / 亿
            section += digit or 0
            total = (total + section) * _ZH_BIG[ch] if ch == "亿" else total + section * _ZH_BIG[ch]
            section, digit = 0.0, None
    return total + section + (digit or 0)


def _round(v: float) -> float:
    return round(v, 6)


def numbers(text: str, *, claims_only: bool = False) -> set[float]:
    """The numeric values in ``text``. With ``claims_only`` (for LLM fields), a lone Chinese
    numeral character without a unit (一些, 统一) is not a number."""
    out: set[float] = set()
    for m in _ARABIC.finditer(text):
        whole, frac, mult = m.group(1).replace(",", ""), m.group(2), m.group(3)
        v = float(f"{whole}.{frac}" if frac else whole)
        out.add(_round(v))
        if mult:
            out.add(_round(v * _MULT[mult]))
    for m in _ZH_RUN.finditer(text):
        pct, run, dec = m.group(1), m.group(2), m.group(3)
        if all(ch in _ZH_BIG for ch in run) or (m.start() and text[m.start() - 1].isdigit()):
            continue  # a multiplier of an Arabic number (3000亿), counted above
        nxt = text[m.end() : m.end() + 1]
        if claims_only and not (pct or dec or len(run) >= 2 or (nxt and nxt in _ZH_MEASURE)):
            continue
        big = 1.0
        core = run
        while core and core[-1] in _ZH_BIG and len(core) > 1:
            big *= _ZH_BIG[core[-1]]
            core = core[:-1]
        value = zh_numeral_value(core)
        if value is None:
            continue
        v = value
        if dec:
            digits = "".join(str(_ZH_DIGITS.get(ch, "")) for ch in dec[1:])
            v = float(f"{int(v)}.{digits}") if digits else v
        out.add(_round(v))
        if big != 1.0:
            out.add(_round(v * big))
    return out


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def _term_forms(glossary: Any) -> dict[str, tuple[str, ...]]:
    """term (casefolded) → every spelling of it the glossary knows."""
    out: dict[str, tuple[str, ...]] = {}
    for t in getattr(glossary, "terms", ()) or ():
        forms = (t.term, *getattr(t, "variants", ()), *getattr(t, "aliases", ()))
        out[t.term.casefold()] = tuple(f for f in forms if f)
    return out


@dataclass(frozen=True)
class Source:
    """What an item's fields may draw on: its transcript text and the glossary."""

    text: str
    glossary: Any = None
    extra_entities: tuple[str, ...] = ()  # the extractive entities of the item

    def __post_init__(self):
        object.__setattr__(self, "_folded", _fold(self.text))
        object.__setattr__(self, "_numbers", numbers(self.text))
        object.__setattr__(self, "_forms", _term_forms(self.glossary))
        object.__setattr__(self, "_extra", {e.casefold() for e in self.extra_entities})

    def has_entity(self, name: str) -> bool:
        key = name.casefold()
        if key in self._extra or _fold(name) in self._folded:  # type: ignore[attr-defined]
            return True
        forms = self._forms.get(key)  # type: ignore[attr-defined]
        if forms is None:  # a variant or alias named: find its term
            for fs in self._forms.values():  # type: ignore[attr-defined]
                if any(f.casefold() == key for f in fs):
                    forms = fs
                    break
        if forms and any(_fold(f) in self._folded for f in forms):  # type: ignore[attr-defined]
            return True
        words = [w for w in name.split() if w.casefold() not in _GENERIC_LATIN | _EN_COMMON]
        # "Google AI" is grounded by "Google ... AI": a multi-word name by each of its words
        return len(name.split()) > 1 and bool(words) and all(self.has_entity(w) for w in words)

    def has_number(self, value: float) -> bool:
        return value in self._numbers  # type: ignore[attr-defined]


def entities(text: str, glossary: Any = None) -> list[str]:
    """The names an LLM field mentions (see the module docstring)."""
    from audio2digest.text.segment import find_entities

    names: list[str] = []
    generic: list[str] = []
    for e in find_entities(text, glossary):
        if e.category in UNCHECKED_CATEGORIES or e.term.casefold() in _GENERIC_LATIN:
            generic.append(e.term.casefold())
        elif e.term not in names:
            names.append(e.term)
    zh = bool(_CJK.search(text))
    for m in _LATIN_TOKEN.finditer(text):
        tok = m.group(0).strip("'.")
        low = tok.casefold()
        if len(tok) < 2 or low in _EN_COMMON or low in _GENERIC_LATIN or any(low in g for g in generic):
            continue
        named = zh or any(ch.isdigit() for ch in tok) or any(ch.isupper() for ch in tok[1:])
        if named and not any(tok.casefold() in n.casefold() for n in names):
            names.append(tok)
    return names


def ungrounded(text: str, source: Source) -> list[str]:
    """The entities and numbers in ``text`` that ``source`` does not contain (empty: grounded)."""
    missing: list[str] = []
    for name in entities(text, source.glossary):
        if not source.has_entity(name):
            missing.append(name)
    for v in sorted(numbers(text, claims_only=True)):
        if not source.has_number(v):
            missing.append(f"{v:g}")
    return missing


def canonical_spellings(text: str, glossary: Any) -> str:
    """``text`` with glossary names in their canonical spelling: an alias becomes its term,
    a Latin form in the wrong case takes the glossary's case (openai → OpenAI)."""
    if glossary is None or not text:
        return text
    repl: dict[str, str] = {}
    for t in getattr(glossary, "terms", ()) or ():
        for f in (t.term, *getattr(t, "variants", ())):
            if f.isascii():
                repl.setdefault(f.casefold(), f)
        for a in getattr(t, "aliases", ()):
            if a and a not in getattr(glossary, "never", ()):
                repl[a.casefold() if a.isascii() else a] = t.term
    if not repl:
        return text
    keys = sorted(repl, key=len, reverse=True)
    latin = [k for k in keys if k.isascii()]
    other = [k for k in keys if not k.isascii()]
    out = text
    if latin:
        pat = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, latin)) + r")(?![A-Za-z0-9])", re.I)
        out = pat.sub(lambda m: repl.get(m.group(0).casefold(), m.group(0)), out)
    if other:
        pat = re.compile("|".join(map(re.escape, other)))
        out = pat.sub(lambda m: repl.get(m.group(0), m.group(0)), out)
    return out


def check_fields(fields: dict, source: Source, names: Iterable[str]) -> dict[str, list[str]]:
    """``{field: missing}`` for each of ``names`` in ``fields`` that fails grounding."""
    bad: dict[str, list[str]] = {}
    for name in names:
        value = fields.get(name)
        texts = value if isinstance(value, list) else [value or ""]
        missing: list[str] = []
        for t in texts:
            for m in ungrounded(t, source):
                if m not in missing:
                    missing.append(m)
        if missing:
            bad[name] = missing
    return bad
