"""Hotword selection: ranking (context first, priority, category, frequency) and the token budget."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from audio2digest.asr.hotwords import (
    embedded_tokenizer,
    estimate_tokens,
    rank_terms,
    select_hotwords,
    token_counter,
)
from audio2digest.text.glossary import glossary_from_terms


@dataclass(frozen=True)
class T:  # a Term-like entry (glossary.Term has the same attributes)
    term: str
    category: str = ""
    priority: int = 0
    hotword: bool = True

    @property
    def forms(self):
        return (self.term,)


def char_count(text: str) -> int:
    """A stand-in tokenizer: one token per non-space character."""
    return sum(1 for c in text if not c.isspace())


def test_terms_named_in_title_or_description_come_first():
    terms = ["OpenAI", "Anthropic", "DeepSeek", "Kimi"]
    meta = {"title": "本周：Kimi 与 DeepSeek 新模型", "description": ""}
    assert rank_terms(terms, meta=meta) == ["DeepSeek", "Kimi", "OpenAI", "Anthropic"]


def test_priority_then_category_then_frequency():
    terms = [
        T("大模型", "concept"),
        T("英伟达", "org"),
        T("Sora 2", "model"),
        T("黄仁勋", "person"),
        T("可灵", "model", priority=2),
    ]
    assert rank_terms(terms) == ["可灵", "英伟达", "Sora 2", "黄仁勋", "大模型"]
    # frequency breaks ties inside a category
    assert rank_terms([T("A1", "org"), T("B2", "org")], frequency={"B2": 5}) == ["B2", "A1"]


def test_non_hotword_entries_and_duplicates_are_left_out():
    terms = [T("GPT-5", "model"), T("AI", "concept", hotword=False), T("gpt-5", "model")]
    assert rank_terms(terms) == ["GPT-5"]


def test_budget_is_respected_and_smaller_terms_still_fit():
    terms = ["DeepSeek", "Hugging Face", "Kimi"]  # 8, 11, 4 characters
    out = select_hotwords(terms, tokenizer=char_count, budget=13)
    assert out == "DeepSeek Kimi"
    assert char_count(" " + out) <= 13
    assert select_hotwords(terms, tokenizer=char_count, budget=0) == ""
    assert select_hotwords([], tokenizer=char_count) == ""


def test_lead_phrase_comes_first_and_counts():
    out = select_hotwords(["DeepSeek", "Kimi"], tokenizer=char_count, budget=14, lead="简体中文")
    assert out == "简体中文 DeepSeek"


def test_glossary_object_is_used_through_hotword_terms():
    class G:
        def __init__(self):
            self.context = None

        def hotword_terms(self, context=""):
            self.context = context
            return [T("智谱", "org"), T("GLM-4.7-Flash", "model")]

    g = G()
    assert select_hotwords(g, meta={"title": "GLM 新闻"}, tokenizer=char_count) == "智谱 GLM-4.7-Flash"
    assert "glm" in g.context


def test_real_glossary_terms():
    g = glossary_from_terms(["Anthropic", "Claude Code", "豆包"])
    out = select_hotwords(g, meta={"title": "豆包更新"}, tokenizer=char_count)
    assert out.split(" ")[0] == "豆包"
    assert set(out.replace("Claude Code", "ClaudeCode").split()) == {"豆包", "Anthropic", "ClaudeCode"}


def test_token_counter_accepts_objects_with_encode():
    class Enc:
        class Out:
            def __init__(self, n):
                self.ids = list(range(n))

        def encode(self, text):
            return self.Out(len(text))

    class Model:
        hf_tokenizer = Enc()

    assert token_counter(Model())("abc") == 3
    assert token_counter(Enc())("abcd") == 4
    assert token_counter(lambda t: 7)("x") == 7


def test_estimate_is_not_below_cjk_character_count():
    assert estimate_tokens("深度求索") >= 4


def test_whisper_tokenizer_budget_on_real_terms():
    tok = embedded_tokenizer()
    terms = [
        "深度求索",
        "DeepSeek-R2",
        "月之暗面",
        "Kimi K2 Thinking",
        "字节跳动",
        "豆包",
        "火山引擎",
        "英伟达",
        "Blackwell Ultra",
        "DGX Spark",
        "Claude Sonnet 4.5",
        "SWE-bench Verified",
    ] * 3
    out = select_hotwords(terms, budget=30)
    n = len(tok.encode(" " + out).ids)
    assert 0 < n <= 30
    # a larger budget takes more of the (deduplicated) terms
    assert len(select_hotwords(terms, budget=200).split()) > len(out.split())


def test_balanced_strategy_mixes_categories_and_scripts():
    terms = [T(f"Org{i}", "org") for i in range(8)] + [
        T("深度求索", "org"),
        T("Kimi", "product"),
        T("DeepSeek-R2", "model"),
    ]
    glossary_order = rank_terms(terms, strategy="glossary")
    assert glossary_order[:9] == [f"Org{i}" for i in range(8)] + ["深度求索"]
    balanced = rank_terms(terms, meta={"title": "本周新闻"}, strategy="balanced")
    # org weight 5, then model and product get their turn; the Chinese org comes early
    assert balanced[0] == "深度求索"
    assert set(balanced[:7]) >= {"DeepSeek-R2", "Kimi"}
    with pytest.raises(ValueError, match="expected one of"):
        rank_terms(terms, strategy="nope")


def test_english_episode_gets_latin_forms():
    @dataclass(frozen=True)
    class V(T):
        variants: tuple = ()

        @property
        def forms(self):
            return (self.term,) + self.variants

    terms = [V("谷歌", "org", variants=("Google",)), V("智谱", "org"), V("OpenAI", "org")]
    assert rank_terms(terms, meta={"title": "Weekly roundup"}) == ["Google", "OpenAI"]
    assert rank_terms(terms, meta={"title": "本周"}) == ["谷歌", "智谱", "OpenAI"]
    assert rank_terms(terms, meta={"title": "本周"}, strategy="balanced") == ["谷歌", "OpenAI", "智谱"]
