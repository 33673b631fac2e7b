"""The local .xlsx workbook, on openpyxl: read whole, written atomically, refusing any write that would lose
something a person put in the workbook."""

from __future__ import annotations

import glob
import os
import re
import tempfile
import warnings
import zipfile
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import (
    BackendError,
    ChangedDuringSync,
    SheetError,
    WorkbookInUse,
    WouldLoseContent,
)
from ..layout import DROPDOWN_SOURCES, LISTS_COLUMNS, MAX_COLUMNS, MAX_ROWS, Dropdown, find_tab
from ..looks import STALE_MARKER, STALE_MARKER_PATTERN, CellStyle, ChartSpec, ConditionalFormat, TabLook
from ..model import CellValue, Formula, Grid, column_index, parse_range_ref
from ..text import storable
from .base import NewSpreadsheet, Plan, Snapshot
from .inventory import dropped, inventory, lossy
from .xlsx_quick import Unsupported, read_quickly

SUFFIXES = (".xlsx", ".xlsm")
MAX_EXPANDED_BYTES = 500_000_000  # 100,000 leads unpack to about 60 MB
BOMB_PART_BYTES, BOMB_RATIO = 50_000_000, 100  # real sheets compress about 10 times, zip bombs by thousands
DATE_FORMAT = "yyyy-mm-dd"
NAME_PREFIX = "SP_"  # defined names the worker owns, one per Lists column offered in a dropdown
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="305496")


def lock_files(path: Path) -> list[Path]:
    """Lock files Excel (~$name) and LibreOffice (.~lock.name#) leave beside a workbook they have open."""
    return [p for p in (path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")) if p.exists()]


def _version(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _cell_value(cell: Any) -> CellValue:
    value = cell.value
    if value is None:
        return None
    if cell.data_type == "f":
        return Formula(value if isinstance(value, str) else getattr(value, "text", str(value)))
    if isinstance(value, CellRichText):
        return str(value)
    if isinstance(value, datetime):
        return value.date() if value.time() == time() else value
    if isinstance(value, time):
        return value.isoformat()
    return value


def _grid(ws: Worksheet, path: Path) -> Grid:
    """The tab's values, built from the cells that exist: a sheet with one cell at row 1,048,576 (or thousands of
    styled empty cells, as LibreOffice writes) costs what it holds, not what its dimension claims."""
    rows: dict[int, dict[int, CellValue]] = {}
    for (r, c), cell in ws._cells.items():
        value = _cell_value(cell)
        if value is not None:
            if r > MAX_ROWS or c > MAX_COLUMNS:  # no spreadsheet program writes it; a grid that far would not fit
                raise SheetError(f"{path}: tab '{ws.title}' has a cell at row {r:,}, column {c:,}, past the "
                                 f"{MAX_ROWS:,} rows and {MAX_COLUMNS:,} columns a spreadsheet holds (a damaged "
                                 "or forged workbook)")
            rows.setdefault(r, {})[c] = value
    grid: Grid = [[] for _ in range(max(rows, default=0))]
    for r, cells in rows.items():
        row: list[CellValue] = [None] * max(cells)
        for c, value in cells.items():
            row[c - 1] = value
        grid[r - 1] = row
    return grid


def _write_value(cell: Any, value: CellValue) -> None:
    """Store a value as data, never as something a spreadsheet would evaluate."""
    if isinstance(value, Formula):
        cell.value = str(value)
        return
    if isinstance(value, str):
        cell.value = storable(value)
        cell.data_type = "s"  # openpyxl would turn '=...' into a formula and '#N/A' into an error
        return
    if isinstance(value, datetime):
        value = value.date() if value.time() == time() else value
    cell.value = value
    if isinstance(value, date):
        cell.number_format = DATE_FORMAT


class XlsxBackend:
    def __init__(self, path: str | os.PathLike[str], output: str | os.PathLike[str] | None = None,
                 read_only: bool = False) -> None:
        self.path = Path(path)
        self.output = Path(output) if output is not None else None
        self.read_only = read_only  # only reads: the quick reader will do

    def describe(self) -> str:
        return str(self.path)

    # --- reading ----------------------------------------------------------------------------------------------

    def _check_readable(self) -> None:
        if not self.path.exists():
            raise SheetError(f"{self.path}: no such file (create one with `sheets-pipeline init {self.path}`)")
        if self.path.is_dir():
            raise SheetError(f"{self.path}: is a folder, not a workbook")
        if self.path.suffix.lower() not in SUFFIXES:
            raise SheetError(f"{self.path}: not an .xlsx workbook (save it as .xlsx first)")
        if not zipfile.is_zipfile(self.path):
            raise SheetError(f"{self.path}: not an .xlsx workbook (the file is not a zip archive)")
        try:
            with zipfile.ZipFile(self.path) as archive:
                parts = archive.infolist()
        except (zipfile.BadZipFile, OSError):
            raise SheetError(f"{self.path}: not an .xlsx workbook (a damaged zip archive)") from None
        expanded = sum(info.file_size for info in parts)
        bomb = any(info.file_size > BOMB_PART_BYTES and info.file_size > BOMB_RATIO * max(info.compress_size, 1)
                   for info in parts)
        if expanded > MAX_EXPANDED_BYTES or bomb:  # refused before anything is unpacked
            raise SheetError(f"{self.path}: refused: the workbook unpacks to {expanded / 1e6:,.0f} MB"
                             + (" from a part compressed over 100 times (a zip bomb?)" if bomb else
                                f", more than the {MAX_EXPANDED_BYTES / 1e6:,.0f} MB a pipeline needs"))

    def _load(self) -> tuple[Workbook, list[str]]:
        self._check_readable()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                wb = load_workbook(self.path, keep_vba=self.path.suffix.lower() == ".xlsm", rich_text=True)
            # SyntaxError: a part that is not well-formed XML (xml.etree's ParseError), entity bombs included
            except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, SyntaxError,
                    AttributeError, IndexError) as exc:
                raise SheetError(f"{self.path}: cannot be read as a workbook ({exc.__class__.__name__})") from None
        return wb, [str(w.message) for w in caught]

    def read(self) -> Snapshot:
        if self.read_only:
            self._check_readable()
            try:
                tabs, structure = read_quickly(self.path)
            except Unsupported:
                pass  # the full load reads it, or says what is wrong with it
            else:
                return self._snapshot(structure, tabs, handle=None)
        version = _version(self.path) if self.path.exists() else None
        wb, messages = self._load()
        return self._snapshot(wb, {ws.title: _grid(ws, self.path) for ws in wb.worksheets}, handle=(wb, version),
                              blockers=lossy(messages))

    def _snapshot(self, wb: Workbook, tabs: dict[str, Grid], handle: object, blockers: list[str] | None = None
                  ) -> Snapshot:
        pipeline = find_tab(wb.sheetnames, "pipeline")
        formats = frozenset(_read_formats(wb[pipeline])) if pipeline else frozenset()
        return Snapshot(tabs=tabs, dropdowns=frozenset(self._dropdowns(wb)), pipeline_formats=formats,
                        write_blockers=blockers or [], handle=handle)

    def _dropdowns(self, wb: Workbook) -> list[Dropdown]:
        pipeline = find_tab(wb.sheetnames, "pipeline")
        lists_tab = find_tab(wb.sheetnames, "lists")
        if pipeline is None or lists_tab is None:
            return []
        found = []
        for dv in wb[pipeline].data_validations.dataValidation:
            name = (dv.formula1 or "").strip()
            if dv.type != "list" or not name.startswith(NAME_PREFIX) or name not in wb.defined_names:
                continue
            ref = parse_range_ref(wb.defined_names[name].attr_text or "")
            ranges = list(dv.sqref.ranges)
            if ref is None or len(ranges) != 1:
                continue
            sheet, lists_column, first, last_column, last = ref
            if sheet != lists_tab or lists_column != last_column or first != 2:
                continue
            rng = ranges[0]
            if rng.min_col != rng.max_col:
                continue
            found.append(Dropdown(rng.min_col - 1, rng.min_row, rng.max_row, lists_column, last - first + 1))
        return found

    # --- writing ----------------------------------------------------------------------------------------------

    def _guard(self, version: tuple[int, int] | None) -> None:
        locks = lock_files(self.path)
        if locks:
            raise WorkbookInUse(f"{self.path}: the workbook is open in another program (lock file {locks[0].name}); "
                                "close it there and sync again. Nothing was written.")
        if version is not None and _version(self.path) != version:
            raise ChangedDuringSync(f"{self.path}: the workbook was saved by someone else during the sync; "
                                    "run the sync again. Nothing was written.")

    def write(self, snapshot: Snapshot, plan: Plan) -> None:
        if self.read_only or snapshot.handle is None:
            raise BackendError(f"{self.path}: opened for reading only; nothing was written")
        wb, version = snapshot.handle  # type: ignore[misc]
        target = self.output or self.path
        if self.output is None:
            self._guard(version)
            if snapshot.write_blockers:
                raise WouldLoseContent(_lose_message(self.path, snapshot.write_blockers))
        replaced_charts = apply_plan(wb, plan)
        self._save(wb, target, check_against=self.path if self.output is None else None,
                   version=version if self.output is None else None, expected=Counter(charts=replaced_charts))

    def create(self, spreadsheet: NewSpreadsheet) -> str:
        if self.path.suffix.lower() not in SUFFIXES:
            raise SheetError(f"{self.path}: the workbook name must end in .xlsx")
        wb = Workbook()
        wb.remove(wb.active)
        for title, grid in spreadsheet.tabs.items():
            _fill_tab(wb.create_sheet(title), grid, title in spreadsheet.hidden_tabs, spreadsheet.looks.get(title))
        for title, columns in spreadsheet.date_columns.items():
            for c in columns:
                wb[title].column_dimensions[get_column_letter(c + 1)].number_format = DATE_FORMAT
        _apply_dropdowns(wb, spreadsheet.pipeline_tab, spreadsheet.lists_tab, spreadsheet.dropdowns)
        _apply_formats(wb[spreadsheet.pipeline_tab], spreadsheet.pipeline_formats)
        self._save(wb, self.path, check_against=None, version=None)
        return str(self.path)

    def _save(self, wb: Workbook, target: Path, check_against: Path | None, version: tuple[int, int] | None,
              expected: Counter[str] | None = None) -> None:
        """Write next to the target, check nothing was lost, then rename over it: the old file or the new one,
        never half of either."""
        directory = target.parent if str(target.parent) else Path(".")
        _remove_leftovers(directory, target.name)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                wb.save(handle)
                handle.flush()
                os.fsync(handle.fileno())
            if check_against is not None:
                lost = dropped(inventory(check_against) - (expected or Counter()), inventory(tmp))
                if lost:
                    raise WouldLoseContent(_lose_message(check_against, lost))
                self._guard(version)
                os.chmod(tmp, check_against.stat().st_mode & 0o7777)
            else:
                os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, target)
        except OSError as exc:
            raise BackendError(f"{target}: cannot save the workbook ({exc.strerror or exc}). Nothing was written.") from None
        finally:
            if tmp.exists():
                tmp.unlink()
        _fsync_dir(directory)


def _remove_leftovers(directory: Path, name: str) -> None:
    """Temporary files of an earlier save that was killed before it could clean up (syncs of one workbook never
    run at once: the pipeline lock sees to it)."""
    for leftover in directory.glob(f".{glob.escape(name)}.*.tmp"):
        if re.fullmatch(rf"\.{re.escape(name)}\.[A-Za-z0-9_]{{8}}\.tmp", leftover.name):
            leftover.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _lose_message(path: Path, what: list[str]) -> str:
    return (f"{path}: saving would drop {', '.join(what)} (not supported by the .xlsx writer); nothing was written. "
            "Use --output NEW.xlsx to write the result to a new file instead.")


def _style_header(ws: Worksheet, width: int) -> None:
    for c in range(1, width + 1):
        cell = ws.cell(1, c)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = max(12, min(40, len(str(cell.value or "")) + 4))
    ws.freeze_panes = "A2"


def apply_plan(wb: Workbook, plan: Plan) -> int:
    """Write the plan into the workbook; returns how many charts of regenerated tabs were replaced."""
    replaced_charts = 0
    ws = wb[plan.pipeline_tab]
    for change in plan.cells:
        _write_value(ws.cell(change.row, change.column + 1), change.new)
    if plan.history:
        if plan.history_tab in wb.sheetnames:
            history = wb[plan.history_tab]
        else:
            history = wb.create_sheet(plan.history_tab)
            history.append([None] * len(plan.history_headers))
            for c, header in enumerate(plan.history_headers):
                _write_value(history.cell(1, c + 1), header)
            _style_header(history, len(plan.history_headers))
        start = _last_used_row(history) + 1
        for r, row in enumerate(plan.history):
            for c, value in enumerate(row):
                _write_value(history.cell(start + r, c + 1), value)
    for title, grid in plan.tabs.items():
        if title in plan.partial_tabs and title in wb.sheetnames:
            _replace_columns(wb[title], grid)
            continue
        if title in wb.sheetnames:
            replaced_charts += len(wb[title]._charts)
        # regenerated whole: no value, style or chart left from before
        _fill_tab(_fresh_sheet(wb, title), grid, title in plan.hidden_tabs, plan.looks.get(title))
    if plan.dropdowns is not None:
        _apply_dropdowns(wb, plan.pipeline_tab, plan.lists_tab, plan.dropdowns)
    if plan.pipeline_formats is not None:
        _apply_formats(ws, plan.pipeline_formats)
    return replaced_charts


def _last_used_row(ws: Worksheet) -> int:
    for row in range(ws.max_row, 0, -1):
        if any(cell.value is not None for cell in ws[row]):
            return row
    return 0


def _fill_tab(ws: Worksheet, grid: Grid, hidden: bool, look: TabLook | None) -> None:
    """Values of a new or emptied tab, then how it looks: its own look, else a styled header row."""
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                _write_value(ws.cell(r, c), value)
    if hidden:
        ws.sheet_state = "hidden"
    elif look is not None:
        _apply_look(ws, look)
    elif grid:
        _style_header(ws, len(grid[0]))


def _fresh_sheet(wb: Workbook, title: str) -> Worksheet:
    if title not in wb.sheetnames:
        return wb.create_sheet(title)
    old = wb[title]
    index = wb.sheetnames.index(title)
    state = old.sheet_state
    wb.remove(old)
    ws = wb.create_sheet(title, index)
    ws.sheet_state = state
    return ws


def _replace_columns(ws: Worksheet, grid: Grid) -> None:
    """Replace the values of the grid's columns only: people's other columns in the tab stay."""
    width = max((len(row) for row in grid), default=0)
    for row in ws.iter_rows(max_col=width):
        for cell in row:
            if cell.value is not None:
                cell.value = None
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                _write_value(ws.cell(r, c), value)


def _apply_dropdowns(wb: Workbook, pipeline_tab: str, lists_tab: str, dropdowns: frozenset[Dropdown]) -> None:
    ws = wb[pipeline_tab]
    ours = {NAME_PREFIX + section for section in DROPDOWN_SOURCES.values()}
    kept = [dv for dv in ws.data_validations.dataValidation if (dv.formula1 or "").strip() not in ours]
    ws.data_validations.dataValidation = kept
    strict_sections = {"stages", "outcomes", "reasons"}
    for dropdown in sorted(dropdowns):
        section = LISTS_COLUMNS[dropdown.lists_column]
        name = NAME_PREFIX + section
        letter = get_column_letter(dropdown.lists_column + 1)
        ref = f"{quote_sheetname(lists_tab)}!${letter}$2:${letter}${1 + max(dropdown.length, 1)}"
        if name in wb.defined_names:
            del wb.defined_names[name]
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
        strict = section in strict_sections
        dv = DataValidation(
            type="list", formula1=name, allow_blank=True, showErrorMessage=True,
            errorStyle="stop" if strict else "warning",
            errorTitle="Not in the list",
            error="Pick a value from the list (edit the lists in the Lists tab).",
        )
        column = get_column_letter(dropdown.column + 1)
        dv.add(f"{column}{dropdown.first_row}:{column}{dropdown.last_row}")
        ws.add_data_validation(dv)


_FILLS = {
    "header": PatternFill("solid", fgColor="305496"),
    "overdue": PatternFill("solid", fgColor="FFC7CE"),
    "total": PatternFill("solid", fgColor="D9E1F2"),
}
_FONTS = {
    "title": Font(bold=True, size=14),
    "section": Font(bold=True, size=12, color="305496"),
    "header": Font(bold=True, color="FFFFFF"),
    "total": Font(bold=True),
    "note": Font(italic=True, color="666666"),
    "overdue": Font(color="9C0006"),
}
_NUMBER_FORMATS = {"percent": "0.0%", "number": "0.0", "integer": "0", "date": DATE_FORMAT,
                   "datetime": "yyyy-mm-dd hh:mm"}


def _apply_look(ws: Worksheet, look: TabLook) -> None:
    for style in look.styles:
        _apply_style(ws, style)
    for column, width in look.widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width
    if look.freeze_rows:
        ws.freeze_panes = f"A{look.freeze_rows + 1}"
    ws.page_setup.orientation = "landscape"  # printed or exported: one page wide
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    for spec in look.charts:
        ws.add_chart(_chart(ws, spec), f"{get_column_letter(spec.anchor_col)}{spec.anchor_row}")


def _apply_style(ws: Worksheet, style: CellStyle) -> None:
    font, fill, number_format = _FONTS.get(style.kind), _FILLS.get(style.kind), _NUMBER_FORMATS.get(style.kind)
    for row in ws.iter_rows(min_row=style.first_row, max_row=style.last_row, min_col=style.first_col,
                            max_col=style.last_col):
        for cell in row:
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = fill
            if number_format is not None:
                cell.number_format = number_format


def _chart(ws: Worksheet, spec: ChartSpec) -> BarChart:
    chart = BarChart()
    chart.type = "bar" if spec.horizontal else "col"
    chart.title = spec.title
    chart.style = 10
    chart.width, chart.height = 18, 9
    if spec.stacked:
        chart.grouping = "stacked"
        chart.overlap = 100
    for series in spec.series:
        data = Reference(ws, min_col=series.column, min_row=series.header_row, max_row=series.last_row)
        chart.add_data(data, titles_from_data=True)
    column, first, last = spec.categories
    chart.set_categories(Reference(ws, min_col=column, min_row=first, max_row=last))
    if spec.percent:
        chart.y_axis.numFmt = "0%"
        chart.y_axis.scaling.min = 0
    if spec.horizontal:
        chart.x_axis.scaling.orientation = "maxMin"  # categories read top-down, in the table's order
    if spec.y_title:
        chart.y_axis.title = spec.y_title
    if len(spec.series) == 1:
        chart.legend = None
    chart.x_axis.delete = False  # openpyxl hides axes by default; Excel and LibreOffice then show none
    chart.y_axis.delete = False
    return chart


_OVERDUE = re.compile(r"^AND\(ISNUMBER\(\$?([A-Z]+)\$?(\d+)\),\$?[A-Z]+\$?\d+<TODAY\(\)\)$")
_STALE = re.compile(r'^ISNUMBER\(SEARCH\("(?P<marker>' + STALE_MARKER_PATTERN + r')",\$(?P<column>[A-Z]+)(\d+)\)\)$')
_CF_FILLS = {"overdue": PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid"),
             "stale": PatternFill(start_color="FFEB9C", end_color="FFEB9C", fill_type="solid")}


def _cf_formula(rule: ConditionalFormat) -> str:
    letter = get_column_letter(rule.key_column + 1)
    if rule.kind == "overdue":
        return f"AND(ISNUMBER({letter}{rule.first_row}),{letter}{rule.first_row}<TODAY())"
    return f'ISNUMBER(SEARCH("{rule.marker or STALE_MARKER}",${letter}{rule.first_row}))'


def _cf_range(rule: ConditionalFormat) -> str:
    if rule.kind == "overdue":
        letter = get_column_letter(rule.key_column + 1)
        return f"{letter}{rule.first_row}:{letter}{rule.last_row}"
    return f"A{rule.first_row}:{get_column_letter(rule.last_column + 1)}{rule.last_row}"


def _our_rule(formula: str) -> tuple[str, int, str] | None:
    match = _OVERDUE.match(formula)
    if match:
        return "overdue", column_index(match[1]), ""
    match = _STALE.match(formula)
    if match:
        return "stale", column_index(match["column"]), match["marker"]
    return None


def _read_formats(ws: Worksheet) -> list[ConditionalFormat]:
    found = []
    for cf in ws.conditional_formatting:
        ranges = list(cf.sqref.ranges)
        for rule in cf.rules:
            ours = _our_rule((rule.formula or [""])[0]) if rule.type == "expression" else None
            if ours is None or len(ranges) != 1:
                continue
            rng = ranges[0]
            found.append(ConditionalFormat(ours[0], ours[1], rng.min_row, rng.max_row, rng.max_col - 1, ours[2]))
    return found


def _apply_formats(ws: Worksheet, rules: frozenset[ConditionalFormat]) -> None:
    kept = ConditionalFormattingList()
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            if not (rule.type == "expression" and _our_rule((rule.formula or [""])[0])):
                kept.add(cf.sqref, rule)
    ws.conditional_formatting = kept
    for rule in sorted(rules):
        ws.conditional_formatting.add(_cf_range(rule), FormulaRule(formula=[_cf_formula(rule)], fill=_CF_FILLS[rule.kind]))
