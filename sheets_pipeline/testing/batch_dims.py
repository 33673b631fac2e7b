"""batchUpdate requests on rows and columns: insert, delete, append, properties, auto-resize."""

from __future__ import annotations

from . import cellvalues, fieldmask, model, schema, structure
from .batch import Context, handler
from .batch_sheets import _check_cell_limit


def _size(sheet: model.Sheet, dimension: str) -> int:
    return sheet.row_count if dimension == "ROWS" else sheet.column_count


def _label(dimension: str) -> str:
    return "rows" if dimension == "ROWS" else "columns"


@handler("insertDimension")
def insert_dimension(ctx: Context, req: dict) -> None:
    rng = req.get("range", {})
    sheet = ctx.sheet(rng.get("sheetId", 0))
    dimension = rng.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise ctx.fail("range.dimension must be specified.")
    start, end = rng.get("startIndex", 0), rng.get("endIndex", 0)
    if end <= start:
        raise ctx.fail("The end index must be greater than the start index.")
    if start > _size(sheet, dimension):
        raise ctx.fail(f"Cannot insert {_label(dimension)} starting past the end of the grid: "
                       f"{start} > {_size(sheet, dimension)}.")
    inherit = req.get("inheritFromBefore", False)
    if inherit and start == 0:
        raise ctx.fail(f"Cannot inherit from before the first {_label(dimension)[:-1]}.")
    count = end - start
    rows = sheet.row_count + (count if dimension == "ROWS" else 0)
    cols = sheet.column_count + (count if dimension == "COLUMNS" else 0)
    _check_cell_limit(ctx, sheet, rows, cols)
    structure.move_dimension(ctx.book, sheet, dimension, start, count, inherit)


@handler("deleteDimension")
def delete_dimension(ctx: Context, req: dict) -> None:
    sheet, dimension, start, end = ctx.dimension_bounds(req.get("range", {}))
    if end <= start:
        return
    if start == 0 and end >= _size(sheet, dimension):
        raise ctx.fail(f"You can't delete all the {_label(dimension)} on the sheet.")
    structure.move_dimension(ctx.book, sheet, dimension, start, -(end - start))


@handler("appendDimension")
def append_dimension(ctx: Context, req: dict) -> None:
    sheet = ctx.sheet(req.get("sheetId", 0))
    dimension = req.get("dimension")
    length = req.get("length", 0)
    if dimension not in ("ROWS", "COLUMNS") or length <= 0:
        raise ctx.fail("length must be greater than zero and dimension must be specified.")
    rows = sheet.row_count + (length if dimension == "ROWS" else 0)
    cols = sheet.column_count + (length if dimension == "COLUMNS" else 0)
    _check_cell_limit(ctx, sheet, rows, cols)
    structure.move_dimension(ctx.book, sheet, dimension, _size(sheet, dimension), length, True)


@handler("updateDimensionProperties")
def update_dimension_properties(ctx: Context, req: dict) -> None:
    if "range" not in req:
        raise ctx.fail("range must be specified.")
    sheet, dimension, start, end = ctx.dimension_bounds(req["range"])
    fields = req.get("fields")
    if not fields:
        raise ctx.fail("At least one field must be specified in 'fields'.")
    paths = fieldmask.paths(fields, spaces=True)
    problem = schema.mask_problem("DimensionProperties", paths)
    if problem:
        raise ctx.fail(f"Invalid field mask '{fields}': no such field '{problem}'.")
    meta = sheet.row_meta if dimension == "ROWS" else sheet.col_meta
    props = req.get("properties", {})
    default = model.DEFAULT_ROW_PIXELS if dimension == "ROWS" else model.DEFAULT_COLUMN_PIXELS
    for i in range(start, end):
        new = schema.normalize(fieldmask.update(meta[i] or {}, props, paths), "DimensionProperties")
        if new.get("pixelSize") == default:
            new.pop("pixelSize")
        meta[i] = new or None


_WIDE = set("ABCDEFGHKMNOQRSUVWXYZmw@%#")


def _text_width(text: str) -> int:
    """Approximate pixel width of Arial 10 text plus the cell padding (1024 x 'A' -> 8691 px, as recorded)."""
    longest = max((sum(8.48 if ch in _WIDE else 3.5 if ch in " .,:;'!|il" else 6.7 for ch in line)
                   for line in text.split("\n")), default=0)
    return round(longest + 7)


@handler("autoResizeDimensions")
def auto_resize_dimensions(ctx: Context, req: dict) -> None:
    rng = req.get("dimensions")
    if rng is None:
        raise ctx.fail("dimensions must be specified.")
    sheet, dimension, start, end = ctx.dimension_bounds(rng)
    meta = sheet.row_meta if dimension == "ROWS" else sheet.col_meta
    for index in range(start, end):
        sizes = []
        cells = ((r, index) for r in range(len(sheet.rows))) if dimension == "COLUMNS" else \
            ((index, c) for c in range(len(sheet.rows[index]) if index < len(sheet.rows) else 0))
        for r, c in cells:
            cell = sheet.cell(r, c)
            if not cell or "userEnteredValue" not in cell:
                continue
            effective, hint = ctx.book.effective(sheet, r, c)
            text = cellvalues.formatted(effective, cell.get("userEnteredFormat", {}).get("numberFormat") or hint)
            if text:
                sizes.append(_text_width(text) if dimension == "COLUMNS" else 21 * (text.count("\n") + 1))
        if sizes:
            entry = dict(meta[index] or {})
            entry["pixelSize"] = max(sizes)
            meta[index] = entry
