"""One sync: read -> parse -> rules -> a plan of changes -> write. `plan_sync` is pure; `sync` adds the I/O."""

from __future__ import annotations

import functools
import gc
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import zip_longest
from typing import Any, ParamSpec, TypeVar

from .backends.base import Backend, CellChange, Plan, Snapshot
from .config import Config
from .dates import from_serial
from .errors import ChangedDuringSync, SheetError, TransientWriteError
from .insight_tabs import follow_ups_tab, summary_tab, updated_value, with_updated
from .insights import Insights, LeadFacts, compute, lead_facts, stage_reached_in_history
from .layout import (
    HISTORY_HEADERS,
    STATE_TAB,
    State,
    dropdowns_for,
    find_tab,
    lists_grid,
    lists_lengths,
    read_lists_tab,
    read_state,
    sheet_language,
    state_grid,
    tab_name,
)
from .lists import PipelineLists, build_lists, lint_lists
from .looks import pipeline_formats
from .model import CellValue, Finding, Grid, Lead, ParsedSheet, parse_pipeline
from .rules import (
    Derived,
    check_duplicates,
    check_lead,
    derive,
    format_id,
    next_id_number,
)
from .text import key

SYNC_ATTEMPTS = 3
MAX_CELL_TEXT = 32_000  # a cell holds 32,767 characters in Excel and 50,000 in Google Sheets
ERROR_MARK = "✖"
WARNING_MARK = "⚠"


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _no_cycle_collection(plan: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `plan` with the garbage collector's cycle detection paused. Planning a big sheet builds hundreds of
    thousands of objects that all live until the plan is done and form no reference cycles, on top of a snapshot
    as big: each full collection would walk them all again for nothing (a quarter of the run at 100,000 leads).
    Reference counting still frees everything as usual; cycle detection resumes as it was afterwards."""

    @functools.wraps(plan)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return plan(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


@dataclass
class Checked:
    """A parsed and checked pipeline, and what the rules derive for each lead: everything but the diff."""

    lists: PipelineLists
    sheet: ParsedSheet
    sheet_findings: list[Finding]
    tab_names: dict[str, str]
    state: State
    derived: list[Derived]  # one per lead, same order
    new_ids: list[str | None]  # the ID each lead gets this sync (None: it has one)
    next_id: int  # the number after the last one handed out
    duplicate_ids: set[str] = field(default_factory=set)  # IDs (casefolded) that several leads share

    @property
    def leads(self) -> list[Lead]:
        return self.sheet.leads

    def findings(self) -> list[Finding]:
        rows = [f for lead in self.leads for f in lead.findings]
        return self.sheet_findings + rows

    def lead_id(self, i: int) -> str:
        return self.leads[i].id or self.new_ids[i] or ""

    def lead_ids(self) -> list[str]:
        """Every lead's ID once this sync is written, in order: `lead_id` for all of them at once."""
        return [lead.id or new_id or "" for lead, new_id in zip(self.leads, self.new_ids, strict=True)]


@dataclass
class SyncResult:
    plan: Plan
    checked: Checked
    counts: Counter[str] = field(default_factory=Counter)
    written: bool = False
    attempts: int = 1

    @property
    def changed(self) -> bool:
        return not self.plan.is_empty()


def in_sheet_language(config: Config, snapshot: Snapshot) -> Config:
    """`config`, in the language of the sheet's tab names and headers when the config does not name one: a
    workbook made with `init --lang fr` keeps its French lists, reads its dates day first and gets its Summary
    in French."""
    if "language" in config.model_fields_set:
        return config
    found = sheet_language(snapshot.tabs)
    if found is None or found == config.language:
        return config
    return config.model_copy(update={"language": found})


@_no_cycle_collection
def check_snapshot(snapshot: Snapshot, config: Config, today: date) -> Checked:
    """Find the tabs, resolve the lists, parse the Pipeline tab, run every rule and derive each lead's stamps,
    follow-up date and staleness."""
    config = in_sheet_language(config, snapshot)
    names = list(snapshot.tabs)
    pipeline = find_tab(names, "pipeline")
    if pipeline is None:
        raise SheetError(f"no Pipeline tab (tabs found: {', '.join(names) or 'none'}); run `sheets-pipeline init`")
    tab_names = {"pipeline": pipeline}
    for role in ("lists", "summary", "follow_ups", "history"):
        tab_names[role] = find_tab(names, role) or tab_name(role, config.language)
    lists_tab = snapshot.tabs.get(tab_names["lists"])
    lists = build_lists(config, read_lists_tab(lists_tab) if lists_tab else None)
    sheet_findings = [Finding(None, None, "warning", message) for message in lint_lists(lists)]
    parsed = parse_pipeline(snapshot.tabs[pipeline], lists, config.effective_date_order, config.language)
    state = read_state(snapshot.tabs.get(STATE_TAB))
    # The sheet's IDs and the remembered ones are nearly all the same: each counted once
    ids_in_use = {lead.id for lead in parsed.leads}.union(state.leads)
    number = next_id_number(ids_in_use, config.id_prefix, state.next_id)
    new_ids: list[str | None] = []
    derived: list[Derived] = []
    for lead in parsed.leads:
        new_id = None
        if not lead.id:
            new_id = format_id(config.id_prefix, number)
            number += 1
        new_ids.append(new_id)
        result = derive(lead, lists, config, today, new_id)
        derived.append(result)
        # The rules judge the lead as it will be once this sync is written, so that the next sync, which reads
        # those stamps, finds the same problems and rewrites no flag.
        if result.stamps or result.auto_closed:  # most leads have nothing stamped
            lead.apply(result.stamps, result.outcome if result.auto_closed else None)
        check_lead(lead, lists, today)
    duplicates = check_duplicates(parsed.leads, config.language)
    return Checked(lists=lists, sheet=parsed, sheet_findings=sheet_findings, tab_names=tab_names, state=state,
                   derived=derived, new_ids=new_ids, next_id=number, duplicate_ids=duplicates)


def format_flags(lead: Lead, columns_label) -> str:  # noqa: ANN001 - a label lookup
    if not lead.findings:  # most leads
        return ""
    parts = []
    for severity, mark in (("error", ERROR_MARK), ("warning", WARNING_MARK)):
        for finding in lead.findings:
            if finding.severity == severity:
                where = f"{columns_label(finding.field)}: " if finding.field else ""
                parts.append(f"{mark} {where}{finding.message}")
    text = "; ".join(parts)
    return text if len(text) <= MAX_CELL_TEXT else text[: MAX_CELL_TEXT - 1] + "…"


def _same(old: CellValue, new: str | date | None, dates_as_serials: bool) -> bool:
    if new is None or new == "":
        return old is None or (isinstance(old, str) and not old.strip())
    if isinstance(new, date):
        if isinstance(old, datetime):
            return old.date() == new and old.time() == datetime.min.time()
        if isinstance(old, date):
            return old == new
        if dates_as_serials and isinstance(old, (int, float)) and not isinstance(old, bool):
            return from_serial(old) == new
        return False
    return isinstance(old, str) and old == new


def _covered(found: frozenset[Any], wanted: frozenset[Any], identity: Callable[[Any], tuple]) -> bool:
    """The dropdowns (or formats) found are the ones wanted, each on at least the wanted rows. A row a person
    inserts inside their range makes Google (and Excel) stretch them by a row: still intact, nothing to write."""
    spans = {identity(item): (item.first_row, item.last_row) for item in found}
    if len(spans) != len(found) or set(spans) != {identity(item) for item in wanted}:
        return False
    return all(spans[identity(w)][0] <= w.first_row and spans[identity(w)][1] >= w.last_row for w in wanted)


def _normalized(grid: Grid | None) -> Iterator[tuple[CellValue, ...]]:
    """The rows as a workbook gives them back, one by one: blank text and the blank cells that end a row read as
    nothing, a date time at midnight as a date."""
    for row in grid or []:
        cells = [None if (isinstance(v, str) and not v) else v for v in row]
        cells = [v.date() if isinstance(v, datetime) and v.time() == datetime.min.time() else v for v in cells]
        # a workbook stores 15 significant digits: compare figures at that precision
        cells = [float(f"{v:.12g}") if isinstance(v, float) else v for v in cells]
        while cells and cells[-1] is None:
            cells.pop()
        yield tuple(cells)


def _same_content(grid: Grid | None, other: Grid | None) -> bool:
    """Whether two grids hold the same once read back; blank rows at the end do not count. Row by row, so a
    changed tab (thousands of follow-ups, each a day more overdue) is told apart at its first difference."""
    rows = zip_longest(_normalized(grid), _normalized(other), fillvalue=())
    return all(mine == theirs for mine, theirs in rows)


def facts_of(checked: Checked, snapshot: Snapshot, new_history: Grid = ()) -> list[LeadFacts]:
    """The leads as the figures see them, History included (with the rows this sync appends)."""
    history = list(snapshot.tabs.get(checked.tab_names["history"]) or [[]]) + list(new_history)
    reached = stage_reached_in_history(history, checked.lists)
    return lead_facts(checked.leads, checked.derived, checked.lead_ids(), checked.lists, reached)


def _plan_insight_tabs(plan: Plan, snapshot: Snapshot, checked: Checked, today: date, now: datetime) -> None:
    """Regenerate Summary and Follow-ups (in the pipeline's language) when their content changes. The Summary's
    time of update alone does not count as a change, so a sync with nothing new writes nothing."""
    appended = plan.history or plan.tabs.get(plan.history_tab, [[]])[1:]
    insights = compute(facts_of(checked, snapshot, appended), checked.lists, today, language=checked.lists.language)
    summary = checked.tab_names["summary"]
    previous = updated_value(snapshot.tabs.get(summary))
    kept_time = previous if isinstance(previous, (date, datetime)) else None
    grid, look = summary_tab(insights, summary, kept_time)  # type: ignore[arg-type]
    if not _same_content(grid, snapshot.tabs.get(summary)):
        plan.tabs[summary], plan.looks[summary] = with_updated(grid, now), look
    follow_ups = checked.tab_names["follow_ups"]
    grid, look = follow_ups_tab(insights)
    if not _same_content(grid, snapshot.tabs.get(follow_ups)):
        plan.tabs[follow_ups], plan.looks[follow_ups] = grid, look


@_no_cycle_collection
def plan_sync(snapshot: Snapshot, config: Config, today: date, now: datetime | None = None) -> SyncResult:
    """The whole sync decided from one snapshot: pure, so dry-run, tests and every backend share it."""
    checked = check_snapshot(snapshot, config, today)
    lists, sheet, state = checked.lists, checked.sheet, checked.state
    language = lists.language  # the config's, else the sheet's (see in_sheet_language)
    columns = sheet.columns
    dupes = checked.duplicate_ids
    plan = Plan(pipeline_tab=checked.tab_names["pipeline"], history_tab=checked.tab_names["history"],
                lists_tab=checked.tab_names["lists"], history_headers=HISTORY_HEADERS[language],
                header_row=columns.header_row, id_column=columns.index.get("id"),
                lead_column=columns.index.get("lead"))
    counts: Counter[str] = Counter()
    new_state: dict[str, tuple[str, str]] = {}

    index = columns.index
    flags_column = index.get("flags")

    def change(lead: Lead, name: str, new: str | date | None, lead_id: str) -> None:
        column = index.get(name)
        if column is None:
            return
        old = lead.cells[column]
        if old is None and new is None:  # a blank cell that stays blank, as most flags do
            return
        if not _same(old, new, snapshot.dates_as_serials):
            plan.cells.append(CellChange(lead.row, column, name, lead_id, old, new))
            counts[name] += 1

    for lead, derived, lead_id in zip(sheet.leads, checked.derived, checked.lead_ids(), strict=True):
        if derived.auto_closed:
            change(lead, "outcome", derived.outcome.label if derived.outcome else None, lead_id)
            counts["auto_closed"] += 1
        elif derived.stale:
            counts["stale"] += 1
        for name, value in derived.stamps.items():
            change(lead, name, value, lead_id)
        change(lead, "next_follow_up", derived.next_follow_up, lead_id)
        # Most leads have no finding and a blank Flags cell: nothing to write, nothing to compare
        if lead.findings or (flags_column is not None and lead.cells[flags_column] is not None):
            change(lead, "flags", format_flags(lead, columns.label) or None, lead_id)

        stage_text = lead.stage.label if lead.stage else lead.text("stage")
        outcome_text = derived.outcome.label if derived.outcome else lead.text("outcome")
        if lead_id and (not dupes or lead_id.casefold() not in dupes):  # no duplicate ID, as usual: no casefold
            remembered = (stage_text, outcome_text)
            before = state.leads.get(lead_id)
            if before is not None and before != remembered:  # most leads did not move
                for label, old, new in (("stage", before[0], stage_text), ("outcome", before[1], outcome_text)):
                    if key(old) != key(new):
                        plan.history.append([today, lead_id, lead.lead or None, columns.label(label),
                                             old or None, new or None])
                        counts["history"] += 1
            new_state[lead_id] = remembered

    if plan.history_tab not in snapshot.tabs:  # a workbook that `init` did not make: start its History
        plan.tabs[plan.history_tab] = [list(plan.history_headers), *plan.history]
        plan.history = []
    desired_state = State(new_state, checked.next_id)
    if STATE_TAB not in snapshot.tabs or desired_state != state:
        plan.tabs[STATE_TAB] = state_grid(desired_state, previous=state)
        plan.hidden_tabs = frozenset({STATE_TAB})
    desired_lists = lists_grid(lists, language)
    if not _same_content(desired_lists, snapshot.tabs.get(plan.lists_tab)):
        plan.tabs[plan.lists_tab] = desired_lists
        counts["lists"] += 1
    last_row = max((lead.row for lead in sheet.leads), default=columns.header_row)
    wanted = dropdowns_for(columns.index, columns.header_row, last_row, lists_lengths(desired_lists))
    if not _covered(snapshot.dropdowns, wanted, lambda d: (d.column, d.lists_column, d.length)):
        plan.dropdowns = wanted
        counts["dropdowns"] += 1
    extent = max(d.last_row for d in wanted) if wanted else last_row
    formats = pipeline_formats(columns.index, columns.header_row + 1, extent, columns.width, language)
    if not _covered(snapshot.pipeline_formats, formats, lambda f: (f.kind, f.key_column, f.last_column, f.marker)):
        plan.pipeline_formats = formats
    _plan_insight_tabs(plan, snapshot, checked, today, now or datetime.combine(today, time()))
    return SyncResult(plan=plan, checked=checked, counts=counts)


def sync(backend: Backend, config: Config, today: date, dry_run: bool = False, now: datetime | None = None,
         attempts: int = SYNC_ATTEMPTS) -> SyncResult:
    """Read, plan, write. When people moved rows or edited a target cell meanwhile, or a write failed without
    saying whether it was applied, read again and plan anew: the plan of a fully applied write is empty."""
    for attempt in range(attempts):
        snapshot = backend.read()
        result = plan_sync(snapshot, config, today, now)
        if dry_run or not result.changed:
            return result
        try:
            backend.write(snapshot, result.plan)
        except (ChangedDuringSync, TransientWriteError):
            if attempt + 1 >= attempts:
                raise
            pause = getattr(backend, "pause", None)
            if pause is not None:
                pause(attempt)
            continue
        result.written = True
        result.attempts = attempt + 1
        return result
    raise AssertionError("unreachable")


def validate(backend: Backend, config: Config, today: date) -> Checked:
    return check_snapshot(backend.read(), config, today)


def insights(backend: Backend, config: Config, today: date, since: date | None = None,
             until: date | None = None) -> Insights:
    """The Summary's figures, computed as a sync would, without writing anything."""
    snapshot = backend.read()
    checked = check_snapshot(snapshot, config, today)
    last = updated_value(snapshot.tabs.get(checked.tab_names["summary"]))
    if isinstance(last, date) and not isinstance(last, datetime):
        last = datetime.combine(last, time())  # a sync at midnight reads back as a date
    return compute(facts_of(checked, snapshot), checked.lists, today, last if isinstance(last, datetime) else None,
                   since=since, until=until, language=checked.lists.language)
