"""What the learning loop did in a run, in a few lines for the console: who serves, the queue, the risk list."""

from __future__ import annotations

from pathlib import Path

import duckdb

from hr_pipeline.ml import queue, registry
from hr_pipeline.ml.routing import PRIORITY
from hr_pipeline.ml.spec import MODELS
from hr_pipeline.settings import Settings


def _serving(con: duckdb.DuckDBPyConnection, name: str) -> str:
    champion, challenger = registry.serving(con, name)
    if champion is None:
        return f"{name}: no champion yet (too few matured labels; see the asset's metadata)"
    decisions = champion.metrics.get("recruiter_decisions")
    line = (f"{name}: champion {champion.version} ({(champion.algorithm or '').replace('_', ' ')}, holdout AUC "
            f"{champion.holdout_auc:.3f} on {champion.n_holdout:,} rows, trained on {champion.n_train:,}"
            + (f" and what recruiters see, from {decisions:,} of their decisions" if decisions else "") + ")")
    if challenger is not None:
        return f"{line}; challenger {challenger.version} serving its share until its evaluation"
    return f"{line}; no challenger: " + ("the first version becomes champion" if len(registry.versions(con, name)) == 1
                                         else "none trained since the last decision")


def lines(con: duckdb.DuckDBPyConnection, settings: Settings, truth_dir: Path | None = None) -> list[str]:
    out = [_serving(con, spec.name) for spec in MODELS]
    if truth_dir is not None and truth_dir.is_dir():
        from hr_pipeline.synth.scorecard import rank_hire_success

        ranking = rank_hire_success(con, truth_dir)
        if ranking is not None:
            out.append(ranking.summary())
    as_of = con.execute("SELECT as_of_date FROM intermediate.int_as_of").fetchall()[0][0]
    counts = queue.summary(con, as_of)
    by_reason = ", ".join(f"{reason} {counts[f'reason_{reason}']}" for reason in PRIORITY)
    out.append(f"review queue: {counts['queued']} queued (by first reason: {by_reason}); {counts['open']} open, "
               f"{counts['overdue']} overdue, {counts['resolved']} resolved")
    (listed,) = con.execute("SELECT count(*) FROM ml.attrition_high_risk").fetchall()[0]
    out.append(f"high-risk list: {listed} employees in ml.attrition_high_risk; model cards in "
               f"{settings.model_cards_dir}")
    return out
