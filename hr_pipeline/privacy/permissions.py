"""Files under the home hold HR data: whatever the pipeline creates is readable by its owner only."""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY_UMASK = 0o077  # new files 0600, new folders 0700
HOME_MODE = 0o700


def owner_only(home: Path | None = None) -> None:
    """Set this process's umask (inherited by the dbt subprocess and Dagster's run workers) and close
    an existing home folder to everybody but its owner. The package sets the umask on import; the
    code location closes the home."""
    os.umask(OWNER_ONLY_UMASK)
    if home is not None and home.is_dir() and home.stat().st_uid == os.getuid():
        home.chmod(HOME_MODE)
