"""batchUpdate requests that write cells: updateCells, repeatCell, appendCells, setDataValidation, merges,
borders. (Requests that move cells are in batch_move.py.)"""

from __future__ import annotations

import copy

from . import a1, colors, fieldmask, model, schema
from .batch import Context, handler

READ_ONLY = ("effectiveValue", "formattedValue", "effectiveFormat")
BORDER_WIDTHS = {"DOTTED": 1, "DASHED": 1, "SOLID": 1, "SOLID_MEDIUM": 2, "SOLID_THICK": 3, "DOUBLE": 3}


def cell_mask(ctx: Context, fields: str | None) -> list[tuple[str, ...]]:
    if not fields:
        raise ctx.fail("At least one field must be specified in 'fields'.")
    try:
        paths = fieldmask.paths(fields, spaces=True)
    except fieldmask.MaskError:
        raise ctx.fail(f"Invalid field mask: {fields}") from None
    problem = schema.mask_problem("CellData", paths)
    if problem:
        raise ctx.fail(f"Invalid field mask '{fields}': no such field '{problem}'.")
    return paths


def prepare_sources(cells: list[dict], paths: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Complete the request's cells once (colour pairs, formula checks) before they are copied into the grid;
    returns the mask with colour pairs completed."""
    prefer_style = colors.touched(paths)
    for cell in cells:
        if cell.get("userEnteredFormat"):
            colors.sync(cell["userEnteredFormat"], prefer_style=prefer_style)
        value = cell.get("userEnteredValue")
        if value and "formulaValue" in value and not str(value["formulaValue"]).startswith("="):
            cell["userEnteredValue"] = {"stringValue": value["formulaValue"]}
    return colors.paired_paths(paths)


def write_cell(old: dict | None, source: dict | None, paths: list[tuple[str, ...]]) -> dict | None:
    """A cell after copying the masked members of `source` (absent members are cleared)."""
    new = fieldmask.update(old, source, paths)
    for key in READ_ONLY:
        new.pop(key, None)
    if "userEnteredFormat" in new and not new["userEnteredFormat"]:
        new.pop("userEnteredFormat")
    if "userEnteredValue" in new and not new["userEnteredValue"]:
        new.pop("userEnteredValue")
    if new.get("note") == "":
        new.pop("note")
    if new.get("dataValidation") == {}:
        new.pop("dataValidation")
    return new or None


@handler("updateCells")
def update_cells(ctx: Context, req: dict) -> None:
    paths = cell_mask(ctx, req.get("fields"))
    rows = req.get("rows", [])
    paths = prepare_sources([c for row in rows for c in row.get("values", [])], paths)
    if "start" in req and "range" in req:
        raise ctx.fail("Only one of start or range may be specified.")
    if "range" in req:
        sheet, r1, c1, r2, c2 = ctx.bounds(req["range"])
        for i, row in enumerate(rows):
            values = row.get("values", [])
            if r1 + i >= r2 and (values or i >= r2 - r1):
                raise ctx.fail(f"Attempting to write row: {r1 + i}, beyond the last requested row of: {r2 - 1}")
            if c1 + len(values) > c2:
                raise ctx.fail(f"Attempting to write column: {c2}, beyond the last requested column of: {c2 - 1}")
        for r in range(r1, r2):
            values = rows[r - r1].get("values", []) if r - r1 < len(rows) else []
            for c in range(c1, c2):
                source = values[c - c1] if c - c1 < len(values) else {}
                _store(sheet, r, c, write_cell(sheet.cell(r, c), source, paths))
        return
    start = req.get("start")
    if start is None:
        raise ctx.fail("Either start or range must be specified.")
    sheet = ctx.sheet(start.get("sheetId", 0))
    r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
    check_coordinate(ctx, sheet, r0, c0)
    height = len(rows)
    width = max((len(row.get("values", [])) for row in rows), default=0)
    if height and r0 + height > sheet.row_count:
        raise ctx.fail(f"Attempting to write row: {sheet.row_count}, beyond the last requested row of: "
                       f"{sheet.row_count - 1}")
    if width and c0 + width > sheet.column_count:
        raise ctx.fail(f"Attempting to write column: {sheet.column_count}, beyond the last requested column of: "
                       f"{sheet.column_count - 1}")
    for i, row in enumerate(rows):
        for j, source in enumerate(row.get("values", [])):
            _store(sheet, r0 + i, c0 + j, write_cell(sheet.cell(r0 + i, c0 + j), source, paths))


def check_coordinate(ctx: Context, sheet: model.Sheet, row: int, col: int) -> None:
    """A GridCoordinate past the grid, refused with Google's wording."""
    if row >= sheet.row_count:
        raise ctx.fail(f"GridCoordinate.rowIndex[{row}] is after last row in grid[{sheet.row_count - 1}]")
    if col >= sheet.column_count:
        raise ctx.fail(f"GridCoordinate.columnIndex[{col}] is after last column in grid[{sheet.column_count - 1}]")


def _store(sheet: model.Sheet, row: int, col: int, cell: dict | None) -> None:
    sheet.set_cell(row, col, cell)


@handler("repeatCell")
def repeat_cell(ctx: Context, req: dict) -> None:
    paths = cell_mask(ctx, req.get("fields"))
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("range", {}))
    source = req.get("cell", {})
    paths = prepare_sources([source], paths)
    memo: dict[int, dict | None] = {}
    for r in range(r1, r2):
        for c in range(c1, c2):
            old = sheet.cell(r, c)
            key = id(old)
            if key not in memo:  # identical old cells (often None) share one new cell
                memo[key] = write_cell(old, source, paths)
            _store(sheet, r, c, memo[key])


@handler("appendCells")
def append_cells(ctx: Context, req: dict) -> None:
    paths = cell_mask(ctx, req.get("fields"))
    sheet = ctx.sheet(req.get("sheetId", 0))
    rows = req.get("rows", [])
    paths = prepare_sources([c for row in rows for c in row.get("values", [])], paths)
    start = sheet.last_row_with_data()
    width = max((len(row.get("values", [])) for row in rows), default=0)
    if start + len(rows) > sheet.row_count:
        sheet.resize(rows=start + len(rows))
    if width > sheet.column_count:
        sheet.resize(cols=width)
    for i, row in enumerate(rows):
        for j, source in enumerate(row.get("values", [])):
            _store(sheet, start + i, j, write_cell(sheet.cell(start + i, j), source, paths))


# ---------------------------------------------------------------- data validation

_CONDITIONS_NEEDING_VALUES = {"ONE_OF_LIST": 1, "ONE_OF_RANGE": 1, "NUMBER_GREATER": 1, "NUMBER_LESS": 1,
                              "NUMBER_BETWEEN": 2, "NUMBER_NOT_BETWEEN": 2, "NUMBER_EQ": 1, "TEXT_CONTAINS": 1,
                              "CUSTOM_FORMULA": 1, "DATE_BEFORE": 1, "DATE_AFTER": 1}


def check_validation_rule(ctx: Context, rule: dict) -> None:
    condition = rule.get("condition")
    if not condition or "type" not in condition:
        raise ctx.fail("rule.condition.type must be specified.")
    kind, values = condition["type"], condition.get("values", [])
    needed = _CONDITIONS_NEEDING_VALUES.get(kind, 0)
    if len(values) < needed:
        raise ctx.fail(f"Invalid ConditionValue size for {kind}: expected at least {needed}.")
    if kind == "ONE_OF_RANGE":
        text = values[0].get("userEnteredValue", "")
        if len(values) != 1 or not text.startswith("="):
            raise ctx.fail("ONE_OF_RANGE must have exactly one value, a range reference starting with '='.")
        try:
            ctx.book.resolve(text[1:].strip())
        except a1.A1Error:
            raise ctx.fail(f"Invalid ConditionValue.userEnteredValue: {text}") from None


@handler("setDataValidation")
def set_data_validation(ctx: Context, req: dict) -> None:
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("range", {}))
    rule = req.get("rule")
    if rule:
        check_validation_rule(ctx, rule)
    for r in range(r1, r2):
        for c in range(c1, c2):
            old = sheet.cell(r, c)
            new = dict(old or {})
            if rule:
                new["dataValidation"] = rule  # one shared dict: validations are ranges in Google's model
            else:
                new.pop("dataValidation", None)
            sheet.set_cell(r, c, new)


# ---------------------------------------------------------------- merges


def _intersects(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return outer[0] <= inner[0] and inner[2] <= outer[2] and outer[1] <= inner[1] and inner[3] <= outer[3]


@handler("mergeCells")
def merge_cells(ctx: Context, req: dict) -> None:
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("range", {}))
    kind = req.get("mergeType", "MERGE_ALL")
    frozen_rows = sheet.grid.get("frozenRowCount", 0)
    frozen_cols = sheet.grid.get("frozenColumnCount", 0)
    if kind != "MERGE_ROWS" and r1 < frozen_rows < r2:
        raise ctx.fail("You can't merge frozen and non-frozen rows.")
    if kind != "MERGE_COLUMNS" and c1 < frozen_cols < c2:
        raise ctx.fail("You can't merge frozen and non-frozen columns.")
    if kind == "MERGE_ALL":
        blocks = [(r1, c1, r2, c2)]
    elif kind == "MERGE_COLUMNS":
        blocks = [(r1, c, r2, c + 1) for c in range(c1, c2)]
    else:
        blocks = [(r, c1, r + 1, c2) for r in range(r1, r2)]
    blocks = [b for b in blocks if (b[2] - b[0]) * (b[3] - b[1]) > 1]
    whole = (r1, c1, r2, c2)
    kept = []
    for merge in sheet.merges:
        box = model.grid_range(sheet, merge)
        if _inside(box, whole):
            continue  # re-merging over old merges replaces them
        if _intersects(box, whole):
            raise ctx.fail("You can't merge cells that intersect with other merged cells.")
        kept.append(merge)
    for b in blocks:
        kept.append({"sheetId": sheet.id, "startRowIndex": b[0], "endRowIndex": b[2], "startColumnIndex": b[1],
                     "endColumnIndex": b[3]})
        for r in range(b[0], b[2]):
            for c in range(b[1], b[3]):
                if (r, c) != (b[0], b[1]):
                    old = sheet.cell(r, c)
                    if old and "userEnteredValue" in old:
                        new = dict(old)
                        new.pop("userEnteredValue")
                        sheet.set_cell(r, c, new)
    sheet.merges = kept


@handler("unmergeCells")
def unmerge_cells(ctx: Context, req: dict) -> None:
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("range", {}))
    sheet.merges = [m for m in sheet.merges if not _intersects(model.grid_range(sheet, m), (r1, c1, r2, c2))]


# ---------------------------------------------------------------- borders


def _border(border: dict | None) -> dict | None:
    if border is None:
        return None
    if border.get("style") == "NONE":
        return {}
    out = {"style": border.get("style", "SOLID")}
    out["width"] = border.get("width", BORDER_WIDTHS.get(out["style"], 1))
    out["color"] = border.get("color", border.get("colorStyle", {}).get("rgbColor", {}))
    if "colorStyle" in border:
        out["colorStyle"] = border["colorStyle"]
    return colors.sync(out)


@handler("updateBorders")
def update_borders(ctx: Context, req: dict) -> None:
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("range", {}))
    sides = {k: _border(req.get(k)) for k in ("top", "bottom", "left", "right", "innerHorizontal", "innerVertical")}
    for r in range(r1, r2):
        for c in range(c1, c2):
            changes = {
                "top": sides["top"] if r == r1 else sides["innerHorizontal"],
                "bottom": sides["bottom"] if r == r2 - 1 else sides["innerHorizontal"],
                "left": sides["left"] if c == c1 else sides["innerVertical"],
                "right": sides["right"] if c == c2 - 1 else sides["innerVertical"],
            }
            changes = {k: v for k, v in changes.items() if v is not None}
            if not changes:
                continue
            old = sheet.cell(r, c) or {}
            fmt = copy.deepcopy(old.get("userEnteredFormat", {}))
            borders = fmt.get("borders", {})
            for side, value in changes.items():
                if value:
                    borders[side] = value
                else:
                    borders.pop(side, None)
            if borders:
                fmt["borders"] = borders
            else:
                fmt.pop("borders", None)
            new = dict(old)
            if fmt:
                new["userEnteredFormat"] = fmt
            else:
                new.pop("userEnteredFormat", None)
            sheet.set_cell(r, c, new)
