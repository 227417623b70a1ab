"""The workflow users copy (examples/ci/modernize-weekly.yml): it parses, it has the triggers,
runner and steps the README promises, and every `modernize` command it runs exists with every
option it passes."""

from __future__ import annotations

import json
import re
import shlex
from importlib.resources import files

import jsonschema
import pytest
import typer
import yaml
from typer.testing import CliRunner

from conftest import ROOT
from modernizer.cli import app

WORKFLOW = ROOT / "examples" / "ci" / "modernize-weekly.yml"
runner = CliRunner()


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps(workflow: dict) -> list[dict]:
    return [s for job in workflow["jobs"].values() for s in job["steps"]]


def scripts(workflow: dict) -> list[str]:
    return [s["run"] for s in steps(workflow) if "run" in s]


def modernize_commands(script: str) -> list[list[str]]:
    """Each `modernize ...` command line of a bash script, continuation lines joined, as words;
    a bash array used in it ("${name[@]}") is replaced by the words it is assigned anywhere."""
    joined = re.sub(r"\\\n\s*", " ", script)
    arrays: dict[str, list[str]] = {}
    for name, body in re.findall(r"\b(\w+)=\(([^)]*)\)", joined):
        arrays.setdefault(name, []).extend(shlex.split(body))
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line.startswith("modernize "):
            continue
        words = []
        for w in shlex.split(line.split(" > ")[0].split(" || ")[0], comments=True):
            m = re.fullmatch(r"\$\{(\w+)\[@\]\}", w)
            words.extend(arrays.get(m.group(1), []) if m else [w])
        out.append(words[1:])
    return out


def test_the_workflow_is_valid_for_github_actions(workflow):
    """Against the GitHub workflow schema (SchemaStore's, as vendored by check-jsonschema)."""
    schema = json.loads((files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json").read_text(encoding="utf-8"))
    doc = dict(workflow)
    doc["on"] = doc.pop(True)  # YAML 1.1 reads a bare `on` as true; GitHub reads YAML 1.2
    jsonschema.Draft7Validator(schema).validate(doc)
    broken = dict(doc, jobs={"analyze": {"steps": []}})  # no runs-on
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_triggers_runner_and_permissions(workflow):
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    cron = on["schedule"][0]["cron"]
    assert len(cron.split()) == 5 and cron.split()[4] not in ("*",)  # weekly: a day of the week
    assert "workflow_dispatch" in on
    assert on["workflow_dispatch"]["inputs"]["fail_on"]["options"] == ["critical", "high", "medium", "low", "never"]
    job = next(iter(workflow["jobs"].values()))
    assert job["runs-on"] == ["self-hosted", "gpu"]
    assert workflow["permissions"]["security-events"] == "write" and workflow["permissions"]["issues"] == "write"


def test_the_steps_a_weekly_job_needs(workflow):
    uses = [s.get("uses", "") for s in steps(workflow)]
    assert any(u.startswith("actions/checkout@") for u in uses)
    sarif = next(s for s in steps(workflow) if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert sarif["with"]["sarif_file"].endswith("/report.sarif")
    keep = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert keep["with"]["name"] == "modernize-report" and "report.json" in keep["with"]["path"]
    text = "\n".join(scripts(workflow))
    assert "gh run download" in text and "--name modernize-report" in text  # last report back as the baseline
    assert "/health" in text and "modernize serve --detach" in text  # reuses a running server or starts one
    assert "gh issue create" in text and "gh issue edit" in text  # one issue, opened or updated
    assert "GITHUB_STEP_SUMMARY" in text


def problems(commands: list[list[str]]) -> list[str]:
    """What is wrong with these `modernize` command lines: unknown subcommands or options."""
    main = typer.main.get_command(app)
    out = []
    for words in commands:
        if words[0].startswith("-"):  # `modernize --version`
            if runner.invoke(app, words).exit_code != 0:
                out.append(f"`modernize {' '.join(words)}` fails")
            continue
        name = words[0]
        if name not in main.commands:
            out.append(f"`modernize {name}` does not exist")
            continue
        if runner.invoke(app, [name, "--help"]).exit_code != 0:
            out.append(f"`modernize {name} --help` fails")
        known = {"--help"} | {o for p in main.commands[name].params for o in (*p.opts, *p.secondary_opts)}
        used = {w.split("=")[0] for w in words[1:] if w.startswith("-")}
        out += [f"`modernize {name}` has no option {o}" for o in sorted(used - known)]
    return out


def test_the_check_catches_a_wrong_command():
    script = 'x=(--no-such-flag)\nmodernize analyze . \\\n  --sarif "${x[@]}"\nmodernize frobnicate .\n'
    assert problems(modernize_commands(script)) == ["`modernize analyze` has no option --no-such-flag",
                                                     "`modernize frobnicate` does not exist"]


def test_every_modernize_command_and_option_exists(workflow):
    commands = [c for s in scripts(workflow) for c in modernize_commands(s)]
    analyze = [c for c in commands if c and c[0] == "analyze"]
    assert len(analyze) >= 1
    assert problems(commands) == []
    flags = set(analyze[-1])
    assert {"--sarif", "--baseline", "--fail-on", "--cache-dir"} <= flags
    assert {"json", "md"} <= {w for i, w in enumerate(analyze[-1]) if i and analyze[-1][i - 1] == "--format"}


def test_the_exit_codes_the_workflow_relies_on_are_the_documented_ones():
    res = runner.invoke(app, ["analyze", "--help"])
    assert "1 findings at or above --fail-on" in " ".join(res.output.split())
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "5 done but incomplete" in " ".join(res.output.split())
    assert '[ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 5 ]' in text
    assert "steps.analyze.outputs.rc == '1'" in text and "steps.analyze.outputs.rc == '5'" in text
