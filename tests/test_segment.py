"""Segmentation: real Whisper transcripts of the dev episodes, plain text, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from audio2digest.cli import main
from audio2digest.errors import InputError, SegmentError
from audio2digest.evaluation.segments import (
    boundary_prf,
    evaluate_dir,
    labels_from_boundaries,
    load_gold,
    pk,
    score_text,
    score_timing,
    windowdiff,
)
from audio2digest.text.segment import find_entities, segment_text, segment_transcript
from audio2digest.types import Entity, EpisodeMeta, Item, Segment, Transcript, Word

EVAL = Path(__file__).resolve().parents[1] / "samples" / "eval" / "segments"


def make_transcript(sentences, language="zh", gaps=None, words=True) -> Transcript:
    """Segments one per sentence; ``gaps[i]`` seconds of silence before sentence i.

    Words as Whisper gives them: one per CJK character, Latin words with a leading space.
    """
    segs = []
    t = 0.5
    for i, s in enumerate(sentences):
        t += gaps[i] if gaps else 0.0
        cjk = any("\u4e00" <= ch <= "\u9fff" for ch in s)
        toks = list(s) if cjk else [" " + w for w in s.split(" ")]
        dur = max(0.6, 0.2 * len(s) if cjk else 0.07 * len(s))
        ws = ()
        if words:
            step = dur / len(toks)
            ws = tuple(Word(t + k * step, t + (k + 1) * step, tok) for k, tok in enumerate(toks))
        segs.append(Segment(i, t, t + dur, s, ws))
        t += dur
    return Transcript(EpisodeMeta("test"), language, tuple(segs), duration=t + 0.5)


# --- the dev episodes (real Whisper base output, saved once) ------------------------------
# Three transcript sets: plain Whisper (samples/eval/segments/*.transcript.json), what an
# earlier sequential `audio2digest run` produced (pipeline/) and what `run` produces today
# (batched/): hotwords, repair and glossary correction.
SETS = {"plain": EVAL, "pipeline": EVAL / "pipeline", "batched": EVAL / "batched"}


def load_transcript(name: str, which: str = "plain") -> Transcript:
    return Transcript.from_dict(json.loads((SETS[which] / f"{name}.transcript.json").read_text("utf-8")))


@pytest.mark.parametrize("which", ["plain", "pipeline", "batched"])
def test_dev_episode_boundaries_close_to_gold(which):
    pks = []
    for name in ("dev01", "dev02", "dev03"):
        gold = load_gold(EVAL / f"{name}.gold.json")
        items = segment_transcript(load_transcript(name, which))
        score = score_timing(gold, items, name)
        pks.append(score.pk)
        # in-sample (the pause model saw these episodes): measured plain 0.12/0.06/0.05,
        # pipeline 0.19/0.15/0.06; leave-one-episode-out is in docs/segmentation.md
        assert score.pk <= 0.20, score
        # the count may be off where Pk is still fine (plain dev02: 12 items for 9)
        assert abs(len(items) - len(gold["items"])) <= max(1, len(gold["items"]) // 3)
        assert items[0].kind == "intro"
        assert [i.index for i in items] == list(range(len(items)))
        # items are in order, do not overlap, and cover the speech
        for a, b in zip(items, items[1:]):
            assert a.end <= b.start
        assert items[0].start < 2.0 and items[-1].end > gold["items"][-1]["end"] - 2.0
    assert sum(pks) / 3 <= (0.10 if which == "plain" else 0.15), pks


def test_dev01_outro_and_cue_phrases():
    items = segment_transcript(load_transcript("dev01"))
    assert items[-1].kind == "outro" and "以上就是" in items[-1].text
    starts = [i.text[:4] for i in items]
    assert "首先来看" in starts and "接下来是" in starts and "最后是一" in starts


def test_timing_helps_on_pipeline_transcripts():
    # in the pipeline's long segments pauses are folded into words; finding them pays off
    scores = evaluate_dir(EVAL, EVAL / "pipeline", modes=("timing", "timing-no-pauses"))
    mean = {m: sum(s.pk for s in scores if s.mode == m) / 3 for m in ("timing", "timing-no-pauses")}
    assert mean["timing"] <= 0.15  # measured 0.13, without pauses 0.20
    assert mean["timing"] < mean["timing-no-pauses"]


def test_folded_pause_splits_a_long_segment():
    # one recogniser segment, no gaps between words, but "接" lasts 1.6 s: a folded pause
    words = [
        Word(0.5 + 0.25 * k, 0.75 + 0.25 * k, ch)
        for k, ch in enumerate("英伟达发布了新一代芯片性能提升五十倍数据中心需求增长黄仁勋说明年产能还会翻倍")
    ]
    t = words[-1].end
    long_word = Word(t, t + 1.6, "接")
    t += 1.6
    rest = [
        Word(t + 0.25 * k, t + 0.25 * (k + 1), ch)
        for k, ch in enumerate("下来是智谱智谱开源了新模型支持长上下文可以免费商用权重已经上传到开源社区")
    ]
    text = "".join(w.word for w in words + [long_word] + rest)
    tr = Transcript(
        EpisodeMeta("x"), "zh", (Segment(0, 0.5, rest[-1].end, text, tuple(words + [long_word] + rest)),)
    )
    items = segment_transcript(tr)
    assert [i.text[:3] for i in items] == ["英伟达", "接下来"], [i.text for i in items]
    assert items[1].start == pytest.approx(long_word.end - 0.22)  # the speech, not the pause
    from audio2digest.text.segment import SegmentOptions

    assert len(segment_transcript(tr, options=SegmentOptions(absorbed_min=99))) == 1


def test_no_unit_edge_before_a_percent_sign_or_inside_a_decimal():
    from audio2digest.text.segment import SegmentOptions, timed_units

    def words(chars, t0, step=0.25):
        return [Word(t0 + step * k, t0 + step * (k + 1), ch) for k, ch in enumerate(chars)]

    first = words(["Anthropic", "发布", "Claude", "Sonnet", "4."], 0.0)
    second = words(["5", "在", "测试", "上", "得分", "达到", "77"], 2.0)
    sign = Word(second[-1].end + 1.2, second[-1].end + 1.4, "%")  # a 1.2-s pause before "%"
    rest = words(list("官方称它能连续工作三十个小时"), sign.end)
    seg1 = Segment(0, 0.0, first[-1].end, "".join(w.word for w in first), tuple(first))
    words2 = (*second, sign, *rest)
    seg2 = Segment(1, 2.0, rest[-1].end, "".join(w.word for w in words2), words2)
    units, _ = timed_units(Transcript(EpisodeMeta("x"), "zh", (seg1, seg2)), SegmentOptions())
    texts = [u.text for u in units]
    assert any("4.5在" in t for t in texts), texts  # one unit across the recogniser's cut
    assert not any(t.startswith("%") for t in texts), texts
    assert any("77%" in t for t in texts), texts


def test_a_pause_folded_into_a_word_does_not_cut_the_word():
    # the demo's "视频生成赛道依旧火热，OpenAI推出Sora 2": Whisper put the pause on "出" (1.1 s)
    from audio2digest.text.chinese_words import splits_a_word
    from audio2digest.text.segment import SegmentOptions, timed_units

    chars = list("视频生成依旧火热推")
    ws = [Word(0.25 * k, 0.25 * (k + 1), ch) for k, ch in enumerate(chars)]
    t = ws[-1].end
    ws += [Word(t, t + 1.1, "出"), Word(t + 1.1, t + 1.5, " Sora"), Word(t + 1.5, t + 1.7, " 2")]
    text = "".join(w.word for w in ws)
    units, _ = timed_units(
        Transcript(EpisodeMeta("x"), "zh", (Segment(0, 0.0, ws[-1].end, text, tuple(ws)),)), SegmentOptions()
    )
    assert not any(u.text.startswith("出") for u in units), [u.text for u in units]
    assert splits_a_word("火热推", "出 Sora") and not splits_a_word("火热", "OpenAI推出")
    assert not splits_a_word("翻倍", "接下来是")


def test_a_pause_folded_into_a_latin_token_does_not_cut_the_word():
    # dev02: Whisper wrote "Full" as the tokens "F" + "ull", the 3-s pause folded into "ull";
    # the item boundary went between them ("…阶段F。" | "ull性化…")
    from audio2digest.text.segment import SegmentOptions, timed_units

    chars = list("从概念验证阶段进入规模化部署阶段")
    ws = [Word(0.2 * k, 0.2 * (k + 1), ch) for k, ch in enumerate(chars)]
    t = ws[-1].end
    ws += [Word(t, t + 0.5, "F"), Word(t + 0.5, t + 3.5, "ull")]
    t += 3.5
    ws += [Word(t + 0.2 * k, t + 0.2 * (k + 1), ch) for k, ch in enumerate("个性化治疗方案制定")]
    text = "".join(w.word for w in ws)
    units, _ = timed_units(
        Transcript(EpisodeMeta("x"), "zh", (Segment(0, 0.0, ws[-1].end, text, tuple(ws)),)), SegmentOptions()
    )
    texts = [u.text for u in units]
    assert any("Full" in u for u in texts) and not any(u.startswith("ull") for u in texts), texts


@pytest.mark.parametrize("name", ["dev01", "dev02", "dev03"])
def test_text_alone_on_scripts(name):
    script = json.loads((EVAL / f"{name}.items.json").read_text("utf-8"))
    texts = script["items"]
    sep = " " if script.get("lang") == "en" else ""
    joined = sep.join(texts)
    items = segment_text(joined, language=script.get("lang"))
    assert "".join(i.text for i in items) == joined
    gold = [t + (sep if k < len(texts) - 1 else "") for k, t in enumerate(texts)]
    # the classifier is fitted on written roundups, not on these scripts (measured: dev01
    # 0.18, dev02 0.22, dev03 0.00)
    assert score_text(gold, [i.text for i in items], name).pk <= 0.25


# --- plain text -------------------------------------------------------------------------------

ZH_TEXT = (
    "大家好，欢迎收听AI快讯。"
    "首先来看智谱。智谱今天开源了MoE模型GLM-4.7-Flash，总参数三百亿，支持长上下文。官方表示模型可以免费商用。"
    "接下来是英伟达。英伟达发布了新一代芯片Blackwell Ultra，单机柜推理性能提升五十倍。黄仁勋说数据中心需求仍在增长。"
    "另外，谷歌推出了Gemini 3，在多项基准测试上领先。据悉，谷歌还会在下个月开放API给开发者。"
    "以上就是本期的全部内容，我们下期再见。"
)


def test_segment_text_chinese_items_and_concatenation():
    items = segment_text(ZH_TEXT)
    assert "".join(i.text for i in items) == ZH_TEXT
    assert [i.kind for i in items][0] == "intro" and items[-1].kind == "outro"
    assert items[1].text.startswith("首先来看智谱")
    # 据悉 continues the story. In written roundups "另外，X推出…" continues a story more often
    # than it opens one (the fitted weight says so), so the cut may fall one sentence early here.
    gemini = [i for i in items if "Gemini 3" in i.text][0]
    assert "据悉" in gemini.text and gemini.text.index("另外") < 20
    assert all(i.start is None and i.end is None for i in items)


def test_quote_stays_inside_its_item():
    text = (
        "首先来看OpenAI。OpenAI发布了新模型，演示里模型说：“接下来是天气预报。最后，我们看看股票。”这段演示引发了讨论。"
        "接下来是英伟达。英伟达发布了新一代芯片，推理性能提升五十倍，数据中心需求仍在增长。"
    )
    items = segment_text(text)
    assert "".join(i.text for i in items) == text
    quoted = [i for i in items if "天气预报" in i.text][0]
    assert "股票" in quoted.text and "OpenAI发布了新模型" in quoted.text


def test_english_cues():
    text = (
        "Hello and welcome to the show. OpenAI released a new model called GPT-5 with better "
        "reasoning on math benchmarks. The company says it is cheaper. In other news, Nvidia "
        "announced the Blackwell Ultra chip for data centers with fifty times the inference "
        "throughput. Next, Google launched Gemini 3 for developers and enterprises around the "
        "world, with a larger context window and a lower price for its API in every region of the "
        "world. That is all for this week, thanks for listening."
    )
    items = segment_text(text, language="en")
    assert [i.kind for i in items] == ["intro", "news", "news", "news", "outro"]
    assert items[2].text.startswith("In other news")
    assert "The company says" in items[1].text


# --- bad input ---------------------------------------------------------------------------------


def test_empty_inputs():
    assert segment_text("") == []
    assert segment_text("  \n\n ") == []
    empty = Transcript(EpisodeMeta("x"), "zh", ())
    assert segment_transcript(empty) == []
    blank = Transcript(EpisodeMeta("x"), "zh", (Segment(0, 0.0, 1.0, "  "),))
    assert segment_transcript(blank) == []


def test_one_sentence():
    items = segment_text("英伟达发布了新芯片。")
    assert len(items) == 1 and items[0].kind == "news" and items[0].text == "英伟达发布了新芯片。"
    tr = make_transcript(["大家好，欢迎收听本期节目。"])
    items = segment_transcript(tr)
    assert len(items) == 1 and items[0].kind == "news"
    assert items[0].start == pytest.approx(0.5)


def test_no_pauses_still_splits_on_cues():
    sents = [
        "首先来看智谱，智谱开源了MoE模型GLM-4.7-Flash，总参数三百亿，支持长上下文和工具调用",
        "官方表示模型可以免费商用，权重已经上传到开源社区",
        "接下来是英伟达，英伟达发布了新一代芯片Blackwell Ultra，单机柜推理性能提升五十倍",
        "黄仁勋说数据中心的需求仍在快速增长，明年产能还会翻倍",
    ]
    for words in (True, False):
        tr = make_transcript(sents, gaps=[0, 0, 0, 0], words=words)
        items = segment_transcript(tr)
        assert len(items) == 2, [i.text for i in items]
        assert items[1].text.startswith("接下来是英伟达")
        assert items[0].end <= items[1].start


def test_pauses_alone_do_not_split_short_items():
    # long pauses everywhere but every stretch is shorter than the minimum item length
    tr = make_transcript(["智谱开源", "新模型", "性能很强", "可以商用"], gaps=[0, 1.5, 1.5, 1.5])
    assert len(segment_transcript(tr, min_item_seconds=30)) == 1


def test_bad_argument_types():
    with pytest.raises(SegmentError):
        segment_transcript("not a transcript")
    with pytest.raises(SegmentError):
        segment_text(None)


# --- entities (glossary optional, duck-typed) --------------------------------------------------


def test_entities_without_glossary():
    ents = find_entities("智谱开源了MoE模型GLM-4.7-Flash，英伟达和OpenAI也有新闻。")
    terms = [e.term for e in ents]
    assert terms[:2] == ["智谱", "MoE"] and "GLM-4.7-Flash" in terms and "OpenAI" in terms
    assert Entity("英伟达", "org") in ents
    assert find_entities("今天天气很好。") == []


def test_entities_from_glossary_like_objects():
    class G:
        def find(self, text):
            return [{"term": "智谱AI", "category": "org"}] if "智谱" in text else []

    assert find_entities("智谱发布了新模型", G())[0] == Entity("智谱AI", "org")
    assert find_entities("Use claude code today", [{"term": "Claude Code", "category": "product"}])[
        0
    ] == Entity("Claude Code", "product")
    # Latin terms match on word edges only: "AI" is not inside "OpenAI"
    assert Entity("AI", "concept") not in find_entities("OpenAI发布", [{"term": "AI", "category": "concept"}])

    class Broken:
        def find(self, text):
            raise RuntimeError("boom")

    assert [e.term for e in find_entities("英伟达发布", Broken())] == ["英伟达"]


def test_entities_with_project_glossary():
    glossary = pytest.importorskip("audio2digest.text.glossary")
    g = glossary.parse_glossary_text(
        "- term: 智谱\n  category: org\n  aliases: [至普]\n- term: GLM-4.7-Flash\n  category: model\n",
        fmt="yaml",
    )
    ents = find_entities("智谱开源了GLM-4.7-Flash", g)
    assert ents[:2] == [Entity("智谱", "org"), Entity("GLM-4.7-Flash", "model")]


# --- metrics -------------------------------------------------------------------------------------


def test_metrics_basics():
    ref = labels_from_boundaries([5, 10], 15)
    assert pk(ref, ref, 3) == 0 and windowdiff(ref, ref, 3) == 0
    one = [0] * 15
    assert pk(ref, one, 3) > 0.2
    assert windowdiff(ref, labels_from_boundaries([5, 10, 12], 15), 3) > 0
    assert boundary_prf([10.0, 20.0], [10.4, 30.0], 1.5) == (0.5, 0.5, 0.5)
    assert boundary_prf([10.0], [], 1.5)[2] == 0.0


def test_score_timing_perfect_and_shifted():
    gold = {
        "duration": 30,
        "items": [{"start": 0, "end": 9}, {"start": 10, "end": 19}, {"start": 20, "end": 29}],
    }
    same = [Item(k, "news", "", "", "", g["start"], g["end"]) for k, g in enumerate(gold["items"])]
    s = score_timing(gold, same)
    assert s.pk == 0 and s.f1 == 1 and s.k == pytest.approx(4.5)
    merged = [Item(0, "news", "", "", "", 0, 19), Item(1, "news", "", "", "", 20, 29)]
    s2 = score_timing(gold, merged)
    assert s2.pk > 0.1 and s2.recall == 0.5


def test_bad_gold_file(tmp_path):
    p = tmp_path / "x.gold.json"
    p.write_text('{"items": []}')
    with pytest.raises(InputError, match="x.gold.json: gold file has no 'items' list"):
        load_gold(p)
    with pytest.raises(InputError, match="no such gold file"):
        load_gold(tmp_path / "nope.gold.json")


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_segment_text_json():
    res = CliRunner().invoke(main, ["segment", "--json", "-"], input=ZH_TEXT)
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert "".join(i["text"] for i in data["items"]) == ZH_TEXT
    assert {"kind", "title", "text", "summary", "entities", "category", "keywords", "start", "end"} <= set(
        data["items"][1]
    )
    assert data["items"][1]["title"] == "智谱开源MoE模型GLM-4.7-Flash"


def test_cli_segment_transcript_plain():
    res = CliRunner().invoke(main, ["segment", str(EVAL / "dev03.transcript.json")])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith("1. [intro] 0:00–0:07 ")
    assert any(ln.startswith("6. [outro] 0:59") for ln in lines)


def test_cli_segment_takes_an_episode_directory_for_its_transcript_json(tmp_path):
    import shutil

    # it was click's bare "is a directory"
    ep = tmp_path / "ep"
    ep.mkdir()
    res = CliRunner().invoke(main, ["segment", str(ep)])
    assert (
        res.exit_code == 1 and res.output.strip() == f"Error: {ep}: a directory with no transcript.json in it"
    )
    shutil.copy(EVAL / "dev03.transcript.json", ep / "transcript.json")
    res = CliRunner().invoke(main, ["segment", str(ep)])
    assert res.exit_code == 0, res.output
    assert res.output == CliRunner().invoke(main, ["segment", str(ep / "transcript.json")]).output


def test_cli_segment_errors(tmp_path):
    res = CliRunner().invoke(main, ["segment", str(tmp_path / "none.txt")])
    assert res.exit_code != 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "audio2digest/transcript@1", "segments": [')
    res = CliRunner().invoke(main, ["segment", str(bad)])
    assert res.exit_code == 1
    assert res.output.strip().startswith(f"Error: {bad}: invalid JSON at line 1")
    latin1 = tmp_path / "l1.txt"
    latin1.write_bytes("caf\xe9".encode("latin-1"))
    res = CliRunner().invoke(main, ["segment", str(latin1)])
    # the one text reader's message, the same as `correct` gives
    assert (
        res.output.strip()
        == f"Error: {latin1}:1: invalid UTF-8 (byte 0xe9 at column 4); save the file as UTF-8"
    )
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    res = CliRunner().invoke(main, ["segment", str(empty)])
    assert res.exit_code == 1 and res.output.strip() == f"Error: {empty}: empty input (no text to read)"


def test_cli_eval_segments():
    res = CliRunner().invoke(main, ["eval", "segments", str(EVAL), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["mean"]["timing"]["pk"] <= 0.10
    assert {s["mode"] for s in data["scores"]} == {"timing", "timing-no-pauses", "text"}
    res = CliRunner().invoke(main, ["eval", "segments", str(EVAL), "--mode", "timing"])
    assert res.exit_code == 0 and "k" in res.output.splitlines()[0]


def test_inserted_demo_clip_stays_inside_its_item():
    sents = [
        "首先来看OpenAI，OpenAI发布了实时语音模型GPT-Realtime，可以边听边说，下面是一段官方演示",
        "Hey, what is the weather like in Beijing today? It is sunny and warm, around twenty "
        "degrees, with a light wind from the north and clear skies all afternoon.",
        "模型的回答几乎没有延迟，官方表示新模型下周向所有开发者开放，价格比上一代便宜一半",
        "接下来是英伟达，英伟达发布了新一代芯片Blackwell Ultra，单机柜推理性能提升五十倍",
        "黄仁勋说数据中心的需求仍在快速增长，明年产能还会翻倍",
    ]
    tr = make_transcript(sents, gaps=[0, 1.2, 1.2, 1.2, 0.2])
    items = segment_transcript(tr)
    assert len(items) == 2, [i.text for i in items]
    assert "weather" in items[0].text and "模型的回答" in items[0].text
    assert items[1].text.startswith("接下来是英伟达")
    # without the clip rule the pauses around the clip would cut it out as an item of its own
    from audio2digest.text.segment import SegmentOptions

    assert len(segment_transcript(tr, options=SegmentOptions(clip_penalty=0))) > 2


def test_nested_glossary_hits_count_once():
    g = [
        {"term": "Claude", "category": "model"},
        {"term": "Claude Code", "category": "product"},
        {"term": "SWE-bench", "category": "concept"},
        {"term": "SWE-bench Verified", "category": "concept"},
    ]
    terms = [e.term for e in find_entities("Claude Code在SWE-bench Verified上得分很高", g)]
    assert terms == ["Claude Code", "SWE-bench Verified"]
    terms = [e.term for e in find_entities("Claude Code和Claude都更新了", g)]
    assert terms == ["Claude Code", "Claude"]  # first mention first


def test_markdown_sections_are_items():
    text = (
        "# 本周AI要闻\n\n本期整理三条消息。\n\n## 1. 智谱开源新模型\n\n智谱开源了GLM-4.7-Flash。\n\n"
        "- **参数**：三百亿\n- **许可**：MIT\n\n## 2. 英伟达发布新芯片\n\n英伟达发布了Blackwell Ultra。\n\n"
        "另外，黄仁勋表示需求强劲。\n"
    )
    items = segment_text(text)
    assert "".join(i.text for i in items) == text
    assert [i.kind for i in items] == ["intro", "news", "news"]
    assert [i.title for i in items] == ["本周AI要闻", "智谱开源新模型", "英伟达发布新芯片"]
    assert "**许可**" in items[1].text and "另外" in items[2].text  # bullets and cues stay inside


def test_seed_essay_sections():
    from conftest import SHARED

    seed = SHARED / "seeds" / "003_82380a7551734421.txt"
    if not seed.exists():
        pytest.skip(f"test data not found: {seed}")
    text = seed.read_text("utf-8")
    items = segment_text(text)
    assert "".join(i.text for i in items) == text
    assert len(items) == 10 and items[0].kind == "intro"
    assert items[2].title == "模型架构的创新"


def test_entity_lookup_is_fast_with_a_large_glossary():
    import time

    terms = [{"term": f"Model-{k}", "category": "model"} for k in range(2000)] + [
        {"term": f"公司{k}号", "category": "org"} for k in range(2000)
    ]

    class G:  # hashable, so its matcher is built once
        def __init__(self, terms):
            self.terms = terms

    g = G(terms)
    text = "公司7号发布了Model-1999和model-5，" * 3
    t0 = time.perf_counter()
    for _ in range(300):
        ents = find_entities(text, g)
    assert time.perf_counter() - t0 < 2.0
    assert [e.term for e in ents][:3] == ["公司7号", "Model-1999", "Model-5"]


def test_running_text_before_a_later_heading_is_still_split():
    text = (
        "大家好，这里是AI周报。首先，OpenAI发布了GPT-5，在多项基准测试上刷新纪录，并向所有用户开放。"
        "该模型支持更长的上下文。\n\n"
        "接下来，英伟达公布了新一代Blackwell Ultra芯片，推理性能提升50倍。黄仁勋表示今年下半年出货。\n\n"
        "In other news, Anthropic launched Claude Sonnet 4.5, which scored 77% on SWE-bench Verified.\n\n"
        "## \n阿里巴巴开源了Qwen3-TTS语音合成模型，支持十种语言。\n\n"
        "这期新闻就到这里，我们下期再见。\n"
    )
    items = segment_text(text, language="zh")
    assert "".join(i.text for i in items) == text
    assert [i.kind for i in items] == ["intro", "news", "news", "news", "news", "outro"], [
        i.text[:12] for i in items
    ]
    assert items[3].title.startswith("Anthropic launched")  # an English story: an English headline
    assert items[4].text.startswith("## ")  # the empty heading starts its own item
