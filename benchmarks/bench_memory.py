"""Peak memory of `audio2digest run` on long audio, printed beside its wall time.

Builds ``--minutes`` of audio by concatenating a dev episode with itself (ffmpeg from
imageio-ffmpeg, a temporary mp3), then runs ``audio2digest run`` on it in a child process
(``--sequential`` to measure the sequential decode instead) and reports the child's peak
resident set size (``getrusage(RUSAGE_CHILDREN).ru_maxrss``) and wall time. A 1-hour decode
takes many minutes on 2 shared cores: run it in the background.

    /work/venv/bin/python benchmarks/bench_memory.py [--minutes 60] [--episode dev02] [--sequential]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = (ROOT / ".." / "shared").resolve()


def long_audio(episode: Path, minutes: float, where: Path) -> Path:
    from audio2digest.sources.audio import duration_of, load_audio
    from audio2digest.sources.ffmpeg import ffmpeg_exe

    reps = max(1, math.ceil(minutes * 60 / duration_of(load_audio(episode))))
    listing = where / "list.txt"
    listing.write_text("".join(f"file '{episode}'\n" for _ in range(reps)))
    out = where / f"long-{int(minutes)}min.mp3"
    if out.is_file() and out.stat().st_mtime > episode.stat().st_mtime:  # kept from a run before
        return out
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-t",
            str(minutes * 60),
            "-ac",
            "1",
            "-ar",
            "16000",
            "-b:a",
            "48k",
            str(out),
        ],
        check=True,
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--episode", default="dev02")
    ap.add_argument("--sequential", action="store_true", help="run with --sequential")
    ap.add_argument("--batch-size", type=int, default=None, help="run with --batch-size N")
    ap.add_argument("--keep", type=Path, default=None, help="keep the long audio and outputs here")
    ap.add_argument("--poll", type=float, default=30.0, help="seconds between peak-so-far lines")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        audio = long_audio(SHARED / "dev-episodes" / f"{args.episode}.mp3", args.minutes, where)
        cmd = [
            sys.executable,
            "-m",
            "audio2digest",
            "--quiet",
            "run",
            str(audio),
            "-o",
            str(where / "out"),
            "--force",
        ] + (["--sequential"] if args.sequential else [])
        cmd += ["--batch-size", str(args.batch_size)] if args.batch_size is not None else []
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        while proc.poll() is None:  # the peak so far, for a run stopped before its end
            time.sleep(args.poll)
            try:
                hwm = next(
                    line
                    for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                    if line.startswith("VmHWM")
                )
                print(
                    f"  {time.perf_counter() - t0:6.0f} s  peak so far {int(hwm.split()[1]) / 1024:.0f} MB",
                    flush=True,
                )
            except (OSError, StopIteration):
                pass
        wall = time.perf_counter() - t0
        stderr = proc.stderr.read() if proc.stderr else ""
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        status = "ok" if proc.returncode == 0 else f"failed ({stderr.strip().splitlines()[-1:]})"
        print(
            f"{args.minutes:.0f} min of {args.episode} ({'sequential' if args.sequential else 'batched'}): "
            f"wall {wall:.0f} s (RTF {wall / (args.minutes * 60):.3f}), peak RSS {peak_mb:.0f} MB "
            f"(target <= 1536 MB), {status}"
        )


if __name__ == "__main__":
    main()
