"""Write spilled chunks as the weekly landing files, in each system's dialect, with DuckDB.

Per entity: a typed view over its spilled Parquet (identifiers and personal data formatted here,
in SQL), each cell rendered as the system writes it with its defect marker applied and materialised
with all threads, then each extract's file written by one thread in the order the records were made,
which keeps the bytes identical for a seed however many weeks are written at once.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from hr_pipeline.ingest.contracts import Column, Contract
from hr_pipeline.synth import defects as d
from hr_pipeline.synth import names as nm
from hr_pipeline.synth import vocabulary as vc
from hr_pipeline.synth.records import PII_TEMPLATES, REASON_TEXTS

# Integer ids become the systems' string keys.
ID_FORMATS = {
    "requisition_id": "R%08d", "candidate_id": "C%09d", "application_id": "A%09d", "event_id": "SE%010d",
    "recommendation_id": "AI%09d", "decision_id": "D%09d", "offer_id": "O%08d", "hire_id": "H%08d",
    "employee_id": "E%07d", "manager_id": "E%07d", "termination_id": "T%07d", "review_id": "PR%09d",
    "employee_skill_id": "ES%09d", "training_id": "TR%08d", "job_change_id": "JC%08d", "response_id": "ER%09d",
    "survey_response_id": "HM%08d", "timesheet_id": "TS%010d",
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(values) -> str:
    return "[" + ", ".join(_literal(v) for v in values) + "]"


def id_sql(name: str, expr: str | None = None) -> str:
    expr = expr or f'"{name}"'
    return f"CASE WHEN {expr} >= 0 THEN printf('{ID_FORMATS[name]}', {expr}) END"


def _phone_sql(country: str, number: str) -> str:
    """A number in the country's usual grouping, digits taken from an integer."""
    cases = []
    for i, code in enumerate(nm.COUNTRIES):
        pattern, pos, parts = nm.PHONE_FORMATS[code], 1, []
        digits = f"lpad(CAST({number} AS VARCHAR), {pattern.count('#')}, '0')"
        for chunk in pattern.replace("#", "\0#\0").split("\0"):
            if chunk == "#":
                parts.append(f"{digits}[{pos}]")
                pos += 1
            elif chunk:
                parts.append(_literal(chunk))
        cases.append(f"WHEN {i} THEN {' || '.join(parts)}")
    return f"CASE {country} {' '.join(cases)} END"


def _email_sql(first: str, last: str, number: str | None, domain: str) -> str:
    folded_first = _list(nm.ascii_fold(n) for n in nm.FIRST_NAMES)
    folded_last = _list(nm.ascii_fold(n) for n in nm.LAST_NAMES)
    suffix = f" || '.' || {number}" if number else ""
    return f"{folded_first}[{first} + 1] || '.' || {folded_last}[{last} + 1]{suffix} || '@' || {domain}"


def _domain_sql(country: str) -> str:
    return f"{_list(nm.EMAIL_DOMAINS)}[{country} + 1]"


PERSON_SQL = {
    "first_name": f"{_list(nm.FIRST_NAMES)}[_first + 1]",
    "last_name": f"{_list(nm.LAST_NAMES)}[_last + 1]",
    "email": _email_sql("_first", "_last", "_person", _domain_sql("_country")),
    "phone": f"CASE WHEN _phone >= 0 THEN {_phone_sql('_country', '_phone')} END",
}
# The HRIS e-mail of a hire marked `unmatched_hire` (`_unmatched_hire`: its hire id) is a private address.
_PRIVATE_DOMAIN = f"{_list(nm.PRIVATE_EMAIL_DOMAINS)}[_unmatched_hire % {len(nm.PRIVATE_EMAIL_DOMAINS)} + 1]"
HRIS_EMAIL_SQL = f"""CASE WHEN _unmatched_hire >= 0 THEN {_email_sql('_first', '_last', '_person', _PRIVATE_DOMAIN)}
                     ELSE {PERSON_SQL['email']} END"""
_PHONE_TEMPLATES = len(vc.PII_PHONE_TEMPLATES)
REASON_TEXT_SQL = f"""CASE WHEN _reason_text >= 0 THEN {_list(REASON_TEXTS)}[_reason_text + 1] || CASE
    WHEN _pii_template >= 0 THEN replace({_list(PII_TEMPLATES)}[_pii_template + 1], '{{}}',
        CASE WHEN _pii_template < {_PHONE_TEMPLATES} THEN {_phone_sql('_pii_country', '_pii_number')}
             ELSE {_email_sql('_pii_first', '_pii_last', None, _domain_sql('_pii_country'))} END)
    ELSE '' END END"""


def typed_view(contract: Contract, source: str, end: str, since: str | None = None) -> str:
    """The contract's columns, typed, from the spilled records, with `_extract`: the Monday after
    the record changed. Records not delivered by `end` (or by `since`, when given) are left out."""
    replace = [f'{id_sql(c.name)} AS "{c.name}"' for c in contract.columns if c.name in ID_FORMATS]
    replace += [f'CAST("{c.name}" AS {c.type}) AS "{c.name}"' for c in contract.columns
                if c.type in ("DATE", "TIMESTAMP")]
    person = PERSON_SQL | ({"email": HRIS_EMAIL_SQL} if contract.table == "hris_employees" else {})
    added = [f'{person[c.name]} AS "{c.name}"' for c in contract.columns if c.personal]
    if contract.table == "ats_recruiter_decisions":
        added.append(f"{REASON_TEXT_SQL} AS reason_text")
    extract = f"CAST(date_trunc('week', \"{contract.updated_at}\") + INTERVAL 7 DAY AS DATE)"
    # Extract dates are Mondays: a record lands after `since` exactly when it changed on or after it, which the
    # Parquet statistics of the spilled parts can answer without reading the older ones.
    after = f"""WHERE "{contract.updated_at}" >= TIMESTAMP '{since}'""" if since else ""
    return f"""SELECT * FROM (
        SELECT * REPLACE ({', '.join(replace)}){''.join(', ' + a for a in added)}, {extract} AS _extract
        FROM read_parquet('{source}') {after}) WHERE _extract <= DATE '{end}'"""


def _formats(contract: Contract, column: Column) -> tuple[str, ...]:
    dialect = contract.dialect
    return dialect.date_formats if column.type == "DATE" else dialect.timestamp_formats


def impossible(contract: Contract, column: Column) -> str | None:
    """The column's `out_of_range` value (SQL), if it can have one."""
    template = d.IMPOSSIBLE.get((contract.table, column.name))
    return template.format(v=f'"{column.name}"') if template else None


def _as_text(contract: Contract, column: Column, v: str, fmt: int = 0) -> str:
    """A typed value as the system writes it (dates in the dialect's `fmt`-th format)."""
    if column.type in ("DATE", "TIMESTAMP"):
        return f"strftime({v}, '{_formats(contract, column)[fmt]}')"
    if column.type == "DOUBLE" and contract.dialect.decimal != ".":
        return f"replace(CAST({v} AS VARCHAR), '.', '{contract.dialect.decimal}')"
    return v if column.type == "VARCHAR" else f"CAST({v} AS VARCHAR)"


def _text_cases(contract: Contract, column: Column) -> tuple[str, list[tuple[int, str]]]:
    """The value as text the way the system writes it, and the text of each defect code."""
    v = f'"{column.name}"'
    cases: list[tuple[int, str]] = []
    if column.type in ("DATE", "TIMESTAMP"):
        cases += [(code, _as_text(contract, column, v, fmt))
                  for code, fmt in zip((d.OTHER_FORMAT, d.THIRD_FORMAT), range(1, len(_formats(contract, column))),
                                       strict=False)]
    elif column.type == "VARCHAR":
        cases += [(d.LEADING_SPACE, f"' ' || {v}"), (d.UPPER_CASE, f"upper({v})"),
                  (d.TITLE_TRAILING_SPACE, f"upper({v}[1]) || {v}[2:] || ' '")]
    if column.type in d.PARSED_TYPES and contract.system in d.TEXT_SYSTEMS:
        bad = d.garbage(column.type, contract.system)
        cases.append((d.MALFORMED, f"{_list(bad)}[_row % {len(bad)} + 1]"))
    if value := impossible(contract, column):
        cases.append((d.OUT_OF_RANGE, _as_text(contract, column, value)))
    return _as_text(contract, column, v), cases


def cell_text(contract: Contract, column: Column) -> str:
    """The value as written, as text (what the defect log shows)."""
    base, cases = _text_cases(contract, column)
    whens = " ".join(f"WHEN {code} THEN {expr}" for code, expr in cases)
    return f'CASE "_m_{column.name}" WHEN {d.MISSING} THEN NULL {whens} ELSE {base} END'


def cell(contract: Contract, column: Column) -> str:
    """The value as written in the file: typed (Parquet), text (CSV) or a JSON value (JSON lines)."""
    v, marker = f'"{column.name}"', f'"_m_{column.name}"'
    if contract.file_format == "parquet":
        value = impossible(contract, column)
        out_of_range = f"WHEN {d.OUT_OF_RANGE} THEN {value}" if value else ""
        return f"CASE {marker} WHEN {d.MISSING} THEN NULL {out_of_range} ELSE {v} END"
    if contract.file_format == "csv":
        return cell_text(contract, column)
    base, cases = _text_cases(contract, column)
    native = column.type in ("DOUBLE", "INTEGER", "BOOLEAN") or column.type.endswith("[]")
    whens = " ".join(f"WHEN {code} THEN to_json({expr})" for code, expr in cases)
    return f"CASE {marker} WHEN {d.MISSING} THEN NULL::JSON {whens} ELSE to_json({v if native else base}) END"


def _json_record(contract: Contract) -> str:
    """One JSON object per record, nested along each column's `path`, in contract order."""
    tree: dict = {}
    for column in contract.columns:
        *parents, leaf = column.source_path.split(".")
        node = tree
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = cell(contract, column)

    def struct(node) -> str:
        fields = (f"{_literal(k)}: {struct(v) if isinstance(v, dict) else v}" for k, v in node.items())
        return "{" + ", ".join(fields) + "}"

    return f"CAST(to_json({struct(tree)}) AS VARCHAR) AS line"


def write_entity(con: duckdb.DuckDBPyConnection, contract: Contract, work: Path, landing: Path, end: str,
                 since: str | None = None) -> dict:
    """Write the weekly files of one entity up to `end` (after `since`, when given); returns {extract date: rows}."""
    source = f"{work / contract.table}/*.parquet"
    con.execute(f"CREATE OR REPLACE TEMP VIEW typed AS {typed_view(contract, source, end, since)}")
    if contract.file_format == "jsonl":
        columns = _json_record(contract)
    else:
        columns = ", ".join(f'{cell(contract, c)} AS "{c.name}"' for c in contract.columns)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE rendered AS
        SELECT _extract, _row, copy_no, {columns} FROM typed JOIN (VALUES (1), (2)) copies(copy_no)
        ON copy_no = 1 OR _dup ORDER BY _extract, _row, copy_no""")
    options = {"jsonl": "FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01'",  # lines written as they are
               "csv": f"FORMAT csv, HEADER true, DELIMITER '{contract.dialect.delimiter}'",
               "parquet": "FORMAT parquet"}[contract.file_format]
    rows = dict(con.execute("SELECT CAST(_extract AS VARCHAR), count(*) FROM rendered GROUP BY 1 ORDER BY 1")
                .fetchall())
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    try:
        for extract in rows:
            target = landing / contract.system / extract / contract.file_name
            target.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"""COPY (SELECT * EXCLUDE (_extract, _row, copy_no) FROM rendered
                                  WHERE _extract = DATE '{extract}' ORDER BY _row, copy_no)
                            TO '{target}' ({options})""")
    finally:
        con.execute(f"SET threads = {threads}")
    return rows


def log_cell_defects(contract: Contract) -> str:
    """The defect-log rows of the marked cells, duplicates, late outcomes, typed-in contact details,
    hires booked twice and hires with a private e-mail of the records that landed (reads the `typed` view)."""
    key = f'"{contract.key}"'
    parts = []
    for column in contract.columns:
        written, v = cell_text(contract, column), f'CAST("{column.name}" AS VARCHAR)'
        codes = " ".join(f"WHEN {code} THEN '{d.cell_defect(contract, column.name, code)}'"
                         for code in range(d.MISSING, d.OUT_OF_RANGE + 1))
        detail = f"""CASE "_m_{column.name}" WHEN {d.MISSING} THEN 'blank, was ' || {v}
                          WHEN {d.OUT_OF_RANGE} THEN {written} || ', was ' || {v} ELSE {written} END"""
        parts.append(f"""SELECT {key}, '{column.name}', CASE "_m_{column.name}" {codes} END, {detail}, _row
                         FROM typed WHERE "_m_{column.name}" <> {d.CLEAN}""")
    parts.append(f"SELECT {key}, NULL, 'duplicate_export', 'twice in extract ' || _extract, _row FROM typed WHERE _dup")
    if contract.table in d.LATE_TABLES:
        parts.append(f"""SELECT {key}, '{contract.updated_at}', 'late_outcome',
                         _late_weeks || ' weeks late, in extract ' || _extract, _row
                         FROM typed WHERE _late_weeks > 0""")
    if contract.table == "ats_recruiter_decisions":
        parts.append(f"""SELECT {key}, 'reason_text', 'pii_in_free_text',
                         CASE WHEN _pii_template < {_PHONE_TEMPLATES} THEN 'phone number' ELSE 'e-mail address' END,
                         _row FROM typed WHERE _pii_template >= 0""")
    if contract.table == "ats_hires":  # the detail is the first booking's hire_id
        parts.append(f"""SELECT {key}, 'application_id', 'duplicate_key', {id_sql('hire_id', '_original_hire')}, _row
                         FROM typed WHERE _original_hire >= 0""")
    if contract.table == "hris_employees":  # keyed by employee_id; the detail names the hire
        parts.append(f"""SELECT {key}, 'email', 'unmatched_hire', 'hire ' || {id_sql('hire_id', '_unmatched_hire')},
                         _row FROM typed WHERE _unmatched_hire >= 0""")
    return " UNION ALL ".join(f"SELECT '{contract.table}', * FROM ({p})" for p in parts)


def log_skill_defects(contract: Contract, source: str) -> str:
    """The skill mentions spelled as a variant or outside the taxonomy, once per landed version of their record."""
    return f"""SELECT v."table", t."{contract.key}", v."column", v.defect, v.detail, t._row
               FROM read_parquet('{source}') v JOIN typed t ON t."{contract.key}" = {id_sql(contract.key, 'v.key')}
               WHERE v."table" = '{contract.table}'"""
