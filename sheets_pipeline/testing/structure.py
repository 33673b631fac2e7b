"""Structural edits: rows and columns inserted or deleted, and everything Google moves with them.

Cells, merges, conditional-format and protected ranges, named ranges, filters, charts (sources and anchors),
dimension groups, row/column sizes, frozen counts, and references in formulas and in ONE_OF_RANGE validations on
every sheet. Insertions inside a validated block extend the validation, as Google's range-based validations do.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from . import formula, model


def shift_range(rng: dict, dimension: str, index: int, count: int) -> dict | None:
    """A GridRange after inserting (count > 0) / deleting (count < 0) at index. None when it is deleted."""
    start_key, end_key = ("startRowIndex", "endRowIndex") if dimension == "ROWS" else (
        "startColumnIndex", "endColumnIndex")
    if start_key not in rng and end_key not in rng:
        return rng
    lo, hi = rng.get(start_key, 0), rng.get(end_key)
    new = formula.shift_span(lo, hi, index, count)
    if new is None:
        return None
    out = dict(rng)
    if start_key in rng or new[0] != 0:
        out[start_key] = new[0]
    if new[1] is not None:
        out[end_key] = new[1]
    return out


def shift_dimension_range(rng: dict, dimension: str, index: int, count: int) -> dict | None:
    if rng.get("dimension") != dimension:
        return rng
    new = formula.shift_span(rng.get("startIndex", 0), rng.get("endIndex"), index, count)
    if new is None:
        return None
    out = dict(rng)
    out["startIndex"], out["endIndex"] = new[0], new[1]
    return out


def _walk_ranges(obj: Any, sheet_id: int, fn: Callable[[dict], dict | None]) -> Any:
    """Apply fn to every GridRange-looking dict of `sheet_id` inside a chart spec (sources of series...)."""
    if isinstance(obj, list):
        out = []
        for item in obj:
            new = _walk_ranges(item, sheet_id, fn)
            if new is not None:
                out.append(new)
        return out
    if isinstance(obj, dict):
        keys = {"startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex"}
        if keys & obj.keys() and obj.get("sheetId", 0) == sheet_id:
            return fn(obj)
        return {k: _walk_ranges(v, sheet_id, fn) for k, v in obj.items()}
    return obj


def move_dimension(book: model.Spreadsheet, sheet: model.Sheet, dimension: str, index: int, count: int,
                   inherit_before: bool | None = None) -> None:
    """Insert (count > 0) or delete (count < 0, rows index..index-count) rows or columns everywhere."""
    rows = dimension == "ROWS"
    if count > 0:
        _insert_cells(sheet, rows, index, count, inherit_before)
    else:
        _delete_cells(sheet, rows, index, -count)
    grid = sheet.grid
    size_key, frozen_key = ("rowCount", "frozenRowCount") if rows else ("columnCount", "frozenColumnCount")
    grid[size_key] = grid.get(size_key, 0) + count
    if grid.get(frozen_key, 0) > index:
        frozen = formula.shift_span(0, grid[frozen_key], index, count)
        grid[frozen_key] = 0 if frozen is None else frozen[1]
        if not grid[frozen_key]:
            grid.pop(frozen_key)

    def fix(rng: dict) -> dict | None:
        return shift_range(rng, dimension, index, count)

    sheet.merges = [m for m in (fix(m) for m in sheet.merges) if m]
    rules = []
    for rule in sheet.conditional_formats:
        ranges = [r for r in (fix(r) for r in rule.get("ranges", [])) if r]
        if ranges:
            rule = dict(rule, ranges=ranges)
            rules.append(_shift_rule_formulas(rule, sheet.title, sheet.title, dimension, index, count))
    sheet.conditional_formats = rules
    kept = []
    for pr in sheet.protected_ranges:
        if "range" in pr:
            new = fix(pr["range"])
            if new is None:
                continue
            pr = dict(pr, range=new)
        if pr.get("unprotectedRanges"):
            pr = dict(pr, unprotectedRanges=[r for r in (fix(r) for r in pr["unprotectedRanges"]) if r])
        kept.append(pr)
    sheet.protected_ranges = kept
    if sheet.basic_filter:
        new = fix(sheet.basic_filter["range"])
        sheet.basic_filter = None if new is None else dict(sheet.basic_filter, range=new)
    sheet.filter_views = [dict(fv, range=fix(fv["range"])) for fv in sheet.filter_views
                          if "range" not in fv or fix(fv["range"]) is not None]
    sheet.banded_ranges = [dict(b, range=fix(b["range"])) for b in sheet.banded_ranges if fix(b["range"])]
    groups_key = "row_groups" if rows else "column_groups"
    new_groups = []
    for group in getattr(sheet, groups_key):
        rng = shift_dimension_range(group["range"], dimension, index, count)
        if rng:
            new_groups.append(dict(group, range=rng))
    setattr(sheet, groups_key, new_groups)
    for chart in book_charts(book):
        chart["spec"] = _walk_ranges(chart.get("spec", {}), sheet.id, fix)
        anchor = chart.get("position", {}).get("overlayPosition", {}).get("anchorCell")
        if anchor and anchor.get("sheetId", 0) == sheet.id:
            key = "rowIndex" if rows else "columnIndex"
            position = anchor.get(key, 0)
            if count > 0 and position >= index:
                anchor[key] = position + count
            elif count < 0 and position >= index:
                anchor[key] = max(index, position + count)
    named = []
    for nr in book.named_ranges:
        if nr.get("range", {}).get("sheetId", 0) == sheet.id:
            new = fix(nr["range"])
            if new is None:
                continue
            nr = dict(nr, range=new)
        named.append(nr)
    book.named_ranges = named
    _shift_references(book, sheet.title, dimension, index, count)


def book_charts(book: model.Spreadsheet) -> list[dict]:
    return [chart for s in book.sheets for chart in s.charts]


def _shift_rule_formulas(rule: dict, home: str, target: str, dimension: str, index: int, count: int) -> dict:
    condition = rule.get("booleanRule", {}).get("condition")
    if not condition or not condition.get("values"):
        return rule
    values = [dict(v, userEnteredValue=formula.shift(v["userEnteredValue"], home, target, dimension, index, count))
              if str(v.get("userEnteredValue", "")).startswith("=") else v for v in condition["values"]]
    rule = copy.deepcopy(rule)
    rule["booleanRule"]["condition"]["values"] = values
    return rule


def _shift_references(book: model.Spreadsheet, target: str, dimension: str, index: int, count: int) -> None:
    """Rewrite formulas and ONE_OF_RANGE/CUSTOM_FORMULA validations pointing into `target`."""
    for sheet in book.sheets:
        memo: dict[int, dict] = {}
        for r, line in enumerate(sheet.rows):
            for c, cell in enumerate(line):
                if not cell:
                    continue
                new_cell = cell
                entered = cell.get("userEnteredValue")
                if entered and "formulaValue" in entered:
                    text = formula.shift(entered["formulaValue"], sheet.title, target, dimension, index, count)
                    if text != entered["formulaValue"]:
                        new_cell = dict(new_cell, userEnteredValue={"formulaValue": text})
                rule = cell.get("dataValidation")
                if rule is not None:
                    new_rule = memo.get(id(rule))
                    if new_rule is None:
                        new_rule = _shift_validation(rule, sheet.title, target, dimension, index, count)
                        memo[id(rule)] = new_rule
                    if new_rule is not rule:
                        new_cell = dict(new_cell, dataValidation=new_rule)
                if new_cell is not cell:
                    line[c] = new_cell
        for i, rule in enumerate(sheet.conditional_formats):
            if sheet.title != target:
                sheet.conditional_formats[i] = _shift_rule_formulas(rule, sheet.title, target, dimension, index,
                                                                    count)


def _shift_validation(rule: dict, home: str, target: str, dimension: str, index: int, count: int) -> dict:
    values = rule.get("condition", {}).get("values")
    if not values:
        return rule
    changed = False
    new_values = []
    for v in values:
        text = v.get("userEnteredValue", "")
        if isinstance(text, str) and text.startswith("="):
            new = formula.shift(text, home, target, dimension, index, count)
            if new != text:
                changed = True
                v = dict(v, userEnteredValue=new)
        new_values.append(v)
    if not changed:
        return rule
    rule = copy.deepcopy(rule)
    rule["condition"]["values"] = new_values
    return rule


def _insert_cells(sheet: model.Sheet, rows: bool, index: int, count: int, inherit_before: bool | None) -> None:
    meta = sheet.row_meta if rows else sheet.col_meta
    source = index - 1 if inherit_before else index
    template_meta = meta[source] if 0 <= source < len(meta) else None
    meta[index:index] = [template_meta] * count
    if rows:
        if index <= len(sheet.rows):
            before = sheet.rows[index - 1] if index > 0 else []
            after = sheet.rows[index] if index < len(sheet.rows) else []
            template = before if inherit_before else after
            new_rows = [_inherited(template, before, after) for _ in range(count)]
            sheet.rows[index:index] = new_rows
    else:
        for line in sheet.rows:
            if index <= len(line):
                before = line[index - 1] if index > 0 else None
                after = line[index] if index < len(line) else None
                template = before if inherit_before else after
                line[index:index] = [_inherited_cell(template, before, after) for _ in range(count)]


def _inherited(template: list, before: list, after: list) -> list:
    width = max(len(template), len(before), len(after))
    get = lambda line, i: line[i] if i < len(line) else None
    line = [_inherited_cell(get(template, i), get(before, i), get(after, i)) for i in range(width)]
    while line and line[-1] is None:
        line.pop()
    return line


def _inherited_cell(template: dict | None, before: dict | None, after: dict | None) -> dict | None:
    """A new cell takes its neighbour's format; validation only when inserted inside a validated block
    (Google keeps validations as ranges: a range grows only when the insertion is strictly inside it)."""
    cell: dict = {}
    if template and "userEnteredFormat" in template:
        cell["userEnteredFormat"] = template["userEnteredFormat"]
    rule_before = before.get("dataValidation") if before else None
    rule_after = after.get("dataValidation") if after else None
    if rule_before is not None and rule_before == rule_after:
        cell["dataValidation"] = rule_before
    return cell or None


def _delete_cells(sheet: model.Sheet, rows: bool, index: int, count: int) -> None:
    meta = sheet.row_meta if rows else sheet.col_meta
    del meta[index:index + count]
    if rows:
        del sheet.rows[index:index + count]
    else:
        for line in sheet.rows:
            del line[index:index + count]


def rename_references(book: model.Spreadsheet, old: str, new: str) -> None:
    """A renamed sheet: formulas and validations that name it follow, as in Sheets."""
    for sheet in book.sheets:
        memo: dict[int, dict] = {}
        for line in sheet.rows:
            for c, cell in enumerate(line):
                if not cell:
                    continue
                new_cell = cell
                entered = cell.get("userEnteredValue")
                if entered and "formulaValue" in entered:
                    text = formula.rename_sheet(entered["formulaValue"], old, new)
                    if text != entered["formulaValue"]:
                        new_cell = dict(new_cell, userEnteredValue={"formulaValue": text})
                rule = cell.get("dataValidation")
                if rule is not None and rule.get("condition", {}).get("values"):
                    if id(rule) not in memo:
                        renamed = copy.deepcopy(rule)
                        for v in renamed["condition"]["values"]:
                            if str(v.get("userEnteredValue", "")).startswith("="):
                                v["userEnteredValue"] = formula.rename_sheet(v["userEnteredValue"], old, new)
                        memo[id(rule)] = renamed if renamed != rule else rule
                    if memo[id(rule)] is not rule:
                        new_cell = dict(new_cell, dataValidation=memo[id(rule)])
                if new_cell is not cell:
                    line[c] = new_cell
