"""Run the closed loop: each week the world writes its extracts, the real Dagster job runs on them, and the
world reads the outbox for the next week's screening.

Every policy has its own home under `<out>/<policy>/` and simulates the same world (spec and seed) from the
start, so the burn-in is the same for all three; they part when the pipeline's recommendations are first
shown, at the end of the burn-in. The pipeline is built on the burn-in once, and the policies then run side by
side, a process each, as many at a time as there are cores.
- `vendor`: the ATS keeps showing the vendor AI's recommendations; the pipeline is not run.
- `frozen`: the pipeline is built on the burn-in (its champions trained then), and each week runs without its
  training assets: it scores with those champions for ever.
- `loop`: the weekly job as scheduled (retraining on the new labels, challenger and promotion, learning from
  recruiters' overrides), and a retraining run whenever the drift sensor would start one.
A weekly run leaves out what only people read (the dbt docs site, the BI exports, the review report page) and
dbt's tests, which change no table (the quality gate still blocks).
"""

from __future__ import annotations

import contextlib
import functools
import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pandas as pd

from hr_pipeline.ingest.pseudonymise import DEMO_SALT
from hr_pipeline.settings import Settings
from hr_pipeline.simulation import figures
from hr_pipeline.simulation.screener import OutboxScreener
from hr_pipeline.simulation.spec import WEEKS_FILE, Simulation

BURN_IN = ".burn_in"  # under the simulation's folder: the pipeline's build on the burn-in

@dataclass(frozen=True)
class Selection:
    """What a run materialises: assets, and the checks on them to run (None: every one)."""

    assets: list
    checks: list | None = None


def weekly_selection(frozen: bool) -> Selection:
    """A simulated week's run: every asset but what only people read, and for a frozen model its training assets;
    every check on them but the dbt tests (they change no table, a week of them costs more than the models, and
    the quality gate still blocks), so dagster-dbt builds the models alone."""
    from hr_pipeline.warehouse.project import dbt_project, prepare_manifest

    prepare_manifest(dbt_project())  # before the dbt assets are defined from it
    from hr_pipeline.definitions import build_defs
    from hr_pipeline.ml.assets import model_assets
    from hr_pipeline.reviews.assets import review_report
    from hr_pipeline.warehouse.dbt import dbt_docs, review_models, warehouse_models
    from hr_pipeline.warehouse.exports import bi_exports

    skipped = {*dbt_docs.keys, *bi_exports.keys, *review_report.keys}
    if frozen:
        skipped |= {key for asset in model_assets.values() for key in asset.keys}
    graph = build_defs(Settings(Path("."))).resolve_asset_graph()
    assets = sorted(key for key in graph.get_all_asset_keys()
                    if key not in skipped and graph.get(key).is_materializable)
    dbt_tests = {*warehouse_models.check_keys, *review_models.check_keys}
    checks = sorted((key for key in graph.asset_check_keys if key.asset_key in assets and key not in dbt_tests),
                    key=str)
    return Selection(assets, checks)


def run_job(settings: Settings, selection: Selection) -> int:
    """One run of the real job on the home, its log appended to the home's run log; the exit code. An
    interrupted run (Ctrl-C, SIGTERM) stops the simulation."""
    from hr_pipeline.cli import EXIT_INTERRUPTED, run_pipeline
    from hr_pipeline.progress import Progress

    settings.run_log.parent.mkdir(parents=True, exist_ok=True)
    with open(settings.run_log, "a", encoding="utf-8") as out, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(out):
        code = run_pipeline(settings, DEMO_SALT, Progress(out, out), asset_selection=selection.assets,
                            asset_check_selection=selection.checks)
    if code == EXIT_INTERRUPTED:
        raise KeyboardInterrupt(f"the run on {settings.home} was interrupted")
    return code


class DriftSensor:
    """The retraining the drift sensor would start after a run: one retraining run per new alarm."""

    def __init__(self):
        self.cursor: dict = {}

    def alarms(self, settings: Settings) -> dict[str, str]:
        """{model: champion version} of the newest drift run's alarms."""
        from hr_pipeline.cli import dagster_instance
        from hr_pipeline.monitoring.assets import ALARMS, DRIFT_KEY

        with dagster_instance(settings) as instance:
            records = instance.fetch_materializations(DRIFT_KEY, limit=1).records
        if not records:
            return {}
        metadata = records[0].asset_materialization.metadata
        return metadata[ALARMS].value if ALARMS in metadata else {}

    def retrain(self, settings: Settings, alarms: dict[str, str]) -> list[str]:
        from hr_pipeline.monitoring.sensors import retrain_requests

        requests, self.cursor = retrain_requests(self.cursor, 0, "simulation", alarms)
        for request in requests:
            run_job(settings, Selection(list(request.asset_selection)))
        return [request.tags["drift_alarm"] for request in requests]


def screener_for(sim: Simulation, settings: Settings) -> OutboxScreener:
    """The ATS of a pipeline policy: the home's outbox from the end of the burn-in, the vendor AI before."""
    from hr_pipeline.synth.hiring import VendorAI

    start, switch = (int(pd.Timestamp(t).value // 10**9) for t in (sim.spec.start, sim.switch))
    return OutboxScreener(settings.outbox_dir, VendorAI(start), switch)


def build_burn_in(sim: Simulation, say: Callable[[str], None]) -> None:
    """The pipeline's build on the burn-in, under `<out>/.burn_in/`: the same for every pipeline policy, which
    starts from a copy of it."""
    from hr_pipeline.synth.extracts import World

    started, home = time.perf_counter(), (sim.out / BURN_IN).resolve()
    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(home=home)
    world = World(home, sim.spec, screener=screener_for(sim, settings))
    world.advance(sim.switch)
    world.close()
    code = run_job(settings, weekly_selection(frozen=False))
    say(f"the pipeline built on the burn-in to {sim.switch} ({time.perf_counter() - started:.0f} s, exit {code})")


def run_policy(sim: Simulation, policy: str, say: Callable[[str], None]) -> pd.DataFrame:
    """Simulate the world under one policy, a pipeline policy from a copy of the burn-in's build; the weekly
    figures, also written after each week to `<policy>-weeks.parquet` beside the run's results."""
    from hr_pipeline.synth.extracts import World

    home = (sim.out / policy).resolve()
    shutil.rmtree(home, ignore_errors=True)
    sim.results.mkdir(parents=True, exist_ok=True)
    settings = Settings(home=home)
    screener = None if policy == "vendor" else screener_for(sim, settings)
    if screener:
        shutil.copytree(sim.out / BURN_IN, home)
    world = World(home, sim.spec, screener=screener)
    world.advance(sim.switch)
    selection = weekly_selection(frozen=policy == "frozen") if screener else None
    sensor, rows = DriftSensor(), []
    for week in range(1, sim.weeks + 1):
        started = time.perf_counter()
        monday = sim.switch + timedelta(weeks=week)
        world.advance(monday)
        pipeline = {"exit_code": None}
        if screener:
            pipeline["exit_code"] = run_job(settings, selection)
            alarms = sensor.alarms(settings)
            retrained = sensor.retrain(settings, alarms) if policy == "loop" else []
            pipeline.update(figures.pipeline_week(settings, monday, alarms, retrained))
        row = {"policy": policy, "week": week, "week_start": monday - timedelta(weeks=1),
               **figures.world_week(world, monday), **pipeline,
               "fallbacks": screener.fallbacks if screener else 0, "seconds": time.perf_counter() - started}
        rows.append(row)
        say(figures.week_line(row))
        pd.DataFrame(rows).to_parquet(sim.results / f"{policy}-{WEEKS_FILE}", index=False)  # so far, to watch
    world.finish()
    return pd.DataFrame(rows)


def simulate(sim: Simulation, policies: tuple[str, ...], say: Callable[[str], None] = print) -> Path:
    """Run the policies, write `weeks.parquet`, the summary and the page under `sim.results`; the page's path."""
    from hr_pipeline.simulation import page

    sim.out.mkdir(parents=True, exist_ok=True)
    if set(policies) - {"vendor"}:
        build_burn_in(sim, say)
    jobs = min(len(policies), os.cpu_count() or 1)
    if jobs > 1:  # side by side, each in a process of its own that prints its weekly lines
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            frames = list(pool.map(run_policy, [sim] * len(policies), policies,
                                   [functools.partial(print, flush=True)] * len(policies)))
    else:
        frames = [run_policy(sim, policy, say) for policy in policies]
    weeks = pd.concat(frames, ignore_index=True)
    weeks.to_parquet(sim.results / WEEKS_FILE, index=False)
    summary = figures.summarise(weeks, sim)
    (sim.results / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    for line in figures.summary_lines(summary):
        say(line)
    return page.write_page(sim, weeks, summary)
