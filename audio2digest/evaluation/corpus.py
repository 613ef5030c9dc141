"""``eval segments --corpus``: segmentation and headlines on segcorpus, per source and pooled.

Segmentation is scored as in :mod:`audio2digest.evaluation.segments` (Pk, WindowDiff, boundary
F1 over characters); the fitted classifier is measured leave-one-source-out with
:mod:`audio2digest.evaluation.boundary_fit`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from audio2digest.evaluation.boundary_fit import (
    add_embeddings,
    fit_text_model,
    load_corpus,
    prepare,
)
from audio2digest.evaluation.headline_fit import (
    HeadlineScore,
    SummaryCheck,
    check_summaries,
    headline_rows,
    loso_models,
    score_headlines,
)
from audio2digest.evaluation.segments import SegmentScore, score_text
from audio2digest.text.boundary import BoundaryModel

logger = logging.getLogger("audio2digest.evaluation.corpus")

__all__ = [
    "PUNCTUATION_VARIANTS",
    "CorpusScore",
    "HeadlineScore",
    "SummaryCheck",
    "evaluate_corpus",
    "evaluate_summaries",
    "punctuation_variant",
]

#: How a recogniser may punctuate the same text, for ``eval segments --corpus --punctuation``:
#: as written; every sentence end a comma (Whisper's run-on Chinese); every mark a space
#: (Whisper's phrase gaps); no punctuation at all.
PUNCTUATION_VARIANTS = ("as-written", "commas", "spaces", "none")
_ZH_SENT_END = re.compile(r"[。！？；…]+")
_EN_SENT_END = re.compile(r"[.!?;]+(?=\s|$)")
_ZH_MARKS = re.compile(r"[，。！？；：、…]+")
# every mark but a full stop or comma inside a name or number (GPT-5.1, Node.js, 3,000)
_ALL_MARKS = re.compile(r"[，。！？；：、…“”「」『』《》（）!?;:\"()\[\]]|,(?!\d)|\.(?!\w)")


def punctuation_variant(text: str, cjk: bool, variant: str) -> str:
    """``text`` as a recogniser might have punctuated it (see PUNCTUATION_VARIANTS); each
    item is changed on its own, so the item boundaries stay where they were."""
    if variant == "as-written":
        return text
    if variant == "commas":
        return _ZH_SENT_END.sub("，", text) if cjk else _EN_SENT_END.sub(",", text)
    if variant == "spaces" and cjk:
        return _ZH_MARKS.sub(" ", text)
    if variant in ("spaces", "none"):
        return _ALL_MARKS.sub("", text)
    raise ValueError(
        f"unknown punctuation variant {variant!r}: expected one of {', '.join(PUNCTUATION_VARIANTS)}"
    )


@dataclass(frozen=True)
class CorpusScore:
    source: str  # "publisher/lang", or "pooled/lang"
    fit: str  # "loso" (model fitted without this publisher) | "shipped" (in-sample) | "loso+emb"
    records: int
    pk: float
    windowdiff: float
    f1: float
    gold_items: int
    hyp_items: int

    def to_dict(self) -> dict:
        return asdict(self)


def _score_group(source: str, fit: str, rows: list[tuple[SegmentScore, int, int]]) -> CorpusScore:
    n = len(rows)
    return CorpusScore(
        source,
        fit,
        n,
        sum(s.pk for s, _, _ in rows) / n,
        sum(s.windowdiff for s, _, _ in rows) / n,
        sum(s.f1 for s, _, _ in rows) / n,
        sum(g for _, g, _ in rows),
        sum(h for _, _, h in rows),
    )


def evaluate_corpus(
    directory: str | Path,
    *,
    loso: bool = True,
    headlines: bool = True,
    segments: bool = True,
    progress=None,
    embedder=None,
    punctuation: str = "as-written",
) -> tuple[list[CorpusScore], list[HeadlineScore]]:
    """Segment every segcorpus record (its items joined, no markers) and score it.

    ``shipped``: the bundled model (fitted on this corpus: in-sample). ``loso``: for each
    publisher a model fitted on the other four (both languages of a translated publisher held
    out together) -- the figure that predicts unseen sources. Pk/WindowDiff/F1 are means over
    records; ``pooled/LANG`` is the mean over all records of that language. Headlines are
    made from the gold item texts and scored against the human titles: with the shipped
    chooser (in-sample), one fitted without the publisher (``loso``), and the hand-set rule
    score alone (``rule``, nothing fitted).

    ``embedder`` (opt-in, :mod:`audio2digest.text.embedding`): also ``loso+emb``, the same
    leave-one-source-out fit with the sentence-embedding columns added, in the same run.

    ``punctuation`` (PUNCTUATION_VARIANTS): the text segmented is each record's items
    re-punctuated as a recogniser might have (:func:`punctuation_variant`); the models are
    still fitted on the text as written, which is what ships.
    """
    from dataclasses import replace

    from audio2digest.text.headline import RULE_MODEL, load_headline_model
    from audio2digest.text.segment import SegmentOptions, segment_text

    records = load_corpus(directory)
    opts = SegmentOptions()
    models: dict[str, BoundaryModel | None] = {"shipped": None}
    emb_models: dict[str, BoundaryModel] = {}
    embed = embedder is not None and loso and segments
    if loso and segments:
        for r in records:
            prepare(r)
        if embed:
            if progress:
                progress("embedding the sentences")
            add_embeddings(records, embedder)
        for src in sorted({r.source for r in records}):
            if progress:
                progress(f"fitting without {src}")
            train = [r for r in records if r.source != src]
            mc, sp = opts.min_item_chars, opts.short_penalty
            models[src] = fit_text_model(train, min_chars=mc, short_penalty=sp)
            if embed:
                emb_models[src] = fit_text_model(train, min_chars=mc, short_penalty=sp, embed=True)
    fits = ("shipped", "loso", "loso+emb") if embed else ("shipped", "loso") if loso else ("shipped",)
    per: dict[tuple[str, str, str], list[tuple[SegmentScore, int, int]]] = {}
    for k, rec in enumerate(records if segments else ()):
        gold = [punctuation_variant(t, rec.cjk, punctuation) for t in rec.items]
        gold = [t for t in gold if t.strip()]
        text = "".join(gold)
        for fit in fits:
            if fit == "loso+emb":
                o = replace(opts, model=emb_models[rec.source], embedder=embedder)
            else:
                model = models["shipped"] if fit == "shipped" else models[rec.source]
                o = replace(opts, model=model) if model is not None else opts
            hyp = segment_text(text, language=rec.lang, options=o)
            s = score_text(gold, [i.text for i in hyp], rec.id)
            per.setdefault((rec.source, rec.lang, fit), []).append((s, len(gold), len(hyp)))
        if progress and k % 200 == 0:
            progress(f"segmented {k}/{len(records)}")
    scores = []
    for fit in ("loso", "loso+emb", "shipped"):
        for lang in sorted({r.lang for r in records}):
            keys = sorted(k for k in per if k[2] == fit and k[1] == lang)
            for key in keys:
                scores.append(_score_group(f"{key[0]}/{lang}", fit, per[key]))
            if keys:
                scores.append(_score_group(f"pooled/{lang}", fit, [x for key in keys for x in per[key]]))
    heads: list[HeadlineScore] = []
    if headlines:
        rows = headline_rows(records, progress)
        heads += score_headlines(rows, load_headline_model(), "shipped")
        if loso:
            fitted = loso_models(rows)
            heads += score_headlines(rows, lambda src: fitted[src], "loso")
        heads += score_headlines(rows, RULE_MODEL, "rule")
    return scores, heads


def evaluate_summaries(directory: str | Path) -> list[SummaryCheck]:
    """The summary of every gold item checked against the rules, per source and pooled."""
    return check_summaries(load_corpus(directory))
