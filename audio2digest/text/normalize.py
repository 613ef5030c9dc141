"""Text normalisation after ASR: script conversion (opencc) and Chinese punctuation.

Whisper often prints Traditional characters for Mandarin; digests are published in
Simplified by default. Conversion is applied to segment text and to each word so that
the two stay consistent (correction later edits both).
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

from audio2digest.types import Segment

SCRIPTS = ("simplified", "traditional", "keep")

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HALF_TO_FULL = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；"}
_PUNCT_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s*([,?!:;])\s*|\s*([,?!:;])\s*(?=[{_CJK}])")
_PERIOD_AFTER_CJK = re.compile(rf"(?<=[{_CJK}])\s*\.(?!\d)\s*")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}，。？！：；、])\s+(?=[{_CJK}，。？！：；、])")
_TERMINAL = tuple("。！？!?.…」』”\"")


def is_chinese(language: str) -> bool:
    return (language or "").lower().startswith(("zh", "yue"))


@functools.lru_cache(maxsize=4)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def convert_script(text: str, script: str) -> str:
    """Convert Chinese ``text`` to ``script`` ('simplified' | 'traditional' | 'keep')."""
    if script == "keep" or not text:
        return text
    if script not in SCRIPTS:
        raise ValueError(f"Invalid script '{script}', expected one of: {', '.join(SCRIPTS)}")
    return _converter("t2s" if script == "simplified" else "s2t").convert(text)


def punctuate_chinese(text: str) -> str:
    """Full-width punctuation next to CJK characters; no stray spaces between CJK."""
    text = _PUNCT_NEAR_CJK.sub(lambda m: _HALF_TO_FULL[m.group(1) or m.group(2)], text)
    text = _PERIOD_AFTER_CJK.sub("。", text)
    return _SPACE_BETWEEN_CJK.sub("", text)


def normalize_segments(segments, language: str, script: str = "simplified") -> list[Segment]:
    """Normalise segments for ``language``. Non-Chinese text only gets whitespace cleanup."""
    out: list[Segment] = []
    zh = is_chinese(language)
    for seg in segments:
        if not zh:
            out.append(replace(seg, text=seg.text.strip()))
            continue
        words = tuple(
            replace(w, word=punctuate_chinese(convert_script(w.word, script))) for w in seg.words
        )
        text = punctuate_chinese(convert_script(seg.text.strip(), script))
        if text and not text.endswith(_TERMINAL) and not text.endswith(("，", "；", "：")):
            text += "。"
            if words:
                words = words[:-1] + (replace(words[-1], word=words[-1].word + "。"),)
        out.append(replace(seg, text=text, words=words))
    return out
