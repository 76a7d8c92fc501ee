"""Point in time, against the records and the ground truth: a decision's features are what was known when
it was made, and no hire_success label is learned from before its milestone has matured."""

from __future__ import annotations


import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import copy_home

from hr_pipeline.ml.spec import HIRE_SUCCESS
from hr_pipeline.settings import Policy, Settings
from hr_pipeline.warehouse.project import run_dbt

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("default_world")]

SAMPLE = 50  # decided applications whose candidate record changes after the decision
CONTROLS = 20  # open applications whose candidate record changes before the as-of date
REVISED = ("years_experience", "education", "grade_average", "international_experience", "source_channel")
NEW_SKILLS = "['Communication', 'Teamwork', 'Leadership', 'Python', 'SQL', 'Git', 'Accounting']"


def revise_candidates(con: duckdb.DuckDBPyConnection, changes: pd.DataFrame) -> None:
    """Append a later version of each candidate in `changes` (candidate_id, updated_at) to raw.ats_candidates,
    as a later ATS extract would: every feature the candidate record carries differs from its latest version."""
    con.register("changes", changes)
    con.execute(f"""
        INSERT INTO raw.ats_candidates BY NAME
        WITH latest AS (
            SELECT * FROM raw.ats_candidates
            QUALIFY row_number() OVER (PARTITION BY candidate_id ORDER BY updated_at DESC, _row_number DESC) = 1),
        newest_extract AS (SELECT max(_extract_date) AS d, max(_row_number) AS n FROM raw.ats_candidates)
        SELECT latest.candidate_id, latest.city, latest.person_key, latest._extra,
               coalesce(latest.years_experience, 0) + 7 AS years_experience,
               CASE WHEN lower(trim(latest.education)) = 'phd' THEN 'vocational' ELSE 'phd' END AS education,
               CASE WHEN coalesce(latest.grade_average, 0) < 3 THEN 4.5 ELSE 1.5 END AS grade_average,
               NOT coalesce(latest.international_experience, false) AS international_experience,
               {NEW_SKILLS} AS skills,
               CASE WHEN lower(trim(latest.source_channel)) = 'agency' THEN 'referral' ELSE 'agency' END
                   AS source_channel,
               changes.updated_at,
               newest_extract.d AS _extract_date,
               'point_in_time_test/candidates.jsonl' AS _source_file,
               newest_extract.n + row_number() OVER (ORDER BY latest.candidate_id) AS _row_number,
               CAST(hash(latest.candidate_id, changes.updated_at, 'revised') AS UHUGEINT) AS _row_hash,
               now() AS _loaded_at
        FROM latest JOIN changes USING (candidate_id) CROSS JOIN newest_extract""")


def revise_requisitions(con: duckdb.DuckDBPyConnection, changes: pd.DataFrame) -> None:
    """Append a later version of each requisition in `requisition_changes` (requisition_id, updated_at) with another
    job family, as a later extract re-classifying the role would."""
    con.register("requisition_changes", changes)
    con.execute("""
        INSERT INTO raw.ats_requisitions BY NAME
        WITH latest AS (
            SELECT * FROM raw.ats_requisitions
            QUALIFY row_number() OVER (PARTITION BY requisition_id ORDER BY updated_at DESC, _row_number DESC) = 1),
        newest_extract AS (SELECT max(_extract_date) AS d, max(_row_number) AS n FROM raw.ats_requisitions)
        SELECT latest.* EXCLUDE (job_family, updated_at, _extract_date, _source_file, _row_number, _row_hash,
                                 _loaded_at),
               CASE WHEN lower(trim(latest.job_family)) = 'hr' THEN 'finance' ELSE 'hr' END AS job_family,
               changes.updated_at, newest_extract.d AS _extract_date,
               'point_in_time_test/requisitions.jsonl' AS _source_file,
               newest_extract.n + row_number() OVER (ORDER BY latest.requisition_id) AS _row_number,
               CAST(hash(latest.requisition_id, changes.updated_at, 'revised') AS UHUGEINT) AS _row_hash,
               now() AS _loaded_at
        FROM latest JOIN requisition_changes AS changes USING (requisition_id) CROSS JOIN newest_extract""")


def features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every screened application's hire_success features, by application."""
    return con.execute(HIRE_SUCCESS.select("true")).df().set_index("application_id")


@pytest.fixture(scope="module")
def revised(default_run, tmp_path_factory):
    """A copy of the demo warehouse before and after later candidate and requisition versions arrive and dbt
    rebuilds every model that reads them: (features before, features after, the revised decided ids, the
    controls, the open applications of re-classified requisitions)."""
    settings = Settings(copy_home(default_run, tmp_path_factory.mktemp("point_in_time") / "home"))
    rng = np.random.default_rng(10)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        before = features(con)
        (as_of,) = con.execute("SELECT CAST(as_of_date AS TIMESTAMP) FROM intermediate.int_as_of").fetchone()
        # A candidate's update must come after every decision on them; open applications alone are the controls.
        candidates = con.execute("""
            SELECT d.candidate_id, max(d.decided_at) FILTER (NOT d.is_open) AS last_decision,
                   bool_and(d.is_open) AS only_open, max(v.updated_at) AS last_version
            FROM marts.fct_decision_outcomes d JOIN staging.stg_ats__candidate_versions v USING (candidate_id)
            GROUP BY d.candidate_id""").df()
        decided = candidates[candidates["last_decision"].notna()]
        decided = decided.iloc[rng.choice(len(decided), SAMPLE, replace=False)]
        after_decision = decided["last_decision"] + pd.to_timedelta(rng.integers(1, 24 * 90, SAMPLE), unit="h")
        open_only = candidates[candidates["only_open"] & (candidates["last_version"] < as_of - pd.Timedelta(days=1))]
        controls = open_only.iloc[rng.choice(len(open_only), CONTROLS, replace=False)]
        revise_candidates(con, pd.concat([
            decided[["candidate_id"]].assign(updated_at=np.maximum(after_decision, decided["last_version"])
                                             + pd.Timedelta(minutes=1)),
            controls[["candidate_id"]].assign(updated_at=as_of - pd.Timedelta(hours=1))]))
        # A requisition re-classified after its last decision: its decided applications keep their family, its
        # open ones (the controls) take the new one.
        requisitions = con.execute("""
            SELECT requisition_id, greatest(max(d.decided_at), any_value(v.last_version)) + INTERVAL 1 MINUTE
                   AS updated_at
            FROM marts.fct_decision_outcomes d
            JOIN (SELECT requisition_id, max(updated_at) AS last_version FROM staging.stg_ats__requisition_versions
                  GROUP BY ALL) v USING (requisition_id)
            GROUP BY ALL HAVING bool_or(d.is_open) AND bool_or(NOT d.is_open) AND updated_at < ?""",
                                   [as_of - pd.Timedelta(days=1)]).df()
        requisitions = requisitions.iloc[rng.choice(len(requisitions), min(SAMPLE, len(requisitions)), replace=False)]
        revise_requisitions(con, requisitions)
        ids = con.execute("""SELECT application_id, candidate_id, requisition_id, is_open
                             FROM marts.fct_decision_outcomes
                             WHERE candidate_id IN (SELECT candidate_id FROM changes)
                                OR requisition_id IN (SELECT requisition_id FROM requisition_changes)""").df()
    build = run_dbt(settings, "build", "--select", "source:raw.ats_candidates+", "source:raw.ats_requisitions+",
                    "--exclude", "tag:reviews")
    assert build.returncode == 0, build.stdout[-4000:]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        after = features(con)
    reclassified = ids["requisition_id"].isin(requisitions["requisition_id"])
    revised_decided = ids[~ids["is_open"] & (ids["candidate_id"].isin(decided["candidate_id"]) | reclassified)]
    control_ids = ids[ids["candidate_id"].isin(controls["candidate_id"])]["application_id"]
    reclassified_open = ids[ids["is_open"] & reclassified]["application_id"]
    return before, after, revised_decided["application_id"], control_ids, reclassified_open


def test_a_record_changed_after_a_decision_never_changes_its_features(default_run, revised):
    before, after, revised_decided, *_ = revised
    with default_run.connect() as con:
        decided = con.execute("SELECT application_id FROM marts.fct_decision_outcomes WHERE NOT is_open").df()
    assert len(revised_decided) >= 2 * SAMPLE
    columns = list(HIRE_SUCCESS.features)
    pd.testing.assert_frame_equal(after.loc[decided["application_id"], columns],
                                  before.loc[decided["application_id"], columns])


def test_a_record_changed_before_the_as_of_date_changes_open_features(revised):
    """The control: the same change, dated before what an open application is scored on, must reach it."""
    before, after, _, control_ids, reclassified_open = revised
    assert len(control_ids) >= CONTROLS and len(reclassified_open) >= CONTROLS
    old, new = before.loc[control_ids], after.loc[control_ids]
    for column in REVISED:
        changed = old[column].astype(str) != new[column].astype(str)
        assert changed.all(), f"{column} unchanged for {list(control_ids[~changed.to_numpy()])}"
    assert (new["soft_skills"] == "communication;leadership;teamwork").all()
    families = after.loc[reclassified_open, "job_family"]
    assert (families != before.loc[reclassified_open, "job_family"]).all() and families.isin(["hr", "finance"]).all()


@pytest.fixture(scope="module")
def labels(default_run) -> pd.DataFrame:
    """Every hire whose label counts as mature, with the truth and the label as the warehouse could have read
    it at the milestone (`at_milestone`), when the grace had passed (`at_grace`) and now (`final`), from the
    extract each termination and 12-month review first arrived in."""
    truth = default_run.home / "ground_truth" / "applications.parquet"
    known_by = {"at_milestone": 0, "at_grace": Policy().maturity_grace_days, "final": 365_000}
    window = Policy().milestone_window_days  # only the 12-month review counts for the 12-month label
    read_back = ", ".join(f"""(NOT EXISTS (SELECT 1 FROM terminations t WHERE t.employee_id = h.employee_id
                                       AND t.termination_date <= h.milestone AND t.arrived <= h.milestone + {days}))
                              AND (SELECT arg_min(r.rating, abs(r.review_date - h.milestone)) FROM reviews r
                                   WHERE r.employee_id = h.employee_id
                                     AND abs(r.review_date - h.milestone) <= {window}
                                     AND r.arrived <= h.milestone + {days}) >= 3 AS {name}"""
                          for name, days in known_by.items())
    with default_run.connect() as con:
        return con.execute(f"""
            WITH hires AS (
                SELECT application_id, employee_id, start_date, hire_success, hire_success_label_mature,
                       CAST(start_date + INTERVAL 12 MONTH AS DATE) AS milestone
                FROM marts.fct_decision_outcomes WHERE hire_success_label_mature),
            terminations AS (
                SELECT employee_id, termination_date, min(_extract_date) AS arrived
                FROM raw.hris_terminations GROUP BY ALL),
            reviews AS (
                SELECT review_id, employee_id, arg_max(review_date, updated_at) AS review_date,
                       arg_max(rating, updated_at) AS rating, min(_extract_date) AS arrived
                FROM raw.hris_performance_reviews GROUP BY ALL)
            SELECT h.*, a.hris_as_of_date, t.would_succeed, {read_back}
            FROM hires h CROSS JOIN intermediate.int_as_of a JOIN '{truth}' t USING (application_id)""").df()


def agreement(labels: pd.Series, truth: pd.Series) -> float:
    """The share of labels equal to the truth; a label not known yet (no 12-month review arrived) is no agreement."""
    return float((labels.astype("boolean") == truth).fillna(False).mean())


def test_no_label_is_used_before_its_milestone_and_grace_have_passed(labels):
    grace = pd.Timedelta(days=Policy().maturity_grace_days)
    due = pd.to_datetime(labels["start_date"]) + pd.DateOffset(months=12) + grace
    assert len(labels) > 200
    assert (due <= pd.to_datetime(labels["hris_as_of_date"])).all()


def test_mature_labels_agree_with_the_truth(labels):
    known = labels[labels["hire_success"].notna()]  # hires the HRIS never matched have no label
    rate = agreement(known["hire_success"], known["would_succeed"])
    print(f"\n{rate:.1%} of {len(labels)} mature hire_success labels agree with the ground truth")
    assert rate >= 0.99


def test_the_grace_lets_late_outcomes_arrive_before_a_label_is_learned(labels):
    """Read at the milestone, late terminations and the 12-month reviews (which arrive after their date) are
    missing from many labels; read when the grace has passed, a label is already what it will stay."""
    assert labels["final"].astype("boolean").equals(labels["hire_success"].astype("boolean")), \
        "the read-back follows the warehouse's label rule"
    known = labels[labels["final"].notna()]
    at_milestone, at_grace = (agreement(known[c], known["would_succeed"]) for c in ("at_milestone", "at_grace"))
    print(f"\nlabels as known at the milestone agree with the truth for {at_milestone:.1%}, "
          f"after the {Policy().maturity_grace_days}-day grace for {at_grace:.1%}")
    assert at_milestone < at_grace - 0.05
    changed = labels[labels["at_grace"].astype("boolean").astype(str) != labels["final"].astype("boolean").astype(str)]
    assert changed.empty, f"labels that changed after the grace: {changed['application_id'].tolist()}"
