"""A run killed in the middle ends FAILED in Dagster, stops its dbt child at once and leaves no rows of
its own; the next run completes to the same warehouse as a run never interrupted."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from cli_world import copy_landing, instance, run_cli, start_run, warehouse_differences

from hr_pipeline.cli import EXIT_INTERRUPTED

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("cli_world")]

DBT_CHILD = "hr-pipeline-dbt"


def children(pid: int, name: str) -> list[int]:
    """Processes whose parent is `pid` and whose command line mentions `name` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid and name in (stat.parent / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def run_rows(home: Path, run_id: str) -> dict[str, int]:
    """Rows of one run in every warehouse table that keeps rows per run."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        tables = con.execute("""SELECT DISTINCT c.schema_name, c.table_name FROM duckdb_columns() c
                                JOIN duckdb_tables() USING (database_name, schema_name, table_name)
                                WHERE c.column_name = 'run_id'""").fetchall()
        counts = {f"{s}.{t}": con.execute(f'SELECT count(*) FROM "{s}"."{t}" WHERE run_id = ?', [run_id]).fetchone()[0]
                  for s, t in tables}
    return {table: n for table, n in counts.items() if n}


# phase: (console line after which to kill, signal, wait for a dbt child before killing)
KILLS = {
    "ingest": ("ingest ats:", signal.SIGTERM, False),
    "dbt": ("ingest timetracking:", signal.SIGKILL, True),
    "dbt-sigterm": ("ingest timetracking:", signal.SIGTERM, True),
    "gate": ("quality gate:", signal.SIGTERM, False),
}


@pytest.mark.parametrize("phase", list(KILLS))
def test_a_killed_run_fails_cleanly_and_the_rerun_equals_a_clean_run(clean_cli_run, tmp_path, phase):
    after, sig, in_dbt = KILLS[phase]
    home = copy_landing(clean_cli_run.home, tmp_path)
    process = start_run(home)
    output = []
    for line in process.stdout:
        output.append(line)
        if line.startswith(after):
            break
    assert output and output[-1].startswith(after), "".join(output)
    dbt = []
    if in_dbt:
        assert wait_for(lambda: children(process.pid, DBT_CHILD), 120), "".join(output)
        dbt = children(process.pid, DBT_CHILD)
        time.sleep(1)
    os.kill(process.pid, sig)
    assert wait_for(lambda: not any(alive(pid) for pid in dbt), 2), "the dbt child outlived the run"
    rest, _ = process.communicate(timeout=120)
    if sig == signal.SIGTERM:
        assert process.returncode == EXIT_INTERRUPTED, "".join(output) + rest
        assert "interrupted: run " in rest and "Traceback" not in rest

    (killed,) = instance(home).get_runs()
    assert killed.status == (dg.DagsterRunStatus.FAILURE if sig == signal.SIGTERM else dg.DagsterRunStatus.STARTED)
    if sig == signal.SIGTERM and (home / "warehouse.duckdb").exists():
        assert run_rows(home, killed.run_id) == {}

    rerun = run_cli(home)
    assert rerun.returncode == 0, rerun.output
    if sig == signal.SIGKILL:
        assert any(line.startswith("marked 1 earlier run(s)") and killed.run_id in line for line in rerun.lines)
    assert instance(home).get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
    assert run_rows(home, killed.run_id) == {}
    (last, _) = instance(home).get_runs()
    assert "quality.dq_results" in run_rows(home, last.run_id)  # the rerun wrote the history the killed run may not
    assert warehouse_differences(home, clean_cli_run.home) == {}
