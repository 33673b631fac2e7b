"""One exception tree. The CLI maps each branch to an exit code; nothing here knows about click."""

from __future__ import annotations


class PipelineError(Exception):
    """Base of every error this package raises on purpose. `str(err)` is one line meant for a person."""

    exit_code = 1


class ConfigError(PipelineError):
    """The configuration file is missing, unreadable or invalid."""

    exit_code = 2


class UsageError(PipelineError):
    """A command was called with arguments that cannot work together."""

    exit_code = 2


class SheetError(PipelineError):
    """The spreadsheet cannot be read as a pipeline: missing file, tab or column, not a workbook."""

    exit_code = 3


class MissingColumnError(SheetError):
    pass


class WriteRefused(PipelineError):
    """Writing now could lose or corrupt a person's work; nothing was written."""

    exit_code = 4


class WorkbookInUse(WriteRefused):
    pass


class WouldLoseContent(WriteRefused):
    pass


class ChangedDuringSync(WriteRefused):
    pass


class BackendError(PipelineError):
    """The storage behind the sheet failed (I/O, network, API)."""

    exit_code = 5


class TransientWriteError(BackendError):
    """A write failed in a way that may or may not have been applied (5xx, dropped connection, timeout):
    the sync reads again and decides anew rather than sending the same write blindly."""
