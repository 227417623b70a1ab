"""Start-up of the `modernize` command vs importing typer alone (issue 9: within 5x).

    .venv/bin/python bench/bench_startup.py [--runs 15]

Each command is its own process, timed from here, interleaved run by run; medians are reported and
written to bench/results/startup.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = Path(sys.executable)
COMMANDS = {
    "python -c 'import typer'": [str(PY), "-c", "import typer"],
    "modernize --version": [str(PY.with_name("modernize")), "--version"],
    "modernize --help": [str(PY.with_name("modernize")), "--help"],
    "modernize analyze --help": [str(PY.with_name("modernize")), "analyze", "--help"],
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    runs = ap.parse_args().runs
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            t = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - t)
    base = statistics.median(times["python -c 'import typer'"])
    lines = ["# Start-up: `modernize` vs importing typer alone\n",
             f"`.venv/bin/python bench/bench_startup.py --runs {runs}` on {time.strftime('%Y-%m-%d %H:%M %Z')}; "
             "each command its own process, interleaved; medians.\n",
             "| command | median | vs import typer |", "|---|---:|---:|"]
    for name, ts in times.items():
        m = statistics.median(ts)
        lines.append(f"| `{name}` | {m * 1000:.0f} ms | {m / base:.2f}x |")
    lines.append("\nGoal (issue 9): `modernize --version` within 5x of importing typer. Commands import what they "
                 "run inside their own bodies (modernizer/cli/), so start-up loads typer, rich and modernizer's constants only.")
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "results" / "startup.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
