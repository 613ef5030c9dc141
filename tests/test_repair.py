"""Loop detection, collapse and coverage-gap finding (fast, no model) plus one slow real-model test."""

from __future__ import annotations


import pytest

from audio2digest.repair import (
    collapse_repeats,
    compression_ratio,
    count_loops,
    find_coverage_gaps,
    find_tandem_repeats,
    loop_flags,
    repair_segments,
    segment_flags,
    units,
)
from audio2digest.types import Segment, Word
from conftest import DEV_EPISODES

LOOP_PHRASE = "视频模型 Gen 4.5 推出MS2 "


def seg(i, start, end, text, words=(), logprob=-0.3):
    return Segment(id=i, start=start, end=end, text=text, words=tuple(words), avg_logprob=logprob)


def words_for(text_parts, start, step):
    """One Word per part, ``step`` seconds each, from ``start``."""
    out = []
    t = start
    for p in text_parts:
        out.append(Word(start=round(t, 3), end=round(t + step, 3), word=p))
        t += step
    return out


NORMAL = [
    seg(0, 0.5, 6.0, "各位听众朋友大家好，欢迎收听AI周末快讯第十二期。"),
    seg(1, 6.5, 14.0, "首先来看深度求索，DeepSeek发布了新一代推理模型DeepSeek-R2。"),
    seg(2, 14.5, 22.0, "硬件方面，英伟达在GTC大会上发布了Blackwell Ultra芯片。"),
]


def test_units_split_cjk_characters_and_latin_words():
    assert units("推出MS2和Gen 4.5") == ["推", "出", "ms2", "和", "gen", "4.5"]


def test_normal_text_is_not_flagged():
    assert loop_flags(NORMAL) == {}
    assert count_loops(NORMAL) == 0


def test_real_loop_phrase_nine_times_is_flagged():
    looped = seg(1, 6.5, 36.0, LOOP_PHRASE * 9)
    flags = segment_flags(looped)
    assert "tandem" in flags and "compression" in flags and "ngram" in flags
    segs = [NORMAL[0], looped, seg(2, 36.5, 44.0, NORMAL[2].text)]
    assert set(loop_flags(segs)) == {1}
    assert count_loops(segs) == 1


def test_second_loop_example_five_times_is_flagged():
    s = seg(0, 0.0, 12.0, "美国扶罗里达登" * 5)
    assert "tandem" in segment_flags(s)


def test_phrase_recurring_across_segments_is_flagged():
    segs = [NORMAL[0]] + [seg(i, 6.0 + i * 2, 8.0 + i * 2, "视频模型推出MS2。") for i in range(1, 5)]
    flagged = loop_flags(segs)
    assert set(flagged) == {1, 2, 3, 4}
    assert all("repeat-across" in flagged[i] for i in flagged)
    assert count_loops(segs) == 1


def test_two_legit_repeats_are_not_a_loop():
    # a name said twice, and doubled characters, are ordinary speech
    s = seg(0, 0.0, 8.0, "DeepSeek发布了DeepSeek-R2，谢谢谢谢大家，哈哈。")
    assert segment_flags(s) == []


def test_crowded_words_are_flagged():
    # 40 characters in one second: nobody speaks that fast
    s = seg(0, 10.0, 11.0, "各位听众朋友大家好欢迎收听AI周末快讯第十二期我是主播小林首先来看深度求索发布新一代推理模型")
    assert "crowded" in segment_flags(s)
    # words squeezed into zero duration
    ws = [Word(start=5.0, end=5.0, word=c) for c in "首先来看深度求索发布了"]
    s2 = seg(0, 0.0, 20.0, "首先来看深度求索发布了", ws)
    assert "crowded" in segment_flags(s2)


def test_find_tandem_repeats_positions():
    seq = list("xyABCABCABCz")
    assert find_tandem_repeats(seq, min_reps=3, min_units=8) == [(2, 3, 3)]
    assert find_tandem_repeats(list("abcdefg")) == []


def test_compression_ratio_rises_with_repetition():
    assert compression_ratio(LOOP_PHRASE * 9) > 2.4 > compression_ratio(NORMAL[1].text)


def test_collapse_keeps_one_copy_by_words():
    parts = ["视频", "模型", " Gen", " 4.5", " 推出", "MS2"] * 5
    ws = words_for(["首先"] + parts + ["。"], 0.0, 0.2)
    s = seg(0, 0.0, ws[-1].end, "".join(w.word for w in ws), ws)
    out = collapse_repeats(s)
    assert out.text == "首先视频模型 Gen 4.5 推出MS2。"
    assert [w.word for w in out.words] == ["首先", "视频", "模型", " Gen", " 4.5", " 推出", "MS2", "。"]
    assert segment_flags(out) == []


def test_collapse_by_text_when_no_words():
    s = seg(0, 0.0, 10.0, "开场。" + "美国扶罗里达登" * 5 + "结束")
    assert collapse_repeats(s).text == "开场。美国扶罗里达登结束"


def test_collapse_leaves_normal_text_alone():
    assert collapse_repeats(NORMAL[1]) == NORMAL[1]


def test_coverage_gap_found_where_speech_has_no_words():
    segs = [
        seg(0, 0.0, 5.0, "前", words_for(list("各位听众朋友大家好欢迎"), 0.0, 0.5)),
        seg(1, 12.0, 15.0, "后", words_for(list("首先来看深度"), 12.0, 0.5)),
    ]
    speech = [(0.0, 15.0)]
    gaps = find_coverage_gaps(speech, segs, min_gap=1.5, tolerance=0.25)
    assert gaps == [(5.75, 11.75)]
    # the same speech fully covered: no gaps; silence between speech stretches is no gap
    assert find_coverage_gaps([(0.0, 5.0), (12.0, 15.0)], segs) == []


def test_short_gaps_are_tolerated():
    segs = [seg(0, 0.0, 3.0, "a", words_for(list("各位听众朋友"), 0.0, 0.5)),
            seg(1, 4.0, 6.0, "b", words_for(list("大家好欢"), 4.0, 0.5))]
    assert find_coverage_gaps([(0.0, 6.0)], segs, min_gap=1.5) == []


class _FakeModel:
    """Stands in for WhisperModel: a re-decode of any window returns clean text."""

    def __init__(self):
        self.calls = []

    def transcribe(self, audio, **kwargs):
        from types import SimpleNamespace as NS

        self.calls.append(kwargs)
        s, e = kwargs["clip_timestamps"][:2]
        ws = [NS(start=s + 0.1 + 0.3 * k, end=s + 0.35 + 0.3 * k, word=c, probability=0.9)
              for k, c in enumerate("视频模型推出新版本")]
        seg_ = NS(start=ws[0].start, end=ws[-1].end, text="视频模型推出新版本", words=ws,
                  avg_logprob=-0.2, compression_ratio=1.1, no_speech_prob=0.01)
        return iter([seg_]), NS(language="zh", language_probability=1.0)


def test_repair_segments_redecodes_only_the_loop_window_without_hotwords():
    import numpy as np

    from audio2digest.repair import RepairOptions
    from audio2digest.transcribe import TranscribeOptions

    audio = np.zeros(16000 * 30, dtype="float32")
    segs = [NORMAL[0], seg(1, 6.5, 9.5, LOOP_PHRASE * 9, logprob=-0.6), seg(2, 10.0, 14.0, NORMAL[2].text)]
    model = _FakeModel()
    out, repairs = repair_segments(model, audio, segs, TranscribeOptions(hotwords="DeepSeek"),
                                   language="zh", opts=RepairOptions(coverage=False))
    assert len(model.calls) == 1
    call = model.calls[0]
    assert call["hotwords"] is None and call["clip_timestamps"] == [6.3, 9.7]
    assert [s.text for s in out] == [NORMAL[0].text, "视频模型推出新版本", NORMAL[2].text]
    assert [s.id for s in out] == [0, 1, 2]
    assert len(repairs) == 1 and repairs[0].kind == "loop" and repairs[0].before.startswith("视频模型")


DEV01 = DEV_EPISODES / "dev01.mp3"


@pytest.mark.slow
@pytest.mark.skipif(not DEV01.is_file(), reason="dev episodes not available")
def test_real_audio_dropped_speech_is_restored():
    """Drop the words of a real sentence from a real decode; the coverage check must find the
    hole from the VAD and re-decode it (20 s of real audio, a few seconds of decoding)."""
    from audio2digest.audio import load_audio
    from audio2digest.model import load_model
    from audio2digest.repair import RepairOptions, find_coverage_gaps, speech_stretches
    from audio2digest.transcribe import TranscribeOptions, decode

    audio = load_audio(DEV01)[: 16000 * 20]
    model, _ = load_model("base")
    options = TranscribeOptions(language="zh")
    segs, _ = decode(model, audio, options, language="zh")
    assert segs
    # remove every word between 8 and 14 s (the "首先来看深度求索……" sentence)
    holed = []
    for s in segs:
        kept = tuple(w for w in s.words if not (8.0 <= (w.start + w.end) / 2 <= 14.0))
        if kept:
            holed.append(Segment(**{**s.__dict__, "words": kept, "text": "".join(w.word for w in kept)}))
    speech = speech_stretches(audio)
    assert find_coverage_gaps(speech, holed), "the removed sentence should show as a gap"
    out, repairs = repair_segments(model, audio, holed, options, language="zh",
                                   opts=RepairOptions(loops=False))
    assert any(r.kind == "gap" and r.after for r in repairs)
    assert find_coverage_gaps(speech, out) == []
    assert [s.id for s in out] == list(range(len(out)))
    assert all(a.start <= b.start for a, b in zip(out, out[1:]))


def test_hotword_echo_is_flagged_only_with_the_prompt():
    from audio2digest.repair import hotword_echo

    hot = "OpenAI Anthropic 谷歌 DeepMind Google DeepMind 抖音 Notion 微信 OpenRouter"
    echo = seg(0, 348.0, 349.5, "Mind Google DeepMind 抖音 Notion 微信。")
    assert hotword_echo(echo.text, hot)
    assert "hotword-echo" in loop_flags([echo], hotwords=hot)[0]
    assert loop_flags([echo]) == {}
    # naming two of the terms in speech is no echo
    assert not hotword_echo("OpenAI 和 Anthropic 都发布了新模型", hot)


def test_empty_candidate_wins_over_hallucination_in_silence():
    from audio2digest.repair import score

    hot = "OpenAI Anthropic 谷歌 DeepMind Google DeepMind 抖音 Notion 微信 OpenRouter"
    echo = [seg(0, 348.0, 349.5, "Google DeepMind 抖音 Notion 微信", logprob=-0.3)]
    window = (347.8, 349.7)
    no_speech = [(300.0, 347.0)]
    assert score([], speech=no_speech, window=window, hotwords=hot) > \
        score(echo, speech=no_speech, window=window, reference=echo[0].text, hotwords=hot)
    # over real speech, nothing is the worst answer
    speech = [(347.8, 349.7)]
    clean = [seg(0, 347.9, 349.6, "智能客服等", words_for(list("智能客服等"), 347.9, 0.34))]
    assert score(clean, speech=speech, window=window) > score([], speech=speech, window=window)


def test_merge_close_joins_short_redecoded_segments():
    from audio2digest.repair import merge_close

    a = seg(0, 10.0, 10.5, "确保", words_for(["确", "保"], 10.0, 0.25), logprob=-0.2)
    b = seg(1, 10.6, 11.0, "AI", words_for(["AI"], 10.6, 0.4), logprob=-0.4)
    c = seg(2, 12.5, 13.0, "系统", words_for(["系", "统"], 12.5, 0.25))
    out = merge_close([a, b, c], max_pause=0.5)
    assert [s.text for s in out] == ["确保AI", "系统"]
    assert out[0].start == 10.0 and out[0].end == 11.0 and len(out[0].words) == 3
    assert out[0].avg_logprob == pytest.approx((-0.2 * 2 - 0.4 * 1) / 3, abs=1e-4)


def test_unsure_segment_over_silence_is_dropped_but_speech_is_kept():
    from audio2digest.repair import drop_silence_hallucinations

    speech = [(0.41, 3.75)]
    real = seg(0, 0.11, 3.63, "广州市房地产中介协会分析", words_for(list("广州市房地产中介协会分析"), 0.11, 0.29),
               logprob=-0.2)
    # as Whisper base printed it after the AISHELL clip with 220 hotword tokens
    greed = Segment(id=1, start=3.63, end=4.25, text="Greed", avg_logprob=-2.19,
                    words=(Word(3.63, 4.25, "G", 0.0006), Word(4.25, 4.25, "re", 0.0099),
                           Word(4.25, 4.25, "ed", 0.44)))
    out, repairs = drop_silence_hallucinations([real, greed], speech)
    assert out == [real]
    assert [(r.kind, r.before) for r in repairs] == [("silence", "Greed")]
    # a confident segment outside the VAD (quiet speech the VAD missed) stays
    sure = seg(2, 5.0, 6.0, "谢谢", words_for(["谢", "谢"], 5.0, 0.5), logprob=-0.2)
    assert drop_silence_hallucinations([sure], speech)[0] == [sure]
