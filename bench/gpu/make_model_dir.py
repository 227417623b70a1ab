"""Builds the model directory the GPU benchmark serves with --load-format dummy.

config.json: the real Nemotron-3-Nano-30B-A3B config (../shared/models/...), `auto_map` dropped
(vLLM has its own NemotronH config class).
Tokenizer: a stand-in. The real Nemotron tokenizer cannot be fetched here; the 131072-entry Mistral
`tekken_240911.json` that the `mistral_common` package ships is converted with transformers
(`convert_tekken_tokenizer`). Four of its unused special slots are renamed to the ChatML-style
markers Nemotron-3-Nano's own template uses (<|im_start|>, <|im_end|>, <think>, </think>) so each
is one special token, as in the real vocabulary. The chat template is our own ChatML-style
template written after the documented Nemotron-3-Nano format: a system block always present,
`<|im_start|>assistant\n<think>\n` with thinking on, and `<think></think>` closed right away when
`enable_thinking` is false (chat_template_kwargs). With dummy weights the ids mean nothing; what
matters is that token counts and the prompt layout are realistic.

Run with a Python that has transformers >= 5 and mistral_common (here: .venv-vllm):
    .venv-vllm/bin/python bench/gpu/make_model_dir.py .gpu-carry/model
"""
import json
import shutil
import sys
from pathlib import Path

import mistral_common
from transformers.integrations.mistral.tokenizer import convert_tekken_tokenizer

CONFIG = Path(__file__).resolve().parents[3] / "shared/models/nemotron-3-nano-30b-a3b/config.json"
RENAME = {20: "<|im_start|>", 21: "<|im_end|>", 22: "<think>", 23: "</think>"}

TEMPLATE = (
    "{%- set thinking = enable_thinking if enable_thinking is defined else true -%}"
    "{%- if messages and messages[0].role == 'system' -%}"
    "{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' -}}"
    "{%- set rest = messages[1:] -%}"
    "{%- else -%}{{- '<|im_start|>system\\n<|im_end|>\\n' -}}{%- set rest = messages -%}{%- endif -%}"
    "{%- for m in rest -%}"
    "{%- if m.role == 'assistant' -%}"
    "{{- '<|im_start|>assistant\\n<think></think>' + m.content + '<|im_end|>\\n' -}}"
    "{%- else -%}{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' -}}{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}"
    "{%- if thinking -%}{{- '<|im_start|>assistant\\n<think>\\n' -}}"
    "{%- else -%}{{- '<|im_start|>assistant\\n<think></think>' -}}{%- endif -%}"
    "{%- endif -%}"
)


def main(dest: str) -> None:
    out = Path(dest)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    cfg = json.loads(CONFIG.read_text())
    cfg.pop("auto_map", None)
    (out / "config.json").write_text(json.dumps(cfg, indent=2))
    tekken = Path(mistral_common.__file__).parent / "data/tekken_240911.json"
    tok = convert_tekken_tokenizer(str(tekken), chat_template=TEMPLATE)
    tok.save_pretrained(str(out))
    tj = json.loads((out / "tokenizer.json").read_text())
    for a in tj["added_tokens"]:
        if a["id"] in RENAME:
            a["content"] = RENAME[a["id"]]
    vocab = tj["model"]["vocab"]
    for k in [k for k, i in vocab.items() if i in RENAME]:
        del vocab[k]
    for i, s in RENAME.items():
        vocab[s] = i
    (out / "tokenizer.json").write_text(json.dumps(tj, ensure_ascii=False))
    tc = json.loads((out / "tokenizer_config.json").read_text())
    tc["tokenizer_class"] = "PreTrainedTokenizerFast"
    tc["eos_token"] = "</s>"
    tc["model_max_length"] = 1048576
    (out / "tokenizer_config.json").write_text(json.dumps(tc, indent=2))
    (out / "chat_template.jinja").write_text(TEMPLATE)
    print("wrote", out, sorted(p.name for p in out.iterdir()))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".gpu-carry/model")
