"""Where batch stage tasks run: on this machine (threads and worker processes) or on Ray.

A task is some consecutive stages of one episode (:class:`StageTask`); :func:`execute` runs
them with :func:`audio2digest.stages.run_stages` and returns what each produced
(:class:`TaskResult`) to the driver, which alone writes the ledger. Every executor has the
same five methods: ``submit(task)``, ``wait(handles, timeout)``, ``result(handle)``,
``events()`` (progress and log records from workers) and ``shutdown(wait)``.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import logging.handlers
import os
import queue
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from audio2digest.errors import Audio2DigestError
from audio2digest.stages import Episode, RunOptions, StageEnv, run_stages, warm_up
from audio2digest.types import EpisodeMeta, Progress

log = logging.getLogger("audio2digest.batch.executors")

EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class StageTask:
    """One unit of work for a worker: some consecutive stages of one episode."""

    key: str
    label: str
    outdir: str
    stages: tuple[str, ...]
    meta: dict
    options: RunOptions
    resource: str  # "io", "asr" or "cpu" (see audio2digest.stages.Stage)
    audio: str = ""  # relative to outdir, or absolute
    audio_sha256: str = ""
    cpu_threads: int = 0


@dataclass
class TaskResult:
    key: str
    done: list[tuple[str, float, dict]] = field(default_factory=list)  # (stage, seconds, info)
    error: str = ""
    error_stage: str = ""
    permanent: bool = False  # trying again cannot help: no backoff retry


_SINK: Any | None = None  # where worker processes put Progress events and log records
_ENV: StageEnv | None = None  # the stage environment, set once per worker process
_WARMER: threading.Thread | None = None  # this process's warm-up thread, once started


def _emit(p: Progress) -> None:
    if _SINK is not None:
        try:
            _SINK.put(p)
        except Exception:  # progress must never break work
            pass


def _init_worker(sink, env: StageEnv, level: int) -> None:
    """ProcessPool initializer: progress/log forwarding, the stage environment; die with the driver."""
    global _SINK, _ENV
    _SINK, _ENV = sink, env
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


def _warm(env: StageEnv, stages: tuple[str, ...]) -> None:
    """Load correction and digest tables in a thread while this worker's first decode runs."""
    global _WARMER
    if "transcribe" in stages and _WARMER is None:
        _WARMER = threading.Thread(
            target=warm_up, args=(env.glossary,), daemon=True, name="audio2digest-warm-up"
        )
        _WARMER.start()
    if "correct" in stages and _WARMER is not None:
        _WARMER.join()


def execute(task: StageTask, env: StageEnv | None = None) -> TaskResult:
    """Run ``task.stages`` in order; stop at the first failure. Never raises for stage errors.

    The first stage of a task reads its input from the previous stage's files on disk, so
    the bytes it produces do not depend on whether the run was resumed in between.
    """
    env = env if env is not None else _ENV
    assert env is not None, "execute needs a StageEnv (given, or set by the worker initializer)"
    result = TaskResult(task.key)
    outdir = Path(task.outdir)
    options = task.options
    if task.cpu_threads:
        options = replace(options, transcribe=replace(options.transcribe, cpu_threads=task.cpu_threads))
    # The recorded audio path is relative to the (resolved) episode directory.
    audio = Path(os.path.normpath(outdir.resolve() / task.audio)) if task.audio else None
    ep = Episode(
        meta=EpisodeMeta.from_dict(task.meta),
        outdir=outdir,
        options=options,
        label=task.label,
        audio=audio,
        audio_sha256=task.audio_sha256,
        progress=_emit,
    )
    _warm(env, task.stages)
    clock = [time.perf_counter()]

    def on_done(name: str, info: dict) -> None:
        now = time.perf_counter()
        result.done.append((name, now - clock[0], info))
        clock[0] = now

    try:
        run_stages(ep, task.stages, env, on_done)
    except Audio2DigestError as exc:
        result.error = str(exc)
        result.permanent = exc.permanent
    except OSError as exc:  # a write failed: read-only OUT, disk full, name too long
        result.error = f"{exc.filename or outdir}: cannot write ({exc.strerror or exc})"
    except Exception as exc:  # a bug or a library failure: fail this episode, not the batch
        stage = task.stages[len(result.done)]
        log.exception("%s: %s stage crashed", task.label, stage)
        result.error = f"{task.label}: {stage} stage crashed ({type(exc).__name__}: {exc})"
    if result.error:
        result.error_stage = task.stages[len(result.done)]
    return result


def _execute_in_thread(task: StageTask, env: StageEnv, sink) -> TaskResult:
    global _SINK
    _SINK = sink  # threads of the driver share this module: one sink for all of them
    return execute(task, env)


class LocalExecutor:
    """Downloads in driver threads (they overlap transcription); the rest in ``jobs`` worker
    processes (spawned; each loads the model once and dies with the driver). With ``jobs=1``
    the one worker is a thread of the driver: no process start-up, same stage code."""

    def __init__(self, jobs: int, env: StageEnv):
        import multiprocessing as mp

        self.jobs = jobs
        self.env = env
        self._ctx = mp.get_context("spawn")
        self.sink: Any = self._ctx.Queue() if jobs > 1 else queue.Queue()
        self.io = cf.ThreadPoolExecutor(
            max_workers=max(2, min(jobs + 1, 4)), thread_name_prefix="audio2digest-fetch"
        )
        self.cpu = self._new_pool()

    def _new_pool(self):
        if self.jobs == 1:
            return cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="audio2digest-worker")
        level = logging.getLogger("audio2digest").getEffectiveLevel()
        return cf.ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=self._ctx,
            initializer=_init_worker,
            initargs=(self.sink, self.env, level),
        )

    def submit(self, task: StageTask):
        if task.resource == "io":
            return self.io.submit(_execute_in_thread, task, self.env, self.sink)
        if self.jobs == 1:
            return self.cpu.submit(_execute_in_thread, task, self.env, self.sink)
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


def _ray_execute(task: StageTask, env: StageEnv) -> TaskResult:
    return execute(task, env)


class RayExecutor:
    """Every stage task is a Ray task; results come back to the driver, which keeps the ledger."""

    def __init__(self, jobs: int, env: StageEnv, address: str | None, cpu_threads: int):
        try:
            import ray
        except ImportError as exc:
            raise Audio2DigestError("--executor ray needs Ray: pip install 'audio2digest[ray]'") from exc
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
                    f"({type(exc).__name__}: {exc})"
                ) from exc
            self._owns = True
        self.env = ray.put(env)
        self.fns = {
            "io": ray.remote(num_cpus=0)(_ray_execute),
            "asr": ray.remote(num_cpus=max(1, cpu_threads))(_ray_execute),
            "cpu": ray.remote(num_cpus=1)(_ray_execute),
        }

    def submit(self, task: StageTask):
        return self.fns[task.resource].remote(task, self.env)

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


def make_executor(name: str, jobs: int, env: StageEnv, ray_address: str | None, cpu_threads: int):
    """The executor called ``name`` (one of :data:`EXECUTORS`)."""
    if name == "ray":
        return RayExecutor(jobs, env, ray_address, cpu_threads)
    return LocalExecutor(jobs, env)


__all__ = ["EXECUTORS", "StageTask", "TaskResult", "execute", "LocalExecutor", "RayExecutor", "make_executor"]
