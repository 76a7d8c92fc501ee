"""Measure the ingest layer on a generated world: wall time, rows per second, peak memory.

Run: `python3 -m uv run python benchmarks/ingest.py --world DIR` (a folder `hr-pipeline generate`
wrote; `--employees N` generates one first). Loads every extract folder into a fresh DuckDB file
exactly as the ingest assets do. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from hr_pipeline.ingest.contracts import SYSTEMS
from hr_pipeline.ingest.loader import load_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--world", default=None, help="a generated world (default: generate one)")
    parser.add_argument("--employees", type=int, default=250, help="size of the world to generate")
    parser.add_argument("--years", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    world = Path(args.world or tempfile.mkdtemp(prefix="hr_ingest_bench_"))
    if not (world / "landing").exists():
        from hr_pipeline.synth.extracts import generate_world

        generate_world(world, employees=args.employees, years=args.years)

    warehouse = Path(tempfile.mkdtemp(prefix="hr_ingest_wh_")) / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    rows = files = 0
    start = time.perf_counter()
    for system in SYSTEMS:
        began = time.perf_counter()
        loads = load_system(con, world / "landing", system, "benchmark-salt")
        in_files = sum(load.rows_in_file or 0 for load in loads)
        print(f"{system:13s} {len(loads):6d} files {in_files:12,d} rows {time.perf_counter() - began:8.1f} s")
        rows, files = rows + in_files, files + len(loads)
    wall = time.perf_counter() - start
    con.close()
    print(f"total         {files:6d} files {rows:12,d} rows {wall:8.1f} s  ({rows / wall:,.0f} rows/s)")
    print(f"peak memory:  {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print(f"warehouse:    {warehouse.stat().st_size / 2**20:.0f} MiB ({warehouse})")


if __name__ == "__main__":
    main()
