"""Loads a directory written by `spro export` with Hugging Face transformers and reports what it sees.

    python export_in_transformers.py EXPORT_DIR QUESTION MAX_NEW_TOKENS

Prints one JSON object: the prompt ids of apply_chat_template (the export's own tokenizer and
template), the greedy continuation of model.generate, and the largest difference between the
model's loaded parameters and the tensors of the export's safetensors files (0: loaded bit-exactly).
ExportLoadsInTransformersTest compares them with what the product computes.
"""
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoTokenizer


def main(export_dir, question, max_new_tokens):
    tok = AutoTokenizer.from_pretrained(export_dir)
    model = AutoModelForCausalLM.from_pretrained(export_dir, dtype="auto")
    model.eval()
    stored = {}
    for f in sorted(Path(export_dir).glob("*.safetensors")):
        stored.update(load_file(str(f)))
    params = dict(model.named_parameters())
    missing = [k for k in stored if k not in params]
    max_diff = 0.0
    for name, t in stored.items():
        if name in params:
            p = params[name].detach()
            if p.dtype != t.dtype or p.shape != t.shape:
                max_diff = float("inf")
            else:
                max_diff = max(max_diff, (p.float() - t.float()).abs().max().item())
    ids = tok.apply_chat_template([{"role": "user", "content": question}], add_generation_prompt=True, tokenize=True,
                                  return_dict=False)
    if hasattr(ids, "keys"):
        ids = ids["input_ids"]
    with torch.no_grad():
        out = model.generate(torch.tensor([ids]), max_new_tokens=max_new_tokens, do_sample=False, top_k=None,
                             top_p=None, temperature=None)
    print(json.dumps({"prompt_ids": list(ids), "generated_ids": out[0, len(ids):].tolist(),
                      "max_abs_param_diff": max_diff, "unused_tensors": missing,
                      "dtype": str(next(model.parameters()).dtype),
                      "eos_token_id": model.generation_config.eos_token_id}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
