"""The guide's built-in terms (stages, outcomes, reasons, sources, column headers) loaded from templates/."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from .text import key

# libyaml's loader when PyYAML was built with it: the same safe loading, several times faster
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LANGUAGES = ("en", "fr")
SUGGEST_CUTOFF = 0.72


@dataclass(frozen=True, slots=True)
class Term:
    """One allowed value. `role` ties it to a built-in term the rules know (e.g. 'lost'); custom terms have none."""

    label: str
    role: str | None = None
    aliases: frozenset[str] = field(default_factory=frozenset)  # matching keys, the label's own included

    def matches(self, text: str) -> bool:
        return key(text) in self.aliases


@dataclass(frozen=True, slots=True)
class TermList:
    """An ordered list of allowed values with a lookup that ignores case, accents and language."""

    name: str
    terms: tuple[Term, ...]
    _index: dict[str, Term] = field(default_factory=dict, compare=False, repr=False)
    _positions: dict[int, int] = field(default_factory=dict, compare=False, repr=False)
    # A big sheet holds the same few values thousands of times: each is matched once, by the text as typed.
    _found: dict[str, Term | None] = field(default_factory=dict, compare=False, repr=False)
    # The same goes for its few mistakes, and each fuzzy match costs a scan of every alias.
    _suggestions: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for position, term in enumerate(self.terms):
            self._positions[id(term)] = position
            for alias in term.aliases:
                self._index.setdefault(alias, term)

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def find(self, text: str) -> Term | None:
        if text not in self._found:
            self._found[text] = self._index.get(key(text))
        return self._found[text]

    def by_role(self, role: str) -> Term | None:
        return next((t for t in self.terms if t.role == role), None)

    def index(self, term: Term) -> int:
        position = self._positions.get(id(term))
        return position if position is not None else self.terms.index(term)

    def labels(self) -> list[str]:
        return [t.label for t in self.terms]

    def suggest(self, text: str) -> str | None:
        """The label of the term that `text` most likely misspells (in either language), or None."""
        wanted = key(text)
        if not wanted:
            return None
        if wanted not in self._suggestions:
            match = difflib.get_close_matches(wanted, list(self._index), n=1, cutoff=SUGGEST_CUTOFF)
            self._suggestions[wanted] = self._index[match[0]].label if match else None
        return self._suggestions[wanted]


@dataclass(frozen=True)
class Vocabulary:
    raw: dict[str, Any]

    def section(self, name: str) -> dict[str, dict[str, Any]]:
        return self.raw[name]

    def label(self, section: str, role: str, language: str) -> str:
        return self.raw[section][role][language]

    def all_labels(self, section: str, role: str) -> list[str]:
        entry = self.raw[section][role]
        return [entry[lang] for lang in LANGUAGES] + list(entry.get("also", []))

    def term(self, section: str, role: str, label: str | None = None, language: str = "en") -> Term:
        """The built-in term `role`, shown as `label` (default: its label in `language`)."""
        shown = label if label is not None else self.label(section, role, language)
        aliases = {key(x) for x in self.all_labels(section, role)} | {key(shown)}
        return Term(label=shown, role=role, aliases=frozenset(aliases))

    def resolve(self, section: str, labels: Iterable[str]) -> list[Term]:
        """Turn labels a person wrote (config, Lists tab) into terms, recognising built-in ones in any language."""
        terms: list[Term] = []
        for label in labels:
            role = self.role_of(section, label)
            if role is not None:
                terms.append(self.term(section, role, label))
            else:
                terms.append(Term(label=label, role=None, aliases=frozenset({key(label)})))
        return terms

    def role_of(self, section: str, label: str) -> str | None:
        wanted = key(label)
        for role in self.raw[section]:
            if wanted in {key(x) for x in self.all_labels(section, role)}:
                return role
        return None

    def word_list(self, name: str) -> list[str]:
        return list(self.raw[name])


def _templates() -> Traversable:
    try:
        return resources.files("sheets_pipeline.templates")
    except ModuleNotFoundError:  # a source checkout, not installed: templates/ sits beside the package
        return Path(__file__).resolve().parent.parent / "templates"


def _load_yaml(name: str) -> dict[str, Any]:
    return yaml.load(_templates().joinpath(name).read_text(encoding="utf-8"), Loader=_SAFE_LOADER)


@cache
def vocabulary() -> Vocabulary:
    return Vocabulary(_load_yaml("vocabulary.yaml"))


@cache
def model_template(name: str) -> dict[str, Any]:
    return _load_yaml(f"{name}.yaml")


MODEL_NAMES = ("simple", "advanced")
