"""Detection without a model: loop signs, hotword echo, coverage gaps, VAD speech, scoring.

Loop detection (:func:`loop_flags`) flags a segment when any of these hold:

- ``compression``: zlib compression ratio of its text above ``max_compression_ratio``
  (2.4, faster-whisper's own threshold);
- ``tandem``: a phrase repeats back to back (``ABCABCABC``), inside one segment or running
  across neighbouring segments (units are CJK characters and Latin/digit words);
- ``ngram``: one n-gram of ``ngram_size`` units occurs ``ngram_repeats`` times or more in
  the segment, back to back or not;
- ``crowded``: more text units per second than anybody speaks (``max_units_per_second``),
  or most of its words squeezed into (near) zero duration;
- ``hotword-echo``: four or more consecutive tokens of the hotword prompt recited in order,
  or seven prompt tokens listed back to back in any order.

Echo tails (:func:`echo_tail`): the words a biased decoder appends after the speech of a
window ("…的情况。AI AI AI AI"): a run at the end of a segment whose words are unsure or
squeezed into no time, mostly squeezed, past the VAD speech, or prompt words.

Candidates of a re-decoded window are ranked by :func:`score`::

    score = avg_logprob (weighted by text length; empty: -1 x the window's speech share)
            - 1.0   if any loop flag remains
            - 0.5 * share of the window's VAD speech not covered by the candidate's words
            + 0.25 * agreement (similarity to the original with its repeats collapsed)
"""

from __future__ import annotations

import bisect
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import replace

from audio2digest.asr.repair.options import DEFAULT_OPTIONS, RepairOptions
from audio2digest.sources.audio import SAMPLE_RATE
from audio2digest.text.language import CJK_CHARS
from audio2digest.types import Segment, Word

#: Text units: one Han character, or one Latin/digit word ("4.5", "GPT-5", "don't").
UNIT_RE = re.compile(f"[{CJK_CHARS}]|[A-Za-z0-9]+(?:[.\\-'][A-Za-z0-9]+)*")


def units(text: str) -> list[str]:
    """Text units for repetition checks: single CJK characters, lower-cased Latin/digit words."""
    return [u.lower() for u in UNIT_RE.findall(text or "")]


def compression_ratio(text: str) -> float:
    """zlib compression ratio of ``text`` (as faster-whisper computes it); 0 for empty text."""
    data = (text or "").encode("utf-8")
    if not data:
        return 0.0
    return len(data) / len(zlib.compress(data))


def find_tandem_repeats(
    seq: Sequence, *, min_reps: int = 3, min_units: int = 8, single_reps: int = 6, max_period: int = 40
) -> list[tuple[int, int, int]]:
    """Back-to-back repeats in ``seq``: a list of ``(start, period, reps)``.

    ``seq[start : start + period]`` occurs ``reps`` times in a row. A period of one unit
    must repeat ``single_reps`` times; longer periods ``min_reps`` times and cover
    ``min_units`` units or more. Overlapping finds keep the one covering most units.
    """
    n = len(seq)
    found: list[tuple[int, int, int]] = []
    for period in range(1, min(max_period, n // 2) + 1):
        need = single_reps if period == 1 else min_reps
        i = 0
        while i + period < n:
            run = 0  # positions j >= i with seq[j] == seq[j + period], contiguous
            while i + run + period < n and seq[i + run] == seq[i + run + period]:
                run += 1
            if run:
                reps = run // period + 1
                if reps >= need and reps * period >= (min_units if period > 1 else need):
                    found.append((i, period, reps))
                i += run + 1
            else:
                i += 1
    # keep the largest non-overlapping finds
    found.sort(key=lambda f: (-f[1] * f[2], f[1]))
    kept: list[tuple[int, int, int]] = []
    for f in found:
        a, b = f[0], f[0] + f[1] * f[2]
        if all(b <= k[0] or a >= k[0] + k[1] * k[2] for k in kept):
            kept.append(f)
    return sorted(kept)


def _max_ngram_count(us: list[str], n: int) -> int:
    counts: dict[tuple, int] = {}
    for i in range(len(us) - n + 1):
        key = tuple(us[i : i + n])
        counts[key] = counts.get(key, 0) + 1
    return max(counts.values(), default=0)


def segment_flags(seg: Segment, opts: RepairOptions = DEFAULT_OPTIONS) -> list[str]:
    """Loop signs of one segment on its own (see the module docstring)."""
    flags = []
    text = seg.text or ""
    us = units(text)
    if compression_ratio(text) > opts.max_compression_ratio and len(us) >= opts.tandem_min_units:
        flags.append("compression")
    if find_tandem_repeats(
        us,
        min_reps=opts.tandem_min_reps,
        min_units=opts.tandem_min_units,
        single_reps=opts.tandem_single_reps,
    ):
        flags.append("tandem")
    if _max_ngram_count(us, opts.ngram_size) >= opts.ngram_repeats:
        flags.append("ngram")
    dur = max(seg.end - seg.start, 0.0)
    if len(us) >= opts.crowded_min_units and len(us) > opts.max_units_per_second * max(dur, 0.05):
        flags.append("crowded")
    elif len(seg.words) >= 8:
        zero = sum(1 for w in seg.words if w.end - w.start <= 0.02)
        if zero >= opts.zero_word_share * len(seg.words):
            flags.append("crowded")
    return flags


#: A run of this many consecutive tokens that are all prompt tokens, in any order (at least
#: ``ECHO_LIST_DISTINCT`` of them different), is a recital too: a batch's prompt is in its
#: own order, not the order of the prompt the repairs check against, and the bundled demo's
#: look="none" decode printed "Anthropic Claude Sonnet 4.5 DINOv3 DeepSeek-R2 Kimi K2
#: Thinking。" (11 tokens: "4.5" is two) over 15 s of speech. Speech strings five or so
#: names' tokens without a word between ("Google DeepMind Gemini 3 Pro", "OpenAI GPT-5.1").
ECHO_LIST_RUN = 7
ECHO_LIST_DISTINCT = 5
_ECHO_TOKEN = re.compile(r"[^\s，。、,.!?！？]+")


def hotword_echo(text: str, hotwords: str | None, min_run: int = 4, terms: Sequence[str] = ()) -> bool:
    """True when ``text`` repeats ``min_run`` or more consecutive tokens of the hotword
    prompt in order ("Google DeepMind 抖音 Notion 微信"), or lists ``ECHO_LIST_RUN`` prompt
    tokens back to back in any order: the decoder reciting its prompt. With the prompt's
    ``terms``, a ``text`` that is one of them is a name heard, not a recital: "Kimi K2
    Thinking" re-heard where it was said is three tokens of the prompt in order."""
    if not hotwords or not text:
        return False
    if terms and " ".join(text.split()).casefold() in {" ".join(t.split()).casefold() for t in terms}:
        return False
    hot = [t.casefold() for t in hotwords.split()]
    seg = [t.casefold() for t in _ECHO_TOKEN.findall(text)]
    if len(seg) < min_run:
        return False
    if _longest_prompt_list(seg, {t.casefold() for t in _ECHO_TOKEN.findall(hotwords)}) >= ECHO_LIST_RUN:
        return True
    # longest common contiguous run (small lists: quadratic is fine)
    best = 0
    prev = [0] * (len(hot) + 1)
    for a in seg:
        cur = [0] * (len(hot) + 1)
        for j, b in enumerate(hot, 1):
            if a == b:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best >= min_run


def _longest_prompt_list(tokens: list[str], hot: set[str]) -> int:
    """Length of the longest run of ``tokens`` all in ``hot`` with ``ECHO_LIST_DISTINCT``
    or more different ones (0 when none has)."""
    best, run = 0, []
    for t in tokens + [""]:
        if t and t in hot:
            run.append(t)
            continue
        if len(set(run)) >= ECHO_LIST_DISTINCT:
            best = max(best, len(run))
        run = []
    return best


def loop_flags(
    segments: Sequence[Segment], opts: RepairOptions = DEFAULT_OPTIONS, *, hotwords: str | None = None
) -> dict[int, list[str]]:
    """Flag looping segments. Returns ``{index in segments: [reasons]}`` (only flagged ones).

    Besides each segment's own signs, a phrase recurring back to back across neighbouring
    segments (the same sentence as three segments in a row) flags all segments it spans,
    and with ``hotwords`` given, a segment reciting four or more hotword tokens in prompt
    order is flagged ``hotword-echo``.
    """
    flagged: dict[int, list[str]] = {}
    for i, seg in enumerate(segments):
        f = segment_flags(seg, opts)
        if hotwords and hotword_echo(seg.text, hotwords):
            f.append("hotword-echo")
        if f:
            flagged[i] = f
    # repeats that run across segment boundaries
    seq: list[str] = []
    owner: list[int] = []
    for i, seg in enumerate(segments):
        us = units(seg.text)
        seq.extend(us)
        owner.extend([i] * len(us))
    for start, period, reps in find_tandem_repeats(
        seq,
        min_reps=opts.tandem_min_reps,
        min_units=opts.tandem_min_units,
        single_reps=opts.tandem_single_reps,
    ):
        span = set(owner[start : start + period * reps])
        if len(span) > 1:
            for i in span:
                if "repeat-across" not in flagged.setdefault(i, []):
                    flagged[i].append("repeat-across")
    return flagged


def count_loops(
    segments: Sequence[Segment], opts: RepairOptions = DEFAULT_OPTIONS, *, hotwords: str | None = None
) -> int:
    """Number of loops: runs of consecutive flagged segments."""
    return len(runs(sorted(loop_flags(segments, opts, hotwords=hotwords))))


def runs(indices: Sequence[int]) -> list[list[int]]:
    """Sorted indices grouped into runs of consecutive numbers."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


# ---------------------------------------------------------------------------------------
# coverage (pure)


def subtract(interval: tuple[float, float], covers: Sequence[tuple[float, float]]):
    s, e = interval
    out = []
    cur = s
    for a, b in covers:
        if b <= cur or a >= e:
            continue
        if a > cur:
            out.append((cur, min(a, e)))
        cur = max(cur, b)
        if cur >= e:
            break
    if cur < e:
        out.append((cur, e))
    return out


def merge_intervals(ivs: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for a, b in sorted(ivs):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


#: A word covers at most this many seconds of speech (RepairOptions.max_word_seconds says why),
#: or this many a character where that is longer: a number written as one word
#: ("$2,147,483,647", 14 characters) takes 5-6 s to read.
MAX_WORD_SECONDS = DEFAULT_OPTIONS.max_word_seconds
WORD_SECONDS_PER_CHARACTER = 0.5


def covered_intervals(
    segments: Iterable[Segment], tolerance: float = 0.25, max_word: float = MAX_WORD_SECONDS
) -> list[tuple[float, float]]:
    """Merged time intervals covered by words, each for at most ``max_word`` s from its
    start (segment spans for segments without words)."""
    ivs = []
    for seg in segments:
        if seg.words:
            ivs.extend(
                (
                    w.start - tolerance,
                    min(w.end, w.start + max(max_word, WORD_SECONDS_PER_CHARACTER * len(w.word.strip())))
                    + tolerance,
                )
                for w in seg.words
            )
        elif (seg.text or "").strip():
            ivs.append((seg.start - tolerance, seg.end + tolerance))
    return merge_intervals(ivs)


def find_coverage_gaps(
    speech: Sequence[tuple[float, float]],
    segments: Sequence[Segment],
    *,
    min_gap: float = 1.5,
    tolerance: float = 0.25,
    max_word: float = MAX_WORD_SECONDS,
) -> list[tuple[float, float]]:
    """Stretches of ``speech`` (VAD, seconds) longer than ``min_gap`` that no word covers
    (see :func:`covered_intervals`)."""
    covers = covered_intervals(segments, tolerance, max_word)
    gaps = []
    for iv in speech:
        for a, b in subtract(iv, covers):
            if b - a > min_gap:
                gaps.append((round(float(a), 3), round(float(b), 3)))
    return gaps


def merge_gaps(
    gaps: Sequence[tuple[float, float]],
    segments: Sequence[Segment],
    *,
    max_pause: float = 2.0,
    max_len: float = 28.0,
) -> list[tuple[float, float]]:
    """Join gaps separated by less than ``max_pause`` s when no word lies between them, so a
    dropped sentence split by short VAD pauses is re-decoded as one window (<= ``max_len`` s)."""
    mids = sorted((w.start + w.end) / 2 for s in segments for w in s.words)

    out: list[tuple[float, float]] = []
    for a, b in gaps:
        if out:
            pa, pb = out[-1]
            k = bisect.bisect_right(mids, pb)
            no_word = k >= len(mids) or mids[k] >= a
            if a - pb < max_pause and no_word and b - pa <= max_len:
                out[-1] = (pa, b)
                continue
        out.append((a, b))
    return out


def uncovered_seconds(
    speech, segments, *, min_gap: float = 1.5, tolerance: float = 0.25, max_word: float = MAX_WORD_SECONDS
) -> float:
    """Total seconds of speech in gaps longer than ``min_gap``."""
    gaps = find_coverage_gaps(speech, segments, min_gap=min_gap, tolerance=tolerance, max_word=max_word)
    return round(sum(b - a for a, b in gaps), 3)


#: Silero VAD runs over blocks of this many seconds: faster-whisper's VAD holds padded
#: copies of all it is given and runs the model 10,000 windows (320 s) at a time. Measured
#: on 20 minutes of dev02: +223 MB with 600-s blocks, +73 MB with 120-s, +35 MB with 60-s
#: blocks. A stretch cut at a block's edge is joined again when the cut left less than
#: the minimum silence between its halves (see speech_stretches).
VAD_BLOCK_SECONDS = 120.0


def speech_stretches(
    audio,
    *,
    threshold: float = 0.5,
    min_silence_ms: int = 300,
    speech_pad_ms: int = 100,
    block: float = VAD_BLOCK_SECONDS,
) -> list[tuple[float, float]]:
    """VAD speech stretches of a 16 kHz array, in seconds (tighter settings than decoding's
    VAD, so that pauses between sentences do not count as speech), ``block`` s at a time."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(
        threshold=threshold, min_silence_duration_ms=min_silence_ms, speech_pad_ms=speech_pad_ms
    )
    step = max(1, int(block * SAMPLE_RATE))
    out: list[tuple[float, float]] = []
    for lo in range(0, audio.size, step):
        piece = audio[lo : lo + step]
        if piece.size < SAMPLE_RATE // 10:
            break
        for c in get_speech_timestamps(piece, opts):
            a, b = (lo + c["start"]) / SAMPLE_RATE, (lo + c["end"]) / SAMPLE_RATE
            if out and a - out[-1][1] < min_silence_ms / 1000:  # cut at the block's edge
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
    return out


# ---------------------------------------------------------------------------------------
# scoring


def _similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b) / 100.0


def score(
    candidate: Sequence[Segment],
    *,
    speech: Sequence[tuple[float, float]] = (),
    window: tuple[float, float] | None = None,
    reference: str = "",
    hotwords: str | None = None,
    opts: RepairOptions = DEFAULT_OPTIONS,
) -> float:
    """Rank a window's candidate transcription; higher is better (see the module docstring).

    An empty candidate scores ``-1.0`` times the share of the window the VAD calls speech
    (so nothing is the best answer for a hallucination over silence, and the worst over
    speech) instead of a log probability.
    """
    text = "".join(s.text for s in candidate)
    n = len(units(text))
    inside: list[tuple[float, float]] = []
    if window is not None and speech:
        inside = [
            (max(a, window[0]), min(b, window[1])) for a, b in speech if b > window[0] and a < window[1]
        ]
    total = sum(b - a for a, b in inside)
    if n:
        lp = sum(s.avg_logprob * max(len(units(s.text)), 1) for s in candidate) / sum(
            max(len(units(s.text)), 1) for s in candidate
        )
    elif window is not None and speech:
        lp = -1.0 * total / max(window[1] - window[0], 1e-6)
    else:
        lp = -1.0
    value = lp
    if loop_flags(candidate, opts, hotwords=hotwords):
        value -= 1.0
    if total > 0:
        covers = covered_intervals(candidate, opts.word_tolerance, opts.max_word_seconds)
        missing = sum(b - a for iv in inside for a, b in subtract(iv, covers))
        value -= 0.5 * missing / total
    if reference:
        value += 0.25 * _similarity("".join(units(text)), "".join(units(reference)))
    return value


# ---------------------------------------------------------------------------------------
# segment helpers


def within(segments: Iterable[Segment], start: float, end: float) -> list[Segment]:
    """Segments (words trimmed) whose words fall inside [start, end] by their midpoints."""
    out = []
    for seg in segments:
        if seg.words:
            words = tuple(w for w in seg.words if start <= (w.start + w.end) / 2 <= end)
            if not words:
                continue
            if len(words) != len(seg.words):
                seg = replace(
                    seg,
                    words=words,
                    text="".join(w.word for w in words),
                    start=words[0].start,
                    end=words[-1].end,
                )
            out.append(seg)
        elif start <= (seg.start + seg.end) / 2 <= end and seg.text.strip():
            out.append(seg)
    return out


def latin_edge(c: str) -> bool:
    """True for a Latin letter or digit (two such edges need a space between them)."""
    return bool(c) and c.isascii() and c.isalnum()


def merge_close(segments: Sequence[Segment], max_pause: float = 0.5) -> list[Segment]:
    """Join consecutive segments less than ``max_pause`` s apart into one (texts and words
    concatenated, log probability weighted by length). Re-decoded windows often come back
    as many two-word segments; joined, they read (and get punctuated) like the rest."""
    out: list[Segment] = []
    for seg in segments:
        if out and seg.start - out[-1].end < max_pause:
            prev = out[-1]
            n1, n2 = max(len(units(prev.text)), 1), max(len(units(seg.text)), 1)
            words = seg.words
            if latin_edge(prev.text[-1:]) and latin_edge(seg.text[:1]):
                # "Gemini" + "2.5 Flash" read as two words, not "Gemini2.5 Flash"
                seg = replace(seg, text=" " + seg.text)
                if words:
                    words = (replace(words[0], word=" " + words[0].word),) + words[1:]
            out[-1] = replace(
                prev,
                end=max(prev.end, seg.end),
                text=prev.text + seg.text,
                words=prev.words + words,
                avg_logprob=round((prev.avg_logprob * n1 + seg.avg_logprob * n2) / (n1 + n2), 4),
                compression_ratio=round(compression_ratio(prev.text + seg.text), 4),
                no_speech_prob=min(prev.no_speech_prob, seg.no_speech_prob),
            )
        else:
            out.append(seg)
    return out


def text_of(segs: Sequence[Segment]) -> str:
    """The segments' text joined, stripped."""
    return "".join(s.text for s in segs).strip()


# ---------------------------------------------------------------------------------------
# echo: words a biased decoder appends after the speech of a window


def prompt_units(hotwords: str | None) -> set[str]:
    """The text units of the hotword prompt (casefolded), to tell its words in the output."""
    return set(units(hotwords or ""))


def _in_speech(t: float, speech: Sequence[tuple[float, float]], pad: float) -> bool:
    return any(a - pad <= t <= b + pad for a, b in speech)


def echo_tail(
    seg: Segment,
    speech: Sequence[tuple[float, float]] = (),
    hotwords: str | None = None,
    opts: RepairOptions = DEFAULT_OPTIONS,
) -> int:
    """Where the echo at the end of ``seg`` starts (an index into ``seg.words``;
    ``len(seg.words)`` when there is none).

    The tail is the run of suspect words at the end (probability below ``echo_word_prob``,
    squeezed into ``echo_squeezed`` s or less, or past the VAD ``speech``). It is an echo
    when two or more of its words had no time to be said (``echo_share`` of them squeezed:
    text the audio has no room for), or when ``echo_share`` of them are squeezed or past
    the speech and its mean probability is below ``echo_max_prob``, or when every word of
    it is a prompt word and its mean probability is below ``echo_whole_prob``.
    """
    words = seg.words
    hot = prompt_units(hotwords)

    def squeezed(w: Word) -> bool:
        return w.end - w.start <= opts.echo_squeezed

    def past(w: Word) -> bool:
        return bool(speech) and not _in_speech((w.start + w.end) / 2, speech, opts.echo_speech_pad)

    k = len(words)
    while k > 0 and (
        words[k - 1].probability < opts.echo_word_prob
        or squeezed(words[k - 1])
        or past(words[k - 1])
        or not units(words[k - 1].word)
    ):
        k -= 1
    while k < len(words) and not units(words[k].word):  # punctuation belongs to the sentence
        k += 1
    tail = [w for w in words[k:] if units(w.word)]
    if not tail:
        return len(words)
    mean_p = sum(w.probability for w in tail) / len(tail)
    n_squeezed = sum(1 for w in tail if squeezed(w))
    n_marked = sum(1 for w in tail if squeezed(w) or past(w))
    prompt = bool(hot) and all(set(units(w.word)) <= hot for w in tail)
    if len(tail) >= 2 and n_squeezed >= opts.echo_share * len(tail):
        return k
    if n_marked >= opts.echo_share * len(tail) and mean_p < opts.echo_max_prob:
        return k
    if prompt and mean_p < opts.echo_whole_prob:
        return k
    return len(words)
