"""How well the serving models rank people against a synthetic world's ground truth.

Only a synthetic world knows each applicant's true success probability, so only there can a model
be judged on everyone it ranks (hired or not), beside the vendor AI and the oracle that knows the
truth. The outcomes are Bernoulli draws from the true probabilities with a fixed seed, so every
ranking is judged on the same outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from hr_pipeline.ml import registry
from hr_pipeline.ml.spec import HIRE_SUCCESS
from hr_pipeline.ml.training import score, score_version, train
from hr_pipeline.settings import Policy

DRAW_SEED = 0


@dataclass(frozen=True)
class Ranking:
    version: str
    applications: int  # decided applications judged: all but the hires the version trained on
    model_auc: float
    vendor_auc: float
    oracle_auc: float
    mean_score: float  # the model's mean score on them ...
    mean_truth: float  # ... and their true mean success probability

    def summary(self) -> str:
        return (f"against the ground truth, {self.version} ranks {self.applications:,} decided applications at AUC "
                f"{self.model_auc:.3f} (vendor AI {self.vendor_auc:.3f}, oracle {self.oracle_auc:.3f})")


def judged_applications(con: duckdb.DuckDBPyConnection, truth_dir: Path, entry: registry.ModelVersion) -> pd.DataFrame:
    """Every decided application the vendor scored, with its features, that score and the truth, except the hires
    decided inside the version's training window (its training rows)."""
    spec = HIRE_SUCCESS
    rows = con.execute(spec.select(f"NOT is_open AND ai_score IS NOT NULL AND NOT (hired AND {spec.time_column} <= ?)",
                                   ("ai_score",)),
                       [entry.train_end]).df()
    truth = pd.read_parquet(truth_dir / "applications.parquet", columns=["application_id", "p_success"])
    return rows.merge(truth, on="application_id")


def rank_hire_success(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> Ranking | None:
    """The champion's ranking of decided applications against Bernoulli draws of their true success; None
    without a champion."""
    champion = registry.serving(con, HIRE_SUCCESS.name)[0]
    if champion is None:
        return None
    rows = judged_applications(con, truth_dir, champion)
    outcome = np.random.default_rng(DRAW_SEED).random(len(rows)) < rows["p_success"]
    scores = score_version(champion, rows)
    return Ranking(champion.version, len(rows), float(roc_auc_score(outcome, scores)),
                   float(roc_auc_score(outcome, rows["ai_score"])), float(roc_auc_score(outcome, rows["p_success"])),
                   float(scores.mean()), float(rows["p_success"].mean()))


@dataclass(frozen=True)
class OverrideGain:
    """hire_success trained on the same labels twice, on outcomes only and with the recruiter view, judged on
    the decided applications nobody hired: ranking per role group, and the ethnicity impact ratio."""

    applications: int
    auc: dict[str, tuple[float, float]]  # role group -> (outcomes only, with the recruiter view)
    impact_ratio: tuple[float, float]  # ethnicity, same order
    impact_ratio_se: float  # the sampling error of one ratio: what re-drawing the same groups would move it by

    def summary(self) -> str:
        groups = "; ".join(f"{group} AUC {a:.3f} -> {b:.3f} ({b - a:+.3f})" for group, (a, b) in self.auc.items())
        before, after = self.impact_ratio
        return (f"learning from recruiters' decisions, judged on {self.applications:,} applications nobody hired: "
                f"{groups}; ethnicity impact ratio {before:.3f} -> {after:.3f} (sampling error "
                f"{self.impact_ratio_se:.3f})")


def override_gain(con: duckdb.DuckDBPyConnection, truth_dir: Path, policy: Policy) -> OverrideGain:
    from hr_pipeline.ml.assets import fairness_of, population, recruiter_decisions, training_frame

    spec = HIRE_SUCCESS
    frame = training_frame(con, spec)
    rows = con.execute(spec.select("NOT is_open AND NOT hired")).df()
    truth = pd.read_parquet(truth_dir / "applications.parquet", columns=["application_id", "p_success",
                                                                            "customer_facing"])
    rows = rows.merge(truth, on="application_id")
    outcome = np.random.default_rng(DRAW_SEED).random(len(rows)) < rows["p_success"]
    facing = rows["customer_facing"].to_numpy()
    aucs, ratios, figures = {"customer-facing": [], "other": []}, [], None
    for chosen in (replace(policy, override_learning_families=()), policy):
        model = train(spec, frame, "override gain", chosen, recruiter_decisions(con, spec, chosen))
        scores = score(model.pipeline, rows)
        for group, where in (("customer-facing", facing), ("other", ~facing)):
            aucs[group].append(float(roc_auc_score(outcome[where], scores[where])))
        reached, _ = population(con, spec, model.train_window[1], policy)
        figures = fairness_of(con, spec, model.pipeline, reached, policy)
        ratios.append(figures["impact_ratio"]["ethnicity"])
    return OverrideGain(len(rows), {g: (a, b) for g, (a, b) in aucs.items()}, (ratios[0], ratios[1]),
                        figures["impact_ratio_se"]["ethnicity"])
