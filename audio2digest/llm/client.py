"""A small client for OpenAI-compatible chat APIs (llama.cpp server, Ollama, vLLM, LM Studio,
OpenAI): ``GET /models`` for the preflight, ``POST /chat/completions`` with a JSON schema.

Only what the digest writer needs, over httpx: no streaming, no tools. Failures that may pass
(5xx, 429, timeouts, dropped connections) are retried with exponential backoff and then raised
as :class:`TransientLLMError`; the writer turns that into an extractive fallback for one item.
Failures that will not pass (bad key, unknown model, wrong URL) are :class:`LLMError`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from audio2digest.errors import LLMError
from audio2digest.llm.config import ENV_KEY, ENV_OPENAI_KEY, LLMConfig

log = logging.getLogger("audio2digest.llm.client")

# First backoff pause; doubles per retry (1 s, 2 s, 4 s): enough for a server restarting a slot.
BACKOFF_SECONDS = 1.0
# Longest pause a server's Retry-After may ask for before we give up on that request.
MAX_RETRY_AFTER = 30.0
# How long the preflight waits for GET /models (it must not hold up a run for long).
PREFLIGHT_TIMEOUT = 10.0


class TransientLLMError(LLMError):
    """The endpoint failed in a way that may pass (5xx, 429, timeout) and retries ran out."""


@dataclass(frozen=True)
class ChatResult:
    """One answer: the message text, its token counts and how long it took."""

    content: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    finish_reason: str = ""


def _import_httpx():
    try:
        import httpx
    except ModuleNotFoundError:  # pragma: no cover - httpx is a dependency
        raise LLMError("the LLM tier needs httpx: pip install httpx") from None
    return httpx


class LLMClient:
    """Talks to one endpoint. Thread-safe: the writer calls :meth:`chat` from several threads."""

    def __init__(
        self, config: LLMConfig, *, transport: Any = None, sleep: Callable[[float], None] = time.sleep
    ):
        httpx = _import_httpx()
        self.config = config
        self._sleep = sleep
        headers = {"Accept": "application/json"}
        if config.api_key:
            headers["Authorization"] = f"Bearer {config.api_key}"
        self._http = httpx.Client(
            base_url=config.url.rstrip("/") + "/",
            headers=headers,
            timeout=config.timeout,
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )
        self._lock = threading.Lock()
        # Some servers reject json_schema (older Ollama, LM Studio builds): then we ask for a
        # plain JSON object and rely on the prompt's schema and our own validation.
        self._schema_mode = "json_schema"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ preflight

    def list_models(self) -> list[str]:
        """Model ids (and aliases) the endpoint offers. Raises :class:`LLMError` with one line."""
        httpx = _import_httpx()
        ep = self.config.endpoint
        try:
            r = self._http.get("models", timeout=min(self.config.timeout, PREFLIGHT_TIMEOUT))
        except httpx.TimeoutException:
            raise LLMError(
                f"{ep}: LLM endpoint did not answer within {min(self.config.timeout, PREFLIGHT_TIMEOUT):g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise LLMError(f"{ep}: LLM endpoint unreachable ({_reason(exc)})") from None
        if r.status_code in (401, 403):
            hint = (
                "no key set: use " + ENV_KEY + " or " + ENV_OPENAI_KEY
                if not self.config.api_key
                else "check the API key"
            )
            raise LLMError(f"{ep}: LLM endpoint refused access (HTTP {r.status_code}; {hint})")
        if r.status_code == 404:
            raise LLMError(
                f"{ep}: no /models there (HTTP 404); is this the API's base URL "
                "(e.g. http://localhost:11434/v1)?"
            )
        if r.status_code >= 400:
            raise LLMError(f"{ep}: GET /models failed (HTTP {r.status_code})")
        try:
            data = r.json()
            rows = data["data"]
            if not isinstance(rows, list):
                raise TypeError("data is not a list")
        except (ValueError, KeyError, TypeError) as exc:
            raise LLMError(f"{ep}: GET /models did not return an OpenAI model list ({exc})") from None
        names: list[str] = []
        for row in rows:
            if isinstance(row, dict):
                for v in [row.get("id")] + list(row.get("aliases") or []):
                    if isinstance(v, str) and v and v not in names:
                        names.append(v)
        return names

    def preflight(self) -> None:
        """Check the endpoint answers, accepts the key and offers the model; else LLMError."""
        names = self.list_models()
        if self.config.model not in names:
            shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
            raise LLMError(
                f"{self.config.endpoint}: model {self.config.model!r} is not offered "
                f"(available: {shown or 'none'})"
            )

    # ------------------------------------------------------------ chat

    def chat(
        self, messages: list[dict], schema: dict | None = None, schema_name: str = "answer"
    ) -> ChatResult:
        """One chat completion; with ``schema``, ask for JSON that matches it."""
        httpx = _import_httpx()
        cfg = self.config
        body: dict[str, Any] = {
            "model": cfg.model,
            "messages": messages,
            "temperature": cfg.temperature,
            "max_tokens": cfg.max_tokens,
        }
        ep = cfg.endpoint
        attempt = 0
        while True:
            if schema is not None:
                with self._lock:
                    mode = self._schema_mode
                body["response_format"] = (
                    {
                        "type": "json_schema",
                        "json_schema": {"name": schema_name, "schema": schema, "strict": True},
                    }
                    if mode == "json_schema"
                    else {"type": "json_object"}
                )
            t0 = time.perf_counter()
            wait = BACKOFF_SECONDS * (2**attempt)
            try:
                r = self._http.post("chat/completions", json=body)
            except httpx.TimeoutException:
                problem = f"no answer within {cfg.timeout:g} s"
            except httpx.HTTPError as exc:
                problem = f"connection failed ({_reason(exc)})"
            else:
                if r.status_code == 200:
                    return _parse_chat(r, ep, time.perf_counter() - t0)
                if r.status_code in (401, 403):
                    raise LLMError(f"{ep}: LLM endpoint refused access (HTTP {r.status_code})")
                if (
                    r.status_code in (400, 422)
                    and schema is not None
                    and body["response_format"]["type"] == "json_schema"
                    and any(k in r.text.lower() for k in ("response_format", "schema"))
                ):
                    with self._lock:
                        self._schema_mode = "json_object"
                    log.warning(
                        "%s: json_schema response_format refused (HTTP %d); asking for a JSON object instead",
                        ep,
                        r.status_code,
                    )
                    continue
                if r.status_code != 429 and r.status_code < 500:
                    raise LLMError(f"{ep}: chat request failed (HTTP {r.status_code}: {_snippet(r.text)})")
                problem = f"HTTP {r.status_code}"
                after = r.headers.get("retry-after", "")
                if after.replace(".", "", 1).isdigit():
                    wait = min(float(after), MAX_RETRY_AFTER)
            if attempt >= cfg.retries:
                raise TransientLLMError(f"{ep}: {problem} after {attempt + 1} attempt(s)")
            log.info("%s: %s; retrying in %.1f s", ep, problem, wait)
            self._sleep(wait)
            attempt += 1


def _parse_chat(r, ep: str, seconds: float) -> ChatResult:
    try:
        data = r.json()
        choice = data["choices"][0]
        content = choice["message"].get("content") or ""
        if not isinstance(content, str):
            raise TypeError("message content is not text")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        # A malformed envelope is the server's fault, like a 5xx: the item falls back.
        raise TransientLLMError(f"{ep}: chat answer is not an OpenAI completion ({exc})") from None
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    return ChatResult(
        content=content,
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        seconds=seconds,
        finish_reason=str(choice.get("finish_reason") or ""),
    )


def _int(v: Any) -> int:
    return v if isinstance(v, int) and v >= 0 else 0


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:160]


def _snippet(text: str) -> str:
    text = " ".join((text or "").split())
    try:
        msg = json.loads(text).get("error")
        if isinstance(msg, dict):
            msg = msg.get("message")
        if isinstance(msg, str) and msg:
            text = msg
    except (ValueError, AttributeError):
        pass
    return text[:160] or "empty body"
