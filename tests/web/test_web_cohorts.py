"""The cohort pages: rule files listed, a run with protected counts for everyone and households for case roles only."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from townhall.governance.users import Role
from townhall.identity.cohorts import SHIPPED_RULES_FOLDER, run_cohort
from townhall.workspace import Workspace

RUN_PAGE = "/cohorts/built-in/troubled-families"


@pytest.fixture
def workspace(linked_demo: Workspace) -> Workspace:
    """The web fixtures (people, client) serve the linked demo in this module."""
    return linked_demo


def _ward_figures(page: Response) -> list[str]:
    """The figures in the ward table (the table beside the chart)."""
    table = page.text.split('aria-label="Households in the cohort by ward"', 1)[1].split("</table>", 1)[0]
    return [cell.strip() for cell in re.findall(r'govuk-table__cell--numeric">([^<]*)<', table)]


def test_everyone_signed_in_sees_the_rule_files(client: TestClient, people: dict[Role, str], signed_in: Callable[...,
        TestClient], main_text: Callable[[Response], str]) -> None:
    for role in Role:
        page = signed_in(client, people[role]).get("/cohorts")
        assert page.status_code == 200, role
        assert f'href="{RUN_PAGE}"' in page.text
        assert "Troubled Families" in main_text(page) and "Built into townhall" in main_text(page)


def test_analysts_and_managers_see_protected_counts_but_no_households(
        client: TestClient, people: dict[Role, str], linked_demo: Workspace, signed_in: Callable[..., TestClient],
        main_text: Callable[[Response], str]) -> None:
    expected = run_cohort(linked_demo, SHIPPED_RULES_FOLDER / "troubled-families.yaml")
    assert expected.households
    for role in (Role.ANALYST, Role.MANAGER):
        page = signed_in(client, people[role]).get(RUN_PAGE)
        assert page.status_code == 200, page.text
        text = main_text(page)
        assert "Counts under 10 are hidden and other counts are rounded to the nearest 5." in text
        for criterion in expected.rules.criteria:
            assert criterion.label in text
        assert '<svg viewBox' in page.text and 'role="img"' in page.text
        assert "only to practitioners, governance officers and administrators" in text
        for household in expected.households:
            assert household.household_id not in page.text
        entry = linked_demo.audit.entries(action="cohort.run", actor=people[role])[0]
        assert entry.subject == "troubled-families.yaml"
        assert entry.details["households"] == expected.household_count and entry.details["households_shown"] == 0


def test_every_published_figure_is_hidden_or_a_rounded_count_of_ten_or_more(
        client: TestClient, people: dict[Role, str], linked_demo: Workspace, signed_in: Callable[...,
        TestClient]) -> None:
    page = signed_in(client, people[Role.MANAGER]).get(RUN_PAGE)
    figures = _ward_figures(page)
    expected = run_cohort(linked_demo, SHIPPED_RULES_FOLDER / "troubled-families.yaml")
    assert len(figures) == len(expected.ward_table.frame)
    assert figures == expected.ward_table.display_frame()["households"].tolist()
    criteria_table = page.text.split('aria-label="Criteria"', 1)[1].split("</table>", 1)[0]
    for figure in [*figures, *re.findall(r'govuk-table__cell--numeric">([^<]*)<', criteria_table)]:
        figure = figure.strip()
        assert figure == "[c]" or (int(figure.replace(",", "")) >= 10 and int(figure.replace(",", "")) % 5 == 0)
    # The chart draws the same figures: a bar for each shown figure, "hidden" for each hidden one.
    chart = page.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert chart.count("<rect") == sum(1 for figure in figures[:-1] if figure != "[c]")
    assert chart.count("[c] hidden") == sum(1 for figure in figures[:-1] if figure == "[c]")


def test_case_roles_also_see_the_households_and_the_run_is_audited(
        client: TestClient, people: dict[Role, str], linked_demo: Workspace, signed_in: Callable[..., TestClient],
        main_text: Callable[[Response], str]) -> None:
    expected = run_cohort(linked_demo, SHIPPED_RULES_FOLDER / "troubled-families.yaml")
    for role in (Role.PRACTITIONER, Role.GOVERNANCE, Role.ADMIN):
        page = signed_in(client, people[role]).get(RUN_PAGE)
        assert page.status_code == 200
        text = main_text(page)
        assert "This list identifies households" in text
        for household in expected.households:
            assert household.household_id in text
            for key in household.criteria:
                assert expected.rules.criterion(key).label in text
        entry = linked_demo.audit.entries(action="cohort.run", actor=people[role])[0]
        assert entry.details == {"rule_file": "troubled-families.yaml", "location": "built-in",
                                 "households": expected.household_count,
                                 "households_shown": expected.household_count}


def test_a_workspace_rule_file_runs_and_a_broken_one_explains_itself(
        client: TestClient, people: dict[Role, str], linked_demo: Workspace, signed_in: Callable[..., TestClient],
        main_text: Callable[[Response], str]) -> None:
    folder = linked_demo.path / "cohorts"
    folder.mkdir()
    rules = (SHIPPED_RULES_FOLDER / "troubled-families.yaml").read_text(encoding="utf-8")
    (folder / "families.yaml").write_text(rules.replace("name: Troubled Families", "name: Ashbury Families"),
                                          encoding="utf-8")
    (folder / "broken.yaml").write_text(rules.replace("members: child", "members: children"), encoding="utf-8")
    signed_in = signed_in(client, people[Role.ANALYST])
    listing = main_text(signed_in.get("/cohorts"))
    assert "Ashbury Families" in listing and "This workspace" in listing
    assert "This file cannot be used" in listing and "criteria[2].members" in listing
    page = signed_in.get("/cohorts/workspace/families")
    assert page.status_code == 200 and "Ashbury Families" in main_text(page)
    broken = signed_in.get("/cohorts/workspace/broken")
    assert broken.status_code == 400 and "criteria[2].members" in main_text(broken)
    for missing in ("/cohorts/workspace/nothing", "/cohorts/elsewhere/troubled-families",
                    "/cohorts/workspace/..%2F..%2Ftownhall"):
        assert signed_in.get(missing).status_code == 404, missing


def test_before_linking_the_pages_say_the_records_must_be_linked_first(
        tmp_path: Path, make_client: Callable[[FastAPI], TestClient], sign_in: Callable[..., Response],
        main_text: Callable[[Response], str]) -> None:
    from townhall.web import create_app

    empty = Workspace.create(tmp_path / "empty", "Testshire")
    empty.users.add("ana.lyst", Role.ANALYST, password="a long test password")
    with make_client(create_app(empty)) as client:
        sign_in(client, "ana.lyst", "a long test password")
        assert "townhall link" in main_text(client.get("/cohorts"))
        page = client.get(RUN_PAGE)
        assert page.status_code == 400 and "townhall link" in main_text(page)
    assert not empty.audit.entries(action="cohort.run")
    empty.close()


def test_with_a_looser_rule_the_chart_draws_bars_in_proportion_to_the_table(
        client: TestClient, people: dict[Role, str], linked_demo: Workspace, signed_in: Callable[..., TestClient],
        main_text: Callable[[Response], str]) -> None:
    linked_demo.config.disclosure.threshold = 0
    linked_demo.config.disclosure.rounding = 1
    page = signed_in(client, people[Role.MANAGER]).get(RUN_PAGE)
    assert "Counts are shown exactly: none are hidden or rounded." in main_text(page)
    figures = [int(figure) for figure in _ward_figures(page)]
    expected = run_cohort(linked_demo, SHIPPED_RULES_FOLDER / "troubled-families.yaml")
    assert figures[-1] == expected.household_count > 0 and sum(figures[:-1]) == figures[-1]
    chart = page.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    widths = [int(width) for width in re.findall(r'<rect [^>]*width="(\d+)"', chart)]
    assert len(widths) == len(figures) - 1  # one bar per ward and one for those not placed; none for the total
    largest = max(figures[:-1])
    for width, figure in zip(widths, figures[:-1], strict=True):
        assert abs(width - 330 * figure / largest) <= 1
