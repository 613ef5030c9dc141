"""Loop detection, collapse and coverage-gap finding (fast, no model) plus one slow real-model test."""

from __future__ import annotations

import pytest
from conftest import DEV_EPISODES, SAMPLES

from audio2digest.asr.repair import repair_segments
from audio2digest.asr.repair.detect import (
    compression_ratio,
    count_loops,
    find_coverage_gaps,
    find_tandem_repeats,
    loop_flags,
    segment_flags,
    units,
)
from audio2digest.asr.repair.loops import collapse_repeats
from audio2digest.types import Segment, Word

LOOP_PHRASE = "视频模型 Gen 4.5 推出MS2 "


class FakeDecoder:
    """Stands in for ``transcribe.WindowDecoder``: ``window`` answers with ``window_fn(window)``
    (segments) and ``rehear`` with ``rehear_fn(items)``; every call is recorded."""

    def __init__(self, hotwords=None, window_fn=None, rehear_fn=None, hotword_terms=()):
        self.hotwords, self.window_fn, self.rehear_fn, self.calls = hotwords, window_fn, rehear_fn, []
        self.hotword_terms = tuple(hotword_terms)

    def window(self, audio, window, *, hotwords="default", **settings):
        self.calls.append(dict(window=tuple(window), hotwords=hotwords, **settings))
        return self.window_fn(tuple(window)) if self.window_fn else []

    def rehear(self, audio, items, *, hotwords="default", pad=0.0, **settings):
        for window, prefix, max_new_tokens in items:
            self.calls.append(
                dict(
                    window=tuple(window),
                    prefix=prefix,
                    hotwords=hotwords,
                    pad=pad,
                    max_new_tokens=max_new_tokens,
                    **settings,
                )
            )
        return self.rehear_fn(items) if self.rehear_fn else [[] for _ in items]


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
    s = seg(
        0,
        10.0,
        11.0,
        "各位听众朋友大家好欢迎收听AI周末快讯第十二期我是主播小林首先来看深度求索发布新一代推理模型",
    )
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


def test_a_word_stretched_over_speech_covers_only_what_a_word_can():
    """dev02 with timestamp tokens: the decoder skipped 15 s of speech and the word "ull"
    spanned them (319.2-334.5 s), so no gap was found and the speech was lost."""
    from audio2digest.types import Word

    stretched = (Word(0.0, 0.5, "F", 0.9), Word(0.5, 15.5, "ull", 0.4), Word(15.5, 16.0, " Care", 0.9))
    segs = [seg(0, 0.0, 16.0, "Full Care", stretched)]
    assert find_coverage_gaps([(0.0, 16.0)], segs) == [(3.75, 15.25)]
    assert find_coverage_gaps([(0.0, 16.0)], segs, max_word=20.0) == []
    # a number written as one word may take that long
    number = (Word(0.0, 6.0, " $2,147,483,647", 0.9),)
    assert find_coverage_gaps([(0.0, 6.0)], [seg(0, 0.0, 6.0, "n", number)]) == []
    # over silence (a pause folded into a word) a long word makes no gap
    assert find_coverage_gaps([(0.0, 1.0), (15.4, 16.0)], segs) == []


def test_words_heard_in_a_gap_inside_a_segment_go_between_its_words():
    """A gap inside one long segment (a batched chunk) was appended after the whole segment,
    so its words were read after the ones that follow them (dev02: "…Full Care AI。" then
    "性化治疗方案制定…")."""
    from audio2digest.asr.repair.gaps import splice
    from audio2digest.types import Word

    host = seg(0, 0.0, 16.0, "前后", (Word(0.0, 0.5, "前", 0.9), Word(15.5, 16.0, "后", 0.9)))
    heard = seg(1, 5.0, 10.0, "中间", (Word(5.0, 7.0, "中", 0.8), Word(7.0, 10.0, "间", 0.8)))
    out = splice([host], [heard])
    assert [s.text for s in out] == ["前中间后"]
    stretched = seg(0, 0.0, 16.0, "前后", (Word(0.0, 9.0, "前", 0.9), Word(15.5, 16.0, "后", 0.9)))
    assert [(w.start, w.end) for w in splice([stretched], [heard])[0].words][:2] == [(0.0, 5.0), (5.0, 7.0)]
    # the words heard early in a gap under a stretched word still follow it (review: "首我们看到先来")
    long_first = seg(
        0,
        0.0,
        15.6,
        "首先来",
        (Word(0, 0.3, "首", 0.9), Word(0.3, 15.3, "先", 0.9), Word(15.3, 15.6, "来", 0.9)),
    )
    early = seg(1, 3.6, 7.0, "我们看到", (Word(3.6, 5.0, "我们", 0.8), Word(5.0, 7.0, "看到", 0.8)))
    assert splice([long_first], [early])[0].text == "首先我们看到来"
    elsewhere = seg(2, 20.0, 22.0, "另", (Word(20.0, 22.0, "另", 0.8),))
    out = splice([host], [elsewhere])
    assert [s.text for s in out] == ["前后", "另"] and out[1].avg_logprob == elsewhere.avg_logprob


def test_short_gaps_are_tolerated():
    segs = [
        seg(0, 0.0, 3.0, "a", words_for(list("各位听众朋友"), 0.0, 0.5)),
        seg(1, 4.0, 6.0, "b", words_for(list("大家好欢"), 4.0, 0.5)),
    ]
    assert find_coverage_gaps([(0.0, 6.0)], segs, min_gap=1.5) == []


def _clean_window(window):
    """A re-decode of any window: clean text."""
    s = window[0]
    ws = [
        Word(start=round(s + 0.1 + 0.3 * k, 3), end=round(s + 0.35 + 0.3 * k, 3), word=c, probability=0.9)
        for k, c in enumerate("视频模型推出新版本")
    ]
    return [
        Segment(
            id=0,
            start=ws[0].start,
            end=ws[-1].end,
            text="视频模型推出新版本",
            words=tuple(ws),
            avg_logprob=-0.2,
            compression_ratio=1.1,
            no_speech_prob=0.01,
        )
    ]


def test_repair_segments_redecodes_only_the_loop_window_without_hotwords():
    import numpy as np

    from audio2digest.asr.repair import RepairOptions

    audio = np.zeros(16000 * 30, dtype="float32")
    segs = [NORMAL[0], seg(1, 6.5, 9.5, LOOP_PHRASE * 9, logprob=-0.6), seg(2, 10.0, 14.0, NORMAL[2].text)]
    decoder = FakeDecoder(hotwords="DeepSeek", window_fn=_clean_window)
    out, repairs = repair_segments(decoder, audio, segs, opts=RepairOptions(coverage=False), speech=[])
    assert len(decoder.calls) == 1
    call = decoder.calls[0]
    assert call["hotwords"] is None and call["window"] == (6.3, 9.7)
    assert [s.text for s in out] == [NORMAL[0].text, "视频模型推出新版本", NORMAL[2].text]
    assert [s.id for s in out] == [0, 1, 2]
    assert len(repairs) == 1 and repairs[0].kind == "loop" and repairs[0].before.startswith("视频模型")


DEV01 = DEV_EPISODES / "dev01.mp3"


@pytest.mark.slow
@pytest.mark.skipif(not DEV01.is_file(), reason="dev episodes not available")
def test_real_audio_dropped_speech_is_restored():
    """Drop the words of a real sentence from a real decode; the coverage check must find the
    hole from the VAD and re-decode it (20 s of real audio, a few seconds of decoding)."""
    from audio2digest.asr.model import load_model
    from audio2digest.asr.repair import RepairOptions
    from audio2digest.asr.repair.detect import find_coverage_gaps, speech_stretches
    from audio2digest.asr.transcribe import TranscribeOptions, WindowDecoder, decode
    from audio2digest.sources.audio import load_audio

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
    out, repairs = repair_segments(
        WindowDecoder(model, options, "zh"), audio, holed, opts=RepairOptions(loops=False)
    )
    assert any(r.kind == "gap" and r.after for r in repairs)
    assert find_coverage_gaps(speech, out) == []
    # no sampling on the way: the same audio gives the same transcript on the next run
    again, repairs2 = repair_segments(
        WindowDecoder(model, options, "zh"), audio, holed, opts=RepairOptions(loops=False)
    )
    assert again == out and repairs2 == repairs
    assert [s.id for s in out] == list(range(len(out)))
    assert all(a.start <= b.start for a, b in zip(out, out[1:]))


def test_hotword_echo_is_flagged_only_with_the_prompt():
    from audio2digest.asr.repair.detect import hotword_echo

    hot = "OpenAI Anthropic 谷歌 DeepMind Google DeepMind 抖音 Notion 微信 OpenRouter"
    echo = seg(0, 348.0, 349.5, "Mind Google DeepMind 抖音 Notion 微信。")
    assert hotword_echo(echo.text, hot)
    assert "hotword-echo" in loop_flags([echo], hotwords=hot)[0]
    assert loop_flags([echo]) == {}
    # naming two of the terms in speech is no echo
    assert not hotword_echo("OpenAI 和 Anthropic 都发布了新模型", hot)


def test_prompt_listed_out_of_order_is_an_echo():
    """The repairs check against every batch's terms in rank order; the bundled demo's
    look="none" decode recited one batch's prompt in its own order over 15 s of speech."""
    from audio2digest.asr.repair.detect import hotword_echo

    hot = (
        "深度求索 Sora Sora 2 Claude Claude Sonnet 4 Claude Sonnet 4.5 DINOv3 DeepSeek-R2 "
        "Kimi Kimi K2 Kimi K2 Thinking 豆包 Blackwell Blackwell Ultra OpenAI Anthropic AWS"
    )
    recital = seg(0, 77.7, 92.9, "Anthropic Claude Sonnet 4.5 DINOv3 DeepSeek-R2 Kimi K2 Thinking。")
    assert "hotword-echo" in loop_flags([recital], hotwords=hot)[0]
    # names said in a sentence, or a few strung together, are speech
    assert not hotword_echo("Anthropic 发布 Claude Sonnet 4.5，DeepSeek-R2 和 Kimi K2 Thinking 跟进", hot)
    assert not hotword_echo("Claude Sonnet 4.5 Claude Sonnet 4.5", hot)  # too few different tokens
    assert not hotword_echo("Kimi K2 Thinking Sora 2 发布", hot)  # too short a list
    assert not hotword_echo("then Anthropic Claude Sonnet 4.5 shipped", hot)


def test_empty_candidate_wins_over_hallucination_in_silence():
    from audio2digest.asr.repair.detect import score

    hot = "OpenAI Anthropic 谷歌 DeepMind Google DeepMind 抖音 Notion 微信 OpenRouter"
    echo = [seg(0, 348.0, 349.5, "Google DeepMind 抖音 Notion 微信", logprob=-0.3)]
    window = (347.8, 349.7)
    no_speech = [(300.0, 347.0)]
    assert score([], speech=no_speech, window=window, hotwords=hot) > score(
        echo, speech=no_speech, window=window, reference=echo[0].text, hotwords=hot
    )
    # over real speech, nothing is the worst answer
    speech = [(347.8, 349.7)]
    clean = [seg(0, 347.9, 349.6, "智能客服等", words_for(list("智能客服等"), 347.9, 0.34))]
    assert score(clean, speech=speech, window=window) > score([], speech=speech, window=window)


def test_merge_close_joins_short_redecoded_segments():
    from audio2digest.asr.repair.detect import merge_close

    a = seg(0, 10.0, 10.5, "确保", words_for(["确", "保"], 10.0, 0.25), logprob=-0.2)
    b = seg(1, 10.6, 11.0, "AI", words_for(["AI"], 10.6, 0.4), logprob=-0.4)
    c = seg(2, 12.5, 13.0, "系统", words_for(["系", "统"], 12.5, 0.25))
    out = merge_close([a, b, c], max_pause=0.5)
    assert [s.text for s in out] == ["确保AI", "系统"]
    assert out[0].start == 10.0 and out[0].end == 11.0 and len(out[0].words) == 3
    assert out[0].avg_logprob == pytest.approx((-0.2 * 2 - 0.4 * 1) / 3, abs=1e-4)


def test_unsure_segment_over_silence_is_dropped_but_speech_is_kept():
    from audio2digest.asr.repair.silence import drop_silence_hallucinations

    speech = [(0.41, 3.75)]
    real = seg(
        0,
        0.11,
        3.63,
        "广州市房地产中介协会分析",
        words_for(list("广州市房地产中介协会分析"), 0.11, 0.29),
        logprob=-0.2,
    )
    # as Whisper base printed it after the AISHELL clip with 220 hotword tokens
    greed = Segment(
        id=1,
        start=3.63,
        end=4.25,
        text="Greed",
        avg_logprob=-2.19,
        words=(Word(3.63, 4.25, "G", 0.0006), Word(4.25, 4.25, "re", 0.0099), Word(4.25, 4.25, "ed", 0.44)),
    )
    out, repairs = drop_silence_hallucinations([real, greed], speech)
    assert out == [real]
    assert [(r.kind, r.before) for r in repairs] == [("silence", "Greed")]
    # a confident segment outside the VAD (quiet speech the VAD missed) stays
    sure = seg(2, 5.0, 6.0, "谢谢", words_for(["谢", "谢"], 5.0, 0.5), logprob=-0.2)
    assert drop_silence_hallucinations([sure], speech)[0] == [sure]


# ------------------------------------------------------------------ dropouts (names skipped)


def _w(word, start, end, p=0.9):
    return Word(start=start, end=end, word=word, probability=p)


def _sentence():
    """开发者可以通过 [OpenRouter dropped] 直接调用 — DTW stretched 直接 back over the name."""
    words = [
        _w(c, round(0.2 * k, 3), round(0.2 * k + 0.2, 3)) for k, c in enumerate("开发者可以通过")
    ]  # 0-1.4 s
    words += [_w("直接", 1.5, 2.9), _w("调", 2.9, 3.1), _w("用", 3.1, 3.3)]
    return [
        Segment(
            id=0,
            start=0.0,
            end=3.3,
            text="".join(w.word for w in words),
            words=tuple(words),
            avg_logprob=-0.3,
            compression_ratio=1.2,
            no_speech_prob=0.01,
        )
    ]


def test_tight_cover_limits_a_stretched_word_and_finds_the_dropout():
    from audio2digest.asr.repair import RepairOptions
    from audio2digest.asr.repair.dropouts import find_dropouts, tight_cover

    opts = RepairOptions()
    segs = _sentence()
    # 直接 (2 units) holds at most 0.15 + 2 x 0.3 s back from its end, not its whole 1.4 s
    cover = tight_cover(segs, opts, tolerance=0.0)
    assert cover == [(0.0, 1.4), (pytest.approx(2.15), 3.3)]
    drops = find_dropouts([(0.0, 3.3)], segs, opts)
    assert len(drops) == 1 and drops[0][0] == pytest.approx(1.5) and drops[0][1] == pytest.approx(2.05)
    # the loose coverage check sees no gap at all there
    assert find_coverage_gaps([(0.0, 3.3)], segs) == []
    # a dropout shorter than dropout_min is not one
    assert find_dropouts([(0.0, 3.3)], segs, RepairOptions(dropout_min=0.6)) == []


def test_dropout_windows_cut_between_words_and_merge():
    from audio2digest.asr.repair import RepairOptions
    from audio2digest.asr.repair.dropouts import dropout_windows

    segs = _sentence()
    opts = RepairOptions(dropout_context=0.6)
    assert dropout_windows([(1.5, 2.05)], segs, 10.0, opts) == [(0.8, 2.9)]
    # two dropouts whose windows overlap are decoded as one window
    assert dropout_windows([(0.5, 0.9), (1.5, 2.05)], segs, 10.0, opts) == [(0.0, 2.9)]
    # too long a window is skipped rather than re-decoded
    assert dropout_windows([(1.5, 2.05)], segs, 10.0, RepairOptions(dropout_max_window=1.0)) == []


def test_insert_words_goes_into_its_sentence_and_unstretches_the_next_word():
    from audio2digest.asr.repair.dropouts import insert_words

    segs = _sentence()
    out = insert_words(segs, [_w("Open", 1.45, 1.8), _w("Router", 1.8, 2.2)])
    assert len(out) == 1
    assert out[0].text == "开发者可以通过OpenRouter直接调用"
    after = [w for w in out[0].words if w.word == "直接"][0]
    assert after.start == 2.2 and after.end == 2.9
    # between two sentences a name joins the nearer one (it opens the second here)
    s2 = Segment(
        id=1,
        start=5.0,
        end=6.0,
        text="的挑战",
        words=(_w("的", 5.0, 5.3), _w("挑战", 5.3, 6.0)),
        avg_logprob=-0.2,
        compression_ratio=1.0,
        no_speech_prob=0.0,
    )
    out = insert_words(segs + [s2], [_w("Scaling", 4.2, 4.5), _w(" Law", 4.5, 4.8)])
    assert [s.text for s in out] == [segs[0].text, "Scaling Law的挑战"]


def testdedupe_edges_drops_what_the_neighbours_already_say():
    from audio2digest.asr.repair.dropouts import dedupe_edges

    segs = [
        Segment(
            id=0,
            start=0.0,
            end=2.0,
            text="降低标用",
            words=(_w("降低", 0.0, 0.6), _w("標用", 1.4, 2.0)),
            avg_logprob=-0.3,
            compression_ratio=1.0,
            no_speech_prob=0.0,
        )
    ]
    ins = [_w("低", 0.5, 0.7), _w("A", 0.7, 0.8, 0.8), _w("PI", 0.8, 1.2), _w("标", 1.2, 1.4)]
    assert [w.word for w in dedupe_edges(ins, segs)] == ["A", "PI"]  # 标 == 標 after opencc
    # a lone unsure letter cut at the edge goes; the first letter of a word stays
    assert [w.word for w in dedupe_edges([_w("Law", 3.0, 3.3), _w("S", 3.3, 3.4, 0.1)], segs)] == ["Law"]
    assert [w.word for w in dedupe_edges([_w("S", 3.0, 3.1, 0.2), _w("ora", 3.1, 3.4)], segs)] == ["S", "ora"]
    # a word of the re-heard window said again, though DTW put the first one a second later
    late = [
        Segment(
            id=0,
            start=0.0,
            end=2.2,
            text="4.5。",
            words=(_w(" 4.", 0.0, 0.3), _w("5。", 1.8, 2.2)),
            avg_logprob=-0.3,
            compression_ratio=1.0,
            no_speech_prob=0.0,
        )
    ]
    assert dedupe_edges([_w("5", 0.4, 0.8)], late) == [_w("5", 0.4, 0.8)]
    assert dedupe_edges([_w("5", 0.4, 0.8)], late, window=(0.0, 2.2)) == []


class _Rehear:
    """What ``decoder.rehear`` hears: after each window's forced prefix, the name (in pieces,
    as the alignment splits a Latin word for Mandarin) and the rest of the window, with the
    given probabilities."""

    def __init__(self, pieces=((" Open", 1.45, 1.7, 0.7), ("Router", 1.7, 2.05, 0.9))):
        self.pieces = pieces

    def __call__(self, items):
        rest = [("直", 2.1, 2.4, 0.9), ("接", 2.4, 2.6, 0.9)]
        return [
            [_w(t, s, e, p) for t, s, e, p in list(self.pieces) + rest if window[0] <= s < window[1]]
            for window, _prefix, _n in items
        ]


def _decoder(rehear, hotwords=None, terms=()):
    return FakeDecoder(hotwords=hotwords, rehear_fn=rehear, hotword_terms=terms)


def test_repair_dropouts_inserts_the_name_heard_after_its_first_words():
    import numpy as np

    from audio2digest.asr.repair import RepairOptions
    from audio2digest.asr.repair.dropouts import dropout_windows, find_dropouts, repair_dropouts

    audio = np.zeros(16000 * 5, dtype="float32")
    segs, speech, opts = _sentence(), [(0.0, 3.3)], RepairOptions()
    ((lo, hi),) = dropout_windows(find_dropouts(speech, segs, opts), segs, 5.0, opts)
    fake = _decoder(_Rehear(), hotwords="OpenRouter Kimi")
    out, repairs = repair_dropouts(fake, audio, segs, speech=speech, opts=opts)
    (call,) = fake.calls
    # the decoder is forced through what was heard from the window's start to the dropout
    assert call["window"] == (lo, hi) and call["prefix"] == "以通过"
    assert call["hotwords"] == "OpenRouter Kimi" and call["pad"] == opts.dropout_pad
    assert [s.text for s in out] == ["开发者可以通过 OpenRouter直接调用"]
    assert [w.word for w in out[0].words][7] == " OpenRouter"  # the pieces joined into one word
    assert len(repairs) == 1 and repairs[0].kind == "dropout" and repairs[0].after == "OpenRouter"
    assert repairs[0].start == pytest.approx(1.45)


def test_a_name_re_heard_as_one_prompt_term_is_no_recital():
    """ "Kimi K2 Thinking" re-heard where it was said is three tokens of the prompt in order,
    which the recital check took for the decoder reading its prompt; with the prompt's terms
    known, a whole term is a name heard. Without them, as before, it is refused."""
    import numpy as np

    from audio2digest.asr.repair import RepairOptions
    from audio2digest.asr.repair.dropouts import repair_dropouts

    audio = np.zeros(16000 * 5, dtype="float32")
    segs, speech = _sentence(), [(0.0, 3.3)]
    kimi = _Rehear(((" Kimi", 1.45, 1.65, 0.9), (" K2", 1.65, 1.85, 0.9), (" Thinking", 1.85, 2.05, 0.9)))
    terms = ("OpenAI", "Kimi", "Kimi K2", "Kimi K2 Thinking")
    hot = " ".join(terms)
    out, repairs = repair_dropouts(
        _decoder(kimi, hot, terms), audio, segs, speech=speech, opts=RepairOptions()
    )
    assert [r.after for r in repairs] == ["Kimi K2 Thinking"]
    out, repairs = repair_dropouts(_decoder(kimi, hot), audio, segs, speech=speech, opts=RepairOptions())
    assert repairs == []
    # a recital across terms is still one
    from audio2digest.asr.repair.detect import hotword_echo

    assert hotword_echo("OpenAI Kimi Kimi K2", hot, min_run=3, terms=terms)


def test_repair_dropouts_refuses_an_unsure_insert():
    import numpy as np

    from audio2digest.asr.repair import RepairOptions
    from audio2digest.asr.repair.dropouts import repair_dropouts

    audio = np.zeros(16000 * 5, dtype="float32")
    segs, speech = _sentence(), [(0.0, 3.3)]
    # a Latin word needs a mean probability of dropout_min_prob (0.3) ...
    out, repairs = repair_dropouts(
        _decoder(_Rehear(((" Mad", 1.45, 1.7, 0.05), ("den", 1.7, 2.05, 0.5)))),
        audio,
        segs,
        speech=speech,
        opts=RepairOptions(),
    )
    assert repairs == [] and out == segs
    # ... and Chinese words (not what Whisper drops inside Mandarin) dropout_sure_prob (0.6)
    out, repairs = repair_dropouts(
        _decoder(_Rehear((("打", 1.45, 2.05, 0.5),))), audio, segs, speech=speech, opts=RepairOptions()
    )
    assert repairs == [] and out == segs
    out, repairs = repair_dropouts(
        _decoder(_Rehear((("打", 1.45, 2.05, 0.7),))), audio, segs, speech=speech, opts=RepairOptions()
    )
    assert [r.after for r in repairs] == ["打"]


def test_repair_dropouts_drops_unsure_edge_words_and_loops():
    import numpy as np

    from audio2digest.asr.repair import RepairOptions
    from audio2digest.asr.repair.dropouts import repair_dropouts

    audio = np.zeros(16000 * 5, dtype="float32")
    segs, speech = _sentence(), [(0.0, 3.3)]
    out, repairs = repair_dropouts(
        _decoder(_Rehear(((" Open", 1.45, 1.7, 0.7), ("Low", 1.7, 1.95, 0.4), (" 的", 1.95, 2.05, 0.15)))),
        audio,
        segs,
        speech=speech,
        opts=RepairOptions(),
    )
    assert [r.after for r in repairs] == ["OpenLow"]  # the unsure 的 at the end stays out
    loop = tuple((" 团队", 1.45 + 0.06 * k, 1.5 + 0.06 * k, 0.99) for k in range(10))
    out, repairs = repair_dropouts(_decoder(_Rehear(loop)), audio, segs, speech=speech, opts=RepairOptions())
    assert repairs == [] and out == segs


def testwhole_words_join_the_pieces_of_a_latin_name():
    from audio2digest.asr.repair.dropouts import whole_words

    pieces = [
        _w("A", 0.0, 0.2, 0.1),
        _w("gent", 0.2, 0.5, 0.9),
        _w(" Law", 0.5, 0.8, 0.5),
        _w("能", 0.8, 0.9, 0.4),
        _w("力", 0.9, 1.0, 0.8),
        _w("K", 1.0, 1.1, 0.2),
        _w("2", 1.1, 1.2, 0.6),
    ]
    ws = whole_words(pieces)
    assert [(w.word, w.start, w.end) for w in ws] == [
        ("Agent", 0.0, 0.5),
        (" Law", 0.5, 0.8),
        ("能", 0.8, 0.9),
        ("力", 0.9, 1.0),
        ("K2", 1.0, 1.2),
    ]
    assert ws[0].probability == pytest.approx(0.5)


def test_merge_close_keeps_latin_words_apart():
    from audio2digest.asr.repair.detect import merge_close

    a = Segment(
        id=0,
        start=0.0,
        end=1.0,
        text="Gemini",
        words=(_w("Gemini", 0.0, 1.0),),
        avg_logprob=-0.2,
        compression_ratio=1.0,
        no_speech_prob=0.0,
    )
    b = Segment(
        id=1,
        start=1.1,
        end=2.0,
        text="2.5 Flash",
        words=(_w("2.5", 1.1, 1.5), _w(" Flash", 1.5, 2.0)),
        avg_logprob=-0.2,
        compression_ratio=1.0,
        no_speech_prob=0.0,
    )
    c = Segment(
        id=2,
        start=2.1,
        end=2.5,
        text="的图像",
        words=(_w("的", 2.1, 2.3), _w("图像", 2.3, 2.5)),
        avg_logprob=-0.2,
        compression_ratio=1.0,
        no_speech_prob=0.0,
    )
    out = merge_close([a, b, c])
    assert [s.text for s in out] == ["Gemini 2.5 Flash的图像"]
    assert "".join(w.word for w in out[0].words) == out[0].text


def test_gap_fill_drops_the_unsure_tail_a_short_window_trails_off_into():
    from audio2digest.asr.repair import RepairOptions
    from audio2digest.asr.repair.silence import drop_unsure_tail

    good = Segment(
        id=0,
        start=192.3,
        end=194.9,
        text="Gemini 2.5 Flash Nano Banana",
        words=(
            _w("Gemini", 192.3, 192.7, 0.1),
            _w(" 2.5", 192.7, 193.5, 0.7),
            _w(" Flash", 193.5, 194.1, 0.1),
            _w(" Nano Banana", 194.1, 194.9, 0.2),
        ),
        avg_logprob=-0.92,
        compression_ratio=1.0,
        no_speech_prob=0.0,
    )
    junk = Segment(
        id=1,
        start=194.9,
        end=195.2,
        text="Underview",
        words=(_w("Underview", 194.9, 195.2, 0.07),),
        avg_logprob=-1.57,
        compression_ratio=1.0,
        no_speech_prob=0.0,
    )
    junk2 = Segment(
        id=2,
        start=195.2,
        end=195.4,
        text="DataData",
        words=(_w("DataData", 195.2, 195.4, 0.25),),
        avg_logprob=-2.16,
        compression_ratio=1.0,
        no_speech_prob=0.0,
    )
    assert drop_unsure_tail([good, junk, junk2], RepairOptions()) == [good]
    assert drop_unsure_tail([junk, good], RepairOptions()) == [junk, good]  # only the tail


@pytest.mark.slow
def test_real_audio_skipped_name_is_reheard():
    """The bundled sample (dev01 with tags) 30-60 s: Whisper base with the glossary's hotwords prints "开发者可以通过 直接调用",
    dropping "OpenRouter" (said between 通过 and 直接); the dropout repair must put the name
    back in its place (Whisper base hears it as "OpenLow" here: the check is on what was put
    where, not on its spelling; 30 s of real audio, ~5 s)."""
    from audio2digest.asr.hotwords import select_hotwords
    from audio2digest.asr.model import load_model
    from audio2digest.asr.transcribe import TranscribeOptions, WindowDecoder, decode
    from audio2digest.sources.audio import load_audio
    from audio2digest.text.glossary import load_glossary

    audio = load_audio(SAMPLES / "ai-weekly-12.mp3")[16000 * 30 : 16000 * 60]
    model, _ = load_model("base")
    options = TranscribeOptions(language="zh", hotwords=select_hotwords(load_glossary(), tokenizer=model))
    segs, _ = decode(model, audio, options, language="zh")
    raw = "".join(s.text for s in segs)
    assert "通过" in raw.replace("通過", "通过") and "OpenRouter" not in raw
    from audio2digest.asr.repair import RepairOptions

    out, repairs = repair_segments(
        WindowDecoder(model, options, "zh"), audio, segs, opts=RepairOptions(dropouts=True)
    )
    text = "".join(s.text for s in out)
    name = next((r.after for r in repairs if r.kind == "dropout" and r.after.startswith("Open")), None)
    assert name, repairs
    i, j = text.find(name), text.find("直接")
    assert 0 < i < j, text  # in its place in the sentence, before 直接调用
    assert all(a.start <= b.start for a, b in zip(out, out[1:]))
