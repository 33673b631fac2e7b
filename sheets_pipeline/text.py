"""Text helpers: the matching key that makes headers and values case-, accent- and punctuation-insensitive."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z]+")
# Characters the XLSX format cannot store (and Google rejects): C0 controls but tab, newline, carriage return.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@lru_cache(maxsize=1 << 16)
def key(text: str) -> str:
    """'Proposition envoyée' -> 'proposition envoyee'; "Follow-ups" -> 'follow ups'. Cached: the same few labels
    come back on every row."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.casefold()).strip()


def storable(text: str) -> str:
    """Text that a workbook can hold: control characters dropped."""
    return _ILLEGAL.sub("", text)


def shorten(text: str, limit: int = 40) -> str:
    """Quote-friendly excerpt of a person's text for a message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
