"""Time the ML phase (training, scoring, routing, queue, explanations of both models) on a built home.

Run: `.venv/bin/python benchmarks/ml.py --home DIR`, DIR a home after `hr-pipeline run` (its warehouse.duckdb).
Works on a copy of the warehouse without its `ml` schema, so both models train from scratch as on a first
run. Prints each ML asset's step time, the phase's wall time and peak memory; figures are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import dagster as dg
import duckdb

from hr_pipeline.ml.assets import ml_assets
from hr_pipeline.resources import Warehouse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", required=True, help="a home after `hr-pipeline run`")
    args = parser.parse_args()
    source = Path(args.home).resolve() / "warehouse.duckdb"
    with tempfile.TemporaryDirectory(prefix="hr_ml_bench_") as scratch:
        home = Path(scratch)
        shutil.copy(source, home / "warehouse.duckdb")
        with duckdb.connect(str(home / "warehouse.duckdb")) as con:
            con.execute("DROP SCHEMA IF EXISTS ml CASCADE")
            applications, months = con.execute("""
                SELECT (SELECT count(*) FROM marts.fct_decision_outcomes),
                       (SELECT count(*) FROM marts.fct_employee_month)""").fetchone()
        print(f"{source}: {applications:,} screened applications, {months:,} employee-months")
        began = time.perf_counter()
        result = dg.materialize(ml_assets, resources={"warehouse": Warehouse(home=str(home))},
                                instance=dg.DagsterInstance.ephemeral())
        wall = time.perf_counter() - began
        for event in result.all_events:
            if event.event_type_value == "STEP_SUCCESS":
                print(f"  {event.step_key}: {event.event_specific_data.duration_ms / 1000:.1f} s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"ML phase: {wall:.0f} s wall, peak memory {peak:,.0f} MiB, success={result.success}")


if __name__ == "__main__":
    main()
