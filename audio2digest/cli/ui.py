"""Terminal concerns: logging handler, progress bars, colours only on a TTY."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from audio2digest.types import Progress, ProgressCallback


def is_tty() -> bool:
    return sys.stderr.isatty()


def setup_logging(level: int) -> None:
    logger = logging.getLogger("audio2digest")
    logger.setLevel(level)
    logger.handlers.clear()
    if is_tty():
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(show_time=False, show_path=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False


@contextmanager
def progress_bars(enabled: bool = True) -> Iterator[ProgressCallback]:
    """Yield a progress callback that draws one rich bar per (episode, stage) on a TTY.

    Off a TTY (or when disabled) the callback does nothing: logs say what happens.
    """
    if not (enabled and is_tty()):
        yield lambda _p: None
        return
    from rich.progress import (
        BarColumn,
        TaskID,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import (
        Progress as RichProgress,
    )

    bars = RichProgress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[message]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        transient=False,
        console=None,
    )
    tasks: dict[str, TaskID] = {}

    def callback(p: Progress) -> None:
        # One bar per episode; it names the stage it is in and counts what that stage counts
        # (audio seconds while transcribing, bytes while downloading).
        key = p.episode or "-"
        name = key if len(key) <= 30 else key[:29] + "…"
        if key not in tasks:
            tasks[key] = bars.add_task(name, total=None, message="")
        task = tasks[key]
        if p.stage in ("done", "failed"):
            style = "green" if p.stage == "done" else "red"
            bars.update(
                task,
                total=1,
                completed=1,
                description=f"{name} [{style}]{p.stage}[/{style}]",
                message=p.message[:60],
            )
            return
        bars.update(
            task,
            description=f"{name} {p.stage}",
            total=p.total or None,
            completed=p.done,
            message=p.message[:60],
        )

    with bars:
        yield callback
