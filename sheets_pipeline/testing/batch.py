"""spreadsheets.batchUpdate: dispatch, all-or-nothing, replies.

Every sub-request runs against a clone of the spreadsheet; the first failure raises and the clone is dropped,
so nothing of the batch is applied (as Google does). Replies follow the discovery document's Response message:
a request kind that has a reply type answers ``{"<kind>": {...}}`` (possibly empty), the others ``{}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import a1, errors, model, schema

Handler = Callable[["Context", dict], Any]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


class Context:
    """What a sub-request handler needs: the working spreadsheet, id generation, Google-shaped failures."""

    def __init__(self, book: model.Spreadsheet, ids: model.Ids, index: int, kind: str) -> None:
        self.book = book
        self.ids = ids
        self.index = index
        self.kind = kind

    def fail(self, message: str) -> errors.ApiError:
        return errors.bad_request(self.index, self.kind, message)

    def sheet(self, sheet_id: int | None) -> model.Sheet:
        sheet = self.book.sheet_by_id(sheet_id or 0)
        if sheet is None:
            raise self.fail(f"No grid with id: {sheet_id or 0}")
        return sheet

    def bounds(self, rng: dict, allow_beyond: bool = False) -> tuple[model.Sheet, int, int, int, int]:
        """A GridRange closed on its sheet's grid; a range past the grid is refused."""
        sheet = self.sheet(rng.get("sheetId", 0))
        r1, c1, r2, c2 = model.grid_range(sheet, rng)
        if r1 > r2 or c1 > c2 or r1 < 0 or c1 < 0:
            raise self.fail("The start index must be less than or equal to the end index.")
        if not allow_beyond and (r2 > sheet.row_count or c2 > sheet.column_count):
            shown = a1.format_range(sheet.title, r1, c1, max(r2, r1 + 1), max(c2, c1 + 1))
            raise self.fail(f"Range ({shown}) exceeds grid limits. Max rows: {sheet.row_count}, "
                            f"max columns: {sheet.column_count}")
        return sheet, r1, c1, r2, c2

    def dimension_bounds(self, rng: dict) -> tuple[model.Sheet, str, int, int]:
        sheet = self.sheet(rng.get("sheetId", 0))
        dimension = rng.get("dimension")
        if dimension not in ("ROWS", "COLUMNS"):
            raise self.fail("range.dimension must be specified.")
        size = sheet.row_count if dimension == "ROWS" else sheet.column_count
        start = rng.get("startIndex", 0)
        end = rng.get("endIndex", size)
        if start < 0 or end < start:
            raise self.fail("The start index must be less than or equal to the end index.")
        if end > size:
            label = "rows" if dimension == "ROWS" else "columns"
            raise self.fail(f"Cannot delete or operate on {label} past the end of the grid: {end} > {size}.")
        return sheet, dimension, start, end


def _request_schema(kind: str) -> str:
    return schema.schemas()["Request"]["properties"][kind]["$ref"]


def _reply_schema(kind: str) -> str | None:
    prop = schema.schemas()["Response"]["properties"].get(kind)
    return prop["$ref"] if prop else None


def apply(book: model.Spreadsheet, ids: model.Ids, requests: list[dict]) -> tuple[model.Spreadsheet, list[dict]]:
    """Run the sub-requests on a clone; return (new spreadsheet, replies). Raises ApiError, applying nothing."""
    if not requests:
        raise errors.invalid("Must specify at least one request.")
    work = book.clone()
    replies = []
    for index, request in enumerate(requests):
        kinds = [k for k, v in (request or {}).items() if v is not None]
        if len(kinds) != 1:
            if not kinds:
                raise errors.invalid(f"Invalid requests[{index}]: No request kind set.")
            raise errors.invalid(f"Invalid JSON payload received. Oneof field 'kind' is already set. "
                                 f"Cannot set '{kinds[1]}'")
        kind = schema.camel(kinds[0])
        fn = HANDLERS.get(kind)
        if fn is None:
            raise errors.invalid(f"Invalid requests[{index}].{kind}: this request kind is not supported by the "
                                 "Sheets emulator (sheets_pipeline.testing).")
        payload = schema.normalize(request[kinds[0]], _request_schema(kind))
        ctx = Context(work, ids, index, kind)
        result = fn(ctx, payload)
        work.touch()  # the next sub-request must not see formula values computed before this one
        reply_schema = _reply_schema(kind)
        if reply_schema is None:
            replies.append({})
        else:
            replies.append({kind: schema.normalize(result or {}, reply_schema)})
    return work, replies


def import_handlers() -> None:
    """Register the handlers (kept in small modules by theme)."""
    from . import batch_cells, batch_dims, batch_extra, batch_move, batch_objects, batch_sheets  # noqa: F401
