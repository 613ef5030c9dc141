"""Fit the headline chooser on segcorpus and write ``audio2digest/data/headline.json`` with
its data manifest and the figures measured.

    python scripts/train_headline.py --corpus ../shared/segcorpus [--out audio2digest/data/headline.json]
                                     [--l2 0.01] [--loso]

``--loso`` prints leave-one-source-out ROUGE-L (fitted on four publishers, scored on the fifth;
a translated publisher's zh and en held out together) beside the in-sample figure, the hand-set
rule score and the best candidate per item (the ceiling of any chooser). Needs numpy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audio2digest.evaluation.boundary_fit import load_corpus, manifest
from audio2digest.evaluation.headline_fit import (
    HEADLINE_L2,
    fit_headline_model,
    headline_rows,
    loso_models,
    oracle,
    score_headlines,
)
from audio2digest.files import atomic_write_json
from audio2digest.text.headline import HEADLINE_FEATURES, RULE_MODEL, HeadlineModel


def _table(scores) -> dict[str, float]:
    return {s.source: round(s.rouge_l, 4) for s in scores}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "segcorpus")
    ap.add_argument("--out", type=Path, default=ROOT / "audio2digest" / "data" / "headline.json")
    ap.add_argument("--l2", type=float, default=HEADLINE_L2)
    ap.add_argument("--loso", action="store_true")
    args = ap.parse_args()
    t0 = time.time()
    recs = load_corpus(args.corpus)
    rows = headline_rows(recs)
    print(f"{len(rows)} titled items, candidates in {time.time() - t0:.0f} s", file=sys.stderr)
    model = fit_headline_model(rows, args.l2)
    figures: dict[str, dict[str, float]] = {"in_sample": _table(score_headlines(rows, model))}
    if args.loso:
        ms = loso_models(rows, args.l2)
        figures["loso"] = _table(score_headlines(rows, lambda s: ms[s]))
        figures["rule"] = _table(score_headlines(rows, RULE_MODEL))
        figures["oracle"] = _table(oracle(rows))
    meta = {
        "trained_on": manifest(args.corpus, recs),
        "titled_items": len(rows),
        "l2": args.l2,
        "objective": "ridge on ROUGE-L (characters) centred within each item; publishers weighted equally",
        "rouge_l": figures,
    }
    out = HeadlineModel(model.weights, meta)
    atomic_write_json(args.out, out.to_dict())
    for name, w in zip(HEADLINE_FEATURES, model.weights):
        print(f"{name:<16} {w:+.4f}")
    for kind, table in figures.items():
        print(kind, " ".join(f"{k}={v:.3f}" for k, v in table.items()))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
