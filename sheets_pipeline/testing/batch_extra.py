"""Less common batchUpdate requests: moveDimension, filter views, banding, embedded object position,
dimension group updates, trimWhitespace, deleteDuplicates, randomizeRange."""

from __future__ import annotations

import copy
import re

from . import colors, fieldmask, model, structure
from .batch import Context, handler
from .batch_sheets import _mask


@handler("moveDimension")
def move_dimension(ctx: Context, req: dict) -> None:
    """Rows/columns moved as a block. Cells and sizes travel with it; ranges inside the block (merges, named
    ranges...) are moved as a deletion followed by an insertion would move them."""
    sheet, dimension, start, end = ctx.dimension_bounds(req.get("source", {}))
    count = end - start
    dest = req.get("destinationIndex", 0)
    if start <= dest <= end or not count:
        return
    rows = dimension == "ROWS"
    meta = sheet.row_meta if rows else sheet.col_meta
    block_meta = meta[start:end]
    if rows:
        block = [list(sheet.rows[r]) if r < len(sheet.rows) else [] for r in range(start, end)]
    else:
        block = [[line[c] if c < len(line) else None for c in range(start, end)] for line in sheet.rows]
    structure.move_dimension(ctx.book, sheet, dimension, start, -count)
    target = dest if dest < start else dest - count
    structure.move_dimension(ctx.book, sheet, dimension, target, count)
    meta = sheet.row_meta if rows else sheet.col_meta
    meta[target:target + count] = block_meta
    if rows:
        for i, line in enumerate(block):
            for c, cell in enumerate(line):
                sheet.set_cell(target + i, c, cell)
    else:
        for r, line in enumerate(block):
            for j, cell in enumerate(line):
                sheet.set_cell(r, target + j, cell)


@handler("updateEmbeddedObjectPosition")
def update_embedded_object_position(ctx: Context, req: dict) -> dict:
    for sheet in ctx.book.sheets:
        for chart in sheet.charts:
            if chart.get("chartId") == req.get("objectId"):
                paths = _mask(ctx, req, "EmbeddedObjectPosition")
                chart["position"] = fieldmask.update(chart.get("position", {}), req.get("newPosition", {}), paths)
                return {"position": chart["position"]}
    raise ctx.fail(f"No embedded object with id: {req.get('objectId')}")


@handler("updateDimensionGroup")
def update_dimension_group(ctx: Context, req: dict) -> None:
    given = req.get("dimensionGroup", {})
    sheet, dimension, start, end = ctx.dimension_bounds(given.get("range", {}))
    groups = sheet.row_groups if dimension == "ROWS" else sheet.column_groups
    for i, group in enumerate(groups):
        rng = group["range"]
        if rng["startIndex"] == start and rng["endIndex"] == end and group.get("depth") == given.get("depth"):
            paths = _mask(ctx, req, "DimensionGroup")
            updated = fieldmask.update(group, given, paths)
            updated["range"], updated["depth"] = group["range"], group["depth"]
            groups[i] = updated
            return
    raise ctx.fail("No dimension group with this range and depth.")


# ---------------------------------------------------------------- filter views and banding


def _closed(ctx: Context, rng: dict) -> dict:
    sheet, r1, c1, r2, c2 = ctx.bounds(rng)
    return {"sheetId": sheet.id, "startRowIndex": r1, "endRowIndex": r2, "startColumnIndex": c1,
            "endColumnIndex": c2}


def _find(ctx: Context, attr: str, key: str, value: object) -> tuple[model.Sheet, dict]:
    for sheet in ctx.book.sheets:
        for item in getattr(sheet, attr):
            if item.get(key) == value:
                return sheet, item
    raise ctx.fail(f"No {'filter view' if attr == 'filter_views' else 'banded range'} with id: {value}")


@handler("addFilterView")
def add_filter_view(ctx: Context, req: dict) -> dict:
    view = copy.deepcopy(req.get("filter", {}))
    view["filterViewId"] = view.get("filterViewId") or ctx.ids.int32()
    view["range"] = _closed(ctx, view.get("range", {}))
    view.setdefault("title", f"Filter {sum(len(s.filter_views) for s in ctx.book.sheets) + 1}")
    ctx.sheet(view["range"]["sheetId"]).filter_views.append(view)
    return {"filter": view}


@handler("updateFilterView")
def update_filter_view(ctx: Context, req: dict) -> None:
    given = req.get("filter", {})
    sheet, view = _find(ctx, "filter_views", "filterViewId", given.get("filterViewId"))
    new = fieldmask.update(view, given, _mask(ctx, req, "FilterView"))
    new["filterViewId"] = view["filterViewId"]
    if "range" in new:
        new["range"] = _closed(ctx, new["range"])
    sheet.filter_views[sheet.filter_views.index(view)] = new


@handler("deleteFilterView")
def delete_filter_view(ctx: Context, req: dict) -> None:
    sheet, view = _find(ctx, "filter_views", "filterViewId", req.get("filterId"))
    sheet.filter_views.remove(view)


@handler("duplicateFilterView")
def duplicate_filter_view(ctx: Context, req: dict) -> dict:
    sheet, view = _find(ctx, "filter_views", "filterViewId", req.get("filterId"))
    twin = copy.deepcopy(view)
    twin["filterViewId"] = ctx.ids.int32()
    twin["title"] = f"Filter {sum(len(s.filter_views) for s in ctx.book.sheets) + 1}"
    sheet.filter_views.append(twin)
    return {"filter": twin}


@handler("addBanding")
def add_banding(ctx: Context, req: dict) -> dict:
    banded = copy.deepcopy(req.get("bandedRange", {}))
    banded["bandedRangeId"] = banded.get("bandedRangeId") or ctx.ids.int32()
    banded["range"] = _closed(ctx, banded.get("range", {}))
    if "rowProperties" not in banded and "columnProperties" not in banded:
        raise ctx.fail("A banded range must have row or column properties.")
    colors.sync(banded)
    ctx.sheet(banded["range"]["sheetId"]).banded_ranges.append(banded)
    return {"bandedRange": banded}


@handler("updateBanding")
def update_banding(ctx: Context, req: dict) -> None:
    given = req.get("bandedRange", {})
    sheet, banded = _find(ctx, "banded_ranges", "bandedRangeId", given.get("bandedRangeId"))
    paths = _mask(ctx, req, "BandedRange")
    new = colors.sync(fieldmask.update(banded, given, paths), prefer_style=colors.touched(paths))
    new["bandedRangeId"] = banded["bandedRangeId"]
    if "range" in new:
        new["range"] = _closed(ctx, new["range"])
    sheet.banded_ranges[sheet.banded_ranges.index(banded)] = new


@handler("deleteBanding")
def delete_banding(ctx: Context, req: dict) -> None:
    sheet, banded = _find(ctx, "banded_ranges", "bandedRangeId", req.get("bandedRangeId"))
    sheet.banded_ranges.remove(banded)


# ---------------------------------------------------------------- cleanup requests


@handler("trimWhitespace")
def trim_whitespace(ctx: Context, req: dict) -> dict:
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("range", {}))
    changed = 0
    for r, c, cell in list(sheet.iter_cells()):
        value = cell.get("userEnteredValue", {})
        if r1 <= r < r2 and c1 <= c < c2 and "stringValue" in value:
            trimmed = re.sub(r"\s+", " ", value["stringValue"]).strip()
            if trimmed != value["stringValue"]:
                new = dict(cell)
                if trimmed:
                    new["userEnteredValue"] = {"stringValue": trimmed}
                else:
                    new.pop("userEnteredValue")
                sheet.set_cell(r, c, new)
                changed += 1
    return {"cellsChangedCount": changed}


@handler("deleteDuplicates")
def delete_duplicates(ctx: Context, req: dict) -> dict:
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("range", {}))
    columns = [rng.get("startIndex", 0) for rng in req.get("comparisonColumns", [])] or list(range(c1, c2))
    seen, kept = set(), []
    for r in range(r1, r2):
        key = tuple(schema_key(ctx.book.effective(sheet, r, c)[0]) for c in columns)
        if key in seen:
            continue
        seen.add(key)
        kept.append([sheet.cell(r, c) for c in range(c1, c2)])
    removed = (r2 - r1) - len(kept)
    for i in range(r2 - r1):
        line = kept[i] if i < len(kept) else [None] * (c2 - c1)
        for j, cell in enumerate(line):
            sheet.set_cell(r1 + i, c1 + j, cell)
    return {"duplicatesRemovedCount": removed}


def schema_key(value: dict | None) -> tuple:
    if not value:
        return ()
    kind, raw = next(iter(value.items()))
    return (kind, raw.casefold() if isinstance(raw, str) else str(raw))


@handler("randomizeRange")
def randomize_range(ctx: Context, req: dict) -> None:
    sheet, r1, c1, r2, c2 = ctx.bounds(req.get("range", {}))
    rows = [[sheet.cell(r, c) for c in range(c1, c2)] for r in range(r1, r2)]
    ctx.ids.rng.shuffle(rows)
    for i, line in enumerate(rows):
        for j, cell in enumerate(line):
            sheet.set_cell(r1 + i, c1 + j, cell)

