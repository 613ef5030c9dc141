"""Echo detection and repair with synthetic segments shaped like real decodes (no model).

The words below are what Whisper base printed at the end of real clips (real-clips/) with a
220-token hotword prompt: a tail of squeezed, unsure words after the speech."""

from __future__ import annotations

import numpy as np

from audio2digest.asr.repair import RepairOptions, repair_segments
from audio2digest.asr.repair.detect import echo_tail
from audio2digest.asr.repair.silence import drop_echoes
from audio2digest.types import Segment, Word

HOT = "OpenAI Anthropic 谷歌 DeepMind Google Meta 抖音 AI METR"


def W(word, start, end, p=0.95):
    return Word(start=start, end=end, word=word, probability=p)


def S(words, logprob=-0.2, i=0):
    return Segment(
        id=i,
        start=words[0].start,
        end=words[-1].end,
        text="".join(w.word for w in words),
        words=tuple(words),
        avg_logprob=logprob,
        compression_ratio=1.0,
        no_speech_prob=0.1,
    )


SENTENCE = [
    W(" the", 7.24, 7.28),
    W(" dreams", 7.28, 7.62),
    W(" built", 7.62, 7.92, 0.97),
    W(" around", 7.92, 8.28),
    W(" it.", 8.28, 8.54, 1.0),
]
# LibriSpeech 1995-1837-0001 with hotwords: "... built around it. AI AI AI AI" (speech runs to the end)
AI_TAIL = [
    W(" AI", 8.54, 8.7, 0.0),
    W(" AI", 8.7, 8.7, 0.0),
    W(" AI", 8.7, 8.7, 0.91),
    W(" AI", 8.7, 8.7, 0.95),
]


class Decoder:
    def __init__(self, hotwords=HOT, answer=()):
        self.hotwords, self.answer, self.calls = hotwords, list(answer), []

    def window(self, audio, window, *, hotwords="default", **settings):
        self.calls.append((tuple(window), hotwords))
        return self.answer

    def rehear(self, audio, items, **kw):
        return [[] for _ in items]


def test_squeezed_tail_inside_one_segment_is_found():
    seg = S(SENTENCE + AI_TAIL)
    assert echo_tail(seg, [(0.03, 8.73)], HOT) == len(SENTENCE)
    # the same sentence without the tail has none
    assert echo_tail(S(SENTENCE), [(0.03, 8.73)], HOT) == len(SENTENCE)


def test_a_tail_of_words_outside_the_prompt_is_found_too():
    # AISHELL 0764W0121: "…的情况。" then "Departure", three pieces squeezed at 4.16 s
    words = [
        W("D", 3.48, 4.16, 0.0),
        W("ep", 4.16, 4.16, 0.01),
        W("art", 4.16, 4.16, 0.36),
        W("ure", 4.16, 4.16, 0.49),
    ]
    assert echo_tail(S(words, -1.99), [(0.44, 3.88)], HOT) == 0


def test_real_sentence_ends_are_kept():
    # an unsure but timed last word inside the speech is no echo
    words = [
        W(" again", 58.3, 58.66, 0.86),
        W(" Low", 58.66, 59.0, 0.12),
        W(" Eleverate", 59.0, 59.48, 0.34),
        W(" Rate", 59.48, 59.68, 0.88),
    ]
    assert echo_tail(S(words, -0.47), [(56.32, 59.4)], HOT) == len(words)
    # a name said at the end of a sentence, sure of itself, is kept even if it is a hotword
    named = [W("发布了", 1.0, 1.5), W(" DeepMind", 1.5, 2.1, 0.9)]
    assert echo_tail(S(named), [(0.9, 2.2)], HOT) == 2
    # a lone unsure word over speech that is no prompt word stays (no evidence of echo)
    lone = [W("今天", 1.0, 1.4), W("天气", 1.4, 1.8, 0.3)]
    assert echo_tail(S(lone), [(0.9, 2.0)], HOT) == 2


def test_unsure_prompt_words_past_the_speech_are_echo():
    words = [W("情况。", 3.0, 3.5), W(" AI", 3.6, 3.9, 0.2), W(" METR", 3.9, 4.2, 0.1)]
    assert echo_tail(S(words), [(0.5, 3.5)], HOT) == 1
    # without a prompt, unsure words past the speech still count (marked, unsure)
    assert echo_tail(S(words), [(0.5, 3.5)], None) == 1


def test_drop_echoes_cuts_the_tail_and_records_it():
    segs = [S(SENTENCE + AI_TAIL)]
    out, repairs = drop_echoes(Decoder(), np.zeros(16000 * 9, "float32"), segs, [(0.03, 8.73)])
    assert [s.text for s in out] == [" the dreams built around it."]
    assert out[0].end == 8.54
    assert [(r.kind, r.before) for r in repairs] == [("echo", "AI AI AI AI")]


def test_whole_echo_segment_is_redecoded_without_hotwords_and_dropped_when_unsupported():
    # a 0.5-s clip heard as "DeepMind Meta" (all prompt words, unsure)
    seg = S([W(" DeepMind", 0.0, 0.3, 0.2), W(" Meta", 0.3, 0.3, 0.1)], -1.5)
    dec = Decoder(answer=[])
    out, repairs = drop_echoes(dec, np.zeros(8000, "float32"), [seg], [(0.0, 0.5)])
    assert out == [] and dec.calls and dec.calls[0][1] is None  # decoded again, unbiased
    assert repairs[0].kind == "echo" and repairs[0].after == ""
    # the unbiased decode hears a sure word there: it is kept
    sure = S([W("好", 0.05, 0.4, 0.9)], -0.3)
    out, repairs = drop_echoes(Decoder(answer=[sure]), np.zeros(8000, "float32"), [seg], [(0.0, 0.5)])
    assert [s.text for s in out] == ["好"] and repairs[0].after == "好"


def test_repair_segments_runs_the_echo_check_and_can_switch_it_off():
    segs = [S(SENTENCE + AI_TAIL)]
    audio = np.zeros(16000 * 9, "float32")
    speech = [(0.03, 8.73)]
    out, repairs = repair_segments(
        Decoder(), audio, segs, speech=speech, opts=RepairOptions(loops=False, coverage=False, dropouts=False)
    )
    assert out[0].text.strip() == "the dreams built around it." and repairs[0].kind == "echo"
    out, repairs = repair_segments(
        Decoder(),
        audio,
        segs,
        speech=speech,
        opts=RepairOptions(loops=False, coverage=False, dropouts=False, echo=False),
    )
    assert out[0].text == segs[0].text and repairs == []


def test_speech_stretches_over_blocks_match_one_pass(real_clips):
    """VAD in blocks (memory does not grow with the episode) finds the stretches one pass
    over the whole audio finds; only next to a block's edge may they differ a little."""
    from audio2digest.asr.repair.detect import speech_stretches
    from audio2digest.sources.audio import load_audio

    audio = load_audio(real_clips / "en_jfk_inaugural_1961.wav")
    audio = np.concatenate([audio, audio])  # 22 s, blocks of 7 s: edges at 7, 14, 21 s
    whole = speech_stretches(audio, block=1e9)
    blocks = speech_stretches(audio, block=7.0)
    assert len(whole) >= 6
    for a, b in whole:  # every stretch away from an edge is found again
        if any(a - 1.0 <= edge <= b + 1.0 for edge in (7.0, 14.0, 21.0)):
            continue
        assert any(min(b, d) - max(a, c) > 0.5 * (b - a) for c, d in blocks), (a, b)
    total = lambda ivs: sum(d - c for c, d in ivs)  # noqa: E731
    assert abs(total(blocks) - total(whole)) < 0.1 * total(whole)
