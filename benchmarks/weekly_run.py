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
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hr_pipeline.ingest.pseudonymise import DEMO_SALT, SALT_ENV
from hr_pipeline.settings import Settings

PHASE_LINE = re.compile(r"^(?P<phase>[a-z][a-z ]*?): .*\((?P<seconds>\d+) s\)$")  # the console's top-level lines


def run(home: Path) -> tuple[float, Counter]:
    """`hr-pipeline run` on `home`: its wall time and the seconds each console phase reported (summed)."""
    env = {**os.environ, SALT_ENV: os.environ.get(SALT_ENV, DEMO_SALT)}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "hr_pipeline.cli", "run", "--home", str(home)], env=env,
                         check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - start
    phases: Counter = Counter()
    for line in out.splitlines():
        if match := PHASE_LINE.match(line):
            phases[match["phase"]] += int(match["seconds"])
    return wall, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", default=None, help="pipeline home (default: a temporary folder)")
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    home = Path(args.home or tempfile.mkdtemp(prefix="hr_weekly_bench_"))
    settings = Settings(home=home)
    landing = settings.landing_dir
    if not landing.is_dir():
        subprocess.run([sys.executable, "-m", "hr_pipeline.cli", "generate", "--out", str(home), "--employees",
                        str(args.employees), "--years", str(args.years), "--seed", str(args.seed)], check=True,
                       stdout=subprocess.DEVNULL)
    for built in (settings.warehouse_path, settings.dagster_home, settings.models_dir, settings.reports_dir,
                  settings.exports_dir, settings.outbox_dir, settings.dbt_docs_dir):  # a fresh home
        shutil.rmtree(built, ignore_errors=True) if built.is_dir() else built.unlink(missing_ok=True)

    held = home / "held_back"
    weeks = {system: max(p.name for p in system.iterdir() if p.is_dir()) for system in landing.iterdir()}
    for system, week in weeks.items():
        (held / system.name).mkdir(parents=True, exist_ok=True)
        (system / week).rename(held / system.name / week)
    print(f"{home}: full build up to the week before {max(weeks.values())} ...", flush=True)
    full_wall, full = run(home)
    for system, week in weeks.items():
        (held / system.name / week).rename(system / week)
    print(f"weekly run with the extracts of {max(weeks.values())} ...", flush=True)
    weekly_wall, weekly = run(home)

    print(f"\n{'phase':<22}{'full build':>12}{'weekly run':>12}{'ratio':>8}")
    for phase in dict.fromkeys([*full, *weekly]):
        ratio = f"{weekly[phase] / full[phase]:.0%}" if full[phase] else "-"
        print(f"{phase:<22}{full[phase]:>10} s{weekly[phase]:>10} s{ratio:>8}")
    print(f"{'wall time':<22}{full_wall:>10.0f} s{weekly_wall:>10.0f} s{weekly_wall / full_wall:>8.0%}")


if __name__ == "__main__":
    main()
