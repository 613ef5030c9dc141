"""How strict the LLM grounding check is, measured on headlines people wrote.

For each record of a corpus of real digests (``segcorpus``: ``items`` with their human
``titles``), each headline is checked against its own item's text (a faithful headline should
pass: a rejection there is a false alarm, or an editor's addition) and against another item's
text of the same digest (a headline put on the wrong story should fail: a pass there is a miss).
Nothing is fitted here; the check has no tuned threshold.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audio2digest.llm.grounding import Source, ungrounded

# Synthetic titles some sources use ("<category> #k", see segcorpus/README.md): not headlines.
_SYNTHETIC = re.compile(r"#\d+\s*$")


@dataclass
class GroundingStats:
    source: str
    headlines: int = 0
    own_rejected: int = 0  # a headline rejected against its own item (false alarm)
    swapped: int = 0
    swapped_rejected: int = 0  # a headline rejected against another item (caught)
    missing: Counter = field(default_factory=Counter)  # what own-item rejections named

    @property
    def false_alarm_rate(self) -> float:
        return self.own_rejected / self.headlines if self.headlines else 0.0

    @property
    def catch_rate(self) -> float:
        return self.swapped_rejected / self.swapped if self.swapped else 0.0


def evaluate_records(
    records: Iterable[dict], glossary: Any = None, *, source: str = "", limit: int | None = None
) -> GroundingStats:
    stats = GroundingStats(source)
    for n, rec in enumerate(records):
        if limit is not None and n >= limit:
            break
        items, titles = rec.get("items") or [], rec.get("titles") or []
        pairs = [
            (t, x)
            for t, x in zip(titles, items)
            if isinstance(t, str) and t.strip() and not _SYNTHETIC.search(t)
        ]
        for k, (title, text) in enumerate(pairs):
            stats.headlines += 1
            miss = ungrounded(title, Source(text, glossary))
            if miss:
                stats.own_rejected += 1
                stats.missing.update(miss)
            if len(pairs) > 1:  # the next story's text: same digest, same style, other facts
                other = pairs[(k + 1) % len(pairs)][1]
                stats.swapped += 1
                if ungrounded(title, Source(other, glossary)):
                    stats.swapped_rejected += 1
    return stats


def evaluate_corpus(
    paths: Iterable[Path], glossary: Any = None, *, limit: int | None = None
) -> list[GroundingStats]:
    """One :class:`GroundingStats` per file and language (``name:lang``)."""
    out: list[GroundingStats] = []
    for path in paths:
        by_lang: dict[str, list[dict]] = {}
        for line in Path(path).read_text("utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                by_lang.setdefault(rec.get("lang", ""), []).append(rec)
        for lang, recs in sorted(by_lang.items()):
            out.append(evaluate_records(recs, glossary, source=f"{Path(path).stem}:{lang}", limit=limit))
    return out


def format_table(rows: list[GroundingStats]) -> str:
    lines = [f"{'source':<34} {'headlines':>9} {'own rejected':>13} {'swapped caught':>15}"]
    tot = GroundingStats("pooled")
    for r in rows:
        lines.append(f"{r.source:<34} {r.headlines:>9} {r.false_alarm_rate:>12.1%} {r.catch_rate:>14.1%}")
        tot.headlines += r.headlines
        tot.own_rejected += r.own_rejected
        tot.swapped += r.swapped
        tot.swapped_rejected += r.swapped_rejected
    lines.append(f"{tot.source:<34} {tot.headlines:>9} {tot.false_alarm_rate:>12.1%} {tot.catch_rate:>14.1%}")
    return "\n".join(lines)
