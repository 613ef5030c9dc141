"""HotwordChooser: the terms an episode's metadata names and a first look heard (no model)."""

from __future__ import annotations

from audio2digest.asr.hotwords import HotwordChooser
from audio2digest.text.glossary import Term

TERMS = [
    Term("智谱", "org", variants=("Zhipu",)),
    Term("谷歌", "org", variants=("Google",)),
    Term("GLM-4.7-Flash", "model"),
    Term("OpenRouter", "product"),
    Term("DeepMind", "org"),
    Term("Meta", "org"),
    Term("AI", "topic"),
]


def count(text):  # a stand-in tokenizer: one token a character
    return len(text)


def test_terms_heard_by_latin_and_pinyin_keys():
    c = HotwordChooser(TERMS, tokenizer=count)
    # 至普 is 智谱 in pinyin (zhipu); GLM 4.7 flash is the Latin key of GLM-4.7-Flash
    heard = c.heard("至普发布了GLM 4.7 flash模型，开发者可以通过open router调用")
    assert heard == {"智谱", "glm-4.7-flash", "openrouter"}
    # 五個 (wuge) is not 谷歌 (guge); ordinary speech names nothing
    assert c.heard("五個人在会上发言") == set()
    assert c.heard("And so my fellow Americans, ask not what your country can do for you") == set()


def test_short_latin_keys_must_be_whole_words():
    c = HotwordChooser(TERMS, tokenizer=count)
    assert "ai" in c.heard("the AI model")
    assert "ai" not in c.heard("we said it again")  # "ai" inside "again" is no mention
    assert "meta" not in c.heard("metadata and metaphors")  # 4 letters: fuzzy, but not inside a word


def test_a_fuzzy_match_needs_a_word_as_long_as_the_shortest_fuzzy_key():
    c = HotwordChooser([Term("Siri", "product"), Term("Cerebras", "org")], tokenizer=count)
    # dev03's first look heard Cerebras as "Sir Edre": "sir" is 86 % alike "siri", and the
    # prompted Siri then replaced Cerebras in the decode
    assert c.heard("In hardware news, Sir Edre opened a new data center") == set()
    assert c.heard("Apple updated Siri") == {"siri"}
    assert c.heard("Serebras opened a data center") == {"cerebras"}  # one letter off, long enough


def test_a_batch_in_the_glossarys_language_is_filled_with_its_ranking():
    c = HotwordChooser(TERMS, tokenizer=count, budget=40)
    heard_only = c("open router调用", language="en")
    assert heard_only == "OpenRouter"
    filled = c("open router调用", language="zh")
    assert filled.startswith("OpenRouter ") and len(filled) <= 40 and "智谱" in filled
    assert c("", language="en") is None  # nothing named, nothing heard: no prompt
    assert "OpenRouter" in c.all_chosen()


def test_an_english_batch_is_prompted_with_the_latin_forms_of_chinese_named_terms():
    """A Mandarin glossary's 谷歌 heard as "Google" in English speech is prompted as Google
    there (its Chinese name would ask for Chinese characters), and as 谷歌 in a Mandarin
    batch; a term with no Latin form is left out of an English prompt, and so is a concept
    spelt as plain English words (it would only teach the decoder a lower-case style)."""
    terms = [*TERMS, Term("数据中心", "concept", variants=("data center",)), Term("大模型", "concept")]
    terms += [Term("英伟达", "org", variants=("NVIDIA",)), Term("混合专家", "concept", variants=("MoE",))]
    c = HotwordChooser(terms, tokenizer=count, budget=80, fill_budget=0)
    look = "Google and NVIDIA opened a new data center for MoE models and 大模型"
    assert c(look, language="en") == "Google NVIDIA MoE"
    assert c(look, language="zh") == "谷歌 英伟达 数据中心 大模型 混合专家"
    assert c.all_chosen("en") == "Google NVIDIA MoE"
    assert c.all_chosen("zh") == "谷歌 英伟达 数据中心 大模型 混合专家"
    assert (
        c.all_chosen() == "谷歌 英伟达 数据中心 大模型 混合专家"
    )  # language unknown: as the glossary spells them


def test_an_episode_with_an_english_title_still_gets_its_chinese_named_terms():
    """With an English title the ranking used to hold Latin names (Google) while the heard
    terms are named as the glossary names them (谷歌), so they never met: nothing was
    prompted. The chooser ranks by the glossary's names and spells them per batch."""
    terms = [*TERMS, Term("英伟达", "org", variants=("NVIDIA",))]
    c = HotwordChooser(
        terms, meta={"title": "This week in tech"}, tokenizer=count, fill_budget=0, look="none"
    )
    look = "Google and NVIDIA opened a new data center"
    assert c(look, language="en") == "Google NVIDIA"
    assert c(look, language="zh") == "谷歌 英伟达"
    assert c.all_chosen() == "Google NVIDIA"  # language unknown: the title's script


def test_a_family_member_is_chosen_by_the_words_after_the_head():
    """Of a large family the members closest to what follows the head word come, another
    version (R1 for R2) counting for half, a later one of the same (3 -> 3.1) not."""
    deepseek = [Term(f"DeepSeek-{v}", "model") for v in ("V3", "V3.1", "V3.2", "R1", "R2", "Coder", "Math")]
    c = HotwordChooser(deepseek, tokenizer=count)
    assert c.heard("DeepSeek V3发布了") == {"deepseek-v3", "deepseek-v3.1", "deepseek-v3.2"}
    heard = c.heard("DeepSeek R2 is out")
    assert "deepseek-r2" in heard and "deepseek-r1" not in heard and len(heard) == 3


def test_a_version_number_must_agree_for_a_term_to_be_heard():
    """GPT 5 is not GPT-3.5 (their keys gpt5 / gpt35 are 89 % alike), and "GPT 5.1" holds no
    "GPT 5" (a version number is one word)."""
    terms = [Term(t, "model") for t in ("GPT-3.5", "GPT-5", "GPT-5.1")]
    c = HotwordChooser(terms, tokenizer=count)
    assert c.heard("OpenAI 发布了 GPT 5 模型") == {"gpt-5"}
    assert c.heard("OpenAI 发布了 GPT 5.1 模型") == {"gpt-5.1"}


def test_a_large_family_brings_only_the_members_closest_to_what_was_heard():
    """A mention brings its family (a garbled "Kimi ..." -> Kimi K2 Thinking), all of a small
    one, but of a large one only the FAMILY_MAX members closest to the words after the head."""
    from audio2digest.asr.hotwords import FAMILY_MAX

    kimi = [Term(t, "model") for t in ("Kimi", "Kimi K2", "Kimi K2 Thinking")]
    gemini = [Term("Gemini", "model")]
    gemini += [
        Term(f"Gemini {v}", "model") for v in ("1.5 Pro", "2.0 Flash", "2.5 Flash", "2.5 Pro", "3 Pro")
    ]
    c = HotwordChooser(kimi + gemini, tokenizer=count)
    assert c.heard("Kimi 团队推出新模型") == {"kimi", "kimi k2", "kimi k2 thinking"}
    heard = c.heard("Google released gemini three pro last week")
    assert len(heard) == FAMILY_MAX and "gemini 3 pro" in heard


def test_terms_heard_in_an_earlier_batch_prompt_the_next():
    c = HotwordChooser(TERMS, tokenizer=count, budget=40, fill_budget=0, look="none")
    assert c("", language="en") is None  # the first batch: nothing named, nothing heard yet
    c.note("开发者可以通过open router调用")
    assert c("", language="en") == "OpenRouter"
    c.note("the weather today")  # a batch naming nothing keeps what was heard before
    assert c("", language="en") == "OpenRouter"


def test_the_ranking_fill_stops_at_its_own_budget():
    c = HotwordChooser(TERMS, tokenizer=count, budget=40, fill_budget=8)
    c.note("open router")
    assert c("", language="zh") == "OpenRouter"  # heard terms may pass the fill budget, no fill after
    fresh = HotwordChooser(TERMS, tokenizer=count, budget=40, fill_budget=12)
    filled = fresh("", language="zh")
    assert filled and len(" " + filled) <= 12
    import pytest

    with pytest.raises(ValueError, match="Invalid look"):
        HotwordChooser(TERMS, tokenizer=count, look="always")


def test_metadata_names_a_term_only_as_a_whole_word():
    terms = [*TERMS, Term("v0", "product")]
    named = HotwordChooser(terms, tokenizer=count, meta={"title": "Vercel v0 与 Meta 的新模型"})
    assert {"v0", "meta"} <= named.context_terms
    # a file called dev01 is no mention of v0, nor "metadata" of Meta, nor "said" of AI
    unnamed = HotwordChooser(
        terms, tokenizer=count, meta={"title": "dev01", "description": "metadata, he said"}
    )
    assert unnamed.context_terms == set()


def test_which_batches_get_a_first_look():
    def after_batches(look, n, **kw):
        c = HotwordChooser(TERMS, tokenizer=count, look=look, **kw)
        for _ in range(n):
            c("", language="en")  # one call per batch, whichever decode block it is in
        return c

    assert after_batches("every", 0).wants_look("zh") and after_batches("every", 3).wants_look("en")
    assert after_batches("first", 0).wants_look("zh") and not after_batches("first", 1).wants_look("zh")
    assert not after_batches("none", 0).wants_look("en")
    # the default: the episode's first batch, when its language gets no fill from the ranking
    # (the look is then its only source of terms); a Mandarin batch is filled instead
    auto = after_batches("auto", 0)
    assert auto.look == "auto"
    assert auto.wants_look("en") and auto.wants_look(None)  # unknown language: not filled
    assert not auto.wants_look("zh")
    assert not after_batches("auto", 1).wants_look("en")  # a later block's first batch too
    assert after_batches("auto", 0, fill_budget=0).wants_look("zh")  # no fill: look instead
