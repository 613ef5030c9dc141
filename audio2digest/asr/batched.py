"""Batched decoding over VAD chunks, with hotwords chosen for each batch.

faster-whisper's ``BatchedInferencePipeline`` (the way WhisperX runs it) cuts the speech the
VAD finds into chunks of up to 30 s and decodes up to ``batch_size`` of them at once. One
prompt of hotwords for every chunk is what made Whisper base append terms nobody said at
the end of a chunk ("…的情况。AI AI AI AI"). :class:`LookaheadPipeline` encodes each batch
once (four chunks at a time, for memory) and lets ``choose`` (``hotwords.HotwordChooser``)
pick its hotwords: by default from the terms heard in the decoded text of earlier batches
(``choose.note``) and, where ``choose.wants_look`` says so, from a greedy decode without
hotwords of the batch (a first look, about 1/5 of the decode; by default only the first
batch of a language the glossary's fill does not cover). A batch for
which no term was chosen is decoded without a prompt.
Relies on faster-whisper 1.2.1's ``generate_segment_batched`` (pinned in pyproject).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audio2digest.asr.hotwords import HotwordChooser

#: ``report(seconds, message)``: how far into the audio the decode has come (every chunk
#: before ``seconds`` decoded) and what it is doing; for progress bars, never for the text.
BatchReport = Callable[[float, str], None]

log = logging.getLogger("audio2digest.asr.batched")

#: The first look only has to name terms: at most this many tokens per chunk (30 s of dense
#: Mandarin is ~150-250 tokens) and no 4-gram twice, so a greedy decode that loops stops.
LOOK_MAX_TOKENS = 256
LOOK_NO_REPEAT = 4

#: Chunks encoded at once. CTranslate2's encoder holds its activations for the whole batch:
#: batch 8 took the process from 319 to 923 MB, 4 at a time to 621 MB, the beam-5 decode of
#: all 8 included (Whisper base, int8, measured with random features).
ENCODE_BATCH = 4


class FirstChunkLanguage:
    """The ``WhisperModel`` as the pipeline sees it, but for language detection: on the
    first chunk alone, whose encoder output the first batch then reuses. faster-whisper
    encodes the first 30 s once more only to detect the language (0.8 s of a 6.4-s decode of
    dev03, profiled). ``first_frames``: the first chunk's feature frames."""

    def __init__(self, model, first_frames: int):
        self.whisper, self.first_frames, self.cached = model, first_frames, None

    def __getattr__(self, name):
        return getattr(self.whisper, name)

    def detect_language(self, audio=None, features=None, **kwargs):
        if features is None or self.first_frames <= 0:
            return self.whisper.detect_language(audio=audio, features=features, **kwargs)
        import numpy as np
        from faster_whisper.audio import pad_or_trim

        first = pad_or_trim(features[..., : self.first_frames])
        encoded = self.whisper.encode(first)
        probs = [(token[2:-2], p) for token, p in self.whisper.model.detect_language(encoded)[0]]
        self.cached = (first, np.asarray(encoded))
        return probs[0][0], probs[0][1], probs

    def take_encoded(self, features):
        """The cached encoder output of ``features[0]`` if it is the first chunk, else None."""
        import numpy as np

        if self.cached is None or not np.array_equal(features[0], self.cached[0]):
            return None
        encoded, self.cached = self.cached[1], None
        return encoded


def encode_batch(model, features, sub_batch: int = ENCODE_BATCH):
    """The encoder output of a batch of features, encoded ``sub_batch`` at a time; the first
    chunk's is reused where :class:`FirstChunkLanguage` encoded it to detect the language."""
    import ctranslate2
    import numpy as np

    first = model.take_encoded(features) if isinstance(model, FirstChunkLanguage) else None
    rest = features if first is None else features[1:]
    if first is None and rest.shape[0] <= sub_batch:
        return model.encode(rest)
    parts = [] if first is None else [first]
    parts += [np.asarray(model.encode(rest[i : i + sub_batch])) for i in range(0, rest.shape[0], sub_batch)]
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.concatenate(parts)))


def _decoded_text(tokenizer, results) -> str:
    """The text of a ``generate`` call's best hypotheses, joined (special tokens dropped)."""
    return " ".join(tokenizer.decode([t for t in r.sequences_ids[0] if t < tokenizer.eot]) for r in results)


#: Tokens a batch may decode per second of its longest chunk, and at least: Mandarin news is
#: read at 4-6 characters a second, about a token each, plus a timestamp pair per segment;
#: English at ~3 words (~4 tokens) a second. A loop ("——————…", dev02's first chunk with
#: timestamps) otherwise runs to Whisper's 448 tokens and holds up its whole batch (5.0 s
#: against 2-3 s for the other batches), before the loop repair decodes it again anyway.
MAX_TOKENS_PER_SECOND = 12.0
MIN_TOKEN_BUDGET = 32


def chunk_token_budget(seconds: float) -> int:
    """New tokens a batch whose longest chunk lasts ``seconds`` may decode."""
    return max(MIN_TOKEN_BUDGET, int(MAX_TOKENS_PER_SECOND * seconds + 0.5))


#: Seconds per timestamp token (Whisper's 20-ms steps) and the last one of a 30-s window.
TIMESTAMP_SECONDS = 0.02
LAST_TIMESTAMP = 1500


def close_last_segment(tokens: list[int], timestamp_begin: int, seconds: float) -> list[int]:
    """``tokens`` with a closing timestamp (the chunk's end) after a last segment that has
    text but none. faster-whisper drops such an unfinished segment and seeks to its start,
    which the sequential decode then hears again; a batched chunk is never heard again, so
    its last words were lost (the repairs then re-decoded the uncovered speech)."""
    if not tokens or tokens[-1] >= timestamp_begin or not any(t >= timestamp_begin for t in tokens):
        return tokens  # closed, or no timestamps at all (one segment for the whole chunk)
    end = min(LAST_TIMESTAMP, max(1, round(seconds / TIMESTAMP_SECONDS)))
    return [*tokens, timestamp_begin + end]


def batch_bounds(chunks: int, batch_size: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each batch of ``chunks`` chunks, ``batch_size`` at a time, but a
    lone last chunk joins the batch before it: decoded alone it costs a whole decoder pass
    (dev03, 67 s in three chunks: batches of 2 + 1 decoded in 5.6 s, one batch of 3 in 5.1 s,
    twice each alternating), while a batch one larger costs little more than its size."""
    size = max(1, batch_size)
    bounds = [(i, min(i + size, chunks)) for i in range(0, chunks, size)]
    if size > 1 and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        bounds[-2:] = [(bounds[-2][0], chunks)]
    return bounds


def lookahead_pipeline(
    model,
    choose: HotwordChooser | None = None,
    timestamp_languages=None,
    first_frames: int = 0,
    report: BatchReport | None = None,
):
    """A ``BatchedInferencePipeline`` for ``model`` that encodes a batch ``ENCODE_BATCH``
    chunks at a time; with ``choose``, one that asks it for each batch's hotwords (after a
    greedy first look where ``choose.wants_look`` says so; see the module docstring). With
    ``timestamp_languages``, a batch predicts timestamp tokens when its language is one of
    them and is decoded text only otherwise (``transcribe.BATCHED_TIMESTAMPS``). With
    ``first_frames`` (the first chunk's feature frames), the language is detected on the first
    chunk and its encoder output reused (:class:`FirstChunkLanguage`). ``report`` is told
    when each batch starts, each step of it (encode, first look, decode) and when it is done
    (:data:`BatchReport`): faster-whisper yields a batch's segments only once the whole batch
    is decoded, so a short episode in one batch would otherwise sit at 0 % until the end."""
    from faster_whisper import BatchedInferencePipeline

    def tell(seconds: float, message: str) -> None:
        if report is not None:
            report(seconds, message)

    class LookaheadPipeline(BatchedInferencePipeline):
        def _batched_segments_generator(
            self, features, tokenizer, chunks_metadata, batch_size, options, log_progress
        ):
            # One call per batch. Each call ends by resetting last_speech_timestamp (the word
            # timing's memory of where speech last ended) to 0; it is carried over instead.
            carried = 0.0
            bounds = batch_bounds(len(features), batch_size)
            for k, (i, j) in enumerate(bounds, 1):
                self.last_speech_timestamp = carried
                # the audio before this batch's first chunk is decoded (or has no speech)
                self.batch_label = f"batch {k}/{len(bounds)}"
                self.batch_start = float(chunks_metadata[i]["offset"])
                yield from super()._batched_segments_generator(
                    features[i:j], tokenizer, chunks_metadata[i:j], j - i, options, log_progress
                )
                last = chunks_metadata[j - 1]
                tell(float(last["offset"] + last["duration"]), f"{self.batch_label} done")
                carried = self.speech_ended
            self.last_speech_timestamp = 0.0

        def forward(self, features, tokenizer, chunks_metadata, options):
            self.chunk_seconds = [m["duration"] for m in chunks_metadata]
            out = super().forward(features, tokenizer, chunks_metadata, options)
            self.speech_ended = self.last_speech_timestamp
            return out

        def generate_segment_batched(self, features, tokenizer, options):
            m = self.model
            label, start = getattr(self, "batch_label", "batch"), getattr(self, "batch_start", 0.0)
            tell(start, f"{label}: encoding")
            t0 = time.perf_counter()
            encoder_output = encode_batch(m, features)
            t1 = time.perf_counter()
            n = features.shape[0]
            hot = options.hotwords
            if choose is not None:  # the named and earlier-heard terms, and a look's where it asks
                text = ""
                if choose.wants_look(tokenizer.language_code):
                    tell(start, f"{label}: first look")
                    plain = m.get_prompt(
                        tokenizer, previous_tokens=[], without_timestamps=True, hotwords=None
                    )
                    look = m.model.generate(
                        encoder_output,
                        [list(plain) for _ in range(n)],
                        beam_size=1,
                        max_length=min(m.max_length, len(plain) + LOOK_MAX_TOKENS),
                        no_repeat_ngram_size=LOOK_NO_REPEAT,
                        suppress_blank=options.suppress_blank,
                        suppress_tokens=options.suppress_tokens,
                    )
                    text = _decoded_text(tokenizer, look)
                hot = choose(text, tokenizer.language_code)
            t2 = time.perf_counter()
            self.hotwords_used.append(hot)
            options = replace(options, hotwords=hot)
            if timestamp_languages is not None:
                options = replace(
                    options, without_timestamps=tokenizer.language_code not in timestamp_languages
                )
            prompt = m.get_prompt(
                tokenizer,
                previous_tokens=(
                    tokenizer.encode(options.initial_prompt) if options.initial_prompt is not None else []
                ),
                without_timestamps=options.without_timestamps,
                hotwords=hot,
            )
            max_length = (
                len(prompt) + options.max_new_tokens if options.max_new_tokens is not None else m.max_length
            )
            seconds = getattr(self, "chunk_seconds", [])
            tell(start, f"{label}: decoding")
            if seconds:  # a looping chunk stops where no speech could have taken it
                max_length = min(max_length, len(prompt) + chunk_token_budget(max(seconds[:n])))
            results = m.model.generate(
                encoder_output,
                [list(prompt) for _ in range(n)],
                beam_size=options.beam_size,
                patience=options.patience,
                length_penalty=options.length_penalty,
                max_length=min(max_length, m.max_length),
                suppress_blank=options.suppress_blank,
                suppress_tokens=options.suppress_tokens,
                return_scores=True,
                return_no_speech_prob=True,
                sampling_temperature=options.temperatures[0],
                repetition_penalty=options.repetition_penalty,
                no_repeat_ngram_size=options.no_repeat_ngram_size,
            )
            t3 = time.perf_counter()
            if choose is not None:  # what this batch heard, for the next
                choose.note(_decoded_text(tokenizer, results))
            self.timings.append((t1 - t0, t2 - t1, t3 - t2))
            log.debug(
                "batch of %d: encode %.2f s, first look %.2f s, decode %.2f s, hotwords %r",
                n,
                t1 - t0,
                t2 - t1,
                t3 - t2,
                (hot or "")[:60],
            )
            output = []
            for k, result in enumerate(results):
                seq_len = len(result.sequences_ids[0])
                cum_logprob = result.scores[0] * (seq_len**options.length_penalty)
                tokens = result.sequences_ids[0]
                if not options.without_timestamps and k < len(seconds):
                    tokens = close_last_segment(tokens, tokenizer.timestamp_begin, seconds[k])
                output.append(
                    dict(
                        avg_logprob=cum_logprob / (seq_len + 1),
                        no_speech_prob=result.no_speech_prob,
                        tokens=tokens,
                    )
                )
            return encoder_output, output

    pipe = LookaheadPipeline(FirstChunkLanguage(model, first_frames) if first_frames else model)
    pipe.hotwords_used = []
    pipe.timings = []  # (encode, first look, decode) seconds per batch
    pipe.speech_ended = 0.0
    return pipe
