"""Hostile and broken sources: remote documents naming local files, servers that stall,
redirect loops, web pages where media should be, untrusted metadata text."""

from __future__ import annotations

import shutil
import time

import pytest

from audio2digest.errors import FetchError
from audio2digest.sources.fetch import (
    DownloadOptions,
    clean_meta,
    clean_text,
    clean_url,
    download,
    list_episodes,
    parse_feed,
)
from audio2digest.types import EpisodeMeta

# Small limits so a stalled server is caught in about a second (the defaults are minutes).
FAST = DownloadOptions(connect_timeout=5, stall_window=1.0, stall_bytes=1000, total_timeout=30)

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Show</title>
<item><title>{title}</title><pubDate>Sat, 08 Nov 2026 08:00:00 +0000</pubDate>
  <link>{link}</link><enclosure url="{url}" type="audio/mpeg" length="1"/><guid>g1</guid></item>
</channel></rss>"""


def feed(url: str, title: str = "Ep", link: str = "") -> bytes:
    return FEED.format(url=url, title=title, link=link).encode()


def no_downloads_left(d):
    return not d.exists() or not [p for p in d.iterdir() if p.name.startswith(".download-")]


# ---------------------------------------------------------------- local files via remote documents


@pytest.mark.parametrize(
    "enclosure",
    [
        "file:///etc/passwd",
        "file:/etc/passwd",
        "file://localhost/dev/zero",
        "FILE:///etc/passwd",
        "C:\\Windows\\ep.mp3",
        "javascript:alert(1)",
        "ftp://h/ep.mp3",
        "data:audio/mp3;base64,AAAA",
    ],
)
def test_remote_feed_may_only_name_http_media(http_server, enclosure):
    http_server.route("feed.xml", feed(enclosure), "application/rss+xml")
    url = http_server.url("feed.xml")
    with pytest.raises(FetchError) as err:
        list_episodes(url)
    msg = str(err.value)
    assert msg.startswith(url) and repr(enclosure) in msg and "\n" not in msg
    assert "not an http(s) URL" in msg
    assert err.value.permanent


@pytest.mark.parametrize(
    "enclosure, resolved",
    [
        ("media/ep1.mp3", "/pod/media/ep1.mp3"),
        ("ep 1.mp3", "/pod/ep%201.mp3"),
        ("../ep.mp3", "/ep.mp3"),
        # a path is a path on the feed's own server, never on this machine
        ("/etc/passwd", "/etc/passwd"),
        ("../../dev/zero", "/dev/zero"),
        ("?id=3", "/pod/feed.xml?id=3"),
    ],
)
def test_remote_feed_relative_enclosure_resolves_against_the_feed_url(http_server, enclosure, resolved):
    """A relative enclosure is a URL reference (RFC 3986): it names media on the web relative to
    the feed, and is then checked like an absolute one."""
    http_server.route("pod/feed.xml", feed(enclosure), "application/rss+xml")
    [meta] = list_episodes(http_server.url("pod/feed.xml"))
    assert meta.source == meta.audio_url == http_server.base + resolved


def test_remote_feed_relative_enclosure_downloads(http_server, real_clips, tmp_path):
    clip = real_clips / "en_jfk_inaugural_1961.wav"
    http_server.route("pod/media/ep1.wav", clip.read_bytes(), "audio/wav")
    http_server.route("pod/feed.xml", feed("media/ep1.wav"), "application/rss+xml")
    [meta] = list_episodes(http_server.url("pod/feed.xml"))
    got = download(meta, tmp_path / "out")
    assert got.audio_path.read_bytes() == clip.read_bytes()


def test_remote_feed_relative_enclosure_is_relative_to_the_redirected_url(http_server):
    http_server.route("new/feed.xml", feed("ep1.mp3"), "application/rss+xml")
    http_server.redirect("old.xml", http_server.url("new/feed.xml"))
    [meta] = list_episodes(http_server.url("old.xml"))
    assert meta.source == http_server.url("new/ep1.mp3")


def test_remote_feed_read_in_full_checks_enclosures_too(http_server):
    # larger than the probe: the feed is read a second time, in full
    pad = "<!--" + "x" * 70000 + "-->"
    body = pad.encode() + b"<channel>"
    http_server.route(
        "big.xml", feed("file:///etc/passwd").replace(b"<channel>", body), "application/rss+xml"
    )
    with pytest.raises(FetchError, match="not an http"):
        list_episodes(http_server.url("big.xml"))
    http_server.route("pod/big.xml", feed("ep.mp3").replace(b"<channel>", body), "application/rss+xml")
    http_server.redirect("old-big.xml", http_server.url("pod/big.xml"))
    assert list_episodes(http_server.url("old-big.xml"))[0].source == http_server.url("pod/ep.mp3")


def test_parse_feed_without_base_dir_is_remote():
    with pytest.raises(FetchError, match=r"'file:///etc/passwd' is not an http\(s\) URL"):
        parse_feed(feed("file:///etc/passwd"), "http://h/f.xml")
    # relative: a URL on the feed's host, not the local file
    assert parse_feed(feed("/etc/passwd"), "http://h/f.xml")[0].meta.source == "http://h/etc/passwd"


def test_local_feed_may_name_local_files(tmp_path, real_clips):
    clip = real_clips / "en_jfk_inaugural_1961.wav"
    (tmp_path / "media").mkdir()
    shutil.copy(clip, tmp_path / "media" / "ep.wav")
    f = tmp_path / "feed.xml"
    f.write_bytes(feed("media/ep.wav", title="Local one"))
    [meta] = list_episodes(str(f))
    assert meta.title == "Local one"
    assert meta.source == str((tmp_path / "media" / "ep.wav").resolve())
    got = download(meta, tmp_path / "out")
    assert got.audio_path.read_bytes() == clip.read_bytes()
    f.write_bytes(feed((tmp_path / "media" / "ep.wav").as_uri()))
    assert list_episodes(str(f))[0].source == str(tmp_path / "media" / "ep.wav")


def test_local_feed_percent_encoded_relative_enclosure(tmp_path):
    """A relative enclosure is a URL reference: "ep%201.wav" names "ep 1.wav" (a file really
    named with a % is still found as it is)."""
    (tmp_path / "ep 1.wav").write_bytes(b"x")
    (tmp_path / "100%25 raw.wav").write_bytes(b"x")
    f = tmp_path / "feed.xml"
    f.write_bytes(feed("ep%201.wav"))
    assert list_episodes(str(f))[0].source == str((tmp_path / "ep 1.wav").resolve())
    f.write_bytes(feed("100%25 raw.wav"))
    assert list_episodes(str(f))[0].source == str((tmp_path / "100%25 raw.wav").resolve())


@pytest.mark.parametrize(
    "enclosure, message",
    [
        ("/dev/zero", "not a regular file"),
        ("missing.mp3", "no such file"),
        ("empty.mp3", "empty file"),
        (".", "is a directory"),
    ],
)
def test_local_feed_enclosures_are_checked_like_input_files(tmp_path, enclosure, message):
    (tmp_path / "empty.mp3").write_bytes(b"")
    f = tmp_path / "feed.xml"
    f.write_bytes(feed(enclosure))
    [meta] = list_episodes(str(f))
    t0 = time.monotonic()
    with pytest.raises(FetchError, match=message) as err:
        download(meta, tmp_path / "out")
    assert time.monotonic() - t0 < 5 and err.value.permanent


def test_local_device_source_is_refused():
    with pytest.raises(FetchError, match="/dev/zero: not a regular file"):
        list_episodes("/dev/zero")


def test_page_whose_media_is_a_local_file_is_refused(http_server, tmp_path):
    # yt-dlp's generic extractor finds <audio> in a page: a file: src must not be fetched
    page = b"<html><body><audio src='file:///etc/passwd' type='audio/mpeg'></audio></body></html>"
    http_server.route("page.html", page, "text/html")
    meta = EpisodeMeta(source=http_server.url("page.html"))
    with pytest.raises(FetchError) as err:
        download(meta, tmp_path / "ep", limits=FAST)
    assert "\n" not in str(err.value) and "/etc/passwd" not in _read_files(tmp_path)
    assert no_downloads_left(tmp_path / "ep")


def _read_files(d) -> str:
    return "".join(p.read_text("latin-1") for p in d.rglob("*") if p.is_file())


def test_page_with_http_media_downloads_through_ytdlp(http_server, real_clips, tmp_path):
    shutil.copy(real_clips / "en_jfk_inaugural_1961.wav", http_server.directory / "jfk.wav")
    page = (
        f"<html><head><title>JFK</title></head><body><audio src='{http_server.url('jfk.wav')}' "
        "type='audio/wav'></audio></body></html>"
    ).encode()
    http_server.route("page.html", page, "text/html")
    got = download(EpisodeMeta(source=http_server.url("page.html")), tmp_path / "ep", limits=FAST)
    assert got.audio_path.read_bytes() == (real_clips / "en_jfk_inaugural_1961.wav").read_bytes()
    assert no_downloads_left(tmp_path / "ep")


def test_redirect_to_a_local_file_is_refused(http_server):
    http_server.redirect("ep.mp3", "file:///etc/passwd")
    with pytest.raises(FetchError) as err:
        list_episodes(http_server.url("ep.mp3"), limits=FAST)
    assert "\n" not in str(err.value) and "http(s)" in str(err.value) and err.value.permanent


# ---------------------------------------------------------------- stalls and limits


def test_trickling_download_is_reported_stalled(http_server, tmp_path):
    http_server.trickle("slow.mp3", head=b"ID3" + b"\0" * 100, byte_every=0.2, for_seconds=6)
    meta = EpisodeMeta(source=http_server.url("slow.mp3"), audio_url=http_server.url("slow.mp3"))
    t0 = time.monotonic()
    with pytest.raises(FetchError) as err:
        download(meta, tmp_path / "ep", limits=FAST)
    took = time.monotonic() - t0
    msg = str(err.value)
    assert "stalled (" in msg and " bytes in 1 s)" in msg and "cannot connect" not in msg
    assert took < 4 and not err.value.permanent
    assert no_downloads_left(tmp_path / "ep")


def test_server_that_sends_nothing_after_headers_is_stalled(http_server, tmp_path):
    http_server.trickle("dead.mp3", byte_every=10, for_seconds=3)
    with pytest.raises(FetchError, match=r"stalled \(0 bytes in \d s\)"):
        download(
            EpisodeMeta(source=http_server.url("dead.mp3")),
            tmp_path / "ep",
            limits=DownloadOptions(connect_timeout=1, stall_window=1, stall_bytes=1000),
        )
    assert no_downloads_left(tmp_path / "ep")


def test_total_download_time_is_bounded(http_server, tmp_path):
    # fast enough never to stall, but longer than the total limit
    http_server.trickle("long.mp3", byte_every=0.05, for_seconds=5)
    lim = DownloadOptions(connect_timeout=5, stall_window=5, stall_bytes=1, total_timeout=1)
    with pytest.raises(FetchError, match=r"took longer than 1 s .*--download-timeout"):
        download(EpisodeMeta(source=http_server.url("long.mp3")), tmp_path / "ep", limits=lim)
    assert no_downloads_left(tmp_path / "ep")


def test_trickling_feed_is_stalled_not_hung(http_server):
    http_server.trickle(
        "feed.xml",
        head=b"<?xml version='1.0'?><rss>",
        ctype="application/rss+xml",
        byte_every=0.2,
        for_seconds=6,
    )
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="stalled"):
        list_episodes(http_server.url("feed.xml"), limits=FAST)
    assert time.monotonic() - t0 < 4


def test_endless_feed_is_refused(http_server):
    big = b"<?xml version='1.0'?><rss><channel>" + b" " * 300_000
    http_server.route("feed.xml", big, "application/rss+xml")
    with pytest.raises(FetchError, match="feed larger than"):
        list_episodes(http_server.url("feed.xml"), limits=DownloadOptions(max_feed_bytes=100_000))


def test_truncated_download_is_an_error(http_server, tmp_path):
    def short(h):
        h.send_response(200)
        h.send_header("Content-Type", "audio/mpeg")
        h.send_header("Content-Length", "5000")
        h.end_headers()
        h.wfile.write(b"\0" * 100)

    http_server.route_fn("short.mp3", short)
    with pytest.raises(FetchError, match="broke off after 100 of 5000 bytes"):
        download(EpisodeMeta(source=http_server.url("short.mp3")), tmp_path / "ep", limits=FAST)
    assert no_downloads_left(tmp_path / "ep")


def test_interrupted_download_leaves_no_part_files(http_server, tmp_path):
    http_server.trickle("slow.mp3", byte_every=0.05, for_seconds=3)
    seen = []

    def progress(p):
        seen.append(p)
        if p.done > 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download(
            EpisodeMeta(source=http_server.url("slow.mp3")), tmp_path / "ep", progress=progress, limits=FAST
        )
    assert seen and no_downloads_left(tmp_path / "ep")


# ---------------------------------------------------------------- messages


def test_redirect_loop_is_one_line(http_server):
    http_server.redirect("a.mp3", "/b.mp3")
    http_server.redirect("b.mp3", "/a.mp3")
    with pytest.raises(FetchError) as err:
        list_episodes(http_server.url("a.mp3"), limits=FAST)
    msg = str(err.value)
    assert "redirect loop" in msg and "\n" not in msg and err.value.permanent


def test_html_enclosure_says_web_page(http_server, tmp_path):
    http_server.route("episode.html", b"<html><body><p>Listen on our site</p></body></html>", "text/html")
    http_server.route("feed.xml", feed(http_server.url("episode.html")), "application/rss+xml")
    [meta] = list_episodes(http_server.url("feed.xml"))
    with pytest.raises(FetchError) as err:
        download(meta, tmp_path / "ep", limits=FAST)
    msg = str(err.value)
    assert "a web page (text/html), not audio or video media" in msg
    assert "Unsupported URL" not in msg and err.value.permanent
    assert no_downloads_left(tmp_path / "ep")


@pytest.mark.parametrize(
    "status, permanent", [(404, True), (410, True), (403, True), (500, False), (503, False), (429, False)]
)
def test_http_errors_permanent_or_transient(http_server, status, permanent):
    http_server.route("ep.mp3", b"no", "text/plain", status=status)
    with pytest.raises(FetchError, match=f"HTTP {status}") as err:
        list_episodes(http_server.url("ep.mp3"), limits=FAST)
    assert err.value.permanent is permanent


def test_permanence_survives_pickling():
    import pickle

    err = pickle.loads(pickle.dumps(FetchError("x: HTTP 404", permanent=True)))
    assert err.permanent and str(err) == "x: HTTP 404"


# ---------------------------------------------------------------- untrusted metadata


def test_feed_metadata_is_cleaned(http_server):
    title = "&lt;script&gt;alert(1)&lt;/script&gt;Ep red &#x202e;evil&#x202c;"
    http_server.route(
        "feed.xml",
        feed(http_server.url("ep.mp3"), title=title, link="javascript:alert(1)"),
        "application/rss+xml",
    )
    [meta] = list_episodes(http_server.url("feed.xml"))
    assert "<script" not in meta.title and "\u202e" not in meta.title
    assert "Ep red" in meta.title and "evil" in meta.title
    assert meta.webpage_url == http_server.url("ep.mp3")  # javascript: dropped


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://a.example/x?y=1", True),
        ("http://h/p", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("file:///etc/passwd", False),
        ("/etc/passwd", False),
        ("data:text/html,x", False),
        ("http://h/a b", False),
        ("http:///nohost", False),
        ("", False),
    ],
)
def test_clean_url(url, ok):
    assert clean_url(url) == (url if ok else "")


def test_clean_text_keeps_plain_text():
    assert clean_text("AI 周末快讯 a < b, 3 > 2") == "AI 周末快讯 a < b, 3 > 2"
    assert clean_text("Ep \x1b[31mred\x1b[0m\r\nnext") == "Ep [31mred [0m next"
    assert clean_text("x" * 1000, limit=10) == "x" * 10
    assert clean_text("a\n\nb", multiline=True) == "a\n\nb"


def test_clean_meta_drops_bad_urls():
    m = clean_meta(
        EpisodeMeta(
            source="http://h/a.mp3", webpage_url="javascript:x", audio_url="file:///etc/passwd", date="<b>"
        )
    )
    assert m.webpage_url == "" and m.audio_url == "" and m.date == ""


# ---------------------------------------------------------------- run and batch


def _downloads_under(root):
    return [p for p in root.rglob(".download-*")]


def test_run_reports_a_stall_and_leaves_no_part_files(http_server, tmp_path):
    from click.testing import CliRunner

    from audio2digest.cli import main

    # more than the listing probe reads (64 KiB), then a trickle: the download stalls
    http_server.trickle("slow.mp3", head=b"\0" * 70000, byte_every=0.2, for_seconds=5)
    out = tmp_path / "out"
    stale = out / "slow" / ".download-old"  # what a killed earlier run left
    stale.mkdir(parents=True)
    (stale / "audio.part").write_bytes(b"half")
    t0 = time.monotonic()
    res = CliRunner().invoke(
        main,
        ["run", http_server.url("slow.mp3"), "-o", str(out), "--stall-timeout", "1", "--no-default-glossary"],
    )
    assert time.monotonic() - t0 < 5
    assert res.exit_code == 1
    assert "download stalled (" in res.output and "cannot connect" not in res.output
    assert not _downloads_under(out)


def test_run_interrupted_mid_download_leaves_no_part_files(http_server, tmp_path):
    from audio2digest.pipeline import run
    from audio2digest.stages import RunOptions

    http_server.trickle("slow.mp3", head=b"\0" * 70000, byte_every=0.05, for_seconds=3)

    def progress(p):
        if p.stage == "fetch" and p.done > 70000:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run(
            [http_server.url("slow.mp3")],
            out,
            RunOptions(use_default_glossary=False, download=FAST),
            progress=progress,
        )
    assert not _downloads_under(out)


def test_batch_stall_is_transient_and_cleaned(http_server, tmp_path):
    from fakes import FakeTranscriber

    from audio2digest.batch.ledger import Ledger
    from audio2digest.batch.scheduler import run_batch
    from audio2digest.stages import RunOptions

    http_server.trickle("slow.mp3", head=b"\0" * 70000, byte_every=0.2, for_seconds=5)
    sources = tmp_path / "s.txt"
    sources.write_text(http_server.url("slow.mp3") + "\n")
    out = tmp_path / "out"
    s = run_batch(
        sources,
        out,
        RunOptions(use_default_glossary=False, download=FAST),
        backoff=3600,
        transcriber=FakeTranscriber(),
    )
    assert s.failed == 1 and "download stalled (" in s.episodes[0].error
    assert not _downloads_under(out)
    with Ledger.open_readonly(out) as ledger:
        rec = ledger.episode(http_server.url("slow.mp3"))
        assert rec.state == "failed" and rec.next_retry_at is not None  # retried after backoff


def test_page_listing_refuses_local_media_entries(http_server):
    page = (
        b"<html><body><audio src='file:///etc/passwd'></audio>"
        b"<audio src='file:///etc/hosts'></audio></body></html>"
    )
    http_server.route("p.html", page, "text/html")
    with pytest.raises(FetchError, match=r"playlist entry 'file:///etc/passwd' is not an http\(s\) URL"):
        list_episodes(http_server.url("p.html"), limits=FAST)


def test_sigterm_during_run_download_cleans_up(http_server, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from conftest import ROOT

    http_server.trickle("slow.mp3", head=b"\0" * 70000, byte_every=0.1, for_seconds=20)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "audio2digest",
            "run",
            http_server.url("slow.mp3"),
            "-o",
            str(out),
            "--no-default-glossary",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not _downloads_under(out):
            time.sleep(0.05)
        assert _downloads_under(out), "the download never started"
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=15)[0].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130 and "Interrupted." in output and "Traceback" not in output
    assert not _downloads_under(out)


def test_octet_stream_enclosure_downloads_directly(http_server, real_clips, tmp_path):
    data = (real_clips / "en_jfk_inaugural_1961.wav").read_bytes()
    http_server.route("media/12345", data, "application/octet-stream")
    [meta] = list_episodes(http_server.url("media/12345"), limits=FAST)
    assert meta.audio_url == meta.source  # listed as media: downloaded directly, no extractor
    got = download(meta, tmp_path / "ep", limits=FAST)
    assert got.audio_path.read_bytes() == data and got.audio_path.name == "audio.bin"


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_watchdog_catches_a_stall_one_window_after_good_progress():
    from audio2digest.sources.fetch import Watchdog

    clock = FakeClock()
    w = Watchdog("http://h/ep.mp3", DownloadOptions(stall_window=10, stall_bytes=1000), clock=clock)
    n = 0
    for _ in range(5):  # 100 KB in half a second
        clock.t += 0.1
        n += 20_000
        w.check(n)
    with pytest.raises(FetchError, match=r"ep\.mp3: download stalled \(10 bytes in 10 s\)"):
        while clock.t < 30:
            clock.t += 1.0
            n += 1
            w.check(n)
    assert 10.4 < clock.t < 10.6  # one window after the progress stopped, not two


def test_watchdog_lets_a_slow_steady_download_go_on():
    from audio2digest.sources.fetch import Watchdog

    clock = FakeClock()
    w = Watchdog("u", DownloadOptions(stall_window=10, stall_bytes=1000), clock=clock)
    for i in range(1, 600):  # 150 bytes every 1.4 s: ~1070 bytes per window, 14 minutes
        clock.t += 1.4
        w.check(150 * i)


def test_watchdog_total_limit():
    from audio2digest.sources.fetch import Watchdog

    clock = FakeClock()
    w = Watchdog("u", DownloadOptions(total_timeout=100), clock=clock)
    clock.t = 100.5
    with pytest.raises(FetchError, match="took longer than 100 s"):
        w.check(10**9)


def test_trickling_media_found_in_a_page_is_stalled(http_server, tmp_path):
    http_server.trickle("slow.wav", ctype="audio/wav", byte_every=0.2, for_seconds=8)
    page = f"<html><body><audio src='{http_server.url('slow.wav')}'></audio></body></html>".encode()
    http_server.route("page.html", page, "text/html")
    t0 = time.monotonic()
    with pytest.raises(FetchError, match=r"slow\.wav: download stalled"):
        download(EpisodeMeta(source=http_server.url("page.html")), tmp_path / "ep", limits=FAST)
    assert time.monotonic() - t0 < 6
    assert no_downloads_left(tmp_path / "ep")


def test_enclosure_with_control_characters_is_refused(http_server):
    # U+009B (CSI) is allowed in XML and starts a terminal escape sequence
    http_server.route("feed.xml", feed("http://h/ep.mp3&#x9b;2J"), "application/rss+xml")
    with pytest.raises(FetchError, match="control characters"):
        list_episodes(http_server.url("feed.xml"))


def test_a_url_with_a_bad_port_or_credentials_is_no_web_url():
    from audio2digest.sources.fetch import is_web_url

    assert is_web_url("http://host.example:8080/a.mp3")
    for bad in ("http://h:x/a.mp3", "http://u:p@h/a.mp3", "http://u@h/a.mp3", "http://:80/a.mp3"):
        assert not is_web_url(bad), bad


def test_a_redirected_feeds_relative_transcript_links_resolve_against_where_it_moved():
    from audio2digest.sources.fetch import parse_feed

    feed = (
        b'<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><item>'
        b'<title>One</title><enclosure url="ep1.mp3" type="audio/mpeg"/>'
        b'<podcast:transcript url="ep1.vtt" type="text/vtt"/></item></channel></rss>'
    )
    [e] = parse_feed(feed, "http://old.example/feed.xml", base_url="http://new.example/pod/feed.xml")
    assert e.meta.audio_url == "http://new.example/pod/ep1.mp3"
    assert [t["url"] for t in e.meta.transcripts] == ["http://new.example/pod/ep1.vtt"]


def test_a_broken_extractor_timestamp_gives_no_date():
    from audio2digest.sources.fetch import meta_from_info

    for ts in (1e20, float("nan"), True):
        m = meta_from_info({"title": "x", "timestamp": ts}, "https://example.com/v")
        assert m.date == "" and m.published == "", ts
