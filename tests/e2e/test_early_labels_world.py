"""hire_success's early signals on the demo's world, held to the synthetic world's ground truth: the 6-month signal
agrees with whether the hire truly succeeds clearly better than calling every hire a success, the 3-month milestone
(not a source) does not, the training label is the 12-month label wherever that has matured, and the champion
says what it learned from, the counts adding up to its training rows."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from hr_pipeline.ml import registry
from hr_pipeline.ml.spec import HIRE_SUCCESS

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("default_world")]


def hires_with_truth(run) -> pd.DataFrame:
    with run.connect() as wh:
        hires = wh.execute("""
            SELECT o.application_id, o.employed_3m, o.early_success_6m, o.hire_success, o.hire_success_label_mature,
                   d.hire_success_training_label, d.hire_success_label_source
            FROM intermediate.int_hire_outcomes o JOIN marts.fct_decision_outcomes d USING (application_id)""").df()
    truth = pd.read_parquet(run.home / "ground_truth" / "applications.parquet",
                            columns=["application_id", "would_succeed"])
    return hires.merge(truth, on="application_id", validate="many_to_one")


def agreement_over_majority(label: pd.Series, truth: pd.Series) -> tuple[float, float]:
    """How often `label` agrees with the truth, and how often the better constant label (all succeed or all fail)
    would: a label carries information only where it beats the constant."""
    truth = truth.astype(bool)
    return float((label.astype(bool) == truth).mean()), float(max(truth.mean(), 1 - truth.mean()))


def test_the_6_month_signal_agrees_with_the_truth_clearly_better_than_the_constant_and_3_months_does_not(default_run):
    hires = hires_with_truth(default_run)
    matured = hires[hires["hire_success_label_mature"] & hires["hire_success"].notna()
                    & hires["early_success_6m"].notna()]
    signal, constant = agreement_over_majority(matured["early_success_6m"], matured["would_succeed"])
    three, _ = agreement_over_majority(matured["employed_3m"], matured["would_succeed"])
    print(f"\non {len(matured)} hires with 12 months matured: 6-month signal agrees with the truth on {signal:.1%}, "
          f"the constant on {constant:.1%}, still employed at 3 months on {three:.1%}")
    assert len(matured) > 200
    assert signal >= constant + 0.10  # measured 84 % against 65 % on this world
    assert three < constant + 0.05  # nearly everyone is still there at 3 months: no signal
    # The rows that learn from it now: hires whose 12 months have not matured, judged by what will happen.
    early = hires[hires["hire_success_label_source"] == "6m"]
    signal, constant = agreement_over_majority(early["hire_success_training_label"], early["would_succeed"])
    print(f"on the {len(early)} hires labelled by it: agrees with the truth on {signal:.1%}, "
          f"the constant {constant:.1%}")
    assert len(early) > 50
    assert signal >= constant + 0.05


def test_the_training_label_is_the_12_month_label_wherever_that_has_matured(default_run):
    hires = hires_with_truth(default_run)
    matured = hires["hire_success_label_mature"] & hires["hire_success"].notna()
    assert (hires.loc[matured, "hire_success_label_source"] == "12m").all()
    assert (hires.loc[matured, "hire_success_training_label"] == hires.loc[matured, "hire_success"]).all()
    assert (hires["hire_success_label_source"] == "12m").sum() == matured.sum()
    assert set(hires["hire_success_label_source"].dropna()) <= set(HIRE_SUCCESS.early_labels.sources)


def test_the_champion_says_how_many_rows_it_learned_from_each_source_and_was_judged_on_12_month_outcomes(default_run):
    with default_run.connect() as wh:
        champion = registry.serving(wh, HIRE_SUCCESS.name)[0]
        in_holdout = wh.execute(f"SELECT count(*) FROM {HIRE_SUCCESS.table} WHERE {HIRE_SUCCESS.labelled} "
                                "AND decided_at BETWEEN ? AND ?", [champion.holdout_start, champion.holdout_end]
                                ).fetchone()[0]
    counts = {source: champion.metrics[f"train_labels_{source}"] for source in HIRE_SUCCESS.early_labels.sources}
    print(f"\n{champion.version}: {champion.description}")
    assert sum(counts.values()) == champion.n_train and counts["12m"] > 0 and counts["6m"] > 0
    said = dict((source, int(n)) for n, source in re.findall(r"(\d+) with (\d+m)", champion.description.replace(
        "12-month outcomes", "12m").replace("6-month early signals", "6m")))
    assert said == counts
    assert champion.n_holdout == in_holdout  # every holdout row a matured 12-month outcome
    assert f"judged on the newest {champion.n_holdout} matured 12-month outcomes" in champion.description
