"""Tokenizer benchmark: training time and peak RSS for a 32k vocabulary on Maḵẖzan, and
encoding throughput, for Khudi's byte-level BPE and Unigram, Hugging Face tokenizers'
byte-level BPE (with Khudi's pre-tokenizer) and Unigram (Metaspace), and SentencePiece BPE and
Unigram (character_coverage 1.0, long sentences allowed; Khudi's Unigram uses the same
coverage). Each side trains in its own process (peak RSS per process)."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchlib import build_release, compare, emit, emit_machine, log, run_measured

ROOT = Path(__file__).resolve().parents[2]

HF_TRAIN = r'''
import json, sys, time
from tokenizers import Tokenizer, models, trainers, pre_tokenizers, normalizers, Regex
path, vocab, pattern, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
t = Tokenizer(models.BPE())
t.normalizer = normalizers.NFC()
t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(pattern), "isolated"),
                                           pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
trainer = trainers.BpeTrainer(vocab_size=vocab, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
start = time.perf_counter(); t.train([path], trainer); seconds = time.perf_counter() - start
t.save(out)
print(json.dumps({"seconds": seconds}))
'''

SPM_TRAIN = r'''
import json, sys, time
import sentencepiece as spm
path, vocab, kind, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
start = time.perf_counter()
spm.SentencePieceTrainer.train(input=path, model_prefix=prefix, vocab_size=vocab, model_type=kind,
                               character_coverage=1.0, max_sentence_length=1_000_000, minloglevel=2,
                               num_threads=2)
print(json.dumps({"seconds": time.perf_counter() - start}))
'''

HF_UNIGRAM_TRAIN = r'''
import json, sys, time
from tokenizers import Tokenizer, models, trainers, pre_tokenizers, normalizers
path, vocab, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t = Tokenizer(models.Unigram())
t.normalizer = normalizers.NFC()
t.pre_tokenizer = pre_tokenizers.Metaspace()
trainer = trainers.UnigramTrainer(vocab_size=vocab, special_tokens=["<unk>"], unk_token="<unk>", show_progress=False)
start = time.perf_counter(); t.train([path], trainer); seconds = time.perf_counter() - start
t.save(out)
print(json.dumps({"seconds": seconds}))
'''

HF_ENCODE = r'''
import json, sys, time
from tokenizers import Tokenizer
t = Tokenizer.from_file(sys.argv[1])
lines = open(sys.argv[2], encoding="utf-8").read().split("\n")
start = time.perf_counter(); t.encode_batch(lines, add_special_tokens=False); seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds}))
'''

TIKTOKEN_ENCODE = r'''
import json, sys, time
import tiktoken
# Khudi's byte-level tokenizer.json as tiktoken ranks (token bytes -> id) with the same pattern.
data = json.load(open(sys.argv[1], encoding="utf-8"))
printable = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
characters = dict(zip(printable, printable))
extra = 0
for byte in range(256):
    if byte not in characters:
        characters[byte] = 256 + extra
        extra += 1
byte_of = {chr(c): b for b, c in characters.items()}
specials = {token["content"] for token in data["added_tokens"]}
ranks = {bytes(byte_of[ch] for ch in token): i for token, i in data["model"]["vocab"].items() if token not in specials}
pattern = data["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
encoding = tiktoken.Encoding("khudi", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
lines = open(sys.argv[2], encoding="utf-8").read().split("\n")
start = time.perf_counter(); encoding.encode_ordinary_batch(lines, num_threads=2); seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds}))
'''

MIXTURE_QUALITY = r'''
import csv, json, sys
import sentencepiece as spm
from tokenizers import Tokenizer
khudi, hf, spm_model, flores = sys.argv[1:5]
# QUOTE_NONE: FLORES sentences contain quotation marks, which csv's default quoting would
# take as field delimiters, merging rows (and other languages' columns) into one field.
rows = list(csv.DictReader(open(flores, encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
processor = spm.SentencePieceProcessor(model_file=spm_model)
def count(encode, column):
    return sum(len(encode(row[column])) for row in rows)
result = {}
for name, encode in (("khudi", lambda t, k=Tokenizer.from_file(khudi): k.encode(t, add_special_tokens=False).ids),
                     ("hf", lambda t, h=Tokenizer.from_file(hf): h.encode(t, add_special_tokens=False).ids),
                     ("spm-unigram", processor.encode)):
    result[name] = count(encode, "urd_Arab") / count(encode, "eng_Latn")
print(json.dumps(result))
'''

QUALITY = r'''
import csv, json, sys
import sentencepiece as spm
from tokenizers import Tokenizer
khudi, khudi_unigram, khudi_glued, hf, spm_model, flores = sys.argv[1:7]
# QUOTE_NONE: FLORES sentences contain quotation marks, which csv's default quoting would
# take as field delimiters, merging rows (and other languages' columns) into one field.
rows = list(csv.DictReader(open(flores, encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
urd = [r["urd_Arab"] for r in rows]
eng = [r["eng_Latn"] for r in rows]
words = sum(len(line.split()) for line in urd)
processor = spm.SentencePieceProcessor(model_file=spm_model)
def hf_count(path, lines):
    tokenizer = Tokenizer.from_file(path)
    return sum(len(tokenizer.encode(line, add_special_tokens=False).ids) for line in lines)
def spm_count(lines):
    return sum(len(processor.encode(line)) for line in lines)
result = {}
for name, count in (("khudi", lambda xs: hf_count(khudi, xs)), ("hf", lambda xs: hf_count(hf, xs)),
                    ("khudi-unigram", lambda xs: hf_count(khudi_unigram, xs)),
                    ("khudi-unigram-glued", lambda xs: hf_count(khudi_glued, xs)), ("spm-unigram", spm_count)):
    urdu, english = count(urd), count(eng)
    result[name] = {"fertility": urdu / words, "premium": urdu / english}
print(json.dumps(result))
'''


def quality(work, flores):
    """Urdu fertility (tokens per whitespace word) and premium versus English on FLORES-200 dev
    at equal vocabulary; Khudi's tokenizer.json is read by HF tokenizers, which encodes it to the
    same ids (the interop check)."""
    log("quality on FLORES-200 dev")
    out, _ = run_measured([sys.executable, "-c", QUALITY, str(work / "khudi/tokenizer.json"),
                           str(work / "khudi-unigram/tokenizer.json"),
                           str(work / "khudi-unigram-glued/tokenizer.json"), str(work / "hf.json"),
                           str(work / "spm-unigram.model"), str(flores)])
    scores = json.loads(out)
    for metric in ("fertility", "premium"):
        for ours, model in (("khudi", "byte-level BPE"), ("khudi-unigram", "unigram"),
                            ("khudi-unigram-glued", "unigram --no-isolate-punctuation")):
            for peer, label in (("hf", "hf tokenizers byte-level BPE"), ("spm-unigram", "sentencepiece unigram")):
                compare("tokenizer", f"urdu {metric} (FLORES-200 dev), khudi {model}", f"{metric} (lower is better)",
                        scores[ours][metric], label, scores[peer][metric], higher_is_better=False,
                        note="all trained on --input only; premium = urd_Arab tokens / eng_Latn tokens")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", default=str(ROOT.parent / "shared/datasets/urd/makhzan.train.txt"))
    parser.add_argument("--vocab-size", type=int, default=32000)
    parser.add_argument("--encode-bytes", type=int, default=10_000_000)
    args = parser.parse_args()
    emit_machine("tokenizer")
    if not Path(args.input).exists():
        sys.exit(f"bench: {args.input} is absent (the benchmark reads the team's Maḵẖzan copy)")
    work = Path(tempfile.mkdtemp(prefix="khudi-bench-tok-"))
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work):
    khudi = build_release("khudi-tokenize")

    log("khudi-tokenize train")
    start = os.times().elapsed
    _, khudi_rss = run_measured([str(khudi), "train", args.input, "--output", str(work / "khudi"),
                                 "--vocab-size", str(args.vocab_size)])
    khudi_seconds = os.times().elapsed - start
    with open(work / "khudi/tokenizer.json", encoding="utf-8") as written:
        # HF trains with Khudi's own split pattern, read from the tokenizer.json Khudi wrote.
        pattern = json.load(written)["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
    log("hf tokenizers train")
    out, hf_rss = run_measured([sys.executable, "-c", HF_TRAIN, args.input, str(args.vocab_size), pattern,
                                str(work / "hf.json")])
    hf_seconds = json.loads(out)["seconds"]
    compare("tokenizer", "train byte-level BPE", "seconds", khudi_seconds, "hf tokenizers (byte-level BPE, 2 threads)",
            hf_seconds, higher_is_better=False, khudi_peak_rss_mb=round(khudi_rss, 1), peer_peak_rss_mb=round(hf_rss, 1),
            vocab_size=args.vocab_size)
    log("sentencepiece bpe train")
    out, spm_bpe_rss = run_measured([sys.executable, "-c", SPM_TRAIN, args.input, str(args.vocab_size), "bpe",
                                     str(work / "spm-bpe")])
    spm_bpe_seconds = json.loads(out)["seconds"]
    compare("tokenizer", "train byte-level BPE vs sentencepiece bpe", "seconds", khudi_seconds, "sentencepiece bpe (2 threads)",
            spm_bpe_seconds, higher_is_better=False, khudi_peak_rss_mb=round(khudi_rss, 1),
            peer_peak_rss_mb=round(spm_bpe_rss, 1), vocab_size=args.vocab_size)
    # SentencePiece's BPE works on characters, as Khudi's --model bpe does (both with Metaspace).
    log("khudi-tokenize train --model bpe")
    start = os.times().elapsed
    _, bpe_rss = run_measured([str(khudi), "train", args.input, "--output", str(work / "khudi-bpe"),
                               "--vocab-size", str(args.vocab_size), "--model", "bpe", "--character-coverage", "1.0"])
    compare("tokenizer", "train character BPE", "seconds", os.times().elapsed - start, "sentencepiece bpe (2 threads)",
            spm_bpe_seconds, higher_is_better=False, khudi_peak_rss_mb=round(bpe_rss, 1),
            peer_peak_rss_mb=round(spm_bpe_rss, 1), vocab_size=args.vocab_size)

    log("khudi-tokenize train --model unigram")
    start = os.times().elapsed
    _, unigram_rss = run_measured([str(khudi), "train", args.input, "--output", str(work / "khudi-unigram"),
                                   "--vocab-size", str(args.vocab_size), "--model", "unigram",
                                   "--character-coverage", "1.0"])
    unigram_seconds = os.times().elapsed - start
    log("sentencepiece unigram train")
    out, rss = run_measured([sys.executable, "-c", SPM_TRAIN, args.input, str(args.vocab_size), "unigram",
                             str(work / "spm-unigram")])
    compare("tokenizer", "train unigram", "seconds", unigram_seconds, "sentencepiece unigram (2 threads)",
            json.loads(out)["seconds"], higher_is_better=False, khudi_peak_rss_mb=round(unigram_rss, 1),
            peer_peak_rss_mb=round(rss, 1), vocab_size=args.vocab_size)
    log("hf tokenizers unigram train")
    out, rss = run_measured([sys.executable, "-c", HF_UNIGRAM_TRAIN, args.input, str(args.vocab_size),
                             str(work / "hf-unigram.json")])
    compare("tokenizer", "train unigram", "seconds", unigram_seconds, "hf tokenizers unigram (2 threads)",
            json.loads(out)["seconds"], higher_is_better=False, khudi_peak_rss_mb=round(unigram_rss, 1),
            peer_peak_rss_mb=round(rss, 1), vocab_size=args.vocab_size)

    log("khudi-tokenize train --model unigram --no-isolate-punctuation (quality only)")
    run_measured([str(khudi), "train", args.input, "--output", str(work / "khudi-unigram-glued"),
                  "--vocab-size", str(args.vocab_size), "--model", "unigram", "--character-coverage", "1.0",
                  "--no-isolate-punctuation"])

    sample = work / "encode.txt"
    with open(args.input, encoding="utf-8") as source:
        text = source.read(args.encode_bytes)
    sample.write_text(text, encoding="utf-8")
    megabytes = len(text.encode()) / 1e6
    for ours, theirs, model in (("khudi", "hf.json", "byte-level BPE"),
                                ("khudi-unigram", "khudi-unigram/tokenizer.json", "unigram")):
        log(f"encode throughput ({model})")
        start = os.times().elapsed
        with open(sample, "rb") as stdin:
            subprocess.run([str(khudi), "encode", "--tokenizer", str(work / ours), "--ids"], stdin=stdin,
                           stdout=subprocess.DEVNULL, check=True)
        khudi_encode = os.times().elapsed - start
        out, _ = run_measured([sys.executable, "-c", HF_ENCODE, str(work / theirs), str(sample)])
        compare("tokenizer", f"encode {model}", "MB/s", megabytes / khudi_encode,
                "hf tokenizers encode_batch (2 threads)", megabytes / json.loads(out)["seconds"],
                megabytes=round(megabytes, 2),
                note="khudi: 2 threads, including process start, model load and writing ids as text; "
                     "unigram: hf encodes Khudi's own tokenizer.json")
        if ours == "khudi":
            out, _ = run_measured([sys.executable, "-c", TIKTOKEN_ENCODE, str(work / "khudi/tokenizer.json"),
                                   str(sample)])
            compare("tokenizer", "encode byte-level BPE", "MB/s", megabytes / khudi_encode,
                    "tiktoken encode_ordinary_batch (2 threads)", megabytes / json.loads(out)["seconds"],
                    megabytes=round(megabytes, 2),
                    note="tiktoken runs Khudi's vocabulary and pattern as ranks; it merges by the rank of the "
                         "result, not of the merge, so its ids can differ")

    flores = ROOT.parent / "shared/datasets/parallel/flores200.dev.tsv"
    if flores.exists():
        quality(work, flores)
        english = ROOT.parent / "shared/datasets/eng/speeches.train.txt"
        if english.exists():
            mixture(args, work, khudi, english, flores)
    else:
        log(f"{flores} is absent: quality skipped")


def mixture(args, work, khudi, english, flores):
    """A 32k Urdu+English tokenizer: Khudi weights the English 8×; the peers see the English file
    eight times, the same mixture. Premium = Urdu tokens / English tokens on FLORES-200 dev."""
    log("urdu+english mixture (english weight 8)")
    config = work / "mixture.yaml"
    config.write_text(f"vocab_size: {args.vocab_size}\nsources:\n"
                      f"  - {{ path: {args.input}, language: urd }}\n"
                      f"  - {{ path: {english}, language: eng, weight: 8 }}\n", encoding="utf-8")
    run_measured([str(khudi), "train", "--config", str(config), "--output", str(work / "khudi-mix")])
    mixed = work / "mixed.txt"
    with open(mixed, "w", encoding="utf-8") as out:
        out.write(Path(args.input).read_text(encoding="utf-8"))
        for _ in range(8):
            out.write(english.read_text(encoding="utf-8"))
    with open(work / "khudi-mix/tokenizer.json", encoding="utf-8") as written:
        pattern = json.load(written)["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
    run_measured([sys.executable, "-c", HF_TRAIN, str(mixed), str(args.vocab_size), pattern, str(work / "hf-mix.json")])
    run_measured([sys.executable, "-c", SPM_TRAIN, str(mixed), str(args.vocab_size), "unigram", str(work / "spm-mix")])
    out, _ = run_measured([sys.executable, "-c", MIXTURE_QUALITY, str(work / "khudi-mix/tokenizer.json"),
                           str(work / "hf-mix.json"), str(work / "spm-mix.model"), str(flores)])
    premiums = json.loads(out)
    for peer, label in (("hf", "hf tokenizers byte-level BPE"), ("spm-unigram", "sentencepiece unigram")):
        compare("tokenizer", "urdu premium, 32k urdu+english tokenizer (FLORES-200 dev)", "premium (lower is better)",
                premiums["khudi"], label, premiums[peer], higher_is_better=False,
                note="goal: khudi <= 1.3; english weighted 8x (about 30% of the text)")


if __name__ == "__main__":
    main()
