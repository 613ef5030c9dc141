"""`bench`: measure `run` against raw faster-whisper (numbers, not a test)."""

from __future__ import annotations

import json

import click

from audio2digest.cli import main
from audio2digest.cli.options import glossary_options, transcribe_options


@main.command()
@click.argument("audio", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--repeats",
    default=1,
    show_default=True,
    type=click.IntRange(1, 10),
    help="Alternating rounds of raw and run; medians are reported.",
)
@transcribe_options
@glossary_options
@click.option(
    "--hotwords",
    default="auto",
    show_default=True,
    help="Hotwords of the `run` being timed: 'auto' (chosen per batch), 'none', or your own terms.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def bench(audio, repeats, topts, glossary_files, use_default_glossary, hotwords, as_json):
    """Time plain sequential faster-whisper, plain batched, and `run` on AUDIO.

    Same model, threads, beam size, VAD and word timestamps; the three alternate in order.
    Prints medians with their spread, the ratio run/sequential (target ≤ 0.80) and the
    cost of the stages after ASR (target ≤ 3 % of ASR time).

    \b
    Example:
      audio2digest bench samples/ai-weekly-12.mp3 --repeats 2
    """
    from audio2digest.evaluation.bench import bench_run
    from audio2digest.stages import RunOptions

    options = RunOptions(
        transcribe=topts,
        glossaries=glossary_files,
        use_default_glossary=use_default_glossary,
        hotwords=hotwords,
    )
    r = bench_run(audio, repeats=repeats, options=options)
    if as_json:
        click.echo(json.dumps(r, ensure_ascii=False))
        return

    def row(label, t):
        return (
            f"{label:<24}{t['median']:8.2f} s  (min {t['min']:.2f}, max {t['max']:.2f})  "
            f"RTF {t['median'] / r['audio_seconds']:.3f}"
        )

    click.echo(
        f"audio                   {r['file']} ({r['audio_seconds']} s, model {r['model']}, "
        f"run batch size {r['batch_size']})"
    )
    click.echo(row("plain sequential", r["sequential"]))
    click.echo(row("plain batched (8)", r["batched"]))
    click.echo(row("audio2digest run", r["run"]))
    click.echo(
        f"ratio run/sequential    {r['ratio_run_sequential']:8.3f}   (target ≤ 0.80; per round "
        f"{', '.join(str(x) for x in r['ratios_run_sequential'])}; median of {r['repeats']})"
    )
    click.echo(f"ratio batched/sequential{r['ratio_batched_sequential']:8.3f}")
    p = r["post_asr"]
    share = f"{100 * p['share_of_asr']:.2f} % of ASR time" if p["share_of_asr"] is not None else "n/a"
    click.echo(
        f"after ASR               {p['total']:8.3f} s  = {share} (target ≤ 3 %): normalise "
        f"{p['normalise']:.3f}, correct {p['correct']:.3f}, segment+digest "
        f"{p['segment_digest']:.3f}, render {p['render']:.3f}"
    )
