from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner

from sheets_pipeline.backends.memory import MemoryBackend
from sheets_pipeline.cli import main
from sheets_pipeline.config import Config
from sheets_pipeline.layout import pipeline_headers
from sheets_pipeline.lists import PipelineLists, build_lists
from sheets_pipeline.model import FIELDS, Grid, Lead, parse_pipeline
from sheets_pipeline.new_sheet import new_spreadsheet

TODAY = date(2026, 12, 4)  # a Friday


def pipeline_grid(*leads: dict[str, Any], language: str = "en") -> Grid:
    """A Pipeline tab: the standard headers, then one row per lead given as field -> value."""
    grid: Grid = [pipeline_headers(language)]
    for lead in leads:
        unknown = set(lead) - set(FIELDS)
        assert not unknown, unknown
        grid.append([lead.get(name) for name in FIELDS])
    return grid


def parse_one(lead: dict[str, Any], config: Config | None = None) -> tuple[Lead, PipelineLists]:
    config = config or Config()
    lists = build_lists(config)
    sheet = parse_pipeline(pipeline_grid(lead), lists, config.effective_date_order)
    assert len(sheet.leads) == 1
    return sheet.leads[0], lists


def memory_pipeline(*leads: dict[str, Any], config: Config | None = None) -> MemoryBackend:
    """An initialised spreadsheet in memory holding `leads`."""
    config = config or Config()
    backend = MemoryBackend()
    backend.create(new_spreadsheet(config, TODAY))
    backend.tabs["Pipeline"] = pipeline_grid(*leads, language=config.language)
    return backend


@pytest.fixture
def config() -> Config:
    return Config()


@pytest.fixture(autouse=True)
def _private_state(tmp_path_factory, monkeypatch):
    """Status files and locks of the tests go to a temporary folder, never to the user's own."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


@pytest.fixture
def run(tmp_path, monkeypatch):
    """The CLI in a fresh folder, with no config or credentials from the environment: run("sync", "p.xlsx")."""
    monkeypatch.chdir(tmp_path)
    for name in ("SHEETS_PIPELINE_CONFIG", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]
