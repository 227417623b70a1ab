"""Issue 19 for PHP, Python and JavaScript: taint rules (a value from outside must reach the sink, and
no sanitizer fit for it may be on the way), the families the public benchmarks plant (LDAP, XPath,
trust boundary), weak randomness by use; a tree that is nothing but tests; `modernize eval`'s
per-CWE false-positive rate and score.

Each rule has a vulnerable line and a safe twin below; one real Semgrep scan covers them all. The
code is ours, written for these tests (the shapes are those of the public corpora in
bench/labelled_corpora.py, none of whose files is copied)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from modernizer.findings.candidates import find_candidates
from modernizer.cli import app
from support.twins import check_twin

runner = CliRunner()

# path -> (text, {line: family a candidate must have}, {line: family no candidate may have})
TWINS = {
    "web/sql.php": ("""\
<?php
$id = $_GET['id'];
$r = mysql_query("SELECT * FROM users WHERE id = " . $id);
$s = mysql_query("SELECT * FROM users WHERE id = " . intval($id));
$stmt = $pdo->prepare("SELECT * FROM users WHERE id = ?");
$stmt->execute([$id]);
$parts = array('guest');
$parts['who'] = $_COOKIE['who'];
$q = sprintf("SELECT * FROM t WHERE n = '%s'", $parts['who']);
$pdo->query($q);
$pdo->query("SELECT * FROM t WHERE n = '" . $pdo->quote($_SERVER['HTTP_X_NAME']) . "'");
function find($db, $name) {
    return $db->query("SELECT * FROM u WHERE n = '$name'");
}
$db->query("SELECT count(*) FROM u");
$body = file_get_contents('php://input');
mysqli_query($conn, "DELETE FROM t WHERE k = '" . $body . "'");
""", {3: "sql-injection", 10: "sql-injection", 13: "sql-injection", 17: "sql-injection"},
        {4: "sql-injection", 5: "sql-injection", 6: "sql-injection", 11: "sql-injection", 15: "sql-injection"}),
    "web/cmd.php": ("""\
<?php
system("ls " . escapeshellarg($_GET['d']));
system("ls " . $_GET['d']);
$legal = array("a", "b");
$t = $_POST['t'];
if (in_array($t, $legal, true)) { $t = $t; } else { $t = $legal[0]; }
system("cat " . $t);
$w = preg_replace('/[^a-z]/', '', $_REQUEST['w']);
passthru("cat " . $w);
$f = $_FILES['up']['name'];
exec("file " . $f);
$n = (int) $_GET['n'];
exec("seq " . $n);
system("uptime");
""", {3: "command-injection", 11: "command-injection"},
        {2: "command-injection", 7: "command-injection", 9: "command-injection", 13: "command-injection", 14: "command-injection"}),
    "web/dir.php": ("""\
<?php
$u = $_GET['u'];
ldap_search($ds, $dn, "(uid=" . $u . ")");
ldap_search($ds, $dn, "(uid=" . ldap_escape($u, "", LDAP_ESCAPE_FILTER) . ")");
$xpath = new DOMXPath($doc);
$xpath->query("//user[name='" . $_GET['n'] . "']");
$xpath->query("//user[name='" . intval($_GET['n']) . "']");
$_SESSION['user'] = $_POST['user'];
$_SESSION['seen'] = time();
include($_GET['page'] . ".php");
include(__DIR__ . "/header.php");
$code = $_POST['expr'];
eval('$x = ' . $code . ';');
eval('$x = ' . floatval($code) . ';');
echo "Hello " . $_GET['name'];
echo "Hello " . htmlspecialchars($_GET['name']);
""", {3: "ldap-injection", 6: "xpath-injection", 8: "trust-boundary", 10: "path-traversal", 13: "code-injection", 15: "xss"},
        {4: "ldap-injection", 7: "xpath-injection", 9: "trust-boundary", 11: "path-traversal", 14: "code-injection", 16: "xss"}),
    "web/obj.php": ("""\
<?php
class Input {
  private $input;
  public function getInput() { return $this->input; }
  public function __construct() { $this->input = $_GET['UserData']; }
}
class Fixed {
  public function getInput() { return "ls"; }
}
$in = new Input();
system("cat " . $in->getInput());
$fx = new Fixed();
system("cat " . $fx->getInput());
""", {11: "command-injection"}, {13: "command-injection"}),
    "app/views.py": ("""\
import os, subprocess, shlex, random, secrets
from flask import request, session
def find_user(cursor, name):
    cursor.execute("SELECT * FROM users WHERE name = %s", (name,))
    cursor.execute("SELECT * FROM users WHERE name = '%s'" % name)
    cursor.execute("SELECT * FROM users WHERE id = " + str(int(name)))
def view():
    d = {"a": request.args.get("x")}
    os.system("ls " + d["a"])
    os.system("ls " + shlex.quote(request.args.get("x")))
    subprocess.run(["sh", "-c", "echo " + request.form["y"]])
    subprocess.run(["uptime"])
    session["user"] = request.form["u"]
    session["visits"] = 1
    conn.search("ou=users", f"(uid={request.args['u']})")
    conn.search("ou=users", f"(uid={escape_filter_chars(request.args['u'])})")
    tree.xpath("//user[@name='" + request.cookies["n"] + "']")
    tree.xpath("//user[@id='" + str(int(request.cookies["n"])) + "']")
    resp.set_cookie("remember", str(random.random()))
    resp.set_cookie("remember", str(secrets.randbelow(2 ** 32)))
    jitter = random.random() * 3
    subprocess.run(["ls", "-l", request.args["dir"]])
    subprocess.run([request.args["prog"], "-l"])
""", {5: "sql-injection", 23: "command-injection", 9: "command-injection", 11: "command-injection", 13: "trust-boundary", 15: "ldap-injection",
      17: "xpath-injection", 19: "weak-random"},
        {4: "sql-injection", 6: "sql-injection", 10: "command-injection", 12: "command-injection", 14: "trust-boundary",
         16: "ldap-injection", 18: "xpath-injection", 20: "weak-random", 21: "weak-random", 22: "command-injection"}),
    "web/rand.js": ("""\
app.get('/login', (req, res) => {
  res.cookie('remember', Math.random().toString(36));
  res.cookie('rid', crypto.randomBytes(16).toString('hex'));
  const jitter = Math.random() * 100;
  req.session.nonce = String(Math.random());
  setTimeout(next, jitter);
});
""", {2: "weak-random", 5: "weak-random"}, {3: "weak-random", 4: "weak-random"}),
    "web/rand.php": ("""\
<?php
setcookie("remember", md5(mt_rand()));
setcookie("rid", bin2hex(random_bytes(16)));
$delay = rand(1, 5);
$_SESSION['csrf'] = uniqid();
sleep($delay);
""", {2: "weak-random", 5: "weak-random"}, {3: "weak-random", 4: "weak-random"}),
    # error-message XSS (CWE-81): the exception's text goes into the page
    "web/err.js": ("""\
app.get('/a', (req, res) => {
  try { JSON.parse(req.query.j); } catch (err) { res.send("Bad JSON: " + err.message); }
  try { JSON.parse(req.query.j); } catch (err) { res.send("Bad JSON"); }
  db.query("SELECT 1").then(r => res.send(r.rows.length + " rows"));
});
""", {2: "xss"}, {3: "xss", 4: "xss"}),
    "web/err.php": ("""\
<?php
try { parse($_GET['q']); } catch (Exception $e) { echo "Error: " . $e->getMessage(); }
try { parse($_GET['q']); } catch (Exception $e) { echo "Error: " . htmlspecialchars($e->getMessage()); }
""", {2: "xss"}, {3: "xss"}),
    "app/err.py": ("""\
from flask import request
@app.route("/a")
def a():
    try:
        int(request.args["n"])
    except ValueError as e:
        return "Bad number: " + str(e)
    return "ok"
""", {7: "xss"}, {8: "xss"}),
    "app/files.py": ("""\
import os, pathlib
from flask import request
@app.route("/a")
def a():
    bar = request.args["f"]
    base = pathlib.Path("/srv/files")
    p = base / bar
    os.path.exists("/srv/" + bar)
    os.path.exists("/srv/" + os.path.basename(bar))
    ratio = 10 / int(bar)
    open("/srv/fixed.txt")
""", {7: "path-traversal", 8: "path-traversal"}, {9: "path-traversal", 10: "path-traversal", 11: "path-traversal"}),
    "web/routes.js": ("""\
const { exec } = require('child_process');
app.get('/run', (req, res) => {
  exec("ls " + req.query.dir);
  exec("uptime");
  db.query("SELECT * FROM users WHERE id = ?", [req.query.id]);
  const q = "SELECT * FROM users WHERE id = " + req.params.id;
  db.query(q);
  db.query("SELECT * FROM users WHERE id = " + parseInt(req.params.id, 10));
  const m = new Map(); m.get(req.query.k);
  exec("grep " + req.headers['x-term'] + " /var/log/app.log");
  pool.query(`DELETE FROM s WHERE k = '${req.cookies.sid}'`);
});
""", {3: "command-injection", 7: "sql-injection", 10: "command-injection", 11: "sql-injection"},
        {4: "command-injection", 5: "sql-injection", 8: "sql-injection", 9: "sql-injection"}),
}


@pytest.fixture(scope="module")
def scanned():
    return find_candidates({path: text for path, (text, _, _) in TWINS.items()})


@pytest.mark.parametrize("path", sorted(TWINS))
def test_each_rule_flags_its_vulnerable_line_and_not_its_safe_twin(scanned, path):
    _, must, must_not = TWINS[path]
    check_twin(scanned, path, must, must_not)


def test_the_new_families_carry_their_cwes(scanned):
    by_family = {c.family: c.cwe for c in scanned.candidates}
    assert by_family["ldap-injection"] == "CWE-90"
    assert by_family["xpath-injection"] == "CWE-643"
    assert by_family["trust-boundary"] == "CWE-501"


# ---------------------------------------------------------------------------------------------
# Through the CLI: a tree that is nothing but tests; eval's FPR and score per CWE

def _analyze(tree, out, *extra):
    res = runner.invoke(app, ["analyze", str(tree), "--no-llm", "--candidates", "-o", str(out), "-f", "json", *extra])
    return res


def test_a_tree_of_nothing_but_tests_is_analysed_and_says_so(tmp_path):
    tree = tmp_path / "suite"
    (tree / "src" / "testcases").mkdir(parents=True)
    (tree / "src" / "testcases" / "cmd_01.py").write_text("import os\ndef bad(p):\n    os.system('ls ' + p)\n")
    (tree / "tests").mkdir()
    (tree / "tests" / "test_cmd.py").write_text("import os\ndef test_x(p):\n    os.system('ls ' + p)\n")
    res = _analyze(tree, tmp_path / "out")
    assert res.exit_code == 0, res.output
    report = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    # src/testcases/ is source (not Maven's src/test/); a tree of tests alone would be analysed too
    assert {r["role"]: r["analysed"] for r in report["roles"]} == {"source": True, "test": False}
    only_tests = tmp_path / "only"
    (only_tests / "tests").mkdir(parents=True)
    (only_tests / "tests" / "test_cmd.py").write_text("import os\ndef test_x(p):\n    os.system('ls ' + p)\n")
    res = _analyze(only_tests, tmp_path / "out2")
    assert res.exit_code == 0, res.output
    report = json.loads(next((tmp_path / "out2").glob("*.json")).read_text())
    assert any("analysed as the code under analysis" in n for n in report["notes"])
    assert [c["file"] for c in report["candidates"]["items"]] == ["tests/test_cmd.py"]


def test_a_tree_with_only_set_aside_files_names_the_role_to_include(tmp_path):
    tree = tmp_path / "docs-only"
    (tree / "docs").mkdir(parents=True)
    (tree / "docs" / "guide.md").write_text("# guide\n")
    res = _analyze(tree, tmp_path / "out")
    assert res.exit_code == 2
    assert "nothing to analyse" in res.output and "--include-role docs" in res.output
    assert "Traceback" not in res.output


def test_eval_reports_fpr_and_score_per_cwe_for_candidates_with_safe_labels(tmp_path):
    tree = tmp_path / "bench"
    (tree / "cases").mkdir(parents=True)
    vuln = "<?php\n$t = $_GET['t'];\nsystem('cat ' . $t);\n"
    safe = "<?php\n$t = $_GET['t'];\nsystem('cat ' . escapeshellarg($t));\n"
    flagged_safe = "<?php\n$t = $_GET['t'];\nsystem('cat ' . htmlspecialchars($t));\n"  # not a shell escape
    missed = "<?php\n$t = $_GET['t'];\nmysql_query(\"SELECT 1\");\n"
    for name, text in {"v1.php": vuln, "v2.php": vuln, "s1.php": safe, "s2.php": flagged_safe, "m1.php": missed}.items():
        (tree / "cases" / name).write_text(text)
    res = _analyze(tree, tmp_path / "out")
    assert res.exit_code == 0, res.output
    report = next((tmp_path / "out").glob("*.json"))
    labels = tmp_path / "labels.csv"
    labels.write_text("file,line,cwe,vulnerable\ncases/v1.php,3,78,true\ncases/v2.php,3,78,true\ncases/s1.php,3,78,false\n"
                      "cases/s2.php,3,78,false\ncases/m1.php,3,89,true\n")
    res = runner.invoke(app, ["eval", str(report), "-l", str(labels), "--json"])
    assert res.exit_code == 0, res.output
    scored = json.loads(res.stdout)
    assert scored["candidate_rates_by_cwe"]["CWE-78"] == {"tp": 2, "fn": 0, "fp": 1, "tn": 1, "tpr": 1.0, "fpr": 0.5, "score": 0.5}
    assert scored["candidate_rates_by_cwe"]["CWE-89"]["fpr"] is None  # no safe case of CWE-89: no rate, no score
    assert scored["rates_by_cwe"]["CWE-78"]["tpr"] == 0.0  # no model, no findings
    assert scored["lines_analysed"] == 15 and scored["candidates_per_kloc"] == round(1000 * scored["candidates"] / 15, 2)
    table = runner.invoke(app, ["eval", str(report), "-l", str(labels)])
    assert table.exit_code == 0 and "score = TPR - FPR" in table.stdout and "candidates per 1,000 analysed lines" in table.stdout
