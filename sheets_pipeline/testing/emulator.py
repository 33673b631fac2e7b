"""SheetsEmulator: a stateful Google Sheets API v4 (+ a few Drive v3 endpoints) served on 127.0.0.1.

    emu = SheetsEmulator(); emu.start()
    client = gspread.Client(auth=None, session=emu.session())
    sid = emu.create_spreadsheet("Pipeline", {"Pipeline": [["ID", "Lead"], ["L-1", "Acme"]]})

Besides answering as Google does, it lets a test play the other actors: a person editing the sheet between two
API requests (`before_request`, `set_values`, `insert_rows`, `delete_rows`, `sort_rows`) and an unreliable
network or service (`fail_next`, `drop_next`, `drop_after_next`, `latency`). It counts requests and bytes per
endpoint (`stats`, `requests`).

Strict mode (the default) validates query parameters and request bodies of the Sheets endpoints against the
Sheets v4 discovery document shipped in google-api-python-client and refuses unknown or mistyped members with
Google's 400.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Self
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from . import a1, batch_move, cellvalues, errors, model, render, server, structure
from .service import Service

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
Match = str | Iterable[str] | Callable[[str], bool] | None
BeforeRequest = Callable[[int, str, str, str], None]


@dataclass
class _Fault:
    kind: str  # "fail", "drop" (before handling), "drop_after" (after handling), "cut" (half an answer)
    remaining: int
    match: Match
    status: int = 0
    retry_after: float | None = None
    message: str | None = None

    def matches(self, key: str) -> bool:
        if self.match is None:
            return True
        if callable(self.match):
            return bool(self.match(key))
        if isinstance(self.match, str):
            return key == self.match
        return key in set(self.match)


class _RedirectAdapter(HTTPAdapter):
    """Sends requests addressed to Google's hosts to the emulator instead (path and query kept)."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url)
        request.url = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        kwargs["proxies"] = {}
        return super().send(request, **kwargs)


class SheetsEmulator:
    def __init__(self, strict: bool = True, seed: int | None = 0) -> None:
        self._strict = strict
        self._seed = seed
        self.service = Service(seed, strict)
        self.latency = 0.0
        self._server: server.Server | None = None
        self._faults: list[_Fault] = []
        self._before: BeforeRequest | None = None
        self._count = 0
        self._stats: dict[str, dict[str, int]] = {}
        self.requests: list[dict] = []
        self.errors: list[str] = []  # unexpected exceptions inside the emulator (its bugs, or a callback's)

    # ------------------------------------------------------------ lifecycle
    def start(self) -> SheetsEmulator:
        if self._server is None:
            self._server = server.Server(self._process)
            self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("The emulator is not started: call start() first.")
        return self._server.url

    def session(self) -> requests.Session:
        """A requests.Session whose calls to Google's API hosts reach this emulator."""
        session = requests.Session()
        session.trust_env = False  # no proxy from the environment may intercept 127.0.0.1
        adapter = _RedirectAdapter(self.url)
        for host in GOOGLE_HOSTS:
            session.mount(host, adapter)
        return session

    def reset(self) -> None:
        """Forget every spreadsheet, fault, callback and counter."""
        with self.service.lock:
            self.service = Service(self._seed, self._strict)
            self._faults.clear()
            self._before = None
            self.latency = 0.0
            self.reset_stats()

    @property
    def today(self) -> date | None:
        """The date TODAY() returns (None: the real date)."""
        return self.service.today

    @today.setter
    def today(self, value: date | None) -> None:
        self.service.today = value

    # ------------------------------------------------------------ state seen by a test
    def create_spreadsheet(self, title: str, tabs: dict[str, list[list[Any]]] | None = None) -> str:
        """A spreadsheet whose tabs hold `tabs` values, typed as a person would (USER_ENTERED rules)."""
        with self.service.lock:
            specs = []
            for i, (name, rows) in enumerate((tabs or {"Sheet1": []}).items()):
                width = max((len(r) for r in rows), default=0)
                spec: dict[str, Any] = {"title": name, "gridProperties": {
                    "rowCount": max(1000, len(rows)), "columnCount": max(26, width)}}
                if i == 0:
                    spec["sheetId"] = 0
                specs.append(spec)
            book = self.service.new_spreadsheet(title, specs)
            for sheet, rows in zip(book.sheets, (tabs or {"Sheet1": []}).values()):
                _type_in(book, sheet, 0, 0, rows)
            return book.id

    def _book(self, spreadsheet_id: str) -> model.Spreadsheet:
        """A spreadsheet as the test sees it (whatever the caller's access to it)."""
        book = self.service.books.get(spreadsheet_id)
        if book is None:
            raise KeyError(f"No spreadsheet {spreadsheet_id!r} in the emulator")
        book.today = self.service.today
        return book

    def _sheet(self, book: model.Spreadsheet, tab: str) -> model.Sheet:
        sheet = book.sheet_by_title(tab)
        if sheet is None:
            raise KeyError(f"No tab {tab!r} in spreadsheet {book.id!r}")
        return sheet

    def values(self, spreadsheet_id: str, tab: str) -> list[list[Any]]:
        """The tab's effective values (str / float / bool / None), trailing blanks trimmed."""
        with self.service.lock:
            book = self._book(spreadsheet_id)
            sheet = self._sheet(book, tab)
            grid = []
            for r, line in enumerate(sheet.rows):
                row = [cellvalues.python_of(book.effective(sheet, r, c)[0]) for c in range(len(line))]
                while row and row[-1] is None:
                    row.pop()
                grid.append(row)
            while grid and not grid[-1]:
                grid.pop()
            return grid

    def cell(self, spreadsheet_id: str, tab: str, row: int, col: int) -> dict:
        """CellData of a cell (1-based row and column) as spreadsheets.get with grid data shows it."""
        with self.service.lock:
            book = self._book(spreadsheet_id)
            return render.cell_data(book, self._sheet(book, tab), row - 1, col - 1)

    def spreadsheet(self, spreadsheet_id: str, include_grid_data: bool = True) -> dict:
        """The Spreadsheet resource (with grid data unless told otherwise)."""
        with self.service.lock:
            return render.spreadsheet_resource(self._book(spreadsheet_id), include_grid_data)

    def revoke_access(self, spreadsheet_id: str) -> None:
        """The spreadsheet stays but is no longer shared with the caller: Sheets answers 403 PERMISSION_DENIED
        ("The caller does not have permission"), Drive 404, as for a spreadsheet owned by someone else."""
        with self.service.lock:
            self.service.revoked.add(spreadsheet_id)

    @property
    def notifications(self) -> list[dict]:
        """Sharing e-mails Drive would have sent: {"file", "emailAddress", "role", "message"}."""
        return self.service.notifications

    def permissions(self, spreadsheet_id: str) -> list[dict]:
        """Drive permissions of a file (the owner first), e.g. to check `--share`."""
        with self.service.lock:
            file = self.service.files.get(spreadsheet_id)
            if file is None:
                raise KeyError(spreadsheet_id)
            return [dict(p) for p in file.permissions]

    # ------------------------------------------------------------ edits made by a person
    def _edit(self, spreadsheet_id: str, tab: str, fn: Callable[[model.Spreadsheet, model.Sheet], None]) -> None:
        with self.service.lock:
            book = self._book(spreadsheet_id).clone()
            fn(book, self._sheet(book, tab))
            self.service.commit(book)

    def set_values(self, spreadsheet_id: str, tab: str, start: str, rows: list[list[Any]]) -> None:
        """Type `rows` into the tab from cell `start` (e.g. 'B3'), as a person would."""
        bounds = a1.parse_bounds(start.split(":")[0])
        if bounds is None:
            raise ValueError(f"Not a cell: {start!r}")
        self._edit(spreadsheet_id, tab, lambda book, sheet: _type_in(book, sheet, bounds.r1, bounds.c1, rows))

    def type_cells(self, spreadsheet_id: str, tab: str, cells: dict[tuple[int, int], Any]) -> None:
        """Type scattered cells ({(row, col): value}, 1-based) in one go, as a day of a person's edits."""
        def type_all(book: model.Spreadsheet, sheet: model.Sheet) -> None:
            for (row, col), value in sorted(cells.items()):
                _type_in(book, sheet, row - 1, col - 1, [[value]])

        self._edit(spreadsheet_id, tab, type_all)

    def save_state(self, spreadsheet_id: str) -> model.Spreadsheet:
        """A copy of a spreadsheet as it is now, for `restore_state` (runs that must start from the same sheet)."""
        with self.service.lock:
            return self._book(spreadsheet_id).clone()

    def restore_state(self, saved: model.Spreadsheet) -> None:
        with self.service.lock:
            self.service.commit(saved.clone())

    def insert_rows(self, spreadsheet_id: str, tab: str, before_row: int, count: int = 1) -> None:
        """Insert `count` empty rows above 1-based row `before_row` (they take the format of the row above)."""
        self._edit(spreadsheet_id, tab, lambda book, sheet: structure.move_dimension(
            book, sheet, "ROWS", before_row - 1, count, inherit_before=before_row > 1))

    def delete_rows(self, spreadsheet_id: str, tab: str, first_row: int, count: int = 1) -> None:
        """Delete `count` rows from 1-based row `first_row`."""
        self._edit(spreadsheet_id, tab, lambda book, sheet: structure.move_dimension(
            book, sheet, "ROWS", first_row - 1, -count))

    def sort_rows(self, spreadsheet_id: str, tab: str, column: int | str, ascending: bool = True,
                  header_rows: int = 1) -> None:
        """Sort the tab's rows below `header_rows` by a column (1-based index or letter), like "Sort sheet"."""
        col = column - 1 if isinstance(column, int) else a1.column_index(column)

        def sort(book: model.Spreadsheet, sheet: model.Sheet) -> None:
            last = sheet.last_row_with_data()
            if last > header_rows:
                batch_move.sort_rows(book, sheet, header_rows, 0, last, sheet.column_count,
                                      [{"dimensionIndex": col,
                                        "sortOrder": "ASCENDING" if ascending else "DESCENDING"}])

        self._edit(spreadsheet_id, tab, sort)

    def before_request(self, callback: BeforeRequest | None) -> None:
        """callback(n, endpoint_key, method, path) runs before request n is handled (None removes it)."""
        self._before = callback

    # ------------------------------------------------------------ faults
    def fail_next(self, status: int = 429, count: int = 1, match: Match = None, retry_after: float | None = None,
                  message: str | None = None) -> None:
        """The next `count` matching requests get Google's error for `status` (Retry-After when given)."""
        self._faults.append(_Fault("fail", count, match, status, retry_after, message))

    def drop_next(self, count: int = 1, match: Match = None) -> None:
        """Close the connection of the next `count` matching requests without handling them."""
        self._faults.append(_Fault("drop", count, match))

    def drop_after_next(self, count: int = 1, match: Match = None) -> None:
        """Handle the next `count` matching requests (state changes), then close without answering."""
        self._faults.append(_Fault("drop_after", count, match))

    def cut_next(self, count: int = 1, match: Match = None) -> None:
        """Handle the next `count` matching requests, then close the connection half-way through the answer."""
        self._faults.append(_Fault("cut", count, match))

    def _take_fault(self, key: str) -> _Fault | None:
        for fault in self._faults:
            if fault.remaining > 0 and fault.matches(key):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    # ------------------------------------------------------------ counters
    def stats(self) -> dict[str, dict[str, int]]:
        """{endpoint_key: {"requests", "request_bytes", "response_bytes", "server_seconds"}} (bytes of bodies;
        seconds from the request's arrival to its answer, added latency included)."""
        with self.service.lock:
            return {k: dict(v) for k, v in self._stats.items()}

    def reset_stats(self) -> None:
        with self.service.lock:
            self._stats.clear()
            self.requests.clear()
            self._count = 0

    def _record(self, key: str, method: str, path: str, query: dict, raw: bytes, status: int | None,
                sent: int, started: float | None = None) -> None:
        entry = self._stats.setdefault(key, {"requests": 0, "request_bytes": 0, "response_bytes": 0,
                                             "server_seconds": 0.0})
        entry["requests"] += 1
        if started is not None:
            entry["server_seconds"] += time.perf_counter() - started
        entry["request_bytes"] += len(raw)
        entry["response_bytes"] += sent
        try:
            body: Any = json.loads(raw) if raw.strip() else None
        except (ValueError, UnicodeDecodeError):
            body = raw.decode("utf-8", "replace")
        self.requests.append({"endpoint": key, "method": method, "path": unquote(path), "query": query,
                              "status": status, "body": body})

    # ------------------------------------------------------------ serving
    def _process(self, method: str, path: str, query_text: str, raw: bytes) -> server.Outcome:
        started = time.perf_counter()
        if self.latency:
            time.sleep(self.latency)
        key, params = server.route(method, path)
        query = server.parse_query(query_text)
        with self.service.lock:
            n = self._count
            self._count += 1
        callback = self._before
        if callback is not None:
            # Outside the lock: the callback edits through the emulator's methods, which take it themselves.
            try:
                callback(n, key, method, unquote(path))
            except Exception:  # noqa: BLE001 - a failing callback is the test's bug: keep it visible
                self.errors.append(traceback.format_exc())
        with self.service.lock:
            fault = self._take_fault(key)
            if fault is not None and fault.kind == "drop":
                self._record(key, method, path, query, raw, None, 0)
                return server.Outcome(drop=True)
            if fault is not None and fault.kind == "fail":
                error = errors.injected(fault.status, key, method, fault.retry_after)
                if fault.message:
                    error.message = fault.message
                reply = server.error_reply(key, error)
            else:
                try:
                    reply = server.dispatch(self.service, key, params, query, raw)
                except errors.ApiError as exc:
                    reply = server.error_reply(key, exc)
                except Exception:  # noqa: BLE001 - an emulator bug: answer 500 as Google would, keep the trace
                    self.errors.append(traceback.format_exc())
                    reply = server.error_reply(key, errors.ApiError(500))
            pretty = (query.get("prettyPrint") or ["true"])[0].lower() != "false"
            if isinstance(reply.body, (dict, list)):
                body = server.google_json(reply.body, pretty)
            else:
                body = reply.body or b""
            dropped = fault is not None and fault.kind == "drop_after"
            self._record(key, method, path, query, raw, None if dropped else reply.status, 0 if dropped else len(body),
                         started)
            if dropped:
                return server.Outcome(drop=True)
            cut = fault is not None and fault.kind == "cut"
            return server.Outcome(reply.status, body, reply.content_type, reply.headers, cut=cut)


def _type_in(book: model.Spreadsheet, sheet: model.Sheet, r0: int, c0: int, rows: list[list[Any]]) -> None:
    """Values typed by a person from (r0, c0); the grid grows if needed."""
    locale = book.properties.get("locale", "en_US")
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    if r0 + height > sheet.row_count:
        sheet.resize(rows=r0 + height)
    if c0 + width > sheet.column_count:
        sheet.resize(cols=c0 + width)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if isinstance(value, datetime):
                value = value.strftime("%Y-%m-%d %H:%M:%S")
            elif isinstance(value, date):
                value = value.isoformat()
            sheet.set_cell(r0 + i, c0 + j, cellvalues.typed_cell(value, locale, sheet.cell(r0 + i, c0 + j),
                                                                   raw=False))
