"""The words of the Summary, the Follow-ups tab, the reports and the findings, in the pipeline's language.

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
    # findings: what the Flags column and validate say about a lead
    "'{quoted}' is an outcome: move '{outcome}' to Outcome and keep the last stage reached in Stage":
        "'{quoted}' est un résultat : mettez '{outcome}' dans Résultat et gardez dans Étape la dernière étape "
        "atteinte",
    "'{quoted}' is not a stage: set Outcome ({choices}) and keep the last stage reached in Stage":
        "'{quoted}' n'est pas une étape : renseignez Résultat ({choices}) et gardez dans Étape la dernière étape "
        "atteinte",
    "'{quoted}' is a loss reason: move it to Loss reason":
        "'{quoted}' est une raison de perte : mettez-la dans Raison de perte",
    "'{quoted}' is a stage: move '{stage}' to Stage (Outcome stays blank while the lead is open)":
        "'{quoted}' est une étape : mettez '{stage}' dans Étape (Résultat reste vide tant que l'opportunité est "
        "ouverte)",
    "'{quoted}' is a loss reason: set Outcome to {lost} and move it to Loss reason":
        "'{quoted}' est une raison de perte : mettez Résultat à {lost} et déplacez-la dans Raison de perte",
    "'{typed}' is not {what}: did you mean '{suggestion}'?":
        "'{typed}' n'est pas {what} : vouliez-vous dire '{suggestion}' ?",
    "'{typed}' is not {what} (choose from {choices})": "'{typed}' n'est pas {what} (choisissez parmi {choices})",
    "a stage": "une étape",
    "an outcome": "un résultat",
    "a source": "une source",
    "a loss reason": "une raison de perte",
    "a pass reason": "une raison d'écart",
    "or add it to the Lists tab": "ou ajoutez-la à l'onglet Listes",
    "a {outcome} lead needs a loss reason ({choices})":
        "une opportunité marquée {outcome} demande une raison de perte ({choices})",
    "say why you passed ({choices})": "dites pourquoi elle est écartée ({choices})",
    "a loss reason on an open lead: set Outcome, or clear the reason":
        "une raison de perte sur une opportunité ouverte : renseignez Résultat, ou effacez la raison",
    "a loss reason on a {outcome} lead: clear it": "une raison de perte sur une opportunité marquée {outcome} : effacez-la",
    "'{quoted}' is a pass reason; a {outcome} lead takes a loss reason ({choices})":
        "'{quoted}' est une raison d'écart ; une opportunité marquée {outcome} prend une raison de perte "
        "({choices})",
    "'{quoted}' is a loss reason; a {outcome} lead takes a pass reason ({choices})":
        "'{quoted}' est une raison de perte ; une opportunité marquée {outcome} prend une raison d'écart "
        "({choices})",
    "'{quoted}' is too vague: choose a precise loss reason ({choices})":
        "'{quoted}' est trop vague : choisissez une raison de perte précise ({choices})",
    "'{quoted}' is too vague: choose a precise pass reason ({choices})":
        "'{quoted}' est trop vague : choisissez une raison d'écart précise ({choices})",
    "Stage is blank (a new lead is '{new}')": "Étape est vide (une nouvelle opportunité est '{new}')",
    "already contacted but Stage is '{stage}': move it to '{contacted}'":
        "déjà contactée mais Étape est '{stage}' : passez-la à '{contacted}'",
    "Stage is blank: keep the last stage the lead reached": "Étape est vide : gardez la dernière étape atteinte",
    "{outcome} from '{stage}' skips {skipped}: if it got further, set Stage to the last stage reached":
        "{outcome} depuis '{stage}' saute {skipped} : si elle est allée plus loin, mettez dans Étape la dernière "
        "étape atteinte",
    "{outcome} but Stage is '{stage}': the lead was never contacted":
        "{outcome} mais Étape est '{stage}' : l'opportunité n'a jamais été contactée",
    "{day} is in the future": "{day} est dans le futur",
    "Last contact is before First contact": "Dernier contact est avant Premier contact",
    "Closed is before First contact": "Clôturé le est avant Premier contact",
    "a Closed date on an open lead: set Outcome, or clear the date":
        "une date de clôture sur une opportunité ouverte : renseignez Résultat, ou effacez la date",
    "duplicate ID '{id}' (also row {rows}): give each lead its own ID (clear it and the next sync assigns one)":
        "ID '{id}' en double (aussi ligne {rows}) : donnez à chaque opportunité son propre ID (effacez-le et la "
        "prochaine synchro en attribue un)",
    "same email as row {rows}": "même e-mail que la ligne {rows}",
    " and {count} more": " et {count} autres",
    # begins with the French STALE_MARKERS, which the stale row highlight looks for
    "stale: mark {label}": "dormante : marquer {label}",
    "holds a formula; its result is not read": "contient une formule ; son résultat n'est pas lu",
    "'{text}' is not a number": "'{text}' n'est pas un nombre",
    "'{text}' is not a count of follow-ups": "'{text}' n'est pas un nombre de relances",
    "{error}; use a date such as {example}": "{error} ; utilisez une date comme {example}",
    "'{text}' is not a valid date": "'{text}' n'est pas une date valide",
    "'{text}' is not a date": "'{text}' n'est pas une date",
    "'{text}' is not a year-month-day date": "'{text}' n'est pas une date année-mois-jour",
    "the number {number} is not a date": "le nombre {number} n'est pas une date",
    # the design of the lists
    "{count} active stages: with 10 or more you are tracking activities, not stages (activities belong in Notes)":
        "{count} étapes actives : à partir de 10, ce sont des activités qui sont suivies, pas des étapes (les "
        "activités vont dans Notes)",
    "stage '{label}' is an outcome, not a stage: keep stages and outcomes apart":
        "l'étape '{label}' est un résultat, pas une étape : gardez étapes et résultats séparés",
    "stage '{label}' is not a stage: a closed lead keeps its last stage and gets an Outcome":
        "l'étape '{label}' n'est pas une étape : une opportunité close garde sa dernière étape et reçoit un Résultat",
    "loss reason '{label}' is vague: use precise reasons (price, timing, competitor...)":
        "la raison de perte '{label}' est vague : utilisez des raisons précises (prix, timing, concurrent...)",
    "pass reason '{label}' is vague: use precise reasons (price, timing, competitor...)":
        "la raison d'écart '{label}' est vague : utilisez des raisons précises (prix, timing, concurrent...)",
}

Words = Callable[..., str]


def words(language: str) -> Words:
    """`say(text, **values)`: `text` in `language`, its `{name}` fields filled with `values`."""
    table = FRENCH if language == "fr" else {}

    def say(text: str, /, **values: object) -> str:  # positional: a value may be called `text`
        said = table.get(text, text)
        return said.format(**values) if values else said

    return say
