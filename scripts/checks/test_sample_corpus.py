"""The sample corpus is big enough, valid UTF-8, original, and messy in the documented ways."""
import unicodedata

import make_sample_messy
import pytest

from conftest import ROOT, SHARED_DATASETS

SAMPLE = ROOT / "datasets" / "sample"


def test_every_file_is_valid_utf8():
    for path in SAMPLE.rglob("*.txt"):
        path.read_bytes().decode("utf-8")


def test_there_are_at_least_100_kib_of_urdu():
    urdu = sum(p.stat().st_size for p in (SAMPLE / "urd").glob("*.txt"))
    assert urdu >= 100 * 1024, urdu


@pytest.mark.parametrize("language", ["snd", "pbt", "pnb", "urd_Latn", "eng"])
def test_each_other_language_has_some_text(language):
    text = (SAMPLE / language / "sample.txt").read_text(encoding="utf-8")
    assert len(text.split()) >= 150


def test_sindhi_and_pashto_use_their_own_letters():
    sindhi = (SAMPLE / "snd" / "sample.txt").read_text(encoding="utf-8")
    pashto = (SAMPLE / "pbt" / "sample.txt").read_text(encoding="utf-8")
    assert "\u06aa" in sindhi and "\u06fd" in sindhi  # ڪ and ۽
    assert all(letter in pashto for letter in "ټډړږښڼېۍ")


def test_messy_file_is_what_its_generator_writes():
    committed = (SAMPLE / "urd" / "messy.txt").read_text(encoding="utf-8")
    assert committed == make_sample_messy.render(), "rerun scripts/fixtures/make_sample_messy.py"


@pytest.mark.parametrize("name, needle", [
    ("Arabic yeh", "\u064a"), ("Arabic kaf", "\u0643"), ("lam-alef ligature", "\ufefb"),
    ("final alef form", "\ufe8e"), ("decomposed madda", "\u0627\u0653"),
    ("Farsi yeh + hamza above", "\u06cc\u0654"), ("zer", "\u0650"), ("tatweel", "\u0640"),
    ("RLM", "\u200f"), ("ZWSP", "\u200b"), ("ZWNJ", "\u200c"), ("emoji ZWJ", "\u200d"),
    ("BOM", "\ufeff"), ("soft hyphen", "\u00ad"), ("honorific ligature", "\ufdfa"),
    ("Arabic-Indic digit", "\u0662"), ("Extended Arabic-Indic digit", "\u06f1"),
    ("URL", "https://"), ("e-mail", "@example.org"), ("mobile number", "0300-1234567"),
    ("CNIC", "35202-1234567-1"), ("code-mixed English", "dataset clean"), ("tab", "\t"),
])
def test_messy_file_has(name, needle):
    assert needle in (SAMPLE / "urd" / "messy.txt").read_text(encoding="utf-8"), name


def test_messy_file_repeats_a_whole_clean_document():
    messy = (SAMPLE / "urd" / "messy.txt").read_text(encoding="utf-8").split("\n\n")
    notices = (SAMPLE / "urd" / "civic-notices.txt").read_text(encoding="utf-8").split("\n\n")
    assert notices[0].strip() in [doc.strip() for doc in messy]


def test_no_paragraph_is_copied_from_the_shared_corpora():
    """The data rules forbid committing third-party text; no sample line may equal one there."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"{SHARED_DATASETS} is absent; cannot compare against the shared corpora")
    ours = {unicodedata.normalize("NFC", line.strip())
            for path in SAMPLE.rglob("*.txt")
            for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 40}
    copied = []
    for path in SHARED_DATASETS.rglob("*"):
        if path.suffix not in {".txt", ".jsonl", ".tsv"} or not path.is_file():
            continue
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                line = unicodedata.normalize("NFC", line.strip())
                if line in ours:
                    copied.append((path.name, line[:60]))
    assert not copied, copied[:5]
