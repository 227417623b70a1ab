"""`modernize serve --install-service`: the managed vLLM server as a systemd unit.

A GPU workstation or a self-hosted CI runner keeps the model server up between runs. The unit runs
the same foreground command a person would (`modernize serve --profile P ...`), so everything serve
does (the profile, the window retry, the idle watchdog) is unchanged under systemd:

- started at boot (user scope: once the user lingers, `loginctl enable-linger`), restarted when
  vLLM fails (serve exits non-zero), but not when serve refuses its options (exit 2: a restart
  cannot help);
- an idle timeout still frees the GPU: serve then exits 0, which systemd counts as a clean stop, so
  Restart=on-failure leaves it stopped until the next boot or `systemctl start`;
- systemd's SIGTERM goes to serve alone (KillMode=mixed), which stops its supervisor and vLLM in
  order; whatever is left after TimeoutStopSec is killed.

The unit text is a pure function of a ``ServiceSpec``; the file I/O and the read-only `systemctl`
queries (for doctor) sit at the end. A unit file carries ``MARKER``: one without it was not
written here and is neither overwritten nor removed without --force.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from modernizer.errors import ModernizerError

MARKER = "# Written by `modernize serve --install-service`; `modernize serve --remove-service` removes it."
DEFAULT_NAME = "modernize-serve"
SYSTEM_DIR = Path("/etc/systemd/system")
Scope = Literal["user", "system"]


class ServiceError(ModernizerError):
    """A unit cannot be written or removed as asked (a foreign file, no permission, a bad name)."""


class ServiceSpec(BaseModel):
    name: str = Field(default=DEFAULT_NAME, description="the unit's name, without .service")
    scope: Scope = "user"
    argv: list[str] = Field(description="the command the unit runs: modernize serve with the chosen profile, in the foreground")
    description: str
    user: str | None = Field(default=None, description="system scope: the account the server runs as (never root by default)")
    restart_sec: int = 10
    stop_sec: int = 90


class ServiceStatus(BaseModel):
    """What doctor says about an installed unit: its file, and what systemctl says when it answers."""
    name: str
    scope: Scope
    path: str
    enabled: str | None = Field(default=None, description="systemctl is-enabled; None: systemctl not reachable")
    active: str | None = Field(default=None, description="systemctl is-active; None: systemctl not reachable")


def check_name(name: str) -> str:
    """A unit name systemd takes (letters, digits, ``:_.@-``), given with or without .service."""
    base = name.removesuffix(".service")
    if not re.fullmatch(r"[A-Za-z0-9:_.@-]{1,200}", base) or base.startswith(("-", ".")):
        raise ServiceError(f"--service-name {name!r} is not a systemd unit name",
                           "use letters, digits, '-', '_' or '.', e.g. modernize-serve")
    return base


def quote(arg: str) -> str:
    """One ExecStart word: % and $ doubled (systemd expands specifiers and variables there), quoted
    when it has a space, a quote or a backslash."""
    word = arg.replace("%", "%%").replace("$", "$$")
    if word and not re.search(r'[\s"\'\\;]', word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_text(spec: ServiceSpec) -> str:
    """The unit file for SPEC (see the module's docstring for why each setting)."""
    target = "default.target" if spec.scope == "user" else "multi-user.target"
    unit = [MARKER, "[Unit]", f"Description={spec.description}", "After=network.target",
            "StartLimitIntervalSec=600", "StartLimitBurst=5", ""]
    service = ["[Service]", "Type=simple"]
    if spec.scope == "system" and spec.user:
        service.append(f"User={spec.user}")
    service += [
        "Environment=PYTHONUNBUFFERED=1",
        "ExecStart=" + " ".join(quote(a) for a in spec.argv),
        "Restart=on-failure",
        f"RestartSec={spec.restart_sec}",
        "# 2: serve refused its options or found a server already running; a restart cannot help",
        "RestartPreventExitStatus=2",
        "KillMode=mixed",
        f"TimeoutStopSec={spec.stop_sec}",
        "",
    ]
    return "\n".join(unit + service + ["[Install]", f"WantedBy={target}", ""])


def unit_dir(scope: Scope, env: dict[str, str] | None = None) -> Path:
    """Where systemd reads units the administrator writes: the user's ``$XDG_CONFIG_HOME/systemd/user``
    (default ~/.config), or /etc/systemd/system."""
    if scope == "system":
        return SYSTEM_DIR
    env = os.environ if env is None else env
    config = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(config).expanduser() / "systemd" / "user"


def systemctl_words(scope: Scope) -> str:
    return "systemctl --user" if scope == "user" else "sudo systemctl"


def enable_lines(spec: ServiceSpec, path: Path, custom_dir: bool = False) -> list[str]:
    """What to run after the unit is written: load it, enable and start it, and (user scope) keep the
    user's manager running without a login so that the server starts at boot."""
    ctl = systemctl_words(spec.scope)
    lines = []
    if custom_dir:
        lines.append(f"the unit is in {path.parent}, where systemd does not look: link it first with "
                     f"`{ctl} link {path}`")
    lines.append(f"enable and start it: {ctl} daemon-reload && {ctl} enable --now {spec.name}.service")
    if spec.scope == "user":
        lines.append(f"start it at boot without a login: loginctl enable-linger {getpass.getuser()}")
    lines.append(f"follow it: journalctl {'--user ' if spec.scope == 'user' else ''}-u {spec.name}.service -f; "
                 "`modernize doctor` shows it")
    return lines


# -- I/O at the edge -----------------------------------------------------------------------------
def written_here(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace").splitlines()[:3]
    except OSError:
        return False


def install(spec: ServiceSpec, directory: Path, force: bool = False) -> Path:
    """Write SPEC's unit into DIRECTORY; a unit there that this command did not write is kept unless FORCE."""
    path = directory / f"{spec.name}.service"
    if path.exists() and not force and not written_here(path):
        raise ServiceError(f"{path} exists and was not written by modernize: it is left as it is",
                           "pick another --service-name, or pass --force to replace it")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(unit_text(spec), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise ServiceError(f"cannot write {path}: {exc.strerror or exc}",
                           "a system unit needs root: run it with sudo, or install a user unit (without --system)"
                           if spec.scope == "system" else "check that the folder is writable") from None
    return path


def remove(name: str, scope: Scope, directory: Path, force: bool = False) -> Path:
    """Delete the unit NAME from DIRECTORY: only one this command wrote (unless FORCE), and only once
    systemd no longer runs or enables it, so that nothing keeps running on a vanished file."""
    path = directory / f"{name}.service"
    if not path.exists():
        raise ServiceError(f"no unit {path} to remove", "`modernize doctor` lists the installed one")
    if not force and not written_here(path):
        raise ServiceError(f"{path} was not written by modernize: it is left as it is", "pass --force to remove it anyway")
    status = query(name, scope, path)
    busy = [w for w, v in (("enabled", status.enabled), ("active", status.active)) if v in ("enabled", "active", "activating")]
    if busy:
        ctl = systemctl_words(scope)
        raise ServiceError(f"{name}.service is {' and '.join(busy)}: stop and disable it before its file goes",
                           f"{ctl} disable --now {name}.service, then run this again")
    try:
        path.unlink()
    except OSError as exc:
        raise ServiceError(f"cannot remove {path}: {exc.strerror or exc}",
                           "a system unit needs root: run it with sudo" if scope == "system" else "") from None
    return path


def _systemctl(scope: Scope, *args: str) -> str | None:
    """One read-only systemctl query; None when systemctl is missing or no manager answers (a
    container, a session without a user bus)."""
    exe = shutil.which("systemctl")
    if exe is None:
        return None
    argv = [exe, *(["--user"] if scope == "user" else []), *args]
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=5, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    said = res.stdout.strip()
    if not said or "Failed to connect" in res.stderr or "not been booted with systemd" in res.stderr:
        return None
    return said.splitlines()[-1]


def query(name: str, scope: Scope, path: Path) -> ServiceStatus:
    return ServiceStatus(name=name, scope=scope, path=str(path), enabled=_systemctl(scope, "is-enabled", f"{name}.service"),
                         active=_systemctl(scope, "is-active", f"{name}.service"))


def installed(env: dict[str, str] | None = None) -> list[ServiceStatus]:
    """The units this command wrote, user scope first (for doctor)."""
    found = []
    for scope in ("user", "system"):
        directory = unit_dir(scope, env)
        try:
            paths = sorted(directory.glob("*.service"))
        except OSError:
            continue
        found += [query(p.name.removesuffix(".service"), scope, p) for p in paths if written_here(p)]
    return found


def describe(status: ServiceStatus) -> str:
    """Doctor's line for one unit."""
    where = f"{status.name}.service ({status.scope} unit, {status.path})"
    if status.enabled is None and status.active is None:
        return f"service: {where}: unit file present (systemctl not reachable here)"
    said = f"{status.enabled or 'enabled or not: unknown'}, {status.active or 'running or not: unknown'}"
    if status.enabled not in ("enabled", None) and status.active != "active":
        said += f" (enable it: {systemctl_words(status.scope)} enable --now {status.name}.service)"
    return f"service: {where}: {said}"
