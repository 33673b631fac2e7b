"""The Google Sheets backend through real gspread against the local Sheets API emulator."""

from __future__ import annotations

import pytest

from sheets_pipeline.backends.google_auth import google_client
from sheets_pipeline.backends.gsheets import GSheetsBackend
from sheets_pipeline.backends.retry import RetryPolicy
from sheets_pipeline.config import Config, GoogleSettings
from sheets_pipeline.errors import BackendError, ChangedDuringSync, SheetError
from sheets_pipeline.layout import STATE_TAB, pipeline_headers
from sheets_pipeline.model import FIELDS
from sheets_pipeline.new_sheet import new_spreadsheet
from sheets_pipeline.sync import sync
from sheets_pipeline.testing.emulator import SheetsEmulator

from ..conftest import TODAY

COL = {name: i for i, name in enumerate(FIELDS)}
LETTER = {name: chr(65 + i) for i, name in enumerate(FIELDS)}


@pytest.fixture
def emu():
    with SheetsEmulator() as emulator:
        yield emulator
        assert emulator.errors == []  # the emulator itself never failed: every answer was a real one


@pytest.fixture
def waits():
    return []


@pytest.fixture
def config(emu):
    # the emulator answers at once: no need to hold back to Google's per-minute quota here
    return Config(google=GoogleSettings(api_endpoint=emu.url, requests_per_minute=100_000))


def backend_for(emu, config, waits, key=None) -> GSheetsBackend:
    policy = RetryPolicy(sleep=waits.append, jitter=lambda: 0.5)
    return GSheetsBackend(google_client(config.google, policy), key)


def initialised(emu, config, waits, leads=()) -> tuple[str, GSheetsBackend]:
    backend = backend_for(emu, config, waits)
    backend.create(new_spreadsheet(config, TODAY))
    key = backend.key
    if leads:
        rows = [[lead.get(name) for name in FIELDS] for lead in leads]
        emu.set_values(key, "Pipeline", "A2", [["" if v is None else v for v in row] for row in rows])
    emu.reset_stats()
    return key, backend


def calls(emu) -> dict[str, int]:
    return {k: v["requests"] for k, v in emu.stats().items() if v["requests"]}


def lead(name: str, **values) -> dict:
    return {"lead": name, **values}


def test_init_lays_out_tabs_dropdowns_and_protections(emu, config, waits):
    key, _ = initialised(emu, config, waits)
    sheet = emu.spreadsheet(key)
    titles = [s["properties"]["title"] for s in sheet["sheets"]]
    assert titles == ["Pipeline", "Lists", "Summary", "Follow-ups", "History", STATE_TAB]
    assert next(s for s in sheet["sheets"] if s["properties"]["title"] == STATE_TAB)["properties"].get("hidden")
    assert emu.values(key, "Pipeline")[0] == pipeline_headers("en")
    stage = emu.cell(key, "Pipeline", 2, COL["stage"] + 1)["dataValidation"]
    assert stage["condition"]["type"] == "ONE_OF_RANGE"
    assert stage["condition"]["values"] == [{"userEnteredValue": "='Lists'!$A$2:$A$4"}]
    assert stage["strict"] is True and stage["showCustomUi"] is True
    protected = [p for s in sheet["sheets"] for p in s.get("protectedRanges", [])]
    assert protected and all(p["warningOnly"] for p in protected)


@pytest.mark.parametrize("rows", [10, 10_000])
def test_sync_budget_one_read_one_write_then_one_read(emu, config, waits, rows):
    leads = [lead(f"Lead {i}", stage="Contacted" if i % 2 else "New", first_contact="2026-11-20" if i % 2 else "")
             for i in range(rows)]
    key, backend = initialised(emu, config, waits, leads)
    result = sync(backend, config, TODAY)
    assert result.written and result.counts["id"] == rows
    assert calls(emu) == {"spreadsheets.get": 1, "values.batchGet": 1, "spreadsheets.batchUpdate": 1}
    values = emu.values(key, "Pipeline")
    assert values[1][COL["id"]] == "L-0001" and values[rows][COL["id"]] == f"L-{rows:04d}"
    emu.reset_stats()
    again = sync(backend, config, TODAY)
    assert not again.changed
    assert calls(emu) == {"spreadsheets.get": 1}


def test_a_french_spreadsheet_syncs_in_french_and_reads_its_stale_rule_back(emu, waits):
    config = Config(language="fr", google=GoogleSettings(api_endpoint=emu.url, requests_per_minute=100_000))
    backend = backend_for(emu, config, waits)
    backend.create(new_spreadsheet(config, TODAY, sample=True))
    auto = Config(google=config.google)  # no language named: the sheet's
    assert sync(backend, auto, TODAY).written
    sheet = emu.spreadsheet(backend.key)
    pipeline = next(s for s in sheet["sheets"] if s["properties"]["title"] == "Pipeline")
    formulas = [rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
                for rule in pipeline.get("conditionalFormats", [])]
    assert '=ISNUMBER(SEARCH("dormante :",$R2))' in formulas
    flags = [row[COL["flags"]] for row in emu.values(backend.key, "Pipeline")[1:] if len(row) > COL["flags"]]
    assert sum("dormante : marquer Pas de réponse" in f for f in flags) == 2
    assert emu.values(backend.key, "Synthèse")[2][0] == "Conversion par source"
    assert not sync(backend, auto, TODAY).changed


def test_init_sync_second_sync_writes_nothing_and_dates_are_real_dates(emu, config, waits):
    key, backend = initialised(emu, config, waits, [lead("Acme", stage="Contacted", first_contact="2026-12-01"),
                                                    lead("Bolt", stage="Contactd")])
    sync(backend, config, TODAY)
    cell = emu.cell(key, "Pipeline", 2, COL["next_follow_up"] + 1)
    assert cell["userEnteredValue"] == {"numberValue": 46360}  # 2026-12-04
    assert cell["userEnteredFormat"]["numberFormat"]["type"] == "DATE"
    flags = emu.values(key, "Pipeline")[2][COL["flags"]]
    assert "did you mean 'Contacted'" in flags
    emu.reset_stats()
    assert not sync(backend, config, TODAY).written
    assert "spreadsheets.batchUpdate" not in calls(emu)


def test_user_text_is_written_as_text_never_as_a_formula(emu, config, waits):
    key, backend = initialised(emu, config, waits, [lead("Evil", stage="'=IMPORTXML(\"http://x\",\"//a\")")])
    sync(backend, config, TODAY)
    flags = emu.cell(key, "Pipeline", 2, COL["flags"] + 1)["userEnteredValue"]
    assert "stringValue" in flags and "formulaValue" not in flags
    assert "=IMPORTXML" in flags["stringValue"]
    for request in emu.requests:
        if request["endpoint"] == "spreadsheets.batchUpdate":
            assert "formulaValue" not in str(request["body"]).replace("'formulaValue': '=AND", "")


def test_a_row_inserted_above_between_read_and_write_is_not_written_into(emu, config, waits):
    key, backend = initialised(emu, config, waits, [lead("Acme", stage="New"), lead("Bolt", stage="Contactd")])

    def person(n, endpoint, method, path):
        if endpoint == "values.batchGet" and n < 3:  # the guard read of the first try
            emu.insert_rows(key, "Pipeline", 2, 1)
            emu.set_values(key, "Pipeline", "B2", [["Zed"]])

    emu.before_request(person)
    result = sync(backend, config, TODAY)
    emu.before_request(None)
    assert result.written and result.attempts == 2
    values = emu.values(key, "Pipeline")
    by_lead = {row[COL["lead"]]: row for row in values[1:]}
    assert by_lead["Bolt"][COL["flags"]].startswith("✖ Stage: 'Contactd'")
    assert not (len(by_lead["Acme"]) > COL["flags"] and by_lead["Acme"][COL["flags"]])
    assert {by_lead[name][COL["id"]] for name in ("Acme", "Bolt", "Zed")} == {"L-0001", "L-0002", "L-0003"}


@pytest.mark.parametrize("edit", ["delete", "sort"])
def test_rows_deleted_or_sorted_meanwhile_lose_nothing(emu, config, waits, edit):
    leads = [lead(name, stage="New", notes=f"note {name}") for name in ("Cora", "Abe", "Bea")]
    key, backend = initialised(emu, config, waits, leads)

    def person(n, endpoint, method, path):
        if endpoint == "values.batchGet" and n < 3:
            if edit == "delete":
                emu.delete_rows(key, "Pipeline", 2, 1)
            else:
                emu.sort_rows(key, "Pipeline", COL["lead"] + 1, header_rows=1)

    emu.before_request(person)
    result = sync(backend, config, TODAY)
    emu.before_request(None)
    assert result.written
    rows = {row[COL["lead"]]: row for row in emu.values(key, "Pipeline")[1:]}
    expected = {"Abe", "Bea"} if edit == "delete" else {"Abe", "Bea", "Cora"}
    assert set(rows) == expected
    for name in expected:
        assert rows[name][COL["notes"]] == f"note {name}"
        assert rows[name][COL["id"]].startswith("L-")


def test_a_target_cell_typed_meanwhile_is_kept(emu, config, waits):
    key, backend = initialised(emu, config, waits, [lead("Acme", stage="New")])

    def person(n, endpoint, method, path):
        if endpoint == "values.batchGet" and n < 3:
            emu.set_values(key, "Pipeline", f"{LETTER['created']}2", [["2026-11-02"]])

    emu.before_request(person)
    result = sync(backend, config, TODAY)
    emu.before_request(None)
    assert result.attempts == 2
    assert emu.cell(key, "Pipeline", 2, COL["created"] + 1)["userEnteredValue"] == {"numberValue": 46328}


def test_edits_that_never_stop_end_in_a_clear_refusal(emu, config, waits):
    key, backend = initialised(emu, config, waits, [lead("Acme", stage="New")])
    counter = iter(range(100))

    def person(n, endpoint, method, path):
        if endpoint == "values.batchGet":  # the lead is renamed during every guard read
            emu.set_values(key, "Pipeline", f"{LETTER['lead']}2", [[f"Acme {next(counter)}"]])

    emu.before_request(person)
    with pytest.raises(ChangedDuringSync):
        sync(backend, config, TODAY)
    emu.before_request(None)
    assert "spreadsheets.batchUpdate" not in calls(emu)


def test_429_twice_then_ok_is_retried_with_backoff(emu, config, waits):
    key, backend = initialised(emu, config, waits, [lead("Acme", stage="New")])
    emu.fail_next(status=429, count=2, match="spreadsheets.get")
    result = sync(backend, config, TODAY)
    assert result.written
    assert waits == [1.5, 2.5]  # 2^0 + 0.5, 2^1 + 0.5: Google's rule with the jitter pinned


def test_retry_after_is_honoured(emu, config, waits):
    key, backend = initialised(emu, config, waits, [lead("Acme", stage="New")])
    emu.fail_next(status=429, count=1, match="spreadsheets.batchUpdate", retry_after="7")
    assert sync(backend, config, TODAY).written
    assert waits == [7.0]


def test_500_on_the_write_then_synced(emu, config, waits):
    key, backend = initialised(emu, config, waits, [lead("Acme", stage="New")])
    emu.fail_next(status=500, count=1, match="spreadsheets.batchUpdate")
    result = sync(backend, config, TODAY)
    assert result.written and result.attempts == 2
    assert emu.values(key, "Pipeline")[1][COL["id"]] == "L-0001"


def test_connection_dropped_after_the_write_was_applied_ends_synced_once(emu, config, waits):
    key, backend = initialised(emu, config, waits, [lead("Acme", stage="Contacted", first_contact="2026-11-20")])
    sync(backend, config, TODAY)
    emu.set_values(key, "Pipeline", f"{LETTER['stage']}2", [["In discussion"]])
    emu.drop_after_next(count=1, match="spreadsheets.batchUpdate")
    sync(backend, config, TODAY)
    history = emu.values(key, "History")
    assert history[1:] == [[46360, "L-0001", "Acme", "Stage", "Contacted", "In discussion"]]
    emu.reset_stats()
    assert not sync(backend, config, TODAY).written


def test_connection_dropped_before_the_write_ends_synced(emu, config, waits):
    key, backend = initialised(emu, config, waits, [lead("Acme", stage="New")])
    emu.drop_next(count=1, match="spreadsheets.batchUpdate")
    result = sync(backend, config, TODAY)
    assert result.written and result.attempts == 2
    assert emu.values(key, "Pipeline")[1][COL["id"]] == "L-0001"


def test_unknown_spreadsheet_is_a_clear_error(emu, config, waits):
    backend = backend_for(emu, config, waits, key="1" * 44)
    with pytest.raises(SheetError, match="spreadsheet not found"):
        sync(backend, config, TODAY)


def test_dropdown_removed_by_a_paste_is_put_back(emu, config, waits):
    key, backend = initialised(emu, config, waits, [lead("Acme", stage="New")])
    sync(backend, config, TODAY)
    sheet_id = emu.spreadsheet(key)["sheets"][0]["properties"]["sheetId"]
    client = backend.client
    client.http_client.batch_update(key, {"requests": [{"setDataValidation": {"range": {
        "sheetId": sheet_id, "startRowIndex": 4, "endRowIndex": 6, "startColumnIndex": COL["stage"],
        "endColumnIndex": COL["stage"] + 1}}}]})
    result = sync(backend, config, TODAY)
    assert result.plan.dropdowns is not None
    assert emu.cell(key, "Pipeline", 5, COL["stage"] + 1)["dataValidation"]["condition"]["type"] == "ONE_OF_RANGE"


def test_summary_and_follow_ups_tabs_on_google(emu, config, waits):
    key, backend = initialised(emu, config, waits, [
        lead("Acme", stage="In discussion", outcome="Won", first_contact="2026-11-01", source="Referral"),
        lead("Bolt", stage="Contacted", first_contact="2026-11-28", source="Upwork"),
    ])
    sync(backend, config, TODAY)
    summary = emu.values(key, "Summary")
    total = next(row for row in summary if row and row[0] == "Total")
    assert total[1:4] == [2, 1, 1]
    follow_ups = emu.values(key, "Follow-ups")
    assert follow_ups[1][:2] == ["L-0002", "Bolt"]
    charts = next(s for s in emu.spreadsheet(key)["sheets"] if s["properties"]["title"] == "Summary").get("charts", [])
    assert len(charts) == 2  # win rate by source, funnel (no loss yet)


def test_a_row_a_person_inserts_inside_the_dropdowns_does_not_make_every_sync_write(emu, config, waits):
    """Google stretches the dropdowns and formats over a row inserted inside them: they are still intact."""
    key, backend = initialised(emu, config, waits, [lead(f"Lead {i}", stage="New") for i in range(10)])
    sync(backend, config, TODAY)
    emu.insert_rows(key, "Pipeline", 5, 1)
    emu.set_values(key, "Pipeline", "B5", [["Walk-in"]])
    result = sync(backend, config, TODAY)
    assert result.written and result.plan.dropdowns is None and result.plan.pipeline_formats is None
    emu.reset_stats()
    assert not sync(backend, config, TODAY).changed
    assert calls(emu) == {"spreadsheets.get": 1}


def test_a_write_refused_with_429_checks_the_rows_again_before_it_is_resent(emu, config, waits):
    """People may sort the sheet while a refused write waits: resending it blindly would stamp other leads."""
    key, backend = initialised(emu, config, waits, [lead("Cora", id="L-0001", stage="New"), lead("Bolt", stage="New"),
                                                    lead("Acme", stage="New")])
    emu.fail_next(status=429, count=1, match="spreadsheets.batchUpdate")

    def person(n, endpoint, method, path):
        if endpoint == "spreadsheets.batchUpdate" and not sorted_once:
            sorted_once.append(True)
            emu.sort_rows(key, "Pipeline", "B")  # Acme, Bolt, Cora while the write waits

    sorted_once: list[bool] = []
    emu.before_request(person)
    result = sync(backend, config, TODAY)
    emu.before_request(None)
    assert result.written and result.attempts == 2
    by_lead = {row[COL["lead"]]: row[COL["id"]] for row in emu.values(key, "Pipeline")[1:]}
    assert by_lead["Cora"] == "L-0001"
    assert by_lead["Acme"] != by_lead["Bolt"] and {by_lead["Acme"], by_lead["Bolt"]} == {"L-0002", "L-0003"}


def test_a_read_whose_answer_is_cut_half_way_is_read_again(emu, config, waits):
    key, backend = initialised(emu, config, waits, [lead("Zoë 🚀 Ltd", stage="New")])
    emu.cut_next(count=2, match="spreadsheets.get")
    result = sync(backend, config, TODAY)
    assert result.written
    assert waits == [1.5, 2.5]  # two reads cut short, each followed by the backoff
    assert emu.values(key, "Pipeline")[1][COL["lead"]] == "Zoë 🚀 Ltd"
    assert emu.values(key, "Pipeline")[1][COL["id"]] == "L-0001"


def test_a_read_cut_short_every_time_ends_in_a_clear_error(emu, config, waits):
    _, backend = initialised(emu, config, waits, [lead("Acme", stage="New")])
    emu.cut_next(count=10, match="spreadsheets.get")
    with pytest.raises(BackendError, match="unreachable .* after 6 tries"):
        backend.read()
    assert len(waits) == 5


def test_the_state_tab_written_row_by_row_reads_back_as_planned(emu, config, waits):
    key, backend = initialised(emu, config, waits, [lead(f"Lead {i}", stage="New") for i in range(6)])
    sync(backend, config, TODAY)
    emu.set_values(key, "Pipeline", f"{LETTER['stage']}3", [["Contacted"]])
    emu.delete_rows(key, "Pipeline", 6)  # a lead gone: its state row goes, the rows after it move up
    result = sync(backend, config, TODAY)
    planned = result.plan.tabs[STATE_TAB]
    read_back = backend.read().tabs[STATE_TAB]
    assert [[None if v == "" else v for v in row] for row in read_back] == \
        [_trimmed([None if v == "" else v for v in row]) for row in planned]


def _trimmed(row: list) -> list:
    while row and row[-1] is None:
        row.pop()
    return row
