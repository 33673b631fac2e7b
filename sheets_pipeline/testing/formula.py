"""Formulas: tokens and references, and how references follow moved cells.

When rows or columns are inserted or deleted, Google rewrites every reference to the moved cells
(``=SUM(A2:A10)`` -> ``=SUM(A3:A11)``; a deleted cell becomes ``#REF!``), in cells, in ONE_OF_RANGE validations
and in conditional-format formulas; copyPaste moves relative references; renaming a sheet renames it in
formulas. Evaluation lives in `evaluate.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import a1

_REF_BODY = (r"(?:\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}(?:\$?\d+)?)?"
             r"|\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}|\$?\d+:\$?\d+)")
_TOKEN = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<str>\"(?:[^\"]|\"\")*\")"
    r"|(?P<err>#N/A|#REF!|#DIV/0!|#VALUE!|#NAME\?|#NUM!|#NULL!|#ERROR!)"
    r"|(?P<ref>(?:(?P<sheet>'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?" + _REF_BODY + r")(?![A-Za-z0-9_(.!])"
    r"|(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<func>[A-Za-z_][A-Za-z0-9_.]*(?=\s*\())"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<op><>|<=|>=|[-+*/^&=<>%(),;:{}])"
)


@dataclass
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokenize(formula: str) -> list[Token]:
    """Tokens of a formula (the leading '=' excluded). Unknown characters become 'op' tokens."""
    body = formula.removeprefix("=")
    offset = 1 if formula.startswith("=") else 0
    tokens, pos = [], 0
    while pos < len(body):
        m = _TOKEN.match(body, pos)
        if not m:
            tokens.append(Token("op", body[pos], pos + offset, pos + offset + 1))
            pos += 1
            continue
        kind = m.lastgroup if m.lastgroup != "sheet" else "ref"
        if m.group("ref") is not None:
            kind = "ref"
        if kind != "ws":
            tokens.append(Token(kind, m.group(0), m.start() + offset, m.end() + offset))
        pos = m.end()
    return tokens


@dataclass
class Ref:
    """A reference: 0-based bounds; None = unbounded (whole column / row)."""

    sheet: str | None
    r1: int | None
    c1: int | None
    r2: int | None  # exclusive
    c2: int | None
    abs_r1: bool = False
    abs_c1: bool = False
    abs_r2: bool = False
    abs_c2: bool = False
    single: bool = False


_SIDE = re.compile(r"^(\$?)([A-Za-z]{0,3})(\$?)(\d*)$")


def parse_ref(text: str) -> Ref:
    sheet = None
    if "!" in text:
        sheet_text, text = text.rsplit("!", 1)
        sheet = sheet_text[1:-1].replace("''", "'") if sheet_text.startswith("'") else sheet_text
    parts = text.split(":")
    sides = []
    for part in parts:
        m = _SIDE.match(part)
        col = a1.column_index(m.group(2)) if m.group(2) else None
        row = int(m.group(4)) - 1 if m.group(4) else None
        sides.append((col, row, bool(m.group(1)), bool(m.group(3)) if m.group(2) else bool(m.group(1))))
    (ca, ra, aca, ara) = sides[0]
    if len(sides) == 1:
        return Ref(sheet, ra, ca, ra + 1, ca + 1, ara, aca, ara, aca, single=True)
    (cb, rb, acb, arb) = sides[1]
    return Ref(sheet, ra, ca, None if rb is None else rb + 1, None if cb is None else cb + 1, ara, aca, arb, acb)


def format_ref(ref: Ref, sheet_text: str | None) -> str:
    def side(col: int | None, row: int | None, abs_c: bool, abs_r: bool) -> str:
        out = ""
        if col is not None:
            out += ("$" if abs_c else "") + a1.column_letter(col)
        if row is not None:
            out += ("$" if abs_r else "") + str(row + 1)
        return out

    prefix = f"{sheet_text}!" if sheet_text else ""
    if ref.single:
        return prefix + side(ref.c1, ref.r1, ref.abs_c1, ref.abs_r1)
    end_r = None if ref.r2 is None else ref.r2 - 1
    end_c = None if ref.c2 is None else ref.c2 - 1
    return prefix + side(ref.c1, ref.r1, ref.abs_c1, ref.abs_r1) + ":" + side(end_c, end_r, ref.abs_c2, ref.abs_r2)


def _sheet_text(token_text: str) -> str | None:
    return token_text.rsplit("!", 1)[0] if "!" in token_text else None


def _rewrite(formula: str, fn: Callable[[Token, Ref], str | None]) -> str:
    """Replace each reference token by fn(token, ref) (None keeps it)."""
    if not formula.startswith("="):
        return formula
    out, last = [], 0
    for tok in tokenize(formula):
        if tok.kind != "ref":
            continue
        replacement = fn(tok, parse_ref(tok.text))
        if replacement is None:
            continue
        out.append(formula[last:tok.start])
        out.append(replacement)
        last = tok.end
    out.append(formula[last:])
    return "".join(out)


def _targets(ref: Ref, home: str, sheet: str) -> bool:
    return (ref.sheet if ref.sheet is not None else home) == sheet


def shift(formula: str, home: str, sheet: str, dimension: str, index: int, count: int) -> str:
    """References into `sheet` after inserting (count > 0) or deleting (count < 0) rows/columns at `index`.
    `home` is the title of the sheet holding the formula (references without a sheet name point there)."""

    def fix(tok: Token, ref: Ref) -> str | None:
        if not _targets(ref, home, sheet):
            return None
        lo, hi = (ref.r1, ref.r2) if dimension == "ROWS" else (ref.c1, ref.c2)
        if lo is None:
            return None  # whole column (for rows) / whole row (for columns): unaffected
        new = shift_span(lo, hi, index, count)
        if new is None:
            return "#REF!"
        if dimension == "ROWS":
            ref.r1, ref.r2 = new
        else:
            ref.c1, ref.c2 = new
        return format_ref(ref, _sheet_text(tok.text))

    return _rewrite(formula, fix)


def shift_span(lo: int, hi: int | None, index: int, count: int) -> tuple[int, int | None] | None:
    """A half-open span after an insertion (count > 0) or deletion (count < 0) at index. None: deleted."""
    if count > 0:
        if lo >= index:
            return lo + count, None if hi is None else hi + count
        if hi is not None and hi > index:
            return lo, hi + count
        return lo, hi
    gone = -count
    end = index + gone

    def moved(x: int) -> int:
        if x <= index:
            return x
        return index if x < end else x - gone

    new_lo = moved(lo)
    new_hi = None if hi is None else moved(hi)
    if new_hi is not None and new_hi <= new_lo:
        return None
    return new_lo, new_hi


def offset(formula: str, rows: int, cols: int) -> str:
    """Relative references moved by (rows, cols), as pasting a formula elsewhere does."""

    def fix(tok: Token, ref: Ref) -> str | None:
        try:
            if ref.r1 is not None and not ref.abs_r1:
                ref.r1 += rows
            if ref.r2 is not None and not ref.abs_r2:
                ref.r2 += rows
            if ref.c1 is not None and not ref.abs_c1:
                ref.c1 += cols
            if ref.c2 is not None and not ref.abs_c2:
                ref.c2 += cols
            if any(v is not None and v < 0 for v in (ref.r1, ref.c1)):
                return "#REF!"
        except TypeError:
            return None
        return format_ref(ref, _sheet_text(tok.text))

    return _rewrite(formula, fix) if (rows or cols) else formula


def rename_sheet(formula: str, old: str, new: str) -> str:
    def fix(tok: Token, ref: Ref) -> str | None:
        if ref.sheet != old:
            return None
        ref.sheet = new
        return format_ref(ref, a1.quote_title(new))

    return _rewrite(formula, fix)
