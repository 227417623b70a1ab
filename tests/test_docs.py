"""The documentation a user follows: README.md and docs/*.md.

Every relative link (and #anchor) resolves, every `modernize` command in a code block exists with
every option it passes and answers `--help`, docs/reference.md is what docs/make_reference.py writes
from the CLI now, and the README still promises exactly `make install` / `make test` (.ci/run runs
those two). The checks are plain functions so that a test can show each one catching a fault."""

from __future__ import annotations

import importlib.util
import re
import shlex
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from conftest import ROOT
from modernizer.cli import app

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
runner = CliRunner()

FENCE = re.compile(r"^(`{3,}|~{3,})(\w*)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.M)


def prose(text: str) -> str:
    """The page without its fenced code blocks and inline code, where brackets are not links and
    `#` lines are not headings."""
    text = FENCE.sub("", text)
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", text, flags=re.S)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation removed, spaces to
    hyphens (a repeated heading gets -1, -2: see anchors)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for _, title in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        base = slug(title)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def broken_links(page: Path) -> list[str]:
    """Each relative link of a Markdown page whose file (or #anchor in a Markdown file) is missing."""
    out = []
    for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        where = f"{page.relative_to(ROOT)}: ({target})"
        if not dest.exists():
            out.append(f"{where} no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            out.append(f"{where} no heading #{anchor} in {dest.relative_to(ROOT)}")
    return out


def modernize_commands(text: str) -> list[list[str]]:
    """Each `modernize ...` (or `.venv/bin/modernize ...`) command of a page's shell code blocks,
    continuation lines joined and comments dropped, as words after the command name."""
    out = []
    for _, lang, body in FENCE.findall(text):
        if lang not in ("", "bash", "sh", "shell", "console"):
            continue
        for line in re.sub(r"\\\n\s*", " ", body).splitlines():
            line = line.strip().removeprefix("$ ")
            m = re.match(r"^(?:\S*/)?modernize\s+(.*)$", line)
            if not m:
                continue
            words = shlex.split(m.group(1).split(" | ")[0].split(" > ")[0], comments=True)
            if words:
                out.append(words)
    return out


def command_problems(commands: list[list[str]]) -> list[str]:
    """What is wrong with these command lines: an unknown command, an unknown option, a --help
    that fails."""
    main = typer.main.get_command(app)
    out = []
    for words in commands:
        name = words[0]
        if name.startswith("-"):
            continue
        if name not in main.commands:
            out.append(f"`modernize {name}` does not exist")
            continue
        known = {"--help"} | {o for p in main.commands[name].params for o in (*p.opts, *p.secondary_opts)}
        used = {w.split("=")[0] for w in words[1:] if w.startswith("-") and w != "-"}
        out += [f"`modernize {name}` has no option {o}" for o in sorted(used - known)]
    return out


def load_make_reference():
    spec = importlib.util.spec_from_file_location("make_reference", ROOT / "docs" / "make_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pages_are_there():
    names = {p.name for p in PAGES}
    # the pages the README sends readers to (the reference and the guides other parts link by name)
    assert {"README.md", "reference.md", "serve.md", "ci.md", "review.md", "reports.md", "security-model.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    assert broken_links(page) == []


def test_the_link_check_catches_a_missing_file_and_a_missing_anchor(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## Exit codes: 0 to 130\n\n```bash\n# not a heading\n```\n", encoding="utf-8")
    page = tmp_path / "README.md"
    page.write_text(
        "# R\n\n[ok](docs/a.md) [ok too](docs/a.md#exit-codes-0-to-130) [self](#r) [web](https://example.com/x.md)\n"
        "[gone](docs/b.md) [bad anchor](docs/a.md#not-a-heading) `[code](docs/c.md)`\n\n"
        "```\n[in a block](docs/d.md)\n```\n", encoding="utf-8")
    assert broken_links(page) == ["README.md: (docs/b.md) no such file",
                                  "README.md: (docs/a.md#not-a-heading) no heading #not-a-heading in docs/a.md"]


def test_anchors_follow_githubs_slugs(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("# Serving the model: `modernize serve`, gateway, doctor\n## 1M without the cache, or smaller\n"
                    "## Notes\n## Notes\n", encoding="utf-8")
    assert anchors(page) == {"serving-the-model-modernize-serve-gateway-doctor", "1m-without-the-cache-or-smaller",
                             "notes", "notes-1"}


def test_every_documented_command_exists_with_its_options():
    commands = [c for page in PAGES for c in modernize_commands(page.read_text(encoding="utf-8"))]
    readme = modernize_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    # the Quick start's commands are among them: analyze (--no-llm, --plan), serve, doctor
    assert {c[0] for c in readme} >= {"analyze", "serve", "doctor", "report", "review"}
    assert command_problems(commands) == []


@pytest.mark.parametrize("name", sorted({c[0] for page in PAGES for c in modernize_commands(page.read_text(encoding="utf-8"))
                                         if not c[0].startswith("-")}))
def test_every_documented_command_answers_help(name):
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output


def test_the_command_check_catches_a_wrong_command():
    text = ("```bash\n.venv/bin/modernize analyze . \\\n    --no-such-flag   # a comment --nor-this\n"
            "modernize frobnicate .\n# modernize review --commented-out\n```\n\n```toml\nmodernize = 1\n```\n")
    assert modernize_commands(text) == [["analyze", ".", "--no-such-flag"], ["frobnicate", "."]]
    assert command_problems(modernize_commands(text)) == ["`modernize analyze` has no option --no-such-flag",
                                                          "`modernize frobnicate` does not exist"]


def test_the_reference_is_what_the_cli_says_now():
    make_reference = load_make_reference()
    page = make_reference.render(app)
    main = typer.main.get_command(app)
    for name, cmd in main.commands.items():
        assert f"## modernize {name}\n" in page
        for p in cmd.params:
            for opt in (*p.opts, *p.secondary_opts):
                if opt.startswith("-"):
                    assert f"`{opt}`" in page, (name, opt)
    current = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert current == page, "docs/reference.md is out of date: run `.venv/bin/python docs/make_reference.py` and commit it"


def test_the_readme_keeps_the_commands_ci_runs():
    """.ci/run runs `make install` then `make test`, the README's words exactly."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [body.strip() for _, lang, body in FENCE.findall(readme) if lang == "bash"]
    assert "make install" in blocks and "make test" in blocks
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-2:] == ["make install", "make test"]
