"""GEMM benchmark: Khudi's matrixMultiply, raw cblas_sgemm and NumPy on transformer shapes.

Shapes are the matrix products of one training step of the models Khudi trains on this
hardware (a 6-layer 384-wide GPT-2 and a 512-wide Llama, 8 × 256 tokens, 16k vocabulary),
forward (x·Wᵀ) and the two backward products, plus a square reference shape.
"""
import argparse
import json
import os
import subprocess
import sys

from benchlib import build_release, compare, emit_machine, log, run_measured

ROWS = 8 * 256
SHAPES = [
    # M, N, K, flags: forward is x (M×K) · Wᵀ (W is N×K) → "tB"
    (ROWS, 1152, 384, "tB"),    # GPT-2 fused QKV
    (ROWS, 1536, 384, "tB"),    # GPT-2 MLP up
    (ROWS, 384, 1536, "tB"),    # GPT-2 MLP down
    (ROWS, 16384, 384, "tB"),   # LM head, 16k vocabulary
    (ROWS, 384, 16384, ""),     # LM head backward: dX = dLogits · W
    (16384, 384, ROWS, "tA"),   # LM head backward: dW = dLogitsᵀ · X
    (ROWS, 1376, 512, "tB"),    # Llama MLP gate/up
    (ROWS, 512, 1376, "tB"),    # Llama MLP down
    (2048, 2048, 2048, ""),     # square reference
]

PEER = r"""
import json, sys, time
import numpy as np
minimum = float(sys.argv[1])
for spec in json.loads(sys.argv[2]):
    m, n, k, flags = spec
    a = np.random.default_rng(0).random((k, m) if "tA" in flags else (m, k), dtype=np.float32)
    b = np.random.default_rng(1).random((n, k) if "tB" in flags else (k, n), dtype=np.float32)
    left = a.T if "tA" in flags else a
    right = b.T if "tB" in flags else b
    out = np.empty((m, n), dtype=np.float32)
    np.matmul(left, right, out=out)
    best, spent, runs = float("inf"), 0.0, 0
    while spent < minimum or runs < 3:
        start = time.perf_counter(); np.matmul(left, right, out=out)
        elapsed = time.perf_counter() - start
        best, spent, runs = min(best, elapsed), spent + elapsed, runs + 1
    print(json.dumps({"gflops": 2.0 * m * n * k / best / 1e9}))
"""


def shape_text(m, n, k, flags):
    return ",".join([str(m), str(n), str(k)] + [f for f in (flags[:2], flags[2:]) if f])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seconds", type=float, default=0.5)
    args = parser.parse_args()
    emit_machine("gemm")

    khudi_bench = build_release("khudi-bench")
    command = [str(khudi_bench), "gemm", "--threads", str(args.threads),
               "--seconds", str(args.seconds)]
    for m, n, k, flags in SHAPES:
        command += ["--shape", shape_text(m, n, k, flags)]
    log(f"khudi-bench gemm on {len(SHAPES)} shapes, {args.threads} thread(s)")
    khudi_out, khudi_rss = run_measured(command)
    khudi = [json.loads(line) for line in khudi_out.splitlines()]

    # Never import the peer here: Linux keeps a forked child's peak RSS across exec, so a big
    # parent would inflate every child's measurement.
    if subprocess.run([sys.executable, "-c", "import numpy"], capture_output=True).returncode:
        sys.exit("bench: numpy is missing; run scripts/setup to create .venv")
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads),
               OMP_NUM_THREADS=str(args.threads))
    log("numpy matmul on the same shapes")
    peer_out, peer_rss = run_measured(
        [sys.executable, "-c", PEER, str(args.seconds), json.dumps(SHAPES)], env=env)
    numpy_results = [json.loads(line) for line in peer_out.splitlines()]

    for spec, mine, theirs in zip(SHAPES, khudi, numpy_results):
        case = shape_text(*spec)
        compare("gemm", case, "GFLOP/s", mine["khudi_gflops"], "cblas_sgemm",
                mine["cblas_gflops"], threads=args.threads,
                khudi_peak_rss_mb=round(khudi_rss, 1), peer_peak_rss_mb=round(khudi_rss, 1))
        compare("gemm", case, "GFLOP/s", mine["khudi_gflops"], "numpy.matmul",
                theirs["gflops"], threads=args.threads,
                khudi_peak_rss_mb=round(khudi_rss, 1), peer_peak_rss_mb=round(peer_rss, 1))


if __name__ == "__main__":
    main()
