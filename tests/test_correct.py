"""Glossary correction: real Whisper errors on names, what must stay, generalisation with
canonical-only glossaries, transcripts (text and words), and the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import SHARED

from audio2digest.cli import main
from audio2digest.text.correct import build_index, correct_text, correct_transcript, syllable_similarity
from audio2digest.text.glossary import Term, glossary_from_terms, load_glossary, read_glossary
from audio2digest.types import EpisodeMeta, Segment, Transcript, Word


@pytest.fixture(scope="module")
def bundled():
    return load_glossary()


def fixed(text, glossary, **kw):
    return correct_text(text, glossary, **kw).text


# ------------------------------------------------------------------ the real errors

REAL_ERRORS = [
    ("阿里开源了Qins3TTS模型", "阿里开源了Qwen3-TTS模型"),
    ("Groxy Imagine上线了", "Grok Imagine上线了"),
    ("智谱发布GLM4.7Flash", "智谱发布GLM-4.7-Flash"),
    ("谷歌的Translate Gemma", "谷歌的TranslateGemma"),
    ("Blackforest Labs融资", "Black Forest Labs融资"),
    ("XAI的模型", "xAI的模型"),
    ("开源Moe模型", "开源MoE模型"),
    ("Runway的Gen4.5", "Runway的Gen-4.5"),
    ("知补发布了新模型", "智谱发布了新模型"),
    ("至普开源了模型", "智谱开源了模型"),
    ("支撲宣布融资", "智谱宣布融资"),
    ("这家巨身AI公司", "这家具身AI公司"),
    ("可以在端测运行", "可以在端侧运行"),
    ("阿里的千万3系列", "阿里的千问3系列"),
    ("五個Gemini新版本", "谷歌Gemini新版本"),
    ("五歌发布了新功能", "谷歌发布了新功能"),
    ("图灵奖得主班吉奥", "图灵奖得主本吉奥"),
]


@pytest.mark.parametrize("before, after", REAL_ERRORS)
def test_real_errors_are_fixed(bundled, before, after):
    assert fixed(before, bundled) == after


MUST_STAY = [
    "千万别买这款手机",
    "我知道这件事",
    "很多AI公司都在做",
    "测试结果很好",
    "已经正确的GLM-4.6",
    "他家有五个孩子",
    "这只能体现一部分问题",
    "实时的视频生成成为可能",
    "The company said the comet was visible, and the llama farm opened.",
    "Researchers compute the attention weights.",
    "Operators of the plant said the cursor moved. Claud is a name. Deep mines in Chile are old.",
    "Meta-analysis shows that the gemini twins saw a comet.",
]


@pytest.mark.parametrize("text", MUST_STAY)
def test_must_stay(bundled, text):
    res = correct_text(text, bundled)
    assert res.text == text and res.corrections == ()


def test_digits_never_change():
    g = glossary_from_terms(["GLM-4.7", "Qwen3-TTS", "Sora 2"])
    for text in ("GLM-4.6发布", "Qwen2-TTS很好", "Sora 3来了", "GLM 4.8"):
        assert fixed(text, g) == text
    assert fixed("GLM4.7发布", g) == "GLM-4.7发布"


# ------------------------------------------------------------------ generalisation


CANONICAL_ONLY = glossary_from_terms(
    [
        "智谱",
        "Qwen3-TTS",
        "Grok Imagine",
        "具身智能",
        "具身",
        "端侧",
        "本吉奥",
        "深度求索",
        "黄仁勋",
        "Claude Code",
        "OpenAI",
        "缩放定律",
        "多模态",
        "DeepMind",
        "Llama 4 Maverick",
        "Black Forest Labs",
    ]
)


@pytest.mark.parametrize(
    "before, after",
    [
        ("至普和知补", "智谱和智谱"),
        ("Qins3TTS", "Qwen3-TTS"),
        ("Groxy Imagine", "Grok Imagine"),
        ("巨身智能很火", "具身智能很火"),
        ("首先来看深度球锁", "首先来看深度求索"),
        ("黄仁熏表示", "黄仁勋表示"),
        ("与此同时，Clawed Code也新增了功能", "与此同时，Claude Code也新增了功能"),
        ("Open AI推出", "OpenAI推出"),
        ("搜访定绿面临挑战", "缩放定律面临挑战"),
        ("多模太融合", "多模态融合"),
        ("Google Deep mined announced", "Google DeepMind announced"),
        ("speed for Lama-4 Maverick at", "speed for Llama 4 Maverick at"),
        ("Blackforest Labs", "Black Forest Labs"),
    ],
)
def test_generalises_from_canonical_names(before, after):
    """None of these mangled forms is listed anywhere: matching finds them."""
    assert fixed(before, CANONICAL_ONLY) == after


def test_versioned_name_heard_word_by_word():
    g = glossary_from_terms(["Claude Sonnet 4.5", "Claude Opus 4.5"])
    res = correct_text("Anthropic发布Clawed Summit 4.5", g)
    assert res.text == "Anthropic发布Claude Sonnet 4.5"
    assert res.corrections[0].rule == "latin-sound"
    assert fixed("Clawed Summit 4.6", g) == "Clawed Summit 4.6"  # the version must agree
    assert fixed("Clawed Summit", g) == "Clawed Summit"  # no version, no such evidence


def test_mixed_script_never_crosses():
    latin_only = glossary_from_terms(["Zhipu AI", "Kimi"])
    assert fixed("知补AI发布", latin_only) == "知补AI发布"
    assert fixed("基米发布", latin_only) == "基米发布"
    cjk_only = glossary_from_terms(["智谱", "月之暗面"])
    assert fixed("Zhipu发布", cjk_only) == "Zhipu发布"
    assert fixed("Yue Zhi An Mian", cjk_only) == "Yue Zhi An Mian"


def test_overlaps_best_first_and_correct_terms_untouched():
    g = glossary_from_terms(["Gemma", "TranslateGemma", "Claude", "Claude Sonnet 4.5"])
    assert fixed("Translate Gemma和Gemma", g) == "TranslateGemma和Gemma"
    assert fixed("Claude Sonet 4.5", g) == "Claude Sonnet 4.5"
    assert fixed("Claude和Claude Sonnet 4.5", g) == "Claude和Claude Sonnet 4.5"


def test_short_acronyms_only_exact():
    g = glossary_from_terms(["MoE", "xAI", "GTC"])
    assert fixed("开源MOE模型和Moe", g) == "开源MoE模型和MoE"
    assert fixed("Moa和XIA和GTX", g) == "Moa和XIA和GTX"


def test_case_fixes_and_what_case_leaves_alone():
    g = glossary_from_terms(
        [
            "DeepSeek",
            "DeepSeek-V3.2",
            "MiniMax",
            "MoE",
            "xAI",
            "ChatGPT",
            "Kimi",
            "Sovereign AI",
            "Grok Imagine",
            "gpt-oss-120b",
            "o4-mini",
            "attention",
        ]
    )
    assert fixed("Deepseek V3.2发布", g) == "DeepSeek-V3.2发布"
    assert fixed("开源Moe模型，XAI的", g) == "开源MoE模型，xAI的"
    assert fixed("DEEPSEEK和chatgpt的用户和KIMI", g) == "DeepSeek和ChatGPT的用户和Kimi"
    assert fixed("Deep seek的", g) == "DeepSeek的"
    # a phrase of ordinary words is not a name; a name starting with a capital is
    assert fixed("the rise of sovereign AI", g) == "the rise of sovereign AI"
    assert fixed("Grok imagine现在可以生成视频", g) == "Grok Imagine现在可以生成视频"
    # lower case is part of a versioned name, not of an ordinary word
    assert fixed("OpenAI开源了GPT OSS 120B和O4 mini", g) == "OpenAI开源了gpt-oss-120b和o4-mini"
    assert fixed("Figure O3 folding laundry", glossary_from_terms(["o3"])) == "Figure O3 folding laundry"
    assert fixed("Attention is all you need", g) == "Attention is all you need"


def test_degree_adverb_is_not_a_mangled_syllable():
    g = glossary_from_terms(["大模型"])
    assert fixed("这个机器人跳舞的样子太魔性了", g) == "这个机器人跳舞的样子太魔性了"
    assert fixed("开源达模型", g) == "开源大模型"


def test_function_characters_alone_are_not_a_mangled_term():
    g = glossary_from_terms(["对齐", "智谱"])
    assert fixed("监管部门已经对其展开了调查", g) == "监管部门已经对其展开了调查"
    assert fixed("至普发布了新模型", g) == "智谱发布了新模型"


def test_alias_and_never(tmp_path):
    p = tmp_path / "g.yaml"
    p.write_text(
        "never: [千问书店]\n"
        "terms:\n"
        "  - {term: 千问, category: model, aliases: [钱问]}\n"
        "  - {term: 智谱, category: org, never: [至普通]}\n",
        encoding="utf-8",
    )
    g = read_glossary(p)
    res = correct_text("钱问3发布，至普开源", g)
    assert res.text == "千问3发布，智谱开源"
    assert [c.rule for c in res.corrections] == ["alias", "pinyin"]
    assert fixed("至普通人", g) == "至普通人"  # the term's never list
    assert fixed("千问书店", g) == "千问书店"


def test_audit_trail_offsets_point_into_corrected_text(bundled):
    res = correct_text("XAI的Groxy Imagine和至普", bundled)
    assert res.text == "xAI的Grok Imagine和智谱"
    for c in res.corrections:
        assert res.text[c.start : c.end] == c.after
        assert c.segment == -1 and 0 < c.score <= 1 and c.rule and c.term
    assert [(c.before, c.after, c.term) for c in res.corrections] == [
        ("XAI", "xAI", "xAI"),
        ("Groxy Imagine", "Grok Imagine", "Grok Imagine"),
        ("至普", "智谱", "智谱"),
    ]


def test_index_is_built_once_per_glossary(bundled):
    assert build_index(bundled) is build_index(bundled)


def test_pinyin_similarity_confusables():
    assert syllable_similarity("zhi", "zhi") == 1.0
    assert 0.8 < syllable_similarity("bu", "pu") < 1.0  # b/p
    assert 0.8 < syllable_similarity("lin", "ling") < 1.0  # in/ing
    assert 0.8 < syllable_similarity("zi", "zhi") < 1.0  # z/zh
    assert syllable_similarity("dao", "pu") == 0.0


def test_empty_and_no_glossary():
    assert correct_text("", load_glossary()).text == ""
    assert correct_text("至普", glossary_from_terms([])).text == "至普"


# ------------------------------------------------------------------ transcripts


def _transcript():
    segs = (
        Segment(
            0,
            0.0,
            2.0,
            "首先来看至普的新模型",
            tuple(Word(0.1 * i, 0.1 * i + 0.1, ch) for i, ch in enumerate("首先来看至普的新模型")),
        ),
        Segment(
            1,
            2.0,
            4.0,
            " Clawed Code也新增了功能",
            (
                Word(2.0, 2.3, " Clawed"),
                Word(2.3, 2.6, " Code"),
                Word(2.6, 2.7, "也"),
                Word(2.7, 2.8, "新增"),
                Word(2.8, 2.9, "了"),
                Word(2.9, 3.0, "功能"),
            ),
        ),
        Segment(2, 4.0, 5.0, "没有要改的", (Word(4.0, 5.0, "没有要改的"),)),
    )
    return Transcript(EpisodeMeta(source="x.mp3"), "zh", segs)


def test_correct_transcript_text_words_and_audit():
    t = _transcript()
    out = correct_transcript(t, glossary_from_terms(["智谱", "Claude Code"]))
    s0, s1, s2 = out.segments
    assert s0.text == "首先来看智谱的新模型"
    assert s1.text == " Claude Code也新增了功能"
    assert s2 is t.segments[2]
    # merged words: first start, last end; other words untouched
    w = [x.word for x in s0.words]
    assert w == ["首", "先", "来", "看", "智谱", "的", "新", "模", "型"]
    merged = s0.words[4]
    assert (merged.start, merged.end) == (t.segments[0].words[4].start, t.segments[0].words[5].end)
    assert [x.word for x in s1.words] == [" Claude Code", "也", "新增", "了", "功能"]
    assert (s1.words[0].start, s1.words[0].end) == (2.0, 2.6)
    # corrections carry their segment and offsets into that segment's corrected text
    assert [(c.segment, c.before, c.after) for c in out.corrections] == [
        (0, "至普", "智谱"),
        (1, "Clawed Code", "Claude Code"),
    ]
    for c in out.corrections:
        assert out.segments[c.segment].text[c.start : c.end] == c.after
    assert "".join(x.word for x in s0.words) == s0.text
    # JSON round trip keeps the audit trail
    again = Transcript.from_dict(json.loads(json.dumps(out.to_dict(), ensure_ascii=False)))
    assert again.corrections == out.corrections


def test_correct_transcript_word_inside_larger_word():
    t = Transcript(
        EpisodeMeta(source="x"),
        "zh",
        (Segment(0, 0, 1, "XAI的模型", (Word(0, 0.5, "XAI的"), Word(0.5, 1, "模型"))),),
    )
    out = correct_transcript(t, glossary_from_terms(["xAI"]))
    assert [w.word for w in out.segments[0].words] == ["xAI的", "模型"]


def test_correct_transcript_words_in_other_script_align_by_position():
    """Text normalised to Simplified while the words kept Traditional: pairing by position."""
    t = Transcript(
        EpisodeMeta(source="x"),
        "zh",
        (
            Segment(
                0,
                0,
                1,
                "五个Gemini发布",
                (Word(0, 0.2, "五"), Word(0.2, 0.4, "個"), Word(0.4, 0.8, "Gemini"), Word(0.8, 1, "發布")),
            ),
        ),
    )
    g = glossary_from_terms([Term("谷歌", "org", variants=("Google",), context=("Gemini",))])
    out = correct_transcript(t, g)
    assert out.segments[0].text == "谷歌Gemini发布"
    assert [w.word for w in out.segments[0].words] == ["谷歌", "Gemini", "發布"]
    assert (out.segments[0].words[0].start, out.segments[0].words[0].end) == (0, 0.4)


def test_context_from_neighbouring_segments():
    segs = (
        Segment(0, 0, 1, "谷歌今天发布了Gemini的新版本"),
        Segment(1, 1, 2, "五个月前的版本"),
        Segment(2, 2, 3, "五个Gemini模型"),
    )
    t = Transcript(EpisodeMeta(source="x"), "zh", segs)
    g = glossary_from_terms([Term("谷歌", "org", context=("Gemini",))])
    out = correct_transcript(t, g)
    # 五个 is a common word: it changes only where the evidence is close
    assert [s.text for s in out.segments][1] == "五个月前的版本"


def test_packaged_glossary_is_the_same_file():
    import audio2digest
    from audio2digest.text.glossary import default_glossary_path

    packaged = __import__("pathlib").Path(audio2digest.__file__).parent / "data" / "ai-news.yaml"
    assert packaged.read_bytes() == default_glossary_path().read_bytes()


# ------------------------------------------------------------------ CLI


def test_cli_correct_stdin_text_and_json():
    r = CliRunner().invoke(main, ["correct"], input="Qins3TTS和至普，千万别买\n")
    assert r.exit_code == 0, r.output
    assert r.output == "Qwen3-TTS和智谱，千万别买\n"
    r = CliRunner().invoke(main, ["correct", "--json", "-"], input="至普")
    data = json.loads(r.output)
    assert data["text"] == "智谱"
    assert data["corrections"][0] == {
        "start": 0,
        "end": 2,
        "before": "至普",
        "after": "智谱",
        "term": "智谱",
        "score": 1.0,
        "rule": "pinyin",
        "segment": -1,
    }


def test_cli_correct_own_glossary_only(tmp_path):
    g = tmp_path / "mine.txt"
    g.write_text("阿尔法狗\n", encoding="utf-8")
    f = tmp_path / "in.txt"
    f.write_text("阿尔法够和至普", encoding="utf-8")
    r = CliRunner().invoke(main, ["correct", "--no-default-glossary", "--glossary", str(g), str(f)])
    assert r.exit_code == 0, r.output
    assert r.output == "阿尔法狗和至普\n"


def test_cli_correct_bad_glossary_one_line_error(tmp_path):
    g = tmp_path / "bad.yaml"
    g.write_text("- 智谱\n- 智谱\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["correct", "-g", str(g)], input="x")
    assert r.exit_code == 1
    assert f"{g}:2: duplicate term" in r.output and r.output.count("\n") == 1


def test_cli_correct_refuses_lossy_mojibake():
    seed = SHARED / "seeds" / "004_bd8953710c1adacd.txt"
    if not seed.exists():
        pytest.skip("seed not available")
    r = CliRunner().invoke(main, ["correct", str(seed)])
    assert r.exit_code == 1
    assert str(seed) in r.output and "mojibake" in r.output


def test_cli_correct_repairs_lossless_mojibake(tmp_path):
    f = tmp_path / "m.txt"
    f.write_text("英伟达和谷歌的端侧模型".encode().decode("cp1252"), encoding="utf-8")
    r = CliRunner().invoke(main, ["correct", str(f)])
    assert r.exit_code == 0 and r.stdout == "英伟达和谷歌的端侧模型\n"
    assert f"{f}: repaired mojibake" in r.stderr


def test_cli_correct_transcript_json(tmp_path):
    f = tmp_path / "transcript.json"
    f.write_text(json.dumps(_transcript().to_dict(), ensure_ascii=False), encoding="utf-8")
    r = CliRunner().invoke(main, ["correct", "--json", str(f)])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["segments"][0]["text"] == "首先来看智谱的新模型"
    assert data["corrections"][0]["segment"] == 0


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["segments"][0].update(start="zero"), "malformed audio2digest/transcript@"),
        (lambda d: d.update(segments="none"), "malformed audio2digest/transcript@"),
        (lambda d: d.update(schema="audio2digest/digest@1", items=[]), "a digest.json"),
    ],
)
def test_cli_correct_bad_transcript_json_one_line_error(tmp_path, change, message):
    data = _transcript().to_dict()
    change(data)
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    r = CliRunner().invoke(main, ["correct", str(f)])
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert str(f) in r.stderr and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_cli_eval_corrections_reports_numbers():
    r = CliRunner().invoke(main, ["eval", "corrections", "--split", "dev", "--json"])
    assert r.exit_code == 0, r.output
    (rep,) = json.loads(r.output)
    assert rep["split"] == "dev" and rep["pairs"] >= 40 and rep["clean_chars"] > 1000
    assert rep["tp"] + rep["fn"] == rep["expected"]
    assert 0 <= rep["precision"] <= 1 and 0 <= rep["recall"] <= 1


def test_names_heard_wrong_with_and_without_a_version():
    g = glossary_from_terms(["Scaling Law", "Claude Sonnet 4.5"])
    assert fixed("Skeling Law的挑战与突破", g) == "Scaling Law的挑战与突破"
    assert fixed("skeling law的挑战", g) == "skeling law的挑战"  # not written as a name
    assert fixed("Clawed Summit 4.5发布", g) == "Claude Sonnet 4.5发布"
    assert fixed("Skolung Lew的挑战", g) == "Skolung Lew的挑战"  # spelled too far


# --------------------------------------------------------------------------- options


def test_options_are_passed_in_and_change_the_result(bundled):
    from dataclasses import replace

    from audio2digest.text.correct import DEFAULT_OPTIONS, CorrectOptions

    text = "xAI推出了Groxy Imagine视频生成功能"
    assert CorrectOptions() == DEFAULT_OPTIONS
    default = correct_text(text, bundled)
    assert [c.rule for c in default.corrections] == ["latin-fuzzy"]
    assert correct_text(text, bundled, options=CorrectOptions()) == default
    # a fuzzy threshold above every hit's score: the fuzzy fix is gone, nothing else changes
    strict = replace(DEFAULT_OPTIONS, latin_min=0.99, latin_min_with_digits=0.99)
    assert correct_text(text, bundled, options=strict).text == text
    # the index is built per options: a strict index does not leak into the default one
    assert build_index(bundled, strict) is not build_index(bundled)
    assert correct_text(text, bundled).text == default.text


def test_pinyin_threshold_is_an_option(bundled):
    from dataclasses import replace

    from audio2digest.text.correct import DEFAULT_OPTIONS

    text = "智普发布了新模型"
    assert "智谱" in correct_text(text, bundled).text
    high = replace(DEFAULT_OPTIONS, pinyin_min_2=1.01, pinyin_min_common=1.01)
    assert correct_text(text, bundled, options=high).text == text


def test_eval_corrections_takes_options(bundled):
    from dataclasses import replace

    from audio2digest.evaluation.corrections import evaluate
    from audio2digest.text.correct import DEFAULT_OPTIONS

    base = evaluate(bundled, split="dev")
    off = evaluate(
        bundled, split="dev", options=replace(DEFAULT_OPTIONS, latin_min=1.0, latin_min_with_digits=1.0)
    )
    assert off.tp < base.tp


def test_options_out_of_range_say_which():
    from audio2digest.text.correct import CorrectOptions

    with pytest.raises(ValueError, match="latin_min"):
        CorrectOptions(latin_min=1.5)


def test_eval_corrections_cli_sweeps_an_option():
    runner = CliRunner()
    base = runner.invoke(main, ["eval", "corrections", "--split", "dev", "--json"])
    strict = runner.invoke(
        main,
        [
            "eval",
            "corrections",
            "--split",
            "dev",
            "--json",
            "--option",
            "latin_min=1.0",
            "--option",
            "latin_min_with_digits=1.0",
        ],
    )
    assert base.exit_code == 0 and strict.exit_code == 0, strict.output
    assert json.loads(strict.output)[0]["tp"] < json.loads(base.output)[0]["tp"]
    bad = runner.invoke(main, ["eval", "corrections", "--split", "dev", "--option", "latin_mn=0.9"])
    assert bad.exit_code != 0 and "latin_min" in bad.output  # the valid names are listed
    bad = runner.invoke(main, ["eval", "corrections", "--split", "dev", "--option", "latin_min=7"])
    assert bad.exit_code != 0 and "within 0–1" in bad.output
