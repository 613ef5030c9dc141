"""Score segmentations against gold item timing: Pk, WindowDiff and boundary F1.

Gold files have the format of ``dev-episodes/*.gold.json``:
``{"title", "duration", "items": [{"start", "end", "text"}, ...]}``.

*With timing* the episode is cut into 0.1 s steps over ``[0, duration]``. A boundary between
two items sits in the middle of the silence between them (gold: ``(end_i + start_i+1) / 2``;
hypothesis: the same from the items' times). Each step is labelled with the number of
boundaries before it, and

* **Pk** (Beeferman et al. 1999) is the share of probe pairs ``(t, t+k)`` on which hypothesis and
  gold disagree about "same item or not";
* **WindowDiff** (Pevzner & Hearst 2002) is the share of windows ``[t, t+k]`` in which the number
  of boundaries differs;
* ``k`` is, conventionally, **half the mean gold item length** (in steps; reported in seconds);
* **boundary F1** matches hypothesis to gold boundaries one-to-one when they are within a
  tolerance (default **1.5 s**), closest pairs first.

*From text alone* (``items.json`` scripts, no timing) the same measures run over characters
(whitespace ignored): boundaries are character offsets, ``k`` is half the mean gold item length
in characters, and F1's tolerance is given in characters (default 5).

Lower Pk / WindowDiff is better (0 = perfect); F1 higher is better.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from audio2digest.errors import InputError

logger = logging.getLogger("audio2digest.evaluation.segments")

STEP = 0.1  # seconds per position with timing
DEFAULT_TOLERANCE_S = 1.5
DEFAULT_TOLERANCE_CHARS = 5


@dataclass(frozen=True)
class SegmentScore:
    name: str
    mode: str  # "timing" | "text" | "timing-no-pauses"
    pk: float
    windowdiff: float
    precision: float
    recall: float
    f1: float
    k: float  # in seconds (timing) or characters (text)
    tolerance: float
    gold_items: int
    hyp_items: int

    def to_dict(self) -> dict:
        return asdict(self)


def labels_from_boundaries(boundaries: Sequence[float], n: int, step: float = 1.0) -> list[int]:
    """Segment label of each of ``n`` positions (position ``i`` stands at ``i * step``)."""
    bs = sorted(boundaries)
    out = []
    j = 0
    for i in range(n):
        t = i * step
        while j < len(bs) and bs[j] <= t:
            j += 1
        out.append(j)
    return out


def pk(ref: Sequence[int], hyp: Sequence[int], k: int) -> float:
    """Pk over label sequences (equal labels = same segment)."""
    n = len(ref)
    if n != len(hyp):
        raise ValueError("ref and hyp must be equally long")
    k = max(1, int(k))
    if n <= k:
        return 0.0
    err = 0
    for i in range(n - k):
        err += (ref[i] == ref[i + k]) != (hyp[i] == hyp[i + k])
    return err / (n - k)


def windowdiff(ref: Sequence[int], hyp: Sequence[int], k: int) -> float:
    """WindowDiff over label sequences: windows where the boundary counts differ."""
    n = len(ref)
    if n != len(hyp):
        raise ValueError("ref and hyp must be equally long")
    k = max(1, int(k))
    if n <= k:
        return 0.0
    err = 0
    for i in range(n - k):
        err += (ref[i + k] - ref[i]) != (hyp[i + k] - hyp[i])
    return err / (n - k)


def boundary_prf(gold: Sequence[float], hyp: Sequence[float], tolerance: float) -> tuple[float, float, float]:
    """Precision, recall, F1 of boundaries matched one-to-one within ``tolerance``."""
    pairs = sorted(
        (
            (abs(g - h), gi, hi)
            for gi, g in enumerate(gold)
            for hi, h in enumerate(hyp)
            if abs(g - h) <= tolerance
        )
    )
    used_g, used_h = set(), set()
    tp = 0
    for _, gi, hi in pairs:
        if gi in used_g or hi in used_h:
            continue
        used_g.add(gi)
        used_h.add(hi)
        tp += 1
    p = tp / len(hyp) if hyp else (1.0 if not gold else 0.0)
    r = tp / len(gold) if gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def load_gold(path: str | Path) -> dict:
    path = Path(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such gold file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable JSON gold file ({exc})") from None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise InputError(f"{path}: gold file has no 'items' list")
    for i, it in enumerate(items):
        if not isinstance(it, dict) or "start" not in it or "end" not in it:
            raise InputError(f"{path}: gold item {i} lacks 'start'/'end'")
    return data


def _mid_boundaries(spans: Sequence[tuple[float, float]]) -> list[float]:
    spans = sorted(spans)
    return [(spans[i][1] + spans[i + 1][0]) / 2 for i in range(len(spans) - 1)]


def score_timing(
    gold: dict,
    items: Sequence,
    name: str = "",
    *,
    tolerance: float = DEFAULT_TOLERANCE_S,
    mode: str = "timing",
) -> SegmentScore:
    """Score items with ``start``/``end`` against a gold timing dict."""
    gspans = [(float(i["start"]), float(i["end"])) for i in gold["items"]]
    hspans = [(float(i.start), float(i.end)) for i in items if i.start is not None and i.end is not None]
    duration = float(gold.get("duration") or max(e for _, e in gspans))
    n = int(round(duration / STEP)) + 1
    gb = _mid_boundaries(gspans)
    hb = _mid_boundaries(hspans)
    ref = labels_from_boundaries(gb, n, STEP)
    hyp = labels_from_boundaries(hb, n, STEP)
    mean_len = sum(e - s for s, e in gspans) / len(gspans)
    k = max(1, int(round(mean_len / 2 / STEP)))
    p, r, f = boundary_prf(gb, hb, tolerance)
    return SegmentScore(
        name,
        mode,
        pk(ref, hyp, k),
        windowdiff(ref, hyp, k),
        p,
        r,
        f,
        k * STEP,
        tolerance,
        len(gspans),
        len(hspans),
    )


def _char_boundaries(texts: Sequence[str]) -> tuple[list[int], int]:
    out, pos = [], 0
    for t in texts:
        pos += len("".join(t.split()))
        out.append(pos)
    return out[:-1], pos


def score_text(
    gold_texts: Sequence[str],
    hyp_texts: Sequence[str],
    name: str = "",
    *,
    tolerance: int = DEFAULT_TOLERANCE_CHARS,
) -> SegmentScore:
    """Score a text segmentation against the gold item texts (both cover the same text)."""
    gb, n = _char_boundaries(gold_texts)
    hb, n2 = _char_boundaries(hyp_texts)
    if n != n2:
        raise InputError(f"{name or 'text'}: hypothesis covers {n2} characters, gold {n}")
    ref = labels_from_boundaries(gb, n, 1.0)
    hyp = labels_from_boundaries(hb, n, 1.0)
    mean_len = n / max(1, len(gold_texts))
    k = max(1, int(round(mean_len / 2)))
    p, r, f = boundary_prf(gb, hb, tolerance)
    return SegmentScore(
        name,
        "text",
        pk(ref, hyp, k),
        windowdiff(ref, hyp, k),
        p,
        r,
        f,
        float(k),
        float(tolerance),
        len(gold_texts),
        len(hyp_texts),
    )


def evaluate_dir(
    directory: str | Path,
    transcripts: str | Path | None = None,
    *,
    tolerance: float = DEFAULT_TOLERANCE_S,
    glossary=None,
    modes: Sequence[str] = ("timing", "timing-no-pauses", "text"),
) -> list[SegmentScore]:
    """Score every ``NAME.gold.json`` in ``directory``.

    * ``timing``: segment ``NAME.transcript.json`` (looked up in ``transcripts``, default the
      same directory) with all signals;
    * ``timing-no-pauses``: the same transcript, pauses ignored (text signals only), scored in time;
    * ``text``: segment the script ``NAME.items.json`` joined as plain text, scored in characters.
    """
    from audio2digest.text.segment import segment_text, segment_transcript
    from audio2digest.types import Transcript

    directory = Path(directory)
    tdir = Path(transcripts) if transcripts else directory
    golds = sorted(directory.glob("*.gold.json"))
    if not golds:
        raise InputError(f"{directory}: no *.gold.json files")
    scores: list[SegmentScore] = []
    for gpath in golds:
        name = gpath.name[: -len(".gold.json")]
        gold = load_gold(gpath)
        tpath = tdir / f"{name}.transcript.json"
        if tpath.exists() and ("timing" in modes or "timing-no-pauses" in modes):
            try:
                tr = Transcript.from_dict(json.loads(tpath.read_text("utf-8")))
            except (ValueError, json.JSONDecodeError) as exc:
                raise InputError(f"{tpath}: not a transcript.json ({exc})") from None
            if "timing" in modes:
                items = segment_transcript(tr, glossary)
                scores.append(score_timing(gold, items, name, tolerance=tolerance))
            if "timing-no-pauses" in modes:
                items = segment_transcript(tr, glossary, use_timing=False)
                scores.append(score_timing(gold, items, name, tolerance=tolerance, mode="timing-no-pauses"))
        elif "timing" in modes:
            logger.warning("%s: no %s; timing not scored", gpath, tpath.name)
        ipath = directory / f"{name}.items.json"
        if ipath.exists() and "text" in modes:
            script = json.loads(ipath.read_text("utf-8"))
            texts = script.get("items") or []
            lang = script.get("lang")
            joined = "".join(texts) if not lang or lang.startswith("zh") else " ".join(texts)
            gold_texts = (
                list(texts)
                if not lang or lang.startswith("zh")
                else [t + (" " if i < len(texts) - 1 else "") for i, t in enumerate(texts)]
            )
            hyp = segment_text(joined, glossary, language=lang)
            scores.append(score_text(gold_texts, [i.text for i in hyp], name))
    return scores


def mean_scores(scores: Sequence[SegmentScore]) -> dict[str, dict[str, float]]:
    """Mean Pk / WindowDiff / F1 per mode."""
    out: dict[str, dict[str, float]] = {}
    for mode in sorted({s.mode for s in scores}):
        ss = [s for s in scores if s.mode == mode]
        out[mode] = {
            "pk": sum(s.pk for s in ss) / len(ss),
            "windowdiff": sum(s.windowdiff for s in ss) / len(ss),
            "f1": sum(s.f1 for s in ss) / len(ss),
            "episodes": len(ss),
        }
    return out
