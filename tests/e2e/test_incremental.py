"""Incremental equals full: after weekly loads and incremental dbt builds, every staging, intermediate and mart
table equals a `--full-refresh` build of the same raw tables (real ingest, real dbt, real DuckDB)."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, time
from pathlib import Path

import duckdb
import pytest
from cli_world import generate
from conftest import AS_OF, TEST_SALT

from hr_pipeline.ingest.contracts import CONTRACTS_BY_TABLE, Contract
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


def resend_with_skills_dropped(landing: Path, newest: dict[str, Path]) -> dict[str, tuple[str, str, str]]:
    """Append to the newest extract of each system newer versions of records from its first extract: a candidate
    with their last listed skill dropped, another with every skill dropped, an employee skill record renamed.
    Each mention must leave the skill inventory. Returns {what changed: (person type, id, the mention that must go)}."""
    candidates, skills = CONTRACTS_BY_TABLE["ats_candidates"], CONTRACTS_BY_TABLE["hris_employee_skills"]

    def first(contract: Contract) -> Path:
        return sorted((landing / contract.system).iterdir())[0] / contract.file_name

    def updated_at(contract: Contract) -> str:  # the last second of the newest extract's day, as its system writes it
        day = date.fromisoformat(newest[contract.system].name)
        return datetime.combine(day, time(23, 59, 59)).strftime(contract.dialect.timestamp_formats[0])

    resent = [r for r in map(json.loads, first(candidates).read_text().splitlines())
              if r["candidate_id"] and len(r["skills"] or []) >= 2][:2]
    gone = {"a skill dropped": ("candidate", resent[0]["candidate_id"], resent[0]["skills"].pop()),
            "every skill dropped": ("candidate", resent[1]["candidate_id"], resent[1]["skills"][0])}
    resent[1]["skills"] = []
    with (newest["ats"] / candidates.file_name).open("a", encoding="utf-8") as out:
        for candidate in resent:
            out.write(json.dumps(candidate | {"updated_at": updated_at(candidates)}, ensure_ascii=False) + "\n")
    delimiter = skills.dialect.delimiter
    header, *rows = first(skills).read_text(encoding="utf-8").splitlines()
    columns = header.split(delimiter)
    record = dict(zip(columns, next(r for r in rows if r.split(delimiter)[columns.index("skill")]).split(delimiter),
                      strict=True))
    gone["a skill renamed"] = ("employee", record["employee_id"], record["skill"])
    record |= {"skill": "a skill renamed by the incremental test", "updated_at": updated_at(skills)}
    target = newest["hris"] / skills.file_name
    with target.open("a", encoding="utf-8") as out:
        out.write(("" if target.exists() and target.stat().st_size else header + "\n")
                  + delimiter.join(record[c] for c in columns) + "\n")
    return {what: (person_type, person_id, mention.strip().lower()) for what, (person_type, person_id, mention)
            in gone.items()}


@pytest.fixture(scope="module")
def weekly(tmp_path_factory) -> tuple[Settings, Settings, dict[str, tuple[str, str, str]]]:
    """A small world built as its extracts arrive: all but each system's newest WEEKS extracts and one late
    extract, then one more week a build, the late extract (older than the weeks before it) and records sent again
    with skills gone (resend_with_skills_dropped) with the last week. Returns its home, another home
    with a copy of its warehouse rebuilt by `--full-refresh`, and the skills that went."""
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
            gone = resend_with_skills_dropped(settings.landing_dir,
                                               {s: settings.landing_dir / s / f[week].name for s, f in held.items()})
        load_and_build(settings)
    full = Settings(home=tmp_path_factory.mktemp("full_refresh"))
    shutil.copy(settings.warehouse_path, full.warehouse_path)
    dbt_build(full, "--full-refresh")
    return settings, full, gone


def test_weekly_incremental_builds_equal_a_full_refresh(weekly):
    settings, full, _ = weekly
    # the weekly builds took the incremental path: they deleted and inserted the changed records
    compiled = settings.home / "dbt_target" / "run" / "hr_warehouse" / "models" / "staging"
    assert "delete from" in (compiled / "stg_hris__performance_reviews.sql").read_text()
    assert differences(settings.warehouse_path, full.warehouse_path) == {}


def test_skills_dropped_in_a_later_version_leave_the_incremental_skill_inventory(weekly):
    settings, _, gone = weekly
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        for what, (person_type, person_id, mention) in gone.items():
            mentions = {m for (m,) in con.execute(
                "SELECT skill_mention FROM marts.fct_skill_inventory WHERE person_type = ? AND person_id = ?",
                [person_type, person_id]).fetchall()}
            assert mention not in mentions, (what, person_id, mention)
            assert bool(mentions) == (what != "every skill dropped"), (what, person_id, mentions)
