"""``--clips``: one audio file per news item, cut with pydub at the item's times.

pydub's own loader needs ffprobe, which a bare machine lacks; so the audio is decoded once
with ffmpeg (``audio2digest.sources.ffmpeg.ffmpeg_exe()``, else imageio-ffmpeg's binary) straight to
raw 16-bit PCM, wrapped in an ``AudioSegment``, sliced, and exported through the same ffmpeg.
"""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from audio2digest.errors import AudioError, RenderError
from audio2digest.files import atomic_write_bytes
from audio2digest.text.language import CJK_CHARS
from audio2digest.types import Item

logger = logging.getLogger("audio2digest.render")

SAMPLE_RATE = 44100
CHANNELS = 1


def _ffmpeg() -> str:
    try:
        from audio2digest.sources.ffmpeg import ffmpeg_exe

        return ffmpeg_exe()
    except ImportError:  # pragma: no cover - the lead's module is missing
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()


def _slug(text: str, limit: int = 40) -> str:
    s = re.sub(rf"[^\w{CJK_CHARS}-]+", "-", text or "", flags=re.UNICODE).strip("-_")
    return s[:limit].strip("-_") or "item"


def _pydub():
    """pydub's AudioSegment, imported without its "Couldn't find ffmpeg" warning."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment
    AudioSegment.converter = _ffmpeg()
    return AudioSegment


def decode_pcm(audio_path: str | Path, sample_rate: int = SAMPLE_RATE, channels: int = CHANNELS):
    """Decode ``audio_path`` into a pydub ``AudioSegment`` (16-bit PCM) without ffprobe."""
    AudioSegment = _pydub()

    exe = _ffmpeg()
    cmd = [
        exe,
        "-nostdin",
        "-v",
        "error",
        "-i",
        str(audio_path),
        "-f",
        "s16le",
        "-acodec",
        "pcm_s16le",
        "-ac",
        str(channels),
        "-ar",
        str(sample_rate),
        "-",
    ]
    try:
        res = subprocess.run(cmd, capture_output=True, check=False)
    except OSError as exc:
        raise AudioError(f"{audio_path}: cannot run ffmpeg ({exc})") from None
    if res.returncode != 0 or not res.stdout:
        msg = res.stderr.decode("utf-8", "replace").strip().splitlines()
        raise AudioError(f"{audio_path}: cannot decode audio ({msg[-1] if msg else 'no audio'})")
    return AudioSegment(data=res.stdout, sample_width=2, frame_rate=sample_rate, channels=channels)


def cut_clips(
    audio_path: str | Path,
    items: Sequence[Item],
    outdir: str | Path,
    *,
    fmt: str = "mp3",
    pad: float = 0.25,
    kinds: Iterable[str] = ("news",),
    bitrate: str | None = "96k",
) -> list[Path]:
    """Write one ``fmt`` file per item of ``kinds`` (default news) to ``outdir``.

    Files are named ``NN-<headline slug>.mp3``; each clip runs from ``start - pad`` to
    ``end + pad`` (clamped). Items without times are skipped. Returns the paths written.
    """
    kinds = set(kinds)
    todo = [it for it in items if it.kind in kinds and it.start is not None and it.end is not None]
    if not todo:
        return []
    audio = decode_pcm(audio_path)
    total_ms = len(audio)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for it in todo:
        start, end = it.start, it.end
        if start is None or end is None:  # filtered out above; this narrows the types
            continue
        a = max(0, int((start - pad) * 1000))
        b = min(total_ms, int((end + pad) * 1000))
        if b <= a:
            logger.warning("item %d (%s) lies outside the audio; no clip", it.index, it.title)
            continue
        clip = audio[a:b]
        path = outdir / f"{it.index + 1:02d}-{_slug(it.title)}.{fmt}"
        tmp = outdir / f".{path.name}.part.{fmt}"
        try:
            params = {"format": fmt}
            if bitrate and fmt in ("mp3", "ogg", "m4a"):
                params["bitrate"] = bitrate
            tags = {"title": it.title}
            clip.export(str(tmp), tags=tags, **params)
            atomic_write_bytes(path, tmp.read_bytes())
        except Exception as exc:
            raise RenderError(f"{path}: cannot write clip ({exc})") from None
        finally:
            if tmp.exists():
                tmp.unlink()
        written.append(path)
    logger.info("cut %d clips into %s", len(written), outdir)
    return written
