"""`sheets-pipeline report` through the command line, and the Summary tab a sync writes in the .xlsx."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from sheets_pipeline.model import FIELDS

from .conftest import one_line_error

TODAY = ["--today", "2026-12-04"]
JSON_KEYS = {"by_source", "loss_reasons", "funnel", "cycle_time", "by_owner", "health", "follow_ups",
             "excluded_by_date"}
FORMULA = '=HYPERLINK("x")'
LINK = '=HYPERLINK("http://x")'




def _put(cell, value: Any) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text that looks like a formula, as a person types '=...


def add_to_workbook(path: str, leads: list[dict[str, Any]], sources: list[str] = ()) -> None:
    """Append leads (field -> value) to the Pipeline tab and sources to the Sources column of the Lists tab."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    for lead in leads:
        row = ws.max_row + 1
        for i, name in enumerate(FIELDS):
            if lead.get(name) is not None:
                _put(ws.cell(row=row, column=i + 1), lead[name])
    if sources:
        lists = wb["Lists"]
        column = next(c.column for c in lists[1] if c.value == "Sources")
        row = 1
        while lists.cell(row=row + 1, column=column).value is not None:
            row += 1
        for source in sources:
            row += 1
            _put(lists.cell(row=row, column=column), source)
    wb.save(path)


def report_json(run, *args: str) -> dict[str, Any]:
    result = run("report", "p.xlsx", "--format", "json", *TODAY, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def total_row(data: dict[str, Any]) -> dict[str, Any]:
    row = data["by_source"][-1]
    assert row["source"] == "Total"
    return row


def pipeline_rows(path: str) -> list[dict[str, Any]]:
    """The Pipeline tab read independently with openpyxl: field -> value for each non-blank row."""
    ws = openpyxl.load_workbook(path)["Pipeline"]
    rows = []
    for values in ws.iter_rows(min_row=2, values_only=True):
        if any(v is not None for v in values):
            rows.append({name: values[i] if i < len(values) else None for i, name in enumerate(FIELDS)})
    return rows


def as_date(value: Any) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def summary_row(path: str, first_cell: str, tab: str = "Summary") -> tuple:
    ws = openpyxl.load_workbook(path)[tab]
    matches = [row for row in ws.iter_rows() if row[0].value == first_cell]
    assert len(matches) == 1, first_cell
    return matches[0]


# --- exit codes and errors ----------------------------------------------------------------------------------------

def test_report_exits_0_and_writes_nothing(run, tmp_path):
    assert run("init", "p.xlsx", "--sample", *TODAY).exit_code == 0
    before = (tmp_path / "p.xlsx").read_bytes()
    for fmt in ("table", "markdown", "json", "csv"):
        result = run("report", "p.xlsx", "--format", fmt, *TODAY)
        assert result.exit_code == 0, result.output
        assert result.stdout.strip()
    assert (tmp_path / "p.xlsx").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.xlsx"]


def test_report_defaults_to_the_table(run):
    run("init", "p.xlsx", "--sample", *TODAY)
    result = run("report", "p.xlsx", *TODAY)
    assert result.exit_code == 0
    assert result.stdout.startswith("Conversion by source\n====")


@pytest.mark.parametrize("value", ["2026-13-45", "yesterday", "12/01/2026x"])
def test_a_bad_since_exits_2_with_one_line(run, value):
    run("init", "p.xlsx", "--sample", *TODAY)
    result = run("report", "p.xlsx", "--since", value, *TODAY)
    assert result.exit_code == 2
    line = one_line_error(result)
    assert line.startswith("error: --since")
    assert value in line
    assert result.stdout == ""


def test_a_bad_until_exits_2_with_one_line(run):
    run("init", "p.xlsx", "--sample", *TODAY)
    result = run("report", "p.xlsx", "--until", "soon", *TODAY)
    assert result.exit_code == 2
    assert one_line_error(result).startswith("error: --until")


def test_since_after_until_exits_2(run):
    run("init", "p.xlsx", "--sample", *TODAY)
    result = run("report", "p.xlsx", "--since", "2026-12-01", "--until", "2026-11-01", *TODAY)
    assert result.exit_code == 2
    assert "--since" in one_line_error(result)


def test_an_unknown_format_exits_2(run):
    run("init", "p.xlsx", "--sample", *TODAY)
    result = run("report", "p.xlsx", "--format", "xml", *TODAY)
    assert result.exit_code == 2


def test_a_missing_workbook_exits_3(run):
    result = run("report", "nope.xlsx", *TODAY)
    assert result.exit_code == 3
    assert "nope.xlsx" in one_line_error(result)


def test_no_path_exits_2(run):
    result = run("report", *TODAY)
    assert result.exit_code == 2
    one_line_error(result)


# --- json ---------------------------------------------------------------------------------------------------------

def test_json_has_exactly_the_documented_keys(run):
    run("init", "p.xlsx", "--sample", *TODAY)
    data = report_json(run)
    assert set(data) == JSON_KEYS
    assert data["excluded_by_date"] == 0
    assert set(data["loss_reasons"]) >= {"reasons", "total_lost", "quarters", "by_quarter", "trend"}
    assert set(data["health"]) >= {"open", "due_today", "overdue", "stale", "rows_with_errors", "rows_with_warnings"}


def test_json_sample_totals_match_an_independent_count(run):
    run("init", "p.xlsx", "--sample", *TODAY)
    rows = pipeline_rows("p.xlsx")
    outcomes = [str(r["outcome"] or "").strip().casefold() for r in rows]
    won, lost, no_response = outcomes.count("won"), outcomes.count("lost"), outcomes.count("no response")
    total = total_row(report_json(run))
    assert total["leads"] == len(rows) == 50
    assert total["won"] == won == 7
    assert total["open"] == outcomes.count("") == 21
    assert total["win_rate"] == won / (won + lost + no_response) == 7 / 28


def test_json_null_for_zero_denominators_on_an_empty_pipeline(run):
    run("init", "p.xlsx", *TODAY)
    result = run("report", "p.xlsx", "--format", "json", *TODAY)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    total = total_row(data)
    assert total["leads"] == 0
    assert total["win_rate"] is None and total["conversion"] is None
    assert all(r["win_rate"] is None and r["conversion"] is None for r in data["by_source"])
    assert all(r["share"] is None for r in data["loss_reasons"]["reasons"])
    assert all(r["share_of_previous"] is None and r["share_of_all"] is None for r in data["funnel"]["stages"])
    assert all(r["median"] is None and r["mean"] is None and r["p90"] is None for r in data["cycle_time"]["rows"])
    assert data["by_owner"] == [] and data["follow_ups"] == []
    assert '"win_rate": null' in result.stdout
    assert '"win_rate": 0' not in result.stdout


def test_json_null_for_a_source_with_only_open_leads(run):
    run("init", "p.xlsx", *TODAY)
    add_to_workbook("p.xlsx", [
        {"id": "L-0001", "lead": "Acme", "source": "Upwork", "owner": "Ann", "stage": "New",
         "created": date(2026, 11, 1)},
        {"id": "L-0002", "lead": "Bolt", "source": "Referral", "owner": "Ann", "stage": "In discussion",
         "outcome": "Won", "created": date(2026, 11, 1), "first_contact": date(2026, 11, 2),
         "closed": date(2026, 11, 20)},
    ])
    data = report_json(run)
    rows = {r["source"]: r for r in data["by_source"]}
    assert (rows["Upwork"]["leads"], rows["Upwork"]["win_rate"], rows["Upwork"]["conversion"]) == (1, None, 0.0)
    assert (rows["Referral"]["win_rate"], rows["Referral"]["conversion"]) == (1.0, 1.0)
    assert (rows["LinkedIn"]["leads"], rows["LinkedIn"]["win_rate"], rows["LinkedIn"]["conversion"]) == (0, None, None)
    owner = data["by_owner"][0]
    assert (owner["owner"], owner["qualified"], owner["close_rate"]) == ("Ann", 1, 1.0)
    cycle = {r["group"]: r for r in data["cycle_time"]["rows"]}
    assert (cycle["Won"]["median"], cycle["Won"]["p90"]) == (18.0, 18)
    assert cycle["Lost"]["median"] is None


# --- --since / --until --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("since, until", [("2026-11-01", "2026-11-30"), ("2026-10-15", None), (None, "2026-09-30")])
def test_since_until_keep_leads_created_in_the_range(run, since, until):
    run("init", "p.xlsx", "--sample", *TODAY)
    run("sync", "p.xlsx", *TODAY)  # every lead now has its Created date
    rows = pipeline_rows("p.xlsx")
    low = date.fromisoformat(since) if since else date.min
    high = date.fromisoformat(until) if until else date.max
    kept = [r for r in rows if low <= as_date(r["created"]) <= high]
    assert 0 < len(kept) < len(rows)
    args = (["--since", since] if since else []) + (["--until", until] if until else [])
    data = report_json(run, *args)
    assert total_row(data)["leads"] == len(kept)
    assert data["health"]["leads"] == len(kept)
    assert data["excluded_by_date"] == len(rows) - len(kept)
    won = sum(1 for r in kept if str(r["outcome"] or "").casefold() == "won")
    assert total_row(data)["won"] == won


def test_since_counts_a_new_row_as_created_today_as_the_sync_would(run):
    # `report` gives "the same figures" as the Summary. A new row (no ID, no Created) is created today: the
    # next sync stamps it so. Reporting before or after that sync must keep the same leads for --since today.
    run("init", "p.xlsx", "--sample", *TODAY)
    before = report_json(run, "--since", "2026-12-04")
    run("sync", "p.xlsx", *TODAY)
    rows = pipeline_rows("p.xlsx")
    kept = sum(1 for r in rows if as_date(r["created"]) >= date(2026, 12, 4))
    assert kept == 3  # two new rows stamped today, one lead typed with a Created date in the future
    after = report_json(run, "--since", "2026-12-04")
    assert total_row(after)["leads"] == kept
    assert total_row(before)["leads"] == kept


def test_the_table_mentions_leads_left_out_by_the_range(run):
    run("init", "p.xlsx", "--sample", *TODAY)
    run("sync", "p.xlsx", *TODAY)
    data = report_json(run, "--since", "2026-11-01")
    result = run("report", "p.xlsx", "--since", "2026-11-01", *TODAY)
    assert f"{data['excluded_by_date']} lead(s) outside the --since/--until range are left out." in result.stdout


# --- formulas, pipes ----------------------------------------------------------------------------------------------

FORMULA_NAMES = [FORMULA, "+cmd", "@SUM(1)", "-2+3"]


def formula_workbook(run) -> None:
    run("init", "p.xlsx", *TODAY)
    leads = [
        {"id": f"L-000{i + 1}", "lead": name, "contact": name, "source": name, "owner": "Ann", "stage": "Contacted",
         "created": date(2026, 11, 1), "first_contact": date(2026, 12, 1), "last_contact": date(2026, 12, 1)}
        for i, name in enumerate(FORMULA_NAMES)
    ]
    add_to_workbook("p.xlsx", leads, sources=FORMULA_NAMES)


def test_csv_writes_formula_like_text_with_a_leading_apostrophe(run):
    formula_workbook(run)
    result = run("report", "p.xlsx", "--format", "csv", *TODAY)
    assert result.exit_code == 0, result.output
    cells = [cell for row in csv.reader(io.StringIO(result.stdout)) for cell in row]
    for name in FORMULA_NAMES:
        # the source row in "Conversion by source", and the lead and contact in the follow-ups
        assert cells.count("'" + name) >= 3, name
        assert name not in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_csv_source_row_keeps_its_figures(run):
    formula_workbook(run)
    result = run("report", "p.xlsx", "--format", "csv", *TODAY)
    rows = list(csv.reader(io.StringIO(result.stdout)))
    row = next(r for r in rows if r and r[0] == "'" + FORMULA)
    assert row[1:4] == ["1", "1", "0"]  # leads, open, won
    assert row[8:10] == ["—", "0.0"]  # win rate: nothing decided; conversion 0 of 1


def test_json_keeps_formula_like_text_as_it_is(run):
    formula_workbook(run)
    data = report_json(run)
    assert FORMULA in [r["source"] for r in data["by_source"]]
    assert sorted(f["lead"] for f in data["follow_ups"]) == sorted(FORMULA_NAMES)


def test_markdown_escapes_a_pipe_in_a_source_name(run):
    run("init", "p.xlsx", *TODAY)
    add_to_workbook("p.xlsx", [{"id": "L-0001", "lead": "Acme", "source": "Word|of mouth", "owner": "Ann",
                                "stage": "New", "created": date(2026, 11, 1)}], sources=["Word|of mouth"])
    result = run("report", "p.xlsx", "--format", "markdown", *TODAY)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    row = next(line for line in lines if "Word" in line)
    assert row.startswith("| Word\\|of mouth | 1 | 1 |")
    header = next(line for line in lines if line.startswith("| Source |"))
    assert row.replace("\\|", "").count("|") == header.count("|")


# --- the same figure everywhere ----------------------------------------------------------------------------------

def test_table_json_and_summary_tab_agree_on_total_won(run):
    run("init", "p.xlsx", "--sample", *TODAY)
    assert run("sync", "p.xlsx", *TODAY).exit_code == 0
    total = total_row(report_json(run))
    table = run("report", "p.xlsx", *TODAY).stdout
    table_total = next(line for line in table.splitlines() if line.startswith("Total ")).split()
    summary = [c.value for c in summary_row("p.xlsx", "Total")]
    independent = sum(1 for r in pipeline_rows("p.xlsx") if str(r["outcome"] or "").casefold() == "won")
    assert total["won"] == int(table_total[3]) == summary[3] == independent == 7
    assert total["leads"] == int(table_total[1]) == summary[1] == 50
    assert table_total[8] == f"{total['win_rate']:.1%}" == "25.0%"


def test_after_sync_the_summary_tab_holds_the_json_totals(run):
    run("init", "p.xlsx", "--sample", *TODAY)
    assert run("sync", "p.xlsx", *TODAY).exit_code == 0
    total = total_row(report_json(run))
    cells = summary_row("p.xlsx", "Total")
    values = [c.value for c in cells[:10]]
    assert values == ["Total", total["leads"], total["open"], total["won"], total["lost"], total["no_response"],
                      total["passed"], total["invalid_outcome"], pytest.approx(total["win_rate"]),
                      pytest.approx(total["conversion"])]
    assert values[1:8] == [50, 21, 7, 18, 3, 1, 0]


def test_summary_and_json_agree_on_every_source_row(run):
    run("init", "p.xlsx", "--sample", *TODAY)
    run("sync", "p.xlsx", *TODAY)
    data = report_json(run)
    for row in data["by_source"]:
        cells = [c.value for c in summary_row("p.xlsx", row["source"])[:10]]
        assert cells[1:8] == [row["leads"], row["open"], row["won"], row["lost"], row["no_response"], row["passed"],
                              row["invalid_outcome"]]
        expected_rate = "—" if row["win_rate"] is None else pytest.approx(row["win_rate"])
        assert cells[8] == expected_rate


def test_a_formula_like_source_is_a_string_cell_in_the_summary(run):
    run("init", "p.xlsx", *TODAY)
    add_to_workbook("p.xlsx", [
        {"id": "L-0001", "lead": LINK, "source": LINK, "owner": "Ann", "stage": "Contacted",
         "created": date(2026, 11, 1), "first_contact": date(2026, 12, 1), "last_contact": date(2026, 12, 1)},
    ], sources=[LINK])
    result = run("sync", "p.xlsx", *TODAY)
    assert result.exit_code == 0, result.output
    cell = summary_row("p.xlsx", LINK)[0]
    assert cell.data_type == "s"
    assert cell.value == LINK
    assert [c.value for c in summary_row("p.xlsx", LINK)[1:4]] == [1, 1, 0]
    lead_cell = next(c for row in openpyxl.load_workbook("p.xlsx")["Follow-ups"].iter_rows() for c in row
                     if c.value == LINK)
    assert lead_cell.data_type == "s"
    data = report_json(run)
    assert {r["source"]: r["leads"] for r in data["by_source"]}[LINK] == 1


def test_summary_total_on_a_path_with_a_file_next_to_it(run, tmp_path: Path):
    # the report reads the workbook given, not a stray copy next to it
    run("init", "p.xlsx", "--sample", *TODAY)
    run("init", "q.xlsx", *TODAY)
    assert total_row(report_json(run))["leads"] == 50
    result = run("report", "q.xlsx", "--format", "json", *TODAY)
    assert total_row(json.loads(result.stdout))["leads"] == 0


def test_json_health_updated_is_the_summary_time_of_the_last_sync(run):
    run("init", "p.xlsx", "--sample", *TODAY)
    assert report_json(run)["health"]["updated"] is None  # never synced
    run("sync", "p.xlsx", *TODAY)
    updated = openpyxl.load_workbook("p.xlsx")["Summary"].cell(row=1, column=3).value
    assert isinstance(updated, datetime)
    assert report_json(run)["health"]["updated"] == updated.isoformat()


def test_the_summary_is_regenerated_whole_with_nothing_left_over(run):
    # a full Summary, then every lead deleted: the next sync leaves the Summary of an empty pipeline
    run("init", "p.xlsx", "--sample", *TODAY)
    run("sync", "p.xlsx", *TODAY)
    wb = openpyxl.load_workbook("p.xlsx")
    wb["Pipeline"].delete_rows(2, wb["Pipeline"].max_row)
    wb.save("p.xlsx")
    assert run("sync", "p.xlsx", *TODAY).exit_code == 0
    run("init", "fresh.xlsx", *TODAY)
    run("sync", "fresh.xlsx", *TODAY)

    def cells(path: str) -> list[tuple]:
        ws = openpyxl.load_workbook(path)["Summary"]
        return [tuple(c.value for c in row) for row in ws.iter_rows(min_row=2)]

    assert cells("p.xlsx") == cells("fresh.xlsx")
    assert summary_row("p.xlsx", "Total")[1].value == 0


def test_sync_puts_the_three_charts_in_the_workbook(run, tmp_path):
    run("init", "p.xlsx", "--sample", *TODAY)
    run("sync", "p.xlsx", *TODAY)
    with zipfile.ZipFile(tmp_path / "p.xlsx") as archive:
        charts = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3
    text = " ".join(charts)
    for title in ("Win rate by source", "Stage funnel", "Loss reasons per quarter"):
        assert title in text
