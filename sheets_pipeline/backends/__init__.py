"""Backends: where a pipeline lives. `open_backend` picks one from a target (a path or a Google Sheets URL)."""

from __future__ import annotations

from ..config import Config, backend_for_target
from ..errors import UsageError
from .base import Backend, CellChange, NewSpreadsheet, Plan, Snapshot
from .memory import MemoryBackend
from .xlsx import XlsxBackend

__all__ = ["Backend", "CellChange", "MemoryBackend", "NewSpreadsheet", "Plan", "Snapshot", "XlsxBackend",
           "open_backend"]


def open_backend(target: str | None, config: Config, output: str | None = None) -> Backend:
    target = target or config.target
    if not target:
        raise UsageError("no spreadsheet given: pass a PATH, or set `target` in the config")
    kind = config.backend if (config.backend and target == config.target) else backend_for_target(target)
    if kind == "gsheets":
        raise UsageError(f"{target}: Google Sheets targets are not supported by this version; use a local .xlsx")
    if output is not None and kind != "xlsx":
        raise UsageError("--output works with .xlsx workbooks only")
    return XlsxBackend(target, output=output)
