"""The spreadsheet `init` creates: tabs, headers, lists, dropdowns, and optionally sample leads."""

from __future__ import annotations

from datetime import date

from .backends.base import NewSpreadsheet
from .config import Config
from .layout import (
    HISTORY_HEADERS,
    STATE_TAB,
    State,
    dropdowns_for,
    lists_grid,
    lists_lengths,
    pipeline_headers,
    state_grid,
    tab_name,
)
from .lists import build_lists
from .looks import pipeline_formats
from .model import DATE_FIELDS, FIELDS, OWNED_FIELDS, Grid
from .sample import sample_leads


def new_spreadsheet(config: Config, today: date, sample: bool = False) -> NewSpreadsheet:
    language = config.language
    lists = build_lists(config)
    pipeline: Grid = [list(pipeline_headers(language))]
    if sample:
        for lead in sample_leads(lists, today):
            pipeline.append([lead.get(name) for name in FIELDS])
    lists_tab = lists_grid(lists, language)
    names = {role: tab_name(role, language) for role in ("pipeline", "lists", "summary", "follow_ups", "history")}
    index = {name: i for i, name in enumerate(FIELDS)}
    tabs: dict[str, Grid] = {
        names["pipeline"]: pipeline,
        names["lists"]: lists_tab,
        names["summary"]: [[names["summary"]], ["Filled by `sheets-pipeline sync`."]],
        names["follow_ups"]: [[names["follow_ups"]], ["Filled by `sheets-pipeline sync`."]],
        names["history"]: [list(HISTORY_HEADERS[language])],
        STATE_TAB: state_grid(State({}, 1)),
    }
    dropdowns = dropdowns_for(index, 1, len(pipeline), lists_lengths(lists_tab))
    return NewSpreadsheet(
        tabs=tabs,
        pipeline_tab=names["pipeline"],
        lists_tab=names["lists"],
        dropdowns=dropdowns,
        hidden_tabs=frozenset({STATE_TAB}),
        pipeline_formats=pipeline_formats(index, 2, max(d.last_row for d in dropdowns), len(FIELDS), language),
        owned_columns=sorted(index[name] for name in OWNED_FIELDS),
        date_columns={names["pipeline"]: [index[name] for name in (*DATE_FIELDS, "next_follow_up")],
                      names["history"]: [0]},
    )
