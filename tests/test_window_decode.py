"""WindowDecoder.window: one short window decoded by faster-whisper's own steps, without the extra
passes ``WhisperModel.transcribe`` makes over a clip's tail (real model, slow)."""

from __future__ import annotations

import pytest
from conftest import SAMPLES


def test_window_decoder_needs_the_language():
    from audio2digest.asr.transcribe import TranscribeOptions, WindowDecoder
    from audio2digest.errors import TranscribeError

    with pytest.raises(TranscribeError, match="language"):
        WindowDecoder(object(), TranscribeOptions(), "")


@pytest.mark.slow
def test_real_window_decodes_in_one_pass_like_faster_whisper():
    """The bundled sample, 41-47.5 s ("……直接调用……"): the window's words come back in
    episode time, inside the window, with the text faster-whisper's own clip decode gives,
    from one encoder pass (faster-whisper's clip decode of a window like this made 3-4)."""
    from rapidfuzz import fuzz

    from audio2digest.asr.model import load_model
    from audio2digest.asr.transcribe import TranscribeOptions, decode, decode_kwargs
    from audio2digest.asr.windows import run_window
    from audio2digest.sources.audio import load_audio

    audio = load_audio(SAMPLES / "ai-weekly-12.mp3")[: 16000 * 60]
    model, _ = load_model("base")
    options = TranscribeOptions(language="zh")
    window = (41.0, 47.5)
    theirs, _ = decode(model, audio, options, language="zh", clip_timestamps=list(window))
    kwargs = decode_kwargs(options, language="zh", clip_timestamps=list(window))
    for k in ("vad_filter", "clip_timestamps"):
        kwargs.pop(k)
    stats: dict = {}
    ours = run_window(model, audio, window, kwargs, stats=stats)
    words = [w for s in ours for w in s.words]
    assert words and stats["passes"] == 1
    assert all(window[0] - 0.05 <= w.start <= w.end <= window[1] + 0.05 for w in words)
    a, b = "".join(s.text for s in ours), "".join(s.text for s in theirs)
    assert fuzz.ratio(a, b) >= 80, (a, b)


@pytest.mark.slow
def test_real_rehear_goes_on_after_its_prefix_alone_or_batched():
    """Re-hearing forced through the words heard first: without a hotword prompt (where
    CTranslate2's step cap, max_length / 2 with the prefix counted, used to cut it short)
    the new words do not repeat the prefix, follow it in time, reach the token limit when
    the speech goes on, and come out the same decoded alone or in a batch."""
    from audio2digest.asr.model import load_model
    from audio2digest.asr.transcribe import TranscribeOptions, WindowDecoder
    from audio2digest.asr.windows import rehear
    from audio2digest.sources.audio import load_audio

    audio = load_audio(SAMPLES / "ai-weekly-12.mp3")[: 16000 * 60]
    model, _ = load_model("base")
    kwargs = WindowDecoder(model, TranscribeOptions(language="zh"), "zh").kwargs(None, {})
    first = ((41.0, 47.5), "开发者可以通过", 8)  # said: 开发者可以通过OpenRouter直接调用……
    second = ((30.0, 36.0), "", 6)
    alone = rehear(model, audio, [first], kwargs, pad=3.0)[0]
    assert alone, "nothing heard after the prefix"
    text = "".join(w.word for w in alone)
    assert not text.strip().startswith("开发者"), text
    assert all(41.0 <= w.start <= w.end <= 47.5 for w in alone)
    assert all(0.0 < w.probability <= 1.0 for w in alone)
    tokens = sum(len(model.hf_tokenizer.encode(w.word, add_special_tokens=False).ids) for w in alone)
    assert tokens >= 6, text  # the limit is 8: the sentence goes on after the prefix
    together = rehear(model, audio, [first, second], kwargs, pad=3.0)
    assert [w.word for w in together[0]] == [w.word for w in alone]
    assert [w.probability for w in together[0]] == pytest.approx([w.probability for w in alone], abs=0.02)
