"""What a weekly run costs against a full build of the same world: the pipeline's time per phase for both.

Run: `python3 -m uv run python benchmarks/weekly_run.py [--home DIR] [--employees N] [--years Y] [--seed S]`.
Generates the world (or reuses the landing under `--home`), holds its newest weekly extract folder of every
system back, runs `hr-pipeline run` on the rest (the full build of a fresh home), then puts the held-back week
in place and runs again: the weekly run, as the Monday schedule would after the extract sensor saw the new
folders. Prints both runs' wall time and phase times and their ratio. Figures are printed, never asserted.
Uses `HR_PIPELINE_SALT` if set, else the demo's public salt.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _runs import newest_week_held_back, prepare_home, run_measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", default=None, help="pipeline home (default: a temporary folder)")
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    home = Path(args.home or tempfile.mkdtemp(prefix="hr_weekly_bench_"))
    settings = prepare_home(home, args.employees, args.years, args.seed)
    with newest_week_held_back(settings) as week:
        print(f"{home}: full build up to the week before {week} ...", flush=True)
        full = run_measured(settings)
    print(f"weekly run with the extracts of {week} ...", flush=True)
    weekly = run_measured(settings)

    print(f"\n{'phase':<28}{'full build':>12}{'weekly run':>12}{'ratio':>8}")
    for phase in dict.fromkeys([*full.phases, *weekly.phases]):
        before, after = (run.phases[phase].seconds if phase in run.phases else 0.0 for run in (full, weekly))
        print(f"{phase:<28}{before:>10.1f} s{after:>10.1f} s{f'{after / before:.0%}' if before else '-':>8}")
    print(f"{'wall time':<28}{full.wall:>10.1f} s{weekly.wall:>10.1f} s{weekly.wall / full.wall:>8.0%}")


if __name__ == "__main__":
    main()
