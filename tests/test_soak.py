"""The fault soak of bench/soak.py at a reduced count, and checks that its invariant checker catches what it
should (a checker that never fails proves nothing). The full run is `python bench/soak.py`, reported in
docs/reliability.md."""

from __future__ import annotations

import copy
import dataclasses
import os
import random
import signal
from collections import Counter
from pathlib import Path

import pytest

from bench import soak
from bench.dataset import day_of_work, synced
from sheets_pipeline.backends import gsheets
from sheets_pipeline.backends.base import Snapshot
from sheets_pipeline.backends.memory import MemoryBackend
from sheets_pipeline.backends.xlsx import XlsxBackend
from sheets_pipeline.config import Config
from sheets_pipeline.model import Grid
from sheets_pipeline.sync import plan_sync

SEED = 1  # the full run's seed: these runs are its first ones
GOOGLE_RUNS = 20
XLSX_RUNS = 8
COL = soak.COL


def failures(runs: list) -> str:
    return "\n\n".join(run.describe() for run in runs if run.failed)


def test_google_syncs_with_faults_and_a_person_editing_keep_every_invariant():
    """Runs where rows moved in the instant between the guard read and the write are reported apart: the README
    documents that instant as open. Every other run must keep every invariant."""
    runs, _ = soak.soak_google(GOOGLE_RUNS, SEED)
    assert not any(run.failed for run in runs), failures(runs)
    # the reduced run still exercises what the soak is about
    assert {run.fault.kind for run in runs} == set(soak.FAULT_KINDS)
    assert sum(1 for run in runs if run.edits) >= GOOGLE_RUNS // 3
    assert any(run.outcome != soak.OUTCOMES[0] for run in runs)


def test_xlsx_syncs_killed_during_the_save_leave_the_old_or_the_new_workbook():
    runs, _ = soak.soak_xlsx(XLSX_RUNS, SEED)
    assert not any(run.failed for run in runs), failures(runs)
    assert any(run.killed for run in runs)
    assert {run.method for run in runs} == {"I/O step", "random time"}


# --- the checker catches broken states ----------------------------------------------------------------------------

@dataclasses.dataclass
class Case:
    """A pipeline before a sync, the same after a correct sync (in memory), and what the checks need."""

    config: Config
    before: dict[str, Grid]
    after: MemoryBackend

    def observed(self, final: dict[str, Grid] | None = None, late: frozenset[str] = frozenset()) -> soak.Observed:
        tabs = final if final is not None else self.after.tabs
        snapshot = Snapshot(tabs=copy.deepcopy(tabs), dropdowns=self.after.dropdowns,
                            pipeline_formats=self.after.pipeline_formats)
        return soak.Observed(before=self.before, shadow=self.before["Pipeline"], final=tabs,
                             planned=soak.plan_cells(copy.deepcopy(self.before), self.config), late=set(late),
                             leftover=plan_sync(snapshot, self.config, soak.TODAY, soak.NOW).plan)

    def final(self) -> dict[str, Grid]:
        return copy.deepcopy(self.after.tabs)


@pytest.fixture
def case() -> Case:
    config = Config()
    yesterday = synced(12, config)
    before = day_of_work(yesterday, config, share=0.5, seed=3)
    after = MemoryBackend(before)
    after.dropdowns, after.pipeline_formats = yesterday.dropdowns, yesterday.pipeline_formats
    after.write(after.read(), plan_sync(after.read(), config, soak.TODAY, soak.NOW).plan)
    return Case(config, copy.deepcopy(before), after)


def invariants(observed: soak.Observed) -> set[str]:
    return {problem.invariant for problem in soak.check_sync(observed)[1]}


def row_of(grid: Grid, predicate) -> int:
    return next(r for r in range(2, len(grid) + 1) if predicate(grid[r - 1]))


def test_a_correct_sync_and_an_untouched_sheet_pass(case):
    assert soak.check_sync(case.observed()) == ("synced", [])
    assert soak.check_sync(case.observed(copy.deepcopy(case.before))) == ("untouched", [])


def test_a_person_value_overwritten_is_caught(case):
    final = case.final()
    final["Pipeline"][3][COL["notes"]] = "overwritten by the worker"
    assert soak.LOST in invariants(case.observed(final))


def test_a_stamp_over_a_filled_cell_is_caught(case):
    final = case.final()
    row = row_of(final["Pipeline"], lambda cells: cells[COL["created"]] is not None)
    final["Pipeline"][row - 1][COL["created"]] = soak.TODAY.replace(day=1)
    assert soak.LOST in invariants(case.observed(final))


def test_worker_cells_shifted_one_row_down_are_caught(case):
    """What a write lands as when a row was inserted above its targets after the guard read."""
    final = case.final()
    pipeline = [row + [None] * (len(soak.FIELDS) - len(row)) for row in final["Pipeline"]]
    for name in soak.OWNED_FIELDS:
        column = [row[COL[name]] for row in pipeline]
        for r in range(2, len(pipeline)):  # 0-based: the second lead gets the first one's cells, and so on
            pipeline[r][COL[name]] = column[r - 1]
    final["Pipeline"] = pipeline
    assert soak.WRONG_ROW in invariants(case.observed(final))


def test_a_new_id_on_the_wrong_lead_or_twice_is_caught(case):
    final = case.final()
    pipeline = final["Pipeline"]
    new_row = row_of(case.before["Pipeline"], lambda cells: not cells[COL["id"]] and cells[COL["lead"]])
    other = row_of(pipeline, lambda cells: cells[COL["id"]] and cells[COL["lead"]])
    pipeline[new_row - 1][COL["id"]] = pipeline[other - 1][COL["id"]]
    assert {soak.IDS, soak.WRONG_ROW} <= invariants(case.observed(final))


def test_an_existing_id_changed_is_caught(case):
    final = case.final()
    row = row_of(final["Pipeline"], lambda cells: cells[COL["id"]])
    final["Pipeline"][row - 1][COL["id"]] = "L-9999"
    assert soak.IDS in invariants(case.observed(final))


def test_history_appended_twice_is_caught(case):
    final = case.final()
    appended = final["History"][len(case.before["History"]):]
    assert appended, "the day of work changed stages: the sync logs them"
    final["History"] += copy.deepcopy(appended)
    assert soak.DUPLICATED in invariants(case.observed(final))


def test_a_write_left_half_done_is_caught_unless_a_person_changed_that_lead_later(case):
    final = case.final()
    pipeline, before = final["Pipeline"], case.before["Pipeline"]

    def flags(grid: Grid, r: int) -> object:
        return soak.cell(grid, r, COL["flags"])

    row = next(r for r in range(2, len(pipeline) + 1) if not soak.same(flags(pipeline, r), flags(before, r)))
    pipeline[row - 1][COL["flags"]] = flags(before, row)  # this cell's change was not written
    assert invariants(case.observed(final)) == {soak.NOT_SYNCED}
    lead = str(pipeline[row - 1][COL["lead"]])
    assert invariants(case.observed(final, late=frozenset({lead}))) == set()


@pytest.mark.parametrize(("requests", "expected"), [
    (["spreadsheets.get", "values.batchGet", "spreadsheets.batchUpdate"], soak.INSTANT),
    (["spreadsheets.get", "values.batchGet", "spreadsheets.batchUpdate", "spreadsheets.batchUpdate"],
     soak.CIRCUMSTANCES[0]),  # the resend after a 429: not the documented instant
    (["spreadsheets.get", "spreadsheets.batchUpdate"], soak.CIRCUMSTANCES[2]),  # no guard read: no cell written
])
def test_only_rows_moved_right_after_the_guard_read_count_as_the_documented_instant(requests, expected):
    fault = soak.Fault("429", 0, 1, False)
    run = soak.GoogleRun(0, 20, fault, requests=requests, problems=[soak.Problem(soak.LOST, "x")])
    run.edits = [soak.Edit(len(requests) - 1, "sort", 0, "by lead", "")]
    assert run.circumstance() == expected
    assert run.failed == (expected != soak.INSTANT)


# --- the whole soak catches a broken worker -----------------------------------------------------------------------

def test_the_google_soak_catches_a_worker_writing_one_row_too_low(monkeypatch):
    real = gsheets.plan_requests

    def shifted(plan, meta, cells=None, **more):
        cells = [dataclasses.replace(c, row=c.row + 1) for c in (plan.cells if cells is None else cells)]
        return real(plan, meta, cells, **more)

    monkeypatch.setattr(gsheets, "plan_requests", shifted)
    runs, _ = soak.soak_google(1, SEED)
    found = {problem.invariant for problem in runs[0].problems}
    assert {soak.WRONG_ROW, soak.LOST} & found, runs[0].describe()


def test_the_xlsx_soak_catches_a_save_written_straight_over_the_workbook(tmp_path, monkeypatch):
    book = soak.prepare_workbook(tmp_path, 20, random.Random(SEED))

    def unsafe_save(self, wb, target, check_against, version, expected=None):
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_TRUNC), "wb") as handle:  # no temp file, no rename
            wb.save(handle)

    monkeypatch.setattr(XlsxBackend, "_save", unsafe_save)
    path = tmp_path / "crash" / "pipeline.xlsx"
    path.parent.mkdir()
    path.write_bytes(Path(book.path).read_bytes())
    status = soak.run_child(lambda: soak.child_sync(path, 30), kill_after=None)  # dies at its 30th I/O step
    run = soak.XlsxRun(0, 20, "I/O step", "write")
    problems = soak.check_crashed_workbook(run, book, path)
    assert status == -signal.SIGKILL
    assert Counter(p.invariant for p in problems)[soak.OLD_OR_NEW] == 1, problems
