"""The same decoder, batch and sequence lengths as ModelThroughputBench, in PyTorch eager.

Prints JSON lines like the Java side: matmul ceiling, then training and generation throughput
for each size. Run by model-throughput.sh with the same thread count on both sides.
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

BATCH, PROMPT, RESPONSE = 8, 32, 96
SIZES = {  # must match ModelThroughputBench.config
    "small": dict(vocab=96, hidden=128, inter=352, layers=4, heads=4, kv=2),
    "25m": dict(vocab=8192, hidden=512, inter=1408, layers=7, heads=8, kv=4),
}


class Decoder(torch.nn.Module):
    """Llama-style: RMSNorm, rotate-half RoPE, GQA, SwiGLU, tied embeddings."""

    def __init__(self, vocab, hidden, inter, layers, heads, kv):
        super().__init__()
        self.heads, self.kv, self.d = heads, kv, hidden // heads
        self.embed = torch.nn.Embedding(vocab, hidden)
        self.blocks = torch.nn.ModuleList()
        for _ in range(layers):
            b = torch.nn.Module()
            b.ln1 = torch.nn.Parameter(torch.ones(hidden))
            b.ln2 = torch.nn.Parameter(torch.ones(hidden))
            b.q = torch.nn.Linear(hidden, heads * self.d, bias=False)
            b.k = torch.nn.Linear(hidden, kv * self.d, bias=False)
            b.v = torch.nn.Linear(hidden, kv * self.d, bias=False)
            b.o = torch.nn.Linear(heads * self.d, hidden, bias=False)
            b.gate = torch.nn.Linear(hidden, inter, bias=False)
            b.up = torch.nn.Linear(hidden, inter, bias=False)
            b.down = torch.nn.Linear(inter, hidden, bias=False)
            self.blocks.append(b)
        self.norm = torch.nn.Parameter(torch.ones(hidden))
        for p in self.parameters():
            if p.dim() == 2:
                torch.nn.init.normal_(p, std=0.02)
        self.inv_freq = 1.0 / (10000 ** (torch.arange(0, self.d, 2).float() / self.d))

    @staticmethod
    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w

    def rope(self, x, pos):
        ang = pos[:, None, :, None].float() * self.inv_freq
        emb = torch.cat([ang, ang], -1)
        x1, x2 = x.chunk(2, -1)
        return x * emb.cos() + torch.cat([-x2, x1], -1) * emb.sin()

    def forward(self, ids, pos, mask, cache=None):
        b, t = ids.shape
        x = self.embed(ids)
        for i, blk in enumerate(self.blocks):
            h = self.rms(x, blk.ln1)
            q = blk.q(h).view(b, t, self.heads, self.d).transpose(1, 2)
            k = blk.k(h).view(b, t, self.kv, self.d).transpose(1, 2)
            v = blk.v(h).view(b, t, self.kv, self.d).transpose(1, 2)
            q, k = self.rope(q, pos), self.rope(k, pos)
            if cache is not None:
                if i in cache:
                    k = torch.cat([cache[i][0], k], 2)
                    v = torch.cat([cache[i][1], v], 2)
                cache[i] = (k, v)
            rep = self.heads // self.kv
            k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
            att = (q @ k.transpose(-1, -2)) / math.sqrt(self.d) + mask
            a = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, -1)
            x = x + blk.o(a)
            h2 = self.rms(x, blk.ln2)
            x = x + blk.down(F.silu(blk.gate(h2)) * blk.up(h2))
        return self.rms(x, self.norm)

    def logits(self, h):
        return h @ self.embed.weight.t()


def causal_mask(t_q, t_k, past):
    q = torch.arange(t_q)[:, None] + past
    k = torch.arange(t_k)[None, :]
    return torch.where(k <= q, 0.0, -1e9)[None, None]


def matmul_gflops(n=1024, reps=20):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    start = time.perf_counter()
    for _ in range(reps):
        c = a @ b
    return 2 * n ** 3 * reps / (time.perf_counter() - start) / 1e9


def train(model, size, vocab):
    g = torch.Generator().manual_seed(1)
    t = PROMPT + RESPONSE
    ids = torch.randint(3, vocab, (BATCH, t), generator=g)
    pos = torch.arange(t)[None].expand(BATCH, t)
    mask = causal_mask(t, t, 0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    warmup, steps = 2, (10 if size == "small" else 4)
    for s in range(warmup + steps):
        if s == warmup:
            start = time.perf_counter()
        h = model(ids, pos, mask)[:, PROMPT - 1:t - 1]
        logp = model.logits(h).log_softmax(-1)
        loss = -logp.gather(-1, ids[:, PROMPT:, None]).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad()
    return BATCH * t * steps / (time.perf_counter() - start)


@torch.no_grad()
def generate(model, size, vocab):
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(3, vocab, (BATCH, PROMPT), generator=g)
    reps = 3 if size == "small" else 1

    def run(new):
        cache = {}
        pos = torch.arange(PROMPT)[None].expand(BATCH, PROMPT)
        h = model(ids, pos, causal_mask(PROMPT, PROMPT, 0), cache)
        probs = model.logits(h[:, -1]).softmax(-1)
        for step in range(new):
            nxt = torch.multinomial(probs, 1, generator=g)
            if step == new - 1:
                break
            p = torch.full((BATCH, 1), PROMPT + step)
            h = model(nxt, p, causal_mask(1, PROMPT + step + 1, PROMPT + step), cache)
            probs = model.logits(h[:, -1]).softmax(-1)

    run(4)
    start = time.perf_counter()
    for _ in range(reps):
        run(RESPONSE)
    return BATCH * RESPONSE * reps / (time.perf_counter() - start)


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    print(json.dumps({"what": "matmul", "n": 1024, "gflops": round(max(matmul_gflops() for _ in range(3)), 2),
                      "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for size in sys.argv[2:]:
        cfg = SIZES[size]
        model = Decoder(**cfg)
        print(json.dumps({"what": "train", "size": size, "tokens_per_s": round(train(model, size, cfg["vocab"]), 1)}), flush=True)
        print(json.dumps({"what": "generate", "size": size, "tokens_per_s": round(generate(model, size, cfg["vocab"]), 1)}), flush=True)


if __name__ == "__main__":
    main()
