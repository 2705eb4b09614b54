"""safetensors both ways: Khudi (`khudi safetensors show|convert`) reads files the Python
`safetensors` library wrote, and the library reads what Khudi writes, F32, F16 and BF16 values
and metadata included; a broken file is refused with exit 65, naming it."""
import json
import struct
import subprocess

import numpy as np
import pytest
import safetensors
from safetensors.numpy import load_file, save_file

from conftest import ROOT


def khudi():
    bin_path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    return f"{bin_path}/khudi"


def show(path):
    result = subprocess.run([khudi(), "safetensors", "show", str(path), "--json"], check=True,
                            capture_output=True, text=True)
    return json.loads(result.stdout)


def bfloat16_rounded(values):
    """float32 values rounded to bfloat16 (nearest even), as float32: PyTorch's .bfloat16()."""
    bits = np.asarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    return rounded.astype(np.uint32).view(np.float32)


@pytest.fixture(scope="module")
def python_file(tmp_path_factory):
    rng = np.random.default_rng(5)
    tensors = {
        "transformer.wte.weight": rng.standard_normal((50, 16)).astype(np.float32),
        "h.0.ln_1.bias": rng.standard_normal(16).astype(np.float16),
        "position_ids": np.arange(12, dtype=np.int64),
        "mask": np.array([True, False, True]),
        "empty": np.zeros((0, 4), dtype=np.float32),
        "scalar": np.array(2.5, dtype=np.float32),
    }
    path = tmp_path_factory.mktemp("st") / "model.safetensors"
    save_file(tensors, str(path), metadata={"format": "pt", "note": "written by python"})
    return path, tensors


def test_khudi_reads_what_python_wrote(python_file):
    path, tensors = python_file
    listing = show(path)
    assert listing["metadata"] == {"format": "pt", "note": "written by python"}
    found = {t["name"]: t for t in listing["tensors"]}
    assert set(found) == set(tensors)
    dtypes = {np.float32: "F32", np.float16: "F16", np.int64: "I64", np.bool_: "BOOL"}
    for name, array in tensors.items():
        assert found[name]["dtype"] == dtypes[array.dtype.type], name
        assert found[name]["shape"] == list(array.shape), name
        if array.dtype.kind == "f":
            assert found[name]["sum"] == pytest.approx(float(array.astype(np.float64).sum()), abs=1e-9), name
    assert listing["parameters"] == sum(array.size for array in tensors.values())


@pytest.mark.parametrize("dtype", ["f32", "f16", "bf16"])
def test_python_reads_what_khudi_wrote(python_file, tmp_path, dtype):
    path, tensors = python_file
    out = tmp_path / f"{dtype}.safetensors"
    subprocess.run([khudi(), "safetensors", "convert", str(path), "--output", str(out), "--dtype", dtype],
                   check=True, capture_output=True)
    raw = out.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    assert length % 8 == 0  # the reference writer's padding
    header = json.loads(raw[8:8 + length])
    assert header["__metadata__"] == {"format": "pt", "note": "written by python",
                                      "khudi_converted_from": "model.safetensors"}
    decoded = dict(safetensors.deserialize(raw))  # the library's own checks (offsets, coverage)
    for name, array in tensors.items():
        entry = decoded[name]
        assert entry["shape"] == list(array.shape), name
        if array.dtype.kind != "f":
            assert bytes(entry["data"]) == array.tobytes(), name  # copied untouched
            continue
        assert entry["dtype"] == dtype.upper(), name
        wide = array.astype(np.float32)
        if dtype == "bf16":
            values = (np.frombuffer(bytes(entry["data"]), dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
            expected = bfloat16_rounded(wide).reshape(-1)
        else:
            values = np.frombuffer(bytes(entry["data"]), dtype=np.float16 if dtype == "f16" else np.float32)
            expected = wide.astype(np.float16 if dtype == "f16" else np.float32).reshape(-1)
        assert np.array_equal(values, expected), name
    if dtype != "bf16":  # numpy has no bfloat16; load_file covers the other two
        loaded = load_file(str(out))
        assert set(loaded) == set(tensors)


def test_bfloat16_written_by_khudi_reads_back_exactly(python_file, tmp_path):
    path, tensors = python_file
    brain = tmp_path / "bf16.safetensors"
    wide = tmp_path / "back.safetensors"
    subprocess.run([khudi(), "safetensors", "convert", str(path), "--output", str(brain), "--dtype", "bf16"],
                   check=True, capture_output=True)
    subprocess.run([khudi(), "safetensors", "convert", str(brain), "--output", str(wide), "--dtype", "f32"],
                   check=True, capture_output=True)
    back = load_file(str(wide))
    weight = tensors["transformer.wte.weight"]
    assert np.array_equal(back["transformer.wte.weight"], bfloat16_rounded(weight).reshape(weight.shape))


def test_a_truncated_file_is_refused_naming_it(python_file, tmp_path):
    path, _ = python_file
    broken = tmp_path / "truncated.safetensors"
    broken.write_bytes(path.read_bytes()[:-3])
    result = subprocess.run([khudi(), "safetensors", "show", str(broken)], capture_output=True, text=True)
    assert result.returncode == 65
    assert str(broken) in result.stderr and "past the" in result.stderr
