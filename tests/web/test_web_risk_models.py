"""The risk model pages for analysts, governance officers and managers: the list, one model's evaluation, its bias
audit (small counts hidden from managers), its card and downloads; and the pages in Chromium with axe."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from townhall.decisions.atrs import validate_atrs
from townhall.decisions.store import ensure_tables, model_folder
from townhall.governance.users import Role
from townhall.workspace import Workspace

if TYPE_CHECKING:
    from conftest import BrowserSite  # tests/web/conftest.py

MODEL = "test-hmos"
DEFINITION = textwrap.dedent("""\
    name: test-hmos
    title: Test hidden HMOs
    unit: property
    purpose: Rank homes by how likely an inspection is to find an HMO, so inspectors know where to look first.
    team: Private Sector Housing
    capacity: 20
    owner: Head of Private Sector Housing
    review_date: 2027-03-31
    outcome:
      description: An inspection finds an HMO
      window_months: 12
      found_by:
        - {source: housing_inspections, date: inspection_date}
    features:
      - name: noise_complaints
        description: Noise complaints at the address in the 12 months before
        count: {source: police_asb, date: Reported, window_months: 12}
    protected:
      area_deprivation: true
    training: {first_as_of: 2022-01-01, last_as_of: 2024-01-01, step_months: 6}
    """)
GROUPS = (("Least deprived 20%", 200, 40), ("Most deprived 20%", 100, 40), ("Middle 60%", 7, 1))


def _estimate(mean: float, spread: float) -> dict[str, Any]:
    return {"mean": mean, "low": mean - spread, "high": mean + spread, "values": [mean - spread, mean + spread]}


def write_trained_model(workspace: Workspace) -> None:
    """A trained model's folder (as training writes it) and evaluation rows where the most deprived areas' homes are
    put on the list twice as often as the least deprived's."""
    folder = model_folder(workspace, MODEL)
    folder.mkdir(parents=True)
    (folder / "definition.yaml").write_text(DEFINITION, encoding="utf-8")
    training = {
        "model": MODEL, "run_id": "train-1", "trained_at": "2026-02-01T09:00:00+00:00", "unit": "property",
        "capacity": 20, "chosen_model": "logistic", "chosen_model_name": "Logistic regression",
        "choice_reason": "The simpler model is kept.", "calibration": "sigmoid", "base_rate": 0.05,
        "labelled_rows": 2400, "positives": 120, "band_thresholds": {"high": 0.15, "medium": 0.075},
        "as_of_dates": ["2022-01-01", "2024-01-01"], "feature_columns": ["noise_complaints"],
        "categorical_columns": [], "descriptions": {},
        "splits": [{"split": 1, "test_as_of": "2023-07-01", "figures": {"logistic": {"precision_at_k": 0.3,
                                                                                     "base_rate": 0.05}}},
                   {"split": 2, "test_as_of": "2024-01-01", "figures": {"logistic": {"precision_at_k": 0.4,
                                                                                     "base_rate": 0.05}}}],
        "metrics": {"logistic": {"precision_at_k": _estimate(0.35, 0.05), "roc_auc": _estimate(0.71, 0.02)},
                    "lightgbm": {"precision_at_k": _estimate(0.33, 0.06), "roc_auc": _estimate(0.715, 0.03)}},
        "headline": "About 1 in 3 of the properties on the list had the outcome, against 1 in 20 at random",
        "learning_curve": [{"training_rows": 600, "positives": 30, "roc_auc": 0.66, "precision_at_k": 0.25},
                           {"training_rows": 1200, "positives": 60, "roc_auc": 0.71, "precision_at_k": 0.35}],
        "calibration_bins": [{"cases": 1200, "mean_predicted": 0.03, "observed_rate": 0.028},
                             {"cases": 1200, "mean_predicted": 0.08, "observed_rate": 0.09}],
        "warnings": ["Only 120 properties had the outcome: treat the figures as rough."],
    }
    (folder / "training.json").write_text(json.dumps(training), encoding="utf-8")
    rows = pd.DataFrame([{"model": MODEL, "run_id": "train-1", "kind": "evaluation", "split": 1,
                          "as_of": pd.Timestamp("2024-01-01"), "unit_id": f"{group}-{number}", "probability": 0.1,
                          "outcome": number % 4 == 0, "rank": 1, "in_top_k": number < selected, "band": "low",
                          "model_kind": "logistic", "group_value": group}
                         for group, size, selected in GROUPS for number in range(size)])
    protected = rows[["model", "run_id", "unit_id", "as_of", "group_value"]].assign(characteristic="Area deprivation")
    with workspace.analytics.transaction() as connection:
        ensure_tables(connection)
        for table, frame in (("predictions", rows.drop(columns="group_value")), ("protected", protected)):
            connection.register("incoming", frame)
            connection.execute(f"insert into decisions.{table} by name select * from incoming")
            connection.unregister("incoming")


@pytest.fixture
def trained_client(workspace: Workspace, client: TestClient) -> TestClient:
    write_trained_model(workspace)
    return client


def test_analysts_governance_and_managers_see_the_models_and_practitioners_do_not(
        trained_client: TestClient, people: dict[Role, str], signed_in: Callable[..., TestClient],
        main_text: Callable[[Response], str]) -> None:
    for role in (Role.ANALYST, Role.GOVERNANCE, Role.MANAGER, Role.ADMIN):
        page = signed_in(trained_client, people[role]).get("/risk/models")
        assert page.status_code == 200, role
        assert f'href="/risk/models/{MODEL}"' in page.text and "Test hidden HMOs" in main_text(page)
    refused = signed_in(trained_client, people[Role.PRACTITIONER]).get("/risk/models")
    assert refused.status_code == 403


def test_a_models_page_shows_figures_with_intervals_charts_with_tables_and_warnings(
        trained_client: TestClient, people: dict[Role, str], signed_in: Callable[..., TestClient],
        main_text: Callable[[Response], str]) -> None:
    page = signed_in(trained_client, people[Role.ANALYST]).get(f"/risk/models/{MODEL}")
    assert page.status_code == 200
    text = main_text(page)
    assert "Test hidden HMOs" in text and "About 1 in 3 of the properties on the list had the outcome" in text
    assert "Precision in the top 20" in text and "35.0% (95% interval 30.0% to 40.0%; 2 test periods)" in text
    assert "0.715 (95% interval 0.685 to 0.745; 2 test periods)" in text  # the other candidate, beside the chosen one
    assert page.text.count("<svg") == 3 and page.text.count("Show the figures in this chart as a table") == 3
    assert "Only 120 properties had the outcome" in text
    for download in ("card.html", "atrs.json"):
        assert f'href="/risk/models/{MODEL}/{download}"' in page.text
    assert trained_client.get("/risk/models/no-such-model").status_code == 404
    assert trained_client.get("/risk/models/..%2Fsecrets").status_code == 404


def test_the_audit_shows_exact_counts_to_analysts_and_protected_counts_to_managers(
        trained_client: TestClient, people: dict[Role, str], signed_in: Callable[..., TestClient],
        workspace: Workspace, main_text: Callable[[Response], str]) -> None:
    analyst = signed_in(trained_client, people[Role.ANALYST]).get(f"/risk/models/{MODEL}/audit")
    assert analyst.status_code == 200
    text = main_text(analyst)
    assert ("Properties in the group 'Most deprived 20%' were put on the list 2 times as often as properties in the "
            "group 'Least deprived 20%'") in text
    assert "Middle 60% Too small to judge 7 1" in text and "Flagged" in text
    # The findings lead, one sentence each, with the disparity chart (and its table); every term is explained.
    findings = text.index("What the audit found")
    assert findings < text.index("were put on the list 2 times as often") < text.index("Least deprived 20% Reference")
    assert "wholly outside the band" in text and "Ratios to the reference group, with 95% intervals" in analyst.text
    assert "<svg" in analyst.text and "Show the figures in this chart as a table" in text
    for term in ("disparity ratio", "95% interval", "selection rate", "false positive rate", "precision"):
        assert term in text.lower()
    manager = signed_in(trained_client, people[Role.MANAGER]).get(f"/risk/models/{MODEL}/audit")
    managed = main_text(manager)
    assert "Middle 60% Too small to judge [c] [c] [c]" in managed
    assert "Counts under 10 are hidden" in managed
    entries = workspace.audit.entries(action="risk.audit.view")
    assert {entry.actor for entry in entries} == {people[Role.ANALYST], people[Role.MANAGER]}
    assert all(entry.details == {"model": MODEL} for entry in entries)


def test_the_card_shows_in_the_app_and_downloads_as_a_standalone_file_and_an_atrs_record(
        trained_client: TestClient, people: dict[Role, str], signed_in: Callable[..., TestClient],
        main_text: Callable[[Response], str]) -> None:
    client = signed_in(trained_client, people[Role.GOVERNANCE])
    page = client.get(f"/risk/models/{MODEL}/card")
    assert page.status_code == 200
    text = main_text(page)
    assert "How to use this score" in text and "a person decides" in text
    assert "Head of Private Sector Housing" in text and "31 March 2027" in text
    assert "<style" not in page.text  # the app's pages keep to the Content-Security-Policy
    download = client.get(f"/risk/models/{MODEL}/card.html")
    assert download.status_code == 200 and download.headers["content-disposition"].startswith("attachment")
    assert download.text.startswith("<!DOCTYPE html>") and "<style>" in download.text
    record = client.get(f"/risk/models/{MODEL}/atrs.json")
    assert record.headers["content-type"] == "application/json"
    assert validate_atrs(record.text).tier_1.name == "Test hidden HMOs"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory,
        serve_for_browser) -> Iterator[BrowserSite]:  # type: ignore[no-untyped-def]
    """A new workspace holding the trained model, with an analyst, served by uvicorn on a free local port."""

    def make_workspace(folder: Path) -> Workspace:
        created = Workspace.create(folder / "council", "Testshire")
        write_trained_model(created)
        return created

    with serve_for_browser(tmp_path_factory.mktemp("risk-models-browser"), make_workspace, (Role.ANALYST,),
                           username_suffix="risk") as served:
        yield served


@pytest.mark.browser
def test_an_analyst_reads_a_models_evaluation_audit_and_card_in_the_browser(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, signed_in_page, check_accessibility, screenshot) -> None:
    page = signed_in_page(browser, site, Role.ANALYST)
    page.get_by_role("link", name="Risk models").first.click()
    page.wait_for_url("**/risk/models")
    check_accessibility(page)
    page.get_by_role("link", name="Test hidden HMOs").click()
    page.wait_for_url(f"**/risk/models/{MODEL}")
    assert page.get_by_role("heading", level=1).inner_text() == "Test hidden HMOs"
    assert page.get_by_role("img", name="Calibration chart: predicted probability against the share that had the "
                                         "outcome").is_visible()
    check_accessibility(page)
    screenshot(page, "risk-model")
    page.get_by_role("link", name="Bias audit").click()
    page.wait_for_url(f"**/risk/models/{MODEL}/audit")
    assert page.get_by_role("region", name="Area deprivation: rates and ratios by group").is_visible()
    check_accessibility(page)
    screenshot(page, "risk-model-audit")
    page.get_by_role("link", name="Model card").click()
    page.wait_for_url(f"**/risk/models/{MODEL}/card")
    assert page.get_by_role("heading", name="How to use this score").is_visible()
    check_accessibility(page)
    screenshot(page, "risk-model-card")
    page.context.close()
    assert not site.console_errors, "\n".join(site.console_errors)
