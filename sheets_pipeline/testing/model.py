"""The emulator's state: spreadsheets, sheets, cells, and the structural edits that move them.

Cells are stored as CellData dicts holding only what a writer sets (userEnteredValue, userEnteredFormat,
dataValidation, note, ...); effective values and formats are computed when read. A cell dict is never mutated
once stored (edits store a new dict), so cloning a spreadsheet copies row lists, not cells: that keeps the
all-or-nothing batchUpdate (work on a clone, swap on success) cheap at 10,000 rows.

Row/column insertions and deletions are in structure.py.
"""

from __future__ import annotations

import copy
import math
import random
import string
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from . import a1, cellvalues, evaluate

DEFAULT_ROW_PIXELS = 21
DEFAULT_COLUMN_PIXELS = 100
SERVICE_ACCOUNT = "sheets-emulator@emulator.iam.gserviceaccount.com"

DEFAULT_FORMAT = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {"foregroundColor": {}, "fontFamily": "arial,sans,sans-serif", "fontSize": 10, "bold": False,
                   "italic": False, "strikethrough": False, "underline": False,
                   "foregroundColorStyle": {"rgbColor": {}}},
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
THEME = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        {"colorType": "TEXT", "color": {"rgbColor": {}}},
        {"colorType": "BACKGROUND", "color": {"rgbColor": {"red": 1, "green": 1, "blue": 1}}},
        {"colorType": "ACCENT1", "color": {"rgbColor": {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}}},
        {"colorType": "ACCENT2", "color": {"rgbColor": {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}}},
        {"colorType": "ACCENT3", "color": {"rgbColor": {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}}},
        {"colorType": "ACCENT4", "color": {"rgbColor": {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}}},
        {"colorType": "ACCENT5", "color": {"rgbColor": {"red": 1, "green": 0.42745098, "blue": 0.003921569}}},
        {"colorType": "ACCENT6", "color": {"rgbColor": {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}}},
        {"colorType": "LINK", "color": {"rgbColor": {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}}},
    ],
}


def now_rfc3339() -> str:
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Ids:
    """Random ids shaped like Google's (seeded: a test run is reproducible)."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)

    def spreadsheet(self) -> str:
        alphabet = string.ascii_letters + string.digits + "-_"
        return "1" + "".join(self.rng.choice(alphabet) for _ in range(43))

    def int32(self) -> int:
        return self.rng.randint(1, 2**31 - 1)

    def digits(self) -> str:
        return str(self.rng.randint(10**8, 2**31 - 1))


class Sheet:
    def __init__(self, props: dict) -> None:
        self.props = props  # SheetProperties, normalised
        self.rows: list[list[dict | None]] = []
        self.merges: list[dict] = []
        self.conditional_formats: list[dict] = []
        self.protected_ranges: list[dict] = []
        self.charts: list[dict] = []
        self.basic_filter: dict | None = None
        self.filter_views: list[dict] = []
        self.banded_ranges: list[dict] = []
        self.row_groups: list[dict] = []
        self.column_groups: list[dict] = []
        self.developer_metadata: list[dict] = []
        self.row_meta: list[dict | None] = [None] * self.row_count
        self.col_meta: list[dict | None] = [None] * self.column_count

    # -- identity and size
    @property
    def id(self) -> int:
        return self.props.get("sheetId", 0)

    @property
    def title(self) -> str:
        return self.props.get("title", "")

    @property
    def grid(self) -> dict:
        return self.props.setdefault("gridProperties", {})

    @property
    def row_count(self) -> int:
        return self.props.get("gridProperties", {}).get("rowCount", 0)

    @property
    def column_count(self) -> int:
        return self.props.get("gridProperties", {}).get("columnCount", 0)

    def clone(self) -> Sheet:
        other = Sheet.__new__(Sheet)
        for name, value in self.__dict__.items():
            if name == "rows":
                other.rows = [list(r) for r in value]
            elif name in ("row_meta", "col_meta"):
                setattr(other, name, list(value))
            else:
                setattr(other, name, copy.deepcopy(value))
        return other

    # -- cells
    def cell(self, row: int, col: int) -> dict | None:
        if row < len(self.rows):
            line = self.rows[row]
            if col < len(line):
                return line[col]
        return None

    def set_cell(self, row: int, col: int, cell: dict | None) -> None:
        if not cell:
            cell = None
        if cell is None and (row >= len(self.rows) or col >= len(self.rows[row])):
            return
        while len(self.rows) <= row:
            self.rows.append([])
        line = self.rows[row]
        while len(line) <= col:
            line.append(None)
        line[col] = cell

    def resize(self, rows: int | None = None, cols: int | None = None) -> None:
        """Set the grid size; cells outside it are dropped (as shrinking a sheet does)."""
        if rows is not None:
            del self.rows[rows:]
            self.row_meta = (self.row_meta + [None] * max(0, rows - len(self.row_meta)))[:rows]
            self.grid["rowCount"] = rows
        if cols is not None:
            for line in self.rows:
                del line[cols:]
            self.col_meta = (self.col_meta + [None] * max(0, cols - len(self.col_meta)))[:cols]
            self.grid["columnCount"] = cols

    def last_row_with_data(self) -> int:
        """Index+1 of the last row holding a value (0 if none)."""
        for r in range(len(self.rows) - 1, -1, -1):
            if any(c and "userEnteredValue" in c for c in self.rows[r]):
                return r + 1
        return 0

    def iter_cells(self) -> Iterator[tuple[int, int, dict]]:
        for r, line in enumerate(self.rows):
            for c, cell in enumerate(line):
                if cell:
                    yield r, c, cell


class Spreadsheet:
    def __init__(self, spreadsheet_id: str, properties: dict) -> None:
        self.id = spreadsheet_id
        self.properties = properties
        self.sheets: list[Sheet] = []
        self.named_ranges: list[dict] = []
        self.developer_metadata: list[dict] = []
        self.today: date | None = None
        self._cache: dict[tuple[int, int, int], Any] = {}
        self._evaluating: set[tuple[int, int, int]] = set()

    def touch(self) -> None:
        """Cells changed: computed formula values are stale."""
        self._cache.clear()

    def clone(self) -> Spreadsheet:
        other = Spreadsheet(self.id, copy.deepcopy(self.properties))
        other.sheets = [s.clone() for s in self.sheets]
        other.named_ranges = copy.deepcopy(self.named_ranges)
        other.developer_metadata = copy.deepcopy(self.developer_metadata)
        other.today = self.today
        return other

    # -- lookup
    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        return next((s for s in self.sheets if s.id == sheet_id), None)

    def sheet_by_title(self, title: str) -> Sheet | None:
        found = next((s for s in self.sheets if s.title == title), None)
        if found is None:
            folded = title.casefold()
            found = next((s for s in self.sheets if s.title.casefold() == folded), None)
        return found

    def first_visible(self) -> Sheet:
        return next((s for s in self.sheets if not s.props.get("hidden")), self.sheets[0])

    def reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            sheet.props["index"] = i

    def resolve(self, text: str) -> tuple[Sheet, a1.Bounds]:
        """A1 text -> (sheet, bounds with None for unbounded sides). Raises A1Error like Google's parser."""
        ref = a1.parse(text)
        if ref.title is not None:
            sheet = self.sheet_by_title(ref.title)
            if sheet is None:
                raise a1.A1Error(text)
            if ref.name is not None:
                named = self.named_range(ref.name)
                if named is None or named.get("range", {}).get("sheetId", 0) != sheet.id:
                    raise a1.A1Error(text)
                return sheet, grid_to_bounds(named["range"])
            return sheet, ref.bounds or a1.Bounds()
        if ref.name is not None:
            sheet = self.sheet_by_title(ref.name)
            if sheet is not None:
                return sheet, a1.Bounds()
            named = self.named_range(ref.name)
            if named is not None:
                target = self.sheet_by_id(named.get("range", {}).get("sheetId", 0))
                if target is not None:
                    return target, grid_to_bounds(named["range"])
            raise a1.A1Error(text)
        return self.first_visible(), ref.bounds

    def named_range(self, name: str) -> dict | None:
        folded = name.casefold()
        return next((n for n in self.named_ranges if n.get("name", "").casefold() == folded), None)

    # -- formula evaluation (evaluate.Workbook)
    def value(self, sheet_title: str, row: int, col: int) -> Any:
        sheet = self.sheet_by_title(sheet_title)
        if sheet is None:
            return evaluate.Err("REF")
        effective, _ = self.effective(sheet, row, col)
        return scalar_of(effective)

    def size(self, sheet_title: str) -> tuple[int, int] | None:
        sheet = self.sheet_by_title(sheet_title)
        return None if sheet is None else (sheet.row_count, sheet.column_count)

    def named(self, name: str) -> tuple[str, int, int, int, int] | None:
        named = self.named_range(name)
        if named is None:
            return None
        rng = named.get("range", {})
        sheet = self.sheet_by_id(rng.get("sheetId", 0))
        if sheet is None:
            return None
        return (sheet.title, rng.get("startRowIndex", 0), rng.get("startColumnIndex", 0),
                rng.get("endRowIndex", sheet.row_count), rng.get("endColumnIndex", sheet.column_count))

    def effective(self, sheet: Sheet, row: int, col: int) -> tuple[dict | None, dict | None]:
        """(effectiveValue, number format inferred for a formula result) of one cell."""
        cell = sheet.cell(row, col)
        if not cell or "userEnteredValue" not in cell:
            return None, None
        entered = cell["userEnteredValue"]
        if "formulaValue" not in entered:
            return entered, None
        key = (sheet.id, row, col)
        if key in self._cache:
            return self._cache[key]
        if key in self._evaluating:
            return cellvalues.error_value("REF", "Circular dependency detected. To resolve with iterative "
                                                 "calculation, see File > Settings."), None
        self._evaluating.add(key)
        try:
            evaluator = evaluate.Evaluator(self, sheet.title, self.today)
            result = evaluator.evaluate(entered["formulaValue"])
        finally:
            self._evaluating.discard(key)
        hint = {"type": "DATE", "pattern": "M/d/yyyy"} if evaluator.date_result else None
        value = extended_of(result)
        self._cache[key] = (value, hint)
        return value, hint


def scalar_of(effective: dict | None) -> Any:
    if not effective:
        return None
    if "numberValue" in effective:
        return float(effective["numberValue"])
    if "stringValue" in effective:
        return effective["stringValue"]
    if "boolValue" in effective:
        return effective["boolValue"]
    if "errorValue" in effective:
        return evaluate.Err(effective["errorValue"].get("type", "ERROR"), effective["errorValue"].get("message", ""))
    return None


def extended_of(value: Any) -> dict | None:
    if value is None:
        return None
    if isinstance(value, evaluate.Err):
        return cellvalues.error_value(value.kind, value.message)
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return cellvalues.error_value("NUM", "Result was not a finite number.")
        return {"numberValue": cellvalues.number(value)}
    if value == "":
        return {"stringValue": ""}
    return {"stringValue": str(value)}


def grid_to_bounds(rng: dict) -> a1.Bounds:
    return a1.Bounds(rng.get("startRowIndex"), rng.get("startColumnIndex"), rng.get("endRowIndex"),
                     rng.get("endColumnIndex"))


def clamp(sheet: Sheet, bounds: a1.Bounds) -> tuple[int, int, int, int]:
    """Bounds with unbounded sides closed on the grid."""
    r1 = bounds.r1 if bounds.r1 is not None else 0
    c1 = bounds.c1 if bounds.c1 is not None else 0
    r2 = bounds.r2 if bounds.r2 is not None else sheet.row_count
    c2 = bounds.c2 if bounds.c2 is not None else sheet.column_count
    return r1, c1, r2, c2


def grid_range(sheet: Sheet, rng: dict) -> tuple[int, int, int, int]:
    """A GridRange closed on the sheet's grid."""
    return (rng.get("startRowIndex", 0), rng.get("startColumnIndex", 0), rng.get("endRowIndex", sheet.row_count),
            rng.get("endColumnIndex", sheet.column_count))
