"""`hr-pipeline erase` on a copy of the default world: a hired candidate and the employee they became
leave every table, export and report; the audit says what went; a later run does not bring them
back, and the next model version trains without them. Also: what a run writes is its owner's only."""

from __future__ import annotations

import re
import shutil
import stat
from pathlib import Path

import duckdb
import pytest
from conftest import TEST_SALT, PipelineRun, materialise

from hr_pipeline.cli import main
from hr_pipeline.ingest.pseudonymise import SALT_ENV, person_key
from hr_pipeline.ml.spec import HIRE_SUCCESS

NEWEST_HIRE_MODEL = (f"SELECT n_train + n_holdout FROM ml.model_registry WHERE model_name = '{HIRE_SUCCESS.name}' "
                     "ORDER BY trained_at DESC")

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("default_world")]


def _person(home: Path) -> tuple[str, str, str, str]:
    """(e-mail, candidate_id, application_id, employee_id) of a hire whose 12-month outcome trained the
    champion: the ground truth names the people, the ATS landing files their addresses."""
    con = duckdb.connect()
    warehouse = f"'{home / 'warehouse.duckdb'}'"
    con.execute(f"ATTACH {warehouse} AS w (READ_ONLY)")
    return con.execute(f"""
        SELECT c.contact.email, g.candidate_id, g.application_id, g.employee_id
        FROM '{home / 'ground_truth/applications.parquet'}' g
        JOIN read_json_auto('{home / 'landing/ats/*/candidates.jsonl'}') c USING (candidate_id)
        WHERE g.hired AND g.employee_id IS NOT NULL
          AND (g.application_id, g.employee_id) IN (SELECT (application_id, employee_id) FROM w.{HIRE_SUCCESS.table}
                                                    WHERE {HIRE_SUCCESS.labelled})
        ORDER BY g.application_id LIMIT 1""").fetchone()


def _ids(con: duckdb.DuckDBPyConnection, key: str, candidate: str, employee: str) -> set[str]:
    """Every id derived only from the person, listed by hand from the raw layer."""
    ids = {key, candidate, employee}
    apps = {r[0] for r in con.execute("SELECT application_id FROM raw.ats_applications WHERE candidate_id = ?",
                                      [candidate]).fetchall()}
    ids |= apps
    for table, column in (("ats_stage_events", "event_id"), ("ats_ai_recommendations", "recommendation_id"),
                          ("ats_recruiter_decisions", "decision_id"), ("ats_offers", "offer_id"),
                          ("ats_hires", "hire_id")):
        ids |= {r[0] for r in con.execute(f"SELECT {column} FROM raw.{table} WHERE list_contains(?, application_id)",
                                          [sorted(apps)]).fetchall()}
    for table, column in (("hris_terminations", "termination_id"), ("hris_performance_reviews", "review_id"),
                          ("hris_employee_skills", "employee_skill_id"), ("hris_trainings", "training_id"),
                          ("hris_job_changes", "job_change_id"), ("hris_engagement_surveys", "response_id"),
                          ("timetracking_timesheets", "timesheet_id")):
        ids |= {r[0] for r in con.execute(f"SELECT {column} FROM raw.{table} WHERE employee_id = ?",
                                          [employee]).fetchall()}
    return ids


def _holders(con: duckdb.DuckDBPyConnection, ids: set[str]) -> list[str]:
    """Every table or view column of text holding one of the ids as a whole word."""
    regex = r"\b(?:" + "|".join(map(re.escape, ids)) + r")\b"
    found = []
    for schema, table, column in con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() AND data_type IN ('VARCHAR', 'JSON')").fetchall():
        if con.execute(f'SELECT count(*) FROM "{schema}"."{table}" '
                       f'WHERE regexp_matches(CAST("{column}" AS VARCHAR), ?)', [regex]).fetchone()[0]:
            found.append(f"{schema}.{table}.{column}")
    return found


def _files_holding(folder: Path, ids: set[str]) -> list[str]:
    regex = re.compile(rb"\b(?:" + b"|".join(re.escape(i.encode()) for i in ids) + rb")\b")
    return [str(p) for p in folder.rglob("*") if p.is_file() and regex.search(p.read_bytes())]


def _parquet_holding(folder: Path, ids: set[str]) -> list[str]:
    """Export files whose text columns hold an id once decompressed (bytes may be compressed)."""
    con, found = duckdb.connect(), []
    for path in folder.rglob("*.parquet"):
        text = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall() if row[1] == "VARCHAR"]
        if text and con.execute(f"SELECT count(*) FROM '{path}' WHERE " + " OR ".join(
                f'list_contains(?, "{c}")' for c in text), [sorted(ids)] * len(text)).fetchone()[0]:
            found.append(str(path))
    return found


def test_erase_leaves_nothing_of_the_person_and_a_rerun_does_not_bring_them_back(default_run: PipelineRun, tmp_path,
                                                                                  monkeypatch, capsys):
    home = tmp_path / "home"
    shutil.copytree(default_run.home, home)
    email, candidate, application, employee = _person(home)
    key = person_key(email, TEST_SALT)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        ids = _ids(con, key, candidate, employee)
        assert {application} <= ids and len(_holders(con, ids)) > 10  # the person is everywhere before
        (trained_before,) = con.execute(f"{NEWEST_HIRE_MODEL} LIMIT 1").fetchone()
        versions_before = len(con.execute(NEWEST_HIRE_MODEL).fetchall())
    assert _parquet_holding(home / "exports", ids)

    monkeypatch.setenv(SALT_ENV, TEST_SALT)
    assert main(["erase", "--email", email.upper(), "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert "raw.ats_candidates" in out and "raw.hris_employees" in out and "landing files still hold" in out

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert _holders(con, ids) == []
        audit = con.execute("SELECT target, rows_removed, subject FROM governance.erasure_log").fetchall()
        removed = {target: rows for target, rows, _ in audit}
        assert removed["raw.ats_candidates"] >= 1 and removed["raw.hris_employees"] >= 1
        assert removed["marts.fct_hires"] == 1 and removed["protected.hris_employees"] >= 1
        text = str(con.execute("SELECT * FROM governance.erasure_log").fetchall()).lower()
        assert email.lower() not in text and key not in text and candidate not in text
        assert {subject for *_, subject in audit} == {person_key(key, TEST_SALT)}
    assert _files_holding(home / "exports", ids) == [] and _parquet_holding(home / "exports", ids) == []
    assert _files_holding(home / "reports", ids) == []
    assert key.encode() not in (home / "warehouse.duckdb").read_bytes()

    rerun = materialise(home)
    assert rerun.result.success
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert _holders(con, ids) == []
        newest = con.execute(f"{NEWEST_HIRE_MODEL} LIMIT 1").fetchone()[0]
        assert len(con.execute(NEWEST_HIRE_MODEL).fetchall()) == versions_before + 1
        assert newest == trained_before - 1  # the new version trained without the erased hire
    assert _files_holding(home / "reports", ids) == [] and _parquet_holding(home / "exports", ids) == []


def test_what_a_run_writes_is_readable_by_its_owner_only(default_run: PipelineRun):
    home = default_run.home
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    written = [p for folder in ("exports", "reports", "models", "dbt_docs") for p in (home / folder).rglob("*")]
    written.append(home / "warehouse.duckdb")
    assert len(written) > 20
    assert [str(p) for p in written if stat.S_IMODE(p.stat().st_mode) & 0o077] == []
