"""Chinese numbers the way a news writer writes them.

News style (the usage of GB/T 15835 "出版物上数字用法", as Xinhua writes it):

* amounts, percentages, decimals and dates in Arabic digits: 二零二六年 → 2026年,
  十二月三十一日 → 12月31日, 百分之八十八 → 88%, 三点五 → 3.5, 一百二十个 → 120个;
* large amounts keep 万/亿 as the unit: 三百亿 → 300亿, 一千五百万 → 1500万, 三亿五千万 → 3.5亿;
* ordinals from ten up in digits, below ten in characters: 第十二期 → 第12期, 第三季度 stays;
* single-digit counts stay characters (一个模型, 两家公司, 五个月), as do words and idioms
  that contain a numeral (一起, 一下, 一些, 万一, 一直, 统一, 十分, 星期一, 三心二意),
  approximate numbers (十几个, 几十万, 三四个, 二三十) and anything that does not parse.

A numeral run is converted only when it parses (cn2an, imported on first use) and no
dictionary word (jieba) joins it to characters other than a measure word or unit. The rules
were written from the style guide before scoring; ``audio2digest eval normalize`` scores them
on the dev episodes.
"""

from __future__ import annotations

import logging
import re
from typing import NamedTuple

from audio2digest.text.chinese_words import jieba_module

log = logging.getLogger("audio2digest.text.numbers")

_DIGIT_CHARS = "零〇一二两三四五六七八九"
_NUMERAL_CHARS = _DIGIT_CHARS + "十百千万亿"
_DIGIT_VALUE = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0", "两": "2"}
#: a numeral run: an integer part, an optional decimal part, an optional 万/亿 after it
_RUN_RE = re.compile(f"[{_NUMERAL_CHARS}]+(?:点[{_DIGIT_CHARS}]+[万亿]?)?")
#: what may stand beside a numeral inside one dictionary word (measure words, units,
#: 第, 多/余): a word with anything else (一起, 十分, 星期一, 十大) is a word, not a number
UNIT_WORDS = frozenset(
    "个 年 月 日 号 倍 元 美元 亿元 万元 分钟 小时 秒 秒钟 天 周 周年 岁 家 款 名 人 次 位 届 期 项 种 条 张 台 "
    "块 米 公里 千米 公斤 吨 度 代 版 季度 月份 年代 亿美元 万美元 多 余 第 第个".split()
)
_APPROX = set("几多余来")  # 十几, 几十; (多/余 after a number are fine: 300多亿)
#: Digits split from their percent sign or unit: "77，%", "77 %", "300，亿" (a space before
#: 万/亿 is a typesetting choice, "300 亿", and stays). Matched right after a digit: Whisper's
#: own, or the end of a numeral this module writes in digits (七十七，% → 77%).
_SPLIT_UNIT_RE = re.compile(r"[ \t]*[，,、]?[ \t]*(?=[%‰])|[ \t]*[，,、][ \t]*(?=[万亿])")
_PERCENT_DIGITS_RE = re.compile(r"百分之[ \t]*(\d+(?:\.\d+)?)")


class Edit(NamedTuple):
    """Replace ``text[start:end]`` with ``new``."""

    start: int
    end: int
    new: str


def _parse(s: str):
    """cn2an's value of a well-formed numeral string, or None."""
    import warnings

    import cn2an

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return cn2an.cn2an(s, "normal")
        except (ValueError, KeyError, IndexError, TypeError):
            return None


def _fmt(value) -> str:
    if isinstance(value, float):
        s = f"{value:.6f}".rstrip("0").rstrip(".")
        return s
    return str(value)


_SCALE = {"万亿": 10**12, "亿": 10**8, "万": 10**4}


def _with_unit(value, unit: str) -> str | None:
    """``value`` written with 万亿, 亿 or 万 as its unit, at most two decimals (3.5亿, 1500万)."""
    scale = _SCALE[unit]
    q = round(value / scale, 6)
    if abs(q * 100 - round(q * 100)) > 1e-6:
        return None
    return _fmt(int(q) if q == int(q) else q) + unit


def _adjacent_digits(s: str) -> bool:
    """Two digit characters side by side (三四, 二三十, 二零二六): a list of digits or an
    approximate number, not one amount. A 零 after 十/百/千/万/亿 holds an empty place
    (一百零五, 两千零二十六): that is one amount."""
    for i, (a, b) in enumerate(zip(s, s[1:])):
        if a in _DIGIT_CHARS and b in _DIGIT_CHARS:
            if a in "零〇" and i > 0 and s[i - 1] in "十百千万亿":
                continue
            return True
    return False


def _word_blocks(text: str, start: int, end: int, tokens: list[tuple[int, int, str]]) -> bool:
    """True when a dictionary word overlapping [start, end) joins the numeral to other text."""
    for s, e, tok in tokens:
        if e <= start or s >= end or len(tok) < 2:
            continue
        rest = "".join(c for c in tok if c not in _NUMERAL_CHARS and c != "点")
        if rest and rest not in UNIT_WORDS:
            return True
    return False


def _tokens(text: str) -> list[tuple[int, int, str]]:
    out = []
    pos = 0
    for tok in jieba_module().lcut(text, HMM=False):
        out.append((pos, pos + len(tok), tok))
        pos += len(tok)
    return out


def number_edits(text: str) -> list[Edit]:
    """The edits that write the Chinese numbers of ``text`` in news style (sorted)."""
    edits: list[Edit] = []
    for m in _PERCENT_DIGITS_RE.finditer(text):  # 百分之88 (Whisper's digits) → 88%
        edits.append(Edit(m.start(), m.end(), m.group(1) + "%"))
    if any(c in _NUMERAL_CHARS for c in text):
        edits.extend(_numeral_edits(text))
    # the join comes last: a numeral is digits only once converted (七十七，% → 77%). Its
    # edit starts where a conversion ends, so the two stay separate, non-overlapping edits
    # (what rewrite_words needs to keep word times right)
    ends = {ed.end for ed in edits if ed.new[-1:].isascii() and ed.new[-1:].isdigit()}
    for pos, ch in enumerate(text):
        if ch.isascii() and ch.isdigit():
            ends.add(pos + 1)
    for pos in sorted(ends):
        gap = _SPLIT_UNIT_RE.match(text, pos)
        if gap and gap.end() > pos:
            edits.append(Edit(pos, gap.end(), ""))
    return _no_overlaps(edits)


def _numeral_edits(text: str) -> list[Edit]:
    """The edits that write the Chinese numeral runs of ``text`` in digits."""
    edits: list[Edit] = []
    tokens: list[tuple[int, int, str]] | None = None
    for m in _RUN_RE.finditer(text):
        s, e, run = m.start(), m.end(), m.group()
        before = text[max(0, s - 3) : s]
        after = text[e : e + 2]
        if before.endswith("百分之") or run.startswith("百分之"):
            new = _percent(text, s, e, run)
            if new is not None:
                edits.append(Edit(s - 3, e, new))
            continue
        if run[0] in "百千万亿":  # 万一, 千万, 百万: no leading digit, not an amount
            continue
        if (before[-1:] in _APPROX) or (after[:1] in _APPROX - {"多", "余"}):
            continue  # 十几个, 几十万
        if "点" in run and after[:1] in ("十", "百", "千"):
            continue  # 三点五十分: a clock time, not 3.5
        new = _convert(run, before, after)
        if new is None or new == run:
            continue
        if tokens is None:
            tokens = _tokens(text)
        if _word_blocks(text, s, e, tokens):
            continue
        edits.append(Edit(s, e, new))
    return edits


def _percent(text: str, s: int, e: int, run: str) -> str | None:
    if run == "百" and text[s - 3 : s] == "百分之":
        return "100%"  # 百分之百
    if _adjacent_digits(run.split("点")[0]) or run[0] in "百千万亿":
        return None
    v = _parse(run)
    return None if v is None else _fmt(v) + "%"


def _convert(run: str, before: str, after: str) -> str | None:
    """News-style digits for one numeral run, or None to leave it as it is."""
    int_part, _, frac = run.partition("点")
    unit = ""
    if frac and frac[-1] in "万亿":
        frac, unit = frac[:-1], frac[-1]
    if all(c in _DIGIT_CHARS for c in int_part) and len(int_part) > 1:
        # digits read one by one: a year (二零二六年) and nothing else
        if not frac and not unit and len(int_part) == 4 and after[:1] == "年":
            return "".join(_DIGIT_VALUE[c] for c in int_part)
        return None
    if _adjacent_digits(int_part):
        return None
    if frac:
        v = _parse(int_part + "点" + frac)
        if v is None:
            return None
        return _fmt(v) + unit
    v = _parse(run)
    if v is None or isinstance(v, float):
        return None
    if (
        after[:1] == "月"
        and 1 <= v <= 12
        or after[:1] in ("日", "号")
        and before.endswith("月")
        and 1 <= v <= 31
    ):
        return str(v)  # dates: 3月, 12月31日
    if run[-1] in "万亿":
        # the largest unit the value reads well in: 三亿五千万 → 3.5亿, 一千五百万 → 1500万
        units = [u for u in ("万亿", "亿", "万") if v >= _SCALE[u] and u in run]
        return next((w for w in (_with_unit(v, u) for u in units) if w), str(v))
    if v < 10:
        return None  # single-digit counts and ordinals stay characters
    return str(v)


def _no_overlaps(edits: list[Edit]) -> list[Edit]:
    out: list[Edit] = []
    for ed in sorted(edits):
        if out and ed.start < out[-1].end:
            continue
        out.append(ed)
    return out


def apply_edits(text: str, edits: list[Edit]) -> str:
    """``text`` with sorted, non-overlapping ``edits`` applied."""
    out = []
    pos = 0
    for ed in edits:
        out.append(text[pos : ed.start])
        out.append(ed.new)
        pos = ed.end
    out.append(text[pos:])
    return "".join(out)


def news_numbers(text: str) -> str:
    """``text`` with its Chinese numbers written in news style."""
    return apply_edits(text, number_edits(text))
