"""The README's first command works: `scripts/quickstart` runs every stage on the sample corpus
(clean, tokenizer, encode, pretraining, perplexity, a generated sample), and the trained
checkpoints' perplexity falls below the untrained model's. It runs on the debug build the
Swift tests already made (`--debug`), so it adds no release build to CI.
"""
import json
import subprocess

from conftest import ROOT


def test_quickstart_runs_every_stage_and_learns(tmp_path):
    output = tmp_path / "quickstart"
    result = subprocess.run([str(ROOT / "scripts" / "quickstart"), "--debug", "--output", str(output)],
                            cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "quickstart: 5 of 5 stages ran" in result.stdout
    report = json.loads((output / "eval" / "perplexity.json").read_text())
    models = report["models"]
    assert [m.get("step") for m in models] == [None, 150, 300]
    losses = [m["files"][0]["loss"] for m in models]
    assert losses[2] < losses[1] < losses[0] - 1, losses
    assert "== 5. a sample from the last checkpoint" in result.stdout
