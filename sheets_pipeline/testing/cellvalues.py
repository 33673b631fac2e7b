"""Cell values in and out: what a typed string becomes, and what the values API renders.

USER_ENTERED follows the rules a person typing in Sheets gets (en_US by default): ``=...`` is a formula,
``'text`` stays text, ``TRUE``/``FALSE`` are booleans, ``1,234.5`` ``$5`` ``12%`` ``1e3`` are numbers (with the
number format Google records), ``2026-12-01`` ``12/1/2026`` ``Dec 1, 2026`` ``10:30`` are dates/times stored
as serial numbers with a date format. RAW keeps strings as strings.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from . import numfmt

ERROR_TEXT = {
    "NULL_VALUE": "#NULL!", "DIVIDE_BY_ZERO": "#DIV/0!", "VALUE": "#VALUE!", "REF": "#REF!", "NAME": "#NAME?",
    "NUM": "#NUM!", "N_A": "#N/A", "ERROR": "#ERROR!", "LOADING": "Loading...",
}
TEXT_ERROR = {v: k for k, v in ERROR_TEXT.items()}
DECIMAL_COMMA_LANGS = {"fr", "de", "es", "it", "pt", "nl", "ru", "pl", "sv", "da", "fi", "nb", "no", "cs", "tr",
                       "id", "ro", "hu", "el", "uk"}

_NUMBER = re.compile(
    r"^(?P<sign1>[+-])?(?P<cur>\$)?(?P<sign2>[+-])?(?P<int>\d{1,3}(?:,\d{3})+|\d*)(?P<dec>\.\d*)?"
    r"(?P<exp>[eE][+-]?\d+)?(?P<pct>%)?$")
_ISO_DATE = re.compile(r"^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_SLASH_DATE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?\s*([aApP][mM])?)?$")
_MONTH_DATE = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$")
_DAY_MONTH_DATE = re.compile(r"^(\d{1,2}) ([A-Za-z]{3,9})\.?,? (\d{4})$")
_HAS_DIGIT = re.compile(r"\d")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([aApP][mM])?$")


def number(value: float) -> int | float:
    """A double as Google writes it in JSON: 2.0 is 2 (kept as int so no output pass has to convert it)."""
    value = float(value)
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def error_value(kind: str, message: str = "") -> dict:
    return {"errorValue": {"type": kind, "message": message or _default_error_message(kind)}}


def _default_error_message(kind: str) -> str:
    return {"DIVIDE_BY_ZERO": "Function DIVIDE parameter 2 cannot be zero.", "REF": "Reference does not exist.",
            "NAME": "Unknown function.", "N_A": "No match found.", "VALUE": "Wrong type of argument."}.get(kind, "Error")


def raw_value(value: Any) -> dict | None:
    """A JSON value written with valueInputOption=RAW -> ExtendedValue (None: the cell is emptied)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": number(value)}
    text = str(value)
    if text == "":
        return None
    return {"stringValue": text}


def parse_user_entered(value: Any, locale: str = "en_US") -> tuple[dict | None, dict | None]:
    """A value typed by a person -> (ExtendedValue or None, the number format Google records or None)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return {"boolValue": value}, None
    if isinstance(value, (int, float)):
        return {"numberValue": number(value)}, None
    text = str(value)
    if text == "":
        return None, None
    if text.startswith("=") and len(text) > 1:
        return {"formulaValue": text}, None
    if text.startswith("'"):
        rest = text[1:]
        return ({"stringValue": rest} if rest else None), None
    stripped = text.strip()
    if stripped.upper() in ("TRUE", "FALSE"):
        return {"boolValue": stripped.upper() == "TRUE"}, None
    if not _HAS_DIGIT.search(stripped):
        return {"stringValue": text}, None  # fast path: no number or date without a digit
    parsed = _parse_number(stripped, locale)
    if parsed is not None:
        return {"numberValue": number(parsed[0])}, parsed[1]
    moment = parse_datetime(stripped, locale)
    if moment is not None:
        return {"numberValue": number(moment[0])}, moment[1]
    return {"stringValue": text}, None


def _parse_number(text: str, locale: str) -> tuple[float, dict | None] | None:
    lang = locale.split("_")[0].lower()
    candidate = text.replace(" ", "")
    if lang in DECIMAL_COMMA_LANGS:
        # 1.234,5 -> 1,234.5 so one grammar serves every locale
        candidate = candidate.replace(".", "\x00").replace(",", ".").replace("\x00", ",")
    m = _NUMBER.match(candidate)
    if not m or not re.search(r"\d", (m.group("int") or "") + (m.group("dec") or "")):
        return None
    if m.group("sign1") and m.group("sign2"):
        return None
    digits = (m.group("int") or "0").replace(",", "") + (m.group("dec") or "")
    if digits.endswith(".") and not m.group("int"):
        return None
    number = float(digits + (m.group("exp") or ""))
    if (m.group("sign1") or m.group("sign2")) == "-":
        number = -number
    decimals = len((m.group("dec") or ".")[1:])
    fmt: dict | None = None
    if m.group("pct"):
        number /= 100
        fmt = {"type": "PERCENT", "pattern": "0.00%" if decimals else "0%"}
    elif m.group("cur"):
        fmt = {"type": "CURRENCY", "pattern": '"$"#,##0.00' if decimals else '"$"#,##0'}
    elif m.group("exp"):
        fmt = {"type": "SCIENTIFIC", "pattern": "0.00E+00"}
    elif "," in (m.group("int") or ""):
        fmt = {"type": "NUMBER", "pattern": "#,##0.00" if decimals else "#,##0"}
    return number, fmt


def _month(name: str) -> int | None:
    for i, full in enumerate(numfmt.MONTHS):
        if full.lower().startswith(name.lower()) and len(name) >= 3:
            return i + 1
    return None


def parse_datetime(text: str, locale: str = "en_US") -> tuple[float, dict] | None:
    """Dates and times a person types -> (serial number, number format)."""
    try:
        m = _ISO_DATE.match(text)
        if m:
            sep = m.group(2)
            moment = datetime(int(m.group(1)), int(m.group(3)), int(m.group(4)),
                              int(m.group(5) or 0), int(m.group(6) or 0), int(m.group(7) or 0))
            pattern = f"yyyy{sep}mm{sep}dd"
            if m.group(5) is not None:
                pattern += " H:mm:ss" if m.group(7) is not None else " H:mm"
                return numfmt.datetime_to_serial(moment), {"type": "DATE_TIME", "pattern": pattern}
            return numfmt.datetime_to_serial(moment), {"type": "DATE", "pattern": pattern}
        m = _SLASH_DATE.match(text)
        if m:
            a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
            if len(m.group(4)) == 2:
                year += 2000 if year < 30 else 1900
            month, day = (a, b) if locale.startswith("en_US") else (b, a)
            hour = int(m.group(5) or 0)
            if m.group(8):
                hour = hour % 12 + (12 if m.group(8).lower() == "pm" else 0)
            moment = datetime(year, month, day, hour, int(m.group(6) or 0), int(m.group(7) or 0))
            sep = m.group(2)
            pattern = f"M{sep}d{sep}yyyy" if locale.startswith("en_US") else f"d{sep}M{sep}yyyy"
            if m.group(5) is not None:
                pattern += " H:mm:ss" if m.group(7) is not None else " H:mm"
                return numfmt.datetime_to_serial(moment), {"type": "DATE_TIME", "pattern": pattern}
            return numfmt.datetime_to_serial(moment), {"type": "DATE", "pattern": pattern}
        m = _MONTH_DATE.match(text)
        if m and _month(m.group(1)):
            moment = datetime(int(m.group(3)), _month(m.group(1)), int(m.group(2)))
            pattern = "mmmm d, yyyy" if len(m.group(1)) > 3 else "mmm d, yyyy"
            return numfmt.datetime_to_serial(moment), {"type": "DATE", "pattern": pattern}
        m = _DAY_MONTH_DATE.match(text)
        if m and _month(m.group(2)):
            moment = datetime(int(m.group(3)), _month(m.group(2)), int(m.group(1)))
            pattern = "d mmmm yyyy" if len(m.group(2)) > 3 else "d mmm yyyy"
            return numfmt.datetime_to_serial(moment), {"type": "DATE", "pattern": pattern}
        m = _TIME.match(text)
        if m:
            hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
            if m.group(4):
                if hour > 12:
                    return None
                hour = hour % 12 + (12 if m.group(4).lower() == "pm" else 0)
            if hour > 23 or minute > 59 or second > 59:
                return None
            serial = (hour * 3600 + minute * 60 + second) / 86400
            pattern = ("h:mm" if m.group(4) else "H:mm") + (":ss" if m.group(3) else "") + (
                " am/pm" if m.group(4) else "")
            return serial, {"type": "TIME", "pattern": pattern}
    except ValueError:
        return None
    return None


def python_value(value: Any) -> dict | None:
    """A Python value a test hands to the emulator: dates become serials; strings are typed (USER_ENTERED)."""
    if isinstance(value, (datetime, date)):
        return {"numberValue": number(numfmt.datetime_to_serial(value))}
    return parse_user_entered(value)[0]


def formatted(effective: dict | None, number_format: dict | None) -> str | None:
    """CellData.formattedValue for an effective value."""
    if not effective:
        return None
    if "numberValue" in effective:
        return numfmt.format_number(effective["numberValue"], number_format)
    if "boolValue" in effective:
        return "TRUE" if effective["boolValue"] else "FALSE"
    if "stringValue" in effective:
        return effective["stringValue"]
    if "errorValue" in effective:
        return ERROR_TEXT.get(effective["errorValue"].get("type", "ERROR"), "#ERROR!")
    return None


def json_number(value: float) -> int | float:
    """Google writes 2.0 as 2."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def render(effective: dict | None, user_entered: dict | None, number_format: dict | None,
           value_render: str, date_render: str) -> Any:
    """One cell as the values API returns it (None for an empty cell)."""
    if not effective and not user_entered:
        return None
    if value_render == "FORMULA" and user_entered and "formulaValue" in user_entered:
        return user_entered["formulaValue"]
    if value_render == "FORMATTED_VALUE":
        return formatted(effective, number_format)
    if not effective:
        return None
    if "numberValue" in effective:
        if date_render == "FORMATTED_STRING" and number_format and number_format.get("type") in numfmt.DATE_TYPES:
            return numfmt.format_number(effective["numberValue"], number_format)
        return json_number(effective["numberValue"])
    if "boolValue" in effective:
        return effective["boolValue"]
    if "stringValue" in effective:
        return effective["stringValue"]
    if "errorValue" in effective:
        return formatted(effective, None)
    return None


def python_of(effective: dict | None) -> Any:
    """Effective value as a plain Python value (str / float / bool / None); errors as their text."""
    if not effective:
        return None
    if "numberValue" in effective:
        return float(effective["numberValue"])
    if "boolValue" in effective:
        return effective["boolValue"]
    if "stringValue" in effective:
        return effective["stringValue"]
    if "errorValue" in effective:
        return formatted(effective, None)
    return None


def typed_cell(value: Any, locale: str, old: dict | None, raw: bool) -> dict | None:
    """A cell after a value is written by the values API (RAW or USER_ENTERED); format kept, value replaced."""
    plain_text = ((old or {}).get("userEnteredFormat", {}).get("numberFormat", {}).get("type") == "TEXT")
    if raw:
        entered, detected = raw_value(value), None
    elif plain_text and isinstance(value, str):
        # A cell formatted as plain text keeps what is typed as text (no formula, number or date parsing).
        entered, detected = raw_value(value), None
    else:
        entered, detected = parse_user_entered(value, locale)
    new = dict(old or {})
    if entered is None:
        new.pop("userEnteredValue", None)
    else:
        new["userEnteredValue"] = entered
    if detected is not None:
        fmt = dict(new.get("userEnteredFormat", {}))
        current = fmt.get("numberFormat", {}).get("type")
        # A cell already formatted as a date keeps its format when a date is typed into it.
        if not (detected["type"] in ("DATE", "DATE_TIME", "TIME") and current in ("DATE", "DATE_TIME", "TIME")):
            fmt["numberFormat"] = detected
        new["userEnteredFormat"] = fmt
    return new or None
