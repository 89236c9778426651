"""Packages and the report carry what independent archives answered about each capture."""

import json
import zipfile
from pathlib import Path

from tests.export.conftest import WITNESS_ANSWER, ExportWorld, Packages


def test_bag_holds_witness_rows_and_raw_answers(
    export_world: ExportWorld, packages: Packages
) -> None:
    index = json.loads((packages.bag / "data/provenance/package.json").read_text())
    first = next(c for c in index["captures"] if c["id"] == export_world.capture_ids[0])
    rows = json.loads((packages.bag / first["witnesses"]).read_text())
    (row,) = rows
    assert row["service"] == "wayback" and row["status"] == "found"
    assert row["memento_url"] == WITNESS_ANSWER.mementos[0].url
    assert (packages.bag / row["answer_path"]).read_bytes() == WITNESS_ANSWER.body
    custody = (packages.bag / "data/provenance/custody.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in custody]
    assert any(e["action"] == "witness.recorded" and e["subject_id"] == row["id"] for e in events)
    second = next(c for c in index["captures"] if c["id"] == export_world.capture_ids[1])
    assert second["witnesses"] is None


def test_wacz_holds_the_witness_rows(packages: Packages) -> None:
    with zipfile.ZipFile(packages.wacz) as wacz:
        names = wacz.namelist()
    assert any(n.startswith("provenance/witnesses_") and n.endswith(".json") for n in names)
    assert any(n.endswith(".answer") for n in names)


def test_report_lists_the_independent_copies(packages: Packages) -> None:
    report = Path(packages.report).read_text()
    assert "independent copies" in report
    assert WITNESS_ANSWER.mementos[0].url in report
