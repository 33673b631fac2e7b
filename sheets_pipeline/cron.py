"""Ready-to-paste schedules: a crontab line, and a systemd service + timer pair."""

from __future__ import annotations

import shlex
import sys
from datetime import timedelta
from pathlib import Path

from .errors import UsageError
from .timing import Timing

UNIT_NAME = "sheets-pipeline"


def executable() -> list[str]:
    """How to run this very installation: its console script, else this Python with -m."""
    script = Path(sys.executable).parent / "sheets-pipeline"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "sheets_pipeline"]


def command(config_path: Path | None, log_format: str = "text", log_file: Path | None = None) -> list[str]:
    args = executable()
    if config_path is not None:
        args += ["--config", str(config_path.resolve())]
    args += ["--log-format", log_format]
    if log_file is not None:
        args += ["--log-file", str(log_file.resolve())]
    return args + ["sync", "--all", "--quiet"]


def cron_schedule(timing: Timing) -> str:
    """The five crontab fields for `timing`."""
    if timing.every is None:
        return f"{timing.at.minute} {timing.at.hour} * * *"
    seconds = int(timing.every.total_seconds())
    if seconds % 60:
        raise UsageError(f"every {seconds}s cannot be written as a crontab line (cron counts in minutes); use "
                         "minutes, hours or days, the systemd timer or `sheets-pipeline run`")
    minutes = seconds // 60
    if minutes < 60 and 60 % minutes == 0:
        return f"*/{minutes} * * * *" if minutes > 1 else "* * * * *"
    if minutes % 60 == 0 and minutes < 1440 and 24 % (minutes // 60) == 0:
        return f"0 */{minutes // 60} * * *" if minutes > 60 else "0 * * * *"
    if minutes == 1440:
        return "0 0 * * *"
    raise UsageError(f"every {minutes} minutes cannot be written as a crontab line; use the systemd timer or "
                     "`sheets-pipeline run`")


def crontab(timing: Timing, config_path: Path | None, log_file: Path) -> str:
    zone = getattr(timing.zone, "key", str(timing.zone))
    line = f"{cron_schedule(timing)} {shlex.join(command(config_path, 'json', log_file))}"
    return "\n".join([
        f"# sheets-pipeline: sync every pipeline {timing.describe()}; logs in {log_file.resolve()}",
        "# Add with `crontab -e`. Cron reads the time in the machine's zone; cronie also honours CRON_TZ.",
        f"CRON_TZ={zone}",
        line,
    ]) + "\n"


def _systemd_period(period: timedelta) -> str:
    seconds = int(period.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def systemd_units(timing: Timing, config_path: Path | None, working_dir: Path) -> tuple[str, str]:
    """A oneshot service that syncs every pipeline (logs to the journal) and the timer that starts it."""
    zone = getattr(timing.zone, "key", str(timing.zone))
    service = "\n".join([
        "[Unit]",
        "Description=sheets-pipeline: sync the sales pipelines",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        f"WorkingDirectory={working_dir.resolve()}",
        f"ExecStart={shlex.join(command(config_path, 'json'))}",
        "# Logs go to the journal: journalctl -u sheets-pipeline",
        "",
    ])
    when = (["OnBootSec=2min", f"OnUnitActiveSec={_systemd_period(timing.every)}"] if timing.every
            else [f"OnCalendar=*-*-* {timing.at:%H:%M}:00 {zone}", "Persistent=true"])
    timer = "\n".join([
        "[Unit]",
        f"Description=Run sheets-pipeline {timing.describe()}",
        "",
        "[Timer]",
        *when,
        f"Unit={UNIT_NAME}.service",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ])
    return service, timer
