"""Sentence splitting shared by segmentation, headlines and summaries.

:func:`split_sentences` returns spans that cover the text exactly (whitespace after a sentence
belongs to it), so items built from whole sentences concatenate back to the input. Text with no
sentence punctuation (Whisper prints long unpunctuated runs) is cut at spaces, or failing that
at a fixed length outside Latin words and numbers, so a run never becomes one giant "sentence".
"""

from __future__ import annotations

import re

__all__ = [
    "MAX_SENTENCE_CJK",
    "MAX_SENTENCE_LATIN",
    "PUNCT",
    "QUOTE_CLOSE",
    "QUOTE_OPEN",
    "SENT_END",
    "plain_text",
    "sentences",
    "split_sentences",
    "splits_a_decimal",
]

SENT_END = "。！？!?；;…"
PUNCT = SENT_END + "，,、：:.）)”」』》"
QUOTE_OPEN = "“「『《"
QUOTE_CLOSE = "”」』》"

#: Longest run (characters) kept as one sentence in CJK text; longer unpunctuated runs are cut.
#: 3x the median Chinese sentence in segcorpus (about 40 characters).
MAX_SENTENCE_CJK = 120
#: The same for Latin-script text: 3x the median English sentence in segcorpus (~130 chars).
MAX_SENTENCE_LATIN = 400
#: A quotation open longer than this many characters is taken as unclosed (a stray mark);
#: the longest closed quotation in segcorpus is shorter.
QUOTE_SPAN_MAX = 300
#: A parenthesis right after a full stop, up to this many characters, ends that sentence
#: ("（附：…）" closes most python-weekly items in segcorpus).
PAREN_AFTER_MAX = 120


#: Marks after which a run of many sentences is cut: a recogniser that prints commas where
#: the speaker ended sentences ("…开源，模型基于…，") gives runs of many sentences, and kept
#: whole a whole roundup was one sentence and so one item (segcorpus's Chinese digests with
#: every sentence end turned into a comma: one item per digest, Pk 0.48). A comma between
#: digits (3,000) and a colon of a time or URL (10:30, https://) are no clause marks. In
#: Chinese, a space is one too (Whisper prints spaces between phrases where it prints no
#: punctuation), but not one between two Latin words or numbers ("Claude Opus 4").
CLAUSE_MARK = re.compile(r"(?:[，；：;]|:(?![\d/])|,(?!\d)|、)\s*")
CJK_PHRASE_GAP = re.compile(r"(?<![A-Za-z0-9.])\s+|\s+(?![A-Za-z0-9])")
#: A "sentence" this many times the maximum is a run of sentences, cut at every clause mark:
#: a long written sentence with its own clauses (120-240 characters in Chinese) is kept whole,
#: as cutting it made written digests worse (juya Pk 0.067 -> 0.077 with every long sentence
#: cut; at 2x none of segcorpus's own sentences is cut and its figures stay the same).
RUN_OF_SENTENCES = 2


def _clause_cuts(text: str, start: int, end: int, limit: int, mark: re.Pattern) -> list[int]:
    """Cuts after every ``mark`` of a run of sentences, merging pieces shorter than a tenth
    of ``limit`` into the next (a clause is the smallest unit a story starts at)."""
    cuts: list[int] = []
    last = start
    for m in mark.finditer(text, start, end):
        cut = m.end()
        if cut >= end:
            break
        if cut - last >= limit // 10:
            cuts.append(cut)
            last = cut
    return cuts


def _cut_long(text: str, start: int, end: int, cjk: bool) -> list[int]:
    """Cut points (absolute offsets) for an over-long text[start:end]: a run of sentences
    (over RUN_OF_SENTENCES x the maximum) at its clause marks, where the pieces may stay
    longer than the maximum; text without marks into pieces of at most the maximum, at
    whitespace when there is any, else outside Latin/digit runs."""
    limit = MAX_SENTENCE_CJK if cjk else MAX_SENTENCE_LATIN
    if end - start <= limit:
        return []
    if end - start > RUN_OF_SENTENCES * limit:
        if CLAUSE_MARK.search(text, start, end):
            return _clause_cuts(text, start, end, limit, CLAUSE_MARK)
        if cjk and CJK_PHRASE_GAP.search(text, start, end):
            return _clause_cuts(text, start, end, limit, CJK_PHRASE_GAP)
    if CLAUSE_MARK.search(text, start, end):
        return []  # a long sentence with its own clauses: kept whole
    target = limit // 2  # aim for pieces about half the maximum
    cuts: list[int] = []
    pos = start
    while end - pos > limit:
        lo, hi = pos + target // 2, min(end - 1, pos + limit)
        best = None
        for m in re.finditer(r"\s+", text[lo:hi]):
            cand = lo + m.end()
            if best is None or abs(cand - (pos + target)) < abs(best - (pos + target)):
                best = cand
        if best is None:
            best = pos + target
            while best < hi and text[best - 1 : best + 1].isascii() and text[best - 1 : best + 1].isalnum():
                best += 1  # never inside "GLM-4.7" or "Blackwell"
        cuts.append(best)
        pos = best
    return cuts


def split_sentences(text: str, cjk: bool) -> list[tuple[int, int, float]]:
    """Spans (start, end, paragraph_cue) covering ``text`` exactly, one per sentence.

    Whitespace after a sentence belongs to it, so the spans concatenate to ``text``.
    ``paragraph_cue`` is 1.0 after a blank line, 0.6 after a single newline. No sentence ends
    inside a quotation; "Dr. Smith" and "4.5" do not end one.
    """
    spans: list[tuple[int, int, float]] = []
    n = len(text)
    i = 0
    start = 0
    quote = 0
    quote_at = 0
    while i < n:
        ch = text[i]
        if ch in QUOTE_OPEN:
            quote += 1
            quote_at = i
        elif ch in QUOTE_CLOSE:
            quote = max(0, quote - 1)
        end_here = False
        if ch == "\n":
            end_here = True
        elif ch in SENT_END or (ch == "." and (i + 1 >= n or text[i + 1].isspace())):
            if ch == "." and not cjk:
                prev = re.search(r"(\S+)\.$", text[start : i + 1])
                end_here = not (prev and len(prev.group(1)) <= 2 and prev.group(1)[:1].isupper())
            else:
                end_here = True
        if end_here:
            j = i + 1
            while j < n and text[j] in SENT_END + "”」』\"')）":
                if text[j] in QUOTE_CLOSE:
                    quote = max(0, quote - 1)
                j += 1
            k = j
            while k < n and text[k] == " ":
                k += 1
            if k < n and text[k] in "（(" and ch != "\n":
                # "…标准。（附：中文翻译）" / "... (via @x)": a parenthesis after the full stop
                # belongs to the sentence before it
                close = text.find("）" if text[k] == "（" else ")", k + 1, k + PAREN_AFTER_MAX)
                if close > 0 and "\n" not in text[k:close]:
                    j = close + 1
            if quote and i - quote_at > QUOTE_SPAN_MAX:
                quote = 0  # an unclosed quotation mark does not swallow the rest
            if quote and ch != "\n":
                i = j
                continue  # never end a sentence inside a quotation
            quote = 0 if ch == "\n" else quote
            newlines = 0
            while j < n and text[j].isspace():
                newlines += text[j] == "\n"
                j += 1
            newlines += ch == "\n"
            if text[start:j].strip():
                spans.append((start, j, 1.0 if newlines >= 2 else (0.6 if newlines == 1 else 0.0)))
                start = j
            i = j
            continue
        i += 1
    if start < n:
        if text[start:].strip() or not spans:
            spans.append((start, n, 0.0))
        else:  # trailing whitespace only: glue to the last sentence
            s, _, p = spans[-1]
            spans[-1] = (s, n, p)
    out: list[tuple[int, int, float]] = []
    for s, e, p in spans:
        cuts = _cut_long(text, s, e, cjk)
        edges = [s, *cuts, e]
        for k in range(len(edges) - 1):
            out.append((edges[k], edges[k + 1], p if k == len(edges) - 2 else 0.0))
    return out


def sentences(text: str, cjk: bool) -> list[str]:
    """The sentences of ``text``, stripped, empty ones dropped."""
    return [text[s:e].strip() for s, e, _ in split_sentences(text, cjk) if text[s:e].strip()]


def plain_text(text: str) -> str:
    """Text without Markdown markup (headings, list markers, emphasis, links)."""
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    t = re.sub(r"(?m)^\s{0,3}#{1,6}(?:\s+|$)", "", t)
    t = re.sub(r"(?m)^\s*(?:[-*+•]|\d{1,2}[.)])\s+", "", t)
    t = re.sub(r"(\*\*|__|`)", "", t)
    return t.strip()


def splits_a_decimal(before: str, after: str) -> bool:
    """Whether a cut between ``before`` and ``after`` falls inside a number ("Sonnet 4." | "5")."""
    return bool(re.search(r"\d\.$", before.rstrip())) and after.lstrip()[:1].isdigit()
