"""Decoding short windows for repairs, with fewer passes than ``WhisperModel.transcribe``.

Repairs re-decode windows of a few seconds. Through ``WhisperModel.transcribe`` with
``clip_timestamps`` such a window cost three to five passes, each an encoder run over a
padded 30-s chunk plus a decode behind the 220-token hotword prompt:

- the log-mel spectrogram is computed for the whole episode on every call (~0.3 s for 6
  minutes), although only the window is decoded;
- with word timestamps on, faster-whisper seeks to the last word's end whenever the decode
  does not end on a single timestamp, and decodes what is left of the clip again. A
  window's tail after its last word (trailing silence, the 0.2-s pad) was decoded up to
  three more times, for a token or two each (a 3-s gap: 4 passes, 3.4 s).

:func:`run_window` runs the same faster-whisper steps (``encode``, ``get_prompt``,
``generate_with_fallback``, ``_split_segments_by_timestamps``, ``add_word_timestamps``,
all of faster-whisper 1.2.1, which pyproject pins) on the window's audio only, and goes
on after the last word only while at least ``min_tail`` seconds of the window are left.
Measured on dev02's 3-s gap: 1 pass instead of 4 (see docs/asr-eval.md).

:func:`rehear` hears windows again forced through the words already heard at their start
(the dropout repair: a name skipped inside a sentence), a batch at a time.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Sequence

from audio2digest.sources.audio import SAMPLE_RATE
from audio2digest.types import Segment, Word

log = logging.getLogger("audio2digest.asr.windows")


def to_segment(idx: int, seg) -> Segment:
    """Our :class:`~audio2digest.types.Segment` from a faster-whisper segment (times rounded
    to the millisecond, probabilities to 4 places)."""
    words = tuple(
        Word(start=round(w.start, 3), end=round(w.end, 3), word=w.word, probability=round(w.probability, 4))
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


@functools.lru_cache(maxsize=1)
def _defaults() -> dict:
    """faster-whisper's own defaults for every ``transcribe()`` argument (read once)."""
    from faster_whisper import WhisperModel

    return {
        k: p.default
        for k, p in inspect.signature(WhisperModel.transcribe).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def _options(tokenizer, kwargs: dict):
    """faster-whisper's ``TranscriptionOptions`` for ``kwargs`` (``WhisperModel.transcribe``
    keyword arguments), built as ``transcribe()`` builds them."""
    from faster_whisper.transcribe import TranscriptionOptions, get_suppressed_tokens

    args = {**_defaults(), **kwargs}  # a new dict: the cached defaults stay as they are
    temperature = args["temperature"]
    temps = list(temperature) if isinstance(temperature, (list, tuple)) else [temperature]
    suppress = args["suppress_tokens"]
    return TranscriptionOptions(
        beam_size=args["beam_size"],
        best_of=args["best_of"],
        patience=args["patience"],
        length_penalty=args["length_penalty"],
        repetition_penalty=args["repetition_penalty"],
        no_repeat_ngram_size=args["no_repeat_ngram_size"],
        log_prob_threshold=args["log_prob_threshold"],
        no_speech_threshold=args["no_speech_threshold"],
        compression_ratio_threshold=args["compression_ratio_threshold"],
        condition_on_previous_text=args["condition_on_previous_text"],
        prompt_reset_on_temperature=args["prompt_reset_on_temperature"],
        temperatures=temps,
        initial_prompt=args["initial_prompt"],
        prefix=args["prefix"],
        suppress_blank=args["suppress_blank"],
        suppress_tokens=get_suppressed_tokens(tokenizer, suppress) if suppress else suppress,
        without_timestamps=args["without_timestamps"],
        max_initial_timestamp=args["max_initial_timestamp"],
        word_timestamps=True,
        prepend_punctuations=args["prepend_punctuations"],
        append_punctuations=args["append_punctuations"],
        multilingual=False,
        max_new_tokens=args["max_new_tokens"],
        clip_timestamps=[],
        hallucination_silence_threshold=None,
        hotwords=args["hotwords"],
    )


def run_window(
    model,
    audio,
    window: tuple[float, float],
    kwargs: dict,
    *,
    min_tail: float = 1.0,
    stats: dict | None = None,
) -> list[Segment]:
    """Decode ``audio[window]`` (seconds) with ``kwargs`` (``WhisperModel.transcribe``
    keyword arguments; ``language`` must be set; the task is always transcription) and
    return segments with words in episode time. As in faster-whisper, a 30-s chunk judged
    to hold no speech is skipped, the prompt carries earlier passes' text only with
    ``condition_on_previous_text``, and a pass goes on from the last word's end; unlike
    it, only while ``min_tail`` s of the window remain. ``stats``, if given, counts
    ``passes``."""
    import numpy as np
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import Segment as FWSegment
    from faster_whisper.transcribe import Word as FWWord

    lo = max(0.0, float(window[0]))
    piece = np.ascontiguousarray(audio[int(lo * SAMPLE_RATE) : int(float(window[1]) * SAMPLE_RATE)])
    if piece.size < SAMPLE_RATE // 10:
        return []
    tokenizer = Tokenizer(
        model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=kwargs["language"]
    )
    options = _options(tokenizer, kwargs)
    features = model.feature_extractor(piece)
    content_frames = features.shape[-1] - 1
    fe = model.feature_extractor
    history: list[int] = []  # faster-whisper's all_tokens
    if options.initial_prompt:
        history = tokenizer.encode(" " + str(options.initial_prompt).strip())
    reset = 0
    out: list[Segment] = []
    seek, passes, last_speech = 0, 0, 0.0
    max_passes = content_frames // fe.nb_max_frames + 4  # every chunk, and a few tails
    while seek < content_frames:
        if passes == max_passes:
            log.warning(
                "decoding %.1f-%.1f s: stopped after %d passes at %.1f s",
                lo,
                window[1],
                passes,
                lo + seek * fe.time_per_frame,
            )
            break
        passes += 1
        size = min(fe.nb_max_frames, content_frames - seek)
        encoder_output = model.encode(pad_or_trim(features[:, seek : seek + size]))
        prompt = model.get_prompt(
            tokenizer,
            history[reset:],
            without_timestamps=options.without_timestamps,
            prefix=options.prefix if seek == 0 else None,
            hotwords=options.hotwords,
        )
        result, avg_logprob, temperature, ratio = model.generate_with_fallback(
            encoder_output, prompt, tokenizer, options
        )
        if (
            options.no_speech_threshold is not None
            and result.no_speech_prob > options.no_speech_threshold
            and not (options.log_prob_threshold is not None and avg_logprob > options.log_prob_threshold)
        ):
            seek += size  # no speech in this chunk
            continue
        current, next_seek, single_ending = model._split_segments_by_timestamps(
            tokenizer=tokenizer,
            tokens=result.sequences_ids[0],
            time_offset=seek * fe.time_per_frame,
            segment_size=size,
            segment_duration=size * fe.time_per_frame,
            seek=seek,
        )
        model.add_word_timestamps(
            [current],
            tokenizer,
            encoder_output,
            size,
            options.prepend_punctuations,
            options.append_punctuations,
            last_speech_timestamp=last_speech,
        )
        ends = [w["end"] for s in current for w in s.get("words") or ()]
        if ends:
            last_speech = ends[-1]
            if not single_ending and ends[-1] > seek * fe.time_per_frame:
                next_seek = round(ends[-1] * model.frames_per_second)
        for s in current:
            text = tokenizer.decode(s["tokens"])
            if s["start"] == s["end"] or not text.strip():
                continue
            words = [
                FWWord(**{k: (v + lo if k in ("start", "end") else v) for k, v in w.items()})
                for w in s.get("words") or ()
            ]
            fw = FWSegment(
                id=len(out),
                seek=s["seek"],
                start=s["start"] + lo,
                end=s["end"] + lo,
                text=text,
                tokens=s["tokens"],
                temperature=temperature,
                avg_logprob=avg_logprob,
                compression_ratio=ratio,
                no_speech_prob=result.no_speech_prob,
                words=words,
            )
            out.append(to_segment(len(out), fw))
            history.extend(s["tokens"])
        if not options.condition_on_previous_text or temperature > options.prompt_reset_on_temperature:
            reset = len(history)
        if next_seek <= seek:
            next_seek = seek + size
        if (content_frames - next_seek) * fe.time_per_frame < min_tail:
            break
        seek = next_seek
    if stats is not None:
        stats["passes"] = stats.get("passes", 0) + passes
    log.debug("decoded %.1f-%.1f s in %d pass(es)", lo, window[1], passes)
    return out


def rehear(
    model,
    audio,
    items: Sequence[tuple[tuple[float, float], str, int]],
    kwargs: dict,
    *,
    pad: float = 0.0,
    batch_size: int = 8,
) -> list[list[Word]]:
    """Hear windows of ``audio`` again, each ``(window, prefix, max_new_tokens)``: the
    decoder forced through ``prefix`` (the words the first decode heard at the window's
    start), and return, per window, the words it adds after them, in episode time.

    The forced prefix anchors a few seconds of audio in the sentence they came from, so the
    decoder goes on from the known words to the one it skipped ("开发者可以通过" ->
    " OpenRouter"), instead of guessing what a cut-out scrap of sound starts with. Unlike
    faster-whisper's own ``prefix``, the hotword prompt stays in. One greedy pass without
    timestamp tokens per window, at most its ``max_new_tokens`` (``beam_size`` in
    ``kwargs`` is ignored); up to ``batch_size`` windows are encoded and decoded together.

    The encoder sees each window's frames and at least ``pad`` seconds of silence after them
    (the windows of a batch are padded to one length; ``True``: the full 30-s chunk). With
    none, the decoder runs on after the speech and loops ("达在 PCC 到 到 到 …"). Word times
    come from aligning prefix + new tokens with the window's frames; a word's
    ``probability`` is the mean probability
    the decoder (with the prompt) gave its tokens, not the alignment's."""
    import numpy as np
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer

    tokenizer = Tokenizer(
        model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=kwargs["language"]
    )
    options = _options(tokenizer, kwargs)
    fe = model.feature_extractor
    hot: list[int] = []
    if options.hotwords:
        hot = [tokenizer.sot_prev] + tokenizer.encode(" " + options.hotwords.strip())[
            : model.max_length // 2 - 1
        ]
    out: list[list[Word]] = [[] for _ in items]
    todo = []
    for i, ((a, b), prefix, limit) in enumerate(items):
        lo = max(0.0, float(a))
        piece = np.ascontiguousarray(audio[int(lo * SAMPLE_RATE) : int(float(b) * SAMPLE_RATE)])
        if piece.size < SAMPLE_RATE // 10:
            continue
        features = fe(piece)
        prefix = prefix.strip()
        if prefix and prefix[0].isascii():
            prefix = " " + prefix  # an English first word carries its space, as Whisper writes it
        todo.append(
            (
                i,
                lo,
                features[:, : min(features.shape[-1] - 1, fe.nb_max_frames)],
                tokenizer.encode(prefix) if prefix else [],
                limit,
            )
        )
    for k in range(0, len(todo), batch_size):
        batch = todo[k : k + batch_size]
        longest = max(f.shape[-1] for _, _, f, _, _ in batch)
        length = fe.nb_max_frames if pad is True else min(fe.nb_max_frames, longest + int(pad * 100))
        encoder_output = model.encode(np.stack([pad_or_trim(f, length) for _, _, f, _, _ in batch]))
        prompts = [
            hot + list(tokenizer.sot_sequence) + [tokenizer.no_timestamps] + p for _, _, _, p, _ in batch
        ]
        results = model.model.generate(
            # greedy: CTranslate2 returns the per-step logits (the words' probabilities) only then
            encoder_output,
            prompts,
            beam_size=1,
            repetition_penalty=options.repetition_penalty,
            no_repeat_ngram_size=options.no_repeat_ngram_size,
            # CTranslate2 decodes at most max_length/2 steps, the forced prefix included
            max_length=min(
                model.max_length,
                max(max(len(p) + n, 2 * (len(pt) + n + 1)) for p, (_, _, _, pt, n) in zip(prompts, batch)),
            ),
            suppress_blank=options.suppress_blank,
            suppress_tokens=options.suppress_tokens,
            return_logits_vocab=True,
        )
        news, probs = [], []
        for (_, lo, _, prefix_tokens, limit), result in zip(batch, results):
            seq = list(result.sequences_ids[0])  # CTranslate2 returns the forced prefix too
            start = len(prefix_tokens)
            if seq[:start] != prefix_tokens:  # cut short within the prefix: nothing new heard
                log.debug("re-hearing at %.1f s: the decode stopped inside its prefix", lo)
                news.append([])
                probs.append([])
                continue
            new = []
            for t in seq[start : start + limit]:
                if t >= tokenizer.eot:
                    break
                new.append(t)
            p = []  # logits[j] is the step that chose seq[j]
            for tok, logits in zip(new, result.logits[0][start:]):
                z = np.asarray(logits, dtype=np.float64)
                z = np.exp(z - z.max())
                p.append(float(z[tok] / z.sum()))
            news.append(new)
            probs.append(p)
        alignments = model.find_alignment(  # over each window's own frames, not the padding
            tokenizer,
            [pt + new for (_, _, _, pt, _), new in zip(batch, news)],
            encoder_output,
            [f.shape[-1] for _, _, f, _, _ in batch],
        )
        for (i, lo, _, prefix_tokens, _), new, p, alignment in zip(batch, news, probs, alignments):
            if not new:
                continue
            words, n = [], 0
            for w in alignment:
                n += len(w["tokens"])
                if n <= len(prefix_tokens):
                    continue  # the prefix's own words: heard already
                wp = p[max(0, n - len(w["tokens"]) - len(prefix_tokens)) : n - len(prefix_tokens)]
                words.append(
                    Word(
                        start=round(float(w["start"]) + lo, 3),
                        end=round(float(w["end"]) + lo, 3),
                        word=w["word"],
                        probability=round(sum(wp) / len(wp), 4) if wp else 0.0,
                    )
                )
            out[i] = words
    return out
