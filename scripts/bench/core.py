"""Core benchmark: Khudi (khudi-bench core) against PyTorch CPU on the same cases.

Each case runs in its own process on each side, so the peak RSS printed is that case's own.
Cases mirror Sources/khudi-bench/CoreBench.swift: batch 8 × 256 tokens (2048 rows); a
6-layer 384-wide GPT-2 and a 512-wide Llama (8 heads, 4 KV heads, MLP 1376), vocabulary 16k.
Timing on both sides: the best of repeated forward+backward runs (at least 3, at least
--seconds in total), gradients zeroed between runs. Each case runs --rounds times, alternating
Khudi and PyTorch, and each side keeps its best round: other tenants' load on this machine moves
a single measurement by ±20% over seconds, and alternating gives both sides the same chances.
GEMM-bound cases also report Khudi's share of raw cblas_sgemm throughput on the same products
(timed alternately with Khudi's steps inside khudi-bench).
"""
import argparse
import json
import os
import subprocess
import sys

from benchlib import build_release, compare, emit_machine, log, run_measured

PEER = r'''
import json, math, sys, time
import torch
import torch.nn.functional as F
name, minimum, threads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
R = 8 * 256

def t(*shape, grad=True):
    return (torch.randn(*shape) * 0.5).requires_grad_(grad)

def linear_case(i, o, bias):
    x, w = t(R, i), t(o, i)
    b = t(o) if bias else None
    return [x, w] + ([b] if bias else []), lambda: F.linear(x, w, b)

def attention_case(h, kv):
    q, k, v = t(8, h, 256, 64), t(8, kv, 256, 64), t(8, kv, 256, 64)
    return [q, k, v], lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=h != kv)

def gpt2_block():
    c = 384
    ln1, ln2 = torch.nn.LayerNorm(c), torch.nn.LayerNorm(c)
    qkv, proj = torch.nn.Linear(c, 3 * c), torch.nn.Linear(c, c)
    fc, out = torch.nn.Linear(c, 4 * c), torch.nn.Linear(4 * c, c)
    params = [p for m in (ln1, ln2, qkv, proj, fc, out) for p in m.parameters()]
    x = t(8, 256, c)
    def forward():
        q, k, v = qkv(ln1(x)).split(c, dim=2)
        q, k, v = (z.view(8, 256, 6, 64).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(8, 256, c)
        h = x + proj(y)
        return h + out(F.gelu(fc(ln2(h)), approximate="tanh"))
    return [x] + params, forward

def rope(x, cos, sin):
    half = x.shape[-1] // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], dim=-1) * sin

def llama_block():
    c, h, kv, d, f = 512, 8, 4, 64, 1376
    n1, n2 = torch.nn.RMSNorm(c, eps=1e-5), torch.nn.RMSNorm(c, eps=1e-5)
    qp, kp, vp, op = (torch.nn.Linear(c, n, bias=False) for n in (h * d, kv * d, kv * d, c))
    op = torch.nn.Linear(h * d, c, bias=False)
    gate, up, down = torch.nn.Linear(c, f, bias=False), torch.nn.Linear(c, f, bias=False), torch.nn.Linear(f, c, bias=False)
    params = [p for m in (n1, n2, qp, kp, vp, op, gate, up, down) for p in m.parameters()]
    inv = 1.0 / (10000 ** (torch.arange(0, d, 2).double() / d))
    angles = torch.arange(256).double()[:, None] * inv[None, :]
    cos = torch.cat([angles.cos()] * 2, -1).float()
    sin = torch.cat([angles.sin()] * 2, -1).float()
    x = t(8, 256, c)
    def forward():
        a = n1(x)
        q = rope(qp(a).view(8, 256, h, d).transpose(1, 2), cos, sin)
        k = rope(kp(a).view(8, 256, kv, d).transpose(1, 2), cos, sin)
        v = vp(a).view(8, 256, kv, d).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        hid = x + op(y.transpose(1, 2).reshape(8, 256, h * d))
        b = n2(hid)
        return hid + down(F.silu(gate(b)) * up(b))
    return [x] + params, forward

def cross_entropy_case():
    logits = t(R, 16384)
    targets = torch.tensor([(i * 7919) % 16384 for i in range(R)])
    return [logits], lambda: F.cross_entropy(logits, targets)

CASES = {
    "linear-gpt2-qkv-384x1152": lambda: linear_case(384, 1152, True),
    "linear-gpt2-mlp-up-384x1536": lambda: linear_case(384, 1536, True),
    "linear-gpt2-mlp-down-1536x384": lambda: linear_case(1536, 384, True),
    "linear-lm-head-384x16384": lambda: linear_case(384, 16384, False),
    "linear-llama-q-512x512": lambda: linear_case(512, 512, False),
    "linear-llama-kv-512x256": lambda: linear_case(512, 256, False),
    "linear-llama-gate-512x1376": lambda: linear_case(512, 1376, False),
    "linear-llama-down-1376x512": lambda: linear_case(1376, 512, False),
    "attention-gpt2-6x64": lambda: attention_case(6, 6),
    "attention-llama-gqa-8x4x64": lambda: attention_case(8, 4),
    "layernorm-2048x384": lambda: (lambda x, w, b: ([x, w, b], lambda: F.layer_norm(x, (384,), w, b)))(t(R, 384), t(384), t(384)),
    "rmsnorm-2048x512": lambda: (lambda x, w: ([x, w], lambda: F.rms_norm(x, (512,), w, 1e-5)))(t(R, 512), t(512)),
    "gelu-2048x1536": lambda: (lambda x: ([x], lambda: F.gelu(x, approximate="tanh")))(t(R, 1536)),
    "swiglu-2048x1376": lambda: (lambda g, u: ([g, u], lambda: F.silu(g) * u))(t(R, 1376), t(R, 1376)),
    "cross-entropy-2048x16384": cross_entropy_case,
    "block-gpt2-384": gpt2_block,
    "block-llama-512": llama_block,
}
inputs, forward = CASES[name]()
seed = None
def step():
    global seed
    out = forward()
    if out.dim() == 0:
        out.backward()
    else:
        if seed is None:
            seed = torch.randn_like(out)
        out.backward(seed)
    for p in inputs:
        p.grad = None
step()
best, spent, runs = math.inf, 0.0, 0
while spent < minimum or runs < 3:
    start = time.perf_counter(); step(); elapsed = time.perf_counter() - start
    best, spent, runs = min(best, elapsed), spent + elapsed, runs + 1
print(json.dumps({"seconds": best, "torch": torch.__version__}))
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--cases", nargs="*", default=None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    emit_machine("core")

    khudi_bench = build_release("khudi-bench")
    names = args.cases or subprocess.run([str(khudi_bench), "core", "--list"], check=True,
                                         capture_output=True, text=True).stdout.split()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    for name in names:
        khudi, peer, khudi_rss, torch_rss = None, None, 0.0, 0.0
        for round_number in range(1, args.rounds + 1):
            log(f"{name}: khudi (round {round_number})")
            out, rss = run_measured([str(khudi_bench), "core", "--cases", name, "--threads",
                                     str(args.threads), "--seconds", str(args.seconds)])
            result = json.loads(out)
            if khudi is None or result["seconds"] < khudi["seconds"]:
                khudi = result
            khudi_rss = max(khudi_rss, rss)
            log(f"{name}: torch (round {round_number})")
            out, rss = run_measured([sys.executable, "-c", PEER, name, str(args.seconds),
                                     str(args.threads)], env=env)
            result = json.loads(out)
            if peer is None or result["seconds"] < peer["seconds"]:
                peer = result
            torch_rss = max(torch_rss, rss)
        extra = {"threads": args.threads, "rounds": args.rounds,
                 "khudi_peak_rss_mb": round(khudi_rss, 1), "peer_peak_rss_mb": round(torch_rss, 1),
                 "khudi_fresh_floats_per_steady_step": khudi["fresh_floats_after_warmup"],
                 "khudi_resident_growth_bytes": khudi["resident_growth_bytes"]}
        if khudi["flops"]:
            extra["khudi_gflops"] = round(khudi["flops"] / khudi["seconds"] / 1e9, 1)
        if "raw_sgemm_seconds" in khudi:
            extra["khudi_share_of_raw_sgemm"] = round(khudi["raw_sgemm_seconds"] / khudi["seconds"], 3)
        compare("core", name, "forward+backward seconds", khudi["seconds"],
                f"torch {peer['torch']}", peer["seconds"], higher_is_better=False, **extra)

if __name__ == "__main__":
    main()
