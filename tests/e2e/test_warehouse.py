"""End to end: the warehouse marts held to counts and values recomputed from staging, and to the
ground truth of the generated world where it has one."""

from __future__ import annotations

import json
import re
from datetime import date

import dagster as dg
import pytest
import yaml

from hr_pipeline.ingest.contracts import CONTRACTS, STAGES
from hr_pipeline.warehouse.dbt import DBT_PROJECT_DIR, dbt_project

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("default_world")]

FUNNEL = ("applied", "screening", "interview", "offer", "hired")  # the path of every hire, in order


def _truth(run, name: str) -> str:
    return f"'{run.home / 'ground_truth' / name}'"


def _busiest(wh, relation: str, column: str) -> date:
    return wh.execute(f"SELECT date_trunc('month', {column}) AS m FROM {relation} WHERE {column} IS NOT NULL "
                      "GROUP BY m ORDER BY count(*) DESC, m LIMIT 1").fetchone()[0]


def _busiest_month_rows(wh, staging: str, mart: str, column: str) -> tuple[int, int]:
    """Rows of `staging` and of `mart` in the month with the most `staging` rows by `column`."""
    month = _busiest(wh, staging, column)
    return wh.execute(f"""SELECT (SELECT count(*) FROM {staging} WHERE date_trunc('month', {column}) = $m),
                                 (SELECT count(*) FROM {mart} WHERE date_trunc('month', {column}) = $m)""",
                      {"m": month}).fetchone()


def _quarantined(wh, key: str) -> set[str]:
    """Record keys in raw.quarantine of the entity whose key column is `key` (e.g. employee_id)."""
    (contract,) = [c for c in CONTRACTS if c.key == key]
    return {k for (k,) in wh.execute("SELECT record_key FROM raw.quarantine WHERE source_file LIKE ?",
                                     [f"%/{contract.system}/%/{contract.file_name}"]).fetchall()}


def _leavers_in_quarantine(wh) -> set[str]:
    """Employees whose termination row sits in raw.quarantine (read back from its file): the panel keeps them."""
    (contract,) = [c for c in CONTRACTS if c.table == "hris_terminations"]
    rows = wh.execute("SELECT source_file, row_number FROM raw.quarantine WHERE source_file LIKE ?",
                      [f"%/{contract.system}/%/{contract.file_name}"]).fetchall()
    return {wh.execute(f"SELECT employee_id FROM read_csv('{file}', delim='{contract.dialect.delimiter}', "
                       f"all_varchar=true) LIMIT 1 OFFSET {row - 1}").fetchone()[0] for file, row in rows}


# -- (a) row counts of each fact for one period, against staging and the ground truth -------------

def test_fct_applications_has_every_application_of_the_busiest_month_and_the_true_hires(default_run):
    with default_run.connect() as wh:
        expected, actual = _busiest_month_rows(wh, "staging.stg_ats__applications", "marts.fct_applications",
                                               "applied_at")
        hired = {a for (a,) in wh.execute("SELECT application_id FROM marts.fct_applications "
                                          "WHERE is_hired").fetchall()}
        truly_hired = {a for (a,) in wh.execute(
            f"SELECT application_id FROM {_truth(default_run, 'applications.parquet')} WHERE hired").fetchall()}
        lost = _quarantined(wh, "application_id") | _quarantined(wh, "hire_id")
    assert actual == expected > 300
    # The ground truth's hires are the mart's, but for records that sit in quarantine.
    assert hired <= truly_hired and len(truly_hired - hired) <= len(lost)
    assert len(hired) > 200


def test_fct_hires_has_every_hire_of_the_busiest_start_month_and_the_true_hires_per_channel(default_run):
    with default_run.connect() as wh:
        expected, actual = _busiest_month_rows(wh, "staging.stg_ats__hires", "marts.fct_hires", "start_date")
        # Hires per channel: the ground truth's hired applications, their candidates' channel.
        truth = dict(wh.execute(f"""
            SELECT c.source_channel, count(*) FROM {_truth(default_run, 'applications.parquet')} t
            JOIN staging.stg_ats__candidates c USING (candidate_id)
            WHERE t.hired AND c.source_channel IS NOT NULL GROUP BY 1""").fetchall())
        mart = dict(wh.execute("SELECT source_channel, count(DISTINCT application_id) FROM marts.fct_hires "
                               "WHERE source_channel IS NOT NULL GROUP BY 1").fetchall())
        lost = _quarantined(wh, "hire_id")
    assert actual == expected > 5
    # Every true hire is there, but for hire records in quarantine.
    assert len(truth) == 5 and all(mart.get(channel, 0) <= hires for channel, hires in truth.items())
    assert set(mart) <= set(truth) and sum(truth.values()) - sum(mart.values()) <= len(lost)


def test_fct_employee_month_has_everyone_employed_in_a_month_by_staging_and_the_ground_truth(default_run):
    with default_run.connect() as wh:
        # Six months before the as-of date: every exit of that month has arrived, however late.
        month = wh.execute("SELECT date_trunc('month', as_of_date - INTERVAL 6 MONTH) "
                           "FROM intermediate.int_as_of").fetchone()[0]
        employed = """hire_date <= last_day($m) AND (termination_date IS NULL OR termination_date >= $m)"""
        staging = wh.execute(f"""
            SELECT count(*) FROM staging.stg_hris__employees e
            LEFT JOIN staging.stg_hris__terminations t USING (employee_id) WHERE {employed}""",
                             {"m": month}).fetchone()[0]
        no_hire_date = wh.execute("""SELECT count(*) FROM staging.stg_hris__employees e
                                     LEFT JOIN staging.stg_hris__terminations t USING (employee_id)
                                     WHERE e.hire_date IS NULL
                                       AND (t.termination_date IS NULL OR t.termination_date >= $m)
                                       AND e.employee_id IN
                                           (SELECT employee_id FROM staging.stg_timetracking__timesheets
                                            WHERE week_start <= last_day($m))""",
                                  {"m": month}).fetchone()[0]
        mart = {e for (e,) in wh.execute("SELECT employee_id FROM marts.fct_employee_month WHERE month_start = ?",
                                         [month]).fetchall()}
        truth = {e for (e,) in wh.execute(f"""
            SELECT employee_id FROM {_truth(default_run, 'employees.parquet')}
            WHERE hire_date <= last_day($m) AND (exit_date IS NULL OR exit_date >= $m)""", {"m": month}).fetchall()}
        lost, stayed = _quarantined(wh, "employee_id"), _leavers_in_quarantine(wh)
    # Those without a hire date in the HRIS show from their first timesheet on.
    assert len(mart) == staging + no_hire_date > 300
    # A lost employee record drops one from the panel; a termination in quarantine keeps its leaver on it.
    assert truth - mart <= lost and mart - truth <= stayed


def test_fct_skill_inventory_has_each_distinct_mention_of_a_cohort_and_the_true_unknown_skills(default_run):
    with default_run.connect() as wh:
        month = _busiest(wh, "staging.stg_ats__applications", "applied_at")
        cohort = """SELECT candidate_id FROM staging.stg_ats__applications WHERE date_trunc('month', applied_at) = $m"""
        candidates = wh.execute(f"""
            SELECT count(DISTINCT (candidate_id, lower(trim(skill))))
            FROM (SELECT candidate_id, unnest(skills) AS skill FROM staging.stg_ats__candidates
                  WHERE candidate_id IN ({cohort}))
            WHERE trim(skill) <> ''""", {"m": month}).fetchone()[0]
        employees = wh.execute("""SELECT count(DISTINCT (employee_id, lower(trim(skill))))
                                  FROM staging.stg_hris__employee_skills WHERE trim(skill) <> ''""").fetchone()[0]
        mart = dict(wh.execute(f"""
            SELECT person_type, count(*) FROM marts.fct_skill_inventory
            WHERE person_type = 'employee' OR person_id IN ({cohort}) GROUP BY 1""", {"m": month}).fetchall())
        # The generator logs every skill it spelled outside the taxonomy: exactly the unmapped rows.
        unknown = set(wh.execute(f"""
            SELECT DISTINCT CASE WHEN d."table" = 'ats_candidates' THEN 'candidate' ELSE 'employee' END,
                   coalesce(c.candidate_id, s.employee_id), lower(trim(d.detail))
            FROM {_truth(default_run, 'defects.parquet')} d
            LEFT JOIN staging.stg_ats__candidates c ON d."table" = 'ats_candidates' AND c.candidate_id = d.key
            LEFT JOIN staging.stg_hris__employee_skills s
                   ON d."table" = 'hris_employee_skills' AND s.employee_skill_id = d.key
            WHERE d.defect = 'unknown_skill' AND coalesce(c.candidate_id, s.employee_id) IS NOT NULL""").fetchall())
        unmapped = set(wh.execute("SELECT person_type, person_id, skill_mention FROM marts.fct_skill_inventory "
                                  "WHERE NOT is_mapped").fetchall())
    assert mart == {"candidate": candidates, "employee": employees} and candidates > 1000
    assert unmapped == unknown


def test_fct_decision_outcomes_has_every_recommendation_of_the_busiest_month(default_run):
    with default_run.connect() as wh:
        # Recommendations of applications in staging: a recommendation without one has nothing to join.
        recommendations = """(SELECT * FROM staging.stg_ats__ai_recommendations
                              WHERE application_id IN (SELECT application_id FROM staging.stg_ats__applications))"""
        expected, actual = _busiest_month_rows(wh, recommendations, "marts.fct_decision_outcomes", "recommended_at")
    assert actual == expected > 300


def test_costs_are_the_worlds_channel_costs(default_run):
    world = json.loads((default_run.home / "ground_truth" / "world.json").read_text(encoding="utf-8"))
    with default_run.connect() as wh:
        per_hire = dict(wh.execute("SELECT source_channel, any_value(cost_of_hire) FROM marts.fct_hires "
                                   "WHERE source_channel IS NOT NULL GROUP BY 1 HAVING count(DISTINCT cost_of_hire) = 1"
                                   ).fetchall())
        unhired_with_cost_of_hire = wh.execute("SELECT count(*) FROM marts.fct_applications "
                                               "WHERE NOT is_hired AND cost_of_hire IS NOT NULL").fetchone()[0]
    assert per_hire == world["channel_cost_per_hire_eur"]
    assert unhired_with_cost_of_hire == 0


# -- (b) dbt's own tests ---------------------------------------------------------------------------

def _manifest_nodes(resource_type: str) -> dict[str, dict]:
    manifest = json.loads(dbt_project().manifest_path.read_text(encoding="utf-8"))
    return {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == resource_type}


def _relation(models: dict, name: str) -> str:
    return f"{models[name]['schema']}.{models[name]['name']}"


# Out-of-range values are planted (ground truth `out_of_range`) in these raw tables; every value
# test that fails on a rating or an hours column must trace back to them, employee by employee.
OUT_OF_RANGE = {"rating": ("staging.stg_hris__performance_reviews", "review_id", "hris_performance_reviews"),
                "hours": ("staging.stg_timetracking__timesheets", "timesheet_id", "timetracking_timesheets")}


def _unexplained(wh, run, test: dict, models: dict) -> str | None:
    """Why a failing dbt test is not explained by the world's planted defects, or None if it is."""
    kind, kwargs = test["test_metadata"]["name"], test["test_metadata"]["kwargs"]
    child = _relation(models, test["attached_node"].split(".")[-1])
    column, where = kwargs.get("column_name"), test["config"].get("where") or "true"
    if kind == "relationships":
        # A parent in quarantine orphans its children: the orphans are exactly such parents.
        parent = _relation(models, re.fullmatch(r"ref\('(\w+)'\)", kwargs["to"]).group(1))
        orphans = {k for (k,) in wh.execute(f"""SELECT DISTINCT {column} FROM {child} WHERE {where} AND {column}
                                                NOT IN (SELECT {kwargs['field']} FROM {parent}
                                                        WHERE {kwargs['field']} IS NOT NULL)""").fetchall()}
        missing = orphans - _quarantined(wh, kwargs["field"])
        return f"orphans not in quarantine: {sorted(missing)[:5]}" if missing or not orphans else None
    if kind in ("values_between", "accepted_values"):
        explained = [source for word, source in OUT_OF_RANGE.items() if word in column]
        if not explained:
            return "a value test on a column without planted out-of-range values"
        staging, key, table = explained[0]
        invalid = (f"{column} NOT BETWEEN {kwargs['low']} AND {kwargs['high']}" if kind == "values_between"
                   else f"{column} NOT IN ({', '.join(map(str, kwargs['values']))})")
        offenders = {e for (e,) in wh.execute(f"SELECT DISTINCT employee_id FROM {child} WHERE {invalid}").fetchall()}
        planted = {e for (e,) in wh.execute(f"""
            SELECT employee_id FROM {staging} WHERE {key} IN (
                SELECT key FROM {_truth(run, 'defects.parquet')} WHERE defect = 'out_of_range' AND "table" = ?)""",
                                            [table]).fetchall()}
        return f"out-of-range values of employees without a planted defect: {sorted(offenders - planted)[:5]}" \
            if offenders - planted or not offenders else None
    return f"a failing {kind} test"


def test_every_dbt_test_passes_or_warns_only_on_planted_defects(default_run):
    tests, models = _manifest_nodes("test"), _manifest_nodes("model")
    evaluations = [e for e in default_run.result.get_asset_check_evaluations() if e.asset_check_key.name in tests]
    assert len(evaluations) > 200  # every dbt test of staging, intermediate and marts is an asset check
    failed = [e for e in evaluations if not e.passed]
    assert all(e.severity == dg.AssetCheckSeverity.WARN for e in failed), [e.asset_check_key.name for e in failed]
    with default_run.connect() as wh:
        unexplained = {e.asset_check_key.name: _unexplained(wh, default_run, tests[e.asset_check_key.name], models)
                       for e in failed}
    assert {name: why for name, why in unexplained.items() if why} == {}


def test_the_funnel_stages_are_the_contracts(default_run):
    variables = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    with default_run.connect() as wh:
        columns = {c for (c,) in wh.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' "
                                            "AND table_name = 'fct_applications'").fetchall()}
    assert tuple(variables["application_stages"]) == STAGES
    assert {f"{stage}_at" for stage in STAGES} <= columns


# -- (c) the employee-month panel against an independent recomputation -----------------------------

PANEL_COLUMNS = ("hours_worked", "avg_weekly_hours", "max_weekly_hours", "overtime_trend_3m", "overtime_excess",
                 "engagement_score", "latest_rating", "review_rating", "trainings_completed", "trainings_last_12m",
                 "months_since_promotion", "tenure_months")


def test_employee_months_equal_a_recomputation_from_staging(default_run):
    with default_run.connect() as wh:
        # Months with everything to check: a review, a promotion before, timesheets and surveys.
        picks = wh.execute("""
            SELECT employee_id, month_start FROM marts.fct_employee_month
            WHERE review_rating IS NOT NULL AND overtime_trend_3m IS NOT NULL AND engagement_score IS NOT NULL
              AND months_since_promotion < tenure_months AND trainings_last_12m > 0
            ORDER BY hash(employee_id || month_start) LIMIT 3""").fetchall()
        picks += wh.execute("""SELECT employee_id, month_start FROM marts.fct_employee_month
                               WHERE months_since_promotion = tenure_months AND max_weekly_hours IS NOT NULL
                               ORDER BY hash(employee_id || month_start) LIMIT 1""").fetchall()
        assert len(picks) == 4
        for employee, month in picks:
            expected = wh.execute("""
                WITH sheets AS (SELECT * FROM staging.stg_timetracking__timesheets WHERE employee_id = $e),
                     this_month AS (SELECT * FROM sheets WHERE date_trunc('month', week_start) = $m),
                     reviews AS (SELECT * FROM staging.stg_hris__performance_reviews
                                 WHERE employee_id = $e AND review_date <= last_day($m)),
                     trained AS (SELECT completed_at FROM staging.stg_hris__trainings WHERE employee_id = $e)
                SELECT (SELECT sum(hours_worked) FROM this_month),
                       (SELECT avg(hours_worked) FROM this_month),
                       (SELECT max(hours_worked) FROM this_month),
                       ((SELECT avg(overtime_hours) FROM this_month)
                        - (SELECT avg(overtime_hours) FROM sheets
                           WHERE date_trunc('month', week_start) = $m - INTERVAL 2 MONTH)) / 2,
                       (SELECT avg(overtime_hours) FROM this_month)
                       - (SELECT avg(monthly) FROM (SELECT avg(overtime_hours) AS monthly FROM sheets
                                                    WHERE week_start >= $m - INTERVAL 12 MONTH
                                                      AND week_start < $m - INTERVAL 2 MONTH
                                                    GROUP BY date_trunc('month', week_start))),
                       (SELECT arg_max(engagement_score, (survey_date, response_id))
                        FROM staging.stg_hris__engagement_surveys
                        WHERE employee_id = $e AND survey_date <= last_day($m) AND engagement_score IS NOT NULL),
                       (SELECT arg_max(rating, (review_date, review_id)) FROM reviews),
                       (SELECT arg_max(rating, (review_date, review_id)) FROM reviews WHERE review_date >= $m),
                       (SELECT count(*) FROM trained WHERE date_trunc('month', completed_at) = $m),
                       (SELECT count(*) FROM trained
                        WHERE completed_at BETWEEN $m - INTERVAL 11 MONTH AND last_day($m)),
                       (SELECT date_diff('month', coalesce(max(c.change_date), any_value(e.hire_date)), $m)
                        FROM staging.stg_hris__employees e
                        LEFT JOIN staging.stg_hris__job_changes c
                               ON c.employee_id = e.employee_id AND c.change_type = 'promotion'
                              AND c.change_date <= last_day($m)
                        WHERE e.employee_id = $e),
                       (SELECT date_diff('month', hire_date, $m) FROM staging.stg_hris__employees
                        WHERE employee_id = $e)
            """, {"e": employee, "m": month}).fetchone()
            actual = wh.execute(f"SELECT {', '.join(PANEL_COLUMNS)} FROM marts.fct_employee_month "
                                "WHERE employee_id = ? AND month_start = ?", [employee, month]).fetchone()
            assert dict(zip(PANEL_COLUMNS, actual, strict=True)) == \
                pytest.approx(dict(zip(PANEL_COLUMNS, expected, strict=True))), (employee, month)


# -- (d) the funnel in order -------------------------------------------------------------------------

def test_hired_applications_entered_the_funnel_stages_in_order_as_their_events_say(default_run):
    stages = ", ".join(f"{stage}_at" for stage in FUNNEL)
    with default_run.connect() as wh:
        rows = wh.execute(f"SELECT application_id, {stages} FROM marts.fct_applications WHERE is_hired").fetchall()
        first_entry = wh.execute(f"""
            SELECT application_id, {', '.join(f"min(entered_at) FILTER (WHERE to_stage = '{s}')" for s in FUNNEL[1:])}
            FROM staging.stg_ats__stage_events
            WHERE application_id IN (SELECT application_id FROM staging.stg_ats__hires) GROUP BY 1""").fetchall()
        lost_events = len(_quarantined(wh, "event_id"))
    assert len(rows) > 200
    complete = [times for _, *times in rows if None not in times]
    assert len(rows) - len(complete) <= lost_events  # a stage is missing only when its event sits in quarantine
    assert all(list(times) == sorted(times) for times in complete)
    by_application = {application: times for application, *times in rows}
    assert all(by_application[application][1:] == times for application, *times in first_entry
               if application in by_application)
