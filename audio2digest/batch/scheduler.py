"""Batch jobs that survive crashes: many sources → OUT, with a ledger, on one machine or on Ray.

:func:`run_batch` reads SOURCES (:mod:`audio2digest.batch.sources`), lists their episodes and
schedules each through the stage list of :mod:`audio2digest.stages` — the same stages, and the
same files in ``OUT/<slug>/``, as ``run``.

Every stage writes its output atomically into ``OUT/<slug>/`` and *then* the driver records it
in the ledger (``OUT/ledger.sqlite``, see :mod:`audio2digest.batch.ledger`), so a kill at any
moment loses at most the stages that were running, and a re-run resumes there. Each stage's
record holds its fingerprint (:func:`audio2digest.stages.fingerprints`); when an input changes
(a new glossary changes the ``correct`` fingerprint) that stage and the ones after it run
again, nothing before it.

Stages go to the executor (:mod:`audio2digest.batch.executors`) in tasks: consecutive stages
of one episode that need the same resource, and a stage with no file of its own always with
the one after it. Downloads run in a thread pool of the driver and overlap transcription;
transcription and the later stages run in ``jobs`` worker processes, each with
``cpu_threads = max(1, cores // jobs)`` for CTranslate2 (unless set explicitly) and its own
model loaded once. With ``executor="ray"`` the same tasks are Ray tasks; the driver keeps the
ledger. Workers write into OUT, so on a multi-node cluster OUT (and local source files) must be
on a filesystem every node sees.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import logging
import os
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audio2digest.batch.executors import EXECUTORS, StageTask, TaskResult, make_executor
from audio2digest.batch.ledger import EpisodeRecord, Ledger, StageDone
from audio2digest.batch.sources import read_sources
from audio2digest.errors import FetchError, InputError
from audio2digest.pipeline import episode_dir
from audio2digest.sources.fetch import list_episodes
from audio2digest.stages import (
    BATCH_PROGRESS,
    BY_NAME,
    EPISODE_DONE,
    EPISODE_FAILED,
    STAGE_NAMES,
    STAGES,
    DigestWriter,
    EpisodeResult,
    RunOptions,
    Settings,
    StageEnv,
    Transcriber,
    WhisperTranscriber,
    clean_partial,
    fingerprints,
    load_glossaries,
    preflight,
    remove_if_empty,
)
from audio2digest.types import EpisodeMeta, Progress, ProgressCallback, no_progress

log = logging.getLogger("audio2digest.batch.scheduler")


@dataclass
class BatchSummary:
    out: Path
    episodes: list[EpisodeResult] = field(default_factory=list)
    wall_seconds: float = 0.0
    ledger_seconds: float = 0.0  # time spent in ledger operations alone

    def _count(self, status: str) -> int:
        return sum(1 for e in self.episodes if e.status == status)

    @property
    def done(self) -> int:
        return self._count("done")

    @property
    def failed(self) -> int:
        return self._count("failed")

    @property
    def skipped(self) -> int:
        return self._count("skipped")

    @property
    def audio_seconds(self) -> float:
        """Audio processed by this run (episodes that ran to the end)."""
        return sum(e.audio_seconds for e in self.episodes if e.status == "done")

    @property
    def ok(self) -> bool:
        return self.failed == 0


# ---------------------------------------------------------------- planning


@dataclass
class _Episode:
    """Driver-side state of one episode during a run."""

    rec: EpisodeRecord
    outdir: Path
    label: str
    todo: list[str]
    audio: str = ""
    audio_sha: str = ""
    meta: dict = field(default_factory=dict)
    status: str = "pending"
    error: str = ""
    seconds: float = 0.0
    stages_run: list[str] = field(default_factory=list)


def _outputs_ok(stage: str, info: dict, outdir: Path) -> bool:
    """The files a recorded stage wrote are still there (and the audio did not change)."""
    if stage == "fetch":
        audio = outdir.resolve() / info.get("audio", "")
        try:
            st = audio.stat()
        except OSError:
            return False
        if st.st_size != info.get("size") or st.st_mtime_ns != info.get("mtime_ns"):
            return False
    return all((outdir / f).is_file() for f in BY_NAME[stage].outputs) and all(
        (outdir / f).exists() for f in info.get("files", ())
    )


def _first_needed(rec: EpisodeRecord, outdir: Path, settings: Settings) -> tuple[int, str]:
    """Index of the first stage to (re)run, and the audio sha256 recorded at fetch.

    A stage that kept its result in memory cannot be resumed after: when the stage after
    it must run, so must it."""
    audio_sha = ""
    fetched = rec.stages.get("fetch")
    if fetched is not None:
        audio_sha = fetched.info.get("audio_sha256", "")
    want = fingerprints(rec.key, audio_sha or None, settings)
    first = len(STAGES)
    for i, stage in enumerate(STAGE_NAMES):
        sr = rec.stages.get(stage)
        if (
            sr is None
            or stage not in want
            or sr.fingerprint != want[stage]
            or not _outputs_ok(stage, sr.info, outdir)
        ):
            first = i
            break
    while first > 0 and first < len(STAGES) and not STAGES[first - 1].outputs:
        first -= 1
    return first, (audio_sha if first > 0 else "")


def _task_stages(todo: list[str]) -> tuple[str, ...]:
    """The next task: the first stage to do and those after it on the same resource; a
    stage without files of its own takes the next one along, whatever its resource."""
    out = [todo[0]]
    for name in todo[1:]:
        prev = BY_NAME[out[-1]]
        if BY_NAME[name].resource != BY_NAME[out[0]].resource and prev.outputs:
            break
        out.append(name)
    return tuple(out)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _episode_key(src: str, meta: EpisodeMeta, n_listed: int) -> tuple[str, str]:
    """(key, entry): the source alone for a single episode, else source + feed entry."""
    if n_listed == 1 and meta.source == src:
        return src, ""
    entry = meta.id or meta.source
    return f"{src} #{entry}", entry


def _assign_slug(ledger: Ledger, out: Path, key: str, meta: EpisodeMeta) -> str:
    slug = episode_dir(out, meta).name
    owner = ledger.slug_owner(slug)
    if owner in (None, key):
        return slug
    base = f"{slug}-{hashlib.sha1(key.encode()).hexdigest()[:6]}"
    slug, n = base, 2
    while ledger.slug_owner(slug) not in (None, key):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _list_sources(
    ledger: Ledger,
    out: Path,
    sources: Sequence[str],
    options: RunOptions,
    retry_failed: bool,
    max_attempts: int,
    backoff: float,
) -> tuple[list[str], set[str]]:
    """List every source's episodes into the ledger.

    Returns the keys of this run in SOURCES order, and the keys whose listing failed now.
    """
    known: dict[str, list[EpisodeRecord]] = {}
    for rec in ledger.episodes():
        known.setdefault(rec.source, []).append(rec)
    now = time.time()

    def need_listing(src: str) -> bool:
        recs = known.get(src, [])
        single = [r for r in recs if r.entry == ""]
        if len(recs) == 1 and single:
            r = single[0]
            if r.done:
                return False  # a single episode, finished: no need to touch the network
            if (
                r.state == "failed"
                and r.slug is None
                and not retry_failed
                and not r.retry_due(now, max_attempts)
            ):
                return False  # listing failed before and is not due for a retry
        return True

    to_list = [s for s in sources if need_listing(s)]
    listed: dict[str, list[EpisodeMeta] | str] = {}
    permanent: set[str] = set()  # sources whose listing failed for good (no backoff retry)
    if to_list:
        with cf.ThreadPoolExecutor(
            max_workers=min(8, len(to_list)), thread_name_prefix="audio2digest-list"
        ) as pool:
            futs = {
                s: pool.submit(list_episodes, s, latest=options.latest, limits=options.download)
                for s in to_list
            }
            for s, f in futs.items():
                try:
                    listed[s] = f.result()
                except FetchError as exc:
                    listed[s] = str(exc)
                    if exc.permanent:
                        permanent.add(s)
                except Exception as exc:  # yt-dlp and friends: one bad source never stops the rest
                    log.exception("%s: listing crashed", s)
                    listed[s] = f"{s}: cannot list ({type(exc).__name__}: {exc})"
    keys: list[str] = []
    listing_failed: set[str] = set()
    pos = 0
    for src in sources:
        got = listed.get(src)
        if got is None:  # not re-listed: what the ledger knows
            for r in sorted(known.get(src, []), key=lambda r: r.position):
                keys.append(r.key)
                ledger.add_episode(r.key, src, entry=r.entry, position=pos)
                pos += 1
            continue
        if isinstance(got, str):
            # A progress note only (-v): the summary table is where failures are reported.
            log.info("failed: %s", got)
            # Entries listed by an earlier run still get processed; the listing failure is its
            # own row, so it shows up (and is retried) without hiding what is known.
            for r in sorted(known.get(src, []), key=lambda r: r.position):
                if r.entry:
                    keys.append(r.key)
                    ledger.add_episode(r.key, src, entry=r.entry, position=pos)
                    pos += 1
            if not any(r.key == src and r.slug for r in known.get(src, [])):
                ledger.add_episode(src, src, position=pos)
                ledger.record_failure(src, "fetch", got, backoff_base=backoff, permanent=src in permanent)
                keys.append(src)
                listing_failed.add(src)
                pos += 1
                continue
            keys.append(src)
            pos += 1
            continue
        new_keys = [_episode_key(src, meta, len(got))[0] for meta in got]
        stale = [r for r in known.get(src, []) if r.key == src and r.slug is None]
        if stale and src not in new_keys:  # a feed that failed to list before: its row goes
            ledger.remove_episode(src)
        for meta in got:
            key, entry = _episode_key(src, meta, len(got))
            listed_rec = ledger.episode(key)
            slug = listed_rec.slug if listed_rec and listed_rec.slug else _assign_slug(ledger, out, key, meta)
            ledger.add_episode(
                key, src, entry=entry, position=pos, slug=slug, title=meta.title, meta=meta.to_dict()
            )
            keys.append(key)
            pos += 1
    return list(dict.fromkeys(keys)), listing_failed


def run_batch(
    sources_file_or_feed: str | os.PathLike,
    out: str | os.PathLike,
    options: RunOptions = RunOptions(),
    *,
    jobs: int = 1,
    executor: str = "local",
    ray_address: str | None = None,
    retry_failed: bool = False,
    max_attempts: int = 3,
    backoff: float = 60.0,
    progress: ProgressCallback = no_progress,
    transcriber: Transcriber | None = None,
    digest_writers: Sequence[DigestWriter] = (),
) -> BatchSummary:
    """Run every episode of SOURCES into ``out`` with a ledger; see the module docstring.

    Re-running skips what is done, resumes what is not, and retries failed episodes once their
    backoff (``backoff`` · 2^(attempts-1) seconds) has passed, up to ``max_attempts`` failures;
    ``retry_failed`` retries them now regardless. One failing episode never stops the others.
    ``transcriber`` and ``digest_writers`` are as for :func:`audio2digest.pipeline.run` (they
    must pickle when ``jobs`` > 1 or on Ray).
    """
    if executor not in EXECUTORS:
        raise InputError(f"Invalid executor '{executor}', expected one of: {', '.join(EXECUTORS)}")
    if jobs < 1:
        raise InputError(f"Invalid jobs {jobs}, expected 1 or more")
    if max_attempts < 1:
        raise InputError(f"Invalid max attempts {max_attempts}, expected 1 or more")
    t_start = time.perf_counter()
    out = Path(out)
    sources = read_sources(sources_file_or_feed)
    preflight(digest_writers)  # an LLM endpoint that will fail: say so before any audio
    env = StageEnv(
        glossary=load_glossaries(options),
        transcriber=transcriber or WhisperTranscriber(),
        digest_writers=tuple(digest_writers),
    )
    settings = Settings.of(options, env)
    cpu_threads = options.transcribe.cpu_threads or max(1, _cores() // jobs)

    with Ledger.open(out) as ledger:
        keys, listing_failed = _list_sources(
            ledger, out, sources, options, retry_failed, max_attempts, backoff
        )
        now = time.time()
        summaries: dict[str, EpisodeResult] = {}
        work: list[_Episode] = []
        for key in keys:
            rec = ledger.episode(key)
            assert rec is not None
            label = rec.title or rec.slug or key
            summ = EpisodeResult(
                source=rec.source,
                key=key,
                slug=rec.slug or "",
                title=rec.title,
                outdir=(out / rec.slug) if rec.slug else None,
                status="failed",
                state=rec.state,
                error=rec.last_error,
                attempts=rec.attempts,
                audio_seconds=rec.audio_seconds,
            )
            summaries[key] = summ
            if key in listing_failed or rec.slug is None:
                if key not in listing_failed:
                    summ.error = _not_retried(rec, now, max_attempts)
                continue
            outdir = out / rec.slug
            first, audio_sha = _first_needed(rec, outdir, settings)
            if first == len(STAGES):
                summ.status = "skipped"
                continue
            if rec.state == "failed" and not retry_failed and not rec.retry_due(now, max_attempts):
                summ.error = _not_retried(rec, now, max_attempts)
                continue
            if any(s in rec.stages for s in STAGE_NAMES[first:]):
                ledger.forget_stages(key, STAGE_NAMES[first])  # stale: inputs or outputs changed
            fetched = rec.stages.get("fetch")
            ep = _Episode(
                rec=rec,
                outdir=outdir,
                label=label,
                todo=list(STAGE_NAMES[first:]),
                audio_sha=audio_sha,
                audio=(fetched.info.get("audio", "") if fetched and first > 0 else ""),
                meta=(fetched.info.get("meta") if fetched and first > 0 else None) or rec.meta,
            )
            work.append(ep)

        total = len(keys)
        finished = total - len(work)
        progress(Progress(BATCH_PROGRESS, finished, total, message=f"{len(work)} to run"))
        if work:
            ex: Any = make_executor(executor, jobs, env, ray_address, cpu_threads)
            try:
                _drive(
                    ex, work, ledger, options, jobs, cpu_threads, settings, backoff, progress, total, finished
                )
            except BaseException:  # Ctrl-C or a ledger error: do not wait for running stages
                ex.shutdown(wait=False)
                raise
            ex.shutdown()
        for ep in work:
            s = summaries[ep.rec.key]
            rec = ledger.episode(ep.rec.key)
            assert rec is not None
            s.status = ep.status if ep.status in ("done", "failed") else "failed"
            s.error = ep.error if ep.status == "failed" else ""
            s.state, s.attempts = rec.state, rec.attempts
            s.audio_seconds, s.seconds, s.stages_run = rec.audio_seconds, ep.seconds, tuple(ep.stages_run)
            t = rec.stages.get("transcribe")
            s.cached = bool(t and t.info.get("reused"))
            r = rec.stages.get("render")
            s.files = [ep.outdir / f for f in (r.info.get("files", ()) if r else ())]
        ledger_seconds = ledger.op_seconds
    summary = BatchSummary(
        out=out,
        episodes=[summaries[k] for k in keys],
        wall_seconds=time.perf_counter() - t_start,
        ledger_seconds=ledger_seconds,
    )
    log.info(
        "batch into %s: %d done, %d skipped, %d failed in %.1f s",
        out,
        summary.done,
        summary.skipped,
        summary.failed,
        summary.wall_seconds,
    )
    return summary


def _not_retried(rec: EpisodeRecord, now: float, max_attempts: int) -> str:
    if rec.permanent_failure:
        return f"{rec.last_error} (not retried: trying again cannot help; --retry-failed to try again)"
    if rec.attempts >= max_attempts:
        return f"{rec.last_error} (gave up after {rec.attempts} attempts; --retry-failed to try again)"
    wait = max(0.0, (rec.next_retry_at or now) - now)
    return f"{rec.last_error} (next retry in {wait:.0f} s; --retry-failed to retry now)"


def _drive(
    ex,
    work: list[_Episode],
    ledger: Ledger,
    options: RunOptions,
    jobs: int,
    cpu_threads: int,
    settings: Settings,
    backoff: float,
    progress: ProgressCallback,
    total: int,
    finished: int,
) -> None:
    """The scheduling loop: submit stage tasks, record what finished, until nothing is left."""
    fetch_q: deque[_Episode] = deque()
    cpu_q: list[_Episode] = []  # waiting for a worker
    running: dict[Any, tuple[_Episode, StageTask]] = {}
    n_fetching = 0
    for ep in work:
        clean_partial(ep.outdir)
        (fetch_q if BY_NAME[ep.todo[0]].resource == "io" else cpu_q).append(ep)
    done = failed = 0

    def submit(ep: _Episode) -> None:
        nonlocal n_fetching
        stages = _task_stages(ep.todo)
        resource = BY_NAME[stages[0]].resource
        task = StageTask(
            key=ep.rec.key,
            label=ep.label,
            outdir=str(ep.outdir),
            stages=stages,
            meta=ep.meta,
            options=options,
            resource=resource,
            audio=ep.audio,
            audio_sha256=ep.audio_sha,
            cpu_threads=cpu_threads,
        )
        progress(Progress(stages[0], 0, 0, message="queued", episode=ep.label))
        running[ex.submit(task)] = (ep, task)
        if resource == "io":
            n_fetching += 1

    def finish(ep: _Episode, ok: bool) -> None:
        nonlocal done, failed
        ep.status = "done" if ok else "failed"
        done, failed = done + ok, failed + (not ok)
        progress(
            Progress(
                EPISODE_DONE if ok else EPISODE_FAILED,
                1,
                1,
                message=ep.outdir.name if ok else ep.error,
                episode=ep.label,
            )
        )
        progress(
            Progress(BATCH_PROGRESS, finished + done + failed, total, message=f"{done} done, {failed} failed")
        )
        if not ok:
            clean_partial(ep.outdir)
            remove_if_empty(ep.outdir)

    while fetch_q or cpu_q or running:
        # CPU work first: finishing episodes (post stages) before starting new transcriptions.
        cpu_running = sum(1 for _, t in running.values() if t.resource != "io")
        cpu_q.sort(key=lambda e: (BY_NAME[e.todo[0]].resource == "asr", e.rec.position))
        while cpu_q and cpu_running < jobs:
            submit(cpu_q.pop(0))
            cpu_running += 1
        # Downloads run ahead of transcription by at most ``jobs`` episodes.
        waiting_asr = sum(1 for e in cpu_q if BY_NAME[e.todo[0]].resource == "asr")
        while fetch_q and n_fetching < max(2, min(jobs + 1, 4)) and n_fetching + waiting_asr < jobs + 1:
            submit(fetch_q.popleft())
        ready = ex.wait(list(running), timeout=0.1)
        _forward(ex.events(), progress)  # a task's own events before its result
        for handle in ready:
            ep, task = running.pop(handle)
            if task.resource == "io":
                n_fetching -= 1
            try:
                res: TaskResult = ex.result(handle)
            except Exception as exc:  # the worker itself died (crash, out of memory, Ray node lost)
                res = TaskResult(
                    ep.rec.key,
                    error=f"{ep.label}: worker died during {task.stages[0]} ({type(exc).__name__}: {exc})",
                    error_stage=task.stages[0],
                )
            kept = list(res.done)
            while res.error and kept and not BY_NAME[kept[-1][0]].outputs:
                # it kept its result in memory for the stage that failed: not resumable alone
                kept.pop()
            records: list[StageDone] = []
            aud: float | None = None
            for stage, secs, info in kept:
                if stage == "fetch":
                    ep.audio, ep.audio_sha, ep.meta = info["audio"], info["audio_sha256"], info["meta"]
                elif stage == "transcribe":
                    aud = float(info.get("audio_seconds") or 0.0)
                fp = fingerprints(ep.rec.key, ep.audio_sha or None, settings)[stage]
                records.append(StageDone(stage, fp, secs, info))
            ledger.record_stages(ep.rec.key, records, audio_seconds=aud)
            for stage, secs, _ in kept:
                ep.todo.remove(stage)
                ep.stages_run.append(stage)
                ep.seconds += secs  # processing time, not time spent waiting for a worker
            if res.error:
                ep.error = res.error
                attempts = ledger.record_failure(
                    ep.rec.key,
                    res.error_stage or ep.todo[0],
                    res.error,
                    backoff_base=backoff,
                    permanent=res.permanent,
                )
                log.info("failed: %s (attempt %d)", res.error, attempts)  # reported in the summary
                finish(ep, False)
            elif not ep.todo:
                finish(ep, True)
            else:
                cpu_q.append(ep)
    _forward(ex.events(), progress)


def _forward(events: list, progress: ProgressCallback) -> None:
    """Hand workers' progress events to the callback and their log records to our loggers."""
    for ev in events:
        if isinstance(ev, Progress):
            progress(ev)
        elif isinstance(ev, logging.LogRecord):
            logging.getLogger(ev.name).handle(ev)


def format_seconds(s: float) -> str:
    s = int(round(s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


__all__ = ["BatchSummary", "run_batch", "format_seconds"]
