"""dbt on a hand-made warehouse: one model built from tables a test wrote, so a model is held to its definitions
without building a world."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hr_pipeline.warehouse.project import DBT_PROJECT_DIR

DBT = str(Path(sys.executable).parent / "dbt")


def dbt_on(warehouse: Path, command: str, model: str) -> None:
    """`dbt <command> --select <model>` on the warehouse file, its target folder beside it; fails the test with
    dbt's output when dbt fails."""
    done = subprocess.run(
        [DBT, command, "--select", model, "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(warehouse.parent / "dbt_target"),
         "--vars", json.dumps({"warehouse_path": str(warehouse)})], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]
