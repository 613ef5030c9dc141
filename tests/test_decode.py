"""How decode() drives faster-whisper (a recording stand-in for the model; no weights)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from audio2digest.asr.transcribe import TranscribeOptions, decode, decode_kwargs


class RecordingModel:
    def __init__(self):
        self.calls = []

    def transcribe(self, audio, **kwargs):
        self.calls.append(kwargs)

        class Info:
            language, language_probability = "zh", 1.0

        return iter(()), Info()


def test_repair_replaces_whisper_temperature_fallback():
    m = RecordingModel()
    decode(m, np.zeros(16000, np.float32), TranscribeOptions(hotwords="智谱 GLM-4.7", batch_size=0))
    assert m.calls[-1]["temperature"] == [0.0]
    assert m.calls[-1]["hotwords"] == "智谱 GLM-4.7"
    assert m.calls[-1]["condition_on_previous_text"] is False
    assert m.calls[-1]["word_timestamps"] is True


def test_without_repair_whisper_keeps_its_fallback():
    m = RecordingModel()
    decode(m, np.zeros(16000, np.float32), TranscribeOptions(repair=False, batch_size=0))
    assert "temperature" not in m.calls[-1]


def test_explicit_temperatures_win():
    m = RecordingModel()
    decode(
        m,
        np.zeros(16000, np.float32),
        TranscribeOptions(),
        temperature=[0.0, 0.4],
        hotwords=None,
        clip_timestamps=[1.0, 2.0],
    )
    call = m.calls[-1]
    assert call["temperature"] == [0.0, 0.4]
    assert call["hotwords"] is None
    assert call["clip_timestamps"] == [1.0, 2.0] and call["vad_filter"] is False


def test_batched_is_the_default_and_takes_the_main_decode_settings():
    from audio2digest.asr.transcribe import batched_kwargs

    opts = TranscribeOptions(hotwords="智谱", language="zh")
    assert opts.batched and not TranscribeOptions(batch_size=0).batched
    assert not TranscribeOptions(vad=False).batched  # batching runs over VAD chunks
    kw = batched_kwargs(opts)
    assert kw["batch_size"] == 2 and kw["hotwords"] == "智谱" and kw["word_timestamps"] is True
    assert kw["temperature"] == [0.0] and kw["vad_filter"] is True
    # timestamp tokens per batch where its language has them (transcribe.BATCHED_TIMESTAMPS)
    assert kw["without_timestamps"] is True and "without_timestamps" not in decode_kwargs(opts)
    assert batched_kwargs(replace(opts, batched_timestamps="on"))["without_timestamps"] is False
    # its own beam; sequential decoding and the repairs keep beam_size
    assert kw["beam_size"] == opts.batched_beam_size == 2
    assert decode_kwargs(opts)["beam_size"] == 5
    assert batched_kwargs(replace(opts, batched_beam_size=4))["beam_size"] == 4
    assert "condition_on_previous_text" not in kw  # not an argument of the batched pipeline
    assert kw["vad_parameters"]["min_silence_duration_ms"] == 2000  # pauses stay in a chunk


def test_options_check_device_and_batch_size():
    import pytest

    with pytest.raises(ValueError, match="expected one of: cpu, cuda, auto"):
        TranscribeOptions(device="tpu")
    with pytest.raises(ValueError, match="batch size"):
        TranscribeOptions(batch_size=-1)
    with pytest.raises(ValueError, match="batched timestamps 'yes'"):
        TranscribeOptions(batched_timestamps="yes")
    with pytest.raises(ValueError, match="beam size 0"):
        TranscribeOptions(batched_beam_size=0)
    assert TranscribeOptions().to_dict()["repair_options"]["echo"] is True


def test_split_sentences_cuts_a_chunk_at_sentence_ends_and_long_pauses():
    from audio2digest.asr.transcribe import split_sentences
    from audio2digest.types import Segment, Word

    ws = [
        Word(0.0, 0.3, "今天", 0.9),
        Word(0.3, 0.6, "发布。", 0.9),
        Word(0.7, 1.0, "明天", 0.9),
        Word(1.0, 1.2, "上线", 0.9),
        Word(2.5, 2.8, " Then", 0.9),
        Word(2.8, 3.0, " more.", 0.9),
    ]
    chunk = Segment(
        id=0,
        start=0.0,
        end=3.0,
        text="".join(w.word for w in ws),
        words=tuple(ws),
        avg_logprob=-0.3,
        compression_ratio=1.0,
        no_speech_prob=0.1,
    )
    out = split_sentences(chunk, 4)
    assert [s.text for s in out] == ["今天发布。", "明天上线", " Then more."]
    assert [s.id for s in out] == [4, 5, 6]
    assert [(s.start, s.end) for s in out] == [(0.0, 0.6), (0.7, 1.2), (2.5, 3.0)]
    assert all(s.avg_logprob == -0.3 for s in out)
    assert "".join(s.text for s in out) == chunk.text


def test_split_sentences_keeps_a_pause_inside_a_chinese_word():
    # the demo's chapter "1:38 出 Sora 2": a 1.2-s pause inside 推出 was cut into two sentences
    from audio2digest.asr.transcribe import split_sentences
    from audio2digest.types import Segment, Word

    def chunk(ws):
        return Segment(
            id=0,
            start=ws[0].start,
            end=ws[-1].end,
            text="".join(w.word for w in ws),
            words=tuple(ws),
            avg_logprob=-0.3,
            compression_ratio=1.0,
            no_speech_prob=0.1,
        )

    inside = [
        Word(0.0, 0.4, "OpenAI", 0.9),
        Word(0.4, 0.8, "今天推", 0.9),
        Word(2.0, 2.3, "出", 0.9),  # 1.2 s later, inside 推出
        Word(2.3, 2.8, " Sora 2", 0.9),
    ]
    assert [s.text for s in split_sentences(chunk(inside))] == ["OpenAI今天推出 Sora 2"]
    particle = [Word(0.0, 0.5, "我们看到", 0.9), Word(1.8, 2.0, "了一个", 0.9), Word(2.0, 2.4, "新模型", 0.9)]
    assert len(split_sentences(chunk(particle))) == 1  # 了 is bound to 看到
    between = [Word(0.0, 0.5, "今天发布", 0.9), Word(1.8, 2.2, "明天上线", 0.9)]
    assert [s.text for s in split_sentences(chunk(between))] == ["今天发布", "明天上线"]  # a word boundary
    decimal = [
        Word(0.0, 0.5, "Sonnet", 0.9),
        Word(0.5, 0.8, " 4.", 0.9),
        Word(1.9, 2.1, "5", 0.9),
        Word(2.1, 2.5, "发布", 0.9),
    ]
    assert [s.text for s in split_sentences(chunk(decimal))] == ["Sonnet 4.5发布"]  # "4." ends no sentence


def test_splits_word_judges_only_chinese_either_side():
    from audio2digest.text.chinese_words import splits_a_word as splits_word

    assert splits_word("谷歌今天推", "出 Sora 2")
    assert not splits_word("OpenAI今天", "了解一下")  # 了解 is a word of its own
    assert not splits_word("发布了", "Sora")
    assert not splits_word("", "出")


def test_a_pause_before_the_postposition_of_a_place_frame_is_no_cut():
    # the bundled sample: "…模型权重将在 Hugging Face" [0.5 s] "上开源…" was cut into two items
    from audio2digest.text.chinese_words import closes_a_frame, splits_a_word

    assert closes_a_frame("官方表示模型权重将在 Hugging Face", "上开源")
    assert splits_a_word("官方表示模型权重将在 Hugging Face", "上开源")
    assert closes_a_frame("从更少的数据", "中学习")
    assert not closes_a_frame("模型已在昨天发布，效果很好", "上周还有")  # 上周 is a word; the frame closed
    assert not closes_a_frame("在北京发布。", "上线时间")  # a sentence ended
    assert not closes_a_frame("谷歌发布了 Gemini", "上开源")  # no 在/从 frame open
    assert not closes_a_frame("我们在", "")
    # review: ordinary sentence edges that a looser rule held together
    assert not closes_a_frame("英伟达的新芯片将在今年年底推出", "中美贸易谈判重启")  # the frame closed
    assert not closes_a_frame("阿里在杭州发布了新模型", "上一代模型的价格下调")
    assert not closes_a_frame("这款模型现在已经开源", "上手体验如何")  # 现在 opens no frame
    assert not splits_a_word("以上就是今天的全部内容。", "啊另外提醒大家")  # an interjection may open
    # a bound particle after a Latin name: 的 opens no sentence ("DeepSeek" | "的新论文", dev02)
    assert splits_a_word("架构创新依然活跃 DeepSeek", "的新论文") and not splits_a_word("DeepSeek", "新论文")


def test_a_segment_followed_by_its_sentences_bound_particle_gets_no_full_stop():
    from audio2digest.text.normalize import normalize_segments
    from audio2digest.types import Segment

    def s(i, text):
        return Segment(i, float(i), i + 1.0, text, (), -0.2, 1.0, 0.05)

    out = normalize_segments([s(0, "架构创新依然活跃 DeepSeek"), s(1, "的新论文很有意思")], "zh")
    assert [x.text for x in out] == ["架构创新依然活跃 DeepSeek", "的新论文很有意思。"]
    # after a pause of a second or more the speaker starts anew: the full stop stays
    out = normalize_segments([s(0, "架构创新依然活跃 DeepSeek"), s(3, "的新论文很有意思")], "zh")
    assert out[0].text.endswith("。")
    # jieba's word check across segments is no reason to drop it ("财报" | "上季度": 报上)
    out = normalize_segments([s(0, "腾讯在今天发布财报"), s(1, "上季度营收增长")], "zh")
    assert out[0].text.endswith("。")


def test_block_bounds_cut_long_audio_in_pauses():
    from audio2digest.asr.transcribe import block_bounds

    speech = [(0.0, 290.0), (291.0, 580.0), (583.0, 900.0), (905.0, 1300.0)]
    blocks = block_bounds(1300.0, speech, 600.0)
    assert blocks == [(0.0, 581.5), (581.5, 902.5), (902.5, 1300.0)]
    assert all(b - a <= 600.0 for a, b in blocks)
    assert block_bounds(500.0, speech, 600.0) == [(0.0, 500.0)]
    # no pause in the last third of a block: cut at its length
    assert block_bounds(1000.0, [(0.0, 1000.0)], 600.0) == [(0.0, 600.0), (600.0, 1000.0)]


class BlockModel:
    """Answers every sequential decode with one segment per call, at 1-2 s of what it got."""

    def __init__(self):
        self.lengths = []

    def transcribe(self, audio, **kwargs):
        from types import SimpleNamespace as NS

        self.lengths.append(audio.size / 16000)
        w = NS(start=1.0, end=2.0, word="词", probability=0.9)
        seg = NS(
            start=1.0,
            end=2.0,
            text="词",
            words=[w],
            avg_logprob=-0.2,
            compression_ratio=1.0,
            no_speech_prob=0.0,
        )
        return iter([seg]), NS(language="zh", language_probability=1.0)


def test_long_audio_is_decoded_block_by_block_in_episode_time():
    m = BlockModel()
    audio = np.zeros(16000 * 50, np.float32)
    speech = [(0.0, 19.0), (21.0, 39.0), (41.0, 50.0)]
    segs, info = decode(m, audio, TranscribeOptions(batch_size=0, block_seconds=20.0), speech=speech)
    assert m.lengths == [20.0, 20.0, 10.0]
    assert [(s.id, s.start, s.words[0].end) for s in segs] == [
        (0, 1.0, 2.0),
        (1, 21.0, 22.0),
        (2, 41.0, 42.0),
    ]
    assert info.language == "zh"


def test_a_first_block_without_speech_does_not_set_the_language(monkeypatch):
    """A batched block with no speech returned language "en" (a placeholder), which every
    later block of a Mandarin episode was then decoded in (review)."""
    from types import SimpleNamespace as NS

    import audio2digest.asr.batched as batched

    languages = []

    class Pipe:
        def transcribe(self, audio, **kwargs):
            languages.append(kwargs["language"])
            w = NS(start=0.5, end=1.0, word="你好。", probability=0.9)
            seg = NS(seek=0, start=0.5, end=1.0, text="你好。", words=[w], avg_logprob=-0.1)
            seg.compression_ratio, seg.no_speech_prob = 1.0, 0.01
            return iter([seg]), NS(language="zh", language_probability=0.98)

    monkeypatch.setattr(batched, "lookahead_pipeline", lambda *a, **k: Pipe())
    audio = np.zeros(16000 * 50, np.float32)
    speech = [(30.0, 39.0), (41.0, 50.0)]  # nothing in the first 20-s block
    model = NS(feature_extractor=NS(hop_length=160))
    segs, info = decode(model, audio, TranscribeOptions(block_seconds=20.0), speech=speech)
    assert languages == [None, "zh"] and info.language == "zh"
    assert [s.start for s in segs] == [20.5, 40.5]


def test_speech_chunks_are_contiguous_spans_cut_at_long_pauses():
    from audio2digest.asr.transcribe import speech_chunks

    speech = [(1.0, 8.0), (8.4, 14.0), (16.0, 22.0), (22.3, 27.0), (28.5, 40.0), (41.0, 75.0)]
    chunks = speech_chunks(speech, 80.0)
    assert all(b - a <= 30.0 + 1e-6 for a, b in chunks)
    # the first chunk ends in the longest pause of its second half (27.0-28.5), not at 22.0-22.3
    assert chunks[0] == (0.8, 27.2)
    # every stretch lies inside one chunk or, if longer than 30 s, in consecutive ones
    for a, b in speech[:5]:
        assert any(x <= a and b <= y for x, y in chunks), (a, b)
    assert chunks[-1][1] <= 80.0 and all(p[1] <= q[0] for p, q in zip(chunks, chunks[1:]))
    assert speech_chunks([], 10.0) == []


def test_speech_chunks_fill_a_short_chunk_by_cutting_the_next_stretch_at_a_quiet_point():
    """Unbroken speech after a short stretch: without energy the short stretch is a chunk of
    its own (a whole 30-s encode for 11 s); with it, the chunk is filled up to a pause
    between words (the quietest point of the last seconds of its room)."""
    import numpy as np

    from audio2digest.asr.transcribe import ENERGY_FRAME, speech_chunks

    speech = [(1.0, 12.0), (13.0, 50.0)]
    energy = np.ones(int(80 / ENERGY_FRAME))
    for t in (20.0, 27.5):  # pauses between words inside the long stretch
        energy[int(t / ENERGY_FRAME)] = 0.01
    plain = speech_chunks(speech, 80.0)
    assert plain[0] == (0.8, 12.2)  # the short stretch alone (and its pad)
    filled = speech_chunks(speech, 80.0, energy=energy)
    assert all(b - a <= 30.0 + 1e-6 for a, b in filled)
    assert len(plain) == 3 and len(filled) == 2
    # cut at the late pause (27.5 s), not the earlier one (20 s) nor mid-word at 30 s
    assert abs(filled[0][1] - 27.5) < 0.05 and filled[1] == (filled[0][1], 50.2)
    # a recording that is all speech: chunks still cover it end to end
    flat = speech_chunks([(0.0, 100.0)], 100.0, energy=np.ones(int(100 / ENERGY_FRAME)))
    assert flat[0][0] == 0.0 and flat[-1][1] == 100.0
    assert all(p[1] <= q[0] for p, q in zip(flat, flat[1:]))
    assert all(b - a <= 30.0 + 1e-6 for a, b in flat)
    # equally quiet everywhere: cut as late as the room allows (the fullest chunks)
    assert all(b - a >= 29.5 for a, b in flat[:-1]), flat
    # energy shorter than the audio (a block's end): a fixed cut there, never a hang
    short = speech_chunks([(0.0, 70.0)], 70.0, energy=np.ones(10))
    assert short[-1][1] == 70.0 and all(b - a <= 30.0 + 1e-6 for a, b in short)


def test_speech_chunks_leave_a_stretch_that_fits_whole():
    """A stretch that fits a chunk of its own is not cut to fill the one before (the cut
    would fall inside a sentence and save no chunk): only a stretch too long for any chunk."""
    import numpy as np

    from audio2digest.asr.transcribe import ENERGY_FRAME, speech_chunks

    energy = np.ones(int(60 / ENERGY_FRAME))
    for speech in ([(0.0, 24.0), (24.5, 31.0), (33.0, 50.0)], [(0.0, 20.0), (22.5, 45.0)]):
        assert speech_chunks(speech, 60.0, energy=energy) == speech_chunks(speech, 60.0)


def test_frame_energy_and_quiet_point():
    import numpy as np

    from audio2digest.asr.transcribe import ENERGY_FRAME, frame_energy, quiet_point

    audio = np.ones(16000 * 3, dtype=np.float32)
    audio[16000 : 16000 + 3200] = 0.0  # 0.2 s of silence at 1.0-1.2 s
    energy = frame_energy(audio)
    assert len(energy) == int(3 / ENERGY_FRAME)
    assert abs(quiet_point(energy, 0.5, 2.5) - 1.1) < 0.05
    assert quiet_point(energy, 5.0, 6.0) == 6.0  # past the energy: hi
    assert len(frame_energy(np.zeros(10, dtype=np.float32))) == 0
    flat = np.ones(100)
    assert quiet_point(flat, 0.0, 2.0) > 1.9  # ties: the latest


def test_an_unfinished_last_segment_of_a_batched_chunk_is_closed_not_dropped():
    """faster-whisper drops a last segment with no closing timestamp (the sequential decode
    hears it again from its start); a batched chunk is heard once, so it is closed at the
    chunk's end instead."""
    from audio2digest.asr.batched import close_last_segment

    tb = 50364  # Whisper's first timestamp token
    text = [100, 101, 102]
    unfinished = [tb, *text, tb + 100, tb + 100, *text]  # "<0.00> a <2.00><2.00> b" (no end)
    closed = close_last_segment(unfinished, tb, 7.5)
    assert closed == [*unfinished, tb + 375]  # 7.5 s
    assert close_last_segment(unfinished, tb, 45.0)[-1] == tb + 1500  # never past 30 s
    finished = [tb, *text, tb + 100]
    assert close_last_segment(finished, tb, 7.5) == finished
    assert close_last_segment(text, tb, 7.5) == text  # no timestamps: one segment already
    assert close_last_segment([], tb, 7.5) == []


def test_a_lone_last_chunk_joins_the_batch_before_it():
    """A batch of one chunk costs a whole decoder pass: the last chunk alone is decoded with
    the batch before it."""
    from audio2digest.asr.batched import batch_bounds

    assert batch_bounds(3, 2) == [(0, 3)]
    assert batch_bounds(5, 2) == [(0, 2), (2, 5)]
    assert batch_bounds(4, 2) == [(0, 2), (2, 4)]
    assert batch_bounds(9, 4) == [(0, 4), (4, 9)]
    assert batch_bounds(1, 2) == [(0, 1)]  # nothing to join
    assert batch_bounds(0, 2) == []
    assert batch_bounds(3, 1) == [(0, 1), (1, 2), (2, 3)]  # batch 1: as asked


def test_the_word_timings_memory_of_speech_is_carried_from_batch_to_batch(monkeypatch):
    """faster-whisper's generator resets last_speech_timestamp when it ends; called once per
    batch, it must not forget where the previous batch's speech ended (its word timing clamps
    a first word against it)."""
    from types import SimpleNamespace as NS

    from faster_whisper import BatchedInferencePipeline

    from audio2digest.asr.batched import lookahead_pipeline

    seen = []

    def forward(self, features, tokenizer, chunks_metadata, options):
        seen.append(self.last_speech_timestamp)
        self.last_speech_timestamp = chunks_metadata[-1]["offset"] + chunks_metadata[-1]["duration"]
        return [[] for _ in chunks_metadata]

    monkeypatch.setattr(BatchedInferencePipeline, "forward", forward)
    pipe = lookahead_pipeline(NS())
    chunks = [{"offset": 30.0 * k, "duration": 29.0} for k in range(5)]
    options = NS(word_timestamps=True, temperatures=[0.0])
    assert list(pipe._batched_segments_generator(list(range(5)), None, chunks, 2, options, False)) == []
    assert seen == [0.0, 59.0]  # batches [0, 1] and [2, 3, 4] (a lone last chunk joins)
    assert pipe.last_speech_timestamp == 0.0  # reset at the end, as faster-whisper does


def test_the_pipeline_reports_each_batch_as_it_is_done(monkeypatch):
    """faster-whisper yields a batch's segments only after the whole batch is decoded: progress
    was reported per chunk from those segments, a chunk late, so a short episode sat at 0 %
    until its end. Each batch is reported when it is done, before the next one is decoded."""
    from types import SimpleNamespace as NS

    from faster_whisper import BatchedInferencePipeline

    from audio2digest.asr.batched import lookahead_pipeline

    events = []

    def forward(self, features, tokenizer, chunks_metadata, options):
        events.append(("forward", len(chunks_metadata)))
        return [[] for _ in chunks_metadata]

    monkeypatch.setattr(BatchedInferencePipeline, "forward", forward)
    pipe = lookahead_pipeline(NS(), report=lambda seconds, message: events.append((seconds, message)))
    chunks = [{"offset": 30.0 * k + 1.0, "duration": 29.0} for k in range(5)]
    options = NS(word_timestamps=True, temperatures=[0.0])
    assert list(pipe._batched_segments_generator(list(range(5)), None, chunks, 2, options, False)) == []
    assert events == [("forward", 2), (60.0, "batch 1/2 done"), ("forward", 3), (150.0, "batch 2/2 done")]


def test_batched_decode_progress_advances_per_batch(monkeypatch):
    from types import SimpleNamespace as NS

    import audio2digest.asr.batched as batched
    from audio2digest.types import Progress

    class Pipe:
        def __init__(self, report):
            self.report = report

        def transcribe(self, audio, **kwargs):
            def gen():
                for k, (a, b) in enumerate([(0.5, 9.0), (10.0, 19.0)]):
                    self.report(a, f"batch {k + 1}/2: decoding")
                    w = NS(start=a, end=b, word=" Hello.", probability=0.9)
                    seg = NS(seek=k, start=a, end=b, text=" Hello.", words=[w], avg_logprob=-0.1)
                    seg.compression_ratio, seg.no_speech_prob = 1.0, 0.01
                    yield seg
                    self.report(b, f"batch {k + 1}/2 done")

            return gen(), NS(language="en", language_probability=0.98)

    monkeypatch.setattr(batched, "lookahead_pipeline", lambda *a, report=None, **k: Pipe(report))
    got: list[Progress] = []
    model = NS(feature_extractor=NS(hop_length=160))
    decode(model, np.zeros(16000 * 20, np.float32), TranscribeOptions(), language="en", progress=got.append)
    assert [(p.done, p.message) for p in got] == [
        (0.5, "batch 1/2: decoding"),
        (9.0, "batch 1/2 done"),
        (10.0, "batch 2/2: decoding"),
        (19.0, "batch 2/2 done"),
    ]
    assert all(p.stage == "transcribe" and p.total == 20.0 for p in got)


def test_a_batched_chunk_cut_by_timestamp_tokens_is_joined_then_cut_at_sentence_ends():
    """With timestamp tokens the decoder ends a segment mid-sentence ("…将在 Hugging Face" |
    "上开源…", 0.5 s apart, the bundled sample); later stages would give each a sentence end.
    The chunk's segments (one ``seek``) are joined and cut at sentence ends and pauses."""
    from types import SimpleNamespace as NS

    from audio2digest.asr.transcribe import chunk_segments, split_sentences

    def fw(seek, start, end, words):
        ws = [NS(start=a, end=b, word=w, probability=0.9) for a, b, w in words]
        return NS(
            seek=seek,
            start=start,
            end=end,
            text="".join(w.word for w in ws),
            words=ws,
            avg_logprob=-0.2,
            compression_ratio=1.0,
            no_speech_prob=0.05,
        )

    raw = [
        fw(0, 0.0, 2.0, [(0.0, 1.0, "模型将在"), (1.0, 2.0, " Hugging Face")]),
        fw(0, 2.5, 4.0, [(2.5, 3.0, "上开源。"), (3.0, 4.0, "价格更低")]),
        fw(3200, 40.0, 42.0, [(40.0, 42.0, "接下来。")]),  # the next chunk
    ]
    chunks = list(chunk_segments(raw))
    assert [(c.start, c.end, c.text) for c in chunks] == [
        (0.0, 4.0, "模型将在 Hugging Face上开源。价格更低"),
        (40.0, 42.0, "接下来。"),
    ]
    assert len(chunks[0].words) == 4
    assert [s.text for s in split_sentences(chunks[0])] == ["模型将在 Hugging Face上开源。", "价格更低"]


def test_auto_timestamps_are_chosen_per_batch_by_its_language():
    """transcribe.BATCHED_TIMESTAMPS "auto": a Mandarin batch predicts timestamp tokens, an
    English one is decoded text only (a recording stand-in for the model)."""
    from dataclasses import dataclass
    from types import SimpleNamespace as NS

    import numpy as np

    from audio2digest.asr.batched import lookahead_pipeline
    from audio2digest.asr.transcribe import TIMESTAMP_LANGUAGES

    prompts, lengths = [], []

    class Model:
        max_length = 448

        def encode(self, features):
            return features

        def get_prompt(self, tokenizer, previous_tokens, without_timestamps, hotwords):
            prompts.append(without_timestamps)
            return [1]

        @staticmethod
        def _generate(*a, **k):
            lengths.append(k["max_length"])
            return [NS(sequences_ids=[[5]], scores=[-0.1], no_speech_prob=0.0)]

        model = NS(generate=_generate)

    @dataclass(frozen=True)
    class Options:  # the fields generate_segment_batched reads
        hotwords: str | None = None
        initial_prompt: str | None = None
        without_timestamps: bool = True
        max_new_tokens: int | None = None
        beam_size: int = 2
        patience: float = 1.0
        length_penalty: float = 1.0
        suppress_blank: bool = True
        suppress_tokens: tuple = ()
        temperatures: tuple = (0.0,)
        repetition_penalty: float = 1.0
        no_repeat_ngram_size: int = 0

    pipe = lookahead_pipeline(Model(), None, TIMESTAMP_LANGUAGES)
    for lang in ("zh", "en"):
        pipe.generate_segment_batched(np.zeros((1, 80, 3000)), NS(language_code=lang), Options())
    assert prompts == [False, True]  # zh: timestamps; en: text only
    prompts.clear()
    lookahead_pipeline(Model()).generate_segment_batched(
        np.zeros((1, 80, 3000)), NS(language_code="zh"), Options()
    )
    assert prompts == [True]  # "on"/"off": the options' own setting
    # a batch decodes at most 12 tokens a second of its longest chunk (a loop stops there)
    pipe.chunk_seconds = [10.0, 4.0]
    lengths.clear()
    pipe.generate_segment_batched(np.zeros((2, 80, 3000)), NS(language_code="en"), Options())
    assert lengths == [1 + 120]


def test_the_language_is_detected_on_the_first_chunk_and_its_encoding_reused():
    """faster-whisper's batched pipeline encodes the first 30 s once more only to detect the
    language; FirstChunkLanguage detects it on the first chunk and hands the first batch
    that chunk's encoder output (a recording stand-in for the model)."""
    from types import SimpleNamespace as NS

    import numpy as np

    from audio2digest.asr.batched import FirstChunkLanguage, encode_batch

    encoded = []

    class Whisper:
        def encode(self, features):
            f = features if features.ndim == 3 else features[None]
            encoded.append(f.shape[0])
            return f[:, :, :2] * 2.0  # an "encoder output" per chunk

        model = NS(detect_language=lambda enc: [[("<|zh|>", 0.9), ("<|en|>", 0.1)]])
        hop = 160

    proxy = FirstChunkLanguage(Whisper(), first_frames=5)
    assert proxy.hop == 160  # everything else is the model's
    chunks = [np.random.default_rng(k).random((80, 5 + k)).astype("float32") for k in range(3)]
    lang, prob, probs = proxy.detect_language(features=np.concatenate(chunks, axis=1))
    assert (lang, prob) == ("zh", 0.9) and probs[1] == ("en", 0.1)
    from faster_whisper.audio import pad_or_trim

    batch = np.stack([pad_or_trim(c) for c in chunks[:2]])
    out = np.asarray(encode_batch(proxy, batch))
    assert encoded == [1, 1]  # the first chunk once (to detect), then only the second
    assert np.allclose(out, batch[:, :, :2] * 2.0)
    encode_batch(proxy, batch)  # used once: a later batch is encoded whole
    assert encoded == [1, 1, 2]
