"""One home for every setting: paths and policy numbers come from `Settings`/`Policy`, the environment is
read and never written, and what dbt, the quality suites and the docs say agrees with them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hr_pipeline.ingest.contracts import CUSTOMER_FACING_FAMILIES, STAGES
from hr_pipeline.resources import Warehouse
from hr_pipeline.settings import DUCKDB_MEMORY_LIMIT_ENV, DUCKDB_THREADS_ENV, HOME_ENV, Policy, Settings
from hr_pipeline.synth.doc import DOC as SYNTHETIC_WORLD_DOC
from hr_pipeline.warehouse.project import DBT_PROJECT_DIR, dbt_project
from hr_pipeline.warehouse.sources import render_raw_sources

ROOT = Path(__file__).parents[2]
POLICY = Policy()

IMPORT_CHANGES_NOTHING = """
import os
before = dict(os.environ)
import hr_pipeline.definitions
assert dict(os.environ) == before, sorted(set(os.environ.items()) ^ set(before.items()))
"""


def test_importing_the_code_location_writes_no_env_makes_no_folder_and_parses_no_dbt(tmp_path):
    home = tmp_path / "not_yet"
    manifest = dbt_project().manifest_path
    built = manifest.stat().st_mtime_ns
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_IS_DEV_CLI"} | {HOME_ENV: str(home)}
    env["PATH"] = "/usr/bin:/bin"  # no virtualenv on PATH: dbt must be found without it
    run = subprocess.run([sys.executable, "-c", IMPORT_CHANGES_NOTHING], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert not home.exists() and list(tmp_path.iterdir()) == []
    assert manifest.stat().st_mtime_ns == built


def test_settings_read_the_environment_once_and_never_write_it(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(HOME_ENV, "relative/home")
    before = dict(os.environ)
    settings = Settings.from_env()
    assert dict(os.environ) == before  # made absolute here, not written back for others to read
    assert settings.home == tmp_path.resolve() / "relative" / "home"
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "other"))
    assert settings.warehouse_path == tmp_path.resolve() / "relative" / "home" / "warehouse.duckdb"
    assert Settings.from_env(tmp_path / "given").home == tmp_path.resolve() / "given"  # an explicit home wins
    monkeypatch.delenv(HOME_ENV)
    assert Settings.from_env().home == tmp_path.resolve() / ".hr_pipeline"


def test_the_warehouse_resource_names_its_paths_from_settings_and_makes_no_folder(tmp_path):
    home = tmp_path.resolve() / "home"
    warehouse, settings = Warehouse(home=str(home)), Settings.from_env(home)
    assert (warehouse.home_dir, warehouse.path, warehouse.landing_dir, warehouse.reports_dir, warehouse.models_dir) \
        == (settings.home, settings.warehouse_path, settings.landing_dir, settings.reports_dir, settings.models_dir)
    assert warehouse.settings == settings
    assert not home.exists()


def test_warehouse_connections_keep_to_the_duckdb_limits_of_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(DUCKDB_MEMORY_LIMIT_ENV, "300MiB")
    monkeypatch.setenv(DUCKDB_THREADS_ENV, "1")
    with Warehouse(home=str(tmp_path)).connect() as con:
        assert con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone() \
            == ("300.0 MiB", 1)


def test_dbt_vars_equal_the_policy_and_the_contract():
    variables = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    assert variables["maturity_grace_days"] == POLICY.maturity_grace_days
    assert variables["milestone_window_days"] == POLICY.milestone_window_days
    assert variables["early_warning_lead_days"] == POLICY.early_warning_lead_days
    assert variables["attrition_horizon_months"] == POLICY.attrition_horizon_months
    assert variables["early_label_min_rating_6m"] == POLICY.early_label_min_rating
    assert variables["early_label_min_satisfaction_6m"] == POLICY.early_label_min_satisfaction
    assert tuple(variables["customer_facing_families"]) == CUSTOMER_FACING_FAMILIES
    assert tuple(variables["application_stages"]) == STAGES


def test_freshness_limits_are_the_policy_s():
    (source,) = yaml.safe_load(render_raw_sources())["sources"]
    assert source["freshness"] == {"warn_after": {"count": POLICY.freshness_warn_days, "period": "day"},
                                   "error_after": {"count": POLICY.freshness_error_days, "period": "day"}}
    suite = json.loads((ROOT / "expectations" / "extract_freshness.json").read_text(encoding="utf-8"))
    assert {e["kwargs"]["column"]: e["kwargs"]["max_value"] for e in suite["expectations"]} == {
        "days_behind": POLICY.freshness_warn_days, "days_before_run": POLICY.freshness_warn_days}


# Where a hand-written doc names a policy number: (what, pattern whose group is the number, the number in the
# doc's unit). The rendered docs (synthetic world, extract contract) describe the vendor's ATS, not the pipeline.
POLICY_MENTIONS = [
    ("confidence threshold", r"confidence\s*(?:<|below|under)\s*(\d*\.\d+)", POLICY.confidence_threshold),
    ("random sample share", r"(\d+(?:\.\d+)?)\s*%\s*(?:random\s+)?sample", POLICY.random_sample_share * 100),
    ("challenger share", r"(\d+(?:\.\d+)?)\s*%\s*of (?:the )?(?:scoring )?requests", POLICY.challenger_share * 100),
    ("evaluation window", r"evaluation window[^.]{0,30}?(\d+)\s*weeks", POLICY.evaluation_window_weeks),
    ("drift window", r"latest (\d+) weeks", POLICY.drift_window_weeks),
    ("drift share", r"(\d+(?:\.\d+)?)\s*% of (?:its|the model's) features", POLICY.drift_share * 100),
    ("drift reference", r"last (\d+) months \(`drift_reference_months`\)", POLICY.drift_reference_months),
    ("drift minimum rows", r"not judged[^.]{0,40}?fewer than (\d+) rows", POLICY.drift_min_rows),
    ("maturity grace", r"grace[^.]{0,30}?(\d+)\s*days", POLICY.maturity_grace_days),
    ("attrition horizon", r"exit (?:in|within) the next (\d+) months", POLICY.attrition_horizon_months),
    ("review due", r"due (?:with)?in (\d+) days", POLICY.review_due_days),
    ("four-fifths line", r"impact ratios? (?:is )?(?:below|under|of less than) (\d*\.\d+)", POLICY.four_fifths),
    ("fairness minimum group", r"(?:smaller than|fewer than) (\d+) (?:people|applicants|members)",
     POLICY.fairness_min_group),
    ("early-warning lead", r"at least (\d+) days before", POLICY.early_warning_lead_days),
    ("milestone window", r"within (\d+) days of", POLICY.milestone_window_days),
    ("early-signal rating", r"6-month rating of at least (\d+)", POLICY.early_label_min_rating),
    ("early-signal satisfaction", r"satisfaction of at least (\d+)", POLICY.early_label_min_satisfaction),
]
RENDERED_DOCS = (SYNTHETIC_WORLD_DOC, ROOT / "docs" / "extract-contract.md")
HAND_WRITTEN_DOCS = [ROOT / "README.md"] + [p for p in sorted((ROOT / "docs").glob("*.md")) if p not in RENDERED_DOCS]


def misstated_policy_numbers(text: str) -> list[str]:
    text = re.sub(r"\s+", " ", text)
    return [f"{what}: '{m.group(0)}' (policy {expected:g})" for what, pattern, expected in POLICY_MENTIONS
            for m in re.finditer(pattern, text, re.IGNORECASE) if float(m.group(1)) != pytest.approx(expected)]


@pytest.mark.parametrize("doc", HAND_WRITTEN_DOCS, ids=lambda p: p.name)
def test_docs_state_policy_numbers_as_the_policy_has_them(doc):
    assert misstated_policy_numbers(doc.read_text(encoding="utf-8")) == []


def test_the_doc_check_finds_restated_numbers_and_passes_the_policy_s():
    assert [line.split(":")[0] for line in misstated_policy_numbers(
        "Confidence < 0.65 or the 12 %\nrandom sample go to a person; a challenger serves 25 % of scoring requests "
        "for an evaluation window of 6 weeks.")] == ["confidence threshold", "random sample share", "challenger share",
                                                     "evaluation window"]
    assert misstated_policy_numbers("confidence below 0.70, the 10 % sample, drift over the latest 4 weeks") == []
    assert [line.split(":")[0] for line in misstated_policy_numbers(
        "an impact ratio below 0.75 is flagged; groups of fewer than 20 people get none")] == [
        "four-fifths line", "fairness minimum group"]
    assert [line.split(":")[0] for line in misstated_policy_numbers(
        "still employed with a 6-month rating of at least 9 and a satisfaction of at least 9")] == [
        "early-signal rating", "early-signal satisfaction"]
