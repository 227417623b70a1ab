"""When a chunked run's first request goes out, against when the candidates pass ends (issue 20: the
first request waited for the whole pass although the analyzer lists no candidates).

    PYTHONPATH=CHECKOUT python bench/bench_first_request.py TREE [--window 16000]

The model is the tests' schema-driven stand-in (tests/support/schema_model.py: answers at once, no
server), so the figures are those of modernizer's own scheduling: seconds from the start of
``analyze`` to the plan, to the first request, to the pass's end, and to the first security request.
No result cache (every request is asked). One JSON line on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.schema_model import SchemaModel  # noqa: E402

from modernizer.run.analysis import AnalyzeOptions, analyze  # noqa: E402
from modernizer.events import Planned, SideTask  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", type=Path)
    ap.add_argument("--window", type=int, default=16_000)
    a = ap.parse_args()
    t0 = time.perf_counter()
    marks: dict[str, float] = {}

    class Model(SchemaModel):
        async def chat(self, messages, **kw):  # noqa: ANN001, ANN003, ANN202
            label = kw.get("label", "")
            marks.setdefault("first_request_s", time.perf_counter() - t0)
            if label.startswith("security"):
                marks.setdefault("first_security_request_s", time.perf_counter() - t0)
            return await super().chat(messages, **kw)

    def events(e) -> None:  # noqa: ANN001
        if isinstance(e, Planned):
            marks.setdefault("planned_s", time.perf_counter() - t0)
        if isinstance(e, SideTask) and e.done:
            marks.setdefault("pass_done_s", time.perf_counter() - t0)

    model = Model(items=2)
    report = asyncio.run(analyze(a.tree, AnalyzeOptions(use_cache=False, mode="modules", window=a.window, candidates=True),
                                 events=events, client_factory=lambda ep: model))
    print(json.dumps({"tree": a.tree.name, "modules": len(report.modules.modules) if report.modules else 0,
                      "total_s": round(time.perf_counter() - t0, 1), **{k: round(v, 1) for k, v in marks.items()}}))


if __name__ == "__main__":
    main()
