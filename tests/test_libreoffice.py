"""The workbook as LibreOffice handles it: a real `soffice` converts it and saves it back as .xlsx, then the
worker syncs the LibreOffice-saved file. Skipped where LibreOffice is not installed."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result
from openpyxl.comments import Comment

from sheets_pipeline.cli import main

from .conftest import TODAY

SOFFICE = shutil.which("soffice")

pytestmark = [
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not on the PATH"),
    pytest.mark.libreoffice,
]

CONVERT_TIMEOUT = 90  # seconds for one conversion; a warm conversion takes about 2 s
OUR_DROPDOWNS = {"SP_sources", "SP_stages", "SP_outcomes", "SP_reasons"}


@pytest.fixture(scope="module")
def lo_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LibreOffice user profile of our own: no lock on, or from, the profile of anyone using LibreOffice."""
    return tmp_path_factory.mktemp("lo-profile")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no ./sheets-pipeline.yaml from wherever pytest was started
    monkeypatch.delenv("SHEETS_PIPELINE_CONFIG", raising=False)
    return tmp_path


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--today", TODAY.isoformat()], catch_exceptions=False)


def synced_sample(path: Path) -> Path:
    result = cli("init", str(path), "--sample")
    assert result.exit_code == 0, result.output
    result = cli("sync", str(path))
    assert result.exit_code == 0, result.output
    return path


def soffice_convert(source: Path, fmt: str, outdir: Path, profile: Path) -> Path:
    """`soffice --headless --convert-to FMT`; the converted file. Fails the test on error or timeout."""
    outdir.mkdir(parents=True, exist_ok=True)
    command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", fmt, "--outdir", str(outdir), str(source)]
    # its own session, so a timeout can end soffice.bin too, not only the launcher script
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=CONVERT_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"soffice --convert-to {fmt} took more than {CONVERT_TIMEOUT} s")
    target = outdir / f"{source.stem}.{fmt.split(':')[0]}"
    text = output.decode(errors="replace")
    assert proc.returncode == 0, text
    assert target.exists() and target.stat().st_size > 0, f"no {target.name}: {text}"  # soffice exits 0 on failure
    return target


def list_dropdowns(path: Path) -> dict[str, str]:
    """The Pipeline tab's list dropdowns that point at one of our defined names: name -> cell range."""
    wb = openpyxl.load_workbook(path)
    found = {}
    for dv in wb["Pipeline"].data_validations.dataValidation:
        name = (dv.formula1 or "").strip()
        if dv.type == "list" and name in OUR_DROPDOWNS:
            found[name] = str(dv.sqref)
    return found


def defined_names(path: Path) -> dict[str, str]:
    wb = openpyxl.load_workbook(path)
    return {name: wb.defined_names[name].attr_text.replace("'", "") for name in OUR_DROPDOWNS
            if name in wb.defined_names}


def finding_lines(result: Result) -> list[str]:
    """`validate` output without its last line, which names the file."""
    return result.output.splitlines()[:-1]


def test_libreoffice_saved_workbook_syncs_and_keeps_dropdowns(workdir: Path, lo_profile: Path) -> None:
    book = synced_sample(workdir / "book.xlsx")
    dropdowns = list_dropdowns(book)
    assert set(dropdowns) == OUR_DROPDOWNS
    names = defined_names(book)
    before = cli("validate", str(book))

    saved = soffice_convert(book, "xlsx", workdir / "lo", lo_profile)

    # LibreOffice kept the dropdowns and the names they point at
    assert list_dropdowns(saved) == dropdowns
    assert defined_names(saved) == names
    # ... and every value: the same findings on the same cells, no lead cell to rewrite
    after = cli("validate", str(saved))
    assert after.exit_code == before.exit_code == 1  # the sample has mistakes on purpose
    assert finding_lines(after) == finding_lines(before)
    dry = cli("sync", str(saved), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert not [line for line in dry.output.splitlines() if line.startswith("Pipeline!")], dry.output

    first = cli("sync", str(saved))
    assert first.exit_code == 0, first.output  # 4 would mean a refusal to save over LibreOffice's file
    assert "50 leads" in first.output  # LibreOffice's formatted empty rows below the data are not leads
    stamp = saved.stat().st_mtime_ns, saved.read_bytes()
    second = cli("sync", str(saved))
    assert second.exit_code == 0, second.output
    assert "already in sync, nothing to write" in second.output
    assert (saved.stat().st_mtime_ns, saved.read_bytes()) == stamp

    assert list_dropdowns(saved) == dropdowns
    assert defined_names(saved) == names
    ws = openpyxl.load_workbook(saved)["Pipeline"]
    column = {cell.value: cell.column for cell in ws[1]}
    assert isinstance(ws.cell(2, column["Created"]).value, datetime)  # dates stay dates
    assert ws.cell(2, column["ID"]).value == "L-0001"

    # saved by LibreOffice once more after the sync: still nothing to do
    again = soffice_convert(saved, "xlsx", workdir / "lo2", lo_profile)
    third = cli("sync", str(again))
    assert third.exit_code == 0, third.output
    assert "already in sync, nothing to write" in third.output


def test_libreoffice_converts_to_pdf_and_csv(workdir: Path, lo_profile: Path) -> None:
    book = synced_sample(workdir / "book.xlsx")

    pdf = soffice_convert(book, "pdf", workdir / "pdf", lo_profile)
    assert pdf.read_bytes().startswith(b"%PDF")

    csv = soffice_convert(book, "csv", workdir / "csv", lo_profile)  # the first tab: Pipeline
    lines = csv.read_text(encoding="utf-8", errors="replace").splitlines()
    assert lines[0].startswith("ID,Lead,")
    first_lead = next(line for line in lines if line.startswith("L-0001,"))
    assert re.search(r",\d{4}-\d{2}-\d{2},", first_lead)  # dates shown as dates, not serial numbers


def test_comment_in_libreoffice_saved_workbook_does_not_block_sync(workdir: Path, lo_profile: Path) -> None:
    book = synced_sample(workdir / "book.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Pipeline"]
    ws["B3"].comment = Comment("Call back after the holidays", "Ann")
    ws["G2"] = "Contacted"  # something for the sync to write
    wb.save(book)
    saved = soffice_convert(book, "xlsx", workdir / "lo", lo_profile)

    result = cli("sync", str(saved))

    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(saved)["Pipeline"]["B3"].comment.text == "Call back after the holidays"
