"""Reading dates the way people type them, and date arithmetic for follow-ups."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from .text import key

# Google Sheets and Excel (1900 system, after Feb 1900) count days from this epoch.
SERIAL_EPOCH = date(1899, 12, 30)
# Serial numbers accepted as dates: 1950-01-01 .. 2149-12-31. Outside, a number in a date column is a mistake.
SERIAL_MIN, SERIAL_MAX = 18264, 91311

_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_ORDINAL = re.compile(r"\b(\d{1,2})(?:er|st|nd|rd|th)\b")
_WORDS = re.compile(r"^(?:([a-z]+) )?(\d{1,2}) ([a-z]+) (\d{4})$|^([a-z]+) (\d{1,2}) (\d{4})$")

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan", "janvier", "janv"),
            ("february", "feb", "fevrier", "fev", "fevr"),
            ("march", "mar", "mars"),
            ("april", "apr", "avril", "avr"),
            ("may", "mai"),
            ("june", "jun", "juin"),
            ("july", "jul", "juillet", "juil"),
            ("august", "aug", "aout"),
            ("september", "sep", "sept", "septembre"),
            ("october", "oct", "octobre"),
            ("november", "nov", "novembre"),
            ("december", "dec", "decembre"),
        ],
        start=1,
    )
    for name in names
}


class DateParseError(ValueError):
    """Why a value is no date. The message's `template` and `values` let it be said in the pipeline's language
    (see wording.words)."""

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template.format(**values))
        self.template, self.values = template, values


def from_serial(serial: float) -> date:
    return SERIAL_EPOCH + timedelta(days=int(serial))


def to_serial(day: date) -> int:
    return (day - SERIAL_EPOCH).days


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) <= 2 else year


def _build(year: int, month: int, day: int, original: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateParseError("'{text}' is not a valid date", text=original) from None


def _parse_text(text: str, order: str) -> date:
    stripped = text.strip()
    iso = _ISO.match(stripped)
    if iso:
        return _build(int(iso[1]), int(iso[2]), int(iso[3]), stripped)
    numeric = _NUMERIC.match(stripped)
    if numeric:
        a, b, c = numeric.groups()
        if len(a) == 4:  # 2026/11/03 is year-first whatever the locale
            return _build(int(a), int(b), int(c), stripped)
        if len(c) not in (2, 4):
            raise DateParseError("'{text}' is not a date", text=stripped)
        if order == "mdy":
            return _build(_year(c), int(a), int(b), stripped)
        if order == "dmy":
            return _build(_year(c), int(b), int(a), stripped)
        raise DateParseError("'{text}' is not a year-month-day date", text=stripped)
    if stripped.isdigit() and len(stripped) <= 5 and SERIAL_MIN <= int(stripped) <= SERIAL_MAX:
        return from_serial(int(stripped))
    words = _WORDS.match(_ORDINAL.sub(r"\1", key(stripped)))
    if words:
        if words[2]:
            day, month_name, year = int(words[2]), words[3], int(words[4])
        else:
            month_name, day, year = words[5], int(words[6]), int(words[7])
        month = _MONTHS.get(month_name)
        if month is not None:
            return _build(year, month, day, stripped)
    raise DateParseError("'{text}' is not a date", text=stripped)


def parse_date(value: object, order: str = "dmy") -> date | None:
    """A cell's value as a date; None for a blank cell. Raises DateParseError for anything else."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise DateParseError("'{text}' is not a date", text=value)
    if isinstance(value, (int, float)):
        if SERIAL_MIN <= value <= SERIAL_MAX:
            return from_serial(value)
        raise DateParseError("the number {number} is not a date", number=f"{value:g}")
    if isinstance(value, str):
        if not value.strip():
            return None
        return _parse_text(value, order)
    raise DateParseError("'{text}' is not a date", text=value)


def add_days(start: date, days: int, business_days: bool = False, holidays: Iterable[date] = ()) -> date:
    """`start` + `days`; with business_days, only Monday to Friday outside `holidays` count."""
    if not business_days:
        return start + timedelta(days=days)
    off = set(holidays)
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in off:
            remaining -= 1
    return current
