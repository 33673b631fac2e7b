"""The spreadsheets.values endpoints: get, batchGet, update, batchUpdate, append, clear, batchClear.

Shapes as the recordings show them: ``range`` is the requested range closed on the grid (``Sheet1`` ->
``Sheet1!A1:Z1000``), ``values`` drops trailing empty cells and rows (and is absent when everything is empty),
``updatedRange`` spans the written block from the range's start, ``updatedRows/Columns/Cells`` count only the
cells actually written (a ``null`` in ``values`` leaves its cell alone and is not counted).
"""

from __future__ import annotations

import json
from typing import Any

from . import a1, cellvalues, errors, model, structure

VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATE_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")


def resolve(book: model.Spreadsheet, text: str) -> tuple[model.Sheet, a1.Bounds]:
    try:
        sheet, bounds = book.resolve(text)
    except a1.A1Error:
        raise errors.invalid(f"Unable to parse range: {text}") from None
    return sheet, bounds


def _grid_error(sheet: model.Sheet, r1: int, c1: int, r2: int, c2: int) -> errors.ApiError:
    shown = a1.format_range(sheet.title, r1, c1, max(r2, r1 + 1), max(c2, c1 + 1))
    return errors.invalid(f"Range ({shown}) exceeds grid limits. Max rows: {sheet.row_count}, "
                          f"max columns: {sheet.column_count}")


def closed(sheet: model.Sheet, bounds: a1.Bounds) -> tuple[int, int, int, int]:
    """The range closed on the grid; explicit bounds past the grid are refused, as Google does."""
    r1, c1, r2, c2 = model.clamp(sheet, bounds)
    if r2 > sheet.row_count or c2 > sheet.column_count or r1 >= sheet.row_count or c1 >= sheet.column_count:
        raise _grid_error(sheet, r1, c1, r2, c2)
    return r1, c1, r2, c2


def render_block(book: model.Spreadsheet, sheet: model.Sheet, box: tuple[int, int, int, int], major: str,
                 value_render: str, date_render: str) -> list[list[Any]]:
    r1, c1, r2, c2 = box
    grid: list[list[Any]] = []
    for r in range(r1, min(r2, len(sheet.rows))):
        line = sheet.rows[r]
        row = []
        for c in range(c1, min(c2, len(line))):
            cell = line[c]
            if not cell or "userEnteredValue" not in cell:
                row.append(None)
                continue
            effective, hint = book.effective(sheet, r, c)
            number_format = cell.get("userEnteredFormat", {}).get("numberFormat") or hint
            row.append(cellvalues.render(effective, cell["userEnteredValue"], number_format, value_render,
                                         date_render))
        grid.append(row)
    if major == "COLUMNS":
        width = max((len(r) for r in grid), default=0)
        grid = [[row[j] if j < len(row) else None for row in grid] for j in range(width)]
    out = []
    for row in grid:
        while row and row[-1] is None:
            row.pop()
        out.append(["" if v is None else v for v in row])
    while out and not out[-1]:
        out.pop()
    return out


def value_range(book: model.Spreadsheet, text: str, params: dict) -> dict:
    sheet, bounds = resolve(book, text)
    box = closed(sheet, bounds)
    major = params.get("majorDimension") or "ROWS"
    if major == "DIMENSION_UNSPECIFIED":
        major = "ROWS"
    out: dict[str, Any] = {"range": a1.format_range(sheet.title, *_corners(box)), "majorDimension": major}
    values = render_block(book, sheet, box, major, params.get("valueRenderOption") or "FORMATTED_VALUE",
                          params.get("dateTimeRenderOption") or "SERIAL_NUMBER")
    if values:
        out["values"] = values
    return out


def _corners(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    r1, c1, r2, c2 = box
    return r1, c1, r2, c2


def get(book: model.Spreadsheet, text: str, params: dict) -> dict:
    return value_range(book, text, params)


def batch_get(book: model.Spreadsheet, ranges: list[str], params: dict) -> dict:
    out: dict[str, Any] = {"spreadsheetId": book.id}
    if ranges:
        out["valueRanges"] = [value_range(book, text, params) for text in ranges]
    return out


def _input_option(option: str | None) -> bool:
    """True for RAW. A missing option is refused, as Google does."""
    if not option:
        raise errors.invalid("'valueInputOption' is required but not specified")
    if option not in ("RAW", "USER_ENTERED"):
        raise errors.invalid(f"Invalid valueInputOption: {option}")
    return option == "RAW"


def _matrix(body: dict) -> list[list[Any]]:
    values = body.get("values") or []
    for i, row in enumerate(values):
        for j, value in enumerate(row or []):
            if isinstance(value, (list, dict)):
                kind = "list_value" if isinstance(value, list) else "struct_value"
                raise errors.invalid(f"Invalid values[{i}][{j}]: {kind} {json.dumps(value)}")
    values = [list(row or []) for row in values]
    if body.get("majorDimension") == "COLUMNS":
        height = max((len(col) for col in values), default=0)
        values = [[col[i] if i < len(col) else None for col in values] for i in range(height)]
    return values


def write(book: model.Spreadsheet, sheet: model.Sheet, r0: int, c0: int, values: list[list[Any]], raw: bool,
          limit: tuple[int | None, int | None] = (None, None), limit_text: str = "") -> dict:
    """Write a block at (r0, c0). Returns the UpdateValuesResponse counters (without spreadsheetId)."""
    height = len(values)
    width = max((len(row) for row in values), default=0)
    max_row, max_col = limit
    if max_row is not None and r0 + height > max_row:
        raise errors.invalid(f"Requested writing within range [{limit_text}], but tried writing to row "
                             f"[{max_row + 1}]")
    if max_col is not None and c0 + width > max_col:
        raise errors.invalid(f"Requested writing within range [{limit_text}], but tried writing to column "
                             f"[{a1.column_letter(max_col)}]")
    if r0 + height > sheet.row_count or c0 + width > sheet.column_count:
        raise _grid_error(sheet, r0, c0, r0 + max(height, 1), c0 + max(width, 1))
    locale = book.properties.get("locale", "en_US")
    rows_hit, cols_hit, cells = set(), set(), 0
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            if value is None:
                continue
            r, c = r0 + i, c0 + j
            sheet.set_cell(r, c, cellvalues.typed_cell(value, locale, sheet.cell(r, c), raw))
            rows_hit.add(r)
            cols_hit.add(c)
            cells += 1
    book.touch()
    out: dict[str, Any] = {}
    if height and width:
        out["updatedRange"] = a1.format_range(sheet.title, r0, c0, r0 + height, c0 + width)
    if rows_hit:
        out.update(updatedRows=len(rows_hit), updatedColumns=len(cols_hit), updatedCells=cells)
    out["_hits"] = (sheet.id, rows_hit, cols_hit)
    return out


def _finish(book: model.Spreadsheet, result: dict, params: dict) -> dict:
    result.pop("_hits", None)
    out = {"spreadsheetId": book.id}
    out.update(result)
    if _flag(params.get("includeValuesInResponse")) and "updatedRange" in result:
        out["updatedData"] = value_range(book, result["updatedRange"], {
            "valueRenderOption": params.get("responseValueRenderOption"),
            "dateTimeRenderOption": params.get("responseDateTimeRenderOption")})
    return out


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _limit(bounds: a1.Bounds, text: str) -> tuple[int | None, int | None]:
    """How far a write may go: a single cell ('A3') is only a starting point, a range ('A1:B2') is a limit."""
    ref = text.rsplit("!", 1)[-1]
    if ":" not in ref and bounds.r2 is not None and bounds.r2 - (bounds.r1 or 0) == 1 \
            and bounds.c2 is not None and bounds.c2 - (bounds.c1 or 0) == 1:
        return None, None
    return bounds.r2, bounds.c2


def _check_requested(sheet: model.Sheet, bounds: a1.Bounds) -> None:
    """A requested range past the grid is refused with that range (Google: "Range ('X'!A1001) exceeds...")."""
    r1, c1, r2, c2 = model.clamp(sheet, bounds)
    if r1 >= sheet.row_count or c1 >= sheet.column_count or r2 > sheet.row_count or c2 > sheet.column_count:
        raise _grid_error(sheet, r1, c1, r2, c2)


def update(work: model.Spreadsheet, text: str, params: dict, body: dict) -> dict:
    raw = _input_option(params.get("valueInputOption"))
    sheet, bounds = resolve(work, text)
    _check_body_range(work, text, body)
    _check_requested(sheet, bounds)
    values = _matrix(body)
    result = write(work, sheet, bounds.r1 or 0, bounds.c1 or 0, values, raw, _limit(bounds, text), text)
    return _finish(work, result, params)


def _check_body_range(book: model.Spreadsheet, url_range: str, body: dict) -> None:
    given = body.get("range")
    if given and resolve(book, given) != resolve(book, url_range):
        raise errors.invalid(f"Requested range [{given}] does not match the range in the URL [{url_range}].")


def batch_update(work: model.Spreadsheet, body: dict) -> dict:
    raw = _input_option(body.get("valueInputOption"))
    params = {"includeValuesInResponse": body.get("includeValuesInResponse"),
              "responseValueRenderOption": body.get("responseValueRenderOption"),
              "responseDateTimeRenderOption": body.get("responseDateTimeRenderOption")}
    responses, rows, cols, sheets, cells = [], set(), set(), set(), 0
    for item in body.get("data") or []:
        text = item.get("range")
        if not text:
            raise errors.invalid("Invalid data[0]: range must be specified.")
        sheet, bounds = resolve(work, text)
        _check_requested(sheet, bounds)
        result = write(work, sheet, bounds.r1 or 0, bounds.c1 or 0, _matrix(item), raw, _limit(bounds, text), text)
        sheet_id, r_hit, c_hit = result["_hits"]
        rows |= {(sheet_id, r) for r in r_hit}
        cols |= {(sheet_id, c) for c in c_hit}
        if r_hit:
            sheets.add(sheet_id)
        cells += result.get("updatedCells", 0)
        responses.append(_finish(work, result, params))
    out: dict[str, Any] = {"spreadsheetId": work.id}
    if cells:
        out.update(totalUpdatedRows=len(rows), totalUpdatedColumns=len(cols), totalUpdatedCells=cells,
                   totalUpdatedSheets=len(sheets))
    if responses:
        out["responses"] = responses
    return out


def _find_table(sheet: model.Sheet, box: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
    """Google's table detection for append: the last filled cell of the range, grown to its current region."""
    r1, c1, r2, c2 = box

    def filled(r: int, c: int) -> bool:
        cell = sheet.cell(r, c)
        return bool(cell and "userEnteredValue" in cell)

    last = None
    for r in range(min(r2, len(sheet.rows)) - 1, r1 - 1, -1):
        line = sheet.rows[r]
        for c in range(min(c2, len(line)) - 1, c1 - 1, -1):
            if filled(r, c):
                last = (r, c)
                break
        if last:
            break
    if last is None:
        return None
    top, left, bottom, right = last[0], last[1], last[0] + 1, last[1] + 1
    grown = True
    while grown:
        grown = False
        for r in range(max(top - 1, r1), min(bottom + 1, r2)):
            for c in range(max(left - 1, c1), min(right + 1, c2)):
                if (top <= r < bottom and left <= c < right) or not filled(r, c):
                    continue
                top, left = min(top, r), min(left, c)
                bottom, right = max(bottom, r + 1), max(right, c + 1)
                grown = True
    return top, left, bottom, right


def append(work: model.Spreadsheet, text: str, params: dict, body: dict) -> dict:
    raw = _input_option(params.get("valueInputOption"))
    option = params.get("insertDataOption") or "OVERWRITE"
    sheet, bounds = resolve(work, text)
    _check_body_range(work, text, body)
    box = closed(sheet, bounds)
    values = _matrix(body)
    table = _find_table(sheet, box)
    out: dict[str, Any] = {"spreadsheetId": work.id}
    if table is None:
        r0, c0 = box[0], box[1]
    else:
        out["tableRange"] = a1.format_range(sheet.title, *table)
        r0, c0 = table[2], table[1]
    height = len(values)
    width = max((len(row) for row in values), default=0)
    if option == "INSERT_ROWS" and height and r0 < sheet.row_count:
        structure.move_dimension(work, sheet, "ROWS", r0, height, inherit_before=r0 > 0)
    # Appending past the end of the sheet grows it, whatever the insert option.
    if r0 + height > sheet.row_count:
        sheet.resize(rows=r0 + height)
    if c0 + width > sheet.column_count:
        sheet.resize(cols=c0 + width)
    result = write(work, sheet, r0, c0, values, raw)
    out["updates"] = _finish(work, result, params)
    return out


def clear(work: model.Spreadsheet, text: str) -> str:
    sheet, bounds = resolve(work, text)
    r1, c1, r2, c2 = closed(sheet, bounds)
    for r in range(r1, min(r2, len(sheet.rows))):
        for c in range(c1, min(c2, len(sheet.rows[r]))):
            cell = sheet.rows[r][c]
            if cell and "userEnteredValue" in cell:
                new = dict(cell)
                new.pop("userEnteredValue")
                sheet.set_cell(r, c, new)
    return a1.format_range(sheet.title, r1, c1, r2, c2)


def clear_one(work: model.Spreadsheet, text: str) -> dict:
    return {"spreadsheetId": work.id, "clearedRange": clear(work, text)}


def batch_clear(work: model.Spreadsheet, body: dict) -> dict:
    out: dict[str, Any] = {"spreadsheetId": work.id}
    cleared = [clear(work, text) for text in body.get("ranges") or []]
    if cleared:
        out["clearedRanges"] = cleared
    return out
