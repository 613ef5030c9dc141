"""The LLM writer: rewrites an extractive digest's items through an OpenAI-compatible model.

Map, then reduce: one request per news item (its corrected text, the glossary terms it
mentions), then one request over the item results for the episode summary and trends. Every
answer is validated against its schema (one retry when it is not valid), then grounded
(:mod:`audio2digest.llm.grounding`): a field naming what the transcript does not is rejected
and the extractive one kept. An item whose requests fail (endpoint down, invalid twice) keeps
its extractive fields with a warning; the run always finishes.

Answers are cached in ``<episode>/llm-cache/`` keyed on model, prompt and item text, so
re-rendering or re-running costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from audio2digest.errors import LLMError
from audio2digest.files import atomic_write_json
from audio2digest.llm.client import ChatResult, LLMClient
from audio2digest.llm.config import LLMConfig
from audio2digest.llm.grounding import Source, canonical_spellings, check_fields
from audio2digest.llm.prompts import (
    ITEM_CHARS,
    episode_messages,
    item_messages,
    retry_message,
    split_text,
)
from audio2digest.llm.schemas import (
    EPISODE_SCHEMA,
    ITEM_SCHEMA,
    SchemaError,
    parse_answer,
)
from audio2digest.types import Digest, Item, Progress, ProgressCallback, no_progress

log = logging.getLogger("audio2digest.llm.writer")

#: Names the prompts and the answer handling; part of every cache key.
PROMPT_VERSION = "digest-1"
CACHE_DIR = "llm-cache"
ANALYSIS_FIELDS = ("what", "why", "impact", "advice")
# News items an episode needs before its summary and trends are asked for: with one item the
# item's own summary says it all, and "trends" of one story would be invented.
MIN_ITEMS_FOR_TRENDS = 2
# Glossary terms listed in an item's prompt (its entities, first mentioned first).
MAX_PROMPT_TERMS = 30


@dataclass
class Totals:
    """What the writer spent on one digest."""

    requests: int = 0  # requests sent (retries included)
    cached: int = 0  # answers taken from the cache
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0  # summed request time (requests overlap with --llm-jobs > 1)
    fallbacks: int = 0  # items (or the episode step) left extractive after a failure
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, r: ChatResult) -> None:
        with self._lock:
            self.requests += 1
            self.prompt_tokens += r.prompt_tokens
            self.completion_tokens += r.completion_tokens
            self.seconds += r.seconds

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "cached": self.cached,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "seconds": round(self.seconds, 2),
            "fallbacks": self.fallbacks,
        }


class _Failed(Exception):
    """One request chain gave no usable answer; ``reason`` goes into digest.json."""

    def __init__(self, reason: str, answer: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.answer = answer  # the last invalid answer's start, for digest.json


class LLMWriter:
    """Writes digests through one endpoint. Create once per process; thread-safe."""

    def __init__(self, config: LLMConfig, *, client: LLMClient | None = None):
        self.config = config
        self.client = client or LLMClient(config)

    def preflight(self) -> None:
        """Raise :class:`LLMError` (one line) unless the endpoint answers with the model."""
        self.client.preflight()

    def close(self) -> None:
        self.client.close()

    def describe(self) -> dict:
        return {
            "kind": "llm",
            "endpoint": self.config.endpoint,
            "model": self.config.model,
            "prompt": PROMPT_VERSION,
        }

    # ------------------------------------------------------------ requests

    def _cache_key(self, messages: list[dict], schema: dict) -> str:
        blob = json.dumps(
            [
                self.config.model,
                self.config.temperature,
                self.config.max_tokens,
                PROMPT_VERSION,
                messages,
                schema,
            ],
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    def _ask(
        self, messages: list[dict], schema: dict, name: str, cache_dir: Path | None, totals: Totals
    ) -> dict:
        """A validated answer (from the cache, or asked with one retry), else :class:`_Failed`."""
        key = self._cache_key(messages, schema)
        path = cache_dir / CACHE_DIR / f"{key[:32]}.json" if cache_dir and self.config.cache else None
        if path is not None and path.is_file():
            try:
                stored = json.loads(path.read_text("utf-8"))
                if stored.get("key") == key:
                    answer = parse_answer(stored["content"], schema)
                    with totals._lock:
                        totals.cached += 1
                    return answer
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                log.info("%s: unreadable cache entry, asking again", path)
        convo = list(messages)
        problem, content = "", ""
        for _attempt in range(2):  # the answer, then one retry when it is not valid
            try:
                r = self.client.chat(convo, schema=schema, schema_name=name)
            except LLMError as exc:
                raise _Failed(f"endpoint failed: {exc}") from None
            totals.add(r)
            content = r.content
            try:
                answer = parse_answer(r.content, schema)
            except SchemaError as exc:
                problem = str(exc)
                if r.finish_reason == "length":
                    problem += " (answer cut at max_tokens)"
                convo = convo + [
                    {"role": "assistant", "content": r.content[:2000]},
                    retry_message(problem, zh=_zh_messages(messages)),
                ]
                continue
            if path is not None:
                atomic_write_json(path, {"key": key, "model": self.config.model, "content": r.content})
            return answer
        raise _Failed(f"invalid answer twice: {problem}", content[:300])

    # ------------------------------------------------------------ items

    def _write_item(
        self, item: Item, digest: Digest, glossary: Any, zh: bool, cache_dir: Path | None, totals: Totals
    ) -> tuple[Item, list[dict]]:
        base = _extractive(item)
        terms = [(e.term, e.category) for e in item.entities[:MAX_PROMPT_TERMS]]
        kw: dict[str, Any] = {
            "zh": zh,
            "episode_title": digest.episode.title,
            "category": item.category,
            "glossary_terms": terms,
        }
        rejections: list[dict] = []
        try:
            parts = split_text(item.text, ITEM_CHARS)
            if len(parts) > 1:  # a long item: its parts, then one request over their results
                notes = []
                for n, part in enumerate(parts, 1):
                    a = self._ask(
                        item_messages(part, part=f"{n}/{len(parts)}", **kw),
                        ITEM_SCHEMA,
                        "news_item",
                        cache_dir,
                        totals,
                    )
                    notes.append(" ".join([a["summary"], *a["details"]]))
                text = "\n".join(notes)
            else:
                text = item.text
            answer = self._ask(item_messages(text, **kw), ITEM_SCHEMA, "news_item", cache_dir, totals)
        except _Failed as exc:
            log.warning(
                "item %d (%s): LLM gave nothing usable, extractive text kept (%s)",
                item.index,
                base.title[:40],
                exc.reason,
            )
            with totals._lock:
                totals.fallbacks += 1
            rec = {"item": item.index, "field": "*", "reason": exc.reason}
            if exc.answer:
                rec["value"] = exc.answer
            return base, [rec]
        fields: dict[str, Any] = {
            k: (
                canonical_spellings(v, glossary)
                if isinstance(v, str)
                else [canonical_spellings(x, glossary) for x in v]
            )
            for k, v in answer.items()
        }
        source = Source(item.text, glossary, tuple(e.term for e in item.entities))
        bad: dict[str, Any] = check_fields(fields, source, ("title", "summary", *ANALYSIS_FIELDS))
        for name, missing in bad.items():
            rejections.append(
                {
                    "item": item.index,
                    "field": name,
                    "value": fields[name],
                    "reason": "ungrounded",
                    "missing": missing,
                }
            )
        prompt_text = "\n".join(m["content"] for m in item_messages("", **kw))
        for name in ("title", "summary", *ANALYSIS_FIELDS):
            if name not in bad and echoes(fields[name], prompt_text, item.text):
                bad[name] = True
                rejections.append(
                    {"item": item.index, "field": name, "value": fields[name], "reason": "echoes the prompt"}
                )
        details: list[str] = []
        for n, point in enumerate(fields["details"]):
            if echoes(point, prompt_text, item.text):
                rejections.append(
                    {
                        "item": item.index,
                        "field": f"details[{n}]",
                        "value": point,
                        "reason": "echoes the prompt",
                    }
                )
                continue
            miss = check_fields({"p": point}, source, ("p",)).get("p")
            if miss:
                rejections.append(
                    {
                        "item": item.index,
                        "field": f"details[{n}]",
                        "value": point,
                        "reason": "ungrounded",
                        "missing": miss,
                    }
                )
            else:
                details.append(point)
        title = fields["title"] if fields["title"] and "title" not in bad else base.title
        summary = fields["summary"] if fields["summary"] and "summary" not in bad else base.summary
        analysis = {k: fields[k] for k in ANALYSIS_FIELDS if fields[k] and k not in bad}
        extractive = {}
        if title != base.title:
            extractive["title"] = base.title
        if summary != base.summary:
            extractive["summary"] = base.summary
        out = replace(
            base,
            title=title,
            summary=summary,
            details=tuple(details),
            analysis=analysis,
            extractive=extractive,
        )
        return out, rejections

    # ------------------------------------------------------------ episode

    def _write_episode(
        self,
        items: list[Item],
        digest: Digest,
        glossary: Any,
        zh: bool,
        cache_dir: Path | None,
        totals: Totals,
    ) -> tuple[str, tuple[str, ...], list[dict]]:
        news = [i for i in items if i.kind == "news"]
        if len(news) < MIN_ITEMS_FOR_TRENDS:
            return "", (), []
        msgs = episode_messages(
            [(i.title, i.summary) for i in news], zh=zh, episode_title=digest.episode.title
        )
        try:
            answer = self._ask(msgs, EPISODE_SCHEMA, "episode", cache_dir, totals)
        except _Failed as exc:
            log.warning("episode summary: LLM gave nothing usable (%s)", exc.reason)
            with totals._lock:
                totals.fallbacks += 1
            return "", (), [{"item": -1, "field": "*", "reason": exc.reason}]
        text = "\n".join(i.text for i in news)
        source = Source(text, glossary, tuple(e.term for i in news for e in i.entities))
        rejections: list[dict] = []
        summary = canonical_spellings(answer["summary"], glossary)
        miss = check_fields({"summary": summary}, source, ("summary",)).get("summary")
        if miss:
            rejections.append(
                {"item": -1, "field": "summary", "value": summary, "reason": "ungrounded", "missing": miss}
            )
            summary = ""
        trends = []
        for n, t in enumerate(answer["trends"]):
            t = canonical_spellings(t, glossary)
            miss = check_fields({"t": t}, source, ("t",)).get("t")
            if miss:
                rejections.append(
                    {"item": -1, "field": f"trends[{n}]", "value": t, "reason": "ungrounded", "missing": miss}
                )
            else:
                trends.append(t)
        return summary, tuple(trends), rejections

    # ------------------------------------------------------------ digest

    def write(
        self,
        digest: Digest,
        glossary: Any = None,
        *,
        cache_dir: Path | None = None,
        progress: ProgressCallback = no_progress,
        label: str = "",
    ) -> Digest:
        """``digest`` with its news items (and episode summary/trends) written by the model."""
        from audio2digest.text.language import is_cjk_language

        zh = is_cjk_language(digest.language, " ".join(i.text for i in digest.items[:3]))
        totals = Totals()
        items = [_extractive(i) for i in digest.items]
        todo = [n for n, i in enumerate(items) if i.kind == "news" and i.text.strip()]
        total = len(todo) + 1
        t0 = time.perf_counter()
        rejections: list[dict] = []

        def report(done: int) -> None:
            tok = totals.prompt_tokens + totals.completion_tokens
            progress(
                Progress(
                    "write",
                    done,
                    total,
                    episode=label or digest.episode.title,
                    message=f"{tok} tokens, {time.perf_counter() - t0:.0f} s",
                )
            )

        report(0)
        done = 0
        with ThreadPoolExecutor(max_workers=max(1, self.config.jobs)) as pool:
            futures = {
                pool.submit(self._write_item, items[n], digest, glossary, zh, cache_dir, totals): n
                for n in todo
            }
            for fut in as_completed(futures):
                n = futures[fut]
                items[n], rej = fut.result()
                rejections.extend(rej)
                done += 1
                report(done)
        summary, trends, rej = self._write_episode(items, digest, glossary, zh, cache_dir, totals)
        rejections.extend(rej)
        report(total)
        rejections.sort(key=lambda r: (r["item"] if r["item"] >= 0 else 1 << 30, r["field"]))
        writer = {
            **self.describe(),
            **totals.as_dict(),
            "rejected": sum(1 for r in rejections if r["field"] != "*"),
        }
        return replace(
            digest,
            items=tuple(items),
            summary=summary,
            trends=trends,
            writer=writer,
            rejections=tuple(rejections),
        )


def _squash(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def echoes(value: str, prompt: str, transcript: str) -> bool:
    """A field that only repeats the prompt around the transcript (its instructions, the
    episode title, a field name) rather than the transcript itself: small models do this."""
    v = _squash(value or "")
    return bool(v) and v in _squash(prompt) and v not in _squash(transcript)


def _extractive(item: Item) -> Item:
    """``item`` as the extractive stage made it (an earlier LLM write undone)."""
    return replace(
        item,
        title=item.extractive.get("title", item.title),
        summary=item.extractive.get("summary", item.summary),
        details=(),
        analysis={},
        extractive={},
    )


def extractive_digest(digest: Digest) -> Digest:
    """``digest`` without anything an LLM wrote."""
    return replace(
        digest,
        items=tuple(_extractive(i) for i in digest.items),
        summary="",
        trends=(),
        writer={},
        rejections=(),
    )


def _zh_messages(messages: list[dict]) -> bool:
    from audio2digest.text.language import has_cjk

    return has_cjk(messages[0].get("content", ""))


_WRITERS: dict[tuple, LLMWriter] = {}
_WRITERS_LOCK = threading.Lock()


def writer_for(config: LLMConfig) -> LLMWriter:
    """One writer per config and process (batch workers build theirs on first use)."""
    key = (
        config.url,
        config.model,
        config.api_key,
        config.timeout,
        config.jobs,
        config.retries,
        config.max_tokens,
        config.temperature,
        config.cache,
    )
    with _WRITERS_LOCK:
        w = _WRITERS.get(key)
        if w is None:
            w = _WRITERS[key] = LLMWriter(config)
        return w


@dataclass(frozen=True)
class LLMDigestWriter:
    """The LLM tier as a digest writer of the stage list
    (:attr:`audio2digest.stages.StageEnv.digest_writers`): checked before any audio is
    fetched, run in the digest stage with the episode directory as its cache. Holds only the
    config, so it pickles to batch workers; each process makes its own client."""

    config: LLMConfig

    @property
    def name(self) -> str:
        """Joins the digest stage's fingerprint: another endpoint, model or prompt re-writes."""
        parts = [PROMPT_VERSION, *self.config.fingerprint_parts()]
        return "llm:" + json.dumps(parts, ensure_ascii=False)

    def preflight(self) -> None:
        writer_for(self.config).preflight()

    def write_episode(
        self,
        digest: Digest,
        transcript: Any = None,
        *,
        outdir: Path | None = None,
        glossary: Any = None,
        progress: ProgressCallback = no_progress,
        label: str = "",
    ) -> Digest:
        return writer_for(self.config).write(
            digest, glossary, cache_dir=outdir, progress=progress, label=label
        )

    def __call__(self, digest: Digest, transcript: Any = None) -> Digest:
        return self.write_episode(digest, transcript)
