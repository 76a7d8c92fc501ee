"""Where things live and how the warehouse is opened: one home folder, one DuckDB file."""

from __future__ import annotations

import logging
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb

from hr_pipeline.privacy.permissions import owner_only
from hr_pipeline.settings import DuckDBLimits, Settings

LOCK_WAIT_ENV = "HR_PIPELINE_LOCK_WAIT_SECONDS"
DEFAULT_LOCK_WAIT_SECONDS = 300.0
LOCK_POLL_SECONDS = 0.5

log = logging.getLogger(__name__)


class Pseudonymiser(dg.ConfigurableResource):
    """The secret that keys person keys (`HR_PIPELINE_SALT`); without it personal data cannot be loaded."""

    salt: str


class WarehouseLockedError(RuntimeError):
    """Another process still held the DuckDB file when the lock wait ran out."""


def lock_wait_seconds(default: float = DEFAULT_LOCK_WAIT_SECONDS) -> float:
    """How long a writer waits for another process's lock on the warehouse (`HR_PIPELINE_LOCK_WAIT_SECONDS`,
    else `default`)."""
    return float(os.environ.get(LOCK_WAIT_ENV) or default)


def connect_waiting(path: Path, read_only: bool = False,
                    default_wait: float = DEFAULT_LOCK_WAIT_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file, waiting up to `lock_wait_seconds(default_wait)` while another process (a BI reader
    holding it open, another run) has it locked: DuckDB takes one writer process, and no reader
    beside it. Says once that it waits, and gives up with `WarehouseLockedError`. The connection keeps to the
    `DuckDBLimits`."""
    wait, deadline = lock_wait_seconds(default_wait), None
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=DuckDBLimits.from_env().config())
        except duckdb.IOException as exc:
            if "Could not set lock" not in str(exc):
                raise
            holder = re.search(r"held in (.+?)\.(?: However|$)", str(exc))
            holder = holder.group(1) if holder else "another process"
            if deadline is None:
                deadline = time.monotonic() + wait
                log.warning("waiting for the warehouse lock held by another process (%s) on %s (up to %.0f s, %s)",
                            holder, path, wait, LOCK_WAIT_ENV)
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"the warehouse {path} is still locked by another process ({holder}) after {wait:.0f} s: "
                    f"close the BI tool or run holding it, or raise {LOCK_WAIT_ENV}") from exc
            time.sleep(LOCK_POLL_SECONDS)


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse and the folders around it, all under one home. Paths come from `settings`;
    naming one makes nothing: whoever writes a folder makes it."""

    home: str

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.home)

    @property
    def home_dir(self) -> Path:
        return self.settings.home

    @property
    def path(self) -> Path:
        return self.settings.warehouse_path

    @property
    def landing_dir(self) -> Path:
        return self.settings.landing_dir

    @property
    def reports_dir(self) -> Path:
        return self.settings.reports_dir

    @property
    def models_dir(self) -> Path:
        return self.settings.models_dir

    @property
    def outbox_dir(self) -> Path:
        return self.settings.outbox_dir

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """A run starts: close an existing home to everybody but its owner."""
        owner_only(self.home_dir)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the warehouse for one step and close it straight after, so that the dbt
        subprocess and other steps can take the single writer slot in turn."""
        self.home_dir.mkdir(parents=True, exist_ok=True)
        con = connect_waiting(self.path, read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def wait_for_lock(self) -> None:
        """Wait, as `connect` does, until this process could write the warehouse: for a writer that
        opens the file itself (the dbt subprocess)."""
        with self.connect():
            pass
