"""Shared fixtures: synthetic worlds run through the real pipeline (Dagster, dbt, DuckDB, GX, Evidently)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

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


def run_world(home: Path, **world) -> PipelineRun:
    """Generate a world into `home` and materialise every asset through Dagster's Python API."""
    generate_world(home, as_of=AS_OF, **world)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HR_PIPELINE_HOME", str(home))
        mp.setenv("HR_PIPELINE_SALT", TEST_SALT)
        from hr_pipeline.definitions import build_defs, feedback_loop_job

        job = build_defs().resolve_job_def(feedback_loop_job.name)
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    return PipelineRun(home, result)


@pytest.fixture(scope="session")
def default_run(tmp_path_factory) -> PipelineRun:
    """A world large enough for a meaningful time-ordered holdout, with a drift event."""
    return run_world(tmp_path_factory.mktemp("world"), employees=600, years=3, seed=11,
                     drift_at=date(2026, 2, 16))


@pytest.fixture(scope="session")
def gated_run(tmp_path_factory) -> PipelineRun:
    """A world whose candidates lack years_experience 10 % of the time: the gate must block."""
    return run_world(tmp_path_factory.mktemp("gated"), employees=150, years=2, seed=5,
                     missing=parse_missing(["candidates.years_experience=0.10"]))
