"""The registry versions every model, promotes only an equal-or-better one, and never registers the same data twice."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from hr_pipeline.ml import registry


@dataclass
class _Trained:  # the fields of training.TrainedModel the registry reads
    auc: float
    fingerprint: str
    n_train: int = 100
    n_holdout: int = 30
    job_families: tuple = ("sales",)

    @property
    def metrics(self):
        return {"holdout_auc": self.auc, "holdout_brier": 0.2}

    train_window = (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    holdout_window = (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-31"))


def _register(con, auc, fp):
    version = registry.next_version(con, "m")
    return version, registry.register(con, "m", version, _Trained(auc, fp), f"/models/{version}.joblib")


def test_versions_promotion_and_fingerprints():
    con = duckdb.connect()
    assert _register(con, 0.70, "a") == ("m-v1", "champion")
    assert _register(con, 0.65, "b") == ("m-v2", "challenger")
    assert registry.champion(con, "m").version == "m-v1"
    assert _register(con, 0.72, "c") == ("m-v3", "champion")
    statuses = dict(con.execute("SELECT version, status FROM ml.model_registry").fetchall())
    assert statuses == {"m-v1": "retired", "m-v2": "challenger", "m-v3": "champion"}
    assert registry.find_by_fingerprint(con, "m", "b").version == "m-v2"
    assert registry.find_by_fingerprint(con, "m", "zzz") is None
