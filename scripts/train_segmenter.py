"""Fit the boundary classifier on segcorpus (+ the dev episodes for pauses) and write
``audio2digest/data/segmenter.json`` with its data manifest.

    python scripts/train_segmenter.py --corpus ../shared/segcorpus [--dev samples/eval/segments]
                                      [--out audio2digest/data/segmenter.json] [--loso]

``--loso`` also prints leave-one-source-out Pk (train on four publishers, test on the fifth)
beside the in-sample figure. Needs numpy (a faster-whisper dependency), nothing else.
``--embed-cache FILE`` (with ``--loso``) also fits the same leave-one-source-out models with the
opt-in sentence-embedding columns and prints both (needs audio2digest[embed]); the model
written stays the one without them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audio2digest.evaluation.boundary_fit import (
    fit_text_model,
    fit_timed_model,
    leave_one_episode_out,
    load_corpus,
    manifest,
    prepare,
    record_pk,
    rows_with,
)
from audio2digest.evaluation.segments import load_gold
from audio2digest.files import atomic_write_text
from audio2digest.text.boundary import FEATURES, TIMED_FEATURES, decode
from audio2digest.text.segment import SegmentOptions
from audio2digest.types import Transcript


def mean_pk(model, recs, opts):
    out = {}
    for key in sorted({(r.source, r.lang) for r in recs}):
        rs = [r for r in recs if (r.source, r.lang) == key]
        vals = []
        for r in rs:
            rows = rows_with(r, model.lexicon, bool(model.embed_features))
            z = [v + model.bias_text for v in model.logits(rows)]
            vals.append(
                record_pk(r, decode(z, r.lengths, opts.min_item_chars, short_penalty=opts.short_penalty))
            )
        out[f"{key[0]}/{key[1]}"] = round(sum(vals) / len(vals), 4)
    return out


def _pooled(per_source: dict, recs) -> dict:
    """Record-weighted mean Pk per language (as ``eval segments``' pooled rows)."""
    out = {}
    for lang in sorted({r.lang for r in recs}):
        n = {
            k: sum(1 for r in recs if f"{r.source}/{r.lang}" == k)
            for k in per_source
            if k.endswith("/" + lang)
        }
        out[lang] = round(sum(per_source[k] * c for k, c in n.items()) / sum(n.values()), 4)
    return out


def _dev_pk(eps, model, opts):
    from dataclasses import replace

    from audio2digest.evaluation.segments import score_timing
    from audio2digest.text.segment import segment_transcript

    out = {}
    for name, tr, gold in eps:
        out.setdefault(name, []).append(
            score_timing(gold, segment_transcript(tr, options=replace(opts, model=model))).pk
        )
    return {k: sum(v) / len(v) for k, v in out.items()}


#: The transcripts of each dev episode the pause model is fitted on (samples/eval/segments/
#: README.md): plain Whisper, an earlier sequential `run`, today's batched `run`.
DEV_TRANSCRIPTS = ("", "pipeline", "batched")


def dev_episodes(dev: Path):
    eps = []
    for g in sorted(dev.glob("*.gold.json")):
        name = g.name[: -len(".gold.json")]
        for sub in DEV_TRANSCRIPTS:
            t = dev / sub / f"{name}.transcript.json"
            if t.exists():
                eps.append(
                    (
                        name,
                        sub or "plain",
                        Transcript.from_dict(json.loads(t.read_text("utf-8"))),
                        load_gold(g),
                    )
                )
    return eps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "segcorpus")
    ap.add_argument("--dev", type=Path, default=ROOT / "samples" / "eval" / "segments")
    ap.add_argument("--out", type=Path, default=ROOT / "audio2digest" / "data" / "segmenter.json")
    ap.add_argument("--loso", action="store_true", help="also print leave-one-source-out Pk")
    ap.add_argument("--embed-cache", type=Path, help="with --loso: also fit with embedding features")
    args = ap.parse_args()
    opts = SegmentOptions()
    t0 = time.time()
    recs = [prepare(r) for r in load_corpus(args.corpus)]
    print(
        f"{len(recs)} records, {sum(len(r.labels) for r in recs)} gaps ({time.time() - t0:.1f} s)",
        file=sys.stderr,
    )
    kw = {"min_chars": opts.min_item_chars, "short_penalty": opts.short_penalty}
    model = fit_text_model(recs, **kw)
    insample = mean_pk(model, recs, opts)
    result = {"in_sample_pk": insample}
    embed = bool(args.loso and args.embed_cache)
    if embed:
        from audio2digest.evaluation.boundary_fit import add_embeddings
        from audio2digest.text.embedding import CachedEmbedder, default_embedder

        t1 = time.time()
        add_embeddings(recs, CachedEmbedder(default_embedder(), args.embed_cache))
        print(f"embedding columns ({time.time() - t1:.1f} s)", file=sys.stderr)
    if args.loso:
        loso, loso_emb = {}, {}
        for src in sorted({r.source for r in recs}):
            train, test = [r for r in recs if r.source != src], [r for r in recs if r.source == src]
            loso.update(mean_pk(fit_text_model(train, **kw), test, opts))
            if embed:
                loso_emb.update(mean_pk(fit_text_model(train, embed=True, **kw), test, opts))
        result["loso_pk"] = loso
        if embed:
            result["loso_pk_embed"] = loso_emb
            result["loso_pooled"] = _pooled(loso, recs)
            result["loso_pooled_embed"] = _pooled(loso_emb, recs)
            m = fit_text_model(recs, embed=True, **kw)
            result["embed_weights"] = dict(
                zip(m.features[len(FEATURES) :], [round(w, 3) for w in m.weights[len(FEATURES) :]])
            )
            result["in_sample_pk_embed"] = mean_pk(m, recs, opts)
    # the pause model: the text model's log-odds and the pause, on the dev episodes
    eps = [(name, tr, gold) for name, _, tr, gold in dev_episodes(args.dev)]
    timed_model = fit_timed_model(eps, model, opts) if eps else model
    timed = timed_model.timed_weights
    result["dev_in_sample_pk"] = {k: round(v, 4) for k, v in _dev_pk(eps, timed_model, opts).items()}
    if args.loso and eps:
        result["dev_loeo_pk"] = {k: round(v, 4) for k, v in leave_one_episode_out(eps, model, opts).items()}
    meta = {
        "trained_on": manifest(args.corpus, recs),
        "dev_episodes": sorted({n for n, _, _ in eps}),
        "dev_transcripts": len(eps),
        "min_item_chars": opts.min_item_chars,
        "features": list(FEATURES),
        "timed_features": list(TIMED_FEATURES),
        "script": "scripts/train_segmenter.py",
        **result,
    }
    from dataclasses import replace

    model = replace(model, timed_weights=tuple(timed), meta=meta)
    atomic_write_text(args.out, json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n")
    print(
        json.dumps(
            {
                "weights": dict(zip(FEATURES, [round(w, 3) for w in model.weights])),
                "bias_text": model.bias_text,
                "timed": dict(zip(TIMED_FEATURES, [round(w, 3) for w in timed])),
                **result,
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    print(f"wrote {args.out} ({time.time() - t0:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
