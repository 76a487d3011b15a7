"""Run the `uir` command in a fresh interpreter where some packages cannot be imported.

The block is a meta-path finder inserted first, so an installed torch (or datasets, ray, …) behaves
exactly as if it were absent: `import torch` raises ModuleNotFoundError.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

_PRELUDE = """
import sys

BLOCKED = set({blocked!r})


class _Unimportable:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, _Unimportable())
"""


def run_python(code: str, blocked: Sequence[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `code` with `blocked` top-level packages unimportable; text output captured."""
    source = _PRELUDE.format(blocked=sorted(blocked)) + code
    return subprocess.run([sys.executable, "-c", source], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def run_uir(args: Sequence[str], blocked: Sequence[str], cwd: Path) -> subprocess.CompletedProcess:
    """`uir ARGS…` in a subprocess with `blocked` packages unimportable."""
    code = f"from cli.main import main\nsys.exit(main({list(args)!r}))\n"
    return run_python(code, blocked, cwd)
