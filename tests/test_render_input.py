"""``render`` on a digest.json from elsewhere: every field checked before anything is written,
and untrusted metadata kept out of digest.md's front matter."""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml
from click.testing import CliRunner

from audio2digest.cli import main
from audio2digest.types import Digest, Entity, EpisodeMeta, Item, RecordError, validate_digest


def good_digest() -> dict:
    items = (
        Item(0, "intro", "Intro", "", "Hello and welcome.", 0.0, 2.0),
        Item(
            1,
            "news",
            "Model news",
            "A model came out.",
            "A new model came out today.",
            2.0,
            9.5,
            entities=(Entity("OpenAI", "company"),),
            category="models",
            keywords=("model",),
        ),
    )
    d = Digest(
        EpisodeMeta("https://example.com/ep.mp3", title="Ep 1", webpage_url="https://example.com/1"),
        "en",
        items,
        duration=10.0,
    )
    return d.to_dict()


BREAK = [
    (
        lambda d: d["items"][1].__setitem__("start", "2.0"),
        "items[1].start: expected a finite number, got a string '2.0'",
    ),
    (
        lambda d: d["items"][1].__setitem__("title", {"text": "x"}),
        "items[1].title: expected a string, got an object",
    ),
    (lambda d: d["items"][0].__setitem__("index", 1.5), "items[0].index: expected an integer"),
    (
        lambda d: d["items"][1]["entities"].__setitem__(0, "OpenAI"),
        "items[1].entities[0]: expected an object",
    ),
    (lambda d: d["items"][1].__setitem__("keywords", "model"), "items[1].keywords: expected a list"),
    (lambda d: d["items"][1].__setitem__("kind", "ad"), "items[1].kind: expected one of news, intro, outro"),
    (lambda d: d["items"][1].__setitem__("end", 1.0), "items[1]: start/end must be >= 0 and start <= end"),
    (lambda d: d["items"][1].pop("text"), "items[1].text: missing"),
    (lambda d: d["episode"].__setitem__("title", ["a"]), "episode.title: expected a string, got a list"),
    (lambda d: d["episode"].__setitem__("duration", "long"), "episode.duration: expected a finite number"),
    (lambda d: d.__setitem__("items", {"0": {}}), "items: expected a list, got an object"),
    (lambda d: d.__setitem__("episode", "ep"), "episode: expected an object"),
    (lambda d: d["items"][1].__setitem__("start", float("nan")), "items[1].start: expected a finite number"),
]


@pytest.mark.parametrize("breaker, message", BREAK)
def test_validate_digest_names_the_field(breaker, message):
    d = good_digest()
    breaker(d)
    with pytest.raises(RecordError) as err:
        validate_digest(d)
    assert str(err.value).startswith(message)
    with pytest.raises(ValueError):
        Digest.from_dict(d)


def test_good_digest_round_trips():
    d = good_digest()
    validate_digest(d)
    assert Digest.from_dict(d).to_dict() == d


@pytest.mark.parametrize("breaker, message", BREAK[:6])
def test_render_refuses_before_writing(tmp_path, breaker, message):
    d = good_digest()
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(d), "utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "md", "-f", "chapters_json", str(path)])
    assert res.exit_code == 0, res.output
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    bad = copy.deepcopy(d)
    breaker(bad)
    path.write_text(json.dumps(bad), "utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "md", "-f", "html", "-f", "chapters_json", str(path)])
    assert res.exit_code == 1
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and message in lines[0], res.output
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name != "digest.json"}
    assert after == {k: v for k, v in before.items() if k != "digest.json"}  # nothing written


def test_render_refuses_a_bad_transcript_beside_it(tmp_path):
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(good_digest()), "utf-8")
    (tmp_path / "transcript.json").write_text(
        json.dumps(
            {
                "schema": "audio2digest/transcript@1",
                "language": "en",
                "segments": [{"id": 0, "start": "0", "end": 1.0, "text": "x"}],
            }
        ),
        "utf-8",
    )
    res = CliRunner().invoke(main, ["render", "-f", "srt", str(path)])
    assert res.exit_code == 1 and "transcript.json" in res.output and "segments[0].start" in res.output
    assert not (tmp_path / "transcript.srt").exists()


def test_render_refuses_the_transcript_of_another_episode(tmp_path):
    """``render -t`` with another episode's transcript.json would mix two episodes' subtitles
    and items: one line naming both, nothing written. The same episode moved elsewhere (same
    duration) is fine."""
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(good_digest()), "utf-8")

    def transcript(source: str, duration: float) -> str:
        t = {
            "schema": "audio2digest/transcript@1",
            "language": "en",
            "episode": {"source": source},
            "duration": duration,
            "segments": [{"id": 0, "start": 0.0, "end": 1.0, "text": "Hello and welcome."}],
        }
        return json.dumps(t)

    other = tmp_path / "other.json"
    other.write_text(transcript("/media/other.mp3", 300.0), "utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "srt", "-t", str(other), str(path)])
    assert res.exit_code == 1, res.output
    assert "'/media/other.mp3' (300 s), not of this digest's episode" in res.output
    assert not (tmp_path / "transcript.srt").exists()
    moved = tmp_path / "moved.json"
    moved.write_text(transcript("/elsewhere/ep.mp3", 10.0), "utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "srt", "-t", str(moved), str(path)])
    assert res.exit_code == 0, res.output


def test_front_matter_keeps_script_and_javascript_out(tmp_path):
    d = good_digest()
    d["episode"].update(
        title="<script>alert(1)</script>Ep <img src=x onerror=alert(2)>",
        uploader="<b>Show</b>",
        source="javascript:alert(3)",
        webpage_url="javascript:alert(4)",
        audio_url="data:audio/mp3;base64,AA",
    )
    d["items"][1]["entities"] = [{"term": "<svg onload=alert(5)>", "category": "x"}]
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(d), "utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "md", str(path)])
    assert res.exit_code == 0, res.output
    md = (tmp_path / "digest.md").read_text("utf-8")
    front = yaml.safe_load(md.split("---\n")[1])
    assert front["source"] == ""
    assert "javascript:" not in md and "data:audio" not in md
    for value in (front["title"], front["author"], *front["tags"]):
        assert "<" not in value and ">" not in value
    assert front["title"].startswith("alert(1)Ep") and front["author"] == "Show"


def test_front_matter_keeps_http_source_and_local_paths(tmp_path):
    d = good_digest()
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(d), "utf-8")
    CliRunner().invoke(main, ["render", "-f", "md", str(path)])
    front = yaml.safe_load((tmp_path / "digest.md").read_text("utf-8").split("---\n")[1])
    assert front["source"] == "https://example.com/1"
    d["episode"].update(source="/data/ep.mp3", webpage_url="")
    path.write_text(json.dumps(d), "utf-8")
    CliRunner().invoke(main, ["render", "-f", "md", str(path)])
    front = yaml.safe_load((tmp_path / "digest.md").read_text("utf-8").split("---\n")[1])
    assert front["source"] == "/data/ep.mp3"


def hostile_episode(d: dict) -> dict:
    d["episode"].update(
        title="<script>alert(1)</script>Ep",
        uploader="<b>Show</b>",
        source="javascript:alert(1)",
        webpage_url="",
        audio_url="javascript:alert(2)",
        date="<img src=x onerror=alert(1)>",
    )
    d["writer"] = {"kind": "llm", "model": "<script>m</script>", "endpoint": "javascript:alert(3)"}
    d["items"][1]["entities"] = [{"term": "<svg onload=alert(5)>", "category": "x"}]
    return d


@pytest.mark.parametrize("style", ["default", "weekly", "daily", "brief"])
def test_every_md_layout_sanitises_its_front_matter(tmp_path, style):
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(hostile_episode(good_digest())), "utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "md", "--style", style, str(path)])
    assert res.exit_code == 0, res.output
    md = (tmp_path / "digest.md").read_text("utf-8")
    front = yaml.safe_load(md.split("---\n")[1])
    assert front["source"] == "" and front["title"] == "alert(1)Ep" and front["author"] == "Show"
    for value in (front["title"], front["author"], front["date"], front["writer"], *front["tags"]):
        assert "<" not in value and ">" not in value
    body = md.split("---\n", 2)[2]
    assert not re.search(r"(?<!\\)<(script|img|svg)", re.sub(r"(`+)(.+?)\1", "", body))
    assert "javascript:alert(1)" not in md and "javascript:alert(2)" not in md


def test_html_audio_src_takes_only_a_web_audio_url(tmp_path):
    d = good_digest()
    d["episode"]["audio_url"] = "javascript:alert(2)"
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(d), "utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "html", str(path)])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "digest.html").read_text("utf-8")
    assert "javascript:" not in page and "(no audio file given)" in page
    d["episode"]["audio_url"] = "https://cdn.example.com/ep.mp3"
    path.write_text(json.dumps(d), "utf-8")
    CliRunner().invoke(main, ["render", "-f", "html", str(path)])
    page = (tmp_path / "digest.html").read_text("utf-8")
    assert 'src="https://cdn.example.com/ep.mp3"' in page


def test_render_takes_an_episode_directory_for_its_digest_json(tmp_path):
    ep = tmp_path / "ep"
    ep.mkdir()
    (ep / "digest.json").write_text(json.dumps(good_digest()), "utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "md", str(ep)])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == str(ep / "digest.md") and (ep / "digest.md").is_file()


def test_render_of_a_directory_without_a_digest_says_what_to_pass(tmp_path):
    res = CliRunner().invoke(main, ["render", "-f", "md", str(tmp_path)])
    assert res.exit_code == 1
    assert res.output.strip() == f"Error: {tmp_path}: a directory with no digest.json in it", res.output
    (tmp_path / "transcript.json").write_text("{}", "utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "md", str(tmp_path)])
    assert res.exit_code == 1 and f"pass {tmp_path / 'transcript.json'} to segment it first" in res.output


def test_render_of_the_out_directory_points_at_its_episode_directories(tmp_path):
    for slug in ("ep1", "ep2"):
        (tmp_path / slug).mkdir()
        (tmp_path / slug / "digest.json").write_text(json.dumps(good_digest()), "utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "md", str(tmp_path)])
    assert res.exit_code == 1
    assert res.output.strip() == (
        f"Error: {tmp_path}: a directory with no digest.json in it; "
        f"pass one of its 2 episode directories, e.g. {tmp_path / 'ep1'}"
    )


def test_a_format_is_taken_in_any_case_and_by_its_file_name(tmp_path):
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(good_digest()), "utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "MD", "-f", "Chapters.JSON", str(path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "digest.md").is_file() and (tmp_path / "chapters.json").is_file()
    res = CliRunner().invoke(main, ["render", "-f", "PDF", str(path)])
    assert res.exit_code == 2 and "PDF" in res.output


# ---------------------------------------------------------------- `segment --json` into `render`

NOTES = (
    "Redis shipped version 8 this week with a new engine and a faster cluster mode.\n\n"
    "## Kubernetes\n\nKubernetes 1.35 is out with many fixes for the scheduler and the kubelet.\n"
)


def test_render_takes_segment_json_of_plain_text(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text(NOTES, "utf-8")
    seg = CliRunner().invoke(main, ["segment", "--json", str(notes)])
    assert seg.exit_code == 0, seg.output
    items = tmp_path / "items.json"
    items.write_text(seg.output, "utf-8")
    out = tmp_path / "site"
    res = CliRunner().invoke(main, ["render", str(items), "-o", str(out)])
    assert res.exit_code == 0, res.output
    # no times in plain text: the default leaves out chapters and subtitles instead of failing
    assert sorted(p.name for p in out.iterdir()) == ["digest.html", "digest.json", "digest.md"]
    got = Digest.from_dict(json.loads((out / "digest.json").read_text("utf-8")))
    want = json.loads(seg.output)["items"]
    assert [i.to_dict() for i in got.items] == want
    assert "## 2. Kubernetes" in (out / "digest.md").read_text("utf-8")
    # asked for by name, a format that needs times still says why it cannot be written
    res = CliRunner().invoke(main, ["render", str(items), "-o", str(out), "-f", "chapters_txt"])
    assert res.exit_code == 1 and "chapters need item times" in res.output


def test_render_takes_segment_json_of_a_transcript_with_its_episode(tmp_path):
    from conftest import SAMPLES

    t = SAMPLES / "eval" / "segments" / "dev03.transcript.json"
    seg = CliRunner().invoke(main, ["segment", "--json", str(t)])
    assert seg.exit_code == 0, seg.output
    items = tmp_path / "items.json"
    items.write_text(seg.output, "utf-8")
    res = CliRunner().invoke(main, ["render", str(items), "-f", "md", "-f", "chapters.txt"])
    assert res.exit_code == 0, res.output
    md = (tmp_path / "digest.md").read_text("utf-8")
    assert "title: The Weekly Model Roundup, episode 31" in md
    assert (tmp_path / "chapters.txt").read_text("utf-8").startswith("0:00 ")


@pytest.mark.parametrize(
    "doc, message",
    [
        (
            {"items": [{"index": 0, "kind": "news", "title": "t", "summary": "", "text": "x", "start": "1"}]},
            "items[0].start: expected a finite number",
        ),
        ({"items": "x"}, "items: expected a list"),
        ({"items": [], "episode": {"title": ["a"]}}, "episode.title: expected a string"),
    ],
)
def test_render_checks_segment_json_like_a_digest(tmp_path, doc, message):
    path = tmp_path / "items.json"
    path.write_text(json.dumps(doc), "utf-8")
    res = CliRunner().invoke(main, ["render", str(path), "-f", "md"])
    assert res.exit_code == 1
    [line] = res.output.strip().splitlines()
    assert line.startswith(f"Error: {path}: malformed `segment --json` items") and message in line
    assert not (tmp_path / "digest.md").exists()


def test_render_of_other_json_says_what_it_takes(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"entries": []}), "utf-8")
    res = CliRunner().invoke(main, ["render", str(path)])
    assert res.exit_code == 1
    assert "not a transcript.json, digest.json or `segment --json` output" in res.output
