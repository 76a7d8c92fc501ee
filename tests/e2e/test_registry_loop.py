"""The registry on the demo warehouse: a real second version serves its arm, is promoted and rolled back
through `hr-pipeline models`, each change reaches the next scoring run, and a tampered artifact stops it."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import joblib
import pandas as pd
import pytest
from cli_world import CLI, cli_env
from conftest import copy_home

from hr_pipeline.ml import assets, explain, registry
from hr_pipeline.ml.routing import stable_draw
from hr_pipeline.ml.spec import HIRE_SUCCESS
from hr_pipeline.ml.training import fingerprint, train
from hr_pipeline.resources import Warehouse
from hr_pipeline.settings import Policy, Settings

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("default_world")]

OLDER_SHARE = 0.8  # the second version learns from the older 80 % of the matured labels: other data, another version
SCORES = next(a for a in assets.ml_assets if assets.scores_key(HIRE_SUCCESS) in a.keys)


def register_second_version(settings: Settings) -> str:
    """Train on part of the labels and register the version as the model asset would: real artifact, figures."""
    policy = settings.policy
    with duckdb.connect(str(settings.warehouse_path)) as con:
        frame = assets.training_frame(con, HIRE_SUCCESS)
        older = frame.iloc[:int(len(frame) * OLDER_SHARE)]
        trained = train(HIRE_SUCCESS, older, fingerprint(older, HIRE_SUCCESS, "label"), policy)
        artifact = settings.models_dir / f"{registry.next_version(con, HIRE_SUCCESS.name)}.joblib"
        joblib.dump({"pipeline": trained.pipeline,
                     "background": explain.background(trained.pipeline, trained.train_frame)}, artifact)
        reached = assets.population(con, HIRE_SUCCESS, trained.train_window[1], Policy())[0]
        fairness = assets.fairness_of(con, HIRE_SUCCESS, trained.pipeline, reached, policy)
        return registry.register(con, HIRE_SUCCESS.name, trained, artifact, fairness, assets.as_of_date(con),
                                 description=trained.description)


def score(settings: Settings) -> tuple[dg.ExecuteInProcessResult, pd.DataFrame]:
    """Materialise only the hire_success scores asset, as the next run would, and read what it wrote."""
    result = dg.materialize([SCORES], resources={"warehouse": Warehouse(home=str(settings.home))},
                            raise_on_error=False)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return result, con.execute("SELECT application_id, model_version, arm FROM ml.application_scores").df()


def models(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, "models", *args, "--home", str(settings.home)], env=cli_env(),
                          capture_output=True, text=True, timeout=120)


def error_text(result: dg.ExecuteInProcessResult) -> str:
    """Every message in the chain of the run's step failures."""
    texts = []
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        while error is not None:
            texts.append(error.message)
            error = error.cause
    return "\n".join(texts)


@dataclass
class Loop:
    home: Path
    first: str
    second: str
    with_challenger: pd.DataFrame
    promote: subprocess.CompletedProcess
    after_promotion: pd.DataFrame
    rollback: subprocess.CompletedProcess
    after_rollback: pd.DataFrame
    tampered: Path
    tampered_run: dg.ExecuteInProcessResult


@pytest.fixture(scope="module")
def loop(default_run, tmp_path_factory) -> Loop:
    """On a copy of the demo home: a second version as challenger, scored; promoted by the CLI, scored; rolled
    back by the CLI, scored; then the restored champion's file changed by one byte, scored."""
    settings = Settings(copy_home(default_run, tmp_path_factory.mktemp("registry_loop") / "home"))
    with duckdb.connect(str(settings.warehouse_path)) as con:
        champion, challenger = registry.serving(con, HIRE_SUCCESS.name)
    assert champion is not None and challenger is None, "the demo run serves one champion"
    second = register_second_version(settings)
    with_challenger = score(settings)[1]
    promote = models(settings, "promote", HIRE_SUCCESS.name, second, "--reason", "test: promote")
    after_promotion = score(settings)[1]
    rollback = models(settings, "rollback", HIRE_SUCCESS.name, "--reason", "test: roll back")
    after_rollback = score(settings)[1]
    with duckdb.connect(str(settings.warehouse_path)) as con:
        tampered = Path(registry.serving(con, HIRE_SUCCESS.name)[0].artifact_path)
    with tampered.open("ab") as file:
        file.write(b"\0")
    tampered_run = score(settings)[0]
    return Loop(settings.home, champion.version, second, with_challenger, promote, after_promotion, rollback,
                after_rollback, tampered, tampered_run)


def test_a_challenger_serves_its_stable_share_and_every_row_names_version_and_arm(loop):
    scored = loop.with_challenger
    expected_arm = [registry.arm(key, Policy().challenger_share) for key in scored["application_id"]]
    assert scored["arm"].tolist() == expected_arm
    assert (scored["model_version"] == scored["arm"].map({"champion": loop.first, "challenger": loop.second})).all()
    share = (scored["arm"] == "challenger").mean()
    print(f"\nchallenger arm: {share:.1%} of {len(scored)} scored applications")
    assert len(scored) > 100 and 0.10 < share < 0.30


def test_the_challenger_arm_holds_its_share_of_2000_ids():
    ids = pd.DataFrame({"application_id": [f"A{n:09d}" for n in range(2000)]})  # as the ATS numbers them
    share = (stable_draw(HIRE_SUCCESS, ids, registry.ARM_SALT) < Policy().challenger_share).mean()
    assert abs(share - Policy().challenger_share) <= 0.03


def test_promotion_through_the_cli_reaches_the_next_scoring_run(loop):
    assert loop.promote.returncode == 0, loop.promote.stderr
    assert set(loop.after_promotion["model_version"]) == {loop.second}
    assert set(loop.after_promotion["arm"]) == {"champion"}


def test_rollback_through_the_cli_makes_the_next_scoring_run_use_the_previous_version(loop):
    assert loop.rollback.returncode == 0, loop.rollback.stderr
    assert loop.first in loop.rollback.stdout
    assert len(loop.after_rollback) == len(loop.with_challenger)
    assert set(loop.after_rollback["model_version"]) == {loop.first}
    assert set(loop.after_rollback["arm"]) == {"champion"}


def test_a_tampered_artifact_stops_the_scoring_run_naming_the_file(loop):
    assert loop.tampered.is_relative_to(loop.home) and not loop.tampered_run.success
    message = error_text(loop.tampered_run)
    assert f"refusing model artifact {loop.tampered}" in message
    assert "changed after training" in message
