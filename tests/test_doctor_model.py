"""`modernize doctor --expect-model`: a weekly job reuses whatever answers on 127.0.0.1:8000, so it
must learn when that is another model (someone's experiment, an older checkpoint) before it
analyses with it: exit 7, distinct from "no server" (3), with the served and the expected model named.

The server is the vLLM stand-in (tests/support/fake_vllm.py) serving /v1/models as vLLM does: the
served name, and the checkpoint it loaded as ``root``."""

from __future__ import annotations

from typer.testing import CliRunner

from modernizer.cli import app
from modernizer.defaults import EXIT_WRONG_MODEL
from modernizer.serve.doctor import model_matches
from support.cpu_server import free_port
from support.managed import served  # noqa: F401  (a fixture: the vLLM stand-in serving nemotron)

runner = CliRunner()


def doctor(url: str, tmp_path, *extra: str):
    return runner.invoke(app, ["doctor", "--endpoint", url, "--state-dir", str(tmp_path / "state"), *extra],
                         env={"MODERNIZE_NVIDIA_SMI": str(tmp_path / "no-nvidia-smi"), "COLUMNS": "200"})


def test_the_expected_model_by_name_or_checkpoint_passes(served, tmp_path):
    url, checkpoint = served
    link = tmp_path / "current-model"
    link.symlink_to(checkpoint)
    for expected in ("nemotron", str(checkpoint), str(checkpoint) + "/", str(link)):
        res = doctor(url, tmp_path, "--expect-model", expected)
        assert res.exit_code == 0, res.output
        assert f"expected model: {expected}: served" in res.stdout
        assert f"model: nemotron, loaded from {checkpoint}" in res.stdout


def test_another_model_on_the_port_fails_with_its_own_exit_code(served, tmp_path):
    url, checkpoint = served
    other = tmp_path / "models" / "nemotron-bf16"
    other.mkdir()
    for expected in (str(other), "qwen"):
        res = doctor(url, tmp_path, "--expect-model", expected)
        assert res.exit_code == EXIT_WRONG_MODEL == 7, res.output
        last = res.stdout.strip().splitlines()[-1]
        assert last.startswith(f"verdict: wrong model: {url} serves nemotron (loaded from {checkpoint}), not {expected}")
        assert "stop it, or point --endpoint" in last and f"expected model: {expected}: NOT the one served" in res.stdout
    assert doctor(url, tmp_path).exit_code == 0  # without --expect-model any model will do, as before


def test_no_server_is_still_exit_3_and_the_codes_are_documented(tmp_path):
    res = doctor(f"http://127.0.0.1:{free_port()}/v1", tmp_path, "--expect-model", "nemotron")
    assert res.exit_code == 3 and "not ready: no model server" in res.stdout
    text = " ".join(runner.invoke(app, ["doctor", "--help"], env={"COLUMNS": "200"}).output.split())
    assert "--expect-model" in text and "Exit codes: 0 ready;" in text and "3 not ready" in text and "7 the server answers but serves another model" in text


def test_model_matches():
    assert model_matches("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8", "nemotron", "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8")
    assert not model_matches("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8", "nemotron", "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16")
    assert not model_matches("/no/such/dir", "nemotron", "/other/dir") and model_matches("", "x", "")
