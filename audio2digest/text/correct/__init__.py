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
corrected text). The glossary index is built once per (glossary, options) and cached; jieba,
pypinyin and rapidfuzz are imported on first use. Every threshold is a field of
:class:`CorrectOptions` (pass one to sweep it).

Modules, in the order a text goes through them:

* ``options``    — :class:`CorrectOptions`, every threshold with where its value came from
* ``phonetics``  — pinyin syllables, confusable initials/finals, syllable similarity
* ``latin``      — Latin keys, doubled-letter squeeze, consonant skeletons, token runs
* ``index``      — the per-glossary matching index
* ``guards``     — jieba dictionary checks, evidence, ``never`` spans, span language
* ``candidates`` — Latin, exact-CJK and pinyin candidate search (uses the guards)
* ``apply``      — overlap resolution, rewriting text and words, the public entry points
"""

from audio2digest.text.correct.apply import (
    CorrectionResult,
    correct_text,
    correct_transcript,
)
from audio2digest.text.correct.index import CorrectionIndex, build_index
from audio2digest.text.correct.latin import digit_groups, is_cjk_form, latin_key
from audio2digest.text.correct.options import DEFAULT_OPTIONS, CorrectOptions
from audio2digest.text.correct.phonetics import fuzzy_key, syllable_similarity

__all__ = [
    "DEFAULT_OPTIONS",
    "CorrectOptions",
    "CorrectionIndex",
    "CorrectionResult",
    "build_index",
    "correct_text",
    "correct_transcript",
    "digit_groups",
    "fuzzy_key",
    "is_cjk_form",
    "latin_key",
    "syllable_similarity",
]
