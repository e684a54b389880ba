#!/usr/bin/env python3
"""Training throughput of tokstat's retrieval encoder, re-implemented in PyTorch (CPU).

The same model and step as `benches/retrieval_train.rs`: ModernBERT-style encoder with
d = 64, 2 layers, 4 heads, GeGLU I = 96, bias-free LayerNorms, RoPE (theta 160,000 on the global
layer 0, 10,000 on the local layer 1, 128-token window as an additive mask), mean pooling, L2
normalisation, symmetric InfoNCE (tau = 0.05) over a batch of 32 pairs with query 32 and code 64
tokens (fixed shapes, no padding), a 50,265-row embedding table with sparse gradients updated by
SparseAdam (only the rows seen, like tokstat's lazy row-wise AdamW), AdamW for the rest, gradient
clipping at 1.0 on the dense parameters.

    pip install torch          # from PyPI, CPU is enough
    python3 benches/retrieval_train_torch.py [STEPS] [THREADS]

Prints steps/s and tokens/s; compare with `cargo bench --bench retrieval_train -- STEPS` at the
same thread count (RAYON_NUM_THREADS for candle).
"""

import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, D, LAYERS, HEADS, BATCH, QUERY, CODE = 50_265, 64, 2, 4, 32, 32, 64
INTER = D * 3 // 2
WINDOW = 128


def rope_tables(length, head_dim, theta):
    inv = theta ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    ang = torch.arange(length, dtype=torch.float64)[:, None] * inv[None, :]
    cos, sin = ang.cos().float(), ang.sin().float()
    return torch.cat([cos, cos], -1), torch.cat([sin, sin], -1)


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat([-b, a], dim=-1)


class Layer(nn.Module):
    def __init__(self, index):
        super().__init__()
        self.attn_norm = nn.Identity() if index == 0 else nn.LayerNorm(D, bias=False)
        self.wqkv = nn.Linear(D, 3 * D, bias=False)
        self.wo = nn.Linear(D, D, bias=False)
        self.mlp_norm = nn.LayerNorm(D, bias=False)
        self.wi = nn.Linear(D, 2 * INTER, bias=False)
        self.wo2 = nn.Linear(INTER, D, bias=False)
        self.is_global = index % 3 == 0
        self.theta = 160_000.0 if self.is_global else 10_000.0

    def forward(self, x):
        b, l, _ = x.shape
        hd = D // HEADS
        q, k, v = self.wqkv(self.attn_norm(x)).view(b, l, 3, HEADS, hd).permute(2, 0, 3, 1, 4)
        cos, sin = rope_tables(l, hd, self.theta)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd)
        if not self.is_global:
            pos = torch.arange(l)
            far = (pos[:, None] - pos[None, :]).abs() > WINDOW // 2
            scores = scores.masked_fill(far, -1e9)
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, l, D)
        x = x + self.wo(ctx)
        inp, gate = self.wi(self.mlp_norm(x)).chunk(2, dim=-1)
        return x + self.wo2(F.gelu(inp) * gate)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, D, sparse=True)
        self.emb_norm = nn.LayerNorm(D, bias=False)
        self.layers = nn.ModuleList(Layer(i) for i in range(LAYERS))
        self.final_norm = nn.LayerNorm(D, bias=False)
        for p in self.parameters():
            if p.dim() >= 2:
                nn.init.trunc_normal_(p, std=0.02, a=-0.04, b=0.04)

    def forward(self, ids):
        x = self.emb_norm(self.emb(ids))
        for layer in self.layers:
            x = layer(x)
        return F.normalize(self.final_norm(x).mean(1), dim=-1)


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Encoder()
    dense = [p for n, p in model.named_parameters() if not n.startswith("emb.")]
    decay = [p for p in dense if p.dim() >= 2]
    no_decay = [p for p in dense if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
        lr=2e-3, betas=(0.9, 0.98), eps=1e-6,
    )
    sparse_opt = torch.optim.SparseAdam(list(model.emb.parameters()), lr=2e-3, betas=(0.9, 0.98), eps=1e-6)
    labels = torch.arange(BATCH)
    batches = [
        (torch.randint(0, VOCAB, (BATCH, QUERY)), torch.randint(0, VOCAB, (BATCH, CODE)))
        for _ in range(steps)
    ]
    losses = []
    start = time.perf_counter()
    for q_ids, c_ids in batches:
        q, c = model(q_ids), model(c_ids)
        logits = q @ c.T / 0.05
        loss = 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels))
        opt.zero_grad(set_to_none=True)
        sparse_opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(dense, 1.0)
        opt.step()
        sparse_opt.step()
        losses.append(loss.item())
    secs = time.perf_counter() - start
    tokens = steps * BATCH * (QUERY + CODE)
    tenth = max(1, steps // 10)
    print(
        f"pytorch {torch.__version__}: {steps} steps in {secs:.2f} s = {steps / secs:.2f} steps/s, "
        f"{tokens / secs:.0f} tokens/s (threads: {threads}), "
        f"loss {sum(losses[:tenth]) / tenth:.3f} → {sum(losses[-tenth:]) / tenth:.3f}"
    )


if __name__ == "__main__":
    main()
