"""`eval normalize` on a tiny set made here (no recogniser, no benchmark data)."""

import json

from click.testing import CliRunner

from audio2digest.cli import main
from audio2digest.evaluation.normalize import (
    break_match,
    char_error_rate,
    evaluate_sample,
    load_set,
    long_runs,
    number_forms,
)
from audio2digest.types import EpisodeMeta, Segment, Transcript, Word


def _transcript(pieces, language="zh"):
    words = tuple(Word(start=a, end=b, word=w, probability=0.9) for w, a, b in pieces)
    seg = Segment(0, pieces[0][1], pieces[-1][2], "".join(w for w, _, _ in pieces) + "。", words)
    return Transcript(episode=EpisodeMeta(source="x.mp3"), language=language, segments=(seg,))


PIECES = [
    ("各位听众朋友", 0.0, 1.2),
    ("大家好", 1.2, 1.8),
    ("今年是", 2.4, 2.9),
    ("二零", 2.9, 3.3),
    ("二六年", 3.3, 3.9),
    ("融资", 3.9, 4.3),
    ("三百亿", 4.3, 5.0),
    ("增长", 5.0, 5.3),
    ("百分之八十八", 5.3, 6.2),
]
SCRIPT = "各位听众朋友大家好，今年是2026年，融资三百亿，增长百分之八十八。"


def _write_set(tmp_path):
    set_dir = tmp_path / "set"
    set_dir.mkdir()
    (set_dir / "ep.transcript.json").write_text(
        json.dumps(_transcript(PIECES).to_dict(), ensure_ascii=False), encoding="utf-8"
    )
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "ep.items.json").write_text(
        json.dumps({"items": [SCRIPT]}, ensure_ascii=False), encoding="utf-8"
    )
    return set_dir, scripts


def test_metrics_keep_digits_and_percent():
    assert char_error_rate("增长88%", "增长88%") == 0.0
    assert char_error_rate("增长88%", "增长百分之八十八") > 0.5
    assert char_error_rate("版本3.5", "版本35") > 0.0
    assert number_forms("2026年融资300亿，增长88%，版本3.5") == {"2026": 1, "300亿": 1, "88%": 1, "3.5": 1}
    assert break_match("一二三四，五六七八。", "一二三四，五六七八。") == (1, 1, 1)
    assert break_match("一二三四，五六七八。", "一二，三四五六七八。") == (1, 1, 0)
    assert long_runs("一" * 25 + "。" + "二" * 5) == 25 / 30


def test_sample_scores_before_and_after(tmp_path):
    set_dir, scripts = _write_set(tmp_path)
    [sample] = load_set(set_dir, [scripts])
    r = evaluate_sample(sample)
    assert r.cer_news[1] < r.cer_news[0]  # numbers and marks bring it nearer the script
    assert r.number_forms == 3 and r.found == (0, 3) and (r.fixed, r.broken) == (3, 0)
    assert r.break_hits[1] > r.break_hits[0]
    assert ("二零二六", "2026") in r.changes
    assert r.to_dict()["numbers_fixed"] == 3


def test_cli_prints_a_row_per_sample(tmp_path):
    set_dir, scripts = _write_set(tmp_path)
    res = CliRunner().invoke(
        main, ["eval", "normalize", "--set", str(set_dir), "--scripts", str(scripts), "--changes"]
    )
    assert res.exit_code == 0, res.output
    assert "| ep | zh |" in res.output and "'二零二六' -> '2026'" in res.output
    res = CliRunner().invoke(
        main,
        ["eval", "normalize", "--set", str(set_dir), "--scripts", str(scripts), "--no-numbers", "--json"],
    )
    [row] = json.loads(res.output)
    assert row["numbers_fixed"] == 0


def test_missing_script_is_one_clear_error(tmp_path):
    set_dir, _ = _write_set(tmp_path)
    res = CliRunner().invoke(main, ["eval", "normalize", "--set", str(set_dir), "--scripts", str(tmp_path)])
    assert res.exit_code != 0
    assert "ep.transcript.json: no script ep.items.json" in res.output
