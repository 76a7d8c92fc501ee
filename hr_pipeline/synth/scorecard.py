"""How well the serving models rank people against a synthetic world's ground truth.

Only a synthetic world knows each applicant's true success probability, so only there can a model
be judged on everyone it ranks (hired or not), beside the vendor AI and the oracle that knows the
truth. The outcomes are Bernoulli draws from the true probabilities with a fixed seed, so every
ranking is judged on the same outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from hr_pipeline.ml import registry
from hr_pipeline.ml.spec import HIRE_SUCCESS
from hr_pipeline.ml.training import score

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
    """Every decided application with its features, the vendor's score and the truth, except the hires
    decided inside the version's training window (its training rows)."""
    spec = HIRE_SUCCESS
    rows = con.execute(spec.select(f"NOT is_open AND NOT (hired AND {spec.time_column} <= ?)", ("ai_score",)),
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
    scores = score(registry.load(champion)["pipeline"], rows)
    return Ranking(champion.version, len(rows), float(roc_auc_score(outcome, scores)),
                   float(roc_auc_score(outcome, rows["ai_score"])), float(roc_auc_score(outcome, rows["p_success"])),
                   float(scores.mean()), float(rows["p_success"].mean()))
