"""The Sheets API emulator, driven through real gspread and raw HTTP.

What is asserted here is Google's behaviour as the recorded interactions and Google's documentation show it:
response shapes, error bodies, all-or-nothing batchUpdate, discovery-document validation; plus the test
controls the project relies on (person edits, faults, counters).
"""

from __future__ import annotations

import json
from datetime import date

import gspread
import pytest
import requests

from sheets_pipeline.testing import a1, fieldmask, formula
from sheets_pipeline.testing.cellvalues import parse_user_entered
from sheets_pipeline.testing.emulator import SheetsEmulator
from sheets_pipeline.testing.numfmt import format_number

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE = "https://www.googleapis.com/drive/v3/files"
PIPELINE = [["ID", "Lead", "Stage", "Amount"], ["L-1", "Acme", "New", 10], ["L-2", "Bolt", "Won", 20],
            ["L-3", "Cedar", "Lost", 5]]


@pytest.fixture
def emu():
    with SheetsEmulator() as emulator:
        yield emulator
        assert emulator.errors == [], emulator.errors[0] if emulator.errors else ""


@pytest.fixture
def http(emu):
    return emu.session()


@pytest.fixture
def client(http):
    return gspread.Client(auth=None, session=http)


@pytest.fixture
def sid(emu):
    return emu.create_spreadsheet("Pipeline test", {"Pipeline": PIPELINE, "Lists": [["Stage"], ["New"], ["Won"],
                                                                                    ["Lost"]]})


def batch(http, sid, *requests_, **extra):
    return http.post(f"{SHEETS}/{sid}:batchUpdate", json={"requests": list(requests_), **extra})


def sheet_id(emu, sid, title):
    return next(s["properties"]["sheetId"] for s in emu.spreadsheet(sid, False)["sheets"]
                if s["properties"]["title"] == title)


# ---------------------------------------------------------------- gspread round trips


def test_gspread_opens_and_reads_what_a_person_typed(emu, client, sid):
    sh = client.open_by_key(sid)
    assert sh.title == "Pipeline test"
    assert [ws.title for ws in sh.worksheets()] == ["Pipeline", "Lists"]
    assert sh.worksheet("Pipeline").get_all_values() == [[str(v) for v in row] for row in PIPELINE]
    assert emu.values(sid, "Pipeline")[1] == ["L-1", "Acme", "New", 10.0]


def test_raw_keeps_text_user_entered_parses_it(emu, client, sid):
    ws = client.open_by_key(sid).worksheet("Pipeline")
    ws.update([["=1+1", "2026-12-01", "0042"]], "A6", raw=True)
    ws.update([["=1+1", "2026-12-01", "0042"]], "A7", raw=False)
    assert emu.values(sid, "Pipeline")[5:7] == [["=1+1", "2026-12-01", "0042"], [2.0, 46357.0, 42.0]]
    date_cell = emu.cell(sid, "Pipeline", 7, 2)
    assert date_cell["userEnteredValue"] == {"numberValue": 46357}
    assert date_cell["userEnteredFormat"]["numberFormat"] == {"type": "DATE", "pattern": "yyyy-mm-dd"}
    assert date_cell["formattedValue"] == "2026-12-01"
    assert emu.cell(sid, "Pipeline", 7, 1)["userEnteredValue"] == {"formulaValue": "=1+1"}
    assert ws.get("A6:C7") == [["=1+1", "2026-12-01", "0042"], ["2", "2026-12-01", "42"]]
    assert ws.get("A7:C7", value_render_option="UNFORMATTED_VALUE") == [[2, 46357, 42]]
    assert ws.get("A7:C7", value_render_option="UNFORMATTED_VALUE",
                  date_time_render_option="FORMATTED_STRING") == [[2, "2026-12-01", 42]]
    assert ws.get("A7", value_render_option="FORMULA") == [["=1+1"]]


def test_batch_update_append_and_worksheets(emu, client, sid):
    sh = client.open_by_key(sid)
    ws = sh.worksheet("Pipeline")
    ws.batch_update([{"range": "E1", "values": [["Owner"]]}, {"range": "E2:E3", "values": [["Ann"], ["Bob"]]}])
    ws.append_row(["L-4", "Dune", "New", 7])
    assert emu.values(sid, "Pipeline")[0][4] == "Owner"
    assert emu.values(sid, "Pipeline")[4] == ["L-4", "Dune", "New", 7.0]
    new = sh.add_worksheet("Summary", rows=20, cols=5)
    assert (new.row_count, new.col_count) == (20, 5)
    assert [w.title for w in sh.worksheets()] == ["Pipeline", "Lists", "Summary"]
    sh.del_worksheet(new)
    assert [w.title for w in client.open_by_key(sid).worksheets()] == ["Pipeline", "Lists"]
    got = sh.values_batch_get(["Pipeline!A1:B2", "'Lists'!A:A"])
    assert got["valueRanges"][0] == {"range": "Pipeline!A1:B2", "majorDimension": "ROWS",
                                     "values": [["ID", "Lead"], ["L-1", "Acme"]]}
    assert got["valueRanges"][1]["range"] == "Lists!A1:A1000"


def test_values_replies_have_googles_shapes(http, sid):
    base = f"{SHEETS}/{sid}/values"
    reply = http.put(f"{base}/Pipeline!B2:C3?valueInputOption=RAW", json={"values": [["x", None], [None, None]]})
    assert reply.json() == {"spreadsheetId": sid, "updatedRange": "Pipeline!B2:C3", "updatedRows": 1,
                            "updatedColumns": 1, "updatedCells": 1}
    reply = http.post(f"{base}/Pipeline:append?valueInputOption=USER_ENTERED", json={"values": [["L-9", "Zed"]]})
    assert reply.json() == {"spreadsheetId": sid, "tableRange": "Pipeline!A1:D4", "updates": {
        "spreadsheetId": sid, "updatedRange": "Pipeline!A5:B5", "updatedRows": 1, "updatedColumns": 2,
        "updatedCells": 2}}
    reply = http.get(f"{base}/Pipeline!A1:D6", params={"majorDimension": "COLUMNS"})
    assert reply.json()["values"][0] == ["ID", "L-1", "L-2", "L-3", "L-9"]
    assert http.get(f"{base}/Pipeline!H1:H3").json() == {"range": "Pipeline!H1:H3", "majorDimension": "ROWS"}
    assert http.post(f"{base}/Pipeline!A5:B5:clear").json() == {"spreadsheetId": sid,
                                                                  "clearedRange": "Pipeline!A5:B5"}
    reply = http.post(f"{base}:batchUpdate", json={"valueInputOption": "RAW", "data": [
        {"range": "Lists!B1", "values": [["Source"]]}, {"range": "Pipeline!E1", "values": [["Owner"]]}]})
    assert reply.json()["totalUpdatedCells"] == 2 and reply.json()["totalUpdatedSheets"] == 2


def test_a1_ranges_with_quoted_names_whole_columns_and_rows(emu, http):
    sid = emu.create_spreadsheet("Names", {"My sheet": [["a", "b"], ["c", "d"]], "It's": [["x"], ["y"]]})
    base = f"{SHEETS}/{sid}/values"
    assert http.get(f"{base}/'My sheet'!A1:B2").json()["range"] == "'My sheet'!A1:B2"
    assert http.get(f"{base}/'It''s'!A:A").json() == {"range": "'It''s'!A1:A1000", "majorDimension": "ROWS",
                                                       "values": [["x"], ["y"]]}
    assert http.get(f"{base}/'My sheet'!2:2").json()["values"] == [["c", "d"]]
    assert http.get(f"{base}/'My sheet'").json()["range"] == "'My sheet'!A1:Z1000"
    assert http.get(f"{base}/A1:B1").json()["values"] == [["a", "b"]]  # no sheet: the first visible one
    assert http.get(f"{base}/'My sheet'!B2:A1").json()["range"] == "'My sheet'!A1:B2"


# ---------------------------------------------------------------- errors


def test_error_bodies_have_googles_shape(http, sid):
    assert http.get(f"{SHEETS}/nope").json() == {"error": {"code": 404, "message": "Requested entity was not found.",
                                                           "status": "NOT_FOUND"}}
    reply = http.get(f"{SHEETS}/{sid}/values/Nope!A1")
    assert (reply.status_code, reply.json()) == (400, {"error": {
        "code": 400, "message": "Unable to parse range: Nope!A1", "status": "INVALID_ARGUMENT"}})
    reply = batch(http, sid, {"deleteSheet": {"sheetId": 12345}})
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == "Invalid requests[0].deleteSheet: No sheet with id: 12345"
    reply = http.put(f"{SHEETS}/{sid}/values/Pipeline!A1", json={"values": [[1]]})
    assert reply.json()["error"]["message"] == "'valueInputOption' is required but not specified"
    reply = http.put(f"{SHEETS}/{sid}/values/Pipeline!A1?valueInputOption=RAW", json={"values": "X"})
    assert reply.json()["error"] == {
        "code": 400, "status": "INVALID_ARGUMENT",
        "message": "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), \"X\"",
        "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [
            {"field": "data.values",
             "description": "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), \"X\""}]}]}
    reply = http.get(f"{SHEETS}/{sid}/values/Pipeline!A1:A2000")
    assert reply.json()["error"]["message"] == ("Range (Pipeline!A1:A2000) exceeds grid limits. Max rows: 1000, "
                                                "max columns: 26")
    reply = http.put(f"{SHEETS}/{sid}/values/Pipeline!A1:B1?valueInputOption=RAW", json={"values": [[1, 2, 3]]})
    assert reply.json()["error"]["message"] == ("Requested writing within range [Pipeline!A1:B1], but tried "
                                                "writing to column [C]")
    reply = batch(http, sid, {"updateSheetProperties": {"properties": {"sheetId": 0, "hidden": True},
                                                        "fields": "hidden"}},
                  {"updateSheetProperties": {"properties": {"sheetId": 1 if False else sheet_id_of(http, sid),
                                                            "hidden": True}, "fields": "hidden"}})
    assert reply.json()["error"]["message"] == ("Invalid requests[1].updateSheetProperties: You can't hide all the "
                                                "sheets in a document.")


def sheet_id_of(http, sid, index=1):
    return http.get(f"{SHEETS}/{sid}").json()["sheets"][index]["properties"]["sheetId"]


def test_unknown_fields_are_refused_like_google(http, sid):
    reply = batch(http, sid, {"updateSheetProperties": {"properties": {"sheetId": 0, "headerValues": ["a"]},
                                                        "fields": "title"}})
    message = ("Invalid JSON payload received. Unknown name \"headerValues\" at "
               "'requests[0].update_sheet_properties.properties': Cannot find field.")
    assert reply.status_code == 400
    assert reply.json() == {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT", "details": [
        {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [
            {"field": "requests[0].update_sheet_properties.properties", "description": message}]}]}}
    reply = http.post(f"{SHEETS}/{sid}:batchUpdate", json={"requests": [{"addSheet": {}}], "foo": 1, "bar": 2})
    assert reply.json()["error"]["message"] == ("Invalid JSON payload received. Unknown name \"foo\": Cannot find "
                                                "field.\nInvalid JSON payload received. Unknown name \"bar\": Cannot "
                                                "find field.")
    assert "field" not in reply.json()["error"]["details"][0]["fieldViolations"][0]
    reply = http.put(f"{SHEETS}/{sid}/values/A1?valueInputOption=RAW", json={"values": [[1]], "majorDimensions": 1})
    assert "Unknown name \"majorDimensions\" at 'data'" in reply.json()["error"]["message"]
    reply = http.get(f"{SHEETS}/{sid}", params={"includeGridDta": "true"})
    assert reply.json()["error"]["message"].startswith('Invalid JSON payload received. Unknown name "includeGridDta"'
                                                       ": Cannot bind query parameter.")
    reply = http.get(f"{SHEETS}/{sid}/values/A1", params={"valueRenderOption": "FORMATED_VALUE"})
    assert reply.json()["error"]["message"] == ("Invalid value at 'value_render_option' "
                                                "(type.googleapis.com/google.apps.sheets.v4.ValueRenderOption), "
                                                "\"FORMATED_VALUE\"")
    assert batch(http, sid, {"addSheet": {"properties": {"title": 5}}}).json()["error"]["message"] == (
        "Invalid value at 'requests[0].add_sheet.properties.title' (TYPE_STRING), 5")


def test_lenient_mode_skips_the_discovery_check():
    with SheetsEmulator(strict=False) as emu:
        sid = emu.create_spreadsheet("Lenient", {"A": [["x"]]})
        reply = batch(emu.session(), sid, {"addSheet": {"properties": {"title": "B", "unknown": 1}}})
        assert reply.status_code == 200


def test_batch_update_is_all_or_nothing(emu, http, sid):
    before = emu.spreadsheet(sid)
    reply = batch(http, sid,
                  {"addSheet": {"properties": {"title": "New tab"}}},
                  {"updateCells": {"start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 0}, "fields": "userEnteredValue",
                                   "rows": [{"values": [{"userEnteredValue": {"stringValue": "changed"}}]}]}},
                  {"repeatCell": {"range": {"sheetId": 999}, "cell": {}, "fields": "userEnteredFormat"}})
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == "Invalid requests[2].repeatCell: No grid with id: 999"
    assert emu.spreadsheet(sid) == before


def test_batch_update_replies_follow_the_response_message(emu, http, sid):
    lists = sheet_id(emu, sid, "Lists")
    reply = batch(http, sid,
                  {"addSheet": {"properties": {"title": "Summary", "gridProperties": {"rowCount": 50,
                                                                                      "columnCount": 8}}}},
                  {"addNamedRange": {"namedRange": {"name": "Stages", "range": {
                      "sheetId": lists, "startRowIndex": 1, "endRowIndex": 4, "startColumnIndex": 0,
                      "endColumnIndex": 1}}}},
                  {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0, "startRowIndex": 0,
                                                                      "endRowIndex": 1}, "warningOnly": True}}},
                  {"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 10,
                                                   "startColumnIndex": 2, "endColumnIndex": 3},
                                         "rule": {"condition": {"type": "ONE_OF_RANGE", "values": [
                                             {"userEnteredValue": "='Lists'!$A$2:$A$4"}]},
                                             "strict": True, "showCustomUi": True}}},
                  {"addConditionalFormatRule": {"index": 0, "rule": {
                      "ranges": [{"sheetId": 0, "startRowIndex": 1, "endRowIndex": 10}],
                      "booleanRule": {"condition": {"type": "CUSTOM_FORMULA",
                                                    "values": [{"userEnteredValue": "=$C2=\"Lost\""}]},
                                      "format": {"backgroundColor": {"red": 1, "green": 0.5, "blue": 0.5}}}}}},
                  {"findReplace": {"find": "Acme", "replacement": "ACME", "allSheets": True}},
                  {"mergeCells": {"range": {"sheetId": 0, "startRowIndex": 20, "endRowIndex": 22,
                                            "startColumnIndex": 0, "endColumnIndex": 2}}})
    assert reply.status_code == 200, reply.text
    replies = reply.json()["replies"]
    assert replies[0]["addSheet"]["properties"]["gridProperties"] == {"rowCount": 50, "columnCount": 8}
    assert replies[0]["addSheet"]["properties"]["index"] == 2
    assert replies[1]["addNamedRange"]["namedRange"]["name"] == "Stages"
    assert isinstance(replies[1]["addNamedRange"]["namedRange"]["namedRangeId"], str)
    protected = replies[2]["addProtectedRange"]["protectedRange"]
    assert protected["range"] == {"startRowIndex": 0, "endRowIndex": 1}  # sheetId 0 is not written, like Google
    assert protected["warningOnly"] is True and protected["requestingUserCanEdit"] is True
    assert replies[3:5] == [{}, {}]
    assert replies[5] == {"findReplace": {"valuesChanged": 1, "rowsChanged": 1, "sheetsChanged": 1,
                                          "occurrencesChanged": 1}}
    assert replies[6] == {}
    rule = emu.cell(sid, "Pipeline", 3, 3)["dataValidation"]
    assert rule == {"condition": {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": "='Lists'!$A$2:$A$4"}]},
                    "strict": True, "showCustomUi": True}
    reply = batch(http, sid, {"updateConditionalFormatRule": {"sheetId": 0, "index": 0, "newIndex": 0}},
                  {"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}})
    old, deleted = reply.json()["replies"]
    assert old["updateConditionalFormatRule"]["newIndex"] == 0 if "newIndex" in old["updateConditionalFormatRule"] \
        else old["updateConditionalFormatRule"]["oldRule"]
    fmt = deleted["deleteConditionalFormatRule"]["rule"]["booleanRule"]["format"]
    assert fmt["backgroundColorStyle"] == {"rgbColor": {"red": 1, "green": 0.49803922, "blue": 0.49803922}}


def test_charts_filters_borders_and_paste(emu, http, sid):
    chart = {"spec": {"title": "By stage", "basicChart": {"chartType": "BAR", "domains": [{"domain": {
        "sourceRange": {"sources": [{"sheetId": 0, "startRowIndex": 0, "endRowIndex": 4, "startColumnIndex": 2,
                                     "endColumnIndex": 3}]}}}], "series": [{"series": {"sourceRange": {"sources": [
                                         {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 4, "startColumnIndex": 3,
                                          "endColumnIndex": 4}]}}}]}},
             "position": {"overlayPosition": {"anchorCell": {"sheetId": 0, "rowIndex": 6, "columnIndex": 6}}}}
    reply = batch(http, sid, {"addChart": {"chart": chart}},
                  {"setBasicFilter": {"filter": {"range": {"sheetId": 0}}}},
                  {"updateBorders": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1,
                                               "startColumnIndex": 0, "endColumnIndex": 2},
                                     "bottom": {"style": "SOLID"}}},
                  {"copyPaste": {"source": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2, "startColumnIndex": 0,
                                            "endColumnIndex": 2},
                                 "destination": {"sheetId": 0, "startRowIndex": 10, "endRowIndex": 11,
                                                 "startColumnIndex": 0, "endColumnIndex": 2}}},
                  {"cutPaste": {"source": {"sheetId": 0, "startRowIndex": 10, "endRowIndex": 11, "startColumnIndex": 0,
                                           "endColumnIndex": 2},
                                "destination": {"sheetId": 0, "rowIndex": 12, "columnIndex": 0}}})
    assert reply.status_code == 200, reply.text
    chart_id = reply.json()["replies"][0]["addChart"]["chart"]["chartId"]
    sheet = emu.spreadsheet(sid, False)["sheets"][0]
    assert sheet["basicFilter"]["range"] == {"startRowIndex": 0, "endRowIndex": 1000, "startColumnIndex": 0,
                                             "endColumnIndex": 26}
    assert sheet["charts"][0]["chartId"] == chart_id
    assert emu.cell(sid, "Pipeline", 1, 1)["userEnteredFormat"]["borders"]["bottom"]["style"] == "SOLID"
    assert emu.values(sid, "Pipeline")[10:13] == [[], [], ["L-1", "Acme"]]
    reply = batch(http, sid, {"updateChartSpec": {"chartId": chart_id, "spec": {"title": "Renamed"}}},
                  {"deleteEmbeddedObject": {"objectId": chart_id}}, {"clearBasicFilter": {"sheetId": 0}})
    assert reply.status_code == 200
    assert "charts" not in emu.spreadsheet(sid, False)["sheets"][0]


def test_dimension_and_range_requests(emu, http, sid):
    reply = batch(http, sid,
                  {"insertDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2}}},
                  {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 5}},
                  {"updateDimensionProperties": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0,
                                                           "endIndex": 1}, "properties": {"pixelSize": 150},
                                                 "fields": "pixelSize"}},
                  {"autoResizeDimensions": {"dimensions": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 2,
                                                           "endIndex": 3}}},
                  {"appendCells": {"sheetId": 0, "fields": "userEnteredValue",
                                   "rows": [{"values": [{"userEnteredValue": {"stringValue": "L-4"}}]}]}},
                  {"insertRange": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2, "startColumnIndex": 0,
                                             "endColumnIndex": 1}, "shiftDimension": "ROWS"}},
                  {"deleteRange": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2, "startColumnIndex": 0,
                                             "endColumnIndex": 1}, "shiftDimension": "ROWS"}},
                  {"duplicateSheet": {"sourceSheetId": 0, "newSheetName": "Backup"}},
                  {"updateSpreadsheetProperties": {"properties": {"title": "Renamed"}, "fields": "title"}},
                  {"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 2, "endIndex": 3}}})
    assert reply.status_code == 200, reply.text
    assert reply.json()["replies"][7]["duplicateSheet"]["properties"]["title"] == "Backup"
    assert emu.values(sid, "Pipeline") == [["ID", None, "Lead", "Stage", "Amount"], ["L-1", None, "Acme", "New", 10.0],
                                          ["L-3", None, "Cedar", "Lost", 5.0], ["L-4"]]
    assert emu.values(sid, "Backup")[2][0] == "L-2"
    grid = http.get(f"{SHEETS}/{sid}", params={"ranges": "Pipeline!A1:C1", "fields": "sheets(properties(gridProperties"
                                               "(rowCount,columnCount)),data(columnMetadata))"}).json()["sheets"][0]
    assert grid["properties"]["gridProperties"] == {"rowCount": 1004, "columnCount": 27}
    sizes = [m["pixelSize"] for m in grid["data"][0]["columnMetadata"]]
    assert sizes[0] == 150 and sizes[1] == 100 and sizes[2] != 100
    assert http.get(f"{DRIVE}/{sid}").json()["name"] == "Renamed"
    reply = batch(http, sid, {"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0,
                                                            "endIndex": 1004}}})
    assert reply.json()["error"]["message"] == ("Invalid requests[0].deleteDimension: You can't delete all the rows "
                                                "on the sheet.")


def test_named_and_protected_range_updates(emu, http, sid):
    replies = batch(http, sid, {"addNamedRange": {"namedRange": {"name": "Leads", "range": {"sheetId": 0}}}},
                    {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0, "startRowIndex": 0,
                                                                        "endRowIndex": 1},
                                                              "description": "header"}}}).json()["replies"]
    named = replies[0]["addNamedRange"]["namedRange"]["namedRangeId"]
    protected = replies[1]["addProtectedRange"]["protectedRange"]["protectedRangeId"]
    reply = batch(http, sid, {"updateNamedRange": {"namedRange": {"namedRangeId": named, "name": "AllLeads"},
                                                   "fields": "name"}},
                  {"updateProtectedRange": {"protectedRange": {"protectedRangeId": protected, "warningOnly": True},
                                            "fields": "warningOnly"}})
    assert reply.status_code == 200, reply.text
    sheet = emu.spreadsheet(sid, False)
    assert sheet["namedRanges"][0]["name"] == "AllLeads"
    assert sheet["sheets"][0]["protectedRanges"][0]["warningOnly"] is True
    assert http.get(f"{SHEETS}/{sid}/values/AllLeads").json()["range"] == "Pipeline!A1:Z1000"
    bad = batch(http, sid, {"addNamedRange": {"namedRange": {"name": "A1", "range": {"sheetId": 0}}}})
    assert bad.status_code == 400
    assert batch(http, sid, {"deleteNamedRange": {"namedRangeId": named}},
                 {"deleteProtectedRange": {"protectedRangeId": protected}}).status_code == 200
    assert "namedRanges" not in emu.spreadsheet(sid, False)


def test_include_spreadsheet_in_response(http, sid):
    reply = batch(http, sid, {"addSheet": {"properties": {"title": "X"}}}, includeSpreadsheetInResponse=True,
                  responseRanges=["Pipeline!A1:B1"], responseIncludeGridData=True)
    updated = reply.json()["updatedSpreadsheet"]
    assert [s["properties"]["title"] for s in updated["sheets"]] == ["Pipeline"]
    cells = updated["sheets"][0]["data"][0]["rowData"][0]["values"]
    assert [c["formattedValue"] for c in cells] == ["ID", "Lead"]


# ---------------------------------------------------------------- spreadsheets.get


def test_fields_mask_with_nested_parentheses(emu, http, sid):
    reply = http.get(f"{SHEETS}/{sid}", params={"fields": "properties(title),sheets(properties(title,gridProperties("
                                                          "rowCount)))"})
    assert reply.json() == {"properties": {"title": "Pipeline test"}, "sheets": [
        {"properties": {"title": "Pipeline", "gridProperties": {"rowCount": 1000}}},
        {"properties": {"title": "Lists", "gridProperties": {"rowCount": 1000}}}]}
    assert http.get(f"{SHEETS}/{sid}", params={"fields": "namedRanges"}).json() == {}
    assert http.get(f"{SHEETS}/{sid}", params={"fields": "sheets.properties.tabColorStyle"}).json() == {
        "sheets": [{"properties": {}}, {"properties": {}}]}
    reply = http.get(f"{SHEETS}/{sid}", params={"ranges": "Pipeline!B2:C3",
                                                "fields": "sheets/data/rowData/values/formattedValue"})
    assert reply.json() == {"sheets": [{"data": [{"rowData": [
        {"values": [{"formattedValue": "Acme"}, {"formattedValue": "New"}]},
        {"values": [{"formattedValue": "Bolt"}, {"formattedValue": "Won"}]}]}]}]}
    assert http.get(f"{SHEETS}/{sid}", params={"fields": "sheets(nope)"}).status_code == 400


def test_grid_data_cells(emu, http, sid):
    batch(http, sid, {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
                                     "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                                     "fields": "userEnteredFormat.textFormat.bold"}})
    reply = http.get(f"{SHEETS}/{sid}", params={"includeGridData": "true", "ranges": "Pipeline!A1:D2"})
    sheet = reply.json()["sheets"][0]
    assert [s for s in reply.json()["sheets"]] == [sheet]
    data = sheet["data"][0]
    assert len(data["rowMetadata"]) == 2 and len(data["columnMetadata"]) == 4
    header = data["rowData"][0]["values"][0]
    assert header["userEnteredValue"] == {"stringValue": "ID"}
    assert header["effectiveFormat"]["textFormat"]["bold"] is True
    assert header["userEnteredFormat"] == {"textFormat": {"bold": True}}
    amount = data["rowData"][1]["values"][3]
    assert amount["effectiveValue"] == {"numberValue": 10} and amount["formattedValue"] == "10"


# ---------------------------------------------------------------- edits made by a person


def test_person_inserting_rows_between_two_requests_shifts_everything(emu, http, sid):
    lists = sheet_id(emu, sid, "Lists")
    batch(http, sid,
          {"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 4, "startColumnIndex": 2,
                                           "endColumnIndex": 3},
                                 "rule": {"condition": {"type": "ONE_OF_RANGE",
                                                        "values": [{"userEnteredValue": "=Lists!A2:A4"}]}}}},
          {"mergeCells": {"range": {"sheetId": 0, "startRowIndex": 5, "endRowIndex": 7, "startColumnIndex": 0,
                                    "endColumnIndex": 2}}},
          {"addNamedRange": {"namedRange": {"name": "Leads", "range": {"sheetId": 0, "startRowIndex": 1,
                                                                         "endRowIndex": 4}}}},
          {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1}}}},
          {"addConditionalFormatRule": {"rule": {"ranges": [{"sheetId": 0, "startRowIndex": 1, "endRowIndex": 4}],
                                                 "booleanRule": {"condition": {"type": "NOT_BLANK"}, "format": {}}}}})
    http.put(f"{SHEETS}/{sid}/values/Pipeline!E2?valueInputOption=USER_ENTERED", json={"values": [["=D2*2"]]})

    emu.reset_stats()  # request numbers count from here

    def person(n, endpoint, method, path):
        if n == 0:
            emu.insert_rows(sid, "Pipeline", 2, 2)  # above the first lead
            emu.insert_rows(sid, "Lists", 2, 1)

    emu.before_request(person)
    values = http.get(f"{SHEETS}/{sid}/values/Pipeline!A1:E6").json()["values"]
    emu.before_request(None)
    assert values == [["ID", "Lead", "Stage", "Amount"], [], [], ["L-1", "Acme", "New", "10", "20"],
                      ["L-2", "Bolt", "Won", "20"], ["L-3", "Cedar", "Lost", "5"]]
    sheet = emu.spreadsheet(sid, False)
    pipeline = sheet["sheets"][0]
    assert pipeline["merges"] == [{"startRowIndex": 7, "endRowIndex": 9, "startColumnIndex": 0, "endColumnIndex": 2}]
    assert sheet["namedRanges"][0]["range"] == {"startRowIndex": 3, "endRowIndex": 6}
    assert pipeline["protectedRanges"][0]["range"] == {"startRowIndex": 0, "endRowIndex": 1}
    assert pipeline["conditionalFormats"][0]["ranges"] == [{"startRowIndex": 3, "endRowIndex": 6}]
    assert emu.cell(sid, "Pipeline", 4, 5)["userEnteredValue"] == {"formulaValue": "=D4*2"}
    rule = emu.cell(sid, "Pipeline", 4, 3)["dataValidation"]
    assert rule["condition"]["values"] == [{"userEnteredValue": "=Lists!A3:A5"}]
    assert "dataValidation" not in emu.cell(sid, "Pipeline", 2, 3)
    assert sheet["sheets"][1]["properties"]["sheetId"] == lists


def test_person_deletes_and_sorts(emu, http, sid):
    http.put(f"{SHEETS}/{sid}/values/Pipeline!F1?valueInputOption=USER_ENTERED", json={"values": [["=A3"]]})
    emu.delete_rows(sid, "Pipeline", 3, 1)  # L-2 goes, the formula's row with it
    assert emu.values(sid, "Pipeline")[1:] == [["L-1", "Acme", "New", 10.0], ["L-3", "Cedar", "Lost", 5.0]]
    assert emu.cell(sid, "Pipeline", 1, 6)["userEnteredValue"] == {"formulaValue": "=#REF!"}
    emu.sort_rows(sid, "Pipeline", "B", ascending=False)
    assert [row[1] for row in emu.values(sid, "Pipeline")[1:]] == ["Cedar", "Acme"]
    emu.set_values(sid, "Pipeline", "D2", [["12.5%"]])
    assert emu.cell(sid, "Pipeline", 2, 4)["userEnteredFormat"]["numberFormat"] == {"type": "PERCENT",
                                                                                    "pattern": "0.00%"}
    assert emu.values(sid, "Pipeline")[1][3] == 0.125


# ---------------------------------------------------------------- faults


def test_429_with_retry_after_then_ok(emu, client, http, sid):
    emu.fail_next(status=429, count=1, match="spreadsheets.get", retry_after=7)
    reply = http.get(f"{SHEETS}/{sid}")
    assert reply.status_code == 429 and reply.headers["Retry-After"] == "7"
    error = reply.json()["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED" and error["code"] == 429
    assert error["message"].startswith("Quota exceeded for quota metric 'Read requests'")
    assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert http.get(f"{SHEETS}/{sid}").status_code == 200
    emu.fail_next(status=429, match="values.get")
    with pytest.raises(gspread.exceptions.APIError) as raised:
        client.open_by_key(sid).worksheet("Pipeline").get_all_values()
    assert raised.value.response.status_code == 429


def test_500_and_503_bodies_and_matching(emu, http, sid):
    emu.fail_next(status=500, match=("spreadsheets.batchUpdate", "values.update"))
    emu.fail_next(status=503)
    assert http.get(f"{SHEETS}/{sid}").json() == {"error": {
        "code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}
    assert http.get(f"{SHEETS}/{sid}").status_code == 200
    reply = batch(http, sid, {"addSheet": {}})
    assert reply.json() == {"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}}
    assert len(emu.spreadsheet(sid, False)["sheets"]) == 2
    assert batch(http, sid, {"addSheet": {}}).status_code == 200


def test_dropped_connections(emu, http, sid):
    emu.drop_next(match="spreadsheets.batchUpdate")
    with pytest.raises(requests.ConnectionError):
        batch(http, sid, {"addSheet": {"properties": {"title": "Lost"}}})
    assert len(emu.spreadsheet(sid, False)["sheets"]) == 2  # dropped before handling: nothing changed
    emu.drop_after_next(match="spreadsheets.batchUpdate")
    with pytest.raises(requests.ConnectionError):
        batch(http, sid, {"addSheet": {"properties": {"title": "Applied"}}})
    assert [s["properties"]["title"] for s in emu.spreadsheet(sid, False)["sheets"]][-1] == "Applied"
    assert [r["status"] for r in emu.requests[-2:]] == [None, None]
    assert http.get(f"{SHEETS}/{sid}").status_code == 200


def test_latency_is_added(emu, http, sid):
    import time

    emu.latency = 0.2
    start = time.monotonic()
    http.get(f"{SHEETS}/{sid}/values/A1")
    assert time.monotonic() - start >= 0.2


# ---------------------------------------------------------------- counters


def test_counters_per_endpoint(emu, client, http, sid):
    emu.reset_stats()
    ws = client.open_by_key(sid).worksheet("Pipeline")
    ws.update([["x"]], "A10", raw=True)
    stats = emu.stats()
    assert [r["endpoint"] for r in emu.requests] == ["spreadsheets.get", "spreadsheets.get", "values.update"]
    assert stats["spreadsheets.get"]["requests"] == 2 and stats["spreadsheets.get"]["request_bytes"] == 0
    entry = emu.requests[-1]
    assert stats["values.update"]["requests"] == 1
    assert stats["values.update"]["request_bytes"] == len(json.dumps(entry["body"]).encode())  # what requests sent
    assert stats["values.update"]["response_bytes"] > 50
    assert entry["endpoint"] == "values.update" and entry["method"] == "PUT" and entry["status"] == 200
    assert entry["path"] == f"/v4/spreadsheets/{sid}/values/'Pipeline'!A10"
    assert entry["query"] == {"valueInputOption": ["RAW"]} and entry["body"]["values"] == [["x"]]
    seen = []
    emu.before_request(lambda n, key, method, path: seen.append((n, key)))
    http.get(f"{SHEETS}/{sid}")
    assert seen == [(3, "spreadsheets.get")]
    emu.reset_stats()
    assert emu.stats() == {} and emu.requests == []


# ---------------------------------------------------------------- Drive


def test_drive_files_and_permissions(emu, client, http):
    created = http.post(DRIVE, params={"supportsAllDrives": "true"},
                        json={"name": "Fresh", "mimeType": "application/vnd.google-apps.spreadsheet"}).json()
    assert set(created) == {"kind", "id", "name", "mimeType"} and created["name"] == "Fresh"
    file_id = created["id"]
    assert http.get(f"{SHEETS}/{file_id}").json()["sheets"][0]["properties"] == {
        "sheetId": 0, "title": "Sheet1", "index": 0, "sheetType": "GRID",
        "gridProperties": {"rowCount": 1000, "columnCount": 26}}
    got = http.get(f"{DRIVE}/{file_id}", params={"fields": "id,name,createdTime,modifiedTime"}).json()
    assert set(got) == {"id", "name", "createdTime", "modifiedTime"}
    listed = http.get(DRIVE, params={"q": "mimeType='application/vnd.google-apps.spreadsheet' and name = 'Fresh' "
                                          "and trashed = false", "fields": "files(id,name)"}).json()
    assert listed == {"files": [{"id": file_id, "name": "Fresh"}]}
    copy = client.copy(file_id, title="Copy")
    assert copy.title == "Copy"
    sh = client.open_by_key(file_id)
    sh.share("ann@example.com", perm_type="user", role="writer", notify=False)
    sh.share("bob@example.com", perm_type="user", role="reader", notify=True, email_message="Hi")
    perms = sh.list_permissions()
    assert [(p["role"], p.get("emailAddress")) for p in perms][1:] == [("writer", "ann@example.com"),
                                                                       ("reader", "bob@example.com")]
    assert emu.notifications == [{"file": file_id, "emailAddress": "bob@example.com", "role": "reader",
                                  "message": "Hi"}]
    sh.remove_permissions("ann@example.com")
    assert [p.get("emailAddress") for p in emu.permissions(file_id)][1:] == ["bob@example.com"]
    bad = http.post(f"{DRIVE}/{file_id}/permissions", json={"role": "writer", "type": "user"})
    assert bad.status_code == 400 and bad.json()["error"]["errors"][0]["reason"] == "required"
    assert http.delete(f"{DRIVE}/{file_id}").status_code == 204
    assert http.get(f"{SHEETS}/{file_id}").status_code == 404
    missing = http.get(f"{DRIVE}/{file_id}").json()
    assert missing["error"]["code"] == 404 and missing["error"]["message"] == f"File not found: {file_id}."


def test_revoked_access_is_403_for_sheets_and_404_for_drive(emu, http, sid):
    emu.revoke_access(sid)
    assert http.get(f"{SHEETS}/{sid}").json() == {"error": {
        "code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}}
    assert http.get(f"{DRIVE}/{sid}").status_code == 404
    assert emu.values(sid, "Lists")[0] == ["Stage"]  # the test still sees it


def test_spreadsheets_create_with_tabs_and_data(emu, http):
    body = {"properties": {"title": "Made"}, "sheets": [
        {"properties": {"title": "Pipeline", "gridProperties": {"rowCount": 10, "columnCount": 3}},
         "data": [{"startRow": 0, "rowData": [{"values": [{"userEnteredValue": {"stringValue": "ID"}}]}]}]},
        {"properties": {"title": "Lists"}}]}
    made = http.post(SHEETS, json=body).json()
    assert [s["properties"]["title"] for s in made["sheets"]] == ["Pipeline", "Lists"]
    assert made["properties"]["title"] == "Made" and made["spreadsheetUrl"].endswith("/edit")
    assert emu.values(made["spreadsheetId"], "Pipeline") == [["ID"]]


# ---------------------------------------------------------------- building blocks


def test_a1_parsing_and_quoting():
    assert a1.parse("'It''s'!A:A") == a1.A1Ref("It's", a1.Bounds(None, 0, None, 1), quoted=True)
    assert a1.parse("Sheet1!A2:C") == a1.A1Ref("Sheet1", a1.Bounds(1, 0, None, 3))
    assert a1.parse("Sheet1!3:4").bounds == a1.Bounds(2, None, 4, None)
    assert a1.parse("D4:A1").bounds == a1.Bounds(0, 0, 4, 4)
    assert a1.parse("Pipeline") == a1.A1Ref(None, None, name="Pipeline")
    with pytest.raises(a1.A1Error):
        a1.parse("'unterminated!A1")
    assert [a1.quote_title(t) for t in ("Sheet1", "D3", "My sheet", "It's", "R1C1")] == [
        "Sheet1", "'D3'", "'My sheet'", "'It''s'", "'R1C1'"]
    assert a1.column_letter(0) + a1.column_letter(25) + a1.column_letter(26) == "AZAA"


def test_field_mask_parser():
    assert fieldmask.parse("a,b(c,d/e),f.g") == {"a": True, "b": {"c": True, "d": {"e": True}}, "f": {"g": True}}
    assert fieldmask.paths("userEnteredFormat(backgroundColor,textFormat),note") == [
        ("userEnteredFormat", "backgroundColor"), ("userEnteredFormat", "textFormat"), ("note",)]
    assert fieldmask.update({"a": {"b": 1, "c": 2}}, {"a": {"b": 5}}, [("a", "b"), ("a", "c")]) == {"a": {"b": 5}}


def test_formula_references_follow_row_moves():
    assert formula.shift("=SUM(A2:A10)+'My sheet'!B3", "Pipeline", "Pipeline", "ROWS", 1, 2) == \
        "=SUM(A4:A12)+'My sheet'!B3"
    assert formula.shift("=A5*2", "Other", "Pipeline", "ROWS", 0, 1) == "=A5*2"
    assert formula.shift("=Pipeline!A5", "Other", "Pipeline", "ROWS", 4, -1) == "=#REF!"
    assert formula.shift("=SUM(A2:A10)", "S", "S", "ROWS", 3, -2) == "=SUM(A2:A8)"
    assert formula.offset("=$A1+B1", 2, 1) == "=$A3+C3"


def test_user_entered_parsing_and_formats():
    assert parse_user_entered("2026-12-01") == ({"numberValue": 46357}, {"type": "DATE", "pattern": "yyyy-mm-dd"})
    assert parse_user_entered("12/1/2026")[1] == {"type": "DATE", "pattern": "M/d/yyyy"}
    assert parse_user_entered("1,234.5") == ({"numberValue": 1234.5}, {"type": "NUMBER", "pattern": "#,##0.00"})
    assert parse_user_entered("'0042") == ({"stringValue": "0042"}, None)
    assert parse_user_entered("true") == ({"boolValue": True}, None)
    assert parse_user_entered("Contacted 2x") == ({"stringValue": "Contacted 2x"}, None)
    assert format_number(46357, {"type": "DATE", "pattern": "d mmm yyyy"}) == "1 Dec 2026"
    assert format_number(0.125, {"type": "PERCENT", "pattern": "0.0%"}) == "12.5%"
    assert format_number(1 / 3, None) == "0.3333333333"


def test_today_can_be_frozen(emu, http, sid):
    emu.today = date(2026, 12, 4)
    http.put(f"{SHEETS}/{sid}/values/Pipeline!F2?valueInputOption=USER_ENTERED", json={"values": [["=TODAY()"]]})
    assert http.get(f"{SHEETS}/{sid}/values/Pipeline!F2").json()["values"] == [["12/4/2026"]]
