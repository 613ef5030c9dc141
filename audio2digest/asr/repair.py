"""Loop and coverage repair after decoding.

Whisper base, above all when biased with many ``hotwords``, sometimes loops (one phrase
printed nine times), sometimes drops a sentence of speech, and often skips an English name
inside Mandarin. This module finds these failure modes and repairs them by re-decoding only
the affected windows.

Loop detection (:func:`loop_flags`) flags a segment when any of these hold:

- ``compression``: zlib compression ratio of its text above ``max_compression_ratio``
  (2.4, faster-whisper's own threshold);
- ``tandem``: a phrase repeats back to back (``ABCABCABC``), inside one segment or running
  across neighbouring segments (units are CJK characters and Latin/digit words);
- ``ngram``: one n-gram of ``ngram_size`` units occurs ``ngram_repeats`` times or more in
  the segment, back to back or not;
- ``crowded``: more text units per second than anybody speaks (``max_units_per_second``),
  or most of its words squeezed into (near) zero duration;
- ``hotword-echo``: four or more consecutive tokens of the hotword prompt recited in order.

Each run of flagged segments becomes one window, re-decoded on its own
(``transcribe.decode_window``: the window's audio only, one pass) with safer settings:
no hotwords, then a repetition penalty, both at temperature 0; sampling at higher
temperatures comes last, for a window both still loop in (a sampled decode is not
reproducible: the same audio would give another transcript on the next run). Candidates
(the original included) are ranked by :func:`score`::

    score = avg_logprob (weighted by text length; empty: -1 x the window's speech share)
            - 1.0   if any loop flag remains
            - 0.5 * share of the window's VAD speech not covered by the candidate's words
            + 0.25 * agreement (similarity to the original with its repeats collapsed)

and the best is kept (the first clean candidate that beats the original ends the search;
``max_new_tokens`` is bounded by the window length). Should the winner still loop,
back-to-back repeats are collapsed to one copy (:func:`collapse_repeats`): a last resort,
recorded as ``collapse``.

Coverage check (:func:`find_coverage_gaps`): stretches the VAD marks as speech but no
word covers for more than ``min_gap`` seconds are re-decoded alone and spliced in. A
short window keeps the hotwords first (a dropped sentence is usually a window whose
prompt left too little room, not a bad term), then the loop retries without them; the
first result with words and no loop is spliced in.

Dropout check (:func:`repair_dropouts`, last; ``RepairOptions.dropouts``, set by
``TranscribeOptions.recover_names``, on unless ``--no-recover-names``): a name skipped
inside a sentence leaves too little uncovered time for the coverage check, because
Whisper's word timing stretches the next word back over it ("通过 | 直接" with 直接
lasting 1.3 s where "OpenRouter 直接" was said). Each word is taken to hold at most
0.15 s + 0.3 s per text unit back from its end (:func:`tight_cover`); VAD speech of 0.4 s
or more that no word then holds is a dropout. Each dropout is cut out with about 0.6 s of
words either side (cut between words) and heard again on its own, greedily, with the
episode's hotwords, the decoder forced through the words already heard between the
window's start and the dropout (``transcribe.rehear_windows``; the encoder sees the window
and 3 s of silence or more, up to 8 windows encoded and decoded together). The new words inside the dropout, joined into
whole words, are inserted into their sentence when the decoder gave their tokens a mean
probability of 0.3 or more for a Latin name (0.6 for anything else), never when they loop
or recite the hotword prompt; unsure words at either end and words the neighbours already
say are dropped. At most 10 % of the audio (or 30 s) is re-heard, longest dropouts first.
Recorded as kind ``dropout``. These thresholds were set on the three dev episodes (the
only audio with true scripts here), so expect them to need a look on other shows.

Silence check (:func:`drop_silence_hallucinations`, first): a segment less than half inside
VAD speech and unsure of itself (avg logprob < -1 or mean word probability < 0.3) is dropped,
recorded as kind ``silence``.

Every change is returned as a :class:`~audio2digest.types.Repair`, which ends up in
``transcript.json``.
"""

from __future__ import annotations

import bisect
import logging
import re
import time
import zlib
from dataclasses import dataclass, field, replace
from typing import Iterable, Optional, Sequence

from audio2digest.types import Repair, Segment, Word

log = logging.getLogger("audio2digest.asr.repair")

_UNIT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[A-Za-z0-9]+(?:[.\-'][A-Za-z0-9]+)*")
_NORM_WORD = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class RepairOptions:
    """Thresholds and settings of loop and coverage repair."""

    max_compression_ratio: float = 2.4
    tandem_min_reps: int = 3  # a phrase of 2+ units back to back this many times
    tandem_min_units: int = 8  # ... covering at least this many units in all
    tandem_single_reps: int = 6  # one unit (a character / word) this many times in a row
    ngram_size: int = 4
    ngram_repeats: int = 4
    max_units_per_second: float = 12.0  # Mandarin news is read at ~4-6 characters/s
    crowded_min_units: int = 10
    zero_word_share: float = 0.5  # share of words lasting <= 20 ms that marks a crowded segment
    min_gap: float = 1.5  # seconds of VAD speech without words that count as a dropped stretch
    word_tolerance: float = 0.25  # seconds around each word that still count as covered
    window_pad: float = 0.2  # seconds added to each side of a re-decoded window
    merge_pause: float = 2.0  # gaps closer than this (no words between) are re-decoded together
    coverage_passes: int = 2  # a second pass re-decodes what is left of a gap on its own
    coverage: bool = True
    loops: bool = True
    silence: bool = True  # drop low-confidence segments that lie outside VAD speech
    silence_max_speech_share: float = 0.5  # ... when less than this share of them is speech
    silence_max_logprob: float = -1.0  # ... and avg log probability is below this
    silence_max_word_prob: float = 0.3  # ... or their mean word probability is
    collapse: bool = True
    # faster-whisper settings for re-decoding, tried in order until a candidate has no loop.
    # The deterministic ones come first: a sampled decode (temperature above 0, best_of=5
    # candidates) differs from run to run, so the same audio would give another transcript;
    # it is the last resort, for a window every deterministic candidate still loops in.
    retries: tuple = (
        {"temperature": [0.0]},
        {"temperature": [0.0], "repetition_penalty": 1.2, "no_repeat_ngram_size": 6},
        {"temperature": [0.3, 0.6], "compression_ratio_threshold": 2.0},
    )
    gap_first: dict = field(default_factory=lambda: {"hotwords": "default", "temperature": [0.0]})
    # dropouts: shorter stretches of speech a word fell out of (see repair_dropouts)
    dropouts: bool = True  # TranscribeOptions.recover_names / --no-recover-names
    dropout_min: float = 0.4  # seconds of VAD speech no word holds
    dropout_unit_seconds: float = 0.3  # a word holds at most base + this per text unit ...
    dropout_word_base: float = 0.15  # ... counted back from its end (DTW stretches its start)
    dropout_context: float = 0.6  # seconds of the original's words heard with each dropout
    dropout_max_window: float = 8.0
    dropout_max_share: float = 0.1  # at most this share of the audio is re-heard ...
    dropout_min_seconds: float = 30.0  # ... or this many seconds, if more (longest dropouts first)
    dropout_pad: float = 3.0  # seconds of silence after each window for the encoder (window_decode.rehear)
    dropout_tokens_per_second: float = 8.0  # max_new_tokens: the rest of the window after the prefix
    dropout_edge_prob: float = 0.2  # inserted whole words at either end below this are dropped
    dropout_min_prob: float = 0.3  # mean probability of a Latin insert (a name) ...
    dropout_sure_prob: float = 0.6  # ... and of any other insert


DEFAULT_OPTIONS = RepairOptions()


# ---------------------------------------------------------------------------------------
# detection (pure functions; no model)


def units(text: str) -> list[str]:
    """Text units for repetition checks: single CJK characters, lower-cased Latin/digit words."""
    return [u.lower() for u in _UNIT.findall(text or "")]


def compression_ratio(text: str) -> float:
    """zlib compression ratio of ``text`` (as faster-whisper computes it); 0 for empty text."""
    data = (text or "").encode("utf-8")
    if not data:
        return 0.0
    return len(data) / len(zlib.compress(data))


def find_tandem_repeats(seq: Sequence, *, min_reps: int = 3, min_units: int = 8,
                        single_reps: int = 6, max_period: int = 40) -> list[tuple[int, int, int]]:
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
        key = tuple(us[i:i + n])
        counts[key] = counts.get(key, 0) + 1
    return max(counts.values(), default=0)


def segment_flags(seg: Segment, opts: RepairOptions = DEFAULT_OPTIONS) -> list[str]:
    """Loop signs of one segment on its own (see the module docstring)."""
    flags = []
    text = seg.text or ""
    us = units(text)
    if compression_ratio(text) > opts.max_compression_ratio and len(us) >= opts.tandem_min_units:
        flags.append("compression")
    if find_tandem_repeats(us, min_reps=opts.tandem_min_reps, min_units=opts.tandem_min_units,
                           single_reps=opts.tandem_single_reps):
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


def hotword_echo(text: str, hotwords: Optional[str], min_run: int = 4) -> bool:
    """True when ``text`` repeats ``min_run`` or more consecutive tokens of the hotword
    prompt in order ("Google DeepMind 抖音 Notion 微信"): the decoder reciting its prompt."""
    if not hotwords or not text:
        return False
    hot = [t.casefold() for t in hotwords.split()]
    seg = [t.casefold() for t in re.findall(r"[^\s，。、,.!?！？]+", text)]
    if len(seg) < min_run:
        return False
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


def loop_flags(segments: Sequence[Segment], opts: RepairOptions = DEFAULT_OPTIONS, *,
               hotwords: Optional[str] = None) -> dict[int, list[str]]:
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
            seq, min_reps=opts.tandem_min_reps, min_units=opts.tandem_min_units,
            single_reps=opts.tandem_single_reps):
        span = set(owner[start:start + period * reps])
        if len(span) > 1:
            for i in span:
                if "repeat-across" not in flagged.setdefault(i, []):
                    flagged[i].append("repeat-across")
    return flagged


def count_loops(segments: Sequence[Segment], opts: RepairOptions = DEFAULT_OPTIONS, *,
                hotwords: Optional[str] = None) -> int:
    """Number of loops: runs of consecutive flagged segments."""
    return len(_runs(sorted(loop_flags(segments, opts, hotwords=hotwords))))


def _runs(indices: Sequence[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


# ---------------------------------------------------------------------------------------
# collapse (last resort)


def _norm_word(w: str) -> str:
    return _NORM_WORD.sub("", w).lower()


def collapse_repeats(seg: Segment, opts: RepairOptions = DEFAULT_OPTIONS) -> Segment:
    """Keep one copy of each back-to-back repeat in ``seg`` (by words when it has them)."""
    if seg.words:
        keys = [_norm_word(w.word) for w in seg.words]
        idx = [i for i, k in enumerate(keys) if k]  # ignore punctuation-only words
        seq = [keys[i] for i in idx]
        drop: set[int] = set()
        for start, period, reps in find_tandem_repeats(
                seq, min_reps=opts.tandem_min_reps, min_units=opts.tandem_min_units // 2 or 2,
                single_reps=opts.tandem_single_reps):
            for j in range(start + period, start + period * reps):
                drop.add(idx[j])
        if drop:
            # punctuation-only words between two dropped words go too
            words = [w for i, w in enumerate(seg.words)
                     if i not in drop and not (keys[i] == "" and i - 1 in drop and i + 1 in drop)]
            text = "".join(w.word for w in words)
            if words:
                return replace(seg, text=text, words=tuple(words), end=max(seg.start, words[-1].end))
    # text only: collapse on units, rebuilding text from the kept units' spans
    spans = [(m.start(), m.end()) for m in _UNIT.finditer(seg.text)]
    seq = [seg.text[a:b].lower() for a, b in spans]
    cut: list[tuple[int, int]] = []
    for start, period, reps in find_tandem_repeats(
            seq, min_reps=opts.tandem_min_reps, min_units=opts.tandem_min_units,
            single_reps=opts.tandem_single_reps):
        a = spans[start + period][0]
        b = spans[start + period * reps - 1][1]
        cut.append((a, b))
    if not cut:
        return seg
    text, pos = [], 0
    for a, b in sorted(cut):
        text.append(seg.text[pos:a])
        pos = b
    text.append(seg.text[pos:])
    return replace(seg, text="".join(text))


# ---------------------------------------------------------------------------------------
# coverage (pure)


def _subtract(interval: tuple[float, float], covers: Sequence[tuple[float, float]]):
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


def _merge_intervals(ivs: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for a, b in sorted(ivs):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def covered_intervals(segments: Iterable[Segment], tolerance: float = 0.25) -> list[tuple[float, float]]:
    """Merged time intervals covered by words (segment spans for segments without words)."""
    ivs = []
    for seg in segments:
        if seg.words:
            ivs.extend((w.start - tolerance, w.end + tolerance) for w in seg.words)
        elif (seg.text or "").strip():
            ivs.append((seg.start - tolerance, seg.end + tolerance))
    return _merge_intervals(ivs)


def find_coverage_gaps(speech: Sequence[tuple[float, float]], segments: Sequence[Segment], *,
                       min_gap: float = 1.5, tolerance: float = 0.25) -> list[tuple[float, float]]:
    """Stretches of ``speech`` (VAD, seconds) longer than ``min_gap`` that no word covers."""
    covers = covered_intervals(segments, tolerance)
    gaps = []
    for iv in speech:
        for a, b in _subtract(iv, covers):
            if b - a > min_gap:
                gaps.append((round(float(a), 3), round(float(b), 3)))
    return gaps


def merge_gaps(gaps: Sequence[tuple[float, float]], segments: Sequence[Segment], *,
               max_pause: float = 2.0, max_len: float = 28.0) -> list[tuple[float, float]]:
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


def uncovered_seconds(speech, segments, *, min_gap: float = 1.5, tolerance: float = 0.25) -> float:
    """Total seconds of speech in gaps longer than ``min_gap``."""
    return round(sum(b - a for a, b in find_coverage_gaps(speech, segments, min_gap=min_gap,
                                                           tolerance=tolerance)), 3)


def speech_stretches(audio, *, threshold: float = 0.5, min_silence_ms: int = 300,
                     speech_pad_ms: int = 100) -> list[tuple[float, float]]:
    """VAD speech stretches of a 16 kHz array, in seconds (tighter settings than decoding's
    VAD, so that pauses between sentences do not count as speech)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(threshold=threshold, min_silence_duration_ms=min_silence_ms,
                      speech_pad_ms=speech_pad_ms)
    return [(c["start"] / 16000, c["end"] / 16000) for c in get_speech_timestamps(audio, opts)]


# ---------------------------------------------------------------------------------------
# scoring


def _similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b) / 100.0


def score(candidate: Sequence[Segment], *, speech: Sequence[tuple[float, float]] = (),
          window: Optional[tuple[float, float]] = None, reference: str = "",
          hotwords: Optional[str] = None, opts: RepairOptions = DEFAULT_OPTIONS) -> float:
    """Rank a window's candidate transcription; higher is better (see the module docstring).

    An empty candidate scores ``-1.0`` times the share of the window the VAD calls speech
    (so nothing is the best answer for a hallucination over silence, and the worst over
    speech) instead of a log probability.
    """
    text = "".join(s.text for s in candidate)
    n = len(units(text))
    inside: list[tuple[float, float]] = []
    if window is not None and speech:
        inside = [(max(a, window[0]), min(b, window[1])) for a, b in speech
                  if b > window[0] and a < window[1]]
    total = sum(b - a for a, b in inside)
    if n:
        lp = sum(s.avg_logprob * max(len(units(s.text)), 1) for s in candidate) / \
            sum(max(len(units(s.text)), 1) for s in candidate)
    elif window is not None and speech:
        lp = -1.0 * total / max(window[1] - window[0], 1e-6)
    else:
        lp = -1.0
    value = lp
    if loop_flags(candidate, opts, hotwords=hotwords):
        value -= 1.0
    if total > 0:
        covers = covered_intervals(candidate, opts.word_tolerance)
        missing = sum(b - a for iv in inside for a, b in _subtract(iv, covers))
        value -= 0.5 * missing / total
    if reference:
        value += 0.25 * _similarity("".join(units(text)), "".join(units(reference)))
    return value


# ---------------------------------------------------------------------------------------
# repair with the model


def _within(segments: Iterable[Segment], start: float, end: float) -> list[Segment]:
    """Segments (words trimmed) whose words fall inside [start, end] by their midpoints."""
    out = []
    for seg in segments:
        if seg.words:
            words = tuple(w for w in seg.words if start <= (w.start + w.end) / 2 <= end)
            if not words:
                continue
            if len(words) != len(seg.words):
                seg = replace(seg, words=words, text="".join(w.word for w in words),
                              start=words[0].start, end=words[-1].end)
            out.append(seg)
        elif start <= (seg.start + seg.end) / 2 <= end and seg.text.strip():
            out.append(seg)
    return out


def _latin_edge(c: str) -> bool:
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
            if _latin_edge(prev.text[-1:]) and _latin_edge(seg.text[:1]):
                # "Gemini" + "2.5 Flash" read as two words, not "Gemini2.5 Flash"
                seg = replace(seg, text=" " + seg.text)
                if words:
                    words = (replace(words[0], word=" " + words[0].word),) + words[1:]
            out[-1] = replace(
                prev, end=max(prev.end, seg.end), text=prev.text + seg.text,
                words=prev.words + words,
                avg_logprob=round((prev.avg_logprob * n1 + seg.avg_logprob * n2) / (n1 + n2), 4),
                compression_ratio=round(compression_ratio(prev.text + seg.text), 4),
                no_speech_prob=min(prev.no_speech_prob, seg.no_speech_prob))
        else:
            out.append(seg)
    return out


def _redecode(model, audio, options, window, *, language, settings,
              opts: RepairOptions = DEFAULT_OPTIONS) -> list[Segment]:
    from audio2digest.asr.transcribe import decode_window

    settings = dict(settings)
    hotwords = settings.pop("hotwords", None)
    # bound the work: a window cannot hold more than ~15 tokens a second of speech, and a
    # runaway (looping) candidate would otherwise decode up to 448 tokens per temperature
    settings.setdefault("max_new_tokens", min(220, int(15 * (window[1] - window[0])) + 16))
    t0 = time.perf_counter()
    segs = decode_window(model, audio, options, window, language=language, hotwords=hotwords,
                         **settings)
    log.debug("re-decoded %.1f-%.1f s in %.1f s (%s)", window[0], window[1],
              time.perf_counter() - t0, _settings_label(settings))
    # the unsure tail a short window trails off into goes before segments are joined
    return merge_close(_drop_unsure_tail(_within(segs, window[0] - 0.5, window[1] + 0.5), opts))


def _text(segs: Sequence[Segment]) -> str:
    return "".join(s.text for s in segs).strip()


def _settings_label(settings: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in settings.items())


def repair_loops(model, audio, segments: list[Segment], options, *, language,
                 speech: Sequence[tuple[float, float]] = (),
                 opts: RepairOptions = DEFAULT_OPTIONS) -> tuple[list[Segment], list[Repair]]:
    """Re-decode each run of looping segments; keep the best candidate by :func:`score`."""
    hot = getattr(options, "hotwords", None)
    flagged = loop_flags(segments, opts, hotwords=hot)
    if not flagged:
        return segments, []
    duration = audio.size / 16000
    out = list(segments)
    repairs: list[Repair] = []
    replacements: list[tuple[list[int], list[Segment]]] = []
    for run in _runs(sorted(flagged)):
        original = [segments[i] for i in run]
        reasons = sorted({r for i in run for r in flagged[i]})
        lo = segments[run[0] - 1].end if run[0] > 0 else 0.0
        hi = segments[run[-1] + 1].start if run[-1] + 1 < len(segments) else duration
        start = max(lo, original[0].start - opts.window_pad, 0.0)
        end = min(hi, max(s.end for s in original) + opts.window_pad, duration)
        if end - start < 0.2:
            end = min(duration, start + 0.2)
        window = (round(start, 3), round(end, 3))
        collapsed_ref = _text([collapse_repeats(s, opts) for s in original])
        best, best_score, best_label = original, score(original, speech=speech, window=window,
                                                       reference=collapsed_ref, hotwords=hot,
                                                       opts=opts), "original"
        log.info("loop at %.1f-%.1f s (%s): %r", window[0], window[1], ", ".join(reasons),
                 _text(original)[:80])
        for settings in opts.retries:
            try:
                cand = _redecode(model, audio, options, window, language=language, settings=settings,
                                 opts=opts)
            except Exception as exc:  # a failed retry must not lose the transcript
                log.warning("re-decoding %.1f-%.1f s failed: %s", window[0], window[1], exc)
                continue
            s = score(cand, speech=speech, window=window, reference=collapsed_ref, hotwords=hot,
                      opts=opts)
            log.debug("candidate (%s): score %.3f %r", _settings_label(settings), s, _text(cand)[:80])
            if s > best_score:
                best, best_score, best_label = cand, s, _settings_label(settings)
                if not loop_flags(cand, opts, hotwords=hot):
                    break  # a clean candidate that beats the original: done
        kind = "loop"
        if opts.collapse and loop_flags(best, opts):
            collapsed = [collapse_repeats(s, opts) for s in best]
            if _text(collapsed) != _text(best):
                best = collapsed
                kind = "collapse"
                best_label += "; residual repeats collapsed"
        replacements.append((run, best))
        repairs.append(Repair(kind=kind, start=window[0], end=window[1], before=_text(original),
                              after=_text(best),
                              detail=f"flags: {', '.join(reasons)}; kept: {best_label} "
                                     f"(score {best_score:.3f})"))
    for run, new in reversed(replacements):
        out[run[0]:run[-1] + 1] = new
    return out, repairs


def fill_gaps(model, audio, segments: list[Segment], options, *, language,
              speech: Sequence[tuple[float, float]],
              opts: RepairOptions = DEFAULT_OPTIONS) -> tuple[list[Segment], list[Repair]]:
    """Re-decode each uncovered speech stretch on its own and splice its words in."""
    duration = audio.size / 16000
    out = list(segments)
    repairs = []
    tried: set[tuple[float, float]] = set()
    for _ in range(max(1, opts.coverage_passes)):
        gaps = find_coverage_gaps(speech, out, min_gap=opts.min_gap, tolerance=opts.word_tolerance)
        todo = [g for g in merge_gaps(gaps, out, max_pause=opts.merge_pause) if g not in tried]
        if not todo:
            break
        for a, b in todo:
            tried.add((a, b))
            new, label = _fill_one(model, audio, options, (a, b), duration, language=language, opts=opts)
            if not new:
                repairs.append(Repair(kind="gap", start=a, end=b, before="", after="",
                                      detail=f"{b - a:.1f} s of speech without words; "
                                             "re-decoding found no words"))
                continue
            out.extend(new)
            repairs.append(Repair(kind="gap", start=a, end=b, before="", after=_text(new),
                                  detail=f"{b - a:.1f} s of speech without words; re-decoded ({label})"))
        out.sort(key=lambda s: (s.start, s.end))
    return out, repairs


def _fill_one(model, audio, options, gap, duration, *, language, opts):
    a, b = gap
    window = (round(max(0.0, a - opts.window_pad), 3), round(min(duration, b + opts.window_pad), 3))
    log.info("uncovered speech %.1f-%.1f s: re-decoding", a, b)
    first = (opts.gap_first,) if options.hotwords else ()
    for settings in first + tuple(opts.retries):
        try:
            cand = _redecode(model, audio, options, window, language=language, settings=settings,
                             opts=opts)
        except Exception as exc:
            log.warning("re-decoding %.1f-%.1f s failed: %s", window[0], window[1], exc)
            continue
        # only words that fill the gap; neighbours already have the rest
        cand = [s for s in _within(cand, a - opts.word_tolerance, b + opts.word_tolerance)
                if s.text.strip()]
        if cand and not loop_flags(cand, opts):
            return cand, _settings_label(settings)
    return [], ""


# ---------------------------------------------------------------------------------------
# dropouts: a name that fell out of a sentence


def tight_cover(segments: Iterable[Segment], opts: RepairOptions = DEFAULT_OPTIONS,
                tolerance: float = 0.1) -> list[tuple[float, float]]:
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
    return _merge_intervals(ivs)


def _tight_start(w: Word, opts: RepairOptions) -> float:
    """Where a word really starts: at most base + unit seconds per text unit before its end."""
    n = max(len(units(w.word)), 1)
    return max(w.start, w.end - opts.dropout_word_base - opts.dropout_unit_seconds * n)


def find_dropouts(speech: Sequence[tuple[float, float]], segments: Sequence[Segment],
                  opts: RepairOptions = DEFAULT_OPTIONS) -> list[tuple[float, float]]:
    """Stretches of VAD speech of at least ``dropout_min`` s that no word really holds (see
    :func:`tight_cover`): where the decoder skipped a word, typically an English name inside
    Mandarin ("英伟达在GTC大会上发布了Blackwell Ultra芯片" -> "英伟达在大会上发布了芯片")."""
    covers = tight_cover(segments, opts)
    out = []
    for iv in speech:
        for a, b in _subtract(iv, covers):
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


def dropout_windows(dropouts: Sequence[tuple[float, float]], segments: Sequence[Segment],
                    duration: float, opts: RepairOptions = DEFAULT_OPTIONS) -> list[tuple[float, float]]:
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
    return Segment(id=0, start=words[0].start, end=words[-1].end, text=text, words=tuple(words),
                   avg_logprob=0.0, compression_ratio=round(compression_ratio(text), 4),
                   no_speech_prob=0.0)


def insert_words(segments: Sequence[Segment], words: Sequence[Word], *,
                 max_pause: float = 1.0) -> list[Segment]:
    """Insert ``words`` (in time order) into the segment they fall in, or the nearer
    neighbour when less than ``max_pause`` s away (a name belongs to its sentence, and a
    segment of its own would be punctuated as one); otherwise as a segment of their own.
    The next word's start is moved past the insert where DTW had stretched it over."""
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
    left = [w for w in seg.words if (w.start + w.end) / 2 < (t0 + t1) / 2]
    right = [w for w in seg.words if (w.start + w.end) / 2 >= (t0 + t1) / 2]
    if right and right[0].start < t1 < right[0].end:
        right[0] = replace(right[0], start=t1)
    merged = tuple(left + words + right)
    out[host] = replace(seg, words=merged, text="".join(w.word for w in merged),
                        start=min(seg.start, t0), end=max(seg.end, t1))
    return out


def _whole_words(words: Sequence[Word]) -> list[Word]:
    """Word pieces joined into whole words: for Mandarin, faster-whisper's alignment splits
    a Latin name into tokens ("A" + "gent", " Open" + "L" + "ow"); a piece that starts
    without a space and follows a Latin piece belongs to it. A whole word's probability is
    the mean of its pieces'."""
    groups: list[list[Word]] = []
    for w in words:
        t = w.word
        if groups and t[:1].isascii() and t[:1].isalnum() and _latin_edge(groups[-1][-1].word[-1:]):
            groups[-1].append(w)
        else:
            groups.append([w])
    return [Word(start=g[0].start, end=g[-1].end, word="".join(w.word for w in g),
                 probability=round(sum(w.probability for w in g) / len(g), 4)) for g in groups]


def _dedupe_edges(words: list[Word], segments: Sequence[Segment], reach: float = 0.8,
                  window: Optional[tuple[float, float]] = None) -> list[Word]:
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
            (abs((o.start + o.end) / 2 - c) < reach
             or (window is not None and window[0] <= (o.start + o.end) / 2 <= window[1]))
            and n in norm(o.word) for o in orig)

    def letter(w: Word) -> bool:  # one unsure letter
        t = w.word.strip()
        return len(t) == 1 and t.isascii() and t.isalpha() and w.probability < 0.5

    def head_fragment(ws: list[Word]) -> bool:  # "S" then " Law": not the start of "Sora"
        return letter(ws[0]) and (len(ws) == 1 or not ws[1].word[:1].isascii()
                                  or ws[1].word[:1] == " ")

    def tail_fragment(ws: list[Word]) -> bool:  # "Law" + "S": a capital glued to a word's end
        return (len(ws) > 1 and letter(ws[-1]) and ws[-1].word[:1].isupper()
                and ws[-2].word[-1:].islower())

    while words and (dup(words[0]) or head_fragment(words)):
        words = words[1:]
    while words and (dup(words[-1]) or tail_fragment(words)):
        words = words[:-1]
    return words


def repair_dropouts(model, audio, segments: list[Segment], options, *, language,
                    speech: Sequence[tuple[float, float]],
                    opts: RepairOptions = DEFAULT_OPTIONS) -> tuple[list[Segment], list[Repair]]:
    """Re-hear every dropout in its sentence and insert the words found there.

    Each window (see :func:`dropout_windows`) is decoded on its own, greedily, with the
    episode's hotwords, the decoder forced through the words the first decode heard
    between the window's start and the dropout (``transcribe.rehear_windows``): anchored
    in its sentence, it goes on from "开发者可以通过" to the " OpenRouter" it skipped in
    the 30-s window. The new words that fall inside a dropout, joined into whole words
    (:func:`_whole_words`), unsure ones at either end and ones the neighbours already say
    dropped (:func:`_dedupe_edges`), are inserted into their sentence when the decoder was
    sure enough of them: a mean token probability of ``dropout_min_prob`` for an insert
    with a Latin word of 3+ letters (a name: what Whisper drops inside Mandarin), of
    ``dropout_sure_prob`` otherwise, and never when they loop or recite the hotword
    prompt. The original words stay. At most ``dropout_max_share`` of the audio (or
    ``dropout_min_seconds``, if more) is re-heard, longest dropouts first."""
    from audio2digest.asr.transcribe import rehear_windows

    duration = audio.size / 16000
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
    hot = getattr(options, "hotwords", None)
    # words by where they really are (tight_cover): a word stretched back over a dropout
    # belongs after it, not in the prefix
    placed = sorted(((_tight_start(w, opts) + w.end) / 2, k, w)
                    for k, w in enumerate(w for s in segments for w in s.words))
    mids = [m for m, _, _ in placed]
    jobs = []  # (window, the dropouts in it, prefix, max_new_tokens)
    for lo, hi in windows:
        inside = [(a, b) for a, b in chosen if lo <= a and b <= hi]
        if inside:
            first = inside[0][0]
            prefix = "".join(w.word for _, _, w in
                             placed[bisect.bisect_left(mids, lo):bisect.bisect_left(mids, first)])
            # what the rest of the window can hold; a decode running on is cut short
            jobs.append(((lo, hi), inside, prefix, int(opts.dropout_tokens_per_second * (hi - first)) + 4))
    if not jobs:
        return segments, []
    t0 = time.perf_counter()
    try:
        heard = rehear_windows(model, audio, options, [(w, p, n) for w, _, p, n in jobs],
                               language=language, hotwords=hot, pad=opts.dropout_pad)
    except Exception as exc:  # a failed repair must not lose the transcript
        log.warning("re-hearing %d dropouts failed: %s", len(jobs), exc)
        return segments, []
    found: list[tuple[tuple[float, float], list[Word]]] = []
    for ((lo, hi), inside, prefix, _), words in zip(jobs, heard):
        log.debug("re-heard %.1f-%.1f s after %r: %r", lo, hi, prefix,
                  [(w.word, w.start, w.end, w.probability) for w in words])
        for a, b in inside:
            ws = [w for w in _whole_words(words)  # by where they really are (tight_cover)
                  if a - opts.word_tolerance <= (_tight_start(w, opts) + w.end) / 2 <= b + opts.word_tolerance]
            if ws:
                found.append(((lo, hi), ws))
    log.debug("re-heard %d dropout windows (%.1f s of audio) in %.1f s", len(windows),
              sum(b - a for a, b in windows), time.perf_counter() - t0)
    out = list(segments)
    repairs = []
    for (lo, hi), words in found:
        words = _dedupe_edges(words, out, window=(lo, hi))
        while words and words[0].probability < opts.dropout_edge_prob:
            words = words[1:]
        while words and words[-1].probability < opts.dropout_edge_prob:
            words = words[:-1]
        words = _dedupe_edges(words, out, window=(lo, hi))
        if not words or not units("".join(w.word for w in words)):
            continue
        new = _segment_of(words)
        mean_p = sum(w.probability for w in words) / len(words)
        name_like = any(len(t) >= 3 for t in re.findall(r"[A-Za-z]+", new.text))
        if mean_p < (opts.dropout_min_prob if name_like else opts.dropout_sure_prob) \
                or loop_flags([new], opts, hotwords=hot) or hotword_echo(new.text, hot, min_run=3):
            log.debug("dropout %.1f-%.1f s: %r not inserted (mean p %.2f)", lo, hi, new.text, mean_p)
            continue
        out = insert_words(out, words)
        repairs.append(Repair(kind="dropout", start=new.start, end=new.end, before="",
                              after=new.text.strip(),
                              detail=f"speech the words did not hold; re-heard {lo:.1f}-{hi:.1f} s "
                                     f"after its first words (mean word p {mean_p:.2f})"))
    return out, repairs


def _unsure(seg: Segment, opts: RepairOptions) -> bool:
    probs = [w.probability for w in seg.words]
    return seg.avg_logprob < opts.silence_max_logprob and (
        not probs or sum(probs) / len(probs) < opts.silence_max_word_prob)


def _drop_unsure_tail(segs: list[Segment], opts: RepairOptions) -> list[Segment]:
    """Drop the unsure segments a short window's decode trails off into at its end
    ("Underview", "DataData": avg logprob below -1 and mean word probability below 0.3)."""
    while segs and _unsure(segs[-1], opts):
        segs = segs[:-1]
    return segs


def _speech_share(seg: Segment, speech: Sequence[tuple[float, float]], pad: float = 0.1) -> float:
    spans = [(w.start, w.end) for w in seg.words] or [(seg.start, seg.end)]
    total = sum(max(b - a, 0.02) for a, b in spans)
    inside = 0.0
    for a, b in spans:
        b = max(b, a + 0.02)
        for s, e in speech:
            inside += max(0.0, min(b, e + pad) - max(a, s - pad))
    return min(1.0, inside / total) if total else 0.0


def drop_silence_hallucinations(segments: Sequence[Segment], speech: Sequence[tuple[float, float]],
                                opts: RepairOptions = DEFAULT_OPTIONS) -> tuple[list[Segment], list[Repair]]:
    """Remove segments that are mostly outside VAD speech *and* unsure of themselves
    (Whisper's "作词", "请订阅" or a hotword such as "Greed" printed over trailing silence)."""
    keep, repairs = [], []
    for seg in segments:
        probs = [w.probability for w in seg.words]
        unsure = seg.avg_logprob < opts.silence_max_logprob or (
            bool(probs) and sum(probs) / len(probs) < opts.silence_max_word_prob)
        share = _speech_share(seg, speech)
        if seg.text.strip() and unsure and share < opts.silence_max_speech_share:
            repairs.append(Repair(kind="silence", start=seg.start, end=seg.end, before=seg.text.strip(),
                                  after="", detail=f"{100 * share:.0f} % inside VAD speech, avg logprob "
                                                   f"{seg.avg_logprob:.2f}: dropped as hallucination"))
            continue
        keep.append(seg)
    return keep, repairs


def repair_segments(model, audio, segments: Sequence[Segment], options, *, language: str,
                    opts: RepairOptions = DEFAULT_OPTIONS) -> tuple[list[Segment], list[Repair]]:
    """Repair loops, then fill uncovered speech. Returns ``(segments, repairs)``.

    Segments come back in time order with ids renumbered; only flagged windows and
    uncovered stretches are re-decoded.
    """
    segs = sorted(segments, key=lambda s: (s.start, s.end))
    repairs: list[Repair] = []
    speech: list[tuple[float, float]] = []
    if opts.coverage:
        try:
            speech = speech_stretches(audio)
        except Exception as exc:  # VAD is an aid here; never fail the stage for it
            log.warning("VAD for the coverage check failed: %s", exc)
    if opts.silence and speech:
        segs, r = drop_silence_hallucinations(segs, speech, opts)
        repairs.extend(r)
    if opts.loops:
        segs, r = repair_loops(model, audio, segs, options, language=language, speech=speech, opts=opts)
        repairs.extend(r)
    if opts.coverage and speech:
        segs, r = fill_gaps(model, audio, segs, options, language=language, speech=speech, opts=opts)
        repairs.extend(r)
    if opts.dropouts and speech:
        segs, r = repair_dropouts(model, audio, segs, options, language=language, speech=speech,
                                  opts=opts)
        repairs.extend(r)
    segs = [replace(s, id=i) for i, s in enumerate(sorted(segs, key=lambda s: (s.start, s.end)))]
    for r in repairs:
        log.info("repair %s %.1f-%.1f s: %r -> %r", r.kind, r.start, r.end, r.before[:40], r.after[:40])
    return segs, repairs
