"""Running pipelines unattended: the long-running loop on an injected clock (nothing here sleeps for real), one
guarded sync per pipeline (status file, lock, one log line of counts), and all pipelines in turn."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from sheets_pipeline.backends.xlsx import XlsxBackend
from sheets_pipeline.config import Config, Pipeline
from sheets_pipeline.lock import PipelineBusy, PipelineLock
from sheets_pipeline.logs import LOGGER_NAME, setup_logging
from sheets_pipeline.new_sheet import new_spreadsheet
from sheets_pipeline.runner import Loop, PipelineOutcome, lock_for, sync_all, sync_pipeline
from sheets_pipeline.status import StatusStore, target_slug
from sheets_pipeline.timing import Timing

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 12, 4)
SENTINEL = "SECRET-LEAD-NAME"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- the loop on an injected clock ------------------------------------------------------------------------------------

class FakeClock:
    """`clock()` is the fake now (UTC); `wait(seconds)` moves it forward instead of sleeping, and asks the loop to
    stop once `until` is reached."""

    def __init__(self, start: datetime, until: datetime) -> None:
        self.now = start
        self.until = until
        self.waits: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def wait(self, seconds: float) -> bool:
        assert seconds >= 0, seconds
        self.waits.append(seconds)
        assert len(self.waits) < 5000, "the loop spins without progress"
        self.advance(seconds)
        return self.now >= self.until


class FakeSyncs:
    """A stand-in for sync_pipeline: records when each pipeline ran, takes `duration` seconds of fake time, and
    answers from a script of results per pipeline (True ok, False failed, an exception to raise); ok by default."""

    def __init__(self, clock: FakeClock, script: dict[str, list[object]] | None = None, duration: float = 30,
                 during: dict[str, object] | None = None) -> None:
        self.clock = clock
        self.script = {name: list(results) for name, results in (script or {}).items()}
        self.duration = duration
        self.during = during or {}
        self.calls: list[tuple[str, datetime]] = []

    def __call__(self, pipeline: Pipeline) -> PipelineOutcome:
        self.calls.append((pipeline.name, self.clock.now))
        action = self.during.get(pipeline.name)
        if callable(action):
            action()
        self.clock.advance(self.duration)
        results = self.script.get(pipeline.name)
        result = results.pop(0) if results else True
        if isinstance(result, BaseException):
            raise result
        return PipelineOutcome(pipeline.name, bool(result), "synced" if result else "the target is unreachable",
                               0 if result else 5)

    def times(self, name: str) -> list[datetime]:
        return [moment for who, moment in self.calls if who == name]


def pipelines(*names: str) -> list[Pipeline]:
    return [Pipeline(name, Config(target=f"{name}.xlsx")) for name in names]


def make_loop(names, timing, clock, syncs, last_success=None) -> Loop:
    last = last_success or {}
    return Loop(pipelines(*names), timing, run_one=syncs, last_success=lambda p: last.get(p.name),
                clock=clock, wait=clock.wait)


DAILY = Timing(zone=PARIS)  # 02:00 Paris: 01:00 UTC in winter
START = utc(2026, 12, 4, 10, 0)  # 11:00 in Paris


@pytest.fixture(autouse=True)
def _no_real_sleep(request, monkeypatch):
    """The loop's tests run on the fake clock only (the sync tests below use real workbooks and may retry)."""
    import time

    if "store" in request.fixturenames:
        return

    def refuse(seconds):
        raise AssertionError(f"a test slept for real ({seconds} s)")

    monkeypatch.setattr(time, "sleep", refuse)


@pytest.mark.parametrize("last", [None, START - timedelta(hours=25), START - timedelta(days=9)],
                         ids=["never", "25h-ago", "9-days-ago"])
def test_catch_up_at_start_when_the_last_success_is_older_than_a_period(last):
    clock = FakeClock(START, until=utc(2026, 12, 6, 12, 0))
    syncs = FakeSyncs(clock)
    loop = make_loop(["team"], DAILY, clock, syncs, {"team": last})
    assert loop.run() == 0
    # at once, then daily at 02:00 Paris (01:00 UTC)
    assert syncs.times("team") == [START, utc(2026, 12, 5, 1, 0), utc(2026, 12, 6, 1, 0)]


@pytest.mark.parametrize("age", [timedelta(hours=2), timedelta(hours=23)], ids=["2h-ago", "23h-ago"])
def test_no_catch_up_when_the_last_success_is_fresh(age):
    clock = FakeClock(START, until=utc(2026, 12, 6, 12, 0))
    syncs = FakeSyncs(clock)
    loop = make_loop(["team"], DAILY, clock, syncs, {"team": START - age})
    loop.run()
    assert syncs.times("team") == [utc(2026, 12, 5, 1, 0), utc(2026, 12, 6, 1, 0)]
    # the loop waited for the run instead of polling: first pause from 10:00 to 01:00 UTC
    assert clock.waits[0] == pytest.approx(timedelta(hours=15).total_seconds())


def test_catch_up_is_decided_per_pipeline():
    clock = FakeClock(START, until=utc(2026, 12, 5, 12, 0))
    syncs = FakeSyncs(clock)
    loop = make_loop(["stale", "fresh"], DAILY, clock, syncs,
                     {"stale": START - timedelta(days=2), "fresh": START - timedelta(hours=1)})
    loop.run()
    assert syncs.times("stale") == [START, utc(2026, 12, 5, 1, 0)]
    assert syncs.times("fresh") == [utc(2026, 12, 5, 1, 0, 30)]  # right after `stale`'s 30-second sync


def test_every_15_minutes_catch_up_and_cadence():
    timing = Timing(zone=PARIS, every=timedelta(minutes=15))
    clock = FakeClock(START, until=START + timedelta(hours=1))
    syncs = FakeSyncs(clock, duration=20)
    make_loop(["team"], timing, clock, syncs, {"team": START - timedelta(minutes=20)}).run()
    times = syncs.times("team")
    assert times[0] == START
    assert len(times) >= 4
    assert all(timedelta(minutes=15) <= b - a <= timedelta(minutes=15, seconds=20) for a, b in pairwise(times))


def test_every_15_minutes_no_catch_up_when_fresh():
    timing = Timing(zone=PARIS, every=timedelta(minutes=15))
    clock = FakeClock(START, until=START + timedelta(minutes=40))
    syncs = FakeSyncs(clock)
    make_loop(["team"], timing, clock, syncs, {"team": START - timedelta(minutes=5)}).run()
    times = syncs.times("team")
    assert times and START < times[0] <= START + timedelta(minutes=15)


def test_a_failing_sync_is_retried_after_a_short_backoff_then_the_daily_schedule_resumes():
    clock = FakeClock(START, until=utc(2026, 12, 6, 12, 0))
    syncs = FakeSyncs(clock, {"team": [False, True]}, duration=30)
    loop = make_loop(["team"], DAILY, clock, syncs, {"team": None})
    assert loop.run() == 0
    times = syncs.times("team")
    # failed at 10:00 (ends 10:00:30), retried a minute later, not at tomorrow's 02:00
    assert times[0] == START
    assert START < times[1] <= START + timedelta(minutes=6)
    assert times[1] == START + timedelta(seconds=30) + timedelta(minutes=1)
    # once it worked, back to the daily run
    assert times[2:] == [utc(2026, 12, 5, 1, 0), utc(2026, 12, 6, 1, 0)]


def test_repeated_failures_back_off_but_keep_retrying():
    clock = FakeClock(START, until=utc(2026, 12, 5, 12, 0))
    syncs = FakeSyncs(clock, {"team": [False] * 7 + [True]}, duration=30)
    make_loop(["team"], DAILY, clock, syncs).run()
    times = syncs.times("team")
    assert len(times) == 8 + 1  # 7 failures, the success, then tomorrow's run
    gaps = [b - a for a, b in pairwise(times[:8])]
    assert gaps[0] <= timedelta(minutes=2)
    assert all(a <= b for a, b in pairwise(gaps)), gaps  # backs off...
    assert max(gaps) <= timedelta(hours=1, seconds=30), gaps  # ...but stays short
    assert times[-1] == utc(2026, 12, 5, 1, 0)


def test_a_retry_never_comes_later_than_the_next_regular_run():
    timing = Timing(zone=PARIS, every=timedelta(minutes=15))
    clock = FakeClock(START, until=START + timedelta(hours=3))
    syncs = FakeSyncs(clock, {"team": [False] * 100}, duration=10)
    make_loop(["team"], timing, clock, syncs).run()
    times = syncs.times("team")
    assert len(times) >= 12
    assert all(b - a <= timedelta(minutes=15, seconds=10) for a, b in pairwise(times))


def test_one_failing_pipeline_does_not_stop_the_others():
    clock = FakeClock(START, until=utc(2026, 12, 5, 12, 0))
    syncs = FakeSyncs(clock, {"b": [False] * 1000}, duration=30)
    loop = make_loop(["a", "b", "c"], DAILY, clock, syncs)
    assert loop.run() == 0
    # all three at start, in order, although b failed
    assert [name for name, _ in syncs.calls[:3]] == ["a", "b", "c"]
    # a and c keep their daily run; b is retried meanwhile
    assert syncs.times("a") == [START, utc(2026, 12, 5, 1, 0)]
    c = syncs.times("c")
    assert len(c) == 2 and c[0] == START + timedelta(minutes=1)
    assert utc(2026, 12, 5, 1, 0) < c[1] <= utc(2026, 12, 5, 1, 5)  # right after a (and b's retry), in turn
    b = syncs.times("b")
    assert len(b) > 5
    assert b[1] < START + timedelta(minutes=10)


def test_an_unexpected_error_in_one_sync_does_not_end_the_loop():
    """A failed sync is logged and retried at the next tick (with a short backoff), never ends the loop."""
    clock = FakeClock(START, until=utc(2026, 12, 5, 12, 0))
    syncs = FakeSyncs(clock, {"b": [OSError(28, "No space left on device"), True]}, duration=30)
    loop = make_loop(["a", "b", "c"], DAILY, clock, syncs)
    assert loop.run() == 0
    assert syncs.times("c")[0] == START + timedelta(minutes=1)
    assert len(syncs.times("b")) >= 2 and syncs.times("b")[1] < utc(2026, 12, 5, 1, 0)


def test_daily_loop_across_both_dst_changes():
    for start, expected in (
        (utc(2026, 3, 27, 12, 0), [utc(2026, 3, 28, 1, 0), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 0),
                                   utc(2026, 3, 31, 0, 0)]),
        (utc(2026, 10, 23, 12, 0), [utc(2026, 10, 24, 0, 0), utc(2026, 10, 25, 0, 0), utc(2026, 10, 26, 1, 0),
                                    utc(2026, 10, 27, 1, 0)]),
    ):
        clock = FakeClock(start, until=start + timedelta(days=4))
        syncs = FakeSyncs(clock, duration=5)
        make_loop(["team"], DAILY, clock, syncs, {"team": start - timedelta(hours=3)}).run()
        assert syncs.times("team") == expected


def test_stop_during_a_sync_ends_the_loop_after_that_sync():
    clock = FakeClock(START, until=utc(2026, 12, 9))
    loop: Loop
    finished: list[str] = []

    class Syncs(FakeSyncs):
        def __call__(self, pipeline):
            outcome = super().__call__(pipeline)
            finished.append(pipeline.name)
            return outcome

    syncs = Syncs(clock, during={"a": lambda: loop.request_stop(signal.SIGTERM, None)})
    loop = make_loop(["a", "b"], DAILY, clock, syncs)
    assert loop.run() == 0
    assert finished == ["a"]  # the running sync finished; b was not started
    assert clock.waits == []  # and the loop did not go back to waiting
    assert loop.stop_event.is_set()


def test_stop_while_waiting_ends_the_loop():
    clock = FakeClock(START, until=START)  # the first wait is interrupted
    syncs = FakeSyncs(clock)
    loop = make_loop(["team"], DAILY, clock, syncs)
    assert loop.run() == 0
    assert len(syncs.calls) == 1 and len(clock.waits) == 1


def test_stop_before_start_runs_nothing():
    clock = FakeClock(START, until=utc(2026, 12, 9))
    syncs = FakeSyncs(clock)
    loop = make_loop(["team"], DAILY, clock, syncs)
    loop.stop_event.set()
    assert loop.run() == 0
    assert syncs.calls == []


def test_signal_handlers_request_a_stop():
    clock = FakeClock(START, until=utc(2026, 12, 9))
    loop = make_loop(["team"], DAILY, clock, FakeSyncs(clock))
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        loop.install_signal_handlers()
        os.kill(os.getpid(), signal.SIGTERM)  # delivered to the handler, which only sets the event
        assert loop.stop_event.is_set()
        loop.stop_event.clear()
        os.kill(os.getpid(), signal.SIGINT)  # no KeyboardInterrupt in the middle of a sync
        assert loop.stop_event.is_set()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --- sync_pipeline and sync_all on real workbooks ---------------------------------------------------------------------

HEADERS = ["ID", "Lead", "Contact", "Email", "Source", "Owner", "Stage", "Outcome", "Loss reason", "Value", "Created",
           "First contact", "Last contact", "Follow-ups", "Last reply", "Closed", "Next follow-up", "Flags", "Notes"]


def make_workbook(path: Path, rows: list[dict[str, object]] = ()) -> Path:
    XlsxBackend(path).create(new_spreadsheet(Config(), TODAY))
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    assert [c.value for c in ws[1]] == HEADERS
    for row in rows:
        ws.append([row.get(h) for h in HEADERS])
    wb.save(path)
    return path


ROWS = [
    {"Lead": "Acme", "Contact": "Ann Lee", "Source": "Referral", "Owner": "Ann", "Stage": "New"},
    {"Lead": "Bolt", "Source": "Referral", "Owner": "Ann", "Stage": "Contactd"},  # a typo: flagged
    {"Lead": SENTINEL, "Contact": f"{SENTINEL} contact", "Email": "secret-lead-name@example.com",
     "Source": "Referral", "Owner": "Ann", "Stage": f"{SENTINEL}-STAGE", "Notes": f"{SENTINEL} notes"},
]
MOMENT = datetime(2026, 12, 4, 16, 30, tzinfo=PARIS)


def column(path: Path, header: str) -> list[object]:
    ws = openpyxl.load_workbook(path)["Pipeline"]
    index = HEADERS.index(header)
    return [row[index] for row in ws.iter_rows(min_row=2, values_only=True)]


def status_json(store: StatusStore, target: str) -> dict:
    path = store.directory / f"{target_slug(target)}.json"
    assert path.is_file(), f"no status file at {path}"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def store(tmp_path) -> StatusStore:
    return StatusStore(tmp_path / "state")


@pytest.fixture
def capture_log():
    """Route the package's log to a string in the format asked; restore the logger afterwards."""
    log = logging.getLogger(LOGGER_NAME)
    saved = (list(log.handlers), log.level, log.propagate)

    def capture(fmt: str) -> io.StringIO:
        buffer = io.StringIO()
        setup_logging(fmt, stream=buffer)
        return buffer

    yield capture
    for handler in list(log.handlers):
        log.removeHandler(handler)
    for handler in saved[0]:
        log.addHandler(handler)
    log.setLevel(saved[1])
    log.propagate = saved[2]


def at(moment: datetime):
    return lambda config: moment


def test_sync_pipeline_writes_an_ok_status_file(tmp_path, store):
    path = make_workbook(tmp_path / "team.xlsx", ROWS)
    pipeline = Pipeline("team", Config(target=str(path)))
    outcome = sync_pipeline(pipeline, store, today=TODAY, now=at(MOMENT))
    assert outcome.ok and outcome.exit_code == 0 and outcome.name == "team"
    assert column(path, "ID") == ["L-0001", "L-0002", "L-0003"]
    status = status_json(store, str(path))
    assert status["pipeline"] == "team"
    assert status["target"] == str(path)
    assert status["result"] == "ok"
    assert datetime.fromisoformat(status["last_success"]) == MOMENT
    assert datetime.fromisoformat(status["last_attempt"]) == MOMENT
    counts = status["counts"]
    assert counts["leads"] == 3
    assert counts["cells"] > 0
    assert counts["flags"] >= 2  # the typo and the unknown stage
    assert counts["errors"] >= 2
    # what doctor and the loop's catch-up read back
    assert store.load("team", str(path)).last_success_time() == MOMENT

    # a second sync: nothing to write, still a success
    later = MOMENT + timedelta(hours=1)
    assert sync_pipeline(pipeline, store, today=TODAY, now=at(later)).ok
    status = status_json(store, str(path))
    assert status["result"] == "ok"
    assert status["counts"]["cells"] == 0
    assert datetime.fromisoformat(status["last_success"]) == later


def test_sync_pipeline_records_a_failure_and_keeps_the_last_success(tmp_path, store):
    path = make_workbook(tmp_path / "team.xlsx", ROWS[:1])
    pipeline = Pipeline("team", Config(target=str(path)))
    assert sync_pipeline(pipeline, store, today=TODAY, now=at(MOMENT)).ok
    wb = openpyxl.load_workbook(path)
    wb["Pipeline"].append(["", "Dyna", None, None, "Referral", "Ann", "New"])  # something to write
    wb.save(path)
    (tmp_path / ".~lock.team.xlsx#").write_text("someone,host,01.12.2026 10:00;")  # open in LibreOffice
    later = MOMENT + timedelta(days=1)
    outcome = sync_pipeline(pipeline, store, today=TODAY, now=at(later))
    assert not outcome.ok
    assert outcome.exit_code == 4
    assert "open in another program" in outcome.message
    status = status_json(store, str(path))
    assert status["result"] == "failed"
    assert "open in another program" in status["message"]
    assert datetime.fromisoformat(status["last_attempt"]) == later
    assert datetime.fromisoformat(status["last_success"]) == MOMENT  # the last good one is kept
    assert status["counts"] == {}


def test_sync_pipeline_refuses_while_another_holds_the_lock(tmp_path, store):
    path = make_workbook(tmp_path / "team.xlsx", ROWS[:1])
    pipeline = Pipeline("team", Config(target=str(path)))
    before = path.read_bytes()
    with lock_for(store, Pipeline("other name, same target", Config(target=str(path)))):
        outcome = sync_pipeline(pipeline, store, today=TODAY, now=at(MOMENT))
    assert not outcome.ok and outcome.exit_code == 4
    assert f"another sync of this pipeline is running (pid {os.getpid()})" in outcome.message
    assert path.read_bytes() == before
    assert sync_pipeline(pipeline, store, today=TODAY, now=at(MOMENT)).ok  # released: the next one runs


def test_the_lock_is_per_target(tmp_path, store):
    one = Pipeline("one", Config(target=str(tmp_path / "one.xlsx")))
    two = Pipeline("two", Config(target=str(tmp_path / "two.xlsx")))
    same = Pipeline("again", Config(target=str(tmp_path / "sub" / ".." / "one.xlsx")))
    assert lock_for(store, one).path != lock_for(store, two).path
    assert lock_for(store, one).path == lock_for(store, same).path
    with lock_for(store, one), lock_for(store, two):
        pass
    with lock_for(store, one), pytest.raises(PipelineBusy, match="another sync of this pipeline is running"):
        PipelineLock(lock_for(store, same).path, "again").acquire()


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_log_says_what_was_done_in_counts_never_cell_contents(tmp_path, store, capture_log, fmt):
    path = make_workbook(tmp_path / "team.xlsx", ROWS)
    buffer = capture_log(fmt)
    outcome = sync_pipeline(Pipeline("team", Config(target=str(path))), store, today=TODAY, now=at(MOMENT))
    assert outcome.ok
    # the sentinel went through the sync: its unknown stage is flagged in the sheet
    assert any(f"{SENTINEL}-STAGE" in str(flag) for flag in column(path, "Flags") if flag)
    text = buffer.getvalue()
    assert text.strip(), "nothing was logged"
    assert SENTINEL.lower() not in text.lower()
    assert "Acme" not in text and "Ann Lee" not in text and "Contactd" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1
    counts = status_json(store, str(path))["counts"]
    if fmt == "json":
        record = json.loads(lines[0])
        assert record["level"] == "info"
        assert record["pipeline"] == "team"
        assert record["event"] == "synced"
        assert record["leads"] == 3
        assert record["cells"] == counts["cells"] > 0
        assert record["flags"] == counts["flags"]
        assert isinstance(record["duration_s"], (int, float))
        datetime.fromisoformat(record["time"])
    else:
        line = lines[0]
        assert " INFO " in line
        assert "team" in line
        assert "3 leads" in line
        assert f"{counts['cells']} cells written" in line
        assert f"{counts['flags']} rows flagged" in line


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_failed_sync_logs_one_error_line_without_contents_or_credentials(tmp_path, store, capture_log, fmt,
                                                                           monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    path = make_workbook(tmp_path / "team.xlsx", ROWS)
    wb = openpyxl.load_workbook(path)
    wb["Pipeline"].delete_cols(HEADERS.index("Stage") + 1)  # unreadable as a pipeline now
    wb.save(path)
    secret = "-----BEGIN PRIVATE KEY-----SECRET-KEY-MATERIAL-----END PRIVATE KEY-----"
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({"type": "service_account", "private_key": secret, "client_email": "w@x.iam",
                                 "private_key_id": "SECRET-KEY-ID", "token_uri": "https://oauth2.example/token"}))
    creds.chmod(0o600)
    google = Config(target="https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg/edit",
                    google={"credentials": str(creds)})
    buffer = capture_log(fmt)
    outcomes = sync_all([Pipeline("team", Config(target=str(path))), Pipeline("cloud", google)], store)
    assert [o.ok for o in outcomes] == [False, False]
    text = buffer.getvalue()
    lines = text.strip().splitlines()
    assert len(lines) == 2, text
    assert SENTINEL.lower() not in text.lower()
    assert "SECRET-KEY" not in text and "PRIVATE KEY" not in text
    if fmt == "json":
        records = [json.loads(line) for line in lines]
        assert [(r["level"], r["pipeline"], r["event"]) for r in records] == [
            ("error", "team", "sync_failed"), ("error", "cloud", "sync_failed")]
        assert records[0]["exit_code"] == 3
    else:
        assert " ERROR team: sync failed: " in lines[0]
        assert " ERROR cloud: sync failed: " in lines[1]


def test_sync_all_gives_one_result_per_pipeline_and_goes_on_after_a_failure(tmp_path, store):
    a = make_workbook(tmp_path / "a.xlsx", ROWS[:1])
    c = make_workbook(tmp_path / "c.xlsx", ROWS[:2])
    missing = tmp_path / "b.xlsx"
    seen: list[tuple[int, int, str]] = []
    outcomes = sync_all([Pipeline("a", Config(target=str(a))), Pipeline("b", Config(target=str(missing))),
                         Pipeline("c", Config(target=str(c)))], store, progress=lambda *args: seen.append(args))
    assert [(o.name, o.ok, o.exit_code) for o in outcomes] == [("a", True, 0), ("b", False, 3), ("c", True, 0)]
    assert "no such file" in outcomes[1].message
    assert seen == [(1, 3, "a"), (2, 3, "b"), (3, 3, "c")]
    assert column(a, "ID") == ["L-0001"]
    assert column(c, "ID") == ["L-0001", "L-0002"]
    assert not missing.exists()
    assert status_json(store, str(a))["result"] == "ok"
    assert status_json(store, str(missing))["result"] == "failed"
    assert status_json(store, str(c))["result"] == "ok"


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_sync_that_cannot_reach_google_is_a_failed_outcome_and_the_others_go_on(tmp_path, store, monkeypatch):
    """The network is down at 02:00: getting the access token fails. That is one failed pipeline (exit 5, storage or
    network failure), recorded in its status file; the other pipelines are synced all the same."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    creds = tmp_path / "service-account.json"
    creds.write_text(json.dumps({
        "type": "service_account", "project_id": "p", "private_key_id": "k", "private_key": pem,
        "client_email": "worker@p.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": f"http://127.0.0.1:{_closed_port()}/token",  # nothing listens there: as if offline
    }))
    creds.chmod(0o600)
    url = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg/edit"
    cloud = Pipeline("cloud", Config(target=url, google={"credentials": str(creds)}))
    local_path = make_workbook(tmp_path / "local.xlsx", ROWS[:1])
    outcomes = sync_all([cloud, Pipeline("local", Config(target=str(local_path)))], store)
    assert [(o.name, o.ok) for o in outcomes] == [("cloud", False), ("local", True)]
    assert outcomes[0].exit_code == 5
    assert "\n" not in outcomes[0].message and "BEGIN PRIVATE KEY" not in outcomes[0].message
    assert status_json(store, url)["result"] == "failed"
    assert column(local_path, "ID") == ["L-0001"]
