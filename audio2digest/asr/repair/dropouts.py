"""Dropout repair: a name skipped inside a sentence, heard again in its place.

A name skipped inside a sentence leaves too little uncovered time for the coverage check,
because Whisper's word timing stretches the next word back over it ("通过 | 直接" with 直接
lasting 1.3 s where "OpenRouter 直接" was said). Each word is taken to hold at most
0.15 s + 0.3 s per text unit back from its end (:func:`tight_cover`); VAD speech of 0.4 s
or more that no word then holds is a dropout. Each dropout is cut out with about 0.6 s of
words either side (cut between words) and heard again on its own, greedily, with the
episode's hotwords, the decoder forced through the words already heard between the
window's start and the dropout (``decoder.rehear``; the encoder sees the window and 3 s
of silence or more, up to 8 windows encoded and decoded together). The new words inside
the dropout, joined into whole words, are inserted into their sentence when the decoder
gave their tokens a mean probability of 0.3 or more for a Latin name (0.6 for anything
else), never when they loop or recite the hotword prompt; unsure words at either end and
words the neighbours already say are dropped. At most 10 % of the audio (or 30 s) is
re-heard, longest dropouts first. Recorded as kind ``dropout``. These thresholds were set
on the three dev episodes (the only audio with true scripts here), so expect them to need
a look on other shows.
"""

from __future__ import annotations

import bisect
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace

from audio2digest.asr.repair.detect import (
    compression_ratio,
    hotword_echo,
    latin_edge,
    loop_flags,
    merge_intervals,
    subtract,
    units,
)
from audio2digest.asr.repair.options import DEFAULT_OPTIONS, RepairOptions
from audio2digest.sources.audio import SAMPLE_RATE
from audio2digest.types import Repair, Segment, Word

log = logging.getLogger("audio2digest.asr.repair.dropouts")


# ---------------------------------------------------------------------------------------
# dropouts: a name that fell out of a sentence


def tight_cover(
    segments: Iterable[Segment], opts: RepairOptions = DEFAULT_OPTIONS, tolerance: float = 0.1
) -> list[tuple[float, float]]:
    """Merged intervals the words really hold. Whisper's word timing (DTW) stretches the
    word after a dropped name back over it (``直接`` 44.0-45.3 s where "OpenRouter 直接" was
    said), so a word counts for at most ``dropout_word_base + dropout_unit_seconds`` per
    text unit, measured back from its end."""
    ivs = []
    for seg in segments:
        if not seg.words and (seg.text or "").strip():
            ivs.append((seg.start - tolerance, seg.end + tolerance))
        for w in seg.words:
            ivs.append((_tight_start(w, opts) - tolerance, w.end + tolerance))
    return merge_intervals(ivs)


def _tight_start(w: Word, opts: RepairOptions) -> float:
    """Where a word really starts: at most base + unit seconds per text unit before its end."""
    n = max(len(units(w.word)), 1)
    return max(w.start, w.end - opts.dropout_word_base - opts.dropout_unit_seconds * n)


def find_dropouts(
    speech: Sequence[tuple[float, float]], segments: Sequence[Segment], opts: RepairOptions = DEFAULT_OPTIONS
) -> list[tuple[float, float]]:
    """Stretches of VAD speech of at least ``dropout_min`` s that no word really holds (see
    :func:`tight_cover`): where the decoder skipped a word, typically an English name inside
    Mandarin ("英伟达在GTC大会上发布了Blackwell Ultra芯片" -> "英伟达在大会上发布了芯片")."""
    covers = tight_cover(segments, opts)
    out = []
    for iv in speech:
        for a, b in subtract(iv, covers):
            if b - a >= opts.dropout_min:
                out.append((round(float(a), 3), round(float(b), 3)))
    return out


class _WordBounds:
    """Word starts and ends in time order, to cut a dropout's window between words."""

    def __init__(self, segments: Sequence[Segment], duration: float, opts: RepairOptions):
        words = [w for s in segments for w in s.words]
        self.starts = sorted(w.start for w in words)
        self.ends = sorted(w.end for w in words)
        self.duration, self.context = duration, opts.dropout_context

    def window(self, a: float, b: float) -> tuple[float, float]:
        k = bisect.bisect_right(self.starts, a - self.context)
        lo = self.starts[k - 1] if k else 0.0
        k = bisect.bisect_left(self.ends, b + self.context)
        hi = self.ends[k] if k < len(self.ends) else self.duration
        return round(max(0.0, min(lo, a)), 3), round(min(self.duration, max(hi, b)), 3)


def dropout_windows(
    dropouts: Sequence[tuple[float, float]],
    segments: Sequence[Segment],
    duration: float,
    opts: RepairOptions = DEFAULT_OPTIONS,
) -> list[tuple[float, float]]:
    """Decode windows: each dropout from the start of a word at least ``dropout_context`` s
    before it to the end of a word at least as far after it (the audio is cut between
    words, not inside the name), overlapping windows merged, longer ones than
    ``dropout_max_window`` s skipped."""
    bounds = _WordBounds(segments, duration, opts)
    out: list[tuple[float, float]] = []
    for a, b in dropouts:
        lo, hi = bounds.window(a, b)
        if out and lo <= out[-1][1]:
            lo = out[-1][0]
            out.pop()
        out.append((lo, hi))
    return [(a, b) for a, b in out if b - a <= opts.dropout_max_window]


def _segment_of(words: Sequence[Word]) -> Segment:
    """A segment holding just ``words`` (re-heard words: no log probability of their own)."""
    text = "".join(w.word for w in words)
    return Segment(
        id=0,
        start=words[0].start,
        end=words[-1].end,
        text=text,
        words=tuple(words),
        avg_logprob=0.0,
        compression_ratio=round(compression_ratio(text), 4),
        no_speech_prob=0.0,
    )


def insert_words(
    segments: Sequence[Segment], words: Sequence[Word], *, max_pause: float = 1.0
) -> list[Segment]:
    """Insert ``words`` (in time order) into the segment they fall in, or the nearer
    neighbour when less than ``max_pause`` s away (a name belongs to its sentence, and a
    segment of its own would be punctuated as one); otherwise as a segment of their own.
    The next word's start (the previous word's end) is moved past (before) the insert where
    DTW had stretched it over."""
    words = list(words)
    t0, t1 = words[0].start, words[-1].end
    out = list(segments)
    host = None
    for i, seg in enumerate(out):
        if seg.words and seg.start <= (t0 + t1) / 2 <= seg.end:
            host = i
            break
    if host is None:  # between segments: join the nearer one (a name opens or ends a sentence)
        near = [(t0 - seg.end, i) for i, seg in enumerate(out) if seg.words and seg.end <= t0]
        near += [(seg.start - t1, i) for i, seg in enumerate(out) if seg.words and seg.start >= t1]
        if near and min(near)[0] < max_pause:
            host = min(near)[1]
    if host is None:
        return sorted(out + [_segment_of(words)], key=lambda s: (s.start, s.end))
    seg = out[host]
    # a word that starts before the insert precedes it (one stretched over the insert holds
    # its speech at its start, as detect.covered_intervals assumes), the others follow it
    left = [w for w in seg.words if w.start < t0]
    right = [w for w in seg.words if w.start >= t0]
    if right and right[0].start < t1 < right[0].end:
        right[0] = replace(right[0], start=t1)
    if left and left[-1].start < t0 < left[-1].end:  # a word stretched over the insert, too
        left[-1] = replace(left[-1], end=t0)
    merged = tuple(left + words + right)
    out[host] = replace(
        seg,
        words=merged,
        text="".join(w.word for w in merged),
        start=min(seg.start, t0),
        end=max(seg.end, t1),
    )
    return out


def whole_words(words: Sequence[Word]) -> list[Word]:
    """Word pieces joined into whole words: for Mandarin, faster-whisper's alignment splits
    a Latin name into tokens ("A" + "gent", " Open" + "L" + "ow"); a piece that starts
    without a space and follows a Latin piece belongs to it. A whole word's probability is
    the mean of its pieces'."""
    groups: list[list[Word]] = []
    for w in words:
        t = w.word
        if groups and t[:1].isascii() and t[:1].isalnum() and latin_edge(groups[-1][-1].word[-1:]):
            groups[-1].append(w)
        else:
            groups.append([w])
    return [
        Word(
            start=g[0].start,
            end=g[-1].end,
            word="".join(w.word for w in g),
            probability=round(sum(w.probability for w in g) / len(g), 4),
        )
        for g in groups
    ]


def dedupe_edges(
    words: list[Word],
    segments: Sequence[Segment],
    reach: float = 0.8,
    window: tuple[float, float] | None = None,
) -> list[Word]:
    """Drop inserted words at either end that repeat an original word close by or in the
    re-heard ``window`` (the re-decode hears the neighbours' edges too: "低" + "ABI" + "标"
    where "降低" and "标用" are already there; "4." + "5" where DTW put the "5。" the first
    decode heard a second later), or that are a single unsure letter (a word cut at the edge)."""
    orig = [w for s in segments for w in s.words]

    from audio2digest.text.normalize import convert_script

    def norm(w: str) -> str:  # 團 and 团 are the same word here: opencc runs after repair
        return convert_script("".join(units(w)), "simplified")

    def dup(w: Word) -> bool:
        n, c = norm(w.word), (w.start + w.end) / 2
        return bool(n) and any(
            (
                abs((o.start + o.end) / 2 - c) < reach
                or (window is not None and window[0] <= (o.start + o.end) / 2 <= window[1])
            )
            and n in norm(o.word)
            for o in orig
        )

    def letter(w: Word) -> bool:  # one unsure letter
        t = w.word.strip()
        return len(t) == 1 and t.isascii() and t.isalpha() and w.probability < 0.5

    def head_fragment(ws: list[Word]) -> bool:  # "S" then " Law": not the start of "Sora"
        return letter(ws[0]) and (len(ws) == 1 or not ws[1].word[:1].isascii() or ws[1].word[:1] == " ")

    def tail_fragment(ws: list[Word]) -> bool:  # "Law" + "S": a capital glued to a word's end
        return len(ws) > 1 and letter(ws[-1]) and ws[-1].word[:1].isupper() and ws[-2].word[-1:].islower()

    while words and (dup(words[0]) or head_fragment(words)):
        words = words[1:]
    while words and (dup(words[-1]) or tail_fragment(words)):
        words = words[:-1]
    return words


def repair_dropouts(
    decoder,
    audio,
    segments: list[Segment],
    *,
    speech: Sequence[tuple[float, float]],
    opts: RepairOptions = DEFAULT_OPTIONS,
) -> tuple[list[Segment], list[Repair]]:
    """Re-hear every dropout in its sentence and insert the words found there.

    Each window (see :func:`dropout_windows`) is decoded on its own, greedily, with the
    episode's hotwords, the decoder forced through the words the first decode heard
    between the window's start and the dropout (``decoder.rehear``): anchored
    in its sentence, it goes on from "开发者可以通过" to the " OpenRouter" it skipped in
    the 30-s window. The new words that fall inside a dropout, joined into whole words
    (:func:`_whole_words`), unsure ones at either end and ones the neighbours already say
    dropped (:func:`_dedupe_edges`), are inserted into their sentence when the decoder was
    sure enough of them: a mean token probability of ``dropout_min_prob`` for an insert
    with a Latin word of 3+ letters (a name: what Whisper drops inside Mandarin), of
    ``dropout_sure_prob`` otherwise, and never when they loop or recite the hotword
    prompt. The original words stay. At most ``dropout_max_share`` of the audio (or
    ``dropout_min_seconds``, if more) is re-heard, longest dropouts first."""
    duration = audio.size / SAMPLE_RATE
    drops = find_dropouts(speech, segments, opts)
    if not drops:
        return segments, []
    budget = max(opts.dropout_min_seconds, opts.dropout_max_share * duration)
    bounds = _WordBounds(segments, duration, opts)
    chosen, used = [], 0.0
    for a, b in sorted(drops, key=lambda g: g[0] - g[1]):  # longest first
        lo, hi = bounds.window(a, b)
        if hi - lo <= opts.dropout_max_window and used + hi - lo <= budget:
            chosen.append((a, b))
            used += hi - lo
    chosen.sort()
    windows = dropout_windows(chosen, segments, duration, opts)
    hot = decoder.hotwords
    # words by where they really are (tight_cover): a word stretched back over a dropout
    # belongs after it, not in the prefix
    placed = sorted(
        ((_tight_start(w, opts) + w.end) / 2, k, w)
        for k, w in enumerate(w for s in segments for w in s.words)
    )
    mids = [m for m, _, _ in placed]
    jobs = []  # (window, the dropouts in it, prefix, max_new_tokens)
    for lo, hi in windows:
        inside = [(a, b) for a, b in chosen if lo <= a and b <= hi]
        if inside:
            first = inside[0][0]
            prefix = "".join(
                w.word for _, _, w in placed[bisect.bisect_left(mids, lo) : bisect.bisect_left(mids, first)]
            )
            # what the rest of the window can hold; a decode running on is cut short
            jobs.append(((lo, hi), inside, prefix, int(opts.dropout_tokens_per_second * (hi - first)) + 4))
    if not jobs:
        return segments, []
    t0 = time.perf_counter()
    try:
        heard = decoder.rehear(audio, [(w, p, n) for w, _, p, n in jobs], hotwords=hot, pad=opts.dropout_pad)
    except Exception as exc:  # a failed repair must not lose the transcript
        log.warning("re-hearing %d dropouts failed: %s", len(jobs), exc)
        return segments, []
    found: list[tuple[tuple[float, float], list[Word]]] = []
    for ((lo, hi), inside, prefix, _), words in zip(jobs, heard):
        log.debug(
            "re-heard %.1f-%.1f s after %r: %r",
            lo,
            hi,
            prefix,
            [(w.word, w.start, w.end, w.probability) for w in words],
        )
        for a, b in inside:
            ws = [
                w
                for w in whole_words(words)  # by where they really are (tight_cover)
                if a - opts.word_tolerance <= (_tight_start(w, opts) + w.end) / 2 <= b + opts.word_tolerance
            ]
            if ws:
                found.append(((lo, hi), ws))
    log.debug(
        "re-heard %d dropout windows (%.1f s of audio) in %.1f s",
        len(windows),
        sum(b - a for a, b in windows),
        time.perf_counter() - t0,
    )
    out = list(segments)
    repairs = []
    for (lo, hi), words in found:
        words = dedupe_edges(words, out, window=(lo, hi))
        while words and words[0].probability < opts.dropout_edge_prob:
            words = words[1:]
        while words and words[-1].probability < opts.dropout_edge_prob:
            words = words[:-1]
        words = dedupe_edges(words, out, window=(lo, hi))
        if not words or not units("".join(w.word for w in words)):
            continue
        new = _segment_of(words)
        mean_p = sum(w.probability for w in words) / len(words)
        name_like = any(len(t) >= 3 for t in re.findall(r"[A-Za-z]+", new.text))
        if (
            mean_p < (opts.dropout_min_prob if name_like else opts.dropout_sure_prob)
            or loop_flags([new], opts, hotwords=hot)
            or hotword_echo(new.text, hot, min_run=3, terms=decoder.hotword_terms)
        ):
            log.debug("dropout %.1f-%.1f s: %r not inserted (mean p %.2f)", lo, hi, new.text, mean_p)
            continue
        out = insert_words(out, words)
        repairs.append(
            Repair(
                kind="dropout",
                start=new.start,
                end=new.end,
                before="",
                after=new.text.strip(),
                detail=f"speech the words did not hold; re-heard {lo:.1f}-{hi:.1f} s "
                f"after its first words (mean word p {mean_p:.2f})",
            )
        )
    return out, repairs
