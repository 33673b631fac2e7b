"""The `sheets-pipeline` command: argument parsing, one core call per command, errors mapped to exit codes."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from . import __version__
from .backends import google_backend, open_backend
from .backends.base import CellChange
from .config import Config, Pipeline, ScheduleSettings, find_config_file, load_config, parse_every
from .cron import UNIT_NAME, crontab, systemd_units
from .dates import DateParseError, parse_date
from .doctor import run_checks
from .errors import PipelineError, UsageError
from .logs import logger, setup_logging
from .model import Finding, column_letter
from .new_sheet import new_spreadsheet
from .report import FORMATS, render
from .runner import EXIT_SOME_FAILED, Loop, preflight, store_for, sync_all, sync_pipeline
from .sync import Checked, SyncResult, insights, validate
from .timing import Timing, config_zone, timing_for

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES = """Exit codes: 0 done; 1 validate found errors, or doctor found a failure; 2 bad arguments or config;
3 the spreadsheet cannot be read as a pipeline (missing file, tab or column); 4 writing was refused to protect
the sheet (open elsewhere, would lose content, changed meanwhile, another sync running): nothing was written;
5 storage or network failure; 6 sync --all: one or more pipelines failed."""


def _errors_to_exit_codes(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PipelineError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def _today(config: Config, given: str | None) -> date:
    if given is not None:
        parsed = _date_option("--today", given)
        assert parsed is not None
        return parsed
    zone = ZoneInfo(config.timezone) if config.timezone else None
    return datetime.now(zone).date()


def _config(ctx: click.Context) -> Config:
    return load_config(ctx.obj.get("config_path"))


def _warn_sheet(checked: Checked) -> None:
    for finding in checked.sheet_findings:
        click.echo(f"warning: {finding.message}", err=True)


today_option = click.option("--today", metavar="DATE", help="Take DATE (YYYY-MM-DD) as today.")


@click.group(epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="sheets-pipeline")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="SHEETS_PIPELINE_CONFIG",
              help="Config file (default: ./sheets-pipeline.yaml when present, else built-in defaults).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Log lines for people, or JSON lines for machines.")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Append the log to this file (default: stderr).")
@click.option("-v", "--verbose", is_flag=True, help="Log what each sync did (always on for `run` and --log-file).")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, log_format: str, log_file: str | None, verbose: bool) -> None:
    """Keep a sales pipeline that lives in a spreadsheet clean: rules, follow-ups, stale leads."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    informative = verbose or log_file is not None or log_format == "json" or ctx.invoked_subcommand == "run"
    # Interactive commands say what matters on stdout and stderr themselves; logs are for unattended runs.
    setup_logging(log_format, log_file, logging.INFO if informative else logging.CRITICAL)


@main.command()
@click.argument("path", required=False)
@click.option("--model", type=click.Choice(["simple", "advanced"]), help="Stages: simple (3) or advanced (6).")
@click.option("--lang", type=click.Choice(["en", "fr"]), help="Language of headers and lists.")
@click.option("--sample", is_flag=True, help="Fill about 50 realistic leads, mistakes included.")
@click.option("--force", is_flag=True, help="Replace an existing file.")
@click.option("--google", is_flag=True, help="Create a new Google spreadsheet instead of a workbook.")
@click.option("--title", default="Sales pipeline", show_default=True, help="Title of a new Google spreadsheet.")
@click.option("--into", metavar="URL", help="Add the pipeline's tabs to this existing Google spreadsheet.")
@click.option("--share", metavar="EMAIL", multiple=True, help="Share the Google spreadsheet with EMAIL (repeatable).")
@today_option
@click.pass_context
@_errors_to_exit_codes
def init(ctx: click.Context, path: str | None, model: str | None, lang: str | None, sample: bool, force: bool,
         google: bool, title: str, into: str | None, share: tuple[str, ...], today: str | None) -> None:
    """Create a pipeline at PATH (an .xlsx workbook), or on Google Sheets (--google, --into URL)."""
    config = _config(ctx)
    overrides = {k: v for k, v in (("model", model), ("language", lang)) if v is not None}
    if overrides:
        config = config.model_copy(update=overrides)
    on_google = google or into is not None or (path is None and config.effective_backend == "gsheets")
    if on_google:
        if path is not None:
            raise UsageError("give either a PATH for a workbook or --google/--into for Google Sheets, not both")
        backend = google_backend(config, into, title=title, share=share)
    else:
        if share:
            raise UsageError("--share works with Google Sheets only")
        target = path or config.target
        if target and Path(target).exists() and not force:
            raise UsageError(f"{target}: already exists; pick another name or pass --force to replace it")
        backend = open_backend(target, config)
    where = backend.create(new_spreadsheet(config, _today(config, today), sample=sample))
    what = "with sample leads" if sample else "empty"
    click.echo(f"created {where} ({config.model} model, {config.language}, {what})")
    click.echo(f"next: sheets-pipeline sync {where}")


def _pipeline(config: Config, target: str | None) -> Pipeline:
    """A configured pipeline by name, a path or URL with the shared settings, or the only configured pipeline."""
    if target:
        named = config.pipeline(target)
        if named is not None:
            return named
        backend = config.backend if target == config.target else None
        return Pipeline(target, config.model_copy(update={"target": target, "backend": backend}))
    pipelines = config.pipeline_list()
    if len(pipelines) == 1:
        return pipelines[0]
    if not pipelines:
        raise UsageError("no spreadsheet given: pass a PATH or URL, or set `target` in the config")
    names = ", ".join(p.name for p in pipelines)
    raise UsageError(f"several pipelines are configured ({names}): name one, or pass --all")


def _progress(i: int, total: int, name: str) -> None:
    if sys.stderr.isatty():  # people watching; silent under cron
        click.echo(f"[{i}/{total}] {name}...", err=True)


@main.command(name="sync")
@click.argument("target", required=False)
@click.option("--all", "every", is_flag=True, help="Sync every pipeline of the config; one failing does not "
                                                   "stop the others.")
@click.option("--dry-run", is_flag=True, help="Print the changes it would make; write nothing.")
@click.option("--output", type=click.Path(dir_okay=False), help="Write the synced workbook to this new file.")
@click.option("--quiet", is_flag=True, help="Print nothing when all went well (for cron).")
@today_option
@click.pass_context
@_errors_to_exit_codes
def sync_command(ctx: click.Context, target: str | None, every: bool, dry_run: bool, output: str | None,
                 quiet: bool, today: str | None) -> None:
    """Check every lead, stamp dates, set follow-ups and flags, and write back only what changed.
    TARGET is a workbook path, a Google Sheets URL, or the name of a pipeline in the config."""
    config = _config(ctx)
    store = store_for(config)
    if every:
        if target or dry_run or output:
            raise UsageError("--all syncs every configured pipeline: give no TARGET, --dry-run or --output")
        pipelines = config.pipeline_list()
        if not pipelines:
            raise UsageError("no pipelines configured: list them under `pipelines` (or set `target`)")
        outcomes = sync_all(pipelines, store, progress=_progress)
        failed = [o for o in outcomes if not o.ok]
        for outcome in outcomes:
            if not quiet or not outcome.ok:
                state = "ok" if outcome.ok else f"FAILED (exit {outcome.exit_code})"
                click.echo(f"{outcome.name}: {state}: {outcome.message}", err=not outcome.ok)
        if failed:
            sys.exit(EXIT_SOME_FAILED)
        return
    pipeline = _pipeline(config, target)
    preflight(pipeline)
    day = _today(pipeline.config, today) if today else None
    outcome = sync_pipeline(pipeline, store, today=day, dry_run=dry_run, output=output)
    if not outcome.ok:
        click.echo(f"error: {outcome.message}", err=True)
        sys.exit(outcome.exit_code)
    result = outcome.result
    assert result is not None
    _warn_sheet(result.checked)
    if dry_run:
        for line in _plan_lines(result):
            click.echo(line)
    if not quiet:
        click.echo(_summary(pipeline.config.target or "", result, dry_run))


def _describe_value(value: object) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, date):
        return value.isoformat()
    return repr(str(value)) if isinstance(value, str) else str(value)


def _plan_lines(result: SyncResult) -> list[str]:
    plan = result.plan
    columns = result.checked.sheet.columns
    lines = []
    for change in sorted(plan.cells, key=lambda c: (c.row, c.column)):
        lines.append(_change_line(plan.pipeline_tab, change, columns.label(change.field)))
    for row in plan.history:
        lines.append(f"{plan.history_tab}: + {' | '.join(_describe_value(v) for v in row)}")
    for title in plan.tabs:
        lines.append(f"{title}: rewritten")
    if plan.dropdowns is not None:
        lines.append(f"{plan.pipeline_tab}: dropdowns re-applied")
    return lines


def _change_line(tab: str, change: CellChange, label: str) -> str:
    cell = f"{column_letter(change.column)}{change.row}"
    return f"{tab}!{cell} {label}: {_describe_value(change.old)} -> {_describe_value(change.new)}"


def _summary(where: str, result: SyncResult, dry_run: bool) -> str:
    leads = len(result.checked.leads)
    counts = result.counts
    errors = sum(1 for f in result.checked.findings() if f.severity == "error")
    warnings = sum(1 for f in result.checked.findings() if f.severity == "warning" and f.row is not None)
    cells = len(result.plan.cells)
    parts = [f"{where}: {leads} lead{'s' if leads != 1 else ''}"]
    if not result.changed:
        parts.append("already in sync, nothing to write")
    else:
        verb = "would write" if dry_run else "wrote"
        detail = [f"{counts[k]} {one if counts[k] == 1 else many}" for k, one, many in (
            ("id", "ID", "IDs"), ("created", "created date", "created dates"),
            ("first_contact", "first-contact date", "first-contact dates"), ("closed", "closed date", "closed dates"),
            ("outcome", "auto-closed", "auto-closed"), ("next_follow_up", "follow-up date", "follow-up dates"),
            ("flags", "flag", "flags")) if counts[k]]
        parts.append(f"{verb} {cells} cell{'s' if cells != 1 else ''}" + (f" ({', '.join(detail)})" if detail else ""))
        if counts["history"]:
            parts.append(f"{counts['history']} history row{'s' if counts['history'] != 1 else ''}")
    if counts["stale"]:
        parts.append(f"{counts['stale']} stale")
    parts.append(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
    line = "; ".join(parts)
    return line + (" (dry run: nothing written)" if dry_run and result.changed else "")


@main.command(name="validate")
@click.argument("path", required=False)
@today_option
@click.pass_context
@_errors_to_exit_codes
def validate_command(ctx: click.Context, path: str | None, today: str | None) -> None:
    """List every problem by row and column; exit 1 when there are errors. Writes nothing."""
    config = _config(ctx)
    backend = open_backend(path, config, read_only=True)
    checked = validate(backend, config, _today(config, today))
    findings = checked.findings()
    columns = checked.sheet.columns
    for finding in findings:
        click.echo(_finding_line(finding, columns.label, columns.index))
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    leads = len(checked.leads)
    click.echo(f"{backend.describe()}: {leads} lead{'s' if leads != 1 else ''}, "
               f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
    if errors:
        sys.exit(1)


def _date_option(name: str, given: str | None) -> date | None:
    if given is None:
        return None
    try:
        return parse_date(given, "ymd")
    except DateParseError:
        raise UsageError(f"{name}: '{given}' is not a date (use YYYY-MM-DD)") from None


@main.command(name="report")
@click.argument("path", required=False)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--since", metavar="DATE", help="Keep leads created on or after DATE (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Keep leads created on or before DATE (YYYY-MM-DD).")
@today_option
@click.pass_context
@_errors_to_exit_codes
def report_command(ctx: click.Context, path: str | None, fmt: str, since: str | None, until: str | None,
                   today: str | None) -> None:
    """Print the Summary's figures (conversion, losses, funnel, cycle time, owners, follow-ups). Writes nothing."""
    config = _config(ctx)
    start, end = _date_option("--since", since), _date_option("--until", until)
    if start and end and start > end:
        raise UsageError("--since is after --until")
    backend = open_backend(path, config, read_only=True)
    figures = insights(backend, config, _today(config, today), since=start, until=end)
    click.echo(render(figures, fmt), nl=not fmt == "csv")


@main.command(name="run")
@click.argument("names", nargs=-1)
@click.option("--every", metavar="PERIOD", help="Sync every PERIOD (15m, 1h...) instead of daily.")
@click.option("--at", "at", metavar="HH:MM", help="Daily time of the sync, in the config's timezone.")
@click.pass_context
@_errors_to_exit_codes
def run_command(ctx: click.Context, names: tuple[str, ...], every: str | None, at: str | None) -> None:
    """Keep syncing: daily (default 02:00) or every PERIOD, every pipeline or the NAMES given. Catches up at start
    when the last good sync is older than one period; a failed sync is retried, never ends the loop;
    SIGTERM or Ctrl-C ends it after the running sync."""
    config = _config(ctx)
    timing = _timing(config, every, at)
    pipelines = [_pipeline(config, name) for name in names] or config.pipeline_list()
    if not pipelines:
        raise UsageError("no pipelines configured: set `target`, or list `pipelines`, in the config")
    for pipeline in pipelines:
        preflight(pipeline)  # bad credentials: one line, exit 2, before the loop starts
    store = store_for(config)
    stop = threading.Event()

    def last_success(pipeline: Pipeline) -> datetime | None:
        return store.load(pipeline.name, pipeline.config.target or "").last_success_time()

    loop = Loop(pipelines, timing, run_one=lambda p: sync_pipeline(p, store), last_success=last_success,
                wait=stop.wait, stop_event=stop)
    loop.install_signal_handlers()
    logger().info("running %d pipeline(s) %s", len(pipelines), timing.describe(),
                  extra={"event": "loop_started"})
    loop.run()
    logger().info("stopped", extra={"event": "loop_stopped"})


def _timing(config: Config, every: str | None, at: str | None) -> Timing:
    if every is not None:
        try:
            parse_every(every)
        except ValueError as exc:
            raise UsageError(f"--every: {exc}") from None
    if at is not None:
        try:
            ScheduleSettings(at=at)
        except ValueError:
            raise UsageError(f"--at: '{at}' is not a time of day (use HH:MM)") from None
    return timing_for(config, config_zone(config), every, at)


@main.command(name="cron")
@click.option("--every", metavar="PERIOD", help="Every PERIOD (15m, 1h...) instead of daily.")
@click.option("--at", "at", metavar="HH:MM", help="Daily time, in the config's timezone.")
@click.option("--log-file", "cron_log", type=click.Path(dir_okay=False), default="sheets-pipeline.log",
              show_default=True, help="Where the cron job appends its log.")
@click.pass_context
@_errors_to_exit_codes
def cron_command(ctx: click.Context, every: str | None, at: str | None, cron_log: str) -> None:
    """Print a crontab line and a systemd service + timer that sync every pipeline, to paste."""
    config = _config(ctx)
    timing = _timing(config, every, at)
    found = find_config_file(ctx.obj.get("config_path"))
    config_path = found.resolve() if found is not None else None
    service, timer = systemd_units(timing, config_path, Path.cwd())
    cron_text = crontab(timing, config_path, Path(cron_log))  # may refuse: before anything is printed
    click.echo("# --- crontab ---")
    click.echo(cron_text)
    click.echo(f"# --- /etc/systemd/system/{UNIT_NAME}.service ---")
    click.echo(service)
    click.echo(f"# --- /etc/systemd/system/{UNIT_NAME}.timer ---")
    click.echo(timer)
    click.echo(f"# then: systemctl daemon-reload && systemctl enable --now {UNIT_NAME}.timer")


@main.command(name="doctor")
@today_option
@click.pass_context
def doctor_command(ctx: click.Context, today: str | None) -> None:
    """Check the setup: config, credentials, each target, tabs and columns, dropdowns, last sync. Exit 1 when
    something fails, with a fix for each."""
    found = find_config_file(ctx.obj.get("config_path"))
    name = str(found) if found is not None else "(defaults)"
    try:
        config = _config(ctx)
    except PipelineError as exc:
        click.echo(f"✗ config: {exc} — fix: correct the config file")
        sys.exit(1)
    checks = run_checks(config, name, store_for(config), _today(config, today))
    for check in checks:
        click.echo(check.line())
    failed = [c for c in checks if not c.ok and not c.warning]
    click.echo(f"{len(failed)} problem{'s' if len(failed) != 1 else ''} found" if failed else "all good")
    if failed:
        sys.exit(1)


def _finding_line(finding: Finding, label: Callable[[str], str], index: dict[str, int]) -> str:
    if finding.row is None:
        return f"pipeline: {finding.severity}: {finding.message}"
    where = f"row {finding.row}"
    if finding.field is not None:
        letter = column_letter(index[finding.field]) if finding.field in index else "?"
        where += f", {label(finding.field)} ({letter}{finding.row})"
    return f"{where}: {finding.severity}: {finding.message}"


if __name__ == "__main__":  # pragma: no cover
    main()
