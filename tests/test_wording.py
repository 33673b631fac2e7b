"""A French pipeline gets its Summary, Follow-ups tab and reports in French; the lists' own labels stay as typed."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from sheets_pipeline.backends.memory import MemoryBackend
from sheets_pipeline.backends.xlsx import XlsxBackend
from sheets_pipeline.config import Config
from sheets_pipeline.insight_tabs import follow_ups_tab, summary_tab
from sheets_pipeline.layout import sheet_language
from sheets_pipeline.lists import build_lists, lint_lists
from sheets_pipeline.new_sheet import new_spreadsheet
from sheets_pipeline.report import render
from sheets_pipeline.sync import check_snapshot
from sheets_pipeline.wording import FRENCH, words

from .conftest import TODAY, memory_pipeline
from .test_insights import figures

FRENCH_LEADS = [
    {"lead": "A", "source": "Recommandation", "owner": "Chloé", "stage": "En discussion", "outcome": "Gagné"},
    {"lead": "B", "source": "Recommandation", "owner": "Chloé", "stage": "Contacté", "outcome": "Perdu",
     "loss_reason": "Prix trop élevé", "first_contact": date(2026, 11, 2), "closed": date(2026, 11, 20)},
    {"lead": "C", "source": None, "owner": None, "stage": "Contacté", "outcome": "Perdu", "loss_reason": None},
    {"lead": "D", "source": "Site web", "owner": "Chloé", "stage": "Contacté", "first_contact": date(2026, 11, 2)},
]
# the words a French reader shares with an English one
SAME_IN_BOTH = {english for english, french in FRENCH.items() if english == french}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_french_text_has_the_fields_of_its_english_one():
    for english, french in FRENCH.items():
        assert _fields(french) == _fields(english), english


def test_words_fill_fields_after_the_lookup_and_leave_unknown_text_as_it_is():
    say = words("fr")
    assert say("Share {quarter}", quarter="2026-Q4") == "Part 2026-Q4"
    assert say("Referral") == "Referral"
    assert words("en")("Share {quarter}", quarter="2026-Q4") == "Share 2026-Q4"


def _texts(grid) -> list[str]:
    return [v for row in grid for v in row if isinstance(v, str)]


def test_a_french_summary_has_no_english_left():
    config = Config(language="fr")
    result = figures(*FRENCH_LEADS, config=config)
    grid, look = summary_tab(result, "Synthèse", None, "fr")
    texts = _texts(grid)
    assert "Conversion par source" in texts and "Raisons de perte" in texts and "Santé" in texts
    assert "Mis à jour" in texts and "Taux de gain" in texts and "(vide)" in texts and "(manquante)" in texts
    assert "Qualifiée = a atteint En discussion. Taux de conclusion = Gagné / opportunités qualifiées et " \
           "décidées." in texts
    # the lists' labels, as the Lists tab spells them
    assert {"Recommandation", "Site web", "En discussion", "Chloé"} <= set(texts)
    left = [t for t in texts if t in FRENCH and t not in SAME_IN_BOTH]
    assert left == []
    assert [chart.title for chart in look.charts] == ["Taux de gain par source", "Raisons de perte par trimestre",
                                                     "Entonnoir des étapes"]
    english, _ = summary_tab(figures(*FRENCH_LEADS, config=config), "Synthèse", None)
    assert len(english) == len(grid)  # the same tables, row for row
    assert [[v for v in row if not isinstance(v, str)] for row in english] == \
           [[v for v in row if not isinstance(v, str)] for row in grid]


def test_a_french_follow_ups_tab():
    result = figures(*FRENCH_LEADS, config=Config(language="fr"))
    grid, _ = follow_ups_tab(result, "fr")
    assert grid[0] == ["ID", "Opportunité", "Contact", "Responsable", "Étape", "Échéance", "Jours de retard",
                       "Relances envoyées"]
    assert grid[1][1] == "D"


def test_french_reports_and_english_json_keys():
    result = figures(*FRENCH_LEADS, config=Config(language="fr"))
    table = render(result, "table", "fr")
    assert table.startswith("Conversion par source\n")
    assert "Raisons de perte par trimestre (selon la date de clôture)" in table
    assert "## Entonnoir des étapes" in render(result, "markdown", "fr")
    assert render(result, "csv", "fr").startswith("Conversion par source\nSource,Opportunités,Ouvertes,Gagné,")
    assert render(result, "json", "fr") == render(result, "json")


def test_a_workbook_made_in_french_syncs_in_french_without_a_config(run):
    assert run("init", "p.xlsx", "--lang", "fr", "--sample", "--today", TODAY.isoformat()).exit_code == 0
    assert run("sync", "p.xlsx", "--today", TODAY.isoformat()).exit_code == 0
    wb = openpyxl.load_workbook("p.xlsx")
    assert [c.value for c in wb["Listes"]["A"]][:4] == ["Étapes", "Nouveau", "Contacté", "En discussion"]
    summary = [c for row in wb["Synthèse"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "Conversion par source" in summary and "Conversion by source" not in summary
    assert next(wb["Relances"].iter_rows(values_only=True))[:2] == ("ID", "Opportunité")
    result = run("report", "p.xlsx", "--today", TODAY.isoformat())
    assert result.exit_code == 0
    assert re.search(r"^Entonnoir des étapes$", result.output, re.MULTILINE)
    again = run("sync", "p.xlsx", "--today", TODAY.isoformat())  # the tabs as it left them: nothing to write
    assert again.exit_code == 0 and "already in sync" in again.output


def test_a_language_named_in_the_config_wins_over_the_sheet_s(run):
    assert run("init", "p.xlsx", "--lang", "fr", "--today", TODAY.isoformat()).exit_code == 0
    with open("sheets-pipeline.yaml", "w", encoding="utf-8") as config:
        config.write("language: en\n")
    assert run("sync", "p.xlsx", "--today", TODAY.isoformat()).exit_code == 0
    wb = openpyxl.load_workbook("p.xlsx")
    assert [c.value for c in wb["Listes"]["A"]][:2] == ["Stages", "New"]
    assert wb["Synthèse"]["A3"].value == "Conversion by source"


def test_french_dates_typed_as_text_read_day_first_in_a_french_sheet():
    config = Config()  # no language named: the sheet's
    backend = memory_pipeline({"lead": "Dupont", "stage": "Contacté", "first_contact": "03/11/2026"},
                              config=Config(language="fr"))
    checked = check_snapshot(backend.read(), config, TODAY)
    assert checked.leads[0].dates["first_contact"] == date(2026, 11, 3)


@pytest.mark.parametrize(("tabs", "expected"), [
    ({"Pipeline": [["ID", "Opportunité", "Étape", "Résultat"]]}, "fr"),
    ({"Pipeline": [["ID", "Lead", "Stage", "Outcome"]], "Lists": []}, "en"),
    ({"Pipeline": [["ID", "Contact", "Source"]]}, None),  # the same in both languages
    ({"Pipeline": [[None], ["Mes leads"], ["ID", "Lead", "Étape", "Résultat"]], "Historique": []}, "fr"),
    ({"Pipeline": [[1, 2, 3]], "Synthèse": [], "Summary": []}, None),
])
def test_the_sheet_s_language_is_told_by_its_tab_names_and_headers(tabs, expected):
    assert sheet_language(tabs) == expected


def _sample_findings(language: str) -> list[tuple[int, str | None, str, str]]:
    config = Config(language=language)
    backend = MemoryBackend()
    backend.create(new_spreadsheet(config, TODAY, sample=True))
    snapshot = backend.read()
    checked = check_snapshot(snapshot, config, TODAY)
    return [(f.row, f.field, f.severity, f.message) for lead in checked.leads for f in lead.findings]


def test_every_finding_of_the_sample_is_said_in_french():
    english, french = _sample_findings("en"), _sample_findings("fr")
    assert [f[:3] for f in french] == [f[:3] for f in english]  # the same findings, on the same cells
    for (_, _, _, said_en), (row, field, _, said_fr) in zip(english, french, strict=True):
        assert said_fr != said_en, (row, field, said_fr)
    messages = [f[3] for f in french]
    assert "dormante : marquer Pas de réponse" in messages
    assert "'Contacé' n'est pas une étape : vouliez-vous dire 'Contacté' ?" in messages


@pytest.mark.parametrize(("value", "said"), [
    ("next tuesday", "'next tuesday' n'est pas une date ; utilisez une date comme 31/12/2026"),
    ("31/02/2026", "'31/02/2026' n'est pas une date valide ; utilisez une date comme 31/12/2026"),
    (10**7, "le nombre 1e+07 n'est pas une date ; utilisez une date comme 31/12/2026"),
])
def test_a_date_that_is_no_date_is_said_in_french(value, said):
    config = Config(language="fr")
    backend = memory_pipeline({"lead": "Dupont", "stage": "Nouveau", "last_reply": value}, config=config)
    lead = check_snapshot(backend.read(), config, TODAY).leads[0]
    assert [f.message for f in lead.findings if f.field == "last_reply"] == [said]


def test_a_french_workbook_highlights_its_stale_rows_and_reads_its_rule_back(run):
    assert run("init", "p.xlsx", "--lang", "fr", "--sample", "--today", TODAY.isoformat()).exit_code == 0
    assert run("sync", "p.xlsx", "--today", TODAY.isoformat()).exit_code == 0
    ws = openpyxl.load_workbook("p.xlsx")["Pipeline"]
    formulas = [rule.formula[0] for cf in ws.conditional_formatting for rule in cf.rules]
    assert any('SEARCH("dormante :",$R2)' in f for f in formulas), formulas
    flags = [row[17] for row in ws.iter_rows(min_row=2, values_only=True) if row[17]]
    assert sum("dormante :" in f for f in flags) == 2
    stale = next(f for f in XlsxBackend(Path("p.xlsx")).read().pipeline_formats if f.kind == "stale")
    assert stale.marker == "dormante :"
    assert "already in sync" in run("sync", "p.xlsx", "--today", TODAY.isoformat()).output
    # the same workbook, now said to be English: the rule follows the flags
    Path("sheets-pipeline.yaml").write_text("language: en\n", encoding="utf-8")
    assert run("sync", "p.xlsx", "--today", TODAY.isoformat()).exit_code == 0
    stale = next(f for f in XlsxBackend(Path("p.xlsx")).read().pipeline_formats if f.kind == "stale")
    assert stale.marker == "stale:"


def test_the_lint_of_french_lists_is_said_in_french():
    lists = build_lists(Config(language="fr", stages=["Nouveau", "Gagné", "Terminé"], loss_reasons=["Autre"]))
    assert lint_lists(lists) == [
        "l'étape 'Gagné' est un résultat, pas une étape : gardez étapes et résultats séparés",
        "l'étape 'Terminé' n'est pas une étape : une opportunité close garde sa dernière étape et reçoit un Résultat",
        "la raison de perte 'Autre' est vague : utilisez des raisons précises (prix, timing, concurrent...)",
    ]
