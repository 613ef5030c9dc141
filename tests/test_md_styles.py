"""digest.md layouts (--style weekly|daily|brief), offline and with LLM fields."""

from __future__ import annotations

import re

import yaml
from click.testing import CliRunner

from audio2digest.render import FORMATS, STYLES, render_all
from audio2digest.types import Digest, Entity, EpisodeMeta, Item


def digest(**kw) -> Digest:
    items = (
        Item(0, "intro", "开场", "欢迎。", "欢迎收听。", 0.0, 2.0),
        Item(
            1,
            "news",
            "OpenAI推出Sora 2",
            "OpenAI推出Sora 2。支持社交分享。",
            "OpenAI推出Sora 2，支持社交分享。",
            2.0,
            9.0,
            (Entity("OpenAI", "org"), Entity("Sora 2", "model", org="OpenAI")),
            "多模态",
        ),
        Item(
            2,
            "news",
            "英伟达发布Blackwell Ultra",
            "英伟达发布Blackwell Ultra芯片。",
            "英伟达发布Blackwell Ultra芯片。",
            9.0,
            15.0,
            (Entity("英伟达", "org"), Entity("Blackwell Ultra", "product", org="英伟达")),
            "硬件与算力",
        ),
        Item(
            3,
            "news",
            "OpenAI更新Codex",
            "OpenAI更新Codex。",
            "OpenAI更新了Codex。",
            15.0,
            20.0,
            (Entity("OpenAI", "org"), Entity("Codex", "product")),
            "智能体",
        ),
    )
    return Digest(
        EpisodeMeta(source="https://example.com/ep", title="AI 周报", date="2026-01-03"),
        "zh",
        items,
        20.0,
        **kw,
    )


def render(d: Digest, style: str) -> str:
    return FORMATS["md"].render(d, style=style)


def test_styles_are_registered():
    assert STYLES == ("default", "weekly", "daily", "brief")
    assert FORMATS["md"].render(digest(), style="default") == FORMATS["md"].render(digest())


def test_weekly_offline_table_from_entities_and_glossary():
    md = render(digest(), "weekly")
    assert yaml.safe_load(md.split("---\n")[1])["title"] == "AI 周报"
    assert "## 趋势概览" in md and "- 本期共 3 条新闻" in md
    assert "OpenAI（2 条）" in md  # counted, not invented
    assert "| 类别 | 产品/技术名称 | 机构 | 简介 |" in md
    assert "| 多模态 | Sora 2 | OpenAI | OpenAI推出Sora 2。 |" in md
    assert "| 硬件与算力 | Blackwell Ultra | 英伟达 | 英伟达发布Blackwell Ultra芯片。 |" in md
    assert "## 总结" in md and "本期要点：OpenAI推出Sora 2；" in md
    assert "为什么重要" not in md


def test_daily_offline_omits_what_it_cannot_ground():
    md = render(digest(), "daily")
    assert "## 1. OpenAI推出Sora 2" in md and "**是什么**：OpenAI推出Sora 2。支持社交分享。" in md
    for absent in ("为什么重要", "**影响**", "**建议**"):
        assert absent not in md
    assert "## 今日趋势总结" in md and "本期共 3 条新闻" in md
    assert "开场" not in md.split("---\n", 2)[2]  # intro is not a story


def test_daily_and_weekly_with_llm_fields():
    d = digest(
        summary="本期聚焦视频与芯片。",
        trends=("视频生成走向社交。",),
        writer={"kind": "llm", "model": "m", "endpoint": "http://x/v1"},
    )
    items = list(d.items)
    items[1] = items[1].__class__(
        **{
            **items[1].__dict__,
            "analysis": {
                "what": "视频模型。",
                "why": "门槛更低。",
                "impact": "创作更多。",
                "advice": "试用。",
            },
            "details": ("支持社交分享。",),
        }
    )
    d = d.replace(items=tuple(items))
    md = render(d, "daily")
    assert "**为什么重要**：门槛更低。" in md and "**建议**：试用。" in md
    assert "- 视频生成走向社交。" in md and "本期共" not in md
    wk = render(d, "weekly")
    assert "- 视频生成走向社交。" in wk and "## 总结\n\n本期聚焦视频与芯片。" in wk
    assert "writer: m (http://x/v1)" in wk


def test_brief_matches_the_seed_layout(tmp_path):
    md = render(digest(), "brief")
    assert md.split("---\n", 2)[2].lstrip().startswith("# AI 周报 (2026-01-03)")
    assert "## ⚡ 本期速览" in md
    assert "- **\\[多模态\\]** **OpenAI推出Sora 2**：OpenAI推出Sora 2。" in md
    assert "## 1. 多模态" in md and "### **OpenAI推出Sora 2**" in md
    assert "> **概要**：OpenAI推出Sora 2。支持社交分享。" in md and "**💡内容详解**" in md
    assert "`[2026-01-03]`" in md


def test_english_labels():
    d = digest().replace(
        language="en",
        items=(
            Item(
                1,
                "news",
                "OpenAI ships Sora 2",
                "OpenAI shipped Sora 2.",
                "OpenAI shipped Sora 2 today.",
                entities=(Entity("OpenAI", "org"), Entity("Sora 2", "model")),
                category="Video",
            ),
        ),
    )
    assert "| Category | Product / technique | Organisation | Summary |" in render(d, "weekly")
    assert "**What it is**: OpenAI shipped Sora 2." in render(d, "daily")
    assert "## ⚡ In this episode" in render(d, "brief")


def test_render_all_style_and_cli(tmp_path):
    import json

    from audio2digest.cli import main

    render_all(digest(), None, tmp_path, formats=["md", "json"], style="brief")
    assert "本期速览" in (tmp_path / "digest.md").read_text("utf-8")
    (tmp_path / "digest.json").write_text(json.dumps(digest().to_dict(), ensure_ascii=False), "utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "md", "--style", "weekly", str(tmp_path / "digest.json")])
    assert res.exit_code == 0, res.output
    assert "产品/技术名称" in (tmp_path / "digest.md").read_text("utf-8")
    res = CliRunner().invoke(main, ["render", "-f", "md", "--style", "nope", str(tmp_path / "digest.json")])
    assert res.exit_code == 2 and "nope" in res.output


def test_weekly_table_shows_the_organisation_the_digest_recorded():
    item = Item(
        1,
        "news",
        "t",
        "s",
        "深度求索发布DeepSeek-R2，可通过OpenRouter调用。",
        entities=(
            Entity("深度求索", "org"),
            Entity("DeepSeek-R2", "model", org="深度求索"),
            Entity("OpenRouter", "product"),
        ),
    )
    md = render(Digest(EpisodeMeta(source="x"), "zh", (item,)), "weekly")
    assert "| 其他 |" not in md and "DeepSeek-R2、OpenRouter | 深度求索 |" in md


def test_episode_date_is_escaped_in_every_layout():
    from dataclasses import replace

    d = digest()
    d = replace(d, episode=replace(d.episode, date="<img src=x onerror=alert(1)>`x`"))
    for style in STYLES:
        body = render(d, style).split("---\n", 2)[2]
        # outside code spans (shown literally) every angle bracket is escaped
        text = re.sub(r"(`+)(.+?)\1", "", body)
        assert not re.search(r"(?<!\\)<", text), style
    assert "\\<img src=x onerror=alert(1)\\>" in render(d, "brief")
    assert "``[<img src=x onerror=alert(1)>`x`]``" in render(d, "brief")


def test_renderers_share_the_public_common_module():
    import ast
    from pathlib import Path

    import audio2digest.render.common as common

    assert common.clock(62) == "1:02"
    html = Path(common.__file__).with_name("html.py").read_text("utf-8")
    froms = {n.module for n in ast.walk(ast.parse(html)) if isinstance(n, ast.ImportFrom)}
    assert "audio2digest.text.segment" not in froms and "audio2digest.text.language" in froms
