"""A stand-in for ``python -m vllm.entrypoints.openai.api_server`` in failure-path tests.

Called with vLLM's arguments (``-m vllm... --model X --port P ...``); what it does depends on
FAKE_VLLM_MODE:
- ``exit``: print an error like vLLM's and exit 1 at once (a server that dies at start);
- ``hang``: never listen (a server that never becomes healthy);
- ``refuse``: refuse every window with vLLM's own message, naming half of it as the estimate, and
  exit 1 (the real vLLM's estimate fits, so a second refusal needs this stand-in);
- ``serve``: answer /health, /version, /v1/models (max_model_len from --max-model-len, root from --model),
  /tokenize and /metrics (request counters, cache_config_info), like a tiny healthy vLLM.
FAKE_VLLM_PIDFILE, when set, receives its pid.
"""

from __future__ import annotations

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def arg(name: str, default: str) -> str:
    argv = sys.argv
    return argv[argv.index(name) + 1] if name in argv else default


def main() -> int:
    if os.environ.get("FAKE_VLLM_PIDFILE"):
        with open(os.environ["FAKE_VLLM_PIDFILE"], "w") as fh:
            fh.write(str(os.getpid()))
    mode = os.environ.get("FAKE_VLLM_MODE", "serve")
    print(f"fake vllm ({mode}): {' '.join(sys.argv[1:])}", flush=True)
    if mode == "exit":
        print("ValueError: fake vllm: CUDA out of memory while loading the weights", file=sys.stderr, flush=True)
        return 1
    if mode == "refuse":
        asked = int(arg("--max-model-len", "4096"))
        print(f"ValueError: To serve at least one request with the model's max seq len ({asked}), (2.0 GiB KV cache is "
              "needed, which is larger than the available KV cache memory (1.0 GiB). Based on the available memory, the "
              f"estimated maximum model length is {asked // 2}. Try increasing `gpu_memory_utilization`.", file=sys.stderr, flush=True)
        return 1
    if mode == "hang":
        while True:
            time.sleep(3600)
    port = int(arg("--port", "8000"))
    name = arg("--served-model-name", "fake")
    root = arg("--model", name)  # what vLLM reports as the model's root: the checkpoint it loaded
    window = int(arg("--max-model-len", "4096"))
    answered = {"n": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def send(self, code: int, body: str, ctype: str = "application/json") -> None:
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/health":
                return self.send(200, "")
            if self.path == "/version":
                return self.send(200, json.dumps({"version": "0.0.0-fake"}))
            if self.path == "/metrics":
                text = (
                    f'vllm:num_requests_running{{engine="0",model_name="{name}"}} 0.0\n'
                    f'vllm:num_requests_waiting{{engine="0",model_name="{name}"}} 0.0\n'
                    f'http_requests_total{{handler="/v1/models",method="GET",status="2xx"}} {answered["n"]}.0\n'
                    'vllm:cache_config_info{block_size="16",cache_dtype="auto",enable_prefix_caching="True",'
                    'engine="0",kv_cache_size_tokens="4096",mamba_cache_mode="none"} 1.0\n'
                )
                return self.send(200, text, "text/plain")
            if self.path == "/v1/models":
                answered["n"] += 1
                return self.send(200, json.dumps({"object": "list", "data": [{"id": name, "root": root, "max_model_len": window}]}))
            return self.send(404, json.dumps({"error": "not found"}))

        def do_POST(self) -> None:
            answered["n"] += 1
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/tokenize":
                return self.send(200, json.dumps({"count": 3, "max_model_len": window, "tokens": [1, 2, 3]}))
            return self.send(404, json.dumps({"error": "not found"}))

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
