"""When the loop runs: daily at a local time in a timezone, or every period. Pure: the clock comes in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

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
        """The first run strictly after `after` (an aware datetime)."""
        if self.every is not None:
            return after + self.every
        local = after.astimezone(self.zone)
        candidate = datetime.combine(local.date(), self.at, tzinfo=self.zone)
        if candidate <= local:
            candidate = datetime.combine(local.date() + DAY, self.at, tzinfo=self.zone)
        return candidate

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
