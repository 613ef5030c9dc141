"""Every command example in README.md and in each command's --help parses with the real click
command (options, choices, types), and the cheap ones run for real, so examples cannot drift
from the code."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from audio2digest.cli import main
from audio2digest.render import render_all
from audio2digest.text.digest import build_digest
from audio2digest.types import EpisodeMeta, Transcript

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EPISODE = "out/ai-周末快讯-第十二期"  # the demo's episode directory, as the README names it


def readme_commands() -> list[str]:
    """Lines of the README's ```sh blocks (comments dropped, empty lines skipped)."""
    out, block = [], None
    for line in README.read_text("utf-8").splitlines():
        if line.startswith("```"):
            block = line[3:].strip() if block is None else None
            continue
        if block == "sh" and line.strip():
            out.append(line.strip())
    return out


def walk(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from walk(cmd, prefix + (name,))
        else:
            yield prefix + (name,), cmd


def help_examples() -> list[tuple[str, str]]:
    """(command path, example line) from the help text of the group and every command."""
    out = []
    for line in (main.help or "").splitlines():
        if line.strip().startswith("audio2digest "):
            out.append(("audio2digest", line.strip()))
    for path, cmd in walk(main):
        for line in (cmd.help or "").splitlines():
            if "audio2digest " in line and line.startswith("      "):
                out.append((" ".join(path), line.strip()))
    return out


def argv_of(line: str) -> list[str] | None:
    """The audio2digest arguments of a shell line (after a pipe, without a comment), or None."""
    words = shlex.split(line, comments=True)
    if "|" in words:
        words = words[len(words) - words[::-1].index("|") :]
    if not words or Path(words[0]).name != "audio2digest":
        return None
    return words[1:]


def parse(argv: list[str]) -> click.Context:
    """Resolve the subcommand path and let the real command parse and check its arguments
    (types, choices, ranges), without running it."""
    ctx = click.Context(main, info_name="audio2digest")
    group: click.Command = main
    rest = list(argv)
    while isinstance(group, click.Group):
        assert rest and not rest[0].startswith("-"), f"no subcommand in {argv}"
        cmd = group.get_command(ctx, rest[0])
        assert cmd is not None, f"no command {rest[0]!r} in {argv}"
        ctx = click.Context(cmd, info_name=rest[0], parent=ctx)
        group, rest = cmd, rest[1:]
    return group.make_context(ctx.info_name, rest, parent=ctx.parent)


README_LINES = [line for line in readme_commands()]
README_ARGV = [(line, argv_of(line)) for line in README_LINES]
HELP_LINES = help_examples()


def test_examples_were_found():
    assert len([a for _, a in README_ARGV if a is not None]) >= 25
    assert len(HELP_LINES) >= 20
    commands = {p for p, _ in HELP_LINES}
    for path, _cmd in walk(main):
        assert " ".join(path) in commands, f"`{' '.join(path)} --help` has no example"


@pytest.mark.parametrize(
    "line, argv",
    [(line, a) for line, a in README_ARGV if a is not None],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_readme_example_parses(line, argv, monkeypatch):
    monkeypatch.chdir(ROOT)  # paths such as samples/ai-weekly-12.mp3 are relative to the checkout
    missing = [a for a in argv if a.startswith("../shared") and not (ROOT / a).exists()]
    if missing:  # the evaluation data beside the checkout is not on every machine
        pytest.skip(f"{missing[0]} is not beside this checkout")
    parse(argv)


@pytest.mark.parametrize("where, line", HELP_LINES)
def test_help_example_parses(where, line, monkeypatch):
    monkeypatch.chdir(ROOT)
    argv = argv_of(line)
    assert argv is not None, line
    parse(argv)


def test_other_readme_lines_name_real_things():
    """make targets, benchmark scripts and the venv lines in the README exist as written."""
    makefile = (ROOT / "Makefile").read_text("utf-8")
    for line in README_LINES:
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if words[0] == "make":
            for target in words[1:]:
                assert re.search(rf"^{re.escape(target)}:", makefile, re.M), line
        if words[0] == "python" and words[1].startswith("benchmarks/"):
            assert (ROOT / words[1]).is_file(), line


def test_glossary_readme_python_imports_work():
    """The `from X import Y` snippets of glossary/README.md import (it named a module that
    does not exist)."""
    import importlib

    text = (ROOT / "glossary" / "README.md").read_text("utf-8")
    snippets = re.findall(r"`from ([\w.]+) import (\w+)`", text)
    assert snippets
    for module, name in snippets:
        assert hasattr(importlib.import_module(module), name), f"from {module} import {name}"
    for module in re.findall(r"`(audio2digest(?:\.\w+)+)`", text):
        importlib.import_module(module)


def test_files_the_docs_name_exist():
    """Repository paths written in `backticks` in README.md, glossary/README.md and docs/ exist
    (README sent readers to audio2digest/model.py for the model's sha256 pins)."""
    tops = "audio2digest|scripts|benchmarks|docs|glossary|samples|tests|requirements"
    pattern = re.compile(rf"`((?:{tops})/[\w./-]+\.(?:py|json|jsonl|yaml|md|txt))`")
    pages = [README, ROOT / "glossary" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    named = [(page, path) for page in pages for path in pattern.findall(page.read_text("utf-8"))]
    assert len(named) >= 20
    assert not [f"{page.relative_to(ROOT)}: {path}" for page, path in named if not (ROOT / path).exists()]


# ---------------------------------------------------------------- the cheap ones, for real


@pytest.fixture()
def demo_tree(tmp_path, monkeypatch):
    """A working directory laid out like the demo's: samples/, out/<episode>/ with
    transcript.json, digest.json and source.json (from a real decode, no model run)."""
    (tmp_path / "samples").mkdir()
    shutil.copy(ROOT / "samples" / "ai-weekly-12.mp3", tmp_path / "samples")
    tr = Transcript.from_dict(
        json.loads((ROOT / "samples/eval/segments/pipeline/dev01.transcript.json").read_text("utf-8"))
    )
    tr = tr.replace(episode=EpisodeMeta("samples/ai-weekly-12.mp3", title="AI 周末快讯 第十二期"))
    ep = tmp_path / EPISODE
    render_all(build_digest(tr), tr, ep, formats=["json"])
    (ep / "transcript.json").write_text(json.dumps(tr.to_dict(), ensure_ascii=False), "utf-8")
    (ep / "source.json").write_text(
        json.dumps({"episode": tr.episode.to_dict(), "audio": "../../samples/ai-weekly-12.mp3"}), "utf-8"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def runnable(argv: list[str], root: Path) -> bool:
    """Commands that need no model run and whose input files exist in the demo tree."""
    if argv[0] not in ("correct", "segment", "render", "models") or "--clips" in argv:
        return False
    files = [a for a in argv[1:] if "/" in a or a.endswith((".json", ".txt", ".mp3", ".yaml"))]
    return all((root / f).exists() for f in files if not f.endswith("/"))


def test_cheap_readme_examples_run(demo_tree):
    ran = []
    for line, argv in README_ARGV:
        if argv is None or not runnable(argv, demo_tree):
            continue
        stdin = None
        if "|" in line:
            stdin = shlex.split(line.split("|")[0])[1] + "\n"  # echo "..." | audio2digest ...
        result = CliRunner().invoke(main, argv, input=stdin)
        assert result.exit_code == 0, (line, result.output)
        ran.append(line)
        if argv[0] == "correct" and stdin:
            # the README shows the expected output on the next line: "# → ..."
            expected = next(ln for ln in README.read_text("utf-8").splitlines() if ln.startswith("# → "))[4:]
            assert result.output.strip() == expected, line
        if argv[0] == "render" and "html" in argv:
            page = (demo_tree / EPISODE / "digest.html").read_text("utf-8")
            assert 'src="../../samples/ai-weekly-12.mp3"' in page  # the player has its audio
    assert len(ran) >= 5, ran
