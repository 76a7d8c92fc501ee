"""What happens to a run that does not finish: it ends FAILED in Dagster and leaves no rows behind.

Tables that carry a `run_id` column hold rows per run (quality history, drift metrics, the
recommendation log). A run that is interrupted (SIGTERM, Ctrl-C) is abandoned by its own process;
a run whose process was killed outright (SIGKILL, a power cut) stays STARTED until the next run's
sweep finds that its process is gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket

import dagster as dg
import duckdb

from hr_pipeline.resources import Warehouse

PID_TAG = "hr_pipeline/pid"
UNFINISHED = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def delete_run_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Delete the rows of one run from every table with a `run_id` column, in one transaction."""
    tables = con.execute("""SELECT c.schema_name, c.table_name FROM duckdb_columns() c
                            JOIN duckdb_tables() t USING (database_name, schema_name, table_name)
                            WHERE c.column_name = 'run_id' AND NOT t.temporary ORDER BY 1, 2""").fetchall()
    deleted = {}
    con.execute("BEGIN TRANSACTION")
    for schema, table in tables:
        (deleted[f"{schema}.{table}"],) = con.execute(
            f'DELETE FROM "{schema}"."{table}" WHERE run_id = ?', [run_id]).fetchone()
    con.execute("COMMIT")
    return {table: n for table, n in deleted.items() if n}


def abandon_run(instance: dg.DagsterInstance, run_id: str, warehouse: Warehouse, reason: str) -> dict[str, int]:
    """Mark the run FAILED unless Dagster already ended it, and delete its rows from the warehouse."""
    run = instance.get_run_by_id(run_id)
    if run is not None and not run.is_finished:
        instance.report_run_failed(run, message=f"hr-pipeline: {reason}")
    if not warehouse.path.exists():
        return {}
    with warehouse.connect() as con:
        return delete_run_rows(con, run_id)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_dead_runs(instance: dg.DagsterInstance, warehouse: Warehouse) -> list[str]:
    """Abandon every unfinished run started by `hr-pipeline run` on this machine whose process is gone."""
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED))
    dead = [run.run_id for run in runs if PID_TAG in run.tags and not process_alive(int(run.tags[PID_TAG]))]
    for run_id in dead:
        abandon_run(instance, run_id, warehouse, "its process was killed before the run ended")
    return dead


class Interrupts:
    """Notices SIGINT and SIGTERM however they were handled. Dagster turns them into an exception in the
    running step, but a library can swallow it (DuckDB reports 'Query interrupted', the step fails like any
    other and the run goes on): the signal still reaches `signal.set_wakeup_fd`, and the next step to start
    is stopped as Dagster would have stopped it. Main thread only."""

    WATCHED = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self) -> "Interrupts":
        self._read, self._write = socket.socketpair()
        for end in (self._read, self._write):
            end.setblocking(False)
        self._previous = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        self._seen: list[int] = []
        return self

    def __exit__(self, *exc) -> None:
        signal.set_wakeup_fd(self._previous)
        self._read.close()
        self._write.close()

    @property
    def received(self) -> int | None:
        """The first watched signal received so far, if any."""
        with contextlib.suppress(BlockingIOError):
            self._seen += [s for s in self._read.recv(256) if s in self.WATCHED]
        return self._seen[0] if self._seen else None

    def on_event(self, entry) -> None:
        """A `DagsterInstance` event listener: no step starts after an interrupt."""
        if entry.dagster_event is not None and entry.dagster_event.is_step_start and self.received:
            raise dg.DagsterExecutionInterruptedError()
