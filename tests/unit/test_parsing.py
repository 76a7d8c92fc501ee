"""Property-based tests of the dialect parsers: what a vendor writes is what the raw layer holds."""

from __future__ import annotations

import csv
import json
import tempfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hr_pipeline.ingest.contracts import DIALECTS, Column
from hr_pipeline.ingest.loader import load_system
from hr_pipeline.ingest.parsing import parse_sql, present_sql, scrub_names_sql, scrub_sql

CON = duckdb.connect()
TEXT_DIALECTS = [DIALECTS["ats"], DIALECTS["hris"]]
SPECIAL = "æøåÆØÅäöüÄÖÜß"
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31))
moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda t: t.replace(microsecond=0))


def _parse(type_: str, dialect, text):
    column = Column("v", type_)
    return CON.execute(f"SELECT {parse_sql(column, dialect, '$1')}, {present_sql(column, dialect, '$1')}",
                       [text]).fetchall()[0]


@pytest.mark.parametrize("dialect", TEXT_DIALECTS, ids=["ats", "hris"])
@given(day=dates, data=st.data())
def test_a_date_in_any_of_the_dialects_formats_parses_to_itself(dialect, day, data):
    fmt = data.draw(st.sampled_from(dialect.date_formats))
    assert _parse("DATE", dialect, day.strftime(fmt)) == (day, True)


@pytest.mark.parametrize("dialect", TEXT_DIALECTS, ids=["ats", "hris"])
@given(moment=moments, data=st.data())
def test_a_timestamp_in_any_of_the_dialects_formats_parses_to_itself(dialect, moment, data):
    fmt = data.draw(st.sampled_from(dialect.timestamp_formats))
    expected = moment if "%S" in fmt else moment.replace(second=0)
    assert _parse("TIMESTAMP", dialect, moment.strftime(fmt)) == (expected, True)


@given(day=dates)
def test_an_impossible_date_does_not_parse_but_counts_as_present(day):
    assert _parse("DATE", DIALECTS["hris"], f"{day.day + 31}.{day.month:02d}.{day.year}") == (None, True)


@given(value=st.decimals(min_value=-10_000, max_value=10_000, places=3))
def test_decimal_comma_numbers_parse_in_the_hris_dialect(value):
    text = format(value, "f").replace(".", ",")
    assert _parse("DOUBLE", DIALECTS["hris"], text) == (pytest.approx(float(value)), True)
    assert _parse("DOUBLE", DIALECTS["ats"], format(value, "f")) == (pytest.approx(float(value)), True)


@given(value=st.integers(min_value=-10**9, max_value=10**9), pad=st.sampled_from(["", " ", "  "]))
def test_whole_numbers_parse_with_stray_spaces(value, pad):
    assert _parse("INTEGER", DIALECTS["hris"], f"{pad}{value}{pad}") == (value, True)


@pytest.mark.parametrize("type_", ["VARCHAR", "DOUBLE", "INTEGER", "BOOLEAN", "DATE", "TIMESTAMP"])
@given(blank=st.text(alphabet=" \t\u00a0\u2003", max_size=5))
def test_empty_and_whitespace_fields_are_null_not_errors(type_, blank):
    assert _parse(type_, DIALECTS["hris"], blank) == (None, False)


names = st.text(alphabet=st.sampled_from(SPECIAL + "abcXYZ -';\",\\"), min_size=1, max_size=30).filter(
    lambda s: s.strip())


@settings(max_examples=40, deadline=None)
@given(reason=names, city=names, score=st.decimals(min_value=1, max_value=5, places=1))
def test_special_letters_and_separators_survive_both_text_formats(reason, city, score):
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        hris = landing / "hris" / "2026-01-05"
        hris.mkdir(parents=True)
        with open(hris / "terminations.csv", "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, delimiter=";")
            writer.writerow(["termination_id", "employee_id", "termination_date", "termination_type", "reason",
                             "updated_at"])
            writer.writerow(["T1", "E1", "05.01.2026", "voluntary", reason, "05.01.2026 09:00:00"])
        ats = landing / "ats" / "2026-01-05"
        ats.mkdir(parents=True)
        candidate = {"candidate_id": "C1", "contact": {"first_name": "Åse", "last_name": "Weiß", "email": "a@b.dk"},
                     "profile": {"city": city, "years_experience": float(score), "education": "master",
                                 "grade_average": float(score), "international_experience": False},
                     "skills": [reason, city], "source": {"channel": "referral"}, "updated_at": "2026-01-05T09:00:00"}
        (ats / "candidates.jsonl").write_text(json.dumps(candidate, ensure_ascii=False) + "\n", encoding="utf-8")
        con = duckdb.connect()
        load_system(con, landing, "hris", "salt")
        load_system(con, landing, "ats", "salt")
        assert con.execute("SELECT reason FROM raw.hris_terminations").fetchall() == [(reason,)]
        assert con.execute("SELECT city, skills, years_experience FROM raw.ats_candidates").fetchall() == [
            (city, [reason, city], float(score))]


@pytest.mark.parametrize("text, scrubbed", [
    ("søren.æblegård@eksempel.dk", "[e-mail removed]"),
    ("Mail müller@bücher.de!", "Mail [e-mail removed]!"),
    ("ring +45 20 12 34 56 / +49 151 2345 6789", "ring [phone removed] / [phone removed]"),
    ("20 12 34 56 or 030-1234567", "[phone removed] or [phone removed]"),
    ("31.02.2025, 2025-02-31, 31/02/2025 12:00, ISO 9001:2015, 3 of 4", None),
])
def test_contact_details_are_scrubbed_in_any_letters_and_dates_are_left_alone(text, scrubbed):
    assert CON.execute(f"SELECT {scrub_sql('$1')}", [text]).fetchone()[0] == (scrubbed or text)


def test_the_row_s_own_names_are_scrubbed_as_whole_words_in_any_case():
    sql = scrub_names_sql("$1", ("$2", "$3"))
    assert CON.execute(f"SELECT {sql}", ["SØREN said: ask Søren's boss, not Sørensen", "Søren", "Ø"]).fetchone()[0] \
        == "[name removed] said: ask [name removed]'s boss, not Sørensen"
