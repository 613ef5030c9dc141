"""The boundary classifier, its decoder and fitting, headlines, and bad input for segmentation."""

from __future__ import annotations

import json
import time

import pytest

from audio2digest.evaluation.boundary_fit import (
    fit_logistic,
    load_corpus,
    prepare,
    rouge_l,
)
from audio2digest.evaluation.corpus import evaluate_corpus
from audio2digest.text.boundary import (
    FEATURES,
    BoundaryModel,
    decode,
    gap_features,
    load_model,
)
from audio2digest.text.digest import build_digest
from audio2digest.text.headline import ZH_TITLE_MAX, headline, summarize, title_width
from audio2digest.text.segment import segment_text, segment_transcript
from audio2digest.text.sentences import split_sentences
from audio2digest.types import EpisodeMeta, Segment, Transcript, Word

STORIES_ZH = [
    "谷歌开源了翻译模型TranslateGemma，支持五十五种语言。模型基于Gemma 3打造，开发者可以免费下载权重。",
    "智谱开源了MoE模型GLM-4.7-Flash，总参数三百亿。官方表示模型可以免费商用，并提供更低的推理价格。",
    "英伟达发布了新一代芯片Blackwell Ultra，单机柜推理性能提升五十倍。黄仁勋说数据中心需求仍在增长。",
]


# --- decoder --------------------------------------------------------------------------------


def test_decode_takes_positive_gaps_and_keeps_minimum_length():
    assert decode([2.0, -1.0, 2.0], [10, 10, 10, 10], 5) == [0, 2]
    # cuts after units 0 and 2 would leave 10-long items: too short for 15
    assert decode([2.0, 1.0, 2.0], [10, 10, 10, 10], 15) == [1]
    assert decode([2.0, -1.0, 2.0], [10, 10, 10, 10], 15) == []
    assert decode([-3.0, -3.0], [10, 10, 10], 5, forced=[1]) == [1]
    assert decode([5.0, 5.0], [10, 10, 10], 5, forbidden=[0]) == [1]
    assert decode([], [10], 5) == []


def test_model_round_trip_and_feature_check():
    m = load_model()
    assert len(m.weights) == len(FEATURES)
    again = BoundaryModel.from_dict(json.loads(json.dumps(m.to_dict())))
    assert again.weights == m.weights
    bad = m.to_dict()
    bad["features"] = bad["features"][:-1]
    with pytest.raises(ValueError):
        BoundaryModel.from_dict(bad)
    # the shipped model says where it came from
    assert {f["file"] for f in m.meta["trained_on"]} >= {"juya-ai-daily.jsonl", "lwkd.jsonl"}


def test_fit_logistic_learns_a_separating_feature():
    X = [[1.0, float(i % 2), 0.3] for i in range(200)]
    y = [i % 2 for i in range(200)]
    w = fit_logistic(X, y)
    assert w[1] > 2.0 and w[0] < 0


def test_gap_features_see_a_new_subject_with_a_release_verb():
    texts = ["智谱开源了MoE模型GLM-4.7-Flash。", "该模型总参数三百亿。", "谷歌推出了Gemini 3。"]
    rows = gap_features(texts, True, [["智谱", "glm-4.7-flash"], [], ["谷歌", "gemini 3"]])
    col = {name: k for k, name in enumerate(FEATURES)}
    assert rows[0][col["cont_cue"]] == 1.0 and rows[0][col["subject_release"]] == 0.0
    assert rows[1][col["subject_release"]] == 1.0 and rows[1][col["b_names_new"]] == 1.0
    m = load_model()
    z = m.logits(rows)
    assert z[1] > z[0]  # the new subject is the likelier boundary


def test_rouge_l_characters():
    assert rouge_l("谷歌开源翻译模型", "谷歌开源翻译模型") == pytest.approx(1.0)
    assert rouge_l("", "x") == 0.0
    assert 0 < rouge_l("谷歌发布模型", "谷歌开源翻译模型") < 1


# --- segmentation on stories ------------------------------------------------------------------


def test_three_chinese_stories_make_three_items():
    text = "".join(STORIES_ZH)
    items = segment_text(text, language="zh")
    assert "".join(i.text for i in items) == text
    assert [i.text for i in items] == STORIES_ZH, [i.text for i in items]


def test_second_sentence_with_generic_subject_stays():
    items = segment_text("".join(STORIES_ZH), language="zh")
    assert any("模型基于Gemma 3打造" in i.text and "TranslateGemma" in i.text for i in items)


def test_empty_heading_starts_an_item_with_a_generated_title():
    text = "## \n谷歌开源了翻译模型TranslateGemma，支持五十五种语言。\n\n## 智谱新模型\n智谱开源了GLM-4.7-Flash。\n"
    items = segment_text(text, language="zh")
    assert len(items) == 2 and [i.kind for i in items] == ["news", "news"]
    assert items[0].text.startswith("## ")
    assert items[0].title and "TranslateGemma" in items[0].title
    assert items[1].title == "智谱新模型"
    assert "".join(i.text for i in items) == text


def test_single_empty_heading_in_the_middle_is_a_section():
    text = "智谱开源了GLM-4.7-Flash，总参数三百亿。\n## \n谷歌开源了翻译模型TranslateGemma。\n"
    items = segment_text(text, language="zh")
    assert [i.text.split("\n")[0][:2] for i in items] == ["智谱", "##"]


# --- bad input ----------------------------------------------------------------------------------


def test_no_punctuation_at_all():
    run = "".join(s.replace("，", "").replace("。", "") for s in STORIES_ZH) * 4
    spans = split_sentences(run, True)
    assert len(spans) > 1 and "".join(run[s:e] for s, e, _ in spans) == run
    items = segment_text(run, language="zh")
    assert "".join(i.text for i in items) == run
    assert 1 < len(items) < 20
    for it in items:
        assert it.title and not it.title.endswith("…") and title_width(it.title) <= ZH_TITLE_MAX
    # Latin words are never cut
    for _s, e, _ in spans:
        assert not (
            run[e - 1 : e].isascii()
            and run[e - 1 : e].isalnum()
            and run[e : e + 1].isascii()
            and run[e : e + 1].isalnum()
        )


def test_a_run_of_sentences_ended_by_commas_is_cut_at_its_clauses():
    # a recogniser that prints commas where sentences end: the whole roundup had been one
    # "sentence", so one item
    run = "".join(STORIES_ZH).replace("。", "，") * 2
    spans = split_sentences(run, True)
    assert len(spans) > 6 and "".join(run[s:e] for s, e, _ in spans) == run
    assert all(run[e - 1] == "，" for _s, e, _ in spans[:-1])  # cut after clause marks only
    items = segment_text(run, language="zh")
    assert "".join(i.text for i in items) == run and len(items) >= 2


def test_a_long_written_sentence_with_clauses_stays_whole():
    one = "谷歌今天发布了新模型，" * 14 + "价格为3,000元。"  # 150+ characters, under twice the maximum
    assert len(split_sentences(one, True)) == 1
    many = "谷歌今天发布了新模型，售价3,000元，" * 14  # a run: cut, but never inside 3,000
    cuts = [e for _s, e, _ in split_sentences(many, True)][:-1]
    assert cuts and all(many[e - 1] == "，" for e in cuts)


def test_no_punctuation_english():
    run = ("openai released a new model today it is cheaper and faster than the last one " * 30).strip()
    items = segment_text(run, language="en")
    assert "".join(i.text for i in items) == run and len(items) >= 1
    assert all(" " not in (i.text[:1] + i.text[-1:]).strip() for i in items)


def test_one_sentence():
    items = segment_text("谷歌开源了翻译模型TranslateGemma。", language="zh")
    assert len(items) == 1 and items[0].kind == "news"
    assert items[0].title == "谷歌开源翻译模型TranslateGemma"


def test_hundred_one_sentence_stories():
    names = ["谷歌", "微软", "英伟达", "智谱", "腾讯", "百度", "华为", "小米", "阿里", "字节跳动"]
    text = "".join(f"{names[k % 10]}发布了第{k}号新模型Model-{k}，性能大幅提升。" for k in range(100))
    t0 = time.perf_counter()
    items = segment_text(text, language="zh")
    assert time.perf_counter() - t0 < 5
    assert "".join(i.text for i in items) == text
    assert 20 <= len(items) <= 100
    assert all(not i.title.endswith("…") for i in items)


def test_item_with_no_entity():
    text = "今天天气很好，大家都出去散步了。公园里的人很多，孩子们在草地上玩耍。"
    items = segment_text(text, language="zh")
    assert len(items) == 1
    d = build_digest(Transcript(EpisodeMeta("x"), "zh", (Segment(0, 0.0, 5.0, text),)))
    assert d.items[0].title and not d.items[0].title.endswith("…")
    assert d.items[0].summary.endswith("。")


def test_english_and_mixed_text():
    en = (
        "OpenAI released GPT-5 with better reasoning on math benchmarks. The company says it is "
        "cheaper than GPT-4o and available to every developer today. "
        "Nvidia announced the Blackwell Ultra chip for data centers with fifty times the inference "
        "throughput. It ships to cloud providers in the second half of the year. "
    )
    items = segment_text(en, language="en")
    assert "".join(i.text for i in items) == en
    assert len(items) == 2 and items[1].text.startswith("Nvidia")
    mixed = (
        "OpenAI发布了GPT-5，推理能力大幅提升。The company says it is cheaper. "
        "英伟达发布了Blackwell Ultra芯片。黄仁勋说数据中心需求仍在增长。"
    )
    items = segment_text(mixed)
    assert "".join(i.text for i in items) == mixed and 1 <= len(items) <= 3


# --- headlines and summaries -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,must",
    [
        (
            "深度求索DeepSeek在今天的发布会上正式发布了新一代推理模型DeepSeek-R2，采用混合专家架构，在数学和代码基准上领先。",
            "DeepSeek-R2",
        ),
        (
            "英伟达在PCC大会上发布了Blackwell Ultra芯片和面向个人开发者的桌面超算DGX Spark，单机柜推理性能提升五十倍。",
            "Blackwell Ultra",  # the verb's first object
        ),
        (
            "上海人工智能实验室发布了4B参数的统一多模态模型InternVL-U，该模型将多模态理解、推理、图像生成与编辑集成于单一框架。",
            "InternVL-U",
        ),
    ],
)
def test_chinese_headline_fits_without_cutting_a_name(text, must):
    h = headline(text, cjk=True)
    assert title_width(h) <= ZH_TITLE_MAX, h
    assert not h.endswith(("…", "...")), h
    assert must in h, h


def test_chinese_headline_keeps_the_verbs_object_not_a_later_name():
    # an unpunctuated ASR run: the object of 发布 is DeepSeek-R2, not the Hugging Face at the end
    text = (
        "首先来看深度求索 DeepSeek发布了新一代推理模型 DeepSeek-R2采用混合专家架构总参数6700亿"
        "在数学和代码基准上大幅领先上一代官方表示模型权重将在 Hugging Face。"
    )
    h = headline(text, cjk=True)
    assert "DeepSeek-R2" in h and "Hugging Face" not in h, h
    assert headline(
        "Anthropic发布Claude Sonnet 4.5在SWE-bench Verified上的得分达到77%官方称它能连续自主编程", cjk=True
    ).endswith("Claude Sonnet 4.5")


def test_english_headline_fits_at_a_word_edge():
    text = (
        "In a brief post on his blog, Matt Rickard lays out four bullet-pointed hypotheses on why "
        "he believes Tailwind has become the new ubiquitous frontend framework for developers."
    )
    h = headline(text, cjk=False)
    assert len(h) <= 80 and not h.endswith(("…", "...", " of", " the", " on"))
    assert h.startswith("Matt Rickard")


def test_summary_is_whole_sentences():
    text = "首先来看智谱。智谱开源了MoE模型GLM-4.7-Flash，总参数三百亿。并且支持长上下文。官方表示模型可以免费商用。"
    s = summarize(text, cjk=True)
    assert s.startswith("智谱开源了") and s.endswith("。")
    long = "谷歌" + "，".join(["发布了一个非常长的模型说明"] * 12) + "。第二句。"
    assert summarize(long, cjk=True).startswith(long.split("。")[0])  # the whole first sentence


# --- speed and the corpus eval ------------------------------------------------------------------


def _hour_transcript() -> Transcript:
    segs, t = [], 0.0
    for k in range(900):  # ~4 s per sentence: one hour
        s = STORIES_ZH[k % 3].split("。")[k % 2] + "。"
        words = tuple(Word(t + 0.2 * j, t + 0.2 * (j + 1), ch) for j, ch in enumerate(s))
        segs.append(Segment(k, t, t + 0.2 * len(s), s, words))
        t += 0.2 * len(s) + (1.0 if k % 6 == 5 else 0.2)
    return Transcript(EpisodeMeta("hour"), "zh", tuple(segs), duration=t)


def test_one_hour_transcript_segments_whole():
    # its speed (target <= 1 s) is measured by benchmarks/bench_segment.py, not timed here
    tr = _hour_transcript()
    assert tr.duration > 3000
    items = segment_transcript(tr)
    assert len(items) > 50
    assert items[0].start == tr.segments[0].start and abs(items[-1].end - tr.segments[-1].end) < 0.01
    assert all(a.end <= b.start for a, b in zip(items, items[1:]))


def test_corpus_eval_on_a_tiny_corpus(tmp_path):
    recs = {
        "a.jsonl": [
            {
                "id": f"a{k}",
                "lang": "zh",
                "items": STORIES_ZH[k % 3 :] + STORIES_ZH[: k % 3],
                "titles": ["谷歌开源翻译模型TranslateGemma", "智谱开源MoE模型GLM-4.7-Flash", "x #1"],
            }
            for k in range(3)
        ],
        "b.jsonl": [{"id": "b0", "lang": "zh", "items": STORIES_ZH[::-1], "titles": []}],
    }
    for name, rows in recs.items():
        (tmp_path / name).write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8"
        )
    records = load_corpus(tmp_path)
    assert len(records) == 4 and prepare(records[0]).labels.count(1) == 2
    scores, heads = evaluate_corpus(tmp_path, loso=True)
    keys = {(s.source, s.fit) for s in scores}
    assert ("a/zh", "loso") in keys and ("pooled/zh", "shipped") in keys
    assert all(0.0 <= s.pk <= 1.0 for s in scores)
    pooled = next(h for h in heads if h.source == "pooled")
    assert pooled.titles >= 2 and pooled.truncated == 0 and pooled.rouge_l > 0.3


def test_corpus_eval_rejects_a_bad_line(tmp_path):
    from audio2digest.errors import InputError

    (tmp_path / "x.jsonl").write_text('{"items": "not a list"}\n', "utf-8")
    with pytest.raises(InputError, match="x.jsonl:1"):
        load_corpus(tmp_path)


def test_eval_segments_corpus_cli(tmp_path):
    from click.testing import CliRunner

    from audio2digest.cli import main

    rows = [
        {"id": f"a{k}", "lang": "zh", "items": STORIES_ZH, "titles": ["谷歌开源翻译模型TranslateGemma"]}
        for k in range(2)
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    res = CliRunner().invoke(main, ["eval", "segments", "--corpus", str(tmp_path), "--no-loso"])
    assert res.exit_code == 0, res.output
    assert "pooled/zh" in res.output and "shipped" in res.output and "ROUGE-L" in res.output
    res = CliRunner().invoke(main, ["eval", "segments", "--corpus", str(tmp_path / "none")])
    assert res.exit_code != 0


def test_timed_fit_only_fits_the_listed_weights():
    import random

    from audio2digest.evaluation.boundary_fit import TIMED_FITTED, fit_timed
    from audio2digest.text.boundary import TIMED_FEATURES

    rng = random.Random(7)
    rows, labels = [], []
    for _ in range(400):
        y = rng.random() < 0.3
        pause = min(1.0, max(0.0, rng.gauss(0.8 if y else 0.2, 0.25)))
        cue = float(rng.random() < (0.6 if y else 0.1))  # informative, but not in TIMED_FITTED
        rows.append([1.0, rng.gauss(1.0 if y else -1.0, 1.0), pause, pause * rng.random(), 0.0, cue, 0.0])
        labels.append(int(y))
    w = dict(zip(TIMED_FEATURES, fit_timed(rows, labels)))
    assert set(TIMED_FITTED) <= set(TIMED_FEATURES)
    assert w["pause"] > 1.0 and w["text_logit"] > 0.5
    assert all(w[f] == 0.0 for f in TIMED_FEATURES if f not in TIMED_FITTED)
    every = dict(zip(TIMED_FEATURES, fit_timed(rows, labels, fitted=TIMED_FEATURES)))
    assert every["new_cue"] > 0.5  # fitted when asked for


# --- learned lexical cues -------------------------------------------------------------------


def test_gap_tokens_read_the_start_of_b_and_the_end_of_a():
    from audio2digest.text.boundary import gap_tokens

    (b, a, sa), (b2, a2, sa2) = gap_tokens(
        ["还在为做PPT头秃吗？", "该模型基于Gemma 3打造。", "谷歌发布了新模型。"], True
    )
    assert b == ["c1:该", "c2:该模", "w:该"] and a == ["p:?", "e1:吗", "e2:秃吗"]
    assert b2[:2] == ["c1:谷", "c2:谷歌"] and a2 == ["", "e1:造", "e2:打造"]
    # a's own start: the start keys of the sentence before the gap (b's of the gap before)
    assert sa[:2] == ["c1:还", "c2:还在"] and sa2 == b
    ((b, a, sa),) = gap_tokens(["Kubernetes 1.31 is out.", "Google released Gemma 4 today."], False)
    assert b == ["w1:google", "w2:<C> released"] and a == ["", "e1:out"]
    assert sa == ["w1:kubernetes", "w2:<C> 1"]
    ((b, _, _),) = gap_tokens(["First.", "It also adds a CLI."], False)
    assert b == ["w1:it", "w2:it also"]


def test_lexical_columns_look_keys_up_and_default_to_zero():
    from audio2digest.text.boundary import LEXICAL_FEATURES, gap_features, lexical_columns

    lex = {"b": {"c1:该": -1.5, "w:该": -0.5, "c2:还在": 0.75}, "a": {"p:?": -1.0, "e1:吗": -0.25}}
    toks = (["c1:该", "c2:该模", "w:该"], ["p:?", "e1:吗", "e2:秃吗"], ["c1:还", "c2:还在", "w:还"])
    cols = lexical_columns(toks, lex)
    # b's start, a's end, then a's start (looked up among the start keys)
    assert cols == [-1.5, 0.0, -0.5, -1.0, -0.25, 0.0, 0.0, 0.75, 0.0]
    assert lexical_columns(toks[:2], lex)[-3:] == [0.0] * 3  # a's start not given
    rows = gap_features(["还在为做PPT头秃吗？", "该模型基于Gemma 3打造。"], True, [[], []], lexicon=lex)
    assert rows[0][-len(LEXICAL_FEATURES) :] == cols
    assert len(LEXICAL_FEATURES) == 9
    assert gap_features(["甲。", "该乙。"], True, [[], []])[0][-9:] == [0.0] * 9  # no lexicon


def test_len_a_rank_is_where_a_ranks_among_the_documents_sentences():
    from audio2digest.text.boundary import gap_features, length_ranks

    assert length_ranks([5, 1, 9]) == [0.0, -0.5, 0.5]
    assert length_ranks([3, 3, 7]) == [-0.25, -0.25, 0.5]  # ties share their mean rank
    assert length_ranks([4]) == [-0.5] and length_ranks([]) == []
    texts = ["甲发布了产品。", "乙发布了新的工具和一个很长的说明文字。", "丙。", "丁发布了模型。"]
    col = FEATURES.index("len_a_rank")
    rows = gap_features(texts, True, [[]] * 4)
    assert [r[col] for r in rows] == [0.0, 0.5, -0.5]  # a = the first three sentences
    # the same sentences, each twice as long: the same ranks (the raw length moves)
    longer = gap_features([t[:-1] * 2 + "。" for t in texts], True, [[]] * 4)
    assert [r[col] for r in longer] == [0.0, 0.5, -0.5]
    assert longer[0][FEATURES.index("len_a")] > rows[0][FEATURES.index("len_a")]


def test_build_lexicon_keeps_what_several_sources_share():
    from audio2digest.evaluation.boundary_fit import CorpusRecord, build_lexicon

    def rec(source: str, gaps: list[tuple[str, int]]) -> CorpusRecord:
        r = CorpusRecord(source, source, "zh", ["x"], [])
        r.tokens = [([k], ["", "e1:。"]) for k, _ in gaps]
        r.labels = [y for _, y in gaps]
        return r

    both = [("c1:谷", 1)] * 40 + [("c1:该", 0)] * 40 + [("c1:模", 0)] * 20 + [("c1:模", 1)] * 20
    recs = [rec("s1", both + [("c1:本", 1)] * 40), rec("s2", both + [("c1:x", 1)] * 2)]
    lex = build_lexicon(recs)
    assert lex["b"]["c1:谷"] > 0.5 and lex["b"]["c1:该"] < -0.5
    assert 0 < lex["b"]["c1:本"] < lex["b"]["c1:谷"]  # one source only: half the weight
    assert "c1:x" not in lex["b"]  # seen twice: too rare to keep
    assert lex["a"] == {}  # "" is no key; "e1:。" ends every sentence: no information, pruned


def test_shipped_lexicon_reads_continuations_and_new_subjects():
    lex = load_model().lexicon
    for key in ("c1:该", "c1:这", "c1:它", "w1:it", "w1:this", "w1:they"):
        assert lex["b"].get(key, 0.0) < 0, key
    assert lex["b"].get("c2:谷歌", 0.0) > 0


def test_corpus_punctuation_variants_keep_the_item_boundaries():
    from audio2digest.evaluation.corpus import punctuation_variant

    zh = "谷歌开源了翻译模型TranslateGemma，支持55种语言。模型基于Gemma 3打造！"
    assert (
        punctuation_variant(zh, True, "commas")
        == "谷歌开源了翻译模型TranslateGemma，支持55种语言，模型基于Gemma 3打造，"
    )
    assert (
        punctuation_variant(zh, True, "spaces")
        == "谷歌开源了翻译模型TranslateGemma 支持55种语言 模型基于Gemma 3打造 "
    )
    assert (
        punctuation_variant(zh, True, "none")
        == "谷歌开源了翻译模型TranslateGemma支持55种语言模型基于Gemma 3打造"
    )
    en = "OpenAI released GPT-5.1, a faster model. It costs $1.25 (per M tokens). "
    assert (
        punctuation_variant(en, False, "commas")
        == "OpenAI released GPT-5.1, a faster model, It costs $1.25 (per M tokens), "
    )
    assert (
        punctuation_variant(en, False, "none")
        == "OpenAI released GPT-5.1 a faster model It costs $1.25 per M tokens "
    )
    with pytest.raises(ValueError):
        punctuation_variant(zh, True, "nope")


def test_clause_cuts_never_split_a_time_a_url_or_a_latin_name():
    en = "At 10:30 the team shipped it, see https://example.com/a for notes, " * 14
    cuts = [e for _s, e, _ in split_sentences(en, False)][:-1]
    assert cuts and all(en[e - 2 : e] == ", " for e in cuts)
    zh = "速度更快 Claude Opus 4 也更新了 价格更低 " * 12
    for _s, e, _ in split_sentences(zh, True)[:-1]:
        assert not (zh[e - 2 : e - 1].isascii() and zh[e - 2 : e - 1].isalnum() and zh[e : e + 1].isascii())
