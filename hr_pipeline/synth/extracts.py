"""Generate a synthetic world: simulate it week by week, spilled to Parquet, let DuckDB write the weekly
delta extracts each source system would export, and the ground truth beside them.

Layout: `<out>/landing/<system>/<extract_date>/<entity>.<ext>` and `<out>/ground_truth/` beside
(never inside) the landing zone. The spill lives in `<out>/.work/` while generating, then goes.
`generate_world` writes a whole history at once; a `World` advances to a date and writes the extracts
due by then, so a simulation can run a pipeline between weeks. Both write the same files for a spec.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hr_pipeline.ingest.contracts import CONTRACTS, CONTRACTS_BY_TABLE
from hr_pipeline.synth import effects as fx
from hr_pipeline.synth import render
from hr_pipeline.synth.defects import DefectRates, Marker, parse_missing
from hr_pipeline.synth.spec import WorldSpec
from hr_pipeline.synth.hiring import Screener
from hr_pipeline.synth.world import Simulator

__all__ = ["DefectRates", "GenerateSummary", "World", "generate_world", "parse_missing"]

log = logging.getLogger(__name__)
TRUTH_DIR = "ground_truth"  # beside landing/: what only a synthetic world knows

DUCKDB_MEMORY_LIMIT = "2GB"
SPILL_ROWS = 250_000  # rows of a table held in memory before they are written as one Parquet file


@dataclass(frozen=True)
class GenerateSummary:
    out: str
    extracts: int
    files: int
    rows: dict[str, int]
    start: str
    as_of: str


class Spill:
    """The simulation's sink: marks each contract entity's records with their defects, numbers the rows
    and buffers them, writing a table's buffer as one Parquet file under `<work>/<table>/` when it is
    large or when the records are read (`flush`)."""

    def __init__(self, work: Path, marker: Marker):
        self.work, self.marker = work, marker
        self.parts: dict[str, int] = {}
        self.rows: dict[str, int] = {}
        self.buffers: dict[str, list[pd.DataFrame]] = {}

    def __call__(self, table: str, frame: pd.DataFrame) -> None:
        if not len(frame):
            return
        if table in CONTRACTS_BY_TABLE:
            frame = self.marker.mark(table, frame)
        first = self.rows.get(table, 0)
        self.buffers.setdefault(table, []).append(frame.assign(_row=np.arange(first, first + len(frame))))
        self.rows[table] = first + len(frame)
        if sum(map(len, self.buffers[table])) >= SPILL_ROWS:
            self.write(table)

    def write(self, table: str) -> None:
        frames = self.buffers.pop(table, [])
        if not frames:
            return
        part = self.parts.get(table, 0)
        folder = self.work / table
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False),
                       folder / f"part-{part:05d}.parquet")
        self.parts[table] = part + 1

    def flush(self) -> None:
        for table in list(self.buffers):
            self.write(table)


# What each ground-truth file holds, column by column (world.json lists them; the docs render them).
GROUND_TRUTH = {
    "applications.parquet": ("one row per application made before the as-of date", {
        "application_id": "the ATS application (and, same number, its candidate and AI recommendation)",
        "candidate_id": "the ATS candidate",
        "requisition_id": "the ATS requisition",
        "applied_at": "when the application was made",
        "p_success": "true probability of hire success (retained 12 months and 12-month rating >= 3) if hired",
        "hired": "the candidate accepted an offer before the as-of date",
        "hire_success": "for hires: whether the hire succeeds (also for hires not yet 12 months in)",
        "employee_id": "the HRIS employee the hire became (starts before the as-of date only; also when its "
                       "e-mail differs: `unmatched_hire`)",
        "p_retained_12m": "true probability of staying 12 months",
        "p_rating_3_plus": "true probability of a 12-month rating of 3 or more",
        "would_succeed": "the outcome this applicant would have had if hired (drawn for everyone)",
        "customer_facing": "the requisition is in a customer-facing job family",
        "communication": "the applicant's communication skill (SD units; recorded nowhere in the landing zone)",
        "ethnicity": "as the candidate declared it (the protected group of the bias effect)",
        "after_drift": "applied on or after the drift date",
    }),
    "employees.parquet": ("one row per employee, from the initial staff and from hires", {
        "employee_id": "the HRIS employee",
        "application_id": "the application they were hired through; empty for staff hired before the window",
        "hire_date": "first working day",
        "exit_date": "last working day, when before the as-of date",
        "voluntary": "the exit was voluntary",
        "hazard_from": "from this date exits follow the hazard model (earlier: the hire's first-year outcome)",
        "voluntary_hazard_per_year": "voluntary exit hazard outside a burnout episode",
        "burnout_start": "start of the burnout episode, when it began while employed before the as-of date",
        "burnout_end": "its end (or the as-of date)",
        "trained_in_burnout": "the employee got a training during the episode",
        "burnout_hazard_multiplier": "the multiple of the voluntary hazard at the episode's end (rising from 1 "
                                     "at its start, held for some weeks after)",
    }),
    "screenings.parquet": ("one row per screening recommendation shown to a recruiter before the as-of date", {
        "application_id": "the ATS application",
        "recommended_at": "when the recommendation was shown",
        "source": "where it came from: `vendor` (the vendor AI) or `outbox` (a pipeline's recommendation, in a "
                  "simulation)",
        "model_version": "the version that scored it",
        "score": "the score shown",
        "recommended_advance": "the recommendation was to advance",
        "routed_to_human": "it was marked for a person's review",
        "advanced": "the recruiter advanced the application",
    }),
    "defects.parquet": ("one row per injected defect of a landed record", {
        "table": "raw table of the record (`<system>_<entity>`)",
        "key": "the record's key (several versions of a record share it)",
        "column": "the column hit (empty for a duplicate export)",
        "defect": "the defect, named as in `DefectRates` and the CLI flags",
        "detail": "what was written: the variant value, the format, the original of a blank or of an impossible "
                  "value, the extract, the unknown skill, the first booking's `hire_id` (`duplicate_key`), "
                  "`hire <hire_id>` of an employee keyed by `employee_id` (`unmatched_hire`)",
    }),
    "world.json": ("spec, planted effects, drift event, defect rates, routing, channel costs, file summary", {}),
}


def _parts(work: Path, table: str, empty: str) -> str:
    """The spilled rows of a ground-truth table, or `empty` (typed, no rows) when none were spilled."""
    return f"read_parquet('{work}/{table}/*.parquet')" if (work / table).is_dir() else f"({empty})"


def _truth_sql(work: Path) -> dict[str, str]:
    apps = f"read_parquet('{work}/truth_applications/*.parquet')"
    emps = f"read_parquet('{work}/truth_employees/*.parquet')"
    hires = _parts(work, "truth_hires", "SELECT NULL::BIGINT AS application_id WHERE false")
    screenings = _parts(work, "truth_screenings", """
        SELECT NULL::BIGINT AS application_id, NULL::TIMESTAMP AS recommended_at, NULL::VARCHAR AS source,
               NULL::VARCHAR AS model_version, NULL::DOUBLE AS score, NULL::BOOLEAN AS recommended_advance,
               NULL::BOOLEAN AS routed_to_human, NULL::BOOLEAN AS advanced, NULL::BIGINT AS _row WHERE false""")
    ids = render.id_sql
    dates = ", ".join(f"CAST({c} AS DATE) AS {c}" for c in ("hire_date", "exit_date", "hazard_from", "burnout_start",
                                                             "burnout_end"))
    return {
        "applications.parquet": f"""
            SELECT {ids('application_id', 'a.application_id')} AS application_id,
                   {ids('candidate_id', 'a.candidate_id')} AS candidate_id,
                   {ids('requisition_id', 'a.requisition_id')} AS requisition_id,
                   CAST(a.applied_at AS TIMESTAMP) AS applied_at, a.p_success,
                   h.application_id IS NOT NULL AS hired,
                   CASE WHEN h.application_id IS NOT NULL THEN a.would_succeed END AS hire_success,
                   {ids('employee_id', 'e.employee_id')} AS employee_id,
                   a.p_retained_12m, a.p_rating_3_plus, a.would_succeed, a.customer_facing, a.communication,
                   a.ethnicity, a.after_drift
            FROM {apps} a LEFT JOIN {emps} e ON e.application_id = a.application_id
            LEFT JOIN {hires} h ON h.application_id = a.application_id
            ORDER BY a.application_id""",
        "screenings.parquet": f"""
            SELECT {ids('application_id')} AS application_id, CAST(recommended_at AS TIMESTAMP) AS recommended_at,
                   * EXCLUDE (application_id, recommended_at, _row)
            FROM {screenings} ORDER BY recommended_at, application_id""",
        "employees.parquet": f"""
            SELECT {ids('employee_id')} AS employee_id, {ids('application_id')} AS application_id,
                   * EXCLUDE (employee_id, application_id, _row) REPLACE ({dates})
            FROM {emps} ORDER BY employee_id""",
        "defects.parquet": """SELECT "table", key, "column", defect, detail FROM defects
                              ORDER BY "table", _row, "column" NULLS FIRST, defect, detail""",
    }


class World:
    """A synthetic world written under `out` as it is simulated: `advance` simulates up to a date and writes
    the weekly extracts due by then; `finish` writes the ground truth and the defect log. `screener` (the
    vendor AI unless given) recommends to the recruiters; `missing` and `defects` as in `generate_world`."""

    def __init__(self, out: Path, spec: WorldSpec, missing: dict[tuple[str, str], float] | None = None,
                 defects: DefectRates | None = None, screener: Screener | None = None):
        self.spec, self.rates, self.missing = spec, defects or DefectRates(), missing or {}
        self.out = Path(out)
        self.work, self.landing, self.truth = self.out / ".work", self.out / "landing", self.out / TRUTH_DIR
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        log.info("simulating %d employees over %d weeks up to %s", spec.employees, spec.weeks, spec.end.date())
        self.spill = Spill(self.work, Marker(self.rates, self.missing, np.random.default_rng([spec.seed, 2])))
        self.simulator = Simulator(spec, self.spill, self.rates, screener)
        self.written: date | None = None  # the newest extract date written
        self.rows: dict[str, int] = {c.table: 0 for c in CONTRACTS}
        self.extracts: set[str] = set()
        self.files = 0
        self.con = duckdb.connect(str(self.work / "render.duckdb"), config={
            "memory_limit": DUCKDB_MEMORY_LIMIT, "temp_directory": str(self.work / "spill"),
            "preserve_insertion_order": True})

    def advance(self, until: date) -> list[str]:
        """Simulate the weeks up to `until` (a Monday; at most the as-of date) and write their extracts;
        returns the extract dates written."""
        until = min(pd.Timestamp(until), self.spec.end)
        self.simulator.advance(int(until.value // 10**9))
        self.spill.flush()
        since = f"{self.written:%Y-%m-%d}" if self.written else None
        written: set[str] = set()
        for contract in CONTRACTS:
            if (self.work / contract.table).exists():
                per_extract = render.write_entity(self.con, contract, self.work, self.landing, f"{until:%Y-%m-%d}",
                                                  since)
                self.rows[contract.table] += sum(per_extract.values())
                self.files += len(per_extract)
                written |= set(per_extract)
                log.log(logging.DEBUG if since else logging.INFO, "wrote %s: %d rows in %d files", contract.table,
                        sum(per_extract.values()), len(per_extract))
        self.extracts |= written
        self.written = until.date()
        return sorted(written)

    def close(self) -> None:
        """Stop without writing the defect log or the ground truth (a world simulated only to build on); the
        spill goes."""
        self.con.close()
        shutil.rmtree(self.work)

    def finish(self) -> GenerateSummary:
        """The defect log of everything landed, the ground truth and `world.json`; the spill goes."""
        spec, con, work, truth = self.spec, self.con, self.work, self.truth
        end = f"{spec.end:%Y-%m-%d}"
        try:
            con.execute("""CREATE TABLE defects ("table" VARCHAR, key VARCHAR, "column" VARCHAR, defect VARCHAR,
                                                  detail VARCHAR, _row BIGINT)""")
            skill_defects = f"{work}/defects_skills/*.parquet"
            skill_tables = set()
            if (work / "defects_skills").exists():
                found = con.execute(f"SELECT DISTINCT \"table\" FROM '{skill_defects}'").fetchall()
                skill_tables = {t for (t,) in found}
            for contract in CONTRACTS:
                if not (work / contract.table).exists():
                    continue
                source = f"{work / contract.table}/*.parquet"
                con.execute(f"CREATE OR REPLACE TEMP VIEW typed AS {render.typed_view(contract, source, end)}")
                con.execute(f"INSERT INTO defects {render.log_cell_defects(contract)}")
                if contract.table in skill_tables:
                    con.execute(f"INSERT INTO defects {render.log_skill_defects(contract, skill_defects)}")
            truth.mkdir(parents=True, exist_ok=True)
            for name, sql in _truth_sql(work).items():
                con.execute(f"COPY ({sql}) TO '{truth / name}' (FORMAT parquet)")
        finally:
            con.close()
        shutil.rmtree(work)

        summary = GenerateSummary(str(self.out), len(self.extracts), self.files, self.rows, f"{spec.start:%Y-%m-%d}",
                                  end)
        (truth / "world.json").write_text(json.dumps({
            "spec": {**asdict(spec), "as_of": end, "start": summary.start,
                     "drift_at": spec.drift_at.isoformat() if spec.drift_at else None},
            "planted_effects": fx.planted_effects(),
            "drift_event": fx.drift_event(spec.drift_at),
            "defects": {**asdict(self.rates),
                        "missing_overrides": {f"{t}.{c}": r for (t, c), r in self.missing.items()}},
            "routing": {"confidence_below": fx.ROUTING_CONFIDENCE, "random_sample_share": fx.RANDOM_SAMPLE_SHARE},
            "channel_cost_per_hire_eur": fx.CHANNEL_COST_PER_HIRE,
            "ground_truth": {name: {"holds": holds, "columns": list(columns)}
                             for name, (holds, columns) in GROUND_TRUTH.items()},
            "summary": asdict(summary),
        }, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        return summary


def generate_world(out: Path, employees: int = WorldSpec.employees, years: int = WorldSpec.years,
                   seed: int = WorldSpec.seed, as_of: date | None = None,
                   drift_at: date | None = None, missing: dict[tuple[str, str], float] | None = None,
                   defects: DefectRates | None = None) -> GenerateSummary:
    """Simulate the world and write its landing zone and ground truth under `out`.

    `missing` ({(table, column): rate}, see `parse_missing`) overrides the blanking rate of single
    columns; `defects` sets the rate of every defect (default `DefectRates()`)."""
    spec = WorldSpec(employees=employees, years=years, seed=seed, as_of=as_of or WorldSpec.as_of, drift_at=drift_at)
    world = World(out, spec, missing, defects)
    world.advance(spec.end.date())
    return world.finish()
