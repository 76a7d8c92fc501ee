"""The landing zone's layout: which folders are extracts, which files the contract names, and why
anything else is refused or reported. Nothing is loaded by guessing.

`landing/<system>/<YYYY-MM-DD>/<entity>.<ext>`: the folder's name is the extract date, which must
not lie after today (plus `DATE_TOLERANCE`); every file must be named exactly as the contract says.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hr_pipeline.ingest.contracts import CONTRACTS, DATE_TOLERANCE, Contract, contracts_of

_DATE_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Entry:
    """Something in the landing zone that is not loaded, with its status and why (naming the path)."""

    path: Path
    status: str  # refused | not_in_contract | ignored (see contracts.FILE_STATUSES)
    message: str
    extract_date: str | None = None


@dataclass(frozen=True)
class ExtractFolder:
    path: Path
    extract_date: str
    files: list[tuple[Path, Contract]]


def _leaves(path: Path, landing: Path) -> bool:
    """A symlink (or a path through one) that resolves outside the landing zone."""
    return not path.resolve().is_relative_to(landing.resolve())


def folder_problem(folder: Path, landing: Path, today: date) -> Entry | None:
    """Why `folder` is not an extract folder to load, or None when it is."""
    name = folder.name
    if name.startswith("."):
        return Entry(folder, "ignored", f"{folder}: hidden folder, ignored")
    if _leaves(folder, landing):
        return Entry(folder, "refused", f"{folder}: a symlink to {folder.resolve()}, outside the landing zone; refused")
    try:
        day = date.fromisoformat(name) if _DATE_NAME.fullmatch(name) else None
    except ValueError:
        day = None
    if day is None:
        return Entry(folder, "refused", f"{folder}: the folder name is not an extract date (YYYY-MM-DD, a real day); "
                                        "refused: rename it to the date of the extract")
    if day > today + DATE_TOLERANCE:
        return Entry(folder, "refused", f"{folder}: dated {day}, after today ({today}) plus the tolerance of "
                                        f"{DATE_TOLERANCE.days} day(s); refused until then")
    return None


def _expected(name: str, system: str) -> str:
    """What the contract expected instead of a file called `name` in a folder of `system`."""
    lowered = name.lower()
    for contract in CONTRACTS:
        if lowered.split(".")[0] == contract.entity:
            if contract.system != system:
                return (f"{contract.entity} is an {contract.system} entity: expected "
                        f"landing/{contract.system}/<date>/{contract.file_name}")
            return f"did you mean {contract.file_name}? (names are exact: lower case, `.{contract.file_format}`)"
    names = [c.file_name for c in contracts_of(system)]
    close = difflib.get_close_matches(lowered, names, n=1)
    return f"did you mean {close[0]}?" if close else f"expected one of {', '.join(names)}"


def _file_problem(path: Path, landing: Path, system: str, by_name: dict[str, Contract]) -> Entry | None:
    if path.name.startswith("."):
        return Entry(path, "ignored", f"{path}: hidden file, ignored")
    if path.is_symlink() and (not path.exists() or _leaves(path, landing)):
        return Entry(path, "refused", f"{path}: a symlink leading outside the landing zone (or nowhere); refused")
    if path.is_dir():
        return Entry(path, "not_in_contract", f"{path}: a folder where the contract expects files; not loaded")
    if path.name not in by_name:
        return Entry(path, "not_in_contract", f"{path}: not a file of the {system} contract; "
                                              f"{_expected(path.name, system)}")
    return None


def scan(landing: Path, system: str, today: date) -> tuple[list[ExtractFolder], list[Entry]]:
    """The system's extract folders with their contract files, oldest first, and every other entry."""
    root, by_name = landing / system, {c.file_name: c for c in contracts_of(system)}
    folders, others = [], []
    for entry in sorted(root.iterdir()) if root.is_dir() else []:
        if not entry.is_dir():
            others.append(Entry(entry, "ignored", f"{entry}: hidden file, ignored") if entry.name.startswith(".") else
                          Entry(entry, "not_in_contract", f"{entry}: a file outside any extract folder; expected "
                                                         f"landing/{system}/<YYYY-MM-DD>/<entity file>"))
            continue
        problem = folder_problem(entry, landing, today)
        if problem:
            others.append(problem)
            continue
        files = []
        for path in sorted(entry.iterdir()):
            problem = _file_problem(path, landing, system, by_name)
            if problem:
                others.append(Entry(problem.path, problem.status, problem.message, entry.name))
            else:
                files.append((path, by_name[path.name]))
        folders.append(ExtractFolder(entry, entry.name, files))
    return sorted(folders, key=lambda f: f.extract_date), others
