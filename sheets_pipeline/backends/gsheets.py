"""Google Sheets, on gspread: one read (spreadsheets.get with grid data), one atomic spreadsheets.batchUpdate.

People edit while the worker syncs. Before writing, a small guard read checks that the rows the plan writes
into still hold the leads (IDs and names) and the cell values the plan was computed from; if not, the sync reads
again and plans anew. The write itself is one batchUpdate, which Google applies whole or not at all."""

from __future__ import annotations

import copy
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import google.auth.exceptions
import gspread
import requests
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL, SPREADSHEET_URL

from ..dates import from_serial
from ..errors import BackendError, ChangedDuringSync, SheetError
from ..layout import DROPDOWN_SOURCES, LISTS_COLUMNS, Dropdown, find_tab
from ..looks import STALE_MARKER, STALE_MARKER_PATTERN, CellStyle, ChartSpec, ConditionalFormat, TabLook
from ..model import OWNED_FIELDS, CellValue, Formula, Grid, column_index, column_letter, parse_range_ref
from .base import CellChange, NewSpreadsheet, Plan, Snapshot
from .gsheets_cells import (
    DATE_PATTERN,
    a1_column,
    cell_data,
    changed_rows,
    grid_range,
    quote_title,
    rgb,
    serial,
    style_requests,
    value_rows,
)
from .gsheets_stream import SheetRead, read_spreadsheet
from .retry import RetryPolicy, describe_api_error

# Google pretty-prints JSON unless told not to (prettyPrint=false): a third of the bytes of a read.
READ_FIELDS = (
    "spreadsheetId,spreadsheetUrl,properties(title),"
    "sheets(properties(sheetId,title,index,hidden,gridProperties(rowCount,columnCount,frozenRowCount)),"
    "conditionalFormats(ranges,booleanRule(condition)),charts(chartId),protectedRanges(protectedRangeId,description),"
    "data(startRow,startColumn,rowData(values(userEnteredValue,"
    "userEnteredFormat(numberFormat(type)),dataValidation(condition)))))"
)
SHEETS_URL = "https://docs.google.com/spreadsheets/d/{key}"
_KEY_IN_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]{20,}$")
CF_COLORS = {"overdue": "FFC7CE", "stale": "FFEB9C"}
PROTECTION_NOTE = "Written by sheets-pipeline; edits here are overwritten by the next sync."
PIXELS_PER_CHARACTER = 7


def spreadsheet_key(target: str) -> str:
    match = _KEY_IN_URL.search(target)
    if match:
        return match.group(1)
    if _BARE_KEY.match(target):
        return target
    raise SheetError(f"{target}: not a Google Sheets URL or spreadsheet key")


def cf_formula(rule: ConditionalFormat) -> str:
    letter = column_letter(rule.key_column)
    if rule.kind == "overdue":
        return f"=AND(ISNUMBER({letter}{rule.first_row}),{letter}{rule.first_row}<TODAY())"
    return f'=ISNUMBER(SEARCH("{rule.marker or STALE_MARKER}",${letter}{rule.first_row}))'


_CF_PATTERNS = {
    "overdue": re.compile(r"^=AND\(ISNUMBER\(\$?(?P<column>[A-Z]+)\$?\d+\),\$?[A-Z]+\$?\d+<TODAY\(\)\)$"),
    "stale": re.compile(r'^=ISNUMBER\(SEARCH\("(?P<marker>' + STALE_MARKER_PATTERN + r')",\$(?P<column>[A-Z]+)\d+\)\)$'),
}


def _our_cf(rule: dict[str, Any]) -> tuple[str, int, str] | None:
    condition = (rule.get("booleanRule") or {}).get("condition") or {}
    if condition.get("type") != "CUSTOM_FORMULA":
        return None
    formula = ((condition.get("values") or [{}])[0]).get("userEnteredValue", "")
    for kind, pattern in _CF_PATTERNS.items():
        match = pattern.match(formula)
        if match:
            return kind, column_index(match["column"]), match.groupdict().get("marker", "")
    return None




@dataclass
class _Meta:
    """What the write needs to know of the spreadsheet as it was read."""

    sheet_ids: dict[str, int]
    sizes: dict[str, tuple[int, int]]  # title -> (rowCount, columnCount)
    charts: dict[str, list[int]]
    our_formats: list[int] = field(default_factory=list)  # indexes of our conditional formats on Pipeline
    dropdown_columns: set[int] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)


class GSheetsBackend:
    def __init__(self, client: gspread.Client, key: str | None = None, title: str = "Sales pipeline",
                 share: tuple[str, ...] = ()) -> None:
        self.client = client
        self.key = key
        self.title = title
        self.share = share

    def describe(self) -> str:
        return SHEETS_URL.format(key=self.key) if self.key else "(new Google spreadsheet)"

    @property
    def policy(self) -> RetryPolicy:
        return getattr(self.client.http_client, "policy", RetryPolicy())

    def pause(self, attempt: int) -> None:
        """Wait before the sync tries again after a failed or refused write."""
        self.policy.wait(attempt)

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except google.auth.exceptions.GoogleAuthError as exc:
            raise BackendError(f"Google sign-in failed ({exc.__class__.__name__}); check the credentials and the "
                               "network") from None
        except requests.RequestException as exc:
            raise BackendError(f"{what}: Google Sheets unreachable ({exc.__class__.__name__})") from None
        except APIError as exc:
            status = exc.response.status_code
            if status == 404:
                raise SheetError(f"{self.describe()}: spreadsheet not found (check the URL, and that it is shared "
                                 "with the account the worker uses)") from None
            if status == 403:
                raise SheetError(f"{self.describe()}: permission denied ({describe_api_error(exc)}); share the "
                                 "spreadsheet with the worker's account as an editor") from None
            raise BackendError(f"{what}: {describe_api_error(exc)}") from None

    # --- reading --------------------------------------------------------------------------------------------------

    def read(self) -> Snapshot:
        if self.key is None:
            raise SheetError("no spreadsheet given")
        http = self.client.http_client
        sheets = self._call("read", http.get_streamed, SPREADSHEET_URL % self.key,  # type: ignore[attr-defined]
                            {"includeGridData": "true", "fields": READ_FIELDS, "prettyPrint": "false"},
                            read_spreadsheet)
        tabs: dict[str, Grid] = {}
        meta = _Meta({}, {}, {})
        by_title: dict[str, SheetRead] = {}
        for sheet in sheets:
            props = sheet.properties
            title = props.get("title", "")
            by_title[title] = sheet
            meta.sheet_ids[title] = props.get("sheetId", 0)
            grid_props = props.get("gridProperties", {})
            meta.sizes[title] = (grid_props.get("rowCount", 1000), grid_props.get("columnCount", 26))
            meta.charts[title] = [chart["chartId"] for chart in sheet.charts if "chartId" in chart]
            if props.get("hidden"):
                meta.hidden.add(title)
            tabs[title] = sheet.grid
        pipeline = find_tab(tabs, "pipeline")
        lists_tab = find_tab(tabs, "lists")
        dropdowns: frozenset[Dropdown] = frozenset()
        formats: frozenset[ConditionalFormat] = frozenset()
        if pipeline is not None:
            dropdowns = self._dropdowns(by_title[pipeline], lists_tab, meta)
            formats = self._formats(by_title[pipeline], meta)
        return Snapshot(tabs=tabs, dropdowns=dropdowns, pipeline_formats=formats, handle=meta)

    @staticmethod
    def _dropdowns(sheet: SheetRead, lists_tab: str | None, meta: _Meta) -> frozenset[Dropdown]:
        """Our dropdowns found intact: one run of identical ONE_OF_RANGE rules per column, into the Lists tab."""
        found = set()
        for column, cells in sheet.dropdowns.items():
            ref = parse_range_ref(next(iter(cells.formulas))) if len(cells.formulas) == 1 else None
            if ref is None or lists_tab is None or ref[0] != lists_tab or ref[1] != ref[3] or ref[2] != 2:
                continue
            if ref[1] >= len(LISTS_COLUMNS) or LISTS_COLUMNS[ref[1]] not in DROPDOWN_SOURCES.values():
                continue
            meta.dropdown_columns.add(column)
            if cells.contiguous:
                found.add(Dropdown(column, cells.first, cells.last, ref[1], ref[4] - ref[2] + 1))
        return frozenset(found)

    @staticmethod
    def _formats(sheet: SheetRead, meta: _Meta) -> frozenset[ConditionalFormat]:
        found = set()
        for index, rule in enumerate(sheet.conditional_formats):
            ours = _our_cf(rule)
            if ours is None:
                continue
            meta.our_formats.append(index)
            ranges = rule.get("ranges", [])
            if len(ranges) != 1:
                continue
            rng = ranges[0]
            found.add(ConditionalFormat(ours[0], ours[1], rng.get("startRowIndex", 0) + 1, rng.get("endRowIndex", 0),
                                        rng.get("endColumnIndex", 1) - 1, ours[2]))
        return frozenset(found)

    # --- writing --------------------------------------------------------------------------------------------------

    def write(self, snapshot: Snapshot, plan: Plan) -> None:
        assert self.key is not None
        meta: _Meta = snapshot.handle  # type: ignore[assignment]
        cells = with_fillers(plan.cells, snapshot.tabs[plan.pipeline_tab])
        self._guard(snapshot, plan, cells)
        body = {"requests": plan_requests(plan, meta, cells, read_tabs=snapshot.tabs)}
        http = self.client.http_client
        # a write refused with 429 waits before it is sent again: the guard runs again after the wait
        http.before_resend = lambda: self._guard(snapshot, plan, cells)  # type: ignore[attr-defined]
        try:
            self._call("write", http.request, "post", SPREADSHEET_BATCH_UPDATE_URL % self.key,
                       json=body, params={"prettyPrint": "false"})
        finally:
            http.before_resend = None  # type: ignore[attr-defined]

    def _guard(self, snapshot: Snapshot, plan: Plan, cells: list[CellChange]) -> None:
        """Refuse the write when the rows it targets moved, or a target cell changed, since the read."""
        if not cells:
            return  # appends and regenerated tabs do not depend on where rows are
        pipeline = snapshot.tabs[plan.pipeline_tab]
        anchors = {plan.id_column, plan.lead_column} - {None}
        columns = sorted(anchors | {c.column for c in cells})
        response = self._call("guard read", self.client.http_client.values_batch_get, self.key,
                              [a1_column(plan.pipeline_tab, c) for c in columns],
                              params={"valueRenderOption": "FORMULA", "dateTimeRenderOption": "SERIAL_NUMBER",
                                      "majorDimension": "COLUMNS", "prettyPrint": "false"})
        now: dict[int, list[Any]] = {}
        for column, value_range in zip(columns, response.get("valueRanges", []), strict=False):
            values = value_range.get("values") or [[]]
            now[column] = values[0]

        def current(row: int, column: int) -> Any:
            values = now.get(column, [])
            return values[row - 1] if row - 1 < len(values) else None

        last_row = max(c.row for c in cells)
        for column in anchors:
            for row in range(plan.header_row + 1, last_row + 1):
                before = pipeline[row - 1][column] if row - 1 < len(pipeline) and column < len(pipeline[row - 1]) \
                    else None
                if not _same_value(before, current(row, column)):
                    raise ChangedDuringSync(f"{self.describe()}: rows moved during the sync (row {row})")
        for change in cells:
            if not _same_value(change.old, current(change.row, change.column)):
                raise ChangedDuringSync(f"{self.describe()}: {plan.pipeline_tab}!{column_letter(change.column)}"
                                        f"{change.row} was edited during the sync")

    # --- creating -------------------------------------------------------------------------------------------------

    def create(self, spreadsheet: NewSpreadsheet) -> str:
        http = self.client.http_client
        if self.key is None:
            created = self._call("create", self.client.create, self.title)
            self.key = created.id
            data = self._call("read", http.fetch_sheet_metadata, self.key)
            first = data["sheets"][0]["properties"]
            existing = {first["title"]: first["sheetId"]}
            reuse_first = True
        else:
            data = self._call("read", http.fetch_sheet_metadata, self.key)
            existing = {s["properties"]["title"]: s["properties"]["sheetId"] for s in data.get("sheets", [])}
            clash = [t for t in spreadsheet.tabs if t in existing] or \
                [t for t in existing if find_tab([t], "pipeline")]
            if clash:
                raise SheetError(f"{self.describe()}: already has a tab named {clash[0]!r}; "
                                 "remove it or use another spreadsheet")
            reuse_first = False
        requests = setup_requests(spreadsheet, existing, reuse_first)
        self._call("setup", http.batch_update, self.key, {"requests": requests})
        for email in self.share:
            self._call("share", self.client.insert_permission, self.key, email, perm_type="user", role="writer",
                       notify=True)
        return self.describe()


def _same_value(before: CellValue, now: Any) -> bool:
    """A value as read at first (typed) against the same cell read again (FORMULA rendering, serial dates)."""
    if before is None or before == "":
        return now is None or now == ""
    if isinstance(before, Formula):
        return isinstance(now, str) and now == str(before)
    number = isinstance(now, (int, float)) and not isinstance(now, bool)
    if isinstance(before, datetime):
        return number and abs(serial(before) - now) < 1e-6
    if isinstance(before, date):
        return number and from_serial(now) == before
    if isinstance(before, bool) or isinstance(now, bool):
        return before == now
    if isinstance(before, (int, float)) and isinstance(now, (int, float)):
        return abs(before - now) < 1e-9
    return before == now


# --- the requests of one write ------------------------------------------------------------------------------------

MAX_FILLER_GAP = 64


def with_fillers(changes: list[CellChange], grid: Grid) -> list[CellChange]:
    """In the columns the worker owns (Flags, Next follow-up), bridge the gaps between changed cells with their
    unchanged values, so that a column of scattered changes goes out as one range instead of thousands. The
    fillers are guarded like the changes: rewriting them cannot undo anyone's edit."""
    out = list(changes)
    by_column: dict[int, list[CellChange]] = defaultdict(list)
    for change in changes:
        if change.field in OWNED_FIELDS:
            by_column[change.column].append(change)
    for column, group in by_column.items():
        group.sort(key=lambda c: c.row)
        for before, after in itertools.pairwise(group):
            gap = range(before.row + 1, after.row)
            if not gap or len(gap) > MAX_FILLER_GAP:
                continue
            values = [_at(grid, row, column) for row in gap]
            if any(isinstance(v, Formula) for v in values):
                continue  # never rewrite someone's formula, even unchanged
            out += [CellChange(row, column, before.field, "", value, value) for row, value in zip(gap, values)]
    return out


def _at(grid: Grid, row: int, column: int) -> CellValue:
    cells = grid[row - 1] if row - 1 < len(grid) else []
    return cells[column] if column < len(cells) else None


DATE_FORMAT = {"numberFormat": {"type": "DATE", "pattern": DATE_PATTERN}}


def _value_only(value: CellValue) -> dict[str, Any]:
    data = cell_data(value)
    data.pop("userEnteredFormat", None)
    return data


def _runs(changes: list[CellChange]) -> list[list[CellChange]]:
    """Changes grouped into vertical runs of neighbouring cells of one column. Outside the owned columns a run
    holds one kind of value (dates, or the rest): the field mask of a date run also sets the number format."""
    def kind(change: CellChange) -> bool:
        return change.field in OWNED_FIELDS or isinstance(change.new, date)

    ordered = sorted(changes, key=lambda c: (c.column, kind(c), c.row))
    runs: list[list[CellChange]] = []
    for change in ordered:
        last = runs[-1][-1] if runs else None
        if last and last.column == change.column and last.row + 1 == change.row and kind(last) == kind(change):
            runs[-1].append(change)
        else:
            runs.append([change])
    return runs


def _grow(meta: _Meta, title: str, sheet_id: int, rows: int, columns: int) -> list[dict[str, Any]]:
    have_rows, have_columns = meta.sizes.get(title, (1000, 26))
    requests = []
    if rows > have_rows:
        requests.append({"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS", "length": rows - have_rows}})
    if columns > have_columns:
        requests.append({"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                             "length": columns - have_columns}})
    meta.sizes[title] = (max(rows, have_rows), max(columns, have_columns))
    return requests


def plan_requests(plan: Plan, read_meta: _Meta, cells: list[CellChange] | None = None,
                  read_tabs: dict[str, Grid] | None = None) -> list[dict[str, Any]]:
    """The batchUpdate requests of a plan; `cells` are the plan's cell changes with their fillers, `read_tabs`
    the tabs as read, against which a tab without a look is written row by row (only the rows that differ)."""
    cells = plan.cells if cells is None else cells
    meta = copy.deepcopy(read_meta)  # grows as requests add sheets and rows; the snapshot's stays as read
    requests: list[dict[str, Any]] = []
    next_id = max(meta.sheet_ids.values(), default=0) + 1
    for title in plan.tabs:
        if title not in meta.sheet_ids:
            meta.sheet_ids[title] = next_id
            meta.sizes[title] = (1000, 26)
            requests.append({"addSheet": {"properties": {"sheetId": next_id, "title": title,
                                                         "gridProperties": {"rowCount": 1000, "columnCount": 26}}}})
            next_id += 1
    pipeline_id = meta.sheet_ids[plan.pipeline_tab]
    if cells:
        last = max(c.row for c in cells)
        requests += _grow(meta, plan.pipeline_tab, pipeline_id, last, max(c.column for c in cells) + 1)
    for run in _runs(cells):
        rng = grid_range(pipeline_id, run[0].row, run[-1].row, run[0].column, run[0].column)
        requests.append({"updateCells": {"range": rng, "fields": "userEnteredValue",
                                         "rows": [{"values": [_value_only(change.new)]} for change in run]}})
        if any(isinstance(change.new, date) for change in run):  # one format for the run, not one per cell
            requests.append({"repeatCell": {"range": rng, "cell": {"userEnteredFormat": DATE_FORMAT},
                                            "fields": "userEnteredFormat.numberFormat"}})
    if plan.history:
        requests.append({"appendCells": {
            "sheetId": meta.sheet_ids[plan.history_tab],
            "rows": [{"values": [cell_data(v) for v in row]} for row in plan.history],
            "fields": "userEnteredValue,userEnteredFormat.numberFormat",
        }})
    for title, grid in plan.tabs.items():
        requests += _tab_requests(meta, title, grid, plan.looks.get(title), partial=title in plan.partial_tabs,
                                  hidden=title in plan.hidden_tabs, read=(read_tabs or {}).get(title))
    if plan.dropdowns is not None:
        requests += _dropdown_requests(meta, plan.pipeline_tab, plan.lists_tab, plan.dropdowns)
    if plan.pipeline_formats is not None:
        requests += _format_requests(meta, pipeline_id, plan.pipeline_formats)
    return requests


def _tab_requests(meta: _Meta, title: str, grid: Grid, look: TabLook | None, partial: bool,
                  hidden: bool, read: Grid | None = None) -> list[dict[str, Any]]:
    sheet_id = meta.sheet_ids[title]
    width = max((len(row) for row in grid), default=1)
    requests = _grow(meta, title, sheet_id, max(len(grid), 1), width)
    if read is not None and look is None and not partial:
        # The state tab holds a row per lead and changes by a few rows a day: its other rows stay as they are.
        requests += changed_rows(sheet_id, read, grid)
        if hidden and title not in meta.hidden:
            requests.append({"updateSheetProperties": {"properties": {"sheetId": sheet_id, "hidden": True},
                                                       "fields": "hidden"}})
        return requests
    if partial:
        requests.append({"updateCells": {"range": grid_range(sheet_id, first_col=0, last_col=width - 1),
                                         "fields": "userEnteredValue"}})
        requests.append({"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                                         "rows": value_rows(grid), "fields": "userEnteredValue"}})
        return requests
    for chart_id in meta.charts.get(title, []):
        requests.append({"deleteEmbeddedObject": {"objectId": chart_id}})
    requests.append({"updateCells": {"range": grid_range(sheet_id), "fields": "*"}})
    styles = look.styles if look else ()
    if grid:
        requests.append({"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                                         "rows": value_rows(grid),
                                         "fields": "userEnteredValue,userEnteredFormat.numberFormat"}})
    requests += style_requests(sheet_id, styles)
    if hidden and title not in meta.hidden:
        requests.append({"updateSheetProperties": {"properties": {"sheetId": sheet_id, "hidden": True},
                                                   "fields": "hidden"}})
    if look is not None:
        requests += _look_requests(sheet_id, look)
    return requests


def _look_requests(sheet_id: int, look: TabLook) -> list[dict[str, Any]]:
    requests: list[dict[str, Any]] = []
    for column, width in sorted(look.widths.items()):
        requests.append({"updateDimensionProperties": {
            "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": column - 1, "endIndex": column},
            "properties": {"pixelSize": int(width * PIXELS_PER_CHARACTER)}, "fields": "pixelSize"}})
    requests.append({"updateSheetProperties": {
        "properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": look.freeze_rows}},
        "fields": "gridProperties.frozenRowCount"}})
    for spec in look.charts:
        requests.append({"addChart": {"chart": chart_spec(sheet_id, spec)}})
    return requests


def chart_spec(sheet_id: int, spec: ChartSpec) -> dict[str, Any]:
    column, first, last = spec.categories
    header = spec.series[0].header_row if spec.series else first - 1

    def source(col: int, top: int, bottom: int) -> dict[str, Any]:
        return {"sourceRange": {"sources": [grid_range(sheet_id, top, bottom, col - 1, col - 1)]}}

    basic: dict[str, Any] = {
        "chartType": "BAR" if spec.horizontal else "COLUMN",
        "legendPosition": "RIGHT_LEGEND" if len(spec.series) > 1 else "NO_LEGEND",
        "headerCount": 1,
        "domains": [{"domain": source(column, header, last)}],
        "series": [{"series": source(s.column, s.header_row, s.last_row),
                    "targetAxis": "BOTTOM_AXIS" if spec.horizontal else "LEFT_AXIS"} for s in spec.series],
    }
    if spec.stacked:
        basic["stackedType"] = "STACKED"
    if spec.y_title:
        basic["axis"] = [{"position": "LEFT_AXIS", "title": spec.y_title}]
    return {"spec": {"title": spec.title, "basicChart": basic},
            "position": {"overlayPosition": {"anchorCell": {"sheetId": sheet_id, "rowIndex": spec.anchor_row - 1,
                                                            "columnIndex": spec.anchor_col - 1},
                                             "widthPixels": 600, "heightPixels": 300}}}


def _dropdown_requests(meta: _Meta, pipeline: str, lists_tab: str,
                       dropdowns: frozenset[Dropdown]) -> list[dict[str, Any]]:
    sheet_id = meta.sheet_ids[pipeline]
    requests: list[dict[str, Any]] = []
    wanted = {d.column for d in dropdowns}
    for column in sorted(meta.dropdown_columns - wanted):  # a column that moved: its old dropdown goes
        requests.append({"setDataValidation": {"range": grid_range(sheet_id, 2, None, column, column)}})
    if dropdowns:
        requests += _grow(meta, pipeline, sheet_id, max(d.last_row for d in dropdowns), 1)
    for dropdown in sorted(dropdowns):
        section = LISTS_COLUMNS[dropdown.lists_column]
        letter = column_letter(dropdown.lists_column)
        ref = f"={quote_title(lists_tab)}!${letter}$2:${letter}${1 + max(dropdown.length, 1)}"
        requests.append({"setDataValidation": {
            "range": grid_range(sheet_id, dropdown.first_row, dropdown.last_row, dropdown.column, dropdown.column),
            "rule": {"condition": {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": ref}]},
                     "strict": section != "sources", "showCustomUi": True},
        }})
    return requests


def _format_requests(meta: _Meta, sheet_id: int, rules: frozenset[ConditionalFormat]) -> list[dict[str, Any]]:
    requests: list[dict[str, Any]] = [
        {"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": index}}
        for index in sorted(meta.our_formats, reverse=True)
    ]
    for rule in sorted(rules):
        first_col = rule.key_column if rule.kind == "overdue" else 0
        requests.append({"addConditionalFormatRule": {"index": 0, "rule": {
            "ranges": [grid_range(sheet_id, rule.first_row, rule.last_row, first_col, rule.last_column)],
            "booleanRule": {"condition": {"type": "CUSTOM_FORMULA",
                                          "values": [{"userEnteredValue": cf_formula(rule)}]},
                            "format": {"backgroundColor": rgb(CF_COLORS[rule.kind])}},
        }}})
    return requests


# --- init ---------------------------------------------------------------------------------------------------------

def setup_requests(spreadsheet: NewSpreadsheet, existing: dict[str, int], reuse_first: bool) -> list[dict[str, Any]]:
    """Every request that lays out a new pipeline: tabs, contents, dropdowns, formats, protections."""
    meta = _Meta(sheet_ids={}, sizes={}, charts={})
    requests: list[dict[str, Any]] = []
    next_id = max(existing.values(), default=0) + 1
    for index, title in enumerate(spreadsheet.tabs):
        if index == 0 and reuse_first:
            first_id = next(iter(existing.values()))
            meta.sheet_ids[title] = first_id
            requests.append({"updateSheetProperties": {"properties": {"sheetId": first_id, "title": title},
                                                       "fields": "title"}})
        else:
            meta.sheet_ids[title] = next_id
            requests.append({"addSheet": {"properties": {"sheetId": next_id, "title": title,
                                                         "hidden": title in spreadsheet.hidden_tabs,
                                                         "gridProperties": {"rowCount": 1000, "columnCount": 26}}}})
            next_id += 1
        meta.sizes[title] = (1000, 26)
    for title, grid in spreadsheet.tabs.items():
        sheet_id = meta.sheet_ids[title]
        look = spreadsheet.looks.get(title) or _header_look(grid, title in spreadsheet.hidden_tabs)
        requests += _grow(meta, title, sheet_id, len(grid), max((len(r) for r in grid), default=1))
        requests.append({"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                                         "rows": value_rows(grid),
                                         "fields": "userEnteredValue,userEnteredFormat.numberFormat"}})
        requests += style_requests(sheet_id, look.styles)
        # No date format on empty date columns: Sheets recognises typed dates itself, and formatted empty
        # cells would come back, one by one, in every read.
        requests += _look_requests(sheet_id, look)
    requests += _dropdown_requests(meta, spreadsheet.pipeline_tab, spreadsheet.lists_tab, spreadsheet.dropdowns)
    requests += _format_requests(meta, meta.sheet_ids[spreadsheet.pipeline_tab], spreadsheet.pipeline_formats)
    requests += _protections(spreadsheet, meta)
    return requests


def _header_look(grid: Grid, hidden: bool) -> TabLook:
    if hidden or not grid or not grid[0]:
        return TabLook()
    return TabLook(styles=(CellStyle(1, 1, 1, len(grid[0]), "header"),), freeze_rows=1,
                   widths={c: max(12, min(40, len(str(v or "")) + 4)) for c, v in enumerate(grid[0], start=1)})


def _protections(spreadsheet: NewSpreadsheet, meta: _Meta) -> list[dict[str, Any]]:
    """The worker's tabs and columns warn people before an edit (warningOnly): it rewrites them."""
    requests = []
    for title in spreadsheet.tabs:
        if title in (spreadsheet.pipeline_tab, spreadsheet.lists_tab):
            continue
        requests.append({"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": meta.sheet_ids[title]}, "description": PROTECTION_NOTE, "warningOnly": True}}})
    header = spreadsheet.tabs[spreadsheet.pipeline_tab][0]
    for column in spreadsheet.owned_columns:
        requests.append({"addProtectedRange": {"protectedRange": {
            "range": grid_range(meta.sheet_ids[spreadsheet.pipeline_tab], 1, None, column, column),
            "description": f"{header[column]}: {PROTECTION_NOTE}", "warningOnly": True}}})
    return requests

