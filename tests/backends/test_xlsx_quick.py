"""The quick reader of the commands that only read gives the very Snapshot of the full openpyxl load."""

from __future__ import annotations

import gc
import re
import shutil
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from sheets_pipeline.backends import xlsx_quick
from sheets_pipeline.backends.xlsx import XlsxBackend
from sheets_pipeline.config import Config
from sheets_pipeline.errors import BackendError, SheetError
from sheets_pipeline.model import Formula
from sheets_pipeline.sync import plan_sync, sync

from ..conftest import TODAY
from .test_xlsx import add_lead, make_book


def both(path: Path):
    quick = XlsxBackend(path, read_only=True).read()
    full = XlsxBackend(path).read()
    return quick, full


def assert_same(path: Path, quick_expected: bool = True) -> None:
    calls = []
    real = xlsx_quick.read_quickly

    def spy(p):
        try:
            result = real(p)
        except xlsx_quick.Unsupported:
            calls.append("unsupported")
            raise
        calls.append("quick")
        return result

    xlsx_quick_read = XlsxBackend.read.__globals__
    xlsx_quick_read["read_quickly"] = spy
    try:
        quick, full = both(path)
    finally:
        xlsx_quick_read["read_quickly"] = real
    assert calls == (["quick"] if quick_expected else ["unsupported"])
    assert list(quick.tabs) == list(full.tabs)
    for title in full.tabs:
        assert quick.tabs[title] == full.tabs[title], title
        for q_row, f_row in zip(quick.tabs[title], full.tabs[title], strict=True):
            assert [type(v) for v in q_row] == [type(v) for v in f_row], title
    assert quick.dropdowns == full.dropdowns
    assert quick.pipeline_formats == full.pipeline_formats
    assert (quick.handle is None) == quick_expected


def test_a_synced_sample_reads_the_same(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    sync(XlsxBackend(path), Config(), TODAY)
    assert_same(path)


def test_every_kind_of_value_and_formulas_read_the_same(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    add_lead(ws, Lead="Plain", Value=1200, Stage="New", Created=date(2026, 11, 2))
    add_lead(ws, Lead="Float", Value=1200.5, Stage="New", Created=datetime(2026, 11, 2, 14, 30))
    add_lead(ws, Lead="=\"Formula \"&\"lead\"", Value="=SUM(1,2)", Stage="Contacted")
    add_lead(ws, Lead="Bool", Value=True, Notes=time(9, 30), Stage=" New ")
    add_lead(ws, Lead="Duration", Notes=timedelta(hours=30))
    row = add_lead(ws, Lead="Error", Value="#N/A")
    ws.cell(row, 1).value = "#N/A"
    ws.cell(row, 1).data_type = "e"
    rich = CellRichText([TextBlock(InlineFont(b=True), "Bold"), " and plain"])
    add_lead(ws, Lead=rich, Stage="New")
    ws.cell(ws.max_row + 3, 30, "far away")  # beyond the table, after blank rows
    ws["AE2"] = "=AD2*2"  # a formula with no cached value
    wb["Summary"]["C7"] = "a note on Summary"
    wb.create_sheet("Empty")
    wb.save(path)
    assert_same(path)
    quick = XlsxBackend(path, read_only=True).read()
    assert any(isinstance(v, Formula) for row in quick.tabs["Pipeline"] for v in row)


def test_shared_and_array_formulas_read_the_same(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    # openpyxl never writes shared formulas; Excel and LibreOffice do when a formula is filled down
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r'<c r="Z2"[^>]*/>|<c r="Z2".*?</c>', "", sheet)
    cells = ('<c r="Z2"><f t="shared" ref="Z2:Z4" si="0">M2*2</f><v>2</v></c>',
             '<c r="Z3"><f t="shared" si="0"/><v>4</v></c>',
             '<c r="Z4"><f t="shared" si="0"/><v>6</v></c>')
    for r, cell in zip((2, 3, 4), cells, strict=True):
        sheet = re.sub(rf'(<row r="{r}"[^>]*>.*?)(</row>)', lambda m, cell=cell: m[1] + cell + m[2], sheet, count=1,
                       flags=re.DOTALL)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert_same(path)
    row3 = XlsxBackend(path, read_only=True).read().tabs["Pipeline"][2]
    assert row3[25] == "=M3*2"  # translated from the shared formula, as the full load does


def test_a_sheet_written_with_a_namespace_prefix_reads_the_same(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    wb = openpyxl.load_workbook(path)
    wb["Pipeline"]["Z2"] = "=1+1"
    wb.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = sheet.replace(f'xmlns="{main}"', f'xmlns:x="{main}"')
    sheet = re.sub(r"<(/?)(?!\?)([A-Za-z]+)([\s>/])", r"<\1x:\2\3", sheet)  # <worksheet> -> <x:worksheet> ...
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert "<x:sheetData>" in sheet and "<x:f>" in sheet
    assert_same(path)


def test_cells_without_a_reference_take_the_full_load(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    wb = openpyxl.load_workbook(path)
    wb["Pipeline"]["Z2"] = "=1+1"
    wb.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b'<c r="Z2"', b"<c")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert_same(path, quick_expected=False)


def _rewrite_pipeline(path: Path, change: Callable[[bytes], bytes]) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def _apostrophes(xml: bytes) -> bytes:
    """Every attribute of every tag quoted with apostrophes, as XML allows."""
    def tag(match: re.Match[bytes]) -> bytes:
        return re.sub(rb'(\s[\w:.-]+)="([^"\']*)"', rb"\1='\2'", match[0])
    return re.sub(rb"<[^>?!]*>", tag, xml)


def test_references_quoted_with_apostrophes_read_quickly_and_the_same(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    wb = openpyxl.load_workbook(path)
    wb["Pipeline"]["Z2"] = "=1+1"
    wb.save(path)
    _rewrite_pipeline(path, _apostrophes)
    xml = _pipeline_xml(path)
    assert b" r='B2'" in xml and b' r="' not in xml and b"<f>1+1</f>" in xml
    assert_same(path)


# Far cells a plain search for ' r="' does not see (the commands that read them are in test_security)
FAR_ROWS = [
    b"<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>far</t></is></c></row>",
    # a row and a cell that look ordinary to a search for ' r="': the text makes up for the count of references
    b"<row r=\"7\"><c r='A99999999' t=\"inlineStr\"><is><t>a r=\"</t></is></c></row>",
    b'<row r="7"><c\tr="A99999999"><v>1</v></c></row>',
    b'<row r="7"><c t="n"\nr="A99999999"><v>1</v></c></row>',
    b'<row r="7"><c r = "A99999999"><v>1</v></c></row>',
    b'<row r="7"><c r=  "A99999999"><v>1</v></c></row>',
    b'<row r="7"><c\n\tr \t=\n\'A99999999\'><v>1</v></c></row>',
    b'<row r="7"><c r="a99999999"><v>1</v></c></row>',  # calamine reads lowercase letters as capitals
    b'<row r="7"><c r="xfd7"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row>']


@pytest.mark.parametrize("text", ["line one\nline two\r\n\tindented", "r = 1", "a r = 'x'", "x= y", "r\t= 2"])
def test_blanks_and_equals_in_text_keep_the_quick_read(tmp_path, text):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    wb = openpyxl.load_workbook(path)
    wb["Pipeline"]["S2"] = text
    wb["Pipeline"]["S3"] = f"{text}\n{text}"
    wb.save(path)
    assert_same(path)


@pytest.mark.parametrize("far", FAR_ROWS)
def test_a_far_cell_written_any_way_xml_allows_is_refused_to_calamine(far):
    xml = (b'<?xml version="1.0"?>\n<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row>' + far
           + b"</sheetData></worksheet>")
    with pytest.raises(xlsx_quick.Unsupported):
        xlsx_quick.formula_cells_only(xml)


def _pipeline_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_a_sheet_of_values_alone_keeps_its_dropdowns_and_formats(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    sync(XlsxBackend(path), Config(), TODAY)
    xml = _pipeline_xml(path)
    data = re.search(rb"<sheetData>.*</sheetData>", xml, re.DOTALL)
    # no formula nor error among the values, but formulas (<formula>) in the conditional formats after them
    assert data and b"<f" not in data[0] and b't="e"' not in data[0] and b"<formula>" in xml[data.end():]
    reduced = xlsx_quick.formula_cells_only(xml)
    assert reduced == xml[:data.start()] + b"<sheetData><row></row></sheetData>" + xml[data.end():]
    assert_same(path)
    quick = XlsxBackend(path, read_only=True).read()
    assert quick.dropdowns and quick.pipeline_formats


def test_only_formula_and_error_cells_are_kept_for_openpyxl():
    formula = b'<c r="B1"><f>A1*2</f><v>2</v></c>'
    error = b'<c r="C1" t="e"><v>#N/A</v></c>'
    quoted_error = b'<c r="D1" t=\'e\'><v>#DIV/0!</v></c>'
    shared = b'<c r="B2"><f t="shared" si="0"/><v>4</v></c>'
    text = b'<c r="E1" t="inlineStr"><is><t>a:f b &lt;f&gt; x:f</t></is></c>'
    number = b'<c r="A1"><v>1</v></c>'
    xml = (b'<worksheet><sheetData><row r="1">' + number + formula + error + quoted_error + text + b'</row>'
           b'<row r="2">' + shared + b'</row></sheetData><conditionalFormatting sqref="A1"><cfRule type="expression">'
           b'<formula>A1&gt;1</formula></cfRule></conditionalFormatting></worksheet>')
    reduced = xlsx_quick.formula_cells_only(xml)
    assert reduced == (b"<worksheet><sheetData><row>" + formula + error + quoted_error + shared + b"</row></sheetData>"
                       + xml[xml.index(b"<conditionalFormatting"):])


def test_formulas_errors_and_text_that_looks_like_them_read_the_same(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    add_lead(ws, Lead="Looks like markup", Notes='see http://f.example t="e" <f> x:f t=\'e\'', Stage="New")
    row = add_lead(ws, Lead="=\"Formula \"&\"lead\"", Value="=SUM(1,2)", Stage="Contacted")
    ws.cell(row, 3).value = "#DIV/0!"
    ws.cell(row, 3).data_type = "e"
    wb.save(path)
    assert b":f" in _pipeline_xml(path) and b't="e"' in _pipeline_xml(path)
    assert_same(path)


_PIECES = [b'<c r="A1">', b"</c>", b"<f>", b"<f/>", b"<f ", b"<x:f>", b"<x:f\t", b"<a:b:f>", b"<formula>", b":f", b":f>",
           b' t="e"', b" t='e'", b' t="e\'', b"\tt='e\"", b't="e"', b"<v>1</v>", b"<", b">", b" ", b"x", b"f", b"e",
           b'<f t="e">', b"<x:f t='e'/>"]  # the last two: a match of t="e" within that of <f, which finditer skips


@settings(deadline=None, database=None, max_examples=300)
@given(st.lists(st.sampled_from(_PIECES), max_size=24), st.integers(0, 12), st.integers(0, 12))
def test_the_kept_cells_are_found_where_the_expression_finds_them(pieces, skip, cut):
    xml = b"".join(pieces)
    start, stop = min(skip, len(xml)), max(min(skip, len(xml)), len(xml) - cut)
    found = xlsx_quick._kept_matches(xml, xlsx_quick._kept_starts(xml, start, stop), stop)
    assert [m.span() for m in found] == [m.span() for m in xlsx_quick._KEPT.finditer(xml, start, stop)]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was(tmp_path, enabled):
    good = make_book(tmp_path / "p.xlsx", sample=True)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        xlsx_quick.read_quickly(good)
        assert gc.isenabled() is enabled
        with pytest.raises(xlsx_quick.Unsupported):
            xlsx_quick.read_quickly(bad)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_a_damaged_workbook_gets_the_full_load_s_message(tmp_path):
    path = make_book(tmp_path / "p.xlsx")
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row><c r='A1'"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(SheetError) as full:
        XlsxBackend(path).read()
    with pytest.raises(SheetError) as quick:
        XlsxBackend(path, read_only=True).read()
    assert str(quick.value) == str(full.value)


def test_a_read_only_backend_plans_like_the_full_one_and_refuses_to_write(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    quick, full = both(path)
    assert plan_sync(quick, Config(), TODAY).plan == plan_sync(full, Config(), TODAY).plan
    before = path.read_bytes()
    with pytest.raises(BackendError, match="reading only"):
        sync(XlsxBackend(path, read_only=True), Config(), TODAY)
    assert path.read_bytes() == before


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice (soffice)")
@pytest.mark.libreoffice
def test_a_workbook_saved_by_libreoffice_reads_the_same(tmp_path):
    from ..test_libreoffice import soffice_convert

    path = make_book(tmp_path / "p.xlsx", sample=True)
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    for r in range(2, 20):
        ws.cell(r, 26, f"=M{r}*2")  # LibreOffice saves a filled-down formula as a shared one
    wb.save(path)
    sync(XlsxBackend(path), Config(), TODAY)
    saved = soffice_convert(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo", tmp_path / "profile")
    assert_same(saved)
