"""A1 notation as the Sheets API reads and writes it.

Parsing yields 0-based, half-open bounds (like a GridRange); `None` means "unbounded on that side".
Formatting follows what Google echoes back in `range`, `updatedRange`, `clearedRange`: the sheet title
is quoted only when it has to be (``Sheet1!A1:B2`` but ``'My sheet'!A1``, ``'D3'!A1``), and a
one-cell range is written as a single cell (``Sheet1!A1``, never ``Sheet1!A1:A1``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_COLUMNS = 18278  # ZZZ: the last column A1 notation can name

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")
_COL = re.compile(r"^\$?([A-Za-z]{1,3})$")
_ROW = re.compile(r"^\$?([0-9]+)$")
_R1C1 = re.compile(r"^[Rr]([0-9]+)[Cc]([0-9]+)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_REF = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc]?[0-9]*|[Cc][0-9]*|TRUE|FALSE)$", re.IGNORECASE)


class A1Error(ValueError):
    """The text is not a range Google would accept."""


@dataclass(frozen=True)
class Bounds:
    """0-based half-open bounds; None = unbounded."""

    r1: int | None = None
    c1: int | None = None
    r2: int | None = None
    c2: int | None = None


@dataclass(frozen=True)
class A1Ref:
    """A parsed range string: `title` is None when no sheet was named; `name` is set for a bare named range."""

    title: str | None
    bounds: Bounds | None  # None: the whole sheet (or the named range)
    name: str | None = None
    quoted: bool = False


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    if index < 0:
        raise ValueError(index)
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A -> 0, AA -> 26 (case-insensitive)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def quote_title(title: str) -> str:
    """Quote a sheet title the way Google does in the ranges it returns."""
    if _PLAIN_TITLE.match(title) and not _LOOKS_LIKE_REF.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def cell_name(row: int, col: int) -> str:
    """0-based (row, col) -> 'B3'."""
    return f"{column_letter(col)}{row + 1}"


def format_range(title: str, r1: int, c1: int, r2: int, c2: int) -> str:
    """Bounded half-open range -> Google's A1 text."""
    prefix = quote_title(title) + "!"
    if r2 - r1 == 1 and c2 - c1 == 1:
        return prefix + cell_name(r1, c1)
    return prefix + cell_name(r1, c1) + ":" + cell_name(r2 - 1, c2 - 1)


def split_title(text: str) -> tuple[str | None, str, bool]:
    """'It''s'!A1 -> ("It's", "A1", True); Sheet1!A1 -> ("Sheet1", "A1", False); A1 -> (None, "A1", False)."""
    if text.startswith("'"):
        i = 1
        out = []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    out.append("'")
                    i += 2
                    continue
                rest = text[i + 1:]
                if rest == "":
                    return "".join(out), "", True
                if rest.startswith("!"):
                    return "".join(out), rest[1:], True
                raise A1Error(text)
            out.append(ch)
            i += 1
        raise A1Error(text)
    if "!" in text:
        idx = text.rindex("!")
        return text[:idx], text[idx + 1:], False
    return None, text, False


def _part(text: str) -> tuple[int | None, int | None] | None:
    """One side of a range -> (row, col), 0-based, either may be None. None when not a reference."""
    m = _CELL.match(text)
    if m:
        row = int(m.group(2))
        col = column_index(m.group(1))
        if row < 1 or col >= MAX_COLUMNS:
            return None
        return row - 1, col
    m = _R1C1.match(text)
    if m:
        row, col = int(m.group(1)), int(m.group(2))
        if row < 1 or col < 1:
            return None
        return row - 1, col - 1
    m = _COL.match(text)
    if m:
        col = column_index(m.group(1))
        return (None, col) if col < MAX_COLUMNS else None
    m = _ROW.match(text)
    if m:
        row = int(m.group(1))
        return (row - 1, None) if row >= 1 else None
    return None


def parse_bounds(ref: str) -> Bounds | None:
    """'A1', 'A1:B2', 'A:B', '1:2', 'A2:C', 'A1:1', 'R1C1:R2C2' -> Bounds; None when `ref` is not a reference."""
    if not ref:
        return None
    pieces = ref.split(":")
    if len(pieces) == 1:
        start = _part(pieces[0])
        if start is None or start[0] is None or start[1] is None:
            return None  # a lone column or row is not a range on its own
        r, c = start
        return Bounds(r, c, r + 1, c + 1)
    if len(pieces) != 2:
        return None
    start, end = _part(pieces[0]), _part(pieces[1])
    if start is None or end is None:
        return None
    (ra, ca), (rb, cb) = start, end
    # A lone row number on one side and a lone column on the other ('1:A') is not a range.
    mixed = (ca is None and rb is None) or (ra is None and cb is None)
    if mixed and not (ra is None and rb is None) and not (ca is None and cb is None):
        return None
    r1, r2 = _side(ra, rb)
    c1, c2 = _side(ca, cb)
    return Bounds(r1, c1, r2, c2)


def _side(a: int | None, b: int | None) -> tuple[int | None, int | None]:
    """Start and end of one dimension; reversed corners are normalised (D4:A1 == A1:D4), as Google does."""
    if a is not None and b is not None:
        return min(a, b), max(a, b) + 1
    if a is not None:
        return a, None  # 'A2:C': from row 2 to the end
    if b is not None:
        return 0, b + 1  # 'A:C5' reads as A1:C5
    return None, None


def parse(text: str) -> A1Ref:
    """Split a range string into sheet title and bounds. Resolution of titles and names is the caller's job."""
    title, ref, quoted = split_title(text)
    if title is not None and title == "":
        raise A1Error(text)
    if ref == "":
        if title is None:
            raise A1Error(text)
        return A1Ref(title, None, quoted=quoted)
    bounds = parse_bounds(ref)
    if bounds is not None:
        return A1Ref(title, bounds, quoted=quoted)
    if re.match(r"^[A-Za-z_\\][A-Za-z0-9_.]*$", ref):
        # Could be a sheet title (no '!') or a named range ('Sheet1'!MyRange or MyRange).
        if title is None:
            return A1Ref(None, None, name=ref)
        return A1Ref(title, None, name=ref, quoted=quoted)
    if title is None:
        # An unquoted title with spaces and no '!': the whole string may still be a sheet title.
        return A1Ref(None, None, name=ref)
    raise A1Error(text)
