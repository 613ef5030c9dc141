"""Publisher transcripts: links from feeds, fetching, parsing each format, the auto/publisher/asr
choice, and `run` on a feed with a VTT (no model loaded, item times from the cues)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

import pytest
from conftest import ROOT, SAMPLES

from audio2digest.errors import TranscriptSourceError
from audio2digest.sources.fetch import link_from_tag, list_episodes, parse_feed
from audio2digest.sources.transcripts import (
    MAX_TRANSCRIPT_BYTES,
    Cue,
    candidate_links,
    cues_to_segments,
    drop_rolling_repeats,
    fetch_text,
    link_format,
    parse_transcript,
    publisher_transcript,
)
from audio2digest.types import EpisodeMeta

VTT = """WEBVTT

NOTE made by hand

intro
00:00:00.500 --> 00:00:03.000 align:start
<v Ann>Welcome to the <i>Model Roundup</i>. Today

00:00:03.000 --> 00:00:06.000
<v Ann>three stories &amp; one rumour.

00:00:08.000 --> 00:00:12.000
<v Bob>First, Google released Gemma.
"""

SRT = """1
00:00:00,500 --> 00:00:03,000
Welcome to the Model Roundup. Today

2
00:00:03,000 --> 00:00:06,000
three stories and one rumour.

3
00:00:08,000 --> 00:00:12,000
First, Google released Gemma.
"""

JSON = json.dumps(
    {
        "version": "1.0.0",
        "segments": [
            {"speaker": "Ann", "startTime": 0.5, "endTime": 1.0, "body": "Welcome"},
            {"speaker": "Ann", "startTime": 1.0, "endTime": 1.5, "body": "to"},
            {"speaker": "Ann", "startTime": 1.5, "endTime": 3.0, "body": "the show.\n"},
            {"speaker": "Bob", "startTime": 8.0, "body": "First,"},
            {"speaker": "Bob", "startTime": 9.0, "endTime": 12.0, "body": "Gemma."},
        ],
    }
)

HTML = """<html><head><title>t</title><style>p{}</style></head><body>
<cite>Ann:</cite><time>0:00</time><p>Welcome to the Model Roundup.</p>
<cite>Bob:</cite><time>0:08</time><p>First, Google released Gemma.</p>
</body></html>"""

HTML_UNTIMED = "<cite>Ann:</cite><p>Welcome to the show.</p><p>First, Google &amp; Gemma.</p>"


# ---------------------------------------------------------------- parsing


def test_vtt_cues_voice_tags_and_entities():
    cues = parse_transcript(VTT, "vtt")
    assert [(c.start, c.end, c.speaker) for c in cues] == [
        (0.5, 3.0, "Ann"),
        (3.0, 6.0, "Ann"),
        (8.0, 12.0, "Bob"),
    ]
    assert cues[0].text == "Welcome to the Model Roundup. Today"  # tags gone, cue id not text
    assert cues[1].text == "three stories & one rumour."


def test_srt_and_vtt_give_the_same_cues():
    assert [(c.start, c.end, c.text) for c in parse_transcript(SRT, "srt")] == [
        (0.5, 3.0, "Welcome to the Model Roundup. Today"),
        (3.0, 6.0, "three stories and one rumour."),
        (8.0, 12.0, "First, Google released Gemma."),
    ]


def test_podcasting_json_with_optional_end_time():
    cues = parse_transcript(JSON, "json")
    assert cues[2].text == "the show." and cues[3].speaker == "Bob"
    assert (cues[3].start, cues[3].end) == (8.0, 9.0)  # no endTime: until the next segment
    last = parse_transcript('{"segments": [{"startTime": 2, "body": "Fifteen chars."}]}', "json")
    assert (last[0].start, last[0].end) == (2.0, pytest.approx(2 + 14 / 15))  # as long as it takes to say


def test_html_with_and_without_times():
    timed = parse_transcript(HTML, "html")
    assert [(c.start, c.speaker, c.text) for c in timed] == [
        (0.0, "Ann", "Welcome to the Model Roundup."),
        (8.0, "Bob", "First, Google released Gemma."),
    ]
    untimed = parse_transcript(HTML_UNTIMED, "html")
    assert [(c.start, c.end) for c in untimed] == [(None, None), (None, None)]
    assert untimed[1].text == "First, Google & Gemma."
    plain = parse_transcript("One paragraph\nwrapped.\n\nTwo.\n", "text")
    assert [c.text for c in plain] == ["One paragraph wrapped.", "Two."]


@pytest.mark.parametrize(
    "fmt,text,message",
    [
        ("vtt", "this is not a subtitle file", "not a WebVTT file"),
        ("vtt", "WEBVTT\n\n", "no text"),
        (
            "vtt",
            "WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nb\n\n00:00:01.000 --> 00:00:02.000\na\n",
            "before the one before it",
        ),
        ("srt", "1\nnot a time\nhello\n", "not an SRT file"),
        ("srt", "", "empty file"),
        ("json", "{", "invalid JSON"),
        ("json", '{"version": "1.0.0"}', 'no "segments" list'),
        ("json", '{"segments": [{"startTime": "0", "body": "x"}]}', "startTime"),
        ("json", '{"segments": [{"startTime": 0}]}', "body"),
        # Python's json reads NaN and Infinity; neither is a time
        ("json", '{"segments": [{"startTime": Infinity, "body": "x"}]}', "startTime"),
        ("json", '{"segments": [{"startTime": NaN, "body": "x"}]}', "startTime"),
        ("json", '{"segments": [{"startTime": 0, "endTime": Infinity, "body": "x"}]}', "endTime"),
        ("json", '{"segments": [{"startTime": 0, "endTime": -Infinity, "body": "x"}]}', "endTime"),
        ("json", '{"segments": [{"startTime": 1e999, "body": "x"}]}', "startTime"),
        ("html", "<html><body></body></html>", "no text"),
    ],
)
def test_broken_transcripts_raise(fmt, text, message):
    with pytest.raises(ValueError, match=message):
        parse_transcript(text, fmt)


def test_rolling_platform_captions_keep_new_lines_only():
    cues = [
        Cue(0, 2, "hello there"),
        Cue(2, 4, "hello there\nhow are you"),
        Cue(4, 4.01, "how are you"),
        Cue(4, 6, "how are you\nfine thanks"),
    ]
    assert [c.text for c in drop_rolling_repeats(cues)] == ["hello there", "how are you", "fine thanks"]


# ---------------------------------------------------------------- cues → segments


def test_segments_are_sentences_with_times_from_the_cues():
    segs = cues_to_segments(parse_transcript(VTT, "vtt"), "en")
    assert [s.text for s in segs] == [
        "Welcome to the Model Roundup.",
        "Today three stories & one rumour.",
        "First, Google released Gemma.",
    ]
    # "Today" starts 29/35 of the way into the first cue (0.5–3.0 s)
    assert segs[0].start == 0.5 and segs[1].start == pytest.approx(0.5 + 2.5 * 29 / 35, abs=0.01)
    assert segs[1].end == 6.0 and (segs[2].start, segs[2].end) == (8.0, 12.0)


def test_speakers_carry_into_segments_and_the_podcasting_json():
    from audio2digest.render.transcript_json import render as render_podcast_json
    from audio2digest.types import Transcript

    segs = cues_to_segments(parse_transcript(JSON, "json"), "en")
    assert [(s.speaker, s.text) for s in segs] == [("Ann", "Welcome to the show."), ("Bob", "First, Gemma.")]
    untimed = cues_to_segments(parse_transcript(HTML_UNTIMED, "html"), "en")
    assert [s.speaker for s in untimed] == ["Ann", "Ann"]
    out = json.loads(render_podcast_json(None, Transcript(EpisodeMeta(source="x"), "en", tuple(segs))))
    assert [seg.get("speaker") for seg in out["segments"]] == ["Ann", "Bob"]
    asr = Transcript(EpisodeMeta(source="x"), "en", (segs[0].__class__(0, 0.0, 1.0, "Hi."),))
    assert "speaker" not in json.loads(render_podcast_json(None, asr))["segments"][0]  # unknown: left out


def test_chinese_cues_join_without_spaces_and_split_at_pauses_and_length():
    cues = [Cue(0, 2, "大家好，欢迎收听"), Cue(2, 4, "本期节目"), Cue(6, 8, "首先来看新闻")]
    segs = cues_to_segments(cues, "zh")
    assert [(s.text, s.start, s.end) for s in segs] == [
        ("大家好，欢迎收听本期节目", 0, 4),
        ("首先来看新闻", 6, 8),
    ]
    long = [Cue(k * 4.0, k * 4.0 + 4, f"第{k}句话没有标点") for k in range(10)]
    assert all(s.end - s.start <= 16 for s in cues_to_segments(long, "zh"))


# ---------------------------------------------------------------- links


def test_links_from_tags_and_their_order(caplog):
    feed = "https://pod.example/feed.xml"
    assert link_from_tag({"url": "t/1.vtt", "type": "text/vtt"}, feed, "en") == {
        "url": "https://pod.example/t/1.vtt",
        "type": "text/vtt",
        "origin": "publisher",
        "language": "en",
    }
    with caplog.at_level("WARNING", logger="audio2digest.sources.fetch"):
        assert link_from_tag({"url": "ftp://x/1.vtt", "type": "text/vtt"}, feed) is None
    # said, not only logged for -v: else "no publisher transcript" leaves the user guessing
    assert [r.getMessage() for r in caplog.records] == [
        f"{feed}: transcript link 'ftp://x/1.vtt' is not an http(s) URL; ignored"
    ]
    assert link_from_tag({"type": "text/vtt"}, feed) is None
    assert link_format({"url": "https://x/a.srt", "type": ""}) == "srt"
    assert link_format({"url": "https://x/a", "type": "application/json; charset=utf-8"}) == "json"
    meta = EpisodeMeta(
        "x",
        source_language="en",
        transcripts=(
            {"url": "https://x/a.html", "type": "text/html", "origin": "publisher", "language": "en"},
            {"url": "https://x/a.vtt", "type": "text/vtt", "origin": "captions", "language": "en"},
            {"url": "https://x/a.es.vtt", "type": "text/vtt", "origin": "publisher", "language": "es"},
            {"url": "https://x/a.srt", "type": "application/x-subrip", "origin": "publisher"},
            {"url": "https://x/auto.vtt", "type": "text/vtt", "origin": "captions", "automatic": True},
            {"url": "https://x/a.pdf", "type": "application/pdf", "origin": "publisher"},
        ),
    )
    urls = [link["url"] for link in candidate_links(meta)]
    assert urls == ["https://x/a.srt", "https://x/a.html", "https://x/a.vtt"]
    assert candidate_links(meta, allow_automatic=True)[-1]["url"] == "https://x/auto.vtt"
    assert [link["url"] for link in candidate_links(meta, language="es")][0] == "https://x/a.es.vtt"


# ---------------------------------------------------------------- the choice


def meta_with(*links) -> EpisodeMeta:
    return EpisodeMeta(
        "https://pod.example/ep.mp3",
        title="Ep",
        source_language="en",
        transcripts=tuple({"origin": "publisher", **link} for link in links),
    )


def test_modes():
    meta = meta_with({"url": "https://x/a.vtt", "type": "text/vtt"})
    got = publisher_transcript(meta, fetch=lambda url: VTT)
    assert got.origin == {
        "kind": "publisher",
        "url": "https://x/a.vtt",
        "type": "text/vtt",
        "format": "vtt",
        "language": "en",
        "timed": True,
    }
    assert got.language == "en" and got.duration == 12.0 and len(got.segments) == 3
    assert publisher_transcript(meta, mode="asr", fetch=lambda url: 1 / 0) is None
    none = EpisodeMeta("https://pod.example/ep.mp3")
    assert publisher_transcript(none) is None
    with pytest.raises(TranscriptSourceError, match="ep.mp3: no publisher transcript or subtitles"):
        publisher_transcript(none, mode="publisher")
    with pytest.raises(ValueError, match="expected one of: auto, publisher, asr"):
        publisher_transcript(meta, mode="whisper")


def test_auto_falls_back_to_the_next_link_then_to_asr(caplog):
    meta = meta_with(
        {"url": "https://x/a.json", "type": "application/json"},
        {"url": "https://x/a.vtt", "type": "text/vtt"},
    )
    pages = {"https://x/a.json": "{broken", "https://x/a.vtt": VTT}
    got = publisher_transcript(meta, fetch=pages.__getitem__)
    assert got.origin["url"] == "https://x/a.vtt"
    pages["https://x/a.vtt"] = "not a vtt"
    with caplog.at_level(logging.WARNING, logger="audio2digest.sources.transcripts"):
        assert publisher_transcript(meta, fetch=pages.__getitem__) is None
    assert "https://x/a.json: unusable JSON transcript (invalid JSON" in caplog.text
    assert "https://x/a.vtt: unusable VTT transcript (not a WebVTT file" in caplog.text
    assert "transcribing the audio instead" in caplog.text
    with pytest.raises(TranscriptSourceError, match="a.vtt: unusable VTT"):
        publisher_transcript(meta, mode="publisher", fetch=pages.__getitem__)


def test_timed_html_keeps_its_times():
    meta = meta_with({"url": "https://x/a.html", "type": "text/html"})
    got = publisher_transcript(meta, fetch=lambda url: HTML)
    assert got.timed and [(s.start, s.end) for s in got.segments] == [
        (0.0, 8.0),
        (8.0, round(8 + 29 / 15, 3)),
    ]


def test_untimed_html_is_marked_and_chinese_is_normalised():
    meta = EpisodeMeta(
        "https://pod.example/ep.mp3",
        transcripts=(
            {"url": "https://x/a.html", "type": "text/html", "language": "zh-TW", "origin": "publisher"},
        ),
    )
    got = publisher_transcript(meta, fetch=lambda url: "<p>歡迎收聽本期節目</p><p>首先來看新聞</p>")
    assert got.origin["timed"] is False and not got.timed
    assert got.language == "zh" and got.segments[0].text == "欢迎收听本期节目。"  # Simplified


# ---------------------------------------------------------------- over HTTP

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>
<title>Roundup</title><language>en-us</language>
<item><title>Ep {kind}</title><guid isPermaLink="false">ep-{kind}</guid>
  <enclosure url="{base}/ep.mp3" type="audio/mpeg" length="402717"/>
  <podcast:transcript url="{path}" type="{mime}"/>
  <podcast:transcript url="{base}/ep.es.vtt" type="text/vtt" language="es"/>
</item></channel></rss>"""

KINDS = {
    "vtt": ("text/vtt", VTT),
    "srt": ("application/x-subrip", SRT),
    "json": ("application/json", JSON),
    "html": ("text/html", HTML_UNTIMED),
    "broken": ("text/vtt", "WEBVTT\n\n00:00:01.000 --> garbage\nhello\n"),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_feeds_with_each_transcript_type(http_server, kind):
    mime, body = KINDS[kind]
    http_server.route(f"t/ep.{kind}", body.encode(), mime)
    http_server.route(
        "feed.xml",
        FEED.format(kind=kind, base=http_server.base, mime=mime, path=f"t/ep.{kind}").encode(),
        "application/rss+xml",
    )
    [meta] = list_episodes(http_server.url("feed.xml"))
    assert meta.source_language == "en-us" and meta.id == f"ep-{kind}"
    assert meta.enclosure == {"url": f"{http_server.base}/ep.mp3", "type": "audio/mpeg", "length": "402717"}
    assert meta.transcripts[0] == {
        "url": http_server.url(f"t/ep.{kind}"),
        "type": mime,
        "origin": "publisher",
        "language": "en-us",
    }
    if kind == "broken":
        assert publisher_transcript(meta) is None
        with pytest.raises(TranscriptSourceError, match=r"ep\.broken: unusable VTT transcript"):
            publisher_transcript(meta, mode="publisher")
        return
    t = publisher_transcript(meta)
    assert t.origin["url"] == http_server.url(f"t/ep.{kind}") and t.language == "en"
    assert "Gemma" in t.text
    assert t.timed is (kind != "html")


def test_fetch_limits(http_server):
    http_server.route("big.vtt", b"WEBVTT\n\n" + b"x" * 2000, "text/vtt")
    with pytest.raises(TranscriptSourceError, match="over the 1000-byte limit"):
        fetch_text(http_server.url("big.vtt"), max_bytes=1000)
    with pytest.raises(TranscriptSourceError, match="HTTP 404"):
        fetch_text(http_server.url("gone.vtt"))
    with pytest.raises(TranscriptSourceError, match="http\\(s\\) only"):
        fetch_text("file:///etc/passwd")
    http_server.route("bin.vtt", b"\0\1\2" * 10, "text/vtt")
    with pytest.raises(TranscriptSourceError, match="not text"):
        fetch_text(http_server.url("bin.vtt"))
    assert MAX_TRANSCRIPT_BYTES >= 1 << 20


def test_feed_links_ignore_what_is_not_http():
    feed = FEED.format(kind="x", base="http://h", mime="text/vtt", path="javascript:alert(1)")
    [entry] = parse_feed(feed.encode(), "http://h/feed.xml")
    assert [t["url"] for t in entry.meta.transcripts] == ["http://h/ep.es.vtt"]


# ---------------------------------------------------------------- `run` end to end


def vtt_from_gold(gold: dict, width: int = 18) -> str:
    """A publisher-style VTT of a sample episode: its spoken text in caption-sized cues,
    timed from the gold item times (cues break lines mid-sentence, as real captions do)."""

    def stamp(t: float) -> str:
        ms = int(round(t * 1000))
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"

    out = ["WEBVTT", ""]
    for it in gold["items"]:
        text, a, b = it["text"], it["start"], it["end"]
        for k in range(0, len(text), width):
            s = a + (b - a) * k / len(text)
            e = a + (b - a) * min(len(text), k + width) / len(text)
            out += [f"{stamp(s)} --> {stamp(e)}", text[k : k + width], ""]
    return "\n".join(out)


EPISODE_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>
<title>AI 周末快讯</title><language>zh-cn</language>
<item><title>AI 周末快讯 第十二期</title><pubDate>Sat, 06 Dec 2025 08:00:00 +0000</pubDate>
  <guid isPermaLink="false">aiweekly-12</guid>
  <enclosure url="{base}/ep.mp3" type="audio/mpeg" length="{size}"/>
  <podcast:transcript url="{base}/ep.vtt" type="text/vtt"/>
</item></channel></rss>"""

NO_MODEL_RUN = """
import sys, time
from audio2digest.cli import main
t0 = time.perf_counter()
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    loaded = sorted(m for m in ("audio2digest.asr.model", "ctranslate2", "faster_whisper") if m in sys.modules)
    print("SECONDS", round(time.perf_counter() - t0, 2), "LOADED", ",".join(loaded) or "-")
"""


def test_run_uses_the_feeds_vtt_without_loading_a_model(http_server, tmp_path):
    gold = json.loads((SAMPLES / "ai-weekly-12.gold.json").read_text("utf-8"))
    audio = (SAMPLES / "ai-weekly-12.mp3").read_bytes()
    http_server.route("ep.mp3", audio, "audio/mpeg")
    http_server.route("ep.vtt", vtt_from_gold(gold).encode(), "text/vtt")
    http_server.route(
        "feed.xml",
        EPISODE_FEED.format(base=http_server.base, size=len(audio)).encode(),
        "application/rss+xml",
    )
    out = tmp_path / "out"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_MODEL_RUN,
            "run",
            http_server.url("feed.xml"),
            "-o",
            str(out),
            "-f",
            "json",
            "-f",
            "md",
            "-f",
            "transcript_json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    wall = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr
    assert "(publisher transcript, not transcribed)" in proc.stdout
    assert "LOADED -" in proc.stdout, proc.stdout  # no model, not even the ASR library
    [ep] = [p for p in out.iterdir() if p.is_dir()]
    t = json.loads((ep / "transcript.json").read_text("utf-8"))
    assert t["origin"]["kind"] == "publisher" and t["origin"]["url"] == http_server.url("ep.vtt")
    assert t["language"] == "zh" and t["duration"] == pytest.approx(134.1, abs=0.2)
    d = json.loads((ep / "digest.json").read_text("utf-8"))
    # every item starts and ends where a sentence of the VTT does (times read off its cues)
    starts = {s["start"] for s in t["segments"]}
    ends = {s["end"] for s in t["segments"]}
    assert d["items"] and all(i["start"] in starts and i["end"] in ends for i in d["items"])
    # and most item boundaries are the gold ones: the cue times survive segmentation (the
    # segmenter may still put a sentence on the other side of a boundary)
    gold_starts = [g["start"] for g in gold["items"]]
    matched = sum(any(abs(i["start"] - g) <= 0.01 for g in gold_starts) for i in d["items"])
    assert matched >= len(gold_starts) - 2, [i["start"] for i in d["items"]]
    assert (ep / "transcript.podcast.json").is_file()
    print(f"run with a publisher VTT: {wall:.1f} s wall ({proc.stdout.strip()})")


def test_untrusted_links_are_cleaned_with_the_metadata():
    from audio2digest.sources.fetch import clean_meta

    meta = EpisodeMeta(
        "https://pod.example/ep.mp3",
        source_language="zh-CN<script>",
        guid_permalink="maybe",
        enclosure={"url": "https://cdn.example/a.mp3", "type": "audio/mpeg\x1b[2J", "length": "12 bytes"},
        transcripts=(
            {"url": "file:///etc/passwd", "type": "text/vtt"},
            {
                "url": "https://x/a.vtt",
                "type": "text/vtt\u202e",
                "language": "en",
                "origin": "evil",
                "rel": "captions",
            },
            "not a dict",
        ),
    )
    clean = clean_meta(meta)
    assert clean.source_language == "" and clean.guid_permalink == ""
    assert clean.enclosure == {"url": "https://cdn.example/a.mp3", "type": "audio/mpeg [2J", "length": ""}
    assert clean.transcripts == (
        {
            "url": "https://x/a.vtt",
            "type": "text/vtt",
            "language": "en",
            "origin": "publisher",
            "rel": "captions",
        },
    )


def test_non_finite_times_are_never_accepted(caplog, monkeypatch):
    # an HTML <time> that float() reads as infinite is no time: the paragraphs are untimed
    html_inf = "<time>inf</time><p>a.</p><time>nan</time><p>b.</p>"
    assert [(c.start, c.end) for c in parse_transcript(html_inf, "html")] == [(None, None), (None, None)]
    # the final check catches a parser that lets one through
    from audio2digest.sources import transcripts

    for cue in (Cue(0.0, float("inf"), "a."), Cue(float("nan"), None, "b."), Cue(float("inf"), None, "c.")):
        monkeypatch.setitem(transcripts.PARSERS, "srt", lambda text, cue=cue: [cue])
        with pytest.raises(ValueError, match="bad times"):
            parse_transcript("x", "srt")
    monkeypatch.undo()
    # auto: a broken publisher transcript means transcribing, with a warning
    meta = meta_with({"url": "https://x/a.json", "type": "application/json"})
    page = '{"segments": [{"startTime": Infinity, "body": "Hello."}]}'
    with caplog.at_level(logging.WARNING, logger="audio2digest.sources.transcripts"):
        assert publisher_transcript(meta, fetch=lambda url: page) is None
    assert (
        "a.json: unusable JSON transcript" in caplog.text and "transcribing the audio instead" in caplog.text
    )
    with pytest.raises(TranscriptSourceError, match='"startTime" is not a finite number'):
        publisher_transcript(meta, mode="publisher", fetch=lambda url: page)
