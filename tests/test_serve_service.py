"""`modernize serve --install-service / --remove-service` (issue 22, item 10): the systemd unit it
writes, checked by systemd's own verifier where there is one and by its parsed fields; the unit's
command run as systemd would run it, against the stand-in vLLM (its idle stop is a clean exit, which
Restart=on-failure does not restart); foreign units left alone; doctor's line. XDG_CONFIG_HOME points
at a temporary folder: the real user's systemd folder is never touched."""

from __future__ import annotations

import configparser
import getpass
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from support.managed import fake_vllm, state_dir  # noqa: F401  (fixtures)
from support.cpu_server import free_port
from modernizer.cli import app
from modernizer.serve import service

runner = CliRunner()
TINY = str(ROOT / ".cache" / "tiny-model")


@pytest.fixture()
def config_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def install(*args: str):
    return runner.invoke(app, ["serve", "--install-service", "--profile", "cpu-test", "--model", TINY, *args])


def parsed(path: Path) -> configparser.RawConfigParser:
    unit = configparser.RawConfigParser(strict=True, interpolation=None)
    unit.optionxform = str  # systemd's keys are case-sensitive
    unit.read_string(path.read_text())
    return unit


def exec_argv(unit: configparser.RawConfigParser) -> list[str]:
    """ExecStart as systemd splits it (double quotes, backslash escapes; %% is a literal %)."""
    return [w.replace("%%", "%").replace("$$", "$") for w in shlex.split(unit["Service"]["ExecStart"])]


def verify(path: Path, tmp_path: Path, user: bool = True) -> None:
    """systemd-analyze's own check of the unit, when this machine has it: no complaint may name it."""
    if shutil.which("systemd-analyze") is None:
        return
    runtime = tmp_path / "runtime"
    runtime.mkdir(exist_ok=True)
    res = subprocess.run(["systemd-analyze", *(["--user"] if user else []), "verify", str(path)], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)})
    assert res.returncode == 0 and path.name not in res.stdout + res.stderr, res.stdout + res.stderr


def test_user_unit_runs_this_serve_command_at_boot_restarts_on_failure_and_verifies(config_home, state_dir, fake_vllm, tmp_path):
    res = install("--port", "8123", "--window", "4096", "--idle-timeout", "600", "--env", "A=b c%")
    assert res.exit_code == 0, res.output
    path = config_home / "systemd" / "user" / "modernize-serve.service"
    assert f"wrote {path}" in res.stdout
    assert "systemctl --user daemon-reload && systemctl --user enable --now modernize-serve.service" in res.stdout
    assert f"loginctl enable-linger {getpass.getuser()}" in res.stdout and "--remove-service" in res.stdout
    unit = parsed(path)
    argv = exec_argv(unit)
    assert Path(argv[0]).is_absolute() and argv[0] == str(Path(sys.executable).with_name("modernize").absolute())
    assert argv[1:6] == ["serve", "--profile", "cpu-test", "--port", "8123"]
    pairs = dict(zip(argv[6::2], argv[7::2]))
    assert pairs["--vllm-python"] == os.environ["MODERNIZE_VLLM_PYTHON"] and pairs["--model"] == str(Path(TINY).resolve())
    assert pairs["--idle-timeout"] == "600" and pairs["--state-dir"] == str(state_dir) and pairs["--window"] == "4096"
    assert pairs["--env"] == "A=b c%"  # quoted and %-escaped for systemd, back as given
    s = unit["Service"]
    assert s["Restart"] == "on-failure" and s["RestartPreventExitStatus"] == "2" and s["KillMode"] == "mixed"
    assert unit["Install"]["WantedBy"] == "default.target" and "User" not in s
    verify(path, tmp_path)


def test_the_units_command_serves_and_its_idle_stop_is_a_clean_exit(config_home, state_dir, fake_vllm, tmp_path):
    """What systemd would run, run here: the stand-in vLLM starts, becomes healthy, goes idle, and
    serve exits 0, which Restart=on-failure leaves stopped (the GPU freed)."""
    port = free_port()
    assert install("--port", str(port), "--idle-timeout", "1").exit_code == 0
    argv = exec_argv(parsed(config_home / "systemd" / "user" / "modernize-serve.service"))
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "serving" in proc.stdout and f"127.0.0.1:{port}" in proc.stdout
    assert "idle for" in (state_dir / "server.log").read_text()


def test_a_system_unit_runs_as_the_invoking_user_and_names_sudo(config_home, state_dir, fake_vllm, tmp_path):
    units = tmp_path / "units"
    res = install("--system", "--unit-dir", str(units), "--service-name", "modernize-h200")
    assert res.exit_code == 0, res.output
    path = units / "modernize-h200.service"
    unit = parsed(path)
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    assert unit["Service"]["User"] == (os.environ.get("SUDO_USER") or getpass.getuser())
    assert f"sudo systemctl link {path}" in res.stdout and "sudo systemctl daemon-reload" in res.stdout
    assert "--remove-service --system --service-name modernize-h200" in res.stdout
    verify(path, tmp_path, user=False)


def test_a_unit_it_did_not_write_is_neither_replaced_nor_removed_without_force(config_home, state_dir, fake_vllm):
    units = config_home / "systemd" / "user"
    units.mkdir(parents=True)
    theirs = units / "modernize-serve.service"
    theirs.write_text("[Service]\nExecStart=/bin/true\n")
    res = install()
    assert res.exit_code == 2 and "was not written by modernize" in res.output and "--force" in res.output
    assert theirs.read_text() == "[Service]\nExecStart=/bin/true\n"
    res = runner.invoke(app, ["serve", "--remove-service"])
    assert res.exit_code == 2 and theirs.exists()
    assert install("--force").exit_code == 0 and service.written_here(theirs)
    assert install().exit_code == 0  # its own unit is rewritten freely
    res = runner.invoke(app, ["serve", "--remove-service"])
    assert res.exit_code == 0 and not theirs.exists() and "daemon-reload" in res.stdout
    res = runner.invoke(app, ["serve", "--remove-service"])
    assert res.exit_code == 2 and "no unit" in res.output and "Traceback" not in res.output


def test_bad_names_and_unstartable_profiles_write_nothing(config_home, state_dir, fake_vllm):
    res = install("--service-name", "../evil")
    assert res.exit_code == 2 and "not a systemd unit name" in res.output
    res = runner.invoke(app, ["serve", "--install-service", "--profile", "nope"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert not (config_home / "systemd").exists()


def test_doctor_shows_the_installed_unit(config_home, state_dir, fake_vllm):
    assert install().exit_code == 0
    res = runner.invoke(app, ["doctor", "-e", f"http://127.0.0.1:{free_port()}/v1"])
    path = config_home / "systemd" / "user" / "modernize-serve.service"
    assert f"service: modernize-serve.service (user unit, {path})" in res.stdout
    assert "start the installed service: systemctl --user start modernize-serve.service" in res.stdout
