"""Per-item descriptions: headline, summary, category, keywords; build_digest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audio2digest.text.digest import (
    CATEGORIES,
    build_digest,
    categorize,
    enrich_item,
    headline,
    keywords,
    summarize,
)
from audio2digest.text.headline import title_width
from audio2digest.text.segment import find_entities
from audio2digest.types import DIGEST_SCHEMA, Digest, EpisodeMeta, Item, Segment, Transcript

EVAL = Path(__file__).resolve().parents[1] / "samples" / "eval" / "segments"


def test_headline_extractive_chinese():
    text = "首先来看智谱。智谱今天正式开源了MoE模型GLM-4.7-Flash，性能很强，可以免费商用。"
    assert headline(text, entities=find_entities(text)) == "智谱开源MoE模型GLM-4.7-Flash"


def test_headline_lengths_on_real_scripts():
    for name in ("dev01", "dev02", "dev03"):
        script = json.loads((EVAL / f"{name}.items.json").read_text("utf-8"))
        en = script.get("lang") == "en"
        for text in script["items"]:
            h = headline(text)
            assert h, text
            assert title_width(h, not en) <= (80 if en else 30), h
            # extractive: every CJK character of the headline appears in the text
            assert all(ch in text for ch in h if "\u4e00" <= ch <= "\u9fff"), h


def test_headline_examples():
    dev01 = json.loads((EVAL / "dev01.items.json").read_text("utf-8"))["items"]
    assert headline(dev01[1]) == "DeepSeek发布新一代推理模型DeepSeek-R2"
    assert headline(dev01[4]) == "英伟达在GTC大会上发布Blackwell Ultra芯片"
    en = json.loads((EVAL / "dev03.items.json").read_text("utf-8"))["items"]
    assert headline(en[3]) == "Perplexity launched Comet, a web browser with an assistant built in"
    assert headline(en[4]).startswith("Cerebras opened a new data center")  # "In hardware news," dropped


def test_summary_one_or_two_sentences():
    dev01 = json.loads((EVAL / "dev01.items.json").read_text("utf-8"))["items"]
    s = summarize(dev01[1])
    assert s.startswith(
        "DeepSeek发布了新一代推理模型DeepSeek-R2"
    )  # the lead-in "首先来看深度求索。" is skipped
    assert 1 <= s.count("。") <= 2 and len(s) <= 92
    long = "，".join(["这是一个很长的从句没有句号"] * 20)
    assert len(summarize(long)) <= 92


def test_categories():
    assert categorize("英伟达发布了新一代GPU芯片，推理算力提升") == "硬件与算力"
    assert categorize("Meta开源了视觉基础模型，权重放在Hugging Face上") == "开源生态"
    assert (
        categorize("Cerebras opened a new data center with the fastest inference speed")
        == "Hardware & compute"
    )
    assert categorize("今天天气很好") == "其他"
    assert categorize("大家好", kind="intro") == "节目"
    names = [c[0] for c in CATEGORIES]
    for must in ("基础模型", "多模态", "开源生态", "硬件与算力", "产业与资本", "安全与治理", "研究", "应用"):
        assert must in names


def test_keywords():
    kw = keywords("英伟达发布了新一代芯片，英伟达表示芯片的推理性能提升五十倍。")
    assert "英伟达" in kw and "芯片" in kw and len(kw) <= 5
    kw = keywords("Nvidia announced a chip. The chip is fast, Nvidia says.")
    assert kw[:2] == ["nvidia", "chip"]
    assert keywords("") == []
    # pronouns and auxiliaries are no keywords (the JFK clip's tags were "ask, your, country")
    kw = keywords("Ask not what your country can do for you, ask what you can do for your country.")
    assert "your" not in kw and "country" in kw
    kw = keywords("Separating the patient from others to prevent infection of others.")
    assert "others" not in kw and "infection" in kw


def test_enrich_item_with_no_entities():
    it = enrich_item(Item(0, "news", "", "", "今天天气很好，适合出门散步，公园里人很多。"))
    assert it.entities == () and it.title and it.summary and it.category == "其他"


def test_build_digest_dev03():
    tr = Transcript.from_dict(json.loads((EVAL / "dev03.transcript.json").read_text("utf-8")))
    d = build_digest(tr)
    assert d.language == "en" and d.duration == pytest.approx(tr.duration)
    assert [i.kind for i in d.items][0] == "intro" and d.items[-1].kind == "outro"
    news = [i for i in d.items if i.kind == "news"]
    assert len(news) == 4
    for it in news:
        assert it.title and len(it.title) <= 80 and it.summary and it.category and it.keywords
        assert it.start is not None and it.end > it.start
    assert any(e.term == "Perplexity" for e in news[2].entities)
    again = Digest.from_dict(json.loads(json.dumps(d.to_dict())))
    assert again == d and d.to_dict()["schema"] == DIGEST_SCHEMA


def test_build_digest_empty_and_one_sentence():
    empty = Transcript(EpisodeMeta("x"), "zh", ())
    assert build_digest(empty).items == ()
    one = Transcript(EpisodeMeta("x"), "zh", (Segment(0, 0.0, 2.0, "英伟达发布了新芯片。"),))
    d = build_digest(one)
    assert len(d.items) == 1 and d.items[0].title == "英伟达发布新芯片"


def test_keywords_do_not_depend_on_earlier_calls():
    """Entity names kept whole for one item must not leak into the next (batch determinism)."""
    from audio2digest.text.digest import keywords
    from audio2digest.types import Entity

    text = "研究团队发布了新的视觉语言模型，视觉语言模型在多个基准上领先，团队表示视觉语言模型将开源。"
    alone = keywords(text, cjk=True)
    with_entity = keywords("另一条新闻。", cjk=True, entities=[Entity("视觉语言模型", "concept")])
    after = keywords(text, cjk=True)
    assert after == alone
    assert "视觉语言模型" in keywords(text, cjk=True, entities=[Entity("视觉语言模型", "concept")])
    assert "视觉语言模型" not in alone
    assert with_entity is not None


def test_english_text_names_entities_in_english_and_skips_nationalities():
    from audio2digest.text.entities import find_entities
    from audio2digest.text.glossary import load_glossary

    g = load_glossary(use_default=True)
    en = find_entities(
        "A French lab released a reasoning model with open weights; Chinese rivals and OpenAI too.", g
    )
    assert [e.term for e in en] == ["reasoning model", "open weights", "OpenAI"]
    zh = find_entities("深度求索发布推理模型，开放权重。", g)
    assert [e.term for e in zh] == ["深度求索", "推理模型", "开放权重"]
