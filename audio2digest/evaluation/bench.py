"""`run` against raw faster-whisper on the same audio, model and settings, in one process.

The baseline is one plain ``WhisperModel.transcribe`` pass with exactly the keyword
arguments ``run`` uses for its main decode (``transcribe.decode_kwargs``: hotwords and
temperature included), consuming all segments.
``run`` is the whole episode pipeline (decode, repair, normalise, correct, segment,
render) into a temporary directory with caching off. The model is loaded before either
is timed, and the two alternate for ``repeats`` rounds; the median of each is reported.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from audio2digest.sources.audio import duration_of, load_audio
from audio2digest.asr.transcribe import decode_kwargs
from audio2digest.sources.fetch import list_episodes


def bench_run(path: str, repeats: int = 1, options=None) -> dict:
    from audio2digest.asr.model import load_model
    from audio2digest.pipeline import process_episode
    from audio2digest.stages import RunOptions, StageEnv, choose_hotwords, load_glossaries

    options = options or RunOptions()
    options = replace(options, force=True)
    topts = options.transcribe
    model, spec = load_model(topts.model, cpu_threads=topts.cpu_threads,
                             compute_type=topts.compute_type)
    glossary = load_glossaries(options)
    [meta] = list_episodes(str(path))  # the metadata run sees (tags feed hotword choice)
    hotwords = choose_hotwords(options, glossary, meta)
    audio = load_audio(path)
    seconds = duration_of(audio)

    def raw() -> float:
        t0 = time.perf_counter()
        a = load_audio(path)  # run decodes the file too: count it on both sides
        gen, _info = model.transcribe(a, **decode_kwargs(replace(topts, hotwords=hotwords)))
        for _ in gen:
            pass
        return time.perf_counter() - t0

    def full() -> float:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            res = process_episode(meta, Path(tmp), options, StageEnv(glossary=glossary))
            took = time.perf_counter() - t0
        if not res.ok:
            raise RuntimeError(res.error)
        return took

    raws, runs = [], []
    for _ in range(max(1, repeats)):
        raws.append(raw())
        runs.append(full())
    r, f = statistics.median(raws), statistics.median(runs)
    return {
        "file": str(path),
        "audio_seconds": round(seconds, 2),
        "model": spec.label,
        "hotwords": bool(hotwords),
        "raw_seconds": round(r, 2),
        "run_seconds": round(f, 2),
        "ratio": round(f / r, 3),
        "rtf_raw": round(r / seconds, 3),
        "rtf_run": round(f / seconds, 3),
        "repeats": repeats,
    }
