"""The local record of each pipeline's last sync, read by `doctor` and by the loop's catch-up at start."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .config import Config

STATE_ENV = "XDG_STATE_HOME"


def state_dir(config: Config) -> Path:
    if config.state_dir:
        return Path(config.state_dir).expanduser()
    base = os.environ.get(STATE_ENV) or str(Path.home() / ".local" / "state")
    return Path(base) / "sheets-pipeline"


def target_slug(target: str) -> str:
    """A file name for a pipeline's target: readable start, hash of the full (absolute) identity."""
    identity = target if target.startswith("https://") else str(Path(target).expanduser().resolve())
    readable = re.sub(r"[^A-Za-z0-9]+", "-", Path(identity).name if "://" not in identity else "google")[:40]
    return f"{readable.strip('-') or 'pipeline'}-{hashlib.sha256(identity.encode()).hexdigest()[:10]}"


@dataclass
class Status:
    pipeline: str
    target: str
    last_attempt: str | None = None  # ISO datetimes, aware
    last_success: str | None = None
    result: str = "never"  # ok, failed or never
    message: str = ""
    counts: dict[str, Any] = field(default_factory=dict)

    def last_success_time(self) -> datetime | None:
        return datetime.fromisoformat(self.last_success) if self.last_success else None


class StatusStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory / "status"

    def _path(self, target: str) -> Path:
        return self.directory / f"{target_slug(target)}.json"

    def load(self, name: str, target: str) -> Status:
        try:
            data = json.loads(self._path(target).read_text(encoding="utf-8"))
            return Status(**{k: v for k, v in data.items() if k in Status.__dataclass_fields__})
        except (OSError, ValueError, TypeError):
            return Status(pipeline=name, target=target)

    def save(self, status: Status) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(status.target)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".status.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(status), handle, indent=2)
        os.replace(tmp, path)
