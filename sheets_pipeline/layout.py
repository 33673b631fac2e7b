"""Where things live in the spreadsheet: tab names, the Lists tab, the worker's state tab, the dropdowns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .lists import LIST_SECTIONS, PipelineLists
from .model import FIELDS, HEADER_SCAN_ROWS, Grid
from .text import key
from .vocabulary import LANGUAGES, vocabulary

STATE_TAB = "_sheets_pipeline"
TAB_ROLES = ("pipeline", "lists", "summary", "follow_ups", "history")
# Lists tab, one column each, in this order. The last one is maintained by the worker: a dropdown can only
# point at one range, and the Loss reason column takes a loss reason or a pass reason.
LISTS_COLUMNS = (*LIST_SECTIONS, "reasons")
LISTS_HEADERS = {
    "stages": ("Stages", "Étapes"),
    "outcomes": ("Outcomes", "Résultats"),
    "loss_reasons": ("Loss reasons", "Raisons de perte"),
    "pass_reasons": ("Pass reasons", "Raisons d'écart"),
    "sources": ("Sources", "Sources"),
    "reasons": ("Reason dropdown (kept by sync)", "Liste des raisons (tenue par la synchro)"),
}
# Pipeline column -> Lists column its dropdown offers.
DROPDOWN_SOURCES = {"stage": "stages", "outcome": "outcomes", "loss_reason": "reasons", "source": "sources"}
# Dropdowns reach this many rows past the last lead, rounded up to a multiple: room for the leads people add
# between two syncs, without paying for thousands of empty validated cells in every Google read.
DROPDOWN_HEADROOM = 200
MAX_ROWS = 1_048_576  # the last row of an Excel sheet
MAX_COLUMNS = 16_384  # its last column (XFD)
HISTORY_HEADERS = {
    "en": ["Date", "ID", "Lead", "Column", "From", "To"],
    "fr": ["Date", "ID", "Opportunité", "Colonne", "Avant", "Après"],
}
STATE_HEADERS = ["ID", "Stage", "Outcome"]
STATE_META_NEXT_ID = "next_id"


def tab_name(role: str, language: str) -> str:
    return vocabulary().label("tabs", role, language)


def find_tab(names: Iterable[str], role: str) -> str | None:
    """The actual name of the tab playing `role`, in either language, ignoring case and accents."""
    if role == "state":
        return STATE_TAB if STATE_TAB in names else None
    wanted = {key(label) for label in vocabulary().all_labels("tabs", role)}
    return next((name for name in names if key(name) in wanted), None)


def sheet_language(tabs: Mapping[str, Grid]) -> str | None:
    """The language the sheet's tab names and Pipeline headers are written in, or None when they do not tell
    (labels the same in both languages tell nothing)."""
    vocab = vocabulary()
    votes: Counter[str] = Counter()

    def vote(section: str, roles: Iterable[str], texts: Iterable[str]) -> None:
        spelled: dict[str, str] = {}
        for role in roles:
            english, french = (key(vocab.label(section, role, language)) for language in LANGUAGES)
            if english != french:
                spelled[english], spelled[french] = "en", "fr"
        votes.update(spelled[key(text)] for text in texts if key(text) in spelled)

    vote("tabs", vocab.section("tabs"), tabs)
    pipeline = find_tab(tabs, "pipeline")
    rows = tabs.get(pipeline, [])[:HEADER_SCAN_ROWS] if pipeline else []
    vote("columns", FIELDS, (cell for row in rows for cell in row if isinstance(cell, str)))
    if votes["fr"] == votes["en"]:
        return None
    return "fr" if votes["fr"] > votes["en"] else "en"


def pipeline_headers(language: str) -> list[str]:
    vocab = vocabulary()
    return [vocab.label("columns", name, language) for name in FIELDS]


def lists_column_index(section: str) -> int:
    return LISTS_COLUMNS.index(section)


def _lists_header_keys() -> dict[str, str]:
    return {key(label): section for section, labels in LISTS_HEADERS.items() for label in labels}


def read_lists_tab(grid: Grid) -> dict[str, list[str]]:
    """The values of each list in a Lists tab, found by header; people may move the columns."""
    if not grid:
        return {}
    headers = _lists_header_keys()
    found: dict[str, list[str]] = {}
    for c, header in enumerate(grid[0]):
        section = headers.get(key(header)) if isinstance(header, str) else None
        if section is None or section in found:
            continue
        values = []
        for row in grid[1:]:
            cell = row[c] if c < len(row) else None
            if cell is None:
                continue
            text = (str(int(cell)) if isinstance(cell, float) and cell.is_integer() else str(cell)).strip()
            if text:
                values.append(text)
        found[section] = values
    return found


def lists_grid(lists: PipelineLists, language: str) -> Grid:
    columns: dict[str, list[str]] = lists.labels()
    columns["reasons"] = columns["loss_reasons"] + [
        r for r in columns["pass_reasons"] if key(r) not in {key(x) for x in columns["loss_reasons"]}
    ]
    lang = 0 if language == "en" else 1
    height = max(len(v) for v in columns.values())
    grid: Grid = [[LISTS_HEADERS[section][lang] for section in LISTS_COLUMNS]]
    for i in range(height):
        grid.append([columns[s][i] if i < len(columns[s]) else None for s in LISTS_COLUMNS])
    return grid


def lists_lengths(grid: Grid) -> dict[str, int]:
    return {section: sum(1 for row in grid[1:] if row[i] is not None) for i, section in enumerate(LISTS_COLUMNS)}


@dataclass(frozen=True, order=True)
class Dropdown:
    """A list dropdown on rows first_row..last_row (1-based) of a Pipeline column (0-based), offering the
    first `length` values below the header of a Lists column (0-based)."""

    column: int
    first_row: int
    last_row: int
    lists_column: int
    length: int


def dropdowns_for(columns_index: dict[str, int], header_row: int, last_data_row: int,
                  lengths: dict[str, int]) -> frozenset[Dropdown]:
    wanted_rows = last_data_row + DROPDOWN_HEADROOM
    last_row = -(-wanted_rows // DROPDOWN_HEADROOM) * DROPDOWN_HEADROOM  # round up: the range rarely moves
    last_row = min(last_row, MAX_ROWS)
    return frozenset(
        Dropdown(columns_index[name], header_row + 1, last_row, lists_column_index(section), lengths[section])
        for name, section in DROPDOWN_SOURCES.items()
        if name in columns_index
    )


@dataclass(frozen=True)
class State:
    """What the worker remembers between syncs: each lead's stage and outcome, and the next ID number."""

    leads: dict[str, tuple[str, str]]
    next_id: int


def read_state(grid: Grid | None) -> State:
    if not grid:
        return State({}, 1)
    leads: dict[str, tuple[str, str]] = {}
    next_id = 1
    for row in grid[1:]:
        cells = row if len(row) >= 6 else [*row, *[None] * (6 - len(row))]  # a read trims trailing blanks
        if cells[0] not in (None, ""):
            stage, outcome = cells[1], cells[2]  # as text, blank for None: written out, a row per lead
            leads.setdefault(str(cells[0]), ("" if stage is None else str(stage),
                                             "" if outcome is None else str(outcome)))
        if cells[4] == STATE_META_NEXT_ID and isinstance(cells[5], (int, float)):
            next_id = int(cells[5])
    return State(leads, next_id)


def state_grid(state: State, previous: State | None = None) -> Grid:
    """The state tab. Leads keep the rows they had in `previous` and new ones come after them, so a day's work
    changes a few rows of the tab, not every row below the first new ID."""
    leads = state.leads
    kept = [identifier for identifier in previous.leads if identifier in leads] if previous else []
    known = previous.leads if previous else {}
    order = kept + [identifier for identifier in leads if identifier not in known]
    rows: Grid = [[identifier, leads[identifier][0] or None, leads[identifier][1] or None, None, None, None]
                  for identifier in order] or [[None] * 6]
    rows[0][4:] = [STATE_META_NEXT_ID, state.next_id]  # the key-value column beside the first lead
    return [[*STATE_HEADERS, None, "key", "value"], *rows]


