"""`batch` and `status`: many episodes with a ledger that survives crashes."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from audio2digest.cli import main
from audio2digest.cli.llm_options import echo_totals, llm_options, llm_writers, style_option, writer_records
from audio2digest.cli.options import run_options
from audio2digest.cli.ui import is_tty


@contextmanager
def batch_progress(enabled: bool) -> Iterator:
    """On a TTY: one overall bar plus one bar per running episode; otherwise nothing."""
    if not (enabled and is_tty()):
        yield lambda _p: None
        return
    from rich.progress import BarColumn, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    from audio2digest.stages import BATCH_PROGRESS, EPISODE_DONE, EPISODE_FAILED

    bars = RichProgress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[message]}"),
        TimeElapsedColumn(),
        transient=False,
    )
    overall = bars.add_task("batch", total=None, message="listing sources")
    episodes: dict[str, TaskID] = {}
    finished: set[str] = set()  # a worker's late event must not bring a finished bar back

    def callback(p) -> None:
        if p.stage == BATCH_PROGRESS:
            bars.update(overall, completed=p.done, total=p.total or None, message=p.message)
            return
        if not p.episode or p.episode in finished:
            return
        if p.stage in (EPISODE_DONE, EPISODE_FAILED):
            finished.add(p.episode)
            tid = episodes.pop(p.episode, None)
            if tid is not None:
                bars.remove_task(tid)
            return
        tid = episodes.get(p.episode)
        if tid is None:
            tid = episodes[p.episode] = bars.add_task(p.episode[:32], total=None, message="")
        bars.update(
            tid,
            completed=p.done,
            total=p.total or None,
            message=f"{p.stage} {p.message if p.message != p.stage else ''}".strip(),
        )

    with bars:
        yield callback


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h" if seconds >= 360 else f"{seconds:.0f} s"


def print_summary(summary) -> None:
    """The end-of-batch table: one row per episode that ran or failed, then the totals."""
    from audio2digest.batch.ledger import STAGES
    from audio2digest.batch.scheduler import format_seconds

    rows = [e for e in summary.episodes if e.status != "skipped"]
    if is_tty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"batch into {summary.out}", caption=f"stages run: {' '.join(STAGES)}")
        for col in ("episode", "status", "stages run", "audio", "time", "error"):
            table.add_column(col, overflow="fold")
        for e in rows:
            colour = "green" if e.status == "done" else "red"
            ran = "".join(s[0] if s in e.stages_run else "." for s in STAGES)
            table.add_row(
                e.slug or e.key,
                f"[{colour}]{e.status}[/]",
                ran,
                f"{e.audio_seconds:.1f} s",
                f"{e.seconds:.1f} s",
                e.error,
            )
        Console().print(table)
    else:
        for e in rows:
            name = e.slug or e.key
            if e.error:  # errors name their file or URL already
                name = e.error if (e.key in e.error or name in e.error) else f"{name}: {e.error}"
            click.echo(f"{e.status:<7} {name}")
    click.echo(
        f"{summary.done} done, {summary.failed} failed, {summary.skipped} skipped "
        f"(already done); audio {_hours(summary.audio_seconds)}; "
        f"wall time {format_seconds(summary.wall_seconds)}"
    )


@main.command()
@click.argument("sources")
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(file_okay=False),
    required=True,
    help="Output directory: OUT/<slug>/ per episode and the ledger OUT/ledger.sqlite.",
)
@click.option(
    "-j",
    "--jobs",
    default=1,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Episodes transcribed at once; the CPU cores are split between them.",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Run on this machine, or as Ray tasks (pip install 'audio2digest[ray]').",
)
@click.option(
    "--ray-address",
    default=None,
    metavar="ADDR",
    help="Ray cluster to join (e.g. ray://head:10001 or auto). Default: a local Ray. "
    "Workers write into OUT: on several nodes OUT must be a shared filesystem.",
)
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Retry failed episodes now, ignoring their backoff and attempt limit.",
)
@click.option(
    "--max-attempts",
    default=3,
    show_default=True,
    type=click.IntRange(1),
    help="Failed attempts after which an episode is no longer retried automatically.",
)
@click.option(
    "--backoff",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds before the first automatic retry; doubles with each failure.",
)
@run_options
@style_option
@llm_options
@click.option(
    "--feed-out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write an RSS feed of the finished episodes here, with Podcasting 2.0 "
    "<podcast:transcript> and <podcast:chapters> links (needs --base-url).",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="Where OUT will be published (https://...): the feed's links are URL/<slug>/<file>.",
)
@click.option("--feed-title", default="", help="The feed's title (default: the show's name).")
@click.pass_context
def batch(
    ctx,
    sources,
    out,
    jobs,
    executor,
    ray_address,
    retry_failed,
    max_attempts,
    backoff,
    options,
    style,
    llm_url,
    llm_model,
    llm_jobs,
    llm_timeout,
    feed_out,
    base_url,
    feed_title,
):
    """Run every episode listed in SOURCES into OUT, with a ledger that survives crashes.

    SOURCES is a text file with one URL or path per line (blank lines and # comments are
    skipped, duplicates run once; relative paths are relative to the file), or a feed (a
    URL, or an RSS/Atom file on disk). Re-running the same command skips finished
    episodes, resumes unfinished ones where they stopped, and retries failed ones after a
    backoff. A changed glossary re-runs correction and what follows, without downloading or
    transcribing again. Exit code 1 if any episode failed.

    \b
    Examples:
      audio2digest batch sources.txt -o out --jobs 2
      audio2digest batch https://example.com/feed.xml --latest 10 -o out
      audio2digest batch sources.txt -o out --executor ray --ray-address auto
      audio2digest batch https://example.com/feed.xml -o out --feed-out out/feed.xml --base-url https://example.com/digests
      audio2digest status out
    """
    from dataclasses import replace

    from audio2digest.batch.scheduler import run_batch

    if feed_out:
        if not base_url:
            raise click.UsageError("--feed-out needs --base-url (where OUT is published)")
        from audio2digest.render.feed import FEED_FORMATS, check_base_url

        check_base_url(base_url)
        # the files the feed links to
        options = replace(options, formats=tuple(dict.fromkeys(options.formats + FEED_FORMATS)))

    options = replace(options, style=style)
    writers = llm_writers(llm_url, llm_model, llm_jobs, llm_timeout)
    with batch_progress(not ctx.obj.get("quiet")) as progress:
        summary = run_batch(
            sources,
            out,
            options,
            jobs=jobs,
            executor=executor,
            ray_address=ray_address,
            retry_failed=retry_failed,
            max_attempts=max_attempts,
            backoff=backoff,
            progress=progress,
            digest_writers=writers,
        )
    print_summary(summary)
    if writers:
        echo_totals(
            writer_records(
                Path(out) / e.slug for e in summary.episodes if e.ok and "digest" in e.stages_run and e.slug
            )
        )
    if feed_out:
        from audio2digest.render.feed import write_feed

        slugs = [e.slug for e in summary.episodes if e.status in ("done", "skipped") and e.slug]
        write_feed(feed_out, out, slugs, base_url, title=feed_title)
        click.echo(f"wrote {feed_out} ({len(slugs)} episodes)", err=True)
    if not summary.ok:
        sys.exit(1)


@main.command()
@click.argument("out", type=click.Path(file_okay=False))
def status(out):
    """Show the batch ledger of OUT: each episode's state, attempts, timings and last error.

    Exit code 1 if any episode is failed (the table is printed all the same), else 0; for
    scripts, e.g. `audio2digest status out || notify`.

    \b
    Example:
      audio2digest status out
    """
    from audio2digest.batch.ledger import STAGES, Ledger
    from audio2digest.batch.scheduler import format_seconds

    with Ledger.open_readonly(out) as ledger:
        episodes = ledger.episodes()
    now = time.time()
    header = ("episode", "state", "stages", "attempts", "audio", "time", "next retry", "last error")
    rows = []
    for e in episodes:
        stages = "".join(s[0] if s in e.stages else "." for s in STAGES)  # f t n c s d r
        retry = ""
        if e.permanent_failure:
            retry = "never (permanent error)"
        elif e.state == "failed" and e.next_retry_at:
            retry = "now" if e.next_retry_at <= now else f"in {format_seconds(e.next_retry_at - now)}"
        rows.append(
            (
                e.slug or e.key,
                "done" if e.done else e.state,
                stages,
                str(e.attempts),
                f"{e.audio_seconds:.1f} s",
                f"{e.seconds:.1f} s",
                retry,
                e.last_error,
            )
        )
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[1]] = counts.get(r[1], 0) + 1
    if is_tty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=str(ledger.path), caption=f"stages: {' '.join(STAGES)}")
        for col in header:
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(*r)
        Console().print(table)
    else:
        from rich.cells import cell_len  # a CJK character takes two columns

        widths = [max([cell_len(h), *(cell_len(r[i]) for r in rows)]) for i, h in enumerate(header[:-1])]

        def line(cells) -> str:
            padded = [c + " " * (w - cell_len(c)) for c, w in zip(cells, widths)]
            return "  ".join([*padded, cells[-1]]).rstrip()

        click.echo(line(header))
        for r in rows:
            click.echo(line(r))
    click.echo(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "empty ledger")
    if counts.get("failed"):
        sys.exit(1)
