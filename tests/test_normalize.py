from audio2digest.text.normalize import convert_script, normalize_segments, punctuate_chinese
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
    seg = Segment(0, 0.0, 1.0, "廣州市 分析", (Word(0, .5, "廣州市"), Word(.5, 1, " 分析")))
    [out] = normalize_segments([seg], "zh", "simplified")
    assert out.text == "广州市分析。"
    assert "".join(w.word for w in out.words).strip() == "广州市 分析。".replace(" ", "") or \
        "".join(w.word for w in out.words).replace(" ", "") == "广州市分析。"


def test_english_untouched():
    seg = Segment(0, 0.0, 1.0, " Ask not, what. ")
    [out] = normalize_segments([seg], "en")
    assert out.text == "Ask not, what."
