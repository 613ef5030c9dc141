"""One text reader for segment, correct and render: the same inputs refused or repaired alike."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from conftest import SHARED

from audio2digest.cli import main
from audio2digest.errors import InputError
from audio2digest.text.reader import read_text_input

LOSSY_SEED = SHARED / "seeds" / "004_bd8953710c1adacd.txt"  # UTF-8 read as cp1252, bytes lost
CLEAN_SEED = SHARED / "seeds" / "003_82380a7551734421.txt"


def cp1252_mojibake(text: str) -> str | None:
    try:
        return text.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:
        return None


def _repairable_text() -> str:
    # choose lines whose UTF-8 bytes all decode in cp1252 (no undefined bytes 0x81 0x8d 0x8f 0x90 0x9d)
    for s in ("OpenAI 发布 了 新 模型", "苹果 发布 会", "天气 很 好"):
        m = cp1252_mojibake(s)
        if m is not None:
            return m
    pytest.skip("no repairable sample")


def test_lossy_seed_is_refused_by_every_command():
    if not LOSSY_SEED.exists():
        pytest.skip("seed not found")
    outs = []
    for args in (["segment", str(LOSSY_SEED)], ["correct", str(LOSSY_SEED)], ["render", str(LOSSY_SEED)]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 1, (args, res.output)
        assert "mojibake" in res.output and "Traceback" not in res.output
        outs.append(res.output.strip())
    assert len(set(outs)) == 1  # the same one line from all three


def test_lossy_seed_from_stdin_is_refused_too():
    if not LOSSY_SEED.exists():
        pytest.skip("seed not found")
    data = LOSSY_SEED.read_bytes()
    for cmd in ("segment", "correct"):
        res = CliRunner().invoke(main, [cmd, "-"], input=data)
        assert res.exit_code == 1 and "<stdin>:1: text is mojibake" in res.output


def test_repairable_mojibake_is_repaired_the_same_everywhere(tmp_path):
    broken = _repairable_text()
    p = tmp_path / "notes.txt"
    p.write_text(broken + "\n", "utf-8")
    got = read_text_input(p)
    assert got.notes and "repaired mojibake" in got.notes[0]
    assert "\u00e5" not in got.text and "\u00e4" not in got.text
    g = tmp_path / "g.yaml"
    g.write_text("terms:\n  - {term: Zhipu}\n", "utf-8")
    seg = CliRunner().invoke(main, ["segment", "--json", str(p)])
    cor = CliRunner().invoke(main, ["correct", "--no-default-glossary", "-g", str(g), str(p)])
    assert seg.exit_code == 0 and cor.exit_code == 0, (seg.output, cor.output)
    assert "repaired mojibake" in seg.output and "repaired mojibake" in cor.output
    text = "".join(i["text"] for i in json.loads(seg.output[seg.output.index("{") :])["items"])
    assert text.strip() == got.text.strip() == cor.output.splitlines()[-1].strip()


def test_clean_text_is_untouched():
    if not CLEAN_SEED.exists():
        pytest.skip("seed not found")
    got = read_text_input(CLEAN_SEED)
    assert got.notes == () and got.text == CLEAN_SEED.read_text("utf-8")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.write_bytes(b"abc\xff\xfe def"), r":1: invalid UTF-8 \(byte 0xff at column 4\)"),
        (lambda p: p.write_bytes(b"ID3\x00\x00binary"), "binary data"),
    ],
)
def test_bad_text_inputs(tmp_path, make, message):
    p = tmp_path / "in.txt"
    make(p)
    with pytest.raises(InputError, match=message):
        read_text_input(p)
    for cmd in ("segment", "correct"):
        res = CliRunner().invoke(main, [cmd, str(p)])
        assert res.exit_code != 0 and "Traceback" not in res.output


def test_device_is_refused_not_read_forever():
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    with pytest.raises(InputError, match="not a regular file"):
        read_text_input("/dev/zero")
    res = CliRunner().invoke(main, ["segment", "/dev/zero"])
    assert res.exit_code == 1 and "not a regular file" in res.output


def test_pipe_is_read(tmp_path):
    r, w = os.pipe()
    os.write(w, "第一条新闻。\n".encode())
    os.close(w)
    try:
        assert read_text_input(f"/proc/self/fd/{r}").text == "第一条新闻。\n"
    finally:
        os.close(r)


def test_mojibake_that_lost_one_byte_is_refused_not_half_repaired(tmp_path):
    # "智谱发布了GLM" as UTF-8 read as cp1252, with the 0x8F byte of 发 lost on saving: ftfy
    # fixes the rest and leaves "å‘", one pair, which no longer looks like mojibake on its own.
    broken = "智谱发布了GLM".encode().decode("cp1252", errors="ignore")
    path = tmp_path / "moji.txt"
    path.write_text(broken + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"moji\.txt:1: text is mojibake"):
        read_text_input(str(path))
