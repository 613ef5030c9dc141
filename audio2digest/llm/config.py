"""Where the LLM tier talks to: endpoint, model, key, limits.

Each setting comes from the first place that sets it, in this order:

1. the command line (``--llm URL``, ``--llm-model NAME``, ``--llm-jobs N``, ``--llm-timeout S``);
2. the environment: ``AUDIO2DIGEST_LLM_URL``, ``AUDIO2DIGEST_LLM_MODEL``, and the key from
   ``AUDIO2DIGEST_LLM_API_KEY`` or else ``OPENAI_API_KEY``;
3. the ``[llm]`` table of the config file: ``$AUDIO2DIGEST_CONFIG``, or
   ``$XDG_CONFIG_HOME/audio2digest/config.toml`` (default ``~/.config/audio2digest/config.toml``).

No URL anywhere means no LLM: the digest stays extractive. The key is never written to any
output file.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from audio2digest.errors import LLMError

log = logging.getLogger("audio2digest.llm.config")

ENV_URL = "AUDIO2DIGEST_LLM_URL"
ENV_MODEL = "AUDIO2DIGEST_LLM_MODEL"
ENV_KEY = "AUDIO2DIGEST_LLM_API_KEY"
ENV_OPENAI_KEY = "OPENAI_API_KEY"
ENV_CONFIG = "AUDIO2DIGEST_CONFIG"

# Per-request timeout: a local 7B model writes an item's ~300 tokens in 30-90 s on a laptop CPU.
DEFAULT_TIMEOUT = 120.0
# Concurrent requests: local servers (llama.cpp, Ollama) serve 1-4 slots; more only queues.
DEFAULT_JOBS = 2
# Retries of a 5xx/timeout/connection failure before an item falls back to extractive text.
DEFAULT_RETRIES = 2
# Longest answer asked for per request (an item's fields are ~150-400 tokens of Chinese).
DEFAULT_MAX_TOKENS = 1024


@dataclass(frozen=True)
class LLMConfig:
    """One OpenAI-compatible endpoint and how to use it."""

    url: str  # base URL, e.g. http://localhost:11434/v1 (".../chat/completions" is appended)
    model: str
    api_key: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT
    jobs: int = DEFAULT_JOBS
    retries: int = DEFAULT_RETRIES
    max_tokens: int = DEFAULT_MAX_TOKENS
    temperature: float = 0.2  # low: the task is faithful restatement, not invention
    cache: bool = True  # reuse answers stored in the episode directory

    @property
    def endpoint(self) -> str:
        """The base URL as it is recorded and shown (no credentials, no trailing slash)."""
        parts = urlsplit(self.url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return f"{parts.scheme}://{netloc}{parts.path}".rstrip("/")

    def fingerprint_parts(self) -> list[Any]:
        """What changes the answers (for stage fingerprints): endpoint and model, not the key."""
        return [self.endpoint, self.model, self.temperature, self.max_tokens]


def config_path(env: Mapping[str, str] = os.environ) -> Path:
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG]).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "audio2digest" / "config.toml"


def read_config_file(path: Path) -> dict:
    """The ``[llm]`` table of ``path`` ({} when the file does not exist)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise LLMError(f"{path}: cannot read config ({exc.strerror or exc})") from None
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LLMError(f"{path}: not a valid TOML config ({exc})") from None
    table = data.get("llm", {})
    if not isinstance(table, dict):
        raise LLMError(f"{path}: [llm] must be a table")
    known = {"url", "model", "api_key", "timeout", "jobs", "retries", "max_tokens", "temperature"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise LLMError(
            f"{path}: unknown [llm] key(s) {', '.join(unknown)}, expected: {', '.join(sorted(known))}"
        )
    return table


def _check_url(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LLMError(
            f"{where}: LLM URL {url!r} is not an http(s) URL (expected e.g. http://localhost:11434/v1)"
        )
    return url.rstrip("/")


def _number(value: Any, kind: type, name: str, where: str, low: float):
    try:
        v = kind(value)
    except (TypeError, ValueError):
        raise LLMError(f"{where}: {name} must be a number, not {value!r}") from None
    if v < low:
        raise LLMError(f"{where}: {name} must be at least {low}, not {v}")
    return v


def resolve_config(
    url: str | None = None,
    model: str | None = None,
    *,
    jobs: int | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] = os.environ,
    path: Path | None = None,
) -> LLMConfig | None:
    """The LLM settings from flags > environment > config file, or None when no URL is set."""
    path = path or config_path(env)
    file = read_config_file(path)
    where_url = "--llm" if url else (ENV_URL if env.get(ENV_URL) else str(path))
    url = url or env.get(ENV_URL) or file.get("url") or ""
    model = model or env.get(ENV_MODEL) or file.get("model") or ""
    if not url:
        if model:
            log.info("an LLM model is set (%s) but no URL: staying extractive", model)
        return None
    url = _check_url(str(url), where_url)
    if not model:
        raise LLMError(f"{url}: no LLM model given (use --llm-model, {ENV_MODEL} or model in {path})")
    key = env.get(ENV_KEY) or env.get(ENV_OPENAI_KEY) or file.get("api_key") or ""
    where = str(path)
    cfg = LLMConfig(url=url, model=str(model), api_key=str(key))
    cfg = replace(
        cfg,
        timeout=_number(
            timeout if timeout is not None else file.get("timeout", cfg.timeout),
            float,
            "timeout",
            "--llm-timeout" if timeout is not None else where,
            1,
        ),
        jobs=_number(
            jobs if jobs is not None else file.get("jobs", cfg.jobs),
            int,
            "jobs",
            "--llm-jobs" if jobs is not None else where,
            1,
        ),
        retries=_number(file.get("retries", cfg.retries), int, "retries", where, 0),
        max_tokens=_number(file.get("max_tokens", cfg.max_tokens), int, "max_tokens", where, 16),
        temperature=_number(file.get("temperature", cfg.temperature), float, "temperature", where, 0),
    )
    return cfg
