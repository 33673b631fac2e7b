"""The stored state rendered as Google's resources: Spreadsheet, Sheet, GridData, CellData.

A field mask is applied while rendering, not afterwards: grid data is built with only the members the response
keeps (a masked read of 10,000 rows must not compute 200,000 effective formats and then throw them away).
"""

from __future__ import annotations

import copy
from typing import Any

from . import a1, cellvalues, fieldmask, model, schema

SPREADSHEET_URL = "https://docs.google.com/spreadsheets/d/{id}/edit"
_STORED = ("hyperlink", "note", "textFormatRuns", "dataValidation", "pivotTable", "chipRuns")


def merge_format(base: dict, top: dict | None) -> dict:
    """Deep merge of two CellFormats (effective format = default format + what the user set)."""
    out = copy.deepcopy(base)
    for key, value in (top or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_format(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class CellView:
    """Which CellData members a response keeps, decided once per request."""

    def __init__(self, wanted: Any = True) -> None:
        self.all = wanted is True or wanted is None or (isinstance(wanted, dict) and wanted.get("*") is True)
        self.members: dict[str, Any] = {} if self.all else dict(wanted)

    def has(self, name: str) -> bool:
        return self.all or name in self.members

    def shape(self, name: str, value: Any) -> Any:
        sub = True if self.all else self.members.get(name, True)
        return value if sub is True else fieldmask.apply(value, sub)


ALL_CELLS = CellView()


def cell_data(book: model.Spreadsheet, sheet: model.Sheet, row: int, col: int, view: CellView = ALL_CELLS) -> dict:
    """One CellData as spreadsheets.get returns it with grid data."""
    cell = sheet.cell(row, col)
    if not cell:
        return {}
    out: dict[str, Any] = {}
    entered = cell.get("userEnteredValue")
    user_format = cell.get("userEnteredFormat")
    hint = None
    if entered is not None:
        if view.has("userEnteredValue"):
            out["userEnteredValue"] = view.shape("userEnteredValue", entered)
        if view.has("effectiveValue") or view.has("formattedValue") or view.has("effectiveFormat"):
            effective, hint = book.effective(sheet, row, col)
            if effective is not None and view.has("effectiveValue"):
                out["effectiveValue"] = view.shape("effectiveValue", effective)
            if effective is not None and view.has("formattedValue"):
                text = cellvalues.formatted(effective, (user_format or {}).get("numberFormat") or hint)
                if text is not None:
                    out["formattedValue"] = text
    if user_format and view.has("userEnteredFormat"):
        out["userEnteredFormat"] = view.shape("userEnteredFormat", user_format)
    if (user_format or entered is not None) and view.has("effectiveFormat"):
        effective_format = merge_format(book.properties.get("defaultFormat", model.DEFAULT_FORMAT), user_format)
        if hint and "numberFormat" not in effective_format:
            effective_format["numberFormat"] = hint
        effective_format.setdefault("hyperlinkDisplayType", "PLAIN_TEXT")
        out["effectiveFormat"] = view.shape("effectiveFormat", effective_format)
    for key in _STORED:
        if key in cell and view.has(key):
            out[key] = view.shape(key, cell[key])
    return out


def grid_data(book: model.Spreadsheet, sheet: model.Sheet, bounds: tuple[int, int, int, int],
              wanted: Any = True) -> dict:
    r1, c1, r2, c2 = bounds
    out: dict[str, Any] = {}
    if r1 and fieldmask.wants(wanted, "startRow") is not None:
        out["startRow"] = r1
    if c1 and fieldmask.wants(wanted, "startColumn") is not None:
        out["startColumn"] = c1
    cells_wanted = fieldmask.wants(wanted, "rowData", "values")
    if cells_wanted is not None:
        view = CellView(cells_wanted)
        rows = []
        for r in range(r1, min(r2, len(sheet.rows))):
            line = sheet.rows[r]
            end = min(c2, len(line))
            while end > c1 and not line[end - 1]:
                end -= 1
            if end <= c1:
                rows.append({})
                continue
            rows.append({"values": [cell_data(book, sheet, r, c, view) for c in range(c1, end)]})
        while rows and rows[-1] == {}:
            rows.pop()
        if rows:
            out["rowData"] = rows
    for key, meta, default, lo, hi in (("rowMetadata", sheet.row_meta, model.DEFAULT_ROW_PIXELS, r1, r2),
                                       ("columnMetadata", sheet.col_meta, model.DEFAULT_COLUMN_PIXELS, c1, c2)):
        sub = fieldmask.wants(wanted, key)
        if sub is not None:
            entries = [_dimension(meta, i, default) for i in range(lo, hi)]
            out[key] = entries if sub is True else fieldmask.apply(entries, sub)
    return out


def _dimension(meta: list[dict | None], index: int, default_pixels: int) -> dict:
    entry = meta[index] if index < len(meta) else None
    out: dict[str, Any] = {"pixelSize": default_pixels}
    if entry:
        out.update(entry)
    return out


def with_sheet(rng: dict, sheet_id: int) -> dict:
    out = dict(rng)
    out["sheetId"] = sheet_id
    return out


def sheet_resource(book: model.Spreadsheet, sheet: model.Sheet, data_bounds: list[tuple[int, int, int, int]] | None,
                   wanted: Any = True) -> dict:
    out: dict[str, Any] = {"properties": schema.normalize(sheet.props, "SheetProperties")}
    if sheet.merges:
        out["merges"] = [schema.normalize(with_sheet(m, sheet.id), "GridRange") for m in sheet.merges]
    if sheet.conditional_formats:
        out["conditionalFormats"] = [schema.normalize(r, "ConditionalFormatRule") for r in sheet.conditional_formats]
    if sheet.filter_views:
        out["filterViews"] = [schema.normalize(v, "FilterView") for v in sheet.filter_views]
    if sheet.protected_ranges:
        out["protectedRanges"] = [schema.normalize(p, "ProtectedRange") for p in sheet.protected_ranges]
    if sheet.basic_filter:
        out["basicFilter"] = schema.normalize(sheet.basic_filter, "BasicFilter")
    if sheet.charts:
        out["charts"] = [schema.normalize(c, "EmbeddedChart") for c in sheet.charts]
    if sheet.banded_ranges:
        out["bandedRanges"] = [schema.normalize(b, "BandedRange") for b in sheet.banded_ranges]
    if sheet.developer_metadata:
        out["developerMetadata"] = sheet.developer_metadata
    if sheet.row_groups:
        out["rowGroups"] = [schema.normalize(g, "DimensionGroup") for g in sheet.row_groups]
    if sheet.column_groups:
        out["columnGroups"] = [schema.normalize(g, "DimensionGroup") for g in sheet.column_groups]
    if wanted is not True:
        out = fieldmask.apply(out, wanted)
    data_wanted = fieldmask.wants(wanted, "data")
    if data_bounds is not None and data_wanted is not None:
        data = [grid_data(book, sheet, b, data_wanted) for b in data_bounds]
        out = {"properties": out["properties"], "data": data, **out} if "properties" in out else {"data": data, **out}
    return out


def spreadsheet_resource(book: model.Spreadsheet, include_grid: bool = False, ranges: list[str] | None = None,
                         mask: fieldmask.Tree | None = None) -> dict:
    """spreadsheets.get. `ranges` (A1 strings) select sheets and grid data; a mask selects members."""
    sheets_wanted = fieldmask.wants(mask, "sheets")
    data_wanted = fieldmask.wants(sheets_wanted, "data") if sheets_wanted is not None else None
    # With a field mask, grid data is returned when the mask asks for it (includeGridData is then ignored).
    with_data = include_grid if mask is None else data_wanted is not None
    selected: dict[int, list[tuple[int, int, int, int]]] = {}
    order: list[model.Sheet] = []
    if ranges:
        for text in ranges:
            sheet, bounds = book.resolve(text)
            if sheet.id not in selected:
                selected[sheet.id] = []
                order.append(sheet)
            selected[sheet.id].append(model.clamp(sheet, bounds))
        order.sort(key=lambda s: s.props.get("index", 0))
    else:
        order = list(book.sheets)
        for sheet in order:
            selected[sheet.id] = [(0, 0, sheet.row_count, sheet.column_count)]
    out: dict[str, Any] = {"spreadsheetId": book.id, "properties": copy.deepcopy(book.properties)}
    if book.named_ranges:
        out["namedRanges"] = [schema.normalize(n, "NamedRange") for n in book.named_ranges]
    if book.developer_metadata:
        out["developerMetadata"] = book.developer_metadata
    out["spreadsheetUrl"] = SPREADSHEET_URL.format(id=book.id)
    if mask is not None:
        out = fieldmask.apply(out, {k: v for k, v in mask.items() if k != "sheets"})
    if sheets_wanted is not None:
        sheets = [sheet_resource(book, s, selected[s.id] if with_data else None, sheets_wanted) for s in order]
        ordered: dict[str, Any] = {}
        for key in ("spreadsheetId", "properties"):
            if key in out:
                ordered[key] = out.pop(key)
        ordered["sheets"] = sheets
        ordered.update(out)
        out = ordered
    return out


def range_text(sheet: model.Sheet, r1: int, c1: int, r2: int, c2: int) -> str:
    return a1.format_range(sheet.title, r1, c1, r2, c2)
