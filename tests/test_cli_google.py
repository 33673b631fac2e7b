"""The same CLI on Google Sheets, through `google.api_endpoint` pointing at the emulator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_pipeline.cli import main
from sheets_pipeline.testing.emulator import SheetsEmulator

TODAY = ["--today", "2026-12-04"]


@pytest.fixture
def emu():
    with SheetsEmulator() as emulator:
        yield emulator
        assert emulator.errors == []  # the emulator itself never failed: every answer was a real one


@pytest.fixture
def run(tmp_path, monkeypatch, emu):
    monkeypatch.chdir(tmp_path)
    Path("sheets-pipeline.yaml").write_text(
        f"google:\n  api_endpoint: {emu.url}\n  requests_per_minute: 100000\n", encoding="utf-8")
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_init_share_sync_then_nothing_to_write(run, emu):
    result = run("init", "--google", "--title", "Acme pipeline", "--sample", "--share", "ann@example.com", *TODAY)
    assert result.exit_code == 0, result.output
    url = re.search(r"https://docs.google.com/spreadsheets/d/[\w-]+", result.stdout).group(0)
    key = url.rsplit("/", 1)[1]
    assert emu.spreadsheet(key)["properties"]["title"] == "Acme pipeline"
    permissions = [r for r in emu.requests if r["endpoint"] == "drive.permissions.create"]
    assert permissions and permissions[0]["body"]["emailAddress"] == "ann@example.com"
    result = run("sync", url, *TODAY)
    assert result.exit_code == 0, result.output
    assert "50 leads; wrote" in result.stdout
    emu.reset_stats()
    result = run("sync", url + "/edit#gid=0", *TODAY)
    assert "already in sync, nothing to write" in result.stdout
    assert set(k for k, v in emu.stats().items() if v["requests"]) == {"spreadsheets.get"}


def test_dry_run_writes_nothing(run, emu):
    url = re.search(r"https://\S+", run("init", "--google", "--sample", *TODAY).stdout).group(0)
    emu.reset_stats()
    result = run("sync", url, "--dry-run", *TODAY)
    assert result.exit_code == 0
    assert "(dry run: nothing written)" in result.stdout
    assert "Pipeline!A2 ID: (blank) -> 'L-0001'" in result.stdout
    assert "spreadsheets.batchUpdate" not in {k for k, v in emu.stats().items() if v["requests"]}


def test_init_into_an_existing_spreadsheet(run, emu):
    key = emu.create_spreadsheet("Team", {"Notes": [["keep me"]]})
    result = run("init", "--into", f"https://docs.google.com/spreadsheets/d/{key}/edit", *TODAY)
    assert result.exit_code == 0, result.output
    titles = [s["properties"]["title"] for s in emu.spreadsheet(key)["sheets"]]
    assert titles[0] == "Notes" and "Pipeline" in titles and "Lists" in titles
    assert emu.values(key, "Notes") == [["keep me"]]
    again = run("init", "--into", key, *TODAY)
    assert again.exit_code == 3
    assert "already has a tab named 'Pipeline'" in again.stderr


def test_unknown_spreadsheet_and_bad_url(run):
    result = run("sync", "https://docs.google.com/spreadsheets/d/" + "x" * 44)
    assert result.exit_code == 3
    assert "spreadsheet not found" in result.stderr
    result = run("sync", "https://example.com/not-a-sheet")
    assert result.exit_code == 3
    assert result.stderr.strip() == "error: https://example.com/not-a-sheet: not a Google Sheets URL or spreadsheet key"


def test_report_on_google(run):
    url = re.search(r"https://\S+", run("init", "--google", "--sample", *TODAY).stdout).group(0)
    run("sync", url, *TODAY)
    result = run("report", url, "--format", "json", *TODAY)
    assert result.exit_code == 0
    assert '"source": "Total"' in result.stdout
