"""The PyTorch fp32 anchor of bench/real-size.sh: the same shape (Qwen2.5-0.5B), batch and lengths on
the same CPU and thread count, in eager PyTorch. Prints one JSON line: sampling and training
tokens/s and the process's peak resident memory.

    torch_real_size.py THREADS ROWS PROMPT_LEN NEW_TOKENS MICRO_BATCH BATCH_ROWS

Sampling: ROWS rows of PROMPT_LEN tokens in batches of BATCH_ROWS rows (the run's sampling.batchRows:
the same work in the same pieces), NEW_TOKENS steps with a key/value cache, a draw from the full
softmax each step; also all ROWS rows in one batch, reported beside it. Training: the same ROWS rows of PROMPT_LEN + NEW_TOKENS tokens in
micro-batches of MICRO_BATCH rows, log-probs of the response tokens, backward, one AdamW step.
Weights are random (throughput does not depend on them); q/k/v carry biases as Qwen2's do. After a
warm-up, each is measured twice and the better run kept.
"""
import json
import resource
import sys
import time

import torch

from torch_model_bench import Decoder, causal_mask

QWEN25_05B = dict(vocab=151936, hidden=896, inter=4864, layers=24, heads=14, kv=2)


def with_qkv_bias(model):
    for b in model.blocks:
        for name in ("q", "k", "v"):
            old = getattr(b, name)
            new = torch.nn.Linear(old.in_features, old.out_features, bias=True)
            new.weight = old.weight
            setattr(b, name, new)
    return model


def sample(model, rows, prompt, new, batch_rows):
    start = time.perf_counter()
    for i in range(0, rows, batch_rows):
        sample_batch(model, min(batch_rows, rows - i), prompt, new)
    return rows * new / (time.perf_counter() - start)


@torch.no_grad()
def sample_batch(model, rows, prompt, new):
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(3, QWEN25_05B["vocab"], (rows, prompt), generator=g)
    cache = {}
    pos = torch.arange(prompt)[None].expand(rows, prompt)
    h = model(ids, pos, causal_mask(prompt, prompt, 0), cache)
    probs = model.logits(h[:, -1]).softmax(-1)
    for step in range(new):
        nxt = torch.multinomial(probs, 1, generator=g)
        if step == new - 1:
            break
        p = torch.full((rows, 1), prompt + step)
        h = model(nxt, p, causal_mask(1, prompt + step + 1, prompt + step), cache)
        probs = model.logits(h[:, -1]).softmax(-1)


def train(model, rows, prompt, new, micro):
    g = torch.Generator().manual_seed(1)
    t = prompt + new
    ids = torch.randint(3, QWEN25_05B["vocab"], (rows, t), generator=g)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-6, weight_decay=0.01)
    start = time.perf_counter()
    for i in range(0, rows, micro):
        mb = ids[i:i + micro]
        pos = torch.arange(t)[None].expand(mb.shape[0], t)
        h = model(mb, pos, causal_mask(t, t, 0))[:, prompt - 1:t - 1]
        logp = model.logits(h).log_softmax(-1)
        loss = -logp.gather(-1, mb[:, prompt:, None]).mean() * mb.shape[0] / rows
        loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad()
    return rows * t / (time.perf_counter() - start)


def main():
    threads, rows, prompt, new, micro, batch_rows = (int(a) for a in sys.argv[1:7])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = with_qkv_bias(Decoder(**QWEN25_05B))
    sample(model, 2, prompt, 4, 2)  # warm-up: first-call allocations and kernel selection stay out of the timing
    train(model, micro, prompt, 4, micro)
    model.zero_grad(set_to_none=True)
    sampling = max(sample(model, rows, prompt, new, batch_rows) for _ in range(2))
    one_batch = max(sample(model, rows, prompt, new, rows) for _ in range(2))
    training = max(train(model, rows, prompt, new, micro) for _ in range(2))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(json.dumps({"torch": torch.__version__, "threads": threads, "batch_rows": batch_rows, "sampling_tokens_per_s": round(sampling, 1),
                      "sampling_one_batch_tokens_per_s": round(one_batch, 1),
                      "training_tokens_per_s": round(training, 1), "peak_rss_gb": round(peak, 2)}), flush=True)


if __name__ == "__main__":
    main()
