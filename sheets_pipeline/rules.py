"""The rules of a clean pipeline, as pure functions: no clock, no I/O. `today` and the config come in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

from .config import Config
from .dates import add_days
from .lists import PipelineLists
from .model import DATE_FIELDS, Lead
from .text import key, shorten
from .vocabulary import Term, TermList, vocabulary
from .wording import words

# A stale lead's flag: it begins with the language's STALE_MARKERS, which the stale row highlight looks for
STALE_FLAG_NO_RESPONSE = "stale: mark {label}"


def _choices(terms: TermList, limit: int = 8) -> str:
    labels = terms.labels()
    shown = ", ".join(labels[:limit])
    return shown + (", ..." if len(labels) > limit else "")


@cache
def _word_keys(name: str) -> frozenset[str]:
    return frozenset(key(w) for w in vocabulary().word_list(name))


def _is_closed_word(text: str) -> bool:
    return key(text) in _word_keys("closed_words")


def _is_vague(text: str) -> bool:
    return key(text) in _word_keys("vague_reasons")


# --- values must come from the lists --------------------------------------------------------------------------

def check_stage_value(lead: Lead, lists: PipelineLists) -> None:
    if lead.stage is not None:
        return
    typed = lead.text("stage")
    if not typed or _has_formula_finding(lead, "stage"):
        return
    say = words(lists.language)
    quoted = shorten(typed)
    outcome = lists.outcomes.find(typed)
    if outcome is not None:
        lead.flag("stage", "error", say("'{quoted}' is an outcome: move '{outcome}' to Outcome and keep the last "
                                        "stage reached in Stage", quoted=quoted, outcome=outcome.label))
    elif _is_closed_word(typed):
        lead.flag("stage", "error", say("'{quoted}' is not a stage: set Outcome ({choices}) and keep the last stage "
                                        "reached in Stage", quoted=quoted, choices=_choices(lists.outcomes)))
    elif lists.loss_reasons.find(typed) is not None:
        lead.flag("stage", "error", say("'{quoted}' is a loss reason: move it to Loss reason", quoted=quoted))
    else:
        _unknown(lead, "stage", typed, lists.stages, "a stage", lists.language)


def check_outcome_value(lead: Lead, lists: PipelineLists) -> None:
    if lead.outcome is not None:
        return
    typed = lead.text("outcome")
    if not typed or _has_formula_finding(lead, "outcome"):
        return
    say = words(lists.language)
    quoted = shorten(typed)
    stage = lists.stages.find(typed)
    if stage is not None:
        lead.flag("outcome", "error", say("'{quoted}' is a stage: move '{stage}' to Stage (Outcome stays blank "
                                          "while the lead is open)", quoted=quoted, stage=stage.label))
    elif lists.loss_reasons.find(typed) is not None:
        lead.flag("outcome", "error", say("'{quoted}' is a loss reason: set Outcome to {lost} and move it to Loss "
                                          "reason", quoted=quoted, lost=lists.outcome("lost").label))
    else:
        _unknown(lead, "outcome", typed, lists.outcomes, "an outcome", lists.language)


def check_source_value(lead: Lead, lists: PipelineLists) -> None:
    if lead.source is not None:
        return
    typed = lead.text("source")
    if typed and not _has_formula_finding(lead, "source"):
        _unknown(lead, "source", typed, lists.sources, "a source", lists.language, hint="or add it to the Lists tab")


def _unknown(lead: Lead, name: str, typed: str, terms: TermList, what: str, language: str, hint: str = "") -> None:
    say = words(language)
    suggestion = terms.suggest(typed)
    extra = f" {say(hint)}" if hint else ""
    if suggestion is not None:
        lead.flag(name, "error", say("'{typed}' is not {what}: did you mean '{suggestion}'?", typed=shorten(typed),
                                     what=say(what), suggestion=suggestion) + extra)
    else:
        lead.flag(name, "error", say("'{typed}' is not {what} (choose from {choices})", typed=shorten(typed),
                                     what=say(what), choices=_choices(terms)) + extra)


def _has_formula_finding(lead: Lead, name: str) -> bool:
    return any(f.field == name and "formula" in f.message for f in lead.findings)


# --- outcomes and their reasons --------------------------------------------------------------------------------

def check_reason(lead: Lead, lists: PipelineLists) -> None:
    typed = lead.text("loss_reason")
    role = lead.outcome.role if lead.outcome is not None else None
    if role == "lost":
        if not typed:
            lead.flag("loss_reason", "error", words(lists.language)(
                "a {outcome} lead needs a loss reason ({choices})", outcome=lead.outcome.label,
                choices=_choices(lists.loss_reasons)))
        elif lead.loss_reason is None and not _has_formula_finding(lead, "loss_reason"):
            _wrong_reason(lead, typed, lists.loss_reasons, lists.pass_reasons, "loss reason", lists.language)
    elif role == "passed":
        if not typed:
            lead.flag("loss_reason", "warning", words(lists.language)(
                "say why you passed ({choices})", choices=_choices(lists.pass_reasons)))
        elif lead.loss_reason is None and not _has_formula_finding(lead, "loss_reason"):
            _wrong_reason(lead, typed, lists.pass_reasons, lists.loss_reasons, "pass reason", lists.language)
    elif typed:
        if lead.outcome is None and not lead.has("outcome"):
            lead.flag("loss_reason", "error", words(lists.language)(
                "a loss reason on an open lead: set Outcome, or clear the reason"))
        elif lead.outcome is not None:
            lead.flag("loss_reason", "warning", words(lists.language)(
                "a loss reason on a {outcome} lead: clear it", outcome=lead.outcome.label))


def _wrong_reason(lead: Lead, typed: str, expected: TermList, other: TermList, what: str, language: str) -> None:
    say = words(language)
    quoted, choices = shorten(typed), _choices(expected)
    if other.find(typed) is not None:
        template = ("'{quoted}' is a pass reason; a {outcome} lead takes a loss reason ({choices})"
                    if what == "loss reason" else
                    "'{quoted}' is a loss reason; a {outcome} lead takes a pass reason ({choices})")
        lead.flag("loss_reason", "error", say(template, quoted=quoted, outcome=lead.outcome.label, choices=choices))
    elif _is_vague(typed):
        template = ("'{quoted}' is too vague: choose a precise loss reason ({choices})" if what == "loss reason" else
                    "'{quoted}' is too vague: choose a precise pass reason ({choices})")
        lead.flag("loss_reason", "error", say(template, quoted=quoted, choices=choices))
    else:
        _unknown(lead, "loss_reason", typed, expected, f"a {what}", language)


# --- the order of the guide -------------------------------------------------------------------------------------

def check_order(lead: Lead, lists: PipelineLists) -> None:
    if lead.outcome is None:
        if lead.stage is None and lead.is_open and not lead.has("stage"):
            lead.flag("stage", "warning", words(lists.language)(
                "Stage is blank (a new lead is '{new}')", new=lists.stages.terms[0].label))
        elif lead.stage is not None and lists.stage_index(lead.stage) < lists.contacted_index:
            if lead.has("first_contact") or lead.has("last_contact") or lead.follow_ups:
                lead.flag("stage", "warning", words(lists.language)(
                    "already contacted but Stage is '{stage}': move it to '{contacted}'", stage=lead.stage.label,
                    contacted=lists.stages.terms[lists.contacted_index].label))
        return
    if lead.stage is None:
        if not lead.has("stage"):
            lead.flag("stage", "warning", words(lists.language)(
                "Stage is blank: keep the last stage the lead reached"))
        return
    index = lists.stage_index(lead.stage)
    role = lead.outcome.role
    if role == "won" and index < lists.qualified_index:
        skipped = ", ".join(t.label for t in lists.stages.terms[index + 1: lists.qualified_index + 1])
        lead.flag("stage", "warning", words(lists.language)(
            "{outcome} from '{stage}' skips {skipped}: if it got further, set Stage to the last stage reached",
            outcome=lead.outcome.label, stage=lead.stage.label, skipped=skipped))
    elif role == "no_response" and index < lists.contacted_index:
        lead.flag("stage", "warning", words(lists.language)(
            "{outcome} but Stage is '{stage}': the lead was never contacted", outcome=lead.outcome.label,
            stage=lead.stage.label))


# --- dates ------------------------------------------------------------------------------------------------------

def check_dates(lead: Lead, today: date, language: str = "en") -> None:
    dates = lead.dates
    for name in DATE_FIELDS:
        day = dates.get(name)
        if day is not None and day > today:
            lead.flag(name, "warning", words(language)("{day} is in the future", day=day.isoformat()))
    first, last = dates.get("first_contact"), dates.get("last_contact")
    if first and last and last < first:
        lead.flag("last_contact", "warning", words(language)("Last contact is before First contact"))
    closed = dates.get("closed")
    if closed and first and closed < first:
        lead.flag("closed", "warning", words(language)("Closed is before First contact"))
    if lead.is_open and lead.has("closed"):
        lead.flag("closed", "warning", words(language)("a Closed date on an open lead: set Outcome, or clear the date"))


# --- across rows ------------------------------------------------------------------------------------------------

def check_duplicates(leads: Iterable[Lead], language: str = "en") -> set[str]:
    """Flag the leads that share an ID or an email. Returns the IDs shared (casefolded)."""
    say = words(language)
    leads = list(leads)
    shared_ids = _sharing(leads, [lead.id.casefold() for lead in leads])
    for group in shared_ids:
        for lead in group:
            others = _rows((o.row for o in group if o is not lead), say)
            lead.flag("id", "error", say("duplicate ID '{id}' (also row {rows}): give each lead its own ID (clear it "
                                         "and the next sync assigns one)", id=shorten(lead.id), rows=others))
    for group in _sharing(leads, [lead.email.casefold() for lead in leads]):
        for lead in group:
            others = _rows((o.row for o in group if o is not lead), say)
            lead.flag("email", "warning", say("same email as row {rows}", rows=others))
    return {group[0].id.casefold() for group in shared_ids}


def _sharing(leads: list[Lead], folded: list[str]) -> list[list[Lead]]:
    """The groups of two or more leads with the same non-blank folded value, in order of first appearance.
    Counted first: nearly every value is unique, and a list per value would cost more than the whole check."""
    shared = {value for value, count in Counter(folded).items() if count > 1 and value}  # blank: no one's
    if not shared:
        return []
    groups: dict[str, list[Lead]] = {}
    for lead, value in zip(leads, folded):
        if value in shared:
            groups.setdefault(value, []).append(lead)
    return list(groups.values())


def _rows(rows: Iterable[int], say: Callable[..., str], shown: int = 5) -> str:
    """'3, 7, 9' or, for many, '3, 7, 9, 12, 15 and 995 more': a flag stays readable and fits in a cell."""
    listed = list(rows)
    head = ", ".join(str(r) for r in listed[:shown])
    return head + (say(" and {count} more", count=len(listed) - shown) if len(listed) > shown else "")


def check_lead(lead: Lead, lists: PipelineLists, today: date) -> None:
    """Every single-row rule; findings land on the lead."""
    # A value check has nothing to say about a cell that holds a term, as most do: no call for those.
    if lead.stage is None:
        check_stage_value(lead, lists)
    if lead.outcome is None:
        check_outcome_value(lead, lists)
    if lead.source is None:
        check_source_value(lead, lists)
    check_reason(lead, lists)
    check_order(lead, lists)
    check_dates(lead, today, lists.language)


# --- stamps, follow-ups, staleness ------------------------------------------------------------------------------

def next_id_number(existing_ids: Iterable[str], prefix: str, floor: int = 1) -> int:
    """The next free number for `prefix`: above every ID in use and never below `floor` (IDs are not reused)."""
    folded_prefix = prefix.casefold()
    width = len(prefix)
    # IDs handed out keep the prefix as written: casefold only the others
    ours = [identifier[width:] for identifier in existing_ids
            if identifier.startswith(prefix) or identifier.casefold().startswith(folded_prefix)]
    # a longer run of digits is no ID of ours
    numbers = [int(digits) for digits in ours if digits.isascii() and digits.isdigit() and len(digits) <= 9]
    return max(max(numbers, default=floor - 1) + 1, floor)


def format_id(prefix: str, number: int) -> str:
    return f"{prefix}{number:04d}"


def stamps_for(lead: Lead, lists: PipelineLists, today: date, new_id: str | None) -> dict[str, str | date]:
    """What to write into blank stamp cells. Never touches a cell that holds anything, even garbage."""
    return _stamps(lead, _contacted(lead, lists), today, new_id)


def _contacted(lead: Lead, lists: PipelineLists) -> bool:
    """Whether the lead's Stage is the contacted stage or a later one."""
    return lead.stage is not None and lists.stage_index(lead.stage) >= lists.contacted_index


def _stamps(lead: Lead, contacted: bool, today: date, new_id: str | None) -> dict[str, str | date]:
    out: dict[str, str | date] = {}
    if new_id is not None and not lead.has("id"):
        out["id"] = new_id
        if not lead.has("created"):
            out["created"] = today
    if contacted and not lead.has("first_contact"):
        last = lead.dates.get("last_contact")
        # The first contact cannot be later than a contact already recorded.
        out["first_contact"] = min(last, today) if last else today
    if lead.outcome is not None and not lead.has("closed"):
        out["closed"] = today
    return out


def waiting_on_them(lead: Lead, lists: PipelineLists, first_contact: date | None) -> date | None:
    """For an open lead waiting for the other side, the date of our last contact; else None."""
    return _waiting_since(lead, _contacted(lead, lists), first_contact)


def _waiting_since(lead: Lead, contacted: bool, first_contact: date | None) -> date | None:
    if not contacted or not lead.is_open:
        return None
    last_contact = lead.dates.get("last_contact") or first_contact
    if last_contact is None:
        return None
    reply = lead.dates.get("last_reply")
    if reply is not None and reply >= last_contact:
        return None  # they answered our last message: the ball is in our court
    return last_contact


def next_follow_up(lead: Lead, lists: PipelineLists, config: Config, first_contact: date | None) -> date | None:
    """Last contact (else First contact) + cadence[follow-ups already sent], for leads waiting on the other side."""
    return _follow_up_after(waiting_on_them(lead, lists, first_contact), lead, config)


def _follow_up_after(since: date | None, lead: Lead, config: Config) -> date | None:
    if since is None or lead.follow_ups >= len(config.cadence):
        return None
    return add_days(since, config.cadence[lead.follow_ups], config.business_days, config.holidays)


@dataclass(slots=True)
class Derived:
    """What the rules make of one lead today: the stamps to write and the lead's values once they are written."""

    stamps: dict[str, str | date]
    next_follow_up: date | None
    stale: bool
    auto_closed: bool
    outcome: Term | None  # after an auto-close
    first_contact: date | None
    closed: date | None
    created: date | None


def derive(lead: Lead, lists: PipelineLists, config: Config, today: date, new_id: str | None) -> Derived:
    """Stamps, follow-up date and staleness of one lead. A stale lead is flagged, or closed when configured."""
    contacted = _contacted(lead, lists)  # the stamps, the follow-up and staleness all ask
    stamps = _stamps(lead, contacted, today, new_id)
    first_contact = stamps.get("first_contact") or lead.dates.get("first_contact")
    assert first_contact is None or isinstance(first_contact, date)
    outcome = lead.outcome
    follow_up: date | None = None
    stale = auto_closed = False
    waiting_since = _waiting_since(lead, contacted, first_contact)  # both staleness and the follow-up hang on it
    if waiting_since is not None:
        stale = _stale(waiting_since, lead, config, today, first_contact)
        auto_closed = stale and config.auto_close_stale
        if auto_closed:
            outcome = lists.outcome("no_response")
            if not lead.has("closed"):
                stamps["closed"] = today
        elif stale:
            lead.flag(None, "warning", words(lists.language)(STALE_FLAG_NO_RESPONSE,
                                                             label=lists.outcome("no_response").label))
        else:
            follow_up = _follow_up_after(waiting_since, lead, config)
    closed = stamps.get("closed") or lead.dates.get("closed")
    created = stamps.get("created") or lead.dates.get("created")
    assert closed is None or isinstance(closed, date)
    assert created is None or isinstance(created, date)
    return Derived(stamps, follow_up, stale, auto_closed, outcome, first_contact, closed, created)


def is_stale(lead: Lead, lists: PipelineLists, config: Config, today: date, first_contact: date | None) -> bool:
    """Enough follow-ups and enough days without a reply: time to close it as No response."""
    return _stale(waiting_on_them(lead, lists, first_contact), lead, config, today, first_contact)


def _stale(waiting_since: date | None, lead: Lead, config: Config, today: date, first_contact: date | None) -> bool:
    if waiting_since is None or lead.follow_ups < config.stale.follow_ups:
        return False
    heard_from = lead.dates.get("last_reply") or first_contact or lead.dates.get("created")
    return heard_from is not None and (today - heard_from).days >= config.stale.days
