"""`segment` (split a transcript or plain text into news items) and `eval segments`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from audio2digest.cli import eval_group, main
from audio2digest.cli.options import check_language, episode_file, glossary_options


def read_text(file: str) -> tuple[str, str]:
    """(display name, text) of FILE, or of stdin for '-', through the one text reader
    (UTF-8, mojibake repaired or refused, no devices): every text command reads alike."""
    from audio2digest.errors import InputError
    from audio2digest.text.reader import read_text_input

    data = sys.stdin.buffer.read() if file == "-" else None
    got = read_text_input(file, data=data)
    if not got.text.strip():
        raise InputError(f"{got.name}: empty input (no text to read)")
    return got.name, got.text


#: The top-level keys of what ``segment --json`` prints: its items, and the episode they are of
#: (with its language, as in digest.json) when it is known.
SEGMENT_JSON_KEYS = frozenset({"items", "episode"})


def load_json_record(name: str, text: str):
    """A Transcript or Digest when ``text`` is one of our JSON files, else None.

    ``segment --json`` output (``{"items": [...], "episode": {...}}``, no schema) is read as a
    digest of those items, validated field by field like a digest.json."""
    from audio2digest.errors import InputError
    from audio2digest.types import DIGEST_SCHEMA, Digest, Transcript

    stripped = text.lstrip()
    if not stripped.startswith("{"):
        return None
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: invalid JSON at line {exc.lineno} ({exc.msg})") from None
    schema = str(data.get("schema", "")) if isinstance(data, dict) else ""
    try:
        if schema.startswith("audio2digest/digest@"):
            return Digest.from_dict(data)
        if schema.startswith("audio2digest/transcript@") or (isinstance(data, dict) and "segments" in data):
            return Transcript.from_dict(data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise InputError(f"{name}: malformed {schema or 'transcript'} record ({exc})") from None
    if not schema and isinstance(data, dict) and "items" in data and set(data) <= SEGMENT_JSON_KEYS:
        try:
            return Digest.from_dict({"schema": DIGEST_SCHEMA, **data})
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise InputError(f"{name}: malformed `segment --json` items ({exc})") from None
    raise InputError(
        f"{name}: JSON but not a transcript.json, digest.json or `segment --json` output (schema {schema!r})"
    )


def _item_line(it) -> str:
    from audio2digest.render import clock

    when = f" {clock(it.start)}–{clock(it.end)}" if it.start is not None else ""
    return f"{it.index + 1}. [{it.kind}]{when} {it.title}"


@main.command("segment")
@click.argument("file", metavar="FILE|DIR", type=click.Path(allow_dash=True))
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"items": [...], "episode": {...}} as JSON (`render` takes it as a digest).',
)
@click.option(
    "--language",
    "-l",
    default=None,
    callback=check_language,
    help="Language of plain text (a Whisper code or name: zh, en, chinese, ...). Default: guess.",
)
@glossary_options(bundled=False)
@click.option("--no-timing", is_flag=True, help="For a transcript.json: ignore pauses.")
def segment_cmd(file, as_json, language, glossary_files, use_default_glossary, no_timing):
    """Split FILE (plain text, or a transcript.json) into news items and print them.
    DIR, an episode directory, stands for the transcript.json in it.

    \b
    Examples:
      audio2digest segment out/ep12/transcript.json
      audio2digest segment out/ep12
      audio2digest segment --json notes.txt
      cat notes.txt | audio2digest segment -

    For plain text the items' texts, in order, make up the input exactly.
    """
    from audio2digest.stages import load_glossary_files
    from audio2digest.text.digest import enrich_item
    from audio2digest.text.language import is_cjk_language
    from audio2digest.text.segment import segment_text, segment_transcript
    from audio2digest.types import Digest, Transcript

    name, text = read_text(episode_file(file, "transcript.json"))
    glossary = load_glossary_files(glossary_files, use_default_glossary)
    record = load_json_record(name, text)
    # The episode the items are of, as digest.json writes it, so `render` can take the output.
    episode: dict = {"language": language or ""}
    if isinstance(record, Transcript):
        items = segment_transcript(record, glossary, use_timing=not no_timing)
        cjk = is_cjk_language(record.language, record.text)
        meta = Digest(record.episode, record.language, (), duration=record.duration, model=record.model)
        episode = meta.to_dict()["episode"]
    elif isinstance(record, Digest):
        items = list(record.items)
        cjk = is_cjk_language(record.language, "".join(i.text for i in items))
        episode = record.to_dict()["episode"]
    else:
        items = segment_text(text, glossary, language=language)
        cjk = is_cjk_language(language, text)
    items = [enrich_item(it, glossary, cjk=cjk) for it in items]
    if as_json:
        doc = {"items": [it.to_dict() for it in items], "episode": episode}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo("(no items)")
        return
    for it in items:
        click.echo(_item_line(it))
        body = " ".join(it.text.split())
        click.echo(f"   {body}")


def _default_eval_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "samples" / "eval" / "segments"


@eval_group.command("segments")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option(
    "--transcripts",
    type=click.Path(file_okay=False),
    help="Where NAME.transcript.json files are (default: DIRECTORY).",
)
@click.option(
    "--tolerance",
    default=1.5,
    show_default=True,
    type=click.FloatRange(0),
    help="Boundary F1 tolerance in seconds (timing modes).",
)
@click.option(
    "--mode",
    "modes",
    multiple=True,
    type=click.Choice(["timing", "timing-no-pauses", "text"]),
    help="Which scores (repeatable). Default: all three.",
)
@glossary_options(bundled=False)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option(
    "--corpus",
    type=click.Path(file_okay=False, exists=True),
    help="Score a segcorpus directory (*.jsonl) instead: per source and pooled, "
    "leave-one-source-out and shipped model, plus headlines.",
)
@click.option("--no-loso", is_flag=True, help="With --corpus: only the shipped model (faster).")
@click.option("--headlines-only", is_flag=True, help="With --corpus: score the headlines only, not the cuts.")
@click.option(
    "--punctuation",
    type=click.Choice(
        ["as-written", "commas", "spaces", "none"]
    ),  # corpus.PUNCTUATION_VARIANTS (tests/test_cli.py)
    default="as-written",
    show_default=True,
    help="With --corpus: segment each record re-punctuated the way a recogniser may print it "
    "(every sentence end a comma, every mark a space, no marks at all); the models are fitted "
    "on the text as written. Headlines are scored as written.",
)
@click.option(
    "--embed-cache",
    type=click.Path(dir_okay=False),
    help="With --corpus: also fit leave-one-source-out with the opt-in sentence-embedding "
    "features (needs audio2digest[embed]); vectors are cached in this SQLite file.",
)
def eval_segments_cmd(
    directory,
    transcripts,
    tolerance,
    modes,
    glossary_files,
    use_default_glossary,
    as_json,
    corpus,
    no_loso,
    headlines_only,
    punctuation,
    embed_cache,
):
    """Score segmentation against gold item timing (NAME.gold.json) in DIRECTORY.

    \b
    Modes:
      timing            NAME.transcript.json segmented with all signals, scored in time
      timing-no-pauses  the same transcript with pauses ignored (text signals only)
      text              the script NAME.items.json joined as plain text, scored in characters
    Pk and WindowDiff use k = half the mean gold item length (0.1 s steps, or characters);
    lower is better. Boundary F1 matches boundaries one-to-one within --tolerance seconds
    (5 characters in text mode). DIRECTORY defaults to the repository's samples/eval/segments.

    \b
    Examples:
      audio2digest eval segments
      audio2digest eval segments --transcripts samples/eval/segments/pipeline --mode text
    """
    from audio2digest.errors import InputError
    from audio2digest.evaluation.segments import evaluate_dir, mean_scores
    from audio2digest.stages import load_glossary_files

    if corpus:
        _eval_corpus(
            corpus,
            not no_loso,
            as_json,
            segments=not headlines_only,
            embed_cache=embed_cache,
            punctuation=punctuation,
        )
        return
    if directory is None:
        d = _default_eval_dir()
        if not d.is_dir():
            raise InputError("give a DIRECTORY with NAME.gold.json files (no samples/eval/segments here)")
        directory = str(d)
    scores = evaluate_dir(
        directory,
        transcripts,
        tolerance=tolerance,
        glossary=load_glossary_files(glossary_files, use_default_glossary),
        modes=tuple(modes) or ("timing", "timing-no-pauses", "text"),
    )
    means = mean_scores(scores)
    if as_json:
        click.echo(
            json.dumps({"scores": [s.to_dict() for s in scores], "mean": means}, ensure_ascii=False, indent=2)
        )
        return
    click.echo(
        f"{'episode':<10} {'mode':<17} {'Pk':>6} {'WinDiff':>8} {'P':>5} {'R':>5} {'F1':>5} "
        f"{'k':>7} {'tol':>6} {'gold':>5} {'hyp':>4}"
    )
    for s in scores:
        unit = "ch" if s.mode == "text" else "s"
        click.echo(
            f"{s.name:<10} {s.mode:<17} {s.pk:6.3f} {s.windowdiff:8.3f} {s.precision:5.2f} "
            f"{s.recall:5.2f} {s.f1:5.2f} {s.k:6.1f}{unit:<1} {s.tolerance:5.1f}{unit:<1} "
            f"{s.gold_items:5d} {s.hyp_items:4d}"
        )
    for mode, m in means.items():
        click.echo(
            f"{'mean':<10} {mode:<17} {m['pk']:6.3f} {m['windowdiff']:8.3f} {'':>5} {'':>5} "
            f"{m['f1']:5.2f}  ({m['episodes']} episodes)"
        )


def _eval_corpus(
    corpus: str,
    loso: bool,
    as_json: bool,
    *,
    segments: bool = True,
    embed_cache: str | None = None,
    punctuation: str = "as-written",
) -> None:
    from audio2digest.evaluation.corpus import evaluate_corpus, evaluate_summaries

    embedder = None
    if embed_cache:
        from audio2digest.text.embedding import CachedEmbedder, default_embedder

        embedder = CachedEmbedder(default_embedder(), embed_cache)
    scores, heads = evaluate_corpus(
        corpus,
        loso=loso,
        segments=segments,
        progress=lambda m: click.echo(f"  {m} …", err=True),
        embedder=embedder,
        punctuation=punctuation,
    )
    summaries = evaluate_summaries(corpus)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "segments": [s.to_dict() for s in scores],
                    "headlines": [h.to_dict() for h in heads],
                    "summaries": [c.to_dict() for c in summaries],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if scores:
        click.echo(
            f"{'source':<30} {'fit':<8} {'records':>7} {'Pk':>6} {'WinDiff':>8} {'F1':>5} {'gold':>6} {'hyp':>6}"
        )
    for s in scores:
        click.echo(
            f"{s.source:<30} {s.fit:<8} {s.records:7d} {s.pk:6.3f} {s.windowdiff:8.3f} {s.f1:5.2f} "
            f"{s.gold_items:6d} {s.hyp_items:6d}"
        )
    if heads:
        if scores:
            click.echo("")
        click.echo(
            f"{'headlines':<30} {'fit':<8} {'titles':>7} {'ROUGE-L':>8} {'entityF1':>9} {'truncated':>10} "
            f"{'too long':>9}"
        )
        for h in heads:
            click.echo(
                f"{h.source:<30} {h.fit:<8} {h.titles:7d} {h.rouge_l:8.3f} {h.entity_f1:9.3f} {h.truncated:10d} "
                f"{h.too_long:9d}"
            )
    click.echo("")
    click.echo(
        f"{'summaries':<30} {'items':>7} {'fragments':>10} {'mid-clause':>11} {'questions':>10} {'not whole':>10}"
    )
    for c in summaries:
        click.echo(
            f"{c.source:<30} {c.items:7d} {c.fragments:10d} {c.mid_clause:11d} {c.questions:10d} {c.not_whole:10d}"
        )
