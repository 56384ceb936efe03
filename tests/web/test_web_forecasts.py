"""The forecast pages: the demand series, one series' forecast with its backtest, and the SEND scenarios side by
side; in the app (in-process client) and, for one journey, in a real browser checked with axe-core.

One small workspace serves the module: four years of monthly requests in two wards (one with small counts), and a
hand-made SEND transitions table with population projections saved in the workspace.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from townhall.governance.users import Role
from townhall.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "a long forecast-page password"


def build_forecast_workspace(folder: Path) -> Workspace:
    """A workspace with a small service_demand source, send_transitions and population projections."""
    workspace = Workspace.create(folder / "council", "Testshire")
    rng = np.random.default_rng(5)
    lines = ["month,ward_code,ward_name,service,requests"]
    # 42 months: the fewest that leave two years of history before three 6-month backtest windows.
    months = [f"{year}-{number:02d}" for year in range(2021, 2025) for number in range(1, 13)][6:]
    for index, month in enumerate(months):
        busy = int(40 + 12 * np.cos(2 * np.pi * index / 12) + rng.normal(0, 3))
        lines += [f"{month},E05000001,Walshaw,Housing repairs,{busy}",
                  f"{month},E05000002,Tannery,Housing repairs,{int(rng.poisson(4))}"]
    demand = folder / "service_demand.csv"
    demand.write_text("\n".join(lines) + "\n", encoding="utf-8")
    workspace.catalogue.add_source(demand, "service_demand", owner="Performance", description="Monthly requests.")
    rows = ["calendar-year,setting-1,need-1,academic-year-1,setting-2,need-2,academic-year-2,count"]
    census = {0: 100, 1: 90, 2: 81, 3: 73}
    for year in (2022, 2023, 2024):
        rows.append(f"{year},NONSEND,NONSEND,-1,MMSIB,ASD,0,{census[0]}")
        rows.append(f"{year},NONSEND,NONSEND,-1,MSSIB,SLD,0,12")
        for school_year in (0, 1, 2):
            rows.append(f"{year},MMSIB,ASD,{school_year},MMSIB,ASD,{school_year + 1},{census[school_year + 1] - 3}")
            rows.append(f"{year},MMSIB,ASD,{school_year},MSSIB,ASD,{school_year + 1},3")
            rows.append(f"{year},MMSIB,ASD,{school_year},NONSEND,NONSEND,{school_year + 1},"
                        f"{census[school_year] - census[school_year + 1]}")
            rows.append(f"{year},MSSIB,SLD,{school_year},MSSIB,SLD,{school_year + 1},11")
            rows.append(f"{year},MSSIB,SLD,{school_year},NONSEND,NONSEND,{school_year + 1},1")
        rows.append(f"{year},MMSIB,ASD,3,NONSEND,NONSEND,4,{census[3]}")
        rows.append(f"{year},MSSIB,SLD,3,NONSEND,NONSEND,4,11")
    transitions = folder / "send_transitions.csv"
    transitions.write_text("\n".join(rows) + "\n", encoding="utf-8")
    workspace.catalogue.add_source(transitions, "send_transitions", owner="SEND", description="Transitions.")
    (workspace.path / "forecasting").mkdir()
    (workspace.path / "forecasting" / "send-population.csv").write_text(
        "calendar-year,academic-year,population\n" + "".join(
            f"{year},{school_year},{1000 if school_year == 0 else 0}\n"
            for year in range(2022, 2032) for school_year in range(4)), encoding="utf-8")
    return workspace


@pytest.fixture(scope="module")
def forecast_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    workspace = build_forecast_workspace(tmp_path_factory.mktemp("forecast-pages"))
    for role in (Role.ANALYST, Role.MANAGER, Role.PRACTITIONER):
        workspace.users.add(f"{role.value}.forecasts", role, password=PASSWORD, display_name=f"Test {role.value}")
    yield workspace
    workspace.close()


@pytest.fixture
def signed_in(forecast_workspace: Workspace, make_client: Any) -> Any:
    """``signed_in(role)``: an in-process client on the module's workspace, signed in through the form."""
    from townhall.web import create_app

    def sign_in(role: Role) -> TestClient:
        client = make_client(create_app(forecast_workspace))
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        answer = client.post("/login", data={"username": f"{role.value}.forecasts", "password": PASSWORD,
                                             "next": "/", "csrf_token": token})
        assert answer.status_code == 303
        return client

    return sign_in


def test_the_forecasts_page_lists_each_series_and_flags_small_counts(signed_in: Any) -> None:
    page = signed_in(Role.ANALYST).get("/forecasts")
    assert page.status_code == 200
    assert "Housing repairs" in page.text and "All areas" in page.text
    assert 'href="/forecasts/series/housing-repairs--tannery"' in page.text
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", page.text, flags=re.S)
    tannery = next(row for row in rows if "Tannery" in row)
    walshaw = next(row for row in rows if "Walshaw" in row)
    assert "Yes: protected" in tannery and "No" in walshaw and "42 months" in walshaw
    assert 'href="/forecasts/send"' in page.text


def test_a_series_with_small_counts_shows_protected_history_and_a_rounded_forecast(signed_in: Any) -> None:
    page = signed_in(Role.MANAGER).get("/forecasts/series/housing-repairs--tannery")
    assert page.status_code == 200
    assert 'role="img"' in page.text and "80% and 95% prediction intervals" in page.text
    assert "was chosen" in page.text or "is used" in page.text
    assert page.text.count("Seasonal naive (the same period last season)") >= 1 and "ARIMA" in page.text
    assert "Theta" in page.text and "Complex exponential smoothing (CES)" in page.text
    assert "MASE</strong> (mean absolute scaled error) is" in page.text
    assert "<strong>Interval coverage</strong> is how often" in page.text
    assert "[c]" in page.text  # small months of history are hidden
    forecast_region = page.text.split('aria-label="Forecast by month"')[1].split("</table>")[0]
    cells = re.findall(r'govuk-table__cell--numeric">([^<]*)</td>', forecast_region)
    figures = [int(part.replace(",", "")) for cell in cells for part in cell.split(" to ")]
    assert len(figures) == 12 * 5 and all(value % 5 == 0 for value in figures)
    assert "rounded to the nearest 5" in page.text
    assert signed_in(Role.ANALYST).get("/forecasts/series/no-such-series").status_code == 404


def test_the_send_page_shows_every_scenario_beside_the_baseline(signed_in: Any,
                                                                forecast_workspace: Workspace) -> None:
    page = signed_in(Role.ANALYST).get("/forecasts/send")
    assert page.status_code == 200
    side_by_side = page.text.split('aria-label="Scenarios side by side"')[1].split("</table>")[0]
    for name in ("Baseline", "Fewer joiners to special schools", "Recent history only",
                 "New housing: 500 more young children"):
        assert name in side_by_side
    assert side_by_side.count("£") >= 10
    assert page.text.count('role="img"') == 4  # a chart for each scenario against the baseline
    assert "illustrative figures for the demo" in page.text
    assert "population projections saved in the workspace" in page.text
    entries = forecast_workspace.audit.entries(action="forecast.send")
    assert entries and entries[0].details["population_from"] == "file" and entries[0].details["scenarios"] == 4


def test_another_registered_source_can_be_chosen_and_its_records_counted(signed_in: Any) -> None:
    client = signed_in(Role.ANALYST)
    chosen = client.get("/forecasts?source=send_transitions")
    assert chosen.status_code == 200 and 'name="date_field"' in chosen.text and ">calendar-year<" in chosen.text
    yearly = client.get("/forecasts?source=send_transitions&date_field=calendar-year&period=yearly")
    assert yearly.status_code == 200 and "3 years" in yearly.text
    link = re.search(r'href="(/forecasts/series/all\?[^"]+)"', yearly.text)
    assert link and "date_field=calendar-year" in link.group(1)
    too_short = client.get(link.group(1).replace("&amp;", "&"))
    assert too_short.status_code == 200 and "forecasting needs at least 6 periods" in too_short.text


def test_pages_say_plainly_when_no_source_is_set_or_costs_are_missing(signed_in: Any,
                                                                     forecast_workspace: Workspace) -> None:
    client = signed_in(Role.ANALYST)
    forecast_workspace.config.extra["forecasting"] = {"demand_source": "", "send_source": ""}
    try:
        page = client.get("/forecasts")
        assert page.status_code == 200
        assert "No demand source is set: name one in townhall.toml [forecasting] demand_source" in page.text
        send = client.get("/forecasts/send")
        assert send.status_code == 200
        assert "No SEND transitions source is set: name one in townhall.toml [forecasting] send_source" in send.text
        assert '<option value="send_transitions">send_transitions</option>' in send.text  # the sources to choose
    finally:
        del forecast_workspace.config.extra["forecasting"]
    costs = forecast_workspace.path / "forecasting" / "send-costs.csv"
    costs.write_text("setting,cost\nMMSIB,14000\n", encoding="utf-8")
    try:
        refused = client.get("/forecasts/send")
    finally:
        costs.unlink()
    assert refused.status_code == 200 and "has no cost for 1 setting in the transitions: MSSIB" in refused.text


def test_practitioners_do_not_see_forecasts(signed_in: Any) -> None:
    client = signed_in(Role.PRACTITIONER)
    assert client.get("/forecasts").status_code == 403
    assert client.get("/forecasts/send").status_code == 403
    assert 'href="/forecasts"' not in client.get("/").text


@pytest.mark.browser
def test_an_analyst_reads_a_forecast_and_the_scenarios_in_a_browser(  # type: ignore[no-untyped-def]
        tmp_path_factory: pytest.TempPathFactory, forecast_workspace: Workspace, serve_for_browser, browser,
        signed_in_page, check_accessibility, screenshot) -> None:
    """Last in the module: it serves the module's workspace (so the forecast made above is reused) and closes it."""
    folder = tmp_path_factory.mktemp("forecast-browser")
    with serve_for_browser(folder, lambda _folder: forecast_workspace, (Role.ANALYST,),
                           username_suffix="browser") as site:
        page = signed_in_page(browser, site, Role.ANALYST)
        page.get_by_role("link", name="Forecasts").first.click()
        page.wait_for_url("**/forecasts")
        assert page.get_by_role("heading", level=1).inner_text() == "Forecasts"
        check_accessibility(page)
        page.get_by_role("link", name=re.compile("^Tannery")).click()
        page.wait_for_url("**/forecasts/series/housing-repairs--tannery")
        chart = page.get_by_role("img", name=re.compile("Line chart of Housing repairs, Tannery"))
        assert chart.is_visible() and chart.bounding_box()["width"] > 300
        assert page.get_by_role("region", name="Backtest accuracy").is_visible()
        check_accessibility(page)
        screenshot(page, "forecast-series")
        page.goto("/forecasts/send")
        assert page.get_by_role("heading", level=1).inner_text() == "SEND projection"
        assert page.get_by_role("region", name="Scenarios side by side").locator("tbody tr").count() == 5
        check_accessibility(page)
        screenshot(page, "forecast-send")
        page.context.close()
        assert not site.console_errors, "\n".join(site.console_errors)
