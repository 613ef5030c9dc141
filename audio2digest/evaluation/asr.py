"""ASR evaluation: CER/WER, glossary entity recall, loops left, uncovered speech, RTF.

Library only (no printing); ``audio2digest eval asr`` prints :func:`format_table`.

Data: ``dev-episodes/`` (``devNN.mp3`` + ``devNN.items.json``, the true script) and
``real-clips/`` (``*.wav|ogg|mp3|flac`` + a ``.txt`` reference of the same stem; the
language is the file name's prefix, ``zh_`` or ``en_``).

Metrics
- ``cer`` (Chinese): character error rate after converting both sides to Simplified
  (opencc t2s), lower-casing and removing punctuation and spaces. Numbers are not
  normalised: a spoken "六千七百亿" written as "6700亿" counts as errors, equally for
  every setting compared.
- ``wer`` (English): word error rate on lower-cased words, punctuation removed.
- ``entity recall``: mentions of glossary terms (any correct form) in the true script,
  found longest-first without overlaps; a mention counts as recalled when the transcript
  holds as many mentions of that term (matching ignores case, spaces and hyphens). After
  correction (``correct.correct_transcript``) when that module is available.
- ``loops``: runs of segments :func:`repair.loop_flags` still flags in the output.
- ``uncovered``: seconds of VAD speech in stretches of more than 1.5 s with no word.
- ``rtf``: transcription seconds (decode + repair) / audio seconds.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from audio2digest.asr.hotwords import DEFAULT_LOOK, FILL_BUDGET
from audio2digest.asr.transcribe import BATCHED_BEAM_SIZE, BATCHED_TIMESTAMPS, DEFAULT_BATCH_SIZE
from audio2digest.text.language import has_cjk

log = logging.getLogger("audio2digest.evaluation.asr")

AUDIO_EXTS = (".wav", ".mp3", ".ogg", ".flac", ".m4a")


def default_data_dir() -> Path:
    """``../shared`` next to the repository."""
    return (Path(__file__).resolve().parents[2] / ".." / "shared").resolve()


@dataclass(frozen=True)
class Sample:
    name: str
    audio: Path
    reference: str
    language: str  # "zh" | "en"
    title: str = ""
    kind: str = "dev"  # "dev" | "sample" | "clip" | "joined"
    parts: tuple[Path, ...] = ()  # "joined": the clips heard one after another (audio is the first)


@dataclass
class Result:
    name: str
    language: str
    duration: float
    error_rate: float  # CER for zh, WER for en
    metric: str  # "CER" | "WER"
    entity_total: int = 0
    entity_hits: int = 0
    entity_hits_raw: int = 0  # before correction
    loops: int = 0
    uncovered: float = 0.0  # seconds
    gaps: int = 0
    repairs: int = 0
    seconds: float = 0.0
    text: str = ""  # after correction (when available)
    raw_text: str = ""  # as transcribed
    missed: list = field(default_factory=list)
    repair_log: list = field(default_factory=list)
    plain_error: float | None = None  # plain faster-whisper on the same audio (compare)
    # zh: the CER with the numbers of both texts written in digits (the dev scripts spell
    # them out, 第十二期, and both decodes print 第12期): what is left is recognition
    digits_error: float | None = None
    corrected_error: float | None = None  # of ``text``: the transcript after glossary correction
    plain_digits_error: float | None = None
    plain_text: str = ""
    plain_seconds: float = 0.0
    changes: list = field(default_factory=list)  # words pipeline vs plain: [(plain, pipeline)]

    @property
    def rtf(self) -> float:
        return self.seconds / self.duration if self.duration else 0.0

    @property
    def entity_recall(self) -> float | None:
        return self.entity_hits / self.entity_total if self.entity_total else None

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["rtf"] = round(self.rtf, 3)
        d["entity_recall"] = self.entity_recall
        return d


# --------------------------------------------------------------------------- data


def load_samples(
    dev_dir: Path | None = None,
    clips_dir: Path | None = None,
    only: Sequence[str] = (),
    samples_dir: Path | None = None,
) -> list[Sample]:
    """The evaluation set: dev episodes, bundled samples (``samples/*.mp3`` with their
    ``*.items.json`` scripts), then real clips (all optional)."""
    samples: list[Sample] = []
    for folder, kind in ((dev_dir, "dev"), (samples_dir, "sample")):
        if not folder or not Path(folder).is_dir():
            continue
        for items in sorted(Path(folder).glob("*.items.json")):
            stem = items.name[: -len(".items.json")]
            audio = next(
                (items.with_name(stem + e) for e in AUDIO_EXTS if items.with_name(stem + e).is_file()), None
            )
            if audio is None:
                continue
            data = json.loads(items.read_text(encoding="utf-8"))
            texts = data.get("items", [])
            text_all = " ".join(texts)
            lang = data.get("lang") or ("zh" if has_cjk(text_all) else "en")
            samples.append(Sample(stem, audio, text_all, lang, data.get("title", ""), kind))
    if clips_dir and Path(clips_dir).is_dir():
        for ref in sorted(Path(clips_dir).glob("*.txt")):
            audio = next((ref.with_suffix(e) for e in AUDIO_EXTS if ref.with_suffix(e).is_file()), None)
            if audio is None:
                continue
            lang = ref.stem.split("_", 1)[0]
            samples.append(
                Sample(
                    ref.stem,
                    audio,
                    ref.read_text(encoding="utf-8").strip(),
                    lang if lang in ("zh", "en") else "en",
                    "",
                    "clip",
                )
            )
    samples += joined_clips([s for s in samples if s.kind == "clip"], only)
    if only:
        samples = [s for s in samples if any(o in s.name for o in only)]
    return samples


#: The real clips are short, and audio under ``transcribe.BATCH_MIN_SECONDS`` is decoded
#: sequentially; so the clips of each language are also heard one after another (repeated
#: until the whole lasts this long, 1 s of silence between clips), which takes real speech
#: through the batched decode and its per-batch hotwords, as a real episode goes.
JOINED_MIN_SECONDS = 75.0
JOIN_GAP_SECONDS = 1.0


def joined_clips(clips: Sequence[Sample], only: Sequence[str] = ()) -> list[Sample]:
    """One "joined" sample per language with two clips or more (see ``JOINED_MIN_SECONDS``);
    with ``only``, just those whose name contains one of its strings."""
    from audio2digest.sources.audio import duration_of, load_audio

    out = []
    for lang in sorted({c.language for c in clips}):
        mine = [c for c in clips if c.language == lang]
        name = f"{lang}_real_clips_joined"
        if len(mine) < 2 or (only and not any(o in name for o in only)):
            continue  # (without loading audio that will not be heard)
        one_pass = sum(duration_of(load_audio(c.audio)) + JOIN_GAP_SECONDS for c in mine)
        reps = max(1, math.ceil(JOINED_MIN_SECONDS / one_pass))
        order = [c for _ in range(reps) for c in mine]
        out.append(
            Sample(
                name,
                order[0].audio,
                " ".join(c.reference for c in order),
                lang,
                "",
                "joined",
                tuple(c.audio for c in order),
            )
        )
    return out


def sample_audio(sample: Sample):
    """The 16 kHz audio of ``sample``: its file, or its parts with silence between them."""
    import numpy as np

    from audio2digest.sources.audio import SAMPLE_RATE, load_audio

    if not sample.parts:
        return load_audio(sample.audio)
    gap = np.zeros(int(JOIN_GAP_SECONDS * SAMPLE_RATE), dtype=np.float32)
    heard = {p: load_audio(p).astype(np.float32) for p in dict.fromkeys(sample.parts)}  # each once
    return np.concatenate([x for part in sample.parts for x in (heard[part], gap)])


# --------------------------------------------------------------------------- metrics


def _strip(text: str) -> str:
    return "".join(c for c in text if not unicodedata.category(c).startswith(("P", "Z", "S", "C")))


def normalize_zh(text: str) -> str:
    from audio2digest.text.normalize import convert_script

    return _strip(convert_script(text, "simplified")).lower()


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate after Simplified conversion and punctuation/space stripping."""
    from rapidfuzz.distance import Levenshtein

    ref, hyp = normalize_zh(reference), normalize_zh(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)


def cer_digits(reference: str, hypothesis: str) -> float:
    """CER with the Chinese numbers of both texts written in digits first (news style, as
    the normalise stage writes them): a spelled-out number in a script is not a
    recognition error."""
    from audio2digest.text.numbers import news_numbers

    return cer(news_numbers(reference), news_numbers(hypothesis))


def _en_words(text: str) -> list[str]:
    text = text.lower().replace("’", "'")
    return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)?", text)


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate on lower-cased words without punctuation."""
    from rapidfuzz.distance import Levenshtein

    ref, hyp = _en_words(reference), _en_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)


def _norm(text: str) -> str:
    from audio2digest.text.normalize import convert_script

    return re.sub(r"[\-_·.]+", " ", convert_script(text, "simplified")).casefold()


def _key(text: str) -> str:
    return re.sub(r"\s+", "", _norm(text))


def term_forms(glossary) -> list[tuple[str, str]]:
    """(term, normalised form) for every correct form of every glossary term."""
    out = []
    for t in glossary or ():
        name = t if isinstance(t, str) else t.term
        forms = (t,) if isinstance(t, str) else getattr(t, "forms", (t.term,))
        for f in forms:
            k = _key(f)
            if len(k) >= 2:
                out.append((name, k))
    out.sort(key=lambda p: -len(p[1]))
    return out


def count_mentions(text: str, forms: list[tuple[str, str]]) -> dict[str, int]:
    """Mentions per term, longest forms first, without overlaps. Matching ignores case,
    spaces and hyphens; a Latin form must not sit inside a longer Latin word ("Meta" is not
    found in "metaverse", but is in "Meta的")."""
    t = _norm(text)
    pos = [i for i, c in enumerate(t) if not c.isspace()]
    s = "".join(t[i] for i in pos)
    taken = [False] * len(s)
    counts: dict[str, int] = {}

    def latin(c: str) -> bool:
        return c.isascii() and c.isalnum()

    for name, k in forms:
        start = 0
        while True:
            i = s.find(k, start)
            if i < 0:
                break
            j = i + len(k)
            ok = not any(taken[i:j])
            if ok:
                before = t[pos[i] - 1] if pos[i] > 0 else ""
                after = t[pos[j - 1] + 1] if pos[j - 1] + 1 < len(t) else ""
                if (latin(k[0]) and latin(before)) or (latin(k[-1]) and latin(after)):
                    ok = False
            if ok:
                for p in range(i, j):
                    taken[p] = True
                counts[name] = counts.get(name, 0) + 1
                start = j
            else:
                start = i + 1
    return counts


def entity_recall(reference: str, hypothesis: str, forms) -> tuple[int, int, list[str]]:
    """(mentions in the reference, of those found in the hypothesis, missed term names)."""
    ref = count_mentions(reference, forms)
    hyp = count_mentions(hypothesis, forms)
    total = sum(ref.values())
    hits = sum(min(n, hyp.get(t, 0)) for t, n in ref.items())
    missed = sorted(t for t, n in ref.items() if hyp.get(t, 0) < n)
    return total, hits, missed


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class EvalSettings:
    hotwords: bool = True
    repair: bool = True
    recover_names: bool = True  # re-hear names skipped inside sentences (repair.py: dropouts)
    initial_prompt: str | None = None
    budget: int = 220
    strategy: str = "glossary"  # hotwords.rank_terms strategy
    correct: bool = True
    model: str = "base"
    temperatures: tuple | None = None  # main-decode temperature fallback (None: faster-whisper's)
    batch_size: int = DEFAULT_BATCH_SIZE  # main decode: batched over VAD chunks; 0: sequential
    beam_size: int = 5  # sequential decode's and repairs' beam (the plain decode keeps 5)
    batched_beam_size: int = BATCHED_BEAM_SIZE  # the batched main decode's beam
    batched_timestamps: str = BATCHED_TIMESTAMPS  # timestamp tokens in the batched decode: auto | on | off
    lookahead: bool = True  # batched: each batch's own hotwords (hotwords.HotwordChooser), not one prompt
    look: str = DEFAULT_LOOK  # HotwordChooser's look (hotwords.LOOK_MODES)
    fill_budget: int = FILL_BUDGET  # HotwordChooser's fill for Mandarin batches
    compare: bool = True  # also decode plainly (see plain_decode) and score both


def _corrector():
    try:
        from audio2digest.text.correct import correct_transcript
    except ImportError:
        return None
    return correct_transcript


def _apply_correction(correct_fn, transcript, glossary):
    out = correct_fn(transcript, glossary)
    if isinstance(out, tuple):
        out = out[0]
    if hasattr(out, "segments"):
        return out
    if isinstance(out, str):  # plain text back
        return out
    return transcript


def evaluate_sample(sample: Sample, settings: EvalSettings, glossary=None) -> Result:
    """Transcribe one sample with ``settings`` and score it."""
    from audio2digest.asr.hotwords import HotwordChooser, select_hotwords
    from audio2digest.asr.model import load_model
    from audio2digest.asr.repair import RepairOptions
    from audio2digest.asr.repair.detect import (
        count_loops,
        find_coverage_gaps,
        speech_stretches,
        uncovered_seconds,
    )
    from audio2digest.asr.transcribe import TranscribeOptions, transcribe
    from audio2digest.types import EpisodeMeta

    audio = sample_audio(sample)
    duration = audio.size / 16000
    meta = EpisodeMeta(source=str(sample.audio), title=sample.title)
    hot, chooser = None, None
    if settings.hotwords and glossary is not None and len(glossary):
        model, _ = load_model(settings.model)
        if settings.lookahead:
            chooser = HotwordChooser(
                glossary,
                meta=meta,
                tokenizer=model,
                budget=settings.budget,
                look=settings.look,
                fill_budget=settings.fill_budget,
            )
        else:
            hot = (
                select_hotwords(
                    glossary, meta=meta, tokenizer=model, budget=settings.budget, strategy=settings.strategy
                )
                or None
            )
    extra = {"temperature": list(settings.temperatures)} if settings.temperatures else {}
    options = TranscribeOptions(
        model=settings.model,
        language=sample.language,
        hotwords=hot,
        initial_prompt=settings.initial_prompt,
        repair=settings.repair,
        repair_options=RepairOptions(dropouts=settings.recover_names),
        batch_size=settings.batch_size,
        beam_size=settings.beam_size,
        batched_beam_size=settings.batched_beam_size,
        batched_timestamps=settings.batched_timestamps,
        extra=extra,
    )
    load_model(settings.model)  # loading is not transcription time
    t0 = time.perf_counter()
    transcript = transcribe(audio, meta, options, hotword_chooser=chooser)
    seconds = time.perf_counter() - t0
    hot = transcript.settings.get("hotwords") or hot
    raw_text = transcript.text
    text = raw_text
    forms = term_forms(glossary) if glossary is not None else []
    correct_fn = _corrector() if settings.correct else None
    if correct_fn is not None and glossary is not None:
        try:
            corrected = _apply_correction(correct_fn, transcript, glossary)
            text = corrected if isinstance(corrected, str) else corrected.text
        except Exception as exc:  # the eval should still report ASR numbers
            log.warning("%s: correction failed: %s", sample.name, exc)
    digits = None
    if sample.language == "zh":
        metric, rate = "CER", cer(sample.reference, raw_text)
        digits = cer_digits(sample.reference, raw_text)
    else:
        metric, rate = "WER", wer(sample.reference, raw_text)
    corrected_rate = (cer if sample.language == "zh" else wer)(sample.reference, text)
    total, hits, missed = entity_recall(sample.reference, text, forms) if forms else (0, 0, [])
    _, hits_raw, _ = entity_recall(sample.reference, raw_text, forms) if forms else (0, 0, [])
    plain_err, plain_text, plain_seconds, changes = None, "", 0.0, []
    plain_digits = None
    if settings.compare:
        t1 = time.perf_counter()
        plain_text = plain_decode(audio, sample.language, settings.model)
        plain_seconds = time.perf_counter() - t1
        plain_err = (cer if sample.language == "zh" else wer)(sample.reference, plain_text)
        if sample.language == "zh":
            plain_digits = cer_digits(sample.reference, plain_text)
        changes = word_changes(plain_text, raw_text, sample.language)
    speech = speech_stretches(audio)
    segs = list(transcript.segments)
    gaps = find_coverage_gaps(speech, segs)
    return Result(
        plain_error=plain_err,
        plain_digits_error=plain_digits,
        digits_error=digits,
        corrected_error=corrected_rate,
        plain_text=plain_text,
        plain_seconds=round(plain_seconds, 2),
        changes=changes,
        name=sample.name,
        language=sample.language,
        duration=round(duration, 2),
        error_rate=rate,
        metric=metric,
        entity_total=total,
        entity_hits=hits,
        entity_hits_raw=hits_raw,
        loops=count_loops(segs, hotwords=hot),
        uncovered=uncovered_seconds(speech, segs),
        gaps=len(gaps),
        repairs=len(transcript.repairs),
        seconds=round(seconds, 2),
        text=text,
        raw_text=raw_text,
        missed=missed,
        repair_log=[r.to_dict() for r in transcript.repairs],
    )


def plain_decode(audio, language: str, model_name: str = "base") -> str:
    """What a user gets from faster-whisper alone: one sequential ``WhisperModel.transcribe``
    (beam 5, VAD, word timestamps, int8, its own temperature fallback, no hotwords, no
    repair), then the same text normalisation as the pipeline's output (opencc to
    Simplified, punctuation, number forms), so that the two differ by recognition only."""
    from audio2digest.asr.model import load_model
    from audio2digest.asr.windows import to_segment
    from audio2digest.text.language import is_cjk_language
    from audio2digest.text.normalize import normalize_segments

    model, _ = load_model(model_name)
    gen, _info = model.transcribe(
        audio,
        language=language,
        beam_size=5,
        vad_filter=True,
        word_timestamps=True,
        condition_on_previous_text=False,
    )
    segs = normalize_segments([to_segment(i, s) for i, s in enumerate(gen)], language, "simplified")
    sep = "" if is_cjk_language(language) else " "
    return sep.join(s.text.strip() for s in segs if s.text.strip())


def _diff_units(text: str, language: str) -> list[str]:
    if language.startswith("zh"):
        return list(normalize_zh(text))
    return _en_words(text)


def word_changes(plain: str, pipeline: str, language: str) -> list[tuple[str, str]]:
    """Where the pipeline's text differs from the plain decode's: ``(plain, pipeline)`` per
    differing stretch (characters for Chinese, words otherwise; "" where one has nothing)."""
    import difflib

    a, b = _diff_units(plain, language), _diff_units(pipeline, language)
    sep = "" if language.startswith("zh") else " "
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            out.append((sep.join(a[i1:i2]), sep.join(b[j1:j2])))
    return out


def run_eval(
    samples: Iterable[Sample],
    settings: EvalSettings = EvalSettings(),
    glossary=None,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Result]:
    results = []
    for s in samples:
        progress(s.name)
        results.append(evaluate_sample(s, settings, glossary))
    return results


def summary(results: Sequence[Result], kind_names: Sequence[str] | None = None) -> dict:
    """Totals over ``results``: pooled entity recall, loops, uncovered seconds, RTF."""
    rs = [r for r in results if kind_names is None or r.name in kind_names]
    dur = sum(r.duration for r in rs)
    tot = sum(r.entity_total for r in rs)
    return {
        "entity_total": tot,
        "entity_hits": sum(r.entity_hits for r in rs),
        "entity_recall": (sum(r.entity_hits for r in rs) / tot) if tot else None,
        "entity_recall_raw": (sum(r.entity_hits_raw for r in rs) / tot) if tot else None,
        "loops": sum(r.loops for r in rs),
        "uncovered": round(sum(r.uncovered for r in rs), 2),
        "gaps": sum(r.gaps for r in rs),
        "rtf": (sum(r.seconds for r in rs) / dur) if dur else 0.0,
    }


#: "Never worse than plain decoding": a sample's error may exceed the plain decode's by this
#: much at most (the issue's tolerance, about one character of a short clip).
PLAIN_TOLERANCE = 0.02


def _digits_pair(r: Result) -> str:
    if r.digits_error is None or r.plain_digits_error is None:
        return "–"
    return f"{_pct(r.plain_digits_error)}, {_pct(r.digits_error)}"


def format_comparison(results: Sequence[Result]) -> str:
    """Plain faster-whisper and the pipeline side by side per sample, with the words each
    added or dropped against the other, and the means."""
    rows = [(r, r.plain_error) for r in results if r.plain_error is not None]
    if not rows:
        return ""
    lines = [
        "| sample | metric | plain | pipeline | Δ | ≤ plain + 0.02 | numbers as digits: plain, pipeline "
        "| words: plain → pipeline |",
        "|---|---|---:|---:|---:|---|---|---|",
    ]
    for r, plain in rows:
        delta = r.error_rate - plain
        ch = "; ".join(f"{a or '∅'} → {b or '∅'}" for a, b in r.changes[:12])
        if len(r.changes) > 12:
            ch += f"; … ({len(r.changes) - 12} more)"
        lines.append(
            f"| {r.name} | {r.metric} | {100 * plain:.1f} % | {100 * r.error_rate:.1f} % | "
            f"{100 * delta:+.1f} | {'yes' if delta <= PLAIN_TOLERANCE + 1e-9 else '**no**'} | "
            f"{_digits_pair(r)} | {ch or 'same text'} |"
        )
    n = len(rows)
    mp = sum(plain for _r, plain in rows) / n
    mq = sum(r.error_rate for r, _plain in rows) / n
    ok = sum(1 for r, plain in rows if r.error_rate - plain <= PLAIN_TOLERANCE + 1e-9)
    lines.append(
        f"| **mean ({n})** | | {100 * mp:.1f} % | {100 * mq:.1f} % | {100 * (mq - mp):+.1f} | {ok}/{n} | | |"
    )
    return "\n".join(lines)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def format_table(results: Sequence[Result]) -> str:
    """A Markdown table, one row per sample plus a total row."""
    head = (
        "| sample | lang | sec | error rate | CER, numbers as digits | after correction | "
        "entities (raw → corrected) | loops | uncovered s (gaps) | repairs | RTF |"
    )
    lines = [head, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        recall = r.entity_recall  # None when the sample has no entities
        ent = (
            (
                f"{r.entity_hits_raw}/{r.entity_total} → {r.entity_hits}/{r.entity_total} "
                f"({100 * recall:.0f} %)"
            )
            if recall is not None
            else "–"
        )
        lines.append(
            f"| {r.name} | {r.language} | {r.duration:.0f} | {r.metric} {100 * r.error_rate:.1f} % | "
            f"{_pct(r.digits_error)} | {_pct(r.corrected_error)} | "
            f"{ent} | {r.loops} | {r.uncovered:.1f} ({r.gaps}) | {r.repairs} | {r.rtf:.2f} |"
        )
    s = summary(results)
    ent = (
        f"{100 * s['entity_recall_raw']:.0f} % → {100 * s['entity_recall']:.0f} %"
        if s["entity_total"]
        else "–"
    )
    lines.append(
        f"| **all** | | {sum(r.duration for r in results):.0f} | | | | {ent} | {s['loops']} | "
        f"{s['uncovered']:.1f} ({s['gaps']}) | {sum(r.repairs for r in results)} | {s['rtf']:.2f} |"
    )
    return "\n".join(lines)
