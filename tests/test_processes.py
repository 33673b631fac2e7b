"""Real processes: SIGTERM and SIGINT let the running sync finish and the loop exit 0; the lock keeps two processes
from syncing the same pipeline at once, and a lock left by a process killed with -9 is taken over.

Every process gets XDG_STATE_HOME in the test's folder, runs in that folder, and is waited for with a timeout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from sheets_pipeline.backends.xlsx import XlsxBackend
from sheets_pipeline.config import Config
from sheets_pipeline.new_sheet import new_spreadsheet
from sheets_pipeline.status import target_slug

TODAY = date(2026, 12, 4)
BIG_LEADS = 5000  # the sync of this many leads lasts about 2 s here: long enough to signal the process during it
TIMEOUT = 60  # seconds; no process should come near it


@pytest.fixture(scope="module")
def big_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.xlsx"
    XlsxBackend(path).create(new_spreadsheet(Config(), TODAY))
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    for i in range(BIG_LEADS):
        ws.append([None, f"Company {i}", f"Contact {i}", None, "Referral", "Ann", "New"])
    wb.save(path)
    return path


@pytest.fixture
def processes():
    """Every process a test starts; any still running at the end is killed (by its own pid)."""
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=TIMEOUT)


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    environment = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONUNBUFFERED": "1"}
    for name in ("SHEETS_PIPELINE_CONFIG", "GOOGLE_APPLICATION_CREDENTIALS"):
        environment.pop(name, None)
    return environment


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "sheets_pipeline", *args]


def start(processes, tmp_path, env, *args: str) -> subprocess.Popen:
    proc = subprocess.Popen(command(*args), cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    processes.append(proc)
    return proc


def run_cli(tmp_path, env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT,
                          check=False)


def state(tmp_path: Path) -> Path:
    return tmp_path / "state" / "sheets-pipeline"


def lock_file(tmp_path: Path, workbook: str) -> Path:
    return state(tmp_path) / "locks" / f"{target_slug(str(tmp_path / workbook))}.lock"


def status(tmp_path: Path, workbook: str) -> dict | None:
    path = state(tmp_path) / "status" / f"{target_slug(str(tmp_path / workbook))}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def wait_for(condition, what: str, proc: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate(timeout=TIMEOUT)
            pytest.fail(f"the process ended (exit {proc.returncode}) before {what}:\n{out}\n{err}")
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


def holds_lock(tmp_path: Path, workbook: str, pid: int):
    path = lock_file(tmp_path, workbook)
    return lambda: path.exists() and path.read_text().strip() == str(pid)


def first_and_last_ids(path: Path) -> tuple[object, object, int]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["Pipeline"].iter_rows(min_row=2, max_col=1, values_only=True))
    wb.close()
    return rows[0][0], rows[-1][0], len(rows)


def copy_big(big_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "big.xlsx"
    target.write_bytes(big_template.read_bytes())
    return target


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_lets_the_running_sync_finish_then_the_loop_exits_0(big_template, tmp_path, env, processes, sig):
    workbook = copy_big(big_template, tmp_path)
    proc = start(processes, tmp_path, env, "--log-file", "loop.log", "-v", "run", "--every", "1h", "big.xlsx")
    # never synced: the loop syncs at once; the lock file names the process while its sync runs
    wait_for(holds_lock(tmp_path, "big.xlsx", proc.pid), "the sync to start", proc)
    assert status(tmp_path, "big.xlsx") is None, "the sync was already over: make the workbook bigger"
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "interrupted" not in err

    # the sync completed: status ok, every lead has its ID
    recorded = status(tmp_path, "big.xlsx")
    assert recorded is not None and recorded["result"] == "ok", recorded
    assert recorded["counts"]["leads"] == BIG_LEADS
    assert first_and_last_ids(workbook) == ("L-0001", f"L-{BIG_LEADS:04d}", BIG_LEADS)
    assert lock_file(tmp_path, "big.xlsx").read_text().strip() == ""  # released

    # the signal arrived during the sync, which went on to the end; then the loop stopped
    log = (tmp_path / "loop.log").read_text(encoding="utf-8").splitlines()
    received = next(i for i, line in enumerate(log) if f"signal {int(sig)} received" in line)
    synced = next(i for i, line in enumerate(log) if f"synced: {BIG_LEADS} leads" in line)
    stopped = next(i for i, line in enumerate(log) if line.endswith(" stopped"))
    assert received < synced < stopped, log


def test_sigterm_while_waiting_for_the_next_run_exits_0(tmp_path, env, processes):
    XlsxBackend(tmp_path / "p.xlsx").create(new_spreadsheet(Config(), TODAY, sample=True))
    proc = start(processes, tmp_path, env, "--log-format", "json", "run", "--every", "1h", "p.xlsx")
    wait_for(lambda: (status(tmp_path, "p.xlsx") or {}).get("result") == "ok", "the first sync", proc)
    time.sleep(0.3)  # now waiting for the next run, an hour away
    assert proc.poll() is None, "the loop ended by itself"
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    assert time.monotonic() - started < 10
    events = [json.loads(line).get("event") for line in err.splitlines() if line.startswith("{")]
    assert events[0] == "loop_started" and "synced" in events and events[-1] == "loop_stopped", err


def test_a_sync_while_the_loop_syncs_the_same_pipeline_is_refused(big_template, tmp_path, env, processes):
    """Two runs never overlap on the same pipeline: not a loop and a cron job."""
    copy_big(big_template, tmp_path)
    loop = start(processes, tmp_path, env, "run", "--every", "1h", "big.xlsx")
    wait_for(holds_lock(tmp_path, "big.xlsx", loop.pid), "the loop's sync to start", loop)
    other = run_cli(tmp_path, env, "sync", str(tmp_path / "big.xlsx"))  # the same target, named another way
    assert other.returncode == 4, other.stderr
    lines = other.stderr.strip().splitlines()
    assert len(lines) == 1, other.stderr
    assert f"another sync of this pipeline is running (pid {loop.pid})" in lines[0]
    assert loop.poll() is None
    loop.send_signal(signal.SIGTERM)
    loop.communicate(timeout=TIMEOUT)
    assert loop.returncode == 0
    assert status(tmp_path, "big.xlsx")["result"] == "ok"


HOLDER = """
import sys, time
from sheets_pipeline.config import Config, Pipeline
from sheets_pipeline.runner import lock_for, store_for

config = Config(target=sys.argv[1])
lock = lock_for(store_for(config), Pipeline(sys.argv[1], config))
lock.acquire()
print("held", flush=True)
time.sleep(120)
"""


def test_the_lock_across_processes_and_a_stale_lock_from_a_killed_process(tmp_path, env, processes):
    XlsxBackend(tmp_path / "p.xlsx").create(new_spreadsheet(Config(), TODAY, sample=True))
    before = (tmp_path / "p.xlsx").read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, "p.xlsx"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    processes.append(holder)
    wait_for(holds_lock(tmp_path, "p.xlsx", holder.pid), "the helper to hold the lock", holder)

    busy = run_cli(tmp_path, env, "sync", "p.xlsx")
    assert busy.returncode == 4, busy.stderr
    assert busy.stdout == ""
    assert busy.stderr.strip().splitlines() == [
        f"error: p.xlsx: another sync of this pipeline is running (pid {holder.pid}); nothing was done"]
    assert (tmp_path / "p.xlsx").read_bytes() == before

    # kill -9: no chance to clean up; the lock file stays, still naming the dead process
    holder.kill()
    holder.wait(timeout=TIMEOUT)
    assert lock_file(tmp_path, "p.xlsx").read_text().strip() == str(holder.pid)

    taken_over = run_cli(tmp_path, env, "sync", "p.xlsx", "--today", "2026-12-04")
    assert taken_over.returncode == 0, taken_over.stderr
    assert taken_over.stdout.startswith("p.xlsx: 50 leads; wrote ")
    assert first_and_last_ids(tmp_path / "p.xlsx")[0] == "L-0001"
    assert status(tmp_path, "p.xlsx")["result"] == "ok"
