"""A warehouse held by another process (a read-only BI reader) makes a writer wait, then give up clearly."""

from __future__ import annotations

import subprocess
import sys
import time

import duckdb
import pytest

from hr_pipeline.resources import LOCK_WAIT_ENV, Warehouse, WarehouseLockedError


def hold(path, seconds: float | None = None) -> subprocess.Popen:
    """A read-only reader in another process: it holds the file until stdin closes, or for `seconds`."""
    release = f"time.sleep({seconds})" if seconds else "sys.stdin.read()"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys, time; con = duckdb.connect({str(path)!r}, read_only=True); "
                               f"print('locked', flush=True); {release}; con.close()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    warehouse = Warehouse(home=str(tmp_path))
    duckdb.connect(str(warehouse.path)).close()
    return warehouse


def test_a_writer_waits_the_configured_time_then_names_the_file_and_the_setting(warehouse, monkeypatch, caplog):
    monkeypatch.setenv(LOCK_WAIT_ENV, "1.5")
    holder = hold(warehouse.path)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseLockedError) as err:
            with warehouse.connect():
                pass
        assert 1.5 <= time.monotonic() - started < 4
        assert str(warehouse.path) in str(err.value) and LOCK_WAIT_ENV in str(err.value)
        assert [r.getMessage() for r in caplog.records if "waiting for the warehouse lock" in r.getMessage()] != []
    finally:
        holder.communicate("")


def test_a_writer_proceeds_once_the_reader_lets_go_within_the_wait(warehouse, monkeypatch):
    monkeypatch.setenv(LOCK_WAIT_ENV, "20")
    holder = hold(warehouse.path, seconds=1.5)
    started = time.monotonic()
    with warehouse.connect() as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS a")
    assert 1 < time.monotonic() - started < 10
    holder.wait()
