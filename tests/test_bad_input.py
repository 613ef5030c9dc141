"""Audio with nothing to transcribe: no invented words (an error naming the file, or an
empty transcript). Digital silence needs no model; the rest use the real model (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from audio2digest.asr.transcribe import TranscribeOptions, transcribe
from audio2digest.errors import AudioError
from audio2digest.types import EpisodeMeta

SR = 16000


def noise(seconds=30, seed=1):
    return (0.1 * np.random.default_rng(seed).standard_normal(SR * seconds)).astype("float32")


def music(seconds=30):
    """Piano-like chords, one a second (a decaying triad), no voice."""
    t = np.arange(SR * seconds) / SR
    notes = (261.6, 329.6, 392.0, 349.2, 440.0, 523.3)
    out = np.zeros_like(t)
    for k in range(seconds):
        on = (t >= k) & (t < k + 1)
        for f in (notes[k % 6], notes[k % 6] * 1.26, notes[k % 6] * 1.5):
            out[on] += 0.1 * np.sin(2 * np.pi * f * t[on]) * np.exp(-3 * (t[on] - k))
    return out.astype("float32")


def _no_words(audio, name, **kw):
    """The transcript holds no words, or transcribing says in one line that it found none."""
    try:
        t = transcribe(audio, EpisodeMeta(source=name), TranscribeOptions(), **kw)
    except AudioError as exc:
        msg = str(exc)
        assert name in msg and "\n" not in msg and ("no speech" in msg or "silence" in msg), msg
        return None
    assert t.text.strip() == "", t.text
    return t


def test_thirty_seconds_of_silence_is_one_clear_error():
    with pytest.raises(AudioError, match=r"^silence\.wav: silence only"):
        transcribe(np.zeros(SR * 30, "float32"), EpisodeMeta(source="silence.wav"))


@pytest.fixture(scope="module")
def chooser():
    from audio2digest.asr.hotwords import HotwordChooser
    from audio2digest.asr.model import load_model
    from audio2digest.text.glossary import load_glossary

    model, _ = load_model("base")
    return HotwordChooser(load_glossary(), tokenizer=model)


@pytest.mark.slow
def test_noise_and_music_give_no_words(chooser):
    _no_words(noise(), "noise.wav", hotword_chooser=chooser)
    _no_words(music(), "music.wav", hotword_chooser=chooser)


@pytest.mark.slow
def test_half_a_second_and_an_unknown_language_invent_no_glossary_terms(real_clips):
    """A 0.5-s cut of real Mandarin and time-reversed English (speech sounds in no language
    the glossary covers), both under the full static prompt of the glossary's top terms,
    the worst case for echo: whatever is printed is no hotword."""
    from audio2digest.asr.hotwords import select_hotwords
    from audio2digest.asr.model import load_model
    from audio2digest.sources.audio import load_audio
    from audio2digest.text.glossary import load_glossary

    model, _ = load_model("base")
    hot = select_hotwords(load_glossary(), tokenizer=model)
    latin = {t.casefold() for t in hot.split() if t.isascii() and len(t) >= 3}
    zh = load_audio(real_clips / "zh_aishell1_BAC009S0764W0121.wav")
    reversed_en = load_audio(real_clips / "en_jfk_inaugural_1961.wav")[::-1].copy()
    for name, audio in (("short.wav", zh[SR : SR + SR // 2]), ("reversed.wav", reversed_en)):
        try:
            t = transcribe(audio, EpisodeMeta(source=name), TranscribeOptions(hotwords=hot))
        except AudioError as exc:
            assert name in str(exc)
            continue
        words = {w.casefold().strip(".,!?。，") for w in t.text.split()}
        assert not (words & latin), (name, t.text)
