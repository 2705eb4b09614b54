"""Hugging Face transformers reads what Khudi writes: a model made by `khudi model init` (Llama,
Qwen2 and GPT-2 shapes, with a Khudi-trained tokenizer) loads in transformers, and its greedy
continuation of a prompt is the text `khudi generate` prints.

transformers and torch are several GB, so the test venv does not carry them and this check is
skipped there; run it with the benchmark venv:
    .venv-torch/bin/pip install pytest pyyaml
    .venv-torch/bin/python -m pytest -q scripts/checks/test_transformers_interop.py
"""
import json
import subprocess

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from conftest import ROOT  # noqa: E402
from test_safetensors_interop import khudi  # noqa: E402
from test_tokenizer_interop import khudi_tokenize  # noqa: E402

FIXTURES = ROOT / "Tests" / "KhudiModelsTests" / "Fixtures"
PROMPT = "پاکستان ایک"


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    out = tmp_path_factory.mktemp("tok") / "tok"
    subprocess.run([khudi_tokenize(), "train", str(ROOT / "datasets" / "sample"), "--output", str(out),
                    "--vocab-size", "400"], check=True, capture_output=True)
    return out / "tokenizer.json"


@pytest.mark.parametrize("shape", ["llama-tiny", "qwen2-tiny", "gpt2-tiny"])
def test_transformers_continues_a_khudi_model_as_khudi_does(shape, tokenizer, tmp_path):
    model = tmp_path / "model"
    subprocess.run([khudi(), "model", "init", "--config", str(FIXTURES / shape / "config.json"), "--tokenizer",
                    str(tokenizer), "--output", str(model), "--seed", "11"], check=True, capture_output=True)
    ours = subprocess.run([khudi(), "generate", "--model", str(model), "--prompt", PROMPT, "--max-new-tokens", "12"],
                          check=True, capture_output=True, text=True).stdout.rstrip("\n")
    loaded = transformers.AutoModelForCausalLM.from_pretrained(str(model)).eval()
    fast = transformers.PreTrainedTokenizerFast(tokenizer_file=str(model / "tokenizer.json"))
    ids = torch.tensor([fast.encode(PROMPT, add_special_tokens=False)])
    eos = json.loads((model / "config.json").read_text()).get("eos_token_id")
    with torch.no_grad():
        output = loaded.generate(ids, max_new_tokens=12, do_sample=False, eos_token_id=eos, pad_token_id=eos)
    # Both keep an end token they stop at, and print it as its text.
    theirs = fast.decode(output[0, ids.shape[1]:].tolist(), skip_special_tokens=False)
    assert ours == theirs
