"""Evaluate glossary correction on a kept set of mangled sentences and clean texts.

The set (``samples/eval/corrections/`` by default) holds:

* ``dev.jsonl``, ``held.jsonl``, ``held2.jsonl`` … ``held6.jsonl`` — one JSON object per line:
  ``{"text": "...", "fixes": [["before", "after"], ...], "source": "..."}``. ``fixes`` are
  the changes that should be made, in text order (``before`` occurs in ``text``).
* ``clean/<batch>_*.txt`` — correct text that
  must come out unchanged.

``held2`` is a second held-back batch, written after the first held-back run had been
looked at (and two general bugs it showed had been fixed), so that one blind figure remains.
``held3`` … ``held6`` are larger batches, each written blind by someone who had not read the
corrector, run once, and only then used to fix what it showed (see the set's README).

A correction counts as a true positive when it replaces exactly a ``before`` span at its
position with its ``after``. Anything else the corrector changes is a false positive; a
fix it does not make (or makes differently) is a false negative. On clean text every
change is a false change. Tune on ``dev``; report ``held``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from audio2digest.errors import InputError
from audio2digest.text.glossary import Glossary, read_text_file

if TYPE_CHECKING:
    from audio2digest.text.correct import CorrectOptions

#: Batches of the set, in the order they were written (each later one blind to the fixes
#: that the earlier ones prompted).
BATCHES = ("dev", "held", "held2", "held3", "held4", "held5", "held6")
SPLITS = BATCHES + ("all",)


def default_eval_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "samples" / "eval" / "corrections"


@dataclass(frozen=True)
class Pair:
    text: str
    fixes: tuple[tuple[int, int, str], ...]  # (start, end, after) in ``text``
    source: str = ""
    where: str = ""


@dataclass
class EvalReport:
    split: str
    pairs: int = 0
    expected: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    clean_chars: int = 0
    clean_files: int = 0
    false_changes: int = 0
    errors: list = field(default_factory=list)  # (kind, where, detail)

    @property
    def precision(self) -> float:
        d = self.tp + self.fp
        return self.tp / d if d else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.expected if self.expected else 1.0

    @property
    def false_per_10k(self) -> float:
        return self.false_changes * 10000 / self.clean_chars if self.clean_chars else 0.0

    def to_dict(self) -> dict:
        return {
            "split": self.split,
            "pairs": self.pairs,
            "expected": self.expected,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "clean_files": self.clean_files,
            "clean_chars": self.clean_chars,
            "false_changes": self.false_changes,
            "false_changes_per_10k_chars": round(self.false_per_10k, 3),
            "errors": [{"kind": k, "where": w, "detail": d} for k, w, d in self.errors],
        }


def load_pairs(path: Path) -> list[Pair]:
    out = []
    text = read_text_file(path, what="eval set")
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            d = json.loads(line)
            t = d["text"]
            fixes = []
            pos = 0
            for before, after in d.get("fixes", []):
                i = t.find(before, pos)
                if i < 0:
                    raise ValueError(f"fix {before!r} not found in text after offset {pos}")
                fixes.append((i, i + len(before), after))
                pos = i + len(before)
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{n}: bad eval pair: {exc}") from exc
        out.append(Pair(t, tuple(fixes), d.get("source", ""), f"{path.name}:{n}"))
    return out


def _trim(text: str, s: int, e: int, after: str) -> tuple[int, int, str]:
    """The minimal edit: drop the prefix and suffix a span shares with its replacement,
    so that 多模太大模型→多模态大模型 and 多模太→多模态 count as the same fix."""
    before = text[s:e]
    i = 0
    while i < min(len(before), len(after)) and before[i] == after[i]:
        i += 1
    j = 0
    while j < min(len(before), len(after)) - i and before[len(before) - 1 - j] == after[len(after) - 1 - j]:
        j += 1
    return (s + i, e - j, after[i : len(after) - j])


def _source_spans(text: str, corrections) -> list[tuple[int, int, str]]:
    """Corrections (offsets into corrected text) as (start, end, after) in the source text."""
    out = []
    delta = 0
    for c in sorted(corrections, key=lambda c: c.start):
        s = c.start - delta
        out.append(_trim(text, s, s + len(c.before), c.after))
        delta += len(c.after) - len(c.before)
    return out


def evaluate(
    glossary: Glossary,
    eval_dir: Path | None = None,
    split: str = "held",
    options: CorrectOptions | None = None,
) -> EvalReport:
    """Run correction over the pairs and clean texts of ``split`` ("dev", "held", "all");
    ``options`` (default: :class:`CorrectOptions` defaults) lets a sweep try thresholds."""
    from audio2digest.text.correct import DEFAULT_OPTIONS, correct_text

    opts = options or DEFAULT_OPTIONS

    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}, expected one of: {', '.join(SPLITS)}")
    d = Path(eval_dir) if eval_dir else default_eval_dir()
    if not d.is_dir():
        raise InputError(f"{d}: eval set directory not found")
    names = BATCHES if split == "all" else (split,)
    rep = EvalReport(split=split)
    for name in names:
        p = d / f"{name}.jsonl"
        if not p.is_file() and split == "all":
            continue
        if not p.is_file():
            raise InputError(f"{p}: eval pairs file not found")
        for pair in load_pairs(p):
            rep.pairs += 1
            rep.expected += len(pair.fixes)
            res = correct_text(pair.text, glossary, options=opts)
            got = set(_source_spans(pair.text, res.corrections))
            want = {_trim(pair.text, *f) for f in pair.fixes}
            rep.tp += len(got & want)
            for s, e, a in sorted(got - want):
                rep.fp += 1
                rep.errors.append(("fp", pair.where, f"{pair.text[s:e]!r} -> {a!r} in {pair.text!r}"))
            for s, e, a in sorted(want - got):
                rep.fn += 1
                rep.errors.append(("fn", pair.where, f"{pair.text[s:e]!r} should be {a!r}"))
        for f in sorted((d / "clean").glob(f"{name}_*.txt")):
            text = read_text_file(f, what="clean text")
            rep.clean_files += 1
            rep.clean_chars += len(text)
            res = correct_text(text, glossary, options=opts)
            rep.false_changes += len(res.corrections)
            for c in res.corrections:
                line = text.count("\n", 0, max(0, c.start)) + 1
                rep.errors.append(
                    ("false", f"{f.name}:{line}", f"{c.before!r} -> {c.after!r} ({c.rule} {c.score})")
                )
    return rep


def evaluate_splits(
    glossary: Glossary,
    eval_dir: Path | None = None,
    splits: Iterable[str] = BATCHES,
    options: CorrectOptions | None = None,
):
    return [evaluate(glossary, eval_dir, s, options) for s in splits]
