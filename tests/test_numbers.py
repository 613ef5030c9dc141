"""News-style numbers (audio2digest.text.numbers)."""

import pytest

from audio2digest.text.numbers import apply_edits, news_numbers, number_edits


@pytest.mark.parametrize(
    "spoken, written",
    [
        ("二零二六年发布", "2026年发布"),
        ("二〇二五年十二月三十一日", "2025年12月31日"),
        ("三百亿美元", "300亿美元"),
        ("一千五百万用户", "1500万用户"),
        ("一百二十万", "120万"),
        ("三亿五千万", "3.5亿"),
        ("两千亿", "2000亿"),
        ("一万亿token", "1万亿token"),
        ("一千三百万亿", "1300万亿"),
        ("总参数六千七百亿", "总参数6700亿"),
        ("百分之八十八的用户", "88%的用户"),
        ("百分之三点五", "3.5%"),
        ("百分之百", "100%"),
        ("增长了三点五倍", "增长了3.5倍"),
        ("零点五秒", "0.5秒"),
        ("五十倍", "50倍"),
        ("三十个小时", "30个小时"),
        ("十分钟", "10分钟"),
        ("第十二期节目", "第12期节目"),
        ("三月份", "3月份"),
        ("一百多亿", "100多亿"),
        ("两百到三百次", "200到300次"),
        ("二十一世纪", "21世纪"),
        ("GLM四点七", "GLM4.7"),
        ("上午十点发布", "上午10点发布"),
        ("百分之八十八点五", "88.5%"),
    ],
)
def test_amounts_dates_percent_decimals_in_digits(spoken, written):
    assert news_numbers(spoken) == written


@pytest.mark.parametrize(
    "text",
    [
        # words and idioms that contain a numeral
        "我们一起看一下",
        "一些公司",
        "万一失败",
        "一直在涨",
        "一样好",
        "三心二意",
        "星期一开会",
        "统一",
        "唯一",
        "一方面",
        "十分重要",
        "十全十美",
        "一五一十",
        "十大新闻",
        "千千万万",
        "七上八下",
        "一千零一夜",
        "七十二变",
        "五月天",
        # single-digit counts and ordinals, approximate numbers
        "一个模型",
        "两家公司",
        "五个月",
        "第一",
        "第三季度",
        "这一年",
        "一半",
        "十几个",
        "几十万",
        "二三十个",
        "三四个",
        # digit strings that are not a year
        "一一对应",
        # a clock time is not a decimal
        "三点五十分开始",
    ],
)
def test_words_idioms_and_small_counts_stay(text):
    assert news_numbers(text) == text


def test_number_and_unit_never_split():
    assert news_numbers("准确率达到77，%") == "准确率达到77%"
    assert news_numbers("准确率达到77 %") == "准确率达到77%"
    assert news_numbers("融资300，亿") == "融资300亿"
    assert news_numbers("融资300 亿") == "融资300 亿"  # a space before 万/亿 is typesetting
    assert news_numbers("百分之88") == "88%"


def test_latin_and_english_untouched():
    for text in ("GPT-4o and Claude Sonnet 4.5", "Version 2.5, 77% of users", "Ask not, what."):
        assert news_numbers(text) == text
    assert (
        news_numbers("Claude Sonnet 4.5在SWE-bench上达到百分之七十七")
        == "Claude Sonnet 4.5在SWE-bench上达到77%"
    )


def test_edits_are_sorted_spans_that_rebuild_the_text():
    text = "二零二六年，三百亿美元，百分之八十八"
    edits = number_edits(text)
    assert [text[e.start : e.end] for e in edits] == ["二零二六", "三百亿", "百分之八十八"]
    assert apply_edits(text, edits) == "2026年，300亿美元，88%"
    assert all(a.end <= b.start for a, b in zip(edits, edits[1:]))


def test_converted_numeral_joins_its_split_unit():
    # the join runs after the conversion: 七十七 is digits only once converted
    assert news_numbers("增长了七十七，%") == "增长了77%"
    assert news_numbers("增长了七十七 %") == "增长了77%"
    assert news_numbers("融资三百，亿") == "融资300亿"
    assert news_numbers("三，%") == "三，%"  # a single digit stays a character: nothing to join
    text = "增长了七十七，%"
    edits = number_edits(text)
    assert [(text[e.start : e.end], e.new) for e in edits] == [("七十七", "77"), ("，", "")]


@pytest.mark.parametrize(
    "spoken, written",
    [("一百零五个模型", "105个模型"), ("两千零二十六年", "2026年"), ("第一百零五期", "第105期")],
)
def test_zero_holding_a_place_is_one_amount(spoken, written):
    assert news_numbers(spoken) == written
