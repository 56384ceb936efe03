"""The review queue: a team's scored list with bands, reasons and what each case is; decisions, overrides and the
report back to analysts. Built on a copy of the linked demo with a small scored list written straight into the
decisions tables (the contract the scoring code writes to)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta

import pytest

from townhall.decisions.definition import builtin_definitions
from townhall.decisions.queue import (
    WITHHELD,
    is_override,
    override_report,
    queue_models,
    record_decision,
    review_queue,
)
from townhall.decisions.store import ensure_tables, model_folder
from townhall.errors import AccessDeniedError, TownhallError
from townhall.governance.disclosure import DisclosureRule
from townhall.governance.users import Role, User
from townhall.workspace import Workspace

MODEL = "hidden-hmos"
HOUSING = User("ian.inspector", "Ian Clarke", Role.PRACTITIONER, "Private Sector Housing")
EARLY_HELP = User("pat.practitioner", "Pat O'Neill", Role.PRACTITIONER, "Early Help")
GOVERNANCE = User("gina.governance", "Gina Okafor", Role.GOVERNANCE, "Information Governance")
ANALYST = User("asha.analyst", "Asha Patel", Role.ANALYST, "Business Intelligence")
REASON = "Several adults and recent noise complaints at the address"


def install_model(workspace: Workspace, name: str) -> None:
    """Put a built-in definition where a trained model keeps it (definition.yaml in its model folder)."""
    folder = model_folder(workspace, name)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(builtin_definitions()[name], folder / "definition.yaml")


def insert_scored_list(workspace: Workspace, model: str, run_id: str, units: list[tuple[str, str, bool]], *,
                       as_of: date = date(2026, 1, 1), scored_at: datetime | None = None) -> None:
    """A scoring run as score_model writes it, finished now unless ``scored_at`` says otherwise: ``units`` are
    (unit id, band, in top k) in rank order, each with one reason naming the unit so tests can tell them apart."""
    scored_at = scored_at or datetime.now(UTC)
    with workspace.analytics.transaction() as connection:
        ensure_tables(connection)
        connection.execute(
            "insert into decisions.runs values (?, ?, 'score', ?, ?, ?, ?, 'logistic', '{}', '[]', 'test')",
            [model, run_id, as_of, scored_at - timedelta(minutes=1), scored_at, len(units)])
        for rank, (unit_id, band, in_top_k) in enumerate(units, start=1):
            probability = {"high": 0.4, "medium": 0.1, "low": 0.01}[band] - rank / 10_000
            connection.execute(
                "insert into decisions.predictions values (?, ?, 'score', null, ?, ?, ?, null, ?, ?, ?, null, "
                "'logistic')", [model, run_id, as_of, unit_id, probability, rank, in_top_k, band])
            connection.execute(
                "insert into decisions.reasons values (?, ?, ?, ?, 1, 'adults_at_address', '6', 0.8, ?)",
                [model, run_id, unit_id, as_of, f"6 different people linked to the address, unit {unit_id} "
                                               "(raises the score)"])


def gazetteer_uprns(workspace: Workspace, count: int) -> list[str]:
    """UPRNs of homes in the demo's gazetteer with no withheld address linked to them."""
    with workspace.analytics.connect(read_only=True) as connection:
        rows = connection.execute(
            """select cast(UPRN as varchar) from sources.address_gazetteer g where not exists (
                   select 1 from identity.records r join identity.persons p using (person_id)
                   where r.uprn = cast(g.UPRN as varchar) and p.address_withheld)
               order by UPRN limit ?""", [count]).fetchall()
    return [row[0] for row in rows]


def withhold_an_address(workspace: Workspace) -> str:
    """Mark one person with a record at a gazetteer UPRN as having their address withheld (as the vulnerability
    register does for someone fleeing domestic abuse); returns that UPRN."""
    with workspace.analytics.transaction() as connection:
        uprn, person_id = connection.execute(
            """select r.uprn, min(r.person_id) from identity.records r
               join sources.address_gazetteer g on cast(g.UPRN as varchar) = r.uprn
               group by r.uprn order by r.uprn limit 1""").fetchone()
        connection.execute("update identity.persons set address_withheld = true where person_id = ?", [person_id])
    return uprn


@pytest.fixture
def scored(linked_demo: Workspace) -> tuple[Workspace, list[str]]:
    """The demo with the hidden-HMO model's list: 4 of 6 properties on the list (high, high, medium, low)."""
    install_model(linked_demo, MODEL)
    uprns = gazetteer_uprns(linked_demo, 6)
    insert_scored_list(linked_demo, MODEL, "run-1", scored_at=datetime.now(UTC) - timedelta(days=30), units=[
        (uprns[0], "high", True), (uprns[1], "high", True), (uprns[2], "medium", True), (uprns[3], "low", True),
        (uprns[4], "low", False), (uprns[5], "low", False)])
    return linked_demo, uprns


def test_a_practitioner_sees_their_teams_list_in_rank_order_with_bands_reasons_and_addresses(scored) -> None:
    workspace, uprns = scored
    queue = review_queue(workspace, HOUSING, MODEL)
    assert [case.unit_id for case in queue.cases] == uprns[:4]
    assert [case.band_label for case in queue.cases] == ["High likelihood", "High likelihood", "Medium likelihood",
                                                         "Low likelihood"]
    assert all(case.reasons == [f"6 different people linked to the address, unit {case.unit_id} (raises the score)"]
               for case in queue.cases)
    with workspace.analytics.connect(read_only=True) as connection:
        street, postcode = connection.execute(
            "select STREET_DESCRIPTOR, POSTCODE_LOCATOR from sources.address_gazetteer where cast(UPRN as varchar) = ?",
            [uprns[0]]).fetchall()[0]
    first = queue.cases[0].description
    assert first.identifier == f"UPRN {uprns[0]}" and not first.address_withheld
    assert street in first.heading and first.heading.endswith(f"Ashbury {postcode}")
    assert not queue.read_only and queue.model.team == "Private Sector Housing" and queue.model.capacity == 50
    entry = workspace.audit.entries(action="risk.queue_viewed")[0]
    assert entry.actor == HOUSING.username
    assert entry.details == {"model": MODEL, "run_id": "run-1", "cases_shown": 4, "to_decide": 4, "decided": 0,
                             "not_shown": 0}


def test_an_address_where_anyone_linked_has_it_withheld_is_shown_only_to_governance(scored) -> None:
    workspace, _ = scored
    hidden = withhold_an_address(workspace)
    insert_scored_list(workspace, MODEL, "run-2", [(hidden, "high", True)])
    practitioner_view = review_queue(workspace, HOUSING, MODEL).case(hidden)
    governance_view = review_queue(workspace, GOVERNANCE, MODEL).case(hidden)
    assert practitioner_view.description.heading == WITHHELD and practitioner_view.description.address_withheld
    assert governance_view.description.heading != WITHHELD and "AY" in governance_view.description.heading


def test_only_the_models_team_and_governance_see_the_list_and_governance_cannot_decide(scored) -> None:
    workspace, uprns = scored
    assert [model.name for model in queue_models(workspace, HOUSING).models] == [MODEL]
    assert queue_models(workspace, EARLY_HELP).models == []
    with pytest.raises(AccessDeniedError, match="belongs to the Private Sector Housing team"):
        review_queue(workspace, EARLY_HELP, MODEL)
    with pytest.raises(AccessDeniedError, match="Analysts can read the decisions report"):
        review_queue(workspace, ANALYST, MODEL)
    assert review_queue(workspace, GOVERNANCE, MODEL).read_only
    with pytest.raises(AccessDeniedError, match="governance officers can read it but not decide"):
        record_decision(workspace, GOVERNANCE, MODEL, uprns[0], "inspect", REASON)
    with pytest.raises(AccessDeniedError):
        record_decision(workspace, EARLY_HELP, MODEL, uprns[0], "inspect", REASON)


def test_a_decision_needs_a_known_choice_a_reason_of_a_few_words_and_a_case_on_the_list(scored) -> None:
    workspace, uprns = scored
    refused = [(uprns[0], "inspect", "", "Enter the reason for your decision"),
               (uprns[0], "inspect", "   looks odd ", "at least 3 words"),
               (uprns[0], "", REASON, "Select a decision"),
               (uprns[0], "demolish", REASON, "'demolish' is not a decision"),
               (uprns[4], "inspect", REASON, "is not on the review queue")]
    for unit_id, decision, reason, message in refused:
        with pytest.raises(TownhallError, match=message):
            record_decision(workspace, HOUSING, MODEL, unit_id, decision, reason)
    assert review_queue(workspace, HOUSING, MODEL, record_view=False).decided == []
    assert workspace.audit.entries(action="risk.decision_recorded") == []


def test_a_decision_is_stored_flagged_as_an_override_when_it_goes_against_the_band_and_logged_without_its_reason(
        scored) -> None:
    workspace, uprns = scored
    agreeing = record_decision(workspace, HOUSING, MODEL, uprns[0], "Inspect", REASON)
    overriding = record_decision(workspace, HOUSING, MODEL, uprns[1], "no_action",
                                 "Inspected last month, a family home")
    assert (agreeing.decision, agreeing.override) == ("inspect", False)
    assert (overriding.decision, overriding.override, overriding.band) == ("no action", True, "high")
    queue = review_queue(workspace, HOUSING, MODEL, record_view=False)
    assert [case.unit_id for case in queue.decided] == uprns[:2]
    assert [case.unit_id for case in queue.to_decide] == uprns[2:4]
    assert queue.case(uprns[1]).decision.reason == "Inspected last month, a family home"
    entries = workspace.audit.entries(action="risk.decision_recorded")
    assert entries[0].details == {"model": MODEL, "unit_id": uprns[1], "run_id": "run-1", "band": "high",
                                  "decision": "no action", "override": True}
    assert all("family" not in str(entry.details) and "noise" not in str(entry.details) for entry in entries)


def test_overrides_are_no_action_on_high_or_medium_and_action_on_low() -> None:
    assert [is_override(band, "no action") for band in ("high", "medium", "low")] == [True, True, False]
    assert [is_override(band, "inspect") for band in ("high", "medium", "low")] == [False, False, True]
    assert [is_override(band, "refer") for band in ("high", "medium", "low")] == [False, False, True]


def test_undecided_cases_stay_on_the_queue_after_a_new_scoring_run_and_decided_ones_leave_it(scored) -> None:
    workspace, uprns = scored
    record_decision(workspace, HOUSING, MODEL, uprns[0], "inspect", REASON)
    # The next month's list holds different properties: the three undecided cases must not vanish.
    insert_scored_list(workspace, MODEL, "run-2", [
        (uprns[4], "high", True), (uprns[5], "medium", True), (uprns[1], "low", False), (uprns[0], "low", False)],
        as_of=date(2026, 2, 1))
    queue = review_queue(workspace, HOUSING, MODEL, record_view=False)
    assert [case.unit_id for case in queue.cases] == [uprns[4], uprns[5], uprns[1], uprns[2], uprns[3]]
    assert [case.carried_over for case in queue.cases] == [False, False, True, True, True]
    carried = queue.case(uprns[1])
    assert (carried.run_id, carried.band, carried.as_of) == ("run-1", "high", date(2026, 1, 1))
    # A carried-over case decided now is recorded against the list it came from, and stays visible as decided.
    decided = record_decision(workspace, HOUSING, MODEL, uprns[2], "refer", "Tenancy issue for the housing team")
    assert (decided.run_id, decided.override) == ("run-1", False)
    queue = review_queue(workspace, HOUSING, MODEL, record_view=False)
    assert queue.case(uprns[2]).decided and queue.case(uprns[0]) is None


def test_the_override_report_counts_decisions_by_band_and_protects_small_counts_for_managers(scored) -> None:
    workspace, uprns = scored
    record_decision(workspace, HOUSING, MODEL, uprns[0], "inspect", REASON)
    record_decision(workspace, HOUSING, MODEL, uprns[1], "inspect", REASON)
    record_decision(workspace, HOUSING, MODEL, uprns[1], "no action", "Visited last week with the landlord")
    record_decision(workspace, HOUSING, MODEL, uprns[3], "refer", "Disrepair reported by the tenant")
    report = override_report(workspace, MODEL)
    assert report.decisions == 3 and report.overrides == 2 and report.override_rate == pytest.approx(2 / 3)
    assert report.counts.loc["high"].to_dict() == {"inspect": 1, "no action": 1, "refer": 0, "total": 2}
    assert report.counts.loc["low"].to_dict() == {"inspect": 0, "no action": 0, "refer": 1, "total": 1}
    assert [item.reason for item in report.reasons] == ["Disrepair reported by the tenant",
                                                       "Visited last week with the landlord"]
    published = report.published(DisclosureRule(threshold=10, rounding=5))
    assert published.frame[["inspect", "no action", "refer", "total"]].isna().all().all()
    exact = report.published(DisclosureRule(threshold=0, rounding=1)).frame
    assert exact.loc["High likelihood", "no action"] == 1 and exact.loc["Total", "total"] == 3


def test_a_person_case_shows_the_name_and_links_to_the_single_view_and_people_not_in_the_index_are_left_out(
        linked_demo: Workspace) -> None:
    install_model(linked_demo, "childrens-escalation")
    with linked_demo.analytics.connect(read_only=True) as connection:
        person_id, first_name, surname = connection.execute(
            "select person_id, first_name, surname from identity.persons order by person_id limit 1").fetchall()[0]
    insert_scored_list(linked_demo, "childrens-escalation", "run-1",
                       [(person_id, "high", True), ("P-OPTED-OUT", "high", True)])
    early_help = review_queue(linked_demo, EARLY_HELP, "childrens-escalation")
    assert [case.unit_id for case in early_help.cases] == [person_id]
    case = early_help.cases[0]
    assert case.description.heading == f"{first_name} {surname}"
    assert case.description.person_href == f"/people/{person_id}"
    assert early_help.not_shown == 1 and "no longer in the person index" in early_help.notes[0]


def test_a_business_case_shows_the_ratepayer_and_the_property_address(linked_demo: Workspace) -> None:
    install_model(linked_demo, "business-rates")
    with linked_demo.analytics.connect(read_only=True) as connection:
        account, ratepayer, address = connection.execute(
            """select "Account Number", Ratepayer, "Property Address" from sources.business_rates
               order by "Account Number" limit 1""").fetchall()[0]
    insert_scored_list(linked_demo, "business-rates", "run-1", [(account, "medium", True)])
    rates_officer = User("bea.business", "Bea Rahman", Role.PRACTITIONER, "Business Rates")
    case = review_queue(linked_demo, rates_officer, "business-rates").cases[0]
    assert case.description.heading == ratepayer and case.description.identifier == f"Account {account}"
    assert case.description.details[0].startswith(f"Property: {address}")


def test_a_business_register_with_another_name_and_headings_is_read_through_the_settings(
        tiny_housing: Workspace) -> None:
    from .conftest import register_csv

    register_csv(tiny_housing, "ndr_accounts", "Ref,Liable Party,Site\nX1,Bridge Inn,1 Mill Street\n")
    tiny_housing.config.extra["decisions"] = {"business_register": {
        "source": "ndr_accounts", "account": "ref", "name": "Liable Party", "address": "Site", "postcode": "",
        "uprn": "", "start": ""}}
    install_model(tiny_housing, "business-rates")
    insert_scored_list(tiny_housing, "business-rates", "run-1", [("X1", "high", True)])
    rates_officer = User("bea.business", "Bea Rahman", Role.PRACTITIONER, "Business Rates")
    queue = review_queue(tiny_housing, rates_officer, "business-rates")
    description = queue.cases[0].description
    assert description.heading == "Bridge Inn" and description.details == ("Property: 1 Mill Street",)
    assert queue.notes == []


def test_a_model_whose_definition_cannot_be_read_is_listed_with_the_reason(tiny_housing: Workspace) -> None:
    install_model(tiny_housing, MODEL)
    insert_scored_list(tiny_housing, MODEL, "run-1", [(UPRN_ONE, "high", True)])
    broken = model_folder(tiny_housing, "broken-model")
    broken.mkdir(parents=True)
    (broken / "definition.yaml").write_text("name: broken-model\nunit: property\n", encoding="utf-8")
    insert_scored_list(tiny_housing, "broken-model", "run-2", [(UPRN_ONE, "high", True)])
    listing = queue_models(tiny_housing, HOUSING)
    assert [model.name for model in listing.models] == [MODEL]
    assert [item.name for item in listing.unreadable] == ["broken-model"]
    assert "'title' is missing and is required" in listing.unreadable[0].reason


UPRN_ONE = "100000000001"
