"""Decoding spreadsheets.get answers as they arrive, cut into chunks anywhere."""

from __future__ import annotations

import itertools
import json
import random
from datetime import date

import pytest

from sheets_pipeline.backends.gsheets_stream import JsonStream, TruncatedAnswer, read_spreadsheet
from sheets_pipeline.model import Formula


def dropdown(formula: str) -> dict:
    return {"condition": {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": formula}]}}


def text(value: str, **more) -> dict:
    return {"userEnteredValue": {"stringValue": value}, **more}


STAGES = "='Lists'!$A$2:$A$4"
ANSWER = {
    "spreadsheetId": "abc",
    "properties": {"title": "Sales — pipeline"},
    "sheets": [
        {
            "properties": {"sheetId": 7, "title": "Pipeline", "gridProperties": {"rowCount": 1000, "columnCount": 4}},
            "conditionalFormats": [{"ranges": [{"sheetId": 7, "startRowIndex": 1}], "booleanRule": {}}],
            "data": [{
                "rowData": [
                    {"values": [text("ID"), text("Lead"), text("Stage"), text("Since")]},
                    {"values": [text("L-0001"), text("Zoë 🚀 \"Ltd\""), text("New", dataValidation=dropdown(STAGES)),
                                {"userEnteredValue": {"numberValue": 46360},
                                 "userEnteredFormat": {"numberFormat": {"type": "DATE"}}}]},
                    {},
                    {"values": [{}, {"userEnteredValue": {"formulaValue": "=A2"}},
                                text("Won", dataValidation=dropdown(STAGES)), {"userEnteredValue": {"numberValue": 12.5}},
                                {}]},
                ],
            }],
        },
        {
            "properties": {"sheetId": 9, "title": "Notes", "hidden": True},
            "charts": [{"chartId": 3}],
            # the offsets after the rows, and a second block: both placed where they belong
            "data": [{"rowData": [{"values": [text("x")]}], "startRow": 2, "startColumn": 1},
                     {"startRow": 0, "rowData": [{"values": [{"userEnteredValue": {"boolValue": True}}]}]}],
        },
    ],
}
PIPELINE = [["ID", "Lead", "Stage", "Since"],
            ["L-0001", 'Zoë 🚀 "Ltd"', "New", date(2026, 12, 4)],
            [],
            [None, Formula("=A2"), "Won", 12.5]]
NOTES = [[True], [], [None, "x"]]


def chunked(document: bytes, cuts: list[int]) -> list[bytes]:
    edges = [0, *sorted(cuts), len(document)]
    return [document[a:b] for a, b in itertools.pairwise(edges)]


def check(sheets) -> None:
    assert [s.properties["title"] for s in sheets] == ["Pipeline", "Notes"]
    pipeline, notes = sheets
    assert pipeline.grid == PIPELINE
    assert notes.grid == NOTES
    assert notes.properties["hidden"] is True and notes.charts == [{"chartId": 3}]
    assert pipeline.conditional_formats == ANSWER["sheets"][0]["conditionalFormats"]
    stages = pipeline.dropdowns[2]
    assert (stages.formulas, stages.first, stages.last, stages.cells) == ({STAGES}, 2, 4, 2)
    assert not stages.contiguous  # row 3 has none
    assert set(pipeline.dropdowns) == {2} and notes.dropdowns == {}


@pytest.mark.parametrize("pretty", [False, True])
def test_one_chunk_and_one_byte_chunks_read_the_same(pretty):
    document = json.dumps(ANSWER, indent=2 if pretty else None, ensure_ascii=False).encode()
    check(read_spreadsheet([document]))
    check(read_spreadsheet([document[i:i + 1] for i in range(len(document))]))  # multi-byte letters split too


def test_any_cut_into_three_chunks_reads_the_same():
    document = json.dumps(ANSWER, separators=(",", ":"), ensure_ascii=False).encode()
    rng = random.Random(5)
    for _ in range(300):
        check(read_spreadsheet(chunked(document, [rng.randrange(len(document)) for _ in range(2)])))


def test_a_number_cut_by_a_chunk_is_read_whole():
    stream = JsonStream([b"[12", b"345, 6.", b"5e1", b"]"])
    values = []
    for _ in stream.elements():
        values.append(stream.value())
    stream.end()
    assert values == [12345, 65.0]


@pytest.mark.parametrize("keep", [1, 10, 100, 0.5, -1])
def test_an_answer_cut_short_is_told_apart(keep):
    document = json.dumps(ANSWER, ensure_ascii=False).encode()
    end = int(len(document) * keep) if isinstance(keep, float) else len(document) - keep if keep > 0 else keep
    with pytest.raises(TruncatedAnswer):
        read_spreadsheet([document[:end]])


@pytest.mark.parametrize("document", [b'{"sheets": []} {}', b'{"sheets": [] "x": 1}', b'["sheets"]', b"\xff{}",
                                      b'{"sheets": [{"data": [{"rowData": [{"values": [}]}]}]}'])
def test_what_is_not_the_json_of_an_answer_is_refused(document):
    with pytest.raises(TruncatedAnswer):
        read_spreadsheet([document])


def test_an_empty_spreadsheet_reads_as_no_sheets():
    assert read_spreadsheet([b"{}"]) == []
    assert read_spreadsheet([b'{"sheets": [{}]}'])[0].grid == []


def test_text_that_equals_a_formula_stays_text_and_the_formula_stays_a_formula():
    row = {"values": [text("=A2"), {"userEnteredValue": {"formulaValue": "=A2"}}, text("=A2")]}
    answer = {"sheets": [{"data": [{"rowData": [row, row]}]}]}
    grid = read_spreadsheet([json.dumps(answer).encode()])[0].grid
    assert [[type(value) for value in line] for line in grid] == [[str, Formula, str]] * 2
    assert grid[0][0] is grid[1][2]  # repeated text is one object
