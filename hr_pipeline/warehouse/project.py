"""The dbt project: where it lives, which dbt runs it, and its manifest, parsed by a call, not by an import.

The dbt assets read the manifest when they are defined, so whoever loads the code location prepares it
first, as Dagster's reference projects do before they deploy: the CLI before a run, the test session before
its workers start, and `dagster dev` through `dbt_project()`.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sysconfig
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from hr_pipeline.settings import Settings
from hr_pipeline.warehouse.dbt_child import DBT_PROJECT_DIR, HOME_ENV

SCRIPTS_DIR = Path(sysconfig.get_path("scripts"))
PARSED_FOLDERS = ("models", "macros", "seeds", "tests")
REVIEW_SELECTION = "tag:reviews"  # the review models: built after the models and scoring, by their own asset


def installed_script(name: str) -> str:
    """The script installed beside this interpreter, so an un-activated virtualenv finds its own dbt
    without PATH; else `name`, looked up on PATH."""
    path = SCRIPTS_DIR / name
    return str(path) if path.exists() else name


# `hr-pipeline-dbt` (installed beside this interpreter with the package): dbt run inside the home.
DBT_CHILD = installed_script("hr-pipeline-dbt")


def run_dbt(settings: Settings, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """dbt on the home's warehouse from a script or test, outside Dagster; its target folder inside the home,
    so that no other dbt call shares it."""
    return subprocess.run([DBT_CHILD, *args, "--target-path", str(settings.home / "dbt_target")],
                          env={**os.environ, HOME_ENV: str(settings.home)}, capture_output=True, text=True,
                          timeout=timeout)


def manifest_is_stale(project: DbtProject) -> bool:
    """No manifest (a fresh clone) or one older than the project or profile file, a model, macro, seed or test
    edited since."""
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
    sources = [project.project_dir / "dbt_project.yml", project.profiles_dir / "profiles.yml"] + [
        p for folder in PARSED_FOLDERS for p in (project.project_dir / folder).rglob("*")]
    return any(p.stat().st_mtime > built for p in sources if p.is_file())


def prepare_manifest(project: DbtProject) -> None:
    """Parse the project when its manifest is stale. Parsing opens no warehouse: the profile's file only names
    the database (`warehouse`) that the manifest's relations carry. The parse leaves the partial-parse state
    that every later call starts from."""
    if manifest_is_stale(project):
        dbt = DbtCliResource(project_dir=project, dbt_executable=installed_script("dbt"))
        dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()


@functools.cache
def dbt_project() -> DbtProject:
    """The project; under `dagster dev` its manifest is prepared first, as `DbtProject.prepare_if_dev` would,
    but with the dbt installed beside this interpreter and only when something changed."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if project.preparer.using_dagster_dev():
        prepare_manifest(project)
    return project
