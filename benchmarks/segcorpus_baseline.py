"""Score any audio2digest checkout's ``segment_text`` and ``headline`` on segcorpus, to compare
the hand-tuned segmenter of an older checkout with the fitted one in the same way.

    PYTHONPATH=/path/to/checkout python benchmarks/segcorpus_baseline.py ../shared/segcorpus

Prints mean Pk per source/language and pooled per language (k = half the mean gold item length
in characters, as ``audio2digest eval segments --corpus``), and headline ROUGE-L (characters)
with the count of headlines ending in "…". Nothing is fitted here.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path


def _import(*names):
    for n in names:
        try:
            return importlib.import_module(n)
        except ImportError:
            continue
    raise ImportError(names)


def _rouge(a: str, b: str) -> float:
    a = re.sub(r"[\W_]+", "", a.lower())
    b = re.sub(r"[\W_]+", "", b.lower())
    if not a or not b:
        return 0.0
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b):
            cur.append(prev[j] + 1 if ca == cb else max(prev[j + 1], cur[j]))
        prev = cur
    lcs = prev[-1]
    return 0.0 if not lcs else 2 * lcs / (len(a) + len(b))


def main(corpus: str) -> None:
    seg = _import("audio2digest.text.segment", "audio2digest.segment")
    dig = _import("audio2digest.text.headline", "audio2digest.text.digest", "audio2digest.digest")
    ev = _import("audio2digest.evaluation.segments", "audio2digest.eval_segments")
    per: dict[str, list[float]] = {}
    heads: list[tuple[float, bool]] = []
    for f in sorted(Path(corpus).glob("*.jsonl")):
        for line in f.read_text("utf-8").splitlines():
            r = json.loads(line)
            items = r["items"]
            hyp = seg.segment_text("".join(items), language=r["lang"])
            s = ev.score_text(items, [i.text for i in hyp], r["id"])
            per.setdefault(f"{f.stem}/{r['lang']}", []).append(s.pk)
            per.setdefault(f"pooled/{r['lang']}", []).append(s.pk)
            cjk = r["lang"].startswith("zh")
            for item, title in zip(items, r.get("titles") or []):
                t = title.strip()
                core = re.sub(r"^[^:：]{1,30}[:：]\s*", "", t)
                if not t or re.search(r"#\s*\d+\s*$", t) or item.strip().startswith(core[:40].rstrip(". …")):
                    continue
                h = dig.headline(item, cjk=cjk)
                heads.append((_rouge(h, t), h.endswith(("…", "..."))))
    for k in sorted(per):
        print(f"{k:<32} {len(per[k]):5d} records  Pk {sum(per[k]) / len(per[k]):.3f}")
    print(
        f"headlines {len(heads)}: ROUGE-L {sum(h[0] for h in heads) / len(heads):.3f}, "
        f"truncated {sum(h[1] for h in heads)}"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/segcorpus")
