"""SentencePiece-style tokenizers both ways: Hugging Face `tokenizers` loads Khudi-trained Unigram
and character-BPE tokenizer.json files and encodes every test text to Khudi's ids (byte fallback
included), and Khudi reads Unigram tokenizers that `tokenizers` trained (Metaspace, `always` and
`first`) and Llama 2 / Mistral-style BPE files (byte fallback; Prepend+Replace normalizers or a
Metaspace pre-tokenizer) and matches them id for id, decoding included."""
import json
import subprocess
import unicodedata

import pytest
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from test_foreign_tokenizer_interop import khudi_ids
from test_tokenizer_interop import ROOT, TRICKY, khudi_tokenize, sample_lines

EDGES = ["<0x41> is text, not a byte", "typed \u2581 metaspace", "نایاب حرف \U0001D54F\u0fff ok"]


@pytest.fixture(scope="module", params=["unigram", "bpe"])
def khudi_unigram(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("piece") / request.param
    subprocess.run([khudi_tokenize(), "train", str(ROOT / "datasets" / "sample"), "--output", str(out),
                    "--vocab-size", "2000", "--model", request.param], check=True, capture_output=True)
    return out


def test_hugging_face_encodes_khudi_pieces_identically(khudi_unigram):
    lines = sample_lines() + TRICKY + EDGES
    ours = khudi_ids(khudi_unigram, lines)
    hf = Tokenizer.from_file(str(khudi_unigram / "tokenizer.json"))
    mismatches = [(line, mine, theirs) for line, mine in zip(lines, ours)
                  if mine != (theirs := hf.encode(line, add_special_tokens=False).ids)]
    assert not mismatches, mismatches[:3]
    byte_piece = hf.token_to_id("<0xF0>")
    assert any(byte_piece in row for row in ours)  # the rare characters fell back to bytes


def test_khudi_pieces_round_trip_in_hugging_face(khudi_unigram):
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


def assert_same(path, tokenizer, lines):
    ours = khudi_ids(path, lines)
    mismatches = [(line, mine, theirs) for line, mine in zip(lines, ours)
                  if mine != (theirs := tokenizer.encode(line, add_special_tokens=False).ids)]
    assert not mismatches, mismatches[:3]
    decoded = subprocess.run([khudi_tokenize(), "decode", "--tokenizer", str(path)],
                             input="\n".join(" ".join(map(str, row)) for row in ours[:300]) + "\n",
                             capture_output=True, text=True, check=True).stdout.split("\n")[:-1]
    assert decoded == [tokenizer.decode(row, skip_special_tokens=False) for row in ours[:300]]


@pytest.mark.parametrize("style", ["llama2", "mistral"])
def test_khudi_reads_llama2_style_character_bpe(style, tmp_path):
    """A BPE over characters trained by `tokenizers`, laid out as Llama 2's: <unk> <s> </s>, the
    256 byte pieces at ids 3–258, then the learned vocabulary; byte_fallback and fuse_unk."""
    lines = sample_lines()
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    if style == "llama2":
        tokenizer.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    else:
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="first", split=False)
    tokenizer.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(),
                                           decoders.Strip(" ", 1, 0)])
    # Rare characters are left out of the alphabet so that byte fallback is exercised.
    trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=["<unk>", "<s>", "</s>"], limit_alphabet=90,
                                  show_progress=False)
    tokenizer.train_from_iterator([line[:200] for line in lines], trainer)
    data = json.loads(tokenizer.to_str())
    shifted = {piece: (i if i < 3 else i + 256) for piece, i in data["model"]["vocab"].items()}
    for byte in range(256):
        shifted[f"<0x{byte:02X}>"] = 3 + byte
    data["model"]["vocab"] = shifted
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    hf = Tokenizer.from_file(str(path))
    assert_same(path, hf, lines + TRICKY + EDGES + ["<s>x</s> y", "  two  spaces "])
