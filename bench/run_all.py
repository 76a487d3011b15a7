"""`make bench`: run every benchmark, each in its own process, one table after another on stdout."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

# name -> arguments. gpu_train needs CUDA: run it by hand. degradations runs as a build worker does (freed
# buffers kept mapped, uir_data/degrade/allocator.py).
BENCHMARKS = {
    "build_verify": [],
    "degradations": ["--keep-freed-memory"],
    "export": [],
    "loader": [],
    "ssim": [],
    "masked_layernorm": [],
    "train_cpu": [],
    "backbones": [],
    "plan_scale": [],
}


def main() -> int:
    failed = []
    for name, arguments in BENCHMARKS.items():
        if not (Path(__file__).parent / f"{name}.py").exists():
            print(f"\n## {name}: not present in this checkout\n")
            continue
        print(f"\n## bench.{name}\n", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", f"bench.{name}", *arguments])
        print(f"\n({name}: {time.perf_counter() - started:.0f} s, exit {code})", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
