"""`modernize serve --install-service / --remove-service`: the terminal side of serve/service.py.

The unit runs `modernize serve` with the options given here (the service flags left out), the
profile resolved now and checked as a start would check it, so that a unit that cannot start is
never written."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from typing import TYPE_CHECKING

import typer

from modernizer.cli.common import as_invoked, err, escape, fail, out

if TYPE_CHECKING:
    from modernizer.serve.profiles import Overrides

# serve's options that describe the service itself, or a one-off action: never passed on to the unit
NOT_FORWARDED = {"install_service", "remove_service", "system", "service_name", "unit_dir", "force", "dry_run",
                 "detach", "stop", "list_profiles", "profile", "vllm_python", "state_dir", "model", "port",
                 "idle_timeout"}


def modernize_argv() -> list[str]:
    """This installation's modernize command as an absolute path (the venv's script beside this
    interpreter), else this interpreter running the package."""
    script = Path(sys.executable).with_name("modernize")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "modernizer.cli"]


def forwarded(ctx: typer.Context) -> list[str]:
    """The serve options the user gave (those that differ from their defaults), as arguments."""
    args: list[str] = []
    for param in ctx.command.params:
        if getattr(param, "param_type_name", "") != "option" or param.name in NOT_FORWARDED:
            continue
        value = ctx.params.get(param.name)
        if value is None or value == param.default or value in ((), []):
            continue
        flag = param.opts[0]
        if getattr(param, "is_flag", False):
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            for v in value:
                args += [flag, str(v)]
        else:
            args += [flag, str(value)]
    return args


def install(ctx: typer.Context, overrides: "Overrides", *, profile: str | None, model: str | None, port: int,
            idle_timeout: float, state_dir: Path | None, system: bool, name: str, unit_dir: Path | None,
            force: bool) -> None:
    """Check the start as serve would, write the unit, and say how to enable it."""
    from modernizer.errors import ModernizerError
    from modernizer.serve import manager, service, vllmcheck
    scope = "system" if system else "user"
    try:
        name = service.check_name(name)
        chosen, cmd, _info = manager.prepare_command(profile, model, port, overrides)
    except ModernizerError as exc:
        raise fail(exc) from None
    vllm_python = overrides.python
    check = vllmcheck.check(cmd.argv[0], cmd.env)
    if check.has_vllm is False:
        err.print(f"[bold yellow]warning:[/] {escape(vllm_python)} has no vLLM: the service will fail until it has; "
                  "pass --vllm-python", soft_wrap=True, highlight=False)
    argv = [*modernize_argv(), "serve", "--profile", chosen.name, "--port", str(port),
            "--vllm-python", str(Path(vllm_python).absolute()) if os.sep in vllm_python else vllm_python]
    if model:
        argv += ["--model", str(Path(model).expanduser().resolve()) if Path(model).expanduser().exists() else model]
    if idle_timeout > 0:
        argv += ["--idle-timeout", f"{idle_timeout:g}"]
    explicit_state = state_dir or os.environ.get("MODERNIZE_STATE_DIR")
    if scope == "user" or explicit_state:  # a system unit's account keeps its own default
        argv += ["--state-dir", str(manager.state_dir(explicit_state).absolute())]
    argv += forwarded(ctx)
    account = (os.environ.get("SUDO_USER") or getpass.getuser()) if scope == "system" else None
    spec = service.ServiceSpec(name=name, scope=scope, argv=argv, user=account,
                               description=f"modernize: vLLM model server (profile {chosen.name}, 127.0.0.1:{port})")
    directory = unit_dir or service.unit_dir(scope)
    try:
        path = service.install(spec, directory, force=force)
    except ModernizerError as exc:
        raise fail(exc) from None
    idle = (f"it stops after {idle_timeout:g} s without requests, freeing the GPU, and stays stopped until the next "
            "boot or start" if idle_timeout > 0 else "no idle timeout: it keeps the GPU (pass --idle-timeout N to free it)")
    out.print(f"wrote {path} ({scope} unit: profile {chosen.name} on 127.0.0.1:{port}; {idle})", markup=False, soft_wrap=True)
    for line in service.enable_lines(spec, path, custom_dir=unit_dir is not None):
        out.print(f"  {as_invoked(line)}", markup=False, soft_wrap=True, highlight=False)
    out.print(as_invoked(f"remove it with: modernize serve --remove-service{' --system' if system else ''}"
                         + (f" --service-name {name}" if name != service.DEFAULT_NAME else "")), markup=False, soft_wrap=True)


def remove(*, system: bool, name: str, unit_dir: Path | None, force: bool) -> None:
    from modernizer.errors import ModernizerError
    from modernizer.serve import service

    scope = "system" if system else "user"
    try:
        name = service.check_name(name)
        path = service.remove(name, scope, unit_dir or service.unit_dir(scope), force=force)
    except ModernizerError as exc:
        raise fail(exc) from None
    out.print(f"removed {path}; then: {service.systemctl_words(scope)} daemon-reload", markup=False, soft_wrap=True)
