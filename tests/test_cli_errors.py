"""Bad command-line input: one clear line naming what is wrong, a non-zero exit, checked before
any audio or model is touched."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from audio2digest.asr.languages import WHISPER_LANGUAGES
from audio2digest.cli import main


def test_language_list_matches_the_pinned_faster_whisper():
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    assert tuple(WHISPER_LANGUAGES) == tuple(_LANGUAGE_CODES)


@pytest.mark.parametrize("command", ["run", "transcribe"])
def test_unknown_language_is_refused_before_the_audio(tmp_path, command):
    missing_model_or_audio = tmp_path / "never-read.mp3"
    missing_model_or_audio.write_bytes(b"not audio")
    res = CliRunner().invoke(main, [command, str(missing_model_or_audio), "--language", "xx"])
    assert res.exit_code == 2
    assert "'xx' is not a Whisper language code" in res.output
    assert "zh" in res.output


def test_known_language_is_accepted_by_the_option():
    res = CliRunner().invoke(main, ["transcribe", "--language", "yue", "--help"])
    assert res.exit_code == 0


@pytest.mark.parametrize("command", ["segment", "correct"])
@pytest.mark.parametrize("content", [b"", b"  \n\n\t"])
def test_empty_text_input_is_an_error(tmp_path, command, content):
    p = tmp_path / "empty.txt"
    p.write_bytes(content)
    res = CliRunner().invoke(main, [command, str(p)])
    assert res.exit_code == 1
    assert f"{p}: empty input" in res.output


def test_empty_stdin_is_an_error():
    res = CliRunner().invoke(main, ["correct", "-"], input="")
    assert res.exit_code == 1
    assert "empty input" in res.output


def _digest_dir(tmp_path):
    from audio2digest.text.digest import build_digest
    from audio2digest.types import EpisodeMeta, Transcript

    p = tmp_path / "digest.json"
    digest = build_digest(Transcript(EpisodeMeta("t"), "zh", ()))
    p.write_text(json.dumps(digest.to_dict(), ensure_ascii=False), "utf-8")
    return p


def test_render_refuses_an_audio_file_that_is_not_there(tmp_path):
    d = _digest_dir(tmp_path)
    res = CliRunner().invoke(main, ["render", "-f", "html", "--audio", "/no/such/episode.mp3", str(d)])
    assert res.exit_code == 1, res.output
    assert "--audio /no/such/episode.mp3: no such file" in res.output
    assert not (tmp_path / "index.html").exists()


def test_render_refuses_a_script_url_as_audio(tmp_path):
    d = _digest_dir(tmp_path)
    res = CliRunner().invoke(main, ["render", "-f", "html", "--audio", "javascript:alert(1)", str(d)])
    assert res.exit_code == 1
    assert "expected a file path or an http(s) URL" in res.output


def test_render_takes_an_audio_file_beside_the_page(tmp_path):
    d = _digest_dir(tmp_path)
    (tmp_path / "ep.mp3").write_bytes(b"x")
    res = CliRunner().invoke(main, ["render", "-f", "md", "--audio", "ep.mp3", str(d)])
    assert res.exit_code == 0, res.output
