"""transformers renders the chat template `khudi-train` saves as Khudi trained on it: an
instruction run writes tokenizer_config.json (with `chat_template`) into its checkpoints, and
`apply_chat_template` on that directory gives the text Khudi's ChatTemplate renders (the same
strings InstructionTests.swift pins down).

transformers is several GB, so the test venv skips this check; run it with the benchmark venv:
    .venv-torch/bin/python -m pytest -q scripts/checks/test_chat_template_interop.py
"""
import json
import subprocess

import pytest

transformers = pytest.importorskip("transformers")
pytest.importorskip("torch")

from conftest import ROOT  # noqa: E402
from test_safetensors_interop import khudi  # noqa: E402
from test_tokenizer_interop import khudi_tokenize  # noqa: E402

FIXTURES = ROOT / "Tests" / "KhudiModelsTests" / "Fixtures"
MESSAGES = [{"role": "system", "content": "مختصر جواب دیں۔"},
            {"role": "user", "content": "پاکستان کا دارالحکومت؟"},
            {"role": "assistant", "content": "اسلام آباد۔"}]
EXPECTED = {
    "khudi": "<|system|>\nمختصر جواب دیں۔\n<|user|>\nپاکستان کا دارالحکومت؟\n<|assistant|>\nاسلام آباد۔<|eos|>\n",
    "chatml": "<|im_start|>system\nمختصر جواب دیں۔<|im_end|>\n<|im_start|>user\nپاکستان کا دارالحکومت؟"
              "<|im_end|>\n<|im_start|>assistant\nاسلام آباد۔<|im_end|>\n",
}


@pytest.mark.parametrize("template", ["khudi", "chatml"])
def test_transformers_renders_the_saved_template_as_khudi_trained(template, tmp_path):
    tokenizer = tmp_path / "tok"
    subprocess.run([khudi_tokenize(), "train", str(ROOT / "datasets" / "sample"), "--output", str(tokenizer),
                    "--vocab-size", "400"], check=True, capture_output=True)
    base = tmp_path / "base"
    subprocess.run([khudi(), "model", "init", "--config", str(FIXTURES / "llama-tiny" / "config.json"),
                    "--tokenizer", str(tokenizer / "tokenizer.json"), "--output", str(base)],
                   check=True, capture_output=True)
    (tmp_path / "sft.jsonl").write_text(json.dumps({"messages": MESSAGES}, ensure_ascii=False) + "\n")
    (tmp_path / "train.yaml").write_text(
        "model: {base: base}\n"
        f"data: {{instructions: [sft.jsonl], chat_template: {template}, validation_fraction: 0}}\n"
        "train: {mode: full, steps: 1, micro_batch_size: 1, sequence_length: 48, warmup_steps: 0}\n"
        "output: run\n")
    subprocess.run([khudi().replace("/khudi", "/khudi-train"), str(tmp_path / "train.yaml")], check=True,
                   capture_output=True)
    checkpoint = tmp_path / "run" / "checkpoints" / "step-00000001"
    loaded = transformers.AutoTokenizer.from_pretrained(str(checkpoint))
    assert loaded.apply_chat_template(MESSAGES, tokenize=False) == EXPECTED[template]
    prompt = loaded.apply_chat_template(MESSAGES[:2], tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|assistant|>\n" if template == "khudi" else "<|im_start|>assistant\n")
