"""bench.degradations keeps printing what the speed issue asks for: both ratio columns, for the real peer.

Nothing here is timed against a threshold (speed lives in `make bench`); these check the harness itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# bench.degradations pins every library to one thread at import, so it runs in a child, not in this process.
MEDIANS = """
from bench.degradations import interleaved_medians
calls = {"small": 0, "large": 0}
def work(n, name):
    calls[name] += 1
    sum(range(n))
seconds = interleaved_medians({"small": lambda: work(2_000, "small"), "large": lambda: work(200_000, "large")}, 11)
print(seconds["large"] / seconds["small"], calls["small"], calls["large"])
"""


def test_interleaved_medians_ranks_more_work_slower():
    result = subprocess.run([sys.executable, "-c", MEDIANS], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, check=True)
    ratio, small_calls, large_calls = result.stdout.split()
    assert float(ratio) > 10
    assert int(small_calls) > int(large_calls) > 11  # every round ran every case, the cheap one more often


def test_jpeg_run_prints_the_plain_and_the_seeded_ratio_against_both_peers():
    result = subprocess.run(
        [sys.executable, "-m", "bench.degradations", "--types", "J", "--size", "48", "--reps", "11"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=True,
    )
    matched = [line for line in result.stdout.splitlines() if line.startswith("matched ")]
    assert len(matched) == 4, result.stdout  # q30 and q50, each against the plain and the BGR-fed peer
    assert sum("fed BGR" in line for line in matched) == 2
    for line in matched:
        assert "ours/peer" in line and "with per-pair seeding" in line, line
    header = next(line for line in result.stdout.splitlines() if line.startswith("| type |"))
    assert "ours/peer with per-pair seeding" in header
    rows = [line for line in result.stdout.splitlines() if line.startswith("| q")]
    assert len(rows) == 12, rows  # every documented level has its floor ratio


def test_fewer_than_eleven_rounds_is_refused():
    result = subprocess.run([sys.executable, "-m", "bench.degradations", "--types", "J", "--reps", "5"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "at least 11 repetitions" in result.stderr
