"""llama.cpp runs Khudi's GGUF files: models made by `khudi model init` (Llama with Llama 3 RoPE
scaling, Qwen2 and GPT-2 shapes, with a Khudi-trained tokenizer embedded) are exported with
`khudi model gguf`, loaded by llama.cpp (through llama-cpp-python), and its greedy continuation
of the same prompt ids is the text `khudi generate` prints.

llama-cpp-python compiles llama.cpp (about ten minutes on two cores), so the test venv does not
carry it and this check is skipped there. Run it with its own venv:
    python3 -m venv .venv-llama && .venv-llama/bin/pip install llama-cpp-python==0.3.36 \
        tokenizers==0.23.3 safetensors==0.8.0 pyyaml pytest
    .venv-llama/bin/python -m pytest -q scripts/checks/test_llama_cpp_interop.py
"""
import subprocess

import pytest

llama_cpp = pytest.importorskip("llama_cpp")
tokenizers = pytest.importorskip("tokenizers")

from conftest import ROOT  # noqa: E402
from test_safetensors_interop import khudi  # noqa: E402
from test_tokenizer_interop import khudi_tokenize  # noqa: E402

FIXTURES = ROOT / "Tests" / "KhudiModelsTests" / "Fixtures"
PROMPT = "پاکستان ایک"
NEW_TOKENS = 12


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    out = tmp_path_factory.mktemp("tok") / "tok"
    subprocess.run([khudi_tokenize(), "train", str(ROOT / "datasets" / "sample"), "--output", str(out),
                    "--vocab-size", "400"], check=True, capture_output=True)
    return out


@pytest.mark.parametrize("shape", ["llama-tiny", "qwen2-tiny", "gpt2-tiny"])
def test_llama_cpp_continues_a_khudi_gguf_as_khudi_does(shape, tokenizer, tmp_path):
    model = tmp_path / "model"
    subprocess.run([khudi(), "model", "init", "--config", str(FIXTURES / shape / "config.json"), "--tokenizer",
                    str(tokenizer / "tokenizer.json"), "--output", str(model), "--seed", "11"],
                   check=True, capture_output=True)
    gguf = tmp_path / "model.gguf"
    subprocess.run([khudi(), "model", "gguf", str(model), "--output", str(gguf), "--dtype", "f32"],
                   check=True, capture_output=True)
    ours = subprocess.run([khudi(), "generate", "--model", str(model), "--prompt", PROMPT, "--max-new-tokens",
                           str(NEW_TOKENS)], check=True, capture_output=True, text=True).stdout.rstrip("\n")
    ids = subprocess.run([khudi_tokenize(), "encode", "--tokenizer", str(tokenizer), "--ids"], input=PROMPT,
                         check=True, capture_output=True, text=True).stdout.split()
    llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=32, n_threads=2, logits_all=True, verbose=False)
    llm.eval([int(i) for i in ids])
    generated = []
    for _ in range(NEW_TOKENS):
        scores = llm.scores[llm.n_tokens - 1]
        token = int(scores.argmax())
        generated.append(token)
        if token == llm.token_eos():
            break
        llm.eval([token])
    text = tokenizers.Tokenizer.from_file(str(tokenizer / "tokenizer.json")).decode(
        generated, skip_special_tokens=False)
    assert text == ours
