"""The Summary and Follow-ups tabs drawn from the insights: cell values, styles and charts, for any backend."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .insights import Insights
from .looks import CellStyle, ChartSpec, Series, StyleKind, TabLook
from .model import CellValue, Grid

DASH = "—"  # a rate with a zero denominator
ARROWS = {"up": "▲ up", "down": "▼ down", "same": "= same"}
UPDATED_LABEL = "Updated"
UPDATED_CELL = (1, 3)  # row, column (1-based) of the time of the last write
CHART_COLUMN = 13  # charts sit right of the tables (column M)


class _Tab:
    def __init__(self) -> None:
        self.grid: Grid = []
        self.styles: list[CellStyle] = []
        self.charts: list[ChartSpec] = []

    @property
    def next_row(self) -> int:
        return len(self.grid) + 1

    def add(self, values: Sequence[CellValue], kind: StyleKind | None = None) -> int:
        self.grid.append(list(values))
        row = len(self.grid)
        if kind is not None and values:
            self.style(row, 1, row, len(values), kind)
        return row

    def style(self, first_row: int, first_col: int, last_row: int, last_col: int, kind: StyleKind) -> None:
        if last_row >= first_row:
            self.styles.append(CellStyle(first_row, first_col, last_row, last_col, kind))

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[CellValue]],
              kinds: dict[int, StyleKind] | None = None, total: bool = False) -> tuple[int, int, int]:
        """Header row, body; returns (header row, first body row, last body row). `kinds`: 1-based column ->
        style of the body cells."""
        header = self.add(headers, "header")
        first = self.next_row
        figures = {c - 1 for c, kind in (kinds or {}).items() if kind in ("percent", "number", "integer")}
        for values in rows:
            self.add([DASH if v is None and c in figures else v for c, v in enumerate(values)])
        last = self.next_row - 1
        for column, kind in (kinds or {}).items():
            self.style(first, column, last, column, kind)
        if total and rows:
            self.style(last, 1, last, len(headers), "total")
        return header, first, last

    def note(self, text: str) -> None:
        self.add([text], "note")

    def gap(self) -> None:
        self.grid.append([])


def summary_tab(insights: Insights, title: str, updated: datetime | None) -> tuple[Grid, TabLook]:
    tab = _Tab()
    tab.add([title, UPDATED_LABEL, updated])
    tab.style(1, 1, 1, 1, "title")
    tab.style(1, 2, 1, 2, "note")
    tab.style(1, 3, 1, 3, "datetime")
    tab.gap()

    tab.add(["Conversion by source"], "section")
    rows = [[r.source, r.leads, r.open, r.won, r.lost, r.no_response, r.passed, r.invalid_outcome, r.win_rate,
             r.conversion] for r in insights.by_source]
    header, first, last = tab.table(
        ["Source", "Leads", "Open", "Won", "Lost", "No response", "Passed", "Invalid outcome", "Win rate",
         "Conversion"], rows, {9: "percent", 10: "percent"}, total=True)
    if last - 1 >= first:  # the chart leaves the total row out
        tab.charts.append(ChartSpec("Win rate by source", (1, first, last - 1), (Series(9, header, first, last - 1),),
                                    anchor_row=1, anchor_col=CHART_COLUMN, percent=True))
    tab.note("Win rate = Won / (Won + Lost + No response); conversion = Won / all leads. — : nothing to divide by.")
    tab.gap()

    losses = insights.loss_reasons
    tab.add(["Loss reasons"], "section")
    tab.table(["Reason", "Lost", "Share"], [[r.reason, r.count, r.share] for r in losses.reasons], {3: "percent"})
    if losses.lost_without_closed_date:
        tab.note(f"{losses.lost_without_closed_date} Lost lead(s) without a Closed date are left out of the "
                 "quarters below.")
    tab.gap()
    tab.add(["Loss reasons per quarter (by Closed date)"], "section")
    if losses.quarters:
        rows = [[r.reason, *(losses.by_quarter[r.reason][q] for q in losses.quarters)] for r in losses.reasons]
        header, first, last = tab.table(["Reason", *losses.quarters], rows)
        series = tuple(Series(2 + i, header, first, last) for i in range(len(losses.quarters)))
        tab.charts.append(ChartSpec("Loss reasons per quarter", (1, first, last), series, anchor_row=37,
                                    anchor_col=CHART_COLUMN, horizontal=False, stacked=True, y_title="Lost leads"))
    else:
        tab.note("No Lost lead with a Closed date yet.")
    tab.gap()
    tab.add([f"This quarter ({losses.this_quarter}) vs last quarter ({losses.last_quarter})"], "section")
    tab.table(["Reason", losses.this_quarter, losses.last_quarter, f"Share {losses.this_quarter}",
               f"Share {losses.last_quarter}", "Change"],
              [[t.reason, t.this_quarter, t.last_quarter, t.share_this_quarter, t.share_last_quarter,
                ARROWS[t.direction]] for t in losses.trend], {4: "percent", 5: "percent"})
    tab.gap()

    funnel = insights.funnel
    tab.add(["Stage funnel"], "section")
    header, first, last = tab.table(["Stage", "Reached", "Of previous stage", "Of all leads"],
                                    [[r.stage, r.reached, r.share_of_previous, r.share_of_all]
                                     for r in funnel.stages], {3: "percent", 4: "percent"})
    tab.charts.append(ChartSpec("Stage funnel", (1, first, last), (Series(2, header, first, last),), anchor_row=19,
                                anchor_col=CHART_COLUMN))
    tab.note("Reached = the lead's Stage is that stage or a later one, or History shows it there."
             + (f" {funnel.excluded} lead(s) with a blank or invalid Stage are left out." if funnel.excluded else ""))
    tab.gap()

    cycle = insights.cycle_time
    tab.add(["Cycle time, first contact to close (days)"], "section")
    tab.table(["Outcome", "Closed", "Median", "Mean", "90th percentile"],
              [[r.group, r.closed, r.median, r.mean, r.p90] for r in cycle.rows],
              {3: "number", 4: "number", 5: "integer"})
    if cycle.excluded:
        tab.note(f"{cycle.excluded} closed lead(s) left out: First contact or Closed missing, or Closed before "
                 "First contact.")
    tab.gap()

    tab.add(["Per owner"], "section")
    tab.table(["Owner", "Leads", "Qualified", "Won", "Qualified & decided", "Close rate"],
              [[r.owner, r.leads, r.qualified, r.won, r.qualified_decided, r.close_rate] for r in insights.by_owner],
              {6: "percent"})
    tab.note("Qualified = reached In discussion. Close rate = Won / qualified leads that are decided.")
    tab.gap()

    health = insights.health
    tab.add(["Health"], "section")
    tab.table(["", "Count"], [
        ["Open leads", health.open], ["Follow-ups due today", health.due_today], ["Overdue follow-ups", health.overdue],
        ["Stale leads", health.stale], ["Rows with errors", health.rows_with_errors],
        ["Rows with warnings", health.rows_with_warnings],
    ])
    widths = {1: 30, 2: 12, 3: 18, 4: 17, 5: 17, 6: 14, 7: 10, 8: 15, 9: 11, 10: 12}
    return tab.grid, TabLook(styles=tuple(tab.styles), charts=tuple(tab.charts), widths=widths, freeze_rows=1)


FOLLOW_UP_HEADERS = ["ID", "Lead", "Contact", "Owner", "Stage", "Due", "Days overdue", "Follow-ups sent"]


def follow_ups_tab(insights: Insights) -> tuple[Grid, TabLook]:
    tab = _Tab()
    rows = [[f.id, f.lead, f.contact or None, f.owner or None, f.stage or None, f.due, f.days_overdue,
             f.follow_ups_sent] for f in insights.follow_ups]
    tab.table(FOLLOW_UP_HEADERS, rows, {6: "date"})
    overdue = [i for i, f in enumerate(insights.follow_ups) if f.days_overdue > 0]
    for i in overdue:
        tab.style(i + 2, 1, i + 2, len(FOLLOW_UP_HEADERS), "overdue")
    widths = {1: 10, 2: 28, 3: 22, 4: 14, 5: 16, 6: 12, 7: 13, 8: 15}
    return tab.grid, TabLook(styles=tuple(tab.styles), widths=widths, freeze_rows=1)


def updated_value(grid: Grid | None) -> CellValue:
    """The time of the last write, as the Summary tab holds it."""
    row, column = UPDATED_CELL
    if not grid or len(grid) < row or len(grid[row - 1]) < column:
        return None
    return grid[row - 1][column - 1]
