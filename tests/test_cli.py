"""The command line: exit codes, one-line messages, and what each command writes."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from .conftest import one_line_error

TODAY = ["--today", "2026-12-04"]




def test_init_sync_validate_round(run, tmp_path):
    result = run("init", "p.xlsx", "--sample", *TODAY)
    assert result.exit_code == 0, result.output
    assert "created p.xlsx (simple model, en, with sample leads)" in result.stdout
    result = run("sync", "p.xlsx", *TODAY)
    assert result.exit_code == 0
    assert result.stdout.startswith("p.xlsx: 50 leads; wrote ")
    assert "50 IDs" in result.stdout
    result = run("sync", "p.xlsx", *TODAY)
    assert result.exit_code == 0
    assert "already in sync, nothing to write" in result.stdout
    result = run("validate", "p.xlsx", *TODAY)
    assert result.exit_code == 1  # the sample holds mistakes
    assert "row 5, Stage (G5): error: 'Contactd' is not a stage: did you mean 'Contacted'?" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("p.xlsx: 50 leads, ")


def test_validate_exits_0_on_a_clean_pipeline(run):
    run("init", "p.xlsx", *TODAY)
    wb = openpyxl.load_workbook("p.xlsx")
    wb["Pipeline"].append(["L-0001", "Acme", None, None, "Referral", "Ann", "New"])
    wb.save("p.xlsx")
    result = run("validate", "p.xlsx", *TODAY)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "p.xlsx: 1 lead, 0 errors, 0 warnings"


def test_dry_run_prints_changes_and_writes_nothing(run, tmp_path):
    run("init", "p.xlsx", "--sample", *TODAY)
    before = Path("p.xlsx").read_bytes()
    result = run("sync", "p.xlsx", "--dry-run", *TODAY)
    assert result.exit_code == 0
    assert "Pipeline!A2 ID: (blank) -> 'L-0001'" in result.stdout
    assert "(dry run: nothing written)" in result.stdout
    assert Path("p.xlsx").read_bytes() == before


def test_init_refuses_to_overwrite(run):
    run("init", "p.xlsx", *TODAY)
    result = run("init", "p.xlsx", *TODAY)
    assert result.exit_code == 2
    assert one_line_error(result) == "error: p.xlsx: already exists; pick another name or pass --force to replace it"
    assert run("init", "p.xlsx", "--force", *TODAY).exit_code == 0


def test_init_french_advanced(run):
    result = run("init", "p.xlsx", "--lang", "fr", "--model", "advanced", *TODAY)
    assert result.exit_code == 0
    wb = openpyxl.load_workbook("p.xlsx")
    assert wb.sheetnames[:5] == ["Pipeline", "Listes", "Synthèse", "Relances", "Historique"]
    assert [c.value for c in wb["Listes"]["A"]][1:] == ["Nouveau", "Contacté", "En discussion", "Réunion",
                                                         "Proposition envoyée", "Négociation", None, None, None]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("sync", "missing.xlsx"), 3, "error: missing.xlsx: no such file (create one with `sheets-pipeline init "
                                      "missing.xlsx`)"),
        (("validate", "notes.txt"), 3, "error: notes.txt: no such file (create one with `sheets-pipeline init "
                                       "notes.txt`)"),
        (("sync",), 2, "error: no spreadsheet given: pass a PATH or URL, or set `target` in the config"),
        (("sync", "p.xlsx", "--today", "someday"), 2, "error: --today: 'someday' is not a date (use YYYY-MM-DD)"),
    ],
)
def test_user_errors_are_one_line_with_an_exit_code(run, args, code, message):
    result = run(*args)
    assert result.exit_code == code
    assert one_line_error(result) == message


def test_not_a_workbook(run, tmp_path):
    Path("p.xlsx").write_text("Lead,Stage\nAcme,New\n")
    result = run("sync", "p.xlsx")
    assert result.exit_code == 3
    assert one_line_error(result) == "error: p.xlsx: not an .xlsx workbook (the file is not a zip archive)"
    assert Path("p.xlsx").read_text() == "Lead,Stage\nAcme,New\n"


def test_bad_config_names_the_key_and_exits_2(run):
    Path("sheets-pipeline.yaml").write_text("cadence: [3, 0]\n")
    result = run("sync", "p.xlsx")
    assert result.exit_code == 2
    assert one_line_error(result) == "error: sheets-pipeline.yaml: cadence: every step must be at least 1 day"
    Path("c.yaml").write_text("stale:\n  dayz: 3\n")
    result = run("--config", "c.yaml", "validate", "p.xlsx")
    assert result.exit_code == 2
    assert one_line_error(result) == "error: c.yaml: stale.dayz: unknown key"
    result = run("--config", "nope.yaml", "validate", "p.xlsx")
    assert result.exit_code == 2
    assert one_line_error(result) == "error: nope.yaml: config file not found"


def test_config_target_and_lint_warnings(run):
    Path("sheets-pipeline.yaml").write_text("target: team.xlsx\nloss_reasons: [Other, Price too high]\n")
    assert run("init", *TODAY).exit_code == 0
    result = run("sync", *TODAY)
    assert result.exit_code == 0
    assert "warning: loss reason 'Other' is vague" in result.stderr
    assert result.stdout.startswith("team.xlsx: 0 leads;")


def test_open_elsewhere_exits_4_and_leaves_the_file(run):
    run("init", "p.xlsx", "--sample", *TODAY)
    Path(".~lock.p.xlsx#").write_text("x")
    before = Path("p.xlsx").read_bytes()
    result = run("sync", "p.xlsx", *TODAY)
    assert result.exit_code == 4
    assert one_line_error(result).startswith("error: p.xlsx: the workbook is open in another program")
    assert Path("p.xlsx").read_bytes() == before


def test_missing_column_exits_3(run):
    run("init", "p.xlsx", *TODAY)
    wb = openpyxl.load_workbook("p.xlsx")
    wb["Pipeline"].delete_cols(7, 2)  # Stage and Outcome
    wb.save("p.xlsx")
    result = run("validate", "p.xlsx")
    assert result.exit_code == 3
    assert one_line_error(result) == "error: Pipeline tab: missing columns 'Stage', 'Outcome' (header row 1)"


def test_help_documents_exit_codes(run):
    result = run("--help")
    assert result.exit_code == 0
    assert "Exit codes: 0 done; 1 validate found errors, or doctor found a failure; 2 bad arguments" in " ".join(
        result.stdout.split())
