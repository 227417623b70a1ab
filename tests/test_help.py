"""`--help` reads at 80 columns: docstrings wrapped once, no Python type on every flag, nothing
cut off with an ellipsis, analyze's options in groups a person looks for."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from modernizer.cli import app

runner = CliRunner()
COMMANDS = [[], ["analyze"], ["report"], ["review"], ["serve"], ["doctor"], ["eval"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "modernize")
def test_help_reads_at_80_columns(command):
    res = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80", "TERM": "dumb"}, terminal_width=80)
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    table = "\n".join(line for line in lines if line.startswith("│"))  # the option tables (prose may say <path>)
    assert "<bool>" not in table and not re.search(r"<(str|int|float|path|list\[str\])>", table)
    assert "…" not in res.output  # no help text, default or example cut off
    assert not re.search(r"\{[A-Z]+\}", res.output)  # usage shows PATH, not {PATH}
    # a docstring paragraph is wrapped once: no line of prose breaks where the next line's first word would still fit
    prose = [line.strip() for line in lines if line.startswith(" ") and not line.startswith(" Usage")]
    for a, b in zip(prose, prose[1:]):
        if a and b and b[0].islower():
            assert len(a) + 1 + len(b.split()[0]) > 78, (a, b)


def test_analyze_groups_its_options():
    res = runner.invoke(app, ["analyze", "--help"], env={"COLUMNS": "80", "TERM": "dumb"}, terminal_width=80)
    panels = re.findall(r"╭─ ([A-Za-z ]+?) ─", res.output)
    assert panels == ["Arguments", "Options", "Input", "Model server", "Analysis", "Output", "CI"]
    section = res.output[res.output.index("╭─ CI"):]
    assert "--fail-on" in section and "--baseline" in section
