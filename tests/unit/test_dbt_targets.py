"""`dbt_project/target` keeps only the newest per-invocation folders dagster-dbt writes."""

from __future__ import annotations

import os

from hr_pipeline.warehouse.dbt import prune_dbt_targets


def test_only_the_newest_invocation_folders_are_kept_and_dbt_s_own_files_stay(tmp_path):
    for age, name in enumerate(["warehouse_models-097dedd-7a9e623", "review_models-56646af-5886174",
                                "warehouse_models-66b1d5e-73734a3", "review_models-6da7281-ccad6e4"]):
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (1000 - age, 1000 - age))
    for kept in ("compiled", "run"):
        (tmp_path / kept).mkdir()
    (tmp_path / "manifest.json").write_text("{}")
    prune_dbt_targets(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "compiled", "manifest.json", "review_models-56646af-5886174", "run", "warehouse_models-097dedd-7a9e623"]
