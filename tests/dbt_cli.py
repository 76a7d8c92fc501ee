"""dbt on a hand-made warehouse: one model built from tables a test wrote, so a model is held to its definitions
without building a world."""

from __future__ import annotations

from pathlib import Path

from hr_pipeline.settings import Settings
from hr_pipeline.warehouse.project import run_dbt


def dbt_on(warehouse: Path, command: str, model: str) -> None:
    """`dbt <command> --select <model>` on the home's warehouse file (`warehouse`, named as the settings name it);
    fails the test with dbt's output when dbt fails."""
    settings = Settings(home=warehouse.parent)
    assert warehouse == settings.warehouse_path, f"dbt builds {settings.warehouse_path}, not {warehouse}"
    done = run_dbt(settings, command, "--select", model, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]
