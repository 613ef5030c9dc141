from __future__ import annotations

import wave

import numpy as np
import pytest

from audio2digest.errors import AudioError
from audio2digest.sources.audio import SAMPLE_RATE, is_silent, load_audio


def write_wav(path, samples: np.ndarray, rate: int = SAMPLE_RATE):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def test_decodes_real_clip(real_clips):
    audio = load_audio(real_clips / "en_jfk_inaugural_1961.wav")
    assert audio.dtype == np.float32
    assert abs(audio.size / SAMPLE_RATE - 11.0) < 0.05
    assert not is_silent(audio)


def test_decodes_ogg(real_clips):
    audio = load_audio(real_clips / "en_fleurs_005_hospital.ogg")
    assert abs(audio.size / SAMPLE_RATE - 11.43) < 0.1


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_text("this is a text file, not audio\n" * 20), "not an audio file"),
        (lambda p: p.write_bytes(b"\x00\x01 not audio " * 200), "not an audio file"),
    ],
)
def test_bad_audio(tmp_path, make, message):
    path = tmp_path / "episode.mp3"
    make(path)
    with pytest.raises(AudioError, match=rf"episode\.mp3: {message}"):
        load_audio(path)


def test_truncated_mp3(tmp_path, samples):
    path = tmp_path / "cut.mp3"
    path.write_bytes((samples / "ai-weekly-12.mp3").read_bytes()[:300])
    with pytest.raises(AudioError, match=r"cut\.mp3: "):
        load_audio(path)


def test_silence_detected(tmp_path):
    audio = load_audio(write_wav(tmp_path / "quiet.wav", np.zeros(SAMPLE_RATE * 2)))
    assert is_silent(audio)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    assert not is_silent(0.3 * np.sin(2 * np.pi * 440 * t).astype(np.float32))
