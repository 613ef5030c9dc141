"""Subtitles people can read: SRT and WebVTT parsed back by real subtitle libraries, cues that
never end inside a word or a name, no flash cues, lines within the usual limits."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import srt
import webvtt

from audio2digest.render import render_transcript
from audio2digest.render.subtitles import (
    LINE_COLUMNS,
    MAX_CUE_SECONDS,
    MAX_LINES,
    MIN_CUE_SECONDS,
    break_positions,
    columns,
    iter_cues,
)
from audio2digest.text.digest import build_digest
from audio2digest.types import Correction, EpisodeMeta, Segment, Transcript, Word

EVAL = Path(__file__).resolve().parents[1] / "samples" / "eval" / "segments"
REAL = sorted(EVAL.glob("dev0*.transcript.json")) + sorted((EVAL / "pipeline").glob("*.json"))


def load(path: Path) -> Transcript:
    return Transcript.from_dict(json.loads(path.read_text("utf-8")))


def chars(text: str) -> str:
    return "".join(text.split())


def words_of(text: str, start: float, step: float = 0.2) -> tuple[Word, ...]:
    """One word per character (as Whisper times Mandarin), ``step`` seconds each."""
    return tuple(
        Word(round(start + k * step, 3), round(start + (k + 1) * step, 3), ch) for k, ch in enumerate(text)
    )


def zh(*texts: str, gap: float = 0.1, step: float = 0.2) -> Transcript:
    segs, t = [], 0.5
    for k, text in enumerate(texts):
        ws = words_of(text, t, step)
        segs.append(Segment(k, ws[0].start, ws[-1].end, text, ws))
        t = ws[-1].end + gap
    return Transcript(EpisodeMeta("ep.mp3"), "zh", tuple(segs), duration=t + 1)


def test_real_transcripts_parse_back_and_keep_within_limits():
    assert len(REAL) >= 3
    for path in REAL:
        tr = load(path)
        cjk = tr.language.startswith("zh")
        cues = list(iter_cues(tr))
        srt_cues = list(srt.parse(render_transcript("srt", tr)))
        vtt_cues = webvtt.from_buffer(io.StringIO(render_transcript("vtt", tr))).captions
        assert len(srt_cues) == len(vtt_cues) == len(cues) > 0, path.name
        assert [c.content for c in srt_cues] == [c.text for c in cues]
        assert [c.text for c in vtt_cues] == [c.text for c in cues]  # nothing needed escaping here
        for a, b in zip(srt_cues, srt_cues[1:]):
            assert a.start < a.end <= b.start, (path.name, a, b)
        for c in cues:
            lines = c.text.split("\n")
            assert 1 <= len(lines) <= MAX_LINES, (path.name, c)
            assert all(columns(line) <= LINE_COLUMNS[cjk] for line in lines), (path.name, c)
            assert all(line == line.strip() and line for line in lines), (path.name, c)
        for line in (ln for c in vtt_cues for ln in c.text.split("\n")):
            assert len(line) <= 65
        # every character of the transcript is in exactly one cue, in order
        assert chars("".join(c.text for c in cues)) == chars(tr.text), path.name
        durations = [c.end - c.start for c in cues]
        assert min(durations) >= MIN_CUE_SECONDS - 1e-6, (path.name, min(durations))
        # several words last at most MAX_CUE_SECONDS (+ the short-cue extension)
        assert max(durations) <= MAX_CUE_SECONDS + MIN_CUE_SECONDS, path.name


def test_cues_never_end_inside_a_word_or_a_name():
    # the decoder's segments end inside words: "首先来|看", "DeepSeek-|R2。", "新|片"
    tr = zh(
        "大家好，欢迎收听本期节目。首先来",
        "看深度求索发布的推理模型DeepSeek-",
        "R2。英伟达在大会上发布了新",
        "芯片，黄仁勋表示推理性能提升了50倍。",
    )
    cues = list(iter_cues(tr))
    assert len(cues) >= 2
    for a, b in zip(cues, cues[1:]):
        end, nxt = chars(a.text), chars(b.text)
        assert not (end.endswith("首先来") and nxt.startswith("看")), (a, b)
        assert not end.endswith("DeepSeek-") and not nxt.startswith("R2"), (a, b)
        assert not (end.endswith("新") and nxt.startswith("芯片")), (a, b)
        assert not nxt.startswith(("了", "的", "。", "，")), (a, b)
    lines = [ln for c in cues for ln in c.text.split("\n")]
    assert not any(ln.endswith("DeepSeek-") for ln in lines)
    assert any("DeepSeek-R2" in ln for ln in lines)


def test_break_positions_keep_latin_runs_terms_and_numbers_whole():
    text = "智谱发布了GLM-4.7-Flash模型，总参数6700亿，Kimi K2 Thinking也更新了"
    cuts = set(break_positions(text, cjk=True, terms=["Kimi K2 Thinking"]))

    def inside(s):
        a = text.index(s)
        return set(range(a + 1, a + len(s)))

    assert not cuts & inside("GLM-4.7-Flash")
    assert not cuts & inside("Kimi K2 Thinking")
    assert not cuts & inside("6700亿")
    assert text.index("，") not in cuts  # punctuation stays with the words before it
    assert text.index("，") + 1 in cuts
    en = "Google DeepMind announced Genie 3, a world model."
    cuts = break_positions(en, cjk=False)
    assert all(" " in en[p - 1 : p + 1] for p in cuts)  # only at spaces
    assert en.index("3,") + 1 not in cuts


def test_terms_from_corrections_stay_whole():
    tr = zh("这期我们聊聊智谱清言的新功能", "还有百川智能的医疗模型和它的开源计划", step=0.25)
    tr = tr.replace(corrections=(Correction(0, 4, "百穿智能", "百川智能", "百川智能", 0.9, "pinyin", 1),))
    for c in iter_cues(tr):
        for line in c.text.split("\n"):
            assert not line.endswith(("百川", "百")) or line.endswith("百川智能"), c


def test_no_flash_cue_of_one_syllable():
    # "嗯" alone for 0.2 s between two sentences: merged into a neighbour, not a 0.2-s cue
    tr = zh("今天我们来看三条新闻。", "嗯", "第一条是关于开源模型的消息。", gap=0.15)
    cues = list(iter_cues(tr))
    assert all(c.end - c.start >= MIN_CUE_SECONDS for c in cues), cues
    assert not any(chars(c.text) == "嗯" for c in cues)


def test_long_segment_splits_into_two_line_cues_at_clauses():
    text = (
        "接下来是月之暗面团队推出的新模型，它可以连续调用两百到三百次工具而不偏离目标，"
        "开发者可以通过开放平台直接调用，价格也比上一代更低。"
    )
    cues = list(iter_cues(zh(text)))
    assert len(cues) >= 3
    assert chars("".join(c.text for c in cues)) == chars(text)
    assert sum(c.text.split("\n")[-1][-1] in "，。" for c in cues) >= len(cues) - 1


def test_english_lines_do_not_end_on_a_leaning_word():
    tr = load(EVAL / "dev03.transcript.json")
    for c in iter_cues(tr):
        for line in c.text.split("\n"):
            assert line.split()[-1].lower() not in ("the", "a", "to", "of"), c


def test_digest_only_subtitles_are_split_too():
    tr = load(EVAL / "dev01.transcript.json")
    d = build_digest(tr)
    cues = list(iter_cues(None, d))
    assert len(cues) > len(d.items)
    assert all(len(c.text.split("\n")) <= MAX_LINES for c in cues)
    assert chars("".join(c.text for c in cues)) == chars("".join(i.text for i in d.items))


def test_vtt_escapes_and_parses():
    text = "Fish & chips <b>now</b> for everyone."
    vtt = render_transcript("vtt", Transcript(EpisodeMeta("x"), "en", (Segment(0, 0.0, 3.0, text),)))
    [cap] = webvtt.from_buffer(io.StringIO(vtt)).captions
    assert cap.text == "Fish &amp; chips &lt;b&gt;now&lt;/b&gt; for everyone."  # markup stays text
    [cue] = srt.parse(
        render_transcript("srt", Transcript(EpisodeMeta("x"), "en", (Segment(0, 0.0, 3.0, text),)))
    )
    assert cue.content == text  # SRT is plain text


@pytest.mark.parametrize("width_text, cols", [("abc", 3), ("智谱", 4), ("GLM智谱，", 9)])
def test_columns(width_text, cols):
    assert columns(width_text) == cols
