"""Sheets API v4 data <-> the package's grids: CellData both ways, A1 and GridRange helpers, cell formats."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from typing import Any

from ..dates import SERIAL_EPOCH, from_serial
from ..looks import CellStyle, StyleKind
from ..model import CellValue, Formula, Grid, column_letter

DATE_PATTERN = "yyyy-mm-dd"
DATETIME_PATTERN = "yyyy-mm-dd hh:mm"
_ERRORS = {"NULL_VALUE": "#NULL!", "DIVIDE_BY_ZERO": "#DIV/0!", "VALUE": "#VALUE!", "REF": "#REF!",
           "NAME": "#NAME?", "NUM": "#NUM!", "N_A": "#N/A", "LOADING": "#LOADING"}


def quote_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def a1_column(title: str, column: int) -> str:
    """'Pipeline'!C:C for a 0-based column."""
    letter = column_letter(column)
    return f"{quote_title(title)}!{letter}:{letter}"


def grid_range(sheet_id: int, first_row: int | None = None, last_row: int | None = None,
               first_col: int | None = None, last_col: int | None = None) -> dict[str, int]:
    """A GridRange from 1-based inclusive rows and 0-based inclusive columns; None leaves a side open."""
    rng: dict[str, int] = {"sheetId": sheet_id}
    if first_row is not None:
        rng["startRowIndex"] = first_row - 1
    if last_row is not None:
        rng["endRowIndex"] = last_row
    if first_col is not None:
        rng["startColumnIndex"] = first_col
    if last_col is not None:
        rng["endColumnIndex"] = last_col + 1
    return rng


def serial(value: date | datetime) -> float | int:
    if isinstance(value, datetime):
        delta = value - datetime.combine(SERIAL_EPOCH, time())
        return delta.days + delta.seconds / 86400
    return (value - SERIAL_EPOCH).days


def from_serial_datetime(number: float) -> datetime:
    return datetime.combine(SERIAL_EPOCH, time()) + timedelta(days=number)


# --- reading ------------------------------------------------------------------------------------------------------

def read_cell(cell: dict[str, Any]) -> CellValue:
    entered = cell.get("userEnteredValue") or {}
    if "formulaValue" in entered:
        return Formula(entered["formulaValue"])
    # The read asks for what was typed only: a cell without a formula shows what was typed, and the result of a
    # formula is not read. effectiveValue would double the bytes of a read.
    value = cell.get("effectiveValue") or entered
    if not value:
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "numberValue" in value:
        number = value["numberValue"]
        kind = ((cell.get("userEnteredFormat") or {}).get("numberFormat") or {}).get("type")
        if kind == "DATE":
            return from_serial(number)
        if kind == "DATE_TIME":
            moment = from_serial_datetime(number)
            return moment.date() if moment.time() == time() else moment
        return number
    if "errorValue" in value:
        return _ERRORS.get(value["errorValue"].get("type", ""), "#ERROR!")
    return None


# --- writing ------------------------------------------------------------------------------------------------------

def cell_data(value: CellValue) -> dict[str, Any]:
    """A value as CellData. Text is always a stringValue: never parsed, never a formula."""
    if value is None or value == "":
        return {}
    if isinstance(value, Formula):
        return {"userEnteredValue": {"formulaValue": str(value)}}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}
    if isinstance(value, datetime):
        return {"userEnteredValue": {"numberValue": serial(value)},
                "userEnteredFormat": {"numberFormat": {"type": "DATE_TIME", "pattern": DATETIME_PATTERN}}}
    if isinstance(value, date):
        return {"userEnteredValue": {"numberValue": serial(value)},
                "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": DATE_PATTERN}}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def _typed(row: list[CellValue] | None) -> list[tuple[type, CellValue]]:
    """A row as written, for comparison: blanks dropped at its end, and 1, 1.0 and True told apart."""
    cells = [(type(None), None) if value is None or value == "" else (type(value), value) for value in row or ()]
    while cells and cells[-1][1] is None:
        cells.pop()
    return cells


def changed_rows(sheet_id: int, read: Grid, grid: Grid) -> list[dict[str, Any]]:
    """updateCells for the runs of rows where `grid` differs from the tab as `read`; the cells a shorter row no
    longer reaches, and rows past the new end, are cleared."""
    requests = []
    height = max(len(read), len(grid))
    row = 0
    while row < height:
        old = read[row] if row < len(read) else None
        new = grid[row] if row < len(grid) else None
        if _typed(old) == _typed(new):
            row += 1
            continue
        first, rows = row, []
        while row < height:
            old = read[row] if row < len(read) else None
            new = list(grid[row]) if row < len(grid) else []
            if _typed(old) == _typed(new):
                break
            new += [None] * (len(old or ()) - len(new))
            rows.append({"values": [cell_data(value) for value in new]})
            row += 1
        requests.append({"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": first, "columnIndex": 0},
                                         "rows": rows, "fields": "userEnteredValue,userEnteredFormat.numberFormat"}})
    return requests


def rgb(hex_color: str) -> dict[str, float]:
    return {name: round(int(hex_color[i:i + 2], 16) / 255, 4) for name, i in (("red", 0), ("green", 2), ("blue", 4))}


STYLE_FORMATS: dict[StyleKind, dict[str, Any]] = {
    "title": {"textFormat": {"bold": True, "fontSize": 14}},
    "section": {"textFormat": {"bold": True, "fontSize": 12, "foregroundColor": rgb("305496")}},
    "header": {"backgroundColor": rgb("305496"), "textFormat": {"bold": True, "foregroundColor": rgb("FFFFFF")}},
    "total": {"backgroundColor": rgb("D9E1F2"), "textFormat": {"bold": True}},
    "note": {"textFormat": {"italic": True, "foregroundColor": rgb("666666")}},
    "overdue": {"backgroundColor": rgb("FFC7CE"), "textFormat": {"foregroundColor": rgb("9C0006")}},
    "percent": {"numberFormat": {"type": "PERCENT", "pattern": "0.0%"}},
    "number": {"numberFormat": {"type": "NUMBER", "pattern": "0.0"}},
    "integer": {"numberFormat": {"type": "NUMBER", "pattern": "0"}},
    "date": {"numberFormat": {"type": "DATE", "pattern": DATE_PATTERN}},
    "datetime": {"numberFormat": {"type": "DATE_TIME", "pattern": DATETIME_PATTERN}},
}


def value_rows(grid: Grid) -> list[dict[str, Any]]:
    """RowData holding the values of a grid; dates carry their date format."""
    return [{"values": [cell_data(value) for value in row]} for row in grid]


def style_requests(sheet_id: int, styles: tuple[CellStyle, ...]) -> list[dict[str, Any]]:
    """One repeatCell per styled rectangle, setting only the format fields the style names, so that styles that
    overlap (a percent column crossing a bold total row) add up."""
    requests = []
    for style in _joined(styles):
        fmt = STYLE_FORMATS[style.kind]
        requests.append({"repeatCell": {
            "range": grid_range(sheet_id, style.first_row, style.last_row, style.first_col - 1, style.last_col - 1),
            "cell": {"userEnteredFormat": fmt},
            "fields": ",".join(f"userEnteredFormat.{name}" for name in fmt),
        }})
    return requests


def _joined(styles: tuple[CellStyle, ...]) -> list[CellStyle]:
    """Styles with each one that continues the one before it (same kind, same columns, the next rows) joined to
    it: one request for a run of overdue rows, not one per row. Only neighbours in the order given are joined, so
    overlapping styles still apply in their order."""
    joined: list[CellStyle] = []
    for style in styles:
        last = joined[-1] if joined else None
        if last is not None and (last.kind, last.first_col, last.last_col) == (style.kind, style.first_col,
                                                                               style.last_col) \
                and style.first_row == last.last_row + 1:
            joined[-1] = dataclasses.replace(last, last_row=style.last_row)
        else:
            joined.append(style)
    return joined
