"""What the whole-loop benchmarks share: a fresh home on a generated world, its newest week held back, and one
`hr-pipeline run` measured from outside: wall time, then seconds, sampled peak memory and rows per phase.

Phases and their seconds come from the home's Dagster instance (each step's start and end, grouped by the
console's `phase_of`), not from the console, so that memory samples can be matched to the step running then.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import dagster as dg

from hr_pipeline.cli import EXIT_BLOCKED, dagster_instance
from hr_pipeline.ingest.pseudonymise import DEMO_SALT, SALT_ENV
from hr_pipeline.progress import phase_of
from hr_pipeline.resources import Warehouse
from hr_pipeline.settings import Settings

SAMPLE_SECONDS = 0.2
OUTSIDE_STEPS = "start-up and between steps"  # process start, imports, the manifest, Dagster's own bookkeeping
MIB = 2**20


def prepare_home(home: Path, employees: int, years: int, seed: int) -> Settings:
    """Generate the world into `home` unless it has a landing already, and remove everything a run built."""
    settings = Settings(home=home)
    if not settings.landing_dir.is_dir():
        subprocess.run([sys.executable, "-m", "hr_pipeline.cli", "generate", "--out", str(home), "--employees",
                        str(employees), "--years", str(years), "--seed", str(seed)], check=True,
                       stdout=subprocess.DEVNULL)
    for built in (settings.warehouse_path, settings.dagster_home, settings.models_dir, settings.reports_dir,
                  settings.exports_dir, settings.outbox_dir, settings.dbt_docs_dir):
        shutil.rmtree(built, ignore_errors=True) if built.is_dir() else built.unlink(missing_ok=True)
    return settings


@contextmanager
def newest_week_held_back(settings: Settings) -> Iterator[str]:
    """Move the newest extract folder of every system aside (yielding the newest date) and put it back after, as if
    it had not landed yet; what runs inside is the full build up to the week before."""
    held = settings.home / "held_back"
    weeks = {system: max(p.name for p in system.iterdir() if p.is_dir()) for system in settings.landing_dir.iterdir()}
    for system, week in weeks.items():
        (held / system.name).mkdir(parents=True, exist_ok=True)
        (system / week).rename(held / system.name / week)
    try:
        yield max(weeks.values())
    finally:
        for system, week in weeks.items():
            (held / system.name / week).rename(system / week)


PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants, read from /proc (Linux): RSS summed over the
    processes, so pages they share count once per process."""
    children = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])  # after `pid (name)`: state, ppid
        except OSError:  # ended since the listing
            continue
        children[ppid].append(int(stat.parent.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children[pid]
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except OSError:
            pass
    return total


class TreeMemory:
    """Samples `tree_rss` of a process in a thread while it runs (dbt runs as a child of the pipeline)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.samples: list[tuple[float, int]] = []  # (time.time(), bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True, name="tree-memory")

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), tree_rss(self.pid)))
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mib(self) -> float:
        return max((b for _, b in self.samples), default=0) / MIB


@dataclass
class Phase:
    seconds: float = 0.0
    peak_mib: float | None = None  # None: no sample fell inside it (shorter than the sampling interval)
    rows: int | None = None  # ingest: new rows loaded; else rows now in the tables it wrote (views not counted)


@dataclass
class Run:
    run_id: str
    wall: float
    peak_mib: float
    blocked: bool  # the quality gate stopped the run: the phases after it did not run
    phases: dict[str, Phase] = field(default_factory=dict)  # in the order they started


def run_measured(settings: Settings) -> Run:
    """`hr-pipeline run` on the home in a child process, its process tree sampled; then its phases from the
    home's Dagster instance and the warehouse. Uses `HR_PIPELINE_SALT` if set, else the demo's public salt."""
    env = {**os.environ, SALT_ENV: os.environ.get(SALT_ENV, DEMO_SALT)}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "hr_pipeline.cli", "run", "--home", str(settings.home)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with TreeMemory(process.pid) as memory:
        out = process.communicate()[0]
    wall = time.perf_counter() - start
    if process.returncode not in (0, EXIT_BLOCKED):
        raise RuntimeError(f"hr-pipeline run failed ({process.returncode}):\n{out}")
    with dagster_instance(settings) as instance:
        (run,) = instance.get_runs(limit=1)
        steps = sorted((s for s in instance.get_run_step_stats(run.run_id) if s.start_time and s.end_time),
                       key=lambda s: s.start_time)
        written = defaultdict(list)  # step key -> metadata of each asset it materialised
        for record in instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
                                                   ).records:
            materialization = record.event_log_entry.dagster_event.step_materialization_data.materialization
            written[record.event_log_entry.step_key].append(materialization)

    phases: dict[str, Phase] = {}
    for step in steps:
        phases.setdefault(phase_of(step.step_key), Phase()).seconds += step.end_time - step.start_time
    phases[OUTSIDE_STEPS] = Phase(seconds=wall - sum(p.seconds for p in phases.values()))
    for at, used in memory.samples:
        running = next((s for s in steps if s.start_time <= at <= s.end_time), None)
        phase = phases[phase_of(running.step_key) if running else OUTSIDE_STEPS]
        phase.peak_mib = max(phase.peak_mib or 0, used / MIB)
    _count_rows(settings, steps, written, phases)
    return Run(run.run_id, wall, memory.peak_mib, process.returncode == EXIT_BLOCKED, phases)


def _count_rows(settings: Settings, steps: list, written: dict[str, list], phases: dict[str, Phase]) -> None:
    """Ingest phases: the new rows their materialisations report; the others: the rows now in the warehouse tables
    whose asset keys (`[schema, table]`) they materialised."""
    with Warehouse(home=str(settings.home)).connect(read_only=True) as con:
        tables = set(con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall())  # views left out
        for step in steps:
            phase, counts = phases[phase_of(step.step_key)], []
            for materialization in written[step.step_key]:
                key = tuple(materialization.asset_key.path)
                if "rows_loaded" in materialization.metadata:
                    counts.append(int(materialization.metadata["rows_loaded"].value))
                elif key in tables:
                    counts.append(con.execute(f'SELECT count(*) FROM "{key[0]}"."{key[1]}"').fetchone()[0])
            if counts:
                phase.rows = (phase.rows or 0) + sum(counts)
