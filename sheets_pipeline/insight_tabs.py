"""The insights laid out as titled tables, once: the Summary tab, the Follow-ups tab and every report format
render these same sections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from .insights import ALL_CLOSED_LABEL, INVALID_LABEL, MISSING_LABEL, NONE_LABEL, TOTAL_LABEL, Insights
from .looks import CellStyle, ChartSpec, Series, StyleKind, TabLook
from .model import CellValue, Grid
from .wording import Words, words

DASH = "—"  # a figure with nothing to divide by
ARROWS = {"up": "▲ up", "down": "▼ down", "same": "= same"}
UPDATED_LABEL = "Updated"
UPDATED_CELL = (1, 3)  # row, column (1-based) of the time of the last write
CHART_COLUMN = 13  # charts sit right of the tables (column M)
FIGURE_KINDS = ("percent", "number", "integer")


@dataclass
class Section:
    key: str
    title: str
    headers: list[str]
    rows: list[list[CellValue]]
    kinds: dict[int, StyleKind] = field(default_factory=dict)  # 0-based column -> how its values read
    total: bool = False  # the last row is a total
    notes: list[str] = field(default_factory=list)


def sections(insights: Insights, language: str | None = None) -> list[Section]:
    """Every table: the Summary tab's, then the follow-up queue, in `language` (else the insights' own)."""
    return [*summary_sections(insights, language), follow_ups_section(insights, language)]


# The rows the figures add to the lists' own labels (a list label is the user's: never translated)
_ADDED_LABELS = frozenset({NONE_LABEL, INVALID_LABEL, MISSING_LABEL, TOTAL_LABEL, ALL_CLOSED_LABEL})


def _label(say: Words, label: str) -> str:
    return say(label) if label in _ADDED_LABELS else label


def summary_sections(insights: Insights, language: str | None = None) -> list[Section]:
    say = words(language or insights.language)
    out: list[Section] = []
    out.append(Section(
        "by_source", say("Conversion by source"),
        [say(h) for h in ("Source", "Leads", "Open", "Won", "Lost", "No response", "Passed", "Invalid outcome",
                          "Win rate", "Conversion")],
        [[_label(say, r.source), r.leads, r.open, r.won, r.lost, r.no_response, r.passed, r.invalid_outcome,
          r.win_rate, r.conversion] for r in insights.by_source],
        {8: "percent", 9: "percent"}, total=True,
        notes=[say("Win rate = Won / (Won + Lost + No response); conversion = Won / all leads. "
                   "{dash} : nothing to divide by.", dash=DASH)],
    ))
    losses = insights.loss_reasons
    out.append(Section(
        "loss_reasons", say("Loss reasons"), [say("Reason"), say("Lost"), say("Share")],
        [[_label(say, r.reason), r.count, r.share] for r in losses.reasons], {2: "percent"},
        notes=[say("{count} Lost lead(s) without a Closed date are left out of the quarters.",
                   count=losses.lost_without_closed_date)] if losses.lost_without_closed_date else [],
    ))
    out.append(Section(
        "loss_reasons_by_quarter", say("Loss reasons per quarter (by Closed date)"), [say("Reason"), *losses.quarters],
        [[_label(say, r.reason), *(losses.by_quarter[r.reason][q] for q in losses.quarters)]
         for r in losses.reasons] if losses.quarters else [],
        notes=[] if losses.quarters else [say("No Lost lead with a Closed date yet.")],
    ))
    this_q, last_q = losses.this_quarter, losses.last_quarter
    out.append(Section(
        "loss_trend", say("This quarter ({this_quarter}) vs last quarter ({last_quarter})", this_quarter=this_q,
                          last_quarter=last_q),
        [say("Reason"), this_q, last_q, say("Share {quarter}", quarter=this_q), say("Share {quarter}", quarter=last_q),
         say("Change")],
        [[_label(say, t.reason), t.this_quarter, t.last_quarter, t.share_this_quarter, t.share_last_quarter,
          say(ARROWS[t.direction])] for t in losses.trend], {3: "percent", 4: "percent"},
    ))
    funnel = insights.funnel
    out.append(Section(
        "funnel", say("Stage funnel"), [say(h) for h in ("Stage", "Reached", "Of previous stage", "Of all leads")],
        [[r.stage, r.reached, r.share_of_previous, r.share_of_all] for r in funnel.stages],
        {2: "percent", 3: "percent"},
        notes=[say("Reached = the lead's Stage is that stage or a later one, or History shows it there.")
               + (say(" {count} lead(s) with a blank or invalid Stage are left out.", count=funnel.excluded)
                  if funnel.excluded else "")],
    ))
    cycle = insights.cycle_time
    out.append(Section(
        "cycle_time", say("Cycle time, first contact to close (days)"),
        [say(h) for h in ("Outcome", "Closed", "Median", "Mean", "90th percentile")],
        [[_label(say, r.group), r.closed, r.median, r.mean, r.p90] for r in cycle.rows],
        {2: "number", 3: "number", 4: "integer"},
        notes=[say("{count} closed lead(s) left out: First contact or Closed missing, or Closed before First "
                   "contact.", count=cycle.excluded)] if cycle.excluded else [],
    ))
    out.append(Section(
        "by_owner", say("Per owner"),
        [say(h) for h in ("Owner", "Leads", "Qualified", "Won", "Qualified & decided", "Close rate")],
        [[_label(say, r.owner), r.leads, r.qualified, r.won, r.qualified_decided, r.close_rate]
         for r in insights.by_owner],
        {5: "percent"},
        notes=[say("Qualified = reached {stage}. Close rate = Won / qualified leads that are decided.",
                   stage=insights.qualified_stage)],
    ))
    health = insights.health
    out.append(Section(
        "health", say("Health"), ["", say("Count")],
        [[say("Leads"), health.leads], [say("Open leads"), health.open], [say("Follow-ups due today"), health.due_today],
         [say("Overdue follow-ups"), health.overdue], [say("Stale leads"), health.stale],
         [say("Rows with errors"), health.rows_with_errors], [say("Rows with warnings"), health.rows_with_warnings]],
        notes=[say("Summary last updated {when}.", when=f"{health.updated:%Y-%m-%d %H:%M}")]
        if health.updated else [],
    ))
    if insights.excluded_by_date:
        out[0].notes.append(say("{count} lead(s) outside the --since/--until range are left out.",
                                count=insights.excluded_by_date))
    return out


def follow_ups_section(insights: Insights, language: str | None = None) -> Section:
    say = words(language or insights.language)
    return Section(
        "follow_ups", say("Follow-ups"), [say(h) for h in FOLLOW_UP_HEADERS],
        [[f.id, f.lead, f.contact or None, f.owner or None, f.stage or None, f.due, f.days_overdue, f.follow_ups_sent]
         for f in insights.follow_ups],
        {5: "date"},
    )


FOLLOW_UP_HEADERS = ["ID", "Lead", "Contact", "Owner", "Stage", "Due", "Days overdue", "Follow-ups sent"]


def display_rows(section: Section) -> list[list[CellValue]]:
    """The section's rows with a dash where a figure has nothing to divide by."""
    figures = {c for c, kind in section.kinds.items() if kind in FIGURE_KINDS}
    if not figures:  # nothing to dash (the follow-up queue, thousands of rows long)
        return [list(row) for row in section.rows]
    return [[DASH if v is None and c in figures else v for c, v in enumerate(row)] for row in section.rows]


class _Tab:
    def __init__(self) -> None:
        self.grid: Grid = []
        self.styles: list[CellStyle] = []
        self.charts: list[ChartSpec] = []

    def add(self, values: Sequence[CellValue], kind: StyleKind | None = None) -> int:
        self.grid.append(list(values))
        row = len(self.grid)
        if kind is not None and values:
            self.style(row, 1, row, len(values), kind)
        return row

    def style(self, first_row: int, first_col: int, last_row: int, last_col: int, kind: StyleKind) -> None:
        if last_row >= first_row:
            self.styles.append(CellStyle(first_row, first_col, last_row, last_col, kind))

    def table(self, section: Section) -> tuple[int, int, int]:
        """Header row, body; returns (header row, first body row, last body row)."""
        header = self.add(section.headers, "header")
        first = len(self.grid) + 1
        for values in display_rows(section):
            self.add(values)
        last = len(self.grid)
        for column, kind in section.kinds.items():
            self.style(first, column + 1, last, column + 1, kind)
        if section.total and section.rows:
            self.style(last, 1, last, len(section.headers), "total")
        return header, first, last


def _chart_for(section: Section, header: int, first: int, last: int, say: Words) -> ChartSpec | None:
    if not section.rows:
        return None
    if section.key == "by_source" and last > first:  # the total row stays out of the chart
        return ChartSpec(say("Win rate by source"), (1, first, last - 1), (Series(9, header, first, last - 1),),
                         anchor_row=1, anchor_col=CHART_COLUMN, percent=True)
    if section.key == "funnel":
        return ChartSpec(say("Stage funnel"), (1, first, last), (Series(2, header, first, last),), anchor_row=19,
                         anchor_col=CHART_COLUMN)
    if section.key == "loss_reasons_by_quarter":
        series = tuple(Series(2 + i, header, first, last) for i in range(len(section.headers) - 1))
        return ChartSpec(say("Loss reasons per quarter"), (1, first, last), series, anchor_row=37,
                         anchor_col=CHART_COLUMN, horizontal=False, stacked=True, y_title=say("Lost leads"))
    return None


def summary_tab(insights: Insights, title: str, updated: datetime | date | None, language: str | None = None
                ) -> tuple[Grid, TabLook]:
    language = language or insights.language
    say = words(language)
    tab = _Tab()
    tab.add([title, say(UPDATED_LABEL), updated])
    tab.style(1, 1, 1, 1, "title")
    tab.style(1, 2, 1, 2, "note")
    tab.style(1, 3, 1, 3, "datetime")
    for section in summary_sections(insights, language):  # the follow-ups have a tab of their own
        tab.add([])
        tab.add([section.title], "section")
        if section.rows:
            header, first, last = tab.table(section)
            chart = _chart_for(section, header, first, last, say)
            if chart is not None:
                tab.charts.append(chart)
        for note in section.notes:
            tab.add([note], "note")
    widths = {1: 30, 2: 13, 3: 18, 4: 17, 5: 17, 6: 15, 7: 10, 8: 18, 9: 13, 10: 12}  # the French headers fit
    return tab.grid, TabLook(styles=tuple(tab.styles), charts=tuple(tab.charts), widths=widths, freeze_rows=1)


def follow_ups_tab(insights: Insights, language: str | None = None) -> tuple[Grid, TabLook]:
    tab = _Tab()
    tab.table(follow_ups_section(insights, language))
    for i, item in enumerate(insights.follow_ups):
        if item.days_overdue > 0:
            tab.style(i + 2, 1, i + 2, len(FOLLOW_UP_HEADERS), "overdue")
    widths = {1: 10, 2: 28, 3: 22, 4: 14, 5: 16, 6: 12, 7: 13, 8: 15}
    return tab.grid, TabLook(styles=tuple(tab.styles), widths=widths, freeze_rows=1)


def with_updated(summary: Grid, updated: datetime | date | None) -> Grid:
    """`summary`, a Summary tab's grid, set to show another time of update (in place): the same grid as making
    the tab anew with that time, without computing its tables again."""
    row, column = UPDATED_CELL
    summary[row - 1][column - 1] = updated
    return summary


def updated_value(grid: Grid | None) -> CellValue:
    """The time of the last write, as the Summary tab holds it."""
    row, column = UPDATED_CELL
    if not grid or len(grid) < row or len(grid[row - 1]) < column:
        return None
    return grid[row - 1][column - 1]
