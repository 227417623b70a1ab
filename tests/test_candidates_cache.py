"""The candidates pass cached per file (issue 20): a re-run scans only the files that changed, with
or without a model, a file Semgrep could not parse is cached with its error and said in the terminal
with its reason, and a changed rule, properties value or engine is a different key.

Semgrep really runs here (through a wrapper that notes which files it was given, then runs the real
one); the tree is three small files written by the test.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modernizer.findings.candidates import cache as kept
from modernizer.findings.candidates.incremental import rule_texts
from modernizer.findings.candidates.model import FileProblem
from modernizer.findings.candidates.unparsed import reason, summary, unparsed_files
from modernizer.cli import app
from modernizer.report import Report

runner = CliRunner()

TREE = {
    "app/run.py": 'import os\n\n\ndef go(cmd):\n    os.system("ls " + cmd)\n',
    "lib/old.php": '<?php\nfunction q() {\n    mysql_query("SELECT * FROM t WHERE a=" . $_GET["a"]);\n}\n',
    "lib/page.cs": "<?cs if:x ?>\n<p><?cs var:y ?></p>\n<?cs /if ?>\n",  # a ClearSilver template: not C#
}


def _semgrep_spy(tmp_path: Path) -> tuple[Path, Path]:
    """A wrapper that appends the files of each scan (one JSON list a line) to a log, then runs the real Semgrep."""
    real = Path(sys.executable).with_name("semgrep")
    log = tmp_path / "scans.log"
    spy = tmp_path / "semgrep-spy"
    spy.write_text(f"""#!{sys.executable}
import json, os, sys
root = sys.argv[-1]
if os.path.isdir(root):
    files = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs if f != ".semgrepignore")
    with open({str(log)!r}, "a") as fh:
        fh.write(json.dumps(files) + "\\n")
os.execv({str(real)!r}, [{str(real)!r}, *sys.argv[1:]])
""")
    spy.chmod(spy.stat().st_mode | stat.S_IEXEC)
    return spy, log


def _scans(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_a_rerun_scans_only_the_changed_file_and_keeps_what_semgrep_could_not_parse(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    for rel, text in TREE.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    spy, log = _semgrep_spy(tmp_path)
    monkeypatch.setenv("MODERNIZER_SEMGREP", str(spy))

    def analyze(n: int) -> tuple[Report, str]:
        res = runner.invoke(app, ["analyze", str(repo), "--no-llm", "--candidates", "-o", str(tmp_path / f"out{n}"), "-f", "json"])
        assert res.exit_code == 0, res.output
        return Report.model_validate_json(next((tmp_path / f"out{n}").glob("*.json")).read_text()), res.output

    first, said = analyze(1)
    assert _scans(log) == [sorted(TREE)]
    c = first.candidates
    assert {x.file for x in c.items} >= {"app/run.py", "lib/old.php"} and not c.from_cache and c.files_from_cache == 0
    assert [(u.file, u.reason) for u in c.unparsed] == [("lib/page.cs", "a ClearSilver template, not C#")]
    assert c.unparsed_by_reason == {"a ClearSilver template, not C#": 1}
    assert "1 file Semgrep could not parse (a ClearSilver template, not C# 1)" in said

    again, said = analyze(2)  # --no-llm, unchanged, a file with a parse error among them: no scan at all
    assert len(_scans(log)) == 1
    assert again.candidates.from_cache and again.candidates.files_from_cache == 3 and again.candidates.files_scanned == 0
    assert [x.model_dump() for x in again.candidates.items] == [x.model_dump() for x in c.items]
    assert again.candidates.unparsed == c.unparsed and again.candidates.errors == c.errors
    assert "3 files from the cache, 0 scanned" in said and "could not parse (a ClearSilver template" in said

    edited = repo / "app" / "run.py"
    edited.write_text("# edited\n" + edited.read_text())
    third, said = analyze(3)
    assert _scans(log)[1:] == [["app/run.py"]]  # Semgrep was given the changed file only
    t = third.candidates
    assert not t.from_cache and t.files_from_cache == 2 and t.files_scanned == 1
    moved = {(x.file, x.line_start + (x.file == "app/run.py"), x.rule) for x in c.items}
    assert {(x.file, x.line_start, x.rule) for x in t.items} == moved  # merged as a whole scan would give them
    assert t.unparsed == c.unparsed
    store = next((Path(os.environ["MODERNIZE_CACHE_HOME"]) / "results").glob("*/candidates-files-*.json"))
    assert stat.S_IMODE(store.stat().st_mode) == 0o600 and stat.S_IMODE(store.parent.stat().st_mode) == 0o700


def test_a_changed_rule_properties_value_or_engine_is_another_key(tmp_path):
    texts = {"src/A.java": "class A {}\n", "conf/app.properties": "hash.alg=SHA-256\n"}
    base = kept.rules_key(rule_texts(texts, []), "semgrep 1.187.0")
    assert kept.rules_key(rule_texts(dict(texts), []), "semgrep 1.187.0") == base  # the same inputs, the same key
    assert kept.rules_key(rule_texts(texts, []), "semgrep 1.188.0") != base  # another engine
    weak = {**texts, "conf/app.properties": "hash.alg=MD5\n"}  # the rules' slots are filled from it
    assert kept.rules_key(rule_texts(weak, []), "semgrep 1.187.0") != base
    mine = tmp_path / "mine.yml"
    mine.write_text("rules: []\n")
    with_rule = kept.rules_key(rule_texts(texts, [mine]), "semgrep 1.187.0")
    assert with_rule != base
    mine.write_text("rules: [] # changed\n")
    assert kept.rules_key(rule_texts(texts, [mine]), "semgrep 1.187.0") != with_rule
    # the per-file key: the content and the path (Semgrep picks the language by the name)
    assert len({kept.file_key("a.py", "1"), kept.file_key("a.py", "2"), kept.file_key("b.py", "1")}) == 3


def test_the_engine_identity_follows_the_executable_without_starting_it(tmp_path):
    exe = tmp_path / "semgrep"
    exe.write_text("#!/bin/sh\nexit 1\n")
    before = kept.engine_identity(str(exe))
    exe.write_text("#!/bin/sh\nexit 0 # another build\n")
    assert kept.engine_identity(str(exe)) != before


def test_a_damaged_store_is_a_miss_and_what_is_kept(tmp_path):
    (tmp_path / f"candidates-files-{'a' * 40}.json").write_text("{not json")
    assert kept.load(tmp_path, "a" * 64) is None
    timed_out = kept.FileResult(problems=[FileProblem(file="a.py", kind="Timeout", message="")])
    parse = kept.FileResult(problems=[FileProblem(file="a.py", kind="Syntax error", message="")])
    memory = kept.FileResult(problems=[FileProblem(file="a.py", kind="Out of memory", message="")])
    assert kept.keepable(timed_out) and kept.keepable(parse) and not kept.keepable(memory)


@pytest.mark.parametrize(("name", "text", "kind", "message", "why"), [
    ("old/Mac.java", "class A {\r  int x;\r}\r", "Syntax error", "", "CR-only line ends"),
    ("lib/str.php", "<?php\n$a = 1;\n$c = $s{$i};\n", "Syntax error", "Syntax error at line lib/str.php:3: `{` was unexpected",
     "PHP 4 string offsets $s{…}"),
    ("t/page.cs", "<?cs var:x ?>\n", "PartialParsing", "", "a ClearSilver template, not C#"),
    ("a.py", "def f(:\n", "Syntax error", "", "syntax error"),
    ("big.js", "x", "Timeout", "", "timed out"),
])
def test_why_semgrep_could_not_parse_a_file(name, text, kind, message, why):
    assert reason(FileProblem(file=name, kind=kind, message=message), text) == why


def test_the_summary_groups_files_by_reason():
    problems = [FileProblem(file=f"m{i}.java", kind="Syntax error") for i in range(3)] + \
               [FileProblem(file="a.py", kind="Syntax error"), FileProblem(file="a.py", kind="Lexical error"),
                FileProblem(file="big.js", kind="Timeout")]
    texts = {f"m{i}.java": "class A {\r}\r" for i in range(3)} | {"a.py": "def f(:\n"}
    items = unparsed_files(problems, texts)
    assert [u.file for u in items] == ["a.py", "big.js", "m0.java", "m1.java", "m2.java"]  # one entry per file
    assert summary(items) == ("4 files Semgrep could not parse (CR-only line ends 3, lexical error 1); "
                              "1 file Semgrep did not scan in full (timed out 1)")
    assert summary([]) == ""


def test_a_cold_pass_runs_in_batches_and_keeps_each_one(tmp_path):
    """A pass that runs out of time keeps the batches it finished: the next run scans the rest only."""
    from modernizer.findings.candidates import CandidatesUnavailable
    from modernizer.findings.candidates import incremental

    texts = dict(TREE)
    shas = {p: str(i) for i, p in enumerate(sorted(texts))}
    seen: list[list[str]] = []
    real = incremental.find_candidates

    def scan(*a, only=None, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append(list(only))
        if len(seen) == 2:
            raise CandidatesUnavailable("semgrep did not finish within 1 s")  # what a slow machine gives
        return real(*a, only=only, **kw)

    incremental.find_candidates, saved = scan, incremental.find_candidates
    try:
        with pytest.raises(CandidatesUnavailable):
            incremental.find_candidates_cached(texts, shas, tmp_path, timeout_s=600, batch_files=2)
        assert seen == [["app/run.py", "lib/old.php"], ["lib/page.cs"]]
        found = incremental.find_candidates_cached(texts, shas, tmp_path, timeout_s=600, batch_files=2)
    finally:
        incremental.find_candidates = saved
    assert seen[2:] == [["lib/page.cs"]] and found.files_from_cache == 2 and not found.from_cache
    assert {c.file for c in found.candidates} >= {"app/run.py", "lib/old.php"}
    assert [p.file for p in found.problems] == ["lib/page.cs"]
