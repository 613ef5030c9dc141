"""decode_window: one short window decoded by faster-whisper's own steps, without the extra
passes ``WhisperModel.transcribe`` makes over a clip's tail (real model, slow)."""

from __future__ import annotations

import pytest

from conftest import SAMPLES


def test_decode_window_needs_the_language():
    import numpy as np

    from audio2digest.errors import TranscribeError
    from audio2digest.transcribe import TranscribeOptions, decode_window

    with pytest.raises(TranscribeError, match="language"):
        decode_window(object(), np.zeros(16000, "float32"), TranscribeOptions(), (0.0, 1.0))


@pytest.mark.slow
def test_real_window_decodes_in_one_pass_like_faster_whisper():
    """The bundled sample, 44-47.5 s ("……直接调用……"): the window's words come back in
    episode time, inside the window, with the text faster-whisper's own clip decode gives,
    from one encoder pass (faster-whisper's clip decode of a window like this made 3-4)."""
    from rapidfuzz import fuzz

    from audio2digest.audio import load_audio
    from audio2digest.model import load_model
    from audio2digest.transcribe import TranscribeOptions, decode
    from audio2digest.window_decode import run_window
    from audio2digest.transcribe import decode_kwargs

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
