"""`modernize serve`: start, stop or describe the managed vLLM server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from modernizer.cli.common import err, escape, fail, out

SERVE_EPILOG = """Exit codes: 0 done; 2 bad options or a profile that cannot fit; 3 the server did not start (the end of its log is printed)."""


def serve(
    profile: Annotated[Optional[str], typer.Option("--profile", "-p", help="Hardware profile (default: chosen from the GPUs nvidia-smi lists); see --list-profiles.")] = None,
    model: Annotated[Optional[str], typer.Option("--model", envvar="MODERNIZE_SERVE_MODEL", help="Checkpoint directory or Hugging Face id (default: the profile's Nemotron-3-Nano checkpoint).")] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the exact vLLM command and exit.")] = False,
    detach: Annotated[bool, typer.Option("--detach", "-d", help="Return once healthy and leave the server running in the background.")] = False,
    stop: Annotated[bool, typer.Option("--stop", help="Stop the managed server.")] = False,
    list_profiles: Annotated[bool, typer.Option("--list-profiles", help="List the profiles and exit.")] = False,
    idle_timeout: Annotated[float, typer.Option("--idle-timeout", help="Stop after this many seconds without a request, freeing the GPU (0: never).")] = 0.0,
    startup_timeout: Annotated[float, typer.Option("--startup-timeout", help="Seconds to wait for the server to become healthy.")] = 900.0,
    tensor_parallel_size: Annotated[Optional[int], typer.Option("--tensor-parallel-size", "--tp", help="Split the model over N GPUs (one prefix cache: best for one repository).")] = None,
    data_parallel_size: Annotated[Optional[int], typer.Option("--data-parallel-size", "--dp", help="N replicas (each its own prefix cache: for several repositories at once).")] = None,
    max_model_len: Annotated[Optional[int], typer.Option("--window", "--max-model-len", help="Window in tokens (default: the largest the free GPU memory holds, up to 1,048,576; ask for less to leave memory to other work).")] = None,
    no_prefix_cache: Annotated[bool, typer.Option("--no-prefix-cache", help="Serve without prefix caching: a window ~4.8x larger from the same memory (e.g. 1M where only ~200K fit with it), but every request reads the whole codebase again; modernize then sends one request per agent instead of the sweep.")] = False,
    max_num_seqs: Annotated[Optional[int], typer.Option("--max-num-seqs", help="Requests run at once per replica.")] = None,
    api_server_count: Annotated[Optional[int], typer.Option("--api-server-count", min=1, help="vLLM API server processes, which tokenize and admit requests in parallel (default: 4 on H100/H200/Pro 6000, 2 on workstations, 1 for cpu-test).")] = None,
    quantization: Annotated[Optional[str], typer.Option("--quantization", help="Weights: bf16, fp8 or nvfp4 (picks the checkpoint).")] = None,
    kv_cache_dtype: Annotated[Optional[str], typer.Option("--kv-cache-dtype", help="auto or fp8.")] = None,
    gpu_memory_utilization: Annotated[Optional[float], typer.Option("--gpu-memory-utilization", help="Fraction of each GPU's memory vLLM may take (default: the profile's, lowered to what is free).")] = None,
    cpu_offload_gb: Annotated[Optional[float], typer.Option("--cpu-offload-gb", help="GiB of weights per GPU kept in CPU memory (slow; for weights that do not fit).")] = None,
    reasoning_parser: Annotated[Optional[str], typer.Option("--reasoning-parser", help="vLLM reasoning parser, or 'none' (default: nemotron_v3 on GPU profiles).")] = None,
    extra_arg: Annotated[list[str], typer.Option("--extra-arg", help="One more vLLM argument, passed as is (repeatable; e.g. --extra-arg=--load-format=dummy).")] = [],
    env: Annotated[list[str], typer.Option("--env", help="KEY=VALUE set for vLLM (repeatable).")] = [],
    vllm_python: Annotated[Optional[str], typer.Option("--vllm-python", envvar="MODERNIZE_VLLM_PYTHON", help="Python interpreter that has vLLM (default: this one).")] = None,
    state_dir: Annotated[Optional[Path], typer.Option("--state-dir", envvar="MODERNIZE_STATE_DIR", help="Where the managed server's state and log live (default: ~/.cache/modernizer).")] = None,
) -> None:
    """Start (or --stop) a local vLLM serving Nemotron-3-Nano-30B-A3B with a hardware profile.

    The profile comes from the GPUs found (or --profile) and sets the weights format, the window
    (from free GPU memory), prefix caching for this hybrid Mamba model, FP8 KV cache where memory
    is tight, and Nemotron's reasoning parser. The server binds 127.0.0.1 only.
    """
    from rich.table import Table

    from modernizer.errors import ModernizerError
    from modernizer.serve import manager, profiles

    directory = manager.state_dir(state_dir)
    if list_profiles:
        table = Table(title="modernize serve profiles (windows on the profile's nominal GPU memory)")
        for col in ("profile", "hardware", "key settings", "window, prefix cache", "window, no cache"):
            table.add_column(col)
        for row in profiles.describe_profiles():
            table.add_row(*row)
        out.print(table)
        return
    if stop:
        state = manager.stop(directory)
        out.print(f"stopped the managed server (profile {state.profile}, pid {state.pid}, {state.base_url})" if state
                  else f"no managed server is running (state in {directory})", markup=False)
        return
    if quantization is not None and quantization not in profiles.QUANTIZATIONS:
        err.print(f"[bold red]error:[/] --quantization must be one of {', '.join(profiles.QUANTIZATIONS)}, not {escape(repr(quantization))}")
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
    say = lambda m: err.print(f"[dim]·[/] {escape(m)}", soft_wrap=True, highlight=False)  # noqa: E731
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
                      + (f"; per GPU: {m.budget_gib:g} GiB usable, weights {m.weights_gib:g} GiB, cache pool {m.kv_pool_gib:g} GiB "
                         f"(~{m.fits_tokens:,} tokens, {m.token_bytes:,} bytes/token, block {m.block_size})" if m else ""),
                      soft_wrap=True, markup=False)
            return
        started = manager.start(cmd, directory, idle_timeout=idle_timeout, startup_timeout=startup_timeout, progress=say)
    except ModernizerError as exc:
        raise fail(exc) from None
    s = started.state
    announce = (f"serving {s.served_model_name} at {s.base_url} (profile {s.profile}, pid {s.pid}, window {s.window:,}); "
                + ("stop it with: modernize serve --stop" if detach else "Ctrl-C stops it"))
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
