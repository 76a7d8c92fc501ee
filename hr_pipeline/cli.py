"""`hr-pipeline`: generate a synthetic world, run the whole loop, or both (`demo`)."""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import sys
import uuid
from dataclasses import fields, replace
from datetime import date, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from hr_pipeline.ingest.contracts import SYSTEMS, render_markdown
from hr_pipeline.ingest.pseudonymise import DEMO_SALT, SALT_ENV, check_salt
from hr_pipeline.ml.commands import add_model_commands
from hr_pipeline.privacy.commands import add_privacy_commands
from hr_pipeline.resources import WarehouseLockedError
from hr_pipeline.settings import DEFAULT_HOME, HOME_ENV, Settings
from hr_pipeline.simulation.spec import POLICIES, Simulation
from hr_pipeline.synth.spec import WorldSpec
from hr_pipeline.warehouse.sources import render_raw_sources

DEMO_DRIFT_WEEKS_BEFORE_AS_OF = 13  # after most training labels, long enough before the as-of for the alarm
HOME_HELP = f"pipeline home (default ${HOME_ENV} or ./{DEFAULT_HOME})"

EXIT_FAILED = 1
EXIT_USAGE = 2  # bad arguments or setup: nothing was started
EXIT_BLOCKED = 3  # the quality gate blocked
EXIT_LOCKED = 4  # another process held the warehouse longer than the lock wait
EXIT_DISK_FULL = 5
EXIT_INTERRUPTED = 130

INTERRUPTS = ("DagsterExecutionInterruptedError", "KeyboardInterrupt")
DISK_FULL = re.compile(r"No space left on device|disk I/O error|database or disk is full|\[Errno 28\]", re.I)


def _date(text: str) -> date:
    return date.fromisoformat(text)


def cmd_generate(args: argparse.Namespace) -> int:
    from hr_pipeline.synth.extracts import DefectRates, generate_world, parse_missing

    rates = DefectRates.none() if args.no_defects else DefectRates()
    rates = replace(rates, **{f.name: getattr(args, f"{f.name}_rate") for f in fields(DefectRates)
                              if getattr(args, f"{f.name}_rate") is not None})
    summary = generate_world(Path(args.out), employees=args.employees, years=args.years, seed=args.seed,
                             as_of=args.as_of, drift_at=args.drift_at, missing=parse_missing(args.missing),
                             defects=rates)
    print(f"wrote {summary.files} files in {summary.extracts} weekly extracts ({summary.start} .. {summary.as_of}) "
          f"to {Path(summary.out) / 'landing'}; ground truth in {Path(summary.out) / 'ground_truth'}")
    return 0


def _defect_options() -> list[tuple[str, float, str]]:
    """(name, default rate, what it does) per defect, from the generator's own definition."""
    from hr_pipeline.synth.defects import DefectRates

    return [(f.name, f.default, f.metadata["what"]) for f in fields(DefectRates)]


def home_problem(settings: Settings, landing: bool) -> str | None:
    """Why the home cannot be run (or served), in one line; None when it can."""
    if not settings.home.is_dir():
        return f"no pipeline home at {settings.home} (set --home or ${HOME_ENV}; `hr-pipeline demo` creates one)"
    if landing and not any((settings.landing_dir / system).is_dir() for system in SYSTEMS):
        return (f"nothing to load: {settings.landing_dir} has no extract folder of any system "
                f"({', '.join(SYSTEMS)}); see docs/extract-contract.md")
    return None


def _errors(exc: BaseException | None):
    """(class name, message) of an exception and every exception it was raised from."""
    while exc is not None:
        yield type(exc).__name__, str(exc)
        exc = exc.__cause__ or exc.__context__


def _run_errors(result):
    """(class name, message) of every error in a run's step and run failures, causes included."""
    for event in result.all_events:
        data = event.event_specific_data
        error = getattr(data, "error", None) if (event.is_step_failure or event.is_run_failure) else None
        while error is not None:
            yield error.cls_name or "", error.message
            error = error.cause or error.context


def disk_full_line(message: str, home: Path) -> str:
    """Name the full disk by the file the error names (else the home) and say how much is free there."""
    path = re.search(r"""["'](/[^"']+)["']""", message)
    where = Path(path.group(1)).parent if path else home
    while not where.exists() and where != where.parent:
        where = where.parent
    free = shutil.disk_usage(where).free
    return (f"disk full: no space left to write {where} ({free / 2**20:.1f} MB free on its disk); "
            f"free some space, then rerun. ({message.strip().splitlines()[0][:160]})")


def fault(errors, home: Path) -> tuple[int, str] | None:
    """The exit code and one line for a fault a person can act on: an interrupt, a lock, a full disk."""
    for cls_name, message in errors:
        if cls_name in INTERRUPTS:
            return EXIT_INTERRUPTED, "interrupted"
        if cls_name == "WarehouseLockedError":
            return EXIT_LOCKED, message.strip().splitlines()[0]
        if "Could not set lock" in message:
            return EXIT_LOCKED, f"the warehouse {Settings(home).warehouse_path} was locked by another process"
        if DISK_FULL.search(message):
            return EXIT_DISK_FULL, disk_full_line(message, home)
    return None


def gate_failure_lines(result, blocking: bool = True) -> list[str]:
    """For each failed blocking check of a run (or, with `blocking=False`, each failed `quality_warnings`
    check): the check, then each failed expectation with its observed value. dbt's warnings (e.g. an orphan
    whose parent row sits in quarantine) do not stop a run and are not listed."""
    import dagster as dg

    lines = []
    for evaluation in result.get_asset_check_evaluations():
        key = evaluation.asset_check_key
        wanted = evaluation.severity == dg.AssetCheckSeverity.ERROR if blocking else key.name == "quality_warnings"
        if evaluation.passed or not wanted:
            continue
        heading = "QUALITY GATE FAILED" if blocking else "QUALITY WARNING"
        lines.append(f"{heading}: {key.asset_key.to_user_string()} / {key.name}")
        lines += [f"  {value.value}" for value in evaluation.metadata.values() if "FAILED" in str(value.value)]
    return lines


def run_pipeline(settings: Settings, salt: str, progress, verbose: bool = False, asset_selection=None,
                 asset_check_selection=None) -> int:
    """Materialise every asset (or the `asset_selection` keys, with every check on them or only the
    `asset_check_selection` keys) in one process; non-zero when anything, the gate first, fails. Runs whose
    process was killed are failed first; an interrupted run is failed and its rows go. Runs are recorded in the
    home's Dagster instance (`<home>/dagster`), the one the Dagster UI is pointed at."""
    from hr_pipeline.resources import Warehouse
    from hr_pipeline.runs import PID_TAG, Interrupts, abandon_run, sweep_dead_runs
    from hr_pipeline.warehouse.project import dbt_project, prepare_manifest

    home = settings.home
    prepare_manifest(dbt_project())  # before the dbt assets are defined from it
    from hr_pipeline.definitions import build_defs, feedback_loop_job

    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    warehouse, run_id = Warehouse(home=str(home)), str(uuid.uuid4())
    job = build_defs(settings, salt).resolve_job_def(feedback_loop_job.name)
    if asset_check_selection is not None:
        job = job.get_subset(asset_selection=set(asset_selection), asset_check_selection=set(asset_check_selection))
        asset_selection = None
    found = None
    try:
        warehouse.wait_for_lock()  # once, before any step: a run that cannot write does not start
        with dagster_instance(settings) as instance, Interrupts() as interrupts:
            swept = sweep_dead_runs(instance, warehouse)
            if swept:
                progress.say(f"marked {len(swept)} earlier run(s) whose process was killed FAILED and removed "
                             f"their rows: {', '.join(swept)}")
            instance.add_event_listener(run_id, interrupts.on_event)
            instance.add_event_listener(run_id, progress.on_event)
            result = job.execute_in_process(
                instance=instance, run_id=run_id, tags={PID_TAG: str(os.getpid())},
                raise_on_error=False, asset_selection=asset_selection,
                run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}})
            interrupted = interrupts.received
        found = (EXIT_INTERRUPTED, "interrupted") if interrupted else fault(_run_errors(result), home)
    except (KeyboardInterrupt, Exception) as exc:  # noqa: BLE001 - named below, else raised again
        found = fault(_errors(exc), home)
        if found is None:
            raise
    if found and found[0] == EXIT_INTERRUPTED:
        with dagster_instance(settings) as instance:
            deleted = abandon_run(instance, run_id, warehouse, "interrupted")
        progress.say(f"interrupted: run {run_id} marked FAILED in Dagster; removed its rows "
                     f"({sum(deleted.values())} in {', '.join(deleted) or 'no table'})", error=True)
        return EXIT_INTERRUPTED
    if found:
        progress.say(found[1], error=True)
        return found[0]
    report(result, settings, progress, verbose)
    if gate_failure_lines(result):
        return EXIT_BLOCKED
    if not result.success:
        failed = [f"{event.step_key} ({event.step_failure_data.error.message.strip().splitlines()[0][:160]})"
                  for event in result.all_events if event.is_step_failure and event.step_failure_data.error]
        progress.say(f"the run failed in {'; '.join(failed) or 'Dagster'}; see "
                     + ("the log above" if verbose else str(settings.run_log)), error=True)
        return EXIT_FAILED
    return 0


def dagster_instance(settings: Settings):
    """The home's Dagster instance, opened from its folder: the process environment (`DAGSTER_HOME`) is
    neither read nor written."""
    import dagster as dg

    return dg.DagsterInstance.from_config(str(settings.dagster_home))


def report(result, settings: Settings, progress, verbose: bool) -> None:
    """Blocking failures in full; warnings and defects as counts with where to look."""
    failures = gate_failure_lines(result)
    if failures:
        progress.say("\n".join(failures) + "\nDownstream assets were not materialised.", error=True)
    warnings = gate_failure_lines(result, blocking=False)
    if warnings and verbose:
        progress.say("\n".join(warnings) + "\nWarnings only: nothing was stopped.", error=True)
    totals = progress.ingest_totals
    progress.say(f"defects: {totals['rows_quarantined']} rows and {totals['files_quarantined']} files quarantined "
                 f"(raw.quarantine, raw.ingest_log); {progress.quality_warnings} quality warnings "
                 f"(Data Docs: {settings.reports_dir / 'data_docs' / 'index.html'})"
                 + ("" if verbose else f"; full log: {settings.run_log}"))


def cmd_run(args: argparse.Namespace) -> int:
    settings, salt = Settings.from_env(args.home), os.environ.get(SALT_ENV)
    problem = home_problem(settings, landing=True)
    if problem:
        print(f"hr-pipeline run: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if not salt:
        print(f"{SALT_ENV} is not set: person keys need a secret salt. Set it (and keep it) before `run`; "
              "`hr-pipeline demo` uses a fixed demo salt instead.", file=sys.stderr)
        return EXIT_USAGE
    try:
        problem = check_salt(settings.warehouse_path, salt)
    except WarehouseLockedError as exc:
        print(f"hr-pipeline run: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    if problem:
        print(f"hr-pipeline run: {problem}", file=sys.stderr)
        return EXIT_USAGE
    from hr_pipeline.progress import console

    with console(args.verbose, settings.run_log) as progress:
        return run_pipeline(settings, salt, progress, args.verbose)


def where_to_look(settings: Settings) -> list[str]:
    """The demo's closing lines; the last is the weekly review report's path, the page a person opens."""
    home, reports_dir = settings.home, settings.reports_dir
    reviews = sorted(reports_dir.glob("review_week_*.html"))  # named by week start: the newest sorts last
    return [
        f"warehouse     {settings.warehouse_path}  (duckdb -readonly, or any BI tool)",
        f"dbt docs      {settings.dbt_docs_dir / 'index.html'}  (serve: hr-pipeline docs --home {home})",
        f"BI exports    {settings.exports_dir}  (every mart as Parquet)",
        f"drift reports {reports_dir / 'drift'}  (one page per model and run)",
        f"ATS outbox    {settings.outbox_dir / 'ats'}  (recommendations for open applications, per as-of date)",
        f"data quality  {reports_dir / 'data_docs' / 'index.html'}  (Great Expectations Data Docs, online only; "
        "offline and with the history: the review report's Data quality section)",
        "review tables marts.weekly_review, marts.quarterly_review (and ml.review_queue) in the warehouse",
        f"Dagster UI    DAGSTER_HOME={settings.dagster_home} {HOME_ENV}={home} {SALT_ENV}={DEMO_SALT} \\\n"
        "                python3 -m uv run dagster dev -w workspace.yaml  (its schedules and sensor run at once)",
        "review report (open in a browser, works offline; any period: hr-pipeline report --period week|quarter "
        "--at DATE)",
        f"{reviews[-1] if reviews else '(none written)'}",
    ]


def cmd_demo(args: argparse.Namespace) -> int:
    from hr_pipeline.progress import console
    from hr_pipeline.synth.extracts import TRUTH_DIR, generate_world

    settings = Settings.from_env(args.home)
    home = settings.home
    home.mkdir(parents=True, exist_ok=True)
    print(f"demo: using the fixed demo salt for person keys (set {SALT_ENV} and use `run` for real data)")
    as_of = WorldSpec.as_of
    drift_at = as_of - timedelta(weeks=DEMO_DRIFT_WEEKS_BEFORE_AS_OF)
    with console(args.verbose, settings.run_log) as progress:
        summary = generate_world(home, as_of=as_of, drift_at=drift_at)
        progress.say(f"demo: generated {summary.files} extract files ({summary.start} .. {summary.as_of}), "
                     f"drift planted at {drift_at}")
        code = run_pipeline(settings, DEMO_SALT, progress, args.verbose)
    if code == 0:
        from hr_pipeline.ml.summary import lines
        from hr_pipeline.resources import connect_waiting

        print("\nThe learning loop:")
        with connect_waiting(settings.warehouse_path) as con:  # the registry's tables may be new
            for line in lines(con, settings, home / TRUTH_DIR):
                print(f"  {line}")
        print("\nDone. Where to look:")
        for line in where_to_look(settings):
            print(f"  {line}")
    return code


def cmd_simulate(args: argparse.Namespace) -> int:
    from hr_pipeline.simulation.loop import simulate

    sim = Simulation(Path(args.out).resolve(), employees=args.employees, burn_in_years=args.burn_in_years,
                     weeks=args.weeks, drift_at_week=args.drift_at_week or None, seed=args.seed)
    policies = POLICIES if args.policy == "all" else (args.policy,)
    print(f"simulate: {', '.join(policies)}; {sim.employees} employees, burn-in to {sim.switch}, then {sim.weeks} "
          f"weeks to {sim.as_of}" + (f", drift at week {sim.drift_at_week} ({sim.drift_at})" if sim.drift_at else ""))
    page = simulate(sim, policies, say=lambda line: print(line, flush=True))
    print(f"\nThe page: {page}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from hr_pipeline.resources import connect_waiting
    from hr_pipeline.reviews.report import ReportError, render_report

    settings = Settings.from_env(args.home)
    problem = home_problem(settings, landing=False) or (
        None if settings.warehouse_path.exists()
        else f"no warehouse at {settings.warehouse_path}: run the pipeline first")
    if problem:
        print(f"hr-pipeline report: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        with connect_waiting(settings.warehouse_path, read_only=True) as con:
            path = render_report(con, settings.reports_dir, args.period, args.at)
    except WarehouseLockedError as exc:
        print(f"hr-pipeline report: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except ReportError as exc:
        print(f"hr-pipeline report: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(path)
    return 0


def docs_server(folder: Path, port: int) -> ThreadingHTTPServer:
    """A local web server for the dbt docs site the `warehouse/dbt_docs` asset wrote."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def cmd_docs(args: argparse.Namespace) -> int:
    settings = Settings.from_env(args.home)
    problem = home_problem(settings, landing=False)
    if problem:
        print(f"hr-pipeline docs: {problem}", file=sys.stderr)
        return EXIT_USAGE
    folder = settings.dbt_docs_dir
    if not (folder / "index.html").exists():
        print(f"no dbt docs in {folder}: run `hr-pipeline demo` or `hr-pipeline run` first", file=sys.stderr)
        return 1
    server = docs_server(folder, args.port)
    print(f"dbt docs at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_contract(args: argparse.Namespace) -> int:
    print(render_raw_sources() if args.dbt_sources else render_markdown(), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hr-pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a synthetic world's weekly extracts and ground truth")
    gen.add_argument("--out", required=True, help="folder for landing/ and ground_truth/")
    gen.add_argument("--employees", type=int, default=WorldSpec.employees)
    gen.add_argument("--years", type=int, default=WorldSpec.years)
    gen.add_argument("--seed", type=int, default=WorldSpec.seed)
    gen.add_argument("--as-of", type=_date, default=None, help="last extract date (YYYY-MM-DD)")
    gen.add_argument("--drift-at", type=_date, default=None, help="plant a drift event at this date")
    gen.add_argument("--missing", nargs="*", default=[], metavar="TABLE.COLUMN=RATE",
                     help="blank a share of a column, e.g. candidates.years_experience=0.1")
    gen.add_argument("--no-defects", action="store_true", help="a clean world: every defect rate 0 unless set below")
    for name, default, what in _defect_options():
        gen.add_argument(f"--{name.replace('_', '-')}-rate", dest=f"{name}_rate", type=float, default=None,
                         metavar="RATE", help=f"{what} (default {default})")
    gen.set_defaults(func=cmd_generate)

    run_log = Settings(Path("<home>")).run_log
    for name, func, text in (("run", cmd_run, "materialise every asset for the landing zone under the home"),
                             ("demo", cmd_demo, "generate the default world into the home, then run")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--home", default=None, help=HOME_HELP)
        p.add_argument("--verbose", action="store_true",
                       help=f"show Dagster's event log and dbt's per-model lines (else in {run_log})")
        p.set_defaults(func=func)

    sim = sub.add_parser("simulate", help="run the closed loop week by week: the world reads the pipeline's outbox")
    sim.add_argument("--out", required=True, help="folder for one home per policy and simulation/")
    sim.add_argument("--employees", type=int, default=WorldSpec.employees)
    sim.add_argument("--burn-in-years", type=int, default=Simulation.burn_in_years,
                     help="years simulated with the vendor AI before the pipeline's recommendations are shown")
    sim.add_argument("--weeks", type=int, default=Simulation.weeks, help="weeks simulated after the burn-in")
    sim.add_argument("--drift-at-week", type=int, default=Simulation.drift_at_week,
                     help="week after the burn-in of the drift event (0: none)")
    sim.add_argument("--policy", choices=[*POLICIES, "all"], default="all")
    sim.add_argument("--seed", type=int, default=WorldSpec.seed)
    sim.set_defaults(func=cmd_simulate)

    docs = sub.add_parser("docs", help="serve the dbt docs site of the home on localhost")
    docs.add_argument("--home", default=None, help=HOME_HELP)
    docs.add_argument("--port", type=int, default=8080)
    docs.set_defaults(func=cmd_docs)

    report = sub.add_parser("report", help="write the review report (one offline HTML page) and print its path")
    report.add_argument("--home", default=None, help=HOME_HELP)
    report.add_argument("--period", choices=["week", "quarter"], default="week")
    report.add_argument("--at", type=_date, default=None, metavar="DATE",
                        help="the period containing DATE (YYYY-MM-DD); default the latest complete period")
    report.set_defaults(func=cmd_report)

    contract = sub.add_parser("contract", help="print the extract contract as Markdown tables")
    contract.add_argument("--dbt-sources", action="store_true", help="print it as the dbt `raw` source instead")
    contract.set_defaults(func=cmd_contract)
    add_privacy_commands(sub)
    add_model_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command not in ("run", "demo"):  # those set up their own console (hr_pipeline.progress)
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger("hr_pipeline").addHandler(handler)
        logging.getLogger("hr_pipeline").setLevel(logging.INFO)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
