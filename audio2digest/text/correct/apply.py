"""Applying corrections: choose among candidates, rewrite the text, keep words in step.

Owns overlap resolution (best-first, keeps inside longer Latin fixes yield), the ``never``
check of Latin and alias changes, the :class:`~audio2digest.types.Correction` records
(offsets into the corrected text), and the public entry points for texts and transcripts
(a segment's words follow its text through :func:`audio2digest.text.words.rewrite_words`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, replace

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
from audio2digest.text.words import rewrite_words
from audio2digest.types import Correction, Transcript

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
                and k.end <= c.end
                and c.length > k.length
                and c.target != kt
                and c.target.find(kt) == k.start - c.start
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


def _correct(
    text: str,
    glossary: Glossary,
    language: str | None,
    options: CorrectOptions,
    context: str = "",
    ctx_off: int = 0,
    segment: int = -1,
):
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


def correct_text(
    text: str, glossary: Glossary, *, language: str | None = None, options: CorrectOptions = DEFAULT_OPTIONS
) -> CorrectionResult:
    """Correct ``text`` against ``glossary``. Offsets refer to the returned text."""
    res = _correct(text, glossary, language, options)
    return CorrectionResult(res[0], tuple(res[1]))


# --------------------------------------------------------------------------- transcripts


def correct_transcript(
    transcript: Transcript, glossary: Glossary, *, options: CorrectOptions = DEFAULT_OPTIONS
) -> Transcript:
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
        new_text, corrs, chosen = _correct(
            seg.text, glossary, lang, options, context, len(prev) + 1, segment=i
        )
        if not corrs:
            new_segs.append(seg)
            continue
        all_corr.extend(corrs)
        new_segs.append(
            replace(
                seg,
                text=new_text,
                words=rewrite_words(seg.words, seg.text, [(c.start, c.end, c.target) for c in chosen]),
            )
        )
    return transcript.replace(segments=tuple(new_segs), corrections=tuple(all_corr))
