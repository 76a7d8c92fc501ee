"""Incremental equals full: after weekly loads and incremental dbt builds, every staging, intermediate and mart
table equals a `--full-refresh` build of the same raw tables (real ingest, real dbt, real DuckDB)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from cli_world import generate
from conftest import AS_OF, TEST_SALT

from hr_pipeline.ingest.loader import load_landing
from hr_pipeline.settings import Settings
from hr_pipeline.warehouse.project import run_dbt

pytestmark = pytest.mark.e2e

WEEKS = 3  # the newest weekly extracts, held back and then added one a build
LATE = ("hris", 6)  # the extract of this system this many weeks before the newest arrives only with the last week
COMPARED_SCHEMAS = ("staging", "intermediate", "marts")


def dbt_build(settings: Settings, *args: str) -> None:
    """`dbt build` of the models the pipeline builds before its ML assets, without their tests (they change no
    table); the target folder inside the home, so that no other dbt call shares it."""
    build = run_dbt(settings, "build", "--exclude", "tag:reviews", "--exclude-resource-type", "test", *args)
    assert build.returncode == 0, build.stdout[-4000:]


def load_and_build(settings: Settings) -> None:
    with duckdb.connect(str(settings.warehouse_path)) as con:
        load_landing(con, settings.landing_dir, TEST_SALT, today=AS_OF)
    dbt_build(settings)


def differences(home: Path, reference: Path) -> dict[str, int]:
    """Rows in one warehouse's table but not in the other's (EXCEPT ALL both ways), per table of the compared
    schemas; every such table must exist in both."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{home}' AS run (READ_ONLY)")
    con.execute(f"ATTACH '{reference}' AS ref (READ_ONLY)")
    tables = {db: set(con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                                  f"WHERE database_name = ? AND schema_name IN {COMPARED_SCHEMAS}", [db]).fetchall())
              for db in ("run", "ref")}
    assert tables["run"] == tables["ref"] and len(tables["ref"]) > 30
    found = {}
    for (table,) in sorted(tables["ref"]):
        mine, theirs = f"SELECT * FROM run.{table}", f"SELECT * FROM ref.{table}"
        (found[table],) = con.execute(
            f"SELECT count(*) FROM (({mine} EXCEPT ALL {theirs}) UNION ALL ({theirs} EXCEPT ALL {mine}))").fetchone()
    return {table: n for table, n in found.items() if n}


def put_back(folder: Path, landing: Path) -> None:
    folder.rename(landing / folder.parent.name / folder.name)


@pytest.fixture(scope="module")
def weekly(tmp_path_factory) -> tuple[Settings, Settings]:
    """A small world built as its extracts arrive: all but each system's newest WEEKS extracts and one late
    extract, then one more week a build, the late extract (older than the weeks before it) with the last week.
    Returns its home and another home with a copy of its warehouse rebuilt by `--full-refresh`."""
    settings = Settings(home=tmp_path_factory.mktemp("incremental"))
    generate(settings.home)
    held, late = {}, None
    for system in sorted(settings.landing_dir.iterdir()):
        folders = sorted(system.iterdir())
        taken = folders[-WEEKS:] + ([folders[-1 - LATE[1]]] if system.name == LATE[0] else [])
        for folder in taken:
            (settings.home / "held_back" / system.name).mkdir(parents=True, exist_ok=True)
            folder.rename(settings.home / "held_back" / system.name / folder.name)
        held[system.name] = [settings.home / "held_back" / system.name / f.name for f in taken[:WEEKS]]
        late = settings.home / "held_back" / system.name / taken[-1].name if len(taken) > WEEKS else late
    load_and_build(settings)
    for week in range(WEEKS):
        for folders in held.values():
            put_back(folders[week], settings.landing_dir)
        if week == WEEKS - 1:
            put_back(late, settings.landing_dir)
        load_and_build(settings)
    full = Settings(home=tmp_path_factory.mktemp("full_refresh"))
    shutil.copy(settings.warehouse_path, full.warehouse_path)
    dbt_build(full, "--full-refresh")
    return settings, full


def test_weekly_incremental_builds_equal_a_full_refresh(weekly):
    settings, full = weekly
    # the weekly builds took the incremental path: they deleted and inserted the changed records
    compiled = settings.home / "dbt_target" / "run" / "hr_warehouse" / "models" / "staging"
    assert "delete from" in (compiled / "stg_hris__performance_reviews.sql").read_text()
    assert differences(settings.warehouse_path, full.warehouse_path) == {}
