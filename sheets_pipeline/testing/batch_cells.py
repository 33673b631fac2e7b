"""batchUpdate requests that write cells: updateCells, repeatCell, appendCells, setDataValidation, merges,
borders, copy/cut-paste, sortRange, findReplace, insertRange/deleteRange."""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from . import a1, cellvalues, colors, fieldmask, formula, model, schema
from .batch import Context, handler

READ_ONLY = ("effectiveValue", "formattedValue", "effectiveFormat")
BORDER_WIDTHS = {"DOTTED": 1, "DASHED": 1, "SOLID": 1, "SOLID_MEDIUM": 2, "SOLID_THICK": 3, "DOUBLE": 3}


def cell_mask(ctx: Context, fields: str | None) -> list[tuple[str, ...]]:
    if not fields:
        raise ctx.fail("At least one field must be specified in 'fields'.")
    try:
        paths = fieldmask.paths(fields)
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
    height = len(rows)
    width = max((len(row.get("values", [])) for row in rows), default=0)
    if height and width:
        ctx.bounds({"sheetId": sheet.id, "startRowIndex": r0, "endRowIndex": r0 + height,
                    "startColumnIndex": c0, "endColumnIndex": c0 + width})
    for i, row in enumerate(rows):
        for j, source in enumerate(row.get("values", [])):
            _store(sheet, r0 + i, c0 + j, write_cell(sheet.cell(r0 + i, c0 + j), source, paths))


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


# ---------------------------------------------------------------- copy / cut / sort


def _pasted(book: model.Spreadsheet, sheet: model.Sheet, src: dict | None, target: dict | None, paste_type: str,
            src_pos: tuple[int, int], dst_pos: tuple[int, int]) -> dict | None:
    """The target cell after pasting `src` into it."""
    src = src or {}
    out = dict(target or {})
    value = src.get("userEnteredValue")
    if value and "formulaValue" in value:
        value = {"formulaValue": formula.offset(value["formulaValue"], dst_pos[0] - src_pos[0],
                                                dst_pos[1] - src_pos[1])}
    if paste_type in ("PASTE_NORMAL", "PASTE_NO_BORDERS"):
        out = {k: v for k, v in src.items()}
        if value is not None:
            out["userEnteredValue"] = value
        if paste_type == "PASTE_NO_BORDERS" and "userEnteredFormat" in out:
            fmt = dict(out["userEnteredFormat"])
            fmt.pop("borders", None)
            out["userEnteredFormat"] = fmt
    elif paste_type == "PASTE_VALUES":
        effective, _ = book.effective(sheet, *src_pos)
        if effective is None or "errorValue" in effective:
            out.pop("userEnteredValue", None)
        else:
            out["userEnteredValue"] = effective
    elif paste_type == "PASTE_FORMULA":
        if value is None:
            out.pop("userEnteredValue", None)
        else:
            out["userEnteredValue"] = value
    elif paste_type == "PASTE_FORMAT":
        if "userEnteredFormat" in src:
            out["userEnteredFormat"] = src["userEnteredFormat"]
        else:
            out.pop("userEnteredFormat", None)
    elif paste_type == "PASTE_DATA_VALIDATION":
        if "dataValidation" in src:
            out["dataValidation"] = src["dataValidation"]
        else:
            out.pop("dataValidation", None)
    return out or None


@handler("copyPaste")
def copy_paste(ctx: Context, req: dict) -> None:
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("source", {}))
    dst_sheet, d1, e1, d2, e2 = ctx.bounds(req.get("destination", {}))
    paste_type = req.get("pasteType", "PASTE_NORMAL")
    transpose = req.get("pasteOrientation") == "TRANSPOSE"
    height, width = r2 - r1, c2 - c1
    if transpose:
        height, width = width, height
    if not height or not width:
        return
    reps_r = max(1, (d2 - d1) // height)
    reps_c = max(1, (e2 - e1) // width)
    if d1 + reps_r * height > dst_sheet.row_count or e1 + reps_c * width > dst_sheet.column_count:
        raise ctx.fail("The destination range exceeds the grid limits.")
    if paste_type == "PASTE_CONDITIONAL_FORMATTING":
        return
    source = {(r, c): sheet.cell(r, c) for r in range(r1, r2) for c in range(c1, c2)}
    for i in range(reps_r * height):
        for j in range(reps_c * width):
            si, sj = i % height, j % width
            sr, sc = (r1 + sj, c1 + si) if transpose else (r1 + si, c1 + sj)
            tr, tc = d1 + i, e1 + j
            dst_sheet.set_cell(tr, tc, _pasted(ctx.book, sheet, source[(sr, sc)], dst_sheet.cell(tr, tc), paste_type,
                                               (sr, sc), (tr, tc)))


@handler("cutPaste")
def cut_paste(ctx: Context, req: dict) -> None:
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("source", {}))
    dest = req.get("destination", {})
    dst_sheet = ctx.sheet(dest.get("sheetId", 0))
    d1, e1 = dest.get("rowIndex", 0), dest.get("columnIndex", 0)
    ctx.bounds({"sheetId": dst_sheet.id, "startRowIndex": d1, "endRowIndex": d1 + r2 - r1,
                "startColumnIndex": e1, "endColumnIndex": e1 + c2 - c1})
    paste_type = req.get("pasteType", "PASTE_NORMAL")
    source = {(r, c): sheet.cell(r, c) for r in range(r1, r2) for c in range(c1, c2)}
    for (r, c), cell in source.items():
        if paste_type == "PASTE_NORMAL":
            sheet.set_cell(r, c, None)
        elif cell and paste_type in ("PASTE_VALUES", "PASTE_FORMULA"):
            sheet.set_cell(r, c, {k: v for k, v in cell.items() if k != "userEnteredValue"} or None)
        elif cell and paste_type == "PASTE_FORMAT":
            sheet.set_cell(r, c, {k: v for k, v in cell.items() if k != "userEnteredFormat"} or None)
    for (r, c), cell in source.items():
        tr, tc = d1 + r - r1, e1 + c - c1
        if paste_type == "PASTE_NORMAL":
            moved = dict(cell) if cell else None
            if moved and "formulaValue" in moved.get("userEnteredValue", {}):
                moved["userEnteredValue"] = {"formulaValue": moved["userEnteredValue"]["formulaValue"]}
            dst_sheet.set_cell(tr, tc, moved)
        else:
            dst_sheet.set_cell(tr, tc, _pasted(ctx.book, sheet, cell, dst_sheet.cell(tr, tc), paste_type, (r, c),
                                               (tr, tc)))


def _sort_key(value: dict | None) -> tuple:
    """Blanks sort last in both orders; then numbers < text < booleans < errors (case-insensitive text)."""
    if not value:
        return (1,)
    if "numberValue" in value:
        return (0, 0, value["numberValue"])
    if "stringValue" in value:
        return (0, 1, value["stringValue"].casefold())
    if "boolValue" in value:
        return (0, 2, value["boolValue"])
    return (0, 3, "")


def sort_rows(book: model.Spreadsheet, sheet: model.Sheet, r1: int, c1: int, r2: int, c2: int,
              specs: list[dict]) -> None:
    """Reorder rows r1..r2 (columns c1..c2 only) by the sort specs, moving whole cells."""
    keyed = []
    for r in range(r1, r2):
        keys = [book.effective(sheet, r, spec.get("dimensionIndex", 0))[0] for spec in specs]
        keyed.append((r, keys))

    def compare(a: tuple, b: tuple) -> int:
        for spec, ka, kb in zip(specs, a[1], b[1]):
            sa, sb = _sort_key(ka), _sort_key(kb)
            if sa == sb:
                continue
            if sa[0] != sb[0]:
                return -1 if sa[0] < sb[0] else 1  # blanks last whatever the order
            less = sa < sb
            if spec.get("sortOrder", "ASCENDING") == "DESCENDING":
                less = not less
            return -1 if less else 1
        return 0

    ordered = sorted(keyed, key=functools.cmp_to_key(compare))
    snapshot = {r: [sheet.cell(r, c) for c in range(c1, c2)] for r in range(r1, r2)}
    for new_r, (old_r, _) in zip(range(r1, r2), ordered):
        for j, cell in enumerate(snapshot[old_r]):
            if cell and "formulaValue" in cell.get("userEnteredValue", {}) and new_r != old_r:
                cell = dict(cell, userEnteredValue={
                    "formulaValue": formula.offset(cell["userEnteredValue"]["formulaValue"], new_r - old_r, 0)})
            sheet.set_cell(new_r, c1 + j, cell)


@handler("sortRange")
def sort_range(ctx: Context, req: dict) -> None:
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("range", {}))
    specs = req.get("sortSpecs") or [{"dimensionIndex": c1}]
    for spec in specs:
        if not c1 <= spec.get("dimensionIndex", 0) < c2:
            raise ctx.fail(f"Invalid sortSpec dimensionIndex: {spec.get('dimensionIndex', 0)}")
    for merge in sheet.merges:
        if _intersects(model.grid_range(sheet, merge), (r1, c1, r2, c2)):
            raise ctx.fail("You can't sort a range containing merged cells.")
    sort_rows(ctx.book, sheet, r1, c1, r2, c2, specs)


# ---------------------------------------------------------------- find / replace


@handler("findReplace")
def find_replace(ctx: Context, req: dict) -> dict:
    find = req.get("find", "")
    if not find:
        raise ctx.fail("find must not be empty.")
    replacement = req.get("replacement", "")
    flags = 0 if req.get("matchCase") else re.IGNORECASE
    pattern = find if req.get("searchByRegex") else re.escape(find)
    if req.get("matchEntireCell"):
        pattern = f"^(?:{pattern})$"
    try:
        regex = re.compile(pattern, flags)
    except re.error:
        raise ctx.fail(f"Invalid regular expression: {find}") from None
    if "range" in req:
        sheet, r1, c1, r2, c2 = ctx.bounds(req["range"])
        targets = [(sheet, (r1, c1, r2, c2))]
    elif req.get("allSheets"):
        targets = [(s, (0, 0, s.row_count, s.column_count)) for s in ctx.book.sheets]
    else:
        sheet = ctx.sheet(req.get("sheetId", 0))
        targets = [(sheet, (0, 0, sheet.row_count, sheet.column_count))]
    counts = {"valuesChanged": 0, "formulasChanged": 0, "rowsChanged": 0, "sheetsChanged": 0,
              "occurrencesChanged": 0}
    repl = replacement if req.get("searchByRegex") else replacement.replace("\\", "\\\\")
    for sheet, (r1, c1, r2, c2) in targets:
        rows_hit, sheet_hit = set(), False
        for r, c, cell in list(sheet.iter_cells()):
            if not (r1 <= r < r2 and c1 <= c < c2) or "userEnteredValue" not in cell:
                continue
            entered = cell["userEnteredValue"]
            if "formulaValue" in entered:
                if not req.get("includeFormulas"):
                    continue
                text = entered["formulaValue"]
            else:
                text = cellvalues.formatted(entered, cell.get("userEnteredFormat", {}).get("numberFormat")) or ""
            new_text, n = regex.subn(repl, text)
            if not n or new_text == text:
                continue
            if "formulaValue" in entered:
                new_value = {"formulaValue": new_text}
                counts["formulasChanged"] += 1
            else:
                new_value = {"stringValue": new_text} if "stringValue" in entered else \
                    cellvalues.parse_user_entered(new_text, ctx.book.properties.get("locale", "en_US"))[0]
                counts["valuesChanged"] += 1
            counts["occurrencesChanged"] += n
            rows_hit.add(r)
            sheet_hit = True
            new = dict(cell)
            if new_value:
                new["userEnteredValue"] = new_value
            else:
                new.pop("userEnteredValue")
            sheet.set_cell(r, c, new)
        counts["rowsChanged"] += len(rows_hit)
        counts["sheetsChanged"] += int(sheet_hit)
    return counts


# ---------------------------------------------------------------- insertRange / deleteRange


def _shift_block(sheet: model.Sheet, r1: int, c1: int, r2: int, c2: int, dimension: str, insert: bool) -> None:
    if dimension == "ROWS":
        height = r2 - r1
        columns = range(c1, c2)
        last = sheet.row_count
        for c in columns:
            column = [sheet.cell(r, c) for r in range(r1, last)]
            if insert:
                column = [None] * height + column
            else:
                column = column[height:] + [None] * height
            for i, cell in enumerate(column[: last - r1]):
                sheet.set_cell(r1 + i, c, cell)
    else:
        width = c2 - c1
        last = sheet.column_count
        for r in range(r1, r2):
            line = [sheet.cell(r, c) for c in range(c1, last)]
            line = [None] * width + line if insert else line[width:] + [None] * width
            for i, cell in enumerate(line[: last - c1]):
                sheet.set_cell(r, c1 + i, cell)


@handler("insertRange")
def insert_range(ctx: Context, req: dict) -> None:
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("range", {}))
    dimension = req.get("shiftDimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise ctx.fail("shiftDimension must be ROWS or COLUMNS.")
    # The sheet grows so that nothing falls off its end.
    if dimension == "ROWS":
        sheet.resize(rows=sheet.row_count + (r2 - r1))
    else:
        sheet.resize(cols=sheet.column_count + (c2 - c1))
    _shift_block(sheet, r1, c1, r2, c2, dimension, insert=True)


@handler("deleteRange")
def delete_range(ctx: Context, req: dict) -> None:
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("range", {}))
    dimension = req.get("shiftDimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise ctx.fail("shiftDimension must be ROWS or COLUMNS.")
    _shift_block(sheet, r1, c1, r2, c2, dimension, insert=False)


def typed_cell(value: Any, locale: str, old: dict | None, raw: bool) -> dict | None:
    """A cell after a value is written by the values API (RAW or USER_ENTERED); format kept, value replaced."""
    if raw:
        entered, detected = cellvalues.raw_value(value), None
    else:
        entered, detected = cellvalues.parse_user_entered(value, locale)
    new = dict(old or {})
    if entered is None:
        new.pop("userEnteredValue", None)
    else:
        new["userEnteredValue"] = entered
    if detected is not None:
        fmt = dict(new.get("userEnteredFormat", {}))
        current = fmt.get("numberFormat", {}).get("type")
        # A cell already formatted as a date keeps its format when a date is typed into it.
        if not (detected["type"] in ("DATE", "DATE_TIME", "TIME") and current in ("DATE", "DATE_TIME", "TIME")):
            fmt["numberFormat"] = detected
        new["userEnteredFormat"] = fmt
    return new or None
