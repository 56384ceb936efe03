"""The index export: one CSV row per linked record with its person, household and confidence, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from townhall.errors import TownhallError
from townhall.identity.export import EXPORT_COLUMNS, export_index
from townhall.identity.index import SCHEMA, IndexNotBuiltError, read_index
from townhall.workspace import Workspace


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_the_export_has_one_row_per_index_record_with_its_person_and_household(linked_demo: Workspace,
                                                                                tmp_path: Path) -> None:
    target = tmp_path / "exports" / "index.csv"
    written = export_index(linked_demo, target, actor="asha.analyst")
    exported = _read(target)
    records = read_index(linked_demo, f"select source, record_id, person_id, household_id, link_confidence "
                                      f"from {SCHEMA}.records")
    assert list(exported.columns) == list(EXPORT_COLUMNS)
    assert len(exported) == len(records) == written.records
    assert written.persons == records["person_id"].nunique()
    assert written.households == records["household_id"].nunique()
    assert written.sources == records["source"].nunique()
    assert list(zip(exported["source"], exported["record_id"], strict=True)) == sorted(
        zip(exported["source"], exported["record_id"], strict=True))
    by_record = records.set_index(["source", "record_id"])
    for row in exported.sample(50, random_state=1).itertuples():
        expected = by_record.loc[(row.source, row.record_id)]
        assert (row.person_id, row.household_id) == (expected["person_id"], expected["household_id"])
        if pd.isna(expected["link_confidence"]):
            assert row.link_confidence == ""
        else:
            assert float(row.link_confidence) == pytest.approx(expected["link_confidence"], abs=1e-4)


def test_people_who_opted_out_never_appear_and_nor_do_names_or_addresses(linked_demo: Workspace,
                                                                         tmp_path: Path) -> None:
    target = tmp_path / "index.csv"
    export_index(linked_demo, target, actor="asha.analyst")
    exported = _read(target)
    opted_out = read_index(linked_demo, f"select source, record_id from {SCHEMA}.opted_out")
    assert len(opted_out) > 0, "the demo has residents who opted out"
    exported_keys = set(zip(exported["source"], exported["record_id"], strict=True))
    assert not exported_keys & set(zip(opted_out["source"], opted_out["record_id"], strict=True))
    surnames = read_index(linked_demo, f"select distinct surname from {SCHEMA}.persons where surname is not null "
                                       "limit 20")["surname"]
    text = target.read_text(encoding="utf-8")
    for surname in surnames:
        assert f",{surname}," not in text


def test_the_export_is_audit_logged_with_counts_only(linked_demo: Workspace, tmp_path: Path) -> None:
    written = export_index(linked_demo, tmp_path / "index.csv", actor="asha.analyst")
    entry = linked_demo.audit.entries(action="identity.exported")[0]
    assert (entry.actor, entry.subject) == ("asha.analyst", "index.csv")
    assert entry.details == {"records": written.records, "persons": written.persons,
                             "households": written.households, "sources": written.sources}


def test_exporting_again_replaces_the_file_whole_and_leaves_no_temporary_files(linked_demo: Workspace,
                                                                               tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "index.csv"
    target.write_text("an older export\n", encoding="utf-8")
    export_index(linked_demo, target, actor="asha.analyst")
    assert target.read_text(encoding="utf-8").startswith(",".join(EXPORT_COLUMNS))
    assert [path.name for path in folder.iterdir()] == ["index.csv"]


def test_the_export_needs_a_csv_name_and_a_built_index(workspace: Workspace, linked_demo: Workspace,
                                                       tmp_path: Path) -> None:
    with pytest.raises(TownhallError, match=r"ending in \.csv"):
        export_index(linked_demo, tmp_path / "index.xlsx", actor="asha.analyst")
    with pytest.raises(IndexNotBuiltError, match="Run 'townhall link'"):
        export_index(workspace, tmp_path / "index.csv", actor="asha.analyst")
    assert not (tmp_path / "index.csv").exists()
    assert workspace.audit.entries(action="identity.exported") == []
