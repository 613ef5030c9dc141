"""How decode() drives faster-whisper (a recording stand-in for the model; no weights)."""

from __future__ import annotations

import numpy as np

from audio2digest.asr.transcribe import TranscribeOptions, decode


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
    decode(m, np.zeros(16000, np.float32), TranscribeOptions(hotwords="智谱 GLM-4.7"))
    assert m.calls[-1]["temperature"] == [0.0]
    assert m.calls[-1]["hotwords"] == "智谱 GLM-4.7"
    assert m.calls[-1]["condition_on_previous_text"] is False
    assert m.calls[-1]["word_timestamps"] is True


def test_without_repair_whisper_keeps_its_fallback():
    m = RecordingModel()
    decode(m, np.zeros(16000, np.float32), TranscribeOptions(repair=False))
    assert "temperature" not in m.calls[-1]


def test_explicit_temperatures_win():
    m = RecordingModel()
    decode(m, np.zeros(16000, np.float32), TranscribeOptions(), temperature=[0.0, 0.4],
           hotwords=None, clip_timestamps=[1.0, 2.0])
    call = m.calls[-1]
    assert call["temperature"] == [0.0, 0.4]
    assert call["hotwords"] is None
    assert call["clip_timestamps"] == [1.0, 2.0] and call["vad_filter"] is False
