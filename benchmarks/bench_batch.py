"""Batch throughput: six short real episodes with --jobs 1 and --jobs 2, and the ledger's cost.

Episodes: the three real clips (4-11 s) plus the first ``--seconds`` of the three dev episodes
(trimmed with ffmpeg), so 6 episodes of real speech. Each setting runs the whole pipeline with
the real Whisper base model into a fresh OUT, in a fresh Python process (wall time = run_batch,
including model loading: once for --jobs 1, once per worker process for --jobs 2). Prints both wall times, the ratio, and the
ledger overhead per episode (time spent inside ledger operations alone, from the same runs),
plus a micro-benchmark of the ledger's record path with synchronous=FULL.

    /work/venv/bin/python benchmarks/bench_batch.py [--seconds 12] [--hotwords none] [--repeat 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = (ROOT / ".." / "shared").resolve()
CLIPS = ("zh_aishell1_BAC009S0724W0121.wav", "en_jfk_inaugural_1961.wav", "en_fleurs_005_hospital.ogg")


def make_episodes(where: Path, seconds: float) -> list[Path]:
    from audio2digest.sources.ffmpeg import ffmpeg_exe

    where.mkdir(parents=True, exist_ok=True)
    eps = []
    for name in CLIPS:
        dst = where / name
        shutil.copy(SHARED / "real-clips" / name, dst)
        eps.append(dst)
    for name in ("dev01", "dev02", "dev03"):
        dst = where / f"{name}-first{int(seconds)}s.wav"
        subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-y",
                "-i",
                str(SHARED / "dev-episodes" / f"{name}.mp3"),
                "-t",
                str(seconds),
                "-ac",
                "1",
                "-ar",
                "16000",
                str(dst),
            ],
            check=True,
        )
        eps.append(dst)
    return eps


def ledger_micro(where: Path, n: int = 100) -> float:
    """Seconds per episode to add it and record its five stages (each a durable transaction)."""
    from audio2digest.batch.ledger import STAGES, Ledger

    with Ledger.open(where) as ledger:
        t0 = time.perf_counter()
        for i in range(n):
            key = f"/episodes/{i}.mp3"
            ledger.add_episode(key, key, position=i, slug=f"ep{i}", title=f"Episode {i}")
            for stage in STAGES:
                ledger.record_stage(key, stage, "f" * 24, seconds=1.0, info={"audio": "audio.mp3"})
        return (time.perf_counter() - t0) / n


_CHILD = """
import json, sys
from audio2digest.batch.scheduler import run_batch
from audio2digest.pipeline import RunOptions
s = run_batch(sys.argv[1], sys.argv[2], RunOptions(hotwords=sys.argv[3]), jobs=int(sys.argv[4]))
print(json.dumps({"wall": s.wall_seconds, "ledger": s.ledger_seconds, "audio": s.audio_seconds,
                  "episodes": [[e.slug, e.status, e.seconds, e.error] for e in s.episodes]}))
"""


class _Summary:
    def __init__(self, d: dict):
        self.wall_seconds, self.ledger_seconds, self.audio_seconds = d["wall"], d["ledger"], d["audio"]
        self.episodes = [_Ep(*e) for e in d["episodes"]]
        self.done = sum(e.status == "done" for e in self.episodes)
        self.failed = sum(e.status == "failed" for e in self.episodes)


class _Ep:
    def __init__(self, slug, status, seconds, error):
        self.slug, self.status, self.seconds, self.error = slug, status, seconds, error


def run_fresh(sources: Path, out: Path, hotwords: str, jobs: int) -> _Summary:
    """One batch in a fresh Python process, as `audio2digest batch` runs (one batch per process).

    Measured here: repeated run_batch(jobs=1) calls in one long-lived process after a jobs=2
    call sometimes decoded 5-12x slower (CPU time, identical outputs); fresh processes did not.
    """
    import json

    r = subprocess.run(
        [sys.executable, "-c", _CHILD, str(sources), str(out), hotwords, str(jobs)],
        capture_output=True,
        text=True,
        check=True,
        cwd=str(ROOT),
    )
    return _Summary(json.loads(r.stdout.strip().splitlines()[-1]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=12.0, help="length of the trimmed dev episodes")
    ap.add_argument("--keep", type=Path, default=None, help="keep the outputs here")
    ap.add_argument("--hotwords", default="auto", help="'auto' (the default pipeline), 'none', or terms")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of (jobs 1, jobs 2), order alternating")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        eps = make_episodes(tmp / "media", args.seconds)
        sources = tmp / "sources.txt"
        sources.write_text("\n".join(map(str, eps)) + "\n", "utf-8")
        ratios = []
        for rnd in range(1, args.repeat + 1):
            results = {}
            order = (1, 2) if rnd % 2 else (2, 1)  # alternate, so drifting load hits both alike
            for jobs in order:
                load = os.getloadavg()[0]
                s = run_fresh(sources, tmp / f"out-r{rnd}-j{jobs}", args.hotwords, jobs)
                for e in s.episodes:
                    if e.status == "failed":
                        print(f"  failed: {e.error}")
                results[jobs] = s
                slow = max(s.episodes, key=lambda e: e.seconds)
                print(
                    f"--jobs {jobs}: {s.done} done, {s.failed} failed, audio {s.audio_seconds:.1f} s, "
                    f"wall {s.wall_seconds:.1f} s, ledger {s.ledger_seconds * 1000:.1f} ms "
                    f"({s.ledger_seconds / max(1, len(s.episodes)) * 1000:.2f} ms/episode); "
                    f"slowest {slow.slug} {slow.seconds:.1f} s; load average {load:.1f} -> "
                    f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
                )
            w1, w2 = results[1].wall_seconds, results[2].wall_seconds
            ratios.append(w1 / w2)
            print(
                f"round {rnd}: wall time --jobs 1: {w1:.1f} s; --jobs 2: {w2:.1f} s; "
                f"ratio jobs1/jobs2 = {w1 / w2:.2f}x"
            )
        if len(ratios) > 1:
            print(f"ratios: {', '.join(f'{r:.2f}x' for r in ratios)}")
        per = ledger_micro(tmp / "ledger-micro")
        print(
            f"ledger micro-benchmark: add + 5 recorded stages = {per * 1000:.2f} ms/episode "
            "(WAL, synchronous=FULL)"
        )
        if args.keep:
            shutil.copytree(tmp, args.keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
