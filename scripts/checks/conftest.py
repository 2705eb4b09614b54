"""Shared paths for the repository checks run by scripts/test (pytest, in .venv)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"
sys.path.insert(0, str(ROOT / "scripts" / "fixtures"))
