"""`hr-pipeline-dbt`: dbt's own command line, run inside the warehouse's home and dying with the pipeline process.

- **Inside the home.** The profile names the warehouse file relative to the working folder, so nothing dbt
  hashes to decide on partial parsing (its vars, the profile's connection) depends on the home: the project's
  one parse (`dbt_project/target/partial_parse.msgpack`, which dagster-dbt copies into each call's target)
  serves every call in every home, instead of a full re-parse of several seconds per call. The home is
  `HR_PIPELINE_DBT_HOME`, which the pipeline sets before each call; for a person, the settings' home
  (`HR_PIPELINE_HOME`, else `./.hr_pipeline`). The project and profiles default to the package's project,
  and relative paths in dbt's options and variables are taken from where the command was started.
- **Dies with its parent.** A run killed with SIGKILL cannot stop its dbt subprocess, which would keep
  writing the warehouse for tens of seconds. On Linux the child asks the kernel to kill it when its parent
  goes (`PR_SET_PDEATHSIG`).
"""

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1
PARENT_ENV = "HR_PIPELINE_DBT_PARENT"
HOME_ENV = "HR_PIPELINE_DBT_HOME"
DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
# What the warehouse's incremental tables were last built with (hr_pipeline.warehouse.dbt.incremental_fingerprint);
# another value, or none (a new warehouse, retention having deleted versions they were computed from, or the row
# deleted by hand to force one), makes the next build a full refresh.
FINGERPRINT_TABLE = "staging.incremental_fingerprint"
PATH_OPTIONS = ("--project-dir", "--profiles-dir", "--target-path", "--log-path", "--state")
PATH_VARIABLES = ("DBT_PROJECT_DIR", "DBT_PROFILES_DIR", "DBT_TARGET_PATH", "DBT_LOG_PATH")


def absolute_paths(args: list[str], start: str) -> list[str]:
    """`args` with the values of dbt's path options made absolute from `start`."""
    out = list(args)
    for i, arg in enumerate(out):
        name, equals, value = arg.partition("=")
        if name in PATH_OPTIONS and equals:
            out[i] = f"{name}={os.path.join(start, value)}"
        elif name in PATH_OPTIONS and i + 1 < len(out):
            out[i + 1] = os.path.join(start, out[i + 1])
    return out


def enter_home(args: list[str]) -> list[str]:
    """Point dbt's paths at absolute places, then change into the home; the arguments to give dbt."""
    from hr_pipeline.settings import Settings

    start = os.getcwd()
    for variable in ("DBT_PROJECT_DIR", "DBT_PROFILES_DIR"):
        os.environ.setdefault(variable, str(DBT_PROJECT_DIR))
    for variable in PATH_VARIABLES:
        if variable in os.environ:
            os.environ[variable] = os.path.join(start, os.environ[variable])
    home = Settings.from_env(os.environ.get(HOME_ENV)).home
    home.mkdir(parents=True, exist_ok=True)
    os.chdir(home)
    return absolute_paths(args, start)


def main() -> int:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.environ.get(PARENT_ENV, str(os.getppid())) != str(os.getppid()):
            print(f"hr-pipeline-dbt: the process that started dbt ({os.environ[PARENT_ENV]}) is gone", file=sys.stderr)
            return 1
    args = enter_home(sys.argv[1:])
    from dbt.cli.main import cli

    return cli.main(args=args, prog_name="dbt")


if __name__ == "__main__":
    sys.exit(main())
