"""The weekly review held to its definitions: every column of two weeks recomputed from the landing files (and,
for what the pipeline itself writes, from its ml, monitoring and quality tables), without the dbt models."""

from __future__ import annotations

import csv
import math
from datetime import date, datetime, timedelta

import duckdb
import pytest
import yaml

from hr_pipeline.ingest.contracts import CONTRACTS_BY_TABLE, DIALECTS, STAGES
from hr_pipeline.warehouse.project import DBT_PROJECT_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("default_world")]

FUNNEL = STAGES[:STAGES.index("hired") + 1]  # rejected and withdrawn end the funnel
MODELS = ("hire_success", "attrition_risk")
DRIFT_KINDS = ("data", "prediction", "target")


def landing_table(con: duckdb.DuckDBPyConnection, home, table: str) -> None:
    """Create temp table `table`: the latest readable version of every record of a landing entity, typed, with the
    date of the extract that delivered it. A row with a value that does not parse as its contract type is
    rejected, as the loader quarantines it; categories are trimmed and lower-cased."""
    contract = CONTRACTS_BY_TABLE[table]
    dialect = DIALECTS[contract.system]
    pattern = f"{home}/landing/{contract.system}/*/{contract.file_name}"
    if contract.file_format == "jsonl":
        source = f"read_json_objects('{pattern}', format='newline_delimited', filename=true)"
        text = {c.name: f"json_extract_string(json, '$.{c.source_path}')" for c in contract.columns}
    else:
        source = (f"read_csv('{pattern}', delim='{dialect.delimiter}', all_varchar=true, union_by_name=true, "
                  "filename=true)")
        text = {c.name: f'nullif("{c.name}", \'\')' for c in contract.columns}

    def typed(column) -> str:
        value = text[column.name]
        if column.type == "TIMESTAMP":
            return f"try_strptime({value}, {list(dialect.timestamp_formats)})"
        if column.type == "DATE":
            return f"CAST(try_strptime({value}, {list(dialect.date_formats)}) AS DATE)"
        if column.type == "DOUBLE":
            return f"try_cast(replace({value}, '{dialect.decimal}', '.') AS DOUBLE)"
        if column.type in ("BOOLEAN", "INTEGER", "BIGINT"):
            return f"try_cast({value} AS {column.type})"
        return f"nullif(lower(trim({value})), '')" if column.allowed else value

    version = next(c for c in contract.columns if c.name == contract.updated_at)
    checked = [c for c in contract.columns if c.type in ("TIMESTAMP", "DATE", "DOUBLE", "BOOLEAN", "INTEGER", "BIGINT")]
    readable = " AND ".join([f"{text[contract.key]} IS NOT NULL"]
                            + [f"({text[c.name]} IS NULL OR {typed(c)} IS NOT NULL)" for c in checked])
    columns = [c for c in contract.columns if not (c.personal or c.protected or c.type.endswith("[]"))]
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT * EXCLUDE (recency) FROM (
            SELECT {", ".join(f'{typed(c)} AS "{c.name}"' for c in columns)},
                   CAST(regexp_extract(filename, '/(\\d{{4}}-\\d{{2}}-\\d{{2}})/', 1) AS DATE) AS extract_date,
                   row_number() OVER (PARTITION BY {text[contract.key]}
                                      ORDER BY {typed(version)} DESC,
                                               regexp_extract(filename, '/(\\d{{4}}-\\d{{2}}-\\d{{2}})/', 1) DESC)
                       AS recency
            FROM {source}
            WHERE {readable})
        WHERE recency = 1""")


def kpi_targets() -> dict[str, dict]:
    with open(DBT_PROJECT_DIR / "seeds" / "kpi_targets.csv", newline="", encoding="utf-8") as file:
        return {row["kpi"]: row for row in csv.DictReader(file)}


def status(kpi: str, value, n, partial: bool) -> str:
    """The kpi_columns macro's rule, restated from its definition."""
    target = kpi_targets()[kpi]
    if partial or value is None or (n or 0) < int(target["min_n"]):
        return "not_enough_data"
    on = value >= float(target["target"]) if target["direction"] == "at_least" else value <= float(target["target"])
    return "on_target" if on else "off_target"


def share(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def expected_week(con: duckdb.DuckDBPyConnection, week: date, as_of: date) -> dict:
    """Every column of weekly_review for `week`, from the landing tables in `con` (see landing_table) and the
    warehouse attached as `wh` (only its ml, monitoring and quality tables)."""
    end = week + timedelta(days=6)
    partial = end > as_of
    one = lambda sql, *params: con.execute(sql, [week, *params]).fetchone()  # noqa: E731
    row: dict = {"week_start": week, "period_end": end, "is_partial": partial, "as_of_date": as_of}

    (row["applications"],) = one("SELECT count(*) FROM ats_applications WHERE date_trunc('week', applied_at) = ?")
    row["hires"], row["median_time_to_hire_days"] = one("""
        WITH hires AS (SELECT application_id, min(offer_accepted_at) AS accepted FROM ats_hires GROUP BY ALL)
        SELECT count(*), median(date_diff('day', a.applied_at, h.accepted))
        FROM hires h JOIN ats_applications a USING (application_id) WHERE date_trunc('week', h.accepted) = ?""")

    exits = dict(((stage, nxt), n) for stage, nxt, n in con.execute("""
        WITH events AS (
            SELECT application_id, to_stage AS stage, entered_at,
                   lead(to_stage) OVER w AS next_stage, lead(entered_at) OVER w AS left_at
            FROM ats_stage_events WINDOW w AS (PARTITION BY application_id ORDER BY entered_at, event_id))
        SELECT stage, next_stage, count(*) FROM events
        WHERE next_stage IS NOT NULL AND date_trunc('week', left_at) = ? GROUP BY ALL""", [week]).fetchall())
    for stage, nxt in zip(FUNNEL, FUNNEL[1:], strict=False):
        total = sum(n for (s, _), n in exits.items() if s == stage)
        row[f"{stage}_exits"] = total
        row[f"{stage}_to_{nxt}_share"] = exits.get((stage, nxt), 0) / total if total else None
    qualified, unqualified = exits.get(("screening", "interview"), 0), exits.get(("screening", "rejected"), 0)
    row["screening_decisions"] = qualified + unqualified
    row["pipeline_efficiency_ratio"] = qualified / unqualified if unqualified else None

    agreements = [a for (a,) in con.execute("""
        SELECT d.decision = r.recommendation
        FROM ats_recruiter_decisions d
        JOIN ats_ai_recommendations r USING (application_id)
        JOIN ats_applications USING (application_id)
        WHERE date_trunc('week', d.decided_at) = ? AND d.decision IS NOT NULL AND r.recommendation IS NOT NULL""",
        [week]).fetchall()]
    row["recruiter_decisions"] = len(agreements)
    row["ai_acceptance_share"] = share([float(a) for a in agreements])
    row["override_share"] = None if row["ai_acceptance_share"] is None else 1 - row["ai_acceptance_share"]

    routed = dict(con.execute("""
        SELECT application_id, arg_max(routed_to_human, scored_at) FROM wh.ml.recommendation_log
        WHERE date_trunc('week', least(CAST(scored_at AS DATE), ?)) = ? GROUP BY ALL""", [as_of, week]).fetchall())
    row["scored_applications"] = len(routed) or None
    row["review_queue_share"] = share([float(r) for r in routed.values()])
    (first_queued,) = con.execute("SELECT min(CAST(queued_at AS DATE)) FROM wh.ml.review_queue").fetchone()
    if first_queued is not None and first_queued <= end:
        day = min(end, as_of)  # a partial week's queue as it stands on the as-of date
        row["review_backlog"], row["review_overdue"] = con.execute("""
            SELECT count(*), count(*) FILTER (due_date < $due) FROM wh.ml.review_queue
            WHERE CAST(queued_at AS DATE) <= $day AND (resolved_at IS NULL OR CAST(resolved_at AS DATE) > $day)""",
            {"day": day, "due": min(end + timedelta(days=1), as_of)}).fetchone()
    else:
        row["review_backlog"] = row["review_overdue"] = None

    for model in MODELS:
        estimate = con.execute("""
            SELECT estimated, rows, realised FROM wh.monitoring.performance_estimates
            WHERE model_name = ? AND metric = 'roc_auc' AND window_end = ?
            ORDER BY run_at DESC, run_id DESC LIMIT 1""", [model, end]).fetchone() or (None, None, None)
        row[f"estimated_roc_auc_{model}"], row[f"{model}_estimate_rows"], row[f"realised_roc_auc_{model}"] = estimate

    for kind in DRIFT_KINDS:
        verdicts = [v for (v,) in con.execute("""
            SELECT bool_or(kind_drift) FROM wh.monitoring.drift_metrics d
            WHERE drift_kind = $kind AND current_start <= $end AND current_end >= $week
              AND run_at = (SELECT max(run_at) FROM wh.monitoring.drift_metrics e
                            WHERE e.model_name = d.model_name AND e.drift_kind = $kind
                              AND e.current_start <= $end AND e.current_end >= $week)
            GROUP BY model_name""", {"kind": kind, "end": end, "week": week}).fetchall()]
        row[f"{kind}_drift"] = None if not verdicts or all(v is None for v in verdicts) else any(verdicts)

    runs, failures, warnings = con.execute("""
        SELECT count(DISTINCT run_id), count(*) FILTER (severity = 'critical' AND NOT success),
               count(*) FILTER (severity = 'warning' AND NOT success)
        FROM wh.quality.dq_results WHERE date_trunc('week', least(CAST(validated_at AS DATE), ?)) = ?""",
                                         [as_of, week]).fetchone()
    row["quality_gate_runs"] = runs or None
    row["quality_gate_failures"] = failures if runs else None
    row["quality_warnings"] = warnings if runs else None
    row["quality_gate_passed"] = failures == 0 if runs else None

    (row["feedback_records"],) = one("""
        SELECT (SELECT count(*) FROM hris_performance_reviews WHERE date_trunc('week', extract_date) = $1)
             + (SELECT count(*) FROM hris_terminations WHERE date_trunc('week', extract_date) = $1)""")

    outcomes = [employed for (employed,) in con.execute("""
        WITH hires AS (SELECT application_id, arg_min(start_date, hire_id) AS start_date, min(hire_id) AS hire_id
                       FROM ats_hires GROUP BY ALL),
             milestones AS (SELECT h.*, CAST(h.start_date + INTERVAL 3 MONTH AS DATE) AS milestone, e.employee_id
                            FROM hires h JOIN truth_employees e USING (application_id)
                            WHERE h.hire_id NOT IN (SELECT hire_id FROM unmatched_hires))
        SELECT t.termination_date IS NULL OR t.termination_date > m.milestone
        FROM milestones m LEFT JOIN hris_terminations t USING (employee_id)
        WHERE date_trunc('week', m.milestone) = ? AND m.milestone <= ?""", [week, hris_as_of(con)]).fetchall()]
    row["hires_at_3m"] = len(outcomes)
    row["retention_3m_share"] = share([float(e) for e in outcomes])

    if partial:  # nothing arrived yet is not zero
        for count in ("applications", "hires", "recruiter_decisions", "feedback_records", "screening_decisions",
                      "hires_at_3m", *(f"{stage}_exits" for stage in FUNNEL[:-1])):
            row[count] = row[count] or None
    for kpi, n in (("pipeline_efficiency_ratio", "screening_decisions"), ("median_time_to_hire_days", "hires"),
                   ("ai_acceptance_share", "recruiter_decisions"), ("override_share", "recruiter_decisions"),
                   ("review_queue_share", "scored_applications"), ("review_overdue", "review_backlog"),
                   ("estimated_roc_auc_hire_success", "hire_success_estimate_rows"),
                   ("estimated_roc_auc_attrition_risk", "attrition_risk_estimate_rows"),
                   ("retention_3m_share", "hires_at_3m")):
        row[f"{kpi}_target"] = float(kpi_targets()[kpi]["target"])
        row[f"{kpi}_status"] = status(kpi, row[kpi], row[n], partial)
    return row


def hris_as_of(con: duckdb.DuckDBPyConnection) -> date:
    return con.execute("SELECT max(extract_date) FROM (SELECT extract_date FROM hris_performance_reviews UNION ALL "
                       "SELECT extract_date FROM hris_terminations UNION ALL SELECT extract_date FROM hris_employees)"
                       ).fetchone()[0]


@pytest.fixture(scope="module")
def recomputed(default_run):
    """The weekly review's rows and their recomputation for the last full week and the same week a year earlier."""
    home = default_run.home
    con = duckdb.connect()
    con.execute(f"ATTACH '{home / 'warehouse.duckdb'}' AS wh (READ_ONLY)")
    for table in ("ats_applications", "ats_hires", "ats_stage_events", "ats_recruiter_decisions",
                  "ats_ai_recommendations", "hris_performance_reviews", "hris_terminations", "hris_employees"):
        landing_table(con, home, table)
    con.execute(f"CREATE TEMP TABLE truth_employees AS SELECT * FROM '{home}/ground_truth/employees.parquet'")
    # hires the world gave an e-mail the HRIS does not share: the warehouse rightly cannot follow them
    con.execute(f"""CREATE TEMP TABLE unmatched_hires AS SELECT regexp_extract(detail, 'H\\d+') AS hire_id
                    FROM '{home}/ground_truth/defects.parquet' WHERE defect = 'unmatched_hire'""")
    as_of = con.execute("SELECT max(extract_date) FROM ats_applications").fetchone()[0]
    last_full = as_of - timedelta(days=as_of.weekday()) - timedelta(weeks=1)
    weeks = (last_full, last_full - timedelta(weeks=52), last_full + timedelta(weeks=1))
    table = con.execute("SELECT * FROM wh.marts.weekly_review WHERE week_start IN (?, ?, ?) ORDER BY week_start DESC",
                        list(weeks)).df().astype(object)
    actual = {r["week_start"].date(): r for r in table.to_dict("records")}
    yield {week: (actual[week], expected_week(con, week, as_of)) for week in weeks}, con
    con.close()


def same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None
    if isinstance(a, datetime) and not isinstance(b, datetime):
        a = a.date()
    return b is not None and (a == pytest.approx(b) if isinstance(b, float) else a == b)


def test_every_column_of_two_full_weeks_equals_its_recomputation(recomputed):
    weeks, _ = recomputed
    for week, (actual, expected) in list(weeks.items())[:2]:
        assert not expected["is_partial"] and expected["applications"] > 20 and expected["hires"] > 0
        assert set(actual) == set(expected), f"columns not recomputed: {set(actual) ^ set(expected)}"
        wrong = {c: (actual[c], expected[c]) for c in expected if not same(actual[c], expected[c])}
        assert not wrong, f"week {week}: review != recomputation for {wrong}"
    # the latest full week has its own estimate: the window that ends with it, not one 13 weeks on
    latest, _ = list(weeks.values())[0]
    assert all(latest[f"estimated_roc_auc_{model}"] is not None for model in MODELS)


def test_the_unfinished_week_is_partial_and_not_shown_as_zeros(recomputed):
    weeks, _ = recomputed
    actual, expected = list(weeks.values())[2]
    assert actual["is_partial"] and expected["is_partial"]
    assert {c for c in actual if c.endswith("_status") and actual[c] != "not_enough_data"} == set()
    assert all(actual[c] is None or actual[c] != 0 for c in ("applications", "hires", "recruiter_decisions"))
    wrong = {c: (actual[c], expected[c]) for c in expected if not same(actual[c], expected[c])}
    assert not wrong


def test_drift_is_null_for_weeks_no_drift_run_covered(default_run):
    with default_run.connect() as wh:
        first_checked = wh.execute("SELECT min(current_start) FROM monitoring.drift_metrics").fetchone()[0]
        flags = wh.execute("""SELECT count(*) FILTER (data_drift IS NULL), count(*) FILTER (data_drift IS NOT NULL),
                                     count(*) FILTER (data_drift IS NOT NULL AND period_end < ?)
                              FROM marts.weekly_review""", [first_checked]).fetchone()
    assert flags[0] > 50 and flags[1] >= 1 and flags[2] == 0


def test_a_bi_tool_sees_the_review_column_descriptions_in_the_warehouse(default_run):
    schema = yaml.safe_load((DBT_PROJECT_DIR / "models" / "reviews" / "_weekly_review.yml").read_text())
    described = {c["name"]: " ".join(c["description"].split()) for c in schema["models"][0]["columns"]}
    with default_run.connect() as wh:
        comments = dict(wh.execute("SELECT column_name, comment FROM duckdb_columns() "
                                   "WHERE schema_name = 'marts' AND table_name = 'weekly_review'").fetchall())
        table_comment = wh.execute("SELECT comment FROM duckdb_tables() "
                                   "WHERE schema_name = 'marts' AND table_name = 'weekly_review'").fetchone()[0]
    assert " ".join(comments["review_queue_share"].split()) == described["review_queue_share"]
    assert "Monday" in comments["week_start"] and "weekly operating review" in table_comment
