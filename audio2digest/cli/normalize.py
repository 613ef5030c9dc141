"""`eval normalize`: news-style numbers and pause punctuation against the episode scripts."""

from __future__ import annotations

import json
from pathlib import Path

import click

from audio2digest.cli import eval_group


@eval_group.command("normalize")
@click.option(
    "--set",
    "set_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory of NAME.transcript.json files [default: samples/eval/normalize].",
)
@click.option(
    "--scripts",
    "script_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where NAME.items.json scripts are, searched in order. Repeatable "
    "[default: samples, then ../shared/dev-episodes].",
)
@click.option("--only", multiple=True, help="Only samples whose name contains this. Repeatable.")
@click.option(
    "--comma-pause",
    type=click.FloatRange(min=0.0),
    default=None,
    help="Pause (s) between words that becomes '，' in a long unpunctuated run.",
)
@click.option("--no-numbers", is_flag=True, help="Score without news-style numbers.")
@click.option("--no-pauses", is_flag=True, help="Score without punctuation from pauses.")
@click.option("--changes", "show_changes", is_flag=True, help="List every number rewrite.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def eval_normalize_cmd(set_dir, script_dirs, only, comma_pause, no_numbers, no_pauses, show_changes, as_json):
    """CER, number forms and punctuation before and after Chinese normalisation.

    Each transcript (as the recogniser printed it) is scored as it is and after news-style
    numbers and punctuation from pauses, against the script it was read from.

    Example:
      audio2digest eval normalize --changes
    """
    from dataclasses import replace

    from audio2digest.evaluation.normalize import format_table, load_set, run_eval
    from audio2digest.text.normalize import DEFAULT_NORMALIZE

    opts = replace(DEFAULT_NORMALIZE, numbers=not no_numbers, pause_punctuation=not no_pauses)
    if comma_pause is not None:
        opts = replace(opts, comma_pause=comma_pause)
    results = run_eval(load_set(set_dir, list(script_dirs) or None, only), opts)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
        return
    click.echo(format_table(results))
    if show_changes:
        for r in results:
            for before, after in r.changes:
                click.echo(f"  {r.name}: {before!r} -> {after!r}")
