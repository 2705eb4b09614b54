"""Dataset cards parse, carry every field of the card format, and tell the truth about files."""
import hashlib
import re

import pytest
import yaml

from conftest import ROOT

CARDS = sorted((ROOT / "datasets" / "cards").glob("*.yaml"))
REQUIRED = {"id", "name", "languages", "description", "licence", "redistributable", "source",
            "version", "files", "size", "how_to_obtain"}
LANGUAGES = {"urd", "urd_Latn", "snd", "pbt", "pnb", "skr", "bal", "kas", "eng", "fas", "arb",
             "pan", "hin", "pes", "prs"}


def load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_there_are_cards_for_the_corpora_users_bring():
    ids = {load(path)["id"] for path in CARDS}
    assert {"makhzan", "flores-200", "leipzig-pashto-news", "ud-urdu-udtb",
            "khudi-sample"} <= ids


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.name)
def test_card_has_the_documented_fields(path):
    card = load(path)
    missing = REQUIRED - card.keys()
    assert not missing, f"{path.name}: missing {sorted(missing)}"
    unknown = card.keys() - REQUIRED - {"sha256_note", "notes"}
    assert not unknown, f"{path.name}: unknown fields {sorted(unknown)}"
    assert card["id"] == path.stem
    assert isinstance(card["redistributable"], bool)
    assert set(card["languages"]) <= LANGUAGES, f"{path.name}: unknown language code"
    assert card["files"], f"{path.name}: no files listed"
    for entry in card["files"]:
        digest = entry["sha256"]
        assert digest is None or re.fullmatch(r"[0-9a-f]{64}", digest), entry
    if any(entry["sha256"] is None for entry in card["files"]):
        assert card.get("sha256_note"), f"{path.name}: a null sha256 needs a sha256_note"


def test_sample_card_matches_the_files_on_disk():
    card = load(ROOT / "datasets" / "cards" / "khudi-sample.yaml")
    listed = {entry["path"]: entry for entry in card["files"]}
    on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "datasets" / "sample").rglob("*.txt")}
    assert set(listed) == on_disk, "regenerate with scripts/fixtures/make_sample_card.py"
    for path, entry in listed.items():
        data = (ROOT / path).read_bytes()
        assert entry["bytes"] == len(data), path
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), path
