"""batchUpdate requests that move or rewrite existing cells: copyPaste, cutPaste, sortRange, findReplace,
insertRange, deleteRange."""

from __future__ import annotations

import functools
import re

from . import cellvalues, formula, model
from .batch import Context, handler
from .batch_cells import _intersects, check_coordinate


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
    check_coordinate(ctx, dst_sheet, d1, e1)
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
    # Cells pushed past the end are not lost: the sheet grows when the shifted block would overflow it.
    if dimension == "ROWS":
        height = r2 - r1
        tail = range(max(r1, sheet.row_count - height), sheet.row_count)
        if any(sheet.cell(r, c) for r in tail for c in range(c1, c2)):
            sheet.resize(rows=sheet.row_count + height)
    else:
        width = c2 - c1
        tail = range(max(c1, sheet.column_count - width), sheet.column_count)
        if any(sheet.cell(r, c) for r in range(r1, r2) for c in tail):
            sheet.resize(cols=sheet.column_count + width)
    _shift_block(sheet, r1, c1, r2, c2, dimension, insert=True)


@handler("deleteRange")
def delete_range(ctx: Context, req: dict) -> None:
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("range", {}))
    dimension = req.get("shiftDimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise ctx.fail("shiftDimension must be ROWS or COLUMNS.")
    _shift_block(sheet, r1, c1, r2, c2, dimension, insert=False)
