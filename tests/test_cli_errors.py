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


@pytest.mark.parametrize("command", ["correct", "segment"])
@pytest.mark.parametrize("given", ["cn", "chinese-simplified"])
def test_text_commands_refuse_an_unknown_language(tmp_path, command, given):
    # "cn" was taken for a language written with spaces: Chinese text segmented and
    # corrected as if it were English, without a word
    p = tmp_path / "text.txt"
    p.write_text("至普发布了GLM4.7Flash，端测模型都开源Moe模型。\n", "utf-8")
    res = CliRunner().invoke(main, [command, "-l", given, str(p)])
    assert res.exit_code == 2, res.output
    assert f"{given!r} is not a Whisper language code" in res.output
    ok = CliRunner().invoke(main, [command, "-l", "ZH", str(p)])
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize("given", ["yue", "ZH", " en ", "english", "English", "Chinese", "mandarin"])
def test_known_language_passes_the_option(tmp_path, given):
    # the option accepts it (any case): the error is then about the missing audio
    res = CliRunner().invoke(main, ["transcribe", str(tmp_path / "missing.mp3"), "--language", given])
    assert res.exit_code != 0
    assert "Whisper language code" not in res.output and "missing.mp3: no such file" in res.output


def test_whisper_language_names_map_to_their_codes():
    """Whisper's own name table (openai-whisper's tokenizer LANGUAGES and TO_LANGUAGE_CODE
    aliases), any case: every code has a name, and a name gives the code Whisper gives it."""
    from audio2digest.asr.languages import WHISPER_LANGUAGE_NAMES, to_language_code

    assert set(WHISPER_LANGUAGE_NAMES.values()) == set(WHISPER_LANGUAGES)
    assert len(WHISPER_LANGUAGE_NAMES) == len(WHISPER_LANGUAGES) + 12  # the 12 aliases
    cases = {"English": "en", "CHINESE": "zh", "mandarin": "zh", "Cantonese": "yue"}
    cases |= {"haitian creole": "ht", "Burmese": "my", "myanmar": "my", "castilian": "es"}
    for name, code in cases.items():
        assert to_language_code(name) == code, name
    assert to_language_code("cn") is None and to_language_code("klingon") is None


@pytest.mark.parametrize("command", ["correct", "segment"])
def test_text_commands_take_a_language_name(tmp_path, command):
    from audio2digest.cli import options

    p = tmp_path / "text.txt"
    p.write_text("至普发布了GLM4.7Flash，端测模型都开源Moe模型。\n", "utf-8")
    by_code = CliRunner().invoke(main, [command, "-l", "zh", str(p)])
    by_name = CliRunner().invoke(main, [command, "-l", "Chinese", str(p)])
    assert by_name.exit_code == 0, by_name.output
    assert by_name.output == by_code.output
    assert options.check_language(None, None, "Mandarin") == "zh"


def test_unknown_language_name_is_one_line(tmp_path):
    res = CliRunner().invoke(main, ["transcribe", str(tmp_path / "x.mp3"), "--language", "klingon"])
    assert res.exit_code == 2
    [line] = [ln for ln in res.output.splitlines() if "klingon" in ln]
    assert "'klingon' is not a Whisper language code or name" in line and " zh " in line


def test_regional_language_code_gets_the_bare_code_as_hint(tmp_path):
    res = CliRunner().invoke(main, ["transcribe", str(tmp_path / "x.mp3"), "--language", "zh-Hans"])
    assert res.exit_code == 2 and "give the bare Whisper code 'zh'" in res.output


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
    assert not (tmp_path / "digest.html").exists()


def test_render_refuses_a_script_url_as_audio(tmp_path):
    d = _digest_dir(tmp_path)
    res = CliRunner().invoke(main, ["render", "-f", "html", "--audio", "javascript:alert(1)", str(d)])
    assert res.exit_code == 1
    assert "expected a file path or an http(s) URL" in res.output


def test_render_links_an_audio_file_beside_the_page_url_quoted(tmp_path):
    d = _digest_dir(tmp_path)
    (tmp_path / "ep #3.mp3").write_bytes(b"x")
    res = CliRunner().invoke(main, ["render", "-f", "html", "--audio", "ep #3.mp3", str(d)])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "digest.html").read_text("utf-8")
    assert 'src="ep%20%233.mp3"' in page


def test_render_takes_an_upper_case_https_audio_url(tmp_path):
    d = _digest_dir(tmp_path)
    res = CliRunner().invoke(main, ["render", "-f", "md", "--audio", "HTTPS://example.com/ep.mp3", str(d)])
    assert res.exit_code == 0, res.output


def test_status_of_an_empty_ledger(tmp_path):
    from audio2digest.batch.ledger import Ledger

    with Ledger.open(tmp_path):
        pass
    res = CliRunner().invoke(main, ["status", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "empty ledger" in res.output


def test_status_exits_1_when_an_episode_failed(tmp_path):
    # scripts check the exit code; the table is printed all the same
    from audio2digest.batch.ledger import LAST_STAGE, Ledger, StageDone

    with Ledger.open(tmp_path) as ledger:
        ledger.add_episode("ok.mp3", "ok.mp3", slug="ok")
        ledger.record_stages("ok.mp3", [StageDone(LAST_STAGE, "fp", 1.0, {})])
    res = CliRunner().invoke(main, ["status", str(tmp_path)])
    assert res.exit_code == 0, res.output
    with Ledger.open(tmp_path) as ledger:
        ledger.add_episode("bad.mp3", "bad.mp3", slug="bad")
        ledger.record_failure("bad.mp3", "fetch", "bad.mp3: no such file", permanent=True)
    res = CliRunner().invoke(main, ["status", str(tmp_path)])
    assert res.exit_code == 1, res.output
    assert "1 done, 1 failed" in res.output and "bad.mp3: no such file" in res.output


def test_transcribe_correct_without_a_glossary_is_refused_before_the_audio(tmp_path):
    never_read = tmp_path / "never-read.mp3"
    res = CliRunner().invoke(main, ["transcribe", str(never_read), "--correct", "--no-default-glossary"])
    assert res.exit_code == 2, res.output
    assert "--correct needs a glossary: give -g FILE or drop --no-default-glossary" in res.output
