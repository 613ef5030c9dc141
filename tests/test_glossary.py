"""Glossary files: schema, plain text, the bundled glossary, and bad input with file:line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import SHARED

from audio2digest.errors import GlossaryError, InputError
from audio2digest.text.glossary import (
    CATEGORIES,
    Glossary,
    default_glossary_path,
    load_glossary,
    looks_like_mojibake,
    read_glossary,
    read_input_text,
    repair_mojibake,
)

MOJIBAKE_SEED = SHARED / "seeds" / "004_bd8953710c1adacd.txt"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------------ bundled glossary


def test_bundled_glossary_is_found_and_large():
    path = default_glossary_path()
    assert path.name == "ai-news.yaml" and path.is_file()
    g = load_glossary()
    assert len(g) >= 400
    assert not g.warnings, [str(w) for w in g.warnings]
    assert all(t.category in CATEGORIES for t in g), {t.category for t in g} - set(CATEGORIES)
    # both scripts where they exist, and exact version formatting
    zhipu = g.get("智谱")
    assert zhipu is not None and "Zhipu AI" in zhipu.variants
    for name in ("GLM-4.7-Flash", "Qwen3-TTS", "Gen-4.5", "MoE", "端侧", "具身智能", "Scaling Law", "xAI"):
        assert g.get(name) is not None, name
    assert g.get("本吉奥").variants[0] == "Yoshua Bengio"


def test_load_glossary_adds_and_overrides(tmp_path):
    extra = write(
        tmp_path, "extra.yaml", "- {term: 智谱, category: product}\n- {term: 新名字, category: org}\n"
    )
    g = load_glossary([extra])
    assert g.get("新名字").category == "org"
    assert g.get("智谱").category == "product"  # the later file wins
    assert len(load_glossary([extra], use_default=False)) == 2


def test_hotword_terms_rank_context_first_and_skip_disabled(tmp_path):
    p = write(
        tmp_path,
        "g.yaml",
        "terms:\n"
        "  - {term: 概念词, category: concept}\n"
        "  - {term: 公司甲, category: org}\n"
        "  - {term: Model X, category: model, priority: 9}\n"
        "  - {term: 不要我, category: org, hotword: false}\n"
        "  - {term: 人物乙, category: person, variants: [Person B]}\n",
    )
    g = read_glossary(p)
    names = [t.term for t in g.hotword_terms()]
    assert names == ["Model X", "公司甲", "人物乙", "概念词"]
    # a term named in the episode's title/description (any of its forms) comes first
    names = [t.term for t in g.hotword_terms("Interview with Person B")]
    assert names[0] == "人物乙"
    assert [t.term for t in g.hotword_terms(limit=2)] == ["Model X", "公司甲"]


# ------------------------------------------------------------------ formats


def test_yaml_schema_fields(tmp_path):
    p = write(
        tmp_path,
        "g.yaml",
        "name: test\n"
        "never: [千万别]\n"
        "terms:\n"
        "  - term: 智谱\n"
        "    category: org\n"
        "    variants: [Zhipu AI]\n"
        "    aliases: [智普]\n"
        "    never: [知谱书店]\n"
        "    context: [GLM]\n"
        "    hotword: false\n"
        "    priority: 3\n"
        "  - GLM-4.6\n",
    )
    g = read_glossary(p)
    t = g.get("智谱")
    assert (t.category, t.variants, t.aliases, t.never, t.context, t.hotword, t.priority) == (
        "org",
        ("Zhipu AI",),
        ("智普",),
        ("知谱书店",),
        ("GLM",),
        False,
        3,
    )
    assert t.line == 4 and t.source == str(p)
    assert t.forms == ("智谱", "Zhipu AI")
    assert g.get("GLM-4.6").line == 12
    assert g.never == ("千万别",)


def test_plain_text_format(tmp_path):
    p = write(
        tmp_path,
        "terms.txt",
        "# my terms\n\n智谱 | 至普 | 知补   # aliases\nQwen3-TTS\n  \n黄仁勋\n",
    )
    g = read_glossary(p)
    assert [t.term for t in g] == ["智谱", "Qwen3-TTS", "黄仁勋"]
    assert g.get("智谱").aliases == ("至普", "知补")
    assert [t.line for t in g] == [3, 4, 6]


# ------------------------------------------------------------------ bad input


def test_duplicate_term_names_both_lines(tmp_path):
    p = write(tmp_path, "dup.yaml", "- 智谱\n- GLM-4.6\n- {term: 智谱, category: org}\n")
    with pytest.raises(GlossaryError) as e:
        read_glossary(p)
    assert str(e.value).startswith(f"{p}:3: duplicate term '智谱' (first defined at line 1)")


def test_empty_term(tmp_path):
    p = write(tmp_path, "empty.yaml", "terms:\n  - term: 智谱\n  - term: ''\n    category: org\n")
    with pytest.raises(GlossaryError, match=rf"^{p}:3: empty term"):
        read_glossary(p)
    p2 = write(tmp_path, "empty2.yaml", "- 智谱\n- {category: org}\n")
    with pytest.raises(GlossaryError, match=rf"^{p2}:2: empty term"):
        read_glossary(p2)


def test_short_term_is_a_warning_with_line(tmp_path, caplog):
    p = write(tmp_path, "short.txt", "智谱\nX\n")
    with caplog.at_level(logging.WARNING, logger="audio2digest.text.glossary"):
        g = read_glossary(p)
    assert [t.term for t in g] == ["智谱"]
    assert [str(w) for w in g.warnings] == [f"{p}:2: term 'X' is shorter than 2 characters; skipped"]
    assert f"{p}:2:" in caplog.text


def test_unknown_keys_are_all_named_in_one_warning(tmp_path):
    p = write(tmp_path, "typos.yaml", "terms:\n  - term: 可灵\n    alais: [野生极]\n    categroy: product\n")
    [w] = read_glossary(p).warnings
    assert str(w).startswith(f"{p}:2: unknown keys 'alais', 'categroy' (expected one of: "), str(w)
    p = write(tmp_path, "typo.yaml", "terms:\n  - term: 可灵\n    alais: [野生极]\n")
    [w] = read_glossary(p).warnings
    assert str(w).startswith(f"{p}:2: unknown key 'alais' (expected"), str(w)


def test_bad_yaml_indent_names_line(tmp_path):
    p = write(tmp_path, "bad.yaml", "terms:\n  - term: 智谱\n    category: org\n   aliases: [至普]\n")
    with pytest.raises(GlossaryError) as e:
        read_glossary(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}:4: invalid YAML") and "\n" not in msg


def test_invalid_utf8_names_line(tmp_path):
    p = write(tmp_path, "latin1.txt", "智谱\nGLM-4.6\nCaf\xe9 AI\n".encode().replace("é".encode(), b"\xe9"))
    with pytest.raises(GlossaryError, match=rf"^{p}:3: invalid UTF-8"):
        read_glossary(p)


def test_mojibake_glossary_is_refused_with_hint(tmp_path):
    bad = "- 智谱\n- GLM-4.6\n- " + "月之暗面".encode().decode("cp1252", errors="replace") + "\n"
    p = write(tmp_path, "moji.yaml", bad)
    with pytest.raises(GlossaryError) as e:
        read_glossary(p)
    assert str(e.value).startswith(f"{p}:3: looks like mojibake")


def test_real_mojibake_seed_as_glossary_is_refused():
    if not MOJIBAKE_SEED.exists():
        pytest.skip("seed not available")
    with pytest.raises(GlossaryError, match=rf"^{MOJIBAKE_SEED}:1: looks like mojibake"):
        read_glossary(MOJIBAKE_SEED)


def test_missing_glossary_file(tmp_path):
    with pytest.raises(GlossaryError, match="glossary file not found"):
        load_glossary([tmp_path / "nope.yaml"], use_default=False)


# ------------------------------------------------------------------ text input repair


def test_mojibake_text_repaired_when_lossless():
    good = "英伟达和谷歌的端侧模型 GLM-4.6"
    broken = good.encode("utf-8").decode("cp1252")  # these bytes all exist in cp1252
    assert looks_like_mojibake(broken) and not looks_like_mojibake(good)
    rep = repair_mojibake(broken)
    assert rep.changed and not rep.lossy and rep.text == good
    assert repair_mojibake(good) == repair_mojibake(good)  # clean text: unchanged
    assert not repair_mojibake(good).changed


def test_real_mojibake_seed_is_flagged_with_file_and_line():
    if not MOJIBAKE_SEED.exists():
        pytest.skip("seed not available")
    rep = repair_mojibake(MOJIBAKE_SEED.read_text(encoding="utf-8"))
    assert rep.lossy and rep.line >= 1
    with pytest.raises(InputError, match=rf"^{MOJIBAKE_SEED}:\d+: text is mojibake .* cannot be repaired"):
        read_input_text(MOJIBAKE_SEED)


def test_input_text_invalid_utf8(tmp_path):
    p = write(tmp_path, "in.txt", b"ok\n\xff\xfe bad\n")
    with pytest.raises(InputError, match=rf"^{p}:2: invalid UTF-8"):
        read_input_text(p)


def test_glossary_is_hashable_by_identity():
    g1 = Glossary(terms=())
    g2 = Glossary(terms=())
    assert g1 != g2 and hash(g1) != hash(g2)


def test_missing_bundled_glossary_override_is_one_clear_error(monkeypatch, tmp_path):
    from audio2digest.errors import GlossaryError
    from audio2digest.text.glossary import load_glossary

    missing = tmp_path / "gone.yaml"
    monkeypatch.setenv("AUDIO2DIGEST_GLOSSARY", str(missing))
    with pytest.raises(GlossaryError, match="gone.yaml: cannot read glossary"):
        load_glossary(use_default=True)


@pytest.mark.parametrize(
    "form, context, named",
    [
        ("v0", "dev01", False),
        ("v0", "Vercel v0 上线", True),
        ("AI", "he said", False),
        ("AI", "AI 周报", True),
        ("AI", "OpenAI的新模型", False),
        ("GPT-5", "用GPT-5写代码", True),
        ("GPT-5", "GPT-5.1 发布", False),
        ("Claude 3", "claude 3.5 sonnet", False),
        ("Café", "cafés", False),
        ("智谱", "今天智谱发布", True),
        ("Meta", "metadata", False),
        ("", "anything", False),
    ],
)
def test_named_in_takes_whole_words(form, context, named):
    from audio2digest.text.glossary import named_in

    assert named_in(form, context) is named


def test_hotword_terms_put_whole_word_mentions_first():
    from audio2digest.text.glossary import glossary_from_terms

    g = glossary_from_terms(["Meta", "Gemini", "v0"])
    assert [t.term for t in g.hotword_terms("dev01: metadata of Gemini")][:1] == ["Gemini"]


@pytest.mark.parametrize(
    "name, text",
    [
        ("empty.txt", ""),
        ("comments.txt", "# my names, to do\n\n   # later\n"),
        ("empty.yaml", ""),
        ("comments.yaml", "# nothing yet\n"),
        ("no-terms.yaml", "name: mine\nterms: []\n"),
    ],
)
def test_a_glossary_file_without_terms_is_one_warning_naming_it(tmp_path, caplog, name, text):
    p = write(tmp_path, name, text)
    with caplog.at_level(logging.WARNING, logger="audio2digest.text.glossary"):
        g = load_glossary([p])  # with the bundled one: the run goes on, so it must be said
    assert len(g) > 100
    assert [r.getMessage() for r in caplog.records] == [f"no terms in {p}; it adds nothing to the glossary"]
    assert [str(w) for w in read_glossary(p).warnings] == [f"{p}: no terms; it adds nothing to the glossary"]


def test_a_glossary_file_with_terms_has_no_empty_warning(tmp_path, caplog):
    p = write(tmp_path, "one.txt", "# mine\n智谱\n")
    with caplog.at_level(logging.WARNING, logger="audio2digest.text.glossary"):
        read_glossary(p)
    assert "no terms" not in caplog.text


def test_a_plain_text_line_repeating_a_bundled_term_keeps_its_fields(tmp_path):
    bundled = load_glossary().get("智谱")
    assert bundled is not None and bundled.category == "org" and bundled.variants and bundled.context
    mine = write(tmp_path, "mine.txt", "智谱\nOpenAI | 欧本爱\n新名字\n")
    g = load_glossary([mine])
    kept = g.get("智谱")
    assert kept is not None
    assert (kept.category, kept.variants, kept.context, kept.aliases) == (
        bundled.category,
        bundled.variants,
        bundled.context,
        bundled.aliases,
    )
    openai = g.get("OpenAI")  # a line's aliases are added to the bundled entry's
    assert openai is not None and openai.category == "org" and "欧本爱" in openai.aliases
    assert openai.variants == load_glossary().get("OpenAI").variants
    assert g.get("新名字").category == ""
    bare = write(tmp_path, "bare.yaml", "- 智谱\n- {term: 谷歌, note: ours too}\n")
    g = load_glossary([bare])
    assert g.get("智谱").context == bundled.context and g.get("谷歌").category == "org"
    # an entry that sets fields replaces the bundled one, as before
    explicit = write(tmp_path, "mine.yaml", "- {term: 智谱, category: product}\n")
    replaced = load_glossary([explicit]).get("智谱")
    assert replaced.category == "product" and replaced.variants == () and replaced.context == ()


def test_a_names_only_entry_naming_a_bundled_variant_adds_to_that_entry(tmp_path):
    # DeepSeek is a variant of the bundled 深度求索: a second entry with no category was made
    bundled = load_glossary().get("深度求索")
    assert bundled is not None and "DeepSeek" in bundled.variants
    for mine in (
        write(tmp_path, "mine.txt", "DeepSeek | 深度求锁\n"),
        write(tmp_path, "mine.yaml", "- DeepSeek\n"),
    ):
        g = load_glossary([mine])
        assert g.get("DeepSeek") is None, mine.name
        host = g.get("深度求索")
        assert (host.category, host.variants, host.context) == (
            bundled.category,
            bundled.variants,
            bundled.context,
        )
        assert len(g) == len(load_glossary())
    assert "深度求锁" in load_glossary([tmp_path / "mine.txt"]).get("深度求索").aliases


def test_forms_of_two_entries_in_different_files_are_one_warning_naming_both(tmp_path, caplog):
    bundled = default_glossary_path()
    mine = write(tmp_path, "mine.yaml", "- {term: DeepSeek, category: org, variants: [Deepseek]}\n")
    with caplog.at_level(logging.WARNING, logger="audio2digest.text.glossary"):
        g = load_glossary([mine])
    msgs = [r.getMessage() for r in caplog.records]
    assert len(msgs) == 1, msgs
    line = next(
        i for i, ln in enumerate(bundled.read_text("utf-8").split("\n"), 1) if "term: 深度求索," in ln
    )
    assert msgs[0] == (
        f"{mine}:1: 'DeepSeek', 'Deepseek' are also forms of '深度求索' "
        f"({bundled}:{line}); both entries are kept"
    )
    assert [str(w) for w in g.warnings] == msgs
    # an override of an equal term is no conflict
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="audio2digest.text.glossary"):
        load_glossary([write(tmp_path, "zhipu.yaml", "- {term: 智谱, category: product}\n")])
    assert not caplog.records


@pytest.mark.parametrize(
    "name, text",
    [
        ("terms.json", '["智谱", "OpenAI"]\n'),
        ("terms.json", '{"terms": [{"term": "智谱", "category": "org"}, "OpenAI"]}\n'),
        ("terms.json", '[\n  "智谱",\n  "OpenAI"\n]\n'),
        ("terms.list", '[\n  "智谱",\n  "OpenAI"\n]\n'),  # no telling name: guessed from the text
    ],
)
def test_a_json_glossary_is_read_as_yaml(tmp_path, name, text):
    # read as plain text, each line (brackets, quotes and all) became a term
    g = read_glossary(write(tmp_path, name, text))
    assert [t.term for t in g] == ["智谱", "OpenAI"]


def test_a_json_file_that_is_no_glossary_is_one_error(tmp_path):
    p = write(tmp_path, "digest.json", '{"items": [], "title": "x"}\n')
    with pytest.raises(GlossaryError, match=rf"^{p}:1: a glossary mapping needs a 'terms:' or 'never:' list"):
        read_glossary(p)


def test_a_yaml_glossary_of_only_never_is_read_like_terms_empty_plus_never(tmp_path, caplog):
    only = write(tmp_path, "only-never.yaml", "never: [千万别, 知谱书店]\n")
    both = write(tmp_path, "both.yaml", "terms: []\nnever: [千万别, 知谱书店]\n")
    with caplog.at_level(logging.WARNING, logger="audio2digest.text.glossary"):
        g = read_glossary(only)
    assert (
        (g.terms, g.never)
        == ((), ("千万别", "知谱书店"))
        == (read_glossary(both).terms, read_glossary(both).never)
    )
    assert not caplog.records and not g.warnings
    assert "知谱书店" in load_glossary([only]).never


def test_plain_text_hash_starts_a_comment_only_at_the_line_start_or_after_whitespace(tmp_path):
    # '#' anywhere cut 'C#' to the one-letter 'C' (skipped with a warning)
    p = write(
        tmp_path,
        "mine.txt",
        "# my names\nC#\nF# | F sharp  # the language\nGPT-5  # note\n   # indented\n智谱\t# tab\n",
    )
    g = read_glossary(p)
    assert [(t.term, t.aliases) for t in g] == [("C#", ()), ("F#", ("F sharp",)), ("GPT-5", ()), ("智谱", ())]
    assert not g.warnings


@pytest.mark.parametrize(
    "text, terms, never",
    [
        ("terms: [OpenAI, 智谱]\n", ["OpenAI", "智谱"], ()),
        ("never: [千万别]\n", [], ("千万别",)),
        ("name: mine\nterms: [OpenAI]\n", ["OpenAI"], ()),
        ("OpenAI: the lab\n", ["OpenAI: the lab"], ()),  # plain text stays plain text
    ],
)
def test_a_file_with_no_telling_name_opening_with_a_top_level_key_is_yaml(tmp_path, text, terms, never):
    # 'terms: [OpenAI, 智谱]' was read as plain text: one term, the whole line
    g = read_glossary(write(tmp_path, "mine", text))
    assert ([t.term for t in g], g.never) == (terms, never)


def test_an_alias_that_is_a_form_of_another_files_entry_is_warned_about(tmp_path, caplog):
    """A form is never corrected, so an alias that is another entry's form (Genie 3 is a
    bundled model) would change nothing without a word."""
    mine = write(tmp_path, "mine.yaml", "- {term: Gemini Ultra, category: model, aliases: [Genie 3]}\n")
    with caplog.at_level(logging.WARNING, logger="audio2digest.text.glossary"):
        g = load_glossary([mine])
    msgs = [r.getMessage() for r in caplog.records]
    assert len(msgs) == 1, msgs
    assert msgs[0].startswith(f"{mine}:1: alias 'Genie 3' of 'Gemini Ultra' is a form of 'Genie 3' (")
    assert msgs[0].endswith("a form is never corrected, so the alias changes nothing")
    assert [str(w) for w in g.warnings] == msgs
    # the same through a plain-text line that adds to the bundled entry
    caplog.clear()
    txt = write(tmp_path, "mine.txt", "Gemini Ultra | Genie 3\n")
    with caplog.at_level(logging.WARNING, logger="audio2digest.text.glossary"):
        load_glossary([txt])
    assert [r.getMessage().split(": ", 1)[1][:30] for r in caplog.records] == [
        "alias 'Genie 3' of 'Gemini Ult"
    ]
    # the other way round: a later file makes an earlier file's alias a form
    caplog.clear()
    a = write(tmp_path, "a.yaml", "- {term: Gemini Ultra, category: model, aliases: [Genie Three]}\n")
    b = write(tmp_path, "b.yaml", "- {term: Genie Three, category: model}\n")
    with caplog.at_level(logging.WARNING, logger="audio2digest.text.glossary"):
        load_glossary([a, b])
    assert [r.getMessage() for r in caplog.records] == [
        f"{b}:1: 'Genie Three' is an alias of 'Gemini Ultra' ({a}:1); as a form of 'Genie Three' "
        "it is never corrected, so that alias changes nothing"
    ]
    # a names-only line adding to a bundled entry's variant is warned about at its own line
    caplog.clear()
    c = write(tmp_path, "c.txt", "DeepSeek | Genie 3\n")
    with caplog.at_level(logging.WARNING, logger="audio2digest.text.glossary"):
        load_glossary([c])
    assert [r.getMessage().split(": alias")[0] for r in caplog.records] == [f"{c}:1"]
    # an alias no other entry spells is no conflict
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="audio2digest.text.glossary"):
        load_glossary([write(tmp_path, "ok.txt", "Gemini Ultra | Gemini Ultar\n")])
    assert not caplog.records
