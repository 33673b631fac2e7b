"""The benchmark: sheets-pipeline's nightly sync against two common gspread scripts, and on .xlsx against
openpyxl's bare load + save. `python bench/run.py --help`; docs/performance.md holds the last full run.

Google runs go through real gspread to the Sheets API emulator (in this process) with 0 ms or 100 ms added to
every request, the order of a real round trip to Google. Every contender starts from the same spreadsheet:
yesterday's sync, then a day of people's edits (bench/dataset.py). Each contender runs in a process of its own
(bench/contenders.py), which measures its wall time, CPU time and peak memory; the emulator counts the calls
and bytes on the wire.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dataset import TODAY, YESTERDAY, day_edits, raw_leads
from bench.document import GOOGLE_KINDS, google_findings, google_table, machine, render, xlsx_findings, xlsx_table
from sheets_pipeline.backends.google_auth import google_client
from sheets_pipeline.backends.gsheets import GSheetsBackend
from sheets_pipeline.backends.xlsx import XlsxBackend
from sheets_pipeline.config import Config, GoogleSettings
from sheets_pipeline.new_sheet import new_spreadsheet
from sheets_pipeline.sync import sync
from sheets_pipeline.testing.emulator import SheetsEmulator


def contender(kind: str, *arguments: Any) -> dict[str, Any]:
    """Run one contender in a fresh process; its measurements."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "contenders.py"), kind, json.dumps(arguments)],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _typed(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else ("" if value is None else value)


# --- Google --------------------------------------------------------------------------------------------------

def google_sheet(emu: SheetsEmulator, leads: int) -> tuple[str, Any]:
    """A spreadsheet of `leads` as yesterday's sync left it, then a day of edits; its key and saved state."""
    config = Config(google=GoogleSettings(api_endpoint=emu.url, requests_per_minute=1_000_000, timeout=1800))
    backend = GSheetsBackend(google_client(config.google))
    backend.create(new_spreadsheet(config, YESTERDAY))
    key = backend.key
    assert key is not None
    rows = [[_typed(v) for v in row] for row in raw_leads(leads, config)]
    emu.set_values(key, "Pipeline", "A2", rows)
    sync(backend, config, YESTERDAY)
    emu.type_cells(key, "Pipeline", day_edits(emu.values(key, "Pipeline"), config))
    return key, emu.save_state(key)


def run_google(emu: SheetsEmulator, key: str, saved: Any, kind: str, latency: float) -> dict[str, Any]:
    emu.restore_state(saved)
    emu.latency = latency
    emu.reset_stats()
    measured = contender(kind, emu.url, key)
    measured.update(_wire(emu))
    if kind == "ours-google":  # and straight after, the sync that finds nothing new
        emu.reset_stats()
        again = contender(kind, emu.url, key)
        again.update(_wire(emu))
        measured["again"] = again
    emu.latency = 0.0
    return measured


def _wire(emu: SheetsEmulator) -> dict[str, Any]:
    stats = emu.stats()
    return {"calls": sum(s["requests"] for s in stats.values()),
            "sent_bytes": sum(s["request_bytes"] for s in stats.values()),
            "received_bytes": sum(s["response_bytes"] for s in stats.values()),
            "server_s": sum(s.get("server_seconds", 0.0) for s in stats.values()),
            "endpoints": {name: s["requests"] for name, s in stats.items()}}


# --- .xlsx ---------------------------------------------------------------------------------------------------

def xlsx_workbook(folder: Path, leads: int) -> Path:
    """A workbook of `leads` as yesterday's sync left it, then a day of edits (built once, then reused)."""
    import openpyxl

    path = folder / f"pipeline-{leads}.xlsx"
    if path.exists():
        return path
    config = Config()
    spreadsheet = new_spreadsheet(config, YESTERDAY)
    spreadsheet.tabs["Pipeline"] = [spreadsheet.tabs["Pipeline"][0], *raw_leads(leads, config)]
    building = folder / "building.xlsx"
    XlsxBackend(building).create(spreadsheet)
    sync(XlsxBackend(building), config, YESTERDAY)
    workbook = openpyxl.load_workbook(building)
    sheet = workbook["Pipeline"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    for (row, column), value in day_edits(values, config).items():
        sheet.cell(row, column, value)
        if isinstance(value, date):
            sheet.cell(row, column).number_format = "yyyy-mm-dd"
    workbook.save(building)
    building.rename(path)
    return path


def run_xlsx(folder: Path, source: Path, kind: str) -> dict[str, Any]:
    work = folder / "work.xlsx"
    shutil.copyfile(source, work)
    if kind == "ours-xlsx":
        return contender("ours-xlsx", str(work))
    if kind == "openpyxl":
        return contender("openpyxl", str(work))
    command = {"validate": ["validate"], "report": ["report"], "dry-run": ["sync", "--dry-run"]}[kind]
    return contender("cli", [*command, str(work)])


def measure(sizes: list[int], latencies: list[float], per_row_max: int, with_xlsx: bool, folder: Path
            ) -> tuple[dict[tuple[int, float], dict[str, Any]], dict[int, dict[str, Any]]]:
    google: dict[tuple[int, float], dict[str, Any]] = {}
    xlsx: dict[int, dict[str, Any]] = {}
    with SheetsEmulator(strict=False) as emu:  # requests were checked against the API schema by the tests
        for leads in sizes:
            print(f"{leads:,} leads: building the spreadsheet...", file=sys.stderr)
            key, saved = google_sheet(emu, leads)
            for latency in latencies:
                runs: dict[str, Any] = {}
                for kind in GOOGLE_KINDS:
                    if kind == "per-row" and leads > per_row_max:
                        continue
                    print(f"  {latency * 1000:.0f} ms, {kind}", file=sys.stderr)
                    runs[kind] = run_google(emu, key, saved, kind, latency)
                google[(leads, latency)] = runs
            emu.reset()
            if with_xlsx:
                print(f"{leads:,} leads: .xlsx", file=sys.stderr)
                source = xlsx_workbook(folder, leads)
                xlsx[leads] = {kind: run_xlsx(folder, source, kind)
                               for kind in ("ours-xlsx", "openpyxl", "validate", "report", "dry-run")}
    return google, xlsx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000,100000", help="lead counts, comma-separated")
    parser.add_argument("--latency-ms", default="0,100", help="added to every request, comma-separated")
    parser.add_argument("--per-row-max", type=int, default=100_000,
                        help="skip the per-row peer above this many leads (it makes one request per changed row)")
    parser.add_argument("--skip-xlsx", action="store_true")
    parser.add_argument("--work", default=str(ROOT / "bench" / ".work"), help="where the workbooks are built")
    parser.add_argument("--json", help="also write every measurement to this file")
    parser.add_argument("--from-json", help="measure nothing: report the measurements saved in this file")
    parser.add_argument("--write-doc", help="write the report, with each target checked, to this Markdown file")
    args = parser.parse_args()
    if args.from_json:  # one file, or several runs (e.g. the biggest size on its own) separated by commas
        google, xlsx, commands = {}, {}, []
        for name in args.from_json.split(","):
            saved = json.loads(Path(name).read_text())
            google.update({(int(k.split("@")[0]), float(k.split("@")[1])): v for k, v in saved["google"].items()})
            xlsx.update({int(k): v for k, v in saved["xlsx"].items()})
            commands.append(saved.get("command", "python bench/run.py"))
        where, command = saved["machine"], "` then `".join(commands)
    else:
        folder = Path(args.work)
        folder.mkdir(parents=True, exist_ok=True)
        google, xlsx = measure([int(s) for s in args.sizes.split(",")],
                               [float(s) / 1000 for s in args.latency_ms.split(",")], args.per_row_max,
                               not args.skip_xlsx, folder)
        where, command = machine(), "python " + " ".join(["bench/run.py", *sys.argv[1:]])
    print(f"Machine: {where}\n")
    print("\n".join(google_table(google)))
    if xlsx:
        print()
        print("\n".join(xlsx_table(xlsx)))
    if args.json and not args.from_json:
        Path(args.json).write_text(json.dumps({"machine": where, "command": command, "today": TODAY.isoformat(),
                                               "google": {f"{k[0]}@{k[1]}": v for k, v in google.items()},
                                               "xlsx": xlsx}, indent=1, default=str))
    if args.write_doc:
        text = render(google_findings(google), xlsx_findings(xlsx) if xlsx else [], google, xlsx, where, command)
        Path(args.write_doc).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
