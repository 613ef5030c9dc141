"""Hotword echo on real speech (slow: the real model, two short clips, ~10 s each).

Under the glossary's full static prompt (220 tokens of its top terms, the worst case)
Whisper base appended terms nobody said at the end of these clips ("…built around it. AI
AI AI AI", "…的情况。Departure"); the echo check must leave text no worse than a plain
decode."""

from __future__ import annotations

import pytest

from audio2digest.evaluation.asr import PLAIN_TOLERANCE, cer, plain_decode, wer

pytestmark = pytest.mark.slow

CLIPS = (("en_librispeech_1995-1837-0001.wav", "en", wer), ("zh_aishell1_BAC009S0764W0121.wav", "zh", cer))


@pytest.mark.parametrize("name,language,metric", CLIPS)
def test_no_echo_and_never_worse_than_plain(real_clips, name, language, metric):
    from audio2digest.asr.hotwords import select_hotwords
    from audio2digest.asr.model import load_model
    from audio2digest.asr.transcribe import TranscribeOptions, transcribe
    from audio2digest.sources.audio import load_audio
    from audio2digest.text.glossary import load_glossary

    model, _ = load_model("base")
    hot = select_hotwords(load_glossary(), tokenizer=model)
    audio = load_audio(real_clips / name)
    reference = (real_clips / name).with_suffix(".txt").read_text(encoding="utf-8")
    t = transcribe(audio, None, TranscribeOptions(language=language, hotwords=hot))
    plain = plain_decode(audio, language)
    assert metric(reference, t.text) <= metric(reference, plain) + PLAIN_TOLERANCE, (t.text, plain)
    prompt = {w.casefold() for w in hot.split()}
    tail = [w.casefold().strip(".,。") for w in t.text.split()[-3:]]
    assert not (set(tail) & prompt) or language == "zh", t.text
    if language == "zh":
        assert not any(c.isascii() and c.isalpha() for c in t.text), t.text  # nothing Latin was said
