"""The whole job: sources → episodes → transcript → corrected → items → rendered files.

Each episode gets ``OUT/<slug>/``. Stage results are files there, written atomically;
the expensive one (transcription) is reused when its inputs did not change (same audio,
same settings), so a new glossary re-corrects without re-transcribing.

Per-episode layout::

    source.json           episode metadata and the audio's fingerprint
    audio.<ext>           downloaded audio (local files are referenced, not copied)
    transcript.raw.json   ASR output after normalisation, before glossary correction (cache)
    transcript.json       corrected transcript with the audit trail of every correction
    transcript.srt/.vtt   subtitles
    digest.json, digest.md, ...  the digest in each requested format
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Optional, Sequence

from audio2digest.files import atomic_write_json
from audio2digest.errors import Audio2DigestError, FetchError, InputError
from audio2digest.sources.fetch import download, list_episodes, slugify
from audio2digest.asr.transcribe import TranscribeOptions, transcribe
from audio2digest.types import EpisodeMeta, Progress, ProgressCallback, Transcript, no_progress

if TYPE_CHECKING:
    from audio2digest.llm.config import LLMConfig

log = logging.getLogger("audio2digest.pipeline")

DEFAULT_FORMATS = ("json", "md", "srt", "vtt")
SOURCE_FILE = "source.json"
RAW_TRANSCRIPT = "transcript.raw.json"
TRANSCRIPT = "transcript.json"


@dataclass(frozen=True)
class RunOptions:
    transcribe: TranscribeOptions = TranscribeOptions()
    glossaries: tuple[str, ...] = ()
    use_default_glossary: bool = True
    hotwords: str = "auto"  # "auto": chosen from the glossary; "none"; or explicit terms
    formats: tuple[str, ...] = DEFAULT_FORMATS
    latest: Optional[int] = None
    clips: bool = False
    force: bool = False  # re-transcribe even when a cached transcript matches
    llm: Optional["LLMConfig"] = None  # write the digest through this endpoint (None: extractive)
    style: str = "default"  # digest.md layout (render.md.STYLES)


@dataclass
class EpisodeResult:
    source: str
    slug: str = ""
    outdir: Optional[Path] = None
    ok: bool = False
    error: str = ""
    files: list[Path] = field(default_factory=list)
    cached: bool = False
    seconds: float = 0.0
    audio_seconds: float = 0.0
    writer: dict = field(default_factory=dict)  # the LLM writer's record (digest.json "writer")


# ---------------------------------------------------------------- helpers

def file_fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def settings_fingerprint(options: TranscribeOptions) -> str:
    blob = json.dumps(options.to_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def transcribe_fingerprint(options: RunOptions) -> str:
    """What makes a transcript: the ASR settings without the thread count (speed only) and
    without glossary-derived hotwords (a glossary change re-corrects, not re-transcribes;
    ``--force`` re-transcribes with the new glossary's hotwords)."""
    d = options.transcribe.to_dict()
    d.pop("cpu_threads", None)
    d.pop("hotwords", None)
    mode = options.hotwords if options.hotwords in ("auto", "none") else ["terms", options.hotwords]
    blob = json.dumps([d, mode], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def episode_dir(out: Path, meta: EpisodeMeta) -> Path:
    """``OUT/<slug>``: slug from the title; a different source with the same slug gets a suffix."""
    base = slugify(meta.title or Path(meta.source).stem or meta.id)
    candidate = out / base
    recorded = candidate / SOURCE_FILE
    if recorded.is_file():
        try:
            if json.loads(recorded.read_text("utf-8")).get("episode", {}).get("source") != meta.source:
                suffix = hashlib.sha1(meta.source.encode()).hexdigest()[:6]
                candidate = out / f"{base}-{suffix}"
        except (OSError, ValueError):
            pass
    # slugify never yields separators or dot-names; this is the belt to those braces.
    if candidate.resolve().parent != out.resolve():
        raise InputError(f"{meta.source}: unsafe output name {candidate.name!r}")
    return candidate


def read_transcript(path: str | os.PathLike) -> Transcript:
    """Load a transcript.json; a clear :class:`InputError` for anything else."""
    p = Path(path)
    try:
        data = json.loads(p.read_text("utf-8"))
        return Transcript.from_dict(data)
    except FileNotFoundError as exc:
        raise InputError(f"{p}: no such file") from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InputError(f"{p}: not a transcript.json ({exc})") from exc


# ---------------------------------------------------------------- stages

def load_glossaries(options: RunOptions):
    """The glossary for correction and hotwords, or None when there is none."""
    if not options.glossaries and not options.use_default_glossary:
        return None
    from audio2digest.text.glossary import load_glossary

    return load_glossary(list(options.glossaries), use_default=options.use_default_glossary)


def _hotwords(options: RunOptions, glossary, meta: EpisodeMeta) -> Optional[str]:
    if options.hotwords == "none":
        return None
    if options.hotwords != "auto":
        return options.hotwords
    if glossary is None:
        return None
    from audio2digest.asr.hotwords import select_hotwords
    from audio2digest.asr.model import load_model

    model, _ = load_model(options.transcribe.model, cpu_threads=options.transcribe.cpu_threads,
                          compute_type=options.transcribe.compute_type)
    return select_hotwords(glossary, meta=meta, tokenizer=getattr(model, "hf_tokenizer", None)) or None


def stage_transcribe(audio: Path, meta: EpisodeMeta, outdir: Path, topts: TranscribeOptions, *,
                     force: bool = False, progress: ProgressCallback = no_progress,
                     fingerprint: Optional[str] = None,
                     hotwords: Optional[Callable[[], Optional[str]]] = None,
                     ) -> tuple[Transcript, bool]:
    """Transcribe, or reuse ``transcript.raw.json`` when audio and settings are unchanged.

    ``fingerprint`` names the settings (default: all of ``topts``); see
    :func:`transcribe_fingerprint` for the one ``run`` and ``batch`` use. ``hotwords``, when
    given, is called only if decoding really happens (choosing them loads the model)."""
    raw_path = outdir / RAW_TRANSCRIPT
    audio_fp = file_fingerprint(audio)
    settings_fp = fingerprint or settings_fingerprint(topts)
    if raw_path.is_file() and not force:
        try:
            cached = read_transcript(raw_path)
            if (cached.settings.get("audio_sha256") == audio_fp
                    and cached.settings.get("fingerprint") == settings_fp):
                log.info("%s: transcript cached, not re-transcribing", outdir.name)
                return cached, True
        except InputError:
            log.warning("%s: unreadable cached transcript, re-transcribing", raw_path)
    if hotwords is not None:
        topts = replace(topts, hotwords=hotwords())
    t = transcribe(audio, meta, topts, progress=progress)
    t = t.replace(settings={**t.settings, "audio_sha256": audio_fp, "fingerprint": settings_fp})
    atomic_write_json(raw_path, t.to_dict())
    return t, False


def warm_up(glossary) -> None:
    """Load what correction and digesting need once per process (glossary index, jieba's
    dictionary and IDF table: ~2 s). ``process_episode`` runs this in a thread while the
    model decodes; CTranslate2 releases the GIL, so the two overlap."""
    try:
        if glossary is not None:
            from audio2digest.text.correct import build_index

            build_index(glossary)
        from audio2digest.text.digest import _keyword_base

        _keyword_base()
    except Exception:  # the stages themselves will report any real problem
        log.debug("warm-up failed", exc_info=True)


def stage_correct(transcript: Transcript, glossary) -> Transcript:
    if glossary is None:
        return transcript
    from audio2digest.text.correct import correct_transcript

    return correct_transcript(transcript, glossary)


def stage_digest(transcript: Transcript, glossary):
    from audio2digest.text.digest import build_digest

    return build_digest(transcript, glossary=glossary)


def stage_write(digest, glossary, outdir: Path, llm: Optional["LLMConfig"], *,
                progress: ProgressCallback = no_progress, label: str = ""):
    """The digest written through the LLM endpoint ``llm`` (answers cached in ``outdir``);
    unchanged when ``llm`` is None. Never fails the episode: items fall back to extractive."""
    if llm is None:
        return digest
    from audio2digest.llm.writer import writer_for

    return writer_for(llm).write(digest, glossary, cache_dir=outdir, progress=progress, label=label)


def preflight(options: RunOptions) -> None:
    """Before any audio is touched: the LLM endpoint answers and offers the model."""
    if options.llm is not None:
        from audio2digest.llm.writer import writer_for

        writer_for(options.llm).preflight()


def stage_render(digest, transcript: Transcript, outdir: Path, formats: Sequence[str],
                 audio: Optional[Path], clips: bool = False, style: str = "default") -> list[Path]:
    from audio2digest.render import render_all

    audio_href = None
    if audio is not None:
        audio_href = os.path.relpath(audio.resolve(), outdir.resolve())
    files = [atomic_write_json(outdir / TRANSCRIPT, transcript.to_dict())]
    rendered = render_all(digest, transcript, outdir, formats=formats, audio_href=audio_href,
                          style=style)
    # render_all returns {format: path}; the files are its values, not its keys.
    files += list(rendered.values()) if isinstance(rendered, dict) else list(rendered)
    if clips and audio is not None:
        from audio2digest.render import cut_clips

        files += list(cut_clips(audio, digest.items, outdir / "clips"))
    return files


# ---------------------------------------------------------------- episodes

def process_episode(meta: EpisodeMeta, out: Path, options: RunOptions, glossary=None, *,
                    progress: ProgressCallback = no_progress) -> EpisodeResult:
    """Fetch (if remote), transcribe (or reuse), correct, segment and render one episode."""
    t0 = time.perf_counter()
    result = EpisodeResult(source=meta.source)
    outdir = episode_dir(out, meta)
    result.slug, result.outdir = outdir.name, outdir
    label = meta.title or meta.source
    outdir.mkdir(parents=True, exist_ok=True)
    try:
        progress(Progress("fetch", 0, 0, message="fetching", episode=label))
        fetched = download(meta, outdir, progress=progress)
        meta, audio = fetched.meta, fetched.audio_path
        warmer = threading.Thread(target=warm_up, args=(glossary,), daemon=True)
        warmer.start()
        transcript, cached = stage_transcribe(
            audio, meta, outdir, options.transcribe, force=options.force, progress=progress,
            fingerprint=transcribe_fingerprint(options),
            hotwords=lambda: _hotwords(options, glossary, meta))
        warmer.join()
        atomic_write_json(outdir / SOURCE_FILE, {"episode": meta.to_dict(),
                                                 "audio": os.path.relpath(audio, outdir)})
        result.cached = cached
        progress(Progress("correct", 0, 1, episode=label))
        transcript = stage_correct(transcript, glossary)
        progress(Progress("segment", 0, 1, episode=label))
        digest = stage_digest(transcript, glossary)
        digest = stage_write(digest, glossary, outdir, options.llm, progress=progress, label=label)
        result.writer = dict(digest.writer)
        progress(Progress("render", 0, 1, episode=label))
        result.files = stage_render(digest, transcript, outdir, options.formats, audio, options.clips,
                                    options.style)
        result.ok = True
        result.audio_seconds = transcript.duration
        progress(Progress("done", 1, 1, message=outdir.name, episode=label))
    except Audio2DigestError as exc:  # the result carries it; the caller reports it
        result.error = str(exc)
        log.info("%s", exc)
    except Exception as exc:  # a bug: say so, keep its traceback in the log, go on with the rest
        result.error = f"{meta.source}: internal error ({type(exc).__name__}: {exc})"
        log.exception("%s: internal error", meta.source)
    if not result.ok:
        progress(Progress("failed", 1, 1, message=result.error, episode=label))
    if not result.ok and outdir.is_dir() and not any(outdir.iterdir()):
        outdir.rmdir()  # nothing finished there: leave no empty directory behind
    result.seconds = time.perf_counter() - t0
    return result


def expand_sources(sources: Iterable[str], latest: Optional[int] = None) -> list[tuple[str, list[EpisodeMeta] | str]]:
    """Each source → its episodes, or the error message when it cannot be listed."""
    out: list[tuple[str, list[EpisodeMeta] | str]] = []
    for src in sources:
        try:
            out.append((src, list_episodes(src, latest=latest)))
        except FetchError as exc:
            log.info("%s", exc)
            out.append((src, str(exc)))
    return out


def run(sources: Sequence[str], out: str | os.PathLike, options: RunOptions = RunOptions(), *,
        progress: ProgressCallback = no_progress) -> list[EpisodeResult]:
    """Process every episode of every source into ``out``. One failure never stops the rest."""
    if not sources:
        raise InputError("no sources given")
    preflight(options)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    glossary = load_glossaries(options)
    results: list[EpisodeResult] = []
    for src, episodes in expand_sources(sources, options.latest):
        if isinstance(episodes, str):
            results.append(EpisodeResult(source=src, error=episodes))
            continue
        for meta in episodes:
            results.append(process_episode(meta, out, options, glossary, progress=progress))
    return results
