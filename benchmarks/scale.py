"""The whole loop at a size: wall time, peak memory and rows per phase of a full build and of the weekly run after
it, and the bare-DuckDB floor that the transform phase is held against.

Run: `python3 -m uv run python benchmarks/scale.py --employees N --years Y [--home DIR] [--seed S]`.
Generates the world (or reuses the landing under `--home`), holds its newest weekly extract folder of every system
back and runs `hr-pipeline run` on the rest: every phase through the real Dagster job (ingest, dbt, the gate, both
models, scoring, routing, drift, fairness, reviews, the report, exports, the outbox, docs). Then the floor: the
warehouse models' compiled SQL (a full build, as `dbt compile --full-refresh` renders it) executed in dependency
order in one DuckDB connection on a copy of that warehouse. Then the held-back week goes in place and the weekly run
follows. Peak memory is the whole process tree's (dbt's child included), sampled. Prints one Markdown table with
the machine's facts and writes it to `benchmarks/results/scale-<N>x<Y>-<date>.md`. Figures are measured on the
run, never asserted. Uses `HR_PIPELINE_SALT` if set, else the demo's public salt.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
from _runs import (MIB, OUTSIDE_STEPS, PAGE, SAMPLE_SECONDS, Run, TreeMemory, newest_week_held_back, prepare_home,
                   run_measured, tree_rss)

from hr_pipeline.progress import PHASES
from hr_pipeline.settings import DuckDBLimits, Settings
from hr_pipeline.synth.extracts import TRUTH_DIR
from hr_pipeline.warehouse.dbt_child import DBT_PROJECT_DIR
from hr_pipeline.warehouse.project import REVIEW_SELECTION, run_dbt

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TRANSFORM = PHASES["warehouse_models"]


@dataclass
class Floor:
    models: int
    seconds: float
    extra_mib: float  # resident memory above this process's own before the first statement


def dbt_seconds(run_id: str) -> Counter:
    """Seconds dbt itself spent per resource type (model, test, seed) in a run's warehouse build: its
    run_results.json, in the per-call target folder dagster-dbt gave it (`warehouse_models-<run id[:7]>-<id>`)."""
    folder = max((DBT_PROJECT_DIR / "target").glob(f"warehouse_models-{run_id[:7]}-*"), key=lambda p: p.stat().st_mtime)
    seconds: Counter = Counter()
    for result in json.loads((folder / "run_results.json").read_text())["results"]:
        seconds[result["unique_id"].split(".")[0]] += result["execution_time"]
    return seconds


def run_floor(settings: Settings) -> Floor:
    """The warehouse models' compiled SQL as plain `CREATE OR REPLACE` statements in one DuckDB connection, on a
    copy of the home's warehouse beside it (same disk; removed after). Ephemeral models are inlined by dbt into
    their readers; the seeds are read as the pipeline loaded them. DuckDB keeps to the pipeline's `DuckDBLimits`."""
    floor = Settings(home=settings.home / "floor")
    shutil.rmtree(floor.home, ignore_errors=True)
    floor.home.mkdir()
    try:
        shutil.copyfile(settings.warehouse_path, floor.warehouse_path)
        compiled = run_dbt(floor, "compile", "--full-refresh", "--exclude", REVIEW_SELECTION, "--quiet", timeout=None)
        if compiled.returncode:
            raise RuntimeError(f"dbt compile failed:\n{compiled.stdout}{compiled.stderr}")
        nodes = json.loads((floor.home / "dbt_target" / "manifest.json").read_text())["nodes"]
        models = {uid: node for uid, node in nodes.items() if node["resource_type"] == "model" and node.get("compiled")
                  and node["config"]["materialized"] != "ephemeral"}  # compiled: what the selection took
        order = TopologicalSorter({uid: [d for d in node["depends_on"]["nodes"] if d in models]
                                   for uid, node in models.items()}).static_order()
        statements = [f"CREATE OR REPLACE {'VIEW' if models[uid]['config']['materialized'] == 'view' else 'TABLE'} "
                      f"{models[uid]['relation_name']} AS {models[uid]['compiled_code']}" for uid in order]
        con = duckdb.connect(str(floor.warehouse_path), config=DuckDBLimits.from_env().config())
        try:
            baseline = tree_rss(os.getpid())
            with TreeMemory(os.getpid()) as memory:
                start = time.perf_counter()
                for statement in statements:
                    con.execute(statement)
                seconds = time.perf_counter() - start
        finally:
            con.close()
    finally:
        shutil.rmtree(floor.home, ignore_errors=True)
    return Floor(len(statements), seconds, memory.peak_mib - baseline / MIB)


def _cells(run: Run, phase: str) -> list[str]:
    measured = run.phases.get(phase)
    if measured is None:
        return ["-", "-", "-"]
    return [f"{measured.seconds:.1f}", "-" if measured.peak_mib is None else f"{measured.peak_mib:,.0f}",
            "-" if measured.rows is None else f"{measured.rows:,d}"]


def machine() -> str:
    """The facts the figures depend on, taken before the runs (the load average says whether the machine was idle)."""
    return (f"Machine: {os.cpu_count()} cores, {PAGE * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB RAM, "
            f"{platform.platform()}, load average {os.getloadavg()[0]:.2f} at the start; DuckDB {duckdb.__version__}.")


def report(world: dict, facts: str, full: Run, weekly: Run, week: str, floor: Floor, dbt_full: Counter,
           dbt_weekly: Counter) -> str:
    """The Markdown page: the machine, the table, the transform phase against the floor, and how it was measured."""
    lines = [f"# Scale: {world['employees']:,d} employees x {world['years']} years (seed {world['seed']}), "
             f"{date.today()}", "", f"{facts} Figures are measured on this run, never asserted.", "",
             f"| phase | full build s | peak MiB | rows | weekly run ({week}) s | peak MiB | rows |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    phases = [p for p in dict.fromkeys([*full.phases, *weekly.phases]) if p != OUTSIDE_STEPS] + [OUTSIDE_STEPS]
    lines += [f"| {' | '.join([phase, *_cells(full, phase), *_cells(weekly, phase)])} |" for phase in phases]
    lines += [f"| whole run (wall) | {full.wall:.1f} | {full.peak_mib:,.0f} | | {weekly.wall:.1f} | "
              f"{weekly.peak_mib:,.0f} | |", ""]
    lines += [f"The quality gate blocked the {name}: the phases after it did not run." for name, run in
              (("full build", full), ("weekly run", weekly)) if run.blocked]
    transform = full.phases[TRANSFORM].seconds
    lines += [f"- {TRANSFORM}, in dbt's own timing (run_results.json): full build models {dbt_full['model']:.1f} s, "
              f"tests {dbt_full['test']:.1f} s, seeds {dbt_full['seed']:.1f} s; weekly run models "
              f"{dbt_weekly['model']:.1f} s, tests {dbt_weekly['test']:.1f} s.",
              f"- Floor: the {floor.models} warehouse models' compiled SQL in one DuckDB connection "
              f"({DuckDBLimits.from_env()}), "
              f"{floor.seconds:.1f} s, {floor.extra_mib:,.0f} MiB resident above the process before it.",
              f"- Transform phase / floor: {transform / floor.seconds:.2f}x ({TRANSFORM} step {transform:.1f} s, dbt "
              f"tests included); dbt's models alone / floor: {dbt_full['model'] / floor.seconds:.2f}x.",
              f"- Peak memory: resident memory summed over `hr-pipeline run` and its children, sampled every "
              f"{SAMPLE_SECONDS} s and put to the step running then; `-` where no sample fell inside the phase.",
              "- Rows: ingest, the new rows loaded; any other phase, the rows now in the warehouse tables it "
              "materialised (views not counted; `-` where it wrote no table)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--home", default=None, help="pipeline home; a landing there is reused, whatever its size "
                                                     "(default: a temporary folder)")
    args = parser.parse_args()
    facts = machine()
    home = Path(args.home or tempfile.mkdtemp(prefix="hr_scale_bench_")).resolve()
    settings = prepare_home(home, args.employees, args.years, args.seed)
    world = json.loads((home / TRUTH_DIR / "world.json").read_text())["spec"]  # what the reused landing holds
    with newest_week_held_back(settings) as week:
        print(f"{home}: full build up to the week before {week} ...", flush=True)
        full = run_measured(settings)
        print("the floor: the warehouse models' compiled SQL in one DuckDB connection ...", flush=True)
        floor = run_floor(settings)
    print(f"weekly run with the extracts of {week} ...", flush=True)
    weekly = run_measured(settings)

    page = report(world, facts, full, weekly, week, floor, dbt_seconds(full.run_id), dbt_seconds(weekly.run_id))
    RESULTS_DIR.mkdir(exist_ok=True)
    written = RESULTS_DIR / f"scale-{world['employees']}x{world['years']}-{date.today()}.md"
    written.write_text(page)
    print(f"\n{page}\nwritten to {written}")


if __name__ == "__main__":
    main()
