"""`hr-pipeline models list|promote|rollback`: the registry for the people who answer for the models.

They change the warehouse, so they wait only briefly for a run that holds it: a person is at the prompt.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

from hr_pipeline.ml import registry
from hr_pipeline.resources import WarehouseLockedError, connect_waiting
from hr_pipeline.settings import HOME_ENV, Settings

LOCK_WAIT_SECONDS = 10.0  # unless $HR_PIPELINE_LOCK_WAIT_SECONDS says otherwise
LAST_EVENTS = 10


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(map(len, column)) for column in zip(header, *rows, strict=True)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in (header, *rows))


def _lowest_impact_ratio(fairness: dict) -> str:
    """The worst protected attribute's impact ratio, the figure promotion must not lower."""
    ratios = {a: r for a, r in fairness.get("impact_ratio", {}).items() if r is not None}
    if not ratios:
        return "-"
    attribute = min(ratios, key=ratios.get)
    return f"{ratios[attribute]:.2f} {attribute}"


def list_models(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> int:
    if args.model:
        registry.check_model(con, args.model)
    versions = registry.versions(con, args.model)
    if not versions:
        print("no model registered yet: a run registers one once enough labels have matured")
        return 0
    print(_table(
        ("model", "version", "alias", "trained", "train window", "n train/holdout", "algorithm", "holdout AUC",
         "impact ratio"),
        [(v.model_name, v.version, alias, f"{v.trained_at:%Y-%m-%d %H:%M}",
          f"{v.train_start:%Y-%m-%d}..{v.train_end:%Y-%m-%d}", f"{v.n_train}/{v.n_holdout}", v.algorithm or "-",
          f"{v.holdout_auc:.3f}", _lowest_impact_ratio(v.fairness))
         for v, alias in versions]))
    events = registry.recent_events(con, args.model, LAST_EVENTS)
    print(f"\nlast {len(events)} events, newest first:")
    print(_table(("at", "model", "version", "event", "by", "reason"),
                 [(f"{at:%Y-%m-%d %H:%M}", model, version or "-", event, actor, reason or "")
                  for at, model, version, event, actor, reason in events]))
    return 0


def promote_version(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> int:
    champion, _ = registry.serving(con, args.model)
    registry.promote(con, args.model, args.version, args.reason, "cli")
    replaced = f"; {champion.version} retired (`models rollback {args.model}` restores it)" if champion else ""
    print(f"{args.version} is now the champion of {args.model}: the next scoring run serves it{replaced}")
    return 0


def rollback_champion(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> int:
    registry.check_model(con, args.model)
    champion, _ = registry.serving(con, args.model)
    restored = registry.rollback(con, args.model, args.reason, "cli")
    print(f"{args.model} rolled back: {restored} is the champion again and the next scoring run serves it; "
          f"{champion.version} retired")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    """Open the warehouse (briefly waiting for a lock), run the action, turn refusals into exit codes."""
    from hr_pipeline.cli import EXIT_FAILED, EXIT_LOCKED, EXIT_USAGE

    path = Settings.from_env(args.home).warehouse_path
    if not path.is_file():
        print(f"hr-pipeline models: no warehouse at {path}: check --home (or ${HOME_ENV})", file=sys.stderr)
        return EXIT_USAGE
    try:
        con = connect_waiting(path, default_wait=LOCK_WAIT_SECONDS)
    except WarehouseLockedError as exc:
        print(f"hr-pipeline models: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    try:
        registry.ensure_tables(con)
        return args.action(con, args)
    except registry.RegistryError as exc:
        print(f"hr-pipeline models: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except registry.TamperedArtifactError as exc:
        print(f"hr-pipeline models: {exc}; nothing changed, the refusal is in ml.model_events", file=sys.stderr)
        return EXIT_FAILED
    finally:
        con.close()


def add_model_commands(sub: argparse._SubParsersAction) -> None:
    """The `models` subcommand of `hr-pipeline` and its actions."""
    from hr_pipeline.cli import HOME_HELP

    models = sub.add_parser("models", help="list model versions and events, promote a version, roll back")
    actions = models.add_subparsers(dest="models_command", required=True)
    listing = actions.add_parser("list", help="every version with its alias, window and figures; the last events")
    listing.add_argument("--model", default=None, help="only this model (e.g. hire_success)")
    listing.set_defaults(action=list_models)
    promote = actions.add_parser("promote", help="make VERSION the champion of MODEL (logged with your reason)")
    promote.add_argument("model", metavar="MODEL")
    promote.add_argument("version", metavar="VERSION")
    promote.set_defaults(action=promote_version)
    rollback = actions.add_parser("rollback", help="restore MODEL's previous champion (logged with your reason)")
    rollback.add_argument("model", metavar="MODEL")
    rollback.set_defaults(action=rollback_champion)
    for action in (listing, promote, rollback):
        action.add_argument("--home", default=None, help=HOME_HELP)
        action.set_defaults(func=cmd_models)
    for action in (promote, rollback):
        action.add_argument("--reason", default="no reason given", help="why, for the event log")
