"""Repairs after decoding: silence, echo, loops, coverage gaps, dropped names.

Whisper base, above all when biased with many ``hotwords``, sometimes prints text where
nobody spoke (over silence, or an echo of its prompt after the speech of a window), loops
(one phrase printed nine times), drops a sentence of speech, and often skips an English name
inside Mandarin. The modules here find these failure modes (``detect``, no model) and
repair them by re-decoding only the affected windows, in this order:

- ``silence``: segments outside VAD speech and unsure of themselves are dropped; echo tails
  are cut (whole-echo segments re-decoded without the hotwords);
- ``loops``: runs of looping segments re-decoded with safer settings;
- ``gaps``: VAD speech no word covers, re-decoded and spliced in;
- ``dropouts``: names skipped inside a sentence, re-heard in their place.

The repairs decode through a *decoder* passed in (``transcribe.WindowDecoder``): anything
with ``hotwords`` (the episode's prompt or None), ``window(audio, (start, end), *,
hotwords, **settings) -> [Segment]`` and ``rehear(audio, items, *, hotwords, pad) ->
[[Word]]``. Every change is returned as a :class:`~audio2digest.types.Repair`, which ends
up in ``transcript.json``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from audio2digest.asr.repair.detect import speech_stretches
from audio2digest.asr.repair.dropouts import repair_dropouts
from audio2digest.asr.repair.gaps import fill_gaps
from audio2digest.asr.repair.loops import repair_loops
from audio2digest.asr.repair.options import DEFAULT_OPTIONS, RepairOptions
from audio2digest.asr.repair.silence import drop_echoes, drop_silence_hallucinations
from audio2digest.types import Repair, Segment

__all__ = ["DEFAULT_OPTIONS", "RepairOptions", "repair_segments"]

log = logging.getLogger("audio2digest.asr.repair")


def repair_segments(
    decoder,
    audio,
    segments: Sequence[Segment],
    *,
    opts: RepairOptions = DEFAULT_OPTIONS,
    speech: Sequence[tuple[float, float]] | None = None,
) -> tuple[list[Segment], list[Repair]]:
    """Drop silence and echo, repair loops, fill uncovered speech, re-hear dropped names.
    Returns ``(segments, repairs)``.

    ``speech``: VAD speech stretches (seconds) when the caller has them; else they are
    computed here. Segments come back in time order with ids renumbered; only flagged
    windows and uncovered stretches are re-decoded.
    """
    segs = sorted(segments, key=lambda s: (s.start, s.end))
    repairs: list[Repair] = []
    if speech is None:
        speech = []
        if opts.coverage or opts.silence or opts.echo or opts.dropouts:
            try:
                speech = speech_stretches(audio)
            except Exception as exc:  # VAD is an aid here; never fail the stage for it
                log.warning("VAD for the coverage check failed: %s", exc)
    speech = list(speech)
    if opts.silence and speech:
        segs, r = drop_silence_hallucinations(segs, speech, opts)
        repairs.extend(r)
    if opts.echo:
        segs, r = drop_echoes(decoder, audio, segs, speech, opts)
        repairs.extend(r)
    if opts.loops:
        segs, r = repair_loops(decoder, audio, segs, speech=speech, opts=opts)
        repairs.extend(r)
    if opts.coverage and speech:
        segs, r = fill_gaps(decoder, audio, segs, speech=speech, opts=opts)
        repairs.extend(r)
    if opts.dropouts and speech:
        segs, r = repair_dropouts(decoder, audio, segs, speech=speech, opts=opts)
        repairs.extend(r)
    segs = [replace(s, id=i) for i, s in enumerate(sorted(segs, key=lambda s: (s.start, s.end)))]
    for rep in repairs:
        log.info(
            "repair %s %.1f-%.1f s: %r -> %r", rep.kind, rep.start, rep.end, rep.before[:40], rep.after[:40]
        )
    return segs, repairs
