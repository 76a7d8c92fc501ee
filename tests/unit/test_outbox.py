"""The ATS outbox on a hand-built warehouse: the newest scoring run only, in the outbound contract's columns, with
the log's values and the explanations' factors, in the as-of date's folder, replaced whole on a rerun."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from hr_pipeline.ingest.contracts import ATS_RECOMMENDATIONS
from hr_pipeline.ml.assets import EXPLANATIONS, EXPLANATIONS_DDL, SCORE_COLUMNS, ensure_table
from hr_pipeline.ml.spec import ATTRITION_RISK, HIRE_SUCCESS
from hr_pipeline.outbox.assets import ats_recommendations
from hr_pipeline.resources import Warehouse

AS_OF = date(2026, 11, 16)


def log_run(con: duckdb.DuckDBPyConnection, run_id: str, scored_at: str, applications: list[str]) -> None:
    """One scoring run in the recommendation log: every other application routed, with reasons."""
    rows = [(app, "hire_success-v2" if i % 2 else "hire_success-v1", "challenger" if i % 2 else "champion",
             round(0.1 + 0.1234567 * i, 7), 0.55 + 0.1 * i, "advance" if i % 2 else "reject", i % 2 == 0,
             ["low_confidence", "random_sample"] if i % 2 == 0 else [], scored_at, run_id)
            for i, app in enumerate(applications)]
    con.executemany("""INSERT INTO ml.recommendation_log (application_id, model_version, arm, score, confidence,
                       recommendation, routed_to_human, reasons, scored_at, run_id)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), ?)""", rows)


def build_warehouse(home: Path) -> None:
    """Two scoring runs (the newer one without A00003, with A00004) and the newest run's explanations, written
    out of rank order, beside another version's and another model's factors for the same ids."""
    home.mkdir(exist_ok=True)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute(f"""CREATE SCHEMA intermediate;
                        CREATE TABLE intermediate.int_as_of AS SELECT DATE '{AS_OF}' AS as_of_date""")
        ensure_table(con, "ml.recommendation_log", SCORE_COLUMNS[HIRE_SUCCESS.name])
        log_run(con, "run-old", "2026-11-09 06:00:00", ["A00001", "A00002", "A00003"])
        log_run(con, "run-new", "2026-11-16 06:00:00", ["A00001", "A00002", "A00004"])
        con.execute(EXPLANATIONS_DDL)
        factors = [(HIRE_SUCCESS.name, version, app, rank, feature, "lowers" if rank == 2 else "raises")
                   for app, version in (("A00001", "hire_success-v1"), ("A00002", "hire_success-v2"),
                                        ("A00004", "hire_success-v1"))
                   for rank, feature in ((2, "education"), (1, "years_experience"), (3, "n_skills"))]
        factors += [(HIRE_SUCCESS.name, "hire_success-v2", "A00001", 1, "grade_average", "raises"),
                    (ATTRITION_RISK.name, "attrition_risk-v1", "A00002", 1, "sick_days_3m", "raises")]
        con.executemany(f"""INSERT INTO {EXPLANATIONS} (model_name, model_version, subject_id, rank, feature,
                            direction, text) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                        [(*f, f"{f[4]}: some value, {f[5]} the estimate") for f in factors])


def materialize(home: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize([ats_recommendations], resources={"warehouse": Warehouse(home=str(home))},
                          instance=dg.DagsterInstance.ephemeral())


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def newest_run(home: Path) -> tuple[list[tuple], dict[str, list[dict]]]:
    """The newest run's log rows in the contract's order, and each row's factors from the explanations by rank."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("""SELECT application_id, model_version, arm, score, confidence, recommendation,
                                     routed_to_human, reasons
                              FROM ml.recommendation_log WHERE run_id = 'run-new' ORDER BY application_id""").fetchall()
        factors = {app: [{"feature": f, "direction": d, "text": t} for f, d, t in con.execute(
            f"""SELECT feature, direction, text FROM {EXPLANATIONS} WHERE model_name = ? AND subject_id = ?
                AND model_version = ? ORDER BY rank""", [HIRE_SUCCESS.name, app, version]).fetchall()]
            for app, version, *_ in rows}
    return rows, factors


def test_the_outbox_holds_the_newest_run_in_the_contracts_columns(tmp_path):
    build_warehouse(tmp_path)
    assert materialize(tmp_path).success
    folder = tmp_path / "outbox" / "ats" / AS_OF.isoformat()
    assert [p.name for p in folder.iterdir()] == [f"recommendations.{ATS_RECOMMENDATIONS.file_format}"]
    records = read_lines(folder / ATS_RECOMMENDATIONS.file_name)
    assert all(list(r) == [c.name for c in ATS_RECOMMENDATIONS.columns] for r in records)
    rows, factors = newest_run(tmp_path)
    assert [r["application_id"] for r in records] == ["A00001", "A00002", "A00004"]
    assert [tuple(r[c.name] for c in ATS_RECOMMENDATIONS.columns[:-1]) for r in records] == rows
    assert {r["application_id"]: r["top_factors"] for r in records} == factors
    assert [f["feature"] for f in records[0]["top_factors"]] == ["years_experience", "education", "n_skills"]


def test_a_rerun_replaces_the_file(tmp_path):
    build_warehouse(tmp_path)
    materialize(tmp_path)
    path = ATS_RECOMMENDATIONS.path(tmp_path / "outbox", AS_OF)
    first = path.read_text(encoding="utf-8")
    assert materialize(tmp_path).success
    assert path.read_text(encoding="utf-8") == first
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        log_run(con, "run-newer", "2026-11-16 07:00:00", ["A00005"])
    materialize(tmp_path)
    assert [r["application_id"] for r in read_lines(path)] == ["A00005"]
    assert [r["top_factors"] for r in read_lines(path)] == [[]]
    assert [p.name for p in path.parent.iterdir()] == [path.name]
