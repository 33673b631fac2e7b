"""`report`: the Summary's figures for a terminal, a document or a machine. Nothing is written to the sheet."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any

from .insight_tabs import Section, display_rows, sections
from .insights import Insights
from .model import CellValue
from .wording import words

FORMATS = ("table", "markdown", "json", "csv")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: CellValue, kind: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and kind == "percent":
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _cells(section: Section) -> list[list[str]]:
    return [[_text(v, section.kinds.get(c)) for c, v in enumerate(row)] for row in display_rows(section)]


def _numeric(section: Section, column: int) -> bool:
    return any(isinstance(row[column], (int, float)) for row in section.rows if column < len(row))


def render_table(insights: Insights, language: str | None = None) -> str:
    say = words(language or insights.language)
    parts: list[str] = []
    for section in sections(insights, language):
        parts.append(section.title)
        parts.append("=" * len(section.title))
        if section.rows:
            body = _cells(section)
            widths = [max(len(h), *(len(r[c]) for r in body)) for c, h in enumerate(section.headers)]
            right = [_numeric(section, c) for c in range(len(section.headers))]

            def line(cells: list[str]) -> str:
                return "  ".join(
                    cell.rjust(widths[c]) if right[c] else cell.ljust(widths[c]) for c, cell in enumerate(cells)
                ).rstrip()

            parts.append(line(section.headers))
            parts.append("  ".join("-" * w for w in widths))
            parts.extend(line(row) for row in body)
        else:
            parts.append(say("(nothing yet)"))
        parts.extend(section.notes)
        parts.append("")
    return "\n".join(parts)


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(insights: Insights, language: str | None = None) -> str:
    say = words(language or insights.language)
    parts: list[str] = []
    for section in sections(insights, language):
        parts.append(f"## {_md(section.title)}\n")
        if section.rows:
            parts.append("| " + " | ".join(_md(h) for h in section.headers) + " |")
            aligns = ["---:" if _numeric(section, c) else "---" for c in range(len(section.headers))]
            parts.append("| " + " | ".join(aligns) + " |")
            parts.extend("| " + " | ".join(_md(cell) for cell in row) + " |" for row in _cells(section))
        else:
            parts.append(f"_{say('Nothing yet.')}_")
        parts.extend(f"\n_{_md(note)}_" for note in section.notes)
        parts.append("")
    return "\n".join(parts)


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula is written with a leading apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_csv(insights: Insights, language: str | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for section in sections(insights, language):
        writer.writerow([section.title])
        writer.writerow([_csv_safe(h) for h in section.headers])
        for row in display_rows(section):
            writer.writerow([
                _csv_safe(str(v)) if isinstance(v, str) else _text(v, None) if not isinstance(v, float) else repr(v)
                for v in row
            ])
        writer.writerow([])
    return buffer.getvalue()


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def report_data(insights: Insights) -> dict[str, Any]:
    data = insights.as_dict()
    data["excluded_by_date"] = insights.excluded_by_date
    return data


def render_json(insights: Insights) -> str:
    return json.dumps(report_data(insights), default=_json_default, ensure_ascii=False, indent=2)


def render(insights: Insights, fmt: str, language: str | None = None) -> str:
    """The figures as `fmt`, their words in `language`, else the insights' own (JSON keys stay English: they are
    read by programs)."""
    if fmt == "json":
        return render_json(insights)
    return {"table": render_table, "markdown": render_markdown, "csv": render_csv}[fmt](insights, language)

