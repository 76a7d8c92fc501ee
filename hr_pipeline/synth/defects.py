"""Defects the source systems really have, injected at set rates and logged record by record.

Cell defects are marked here, per spilled chunk, in one `_m_<column>` code per contract column; the
extract writer renders each code (a blank, a variant spelling, another date format, garbage) and
writes the log from the same codes, so the log and the files cannot disagree. Skill variants and
unknown skills, contact details in free text, late outcomes, hires booked twice and hires with
another e-mail in the HRIS are made by the simulation itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pandas as pd

from hr_pipeline.ingest.contracts import CONTRACTS, CONTRACTS_BY_TABLE, Contract


def _rate(default: float, what: str, handling: str) -> float:
    return field(default=default, metadata={"what": what, "handling": handling})


@dataclass(frozen=True)
class DefectRates:
    """Share of records (or values) hit by each defect; `DefectRates.none()` for a clean world.

    Each field is one defect, named as in `ground_truth/defects.parquet`; its metadata says what it
    does and how the pipeline is meant to handle it (shown by `--help` and in the docs)."""

    missing: float = _rate(0.01, "share of each critical column's values left blank (`--missing` sets single columns)",
                           "the quality gate measures completeness (>= 95 %) and blocks below it")
    duplicate_export: float = _rate(0.01, "share of records exported twice in the same extract",
                                    "the loader keeps one copy per row hash")
    late_outcome: float = _rate(0.10, "share of performance reviews, terminations and hiring-manager survey answers "
                                      "entered 1-8 weeks late, so "
                                      "they land in a later extract than their date",
                                "outcomes are read by event date, and milestones count as recorded only once known")
    mixed_date_format: float = _rate(0.02, "share of ATS and HRIS date/timestamp values written in another format "
                                           "of the system's dialect",
                                     "the loader tries every format of the dialect")
    messy_category: float = _rate(0.02, "share of category values with stray whitespace or other case "
                                        "(' sales', 'SALES', 'Sales ')",
                                  "staging trims and lower-cases categories before checking allowed values")
    malformed_value: float = _rate(0.002, "share of ATS and HRIS records with one number, date or boolean that "
                                          "does not parse ('n/a', '7,5 Jahre', '31.02.2025')",
                                   "the loader quarantines the row, naming file, row and field")
    skill_variant: float = _rate(0.05, "share of skill mentions spelled another way ('python3', 'Py', 'MS Excel')",
                                 "the skill taxonomy seed maps every spelling to one canonical skill")
    pii_in_free_text: float = _rate(0.02, "share of recruiters' free-text reasons with a phone number or e-mail "
                                          "address typed in",
                                    "the loader scrubs e-mail addresses and phone numbers from free text")
    email_not_normalised: float = _rate(0.05, "share of HRIS e-mails differing from the ATS one by case or "
                                              "whitespace only",
                                        "the person key hashes the trimmed, lower-cased e-mail")
    out_of_range: float = _rate(0.001, "share of performance reviews, timesheets and hires with an impossible value "
                                       "that still parses (rating 0, 6, 7 or 10; a month's hours as a week's; a "
                                       "start date a century late)",
                                "the quality gate measures validity and blocks below its threshold")
    duplicate_key: float = _rate(0.0, "share of hires the ATS books twice: a second hire record with a new "
                                      "`hire_id` for the same application",
                                 "the loader keeps both (they differ); the quality gate measures uniqueness of the "
                                 "application per hire and blocks")
    unknown_skill: float = _rate(0.01, "extra skill mentions, per mention, spelled outside the taxonomy "
                                       "('COBOL', 'Kanban coaching'), added to a candidate's list or as an "
                                       "employee's skill record",
                                 "staging keeps them unmapped (`int_unmapped_skills`); the quality gate measures the "
                                 "mapped share")
    unmatched_hire: float = _rate(0.01, "share of hires whose HRIS record carries another e-mail than their ATS "
                                        "record (a private address)",
                                  "the person keys differ, so identity resolution cannot match the hire; the quality "
                                  "gate measures the matched share")

    @classmethod
    def none(cls) -> DefectRates:
        return cls(**{f.name: 0.0 for f in fields(cls)})

    def __post_init__(self):
        for name, rate in asdict(self).items():
            if not 0 <= rate <= 1:
                raise ValueError(f"defect rate {name}={rate} is not in [0, 1]")


DEFECTS = tuple(f.name for f in fields(DefectRates))  # the names in ground_truth/defects.parquet

# Marker codes of a cell (`_m_<column>`), rendered by the extract writer.
(CLEAN, MISSING, LEADING_SPACE, UPPER_CASE, TITLE_TRAILING_SPACE, OTHER_FORMAT, THIRD_FORMAT, MALFORMED,
 OUT_OF_RANGE) = range(9)
SPELLING_CODES = (LEADING_SPACE, UPPER_CASE, TITLE_TRAILING_SPACE)
# outcomes, which may arrive late
LATE_TABLES = ("hris_performance_reviews", "hris_terminations", "hris_hiring_manager_surveys")
TEXT_SYSTEMS = ("ats", "hris")  # Parquet is typed: no malformed values, no date formats
PARSED_TYPES = ("DOUBLE", "INTEGER", "BOOLEAN", "DATE", "TIMESTAMP")

# What a malformed value looks like, per type (and per system where the format differs).
GARBAGE = {
    "DOUBLE": ("n/a", "7,5 Jahre", "ca. 3", "-"),
    "INTEGER": ("n/a", "drei", "4+", "?"),
    "BOOLEAN": ("vielleicht", "n/a", "ukendt"),
    "DATE": {"ats": ("2025-02-31", "31/02/2025", "unknown"), "hris": ("31.02.2025", "00.00.0000", "2025-13-01")},
    "TIMESTAMP": {"ats": ("2025-02-30T08:00:00", "n/a"), "hris": ("31.02.2025 08:00:00", "30.02.2025 7:61")},
}


# The impossible value of an `out_of_range` cell, per (table, column): SQL over the typed value `{v}`.
IMPOSSIBLE = {
    ("hris_performance_reviews", "rating"): "[0, 6, 7, 10][_row % 4 + 1]",
    ("timetracking_timesheets", "hours_worked"): "round(greatest({v}, 30) * 4.33 * 4) / 4",  # the month's hours
    ("ats_hires", "start_date"): "CAST({v} + INTERVAL 100 YEAR AS DATE)",  # a century typo, never before the offer
}


def garbage(column_type: str, system: str) -> tuple[str, ...]:
    values = GARBAGE[column_type]
    return values[system] if isinstance(values, dict) else values


def parse_missing(items: list[str]) -> dict[tuple[str, str], float]:
    """`ENTITY.COLUMN=RATE` (entity as `candidates` or `ats_candidates`) -> {(table, column): rate}."""
    by_name = {c.entity: c for c in CONTRACTS} | {c.table: c for c in CONTRACTS}
    parsed = {}
    for item in items:
        try:
            target, rate = item.split("=")
            entity, column = target.split(".")
            contract, rate = by_name[entity], float(rate)
        except (ValueError, KeyError) as exc:
            raise ValueError(f"--missing {item!r}: expected ENTITY.COLUMN=RATE with a known entity") from exc
        if column not in {c.name for c in contract.columns} or not 0 <= rate <= 1:
            raise ValueError(f"--missing {item!r}: {contract.entity} has no column {column!r} or rate not in [0, 1]")
        parsed[(contract.table, column)] = rate
    return parsed


def cell_defect(contract: Contract, column: str, code: int) -> str:
    """The defect name a marker code stands for on this column."""
    if code == MISSING:
        return "missing"
    if code == OUT_OF_RANGE:
        return "out_of_range"
    if code in SPELLING_CODES:
        return "email_not_normalised" if column == "email" else "messy_category"
    return "mixed_date_format" if code in (OTHER_FORMAT, THIRD_FORMAT) else "malformed_value"


class Marker:
    """Draws the cell defects and duplicate exports of each spilled chunk of an entity."""

    def __init__(self, rates: DefectRates, missing: dict[tuple[str, str], float], rng: np.random.Generator):
        self.rates, self.missing, self.rng = rates, missing, rng

    def sample(self, eligible: np.ndarray, rate: float) -> np.ndarray:
        """Rows among `eligible` hit at `rate` of all rows; the count is rounded at random, so the
        rate holds in expectation however small the chunk."""
        pool = np.flatnonzero(eligible)
        k = min(int(rate * len(eligible) + self.rng.random()), len(pool))
        return self.rng.choice(pool, k, replace=False) if k else pool[:0]

    def mark(self, table: str, frame: pd.DataFrame) -> pd.DataFrame:
        contract = CONTRACTS_BY_TABLE[table]
        n, rates = len(frame), self.rates
        text = contract.system in TEXT_SYSTEMS
        present = {c.name: frame[c.name].notna().to_numpy() if c.name in frame else np.ones(n, bool)
                   for c in contract.columns}
        markers = {c.name: np.zeros(n, np.uint8) for c in contract.columns}

        def hit(column: str, rate: float, codes) -> None:
            rows = self.sample(present[column] & (markers[column] == CLEAN), rate)
            markers[column][rows] = self.rng.choice(np.asarray(codes, np.uint8), len(rows))

        for c in contract.columns:
            default = rates.missing if c.name in contract.critical else 0.0
            hit(c.name, self.missing.get((table, c.name), default), (MISSING,))
            if (table, c.name) in IMPOSSIBLE:
                hit(c.name, rates.out_of_range, (OUT_OF_RANGE,))
            if c.allowed:
                hit(c.name, rates.messy_category, SPELLING_CODES)
            if c.name == "email" and contract.system == "hris":
                hit(c.name, rates.email_not_normalised, SPELLING_CODES)
            if text and c.type in ("DATE", "TIMESTAMP"):
                formats = contract.dialect.date_formats if c.type == "DATE" else contract.dialect.timestamp_formats
                hit(c.name, rates.mixed_date_format, (OTHER_FORMAT, THIRD_FORMAT)[:len(formats) - 1])
        parsed = [c.name for c in contract.columns if c.type in PARSED_TYPES]
        if text and parsed:
            rows = self.sample(np.ones(n, bool), rates.malformed_value)
            column = np.asarray(parsed)[self.rng.integers(0, len(parsed), len(rows))]
            for name in parsed:
                target = rows[column == name]
                target = target[present[name][target] & (markers[name][target] == CLEAN)]
                markers[name][target] = MALFORMED
        duplicate = np.zeros(n, bool)
        duplicate[self.sample(np.ones(n, bool), rates.duplicate_export)] = True
        return frame.assign(**{f"_m_{name}": m for name, m in markers.items()}, _dup=duplicate)
