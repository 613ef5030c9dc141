"""The opt-in LLM tier: digests written by an OpenAI-compatible model the user runs, grounded
in what was said. Without an endpoint configured, nothing here runs and digests stay
extractive.

- :mod:`~audio2digest.llm.config`: endpoint, model, key (flag > environment > config file);
- :mod:`~audio2digest.llm.client`: httpx client, preflight, retries with backoff;
- :mod:`~audio2digest.llm.prompts` and :mod:`~audio2digest.llm.schemas`: what is asked;
- :mod:`~audio2digest.llm.grounding`: names and numbers must appear in the transcript;
- :mod:`~audio2digest.llm.writer`: map per item, reduce per episode, cache, fallbacks.
"""

from __future__ import annotations

from audio2digest.llm.config import LLMConfig, resolve_config

__all__ = ["LLMConfig", "LLMDigestWriter", "LLMWriter", "resolve_config", "writer_for"]


def __getattr__(name: str):
    if name in ("LLMWriter", "LLMDigestWriter", "writer_for"):
        from audio2digest.llm import writer

        return getattr(writer, name)
    raise AttributeError(name)
