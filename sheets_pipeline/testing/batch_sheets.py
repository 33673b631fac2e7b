"""batchUpdate requests about sheets and the spreadsheet: sheets and their properties, spreadsheet properties,
named ranges, protected ranges. (Charts, filters, conditional formats and groups are in batch_objects.py.)"""

from __future__ import annotations

import copy
import re

from . import colors, fieldmask, model, schema, structure
from .batch import Context, handler

DEFAULT_ROWS, DEFAULT_COLUMNS = 1000, 26
_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.]*$")
_CELLISH = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*|TRUE|FALSE)$", re.IGNORECASE)


def _mask(ctx: Context, req: dict, ref: str) -> list[tuple[str, ...]]:
    fields = req.get("fields")
    if not fields:
        raise ctx.fail("At least one field must be specified in 'fields'.")
    try:
        paths = fieldmask.paths(fields, spaces=True)
    except fieldmask.MaskError:
        raise ctx.fail(f"Invalid field mask: {fields}") from None
    problem = schema.mask_problem(ref, paths)
    if problem:
        raise ctx.fail(f"Invalid field mask '{fields}': no such field '{problem}'.")
    return paths


def new_sheet_props(ctx: Context, props: dict) -> dict:
    book = ctx.book
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = ctx.ids.int32()
        while book.sheet_by_id(sheet_id):
            sheet_id = ctx.ids.int32()
    elif book.sheet_by_id(sheet_id):
        raise ctx.fail(f"A sheet with the id {sheet_id} already exists.")
    title = props.get("title")
    if not title:
        n = len(book.sheets) + 1
        while book.sheet_by_title(f"Sheet{n}"):
            n += 1
        title = f"Sheet{n}"
    _check_title(ctx, title, None)
    index = min(max(props.get("index", len(book.sheets)), 0), len(book.sheets))
    grid = dict(props.get("gridProperties", {}))
    grid.setdefault("rowCount", DEFAULT_ROWS)
    grid.setdefault("columnCount", DEFAULT_COLUMNS)
    ordered = {"sheetId": sheet_id, "title": title, "index": index, "sheetType": props.get("sheetType", "GRID"),
               "gridProperties": {k: grid[k] for k in ("rowCount", "columnCount") if k in grid}}
    ordered["gridProperties"].update({k: v for k, v in grid.items() if k not in ("rowCount", "columnCount")})
    for key, value in props.items():
        if key not in ordered:
            ordered[key] = value
    return colors.sync(ordered)


def _check_title(ctx: Context, title: str, sheet: model.Sheet | None) -> None:
    other = ctx.book.sheet_by_title(title)
    if other is not None and other is not sheet:
        raise ctx.fail(f'A sheet with the name "{title}" already exists. Please enter another name.')
    if len(title) > 100:
        raise ctx.fail("Sheet names must be at most 100 characters.")


@handler("addSheet")
def add_sheet(ctx: Context, req: dict) -> dict:
    props = new_sheet_props(ctx, req.get("properties", {}))
    sheet = model.Sheet(props)
    ctx.book.sheets.insert(props["index"], sheet)
    ctx.book.reindex()
    return {"properties": schema.normalize(sheet.props, "SheetProperties")}


def _sheet_or_fail(ctx: Context, sheet_id: int | None) -> model.Sheet:
    sheet = ctx.book.sheet_by_id(sheet_id or 0)
    if sheet is None:
        raise ctx.fail(f"No sheet with id: {sheet_id or 0}")
    return sheet


@handler("deleteSheet")
def delete_sheet(ctx: Context, req: dict) -> None:
    sheet = _sheet_or_fail(ctx, req.get("sheetId"))
    others = [s for s in ctx.book.sheets if s is not sheet]
    if not others or all(s.props.get("hidden") for s in others):
        raise ctx.fail("You can't remove all the sheets in a document.")
    ctx.book.sheets.remove(sheet)
    ctx.book.named_ranges = [n for n in ctx.book.named_ranges if n.get("range", {}).get("sheetId", 0) != sheet.id]
    ctx.book.reindex()


@handler("duplicateSheet")
def duplicate_sheet(ctx: Context, req: dict) -> dict:
    source = _sheet_or_fail(ctx, req.get("sourceSheetId"))
    name = req.get("newSheetName") or f"Copy of {source.title}"
    if not req.get("newSheetName"):
        n = 2
        while ctx.book.sheet_by_title(name):
            name = f"Copy of {source.title} {n}"
            n += 1
    index = req.get("insertSheetIndex", source.props.get("index", 0) + 1)
    props = copy.deepcopy(source.props)
    props.pop("sheetId", None)
    props.update({"title": name, "index": index})
    if "newSheetId" in req:
        props["sheetId"] = req["newSheetId"]
    props = new_sheet_props(ctx, props)
    sheet = source.clone()
    sheet.props = props
    new_id = props["sheetId"]

    def retarget(obj: object) -> object:
        if isinstance(obj, dict):
            out = {k: retarget(v) for k, v in obj.items()}
            if out.get("sheetId", 0) == source.id and ({"startRowIndex", "startColumnIndex", "endRowIndex",
                                                         "endColumnIndex", "dimension", "rowIndex"} & out.keys()
                                                        or out.keys() == {"sheetId"}):
                out["sheetId"] = new_id
            return out
        if isinstance(obj, list):
            return [retarget(v) for v in obj]
        return obj

    sheet.merges = retarget(sheet.merges)
    sheet.conditional_formats = retarget(sheet.conditional_formats)
    sheet.protected_ranges = [dict(retarget(p), protectedRangeId=ctx.ids.int32()) for p in sheet.protected_ranges]
    sheet.basic_filter = retarget(sheet.basic_filter)
    sheet.filter_views = [dict(retarget(v), filterViewId=ctx.ids.int32()) for v in sheet.filter_views]
    sheet.banded_ranges = [dict(retarget(b), bandedRangeId=ctx.ids.int32()) for b in sheet.banded_ranges]
    sheet.charts = [dict(retarget(c), chartId=ctx.ids.int32()) for c in sheet.charts]
    sheet.row_groups = retarget(sheet.row_groups)
    sheet.column_groups = retarget(sheet.column_groups)
    ctx.book.sheets.insert(min(props["index"], len(ctx.book.sheets)), sheet)
    ctx.book.reindex()
    return {"properties": schema.normalize(sheet.props, "SheetProperties")}


@handler("updateSheetProperties")
def update_sheet_properties(ctx: Context, req: dict) -> None:
    props = req.get("properties", {})
    sheet = _sheet_or_fail(ctx, props.get("sheetId"))
    paths = _mask(ctx, req, "SheetProperties")
    old = sheet.props
    new = fieldmask.update(old, props, paths)
    colors.sync(new, prefer_style=colors.touched(paths))
    new["sheetId"] = sheet.id
    if new.get("title") != old.get("title"):
        if not new.get("title"):
            raise ctx.fail("Sheet names must not be empty.")
        _check_title(ctx, new["title"], sheet)
        structure.rename_references(ctx.book, old["title"], new["title"])
    if new.get("hidden") and all(s.props.get("hidden") for s in ctx.book.sheets if s is not sheet):
        raise ctx.fail("You can't hide all the sheets in a document.")
    old_grid, new_grid = old.get("gridProperties", {}), new.get("gridProperties", {})
    rows, cols = new_grid.get("rowCount", 0), new_grid.get("columnCount", 0)
    if sheet.props.get("sheetType", "GRID") == "GRID" and (rows < 1 or cols < 1):
        raise ctx.fail("The grid must have at least one row and one column.")
    if new_grid.get("frozenRowCount", 0) >= rows and new_grid.get("frozenRowCount", 0):
        raise ctx.fail("You can't freeze all visible rows on the sheet.")
    if new_grid.get("frozenColumnCount", 0) >= cols and new_grid.get("frozenColumnCount", 0):
        raise ctx.fail("You can't freeze all visible columns on the sheet.")
    _check_cell_limit(ctx, sheet, rows, cols)
    index_changed = new.get("index", old.get("index")) != old.get("index")
    target = new.get("index", 0)
    new["index"] = old.get("index", 0)
    sheet.props = new
    if rows != old_grid.get("rowCount") or cols != old_grid.get("columnCount"):
        sheet.props["gridProperties"] = dict(new_grid)
        sheet.resize(rows, cols)
    if index_changed:
        # Index updates count positions "before the move" (moving S1 ahead of S2 means index 2).
        position = ctx.book.sheets.index(sheet)
        ctx.book.sheets.remove(sheet)
        if target > position:
            target -= 1
        ctx.book.sheets.insert(max(0, min(target, len(ctx.book.sheets))), sheet)
    ctx.book.reindex()


def _check_cell_limit(ctx: Context, sheet: model.Sheet | None, rows: int, cols: int) -> None:
    total = sum(s.row_count * s.column_count for s in ctx.book.sheets if s is not sheet) + rows * cols
    if total > 10_000_000:
        raise ctx.fail("This action would increase the number of cells in the workbook above the limit of "
                       "10000000 cells.")


@handler("updateSpreadsheetProperties")
def update_spreadsheet_properties(ctx: Context, req: dict) -> None:
    paths = _mask(ctx, req, "SpreadsheetProperties")
    new = fieldmask.update(ctx.book.properties, req.get("properties", {}), paths)
    colors.sync(new, prefer_style=colors.touched(paths))
    if not new.get("title"):
        new["title"] = ctx.book.properties.get("title", "")
    ctx.book.properties = new


# ---------------------------------------------------------------- named ranges


def _check_name(ctx: Context, name: str, current: dict | None) -> None:
    if not name or not _NAME.match(name) or _CELLISH.match(name) or len(name) > 250:
        raise ctx.fail(f"Named range name '{name}' is not valid. Named ranges can only contain letters, numbers, "
                       "and underscores, and cannot look like a cell reference.")
    other = ctx.book.named_range(name)
    if other is not None and other is not current:
        raise ctx.fail(f"A named range with the name '{name}' already exists.")


def _stored_range(ctx: Context, rng: dict) -> dict:
    sheet = ctx.bounds(rng)[0]
    out = {"sheetId": sheet.id}
    for key in ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex"):
        if key in rng:
            out[key] = rng[key]
    return out


@handler("addNamedRange")
def add_named_range(ctx: Context, req: dict) -> dict:
    nr = dict(req.get("namedRange", {}))
    _check_name(ctx, nr.get("name", ""), None)
    if "range" not in nr:
        raise ctx.fail("namedRange.range must be specified.")
    nr_id = nr.get("namedRangeId") or ctx.ids.digits()
    if any(n.get("namedRangeId") == nr_id for n in ctx.book.named_ranges):
        raise ctx.fail(f"A named range with the id '{nr_id}' already exists.")
    stored = {"namedRangeId": nr_id, "name": nr["name"], "range": _stored_range(ctx, nr["range"])}
    ctx.book.named_ranges.append(stored)
    return {"namedRange": stored}


def _named_or_fail(ctx: Context, nr_id: str | None) -> dict:
    found = next((n for n in ctx.book.named_ranges if n.get("namedRangeId") == nr_id), None)
    if found is None:
        raise ctx.fail(f"No named range with id: {nr_id}")
    return found


@handler("updateNamedRange")
def update_named_range(ctx: Context, req: dict) -> None:
    given = req.get("namedRange", {})
    current = _named_or_fail(ctx, given.get("namedRangeId"))
    paths = _mask(ctx, req, "NamedRange")
    new = fieldmask.update(current, given, paths)
    new["namedRangeId"] = current["namedRangeId"]
    if new.get("name") != current.get("name"):
        _check_name(ctx, new.get("name", ""), current)
    if "range" in new:
        new["range"] = _stored_range(ctx, new["range"])
    ctx.book.named_ranges[ctx.book.named_ranges.index(current)] = new


@handler("deleteNamedRange")
def delete_named_range(ctx: Context, req: dict) -> None:
    ctx.book.named_ranges.remove(_named_or_fail(ctx, req.get("namedRangeId")))


# ---------------------------------------------------------------- protected ranges


def _protected_sheet(ctx: Context, pr: dict) -> model.Sheet:
    if "range" in pr:
        return ctx.bounds(pr["range"])[0]
    if "namedRangeId" in pr:
        named = _named_or_fail(ctx, pr["namedRangeId"])
        return ctx.sheet(named["range"].get("sheetId", 0))
    raise ctx.fail("A protected range must have either a range or a named range.")


@handler("addProtectedRange")
def add_protected_range(ctx: Context, req: dict) -> dict:
    pr = dict(req.get("protectedRange", {}))
    sheet = _protected_sheet(ctx, pr)
    pr_id = pr.get("protectedRangeId") or ctx.ids.int32()
    if any(p.get("protectedRangeId") == pr_id for s in ctx.book.sheets for p in s.protected_ranges):
        raise ctx.fail(f"A protected range with the id {pr_id} already exists.")
    given_editors = pr.get("editors", {})
    reply = {"protectedRangeId": pr_id}
    if "range" in pr:
        reply["range"] = _stored_range(ctx, pr["range"])
    for key in ("namedRangeId", "description", "warningOnly", "unprotectedRanges"):
        if key in pr:
            reply[key] = pr[key]
    reply["requestingUserCanEdit"] = True
    reply["editors"] = given_editors
    stored = copy.deepcopy(reply)
    # Google adds the owner as an editor of every protected range it stores (the reply does not show it).
    users = [model.SERVICE_ACCOUNT] + [u for u in given_editors.get("users", []) if u != model.SERVICE_ACCOUNT]
    stored["editors"] = dict(given_editors, users=users)
    sheet.protected_ranges.append(stored)
    return {"protectedRange": reply}


def _protected_or_fail(ctx: Context, pr_id: int | None) -> tuple[model.Sheet, dict]:
    for sheet in ctx.book.sheets:
        for pr in sheet.protected_ranges:
            if pr.get("protectedRangeId") == pr_id:
                return sheet, pr
    raise ctx.fail(f"No protected range with id: {pr_id}")


@handler("updateProtectedRange")
def update_protected_range(ctx: Context, req: dict) -> None:
    given = req.get("protectedRange", {})
    sheet, current = _protected_or_fail(ctx, given.get("protectedRangeId"))
    paths = _mask(ctx, req, "ProtectedRange")
    new = fieldmask.update(current, given, paths)
    new["protectedRangeId"] = current["protectedRangeId"]
    if "range" in new:
        new["range"] = _stored_range(ctx, new["range"])
    new_sheet = _protected_sheet(ctx, new)
    sheet.protected_ranges.remove(current)
    new_sheet.protected_ranges.append(new)


@handler("deleteProtectedRange")
def delete_protected_range(ctx: Context, req: dict) -> None:
    sheet, current = _protected_or_fail(ctx, req.get("protectedRangeId"))
    sheet.protected_ranges.remove(current)
