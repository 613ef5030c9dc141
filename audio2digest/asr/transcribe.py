"""Speech recognition with faster-whisper: VAD, word timestamps, glossary hotwords.

``decode()`` is the main faster-whisper pass (batched over VAD chunks by default, or
sequential) and returns our records; ``WindowDecoder`` decodes the short windows the
repairs ask for; ``transcribe()`` is the whole stage: load model, decode, repair, normalise.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from audio2digest.asr.repair import RepairOptions, repair_segments
from audio2digest.asr.repair.detect import compression_ratio
from audio2digest.asr.windows import to_segment
from audio2digest.errors import AudioError, TranscribeError
from audio2digest.sources.audio import SAMPLE_RATE, duration_of, is_silent, load_audio
from audio2digest.text.chinese_words import JUNCTION_CONTEXT, splits_a_word
from audio2digest.text.normalize import SCRIPTS, normalize_segments
from audio2digest.text.sentences import splits_a_decimal
from audio2digest.types import EpisodeMeta, Progress, ProgressCallback, Segment, Transcript, Word, no_progress

if TYPE_CHECKING:
    from audio2digest.asr.hotwords import HotwordChooser

log = logging.getLogger("audio2digest.asr.transcribe")


DEVICES = ("cpu", "cuda", "auto")

#: Batch size of the batched decode. WhisperX runs 8; on 2 cores 4 was as fast as 8 (240 s
#: of dev02: 135 s against 197 s, loaded machine) and 2 as fast as 4 (alternating in one
#: process: dev02 46.3/36.8 s against 52.7/38.6 s, dev01 38.8/25.1 against 32.3/27.3), with
#: a peak of 864 MB against 1291 MB on 10 min of dev02 (bench_memory.py; both at beam 5,
#: when each of the batch's chunks x 5 beams carried the encoder output and the hotword
#: prompt). eval asr scored 2 no worse then (dev01/dev02 CER 22.6/12.2 %, dev03 WER 9.8 %).
DEFAULT_BATCH_SIZE = 2

#: Beam of the batched main decode. Its hotword prompt is carried by every beam (a 220-token
#: prompt took the beam-5 decode of two dev01 chunks from 12.3 to 17.9 s), so the beam is
#: what the batched decode's time scales with. eval asr, batch 2 (docs/asr-eval.md): beam 5
#: dev01/dev02 CER 22.6/12.2 %, dev03 WER 9.8 %, 64/91 entities; beam 3 22.0/12.7/9.8 %,
#: 65/91; beam 2 21.8/12.6-13.1/10.4 %, 66/91 (dev02 varies by 0.5 between identical runs);
#: the real clips the same as plain at each. Alternating in one process on dev02, run took
#: 1.25 / 1.00 / 0.85 x a plain sequential decode at beam 5 / 3 / 2. Sequential decodes
#: (short audio, --sequential) and the repairs keep ``beam_size``.
BATCHED_BEAM_SIZE = 2

#: Audio shorter than this is decoded sequentially even when batching is on (seconds):
#: under two full 30-s chunks there is next to nothing to batch, and on the real clips
#: (4-60 s) the batched decode lost words the sequential one kept (docs/asr-eval.md).
BATCH_MIN_SECONDS = 60.0

#: The main decode takes longer audio a block of about this many seconds at a time, cut in
#: a pause: faster-whisper computes the features of all it is given at once (a 63-min
#: episode peaked at 4.4 GB sequentially, 2.1 GB batched). 10 minutes holds ~20 chunks,
#: enough for full batches, and a few hundred MB of buffers at most.
BLOCK_SECONDS = 600.0

#: Sentence ends at which the batched decode's per-chunk segments are cut into sentences.
SENTENCE_END = tuple("。！？!?.；;")

#: A batched chunk with no_speech_prob above this and avg logprob below -1 is dropped, as
#: the sequential decode drops such a 30-s window (faster-whisper's own two thresholds).
NO_SPEECH_THRESHOLD = 0.6
LOG_PROB_THRESHOLD = -1.0

#: VAD of the batched decode when no speech stretches are given: faster-whisper's
#: sequential default (pauses under 2 s stay inside a chunk) instead of the batched
#: pipeline's 160 ms, which glues speech stretches back to back with the pauses cut out. On
#: the 60-s Earnings-22 clip the batched decode then dropped "we increased our" after "In
#: addition,": WER 0.14 with 160 ms, 0.11 with 2 s, 0.103 for the plain sequential decode.
#: With stretches given (transcribe() has them for the repairs), chunks are contiguous
#: spans of audio instead (speech_chunks), pauses kept, and the VAD runs once.
BATCHED_VAD = {"min_silence_duration_ms": 2000}

#: Chunks of the batched decode: at most Whisper's 30-s window, 0.2 s of room at each end
#: (the repairs' window pad).
CHUNK_SECONDS = 30.0
CHUNK_PAD = 0.2
CHUNK_CUT_FROM = 0.5
#: A chunk with this many seconds of room left when the next speech stretch is too long for
#: any chunk (it has to be cut anyway) is filled: the stretch is cut at its quietest point
#: (the lowest ``QUIET_WINDOW`` s of frame energy) that still fits, not at 29.6 s from its own
#: start, which left its remainder a half-empty chunk of its own (unbroken speech: a fast
#: talker; the dev episodes' TTS reads a 45-s item with 0.15-s pauses). A stretch that fits a
#: chunk is never cut to fill one: the cut would fall inside a sentence and save nothing.
#: dev02: 16 chunks, 15 with the fill; dev01, dev03 and the real clips: unchanged. Set once,
#: not tuned (docs/asr-eval.md).
CHUNK_FILL_MIN = 5.0
#: A quiet point lies at least this far into the stretch it cuts, and within the last this
#: many seconds of the chunk's room (seconds): a later cut fills the chunk, and 4 s of
#: speech nearly always hold a pause between words.
CHUNK_FILL_LEAD = 1.0
QUIET_SEARCH = 4.0
#: Frame and smoothing of the energy a quiet point is the minimum of (seconds): 20-ms
#: frames, averaged over 0.2 s, so that a pause between words wins over a stop consonant.
ENERGY_FRAME = 0.02
QUIET_WINDOW = 0.2

#: Where the batched decode predicts timestamp tokens, as the sequential one does
#: (faster-whisper's batched default is text only): "auto" = in the languages of
#: ``TIMESTAMP_LANGUAGES``, "on" / "off" = always / never. Measured both ways (eval asr, one
#: run each, docs/asr-eval.md). In Mandarin, text only ran the separate utterances of a chunk
#: together (the real clips joined: CER 12.4 % against plain 9.7 %, "甚至 → 散至") and dropped
#: English names (the bundled sample: DeepSeek-R2, PCC, Blackwell Ultra, Sora 2); with them
#: 9.7 %, dev02 12.5 -> 11.4 %, dev01 21.8 -> 22.1 %, entities 67/91 against 64/91. In English
#: they cost dev03 WER 10.4 -> 12.2 % ("That's it" -> "Notion", moving a sentence into the
#: wrong item) and changed nothing on the real clips joined (6.2 %): one synthetic episode
#: against one real sample, so English stays text only until more English says otherwise.
#: About 6 % slower. The decoder's own segment cuts, mid-sentence too, are undone per chunk
#: (chunk_segments).
BATCHED_TIMESTAMPS = "auto"
TIMESTAMP_MODES = ("auto", "on", "off")
TIMESTAMP_LANGUAGES = frozenset({"zh"})

#: The decode's own revision, part of the transcript fingerprint (stages.py): bumped when the
#: same options give a different transcript (here: a lone last chunk decoded with the batch
#: before it, batched.batch_bounds), so that cached transcripts are decoded again.
DECODE_REVISION = 3

#: Re-split a batched chunk also at a pause this long between words (seconds): the chunk
#: joins VAD stretches, and a pause of a second or more is where a speaker starts anew.
SPLIT_PAUSE = 1.0


@dataclass(frozen=True)
class TranscribeOptions:
    """Settings of the transcription stage; every field is recorded in transcript.json."""

    model: str = "base"
    language: str | None = None  # None: detect
    beam_size: int = 5
    vad: bool = True
    condition_on_previous_text: bool = False  # long episodes loop otherwise
    hotwords: str | None = None  # space-separated glossary terms (see hotwords.py)
    initial_prompt: str | None = None
    script: str = "simplified"  # for Chinese output: simplified | traditional | keep
    compute_type: str = "int8"
    device: str = "cpu"  # cpu | cuda | auto (CTranslate2 picks)
    cpu_threads: int = 0  # 0: CTranslate2's default (all cores)
    # batched decoding (faster-whisper's BatchedInferencePipeline over VAD chunks) with this
    # many chunks at once; 0 or 1: the sequential decode over 30-s windows. Batched needs VAD.
    batch_size: int = DEFAULT_BATCH_SIZE
    batched_beam_size: int = BATCHED_BEAM_SIZE  # the batched main decode's beam (see above)
    batched_timestamps: str = BATCHED_TIMESTAMPS  # timestamp tokens in the batched decode: auto | on | off
    # shorter audio is decoded sequentially (see BATCH_MIN_SECONDS)
    batch_min_seconds: float = BATCH_MIN_SECONDS
    block_seconds: float = BLOCK_SECONDS  # longer audio is decoded block by block (memory)
    repair: bool = True  # silence, echo, loop, coverage and dropout repair (asr/repair/)
    repair_options: RepairOptions = RepairOptions()
    extra: dict = field(default_factory=dict)  # other faster-whisper keyword arguments

    def __post_init__(self):
        if self.script not in SCRIPTS:
            raise ValueError(f"Invalid script '{self.script}', expected one of: {', '.join(SCRIPTS)}")
        for beam in (self.beam_size, self.batched_beam_size):
            if beam < 1:
                raise ValueError(f"Invalid beam size {beam}, expected 1 or more")
        if self.device not in DEVICES:
            raise ValueError(f"Invalid device '{self.device}', expected one of: {', '.join(DEVICES)}")
        if self.batched_timestamps not in TIMESTAMP_MODES:
            raise ValueError(
                f"Invalid batched timestamps '{self.batched_timestamps}', expected one of: "
                + ", ".join(TIMESTAMP_MODES)
            )
        if self.batch_size < 0:
            raise ValueError(f"Invalid batch size {self.batch_size}, expected 0 (sequential) or more")

    @property
    def batched(self) -> bool:
        """True when the main decode runs batched (needs VAD chunks)."""
        return self.batch_size > 1 and self.vad

    def to_dict(self) -> dict:
        return asdict(self)


def decode_kwargs(
    options: TranscribeOptions,
    *,
    language: str | None = None,
    clip_timestamps: Sequence[float] | None = None,
    hotwords: str | None = "default",
    **overrides,
) -> dict:
    """The keyword arguments of ``WhisperModel.transcribe`` for one pass (see :func:`decode`)."""
    kwargs: dict[str, Any] = dict(
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
        # 1.8 s). The repairs re-decode just the affected windows instead. Measured on the dev
        # set: identical CER, entity recall, loops and coverage; RTF 0.26 -> 0.19 (docs/asr-eval.md).
        kwargs.setdefault("temperature", [0.0])
    return kwargs


def batched_kwargs(options: TranscribeOptions, *, hotwords: str | None = "default", **overrides) -> dict:
    """The keyword arguments of ``BatchedInferencePipeline.transcribe`` for the main decode:
    those of :func:`decode_kwargs` it knows (it has no ``condition_on_previous_text``: every
    chunk is decoded on its own), its own beam (``batched_beam_size``) and ``batch_size``."""
    kwargs = decode_kwargs(
        options, hotwords=hotwords, **({"beam_size": options.batched_beam_size} | overrides)
    )
    kwargs.pop("condition_on_previous_text", None)
    kwargs.setdefault("without_timestamps", options.batched_timestamps != "on")  # auto: per batch
    kwargs["vad_filter"] = True
    kwargs.setdefault("vad_parameters", dict(BATCHED_VAD))
    kwargs["batch_size"] = options.batch_size
    return kwargs


def split_sentences(seg: Segment, start_id: int = 0, *, pause: float = SPLIT_PAUSE) -> list[Segment]:
    """Cut a segment with words at sentence ends (and pauses of ``pause`` s, unless the pause
    falls inside a Chinese word or before a bound particle: ``text.chinese_words.splits_a_word``) into segments
    that share its log probability: the batched decode returns one segment per VAD chunk
    (up to 30 s), the sequential one about a sentence each, and the later stages (echo
    check, subtitles, segmentation) work by sentence."""
    if len(seg.words) < 2:
        return [replace(seg, id=start_id)]
    pieces: list[list[Word]] = [[]]
    for i, w in enumerate(seg.words):
        nxt = seg.words[i + 1] if i + 1 < len(seg.words) else None
        pieces[-1].append(w)
        if nxt is None:
            continue
        decimal = splits_a_decimal(w.word, nxt.word)
        if (w.word.rstrip().endswith(SENTENCE_END) and not decimal) or (
            nxt.start - w.end >= pause
            and not decimal
            and not splits_a_word(
                "".join(x.word for x in pieces[-1]),
                "".join(x.word for x in seg.words[i + 1 : i + 1 + JUNCTION_CONTEXT]),
            )
        ):
            pieces.append([])
    pieces = [p for p in pieces if p]
    out = []
    for p in pieces:
        text = "".join(w.word for w in p)
        out.append(
            replace(
                seg,
                id=start_id + len(out),
                start=p[0].start,
                end=p[-1].end,
                text=text,
                words=tuple(p),
                compression_ratio=round(compression_ratio(text), 4),
            )
        )
    return out


def decode(
    model,
    audio,
    options: TranscribeOptions,
    *,
    language: str | None = None,
    clip_timestamps: Sequence[float] | None = None,
    hotwords: str | None = "default",
    progress: ProgressCallback = no_progress,
    episode: str = "",
    choose_hotwords: HotwordChooser | None = None,
    speech: Sequence[tuple[float, float]] | None = None,
    **overrides,
):
    """The main decode. Returns ``(segments, info)``; segments are raw (not normalised).

    Audio longer than ``options.block_seconds`` is decoded block by block, cut in pauses of
    the VAD ``speech`` stretches (computed when not given; see :func:`block_bounds`).

    ``choose_hotwords`` (batched only): called per batch (with its greedy first look's text
    where ``choose_hotwords.wants_look`` asks for one), returns that batch's hotwords (see
    ``batched.py``; ``hotwords.HotwordChooser``).

    Batched (``options.batched``, no ``clip_timestamps``): faster-whisper's
    ``BatchedInferencePipeline`` over VAD chunks, its per-chunk segments cut at sentence
    ends (:func:`split_sentences`); otherwise one sequential ``WhisperModel.transcribe``.
    ``hotwords="default"`` uses ``options.hotwords``; pass None to decode without them.
    ``clip_timestamps`` restricts decoding to windows [start, end, start, end, ...] (seconds).
    """
    total = duration_of(audio)
    if clip_timestamps is None and total > options.block_seconds:
        # long audio: one block at a time, cut in pauses, so that the features, VAD buffers
        # and chunk copies are a block's, not the episode's (peak memory; docs/asr-eval.md)
        if speech is None:
            from audio2digest.asr.repair.detect import speech_stretches

            speech = speech_stretches(audio)

        def shifted(offset: float) -> ProgressCallback:
            """``progress`` for the block starting ``offset`` s in: done counts from the start."""

            def report(p: Progress) -> None:
                progress(replace(p, done=min(p.done + offset, total), total=total))

            return report

        block_segments: list[Segment] = []
        first = None
        for a, b in block_bounds(total, speech, options.block_seconds):
            inside = [(max(x, a) - a, min(y, b) - a) for x, y in speech if y > a and x < b]
            segs, info = decode(
                model,
                audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)],
                options,
                language=language or (first.language if first else None),
                hotwords=hotwords,
                choose_hotwords=choose_hotwords,
                speech=inside,
                progress=shifted(a),
                episode=episode,
                **overrides,
            )
            if first is None and segs:  # a block without speech says nothing of the language
                first = info
            block_segments.extend(shift_segment(sg, a, len(block_segments) + k) for k, sg in enumerate(segs))
        return block_segments, first or info
    segments: list[Segment] = []
    try:
        if options.batched and clip_timestamps is None:
            from audio2digest.asr.batched import lookahead_pipeline

            kwargs = batched_kwargs(
                options, hotwords=hotwords, language=language or options.language, **overrides
            )
            if speech is not None:  # the VAD pass the repairs use: chunks from it, no second pass
                chunks = speech_chunks(speech, total, energy=frame_energy(audio))
                if not chunks:
                    return [], SimpleNamespace(language=kwargs["language"] or "en", language_probability=0.0)
                for k in ("vad_filter", "vad_parameters"):
                    kwargs.pop(k, None)
                kwargs["clip_timestamps"] = [{"start": x, "end": y} for x, y in chunks]
            auto = options.batched_timestamps == "auto" and "without_timestamps" not in overrides
            first_frames = 0
            if "clip_timestamps" in kwargs and kwargs.get("language") is None:
                c = kwargs["clip_timestamps"][0]  # sliced as the pipeline slices it
                samples = min(int(c["end"] * SAMPLE_RATE), audio.size) - int(c["start"] * SAMPLE_RATE)
                first_frames = samples // model.feature_extractor.hop_length

            def batch_progress(seconds: float, message: str) -> None:
                progress(Progress("transcribe", min(seconds, total), total, message=message, episode=episode))

            pipe = lookahead_pipeline(
                model,
                choose_hotwords,
                TIMESTAMP_LANGUAGES if auto else None,
                first_frames=first_frames,
                report=batch_progress,  # per batch and step: segments come only after a batch
            )
            gen, info = pipe.transcribe(audio, **kwargs)
            for chunk in chunk_segments(gen):
                if chunk.no_speech_prob > NO_SPEECH_THRESHOLD and chunk.avg_logprob < LOG_PROB_THRESHOLD:
                    log.debug("chunk %.1f-%.1f s judged silent: %r", chunk.start, chunk.end, chunk.text[:40])
                    continue
                segments.extend(split_sentences(chunk, len(segments)))
        else:
            kwargs = decode_kwargs(
                options, language=language, clip_timestamps=clip_timestamps, hotwords=hotwords, **overrides
            )
            gen, info = model.transcribe(audio, **kwargs)
            for seg in gen:
                segments.append(to_segment(len(segments), seg))
                progress(Progress("transcribe", min(seg.end, total), total, episode=episode))
    except Exception as exc:
        raise TranscribeError(f"speech recognition failed: {exc}") from exc
    return segments, info


def chunk_segments(segments) -> Iterator[Segment]:
    """One of our segments per batched chunk from faster-whisper's ``segments``: with
    timestamp tokens the decoder cuts a chunk where it likes, mid-sentence too ("…将在
    Hugging Face" | "上开源…", 0.5 s apart), and every segment would then be given a
    sentence end; joined, the chunk is cut at sentence ends and pauses by
    :func:`split_sentences`, as a text-only chunk is. A chunk's segments share its ``seek``."""
    group: list = []
    for seg in segments:
        if group and seg.seek != group[0].seek:
            yield join_segments(group)
            group = []
        group.append(seg)
    if group:
        yield join_segments(group)


def join_segments(group) -> Segment:
    """One segment of faster-whisper segments of the same chunk (their words in order)."""
    segs = [to_segment(0, s) for s in group]
    if len(segs) == 1:
        return segs[0]
    text = "".join(s.text for s in segs)
    return replace(
        segs[0],
        end=segs[-1].end,
        text=text,
        words=tuple(w for s in segs for w in s.words),
        compression_ratio=round(compression_ratio(text), 4),
    )


def frame_energy(audio, frame: float = ENERGY_FRAME, window: float = QUIET_WINDOW):
    """Mean square of each ``frame``-s frame of the audio, averaged over ``window`` s."""
    import numpy as np

    n = max(1, int(round(frame * SAMPLE_RATE)))
    k = audio.size // n
    if k == 0:
        return np.zeros(0)
    power = np.square(audio[: k * n].astype(np.float32)).reshape(k, n).mean(axis=1)
    w = max(1, int(round(window / frame)))
    return np.convolve(power, np.ones(w) / w, mode="same")


def quiet_point(energy, lo: float, hi: float, frame: float = ENERGY_FRAME) -> float:
    """The time (seconds) of the quietest frame of ``energy`` between ``lo`` and ``hi``."""
    a, b = max(0, int(lo / frame)), min(len(energy), int(hi / frame))
    if b <= a:
        return hi
    import numpy as np

    seg = np.asarray(energy[a:b])
    last = len(seg) - 1 - int(np.argmin(seg[::-1]))  # of equally quiet frames the latest: a fuller chunk
    return (a + last + 0.5) * frame


def speech_chunks(
    speech: Sequence[tuple[float, float]],
    duration: float,
    *,
    max_len: float = CHUNK_SECONDS,
    pad: float = CHUNK_PAD,
    cut_from: float | None = None,
    energy=None,
    fill_min: float = CHUNK_FILL_MIN,
) -> list[tuple[float, float]]:
    """The batched decode's chunks: runs of consecutive VAD ``speech`` stretches, each a
    contiguous span of audio (pauses inside kept, as the sequential decode hears them) of
    at most ``max_len`` s, cut at the longest pause of its second half; ``pad`` s added at
    both ends where there is room. With ``energy`` (:func:`frame_energy` of the audio), a
    chunk with ``fill_min`` s of room left is filled by cutting the next stretch at its
    quietest point, and a stretch longer than ``max_len`` is cut at its quietest point too;
    without, such a stretch is cut into pieces of ``max_len``."""
    cut_from = CHUNK_CUT_FROM if cut_from is None else cut_from
    room = max_len - 2 * pad
    pieces = [(a, b) for a, b in speech if b > a]
    chunks: list[tuple[float, float]] = []
    i = 0
    while i < len(pieces):
        start, end = pieces[i]
        if end - start > room:  # longer than a chunk: cut it (the rest is the next piece)
            cut = start + room
            if energy is not None:
                cut = quiet_point(energy, start + max(room - QUIET_SEARCH, room / 2), cut)
            pieces[i : i + 1] = [(start, cut), (cut, end)]
        j = i
        while j + 1 < len(pieces) and pieces[j + 1][1] - start <= room:
            j += 1
        if j + 1 < len(pieces):
            na, nb = pieces[j + 1]
            left = start + room - max(na, pieces[j][1])
            if (
                energy is not None
                and nb - na > room
                and left >= fill_min
                and start + room - na > CHUNK_FILL_LEAD
            ):  # the next stretch has to be cut anyway: cut it where it fills this chunk
                cut = quiet_point(
                    energy, max(na + CHUNK_FILL_LEAD, start + room - QUIET_SEARCH), start + room
                )
                pieces[j + 1 : j + 2] = [(na, cut), (cut, nb)]
                j += 1
            elif j > i:  # full: cut at the longest pause of its last part
                half = start + room * cut_from
                cands = [k for k in range(i, j + 1) if pieces[k][1] >= half] or [j]
                j = max(cands, key=lambda k: pieces[k + 1][0] - pieces[k][1])
        chunks.append((pieces[i][0], pieces[j][1]))
        i = j + 1
    out = []
    for k, (a, b) in enumerate(chunks):
        lo = max(0.0, a - pad, (chunks[k - 1][1] + a) / 2 if k else 0.0)
        hi = min(duration, b + pad, (b + chunks[k + 1][0]) / 2 if k + 1 < len(chunks) else duration)
        out.append((round(lo, 3), round(hi, 3)))
    return out


def block_bounds(
    duration: float, speech: Sequence[tuple[float, float]], block: float
) -> list[tuple[float, float]]:
    """Cut ``[0, duration]`` into blocks of at most ``block`` s, each cut in the middle of the
    last pause between VAD ``speech`` stretches before the block's end (a block with no pause
    after its first third is cut at its length, inside speech: the rare monologue)."""
    cuts = [0.0]
    pauses = [((b + c) / 2) for (_, b), (c, _) in zip(speech, speech[1:])]
    while duration - cuts[-1] > block:
        target = cuts[-1] + block
        near = [p for p in pauses if cuts[-1] + block / 3 <= p <= target]
        cuts.append(round(max(near) if near else target, 3))
    return list(zip(cuts, cuts[1:] + [duration]))


def shift_segment(seg: Segment, offset: float, idx: int) -> Segment:
    """``seg`` (and its words) ``offset`` seconds later, numbered ``idx``."""
    if not offset:
        return replace(seg, id=idx)
    words = tuple(
        replace(w, start=round(w.start + offset, 3), end=round(w.end + offset, 3)) for w in seg.words
    )
    return replace(
        seg, id=idx, start=round(seg.start + offset, 3), end=round(seg.end + offset, 3), words=words
    )


class WindowDecoder:
    """What the repairs decode through: short windows of one episode's audio, with its
    options and language (see ``asr/repair``). ``hotwords`` is the episode's prompt."""

    def __init__(self, model, options: TranscribeOptions, language: str, hotword_terms: Sequence[str] = ()):
        if not language:
            raise TranscribeError("decoding a window needs the language (detected by the main decode)")
        self.model, self.options, self.language = model, options, language
        self.hotwords = options.hotwords
        self.hotword_terms = tuple(hotword_terms)  # the terms ``hotwords`` joins, when known

    def kwargs(self, hotwords, overrides: dict) -> dict:
        """The faster-whisper keyword arguments of a window decode (no VAD: a window is
        decoded as it is)."""
        kwargs = decode_kwargs(self.options, language=self.language, hotwords=hotwords, **overrides)
        kwargs.pop("vad_filter", None)  # a window is decoded as it is
        return kwargs

    def window(
        self, audio, window: Sequence[float], *, hotwords: str | None = "default", **overrides
    ) -> list[Segment]:
        """Decode one short window ``(start, end)`` s: the settings of :func:`decode`
        (``overrides`` on top), the mel of the window only, no passes over a tail shorter
        than a second (see windows.py). Segments in episode time."""
        from audio2digest.asr.windows import run_window

        try:
            return run_window(
                self.model, audio, (float(window[0]), float(window[1])), self.kwargs(hotwords, overrides)
            )
        except Exception as exc:
            raise TranscribeError(f"speech recognition failed: {exc}") from exc

    def rehear(
        self,
        audio,
        items: Sequence[tuple[Sequence[float], str, int]],
        *,
        hotwords: str | None = "default",
        pad: float = 0.0,
        **overrides,
    ) -> list[list[Word]]:
        """Hear windows again, each ``(window, prefix, max_new_tokens)``, forced through its
        prefix (see ``windows.rehear``): per window, the words added after the prefix."""
        from audio2digest.asr.windows import rehear

        try:
            return rehear(
                self.model,
                audio,
                [((float(w[0]), float(w[1])), p, n) for w, p, n in items],
                self.kwargs(hotwords, overrides),
                pad=pad,
            )
        except Exception as exc:
            raise TranscribeError(f"speech recognition failed: {exc}") from exc


def _forward_only(progress: ProgressCallback) -> ProgressCallback:
    """``progress`` whose ``done`` never goes back: a batch's end is its last chunk's end, a
    step after it ("repairs") reports only what it is doing."""
    furthest = 0.0

    def report(p: Progress) -> None:
        nonlocal furthest
        furthest = max(furthest, p.done)
        progress(replace(p, done=furthest))

    return report


def transcribe(
    audio_or_path,
    meta: EpisodeMeta | None = None,
    options: TranscribeOptions = TranscribeOptions(),
    *,
    progress: ProgressCallback = no_progress,
    hotword_chooser=None,
    normalise: bool = True,
) -> Transcript:
    """Transcribe one episode's audio (a path or a 16 kHz float32 array) into a Transcript.

    ``hotword_chooser`` (a ``hotwords.HotwordChooser``): with batched decoding, each batch's
    hotwords are chosen by it (named, heard, filled) instead of ``options.hotwords``; the repairs then
    decode with every term chosen, and that is what transcript.json records.
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
    model, spec = load_model(
        options.model,
        cpu_threads=options.cpu_threads,
        compute_type=options.compute_type,
        device=options.device,
    )
    t_load = time.perf_counter() - t0
    progress = _forward_only(progress)
    progress(Progress("transcribe", 0.0, duration, message="decoding", episode=label))
    if options.batched and duration < options.batch_min_seconds:
        options = replace(options, batch_size=0)
    chooser = hotword_chooser if options.batched else None
    if hotword_chooser is not None and chooser is None:  # sequential: the metadata's terms only
        options = replace(options, hotwords=hotword_chooser(""))
    speech = None
    if options.repair or duration > options.block_seconds:
        from audio2digest.asr.repair.detect import speech_stretches

        speech = speech_stretches(audio)  # once: for the block cuts and the repairs
    segments, info = decode(
        model, audio, options, progress=progress, episode=label, choose_hotwords=chooser, speech=speech
    )
    language = info.language
    terms: list[str] = []
    if chooser is not None:
        terms = chooser.all_chosen_terms(language)
        options = replace(options, hotwords=" ".join(terms) or None)
    repairs = []
    if options.repair and segments:
        # the repairs re-decode windows after the decode: say so, the bar is near its end
        progress(Progress("transcribe", 0.0, duration, message="repairs", episode=label))
        segments, repairs = repair_segments(
            WindowDecoder(model, options, language, terms),
            audio,
            segments,
            opts=options.repair_options,
            speech=speech,
        )
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
    log.info(
        "%s: %.1f s of audio, model load %.2f s, decode %.2f s",
        label,
        duration,
        t_load,
        time.perf_counter() - t0 - t_load,
    )
    return Transcript(
        episode=meta if meta.duration else EpisodeMeta(**{**meta.to_dict(), "duration": round(duration, 3)}),
        language=language,
        segments=tuple(Segment(**{**s.__dict__, "id": i}) for i, s in enumerate(segments)),
        duration=round(duration, 3),
        model=spec.label,
        settings=settings,
        repairs=tuple(repairs),
    )
