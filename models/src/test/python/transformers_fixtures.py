"""Writes the fixtures of TransformersParityTest: tiny random models of each family this project
reads, saved by transformers' own save_pretrained (so config.json is in the format the installed
transformers writes), and what transformers computes with them.

    python transformers_fixtures.py OUT_DIR

Needs torch and transformers (this machine's local wheels: pip install torch transformers). For
each model OUT_DIR/<name>/ gets config.json, model.safetensors and expected.json:

  sequences     token ids of a few sequences of different lengths
  logits        transformers' logits of each sequence alone (no padding), [length][vocab]
  greedy        the first tokens transformers' generate(do_sample=False) appends to each sequence
  response      for each sequence, the log-probabilities of its greedy tokens as a response to it

Weights are drawn with a large initializer range so that the logits are spread: greedy choices
then have a clear margin (checked here) and cannot flip on rounding. bf16 models are computed in
float32 after loading (the Java side widens bf16 to float32 on load too).
"""
import json
import sys
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForCausalLM, LlamaConfig, Qwen2Config, Qwen3Config

VOCAB = 96
NEW_TOKENS = 6
SEQUENCES = [[5, 17, 33, 2, 71, 8, 40], [9, 60, 12], [44, 1, 90, 23, 7]]
MIN_MARGIN = 1e-3

COMMON = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
              num_attention_heads=4, max_position_embeddings=128, initializer_range=0.2, rms_norm_eps=1e-6)

MODELS = {
    # grouped-query attention, q/k/v biases, a large RoPE base, an untied output layer
    "qwen2": (Qwen2Config, dict(COMMON, num_key_value_heads=2, rope_theta=1_000_000.0, tie_word_embeddings=False),
              torch.float32),
    # tied embeddings, Llama 3.1's RoPE frequency scaling (a small original context so it bites)
    "llama3": (LlamaConfig, dict(COMMON, num_key_value_heads=1, rope_theta=10_000.0, tie_word_embeddings=True,
                                 rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                               "high_freq_factor": 4.0, "original_max_position_embeddings": 16}),
               torch.float32),
    # per-head q/k RMSNorm, an explicit head_dim different from hidden / heads
    "qwen3": (Qwen3Config, dict(COMMON, num_key_value_heads=2, head_dim=16, rope_theta=1_000_000.0,
                                tie_word_embeddings=True), torch.float32),
    # weights stored in bf16
    "qwen2-bf16": (Qwen2Config, dict(COMMON, num_key_value_heads=2, rope_theta=1_000_000.0, tie_word_embeddings=True),
                   torch.bfloat16),
}


def make(name, config_class, kwargs, dtype, out):
    torch.manual_seed(sum(map(ord, name)))
    config = config_class(**kwargs)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    with torch.no_grad():  # norms away from 1, biases away from 0: a wrong norm or a lost bias shows
        for n, p in model.named_parameters():
            if n.endswith("norm.weight"):
                p.copy_(1 + 0.3 * torch.randn_like(p))
            elif n.endswith(".bias"):
                p.copy_(0.3 * torch.randn_like(p))
    model = model.to(dtype)
    directory = out / name
    model.save_pretrained(directory, safe_serialization=True)
    # compute as the Java side does: the saved weights, in float32
    model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32).eval()
    expected = {"transformers": transformers.__version__, "torch": torch.__version__, "sequences": SEQUENCES,
                "logits": [], "greedy": [], "response": []}
    with torch.no_grad():
        for seq in SEQUENCES:
            ids = torch.tensor([seq])
            expected["logits"].append(model(ids).logits[0].tolist())
            out_ids = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                                     max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, pad_token_id=0,
                                     eos_token_id=None)
            greedy = out_ids[0, len(seq):].tolist()
            full = torch.tensor([seq + greedy])
            logits = model(full).logits[0]
            steps = logits[len(seq) - 1:-1]
            top2 = steps.topk(2, -1).values
            margin = (top2[:, 0] - top2[:, 1]).min().item()
            assert margin > MIN_MARGIN, f"{name}: greedy margin {margin} too small; change the seed"
            logp = steps.log_softmax(-1).gather(-1, torch.tensor(greedy)[:, None])[:, 0]
            expected["greedy"].append(greedy)
            expected["response"].append(logp.tolist())
        # transformers' own padded batch agrees with the unpadded sequences (the Java test pads both ways)
        width = max(map(len, SEQUENCES))
        ids = torch.tensor([[0] * (width - len(s)) + s for s in SEQUENCES])
        mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in SEQUENCES])
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        padded = model(ids, attention_mask=mask, position_ids=positions).logits
        for i, s in enumerate(SEQUENCES):
            diff = (padded[i, width - len(s):] - torch.tensor(expected["logits"][i])).abs().max().item()
            assert diff < 1e-5, f"{name}: transformers' left-padded batch differs by {diff}"
    (directory / "expected.json").write_text(json.dumps(expected) + "\n")
    for extra in ("generation_config.json",):
        (directory / extra).unlink(missing_ok=True)  # only what the test reads is committed
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, stored as {dtype}")


def main():
    out = Path(sys.argv[1])
    torch.set_num_threads(1)
    for name, (config_class, kwargs, dtype) in MODELS.items():
        make(name, config_class, kwargs, dtype, out)


if __name__ == "__main__":
    main()
