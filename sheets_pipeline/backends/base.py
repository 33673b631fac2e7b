"""The small interface every backend implements, and the data that crosses it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from ..layout import Dropdown
from ..looks import ConditionalFormat, TabLook
from ..model import CellValue, Grid


@dataclass
class Snapshot:
    """Everything one read returns: each tab's cell values and the dropdowns that are intact."""

    tabs: dict[str, Grid]
    dropdowns: frozenset[Dropdown] = frozenset()
    pipeline_formats: frozenset[ConditionalFormat] = frozenset()  # the worker's rules found intact on Pipeline
    # True where dates come back as serial numbers (Google's UNFORMATTED_VALUE), not as date objects.
    dates_as_serials: bool = False
    # What writing back would lose (e.g. 'sparklines'), as the backend found it while reading.
    write_blockers: list[str] = field(default_factory=list)
    handle: object = None  # the backend's own view of what it read (workbook object, file version...)


@dataclass(frozen=True)
class CellChange:
    """One Pipeline cell to write. `old` is what the read saw, `lead_id` whose row it is: the guards of a write."""

    row: int  # 1-based sheet row
    column: int  # 0-based column index
    field: str
    lead_id: str
    old: CellValue
    new: str | date | None


@dataclass
class Plan:
    """Everything a sync will write. Empty means nothing is written at all."""

    pipeline_tab: str
    cells: list[CellChange] = field(default_factory=list)
    history_tab: str = ""
    history_headers: list[str] = field(default_factory=list)
    history: list[list[CellValue]] = field(default_factory=list)
    tabs: dict[str, Grid] = field(default_factory=dict)  # tab name -> whole new content
    partial_tabs: frozenset[str] = frozenset()  # of those, tabs where only the grid's own columns are replaced
    hidden_tabs: frozenset[str] = frozenset()
    dropdowns: frozenset[Dropdown] | None = None  # the dropdowns to (re)apply; None: they are intact
    pipeline_formats: frozenset[ConditionalFormat] | None = None  # likewise for the conditional formats
    looks: dict[str, TabLook] = field(default_factory=dict)  # how rewritten tabs look
    lists_tab: str = ""
    # Where the leads are, for a backend that checks rows did not move before writing (0-based columns).
    header_row: int = 1
    id_column: int | None = None
    lead_column: int | None = None

    def is_empty(self) -> bool:
        return not (self.cells or self.history or self.tabs or self.dropdowns is not None
                    or self.pipeline_formats is not None)


@dataclass
class NewSpreadsheet:
    """What `init` creates."""

    tabs: dict[str, Grid]
    pipeline_tab: str
    lists_tab: str
    dropdowns: frozenset[Dropdown]
    pipeline_formats: frozenset[ConditionalFormat] = frozenset()
    looks: dict[str, TabLook] = field(default_factory=dict)
    hidden_tabs: frozenset[str] = frozenset()
    date_columns: dict[str, list[int]] = field(default_factory=dict)  # tab -> 0-based columns holding dates
    owned_columns: list[int] = field(default_factory=list)  # Pipeline columns the worker writes (0-based)


class Backend(Protocol):
    """A spreadsheet the worker can read whole and write a plan into, all or nothing."""

    def describe(self) -> str: ...

    def read(self) -> Snapshot: ...

    def write(self, snapshot: Snapshot, plan: Plan) -> None: ...

    def create(self, spreadsheet: NewSpreadsheet) -> str: ...
