"""Product → organisation ties come from the glossary in use and are recorded in the digest."""

from __future__ import annotations

from audio2digest.text.digest import build_digest
from audio2digest.text.glossary import load_glossary
from audio2digest.text.organisations import organisation_names, organisation_of, with_organisations
from audio2digest.types import Entity, EpisodeMeta, Segment, Transcript


def test_tie_by_name_prefix_and_no_guess_from_proximity():
    names = organisation_names(load_glossary(use_default=True))
    item_orgs = ["深度求索"]
    assert organisation_of("DeepSeek-R2", item_orgs, names) == "深度求索"  # DeepSeek is a form of 深度求索
    assert organisation_of("OpenRouter", item_orgs, names) == ""  # named near 深度求索, nothing ties them
    assert organisation_of("Sora 2", [], names) == "OpenAI"  # OpenAI's context lists Sora
    assert organisation_of("无名产品", [], names) == ""


def test_the_users_glossary_decides_not_the_bundled_one(tmp_path):
    own = tmp_path / "own.yaml"
    own.write_text(
        "terms:\n"
        "  - {term: 星河实验室, category: org, context: [Nebula]}\n"
        "  - {term: Nebula-7, category: model}\n",
        encoding="utf-8",
    )
    ents = (Entity("Nebula-7", "model"), Entity("Sora 2", "model"), Entity("星河实验室", "org"))
    only_own = with_organisations(ents, load_glossary([own], use_default=False))
    assert [e.org for e in only_own] == ["星河实验室", "", ""]  # no bundled OpenAI tie for Sora
    both = with_organisations(ents, load_glossary([own], use_default=True))
    assert [e.org for e in both] == ["星河实验室", "OpenAI", ""]


def test_an_org_set_by_an_editor_is_kept_and_no_glossary_ties_nothing():
    ents = (Entity("Sora 2", "model", org="某公司"),)
    assert with_organisations(ents, load_glossary(use_default=True))[0].org == "某公司"
    assert with_organisations((Entity("Sora 2", "model"),), None)[0].org == ""


def test_build_digest_records_the_org_and_digest_json_round_trips():
    text = "OpenAI推出Sora 2，支持社交分享。"
    t = Transcript(
        episode=EpisodeMeta(source="x"),
        language="zh",
        segments=(Segment(0, 0.0, 5.0, text),),
    )
    d = build_digest(t, glossary=load_glossary(use_default=True))
    sora = [e for it in d.items for e in it.entities if e.term == "Sora 2"]
    assert sora and sora[0].org == "OpenAI"
    again = type(d).from_dict(d.to_dict())
    assert [e.org for it in again.items for e in it.entities] == [
        e.org for it in d.items for e in it.entities
    ]
