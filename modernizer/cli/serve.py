"""`modernize serve`: start, stop or describe the managed vLLM server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from modernizer.cli.common import as_invoked, emit, err, escape, fail, out

if TYPE_CHECKING:
    from modernizer.serve.vllmcheck import VllmCheck

SERVE_EPILOG = ("Exit codes: 0 done; 2 bad options, a profile that cannot fit, no vLLM in the interpreter that would run it, "
                "or a managed server already running (stop it with `modernize serve --stop`): all checked before starting; "
                "with --install-service/--remove-service also a unit file modernize did not write, no permission, "
                "or a unit still enabled; "
                "3 the server could not start: its port is taken by another program, or it exited or did not become healthy "
                "(the end of its log is printed), or it refused the window twice (once is retried at vLLM's estimate).")

PROFILE = "Profile and model"
SERVER = "Server"
LIFECYCLE = "Lifecycle"
SERVICE = "System service (systemd)"


def serve(
    ctx: typer.Context,
    profile: Annotated[Optional[str], typer.Option("--profile", "-p", rich_help_panel=PROFILE, help="Hardware profile (default: from the GPUs found); see --list-profiles.")] = None,
    model: Annotated[Optional[str], typer.Option("--model", envvar="MODERNIZE_SERVE_MODEL", rich_help_panel=PROFILE, help="Checkpoint directory or Hugging Face id (default: the profile's).")] = None,
    list_profiles: Annotated[bool, typer.Option("--list-profiles", rich_help_panel=PROFILE, help="List the profiles and exit.")] = False,
    quantization: Annotated[Optional[str], typer.Option("--quantization", rich_help_panel=PROFILE, help="Weights: bf16, fp8 or nvfp4 (picks the checkpoint).")] = None,
    max_model_len: Annotated[Optional[int], typer.Option("--window", "--max-model-len", rich_help_panel=PROFILE, help="Window in tokens (default: what free memory holds, up to 1M; a refused one is retried at vLLM's estimate).")] = None,
    no_prefix_cache: Annotated[bool, typer.Option("--no-prefix-cache", rich_help_panel=PROFILE, help="No prefix caching: a ~4.8x larger window, but each request re-reads the code.")] = False,
    kv_cache_dtype: Annotated[Optional[str], typer.Option("--kv-cache-dtype", rich_help_panel=PROFILE, help="auto or fp8.")] = None,
    reasoning_parser: Annotated[Optional[str], typer.Option("--reasoning-parser", rich_help_panel=PROFILE, help="vLLM reasoning parser, or 'none' (default: nemotron_v3 on GPUs).")] = None,
    port: Annotated[int, typer.Option(rich_help_panel=SERVER, help="Port on 127.0.0.1.")] = 8000,
    vllm_python: Annotated[Optional[str], typer.Option("--vllm-python", envvar="MODERNIZE_VLLM_PYTHON", rich_help_panel=SERVER, help="Python that has vLLM (default: this one).")] = None,
    tensor_parallel_size: Annotated[Optional[int], typer.Option("--tensor-parallel-size", "--tp", rich_help_panel=SERVER, help="Split the model over N GPUs (one shared prefix cache).")] = None,
    data_parallel_size: Annotated[Optional[int], typer.Option("--data-parallel-size", "--dp", rich_help_panel=SERVER, help="N replicas, each with its own prefix cache.")] = None,
    max_num_seqs: Annotated[Optional[int], typer.Option("--max-num-seqs", rich_help_panel=SERVER, help="Requests run at once per replica.")] = None,
    api_server_count: Annotated[Optional[int], typer.Option("--api-server-count", rich_help_panel=SERVER, help="vLLM API server processes (default: the profile's, 1 to 4).")] = None,
    gpu_memory_utilization: Annotated[Optional[float], typer.Option("--gpu-memory-utilization", rich_help_panel=SERVER, help="Share of each GPU's memory vLLM may take (default: the profile's).")] = None,
    cpu_offload_gb: Annotated[Optional[float], typer.Option("--cpu-offload-gb", rich_help_panel=SERVER, help="GiB of weights per GPU kept in CPU memory (slow).")] = None,
    extra_arg: Annotated[list[str], typer.Option("--extra-arg", rich_help_panel=SERVER, help="One more vLLM argument, as is (repeatable).")] = [],
    env: Annotated[list[str], typer.Option("--env", rich_help_panel=SERVER, help="KEY=VALUE set for vLLM (repeatable).")] = [],
    dry_run: Annotated[bool, typer.Option("--dry-run", rich_help_panel=LIFECYCLE, help="Print the vLLM command and its interpreter, and exit.")] = False,
    detach: Annotated[bool, typer.Option("--detach", "-d", rich_help_panel=LIFECYCLE, help="Return once healthy; the server keeps running.")] = False,
    stop: Annotated[bool, typer.Option("--stop", rich_help_panel=LIFECYCLE, help="Stop the managed server.")] = False,
    idle_timeout: Annotated[float, typer.Option("--idle-timeout", rich_help_panel=LIFECYCLE, help="Stop after this many seconds without a request (0: never).")] = 0.0,
    startup_timeout: Annotated[float, typer.Option("--startup-timeout", rich_help_panel=LIFECYCLE, help="Seconds to wait for the server to become healthy.")] = 900.0,
    state_dir: Annotated[Optional[Path], typer.Option("--state-dir", envvar="MODERNIZE_STATE_DIR", rich_help_panel=LIFECYCLE, help="Where the server's state and log live (default: ~/.cache/modernizer).")] = None,
    install_service: Annotated[bool, typer.Option("--install-service", rich_help_panel=SERVICE, help="Write a systemd unit running this serve command at boot, restarted if vLLM fails (see docs/serve.md).")] = False,
    remove_service: Annotated[bool, typer.Option("--remove-service", rich_help_panel=SERVICE, help="Remove the unit --install-service wrote (once it is disabled).")] = False,
    system: Annotated[bool, typer.Option("--system", rich_help_panel=SERVICE, help="A system unit in /etc/systemd/system (needs root; runs as the invoking user), not a user unit in ~/.config/systemd/user.")] = False,
    service_name: Annotated[str, typer.Option("--service-name", rich_help_panel=SERVICE, help="The unit's name.")] = "modernize-serve",
    unit_dir: Annotated[Optional[Path], typer.Option("--unit-dir", rich_help_panel=SERVICE, help="Write the unit here instead (then `systemctl link` it).")] = None,
    force: Annotated[bool, typer.Option("--force", rich_help_panel=SERVICE, help="Replace or remove a unit file modernize did not write.")] = False,
) -> None:
    """Start (or --stop) a local vLLM serving Nemotron-3-Nano-30B-A3B with a hardware profile.

    The profile (from the GPUs found, or --profile) sets the weights format, the window from free GPU memory, prefix caching, an FP8 KV cache where memory is tight, and Nemotron's reasoning parser. The server binds 127.0.0.1 only.

    --install-service writes a systemd unit that runs this same command at boot and restarts it when vLLM fails (user scope, or --system); --remove-service removes it (docs/serve.md).

    vLLM must be importable by the interpreter that runs it: this one once the clone's serve extra is installed in it (GPU), or --vllm-python (e.g. .venv-vllm/bin/python, the CPU build `make install` makes); it is checked before a start.
    """
    from rich.table import Table

    from modernizer.errors import ModernizerError
    from modernizer.serve import manager, profiles, vllmcheck

    directory = manager.state_dir(state_dir)
    if list_profiles:
        # names and windows never wrap; the two text columns wrap at words and fold a long name, never cut it (…)
        table = Table(title="modernize serve profiles (windows on the profile's nominal GPU memory)")
        table.add_column("profile", no_wrap=True)
        table.add_column("hardware", overflow="fold")
        table.add_column("key settings", overflow="fold")
        for col in ("window\n(prefix cache)", "window\n(no cache)"):
            table.add_column(col, justify="right", no_wrap=True)
        for row in profiles.describe_profiles():
            table.add_row(*row)
        out.print(table)
        return
    if remove_service:
        from modernizer.cli import service

        service.remove(system=system, name=service_name, unit_dir=unit_dir, force=force)
        return
    if stop:
        state = manager.stop(directory)
        out.print(f"stopped the managed server (profile {state.profile}, pid {state.pid}, {state.base_url})" if state
                  else f"no managed server is running (state in {directory})", markup=False)
        return
    if quantization is not None and quantization not in profiles.QUANTIZATIONS:
        err.print(f"[bold red]error:[/] --quantization must be one of {', '.join(profiles.QUANTIZATIONS)}, not {escape(repr(quantization))}")
        raise typer.Exit(2)
    if api_server_count is not None and api_server_count < 1:
        err.print(f"[bold red]error:[/] --api-server-count must be 1 or more, not {api_server_count}")
        raise typer.Exit(2)
    bad_env = [e for e in env if "=" not in e or not e.split("=", 1)[0]]
    if bad_env:
        err.print(f"[bold red]error:[/] --env takes KEY=VALUE, not {escape(repr(bad_env[0]))}")
        raise typer.Exit(2)
    overrides = profiles.Overrides(
        python=vllm_python or manager.vllm_python(), tensor_parallel_size=tensor_parallel_size,
        data_parallel_size=data_parallel_size, max_model_len=max_model_len, max_num_seqs=max_num_seqs,
        api_server_count=api_server_count, quantization=quantization, kv_cache_dtype=kv_cache_dtype, gpu_memory_utilization=gpu_memory_utilization,
        cpu_offload_gib=cpu_offload_gb, reasoning_parser=reasoning_parser, extra_args=extra_arg, prefix_caching=not no_prefix_cache,
        env=dict(e.split("=", 1) for e in env))
    if install_service:
        from modernizer.cli import service

        service.install(ctx, overrides, profile=profile, model=model, port=port, idle_timeout=idle_timeout,
                        state_dir=state_dir, system=system, name=service_name, unit_dir=unit_dir, force=force)
        return
    try:
        chosen, cmd, info = manager.prepare_command(profile, model, port, overrides)
        if profile is None:
            say(f"profile {chosen.name} ({chosen.hardware}) for {info.gpus[0].name} x{len(info.gpus)}")
        for n in cmd.notes:
            err.print(f"[yellow]note:[/] {escape(n)}", soft_wrap=True)
        if dry_run:
            out.print(cmd.shell(), markup=False, highlight=False, soft_wrap=True)
            m = cmd.memory
            err.print(f"profile {cmd.profile}: window {cmd.window:,} tokens, up to {cmd.concurrency} requests at once"
                      + (f"; per GPU: {m.budget_gib:g} GiB usable ({m.gpu_memory_utilization:.2f} of {m.total_gib:g}) "
                         f"- weights {m.weights_gib:g} GiB ({m.weights_basis}) - reserve {m.overhead_gib:g} GiB (activations, "
                         f"CUDA graphs; the {m.api_servers} API server{'s' if m.api_servers != 1 else ''} hold no GPU memory) "
                         f"= cache pool {m.kv_pool_gib:g} GiB (~{m.fits_tokens:,} tokens, {m.token_bytes:,} bytes/token, "
                         f"block {m.block_size}); vLLM measures its own while starting and, if it refuses the window, "
                         "serve restarts once at the length it says fits" if m else ""),
                      soft_wrap=True, markup=False)
            print_interpreter(vllmcheck.check(cmd.argv[0], cmd.env), cmd.device)
            return
        started = manager.start(cmd, directory, idle_timeout=idle_timeout, startup_timeout=startup_timeout, progress=say)
    except ModernizerError as exc:
        raise fail(exc) from None
    s = started.state
    announce = (f"serving {s.served_model_name} at {s.base_url} (profile {s.profile}, pid {s.pid}, window {s.window:,}); "
                + ("stop it with: modernize serve --stop" if detach else "Ctrl-C stops it"))
    announce = as_invoked(announce)
    if detach:
        out.print(announce, markup=False, soft_wrap=True)
        return
    import signal

    def _interrupt(*_args) -> None:
        raise KeyboardInterrupt

    try:
        for sig in (signal.SIGTERM, signal.SIGHUP):  # a closed terminal or a kill stops the server too
            signal.signal(sig, _interrupt)  # before the announcement: whoever reads it may signal at once
        out.print(announce, markup=False, soft_wrap=True)
        code = started.supervisor.wait() if started.supervisor else 0
    except KeyboardInterrupt:
        manager.stop(directory)
        code = 0
    raise typer.Exit(code)


def say(message: str) -> None:
    """A progress line on stderr, "· message": the dot is styled, the message is text (never markup)."""
    emit(err, "[dim]·[/] ", message)


def print_interpreter(check: "VllmCheck", device: str = "cuda") -> None:
    """--dry-run's word on the interpreter: which one, and a warning when it cannot run the command."""
    from modernizer.serve import vllmcheck

    err.print(vllmcheck.describe(check), markup=False, soft_wrap=True, highlight=False)
    if check.has_vllm is False:
        problem = vllmcheck.missing(check, device)
        what = "does not exist" if check.executable is None else "has no vLLM"
        err.print(f"[bold yellow]warning:[/] {escape(check.python)} {what}: the command above cannot run as it is",
                  soft_wrap=True, highlight=False)
        emit(err, "[dim]hint:[/] ", problem.hint)
