"""One measured run, in a process of its own: `python bench/contenders.py KIND JSON-ARGS` prints one JSON line.

Each run reports its wall time, CPU time, peak memory (the whole process: interpreter and imports included) and,
for the contenders that plan with our rules, the time spent planning ("compute"). The API calls and bytes are
counted by the emulator, on the other side of the wire.

Kinds:
  ours-google       sheets-pipeline's sync (library call) against a Sheets API endpoint
  per-row           a common gspread script: get_all_values, then one update per changed row
  read-write        the other common one: get_all_values, then one update of the whole range
  ours-xlsx         sheets-pipeline's sync of a workbook
  openpyxl          openpyxl's bare load + save of the same workbook (the floor of any .xlsx rewrite)
  cli               a sheets-pipeline command line, e.g. ["validate", "p.xlsx"]
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dataset import TODAY

PLAN_SECONDS = [0.0]


def _time_planning() -> None:
    """Count the time spent in plan_sync, the pure part of a sync, wherever it is called from."""
    import importlib

    sync_module = importlib.import_module("sheets_pipeline.sync")  # the package exports a function of that name
    plan = sync_module.plan_sync

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return plan(*args, **kwargs)
        finally:
            PLAN_SECONDS[0] += time.perf_counter() - started

    sync_module.plan_sync = timed


def _settings(endpoint: str) -> Any:
    from sheets_pipeline.config import GoogleSettings

    # no client-side throttle: the emulator has no quota, and the point is to count calls, not to wait; a long
    # timeout: the emulator takes far longer than Google to answer a read of 100,000 rows
    return GoogleSettings(api_endpoint=endpoint, requests_per_minute=1_000_000, timeout=1800)


def ours_google(endpoint: str, key: str) -> dict[str, Any]:
    from sheets_pipeline.backends.google_auth import google_client
    from sheets_pipeline.backends.gsheets import GSheetsBackend
    from sheets_pipeline.config import Config
    from sheets_pipeline.sync import sync

    config = Config(google=_settings(endpoint))
    result = sync(GSheetsBackend(google_client(config.google), key), config, TODAY)
    return {"cells": len(result.plan.cells), "written": result.written}


def _gspread_pipeline(endpoint: str, key: str) -> tuple[Any, Any, list[list[str]]]:
    """What such scripts start with: open the spreadsheet, read the Pipeline tab whole."""
    import gspread
    from gspread.utils import ValueRenderOption

    from sheets_pipeline.backends.google_auth import EndpointSession

    client = gspread.Client(auth=None, session=EndpointSession(endpoint))  # stands in for gspread.service_account()
    book = client.open_by_key(key)
    sheet = book.worksheet("Pipeline")
    # unformatted: numbers as numbers and dates as serials, so that an unchanged date is seen as unchanged
    return book, sheet, sheet.get_all_values(value_render_option=ValueRenderOption.unformatted)


def _plan_from_values(rows: list[list[Any]]) -> Any:
    """The same decisions as ours, from the values such a script reads."""
    from sheets_pipeline.backends.base import Snapshot
    from sheets_pipeline.config import Config
    from sheets_pipeline.sync import plan_sync

    grid = [[value if value != "" else None for value in row] for row in rows]
    return plan_sync(Snapshot(tabs={"Pipeline": grid}, dates_as_serials=True), Config(), TODAY).plan


def _text(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else ("" if value is None else value)


def _summary(book: Any, plan: Any) -> None:
    summary = next((grid for title, grid in plan.tabs.items() if title == "Summary"), None)
    if summary is not None:
        book.worksheet("Summary").update(values=[[_text(v) for v in row] for row in summary], range_name="A1",
                                         value_input_option="USER_ENTERED")


def per_row(endpoint: str, key: str) -> dict[str, Any]:
    from gspread.utils import rowcol_to_a1

    book, sheet, rows = _gspread_pipeline(endpoint, key)
    plan = _plan_from_values(rows)
    by_row: dict[int, dict[int, Any]] = defaultdict(dict)
    for change in plan.cells:
        by_row[change.row][change.column] = change.new
    for row, changes in sorted(by_row.items()):
        first, last = min(changes), max(changes)
        current = rows[row - 1] if row - 1 < len(rows) else []
        values = [_text(changes[c]) if c in changes else (current[c] if c < len(current) else "")
                  for c in range(first, last + 1)]
        sheet.update(values=[values], range_name=f"{rowcol_to_a1(row, first + 1)}:{rowcol_to_a1(row, last + 1)}",
                     value_input_option="USER_ENTERED")
    _summary(book, plan)
    return {"cells": len(plan.cells), "rows": len(by_row)}


def read_write(endpoint: str, key: str) -> dict[str, Any]:
    book, sheet, rows = _gspread_pipeline(endpoint, key)
    plan = _plan_from_values(rows)
    width = max(len(row) for row in rows)
    grid = [row + [""] * (width - len(row)) for row in rows]
    for change in plan.cells:
        while len(grid) < change.row:
            grid.append([""] * width)
        if change.column >= width:
            for row in grid:
                row.extend([""] * (change.column + 1 - width))
            width = change.column + 1
        grid[change.row - 1][change.column] = _text(change.new)
    sheet.update(values=grid, range_name="A1", value_input_option="USER_ENTERED")
    _summary(book, plan)
    return {"cells": len(plan.cells)}


def ours_xlsx(path: str) -> dict[str, Any]:
    from sheets_pipeline.backends.xlsx import XlsxBackend
    from sheets_pipeline.config import Config
    from sheets_pipeline.sync import sync

    result = sync(XlsxBackend(path), Config(), TODAY)
    return {"cells": len(result.plan.cells), "written": result.written}


def bare_openpyxl(path: str) -> dict[str, Any]:
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    workbook.save(path + ".openpyxl.xlsx")
    Path(path + ".openpyxl.xlsx").unlink()
    return {}


def cli(args: list[str]) -> dict[str, Any]:
    from click.testing import CliRunner

    from sheets_pipeline.cli import main

    result = CliRunner().invoke(main, [*args, "--today", TODAY.isoformat()], catch_exceptions=False)
    return {"exit_code": result.exit_code}


def _peak_mb() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux carries it over from the parent through fork
    and exec, so a child of a big process would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


KINDS = {"ours-google": ours_google, "per-row": per_row, "read-write": read_write, "ours-xlsx": ours_xlsx,
         "openpyxl": bare_openpyxl, "cli": cli}


def main() -> None:
    kind, arguments = sys.argv[1], json.loads(sys.argv[2])
    _time_planning()
    started, cpu_started = time.perf_counter(), time.process_time()
    extra = KINDS[kind](*arguments)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = _peak_mb()
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_mb": peak_mb, "compute_s": PLAN_SECONDS[0], **extra}))


if __name__ == "__main__":
    main()
