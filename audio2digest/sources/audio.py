"""Decode audio to mono 16 kHz float32 (PyAV via faster-whisper) with clear errors."""

from __future__ import annotations

import logging
import os
import re

from audio2digest.errors import AudioError
from audio2digest.files import check_input_file

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


def audio_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` is not audio or video with a sound track (in words), or None when it is:
    only the container's header is read, not the stream."""
    try:
        import av

        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                return "no audio stream"
    except Exception as exc:  # PyAV raises InvalidDataError and others for what it cannot open
        return decode_error_reason(exc)
    return None


def load_audio(path: str | os.PathLike):
    """Return a numpy float32 array at 16 kHz mono. Raises :class:`AudioError`."""
    p = check_input_file(path, AudioError)
    try:
        audio = _decode(str(p))
    except Exception as exc:  # PyAV raises InvalidDataError, IndexError (no audio stream), ...
        raise AudioError(f"{p}: {decode_error_reason(exc)}") from exc
    if audio.size < SAMPLE_RATE // 10:
        raise AudioError(f"{p}: no audio samples (truncated or empty stream)")
    log.debug("%s: %.1f s of audio", p, audio.size / SAMPLE_RATE)
    return audio


def _decode(path: str):
    """faster-whisper's ``decode_audio`` (PyAV, resampled to 16 kHz mono s16), filling one
    float32 array from the decoded pieces: its version collects the bytes in a growing
    buffer and converts them in two more full copies, which for an hour of audio peaked
    near 1 GB; here the peak is the int16 pieces plus the result (~350 MB an hour)."""
    import gc

    import av
    import numpy as np

    resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    pieces = []
    with av.open(path, mode="r", metadata_errors="ignore") as container:
        for frame in _valid_frames(container.decode(audio=0)):
            for out in resampler.resample(frame):
                pieces.append(out.to_ndarray().reshape(-1).copy())
        for out in resampler.resample(None):  # flush
            pieces.append(out.to_ndarray().reshape(-1).copy())
    del resampler
    gc.collect()  # PyAV's resampler objects are freed only by the collector (faster-whisper #390)
    audio = np.empty(sum(x.size for x in pieces), dtype=np.float32)
    pos = 0
    for k, x in enumerate(pieces):
        np.multiply(x, 1 / 32768.0, out=audio[pos : pos + x.size], casting="unsafe")
        pos += x.size
        pieces[k] = None  # freed as it is copied
    return audio


def _valid_frames(frames):
    """Skip frames PyAV cannot decode (a damaged stretch), as faster-whisper does."""
    import av

    it = iter(frames)
    while True:
        try:
            yield next(it)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            continue


def duration_of(audio) -> float:
    return float(audio.size) / SAMPLE_RATE


def is_silent(audio, threshold_dbfs: float = -55.0) -> bool:
    """True when the loudest 50 ms window stays below ``threshold_dbfs`` (digital silence).
    A minute at a time: the whole of an hour as float64 squares took ~0.9 GB."""
    import numpy as np

    win = SAMPLE_RATE // 20
    n = audio.size // win
    if n == 0:
        return True
    loudest = 0.0
    step = 1200 * win  # one minute of windows
    for lo in range(0, n * win, step):
        frames = audio[lo : min(lo + step, n * win)].reshape(-1, win).astype("float64")
        loudest = max(loudest, float(np.sqrt((frames**2).mean(axis=1)).max()))
    return bool(loudest <= 0 or 20 * np.log10(loudest) < threshold_dbfs)


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
