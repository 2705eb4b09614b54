"""Hugging Face `tokenizers` loads a Khudi-trained byte-level BPE tokenizer.json and encodes
every test text to exactly the ids Khudi gives (and decodes back to the NFC text)."""
import subprocess
import unicodedata

import pytest
from tokenizers import Tokenizer

from conftest import ROOT, SHARED_DATASETS

TRICKY = [
    "یہ ایک کتاب ہے۔ Hello 123456 دنیا!",
    "خوش\u200cنما  دو  جگہ   \t ٹیب",
    "\U0001F468\u200d\U0001F469\u200d\U0001F467 خاندان",
    "عِلْم اور آ\u0653 NFD\u0627\u0653",
    "نمبر ۱۲۳۴۵ اور ١٢٣ اور 1234567",
    "<|eos|> خصوصی <|bos|>x<|pad|>",
    "ﻻ ﷲ ﷺ GPTکی  ",
    "   ",
    "a\u0301 e\u0301 Ω",
    "AIسے Pakistanمیں e\u0301کتاب خوش\u200cabc abc\u200cdef Ωmega Ñandú ªº ẞẞ ǅǅ",
    "\u0301abc \u064bکتاب \u200c\u200c x\u064by ٹرمپTrump ɐʯ ḀỿĀ",
]


def khudi_tokenize():
    bin_path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    return f"{bin_path}/khudi-tokenize"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("tok") / "byte-bpe"
    subprocess.run([khudi_tokenize(), "train", str(ROOT / "datasets" / "sample"), "--output", str(out),
                    "--vocab-size", "1200"], check=True, capture_output=True)
    return out


def sample_lines():
    lines = []
    for path in sorted((ROOT / "datasets" / "sample").rglob("*.txt")):
        lines += [l for l in path.read_text(encoding="utf-8").split("\n") if l]
    dev = ["urd/ud_udtb.dev.sentences.txt", "snd/ud_isra.dev.sentences.txt", "pnb/ner.train.sentences.txt",
           "pbt/news_sentences.txt", "kas/translation_athar.txt", "bal/raw_news.txt", "eng/speeches.train.txt"]
    for name in dev:
        path = SHARED_DATASETS / name
        if path.exists():
            with path.open(encoding="utf-8") as handle:
                for i, line in enumerate(handle):
                    if i >= 300:
                        break
                    if line.strip():
                        lines.append(line.rstrip("\n"))
    return lines + TRICKY


def test_hugging_face_encodes_identically(trained):
    lines = sample_lines()
    result = subprocess.run([khudi_tokenize(), "encode", "--tokenizer", str(trained), "--ids"],
                            input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
    ours = [[int(x) for x in row.split()] for row in result.stdout.split("\n")[:-1]]
    assert len(ours) == len(lines)
    hf = Tokenizer.from_file(str(trained / "tokenizer.json"))
    mismatches = [(line, mine, hf.encode(line, add_special_tokens=False).ids)
                  for line, mine in zip(lines, ours) if mine != hf.encode(line, add_special_tokens=False).ids]
    assert not mismatches, mismatches[:3]
    assert len(lines) > 500


def test_decoding_round_trips_after_normalization(trained):
    hf = Tokenizer.from_file(str(trained / "tokenizer.json"))
    for line in sample_lines()[:400] + TRICKY:
        ids = hf.encode(line, add_special_tokens=False).ids
        assert hf.decode(ids, skip_special_tokens=False) == unicodedata.normalize("NFC", line)


def test_special_tokens_sit_at_fixed_ids(trained):
    hf = Tokenizer.from_file(str(trained / "tokenizer.json"))
    for i, token in enumerate(["<|pad|>", "<|bos|>", "<|eos|>", "<unk>", "<|system|>", "<|user|>", "<|assistant|>"]):
        assert hf.token_to_id(token) == i
