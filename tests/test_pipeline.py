"""The whole `run` command, end to end, on real audio served from 127.0.0.1."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import assert_heard

from audio2digest.cli import main
from audio2digest.errors import InputError
from audio2digest.pipeline import episode_dir, read_transcript
from audio2digest.types import EpisodeMeta

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Speeches</title>
<item><title>Inaugural address</title><pubDate>Fri, 20 Jan 1961 12:00:00 +0000</pubDate>
  <enclosure url="{base}/jfk.wav" type="audio/wav"/><link>{base}/jfk</link>
  <description>Ask not</description></item>
<item><title>Hospital report</title><pubDate>Thu, 19 Jan 1961 12:00:00 +0000</pubDate>
  <enclosure url="{base}/hospital.ogg" type="audio/ogg"/></item>
</channel></rss>"""


@pytest.mark.slow
def test_run_feed_and_bad_sources(http_server, real_clips, tmp_path):
    shutil.copy(real_clips / "en_jfk_inaugural_1961.wav", http_server.directory / "jfk.wav")
    shutil.copy(real_clips / "en_fleurs_005_hospital.ogg", http_server.directory / "hospital.ogg")
    http_server.route("feed.xml", FEED.format(base=http_server.base).encode(), "application/rss+xml")
    not_audio = tmp_path / "notes.mp3"
    not_audio.write_text("these are show notes, not audio\n" * 50)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "run",
            http_server.url("feed.xml"),
            http_server.url("gone.mp3"),
            str(not_audio),
            "--latest",
            "1",
            "-o",
            str(out),
            "-f",
            "json",
            "-f",
            "md",
            "-f",
            "srt",
            "-f",
            "vtt",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "1 done, 2 failed" in result.output
    assert f"failed {http_server.url('gone.mp3')}: HTTP 404" in result.output
    assert "notes.mp3: not an audio file" in result.output and "Errno" not in result.output

    [ep] = [p for p in out.iterdir() if p.is_dir()]  # --latest 1: only the newest episode
    assert ep.name == "inaugural-address"
    t = json.loads((ep / "transcript.json").read_text("utf-8"))
    assert t["schema"] == "audio2digest/transcript@1"
    assert t["episode"]["title"] == "Inaugural address"
    assert t["episode"]["date"] == "1961-01-20"
    assert t["episode"]["webpage_url"] == http_server.url("jfk")
    assert t["language"] == "en" and t["model"].startswith("whisper-base")
    words = [w for s in t["segments"] for w in s["words"]]
    assert words and all(0 <= w["start"] <= w["end"] <= 11.1 for w in words)
    reference = (real_clips / "en_jfk_inaugural_1961.txt").read_text("utf-8")
    assert_heard(reference, " ".join(s["text"] for s in t["segments"]), 0.15)  # WER 0.0 locked
    d = json.loads((ep / "digest.json").read_text("utf-8"))
    assert d["schema"] == "audio2digest/digest@1"
    assert d["episode"]["title"] == "Inaugural address" and d["episode"]["language"] == "en"
    assert d["items"] and {
        "index",
        "kind",
        "title",
        "summary",
        "text",
        "start",
        "end",
        "entities",
        "category",
    } <= set(d["items"][0])
    assert (ep / "transcript.srt").read_text().startswith("1\n00:00:")
    assert (ep / "transcript.vtt").read_text().startswith("WEBVTT")
    assert (ep / "digest.md").read_text("utf-8").startswith("---\n")
    assert not [p for p in ep.rglob(".*")], "temp files left behind"

    # Again with a new glossary: the transcript is reused, correction re-runs.
    glossary = tmp_path / "terms.txt"
    glossary.write_text("# test terms\nFellow Americans | fellow americans\n", "utf-8")
    before = (ep / "transcript.raw.json").stat().st_mtime_ns
    result = CliRunner().invoke(
        main, ["run", http_server.url("feed.xml"), "--latest", "1", "-o", str(out), "-g", str(glossary)]
    )
    assert result.exit_code == 0, result.output
    assert "(transcript reused)" in result.output
    assert (ep / "transcript.raw.json").stat().st_mtime_ns == before
    t2 = read_transcript(ep / "transcript.json")
    assert any(c.after == "Fellow Americans" for c in t2.corrections), t2.corrections


def test_slug_collision_gets_suffix(tmp_path):
    a = EpisodeMeta(source="a.mp3", title="Same title")
    d = episode_dir(tmp_path, a)
    d.mkdir()
    (d / "source.json").write_text(json.dumps({"episode": a.to_dict()}))
    assert episode_dir(tmp_path, a) == d
    other = episode_dir(tmp_path, EpisodeMeta(source="b.mp3", title="Same title"))
    assert other != d and other.name.startswith("same-title-")


def test_hostile_title_stays_inside_out(tmp_path):
    d = episode_dir(tmp_path, EpisodeMeta(source="x", title="../../../etc/cron.d/evil"))
    assert d.parent == tmp_path


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("{not json", "not a transcript.json"),
        ('{"schema": "audio2digest/digest@1"}', "not a transcript.json"),
    ],
)
def test_read_transcript_errors(tmp_path, content, message):
    p = tmp_path / "transcript.json"
    if content is not None:
        p.write_text(content)
    with pytest.raises(InputError, match=message):
        read_transcript(p)


NAMES = (
    "Model Roundup",
    "Mistral",
    "Magistral",
    "DeepMind",
    "Genie",
    "Perplexity",
    "Comet",
    "Cerebras",
    "Oklahoma City",
    "Maverick",
)


@pytest.mark.slow
def test_run_bundled_sample_end_to_end(tmp_path):
    """`run` on the bundled English sample with the real embedded model: needs nothing beside
    the repository (the other real-audio tests use ../shared)."""
    from conftest import SAMPLES

    result = CliRunner().invoke(
        main,
        [
            "run",
            str(SAMPLES / "model-roundup-31.mp3"),
            "-o",
            str(tmp_path),
            "-f",
            "json",
            "-f",
            "srt",
            "-f",
            "md",
        ],
    )
    assert result.exit_code == 0, result.output
    [ep] = [p for p in tmp_path.iterdir() if p.is_dir()]
    t = read_transcript(ep / "transcript.json")
    assert t.language == "en" and t.episode.title == "The Weekly Model Roundup, episode 31"
    script = " ".join(json.loads((SAMPLES / "model-roundup-31.items.json").read_text("utf-8"))["items"])
    # WER 0.07 with the locked versions (ctranslate2 4.8.5, onnxruntime 1.32, av 18.1); names a
    # newer decoder may spell differently are counted, none is required on its own
    rate = assert_heard(script, t.text, 0.35, names=NAMES, min_names=len(NAMES) - 3)
    print(f"WER {rate:.3f}")
    assert t.segments[-1].end > 60  # the last sentence (dropped without repair) is there
    d = json.loads((ep / "digest.json").read_text("utf-8"))
    assert len(d["items"]) >= 3 and all(i["end"] > i["start"] for i in d["items"])
    terms = {e["term"] for i in d["items"] for e in i["entities"]}
    assert (
        len(
            terms
            & {"Google DeepMind", "DeepMind", "Mistral AI", "Perplexity", "Cerebras", "Llama 4", "Magistral"}
        )
        >= 2
    ), terms
    assert (ep / "transcript.srt").read_text("utf-8").startswith("1\n")
    assert not [p for p in ep.rglob(".*")], "temp files left behind"
