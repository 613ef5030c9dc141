"""The LLM tier against a small OpenAI-compatible server on 127.0.0.1 (no real model)."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest
from click.testing import CliRunner

from audio2digest.errors import LLMError
from audio2digest.llm.client import LLMClient
from audio2digest.llm.config import LLMConfig, resolve_config
from audio2digest.llm.grounding import Source, canonical_spellings, numbers, ungrounded
from audio2digest.llm.schemas import ITEM_SCHEMA, SchemaError, parse_answer
from audio2digest.llm.writer import CACHE_DIR, LLMWriter, extractive_digest
from audio2digest.text.glossary import glossary_from_terms, parse_glossary_text
from audio2digest.types import Digest, Entity, EpisodeMeta, Item

GLOSSARY = parse_glossary_text(
    "terms:\n"
    "  - {term: OpenAI, category: org, context: [GPT]}\n"
    "  - {term: GPT-5, category: model}\n"
    "  - {term: 谷歌, category: org, variants: [Google], context: [Gemini]}\n"
    "  - {term: Gemini 3, category: model}\n",
    "g.yaml",
)

TEXT1 = "OpenAI今天发布了GPT-5，价格降低百分之三十，二〇二六年一月向所有用户开放。"
TEXT2 = "谷歌推出Gemini 3，在数学测试上得分九十一分。"


class FakeLLM:
    """An OpenAI-compatible server whose answers the test scripts.

    ``answers`` is a list consumed per chat request: a dict (the JSON the model "writes"), a
    string (raw content), or ``(status, body)``; ``delay`` seconds before each chat answer."""

    def __init__(self, models=("m1",), key: str = ""):
        self.models, self.key = list(models), key
        self.answers: list = []
        self.default = None  # answer when the list is empty (callable(body) -> dict)
        self.delay = 0.0
        self.requests: list[dict] = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _send(self, status, body):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _authorised(self):
                if outer.key and self.headers.get("Authorization") != f"Bearer {outer.key}":
                    self._send(401, {"error": {"message": "bad key"}})
                    return False
                return True

            def do_GET(self):
                if not self._authorised():
                    return
                if self.path == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": m} for m in outer.models]})
                else:
                    self._send(404, {"error": "no"})

            def do_POST(self):
                if not self._authorised():
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                if outer.delay:
                    time.sleep(outer.delay)
                ans = (
                    outer.answers.pop(0)
                    if outer.answers
                    else (outer.default(body) if outer.default else {"error": "no answer"})
                )
                if isinstance(ans, tuple):
                    self._send(*ans)
                    return
                content = ans if isinstance(ans, str) else json.dumps(ans, ensure_ascii=False)
                self._send(
                    200,
                    {
                        "choices": [
                            {"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 5},
                    },
                )

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def llm_server():
    srv = FakeLLM()
    yield srv
    srv.close()


def config(url: str, **kw) -> LLMConfig:
    kw.setdefault("retries", 1)
    return LLMConfig(url=url, model=kw.pop("model", "m1"), **kw)


def writer(url: str, **kw) -> LLMWriter:
    return LLMWriter(config(url, **kw), client=LLMClient(config(url, **kw), sleep=lambda s: None))


def good(title="OpenAI发布GPT-5", summary="OpenAI发布GPT-5，价格降低30%。", **kw) -> dict:
    d = {
        "title": title,
        "summary": summary,
        "details": ["GPT-5于2026年1月开放。"],
        "what": "OpenAI的新模型GPT-5。",
        "why": "价格更低。",
        "impact": "更多用户可用。",
        "advice": "",
    }
    d.update(kw)
    return d


def route(gpt, gemini, episode):
    """A default answer by request: the episode step by its schema name, items by their text."""

    def answer(body):
        if body.get("response_format", {}).get("json_schema", {}).get("name") == "episode":
            return episode
        return gpt if "GPT" in body["messages"][1]["content"] else gemini

    return answer


GEMINI = dict(
    title="谷歌推出Gemini 3",
    summary="谷歌推出Gemini 3，得分91分。",
    details=["数学测试得分九十一分。"],
    what="谷歌的新模型。",
)
EPISODE = {"summary": "OpenAI与谷歌都发布了新模型。", "trends": ["大模型降价。"]}


def digest() -> Digest:
    items = (
        Item(0, "intro", "节目开场", "欢迎收听。", "欢迎收听。", 0.0, 2.0),
        Item(
            1,
            "news",
            "OpenAI今天发布了GPT-5",
            "OpenAI今天发布了GPT-5。",
            TEXT1,
            2.0,
            10.0,
            (Entity("OpenAI", "org"), Entity("GPT-5", "model")),
            "大模型",
        ),
        Item(
            2,
            "news",
            "谷歌推出Gemini 3",
            "谷歌推出Gemini 3。",
            TEXT2,
            10.0,
            20.0,
            (Entity("谷歌", "org"), Entity("Gemini 3", "model")),
            "大模型",
        ),
    )
    return Digest(EpisodeMeta(source="ep.mp3", title="AI 日报"), "zh", items, 20.0)


# ---------------------------------------------------------------- config


def test_config_precedence_flag_env_file(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[llm]\nurl = "http://file:1/v1"\nmodel = "filem"\njobs = 3\napi_key = "fk"\n')
    env = {"AUDIO2DIGEST_CONFIG": str(cfg)}
    c = resolve_config(env=env)
    assert (c.url, c.model, c.jobs, c.api_key) == ("http://file:1/v1", "filem", 3, "fk")
    env.update(AUDIO2DIGEST_LLM_URL="http://env:2/v1", AUDIO2DIGEST_LLM_MODEL="envm", OPENAI_API_KEY="ok")
    c = resolve_config(env=env)
    assert (c.url, c.model, c.api_key) == ("http://env:2/v1", "envm", "ok")
    env["AUDIO2DIGEST_LLM_API_KEY"] = "ak"
    c = resolve_config("http://flag:3/v1/", "flagm", jobs=5, env=env)
    assert (c.url, c.model, c.jobs, c.api_key) == ("http://flag:3/v1", "flagm", 5, "ak")
    assert "ak" not in repr(c)


def test_config_none_without_url_and_errors(tmp_path):
    assert resolve_config(env={"AUDIO2DIGEST_CONFIG": str(tmp_path / "none.toml")}) is None
    bad = tmp_path / "bad.toml"
    bad.write_text("[llm]\nurll = 1\n")
    with pytest.raises(LLMError, match="unknown \\[llm\\] key.*urll"):
        resolve_config(env={"AUDIO2DIGEST_CONFIG": str(bad)})
    with pytest.raises(LLMError, match="not an http"):
        resolve_config("ftp://x/v1", "m", env={"AUDIO2DIGEST_CONFIG": str(bad.with_name("n"))})
    with pytest.raises(LLMError, match="no LLM model"):
        resolve_config("http://x/v1", env={"AUDIO2DIGEST_CONFIG": str(bad.with_name("n"))})


# ---------------------------------------------------------------- preflight


def test_preflight_ok_and_unknown_model(llm_server):
    LLMClient(config(llm_server.url)).preflight()
    with pytest.raises(LLMError) as e:
        LLMClient(config(llm_server.url, model="nope")).preflight()
    assert "'nope' is not offered" in str(e.value) and "m1" in str(e.value)
    assert str(e.value).startswith(llm_server.url)


def test_preflight_401_names_the_endpoint():
    srv = FakeLLM(key="secret")
    try:
        with pytest.raises(LLMError, match="refused access \\(HTTP 401; no key set"):
            LLMClient(config(srv.url)).preflight()
        LLMClient(config(srv.url, api_key="secret")).preflight()
    finally:
        srv.close()


def test_preflight_unreachable_and_wrong_path(llm_server):
    dead = FakeLLM()
    url = dead.url
    dead.close()
    with pytest.raises(LLMError, match="unreachable"):
        LLMClient(config(url)).preflight()
    with pytest.raises(LLMError, match="HTTP 404.*base URL"):
        LLMClient(config(llm_server.url.replace("/v1", "/v2"))).preflight()


def test_run_preflight_fails_before_any_audio(tmp_path, llm_server):
    """Unknown model: one line naming the endpoint, exit 1, nothing transcribed or written."""
    from audio2digest.cli import main

    audio = tmp_path / "ep.mp3"
    audio.write_bytes(b"not audio at all")
    out = tmp_path / "out"
    res = CliRunner().invoke(
        main, ["run", str(audio), "-o", str(out), "--llm", llm_server.url, "--llm-model", "nope"]
    )
    assert res.exit_code == 1
    assert f"{llm_server.url}: model 'nope' is not offered" in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert not out.exists()


# ---------------------------------------------------------------- schemas and grounding


def test_parse_answer_validates():
    assert parse_answer("```json\n" + json.dumps(good()) + "\n```", ITEM_SCHEMA)["title"]
    with pytest.raises(SchemaError, match="not JSON"):
        parse_answer("title: x", ITEM_SCHEMA)
    with pytest.raises(SchemaError, match="details: missing"):
        parse_answer(json.dumps({k: v for k, v in good().items() if k != "details"}), ITEM_SCHEMA)
    with pytest.raises(SchemaError, match="title: expected text"):
        parse_answer(json.dumps(good(title=3)), ITEM_SCHEMA)


def test_grounding_entities_numbers_dates():
    src = Source(TEXT1 + TEXT2, GLOSSARY)
    assert ungrounded("Google发布Gemini 3，得分91分", src) == []  # a variant of 谷歌; 九十一 = 91
    assert ungrounded("2026年1月开放，降价30%", src) == []
    assert ungrounded("Anthropic发布Claude 5", src) == ["Anthropic", "Claude 5"]
    assert ungrounded("发布了7款模型", src) == ["7"]
    assert ungrounded("2025年发布", src) == ["2025"]
    assert numbers("营收3,000亿美元", claims_only=True) == {3000.0, 3e11}
    assert numbers("一些统一的", claims_only=True) == set()


def test_canonical_spellings():
    assert canonical_spellings("openai推出gpt-5和google的模型", GLOSSARY) == "OpenAI推出GPT-5和Google的模型"
    g = glossary_from_terms(["DeepSeek"])
    assert canonical_spellings("deepseek-like DeepSeekV3", g) == "DeepSeek-like DeepSeekV3"


# ---------------------------------------------------------------- the writer


def test_writer_grounded_answer_replaces_fields_and_is_cached(tmp_path, llm_server):
    llm_server.default = route(good(), good(**GEMINI), EPISODE)
    w = writer(llm_server.url)
    d = w.write(digest(), GLOSSARY, cache_dir=tmp_path)
    news = d.items[1]
    assert news.title == "OpenAI发布GPT-5" and news.extractive["title"] == "OpenAI今天发布了GPT-5"
    assert news.details == ("GPT-5于2026年1月开放。",)
    assert news.analysis == {"what": "OpenAI的新模型GPT-5。", "why": "价格更低。", "impact": "更多用户可用。"}
    assert d.items[0].title == "节目开场"  # intro/outro stay extractive
    assert d.summary and d.trends == ("大模型降价。",)
    assert d.writer["model"] == "m1" and d.writer["endpoint"] == llm_server.url
    assert d.writer["requests"] == 3 and d.writer["cached"] == 0 and d.rejections == ()
    # every item request carries its text, its glossary terms, and a JSON schema
    item_req = [r for r in llm_server.requests if TEXT1 in r["messages"][1]["content"]][0]
    assert "GPT-5（model）" in item_req["messages"][1]["content"]
    assert item_req["response_format"]["type"] == "json_schema"
    assert len(list((tmp_path / CACHE_DIR).glob("*.json"))) == 3
    # round trip, and a second write costs nothing
    again = Digest.from_dict(json.loads(json.dumps(d.to_dict())))
    assert again.items == d.items and (again.summary, again.trends, again.writer, again.rejections) == (
        d.summary,
        d.trends,
        d.writer,
        d.rejections,
    )
    n = len(llm_server.requests)
    d2 = w.write(again, GLOSSARY, cache_dir=tmp_path)
    assert len(llm_server.requests) == n and d2.writer["cached"] == 3 and d2.items == d.items


def test_writer_rejects_ungrounded_fields(tmp_path, llm_server):
    llm_server.answers = [
        good(
            title="Anthropic发布Claude",
            details=["GPT-5于2026年1月开放。", "售价99美元。"],
            why="2025年最重要的发布。",
        )
    ]
    llm_server.default = route(None, good(**GEMINI), {"summary": "", "trends": []})
    d = writer(llm_server.url, jobs=1).write(digest(), GLOSSARY, cache_dir=tmp_path)
    item = d.items[1]
    assert item.title == "OpenAI今天发布了GPT-5"  # extractive kept
    assert item.details == ("GPT-5于2026年1月开放。",) and "why" not in item.analysis
    fields = {(r["item"], r["field"]): r for r in d.rejections}
    assert fields[(1, "title")]["missing"] == ["Anthropic", "Claude"]
    assert fields[(1, "details[1]")]["missing"] == ["99"]
    assert fields[(1, "why")]["missing"] == ["2025"]
    assert d.writer["rejected"] == 3
    saved = json.loads(json.dumps(d.to_dict()))
    assert len(saved["rejections"]) == 3 and "api_key" not in json.dumps(saved)


def test_writer_invalid_json_retried_once_then_falls_back(tmp_path, llm_server, caplog):
    llm_server.answers = ["not json", good()]  # item 1 (jobs=1: asked first): retry works
    llm_server.default = route(None, "still not json", EPISODE)
    d = writer(llm_server.url, jobs=1).write(digest(), GLOSSARY, cache_dir=tmp_path)
    assert d.items[1].title == "OpenAI发布GPT-5"
    assert d.items[2].title == "谷歌推出Gemini 3" and not d.items[2].details  # extractive
    assert any(
        r["item"] == 2 and r["field"] == "*" and "invalid answer twice" in r["reason"] for r in d.rejections
    )
    assert "extractive text kept" in caplog.text
    retry = [r for r in llm_server.requests if len(r["messages"]) == 4]
    assert retry and "无效" in retry[0]["messages"][3]["content"]


def test_writer_5xx_and_timeout_fall_back_and_run_finishes(tmp_path, llm_server):
    llm_server.answers = [(500, {"error": "boom"}), (503, b"down"), good()]
    llm_server.default = lambda body: (502, b"bad gateway")
    d = writer(llm_server.url, jobs=1, retries=2).write(digest(), GLOSSARY, cache_dir=tmp_path)
    assert d.items[1].title == "OpenAI发布GPT-5"  # third attempt answered
    assert d.items[2].title == "谷歌推出Gemini 3" and d.writer["fallbacks"] == 2
    reasons = [r["reason"] for r in d.rejections if r["field"] == "*"]
    assert any("HTTP 502 after 3 attempt(s)" in r for r in reasons)

    slow = FakeLLM()
    try:
        slow.delay, slow.default = 2.0, lambda body: good()
        t0 = time.perf_counter()
        d = writer(slow.url, timeout=1.0, retries=0, jobs=2).write(digest(), GLOSSARY)
        assert time.perf_counter() - t0 < 8
        assert all("no answer within 1 s" in r["reason"] for r in d.rejections if r["field"] == "*")
        assert d.items[1].title == "OpenAI今天发布了GPT-5"
    finally:
        slow.close()


def test_writer_long_item_is_sent_in_parts(tmp_path, llm_server, monkeypatch):
    from audio2digest.llm import prompts

    long_text = "OpenAI发布了GPT-5。" * 1000
    d = digest()
    d = d.replace(items=(d.items[1].__class__(1, "news", "t", "s", long_text),))
    llm_server.default = route(good(), None, {"summary": "", "trends": []})
    out = writer(llm_server.url).write(d, GLOSSARY, cache_dir=tmp_path)
    parts = len(prompts.split_text(long_text))
    assert parts > 1
    assert all(len(r["messages"][1]["content"]) < prompts.ITEM_CHARS + 500 for r in llm_server.requests)
    assert len(llm_server.requests) == parts + 1  # parts, the condensing request (one item: no trends)
    assert out.items[0].title == "OpenAI发布GPT-5"


def test_extractive_digest_undoes_the_writer(tmp_path, llm_server):
    llm_server.default = route(good(), good(**GEMINI), EPISODE)
    d = writer(llm_server.url).write(digest(), GLOSSARY, cache_dir=tmp_path)
    assert extractive_digest(d) == digest()
    assert "writer" not in digest().to_dict() and "details" not in digest().items[1].to_dict()


def test_render_cli_with_llm_rewrites_digest_and_styles(tmp_path, llm_server):
    from audio2digest.cli import main

    ep = tmp_path / "ep"
    ep.mkdir()
    (ep / "digest.json").write_text(json.dumps(digest().to_dict(), ensure_ascii=False), "utf-8")
    llm_server.default = route(
        good(), good(**GEMINI), {"summary": "两家公司发布新模型。", "trends": ["模型更新加快。"]}
    )
    args = [
        "render",
        "-f",
        "md",
        "--style",
        "daily",
        "--llm",
        llm_server.url,
        "--llm-model",
        "m1",
        str(ep / "digest.json"),
    ]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "llm m1 at" in res.output and "3 requests, 0 cached" in res.output
    md = (ep / "digest.md").read_text("utf-8")
    assert "## 1. OpenAI发布GPT-5" in md and "**为什么重要**：价格更低。" in md
    assert "## 今日趋势总结" in md and "- 模型更新加快。" in md
    saved = json.loads((ep / "digest.json").read_text("utf-8"))
    assert saved["writer"]["model"] == "m1"
    res = CliRunner().invoke(main, args)
    assert "0 requests, 3 cached" in res.output


def echo(body):
    """Answers that restate the request's own transcript (grounded by construction)."""
    if body.get("response_format", {}).get("json_schema", {}).get("name") == "episode":
        return {"summary": "", "trends": []}
    msg = body["messages"][1]["content"]
    text = (
        msg.split("\n", msg.count("\n"))[-1].strip()
        if "文字稿：" not in msg
        else msg.split("文字稿：\n", 1)[1].strip()
    )
    return {
        "title": text[:12],
        "summary": text[:60],
        "details": [text[:60]],
        "what": text[:30],
        "why": "",
        "impact": "",
        "advice": "",
    }


def test_batch_with_llm_and_preflight(tmp_path, llm_server, real_clips):
    import shutil

    from fakes import FakeTranscriber

    from audio2digest.batch.scheduler import run_batch
    from audio2digest.cli import main
    from audio2digest.cli.llm_options import writer_records
    from audio2digest.llm.writer import LLMDigestWriter
    from audio2digest.stages import RunOptions

    clip = tmp_path / "ep1.wav"
    shutil.copy(real_clips / "zh_aishell1_BAC009S0724W0121.wav", clip)
    sources = tmp_path / "sources.txt"
    sources.write_text(f"{clip}\n", "utf-8")
    out = tmp_path / "out"
    dead = FakeLLM()
    dead_url = dead.url
    dead.close()
    res = CliRunner().invoke(
        main, ["batch", str(sources), "-o", str(out), "--llm", dead_url, "--llm-model", "m1"]
    )
    assert res.exit_code == 1 and f"{dead_url}: LLM endpoint unreachable" in res.output
    assert not out.exists()  # nothing fetched, transcribed or recorded

    llm_server.default = echo
    writer = LLMDigestWriter(config(llm_server.url))
    opts = RunOptions(formats=("md", "json"), style="brief")
    summary = run_batch(sources, out, opts, transcriber=FakeTranscriber(), digest_writers=[writer])
    assert summary.ok
    ep = out / summary.episodes[0].slug
    saved = json.loads((ep / "digest.json").read_text("utf-8"))
    assert saved["writer"]["model"] == "m1" and saved["writer"]["requests"] >= 1
    assert writer_records([ep]) == [saved["writer"]]
    assert "本期速览" in (ep / "digest.md").read_text("utf-8")
    assert list((ep / CACHE_DIR).glob("*.json"))
    # another model is another digest fingerprint: the digest stage runs again, not the ASR
    n = len(llm_server.requests)
    llm_server.models.append("m2")
    again = run_batch(
        sources,
        out,
        opts,
        transcriber=FakeTranscriber(),
        digest_writers=[LLMDigestWriter(config(llm_server.url, model="m2"))],
    )
    stages = again.episodes[0].stages_run
    assert "digest" in stages and "transcribe" not in stages and len(llm_server.requests) > n


def test_json_schema_refused_falls_back_to_json_object(llm_server):
    llm_server.answers = [(400, {"error": {"message": "response_format json_schema not supported"}}), good()]
    client = LLMClient(config(llm_server.url), sleep=lambda s: None)
    r = client.chat([{"role": "user", "content": "x"}], schema=ITEM_SCHEMA)
    assert json.loads(r.content)["title"] == "OpenAI发布GPT-5"
    kinds = [b["response_format"]["type"] for b in llm_server.requests]
    assert kinds == ["json_schema", "json_object"]
    llm_server.answers = [(400, {"error": {"message": "bad request"}})]
    with pytest.raises(LLMError, match="HTTP 400: bad request"):
        client.chat([{"role": "user", "content": "x"}])


def test_429_is_retried_after_backoff(llm_server):
    waits: list[float] = []
    llm_server.answers = [(429, {"error": "slow down"}), good()]
    client = LLMClient(config(llm_server.url), sleep=waits.append)
    client.chat([{"role": "user", "content": "x"}], schema=ITEM_SCHEMA)
    assert waits == [1.0]  # no Retry-After header: the first backoff step


def test_eval_grounding_counts_false_alarms_and_catches(tmp_path):
    from audio2digest.cli import main
    from audio2digest.evaluation.grounding import evaluate_records

    recs = [
        {
            "lang": "zh",
            "items": [TEXT1, TEXT2, "英伟达发布新芯片。"],
            "titles": ["OpenAI发布GPT-5", "谷歌推出Gemini 3", "英伟达发布Blackwell"],
        },
        {"lang": "zh", "items": ["x"], "titles": ["新闻 #3"]},
    ]  # synthetic title: skipped
    s = evaluate_records(recs, GLOSSARY)
    assert (s.headlines, s.own_rejected, s.swapped, s.swapped_rejected) == (3, 1, 3, 3)
    assert s.missing == {"Blackwell": 1}
    corpus = tmp_path / "segcorpus"
    corpus.mkdir()
    (corpus / "demo.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs), "utf-8")
    res = CliRunner().invoke(main, ["eval", "grounding", "--data", str(tmp_path)])
    assert res.exit_code == 0 and "demo:zh" in res.output and "pooled" in res.output


def test_digest_json_llm_fields_validated():
    from audio2digest.types import RecordError, validate_digest

    d = (
        digest()
        .replace(
            summary="s", trends=("t",), writer={"model": "m"}, rejections=({"item": 1, "field": "title"},)
        )
        .to_dict()
    )
    validate_digest(d)
    for key, bad, msg in (
        ("trends", "t", "trends: expected a list"),
        ("writer", "m", "writer: expected an object"),
        ("rejections", [1], "rejections: expected a list of objects"),
    ):
        with pytest.raises(RecordError, match=msg):
            validate_digest({**d, key: bad})
    d["items"][1]["analysis"] = {"why": 3}
    with pytest.raises(RecordError, match="items\\[1\\].analysis: expected an object of strings"):
        validate_digest(d)


def test_run_with_llm_writer_through_the_stage_list(tmp_path, llm_server, real_clips):
    import shutil

    from fakes import FakeTranscriber

    from audio2digest.llm.writer import LLMDigestWriter
    from audio2digest.pipeline import run
    from audio2digest.stages import RunOptions

    clip = tmp_path / "ep1.wav"
    shutil.copy(real_clips / "zh_aishell1_BAC009S0724W0121.wav", clip)
    llm_server.default = echo
    opts = RunOptions(formats=("md",), style="daily")
    [res] = run(
        [str(clip)],
        tmp_path / "out",
        opts,
        transcriber=FakeTranscriber(),
        digest_writers=[LLMDigestWriter(config(llm_server.url))],
    )
    assert res.ok, res.error
    saved = json.loads((res.outdir / "digest.json").read_text("utf-8"))
    assert saved["writer"]["endpoint"] == llm_server.url
    news = [i for i in saved["items"] if i["kind"] == "news"]
    assert news and all(i.get("analysis", {}).get("what") for i in news)
    assert "**是什么**" in (res.outdir / "digest.md").read_text("utf-8")


def test_fields_that_echo_the_prompt_are_rejected(tmp_path, llm_server):
    from audio2digest.llm.writer import echoes

    assert echoes("why it matters", "why: why it matters; impact: ...", "OpenAI released GPT-5.")
    assert not echoes("OpenAI released GPT-5", "Transcript: OpenAI released GPT-5", "OpenAI released GPT-5.")
    # what a 270M model really answered (tests/test_llm_real.py's item, by hand)
    llm_server.default = route(
        good(title="AI 日报", what="是什么（一句）", details=["GPT-5于2026年1月开放。", "要点"]),
        good(**GEMINI),
        EPISODE,
    )
    d = writer(llm_server.url, jobs=1).write(digest(), GLOSSARY, cache_dir=tmp_path)
    it = d.items[1]
    assert it.title == "OpenAI今天发布了GPT-5" and "what" not in it.analysis
    assert it.details == ("GPT-5于2026年1月开放。",)
    echoed = {r["field"] for r in d.rejections if r.get("reason") == "echoes the prompt"}
    assert echoed == {"title", "what", "details[1]"}
