"""Decode audio to mono 16 kHz float32 (PyAV via faster-whisper) with clear errors."""

from __future__ import annotations

import logging
import os
import re

from audio2digest.files import check_input_file
from audio2digest.errors import AudioError

log = logging.getLogger("audio2digest.sources.audio")

SAMPLE_RATE = 16000

#: FFmpeg's AVERROR_INVALIDDATA ("Invalid data found when processing input"), which PyAV
#: raises as ``[Errno 1094995529]`` for a file that is not audio or video at all.
AVERROR_INVALIDDATA = 1094995529


def decode_error_reason(exc: BaseException) -> str:
    """What a PyAV/FFmpeg decoding failure means, in words (no errno numbers, no path)."""
    if isinstance(exc, (IndexError, StopIteration)):
        return "no audio stream"
    code = getattr(exc, "errno", None)
    if code is not None and abs(code) == AVERROR_INVALIDDATA:
        return "not an audio file (no audio or video data found)"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text)
    text = re.sub(r":\s*'[^']*'\s*$", "", text)  # PyAV repeats the path at the end
    return f"not decodable audio ({text})"


def load_audio(path: str | os.PathLike):
    """Return a numpy float32 array at 16 kHz mono. Raises :class:`AudioError`."""
    p = check_input_file(path, AudioError)
    from faster_whisper.audio import decode_audio

    try:
        audio = decode_audio(str(p), sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # PyAV raises InvalidDataError, IndexError (no audio stream), ...
        raise AudioError(f"{p}: {decode_error_reason(exc)}") from exc
    if audio.size < SAMPLE_RATE // 10:
        raise AudioError(f"{p}: no audio samples (truncated or empty stream)")
    log.debug("%s: %.1f s of audio", p, audio.size / SAMPLE_RATE)
    return audio


def duration_of(audio) -> float:
    return float(audio.size) / SAMPLE_RATE


def is_silent(audio, threshold_dbfs: float = -55.0) -> bool:
    """True when the loudest 50 ms window stays below ``threshold_dbfs`` (digital silence)."""
    import numpy as np

    win = SAMPLE_RATE // 20
    n = audio.size // win
    if n == 0:
        return True
    frames = audio[: n * win].reshape(n, win)
    rms = np.sqrt((frames.astype("float64") ** 2).mean(axis=1)).max()
    return bool(rms <= 0 or 20 * np.log10(rms) < threshold_dbfs)


def probe_duration(path: str | os.PathLike) -> float:
    """Seconds of media in ``path`` from its container header (no decoding); 0.0 if unknown."""
    try:
        import av

        with av.open(str(path)) as container:
            if container.duration:
                return round(container.duration / 1_000_000, 3)
            stream = next((s for s in container.streams if s.type == "audio"), None)
            if stream is not None and stream.duration and stream.time_base:
                return round(float(stream.duration * stream.time_base), 3)
    except Exception as exc:  # unreadable here: the transcript's own end time is used instead
        log.debug("%s: no duration from the container (%s)", path, exc)
    return 0.0
