"""Measure the models against the synthetic world's ground truth, on homes of several seeds and sizes.

Run: `.venv/bin/python benchmarks/models.py --home DIR [--home DIR ...]`, each DIR a home after
`hr-pipeline generate --out DIR ...` and `hr-pipeline run` (its warehouse.duckdb and ground_truth/).
Each model is trained as the pipeline trains it (`training.train` on `training_frame`, time-ordered
holdout) and its holdout scores are judged against what the ground truth says happened. Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb
import numpy as np
from sklearn.metrics import roc_auc_score

from hr_pipeline.ml import registry, training
from hr_pipeline.ml.assets import training_frame
from hr_pipeline.ml.attrition import top_share_lift
from hr_pipeline.ml.model_card import global_effects
from hr_pipeline.ml.spec import ATTRITION_RISK, HIRE_SUCCESS
from hr_pipeline.settings import Policy
from hr_pipeline.synth import effects as fx
from hr_pipeline.synth.scorecard import judged_applications, override_gain, rank_hire_success

TOP_DECILE = 0.10


def with_ground_truth(frame, truth: Path, policy: Policy):
    """`frame`'s rows with the ground truth's answer (`true_exit`: a voluntary exit in the horizon's months
    after the row's month) and a burnout oracle (`oracle_risk`: the planted hazard multiple at the month's
    end, rising through an episode and held after it; known only to the simulation)."""
    horizon = f"INTERVAL {policy.attrition_horizon_months} MONTH"
    return duckdb.sql(f"""
        SELECT frame.*,
               coalesce(truth.voluntary AND date_trunc('month', truth.exit_date) > frame.month_start
                        AND date_trunc('month', truth.exit_date) <= frame.month_start + {horizon}, false)
               AS true_exit,
               CASE WHEN last_day(frame.month_start) BETWEEN truth.burnout_start AND truth.burnout_end
                    THEN 1 + (truth.burnout_hazard_multiplier - 1)
                         * date_diff('day', truth.burnout_start, last_day(frame.month_start))
                         / greatest(date_diff('day', truth.burnout_start, truth.burnout_end), 1)
                    WHEN date_diff('day', truth.burnout_end, last_day(frame.month_start))
                         BETWEEN 1 AND {7 * fx.BURNOUT_AFTER_WEEKS}
                    THEN truth.burnout_hazard_multiplier
                    ELSE 1 END AS oracle_risk
        FROM frame LEFT JOIN read_parquet('{truth}/employees.parquet') AS truth USING (employee_id)
        ORDER BY frame.month_start, frame.employee_id""").df()


def measure_attrition(con: duckdb.DuckDBPyConnection, truth: Path, policy: Policy) -> None:
    spec = ATTRITION_RISK
    rows = with_ground_truth(training_frame(con, spec), truth, policy)
    print(f"  labelled rows {len(rows):,}, months {rows.month_start.min():%Y-%m}..{rows.month_start.max():%Y-%m}, "
          f"label = ground truth on {(rows.label == rows.true_exit).mean():.2%}, exit rate {rows.true_exit.mean():.3f}")
    began = time.perf_counter()
    model = training.train(spec, rows, "benchmark", policy)
    holdout = rows.iloc[-model.n_holdout:]  # train's holdout: the newest labelled rows
    risk = training.score(model.pipeline, holdout)
    exited = holdout.true_exit.to_numpy()
    print(f"  trained in {time.perf_counter() - began:.0f} s on {model.n_train:,} rows "
          f"{model.train_window[0]:%Y-%m}..{model.train_window[1]:%Y-%m}; holdout {model.n_holdout:,} rows "
          f"{model.holdout_window[0]:%Y-%m}..{model.holdout_window[1]:%Y-%m}; chose {model.algorithm} "
          f"({', '.join(f'{k} {v:.3f}' for k, v in model.metrics.items() if k.startswith('cv_auc'))})")
    oracle = holdout.oracle_risk.to_numpy()
    print(f"  holdout vs ground truth: AUC {roc_auc_score(exited, risk):.3f}, "
          f"top-decile lift {top_share_lift(exited, risk, TOP_DECILE):.2f}x (target 2.5x); "
          f"mean score {risk.mean():.3f} vs exit rate {exited.mean():.3f}; burnout oracle: AUC "
          f"{roc_auc_score(exited, oracle):.3f}, lift {top_share_lift(exited, oracle, TOP_DECILE):.2f}x")
    effects = global_effects(spec, model.pipeline, model.train_frame)
    print("  model card effects (mean |log-odds|): " + ", ".join(
        f"{e.feature} {e.mean_abs_contribution:.3f} ({e.direction})" for e in effects.head(6).itertuples()))


def measure_hire_success(con: duckdb.DuckDBPyConnection, truth: Path, policy: Policy) -> None:
    """The serving champion on every decided application it did not train on: ranking against the truth beside
    the vendor AI and the oracle, calibration on applicants (selective labels), and the share routing would send
    to a person."""
    ranking = rank_hire_success(con, truth)
    if ranking is None:
        print("  no champion")
        return
    print(f"  {ranking.summary()}")
    print(f"  calibration on applicants: mean score {ranking.mean_score:.3f} vs true mean {ranking.mean_truth:.3f}")
    champion = registry.serving(con, HIRE_SUCCESS.name)[0]
    rows = judged_applications(con, truth, champion)
    votes = training.vote_share(registry.load(champion)["pipeline"], rows, policy.advance_at)
    unsure = (np.maximum(votes, 1 - votes) < policy.confidence_threshold).mean()
    print(f"  low confidence (ensemble vote) on {unsure:.1%} of them; random sample adds "
          f"{policy.random_sample_share:.0%} whatever the confidence")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", action="append", required=True, help="a home after `hr-pipeline run` (repeatable)")
    args = parser.parse_args()
    policy = Policy()
    for home in map(Path, args.home):
        print(f"{home}")
        with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
            print(" hire_success")
            measure_hire_success(con, home / "ground_truth", policy)
            began = time.perf_counter()
            gain = override_gain(con, home / "ground_truth", policy)
            print(f"  {gain.summary()} ({time.perf_counter() - began:.0f} s for both trainings)")
            print(" attrition_risk")
            measure_attrition(con, home / "ground_truth", policy)


if __name__ == "__main__":
    main()
