"""Khudi reads byte-level BPE tokenizer.json files that Hugging Face `tokenizers` trained and
wrote, laid out as GPT-2's, Llama 3's and RoBERTa's are, and encodes every test text to exactly
the ids `tokenizers` gives (and the comparison pre-tokenizers Khudi trains with agree too)."""
import json
import subprocess

import pytest
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

from test_tokenizer_interop import khudi_tokenize, sample_lines

GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
          r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
O200K = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
         r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
         r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
         r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
         r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")

# Standard-input lines carry no newline; the patterns' newline rules are checked in Swift's tests.
EXTRA = ["<|endoftext|>hello<|begin_of_text|> he's HE'LL  done\t\t x", "1234567 ٹرمپ's a/b /c"]


def split_then_bytes(pattern):
    return pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])


def train(kind, lines, folder):
    """Trains a small byte-level BPE in the layout of `kind` and saves it as tokenizer.json."""
    tokenizer = Tokenizer(models.BPE())
    if kind == "gpt2":
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    elif kind == "roberta":
        tokenizer.normalizer = normalizers.NFKC()
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)
    else:
        tokenizer.pre_tokenizer = split_then_bytes(LLAMA3 if kind == "llama3" else O200K)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1500, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(lines, trainer)
    # The special tokens come after the merges, as in GPT-2 and Llama 3.
    tokenizer.add_special_tokens(["<|endoftext|>", "<|begin_of_text|>"])
    if kind == "llama3":
        bos = tokenizer.token_to_id("<|begin_of_text|>")
        tokenizer.post_processor = processors.TemplateProcessing(
            single="<|begin_of_text|> $A", special_tokens=[("<|begin_of_text|>", bos)])
    else:
        tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    data = json.loads(tokenizer.to_str())
    if kind == "llama3":
        data["model"]["ignore_merges"] = True
    if kind == "gpt2":  # GPT-2's own file writes merges as "a b" strings
        data["model"]["merges"] = [" ".join(pair) for pair in data["model"]["merges"]]
    path = folder / kind / "tokenizer.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def khudi_ids(path, lines, *flags):
    result = subprocess.run([khudi_tokenize(), "encode", "--tokenizer", str(path), "--ids", *flags],
                            input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
    return [[int(x) for x in row.split()] for row in result.stdout.split("\n")[:-1]]


@pytest.mark.parametrize("kind", ["gpt2", "llama3", "roberta", "o200k"])
def test_khudi_reads_hugging_face_byte_level_tokenizers(kind, tmp_path):
    lines = sample_lines() + EXTRA
    path = train(kind, lines, tmp_path)
    hf = Tokenizer.from_file(str(path))
    ours = khudi_ids(path, lines)
    assert len(ours) == len(lines)
    mismatches = [(line, mine, theirs) for line, mine in zip(lines, ours)
                  if mine != (theirs := hf.encode(line, add_special_tokens=False).ids)]
    assert not mismatches, mismatches[:3]
    with_template = khudi_ids(path, lines[:50], "--add-special-tokens")
    assert with_template == [hf.encode(line).ids for line in lines[:50]]


@pytest.mark.parametrize("splitter", ["gpt2", "cl100k", "o200k"])
def test_comparison_pre_tokenizers_train_tokenizers_that_hugging_face_matches(splitter, tmp_path):
    out = tmp_path / splitter
    from test_tokenizer_interop import ROOT
    subprocess.run([khudi_tokenize(), "train", str(ROOT / "datasets" / "sample"), "--output", str(out),
                    "--vocab-size", "800", "--pre-tokenizer", splitter], check=True, capture_output=True)
    lines = sample_lines()[:400] + EXTRA
    hf = Tokenizer.from_file(str(out / "tokenizer.json"))
    ours = khudi_ids(out, lines)
    mismatches = [(line, mine, theirs) for line, mine in zip(lines, ours)
                  if mine != (theirs := hf.encode(line, add_special_tokens=False).ids)]
    assert not mismatches, mismatches[:3]


def shard_ids(path):
    """Ids of a Khudi token shard: a 64-byte header (magic, version, bytes per token, count, …)."""
    data = path.read_bytes()
    assert data[:8] == b"KHUDITOK"
    width = int.from_bytes(data[12:16], "little")
    count = int.from_bytes(data[16:24], "little")
    return [int.from_bytes(data[64 + i * width:64 + (i + 1) * width], "little") for i in range(count)]


@pytest.mark.parametrize("kind", ["llama3", "o200k"])
def test_shards_of_documents_with_newlines_match(kind, tmp_path):
    docs = ["پہلی سطر\nدوسری سطر  \n  تیسری", "a line\r\nanother\n\n", "tabs\t\tand 12345\n/x"]
    lines = sample_lines()
    path = train(kind, lines, tmp_path)
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps({"text": d}, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    out = tmp_path / "shards"
    subprocess.run([khudi_tokenize(), "encode", "--tokenizer", str(path), str(source), "--output", str(out)],
                   check=True, capture_output=True)
    manifest = json.loads((out / "manifest.json").read_text())
    hf = Tokenizer.from_file(str(path))
    eos = hf.token_to_id("<|endoftext|>")
    expected = [i for d in docs for i in hf.encode(d, add_special_tokens=False).ids + [eos]]
    assert shard_ids(out / manifest["shards"][0]["file"]) == expected
