"""A warehouse held by another writer process gives a clear message, not a raw DuckDB error."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hr_pipeline.resources import Warehouse, WarehouseLockedError


def test_locked_warehouse_names_the_file_and_the_one_writer_rule(tmp_path):
    warehouse = Warehouse(home=str(tmp_path))
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; con = duckdb.connect({str(warehouse.path)!r}); "
                               "print('locked', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(WarehouseLockedError, match="one writer at a time") as err:
            with warehouse.connect():
                pass
        assert str(warehouse.path) in str(err.value)
    finally:
        holder.communicate("")
