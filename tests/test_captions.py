"""Choosing a video's subtitle track from a yt-dlp info dict (no network)."""

from __future__ import annotations

import pytest

from audio2digest.sources.captions import caption_links, choose_caption, episode_language


def track(lang: str, *exts: str, host: str = "https://subs.example") -> list[dict]:
    return [{"ext": e, "url": f"{host}/{lang}.{e}", "name": lang} for e in exts]


INFO = {
    "id": "abc",
    "language": "zh",
    "subtitles": {
        "en": track("en", "json3", "srv3", "vtt", "srt"),
        "zh-Hans": track("zh-Hans", "srv1", "srt", "vtt"),
        "live_chat": [{"ext": "json", "url": "https://subs.example/chat.json"}],
    },
    "automatic_captions": {
        "zh-orig": track("zh-orig", "json3", "vtt"),
        "fr": track("fr", "vtt"),
    },
}


def test_human_track_in_the_episode_language_with_the_preferred_format():
    t = choose_caption(INFO)
    assert (t.language, t.ext, t.automatic) == ("zh-Hans", "vtt", False)
    assert t.url == "https://subs.example/zh-Hans.vtt" and t.mime == "text/vtt"


def test_srt_when_there_is_no_vtt():
    info = {**INFO, "subtitles": {"zh": track("zh", "srv1", "srt", "ttml")}}
    t = choose_caption(info)
    assert (t.language, t.ext) == ("zh", "srt") and t.mime == "application/x-subrip"


def test_exact_language_code_before_a_variant():
    info = {**INFO, "subtitles": {"zh-Hant": track("zh-Hant", "vtt"), "zh": track("zh", "vtt")}}
    assert choose_caption(info).language == "zh"


def test_the_users_language_wins_over_the_info_dict():
    assert choose_caption(INFO, language="en").language == "en"


def test_automatic_captions_only_when_allowed_and_only_in_the_episode_language():
    info = {**INFO, "subtitles": {"en": track("en", "vtt")}}  # a translation, not the episode's
    assert choose_caption(info) is None
    t = choose_caption(info, allow_automatic=True)
    assert (t.language, t.ext, t.automatic) == ("zh", "vtt", True)  # the -orig track, as zh
    # a human track in the language beats the automatic one even when allowed
    assert choose_caption(INFO, allow_automatic=True).automatic is False


def test_language_unknown():
    one = {"subtitles": {"de": track("de", "vtt")}, "automatic_captions": {"en": track("en", "vtt")}}
    assert episode_language(one) == ""
    assert choose_caption(one).language == "de"  # the uploader's only track
    two = {"subtitles": {"de": track("de", "vtt"), "fr": track("fr", "vtt")}}
    assert choose_caption(two) is None  # which one is spoken? do not guess
    assert choose_caption({"automatic_captions": {"en": track("en", "vtt")}}, allow_automatic=True) is None


def test_episode_language_from_the_orig_track():
    assert episode_language({"automatic_captions": {"fr": [], "ja-orig": []}}) == "ja"
    assert episode_language({"language": "ko"}, "zh") == "zh"


def test_unusable_tracks_are_skipped():
    info = {
        "language": "en",
        "subtitles": {
            "en": [
                {"ext": "vtt", "url": "file:///etc/passwd"},
                {"ext": "vtt"},
                "junk",
                {"ext": "json3", "url": "https://x/en.json3"},
            ],
            "live_chat": track("live_chat", "vtt"),
        },
    }
    assert choose_caption(info) is None
    assert choose_caption({"subtitles": "nonsense", "automatic_captions": None}) is None
    assert choose_caption(None) is None  # type: ignore[arg-type]


def test_caption_links_for_the_metadata():
    links = caption_links(INFO)
    assert [(x["language"], x["automatic"], x["origin"]) for x in links] == [
        ("zh-Hans", False, "captions"),
        ("zh", True, "captions"),
    ]
    assert caption_links({"id": "x"}) == []


def test_video_subtitles_become_the_transcript_and_auto_captions_need_the_flag():
    from audio2digest.sources.transcripts import publisher_transcript
    from audio2digest.types import EpisodeMeta

    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n大家好。\n"
    fetched = []

    def fetch(url):
        fetched.append(url)
        return vtt

    meta = EpisodeMeta(
        "https://video.example/v", source_language="zh", transcripts=tuple(caption_links(INFO))
    )
    t = publisher_transcript(meta, fetch=fetch)
    assert t.origin["kind"] == "captions" and fetched == ["https://subs.example/zh-Hans.vtt"]
    only_auto = EpisodeMeta(
        "https://video.example/v",
        source_language="zh",
        transcripts=tuple(caption_links({**INFO, "subtitles": {}})),
    )
    assert publisher_transcript(only_auto, fetch=fetch) is None
    from audio2digest.errors import TranscriptSourceError

    with pytest.raises(TranscriptSourceError, match="only automatic captions: --allow-auto-captions"):
        publisher_transcript(only_auto, mode="publisher", fetch=fetch)
    t = publisher_transcript(only_auto, allow_automatic=True, fetch=fetch)
    assert t.origin["automatic"] is True and fetched[-1] == "https://subs.example/zh-orig.vtt"


PAGE = """<!DOCTYPE html><html><head><title>AI weekly 12</title></head><body>
<video controls src="ep.mp3"><track kind="subtitles" src="ep.vtt" srclang="zh" label="中文"></video>
</body></html>"""


def test_run_on_a_page_whose_video_has_subtitles(http_server, tmp_path):
    """yt-dlp reads the page's <track> into the info dict's ``subtitles``; `run` uses that
    track instead of transcribing (end to end: listing, download, choice, fetch, parse)."""
    import json

    from click.testing import CliRunner
    from conftest import SAMPLES
    from test_transcripts import vtt_from_gold

    from audio2digest.cli import main

    gold = json.loads((SAMPLES / "ai-weekly-12.gold.json").read_text("utf-8"))
    http_server.route("ep.mp3", (SAMPLES / "ai-weekly-12.mp3").read_bytes(), "audio/mpeg")
    http_server.route("ep.vtt", vtt_from_gold(gold).encode(), "text/vtt")
    http_server.route("page.html", PAGE.encode(), "text/html; charset=utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "run",
            http_server.url("page.html"),
            "-o",
            str(out),
            "-f",
            "json",
            "--transcript-source",
            "publisher",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "(captions transcript, not transcribed)" in result.output
    [ep] = [p for p in out.iterdir() if p.is_dir()]
    t = json.loads((ep / "transcript.json").read_text("utf-8"))
    assert t["origin"]["kind"] == "captions" and t["origin"]["url"] == http_server.url("ep.vtt")
    assert t["language"] == "zh"
    starts = [i["start"] for i in json.loads((ep / "digest.json").read_text("utf-8"))["items"]]
    assert starts[1] == pytest.approx(gold["items"][1]["start"], abs=0.01)
