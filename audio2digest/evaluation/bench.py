"""`bench`: `run` against plain faster-whisper on the same audio, model and threads, in one process.

Three ways to the transcript, timed on the same loaded model:

- **plain sequential**: one ``WhisperModel.transcribe`` (beam 5, VAD, word timestamps, no
  hotwords, faster-whisper's temperature fallback), all segments consumed;
- **plain batched**: ``BatchedInferencePipeline.transcribe`` (the same settings, batch 8),
  the way WhisperX runs faster-whisper;
- **run**: the whole episode pipeline (decode, repair, normalise, correct, segment, digest,
  render) into a temporary directory with caching off.

Each counts decoding the file. The three alternate in order (forward, then backward) for
``repeats`` rounds; medians and the min-max spread are reported. Then the stages after
ASR (normalise, correct, segment + digest, render) are timed on the transcript ``run``
made, the glossary index and jieba already loaded (``run`` loads them while the model
decodes), to give their share of the ASR time.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from audio2digest.sources.audio import duration_of, load_audio
from audio2digest.sources.fetch import list_episodes


def _spread(xs: list[float]) -> dict:
    return {
        "median": round(statistics.median(xs), 2),
        "min": round(min(xs), 2),
        "max": round(max(xs), 2),
        "all": [round(x, 2) for x in xs],
    }


def bench_run(path: str, repeats: int = 1, options=None) -> dict:
    from faster_whisper import BatchedInferencePipeline

    from audio2digest.asr.model import load_model
    from audio2digest.pipeline import process_episode
    from audio2digest.stages import (
        RAW_TRANSCRIPT,
        RunOptions,
        StageEnv,
        load_glossaries,
        read_transcript,
        warm_up,
    )

    options = options or RunOptions()
    options = replace(options, force=True)
    topts = options.transcribe
    model, spec = load_model(
        topts.model, cpu_threads=topts.cpu_threads, compute_type=topts.compute_type, device=topts.device
    )
    glossary = load_glossaries(options)
    [meta] = list_episodes(str(path))  # the metadata run sees (tags feed hotword choice)
    seconds = duration_of(load_audio(path))
    plain = dict(beam_size=topts.beam_size, vad_filter=True, word_timestamps=True, language=topts.language)

    def sequential() -> float:
        t0 = time.perf_counter()
        gen, _info = model.transcribe(load_audio(path), condition_on_previous_text=False, **plain)
        for _ in gen:
            pass
        return time.perf_counter() - t0

    def batched() -> float:
        t0 = time.perf_counter()
        gen, _info = BatchedInferencePipeline(model).transcribe(load_audio(path), batch_size=8, **plain)
        for _ in gen:
            pass
        return time.perf_counter() - t0

    kept: dict = {}

    def full() -> float:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            res = process_episode(meta, Path(tmp), options, StageEnv(glossary=glossary))
            took = time.perf_counter() - t0
            if not res.ok:
                raise RuntimeError(res.error)
            if res.outdir is None:  # a finished run always has its episode directory
                raise RuntimeError(f"{path}: the run reported no episode directory")
            kept["raw"] = read_transcript(res.outdir / RAW_TRANSCRIPT)
        return took

    times: dict[str, list[float]] = {"sequential": [], "batched": [], "run": []}
    jobs = [("sequential", sequential), ("batched", batched), ("run", full)]
    for i in range(max(1, repeats)):
        for name, fn in jobs if i % 2 == 0 else jobs[::-1]:
            times[name].append(fn())
    # the stages after ASR, on the transcript run made (the library calls the stages make)
    from audio2digest.render import render_all
    from audio2digest.text.correct import correct_transcript
    from audio2digest.text.digest import build_digest
    from audio2digest.text.normalize import normalize_segments
    from audio2digest.text.segment import segment_transcript

    warm_up(glossary)
    raw = kept["raw"]
    t0 = time.perf_counter()
    normalize_segments(list(raw.segments), raw.language, topts.script)
    t_norm = time.perf_counter() - t0
    t0 = time.perf_counter()
    corrected = correct_transcript(raw, glossary) if glossary is not None else raw
    t_corr = time.perf_counter() - t0
    t0 = time.perf_counter()
    items = tuple(segment_transcript(corrected, glossary, use_timing=True))
    digest = build_digest(corrected, glossary=glossary, items=items)
    t_dig = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        render_all(digest, corrected, Path(tmp), formats=[f for f in options.formats if f != "json"])
        t_ren = time.perf_counter() - t0
    seq, bat, run = (statistics.median(times[k]) for k in ("sequential", "batched", "run"))
    post = t_norm + t_corr + t_dig + t_ren
    asr = run - post
    return {
        "file": str(path),
        "audio_seconds": round(seconds, 2),
        "model": spec.label,
        "batch_size": topts.batch_size,
        "sequential": _spread(times["sequential"]),
        "batched": _spread(times["batched"]),
        "run": _spread(times["run"]),
        "ratio_run_sequential": round(run / seq, 3),
        "ratio_batched_sequential": round(bat / seq, 3),
        "ratios_run_sequential": [round(r / s, 3) for r, s in zip(times["run"], times["sequential"])],
        "post_asr": {
            "normalise": round(t_norm, 3),
            "correct": round(t_corr, 3),
            "segment_digest": round(t_dig, 3),
            "render": round(t_ren, 3),
            "total": round(post, 3),
            "share_of_asr": round(post / asr, 4) if asr > 0 else None,
        },
        "repeats": repeats,
    }
