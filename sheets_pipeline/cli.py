"""The `sheets-pipeline` command: argument parsing, one core call per command, errors mapped to exit codes."""

from __future__ import annotations

import sys
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
from .config import Config, load_config
from .dates import DateParseError, parse_date
from .errors import PipelineError, UsageError
from .model import Finding, column_letter
from .new_sheet import new_spreadsheet
from .report import FORMATS, render
from .sync import Checked, SyncResult, insights, sync, validate

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES = """Exit codes: 0 done; 1 validate found errors; 2 bad arguments or config; 3 the spreadsheet cannot
be read as a pipeline (missing file, tab or column); 4 writing was refused to protect the sheet (open
elsewhere, would lose content, changed meanwhile): nothing was written; 5 storage or network failure."""


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
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """Keep a sales pipeline that lives in a spreadsheet clean: rules, follow-ups, stale leads."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


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


@main.command(name="sync")
@click.argument("path", required=False)
@click.option("--dry-run", is_flag=True, help="Print the changes it would make; write nothing.")
@click.option("--output", type=click.Path(dir_okay=False), help="Write the synced workbook to this new file.")
@today_option
@click.pass_context
@_errors_to_exit_codes
def sync_command(ctx: click.Context, path: str | None, dry_run: bool, output: str | None, today: str | None) -> None:
    """Check every lead, stamp dates, set follow-ups and flags, and write back only what changed."""
    config = _config(ctx)
    backend = open_backend(path, config, output=output)
    zone = ZoneInfo(config.timezone) if config.timezone else None
    now = datetime.now(zone).replace(tzinfo=None, microsecond=0)
    result = sync(backend, config, _today(config, today), dry_run=dry_run, now=now)
    _warn_sheet(result.checked)
    if dry_run:
        for line in _plan_lines(result):
            click.echo(line)
    click.echo(_summary(backend.describe(), result, dry_run))


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
        detail = [f"{counts[k]} {label}" for k, label in (
            ("id", "IDs"), ("created", "created dates"), ("first_contact", "first-contact dates"),
            ("closed", "closed dates"), ("outcome", "auto-closed"), ("next_follow_up", "follow-up dates"),
            ("flags", "flags")) if counts[k]]
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
    backend = open_backend(path, config)
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
    backend = open_backend(path, config)
    figures = insights(backend, config, _today(config, today), since=start, until=end)
    click.echo(render(figures, fmt), nl=not fmt == "csv")


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
