"""Shared fixtures: synthetic worlds run through the real pipeline (Dagster, dbt, DuckDB, GX, Evidently)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import dagster as dg
import duckdb
import pytest

from hr_pipeline.cli import DEMO_DRIFT_WEEKS_BEFORE_AS_OF
from hr_pipeline.synth.defects import DefectRates
from hr_pipeline.synth.extracts import generate_world, parse_missing

AS_OF = date(2026, 11, 16)
TEST_SALT = "test-salt"


@dataclass
class PipelineRun:
    home: Path
    result: dg.ExecuteInProcessResult

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.home / "warehouse.duckdb"), read_only=True)

    @property
    def materialized(self) -> set[str]:
        return {e.asset_key.to_user_string() for e in self.result.get_asset_materialization_events()}


def run_world(home: Path, before_run: Callable[[Path], None] | None = None, **world) -> PipelineRun:
    """Generate a world into `home`, let `before_run` tamper with it, and materialise every asset
    through Dagster's Python API."""
    generate_world(home, as_of=AS_OF, **world)
    if before_run:
        before_run(home)
    return materialise(home)


def materialise(home: Path) -> PipelineRun:
    """Materialise every asset for the landing zone under `home` (again), as a scheduled run would."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HR_PIPELINE_HOME", str(home))
        mp.setenv("HR_PIPELINE_SALT", TEST_SALT)
        from hr_pipeline.definitions import build_defs, feedback_loop_job

        job = build_defs().resolve_job_def(feedback_loop_job.name)
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    return PipelineRun(home, result)


DEMO_DRIFT_AT = AS_OF - timedelta(weeks=DEMO_DRIFT_WEEKS_BEFORE_AS_OF)


@pytest.fixture(scope="session")
def default_run(tmp_path_factory) -> PipelineRun:
    """The demo's world (its size, seed and drift event): what the README's first command shows is what is tested."""
    return run_world(tmp_path_factory.mktemp("world"), drift_at=DEMO_DRIFT_AT)


@pytest.fixture(scope="session")
def gated_run(tmp_path_factory) -> PipelineRun:
    """A world whose candidates lack years_experience 10 % of the time: the gate must block."""
    return run_world(tmp_path_factory.mktemp("gated"), employees=150, years=2, seed=5,
                     missing=parse_missing(["candidates.years_experience=0.10"]))


def small_world(tmp_path_factory, name: str, before_run: Callable[[Path], None] | None = None,
                employees: int = 150, years: int = 2, **rates: float) -> PipelineRun:
    """A small world with default defects except `rates` (DefectRates field names). Impossible values
    are off unless asked for: in so few hires one of them already crosses the 1 % validity bound."""
    return run_world(tmp_path_factory.mktemp(name), before_run=before_run, employees=employees, years=years, seed=5,
                     defects=replace(DefectRates(), **{"out_of_range": 0.0, **rates}))


@pytest.fixture(scope="session")
def validity_run(tmp_path_factory) -> PipelineRun:
    """Impossible ratings, weekly hours and start dates in 8 % of their records."""
    return small_world(tmp_path_factory, "validity", out_of_range=0.08)


@pytest.fixture(scope="session")
def uniqueness_run(tmp_path_factory) -> PipelineRun:
    """The ATS books 5 % of hires twice under a new hire_id."""
    return small_world(tmp_path_factory, "uniqueness", duplicate_key=0.05)


@pytest.fixture(scope="session")
def consistency_run(tmp_path_factory) -> PipelineRun:
    """Skills outside the taxonomy (10 % of mentions) and hires with another e-mail in the HRIS (10 %)."""
    return small_world(tmp_path_factory, "consistency", unknown_skill=0.10, unmatched_hire=0.10)


def copy_home(run: PipelineRun, target: Path) -> Path:
    """A copy of a run's home without its landing zone and Dagster history, for a test that writes: the warehouse
    with the model files its registry names (relative to it, so the copy loads its own)."""
    shutil.copytree(run.home, target, ignore=shutil.ignore_patterns("dagster", "landing"))
    return target


STALE_WEEKS = 3


def drop_latest_extracts(system: str, weeks: int) -> Callable[[Path], None]:
    """A feed that stopped or lags: the system's last `weeks` weekly extracts never arrived."""
    def drop(home: Path) -> None:
        for folder in sorted((home / "landing" / system).iterdir())[-weeks:]:
            shutil.rmtree(folder)

    return drop


@pytest.fixture(scope="session")
def stale_run(tmp_path_factory) -> PipelineRun:
    """250 people over three years, so that enough decisions have matured for the model to train; hires the
    HRIS never matches are off (in so few hires a handful at the default rate already crosses a bound)."""
    return small_world(tmp_path_factory, "stale", before_run=drop_latest_extracts("timetracking", STALE_WEEKS),
                       employees=250, years=3, unmatched_hire=0.0)


@pytest.fixture(scope="session")
def clean_cli_run(tmp_path_factory):
    """A small world run once through `hr-pipeline run` in a subprocess: the reference of the CLI tests."""
    from cli_world import generate, run_cli

    home = tmp_path_factory.mktemp("cli_clean")
    generate(home)
    run = run_cli(home)
    assert run.returncode == 0, run.output
    return run


def pytest_configure(config) -> None:
    """Parse the dbt project once in the controlling process, before test workers start, so that
    two workers never write dbt's manifest at the same time."""
    if not hasattr(config, "workerinput"):
        from hr_pipeline.warehouse.project import dbt_project, prepare_manifest

        prepare_manifest(dbt_project())
