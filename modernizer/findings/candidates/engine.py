"""Run Semgrep OSS over texts the caller already read, with our rule files only, and nothing of the repo's.

The analysed repository is untrusted input, so Semgrep never sees it. The accepted files' texts are
written into a private temporary directory that is not a git repository (Semgrep would otherwise
call ``git ls-files`` and read the repo's git config), without any file Semgrep treats as its own
control file (``.semgrepignore``, ``.semgrep.yml``, ``.semgrep/``...): our own ``.semgrepignore``
(empty) sits at the root, which also switches off Semgrep's default ignore list (tests/, build/,
vendor/...; the caller chose the files). Semgrep runs there with an explicit command line
(``--metrics=off``, no version check, no git, ``--disable-nosem`` so the code's ``nosemgrep``
comments cannot hide a site, our ``--config`` files only), in a cleaned environment (no SEMGREP_*
variable of the user's, a private HOME/XDG/TMPDIR, git kept out of any repository), from a private
working directory. It makes no network call (checked with strace and under ``unshare -n``:
bench/results/candidates.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache
from pathlib import Path, PurePosixPath

from modernizer.findings.candidates import jsp_java
from modernizer.findings.candidates.config_values import config_algorithms, fill_rule_slots
from modernizer.findings.candidates.rulefiles import (RULES_DIR, CandidatesUnavailable, _rule_meta, builtin_rule_files,  # noqa: F401
                                                      builtin_rules, check_rule_file)  # RULES_DIR: public here before the split
from modernizer.findings.candidates.model import FAMILIES, Candidate, CandidateSet, FileProblem
from modernizer.errors import InputError

ENGINE = "semgrep"
MIN_SEMGREP = (1, 185, 0)

SNIPPET_LINES = 6          # a longer match is shown by its first lines
MAX_FILE_BYTES = 3_000_000  # Semgrep's --max-target-bytes: bigger files are skipped (and reported)
PER_FILE_TIMEOUT_S = 20    # Semgrep's --timeout: one rule on one file
MESSAGE_CHARS = 240

# File names Semgrep reads as its own configuration or ignore lists: never written from the repo.
_CONTROL = re.compile(r"^\.semgrep", re.IGNORECASE)
_VCS_DIRS = frozenset({".git", ".hg", ".svn"})


# ---------------------------------------------------------------------------------------------
# The engine


def semgrep_executable() -> str:
    """The ``semgrep`` next to this interpreter (our venv's), else the one on PATH."""
    env = os.environ.get("MODERNIZER_SEMGREP")  # an explicit engine (tests, unusual installs)
    if env:
        return str(Path(env).expanduser().resolve()) if os.sep in env else (shutil.which(env) or env)
    here = Path(sys.executable).with_name("semgrep")
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("semgrep")
    if not found:
        raise CandidatesUnavailable("semgrep is not installed, so there are no computed candidates",
                                    hint="pip install 'semgrep>=1.185' into modernizer's environment")
    return found


def _private_env(tmp: Path) -> dict[str, str]:
    home = tmp / "home"
    work = tmp / "work"
    for d in (home / ".config", home / ".cache", home / ".local" / "share", work):
        d.mkdir(parents=True, exist_ok=True)
    return {
        # semgrep's entry point finds its pysemgrep and semgrep-core through PATH and its own package
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "NO_COLOR": "1",
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"), "TMPDIR": str(work),
        "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off",
        "SEMGREP_SETTINGS_FILE": str(home / "semgrep-settings.yml"), "SEMGREP_LOG_FILE": str(home / "semgrep.log"),
        "OTEL_SDK_DISABLED": "true",
        # semgrep asks git for the remote of its working directory: keep git out of every repository
        "GIT_DIR": str(tmp / "no-git"), "GIT_CEILING_DIRECTORIES": str(tmp), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0",
    }


@lru_cache(maxsize=4)
def engine_version(exe: str | None = None) -> str:
    """The engine's version (a separate semgrep process: find_candidates reads it from its own run instead)."""
    exe = exe or semgrep_executable()
    with tempfile.TemporaryDirectory(prefix="modernizer-semgrep-") as tmp:
        try:
            p = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60,
                               env=_private_env(Path(tmp)), cwd=Path(tmp) / "work", stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise CandidatesUnavailable(f"semgrep could not be started: {e}") from e
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", p.stdout)
    if p.returncode != 0 or not m:
        raise CandidatesUnavailable(f"semgrep --version failed: {(p.stderr or p.stdout).strip()[:200]}")
    return m.group(0)


# ---------------------------------------------------------------------------------------------
# The run


def _safe_rel(path: str) -> str | None:
    """The path as a relative posix path we may write, or None (absolute, '..', control files)."""
    if not path or "\0" in path or "\\" in path:
        return None
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts or str(p) in ("", "."):
        return None
    if any(part in _VCS_DIRS or _CONTROL.match(part) for part in p.parts):
        return None
    return str(p)


def _write_tree(root: Path, texts: Mapping[str, str]) -> dict[str, str]:
    """Write the texts under root; {absolute path written: repo path}."""
    written: dict[str, str] = {}
    root.mkdir(parents=True)
    (root / ".semgrepignore").write_text("# modernizer: the caller chose the files; nothing is ignored\n")
    for path in sorted(texts):
        rel = _safe_rel(path)
        if rel is None:
            continue
        dest = root / rel
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "w", encoding="utf-8", errors="surrogateescape", newline="") as fh:
                fh.write(texts[path])
        except (OSError, UnicodeError, ValueError):
            continue  # e.g. a name that is a file in one path and a folder in another
        written[str(dest)] = path
    return written


def _lines(text: str) -> list[str]:
    # Semgrep counts lines by "\n"; a "\r" before it is part of the line terminator, not the text.
    return [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]


def _one_line(msg: str) -> str:
    s = " ".join(msg.split())
    return s if len(s) <= MESSAGE_CHARS else s[: MESSAGE_CHARS - 1].rstrip() + "…"


def _clean_paths(msg: str, root: Path, tmp: Path) -> str:
    return msg.replace(str(root) + "/", "").replace(str(root), ".").replace(str(tmp), "<tmp>")


def find_candidates(texts: Mapping[str, str], *, extra_rules: Sequence[Path] = (), jobs: int = 2,
                    timeout_s: float = 120, only: Collection[str] | None = None, java_flow: bool = True,
                    python_flow: bool = True) -> CandidateSet:
    """Candidate sites per CWE family in the given texts (repo-relative posix path -> decoded text).

    ``only``: scan just these paths (the files a re-run found changed, candidates/incremental.py);
    the rules' slots are still filled from every text's properties, so a subset's results are those
    the whole tree's scan would give for the same files.
    ``java_flow``: Java taint candidates refined by the flow evaluator (candidates/java_flow.py: constant
    conditions, map keys, list indices and same-file helpers decide); False gives Semgrep's alone.
    ``python_flow``: the same for Python taint candidates (candidates/python_flow.py, Python's ``ast``).

    Raises InputError for an invalid extra rules file, CandidatesUnavailable when semgrep is missing
    or fails as a whole; a file it cannot parse or that times out is an entry of ``errors``.
    """
    t0 = time.perf_counter()
    exe = semgrep_executable()
    ours = builtin_rules()
    user_ids: set[str] = set()
    extra_paths = [Path(p).expanduser().resolve() for p in extra_rules]
    for p in extra_paths:
        user_ids.update(check_rule_file(p, set(ours) | user_ids))

    with tempfile.TemporaryDirectory(prefix="modernizer-candidates-") as tmpdir:
        tmp = Path(tmpdir).resolve()
        root = tmp / "src"
        scanned = texts if only is None else {p: texts[p] for p in only if p in texts}
        pages = jsp_java.translations(scanned)  # JSP pages also scanned as Java (candidates/jsp_java.py)
        scanned = jsp_java.with_translations(scanned, pages)
        written = _write_tree(root, scanned)
        configs = [*_filled_rules(tmp / "rules", texts), *extra_paths]
        env = _private_env(tmp)
        argv = [exe, "scan", "--json", "--metrics=off", "--disable-version-check", "--no-git-ignore",
                "--disable-nosem", "--no-rewrite-rule-ids", "--project-root", str(root),
                "--timeout", str(int(max(1, min(PER_FILE_TIMEOUT_S, timeout_s)))), "--timeout-threshold", "3",
                "--max-target-bytes", str(MAX_FILE_BYTES), "--jobs", str(max(1, int(jobs))),
                "--output", str(tmp / "out.json")]
        for c in configs:
            argv += ["--config", str(c)]
        argv.append(str(root))
        try:
            proc = subprocess.Popen(argv, cwd=tmp / "work", env=env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        except OSError as e:
            raise CandidatesUnavailable(f"semgrep could not be started: {e}",
                                        hint="pip install 'semgrep>=1.185' into modernizer's environment") from e
        try:
            _, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise CandidatesUnavailable(f"semgrep did not finish within {timeout_s:g} s",
                                        hint="a larger timeout, or fewer files") from None
        except BaseException:  # Ctrl-C and the like: leave no semgrep-core behind
            _kill_group(proc)
            raise
        out_file = tmp / "out.json"
        try:
            data = json.loads(out_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            tail = _clean_paths(err.decode(errors="replace").strip(), root, tmp)[-600:]
            raise CandidatesUnavailable(f"semgrep failed (exit {proc.returncode}) without results: {tail}",
                                        hint=f"semgrep {_version_or_unknown(exe)}; modernizer needs >= {_MIN}") from None
        version = str(data.get("version") or "")
        if _version_tuple(version) < MIN_SEMGREP:
            raise CandidatesUnavailable(f"semgrep {version or '(unknown version)'} is too old for our rules",
                                        hint=f"pip install 'semgrep>={_MIN}'")
        found = _collect(data, {**texts, **scanned}, written, root, tmp, ours, user_ids, extra_paths, version, t0)
    found = _refine_java(found, scanned, ours, t0) if java_flow else found  # the evaluators read one file at a time
    found = _refine_python(found, scanned, ours, t0) if python_flow else found
    return jsp_java.map_back(found, pages, texts)


def _refine_java(found: CandidateSet, texts: Mapping[str, str], ours: dict, t0: float) -> CandidateSet:
    """Java taint candidates judged by the flow evaluator (the one place it is wired in)."""
    try:
        from modernizer.findings.candidates.java_flow import refine_java
    except ImportError:  # tree-sitter-java missing from this install: Semgrep's result as it is, and why
        return found.model_copy(update={"errors": [*found.errors, "the Java flow evaluator is off: tree-sitter-java is not "
                                                   "installed (pip install tree-sitter tree-sitter-java)"]})
    taint = frozenset(rid for rid, r in ours.items() if r.get("mode") == "taint" and "java" in (r.get("languages") or []))
    cands, _ = refine_java(texts, found.candidates, taint)
    return found.model_copy(update={"candidates": cands, "seconds": round(time.perf_counter() - t0, 3)})


def _refine_python(found: CandidateSet, texts: Mapping[str, str], ours: dict, t0: float) -> CandidateSet:
    """Python taint candidates judged by the Python flow evaluator (standard library ``ast``: no dependency)."""
    from modernizer.findings.candidates.python_flow import refine_python
    taint = frozenset(rid for rid, r in ours.items() if r.get("mode") == "taint" and "python" in (r.get("languages") or []))
    cands, _ = refine_python(texts, found.candidates, taint)
    return found.model_copy(update={"candidates": cands, "seconds": round(time.perf_counter() - t0, 3)})


_MIN = ".".join(map(str, MIN_SEMGREP))


def _filled_rules(dest: Path, texts: Mapping[str, str]) -> list[Path]:
    """Our rule files, their slots filled with the algorithm keys of the project's properties files."""
    algorithms = config_algorithms(texts)
    dest.mkdir()
    out = []
    for f in builtin_rule_files():
        target = dest / f.name
        target.write_text(fill_rule_slots(f.read_text(encoding="utf-8"), algorithms), encoding="utf-8")
        out.append(target)
    return out


def _version_tuple(v: str) -> tuple[int, ...]:
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", v)
    return tuple(int(x) for x in m.groups()) if m else (0,)


def _version_or_unknown(exe: str) -> str:
    try:
        return engine_version(exe)
    except CandidatesUnavailable:
        return "(version unknown)"


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    proc.wait()


def _collect(data: dict, texts: Mapping[str, str], written: dict[str, str], root: Path, tmp: Path,
             ours: dict, user_ids: set[str], extra_paths: list[Path], version: str, t0: float) -> CandidateSet:
    errors: list[str] = []
    problems: list[FileProblem] = []
    user_files = {str(p) for p in extra_paths}
    for e in data.get("errors", []):
        rid = e.get("rule_id")
        spans = e.get("spans") or []
        span_file = next((s.get("file") for s in spans if isinstance(s, dict)), None)
        text = " ".join(str(e.get(k)) for k in ("message", "short_msg", "long_msg") if e.get(k))
        msg = _one_line(_clean_paths(text, root, tmp))
        kind = e.get("type")
        kind = kind[0] if isinstance(kind, list) and kind else kind
        is_rule_error = any(w in str(kind).lower() for w in ("rule", "pattern", "schema")) or span_file in user_files
        if is_rule_error and (rid in user_ids or span_file in user_files):
            raise InputError(f"invalid rule{' ' + repr(rid) if rid else ''} in {span_file or 'your rules file'}: {msg}",
                             hint="check the rule with: semgrep --validate --config FILE")
        if is_rule_error and e.get("level") == "error" and not rid:
            # a whole rules file was refused: Semgrep then scans nothing at all
            raise CandidatesUnavailable(f"semgrep refused modernizer's rules file {Path(span_file or '?').name}: {msg}",
                                        hint=f"this semgrep ({version}) may not understand our rules; see modernizer/findings/candidates/rules/")
        path = e.get("path")
        if path:
            errors.append(f"{written.get(path, _clean_paths(path, root, tmp))}: {kind}: {msg}")
            if path in written:
                problems.append(FileProblem(file=written[path], kind=str(kind), message=msg))
        else:
            errors.append(f"{'rule ' + rid + ': ' if rid else ''}{kind}: {msg}")
    scanned_set = set((data.get("paths") or {}).get("scanned") or [])
    for abs_path, path in written.items():
        if abs_path not in scanned_set and len(texts[path].encode("utf-8", "surrogateescape")) > MAX_FILE_BYTES:
            errors.append(f"{path}: not scanned: larger than {MAX_FILE_BYTES // 1_000_000} MB")
            problems.append(FileProblem(file=path, kind="Too large", message=f"larger than {MAX_FILE_BYTES // 1_000_000} MB"))

    seen: set[tuple] = set()
    cands: list[Candidate] = []
    lines_cache: dict[str, list[str]] = {}
    for r in data.get("results", []):
        path = written.get(r.get("path", ""))
        if path is None:
            continue
        rid = r.get("check_id", "")
        meta = (r.get("extra") or {}).get("metadata") or {}
        fc = _rule_meta(meta)
        if fc is None:
            errors.append(f"rule {rid}: no metadata.cwe, its matches are left out")
            continue
        fam, cwe = fc
        ls, le = int(r["start"]["line"]), int(r["end"]["line"])
        if r["end"].get("col", 2) == 1 and le > ls:
            le -= 1  # a match that ends at the very start of a line ends on the line before
        key = (rid, path, ls, le)
        if key in seen:
            continue
        seen.add(key)
        lines = lines_cache.get(path)
        if lines is None:
            lines = lines_cache[path] = _lines(texts[path])
        snippet = "\n".join(lines[ls - 1: min(le, ls - 1 + SNIPPET_LINES)])
        message = _one_line(str((ours.get(rid) or {}).get("message") or (r.get("extra") or {}).get("message", "")))
        cands.append(Candidate(rule=rid, family=fam, cwe=cwe, file=path, line_start=ls, line_end=le,
                               snippet=snippet, message=message))
    cands.sort(key=lambda c: (c.file, c.line_start, c.rule, c.line_end))
    return CandidateSet(engine=ENGINE, engine_version=version, rules=len(ours) + len(user_ids),
                        files_scanned=sum(1 for p in scanned_set if p in written), seconds=round(time.perf_counter() - t0, 3),
                        candidates=cands, errors=sorted(set(errors)),
                        problems=sorted({(p.file, p.kind, p.message): p for p in problems}.values(),
                                        key=lambda p: (p.file, p.kind, p.message)))


__all__ = ["FAMILIES", "CandidatesUnavailable", "builtin_rule_files", "builtin_rules", "check_rule_file",
           "engine_version", "find_candidates", "semgrep_executable"]
