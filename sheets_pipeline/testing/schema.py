"""The Sheets v4 discovery document: request validation and proto3-style normalisation.

Validation reproduces Google's JSON parser: unknown members and values of the wrong type are refused with
"Invalid JSON payload received. Unknown name ..." / "Invalid value at ..." and a BadRequest detail naming
the offending path in proto (snake_case) field names, e.g. ``requests[0].update_sheet_properties.properties``.

Normalisation turns an accepted JSON object into what Google stores and echoes: nulls dropped, default
scalars of fields without presence dropped (``"hidden": false``, ``"green": 0``), float fields rounded to
float32 (Google answers ``0.49803922`` for ``0.4980392156862745``), snake_case members renamed to camelCase.
"""

from __future__ import annotations

import functools
import json
import math
import re
import struct
from dataclasses import dataclass
from typing import Any

# Messages whose members form a oneof: a member set to its default value still counts as set.
ONEOF_SCHEMAS = {"ExtendedValue", "ConditionValue", "Request", "Response", "EmbeddedObjectPosition", "ColorStyle",
                 "DataFilter", "ChartData", "ErrorValue"}
# Members with explicit presence (proto3 `optional`): Google echoes them even when 0/false.
PRESENCE = {
    "GridRange": {"startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex"},
    "DimensionRange": {"startIndex", "endIndex"},
    "SheetProperties": {"sheetId", "index", "title"},
    "TextFormat": {"bold", "italic", "strikethrough", "underline", "fontSize", "fontFamily"},
    "ProtectedRange": {"requestingUserCanEdit"},
    "DimensionGroup": {"depth", "collapsed"},
    # Request members where 0 means something (a oneof member, or an index whose absence has another default).
    "UpdateConditionalFormatRuleRequest": {"newIndex"},
    "DuplicateSheetRequest": {"insertSheetIndex", "newSheetId"},
}
# Enums shared between messages, named as Google names them in "Invalid value" errors.
SHARED_ENUMS = {
    "dimension": "Dimension", "majorDimension": "Dimension", "shiftDimension": "Dimension",
    "valueInputOption": "ValueInputOption", "valueRenderOption": "ValueRenderOption",
    "dateTimeRenderOption": "DateTimeRenderOption", "responseValueRenderOption": "ValueRenderOption",
    "responseDateTimeRenderOption": "DateTimeRenderOption", "insertDataOption": "InsertDataOption",
    "sheetType": "SheetType", "horizontalAlignment": "HorizontalAlign", "verticalAlignment": "VerticalAlign",
    "wrapStrategy": "WrapStrategy", "themeColor": "ThemeColorType", "sortOrder": "SortOrder",
    "pasteType": "PasteType", "pasteOrientation": "PasteOrientation", "mergeType": "MergeType",
}
_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1), "int64": (-(2**63), 2**63 - 1),
               "uint64": (0, 2**64 - 1)}


class DiscoveryUnavailable(RuntimeError):
    pass


@functools.lru_cache(maxsize=1)
def document() -> dict:
    """The Sheets v4 discovery document shipped in google-api-python-client (a test dependency)."""
    try:
        from importlib import resources

        text = (resources.files("googleapiclient") / "discovery_cache/documents/sheets.v4.json").read_text()
    except (ModuleNotFoundError, FileNotFoundError) as exc:  # pragma: no cover - depends on the environment
        raise DiscoveryUnavailable(
            "The Sheets emulator needs google-api-python-client (for its sheets.v4.json discovery document): "
            "pip install google-api-python-client") from exc
    return json.loads(text)


def schemas() -> dict[str, dict]:
    return document()["schemas"]


@functools.cache
def snake(name: str) -> str:
    """updateSheetProperties -> update_sheet_properties (proto field names appear in error paths)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@functools.cache
def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def f32(x: float) -> int | float:
    """Round to float32 and back to the shortest decimal that names it, as Google prints floats."""
    if not math.isfinite(x):
        return x
    packed = struct.pack("<f", x)
    for digits in range(1, 10):
        candidate = float(f"{x:.{digits}g}")
        if struct.pack("<f", candidate) == packed:
            return int(candidate) if candidate.is_integer() else candidate
    return struct.unpack("<f", packed)[0]


def channel(x: float) -> int | float:
    """Google keeps colour channels as 8-bit values: 0.5 comes back as 0.49803922 (127/255)."""
    level = math.floor(min(max(x, 0.0), 1.0) * 255 + 1e-6)
    return f32(level / 255)


@dataclass
class Violation:
    path: str  # proto path, '' at the root
    description: str
    unknown: bool  # an unknown member (these are all reported); a bad value stops the parser


def _where(path: str) -> str:
    return f" at '{path}'" if path else ""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@functools.cache
def _members(ref: str) -> dict[str, tuple[str, dict]]:
    """Member lookup table of a schema: JSON name and proto (snake_case) alias -> (camelCase name, property)."""
    table: dict[str, tuple[str, dict]] = {}
    for name, prop in schemas()[ref].get("properties", {}).items():
        table[name] = (name, prop)
        table.setdefault(snake(name), (name, prop))
    return table


def _member_schema(ref: str, name: str) -> tuple[str | None, dict | None]:
    return _members(ref).get(name, (None, None))


def validate(value: Any, ref: str, path: str = "") -> list[Violation]:
    """Check `value` against schema `ref`. Returns the violations Google would report (empty: accepted)."""
    out: list[Violation] = []
    _check_message(value, ref, path, out)
    bad_values = [v for v in out if not v.unknown]
    return bad_values[:1] if bad_values else out


def _check_message(value: Any, ref: str, path: str, out: list[Violation]) -> None:
    if not isinstance(value, dict):
        out.append(Violation(path, f"Invalid value{_where(path)} (type.googleapis.com/google.apps.sheets.v4.{ref}), "
                                   f"{_json(value)}", False))
        return
    for key, member in value.items():
        name, prop = _member_schema(ref, key)
        if prop is None:
            out.append(Violation(path, f'Invalid JSON payload received. Unknown name "{key}"{_where(path)}: '
                                       "Cannot find field.", True))
            continue
        if member is None:
            continue
        sub = f"{path}.{snake(name)}" if path else snake(name)
        _check_value(member, prop, sub, ref, name, out)


def _check_value(value: Any, prop: dict, path: str, owner: str, name: str, out: list[Violation]) -> None:
    if isinstance(value, str) and prop.get("type") == "string" and "enum" not in prop and "format" not in prop:
        return
    if "$ref" in prop:
        _check_message(value, prop["$ref"], path, out)
        return
    kind = prop.get("type")
    if kind == "array":
        item = prop.get("items", {})
        if item.get("type") == "array" or item.get("type") == "any":
            _check_list_value(value, path, out)
            return
        if not isinstance(value, list):
            out.append(_bad(path, _type_name(item, owner, name), value))
            return
        for i, element in enumerate(value):
            if element is None:
                continue
            _check_value(element, item, f"{path}[{i}]", owner, name, out)
        return
    if kind == "object":
        if not isinstance(value, dict):
            out.append(_bad(path, "type.googleapis.com/google.protobuf.Struct", value))
        return
    if kind == "any":
        return
    bad = _scalar_problem(value, prop)
    if bad:
        out.append(_bad(path, _type_name(prop, owner, name), value))


def _check_list_value(value: Any, path: str, out: list[Violation]) -> None:
    """ValueRange.values is a ListValue of ListValues."""
    if not isinstance(value, list):
        out.append(_bad(path, "type.googleapis.com/google.protobuf.ListValue", value))
        return
    for i, row in enumerate(value):
        if row is not None and not isinstance(row, list):
            out.append(_bad(f"{path}[{i}]", "type.googleapis.com/google.protobuf.ListValue", row))
            return


def _bad(path: str, type_name: str, value: Any) -> Violation:
    return Violation(path, f"Invalid value at '{path}' ({type_name}), {_json(value)}", False)


def _type_name(prop: dict, owner: str, name: str) -> str:
    kind, fmt = prop.get("type"), prop.get("format")
    if "enum" in prop:
        enum = SHARED_ENUMS.get(name) or f"{owner}.{name[:1].upper()}{name[1:]}"
        return f"type.googleapis.com/google.apps.sheets.v4.{enum}"
    if kind == "integer":
        return "TYPE_" + (fmt or "int32").upper()
    if kind == "number":
        return "TYPE_FLOAT" if fmt == "float" else "TYPE_DOUBLE"
    if kind == "boolean":
        return "TYPE_BOOL"
    if kind == "string" and fmt == "int64":
        return "TYPE_INT64"
    return "TYPE_STRING"


def _scalar_problem(value: Any, prop: dict) -> bool:
    kind, fmt = prop.get("type"), prop.get("format")
    if kind == "string":
        if fmt in ("int64", "uint64"):
            return _as_int(value, fmt) is None
        if not isinstance(value, str):
            return True
        return "enum" in prop and value not in prop["enum"]
    if kind == "integer":
        return _as_int(value, fmt or "int32") is None
    if kind == "number":
        if isinstance(value, bool):
            return True
        if isinstance(value, (int, float)):
            return False
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                return True
            return False
        return True
    if kind == "boolean":
        return not isinstance(value, bool)
    return False


def _as_int(value: Any, fmt: str) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    elif isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            return None
    if not isinstance(value, int):
        return None
    lo, hi = _INT_RANGES.get(fmt, _INT_RANGES["int64"])
    return value if lo <= value <= hi else None


def normalize(value: Any, ref: str) -> Any:
    """An accepted JSON message as Google stores it (see the module docstring)."""
    if not isinstance(value, dict):
        return value
    keep_defaults = ref in ONEOF_SCHEMAS
    presence = PRESENCE.get(ref, set())
    out: dict[str, Any] = {}
    for key, member in value.items():
        name, prop = _member_schema(ref, key)
        if prop is None or member is None:
            continue
        cleaned = _normalize_value(member, prop)
        if cleaned is _DROP:
            continue
        if ref == "Color" and name in ("red", "green", "blue") and isinstance(cleaned, (int, float)):
            cleaned = channel(cleaned)
        if not keep_defaults and name not in presence and _is_default(cleaned, prop):
            continue
        out[name] = cleaned
    return out


class _Drop:
    pass


_DROP = _Drop()


def _normalize_value(value: Any, prop: dict) -> Any:
    if isinstance(value, (str, bool)) and "format" not in prop:
        return value
    if "$ref" in prop:
        return normalize(value, prop["$ref"])
    kind, fmt = prop.get("type"), prop.get("format")
    if kind == "array":
        item = prop.get("items", {})
        if not isinstance(value, list):
            return value
        items = [_normalize_value(v, item) for v in value if v is not None]
        return [v for v in items if v is not _DROP] or _DROP
    if kind == "integer":
        return _as_int(value, fmt or "int32")
    if kind == "number":
        number = float(value) if not isinstance(value, (int, float)) else value
        if fmt == "float":
            return f32(float(number))
        number = float(number)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "string" and fmt in ("int64", "uint64"):
        return str(_as_int(value, fmt))
    return value


def _is_default(value: Any, prop: dict) -> bool:
    if "$ref" in prop or prop.get("type") in ("object", "any"):
        return False
    if isinstance(value, bool):
        return value is False
    if isinstance(value, (int, float)):
        return value == 0
    if isinstance(value, str):
        if value == "":
            return True
        enum = prop.get("enum")
        return bool(enum) and value == enum[0] and value.endswith("_UNSPECIFIED")
    return False


def error_details(violations: list[Violation]) -> tuple[str, list[dict]]:
    """Google's message and BadRequest detail for a list of violations."""
    message = "\n".join(v.description for v in violations)
    field_violations = []
    for v in violations:
        entry = {"field": v.path, "description": v.description} if v.path else {"description": v.description}
        field_violations.append(entry)
    return message, [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": field_violations}]


def mask_problem(ref: str, mask_paths: list[tuple[str, ...]]) -> str | None:
    """The first path of an update mask that names no member of `ref`, or None."""
    for path in mask_paths:
        current: str | None = ref
        for step in path:
            if step == "*":
                break
            if current is None:
                return ".".join(path)
            props = schemas()[current].get("properties", {})
            if step not in props:
                return ".".join(path)
            prop = props[step]
            current = prop.get("$ref") or prop.get("items", {}).get("$ref")
    return None
