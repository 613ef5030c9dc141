"""Find an ffmpeg binary: ``$AUDIO2DIGEST_FFMPEG``, the system one, else imageio-ffmpeg's.

pydub (clip cutting) and yt-dlp (some downloads) need ffmpeg. imageio-ffmpeg ships a
static binary on PyPI, so ``pip install audio2digest`` is enough on a bare machine.
Decoding for transcription needs no ffmpeg binary: faster-whisper uses PyAV.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil

from audio2digest.errors import AudioError

log = logging.getLogger("audio2digest.sources.ffmpeg")


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    env = os.environ.get("AUDIO2DIGEST_FFMPEG")
    if env:
        if not os.access(env, os.X_OK):
            raise AudioError(f"{env}: AUDIO2DIGEST_FFMPEG is not an executable file")
        return env
    system = shutil.which("ffmpeg")
    if system:
        return system
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # pragma: no cover - depends on the install
        raise AudioError("no ffmpeg found: install imageio-ffmpeg or put ffmpeg on PATH") from exc
    log.debug("using imageio-ffmpeg's binary %s", exe)
    return exe


def configure_pydub() -> None:
    """Point pydub at our ffmpeg (it otherwise looks only on PATH)."""
    from pydub import AudioSegment

    AudioSegment.converter = ffmpeg_exe()
