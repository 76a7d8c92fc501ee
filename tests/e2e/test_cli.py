"""`hr-pipeline run` as a person meets it: arguments checked first, a locked warehouse waited for, a full
disk named, and a console of one line per phase with the gate's verdict."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_world import copy_landing, run_cli, start_run

from hr_pipeline.cli import EXIT_DISK_FULL, EXIT_LOCKED, EXIT_USAGE, fault, main
from hr_pipeline.resources import LOCK_WAIT_ENV

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("cli_world")]

PHASES = ("ingest ats", "ingest hris", "ingest timetracking", "dbt warehouse build", "quality gate", "models",
          "scoring", "routing", "monitoring", "reviews", "review report", "exports", "docs")


@pytest.mark.parametrize("command", ["run", "docs"])
def test_a_missing_home_is_one_line_and_exit_2_and_creates_nothing(tmp_path, capsys, monkeypatch, command):
    monkeypatch.setenv("HR_PIPELINE_SALT", "secret")
    home = tmp_path / "mistyped"
    assert main([command, "--home", str(home)]) == EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(home) in err[0]
    assert not home.exists()


@pytest.mark.parametrize("landing", [None, "landing", "landing/crm"])
def test_a_home_without_a_system_folder_in_landing_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, landing):
    monkeypatch.setenv("HR_PIPELINE_SALT", "secret")
    if landing:
        (tmp_path / landing).mkdir(parents=True)
    before = sorted(tmp_path.rglob("*"))
    assert main(["run", "--home", str(tmp_path)]) == EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ats, hris, timetracking" in err[0]
    assert sorted(tmp_path.rglob("*")) == before


def hold_warehouse(path: Path) -> subprocess.Popen:
    """A BI reader holding the warehouse read-only in another process until its stdin closes."""
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; con = duckdb.connect({str(path)!r}, read_only=True); "
                               "print('locked', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_locked_warehouse_is_waited_for_then_given_up_in_one_line(clean_cli_run, tmp_path):
    home = copy_landing(clean_cli_run.home, tmp_path)
    import duckdb

    duckdb.connect(str(home / "warehouse.duckdb")).close()
    holder = hold_warehouse(home / "warehouse.duckdb")
    try:
        run = run_cli(home, timeout=300, **{LOCK_WAIT_ENV: "3"})
    finally:
        holder.communicate("")
    assert run.returncode == EXIT_LOCKED, run.output
    assert "Traceback" not in run.output
    waits = [line for line in run.lines if line.startswith("waiting for the warehouse lock held by another process")]
    assert waits and str(home / "warehouse.duckdb") in waits[0]
    assert run.lines[-1].startswith(f"the warehouse {home / 'warehouse.duckdb'} is still locked")
    assert LOCK_WAIT_ENV in run.lines[-1]


def test_a_reader_that_lets_go_within_the_wait_only_delays_the_run(clean_cli_run, tmp_path):
    home = copy_landing(clean_cli_run.home, tmp_path)
    import duckdb

    duckdb.connect(str(home / "warehouse.duckdb")).close()
    holder = hold_warehouse(home / "warehouse.duckdb")
    process = start_run(home, **{LOCK_WAIT_ENV: "120"})
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("waiting for the warehouse lock"):
                holder.communicate("")  # the reader lets go
            if line.startswith("ingest ats:"):
                break
        assert any(line.startswith("waiting for the warehouse lock") for line in lines), lines
        assert lines[-1].startswith("ingest ats:") and "FAILED" not in lines[-1], lines
    finally:
        process.terminate()
        process.communicate(timeout=120)
        if holder.poll() is None:
            holder.communicate("")


def test_the_console_says_each_phase_and_the_gate_verdict_in_at_most_40_lines(clean_cli_run):
    lines = clean_cli_run.lines
    assert len(lines) <= 40, "\n".join(lines)
    for phase in PHASES:
        assert any(line.startswith(f"{phase}: ") and line.endswith(" s)") for line in lines), phase
    assert any(line.startswith("quality gate: passed (") and "blocking failures" in line for line in lines)
    defects = [line for line in lines if line.startswith("defects: ")]
    assert defects and "raw.quarantine" in defects[0] and "data_docs" in defects[0]
    assert not any("Running dbt command" in line and line.startswith("dbt") for line in lines)
    log = (clean_cli_run.home / "last_run.log").read_text()
    assert "OK created sql table model" in log  # dbt's per-model lines: in the log, not on the console


def test_a_full_disk_is_named_with_its_free_space(tmp_path):
    code, line = fault([("IOException", f'IO Error: Could not write file "{tmp_path}/warehouse.duckdb.wal": '
                                       "No space left on device")], tmp_path)
    assert code == EXIT_DISK_FULL
    assert line.startswith(f"disk full: no space left to write {tmp_path} (") and "MB free" in line


@pytest.fixture
def tiny_disk(tmp_path):
    """A 12 MB tmpfs (needs root): room for the landing zone, not for the warehouse."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    time.sleep(0.5)
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_run_on_a_full_disk_names_it_and_fails_without_a_traceback(clean_cli_run, tiny_disk):
    home = copy_landing(clean_cli_run.home, tiny_disk)
    filler = home / "filler"
    free = __import__("shutil").disk_usage(home).free
    filler.write_bytes(b"\0" * max(free - 2**20, 0))  # leave 1 MB: the warehouse cannot grow
    run = run_cli(home, timeout=600)
    assert run.returncode == EXIT_DISK_FULL, run.output
    assert "Traceback" not in run.output
    assert run.lines[-1].startswith("disk full: no space left to write ") and "MB free on its disk" in run.lines[-1]
