"""The issue's accuracy floor, on the seeds and the repository's own documents, as the benchmark scores it."""

import sys

import pytest

from tests.importer.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import import_accuracy  # noqa: E402


@pytest.fixture(scope="module")
def totals(tmp_path_factory):
    seeds = import_accuracy.seed_cases()
    assert len(seeds) == 3
    _, seed_total = import_accuracy.run(seeds, "seed")
    _, extra_total = import_accuracy.run(import_accuracy.document_cases(tmp_path_factory.mktemp("docx")), "extra")
    return import_accuracy.scores(seed_total), import_accuracy.scores(extra_total)


@pytest.mark.parametrize("which", [0, 1], ids=["seeds", "own documents"])
def test_tasks_deadlines_lead_units_and_recipients_reach_the_floor(totals, which):
    s = totals[which]
    assert s["tasks_recall"] >= 0.95 and s["tasks_precision"] >= 0.95
    assert s["deadlines"] >= 0.95 and s["lead_units"] >= 0.90 and s["recipients"] >= 0.95
    assert s["deadlines_counted"] > 0


def test_milestones_are_scored_as_deadlines(tmp_path):
    [case] = [c for c in import_accuracy.document_cases(tmp_path) if c[0].name == "phuong-an-binh-chuyen-doi-so.txt"]
    _, total = import_accuracy.run([case], "extra")
    # the ward's digital plan writes four dated deadlines plus a task's two milestones
    assert import_accuracy.scores(total)["deadlines_counted"] == 6
