"""An endpoint given as vLLM's start-up log prints it (http://127.0.0.1:8000, no /v1) is retried
under /v1 and the run says so (issue 22, item 8). Against a real local HTTP server: the stand-in
vLLM of tests/support/fake_vllm.py serves /v1/models only under /v1, as vLLM does; the real CPU vLLM
is exercised the same way in test_e2e_vllm.py."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from conftest import HOTEL
from support.cpu_server import free_port
from support.managed import FAKE, wait_until
from modernizer.cli import app
from modernizer.llm.client import with_api_path
from modernizer.serve import manager

runner = CliRunner()


@pytest.fixture()
def served(tmp_path, monkeypatch):
    """A real HTTP server on a free port that lists one model under /v1/models (and 404s elsewhere)."""
    monkeypatch.setenv("MODERNIZE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MODERNIZE_NVIDIA_SMI", str(tmp_path / "no-nvidia-smi"))
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(FAKE), "--port", str(port), "--served-model-name", "tiny",
                             "--max-model-len", "4096"], stdout=subprocess.DEVNULL, env={"FAKE_VLLM_MODE": "serve"})
    try:
        assert wait_until(lambda: manager.answers(f"http://127.0.0.1:{port}/v1"), 20, 0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def test_only_a_url_without_a_path_is_given_the_api_path():
    assert with_api_path("http://127.0.0.1:8000") == "http://127.0.0.1:8000/v1"
    assert with_api_path("http://127.0.0.1:8000/") == "http://127.0.0.1:8000/v1"
    assert with_api_path("http://127.0.0.1:8000/v1") is None
    assert with_api_path("http://127.0.0.1:8000/openai") is None  # a path the user chose is never guessed at


def test_doctor_finds_the_server_under_v1_and_says_so(served):
    res = runner.invoke(app, ["doctor", "-e", served])
    assert res.exit_code == 0, res.output
    assert f"using {served}/v1: the OpenAI API lives under /v1" in res.stdout
    assert f"endpoint: {served}/v1 reachable" in res.stdout and "model: tiny" in res.stdout
    assert "is this a vLLM" not in res.output


def test_plan_counts_with_the_server_under_v1(served):
    res = runner.invoke(app, ["analyze", str(HOTEL), "--plan", "-e", served])
    assert res.exit_code == 0, res.output
    assert f"using {served}/v1" in res.output and "no model server answers" not in res.output


def test_a_server_without_a_model_list_under_v1_either_is_named_with_both_addresses(tmp_path):
    class NotFound(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        res = runner.invoke(app, ["doctor", "-e", url, "--state-dir", str(tmp_path)])
    finally:
        httpd.shutdown()
    assert res.exit_code == 3, res.output
    assert f"{url}/models answered HTTP 404, and {url}/v1/models did not list models either" in res.stdout
    assert "Traceback" not in res.output


def test_review_finds_the_server_under_v1_and_says_so(served, tmp_path):
    """`review -e http://host:port` (no /v1): the fix request's probe finds the API under /v1 and the
    session says so, as analyze and doctor do (the stand-in answers no chat, so the fix itself fails)."""
    import shutil

    from support.review_fixtures import git_init
    from test_review_example import EXAMPLE, review

    repo = tmp_path / "hotel"
    shutil.copytree(HOTEL, repo)
    git_init(repo)
    report = tmp_path / "example.json"
    shutil.copyfile(EXAMPLE, report)
    res = review([str(report), "--repo", str(repo), "-e", served], "f\nq\n", tmp_path)
    said = res.stdout + res.stderr
    assert f"using {served}/v1: the OpenAI API lives under /v1" in said, said[-2000:]
    assert "Traceback" not in said
