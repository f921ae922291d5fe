"""Lets the tests import bench/harness, the FastAPI baseline's resize module and localserver."""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / "baselines" / "fastapi"))
sys.path.insert(0, str(BENCH / "tests"))
