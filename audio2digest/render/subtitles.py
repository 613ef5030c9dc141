"""SRT and WebVTT from the transcript's words.

Both share one cue iterator (:func:`iter_cues`) and differ only in :class:`SubtitleStyle`.
Cues are laid out over the whole episode's word stream, not per decoded segment (a segment
often ends inside a word): a cue never ends inside a word or a name (jieba's word boundaries
for Chinese, whitespace for Latin script, a Latin run such as ``DeepSeek-R2`` or ``GLM-4.7``
never split, glossary terms from the corrections and the digest's entities kept whole),
prefers to end at a sentence end, a clause end or a pause, lasts at least
:data:`MIN_CUE_SECONDS` where the words allow, and holds at most :data:`MAX_LINES` lines of
:data:`LINE_COLUMNS` display columns (a Han character is two columns wide). Without a
transcript the digest's items are laid out the same way, their times spread over their text.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from audio2digest.errors import RenderError
from audio2digest.render import Renderer, register
from audio2digest.render.common import stamp
from audio2digest.types import Digest, Transcript


class Cue(NamedTuple):
    start: float
    end: float
    text: str  # one or two lines, joined by "\n"


@dataclass(frozen=True)
class SubtitleStyle:
    header: str  # written once before the cues
    decimal: str  # "," for SRT, "." for VTT
    numbered: bool  # SRT numbers its cues
    escape: bool  # VTT cue text is HTML-like: & < > must be escaped


SRT = SubtitleStyle(header="", decimal=",", numbered=True, escape=False)
VTT = SubtitleStyle(header="WEBVTT\n\n", decimal=".", numbered=False, escape=True)

#: Lines per cue (broadcast and streaming subtitle guides: at most two).
MAX_LINES = 2
#: Display columns per line: 32 for CJK (16 Han characters, the common Chinese subtitle
#: limit), 42 for Latin script (the usual streaming limit; well inside WebVTT's ~65).
LINE_COLUMNS = {True: 32, False: 42}
#: Shortest cue we aim for: a cue under a second cannot be read (guides say 5/6 s to 1 s).
MIN_CUE_SECONDS = 1.0
#: Longest cue of several words (guides: 6-7 s); a single longer word keeps its own time.
MAX_CUE_SECONDS = 7.0
#: A silence at least this long between words is a good place for a cue to end (set by eye on
#: the word gaps of dev01-dev03: sentence pauses there are 0.5-1.5 s, gaps inside a phrase < 0.3 s).
PAUSE_BREAK_SECONDS = 0.5
#: A silence this long inside a cue leaves it on screen over nothing: avoided.
PAUSE_INSIDE_SECONDS = 1.2


@dataclass(frozen=True)
class CueCosts:
    """Weights of the cue layout (lower total wins); hand-set, checked by reading the cues of
    dev01-dev03 and the bundled samples, not fitted."""

    per_cue: float = 1.0  # every cue: prefer fewer, fuller cues
    end_sentence: float = 0.0  # ending after 。！？.!?
    end_clause: float = 1.0  # after ，,；;：:、
    end_word: float = 4.0  # at a plain word boundary
    end_leaning: float = 6.0  # after "the", "to", "of" ...
    end_pause: float = 0.5  # at most this at a pause of PAUSE_BREAK_SECONDS
    short: float = 2.0  # a cue under MIN_CUE_SECONDS ...
    short_per_missing: float = 8.0  # ... plus this times the share of the second it lacks
    tiny: float = 2.0  # under TINY_COLUMNS on screen
    gap_inside: float = 3.0  # a silence of PAUSE_INSIDE_SECONDS inside (plus its seconds)
    line_at_punct: float = -6.0  # a two-line split after punctuation (vs columns of imbalance)
    line_leaning: float = 8.0  # a first line ending on a leaning word


COSTS = CueCosts()
#: Fewer display columns than this alone on screen is a flash of a word or two.
TINY_COLUMNS = 6

#: No spoken character lasts longer: a word timed over a silence (Whisper's word times can
#: stretch one character over 15 s, seen on dev02) is shown at its start, not over the silence.
MAX_CHAR_SECONDS = 1.0

SENTENCE_END = set("。！？!?…")
#: Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = {"mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "etc.", "e.g.", "i.e.", "inc.", "no."}
#: English words a line or cue should not end on (they lean on the next word).
_LEANING = {
    "a",
    "an",
    "the",
    "to",
    "of",
    "and",
    "or",
    "in",
    "on",
    "at",
    "for",
    "with",
    "from",
    "by",
    "my",
    "your",
    "its",
    "their",
    "our",
    "this",
    "that",
}
CLAUSE_END = set("，,；;：:、")
_OPENERS = set("([{（【《「『“‘\"'")
_CLOSERS = set(")]}）】》」』”’\"'")
#: Chinese number units and measure words that belong with the digits before them (6700亿).
_NUMBER_UNITS = set("万亿千百十%％个元年月日号期倍岁度")
#: Chinese particles that lean on the word before them: a line never starts with one (了专用模型).
_CLITICS = set("了的着过们吗呢吧啊么")
# A run of Latin letters, digits and joining marks is one unbreakable unit (DeepSeek-R2,
# GLM-4.7-Flash, 200-300, gpt-oss-120b).
_LATIN_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-+_/'&]*[A-Za-z0-9+]|[A-Za-z0-9]")


def _cjk(language: str, text: str) -> bool:
    from audio2digest.text.language import is_cjk_language

    return is_cjk_language(language, text)


def columns(text: str) -> int:
    """Display width: East Asian wide and full-width characters count two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "P" or ch in "…"


# ---------------------------------------------------------------- the character stream


class _Stream:
    """The episode's text with a start and end time per character."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[float] = []
        self.ends: list[float] = []

    def add(self, text: str, start: float, end: float) -> None:
        """Append ``text`` spoken from ``start`` to ``end`` (spread evenly over its characters)."""
        if not text:
            return
        start = float(start)
        end = max(float(end), start)
        n = len(text)
        step = min((end - start) / n, MAX_CHAR_SECONDS)
        for k, ch in enumerate(text):
            self.chars.append(ch)
            self.starts.append(start + step * k)
            self.ends.append(start + step * (k + 1))

    def space(self) -> None:
        if self.chars and not self.chars[-1].isspace():
            t = self.ends[-1]
            self.chars.append(" ")
            self.starts.append(t)
            self.ends.append(t)

    @property
    def text(self) -> str:
        return "".join(self.chars)


def _compact(text: str) -> str:
    return "".join(text.split())


def _stream_from_transcript(transcript: Transcript, cjk: bool) -> _Stream:
    stream = _Stream()
    for seg in transcript.segments:
        text = " ".join(seg.text.split())
        if not text:
            continue
        words = [w for w in seg.words if w.word.strip()]
        if not cjk:  # segments join like Transcript.text: a space, none for CJK
            stream.space()
        # The text keeps its own spacing; its characters take their times from the words when
        # the words spell it (they do after normalisation and correction), otherwise the
        # segment's time is spread over its text.
        if words and _compact("".join(w.word for w in words)) == _compact(text):
            timed = _Stream()
            for w in words:
                timed.add(_compact(w.word), w.start, w.end)
            k = 0
            for ch in text:
                if ch.isspace():
                    stream.space()
                else:
                    stream.chars.append(ch)
                    stream.starts.append(timed.starts[k])
                    stream.ends.append(timed.ends[k])
                    k += 1
        else:
            stream.add(text, seg.start, seg.end)
    return stream


def _stream_from_items(digest: Digest) -> _Stream:
    stream = _Stream()
    for it in digest.items:
        text = " ".join(it.text.split())
        if it.start is None or it.end is None or not text:
            continue
        stream.space()
        stream.add(text, it.start, it.end)
    return stream


def _cjk_char(ch: str) -> bool:
    from audio2digest.text.language import is_cjk_char

    return is_cjk_char(ch) or unicodedata.east_asian_width(ch) in "WF"


# ---------------------------------------------------------------- where a cue may end


def _protected_terms(transcript: Transcript | None, digest: Digest | None) -> set[str]:
    """Names that must stay whole: glossary terms the corrector wrote and the digest's entities."""
    terms: set[str] = set()
    if transcript is not None:
        terms.update(c.after for c in transcript.corrections if c.after)
    if digest is not None:
        terms.update(c.after for c in digest.corrections if c.after)
        terms.update(e.term for it in digest.items for e in it.entities if e.term)
    return {t for t in terms if len(t.strip()) >= 2}


def break_positions(text: str, cjk: bool, terms: Iterable[str] = ()) -> list[int]:
    """Offsets ``0 < p < len(text)`` where a cue may end (``text[:p]`` | ``text[p:]``): word
    boundaries that are not inside a Latin run, a protected term or a number with its unit,
    and never just before punctuation or just after an opening bracket or quote."""
    n = len(text)
    if cjk:
        from audio2digest.text.chinese_words import jieba_module

        allowed = {end for _, _, end in jieba_module().tokenize(text) if 0 < end < n}
    else:
        allowed = set()
    for k in range(1, n):
        if text[k - 1].isspace() != text[k].isspace():
            allowed.add(k)
    blocked = set()

    def block(a: int, b: int) -> None:
        blocked.update(range(a + 1, b))

    for m in _LATIN_RUN.finditer(text):
        block(m.start(), m.end())
    for term in terms:
        start = text.find(term)
        while start >= 0:
            block(start, start + len(term))
            start = text.find(term, start + 1)
    out = []
    for p in sorted(allowed - blocked):
        ch, prev = text[p], text[p - 1]
        if (not ch.isspace() and _is_punct(ch) and ch not in _OPENERS) or prev in _OPENERS:
            continue
        if ch in _CLOSERS and not prev.isspace():
            continue
        if prev.isdigit() and ch in _NUMBER_UNITS:
            continue
        if ch in _CLITICS and _cjk_char(prev):
            continue
        out.append(p)
    return out


class _Atom(NamedTuple):
    text: str  # stripped
    start: float
    end: float
    gap_after: float  # silence before the next atom's first character
    space_before: bool  # whitespace separated it from the atom before


def _atoms(stream: _Stream, cjk: bool, terms: Iterable[str]) -> list[_Atom]:
    text = stream.text
    cuts = [0, *break_positions(text, cjk, terms), len(text)]
    raw = []
    for a, b in zip(cuts, cuts[1:]):
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        core = piece.strip()
        if not core:
            continue
        first = a + lead
        last = first + len(core) - 1
        raw.append(
            (core, stream.starts[first], stream.ends[last], lead > 0 or (a > 0 and text[a - 1].isspace()))
        )
    atoms = []
    for k, (core, start, end, space) in enumerate(raw):
        gap = raw[k + 1][1] - end if k + 1 < len(raw) else 0.0
        atoms.append(_Atom(core, start, end, max(0.0, gap), space))
    return atoms


# ---------------------------------------------------------------- laying cues out


def _join(atoms: Sequence[_Atom]) -> str:
    """The atoms' text with the spacing they had in the transcript."""
    return "".join((" " if k and a.space_before else "") + a.text for k, a in enumerate(atoms))


def _lines(atoms: Sequence[_Atom], cjk: bool, width: int) -> list[str] | None:
    """The cue's text as one line, or two lines split at the atom boundary that balances them
    best (a punctuation end preferred); None when it does not fit."""
    one = _join(atoms)
    if columns(one) <= width:
        return [one]
    if MAX_LINES < 2:
        return None
    best = None
    for k in range(1, len(atoms)):
        top, bottom = _join(atoms[:k]), _join(atoms[k:])
        wt, wb = columns(top), columns(bottom)
        if wt > width or wb > width:
            continue
        cost = abs(wt - wb) + (COSTS.line_at_punct if top[-1] in SENTENCE_END | CLAUSE_END else 0)
        if atoms[k - 1].text.lower() in _LEANING:
            cost += COSTS.line_leaning
        if best is None or cost < best[0]:
            best = (cost, [top, bottom])
    return best[1] if best else None


def _end_cost(atom: _Atom, last: bool) -> float:
    """How bad it is to end a cue after ``atom``."""
    if last:
        return 0.0
    ch = atom.text[-1]
    if ch in SENTENCE_END or (ch == "." and atom.text.lower() not in _ABBREVIATIONS):
        cost = COSTS.end_sentence
    elif ch in CLAUSE_END:
        cost = COSTS.end_clause
    elif atom.text.lower() in _LEANING:
        cost = COSTS.end_leaning
    else:
        cost = COSTS.end_word
    if atom.gap_after >= PAUSE_BREAK_SECONDS:
        cost = min(cost, COSTS.end_pause)
    return cost


#: An atom ending this little after an item's start (seconds) still belongs to the item before.
ITEM_START_SLACK = 0.05


def _item_starts(atoms: list[_Atom], digest: Digest | None) -> frozenset[int]:
    """The atoms where a news item (after the first) begins: a cue never runs across one, so
    no cue shows the end of one story and the start of the next."""
    if digest is None or not atoms:
        return frozenset()
    starts = sorted(float(it.start) for it in digest.items[1:] if it.start is not None)
    out, k = set(), 0
    for t in starts:
        # the atom the item's first word is in (a pause folded into that word makes the
        # item start later than the atom does)
        while k < len(atoms) and atoms[k].end <= t + ITEM_START_SLACK:
            k += 1
        if 0 < k < len(atoms):
            out.add(k)
    return frozenset(out)


def _layout(atoms: list[_Atom], cjk: bool, hard: frozenset[int] = frozenset()) -> list[tuple[int, int]]:
    """Cues as (first, last + 1) atom ranges: the split of least total cost (dynamic programming
    over the atoms; each cue must fit its lines, and last at most MAX_CUE_SECONDS unless it is one
    atom). A cue starts at every atom in ``hard`` (where an item starts)."""
    n = len(atoms)
    width = LINE_COLUMNS[cjk]
    cap = width * MAX_LINES
    spaced = [bool(a.space_before) for a in atoms]
    widths = [columns(a.text) + s for a, s in zip(atoms, spaced)]
    prefix = [0]
    for w in widths:
        prefix.append(prefix[-1] + w)
    inf = float("inf")
    best = [inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    for j in range(1, n + 1):
        end_cost = _end_cost(atoms[j - 1], j == n)
        longest_gap = 0.0
        for i in range(j - 1, -1, -1):
            if i + 1 in hard and i + 1 <= j - 1:
                break  # atoms i..j-1 would run across an item start
            if i < j - 1:
                longest_gap = max(longest_gap, atoms[i].gap_after)
            span = prefix[j] - prefix[i] - spaced[i]  # display columns on one line
            duration = atoms[j - 1].end - atoms[i].start
            if i < j - 1 and (span > cap + 1 or duration > MAX_CUE_SECONDS):
                break
            if best[i] == inf:
                continue
            if i < j - 1 and span > width and not _fits_two(prefix, spaced, i, j, width):
                continue
            cost = best[i] + COSTS.per_cue + end_cost
            if duration < MIN_CUE_SECONDS:
                # a flash of a syllable: strongly avoided unless silence surrounds it
                missing = (MIN_CUE_SECONDS - duration) / MIN_CUE_SECONDS
                cost += COSTS.short + COSTS.short_per_missing * missing
            if span < TINY_COLUMNS:
                cost += COSTS.tiny
            if longest_gap >= PAUSE_INSIDE_SECONDS:
                cost += COSTS.gap_inside + longest_gap
            if cost < best[j]:
                best[j], back[j] = cost, i
    cues = []
    j = n
    while j > 0:
        cues.append((back[j], j))
        j = back[j]
    return cues[::-1]


def _fits_two(prefix: list[int], spaced: list[bool], i: int, j: int, width: int) -> bool:
    """Whether atoms i..j-1 split at some boundary into two lines of at most ``width`` columns
    (``prefix`` sums the atoms' widths with the space before each; a line drops its leading one)."""
    # the last boundary k whose first line fits; a later k only shortens the second line
    k = bisect.bisect_right(prefix, prefix[i] + spaced[i] + width, i + 1, j) - 1
    return k > i and prefix[j] - prefix[k] - spaced[k] <= width


def iter_cues(transcript: Transcript | None, digest: Digest | None = None) -> Iterator[Cue]:
    """Cues in time order, never overlapping, each at least 0.1 s long."""
    if transcript is not None:
        cjk = _cjk(transcript.language, transcript.text)
        stream = _stream_from_transcript(transcript, cjk)
    elif digest is not None:
        cjk = _cjk(digest.language, " ".join(i.text for i in digest.items[:3]))
        stream = _stream_from_items(digest)
    else:
        raise RenderError("subtitles need a transcript or a digest")
    atoms = _atoms(stream, cjk, _protected_terms(transcript, digest))
    width = LINE_COLUMNS[cjk]
    spans = _layout(atoms, cjk, _item_starts(atoms, digest))
    last_end = 0.0
    for k, (i, j) in enumerate(spans):
        part = atoms[i:j]
        lines = _lines(part, cjk, width) or [_join(part)]
        start = max(float(part[0].start), last_end)
        end = float(part[-1].end)
        if end - start < MIN_CUE_SECONDS:
            # stay on screen a little longer when the next cue leaves room
            nxt = atoms[spans[k + 1][0]].start if k + 1 < len(spans) else end + MIN_CUE_SECONDS
            end = max(end, min(start + MIN_CUE_SECONDS, nxt))
        end = min(end, start + MAX_CUE_SECONDS)  # a word timed over a silence does not hold the screen
        end = max(end, start + 0.1)
        last_end = end
        yield Cue(round(start, 3), round(end, 3), "\n".join(lines))


def render_cues(cues, style: SubtitleStyle) -> str:
    out = [style.header]
    for n, c in enumerate(cues, 1):
        text = html.escape(c.text, quote=False) if style.escape else c.text
        head = f"{n}\n" if style.numbered else ""
        out.append(f"{head}{stamp(c.start, style.decimal)} --> {stamp(c.end, style.decimal)}\n{text}\n\n")
    return "".join(out)


def render_srt(digest, transcript=None, audio_href=None) -> str:
    return render_cues(iter_cues(transcript, digest), SRT)


def render_vtt(digest, transcript=None, audio_href=None) -> str:
    return render_cues(iter_cues(transcript, digest), VTT)


register(
    Renderer("srt", "transcript.srt", render_srt, "SubRip subtitles", needs="transcript", needs_times=True)
)
register(
    Renderer("vtt", "transcript.vtt", render_vtt, "WebVTT subtitles", needs="transcript", needs_times=True)
)
