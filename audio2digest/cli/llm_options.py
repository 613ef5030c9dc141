"""The options for the LLM tier and the Markdown layouts, shared by run, batch and render."""

from __future__ import annotations

from collections.abc import Iterable

import click


def llm_options(f):
    """--llm, --llm-model, --llm-jobs, --llm-timeout (see audio2digest.llm.config)."""
    opts = [
        click.option(
            "--llm",
            "llm_url",
            default=None,
            metavar="URL",
            help="Write the digest through this OpenAI-compatible API (base URL, e.g. "
            "http://localhost:11434/v1). Default: $AUDIO2DIGEST_LLM_URL, then "
            "the config file; none: extractive.",
        ),
        click.option(
            "--llm-model",
            default=None,
            metavar="NAME",
            help="Model name at that endpoint. Default: $AUDIO2DIGEST_LLM_MODEL, then the config file.",
        ),
        click.option(
            "--llm-jobs",
            default=None,
            type=click.IntRange(1, 64),
            help="Concurrent LLM requests (default 2, or jobs in the config file).",
        ),
        click.option(
            "--llm-timeout",
            default=None,
            type=click.FloatRange(1),
            help="Seconds per LLM request (default 120).",
        ),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def style_option(f):
    from audio2digest.render.md import STYLES

    return click.option(
        "--style",
        type=click.Choice(list(STYLES)),
        default="default",
        show_default=True,
        help="digest.md layout: default, weekly (trends, product table, "
        "summary), daily (what / why / impact / advice), brief "
        "(overview, summary and details per story).",
    )(f)


def llm_config(llm_url: str | None, llm_model: str | None, llm_jobs: int | None, llm_timeout: float | None):
    """The LLMConfig from flags > environment > config file, or None (extractive)."""
    from audio2digest.llm.config import resolve_config

    return resolve_config(llm_url, llm_model, jobs=llm_jobs, timeout=llm_timeout)


def llm_writers(
    llm_url: str | None, llm_model: str | None, llm_jobs: int | None, llm_timeout: float | None
) -> tuple:
    """The digest writers for run/batch: the LLM writer when an endpoint is configured."""
    cfg = llm_config(llm_url, llm_model, llm_jobs, llm_timeout)
    if cfg is None:
        return ()
    from audio2digest.llm.writer import LLMDigestWriter

    return (LLMDigestWriter(cfg),)


def writer_records(outdirs: Iterable) -> list[dict]:
    """The ``writer`` records of the digest.json files in ``outdirs``."""
    import json
    from pathlib import Path

    out = []
    for d in outdirs:
        if d is None:
            continue
        try:
            data = json.loads((Path(d) / "digest.json").read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("writer"), dict):
            out.append(data["writer"])
    return out


def echo_totals(writers: Iterable[dict]) -> None:
    """One line of LLM totals on stderr, when an LLM wrote anything."""
    ws = [w for w in writers if w]
    if not ws:
        return
    tot = {
        k: sum(w.get(k, 0) for w in ws)
        for k in (
            "requests",
            "cached",
            "prompt_tokens",
            "completion_tokens",
            "seconds",
            "fallbacks",
            "rejected",
        )
    }
    click.echo(
        f"llm {ws[0].get('model', '')} at {ws[0].get('endpoint', '')}: "
        f"{tot['requests']} requests, {tot['cached']} cached, "
        f"{tot['prompt_tokens']}+{tot['completion_tokens']} tokens, "
        f"{tot['seconds']:.1f} s, {tot['fallbacks']} fallbacks, "
        f"{tot['rejected']} fields rejected",
        err=True,
    )
