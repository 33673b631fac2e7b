"""When the loop runs: daily at a local time in a timezone, or every period. Pure: the clock comes in."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .config import Config, parse_every

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Timing:
    zone: tzinfo
    at: time = time(2, 0)
    every: timedelta | None = None

    @property
    def period(self) -> timedelta:
        return self.every or DAY

    def next_run(self, after: datetime) -> datetime:
        """The first run strictly after `after` (an aware datetime), compared as instants: wall-clock times of one
        zone compare without their offsets, which is wrong across a DST change."""
        instant = after.astimezone(timezone.utc)
        if self.every is not None:
            return instant + self.every  # real elapsed time, whatever the clocks do
        local = instant.astimezone(self.zone)
        for day in (local.date() - DAY, local.date(), local.date() + DAY, local.date() + 2 * DAY):
            # a time that does not exist that day (spring forward) resolves to the instant after the gap
            candidate = datetime.combine(day, self.at, tzinfo=self.zone).astimezone(timezone.utc)
            if candidate > instant:
                return candidate.astimezone(self.zone)
        raise AssertionError("unreachable: a daily time comes within two days")

    def due_at_start(self, last_success: datetime | None, now: datetime) -> bool:
        """At start, sync at once when the last successful sync is older than one period (or never was)."""
        return last_success is None or now - last_success >= self.period

    def describe(self) -> str:
        if self.every is not None:
            return f"every {_human(self.every)}"
        return f"daily at {self.at:%H:%M} ({getattr(self.zone, 'key', self.zone)})"


def _human(period: timedelta) -> str:
    seconds = int(period.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def timing_for(config: Config, zone: tzinfo, every: str | None = None, at: str | None = None) -> Timing:
    """The loop's timing from the config's `schedule`, with command-line overrides."""
    chosen_every = every if every is not None else (config.schedule.every if at is None else None)
    hours, minutes = (at or config.schedule.at).split(":")
    return Timing(zone=zone, at=time(int(hours), int(minutes)),
                  every=parse_every(chosen_every) if chosen_every else None)


def local_zone() -> tzinfo:
    """The machine's time zone by its IANA name (what cron and systemd understand), UTC when unknown."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        link = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def config_zone(config: Config) -> tzinfo:
    return ZoneInfo(config.timezone) if config.timezone else local_zone()
