"""Issue 23's figures: what the one safe reader costs on real trees, and the hostile cases before/after.

    .venv/bin/python bench/bench_untrusted.py --base /work/main --trees /work/corpora/flask \\
        /work/corpora/tomcat-7.0.109 /work/corpora/semgrep-rules [--runs 3] [--limit 20]

Part A (cost): each tree is copied once into a git repository of its own (one commit, under
``--work``) and loaded with ``load_snapshot`` by both checkouts (``--base``: the code before, this
checkout: after), as a plain directory and through the git listing, ``--runs`` times, interleaved.
Each run is its own process; the time is load_snapshot's alone (median), and the file counts must
agree (the same files read, the same skipped).

Part B (the cases): small trees with one hostile plant each, run through the real ``modernize
analyze --no-llm --no-candidates`` of each checkout (the rule-file case with the candidates pass on) with a wall limit (``--limit``) and a 4 GiB
address-space limit: exit code, wall time, the largest process's peak RSS, and whether the planted
outside content or a marker reached the report. Results: bench/results/untrusted.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "tests"))
SECRET = "OUTSIDE_SECRET_7f3a"
LOAD = ("import json,sys,time; from modernizer.repo.ingest import load_snapshot, IngestOptions; t=time.perf_counter(); "
        "s=load_snapshot(sys.argv[1], IngestOptions(use_git=sys.argv[2]=='git')); w=time.perf_counter()-t; "
        "print(json.dumps({'s': w, 'files': len(s.files), 'skipped': len(s.skipped), 'git': s.git is not None}))")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "-c", "core.hooksPath=/dev/null", *args], cwd=repo,
                   check=True, capture_output=True)


def as_git_repo(tree: Path, work: Path) -> Path:
    dest = work / tree.name
    if not (dest / ".git").is_dir():
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(tree, dest, symlinks=True)
        git(dest, "init", "-q", "-b", "main")
        git(dest, "add", "-A")
        git(dest, "commit", "-q", "-m", "tree")
    return dest


def load_once(code: Path, tree: Path, mode: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run([sys.executable, "-c", LOAD, str(tree), mode], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def part_a(base: Path, trees: list[Path], work: Path, runs: int) -> list[dict]:
    rows = []
    for tree in trees:
        repo = as_git_repo(tree, work)
        for mode in ("plain", "git"):
            got: dict[str, list[dict]] = {"before": [], "after": []}
            for _ in range(runs):
                for label, code in (("before", base), ("after", HERE)):
                    got[label].append(load_once(code, repo, mode))
            row = {"tree": tree.name, "mode": mode}
            for label, rs in got.items():
                row[label] = {"median_s": round(statistics.median(r["s"] for r in rs), 3), "runs_s": [round(r["s"], 3) for r in rs],
                              "files": rs[0]["files"], "skipped": rs[0]["skipped"], "git": rs[0]["git"]}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


# -- part B ------------------------------------------------------------------------------------

def _base_tree(root: Path) -> tuple[Path, Path]:
    outside = root / "outside"
    outside.mkdir(parents=True)
    (outside / "Secret.java").write_text(f'class Secret {{ String key = "{SECRET}"; }}\n')
    repo = root / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "A.java").write_text("class A { int x = 1; }\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "c")
    return repo, outside


def _fifo(rel: str):
    def plant(repo: Path, outside: Path, root: Path) -> list[str]:
        p = repo / rel
        if p.exists():
            p.unlink()
        p.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(p)
        return []
    return plant


def _link(rel: str, target: str):
    def plant(repo: Path, outside: Path, root: Path) -> list[str]:
        (repo / rel).symlink_to(target)
        return []
    return plant


def _crafted_index(repo: Path, outside: Path, root: Path) -> list[str]:
    from support.hostile import craft_index

    (repo / "lnk").symlink_to(outside)
    a = (repo / "src" / "A.java").read_bytes()
    craft_index(repo, [("src/A.java", 0o100644, a), ("../outside/Secret.java", 0o100644, b"x"),
                       ("lnk", 0o120000, str(outside).encode()), ("lnk/Secret.java", 0o100644, b"x")])
    return []


def _template(text: str):
    def plant(repo: Path, outside: Path, root: Path) -> list[str]:
        folder = root / "agents"
        folder.mkdir()
        (folder / "evil.toml").write_text('name = "evil"\nrole = "findings"\ntemplate = "evil.j2"\noutput = "SecurityOutput"\nmax_tokens = 64\n')
        (folder / "evil.j2").write_text(text.replace("MARK", str(root / "MARK")))
        return ["--agents", str(folder)]
    return plant


def _bomb(repo: Path, outside: Path, root: Path) -> list[str]:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        p, c = chr(ord("a") + i - 1), chr(ord("a") + i)
        levels.append(f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]")
    bomb = root / "bomb.yml"
    bomb.write_text("rules:\n- id: boom\n  languages: [java]\n  message: m\n  severity: WARNING\n  pattern: foo()\n"
                    "  metadata:\n    cwe: CWE-89\n" + "".join(f"    {x}\n" for x in levels))
    return ["--rules", str(bomb), "--candidates"]  # with the static pass: Semgrep is what expands it


CASES = {
    "FIFO .modernizeignore": _fifo(".modernizeignore"),
    "FIFO modernize-suppressions.toml": _fifo("modernize-suppressions.toml"),
    "FIFO .gitignore": _fifo(".gitignore"),
    "FIFO .git/info/exclude": _fifo(".git/info/exclude"),
    "FIFO .git/commondir": _fifo(".git/commondir"),
    "FIFO .git/index": _fifo(".git/index"),
    ".modernizeignore -> /dev/zero": _link(".modernizeignore", "/dev/zero"),
    "modernize-suppressions.toml -> /dev/zero": _link("modernize-suppressions.toml", "/dev/zero"),
    "crafted index: ../outside/Secret.java, lnk/Secret.java": _crafted_index,
    "template: cycler.__init__.__globals__.os.system": _template("{{ cycler.__init__.__globals__.os.system('touch MARK') }}"),
    "template: include /etc/passwd": _template("{% include '/etc/passwd' %}"),
    "rules: YAML alias bomb (9^9)": _bomb,
}


def run_case(code: Path, name: str, limit: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-untrusted-") as tmp:
        root = Path(tmp)
        repo, outside = _base_tree(root)
        extra = CASES[name](repo, outside, root)
        out = root / "out"
        env = {**os.environ, "PYTHONPATH": str(code), "MODERNIZE_CACHE_HOME": str(root / "cache")}
        argv = [str(Path(sys.executable).with_name("modernize")), "analyze", str(repo), "--no-llm", "--no-candidates", "-o", str(out),
                "-f", "json", "-q", *extra]

        def limits() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
            os.setsid()

        t = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limits)
        try:
            stdout, stderr = proc.communicate(timeout=limit)
            killed = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            stdout, stderr = proc.communicate()
            killed = True
        wall = time.perf_counter() - t
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far (KiB), this process's children
        report = "".join(p.read_text(errors="replace") for p in out.glob("*.json")) if out.exists() else ""
        said = (stderr.decode(errors="replace").strip().splitlines() or [""])[0][:160]
        return {"rc": None if killed else proc.returncode, "killed_at_limit": killed, "wall_s": round(wall, 2),
                "peak_rss_mib_so_far": round(rss / 1024), "outside_secret_in_report": SECRET in report,
                "marker_created": (root / "MARK").exists(), "read_from_outside": report.count('"../outside/Secret.java"') > 0
                and '"outside-repo"' not in report, "stderr_first_line": said}


def part_b(base: Path, limit: float) -> list[dict]:
    rows = []
    for name in CASES:
        row = {"case": name}
        for label, code in (("before", base), ("after", HERE)):
            # each in a fresh interpreter so ru_maxrss is this run's alone
            got = subprocess.run([sys.executable, __file__, "--one", name, "--code", str(code), "--limit", str(limit)],
                                 capture_output=True, text=True, timeout=limit + 60)
            row[label] = json.loads(got.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def write_md(path: Path, a: list[dict], b: list[dict], argv: str, base_commit: str, head_commit: str, limit: float) -> None:
    lines = ["# Untrusted input, round two (issue 23): cost and cases", "",
             f"Generated by `{argv}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} ({os.cpu_count()} cores, shared with other jobs); "
             f"before = {base_commit}, after = this branch at {head_commit}.", "",
             "## A. The one safe reader's cost: load_snapshot, median wall (s)", "",
             "| tree | listing | before | after | files read (before / after) | skipped (before / after) |", "|---|---|---:|---:|---:|---:|"]
    for r in a:
        lines.append(f"| {r['tree']} | {r['mode']} | {r['before']['median_s']} | {r['after']['median_s']} | "
                     f"{r['before']['files']} / {r['after']['files']} | {r['before']['skipped']} / {r['after']['skipped']} |")
    lines += ["", "Every run (s): " + "; ".join(f"{r['tree']} {r['mode']}: before {r['before']['runs_s']}, after {r['after']['runs_s']}" for r in a), "",
              f"## B. Hostile cases through `modernize analyze --no-llm --no-candidates` (wall limit {limit:.0f} s, 4 GiB address space)", "",
              "The rule-file case runs with the candidates pass on (Semgrep is what expands the aliases). Peak RSS: the largest "
              "process of the run (ru_maxrss of the children).", "",
              "| case | before: exit / wall / peak RSS | after: exit / wall / peak RSS | after says |", "|---|---|---|---|"]

    def cell(x: dict) -> str:
        rc = "killed at limit" if x["killed_at_limit"] else f"exit {x['rc']}"
        extra = [k for k in ("outside_secret_in_report", "marker_created", "read_from_outside") if x[k]]
        return f"{rc} / {x['wall_s']} s / {x['peak_rss_mib_so_far']} MiB" + (f" / **{', '.join(extra)}**" if extra else "")

    for r in b:
        lines.append(f"| {r['case']} | {cell(r['before'])} | {cell(r['after'])} | {r['after']['stderr_first_line'].replace('|', '/') or '(report written)'} |")
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=Path, default=Path("/work/main"))
    ap.add_argument("--trees", type=Path, nargs="*", default=[])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--limit", type=float, default=20.0)
    ap.add_argument("--work", type=Path, default=Path("/work/corpora/i23-git"))
    ap.add_argument("--one")
    ap.add_argument("--code", type=Path)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_case(args.code, args.one, args.limit)))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    a = part_a(args.base, args.trees, args.work, args.runs)
    b = part_b(args.base, args.limit)
    rev = lambda d: subprocess.run(["git", "-C", str(d), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()  # noqa: E731
    argv = "python bench/bench_untrusted.py " + " ".join(sys.argv[1:])
    res = HERE / "bench" / "results"
    (res / "untrusted.json").write_text(json.dumps({"argv": argv, "part_a": a, "part_b": b}, indent=1) + "\n")
    write_md(res / "untrusted.md", a, b, argv, rev(args.base), rev(HERE), args.limit)


if __name__ == "__main__":
    main()
