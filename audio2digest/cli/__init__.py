"""The ``audio2digest`` command line: a thin click layer over the library.

Each area registers its commands from its own module (``cli/run.py``,
``cli/correct.py``, ...). Library exceptions become one-line errors here, at the
boundary; nothing below this package prints.
"""

from __future__ import annotations

import logging
import re
import sys

import click

from audio2digest.errors import Audio2DigestError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Group(click.Group):
    """A click group that turns library errors into one clean line and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Audio2DigestError as exc:
            raise click.ClickException(str(exc)) from exc
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    #: Commands in pipeline order in --help; any others follow in the order they were added.
    ORDER = (
        "run",
        "transcribe",
        "correct",
        "segment",
        "render",
        "batch",
        "status",
        "models",
        "eval",
        "bench",
        "corrections",
        "segments",
        "asr",
    )

    #: The group's own options that users also write after the command (``audio2digest run
    #: -v …``, as git and pip allow): moved before it. No command has options of these names.
    HOISTED = re.compile(r"^(-v+|-q|--verbose|--quiet)$")

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None and args:
            end = args.index("--") if "--" in args else len(args)
            hoisted = [a for a in args[:end] if self.HOISTED.match(a)]
            if hoisted:
                args = hoisted + [a for a in args[:end] if not self.HOISTED.match(a)] + args[end:]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx):
        rank = {name: i for i, name in enumerate(self.ORDER)}
        return sorted(self.commands, key=lambda n: rank.get(n, len(rank)))


def _print_version(ctx: click.Context, _param, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from audio2digest.versions import version_text

    click.echo(version_text())
    ctx.exit()


@click.group(cls=Group, context_settings=CONTEXT_SETTINGS)
@click.option(
    "-V",
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version, the decoder packages' versions and the model's sha256, and exit.",
)
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors; no progress bars.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Turn news episodes (videos, podcast feeds, local audio) into written digests.

    \b
    Typical use:
      audio2digest run samples/ai-weekly-12.mp3 -o out
      audio2digest run https://example.com/feed.xml --latest 3 -o out
      audio2digest batch sources.txt -o out --jobs 2
      audio2digest correct transcript.txt
      audio2digest render --format html out/<episode>/digest.json

    Everything runs offline with the embedded Whisper base model. Each command has
    --help with examples.
    """
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbose == 1:
        level = logging.INFO
    elif verbose >= 2:
        level = logging.DEBUG
    from audio2digest.cli.ui import setup_logging

    setup_logging(level)
    _terminate_like_interrupt()
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet


def _terminate_like_interrupt() -> None:
    """SIGTERM (``kill``, ``timeout``, a service manager) unwinds like Ctrl-C, so cleanup
    runs: partial downloads and temp files are removed, the ledger lock is released."""
    import os
    import signal
    import threading

    pid = os.getpid()

    def handler(signum, frame):
        if os.getpid() != pid:  # a forked worker (batch): die as before, quietly
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


@main.group("eval", cls=Group)
def eval_group() -> None:
    """Measure quality against gold data: corrections, segments, asr, normalize, grounding."""


def _register() -> None:
    # Each module adds its commands to ``main`` / ``eval_group`` on import.
    import importlib

    for name in ("run", "correct", "segment", "render", "batch", "evals", "bench", "normalize"):
        importlib.import_module(f"{__name__}.{name}")


_register()
