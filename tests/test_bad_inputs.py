"""Every bad input is a clear error with its documented exit code, never a traceback.

Each case runs the real `modernize` program (its top-level handler included) as a user would,
and checks the exit code, the message, and that no Python traceback reached the terminal.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import HOTEL
from modernizer import cli
from modernizer.repo.ingest import disk_path, load_snapshot

MODERNIZE = str(Path(sys.executable).with_name("modernize"))


def modernize(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    res = subprocess.run([MODERNIZE, *args], capture_output=True, text=True, timeout=300, env=env)
    assert "Traceback" not in res.stdout + res.stderr, res.stderr
    return res


@pytest.mark.parametrize("args, says", [
    (["--concurrency", "0"], "Invalid value for '--concurrency'"),
    (["--concurrency", "-3"], "Invalid value for '--concurrency'"),
    (["--window", "0", "--plan", "--no-llm"], "Invalid value for '--window'"),
    (["--window", "-5", "--plan", "--no-llm"], "Invalid value for '--window'"),
    (["--max-file-bytes", "0", "--no-llm"], "Invalid value for '--max-file-bytes'"),
    (["--timeout", "0"], "Invalid value for '--timeout'"),
    (["--mode", "everything"], "--mode must be auto, single or modules"),
    (["--format", "pdf"], "unknown format pdf"),
    (["--fail-on", "[red]boom"], "--fail-on must be one of"),
])
def test_bad_options_exit_2_with_the_option_named(args, says, tmp_path):
    res = modernize("analyze", str(HOTEL), "-o", str(tmp_path / "out"), *args)
    assert res.returncode == 2 and says in res.stderr, res.stderr


def test_an_output_folder_that_is_a_file_or_cannot_be_written_is_refused_before_the_run(tmp_path):
    afile = tmp_path / "taken"
    afile.write_text("x")
    res = modernize("analyze", str(HOTEL), "--no-llm", "-o", str(afile))
    assert res.returncode == 2 and "is a file, not a folder" in res.stderr
    res = modernize("analyze", str(HOTEL), "--no-llm", "-o", "/proc/modernize-reports")
    assert res.returncode == 2 and "cannot write reports to /proc/modernize-reports" in res.stderr
    # re-rendering too
    res = modernize("analyze", str(HOTEL), "--no-llm", "-o", str(tmp_path / "ok"), "-f", "json")
    report = next((tmp_path / "ok").glob("*.json"))
    res = modernize("report", str(report), "-o", str(afile))
    assert res.returncode == 2 and "is a file, not a folder" in res.stderr


def test_a_disk_that_fills_up_while_writing_leaves_no_temporary_file_and_says_what_was_written(tmp_path, monkeypatch):
    out = tmp_path / "out"
    real = Path.write_text

    def fill_up(self, text, *a, **k):
        if self.name.endswith(".modernize-tmp") and ".html." in self.name:
            real(self, text[:100], *a, **k)  # part of it lands, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, text, *a, **k)

    monkeypatch.setattr(Path, "write_text", fill_up)
    res = CliRunner().invoke(cli.app, ["analyze", str(HOTEL), "--no-llm", "-o", str(out), "-f", "json", "-f", "html"])
    assert res.exit_code == 6, res.output
    assert "No space left on device" in res.output and "written before it" in res.output and ".json" in res.output
    assert sorted(p.suffix for p in out.iterdir()) == [".json"]  # the finished one; no .tmp, no half HTML


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00binary", b"\xff\xfe\x00{", b"[1, 2, 3]", b""])
def test_a_binary_or_foreign_baseline_or_report_is_a_clear_error(content, tmp_path):
    bad = tmp_path / "last.json"
    bad.write_bytes(content)
    res = modernize("analyze", str(HOTEL), "--no-llm", "-o", str(tmp_path / "o"), "--baseline", str(bad))
    assert res.returncode == 2 and "is not a modernizer report" in res.stderr, res.stderr
    res = modernize("report", str(bad))
    assert res.returncode == 2 and "is not a modernizer report" in res.stderr
    res = modernize("report", str(tmp_path))
    assert res.returncode == 2 and "is a folder" in res.stderr


def test_file_names_that_are_not_utf8_are_analysed_and_reported_with_escapes(tmp_path):
    repo = tmp_path / "legacy"
    repo.mkdir()
    (repo / os.fsdecode(b"Caf\xe9.java")).write_text("class Cafe {}\n")
    (repo / os.fsdecode(b"R\xe9sum\xe9")).mkdir()
    (repo / os.fsdecode(b"R\xe9sum\xe9") / "big.bin").write_bytes(b"\0" * 10)
    (repo / "ok.py").write_text("import os\n")
    res = modernize("analyze", str(repo), "--no-llm", "-o", str(tmp_path / "out"), "-f", "json", "-f", "sarif", "-f", "md", "-f", "html")
    assert res.returncode == 0, res.stderr
    report = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    assert report["decode_notes"] == {"Caf\\xe9.java": "file name is not valid UTF-8: shown with \\x escapes"}
    assert {s["path"] for s in report["skipped"]} == {"R\\xe9sum\\xe9/big.bin"}
    # and the escaped name leads back to the file (review edits it there)
    assert disk_path(repo, "Caf\\xe9.java").read_text() == "class Cafe {}\n"


def test_paths_longer_than_path_max_are_listed_not_fatal(tmp_path):
    repo = tmp_path / "deep"
    repo.mkdir()
    (repo / "top.py").write_text("x = 1\n")
    fd = os.open(repo, os.O_RDONLY)
    for _ in range(45):  # 45 x 101 bytes: past Linux's 4096-byte PATH_MAX
        os.mkdir("d" * 100, dir_fd=fd)
        nxt = os.open("d" * 100, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = nxt
    os.close(os.open("deep.py", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    os.close(fd)
    snap = load_snapshot(repo)
    assert [f.path for f in snap.files] == ["top.py"]
    assert [(s.reason, s.detail) for s in snap.skipped] == [("unreadable", "its path is longer than the system allows (PATH_MAX)")]
    res = modernize("analyze", str(repo), "--no-llm", "-o", str(tmp_path / "out"))
    assert res.returncode == 0


class NotVllm(BaseHTTPRequestHandler):
    """A web server that lists a model but answers /tokenize with an HTML page (a proxy, another app)."""

    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": "m", "max_model_len": 65536}]}).encode()
        self._send(200, "application/json", body)

    def do_POST(self):
        self._send(200, "text/html", b"<html><body>Welcome to nginx!</body></html>")

    def _send(self, code, kind, body):
        self.send_response(code)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def test_a_tokenize_that_answers_html_is_a_server_error_not_a_crash(tmp_path):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), NotVllm)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        res = modernize("analyze", str(HOTEL), "--endpoint", url, "-o", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c"))
        assert res.returncode == 3, res.stderr
        assert "/tokenize answered 200 but not with vLLM's JSON (text/html" in res.stderr
        res = modernize("analyze", str(HOTEL), "--endpoint", url, "--plan")
        assert res.returncode == 3 and "not with vLLM's JSON" in res.stderr
    finally:
        httpd.shutdown()


def test_a_bug_ends_in_one_line_naming_the_step_and_a_crash_file_not_a_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MODERNIZE_CACHE_HOME", str(tmp_path / "cache-home"))
    monkeypatch.delenv("MODERNIZE_DEBUG", raising=False)

    def broken(snapshot):
        raise RuntimeError("a bug in the facts")

    monkeypatch.setattr("modernizer.run.analysis.compute_facts", broken)
    monkeypatch.setattr(sys, "argv", ["modernize", "analyze", str(HOTEL), "--no-llm", "-o", str(tmp_path / "o")])
    with pytest.raises(SystemExit) as done:
        cli.run()
    assert done.value.code == cli.EXIT_INTERNAL == 70
    err = capsys.readouterr().err
    assert "internal error in run.analysis.analyze > run.analysis.prepare: RuntimeError: a bug in the facts" in err
    assert "Traceback" not in err
    crash = next((tmp_path / "cache-home" / "crashes").glob("crash-*.txt"))
    assert "Traceback" in crash.read_text() and "a bug in the facts" in crash.read_text() and str(crash) in err.replace("\n", "")


def test_interrupting_a_run_says_what_was_kept(tmp_path, monkeypatch, capsys):
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("modernizer.run.analysis.compute_facts", interrupted)
    monkeypatch.setattr(sys, "argv", ["modernize", "analyze", str(HOTEL), "--no-llm", "-o", str(tmp_path / "o")])
    with pytest.raises(SystemExit) as done:
        cli.run()
    assert done.value.code == 130 and "run the same command again to resume" in capsys.readouterr().err
