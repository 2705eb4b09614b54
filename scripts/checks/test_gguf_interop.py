"""GGUF export read back by the `gguf` Python package (llama.cpp's own reader): keys, tensor
names, shapes and types; values equal to the model's (F32) or their float16 rounding (F16);
Llama's q/k rows permuted exactly as llama.cpp's converter does; the tokenizer embedded.

Models come from the committed transformers fixtures and from `khudi model init` with a
tokenizer `khudi-tokenize` trains on the sample corpus."""
import json
import math
import subprocess

import numpy as np
import pytest
from gguf import GGUFReader
from safetensors.numpy import load_file

from conftest import ROOT
from test_safetensors_interop import khudi
from test_tokenizer_interop import khudi_tokenize

FIXTURES = ROOT / "Tests" / "KhudiModelsTests" / "Fixtures"


def export(directory, out, dtype):
    subprocess.run([khudi(), "model", "gguf", str(directory), "--output", str(out), "--dtype", dtype],
                   check=True, capture_output=True)
    return GGUFReader(str(out))


def field(reader, key):
    part = reader.fields[key]
    value = part.parts[part.data[0]]
    return bytes(value).decode() if part.types[0].name == "STRING" else value[0]


def tensors(reader):
    return {t.name: t for t in reader.tensors}


def permute(weights, heads):
    """llama.cpp's convert_hf_to_gguf permute: rotate_half rows to interleaved pairs."""
    return (weights.reshape(heads, 2, weights.shape[0] // heads // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


@pytest.mark.parametrize("dtype", ["f32", "f16"])
def test_llama_export_matches_llama_cpp_layout(tmp_path, dtype):
    reader = export(FIXTURES / "llama-tiny", tmp_path / "llama.gguf", dtype)
    config = json.loads((FIXTURES / "llama-tiny" / "config.json").read_text())
    weights = load_file(str(FIXTURES / "llama-tiny" / "model.safetensors"))
    assert field(reader, "general.architecture") == "llama"
    assert field(reader, "llama.block_count") == config["num_hidden_layers"]
    assert field(reader, "llama.attention.head_count_kv") == config["num_key_value_heads"]
    assert field(reader, "llama.rope.freq_base") == pytest.approx(500000.0)
    found = tensors(reader)
    expected = {"token_embd.weight", "output_norm.weight", "output.weight", "rope_freqs.weight"}
    for i in range(config["num_hidden_layers"]):
        expected |= {f"blk.{i}.{n}.weight" for n in ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                                                       "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")}
    assert set(found) == expected
    matrix_type = "F32" if dtype == "f32" else "F16"
    assert found["blk.0.attn_q.weight"].tensor_type.name == matrix_type
    assert found["blk.0.attn_norm.weight"].tensor_type.name == "F32"  # 1-D stays F32
    heads, kv = config["num_attention_heads"], config["num_key_value_heads"]
    for name, source, count in (("attn_q", "q_proj", heads), ("attn_k", "k_proj", kv)):
        hf = weights[f"model.layers.1.self_attn.{source}.weight"]
        ours = np.asarray(found[f"blk.1.{name}.weight"].data).reshape(hf.shape)
        wanted = permute(hf, count)
        if dtype == "f16":
            wanted = wanted.astype(np.float16)
        assert np.array_equal(ours, wanted), name
    head = np.asarray(found["output.weight"].data).reshape(weights["lm_head.weight"].shape)
    assert np.array_equal(head, weights["lm_head.weight"].astype(np.float16 if dtype == "f16" else np.float32))
    # Llama 3 scaling as per-frequency factors, computed as llama.cpp's converter does.
    rope = config["rope_parameters"]
    dim = config["head_dim"]
    frequencies = 1.0 / (rope["rope_theta"] ** (np.arange(0, dim, 2, dtype=np.float32) / dim))
    old, low, high = rope["original_max_position_embeddings"], rope["low_freq_factor"], rope["high_freq_factor"]
    wanted = []
    for frequency in frequencies:
        wavelength = 2 * math.pi / frequency
        if wavelength < old / high:
            wanted.append(1.0)
        elif wavelength > old / low:
            wanted.append(rope["factor"])
        else:
            smooth = (old / wavelength - low) / (high - low)
            wanted.append(1 / ((1 - smooth) / rope["factor"] + smooth))
    assert np.allclose(np.asarray(found["rope_freqs.weight"].data), wanted, rtol=1e-5)


def test_gpt2_and_qwen2_exports(tmp_path):
    gpt2 = export(FIXTURES / "gpt2-tiny", tmp_path / "gpt2.gguf", "f32")
    assert field(gpt2, "general.architecture") == "gpt2"
    found = tensors(gpt2)
    assert {"token_embd.weight", "position_embd.weight", "blk.0.attn_qkv.weight", "blk.1.ffn_down.bias",
            "output_norm.bias"} <= set(found)
    weights = load_file(str(FIXTURES / "gpt2-tiny" / "model.safetensors"))
    conv = weights["transformer.h.0.attn.c_attn.weight"]  # Conv1D (in, out)
    ours = np.asarray(found["blk.0.attn_qkv.weight"].data).reshape(conv.shape[1], conv.shape[0])
    assert np.array_equal(ours, conv.T)  # stored (out, in), as the converter transposes it
    qwen = export(FIXTURES / "qwen2-tiny", tmp_path / "qwen.gguf", "f32")
    assert field(qwen, "general.architecture") == "qwen2"
    names = set(tensors(qwen))
    assert "blk.0.attn_q.bias" in names and "output.weight" not in names  # biases; tied head
    qwen_weights = load_file(str(FIXTURES / "qwen2-tiny" / "model.safetensors"))
    q = np.asarray(tensors(qwen)["blk.0.attn_q.weight"].data)
    assert np.array_equal(q.reshape(-1), qwen_weights["model.layers.0.self_attn.q_proj.weight"].reshape(-1))


@pytest.fixture(scope="module")
def model_with_tokenizer(tmp_path_factory):
    work = tmp_path_factory.mktemp("init")
    tokenizer = work / "tok"
    subprocess.run([khudi_tokenize(), "train", str(ROOT / "datasets" / "sample"), "--output", str(tokenizer),
                    "--vocab-size", "400"], check=True, capture_output=True)
    config = json.loads((FIXTURES / "llama-tiny" / "config.json").read_text())
    (work / "config.json").write_text(json.dumps(config))
    model = work / "model"
    result = subprocess.run([khudi(), "model", "init", "--config", str(work / "config.json"), "--tokenizer",
                             str(tokenizer / "tokenizer.json"), "--output", str(model), "--seed", "3"],
                            check=True, capture_output=True, text=True)
    assert "vocabulary 400" in result.stdout
    return model, json.loads((tokenizer / "tokenizer.json").read_text())


def test_model_init_is_seeded_and_loads(model_with_tokenizer, tmp_path):
    model, _ = model_with_tokenizer
    config = json.loads((model / "config.json").read_text())
    assert config["vocab_size"] == 400 and config["model_type"] == "llama"
    weights = load_file(str(model / "model.safetensors"))
    assert weights["model.embed_tokens.weight"].shape == (400, config["hidden_size"])
    again = tmp_path / "again"
    subprocess.run([khudi(), "model", "init", "--config", str(model / "config.json"), "--tokenizer",
                    str(model / "tokenizer.json"), "--output", str(again), "--seed", "3"], check=True,
                   capture_output=True)
    assert (again / "model.safetensors").read_bytes() == (model / "model.safetensors").read_bytes()


def test_tokenizer_is_embedded(model_with_tokenizer, tmp_path):
    model, tokenizer = model_with_tokenizer
    reader = export(model, tmp_path / "m.gguf", "f16")
    assert field(reader, "tokenizer.ggml.model") == "gpt2"
    part = reader.fields["tokenizer.ggml.tokens"]
    tokens = [bytes(part.parts[i]).decode() for i in part.data]
    vocab = sorted(tokenizer["model"]["vocab"].items(), key=lambda item: item[1])
    specials = {t["content"] for t in tokenizer["added_tokens"]}
    assert tokens == [token for token, _ in vocab]
    merges = reader.fields["tokenizer.ggml.merges"]
    written = [bytes(merges.parts[i]).decode() for i in merges.data]
    listed = [m if isinstance(m, str) else " ".join(m) for m in tokenizer["model"]["merges"]]
    assert written == listed
    types = reader.fields["tokenizer.ggml.token_type"]
    control = {tokens[i] for i, index in enumerate(types.data) if types.parts[index][0] == 3}
    assert control == specials
    eos = field(reader, "tokenizer.ggml.eos_token_id")
    assert tokens[eos] in specials
