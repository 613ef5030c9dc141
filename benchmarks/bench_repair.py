"""Cost of loop/coverage repair: transcribe() with repair vs one plain decode.

For each dev episode (model loaded once, beforehand, not timed):

- ``plain``: one ``decode()`` pass with the same settings and hotwords, no repair, no
  normalisation: what faster-whisper alone costs;
- ``repaired``: ``transcribe()`` with repair on (decode + loop/coverage repair + opencc);
- ``unbiased`` (with ``--unbiased``): one plain faster-whisper pass without hotwords and
  with its default temperature fallback (``repair=False``): what decoding costs without any
  of audio2digest's biasing or repair.

Prints seconds and the ratio repaired/plain per episode and in total; the target is
<= 1.25. The passes run back to back per episode so background load hits them alike.

    /work/venv/bin/python benchmarks/bench_repair.py [--data ../shared/dev-episodes] [--only dev01]
        [--unbiased] [--no-recover-names]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=(ROOT / ".." / "shared" / "dev-episodes").resolve())
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--no-hotwords", action="store_true", help="both sides without hotwords")
    ap.add_argument("--budget", type=int, default=220)
    ap.add_argument("--unbiased", action="store_true", help="also time a decode without hotwords")
    ap.add_argument(
        "--no-recover-names",
        dest="recover_names",
        action="store_false",
        help="repair without re-hearing skipped names (the dropout repair)",
    )
    ap.add_argument(
        "--temperatures",
        default=None,
        help="fallback temperatures for the hotword decode and transcribe(), e.g. 0,0.2,0.4 "
        "(the unbiased decode keeps faster-whisper's default)",
    )
    args = ap.parse_args(argv)

    from audio2digest.asr.hotwords import select_hotwords
    from audio2digest.asr.model import load_model
    from audio2digest.asr.repair import RepairOptions
    from audio2digest.asr.transcribe import TranscribeOptions, decode, transcribe
    from audio2digest.evaluation.asr import load_samples
    from audio2digest.sources.audio import load_audio
    from audio2digest.types import EpisodeMeta

    glossary = None
    if not args.no_hotwords:
        try:
            from audio2digest.text.glossary import load_glossary

            glossary = load_glossary()
        except Exception as exc:
            print(f"no glossary ({exc}); hotwords off", file=sys.stderr)
    model, spec = load_model("base")
    rows = []
    for s in load_samples(args.data, None, args.only):
        audio = load_audio(s.audio)
        meta = EpisodeMeta(source=str(s.audio), title=s.title)
        hot = select_hotwords(glossary, meta=meta, tokenizer=model, budget=args.budget) if glossary else None
        extra = {"temperature": [float(t) for t in args.temperatures.split(",")]} if args.temperatures else {}
        opts = TranscribeOptions(
            language=s.language,
            hotwords=hot or None,
            extra=extra,
            repair_options=RepairOptions(dropouts=args.recover_names),
        )
        t0 = time.perf_counter()
        decode(model, audio, opts)
        plain = time.perf_counter() - t0
        t0 = time.perf_counter()
        tr = transcribe(audio, meta, opts)
        repaired = time.perf_counter() - t0
        unbiased = 0.0
        if args.unbiased:
            t0 = time.perf_counter()
            decode(model, audio, TranscribeOptions(language=s.language, repair=False), hotwords=None)
            unbiased = time.perf_counter() - t0
        rows.append((s.name, audio.size / 16000, plain, repaired, len(tr.repairs), unbiased))
        extra = (
            (f"; decode without hotwords {unbiased:.1f} s, repaired/that {repaired / unbiased:.2f}")
            if unbiased
            else ""
        )
        print(
            f"{s.name}: {audio.size / 16000:.0f} s audio, plain {plain:.1f} s, with repair "
            f"{repaired:.1f} s ({len(tr.repairs)} repairs), ratio {repaired / plain:.2f}{extra}",
            flush=True,
        )
    if rows:
        p = sum(r[2] for r in rows)
        q = sum(r[3] for r in rows)
        print(
            f"total: plain {p:.1f} s, with repair {q:.1f} s, ratio {q / p:.2f} "
            f"(target <= 1.25; hotwords {'off' if args.no_hotwords or not glossary else 'on'})"
        )
        u = sum(r[5] for r in rows)
        if u:
            print(f"total decode without hotwords {u:.1f} s; with hotwords + repair / that: {q / u:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
