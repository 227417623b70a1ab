"""The `modernize` command line: one module per command (analyze, report, review, serve, doctor),
shared option types in ``common``, the app and the top-level handler in ``main``. Commands import
what they run inside their own bodies, so start-up (`--version`, `--help`) loads only typer."""

from modernizer.cli.analyze import render, write_reports
from modernizer.cli.main import app, run
from modernizer.defaults import EXIT_INTERNAL, EXIT_INTERRUPTED

__all__ = ["EXIT_INTERNAL", "EXIT_INTERRUPTED", "app", "render", "run", "write_reports"]
