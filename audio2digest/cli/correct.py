"""`correct` and `eval corrections`: glossary correction of text, and its evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import click

from audio2digest.cli import eval_group, main
from audio2digest.cli.options import check_language, glossary_options


def _load(glossary_files, use_default_glossary):
    from audio2digest.errors import GlossaryError
    from audio2digest.stages import load_glossary_files

    glossary = load_glossary_files(glossary_files, use_default_glossary)
    if glossary is None:
        raise GlossaryError("no glossary: give --glossary FILE or drop --no-default-glossary")
    return glossary


@main.command("correct")
@glossary_options
@click.option("--json", "as_json", is_flag=True, help='Print {"text": ..., "corrections": [...]} as JSON.')
@click.option(
    "--language",
    "-l",
    default=None,
    callback=check_language,
    help="Language of the text (a Whisper code or name: zh, en, chinese, ...); guessed if not given.",
)
@click.argument("source", required=False, default="-", metavar="[FILE|-]")
def correct_cmd(glossary_files, use_default_glossary, as_json, language, source):
    """Correct mangled names in a text (or transcript.json) with the glossary.

    Reads FILE (or standard input) as UTF-8 text; mojibake (UTF-8 read as cp1252) is
    repaired when that is lossless, refused otherwise. A transcript.json is corrected
    segment by segment (text and words). Prints the corrected text, or with --json the
    text and every correction made (start, end, before, after, term, score, rule).

    \b
    Examples:
      echo "至普发布了GLM4.7Flash" | audio2digest correct -
      audio2digest correct --json transcript.txt
      audio2digest correct -g my-show.yaml --no-default-glossary out/ep/transcript.json
    """
    from audio2digest.cli.segment import load_json_record, read_text
    from audio2digest.errors import InputError
    from audio2digest.types import Transcript

    glossary = _load(glossary_files, use_default_glossary)
    name, text = read_text(source)

    # JSON is read as `segment` and `render` read it: a malformed record is one line naming it
    transcript = load_json_record(name, text)
    if transcript is not None and not isinstance(transcript, Transcript):
        raise InputError(f"{name}: a digest.json; correct takes text or a transcript.json")
    if transcript is not None:
        from audio2digest.text.correct import correct_transcript

        fixed = correct_transcript(transcript, glossary)
        if as_json:
            click.echo(json.dumps(fixed.to_dict(), ensure_ascii=False, indent=2))
        else:
            click.echo(fixed.text)
        return

    from audio2digest.text.correct import correct_text

    res = correct_text(text, glossary, language=language)
    if as_json:
        out = {"text": res.text, "corrections": [c.to_dict() for c in res.corrections]}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        click.echo(res.text, nl=not res.text.endswith("\n"))


#: The eval set's batches (eval_corrections.BATCHES, repeated here so --help stays import-free).
EVAL_BATCHES = ("dev", "held", "held2", "held3", "held4", "held5", "held6")


def _correct_options(overrides):
    """CorrectOptions with ``NAME=VALUE`` overrides (values typed like the defaults)."""
    from dataclasses import fields, replace

    from audio2digest.text.correct import DEFAULT_OPTIONS

    names = [f.name for f in fields(DEFAULT_OPTIONS)]
    changes = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in names:
            raise click.BadParameter(
                f"{item!r}: expected NAME=VALUE with NAME one of: {', '.join(names)}", param_hint="--option"
            )
        kind = type(getattr(DEFAULT_OPTIONS, name))
        try:
            changes[name] = kind(value)
        except ValueError:
            raise click.BadParameter(
                f"{item!r}: {name} must be of type {kind.__name__}", param_hint="--option"
            ) from None
    try:
        return replace(DEFAULT_OPTIONS, **changes)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--option") from None


@eval_group.command("corrections")
@glossary_options
@click.option(
    "--split",
    type=click.Choice([*EVAL_BATCHES, "all"]),
    default=None,
    help="Which part of the set [default: each batch (dev, held, held2, held3, held4, held5, held6), reported separately].",
)
@click.option(
    "--set",
    "eval_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Eval set directory [default: samples/eval/corrections].",
)
@click.option("--errors/--no-errors", "show_errors", default=False, help="List every miss and false change.")
@click.option(
    "--option",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set one correction threshold (a CorrectOptions field, e.g. latin_min=0.85). Repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def eval_corrections_cmd(
    glossary_files, use_default_glossary, split, eval_dir, show_errors, overrides, as_json
):
    """Precision, recall and false changes of glossary correction.

    Runs the corrector over mangled→canonical pairs in sentences (dev.jsonl / held.jsonl)
    and over clean texts that must come out unchanged (clean/dev_*.txt, clean/held_*.txt).
    Tune on dev; the held-back split is the honest figure.

    \b
    Examples:
      audio2digest eval corrections
      audio2digest eval corrections --split held6 --errors
    """
    from audio2digest.evaluation.corrections import evaluate

    options = _correct_options(overrides)
    glossary = _load(glossary_files, use_default_glossary)
    splits = [split] if split else list(EVAL_BATCHES)
    reports = [evaluate(glossary, eval_dir, s, options) for s in splits]
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
        return
    for r in reports:
        click.echo(
            f"{r.split}: precision {r.precision:.1%} ({r.tp}/{r.tp + r.fp})  "
            f"recall {r.recall:.1%} ({r.tp}/{r.expected})  "
            f"false changes {r.false_changes} in {r.clean_chars} clean chars "
            f"({r.false_per_10k:.2f} per 10k chars)  [{r.pairs} sentences, {r.clean_files} clean files]"
        )
        if show_errors:
            for kind, where, detail in r.errors:
                click.echo(f"  {kind:5} {where}: {detail}")
