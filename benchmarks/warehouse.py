"""Measure the dbt build of the warehouse and the quality gate on a loaded warehouse.

Run: `python3 -m uv run python benchmarks/warehouse.py --home DIR`, where `DIR/warehouse.duckdb`
holds the raw layer (e.g. from `hr-pipeline run`, or `benchmarks/ingest.py` copied there).
Builds every model before the gate (`dbt build`, tests included, reviews excluded), then runs every
suite in `expectations/` exactly as the gate checks do. Prints wall time and peak memory of each;
figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path


def peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", required=True, help="a home folder whose warehouse.duckdb has the raw layer")
    parser.add_argument("--skip-dbt", action="store_true", help="only the gate (the marts are already built)")
    args = parser.parse_args()
    home = Path(args.home).resolve()

    from hr_pipeline.settings import Settings
    from hr_pipeline.warehouse.project import REVIEW_SELECTION
    from hr_pipeline.warehouse.project import run_dbt

    if not args.skip_dbt:
        start = time.perf_counter()
        run_dbt(Settings(home=home), "build", "--exclude", REVIEW_SELECTION, "--quiet", timeout=None).check_returncode()
        print(f"dbt build (models + tests): {time.perf_counter() - start:7.1f} s, "
              f"peak {peak_mib(resource.RUSAGE_CHILDREN):,.0f} MiB")

    import great_expectations  # noqa: F401  (imported before the baseline: its import is not the gate's work)

    from hr_pipeline.quality.checks import SUITES, suite_parameters
    from hr_pipeline.quality.gx_gate import run_suites
    from hr_pipeline.resources import Warehouse

    warehouse = Warehouse(home=str(home))
    baseline = peak_mib(resource.RUSAGE_SELF)
    start = time.perf_counter()
    for suite in SUITES:  # one checkpoint per suite, as the Dagster checks run them
        began = time.perf_counter()
        (gate,) = run_suites(warehouse.path, [suite], warehouse.reports_dir, suite_parameters(warehouse))
        failed = ", ".join(r.line() for r in gate.failures) or "all passed"
        print(f"  {gate.table:32s} {time.perf_counter() - began:6.1f} s  {failed}")
    print(f"quality gate (all suites):  {time.perf_counter() - start:7.1f} s, "
          f"extra peak memory {peak_mib(resource.RUSAGE_SELF) - baseline:,.0f} MiB (process peak "
          f"{peak_mib(resource.RUSAGE_SELF):,.0f} MiB)")
    with warehouse.connect(read_only=True) as con:
        for table in ("fct_applications", "fct_decision_outcomes", "fct_employee_month", "fct_skill_inventory"):
            (rows,) = con.execute(f"SELECT count(*) FROM marts.{table}").fetchone()
            print(f"  marts.{table}: {rows:,d} rows")


if __name__ == "__main__":
    main()
