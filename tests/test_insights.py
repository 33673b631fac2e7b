"""The Summary's figures, checked against numbers worked out by hand from the definitions of issue 3.

Every expected value below is written literally (a count, or a fraction such as 2 / 3): nothing is recomputed with
the code's own helpers. The leads go through the real parse -> rules -> stamps path (`plan_sync`), so the figures
are those of the sheet as a sync leaves it (TODAY = Friday 2026-12-04, cadence 3/7/14 calendar days).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sheets_pipeline.config import Config
from sheets_pipeline.insight_tabs import DASH, follow_ups_tab, sections, summary_tab
from sheets_pipeline.insights import compute
from sheets_pipeline.layout import HISTORY_HEADERS
from sheets_pipeline.report import render
from sheets_pipeline.sync import facts_of, insights, plan_sync, sync

from .conftest import TODAY, memory_pipeline

D = date


def figures(*leads: dict[str, Any], config: Config | None = None, history: list[list[Any]] | None = None,
            since: date | None = None, until: date | None = None, today: date = TODAY):
    config = config or Config()
    backend = memory_pipeline(*leads, config=config)
    if history is not None:
        backend.tabs["History"] = [list(HISTORY_HEADERS["en"]), *history]
    snapshot = backend.read()
    result = plan_sync(snapshot, config, today)
    return compute(facts_of(result.checked, snapshot), result.checked.lists, today, since=since, until=until)


def rows_by(items, attr: str) -> dict[str, Any]:
    return {getattr(item, attr): item for item in items}


def counts(row) -> tuple:
    return (row.leads, row.open, row.won, row.lost, row.no_response, row.passed, row.invalid_outcome)


# --- conversion by source ---------------------------------------------------------------------------------------

SOURCE_LEADS = [
    {"lead": "A", "source": "Referral", "owner": "Ann", "stage": "In discussion", "outcome": "Won"},
    {"lead": "B", "source": "Referral", "owner": "Ann", "stage": "Contacted", "outcome": "Lost",
     "loss_reason": "Price too high"},
    {"lead": "C", "source": "Referral", "owner": "Ann", "stage": "Contacted", "outcome": "No response"},
    {"lead": "D", "source": "Referral", "owner": "Ann", "stage": "Contacted", "outcome": "Passed",
     "loss_reason": "Budget"},
    {"lead": "E", "source": "Referral", "owner": "Ann", "stage": "New"},
    {"lead": "F", "source": "Upwork", "owner": "Ann", "stage": "New"},
    {"lead": "G", "source": "Upwork", "owner": "Ann", "stage": "Contacted", "first_contact": D(2026, 12, 1)},
    {"lead": "H", "source": None, "owner": "Ann", "stage": "In discussion", "outcome": "Won"},
    {"lead": "I", "source": "  ", "owner": "Ann", "stage": "Contacted", "outcome": "Lost", "loss_reason": "Bad timing"},
    {"lead": "J", "source": "Carrier pigeon", "owner": "Ann", "stage": "In discussion", "outcome": "Won"},
    {"lead": "K", "source": "Website", "owner": "Ann", "stage": "Contacted", "outcome": "Maybe"},
]


def test_by_source_counts_rates_and_order():
    table = figures(*SOURCE_LEADS).by_source
    assert [r.source for r in table] == ["Upwork", "Cold email", "Referral", "LinkedIn", "Website", "Inbound",
                                         "Other", "(none)", "(invalid)", "Total"]
    rows = rows_by(table, "source")
    referral = rows["Referral"]
    assert counts(referral) == (5, 1, 1, 1, 1, 1, 0)
    assert referral.win_rate == 1 / 3  # Won / (Won + Lost + No response): Passed is not decided
    assert referral.conversion == 1 / 5


def test_a_source_with_only_open_leads_has_no_win_rate_and_zero_conversion():
    upwork = rows_by(figures(*SOURCE_LEADS).by_source, "source")["Upwork"]
    assert counts(upwork) == (2, 2, 0, 0, 0, 0, 0)
    assert upwork.win_rate is None
    assert upwork.conversion == 0.0


def test_a_listed_source_without_leads_has_no_rates():
    cold = rows_by(figures(*SOURCE_LEADS).by_source, "source")["Cold email"]
    assert counts(cold) == (0, 0, 0, 0, 0, 0, 0)
    assert cold.win_rate is None
    assert cold.conversion is None


def test_blank_source_is_none_and_unknown_source_is_invalid():
    rows = rows_by(figures(*SOURCE_LEADS).by_source, "source")
    assert counts(rows["(none)"]) == (2, 0, 1, 1, 0, 0, 0)
    assert rows["(none)"].win_rate == 0.5
    assert rows["(none)"].conversion == 0.5
    assert counts(rows["(invalid)"]) == (1, 0, 1, 0, 0, 0, 0)
    assert rows["(invalid)"].win_rate == 1.0
    assert rows["(invalid)"].conversion == 1.0


def test_an_invalid_outcome_is_neither_open_nor_decided():
    website = rows_by(figures(*SOURCE_LEADS).by_source, "source")["Website"]
    assert counts(website) == (1, 0, 0, 0, 0, 0, 1)
    assert website.win_rate is None
    assert website.conversion == 0.0


def test_by_source_total_row():
    total = figures(*SOURCE_LEADS).by_source[-1]
    assert total.source == "Total"
    assert counts(total) == (11, 3, 3, 2, 1, 1, 1)
    assert total.win_rate == 3 / 6
    assert total.conversion == 3 / 11


def test_a_source_with_only_passed_leads_has_no_win_rate():
    table = figures(
        {"lead": "A", "source": "LinkedIn", "stage": "Contacted", "outcome": "Passed", "loss_reason": "Scope"},
        {"lead": "B", "source": "LinkedIn", "stage": "New", "outcome": "Passed", "loss_reason": "Red flags"},
    ).by_source
    linkedin = rows_by(table, "source")["LinkedIn"]
    assert counts(linkedin) == (2, 0, 0, 0, 0, 2, 0)
    assert linkedin.win_rate is None  # nothing decided
    assert linkedin.conversion == 0.0
    assert "(none)" not in rows_by(table, "source") and "(invalid)" not in rows_by(table, "source")


# --- loss reasons -----------------------------------------------------------------------------------------------

def lost(name: str, reason: str | None, closed: Any, source: str = "Referral") -> dict[str, Any]:
    return {"lead": name, "source": source, "owner": "Ann", "stage": "Contacted", "outcome": "Lost",
            "loss_reason": reason, "first_contact": D(2026, 1, 2), "closed": closed}


LOSSES = [
    lost("L1", "Price too high", D(2026, 11, 10)),  # 2026-Q4 (this quarter)
    lost("L2", "price too high", D(2026, 10, 1)),  # 2026-Q4, typed in lower case
    lost("L3", "Price too high", D(2026, 8, 15)),  # 2026-Q3 (last quarter)
    lost("L4", "Bad timing", D(2026, 9, 30)),  # 2026-Q3
    lost("L5", "Bad timing", D(2026, 12, 1)),  # 2026-Q4
    lost("L6", None, D(2026, 11, 20)),  # 2026-Q4, no reason
    lost("L7", "Gremlins", D(2026, 2, 1)),  # 2026-Q1, not a loss reason
    lost("L8", "Chose a competitor", "someday"),  # no valid Closed date
    {"lead": "W", "source": "Referral", "stage": "In discussion", "outcome": "Won"},
    {"lead": "P", "source": "Referral", "stage": "Contacted", "outcome": "Passed", "loss_reason": "Budget"},
    {"lead": "O", "source": "Referral", "stage": "New"},
]


def test_loss_reason_counts_and_shares():
    losses = figures(*LOSSES).loss_reasons
    assert losses.total_lost == 8
    assert [(r.reason, r.count, r.share) for r in losses.reasons] == [
        ("Price too high", 3, 3 / 8),
        ("Chose a competitor", 1, 1 / 8),
        ("Project cancelled", 0, 0.0),
        ("Bad timing", 2, 2 / 8),
        ("Scope mismatch", 0, 0.0),
        ("No budget", 0, 0.0),
        ("(missing)", 1, 1 / 8),
        ("(invalid)", 1, 1 / 8),
    ]


def test_loss_reasons_per_quarter_by_closed_date():
    losses = figures(*LOSSES).loss_reasons
    for quarter in ("2026-Q1", "2026-Q3", "2026-Q4"):
        assert quarter in losses.quarters
    q = losses.by_quarter
    assert (q["Price too high"]["2026-Q1"], q["Price too high"]["2026-Q3"], q["Price too high"]["2026-Q4"]) == (0, 1, 2)
    assert (q["Bad timing"]["2026-Q3"], q["Bad timing"]["2026-Q4"]) == (1, 1)
    assert (q["(missing)"]["2026-Q3"], q["(missing)"]["2026-Q4"]) == (0, 1)
    assert (q["(invalid)"]["2026-Q1"], q["(invalid)"]["2026-Q4"]) == (1, 0)
    # L8 has no valid Closed date: in the counts above, in no quarter, and reported
    assert (q["Chose a competitor"]["2026-Q1"], q["Chose a competitor"]["2026-Q3"],
            q["Chose a competitor"]["2026-Q4"]) == (0, 0, 0)
    assert losses.lost_without_closed_date == 1


def test_a_quarter_without_losses_between_two_with_losses_is_a_column_of_zeros():
    # Losses in Q1, Q3 and Q4 of 2026, none in Q2: the reason x quarter table (and its chart) runs over
    # consecutive quarters, so Q2 shows as zeros rather than disappearing from the time axis.
    losses = figures(*LOSSES).loss_reasons
    assert losses.quarters == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert all(losses.by_quarter[r.reason]["2026-Q2"] == 0 for r in losses.reasons)


def test_this_quarter_vs_last_quarter_with_direction():
    losses = figures(*LOSSES).loss_reasons
    assert (losses.this_quarter, losses.last_quarter) == ("2026-Q4", "2026-Q3")
    trend = {t.reason: (t.this_quarter, t.last_quarter, t.share_this_quarter, t.share_last_quarter, t.direction)
             for t in losses.trend}
    # this quarter: Price 2, Bad timing 1, (missing) 1 -> 4 dated losses; last quarter: Price 1, Bad timing 1 -> 2
    assert trend["Price too high"] == (2, 1, 2 / 4, 1 / 2, "up")
    assert trend["Bad timing"] == (1, 1, 1 / 4, 1 / 2, "same")
    assert trend["(missing)"] == (1, 0, 1 / 4, 0.0, "up")
    assert trend["(invalid)"] == (0, 0, 0.0, 0.0, "same")
    assert trend["Chose a competitor"] == (0, 0, 0.0, 0.0, "same")


def test_fewer_losses_this_quarter_reads_down():
    losses = figures(
        lost("A", "No budget", D(2026, 7, 3)),
        lost("B", "No budget", D(2026, 9, 3)),
        lost("C", "No budget", D(2026, 10, 3)),
    ).loss_reasons
    trend = rows_by(losses.trend, "reason")["No budget"]
    assert (trend.this_quarter, trend.last_quarter, trend.direction) == (1, 2, "down")
    assert (trend.share_this_quarter, trend.share_last_quarter) == (1.0, 1.0)


def test_no_losses_this_quarter_nor_last_quarter_gives_no_shares():
    losses = figures(lost("A", "Scope mismatch", D(2026, 5, 20)), lost("B", None, D(2026, 4, 1))).loss_reasons
    assert losses.quarters == ["2026-Q2"]
    assert losses.by_quarter["Scope mismatch"] == {"2026-Q2": 1}
    assert losses.by_quarter["(missing)"] == {"2026-Q2": 1}
    for t in losses.trend:
        assert (t.this_quarter, t.last_quarter, t.direction) == (0, 0, "same")
        assert t.share_this_quarter is None and t.share_last_quarter is None


def test_last_quarter_of_a_first_quarter_is_the_previous_years_fourth():
    losses = figures(
        lost("A", "Bad timing", D(2026, 11, 10)), lost("B", "Bad timing", D(2026, 12, 31)),
        lost("C", "Bad timing", D(2027, 1, 1)), lost("D", "No budget", D(2026, 9, 1)),
        today=D(2027, 2, 15),
    ).loss_reasons
    assert (losses.this_quarter, losses.last_quarter) == ("2027-Q1", "2026-Q4")
    trend = rows_by(losses.trend, "reason")
    assert (trend["Bad timing"].this_quarter, trend["Bad timing"].last_quarter) == (1, 2)
    assert trend["Bad timing"].direction == "down"
    assert (trend["No budget"].this_quarter, trend["No budget"].last_quarter) == (0, 0)
    assert losses.by_quarter["Bad timing"]["2026-Q4"] == 2


def test_a_lost_lead_with_a_blank_closed_date_is_closed_today():
    losses = figures(lost("A", "Bad timing", None)).loss_reasons
    assert losses.lost_without_closed_date == 0
    assert losses.quarters == ["2026-Q4"]
    assert rows_by(losses.trend, "reason")["Bad timing"].this_quarter == 1


def test_a_pass_reason_on_a_lost_lead_counts_as_invalid():
    losses = figures(lost("A", "Budget", D(2026, 11, 1)), lost("B", "No budget", D(2026, 11, 1))).loss_reasons
    reasons = {r.reason: (r.count, r.share) for r in losses.reasons}
    assert reasons["(invalid)"] == (1, 0.5)
    assert reasons["No budget"] == (1, 0.5)
    assert "(missing)" not in reasons


def test_no_lost_lead_gives_no_shares():
    losses = figures({"lead": "W", "stage": "In discussion", "outcome": "Won"}).loss_reasons
    assert losses.total_lost == 0
    assert all(r.count == 0 and r.share is None for r in losses.reasons)
    assert losses.quarters == []
    assert losses.lost_without_closed_date == 0


# --- stage funnel -----------------------------------------------------------------------------------------------

def at(identifier: str, stage: Any, **more: Any) -> dict[str, Any]:
    return {"id": identifier, "lead": f"Lead {identifier}", "owner": "Ann", "stage": stage, **more}


FUNNEL_LEADS = [
    at("L-0001", "New"), at("L-0002", "New"), at("L-0003", "New"),
    at("L-0004", "Contacted", first_contact=D(2026, 12, 1)), at("L-0005", "Contacted", first_contact=D(2026, 12, 1)),
    at("L-0006", "In discussion", first_contact=D(2026, 11, 2)),
    at("L-0007", "Contacted", first_contact=D(2026, 11, 2)),  # History: was In discussion, moved back
    at("L-0008", None),  # History: was Contacted; Stage cleared since
    at("L-0009", None),  # blank, no History: left out
    at("L-0010", "Contactd"),  # not a stage, no History: left out
]
FUNNEL_HISTORY = [
    [D(2026, 11, 10), "L-0007", "Lead L-0007", "Stage", "Contacted", "In discussion"],
    [D(2026, 11, 20), "L-0007", "Lead L-0007", "Stage", "In discussion", "Contacted"],
    [D(2026, 11, 10), "L-0008", "Lead L-0008", "Stage", "New", "Contacted"],
    [D(2026, 11, 11), "L-0008", "Lead L-0008", "Stage", "Contacted", None],
    [D(2026, 11, 10), "L-0001", "Lead L-0001", "Outcome", None, "Won"],  # not a Stage row: ignored
    [D(2026, 11, 10), "L-0999", "Gone", "Stage", "New", "In discussion"],  # no such lead: ignored
]


def test_funnel_reached_via_stage_or_history():
    funnel = figures(*FUNNEL_LEADS, history=FUNNEL_HISTORY).funnel
    assert funnel.leads == 8
    assert funnel.excluded == 2
    assert [(r.stage, r.reached, r.share_of_previous, r.share_of_all) for r in funnel.stages] == [
        ("New", 8, None, 1.0),
        ("Contacted", 5, 5 / 8, 5 / 8),
        ("In discussion", 2, 2 / 5, 2 / 8),
    ]


def test_funnel_without_history_counts_the_current_stage_only():
    funnel = figures(*FUNNEL_LEADS).funnel
    # L-0008 (blank Stage) is now left out too; L-0007 counts at Contacted only
    assert (funnel.leads, funnel.excluded) == (7, 3)
    assert [r.reached for r in funnel.stages] == [7, 4, 1]


def test_funnel_counts_closed_leads_at_their_last_stage():
    funnel = figures(
        at("L-0001", "In discussion", outcome="Won"),
        at("L-0002", "Contacted", outcome="Lost", loss_reason="Bad timing"),
        at("L-0003", "New", outcome="Passed", loss_reason="Scope"),
        at("L-0004", "New"),
    ).funnel
    assert [(r.reached, r.share_of_previous, r.share_of_all) for r in funnel.stages] == [
        (4, None, 1.0), (2, 2 / 4, 2 / 4), (1, 1 / 2, 1 / 4),
    ]


def test_funnel_stage_nobody_reached_gives_no_share_of_previous():
    funnel = figures(at("L-0001", "New"), at("L-0002", "New")).funnel
    assert [(r.reached, r.share_of_previous, r.share_of_all) for r in funnel.stages] == [
        (2, None, 1.0), (0, 0.0, 0.0), (0, None, 0.0),
    ]


def test_funnel_later_stage_of_the_advanced_model_reaches_every_earlier_stage():
    config = Config(model="advanced")
    funnel = figures(
        at("L-0001", "Proposal sent", first_contact=D(2026, 11, 2)),
        at("L-0002", "Meeting", first_contact=D(2026, 11, 2)),
        at("L-0003", "New"),
        at("L-0004", "Contacted", first_contact=D(2026, 12, 1)),
        config=config,
    ).funnel
    assert [(r.stage, r.reached) for r in funnel.stages] == [
        ("New", 4), ("Contacted", 3), ("In discussion", 2), ("Meeting", 2), ("Proposal sent", 1), ("Negotiation", 0),
    ]
    assert funnel.stages[3].share_of_previous == 1.0
    assert funnel.stages[4].share_of_all == 1 / 4
    assert funnel.stages[5].share_of_previous == 0.0


# --- cycle time -------------------------------------------------------------------------------------------------

def closed_after(name: str, outcome: str, days: int, **more: Any) -> dict[str, Any]:
    """A closed lead whose First contact is 2026-01-01 and Closed `days` later (2026 has no leap day)."""
    start = D(2026, 1, 1)
    reason = {"Lost": "Bad timing", "Passed": "Scope"}.get(outcome)
    return {"lead": name, "owner": "Ann", "stage": "In discussion", "outcome": outcome, "loss_reason": reason,
            "first_contact": start, "closed": D.fromordinal(start.toordinal() + days), **more}


def cycle_rows(cycle) -> dict[str, tuple]:
    return {r.group: (r.closed, r.median, r.mean, r.p90) for r in cycle.rows}


def test_cycle_time_overall_and_per_outcome():
    cycle = figures(
        closed_after("W1", "Won", 10), closed_after("W2", "Won", 20),
        closed_after("L1", "Lost", 5), closed_after("L2", "Lost", 7), closed_after("L3", "Lost", 30),
        closed_after("N1", "No response", 40),
        {"lead": "Open", "stage": "Contacted", "first_contact": D(2026, 1, 1)},
        {"lead": "Odd", "stage": "Contacted", "outcome": "Maybe", "first_contact": D(2026, 1, 1),
         "closed": D(2026, 3, 1)},
    ).cycle_time
    assert [r.group for r in cycle.rows] == ["All closed", "Won", "Lost", "No response", "Passed"]
    rows = cycle_rows(cycle)
    # all: 5 7 10 20 30 40 -> median (10 + 20) / 2, mean 112 / 6, nearest rank ceil(0.9 * 6) = 6th -> 40
    assert rows["All closed"] == (6, 15.0, 112 / 6, 40)
    assert rows["Won"] == (2, 15.0, 15.0, 20)  # rank ceil(1.8) = 2nd
    assert rows["Lost"] == (3, 7.0, 14.0, 30)  # rank ceil(2.7) = 3rd
    assert rows["No response"] == (1, 40.0, 40.0, 40)
    assert rows["Passed"] == (0, None, None, None)
    assert cycle.excluded == 0


def test_cycle_time_median_of_odd_count_and_p90_nearest_rank():
    cycle = figures(*(closed_after(f"L{d}", "Lost", d) for d in (9, 1, 5, 3, 100))).cycle_time
    assert cycle_rows(cycle)["All closed"] == (5, 5.0, 118 / 5, 100)  # rank ceil(4.5) = 5th


def test_cycle_time_p90_of_ten_is_the_ninth_value():
    cycle = figures(*(closed_after(f"W{d}", "Won", d) for d in range(1, 11))).cycle_time
    assert cycle_rows(cycle)["Won"] == (10, 5.5, 5.5, 9)


def test_cycle_time_p90_of_eleven_is_the_tenth_value():
    cycle = figures(*(closed_after(f"W{d}", "Won", d * 2) for d in range(1, 12))).cycle_time
    # 2 4 ... 22: median 12, mean 12, rank ceil(9.9) = 10th -> 20
    assert cycle_rows(cycle)["Won"] == (11, 12.0, 12.0, 20)


def test_cycle_time_leaves_out_closed_leads_with_missing_dates():
    cycle = figures(
        closed_after("Kept", "Lost", 12),
        # stage New: First contact is not stamped, so it stays missing
        {"lead": "NoFirst", "stage": "New", "outcome": "Lost", "loss_reason": "Bad timing", "closed": D(2026, 3, 1)},
        closed_after("BadClosed", "Won", 3, closed="soon"),  # Closed holds something that is not a date
        closed_after("Backwards", "No response", 0, closed=D(2025, 12, 1)),  # Closed before First contact
        {"lead": "Open", "stage": "New"},
    ).cycle_time
    rows = cycle_rows(cycle)
    assert rows["All closed"] == (1, 12.0, 12.0, 12)
    assert rows["Won"] == (0, None, None, None)
    assert cycle.excluded == 3


def test_cycle_time_of_a_lead_closed_today_with_stamps():
    # Contacted and closed this sync: First contact and Closed are both stamped today -> 0 days
    cycle = figures({"lead": "Quick", "stage": "Contacted", "outcome": "Passed", "loss_reason": "Scope"}).cycle_time
    assert cycle_rows(cycle)["Passed"] == (1, 0.0, 0.0, 0)


# --- per owner --------------------------------------------------------------------------------------------------

def test_per_owner_qualified_and_close_rate():
    facts = figures(
        at("L-0001", "In discussion", owner="Ann", outcome="Won"),
        at("L-0002", "In discussion", owner="Ann", outcome="Lost", loss_reason="Bad timing"),
        at("L-0003", "In discussion", owner="Ann", outcome="Passed", loss_reason="Scope"),  # not decided
        at("L-0004", "Contacted", owner="Ann", outcome="Won"),  # won, but never qualified
        at("L-0005", "Contacted", owner="Ann", outcome="No response"),  # qualified via History
        at("L-0006", "In discussion", owner="Ann", first_contact=D(2026, 11, 30)),  # qualified, open
        at("L-0007", "Contacted", owner="bob", first_contact=D(2026, 12, 1)),
        at("L-0008", "New", owner="bob"),
        at("L-0009", "In discussion", owner="Zed", outcome="Won"),
        at("L-0010", "In discussion", owner=None, outcome="Passed", loss_reason="Budget"),
        history=[[D(2026, 11, 2), "L-0005", "Lead L-0005", "Stage", "In discussion", "Contacted"]],
    )
    rows = [(r.owner, r.leads, r.qualified, r.won, r.qualified_decided, r.close_rate) for r in facts.by_owner]
    assert rows == [
        ("Ann", 6, 5, 2, 3, 1 / 3),
        ("bob", 2, 0, 0, 0, None),
        ("Zed", 1, 1, 1, 1, 1.0),
        ("(none)", 1, 1, 0, 0, None),
    ]


# --- health and the follow-up queue -----------------------------------------------------------------------------

def waiting(name: str, last_contact: date, sent: int, **more: Any) -> dict[str, Any]:
    return {"lead": name, "contact": f"{name} contact", "owner": "Ann", "source": "Referral", "stage": "Contacted",
            "first_contact": more.pop("first_contact", last_contact), "last_contact": last_contact,
            "follow_ups": sent, **more}


HEALTH_LEADS = [
    waiting("Soon", D(2026, 12, 3), 1),  # 12-03 + 7 = 12-10: in 6 days
    waiting("Due today", D(2026, 12, 1), 0),  # 12-01 + 3 = 12-04
    waiting("Edge seven", D(2026, 12, 4), 1),  # 12-04 + 7 = 12-11: today + 7, still in
    waiting("Overdue short", D(2026, 11, 25), 1, first_contact=D(2026, 11, 20)),  # 11-25 + 7 = 12-02: 2 days
    waiting("Edge eight", D(2026, 11, 28), 2),  # 11-28 + 14 = 12-12: today + 8, left out
    waiting("Overdue long", D(2026, 11, 20), 0),  # 11-20 + 3 = 11-23: 11 days
    waiting("Replied", D(2026, 11, 1), 0, last_reply=D(2026, 11, 2)),  # their move: no follow-up
    waiting("Stale", D(2026, 10, 20), 3, first_contact=D(2026, 10, 1)),  # 3 sent, silent 64 days
    waiting("Lost old", D(2026, 11, 1), 0, outcome="Lost", loss_reason="Bad timing", closed=D(2026, 11, 10)),
    {"lead": "Bad source", "owner": "Ann", "source": "Carrier pigeon", "stage": "New"},  # an error
    {"lead": "Nowhere", "owner": "Ann", "source": "Referral"},  # open with a blank Stage: a warning
]


def test_health_counts():
    health = figures(*HEALTH_LEADS).health
    assert (health.leads, health.open) == (11, 10)
    assert health.due_today == 1
    assert health.overdue == 2
    assert health.stale == 1
    assert health.rows_with_errors == 1
    assert health.rows_with_warnings == 2  # the stale lead's flag and the blank Stage


def test_follow_up_queue_most_overdue_first_then_the_next_seven_days():
    queue = figures(*HEALTH_LEADS).follow_ups
    assert [(f.lead, f.due, f.days_overdue, f.follow_ups_sent) for f in queue] == [
        ("Overdue long", D(2026, 11, 23), 11, 0),
        ("Overdue short", D(2026, 12, 2), 2, 1),
        ("Due today", D(2026, 12, 4), 0, 0),
        ("Soon", D(2026, 12, 10), 0, 1),
        ("Edge seven", D(2026, 12, 11), 0, 1),
    ]
    first = queue[0]
    assert (first.contact, first.owner, first.stage) == ("Overdue long contact", "Ann", "Contacted")


def test_follow_up_queue_same_day_in_lead_order_and_the_follow_ups_tab():
    result = figures(waiting("beta", D(2026, 11, 30), 0), waiting("Alpha", D(2026, 11, 30), 0),
                     waiting("Later", D(2026, 12, 4), 0))
    assert [(f.lead, f.days_overdue) for f in result.follow_ups] == [("Alpha", 1), ("beta", 1), ("Later", 0)]
    grid, _ = follow_ups_tab(result)
    assert grid[0] == ["ID", "Lead", "Contact", "Owner", "Stage", "Due", "Days overdue", "Follow-ups sent"]
    assert [row[1:] for row in grid[1:]] == [
        ["Alpha", "Alpha contact", "Ann", "Contacted", D(2026, 12, 3), 1, 0],
        ["beta", "beta contact", "Ann", "Contacted", D(2026, 12, 3), 1, 0],
        ["Later", "Later contact", "Ann", "Contacted", D(2026, 12, 7), 0, 0],
    ]


def test_follow_up_queue_leaves_out_closed_and_invalid_outcome_leads():
    queue = figures(
        waiting("Open", D(2026, 11, 30), 0),
        waiting("Won", D(2026, 11, 30), 0, outcome="Won", stage="In discussion"),
        waiting("Passed", D(2026, 11, 30), 0, outcome="Passed", loss_reason="Scope"),
        waiting("Odd", D(2026, 11, 30), 0, outcome="Maybe"),
    ).follow_ups
    assert [f.lead for f in queue] == ["Open"]


def test_health_counts_only_open_leads_for_due_and_overdue():
    health = figures(
        waiting("Open overdue", D(2026, 11, 20), 0),
        waiting("Won", D(2026, 11, 20), 0, outcome="Won", stage="In discussion"),
    ).health
    assert (health.leads, health.open, health.due_today, health.overdue) == (2, 1, 0, 1)


def test_health_after_auto_close_counts_the_lead_as_closed_not_stale():
    # auto_close_stale: this sync closes the stale lead as No response. The figures are those of the sheet as the
    # sync leaves it, so the Summary this sync writes must be what the next sync computes from the same sheet;
    # else the Summary says "1 stale" of 0 open leads, and the next sync rewrites it with nothing new.
    config = Config(auto_close_stale=True)
    stale = waiting("Stale", D(2026, 10, 20), 3, first_contact=D(2026, 10, 1))
    health = figures(stale, config=config).health
    assert health.open == 0
    assert health.stale == 0
    backend = memory_pipeline(stale, config=config)
    sync(backend, config, TODAY)
    assert not sync(backend, config, TODAY).changed


# --- an empty pipeline and zero denominators --------------------------------------------------------------------

def test_empty_pipeline_gives_zeros_and_no_rates():
    result = figures()
    total = result.by_source[-1]
    assert counts(total) == (0, 0, 0, 0, 0, 0, 0)
    assert all(r.win_rate is None and r.conversion is None for r in result.by_source)
    assert result.loss_reasons.total_lost == 0
    assert all(r.share is None for r in result.loss_reasons.reasons)
    assert result.loss_reasons.quarters == []
    assert all(t.share_this_quarter is None and t.share_last_quarter is None for t in result.loss_reasons.trend)
    assert (result.funnel.leads, result.funnel.excluded) == (0, 0)
    assert all(r.reached == 0 and r.share_of_previous is None and r.share_of_all is None
               for r in result.funnel.stages)
    assert all((r.closed, r.median, r.mean, r.p90) == (0, None, None, None) for r in result.cycle_time.rows)
    assert result.cycle_time.excluded == 0
    assert result.by_owner == []
    h = result.health
    assert (h.leads, h.open, h.due_today, h.overdue, h.stale, h.rows_with_errors, h.rows_with_warnings) == (
        0, 0, 0, 0, 0, 0, 0)
    assert result.follow_ups == []


def test_empty_pipeline_renders_everywhere_with_dashes():
    result = figures()
    for fmt in ("table", "markdown", "json", "csv"):
        assert render(result, fmt)
    grid, _ = summary_tab(result, "Summary", None)
    total = next(row for row in grid if row and row[0] == "Total")
    assert total[1:] == [0, 0, 0, 0, 0, 0, 0, DASH, DASH]
    assert not any(isinstance(v, float) for row in grid for v in row)  # no 0 % anywhere


def test_summary_shows_a_dash_not_zero_percent_for_a_zero_denominator():
    grid, _ = summary_tab(figures(*SOURCE_LEADS), "Summary", None)
    upwork = next(row for row in grid if row and row[0] == "Upwork")
    assert upwork[8:10] == [DASH, 0.0]  # win rate: nothing decided; conversion: 0 of 2
    referral = next(row for row in grid if row and row[0] == "Referral")
    assert referral[8:10] == [1 / 3, 1 / 5]


def test_sections_show_the_same_figures_as_the_tables():
    result = figures(*SOURCE_LEADS)
    section = next(s for s in sections(result) if s.key == "by_source")
    assert section.rows[-1] == ["Total", 11, 3, 3, 2, 1, 1, 1, 3 / 6, 3 / 11]


# --- --since / --until ------------------------------------------------------------------------------------------

DATED = [
    {"id": "L-0001", "lead": "Oct", "source": "Referral", "stage": "New", "created": D(2026, 10, 1)},
    {"id": "L-0002", "lead": "Nov 1", "source": "Referral", "stage": "In discussion", "outcome": "Won",
     "created": D(2026, 11, 1)},
    {"id": "L-0003", "lead": "Nov 15", "source": "Upwork", "stage": "Contacted", "outcome": "Lost",
     "loss_reason": "Bad timing", "created": D(2026, 11, 15)},
    {"id": "L-0004", "lead": "Dec", "source": "Upwork", "stage": "New", "created": D(2026, 12, 1)},
    {"id": "L-0005", "lead": "Undated", "source": "Upwork", "stage": "New"},
]


def test_since_and_until_keep_leads_created_in_the_range_inclusive():
    result = figures(*DATED, since=D(2026, 11, 1), until=D(2026, 11, 15))
    assert result.excluded_by_date == 3
    total = result.by_source[-1]
    assert counts(total) == (2, 0, 1, 1, 0, 0, 0)
    assert total.win_rate == 0.5
    assert result.health.leads == 2
    assert result.loss_reasons.total_lost == 1
    assert [r.reached for r in result.funnel.stages] == [2, 2, 1]


def test_since_alone():
    result = figures(*DATED, since=D(2026, 11, 15))
    assert result.excluded_by_date == 3
    assert result.by_source[-1].leads == 2
    assert result.by_source[-1].won == 0
    assert result.by_source[-1].conversion == 0.0


def test_until_alone():
    result = figures(*DATED, until=D(2026, 11, 1))
    assert result.excluded_by_date == 3
    assert counts(result.by_source[-1]) == (2, 1, 1, 0, 0, 0, 0)


def test_no_range_keeps_every_lead_even_undated():
    result = figures(*DATED)
    assert result.excluded_by_date == 0
    assert result.by_source[-1].leads == 5


def test_a_range_with_no_lead_gives_no_rates():
    result = figures(*DATED, since=D(2025, 1, 1), until=D(2025, 12, 31))
    assert result.excluded_by_date == 5
    total = result.by_source[-1]
    assert total.leads == 0
    assert (total.win_rate, total.conversion) == (None, None)
    assert result.funnel.stages[0].share_of_all is None


def test_a_new_row_is_created_today_for_the_range():
    # no ID and no Created: this sync stamps both, Created = today, so the figures see it as created today
    result = figures({"lead": "Fresh", "source": "Referral", "stage": "New"}, since=TODAY, until=TODAY)
    assert result.excluded_by_date == 0
    assert result.by_source[-1].leads == 1


def test_insights_of_a_backend_match_compute_and_write_nothing():
    backend = memory_pipeline(*SOURCE_LEADS)
    before = backend.writes
    result = insights(backend, Config(), TODAY)
    assert backend.writes == before
    assert counts(result.by_source[-1]) == (11, 3, 3, 2, 1, 1, 1)
    assert result.health.updated is None
