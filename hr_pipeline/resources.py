"""Where things live and how the warehouse is opened: one home folder, one DuckDB file."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb

HOME_ENV = "HR_PIPELINE_HOME"
DEFAULT_HOME = ".hr_pipeline"


def pipeline_home() -> Path:
    """The home folder: `HR_PIPELINE_HOME`, else `./.hr_pipeline`, made absolute once.

    The absolute path is written back to the environment so that the dbt subprocess (whose
    profile reads it) and this process agree on the same warehouse file.
    """
    home = Path(os.environ.get(HOME_ENV) or DEFAULT_HOME).expanduser().resolve()
    os.environ[HOME_ENV] = str(home)
    return home


class Pseudonymiser(dg.ConfigurableResource):
    """The secret that keys person keys (`HR_PIPELINE_SALT`); without it personal data cannot be loaded."""

    salt: str


class WarehouseLockedError(RuntimeError):
    """Another process holds the DuckDB file for writing."""


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse and the folders around it, all under one home."""

    home: str

    @property
    def home_dir(self) -> Path:
        return Path(self.home)

    @property
    def path(self) -> Path:
        return self.home_dir / "warehouse.duckdb"

    @property
    def landing_dir(self) -> Path:
        return self.home_dir / "landing"

    @property
    def reports_dir(self) -> Path:
        path = self.home_dir / "reports"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def models_dir(self) -> Path:
        path = self.home_dir / "models"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the warehouse for one step and close it straight after, so that the dbt
        subprocess and other steps can take the single writer slot in turn."""
        self.home_dir.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseLockedError(
                    f"The warehouse {self.path} is locked by another process (one DuckDB file "
                    "accepts one writer at a time). Stop the other run, or read it with "
                    "read_only=True from a copy."
                ) from exc
            raise
        try:
            yield con
        finally:
            con.close()
