"""The closed loop, end to end: a small world steps week by week, the real Dagster job runs on each week's
extracts, and the world's recruiters are shown the pipeline's outbox. Checked against the world's ground truth."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from hr_pipeline.ingest.contracts import ATS_RECOMMENDATIONS
from hr_pipeline.simulation.loop import simulate
from hr_pipeline.simulation.screener import OUTBOX, read_outbox
from hr_pipeline.simulation.spec import POLICIES, WEEKS_FILE, Simulation

from tests.conftest import AS_OF

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("simulation")]  # one worker builds the simulation


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    sim = Simulation(tmp_path_factory.mktemp("simulation"), employees=800, burn_in_years=2, weeks=2,
                     drift_at_week=1, seed=5, as_of=AS_OF)
    lines = []
    page = simulate(sim, POLICIES, say=lines.append)
    return sim, page, pd.read_parquet(sim.results / WEEKS_FILE), lines


def screenings(sim: Simulation, policy: str) -> pd.DataFrame:
    return duckdb.execute(f"SELECT * FROM '{sim.out / policy}/ground_truth/screenings.parquet' "
                          "WHERE recommended_at >= ?", [sim.switch]).df()


def test_every_policy_writes_its_weekly_figures_and_the_page(simulated):
    sim, page, weeks, lines = simulated
    assert sorted(map(tuple, weeks[["policy", "week"]].to_numpy())) == sorted(
        (p, w) for p in POLICIES for w in range(1, sim.weeks + 1))
    assert (weeks["screened"] > 0).all() and (weeks[weeks["policy"] != "vendor"]["exit_code"] == 0).all()
    document = page.read_text(encoding="utf-8")
    assert "Summary" in document and "<script src=" not in document  # offline: Plotly is inlined
    assert any(line.strip().startswith("mean true success probability of hires") for line in lines)


def test_the_recruiter_is_shown_what_the_outbox_published(simulated):
    """The round trip: each application screened after the burn-in under a pipeline policy was shown the
    outbox's recommendation of the Monday before (ground truth records what was shown)."""
    sim, *_ = simulated
    for policy in ("frozen", "loop"):
        shown = screenings(sim, policy)
        assert (shown["source"] == OUTBOX).mean() > 0.9, policy
        for monday, group in shown[shown["source"] == OUTBOX].groupby(shown["recommended_at"].dt.date):
            published = read_outbox(ATS_RECOMMENDATIONS.path(sim.out / policy / "outbox", monday))
            ids = group["application_id"].str[1:].astype("int64")
            assert (published.loc[ids, "model_version"].to_numpy() == group["model_version"].to_numpy()).all()
            assert (published.loc[ids, "score"].to_numpy() == pytest.approx(group["score"].to_numpy()))
    assert (screenings(sim, "vendor")["source"] == "vendor").all()


def test_frozen_never_changes_its_version_and_the_loop_retrains(simulated):
    _, _, weeks, _ = simulated
    frozen, loop = (weeks[weeks["policy"] == p] for p in ("frozen", "loop"))
    assert frozen["champion"].nunique() == 1 and frozen["champion"].notna().all()
    assert (frozen["trained"] == 0).all() and frozen["challenger"].isna().all()
    assert loop["champion"].iloc[0] == frozen["champion"].iloc[0]  # the same burn-in
    assert loop["trained"].sum() >= 1  # the weekly job trained a new version on the new labels
