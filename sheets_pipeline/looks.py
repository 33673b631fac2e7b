"""How the worker's tabs look, said once for every backend: cell styles, charts, conditional formats.
Each backend renders these with its own means (openpyxl styles and charts; Sheets API requests)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

StyleKind = Literal["title", "section", "header", "total", "percent", "number", "integer", "date", "datetime",
                    "note", "overdue"]


@dataclass(frozen=True, order=True)
class CellStyle:
    """A style over a rectangle of cells, 1-based and inclusive."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int
    kind: StyleKind


@dataclass(frozen=True)
class Series:
    column: int  # 1-based
    header_row: int  # the row holding the series name
    first_row: int
    last_row: int


@dataclass(frozen=True)
class ChartSpec:
    """A bar chart over a table of the same tab. `categories` is (column, first_row, last_row), 1-based."""

    title: str
    categories: tuple[int, int, int]
    series: tuple[Series, ...]
    anchor_row: int
    anchor_col: int
    horizontal: bool = True
    percent: bool = False
    stacked: bool = False
    y_title: str = ""


@dataclass(frozen=True)
class TabLook:
    styles: tuple[CellStyle, ...] = ()
    charts: tuple[ChartSpec, ...] = ()
    widths: dict[int, float] = field(default_factory=dict)  # 1-based column -> width in characters
    freeze_rows: int = 0


@dataclass(frozen=True, order=True)
class ConditionalFormat:
    """A rule on the Pipeline tab. `overdue`: the Next follow-up cell when its date is before today.
    `stale`: the whole row when Flags says the lead is stale. Columns 0-based, rows 1-based."""

    kind: Literal["overdue", "stale"]
    key_column: int
    first_row: int
    last_row: int
    last_column: int
    marker: str = ""  # `stale`: the text Flags holds for a stale lead, in the pipeline's language


# How a stale lead's flag begins, by language: the stale rule looks for it
STALE_MARKERS = {"en": "stale:", "fr": "dormante :"}
STALE_MARKER = STALE_MARKERS["en"]
# any of them, as the backends find it back in a rule's formula
STALE_MARKER_PATTERN = "|".join(map(re.escape, STALE_MARKERS.values()))


def pipeline_formats(index: dict[str, int], first_row: int, last_row: int, width: int, language: str = "en"
                     ) -> frozenset[ConditionalFormat]:
    rules = set()
    if "next_follow_up" in index:
        rules.add(ConditionalFormat("overdue", index["next_follow_up"], first_row, last_row, index["next_follow_up"]))
    if "flags" in index:
        rules.add(ConditionalFormat("stale", index["flags"], first_row, last_row, width - 1,
                                    STALE_MARKERS[language]))
    return frozenset(rules)
