"""The words of the Summary, the Follow-ups tab and the reports, in the pipeline's language.

The English text is the key: a sentence reads whole where it is used, and a French pipeline gets the same table
in French. Values go in through `{name}` fields, filled after the lookup.
"""

from __future__ import annotations

from collections.abc import Callable

FRENCH: dict[str, str] = {
    # Summary: conversion by source
    "Conversion by source": "Conversion par source",
    "Source": "Source",
    "Leads": "Opportunités",
    "Open": "Ouvertes",
    "Won": "Gagné",
    "Lost": "Perdu",
    "No response": "Pas de réponse",
    "Passed": "Écarté",
    "Invalid outcome": "Résultat invalide",
    "Win rate": "Taux de gain",
    "Conversion": "Conversion",
    "Win rate = Won / (Won + Lost + No response); conversion = Won / all leads. {dash} : nothing to divide by.":
        "Taux de gain = Gagné / (Gagné + Perdu + Pas de réponse) ; conversion = Gagné / toutes les opportunités. "
        "{dash} : rien à diviser.",
    "{count} lead(s) outside the --since/--until range are left out.":
        "{count} opportunité(s) hors de la période --since/--until laissée(s) de côté.",
    # loss reasons
    "Loss reasons": "Raisons de perte",
    "Reason": "Raison",
    "Share": "Part",
    "{count} Lost lead(s) without a Closed date are left out of the quarters.":
        "{count} opportunité(s) perdue(s) sans date de clôture laissée(s) hors des trimestres.",
    "Loss reasons per quarter (by Closed date)": "Raisons de perte par trimestre (selon la date de clôture)",
    "No Lost lead with a Closed date yet.": "Aucune opportunité perdue avec une date de clôture pour l'instant.",
    "This quarter ({this_quarter}) vs last quarter ({last_quarter})":
        "Ce trimestre ({this_quarter}) et le précédent ({last_quarter})",
    "Share {quarter}": "Part {quarter}",
    "Change": "Évolution",
    "▲ up": "▲ hausse",
    "▼ down": "▼ baisse",
    "= same": "= stable",
    # funnel
    "Stage funnel": "Entonnoir des étapes",
    "Stage": "Étape",
    "Reached": "Atteinte",
    "Of previous stage": "De l'étape précédente",
    "Of all leads": "De toutes les opportunités",
    "Reached = the lead's Stage is that stage or a later one, or History shows it there.":
        "Atteinte = l'Étape de l'opportunité est celle-ci ou une suivante, ou l'Historique l'y a vue.",
    " {count} lead(s) with a blank or invalid Stage are left out.":
        " {count} opportunité(s) à l'Étape vide ou invalide laissée(s) de côté.",
    # cycle time
    "Cycle time, first contact to close (days)": "Durée du cycle, du premier contact à la clôture (jours)",
    "Outcome": "Résultat",
    "Closed": "Clôturées",
    "Median": "Médiane",
    "Mean": "Moyenne",
    "90th percentile": "90e centile",
    "{count} closed lead(s) left out: First contact or Closed missing, or Closed before First contact.":
        "{count} opportunité(s) clôturée(s) laissée(s) de côté : Premier contact ou Clôturé le manquant, ou "
        "Clôturé le avant Premier contact.",
    # owners
    "Per owner": "Par responsable",
    "Owner": "Responsable",
    "Qualified": "Qualifiées",
    "Qualified & decided": "Qualifiées et décidées",
    "Close rate": "Taux de conclusion",
    "Qualified = reached {stage}. Close rate = Won / qualified leads that are decided.":
        "Qualifiée = a atteint {stage}. Taux de conclusion = Gagné / opportunités qualifiées et décidées.",
    # health
    "Health": "Santé",
    "Count": "Nombre",
    "Open leads": "Opportunités ouvertes",
    "Follow-ups due today": "Relances à faire aujourd'hui",
    "Overdue follow-ups": "Relances en retard",
    "Stale leads": "Opportunités dormantes",
    "Rows with errors": "Lignes avec erreurs",
    "Rows with warnings": "Lignes avec avertissements",
    "Summary last updated {when}.": "Synthèse mise à jour le {when}.",
    "Updated": "Mis à jour",
    # rows the figures add to the lists' own labels
    "Total": "Total",
    "All closed": "Toutes clôturées",
    "(none)": "(vide)",  # a blank Source or Owner cell
    "(invalid)": "(invalide)",
    "(missing)": "(manquante)",
    # charts
    "Win rate by source": "Taux de gain par source",
    "Loss reasons per quarter": "Raisons de perte par trimestre",
    "Lost leads": "Opportunités perdues",
    # the Follow-ups tab
    "Follow-ups": "Relances",
    "ID": "ID",
    "Lead": "Opportunité",
    "Contact": "Contact",
    "Due": "Échéance",
    "Days overdue": "Jours de retard",
    "Follow-ups sent": "Relances envoyées",
    # reports
    "(nothing yet)": "(rien pour l'instant)",
    "Nothing yet.": "Rien pour l'instant.",
}

Words = Callable[..., str]


def words(language: str) -> Words:
    """`say(text, **values)`: `text` in `language`, its `{name}` fields filled with `values`."""
    table = FRENCH if language == "fr" else {}

    def say(text: str, /, **values: object) -> str:  # positional: a value may be called `text`
        said = table.get(text, text)
        return said.format(**values) if values else said

    return say
