"""End to end: attrition_risk's rows, labels and ranking held to the generated world's ground truth."""

from __future__ import annotations

import math
import shutil
from dataclasses import replace

import duckdb
import pandas as pd
import pytest
from conftest import copy_home

from hr_pipeline.ml import registry, training
from hr_pipeline.ml.assets import training_frame
from hr_pipeline.ml.attrition import EARLY_WARNINGS, top_share_lift, write_early_warnings, write_high_risk
from hr_pipeline.ml.model_card import global_effects
from hr_pipeline.ml.spec import ATTRITION_RISK
from hr_pipeline.settings import Policy

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("default_world")]

POLICY = Policy()
HORIZON = f"INTERVAL {POLICY.attrition_horizon_months} MONTH"
# What the world plants for burnout (docs/synthetic-world.md): overtime up early and staying up, engagement down.
BURNOUT_SIGNALS = {"overtime_excess", "overtime_trend_3m", "avg_weekly_overtime_hours", "engagement_score",
                   "engagement_change_6m"}


def _true_exit(run) -> str:
    """SQL: the ground truth's answer for a panel row `m`: a voluntary exit in the horizon's months after it."""
    return f"""coalesce((SELECT t.voluntary AND date_trunc('month', t.exit_date) > m.month_start
                                AND date_trunc('month', t.exit_date) <= m.month_start + {HORIZON}
                         FROM '{run.home / 'ground_truth' / 'employees.parquet'}' AS t
                         WHERE t.employee_id = m.employee_id), false)"""


def test_labels_only_after_horizon_and_grace_and_then_as_the_ground_truth_says(default_run):
    with default_run.connect() as wh:
        early, in_exit_month, label_without_maturity, labelled, wrong_employees = wh.execute(f"""
            SELECT count(*) FILTER (WHERE exit_label_mature AND last_day(m.month_start + {HORIZON})
                                          + INTERVAL {POLICY.maturity_grace_days} DAY > a.hris_as_of_date),
                   count(*) FILTER (WHERE exit_label_mature AND left_in_month),
                   count(*) FILTER (WHERE NOT exit_label_mature AND voluntary_exit_6m IS NOT NULL),
                   count(*) FILTER (WHERE exit_label_mature),
                   count(DISTINCT employee_id) FILTER (WHERE exit_label_mature
                                                       AND voluntary_exit_6m <> {_true_exit(default_run)})
            FROM marts.fct_employee_month AS m CROSS JOIN intermediate.int_as_of AS a""").fetchone()
        # a termination whose record came malformed never reaches the warehouse: no label can know of it
        lost = wh.execute(f"""SELECT count(*) FROM '{default_run.home / 'ground_truth' / 'defects.parquet'}'
                              WHERE "table" = 'hris_terminations' AND defect = 'malformed_value'""").fetchone()[0]
        # the last labelled month is exactly the one whose horizon and grace have passed
        last, expected_last = wh.execute(f"""
            SELECT (SELECT max(month_start) FROM marts.fct_employee_month WHERE exit_label_mature),
                   (SELECT max(m) FROM range(DATE '2020-01-01', hris_as_of_date, INTERVAL 1 MONTH) AS r(m)
                    WHERE last_day(m + {HORIZON}) + INTERVAL {POLICY.maturity_grace_days} DAY <= hris_as_of_date)
            FROM intermediate.int_as_of""").fetchone()
    assert (early, in_exit_month, label_without_maturity) == (0, 0, 0)
    assert labelled > 5000
    assert wrong_employees <= lost  # late terminations have all arrived within the grace period
    assert last == expected_last.date()


def _labelled_with_truth(run):
    """The labelled rows as the pipeline trains on them, ordered by time, with the ground truth's `true_exit`."""
    with run.connect() as wh:
        labelled = training_frame(wh, ATTRITION_RISK)
    with duckdb.connect() as con:
        con.register("labelled", labelled)
        return con.execute(f"""SELECT m.*, {_true_exit(run)} AS true_exit
                               FROM labelled AS m ORDER BY m.month_start, m.employee_id""").df()


def test_the_riskiest_decile_of_the_holdout_holds_2_5_times_the_true_exit_rate(default_run):
    spec = ATTRITION_RISK
    rows = _labelled_with_truth(default_run)
    model = training.train(spec, rows, "test", POLICY)
    holdout = rows.iloc[-model.n_holdout:]  # train's holdout: the newest labelled rows
    assert holdout.month_start.min() > pd.Timestamp(model.train_window[1])
    lift = top_share_lift(holdout.true_exit.to_numpy(), training.score(model.pipeline, holdout), 0.10)
    assert lift >= 2.5, f"top-decile lift {lift:.2f} against the ground truth"


def test_a_planted_burnout_signal_is_the_largest_effect_on_the_champions_model_card(default_run):
    spec = ATTRITION_RISK
    with default_run.connect() as wh:
        champion = registry.serving(wh, spec.name)[0]
        frame = training_frame(wh, spec)
    assert champion is not None
    trained_on = frame[frame.month_start.between(champion.train_start, champion.train_end)]
    assert len(trained_on) == champion.n_train  # the rows its card averages over
    effects = global_effects(spec, registry.load(champion)["pipeline"], trained_on)
    assert effects.feature.iloc[0] in BURNOUT_SIGNALS, effects.head(3).to_dict("records")


def test_high_risk_list_is_the_riskiest_share_of_active_employees_of_the_newest_run(default_run, tmp_path):
    shutil.copy(default_run.home / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as wh:
        wh.execute("CREATE SCHEMA IF NOT EXISTS ml")
        # an older run ranks the other way round: only the newest may count
        wh.execute(f"""
            CREATE OR REPLACE TABLE ml.attrition_scores AS
            SELECT employee_id, month_start, 'attrition_risk-v1' AS model_version,
                   CASE run WHEN 'new' THEN risk ELSE 1 - risk END AS score,
                   TIMESTAMP '2026-11-16 06:00' + CASE run WHEN 'new' THEN INTERVAL 7 DAY ELSE INTERVAL 0 DAY END
                   AS scored_at, run AS run_id
            FROM (SELECT employee_id, month_start, hash(employee_id) % 1000 / 1000.0 AS risk
                  FROM marts.fct_employee_month WHERE {ATTRITION_RISK.to_score})
            CROSS JOIN (VALUES ('old'), ('new')) AS runs(run)""")
        active = wh.execute("SELECT count(*) FROM ml.attrition_scores WHERE run_id = 'new'").fetchone()[0]
        # who has left by the as-of date is never listed, however high a score they got
        leavers = wh.execute("""
            INSERT INTO ml.attrition_scores
            SELECT employee_id, month_start, 'attrition_risk-v1', 2.0, TIMESTAMP '2026-11-23 06:00', 'new'
            FROM marts.fct_employee_month WHERE is_current_month AND NOT is_active""").fetchone()[0]
        listed = write_high_risk(wh, POLICY)
        rows = wh.execute("SELECT risk_rank, risk, run_id, person_key FROM ml.attrition_high_risk "
                          "ORDER BY risk_rank").fetchall()
        cut = wh.execute("SELECT min(score) FROM (SELECT score FROM ml.attrition_scores WHERE run_id = 'new' "
                         "AND score <= 1 ORDER BY score DESC LIMIT ?)", [listed]).fetchone()[0]
    assert leavers > 0
    assert listed == len(rows) == math.ceil(active * POLICY.high_risk_share) > 10
    assert [r[0] for r in rows] == list(range(1, listed + 1))
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), reverse=True) and rows[-1][1] == cut
    assert {r[2] for r in rows} == {"new"} and all(r[3] for r in rows)


def test_a_month_s_list_drawn_after_its_end_is_kept_and_only_the_rest_is_drawn_again(default_run, tmp_path):
    """A weekly run scores only what is not drawn yet and the current month; a new champion draws every list again."""
    home = copy_home(default_run, tmp_path / "home")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        champion = registry.serving(con, ATTRITION_RISK.name)[0]
        (as_of,) = con.execute("SELECT as_of_date FROM intermediate.int_as_of").fetchone()
        before = con.execute(f"SELECT * FROM {EARLY_WARNINGS} ORDER BY ALL").df()
        final = before[before["drawn_as_of"] > before["snapshot_date"]]
        current = before[before["drawn_as_of"] <= before["snapshot_date"]]
        assert len(final) and len(current) and (current["month_start"] == current["month_start"].max()).all()
        first, dropped = final["month_start"].min(), final["month_start"].max()
        # a drawn list is not scored again (its altered score stays); a missing month and the current one are
        con.execute(f"UPDATE {EARLY_WARNINGS} SET score = -1 WHERE month_start = ?", [first])
        con.execute(f"DELETE FROM {EARLY_WARNINGS} WHERE month_start IN (?, ?)",
                    [dropped, current["month_start"].iloc[0]])
        assert write_early_warnings(con, champion, POLICY, as_of) == len(before)
        after = con.execute(f"SELECT * FROM {EARLY_WARNINGS} ORDER BY ALL").df()
        altered = after["month_start"] == pd.Timestamp(first)
        assert (after.loc[altered, "score"] == -1).all()
        unaltered = before["month_start"] != pd.Timestamp(first)
        pd.testing.assert_frame_equal(after[~altered].reset_index(drop=True),
                                      before[unaltered].reset_index(drop=True))
        # another champion: every list drawn again, by it
        write_early_warnings(con, replace(champion, version="attrition_risk-other"), POLICY, as_of)
        redrawn = con.execute(f"SELECT * FROM {EARLY_WARNINGS} ORDER BY ALL").df()
    assert (redrawn["model_version"] == "attrition_risk-other").all() and (redrawn["score"] >= 0).all()
    assert len(redrawn) == len(before)
