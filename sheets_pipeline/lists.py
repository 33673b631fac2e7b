"""The allowed values of one pipeline: stages in order, outcomes, reasons and sources, and the lint of them.

Stages and outcomes come from the config (they carry meaning the rules rely on). Loss reasons, pass reasons and
sources are people's lists: the Lists tab of the sheet is their home, seeded from the config by `init`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Config
from .text import key
from .vocabulary import Term, TermList, model_template, vocabulary
from .wording import words

EDITABLE_LISTS = ("loss_reasons", "pass_reasons", "sources")
LIST_SECTIONS = ("stages", "outcomes", *EDITABLE_LISTS)
MAX_SENSIBLE_STAGES = 9


@dataclass(frozen=True)
class PipelineLists:
    stages: TermList
    outcomes: TermList
    loss_reasons: TermList
    pass_reasons: TermList
    sources: TermList
    contacted_index: int
    qualified_index: int
    language: str = "en"  # of the pipeline: the words of the findings
    # The terms a lead's Stage, Outcome, Source and Loss reason cells hold, by the cells' text: a big sheet holds
    # a few combinations of them thousands of times, each read once (see model.parse_lead).
    terms_by_cells: dict[tuple[str | None, ...], tuple[Term | None, ...]] = field(
        default_factory=dict, compare=False, repr=False)
    # Each stage's index by identity: the rules ask several times per lead, for one of these few terms.
    _stage_positions: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_stage_positions", {id(term): i for i, term in enumerate(self.stages)})

    def section(self, name: str) -> TermList:
        return getattr(self, name)

    def stage_index(self, term: Term) -> int:
        position = self._stage_positions.get(id(term))
        return position if position is not None else self.stages.index(term)

    def outcome(self, role: str) -> Term:
        term = self.outcomes.by_role(role)
        assert term is not None, role  # the four outcomes always exist
        return term

    def labels(self) -> dict[str, list[str]]:
        return {name: self.section(name).labels() for name in LIST_SECTIONS}


def _stage_terms(config: Config) -> tuple[list[Term], str | None, str | None]:
    vocab = vocabulary()
    if config.stages is not None:
        return vocab.resolve("stages", config.stages), config.contacted_stage, config.qualified_stage
    template = model_template(config.model)
    terms = [vocab.term("stages", role, language=config.language) for role in template["stages"]]
    return terms, template["contacted_stage"], template["qualified_stage"]


def _anchor(terms: list[Term], wanted: str | None, fallback: int) -> int:
    if wanted is not None:
        for i, term in enumerate(terms):
            if term.role == wanted or key(term.label) == key(wanted) or key(wanted) in term.aliases:
                return i
    return min(fallback, len(terms) - 1)


def build_lists(config: Config, sheet_lists: dict[str, list[str]] | None = None) -> PipelineLists:
    """Resolve the pipeline's lists: config for stages and outcomes, the sheet's Lists tab (when it has a
    non-empty column) for reasons and sources, the config otherwise."""
    vocab = vocabulary()
    stages, contacted, qualified = _stage_terms(config)
    outcomes = [
        vocab.term("outcomes", role, config.outcome_labels.get(role), config.language)
        for role in vocab.section("outcomes")
    ]
    editable: dict[str, TermList] = {}
    for name in EDITABLE_LISTS:
        from_sheet = [v for v in (sheet_lists or {}).get(name, []) if v.strip()]
        labels = from_sheet or config.default_list(name)
        editable[name] = TermList(name, tuple(vocab.resolve(name, labels)))
    return PipelineLists(
        stages=TermList("stages", tuple(stages)),
        outcomes=TermList("outcomes", tuple(outcomes)),
        contacted_index=_anchor(stages, contacted, 1),
        qualified_index=_anchor(stages, qualified, 2),
        language=config.language,
        **editable,
    )


def lint_lists(lists: PipelineLists) -> list[str]:
    """The guide's common mistakes in a pipeline design, as warnings."""
    vocab = vocabulary()
    say = words(lists.language)
    warnings: list[str] = []
    active = len(lists.stages)
    if active > MAX_SENSIBLE_STAGES:
        warnings.append(say("{count} active stages: with 10 or more you are tracking activities, not stages "
                            "(activities belong in Notes)", count=active))
    closed_words = {key(w) for w in vocab.word_list("closed_words")}
    for term in lists.stages:
        outcome_role = vocab.role_of("outcomes", term.label)
        if outcome_role is not None:
            warnings.append(say("stage '{label}' is an outcome, not a stage: keep stages and outcomes apart",
                                label=term.label))
        elif key(term.label) in closed_words:
            warnings.append(say("stage '{label}' is not a stage: a closed lead keeps its last stage and gets an "
                                "Outcome", label=term.label))
    vague = {key(w) for w in vocab.word_list("vague_reasons")}
    vague_templates = {
        "loss_reasons": "loss reason '{label}' is vague: use precise reasons (price, timing, competitor...)",
        "pass_reasons": "pass reason '{label}' is vague: use precise reasons (price, timing, competitor...)",
    }
    for name, template in vague_templates.items():
        for term in lists.section(name):
            if key(term.label) in vague:
                warnings.append(say(template, label=term.label))
    return warnings
