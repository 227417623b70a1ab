"""Untrusted input, round two: what the analysed tree (and a folder CI passes) can name, swap or plant.

Each case runs the real `modernize` program as a user would (with a time limit, so a hang fails
the test instead of the suite), and checks the exit code, the report's skipped files and that the
planted outside content appears nowhere. Races (a file swapped or grown between a check and the
read) are made deterministic through the public ``load_snapshot``, with the swap done at the one
moment a check-then-open reader would be fooled.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import ROOT
from support.hostile import craft_index

MODERNIZE = str(Path(sys.executable).with_name("modernize"))
SECRET = "OUTSIDE_SECRET_7f3a"  # planted outside the analysed tree: must reach no report and no prompt
LIMIT_S = 60


def modernize(*args: str, env: dict | None = None, timeout: float = LIMIT_S) -> subprocess.CompletedProcess:
    # this checkout's package, whichever checkout the `modernize` entry point was installed from
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    res = subprocess.run([MODERNIZE, *args], capture_output=True, text=True, timeout=timeout, env=full_env)
    assert "Traceback" not in res.stdout + res.stderr, res.stderr
    return res


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture()
def tree(tmp_path: Path) -> tuple[Path, Path]:
    """A small git work tree (``repo``) and a folder beside it holding a secret (``outside``)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Secret.java").write_text(f'class Secret {{ String key = "{SECRET}"; }}\n')
    (outside / "patterns").write_text("src/*\n")
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "A.java").write_text("class A { int x = 1; }\n")
    (repo / "src" / "B.java").write_text("class B { int y = 2; }\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "c")
    return repo, outside


def analyse(repo: Path, out: Path, *extra: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, dict | None]:
    res = modernize("analyze", str(repo), "--no-llm", "--no-candidates", "-o", str(out), "-f", "json", "-q", *extra, env=env)
    found = sorted(out.glob("*.json")) if out.exists() else []
    report = json.loads(found[-1].read_text()) if found else None
    if report is not None:
        assert SECRET not in found[-1].read_text()
    assert SECRET not in res.stdout + res.stderr
    return res, report


def skipped(report: dict) -> dict[str, tuple[str, str]]:
    return {s["path"]: (s["reason"], s["detail"]) for s in report["skipped"]}


# -- 1. paths from a crafted git index ----------------------------------------------------------

def test_a_crafted_index_cannot_bring_files_from_outside_the_tree(tree, tmp_path):
    repo, outside = tree
    (repo / "lnk").symlink_to(outside)  # a tracked link to a folder outside, and the index lists a file under it
    (repo / "etc").symlink_to("/etc")
    a = (repo / "src" / "A.java").read_bytes()
    craft_index(repo, [("src/A.java", 0o100644, a), ("../outside/Secret.java", 0o100644, b"x"),
                       ("lnk", 0o120000, str(outside).encode()), ("lnk/Secret.java", 0o100644, b"x"),
                       ("etc", 0o120000, b"/etc"), ("etc/passwd", 0o100644, b"x")])
    res, report = analyse(repo, tmp_path / "out")
    assert res.returncode == 0, res.stderr
    assert report["repo"]["git"]["commit"]  # the git listing was used: these paths came from the index
    s = skipped(report)
    assert s["../outside/Secret.java"][0] == "outside-repo"
    assert s["lnk/Secret.java"][0] == "symlink-outside-repo" and s["etc/passwd"][0] == "symlink-outside-repo"
    assert report["facts"]["files_analysed"] == 2  # src/A.java (in the index) and src/B.java (untracked now)
    assert "root:" not in json.dumps(report)


# -- 2. files that change under us --------------------------------------------------------------

def test_a_file_swapped_for_a_link_after_its_check_is_not_read(tree, monkeypatch):
    from modernizer.repo import ingest

    repo, outside = tree
    real = ingest._link_target

    def check_then_swap(root, rel):
        verdict = real(root, rel)  # the check sees a regular file...
        if rel == "src/B.java":
            (repo / rel).unlink()  # ...which becomes a link out before it is read
            (repo / rel).symlink_to(outside / "Secret.java")
        return verdict

    monkeypatch.setattr(ingest, "_link_target", check_then_swap)
    snap = ingest.load_snapshot(repo)
    assert [f.path for f in snap.files] == ["src/A.java"]
    entry = next(s for s in snap.skipped if s.path == "src/B.java")
    assert entry.reason == "not-regular-file" and "symbolic link" in entry.detail
    assert SECRET not in snap.model_dump_json()


def test_a_file_swapped_back_and_forth_during_a_real_run_never_leaks(tree, tmp_path):
    """The same race, live: a thread flips src/B.java between a file and a link out while the CLI runs."""
    repo, outside = tree
    target, stop = repo / "src" / "B.java", threading.Event()
    staging = tmp_path / "staging"

    def flip():
        i = 0
        while not stop.is_set():
            if i % 2:
                staging.symlink_to(outside / "Secret.java")
            else:
                staging.write_text("class B { int y = 2; }\n")
            os.replace(staging, target)  # a rename: the name is always there, a file or a link out
            i += 1

    t = threading.Thread(target=flip, daemon=True)
    t.start()
    try:
        plain_bytes = len("class A { int x = 1; }\n")
        for n in range(3):
            res, report = analyse(repo, tmp_path / f"out{n}")
            assert res.returncode == 0, res.stderr
            # B read as itself (same size as A) or refused; never the longer outside file
            assert report["facts"]["total_bytes"] in (plain_bytes, 2 * plain_bytes), report["facts"]
    finally:
        stop.set()
        t.join()


def test_a_file_grown_past_the_cap_after_its_size_was_seen_is_not_read_whole(tree, monkeypatch):
    from modernizer.repo import ingest

    from modernizer import safeio
    repo, _ = tree
    big = repo / "src" / "B.java"
    real, inode = os.fstat, big.stat().st_ino

    def fstat_then_grow(fd):
        seen = real(fd)  # the size is checked from the descriptor...
        if seen.st_ino == inode and seen.st_size < 100:
            with open(big, "ab") as fh:  # ...and the file grows to 21 MB before the read
                fh.truncate(21 << 20)
        return seen

    monkeypatch.setattr(safeio.os, "fstat", fstat_then_grow)
    snap = ingest.load_snapshot(repo, ingest.IngestOptions(max_file_bytes=100_000))
    entry = next(s for s in snap.skipped if s.path == "src/B.java")
    assert entry.reason == "too-large" and "grew" in entry.detail


def test_a_file_over_the_cap_through_the_cli(tree, tmp_path):
    repo, _ = tree
    (repo / "src" / "Big.java").write_bytes(b"// x\n" * 50_000)
    res, report = analyse(repo, tmp_path / "out", "--max-file-bytes", "100000")
    assert res.returncode == 0, res.stderr
    assert skipped(report)["src/Big.java"][0] == "too-large"


def test_a_modernizeignore_linked_out_of_the_tree_is_not_read(tree, tmp_path):
    repo, outside = tree
    (repo / ".modernizeignore").symlink_to(outside / "patterns")  # would leave src/* out of the analysis
    res, report = analyse(repo, tmp_path / "out")
    assert res.returncode == 0, res.stderr
    assert report["facts"]["files_analysed"] == 2
    reason, detail = skipped(report)[".modernizeignore"]
    assert reason == "not-regular-file" and "symbolic link" in detail and "not applied" in detail


# -- 3. special files: FIFOs and /dev/zero -------------------------------------------------------

@pytest.mark.parametrize("name", [".modernizeignore", ".gitignore", "src/.gitignore", ".gitattributes", ".git/info/exclude",
                                  ".git/commondir", ".git/index", ".git/HEAD", ".git/packed-refs", ".git/refs/heads/main",
                                  ".git/config", ".git/objects/info/alternates"])
def test_a_fifo_where_a_file_is_read_never_hangs_the_run(tree, tmp_path, name):
    repo, _ = tree
    path = repo / name
    if path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    res, report = analyse(repo, tmp_path / "out")  # a hang fails here, at LIMIT_S
    assert res.returncode == 0, res.stderr
    assert report["facts"]["files_analysed"] == 2
    if not name.startswith(".git/"):
        assert skipped(report)[name][0] == "not-regular-file"
    elif name in (".git/index", ".git/packed-refs", ".git/refs/heads/main", ".git/objects/info/alternates"):  # git would open these itself: not run
        reason, detail = skipped(report)[name]
        assert reason == "not-regular-file" and "git was not used" in detail


def test_a_fifo_suppressions_file_is_a_clear_error(tree, tmp_path):
    repo, _ = tree
    os.mkfifo(repo / "modernize-suppressions.toml")
    res, _ = analyse(repo, tmp_path / "out")
    assert res.returncode == 2
    assert "modernize-suppressions.toml" in res.stderr and "FIFO" in res.stderr


@pytest.mark.parametrize("name", [".modernizeignore", "modernize-suppressions.toml", "src/Zero.java"])
def test_a_link_to_dev_zero_is_not_read(tree, tmp_path, name):
    repo, _ = tree
    (repo / name).symlink_to("/dev/zero")
    res, report = analyse(repo, tmp_path / "out")
    if name == "modernize-suppressions.toml":
        assert res.returncode == 2 and "symbolic link" in res.stderr, res.stderr
        return
    assert res.returncode == 0, res.stderr
    assert skipped(report)[name][0] in ("not-regular-file", "symlink-outside-repo")


# -- 4. agent templates in the sandbox ----------------------------------------------------------

def agents_folder(tmp_path: Path, template: str, toml_template: str = "evil.j2") -> Path:
    folder = tmp_path / "agents"
    folder.mkdir(exist_ok=True)
    (folder / "evil.toml").write_text(f'name = "evil"\nrole = "findings"\ntemplate = "{toml_template}"\n'
                                      'output = "SecurityOutput"\nmax_tokens = 64\n')
    (folder / "evil.j2").write_text(template)
    return folder


@pytest.mark.parametrize("template, says", [
    ("{{ cycler.__init__.__globals__.os.system('touch MARK') }}", "not allowed in a template"),
    ("{{ lipsum.__globals__['os'].environ }}", "not allowed in a template"),
    ("{{ self.__init__.__globals__.__builtins__.open('/etc/passwd').read() }}", "not allowed in a template"),
    ("{% include '/etc/passwd' %}", "not found in the agents folder"),
    ("{% include '../outside/patterns' %}", "not found in the agents folder"),
    ("{% include 'linked.j2' %}", "linked.j2"),
])
def test_an_agent_template_cannot_run_read_or_reach_outside(tree, tmp_path, template, says):
    repo, outside = tree
    marker = tmp_path / "MARK"
    folder = agents_folder(tmp_path, template.replace("touch MARK", f"touch {marker}"))
    (folder / "linked.j2").symlink_to(outside / "Secret.java")
    res, _ = analyse(repo, tmp_path / "out", "--agents", str(folder))
    assert res.returncode == 2, res.stderr
    assert says in res.stderr and "evil" in res.stderr, res.stderr
    assert not marker.exists() and "root:" not in res.stderr


@pytest.mark.parametrize("named", ["../outside/Secret.java", "/etc/passwd", "linked.j2"])
def test_an_agent_naming_a_template_outside_its_folder_is_a_clear_error(tree, tmp_path, named):
    repo, outside = tree
    folder = agents_folder(tmp_path, "ok", toml_template=named)
    (folder / "linked.j2").symlink_to(outside / "Secret.java")
    res, _ = analyse(repo, tmp_path / "out", "--agents", str(folder))
    assert res.returncode == 2, res.stderr
    assert "evil.toml" in res.stderr, res.stderr


def test_an_agent_definition_linked_out_of_its_folder_is_not_read(tree, tmp_path):
    repo, outside = tree
    folder = tmp_path / "agents"
    folder.mkdir()
    (outside / "evil.toml").write_text('name = "evil"\nrole = "findings"\ntemplate = "security.j2"\noutput = "SecurityOutput"\nmax_tokens = 64\n')
    (folder / "evil.toml").symlink_to(outside / "evil.toml")
    res, _ = analyse(repo, tmp_path / "out", "--agents", str(folder))
    assert res.returncode == 2 and "evil.toml" in res.stderr and "symbolic link" in res.stderr, res.stderr


def test_a_sandboxed_template_still_renders_what_agents_use(tree, tmp_path):
    repo, _ = tree
    folder = agents_folder(tmp_path, "{% set names = [] %}{% for k, v in by_role.items() %}{{ k }}{% endfor %}"
                                     "{{ outputs | tojson }}{% include 'part.j2' %}")
    (folder / "part.j2").write_text("a part of the task\n")
    res, _ = analyse(repo, tmp_path / "out", "--agents", str(folder))
    assert res.returncode == 0, res.stderr


# -- 5. rule files with YAML aliases ------------------------------------------------------------

def test_a_yaml_alias_bomb_in_a_rule_file_is_refused_at_once(tree, tmp_path):
    repo, _ = tree
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        levels.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    bomb = tmp_path / "bomb.yml"
    bomb.write_text("rules:\n- id: boom\n  languages: [java]\n  message: m\n  severity: WARNING\n  pattern: foo()\n"
                    "  metadata:\n    cwe: CWE-89\n" + "".join(f"    {line}\n" for line in levels))
    res, _ = analyse(repo, tmp_path / "out", "--rules", str(bomb))
    assert res.returncode == 2, res.stderr
    assert "anchors and aliases" in res.stderr and "bomb.yml" in res.stderr


def test_a_fifo_as_rule_file_is_a_clear_error(tree, tmp_path):
    repo, _ = tree
    os.mkfifo(tmp_path / "rules.yml")
    res, _ = analyse(repo, tmp_path / "out", "--rules", str(tmp_path / "rules.yml"))
    assert res.returncode == 2 and "rules.yml" in res.stderr, res.stderr


# -- 6. SARIF URIs, the cache, review --no-git --------------------------------------------------

ODD = ["src/My File.java", "src/<tag>.java", 'src/q"uote\'.java', "src/100%.java", "src/a#b.java", "src/Café.java"]


def test_sarif_uris_are_percent_encoded(tmp_path):
    from datetime import datetime, timezone

    from modernizer.run.assemble import build_report
    from modernizer.engine.results import AgentRun, PipelineResult
    from modernizer.repo.facts import compute_facts
    from modernizer.repo.ingest import load_snapshot
    from modernizer.render import RENDERERS

    repo = tmp_path / "odd"
    (repo / "src").mkdir(parents=True)
    findings = []
    for i, name in enumerate(ODD):
        (repo / name).write_text(f'class C{i} {{ String pw = "hunter{i}"; }}\n')
        findings.append({"id": f"S{i + 1}", "title": "hard-coded password", "category": "hardcoded-credentials", "cwe": "CWE-798",
                         "severity": "high", "file": name, "line_start": 1, "line_end": 1, "snippet": f"class C{i}", "reason": "r"})
    snap = load_snapshot(repo)
    result = PipelineResult(runs=[AgentRun(agent="security", role="findings", output_type="SecurityOutput", status="ok",
                                           output={"findings": findings})])
    report = build_report(snap, compute_facts(snap), None, result, None, now=datetime(2025, 1, 2, tzinfo=timezone.utc))
    (tmp_path / "r.json").write_text(RENDERERS["json"](report))
    res = modernize("report", str(tmp_path / "r.json"), "-f", "sarif", "-o", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    sarif = json.loads(next((tmp_path / "out").glob("*.sarif")).read_text())
    uris = sorted(loc["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"] for loc in r["locations"])
    assert uris == sorted(["src/My%20File.java", "src/%3Ctag%3E.java", "src/q%22uote%27.java", "src/100%25.java",
                           "src/a%23b.java", "src/Caf%C3%A9.java"])
    import re
    assert all(re.fullmatch(r"[A-Za-z0-9\-._~/%]+", u) for u in uris)


def test_the_cache_is_private_to_its_user(tree, tmp_path):
    from modernizer.run.resultcache import ResultCache
    from modernizer.findings.schemas import OUTPUT_MODELS

    repo, _ = tree
    home = tmp_path / "cache-home"
    res, _ = analyse(repo, tmp_path / "out", env={"MODERNIZE_CACHE_HOME": str(home)})
    assert res.returncode == 0, res.stderr
    cache = ResultCache.open(tmp_path / "results" / "r1")
    cache.put("ab" * 32, OUTPUT_MODELS["SecurityOutput"](findings=[]))
    for base in (home, tmp_path / "results" / "r1"):
        found = [base, *base.rglob("*")]
        assert len(found) > 1
        for p in found:
            mode = stat.S_IMODE(p.stat().st_mode)
            assert mode == (0o700 if p.is_dir() else 0o600), (p, oct(mode))
    # an existing cache folder made by an older version with the umask is closed too
    old = tmp_path / "old"
    old.mkdir(mode=0o755)
    ResultCache.open(old)
    assert stat.S_IMODE(old.stat().st_mode) == 0o700


def test_review_no_git_does_not_write_backups_through_a_link_out(tmp_path):
    """The user types the fix themselves ([e]dit), so no model is asked: the real review, no server."""
    from modernizer.run.assemble import build_report
    from modernizer.engine.results import AgentRun, PipelineResult
    from modernizer.repo.facts import compute_facts
    from modernizer.repo.ingest import load_snapshot
    from modernizer.render import RENDERERS

    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    (repo / "src").mkdir(parents=True)
    elsewhere.mkdir()
    line = '    String pw = "p4ss";'
    (repo / "src" / "Db.java").write_text(f"class Db {{\n{line}\n}}\n")
    (repo / ".modernize").symlink_to(elsewhere)
    snap = load_snapshot(repo)
    finding = {"id": "S1", "title": "pw", "category": "hardcoded-credentials", "cwe": "CWE-798", "severity": "high",
               "file": "src/Db.java", "line_start": 2, "line_end": 2, "snippet": line.strip(), "reason": "r"}
    result = PipelineResult(runs=[AgentRun(agent="security", role="findings", output_type="SecurityOutput", status="ok",
                                           output={"findings": [finding]})])
    report = tmp_path / "r.json"
    report.write_text(RENDERERS["json"](build_report(snap, compute_facts(snap), None, result, None)))
    keys = "\n".join(["e", "", line, ".", '    String pw = System.getenv("PW");', ".", "a", "q"]) + "\n"
    res = subprocess.run([MODERNIZE, "review", str(report), "--no-git", "--endpoint", "http://127.0.0.1:9", "--owner", "me@x.test"],
                         capture_output=True, text=True, input=keys, timeout=LIMIT_S, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode == 0 and "Traceback" not in res.stdout + res.stderr, res.stdout + res.stderr
    said = " ".join(res.stdout.split())  # the screen wraps long lines
    assert "not applied" in said and ".modernize: is a link" in said, res.stdout
    assert list(elsewhere.iterdir()) == [] and line in (repo / "src" / "Db.java").read_text()


def test_without_dir_fd_the_reader_still_refuses_links_on_the_path(tree, monkeypatch):
    """Systems that open nothing relative to a folder's descriptor (Windows) take the by-path branch."""
    from modernizer import safeio
    from modernizer.repo.ingest import load_snapshot

    repo, outside = tree
    monkeypatch.setattr(safeio, "_HAS_DIR_FD", False)
    (repo / "lnk").symlink_to(outside)
    (repo / "src" / "In.java").symlink_to(repo / "src" / "A.java")  # a link inside the tree is still read
    craft_index(repo, [("src/A.java", 0o100644, b"x"), ("lnk/Secret.java", 0o100644, b"x"), ("../outside/Secret.java", 0o100644, b"x")])
    snap = load_snapshot(repo)
    got = {s.path: s.reason for s in snap.skipped}
    assert got["lnk/Secret.java"] == "not-regular-file" and got["../outside/Secret.java"] == "outside-repo"
    assert {"src/A.java", "src/In.java"} <= {f.path for f in snap.files} and SECRET not in snap.model_dump_json()
