"""What script a text is in, and whether a language is written without spaces (CJK).

The one place that decides "is this Chinese": every stage asks here, so they agree.
"""

from __future__ import annotations

import re

#: Han characters: CJK Extension A, the Unified Ideographs and the Compatibility Ideographs.
CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{CJK_CHARS}]")

#: Languages written without spaces between words (Whisper's codes).
CJK_LANGUAGES = ("zh", "yue", "ja")


def is_cjk_char(ch: str) -> bool:
    return bool(ch) and CJK_RE.match(ch) is not None


def has_cjk(text: str) -> bool:
    return CJK_RE.search(text or "") is not None


def cjk_count(text: str) -> int:
    return len(CJK_RE.findall(text or ""))


def is_chinese(language: str | None) -> bool:
    """Mandarin or Cantonese by language code (``zh``, ``zh-CN``, ``yue``)."""
    return (language or "").lower().startswith(("zh", "yue"))


def is_cjk_language(language: str | None, text: str = "") -> bool:
    """True for Chinese/Japanese; when ``language`` is empty, guessed from ``text``: Han
    characters at least a quarter as many as Latin letters."""
    if language:
        return language.lower().startswith(CJK_LANGUAGES)
    cjk = cjk_count(text)
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return cjk > 0 and cjk >= latin / 4


#: English function words: never a content word or a keyword (lower case).
EN_STOPWORDS = frozenset(
    (
        "a an the and or but if of in on at to for from by with as is are was were be been has "
        "have had it its this that these those he she they we you i our their his her will would "
        "can could about into over under than then so not no yes more most very just also all any "
        "some such which who what when where why how there here up out new says said one two"
    ).split()
)
#: Capitalised English words that start a sentence and are no name.
EN_STOP_CAPS = frozenset(
    (
        "A An The And But Or If In On At Of For To From By With As It Its This That These Those He "
        "She They We I You Our Their His Her Here There What When Where Who Why How So Now Then "
        "Yes No Not Some Many More Most One Two Also Meanwhile Next Finally"
    ).split()
)
