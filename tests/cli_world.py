"""`hr-pipeline` run as a person runs it: a subprocess on a small generated world."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from conftest import AS_OF, TEST_SALT

CLI = str(Path(sys.executable).parent / "hr-pipeline")
COMPARED_SCHEMAS = ("raw", "staging", "intermediate", "marts")
VOLATILE_COLUMNS = {"_loaded_at", "loaded_at", "quarantined_at", "audited_at", "run_id"}  # load, audit times; run ids


@dataclass
class CliRun:
    home: Path
    returncode: int
    output: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.output.splitlines() if "leaked" not in line]  # nanobind's exit notes


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "HR_PIPELINE_HOME")}
    return {**env, "HR_PIPELINE_SALT": TEST_SALT, **extra}


def start_run(home: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen([CLI, "run", "--home", str(home)], env=cli_env(**env), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)


def run_cli(home: Path, timeout: float = 900, **env: str) -> CliRun:
    process = start_run(home, **env)
    output, _ = process.communicate(timeout=timeout)
    return CliRun(home, process.returncode, output)


# Defects the gate blocks on are off: in so small a world one of them already crosses a bound.
GATE_DEFECTS_OFF = ["--out-of-range-rate", "0", "--duplicate-key-rate", "0", "--unknown-skill-rate", "0",
                    "--unmatched-hire-rate", "0", "--missing-rate", "0"]


def generate(home: Path) -> None:
    """80 employees over one year, with the defects that only warn or quarantine."""
    subprocess.run([CLI, "generate", "--out", str(home), "--employees", "80", "--years", "1", "--seed", "3",
                    "--as-of", AS_OF.isoformat(), *GATE_DEFECTS_OFF], check=True, capture_output=True)


def copy_landing(source: Path, home: Path) -> Path:
    shutil.copytree(source / "landing", home / "landing")
    return home


def instance(home: Path) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(home / "dagster"))



def _select_stable(db: str, root: Path, schema: str, table: str, columns: list[tuple[str, str]]) -> str:
    """The table's rows without volatile columns, with the home's path removed from text."""
    exprs = [f"replace(\"{c}\", '{root}', '')" if t == "VARCHAR" else f'"{c}"'
             for c, t in columns if c not in VOLATILE_COLUMNS]
    return f'SELECT {", ".join(exprs)} FROM {db}."{schema}"."{table}"'

def warehouse_differences(home: Path, reference: Path) -> dict[str, int]:
    """Rows that differ, per table and view of the compared schemas, with load times and run ids left
    out and each home's path taken out of file names."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{home / 'warehouse.duckdb'}' AS run (READ_ONLY)")
    con.execute(f"ATTACH '{reference / 'warehouse.duckdb'}' AS ref (READ_ONLY)")
    relations = con.execute(f"""
        SELECT schema_name, table_name FROM duckdb_tables()
        WHERE database_name = 'ref' AND schema_name IN {COMPARED_SCHEMAS}
        UNION ALL
        SELECT schema_name, view_name FROM duckdb_views()
        WHERE database_name = 'ref' AND schema_name IN {COMPARED_SCHEMAS}
        ORDER BY 1, 2""").fetchall()
    differences = {}
    for schema, table in relations:
        columns = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'ref' "
                              "AND schema_name = ? AND table_name = ? ORDER BY column_index",
                              [schema, table]).fetchall()

        mine, theirs = (_select_stable(db, root, schema, table, columns) for db, root in (("run", home),
                                                                                         ("ref", reference)))
        (differences[f"{schema}.{table}"],) = con.execute(
            f"SELECT count(*) FROM (({mine} EXCEPT ALL {theirs}) UNION ALL ({theirs} EXCEPT ALL {mine}))").fetchone()
    assert len(differences) > 20
    return {table: n for table, n in differences.items() if n}
