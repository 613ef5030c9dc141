"""Speech recognition with faster-whisper: VAD, word timestamps, glossary hotwords.

``decode()`` is one faster-whisper pass over (a window of) the audio and returns our
records; ``transcribe()`` is the whole stage: load model, decode, repair, normalise.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Optional, Sequence

from audio2digest.sources.audio import duration_of, is_silent, load_audio
from audio2digest.errors import AudioError, TranscribeError
from audio2digest.text.normalize import SCRIPTS, normalize_segments
from audio2digest.types import EpisodeMeta, Progress, ProgressCallback, Segment, Transcript, Word, no_progress

log = logging.getLogger("audio2digest.asr.transcribe")


@dataclass(frozen=True)
class TranscribeOptions:
    """Settings of the transcription stage; every field is recorded in transcript.json."""

    model: str = "base"
    language: Optional[str] = None  # None: detect
    beam_size: int = 5
    vad: bool = True
    condition_on_previous_text: bool = False  # long episodes loop otherwise
    hotwords: Optional[str] = None  # space-separated glossary terms (see hotwords.py)
    initial_prompt: Optional[str] = None
    script: str = "simplified"  # for Chinese output: simplified | traditional | keep
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0: CTranslate2's default (all cores)
    repair: bool = True  # loop and coverage repair (see repair.py); also the decode fallback
    recover_names: bool = True  # re-hear names skipped inside sentences (repair.py: dropouts)
    extra: dict = field(default_factory=dict)  # other faster-whisper keyword arguments

    def __post_init__(self):
        if self.script not in SCRIPTS:
            raise ValueError(f"Invalid script '{self.script}', expected one of: {', '.join(SCRIPTS)}")
        if self.beam_size < 1:
            raise ValueError(f"Invalid beam size {self.beam_size}, expected 1 or more")

    def to_dict(self) -> dict:
        return asdict(self)


def _to_segment(idx: int, seg) -> Segment:
    words = tuple(
        Word(start=round(w.start, 3), end=round(w.end, 3), word=w.word,
             probability=round(w.probability, 4))
        for w in (seg.words or ())
    )
    return Segment(
        id=idx,
        start=round(seg.start, 3),
        end=round(seg.end, 3),
        text=seg.text,
        words=words,
        avg_logprob=round(seg.avg_logprob, 4),
        compression_ratio=round(seg.compression_ratio, 4),
        no_speech_prob=round(seg.no_speech_prob, 4),
    )


def decode_kwargs(
    options: TranscribeOptions,
    *,
    language: Optional[str] = None,
    clip_timestamps: Optional[Sequence[float]] = None,
    hotwords: Optional[str] = "default",
    **overrides,
) -> dict:
    """The keyword arguments of ``WhisperModel.transcribe`` for one pass (see :func:`decode`)."""
    kwargs = dict(
        language=language or options.language,
        beam_size=options.beam_size,
        vad_filter=options.vad and clip_timestamps is None,
        word_timestamps=True,
        condition_on_previous_text=options.condition_on_previous_text,
        hotwords=options.hotwords if hotwords == "default" else hotwords,
        initial_prompt=options.initial_prompt,
    )
    kwargs.update(options.extra)
    if clip_timestamps is not None:
        kwargs["clip_timestamps"] = list(clip_timestamps)
    kwargs.update(overrides)
    if options.repair:
        # With repair on, the main decode runs at temperature 0 only: faster-whisper's own
        # fallback re-samples whole 30-s windows at five more temperatures x best_of 5 whenever
        # the hotword prompt makes a window look repetitive (a 4-s clip took 53 s instead of
        # 1.8 s). repair.py re-decodes just the affected windows instead. Measured on the dev
        # set: identical CER, entity recall, loops and coverage; RTF 0.26 -> 0.19 (docs/asr-eval.md).
        kwargs.setdefault("temperature", [0.0])
    return kwargs


def decode(
    model,
    audio,
    options: TranscribeOptions,
    *,
    language: Optional[str] = None,
    clip_timestamps: Optional[Sequence[float]] = None,
    hotwords: Optional[str] = "default",
    progress: ProgressCallback = no_progress,
    episode: str = "",
    **overrides,
):
    """One faster-whisper pass. Returns ``(segments, info)``; segments are raw (not normalised).

    ``hotwords="default"`` uses ``options.hotwords``; pass None to decode without them.
    ``clip_timestamps`` restricts decoding to windows [start, end, start, end, ...] (seconds).
    """
    kwargs = decode_kwargs(options, language=language, clip_timestamps=clip_timestamps,
                           hotwords=hotwords, **overrides)
    try:
        gen, info = model.transcribe(audio, **kwargs)
        total = duration_of(audio)
        segments = []
        for seg in gen:
            segments.append(_to_segment(len(segments), seg))
            progress(Progress("transcribe", min(seg.end, total), total, episode=episode))
    except Exception as exc:
        raise TranscribeError(f"speech recognition failed: {exc}") from exc
    return segments, info


def decode_window(
    model,
    audio,
    options: TranscribeOptions,
    window: Sequence[float],
    *,
    language: Optional[str] = None,
    hotwords: Optional[str] = "default",
    **overrides,
) -> list[Segment]:
    """Decode one short window ``(start, end)`` s of ``audio`` for a repair: the settings of
    :func:`decode` (``overrides`` on top), but the mel of the window only and no passes over
    a tail shorter than a second (see window_decode.py). Returns segments in episode time."""
    from audio2digest.asr.windows import run_window

    kwargs = _window_kwargs(options, language, hotwords, overrides)
    try:
        return run_window(model, audio, (float(window[0]), float(window[1])), kwargs)
    except Exception as exc:
        raise TranscribeError(f"speech recognition failed: {exc}") from exc


def rehear_windows(
    model,
    audio,
    options: TranscribeOptions,
    items: Sequence[tuple[Sequence[float], str, int]],
    *,
    language: Optional[str] = None,
    hotwords: Optional[str] = "default",
    pad: float = 0.0,
    **overrides,
) -> list[list[Word]]:
    """Hear windows again, each ``(window, prefix, max_new_tokens)``, forced through its
    prefix (see ``window_decode.rehear``): per window, the words added after the prefix, in
    episode time."""
    from audio2digest.asr.windows import rehear

    kwargs = _window_kwargs(options, language, hotwords, overrides)
    try:
        return rehear(model, audio, [((float(w[0]), float(w[1])), p, n) for w, p, n in items], kwargs,
                      pad=pad)
    except Exception as exc:
        raise TranscribeError(f"speech recognition failed: {exc}") from exc


def _window_kwargs(options: TranscribeOptions, language, hotwords, overrides: dict) -> dict:
    """:func:`decode_kwargs` for a window decoded by hand (window_decode.py): no VAD there."""
    kwargs = decode_kwargs(options, language=language, hotwords=hotwords, **overrides)
    kwargs.pop("vad_filter", None)
    if not kwargs.get("language"):
        raise TranscribeError("decoding a window needs the language (detected by the main decode)")
    return kwargs


def transcribe(
    audio_or_path,
    meta: Optional[EpisodeMeta] = None,
    options: TranscribeOptions = TranscribeOptions(),
    *,
    progress: ProgressCallback = no_progress,
    normalise: bool = True,
) -> Transcript:
    """Transcribe one episode's audio (a path or a 16 kHz float32 array) into a Transcript.

    ``normalise=False`` leaves script conversion and punctuation to the caller (the
    pipeline's normalise stage)."""
    if isinstance(audio_or_path, (str, bytes)) or hasattr(audio_or_path, "__fspath__"):
        source = str(audio_or_path)
        audio = load_audio(audio_or_path)
    else:
        source = meta.source if meta else "<audio>"
        audio = audio_or_path
    meta = meta or EpisodeMeta(source=source)
    duration = duration_of(audio)
    label = meta.title or source
    if is_silent(audio):
        raise AudioError(f"{source}: silence only, no speech to transcribe")

    from audio2digest.asr.model import load_model

    t0 = time.perf_counter()
    model, spec = load_model(options.model, cpu_threads=options.cpu_threads,
                             compute_type=options.compute_type)
    t_load = time.perf_counter() - t0
    progress(Progress("transcribe", 0.0, duration, message="decoding", episode=label))
    segments, info = decode(model, audio, options, progress=progress, episode=label)
    language = info.language
    repairs = []
    if options.repair and segments:
        try:
            from audio2digest.asr.repair import repair_segments
        except ImportError:  # repair stage not available
            repair_segments = None
        if repair_segments is not None:
            from audio2digest.asr.repair import DEFAULT_OPTIONS as _ropts

            segments, repairs = repair_segments(
                model, audio, segments, options, language=language,
                opts=replace(_ropts, dropouts=options.recover_names))
    if not any(s.text.strip() for s in segments):
        raise AudioError(f"{source}: no speech detected ({duration:.1f} s of audio)")
    if normalise:
        segments = normalize_segments(segments, language, options.script)
    progress(Progress("transcribe", duration, duration, message="done", episode=label))
    settings = options.to_dict()
    settings.pop("cpu_threads", None)  # speed only: the same audio gives the same transcript file
    settings.update(
        detected_language=info.language,
        language_probability=round(info.language_probability, 2),
    )
    # Timings go to the log, not the transcript: outputs must be reproducible byte for byte.
    log.info("%s: %.1f s of audio, model load %.2f s, decode %.2f s", label, duration, t_load,
             time.perf_counter() - t0 - t_load)
    return Transcript(
        episode=meta if meta.duration else EpisodeMeta(**{**meta.to_dict(), "duration": round(duration, 3)}),
        language=language,
        segments=tuple(Segment(**{**s.__dict__, "id": i}) for i, s in enumerate(segments)),
        duration=round(duration, 3),
        model=spec.label,
        settings=settings,
        repairs=tuple(repairs),
    )
