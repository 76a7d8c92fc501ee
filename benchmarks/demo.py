"""Measure `hr-pipeline demo` at the default size (wall time, peak memory) and the code-location load time.

Run: `python3 -m uv run python benchmarks/demo.py [--home DIR]`. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", default=None, help="where to run the demo (default: a temporary folder)")
    args = parser.parse_args()
    home = Path(args.home or tempfile.mkdtemp(prefix="hr_demo_bench_"))
    shutil.rmtree(home, ignore_errors=True)

    load = min(_timed([sys.executable, "-c", "import hr_pipeline.definitions"]) for _ in range(3))
    demo = _timed([sys.executable, "-m", "hr_pipeline.cli", "demo", "--home", str(home)])
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size_mib = (home / "warehouse.duckdb").stat().st_size / 2**20
    print(f"code location load (best of 3): {load:.1f} s")
    print(f"hr-pipeline demo wall time:     {demo:.1f} s")
    print(f"peak memory (largest process):  {peak_mib:.0f} MiB")
    print(f"warehouse size:                 {size_mib:.1f} MiB")


if __name__ == "__main__":
    main()
