"""Disclosure control: small counts are hidden, the rest rounded, and no hidden count can be recovered from a total."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.errors import TownhallError
from townhall.governance import (
    SUPPRESSED_MARK,
    DisclosureRule,
    ProtectedTable,
    protect_count,
    protect_table,
)
from townhall.workspace import Workspace

ONS = DisclosureRule(threshold=10, rounding=5)


def test_the_default_rule_is_the_ons_ten_five_convention_and_says_so_in_plain_english() -> None:
    rule = DisclosureRule()
    assert (rule.threshold, rule.rounding) == (10, 5)
    assert rule.describe() == "Counts under 10 are hidden and other counts are rounded to the nearest 5."


def test_the_description_follows_the_configured_rule() -> None:
    assert DisclosureRule(5, 1).describe() == "Counts under 5 are hidden and other counts are shown exactly."
    assert DisclosureRule(0, 10).describe() == "No counts are hidden; all counts are rounded to the nearest 10."
    assert DisclosureRule(0, 1).describe() == "Counts are shown exactly: none are hidden or rounded."
    assert DisclosureRule(12, 5).describe().endswith("but never to less than 15.")


def test_the_rule_is_read_from_the_workspace_configuration(workspace: Workspace) -> None:
    assert DisclosureRule.from_workspace(workspace) == ONS
    workspace.config.disclosure.threshold = 20
    workspace.config.disclosure.rounding = 10
    workspace.save_config()
    reopened = Workspace.open(workspace.path)
    assert DisclosureRule.from_workspace(reopened) == DisclosureRule(20, 10)
    reopened.close()


def test_a_nonsense_rule_is_refused_with_a_pointer_to_the_setting() -> None:
    with pytest.raises(TownhallError, match=r"\[disclosure\] rounding"):
        DisclosureRule(10, 0)
    with pytest.raises(TownhallError, match=r"\[disclosure\] threshold"):
        DisclosureRule(-1, 5)


@pytest.mark.parametrize(("count", "published"), [
    (0, None), (1, None), (9, None), (10, 10), (12, 10), (13, 15), (17, 15), (18, 20), (102, 100), (1_003, 1_005),
])
def test_single_counts_are_hidden_under_ten_and_otherwise_rounded_to_five(count: int, published: int | None) -> None:
    assert protect_count(count, ONS) == published


def test_a_rounded_count_never_drops_below_the_threshold() -> None:
    rule = DisclosureRule(threshold=12, rounding=5)
    assert protect_count(11, rule) is None
    assert protect_count(12, rule) == 15  # 12 rounds to 10, which would look like a count under the threshold
    assert protect_count(22, rule) == 20


def test_counts_must_be_whole_and_not_negative() -> None:
    with pytest.raises(ValueError, match="whole number"):
        protect_count(-1, ONS)
    with pytest.raises(ValueError, match="whole number"):
        protect_count(2.5, ONS)  # type: ignore[arg-type]


def test_a_table_without_totals_needs_only_primary_suppression() -> None:
    frame = pd.DataFrame({"ward": ["Abbey", "Birchwood", "Canal"], "households": [23, 4, 11]})
    table = protect_table(frame, ["households"], ONS)
    assert table.frame["households"].tolist() == [25, pd.NA, 10]
    assert [(cell.row, cell.reason) for cell in table.suppressed] == [(1, "primary")]
    assert table.notes == [ONS.describe()]


def test_one_small_ward_beside_a_total_hides_the_next_smallest_ward_too() -> None:
    # Worked by hand: 25 + 7 + 40 + 12 = 84. Hiding only the 7 would let anyone compute 84 - 25 - 40 - 12 = 7,
    # so the smallest other ward (12) is hidden as well. The total rounds to 85.
    frame = pd.DataFrame({"ward": ["Abbey", "Birchwood", "Canal", "Dale"], "households": [25, 7, 40, 12]})
    table = protect_table(frame, ["households"], ONS, total_row="All wards")
    assert table.frame["households"].tolist() == [25, pd.NA, 40, pd.NA, 85]
    assert table.frame.loc["All wards", "ward"] == "All wards"
    reasons = {cell.row: cell.reason for cell in table.suppressed}
    assert reasons == {1: "primary", 3: "secondary"}
    secondary = next(cell for cell in table.suppressed if cell.reason == "secondary")
    assert "Birchwood" in secondary.explanation
    assert table.secondary_count == 1
    assert any("worked out from a total" in note for note in table.notes)
    assert table.display_frame()["households"].tolist() == ["25", SUPPRESSED_MARK, "40", SUPPRESSED_MARK, "85"]


def test_two_small_wards_already_protect_each_other() -> None:
    frame = pd.DataFrame({"ward": ["Abbey", "Birchwood", "Canal"], "households": [30, 4, 6]})
    table = protect_table(frame, ["households"], ONS, total_row="Total")
    assert [cell.reason for cell in table.suppressed] == ["primary", "primary"]
    assert table.frame["households"].tolist() == [30, pd.NA, pd.NA, 40]


def test_a_total_under_the_threshold_is_hidden_with_everything_in_it() -> None:
    frame = pd.DataFrame({"households": [3, 4]}, index=["Abbey", "Birchwood"])
    table = protect_table(frame, ["households"], ONS, total_row="Total")
    assert table.frame["households"].isna().all()


def test_a_single_row_equal_to_its_total_hides_the_total_too() -> None:
    frame = pd.DataFrame({"households": [4]}, index=["Abbey"])
    table = protect_table(frame, ["households"], DisclosureRule(threshold=3, rounding=1), total_row="Total")
    assert table.frame["households"].tolist() == [4, 4]
    table = protect_table(frame, ["households"], DisclosureRule(threshold=5, rounding=1), total_row="Total")
    assert table.frame["households"].isna().all()


def test_a_two_way_table_hides_a_rectangle_so_rows_and_columns_both_hold() -> None:
    # Worked by hand: the 3 is hidden; its column then needs the 20 hidden, its row the 25; and the 20's row then
    # needs the 15 hidden. Every row and column with a hidden figure has two, and the totals are all shown.
    frame = pd.DataFrame({"boys": [20, 3, 30], "girls": [15, 25, 40]}, index=["Abbey", "Birchwood", "Canal"])
    table = protect_table(frame, ["boys", "girls"], ONS, total_row="Total", total_column="All")
    shown = table.display_frame()
    assert shown.loc["Abbey"].tolist() == [SUPPRESSED_MARK, SUPPRESSED_MARK, "35"]
    assert shown.loc["Birchwood"].tolist() == [SUPPRESSED_MARK, SUPPRESSED_MARK, "30"]
    assert shown.loc["Canal"].tolist() == ["30", "40", "70"]
    assert shown.loc["Total"].tolist() == ["55", "80", "135"]
    assert table.is_suppressed("Birchwood", "boys") and not table.is_suppressed("Canal", "boys")


def test_label_columns_are_kept_and_bad_tables_are_refused() -> None:
    frame = pd.DataFrame({"code": ["E05000001"], "name": ["Abbey"], "households": [12]})
    table = protect_table(frame, ["households"], ONS)
    assert table.frame[["code", "name"]].iloc[0].tolist() == ["E05000001", "Abbey"]
    with pytest.raises(ValueError, match="blank counts"):
        protect_table(pd.DataFrame({"n": [1, None]}), ["n"], ONS)
    with pytest.raises(ValueError, match="whole numbers"):
        protect_table(pd.DataFrame({"n": [1, -2]}), ["n"], ONS)
    with pytest.raises(ValueError, match="no count columns"):
        protect_table(pd.DataFrame({"n": [1]}), ["m"], ONS)


# --- properties ----------------------------------------------------------------------------------------------------

rules = st.builds(DisclosureRule, threshold=st.integers(0, 15), rounding=st.integers(1, 10))


@st.composite
def count_tables(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(st.integers(1, 6))
    columns = draw(st.integers(1, 4))
    values = draw(st.lists(st.lists(st.integers(0, 60), min_size=columns, max_size=columns),
                           min_size=rows, max_size=rows))
    return pd.DataFrame(values, columns=[f"c{number}" for number in range(columns)],
                        index=[f"r{number}" for number in range(rows)])


def _published_values(table: ProtectedTable) -> list[int]:
    columns = [*table.count_columns, *([table.total_column] if table.total_column else [])]
    return [int(value) for column in columns for value in table.frame[column] if not pd.isna(value)]


def _sums(table: ProtectedTable) -> list[tuple[list[tuple[object, str]], tuple[object, str]]]:
    """Every published total and the cells adding up to it, as (row label, column) pairs."""
    body_rows = [label for label in table.frame.index if label != table.total_row]
    columns = list(table.count_columns)
    sums = []
    if table.total_row is not None:
        for column in [*columns, *([table.total_column] if table.total_column else [])]:
            sums.append(([(row, column) for row in body_rows], (table.total_row, column)))
    if table.total_column is not None:
        for row in [*body_rows, *([table.total_row] if table.total_row is not None else [])]:
            sums.append(([(row, column) for column in columns], (row, table.total_column)))
    return sums


@settings(max_examples=300, deadline=None)
@given(frame=count_tables(), rule=rules, total_row=st.booleans(), total_column=st.booleans())
def test_no_published_count_is_below_the_threshold_or_off_the_rounding_base(
        frame: pd.DataFrame, rule: DisclosureRule, total_row: bool, total_column: bool) -> None:
    table = protect_table(frame, list(frame.columns), rule, total_row="Total" if total_row else None,
                          total_column="All" if total_column else None)
    for value in _published_values(table):
        assert value >= rule.threshold
        assert value % rule.rounding == 0


@settings(max_examples=300, deadline=None)
@given(frame=count_tables(), rule=rules, total_row=st.booleans(), total_column=st.booleans())
def test_no_hidden_count_can_be_recovered_by_subtraction_from_a_published_total(
        frame: pd.DataFrame, rule: DisclosureRule, total_row: bool, total_column: bool) -> None:
    table = protect_table(frame, list(frame.columns), rule, total_row="Total" if total_row else None,
                          total_column="All" if total_column else None)
    for members, total in _sums(table):
        hidden = [cell for cell in (*members, total) if pd.isna(table.frame.loc[cell[0], cell[1]])]
        # One hidden figure in a sum is found by subtraction (or, if it is the total, by adding the rest up).
        assert len(hidden) != 1, f"{hidden[0]} could be worked out from {total}"


@settings(max_examples=200, deadline=None)
@given(frame=count_tables(), rule=rules, total_row=st.booleans())
def test_every_count_under_the_threshold_is_hidden_and_published_counts_stay_close_to_the_truth(
        frame: pd.DataFrame, rule: DisclosureRule, total_row: bool) -> None:
    table = protect_table(frame, list(frame.columns), rule, total_row="Total" if total_row else None)
    for column in frame.columns:
        for row, true_value in frame[column].items():
            published = table.frame.loc[row, column]
            if true_value < rule.threshold:
                assert pd.isna(published)
            elif not pd.isna(published):
                assert abs(int(published) - true_value) <= max(rule.rounding / 2, rule.smallest_shown - true_value)
