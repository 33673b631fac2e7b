"""One sync: read -> parse -> rules -> a plan of changes -> write. `plan_sync` is pure; `sync` adds the I/O."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from .backends.base import Backend, CellChange, Plan, Snapshot
from .config import Config
from .dates import from_serial
from .errors import SheetError
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
    state_grid,
    tab_name,
)
from .lists import PipelineLists, build_lists, lint_lists
from .model import CellValue, Finding, Grid, Lead, ParsedSheet, parse_pipeline
from .rules import (
    STALE_FLAG_NO_RESPONSE,
    check_duplicates,
    check_lead,
    duplicate_ids,
    format_id,
    is_stale,
    next_follow_up,
    next_id_number,
    stamps_for,
)
from .text import key

ERROR_MARK = "✖"
WARNING_MARK = "⚠"


@dataclass
class Checked:
    """A parsed and checked pipeline: what `validate` and `report` need, with no plan."""

    lists: PipelineLists
    sheet: ParsedSheet
    sheet_findings: list[Finding]
    tab_names: dict[str, str]

    @property
    def leads(self) -> list[Lead]:
        return self.sheet.leads

    def findings(self) -> list[Finding]:
        rows = [f for lead in self.leads for f in lead.findings]
        return self.sheet_findings + rows


@dataclass
class SyncResult:
    plan: Plan
    checked: Checked
    counts: Counter[str] = field(default_factory=Counter)
    written: bool = False

    @property
    def changed(self) -> bool:
        return not self.plan.is_empty()


def check_snapshot(snapshot: Snapshot, config: Config, today: date) -> Checked:
    """Find the tabs, resolve the lists, parse the Pipeline tab and run every rule."""
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
    for lead in parsed.leads:
        check_lead(lead, lists, today)
    check_duplicates(parsed.leads)
    return Checked(lists=lists, sheet=parsed, sheet_findings=sheet_findings, tab_names=tab_names)


def format_flags(lead: Lead, columns_label) -> str:  # noqa: ANN001 - a label lookup
    parts = []
    for severity, mark in (("error", ERROR_MARK), ("warning", WARNING_MARK)):
        for finding in lead.findings:
            if finding.severity == severity:
                where = f"{columns_label(finding.field)}: " if finding.field else ""
                parts.append(f"{mark} {where}{finding.message}")
    return "; ".join(parts)


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


def _normalized(grid: Grid | None) -> list[tuple[CellValue, ...]]:
    rows: list[tuple[CellValue, ...]] = []
    for row in grid or []:
        cells = [None if (isinstance(v, str) and not v) else v for v in row]
        cells = [v.date() if isinstance(v, datetime) and v.time() == datetime.min.time() else v for v in cells]
        while cells and cells[-1] is None:
            cells.pop()
        rows.append(tuple(cells))
    while rows and not rows[-1]:
        rows.pop()
    return rows


def plan_sync(snapshot: Snapshot, config: Config, today: date) -> SyncResult:
    """The whole sync decided from one snapshot: pure, so dry-run, tests and every backend share it."""
    checked = check_snapshot(snapshot, config, today)
    lists, sheet = checked.lists, checked.sheet
    columns = sheet.columns
    state = read_state(snapshot.tabs.get(STATE_TAB))
    dupes = duplicate_ids(sheet.leads)
    number = next_id_number([lead.id for lead in sheet.leads] + list(state.leads), config.id_prefix, state.next_id)
    no_response = lists.outcome("no_response")
    plan = Plan(pipeline_tab=checked.tab_names["pipeline"], history_tab=checked.tab_names["history"],
                lists_tab=checked.tab_names["lists"], history_headers=HISTORY_HEADERS[config.language])
    counts: Counter[str] = Counter()
    new_state: dict[str, tuple[str, str]] = {}

    def change(lead: Lead, name: str, new: str | date | None, lead_id: str) -> None:
        if name not in columns.index:
            return
        old = lead.raw.get(name)
        if not _same(old, new, snapshot.dates_as_serials):
            plan.cells.append(CellChange(lead.row, columns.index[name], name, lead_id, old, new))
            counts[name] += 1

    for lead in sheet.leads:
        new_id = None
        if not lead.text("id"):
            new_id = format_id(config.id_prefix, number)
            number += 1
        stamps = stamps_for(lead, lists, today, new_id)
        lead_id = lead.id or new_id or ""
        first_contact = stamps.get("first_contact") or lead.date("first_contact")
        assert first_contact is None or isinstance(first_contact, date)
        outcome_text = lead.outcome.label if lead.outcome else lead.text("outcome")
        follow_up: date | None = None
        if is_stale(lead, lists, config, today, first_contact):
            if config.auto_close_stale:
                change(lead, "outcome", no_response.label, lead_id)
                outcome_text = no_response.label
                if not lead.text("closed"):
                    stamps["closed"] = today
                counts["auto_closed"] += 1
            else:
                lead.flag(None, "warning", STALE_FLAG_NO_RESPONSE.format(label=no_response.label))
                counts["stale"] += 1
        else:
            follow_up = next_follow_up(lead, lists, config, first_contact)
        for name, value in stamps.items():
            change(lead, name, value, lead_id)
        change(lead, "next_follow_up", follow_up, lead_id)
        change(lead, "flags", format_flags(lead, columns.label) or None, lead_id)

        stage_text = lead.stage.label if lead.stage else lead.text("stage")
        if lead_id and lead_id.casefold() not in dupes:
            before = state.leads.get(lead_id)
            if before is not None:
                for label, old, new in (("stage", before[0], stage_text), ("outcome", before[1], outcome_text)):
                    if key(old) != key(new):
                        plan.history.append([today, lead_id, lead.lead or None, columns.label(label),
                                             old or None, new or None])
                        counts["history"] += 1
            new_state[lead_id] = (stage_text, outcome_text)

    if plan.history_tab not in snapshot.tabs:  # a workbook that `init` did not make: start its History
        plan.tabs[plan.history_tab] = [list(plan.history_headers), *plan.history]
        plan.history = []
    desired_state = state_grid(State(new_state, number))
    if _normalized(desired_state) != _normalized(snapshot.tabs.get(STATE_TAB)):
        plan.tabs[STATE_TAB] = desired_state
        plan.hidden_tabs = frozenset({STATE_TAB})
    desired_lists = lists_grid(lists, config.language)
    if _normalized(desired_lists) != _normalized(snapshot.tabs.get(plan.lists_tab)):
        plan.tabs[plan.lists_tab] = desired_lists
        counts["lists"] += 1
    last_row = max((lead.row for lead in sheet.leads), default=columns.header_row)
    wanted = dropdowns_for(columns.index, columns.header_row, last_row, lists_lengths(desired_lists))
    if wanted != snapshot.dropdowns:
        plan.dropdowns = wanted
        counts["dropdowns"] += 1
    return SyncResult(plan=plan, checked=checked, counts=counts)


def sync(backend: Backend, config: Config, today: date, dry_run: bool = False) -> SyncResult:
    snapshot = backend.read()
    result = plan_sync(snapshot, config, today)
    if not dry_run and result.changed:
        backend.write(snapshot, result.plan)
        result.written = True
    return result


def validate(backend: Backend, config: Config, today: date) -> Checked:
    return check_snapshot(backend.read(), config, today)
