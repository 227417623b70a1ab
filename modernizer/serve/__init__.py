"""`modernize serve`: a managed local vLLM for Nemotron-3-Nano-30B-A3B.

- ``profiles``: pure. Hardware profiles and ``build_command``: the exact vLLM command line and
  environment, with the context window computed from the GPUs' free memory.
- ``gpus``: GPU detection through ``nvidia-smi`` (the parser is pure).
- ``metrics``: pure parsing of vLLM's Prometheus ``/metrics`` text (activity, cache config).
- ``manager``: I/O. Starts vLLM under a small supervisor process (``supervisor``) that writes the
  state file, stops it after an idle timeout, and is stopped by ``modernize serve --stop``.
- ``vllmcheck``: does the interpreter that would run vLLM have it? Asked before every start (and
  shown by ``--dry-run``), so a missing vLLM is named with how to install it, not met as a crash.
- ``gateway``: ``modernize analyze --serve-profile``: start the managed server when nothing
  answers locally, and reuse it while it runs.
- ``doctor``: what ``modernize doctor`` checks and prints.
"""
