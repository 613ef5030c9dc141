"""Thresholds and settings of every repair (one frozen dataclass, held by ``TranscribeOptions``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RepairOptions:
    """Thresholds and settings of loop and coverage repair."""

    max_compression_ratio: float = 2.4
    tandem_min_reps: int = 3  # a phrase of 2+ units back to back this many times
    tandem_min_units: int = 8  # ... covering at least this many units in all
    tandem_single_reps: int = 6  # one unit (a character / word) this many times in a row
    ngram_size: int = 4
    ngram_repeats: int = 4
    max_units_per_second: float = 12.0  # Mandarin news is read at ~4-6 characters/s
    crowded_min_units: int = 10
    zero_word_share: float = 0.5  # share of words lasting <= 20 ms that marks a crowded segment
    min_gap: float = 1.5  # seconds of VAD speech without words that count as a dropped stretch
    word_tolerance: float = 0.25  # seconds around each word that still count as covered
    # No word takes longer than this to say (seconds): a longer one is the decoder skipping
    # speech and stretching a word over it (dev02 with timestamp tokens: "F|ull" over 15 s
    # of speech, "Care" over 3.8 s), so it covers only this much. A pause folded into a word
    # ("小林首先[1.3 s]来看") is silence, where no gap is looked for. Set once, not tuned.
    max_word_seconds: float = 3.0
    window_pad: float = 0.2  # seconds added to each side of a re-decoded window
    merge_pause: float = 2.0  # gaps closer than this (no words between) are re-decoded together
    coverage_passes: int = 2  # a second pass re-decodes what is left of a gap on its own
    coverage: bool = True
    loops: bool = True
    silence: bool = True  # drop low-confidence segments that lie outside VAD speech
    silence_max_speech_share: float = 0.5  # ... when less than this share of them is speech
    silence_max_logprob: float = -1.0  # ... and avg log probability is below this
    silence_max_word_prob: float = 0.3  # ... or their mean word probability is
    collapse: bool = True
    # echo: words the decoder appends after the speech of a window under a hotword prompt
    # ("…的情况。AI AI AI AI", "…built around it. AI METR"). Values from the real clips
    # (real-clips/, 7 clips) and the dev episodes: every echo there had a mean word
    # probability below 0.5 with most of its words squeezed into (near) zero time or lying
    # past the VAD speech; no real sentence end did.
    echo: bool = True
    echo_max_prob: float = 0.5  # mean word probability of an echo tail is below this ...
    echo_squeezed: float = 0.02  # ... and a word this short (seconds) is squeezed ...
    echo_share: float = 0.5  # ... this share of its words squeezed, past the speech, or prompt words
    echo_word_prob: float = 0.5  # a tail word is suspect below this probability, or squeezed
    echo_speech_pad: float = 0.15  # seconds after a VAD speech stretch that still count as speech
    echo_whole_prob: float = 0.3  # a whole segment of prompt words below this mean p: re-decoded unbiased
    # faster-whisper settings for re-decoding, tried in order until a candidate has no loop.
    # The deterministic ones come first: a sampled decode (temperature above 0, best_of=5
    # candidates) differs from run to run, so the same audio would give another transcript;
    # it is the last resort, for a window every deterministic candidate still loops in.
    retries: tuple = (
        {"temperature": [0.0]},
        {"temperature": [0.0], "repetition_penalty": 1.2, "no_repeat_ngram_size": 6},
        {"temperature": [0.3, 0.6], "compression_ratio_threshold": 2.0},
    )
    gap_first: dict = field(default_factory=lambda: {"hotwords": "default", "temperature": [0.0]})
    # dropouts: shorter stretches of speech a word fell out of (see repair_dropouts)
    dropouts: bool = True  # TranscribeOptions.recover_names / --no-recover-names
    dropout_min: float = 0.4  # seconds of VAD speech no word holds
    dropout_unit_seconds: float = 0.3  # a word holds at most base + this per text unit ...
    dropout_word_base: float = 0.15  # ... counted back from its end (DTW stretches its start)
    dropout_context: float = 0.6  # seconds of the original's words heard with each dropout
    dropout_max_window: float = 8.0
    dropout_max_share: float = 0.1  # at most this share of the audio is re-heard ...
    dropout_min_seconds: float = 30.0  # ... or this many seconds, if more (longest dropouts first)
    dropout_pad: float = 3.0  # seconds of silence after each window for the encoder (window_decode.rehear)
    dropout_tokens_per_second: float = 8.0  # max_new_tokens: the rest of the window after the prefix
    dropout_edge_prob: float = 0.2  # inserted whole words at either end below this are dropped
    dropout_min_prob: float = 0.3  # mean probability of a Latin insert (a name) ...
    dropout_sure_prob: float = 0.6  # ... and of any other insert


DEFAULT_OPTIONS = RepairOptions()
