"""Measure `hr-pipeline generate`: wall time, peak memory and output size for a world size.

Run: `.venv/bin/python benchmarks/generate.py --employees 100000 --years 3 [--out DIR]`. The generator
runs in a child process, so the peak resident memory reported is that process's (DuckDB included).
Figures are printed, never asserted.
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


def _size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=None, help="where to generate (default: a temporary folder, removed after)")
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="hr_generate_bench_"))
    shutil.rmtree(out, ignore_errors=True)

    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hr_pipeline.cli", "generate", "--out", str(out), "--employees",
                    str(args.employees), "--years", str(args.years), "--seed", str(args.seed)], check=True)
    wall = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux
    files, size = _size(out / "landing")
    _, truth = _size(out / "ground_truth")
    print(f"world:                {args.employees} employees x {args.years} years, seed {args.seed}")
    print(f"wall time:            {wall:.1f} s")
    print(f"peak memory (RSS):    {peak_mib:.0f} MiB")
    print(f"landing files:        {files} files, {size / 2**20:.1f} MiB")
    print(f"ground truth:         {truth / 2**20:.1f} MiB")
    if not args.out:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
