from dataclasses import replace

from audio2digest.text.normalize import (
    DEFAULT_NORMALIZE,
    convert_script,
    normalize_segments,
    pause_marks,
    punctuate_chinese,
)
from audio2digest.types import Segment, Word


def test_traditional_to_simplified():
    assert convert_script("廣州市房地產中介協會分析", "simplified") == "广州市房地产中介协会分析"
    assert convert_script("广州", "traditional") == "廣州"
    assert convert_script("廣州", "keep") == "廣州"


def test_fullwidth_punctuation_only_near_chinese():
    assert punctuate_chinese("你好, 世界! 对吗?") == "你好，世界！对吗？"
    assert punctuate_chinese("GLM-4.7, Qwen3") == "GLM-4.7, Qwen3"
    assert punctuate_chinese("版本 4.5 发布") == "版本 4.5 发布"


def test_segments_and_words_stay_consistent():
    seg = Segment(0, 0.0, 1.0, "廣州市 分析", (Word(0, 0.5, "廣州市"), Word(0.5, 1, " 分析")))
    [out] = normalize_segments([seg], "zh", "simplified")
    assert out.text == "广州市分析。"
    assert (
        "".join(w.word for w in out.words).strip() == "广州市 分析。".replace(" ", "")
        or "".join(w.word for w in out.words).replace(" ", "") == "广州市分析。"
    )


def test_english_untouched():
    seg = Segment(0, 0.0, 1.0, " Ask not, what. ")
    [out] = normalize_segments([seg], "en")
    assert out.text == "Ask not, what."


# --------------------------------------------------------------------------- numbers, pauses


def _seg(pieces, text=None):
    """A segment from (word, start, end) pieces; its text is the words joined."""
    words = tuple(Word(start=a, end=b, word=w, probability=0.9) for w, a, b in pieces)
    return Segment(
        0, pieces[0][1], pieces[-1][2], text if text is not None else "".join(w for w, _, _ in pieces), words
    )


def _spelled(seg):
    return "".join(w.word for w in seg.words).replace(" ", "") == seg.text.replace(" ", "")


def test_numbers_rewrite_text_and_words_together():
    seg = _seg(
        [
            ("今年", 0.0, 0.4),
            ("二零", 0.4, 0.8),
            ("二六年", 0.8, 1.3),
            ("融资", 1.3, 1.7),
            ("三百", 1.7, 2.1),
            ("亿", 2.1, 2.3),
            ("增长", 2.3, 2.7),
            ("百分之", 2.7, 3.2),
            ("八十八", 3.2, 3.8),
        ]
    )
    [out] = normalize_segments([seg], "zh")
    assert out.text == "今年2026年融资300亿增长88%。"
    assert _spelled(out)
    merged = next(w for w in out.words if w.word.startswith("2026"))
    assert (merged.start, merged.end) == (0.4, 1.3)  # the words a number spans become one word
    assert [w.word for w in out.words][:1] == ["今年"]


def test_pauses_punctuate_a_long_unpunctuated_run():
    seg = _seg(
        [
            ("各位听众朋友", 0.0, 1.2),
            ("大家好", 1.2, 1.8),
            ("欢迎收听", 2.3, 3.0),
            ("本周的", 3.0, 3.5),
            ("人工智能", 3.5, 4.2),
            ("新闻", 4.2, 4.6),
            ("首先来看", 5.1, 5.8),
            ("深度求索", 5.8, 6.5),
        ]
    )
    [out] = normalize_segments([seg], "zh")
    assert out.text == "各位听众朋友大家好，欢迎收听本周的人工智能新闻，首先来看深度求索。"
    assert _spelled(out)
    assert out.words[1].word == "大家好，"


def test_short_or_punctuated_runs_and_small_pauses_left_alone():
    short = _seg([("大家好", 0.0, 0.6), ("欢迎收听", 1.5, 2.2)])
    assert normalize_segments([short], "zh")[0].text == "大家好欢迎收听。"
    already = _seg(
        [("各位听众朋友大家好，", 0.0, 1.8), ("欢迎收听本周的人工智能", 2.3, 3.5), ("新闻", 3.5, 4.0)]
    )
    assert normalize_segments([already], "zh")[0].text == "各位听众朋友大家好，欢迎收听本周的人工智能新闻。"
    tight = _seg(
        [
            ("各位听众朋友", 0.0, 1.2),
            ("大家好", 1.2, 1.8),
            ("欢迎收听本周的", 1.85, 3.0),
            ("人工智能新闻", 3.0, 4.6),
        ]
    )
    assert normalize_segments([tight], "zh")[0].text == "各位听众朋友大家好欢迎收听本周的人工智能新闻。"
    off = replace(DEFAULT_NORMALIZE, pause_punctuation=False)
    seg = _seg([("各位听众朋友", 0.0, 1.2), ("大家好", 1.2, 1.8), ("欢迎收听本周的人工智能新闻", 2.6, 4.6)])
    assert "，" not in normalize_segments([seg], "zh", options=off)[0].text


def test_a_pause_never_splits_a_number_from_its_unit():
    seg = _seg(
        [
            ("模型在基准测试上的准确率达到", 0.0, 2.0),
            ("77", 2.0, 2.4),
            ("%", 3.0, 3.2),
            ("官方称它能连续自主编程", 3.2, 4.5),
        ]
    )
    marks = pause_marks(seg.text, seg.words)
    assert all(seg.text[pos - 1] not in "0123456789" for _, pos, _ in marks)
    [out] = normalize_segments([seg], "zh")
    assert "77%" in out.text and "77，" not in out.text


def test_pause_inside_latin_name_gets_no_mark():
    seg = _seg(
        [
            ("接下来是月之暗面团队推出的", 0.0, 2.0),
            (" Kimi", 2.0, 2.4),
            (" K2", 3.0, 3.3),
            (" Thinking", 3.3, 3.9),
            ("主打长程智能体任务", 3.9, 5.0),
        ]
    )
    [out] = normalize_segments([seg], "zh")
    assert "Kimi K2 Thinking" in out.text
    assert _spelled(out)


def test_english_transcripts_untouched_by_numbers_and_pauses():
    seg = _seg(
        [
            (" Twenty", 0.0, 0.4),
            (" three", 0.4, 0.8),
            (" percent", 1.8, 2.2),
            (" of", 2.2, 2.4),
            (" users", 3.5, 3.9),
            (" left", 3.9, 4.2),
            (" after", 5.0, 5.4),
            (" version", 5.4, 5.9),
            (" two", 5.9, 6.1),
            (" point", 6.1, 6.4),
            (" five", 6.4, 6.8),
        ]
    )
    [out] = normalize_segments([seg], "en")
    assert out.text == seg.text.strip()
    assert out.words == seg.words


def test_words_that_do_not_spell_the_text_block_number_edits():
    seg = Segment(0, 0.0, 2.0, "融资三百亿美元", (Word(0.0, 1.0, "完全"), Word(1.0, 2.0, "不同的词")))
    [out] = normalize_segments([seg], "zh")
    assert out.text == "融资三百亿美元。"  # the text is not changed where its words could not follow
    assert [w.word for w in out.words][0] == "完全"
    [free] = normalize_segments([Segment(0, 0.0, 2.0, "融资三百亿美元")], "zh")
    assert free.text == "融资300亿美元。"  # without words, the text alone is rewritten


def test_converted_numeral_and_split_percent_keep_word_times():
    seg = _seg([("准确率增长了", 0.0, 1.0), ("七十七", 1.0, 1.6), ("，", 1.6, 1.6), ("%", 1.9, 2.1)])
    [out] = normalize_segments([seg], "zh", options=replace(DEFAULT_NORMALIZE, pause_punctuation=False))
    assert out.text == "准确率增长了77%。"
    assert _spelled(out)
    assert out.words[0] == seg.words[0]
    assert out.words[-1].end == 2.1 and all(a.end <= b.start for a, b in zip(out.words, out.words[1:]))
