"""Unigram both ways: Hugging Face `tokenizers` loads a Khudi-trained Unigram tokenizer.json and
encodes every test text to Khudi's ids (byte fallback included), and Khudi reads Unigram
tokenizers that `tokenizers` trained (Metaspace, `always` and `first`) and matches them id for id."""
import json
import subprocess
import unicodedata

import pytest
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from test_foreign_tokenizer_interop import khudi_ids
from test_tokenizer_interop import ROOT, TRICKY, khudi_tokenize, sample_lines

EDGES = ["<0x41> is text, not a byte", "typed \u2581 metaspace", "نایاب حرف \U0001D54F\u0fff ok"]


@pytest.fixture(scope="module")
def khudi_unigram(tmp_path_factory):
    out = tmp_path_factory.mktemp("uni") / "unigram"
    subprocess.run([khudi_tokenize(), "train", str(ROOT / "datasets" / "sample"), "--output", str(out),
                    "--vocab-size", "2000", "--model", "unigram"], check=True, capture_output=True)
    return out


def test_hugging_face_encodes_khudi_unigram_identically(khudi_unigram):
    lines = sample_lines() + TRICKY + EDGES
    ours = khudi_ids(khudi_unigram, lines)
    hf = Tokenizer.from_file(str(khudi_unigram / "tokenizer.json"))
    mismatches = [(line, mine, theirs) for line, mine in zip(lines, ours)
                  if mine != (theirs := hf.encode(line, add_special_tokens=False).ids)]
    assert not mismatches, mismatches[:3]
    byte_piece = hf.token_to_id("<0xF0>")
    assert any(byte_piece in row for row in ours)  # the rare characters fell back to bytes


def test_khudi_unigram_round_trips_in_hugging_face(khudi_unigram):
    hf = Tokenizer.from_file(str(khudi_unigram / "tokenizer.json"))
    for line in sample_lines()[:400] + TRICKY + EDGES[:1] + EDGES[2:]:
        ids = hf.encode(line, add_special_tokens=False).ids
        assert hf.decode(ids, skip_special_tokens=False) == unicodedata.normalize("NFC", line)


@pytest.mark.parametrize("prepend", ["always", "first"])
def test_khudi_reads_hugging_face_unigram(prepend, tmp_path):
    lines = sample_lines()
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme=prepend)
    tokenizer.decoder = decoders.Metaspace(prepend_scheme=prepend)
    trainer = trainers.UnigramTrainer(vocab_size=1500, special_tokens=["<unk>", "</s>"], unk_token="<unk>",
                                      show_progress=False)
    tokenizer.train_from_iterator(lines, trainer)
    path = tmp_path / "tokenizer.json"
    tokenizer.save(str(path))
    test_lines = lines + TRICKY + EDGES + ["</s>x</s> y"]
    ours = khudi_ids(path, test_lines)
    mismatches = [(line, mine, theirs) for line, mine in zip(test_lines, ours)
                  if mine != (theirs := tokenizer.encode(line, add_special_tokens=False).ids)]
    assert not mismatches, mismatches[:3]
    decoded = subprocess.run([khudi_tokenize(), "decode", "--tokenizer", str(path)],
                             input="\n".join(" ".join(map(str, row)) for row in ours[:200]) + "\n",
                             capture_output=True, text=True, check=True).stdout.split("\n")[:-1]
    assert decoded == [tokenizer.decode(row, skip_special_tokens=False) for row in ours[:200]]
