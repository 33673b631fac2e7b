"""The answer of spreadsheets.get with grid data, decoded as it arrives.

Decoded whole, that answer becomes a tree of small JSON objects, about a kilobyte of Python objects per cell:
close to 2 GB for a sheet of 100,000 leads. Here only the bytes in flight and one row at a time exist as JSON;
each row becomes its list of cell values at once, and each sheet's dropdowns are summed up per column as the
rows pass."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..model import CellValue, Grid
from .gsheets_cells import read_cell

_BLANK = re.compile(r"[ \t\n\r]*")
_NUMBER_TAIL = re.compile(r"[0-9.eE+\-]+")
_DECODER = json.JSONDecoder()


class TruncatedAnswer(Exception):
    """The answer stopped before its JSON did, or is not JSON: the read is worth trying again."""


class JsonStream:
    """A JSON text arriving as chunks of UTF-8 bytes. The caller walks objects and arrays with `members` and
    `elements`, and reads any value whole with `value`; only the unread part of the last chunks is held."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._text = ""
        self._pos = 0
        self._ended = False

    def _more(self) -> None:
        if self._ended:
            raise TruncatedAnswer("the answer ended in the middle of its JSON")
        chunk = next(self._chunks, None)
        try:
            tail = self._utf8.decode(chunk if chunk is not None else b"", final=chunk is None)
        except UnicodeDecodeError:
            raise TruncatedAnswer("the answer is not UTF-8") from None
        self._ended = chunk is None
        self._text = self._text[self._pos:] + tail
        self._pos = 0

    def _next_char(self) -> str:
        while True:
            self._pos = _BLANK.match(self._text, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._text):
                return self._text[self._pos]
            self._more()

    def _expect(self, char: str) -> None:
        if self._next_char() != char:
            raise TruncatedAnswer(f"expected {char!r} at character {self._pos} of a chunk")
        self._pos += 1

    def value(self) -> Any:
        """The next value, whole."""
        self._next_char()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._text, self._pos)
            except json.JSONDecodeError:
                self._more()  # most often a value cut by the end of a chunk; a wrong one stays wrong to the end
                continue
            if not self._ended and (end == len(self._text) or (
                    isinstance(value, (int, float)) and _NUMBER_TAIL.fullmatch(self._text, end))):
                self._more()  # a number cut by the end of a chunk ("6." of "6.5e1") reads as a shorter number
                continue
            self._pos = end
            return value

    def members(self) -> Iterator[str]:
        """The keys of the object that starts here. The caller reads each key's value before asking for the
        next key."""
        self._expect("{")
        if self._next_char() == "}":
            self._pos += 1
            return
        while True:
            if self._next_char() != '"':
                raise TruncatedAnswer("expected a key")
            key = self.value()
            self._expect(":")
            yield key
            after = self._next_char()
            self._pos += 1
            if after == "}":
                return
            if after != ",":
                raise TruncatedAnswer("expected ',' or '}' after a member")

    def elements(self) -> Iterator[None]:
        """One step per element of the array that starts here; the caller reads each element."""
        self._expect("[")
        if self._next_char() == "]":
            self._pos += 1
            return
        while True:
            yield None
            after = self._next_char()
            self._pos += 1
            if after == "]":
                return
            if after != ",":
                raise TruncatedAnswer("expected ',' or ']' after an element")

    def end(self) -> None:
        """Nothing but blanks may follow the value read."""
        while True:
            self._pos = _BLANK.match(self._text, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._text):
                raise TruncatedAnswer("text after the end of the JSON")
            if self._ended:
                return
            self._more()


@dataclass
class ColumnDropdowns:
    """The ONE_OF_RANGE dropdowns of one column: their source formulas (two are as good as many: the column
    is then not ours as it stands), the rows they cover, and how many cells carry one."""

    formulas: set[str] = field(default_factory=set)
    first: int = 0
    last: int = 0
    cells: int = 0

    def add(self, row: int, formula: str) -> None:
        if len(self.formulas) < 2:
            self.formulas.add(formula)
        self.first = row if not self.cells else min(self.first, row)
        self.last = row if not self.cells else max(self.last, row)
        self.cells += 1

    def merge(self, other: ColumnDropdowns, shift: int) -> None:
        """Add `other`, whose rows are counted from `shift`."""
        for formula in other.formulas:
            if len(self.formulas) < 2:
                self.formulas.add(formula)
        first, last = other.first + shift, other.last + shift
        self.first = first if not self.cells else min(self.first, first)
        self.last = last if not self.cells else max(self.last, last)
        self.cells += other.cells

    @property
    def contiguous(self) -> bool:
        return self.cells == self.last - self.first + 1


@dataclass
class SheetRead:
    """One sheet of the answer: its metadata as Google sent it, its values, its dropdowns per column."""

    properties: dict[str, Any] = field(default_factory=dict)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    grid: Grid = field(default_factory=list)
    dropdowns: dict[int, ColumnDropdowns] = field(default_factory=dict)


def read_spreadsheet(chunks: Iterable[bytes]) -> list[SheetRead]:
    """The sheets of a spreadsheets.get answer with grid data, in their order."""
    stream = JsonStream(chunks)
    sheets: list[SheetRead] = []
    seen: dict[CellValue, CellValue] = {}
    for key in stream.members():
        if key == "sheets":
            for _ in stream.elements():
                sheets.append(_sheet(stream, seen))
        else:
            stream.value()
    stream.end()
    return sheets


def _sheet(stream: JsonStream, seen: dict[CellValue, CellValue]) -> SheetRead:
    sheet = SheetRead()
    for key in stream.members():
        if key == "properties":
            sheet.properties = stream.value()
        elif key == "conditionalFormats":
            sheet.conditional_formats = stream.value()
        elif key == "charts":
            sheet.charts = stream.value()
        elif key == "data":
            for _ in stream.elements():
                _grid_data(stream, sheet, seen)
        else:
            stream.value()
    _trim(sheet.grid)
    return sheet


def _grid_data(stream: JsonStream, sheet: SheetRead, seen: dict[CellValue, CellValue]) -> None:
    """One GridData into the sheet's grid. Its offsets may come after its rows, so rows are placed at the end."""
    top = left = 0
    rows: list[list[CellValue]] = []
    dropdowns: dict[int, ColumnDropdowns] = {}
    for key in stream.members():
        if key == "rowData":
            for _ in stream.elements():
                rows.append(_row(stream.value(), len(rows), dropdowns, seen))
        elif key == "startRow":
            top = stream.value()
        elif key == "startColumn":
            left = stream.value()
        else:
            stream.value()
    grid = sheet.grid
    for r, cells in enumerate(rows):
        while len(grid) <= top + r:
            grid.append([])
        grid[top + r] = [None] * left + cells if left else cells
    for column, found in dropdowns.items():
        sheet.dropdowns.setdefault(left + column, ColumnDropdowns()).merge(found, top + 1)


def _row(row: dict[str, Any], index: int, dropdowns: dict[int, ColumnDropdowns],
         seen: dict[CellValue, CellValue]) -> list[CellValue]:
    cells = []
    for column, cell in enumerate(row.get("values") or ()):
        value = read_cell(cell)
        # A stage, a source or a date comes back thousands of times: one object for all of them. Exact types
        # only, so that a Formula never stands for the text it equals.
        if type(value) is str or type(value) is date:
            value = seen.setdefault(value, value)
        cells.append(value)
        rule = cell.get("dataValidation")
        if rule:
            condition = rule.get("condition") or {}
            if condition.get("type") == "ONE_OF_RANGE":
                formula = ((condition.get("values") or [{}])[0]).get("userEnteredValue", "")
                found = dropdowns.get(column)
                if found is None:
                    found = dropdowns[column] = ColumnDropdowns()
                found.add(index, formula)
    return cells


def _trim(grid: Grid) -> None:
    for row in grid:
        while row and row[-1] is None:
            row.pop()
    while grid and not grid[-1]:
        grid.pop()
