"""The README's first command works: `scripts/quickstart` runs recipes/quickstart.yaml with
`khudi run` (clean, tokenizer, encode, pretraining, LoRA, perplexity, a generated sample), the
trained checkpoints' perplexity falls below the untrained model's, the manifest verifies, and a
second run skips every stage. It uses the debug build the Swift tests already made (`--debug`),
so it adds no release build to CI.
"""
import json
import subprocess

from conftest import ROOT


def test_quickstart_runs_every_stage_and_learns(tmp_path):
    output = tmp_path / "quickstart"
    command = [str(ROOT / "scripts" / "quickstart"), "--debug", "--output", str(output)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "quickstart: 7 stage(s) ran, 0 unchanged" in result.stdout
    report = json.loads((output / "perplexity" / "perplexity.json").read_text())
    models = report["models"]
    by_step = {m.get("step"): m["files"][0]["loss"] for m in models if "finetune" not in m["model"]}
    assert sorted(s for s in by_step if s is not None) == [100, 200, 300]
    assert by_step[300] < by_step[200] < by_step[100] < by_step[None] - 1, by_step
    assert any("finetune" in m["model"] for m in models)
    assert (output / "sample" / "sample.txt").read_text().strip()
    assert "khudi-manifest.json" in result.stdout

    verify = subprocess.run([str(ROOT / ".build" / "debug" / "khudi"), "verify", str(output)],
                            capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout

    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "quickstart: 0 stage(s) ran, 7 unchanged" in again.stdout
