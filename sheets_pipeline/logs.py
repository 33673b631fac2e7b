"""Logs: readable lines by default, JSON lines for machines. Only counts and names: never cell contents,
never credentials."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any, TextIO

LOGGER_NAME = "sheets_pipeline"
_FIELDS = ("pipeline", "event", "leads", "cells", "history", "flags", "errors", "warnings", "stale",
           "duration_s", "attempts", "exit_code")


def logger() -> logging.Logger:
    return logging.getLogger(LOGGER_NAME)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="seconds"),
            "level": record.levelname.lower(),
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            if hasattr(record, name):
                data[name] = getattr(record, name)
        return json.dumps(data, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S")


def setup_logging(fmt: str = "text", path: str | None = None, level: int = logging.INFO,
                  stream: TextIO | None = None) -> logging.Handler:
    handler: logging.Handler = logging.FileHandler(path, encoding="utf-8") if path else \
        logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    log = logger()
    for old in list(log.handlers):
        log.removeHandler(old)
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False
    return handler
