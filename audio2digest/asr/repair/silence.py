"""Silence and echo: text printed where nobody spoke.

Silence (:func:`drop_silence_hallucinations`, first): a segment less than half inside VAD
speech and unsure of itself (avg logprob < -1 or mean word probability < 0.3) is dropped,
recorded as kind ``silence``.

Echo (:func:`drop_echoes`, next): the tail a biased decoder appends after the speech of a
window ("…的情况。AI AI AI AI", see :func:`~audio2digest.asr.repair.detect.echo_tail`) is cut
off. A segment that is echo from its first word (a short clip heard as "DeepMind Meta")
over VAD speech is decoded again without the hotwords, and the unbiased text is kept when
it is no echo itself; otherwise nothing is. Recorded as kind ``echo``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from audio2digest.asr.repair.detect import echo_tail, units
from audio2digest.asr.repair.options import DEFAULT_OPTIONS, RepairOptions
from audio2digest.types import Repair, Segment

log = logging.getLogger("audio2digest.asr.repair.silence")


def _unsure(seg: Segment, opts: RepairOptions) -> bool:
    probs = [w.probability for w in seg.words]
    return seg.avg_logprob < opts.silence_max_logprob and (
        not probs or sum(probs) / len(probs) < opts.silence_max_word_prob
    )


def drop_unsure_tail(segs: list[Segment], opts: RepairOptions) -> list[Segment]:
    """Drop the unsure segments a short window's decode trails off into at its end
    ("Underview", "DataData": avg logprob below -1 and mean word probability below 0.3)."""
    while segs and _unsure(segs[-1], opts):
        segs = segs[:-1]
    return segs


def speech_share(seg: Segment, speech: Sequence[tuple[float, float]], pad: float = 0.1) -> float:
    """Share of the segment's word time (its span without words) inside VAD ``speech``."""
    spans = [(w.start, w.end) for w in seg.words] or [(seg.start, seg.end)]
    total = sum(max(b - a, 0.02) for a, b in spans)
    inside = 0.0
    for a, b in spans:
        b = max(b, a + 0.02)
        for s, e in speech:
            inside += max(0.0, min(b, e + pad) - max(a, s - pad))
    return min(1.0, inside / total) if total else 0.0


def drop_silence_hallucinations(
    segments: Sequence[Segment], speech: Sequence[tuple[float, float]], opts: RepairOptions = DEFAULT_OPTIONS
) -> tuple[list[Segment], list[Repair]]:
    """Remove segments that are mostly outside VAD speech *and* unsure of themselves
    (Whisper's "作词", "请订阅" or a hotword such as "Greed" printed over trailing silence)."""
    keep, repairs = [], []
    for seg in segments:
        probs = [w.probability for w in seg.words]
        unsure = seg.avg_logprob < opts.silence_max_logprob or (
            bool(probs) and sum(probs) / len(probs) < opts.silence_max_word_prob
        )
        share = speech_share(seg, speech)
        if seg.text.strip() and unsure and share < opts.silence_max_speech_share:
            repairs.append(
                Repair(
                    kind="silence",
                    start=seg.start,
                    end=seg.end,
                    before=seg.text.strip(),
                    after="",
                    detail=f"{100 * share:.0f} % inside VAD speech, avg logprob "
                    f"{seg.avg_logprob:.2f}: dropped as hallucination",
                )
            )
            continue
        keep.append(seg)
    return keep, repairs


def drop_echoes(
    decoder,
    audio,
    segments: Sequence[Segment],
    speech: Sequence[tuple[float, float]],
    opts: RepairOptions = DEFAULT_OPTIONS,
) -> tuple[list[Segment], list[Repair]]:
    """Cut the echo tail off every segment (see the module docstring); ``decoder`` (with
    ``hotwords`` and ``window()``) re-decodes a segment that is echo as a whole, or None."""
    hot = decoder.hotwords if decoder is not None else None
    out, repairs = [], []
    for seg in segments:
        k = echo_tail(seg, speech, hot, opts)
        if k >= len(seg.words):
            out.append(seg)
            continue
        tail = seg.words[k:]
        before = "".join(w.word for w in tail).strip()
        if k and units("".join(w.word for w in seg.words[:k])):
            kept = seg.words[:k]
            out.append(replace(seg, words=kept, text="".join(w.word for w in kept), end=kept[-1].end))
            repairs.append(
                Repair(
                    kind="echo",
                    start=tail[0].start,
                    end=tail[-1].end,
                    before=before,
                    after="",
                    detail=f"tail of {len(tail)} unsure or squeezed words after the speech: cut",
                )
            )
            continue
        new: list[Segment] = []
        if decoder is not None and hot and speech_share(seg, speech) >= opts.silence_max_speech_share:
            window = (max(0.0, seg.start - opts.window_pad), seg.end + opts.window_pad)
            try:
                cand = decoder.window(
                    audio,
                    window,
                    hotwords=None,
                    temperature=[0.0],
                    max_new_tokens=min(220, int(15 * (window[1] - window[0])) + 16),
                )
            except Exception as exc:  # a failed repair must not lose the transcript
                log.warning("re-decoding %.1f-%.1f s without hotwords failed: %s", *window, exc)
                cand = []
            new = [
                s
                for s in cand
                if s.words
                and echo_tail(s, speech, None, opts) == len(s.words)
                and sum(w.probability for w in s.words) / len(s.words) >= opts.echo_max_prob
            ]
        out.extend(new)
        after = "".join(s.text for s in new).strip()
        repairs.append(
            Repair(
                kind="echo",
                start=seg.start,
                end=seg.end,
                before=before,
                after=after,
                detail="segment of unsure or squeezed words"
                + ("; re-decoded without hotwords" if new else ": dropped"),
            )
        )
    return out, repairs
