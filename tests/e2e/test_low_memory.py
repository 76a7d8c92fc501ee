"""Correctness at scale is the same code at any size: with DuckDB's memory limit set low, every connection of the
loop (the pipeline's, dbt's, the gate's) spills to disk where the default run held its work in memory, and the
marts come out the same."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import materialise

from hr_pipeline.settings import DUCKDB_MEMORY_LIMIT_ENV

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("default_world")]

LOW_MEMORY_LIMIT = "100MiB"  # about the least the ingest's JSON parsing of a quarter of extracts needs
# Columns stamped with the run that wrote them, not computed from the data.
RUN_STAMPS = {"ai_decision_log": ("run_id", "recommended_at"), "fairness_impact_ratios": ("audited_at",)}
LOAD_STAMP = "_loaded_at"  # when ingest loaded a row's records (an incremental table's watermark): in any table
FLOAT_DIGITS = 9  # sums of floats may add up in another order when a query spills


def comparable(con: duckdb.DuckDBPyConnection, table: str) -> str:
    columns = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'reference' "
                          "AND schema_name = 'marts' AND table_name = ? ORDER BY column_index", [table]).fetchall()
    return ", ".join(f"round({name}, {FLOAT_DIGITS})" if kind in ("DOUBLE", "FLOAT") else f'"{name}"'
                     for name, kind in columns if name not in (*RUN_STAMPS.get(table, ()), LOAD_STAMP))


def test_a_low_duckdb_memory_limit_builds_the_same_marts(default_run, tmp_path, monkeypatch):
    home = tmp_path / "low_memory"
    shutil.copytree(default_run.home / "landing", home / "landing")
    monkeypatch.setenv(DUCKDB_MEMORY_LIMIT_ENV, LOW_MEMORY_LIMIT)
    low = materialise(home)
    assert low.result.success

    con = duckdb.connect()
    con.execute(f"ATTACH '{default_run.home / 'warehouse.duckdb'}' AS reference (READ_ONLY)")
    con.execute(f"ATTACH '{home / 'warehouse.duckdb'}' AS low (READ_ONLY)")
    tables = {db: {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
                                              "AND schema_name = 'marts'", [db]).fetchall()}
              for db in ("reference", "low")}
    assert tables["low"] == tables["reference"] and len(tables["reference"]) > 10
    for table in sorted(tables["reference"]):
        columns = comparable(con, table)
        rows, differing = con.execute(f"""
            SELECT (SELECT count(*) FROM reference.marts.{table}),
                   (SELECT count(*) FROM ((SELECT {columns} FROM reference.marts.{table}
                                           EXCEPT ALL SELECT {columns} FROM low.marts.{table})
                                          UNION ALL (SELECT {columns} FROM low.marts.{table}
                                                     EXCEPT ALL SELECT {columns} FROM reference.marts.{table})))
            """).fetchone()
        assert rows > 0 and differing == 0, f"marts.{table}: {differing} of {rows} rows differ"
