"""ASR metrics: CER after opencc and punctuation stripping, WER, entity mentions; sample loading."""

from __future__ import annotations

import json

import pytest

from audio2digest.evaluation.asr import (
    Result,
    cer,
    cer_digits,
    count_mentions,
    entity_recall,
    format_comparison,
    format_table,
    load_samples,
    term_forms,
    wer,
)


def test_cer_ignores_script_punctuation_and_spaces():
    assert cer("广州市房地产中介协会分析。", "廣州市 房地產中介協會分析") == 0.0
    # two wrong characters of twelve
    assert cer("广州市房地产中介协会分析", "廣州市佛地產中間協會分析") == pytest.approx(2 / 12)


def test_wer_on_words_without_punctuation():
    assert wer("Ask not what your country can do for you.", "ask not what your country can do for you") == 0.0
    assert wer("one two three four", "one too three") == pytest.approx(2 / 4)


def test_mentions_longest_first_and_word_boundaries():
    forms = term_forms(["DeepSeek", "DeepSeek-R2", "Meta", "Sora 2"])
    counts = count_mentions("DeepSeek发布了DeepSeek R2；metaverse 不算，Meta的模型；Sora2", forms)
    assert counts == {"DeepSeek": 1, "DeepSeek-R2": 1, "Meta": 1, "Sora 2": 1}


def test_entity_recall_counts_each_mention_once():
    forms = term_forms(["Kimi", "月之暗面"])
    total, hits, missed = entity_recall("月之暗面的Kimi团队推出Kimi K2", "月之暗面团队推出Kimi K2", forms)
    assert (total, hits, missed) == (3, 2, ["Kimi"])


def test_load_samples_reads_items_and_clips(tmp_path):
    dev = tmp_path / "dev"
    clips = tmp_path / "clips"
    dev.mkdir()
    clips.mkdir()
    (dev / "ep1.items.json").write_text(json.dumps({"title": "T", "items": ["大家好。", "再见。"]}), "utf-8")
    (dev / "ep1.mp3").write_bytes(b"x")
    (dev / "ep2.items.json").write_text(json.dumps({"title": "no audio", "items": ["a"]}), "utf-8")
    (clips / "en_a.txt").write_text("Hello there.\n", "utf-8")
    (clips / "en_a.wav").write_bytes(b"x")
    samples = load_samples(dev, clips)
    assert [(s.name, s.language, s.kind) for s in samples] == [("ep1", "zh", "dev"), ("en_a", "en", "clip")]
    assert samples[0].reference == "大家好。 再见。" and samples[1].reference == "Hello there."
    assert [s.name for s in load_samples(dev, clips, only=["en_"])] == ["en_a"]


def test_table_has_a_row_per_sample_and_a_total():
    rs = [
        Result("a", "zh", 10.0, 0.1, "CER", 4, 3, 2, seconds=2.0),
        Result("b", "en", 10.0, 0.2, "WER", seconds=3.0),
    ]
    table = format_table(rs).splitlines()
    assert len(table) == 5
    assert "CER 10.0 %" in table[2] and "2/4 → 3/4 (75 %)" in table[2]
    assert table[-1].startswith("| **all**") and "50 % → 75 %" in table[-1] and "0.25" in table[-1]


def test_cer_with_numbers_as_digits_scores_recognition_not_number_style():
    ref = "欢迎收听第十二期，总参数六千七百亿，得分百分之七十七。"
    hyp = "欢迎收听第12期总参数6700亿得分77%"
    assert cer(ref, hyp) > 0.3  # the CER counts every spelled-out digit as wrong
    assert cer_digits(ref, hyp) == 0.0
    assert cer_digits(ref, hyp.replace("收听", "收到")) > 0.0  # a real error still counts
    # words with 一 in them are not numbers: 一起 is not 1起
    assert cer_digits("我们一起来看", "我们1起来看") > 0.0


def test_tables_show_the_digits_cer_for_chinese_only():
    zh = Result(
        "a",
        "zh",
        10.0,
        0.3,
        "CER",
        digits_error=0.1,
        corrected_error=0.05,
        plain_error=0.35,
        plain_digits_error=0.15,
    )
    en = Result("b", "en", 10.0, 0.2, "WER", plain_error=0.2)
    table = format_table([zh, en]).splitlines()
    assert "| 10.0 % | 5.0 % |" in table[2] and "| – | – |" in table[3]
    comp = format_comparison([zh, en]).splitlines()
    assert "15.0 %, 10.0 %" in comp[2] and "| – |" in comp[3]


def _wav(path, seconds: float) -> None:
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * int(seconds * 16000))


def test_real_clips_of_a_language_are_also_joined_into_one_batched_sample(tmp_path):
    """Short clips decode sequentially; joined (and repeated to 75 s) they go batched."""
    from audio2digest.evaluation.asr import JOINED_MIN_SECONDS, sample_audio

    for name, secs, text in (("zh_a", 10.0, "甲乙"), ("zh_b", 15.0, "丙丁"), ("en_c", 5.0, "one")):
        _wav(tmp_path / f"{name}.wav", secs)
        (tmp_path / f"{name}.txt").write_text(text, "utf-8")
    samples = load_samples(None, tmp_path)
    joined = [s for s in samples if s.kind == "joined"]
    assert [s.name for s in joined] == ["zh_real_clips_joined"]  # one English clip: nothing to join
    [j] = joined
    assert len(j.parts) == 6 and j.reference == "甲乙 丙丁 甲乙 丙丁 甲乙 丙丁"
    seconds = sample_audio(j).size / 16000
    assert seconds >= JOINED_MIN_SECONDS and seconds == pytest.approx(3 * (10 + 1 + 15 + 1))
    assert [s.name for s in load_samples(None, tmp_path, only=["joined"])] == ["zh_real_clips_joined"]
