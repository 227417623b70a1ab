"""Runs ../shared/tools/baseline_layout_bench.py (copied to /tmp on the device) with two switches:

  --skip-special-false  send "skip_special_tokens": false in every request (default on). With random
                        weights the model emits special tokens; vLLM 0.26's detokenizer (tokenizers'
                        DecodeStream primed with the whole prompt) then re-decodes the entire prompt at
                        every step while no text comes out: ~0.15-0.3 s per token at 540K tokens, in the
                        API server, whatever the GPU does. That is a dummy-weights artifact; the switch
                        keeps it out of the layout comparison. --skip-special-default keeps vLLM's default.
  --lens ours           our agents' max_tokens (analyzer 3072, security 3072, modernization 2048,
                        validator 2048; agents/*.toml) instead of the original 4096/4096/6144/4096.
State file: /tmp/bench_state.json, or /tmp/bench_state_<tag>.json with --tag.
Other arguments go to the baseline script (--codebase, --steps, --budget)."""
import asyncio
import importlib.util
import inspect
import sys

argv = sys.argv[1:]
script = "/tmp/baseline_layout_bench.py"
if "--script" in argv:
    i = argv.index("--script"); script = argv[i + 1]; del argv[i:i + 2]
spec = importlib.util.spec_from_file_location("baseline", script)
b = importlib.util.module_from_spec(spec)
spec.loader.exec_module(b)
skip_false = "--skip-special-default" not in argv
argv = [a for a in argv if a not in ("--skip-special-false", "--skip-special-default")]
if "--lens" in argv:
    i = argv.index("--lens")
    if argv[i + 1] == "ours":
        b.LENS = {"analyzer": 3072, "security": 3072, "modernization": 2048, "validator": 2048}
    del argv[i:i + 2]
if "--url" in argv:
    i = argv.index("--url"); b.URL = argv[i + 1]; del argv[i:i + 2]
if "--tag" in argv:
    i = argv.index("--tag"); b.STATE = f"/tmp/bench_state_{argv[i + 1]}.json"; del argv[i:i + 2]
if skip_false:
    src = inspect.getsource(b.chat)
    assert '"stream": True,' in src
    src = src.replace('"stream": True,', '"stream": True, "skip_special_tokens": False,', 1)
    exec(compile(src, script, "exec"), b.__dict__)
sys.argv = [script] + argv
asyncio.run(b.main())
