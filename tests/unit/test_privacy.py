"""One salt per warehouse, erasure of a person, retention of raw versions, owner-only files:
on small hand-made warehouses."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from hr_pipeline.cli import EXIT_LOCKED, EXIT_USAGE, main
from hr_pipeline.ingest.loader import ensure_raw_tables
from hr_pipeline.ingest.pseudonymise import (
    SALT_ENV,
    SaltMismatchError,
    check_salt,
    person_key,
    register_person_key,
    salt_fingerprint,
)
from hr_pipeline.privacy.erasure import compact, erase_person, forget_erased
from hr_pipeline.privacy.permissions import owner_only
from hr_pipeline.privacy.retention import apply_retention
from hr_pipeline.warehouse.exports import export_tables
from hr_pipeline.warehouse.dbt_child import FINGERPRINT_TABLE

SALT = "a-secret-salt-for-the-privacy-tests"
OLD, NEW = date(2020, 1, 6), date(2025, 1, 6)


def add(con: duckdb.DuckDBPyConnection, table: str, **values) -> None:
    con.execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                list(values.values()))


def test_the_salt_is_recorded_as_a_keyed_fingerprint_never_as_itself(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        register_person_key(con, SALT)
        stored = con.execute("SELECT fingerprint FROM governance.salt_fingerprint").fetchall()
    assert stored == [(salt_fingerprint(SALT),)]
    assert SALT.encode() not in path.read_bytes()
    assert salt_fingerprint(SALT) != salt_fingerprint(SALT + "x")


def test_a_second_salt_is_refused_before_the_run_and_on_load(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    assert check_salt(path, SALT) is None  # no warehouse yet
    with duckdb.connect(str(path)) as con:
        register_person_key(con, SALT)
        register_person_key(con, SALT)  # the same salt again is fine
        with pytest.raises(SaltMismatchError, match=f"{SALT_ENV} is not the salt this warehouse's person keys"):
            register_person_key(con, "another-salt")
    assert check_salt(path, SALT) is None
    problem = check_salt(path, "another-salt")
    assert problem.startswith(f"{SALT_ENV} is not the salt") and "new home" in problem and "\n" not in problem


# -- a hand-made warehouse: person A (to erase), B and C (to keep) -----------------------------------
PA, PB, PC = (person_key(f"{who}@example.dk", SALT) for who in ("a", "b", "c"))
A_IDS = ("C0001", "A0001", "SE0001", "H0001", "E0001", "T0001")


def _file(system: str, day: date, entity: str) -> str:
    return f"/landing/{system}/{day}/{entity}"


@pytest.fixture
def home(tmp_path) -> Path:
    """A warehouse, an export and reports holding person A's key and ids next to other people's."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_raw_tables(con)
        register_person_key(con, SALT)
        for cid, pk in (("C0001", PA), ("C0002", PB)):
            lineage = dict(_extract_date=OLD, _source_file=_file("ats", OLD, "candidates.jsonl"), _row_number=1)
            add(con, "raw.ats_candidates", candidate_id=cid, person_key=pk, updated_at=OLD, **lineage)
            add(con, "protected.ats_candidates", candidate_id=cid, person_key=pk, gender="female", **lineage)
        add(con, "raw.ats_requisitions", requisition_id="R0001", updated_at=OLD, _extract_date=OLD)
        for aid, cid in (("A0001", "C0001"), ("A00011", "C0002")):  # A00011 starts like A0001: not A's
            add(con, "raw.ats_applications", application_id=aid, candidate_id=cid, requisition_id="R0001",
                updated_at=OLD, _extract_date=OLD, _source_file=_file("ats", OLD, "applications.jsonl"))
        add(con, "raw.ats_stage_events", event_id="SE0001", application_id="A0001", entered_at=OLD, _extract_date=OLD)
        add(con, "raw.ats_stage_events", event_id="SE0002", application_id="A00011", entered_at=OLD, _extract_date=OLD)
        add(con, "raw.ats_hires", hire_id="H0001", application_id="A0001", updated_at=OLD, _extract_date=OLD)
        add(con, "raw.ats_recruiter_decisions", decision_id="D0002", application_id="A00011", decided_at=OLD,
            reason_text="better than A0001, see C0001", _extract_date=OLD)
        for eid, pk, manager in (("E0001", PA, None), ("E0002", PB, None), ("E0003", PC, "E0001")):
            add(con, "raw.hris_employees", employee_id=eid, person_key=pk, manager_id=manager, updated_at=OLD,
                _extract_date=OLD, _source_file=_file("hris", OLD, "employees.csv"))
        add(con, "raw.timetracking_timesheets", timesheet_id="T0001", employee_id="E0001", updated_at=OLD,
            _extract_date=OLD, _source_file=_file("timetracking", OLD, "timesheets.parquet"))
        add(con, "raw.timetracking_timesheets", timesheet_id="T0002", employee_id="E0003", updated_at=OLD,
            _extract_date=OLD)
        add(con, "raw.quarantine", source_file="q", record_key="A0001", field="stage", value="x", reason="bad")
        add(con, "raw.quarantine", source_file="q", record_key="A00011", field="stage", value="x", reason="bad")
        con.execute("""CREATE SCHEMA marts; CREATE SCHEMA quality; CREATE SCHEMA ml;
            CREATE TABLE marts.fct_hires AS
                SELECT 'H0001' AS hire_id, 'A0001' AS application_id, 'E0001' AS employee_id;
            CREATE TABLE quality.samples AS SELECT 'unique hire_id' AS expectation,
                CAST('["A0001", "A00011"]' AS JSON) AS unexpected;
            CREATE TABLE ml.application_scores AS
                SELECT * FROM (VALUES ('A0001', 0.7), ('A00011', 0.4)) t(application_id, score);
            CREATE VIEW marts.hires_view AS SELECT * FROM marts.fct_hires""")
        con.execute("CREATE TABLE marts.dim_candidate AS SELECT * FROM (VALUES ('C0001', ?), ('C0002', ?)) "
                    "t(candidate_id, person_key)", [PA, PB])
        export_tables(con, tmp_path / "exports")
        con.execute(f"COPY (SELECT 'A0001' AS application_id) TO '{tmp_path / 'exports/marts/dropped_table.parquet'}'")
    (tmp_path / "reports/data_docs").mkdir(parents=True)
    (tmp_path / "reports/data_docs/fct_hires.html").write_text("<td>A0001</td><td>A00011</td><td>ok</td>")
    (tmp_path / "reports/model.bin").write_bytes(b"\xff\xfe C0001 \x00")
    (tmp_path / "reports/unrelated.html").write_text("<td>A00011</td>")
    (tmp_path / "outbox/ats/2026-11-16").mkdir(parents=True)
    (tmp_path / "outbox/ats/2026-11-16/recommendations.jsonl").write_text(
        '{"application_id":"A0001","score":0.7}\n{"application_id":"A00011","score":0.4}\n')
    return tmp_path


def _values(con: duckdb.DuckDBPyConnection, sql: str) -> list:
    return [row[0] if len(row) == 1 else row for row in con.execute(sql).fetchall()]


def test_erase_removes_the_person_everything_only_theirs_and_nothing_else(home):
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        report = erase_person(con, home, PA, SALT)
        assert _values(con, "SELECT candidate_id FROM raw.ats_candidates") == ["C0002"]
        assert _values(con, "SELECT candidate_id FROM protected.ats_candidates") == ["C0002"]
        assert _values(con, "SELECT application_id FROM raw.ats_applications") == ["A00011"]
        assert _values(con, "SELECT event_id FROM raw.ats_stage_events") == ["SE0002"]
        assert _values(con, "SELECT count(*) FROM raw.ats_hires") == [0]
        assert _values(con, "SELECT requisition_id FROM raw.ats_requisitions") == ["R0001"]  # not the person's
        # another employee's manager was the person: the reference is blanked, the record kept
        assert _values(con, "SELECT employee_id, manager_id FROM raw.hris_employees ORDER BY 1") == [
            ("E0002", None), ("E0003", None)]
        assert _values(con, "SELECT timesheet_id FROM raw.timetracking_timesheets") == ["T0002"]
        assert _values(con, "SELECT record_key FROM raw.quarantine") == ["A00011"]
        assert _values(con, "SELECT reason_text FROM raw.ats_recruiter_decisions") == [
            "better than [erased], see [erased]"]
        assert _values(con, "SELECT count(*) FROM marts.fct_hires") == [0]
        assert _values(con, "SELECT candidate_id FROM marts.dim_candidate") == ["C0002"]
        assert _values(con, "SELECT CAST(unexpected AS VARCHAR) FROM quality.samples") == ['["[erased]", "A00011"]']
        assert _values(con, "SELECT application_id FROM ml.application_scores") == ["A00011"]

        counts = dict(con.execute("SELECT target, rows_removed FROM governance.erasure_log").fetchall())
        assert counts["raw.ats_candidates"] == 1 and counts["raw.timetracking_timesheets"] == 1
        assert counts["exports/marts/dropped_table.parquet"] == 1
        (subject,) = set(_values(con, "SELECT subject FROM governance.erasure_log"))
        assert subject == person_key(PA, SALT) != PA
        audit = str(con.execute("SELECT * FROM governance.erasure_log").fetchall())
        assert all(value not in audit for value in (PA, *A_IDS))
    assert report.landing_files == sorted({
        _file("ats", OLD, "candidates.jsonl"), _file("ats", OLD, "applications.jsonl"),
        _file("hris", OLD, "employees.csv"), _file("timetracking", OLD, "timesheets.parquet")})

    assert _values(duckdb.connect(), f"SELECT count(*) FROM '{home / 'exports/marts/fct_hires.parquet'}'") == [0]
    assert not (home / "exports/marts/dropped_table.parquet").exists()
    assert (home / "reports/data_docs/fct_hires.html").read_text() == "<td>[erased]</td><td>A00011</td><td>ok</td>"
    assert not (home / "reports/model.bin").exists()
    assert (home / "reports/unrelated.html").read_text() == "<td>A00011</td>"
    # the ATS gets no recommendation for the person's application any more; the others' stay as they were
    assert (home / "outbox/ats/2026-11-16/recommendations.jsonl").read_text() == (
        '{"application_id":"A00011","score":0.4}\n')
    assert counts["outbox/ats/2026-11-16/recommendations.jsonl"] == 1


def test_compacting_leaves_no_erased_bytes_in_the_file(home):
    path = home / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        erase_person(con, home, PA, SALT)
    assert PA.encode() in path.read_bytes()  # DELETE leaves the old blocks in the file...
    compact(path)
    assert PA.encode() not in path.read_bytes()  # ... the fresh copy does not have them
    with duckdb.connect(str(path)) as con:
        assert _values(con, "SELECT count(*) FROM raw.ats_candidates") == [1]
        assert _values(con, "SELECT count(*) FROM marts.hires_view") == [0]


def test_records_of_an_erased_person_sent_again_are_dropped_on_ingest(home):
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        erase_person(con, home, PA, SALT)
        add(con, "raw.ats_candidates", candidate_id="C0001", person_key=PA, updated_at=NEW, _extract_date=NEW)
        add(con, "raw.ats_candidates", candidate_id="C0004", person_key=PC, updated_at=NEW, _extract_date=NEW)
        add(con, "raw.ats_applications", application_id="A0004", candidate_id="C0001", updated_at=NEW,
            _extract_date=NEW)  # a new application of the erased candidate
        add(con, "raw.timetracking_timesheets", timesheet_id="T0009", employee_id="E0001", updated_at=NEW,
            _extract_date=NEW)
        add(con, "raw.hris_employees", employee_id="E0003", person_key=PC, manager_id="E0001", updated_at=NEW,
            _extract_date=NEW)  # a new version of another employee, still naming the erased one as manager
        assert sum(forget_erased(con, system, NEW) for system in ("ats", "hris", "timetracking")) == 3
        assert _values(con, f"SELECT employee_id, manager_id FROM raw.hris_employees WHERE _extract_date = '{NEW}'"
                       ) == [("E0003", None)]
        assert _values(con, "SELECT candidate_id FROM raw.ats_candidates ORDER BY 1") == ["C0002", "C0004"]
        assert _values(con, "SELECT application_id FROM raw.ats_applications") == ["A00011"]
        assert _values(con, "SELECT timesheet_id FROM raw.timetracking_timesheets") == ["T0002"]


def test_retention_deletes_superseded_versions_before_the_cutoff_and_keeps_the_current_ones(home):
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        later = date(2021, 1, 4)
        add(con, "raw.hris_employees", employee_id="E0002", person_key=PB, updated_at=later, _extract_date=later)
        add(con, "raw.hris_employees", employee_id="E0003", person_key=PC, updated_at=NEW, _extract_date=NEW)
        add(con, "raw.ingest_log", source_file="q", extract_date=OLD)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS staging; CREATE TABLE {FINGERPRINT_TABLE} AS SELECT 'built' AS f")
        removals = apply_retention(con, date(2023, 1, 1))
        # versions the incremental point-in-time features came from are gone: the next dbt build is a full refresh
        assert not _values(con, f"SELECT * FROM duckdb_tables() WHERE schema_name || '.' || table_name = "
                                f"'{FINGERPRINT_TABLE}'")
        assert _values(con, "SELECT employee_id, _extract_date FROM raw.hris_employees ORDER BY 1") == [
            ("E0001", OLD), ("E0002", later), ("E0003", NEW)]  # E0001 and E0002 kept: their latest version
        assert _values(con, "SELECT count(*) FROM raw.quarantine") == [0]
        assert {r.target: r.removed for r in removals} == {"raw.hris_employees": 2, "raw.quarantine": 2}
        assert _values(con, "SELECT action, subject, rows_removed FROM governance.erasure_log ORDER BY target") == [
            ("retention", "versions extracted before 2023-01-01", 2), ("retention", "versions extracted before "
                                                                                    "2023-01-01", 2)]


def test_erase_and_retention_commands(home, monkeypatch, capsys):
    monkeypatch.setenv(SALT_ENV, SALT)
    assert main(["erase", "--email", " A@Example.dk ", "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert "raw.ats_candidates" in out and "1 row deleted" in out and "4 landing files still hold" in out
    assert PA.encode() not in (home / "warehouse.duckdb").read_bytes()
    assert main(["erase", "--email", "a@example.dk", "--home", str(home)]) == 0
    assert "nobody with this address" in capsys.readouterr().out
    assert main(["retention", "--older-than", "1", "--home", str(home)]) == 0
    assert "retention: superseded raw versions extracted before" in capsys.readouterr().out
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        assert _values(con, "SELECT DISTINCT action FROM governance.erasure_log ORDER BY 1") == ["erase", "retention"]


def test_commands_refuse_a_missing_warehouse_or_another_salt(tmp_path, home, monkeypatch, capsys):
    monkeypatch.setenv(SALT_ENV, SALT)
    for command in (["erase", "--person-key", PA], ["retention", "--older-than", "2"]):
        assert main([*command, "--home", str(tmp_path / "nowhere")]) == EXIT_USAGE
        assert capsys.readouterr().err.strip().startswith(f"no warehouse at {tmp_path / 'nowhere'}")
    monkeypatch.setenv(SALT_ENV, "another-salt")
    assert main(["erase", "--email", "a@example.dk", "--home", str(home)]) == EXIT_USAGE
    assert f"{SALT_ENV} is not the salt" in capsys.readouterr().err
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        assert _values(con, "SELECT count(*) FROM raw.ats_candidates") == [2]


def test_a_process_of_the_pipeline_creates_files_for_their_owner_only(tmp_path):
    """Whatever umask it started with, a process that imports the pipeline (the CLI, the code location)."""
    old = os.umask(0o022)
    try:
        subprocess.run([sys.executable, "-c", "import pathlib, sys, hr_pipeline; folder = pathlib.Path(sys.argv[1]); "
                        "(folder / 'made').write_text('x'); (folder / 'folder').mkdir()", str(tmp_path)], check=True)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "made").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "folder").stat().st_mode) == 0o700


def test_an_existing_home_is_closed_to_others(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    owner_only(home)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_an_ingest_run_with_another_salt_fails_with_the_one_line_message(tmp_path):
    import dagster as dg

    from hr_pipeline.ingest.assets import ingest_assets
    from hr_pipeline.resources import Pseudonymiser, Warehouse

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        register_person_key(con, SALT)
    (tmp_path / "landing").mkdir()
    result = dg.materialize(ingest_assets[:1], raise_on_error=False, resources={
        "warehouse": Warehouse(home=str(tmp_path)), "pseudonymiser": Pseudonymiser(salt="another-salt")})
    (failure,) = result.get_step_failure_events()
    assert f"SaltMismatchError: {SALT_ENV} is not the salt this warehouse's person keys were made with" in \
        failure.step_failure_data.error.to_string()


def test_run_refuses_another_salt_before_it_starts(home, monkeypatch, capsys):
    (home / "landing" / "ats").mkdir(parents=True)
    monkeypatch.setenv(SALT_ENV, "another-salt")
    assert main(["run", "--home", str(home)]) == EXIT_USAGE
    assert f"{SALT_ENV} is not the salt this warehouse's person keys were made with" in capsys.readouterr().err


def test_erase_on_a_locked_warehouse_waits_then_says_so(home, monkeypatch, capsys):
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('locked', flush=True); time.sleep(60)", str(home / "warehouse.duckdb")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv(SALT_ENV, SALT)
        monkeypatch.setenv("HR_PIPELINE_LOCK_WAIT_SECONDS", "1")
        assert main(["erase", "--email", "a@example.dk", "--home", str(home)]) == EXIT_LOCKED
        assert "still locked by another process" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
