"""Number formats: what FORMATTED_VALUE shows for a number, a date or a time.

Google's "automatic" format (no numberFormat set) shows integers in full and other numbers with up to ten
significant digits (``=1/3`` -> ``0.3333333333``). Patterns cover what spreadsheets use in practice:
``0.00``, ``#,##0``, ``0%``, ``"$"#,##0.00``, ``0.00E+00``, and date/time patterns such as ``yyyy-mm-dd``,
``M/d/yyyy``, ``d mmm yyyy``, ``h:mm:ss am/pm``. Dates are serial numbers: days since 1899-12-30.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta

EPOCH = datetime(1899, 12, 30)
DEFAULT_PATTERNS = {  # en_US defaults when a numberFormat has a type but no pattern
    "NUMBER": "#,##0.00", "PERCENT": "0.00%", "CURRENCY": '"$"#,##0.00', "SCIENTIFIC": "0.00E+00",
    "DATE": "M/d/yyyy", "TIME": "h:mm:ss am/pm", "DATE_TIME": "M/d/yyyy H:mm:ss",
}
DATE_TYPES = {"DATE", "TIME", "DATE_TIME"}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def serial_to_datetime(serial: float) -> datetime:
    return EPOCH + timedelta(days=serial)


def datetime_to_serial(value: datetime | date) -> float:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    delta = value - EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6


def automatic(value: float) -> str:
    """Google's display of a number that has no number format."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if math.isnan(value) or math.isinf(value):
        return "#NUM!"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    magnitude = abs(value)
    if magnitude >= 1e15 or magnitude < 1e-9:
        mantissa, exponent = f"{value:.2E}".split("E")
        return f"{mantissa}E{exponent[0]}{exponent[1:].lstrip('0').zfill(2)}"
    digits = 10 - (math.floor(math.log10(magnitude)) + 1)
    text = f"{value:.{max(digits, 0)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_number(value: float, number_format: dict | None) -> str:
    """A number as FORMATTED_VALUE shows it under `number_format` ({'type', 'pattern'})."""
    if not number_format:
        return automatic(value)
    kind = number_format.get("type", "")
    pattern = number_format.get("pattern") or DEFAULT_PATTERNS.get(kind, "")
    if kind == "TEXT" or not pattern:
        return automatic(value)
    if is_date_pattern(pattern):
        try:
            return format_datetime(serial_to_datetime(value), pattern)
        except (OverflowError, ValueError):
            return automatic(value)
    return _format_with_pattern(value, pattern)


def _split_sections(pattern: str) -> list[str]:
    sections, current, quoted, i = [], "", False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\" and i + 1 < len(pattern):
            current += pattern[i:i + 2]
            i += 2
            continue
        elif ch == ";" and not quoted:
            sections.append(current)
            current = ""
            i += 1
            continue
        current += ch
        i += 1
    sections.append(current)
    return sections


def _unquote_literals(text: str) -> str:
    out, quoted, i = "", False, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\" and i + 1 < len(text):
            out += text[i + 1]
            i += 2
            continue
        elif not quoted and ch in "_*":
            i += 2  # spacing directives take the next character
            continue
        elif not quoted and ch == "[":
            end = text.find("]", i)
            i = end + 1 if end > 0 else i + 1  # colour / condition tags show nothing
            continue
        else:
            out += ch
        i += 1
    return out


_CORE = re.compile(r"[0#?,]*(?:\.[0#?]*)?(?:[Ee][+-][0#]+)?")


def _format_with_pattern(value: float, pattern: str) -> str:
    sections = _split_sections(pattern)
    section, negative_prefix = sections[0], value < 0
    if value < 0 and len(sections) > 1 and sections[1]:
        section, negative_prefix = sections[1], False
    elif value == 0 and len(sections) > 2 and sections[2]:
        section = sections[2]
    number = abs(value)
    # Locate the digits part outside quotes.
    masked = re.sub(r'"[^"]*"|\\.', lambda m: "\x00" * len(m.group(0)), section)
    start = next((i for i, ch in enumerate(masked) if ch in "0#?"), None)
    if start is None:
        text = _unquote_literals(section)
        return ("-" if negative_prefix else "") + text
    # extend backwards to include leading ',' / '.' ('.00' style)
    while start > 0 and masked[start - 1] in ".,":
        start -= 1
    match = _CORE.match(masked, start)
    end = match.end() if match else start
    core = section[start:end]
    prefix, suffix = _unquote_literals(section[:start]), _unquote_literals(section[end:])
    if "%" in _strip_quoted(section):
        number *= 100
    body = _format_core(number, core)
    sign = "-" if negative_prefix and body.strip("0.,") != "" else ""
    return sign + prefix + body + suffix


def _strip_quoted(text: str) -> str:
    return re.sub(r'"[^"]*"|\\.', "", text)


def _format_core(number: float, core: str) -> str:
    exp_part = ""
    if "E" in core.upper():
        idx = core.upper().index("E")
        core, exp_part = core[:idx], core[idx:]
    int_spec, _, dec_spec = core.partition(".")
    thousands = "," in int_spec
    # A trailing comma scales by 1000 per comma (#,##0, -> thousands).
    scale_commas = len(int_spec) - len(int_spec.rstrip(","))
    int_spec = int_spec.rstrip(",")
    number = number / (1000 ** scale_commas)
    min_int = int_spec.count("0")
    max_dec, min_dec = len(dec_spec), dec_spec.count("0")
    exponent = 0
    if exp_part and number != 0:
        exponent = math.floor(math.log10(number))
        number = number / (10 ** exponent)
        if round(number, max_dec) >= 10:
            number /= 10
            exponent += 1
    rounded = f"{number:.{max_dec}f}"
    int_text, _, dec_text = rounded.partition(".")
    if dec_text:
        dec_text = dec_text.rstrip("0")
        if len(dec_text) < min_dec:
            dec_text = dec_text + "0" * (min_dec - len(dec_text))
    int_text = int_text.lstrip("0")
    if len(int_text) < min_int:
        int_text = "0" * (min_int - len(int_text)) + int_text
    if thousands and int_text.strip("0"):
        int_text = f"{int(int_text):,}"
    text = int_text + ("." + dec_text if dec_text or (dec_spec and "0" in dec_spec) else "")
    if dec_spec and not dec_text and min_dec == 0 and "." in core:
        text = int_text + "."  # '#.##' on an integer keeps the point, as spreadsheets do
        if not int_text:
            text = "0."
    if exp_part:
        digits = len(exp_part) - 2
        sign = "-" if exponent < 0 else "+"
        text += "E" + sign + str(abs(exponent)).zfill(digits)
    return text


_DATE_TOKEN = re.compile(r'"[^"]*"|\\.|am/pm|AM/PM|a/p|A/P|\.0+|y+|Y+|m+|M+|d+|D+|h+|H+|s+|S+|[^"\\ymdhsYMDHSaA]+|[aA]')


def is_date_pattern(pattern: str) -> bool:
    stripped = _strip_quoted(pattern)
    return bool(re.search(r"[ymdhsYMDHS]", stripped)) and not re.search(r"[0#?]", re.sub(r"\.0+", "", stripped))


def format_datetime(moment: datetime, pattern: str) -> str:
    tokens = _DATE_TOKEN.findall(pattern)
    twelve_hour = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    kinds = [_kind(t) for t in tokens]
    out = []
    for i, token in enumerate(tokens):
        kind = kinds[i]
        if kind == "m":
            # minutes when right after an hour or right before seconds
            prev = next((kinds[j] for j in range(i - 1, -1, -1) if kinds[j] != "lit"), None)
            nxt = next((kinds[j] for j in range(i + 1, len(kinds)) if kinds[j] != "lit"), None)
            kind = "min" if prev == "h" or nxt == "s" else "m"
        out.append(_render_token(token, kind, moment, twelve_hour))
    return "".join(out)


def _kind(token: str) -> str:
    first = token[0].lower()
    if token.lower() in ("am/pm", "a/p"):
        return "ampm"
    if token.startswith(".0"):
        return "frac"
    if first in "ymdhs" and token.lower() == first * len(token):
        return first
    return "lit"


def _render_token(token: str, kind: str, moment: datetime, twelve_hour: bool) -> str:
    n = len(token)
    if kind == "y":
        return str(moment.year)[-2:] if n <= 2 else str(moment.year).zfill(4)
    if kind == "m":
        if n >= 5:
            return MONTHS[moment.month - 1][0]
        if n == 4:
            return MONTHS[moment.month - 1]
        if n == 3:
            return MONTHS[moment.month - 1][:3]
        return str(moment.month).zfill(n)
    if kind == "min":
        return str(moment.minute).zfill(min(n, 2))
    if kind == "d":
        if n >= 4:
            return DAYS[moment.weekday()]
        if n == 3:
            return DAYS[moment.weekday()][:3]
        return str(moment.day).zfill(n)
    if kind == "h":
        hour = moment.hour
        if twelve_hour:
            hour = hour % 12 or 12
        return str(hour).zfill(min(n, 2))
    if kind == "s":
        return str(moment.second).zfill(min(n, 2))
    if kind == "frac":
        digits = len(token) - 1
        return "." + str(int(moment.microsecond / 10 ** (6 - digits))).zfill(digits)
    if kind == "ampm":
        pm = moment.hour >= 12
        if token.lower() == "a/p":
            letter = "p" if pm else "a"
            return letter.upper() if token[0].isupper() else letter
        return "PM" if pm else "AM"  # Sheets shows AM/PM in capitals whatever the pattern's case
    return _unquote_literals(token)
