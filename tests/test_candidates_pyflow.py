"""The Python flow evaluator (candidates/python_flow.py): each vulnerable/safe twin of tests/data/python-flow
(constant conditions, a popped list, dict keys, a value overwritten by a constant, same-file helpers) is
flagged or left alone through find_candidates, with Semgrep's own result for contrast (one scan each);
then small snippets straight through refine_python (no Semgrep): doubt keeps a candidate, a file Python
cannot parse keeps Semgrep's result, Python 3.12 f-strings are read on an older Python; and one labelled
run through the CLI (analyze --no-llm, then eval)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modernizer.findings.candidates import find_candidates
from modernizer.findings.candidates.model import Candidate
from modernizer.findings.candidates.python_flow import parse, refine_python
from modernizer.findings.candidates.python_fstrings import requote
from modernizer.cli import app
from support.twins import PY_MARK, hits, marks as twin_marks

TWINS = Path(__file__).parent / "data" / "python-flow"
RULES = frozenset({"py-command-injection", "py-xss-request-output", "py-path-from-request", "py-sql-format"})


def marks() -> list[tuple[str, int, str, str]]:
    return twin_marks(TWINS, "*.py", PY_MARK)


def _texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(TWINS.glob("*.py"))}


@pytest.fixture(scope="module")
def flow():
    return find_candidates(_texts())


@pytest.fixture(scope="module")
def semgrep_only():
    return find_candidates(_texts(), python_flow=False)


@pytest.mark.parametrize("file, line, kind, family", marks(), ids=lambda v: str(v))
def test_each_python_twin_is_flagged_or_left_alone(flow, file, line, kind, family):
    rules = hits(flow, file, line, family)
    if kind == "vuln":
        assert rules, f"{file}:{line} should be a {family} candidate"
    else:
        assert not rules, f"{file}:{line} is safe but got {rules}"


def test_the_evaluator_drops_what_semgrep_alone_flags_and_keeps_every_vulnerable_twin(flow, semgrep_only):
    assert flow.errors == [] and semgrep_only.errors == []
    safe = [(f, n, fam) for f, n, k, fam in marks() if k == "safe"]
    dropped = [m for m in safe if hits(semgrep_only, *m)]
    assert len(dropped) >= 5, dropped   # path-insensitive Semgrep flags the constant branches, list, dict and helper
    assert {fam for _, _, fam in dropped} >= {"path-traversal", "command-injection", "sql-injection", "trust-boundary", "xss"}
    assert all(c in semgrep_only.candidates for c in flow.candidates)  # it only drops


def _cand(rule: str, family: str, line: int, file: str = "h.py") -> Candidate:
    return Candidate(rule=rule, family=family, cwe="CWE-78", file=file, line_start=line, line_end=line, snippet="", message="m")


def _refine(src: str, line: int, family: str = "command-injection", rule: str = "py-command-injection"):
    cand = _cand(rule, family, line)
    out, stats = refine_python({"h.py": src}, [cand], RULES)
    return out == [], stats


HEAD = "import os\nfrom flask import request\n\ndef h(p):\n    param = request.args.get('x')\n"


@pytest.mark.parametrize("body, dropped", [
    ("    bar = 'ls' if 7 * 18 > 100 else param\n    os.system(bar)\n", True),
    ("    bar = 'ls' if 7 * 18 < 100 else param\n    os.system(bar)\n", False),
    ("    num = 5\n    if num < 0:\n        bar = param\n    else:\n        bar = 'ls'\n    os.system(bar)\n", True),
    ("    d = {'a': 'ls', 'b': param}\n    os.system(d['a'])\n", True),
    ("    d = {'a': 'ls', 'b': param}\n    os.system(d['b'])\n", False),
    ("    d = {'a': 'ls'}\n    d[p] = param\n    os.system(d['a'])\n", False),     # a key we cannot tell may be 'a'
    ("    l = [param, 'ls']\n    l.pop(0)\n    os.system(l[0])\n", True),
    ("    l = [param, 'ls']\n    l.sort()\n    os.system(l[0])\n", False),          # order no longer known
    ("    l = ['ls']\n    fill(l)\n    os.system(l[0])\n", False),                # an unknown call may fill the list
    ("    bar = param\n    bar = 'ls'\n    os.system(bar)\n", True),
    ("    os.system(p)\n", False),                                                  # a parameter: whatever a caller passes
    ("    bar = param if p else 'ls'\n    os.system(bar)\n", False),
    ("    bar = 'ls'\n    for x in p:\n        bar = x\n    os.system(bar)\n", False),
    ("    bar = 'ls'\n    try:\n        bar = param\n        go()\n        bar = 'ls'\n    except Exception:\n"
     "        os.system(bar)\n", False),                                             # the handler may see the taint
    ("    os.system(os.environ.get('CMD'))\n", False),
    ("    if False:\n        os.system(param)\n", True),                             # a branch that never runs
    ("    c = Cmd('ls')\n    c.arg = param\n    os.system(c)\n", False),              # an object keeps what is stored in it
    ("    c = Cmd('ls')\n    c.add(param)\n    os.system(c)\n", False),               # ... or handed to its methods
    ("    cfg.cmd = param\n    os.system(cfg.cmd)\n", False),
])
def test_snippets_dropped_only_on_proof(body, dropped):
    src = HEAD + body
    line = len(src.rstrip("\n").split("\n"))
    got, stats = _refine(src, line)
    assert got is dropped, (body, stats)


@pytest.mark.parametrize("guess, dropped", [("possible[1]", True), ("possible[0]", False), ("p", False)])
def test_a_match_on_a_constant_runs_one_case(guess, dropped):
    body = (f"    possible = 'ABC'\n    guess = {guess}\n    match guess:\n        case 'A':\n            bar = param\n"
            "        case 'B':\n            bar = 'ls'\n        case _:\n            bar = param\n    os.system(bar)\n")
    src = HEAD + body
    got, _ = _refine(src, len(src.rstrip("\n").split("\n")))
    assert got is dropped


@pytest.mark.parametrize("call, dropped", [
    ("make_response(('done', {'X-Value': param}))", True),    # a header value is not the page
    ("make_response((param, {'X-Value': 'x'}))", False),
    ("make_response(param)", False),
])
def test_make_response_judges_the_body_not_the_headers(call, dropped):
    src = HEAD.replace("import os", "import os\nfrom flask import make_response") + f"    return {call}\n"
    got, _ = _refine(src, len(src.rstrip("\n").split("\n")), "xss", "py-xss-request-output")
    assert got is dropped


def test_a_path_object_built_from_request_data_stays_a_candidate():
    src = HEAD.replace("import os", "import os\nimport pathlib") + \
        "    p = pathlib.Path('/srv') / param\n    p.read_text()\n    q = pathlib.Path('/srv') / 'x'\n    q.read_text()\n"
    cands = [_cand("py-path-from-request", "path-traversal", n) for n in (7, 8, 9, 10)]
    out, _ = refine_python({"h.py": src}, cands, RULES | {"py-path-from-request"})
    assert [c.line_start for c in out] == [7, 8]


def test_same_file_helpers_are_followed_with_the_arguments_values():
    src = ("import os\nfrom flask import request\n\ndef const(v):\n    return 'ls'\n\ndef same(v):\n    return v\n\n"
           "def h():\n    param = request.args.get('x')\n    os.system(const(param))\n    os.system(same(param))\n"
           "    os.system(same('ls'))\n")
    cands = [_cand("py-command-injection", "command-injection", n) for n in (12, 13, 14)]
    out, stats = refine_python({"h.py": src}, cands, RULES)
    assert [c.line_start for c in out] == [13] and len(stats.dropped) == 2


def test_only_taint_rules_of_injection_families_are_judged():
    src = HEAD + "    bar = 'ls' if 1 < 2 else param\n    os.system(bar)\n"
    structural = _cand("py-something-else", "command-injection", 7)
    weak_random = _cand("py-command-injection", "weak-random", 7)
    out, stats = refine_python({"h.py": src}, [structural, weak_random], RULES)
    assert sorted(out, key=lambda c: c.rule) == sorted([structural, weak_random], key=lambda c: c.rule) and stats.dropped == []


def test_a_file_python_cannot_parse_keeps_semgreps_result():
    py2 = "import os\ndef h(request):\n    print 'x'\n    os.system(request.GET['c'] if 0 else 'ls')\n"
    cand = _cand("py-command-injection", "command-injection", 4)
    out, stats = refine_python({"h.py": py2}, [cand], RULES)
    assert out == [cand] and stats.unparsed == ["h.py"] and stats.dropped == []


def test_python_312_fstrings_are_read_with_every_column_in_place():
    src = "x = f'{d.get('k')}' + f\"{'a'}\"\ny = f'{a['b']:{w}}'\n"
    fixed = requote(src)
    assert fixed is not None and len(fixed) == len(src) and parse(src) is not None
    assert [len(a) for a in fixed.split("\n")] == [len(a) for a in src.split("\n")]
    assert fixed.startswith("x = f'{d.get(\"k\")}'")
    assert requote("x = f'{a[\"\\n\"]}'\n") is None  # a backslash in a field: no older Python reads it


def test_eval_through_the_cli_counts_the_safe_twin_as_no_false_positive(tmp_path):
    runner = CliRunner()
    tree = tmp_path / "bench"
    (tree / "cases").mkdir(parents=True)
    head = "import os\nfrom flask import request\n\n\ndef h():\n    param = request.args.get('x')\n    num = 86\n"
    (tree / "cases" / "vuln.py").write_text(head + "    bar = 'ls' if 7 * 42 - num < 200 else param\n    os.system(bar)\n")
    (tree / "cases" / "safe.py").write_text(head + "    bar = 'ls' if 7 * 42 - num > 200 else param\n    os.system(bar)\n")
    res = runner.invoke(app, ["analyze", str(tree), "--no-llm", "--candidates", "-o", str(tmp_path / "out"), "-f", "json"])
    assert res.exit_code == 0, res.output
    report = next((tmp_path / "out").glob("*.json"))
    labels = tmp_path / "labels.csv"
    labels.write_text("file,line,cwe,vulnerable\ncases/vuln.py,9,78,true\ncases/safe.py,9,78,false\n")
    res = runner.invoke(app, ["eval", str(report), "-l", str(labels), "--json"])
    assert res.exit_code == 0, res.output
    scored = json.loads(res.stdout)
    assert scored["candidate_rates_by_cwe"]["CWE-78"] == {"tp": 1, "fn": 0, "fp": 0, "tn": 1, "tpr": 1.0, "fpr": 0.0, "score": 1.0}


def test_lists_stay_bounded_whatever_the_loops_and_joins():
    from modernizer.findings.candidates.python_values import MAX_ITEMS, PList, V, join
    a = PList([V("const", i) for i in range(3)], exact=False).settle()
    b = PList([V("const", "x")] * 5)
    assert len(join(a, b).items) == 1 and len(PList([V("const", 1)] * (MAX_ITEMS + 1)).settle().items) == 1
    loops = "".join(f"{'    ' * (i + 1)}for x{i} in p:\n{'    ' * (i + 2)}l.append(l + [x{i}])\n" for i in range(8))
    src = HEAD + "    l = []\n" + loops + "    os.system(l[0])\n"
    got, stats = _refine(src, len(src.rstrip("\n").split("\n")))
    assert got is False and stats.files == 1
