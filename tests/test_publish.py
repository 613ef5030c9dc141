"""Podcasting 2.0 outputs: the JSON transcript (validated against the namespace's documented
fields) and the RSS feed `batch --feed-out` writes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from conftest import SAMPLES

from audio2digest.errors import InputError, RenderError
from audio2digest.render import FORMATS, render_all, render_transcript
from audio2digest.render.feed import PODCAST_NS, FeedEpisode, build_feed, read_episode, write_feed
from audio2digest.sources.transcripts import (
    parse_transcript,
    publisher_transcript,
    validate_podcast_transcript,
)
from audio2digest.types import Digest, EpisodeMeta, Item, Segment, Transcript

P = f"{{{PODCAST_NS}}}"


def transcript(**kw) -> Transcript:
    segs = (
        Segment(0, 0.5, 3.2, "Welcome to the show."),
        Segment(1, 3.2, 7.0, "  First,\nGemma. "),
        Segment(2, 7.0, 7.0, "   "),
    )
    return Transcript(EpisodeMeta("ep.mp3"), "en", segs, duration=7.0, **kw)


# ---------------------------------------------------------------- the JSON transcript


def test_transcript_json_validates_and_round_trips():
    doc = json.loads(render_transcript("transcript_json", transcript()))
    assert validate_podcast_transcript(doc) == []
    assert doc == {
        "version": "1.0.0",
        "segments": [
            {"startTime": 0.5, "endTime": 3.2, "body": "Welcome to the show."},
            {"startTime": 3.2, "endTime": 7.0, "body": "First, Gemma."},
        ],
    }
    # what we write, we read back as a publisher transcript
    cues = parse_transcript(json.dumps(doc), "json")
    assert [(c.start, c.end, c.text) for c in cues] == [
        (0.5, 3.2, "Welcome to the show."),
        (3.2, 7.0, "First, Gemma."),
    ]


def test_registry_names_the_namespace_mime_types():
    assert FORMATS["transcript_json"].filename == "transcript.podcast.json"
    assert FORMATS["transcript_json"].mime == "application/json"
    assert FORMATS["chapters_json"].mime == "application/json+chapters"
    assert FORMATS["vtt"].mime == "text/vtt" and FORMATS["srt"].mime == "application/x-subrip"
    assert FORMATS["md"].mime == "text/markdown"


@pytest.mark.parametrize(
    "doc,problem",
    [
        ({"segments": []}, '"version"'),
        ({"version": "1.0.0"}, '"segments" is not a list'),
        ({"version": "1.0.0", "segments": [{"startTime": 1, "endTime": 2}]}, '"body"'),
        ({"version": "1.0.0", "segments": [{"startTime": 1, "body": "x"}]}, "'endTime'"),
        ({"version": "1.0.0", "segments": [{"startTime": "1", "endTime": 2, "body": "x"}]}, "'startTime'"),
        ({"version": "1.0.0", "segments": [{"startTime": 3, "endTime": 2, "body": "x"}]}, "ends before"),
        (
            {"version": "1.0.0", "segments": [{"startTime": float("nan"), "endTime": 2, "body": "x"}]},
            "'startTime'",
        ),
        (
            {"version": "1.0.0", "segments": [{"startTime": 1, "endTime": float("inf"), "body": "x"}]},
            "'endTime'",
        ),
        (
            {"version": "1.0.0", "segments": [{"startTime": 1, "endTime": 2, "body": "x", "speaker": 3}]},
            '"speaker"',
        ),
        (
            {"version": "1.0.0", "segments": [{"startTime": 1, "endTime": 2, "body": "x", "text": "y"}]},
            "does not define",
        ),
        ([], "not a JSON object"),
    ],
)
def test_validator_catches_each_missing_or_wrong_field(doc, problem):
    problems = validate_podcast_transcript(doc)
    assert problems and any(problem in p for p in problems), problems


def test_untimed_transcript_has_no_json_transcript():
    t = transcript(origin={"kind": "publisher", "timed": False})
    with pytest.raises(RenderError, match="needs times"):
        render_transcript("transcript_json", t)


def test_the_namespace_example_validates():
    """The JSON snippet of the namespace's transcripts.md (word-level, speakers)."""
    example = {
        "version": "1.0.0",
        "segments": [
            {"speaker": "Darth Vader", "startTime": 0.5, "endTime": 0.75, "body": "I"},
            {"speaker": "Darth Vader", "startTime": 2.25, "endTime": 2.50, "body": "father.\n"},
            {"speaker": "Luke", "startTime": 2.75, "endTime": 3.0, "body": "Nooooo"},
        ],
    }
    assert validate_podcast_transcript(example) == []


# ---------------------------------------------------------------- the feed


def episode_dir(out, slug, meta: EpisodeMeta, *, audio_inside=True):
    d = out / slug
    d.mkdir(parents=True)
    if audio_inside:
        (d / "audio.mp3").write_bytes(b"ID3" + b"\0" * 97)
    (d / "source.json").write_text(json.dumps({"episode": meta.to_dict(), "audio": "audio.mp3"}))
    tr = transcript()
    dg = Digest(meta, "en", (Item(0, "news", "Gemma <released> & more", "s", "t", 0.5, 7.0),))
    render_all(dg, tr, d, formats=["json", "transcript_json", "vtt", "chapters_json"])
    return d


def test_feed_keeps_enclosure_and_guid_and_links_the_files(tmp_path):
    out = tmp_path / "out"
    feed_meta = EpisodeMeta(
        "https://pod.example/ep1.mp3",
        title="Ep 1 & <friends>",
        date="2026-11-08",
        uploader="Roundup",
        webpage_url="https://pod.example/ep1",
        description="Notes <b>bold</b>",
        id="https://pod.example/?p=1",
        guid_permalink="true",
        enclosure={"url": "https://cdn.example/ep1.mp3?x=1&y=2", "type": "audio/mpeg", "length": "12345"},
    )
    episode_dir(out, "ep-1", feed_meta)
    local = EpisodeMeta("/data/ep2.mp3", title="第二期", date="2026-11-15", id="ep2")
    episode_dir(out, "第二期", local)
    path = write_feed(
        tmp_path / "feed.xml", out, ["ep-1", "第二期", "missing"], "https://example.com/digests/"
    )
    root = ET.parse(path).getroot()  # well-formed XML
    assert root.tag == "rss" and root.get("version") == "2.0"
    items = root.findall("channel/item")
    assert [i.findtext("title") for i in items] == ["第二期", "Ep 1 & <friends>"]  # newest first
    first = items[1]
    enc = first.find("enclosure")
    assert enc.attrib == {
        "url": "https://cdn.example/ep1.mp3?x=1&y=2",
        "type": "audio/mpeg",
        "length": "12345",
    }
    guid = first.find("guid")
    assert guid.text == "https://pod.example/?p=1" and guid.get("isPermaLink") == "true"
    assert first.findtext("pubDate") == "Sun, 08 Nov 2026 00:00:00 +0000"
    assert "Notes <b>bold</b>" in first.findtext("description")
    assert "1. Gemma <released> & more" in first.findtext("description")
    links = [(t.get("url"), t.get("type"), t.get("rel")) for t in first.findall(P + "transcript")]
    assert links == [
        ("https://example.com/digests/ep-1/transcript.podcast.json", "application/json", None),
        ("https://example.com/digests/ep-1/transcript.vtt", "text/vtt", "captions"),
    ]
    ch = first.find(P + "chapters")
    assert ch.attrib == {
        "url": "https://example.com/digests/ep-1/chapters.json",
        "type": "application/json+chapters",
    }
    # a local file: its audio is published with OUT, and the GUID is not a permalink
    second = items[0]
    assert second.find("enclosure").get("url") == (
        "https://example.com/digests/%E7%AC%AC%E4%BA%8C%E6%9C%9F/audio.mp3"
    )
    assert second.find("enclosure").get("length") == "100"
    assert second.find("guid").get("isPermaLink") == "false" and second.findtext("guid") == "ep2"
    raw = path.read_text("utf-8")
    assert raw.startswith("<?xml") and 'xmlns:podcast="https://podcastindex.org/namespace/1.0"' in raw
    assert "&lt;friends&gt;" in raw and "cdn.example/ep1.mp3?x=1&amp;y=2" in raw


FEED_WITH_TIMES = """<?xml version="1.0"?><rss version="2.0"><channel><title>Show</title>
<item><title>Morning</title><pubDate>Sun, 08 Nov 2026 08:30:15 -0500</pubDate>
  <enclosure url="http://h/m.mp3" type="audio/mpeg" length="1"/><guid>m</guid></item>
<item><title>Evening</title><pubDate>Sun, 08 Nov 2026 19:05:00 -0500</pubDate>
  <enclosure url="http://h/e.mp3" type="audio/mpeg" length="1"/><guid>e</guid></item>
<item><title>Day only</title><pubDate>2026-11-01</pubDate>
  <enclosure url="http://h/d.mp3" type="audio/mpeg" length="1"/><guid>d</guid></item>
</channel></rss>"""


def test_feed_keeps_the_time_of_the_sources_pub_date():
    """A source's pubDate with a time keeps it, in its own offset; a bare date stays 00:00 UTC;
    two episodes of one day are ordered by their times."""
    from pathlib import Path

    from audio2digest.sources.fetch import parse_feed

    metas = [e.meta for e in parse_feed(FEED_WITH_TIMES.encode(), "http://h/feed.xml")]
    by_title = {m.title: m for m in metas}
    assert by_title["Morning"].date == "2026-11-08"
    assert by_title["Morning"].published == "2026-11-08T08:30:15-05:00"
    assert by_title["Day only"].published == ""
    # the order they were listed in is not the order published
    eps = [FeedEpisode(m.id, m, Path("/nonexistent")) for m in reversed(metas)]
    items = ET.fromstring(build_feed(eps, "https://example.com")).findall("channel/item")
    assert [(i.findtext("title"), i.findtext("pubDate")) for i in items] == [
        ("Evening", "Sun, 08 Nov 2026 19:05:00 -0500"),
        ("Morning", "Sun, 08 Nov 2026 08:30:15 -0500"),
        ("Day only", "Sun, 01 Nov 2026 00:00:00 +0000"),
    ]


@pytest.mark.parametrize("value", ["tomorrow", "2026-11-08", "2026-11-08T08:00:00", 12, "x" * 50])
def test_published_that_is_not_a_date_time_with_offset_is_dropped(value):
    from audio2digest.sources.fetch import clean_meta

    assert clean_meta(EpisodeMeta("http://h/e.mp3", published=value)).published == ""
    kept = clean_meta(EpisodeMeta("http://h/e.mp3", published="2026-11-08T08:00:00+08:00"))
    assert kept.published == "2026-11-08T08:00:00+08:00"


def test_feed_needs_an_http_base_url(tmp_path):
    with pytest.raises(InputError, match="--base-url must be an http"):
        write_feed(tmp_path / "f.xml", tmp_path, [], "example.com/x")
    with pytest.raises(InputError, match="--base-url must be an http"):
        build_feed([], "javascript:alert(1)")


def test_read_episode_without_source_json(tmp_path):
    (tmp_path / "x").mkdir()
    assert read_episode(tmp_path, "x") is None


def test_batch_feed_out_end_to_end(http_server, tmp_path):
    """`batch` on a feed whose episode has a publisher VTT: nothing is transcribed, and the
    feed it writes links the JSON transcript, VTT and chapters of the episode."""
    from click.testing import CliRunner
    from test_transcripts import EPISODE_FEED, vtt_from_gold

    from audio2digest.cli import main

    gold = json.loads((SAMPLES / "ai-weekly-12.gold.json").read_text("utf-8"))
    audio = (SAMPLES / "ai-weekly-12.mp3").read_bytes()
    http_server.route("ep.mp3", audio, "audio/mpeg")
    http_server.route("ep.vtt", vtt_from_gold(gold).encode(), "text/vtt")
    http_server.route(
        "feed.xml",
        EPISODE_FEED.format(base=http_server.base, size=len(audio)).encode(),
        "application/rss+xml",
    )
    out, feed = tmp_path / "out", tmp_path / "feed.xml"
    args = [
        "batch",
        http_server.url("feed.xml"),
        "-o",
        str(out),
        "--transcript-source",
        "publisher",
        "--feed-out",
        str(feed),
        "--base-url",
        "https://example.com/d",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "1 done, 0 failed" in result.output and "wrote" in result.output
    [item] = ET.parse(feed).getroot().findall("channel/item")
    assert item.findtext("guid") == "aiweekly-12" and item.find("guid").get("isPermaLink") == "false"
    assert item.findtext("pubDate") == "Sat, 06 Dec 2025 08:00:00 +0000"  # the source's time kept
    assert item.find("enclosure").get("url") == http_server.url("ep.mp3")
    assert item.find("enclosure").get("length") == str(len(audio))
    urls = [t.get("url") for t in item.findall(P + "transcript")]
    slug = urls[0].split("/")[-2]
    assert urls[0].endswith("/transcript.podcast.json") and urls[1].endswith("/transcript.vtt")
    assert item.find(P + "chapters") is not None
    ep = out / __import__("urllib.parse").parse.unquote(slug)
    doc = json.loads((ep / "transcript.podcast.json").read_text("utf-8"))
    assert validate_podcast_transcript(doc) == [] and len(doc["segments"]) > 5
    assert json.loads((ep / "transcript.json").read_text("utf-8"))["origin"]["kind"] == "publisher"
    chapters = json.loads((ep / "chapters.json").read_text("utf-8"))
    assert chapters["chapters"][1]["startTime"] == pytest.approx(gold["items"][1]["start"], abs=0.01)
    # without --base-url: a usage error naming the option
    bad = CliRunner().invoke(
        main, ["batch", http_server.url("feed.xml"), "-o", str(out), "--feed-out", str(feed)]
    )
    assert bad.exit_code == 2 and "--feed-out needs --base-url" in bad.output


def test_publisher_mode_without_a_transcript_fails_clearly_in_batch(http_server, tmp_path):
    from click.testing import CliRunner

    from audio2digest.cli import main

    audio = (SAMPLES / "ai-weekly-12.mp3").read_bytes()
    http_server.route("ep.mp3", audio, "audio/mpeg")
    feed = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title><item><title>Ep</title>"
        f"<enclosure url='{http_server.url('ep.mp3')}' type='audio/mpeg' length='1'/>"
        "</item></channel></rss>"
    )
    http_server.route("feed.xml", feed.encode(), "application/rss+xml")
    result = CliRunner().invoke(
        main,
        [
            "batch",
            http_server.url("feed.xml"),
            "-o",
            str(tmp_path / "o"),
            "--transcript-source",
            "publisher",
            "--max-attempts",
            "1",
        ],
    )
    assert result.exit_code == 1
    assert "ep.mp3: no publisher transcript or subtitles in the episode's language" in result.output
    assert "--transcript-source auto or asr" in result.output


def test_auto_with_a_broken_vtt_falls_back_to_asr(http_server, tmp_path):
    from fakes import FakeTranscriber

    from audio2digest.batch.scheduler import run_batch
    from audio2digest.stages import RunOptions

    fake = FakeTranscriber()  # the test decoder: real audio decoding, fixed text
    audio = (SAMPLES / "ai-weekly-12.mp3").read_bytes()
    http_server.route("ep.mp3", audio, "audio/mpeg")
    http_server.route("ep.vtt", b"WEBVTT\n\n00:00:01.000 --> garbage\n", "text/vtt")
    from test_transcripts import EPISODE_FEED

    http_server.route(
        "feed.xml",
        EPISODE_FEED.format(base=http_server.base, size=len(audio)).encode(),
        "application/rss+xml",
    )
    summary = run_batch(
        http_server.url("feed.xml"), tmp_path / "o", RunOptions(formats=("json",)), transcriber=fake
    )
    assert summary.ok and summary.done == 1
    [ep] = [p for p in (tmp_path / "o").iterdir() if p.is_dir()]
    t = json.loads((ep / "transcript.json").read_text("utf-8"))
    assert t["model"].startswith("fake-asr") and t["origin"] == {"kind": "asr"}
    # and the same feed with publisher only: the broken VTT is the error
    summary = run_batch(
        http_server.url("feed.xml"),
        tmp_path / "p",
        RunOptions(formats=("json",), transcript_source="publisher"),
        transcriber=fake,
    )
    assert not summary.ok
    assert "ep.vtt: unusable VTT transcript" in summary.episodes[0].error


def test_publisher_transcript_helper_is_the_stage_output_shape():
    """What the transcribe stage gets from a publisher: a normalised Transcript whose
    serialisation is a transcript.raw.json like the decoder's."""
    meta = EpisodeMeta(
        "https://pod.example/ep.mp3",
        transcripts=(
            {"url": "https://x/a.vtt", "type": "text/vtt", "origin": "publisher", "language": "en"},
        ),
    )
    vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello there.\n"
    t = publisher_transcript(meta, fetch=lambda url: vtt)
    again = Transcript.from_dict(json.loads(json.dumps(t.to_dict())))
    assert again == t and again.origin["kind"] == "publisher"


def test_run_with_an_html_transcript_without_times(http_server, tmp_path):
    """The last resort: text without times gives items without times; the formats that need
    times are not written (the others are), and nothing is transcribed."""
    from click.testing import CliRunner

    from audio2digest.cli import main

    items = json.loads((SAMPLES / "ai-weekly-12.items.json").read_text("utf-8"))["items"]
    page = "<html><body>" + "".join(f"<p>{t}</p>" for t in items) + "</body></html>"
    audio = (SAMPLES / "ai-weekly-12.mp3").read_bytes()
    http_server.route("ep.mp3", audio, "audio/mpeg")
    http_server.route("ep.html", page.encode(), "text/html; charset=utf-8")
    feed = (
        "<?xml version='1.0'?><rss version='2.0' xmlns:podcast='https://podcastindex.org/namespace/1.0'>"
        "<channel><title>t</title><language>zh</language><item><title>Ep</title>"
        f"<enclosure url='{http_server.url('ep.mp3')}' type='audio/mpeg' length='{len(audio)}'/>"
        f"<podcast:transcript url='{http_server.url('ep.html')}' type='text/html'/>"
        "</item></channel></rss>"
    )
    http_server.route("feed.xml", feed.encode(), "application/rss+xml")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "run",
            http_server.url("feed.xml"),
            "-o",
            str(out),
            "-f",
            "json",
            "-f",
            "md",
            "-f",
            "html",
            "-f",
            "srt",
            "-f",
            "chapters_json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "(publisher transcript, not transcribed)" in result.output
    [ep] = [p for p in out.iterdir() if p.is_dir()]
    names = {p.name for p in ep.iterdir()}
    assert {"digest.json", "digest.md", "digest.html", "transcript.json"} <= names
    assert not names & {"transcript.srt", "chapters.json"}
    d = json.loads((ep / "digest.json").read_text("utf-8"))
    assert len(d["items"]) >= 3 and all(i["start"] is None for i in d["items"])
    assert "DeepSeek" in (ep / "digest.md").read_text("utf-8")
    t = json.loads((ep / "transcript.json").read_text("utf-8"))
    assert t["origin"]["timed"] is False and t["origin"]["format"] == "html"
