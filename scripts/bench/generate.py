"""Generation benchmark: Khudi (khudi-bench generate) against Hugging Face transformers on the
same randomly initialised shapes, same threads, one invocation.

Cases: a Llama of about 40M parameters (16k vocabulary, 512 wide, 8 layers, 8 heads over 4
key/value heads, SwiGLU 1376, untied head) and a GPT-2-small-shaped model (124M). Measured:
prompt processing (one forward over a 128-token prompt, best of 3) and single-stream greedy
generation of 64 tokens with the key/value cache (best of 3; tokens after the first, per
second, the first costing a prompt pass), the prompt pass keeping only the last position's
logits (what generation runs; transformers' `logits_to_keep=1`), a batch of 8 different
prompts generated together (new tokens per second, prompts included), plus
each process's peak RSS; generation again with Khudi decoding from bfloat16 weight copies
(`--bfloat16`). The issue's goal: at least 2x transformers' tokens/s with less memory.
"""
import argparse
import json
import os
import sys
import time

from benchlib import build_release, compare, emit_machine, log, run_measured

PEER = r'''
import json, sys, time
import torch
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM
name, prompt_tokens, new_tokens, threads, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(1)
if name == "llama-40m":
    config = LlamaConfig(vocab_size=16000, hidden_size=512, intermediate_size=1376, num_hidden_layers=8,
                         num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=1024,
                         rms_norm_eps=1e-5, tie_word_embeddings=False)
    model = LlamaForCausalLM(config)
else:
    config = GPT2Config(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12)
    model = GPT2LMHeadModel(config)
model.eval()
prompt = torch.tensor([[(i * 7919 + 13) % 1000 for i in range(prompt_tokens)]])
with torch.inference_mode():
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter(); model(prompt, use_cache=True); best = min(best, time.perf_counter() - start)
    last_only = float("inf")  # what generate runs for a prompt: only the last position's logits
    for _ in range(3):
        start = time.perf_counter(); model(prompt, use_cache=True, logits_to_keep=1)
        last_only = min(last_only, time.perf_counter() - start)
    total = float("inf")  # best of three
    for _ in range(3):
        start = time.perf_counter()
        out = model.generate(prompt, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                             pad_token_id=0)
        total = min(total, time.perf_counter() - start)
    prompts = torch.tensor([[(i * 7919 + 13 + row * 104729) % 1000 for i in range(prompt_tokens)]
                            for row in range(batch)])
    batch_seconds = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        batch_out = model.generate(prompts, attention_mask=torch.ones_like(prompts), max_new_tokens=new_tokens,
                                   min_new_tokens=new_tokens, do_sample=False, pad_token_id=0)
        batch_seconds = min(batch_seconds, time.perf_counter() - start)
    assert batch_out.shape == (batch, prompt_tokens + new_tokens)
generated = out.shape[1] - prompt_tokens
print(json.dumps({"prompt_tokens_per_second": prompt_tokens / best,
                  "prompt_last_logits_tokens_per_second": prompt_tokens / last_only,
                  "batch_tokens_per_second": batch * new_tokens / batch_seconds,
                  "generate_tokens_per_second": (generated - 1) / max(total - best, 1e-9),
                  "parameters": sum(p.numel() for p in model.parameters()),
                  "transformers": __import__("transformers").__version__, "torch": torch.__version__}))
'''


SAVE_GPT2 = r'''
import sys
import torch
from transformers import GPT2Config, GPT2LMHeadModel
torch.manual_seed(1)
GPT2LMHeadModel(GPT2Config(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12)).save_pretrained(sys.argv[1])
'''

LOAD_PEER = r'''
import json, sys, time
start = time.perf_counter()
import torch
from transformers import AutoModelForCausalLM
imported = time.perf_counter()
model = AutoModelForCausalLM.from_pretrained(sys.argv[1])
done = time.perf_counter()
print(json.dumps({"seconds": done - imported, "with_import": done - start}))
'''

READ = r'''
import json, sys, time
start = time.perf_counter()
data = open(sys.argv[1], "rb").read()
print(json.dumps({"seconds": time.perf_counter() - start, "bytes": len(data)}))
'''


def load_times(khudi, threads):
    """GPT-2 small saved by transformers: Khudi's load (`khudi model show`, whole process) against
    transformers' `from_pretrained` (import excluded) and a plain read of the file."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="khudi-bench-load-") as work:
        log("gpt2-small: saving with transformers for the load test")
        run_measured([sys.executable, "-c", SAVE_GPT2, work])
        weights = f"{work}/model.safetensors"
        run_measured([sys.executable, "-c", READ, weights])  # into the page cache
        out, _ = run_measured([sys.executable, "-c", READ, weights])
        read = json.loads(out)
        best, khudi_rss = float("inf"), 0.0
        for _ in range(3):
            start = time.perf_counter()
            _, rss = run_measured([str(khudi), "model", "show", work])
            best, khudi_rss = min(best, time.perf_counter() - start), max(khudi_rss, rss)
        peer, peer_rss = float("inf"), 0.0
        for _ in range(3):
            out, rss = run_measured([sys.executable, "-c", LOAD_PEER, work])
            peer, peer_rss = min(peer, json.loads(out)["seconds"]), max(peer_rss, rss)
        compare("generate", "gpt2-small load from safetensors", "seconds", best,
                "transformers from_pretrained (import excluded)", peer, higher_is_better=False,
                khudi_peak_rss_mb=round(khudi_rss, 1), peer_peak_rss_mb=round(peer_rss, 1),
                file_mb=round(read["bytes"] / 1e6, 1), cached_read_seconds=round(read["seconds"], 3),
                note="khudi: the whole `khudi model show` process (start, load, summary)")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--prompt-tokens", type=int, default=128)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--batch", type=int, default=8, help="prompts in the batched case")
    parser.add_argument("--models", nargs="*", default=["llama-40m", "gpt2-small"])
    parser.add_argument("--no-load", action="store_true", help="skip the load-time comparison")
    args = parser.parse_args()
    emit_machine("generate")
    khudi_bench = build_release("khudi-bench")
    if not args.no_load:
        load_times(build_release("khudi"), args.threads)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    for name in args.models:
        command = [str(khudi_bench), "generate", "--model", name, "--threads", str(args.threads),
                   "--prompt-tokens", str(args.prompt_tokens), "--new-tokens", str(args.new_tokens),
                   "--batch", str(args.batch)]
        log(f"{name}: khudi")
        out, khudi_rss = run_measured(command)
        khudi = json.loads(out)
        log(f"{name}: khudi --bfloat16")
        out, brain_rss = run_measured(command + ["--bfloat16"])
        brain = json.loads(out)
        log(f"{name}: transformers")
        out, peer_rss = run_measured([sys.executable, "-c", PEER, name, str(args.prompt_tokens),
                                      str(args.new_tokens), str(args.threads), str(args.batch)], env=env)
        peer = json.loads(out)
        label = f"transformers {peer['transformers']} (torch {peer['torch']})"
        extra = {"threads": args.threads, "khudi_peak_rss_mb": round(khudi_rss, 1),
                 "peer_peak_rss_mb": round(peer_rss, 1), "parameters": khudi["parameters"],
                 "peer_parameters": peer["parameters"]}
        compare("generate", f"{name} prompt ({args.prompt_tokens} tokens)", "tokens/s",
                khudi["prompt_tokens_per_second"], label, peer["prompt_tokens_per_second"], **extra)
        compare("generate", f"{name} prompt ({args.prompt_tokens} tokens), last position's logits only",
                "tokens/s", khudi["prompt_last_logits_tokens_per_second"], label,
                peer["prompt_last_logits_tokens_per_second"],
                note="what generation runs for a prompt; transformers with logits_to_keep=1", **extra)
        compare("generate", f"{name} batch of {args.batch} prompts, greedy ({args.new_tokens} tokens each)",
                "new tokens/s", khudi["batch_tokens_per_second"], label, peer["batch_tokens_per_second"],
                note="prompts included in the time; Khudi decodes them together (batch size = prompts)",
                **extra)
        compare("generate", f"{name} greedy generation ({args.new_tokens} tokens)", "tokens/s",
                khudi["generate_tokens_per_second"], label, peer["generate_tokens_per_second"], **extra)
        extra["khudi_peak_rss_mb"] = round(brain_rss, 1)
        compare("generate", f"{name} greedy generation ({args.new_tokens} tokens), khudi --bfloat16 decoding",
                "tokens/s", brain["generate_tokens_per_second"], label, peer["generate_tokens_per_second"],
                note="khudi decodes from bfloat16 weight copies (Float32 kept for prompts); transformers Float32",
                **extra)


if __name__ == "__main__":
    main()
