"""Text normalisation after ASR, before correction: script, punctuation, numbers.

For Chinese: Traditional → Simplified (opencc; Whisper often prints Traditional for
Mandarin), full-width punctuation, numbers written as a news writer writes them
(:mod:`audio2digest.text.numbers`: 二零二六年 → 2026年, 百分之八十八 → 88%), and sentence
punctuation from pauses where Whisper printed a long run without any. Other languages only
get whitespace cleanup. Every change is made to the segment text and to its words, so the
words still spell the text (correction later edits both).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, replace

from audio2digest.text.chinese_words import JUNCTION_CONTEXT, bound_to_next
from audio2digest.text.language import CJK_CHARS, is_chinese
from audio2digest.text.numbers import Edit, apply_edits, number_edits
from audio2digest.text.words import align_words, rewrite_words
from audio2digest.types import Segment, Word

log = logging.getLogger("audio2digest.text.normalize")

SCRIPTS = ("simplified", "traditional", "keep")
#: Raised whenever normalisation writes different text for the same input: a cached
#: transcript recorded with another version is normalised again (see stages.py).
NORMALIZE_VERSION = 2

_CJK = CJK_CHARS
_HALF_TO_FULL = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；"}
_PUNCT_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s*([,?!:;])\s*|\s*([,?!:;])\s*(?=[{_CJK}])")
_PERIOD_AFTER_CJK = re.compile(rf"(?<=[{_CJK}])\s*\.(?!\d)\s*")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}，。？！：；、])\s+(?=[{_CJK}，。？！：；、])")
_TERMINAL = tuple('。！？!?.…」』”"')


_PUNCT = set("，。？！、；：,.?!;:…")
#: characters a pause mark must never follow (a number and its unit or percent stay together)
_NO_MARK_AFTER = set("0123456789.第")
_NO_MARK_BEFORE = set("%‰")


@dataclass(frozen=True)
class NormalizeOptions:
    """What Chinese normalisation does, and the thresholds of punctuation from pauses.

    ``comma_pause`` was chosen on dev01 (``audio2digest eval normalize``: 0.10–0.30 s tried);
    the other values were set by reasoning, not fitted (docs/normalize.md has the figures)."""

    #: write numbers in news style (二零二六年 → 2026年)
    numbers: bool = True
    #: add sentence punctuation from word pauses inside long unpunctuated runs
    pause_punctuation: bool = True
    #: a stretch of at least this many characters without punctuation gets marks from
    #: pauses (a Chinese clause is rarely longer; Whisper prints runs of 40–100 characters)
    min_run_chars: int = 20
    #: a pause between two words of at least this many seconds becomes "，" (fitted on dev01)
    comma_pause: float = 0.25
    #: next to a Latin word the pause must be at least this long: a voice switching
    #: between Chinese and an English name pauses where no clause ends (AI，能力 in dev02)
    latin_pause: float = 0.5
    #: a pause of at least this many seconds becomes "。" (a sentence break; no pause this
    #: long inside a segment occurs in the eval transcripts, so it is not measured)
    period_pause: float = 0.8
    #: a segment whose next one continues its sentence by grammar (chinese_words.bound_to_next)
    #: gets no full stop when the pause between them is under this (seconds; a pause of a
    #: second is where a speaker starts anew, as transcribe.SPLIT_PAUSE)
    held_max_pause: float = 1.0
    #: no piece shorter than this many characters is cut off by a mark (a clause)
    min_piece_chars: int = 4


DEFAULT_NORMALIZE = NormalizeOptions()


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


def pause_marks(
    text: str, words: tuple[Word, ...], options: NormalizeOptions = DEFAULT_NORMALIZE
) -> list[tuple[int, int, str]]:
    """Where to punctuate a long unpunctuated run from the pauses between its words:
    ``(word index, text position, mark)``, the mark going after that word, sorted."""
    if len(words) < 2:
        return []
    mapping = align_words(text, words)
    if mapping is None:
        return []
    last_pos: dict[int, int] = {}
    for i, m in enumerate(mapping):
        if m is not None:
            last_pos[m[0]] = i
    # stretches without punctuation, as [lo, hi) spans of text
    spans = [(m.start(), m.end()) for m in re.finditer(f"[^{re.escape(''.join(_PUNCT))}]+", text)]
    cands = []
    for k in range(len(words) - 1):
        gap = words[k + 1].start - words[k].end
        if gap < options.comma_pause or k not in last_pos:
            continue
        pos = last_pos[k] + 1  # the mark goes right after the word's last character
        if pos >= len(text) or text[pos] in _PUNCT or text[pos - 1] in _PUNCT:
            continue
        prev_ch, next_ch = text[pos - 1], text[pos:].lstrip()[:1]
        if prev_ch in _NO_MARK_AFTER or next_ch in _NO_MARK_BEFORE or not next_ch:
            continue
        prev_latin, next_latin = (
            prev_ch.isascii() and prev_ch.isalnum(),
            next_ch.isascii() and next_ch.isalnum(),
        )
        if prev_latin and next_latin:
            continue  # inside a Latin phrase (Claude Sonnet)
        if (prev_latin or next_latin) and gap < options.latin_pause:
            continue
        cands.append((gap, k, pos))
    out = []
    for gap, k, pos in sorted(cands, key=lambda c: (-c[0], c[2])):
        j = next((i for i, (lo, hi) in enumerate(spans) if lo < pos < hi), None)
        if j is None:
            continue
        lo, hi = spans[j]
        if len(text[lo:hi].replace(" ", "")) < options.min_run_chars:
            continue
        if (
            len(text[lo:pos].strip()) < options.min_piece_chars
            or len(text[pos:hi].strip()) < options.min_piece_chars
        ):
            continue
        out.append((k, pos, "。" if gap >= options.period_pause else "，"))
        spans[j : j + 1] = [(lo, pos), (pos, hi)]
    return sorted(out, key=lambda x: x[1])


def _punctuate_from_pauses(text: str, words: tuple[Word, ...], options: NormalizeOptions):
    marks = pause_marks(text, words, options)
    if not marks:
        return text, words
    # a mark before a space (Latin word, then Chinese) takes the space's place
    text = apply_edits(text, [Edit(pos, pos, mark) for _, pos, mark in marks])
    text = punctuate_chinese(text)
    ws = list(words)
    for k, _, mark in marks:
        ws[k] = replace(ws[k], word=ws[k].word.rstrip() + mark)
    return text, tuple(ws)


def normalize_segments(
    segments, language: str, script: str = "simplified", options: NormalizeOptions = DEFAULT_NORMALIZE
) -> list[Segment]:
    """Normalise segments for ``language``. Non-Chinese text only gets whitespace cleanup."""
    out: list[Segment] = []
    zh = is_chinese(language)
    segments = list(segments)
    for k, seg in enumerate(segments):
        if not zh:
            out.append(replace(seg, text=seg.text.strip()))
            continue
        words = tuple(replace(w, word=punctuate_chinese(convert_script(w.word, script))) for w in seg.words)
        text = punctuate_chinese(convert_script(seg.text.strip(), script))
        if options.numbers:
            edits = number_edits(text)
            if edits and words and align_words(text, words) is None:
                # words that do not spell the text cannot follow an edit: change neither
                log.debug("segment %s: words do not align with text; numbers left as they are", seg.id)
                edits = []
            if edits:
                words = rewrite_words(words, text, edits)
                text = apply_edits(text, edits)
        if options.pause_punctuation:
            text, words = _punctuate_from_pauses(text, words, options)
        nxt = segments[k + 1] if k + 1 < len(segments) else None
        held = (
            nxt is not None
            and nxt.start - seg.end < options.held_max_pause
            # only its opening decides ("DeepSeek" | "的新论文"): convert just that
            and bound_to_next(text, convert_script(nxt.text.lstrip()[:JUNCTION_CONTEXT], script))
        )
        if text and not text.endswith(_TERMINAL) and not text.endswith(("，", "；", "：")) and not held:
            text += "。"
            if words:
                words = words[:-1] + (replace(words[-1], word=words[-1].word + "。"),)
        out.append(replace(seg, text=text, words=words))
    return out
