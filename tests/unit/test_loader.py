"""Loading by contract: one transaction per extract folder, nothing lost, personal data never stored."""

from __future__ import annotations

import json
import os

import duckdb
import pytest

from hr_pipeline.ingest import loader
from hr_pipeline.ingest.contracts import CONTRACTS_BY_TABLE
from hr_pipeline.ingest.loader import load_system
from hr_pipeline.ingest.pseudonymise import person_key

SALT = "salt"


def _candidate(i, **profile):
    return {
        "candidate_id": f"C{i}",
        "contact": {"first_name": "Søren", "last_name": "Læsø", "email": f" Soren.{i}@Example.dk ",
                    "phone": "+45 20 12 34 56"},
        "profile": {"city": "Tromsø", "years_experience": 3.5, "education": "master", "grade_average": 3.1,
                    "international_experience": True} | profile,
        "skills": ["Python", "Kommunikation"],
        "source": {"channel": "referral"},
        "demographics": {"gender": "female", "age_band": "25_34", "ethnicity": "minority"},
        "updated_at": "2026-01-05T10:00:00",
    }


def _decision(i, reason_text):
    return {"decision_id": f"D{i}", "application_id": f"A{i}", "decision": "advance", "overrides_ai": True,
            "reason_code": "communication", "reason_text": reason_text, "decided_at": "2026-01-06T09:30:00"}


def _jsonl(landing, day, entity, rows):
    path = landing / "ats" / day / f"{entity}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def _tables(con):
    """Every raw and protected table's content, to compare warehouse states."""
    names = con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                        "WHERE schema_name IN ('raw', 'protected') ORDER BY 1").fetchall()
    return {n: sorted(map(str, con.execute(f"SELECT * EXCLUDE (_loaded_at) FROM {n}" if n.split('.')[1] not in
                                           ("ingest_log", "quarantine") else f"SELECT * FROM {n}").fetchall()))
            for (n,) in names}


@pytest.fixture
def con():
    return duckdb.connect()


def test_nested_candidates_load_pseudonymised_with_protected_attributes_apart(tmp_path, con):
    landing = tmp_path / "landing"
    _jsonl(landing, "2026-01-12", "candidates", [_candidate(1), _candidate(2), _candidate(2)])
    (first,) = load_system(con, landing, "ats", SALT)
    assert (first.rows_in_file, first.rows_loaded, first.rows_duplicate, first.rows_quarantined) == (3, 2, 1, 0)
    assert load_system(con, landing, "ats", SALT) == []

    row = con.execute("SELECT city, years_experience, international_experience, skills, source_channel "
                      "FROM raw.ats_candidates WHERE candidate_id = 'C1'").fetchall()[0]
    assert row == ("Tromsø", 3.5, True, ["Python", "Kommunikation"], "referral")
    raw_columns = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw' "
                                              "AND table_name = 'ats_candidates'").fetchall()}
    assert not raw_columns & {"first_name", "last_name", "email", "phone", "gender", "age_band", "ethnicity"}
    keys = dict(con.execute("SELECT candidate_id, person_key FROM raw.ats_candidates").fetchall())
    assert keys == {"C1": person_key("soren.1@example.dk", SALT), "C2": person_key("soren.2@example.dk", SALT)}
    assert con.execute("SELECT candidate_id, person_key, ethnicity FROM protected.ats_candidates "
                       "WHERE candidate_id = 'C1'").fetchall() == [("C1", keys["C1"], "minority")]
    everything = str(con.execute("SELECT * FROM raw.ats_candidates").fetchall())
    assert "Søren" not in everything and "example.dk" not in everything and "20 12 34 56" not in everything


def test_unparseable_field_quarantines_its_row_and_the_rest_loads(tmp_path, con):
    landing = tmp_path / "landing"
    path = _jsonl(landing, "2026-01-12", "candidates",
                  [_candidate(1), _candidate(2, years_experience="7,5 Jahre"),
                   _candidate(3, international_experience="ja")])
    (load,) = load_system(con, landing, "ats", SALT)
    assert (load.rows_loaded, load.rows_quarantined, load.rows_in_file) == (1, 2, 3)
    assert con.execute("SELECT source_file, row_number, record_key, field, value "
                       "FROM raw.quarantine ORDER BY 2").fetchall() == [
        (str(path), 2, "C2", "years_experience", "7,5 Jahre"), (str(path), 3, "C3", "international_experience", "ja")]
    assert con.execute("SELECT rows_loaded + rows_duplicate + rows_quarantined, rows_in_file FROM raw.ingest_log"
                       ).fetchall() == [(3, 3)]


def test_file_without_a_required_column_is_quarantined_whole_and_the_folder_still_loads(tmp_path, con):
    landing = tmp_path / "landing"
    _jsonl(landing, "2026-01-05", "candidates", [_candidate(1)])
    load_system(con, landing, "ats", SALT)
    lacking = _candidate(2)
    del lacking["source"]
    bad = _jsonl(landing, "2026-01-12", "candidates", [lacking])
    _jsonl(landing, "2026-01-12", "recruiter_decisions", [_decision(1, "fine")])
    loads = {load.table: load for load in load_system(con, landing, "ats", SALT)}
    assert loads["ats_candidates"].status == "quarantined"
    assert str(bad) in loads["ats_candidates"].message and "source_channel" in loads["ats_candidates"].message
    assert con.execute("SELECT field, row_number FROM raw.quarantine").fetchall() == [("source_channel", None)]
    assert con.execute("SELECT count(*) FROM raw.ats_candidates").fetchall()[0][0] == 1  # the earlier load is kept
    assert con.execute("SELECT count(*) FROM raw.ats_recruiter_decisions").fetchall()[0][0] == 1
    assert load_system(con, landing, "ats", SALT) == []  # a quarantined file is not retried until it changes


def test_unreadable_file_is_quarantined_whole_with_its_name(tmp_path, con):
    landing = tmp_path / "landing"
    path = landing / "hris" / "2026-01-12" / "employees.csv"
    path.parent.mkdir(parents=True)
    path.write_text("employee_id;hire_date\nE1;01.02.2025;extra;fields\n", encoding="utf-8")
    (load,) = load_system(con, landing, "hris", SALT)
    assert load.status == "quarantined" and str(path) in load.message


def test_unknown_column_is_kept_and_reported(tmp_path, con):
    landing = tmp_path / "landing"
    _jsonl(landing, "2026-01-12", "candidates", [_candidate(1) | {"referrer_note": "mail me at a.b@example.dk"}])
    (load,) = load_system(con, landing, "ats", SALT)
    assert load.unknown_columns == ("referrer_note",)
    extra = json.loads(con.execute("SELECT _extra FROM raw.ats_candidates").fetchall()[0][0])
    assert extra == {"referrer_note": "mail me at [e-mail removed]"}
    assert con.execute("SELECT unknown_columns FROM raw.ingest_log").fetchall() == [(["referrer_note"],)]


def test_category_values_are_loaded_as_sent_and_those_outside_the_contract_counted(tmp_path, con):
    landing = tmp_path / "landing"
    messy, unknown = _candidate(1), _candidate(2)
    messy["source"]["channel"] = " REFERRAL "
    unknown["source"]["channel"] = "tiktok"
    _jsonl(landing, "2026-01-12", "candidates", [messy, unknown])
    (load,) = load_system(con, landing, "ats", SALT)
    assert (load.rows_loaded, load.values_not_allowed) == (2, 1)
    assert {c for (c,) in con.execute("SELECT source_channel FROM raw.ats_candidates").fetchall()} == {
        " REFERRAL ", "tiktok"}


def test_free_text_reasons_are_scrubbed_of_emails_and_phone_numbers(tmp_path, con):
    landing = tmp_path / "landing"
    _jsonl(landing, "2026-01-12", "recruiter_decisions", [
        _decision(1, "Called him on +45 20 12 34 56, great communicator"),
        _decision(2, "cc anna.holm@example.dk: strong in 2 of 3 cases")])
    load_system(con, landing, "ats", SALT)
    assert [r for (r,) in con.execute("SELECT reason_text FROM raw.ats_recruiter_decisions ORDER BY 1").fetchall()] == [
        "Called him on [phone removed], great communicator", "cc [e-mail removed]: strong in 2 of 3 cases"]


def test_european_csv_dialect(tmp_path, con):
    landing = tmp_path / "landing"
    path = landing / "hris" / "2026-01-12" / "engagement_surveys.csv"
    path.parent.mkdir(parents=True)
    path.write_text("response_id;employee_id;survey_date;engagement_score;enps;updated_at\n"
                    "S1;E1;31.03.2025;3,8;9;31.03.2025 12:00:00\n"
                    "S2;E2;2025-03-31; ;7;2025-03-31T12:00:00\n"
                    "S3;E3;31.02.2025;4,0;8;31.03.2025 12:00:00\n", encoding="utf-8")
    (load,) = load_system(con, landing, "hris", SALT)
    rows = con.execute("SELECT response_id, survey_date::VARCHAR, engagement_score, enps "
                       "FROM raw.hris_engagement_surveys ORDER BY 1").fetchall()
    assert rows == [("S1", "2025-03-31", 3.8, 9), ("S2", "2025-03-31", None, 7)]
    assert con.execute("SELECT row_number, field, value FROM raw.quarantine").fetchall() == [
        (3, "survey_date", "31.02.2025")]


def test_crash_inside_a_folder_leaves_the_warehouse_as_it_was_and_a_rerun_loads_it(tmp_path, con, monkeypatch):
    landing = tmp_path / "landing"
    _jsonl(landing, "2026-01-05", "candidates", [_candidate(1)])
    load_system(con, landing, "ats", SALT)
    before = _tables(con)
    _jsonl(landing, "2026-01-12", "candidates", [_candidate(2), _candidate(3)])
    _jsonl(landing, "2026-01-12", "recruiter_decisions", [_decision(1, "ok")])

    real_load = loader.load_file
    loaded = []

    def crash_after_the_first_file(*args):
        if loaded:
            raise RuntimeError("power cut")
        loaded.append(real_load(*args))
        return loaded[-1]

    monkeypatch.setattr(loader, "load_file", crash_after_the_first_file)
    with pytest.raises(RuntimeError, match="power cut"):
        load_system(con, landing, "ats", SALT)
    assert loaded[0].rows_loaded > 0  # rows were written before the crash
    assert _tables(con) == before
    monkeypatch.setattr(loader, "load_file", real_load)
    loads = load_system(con, landing, "ats", SALT)
    assert sum(load.rows_loaded for load in loads) == 3
    assert con.execute("SELECT count(*) FROM raw.ats_candidates").fetchall()[0][0] == 3


def test_every_contract_table_exists_after_any_load(tmp_path, con):
    load_system(con, tmp_path, "ats", SALT)
    tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall()}
    assert set(CONTRACTS_BY_TABLE) <= tables


def test_a_file_is_hashed_again_only_when_its_size_or_time_changed(tmp_path, con, monkeypatch):
    landing = tmp_path / "landing"
    path = _jsonl(landing, "2026-01-12", "candidates", [_candidate(1)])
    other = landing / "ats" / "notes.txt"
    other.write_text("not an extract")
    hashed = []
    real = loader._sha256
    monkeypatch.setattr(loader, "_sha256", lambda p: hashed.append(p.name) or real(p))
    load_system(con, landing, "ats", SALT)
    assert sorted(hashed) == ["candidates.jsonl", "notes.txt"]

    hashed.clear()
    assert load_system(con, landing, "ats", SALT) == [] and hashed == []  # both stamps known: nothing read

    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched, same content
    assert load_system(con, landing, "ats", SALT) == [] and hashed == ["candidates.jsonl"]
    hashed.clear()
    assert load_system(con, landing, "ats", SALT) == [] and hashed == []  # its new stamp was remembered

    _jsonl(landing, "2026-01-12", "candidates", [_candidate(1), _candidate(2)])  # new content
    (load,) = load_system(con, landing, "ats", SALT)
    assert hashed == ["candidates.jsonl"] and (load.rows_loaded, load.rows_duplicate) == (1, 1)


def test_a_log_from_before_file_stamps_gains_them(con):
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.ingest_log (source_file VARCHAR, system VARCHAR, entity VARCHAR, extract_date DATE, "
                "checksum VARCHAR, status VARCHAR, rows_in_file BIGINT, rows_loaded BIGINT, rows_duplicate BIGINT, "
                "rows_quarantined BIGINT, unknown_columns VARCHAR[], values_not_allowed BIGINT, message VARCHAR, "
                "loaded_at TIMESTAMP)")
    con.execute("INSERT INTO raw.ingest_log (source_file, checksum) VALUES ('old.jsonl', 'abc')")
    loader.ensure_raw_tables(con)
    assert con.execute("SELECT source_file, file_size, file_mtime_ns FROM raw.ingest_log").fetchall() == [
        ("old.jsonl", None, None)]


def test_a_load_leaves_the_log_checkpointed_and_the_checkpoint_threshold_as_it_was(tmp_path):
    landing = tmp_path / "landing"
    _jsonl(landing, "2026-01-12", "candidates", [_candidate(i) for i in range(50)])
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("SET checkpoint_threshold = '1KB'")
    load_system(con, landing, "ats", SALT)
    assert con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0] == "1000 bytes"
    wal = tmp_path / "w.duckdb.wal"
    assert not wal.exists() or wal.stat().st_size == 0
