"""Terminal concerns: logging handler, progress bars, colours only on a TTY."""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from typing import Iterator

from ..types import Progress, ProgressCallback


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
        Progress as RichProgress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
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
    tasks: dict[tuple[str, str], int] = {}

    def callback(p: Progress) -> None:
        key = (p.episode, p.stage)
        desc = f"{p.episode[:28]} {p.stage}" if p.episode else p.stage
        if key not in tasks:
            tasks[key] = bars.add_task(desc, total=p.total or None, message=p.message)
        bars.update(tasks[key], completed=p.done, total=p.total or None, message=p.message)

    with bars:
        yield callback
