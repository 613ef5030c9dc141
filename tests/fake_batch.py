"""``python tests/fake_batch.py SOURCES OUT GLOSSARY JOBS DELAY``: a batch with the fake
recogniser in its own process (the kill -9 tests kill it). Exit 0 if every episode is done."""

import sys

from fakes import FakeTranscriber

from audio2digest.batch.scheduler import run_batch
from audio2digest.stages import RunOptions

if __name__ == "__main__":
    sources, out, glossary, jobs, delay = sys.argv[1:6]
    summary = run_batch(
        sources,
        out,
        RunOptions(glossaries=(glossary,), use_default_glossary=False),
        jobs=int(jobs),
        transcriber=FakeTranscriber(delay=float(delay)),
    )
    sys.exit(0 if summary.ok else 1)
