"""Loop repair: re-decode each run of looping segments with safer settings.

Each run of flagged segments (:func:`~audio2digest.asr.repair.detect.loop_flags`) becomes
one window, re-decoded on its own (``decoder.window``: the window's audio only, one pass)
with safer settings: no hotwords, then a repetition penalty, both at temperature 0;
sampling at higher temperatures comes last, for a window both still loop in (a sampled
decode is not reproducible: the same audio would give another transcript on the next run).
Candidates (the original included) are ranked by :func:`~audio2digest.asr.repair.detect.score`
and the best is kept (the first clean candidate that beats the original ends the search;
``max_new_tokens`` is bounded by the window length). Should the winner still loop,
back-to-back repeats are collapsed to one copy (:func:`collapse_repeats`): a last resort,
recorded as ``collapse``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import replace

from audio2digest.asr.repair.detect import (
    UNIT_RE,
    find_tandem_repeats,
    loop_flags,
    merge_close,
    runs,
    score,
    text_of,
    within,
)
from audio2digest.asr.repair.options import DEFAULT_OPTIONS, RepairOptions
from audio2digest.asr.repair.silence import drop_unsure_tail
from audio2digest.sources.audio import SAMPLE_RATE
from audio2digest.types import Repair, Segment

log = logging.getLogger("audio2digest.asr.repair.loops")

_NORM_WORD = re.compile(r"[\s\W_]+", re.UNICODE)

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
            seq,
            min_reps=opts.tandem_min_reps,
            min_units=opts.tandem_min_units // 2 or 2,
            single_reps=opts.tandem_single_reps,
        ):
            for j in range(start + period, start + period * reps):
                drop.add(idx[j])
        if drop:
            # punctuation-only words between two dropped words go too
            words = [
                w
                for i, w in enumerate(seg.words)
                if i not in drop and not (keys[i] == "" and i - 1 in drop and i + 1 in drop)
            ]
            text = "".join(w.word for w in words)
            if words:
                return replace(seg, text=text, words=tuple(words), end=max(seg.start, words[-1].end))
    # text only: collapse on units, rebuilding text from the kept units' spans
    spans = [(m.start(), m.end()) for m in UNIT_RE.finditer(seg.text)]
    seq = [seg.text[a:b].lower() for a, b in spans]
    cut: list[tuple[int, int]] = []
    for start, period, reps in find_tandem_repeats(
        seq,
        min_reps=opts.tandem_min_reps,
        min_units=opts.tandem_min_units,
        single_reps=opts.tandem_single_reps,
    ):
        a = spans[start + period][0]
        b = spans[start + period * reps - 1][1]
        cut.append((a, b))
    if not cut:
        return seg
    pieces: list[str] = []
    pos = 0
    for a, b in sorted(cut):
        pieces.append(seg.text[pos:a])
        pos = b
    pieces.append(seg.text[pos:])
    return replace(seg, text="".join(pieces))


# ---------------------------------------------------------------------------------------
# repair with the model


def redecode(
    decoder, audio, window, *, settings: dict, opts: RepairOptions = DEFAULT_OPTIONS
) -> list[Segment]:
    """Decode ``window`` of ``audio`` again with ``settings`` (faster-whisper keyword
    arguments; ``hotwords`` among them, absent: none) through ``decoder.window``; the
    segments inside the window, the unsure tail dropped, close ones joined."""
    settings = dict(settings)
    hotwords = settings.pop("hotwords", None)
    # bound the work: a window cannot hold more than ~15 tokens a second of speech, and a
    # runaway (looping) candidate would otherwise decode up to 448 tokens per temperature
    settings.setdefault("max_new_tokens", min(220, int(15 * (window[1] - window[0])) + 16))
    t0 = time.perf_counter()
    segs = decoder.window(audio, window, hotwords=hotwords, **settings)
    log.debug(
        "re-decoded %.1f-%.1f s in %.1f s (%s)",
        window[0],
        window[1],
        time.perf_counter() - t0,
        settings_label(settings),
    )
    # the unsure tail a short window trails off into goes before segments are joined
    return merge_close(drop_unsure_tail(within(segs, window[0] - 0.5, window[1] + 0.5), opts))


def settings_label(settings: dict) -> str:
    """Decode settings as ``k=v, ...`` for the repair log."""
    return ", ".join(f"{k}={v}" for k, v in settings.items())


def repair_loops(
    decoder,
    audio,
    segments: list[Segment],
    *,
    speech: Sequence[tuple[float, float]] = (),
    opts: RepairOptions = DEFAULT_OPTIONS,
) -> tuple[list[Segment], list[Repair]]:
    """Re-decode each run of looping segments; keep the best candidate by :func:`score`."""
    hot = decoder.hotwords
    flagged = loop_flags(segments, opts, hotwords=hot)
    if not flagged:
        return segments, []
    duration = audio.size / SAMPLE_RATE
    out = list(segments)
    repairs: list[Repair] = []
    replacements: list[tuple[list[int], list[Segment]]] = []
    for run in runs(sorted(flagged)):
        original = [segments[i] for i in run]
        reasons = sorted({r for i in run for r in flagged[i]})
        lo = segments[run[0] - 1].end if run[0] > 0 else 0.0
        hi = segments[run[-1] + 1].start if run[-1] + 1 < len(segments) else duration
        start = max(lo, original[0].start - opts.window_pad, 0.0)
        end = min(hi, max(s.end for s in original) + opts.window_pad, duration)
        if end - start < 0.2:
            end = min(duration, start + 0.2)
        window = (round(start, 3), round(end, 3))
        collapsed_ref = text_of([collapse_repeats(s, opts) for s in original])
        best, best_score, best_label = (
            original,
            score(original, speech=speech, window=window, reference=collapsed_ref, hotwords=hot, opts=opts),
            "original",
        )
        log.info(
            "loop at %.1f-%.1f s (%s): %r", window[0], window[1], ", ".join(reasons), text_of(original)[:80]
        )
        for settings in opts.retries:
            try:
                cand = redecode(decoder, audio, window, settings=settings, opts=opts)
            except Exception as exc:  # a failed retry must not lose the transcript
                log.warning("re-decoding %.1f-%.1f s failed: %s", window[0], window[1], exc)
                continue
            s = score(cand, speech=speech, window=window, reference=collapsed_ref, hotwords=hot, opts=opts)
            log.debug("candidate (%s): score %.3f %r", settings_label(settings), s, text_of(cand)[:80])
            if s > best_score:
                best, best_score, best_label = cand, s, settings_label(settings)
                if not loop_flags(cand, opts, hotwords=hot):
                    break  # a clean candidate that beats the original: done
        kind = "loop"
        if opts.collapse and loop_flags(best, opts):
            collapsed = [collapse_repeats(s, opts) for s in best]
            if text_of(collapsed) != text_of(best):
                best = collapsed
                kind = "collapse"
                best_label += "; residual repeats collapsed"
        replacements.append((run, best))
        repairs.append(
            Repair(
                kind=kind,
                start=window[0],
                end=window[1],
                before=text_of(original),
                after=text_of(best),
                detail=f"flags: {', '.join(reasons)}; kept: {best_label} (score {best_score:.3f})",
            )
        )
    for run, new in reversed(replacements):
        out[run[0] : run[-1] + 1] = new
    return out, repairs
