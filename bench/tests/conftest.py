"""Lets the tests import bench/harness and the FastAPI baseline's resize module."""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / "baselines" / "fastapi"))
