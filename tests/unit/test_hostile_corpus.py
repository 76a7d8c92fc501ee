"""A hostile landing zone, one case at a time, against the real loader and DuckDB.

Each case lands files as real senders get them wrong and says where every row must go: loaded, a
duplicate, or quarantined with a reason naming file, row and field; anything not loadable is in
`raw.ingest_log` as quarantined, refused, ignored or not part of the contract, with a message
that names the path and says what was expected. After each case a second load of the same landing
changes nothing (a bad file never blocks later runs) and a good folder dated later still loads.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import duckdb
import pytest
from test_loader import _candidate, _decision, _tables

from hr_pipeline.ingest.loader import load_system

SALT = "salt"
TODAY = date(2026, 3, 2)
DAY = "2026-01-12"  # the case's extract folder
LATER = "2026-01-19"  # a good folder landing after it

SURVEYS = "response_id;employee_id;survey_date;engagement_score;enps;updated_at"
EMPLOYEES = ("employee_id;first_name;last_name;email;phone;gender;age_band;ethnicity;hire_date;department;job_family;"
             "location;manager_id;salary_band;updated_at")


def survey(i, updated="31.03.2025 12:00:00", score="3,8") -> str:
    return f"S{i};E{i};31.03.2025;{score};9;{updated}"


def employee(i, email="ole.hansen@firma.dk", hire_date="01.02.2025", first="Ole", last="Hansen") -> str:
    return (f"E{i};{first};{last};{email};+45 20 12 34 56;male;25_34;majority;{hire_date};Salg;sales;Aarhus;E0;b2;"
            f"01.02.2025 08:00:00")


def csv(*lines, header=SURVEYS, nl="\n") -> str:
    return nl.join((header,) + lines) + nl


def jsonl(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)


def timesheet(i, **over) -> dict:
    return {"timesheet_id": f"TS{i}", "employee_id": f"E{i}", "week_start": date(2026, 1, 5), "hours_worked": 37.5,
            "overtime_hours": 0.0, "sick_days": 0.0, "vacation_days": 0.0, "updated_at": "2026-01-09 17:00:00"} | over


def parquet(*rows, types: dict[str, str] | None = None) -> Callable[[Path], None]:
    """A Parquet writer: the rows with the contract's types, unless `types` says otherwise."""
    typed = {"week_start": "DATE", "hours_worked": "DOUBLE", "overtime_hours": "DOUBLE", "sick_days": "DOUBLE",
             "vacation_days": "DOUBLE", "updated_at": "TIMESTAMP"} | (types or {})

    def write(path: Path) -> None:
        con = duckdb.connect()
        names = list(rows[0]) if rows else list(timesheet(0))
        values = [[r.get(n) for n in names] for r in rows] or [[timesheet(0)[n] for n in names]]
        selects = " UNION ALL ".join(
            "SELECT " + ", ".join(f"CAST(${i * len(names) + j + 1} AS {typed.get(n, 'VARCHAR')}) AS \"{n}\""
                                  for j, n in enumerate(names)) for i in range(len(values)))
        con.execute(f"COPY ({selects}{'' if rows else ' LIMIT 0'}) TO '{path}' (FORMAT parquet)",
                    [v if not isinstance(v, date) else str(v) for row in values for v in row])
    return write


@dataclass
class Case:
    system: str
    files: dict[str, str | bytes | Callable[[Path], None] | None]  # path under landing -> content (None: a folder)
    log: dict[str, tuple]  # path -> (status, rows_in_file, loaded, duplicate, quarantined)
    quarantine: set[tuple] = field(default_factory=set)  # (path, row, field)
    message: str = ""  # in every message (ingest_log) and quarantine reason of the case
    check: Callable[[duckdb.DuckDBPyConnection], None] | None = None


def _raw(con, sql):
    return con.execute(sql).fetchall()


def _no_personal_data(*needles):
    def check(con):
        everything = str([_raw(con, f"SELECT * FROM {t}") for (t,) in _raw(
            con, "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE schema_name = 'raw'")])
        for needle in needles:
            assert needle not in everything, needle
    return check


def _extra_is(expected):
    def check(con):
        assert [json.loads(e) if e else None
                for (e,) in _raw(con, "SELECT _extra FROM raw.ats_candidates ORDER BY _row_number")] == expected
    return check


def _quarantine_value(field_, value):
    return _rows_are(f"SELECT value FROM raw.quarantine WHERE field = '{field_}'", [(value,)])


def _rows_are(sql, expected):
    def check(con):
        assert _raw(con, sql) == expected
    return check


def _all(*checks):
    def check(con):
        for c in checks:
            c(con)
    return check


OK = ("loaded",)
S, C = f"hris/{DAY}/engagement_surveys.csv", f"ats/{DAY}/candidates.jsonl"
T, D = f"timetracking/{DAY}/timesheets.parquet", f"ats/{DAY}/recruiter_decisions.jsonl"
E = f"hris/{DAY}/employees.csv"
BIG = "x" * 5_000_000

CASES = {
    # -- the folder layout -----------------------------------------------------------------------
    "folder_named_latest": Case("hris", {"hris/latest/engagement_surveys.csv": csv(survey(1))},
                                {"hris/latest": ("refused", None, None, None, None)}, message="not an extract date"),
    "folder_impossible_date": Case("hris", {"hris/2026-13-45/engagement_surveys.csv": csv(survey(1))},
                                   {"hris/2026-13-45": ("refused", None, None, None, None)},
                                   message="not an extract date"),
    "folder_hidden": Case("hris", {"hris/.tmp/engagement_surveys.csv": csv(survey(1))},
                          {"hris/.tmp": ("ignored", None, None, None, None)}, message="hidden folder"),
    "folder_in_the_future": Case("ats", {"ats/2099-01-01/candidates.jsonl": jsonl(_candidate(1))},
                                 {"ats/2099-01-01": ("refused", None, None, None, None)}, message="after today"),
    "folder_dated_tomorrow_within_tolerance": Case("ats", {"ats/2026-03-03/candidates.jsonl": jsonl(_candidate(1))},
                                                   {"ats/2026-03-03/candidates.jsonl": OK + (1, 1, 0, 0)}),
    "folder_symlink_out_of_the_landing_zone": Case("hris", {f"hris/{DAY}": "->outside"},
                                                   {f"hris/{DAY}": ("refused", None, None, None, None)},
                                                   message="outside the landing zone"),
    "file_symlink_out_of_the_landing_zone": Case("hris", {S: "->outside/engagement_surveys.csv"},
                                                 {S: ("refused", None, None, None, None)},
                                                 message="outside the landing zone"),
    "file_symlink_inside_the_landing_zone": Case("hris", {"hris/spare.txt": csv(survey(1)), S: "->../spare.txt"},
                                                 {S: OK + (1, 1, 0, 0), "hris/spare.txt":
                                                  ("not_in_contract", None, None, None, None)}),
    "file_name_in_upper_case": Case("hris", {f"hris/{DAY}/Employees.csv": csv(employee(1), header=EMPLOYEES)},
                                    {f"hris/{DAY}/Employees.csv": ("not_in_contract", None, None, None, None)},
                                    message="did you mean employees.csv?"),
    "file_suffix_in_upper_case": Case("hris", {f"hris/{DAY}/employees.CSV": csv(employee(1), header=EMPLOYEES)},
                                      {f"hris/{DAY}/employees.CSV": ("not_in_contract", None, None, None, None)},
                                      message="did you mean employees.csv?"),
    "file_suffix_json_not_jsonl": Case("ats", {f"ats/{DAY}/candidates.json": jsonl(_candidate(1))},
                                       {f"ats/{DAY}/candidates.json": ("not_in_contract", None, None, None, None)},
                                       message="did you mean candidates.jsonl?"),
    "file_of_another_system": Case("hris", {f"hris/{DAY}/candidates.jsonl": jsonl(_candidate(1))},
                                   {f"hris/{DAY}/candidates.jsonl": ("not_in_contract", None, None, None, None)},
                                   message="candidates is an ats entity: expected landing/ats/<date>/candidates.jsonl"),
    "file_outside_an_extract_folder": Case("hris", {"hris/engagement_surveys.csv": csv(survey(1))},
                                           {"hris/engagement_surveys.csv": ("not_in_contract",) + (None,) * 4},
                                           message="outside any extract folder"),
    "folder_named_like_a_file": Case("hris", {S: None}, {S: ("not_in_contract", None, None, None, None)},
                                     message="a folder where the contract expects files"),
    "hidden_file_in_a_folder": Case("hris", {f"hris/{DAY}/.DS_Store": b"\0\1", S: csv(survey(1))},
                                    {f"hris/{DAY}/.DS_Store": ("ignored",) + (None,) * 4, S: OK + (1, 1, 0, 0)}),
    # -- encodings -------------------------------------------------------------------------------
    "csv_with_utf8_byte_order_mark": Case("hris", {S: "\ufeff" + csv(survey(1), survey(2))}, {S: OK + (2, 2, 0, 0)}),
    "jsonl_with_utf8_byte_order_mark": Case("ats", {C: "\ufeff" + jsonl(_candidate(1), _candidate(2))},
                                            {C: OK + (2, 2, 0, 0)}),
    "csv_in_latin1": Case("hris", {E: csv(employee(1), employee(2, first="Søren"), header=EMPLOYEES).encode("latin-1")},
                          {E: ("quarantined", None, None, None, None)}, message="is not UTF-8: byte 0xF8 on line 3"),
    "csv_in_utf16": Case("hris", {S: csv(survey(1)).encode("utf-16")}, {S: ("quarantined",) + (None,) * 4},
                         message="is UTF-16"),
    "jsonl_in_utf16_without_byte_order_mark": Case("ats", {C: jsonl(_candidate(1)).encode("utf-16-le")},
                                                   {C: ("quarantined",) + (None,) * 4}, message="NUL byte on line 1"),
    "csv_with_a_nul_byte": Case("hris", {S: csv(survey(1), survey(2).replace("E2", "E\0"))},
                                {S: ("quarantined",) + (None,) * 4}, message="NUL byte on line 3"),
    # -- CSV headers -----------------------------------------------------------------------------
    "csv_duplicate_header_name": Case("hris", {S: csv(survey(1) + ";E9", header=SURVEYS + ";employee_id")},
                                      {S: ("quarantined",) + (None,) * 4},
                                      message="column employee_id appears twice in the header (fields 2 and 7)"),
    "csv_empty_header_name_is_dropped": Case("hris", {S: csv(survey(1) + ";Søren Hansen", header=SURVEYS + ";")},
                                             {S: OK + (1, 1, 0, 0)}, message="field 7 (no name)",
                                             check=_no_personal_data("Søren")),
    "csv_header_with_spaces_quotes_and_case": Case(
        "hris", {S: csv(survey(1), header=' "Response_ID" ;EMPLOYEE_ID;Survey Date;engagement_score ;enps;updated_at')},
        {S: OK + (1, 1, 0, 0)}),
    "csv_header_only": Case("hris", {S: csv()}, {S: OK + (0, 0, 0, 0)}),
    "csv_zero_bytes": Case("hris", {S: b""}, {S: ("quarantined", 0, 0, 0, 0)}, message="empty file, no header row"),
    "csv_required_column_missing": Case("hris", {S: csv("S1;E1;31.03.2025;3,8;9", header=SURVEYS.rsplit(";", 1)[0])},
                                        {S: ("quarantined", 1, 0, 0, 1)}, message="required column updated_at missing"),
    "csv_header_with_the_wrong_separator": Case("hris", {S: csv(survey(1).replace(";", ","),
                                                                header=SURVEYS.replace(";", ","))},
                                                {S: ("quarantined",) + (None,) * 4}, message="separates fields by `;`"),
    # -- CSV rows --------------------------------------------------------------------------------
    "csv_unquoted_separator_gives_an_extra_field": Case(
        "hris", {S: csv(survey(1), "S2;E2;31.03.2025;3;8;9;31.03.2025 12:00:00", survey(3))},
        {S: OK + (3, 2, 0, 1)}, {(S, 2, None)}, message="more fields than the header"),
    "csv_row_with_too_few_fields": Case("hris", {S: csv(survey(1), "S2;E2;31.03.2025", survey(3))},
                                        {S: OK + (3, 2, 0, 1)}, {(S, 2, "engagement_score")},
                                        message="fewer fields than the header"),
    "csv_unterminated_quote_in_the_last_row": Case("hris", {S: csv(survey(1), survey(2), 'S3;E3;"31.03.2025;3,8;9;x')},
                                                   {S: OK + (3, 2, 0, 1)}, {(S, 3, "survey_date")},
                                                   message="a quote that is not closed"),
    "csv_five_megabyte_field": Case("hris", {S: csv(survey(1), f"S2;E2;31.03.2025;3,8;9;{BIG}", survey(3))},
                                    {S: OK + (3, 2, 0, 1)}, {(S, 2, None)}, message="longer than the reader's limit"),
    "csv_crlf_line_endings": Case("hris", {S: csv(survey(1), survey(2), nl="\r\n")}, {S: OK + (2, 2, 0, 0)}),
    "csv_trailing_empty_lines": Case("hris", {S: csv(survey(1), survey(2)) + "\n\n\n"}, {S: OK + (2, 2, 0, 0)}),
    "csv_header_repeated_mid_file": Case("hris", {S: csv(survey(1), SURVEYS, survey(2))}, {S: OK + (3, 2, 0, 1)},
                                         {(S, 2, "survey_date"), (S, 2, "engagement_score"), (S, 2, "enps"),
                                          (S, 2, "updated_at")}, message="not a"),
    "csv_blank_line_mid_file": Case("hris", {S: csv(survey(1), "", survey(2))}, {S: OK + (2, 2, 0, 0)}),
    "csv_thousands_separator_in_a_number": Case("hris", {S: csv(survey(1, score="1.234,5"), survey(2))},
                                                {S: OK + (2, 1, 0, 1)}, {(S, 1, "engagement_score")},
                                                message="not a number with decimal ','"),
    "csv_extract_sent_again_in_a_later_folder": Case(
        "hris", {"hris/2026-01-05/engagement_surveys.csv": csv(survey(1), survey(2)), S: csv(survey(1), survey(2))},
        {"hris/2026-01-05/engagement_surveys.csv": OK + (2, 2, 0, 0), S: OK + (2, 0, 2, 0)}),
    "csv_duplicate_rows": Case("hris", {S: csv(survey(1), survey(1), survey(2))}, {S: OK + (3, 2, 1, 0)}),
    "csv_quoted_separator_and_emoji": Case(
        "hris", {f"hris/{DAY}/terminations.csv": csv('T1;E1;05.01.2026;voluntary;"new job; abroad 🚀 (Tromsø)";'
                                                     "05.01.2026 09:00:00", header="termination_id;employee_id;"
                                                     "termination_date;termination_type;reason;updated_at")},
        {f"hris/{DAY}/terminations.csv": OK + (1, 1, 0, 0)},
        check=_rows_are("SELECT reason FROM raw.hris_terminations", [("new job; abroad 🚀 (Tromsø)",)])),
    "csv_email_typed_into_a_date_column": Case(
        "hris", {E: csv(employee(1), employee(2, hire_date="søren.æblegård@eksempel.dk"), header=EMPLOYEES)},
        {E: OK + (2, 1, 0, 1)}, {(E, 2, "hire_date")}, message="not a date",
        check=_quarantine_value("hire_date", "[e-mail removed]")),
    "csv_name_typed_into_a_date_column": Case(
        "hris", {E: csv(employee(2, hire_date="Ole Hansen"), header=EMPLOYEES)}, {E: OK + (1, 0, 0, 1)},
        {(E, 1, "hire_date")}, check=_quarantine_value("hire_date", "[name removed] [name removed]")),
    "csv_email_as_identifier": Case("hris", {E: csv(employee(1).replace("E1;", "ole@firma.dk;", 1), header=EMPLOYEES)},
                                    {E: OK + (1, 0, 0, 1)}, {(E, 1, "employee_id")}, message="identifiers must not",
                                    check=_no_personal_data("ole@firma.dk")),
    "csv_timestamp_in_the_future": Case("hris", {S: csv(survey(1, updated="01.01.2099 00:00:00"), survey(2))},
                                        {S: OK + (2, 1, 0, 1)}, {(S, 1, "updated_at")}, message="in the future"),
    "csv_unknown_columns_personal_dropped_others_scrubbed": Case(
        "hris", {E: csv(employee(1) + ";privat@müller.de;Ole is great, mail müller@bücher.de or +49 151 2345 6789",
                        header=EMPLOYEES + ";Email2;note")},
        {E: OK + (1, 1, 0, 0)}, message="dropped: email2",
        check=_all(_no_personal_data("müller", "2345", "Ole"), _rows_are("SELECT _extra FROM raw.hris_employees", [
            ('{"note":"[name removed] is great, mail [e-mail removed] or [phone removed]"}',)]))),
    "csv_contact_details_in_text_fields": Case(
        "hris", {E: csv(employee(1).replace("Salg", "Salg (ring +45 20 12 34 56)").replace("Aarhus", "søren@firma.dk"),
                        header=EMPLOYEES)}, {E: OK + (1, 1, 0, 0)},
        check=_rows_are("SELECT department, location FROM raw.hris_employees", [
            ("Salg (ring [phone removed])", "[e-mail removed]")])),
    # -- JSON lines ------------------------------------------------------------------------------
    "jsonl_invalid_line": Case("ats", {C: jsonl(_candidate(1), '{"candidate_id": "C2", ', _candidate(3))},
                               {C: OK + (3, 2, 0, 1)}, {(C, 2, None)}, message="not valid JSON"),
    "jsonl_lines_that_are_not_objects": Case("ats", {C: jsonl(_candidate(1), "[1, 2]", '"text"', "42")},
                                             {C: OK + (4, 1, 0, 3)}, {(C, 2, None), (C, 3, None), (C, 4, None)},
                                             message="not an object"),
    "jsonl_whole_file_is_an_array": Case("ats", {C: json.dumps([_candidate(1), _candidate(2)])},
                                         {C: ("quarantined",) + (None,) * 4}, message="a JSON array, not JSON lines"),
    "jsonl_blank_lines_and_crlf": Case("ats", {C: "\r\n".join([json.dumps(_candidate(1)), "", "  ",
                                                               json.dumps(_candidate(2)), ""])},
                                       {C: OK + (2, 2, 0, 0)},
                                       check=_rows_are("SELECT _row_number FROM raw.ats_candidates ORDER BY 1",
                                                       [(1,), (4,)])),
    "jsonl_key_star_is_read_by_exact_key": Case("ats", {C: jsonl(_candidate(1) | {"*": "wild"}, _candidate(2))},
                                                {C: OK + (2, 2, 0, 0)}, message="",
                                                check=_all(_extra_is([{"*": "wild"}, None]),
                                                           _no_personal_data("Søren", "female"))),
    "jsonl_keys_with_dots_quotes_dollars_brackets": Case(
        "ats", {C: jsonl(_candidate(1) | {"a.b": "1", 'q"uote': "2", "$": "3", "[0]": "4", "profile.city": "5"})},
        {C: OK + (1, 1, 0, 0)},
        check=_extra_is([{"a.b": "1", 'q"uote': "2", "$": "3", "[0]": "4", "profile.city": "5"}])),
    "jsonl_empty_key_and_personal_keys_are_dropped": Case(
        "ats", {C: jsonl(_candidate(1) | {"": "Søren", "gender": "female", "emailAddress": "s@x.dk", "hobby": "ski"})},
        {C: OK + (1, 1, 0, 0)}, message="dropped", check=_extra_is([{"hobby": "ski"}])),
    "jsonl_nested_object_is_text": Case("ats", {C: jsonl(_candidate(1) | {"profile": "Søren, 5 years"}, _candidate(2))},
                                        {C: OK + (2, 1, 0, 1)}, {(C, 1, "profile")}, message="not an object",
                                        check=_no_personal_data("5 years")),
    "jsonl_nested_object_is_a_list": Case("ats", {C: jsonl(_candidate(1) | {"contact": ["s@x.dk"]}, _candidate(2))},
                                          {C: OK + (2, 1, 0, 1)}, {(C, 1, "contact")}, message="not an object"),
    "jsonl_list_where_a_number_is_expected": Case("ats", {C: jsonl(_candidate(1, years_experience=[3, 4]))},
                                                  {C: OK + (1, 0, 0, 1)},
                                                  {(C, 1, "years_experience")}, message="a list or object"),
    "jsonl_object_where_text_is_expected": Case("ats", {C: jsonl(_candidate(1, city={"name": "Oslo"}))},
                                                {C: OK + (1, 0, 0, 1)}, {(C, 1, "city")}, message="a list or object"),
    "jsonl_list_of_objects_where_a_list_of_text_is_expected": Case(
        "ats", {C: jsonl(_candidate(1) | {"skills": [{"name": "Python"}]})}, {C: OK + (1, 0, 0, 1)},
        {(C, 1, "skills")}, message="not a list of text"),
    "jsonl_key_twice_in_a_record": Case("ats", {C: jsonl(json.dumps(_candidate(1))[:-1] + ', "candidate_id": "C9"}')},
                                        {C: OK + (1, 0, 0, 1)}, {(C, 1, None)}, message="appears twice"),
    "jsonl_timestamp_in_the_future": Case("ats", {D: jsonl(_decision(1, "ok") | {"decided_at": "2099-01-01T00:00:00"},
                                                           _decision(2, "ok"))},
                                          {D: OK + (2, 1, 0, 1)}, {(D, 1, "decided_at")}, message="in the future"),
    "jsonl_email_typed_into_a_timestamp": Case("ats",
                                               {D: jsonl(_decision(1, "ok") | {"decided_at": "müller@bücher.de"})},
                                               {D: OK + (1, 0, 0, 1)}, {(D, 1, "decided_at")},
                                               check=_quarantine_value("decided_at", "[e-mail removed]")),
    "jsonl_non_ascii_emails_and_phones_scrubbed_everywhere": Case(
        "ats", {D: jsonl(_decision(1, "cc søren.æblegård@eksempel.dk, tlf +47 412 34 567") |
                         {"model_note": "müller@bücher.de"})}, {D: OK + (1, 1, 0, 0)},
        check=_all(_no_personal_data("æblegård", "bücher", "412 34"), _rows_are(
            "SELECT reason_text FROM raw.ats_recruiter_decisions", [("cc [e-mail removed], tlf [phone removed]",)]))),
    "jsonl_zero_bytes_is_an_empty_delta": Case("ats", {C: b""}, {C: OK + (0, 0, 0, 0)}),
    "jsonl_ascii_escaped_email_scrubbed": Case(
        "ats", {D: jsonl(json.dumps(_decision(1, "cc s\u00f8ren@b\u00fccher.de")) + "\n"
                         + json.dumps(_decision(2, "ok") | {"note": "s\u00f8ren@b\u00fccher.de"}))},
        {D: OK + (2, 2, 0, 0)},
        check=_all(_no_personal_data("bücher", "b\\u00fccher"),
                   _rows_are("SELECT reason_text, CAST(_extra AS VARCHAR) FROM raw.ats_recruiter_decisions ORDER BY 1",
                             [("cc [e-mail removed]", None), ("ok", '{"note":"[e-mail removed]"}')]))),
    "jsonl_very_long_line": Case("ats", {D: jsonl(_decision(1, BIG), _decision(2, "ok"))}, {D: OK + (2, 2, 0, 0)}),
    "jsonl_required_field_missing_in_every_record": Case(
        "ats", {D: jsonl({k: v for k, v in _decision(1, "ok").items() if k != "decided_at"})},
        {D: ("quarantined", 1, 0, 0, 1)}, message="required column decided_at missing"),
    # -- Parquet ---------------------------------------------------------------------------------
    "parquet_column_of_the_wrong_type": Case("timetracking", {T: parquet(timesheet(1, hours_worked="37.5"),
                                                                         timesheet(2, hours_worked="abc"),
                                                                         types={"hours_worked": "VARCHAR"})},
                                             {T: OK + (2, 1, 0, 1)}, {(T, 2, "hours_worked")}, message="not a number"),
    "parquet_struct_where_a_number_is_expected": Case(
        "timetracking", {T: parquet(timesheet(1, hours_worked="{'h': 1}"),
                                    types={"hours_worked": "STRUCT(h INTEGER)"})},
        {T: OK + (1, 0, 0, 1)}, {(T, 1, "hours_worked")}),
    "parquet_empty": Case("timetracking", {T: parquet()}, {T: OK + (0, 0, 0, 0)}),
    "parquet_truncated": Case("timetracking", {T: lambda p: (parquet(timesheet(1))(p),
                                                            p.write_bytes(p.read_bytes()[:-40]))},
                              {T: ("quarantined",) + (None,) * 4}, message="cannot be read as Parquet"),
    "parquet_zero_bytes": Case("timetracking", {T: b""}, {T: ("quarantined",) + (None,) * 4},
                               message="cannot be read as Parquet"),
    "parquet_timestamp_in_the_future": Case("timetracking", {T: parquet(timesheet(1, updated_at="2099-12-31 00:00:00"),
                                                                        timesheet(2))},
                                            {T: OK + (2, 1, 0, 1)}, {(T, 1, "updated_at")}, message="in the future"),
    "parquet_column_names_in_other_case_and_an_unknown_one": Case(
        "timetracking", {T: parquet({("Timesheet_ID" if k == "timesheet_id" else k): v for k, v in
                                     timesheet(1).items()} | {"cost_centre": "4711"})},
        {T: OK + (1, 1, 0, 0)}, check=_rows_are("SELECT timesheet_id, CAST(_extra AS VARCHAR) FROM "
                                                "raw.timetracking_timesheets", [("TS1", '{"cost_centre":"4711"}')])),
    "parquet_text_file_named_parquet": Case("timetracking", {T: csv(survey(1))}, {T: ("quarantined",) + (None,) * 4},
                                            message="cannot be read as Parquet"),
}

# A good folder per system, dated after the case's folder.
GOOD = {"hris": (f"hris/{LATER}/engagement_surveys.csv", csv(survey(90))),
        "ats": (f"ats/{LATER}/recruiter_decisions.jsonl", jsonl(_decision(90, "ok"))),
        "timetracking": (f"timetracking/{LATER}/timesheets.parquet", parquet(timesheet(90)))}


def _land(landing: Path, outside: Path, files: dict) -> None:
    for name, content in files.items():
        path = landing / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.mkdir()
        elif isinstance(content, str) and content.startswith("->"):
            target = content[2:]
            if target.startswith("outside"):
                target = outside / target.removeprefix("outside").lstrip("/")
                if target.suffix:
                    target.write_text(csv(survey(1)), encoding="utf-8")
                else:
                    (target / "engagement_surveys.csv").write_text(csv(survey(1)), encoding="utf-8")
            path.symlink_to(target)
        elif callable(content):
            content(path)
        else:
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


@pytest.mark.parametrize("name", CASES)
def test_hostile_case(name, tmp_path):
    case = CASES[name]
    landing, outside = tmp_path / "landing", tmp_path / "outside"
    outside.mkdir()
    _land(landing, outside, case.files)
    con = duckdb.connect()
    load_system(con, landing, case.system, SALT, today=TODAY)

    logged = {Path(f).relative_to(landing).as_posix(): (status, *counts, message)
              for f, status, *counts, message in _raw(
                  con, "SELECT source_file, status, rows_in_file, rows_loaded, rows_duplicate, rows_quarantined, "
                       "message FROM raw.ingest_log")}
    assert {f: row[:5] for f, row in logged.items()} == case.log
    for f, (status, *_, message) in logged.items():
        if status != "loaded":
            assert str(landing / f) in message
    quarantined = _raw(con, "SELECT source_file, row_number, field, reason FROM raw.quarantine")
    assert {(Path(f).relative_to(landing).as_posix(), row, field_) for f, row, field_, _ in quarantined
            if row is not None} == case.quarantine
    messages = [m for *_, m in logged.values() if m] + [reason for *_, reason in quarantined]
    if case.message:
        assert any(case.message in m for m in messages), messages
    assert _raw(con, "SELECT count(*) FROM raw.ingest_log WHERE rows_in_file IS DISTINCT FROM "
                     "rows_loaded + rows_duplicate + rows_quarantined")[0][0] == 0
    if case.check:
        case.check(con)

    before = _tables(con)
    assert load_system(con, landing, case.system, SALT, today=TODAY) == []
    assert _tables(con) == before

    good, content = GOOD[case.system]
    _land(landing, outside, {good: content})
    (load,) = load_system(con, landing, case.system, SALT, today=TODAY)
    assert (load.status, load.rows_loaded) == ("loaded", 1)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_quarantined_and_loads_once_readable(tmp_path):
    landing = tmp_path / "landing"
    _land(landing, tmp_path, {S: csv(survey(1))})
    (landing / S).chmod(0)
    con = duckdb.connect()
    (load,) = load_system(con, landing, "hris", SALT, today=TODAY)
    assert load.status == "quarantined" and "cannot be opened" in load.message
    assert load_system(con, landing, "hris", SALT, today=TODAY) == []
    (landing / S).chmod(0o600)
    (load,) = load_system(con, landing, "hris", SALT, today=TODAY)
    assert (load.status, load.rows_loaded) == ("loaded", 1)


def test_a_refused_future_folder_loads_once_its_date_has_come(tmp_path):
    landing = tmp_path / "landing"
    _land(landing, tmp_path, {"ats/2026-03-10/candidates.jsonl": jsonl(_candidate(1))})
    con = duckdb.connect()
    (refused,) = load_system(con, landing, "ats", SALT, today=TODAY)
    assert refused.status == "refused"
    assert con.execute("SELECT count(*) FROM raw.ats_candidates").fetchone()[0] == 0
    (load,) = load_system(con, landing, "ats", SALT, today=date(2026, 3, 10))
    assert (load.status, load.rows_loaded) == ("loaded", 1)


def test_the_corpus_covers_every_dialect_and_status():
    assert len(CASES) >= 40
    assert {c.system for c in CASES.values()} == {"ats", "hris", "timetracking"}
    assert {s for c in CASES.values() for s, *_ in c.log.values()} == {
        "loaded", "quarantined", "refused", "ignored", "not_in_contract"}
