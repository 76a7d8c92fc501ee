"""`hr-pipeline-dbt` runs dbt inside the home, so one parse of the project serves every home."""

from __future__ import annotations

import json
import shutil

import duckdb
import yaml

from hr_pipeline.settings import DUCKDB_MEMORY_LIMIT_ENV, DUCKDB_THREADS_ENV, DuckDBLimits, Settings
from hr_pipeline.warehouse.dbt_child import DBT_PROJECT_DIR, absolute_paths
from hr_pipeline.warehouse.project import dbt_project, prepare_manifest, run_dbt

PARTIAL_PARSE = "partial_parse.msgpack"


def test_the_profile_names_the_settings_warehouse_file_relative_to_the_home(tmp_path):
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    (output,) = profile["hr_warehouse"]["outputs"].values()
    assert output["path"] == Settings(home=tmp_path).warehouse_path.relative_to(tmp_path).as_posix()


def test_path_options_are_made_absolute_from_where_the_command_started():
    assert absolute_paths(["build", "--target-path", "t", "--project-dir=p", "--state", "/abs", "--select", "x"],
                          "/start") == ["build", "--target-path", "/start/t", "--project-dir=/start/p",
                                        "--state", "/abs", "--select", "x"]


def test_two_homes_parse_nothing_again_after_the_project_s_parse(tmp_path):
    """dbt re-parses every file when its vars or profile differ from the saved parse's; a home-specific
    warehouse path did, which cost a full parse on every call."""
    project = dbt_project()
    prepare_manifest(project)
    for name in ("one", "two"):
        settings = Settings(home=tmp_path / name)
        (settings.home / "dbt_target").mkdir(parents=True)
        shutil.copy(project.manifest_path.with_name(PARTIAL_PARSE), settings.home / "dbt_target" / PARTIAL_PARSE)
        parse = run_dbt(settings, "parse")
        assert parse.returncode == 0, parse.stdout[-4000:]
        assert "Unable to do partial parsing" not in parse.stdout
        perf = json.loads((settings.home / "dbt_target" / "perf_info.json").read_text(encoding="utf-8"))
        assert perf["is_partial_parse_enabled"] and perf["parsed_path_count"] == 0, perf


def test_dbt_s_duckdb_keeps_to_the_limits_in_the_environment_else_to_the_settings_defaults(tmp_path, monkeypatch):
    def dbt_limits(home) -> dict:
        show = run_dbt(Settings(home=home), "show", "--output", "json", "--log-format", "json", "--inline",
                       "SELECT current_setting('memory_limit') AS memory_limit, current_setting('threads') AS threads")
        assert show.returncode == 0, show.stdout[-4000:]
        (preview,) = [event["data"]["preview"] for event in map(json.loads, show.stdout.splitlines())
                      if event["info"]["name"] == "ShowNode"]
        return json.loads(preview)[0]

    def duckdb_limits(limits: DuckDBLimits) -> dict:
        with duckdb.connect(config=limits.config()) as con:
            memory, threads = con.execute(
                "SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
        return {"memory_limit": memory, "threads": threads}

    for name in (DUCKDB_MEMORY_LIMIT_ENV, DUCKDB_THREADS_ENV):
        monkeypatch.delenv(name, raising=False)
    assert dbt_limits(tmp_path / "defaults") == duckdb_limits(DuckDBLimits())
    monkeypatch.setenv(DUCKDB_MEMORY_LIMIT_ENV, "300MiB")
    monkeypatch.setenv(DUCKDB_THREADS_ENV, "1")
    assert dbt_limits(tmp_path / "set") == duckdb_limits(DuckDBLimits.from_env()) == {"memory_limit": "300.0 MiB",
                                                                                   "threads": 1}
