"""A segment's words in step with its text: edits made to the text are made to the words.

Normalisation and glossary correction rewrite a segment's text; each
:class:`~audio2digest.types.Word` must still spell it, so every edit goes through
:func:`rewrite_words` (the words an edit touches merge into one word spanning their times).
"""

from __future__ import annotations

import logging

from audio2digest.types import Word

log = logging.getLogger("audio2digest.text.words")


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


def rewrite_words(words: tuple[Word, ...], old_text: str, edits) -> tuple[Word, ...]:
    """``words`` (which spell ``old_text``) with the edits ``(start, end, new)`` (offsets into
    ``old_text``, sorted, not overlapping) applied; the words an edit touches merge into one
    word (first start, last end, lowest probability). The words are returned unchanged when
    they do not align with the text."""
    if not words or not edits:
        return words
    mapping = align_words(old_text, words)
    if mapping is None:
        log.debug("words do not align with %r; word texts left as they are", old_text[:40])
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
