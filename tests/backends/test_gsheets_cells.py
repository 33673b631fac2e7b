"""Grids to Sheets API requests: rewriting only the rows that changed, one request per run of styled rows."""

from __future__ import annotations

from datetime import date

from sheets_pipeline.backends.gsheets_cells import changed_rows, style_requests
from sheets_pipeline.looks import CellStyle

DAY = date(2026, 12, 4)
DAY_CELL = {"userEnteredValue": {"numberValue": 46360},
            "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}}


def text(value: str) -> dict:
    return {"userEnteredValue": {"stringValue": value}}


def update(row_index: int, *rows: list[dict]) -> dict:
    return {"updateCells": {"start": {"sheetId": 5, "rowIndex": row_index, "columnIndex": 0},
                            "rows": [{"values": row} for row in rows],
                            "fields": "userEnteredValue,userEnteredFormat.numberFormat"}}


def test_only_the_rows_that_differ_are_written_and_a_shorter_row_clears_its_old_cells():
    read = [["ID", "Seen"], ["L-1", DAY], ["L-2", "a", "b"], ["L-3", 3], ["L-4", "x"]]
    grid = [["ID", "Seen"], ["L-1", DAY], ["L-2", "a"], ["L-3", 3, ""], ["L-4", "y"], ["L-5", DAY]]
    assert changed_rows(5, read, grid) == [
        update(2, [text("L-2"), text("a"), {}]),
        update(4, [text("L-4"), text("y")], [text("L-5"), DAY_CELL]),
    ]


def test_rows_past_the_new_end_are_cleared():
    read = [["ID"], ["L-1", 1], ["L-2", 2]]
    assert changed_rows(5, read, [["ID"]]) == [update(1, [{}, {}], [{}, {}])]


def test_the_same_grid_writes_nothing_and_blank_text_is_blank():
    read = [["ID", None, "x"], [], ["L-1"]]
    assert changed_rows(5, read, [["ID", "", "x", None], [None, ""], ["L-1", ""]]) == []


def test_true_is_not_one_and_a_float_is_written_again():
    assert changed_rows(5, [[1]], [[True]]) == [update(0, [{"userEnteredValue": {"boolValue": True}}])]
    assert changed_rows(5, [[3]], [[3.0]]) == [update(0, [{"userEnteredValue": {"numberValue": 3.0}}])]


def test_neighbouring_rows_of_one_style_are_one_request():
    styles = (CellStyle(1, 1, 1, 4, "header"), CellStyle(2, 1, 2, 4, "overdue"), CellStyle(3, 1, 3, 4, "overdue"),
              CellStyle(4, 1, 5, 4, "overdue"), CellStyle(6, 1, 6, 3, "overdue"), CellStyle(2, 2, 6, 2, "date"),
              CellStyle(7, 1, 7, 4, "overdue"))
    ranges = [(r["repeatCell"]["range"]["startRowIndex"], r["repeatCell"]["range"]["endRowIndex"],
               r["repeatCell"]["range"]["endColumnIndex"], r["repeatCell"]["cell"]["userEnteredFormat"])
              for r in style_requests(3, styles)]
    assert [(start, end, right) for start, end, right, _ in ranges] == [
        (0, 1, 4),  # header
        (1, 5, 4),  # rows 2-5 overdue: one request
        (5, 6, 3),  # row 6 is narrower: a request of its own
        (1, 6, 2),  # the date column over them
        (6, 7, 4),  # row 7 overdue comes after the date style: joining it to rows 2-5 would change the order
    ]
