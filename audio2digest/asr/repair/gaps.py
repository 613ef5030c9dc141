"""Coverage repair: speech the VAD hears but no word covers, re-decoded and spliced in.

Stretches the VAD marks as speech but no word covers for more than ``min_gap`` seconds
(:func:`~audio2digest.asr.repair.detect.find_coverage_gaps`) are re-decoded alone and
spliced in. A short window keeps the hotwords first (a dropped sentence is usually a window
whose prompt left too little room, not a bad term), then the loop retries without them; the
first result with words and no loop is spliced in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from audio2digest.asr.repair.detect import find_coverage_gaps, loop_flags, merge_gaps, text_of, within
from audio2digest.asr.repair.dropouts import insert_words
from audio2digest.asr.repair.loops import redecode, settings_label
from audio2digest.asr.repair.options import DEFAULT_OPTIONS, RepairOptions
from audio2digest.sources.audio import SAMPLE_RATE
from audio2digest.types import Repair, Segment

log = logging.getLogger("audio2digest.asr.repair.gaps")


def fill_gaps(
    decoder,
    audio,
    segments: list[Segment],
    *,
    speech: Sequence[tuple[float, float]],
    opts: RepairOptions = DEFAULT_OPTIONS,
) -> tuple[list[Segment], list[Repair]]:
    """Re-decode each uncovered speech stretch on its own and splice its words in."""
    duration = audio.size / SAMPLE_RATE
    out = list(segments)
    repairs = []
    tried: set[tuple[float, float]] = set()
    for _ in range(max(1, opts.coverage_passes)):
        gaps = find_coverage_gaps(
            speech, out, min_gap=opts.min_gap, tolerance=opts.word_tolerance, max_word=opts.max_word_seconds
        )
        todo = [g for g in merge_gaps(gaps, out, max_pause=opts.merge_pause) if g not in tried]
        if not todo:
            break
        for a, b in todo:
            tried.add((a, b))
            new, label = _fill_one(decoder, audio, (a, b), duration, opts=opts)
            if not new:
                repairs.append(
                    Repair(
                        kind="gap",
                        start=a,
                        end=b,
                        before="",
                        after="",
                        detail=f"{b - a:.1f} s of speech without words; re-decoding found no words",
                    )
                )
                continue
            out = splice(out, new)
            repairs.append(
                Repair(
                    kind="gap",
                    start=a,
                    end=b,
                    before="",
                    after=text_of(new),
                    detail=f"{b - a:.1f} s of speech without words; re-decoded ({label})",
                )
            )
        out.sort(key=lambda s: (s.start, s.end))
    return out, repairs


def splice(segments: list[Segment], new: Sequence[Segment]) -> list[Segment]:
    """``segments`` with the re-decoded ``new`` ones: a new segment whose middle lies inside
    an old segment (a gap inside a 30-s batched chunk, or under a word the decoder stretched
    over skipped speech) goes into it between its words, in time order; others are added."""
    out = list(segments)
    for seg in new:
        mid = (seg.start + seg.end) / 2
        if seg.words and any(o.words and o.start < mid < o.end for o in out):
            out = insert_words(out, seg.words, max_pause=0.0)
        else:
            out.append(seg)
    return out


def _fill_one(decoder, audio, gap, duration, *, opts):
    a, b = gap
    window = (round(max(0.0, a - opts.window_pad), 3), round(min(duration, b + opts.window_pad), 3))
    log.info("uncovered speech %.1f-%.1f s: re-decoding", a, b)
    first = (opts.gap_first,) if decoder.hotwords else ()
    for settings in first + tuple(opts.retries):
        try:
            cand = redecode(decoder, audio, window, settings=settings, opts=opts)
        except Exception as exc:
            log.warning("re-decoding %.1f-%.1f s failed: %s", window[0], window[1], exc)
            continue
        # only words that fill the gap; neighbours already have the rest
        cand = [s for s in within(cand, a - opts.word_tolerance, b + opts.word_tolerance) if s.text.strip()]
        if cand and not loop_flags(cand, opts):
            return cand, settings_label(settings)
    return [], ""
