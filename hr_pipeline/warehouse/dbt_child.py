"""`hr-pipeline-dbt`: dbt's own command line, started so that it dies with the pipeline process.

A run killed with SIGKILL cannot stop its dbt subprocess, which would keep writing the warehouse
for tens of seconds. On Linux the child asks the kernel to kill it when its parent goes
(`PR_SET_PDEATHSIG`); elsewhere it is plain dbt.
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
PARENT_ENV = "HR_PIPELINE_DBT_PARENT"


def main() -> int:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.environ.get(PARENT_ENV, str(os.getppid())) != str(os.getppid()):
            print(f"hr-pipeline-dbt: the process that started dbt ({os.environ[PARENT_ENV]}) is gone", file=sys.stderr)
            return 1
    from dbt.cli.main import cli

    return cli()


if __name__ == "__main__":
    sys.exit(main())
