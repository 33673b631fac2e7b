"""Fidelity to Google, measured on real recorded interactions (gspread's cassettes).

Every interaction of every cassette is replayed against a fresh emulator and compared with what Google
answered (see sheets_pipeline/testing/replay.py for the method). The share reproduced per endpoint may not go
below tests/testing/fidelity_floor.json, and docs/emulator-fidelity.md must show the current figures.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sheets_pipeline.testing import replay, values_api

HERE = Path(__file__).parent
FLOOR = HERE / "fidelity_floor.json"
REPORT = HERE.parents[1] / "docs" / "emulator-fidelity.md"
# ../shared/sheets-api/gspread-cassettes next to the repository (or SHEETS_CASSETTES).
CASSETTES = Path(os.environ.get("SHEETS_CASSETTES", HERE.parents[2] / "shared" / "sheets-api" / "gspread-cassettes"))
# The Sheets v4 / Drive v3 endpoints the project's backend uses: Google's behaviour must be reproduced.
REQUIRED = ("spreadsheets.get", "spreadsheets.batchUpdate", "values.batchGet", "values.get", "values.update",
            "drive.files.create", "drive.files.get")

pytestmark = pytest.mark.skipif(not CASSETTES.is_dir(), reason=f"no cassettes at {CASSETTES}")


@pytest.fixture(scope="module")
def results() -> list[replay.Result]:
    return replay.replay_all(CASSETTES)


def test_every_cassette_was_replayed(results):
    assert len({r.cassette for r in results}) == len(list(CASSETTES.glob("*.json")))
    assert len(results) > 2000


def test_share_never_goes_below_the_floor(results):
    table = replay.shares(results)
    floor = json.loads(FLOOR.read_text())
    below = {key: (round(table.get(key, {}).get("reproduced", 0.0), 4), share) for key, share in floor.items()
             if table.get(key, {}).get("reproduced", 0.0) + 1e-9 < share}
    assert not below, f"fidelity went down (now, floor): {below}"


def test_endpoints_the_project_uses_are_reproduced(results):
    table = replay.shares(results)
    for key in REQUIRED:
        assert table[key]["reproduced"] > 0.9, (key, table[key])


def test_report_shows_the_current_figures(results):
    expected = replay.report(results, len(list(CASSETTES.glob("*.json"))))
    assert REPORT.read_text() == expected, (
        "docs/emulator-fidelity.md is stale: python -m sheets_pipeline.testing.replay --write "
        "docs/emulator-fidelity.md")


def test_the_comparison_is_not_vacuous(monkeypatch):
    """A wrong emulator answer must show: drop one member of values.get and the share falls."""
    assert replay.compare({"a": [1, 2]}, {"a": [1]}, exact=False)
    assert replay.compare({"a": 1}, {"a": "1"}, exact=False)
    assert replay.compare({"range": "A1"}, {"range": "A2"}, exact=True)
    assert not replay.compare({"id": "x", "createdTime": "t1"}, {"id": "y", "createdTime": "t2"}, exact=True)
    cassette = CASSETTES / "WorksheetTest.test_update_and_get.json"
    assert all(r.reproduced for r in replay.replay_cassette(cassette))
    original = values_api.value_range
    monkeypatch.setattr(values_api, "value_range",
                        lambda *args: {k: v for k, v in original(*args).items() if k != "majorDimension"})
    broken = [r for r in replay.replay_cassette(cassette) if r.endpoint == "values.get"]
    assert broken and not any(r.reproduced for r in broken)
