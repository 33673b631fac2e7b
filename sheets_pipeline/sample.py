"""About fifty realistic leads, relative to `today`, with the mistakes the guide warns about: a demo to sync."""

from __future__ import annotations

import random
from datetime import date, timedelta

from .lists import PipelineLists
from .model import CellValue

COMPANIES = [
    "Atelier Moreau", "Brightside Studio", "Cobalt Analytics", "Dune & Co", "Elm Street Dental", "Fjord Outdoor",
    "Greenleaf Bakery", "Harbor Legal", "Indigo Yoga", "Juniper Health", "Kestrel Logistics", "Lumen Architects",
    "Maison Dufour", "Northwind Traders", "Orchard Realty", "Pixel Forge", "Quill & Ink", "Riverbend Clinic",
    "Saffron Kitchen", "Tidewater Marine", "Umbra Films", "Vega Robotics", "Willow Spa", "Xylo Music School",
    "Yarrow Farms", "Zephyr Cycles", "Alder Capital", "Birch Interiors", "Cedar Fitness", "Delta Print Shop",
    "Ember Coffee", "Fable Books", "Garnet Jewelry", "Helios Solar", "Iris Florist", "Jade Tea House",
    "Kiln Ceramics", "Lark Travel", "Mosaic Events", "Nimbus Cloud", "Opal Optics", "Pine Ridge Camps",
    "Quartz Labs", "Rowan Tailors", "Sable Wines", "Thistle Garden Center", "Ursa Security", "Vireo Apps",
]
FIRST_NAMES = ["Camille", "Lucas", "Emma", "Noah", "Léa", "Hugo", "Chloé", "Louis", "Manon", "Jules", "Sarah",
               "Tom", "Inès", "Adam", "Jade", "Paul", "Olivia", "Liam", "Zoé", "Nathan"]
LAST_NAMES = ["Martin", "Bernard", "Smith", "Dubois", "Johnson", "Lefèvre", "Brown", "Garcia", "Petit", "Miller",
              "Roux", "Davis", "Fontaine", "Wilson", "Chevalier", "Moore"]
OWNERS = ["Alice", "Bruno", "Chloé"]
SEED = 20261204


def _email(first: str, company: str) -> str:
    ascii_first = first.lower().replace("é", "e").replace("è", "e").replace("ï", "i")
    domain = "".join(ch for ch in company.lower() if ch.isalnum())[:14]
    return f"{ascii_first}@{domain}.example"


def sample_leads(lists: PipelineLists, today: date) -> list[dict[str, CellValue]]:
    """Leads as field -> value. Deterministic for a given `today`."""
    rng = random.Random(SEED)
    stages = lists.stages.labels()
    outcome = {t.role: t.label for t in lists.outcomes}
    loss = lists.loss_reasons.labels()
    passes = lists.pass_reasons.labels()
    sources = lists.sources.labels()
    weights = [5, 3, 4, 2, 2, 2, 1][: len(sources)] + [1] * max(0, len(sources) - 7)
    leads: list[dict[str, CellValue]] = []
    for i, company in enumerate(COMPANIES):
        first = rng.choice(FIRST_NAMES)
        created = today - timedelta(days=rng.randint(2, 170))
        lead: dict[str, CellValue] = {
            "lead": company,
            "contact": f"{first} {rng.choice(LAST_NAMES)}",
            "email": _email(first, company),
            "source": rng.choices(sources, weights)[0],
            "owner": OWNERS[i % len(OWNERS)],
            "value": rng.choice([800, 1200, 1500, 2400, 3000, 4500, 6000, 9000]),
            "created": created,
        }
        kind = rng.random()
        if kind < 0.12:
            lead["stage"] = stages[0]
        else:
            first_contact = created + timedelta(days=rng.randint(0, 4))
            follow_ups = rng.choice([0, 0, 1, 1, 2, 3])
            last_contact = first_contact + timedelta(days=4 * follow_ups + rng.randint(0, 3))
            lead.update(first_contact=first_contact, follow_ups=follow_ups)
            if follow_ups:
                lead["last_contact"] = min(last_contact, today)
            reached = rng.randint(1, len(stages) - 1)
            lead["stage"] = stages[reached]
            if reached >= 2:
                lead["last_reply"] = min(first_contact + timedelta(days=rng.randint(1, 10)), today)
            if kind > 0.45:
                role = rng.choices(["won", "lost", "no_response", "passed"], [4, 4, 2, 1])[0]
                if role == "won" and reached < 2:  # a win went through the conversation first
                    reached = 2
                    lead["stage"] = stages[reached]
                    lead["last_reply"] = min(first_contact + timedelta(days=rng.randint(1, 10)), today)
                lead["outcome"] = outcome[role]
                if role == "lost":
                    lead["loss_reason"] = rng.choice(loss)
                elif role == "passed":
                    lead["loss_reason"] = rng.choice(passes)
                closed = first_contact + timedelta(days=rng.randint(5, 60))
                lead["closed"] = min(closed, today)
            elif follow_ups == 3 and rng.random() < 0.6:
                lead["last_contact"] = today - timedelta(days=rng.randint(31, 45))
                lead["first_contact"] = today - timedelta(days=rng.randint(50, 60))
                lead["stage"] = stages[1]
                lead.pop("last_reply", None)
        leads.append(lead)
    _add_mistakes(leads, lists, today)
    return leads


def _add_mistakes(leads: list[dict[str, CellValue]], lists: PipelineLists, today: date) -> None:
    """The guide's classic mistakes, so that a first sync has something to flag."""
    stages = lists.stages.labels()
    outcome = {t.role: t.label for t in lists.outcomes}
    contacted = stages[lists.contacted_index]
    leads[3].update(stage=contacted[:-2] + contacted[-1], outcome=None, loss_reason=None, closed=None)  # a typo
    leads[7].update(stage=outcome["won"], outcome=None, loss_reason=None, closed=None)  # an outcome as stage
    leads[11].update(outcome=outcome["lost"], loss_reason=None)  # Lost without a reason
    leads[15].update(outcome=outcome["lost"], loss_reason="Didn't work out")  # a vague reason
    leads[19].update(outcome=None, closed=None, loss_reason=lists.loss_reasons.labels()[0])  # reason, still open
    leads[23].update(email=leads[5]["email"])  # the same contact twice
    leads[27].update(last_reply="next tuesday")  # not a date
    leads[31].update(stage="Closed", outcome=None, loss_reason=None, closed=None)  # not a stage
    leads[35].update(created=today + timedelta(days=20))  # in the future
    leads[39].update(stage=stages[0], outcome=outcome["won"], loss_reason=None, closed=today)  # won from New
    for i, (follow_ups, silent_days) in ((43, (3, 40)), (45, (3, 33)), (47, (1, 12))):
        leads[i].update(stage=contacted, outcome=None, loss_reason=None, closed=None, last_reply=None,
                        follow_ups=follow_ups, first_contact=today - timedelta(days=silent_days + 10),
                        last_contact=today - timedelta(days=silent_days))  # silent: stale, or overdue
    # brand new leads typed today: no ID, no dates yet
    leads.append({"lead": "Aurora Bikes", "contact": "Maya Klein", "source": lists.sources.labels()[0],
                  "owner": OWNERS[0], "stage": stages[0]})
    leads.append({"lead": "Beacon Consulting", "contact": "Omar Haddad", "source": lists.sources.labels()[2],
                  "owner": OWNERS[1], "stage": contacted, "follow_ups": 0})
