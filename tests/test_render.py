"""Renderers: registry, every format on real and hostile digests, HTML in headless Chromium,
clips, and the `render` command."""

from __future__ import annotations

import json
import math
import re
import struct
import subprocess
import wave
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from audio2digest.cli import main
from audio2digest.errors import RenderError
from audio2digest.render import FORMATS, get_renderer, render_all, render_transcript
from audio2digest.render.subtitles import SRT, VTT, columns, iter_cues
from audio2digest.text.digest import build_digest
from audio2digest.types import (
    Correction,
    Digest,
    Entity,
    EpisodeMeta,
    Item,
    Segment,
    Transcript,
    Word,
)

EVAL = Path(__file__).resolve().parents[1] / "samples" / "eval" / "segments"
CHROMIUM = Path("/usr/bin/chromium")
EVIL = 'Evil </script><script>window.__pwned=1</script> & <b>"x"</b>'


@pytest.fixture(scope="module")
def dev01():
    tr = Transcript.from_dict(json.loads((EVAL / "dev01.transcript.json").read_text("utf-8")))
    tr = tr.replace(
        episode=EpisodeMeta(
            "https://example.com/ep12",
            title="AI 周末快讯 第十二期",
            date="2026-01-04",
            webpage_url="https://example.com/ep12",
        )
    )
    return tr, build_digest(tr)


def hostile() -> tuple[Digest, Transcript]:
    segs = (
        Segment(0, 0.5, 2.0, "大家好 <b>欢迎</b>", (Word(0.5, 2.0, "大家好"),)),
        Segment(1, 3.0, 7.0, "至普发布了 GLM </script> & 模型"),
        Segment(2, 7.5, 11.0, "第二条新闻"),
    )
    corr = (Correction(0, 2, "至普", "智谱", "智谱", 0.9, "pinyin", segment=1),)
    # after correction the text of segment 1 holds the corrected form
    segs = (segs[0], Segment(1, 3.0, 7.0, "智谱发布了 GLM </script> & 模型"), segs[2])
    tr = Transcript(EpisodeMeta("ep.mp3", title=f"T {EVIL}"), "zh", segs, duration=12.0, corrections=corr)
    items = (
        Item(0, "intro", "大家好", "", "大家好", 0.5, 2.0),
        Item(
            1,
            "news",
            EVIL,
            f"summary {EVIL}",
            f"text {EVIL}",
            3.0,
            7.0,
            (Entity("<GLM>", "model"),),
            "基础模型",
            ("</script>",),
        ),
        Item(2, "news", "第二条新闻", "概要", "第二条新闻", 7.5, 11.0),  # no entities
    )
    return Digest(tr.episode, "zh", items, duration=12.0, corrections=corr), tr


def test_registry():
    assert set(FORMATS) == {
        "md",
        "json",
        "chapters_json",
        "chapters_txt",
        "srt",
        "vtt",
        "html",
        "transcript_json",
    }
    for name, r in FORMATS.items():
        assert r.name == name and r.filename and r.extension
    assert FORMATS["chapters_json"].filename == "chapters.json"
    with pytest.raises(RenderError, match="unknown format 'pdf', expected one of: chapters_json"):
        get_renderer("pdf")


def test_render_all_real_episode(dev01, tmp_path):
    tr, d = dev01
    written = render_all(d, tr, tmp_path, audio_href="../dev01.mp3")
    assert set(written) == set(FORMATS)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left
    md = (tmp_path / "digest.md").read_text("utf-8")
    front = yaml.safe_load(md.split("---\n")[1])
    assert front["title"] == "AI 周末快讯 第十二期" and front["date"] == "2026-01-04"
    assert front["source"] == "https://example.com/ep12" and front["categories"] and front["tags"]
    assert "## 本期速览" in md and "**概要**：" in md and "**内容详解**" in md
    assert "[收听原文](https://example.com/ep12#t=8)" in md
    news = [i for i in d.items if i.kind == "news"]
    assert md.count("\n- **\\[") == len(news)
    again = Digest.from_dict(json.loads((tmp_path / "digest.json").read_text("utf-8")))
    assert again.items == d.items and again.episode.title == d.episode.title
    assert json.loads((tmp_path / "digest.json").read_text("utf-8"))["schema"] == "audio2digest/digest@1"
    chapters = json.loads((tmp_path / "chapters.json").read_text("utf-8"))
    assert chapters["version"] == "1.2.0"
    starts = [c["startTime"] for c in chapters["chapters"]]
    assert starts == sorted(starts) and len(starts) == len(d.items)
    txt = (tmp_path / "chapters.txt").read_text("utf-8").splitlines()
    assert txt[0].startswith("0:00 ")
    secs = [int(m) * 60 + int(s) for m, s in (re.match(r"(\d+):(\d\d) ", ln).groups() for ln in txt)]
    assert secs == sorted(set(secs))
    srt = (tmp_path / "transcript.srt").read_text("utf-8")
    vtt = (tmp_path / "transcript.vtt").read_text("utf-8")
    assert srt.startswith("1\n00:00:00,500 --> ") and vtt.startswith("WEBVTT\n\n00:00:00.500 --> ")
    assert srt.count(" --> ") == vtt.count(" --> ") >= len(tr.text) / 32  # at most 32 chars a cue


def test_srt_vtt_share_one_cue_iterator(dev01):
    tr, _ = dev01
    cues = list(iter_cues(tr))
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))
    assert all(columns(line) <= 32 for c in cues for line in c.text.split("\n"))
    assert (SRT.decimal, VTT.decimal) == (",", ".") and SRT.numbered and not VTT.numbered
    # from a transcript alone, as the pipeline's transcript.srt/vtt
    assert render_transcript("srt", tr).count(" --> ") == len(cues)
    assert render_transcript("vtt", tr).startswith("WEBVTT")
    with pytest.raises(RenderError, match="needs a digest"):
        render_transcript("md", tr)


def test_transcript_only_render_all(dev01, tmp_path):
    tr, _ = dev01
    assert set(render_all(None, tr, tmp_path)) == {"srt", "vtt", "transcript_json"}


def test_hostile_text_is_escaped(tmp_path):
    d, tr = hostile()
    render_all(d, tr, tmp_path, audio_href="a b&c.mp3")
    page = (tmp_path / "digest.html").read_text("utf-8")
    assert "<script>window.__pwned" not in page
    assert page.count("<script>") == 1 and page.count("</script>") == 1
    assert "&lt;/script&gt;" in page and 'src="a b&amp;c.mp3"' in page
    assert '<mark class="corr" title="至普 → 智谱" data-before="至普" data-after="智谱"' in page
    vtt = (tmp_path / "transcript.vtt").read_text("utf-8")
    assert "&lt;/script&gt; &amp;" in vtt and "<b>" not in vtt
    md = (tmp_path / "digest.md").read_text("utf-8")
    body = md.split("---\n", 2)[2]
    assert "<script>" not in body and "\\<" in body
    # front matter: a site template may print it unescaped, so no markup survives there
    front = yaml.safe_load(md.split("---\n")[1])
    assert "<" not in front["title"] and ">" not in front["title"]
    assert front["title"].startswith("T Evil") and "window.__pwned=1" in front["title"]
    chapters = json.loads((tmp_path / "chapters.json").read_text("utf-8"))
    assert chapters["chapters"][1]["title"] == EVIL
    # the intro keeps 0:00; the two short stories cannot have 10 s each after it
    assert (tmp_path / "chapters.txt").read_text("utf-8").splitlines() == ["0:00 大家好"]


def test_empty_digest_renders(tmp_path):
    tr = Transcript(EpisodeMeta("x", title="Empty"), "zh", ())
    d = build_digest(tr)
    written = render_all(d, tr, tmp_path)
    assert set(written) == set(FORMATS)
    assert (tmp_path / "chapters.txt").read_text("utf-8") == "0:00 Empty\n"
    assert (tmp_path / "transcript.srt").read_text("utf-8") == ""
    assert "（本期无内容）" in (tmp_path / "digest.md").read_text("utf-8")


def test_chapters_txt_youtube_rules():
    items = (
        Item(0, "intro", "Hi", "", "x", 0.8, 6.0),
        Item(1, "news", "A", "", "x", 7.0, 30.0),
        Item(2, "news", "B", "", "x", 31.0, 35.0),
        Item(3, "news", "C", "", "x", 36.0, 70.0),
        Item(4, "outro", "Bye", "", "x", 71.0, 75.0),
    )
    d = Digest(EpisodeMeta("x"), "en", items, duration=76.0)
    lines = FORMATS["chapters_txt"].render(d).splitlines()
    # the intro at 0:00 under its own title; A (7 s) moves to 0:10; C starts 5 s after B and
    # moves to 0:41 (it lasts until 70 s); the outro at 71 s (5 s before the end) is dropped
    assert lines == ["0:00 Hi", "0:10 A", "0:31 B", "0:41 C"]
    items = items[:2] + (Item(2, "news", "B", "", "x", 31.0, 35.0), Item(3, "news", "C", "", "x", 36.0, 44.0))
    lines = FORMATS["chapters_txt"].render(Digest(EpisodeMeta("x"), "en", items, duration=60.0)).splitlines()
    assert lines == ["0:00 Hi", "0:10 A", "0:31 B"]  # C would last 3 s from 0:41: part of B


def test_chapters_need_times():
    d = Digest(EpisodeMeta("x"), "zh", (Item(0, "news", "标题", "", "正文"),))
    with pytest.raises(RenderError, match="chapters need item times"):
        FORMATS["chapters_txt"].render(d)
    assert "## 1. 标题" in FORMATS["md"].render(d)


# --- HTML in headless Chromium -------------------------------------------------------------------

CLICK_PROBE = """<script>
(function () {
  var a = document.getElementById("player"), fired = false;
  function report(msg) { var d = document.createElement("div"); d.id = "probe"; d.textContent = msg;
    document.body.appendChild(d); }
  function go() {
    if (fired) return; fired = true;
    var before = a.currentTime;
    document.querySelector("#item-3 a.seek").click();
    setTimeout(function () {
      report("before=" + before + " after=" + a.currentTime + " pwned=" + (typeof window.__pwned) +
             " items=" + document.querySelectorAll("li.item").length +
             " marks=" + document.querySelectorAll("mark.corr").length);
    }, 300);
  }
  if (a.readyState >= 1) go(); else a.addEventListener("loadedmetadata", go);
  setTimeout(function () { if (!fired) report("timeout readyState=" + a.readyState); }, 5000);
})();
</script>"""


def _tone(path: Path, seconds: int = 12, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / rate)))
                for i in range(rate * seconds)
            )
        )


def _chromium_dom(page: Path, tmp_path: Path) -> str:
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        page.as_uri(),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="headless Chromium not installed (/usr/bin/chromium; apt-get install chromium)",
)
def test_html_in_chromium_click_seeks_player(tmp_path):
    d, tr = hostile()
    _tone(tmp_path / "tone.wav")
    render_all(d, tr, tmp_path, formats=["html"], audio_href="tone.wav")
    page = tmp_path / "digest.html"
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text("utf-8").replace("</body>", CLICK_PROBE + "</body>"), "utf-8")
    dom = _chromium_dom(probe, tmp_path)
    m = re.search(r'<div id="probe">([^<]*)</div>', dom)
    assert m, dom[-2000:]
    fields = dict(kv.split("=") for kv in m.group(1).split())
    assert float(fields["before"]) == 0.0
    assert 7.5 <= float(fields["after"]) < 9.0  # item 3 starts at 7.5 s
    assert fields["pwned"] == "undefined"  # the </script> in the title did not break out
    assert fields["items"] == "3" and fields["marks"] == "1"
    # the title is shown literally
    assert "<h1>T Evil &lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;" in dom


def _screenshot(page: Path, tmp_path: Path, name: str) -> bytes:
    shot = tmp_path / name
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=800,600",
        f"--screenshot={shot}",
        page.as_uri(),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert res.returncode == 0 and shot.is_file(), res.stderr[-2000:]
    return shot.read_bytes()


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="headless Chromium not installed (/usr/bin/chromium; apt-get install chromium)",
)
def test_html_screenshot_draws_chinese_not_boxes(tmp_path):
    """With a CJK font (Debian fonts-noto-cjk) the page's Chinese is drawn as glyphs: its
    screenshot differs from the same page with unassigned code points (empty boxes)."""
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    if not fonts.stdout.strip():
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk): Chinese would be boxes")
    d, tr = hostile()
    render_all(d, tr, tmp_path, formats=["html"])
    html_text = (tmp_path / "digest.html").read_text("utf-8")
    boxes = tmp_path / "boxes.html"
    boxes.write_text(html_text.replace("第二条新闻", "\U000e0fff" * 5), "utf-8")
    real = _screenshot(tmp_path / "digest.html", tmp_path, "real.png")
    assert real[:8] == b"\x89PNG\r\n\x1a\n" and len(real) > 5000
    assert real != _screenshot(boxes, tmp_path, "boxes.png")


# --- clips ---------------------------------------------------------------------------------------


def test_cut_clips(tmp_path):
    pytest.importorskip("pydub")
    from audio2digest.render import cut_clips

    _tone(tmp_path / "tone.wav")
    d, _ = hostile()
    paths = cut_clips(tmp_path / "tone.wav", d.items, tmp_path / "clips")
    assert [p.name[:3] for p in paths] == ["02-", "03-"]  # news items only
    assert all(p.suffix == ".mp3" and p.stat().st_size > 1000 for p in paths)
    from audio2digest.render.clips import decode_pcm

    seconds = len(decode_pcm(paths[0])) / 1000
    assert 4.0 <= seconds <= 5.0  # 3.0–7.0 s plus 0.25 s padding each side
    assert cut_clips(tmp_path / "tone.wav", [Item(0, "news", "t", "", "x")], tmp_path / "c2") == []


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_render_formats_and_choices(dev01, tmp_path):
    tr, d = dev01
    (tmp_path / "digest.json").write_text(json.dumps(d.to_dict(), ensure_ascii=False), "utf-8")
    (tmp_path / "transcript.json").write_text(json.dumps(tr.to_dict(), ensure_ascii=False), "utf-8")
    out = tmp_path / "site"
    res = CliRunner().invoke(
        main, ["render", "-f", "html", "-f", "chapters_txt", "-o", str(out), str(tmp_path / "digest.json")]
    )
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == [str(out / "digest.html"), str(out / "chapters.txt")]
    assert "文字稿" in (out / "digest.html").read_text("utf-8")  # found transcript.json beside it
    res = CliRunner().invoke(main, ["render", "--help"])
    for name in FORMATS:
        assert name in res.output
    res = CliRunner().invoke(main, ["render", "-f", "pdf", str(tmp_path / "digest.json")])
    assert res.exit_code == 2 and "'pdf' is not one of" in res.output


def test_cli_render_from_transcript(tmp_path):
    tr = Transcript.from_dict(json.loads((EVAL / "dev03.transcript.json").read_text("utf-8")))
    src = tmp_path / "transcript.json"
    src.write_text(json.dumps(tr.to_dict()), "utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "srt", str(src)])
    assert res.exit_code == 0 and (tmp_path / "transcript.srt").exists()
    res = CliRunner().invoke(main, ["render", "-f", "md", str(src)])
    assert res.exit_code == 0 and "## In this episode" in (tmp_path / "digest.md").read_text("utf-8")


def test_cli_render_bad_input(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello")
    res = CliRunner().invoke(main, ["render", str(p)])
    assert res.exit_code == 1
    assert res.output.strip() == (
        f"Error: {p}: not JSON; expected a digest.json, transcript.json or `segment --json` output"
    )
    q = tmp_path / "other.json"
    q.write_text('{"schema": "something/else@1"}')
    res = CliRunner().invoke(main, ["render", str(q)])
    assert res.output.strip() == (
        f"Error: {q}: JSON but not a transcript.json, digest.json or `segment --json` output "
        "(schema 'something/else@1')"
    )


def test_cli_render_clips_and_audio(tmp_path):
    pytest.importorskip("pydub")
    d, tr = hostile()
    (tmp_path / "digest.json").write_text(json.dumps(d.to_dict(), ensure_ascii=False), "utf-8")
    _tone(tmp_path / "tone.wav")
    res = CliRunner().invoke(
        main,
        [
            "render",
            "-f",
            "html",
            "--audio",
            "tone.wav",
            "--clips",
            str(tmp_path / "tone.wav"),
            str(tmp_path / "digest.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == str(tmp_path / "digest.html") and len(lines) == 3
    assert all((tmp_path / "clips").joinpath(Path(ln).name).exists() for ln in lines[1:])
    assert 'src="tone.wav"' in (tmp_path / "digest.html").read_text("utf-8")


def test_cli_render_html_takes_audio_from_source_json(tmp_path):
    d, _ = hostile()
    ep = tmp_path / "out" / "ep"
    ep.mkdir(parents=True)
    _tone(tmp_path / "ep.wav")
    (ep / "digest.json").write_text(json.dumps(d.to_dict(), ensure_ascii=False), "utf-8")
    (ep / "source.json").write_text(json.dumps({"episode": d.episode.to_dict(), "audio": "../../ep.wav"}))
    res = CliRunner().invoke(main, ["render", "--format", "html", str(ep / "digest.json")])
    assert res.exit_code == 0, res.output
    assert 'src="../../ep.wav"' in (ep / "digest.html").read_text("utf-8")  # not a dead player
    site = tmp_path / "site"
    res = CliRunner().invoke(main, ["render", "-f", "digest.html", "-o", str(site), str(ep / "digest.json")])
    assert res.exit_code == 0, res.output
    assert 'src="../ep.wav"' in (site / "digest.html").read_text("utf-8")  # relative to the new place
    url = "https://cdn.example.com/ep%2012.mp3"
    res = CliRunner().invoke(
        main, ["render", "-f", "html", "--audio-url", url, "-o", str(site), str(ep / "digest.json")]
    )
    assert res.exit_code == 0, res.output
    assert f'src="{url}"' in (site / "digest.html").read_text("utf-8")
    res = CliRunner().invoke(
        main, ["render", "-f", "html", "--audio-url", "javascript:alert(1)", str(ep / "digest.json")]
    )
    assert res.exit_code == 1 and "expected an absolute http(s) URL" in res.output
    (tmp_path / "ep.wav").unlink()  # the audio is gone: no src, and the page says so
    res = CliRunner().invoke(main, ["render", "-f", "html", str(ep / "digest.json")])
    assert res.exit_code == 0, res.output
    page = (ep / "digest.html").read_text("utf-8")
    assert "(no audio file given)" in page and 'src="' not in page.split("<audio")[1].split(">")[0]


def test_format_file_names_are_accepted(tmp_path):
    d, tr = hostile()
    assert set(render_all(d, tr, tmp_path, formats=["chapters.json", "chapters.txt", "md"])) == {
        "chapters_json",
        "chapters_txt",
        "md",
    }
    (tmp_path / "digest.json").write_text(json.dumps(d.to_dict(), ensure_ascii=False), "utf-8")
    res = CliRunner().invoke(
        main, ["render", "-f", "chapters.txt", "-f", "transcript.vtt", str(tmp_path / "digest.json")]
    )
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == [str(tmp_path / "chapters.txt"), str(tmp_path / "transcript.vtt")]
    with pytest.raises(RenderError, match=r"unknown format 'chapters\.pdf'.*\(or their file names\)"):
        get_renderer("chapters.pdf")


def test_subtitles_alone_from_a_transcript_match_those_of_every_format(tmp_path):
    # `render -f srt transcript.json` once skipped the digest, so its names ("深度求索",
    # "Hugging Face") were not kept whole and cues differed from `run`'s.
    src = Path(__file__).resolve().parents[1] / "samples/eval/segments/pipeline/dev01.transcript.json"
    alone, every = tmp_path / "alone", tmp_path / "every"
    for out, extra in ((alone, ["-f", "srt"]), (every, [])):
        res = CliRunner().invoke(main, ["render", *extra, "-o", str(out), str(src)])
        assert res.exit_code == 0, res.output
    assert sorted(p.name for p in alone.iterdir()) == ["transcript.srt"]
    assert (alone / "transcript.srt").read_text("utf-8") == (every / "transcript.srt").read_text("utf-8")


def test_no_cue_runs_across_a_news_item_start():
    src = Path(__file__).resolve().parents[1] / "samples/eval/segments/pipeline/dev01.transcript.json"
    t = Transcript.from_dict(json.loads(src.read_text("utf-8")))
    d = build_digest(t)

    def bare(s: str) -> str:
        return re.sub(r"[\W_]+", "", s)

    items = [bare(it.text) for it in d.items]
    cues = list(iter_cues(t, d))
    assert len(items) > 3 and cues
    for c in cues:
        assert any(bare(c.text) in it for it in items), c.text
