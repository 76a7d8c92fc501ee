"""Run lifecycle pieces: interrupts a library swallowed are still noticed; a dead run's rows are deleted."""

from __future__ import annotations

import os
import signal
import time

import dagster as dg
import duckdb
import pytest

from hr_pipeline.runs import Interrupts, delete_run_rows, process_alive


def test_a_signal_whose_handler_swallowed_it_is_still_noticed():
    previous = signal.signal(signal.SIGTERM, lambda *_: None)  # as DuckDB does with Dagster's interrupt
    try:
        with Interrupts() as interrupts:
            assert interrupts.received is None
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.1)
            assert interrupts.received == signal.SIGTERM
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_no_step_starts_after_an_interrupt():
    previous = signal.signal(signal.SIGINT, lambda *_: None)
    try:
        with Interrupts() as interrupts:
            start = dg.EventLogEntry(error_info=None, level="DEBUG", user_message="", run_id="r", timestamp=0.0,
                                     step_key="s", job_name="j", dagster_event=dg.DagsterEvent(
                                         dg.DagsterEventType.STEP_START.value, "j", step_key="s"))
            interrupts.on_event(start)  # nothing received: the step starts
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)
            with pytest.raises(dg.DagsterExecutionInterruptedError):
                interrupts.on_event(start)
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_runs_rows_go_from_every_table_with_a_run_id_and_only_its_rows():
    con = duckdb.connect()
    con.execute("""CREATE SCHEMA quality; CREATE SCHEMA ml;
        CREATE TABLE quality.dq_results AS SELECT * FROM (VALUES ('a', 1), ('b', 2), ('a', 3)) t(run_id, x);
        CREATE TABLE ml.recommendation_log AS SELECT * FROM (VALUES ('a', 1)) t(run_id, x);
        CREATE TABLE ml.other AS SELECT 1 AS x""")
    assert delete_run_rows(con, "a") == {"quality.dq_results": 2, "ml.recommendation_log": 1}
    assert con.execute("SELECT run_id FROM quality.dq_results").fetchall() == [("b",)]


def test_a_process_that_is_gone_is_not_alive():
    assert process_alive(os.getpid())
    assert not process_alive(2**22 + 12345)
