"""Fault soak: many syncs, each hit by a fault while a person edits the sheet, and checks that nothing is lost.

    python bench/soak.py --google 1000 --xlsx 200 --seed 1 --write-doc docs/reliability.md

Google Sheets (against the Sheets API emulator, through the real gspread path): each run starts from a pipeline
synced the day before plus a day of people's edits. During the sync, a fault hits a random request (429, 500,
503, a timeout or a reset connection, before or after the request was applied, sometimes several in a row) and a
person edits the sheet between requests (cells, new rows, deleted rows, a sort). A second spreadsheet, the
shadow, receives the same edits and nothing from the worker: it is what the sheet would be without this sync.
After the sync, independent checks compare the sheet with the shadow and with plans computed from what the
worker read; then a sync without faults must leave nothing more to do.

.xlsx: a sync of a workbook runs in a child process that is killed (SIGKILL, no clean-up) either at a chosen
I/O step of the save or after a random delay over the whole sync. The workbook must then be the old one or the
new one, load with openpyxl, and a following sync must complete.

Every run is reproducible alone: `--google-run N` or `--xlsx-run N` with the same seed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import signal
import stat
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, Self

if __package__ in (None, ""):  # run as a script: make `bench` importable from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gspread
from openpyxl import load_workbook

from bench.dataset import TODAY, YESTERDAY, raw_leads
from bench.document import machine
from sheets_pipeline.backends.base import Plan, Snapshot
from sheets_pipeline.backends.google_auth import google_client
from sheets_pipeline.backends.gsheets import GSheetsBackend
from sheets_pipeline.backends.gsheets_stream import read_spreadsheet
from sheets_pipeline.backends.retry import RetryPolicy
from sheets_pipeline.backends.xlsx import XlsxBackend
from sheets_pipeline.config import Config, GoogleSettings
from sheets_pipeline.errors import PipelineError
from sheets_pipeline.layout import STATE_TAB, pipeline_headers, read_state
from sheets_pipeline.lists import build_lists
from sheets_pipeline.model import FIELDS, CellValue, Grid
from sheets_pipeline.new_sheet import new_spreadsheet
from sheets_pipeline.sync import plan_sync, sync
from sheets_pipeline.testing.emulator import SheetsEmulator

COL = {name: i for i, name in enumerate(FIELDS)}
HEADERS = pipeline_headers("en")
PIPELINE, HISTORY = "Pipeline", "History"
NOW = datetime.combine(TODAY, clock_time(9, 0))
# Cells the worker may write in Pipeline: stamps (only when blank) and the two columns it owns.
STAMP_FIELDS = ("id", "created", "first_contact", "closed")
OWNED_FIELDS = ("next_follow_up", "flags")
WORKER_FIELDS = STAMP_FIELDS + OWNED_FIELDS
SIZES = (20, 35, 50, 80)  # leads per pipeline; each size is built once and copied for every run

FAULT_KINDS = ("429", "500", "503", "timeout", "reset")
EDIT_RATE = 0.3  # chance that a person edits the sheet just before a given request
CELL_EDITS = ("stage", "notes", "last_contact", "follow_ups", "lead", "outcome")
# Sort keys the worker never writes: the sheet and its shadow then sort the same way.
SORT_FIELDS = ("lead", "stage", "source", "owner")
# Seconds. A request to the emulator takes 0.01 to 0.3 s, more on a busy machine: runs whose fault is a timeout
# use a short client timeout, the others a long one, so that no other request times out by accident.
CLIENT_TIMEOUT = 1.0
TIMEOUT_HOLD = CLIENT_TIMEOUT + 0.2  # how long the emulator holds a request that times out
PATIENT_TIMEOUT = 60.0
SETTLE_SECONDS = 10.0


def letter(field_name: str) -> str:
    return chr(ord("A") + COL[field_name])


def blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def same(a: CellValue, b: CellValue) -> bool:
    """Two cell values as the reader returns them (dates as dates) are the same value."""
    if blank(a) or blank(b):
        return blank(a) and blank(b)
    if isinstance(a, datetime) and a.time() == clock_time():
        a = a.date()
    if isinstance(b, datetime) and b.time() == clock_time():
        b = b.date()
    numbers = [isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)]
    if all(numbers):
        return abs(a - b) < 1e-9  # type: ignore[operator]
    return a == b


def cell(grid: Grid, row: int, column: int) -> CellValue:
    """1-based row, 0-based column; missing cells are blank."""
    cells = grid[row - 1] if 0 < row <= len(grid) else []
    return cells[column] if column < len(cells) else None


def last_row(grid: Grid) -> int:
    rows = len(grid)
    while rows > 1 and all(blank(v) for v in grid[rows - 1]):
        rows -= 1
    return rows


def normal(grid: Grid | None) -> list[tuple[CellValue, ...]]:
    """A tab's values for comparison: blanks as None, midnight datetimes as dates, no trailing blanks."""
    rows: list[tuple[CellValue, ...]] = []
    for row in grid or []:
        cells = [None if blank(v) else v for v in row]
        cells = [v.date() if isinstance(v, datetime) and v.time() == clock_time() else v for v in cells]
        cells = [round(v, 9) if isinstance(v, float) else v for v in cells]
        while cells and cells[-1] is None:
            cells.pop()
        rows.append(tuple(cells))
    while rows and not rows[-1]:
        rows.pop()
    return rows


# --- the invariants ----------------------------------------------------------------------------------------------

# What each check guards, as reported: a run's problems are counted per invariant.
LOST, WRONG_ROW, IDS, DUPLICATED, NOT_SYNCED, CONVERGE, REFERENCE, CRASH = (
    "a person's edit lost", "written into a wrong row", "IDs unique, none changed", "History not duplicated",
    "untouched or fully synced", "converges", "same as without faults", "no unhandled exception")
INVARIANTS = (LOST, WRONG_ROW, IDS, DUPLICATED, NOT_SYNCED, CONVERGE, REFERENCE, CRASH)


@dataclass(frozen=True)
class Problem:
    invariant: str  # one of INVARIANTS
    text: str

    def __str__(self) -> str:
        return f"[{self.invariant}] {self.text}"


Planned = dict[tuple[str, str], list[CellValue]]  # (lead, field) -> values some plan of this sync wrote there


@dataclass
class Observed:
    """What one sync did, seen from outside: the input of the checks, which never look at the worker's code."""

    before: dict[str, Grid]  # every tab before the sync
    shadow: Grid  # Pipeline as people left it: their edits, none of this sync's writes
    final: dict[str, Grid]  # every tab after the sync
    planned: Planned  # what planning each read of the sync gives, per lead and worker cell
    identity: dict[str, str] = field(default_factory=dict)  # a renamed lead's name -> its first name
    late: set[str] = field(default_factory=set)  # leads people changed after the sync's last read
    late_structure: bool = False  # rows inserted, deleted or sorted after that read
    leftover: Plan | None = None  # a fresh plan on the final sheet

    def who(self, name: CellValue) -> str:
        text = "" if name is None else str(name)
        return self.identity.get(text, text)


def plan_cells(tabs: dict[str, Grid], config: Config) -> Planned:
    """The worker cells a plan of these tabs writes, keyed by the lead's name."""
    planned: Planned = defaultdict(list)
    plan = plan_sync(Snapshot(tabs=tabs), config, TODAY, NOW).plan
    pipeline = tabs[plan.pipeline_tab]
    for change in plan.cells:
        name = cell(pipeline, change.row, COL["lead"])
        planned[("" if name is None else str(name), change.field)].append(change.new)
    return planned


def people_cells_kept(obs: Observed) -> list[Problem]:
    """Every row still holds its lead and every value people typed; a stamp never overwrote a filled cell."""
    problems = []
    final, shadow = obs.final[PIPELINE], obs.shadow
    for row in range(2, max(last_row(final), last_row(shadow)) + 1):
        width = max(len(grid[row - 1]) if row <= len(grid) else 0 for grid in (final, shadow))
        for column in range(width):
            name = FIELDS[column] if column < len(FIELDS) else f"column {column + 1}"
            mine, theirs = cell(final, row, column), cell(shadow, row, column)
            if name in OWNED_FIELDS or (name in STAMP_FIELDS and blank(theirs)):
                continue
            if not same(mine, theirs):
                invariant = IDS if name == "id" else LOST  # an ID is the worker's stamp, then the lead's name
                problems.append(Problem(invariant, f"row {row} ({cell(shadow, row, COL['lead'])}): {name} is "
                                                   f"{mine!r}, people left {theirs!r}"))
    return problems


def worker_cells_planned(obs: Observed) -> list[Problem]:
    """Every cell the worker wrote holds what planning that very lead gave: nothing went into a wrong row."""
    problems = []
    final, shadow = obs.final[PIPELINE], obs.shadow
    for row in range(2, last_row(final) + 1):
        lead = obs.who(cell(final, row, COL["lead"]))
        for name in WORKER_FIELDS:
            mine, theirs = cell(final, row, COL[name]), cell(shadow, row, COL[name])
            if same(mine, theirs) or (name in STAMP_FIELDS and not blank(theirs)):
                continue  # untouched, or an overwrite that people_cells_kept reports
            if not any(same(mine, value) for value in obs.planned.get((lead, name), [])):
                problems.append(Problem(WRONG_ROW, f"row {row} ({lead}): {name} = {mine!r}, planned for no read "
                                                   "of this lead"))
    return problems


def ids_unique_and_fresh(obs: Observed) -> list[Problem]:
    before_ids = {str(v) for row in obs.before[PIPELINE][1:] for v in row[:1] if not blank(v)}
    before_ids |= set(read_state(obs.before.get(STATE_TAB)).leads)
    seen: dict[str, int] = {}
    problems = []
    for row in range(2, last_row(obs.final[PIPELINE]) + 1):
        value = cell(obs.final[PIPELINE], row, COL["id"])
        if blank(value):
            continue
        if str(value) in seen:
            problems.append(Problem(IDS, f"ID {value} on rows {seen[str(value)]} and {row}"))
        seen[str(value)] = row
        if blank(cell(obs.shadow, row, COL["id"])) and str(value) in before_ids:
            problems.append(Problem(IDS, f"row {row}: new ID {value} was already in use before the sync"))
    return problems


def history_chained(before: dict[str, Grid], final: dict[str, Grid]) -> list[Problem]:
    """History is only appended to, and each lead's appended rows chain from the stage and outcome the worker
    last saw (a write applied twice would repeat a change: from A to B, then from A to B again). A lead that got
    its ID meanwhile is not in the state read before: its first row starts the chain."""
    old, new = normal(before.get(HISTORY)), normal(final.get(HISTORY))
    if new[: len(old)] != old:
        return [Problem(DUPLICATED, "rows that were there before the sync changed")]
    state = read_state(before.get(STATE_TAB)).leads
    current: dict[tuple[str, str], str] = {}
    problems = []
    labels = {HEADERS[COL["stage"]]: 0, HEADERS[COL["outcome"]]: 1}
    for row in new[len(old):]:
        cells = list(row) + [None] * (6 - len(row))
        lead_id, column, was, now = str(cells[1]), str(cells[3]), cells[4], cells[5]
        if column not in labels:
            problems.append(Problem(DUPLICATED, f"a row that is not a stage or outcome change: {row}"))
            continue
        expected = current.get((lead_id, column))
        if expected is None and lead_id in state:
            expected = state[lead_id][labels[column]]
        if expected is not None and ("" if was is None else str(was)) != expected:
            problems.append(Problem(DUPLICATED, f"{lead_id} {column} from {was!r}, but it was {expected!r}"))
        current[(lead_id, column)] = "" if now is None else str(now)
    return problems


def untouched(obs: Observed) -> bool:
    if normal(obs.final[PIPELINE]) != normal(obs.shadow):
        return False
    return all(normal(obs.final.get(t)) == normal(grid) for t, grid in obs.before.items() if t != PIPELINE)


def fully_synced(obs: Observed) -> list[Problem]:
    """Nothing is left to write but what people changed after the sync's last read. Rows moved after it may
    change any lead's flags: they name other rows by number ('same email as row 26')."""
    plan = obs.leftover
    assert plan is not None
    pipeline = obs.final[plan.pipeline_tab]
    problems = []
    for change in plan.cells:
        lead = obs.who(cell(pipeline, change.row, COL["lead"]))
        if lead not in obs.late and not (obs.late_structure and change.field == "flags"):
            problems.append(Problem(NOT_SYNCED, f"row {change.row} ({lead}): {change.field} still to write "
                                                f"({change.new!r})"))
    for row in plan.history:
        if obs.who(row[2]) not in obs.late:
            problems.append(Problem(NOT_SYNCED, f"History row still to append: {row}"))
    if not (obs.late or obs.late_structure) and plan.tabs:
        problems.append(Problem(NOT_SYNCED, f"tabs still to write: {', '.join(sorted(plan.tabs))}"))
    if not obs.late_structure and (plan.dropdowns is not None or plan.pipeline_formats is not None):
        problems.append(Problem(NOT_SYNCED, "dropdowns or conditional formats still to write"))
    return problems


def check_sync(obs: Observed) -> tuple[str, list[Problem]]:
    """('untouched' | 'synced', problems) for the sheet as one sync left it."""
    problems = people_cells_kept(obs) + worker_cells_planned(obs) + ids_unique_and_fresh(obs)
    problems += history_chained(obs.before, obs.final)
    if untouched(obs):
        return "untouched", problems
    return "synced", problems + fully_synced(obs)


# --- Google: the world around one sync ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Fault:
    kind: str  # one of FAULT_KINDS
    position: int  # the first request it hits (0: the sync's first request)
    burst: int  # how many requests in a row it hits
    applied: bool  # timeout / reset: the request is carried out before the connection is lost

    def label(self) -> str:
        when = (" after applying" if self.applied else " before applying") if self.kind in ("timeout", "reset") else ""
        return f"{self.kind}{when} at request {self.position + 1}" + (f" x{self.burst}" if self.burst > 1 else "")


def draw_fault(rng: random.Random) -> Fault:
    kind = rng.choice(FAULT_KINDS)
    roll = rng.random()
    # mostly one failed request; sometimes a few; sometimes more than the retries allow (the sync gives up)
    burst = 1 if roll < 0.75 else rng.randint(2, 3) if roll < 0.9 else rng.randint(6, 7)
    return Fault(kind, rng.randrange(3), burst, rng.random() < 0.5)


@dataclass
class Edit:
    request: int  # made just before this request of the sync (0-based)
    kind: str  # cell, insert, delete, sort
    row: int
    what: str  # the field typed, the lead inserted or deleted, the sort key
    lead: str  # the lead's identity (its name before any rename)

    def label(self) -> str:
        return f"before request {self.request + 1}: {self.kind} {self.what} row {self.row} ({self.lead})"


# The cell members the worker's read asks for: read_spreadsheet then types them exactly as the worker sees them.
TABS_FIELDS = ("sheets(properties(title),data(startRow,startColumn,rowData(values(userEnteredValue,effectiveValue,"
               "userEnteredFormat(numberFormat(type))))))")


def tabs_of(emu: SheetsEmulator, key: str) -> dict[str, Grid]:
    """Every tab as the worker's reader sees it, taken straight from the emulator's service: no request is sent,
    so no fault or person is triggered."""
    with emu.service.lock:
        reply = emu.service.spreadsheets_get(key, {"includeGridData": ["true"], "fields": [TABS_FIELDS]})
    return {sheet.properties["title"]: sheet.grid for sheet in read_spreadsheet([json.dumps(reply.body).encode()])}


class Person:
    """Someone working in the sheet during the sync. Every edit goes to the sheet and to its shadow alike."""

    def __init__(self, emu: SheetsEmulator, keys: tuple[str, str], rng: random.Random, config: Config) -> None:
        self.emu, self.keys, self.rng = emu, keys, rng
        lists = build_lists(config)
        self.stages = lists.stages.labels()
        self.outcomes = [term.label for term in lists.outcomes]
        self.sources = lists.sources.labels()
        self.identity: dict[str, str] = {}
        self.edits: list[Edit] = []
        self.counter = 0

    def rows(self) -> Grid:
        return self.emu.values(self.keys[1], PIPELINE)

    def who(self, name: Any) -> str:
        return self.identity.get(str(name), str(name))

    def act(self, request: int) -> None:
        grid = self.rows()
        leads = [r for r in range(2, len(grid) + 1) if not blank(cell(grid, r, COL["lead"]))]
        roll = self.rng.random()
        if roll < 0.1 or not leads:
            self._insert(request, grid)
        elif roll < 0.2 and len(leads) > 1:
            self._delete(request, grid, self.rng.choice(leads))
        elif roll < 0.3:
            self._sort(request)
        else:
            self._type(request, grid, self.rng.choice(leads))

    def _everywhere(self, action: Callable[[str], None]) -> None:
        for key in self.keys:
            action(key)

    def _type(self, request: int, grid: Grid, row: int) -> None:
        name = self.rng.choice(CELL_EDITS)
        lead = self.who(cell(grid, row, COL["lead"]))
        self.counter += 1
        value: Any
        if name == "stage":
            value = self.rng.choice([*self.stages, "Contactd"])
        elif name == "notes":
            value = f"called back ({self.counter})"
        elif name == "last_contact":
            value = (TODAY - timedelta(days=self.rng.randint(0, 20))).isoformat()
        elif name == "follow_ups":
            value = self.rng.randint(0, 4)
        elif name == "outcome":
            value = self.rng.choice(self.outcomes)
        else:
            value = f"{cell(grid, row, COL['lead'])} ~{self.counter}"
            self.identity[value] = lead
        self._everywhere(lambda key: self.emu.set_values(key, PIPELINE, f"{letter(name)}{row}", [[value]]))
        self.edits.append(Edit(request, "cell", row, name, lead))

    def _insert(self, request: int, grid: Grid) -> None:
        row = self.rng.randint(2, max(2, last_row(grid) + 1))
        self.counter += 1
        name = f"Walk-in lead {self.counter}"
        typed = [[name, "Sam Walker", f"sam{self.counter}@walk-in.example", self.rng.choice(self.sources), "Alice",
                  self.stages[0]]]

        def insert(key: str) -> None:
            self.emu.insert_rows(key, PIPELINE, row, 1)
            self.emu.set_values(key, PIPELINE, f"{letter('lead')}{row}", typed)

        self._everywhere(insert)
        self.edits.append(Edit(request, "insert", row, name, name))

    def _delete(self, request: int, grid: Grid, row: int) -> None:
        lead = self.who(cell(grid, row, COL["lead"]))
        self._everywhere(lambda key: self.emu.delete_rows(key, PIPELINE, row, 1))
        self.edits.append(Edit(request, "delete", row, lead, lead))

    def _sort(self, request: int) -> None:
        name = self.rng.choice(SORT_FIELDS)
        ascending = self.rng.random() < 0.5
        self._everywhere(lambda key: self.emu.sort_rows(key, PIPELINE, COL[name] + 1, ascending=ascending))
        self.edits.append(Edit(request, "sort", 0, f"by {name}", ""))


class Actor:
    """The emulator's before_request callback: the network's fault and the person, request by request."""

    def __init__(self, emu: SheetsEmulator, fault: Fault, person: Person, rng: random.Random) -> None:
        self.emu, self.fault, self.person, self.rng = emu, fault, person, rng
        self.endpoints: list[str] = []
        self.hit: list[int] = []
        self.arrived = 0  # requests that reached the emulator, some perhaps still waiting in _wait_for

    def __call__(self, n: int, endpoint: str, method: str, path: str) -> None:
        arrived = time.monotonic()
        self.arrived = max(self.arrived, n + 1)
        self._wait_for(n)  # a timed-out request is still being handled: keep requests in order
        self.endpoints.append(endpoint)
        if self.rng.random() < EDIT_RATE:
            self.person.act(n)
        if self.fault.position <= n < self.fault.position + self.fault.burst:
            self.hit.append(n)
            self._inject(arrived)

    def _inject(self, arrived: float) -> None:
        """Arm the fault for the request being handled."""
        kind = self.fault.kind
        if kind in ("429", "500", "503"):
            self.emu.fail_next(status=int(kind), count=1)
            return
        if kind == "timeout":
            # counted from the request's arrival: the wait for the previous one must not delay the next ones
            time.sleep(max(0.0, arrived + TIMEOUT_HOLD - time.monotonic()))
        if self.fault.applied:
            self.emu.drop_after_next(count=1)
        else:
            self.emu.drop_next(count=1)

    def _wait_for(self, handled: int) -> None:
        deadline = time.monotonic() + SETTLE_SECONDS
        while len(self.emu.requests) < handled and time.monotonic() < deadline:
            time.sleep(0.002)

    def settle(self) -> None:
        """Wait until every request that reached the emulator is handled: after a timeout the client has moved
        on while the emulator still holds the request."""
        self._wait_for(self.arrived)


class WatchedBackend(GSheetsBackend):
    """The backend under test, unchanged, noting each snapshot it hands to the sync and the request that answered
    it: the reads the worker planned from, and not those it never received (a reset, a timeout)."""

    def __init__(self, client: gspread.Client, key: str, emu: SheetsEmulator) -> None:
        super().__init__(client, key)
        self.emu = emu
        self.seen: list[tuple[int, dict[str, Grid]]] = []

    def read(self) -> Snapshot:
        snapshot = super().read()
        # requests go one at a time and each waits for the previous one: the last handled request answered this read
        answered = len(self.emu.requests) - 1
        self.seen.append((answered, copy.deepcopy(snapshot.tabs)))
        return snapshot


class _ServiceReads:
    """Stands in for gspread's HTTP client in the soak's own reads: the emulator's service answers in-process,
    so no request is sent, and no fault or person is triggered."""

    def __init__(self, emu: SheetsEmulator) -> None:
        self.http_client = self
        self.emu = emu

    def get_streamed(self, endpoint: str, params: dict[str, str], decode: Callable[[Iterator[bytes]], Any]) -> Any:
        key = endpoint.rstrip("/").rsplit("/", 1)[-1]
        query = {name: [str(value)] for name, value in params.items()}
        with self.emu.service.lock:
            body = self.emu.service.spreadsheets_get(key, query).body
        return decode(iter([json.dumps(body).encode()]))


class GoogleWorld:
    """One emulator for the whole soak, a template spreadsheet per pipeline size, and clean clients."""

    def __init__(self) -> None:
        self.emu = SheetsEmulator().start()
        self.config = Config(google=GoogleSettings(api_endpoint=self.emu.url, requests_per_minute=1_000_000,
                                                   timeout=PATIENT_TIMEOUT))
        self.policy = RetryPolicy(sleep=lambda _: None, jitter=lambda: 0.5)
        self.client: gspread.Client = google_client(self.config.google, self.policy)
        self.templates: dict[int, str] = {}

    def close(self) -> None:
        self.emu.stop()

    def read(self, key: str) -> Snapshot:
        """The sheet as the worker's reader sees it, without a request."""
        return GSheetsBackend(_ServiceReads(self.emu), key).read()  # type: ignore[arg-type]

    def backend(self, key: str) -> GSheetsBackend:
        return GSheetsBackend(self.client, key)

    def watched(self, key: str, policy: RetryPolicy, timeout: float) -> WatchedBackend:
        settings = self.config.google.model_copy(update={"timeout": timeout})
        return WatchedBackend(google_client(settings, policy), key, self.emu)

    def template(self, size: int) -> str:
        """A pipeline of `size` leads as yesterday's sync left it."""
        if size not in self.templates:
            backend = GSheetsBackend(self.client)
            backend.create(new_spreadsheet(self.config, YESTERDAY))
            assert backend.key is not None
            rows = [["" if v is None else v for v in row] for row in raw_leads(size, self.config)]
            self.emu.set_values(backend.key, PIPELINE, "A2", rows)
            sync(backend, self.config, YESTERDAY, now=datetime.combine(YESTERDAY, clock_time(9, 0)))
            self.templates[size] = backend.key
        return self.templates[size]

    def copy(self, key: str) -> str:
        return self.client.copy(key, copy_permissions=False, copy_comments=False).id

    def delete(self, *keys: str) -> None:
        for key in keys:
            self.client.del_spreadsheet(key)


def day_of_work(emu: SheetsEmulator, key: str, rng: random.Random, config: Config) -> None:
    """Yesterday's sheet after a day of people's work: leads moved on, follow-ups sent, deals closed, new leads."""
    lists = build_lists(config)
    stages = lists.stages.labels()
    grid = emu.values(key, PIPELINE)
    rows = [r for r in range(2, len(grid) + 1) if blank(cell(grid, r, COL["outcome"]))]
    for row in rng.sample(rows, max(2, len(rows) // 8)):
        kind = rng.random()
        if kind < 0.4:  # a follow-up sent today
            sent = int(cell(grid, row, COL["follow_ups"]) or 0) + 1
            emu.set_values(key, PIPELINE, f"{letter('last_contact')}{row}", [[TODAY.isoformat(), sent]])
            if cell(grid, row, COL["stage"]) == stages[0]:
                emu.set_values(key, PIPELINE, f"{letter('stage')}{row}", [[stages[1]]])
        elif kind < 0.7:  # they answered
            emu.set_values(key, PIPELINE, f"{letter('stage')}{row}", [[stages[2]]])
            emu.set_values(key, PIPELINE, f"{letter('last_reply')}{row}", [[TODAY.isoformat()]])
        elif kind < 0.85:
            emu.set_values(key, PIPELINE, f"{letter('outcome')}{row}", [[lists.outcome("lost").label,
                                                                         lists.loss_reasons.labels()[0]]])
        else:
            emu.set_values(key, PIPELINE, f"{letter('outcome')}{row}", [[lists.outcome("won").label]])
    bottom = last_row(grid) + 1
    new = [[f"New lead {bottom + i}", "Ann Lee", f"ann{bottom + i}@new.example", rng.choice(lists.sources.labels()),
            "Bruno", stages[0]] for i in range(rng.randint(1, 3))]
    emu.set_values(key, PIPELINE, f"{letter('lead')}{bottom}", new)


# --- Google: one run ----------------------------------------------------------------------------------------------

@dataclass
class GoogleRun:
    index: int
    leads: int
    fault: Fault
    ended: str = ""  # "ok", or the class of the error the sync stopped with
    state: str = ""  # untouched | synced
    outcome: str = ""
    requests: list[str] = field(default_factory=list)
    hit: list[int] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    retries: int = 0
    reads: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    def hit_endpoints(self) -> list[str]:
        return [self.requests[n] for n in self.hit if n < len(self.requests)]

    def circumstance(self) -> str:
        """What the person did during the run, in the terms the report breaks runs down by."""
        moves = [edit for edit in self.edits if edit.kind != "cell"]

        def before_write_after(edit: Edit, previous: str) -> bool:
            n = edit.request
            return 0 < n < len(self.requests) and self.requests[n] == "spreadsheets.batchUpdate" \
                and self.requests[n - 1] == previous

        # consecutive writes: the first was refused with a 429 and the client sends it again after a backoff
        if any(before_write_after(edit, "spreadsheets.batchUpdate") for edit in moves):
            return CIRCUMSTANCES[0]
        if any(before_write_after(edit, "values.batchGet") for edit in moves):
            return INSTANT
        if moves:
            return CIRCUMSTANCES[2]
        return CIRCUMSTANCES[3] if self.edits else CIRCUMSTANCES[4]

    @property
    def failed(self) -> bool:
        """A broken invariant outside the instant the README documents as open."""
        return bool(self.problems) and self.circumstance() != INSTANT

    def describe(self) -> str:
        lines = [f"run {self.index}: {self.leads} leads, {self.fault.label()} -> {self.ended}, {self.state}",
                 f"  requests: {', '.join(self.requests)}"]
        lines += [f"  person {edit.label()}" for edit in self.edits]
        lines += [f"  PROBLEM {p}" for p in self.problems]
        return "\n".join(lines)


CIRCUMSTANCES = ("rows moved while a write refused with a 429 waited to be sent again",
                 "rows moved in the instant between the guard read and the write",
                 "rows moved at another moment", "cells typed only", "no edit")
# Rows inserted, deleted or sorted between the guard read and the write shift the rows under the write: the README
# documents that instant as open (Google has no conditional write). The soak forces it and reports it apart.
INSTANT = CIRCUMSTANCES[1]
OUTCOMES = ("synced, failed request retried", "synced after reading again", "gave up cleanly, sheet untouched",
            "gave up cleanly, sheet synced", "unhandled exception")


def outcome_of(run: GoogleRun) -> str:
    if run.ended == "crash":
        return OUTCOMES[4]
    if run.ended != "ok":
        return OUTCOMES[2] if run.state == "untouched" else OUTCOMES[3]
    return OUTCOMES[0] if run.reads <= 1 else OUTCOMES[1]


def google_run(world: GoogleWorld, seed: int, index: int) -> GoogleRun:
    rng = random.Random(f"{seed}:google:{index}")
    size = rng.choice(SIZES)
    run = GoogleRun(index, size, draw_fault(rng))
    started = time.perf_counter()
    key = world.copy(world.template(size))
    day_of_work(world.emu, key, rng, world.config)
    shadow = world.copy(key)
    before = tabs_of(world.emu, key)
    person = Person(world.emu, (key, shadow), rng, world.config)
    actor = Actor(world.emu, run.fault, person, rng)
    seen = faulty_sync(world, key, run, actor)
    observed = observe(world, key, shadow, before, seen, person)
    run.state, problems = check_sync(observed)
    run.problems += problems
    if run.ended == "ok" and run.state == "untouched":
        run.problems.append(Problem(NOT_SYNCED, "the sync reported success but the sheet is untouched"))
    run.problems += converge(world, key, observed)
    if not run.edits:
        run.problems += compare_with_reference(world, key, shadow, observed, run.state)
    world.delete(key, shadow)
    run.outcome = outcome_of(run)
    run.seconds = time.perf_counter() - started
    return run


def faulty_sync(world: GoogleWorld, key: str, run: GoogleRun, actor: Actor) -> list[tuple[int, dict[str, Grid]]]:
    """The sync under test, through HTTP, with the actor between its requests and retries that wait no time.
    Returns the reads the sync planned from: (request, tabs)."""
    emu = world.emu
    waits: list[float] = []
    policy = RetryPolicy(sleep=waits.append, jitter=lambda: 0.5)
    backend = world.watched(key, policy, CLIENT_TIMEOUT if run.fault.kind == "timeout" else PATIENT_TIMEOUT)
    emu.reset_stats()
    emu.before_request(actor)
    try:
        sync(backend, world.config, TODAY, now=NOW)
        run.ended = "ok"
    except PipelineError as exc:  # the project's own errors: a clean stop, one line for the user
        run.ended = type(exc).__name__
    except Exception:  # noqa: BLE001 - any other exception is what the soak is looking for
        run.ended = "crash"
        run.problems.append(Problem(CRASH, traceback.format_exc(limit=4)))
    finally:
        actor.settle()
        emu.before_request(None)
    run.requests, run.hit, run.edits = actor.endpoints, actor.hit, actor.person.edits
    run.retries, run.reads = len(waits), len(backend.seen)
    run.problems += [Problem(CRASH, f"inside the emulator or the person: {e}") for e in emu.errors]
    emu.errors.clear()
    return backend.seen


def observe(world: GoogleWorld, key: str, shadow: str, before: dict[str, Grid],
            seen: list[tuple[int, dict[str, Grid]]], person: Person) -> Observed:
    """The checks' input; `seen` holds the reads the sync planned from, with the request that answered each."""
    planned: Planned = defaultdict(list)
    for _, tabs in seen:
        for (name, field_name), values in plan_cells(tabs, world.config).items():
            planned[(person.who(name), field_name)] += values
    snapshot = world.read(key)
    last_read = max((n for n, _ in seen), default=-1)
    late_edits = [edit for edit in person.edits if edit.request > last_read]
    return Observed(before=before, shadow=tabs_of(world.emu, shadow)[PIPELINE], final=snapshot.tabs, planned=planned,
                    identity=person.identity, late={edit.lead for edit in late_edits if edit.kind != "sort"},
                    late_structure=any(edit.kind != "cell" for edit in late_edits),
                    leftover=plan_sync(snapshot, world.config, TODAY, NOW).plan)


def converge(world: GoogleWorld, key: str, observed: Observed) -> list[Problem]:
    """A sync without faults completes, keeps people's cells, and leaves nothing to do."""
    try:
        sync(world.backend(key), world.config, TODAY, now=NOW)
    except PipelineError as exc:
        return [Problem(CONVERGE, f"the sync after the fault failed: {exc}")]
    snapshot = world.read(key)
    planned = defaultdict(list, {k: list(v) for k, v in observed.planned.items()})
    assert observed.leftover is not None
    pipeline = observed.final[PIPELINE]
    for change in observed.leftover.cells:
        planned[(observed.who(cell(pipeline, change.row, COL["lead"])), change.field)].append(change.new)
    after = Observed(before=observed.before, shadow=observed.shadow, final=snapshot.tabs, planned=planned,
                     identity=observed.identity)
    problems = people_cells_kept(after) + worker_cells_planned(after) + ids_unique_and_fresh(after)
    problems += history_chained(observed.final, snapshot.tabs)  # from the state the faulty sync left
    if not plan_sync(snapshot, world.config, TODAY, NOW).plan.is_empty():
        problems.append(Problem(CONVERGE, "a second sync without faults still has something to write"))
    return [Problem(p.invariant, f"after the next sync: {p.text}") for p in problems]


def compare_with_reference(world: GoogleWorld, key: str, shadow: str, observed: Observed,
                           state: str) -> list[Problem]:
    """With no person editing, the sheet ends as an uninterrupted sync of the same sheet leaves it: right after
    the faulty sync when it got through, and after the next sync in any case."""
    reference = world.copy(shadow)  # nobody edited: the shadow is the sheet as it was before the sync
    sync(world.backend(reference), world.config, TODAY, now=NOW)
    expected = tabs_of(world.emu, reference)
    world.delete(reference)
    problems = []
    for when, tabs in (("after the sync", observed.final if state == "synced" else None),
                       ("after the next sync", tabs_of(world.emu, key))):
        for title, grid in expected.items():
            if tabs is not None and normal(tabs.get(title)) != normal(grid):
                problems.append(Problem(REFERENCE, f"{when}: {title} differs from an uninterrupted sync"))
    return problems


# --- .xlsx: crashes during the save -------------------------------------------------------------------------------

OLD_OR_NEW, LEFT_BEHIND, FOLLOWING = ("the old workbook or the new one, and it loads",
                                      "permissions kept; no file left behind once synced again",
                                      "the following sync completes")
XLSX_INVARIANTS = (OLD_OR_NEW, LEFT_BEHIND, FOLLOWING, CRASH)


class _CountingFile:
    """The temp file's handle, counting (and maybe crashing at) each write and flush."""

    def __init__(self, handle: Any, step: Callable[[str], None]) -> None:
        self._handle, self._step = handle, step

    def write(self, data: Any) -> int:
        self._step("write")
        return self._handle.write(data)

    def flush(self) -> None:
        self._step("flush")
        self._handle.flush()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


@contextmanager
def io_steps(on_step: Callable[[str], None]) -> Iterator[None]:
    """Route the save's I/O calls through on_step(name) first. Used in a child process that dies at step k,
    and in-process (restored afterwards) to count the steps of an uninterrupted save."""
    saved = {name: getattr(os, name) for name in ("open", "fdopen", "fsync", "chmod", "replace")}

    def wrap(name: str, label: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            on_step(label)
            return saved[name](*args, **kwargs)
        return call

    def opened(path: Any, *args: Any, **kwargs: Any) -> Any:
        # the sync's temp file is .NAME.xlsx.XXXX.tmp beside the workbook; openpyxl writes scratch files of its own
        name = os.path.basename(os.fspath(path))
        on_step("open folder" if os.path.isdir(path) else "create temp file" if name.endswith(".tmp") else
                "openpyxl scratch file")
        return saved["open"](path, *args, **kwargs)

    os.open = opened  # type: ignore[assignment]
    os.fdopen = lambda *a, **k: _CountingFile(saved["fdopen"](*a, **k), on_step)  # type: ignore[assignment]
    def synced(fd: int) -> None:
        on_step("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync")
        saved["fsync"](fd)

    os.fsync = synced
    os.chmod = wrap("chmod", "chmod")  # type: ignore[assignment]
    os.replace = wrap("replace", "rename")  # type: ignore[assignment]
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(os, name, function)


@dataclass
class Workbook:
    """A base workbook and what an uninterrupted sync makes of it."""

    path: Path
    before: dict[str, list[tuple[CellValue, ...]]]
    after: dict[str, list[tuple[CellValue, ...]]]
    steps: list[str]  # the I/O steps of its save, in order
    seconds: float  # how long a sync of it takes in a child process
    mode: int


def xlsx_tabs(path: Path) -> dict[str, list[tuple[CellValue, ...]]]:
    return {title: normal(grid) for title, grid in XlsxBackend(path).read().tabs.items()}


def make_workbook(folder: Path, size: int, rng: random.Random) -> Path:
    """A workbook synced yesterday, then a day of people's edits saved by their spreadsheet program."""
    config = Config()
    path = folder / f"base-{size}.xlsx"
    XlsxBackend(path).create(new_spreadsheet(config, YESTERDAY))
    wb = load_workbook(path)
    for row in raw_leads(size, config):
        wb[PIPELINE].append(row)
    wb.save(path)
    sync(XlsxBackend(path), config, YESTERDAY, now=datetime.combine(YESTERDAY, clock_time(9, 0)))
    wb = load_workbook(path)
    ws = wb[PIPELINE]
    stages = build_lists(config).stages.labels()
    for row in rng.sample(range(2, size + 2), max(2, size // 8)):
        if ws.cell(row, COL["outcome"] + 1).value:
            continue
        ws.cell(row, COL["stage"] + 1).value = stages[2]
        ws.cell(row, COL["last_reply"] + 1).value = TODAY
    ws.cell(size + 2, COL["lead"] + 1).value = "New lead of the day"
    ws.cell(size + 2, COL["stage"] + 1).value = stages[0]
    wb.save(path)
    return path


def prepare_workbook(folder: Path, size: int, rng: random.Random) -> Workbook:
    base = make_workbook(folder, size, rng)
    before = xlsx_tabs(base)
    work = folder / "calibrate" / "pipeline.xlsx"
    work.parent.mkdir(exist_ok=True)
    shutil.copy2(base, work)
    steps: list[str] = []
    with io_steps(steps.append):
        sync(XlsxBackend(work), Config(), TODAY, now=NOW)
    after = xlsx_tabs(work)
    shutil.copy2(base, work)
    started = time.perf_counter()
    status = run_child(lambda: child_sync(work, None), kill_after=None)
    seconds = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"an uninterrupted sync of {base.name} in a child process failed ({status})")
    shutil.rmtree(work.parent)
    return Workbook(base, before, after, steps, seconds, base.stat().st_mode & 0o7777)


def child_sync(path: Path, crash_at: int | None) -> None:
    if crash_at is not None:
        count = iter(range(1_000_000))

        def step(_: str) -> None:
            if next(count) == crash_at:
                os.kill(os.getpid(), signal.SIGKILL)  # a crash: no finally, no clean-up

        with io_steps(step):
            sync(XlsxBackend(path), Config(), TODAY, now=NOW)
        return
    sync(XlsxBackend(path), Config(), TODAY, now=NOW)


def run_child(work: Callable[[], None], kill_after: float | None) -> int:
    """Run `work` in a forked child; SIGKILL it after `kill_after` seconds. Returns the exit code, or -signal."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never return into the parent's code
        code = 0
        try:
            work()
        except BaseException:  # noqa: BLE001 - report as an exit code
            traceback.print_exc()
            code = 3
        os._exit(code)
    if kill_after is not None:
        time.sleep(kill_after)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


@dataclass
class XlsxRun:
    index: int
    leads: int
    method: str  # "I/O step" or "random time"
    where: str  # the step crashed at, or the delay
    killed: bool = False
    found: str = ""  # old | new
    temp_files: int = 0
    problems: list[Problem] = field(default_factory=list)

    def describe(self) -> str:
        lines = [(f"xlsx run {self.index}: {self.leads} leads, crash at {self.method} {self.where} -> "
                 f"{'killed' if self.killed else 'completed'}, {self.found} workbook, {self.temp_files} temp file(s)")]
        return "\n".join(lines + [f"  PROBLEM {p}" for p in self.problems])

    @property
    def failed(self) -> bool:
        return bool(self.problems)


def xlsx_run(books: dict[int, Workbook], folder: Path, seed: int, index: int) -> XlsxRun:
    rng = random.Random(f"{seed}:xlsx:{index}")
    size = rng.choice(sorted(books))
    book = books[size]
    work = folder / f"run-{index}"
    work.mkdir()
    path = work / "pipeline.xlsx"
    shutil.copy2(book.path, path)
    if index % 2 == 0:
        # a crash just before one step of the save, picked by phase so that rare steps (rename...) get their share
        phase = rng.choice(sorted(set(book.steps)) + ["none (the save completes)"])
        positions = [i for i, name in enumerate(book.steps) if name == phase] or [len(book.steps)]
        step = rng.choice(positions)
        run = XlsxRun(index, size, "I/O step", phase if step < len(book.steps) else "none (completes)")
        status = run_child(lambda: child_sync(path, step), kill_after=None)
    else:
        delay = rng.uniform(0, book.seconds * 1.1)
        run = XlsxRun(index, size, "random time", f"{delay:.3f}s")
        status = run_child(lambda: child_sync(path, None), kill_after=delay)
    run.killed = status == -signal.SIGKILL
    if status not in (0, -signal.SIGKILL):
        run.problems.append(Problem(CRASH, f"the sync failed on its own in the child (status {status})"))
    run.problems += check_crashed_workbook(run, book, path)
    shutil.rmtree(work)
    return run


def check_crashed_workbook(run: XlsxRun, book: Workbook, path: Path) -> list[Problem]:
    if not path.is_file():
        return [Problem(OLD_OR_NEW, "the workbook is gone")]
    try:
        load_workbook(path)
        tabs = xlsx_tabs(path)
    except Exception as exc:  # noqa: BLE001 - a broken file is the finding
        return [Problem(OLD_OR_NEW, f"the workbook does not load: {exc.__class__.__name__}: {exc}")]
    run.found = "old" if tabs == book.before else "new" if tabs == book.after else "neither"
    problems = [] if run.found != "neither" else [Problem(OLD_OR_NEW, "neither the old workbook nor the new one")]
    if path.stat().st_mode & 0o7777 != book.mode:
        problems.append(Problem(LEFT_BEHIND, f"permissions changed to {oct(path.stat().st_mode & 0o7777)}"))
    others = [p.name for p in path.parent.iterdir() if p != path]
    run.temp_files = sum(1 for name in others if name.startswith(f".{path.name}.") and name.endswith(".tmp"))
    if len(others) != run.temp_files:
        problems.append(Problem(LEFT_BEHIND, f"unexpected files beside the workbook: {others}"))
    try:
        sync(XlsxBackend(path), Config(), TODAY, now=NOW)
    except PipelineError as exc:
        return problems + [Problem(FOLLOWING, f"the following sync failed: {exc}")]
    if xlsx_tabs(path) != book.after:
        problems.append(Problem(FOLLOWING, "after the following sync, the workbook differs from an uninterrupted sync"))
    left = [p.name for p in path.parent.iterdir() if p != path]
    if left:
        problems.append(Problem(LEFT_BEHIND, f"still beside the workbook after the following sync: {left}"))
    if not plan_sync(XlsxBackend(path).read(), Config(), TODAY, NOW).plan.is_empty():
        problems.append(Problem(FOLLOWING, "a sync after the following one still has something to write"))
    return problems


# --- the whole soak -----------------------------------------------------------------------------------------------

@dataclass
class Soak:
    seed: int
    google: list[GoogleRun] = field(default_factory=list)
    xlsx: list[XlsxRun] = field(default_factory=list)
    google_seconds: float = 0.0
    xlsx_seconds: float = 0.0

    @property
    def failures(self) -> list[str]:
        return [run.describe() for run in [*self.google, *self.xlsx] if run.failed]


def soak_google(count: int, seed: int, only: int | None = None, progress: bool = False) -> tuple[list[GoogleRun], float]:
    started = time.perf_counter()
    world = GoogleWorld()
    runs = []
    try:
        for index in ([only] if only is not None else range(count)):
            runs.append(google_run(world, seed, index))
            if progress and (index + 1) % 50 == 0:
                bad = sum(1 for r in runs if r.failed)
                print(f"  google {index + 1}/{count}: {bad} failed", file=sys.stderr, flush=True)
    finally:
        world.close()
    return runs, time.perf_counter() - started


def soak_xlsx(count: int, seed: int, only: int | None = None, progress: bool = False) -> tuple[list[XlsxRun], float]:
    started = time.perf_counter()
    rng = random.Random(f"{seed}:xlsx-books")
    runs = []
    with tempfile.TemporaryDirectory(prefix="soak-xlsx-") as tmp:
        folder = Path(tmp)
        books = {size: prepare_workbook(folder, size, rng) for size in (20, 50, 80)}
        for index in ([only] if only is not None else range(count)):
            runs.append(xlsx_run(books, folder, seed, index))
            if progress and (index + 1) % 50 == 0:
                print(f"  xlsx {index + 1}/{count}", file=sys.stderr, flush=True)
    return runs, time.perf_counter() - started


def run_soak(google: int, xlsx: int, seed: int, progress: bool = False) -> Soak:
    soak = Soak(seed)
    if google:
        soak.google, soak.google_seconds = soak_google(google, seed, progress=progress)
    if xlsx:  # after the emulator stopped: the children are forked from a process without its threads
        soak.xlsx, soak.xlsx_seconds = soak_xlsx(xlsx, seed, progress=progress)
    return soak


# --- reporting ----------------------------------------------------------------------------------------------------

def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def broke(run: GoogleRun | XlsxRun, invariant: str) -> bool:
    return any(problem.invariant == invariant for problem in run.problems)


def google_tables(runs: list[GoogleRun]) -> str:
    by = Counter((run.outcome, run.fault.kind) for run in runs)
    outcome_rows = [[o, *[by[(o, k)] for k in FAULT_KINDS], sum(by[(o, k)] for k in FAULT_KINDS)]
                    for o in OUTCOMES]
    outcome_rows.append(["**all**", *[sum(1 for r in runs if r.fault.kind == k) for k in FAULT_KINDS], len(runs)])
    where = Counter((run.hit_endpoints()[0] if run.hit_endpoints() else "-", run.fault.kind) for run in runs)
    labels = {"spreadsheets.get": "the read (`spreadsheets.get`)",
              "values.batchGet": "the guard read (`values.batchGet`)",
              "spreadsheets.batchUpdate": "the write (`spreadsheets.batchUpdate`)"}
    where_rows = [[label, *[where[(e, k)] for k in FAULT_KINDS]] for e, label in labels.items()]
    around = [[name, sum(1 for run in runs if run.circumstance() == name),
               sum(1 for run in runs if run.circumstance() == name and run.problems)] for name in CIRCUMSTANCES]
    rest = [run for run in runs if run.circumstance() != INSTANT]
    instant = [run for run in runs if run.circumstance() == INSTANT]
    broken = [[name, sum(1 for run in rest if broke(run, name)), sum(1 for run in instant if broke(run, name))]
              for name in INVARIANTS]
    edits = Counter(edit.kind for run in runs for edit in run.edits)
    return "\n\n".join([
        "Outcome of each sync, by fault:\n\n" + table(["outcome", *FAULT_KINDS, "all"], outcome_rows),
        "Request the fault hit first:\n\n" + table(["request", *FAULT_KINDS], where_rows),
        (f"Person edits during the syncs: {sum(edits.values())} in {sum(1 for r in runs if r.edits)} runs "
         f"({edits['cell']} cells typed, {edits['insert']} rows inserted, {edits['delete']} rows deleted, "
         f"{edits['sort']} sorts). Requests retried: {sum(r.retries for r in runs)}."),
        ("Runs by what the person did (\"rows moved\": a row inserted or deleted, or a sort):\n\n"
         + table(["the person", "runs", "broke an invariant"], around)),
        (f"Runs that broke each invariant ({len(rest)} runs, and apart the {len(instant)} that moved rows in the "
         "instant between the guard read and the write):\n\n"
         + table(["invariant", "runs", "in the instant"], broken)),
    ])


def xlsx_tables(runs: list[XlsxRun]) -> str:
    by = Counter((run.method, "killed" if run.killed else "completed", run.found) for run in runs)
    rows = [[m, k, by[(m, k, "old")], by[(m, k, "new")], by[(m, k, "neither")]]
            for m in ("I/O step", "random time") for k in ("killed", "completed")]
    broken = [[name, sum(1 for run in runs if broke(run, name))] for name in XLSX_INVARIANTS]
    steps = Counter(run.where for run in runs if run.method == "I/O step")
    temp = sum(1 for run in runs if run.temp_files)
    return "\n\n".join([
        table(["crash", "sync", "old workbook", "new workbook", "neither"], rows),
        "Step of the save crashed at: " + ", ".join(f"{name} {n}" for name, n in sorted(steps.items())) + ".",
        f"The sync's hidden temp file (`.NAME.xlsx.*.tmp`) was left beside the workbook by {temp} crashes.",
        "Crashes that broke each invariant:\n\n" + table(["invariant", "crashes"], broken),
    ])


def verdict(soak: Soak) -> str:
    google = sum(1 for run in soak.google if run.failed)
    xlsx = sum(1 for run in soak.xlsx if run.failed)
    instant = [run for run in soak.google if run.circumstance() == INSTANT]
    shifted = sum(1 for run in instant if run.problems)
    text = ("Every invariant held in every run" if not google and not xlsx else
            f"**{google} Google syncs and {xlsx} .xlsx crashes broke an invariant** (listed at the end)")
    if instant:
        text += (f", apart from the documented instant: of the {len(instant)} runs where the person moved rows "
                 f"between the guard read and the write, {shifted} had cells land on another lead")
    return text + "."


def summary(soak: Soak) -> str:
    parts = [verdict(soak)]
    if soak.google:
        parts.append(f"Google Sheets: {len(soak.google)} syncs in {soak.google_seconds:.0f} s\n\n"
                     + google_tables(soak.google))
    if soak.xlsx:
        parts.append(f".xlsx: {len(soak.xlsx)} crashed syncs in {soak.xlsx_seconds:.0f} s\n\n" + xlsx_tables(soak.xlsx))
    return "\n\n".join(parts)


def instant_section(soak: Soak) -> str:
    instant = [run for run in soak.google if run.circumstance() == INSTANT]
    examples = [run for run in instant if run.problems][:3]
    text = f"""## The instant between the guard read and the write

The guard read makes sure, just before the write, that every row it targets still holds the same lead. The
instant that follows, until Google receives the write (one round trip), stays open: Google offers no conditional
write. Rows inserted, deleted or sorted in that instant shift the rows under the write, and its cells can land on
the neighbouring lead, stamps included (the README says so). The soak forces that instant on purpose: in
{len(instant)} runs the person moved rows right then, and {sum(1 for run in instant if run.problems)} of them had
cells written on another lead. They are counted apart above, not as failures."""
    if examples:
        text += "\n\nFor example:\n\n```\n" + "\n".join(run.describe() for run in examples) + "\n```"
    return text + "\n"


def document(soak: Soak, command: str) -> str:
    text = f"""# Reliability: the fault soak

Generated by `{command}` on {machine()}. `tests/test_soak.py` runs the same code with fewer runs on every test
run. {verdict(soak)}

## Google Sheets: {len(soak.google)} syncs with faults and a person editing

Each sync runs through the real Google path (gspread, retries, the guard read, one `batchUpdate`) against the
project's Sheets API emulator. It starts from a pipeline of {", ".join(map(str, SIZES[:-1]))} or {SIZES[-1]} leads
synced the day before, then a day of work: some leads moved on, follow-ups sent, deals won or lost, one to three
new leads without an ID. During the sync:

- **one fault** hits the sync's 1st, 2nd or 3rd request (the read, the guard read or the write): a 429, a 500, a
  503, a timeout (the client waits {CLIENT_TIMEOUT:.0f} s) or a reset connection. A timeout or a reset happens
  either before the request is carried out or after it (the change is made but the answer is lost). One fault in
  four repeats on the following requests, one in ten more times than the retries allow.
- **a person edits the sheet** before each request with a chance of {EDIT_RATE:.0%}: types a Stage, Outcome,
  Notes, Last contact, Follow-ups or a new name for the lead; inserts a row with a new lead; deletes a row; or
  sorts the sheet by Lead, Stage, Source or Owner.

The same edits go to a copy of the sheet that the worker never writes (the shadow). After each sync:

1. **No person's edit is lost**: every row holds the same lead as in the shadow, and every cell people typed, in
   every column, holds what they typed. A stamp (Created, First contact, Closed) was only written into a blank
   cell.
2. **Nothing is written into a wrong row**: every cell the worker wrote (ID, the stamped dates, Next follow-up,
   Flags) holds what planning that very lead gave, from one of the reads the sync made.
3. **IDs**: unique; an existing ID never changes; a new ID was never in use before.
4. **History is not duplicated**: History is only appended to, and each lead's new rows chain from the stage and
   outcome recorded before (a write applied twice would log the same change twice).
5. **Untouched or fully synced**: either the sheet is exactly the shadow and no other tab changed, or a fresh plan
   of the final sheet has nothing left to write except for leads people changed after the sync's last read.
6. **It converges**: one more sync, without faults, completes; the invariants above still hold; after it, nothing
   is left to write.
7. **Same result as without faults**: when nobody edited during the sync, every tab equals what an uninterrupted
   sync of the same sheet writes.

A sync may stop with one of the project's errors (one line for the user, exit 4 or 5); any other exception is a
failure.

{google_tables(soak.google) if soak.google else "(not run)"}

Run time: {soak.google_seconds:.0f} s, {soak.google_seconds / max(len(soak.google), 1):.2f} s a sync with its setup
and checks (retries wait no time in the soak).

{instant_section(soak) if soak.google else ""}
## .xlsx: {len(soak.xlsx)} syncs killed during the save

The workbook (20, 50 or 80 leads, synced the day before, then edited) is synced in a child process that is killed
with SIGKILL, so that none of the sync's own clean-up runs. Half of the runs kill it just before one I/O step of
the save, drawn phase by phase (creating the temp file, one of its writes, openpyxl's own scratch files, flush,
fsync, permissions, the rename, the folder's fsync), the other half after a random delay spread over a whole
sync, reading and planning included. After each crash:

1. the workbook loads with openpyxl, and its content is the old workbook's or the new one's, never a mix;
2. its permissions are unchanged, nothing but the sync's own hidden temp file is left beside it, and the
   following sync removes that file;
3. the following sync completes and gives the same workbook as an uninterrupted sync; after it nothing is left
   to write.

{xlsx_tables(soak.xlsx) if soak.xlsx else "(not run)"}

This is a crash of the process: the operating system keeps what was written. A power cut is not simulated.

Run time: {soak.xlsx_seconds:.0f} s.
"""
    failed = [run for run in [*soak.google, *soak.xlsx] if run.failed]
    if failed:
        text += ("\n## Runs that broke an invariant\n\nRerun one with `python bench/soak.py --seed "
                 f"{soak.seed} --google-run N` (or `--xlsx-run N`).\n\n```\n"
                 + "\n".join(run.describe() for run in failed[:30]) + "\n```\n")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--google", type=int, default=1000, metavar="N", help="Google syncs (default 1000)")
    parser.add_argument("--xlsx", type=int, default=200, metavar="N", help=".xlsx crashed syncs (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--google-run", type=int, metavar="N", help="replay one Google run and describe it")
    parser.add_argument("--xlsx-run", type=int, metavar="N", help="replay one .xlsx run and describe it")
    parser.add_argument("--write-doc", metavar="PATH", help="write the report (markdown) to PATH")
    args = parser.parse_args(argv)
    if args.google_run is not None or args.xlsx_run is not None:
        runs: list[Any] = []
        if args.google_run is not None:
            runs += soak_google(0, args.seed, only=args.google_run)[0]
        if args.xlsx_run is not None:
            runs += soak_xlsx(0, args.seed, only=args.xlsx_run)[0]
        print("\n".join(run.describe() for run in runs))
        return 1 if any(run.failed for run in runs) else 0
    soak = run_soak(args.google, args.xlsx, args.seed, progress=True)
    print(summary(soak))
    by_circumstance: dict[str, list[int]] = defaultdict(list)
    for run in soak.google:
        if run.problems:
            by_circumstance[run.circumstance()].append(run.index)
    for circumstance, indexes in by_circumstance.items():
        print(f"\nGoogle runs that broke an invariant, {circumstance}: {indexes}")
    print("\n\n".join(soak.failures[:20]))
    if args.write_doc:
        command = (f"python bench/soak.py --google {args.google} --xlsx {args.xlsx} --seed {args.seed} "
                   f"--write-doc {args.write_doc}")
        Path(args.write_doc).write_text(document(soak, command), encoding="utf-8")
    return 1 if soak.failures else 0


if __name__ == "__main__":
    sys.exit(main())
