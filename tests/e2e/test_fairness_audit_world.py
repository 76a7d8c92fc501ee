"""The fairness audit on the demo's world, held to the ground truth and to Fairlearn: the planted recruiter bias
against ethnicity = minority shows where it is and not in the champion's recommendations, every figure equals
Fairlearn's MetricFrame on the same rows, and undisclosed counts equal the landing files'."""

from __future__ import annotations

import hashlib

import duckdb
import pandas as pd
import pytest

from hr_pipeline.ingest.contracts import CONTRACTS_BY_TABLE
from hr_pipeline.monitoring.fairness import INTERSECTION, INTERSECTION_NAME, NOT_RATIOED, UNKNOWN
from hr_pipeline.monitoring.fairness_audit import AI, AUDITED_ATTRIBUTES, DECISIONS, HIRE, RECRUITER, champion_scores
from hr_pipeline.settings import Policy

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("default_world")]

POLICY = Policy()
ALLOWED = {c.name: c.allowed for c in CONTRACTS_BY_TABLE["ats_candidates"].protected_columns}
WHOLE = "whole history"
DECIDED = """SELECT application_id, candidate_id, CAST(date_trunc('quarter', decided_at) AS DATE) AS quarter_start,
                    human_decision, hired FROM marts.fct_decision_outcomes WHERE NOT is_open"""


def _audit(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT * FROM monitoring.fairness_audit").df()


def _whole(audit: pd.DataFrame, decision: str, attribute: str) -> pd.DataFrame:
    return audit[audit["quarter_start"].isna() & (audit["decision"] == decision)
                 & (audit["attribute"] == attribute)].set_index("group_value")


def test_the_planted_recruiter_bias_is_flagged_and_the_champion_is_not(default_run):
    with default_run.connect() as wh:
        audit = _audit(wh)
    recruiter, ai = _whole(audit, RECRUITER, "ethnicity"), _whole(audit, AI, "ethnicity")
    print(f"ethnicity = minority impact ratio, whole history: recruiter "
          f"{recruiter.loc['minority', 'impact_ratio']:.3f}, champion {ai.loc['minority', 'impact_ratio']:.3f}")
    assert recruiter.loc["minority", "impact_ratio"] < POLICY.four_fifths and recruiter.loc["minority", "flagged"]
    assert recruiter.loc["minority", "reference_group"] == "majority"
    assert not ai["flagged"].any() and ai.loc["minority", "impact_ratio"] >= POLICY.four_fifths
    # Quarter by quarter, too: the champion never flags an ethnic group; the recruiters do in most quarters.
    quarters = audit[audit["quarter_start"].notna() & (audit["attribute"] == "ethnicity")]
    assert not quarters[quarters["decision"] == AI]["flagged"].any()
    recruiter_quarters = quarters[(quarters["decision"] == RECRUITER) & (quarters["group_value"] == "minority")]
    assert recruiter_quarters["flagged"].mean() > 0.5


def test_the_flag_is_a_warning_check_naming_the_flagged_groups(default_run):
    (check,) = [e for e in default_run.result.get_asset_check_evaluations()
                if e.asset_check_key.name == "impact_ratios_above_four_fifths"]
    assert not check.passed and check.severity.value == "WARN"
    assert f"{RECRUITER} ethnicity=minority" in check.metadata["flagged_whole_history"].value
    assert f"{AI} ethnicity" not in check.metadata["flagged_whole_history"].value


def _people(wh: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each candidate's latest protected record, normalised here in pandas (trim, lower-case, allowed values)."""
    people = wh.execute("""SELECT candidate_id, gender, age_band, ethnicity FROM protected.ats_candidates
                           QUALIFY row_number() OVER (PARTITION BY candidate_id
                                                      ORDER BY _extract_date DESC, _row_number DESC) = 1""").df()
    for attribute, allowed in ALLOWED.items():
        clean = people[attribute].str.strip().str.lower()
        people[attribute] = clean.where(clean.isin(allowed), UNKNOWN)
    return people


def _decisions(wh: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every audited decision, built apart from the audit's SQL: one row per decided application and decision,
    per quarter and for the whole history, with the person's groups."""
    from fairlearn.metrics import MetricFrame  # noqa: F401  (a test dependency: fail here if missing)

    decided = wh.execute(DECIDED).df().merge(_people(wh), on="candidate_id", how="left")
    decided[list(ALLOWED)] = decided[list(ALLOWED)].fillna(UNKNOWN)
    decided[INTERSECTION_NAME] = decided[list(INTERSECTION)].agg(" x ".join, axis=1)
    decided = decided.merge(champion_scores(wh, Policy()).scores, on="application_id", how="left")
    frames = []
    for period, part in [(WHOLE, decided), *decided.groupby(decided["quarter_start"].astype(str))]:
        part = part.assign(period=period)
        scored = part[part["score"].notna()]
        frames += [scored.assign(decision=AI, selected=scored["score"] > scored["score"].median()),
                   part[part["human_decision"].notna()].assign(decision=RECRUITER,
                                                               selected=lambda p: p["human_decision"] == "advance"),
                   part.assign(decision=HIRE, selected=part["hired"])]
    return pd.concat(frames, ignore_index=True)


def test_every_figure_equals_fairlearns_metricframe_on_the_same_rows(default_run):
    from fairlearn.metrics import MetricFrame, count, selection_rate

    with default_run.connect() as wh:
        audit, rows = _audit(wh), _decisions(wh)
    audit["period"] = audit["quarter_start"].astype(str).where(audit["quarter_start"].notna(), WHOLE)
    compared = 0
    for (period, decision), part in rows.groupby(["period", "decision"]):
        for attribute in AUDITED_ATTRIBUTES:
            got = audit[(audit["period"] == period) & (audit["decision"] == decision)
                        & (audit["attribute"] == attribute)].set_index("group_value")
            y = part["selected"].astype(int)
            frame = MetricFrame(metrics={"rate": selection_rate, "n": count}, y_true=y, y_pred=y,
                                sensitive_features=part[attribute])
            assert dict(got["group_size"]) == frame.by_group["n"].astype(int).to_dict()
            assert got["selection_rate"].to_dict() == pytest.approx(frame.by_group["rate"].to_dict())
            # The ratios: only disclosed groups of at least the minimum size, against the most-selected one.
            disclosed = ~part[attribute].str.split(" x ").map(lambda parts: bool(set(parts) & set(NOT_RATIOED)))
            sizes = part[attribute].map(part[attribute].value_counts())
            ratioed = part[disclosed & (sizes >= POLICY.fairness_min_group)]
            expected = got["impact_ratio"].dropna()
            if ratioed[attribute].nunique() < 2 or not ratioed["selected"].any():
                assert expected.empty
                continue
            yr = ratioed["selected"].astype(int)
            ratio_frame = MetricFrame(metrics=selection_rate, y_true=yr, y_pred=yr,
                                      sensitive_features=ratioed[attribute])
            by_group = ratio_frame.by_group
            assert expected.to_dict() == pytest.approx((by_group / by_group.max()).to_dict())
            assert expected.min() == pytest.approx(ratio_frame.ratio(method="between_groups"))
            assert got["flagged"].to_dict() == {g: bool(r < POLICY.four_fifths) if r == r else False
                                                for g, r in got["impact_ratio"].items()}
            compared += 1
    print(f"{compared} sets of ratios compared")
    assert compared >= len(DECISIONS) * len(AUDITED_ATTRIBUTES) * 10  # the whole history and most quarters


def test_undisclosed_and_unknown_counts_equal_the_landing_files(default_run):
    home = default_run.home
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{home / 'warehouse.duckdb'}' AS wh (READ_ONLY)")
        # Every candidate record the ATS sent, its latest version (the latest extract holding it) kept.
        con.execute(f"""
            CREATE TABLE landed AS SELECT candidate_id, demographics.*, filename
            FROM read_json('{home}/landing/ats/*/candidates.jsonl', filename = true, format = 'newline_delimited',
                           columns = {{'candidate_id': 'VARCHAR', 'demographics':
                                       'STRUCT(gender VARCHAR, age_band VARCHAR, ethnicity VARCHAR)'}})""")
        # Candidates every landed version of whom carries a malformed value (ground truth): quarantined, never
        # loaded, so their groups are unknown to the warehouse.
        con.execute(f"""
            CREATE TABLE lost AS SELECT key AS candidate_id
            FROM '{home}/ground_truth/defects.parquet' AS d
            JOIN (SELECT candidate_id, count(DISTINCT filename) AS versions FROM landed GROUP BY 1) AS l
              ON l.candidate_id = d.key
            WHERE d."table" = 'ats_candidates' AND d.defect = 'malformed_value'
            GROUP BY key, versions HAVING count(*) >= versions""")
        lost = con.execute("SELECT count(*) FROM lost").fetchone()[0]
        for decision, where in ((AI, ""), (RECRUITER, "AND d.human_decision IS NOT NULL"), (HIRE, "")):
            for attribute, allowed in ALLOWED.items():
                undisclosed, unknown = con.execute(f"""
                    WITH latest AS (SELECT * FROM landed
                                    QUALIFY row_number() OVER (PARTITION BY candidate_id ORDER BY filename DESC) = 1)
                    SELECT count(*) FILTER (WHERE lost.candidate_id IS NULL
                                            AND lower(trim(l.{attribute})) = 'undisclosed'),
                           count(*) FILTER (WHERE lost.candidate_id IS NOT NULL OR l.{attribute} IS NULL
                                            OR lower(trim(l.{attribute})) NOT IN {tuple(allowed)})
                    FROM wh.marts.fct_decision_outcomes AS d
                    LEFT JOIN latest AS l USING (candidate_id) LEFT JOIN lost USING (candidate_id)
                    WHERE NOT d.is_open {where}""").fetchone()
                audited = dict(con.execute(f"""
                    SELECT group_value, group_size FROM wh.monitoring.fairness_audit
                    WHERE quarter_start IS NULL AND decision = '{decision}' AND attribute = '{attribute}'
                      AND group_value IN ('undisclosed', 'unknown')""").fetchall())
                print(f"{decision} {attribute}: landing {undisclosed} undisclosed, {unknown} unknown "
                      f"({lost} candidates never loaded)")
                assert undisclosed > 100  # counted and reported ...
                assert audited == {g: n for g, n in (("undisclosed", undisclosed), ("unknown", unknown)) if n}
        ratioed = con.execute("""SELECT count(*) FROM wh.monitoring.fairness_audit
                                 WHERE group_value IN ('undisclosed', 'unknown') AND impact_ratio IS NOT NULL""")
        assert ratioed.fetchone()[0] == 0  # ... never ratioed


def test_quarters_add_up_to_the_whole_history(default_run):
    with default_run.connect() as wh:
        mismatched = wh.execute("""
            SELECT decision, attribute, group_value FROM monitoring.fairness_audit
            GROUP BY ALL
            HAVING sum(group_size) FILTER (WHERE quarter_start IS NOT NULL)
                   <> sum(group_size) FILTER (WHERE quarter_start IS NULL)""").fetchall()
    assert mismatched == []


def test_above_the_cap_the_ai_is_audited_on_a_stable_sample_that_new_applications_join(default_run):
    from dataclasses import replace

    policy = replace(Policy(), history_max_scored=200)
    with default_run.connect() as wh:
        whole = champion_scores(wh, Policy())
        sample = champion_scores(wh, policy)
        again = champion_scores(wh, policy)
    assert not whole.sampled and len(whole.scores) == whole.decided > 200
    assert sample.sampled and len(sample.scores) == 200 and sample.decided == whole.decided
    assert sample.scores.equals(again.scores)  # the same applications, the same scores, every run
    ids = sorted(whole.scores["application_id"], key=lambda a: hashlib.md5(a.encode()).hexdigest())
    assert set(sample.scores["application_id"]) == set(ids[:200])
    same = whole.scores.merge(sample.scores, on="application_id")
    assert (same["score_x"] == same["score_y"]).all()  # a sampled application scores as it does unsampled
