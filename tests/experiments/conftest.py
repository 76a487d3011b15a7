"""experiments/ holds scripts run from a checkout (`python -m experiments.pretrain_vs_scratch`), not an
installed package: make the checkout importable for these tests, as `python -m` from its root does."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
