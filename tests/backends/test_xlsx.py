"""The .xlsx backend on real files: layout, people's edits, atomic saves, refusing to lose content."""

from __future__ import annotations

import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import PatternFill
from PIL import Image as PILImage

from sheets_pipeline.backends.xlsx import XlsxBackend
from sheets_pipeline.config import Config
from sheets_pipeline.errors import (
    ChangedDuringSync,
    MissingColumnError,
    SheetError,
    WorkbookInUse,
    WouldLoseContent,
)
from sheets_pipeline.layout import STATE_TAB
from sheets_pipeline.new_sheet import new_spreadsheet
from sheets_pipeline.sync import sync

from ..conftest import TODAY


def make_book(path: Path, sample: bool = False, config: Config | None = None) -> Path:
    XlsxBackend(path).create(new_spreadsheet(config or Config(), TODAY, sample=sample))
    return path


def headers(ws) -> dict[str, int]:
    return {cell.value: cell.column for cell in ws[1] if cell.value is not None}


def add_lead(ws, **values) -> int:
    row = ws.max_row + 1
    columns = headers(ws)
    for name, value in values.items():
        ws.cell(row, columns[name], value)
    return row


def test_init_makes_tabs_dropdowns_and_a_hidden_state_tab(tmp_path):
    path = make_book(tmp_path / "p.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Pipeline", "Lists", "Summary", "Follow-ups", "History", STATE_TAB]
    assert wb[STATE_TAB].sheet_state == "hidden"
    assert list(headers(wb["Pipeline"]))[:8] == ["ID", "Lead", "Contact", "Email", "Source", "Owner", "Stage",
                                                   "Outcome"]
    dvs = {dv.formula1: str(dv.sqref) for dv in wb["Pipeline"].data_validations.dataValidation}
    assert dvs == {"SP_stages": "G2:G400", "SP_outcomes": "H2:H400", "SP_reasons": "I2:I400",
                   "SP_sources": "E2:E400"}  # the header row + 200 rows of headroom, rounded up to 200
    assert wb.defined_names["SP_stages"].attr_text == "'Lists'!$A$2:$A$4"
    assert wb.defined_names["SP_reasons"].attr_text == "'Lists'!$F$2:$F$10"  # 6 loss + 3 pass reasons
    assert wb["Pipeline"].freeze_panes == "A2"


def test_sample_sync_then_second_sync_leaves_the_file_untouched(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    first = sync(XlsxBackend(path), Config(), TODAY)
    assert first.written and first.counts["id"] == 50
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    second = sync(XlsxBackend(path), Config(), TODAY)
    assert not second.changed and not second.written
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime


def test_people_edits_survive_custom_column_reorder_formula_and_formatting(tmp_path):
    path = make_book(tmp_path / "p.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    ws.insert_cols(3)  # a custom column between Lead and Contact
    ws.cell(1, 3, "Budget (k€)")
    row = add_lead(ws, Lead="Acme", Stage="Contacted", **{"First contact": date(2026, 12, 1)})
    ws.cell(row, 3, "=2*3")
    ws.cell(row, 3).fill = PatternFill("solid", fgColor="FFFF00")
    other = add_lead(ws, Lead="Bolt", Stage="Contactd", Notes="called twice")
    wb.save(path)
    result = sync(XlsxBackend(path), Config(), TODAY)
    assert result.written
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    cols = headers(ws)
    assert ws.cell(row, 3).value == "=2*3" and ws.cell(row, 3).data_type == "f"
    assert ws.cell(row, 3).fill.fgColor.rgb == "00FFFF00"
    assert ws.cell(row, cols["ID"]).value == "L-0001"
    assert ws.cell(row, cols["Next follow-up"]).value == datetime(2026, 12, 4)
    assert ws.cell(row, cols["Next follow-up"]).is_date
    assert ws.cell(other, cols["Stage"]).value == "Contactd"
    assert "did you mean 'Contacted'" in ws.cell(other, cols["Flags"]).value
    assert ws.cell(other, cols["Notes"]).value == "called twice"
    # the dropdowns followed the moved columns
    dvs = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert dvs["SP_stages"].startswith("H2:")


def test_reordered_columns_and_french_headers(tmp_path):
    path = tmp_path / "fr.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Pipeline"
    ws.append(["Notes perso", "Étape", "Opportunité", "ID", "Résultat", "Raison de perte", "Source", "Responsable",
               "Créé le", "Premier contact", "Dernier contact", "Relances", "Dernière réponse", "Clôturé le",
               "Prochaine relance", "Alertes"])
    ws.append(["vip", "contacté", "Dupont SA", None, None, None, "LinkedIn", "Chloé", "01/12/2026", "02/12/2026",
               None, 0, None, None, None, None])
    wb.save(path)
    sync(XlsxBackend(path), Config(language="fr"), TODAY)
    ws = openpyxl.load_workbook(path)["Pipeline"]
    assert [c.value for c in ws[2]][:4] == ["vip", "contacté", "Dupont SA", "L-0001"]
    assert ws["O2"].value == datetime(2026, 12, 5)  # 02/12 (dmy, as fr reads it) + 3 days
    assert ws["P2"].value is None
    assert {"Listes", "Historique", STATE_TAB} <= set(openpyxl.load_workbook(path).sheetnames)


def test_user_text_that_looks_like_a_formula_is_written_as_text(tmp_path):
    path = make_book(tmp_path / "p.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    row = add_lead(ws, Lead="Evil", Stage="x")
    ws.cell(row, headers(ws)["Stage"]).value = "@SUM(1)"
    wb.save(path)
    sync(XlsxBackend(path), Config(), TODAY)
    ws = openpyxl.load_workbook(path)["Pipeline"]
    flags = ws.cell(row, headers(ws)["Flags"])
    assert flags.data_type == "s" and "'@SUM(1)' is not a stage" in flags.value
    assert b"<f>" not in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")


def test_missing_file_not_a_workbook_and_wrong_suffix(tmp_path):
    with pytest.raises(SheetError, match="no such file"):
        XlsxBackend(tmp_path / "nope.xlsx").read()
    fake = tmp_path / "fake.xlsx"
    fake.write_text("ID,Lead\n")
    with pytest.raises(SheetError, match="not a zip archive"):
        XlsxBackend(fake).read()
    csv = tmp_path / "leads.csv"
    csv.write_text("ID,Lead\n")
    with pytest.raises(SheetError, match="not an .xlsx workbook"):
        XlsxBackend(csv).read()
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(SheetError, match="cannot be read as a workbook"):
        XlsxBackend(broken).read()


def test_missing_tab_and_missing_column_name_what_is_missing(tmp_path):
    path = tmp_path / "p.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Leads"
    wb.save(path)
    with pytest.raises(SheetError, match="no Pipeline tab .*Leads"):
        sync(XlsxBackend(path), Config(), TODAY)
    path = make_book(tmp_path / "q.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Pipeline"].delete_cols(headers(wb["Pipeline"])["Outcome"])
    wb.save(path)
    before = path.read_bytes()
    with pytest.raises(MissingColumnError, match="missing column 'Outcome'"):
        sync(XlsxBackend(path), Config(), TODAY)
    assert path.read_bytes() == before


@pytest.mark.parametrize("lock", ["~$p.xlsx", ".~lock.p.xlsx#"])
def test_open_in_excel_or_libreoffice_refuses_to_write(tmp_path, lock):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    (tmp_path / lock).write_text("someone")
    before = path.read_bytes()
    with pytest.raises(WorkbookInUse, match="open in another program"):
        sync(XlsxBackend(path), Config(), TODAY)
    assert path.read_bytes() == before


def test_saved_by_someone_else_during_the_sync_is_refused(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    backend = XlsxBackend(path)
    snapshot = backend.read()
    from sheets_pipeline.sync import plan_sync

    plan = plan_sync(snapshot, Config(), TODAY).plan
    os.utime(path, ns=(1, 1))  # a save by someone else
    with pytest.raises(ChangedDuringSync):
        backend.write(snapshot, plan)


def test_a_crash_during_the_save_leaves_the_old_file_and_no_debris(tmp_path, monkeypatch):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    before = path.read_bytes()

    def crash(self, filename):
        filename.write(b"PK\x03\x04 half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", crash)
    from sheets_pipeline.errors import BackendError

    with pytest.raises(BackendError, match="No space left"):
        sync(XlsxBackend(path), Config(), TODAY)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.xlsx"]


def test_the_temp_file_of_a_killed_save_is_removed_by_the_next_sync(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    leftover = tmp_path / ".p.xlsx.k3j9x_2a.tmp"  # what a save killed before its clean-up leaves
    leftover.write_bytes(b"PK\x03\x04 half a zip")
    others = [tmp_path / ".other.xlsx.k3j9x_2a.tmp", tmp_path / ".p.xlsx.notes.tmp.txt", tmp_path / "p.xlsx.tmp"]
    for other in others:
        other.write_text("not ours")
    assert sync(XlsxBackend(path), Config(), TODAY).written
    assert not leftover.exists()
    assert all(other.exists() for other in others)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["p.xlsx", *(o.name for o in others)])


def _inject_sparklines(path: Path) -> None:
    """Add an Excel 2010 sparkline group, which openpyxl cannot keep, to the first sheet."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                ext = (
                    '<extLst><ext uri="{05C60535-1F16-4FD2-B633-F4F36F0B64E0}" '
                    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                    '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
                    '<x14:sparklineGroup><x14:sparklines><x14:sparkline><xm:f>Pipeline!J2:J3</xm:f>'
                    '<xm:sqref>V2</xm:sqref></x14:sparkline></x14:sparklines></x14:sparklineGroup>'
                    '</x14:sparklineGroups></ext></extLst>'
                ).encode()
                data = data.replace(b"</worksheet>", ext + b"</worksheet>")
            dst.writestr(item, data)
    tmp.replace(path)


def test_content_the_writer_would_drop_is_refused_unless_written_elsewhere(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    _inject_sparklines(path)
    before = path.read_bytes()
    with pytest.raises(WouldLoseContent, match="sparklines"):
        sync(XlsxBackend(path), Config(), TODAY)
    assert path.read_bytes() == before
    out = tmp_path / "synced.xlsx"
    result = sync(XlsxBackend(path, output=out), Config(), TODAY)
    assert result.written and out.exists()
    assert path.read_bytes() == before


def test_images_are_kept(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    png = tmp_path / "logo.png"
    PILImage.new("RGB", (20, 10), "red").save(png)
    wb = openpyxl.load_workbook(path)
    wb["Pipeline"].add_image(XlImage(str(png)), "V2")
    wb.save(path)
    sync(XlsxBackend(path), Config(), TODAY)
    names = zipfile.ZipFile(path).namelist()
    assert any(n.startswith("xl/media/") for n in names)


def test_merged_cells_and_thousands_of_blank_rows(tmp_path):
    path = make_book(tmp_path / "p.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    cols = headers(ws)
    ws.cell(2, cols["Lead"], "Acme")
    ws.cell(2, cols["Stage"], "New")
    ws.cell(4000, cols["Lead"], "Zed")
    ws.cell(4000, cols["Stage"], "New")
    ws.cell(4000, cols["Notes"], "long note")
    ws.merge_cells(start_row=4000, start_column=cols["Notes"], end_row=4001, end_column=cols["Notes"])
    wb.save(path)
    result = sync(XlsxBackend(path), Config(), TODAY)
    assert [lead.row for lead in result.checked.leads] == [2, 4000]
    ws = openpyxl.load_workbook(path)["Pipeline"]
    assert ws.cell(4000, cols["ID"]).value == "L-0002"
    assert "N4000:N4001" in {str(r) for r in ws.merged_cells.ranges} or ws.merged_cells.ranges


def test_dropdowns_are_reapplied_after_a_paste_removed_them(tmp_path):
    path = make_book(tmp_path / "p.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    ws.data_validations.dataValidation = [dv for dv in ws.data_validations.dataValidation
                                          if dv.formula1 != "SP_outcomes"]
    wb.save(path)
    result = sync(XlsxBackend(path), Config(), TODAY)
    assert result.plan.dropdowns is not None
    wb = openpyxl.load_workbook(path)
    assert "SP_outcomes" in {dv.formula1 for dv in wb["Pipeline"].data_validations.dataValidation}


def test_file_permissions_are_kept(tmp_path):
    path = make_book(tmp_path / "p.xlsx", sample=True)
    os.chmod(path, 0o640)
    sync(XlsxBackend(path), Config(), TODAY)
    assert (path.stat().st_mode & 0o777) == 0o640
