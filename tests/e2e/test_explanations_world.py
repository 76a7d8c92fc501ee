"""Explanations held to a world with one planted hire effect: international experience raises 12-month
retention, nothing else moves success. The champion's explanations must name that factor, raising."""

from __future__ import annotations

import duckdb
import pytest
from conftest import PipelineRun, run_world

from hr_pipeline.ml import registry
from hr_pipeline.ml.assets import EXPLANATIONS, SCORES_TABLE
from hr_pipeline.ml.explain import top_factors
from hr_pipeline.ml.spec import HIRE_SUCCESS
from hr_pipeline.synth import effects

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("explanations_world")]

# Every planted effect on hire success but international experience's is off, and the rating almost never
# fails (3.6 against the pass mark of 2.5, noise 0.4): success is 12-month retention, which only it moves.
SILENCED = {"RETENTION_REFERRAL": 0.0, "RETENTION_AGENCY": 0.0, "RATING_PER_SOFT_SKILL": 0.0,
            "RATING_PER_EXPERIENCE_YEAR": 0.0, "RATING_DEGREE": 0.0, "RATING_COMMUNICATION_CUSTOMER_FACING": 0.0,
            "RATING_BASE": 3.6}
EMPLOYEES, YEARS = 500, 3  # enough matured hires for a champion


@pytest.fixture(scope="module")
def international_run(tmp_path_factory) -> PipelineRun:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in SILENCED.items():
            mp.setattr(effects, name, value)
        return run_world(tmp_path_factory.mktemp("international_only"), employees=EMPLOYEES, years=YEARS)


def test_international_experience_leads_the_explanations_of_hires_that_have_it(international_run):
    with duckdb.connect(str(international_run.home / "warehouse.duckdb")) as con:  # the registry may migrate
        champion, _ = registry.serving(con, HIRE_SUCCESS.name)
        assert champion is not None, "the world is large enough for a champion"
        matured_with_it = "hired AND hire_success_label_mature AND international_experience"
        hires = con.execute(HIRE_SUCCESS.select(matured_with_it)).df()
    artifact = registry.load(champion)
    factors = top_factors(HIRE_SUCCESS, artifact["pipeline"], hires, artifact["background"])
    first = factors[factors["rank"] == 1]
    leads = ((first["feature"] == "international_experience") & (first["direction"] == "raises")).mean()
    print(f"\n{champion.version} ({champion.algorithm}): international experience leads, raising, for {leads:.0%} "
          f"of {len(first)} matured hires with it")
    assert len(first) == len(hires) >= 30
    assert leads > 0.5


def test_every_scored_application_has_its_top_factors(international_run):
    with international_run.connect() as con:
        ranks = con.execute(f"""
            SELECT s.application_id, list(e.rank ORDER BY e.rank) FILTER (e.rank IS NOT NULL) AS ranks
            FROM {SCORES_TABLE[HIRE_SUCCESS.name]} s
            LEFT JOIN {EXPLANATIONS} e ON e.model_name = ? AND e.subject_id = s.application_id
                                       AND e.model_version = s.model_version
            GROUP BY s.application_id""", [HIRE_SUCCESS.name]).df()
    assert len(ranks) > 0
    assert ranks["ranks"].map(list).map(lambda r: r == [1, 2, 3]).all()
