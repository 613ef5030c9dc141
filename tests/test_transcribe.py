"""The real embedded model on real human speech (slow: a few seconds per clip)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from audio2digest.errors import AudioError
from audio2digest.asr.transcribe import TranscribeOptions, transcribe

pytestmark = pytest.mark.slow

_TRADITIONAL_ONLY = set("廣產協會門們這個說發開經實與為對時們國機關雲聯")


def test_aishell_comes_out_simplified(real_clips):
    t = transcribe(real_clips / "zh_aishell1_BAC009S0724W0121.wav")
    assert t.language == "zh"
    assert "广州" in t.text
    assert not (set(t.text) & _TRADITIONAL_ONLY), t.text
    words = [w for s in t.segments for w in s.words]
    assert words and all(w.end >= w.start for w in words)


def test_aishell_traditional_on_request(real_clips):
    t = transcribe(real_clips / "zh_aishell1_BAC009S0724W0121.wav",
                   options=TranscribeOptions(script="traditional", language="zh"))
    assert "廣州" in t.text


def test_jfk_words(real_clips):
    t = transcribe(real_clips / "en_jfk_inaugural_1961.wav")
    assert t.language == "en"
    text = re.sub(r"[^a-z ]", "", t.text.lower())
    for phrase in ("my fellow americans", "ask not what your country can do for you",
                   "what you can do for your country"):
        assert phrase in text
    assert 9.0 < t.segments[-1].end <= 11.0


def test_silence_is_an_error(tmp_path):
    with pytest.raises(AudioError, match="silence only"):
        transcribe(np.zeros(16000 * 3, dtype=np.float32))


def test_name_recovery_is_a_recorded_repair_setting_and_on_by_default():
    from audio2digest.asr.repair import RepairOptions
    from audio2digest.asr.transcribe import TranscribeOptions

    assert TranscribeOptions().repair_options.dropouts is True
    off = TranscribeOptions(repair_options=RepairOptions(dropouts=False))
    assert off.to_dict()["repair_options"]["dropouts"] is False
