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
