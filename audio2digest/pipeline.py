"""``run``: every episode of the given sources through the stage list, one after another.

Each episode gets ``OUT/<slug>/`` with the files of :mod:`audio2digest.stages` (the same set
``batch`` writes). The expensive stage (transcription) is reused when its inputs did not
change (same audio, same settings), so a new glossary re-corrects without re-transcribing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from audio2digest.errors import Audio2DigestError, FetchError, InputError
from audio2digest.sources.fetch import DownloadOptions, list_episodes, slugify
from audio2digest.stages import (
    BY_NAME,
    DEFAULT_FORMATS,
    DIGEST_FILE,
    EPISODE_DONE,
    EPISODE_FAILED,
    RAW_TRANSCRIPT,
    SOURCE_FILE,
    STAGE_NAMES,
    TRANSCRIPT,
    DigestWriter,
    Episode,
    EpisodeResult,
    RunOptions,
    StageEnv,
    Transcriber,
    WhisperTranscriber,
    clean_partial,
    load_glossaries,
    preflight,
    read_transcript,
    remove_if_empty,
    run_stages,
    source_identity,
    warm_up,
)
from audio2digest.types import EpisodeMeta, Progress, ProgressCallback, no_progress

log = logging.getLogger("audio2digest.pipeline")


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


def _os_error(exc: OSError, fallback: Path) -> str:
    """One line for a failed write: the file and the reason (read-only, disk full, ...)."""
    return f"{exc.filename or fallback}: cannot write ({exc.strerror or exc})"


def process_episode(
    meta: EpisodeMeta,
    out: Path,
    options: RunOptions,
    env: StageEnv = StageEnv(),
    *,
    progress: ProgressCallback = no_progress,
) -> EpisodeResult:
    """Every stage for one episode. Errors end up in the result; Ctrl-C is re-raised after
    removing what the interrupted stage left half-done (finished stage files are kept)."""
    t0 = time.perf_counter()
    result = EpisodeResult(source=meta.source, key=meta.source, title=meta.title)
    outdir = episode_dir(out, meta)
    result.slug, result.outdir = outdir.name, outdir
    ep = Episode(meta=meta, outdir=outdir, options=options, progress=progress)
    done: list[str] = []
    had_source_file = (outdir / SOURCE_FILE).is_file()

    def undo_partial() -> None:
        """After a failure or Ctrl-C: no temp files; and when this run got no further than
        fetching, not even its source.json (no directory holding only metadata)."""
        if not outdir.is_dir():
            return
        clean_partial(outdir)
        if not had_source_file and not any(BY_NAME[n].outputs for n in done if n != "fetch"):
            (outdir / SOURCE_FILE).unlink(missing_ok=True)
        remove_if_empty(outdir)

    warmer = threading.Thread(target=warm_up, args=(env.glossary,), daemon=True, name="audio2digest-warm-up")

    def on_done(name: str, info: dict) -> None:
        done.append(name)
        if name == "fetch":  # correction and digest tables load while the model decodes
            warmer.start()
        elif name == "normalise":
            warmer.join()

    try:
        try:
            outdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"{outdir}: cannot create the episode directory ({exc.strerror or exc})"
            ) from exc
        clean_partial(outdir)  # what a killed earlier run left: partial downloads, temp files
        run_stages(ep, STAGE_NAMES, env, on_done)
        result.status = "done"
        result.cached, result.files = ep.cached, ep.files
        result.origin = ep.transcript.origin.get("kind", "asr") if ep.transcript else ""
        result.audio_seconds = ep.transcript.duration if ep.transcript else 0.0
        result.title = ep.meta.title
        progress(Progress(EPISODE_DONE, 1, 1, message=outdir.name, episode=ep.label))
    except Audio2DigestError as exc:  # the result carries it; the caller reports it
        result.error = str(exc)
        log.info("%s", exc)
    except OSError as exc:  # a write failed: read-only OUT, disk full, name too long
        result.error = _os_error(exc, outdir)
        log.info("%s", result.error)
    except Exception as exc:  # a bug: say so, keep its traceback in the log, go on with the rest
        result.error = f"{meta.source}: internal error ({type(exc).__name__}: {exc})"
        log.exception("%s: internal error", meta.source)
    except BaseException:  # Ctrl-C: nothing half-done, no empty directory, then stop
        undo_partial()
        raise
    finally:
        if warmer.is_alive():
            warmer.join()
    if not result.ok:
        progress(Progress(EPISODE_FAILED, 1, 1, message=result.error, episode=ep.label))
        undo_partial()
    result.stages_run = tuple(done)
    result.seconds = time.perf_counter() - t0
    return result


def expand_sources(
    sources: Iterable[str],
    latest: int | None = None,
    *,
    limits: DownloadOptions = DownloadOptions(),
) -> list[tuple[str, list[EpisodeMeta] | str]]:
    """Each source (by identity, duplicates dropped) → its episodes, or the error message."""
    out: list[tuple[str, list[EpisodeMeta] | str]] = []
    for src in dict.fromkeys(source_identity(s) for s in sources):
        try:
            out.append((src, list_episodes(src, latest=latest, limits=limits)))
        except FetchError as exc:
            log.info("%s", exc)
            out.append((src, str(exc)))
    return out


def run(
    sources: Sequence[str],
    out: str | os.PathLike,
    options: RunOptions = RunOptions(),
    *,
    progress: ProgressCallback = no_progress,
    transcriber: Transcriber | None = None,
    digest_writers: Sequence[DigestWriter] = (),
) -> list[EpisodeResult]:
    """Process every episode of every source into ``out``. One failure never stops the rest.

    ``transcriber`` replaces speech recognition (see :class:`audio2digest.stages.Transcriber`);
    ``digest_writers`` rewrite the digest after it is built.
    """
    if not sources:
        raise InputError("no sources given")
    preflight(digest_writers)  # an LLM endpoint that will fail: say so before any audio
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the output directory ({exc.strerror or exc})") from exc
    env = StageEnv(
        glossary=load_glossaries(options),
        transcriber=transcriber or WhisperTranscriber(),
        digest_writers=tuple(digest_writers),
    )
    results: list[EpisodeResult] = []
    for src, episodes in expand_sources(sources, options.latest, limits=options.download):
        if isinstance(episodes, str):
            results.append(EpisodeResult(source=src, key=src, error=episodes))
            continue
        for meta in episodes:
            results.append(process_episode(meta, out, options, env, progress=progress))
    return results


__all__ = [
    "run",
    "process_episode",
    "episode_dir",
    "expand_sources",
    "RunOptions",
    "EpisodeResult",
    "read_transcript",
    "load_glossaries",
    "DEFAULT_FORMATS",
    "SOURCE_FILE",
    "RAW_TRANSCRIPT",
    "TRANSCRIPT",
    "DIGEST_FILE",
]
