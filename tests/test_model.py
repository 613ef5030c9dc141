from __future__ import annotations

import pytest

from audio2digest.asr import model as m
from audio2digest.errors import ModelError


def test_embedded_model_verifies():
    d = m.embedded_model_dir(verify=True)
    assert (d / "model.bin").stat().st_size == m.EMBEDDED_MODEL_BIN_SIZE
    assert m.resolve_model("base").kind == "embedded"
    assert m.resolve_model(None).path_or_name == str(d)


def test_assembly_and_tamper_detection(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIO2DIGEST_CACHE", str(tmp_path))
    d = m.embedded_model_dir()
    assert d.parent.parent == tmp_path
    assert not [p for p in d.iterdir() if p.name.startswith(".model.bin")]  # no temp left
    # readable by other users of a shared cache
    assert {oct(p.stat().st_mode & 0o777) for p in d.iterdir()} == {"0o644"}
    assert oct(d.stat().st_mode & 0o777) == oct(d.parent.stat().st_mode & 0o777) == "0o755"
    with open(d / "config.json", "a") as fh:  # tamper: size and mtime change
        fh.write(" ")
    with pytest.raises(ModelError, match=r"config\.json: sha256 mismatch"):
        m.embedded_model_dir()
    with pytest.raises(ModelError, match="sha256 mismatch"):
        m.resolve_model("base")


def test_local_dir_with_bad_hash(tmp_path):
    d = tmp_path / "mymodel"
    d.mkdir()
    (d / "model.bin").write_bytes(b"weights")
    (d / "config.json").write_text("{}")
    (d / "SHA256SUMS").write_text("0" * 64 + "  model.bin\n")
    with pytest.raises(ModelError, match=r"mymodel/model\.bin: sha256 mismatch"):
        m.resolve_model(str(d))


def test_local_dir_not_a_model(tmp_path):
    with pytest.raises(ModelError, match=r"not a CTranslate2 model directory \(no model\.bin\)"):
        m.resolve_model(str(tmp_path))
    with pytest.raises(ModelError, match="not a model directory"):
        m.resolve_model(str(tmp_path / "missing-dir"))


def test_invalid_name_lists_valid_ones():
    with pytest.raises(ModelError, match=r"Invalid model 'huge-v9'.*large-v3"):
        m.resolve_model("huge-v9")


def test_hub_model_offline_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    m.load_model.cache_clear()
    with pytest.raises(ModelError, match="hub may be unreachable"):
        m.load_model("tiny.en")
