"""The demo's business rates history: reviews that found under-billing corrected the rating history on their date,
accounts under-billed now were not found, and the business-rates model reads that history as it stood."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from townhall.decisions.definition import load_definition
from townhall.decisions.features import build_dataset, check_for_leaks
from townhall.demo import DemoCouncil
from townhall.workspace import Workspace

FOUND = ("Rateable value increased", "Relief removed")


def _history(council: DemoCouncil) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    reviews = council.source("business_rates_reviews").read()
    valuations = council.source("business_rates_valuations").read()
    accounts = council.source("business_rates").read()
    truth = pd.read_csv(council.folder / "truth" / "business_rates_history_truth.csv", dtype={"account_number": str})
    for frame in (reviews, valuations, accounts):
        frame["Account Number"] = frame["Account Number"].astype(str)
    for column in ("Rateable Value", "Floor Area (m2)"):
        valuations[column] = pd.to_numeric(valuations[column])
    return reviews, valuations, accounts, truth


def test_the_latest_rating_entry_of_every_account_is_what_the_extract_bills(small_council: DemoCouncil) -> None:
    _, valuations, accounts, _ = _history(small_council)
    latest = valuations.sort_values("Effective Date", kind="stable").groupby("Account Number").last()
    accounts = accounts.set_index("Account Number")
    assert set(latest.index) == set(accounts.index)
    assert (latest["Rateable Value"] == accounts["Rateable Value"].reindex(latest.index)).all()
    assert (latest["Relief"] == accounts["Relief"].fillna("None").reindex(latest.index)).all()  # Excel reads "None"
    first = valuations.sort_values("Effective Date", kind="stable").groupby("Account Number").first()
    starts = pd.to_datetime(accounts["Liability Start"]).dt.strftime("%Y-%m-%d").reindex(first.index)
    assert (pd.to_datetime(first["Effective Date"]).dt.strftime("%Y-%m-%d") == starts).all()


def test_each_finding_review_corrects_the_history_on_its_date_and_accounts_under_billed_now_were_not_found(
        statistics_council: DemoCouncil) -> None:
    reviews, valuations, _, truth = _history(statistics_council)
    assert set(reviews["Reason"]) == {"routine cycle", "intelligence"}
    assert set(reviews["Result"]) == {"Rateable value increased", "Relief removed", "No change"}
    dates = pd.to_datetime(reviews["Review Date"])
    assert dates.min() >= pd.Timestamp("2019-01-01") and dates.max() <= pd.Timestamp("2026-09-30")
    findings = reviews.loc[reviews["Result"].isin(FOUND)].set_index("Account Number")
    found = truth.loc[truth["past_under_billing"].notna()].set_index("account_number")
    assert set(findings.index) == set(found.index) and findings.index.is_unique and len(findings) >= 30
    assert (pd.to_datetime(findings["Review Date"]) == pd.to_datetime(found["found_on"]).reindex(findings.index)).all()
    corrections = valuations.merge(findings.reset_index()[["Account Number", "Review Date"]],
                                   left_on=["Account Number", "Effective Date"],
                                   right_on=["Account Number", "Review Date"])
    assert len(corrections) == len(findings)
    now = set(truth.loc[truth["under_billed_now"], "account_number"])
    assert now and not now & set(findings.index)
    stale = found.loc[found["past_under_billing"] == "stale valuation"]
    increased = findings.loc[stale.index, "Result"]
    assert (increased == "Rateable value increased").all()


def test_before_a_review_finds_it_a_stale_account_has_a_low_value_per_square_metre(
        statistics_council: DemoCouncil) -> None:
    _, valuations, accounts, truth = _history(statistics_council)
    first = valuations.sort_values("Effective Date", kind="stable").groupby("Account Number").first()
    first["per_square_metre"] = first["Rateable Value"] / first["Floor Area (m2)"]
    first["kind"] = accounts.set_index("Account Number")["Description"].reindex(first.index)
    first["relative"] = first["per_square_metre"] / first.groupby("kind")["per_square_metre"].transform("median")
    kind = truth.set_index("account_number")["past_under_billing"].reindex(first.index)
    stale_before = first.loc[kind == "stale valuation", "relative"].median()
    never = first.loc[kind.isna() & ~truth.set_index("account_number")["under_billed_now"].reindex(first.index),
                      "relative"].median()
    assert stale_before < 0.8 * never, (stale_before, never)
    # Pre-2015 liability starts were found stale more often than later ones.
    start = pd.to_datetime(accounts.set_index("Account Number")["Liability Start"]).reindex(first.index)
    stale = kind == "stale valuation"
    assert stale[start < "2015-04-01"].mean() > 1.5 * stale[start >= "2015-04-01"].mean()


def test_the_business_rates_model_reads_the_rating_history_as_it_stood_without_leaks(
        linked_demo_folder: Path) -> None:
    with Workspace.open(linked_demo_folder) as workspace:
        definition = load_definition("business-rates", workspace)
        as_of = date(2021, 3, 1)
        dataset = build_dataset(workspace, definition, [as_of, date(2024, 3, 1)])
        check_for_leaks(workspace, definition, as_of)
        with workspace.analytics.connect(read_only=True) as connection:
            history = connection.execute(
                """select cast("Account Number" as varchar) as unit_id, cast("Effective Date" as date) as effective,
                          "Rateable Value" as value from sources.business_rates_valuations""").df()
    assert "rateable_value" not in dataset.categorical_columns and "relief" in dataset.categorical_columns
    frame = dataset.frame.loc[dataset.frame["as_of"] == pd.Timestamp(as_of)].set_index("unit_id")
    before = history.loc[pd.to_datetime(history["effective"]) < pd.Timestamp(as_of)]
    expected = before.sort_values("effective").groupby("unit_id")["value"].last()
    assert len(frame) == len(expected) > 10
    assert (frame["rateable_value"].reindex(expected.index) == expected).all()
    assert dataset.frame["outcome"].notna().all() and dataset.frame["outcome"].any()
