"""A segment's words follow edits of its text (audio2digest.text.words)."""

from audio2digest.text.words import align_words, rewrite_words
from audio2digest.types import Word

WORDS = (Word(0.0, 0.5, "今年"), Word(0.5, 0.9, "二零"), Word(0.9, 1.4, "二六年"), Word(1.4, 2.0, " Claude"))


def test_an_edit_across_words_merges_them():
    text = "今年二零二六年 Claude"
    out = rewrite_words(WORDS, text, [(2, 6, "2026")])
    assert [w.word for w in out] == ["今年", "2026年", " Claude"]
    assert (out[1].start, out[1].end) == (0.5, 1.4)
    assert "".join(w.word for w in out).replace(" ", "") == "今年2026年Claude"


def test_edits_inside_one_word_and_several_edits():
    text = "今年二零二六年 Claude"
    out = rewrite_words(WORDS, text, [(0, 2, "明年"), (8, 14, "Claude Sonnet")])
    assert [w.word for w in out] == ["明年", "二零", "二六年", " Claude Sonnet"]  # its leading space kept


def test_words_of_another_text_are_left_alone():
    assert align_words("完全不同的文字", WORDS) is None
    assert rewrite_words(WORDS, "完全不同的文字", [(0, 2, "x")]) == WORDS
    assert rewrite_words((), "今年", [(0, 2, "x")]) == ()
