"""`hr-pipeline`: generate a synthetic world, run the whole loop, or both (`demo`)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import fields, replace
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from datetime import date, timedelta
from pathlib import Path

from hr_pipeline.ingest.contracts import render_markdown
from hr_pipeline.ingest.pseudonymise import DEMO_SALT, SALT_ENV
from hr_pipeline.resources import HOME_ENV
from hr_pipeline.warehouse.sources import render_raw_sources

DEMO_DRIFT_WEEKS_BEFORE_AS_OF = 39


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


def _set_home(home: str | None) -> Path:
    if home:
        os.environ[HOME_ENV] = home
    from hr_pipeline.resources import pipeline_home

    return pipeline_home()


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


def run_pipeline(home: Path) -> int:
    """Materialise every asset in one process; non-zero when anything, the gate first, fails."""
    import dagster as dg

    from hr_pipeline.definitions import build_defs, feedback_loop_job

    os.environ.setdefault("DAGSTER_HOME", str(home / "dagster"))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    with dg.DagsterInstance.get() as instance:
        result = build_defs().resolve_job_def(feedback_loop_job.name).execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}})
    warnings = gate_failure_lines(result, blocking=False)
    if warnings:
        print("\n" + "\n".join(warnings) + "\nWarnings only: nothing was stopped.", file=sys.stderr)
    failures = gate_failure_lines(result)
    if failures:
        print("\n" + "\n".join(failures) + "\nDownstream assets were not materialised.", file=sys.stderr)
        return 2
    if not result.success:
        print("\nThe run failed; see the log above.", file=sys.stderr)
        return 1
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    home = _set_home(args.home)
    if not os.environ.get(SALT_ENV):
        print(f"{SALT_ENV} is not set: person keys need a secret salt. Set it (and keep it) before `run`; "
              "`hr-pipeline demo` uses a fixed demo salt instead.", file=sys.stderr)
        return 2
    return run_pipeline(home)


def cmd_demo(args: argparse.Namespace) -> int:
    from hr_pipeline.synth.extracts import generate_world
    from hr_pipeline.synth.world import WorldSpec

    home = _set_home(args.home)
    os.environ[SALT_ENV] = DEMO_SALT
    print(f"demo: using the fixed demo salt for person keys (set {SALT_ENV} and use `run` for real data)")
    as_of = WorldSpec.as_of
    drift_at = as_of - timedelta(weeks=DEMO_DRIFT_WEEKS_BEFORE_AS_OF)
    summary = generate_world(home, as_of=as_of, drift_at=drift_at)
    print(f"demo: generated {summary.files} extract files ({summary.start} .. {summary.as_of}), drift planted at {drift_at}")
    code = run_pipeline(home)
    if code == 0:
        reports = sorted((home / "reports").glob("drift_*.html"))
        print("\nDone. Where to look:")
        print(f"  warehouse     {home / 'warehouse.duckdb'}  (duckdb -readonly, or any BI tool)")
        print(f"  dbt docs      {home / 'dbt_docs' / 'index.html'}  (serve: hr-pipeline docs --home {home})")
        print(f"  BI exports    {home / 'exports'}  (every mart as Parquet)")
        print(f"  drift report  {reports[-1] if reports else '(none)'}")
        print(f"  data quality  {home / 'reports' / 'data_docs' / 'index.html'}  (Great Expectations Data Docs; "
              "history in quality.dq_daily)")
        print("  review tables marts.weekly_review, marts.quarterly_review (and ml.review_queue) in the warehouse")
        print(f"  Dagster UI    DAGSTER_HOME={home / 'dagster'} HR_PIPELINE_HOME={home} {SALT_ENV}={DEMO_SALT} \\\n"
              "                python3 -m uv run dagster dev -w workspace.yaml")
    return code


def docs_server(folder: Path, port: int) -> ThreadingHTTPServer:
    """A local web server for the dbt docs site the `warehouse/dbt_docs` asset wrote."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def cmd_docs(args: argparse.Namespace) -> int:
    folder = _set_home(args.home) / "dbt_docs"
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
    gen.add_argument("--employees", type=int, default=250)
    gen.add_argument("--years", type=int, default=3)
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--as-of", type=_date, default=None, help="last extract date (YYYY-MM-DD)")
    gen.add_argument("--drift-at", type=_date, default=None, help="plant a drift event at this date")
    gen.add_argument("--missing", nargs="*", default=[], metavar="TABLE.COLUMN=RATE",
                     help="blank a share of a column, e.g. candidates.years_experience=0.1")
    gen.add_argument("--no-defects", action="store_true", help="a clean world: every defect rate 0 unless set below")
    for name, default, what in _defect_options():
        gen.add_argument(f"--{name.replace('_', '-')}-rate", dest=f"{name}_rate", type=float, default=None,
                         metavar="RATE", help=f"{what} (default {default})")
    gen.set_defaults(func=cmd_generate)

    for name, func, text in (("run", cmd_run, "materialise every asset for the landing zone under the home"),
                             ("demo", cmd_demo, "generate the default world into the home, then run")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--home", default=None, help=f"pipeline home (default ${HOME_ENV} or ./.hr_pipeline)")
        p.set_defaults(func=func)

    docs = sub.add_parser("docs", help="serve the dbt docs site of the home on localhost")
    docs.add_argument("--home", default=None, help=f"pipeline home (default ${HOME_ENV} or ./.hr_pipeline)")
    docs.add_argument("--port", type=int, default=8080)
    docs.set_defaults(func=cmd_docs)

    contract = sub.add_parser("contract", help="print the extract contract as Markdown tables")
    contract.add_argument("--dbt-sources", action="store_true", help="print it as the dbt `raw` source instead")
    contract.set_defaults(func=cmd_contract)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Our own progress lines; Dagster's run log has its own console handler.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("hr_pipeline").addHandler(handler)
    logging.getLogger("hr_pipeline").setLevel(logging.INFO)
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
