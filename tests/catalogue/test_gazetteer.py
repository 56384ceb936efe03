"""The address gazetteer service: one source and one column mapping, set in townhall.toml, used everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.catalogue.gazetteer import GazetteerError, find_gazetteer, open_gazetteer
from townhall.workspace import Workspace

LLPG = """Property Ref,Flat,No,Road,Area,Post Town,Post Code,Class
100012345,,12,Mill Road,Eastfield,Ashbury,AY1 4QT,RD04
100012346,Flat 2,19,Pembroke Court,Newbold,Ashbury,AY3 1NT,RD06
"""


def _register(workspace: Workspace, tmp_path: Path) -> None:
    file = tmp_path / "llpg.csv"
    file.write_text(LLPG, encoding="utf-8")
    workspace.catalogue.add_source(file, "llpg", actor="test")


def test_without_a_registered_gazetteer_a_use_is_told_which_source_and_setting(workspace: Workspace) -> None:
    assert find_gazetteer(workspace) is None
    with pytest.raises(GazetteerError,
                       match=r"No address gazetteer is registered as 'address_gazetteer'.*\[gazetteer\]"):
        open_gazetteer(workspace, needed_for="the review queue")


def test_a_gazetteer_under_other_names_works_once_its_columns_are_mapped(workspace: Workspace, tmp_path: Path) -> None:
    _register(workspace, tmp_path)
    workspace.config.extra["gazetteer"] = {"source": "llpg", "columns": {
        "uprn": "Property Ref", "sub_building": "Flat", "building_number": "No", "street": "Road",
        "locality": "Area", "town": "Post Town", "postcode": "Post Code", "classification": "Class"}}
    gazetteer = open_gazetteer(workspace, needed_for="the review queue", roles=("uprn", "postcode"))
    with workspace.analytics.connect(read_only=True) as connection:
        rows = connection.execute(
            f"select {gazetteer.uprn_sql(needed_for='test')}, {gazetteer.address_sql()} from {gazetteer.table} "
            "order by 1").fetchall()
    assert rows == [("100012345", "12 Mill Road, Eastfield, Ashbury AY1 4QT"),
                    ("100012346", "Flat 2, 19 Pembroke Court, Newbold, Ashbury AY3 1NT")]


def test_a_part_the_gazetteer_lacks_is_named_with_the_setting_to_change(workspace: Workspace, tmp_path: Path) -> None:
    _register(workspace, tmp_path)
    workspace.config.extra["gazetteer"] = {"source": "llpg", "columns": {"uprn": "Property Ref"}}
    gazetteer = open_gazetteer(workspace, needed_for="a risk feature")
    assert not gazetteer.has("ward")
    with pytest.raises(GazetteerError, match=r"no column 'WARD_CODE' for the ward code, which small-area counts "
                                             r"needs\. Set \[gazetteer\] columns\.ward"):
        gazetteer.column("ward", needed_for="small-area counts")
