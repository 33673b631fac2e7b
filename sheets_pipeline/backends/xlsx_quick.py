"""A quick read of a workbook for the commands that only read (validate, report, sync --dry-run).

openpyxl builds a Python object per cell and takes tens of seconds on a 100,000-lead pipeline. Here the values
come from calamine (a Rust reader), and everything else openpyxl reads — formulas, dropdowns, defined names,
conditional formats — comes from openpyxl itself, loading a copy of the workbook that holds only the formula
cells. The result is the Snapshot the full load gives, in a fraction of the time.

Whatever this reader does not expect raises `Unsupported`; the caller then takes the full load, which reads
the workbook or names what is wrong with it.
"""

from __future__ import annotations

import gc
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import python_calamine
from openpyxl import Workbook, load_workbook

from ..model import CellValue, Grid, column_index

SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_OVERRIDE = re.compile(rb'<(?:\w+:)?Override\b[^>]*?PartName="/?([^"]+)"[^>]*?ContentType="([^"]+)"'
                       rb'|<(?:\w+:)?Override\b[^>]*?ContentType="([^"]+)"[^>]*?PartName="/?([^"]+)"')
_SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")
# a formula (<f>) or an error value (t="e", which calamine does not give back as the text openpyxl reads)
_KEPT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]|\st=[\"']e[\"']")
# Text every match of _KEPT holds. Tried at each '<' and space, _KEPT takes seconds over a 70 MB sheet; these are
# found at the speed of a plain search, and are rare in a sheet of values.
_KEPT_HINTS = (b"<f", b":f", b't="e', b"t='e")
_EMPTY_SST = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>')


MAX_DENSE_CELLS = 20_000_000  # calamine holds a sheet as a full rectangle: 100,000 leads are about 2 million
# Columns past Z, and rows past 99,999: rare, so found quickly. calamine reads lowercase letters as capitals.
_FAR_COLUMN = re.compile(rb' r="([A-Za-z]{2,})\d')
_FAR_ROW = re.compile(rb' r="[A-Za-z]*+(\d{6,})"')  # possessive: a digit is never a letter, no use backtracking
# the same, for a writer that quotes its attributes with apostrophes (XML allows both)
_FAR_COLUMN_APOSTROPHE = re.compile(rb" r='([A-Za-z]{2,})\d")
_FAR_ROW_APOSTROPHE = re.compile(rb" r='[A-Za-z]*+(\d{6,})'")
# A reference as XML allows it and calamine reads it: blanks of any kind before the name and around the '='. Every
# writer seen puts one space before it and none around the '=', as the searches above expect.
_ANY_REFERENCE = re.compile(rb"\s+r\s*=\s*[\"']")
_CANONICAL_REFERENCES = (b' r="', b" r='")
# where another spelling must have one of these: a tab or a line break, or a space next to the '='
_LOOSE_HINTS = (b"\t", b"\n", b"\r", b" =", b"= ")
_BLANK_OR_EQUALS = frozenset(b" \t\n\r=")


class Unsupported(Exception):
    """This workbook needs the full load."""


def formula_cells_only(xml: bytes) -> bytes:
    """The worksheet part with its sheetData reduced to the cells that hold a formula or an error (kept
    verbatim, so that openpyxl reads them, shared formulas included, exactly as in the full load)."""
    opening = _SHEET_DATA.search(xml)
    if opening is None or opening[2]:
        return xml
    prefix = opening[1]
    closing = xml.find(b"</" + prefix + b"sheetData>", opening.end())
    if closing < 0:
        raise Unsupported("sheetData is not closed")
    _check_extent(xml, prefix, opening.end(), closing)
    cells: list[bytes] = []
    starts = _kept_starts(xml, opening.end(), closing)
    # the part-wide test that has always decided whether the cells are looked for, kept as it was
    if starts and (b"<f" in xml or b":f" in xml or b't="e"' in xml or b"t='e'" in xml):
        cells = _kept_cells(xml, prefix, opening.end(), closing, starts)
    row = b"<" + prefix + b"row>" + b"".join(cells) + b"</" + prefix + b"row>"
    return xml[: opening.end()] + row + xml[closing:]


def _check_extent(xml: bytes, prefix: bytes, start: int, stop: int) -> None:
    """Refuse (to the full load, which holds only the cells that exist) a sheet whose rectangle calamine would
    allocate whole: one far cell, as in a hostile workbook, would ask for billions. The cells are in
    xml[start:stop]."""
    if _loose_reference(xml, start, stop):
        raise Unsupported("a reference spelt with blanks")  # the counts and searches below would miss it
    cells = xml.count(b"<" + prefix + b"c ") + xml.count(b"<" + prefix + b"c>")
    rows = xml.count(b"<" + prefix + b"row ") + xml.count(b"<" + prefix + b"row>")
    references = xml.count(b' r="')
    far_rows, far_columns = _FAR_ROW.findall(xml), _FAR_COLUMN.findall(xml)
    if b" r='" in xml:
        references += xml.count(b" r='")
        far_rows += _FAR_ROW_APOSTROPHE.findall(xml)
        far_columns += _FAR_COLUMN_APOSTROPHE.findall(xml)
    if references < cells + rows:
        raise Unsupported("cells or rows without a reference")  # their place would not be checked here
    height = max((int(digits) for digits in far_rows), default=99_999)
    width = max((column_index(letters.decode()) + 1 for letters in set(far_columns)), default=26)
    if height * width > MAX_DENSE_CELLS:
        raise Unsupported(f"a sheet spanning {height:,} rows and {width:,} columns")


def _loose_reference(xml: bytes, start: int, stop: int) -> bool:
    """Whether xml[start:stop] holds a cell or row reference spelt otherwise than ' r="' (or ' r=''). Only the
    places such a spelling needs are looked at: the blanks in a sheet of values are few, and found at once."""
    for hint in _LOOSE_HINTS:
        at = xml.find(hint, start, stop)
        while at >= 0:
            # back over the blanks and '=' this one may follow, then over the name: where the reference would begin
            begin = at
            while begin > start and xml[begin - 1] in _BLANK_OR_EQUALS:
                begin -= 1
            if begin > start and xml[begin - 1] == ord("r"):
                begin -= 2
            found = _ANY_REFERENCE.match(xml, max(begin, start), stop) or _ANY_REFERENCE.match(xml, at, stop)
            if (found is not None and found[0] not in _CANONICAL_REFERENCES
                    and xml.rfind(b"<", start, found.start()) > xml.rfind(b">", start, found.start())):
                return True  # within a tag: an attribute, not text
            at = xml.find(hint, at + 1, stop)
    return False


def _kept_starts(xml: bytes, start: int, stop: int) -> list[int]:
    """Every place in xml[start:stop] where a match of _KEPT could begin, in order (a few more, at worst)."""
    starts: set[int] = set()
    for hint in _KEPT_HINTS:
        found = xml.find(hint, start, stop)
        while found >= 0:
            if hint == b":f":
                starts.add(xml.rfind(b"<", start, found))  # the '<' of a prefixed name: nothing in between is a '<'
            elif hint == b"<f":
                starts.add(found)
            else:
                starts.add(found - 1)  # the space before t=
            found = xml.find(hint, found + 1, stop)
    return sorted(place for place in starts if place >= start)


def _kept_matches(xml: bytes, starts: list[int], stop: int) -> Iterator[re.Match[bytes]]:
    """The matches _KEPT.finditer(xml, start, stop) gives, tried only where they may begin."""
    end = 0
    for place in starts:
        if place < end:
            continue  # within the previous match, which finditer would have stepped over
        found = _KEPT.match(xml, place, stop)
        if found is not None:
            end = found.end()
            yield found


def _kept_cells(xml: bytes, prefix: bytes, start: int, stop: int, starts: list[int]) -> list[bytes]:
    cell_open, cell_close = b"<" + prefix + b"c", b"</" + prefix + b"c>"
    cells: list[bytes] = []
    taken = start
    for found in _kept_matches(xml, starts, stop):
        if found.start() < taken:
            continue  # inside a cell already kept
        first = xml.rfind(cell_open, taken, found.start())
        while first >= 0 and xml[first + len(cell_open)] not in b" \t\r\n>":
            first = xml.rfind(cell_open, taken, first)
        last = xml.find(cell_close, found.start(), stop)
        if first < 0 or last < 0:
            raise Unsupported("a formula or error outside a cell")
        tag = xml[first: xml.find(b">", first)]
        if b' r="' not in tag and b" r='" not in tag:
            raise Unsupported("a cell without its reference")  # its place would depend on the cells dropped
        taken = last + len(cell_close)
        cells.append(xml[first:taken])
    return cells


def _structure(archive: zipfile.ZipFile) -> Workbook:
    """The workbook as openpyxl loads it, minus every cell that holds no formula."""
    types = archive.read("[Content_Types].xml")
    parts: dict[str, str] = {}
    for match in _OVERRIDE.finditer(types):
        name, kind = (match[1], match[2]) if match[1] else (match[4], match[3])
        parts[name.decode("utf-8")] = kind.decode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
        for info in archive.infolist():
            data = archive.read(info)
            kind = parts.get(info.filename)
            if kind == WORKSHEET_TYPE:
                data = formula_cells_only(data)
            elif kind == SHARED_STRINGS_TYPE:
                data = _EMPTY_SST  # a formula cell never refers to the shared strings
            copy.writestr(info.filename, data)
    buffer.seek(0)
    return load_workbook(buffer, rich_text=True)


def _value(value: object) -> CellValue:
    """A calamine value as the full load's reader gives it."""
    if value == "" or value is None:
        return None
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)  # openpyxl reads '12' as an int; calamine gives floats for every number
    if isinstance(value, datetime):
        return value.date() if value.time() == time() else value
    if isinstance(value, time):
        return value.isoformat()
    return value  # type: ignore[return-value]


# what _value gives back as it is ('' as None), and is never false but for '': `v or None` does as _value does
_PLAIN = frozenset({str, date})


def _values(sheet: python_calamine.CalamineSheet) -> Grid:
    plain = _PLAIN
    # from A1, as the full load's grid; most cells are text, blanks or dates: one set lookup each, and only the
    # rest (numbers above all) go through _value
    grid: Grid = [[(v or None) if type(v) in plain else _value(v) for v in raw]
                  for raw in sheet.to_python(skip_empty_area=False)]
    for row in grid:
        while row and row[-1] is None:
            row.pop()
    while grid and not grid[-1]:
        grid.pop()
    return grid


def read_quickly(path: Path) -> tuple[dict[str, Grid], Workbook]:
    """Each worksheet's values, and the workbook's structure (with its formula cells) for the rest of the read."""
    collecting = gc.isenabled()
    # Millions of new values and rows, none of them in a cycle: the collector would go over all those read so far
    # again and again, for nothing (a tenth of the read of 100,000 leads).
    gc.disable()
    try:
        return _read(path)
    finally:
        if collecting:
            gc.enable()


def _read(path: Path) -> tuple[dict[str, Grid], Workbook]:
    from .xlsx import _cell_value  # the full load's reading of a cell, for the formula cells

    try:
        with zipfile.ZipFile(path) as archive:
            structure = _structure(archive)
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Unsupported:
        raise
    except Exception as exc:  # noqa: BLE001 - a workbook the quick path cannot take is read the full way
        raise Unsupported(exc.__class__.__name__) from None
    tabs: dict[str, Grid] = {}
    try:
        titles = [ws.title for ws in structure.worksheets]
        calamine_titles = [m.name for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
        if titles != calamine_titles:
            raise Unsupported("the two readers see different worksheets")
        for ws in structure.worksheets:
            grid = _values(book.get_sheet_by_name(ws.title))
            for (r, c), cell in ws._cells.items():
                value = _cell_value(cell)
                if value is None:
                    continue
                while len(grid) < r:
                    grid.append([])
                row = grid[r - 1]
                if len(row) < c:
                    row.extend([None] * (c - len(row)))
                row[c - 1] = value
            tabs[ws.title] = grid
    except Unsupported:
        raise
    except Exception as exc:  # noqa: BLE001 - as above
        raise Unsupported(exc.__class__.__name__) from None
    finally:
        book.close()
    return tabs, structure
