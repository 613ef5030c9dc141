"""`eval asr` (transcription quality) and `eval grounding` (the LLM grounding check)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from audio2digest.cli import eval_group
from audio2digest.cli.options import glossary_options


def _default_data() -> Path:
    return (Path(__file__).resolve().parents[2] / ".." / "shared").resolve()


@eval_group.command("asr")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory holding dev-episodes/ and real-clips/ [default: ../shared]",
)
@click.option(
    "--dev-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Dev episodes (devNN.mp3 + devNN.items.json) [default: DATA/dev-episodes]",
)
@click.option(
    "--clips-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Real clips (audio + .txt reference) [default: DATA/real-clips]",
)
@click.option(
    "--samples-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Bundled samples (NAME.mp3 + NAME.items.json) [default: the repository's samples/]",
)
@click.option("--only", multiple=True, help="Only samples whose name contains this. Repeatable.")
@click.option(
    "--batch-size",
    default=2,  # asr.transcribe.DEFAULT_BATCH_SIZE, copied for a fast --help (tests/test_cli.py)
    show_default=True,
    type=click.IntRange(0, 64),
    help="Main decode batched over this many VAD chunks; 0: sequential.",
)
@click.option(
    "--static-hotwords",
    is_flag=True,
    help="One hotword prompt for the whole sample (the glossary's top terms) instead of "
    "each batch's own terms (hotwords.HotwordChooser).",
)
@click.option(
    "--look",
    type=click.Choice(["none", "first", "every", "auto"]),  # hotwords.LOOK_MODES (tests/test_cli.py)
    default=None,
    help="Where each batch's terms come from besides earlier batches' text: nothing, a first "
    "look at the first batch, at every batch, or at the first batch of a language without the "
    "glossary's fill [default: hotwords.DEFAULT_LOOK, auto].",
)
@click.option(
    "--fill-budget",
    default=None,
    type=click.IntRange(0, 223),
    help="Tokens of the glossary ranking's fill for Mandarin batches [default: hotwords.FILL_BUDGET].",
)
@click.option(
    "--beam-size",
    default=5,
    show_default=True,
    type=click.IntRange(1, 20),
    help="Beam of the pipeline's sequential decode (samples under a minute) and repairs "
    "(the plain decode beside it keeps beam 5).",
)
@click.option(
    "--batched-beam-size",
    default=2,  # asr.transcribe.BATCHED_BEAM_SIZE, copied for a fast --help (tests/test_cli.py)
    show_default=True,
    type=click.IntRange(1, 20),
    help="Beam of the pipeline's batched decode.",
)
@click.option(
    "--batched-timestamps",
    type=click.Choice(["auto", "on", "off"]),
    default="auto",  # asr.transcribe.BATCHED_TIMESTAMPS, copied for a fast --help
    show_default=True,
    help="Timestamp tokens in the pipeline's batched decode: auto = in Mandarin only "
    "(transcribe.TIMESTAMP_LANGUAGES), on, or off (text only, faster-whisper's batched default).",
)
@click.option(
    "--no-compare", is_flag=True, help="Skip the plain faster-whisper decode printed beside the pipeline's."
)
@click.option("--no-hotwords", is_flag=True, help="Decode without glossary hotwords.")
@click.option("--no-repair", is_flag=True, help="Skip loop and coverage repair.")
@click.option(
    "--recover-names/--no-recover-names",
    default=True,
    show_default=True,
    help="Re-hear names skipped inside sentences (repair.py: dropouts).",
)
@click.option("--no-correct", is_flag=True, help="Entity recall without glossary correction.")
@click.option("--initial-prompt", default=None, help="Whisper initial_prompt for every sample.")
@click.option(
    "--budget", default=220, show_default=True, type=click.IntRange(0, 223), help="Hotword token budget."
)
@click.option(
    "--hotword-strategy",
    type=click.Choice(["glossary", "balanced"]),
    default="glossary",
    show_default=True,
    help="How hotwords are ranked (see hotwords.rank_terms).",
)
@click.option(
    "--temperatures",
    default=None,
    help="Main-decode temperature fallback, comma-separated (default: faster-whisper's 0,0.2,...,1.0).",
)
@click.option("--model", "-m", default="base", show_default=True, help="Speech model.")
@glossary_options
@click.option(
    "--json",
    "as_json",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write per-sample results (with transcripts) to this JSON file.",
)
def eval_asr_cmd(
    data,
    dev_dir,
    clips_dir,
    samples_dir,
    only,
    batch_size,
    static_hotwords,
    look,
    fill_budget,
    beam_size,
    batched_beam_size,
    batched_timestamps,
    no_compare,
    no_hotwords,
    no_repair,
    recover_names,
    no_correct,
    initial_prompt,
    budget,
    hotword_strategy,
    temperatures,
    model,
    glossary_files,
    use_default_glossary,
    as_json,
):
    """CER/WER, glossary entity recall, loops left, uncovered speech and RTF.

    Chinese samples are scored by CER (Simplified, no punctuation or spaces), English ones
    by WER. Entity recall counts glossary-term mentions of the true script found in the
    transcript (after glossary correction when available). The real clips of each language
    are also joined into one sample (repeated to 75 s, as they are short), so that real
    speech goes through the batched decode too.

    \b
    Examples:
      audio2digest eval asr
      audio2digest eval asr --no-hotwords --no-repair
    """
    from audio2digest.evaluation.asr import (
        EvalSettings,
        format_comparison,
        format_table,
        load_samples,
        run_eval,
    )

    data = data or _default_data()
    samples_dir = samples_dir or Path(__file__).resolve().parents[2] / "samples"
    samples = load_samples(
        dev_dir or data / "dev-episodes", clips_dir or data / "real-clips", only, samples_dir=samples_dir
    )
    if not samples:
        raise click.ClickException(f"no samples found under {data}")
    from audio2digest.stages import load_glossary_files

    glossary = load_glossary_files(glossary_files, use_default_glossary)
    settings = EvalSettings(
        hotwords=not no_hotwords,
        repair=not no_repair,
        recover_names=recover_names,
        initial_prompt=initial_prompt,
        budget=budget,
        strategy=hotword_strategy,
        correct=not no_correct,
        model=model,
        batch_size=batch_size,
        beam_size=beam_size,
        batched_beam_size=batched_beam_size,
        batched_timestamps=batched_timestamps,
        compare=not no_compare,
        lookahead=not static_hotwords,
        **({"look": look} if look else {}),
        **({"fill_budget": fill_budget} if fill_budget is not None else {}),
        temperatures=tuple(float(t) for t in temperatures.split(",")) if temperatures else None,
    )
    results = run_eval(samples, settings, glossary, progress=lambda name: click.echo(f"  {name} …", err=True))
    click.echo(format_table(results))
    comparison = format_comparison(results)
    if comparison:
        click.echo(
            "\nPlain faster-whisper (sequential, beam 5, VAD, no hotwords, no repair) against the pipeline:\n"
        )
        click.echo(comparison)
    if as_json:
        as_json.write_text(
            json.dumps(
                {"settings": settings.__dict__, "results": [r.to_dict() for r in results]},
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )


@eval_group.command("grounding")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory holding segcorpus/ [default: ../shared]",
)
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many records per source.")
def eval_grounding_cmd(data, limit):
    """How strict the LLM grounding check is, on headlines people wrote (segcorpus).

    "own rejected": headlines rejected against their own item's text (false alarms, or
    facts the editor added); "swapped caught": headlines rejected against the next item's
    text (a headline on the wrong story). Nothing is fitted.

    \b
    Examples:
      audio2digest eval grounding
      audio2digest eval grounding --limit 50
    """
    from audio2digest.evaluation.grounding import evaluate_corpus, format_table
    from audio2digest.text.glossary import load_glossary

    corpus = (data or _default_data()) / "segcorpus"
    paths = sorted(corpus.glob("*.jsonl"))
    if not paths:
        raise click.ClickException(f"no segcorpus/*.jsonl under {corpus.parent}")
    click.echo(format_table(evaluate_corpus(paths, load_glossary(use_default=True), limit=limit)))
