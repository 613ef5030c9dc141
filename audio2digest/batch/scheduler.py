"""Batch jobs that survive crashes: many sources → OUT, with a ledger, on one machine or on Ray.

:func:`run_batch` reads SOURCES (a text file of URLs/paths, or a feed URL), lists their
episodes and runs each through the pipeline's stage functions::

    fetched → transcribed → corrected → segmented → rendered

Every stage writes its output atomically into ``OUT/<slug>/`` and *then* the driver records it
in the ledger (``OUT/ledger.sqlite``, see :mod:`audio2digest.batch.ledger`), so a kill at any moment
loses at most the stage that was running, and a re-run resumes there. Each stage's record holds
the fingerprint of its inputs; when an input changes (a new glossary changes the ``corrected``
fingerprint) that stage and the ones after it run again, nothing before it.

Stage outputs (all deterministic, so a resumed run ends byte-identical to an uninterrupted one)::

    source.json            fetched: metadata; the audio path, relative to the episode directory
    audio.<ext>            fetched: downloaded audio (local files are referenced, not copied)
    transcript.raw.json    transcribed (the pipeline's transcription cache)
    transcript.json        corrected
    .batch/digest.json     segmented: the digest before rendering
    digest.*, transcript.srt/.vtt, ...   rendered

Concurrency (``executor="local"``): downloads run in a thread pool of the driver and overlap
transcription; transcription and the later stages run in ``jobs`` worker processes, each with
``cpu_threads = max(1, cores // jobs)`` for CTranslate2 (unless set explicitly) and its own
model loaded once. With ``executor="ray"`` the same stage tasks are Ray tasks; the driver keeps
the ledger. Workers write into OUT, so on a multi-node cluster OUT (and local source files)
must be on a filesystem every node sees.

Test hook: ``AUDIO2DIGEST_FAKE_ASR=1`` replaces speech recognition by a deterministic fake
(the audio is still decoded, so broken files still fail); ``AUDIO2DIGEST_FAKE_ASR_DELAY``
(seconds) makes it slow. Only the test-suite uses it; every other stage is the real one.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import logging
import logging.handlers
import os
import queue
import shutil
import time
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional, Sequence

from audio2digest.files import atomic_write_json
from audio2digest.errors import Audio2DigestError, FetchError, InputError
from audio2digest.sources.fetch import is_url, list_episodes
from audio2digest.batch.ledger import STAGES, EpisodeRecord, Ledger
from audio2digest.pipeline import (
    RAW_TRANSCRIPT,
    SOURCE_FILE,
    TRANSCRIPT,
    RunOptions,
    episode_dir,
    file_fingerprint,
    load_glossaries,
    preflight,
    transcribe_fingerprint,  # the transcript cache key run and batch share (no threads, no hotwords)
)
from audio2digest.types import EpisodeMeta, Progress, ProgressCallback, no_progress

log = logging.getLogger("audio2digest.batch.scheduler")

EXECUTORS = ("local", "ray")
BATCH_DIR = ".batch"
DIGEST_CACHE = f"{BATCH_DIR}/digest.json"
FAKE_ASR_ENV = "AUDIO2DIGEST_FAKE_ASR"
FAKE_ASR_DELAY_ENV = "AUDIO2DIGEST_FAKE_ASR_DELAY"

# Stages that run together in one task (the cheap ones after transcription go as one).
_GROUPS = (("fetched",), ("transcribed",), ("corrected", "segmented", "rendered"))


# ---------------------------------------------------------------- results

@dataclass
class EpisodeSummary:
    """One episode after a batch run. ``status``: done (work ran and finished), skipped
    (already done, nothing to do) or failed (now, or earlier and not retried this run)."""

    key: str
    slug: str
    title: str
    status: str
    state: str
    error: str = ""
    attempts: int = 0
    audio_seconds: float = 0.0
    seconds: float = 0.0  # processing time of the stages run now (not queueing)
    stages_run: tuple[str, ...] = ()


@dataclass
class BatchSummary:
    out: Path
    episodes: list[EpisodeSummary] = field(default_factory=list)
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


# ---------------------------------------------------------------- sources

def read_sources(spec: str | os.PathLike) -> list[str]:
    """SOURCES → source strings: a URL as is, or the lines of a text file.

    Lines: one URL or path each; blank lines and ``#`` comment lines are skipped; duplicates
    are dropped (first wins). Relative paths are relative to the SOURCES file's directory.
    """
    spec = str(spec)
    if is_url(spec):
        return [spec]
    p = Path(spec).expanduser()
    if not p.is_file():
        raise InputError(f"{spec}: no such file (SOURCES is a text file of URLs/paths, or a feed URL)")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{spec}: cannot read ({exc.strerror or exc})") from exc
    if b"\0" in raw[:8192]:
        raise InputError(f"{spec}: not a text file (SOURCES lists URLs or paths one per line, "
                         "or is a feed URL)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{spec}: not UTF-8 text (byte {exc.start})") from exc
    seen: dict[str, None] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not is_url(line):
            q = Path(line).expanduser()
            line = str(q if q.is_absolute() else (p.parent / q).resolve())
        seen.setdefault(line, None)
    if not seen:
        raise InputError(f"{spec}: lists no sources (only blank or # comment lines)")
    return list(seen)


# ---------------------------------------------------------------- fingerprints

def _h(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def glossary_fingerprint(options: RunOptions) -> str:
    """A fingerprint of the glossary *content* (bundled one included) used for correction."""
    parts: list[Any] = [bool(options.use_default_glossary)]
    paths: list[str] = []
    if options.use_default_glossary:
        from audio2digest.text.glossary import default_glossary_path

        paths.append(str(default_glossary_path()))
    paths += [str(g) for g in options.glossaries]
    for g in paths:
        try:
            parts.append(file_fingerprint(Path(g)))
        except OSError as exc:
            raise InputError(f"{g}: cannot read glossary ({exc.strerror or exc})") from exc
    return _h(parts)


def render_fingerprint(options: RunOptions) -> str:
    llm = options.llm.fingerprint_parts() if options.llm is not None else None
    if llm is None and options.style == "default":  # as before the LLM tier: no re-render
        return _h(list(options.formats), bool(options.clips))
    return _h(list(options.formats), bool(options.clips), options.style, llm)


def stage_fingerprints(key: str, audio_sha: Optional[str], tfp: str, gfp: str, rfp: str) -> dict[str, str]:
    """The expected fingerprint of every stage; each chains the one before."""
    fps = {"fetched": _h("fetched", key)}
    if audio_sha:
        fps["transcribed"] = _h("transcribed", audio_sha, tfp)
        fps["corrected"] = _h("corrected", fps["transcribed"], gfp)
        fps["segmented"] = _h("segmented", fps["corrected"])
        fps["rendered"] = _h("rendered", fps["segmented"], rfp)
    return fps


# ---------------------------------------------------------------- worker side

@dataclass(frozen=True)
class StageTask:
    """One unit of work for a worker: some consecutive stages of one episode."""

    key: str
    label: str
    outdir: str
    stages: tuple[str, ...]
    meta: dict
    options: RunOptions
    audio: str = ""  # relative to outdir, or absolute
    cpu_threads: int = 0
    fake_asr: bool = False


@dataclass
class TaskResult:
    key: str
    done: list[tuple[str, float, dict]] = field(default_factory=list)  # (stage, seconds, info)
    error: str = ""
    error_stage: str = ""


_SINK: Optional[Any] = None  # where worker processes put Progress events and log records
_GLOSSARY: Any = None  # the glossary, set once per worker process


def _emit(p: Progress) -> None:
    if _SINK is not None:
        try:
            _SINK.put(p)
        except Exception:  # progress must never break work
            pass


def _init_worker(sink, glossary, level: int) -> None:
    """ProcessPool initializer: progress/log forwarding, glossary; die with the driver."""
    global _SINK, _GLOSSARY
    _SINK, _GLOSSARY = sink, glossary
    logger = logging.getLogger("audio2digest")
    logger.handlers[:] = [logging.handlers.QueueHandler(sink)]
    logger.setLevel(level)
    logger.propagate = False
    _die_with_parent()


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker when the driver dies, so no orphan keeps writing into OUT."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent is already gone
            os._exit(1)
    except (OSError, AttributeError):  # not Linux: workers exit when their queue closes
        pass


def _audio_path(task: StageTask) -> Path:
    p = Path(task.audio)
    return p if p.is_absolute() else Path(task.outdir) / p


def _rel_audio(audio: Path, outdir: Path) -> str:
    """The audio path as recorded: relative when inside the episode directory (relocatable)."""
    try:
        return str(audio.resolve().relative_to(outdir.resolve()))
    except ValueError:
        return str(audio.resolve())


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read stage output ({exc})") from exc


def _do_fetch(task: StageTask) -> dict:
    from audio2digest.sources.fetch import download

    outdir = Path(task.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    meta = EpisodeMeta.from_dict(task.meta)
    fetched = download(meta, outdir, progress=_emit)
    audio = fetched.audio_path
    try:
        st = audio.stat()
        sha = file_fingerprint(audio)
    except OSError as exc:  # a local file that went away since it was listed
        raise FetchError(f"{audio}: cannot read ({exc.strerror or exc})") from exc
    rel = _rel_audio(audio, outdir)
    atomic_write_json(outdir / SOURCE_FILE, {"episode": fetched.meta.to_dict(), "audio": rel})
    return {"audio": rel, "audio_sha256": sha, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "meta": fetched.meta.to_dict()}


def _hotwords(options: RunOptions, glossary, meta: EpisodeMeta) -> Optional[str]:
    from audio2digest.pipeline import _hotwords as pick

    try:
        return pick(options, glossary, meta)
    except ImportError as exc:  # hotword selection not available in this install
        log.warning("hotwords unavailable (%s); transcribing without", exc)
        return None


def _do_transcribe(task: StageTask, glossary) -> dict:
    from audio2digest.pipeline import stage_transcribe

    outdir = Path(task.outdir)
    audio = _audio_path(task)
    meta = EpisodeMeta.from_dict(task.meta)
    options = replace(task.options, transcribe=replace(task.options.transcribe,
                                                       cpu_threads=task.cpu_threads))
    fp = transcribe_fingerprint(options)
    if task.fake_asr:
        t = _fake_transcribe(audio, meta, options.transcribe, outdir, fp)
        return {"audio_seconds": t.duration, "reused": False, "fake": True}
    _warm_up_once(glossary)
    t, cached = stage_transcribe(audio, meta, outdir, options.transcribe, force=False,
                                 progress=_emit, fingerprint=fp,
                                 hotwords=lambda: _hotwords(options, glossary, meta))
    return {"audio_seconds": t.duration, "reused": cached}


_WARMER: Any = None  # the warm-up thread of this worker process, once started


def _warm_up_once(glossary) -> None:
    """Load the correction index and jieba in a thread while this worker's first decode runs."""
    global _WARMER
    from audio2digest import pipeline

    if _WARMER is not None or not hasattr(pipeline, "warm_up"):
        return
    import threading

    _WARMER = threading.Thread(target=pipeline.warm_up, args=(glossary,), daemon=True,
                               name="audio2digest-warm-up")
    _WARMER.start()


def _warm_done() -> None:
    if _WARMER is not None:
        _WARMER.join()


def _fake_transcribe(audio: Path, meta: EpisodeMeta, topts, outdir: Path, fingerprint: str):
    """The AUDIO2DIGEST_FAKE_ASR test hook: decode (so bad files fail), then fixed text."""
    from audio2digest.sources.audio import duration_of, load_audio
    from audio2digest.types import Segment, Transcript

    samples = load_audio(audio)
    duration = round(duration_of(samples), 3)
    delay = float(os.environ.get(FAKE_ASR_DELAY_ENV) or 0)
    if delay > 0:
        time.sleep(delay)
    sha = file_fingerprint(audio)
    lines = ["今天我们聊一聊智普发布的新模型。", "谷歌也更新了Gemini。", "最后是开源社区的消息。"]
    n = 1 + int(sha[:2], 16) % len(lines)
    step = duration / n
    segs = tuple(Segment(id=i, start=round(i * step, 3), end=round((i + 1) * step, 3), text=lines[i])
                 for i in range(n))
    ep = meta if meta.duration else EpisodeMeta(**{**meta.to_dict(), "duration": duration})
    t = Transcript(episode=ep, language="zh", segments=segs, duration=duration,
                   model="fake-asr (AUDIO2DIGEST_FAKE_ASR test hook)",
                   settings={**topts.to_dict(), "audio_sha256": sha, "fingerprint": fingerprint})
    atomic_write_json(outdir / RAW_TRANSCRIPT, t.to_dict())
    return t


def _do_correct(task: StageTask, glossary) -> dict:
    from audio2digest.pipeline import read_transcript, stage_correct

    outdir = Path(task.outdir)
    _warm_done()
    t = stage_correct(read_transcript(outdir / RAW_TRANSCRIPT), glossary)
    atomic_write_json(outdir / TRANSCRIPT, t.to_dict())
    return {"corrections": len(t.corrections)}


def _do_segment(task: StageTask, glossary) -> dict:
    from audio2digest.pipeline import read_transcript, stage_digest

    outdir = Path(task.outdir)
    _warm_done()
    digest = stage_digest(read_transcript(outdir / TRANSCRIPT), glossary)
    atomic_write_json(outdir / DIGEST_CACHE, digest.to_dict())
    return {"items": len(digest.items)}


def _do_render(task: StageTask, glossary=None) -> dict:
    from audio2digest.pipeline import read_transcript, stage_render, stage_write
    from audio2digest.types import Digest

    outdir = Path(task.outdir)
    t = read_transcript(outdir / TRANSCRIPT)
    try:
        digest = Digest.from_dict(_read_json(outdir / DIGEST_CACHE))
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError(f"{outdir / DIGEST_CACHE}: not a digest ({exc})") from exc
    audio = _audio_path(task) if task.audio else None
    digest = stage_write(digest, glossary, outdir, task.options.llm, progress=_emit,
                         label=task.label)
    files = stage_render(digest, t, outdir, task.options.formats, audio, task.options.clips,
                         task.options.style)
    info: dict = {"files": sorted({os.path.relpath(f, outdir) for f in files})}
    if digest.writer:
        info["writer"] = dict(digest.writer)
    return info


def execute(task: StageTask, glossary=None) -> TaskResult:
    """Run ``task.stages`` in order; stop at the first failure. Never raises for stage errors.

    Every stage reads its input from the previous stage's file on disk, so the bytes it
    produces do not depend on whether the run was resumed in between.
    """
    if glossary is None:
        glossary = _GLOSSARY
    result = TaskResult(task.key)
    for stage in task.stages:
        _emit(Progress(stage, 0, 0, message=stage, episode=task.label))
        t0 = time.perf_counter()
        try:
            if stage == "fetched":
                info = _do_fetch(task)
            elif stage == "transcribed":
                info = _do_transcribe(task, glossary)
            elif stage == "corrected":
                info = _do_correct(task, glossary)
            elif stage == "segmented":
                info = _do_segment(task, glossary)
            elif stage == "rendered":
                info = _do_render(task, glossary)
            else:  # pragma: no cover - programming error
                raise ValueError(f"Invalid stage '{stage}', expected one of: {', '.join(STAGES)}")
        except Audio2DigestError as exc:
            result.error, result.error_stage = str(exc), stage
            return result
        except Exception as exc:  # a bug or a library failure: fail this episode, not the batch
            log.exception("%s: %s stage crashed", task.label, stage)
            result.error = f"{task.label}: {stage} stage crashed ({type(exc).__name__}: {exc})"
            result.error_stage = stage
            return result
        if stage == "fetched":  # later stages of this task need the audio
            task = replace(task, audio=info["audio"], meta=info["meta"])
        result.done.append((stage, time.perf_counter() - t0, info))
    return result


def _execute_in_thread(task: StageTask, glossary, sink) -> TaskResult:
    global _SINK
    _SINK = sink  # threads of the driver share this module: one sink for all of them
    return execute(task, glossary)


def _ray_execute(task: StageTask, glossary) -> TaskResult:
    return execute(task, glossary)


# ---------------------------------------------------------------- executors

class _LocalExecutor:
    """Downloads in driver threads (they overlap transcription); the rest in ``jobs`` worker
    processes (spawned; each loads the model once and dies with the driver). With ``jobs=1``
    the one worker is a thread of the driver: no process start-up, same stage code."""

    def __init__(self, jobs: int, glossary):
        import multiprocessing as mp

        self.jobs = jobs
        self.glossary = glossary
        self._ctx = mp.get_context("spawn")
        self.sink = self._ctx.Queue() if jobs > 1 else queue.Queue()
        self.io = cf.ThreadPoolExecutor(max_workers=max(2, min(jobs + 1, 4)),
                                        thread_name_prefix="audio2digest-fetch")
        self.cpu = self._new_pool()

    def _new_pool(self):
        if self.jobs == 1:
            return cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="audio2digest-worker")
        level = logging.getLogger("audio2digest").getEffectiveLevel()
        return cf.ProcessPoolExecutor(max_workers=self.jobs, mp_context=self._ctx,
                                      initializer=_init_worker,
                                      initargs=(self.sink, self.glossary, level))

    def submit(self, task: StageTask):
        if task.stages[0] == "fetched":
            return self.io.submit(_execute_in_thread, task, self.glossary, self.sink)
        if self.jobs == 1:
            return self.cpu.submit(_execute_in_thread, task, self.glossary, self.sink)
        return self.cpu.submit(execute, task)

    def wait(self, handles: list, timeout: float) -> list:
        if not handles:
            time.sleep(timeout)
            return []
        done, _ = cf.wait(handles, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return list(done)

    def result(self, handle) -> TaskResult:
        try:
            return handle.result()
        except cf.process.BrokenProcessPool:
            if getattr(self.cpu, "_broken", False):  # replace it once, not per lost future
                self.cpu.shutdown(wait=False, cancel_futures=True)
                self.cpu = self._new_pool()
            raise

    def events(self) -> list:
        out = []
        while True:
            try:
                out.append(self.sink.get_nowait())
            except (queue.Empty, OSError, EOFError, ValueError):
                return out

    def shutdown(self, wait: bool = True) -> None:
        self.io.shutdown(wait=wait, cancel_futures=True)
        self.cpu.shutdown(wait=wait, cancel_futures=True)
        if hasattr(self.sink, "close"):
            self.sink.close()


class _RayExecutor:
    """Every stage task is a Ray task; results come back to the driver, which keeps the ledger."""

    def __init__(self, jobs: int, glossary, address: Optional[str], cpu_threads: int):
        try:
            import ray
        except ImportError as exc:
            raise Audio2DigestError(
                "--executor ray needs Ray: pip install 'audio2digest[ray]'") from exc
        self.ray = ray
        self._owns = False
        if not ray.is_initialized():
            try:
                if address:
                    ray.init(address=address, log_to_driver=False)
                else:
                    ray.init(include_dashboard=False, log_to_driver=False)
            except Exception as exc:
                raise Audio2DigestError(
                    f"cannot start or reach Ray{f' at {address}' if address else ''} "
                    f"({type(exc).__name__}: {exc})") from exc
            self._owns = True
        self.glossary = ray.put(glossary)
        self.fetch_fn = ray.remote(num_cpus=0)(_ray_execute)
        self.asr_fn = ray.remote(num_cpus=max(1, cpu_threads))(_ray_execute)
        self.post_fn = ray.remote(num_cpus=1)(_ray_execute)

    def submit(self, task: StageTask):
        fn = {"fetched": self.fetch_fn, "transcribed": self.asr_fn}.get(task.stages[0], self.post_fn)
        return fn.remote(task, self.glossary)

    def wait(self, handles: list, timeout: float) -> list:
        if not handles:
            time.sleep(timeout)
            return []
        ready, rest = self.ray.wait(handles, num_returns=1, timeout=timeout)
        if ready and rest:
            more, _ = self.ray.wait(rest, num_returns=len(rest), timeout=0)
            ready += more
        return ready

    def result(self, handle) -> TaskResult:
        return self.ray.get(handle)

    def events(self) -> list:
        return []

    def shutdown(self, wait: bool = True) -> None:
        if self._owns:
            self.ray.shutdown()


# ---------------------------------------------------------------- driver

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
    audio_seconds: float = 0.0
    stages_run: list[str] = field(default_factory=list)


def _stage_outputs_ok(stage: str, rec_info: dict, outdir: Path) -> bool:
    if stage == "fetched":
        audio = Path(rec_info.get("audio", ""))
        audio = audio if audio.is_absolute() else outdir / audio
        try:
            st = audio.stat()
        except OSError:
            return False
        return ((outdir / SOURCE_FILE).is_file() and st.st_size == rec_info.get("size")
                and st.st_mtime_ns == rec_info.get("mtime_ns"))
    if stage == "transcribed":
        return (outdir / RAW_TRANSCRIPT).is_file()
    if stage == "corrected":
        return (outdir / TRANSCRIPT).is_file()
    if stage == "segmented":
        return (outdir / DIGEST_CACHE).is_file()
    return all((outdir / f).exists() for f in rec_info.get("files", ()))


def _first_needed(rec: EpisodeRecord, outdir: Path, tfp: str, gfp: str, rfp: str) -> tuple[int, str]:
    """Index of the first stage to (re)run, and the audio sha256 recorded at fetch."""
    audio_sha = ""
    for i, stage in enumerate(STAGES):
        sr = rec.stages.get(stage)
        if stage == "transcribed" and audio_sha == "":
            return i, audio_sha
        want = stage_fingerprints(rec.key, audio_sha or None, tfp, gfp, rfp).get(stage)
        if sr is None or sr.fingerprint != want or not _stage_outputs_ok(stage, sr.info, outdir):
            return i, audio_sha
        if stage == "fetched":
            audio_sha = sr.info.get("audio_sha256", "")
    return len(STAGES), audio_sha


def _clean_stale(outdir: Path) -> None:
    """Remove what a killed run left half-written: atomic-write temps and download dirs."""
    for d in (outdir, outdir / BATCH_DIR, outdir / "clips"):
        if not d.is_dir():
            continue
        for p in d.iterdir():
            if p.name.startswith(".") and p.name.endswith(".tmp") and p.is_file():
                p.unlink(missing_ok=True)
            elif p.name.startswith(".download-") and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)


def _remove_if_empty(outdir: Path) -> None:
    try:
        for d in (outdir / BATCH_DIR, outdir):
            if d.is_dir() and not any(d.iterdir()):
                d.rmdir()
    except OSError:
        pass


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


def _list_sources(ledger: Ledger, out: Path, sources: Sequence[str], options: RunOptions,
                  retry_failed: bool, max_attempts: int, backoff: float) -> tuple[list[str], set[str]]:
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
            if r.state == "failed" and r.slug is None and not retry_failed and (
                    r.attempts >= max_attempts or (r.next_retry_at or 0) > now):
                return False  # listing failed before and is not due for a retry
        return True

    to_list = [s for s in sources if need_listing(s)]
    listed: dict[str, list[EpisodeMeta] | str] = {}
    if to_list:
        with cf.ThreadPoolExecutor(max_workers=min(8, len(to_list)),
                                   thread_name_prefix="audio2digest-list") as pool:
            futs = {s: pool.submit(list_episodes, s, latest=options.latest) for s in to_list}
            for s, f in futs.items():
                try:
                    listed[s] = f.result()
                except FetchError as exc:
                    listed[s] = str(exc)
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
            log.error("%s", got)
            # Entries listed by an earlier run still get processed; the listing failure is its
            # own row, so it shows up (and is retried) without hiding what is known.
            for r in sorted(known.get(src, []), key=lambda r: r.position):
                if r.entry:
                    keys.append(r.key)
                    ledger.add_episode(r.key, src, entry=r.entry, position=pos)
                    pos += 1
            if not any(r.key == src and r.slug for r in known.get(src, [])):
                ledger.add_episode(src, src, position=pos)
                ledger.record_failure(src, "fetched", got, backoff_base=backoff)
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
            rec = ledger.episode(key)
            slug = rec.slug if rec and rec.slug else _assign_slug(ledger, out, key, meta)
            ledger.add_episode(key, src, entry=entry, position=pos, slug=slug,
                               title=meta.title, meta=meta.to_dict())
            keys.append(key)
            pos += 1
    return list(dict.fromkeys(keys)), listing_failed


def run_batch(sources_file_or_feed: str | os.PathLike, out: str | os.PathLike,
              options: RunOptions = RunOptions(), *, jobs: int = 1, executor: str = "local",
              ray_address: Optional[str] = None, retry_failed: bool = False,
              max_attempts: int = 3, backoff: float = 60.0,
              progress: ProgressCallback = no_progress) -> BatchSummary:
    """Run every episode of SOURCES into ``out`` with a ledger; see the module docstring.

    Re-running skips what is done, resumes what is not, and retries failed episodes once their
    backoff (``backoff`` · 2^(attempts-1) seconds) has passed, up to ``max_attempts`` failures;
    ``retry_failed`` retries them now regardless. One failing episode never stops the others.
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
    preflight(options)
    glossary = load_glossaries(options)
    tfp, gfp, rfp = transcribe_fingerprint(options), glossary_fingerprint(options), render_fingerprint(options)
    fake_asr = os.environ.get(FAKE_ASR_ENV, "") not in ("", "0")
    cpu_threads = options.transcribe.cpu_threads or max(1, _cores() // jobs)

    with Ledger.open(out) as ledger:
        keys, listing_failed = _list_sources(ledger, out, sources, options, retry_failed,
                                             max_attempts, backoff)
        now = time.time()
        summaries: dict[str, EpisodeSummary] = {}
        work: list[_Episode] = []
        for key in keys:
            rec = ledger.episode(key)
            assert rec is not None
            label = rec.title or rec.slug or key
            summ = EpisodeSummary(key=key, slug=rec.slug or "", title=rec.title, status="failed",
                                  state=rec.state, error=rec.last_error, attempts=rec.attempts,
                                  audio_seconds=rec.audio_seconds)
            summaries[key] = summ
            if key in listing_failed or rec.slug is None:
                summ.status = "failed"
                if key not in listing_failed:
                    summ.error = _not_retried(rec, now, max_attempts)
                continue
            outdir = out / rec.slug
            first, audio_sha = _first_needed(rec, outdir, tfp, gfp, rfp)
            if first == len(STAGES):
                summ.status = "skipped"
                continue
            if rec.state == "failed" and not retry_failed and (
                    rec.attempts >= max_attempts or (rec.next_retry_at or 0) > now):
                summ.error = _not_retried(rec, now, max_attempts)
                continue
            if any(s in rec.stages for s in STAGES[first:]):
                ledger.forget_stages(key, STAGES[first])  # stale: inputs or outputs changed
            fetched = rec.stages.get("fetched")
            ep = _Episode(rec=rec, outdir=outdir, label=label, todo=list(STAGES[first:]),
                          audio_sha=audio_sha,
                          audio=(fetched.info.get("audio", "") if fetched and first > 0 else ""),
                          meta=(fetched.info.get("meta") if fetched and first > 0 else None) or rec.meta)
            work.append(ep)

        total = len(keys)
        finished = total - len(work)
        progress(Progress("batch", finished, total, message=f"{len(work)} to run"))
        if work:
            if executor == "ray":
                ex: Any = _RayExecutor(jobs, glossary, ray_address, cpu_threads)
            else:
                ex = _LocalExecutor(jobs, glossary)
            try:
                _drive(ex, work, ledger, options, jobs, cpu_threads, fake_asr, tfp, gfp, rfp,
                       backoff, progress, summaries, total, finished)
            except BaseException:  # Ctrl-C or a ledger error: do not wait for running stages
                ex.shutdown(wait=False)
                raise
            ex.shutdown()
        for ep in work:
            s = summaries[ep.rec.key]
            rec = ledger.episode(ep.rec.key)
            s.status = ep.status if ep.status in ("done", "failed") else "failed"
            s.error = ep.error if ep.status == "failed" else ""
            s.state, s.attempts = rec.state, rec.attempts
            s.audio_seconds, s.seconds, s.stages_run = rec.audio_seconds, ep.seconds, tuple(ep.stages_run)
        ledger_seconds = ledger.op_seconds
    summary = BatchSummary(out=out, episodes=[summaries[k] for k in keys],
                           wall_seconds=time.perf_counter() - t_start, ledger_seconds=ledger_seconds)
    log.info("batch into %s: %d done, %d skipped, %d failed in %.1f s", out, summary.done,
             summary.skipped, summary.failed, summary.wall_seconds)
    return summary


def _not_retried(rec: EpisodeRecord, now: float, max_attempts: int) -> str:
    if rec.attempts >= max_attempts:
        return f"{rec.last_error} (gave up after {rec.attempts} attempts; --retry-failed to try again)"
    wait = max(0.0, (rec.next_retry_at or now) - now)
    return f"{rec.last_error} (next retry in {wait:.0f} s; --retry-failed to retry now)"


def _group(todo: list[str]) -> tuple[str, ...]:
    first = todo[0]
    for g in _GROUPS:
        if first in g:
            return tuple(s for s in todo if s in g)
    raise AssertionError(first)  # pragma: no cover


def _drive(ex, work: list[_Episode], ledger: Ledger, options: RunOptions, jobs: int,
           cpu_threads: int, fake_asr: bool, tfp: str, gfp: str, rfp: str, backoff: float,
           progress: ProgressCallback, summaries: dict, total: int, finished: int) -> None:
    """The scheduling loop: submit stage tasks, record what finished, until nothing is left."""
    fetch_q: deque[_Episode] = deque()
    cpu_q: list[_Episode] = []  # waiting for a worker
    running: dict[Any, tuple[_Episode, StageTask]] = {}
    n_fetching = 0
    for ep in work:
        _clean_stale(ep.outdir)
        (fetch_q if ep.todo[0] == "fetched" else cpu_q).append(ep)
    done = failed = 0

    def submit(ep: _Episode) -> None:
        nonlocal n_fetching
        stages = _group(ep.todo)
        task = StageTask(key=ep.rec.key, label=ep.label, outdir=str(ep.outdir), stages=stages,
                         meta=ep.meta, options=options, audio=ep.audio, cpu_threads=cpu_threads,
                         fake_asr=fake_asr)
        progress(Progress(stages[0], 0, 0, message="queued" if stages[0] != "fetched" else "fetching",
                          episode=ep.label))
        running[ex.submit(task)] = (ep, task)
        if stages[0] == "fetched":
            n_fetching += 1

    def finish(ep: _Episode, ok: bool) -> None:
        nonlocal done, failed
        ep.status = "done" if ok else "failed"
        done, failed = done + ok, failed + (not ok)
        progress(Progress("finished", 1, 1, message="done" if ok else f"failed: {ep.error}",
                          episode=ep.label))
        progress(Progress("batch", finished + done + failed, total,
                          message=f"{done} done, {failed} failed"))
        if not ok:
            _remove_if_empty(ep.outdir)

    while fetch_q or cpu_q or running:
        # CPU work first: finishing episodes (post stages) before starting new transcriptions.
        cpu_running = sum(1 for _, t in running.values() if t.stages[0] != "fetched")
        cpu_q.sort(key=lambda e: (e.todo[0] == "transcribed", e.rec.position))
        while cpu_q and cpu_running < jobs:
            submit(cpu_q.pop(0))
            cpu_running += 1
        # Downloads run ahead of transcription by at most ``jobs`` episodes.
        waiting_asr = sum(1 for e in cpu_q if e.todo[0] == "transcribed")
        while fetch_q and n_fetching < max(2, min(jobs + 1, 4)) and n_fetching + waiting_asr < jobs + 1:
            submit(fetch_q.popleft())
        ready = ex.wait(list(running), timeout=0.1)
        _forward(ex.events(), progress)  # a task's own events before its result
        for handle in ready:
            ep, task = running.pop(handle)
            if task.stages[0] == "fetched":
                n_fetching -= 1
            try:
                res: TaskResult = ex.result(handle)
            except Exception as exc:  # the worker itself died (crash, out of memory, Ray node lost)
                res = TaskResult(ep.rec.key, error=f"{ep.label}: worker died during {task.stages[0]} "
                                 f"({type(exc).__name__}: {exc})", error_stage=task.stages[0])
            for stage, secs, info in res.done:
                if stage == "fetched":
                    ep.audio, ep.audio_sha, ep.meta = info["audio"], info["audio_sha256"], info["meta"]
                fp = stage_fingerprints(ep.rec.key, ep.audio_sha or None, tfp, gfp, rfp)[stage]
                aud = float(info.get("audio_seconds") or 0.0) if stage == "transcribed" else None
                ledger.record_stage(ep.rec.key, stage, fp, seconds=secs, info=info, audio_seconds=aud)
                ep.todo.remove(stage)
                ep.stages_run.append(stage)
                ep.seconds += secs  # processing time, not time spent waiting for a worker
            if res.error:
                ep.error = res.error
                attempts = ledger.record_failure(ep.rec.key, res.error_stage or ep.todo[0], res.error,
                                                 backoff_base=backoff)
                log.error("%s (attempt %d)", res.error, attempts)
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


__all__ = ["BatchSummary", "EpisodeSummary", "EXECUTORS", "read_sources", "run_batch",
           "glossary_fingerprint", "transcribe_fingerprint", "StageTask", "TaskResult", "execute"]
