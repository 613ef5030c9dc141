import os
import stat

import pytest

from audio2digest.errors import OutputError
from audio2digest.files import atomic_write_json, atomic_write_text, dumps_json


def test_atomic_write_replaces_whole_file(tmp_path):
    p = tmp_path / "sub" / "a.json"
    atomic_write_json(p, {"a": "智谱"})
    assert p.read_text("utf-8") == '{\n  "a": "智谱"\n}\n'
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~_umask()
    assert [f.name for f in p.parent.iterdir()] == ["a.json"]


def test_failed_write_keeps_old_file(tmp_path, monkeypatch):
    p = tmp_path / "a.txt"
    atomic_write_text(p, "old")

    def boom(_fd):  # the disk fails after the new bytes were written to the temp file
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OutputError, match=r"a\.txt: cannot write: disk full"):
        atomic_write_text(p, "new")
    assert p.read_text() == "old"
    assert [f.name for f in tmp_path.iterdir()] == ["a.txt"]


def _umask():
    m = os.umask(0)
    os.umask(m)
    return m


def test_non_finite_numbers_are_refused_naming_the_file(tmp_path):
    p = tmp_path / "transcript.json"
    atomic_write_text(p, "old")
    for bad in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(OutputError, match=r"transcript\.json: cannot write: .*not JSON"):
            atomic_write_json(p, {"duration": bad})
    assert p.read_text() == "old"  # nothing half-written, no temp file left
    assert [f.name for f in tmp_path.iterdir()] == ["transcript.json"]
    with pytest.raises(OutputError, match="JSON output: cannot write"):
        dumps_json({"start": float("nan")})
