"""Erasure outside the warehouse: the BI exports, the outbox and the reports under the home.

The exports are copies of warehouse tables, so they are written again from the cleaned tables; an
export file whose table is gone is deleted if it still holds the person. The outbox's files hold one
recommendation per line, and the lines of the person's applications are dropped: the ATS gets nothing
about them. Reports (the drift HTML,
the Great Expectations Data Docs and stores, whose failed-expectation samples can list ids) are
text: each value is replaced by `[erased]` where it occurs; a file that is not text is deleted (the
next run writes it again).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from hr_pipeline.ingest.parsing import ident, quote
from hr_pipeline.privacy.audit import Removal
from hr_pipeline.privacy.erasure import ERASED, pattern


def _holds(con: duckdb.DuckDBPyConnection, path: Path, regex: str) -> bool:
    source = f"read_parquet({quote(str(path))})"
    columns = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    text = [name for name, type_, *_ in columns if type_ == "VARCHAR"]
    return bool(text) and con.execute(f"SELECT count(*) FROM {source} WHERE " + " OR ".join(
        f"regexp_matches({ident(c)}, $p)" for c in text), {"p": regex}).fetchone()[0] > 0


def rewrite_exports(con: duckdb.DuckDBPyConnection, exports: Path, values: list[str]) -> list[Removal]:
    """Write every export again from the warehouse as the connection sees it; an export file that
    held a value and whose table is gone is deleted."""
    from hr_pipeline.warehouse.exports import export_tables

    if not exports.is_dir():
        return []
    regex = pattern(values)
    held = [path for path in sorted(exports.rglob("*.parquet")) if _holds(con, path, regex)]
    written = {exports / Path(*f"{name}.parquet".split(".", 1)) for name in export_tables(con, exports)}
    removals = []
    for path in held:
        if path not in written:
            path.unlink()
        removals.append(Removal(str(path.relative_to(exports.parent)), int(path not in written), int(path in written)))
    return removals


def scrub_reports(reports: Path, values: list[str], home: Path) -> list[Removal]:
    """Replace the values in every report file that holds one; delete such a file if it is not text."""
    regex = re.compile(pattern(values).encode())
    removals = []
    for path in sorted(p for p in reports.rglob("*") if p.is_file()) if reports.is_dir() else []:
        content = path.read_bytes()
        if not regex.search(content):
            continue
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            path.unlink()
            removals.append(Removal(str(path.relative_to(home)), 1))
            continue
        path.write_bytes(regex.sub(ERASED.encode(), content))
        removals.append(Removal(str(path.relative_to(home)), 0, 1))
    return removals


def drop_outbox_lines(outbox: Path, values: list[str], home: Path) -> list[Removal]:
    """Drop every line of an outbox file that holds a value (one line is one application's recommendation)."""
    regex = re.compile(pattern(values))
    removals = []
    for path in sorted(p for p in outbox.rglob("*") if p.is_file()) if outbox.is_dir() else []:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not regex.search(line)]
        if len(kept) < len(lines):
            path.write_text("".join(kept), encoding="utf-8")
            removals.append(Removal(str(path.relative_to(home)), len(lines) - len(kept)))
    return removals
