"""Test doubles passed into the library (never patched in): a fake speech recogniser."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from audio2digest.sources.audio import duration_of, load_audio
from audio2digest.stages import file_fingerprint
from audio2digest.types import EpisodeMeta, Segment, Transcript, no_progress

LINES = ("今天我们聊一聊智普发布的新模型。", "谷歌也更新了Gemini。", "最后是开源社区的消息。")


@dataclass(frozen=True)
class FakeTranscriber:
    """Decodes the audio (so broken files still fail), then returns one to three fixed
    sentences chosen by the audio's hash. ``delay`` seconds make it slow."""

    delay: float = 0.0
    name: str = "fake-asr"

    def transcribe(
        self, audio: Path, meta: EpisodeMeta, options, glossary, *, progress=no_progress
    ) -> Transcript:
        samples = load_audio(audio)
        duration = round(duration_of(samples), 3)
        if self.delay > 0:
            time.sleep(self.delay)
        n = 1 + int(file_fingerprint(audio)[:2], 16) % len(LINES)
        step = duration / n
        segs = tuple(
            Segment(id=i, start=round(i * step, 3), end=round((i + 1) * step, 3), text=LINES[i])
            for i in range(n)
        )
        ep = meta if meta.duration else EpisodeMeta(**{**meta.to_dict(), "duration": duration})
        return Transcript(
            episode=ep,
            language="zh",
            segments=segs,
            duration=duration,
            model="fake-asr (tests/fakes.py)",
            settings=options.transcribe.to_dict(),
        )


@dataclass(frozen=True)
class InterruptingTranscriber:
    """Ctrl-C in the middle of decoding."""

    name: str = "interrupt"

    def transcribe(self, audio, meta, options, glossary, *, progress=no_progress):
        raise KeyboardInterrupt
