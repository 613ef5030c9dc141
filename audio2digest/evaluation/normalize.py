"""`eval normalize`: news-style numbers and pause punctuation, scored against the scripts.

Each sample is a transcript as the recogniser printed it (after script conversion, before
number and pause normalisation: ``samples/eval/normalize/*.transcript.json``) and the script
it was read from (``*.items.json``). The transcript is scored as it is ("before") and after
:func:`audio2digest.text.normalize.normalize_segments` ("after"):

* **CER** (WER for English) against the script with its numbers in news style (the form the
  normaliser aims at; the script as written is scored too). Unlike ``eval asr``, digits,
  ``%`` and decimal points are kept, so 百分之七十七 vs 77% counts as an error.
* **number forms**: every digit form of the news-style script (2026年's 2026, 77%, 6700亿,
  3.5 …) found in the transcript (multiset match); *fixed* = found after but not before,
  *broken* = found before but not after.
* **punctuation**: the script's sentence and clause breaks (any punctuation after a
  character), matched by position after aligning transcript and script characters:
  precision, recall; and the share of characters in stretches of 20+ without punctuation.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from audio2digest.errors import InputError
from audio2digest.text.language import is_cjk_language
from audio2digest.text.normalize import (
    DEFAULT_NORMALIZE,
    NormalizeOptions,
    normalize_segments,
)
from audio2digest.text.numbers import news_numbers
from audio2digest.types import Transcript

#: stretches of at least this many characters without punctuation are counted as too long
LONG_RUN = 20
_NUMBER_FORM_RE = re.compile(r"\d+(?:\.\d+)?(?:%|‰|万|亿)?")


def default_set_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "samples" / "eval" / "normalize"


def default_script_dirs() -> list[Path]:
    root = Path(__file__).resolve().parents[2]
    shared = (root / ".." / "shared").resolve()
    return [root / "samples", shared / "dev-episodes", shared / "real-clips"]


@dataclass(frozen=True)
class NormalizeSample:
    name: str
    language: str
    script: str  # the script as written (items joined)
    transcript: Transcript


@dataclass
class NormalizeResult:
    name: str
    language: str
    cer_script: tuple[float, float]  # (before, after) against the script as written
    cer_news: tuple[float, float]  # (before, after) against the script, numbers in news style
    number_forms: int  # digit forms in the news-style script
    found: tuple[int, int]  # (before, after) of those found in the transcript
    fixed: int
    broken: int
    breaks: int  # punctuation breaks in the script
    break_hits: tuple[int, int]  # (before, after) transcript breaks at a script break
    break_marks: tuple[int, int]  # (before, after) transcript breaks in all
    long_runs: tuple[
        float, float
    ]  # (before, after) share of chars in LONG_RUN+ stretches without punctuation
    changes: list[tuple[str, str]] = field(default_factory=list)  # number rewrites made

    def to_dict(self) -> dict:
        def pr(i: int) -> dict:
            marks, hits = self.break_marks[i], self.break_hits[i]
            return {
                "precision": round(hits / marks, 4) if marks else 1.0,
                "recall": round(hits / self.breaks, 4) if self.breaks else 1.0,
                "marks": marks,
                "hits": hits,
            }

        return {
            "name": self.name,
            "language": self.language,
            "cer_script": {"before": round(self.cer_script[0], 4), "after": round(self.cer_script[1], 4)},
            "cer_news": {"before": round(self.cer_news[0], 4), "after": round(self.cer_news[1], 4)},
            "number_forms": self.number_forms,
            "numbers_found": {"before": self.found[0], "after": self.found[1]},
            "numbers_fixed": self.fixed,
            "numbers_broken": self.broken,
            "script_breaks": self.breaks,
            "punctuation": {"before": pr(0), "after": pr(1)},
            "long_run_share": {"before": round(self.long_runs[0], 4), "after": round(self.long_runs[1], 4)},
            "changes": [list(c) for c in self.changes],
        }


# --------------------------------------------------------------------------- data


def load_set(
    set_dir: Path | None = None, script_dirs: Sequence[Path] | None = None, only: Sequence[str] = ()
) -> list[NormalizeSample]:
    """Transcripts ``NAME.transcript.json`` of ``set_dir`` with their script: ``NAME.items.json``
    (``{"items": [text, ...]}``) or ``NAME.txt`` (a reference transcript), found in the first
    of ``script_dirs`` that has one."""
    d = Path(set_dir) if set_dir else default_set_dir()
    if not d.is_dir():
        raise InputError(f"{d}: normalisation eval set directory not found")
    dirs = [Path(p) for p in (script_dirs or default_script_dirs())]
    out = []
    for path in sorted(d.glob("*.transcript.json")):
        name = path.name[: -len(".transcript.json")]
        if only and not any(o in name for o in only):
            continue
        items = next(
            (
                p / f"{name}{ext}"
                for p in dirs
                for ext in (".items.json", ".txt")
                if (p / f"{name}{ext}").is_file()
            ),
            None,
        )
        if items is None:
            raise InputError(
                f"{path}: no script {name}.items.json or {name}.txt in {', '.join(map(str, dirs))}"
            )
        try:
            t = Transcript.from_dict(json.loads(path.read_text(encoding="utf-8")))
            raw = items.read_text(encoding="utf-8")
            texts = [str(x) for x in json.loads(raw)["items"]] if items.suffix == ".json" else [raw.strip()]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}: unreadable eval sample: {exc}") from exc
        sep = "" if is_cjk_language(t.language) else " "
        out.append(NormalizeSample(name, t.language, sep.join(texts), t))
    return out


# --------------------------------------------------------------------------- metrics


def _keep(text: str, i: int) -> bool:
    c = text[i]
    if c in "%‰":
        return True
    if c == "." and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
        return True
    return not unicodedata.category(c).startswith(("P", "Z", "S", "C"))


def score_chars(text: str) -> tuple[str, list[bool]]:
    """Lower-cased characters that count (digits, %, decimal points kept; other punctuation
    and spaces dropped) and, per kept character, whether punctuation follows it."""
    chars: list[str] = []
    brk: list[bool] = []
    for i, c in enumerate(text):
        if _keep(text, i):
            chars.append(c.lower())
            brk.append(False)
        elif chars and unicodedata.category(c).startswith("P") and c not in "-–—·'’\"“”《》「」『』()（）":
            brk[-1] = True
    return "".join(chars), brk


def char_error_rate(reference: str, hypothesis: str) -> float:
    from rapidfuzz.distance import Levenshtein

    ref, _ = score_chars(reference)
    hyp, _ = score_chars(hypothesis)
    return Levenshtein.distance(ref, hyp) / len(ref) if ref else float(bool(hyp))


def word_error_rate(reference: str, hypothesis: str) -> float:
    from rapidfuzz.distance import Levenshtein

    def words(t: str) -> list[str]:
        return re.findall(r"[a-z0-9]+(?:['.][a-z0-9]+)?%?", t.lower().replace("’", "'"))

    ref, hyp = words(reference), words(hypothesis)
    return Levenshtein.distance(ref, hyp) / len(ref) if ref else float(bool(hyp))


def break_match(reference: str, hypothesis: str) -> tuple[int, int, int]:
    """(script breaks, transcript breaks, transcript breaks at a script break): breaks are
    compared after the characters are aligned (difflib matching blocks)."""
    ref, rb = score_chars(reference)
    hyp, hb = score_chars(hypothesis)
    sm = difflib.SequenceMatcher(None, ref, hyp, autojunk=False)
    hyp_to_ref: dict[int, int] = {}
    for a, b, n in sm.get_matching_blocks():
        for k in range(n):
            hyp_to_ref[b + k] = a + k
    hits = sum(1 for j, is_b in enumerate(hb[:-1]) if is_b and j in hyp_to_ref and rb[hyp_to_ref[j]])
    # the last character of each text is a break by definition: not counted
    return sum(rb[:-1]), sum(hb[:-1]), hits


def long_runs(text: str, n: int = LONG_RUN) -> float:
    """Share of the characters that lie in stretches of ``n``+ characters without punctuation."""
    chars, brk = score_chars(text)
    inside, run = 0, 0
    for b in brk:
        run += 1
        if b:
            inside += run if run >= n else 0
            run = 0
    inside += run if run >= n else 0
    return inside / len(chars) if chars else 0.0


def number_forms(text: str) -> Counter:
    return Counter(_NUMBER_FORM_RE.findall(text))


# --------------------------------------------------------------------------- running


def _text(t: Transcript) -> str:
    return t.text


def evaluate_sample(
    sample: NormalizeSample, options: NormalizeOptions = DEFAULT_NORMALIZE
) -> NormalizeResult:
    before_t = sample.transcript
    after_segs = normalize_segments(before_t.segments, before_t.language, "keep", options)
    before, after = _text(before_t), _text(before_t.replace(segments=tuple(after_segs)))
    cjk = is_cjk_language(sample.language, sample.script)
    news = news_numbers(sample.script) if cjk else sample.script
    err = char_error_rate if cjk else word_error_rate
    ref_forms = number_forms(news)
    fb, fa = number_forms(before), number_forms(after)
    found_b = sum(min(c, fb[f]) for f, c in ref_forms.items())
    found_a = sum(min(c, fa[f]) for f, c in ref_forms.items())
    fixed = sum(max(0, min(c, fa[f]) - min(c, fb[f])) for f, c in ref_forms.items())
    broken = sum(max(0, min(c, fb[f]) - min(c, fa[f])) for f, c in ref_forms.items())
    nb, mb, hb = break_match(sample.script, before)
    _, ma, ha = break_match(sample.script, after)
    changes = []
    for s0, s1 in zip(before_t.segments, after_segs):
        if s0.text != s1.text:
            for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
                None, s0.text, s1.text, autojunk=False
            ).get_opcodes():
                if tag != "equal" and s1.text[j1:j2] not in ("，", "。"):
                    changes.append((s0.text[i1:i2], s1.text[j1:j2]))
    return NormalizeResult(
        name=sample.name,
        language=sample.language,
        cer_script=(err(sample.script, before), err(sample.script, after)),
        cer_news=(err(news, before), err(news, after)),
        number_forms=sum(ref_forms.values()),
        found=(found_b, found_a),
        fixed=fixed,
        broken=broken,
        breaks=nb,
        break_hits=(hb, ha),
        break_marks=(mb, ma),
        long_runs=(long_runs(before), long_runs(after)),
        changes=changes,
    )


def run_eval(
    samples: Iterable[NormalizeSample], options: NormalizeOptions = DEFAULT_NORMALIZE
) -> list[NormalizeResult]:
    return [evaluate_sample(s, options) for s in samples]


def format_table(results: Sequence[NormalizeResult]) -> str:
    """A Markdown table, one row per sample, before → after."""

    def pr(r: NormalizeResult, i: int) -> str:
        m, h = r.break_marks[i], r.break_hits[i]
        p = h / m if m else 1.0
        rc = h / r.breaks if r.breaks else 1.0
        return f"{100 * p:.0f}/{100 * rc:.0f}"

    lines = [
        "| sample | lang | CER/WER news-style | CER/WER as written | numbers found | fixed | broken "
        "| punct P/R % | in long runs % |",
        "|---|---|---|---|---|---:|---:|---|---|",
    ]
    for r in results:
        # stretch lengths in characters mean nothing for a language written with spaces
        runs = (
            f"{100 * r.long_runs[0]:.0f} → {100 * r.long_runs[1]:.0f}" if is_cjk_language(r.language) else "–"
        )
        lines.append(
            f"| {r.name} | {r.language} | {r.cer_news[0]:.4f} → {r.cer_news[1]:.4f} "
            f"| {r.cer_script[0]:.4f} → {r.cer_script[1]:.4f} "
            f"| {r.found[0]} → {r.found[1]} of {r.number_forms} | {r.fixed} | {r.broken} "
            f"| {pr(r, 0)} → {pr(r, 1)} | {runs} |"
        )
    zh = [r for r in results if is_cjk_language(r.language)]
    if zh:
        t = summary(zh)
        lines.append(
            f"| **all zh** ({len(zh)}) | zh | {t['cer_news'][0]:.4f} → {t['cer_news'][1]:.4f} (mean) "
            f"| {t['cer_script'][0]:.4f} → {t['cer_script'][1]:.4f} (mean) "
            f"| {t['found'][0]} → {t['found'][1]} of {t['number_forms']} | {t['fixed']} | {t['broken']} "
            f"| {t['precision'][0]:.0f}/{t['recall'][0]:.0f} → {t['precision'][1]:.0f}/{t['recall'][1]:.0f} | |"
        )
    return "\n".join(lines)


def summary(results: Sequence[NormalizeResult]) -> dict:
    """Means of the error rates, totals of the counts, pooled punctuation P/R (%)."""
    n = len(results) or 1

    def pooled(i: int) -> tuple[float, float]:
        marks = sum(r.break_marks[i] for r in results)
        hits = sum(r.break_hits[i] for r in results)
        breaks = sum(r.breaks for r in results)
        return (100 * hits / marks if marks else 100.0, 100 * hits / breaks if breaks else 100.0)

    pb, pa = pooled(0), pooled(1)
    return {
        "cer_news": tuple(sum(r.cer_news[i] for r in results) / n for i in (0, 1)),
        "cer_script": tuple(sum(r.cer_script[i] for r in results) / n for i in (0, 1)),
        "found": tuple(sum(r.found[i] for r in results) for i in (0, 1)),
        "number_forms": sum(r.number_forms for r in results),
        "fixed": sum(r.fixed for r in results),
        "broken": sum(r.broken for r in results),
        "precision": (pb[0], pa[0]),
        "recall": (pb[1], pa[1]),
    }
