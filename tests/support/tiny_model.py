"""Builds a tiny random-weight Llama that vLLM can serve with ``--load-format dummy``.

No weights are downloaded anywhere: the config is written here and the tokenizer is a byte-level
BPE trained on local text, so tests and CI run air-gapped. The model is useless as a model and
perfect as a server: it exercises tokenization, chat templates, prefix caching and guided JSON.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>"]
THINK = ["<think>", "</think>"]  # single special tokens, as in Nemotron-3-Nano's tokenizer (ids 12 and 13 there)
# The documented shape of Nemotron-3-Nano-30B-A3B's chat template, written here (its own text is under
# NVIDIA's Open Model License, not ours to copy into an Apache-2.0 tree): a system block always, even
# empty; ChatML turns; earlier assistant turns with an empty think block; and a generation prompt
# that opens a think block (`enable_thinking`, default true) or closes it at once when thinking is off.
NEMOTRON_STYLE = (
    "{%- set enable_thinking = enable_thinking if enable_thinking is defined else true -%}"
    "{%- set system = messages[0]['content'] if messages and messages[0]['role'] == 'system' else '' -%}"
    "{{- '<|im_start|>system\n' + system + '<|im_end|>\n' -}}"
    "{%- for message in messages -%}{%- if not (loop.first and message['role'] == 'system') -%}"
    "{%- if message['role'] == 'assistant' -%}"
    "{{- '<|im_start|>assistant\n<think></think>' + message['content'] + '<|im_end|>\n' -}}"
    "{%- else -%}{{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' -}}{%- endif -%}"
    "{%- endif -%}{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\n' + ('<think>\n' if enable_thinking else '<think></think>') -}}"
    "{%- endif -%}"
)
VOCAB = 4096


def _corpus(repo_root: Path) -> list[str]:
    """Local text to train the BPE on: the sample code, so code tokenizes compactly.

    Only the samples, which rarely change: a corpus that included the package would give every
    commit a different tokenizer, hence a different random model, and a test that passed on a
    developer's cached model could fail on CI's fresh one.
    """
    exts = {".java", ".jsp", ".xml", ".sql", ".py", ".properties", ".md", ".txt", ".js", ".php", ".html"}
    texts = [p.read_text(encoding="utf-8", errors="replace")
             for p in sorted((repo_root / "sample_repos").rglob("*")) if p.is_file() and p.suffix in exts]
    texts.append('{"findings": [{"id": "F1", "severity": "high", "file": "a.java", "line_start": 1}]}' * 10)
    return texts


def _fingerprint(texts: list[str]) -> str:
    h = hashlib.sha256(f"v2 vocab={VOCAB}".encode())
    for t in texts:
        h.update(hashlib.sha256(t.encode()).digest())
    return h.hexdigest()


def build(dest: Path, repo_root: Path, max_len: int = 65536, think: bool = False) -> Path:
    """``think``: the reasoning variant (think markers as special tokens, the Nemotron-style template)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    dest.mkdir(parents=True, exist_ok=True)
    texts = _corpus(repo_root)
    stamp = dest / "corpus.sha256"
    fingerprint = _fingerprint(texts) + f" max_len={max_len}" + (" think" if think else "") + "\n"
    if (dest / "config.json").exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return dest  # built from this very corpus: the same model a fresh clone builds
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB, special_tokens=SPECIAL + (THINK if think else []), initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    tok.save(str(dest / "tokenizer.json"))
    vocab = tok.get_vocab_size()
    (dest / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|endoftext|>",
        "eos_token": "<|im_end|>", "pad_token": "<pad>", "unk_token": None,
        "model_max_length": max_len, "chat_template": NEMOTRON_STYLE if think else CHATML, "clean_up_tokenization_spaces": False,
    }, indent=1))
    (dest / "special_tokens_map.json").write_text(json.dumps({
        "bos_token": "<|endoftext|>", "eos_token": "<|im_end|>", "pad_token": "<pad>"}))
    (dest / "config.json").write_text(json.dumps({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": 128, "intermediate_size": 256, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32,
        "max_position_embeddings": max_len, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "vocab_size": vocab, "bos_token_id": tok.token_to_id("<|endoftext|>"),
        "eos_token_id": tok.token_to_id("<|im_end|>"), "pad_token_id": tok.token_to_id("<pad>"),
        "tie_word_embeddings": True, "torch_dtype": "float32", "hidden_act": "silu",
    }, indent=1))
    (dest / "generation_config.json").write_text(json.dumps({"eos_token_id": tok.token_to_id("<|im_end|>")}))
    stamp.write_text(fingerprint)
    return dest


if __name__ == "__main__":
    print(build(Path(sys.argv[1]), Path(__file__).resolve().parents[2]))
