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
from sheets_pipeline.model import FIELDS, Grid
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


def day_of_work(backend: MemoryBackend, config: Config | None = None, share: float = 0.01,
                seed: int = 4) -> dict[str, Grid]:
    """The tabs after a day of people's edits on `backend`: `share` of the leads touched, a few leads added."""
    config = config or Config()
    lists = build_lists(config)
    stages = lists.stages.labels()
    tabs = copy.deepcopy(backend.tabs)
    pipeline = tabs["Pipeline"]
    rng = random.Random(seed)
    leads = len(pipeline) - 1
    touched = max(1, int(leads * share))
    for row in rng.sample(range(1, leads + 1), touched):
        cells = pipeline[row]
        cells.extend([None] * (len(FIELDS) - len(cells)))
        if cells[COL["outcome"]]:
            cells[COL["notes"]] = "Called back, sent the invoice"
            continue
        kind = rng.random()
        if kind < 0.5:  # a follow-up sent today
            cells[COL["follow_ups"]] = int(cells[COL["follow_ups"]] or 0) + 1
            cells[COL["last_contact"]] = TODAY
            cells[COL["stage"]] = cells[COL["stage"]] if cells[COL["stage"]] in stages[1:] else stages[1]
        elif kind < 0.8:  # they answered
            cells[COL["stage"]] = stages[min(2, len(stages) - 1)]
            cells[COL["last_reply"]] = TODAY
        else:  # lost
            cells[COL["outcome"]] = lists.outcome("lost").label
            cells[COL["loss_reason"]] = lists.loss_reasons.labels()[0]
    for i in range(max(1, touched // 10)):  # new leads typed at the bottom, no ID yet
        pipeline.append([None] * len(FIELDS))
        pipeline[-1][COL["lead"]] = f"New lead {i + 1}"
        pipeline[-1][COL["stage"]] = stages[0]
        pipeline[-1][COL["source"]] = lists.sources.labels()[0]
    return tabs
