"""PEFT reads the adapters `khudi-train` writes: a LoRA run on a Khudi-initialised Llama saves a
checkpoint that `PeftModel.from_pretrained` loads, and the adapted model's greedy continuation
is the text `khudi generate --adapter` prints.

torch, transformers and peft are several GB, so the test venv does not carry them and this
check is skipped there; run it with the benchmark venv:
    .venv-torch/bin/pip install pytest pyyaml peft==0.21.2
    .venv-torch/bin/python -m pytest -q scripts/checks/test_peft_interop.py
"""
import struct
import subprocess

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
peft = pytest.importorskip("peft")
safetensors_torch = pytest.importorskip("safetensors.torch")

from conftest import ROOT  # noqa: E402
from test_safetensors_interop import khudi  # noqa: E402
from test_tokenizer_interop import khudi_tokenize  # noqa: E402

FIXTURES = ROOT / "Tests" / "KhudiModelsTests" / "Fixtures"
PROMPT = "پاکستان ایک"


def shard(path, tokens, vocabulary, eos):
    """A Khudi token shard (64-byte header, uint16 ids)."""
    header = b"KHUDITOK" + struct.pack("<IIQQII", 1, 2, len(tokens), 1, vocabulary, eos)
    path.write_bytes(header + b"\0" * (64 - len(header)) + struct.pack(f"<{len(tokens)}H", *tokens))


def test_peft_loads_a_khudi_adapter_and_continues_as_khudi_does(tmp_path):
    tokenizer = tmp_path / "tok"
    subprocess.run([khudi_tokenize(), "train", str(ROOT / "datasets" / "sample"), "--output",
                    str(tokenizer), "--vocab-size", "400"], check=True, capture_output=True)
    base = tmp_path / "base"
    subprocess.run([khudi(), "model", "init", "--config", str(FIXTURES / "llama-tiny" / "config.json"),
                    "--tokenizer", str(tokenizer / "tokenizer.json"), "--output", str(base), "--seed", "5"],
                   check=True, capture_output=True)
    shard(tmp_path / "train.bin", [(i * 37 + i // 5) % 399 for i in range(3000)], 400, 399)
    (tmp_path / "train.yaml").write_text(
        "model: {base: base}\n"
        "data: {train: [train.bin], validation_fraction: 0}\n"
        "train: {mode: lora, steps: 4, micro_batch_size: 2, sequence_length: 16, learning_rate: 0.02,\n"
        "        warmup_steps: 1, evaluation_interval: 0, lora: {rank: 4, alpha: 8,\n"
        "        targets: [q_proj, v_proj, down_proj]}}\n"
        "output: run\n")
    subprocess.run([khudi().replace("/khudi", "/khudi-train"), str(tmp_path / "train.yaml")], check=True,
                   capture_output=True)
    adapter = tmp_path / "run" / "checkpoints" / "step-00000004"
    weights = safetensors_torch.load_file(str(adapter / "adapter_model.safetensors"))
    assert len(weights) == 2 * 2 * 3  # two layers, three modules, A and B
    assert all(w.abs().max() > 0 for name, w in weights.items() if "lora_B" in name)
    ours = subprocess.run([khudi(), "generate", "--model", str(base), "--adapter", str(adapter), "--prompt",
                           PROMPT, "--max-new-tokens", "12"], check=True, capture_output=True,
                          text=True).stdout.rstrip("\n")
    loaded = transformers.AutoModelForCausalLM.from_pretrained(str(base))
    adapted = peft.PeftModel.from_pretrained(loaded, str(adapter)).eval()
    fast = transformers.PreTrainedTokenizerFast(tokenizer_file=str(base / "tokenizer.json"))
    ids = torch.tensor([fast.encode(PROMPT, add_special_tokens=False)])
    with torch.no_grad():
        output = adapted.generate(input_ids=ids, max_new_tokens=12, do_sample=False, eos_token_id=399,
                                  pad_token_id=399)
    theirs = fast.decode(output[0, ids.shape[1]:].tolist(), skip_special_tokens=False)
    assert ours == theirs
