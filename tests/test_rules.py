"""Every rule of issue 2, section 5, with hand-computed expectations.

TODAY is Friday 2026-12-04. Calendar used below: Nov 2026 has 30 days; Mon Nov 30, Tue Dec 1, Thu Dec 3,
Fri Dec 4, Mon Dec 7, Tue Dec 8, Wed Dec 9, Thu Dec 10, Mon Dec 14, Fri Dec 18.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sheets_pipeline.config import Config
from sheets_pipeline.lists import build_lists
from sheets_pipeline.model import Lead, parse_pipeline
from sheets_pipeline.rules import (
    check_duplicates,
    check_lead,
    derive,
    is_stale,
    next_follow_up,
    stamps_for,
)
from sheets_pipeline.sync import plan_sync, sync

from .conftest import TODAY, memory_pipeline, parse_one, pipeline_grid

# --- helpers -----------------------------------------------------------------------------------------------------


def checked(lead: dict, config: Config | None = None) -> Lead:
    """One row parsed and run through every single-row rule."""
    parsed, lists = parse_one(lead, config)
    check_lead(parsed, lists, TODAY)
    return parsed


def on(lead: Lead, name: str | None) -> list[tuple[str, str]]:
    """(severity, message) of each finding on one field."""
    return [(f.severity, f.message) for f in lead.findings if f.field == name]


def only(lead: Lead, name: str) -> tuple[str, str]:
    found = on(lead, name)
    assert len(found) == 1, lead.findings
    return found[0]


def checked_sheet(*leads: dict, config: Config | None = None) -> list[Lead]:
    config = config or Config()
    lists = build_lists(config)
    sheet = parse_pipeline(pipeline_grid(*leads), lists, config.effective_date_order)
    for lead in sheet.leads:
        check_lead(lead, lists, TODAY)
    check_duplicates(sheet.leads)
    return sheet.leads


def planned(*leads: dict, config: Config | None = None):
    """plan_sync on a memory backend: the result and {(row, field): new value} of the Pipeline cell changes."""
    config = config or Config()
    backend = memory_pipeline(*leads, config=config)
    result = plan_sync(backend.read(), config, TODAY)
    return result, {(c.row, c.field): c.new for c in result.plan.cells}


def due(lead: dict, config: Config | None = None) -> date | None:
    config = config or Config()
    parsed, lists = parse_one(lead, config)
    return next_follow_up(parsed, lists, config, parsed.date("first_contact"))


def stale(lead: dict, config: Config | None = None) -> bool:
    config = config or Config()
    parsed, lists = parse_one(lead, config)
    return is_stale(parsed, lists, config, TODAY, parsed.date("first_contact"))


def stamps(lead: dict, new_id: str | None = "L-0042", config: Config | None = None) -> dict:
    config = config or Config()
    parsed, lists = parse_one(lead, config)
    return stamps_for(parsed, lists, TODAY, new_id)


# =================================================================================================================
# Values come from the lists; a bad value is kept and flagged with a suggestion
# =================================================================================================================


def test_misspelt_stage_suggests_the_stage():
    lead = checked({"lead": "Acme", "stage": "Contactd"})
    severity, message = only(lead, "stage")
    assert severity == "error"
    assert "'Contactd'" in message
    assert "did you mean 'Contacted'?" in message
    assert lead.stage is None


def test_misspelt_french_stage_suggests_the_configured_label():
    lead = checked({"lead": "Acme", "stage": "En discusion"})
    assert "did you mean 'In discussion'?" in only(lead, "stage")[1]


@pytest.mark.parametrize("typed, outcome", [("Won", "Won"), ("lost", "Lost"), ("GAGNÉ", "Won"),
                                            ("No response", "No response"), ("passed", "Passed")])
def test_outcome_typed_in_stage_says_move_it_to_outcome(typed, outcome):
    lead = checked({"lead": "Acme", "stage": typed})
    severity, message = only(lead, "stage")
    assert severity == "error"
    assert f"move '{outcome}' to Outcome" in message


def test_outcome_in_stage_uses_the_configured_language():
    lead = checked({"lead": "Acme", "stage": "Won"}, Config(language="fr"))
    assert "mettez 'Gagné' dans Résultat" in only(lead, "stage")[1]  # the French label, in a French message


@pytest.mark.parametrize("typed", ["Closed", "closed", "Clôturé", "Done"])
def test_closed_is_not_a_stage(typed):
    lead = checked({"lead": "Acme", "stage": typed})
    severity, message = only(lead, "stage")
    assert severity == "error"
    assert f"'{typed}' is not a stage" in message
    assert "Outcome" in message


def test_loss_reason_typed_in_stage():
    severity, message = only(checked({"lead": "Acme", "stage": "Bad timing"}), "stage")
    assert severity == "error"
    assert "loss reason" in message


def test_unknown_stage_without_a_close_match_lists_the_choices():
    severity, message = only(checked({"lead": "Acme", "stage": "Qualified lead from fair"}), "stage")
    assert severity == "error"
    assert "is not a stage" in message
    assert "New, Contacted, In discussion" in message


@pytest.mark.parametrize("typed, stage", [("Contacted", "Contacted"), ("in discussion", "In discussion"),
                                          ("Nouveau", "New")])
def test_stage_typed_in_outcome_says_move_it_to_stage(typed, stage):
    lead = checked({"lead": "Acme", "stage": "New", "outcome": typed})
    severity, message = only(lead, "outcome")
    assert severity == "error"
    assert f"'{typed}' is a stage" in message
    assert f"move '{stage}' to Stage" in message
    assert lead.outcome is None


def test_loss_reason_typed_in_outcome():
    lead = checked({"lead": "Acme", "stage": "Contacted", "outcome": "Price too high"})
    severity, message = only(lead, "outcome")
    assert severity == "error"
    assert "set Outcome to Lost" in message


def test_misspelt_outcome_suggests():
    lead = checked({"lead": "Acme", "stage": "In discussion", "outcome": "Wonn"})
    severity, message = only(lead, "outcome")
    assert severity == "error"
    assert "did you mean 'Won'?" in message


def test_unknown_outcome_lists_the_outcomes():
    lead = checked({"lead": "Acme", "stage": "In discussion", "outcome": "Maybe later"})
    assert "Won, Lost, No response, Passed" in only(lead, "outcome")[1]


@pytest.mark.parametrize("typed, label", [
    ("contacté", "Contacted"), ("CONTACTED", "Contacted"), ("Contacte", "Contacted"), ("en discussion", "In discussion"),
    ("Nouveau", "New"), ("  new ", "New"), ("EN DISCUSSION", "In discussion"),
])
def test_stage_accepted_in_any_case_accent_or_language(typed, label):
    lead = checked({"lead": "Acme", "stage": typed})
    assert lead.stage is not None and lead.stage.label == label
    assert on(lead, "stage") == []


@pytest.mark.parametrize("typed, label", [
    ("GAGNÉ", "Won"), ("gagne", "Won"), ("won", "Won"), ("pas de réponse", "No response"),
    ("NO RESPONSE", "No response"), ("Écarté", "Passed"), ("perdu", "Lost"),
])
def test_outcome_accepted_in_any_case_accent_or_language(typed, label):
    lead = checked({"lead": "Acme", "stage": "In discussion", "outcome": typed, "loss_reason": None})
    assert lead.outcome is not None and lead.outcome.label == label
    assert on(lead, "outcome") == []


@pytest.mark.parametrize("typed, label", [
    ("prix trop eleve", "Price too high"), ("CONCURRENT CHOISI", "Chose a competitor"),
    ("Ont choisi un concurrent", "Chose a competitor"), ("pas de budget", "No budget"), ("bad timing", "Bad timing"),
])
def test_loss_reason_accepted_in_any_case_accent_or_language(typed, label):
    lead = checked({"lead": "Acme", "stage": "In discussion", "outcome": "Lost", "loss_reason": typed})
    assert lead.loss_reason is not None and lead.loss_reason.label == label
    assert on(lead, "loss_reason") == []


@pytest.mark.parametrize("typed, label", [("linkedin", "LinkedIn"), ("Email froid", "Cold email"),
                                          ("recommandation", "Referral"), ("UPWORK", "Upwork")])
def test_source_accepted_in_any_case_or_language(typed, label):
    lead = checked({"lead": "Acme", "stage": "New", "source": typed})
    assert lead.source is not None and lead.source.label == label
    assert on(lead, "source") == []


def test_misspelt_source_suggests_and_points_at_the_lists_tab():
    severity, message = only(checked({"lead": "Acme", "stage": "New", "source": "Upwrok"}), "source")
    assert severity == "error"
    assert "did you mean 'Upwork'?" in message
    assert "Lists tab" in message


def test_unknown_source_lists_the_sources():
    severity, message = only(checked({"lead": "Acme", "stage": "New", "source": "Facebook"}), "source")
    assert severity == "error"
    assert "'Facebook' is not a source" in message
    assert "Upwork, Cold email, Referral" in message


def test_french_values_on_a_french_pipeline():
    config = Config(language="fr")
    lead = checked({"lead": "Acme", "stage": "Contacted", "source": "referral"}, config)
    assert lead.stage.label == "Contacté"
    assert lead.source.label == "Recommandation"
    assert lead.findings == []


def test_bad_values_are_kept_and_flagged_by_sync():
    _, cells = planned({"id": "L-0001", "lead": "Acme", "stage": "Contactd", "outcome": "Wonn",
                             "source": "Upwrok", "created": date(2026, 11, 2)})
    for name in ("stage", "outcome", "source", "loss_reason"):
        assert (2, name) not in cells  # the typed value stays as typed
    flags = cells[(2, "flags")]
    assert "did you mean 'Contacted'?" in flags
    assert "did you mean 'Won'?" in flags
    assert "did you mean 'Upwork'?" in flags


def test_won_in_stage_is_flagged_by_sync_and_kept():
    _, cells = planned({"id": "L-0001", "lead": "Acme", "stage": "Won", "created": date(2026, 11, 2)})
    assert (2, "stage") not in cells
    assert "move 'Won' to Outcome" in cells[(2, "flags")]


# =================================================================================================================
# Outcomes and their reasons
# =================================================================================================================


def test_lost_needs_a_loss_reason():
    lead = checked({"lead": "Acme", "stage": "In discussion", "outcome": "Lost"})
    severity, message = only(lead, "loss_reason")
    assert severity == "error"
    assert "needs a loss reason" in message
    assert "Price too high" in message


def test_lost_with_a_reason_is_clean():
    lead = checked({"lead": "Acme", "stage": "In discussion", "outcome": "Lost", "loss_reason": "Chose a competitor",
                    "first_contact": date(2026, 11, 2), "closed": date(2026, 12, 1)})
    assert lead.findings == []


def test_loss_reason_on_an_open_lead():
    lead = checked({"lead": "Acme", "stage": "In discussion", "loss_reason": "Price too high"})
    severity, message = only(lead, "loss_reason")
    assert severity == "error"
    assert "open lead" in message


def test_loss_reason_on_a_won_lead_is_flagged():
    lead = checked({"lead": "Acme", "stage": "In discussion", "outcome": "Won", "loss_reason": "Price too high"})
    _severity, message = only(lead, "loss_reason")
    assert "Won" in message
    assert "clear it" in message


@pytest.mark.parametrize("reason, label", [("Budget", "Budget"), ("red flags", "Red flags"), ("Périmètre", "Scope")])
def test_passed_takes_a_pass_reason(reason, label):
    lead = checked({"lead": "Acme", "stage": "Contacted", "outcome": "Passed", "loss_reason": reason})
    assert lead.loss_reason is not None and lead.loss_reason.label == label
    assert on(lead, "loss_reason") == []


def test_loss_reason_on_a_passed_lead_is_flagged():
    lead = checked({"lead": "Acme", "stage": "Contacted", "outcome": "Passed", "loss_reason": "Price too high"})
    severity, message = only(lead, "loss_reason")
    assert severity == "error"
    assert "'Price too high' is a loss reason" in message
    assert "Budget, Scope, Red flags" in message


def test_pass_reason_on_a_lost_lead_is_flagged():
    lead = checked({"lead": "Acme", "stage": "Contacted", "outcome": "Lost", "loss_reason": "Red flags"})
    severity, message = only(lead, "loss_reason")
    assert severity == "error"
    assert "'Red flags' is a pass reason" in message


def test_passed_without_a_reason_is_flagged():
    lead = checked({"lead": "Acme", "stage": "Contacted", "outcome": "Passed"})
    _severity, message = only(lead, "loss_reason")
    assert "Budget, Scope, Red flags" in message


@pytest.mark.parametrize("reason", ["Other", "Didn't work", "didn’t work out", "Ça n'a pas marché", "N/A", "?",
                                    "Unknown"])
def test_vague_loss_reason(reason):
    lead = checked({"lead": "Acme", "stage": "In discussion", "outcome": "Lost", "loss_reason": reason})
    severity, message = only(lead, "loss_reason")
    assert severity == "error"
    assert "too vague" in message
    assert "Price too high" in message


def test_vague_pass_reason():
    lead = checked({"lead": "Acme", "stage": "Contacted", "outcome": "Passed", "loss_reason": "Other"})
    _severity, message = only(lead, "loss_reason")
    assert "too vague" in message
    assert "pass reason" in message


def test_misspelt_loss_reason_suggests():
    lead = checked({"lead": "Acme", "stage": "In discussion", "outcome": "Lost", "loss_reason": "Price to high"})
    assert "did you mean 'Price too high'?" in only(lead, "loss_reason")[1]


def test_free_text_loss_reason_lists_the_reasons():
    lead = checked({"lead": "Acme", "stage": "In discussion", "outcome": "Lost",
                    "loss_reason": "They went quiet after the holidays"})
    severity, message = only(lead, "loss_reason")
    assert severity == "error"
    assert "is not a loss reason" in message
    assert "Price too high, Chose a competitor" in message


# =================================================================================================================
# The order of the guide
# =================================================================================================================


def test_won_from_new_is_a_warning():
    lead = checked({"lead": "Acme", "stage": "New", "outcome": "Won"})
    severity, message = only(lead, "stage")
    assert severity == "warning"
    assert "Won from 'New'" in message
    assert "Contacted, In discussion" in message
    assert not [f for f in lead.findings if f.severity == "error"]


def test_won_from_contacted_skips_in_discussion():
    severity, message = only(checked({"lead": "Acme", "stage": "Contacted", "outcome": "Won"}), "stage")
    assert severity == "warning"
    assert "skips In discussion" in message


def test_won_from_in_discussion_is_fine():
    lead = checked({"lead": "Acme", "stage": "In discussion", "outcome": "Won"})
    assert on(lead, "stage") == []


def test_won_from_negotiation_is_fine_in_the_advanced_model():
    lead = checked({"lead": "Acme", "stage": "Negotiation", "outcome": "Won"}, Config(model="advanced"))
    assert on(lead, "stage") == []


def test_lost_from_any_stage_is_fine():
    lead = checked({"lead": "Acme", "stage": "New", "outcome": "Lost", "loss_reason": "No budget"})
    assert on(lead, "stage") == []


def test_closed_lead_with_blank_stage_keeps_the_last_stage():
    severity, message = only(checked({"lead": "Acme", "outcome": "Won"}), "stage")
    assert severity == "warning"
    assert "last stage" in message


# =================================================================================================================
# Stamps
# =================================================================================================================


def test_new_row_gets_id_and_created():
    assert stamps({"lead": "Acme", "stage": "New"}) == {"id": "L-0042", "created": date(2026, 12, 4)}


def test_row_with_an_id_gets_no_created_stamp():
    assert stamps({"id": "L-0001", "lead": "Acme", "stage": "New"}) == {}


def test_new_row_keeps_its_created_date():
    assert stamps({"lead": "Acme", "stage": "New", "created": date(2026, 11, 1)}) == {"id": "L-0042"}


def test_first_contact_stamped_today_at_contacted():
    result = stamps({"id": "L-0001", "lead": "Acme", "stage": "Contacted"})
    assert result == {"first_contact": date(2026, 12, 4)}


@pytest.mark.parametrize("stage", ["In discussion", "Meeting", "Proposal sent", "Negotiation"])
def test_first_contact_stamped_beyond_contacted(stage):
    result = stamps({"id": "L-0001", "lead": "Acme", "stage": stage}, config=Config(model="advanced"))
    assert result == {"first_contact": date(2026, 12, 4)}


def test_first_contact_stamp_is_not_after_a_recorded_last_contact():
    result = stamps({"id": "L-0001", "lead": "Acme", "stage": "In discussion", "last_contact": date(2026, 11, 20)})
    assert result == {"first_contact": date(2026, 11, 20)}


def test_no_first_contact_at_new():
    assert stamps({"id": "L-0001", "lead": "Acme", "stage": "New"}) == {}


def test_first_contact_never_over_a_filled_cell():
    assert stamps({"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 11, 2)}) == {}


def test_first_contact_never_over_garbage():
    assert stamps({"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": "last tuesday?"}) == {}


def test_first_contact_stamped_on_custom_stages():
    config = Config(stages=["Lead", "Pitched", "Talking"], contacted_stage="Pitched", qualified_stage="Talking")
    assert stamps({"id": "L-0001", "lead": "Acme", "stage": "Lead"}, config=config) == {}
    assert stamps({"id": "L-0001", "lead": "Acme", "stage": "Pitched"}, config=config) == {
        "first_contact": date(2026, 12, 4)}


def test_closed_stamped_when_an_outcome_is_set():
    result = stamps({"id": "L-0001", "lead": "Acme", "stage": "In discussion", "outcome": "Won",
                     "first_contact": date(2026, 11, 2)})
    assert result == {"closed": date(2026, 12, 4)}


def test_closed_never_over_a_filled_cell():
    lead = {"id": "L-0001", "lead": "Acme", "stage": "In discussion", "outcome": "Won", "first_contact": date(2026, 11, 2)}
    assert stamps({**lead, "closed": date(2026, 12, 1)}) == {}
    assert stamps({**lead, "closed": "n/a"}) == {}


def test_no_closed_stamp_while_open_or_on_an_unknown_outcome():
    lead = {"id": "L-0001", "lead": "Acme", "stage": "In discussion", "first_contact": date(2026, 11, 2)}
    assert stamps(lead) == {}
    assert stamps({**lead, "outcome": "Wonn"}) == {}


def test_sync_writes_stamps_into_blank_cells_only():
    _, cells = planned(
        {"lead": "New one", "stage": "Contacted"},
        {"id": "L-0005", "lead": "Old one", "stage": "Contacted", "first_contact": "sometime",
         "created": date(2026, 10, 1)},
        {"id": "L-0006", "lead": "Won one", "stage": "In discussion", "outcome": "Won",
         "first_contact": date(2026, 11, 2), "created": date(2026, 10, 1)},
    )
    assert cells[(2, "id")] == "L-0007"  # above every ID in use
    assert cells[(2, "created")] == date(2026, 12, 4)
    assert cells[(2, "first_contact")] == date(2026, 12, 4)
    assert (3, "first_contact") not in cells  # garbage is kept (and flagged)
    assert (3, "id") not in cells and (3, "created") not in cells
    assert "'sometime' is not a date" in cells[(3, "flags")]
    assert cells[(4, "closed")] == date(2026, 12, 4)
    assert (4, "first_contact") not in cells


def test_sync_numbers_new_rows_in_order():
    _, cells = planned({"lead": "A", "stage": "New"}, {"lead": "B", "stage": "New"}, config=Config(id_prefix="OPP-"))
    assert cells[(2, "id")] == "OPP-0001"
    assert cells[(3, "id")] == "OPP-0002"


def test_second_sync_stamps_nothing_more():
    config = Config()
    backend = memory_pipeline({"lead": "Acme", "stage": "Contacted"}, {"lead": "Beta", "stage": "In discussion",
                                                                       "outcome": "Won"}, config=config)
    sync(backend, config, TODAY)
    again = plan_sync(backend.read(), config, TODAY)
    assert again.plan.cells == []


# =================================================================================================================
# Follow-ups
# =================================================================================================================


@pytest.mark.parametrize("sent, expected", [
    (0, date(2026, 12, 3)),  # Nov 30 + 3
    (1, date(2026, 12, 7)),  # Nov 30 + 7
    (2, date(2026, 12, 14)),  # Nov 30 + 14
])
def test_cadence_by_follow_ups_sent(sent, expected):
    lead = {"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 11, 30),
            "last_contact": date(2026, 11, 30), "follow_ups": sent}
    assert due(lead) == expected


def test_follow_up_from_last_contact_rather_than_first():
    lead = {"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 11, 2),
            "last_contact": date(2026, 11, 30), "follow_ups": 0}
    assert due(lead) == date(2026, 12, 3)


def test_follow_up_from_first_contact_when_no_last_contact():
    lead = {"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 12, 1)}
    assert due(lead) == date(2026, 12, 4)


def test_follow_up_counts_from_first_contact_with_follow_ups():
    lead = {"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 11, 20),
            "follow_ups": 1}
    assert due(lead) == date(2026, 11, 27)  # Nov 20 + 7: overdue, still shown


def test_no_follow_up_when_they_replied_after_our_last_contact():
    lead = {"id": "L-0001", "lead": "Acme", "stage": "In discussion", "first_contact": date(2026, 11, 2),
            "last_contact": date(2026, 11, 30), "last_reply": date(2026, 12, 2)}
    assert due(lead) is None


def test_follow_up_when_their_reply_is_older_than_our_last_contact():
    lead = {"id": "L-0001", "lead": "Acme", "stage": "In discussion", "first_contact": date(2026, 11, 2),
            "last_contact": date(2026, 12, 1), "last_reply": date(2026, 11, 28), "follow_ups": 0}
    assert due(lead) == date(2026, 12, 4)


def test_no_follow_up_for_new():
    lead = {"id": "L-0001", "lead": "Acme", "stage": "New", "first_contact": date(2026, 11, 30),
            "last_contact": date(2026, 11, 30)}
    assert due(lead) is None


@pytest.mark.parametrize("outcome, reason", [("Won", None), ("Lost", "Bad timing"), ("No response", None),
                                             ("Passed", "Budget")])
def test_no_follow_up_for_closed_leads(outcome, reason):
    lead = {"id": "L-0001", "lead": "Acme", "stage": "Contacted", "outcome": outcome, "loss_reason": reason,
            "first_contact": date(2026, 11, 30), "last_contact": date(2026, 11, 30)}
    assert due(lead) is None


@pytest.mark.parametrize("sent", [3, 4, 10])
def test_no_follow_up_once_the_cadence_is_used_up(sent):
    lead = {"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 11, 30),
            "last_contact": date(2026, 11, 30), "follow_ups": sent}
    assert due(lead) is None


def test_custom_cadence():
    base = {"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 11, 2),
            "last_contact": date(2026, 11, 30)}
    config = Config(cadence=[2, 5, 10, 21])
    assert due({**base, "follow_ups": 0}, config) == date(2026, 12, 2)
    assert due({**base, "follow_ups": 3}, config) == date(2026, 12, 21)
    assert due({**base, "follow_ups": 4}, config) is None
    assert due({**base, "follow_ups": 1}, Config(cadence=[2])) is None


def test_follow_up_in_business_days():
    base = {"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 11, 2)}
    config = Config(business_days=True)
    # Fri Dec 4 + 3 business days: Mon 7, Tue 8, Wed 9.
    assert due({**base, "last_contact": date(2026, 12, 4), "follow_ups": 0}, config) == date(2026, 12, 9)
    # Mon Nov 30 + 7 business days: Dec 1, 2, 3, 4, 7, 8, 9.
    assert due({**base, "last_contact": date(2026, 11, 30), "follow_ups": 1}, config) == date(2026, 12, 9)
    # Mon Nov 30 + 14 business days: ... Fri Dec 18.
    assert due({**base, "last_contact": date(2026, 11, 30), "follow_ups": 2}, config) == date(2026, 12, 18)


def test_follow_up_in_business_days_skips_holidays():
    base = {"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 11, 2),
            "last_contact": date(2026, 12, 4)}
    config = Config(business_days=True, holidays=[date(2026, 12, 8)])
    assert due(base, config) == date(2026, 12, 10)  # Mon 7, (Tue 8 off), Wed 9, Thu 10


def test_holidays_ignored_without_business_days():
    base = {"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 11, 2),
            "last_contact": date(2026, 12, 4)}
    assert due(base, Config(holidays=[date(2026, 12, 7)])) == date(2026, 12, 7)


def test_sync_writes_next_follow_up():
    _, cells = planned(
        {"id": "L-0001", "lead": "A", "stage": "Contacted", "created": date(2026, 11, 1),
         "first_contact": date(2026, 11, 2), "last_contact": date(2026, 11, 30), "follow_ups": 1},
        {"id": "L-0002", "lead": "B", "stage": "Contacted", "created": date(2026, 11, 1)},  # first contact stamped
        {"id": "L-0003", "lead": "C", "stage": "New", "created": date(2026, 11, 1)},
    )
    assert cells[(2, "next_follow_up")] == date(2026, 12, 7)
    assert cells[(3, "first_contact")] == date(2026, 12, 4)
    assert cells[(3, "next_follow_up")] == date(2026, 12, 7)  # today + 3
    assert (4, "next_follow_up") not in cells


def test_sync_clears_next_follow_up_of_a_closed_lead():
    _, cells = planned({"id": "L-0001", "lead": "A", "stage": "In discussion", "outcome": "Won",
                        "created": date(2026, 11, 1), "first_contact": date(2026, 11, 2),
                        "closed": date(2026, 12, 3), "next_follow_up": date(2026, 12, 5)})
    assert (2, "next_follow_up") in cells
    assert cells[(2, "next_follow_up")] is None


# =================================================================================================================
# Stale leads
# =================================================================================================================

SILENT = {"id": "L-0001", "lead": "Acme", "stage": "Contacted", "created": date(2026, 10, 1),
          "last_contact": date(2026, 11, 20), "follow_ups": 3}


def test_stale_after_three_follow_ups_and_thirty_days():
    assert stale({**SILENT, "first_contact": date(2026, 11, 4)})  # Nov 4 -> Dec 4: 30 days


def test_not_stale_at_twenty_nine_days():
    assert not stale({**SILENT, "first_contact": date(2026, 11, 5)})


def test_not_stale_with_two_follow_ups():
    assert not stale({**SILENT, "first_contact": date(2026, 10, 1), "follow_ups": 2})


def test_stale_counts_from_their_last_reply():
    # They replied Nov 1, we wrote again Nov 20 and heard nothing since: 33 days.
    assert stale({**SILENT, "first_contact": date(2026, 10, 1), "last_reply": date(2026, 11, 1)})


def test_not_stale_when_they_replied_recently():
    # Reply Nov 10 (24 days ago), our contact Nov 20 after it: not 30 days without a reply yet.
    assert not stale({**SILENT, "first_contact": date(2026, 10, 1), "last_reply": date(2026, 11, 10)})


def test_not_stale_when_they_replied_after_our_last_contact():
    assert not stale({**SILENT, "first_contact": date(2026, 10, 1), "last_contact": date(2026, 10, 20),
                      "last_reply": date(2026, 10, 25)})


def test_closed_lead_is_never_stale():
    assert not stale({**SILENT, "first_contact": date(2026, 10, 1), "outcome": "Lost", "loss_reason": "Bad timing"})


def test_stale_thresholds_are_configurable():
    config = Config(stale={"follow_ups": 2, "days": 10})
    base = {**SILENT, "follow_ups": 2, "last_contact": date(2026, 11, 30)}
    assert stale({**base, "first_contact": date(2026, 11, 24)}, config)  # 10 days
    assert not stale({**base, "first_contact": date(2026, 11, 25)}, config)  # 9 days
    assert not stale({**base, "first_contact": date(2026, 11, 1), "follow_ups": 1}, config)
    # With the defaults the same lead (2 follow-ups) is not stale.
    assert not stale({**base, "first_contact": date(2026, 11, 1)})


def test_sync_flags_a_stale_lead():
    _, cells = planned({**SILENT, "first_contact": date(2026, 11, 1)})
    flags = cells[(2, "flags")]
    assert "stale: mark No response" in flags
    assert (2, "outcome") not in cells
    assert (2, "closed") not in cells
    assert (2, "next_follow_up") not in cells


def test_sync_does_not_flag_a_lively_lead_as_stale():
    _, cells = planned({**SILENT, "first_contact": date(2026, 11, 1), "follow_ups": 2})
    assert "stale" not in (cells.get((2, "flags")) or "")
    assert cells[(2, "next_follow_up")] == date(2026, 12, 4)  # Nov 20 + 14


def test_auto_close_stale_sets_no_response_and_stamps_closed():
    config = Config(auto_close_stale=True)
    _, cells = planned({**SILENT, "first_contact": date(2026, 11, 1)}, config=config)
    assert cells[(2, "outcome")] == "No response"
    assert cells[(2, "closed")] == date(2026, 12, 4)
    assert "stale" not in (cells.get((2, "flags")) or "")
    assert (2, "next_follow_up") not in cells


def test_auto_close_keeps_an_existing_closed_date():
    config = Config(auto_close_stale=True)
    _, cells = planned({**SILENT, "first_contact": date(2026, 11, 1), "closed": date(2026, 12, 1)}, config=config)
    assert cells[(2, "outcome")] == "No response"
    assert (2, "closed") not in cells


def test_auto_close_leaves_lively_leads_open():
    config = Config(auto_close_stale=True)
    _, cells = planned({**SILENT, "first_contact": date(2026, 11, 5)}, config=config)  # 29 days
    assert (2, "outcome") not in cells
    assert (2, "closed") not in cells


def test_auto_close_is_applied_once():
    config = Config(auto_close_stale=True)
    backend = memory_pipeline({**SILENT, "first_contact": date(2026, 11, 1)}, config=config)
    assert sync(backend, config, TODAY).written
    row = backend.tabs["Pipeline"][1]
    headers = backend.tabs["Pipeline"][0]
    assert row[headers.index("Outcome")] == "No response"
    assert row[headers.index("Closed")] == date(2026, 12, 4)
    again = plan_sync(backend.read(), config, TODAY)
    assert again.plan.cells == []


def test_auto_close_in_french():
    config = Config(language="fr", auto_close_stale=True)
    _, cells = planned({**SILENT, "stage": "Contacté", "first_contact": date(2026, 11, 1)}, config=config)
    assert cells[(2, "outcome")] == "Pas de réponse"
    assert cells[(2, "closed")] == date(2026, 12, 4)


def test_derive_a_stale_lead_with_auto_close():
    config = Config(auto_close_stale=True)
    parsed, lists = parse_one({**SILENT, "first_contact": date(2026, 11, 1)}, config)
    derived = derive(parsed, lists, config, TODAY, None)
    assert derived.stale and derived.auto_closed
    assert derived.outcome is not None and derived.outcome.label == "No response"
    assert derived.stamps == {"closed": date(2026, 12, 4)}
    assert derived.closed == date(2026, 12, 4)
    assert derived.next_follow_up is None


def test_derive_a_stale_lead_flags_it():
    config = Config()
    parsed, lists = parse_one({**SILENT, "first_contact": date(2026, 11, 1)}, config)
    derived = derive(parsed, lists, config, TODAY, None)
    assert derived.stale and not derived.auto_closed
    assert derived.outcome is None
    assert derived.stamps == {}
    assert ("warning", "stale: mark No response") in on(parsed, None)


def test_derive_a_new_contacted_lead():
    config = Config()
    parsed, lists = parse_one({"lead": "Acme", "stage": "Contacted"}, config)
    derived = derive(parsed, lists, config, TODAY, "L-0009")
    assert derived.stamps == {"id": "L-0009", "created": date(2026, 12, 4), "first_contact": date(2026, 12, 4)}
    assert derived.first_contact == date(2026, 12, 4)
    assert derived.next_follow_up == date(2026, 12, 7)
    assert not derived.stale


# =================================================================================================================
# Hygiene: dates
# =================================================================================================================


@pytest.mark.parametrize("config, cell", [
    (Config(), "2026-11-03"),
    (Config(date_order="dmy"), "03/11/2026"),
    (Config(language="fr"), "03/11/2026"),
    (Config(date_order="mdy"), "11/03/2026"),
    (Config(), "11/03/2026"),  # English reads month first
    (Config(), 46329),  # Sheets serial: Dec 4 is 46360, 31 days earlier
    (Config(), 46329.0),
    (Config(), datetime(2026, 11, 3, 9, 30)),
    (Config(), date(2026, 11, 3)),
])
def test_dates_accepted(config, cell):
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": cell}, config)
    assert lead.date("first_contact") == date(2026, 11, 3)
    assert on(lead, "first_contact") == []


def test_serial_for_today():
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": 46360})
    assert lead.date("first_contact") == date(2026, 12, 4)
    assert lead.findings == []


@pytest.mark.parametrize("name", ["created", "first_contact", "last_contact", "last_reply", "closed"])
def test_unparseable_date_is_an_error(name):
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "Contacted", name: "soon"})
    errors = [m for s, m in on(lead, name) if s == "error"]
    assert len(errors) == 1
    assert "'soon' is not a date" in errors[0]
    assert lead.date(name) is None


def test_day_first_date_in_an_english_sheet_is_an_error():
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": "31/10/2026"})
    severity, message = only(lead, "first_contact")
    assert severity == "error"
    assert "12/31/2026" in message  # the example follows the sheet's date order


def test_number_that_is_not_a_date():
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": 3})
    assert only(lead, "first_contact")[0] == "error"


@pytest.mark.parametrize("name", ["created", "first_contact", "last_contact", "last_reply", "closed"])
def test_date_in_the_future_is_a_warning(name):
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "Contacted", "outcome": "Won", name: date(2026, 12, 5)})
    found = [m for s, m in on(lead, name) if "future" in m]
    assert found == ["2026-12-05 is in the future"]
    assert ("warning", "2026-12-05 is in the future") in on(lead, name)


def test_today_is_not_in_the_future():
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "Contacted", "created": date(2026, 12, 4),
                    "first_contact": date(2026, 12, 4), "last_contact": date(2026, 12, 4),
                    "last_reply": date(2026, 12, 4)})
    assert lead.findings == []


def test_last_contact_before_first_contact():
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 12, 1),
                    "last_contact": date(2026, 11, 30)})
    severity, message = only(lead, "last_contact")
    assert severity == "warning"
    assert "Last contact is before First contact" in message


def test_last_contact_same_day_as_first_is_fine():
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 12, 1),
                    "last_contact": date(2026, 12, 1)})
    assert lead.findings == []


# =================================================================================================================
# Hygiene: duplicates
# =================================================================================================================


def test_duplicate_ids_flag_both_rows():
    leads = checked_sheet(
        {"id": "L-0001", "lead": "A", "stage": "New"},
        {"id": "L-0002", "lead": "B", "stage": "New"},
        {"id": "L-0001", "lead": "C", "stage": "New"},
    )
    first, second, third = leads
    severity, message = only(first, "id")
    assert severity == "error"
    assert "duplicate ID 'L-0001'" in message and "row 4" in message
    severity, message = only(third, "id")
    assert severity == "error"
    assert "row 2" in message
    assert on(second, "id") == []


def test_blank_ids_are_not_duplicates():
    leads = checked_sheet({"lead": "A", "stage": "New"}, {"lead": "B", "stage": "New"})
    assert all(on(lead, "id") == [] for lead in leads)


def test_duplicate_emails_are_a_warning_ignoring_case():
    leads = checked_sheet(
        {"id": "L-0001", "lead": "A", "stage": "New", "email": "Anna@Acme.com"},
        {"id": "L-0002", "lead": "B", "stage": "New", "email": "anna@acme.COM "},
        {"id": "L-0003", "lead": "C", "stage": "New", "email": "bob@acme.com"},
    )
    assert only(leads[0], "email") == ("warning", "same email as row 3")
    assert only(leads[1], "email") == ("warning", "same email as row 2")
    assert on(leads[2], "email") == []


def test_duplicates_reach_the_flags_column():
    _, cells = planned(
        {"id": "L-0001", "lead": "A", "stage": "New", "created": date(2026, 11, 1), "email": "a@x.com"},
        {"id": "L-0001", "lead": "B", "stage": "New", "created": date(2026, 11, 1), "email": "A@X.com"},
    )
    for row, other in ((2, 3), (3, 2)):
        assert "duplicate ID 'L-0001'" in cells[(row, "flags")]
        assert f"same email as row {other}" in cells[(row, "flags")]
    assert (2, "id") not in cells and (3, "id") not in cells  # the worker does not renumber what people typed


# =================================================================================================================
# Hygiene: Value and Follow-ups
# =================================================================================================================


@pytest.mark.parametrize("cell", ["lots", "12k?", "TBD"])
def test_value_garbage_is_an_error(cell):
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "New", "value": cell})
    severity, message = only(lead, "value")
    assert severity == "error"
    assert f"'{cell}' is not a number" in message
    assert lead.value is None


@pytest.mark.parametrize("cell, value", [
    (1200, 1200.0), (1200.5, 1200.5), ("1200", 1200.0), ("1 200 €", 1200.0), ("2 500,50 €", 2500.5),
    ("€1500", 1500.0), ("1,200.50", 1200.5),
])
def test_value_parsed(cell, value):
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "New", "value": cell})
    assert lead.value == value
    assert on(lead, "value") == []


def test_value_with_a_thousands_comma_in_an_english_sheet():
    # "$2,500" in an English (mdy) sheet is two thousand five hundred, not 2.5.
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "New", "value": "$2,500"})
    assert lead.value == 2500.0


@pytest.mark.parametrize("cell", ["two", "-1", "1.5", "many", True])
def test_follow_ups_garbage_is_an_error(cell):
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 11, 30),
                    "follow_ups": cell})
    severity, message = only(lead, "follow_ups")
    assert severity == "error"
    assert "is not a count of follow-ups" in message
    assert lead.follow_ups == 0


@pytest.mark.parametrize("cell, count", [(2, 2), (2.0, 2), ("2", 2), (" 1 ", 1), (None, 0), ("", 0)])
def test_follow_ups_parsed(cell, count):
    lead = checked({"id": "L-0001", "lead": "Acme", "stage": "Contacted", "first_contact": date(2026, 11, 30),
                    "follow_ups": cell})
    assert lead.follow_ups == count
    assert on(lead, "follow_ups") == []


def test_an_id_ending_in_a_superscript_digit_is_no_id_of_ours():
    from sheets_pipeline.rules import next_id_number

    assert next_id_number(["L-²", "L-0007", "L-٣"], "L-") == 8  # digits to str.isdigit, not to int()
