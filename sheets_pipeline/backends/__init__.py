"""Backends: where a pipeline lives. `open_backend` picks one from a target (a path or a Google Sheets URL)."""

from __future__ import annotations

from ..config import Config, backend_for_target
from ..errors import UsageError
from .base import Backend, CellChange, NewSpreadsheet, Plan, Snapshot
from .memory import MemoryBackend
from .xlsx import XlsxBackend

__all__ = ["Backend", "CellChange", "MemoryBackend", "NewSpreadsheet", "Plan", "Snapshot", "XlsxBackend",
           "google_backend", "open_backend"]


def open_backend(target: str | None, config: Config, output: str | None = None, read_only: bool = False) -> Backend:
    """`read_only`: the caller never writes (validate, report, a dry run), so a quicker reader may serve."""
    target = target or config.target
    if not target:
        raise UsageError("no spreadsheet given: pass a PATH or URL, or set `target` in the config")
    kind = config.backend if (config.backend and target == config.target) else backend_for_target(target)
    if output is not None and kind != "xlsx":
        raise UsageError("--output works with .xlsx workbooks only")
    if kind == "gsheets":
        return google_backend(config, target)
    return XlsxBackend(target, output=output, read_only=read_only)


def google_backend(config: Config, target: str | None, title: str = "Sales pipeline",
                   share: tuple[str, ...] = ()) -> Backend:
    """The Google Sheets backend for `target` (a URL or key), or for a spreadsheet `create` will make."""
    from .google_auth import google_client  # gspread and google-auth load only when Google is used
    from .gsheets import GSheetsBackend, spreadsheet_key

    key = spreadsheet_key(target) if target else None
    return GSheetsBackend(google_client(config.google), key, title=title, share=share)
