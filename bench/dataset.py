"""The benchmark's pipelines: the sample's mix of leads and mistakes, scaled to any size, deterministic.

A benchmark sync is the nightly one: the sheet was synced yesterday, then people worked on it during the day
(1% of the leads moved on, and a few new leads were typed without an ID). That is what `day_of_work` returns.
"""

from __future__ import annotations

import copy
import random
from datetime import date, timedelta

from sheets_pipeline.backends.memory import MemoryBackend
from sheets_pipeline.config import Config
from sheets_pipeline.lists import build_lists
from sheets_pipeline.model import FIELDS, CellValue, Grid
from sheets_pipeline.new_sheet import new_spreadsheet
from sheets_pipeline.sample import sample_leads
from sheets_pipeline.sync import plan_sync

TODAY = date(2026, 12, 4)
YESTERDAY = TODAY - timedelta(days=1)
COL = {name: i for i, name in enumerate(FIELDS)}


def raw_leads(n: int, config: Config, today: date = YESTERDAY) -> Grid:
    """n Pipeline rows (no header), as people typed them: the sample's leads over and over, each one unique."""
    base = sample_leads(build_lists(config), today)
    rows: Grid = []
    for i in range(n):
        lead = dict(base[i % len(base)])
        lead.pop("id", None)
        lead["lead"] = f"{lead['lead']} {i + 1}"
        if lead.get("email"):
            local, _, domain = str(lead["email"]).partition("@")
            # the sample's one deliberate duplicate repeats once per 52 leads, not across the whole sheet
            lead["email"] = f"{local}.{i // len(base)}@{domain}"
        rows.append([lead.get(name) for name in FIELDS])
    return rows


def synced(n: int, config: Config | None = None) -> MemoryBackend:
    """A spreadsheet of n leads as yesterday's sync left it."""
    config = config or Config()
    backend = MemoryBackend()
    backend.create(new_spreadsheet(config, YESTERDAY))
    backend.tabs["Pipeline"] = [backend.tabs["Pipeline"][0], *raw_leads(n, config)]
    result = plan_sync(backend.read(), config, YESTERDAY)
    backend.write(backend.read(), result.plan)
    return backend


def day_edits(pipeline: Grid, config: Config | None = None, share: float = 0.01,
              seed: int = 4) -> dict[tuple[int, int], CellValue]:
    """A day of people's edits on a Pipeline tab ({(row, column): value}, 1-based, header in row 1): `share` of
    the leads touched (a follow-up sent, a reply, a loss, a note on a closed lead), and a few new leads typed
    at the bottom without an ID."""
    config = config or Config()
    lists = build_lists(config)
    stages = lists.stages.labels()
    rng = random.Random(seed)
    leads = len(pipeline) - 1
    touched = max(1, int(leads * share))
    edits: dict[tuple[int, int], CellValue] = {}

    def cell(row: int, name: str) -> CellValue:
        line = pipeline[row - 1]
        return line[COL[name]] if COL[name] < len(line) else None

    def put(row: int, name: str, value: CellValue) -> None:
        edits[(row, COL[name] + 1)] = value

    for row in rng.sample(range(2, leads + 2), touched):
        if cell(row, "outcome"):
            put(row, "notes", "Called back, sent the invoice")
            continue
        kind = rng.random()
        if kind < 0.5:  # a follow-up sent today
            put(row, "follow_ups", int(float(cell(row, "follow_ups") or 0)) + 1)
            put(row, "last_contact", TODAY)
            if cell(row, "stage") not in stages[1:]:
                put(row, "stage", stages[1])
        elif kind < 0.8:  # they answered
            put(row, "stage", stages[min(2, len(stages) - 1)])
            put(row, "last_reply", TODAY)
        else:
            put(row, "outcome", lists.outcome("lost").label)
            put(row, "loss_reason", lists.loss_reasons.labels()[0])
    for i in range(max(1, touched // 10)):
        row = leads + 2 + i
        put(row, "lead", f"New lead {i + 1}")
        put(row, "stage", stages[0])
        put(row, "source", lists.sources.labels()[0])
    return edits


def day_of_work(backend: MemoryBackend, config: Config | None = None, share: float = 0.01,
                seed: int = 4) -> dict[str, Grid]:
    """The tabs of `backend` after a day of people's edits (see day_edits)."""
    tabs = copy.deepcopy(backend.tabs)
    pipeline = tabs["Pipeline"]
    for (row, column), value in day_edits(pipeline, config, share, seed).items():
        while len(pipeline) < row:
            pipeline.append([])
        line = pipeline[row - 1]
        line.extend([None] * (column - len(line)))
        line[column - 1] = value
    return tabs
