"""A spreadsheet held in memory: the backend of fast tests, and the reference for what a write means."""

from __future__ import annotations

import copy

from ..model import Grid
from .base import NewSpreadsheet, Plan, Snapshot


class MemoryBackend:
    def __init__(self, tabs: dict[str, Grid] | None = None) -> None:
        self.tabs: dict[str, Grid] = copy.deepcopy(tabs) if tabs else {}
        self.dropdowns: frozenset = frozenset()
        self.pipeline_formats: frozenset = frozenset()
        self.looks: dict = {}
        self.hidden: set[str] = set()
        self.writes = 0

    def describe(self) -> str:
        return "memory"

    def read(self) -> Snapshot:
        return Snapshot(tabs=copy.deepcopy(self.tabs), dropdowns=self.dropdowns, pipeline_formats=self.pipeline_formats)

    def write(self, snapshot: Snapshot, plan: Plan) -> None:
        tabs = copy.deepcopy(self.tabs)  # all or nothing: build the new state aside, then swap
        pipeline = tabs[plan.pipeline_tab]
        for change in plan.cells:
            _put(pipeline, change.row, change.column, change.new)
        if plan.history:
            history = tabs.setdefault(plan.history_tab, [list(plan.history_headers)])
            while history and not any(v is not None for v in history[-1]):
                history.pop()
            history.extend(list(row) for row in plan.history)
        for title, grid in plan.tabs.items():
            if title in plan.partial_tabs and title in tabs:
                width = max((len(r) for r in grid), default=0)
                old = tabs[title]
                merged: Grid = []
                for r in range(max(len(old), len(grid))):
                    mine = list(grid[r]) if r < len(grid) else []
                    theirs = list(old[r][width:]) if r < len(old) else []
                    merged.append(mine + [None] * (width - len(mine)) + theirs)
                tabs[title] = merged
            else:
                tabs[title] = copy.deepcopy(grid)
        self.tabs = tabs
        self.hidden |= set(plan.hidden_tabs)
        if plan.dropdowns is not None:
            self.dropdowns = plan.dropdowns
        if plan.pipeline_formats is not None:
            self.pipeline_formats = plan.pipeline_formats
        self.looks.update(plan.looks)
        self.writes += 1

    def create(self, spreadsheet: NewSpreadsheet) -> str:
        self.tabs = copy.deepcopy(spreadsheet.tabs)
        self.dropdowns = spreadsheet.dropdowns
        self.pipeline_formats = spreadsheet.pipeline_formats
        self.looks = dict(spreadsheet.looks)
        self.hidden = set(spreadsheet.hidden_tabs)
        return "memory"


def _put(grid: Grid, row: int, column: int, value: object) -> None:
    while len(grid) < row:
        grid.append([])
    cells = grid[row - 1]
    while len(cells) <= column:
        cells.append(None)
    cells[column] = value  # type: ignore[assignment]
