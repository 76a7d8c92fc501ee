"""`hr-pipeline erase` and `hr-pipeline retention`: argument checks, the warehouse lock, a short summary."""

from __future__ import annotations

import argparse
import os
import sys

from hr_pipeline.ingest.pseudonymise import SALT_ENV, SaltMismatchError, person_key
from hr_pipeline.privacy.audit import Removal
from hr_pipeline.resources import Warehouse, WarehouseLockedError
from hr_pipeline.settings import HOME_ENV, Settings


def _warehouse(home: str | None) -> Warehouse | None:
    """The home's warehouse, or None (after one line on stderr) when there is none to work on."""
    warehouse = Warehouse(home=str(Settings.from_env(home).home))
    if not warehouse.path.is_file():
        print(f"no warehouse at {warehouse.path}: check --home (or ${HOME_ENV})", file=sys.stderr)
        return None
    return warehouse


def _print_removals(removals: list[Removal]) -> None:
    """One line per table (rows deleted, rows whose values were blanked) or file (deleted or rewritten)."""
    width = max((len(r.target) for r in removals), default=0)
    for r in removals:
        if "/" in r.target:
            done = "deleted" if r.removed else "rewritten"
        else:
            done = ", ".join(f"{n} row{'s' * (n != 1)} {what}" for n, what in ((r.removed, "deleted"),
                                                                                (r.scrubbed, "scrubbed")) if n)
        print(f"  {r.target:<{width}}  {done}")


def cmd_erase(args: argparse.Namespace) -> int:
    from hr_pipeline.cli import EXIT_LOCKED, EXIT_USAGE
    from hr_pipeline.privacy.erasure import compact, erase_person

    warehouse, salt = _warehouse(args.home), os.environ.get(SALT_ENV)
    if warehouse is None:
        return EXIT_USAGE
    if not salt:
        print(f"{SALT_ENV} is not set: erasure needs the salt the person keys were made with", file=sys.stderr)
        return EXIT_USAGE
    key = args.person_key or person_key(args.email, salt)
    try:
        with warehouse.connect() as con:
            report = erase_person(con, warehouse.home_dir, key, salt)
    except WarehouseLockedError as exc:
        print(exc, file=sys.stderr)
        return EXIT_LOCKED
    except SaltMismatchError as exc:  # a wrong salt would find nobody
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    compact(warehouse.path)
    if not report.removals:
        print(f"erase: nobody with this {'person key' if args.person_key else 'address'} in {warehouse.home_dir}; "
              f"the request is recorded (erasure {report.erasure_id})")
        return 0
    print(f"erase: removed from {warehouse.home_dir} (erasure {report.erasure_id} in governance.erasure_log):")
    _print_removals(report.removals)
    if report.landing_files:
        print(f"  {len(report.landing_files)} landing files still hold this person: they are the source systems' "
              "extracts, which must erase them too; records of erased people that arrive again are dropped on ingest")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from hr_pipeline.cli import EXIT_LOCKED, EXIT_USAGE
    from hr_pipeline.privacy.erasure import compact
    from hr_pipeline.privacy.retention import apply_retention, cutoff

    warehouse = _warehouse(args.home)
    if warehouse is None:
        return EXIT_USAGE
    before = cutoff(args.older_than)
    try:
        with warehouse.connect() as con:
            removals = apply_retention(con, before)
    except WarehouseLockedError as exc:
        print(exc, file=sys.stderr)
        return EXIT_LOCKED
    compact(warehouse.path)
    print(f"retention: superseded raw versions extracted before {before} deleted "
          f"({sum(r.removed for r in removals)} rows; recorded in governance.erasure_log)")
    _print_removals(removals)
    return 0


def add_privacy_commands(sub: argparse._SubParsersAction) -> None:
    """The `erase` and `retention` subcommands of `hr-pipeline`."""
    from hr_pipeline.cli import HOME_HELP as home_help
    erase = sub.add_parser("erase", help="remove one person from the warehouse, exports and reports (GDPR)")
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--email", help="the person's e-mail address (needs the salt in $" + SALT_ENV + ")")
    who.add_argument("--person-key", help="the person's key as the warehouse holds it")
    erase.add_argument("--home", default=None, help=home_help)
    erase.set_defaults(func=cmd_erase)

    retention = sub.add_parser("retention", help="delete superseded raw versions older than a retention period")
    retention.add_argument("--older-than", type=float, required=True, metavar="YEARS",
                           help="delete versions extracted more than YEARS (may be fractional) ago")
    retention.add_argument("--home", default=None, help=home_help)
    retention.set_defaults(func=cmd_retention)
