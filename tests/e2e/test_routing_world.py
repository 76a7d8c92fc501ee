"""Human review on a world built to need it: every routing reason occurs, the queue closes when the recruiters'
decisions arrive in later extracts, and the random sample is its share whatever the confidence."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import PipelineRun, materialise, small_world

from hr_pipeline.ingest.contracts import ATS_RECOMMENDATIONS
from hr_pipeline.ml import registry
from hr_pipeline.ml.assets import as_of_date, route_scored, score_rows
from hr_pipeline.ml.queue import FOLLOWED_VENDOR, QUEUE
from hr_pipeline.ml.routing import PRIORITY, RANDOM_SAMPLE_SALT, stable_draw
from hr_pipeline.ml.spec import HIRE_SUCCESS
from hr_pipeline.settings import Policy, Settings

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("routing_world")]

SYSTEMS = ("ats", "hris", "timetracking")
WITHHELD_WEEKS = 2  # the newest extracts of every system arrive only for the second run
UNSEEN_FAMILY, RENAMED_TO = "sales", "operations"
UNSEEN_SINCE_DAYS = 120  # sales requisitions first sent before this keep their applications under another family
OUTLIER_CANDIDATES, OUTLIER_YEARS = 3, 45.0  # the generator's largest experience; hires have far less


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rewrite(path: Path, change) -> None:
    """Apply `change` (record -> changed or not) to each JSON line, keeping every other line as it was."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")) if change(record) else line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def extracts(home: Path, entity: str) -> list[tuple[date, Path]]:
    """(extract date, file) of one ATS entity in the landing zone, oldest first."""
    return [(date.fromisoformat(folder.name), folder / f"{entity}.jsonl")
            for folder in sorted((home / "landing" / "ats").iterdir()) if (folder / f"{entity}.jsonl").exists()]


def hide_sales_history(home: Path) -> None:
    """Sales requisitions first sent more than UNSEEN_SINCE_DAYS ago become operations ones, so no matured
    hire is in sales: the champion never sees the family, and the newest sales applications are new to it."""
    newest = max(day for day, _ in extracts(home, "requisitions"))
    old = {r["requisition_id"] for day, path in extracts(home, "requisitions") for r in records(path)
           if (newest - day).days > UNSEEN_SINCE_DAYS and str(r.get("job_family")).strip().lower() == UNSEEN_FAMILY}

    def rename(record: dict) -> bool:
        if record.get("requisition_id") in old:
            record["job_family"] = RENAMED_TO
            return True
        return False

    for _, path in extracts(home, "requisitions"):
        rewrite(path, rename)


def stretch_experience(home: Path) -> list[str]:
    """Candidates none of whose applications is ever decided report OUTLIER_YEARS of experience; returns their
    applications, which every run scores and must send to a person as out of distribution."""
    decided = {r["application_id"] for _, path in extracts(home, "recruiter_decisions") for r in records(path)}
    recommended = {r["application_id"] for _, path in extracts(home, "ai_recommendations") for r in records(path)}
    applications = pd.DataFrame([r for _, path in extracts(home, "applications") for r in records(path)])
    by_candidate = applications.groupby("candidate_id")["application_id"].agg(set)
    waiting = by_candidate[by_candidate.map(lambda ids: ids <= recommended and not ids & decided)]
    chosen = set(waiting.index[-OUTLIER_CANDIDATES:])  # the newest

    def stretch(record: dict) -> bool:
        if record.get("candidate_id") in chosen:
            record["profile"]["years_experience"] = OUTLIER_YEARS
            return True
        return False

    for _, path in extracts(home, "candidates"):
        rewrite(path, stretch)
    return sorted(set().union(*waiting.loc[sorted(chosen)]))


def withhold(home: Path) -> Path:
    """Move the newest WITHHELD_WEEKS extract folders of every system out of the landing zone."""
    held = home / "withheld"
    for system in SYSTEMS:
        (held / system).mkdir(parents=True)
        for folder in sorted((home / "landing" / system).iterdir())[-WITHHELD_WEEKS:]:
            shutil.move(folder, held / system / folder.name)
    return held


def put_back(home: Path, held: Path) -> list[date]:
    """The withheld extracts arrive; returns their dates."""
    days = set()
    for system in SYSTEMS:
        for folder in sorted((held / system).iterdir()):
            shutil.move(folder, home / "landing" / system / folder.name)
            days.add(date.fromisoformat(folder.name))
    return sorted(days)


@dataclass
class Routed:
    second: PipelineRun
    outliers: list[str]
    late_days: list[date]
    queue_after_first: pd.DataFrame


@pytest.fixture(scope="module")
def routed(tmp_path_factory) -> Routed:
    built: dict = {}

    def prepare(home: Path) -> None:
        hide_sales_history(home)
        built["outliers"] = stretch_experience(home)
        built["held"] = withhold(home)

    first = small_world(tmp_path_factory, "routing", before_run=prepare, employees=400, years=3)
    assert first.result.success
    with first.connect() as con:
        queue_after_first = con.execute(f"SELECT * FROM {QUEUE}").df()
    late_days = put_back(first.home, built["held"])
    second = materialise(first.home)
    assert second.result.success
    return Routed(second, built["outliers"], late_days, queue_after_first)


def logged(run: PipelineRun) -> pd.DataFrame:
    """Every recommendation of both runs with the application's job family."""
    with run.connect() as con:
        return con.execute("""SELECT l.*, d.job_family FROM ml.recommendation_log l
                              JOIN marts.fct_decision_outcomes d USING (application_id)""").df()


def test_every_reason_appears_where_the_world_has_it(routed):
    rows = logged(routed.second)
    with routed.second.connect() as con:
        queued = con.execute(f"SELECT DISTINCT unnest(reasons) FROM {QUEUE}").fetchall()
    assert {reason for (reason,) in queued} == set(PRIORITY)
    sales = rows["job_family"] == UNSEEN_FAMILY
    new_family = rows["reasons"].map(lambda reasons: "new_job_family" in reasons)
    print(f"\n{len(rows)} recommendations, {sales.sum()} of them in {UNSEEN_FAMILY}; queue reasons: "
          f"{rows['reasons'].explode().value_counts().to_dict()}")
    assert sales.sum() > 0 and (new_family == sales).all()
    outliers = rows[rows["application_id"].isin(routed.outliers)]
    assert len(outliers) >= len(routed.outliers) > 0
    assert outliers["reasons"].map(lambda reasons: "out_of_distribution" in reasons).all()
    assert outliers["outside_training"].map(lambda features: "years_experience" in features).all()


def test_queue_rows_resolve_when_the_recruiters_decisions_arrive(routed):
    before = routed.queue_after_first
    assert len(before) > 0 and (before["status"] == "open").all()
    with routed.second.connect() as con:
        after = con.execute(f"SELECT * FROM {QUEUE}").df().set_index("application_id")
        decisions = con.execute("""
            SELECT application_id, arg_max(lower(trim(decision)), decided_at) AS decision,
                   arg_max(lower(trim(reason_code)), decided_at) AS reason_code,
                   arg_max(overrides_ai, decided_at) AS overrides_ai
            FROM raw.ats_recruiter_decisions WHERE _extract_date IN (SELECT unnest(?)) GROUP BY ALL""",
                                [routed.late_days]).df().set_index("application_id")
    first = after.loc[before["application_id"]]
    arrived = first.index.isin(decisions.index)
    print(f"\n{arrived.sum()} of the {len(first)} applications queued by the first run were decided in the "
          f"withheld extracts")
    assert arrived.sum() >= 5
    resolved, waiting = first[arrived], first[~arrived]
    assert (resolved["status"] == "resolved").all() and (waiting["status"] == "open").all()
    truth = decisions.loc[resolved.index]
    assert (resolved["human_decision"] == truth["decision"]).all()
    agreed = truth["decision"] == resolved["recommendation"]
    assert (resolved["agreed_with_ai"] == agreed).all()
    # Against this AI: the recruiter's reason where they overruled the vendor AI too, else that they followed it.
    expected = truth["reason_code"].where(truth["overrides_ai"].astype(bool), FOLLOWED_VENDOR)
    assert (resolved.loc[~agreed, "override_reason"] == expected[~agreed]).all()
    assert resolved.loc[agreed, "override_reason"].isna().all()


def test_the_ats_outbox_holds_the_newest_runs_recommendations_in_the_as_of_dates_folder(routed):
    with routed.second.connect() as con:
        as_of = as_of_date(con)
        newest = con.execute("""SELECT l.application_id, l.routed_to_human, d.is_open FROM ml.recommendation_log l
                                JOIN marts.fct_decision_outcomes d USING (application_id)
                                WHERE l.run_id = ? ORDER BY l.application_id""",
                             [routed.second.result.run_id]).fetchall()
    path = ATS_RECOMMENDATIONS.path(Settings.from_env(routed.second.home).outbox_dir, as_of)
    sent = records(path)
    print(f"\n{len(sent)} recommendations in {path}, {sum(r['routed_to_human'] for r in sent)} routed")
    assert newest and all(is_open for *_, is_open in newest)
    assert [(r["application_id"], r["routed_to_human"]) for r in sent] == [row[:2] for row in newest]
    assert all(bool(r["routing_reasons"]) == r["routed_to_human"] and r["top_factors"] for r in sent)
    assert [folder.name for folder in sorted(path.parent.parent.iterdir())][-1] == as_of.isoformat()


def test_the_pipeline_samples_by_a_stable_draw_of_the_application(routed):
    rows = logged(routed.second)
    draw = stable_draw(HIRE_SUCCESS, rows, RANDOM_SAMPLE_SALT)
    assert (rows["random_sample"] == (draw < Policy().random_sample_share)).all()


def sample_rate_gap(routed_rows: pd.DataFrame, sampled: pd.Series) -> tuple[float, float]:
    """The random-sample rate among low-confidence rows minus that among the others, and 3 standard errors."""
    low = routed_rows["confidence"] < Policy().confidence_threshold
    rates = [sampled[low].mean(), sampled[~low].mean()]
    share = sampled.mean()
    return rates[0] - rates[1], 3 * np.sqrt(share * (1 - share) * (1 / low.sum() + 1 / (~low).sum()))


def test_the_random_sample_is_its_share_whatever_the_confidence(routed):
    """Each run scores only the open applications (a few dozen), so the champion scores and routes every
    application of the world: the same routing as the asset, on thousands of rows."""
    with duckdb.connect(str(routed.second.home / "warehouse.duckdb")) as con:  # the registry may migrate
        champion, _ = registry.serving(con, HIRE_SUCCESS.name)
        rows = con.execute(HIRE_SUCCESS.select("true")).df()
        as_of = as_of_date(con)
    policy = Policy()
    serving = {"champion": champion}
    every = route_scored(HIRE_SUCCESS, score_rows(HIRE_SUCCESS, rows, serving, policy), serving, policy, as_of)
    share = every["random_sample"].mean()
    gap, tolerance = sample_rate_gap(every, every["random_sample"])
    dependent = every["confidence"].rank(method="first") <= share * len(every)  # the least sure, as many
    dependent_gap, _ = sample_rate_gap(every, dependent)
    print(f"\nrandom sample: {share:.1%} of {len(every)} applications; rate among low- minus high-confidence "
          f"{gap:+.3f} (tolerance {tolerance:.3f}; a draw among the least sure: {dependent_gap:+.3f})")
    assert abs(share - policy.random_sample_share) <= 0.02
    assert abs(gap) < tolerance < abs(dependent_gap)
