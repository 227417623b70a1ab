"""`modernize` as tests/test_ci_weekly_run.py puts it on the PATH: the real command line, whose
analyses ask the code-reading test model (reading_model.py) at the engine's seam instead of a
server. Everything else (options, history, reports, exit codes) is the real CLI's."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modernizer.run import analysis  # noqa: E402
from support.reading_model import ReadingModel  # noqa: E402

_real = analysis.analyze


def _analyze(path, opts, **kw):  # noqa: ANN001, ANN003, ANN202
    return _real(path, opts, client_factory=lambda ep: ReadingModel(Path(path).resolve()), **kw)


analysis.analyze = _analyze

if __name__ == "__main__":
    from modernizer.cli import run

    run()
