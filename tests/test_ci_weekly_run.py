"""The weekly workflow's own shell steps, run by hand as a person would try them: three "weeks" on a
real temporary git repository, with the runner's state folder remembering between them; the server
check against a server that serves the expected model or another one; and the install step against a
local clone of modernizer (its pip a recorder: nothing is downloaded).

`modernize` on the PATH is this checkout's CLI, whose analyses ask the code-reading test model at
the engine's seam (tests/support/weekly_cli.py) instead of a GPU server; `gh` is a stand-in that has
no artifacts (a new repository), and logs its calls."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT
from modernizer.report.files import load_report
from support.reading_model import DB_WEEK1, DB_WEEK2, TOOLS_WEEK1, TOOLS_WEEK3
from support.review_fixtures import git
from support.managed import served  # noqa: F401  (a fixture: the vLLM stand-in serving nemotron)

WORKFLOW = ROOT / "examples" / "ci" / "modernize-weekly.yml"


def step(name: str) -> str:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    script = next(s["run"] for job in doc["jobs"].values() for s in job["steps"] if s.get("name") == name)
    assert "${{" not in script  # what GitHub substitutes is in env:, set below as the runner would
    return script


def shim(path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture()
def runner_env(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim(bin_dir / "modernize", f'#!/bin/sh\nexec "{sys.executable}" "{ROOT / "tests" / "support" / "weekly_cli.py"}" "$@"\n')
    shim(bin_dir / "gh", f'#!/bin/sh\necho "$@" >> "{tmp_path}/gh-calls"\n[ "$1" = run ] && exit 1\nexit 0\n')
    repo = tmp_path / "work" / "shop"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "db.py").write_text(DB_WEEK1)
    (repo / "app" / "tools.py").write_text(TOOLS_WEEK1)
    git(repo, "init", "-q", "-b", "main")
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", PYTHONPATH=str(ROOT), HOME=str(tmp_path / "home"),
               GITHUB_OUTPUT=str(tmp_path / "output"), GITHUB_STEP_SUMMARY=str(tmp_path / "summary"),
               GITHUB_ENV=str(tmp_path / "github-env"), GITHUB_REPOSITORY="acme/shop", GITHUB_REF_NAME="main",
               GITHUB_SERVER_URL="https://github.com", GITHUB_RUN_NUMBER="1", FAIL_ON="critical",
               STATE=str(tmp_path / "runner-state" / "acme" / "shop" / "main"), OUT=str(tmp_path / "work" / "modernize-out"),
               BASELINE_DIR=str(tmp_path / "work" / "modernize-baseline"), VLLM_PORT="8000",
               MODERNIZE_NVIDIA_SMI=str(tmp_path / "no-nvidia-smi"), MODERNIZE_STATE_DIR=str(tmp_path / "serve-state"))
    return repo, env


def bash(script: str, env: dict, cwd) -> subprocess.CompletedProcess:
    # as GitHub runs a `run:` step on Linux: bash --noprofile --norc -eo pipefail
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_three_weeks_remember_the_baseline_and_the_history_on_the_runner(runner_env, tmp_path):
    repo, env = runner_env
    state, out = tmp_path / "runner-state" / "acme" / "shop" / "main", tmp_path / "work" / "modernize-out"
    weeks = {1: {}, 2: {"db.py": DB_WEEK2}, 3: {"tools.py": TOOLS_WEEK3}}  # a critical appears in week 2, ping is fixed in week 3
    generated = []
    for week, changes in weeks.items():
        for name, text in changes.items():
            (repo / "app" / name).write_text(text)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", f"week {week}")
        env["GITHUB_SHA"] = git(repo, "rev-parse", "HEAD")
        (tmp_path / "output").write_text("")
        for name in ("Find the baseline", "Analyse"):
            res = bash(step(name), env, repo)
            assert res.returncode == 0, f"{name}: {res.stdout}\n{res.stderr}"
        output = (tmp_path / "output").read_text()
        # weeks 1 and 2 have a critical no baseline knew: rc=1 (the later "Fail on new findings" step fails the job)
        assert f"rc={1 if week < 3 else 0}" in output and "report=yes" in output, output
        report = load_report(out / "report.json")[0]
        generated.append(report.generated_at)
        assert {p.name for p in out.glob("report.*")} == {"report.json", "report.html", "report.md", "report.sarif"}
        assert load_report(state / "baseline.json")[0].generated_at == report.generated_at  # kept on the runner
        assert (out / "history.sqlite").read_bytes() == (state / "history.sqlite").read_bytes()  # the artifact's copy
        assert report.history.total_runs == week and report.repo.git.commit == env["GITHUB_SHA"]
        if week == 1:
            assert report.baseline is None
            assert "actions/artifacts?name=modernize-report" in (tmp_path / "gh-calls").read_text()  # a new runner: the copy is looked for
        else:  # last week's report, from the runner's state, is the baseline: the artifact is not needed
            assert report.baseline.generated_at == generated[-2]
    assert len((tmp_path / "gh-calls").read_text().splitlines()) == 1
    assert [(r.new, r.fixed) for r in report.history.runs] == [(2, 0), (1, 0), (0, 1)]
    with sqlite3.connect(state / "history.sqlite") as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 3
    summary = (tmp_path / "summary").read_text()
    assert summary.count("3 of 3 runs: open findings by severity, model schema-model") == 1 and summary.count("```") == 6
    assert "open critical findings: 2; open the longest: SQL built by concatenation (app/db.py:5)" in " ".join(summary.split())


def test_the_server_step_refuses_another_model_on_the_port(runner_env, served, tmp_path):  # noqa: F811
    repo, env = runner_env
    url, checkpoint = served
    port = url.split(":")[-1].split("/")[0]
    env.update(VLLM_PORT=port, MODERNIZE_ENDPOINT=url, GITHUB_OUTPUT=str(tmp_path / "output"))
    script = step("Start or reuse the local model server")

    res = bash(script, dict(env, MODEL_DIR=str(checkpoint)), repo)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"a server already answers on port {port}: reusing it" in res.stdout and "expected model" in res.stdout

    other = tmp_path / "models" / "another-model"
    other.mkdir(parents=True)
    res = bash(script, dict(env, MODEL_DIR=str(other)), repo)
    assert res.returncode == 7, res.stdout + res.stderr
    assert f"verdict: wrong model: {url} serves nemotron (loaded from {checkpoint}), not {other}" in " ".join(res.stdout.split())
    assert not (tmp_path / "output").exists()  # it reused the server, started nothing


def test_the_install_step_says_where_modernizer_comes_from():
    """The registry has no modernizer; its `modernize` is another tool: the job installs from the clone."""
    text = WORKFLOW.read_text(encoding="utf-8")
    script = step("Install modernizer from its git clone")
    assert "pip install 'modernizer" not in text and "pip install modernizer" not in text.replace("`pip install modernizer`", "")
    assert 'git clone --quiet "$MODERNIZER_GIT"' in script and '"$tool/venv/bin/pip" install --quiet "$tool/src[serve]"' in script
    assert 'echo "$tool/venv/bin" >> "$GITHUB_PATH"' in script and "STATE=$root/$GITHUB_REPOSITORY/$GITHUB_REF_NAME" in script
    assert "the registry's `modernize` is an unrelated package" in text and "MODERNIZER_REF" in text


def test_the_install_step_installs_the_pinned_commit_of_the_clone_once(tmp_path):
    """The install step against a local clone (MODERNIZER_GIT may be a path on the runner), with a
    `python3` whose venv's pip only records what it was asked (no download here): the pinned commit is
    checked out and installed with the [serve] extra, put on the PATH, and not reinstalled next week;
    a new MODERNIZER_REF is."""
    upstream = tmp_path / "modernizer-upstream"
    upstream.mkdir()
    (upstream / "pyproject.toml").write_text("[project]\nname = 'modernizer'\n")
    git(upstream, "init", "-q", "-b", "main")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-q", "-m", "v1")
    git(upstream, "tag", "v1")
    git(upstream, "commit", "-q", "--allow-empty", "-m", "v2")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pip_log = tmp_path / "pip-calls"
    shim(bin_dir / "python3", f'''#!/bin/sh
if [ "$1" = -m ] && [ "$2" = venv ]; then
  mkdir -p "$3/bin"
  printf '#!/bin/sh\\necho "$@" >> "{pip_log}"\\nprintf "#!/bin/sh\\\\n" > "$(dirname "$0")/modernize"\\nchmod +x "$(dirname "$0")/modernize"\\n' > "$3/bin/pip"
  chmod +x "$3/bin/pip"
  exit 0
fi
exec "{sys.executable}" "$@"
''')
    home = tmp_path / "home"
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", HOME=str(home), MODERNIZER_GIT=str(upstream), RUNNER_STATE="",
               GITHUB_PATH=str(tmp_path / "github-path"), GITHUB_ENV=str(tmp_path / "github-env"),
               GITHUB_REPOSITORY="acme/shop", GITHUB_REF_NAME="main")
    script = step("Install modernizer from its git clone")
    tool = home / ".local" / "state" / "modernizer" / "tool"

    for ref, installs in (("v1", 1), ("v1", 1), ("main", 2)):
        res = bash(script, dict(env, MODERNIZER_REF=ref), tmp_path)
        assert res.returncode == 0, res.stdout + res.stderr
        assert git(tool / "src", "rev-parse", "HEAD") == git(upstream, "rev-parse", ref)
        assert (tool / "installed").read_text().strip() == git(upstream, "rev-parse", ref)
        assert pip_log.read_text().splitlines() == [f"install --quiet {tool}/src[serve]"] * installs  # from the clone, once a commit
    assert (tmp_path / "github-path").read_text().splitlines() == [str(tool / "venv" / "bin")] * 3
    assert f"STATE={home}/.local/state/modernizer/acme/shop/main" in (tmp_path / "github-env").read_text()
