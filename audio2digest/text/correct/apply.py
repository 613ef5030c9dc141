"""Applying corrections: choose among candidates, rewrite the text, keep words in step.

Owns overlap resolution (best-first, keeps inside longer Latin fixes yield), the ``never``
check of Latin and alias changes, the :class:`~audio2digest.types.Correction` records
(offsets into the corrected text), and rewriting a segment's :class:`~audio2digest.types.Word`
list so it still spells the segment's text (words a correction touches merge into one).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Optional

from audio2digest.text.correct.candidates import (
    Candidate,
    cjk_candidates,
    exact_cjk_candidates,
    latin_candidates,
)
from audio2digest.text.correct.guards import blocked_by_never, detect_language
from audio2digest.text.correct.index import build_index
from audio2digest.text.correct.options import DEFAULT_OPTIONS, CorrectOptions
from audio2digest.text.glossary import Glossary
from audio2digest.text.language import has_cjk
from audio2digest.types import Correction, Segment, Transcript, Word

log = logging.getLogger("audio2digest.text.correct")


@dataclass(frozen=True)
class CorrectionResult:
    """The corrected text and the changes made (offsets into the corrected text)."""

    text: str
    corrections: tuple[Correction, ...]


def resolve(cands: list[Candidate]) -> list[Candidate]:
    """Best-first: higher score, then longer span, then keeps; no overlaps.

    A keep (an already-correct form) inside a longer candidate whose replacement contains
    it unchanged ("Claude" in "Claude Sonet 4.5" → "Claude Sonnet 4.5") does not block it.
    """
    changes = [c for c in cands if not c.keep]
    if changes:
        # changes covering each position, to test keeps against overlapping changes only
        covering: dict[int, list[Candidate]] = defaultdict(list)
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


def _correct(text: str, glossary: Glossary, language: str | None, options: CorrectOptions,
             context: str = "", ctx_off: int = 0, segment: int = -1):
    """(new text, corrections, chosen candidates) for ``text``."""
    if not text or not glossary.terms:
        return text, [], []
    idx = build_index(glossary, options)
    lang = (language or detect_language(text))[:2]
    if not context:
        context, ctx_off = text, 0
    cands: list[Candidate] = []
    latin_candidates(text, idx, lang, cands)
    if has_cjk(text):
        exact_cjk_candidates(text, idx, cands)
        cjk_candidates(text, idx, cands, context, ctx_off)
    # A term's `never` spans and the global ones block every change they overlap.
    chosen = []
    for c in resolve(cands):
        if c.rule.startswith("latin") or c.rule == "alias":
            if blocked_by_never(text, c.start, c.end, c.term.never + idx.never):
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
                score=round(c.score, options.score_digits),
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


def correct_text(text: str, glossary: Glossary, *, language: str | None = None,
                 options: CorrectOptions = DEFAULT_OPTIONS) -> CorrectionResult:
    """Correct ``text`` against ``glossary``. Offsets refer to the returned text."""
    res = _correct(text, glossary, language, options)
    return CorrectionResult(res[0], tuple(res[1]))


# --------------------------------------------------------------------------- transcripts


def align_words(text: str, words: tuple[Word, ...]) -> list[tuple[int, int]] | None:
    """Map each character index of ``text`` to (word index, offset in word.word), or None.

    Whitespace in either is ignored. When the characters differ (e.g. the text was
    converted to Simplified but the words were not) and the non-space counts agree,
    characters are paired by position.
    """
    wchars = [(k, j) for k, w in enumerate(words) for j, ch in enumerate(w.word) if not ch.isspace()]
    tchars = [i for i, ch in enumerate(text) if not ch.isspace()]
    mapping: list[tuple[int, int] | None] = [None] * len(text)
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
    if wi < len(wchars) * 0.9:  # most word characters must be found, or the words are other text
        return None
    return mapping  # type: ignore[return-value]


def rewrite_words(seg: Segment, old_text: str, edits) -> tuple[Word, ...]:
    """``seg.words`` with the edits ``(start, end, new)`` (offsets into ``old_text``, sorted,
    not overlapping) applied; the words an edit touches merge into one word (first start,
    last end, lowest probability). The words are returned unchanged when they do not align."""
    words = seg.words
    if not words or not edits:
        return words
    mapping = align_words(old_text, words)
    if mapping is None:
        log.debug("segment %s: words do not align with text; word texts left as they are", seg.id)
        return words
    # Word range touched by each edit, grouped when ranges overlap.
    groups: list[list] = []  # [first_word, last_word, [(edit, (k,j) start, (k,j) end)]]
    for c in edits:
        inside = [mapping[i] for i in range(c[0], c[1]) if mapping[i] is not None]
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
        for c, (k1, j1), (k2, j2) in sorted(items, key=lambda it: it[0][0], reverse=True):
            a = offs[k1 - g_first] + j1
            b = offs[k2 - g_first] + j2 + 1
            joined = joined[:a] + c[2] + joined[b:]
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


def correct_transcript(transcript: Transcript, glossary: Glossary, *,
                       options: CorrectOptions = DEFAULT_OPTIONS) -> Transcript:
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
        new_text, corrs, chosen = _correct(seg.text, glossary, lang, options, context, len(prev) + 1, segment=i)
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
                words=rewrite_words(seg, seg.text, [(c.start, c.end, c.target) for c in chosen]),
                avg_logprob=seg.avg_logprob,
                compression_ratio=seg.compression_ratio,
                no_speech_prob=seg.no_speech_prob,
            )
        )
    return transcript.replace(segments=tuple(new_segs), corrections=tuple(all_corr))
