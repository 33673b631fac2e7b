"""`cron` output (a crontab line that parses, systemd units with what systemd needs), `doctor` on a healthy setup
and on each failure it names, `sync --all` over several pipelines, and bad input: one line, exit 2, nothing
started."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import openpyxl
import pytest

from sheets_pipeline import cli

TODAY = ["--today", "2026-12-04"]
GSHEET = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg/edit"


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""
    attempts: list[object] = []

    def refuse(self, address):
        attempts.append(address)
        raise AssertionError(f"network access to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def one_line_error(result) -> str:
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert result.stderr.strip() == lines[0], "the error goes to stderr"
    return lines[0]


def state_home() -> Path:
    return Path(os.environ["XDG_STATE_HOME"])


# --- cron: the crontab line -------------------------------------------------------------------------------------------

CRON_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]  # minute, hour, day of month, month, day of week
_ITEM = re.compile(r"^(?:(\*)|(\d+)(?:-(\d+))?)(?:/(\d+))?$")


def valid_cron_field(field: str, low: int, high: int) -> bool:
    """One crontab time field: comma-separated items, each *, N or N-M, optionally /STEP."""
    for item in field.split(","):
        match = _ITEM.match(item)
        if match is None:
            return False
        star, start, end, step = match.groups()
        if step is not None and int(step) < 1:
            return False
        if star is None:
            first, last = int(start), int(end) if end is not None else int(start)
            if not (low <= first <= high and low <= last <= high and first <= last):
                return False
            if step is not None and end is None:
                return False
        elif step is not None and int(step) > high:
            return False
    return True


def test_the_cron_field_validator_itself():
    assert valid_cron_field("*/15", 0, 59)
    assert valid_cron_field("0", 0, 59)
    assert valid_cron_field("1-5", 0, 7)
    assert valid_cron_field("0,30", 0, 59)
    assert not valid_cron_field("60", 0, 59)
    assert not valid_cron_field("*/0", 0, 59)
    assert not valid_cron_field("x", 0, 59)
    assert not valid_cron_field("", 0, 59)
    assert not valid_cron_field("24", 0, 23)
    assert not valid_cron_field("0", 1, 31)


def sections(output: str) -> dict[str, str]:
    """The output's parts, by their `# --- name ---` header."""
    parts: dict[str, list[str]] = {}
    current = None
    for line in output.splitlines():
        header = re.match(r"^# --- (.+) ---$", line)
        if header:
            current = header.group(1)
            parts[current] = []
        elif current is not None:
            parts[current].append(line)
    return {name: "\n".join(lines) for name, lines in parts.items()}


def crontab_entry(text: str) -> tuple[list[str], list[str], dict[str, str]]:
    """The one job of a crontab text: its five time fields, its command split as a shell would, and the variables
    set before it."""
    jobs, variables = [], {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        assignment = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", line)
        if assignment:
            variables[assignment.group(1)] = assignment.group(2)
            continue
        jobs.append(line)
    assert len(jobs) == 1, jobs
    parts = jobs[0].split(None, 5)
    assert len(parts) == 6, jobs[0]
    assert "%" not in parts[5], "an unescaped % ends a cron command"
    return parts[:5], shlex.split(parts[5]), variables


def assert_valid_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pytest.fail(f"'{name}' is not a timezone name cron or systemd can read")


def assert_runs_sync_all_with_the_config(argv: list[str], config: Path) -> None:
    assert Path(argv[0]).is_absolute(), argv
    assert os.access(argv[0], os.X_OK), argv[0]
    assert "--config" in argv
    given = argv[argv.index("--config") + 1]
    assert Path(given).is_absolute(), given
    assert Path(given) == config.resolve()
    i = argv.index("sync")
    assert "--all" in argv[i + 1:], argv
    if "--log-file" in argv:
        assert Path(argv[argv.index("--log-file") + 1]).is_absolute()


@pytest.fixture
def paris_config(tmp_path) -> Path:
    config = tmp_path / "team.yaml"
    config.write_text("timezone: Europe/Paris\ntarget: p.xlsx\n")
    return config


@pytest.mark.parametrize(
    ("args", "fields"),
    [
        ((), "0 2 * * *"),
        (("--at", "06:30"), "30 6 * * *"),
        (("--every", "15m"), "*/15 * * * *"),
        (("--every", "1h"), "0 * * * *"),
        (("--every", "6h"), "0 */6 * * *"),
    ],
)
def test_crontab_line_parses_and_runs_sync_all_with_the_config(run, paris_config, args, fields):
    result = run("--config", str(paris_config), "cron", *args)
    assert result.exit_code == 0, result.output
    text = sections(result.stdout)["crontab"]
    times, argv, variables = crontab_entry(text)
    assert all(valid_cron_field(f, low, high) for f, (low, high) in zip(times, CRON_RANGES)), times
    assert " ".join(times) == fields
    assert_runs_sync_all_with_the_config(argv, paris_config)
    if "CRON_TZ" in variables:
        assert variables["CRON_TZ"] == "Europe/Paris"


def test_crontab_follows_the_configs_schedule_and_makes_a_relative_config_path_absolute(run, tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("timezone: Europe/Paris\ntarget: p.xlsx\nschedule:\n  every: 30m\n")
    result = run("--config", "c.yaml", "cron")
    assert result.exit_code == 0, result.output
    parts = sections(result.stdout)
    times, argv, _ = crontab_entry(parts["crontab"])
    assert " ".join(times) == "*/30 * * * *"
    assert_runs_sync_all_with_the_config(argv, config)
    service = parse_unit(parts["/etc/systemd/system/sheets-pipeline.service"])
    assert_runs_sync_all_with_the_config(shlex.split(service["Service"]["ExecStart"]), config)


def test_cron_names_the_default_config_file_explicitly(run, tmp_path):
    """Cron and systemd do not start in this folder: the config found here by default is named by absolute path."""
    config = tmp_path / "sheets-pipeline.yaml"
    config.write_text("timezone: Europe/Paris\ntarget: p.xlsx\n")
    result = run("cron")
    assert result.exit_code == 0, result.output
    _, argv, _ = crontab_entry(sections(result.stdout)["crontab"])
    assert_runs_sync_all_with_the_config(argv, config)


@pytest.mark.parametrize("every", ["7m", "90s", "15x"])
def test_an_every_cron_cannot_express_is_a_one_line_error(run, paris_config, every):
    result = run("--config", str(paris_config), "cron", "--every", every)
    assert result.exit_code == 2
    line = one_line_error(result)
    assert line.startswith("error: ")
    assert every.rstrip("msx") in line or every in line


def test_cron_names_a_real_timezone_when_the_config_sets_none(tmp_path):
    """Without `timezone` in the config, the machine's zone is used; cron's CRON_TZ and systemd's OnCalendar need its
    name in the tz database (Asia/Kolkata), not an abbreviation such as IST."""
    (tmp_path / "c.yaml").write_text("target: p.xlsx\n")
    env = {**os.environ, "TZ": "Asia/Kolkata", "XDG_STATE_HOME": str(tmp_path / "state")}
    env.pop("SHEETS_PIPELINE_CONFIG", None)
    done = subprocess.run([sys.executable, "-m", "sheets_pipeline", "--config", "c.yaml", "cron"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    parts = sections(done.stdout)
    _, _, variables = crontab_entry(parts["crontab"])
    if "CRON_TZ" in variables:
        assert_valid_zone(variables["CRON_TZ"])
    timer = parse_unit(parts["/etc/systemd/system/sheets-pipeline.timer"])
    calendar = timer["Timer"]["OnCalendar"].split()
    if len(calendar) == 3:
        assert_valid_zone(calendar[2])


# --- cron: the systemd units --------------------------------------------------------------------------------------------

def parse_unit(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True, delimiters=("=",),
                                       comment_prefixes=("#", ";"))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(text)
    return parser


SYSTEMD_SPAN = re.compile(r"^(\d+\s*(usec|us|msec|ms|seconds|second|sec|s|minutes|minute|min|m|hours|hour|hr|h|days|"
                          r"day|d|weeks|week|w|months|month|M|years|year|y)\s*)+$")


@pytest.mark.parametrize(("args", "period"), [((), None), (("--at", "06:30"), None), (("--every", "15m"), "15min"),
                                              (("--every", "1h"), "1h"), (("--every", "6h"), "6h")])
def test_systemd_units_have_what_systemd_needs(run, paris_config, tmp_path, args, period):
    result = run("--config", str(paris_config), "cron", *args)
    assert result.exit_code == 0, result.output
    parts = sections(result.stdout)
    service_name = next(name for name in parts if name.endswith(".service"))
    timer_name = next(name for name in parts if name.endswith(".timer"))
    assert Path(service_name).stem == Path(timer_name).stem
    service = parse_unit(parts[service_name])
    timer = parse_unit(parts[timer_name])

    assert service["Unit"]["Description"].strip()
    assert service["Service"]["Type"] == "oneshot"
    argv = shlex.split(service["Service"]["ExecStart"])
    assert_runs_sync_all_with_the_config(argv, paris_config)
    if "WorkingDirectory" in service["Service"]:
        assert Path(service["Service"]["WorkingDirectory"]).is_absolute()

    assert timer["Unit"]["Description"].strip()
    assert timer["Timer"]["Unit"] == Path(service_name).name
    assert timer["Install"]["WantedBy"] == "timers.target"
    if period is None:
        assert "OnUnitActiveSec" not in timer["Timer"]
        calendar = timer["Timer"]["OnCalendar"]
        match = re.match(r"^\*-\*-\* (\d\d):(\d\d):(\d\d)(?: (\S+))?$", calendar)
        assert match, calendar
        hour, minute = (6, 30) if args else (2, 0)
        assert (int(match.group(1)), int(match.group(2)), int(match.group(3))) == (hour, minute, 0)
        if match.group(4):
            assert match.group(4) == "Europe/Paris"
    else:
        assert "OnCalendar" not in timer["Timer"]
        assert timer["Timer"]["OnUnitActiveSec"] == period
        assert SYSTEMD_SPAN.match(timer["Timer"]["OnUnitActiveSec"])
        # OnUnitActiveSec alone never fires the first time: something must start the cycle
        assert {"OnBootSec", "OnActiveSec", "OnStartupSec"} & set(timer["Timer"])


# --- doctor -----------------------------------------------------------------------------------------------------------

@pytest.fixture
def healthy(run, tmp_path) -> Path:
    """A config, its workbook, and one good sync."""
    config = tmp_path / "team.yaml"
    config.write_text("target: p.xlsx\n")
    assert run("init", "p.xlsx", "--sample", *TODAY).exit_code == 0
    assert run("--config", str(config), "sync", *TODAY).exit_code == 0
    return config


def doctor(run, config: Path | str, *more: str):
    result = run("--config", str(config), "doctor", *TODAY, *more)
    assert "Traceback" not in result.output
    return result, result.stdout.strip().splitlines()


def failures(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("✗")]


def assert_fails_with(result, lines: list[str], *fragments: str) -> str:
    assert result.exit_code == 1, result.output
    bad = failures(lines)
    matching = [line for line in bad if all(f in line for f in fragments)]
    assert matching, f"no ✗ line with {fragments}: {lines}"
    assert " — fix: " in matching[0] and matching[0].split(" — fix: ", 1)[1].strip(), matching[0]
    return matching[0]


def test_doctor_on_a_healthy_setup(run, healthy):
    result, lines = doctor(run, healthy)
    assert result.exit_code == 0, result.output
    checks = lines[:-1]
    assert checks and all(line.startswith("✓ ") for line in checks), lines
    assert lines[-1] == "all good"
    text = "\n".join(checks)
    for what in ("config", "reachable", "columns", "dropdowns", "last sync", "state folder"):
        assert what in text, what


def test_doctor_before_the_first_sync_warns_but_passes(run, tmp_path):
    (tmp_path / "team.yaml").write_text("target: p.xlsx\n")
    run("init", "p.xlsx", "--sample", *TODAY)
    result, lines = doctor(run, "team.yaml")
    assert result.exit_code == 0
    assert any(line.startswith("! ") and "never synced" in line and "fix:" in line for line in lines)


def test_doctor_missing_workbook(run, healthy, tmp_path):
    Path("p.xlsx").unlink()
    result, lines = doctor(run, healthy)
    line = assert_fails_with(result, lines, "p.xlsx")
    assert "init p.xlsx" in line.split("fix:")[1]


def test_doctor_checks_each_target_of_several_pipelines(run, tmp_path):
    (tmp_path / "agency.yaml").write_text(
        "pipelines:\n  - name: acme\n    target: acme.xlsx\n  - name: bolt\n    target: bolt.xlsx\n")
    run("init", "acme.xlsx", *TODAY)
    run("--config", "agency.yaml", "sync", "--all")
    result, lines = doctor(run, "agency.yaml")
    assert_fails_with(result, lines, "bolt", "bolt.xlsx")
    assert not [line for line in failures(lines) if "acme" in line]
    assert any(line.startswith("✓ acme:") for line in lines)


@pytest.mark.parametrize(
    "content",
    ["cadence: [3, 0]\n", "target: p.xlsx\nschedul:\n  at: '03:00'\n", "target: [p.xlsx\n",
     "pipelines:\n  - name: a\n    target: a.xlsx\n  - name: a\n    target: b.xlsx\n"],
    ids=["bad-value", "unknown-key", "not-yaml", "name-twice"],
)
def test_doctor_bad_config(run, tmp_path, content):
    (tmp_path / "bad.yaml").write_text(content)
    result, lines = doctor(run, "bad.yaml")
    assert result.exit_code == 1
    assert lines and lines[0].startswith("✗ config")
    assert "fix:" in lines[0]
    assert "bad.yaml" in lines[0]


def test_doctor_missing_config_file(run):
    result, lines = doctor(run, "nope.yaml")
    assert result.exit_code == 1
    assert lines[0].startswith("✗ config") and "not found" in lines[0]


def test_doctor_missing_column(run, healthy):
    wb = openpyxl.load_workbook("p.xlsx")
    wb["Pipeline"].delete_cols(7)  # Stage
    wb.save("p.xlsx")
    result, lines = doctor(run, healthy)
    assert_fails_with(result, lines, "Stage")


def test_doctor_dropdowns_removed_then_put_back_by_a_sync(run, healthy):
    wb = openpyxl.load_workbook("p.xlsx")
    ws = wb["Pipeline"]
    assert ws.data_validations.dataValidation, "the workbook had dropdowns"
    ws.data_validations.dataValidation = []
    wb.save("p.xlsx")
    result, lines = doctor(run, healthy)
    line = assert_fails_with(result, lines, "dropdowns")
    assert "sync" in line.split("fix:")[1]
    # the fix given works
    assert run("--config", str(healthy), "sync", *TODAY).exit_code == 0
    result, lines = doctor(run, healthy)
    assert result.exit_code == 0, result.output


def test_doctor_last_sync_failed(run, tmp_path):
    (tmp_path / "team.yaml").write_text("target: p.xlsx\n")
    run("init", "p.xlsx", "--sample", *TODAY)
    lock = Path(".~lock.p.xlsx#")
    lock.write_text("someone,host,04.12.2026 10:00;")  # open in LibreOffice: the sync refuses to write
    assert run("--config", "team.yaml", "sync", *TODAY).exit_code == 4
    lock.unlink()
    result, lines = doctor(run, "team.yaml")
    line = assert_fails_with(result, lines, "last sync", "failed")
    assert "open in another program" in line
    # after a good sync, the check passes again
    assert run("--config", "team.yaml", "sync", *TODAY).exit_code == 0
    assert doctor(run, "team.yaml")[0].exit_code == 0


def gsheets_config(tmp_path: Path, credentials: Path) -> Path:
    config = tmp_path / "google.yaml"
    config.write_text(f"target: {GSHEET}\ngoogle:\n  credentials: {credentials}\n")
    return config


SERVICE_ACCOUNT = {"type": "service_account", "project_id": "p", "private_key_id": "k",
                   "private_key": "not a real key", "client_email": "worker@p.iam.gserviceaccount.com"}


def test_doctor_credentials_file_missing(run, tmp_path, no_network):
    result, lines = doctor(run, gsheets_config(tmp_path, tmp_path / "missing.json"))
    assert_fails_with(result, lines, "credentials", "missing.json", "not found")
    assert no_network == []


def test_doctor_credentials_file_not_json(run, tmp_path, no_network):
    creds = tmp_path / "creds.json"
    creds.write_text("this is not json {")
    creds.chmod(0o600)
    result, lines = doctor(run, gsheets_config(tmp_path, creds))
    assert_fails_with(result, lines, "credentials", "JSON")
    assert no_network == []


@pytest.mark.parametrize("mode", [0o644, 0o604, 0o640])
def test_doctor_credentials_readable_by_others(run, tmp_path, no_network, mode):
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps(SERVICE_ACCOUNT))
    creds.chmod(mode)
    result, lines = doctor(run, gsheets_config(tmp_path, creds))
    line = assert_fails_with(result, lines, "credentials", "owner only")
    assert "chmod 600" in line
    assert no_network == []


def test_doctor_credentials_private_file_passes_its_checks(run, tmp_path, no_network):
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps(SERVICE_ACCOUNT))
    creds.chmod(0o600)
    result, lines = doctor(run, gsheets_config(tmp_path, creds))
    credential_lines = [line for line in lines if "credentials file" in line]
    assert len(credential_lines) == 2, lines
    assert all(line.startswith("✓ ") for line in credential_lines), lines
    assert any("owner only" in line for line in credential_lines)
    assert no_network == []  # the bogus key is refused before any request...
    assert result.exit_code == 1  # ...so the target is reported unreachable


# --- sync --all ---------------------------------------------------------------------------------------------------------

def test_sync_all_three_pipelines_one_missing(run, tmp_path):
    (tmp_path / "agency.yaml").write_text(
        "pipelines:\n"
        "  - name: acme\n    target: acme.xlsx\n"
        "  - name: bolt\n    target: bolt.xlsx\n"
        "  - name: cord\n    target: cord.xlsx\n    model: advanced\n")
    assert run("init", "acme.xlsx", "--sample", *TODAY).exit_code == 0
    assert run("init", "cord.xlsx", "--sample", "--model", "advanced", *TODAY).exit_code == 0
    result = run("--config", "agency.yaml", "sync", "--all")
    assert result.exit_code == 6, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 3, result.output
    assert [line.split(":")[0] for line in lines] == ["acme", "bolt", "cord"]
    assert "FAILED" in lines[1] and "bolt.xlsx" in lines[1]
    assert "FAILED" not in lines[0] and "FAILED" not in lines[2]
    assert result.stderr.strip().splitlines() == [lines[1]]
    for name in ("acme", "cord"):
        ids = [row[0] for row in openpyxl.load_workbook(f"{name}.xlsx")["Pipeline"].iter_rows(min_row=2,
                                                                                             values_only=True)]
        assert ids[:2] == ["L-0001", "L-0002"], name
    assert not Path("bolt.xlsx").exists()


def test_sync_all_when_all_pass_exits_0_and_quiet_prints_nothing(run, tmp_path):
    (tmp_path / "agency.yaml").write_text(
        "pipelines:\n  - name: acme\n    target: acme.xlsx\n  - name: cord\n    target: cord.xlsx\n")
    run("init", "acme.xlsx", *TODAY)
    run("init", "cord.xlsx", *TODAY)
    result = run("--config", "agency.yaml", "sync", "--all")
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) == 2
    quiet = run("--config", "agency.yaml", "sync", "--all", "--quiet")
    assert quiet.exit_code == 0
    assert quiet.output == ""


# --- bad input: one clear line, exit 2, nothing started -------------------------------------------------------------------

class LoopNeverStarted:
    """Stands in for the loop in `run`: records that it was started (it must not be, on bad input)."""

    started: ClassVar[list[object]] = []

    def __init__(self, *args, **kwargs) -> None:
        LoopNeverStarted.started.append((args, kwargs))

    def install_signal_handlers(self) -> None:
        pass

    def run(self, max_ticks=None) -> int:
        return 0


@pytest.fixture
def fake_loop(monkeypatch):
    LoopNeverStarted.started = []
    monkeypatch.setattr(cli, "Loop", LoopNeverStarted)
    return LoopNeverStarted


def nothing_started(tmp_path: Path, workbook: Path | None = None, before: bytes | None = None) -> None:
    assert not (state_home() / "sheets-pipeline" / "status").exists(), "a status file was written"
    assert not (state_home() / "sheets-pipeline" / "locks").exists(), "a lock was taken"
    if workbook is not None:
        assert workbook.read_bytes() == before


BAD_CONFIGS = {
    "unknown-key": ("target: p.xlsx\nschedul:\n  at: '03:00'\n", "schedul: unknown key"),
    "unknown-key-in-pipeline": ("pipelines:\n  - name: acme\n    target: p.xlsx\n    colour: red\n",
                                "pipelines.acme.colour: unknown key"),
    "wrong-type": ("target: p.xlsx\nschedule:\n  every: 15\n", "schedule.every"),
    "wrong-type-in-pipeline": ("pipelines:\n  - name: acme\n    target: p.xlsx\n    cadence: soon\n",
                               "pipelines.acme.cadence"),
    "name-twice": ("pipelines:\n  - name: acme\n    target: p.xlsx\n  - name: Acme\n    target: q.xlsx\n",
                   "given twice"),
    "unknown-timezone": ("target: p.xlsx\ntimezone: Europe/Pariss\n", "unknown timezone 'Europe/Pariss'"),
    "unknown-timezone-in-pipeline": ("pipelines:\n  - name: acme\n    target: p.xlsx\n    timezone: Mars/Olympus\n",
                                     "unknown timezone 'Mars/Olympus'"),
    "every-does-not-parse": ("target: p.xlsx\nschedule:\n  every: 15x\n", "'15x' does not parse"),
}


@pytest.fixture
def workbook(run) -> tuple[Path, bytes]:
    assert run("init", "p.xlsx", "--sample", *TODAY).exit_code == 0
    return Path("p.xlsx").resolve(), Path("p.xlsx").read_bytes()


@pytest.mark.parametrize("command", [("sync", "--all"), ("run",), ("doctor",)], ids=["sync-all", "run", "doctor"])
@pytest.mark.parametrize("case", list(BAD_CONFIGS), ids=list(BAD_CONFIGS))
def test_bad_config_is_one_line_exit_2_nothing_started(run, tmp_path, fake_loop, workbook, command, case):
    content, fragment = BAD_CONFIGS[case]
    (tmp_path / "bad.yaml").write_text(content)
    result = run("--config", "bad.yaml", *command)
    if command == ("doctor",):  # doctor reports a bad config as a failed check: exit 1, "✗ config"
        assert result.exit_code == 1
        assert result.stdout.startswith("✗ config") and fragment in result.stdout
    else:
        assert result.exit_code == 2, result.output
        line = one_line_error(result)
        assert line.startswith("error: bad.yaml: ")
        assert fragment in line
    assert fake_loop.started == []
    nothing_started(tmp_path, *workbook)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "--every", "15x"), "error: --every: '15x' does not parse as a period (use 15m, 1h or 1d)"),
        (("run", "--every", "0m"), "error: --every: '0m' does not parse as a period (use 15m, 1h or 1d)"),
        (("run", "--every", "m"), "error: --every: 'm' does not parse as a period (use 15m, 1h or 1d)"),
        (("run", "--at", "25:00"), "error: --at: '25:00' is not a time of day (use HH:MM)"),
        (("run", "--at", "7pm"), "error: --at: '7pm' is not a time of day (use HH:MM)"),
        (("cron", "--every", "15x"), "error: --every: '15x' does not parse as a period (use 15m, 1h or 1d)"),
        (("cron", "--at", "25:00"), "error: --at: '25:00' is not a time of day (use HH:MM)"),
    ],
)
def test_bad_schedule_option_is_one_line_exit_2_nothing_started(run, tmp_path, fake_loop, workbook, args, message):
    (tmp_path / "team.yaml").write_text("target: p.xlsx\n")
    result = run("--config", "team.yaml", *args)
    assert result.exit_code == 2
    assert one_line_error(result) == message
    assert result.stdout == ""
    assert fake_loop.started == []
    nothing_started(tmp_path, *workbook)


def test_run_with_good_input_does_start_the_loop(run, tmp_path, fake_loop, workbook):
    """The counterpart of the bad-input tests: the stand-in loop does record a start."""
    (tmp_path / "team.yaml").write_text("target: p.xlsx\ntimezone: Europe/Paris\n")
    result = run("--config", "team.yaml", "run", "--every", "15m")
    assert result.exit_code == 0, result.output
    assert len(fake_loop.started) == 1


@pytest.mark.parametrize("problem", ["missing", "not-json"])
def test_sync_gsheets_credentials_missing_or_unreadable_is_one_line_exit_2(run, tmp_path, no_network, problem):
    creds = tmp_path / "creds.json"
    if problem == "not-json":
        creds.write_text("<html>not a key</html>")
        creds.chmod(0o600)
    config = gsheets_config(tmp_path, creds)
    result = run("--config", str(config), "sync")
    assert result.exit_code == 2, result.output
    line = one_line_error(result)
    assert line.startswith("error: ") and "creds.json" in line
    assert ("not found" in line) if problem == "missing" else ("JSON" in line)
    assert no_network == []


def test_run_gsheets_credentials_missing_is_one_line_exit_2_before_the_loop(run, tmp_path, no_network, fake_loop):
    """Bad input for the loop too: a credentials file that is missing is refused before the loop starts
    (otherwise the loop would retry a sync that cannot work, forever)."""
    config = gsheets_config(tmp_path, tmp_path / "missing.json")
    result = run("--config", str(config), "run")
    assert result.exit_code == 2, result.output
    line = one_line_error(result)
    assert "missing.json" in line
    assert fake_loop.started == []
    assert no_network == []
