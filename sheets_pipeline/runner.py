"""Running pipelines unattended: one guarded sync per pipeline (lock, status, log line), all of them in turn,
and the long-running loop. Clock and sleep are injected, so the schedule is tested without waiting."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from types import FrameType
from zoneinfo import ZoneInfo

from .backends import open_backend
from .config import Config, Pipeline, backend_for_target
from .errors import BackendError, PipelineError
from .lock import PipelineBusy, PipelineLock
from .logs import logger
from .status import StatusStore, state_dir, target_slug
from .sync import SyncResult, sync
from .text import shorten
from .timing import Timing

FAILURE_BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
EXIT_SOME_FAILED = 6


@dataclass
class PipelineOutcome:
    name: str
    ok: bool
    message: str
    exit_code: int = 0
    result: SyncResult | None = None
    duration: float = 0.0


def local_now(config: Config) -> datetime:
    zone = ZoneInfo(config.timezone) if config.timezone else None
    return datetime.now(zone).astimezone() if zone is None else datetime.now(zone)


def _counts(result: SyncResult) -> dict[str, int]:
    findings = result.checked.findings()
    return {
        "leads": len(result.checked.leads),
        "cells": len(result.plan.cells) if result.written else 0,
        "history": result.counts["history"] if result.written else 0,
        "flags": sum(1 for lead in result.checked.leads if lead.findings),
        "errors": sum(1 for f in findings if f.severity == "error"),
        "warnings": sum(1 for f in findings if f.severity == "warning"),
        "stale": result.counts["stale"],
        "attempts": result.attempts,
    }


def preflight(pipeline: Pipeline) -> None:
    """What can be checked before anything starts: Google credentials present and readable."""
    config = pipeline.config
    if (config.backend or backend_for_target(config.target)) == "gsheets":
        from .backends.google_auth import check_credentials

        check_credentials(config.google)


def lock_for(store: StatusStore, pipeline: Pipeline) -> PipelineLock:
    target = pipeline.config.target or ""
    return PipelineLock(store.directory.parent / "locks" / f"{target_slug(target)}.lock", pipeline.name)


def sync_pipeline(pipeline: Pipeline, store: StatusStore, *, today: date | None = None, dry_run: bool = False,
                  output: str | None = None, now: Callable[[Config], datetime] = local_now) -> PipelineOutcome:
    """Sync one pipeline under its lock, record the outcome in its status file and log one line of counts.
    A dry run takes no lock and records nothing."""
    config = pipeline.config
    target = config.target or ""
    started = time.monotonic()
    moment = now(config)
    day = today or moment.date()
    log = logger()
    if dry_run:
        try:
            result = sync(open_backend(target, config, output, read_only=True), config, day, dry_run=True,
                          now=moment.replace(tzinfo=None))
        except PipelineError as exc:
            return PipelineOutcome(pipeline.name, False, str(exc), exc.exit_code)
        return PipelineOutcome(pipeline.name, True, "dry run", 0, result)
    status = store.load(pipeline.name, target)
    status.pipeline, status.target, status.last_attempt = pipeline.name, target, moment.isoformat(timespec="seconds")
    try:
        preflight(pipeline)
        with lock_for(store, pipeline):
            result = sync(open_backend(target, config, output), config, day, now=moment.replace(tzinfo=None))
    except PipelineBusy as exc:  # someone else is syncing it: not a failure of this pipeline
        log.warning("%s: %s", pipeline.name, exc, extra={"pipeline": pipeline.name, "event": "busy"})
        return PipelineOutcome(pipeline.name, False, str(exc), exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - one pipeline's failure, whatever it is, must not stop the others
        if not isinstance(exc, PipelineError):
            exc = BackendError(f"{target}: unexpected {exc.__class__.__name__}: {shorten(str(exc), 200)}")
        duration = round(time.monotonic() - started, 3)
        status.result, status.message, status.counts = "failed", str(exc), {}
        store.save(status)
        log.error("%s: sync failed: %s", pipeline.name, exc,
                  extra={"pipeline": pipeline.name, "event": "sync_failed", "exit_code": exc.exit_code,
                         "duration_s": duration})
        return PipelineOutcome(pipeline.name, False, str(exc), exc.exit_code, duration=duration)
    duration = round(time.monotonic() - started, 3)
    counts = _counts(result)
    status.result, status.last_success = "ok", status.last_attempt
    status.message, status.counts = ("synced" if result.written else "already in sync"), counts
    store.save(status)
    log.info("%s: %s: %d leads, %d cells written, %d history rows, %d rows flagged, %.1f s", pipeline.name,
             status.message, counts["leads"], counts["cells"], counts["history"], counts["flags"], duration,
             extra={"pipeline": pipeline.name, "event": "synced", "duration_s": duration, **counts})
    return PipelineOutcome(pipeline.name, True, status.message, 0, result, duration)


def sync_all(pipelines: Sequence[Pipeline], store: StatusStore,
             progress: Callable[[int, int, str], None] | None = None) -> list[PipelineOutcome]:
    """Every pipeline in turn; one failing does not stop the others."""
    outcomes = []
    for i, pipeline in enumerate(pipelines, start=1):
        if progress is not None:
            progress(i, len(pipelines), pipeline.name)
        outcomes.append(sync_pipeline(pipeline, store))
    return outcomes


def store_for(config: Config) -> StatusStore:
    return StatusStore(state_dir(config))


@dataclass
class Loop:
    """The long-running loop. `clock` gives an aware now; `wait(seconds)` sleeps and returns True when asked to
    stop. A failed sync is retried after a short backoff (never later than the next regular run)."""

    pipelines: Sequence[Pipeline]
    timing: Timing
    run_one: Callable[[Pipeline], PipelineOutcome]
    last_success: Callable[[Pipeline], datetime | None]
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    wait: Callable[[float], bool] = lambda seconds: False
    stop_event: threading.Event = field(default_factory=threading.Event)
    due: dict[str, datetime] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)

    def start(self) -> None:
        now = self.clock()
        for pipeline in self.pipelines:
            catch_up = self.timing.due_at_start(self.last_success(pipeline), now)
            self.due[pipeline.name] = now if catch_up else self.timing.next_run(now)

    def tick(self) -> list[PipelineOutcome]:
        """Run what is due now; returns the outcomes."""
        outcomes = []
        for pipeline in self.pipelines:
            if self.stop_event.is_set():
                break
            now = self.clock()
            if self.due[pipeline.name] > now:
                continue
            try:
                outcome = self.run_one(pipeline)
            except Exception as exc:  # noqa: BLE001 - the loop outlives any one sync
                logger().error("%s: sync crashed: %s", pipeline.name, exc.__class__.__name__,
                               extra={"pipeline": pipeline.name, "event": "sync_crashed"})
                outcome = PipelineOutcome(pipeline.name, False, exc.__class__.__name__, 5)
            outcomes.append(outcome)
            after = self.clock()
            regular = self.timing.next_run(after)
            if outcome.ok:
                self.failures[pipeline.name] = 0
                self.due[pipeline.name] = regular
            else:
                n = self.failures.get(pipeline.name, 0)
                self.failures[pipeline.name] = n + 1
                retry = after + FAILURE_BACKOFF[min(n, len(FAILURE_BACKOFF) - 1)]
                self.due[pipeline.name] = min(retry, regular)
        return outcomes

    def run(self, max_ticks: int | None = None) -> int:
        self.start()
        ticks = 0
        while not self.stop_event.is_set():
            self.tick()
            ticks += 1
            if max_ticks is not None and ticks >= max_ticks:
                break
            if self.stop_event.is_set():
                break
            pause = (min(self.due.values()) - self.clock()).total_seconds() if self.due else 60.0
            if self.wait(max(pause, 0.0)):
                break
        return 0

    def request_stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        if signum is not None:
            logger().info("signal %d received: stopping after the current sync", signum)
        self.stop_event.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

