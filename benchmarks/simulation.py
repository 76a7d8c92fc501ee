"""The long closed-loop simulation: `hr-pipeline simulate` at the demo size, every policy, and its wall time.

Run: `python3 -m uv run python benchmarks/simulation.py [--out DIR] [--employees N] [--weeks W]
[--drift-at-week K] [--policy all] [--seed S]`. Prints the simulation's weekly lines and summary table as they
come, then the wall time per policy and in all. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from hr_pipeline.simulation.spec import WEEKS_FILE, Simulation
from hr_pipeline.synth.spec import WorldSpec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=None, help="simulation folder (default: a temporary one)")
    parser.add_argument("--employees", type=int, default=WorldSpec.employees)
    parser.add_argument("--burn-in-years", type=int, default=Simulation.burn_in_years)
    parser.add_argument("--weeks", type=int, default=Simulation.weeks)
    parser.add_argument("--drift-at-week", type=int, default=Simulation.drift_at_week)
    parser.add_argument("--policy", default="all")
    parser.add_argument("--seed", type=int, default=WorldSpec.seed)
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="hr_simulation_bench_"))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hr_pipeline.cli", "simulate", "--out", str(out), "--employees",
                    str(args.employees), "--burn-in-years", str(args.burn_in_years), "--weeks", str(args.weeks),
                    "--drift-at-week", str(args.drift_at_week), "--policy", args.policy, "--seed", str(args.seed)],
                   check=True)
    wall = time.perf_counter() - started
    weeks = pd.read_parquet(out / "simulation" / WEEKS_FILE)
    per_week = weeks.groupby("policy", sort=False)["seconds"].agg(["sum", "mean", "max"])
    print(f"\n{'policy':<10}{'all weeks':>11}{'mean s':>9}{'max s':>8}")
    for policy, row in per_week.iterrows():
        print(f"{policy:<10}{row['sum']:>9.0f} s{row['mean']:>9.1f}{row['max']:>8.0f}")
    print(f"wall time, burn-in builds included: {wall / 60:.1f} min ({out})")


if __name__ == "__main__":
    main()
