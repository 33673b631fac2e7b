"""The sync as a whole, on the in-memory backend: write-back discipline, history, idempotence."""

from __future__ import annotations

from datetime import date, timedelta

from sheets_pipeline.config import Config
from sheets_pipeline.layout import STATE_TAB, State, read_state, state_grid
from sheets_pipeline.model import FIELDS, Formula
from sheets_pipeline.sync import plan_sync, sync

from .conftest import TODAY, memory_pipeline, pipeline_grid

COL = {name: i for i, name in enumerate(FIELDS)}


def cell(backend, row: int, name: str):
    cells = backend.tabs["Pipeline"][row - 1]
    index = COL[name]
    return cells[index] if index < len(cells) else None


def test_new_row_gets_id_and_created_and_nothing_else_changes():
    backend = memory_pipeline({"lead": "Acme", "contact": "Ann", "stage": "New", "notes": "=1+1 is text here"})
    before = [list(r) for r in backend.tabs["Pipeline"]]
    result = sync(backend, Config(), TODAY)
    assert result.written
    assert cell(backend, 2, "id") == "L-0001"
    assert cell(backend, 2, "created") == TODAY
    changed = {FIELDS[i] for i, (a, b) in enumerate(zip(before[1], backend.tabs["Pipeline"][1])) if a != b}
    assert changed == {"id", "created"}


def test_second_sync_writes_nothing():
    backend = memory_pipeline(
        {"lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 12, 1)},
        {"lead": "Bolt", "stage": "Contactd"},
        {"lead": "Cord", "stage": "In discussion", "outcome": "Lost"},
    )
    sync(backend, Config(), TODAY)
    writes = backend.writes
    again = sync(backend, Config(), TODAY)
    assert not again.changed
    assert backend.writes == writes


def test_ids_continue_after_the_highest_and_are_never_reused():
    backend = memory_pipeline({"id": "L-0007", "lead": "Acme", "stage": "New"}, {"lead": "Bolt", "stage": "New"})
    sync(backend, Config(), TODAY)
    assert cell(backend, 3, "id") == "L-0008"
    # the person deletes Bolt's row and adds a new lead: L-0008 is not handed out again
    del backend.tabs["Pipeline"][2]
    backend.tabs["Pipeline"].append(pipeline_grid({"lead": "Cord", "stage": "New"})[1])
    sync(backend, Config(), TODAY)
    assert cell(backend, 3, "id") == "L-0009"


def test_stage_and_outcome_changes_between_syncs_go_to_history():
    backend = memory_pipeline({"lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 11, 20)})
    sync(backend, Config(), TODAY)
    row = backend.tabs["Pipeline"][1]
    row[COL["stage"]] = "In discussion"
    row[COL["outcome"]] = "won"
    later = TODAY + timedelta(days=2)
    sync(backend, Config(), later)
    history = backend.tabs["History"]
    assert history[0] == ["Date", "ID", "Lead", "Column", "From", "To"]
    assert history[1:] == [
        [later, "L-0001", "Acme", "Stage", "Contacted", "In discussion"],
        [later, "L-0001", "Acme", "Outcome", None, "Won"],
    ]
    assert cell(backend, 2, "closed") == later


def test_a_new_lead_is_not_a_change_and_case_only_edits_are_not_either():
    backend = memory_pipeline({"lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 11, 20)})
    sync(backend, Config(), TODAY)
    backend.tabs["Pipeline"][1][COL["stage"]] = "CONTACTÉ"
    sync(backend, Config(), TODAY)
    assert backend.tabs["History"][1:] == []


def test_owned_cells_are_rewritten_only_when_their_value_changes():
    backend = memory_pipeline({"lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 12, 1)})
    sync(backend, Config(), TODAY)
    assert cell(backend, 2, "next_follow_up") == date(2026, 12, 4)
    # a follow-up was sent: the due date moves from Last contact + 7
    backend.tabs["Pipeline"][1][COL["follow_ups"]] = 1
    backend.tabs["Pipeline"][1][COL["last_contact"]] = date(2026, 12, 4)
    result = plan_sync(backend.read(), Config(), TODAY)
    assert [(c.field, c.new) for c in result.plan.cells] == [("next_follow_up", date(2026, 12, 11))]


def test_flags_cleared_when_the_problem_is_fixed():
    backend = memory_pipeline({"lead": "Acme", "stage": "Contactd"})
    sync(backend, Config(), TODAY)
    assert "did you mean 'Contacted'" in cell(backend, 2, "flags")
    assert cell(backend, 2, "stage") == "Contactd"  # kept as typed
    backend.tabs["Pipeline"][1][COL["stage"]] = "Contacted"
    sync(backend, Config(), TODAY)
    assert cell(backend, 2, "flags") is None


def test_formulas_and_custom_values_in_people_columns_are_never_written():
    backend = memory_pipeline({"lead": "Acme", "stage": "New", "value": Formula("=2*600"), "notes": "call back"})
    result = plan_sync(backend.read(), Config(), TODAY)
    assert {c.field for c in result.plan.cells} <= {"id", "created", "first_contact", "closed", "next_follow_up",
                                                   "flags", "outcome"}


def test_blank_rows_in_the_middle_are_not_leads():
    leads = [{"lead": "Acme", "stage": "New"}] + [{}] * 3000 + [{"lead": "Zed", "stage": "New"}]
    backend = memory_pipeline(*leads)
    result = sync(backend, Config(), TODAY)
    assert [lead.row for lead in result.checked.leads] == [2, 3003]
    assert cell(backend, 3003, "id") == "L-0002"


def test_state_remembers_next_id_and_stages():
    backend = memory_pipeline({"lead": "Acme", "stage": "New"})
    sync(backend, Config(), TODAY)
    state = read_state(backend.tabs[STATE_TAB])
    assert state.next_id == 2
    assert state.leads == {"L-0001": ("New", "")}
    assert STATE_TAB in backend.hidden


def test_the_state_tab_keeps_each_leads_row_and_puts_new_leads_after():
    """A new ID that sorts before old ones (L-10000 before L-9999 as text) must not move every row after it."""
    previous = State({"L-9999": ("New", ""), "L-0007": ("Won", ""), "L-0003": ("New", "")}, 10_000)
    now = State({"L-0003": ("Contacted", ""), "L-10000": ("New", ""), "L-9999": ("New", "")}, 10_001)
    rows = state_grid(now, previous)[1:]
    assert [row[:3] for row in rows] == [["L-9999", "New", None], ["L-0003", "Contacted", None],
                                         ["L-10000", "New", None]]
    assert rows[0][4:] == ["next_id", 10_001]
    assert read_state(state_grid(now, previous)) == now


def test_auto_close_writes_outcome_closed_and_history():
    lead = {"id": "L-0001", "lead": "Acme", "stage": "Contacted", "follow_ups": 3,
            "first_contact": date(2026, 10, 1), "last_contact": date(2026, 10, 20)}
    backend = memory_pipeline(lead)
    sync(backend, Config(auto_close_stale=True), TODAY)
    assert cell(backend, 2, "outcome") == "No response"
    assert cell(backend, 2, "closed") == TODAY
    assert cell(backend, 2, "next_follow_up") is None


def test_lists_tab_additions_are_kept_and_accepted():
    backend = memory_pipeline({"lead": "Acme", "stage": "New", "source": "Malt"})
    sync(backend, Config(), TODAY)
    assert "'Malt' is not a source" in cell(backend, 2, "flags")
    lists = backend.tabs["Lists"]
    sources = lists[0].index("Sources")
    first_free = 1 + [row[sources] for row in lists[1:]].index(None)  # the column is shorter than the tab
    lists[first_free][sources] = "Malt"
    sync(backend, Config(), TODAY)
    assert cell(backend, 2, "flags") is None
    assert "Malt" in [row[sources] for row in backend.tabs["Lists"][1:]]
