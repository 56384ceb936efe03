"""Randomisation: reproducible from its seed, balanced within strata, whole clusters together, lists per arm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from townhall.errors import TownhallError
from townhall.trials import balance_table, export_mailing_lists, randomise
from townhall.workspace import Workspace


@pytest.fixture
def accounts() -> pd.DataFrame:
    generator = np.random.default_rng(11)
    count = 2_001
    return pd.DataFrame({
        "account": [f"CT{number:06d}" for number in range(count)],
        "ward": generator.choice(["Bank Top", "Marland", "Newbold", "Beechwood"], count, p=[0.4, 0.3, 0.2, 0.1]),
        "age_band": generator.choice(["18-34", "35-64", "65+"], count),
        "household": np.arange(count) // 3,
        "balance": generator.gamma(2.0, 150.0, count),
    })


def test_the_same_seed_gives_the_same_assignment_and_another_seed_a_different_one(accounts: pd.DataFrame) -> None:
    first = randomise(accounts, ["control", "letter"], seed=2024, method="stratified", strata=["ward"])
    again = randomise(accounts, ["control", "letter"], seed=2024, method="stratified", strata=["ward"])
    other = randomise(accounts, ["control", "letter"], seed=2025, method="stratified", strata=["ward"])
    assert first.frame["arm"].tolist() == again.frame["arm"].tolist()
    assert first.frame["arm"].tolist() != other.frame["arm"].tolist()
    assert first.record() == {"seed": 2024, "method": "stratified", "strata": ["ward"], "cluster_column": "",
                              "units": 2_001, "per_arm": first.counts()}


def test_stratified_assignment_balances_every_ward_and_age_band(accounts: pd.DataFrame) -> None:
    assignment = randomise(accounts, ["control", "letter", "text"], seed=7, method="stratified",
                           strata=["ward", "age_band"])
    per_stratum = pd.crosstab([assignment.frame["ward"], assignment.frame["age_band"]], assignment.frame["arm"])
    assert (per_stratum.max(axis=1) - per_stratum.min(axis=1)).max() <= 1
    simple = randomise(accounts, ["control", "letter"], seed=7)
    assert abs(simple.counts()["control"] - simple.counts()["letter"]) <= 1


def test_cluster_assignment_keeps_each_household_together(accounts: pd.DataFrame) -> None:
    assignment = randomise(accounts, ["control", "letter"], seed=3, method="cluster", cluster_column="household")
    assert assignment.frame.groupby("household")["arm"].nunique().max() == 1
    households = assignment.frame.drop_duplicates("household")["arm"].value_counts()
    assert abs(households["control"] - households["letter"]) <= 1


def test_an_unequal_allocation_is_kept(accounts: pd.DataFrame) -> None:
    assignment = randomise(accounts, ["control", "letter"], seed=5, allocation={"control": 2, "letter": 1})
    assert abs(assignment.counts()["control"] - 2 * assignment.counts()["letter"]) <= 2


def test_the_balance_table_shows_means_shares_and_standardised_differences(accounts: pd.DataFrame) -> None:
    assignment = randomise(accounts, ["control", "letter"], seed=9, method="stratified", strata=["ward"])
    table = balance_table(assignment.frame, ["balance", "ward"], arms=["control", "letter"]).set_index(
        "characteristic")
    frame = assignment.frame
    assert table.loc["Units", "control"] == assignment.counts()["control"]
    assert table.loc["balance", "letter"] == pytest.approx(frame.loc[frame["arm"] == "letter", "balance"].mean())
    control = frame.loc[frame["arm"] == "control", "balance"]
    letter = frame.loc[frame["arm"] == "letter", "balance"]
    expected = (letter.mean() - control.mean()) / np.sqrt((letter.var() + control.var()) / 2)
    assert table.loc["balance", "standardised difference: letter"] == pytest.approx(expected)
    assert abs(table.loc["ward: Marland", "standardised difference: letter"]) < 0.01  # stratified: near exact


def test_mailing_lists_are_written_per_arm_and_audit_logged(workspace: Workspace, accounts: pd.DataFrame,
                                                            tmp_path) -> None:  # type: ignore[no-untyped-def]
    assignment = randomise(accounts, ["control", "letter"], seed=1)
    files = export_mailing_lists(workspace, assignment, tmp_path / "lists", actor="asha", trial="reminder",
                                 columns=["account", "ward"])
    written = {arm: pd.read_csv(path) for arm, path in files.items()}
    assert {arm: len(frame) for arm, frame in written.items()} == assignment.counts()
    assert list(written["letter"].columns) == ["account", "ward"]
    assert not (set(written["letter"]["account"]) & set(written["control"]["account"]))
    entry = workspace.audit.entries(action="trial.mailing_list")[0]
    assert entry.details["per_arm"] == assignment.counts() and "CT0" not in str(entry.details)


def test_bad_settings_are_refused(accounts: pd.DataFrame) -> None:
    with pytest.raises(TownhallError, match="stratify"):
        randomise(accounts, ["a", "b"], seed=1, method="stratified")
    with pytest.raises(TownhallError, match="no column postcode"):
        randomise(accounts, ["a", "b"], seed=1, method="stratified", strata=["postcode"])
