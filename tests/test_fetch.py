from __future__ import annotations

import shutil

import pytest
from conftest import free_port

from audio2digest.errors import FetchError
from audio2digest.sources.fetch import download, list_episodes, parse_feed, slugify

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>AI 周末快讯</title><itunes:author>小林</itunes:author>
<item><title>第十一期</title><pubDate>Sat, 01 Nov 2026 08:00:00 +0000</pubDate>
  <enclosure url="{base}/ep11.wav" type="audio/wav" length="1"/><guid>ep11</guid>
  <description>旧的一期</description><itunes:duration>00:11</itunes:duration></item>
<item><title>第十二期</title><pubDate>Sat, 08 Nov 2026 08:00:00 +0000</pubDate>
  <enclosure url="{base}/ep12.wav" type="audio/wav" length="1"/><guid>ep12</guid>
  <link>{base}/episodes/12</link><description>智谱 发布 GLM-4.7-Flash</description></item>
<item><title>No audio</title><pubDate>Sun, 09 Nov 2026 08:00:00 +0000</pubDate></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Roundup</title>
<entry><title>Old</title><updated>2026-10-01T00:00:00Z</updated>
  <link rel="enclosure" href="http://h/old.mp3"/><author><name>Ann</name></author></entry>
<entry><title>New</title><updated>2026-10-08T00:00:00Z</updated>
  <link rel="alternate" href="http://h/new"/><link rel="enclosure" href="http://h/new.mp3"/></entry>
</feed>"""


def test_rss_newest_first_with_metadata():
    entries = parse_feed(RSS.format(base="http://h").encode(), "http://h/feed.xml")
    assert [e.meta.title for e in entries] == ["第十二期", "第十一期"]
    new = entries[0].meta
    assert new.date == "2026-11-08"
    assert new.uploader == "小林"
    assert new.webpage_url == "http://h/episodes/12"
    assert new.audio_url == "http://h/ep12.wav"
    assert "GLM-4.7-Flash" in new.description
    assert entries[1].meta.duration == 11.0


def test_atom_feed():
    entries = parse_feed(ATOM.encode(), "http://h/a.xml")
    assert [e.meta.title for e in entries] == ["New", "Old"]
    assert entries[0].meta.webpage_url == "http://h/new"
    assert entries[1].meta.uploader == "Ann"


@pytest.mark.parametrize(
    "body, message",
    [
        (b"<html><body>not a feed", "not a valid RSS/Atom feed"),
        (b"<?xml version='1.0'?><rss><channel><title>x</title></channel></rss>", "no episodes"),
        (b"<?xml version='1.0'?><opml/>", "not an RSS/Atom feed"),
    ],
)
def test_bad_feeds(body, message):
    with pytest.raises(FetchError, match=message):
        parse_feed(body, "http://h/f.xml")


def test_local_feed_over_http_latest(http_server, real_clips):
    for name in ("ep11.wav", "ep12.wav"):
        shutil.copy(real_clips / "en_jfk_inaugural_1961.wav", http_server.directory / name)
    http_server.route("feed.xml", RSS.format(base=http_server.base).encode(), "application/rss+xml")
    eps = list_episodes(http_server.url("feed.xml"))
    assert [m.title for m in eps] == ["第十二期", "第十一期"]
    latest = list_episodes(http_server.url("feed.xml"), latest=1)
    assert [m.title for m in latest] == ["第十二期"]


def test_feed_that_is_not_xml(http_server):
    http_server.route("feed.xml", b"{not xml", "application/rss+xml")
    with pytest.raises(FetchError, match=r"feed\.xml: not a valid RSS/Atom feed"):
        list_episodes(http_server.url("feed.xml"))


def test_download_through_ytdlp(http_server, real_clips, tmp_path):
    shutil.copy(real_clips / "en_jfk_inaugural_1961.wav", http_server.directory / "jfk.wav")
    [meta] = list_episodes(http_server.url("jfk.wav"))
    got = download(meta, tmp_path / "ep")
    assert got.audio_path.parent == tmp_path / "ep"
    assert got.audio_path.read_bytes() == (real_clips / "en_jfk_inaugural_1961.wav").read_bytes()
    assert not [p for p in (tmp_path / "ep").iterdir() if p.name.startswith(".")]


def test_a_download_that_is_not_audio_fails_and_leaves_nothing(http_server, tmp_path):
    """A URL that serves text (a sources list given to ``run`` by mistake) is refused once the
    download is in, before it takes the audio's place: no "audio.unknown_video" left behind."""
    http_server.route("sources.txt", b"https://example.com/a.mp3\n" * 50, "text/plain")
    [meta] = list_episodes(http_server.url("sources.txt"))
    with pytest.raises(FetchError, match=r"sources\.txt: the download.* is not an audio file") as err:
        download(meta, tmp_path / "ep")
    assert err.value.permanent
    assert list((tmp_path / "ep").iterdir()) == []


def test_http_404(http_server):
    with pytest.raises(FetchError, match=r"missing\.mp3: HTTP 404"):
        list_episodes(http_server.url("missing.mp3"))


def test_refused_connection():
    url = f"http://127.0.0.1:{free_port()}/ep.mp3"
    with pytest.raises(FetchError, match="cannot connect"):
        list_episodes(url)


def test_dead_host():
    with pytest.raises(FetchError, match="cannot connect"):
        list_episodes("http://no-such-host.invalid/ep.mp3", timeout=5)


def test_missing_local_file(tmp_path):
    with pytest.raises(FetchError, match="no such file"):
        list_episodes(str(tmp_path / "nope.mp3"))


@pytest.mark.parametrize("title", ["../../etc/passwd", "..", ".", "/abs/path", "a/b\\c", "", "\x00\n"])
def test_slug_is_safe(title):
    s = slugify(title)
    assert s and "/" not in s and "\\" not in s and s not in (".", "..") and not s.startswith(".")


def test_slug_keeps_chinese():
    assert slugify("AI 周末快讯 第十二期") == "ai-周末快讯-第十二期"


def test_local_file_metadata_from_tags(samples):
    [meta] = list_episodes(str(samples / "ai-weekly-12.mp3"))
    assert meta.title == "AI 周末快讯 第十二期"
    assert meta.uploader == "AI 周末快讯"
    assert meta.date == "2026-11-08"
    assert "DeepSeek-R2" in meta.description
    assert abs(meta.duration - 134.13) < 0.1


def test_local_file_without_tags_uses_its_name(real_clips):
    [meta] = list_episodes(str(real_clips / "en_jfk_inaugural_1961.wav"))
    assert meta.title == "en_jfk_inaugural_1961"
    assert abs(meta.duration - 11.0) < 0.05
