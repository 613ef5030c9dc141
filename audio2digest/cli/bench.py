"""`bench`: measure `run` against raw faster-whisper (numbers, not a test)."""

from __future__ import annotations

import json

import click

from audio2digest.cli import main
from audio2digest.cli.options import glossary_options, transcribe_options


@main.command()
@click.argument("audio", type=click.Path(exists=True, dir_okay=False))
@click.option("--repeats", default=1, show_default=True, type=click.IntRange(1, 10),
              help="Alternating rounds of raw and run; medians are reported.")
@transcribe_options
@glossary_options
@click.option("--hotwords", default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def bench(audio, repeats, topts, glossary_files, use_default_glossary, hotwords, as_json):
    """Time `run` against a raw faster-whisper pass on AUDIO (same model and settings).

    Prints raw seconds, run seconds, their ratio (target ≤ 1.10) and real-time factors.

    \b
    Example:
      audio2digest bench samples/ai-weekly-12.mp3 --repeats 3
    """
    from audio2digest.evaluation.bench import bench_run
    from audio2digest.pipeline import RunOptions

    options = RunOptions(
        transcribe=topts, glossaries=glossary_files, use_default_glossary=use_default_glossary,
        hotwords=hotwords)
    r = bench_run(audio, repeats=repeats, options=options)
    if as_json:
        click.echo(json.dumps(r, ensure_ascii=False))
        return
    click.echo(f"audio            {r['file']} ({r['audio_seconds']} s, model {r['model']}, "
               f"hotwords {'on' if r['hotwords'] else 'off'})")
    click.echo(f"raw faster-whisper {r['raw_seconds']:8.2f} s   RTF {r['rtf_raw']:.3f}")
    click.echo(f"audio2digest run   {r['run_seconds']:8.2f} s   RTF {r['rtf_run']:.3f}")
    click.echo(f"ratio run/raw      {r['ratio']:8.3f}   (target ≤ 1.10; median of {r['repeats']})")
