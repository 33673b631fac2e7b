"""The figures of the Summary tab and the follow-up queue, as pure functions over checked leads.

Definitions (the README repeats them): closed = an outcome is set; decided = Won, Lost or No response (Passed is
left out: we chose not to pursue it); open = no outcome. Win rate = Won / decided; conversion = Won / all leads.
A zero denominator gives None (shown "—" in the sheet, null in JSON). Reached stage S = the lead's Stage is S or
later, or History shows it at S or later. Qualified = reached the qualified stage (In discussion). Cycle time =
days from First contact to Closed for closed leads with both dates valid.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from .lists import PipelineLists
from .model import Grid, Lead
from .rules import Derived
from .text import key
from .vocabulary import vocabulary

NONE_LABEL = "(none)"
INVALID_LABEL = "(invalid)"
MISSING_LABEL = "(missing)"
TOTAL_LABEL = "Total"
ALL_CLOSED_LABEL = "All closed"
UPCOMING_DAYS = 7
OUTCOME_ROLES = ("won", "lost", "no_response", "passed")
DECIDED_ROLES = frozenset({"won", "lost", "no_response"})


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(slots=True)  # not frozen: a frozen dataclass pays a setattr per field, 100,000 times over
class LeadFacts:
    """One lead as the figures see it: after today's stamps and auto-close, as the sheet will hold it."""

    id: str
    lead: str
    contact: str
    owner: str
    source: str  # a list label, NONE_LABEL or INVALID_LABEL
    stage_index: int | None  # in the model's order; None when blank or invalid
    stage_label: str
    outcome: str | None  # a role (won, lost, ...), None when open, "invalid" for a value not in the list
    loss_reason: str | None  # label, MISSING_LABEL or INVALID_LABEL, for Lost leads only
    created: date | None
    first_contact: date | None
    closed: date | None
    reached: int | None  # the furthest stage index reached, History included
    next_follow_up: date | None
    follow_ups: int
    stale: bool
    errors: int
    warnings: int


def stage_reached_in_history(history: Grid | None, lists: PipelineLists) -> dict[str, int]:
    """The furthest stage index each lead ID reached according to the History tab."""
    furthest: dict[str, int] = {}
    if not history:
        return furthest
    stage_headers = {key(x) for x in vocabulary().all_labels("columns", "stage")}
    for row in history[1:]:
        cells = list(row) + [None] * (6 - len(row))
        identifier, column, before, after = cells[1], cells[3], cells[4], cells[5]
        if identifier is None or not isinstance(column, str) or key(column) not in stage_headers:
            continue
        for value in (before, after):
            term = lists.stages.find(str(value)) if value is not None else None
            if term is not None:
                index = lists.stage_index(term)
                ident = str(identifier)
                furthest[ident] = max(furthest.get(ident, index), index)
    return furthest


def lead_facts(leads: Sequence[Lead], derived: Sequence[Derived], ids: Sequence[str], lists: PipelineLists,
               history_reached: dict[str, int]) -> list[LeadFacts]:
    facts = []
    for lead, d, identifier in zip(leads, derived, ids, strict=True):
        if lead.source is not None:
            source = lead.source.label
        else:
            source = INVALID_LABEL if lead.has("source") else NONE_LABEL
        stage_index = lists.stage_index(lead.stage) if lead.stage is not None else None
        if d.outcome is not None:
            outcome: str | None = d.outcome.role
        else:
            outcome = "invalid" if lead.has("outcome") else None
        reason = None
        if outcome == "lost":
            if lead.loss_reason is not None:
                reason = lead.loss_reason.label
            else:
                reason = INVALID_LABEL if lead.has("loss_reason") else MISSING_LABEL
        reached = stage_index
        in_history = history_reached.get(identifier)
        if in_history is not None and (reached is None or in_history > reached):
            reached = in_history
        errors = warnings = 0
        for finding in lead.findings:
            if finding.severity == "error":
                errors += 1
            elif finding.severity == "warning":
                warnings += 1
        stage_label = lead.stage.label if lead.stage else lead.text("stage")
        stale = d.stale and not d.auto_closed  # an auto-closed lead is no longer stale
        # In field order, not by keyword: a class called with keywords pays for a dict, once per lead
        facts.append(LeadFacts(identifier, lead.lead, lead.text("contact"), lead.owner, source, stage_index,
                               stage_label, outcome, reason, d.created, d.first_contact, d.closed, reached,
                               d.next_follow_up, lead.follow_ups, stale, errors, warnings))
    return facts


# --- the tables ---------------------------------------------------------------------------------------------------

@dataclass
class SourceRow:
    source: str
    leads: int = 0
    open: int = 0
    won: int = 0
    lost: int = 0
    no_response: int = 0
    passed: int = 0
    invalid_outcome: int = 0
    win_rate: float | None = None
    conversion: float | None = None

    def add(self, outcome: str | None, leads: int = 1) -> None:
        self.leads += leads
        if outcome is None:
            self.open += leads
        elif outcome == "invalid":
            self.invalid_outcome += leads
        else:
            setattr(self, outcome, getattr(self, outcome) + leads)

    def finish(self) -> SourceRow:
        self.win_rate = ratio(self.won, self.won + self.lost + self.no_response)
        self.conversion = ratio(self.won, self.leads)
        return self


def by_source(facts: Iterable[LeadFacts], lists: PipelineLists) -> list[SourceRow]:
    """Per source in the list's order, then (none) and (invalid) when they occur, then a total row."""
    rows = {label: SourceRow(label) for label in lists.sources.labels()}
    total = SourceRow(TOTAL_LABEL)
    # counted first: a handful of (source, outcome) pairs, however many leads
    for (source, outcome), leads in Counter((f.source, f.outcome) for f in facts).items():
        if source not in rows:
            rows[source] = SourceRow(source)
        rows[source].add(outcome, leads)
        total.add(outcome, leads)
    ordered = [r for label, r in rows.items() if label not in (NONE_LABEL, INVALID_LABEL)]
    ordered += [rows[label] for label in (NONE_LABEL, INVALID_LABEL) if label in rows]
    return [r.finish() for r in ordered] + [total.finish()]


@lru_cache(maxsize=4096)  # thousands of leads close on the same few hundred days
def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarters_between(first: date | None, last: date | None) -> list[str]:
    """Every quarter from the one holding `first` to the one holding `last`: a quarter without losses is a
    column of zeros, not a gap."""
    if first is None or last is None:
        return []
    quarters = []
    year, quarter = first.year, (first.month - 1) // 3
    while (year, quarter) <= (last.year, (last.month - 1) // 3):
        quarters.append(f"{year}-Q{quarter + 1}")
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
    return quarters


def previous_quarter(day: date) -> str:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return quarter_of(first - timedelta(days=1))


@dataclass
class ReasonRow:
    reason: str
    count: int
    share: float | None


@dataclass
class ReasonTrend:
    reason: str
    this_quarter: int
    last_quarter: int
    share_this_quarter: float | None
    share_last_quarter: float | None
    direction: str  # "up", "down" or "same", by count


@dataclass
class LossReasons:
    reasons: list[ReasonRow]
    total_lost: int
    quarters: list[str]  # columns of by_quarter, oldest first
    by_quarter: dict[str, dict[str, int]]  # reason -> quarter -> count
    lost_without_closed_date: int
    this_quarter: str
    last_quarter: str
    trend: list[ReasonTrend]


def loss_reasons(facts: Iterable[LeadFacts], lists: PipelineLists, today: date) -> LossReasons:
    lost = [f for f in facts if f.outcome == "lost"]
    counts = Counter(f.loss_reason or MISSING_LABEL for f in lost)
    order = lists.loss_reasons.labels() + [MISSING_LABEL, INVALID_LABEL]
    reasons = [ReasonRow(r, counts[r], ratio(counts[r], len(lost))) for r in order if r in counts or
               r in lists.loss_reasons.labels()]
    dated = [f for f in lost if f.closed is not None]
    quarters = quarters_between(min((f.closed for f in dated if f.closed), default=None),
                                max((f.closed for f in dated if f.closed), default=None))
    this_q, last_q = quarter_of(today), previous_quarter(today)
    by_quarter: dict[str, dict[str, int]] = defaultdict(dict)
    per_quarter = Counter((f.loss_reason or MISSING_LABEL, quarter_of(f.closed)) for f in dated if f.closed)
    for reason in (r.reason for r in reasons):
        by_quarter[reason] = {q: per_quarter[(reason, q)] for q in quarters}
    total_this = sum(n for (_, q), n in per_quarter.items() if q == this_q)
    total_last = sum(n for (_, q), n in per_quarter.items() if q == last_q)
    trend = []
    for row in reasons:
        now, before = per_quarter[(row.reason, this_q)], per_quarter[(row.reason, last_q)]
        direction = "up" if now > before else "down" if now < before else "same"
        trend.append(ReasonTrend(row.reason, now, before, ratio(now, total_this), ratio(before, total_last),
                                 direction))
    return LossReasons(reasons=reasons, total_lost=len(lost), quarters=quarters, by_quarter=dict(by_quarter),
                       lost_without_closed_date=len(lost) - len(dated), this_quarter=this_q, last_quarter=last_q,
                       trend=trend)


@dataclass
class FunnelRow:
    stage: str
    reached: int
    share_of_previous: float | None
    share_of_all: float | None


@dataclass
class Funnel:
    stages: list[FunnelRow]
    leads: int  # leads with a known stage (the funnel's 100 %)
    excluded: int  # leads whose stage is blank or invalid and absent from History


def funnel(facts: Iterable[LeadFacts], lists: PipelineLists) -> Funnel:
    facts = list(facts)
    known = [f.reached for f in facts if f.reached is not None]
    leads_at = Counter(known)  # furthest stage index -> leads
    rows: list[FunnelRow] = []
    previous: int | None = None
    for index, label in enumerate(lists.stages.labels()):
        reached = sum(n for r, n in leads_at.items() if r >= index)
        rows.append(FunnelRow(label, reached, ratio(reached, previous) if previous is not None else None,
                              ratio(reached, len(known))))
        previous = reached
    return Funnel(stages=rows, leads=len(known), excluded=len(facts) - len(known))


@dataclass
class CycleStats:
    group: str
    closed: int  # closed leads with both dates valid
    median: float | None
    mean: float | None
    p90: int | None


@dataclass
class CycleTime:
    rows: list[CycleStats]  # overall first, then per outcome
    excluded: int  # closed leads left out: First contact or Closed missing, or Closed before First contact


def _stats(group: str, days: list[int]) -> CycleStats:
    if not days:
        return CycleStats(group, 0, None, None, None)
    ordered = sorted(days)
    n = len(ordered)
    middle = n // 2
    median = float(ordered[middle]) if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    p90 = ordered[math.ceil(0.9 * n) - 1]  # nearest rank
    return CycleStats(group, n, median, sum(ordered) / n, p90)


def cycle_time(facts: Iterable[LeadFacts], lists: PipelineLists) -> CycleTime:
    closed = [f for f in facts if f.outcome is not None and f.outcome != "invalid"]
    usable = [f for f in closed if f.first_contact and f.closed and f.closed >= f.first_contact]
    days_by_outcome: dict[str, list[int]] = defaultdict(list)
    for f in usable:
        days_by_outcome[f.outcome].append((f.closed - f.first_contact).days)  # type: ignore[operator]
    rows = [_stats(ALL_CLOSED_LABEL, [n for days in days_by_outcome.values() for n in days])]
    for role in OUTCOME_ROLES:
        rows.append(_stats(lists.outcome(role).label, days_by_outcome.get(role, [])))
    return CycleTime(rows=rows, excluded=len(closed) - len(usable))


@dataclass
class OwnerRow:
    owner: str
    leads: int
    qualified: int
    won: int
    qualified_decided: int
    close_rate: float | None  # Won among qualified / qualified and decided


def by_owner(facts: Iterable[LeadFacts], lists: PipelineLists) -> list[OwnerRow]:
    groups: dict[str, list[LeadFacts]] = defaultdict(list)
    for fact in facts:
        groups[fact.owner or NONE_LABEL].append(fact)
    rows = []
    for owner in sorted(groups, key=lambda o: (o == NONE_LABEL, o.casefold())):
        group = groups[owner]
        qualified = [f for f in group if f.reached is not None and f.reached >= lists.qualified_index]
        decided = [f for f in qualified if f.outcome in DECIDED_ROLES]
        won_qualified = sum(1 for f in decided if f.outcome == "won")
        rows.append(OwnerRow(owner, len(group), len(qualified), sum(1 for f in group if f.outcome == "won"),
                             len(decided), ratio(won_qualified, len(decided))))
    return rows


@dataclass
class Health:
    leads: int
    open: int
    due_today: int
    overdue: int
    stale: int
    rows_with_errors: int
    rows_with_warnings: int
    updated: datetime | None = None


def health(facts: Iterable[LeadFacts], today: date, updated: datetime | None = None) -> Health:
    facts = list(facts)
    open_leads = [f for f in facts if f.outcome is None]
    return Health(
        leads=len(facts),
        open=len(open_leads),
        due_today=sum(1 for f in open_leads if f.next_follow_up == today),
        overdue=sum(1 for f in open_leads if f.next_follow_up is not None and f.next_follow_up < today),
        stale=sum(1 for f in facts if f.stale),
        rows_with_errors=sum(1 for f in facts if f.errors),
        rows_with_warnings=sum(1 for f in facts if f.warnings),
        updated=updated,
    )


@dataclass
class FollowUp:
    id: str
    lead: str
    contact: str
    owner: str
    stage: str
    due: date
    days_overdue: int
    follow_ups_sent: int


def follow_up_queue(facts: Iterable[LeadFacts], today: date, upcoming_days: int = UPCOMING_DAYS) -> list[FollowUp]:
    """Due today or earlier (most overdue first), then due within `upcoming_days`."""
    horizon = today + timedelta(days=upcoming_days)
    queue = [
        FollowUp(f.id, f.lead, f.contact, f.owner, f.stage_label, f.next_follow_up,
                 max(0, (today - f.next_follow_up).days), f.follow_ups)
        for f in facts
        if f.outcome is None and f.next_follow_up is not None and f.next_follow_up <= horizon
    ]
    queue.sort(key=lambda item: (item.due, item.lead.casefold()))
    return queue


@dataclass
class Insights:
    by_source: list[SourceRow]
    loss_reasons: LossReasons
    funnel: Funnel
    cycle_time: CycleTime
    by_owner: list[OwnerRow]
    health: Health
    follow_ups: list[FollowUp]
    excluded_by_date: int = 0  # leads left out by --since/--until
    notes: list[str] = field(default_factory=list)
    qualified_stage: str = "In discussion"  # the stage a lead is qualified at, as the Lists tab names it
    language: str = "en"  # of the pipeline: the words of the tables that show these figures

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        return {k: data[k] for k in ("by_source", "loss_reasons", "funnel", "cycle_time", "by_owner", "health",
                                     "follow_ups")}


def compute(facts: Sequence[LeadFacts], lists: PipelineLists, today: date, updated: datetime | None = None,
            since: date | None = None, until: date | None = None, language: str = "en") -> Insights:
    """Every table from the same leads. `since`/`until` keep the leads created in that range."""
    kept = list(facts)
    excluded = 0
    if since is not None or until is not None:
        kept = [f for f in facts if f.created is not None and (since is None or f.created >= since)
                and (until is None or f.created <= until)]
        excluded = len(facts) - len(kept)
    return Insights(
        by_source=by_source(kept, lists),
        loss_reasons=loss_reasons(kept, lists, today),
        funnel=funnel(kept, lists),
        cycle_time=cycle_time(kept, lists),
        by_owner=by_owner(kept, lists),
        health=health(kept, today, updated),
        follow_ups=follow_up_queue(kept, today),
        excluded_by_date=excluded,
        qualified_stage=lists.stages.terms[lists.qualified_index].label,
        language=language,
    )

