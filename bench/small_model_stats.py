"""What a real small model's answers did in a run: requests, answers that failed (and why), findings
by grounding status, completion tokens. Reads one `modernize analyze` JSON report; prints JSON.

    .venv/bin/python bench/small_model_stats.py reports/legacy-pyshop-*.json
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def stats(report: dict) -> dict:
    agents = report["agents"] + report.get("followups", [])
    attempts = [a for ag in agents for a in ag.get("attempts", [])]
    why = Counter("cut at max_tokens" if at.get("finish_reason") == "length" else
                  ("schema" if "should" in (at.get("error") or "") or "validation" in (at.get("error") or "") else "other")
                  for at in attempts)
    requests = sum(ag["requests"] for ag in agents)
    return {
        "model": (report.get("llm") or {}).get("model"), "test_model": (report.get("llm") or {}).get("test_model"),
        "mode": report["mode"], "modules": len((report.get("modules") or {}).get("modules", [])),
        "requests": requests, "failed_answers": len(attempts), "failed_by_reason": dict(why),
        "valid_answer_rate": round(1 - len(attempts) / requests, 3) if requests else None,
        "agents": {f"{ag['agent']}{'/' + ag['subject'] if ag.get('subject') else ''}": ag["status"] for ag in agents},
        "completion_tokens": sum(ag["completion_tokens"] for ag in agents),
        "findings": len(report["findings"]),
        "findings_by_grounding": dict(Counter(f["grounding"]["status"] for f in report["findings"])),
        "total_s": report["timings"].get("total_s"),
    }


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(json.dumps({"report": Path(arg).name, **stats(json.loads(Path(arg).read_text()))}, indent=1))
