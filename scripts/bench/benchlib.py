"""The benchmark convention: run Khudi and its peer in one invocation, print JSON lines.

Every benchmark under scripts/bench/ prints one JSON object per measurement to stdout:
    {"bench": ..., "case": ..., "metric": ..., "khudi": X, "peer": NAME, "peer_value": Y,
     "ratio": X / Y (or Y / X for lower-is-better metrics, so > 1 always means Khudi is ahead),
     "khudi_peak_rss_mb": ..., "peer_peak_rss_mb": ..., "threads": ...}
Progress and notes go to stderr. Peak RSS is the child process's own maximum resident set
(from wait4), so each side is measured in its own process. Linux carries a forked child's
peak RSS across exec, so a benchmark script must not import its peer (torch, numpy) itself.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run_measured(command, env=None):
    """Runs `command`; returns (stdout text, peak RSS in MB). Raises on a non-zero exit."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"bench: {' '.join(map(str, command))} exited {process.returncode}")
    return output, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def build_release(product):
    """Builds one Khudi product in release mode and returns its path.

    With KHUDI_TARGET_CPU set (an LLVM CPU name such as haswell, which brings AVX2 and FMA), the
    build targets that CPU in its own scratch directory, .build-<cpu>; the binary then runs only
    on such CPUs. Unset, the build is the portable baseline users get by default."""
    cpu = os.environ.get("KHUDI_TARGET_CPU")
    extra = ["-Xswiftc", "-target-cpu", "-Xswiftc", cpu, "--scratch-path", f".build-{cpu}"] if cpu else []
    log(f"building {product} (release{', target cpu ' + cpu if cpu else ''})")
    subprocess.run(["swift", "build", "-c", "release", "--product", product, *extra], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    binary = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path", *extra], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout.strip()
    return Path(binary) / product


def machine():
    """The CPU the numbers were taken on (model name, family/model/stepping, cores, MHz): the
    absolute figures move with it (the same build cleans about 40% faster on a Zen 4 than on a
    Zen 1 EPYC), so every benchmark prints it once beside its ratios."""
    info = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key in ("model name", "cpu family", "model", "stepping", "cpu MHz") and key not in info:
                info[key] = value
    except OSError:
        pass
    return {"cpu": info.get("model name", "unknown"),
            "cpu_family_model_stepping": "/".join(info.get(k, "?") for k in ("cpu family", "model", "stepping")),
            "cpu_mhz": round(float(info.get("cpu MHz", 0) or 0)), "cores": os.cpu_count(),
            "khudi_target_cpu": os.environ.get("KHUDI_TARGET_CPU", "baseline")}


def emit_machine(bench):
    """Prints the benchmark's machine line (`machine()`)."""
    emit({"bench": bench, "case": "machine", **machine()})


def emit(record):
    """Prints one measurement line."""
    print(json.dumps(record, sort_keys=True), flush=True)


def compare(bench, case, metric, khudi, peer, peer_value, higher_is_better=True, **extra):
    """Emits a Khudi-versus-peer line with the ratio oriented so that > 1 favours Khudi."""
    ratio = khudi / peer_value if higher_is_better else peer_value / khudi
    emit({"bench": bench, "case": case, "metric": metric, "khudi": float(f"{khudi:.4g}"),
          "peer": peer, "peer_value": float(f"{peer_value:.4g}"), "ratio": round(ratio, 3),
          **extra})
