"""The review report on a small warehouse built here with the review, ML, monitoring and quality tables' real
schemas and the real KPI catalogue: every chart has data and shows what its table holds, nothing is fetched
from a network, empty sections say why, and the period is the one asked for."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from report_page import assert_offline_and_drawn, parse, title

from hr_pipeline.ml import queue, registry
from hr_pipeline.monitoring.tables import create_monitoring_tables
from hr_pipeline.quality.checks import DQ_RESULTS_DDL
from hr_pipeline.reviews.report import PERIODS, ReportError, choose_period, render_report
from hr_pipeline.settings import Policy

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 11, 16)
WEEKS = [date(2026, 9, 28) + timedelta(weeks=i) for i in range(8)]  # the last one is partial
QUARTERS = [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)]  # the last one is partial
NEVER_MEASURED = "estimated_roc_auc_attrition_risk"  # null in every week: its chart gives way to a sentence


def review_table(con, kind, starts: list[date]) -> None:
    """A review table as the review models write it: every KPI of the catalogue with target and status."""
    period = PERIODS[kind]
    con.execute(f"""CREATE TABLE {period.table} AS
        SELECT CAST(s AS DATE) AS {period.start}, e AS period_end, e > DATE '{AS_OF}' AS is_partial,
               DATE '{AS_OF}' AS as_of_date, row_number() OVER (ORDER BY s) AS i
        FROM (SELECT s, CAST(s + INTERVAL 1 {period.step} - INTERVAL 1 DAY AS DATE) AS e FROM unnest(?) AS t(s))""",
                [starts])
    for kpi, target, direction in con.execute("SELECT kpi, target, direction FROM staging.kpi_targets WHERE review = ?",
                                              [period.review]).fetchall():
        value = "NULL" if kpi == NEVER_MEASURED else f"{target} * (0.7 + 0.1 * i) + (i % 3)"
        better = ">=" if direction == "at_least" else "<="
        con.execute(f"""ALTER TABLE {period.table} ADD COLUMN {kpi} DOUBLE;
            ALTER TABLE {period.table} ADD COLUMN {kpi}_target DOUBLE;
            ALTER TABLE {period.table} ADD COLUMN {kpi}_status VARCHAR;
            UPDATE {period.table} SET {kpi} = {value}, {kpi}_target = {target};
            UPDATE {period.table} SET {kpi}_status = CASE WHEN is_partial OR {kpi} IS NULL THEN 'not_enough_data'
                WHEN {kpi} {better} {kpi}_target THEN 'on_target' ELSE 'off_target' END""")
    con.execute(f"ALTER TABLE {period.table} DROP COLUMN i")


def base(con) -> None:
    con.execute("CREATE SCHEMA staging; CREATE SCHEMA marts")
    con.execute("CREATE TABLE staging.kpi_targets AS SELECT * FROM read_csv(?, header = true)",
                [str(ROOT / "dbt_project" / "seeds" / "kpi_targets.csv")])
    review_table(con, "week", WEEKS)
    review_table(con, "quarter", QUARTERS)


def full(con) -> None:
    """Every section's tables, with a little history in each."""
    base(con)
    con.execute("""CREATE TABLE marts.fct_applications AS SELECT * FROM (VALUES
        ('a1', TIMESTAMP '2026-11-09 09:00', TIMESTAMP '2026-11-10 09:00', TIMESTAMP '2026-11-12 09:00', NULL, NULL),
        ('a2', TIMESTAMP '2026-11-10 09:00', TIMESTAMP '2026-11-11 09:00', NULL, NULL, NULL),
        ('a3', TIMESTAMP '2026-11-15 23:00', NULL, NULL, NULL, NULL),
        ('a4', TIMESTAMP '2026-10-01 09:00', TIMESTAMP '2026-10-02 09:00', TIMESTAMP '2026-10-20 09:00',
               TIMESTAMP '2026-11-09 10:00', TIMESTAMP '2026-11-13 10:00'),
        ('a5', TIMESTAMP '2026-11-16 09:00', NULL, NULL, NULL, NULL))
        AS t(application_id, applied_at, screening_at, interview_at, offer_at, hired_at)""")
    queue.ensure_table(con)
    con.execute(f"""INSERT INTO {queue.QUEUE} (application_id, model_name, model_version, reasons, primary_reason,
                    priority, queued_at, due_date, status, days_to_resolve) VALUES
        ('q1', 'hire_success', 'hire_success-v1', ['low_confidence'], 'low_confidence', 1, '2026-11-02', '2026-11-07',
         'open', NULL),
        ('q2', 'hire_success', 'hire_success-v1', ['low_confidence'], 'low_confidence', 1, '2026-11-16', '2026-11-21',
         'open', NULL),
        ('q3', 'hire_success', 'hire_success-v1', ['random_sample'], 'random_sample', 3, '2026-11-09', '2026-11-14',
         'resolved', 2)""")
    registry.ensure_tables(con)
    con.execute("""INSERT INTO ml.model_registry (model_name, version, trained_at, train_start, train_end, n_train,
                   algorithm, holdout_auc, holdout_brier) VALUES
        ('hire_success', 'hire_success-v1', '2026-10-05', '2024-01-01', '2025-06-30', 200, 'logistic', 0.71, 0.2),
        ('hire_success', 'hire_success-v2', '2026-11-16', '2024-01-01', '2025-09-30', 240, 'gradient_boosting', 0.74,
         0.19),
        ('attrition_risk', 'attrition_risk-v1', '2026-11-16', '2024-01-01', '2026-04-30', 9000, 'logistic', 0.68, 0.1);
        INSERT INTO ml.model_aliases VALUES ('hire_success', 'champion', 'hire_success-v2', '2026-11-16'),
                                            ('attrition_risk', 'champion', 'attrition_risk-v1', '2026-11-16');
        INSERT INTO ml.model_events (logged_at, model_name, version, event, reason, actor) VALUES
        ('2026-11-16', 'hire_success', 'hire_success-v2', 'promoted', 'won on the shared holdout', 'pipeline')""")
    create_monitoring_tables(con)
    drift = [  # run, run_at, model, kind, feature, method, score, threshold, drifted, kind_drift
        ("r1", "2026-11-09", "hire_success", "data", "years_experience", "wasserstein", 0.3, 0.1, True, True),
        ("r2", "2026-11-16", "hire_success", "data", "years_experience", "wasserstein", 0.05, 0.1, False, False),
        ("r2", "2026-11-16", "hire_success", "data", "job_family", "jensenshannon", 0.02, 0.1, False, False),
        ("r2", "2026-11-16", "hire_success", "prediction", "score", "ks", 0.001, 0.05, True, True),
        ("r2", "2026-11-16", "hire_success", "target", "label", "not judged: 2 current rows", None, None, None, None),
        ("r3", "2026-11-16", "attrition_risk", "data", "tenure_months", "wasserstein", 0.2, 0.1, True, True),
    ]
    con.executemany("""INSERT INTO monitoring.drift_metrics (run_id, run_at, model_name, model_version, drift_kind,
                       feature, method, score, threshold, drift_detected, kind_drift, reference_start, reference_end,
                       reference_rows, current_start, current_end, current_rows, sampled, report_path)
                       VALUES (?, ?, ?, 'v', ?, ?, ?, ?, ?, ?, ?, '2025-01-01', '2025-06-30', 500, '2026-10-19',
                               '2026-11-16', 120, false, NULL)""", drift)
    fairness = [  # run, quarter, decision, attribute, group, size, rate, ratio, why not, flagged
        ("f1", "2026-07-01", "recruiter_advance", "ethnicity", "minority", 80, 0.3, 0.6, None, True),
        ("f2", "2026-07-01", "recruiter_advance", "ethnicity", "minority", 90, 0.3, 0.7, None, True),
        ("f2", "2026-07-01", "recruiter_advance", "ethnicity", "majority", 400, 0.43, 1.0, None, False),
        ("f2", "2026-07-01", "recruiter_advance", "gender", "undisclosed", 12, 0.4, None, "below the minimum", False),
        ("f2", "2026-07-01", "ai_recommendation", "ethnicity", "minority", 90, 0.5, 0.95, None, False),
        ("f2", "2026-07-01", "ai_recommendation", "ethnicity", "majority", 400, 0.52, 1.0, None, False),
        ("f2", "2026-10-01", "recruiter_advance", "ethnicity", "minority", 20, 0.2, 0.5, None, True),
        ("f2", None, "recruiter_advance", "ethnicity", "minority", 900, 0.25, 0.62, None, True),  # whole history
        ("f2", None, "recruiter_advance", "ethnicity", "majority", 4000, 0.4, 1.0, None, False),
    ]
    con.executemany("""INSERT INTO monitoring.fairness_audit (run_id, run_at, quarter_start, decision, attribute,
                       group_value, group_size, selection_rate, impact_ratio, not_ratioed_because, flagged)
                       VALUES (?, CASE WHEN ? = 'f1' THEN TIMESTAMP '2026-11-01' ELSE TIMESTAMP '2026-11-16' END,
                               ?, ?, ?, ?, ?, ?, ?, ?, ?)""", [(r[0], *r) for r in fairness])
    con.execute(DQ_RESULTS_DDL)
    con.execute("""INSERT INTO quality.dq_results BY NAME SELECT * FROM (VALUES
        ('g1', 'marts.fct_hires', 'expect_column_values_to_not_be_null', 'hire_id', 1.0, 0.95, true,
         TIMESTAMP '2026-11-09 06:00', 'completeness', 'critical'),
        ('g1', 'quality.extract_freshness', 'expect_column_max_to_be_between', 'days_behind', 21.0, 8.0, false,
         TIMESTAMP '2026-11-09 06:00', 'freshness', 'warning'),
        ('g2', 'marts.fct_hires', 'expect_column_values_to_not_be_null', 'hire_id', 0.9, 0.95, false,
         TIMESTAMP '2026-11-16 06:00', 'completeness', 'critical'),
        ('g2', 'quality.extract_freshness', 'expect_column_max_to_be_between', 'days_behind', 0.0, 8.0, true,
         TIMESTAMP '2026-11-16 06:00', 'freshness', 'warning'))
        AS t(run_id, table_name, expectation, column_name, observed, threshold, success, validated_at,
             expectation_class, severity)""")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        full(con)
    return path


def render(warehouse: Path, period: str, at: date | None = None) -> Path:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return render_report(con, warehouse.parent / "reports", period, at)


@pytest.mark.parametrize("period", ["week", "quarter"])
def test_every_chart_has_data_and_nothing_is_fetched_from_a_network(warehouse, period):
    assert_offline_and_drawn(parse(render(warehouse, period)))


@pytest.mark.parametrize("period", ["week", "quarter"])
def test_kpi_charts_show_the_review_table_with_its_targets(warehouse, period):
    kind = PERIODS[period]
    path = render(warehouse, period)
    page = parse(path)
    charts = {f["data"][0]["name"]: f for f in page.figures if f["data"][0].get("type") == "scatter"
              and f["data"][-1].get("name") == "target"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        chosen = choose_period(con, kind)
        kpis = [k for (k,) in con.execute("SELECT kpi FROM staging.kpi_targets WHERE review = ?",
                                          [kind.review]).fetchall()]
        assert set(charts) == set(kpis) - {NEVER_MEASURED}
        for kpi, figure in charts.items():
            rows = con.execute(f"SELECT {kind.start}, {kpi}, {kpi}_target FROM {kind.table} WHERE {kind.start} <= ? "
                               f"ORDER BY 1", [chosen.start]).fetchall()
            value, target = figure["data"][0], figure["data"][-1]
            assert value["y"] == pytest.approx([v for _, v, _ in rows if v is not None]), kpi
            assert value["x"] == [s.isoformat() for s, v, _ in rows if v is not None]
            assert target["y"] == pytest.approx([t for *_, t in rows]), kpi
    if period == "week":
        assert f"<h3>{NEVER_MEASURED}</h3>" in path.read_text(encoding="utf-8")


def test_the_partial_period_is_marked_and_never_judged(warehouse):
    path = render(warehouse, "week", WEEKS[-1])
    assert path.name == f"review_week_{WEEKS[-1]}.html"
    text = path.read_text(encoding="utf-8")
    assert "This week is partial" in text
    shaded = [s for f in parse(path).figures if f["data"][-1].get("name") == "target"
              for s in f["layout"].get("shapes", [])]
    assert shaded and all(s["x0"].startswith(str(WEEKS[-1])) for s in shaded)
    chips = re.findall(r'class="chip"[^>]*>([^<]+)<', text)
    assert chips and set(chips) == {"not enough data"}


def test_the_period_is_the_latest_complete_one_or_the_one_containing_the_date(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert choose_period(con, PERIODS["week"]).start == WEEKS[-2]
        assert choose_period(con, PERIODS["quarter"]).start == QUARTERS[-2]
        assert choose_period(con, PERIODS["week"], date(2026, 10, 7)).start == date(2026, 10, 5)
        assert choose_period(con, PERIODS["quarter"], date(2026, 5, 31)).start == date(2026, 4, 1)
        with pytest.raises(ReportError, match="outside"):
            choose_period(con, PERIODS["week"], date(2020, 1, 1))


def test_funnel_queue_drift_fairness_and_quality_figures_equal_their_tables(warehouse):
    path = render(warehouse, "week")  # the week of 2026-11-09
    page, page_text = parse(path), path.read_text(encoding="utf-8")
    by_title = {title(f): f for f in page.figures}
    [funnel] = [f for f in page.figures if title(f).startswith("Applications entering each stage")]
    # entered in the week: applied a1 a2 a3; screening a1 a2; interview a1; offer a4; hired a4
    assert funnel["data"][0]["y"] == ["applied", "screening", "interview", "offer", "hired"]
    assert funnel["data"][0]["x"] == [3, 2, 1, 1, 1]

    queue_figure = by_title["Queued applications by reason"]
    assert {t["name"]: dict(zip(t["x"], t["y"], strict=True)) for t in queue_figure["data"]} == {
        "overdue": {"low_confidence": 1}, "open, on time": {"low_confidence": 1}, "resolved": {"random_sample": 1}}

    models = [f for f in page.figures if title(f).startswith("Holdout ROC AUC")][0]
    assert {t["name"]: t["y"] for t in models["data"]} == {"attrition_risk": [0.68], "hire_success": [0.71, 0.74]}

    latest_data = by_title["hire_success: data drift, no drift (0 of 2 drifted)"]  # run r2, not the earlier r1
    assert dict(zip(latest_data["data"][0]["x"], latest_data["data"][0]["y"], strict=True)) == {
        "job_family": 0.02, "years_experience": 0.05}
    assert latest_data["data"][1]["y"] == [0.1, 0.1]
    assert by_title["hire_success: prediction drift, DRIFT (1 of 1 drifted)"]["data"][0]["y"] == [0.001]
    assert by_title["attrition_risk: data drift, DRIFT (1 of 1 drifted)"]["data"][0]["marker"]["color"] == ["#cf222e"]
    assert not [t for t in by_title if t.startswith("hire_success: target drift")]  # not judged: said, not drawn
    assert "label: not judged: 2 current rows" in page_text

    # a week shows the latest audit run's (f2) whole history, not its unfinished quarter's few people
    advance = by_title["recruiter_advance"]
    assert dict(zip(advance["data"][0]["y"], advance["data"][0]["x"], strict=True)) == {
        "ethnicity: majority": 1.0, "ethnicity: minority": 0.62}
    assert "The whole history" in page_text
    assert advance["layout"]["shapes"][0]["x0"] == Policy().four_fifths

    history = by_title["Expectations per gate run"]
    assert {t["name"]: t["y"] for t in history["data"]} == {
        "passed": [1, 1], "failed, warning only": [1, 0], "failed, blocking": [0, 1]}


def test_a_quarter_report_shows_that_quarters_fairness_audit(warehouse):
    page = parse(render(warehouse, "quarter"))  # Q3 2026: audit f2's rows of 2026-07-01
    by_title = {title(f): f for f in page.figures}
    advance = by_title["recruiter_advance"]["data"][0]
    assert dict(zip(advance["y"], advance["x"], strict=True)) == {"ethnicity: majority": 1.0,
                                                                  "ethnicity: minority": 0.7}
    assert advance["marker"]["color"] == ["#0969da", "#cf222e"]
    assert "below the minimum" in render(warehouse, "quarter").read_text(encoding="utf-8")


def test_empty_sections_say_why_instead_of_drawing_empty_charts(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        base(con)
        create_monitoring_tables(con)
        con.execute("ALTER TABLE marts.weekly_review DROP COLUMN override_share")
    text = render(path, "week").read_text(encoding="utf-8")
    for reason in ("no drift run yet", "no fairness audit yet", "no quality-gate run yet",
                   "no application has been routed to a person yet", "no model registry yet",
                   "no marts.fct_applications yet", "not in marts.weekly_review (with target and status) yet: "
                                                    "override_share"):
        assert reason in text, reason
    titles = [title(f) for f in parse(tmp_path / "reports" / f"review_week_{WEEKS[-2]}.html").figures]
    assert titles and all(t.split()[0] in text for t in titles)  # only the KPI charts are drawn


def test_a_warehouse_without_review_tables_is_one_clear_error(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(ReportError, match="run the pipeline first"):
        render(path, "quarter")
