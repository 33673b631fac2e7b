"""Replay recorded Google interactions (vcrpy cassettes) against the emulator and measure fidelity.

    python -m sheets_pipeline.testing.replay --write docs/emulator-fidelity.md

Each cassette is replayed in order against a fresh emulator. Ids Google generated (spreadsheet/file ids, sheet
ids, named and protected range ids, chart ids) are learnt from each recorded response and the emulator's answer
to the same request, and substituted in the later requests. An interaction is *reproduced* when the status code
is the same and the response has the same shape (same keys, same list lengths, same JSON types, recursively);
for the values endpoints, and for every error, the values must be equal too (volatile members excepted).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import server
from .emulator import SheetsEmulator

ID_KEYS = {"spreadsheetId", "id", "sheetId", "namedRangeId", "protectedRangeId", "chartId", "filterViewId",
           "bandedRangeId", "objectId", "permissionId"}
# Values that differ between any two runs, even against Google: compared by type only.
VOLATILE_KEYS = ID_KEYS | {"spreadsheetUrl", "createdTime", "modifiedTime", "modifiedByMeTime", "viewedByMeTime",
                           "etag", "selfLink", "webViewLink", "iconLink", "thumbnailLink", "exportLinks"}
VALUES_ENDPOINTS = {"values.get", "values.batchGet", "values.update", "values.batchUpdate", "values.append",
                    "values.clear", "values.batchClear"}
GOOGLE_PREFIXES = ("https://sheets.googleapis.com", "https://www.googleapis.com")
REPO = Path(__file__).resolve().parents[2]
DEFAULT_CASSETTES = REPO.parent / "shared" / "sheets-api" / "gspread-cassettes"


@dataclass
class Result:
    cassette: str
    index: int
    endpoint: str
    method: str
    uri: str
    recorded_status: int
    status: int | None
    status_ok: bool
    shape_ok: bool
    exact_ok: bool
    difference: str = ""

    @property
    def reproduced(self) -> bool:
        strict_values = self.endpoint in VALUES_ENDPOINTS or self.recorded_status >= 400
        return self.status_ok and self.shape_ok and (self.exact_ok or not strict_values)


@dataclass
class IdMap:
    """Recorded id -> emulator id, learnt response by response."""

    ids: dict[Any, Any] = field(default_factory=dict)

    def learn(self, recorded: Any, ours: Any) -> None:
        if isinstance(recorded, dict) and isinstance(ours, dict):
            for key in recorded.keys() & ours.keys():
                rec, got = recorded[key], ours[key]
                if key in ID_KEYS and isinstance(rec, (str, int)) and not isinstance(rec, bool) \
                        and type(rec) is type(got) and rec != got:
                    self.ids.setdefault(rec, got)
                else:
                    self.learn(rec, got)
        elif isinstance(recorded, list) and isinstance(ours, list):
            for rec, got in zip(recorded, ours):
                self.learn(rec, got)

    def url(self, url: str) -> str:
        for rec, got in self.ids.items():
            if isinstance(rec, str) and len(rec) >= 20:
                url = url.replace(rec, got)
        return url

    def body(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (self.ids.get(v, v) if k in ID_KEYS and isinstance(v, (str, int)) and not isinstance(v, bool)
                        else self.body(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.body(v) for v in value]
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def compare(recorded: Any, ours: Any, exact: bool, path: str = "$", volatile: bool = False) -> str:
    """'' when equal in shape (and in value when `exact`), else a description of the first difference."""
    if _kind(recorded) != _kind(ours):
        return f"{path}: {_kind(recorded)} recorded, {_kind(ours)} returned"
    if isinstance(recorded, dict):
        missing = sorted(recorded.keys() - ours.keys())
        extra = sorted(ours.keys() - recorded.keys())
        if missing or extra:
            return f"{path}: keys missing {missing}, unexpected {extra}"
        for key in recorded:
            diff = compare(recorded[key], ours[key], exact, f"{path}.{key}", key in VOLATILE_KEYS)
            if diff:
                return diff
        return ""
    if isinstance(recorded, list):
        if len(recorded) != len(ours):
            return f"{path}: {len(recorded)} items recorded, {len(ours)} returned"
        for i, (rec, got) in enumerate(zip(recorded, ours)):
            diff = compare(rec, got, exact, f"{path}[{i}]", volatile)
            if diff:
                return diff
        return ""
    if exact and not volatile and recorded != ours:
        return f"{path}: {recorded!r} recorded, {ours!r} returned"
    return ""


def _decode(text: str) -> Any:
    if not text:
        return ""
    try:
        return json.loads(text)
    except ValueError:
        return text


def replay_cassette(path: Path) -> list[Result]:
    data = json.loads(path.read_text())
    results = []
    ids = IdMap()
    with SheetsEmulator() as emu:
        session = emu.session()
        for index, interaction in enumerate(data["interactions"]):
            request, response = interaction["request"], interaction["response"]
            method, uri = request["method"], request["uri"]
            key, _ = server.route(method, urlsplit(uri).path)
            raw_body = request.get("body")
            body_bytes: bytes | None = None
            if raw_body:
                decoded = _decode(raw_body) if isinstance(raw_body, str) else raw_body
                body_bytes = (json.dumps(ids.body(decoded)) if isinstance(decoded, (dict, list)) else
                              str(raw_body)).encode("utf-8")
            headers = {"Content-Type": "application/json"} if body_bytes and raw_body.lstrip()[:1] in "{[" else {}
            if key == "drive.files.list":
                _seed_listed_files(emu, ids, _decode(response["body"]["string"] or ""))
            try:
                reply = session.request(method, ids.url(uri), data=body_bytes, headers=headers, timeout=30)
                status, ours = reply.status_code, _decode(reply.content.decode("utf-8", "replace"))
            except Exception as exc:  # noqa: BLE001 - a crash of the emulator is a mismatch, not a test error
                status, ours = None, f"<{type(exc).__name__}>"
            recorded_status = response["status"]["code"]
            recorded = _decode(response["body"]["string"] or "")
            if status == recorded_status == 200:
                ids.learn(recorded, ours)
            shape = compare(recorded, ours, exact=False)
            exact = compare(recorded, ours, exact=True)
            results.append(Result(path.name, index, key, method, uri, recorded_status, status,
                                  status == recorded_status, not shape, not exact,
                                  "" if status == recorded_status and not exact else
                                  (f"status {recorded_status} recorded, {status} returned; " if status != recorded_status
                                   else "") + (exact or shape)))
    return results


def _seed_listed_files(emu: SheetsEmulator, ids: IdMap, recorded: Any) -> None:
    """A recorded Drive listing can show spreadsheets the cassette never created: other tests had left them in
    the account. They are the state the recording started from, so they are created first (empty, with the
    listed name and times); the emulator then answers the listing and later reads of those files itself."""
    if not isinstance(recorded, dict):
        return
    for entry in recorded.get("files", []):
        file_id = entry.get("id")
        if not file_id or file_id in ids.ids:
            continue
        with emu.service.lock:
            book = emu.service.new_spreadsheet(entry.get("name", "Untitled spreadsheet"))
            file = emu.service.files[book.id]
            file.created = entry.get("createdTime", file.created)
            file.modified = entry.get("modifiedTime", file.modified)
        ids.ids[file_id] = book.id


def replay_all(directory: Path = DEFAULT_CASSETTES) -> list[Result]:
    results = []
    for path in sorted(directory.glob("*.json")):
        results.extend(replay_cassette(path))
    return results


def shares(results: list[Result]) -> dict[str, dict[str, float | int]]:
    """Per endpoint key: interactions and the share (0..1) with status ok / shape ok / exact / reproduced."""
    table: dict[str, dict[str, float | int]] = {}
    for key in sorted({r.endpoint for r in results}):
        rows = [r for r in results if r.endpoint == key]
        n = len(rows)
        table[key] = {"interactions": n,
                      "status": sum(r.status_ok for r in rows) / n,
                      "shape": sum(r.status_ok and r.shape_ok for r in rows) / n,
                      "exact": sum(r.status_ok and r.exact_ok for r in rows) / n,
                      "reproduced": sum(r.reproduced for r in rows) / n}
    return table


METHOD = """\
# Emulator fidelity: replay of real Google interactions

Generated by `python -m sheets_pipeline.testing.replay --write docs/emulator-fidelity.md`; checked by
`tests/testing/test_cassettes.py`, which also keeps each share at or above `tests/testing/fidelity_floor.json`.

**Method.** The {cassettes} cassettes in `../shared/sheets-api/gspread-cassettes/` ({interactions} recorded
interactions between gspread and Google's Sheets v4 / Drive v3 APIs, 2023) are replayed, each in order against a
fresh `SheetsEmulator`, through real HTTP. The ids Google generated (spreadsheet and file ids, sheet ids, named
range, protected range and chart ids) are learnt by walking each recorded response alongside the emulator's
answer, and substituted in the requests that follow. A Drive listing may show spreadsheets that the cassette
never created (other tests had left them in the recording account): they are the state the recording started
from, so the harness creates them first, empty, with the listed name and times; the emulator answers everything
about them itself. For every interaction we compare:

- **status**: the HTTP status code;
- **shape**: the response body, recursively: the same object keys, the same list lengths, the same JSON types
  (numbers, strings, booleans, objects, lists);
- **exact**: shape plus equal values. Only volatile members are exempt from value equality: ids
  (`spreadsheetId`, `id`, `sheetId`, `namedRangeId`, `protectedRangeId`, `chartId`...), `spreadsheetUrl`,
  timestamps (`createdTime`, `modifiedTime`), etags and links.

An interaction counts as **reproduced** when status and shape match, and, for the `values.*` endpoints and for
every error response, the values match too (ranges, counts, cell values, error messages). Nothing else is
ignored: a missing or extra key, a list of a different length, a different type or a different error message is
a miss.

| endpoint | interactions | status | shape | exact | reproduced |
|---|---:|---:|---:|---:|---:|
"""


SCOPE = """
## What the cassettes do not measure, and known gaps

The recordings exercise what gspread's own tests do. The emulator implements more (conditional formats,
protected ranges, charts, data validation, copy/cut paste, find/replace, insert/delete range, sorting, dimension
groups, filter views, banding, Drive permissions...), following Google's reference documentation; those parts
are covered by `tests/testing/test_emulator.py`, not by recorded traffic. Strict mode (the default) validates
every Sheets request body and query parameter against the Sheets v4 discovery document of
google-api-python-client.

Known gaps:

- Error messages that no recording shows are best-effort (the shape is Google's, the wording may differ).
- Formulas: references are rewritten on row/column moves like Google does, but the evaluator knows a subset of
  functions; an unknown function evaluates to `#NAME?`. Conditional formats are stored, not evaluated; data
  validation is not enforced on API writes (Google does not either).
- The caller owns every file: there is no sharing-based 403 (the one recorded 403 above).
- Drive: files create/get/list/update/delete/copy/export (text/csv), comments list (always empty) and
  permissions; the Drive v2 CSV import used by gspread's `import_csv` only replaces the data, its reply is
  minimal.
- Request kinds of `batchUpdate` not implemented (data sources, slicers, tables, developer metadata, comments,
  textToColumns, autoFill, pasteData) are refused with a 400 that names the emulator, never silently ignored.
"""


def report(results: list[Result], cassettes: int) -> str:
    table = shares(results)
    lines = [METHOD.format(cassettes=cassettes, interactions=len(results))]
    for key, row in table.items():
        lines.append(f"| `{key}` | {row['interactions']} | {row['status']:.1%} | {row['shape']:.1%} | "
                     f"{row['exact']:.1%} | {row['reproduced']:.1%} |\n")
    total = len(results)
    lines.append(f"| **all** | {total} | {sum(r.status_ok for r in results) / total:.1%} | "
                 f"{sum(r.status_ok and r.shape_ok for r in results) / total:.1%} | "
                 f"{sum(r.status_ok and r.exact_ok for r in results) / total:.1%} | "
                 f"{sum(r.reproduced for r in results) / total:.1%} |\n")
    misses = [r for r in results if not r.reproduced]
    lines.append(f"\n## What is not reproduced ({len(misses)} interactions)\n\n")
    grouped: dict[str, list[Result]] = {}
    for r in misses:
        grouped.setdefault(f"{r.endpoint}: {_reason(r)}", []).append(r)
    for reason, rows in sorted(grouped.items(), key=lambda kv: -len(kv[1])):
        example = rows[0]
        lines.append(f"- {reason} — {len(rows)}× (e.g. `{example.cassette}` #{example.index})\n")
    lines.append(SCOPE)
    return "".join(lines)


def _reason(result: Result) -> str:
    diff = result.difference
    if len(diff) > 160:
        diff = diff[:157] + "..."
    return diff.replace("|", "\\|").replace("\n", " ")


def write(path: Path, directory: Path = DEFAULT_CASSETTES) -> list[Result]:
    results = replay_all(directory)
    path.write_text(report(results, len(list(directory.glob("*.json")))))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cassettes", type=Path, default=Path(os.environ.get("SHEETS_CASSETTES",
                                                                              DEFAULT_CASSETTES)))
    parser.add_argument("--write", type=Path, help="write the Markdown report there")
    parser.add_argument("--floor", type=Path, help="write the reproduced shares as a floor JSON file")
    args = parser.parse_args(argv)
    results = write(args.write, args.cassettes) if args.write else replay_all(args.cassettes)
    table = shares(results)
    for key, row in table.items():
        print(f"{key:28} {row['interactions']:5} status {row['status']:6.1%} shape {row['shape']:6.1%} "
              f"exact {row['exact']:6.1%} reproduced {row['reproduced']:6.1%}")
    if args.floor:
        # Rounded down, so that the floor is never above what was reached.
        floors = {k: math.floor(v["reproduced"] * 10000) / 10000 for k, v in table.items()}
        args.floor.write_text(json.dumps(floors, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
