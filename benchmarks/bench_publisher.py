"""`run` on a feed episode with a publisher VTT against `run --transcript-source asr` on it.

Serves the bundled sample (samples/ai-weekly-12.mp3, 134 s of Mandarin) in a one-item feed on
127.0.0.1 with a VTT made from its gold item times (caption-sized cues), then times fresh
`audio2digest run` processes, alternating the two modes, and reports each one's wall times and
whether the speech model was imported.

    PYTHONPATH=$PWD python benchmarks/bench_publisher.py --repeat 3
    PYTHONPATH=$PWD python benchmarks/bench_publisher.py --repeat 5 --no-asr
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_transcripts import EPISODE_FEED, NO_MODEL_RUN, vtt_from_gold  # noqa: E402


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-asr", action="store_true", help="time only the publisher-VTT run")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-publisher-"))
    www = work / "www"
    www.mkdir()
    gold = json.loads((ROOT / "samples/ai-weekly-12.gold.json").read_text("utf-8"))
    shutil.copy(ROOT / "samples/ai-weekly-12.mp3", www / "ep.mp3")
    (www / "ep.vtt").write_text(vtt_from_gold(gold), "utf-8")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(www)))
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    (www / "feed.xml").write_text(
        EPISODE_FEED.format(base=base, size=(www / "ep.mp3").stat().st_size), "utf-8"
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    modes = ["auto"] if args.no_asr else ["auto", "asr"]
    times: dict[str, list[float]] = {m: [] for m in modes}
    cpu: dict[str, list[float]] = {m: [] for m in modes}  # user + sys of the run process
    loaded: dict[str, str] = {}
    try:
        for r in range(args.repeat):
            for mode in modes if r % 2 == 0 else modes[::-1]:
                out = work / f"out-{mode}-{r}"
                t0 = time.perf_counter()
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                proc = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        NO_MODEL_RUN,
                        "run",
                        f"{base}/feed.xml",
                        "-o",
                        str(out),
                        "--transcript-source",
                        mode,
                        "-f",
                        "json",
                        "-f",
                        "md",
                    ],
                    capture_output=True,
                    text=True,
                    timeout=900,
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                )
                wall = time.perf_counter() - t0
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[mode].append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
                if proc.returncode != 0:
                    sys.exit(f"{mode}: run failed\n{proc.stderr[-2000:]}")
                times[mode].append(wall)
                loaded[mode] = proc.stdout.strip().split("LOADED", 1)[-1].strip()
                print(
                    f"run {r + 1} {mode:<4} {wall:6.2f} s wall, {cpu[mode][-1]:6.2f} s CPU  "
                    f"(model libraries imported: {loaded[mode]}; load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
    finally:
        httpd.shutdown()
        httpd.server_close()
        shutil.rmtree(work, ignore_errors=True)
    for mode, ts in times.items():
        label = "publisher VTT" if mode == "auto" else "ASR (whisper base)"
        print(
            f"{label:<20} wall median {statistics.median(ts):6.2f} s  min {min(ts):6.2f}  "
            f"max {max(ts):6.2f}; CPU median {statistics.median(cpu[mode]):6.2f} s  (n={len(ts)})"
        )
    if "asr" in times:
        print(f"ASR / publisher: {statistics.median(times['asr']) / statistics.median(times['auto']):.1f}x")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
