"""The Pipeline tab as data: columns found by header name, and one Lead per non-blank row."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal, Union

from .dates import DateParseError, parse_date
from .errors import MissingColumnError, SheetError
from .lists import PipelineLists
from .text import key, shorten
from .vocabulary import Term, TermList, vocabulary
from .wording import words


class Formula(str):
    """A cell that holds a formula (the text is the formula, e.g. '=A2*2'), as opposed to text that looks like one."""


CellValue = Union[None, str, int, float, bool, date, datetime, Formula]
Grid = list[list[CellValue]]

FIELDS: tuple[str, ...] = (
    "id", "lead", "contact", "email", "source", "owner", "stage", "outcome", "loss_reason", "value",
    "created", "first_contact", "last_contact", "follow_ups", "last_reply", "closed", "next_follow_up",
    "flags", "notes",
)
OPTIONAL_FIELDS = frozenset({"contact", "email", "value", "notes"})
REQUIRED_FIELDS = tuple(f for f in FIELDS if f not in OPTIONAL_FIELDS)
DATE_FIELDS = ("created", "first_contact", "last_contact", "last_reply", "closed")
_DATE_CELLS = (*DATE_FIELDS, "next_follow_up")  # every cell read as a date, the worker's own included
# Columns the worker writes. Everything else in the Pipeline tab belongs to people.
OWNED_FIELDS = frozenset({"next_follow_up", "flags"})
FORMULA_NOT_READ = "holds a formula; its result is not read"
STAMPED_FIELDS = frozenset({"id", "created", "first_contact", "closed"})
# A row is a lead when one of these holds something; custom columns (often formulas filled down) do not count.
CONTENT_FIELDS = tuple(f for f in FIELDS if f not in OWNED_FIELDS)
HEADER_SCAN_ROWS = 10

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """Something wrong with one lead (row) or with the sheet as a whole (row None)."""

    row: int | None
    field: str | None
    severity: Severity
    message: str


@dataclass(frozen=True)
class Columns:
    """Where each field is: 0-based column index by field, and the sheet row of the header (1-based)."""

    header_row: int
    index: dict[str, int]
    headers: dict[str, str]  # field -> header text as the sheet spells it
    width: int

    @cached_property
    def content_positions(self) -> list[int]:
        """Columns whose content makes a row a lead."""
        return [self.index[name] for name in CONTENT_FIELDS if name in self.index]

    @cached_property
    def _reach(self) -> int:
        """How long a row must be to hold every known column."""
        return max(self.index.values(), default=-1) + 1

    def cells(self, row: Sequence[CellValue]) -> tuple[CellValue, ...]:
        """The cells of `row`, up to every known column at least: None for those past its end (sheets trim the
        blank cells that end a row)."""
        missing = self._reach - len(row)
        return tuple(row) if missing <= 0 else (*row, *(None,) * missing)

    def has(self, name: str) -> bool:
        return name in self.index

    def label(self, name: str) -> str:
        return self.headers.get(name) or vocabulary().label("columns", name, "en")


def column_letter(index0: int) -> str:
    letters = ""
    n = index0 + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


_RANGE_REF = re.compile(r"^=?(?:'((?:[^']|'')+)'|([^!]+))!\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)$")


def parse_range_ref(text: str) -> tuple[str, int, int, int, int] | None:
    """"=Lists!$A$2:$A$4" or "'Lists'!A2:A4" -> ('Lists', first column, first row, last column, last row),
    columns 0-based, rows 1-based."""
    match = _RANGE_REF.match(text.strip())
    if match is None:
        return None
    title = (match[1] or "").replace("''", "'") or match[2]
    return title, column_index(match[3]), int(match[4]), column_index(match[5]), int(match[6])


def _header_keys() -> dict[str, str]:
    vocab = vocabulary()
    table: dict[str, str] = {}
    for name in FIELDS:
        for label in vocab.all_labels("columns", name):
            table.setdefault(key(label), name)
    return table


def _cell_text(value: CellValue) -> str:
    if value is None:
        return ""
    if type(value) is str:
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def find_columns(grid: Grid, language: str = "en") -> Columns:
    """Locate the header row (within the first rows) and every known column in it."""
    table = _header_keys()
    best_row, best_hits = -1, 0
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        hits = sum(1 for v in row if isinstance(v, str) and key(v) in table)
        if hits > best_hits:
            best_row, best_hits = r, hits
    if best_hits < 3:
        raise SheetError("Pipeline tab: no header row found (expected columns such as Lead, Stage, Outcome)")
    row = grid[best_row]
    index: dict[str, int] = {}
    headers: dict[str, str] = {}
    for c, value in enumerate(row):
        if not isinstance(value, str):
            continue
        name = table.get(key(value))
        if name is None:
            continue
        if name in index:
            raise SheetError(
                f"Pipeline tab: column '{shorten(value)}' appears twice "
                f"({column_letter(index[name])} and {column_letter(c)}); rename or remove one"
            )
        index[name] = c
        headers[name] = " ".join(value.split())  # one line, however the header cell wraps
    missing = [name for name in REQUIRED_FIELDS if name not in index]
    if missing:
        vocab = vocabulary()
        names = ", ".join(f"'{vocab.label('columns', m, language)}'" for m in missing)
        plural = "s" if len(missing) > 1 else ""
        raise MissingColumnError(f"Pipeline tab: missing column{plural} {names} (header row {best_row + 1})")
    filled = [c for c, value in enumerate(row) if value is not None and not (isinstance(value, str) and not value.strip())]
    return Columns(header_row=best_row + 1, index=index, headers=headers, width=max(filled, default=0) + 1)


@dataclass(slots=True)
class Lead:
    row: int  # sheet row number, 1-based
    # The row's cells as the sheet holds them, and where each field's cell is among them (the Columns' index, one
    # dict for every lead): read in place, the cells of a big sheet are not copied into a dict per lead.
    cells: tuple[CellValue, ...]
    positions: dict[str, int]
    id: str = ""
    lead: str = ""
    email: str = ""
    owner: str = ""
    stage: Term | None = None
    outcome: Term | None = None
    loss_reason: Term | None = None
    source: Term | None = None
    value: float | None = None
    follow_ups: int = 0
    dates: dict[str, date | None] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    stamped: dict[str, Any] = field(default_factory=dict)  # values this sync writes, over the cells

    def cell(self, name: str) -> CellValue:
        """What the sheet holds in field `name`'s cell, this sync's stamps aside; None without such a column."""
        position = self.positions.get(name)
        return None if position is None else self.cells[position]

    def apply(self, stamps: dict[str, Any], outcome: Term | None = None) -> None:
        """See the lead with this sync's stamps (and auto-close) applied; the cells keep what the sheet holds."""
        for name, value in stamps.items():
            self.stamped[name] = value
            if isinstance(value, date):
                self.dates[name] = value
        if outcome is not None:
            self.outcome = outcome
            self.stamped["outcome"] = outcome.label

    def text(self, name: str) -> str:
        if name in self.stamped:
            value = self.stamped[name]
        else:  # `cell`, written out: the rules ask for a lead's text and `has` a dozen times
            position = self.positions.get(name)
            value = None if position is None else self.cells[position]
        if type(value) is str:
            return value.strip()
        return "" if value is None else _cell_text(value).strip()

    def has(self, name: str) -> bool:
        """Whether the cell holds anything but blanks (as this sync leaves it): `bool(self.text(name))` without
        writing out numbers and dates."""
        if name in self.stamped:
            value = self.stamped[name]
        else:
            position = self.positions.get(name)
            value = None if position is None else self.cells[position]
        if value is None:
            return False
        if type(value) is date:  # as most cells asked about hold
            return True
        if isinstance(value, str):
            return bool(value.strip())
        return isinstance(value, (int, float, date)) or bool(_cell_text(value).strip())

    def date(self, name: str) -> date | None:
        return self.dates.get(name)

    @property
    def is_open(self) -> bool:
        return self.outcome is None and not self.has("outcome")

    def flag(self, name: str | None, severity: Severity, message: str) -> None:
        self.findings.append(Finding(self.row, name, severity, message))


@dataclass
class ParsedSheet:
    columns: Columns
    leads: list[Lead]
    findings: list[Finding]  # sheet-level findings (row None)


_NUMBER_JUNK = re.compile(r"[\s\u00a0\u202f€$£¥]|EUR|USD|GBP|k€", re.IGNORECASE)


def _parse_number(value: CellValue, decimal_comma: bool = False) -> float:
    """A number typed as text: '1,200.50' in English, '1 200,50' or '1.200,50' in French."""
    if type(value) is int or type(value) is float:  # a number cell, as most are (bool, a kind of int, is not)
        if not math.isfinite(value):
            raise ValueError
        return float(value)
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError
        return float(value)
    if isinstance(value, str):
        number = float(_plain_number(_NUMBER_JUNK.sub("", value), decimal_comma))
        if not math.isfinite(number):  # "nan", "inf": float() reads them, a deal value is never one
            raise ValueError
        return number
    raise ValueError


def _plain_number(text: str, decimal_comma: bool) -> str:
    """Drop thousands separators and make the decimal mark a dot. With both marks, the last one is decimal;
    with one mark, a group of exactly three digits after it reads as thousands unless the sheet's language
    writes decimals that way."""
    if "," in text and "." in text:
        decimal, thousands = (",", ".") if text.rfind(",") > text.rfind(".") else (".", ",")
        return text.replace(thousands, "").replace(decimal, ".")
    for mark, native in ((",", decimal_comma), (".", not decimal_comma)):
        if mark in text:
            parts = text.split(mark)
            if len(parts) == 2 and (len(parts[1]) != 3 or native):
                return text.replace(mark, ".")
            return text.replace(mark, "")
    return text


def _is_blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _stripped(value: CellValue) -> str:
    """A cell as text, trimmed: `Lead.text` of a cell this sync does not stamp."""
    if type(value) is str:
        return value.strip()
    return "" if value is None else _cell_text(value).strip()


def _parse_term(lead: Lead, name: str, value: CellValue, terms: TermList, language: str) -> Term | None:
    if type(value) is str:  # the usual cell: typed, or picked from the dropdown
        return terms.find(value) if value.strip() else None
    if _is_blank(value):
        return None
    if isinstance(value, Formula):
        lead.flag(name, "warning", words(language)(FORMULA_NOT_READ))
        return None
    return terms.find(_cell_text(value))


def _text_or_blank(cells: tuple[CellValue, ...]) -> bool:
    """Whether each cell holds text (not a formula) or nothing: what it reads as then hangs on its text alone."""
    for cell in cells:
        if cell is not None and type(cell) is not str:
            return False
    return True


def _parse_terms(lead: Lead, cells: tuple[CellValue, ...], lists: PipelineLists) -> tuple[Term | None, ...]:
    """The terms in the Stage, Outcome, Source and Loss reason `cells` of `lead`."""
    stage, outcome, source, reason = cells
    language = lists.language
    stage_term = _parse_term(lead, "stage", stage, lists.stages, language)
    outcome_term = _parse_term(lead, "outcome", outcome, lists.outcomes, language)
    source_term = _parse_term(lead, "source", source, lists.sources, language)
    reasons = lists.pass_reasons if (outcome_term and outcome_term.role == "passed") else lists.loss_reasons
    return stage_term, outcome_term, source_term, _parse_term(lead, "loss_reason", reason, reasons, language)


def parse_lead(row_number: int, row: Sequence[CellValue], columns: Columns, lists: PipelineLists,
               date_order: str, decimal_comma: bool = False) -> Lead | None:
    """One sheet row as a Lead, or None for a blank row. Value problems become findings on the lead."""
    width = len(row)
    for i in columns.content_positions:  # the hot path: most rows of a big sheet are leads, many are blank
        if i < width:
            value = row[i]
            if value is not None and (type(value) is not str or value.strip()):
                break
    else:
        return None
    cells = columns.cells(row)
    at = columns.index  # find_columns made sure the required fields are there: only optional ones may be missing
    lead = Lead(row_number, cells, at)  # not by keyword: a class called with keywords pays for a dict, once per row
    lead.id = _stripped(cells[at["id"]])
    lead.lead = _stripped(cells[at["lead"]])
    lead.email = _stripped(lead.cell("email"))
    lead.owner = _stripped(cells[at["owner"]])
    typed = (cells[at["stage"]], cells[at["outcome"]], cells[at["source"]], cells[at["loss_reason"]])
    if _text_or_blank(typed):  # typed or picked from a dropdown, as nearly every cell is
        terms = lists.terms_by_cells.get(typed)
        if terms is None:
            terms = lists.terms_by_cells[typed] = _parse_terms(lead, typed, lists)  # text alone: no finding to repeat
    else:
        terms = _parse_terms(lead, typed, lists)
    lead.stage, lead.outcome, lead.source, lead.loss_reason = terms
    value = lead.cell("value")
    if not _is_blank(value) and not isinstance(value, Formula):
        try:
            lead.value = _parse_number(value, decimal_comma)
        except ValueError:
            lead.flag("value", "error", words(lists.language)("'{text}' is not a number",
                                                              text=shorten(_cell_text(value))))
    follow_ups = cells[at["follow_ups"]]
    if isinstance(follow_ups, Formula):
        lead.flag("follow_ups", "warning", words(lists.language)(FORMULA_NOT_READ))
    elif not _is_blank(follow_ups):
        try:
            count = _parse_number(follow_ups, decimal_comma)
        except ValueError:
            count = -1.0
        if count < 0 or not count.is_integer():
            lead.flag("follow_ups", "error", words(lists.language)("'{text}' is not a count of follow-ups",
                                                                   text=shorten(_cell_text(follow_ups))))
        else:
            lead.follow_ups = int(count)
    dates = lead.dates
    for name in _DATE_CELLS:
        cell = dates[name] = cells[at[name]]
        if cell is not None and type(cell) is not date:  # most date cells hold a date or nothing: nothing to read
            dates[name] = _parse_date_cell(lead, name, cell, date_order, lists.language)
    return lead


def _parse_date_cell(lead: Lead, name: str, cell: CellValue, date_order: str, language: str) -> date | None:
    if isinstance(cell, Formula):
        if name != "next_follow_up":
            lead.flag(name, "warning", words(language)(FORMULA_NOT_READ))
        return None
    try:
        return parse_date(cell, date_order)
    except DateParseError as exc:
        if name != "next_follow_up":  # ours: rewritten anyway
            say = words(language)
            lead.flag(name, "error", say("{error}; use a date such as {example}", error=say(exc.template, **exc.values),
                                         example=_example(date_order)))
        return None


def _example(order: str) -> str:
    return {"dmy": "31/12/2026", "mdy": "12/31/2026"}.get(order, "2026-12-31")


def parse_pipeline(grid: Grid, lists: PipelineLists, date_order: str, language: str = "en") -> ParsedSheet:
    columns = find_columns(grid, language)
    decimal_comma = language == "fr"
    leads: list[Lead] = []
    for r in range(columns.header_row, len(grid)):
        lead = parse_lead(r + 1, grid[r], columns, lists, date_order, decimal_comma)
        if lead is not None:
            leads.append(lead)
    return ParsedSheet(columns=columns, leads=leads, findings=[])
