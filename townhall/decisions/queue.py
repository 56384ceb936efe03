"""The review queue: a team's risk-ranked list of cases, each with its band and reasons, and the decision a person
records on it. A model never decides: nothing leaves the queue without a person's decision.

The live list is the latest "score" run's top-k (``decisions.predictions`` with ``in_top_k``) for a model whose
``team`` is the practitioner's team; cases still undecided from earlier lists stay on it. Decisions go to
``RiskDecisionRecord`` (the latest per model, unit and list stands); every view and decision is audit-logged with
counts and ids only, never names, addresses or the free-text reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select

from townhall.decisions.store import BANDS, SCHEMA, SCORE, trained_definition
from townhall.errors import AccessDeniedError, TownhallError
from townhall.governance.disclosure import DisclosureRule, ProtectedTable, protect_table
from townhall.governance.users import Role, User
from townhall.store.analytics import quote_identifier
from townhall.store.state import RiskDecisionRecord, RiskOutcomeRecord

if TYPE_CHECKING:
    import duckdb

    from townhall.catalogue.gazetteer import Gazetteer
    from townhall.decisions.definition import UnitRegister
    from townhall.settings.decisions import BusinessRegister
    from townhall.workspace import Workspace

INSPECT = "inspect"
NO_ACTION = "no action"
REFER = "refer"
DECISIONS = (INSPECT, NO_ACTION, REFER)
DECISION_LABELS = {INSPECT: "Inspect or assess", NO_ACTION: "No action", REFER: "Refer to another team"}
BAND_LABELS = {"high": "High likelihood", "medium": "Medium likelihood", "low": "Low likelihood"}
MINIMUM_REASON_WORDS = 3
MAXIMUM_REASON_CHARACTERS = 2_000
# Practitioners decide on their own team's list; governance officers may read any list but decide on none.
DECIDING_ROLES = (Role.PRACTITIONER,)
QUEUE_ROLES = (Role.PRACTITIONER, Role.GOVERNANCE)
# Analysts read the decisions and overrides (with the reasons), never the list of people or properties.
REPORT_ROLES = (Role.ANALYST, Role.GOVERNANCE)
SOURCES_SCHEMA = "sources"  # where the catalogue keeps each registered source's rows
WITHHELD = "Address withheld"


@dataclass(frozen=True)
class QueueModel:
    """A model that feeds a review queue: what it looks for, whose list it is, and its latest scoring run."""

    name: str
    title: str
    unit: str  # "person", "household", "property" or "business"
    team: str
    capacity: int
    purpose: str
    run_id: str
    as_of: date
    scored_at: datetime | None
    high_multiple: float = 3.0  # "high" means at least this many times the base rate
    medium_multiple: float = 1.5

    @property
    def bands_explained(self) -> str:
        """What the bands mean, in one plain-English sentence for the people working the list."""
        return (f"High likelihood: at least {self.high_multiple:g} times as likely as a typical case. Medium: at "
                f"least {self.medium_multiple:g} times. Low: less than that. Even a high case is often not what the "
                "model looks for.")


@dataclass(frozen=True)
class RecordedDecision:
    """A person's decision on a case, as stored."""

    unit_id: str
    run_id: str
    band: str
    decision: str
    reason: str
    override: bool
    decided_by: str
    decided_at: datetime

    @property
    def decision_label(self) -> str:
        """The decision in words ("Inspect or assess")."""
        return DECISION_LABELS.get(self.decision, self.decision)


@dataclass(frozen=True)
class RecordedOutcome:
    """What an inspection or assessment later found for a unit, as stored."""

    unit_id: str
    found: bool
    outcome_date: date
    result: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class CaseDescription:
    """What a case is, for the person deciding: an address, a person's name or a business, and where to see more."""

    heading: str  # e.g. "12 Pembroke Court, Newbold, Ashbury AY3 1NT", "Margaret Smith", "Bridge Inn"
    identifier: str  # e.g. "UPRN 100090000016", "Person P-000123", "Account 40000107"
    details: tuple[str, ...] = ()  # further lines, e.g. the property address of a business
    person_href: str | None = None  # the single view, for person units
    address_withheld: bool = False  # an address exists but is withheld from this viewer


@dataclass
class QueueCase:
    """One case on a review queue: the unit, its band and reasons, what it is and any decision recorded."""

    unit_id: str
    run_id: str
    as_of: date
    rank: int
    band: str
    description: CaseDescription
    reasons: list[str] = field(default_factory=list)
    decision: RecordedDecision | None = None
    earlier_decision: RecordedDecision | None = None  # a decision on an earlier list, for context
    outcomes: list[RecordedOutcome] = field(default_factory=list)
    carried_over: bool = False  # still undecided (or decided since) from an earlier list

    @property
    def band_label(self) -> str:
        """The band in words, never a bare probability ("High likelihood")."""
        return BAND_LABELS.get(self.band, self.band.capitalize())

    @property
    def decided(self) -> bool:
        """Whether a person has recorded a decision on this case."""
        return self.decision is not None


@dataclass
class ReviewQueue:
    """A model's review queue as one person may see it: cases to decide first, then cases decided."""

    model: QueueModel
    cases: list[QueueCase]
    read_only: bool  # governance officers read any queue but decide on none
    not_shown: int = 0  # units no longer in the person index (opted out or re-linked), left out
    notes: list[str] = field(default_factory=list)

    @property
    def to_decide(self) -> list[QueueCase]:
        """Cases waiting for a decision, in rank order (current list first, then carried over)."""
        return [case for case in self.cases if not case.decided]

    @property
    def decided(self) -> list[QueueCase]:
        """Cases decided while on this list."""
        return [case for case in self.cases if case.decided]

    def case(self, unit_id: str) -> QueueCase | None:
        """The case for one unit, if it is on the queue."""
        return next((case for case in self.cases if case.unit_id == unit_id), None)


@dataclass
class OverrideReport:
    """How practitioners decided on a model's lists: decisions by band, how often they went against the model, and
    why. For analysts and governance officers: the reasons are free text and may hold personal data."""

    model: str
    title: str
    counts: pd.DataFrame  # index: band ("high", "medium", "low"); columns: the decisions, then "total"
    decisions: int
    overrides: int
    reasons: list[RecordedDecision]  # the overrides, newest first

    @property
    def override_rate(self) -> float | None:
        """The share of decisions that went against the model's band (None before any decision)."""
        return self.overrides / self.decisions if self.decisions else None

    def published(self, rule: DisclosureRule) -> ProtectedTable:
        """The counts by band and decision as they may be shown to managers: small counts hidden, others rounded."""
        frame = self.counts.drop(columns=["total"]).reset_index()
        frame["band"] = [BAND_LABELS[band] for band in frame["band"]]
        frame = frame.set_index("band", drop=False)
        return protect_table(frame, list(DECISIONS), rule, total_row="Total", total_column="total")


def is_override(band: str, decision: str) -> bool:
    """Whether a decision goes against the model: no action on a high or medium case, or action on a low one."""
    if band in ("high", "medium"):
        return decision == NO_ACTION
    return decision in (INSPECT, REFER)


# --- models and their lists ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnreadableModel:
    """A trained or scored model that cannot be shown, and why (so it is listed, not silently left out)."""

    name: str
    reason: str


@dataclass
class QueueListing:
    """The review queues a person may open, and the models whose queues cannot be read (with the reason)."""

    models: list[QueueModel]
    unreadable: list[UnreadableModel] = field(default_factory=list)


def _has_table(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = connection.execute("select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
                               [schema, table]).fetchall()
    return found[0][0] > 0


def _scored_model_names(connection: duckdb.DuckDBPyConnection) -> list[str]:
    if not _has_table(connection, SCHEMA, "runs"):
        return []
    rows = connection.execute(f"select distinct model from {SCHEMA}.runs where kind = ? order by model",
                              [SCORE]).fetchall()
    return [row[0] for row in rows]


def _score_runs(connection: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """The model's scoring runs, newest first."""
    columns = ["run_id", "as_of", "scored_at"]
    if not _has_table(connection, SCHEMA, "runs"):
        return pd.DataFrame(columns=columns)
    rows = connection.execute(
        f"""select run_id, as_of, coalesce(finished_at, started_at) as scored_at from {SCHEMA}.runs
            where model = ? and kind = ? order by coalesce(finished_at, started_at) desc nulls last, run_id desc""",
        [name, SCORE]).fetchall()
    return pd.DataFrame(rows, columns=columns)


def _queue_model(workspace: Workspace, connection: duckdb.DuckDBPyConnection, name: str) -> QueueModel:
    definition = trained_definition(workspace, name)
    runs = _score_runs(connection, name)
    if runs.empty:
        raise TownhallError(f"The model '{name}' has not scored a list yet. An analyst scores it with "
                            f"'townhall risk score {name}'.")
    latest = runs.iloc[0]
    return QueueModel(
        name=name, title=definition.title, unit=definition.unit, team=definition.team,
        capacity=int(definition.capacity), purpose=definition.purpose, run_id=str(latest["run_id"]),
        as_of=pd.Timestamp(latest["as_of"]).date(),
        scored_at=None if pd.isna(latest["scored_at"]) else pd.Timestamp(latest["scored_at"]).to_pydatetime(),
        high_multiple=float(definition.bands.high), medium_multiple=float(definition.bands.medium))


def queue_models(workspace: Workspace, user: User) -> QueueListing:
    """The models with a scored list this person may see: their team's (practitioners), every one (governance and
    analysts, who see only the decisions report), none for anyone else. A model whose saved definition cannot be
    read is listed in ``unreadable`` with the reason, so its queue does not vanish without a word."""
    if not user.has_role(*QUEUE_ROLES, *REPORT_ROLES):
        return QueueListing([])
    listing = QueueListing([])
    with workspace.analytics.connect(read_only=True) as connection:
        for name in _scored_model_names(connection):
            try:
                model = _queue_model(workspace, connection, name)
            except TownhallError as error:
                listing.unreadable.append(UnreadableModel(name, str(error)))
                continue
            if user.has_role(Role.PRACTITIONER) and not _same_team(user.team, model.team):
                continue
            listing.models.append(model)
    return listing


def _same_team(user_team: str | None, model_team: str) -> bool:
    if not user_team:
        return False
    return user_team.strip().casefold() == model_team.strip().casefold()


def _check_may_see_queue(user: User, model: QueueModel) -> None:
    if user.has_role(Role.GOVERNANCE):
        return
    if user.has_role(Role.PRACTITIONER):
        if _same_team(user.team, model.team):
            return
        raise AccessDeniedError(
            f"The review queue for '{model.title}' belongs to the {model.team} team, and your account is "
            f"{'in the ' + user.team + ' team' if user.team else 'not in a team'}. Ask your townhall administrator "
            "if you should be in that team.")
    raise AccessDeniedError(
        "Review queues list individual people, properties or businesses, so only practitioners in the model's team "
        "and governance officers can see them. Analysts can read the decisions report instead.")


def _check_may_decide(user: User, model: QueueModel) -> None:
    _check_may_see_queue(user, model)
    if not user.has_role(*DECIDING_ROLES):
        raise AccessDeniedError(
            f"Only practitioners in the {model.team} team can record decisions on this queue; governance officers "
            "can read it but not decide.")


def check_may_decide(workspace: Workspace, user: User, model: str) -> QueueModel:
    """The model, if this person may record decisions and outcomes on its queue; raises AccessDeniedError if not."""
    with workspace.analytics.connect(read_only=True) as connection:
        queue_model = _queue_model(workspace, connection, model)
    _check_may_decide(user, queue_model)
    return queue_model


def review_queue(workspace: Workspace, user: User, model: str, *, record_view: bool = True) -> ReviewQueue:
    """The model's review queue for this person: the latest list's top cases in rank order with band, reasons, what
    each case is and any decision, plus cases still undecided from earlier lists. Each view is audit-logged."""
    sources = case_sources(workspace, model)  # read before the connection opens: the catalogue opens its own
    with workspace.analytics.connect(read_only=True) as connection:
        queue_model = _queue_model(workspace, connection, model)
        _check_may_see_queue(user, queue_model)
        queue = _build_queue(workspace, connection, queue_model, show_withheld=user.has_role(Role.GOVERNANCE),
                             sources=sources)
    queue.read_only = not user.has_role(*DECIDING_ROLES)
    if record_view:
        workspace.audit.record(user.username, "risk.queue_viewed", model, details={
            "model": model, "run_id": queue_model.run_id, "cases_shown": len(queue.cases),
            "to_decide": len(queue.to_decide), "decided": len(queue.decided), "not_shown": queue.not_shown,
        })
    return queue


def _listed_cases(connection: duckdb.DuckDBPyConnection, model: QueueModel) -> pd.DataFrame:
    """Every unit that was on one of the model's lists (top-k of a scoring run), with when that list was made."""
    runs = _score_runs(connection, model.name)
    listed = connection.execute(
        f"""select run_id, as_of, unit_id, rank, band from {SCHEMA}.predictions
            where model = ? and kind = ? and in_top_k""", [model.name, SCORE]).df()
    order = {run_id: position for position, run_id in enumerate(runs["run_id"])}  # 0 is the newest
    listed = listed[listed["run_id"].isin(order)].copy()
    listed["run_order"] = listed["run_id"].map(order)
    listed["unit_id"] = listed["unit_id"].astype(str)
    listed["scored_at"] = listed["run_id"].map(dict(zip(runs["run_id"], runs["scored_at"], strict=True)))
    return listed


def _decisions(workspace: Workspace, model: str) -> list[RecordedDecision]:
    """Every decision recorded on the model's lists, oldest first (so the latest wins when put in a dictionary)."""
    with workspace.state.session() as session:
        records = session.execute(select(RiskDecisionRecord).where(RiskDecisionRecord.model == model)
                                  .order_by(RiskDecisionRecord.decided_at, RiskDecisionRecord.id)).scalars().all()
        return [RecordedDecision(unit_id=record.unit_id, run_id=record.run_id, band=record.band,
                                 decision=record.decision, reason=record.reason, override=record.override,
                                 decided_by=record.decided_by, decided_at=_aware(record.decided_at))
                for record in records]


def _outcomes(workspace: Workspace, model: str, unit_ids: Iterable[str]) -> dict[str, list[RecordedOutcome]]:
    """The results recorded for these units, by unit, in date order."""
    wanted = set(unit_ids)
    found: dict[str, list[RecordedOutcome]] = {}
    with workspace.state.session() as session:
        records = session.execute(select(RiskOutcomeRecord).where(RiskOutcomeRecord.model == model)
                                  .order_by(RiskOutcomeRecord.outcome_date, RiskOutcomeRecord.id)).scalars().all()
        for record in records:
            if record.unit_id in wanted:
                found.setdefault(record.unit_id, []).append(RecordedOutcome(
                    unit_id=record.unit_id, found=record.outcome, outcome_date=record.outcome_date,
                    result=record.result, recorded_by=record.recorded_by, recorded_at=_aware(record.recorded_at)))
    return found


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive times: they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _open_cases(listed: pd.DataFrame, decisions: list[RecordedDecision]) -> pd.DataFrame:
    """Which listing of each unit is its case now: the latest list's top-k, plus each other unit's latest listing
    when it is still undecided, or was decided after the latest list was made (decided cases stay visible)."""
    if listed.empty:
        return listed.assign(carried_over=pd.Series(dtype=bool))
    latest_scored_at = listed.loc[listed["run_order"] == listed["run_order"].min(), "scored_at"].iloc[0]
    latest_run = listed.loc[listed["run_order"] == listed["run_order"].min(), "run_id"].iloc[0]
    decided_on = {(decision.unit_id, decision.run_id): decision for decision in decisions}  # latest wins
    newest_listing = listed.sort_values(["unit_id", "run_order"]).drop_duplicates("unit_id", keep="first")
    keep = []
    for row in newest_listing.itertuples(index=False):
        decision = decided_on.get((row.unit_id, row.run_id))
        if row.run_id == latest_run or decision is None:
            keep.append(True)
            continue
        keep.append(pd.isna(latest_scored_at) or pd.Timestamp(decision.decided_at) >= pd.Timestamp(latest_scored_at))
    cases = newest_listing[keep].copy()
    cases["carried_over"] = cases["run_id"] != latest_run
    return cases.sort_values(["carried_over", "run_order", "rank"], ascending=[True, False, True])


def _build_queue(workspace: Workspace, connection: duckdb.DuckDBPyConnection, model: QueueModel, *,
                 show_withheld: bool, sources: CaseSources) -> ReviewQueue:
    listed = _listed_cases(connection, model)
    decisions = _decisions(workspace, model.name)
    cases = _open_cases(listed, decisions)
    unit_ids = list(cases["unit_id"])
    descriptions, notes = describe_units(connection, model.unit, unit_ids, show_withheld=show_withheld,
                                         sources=sources)
    reasons = _reasons(connection, model.name, cases)
    outcomes = _outcomes(workspace, model.name, unit_ids)
    decided_on = {(decision.unit_id, decision.run_id): decision for decision in decisions}
    latest_by_unit = {decision.unit_id: decision for decision in decisions}
    queue_cases = []
    not_shown = 0
    for row in cases.itertuples(index=False):
        description = descriptions.get(row.unit_id)
        if description is None:
            not_shown += 1
            continue
        decision = decided_on.get((row.unit_id, row.run_id))
        earlier = latest_by_unit.get(row.unit_id)
        queue_cases.append(QueueCase(
            unit_id=row.unit_id, run_id=row.run_id, as_of=pd.Timestamp(row.as_of).date(), rank=int(row.rank),
            band=str(row.band), description=description, reasons=reasons.get((row.run_id, row.unit_id), []),
            decision=decision, earlier_decision=earlier if decision is None else None,
            outcomes=outcomes.get(row.unit_id, []), carried_over=bool(row.carried_over)))
    if not_shown:
        notes.append(f"{not_shown} {'case is' if not_shown == 1 else 'cases are'} not shown because {model.unit}s "
                     "on the list are no longer in the person index (someone opted out, or the records were linked "
                     "again since the list was scored).")
    return ReviewQueue(model=model, cases=queue_cases, read_only=True, not_shown=not_shown, notes=notes)


def _open_case(workspace: Workspace, connection: duckdb.DuckDBPyConnection, model: QueueModel,
               unit_id: str, sources: CaseSources) -> QueueCase | None:
    """One unit's case if it is on the queue now (and can be shown), without describing every other case."""
    cases = _open_cases(_listed_cases(connection, model), _decisions(workspace, model.name))
    cases = cases[cases["unit_id"] == unit_id]
    if cases.empty:
        return None
    descriptions, _ = describe_units(connection, model.unit, [unit_id], show_withheld=False, sources=sources)
    if unit_id not in descriptions:
        return None
    row = next(cases.itertuples(index=False))
    return QueueCase(unit_id=unit_id, run_id=row.run_id, as_of=pd.Timestamp(row.as_of).date(), rank=int(row.rank),
                     band=str(row.band), description=descriptions[unit_id], carried_over=bool(row.carried_over))


def _reasons(connection: duckdb.DuckDBPyConnection, model: str,
             cases: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    if cases.empty or not _has_table(connection, SCHEMA, "reasons"):
        return {}
    keys = cases[["run_id", "unit_id"]].drop_duplicates()
    connection.register("_queue_cases", keys)
    frame = connection.execute(
        f"""select r.run_id, r.unit_id, r.sentence from {SCHEMA}.reasons r
            join _queue_cases c on c.run_id = r.run_id and c.unit_id = r.unit_id
            where r.model = ? order by r.run_id, r.unit_id, r.position""", [model]).df()
    connection.unregister("_queue_cases")
    found: dict[tuple[str, str], list[str]] = {}
    for row in frame.itertuples(index=False):
        found.setdefault((row.run_id, row.unit_id), []).append(row.sentence)
    return found


# --- what each case is ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseSources:
    """Where the queue reads what each case is: the address gazetteer (through the gazetteer service), the business
    register (``[decisions]``) and the model's own unit register, for units such as inspections."""

    gazetteer: Gazetteer | None
    gazetteer_name: str  # the configured source name, for messages when it is not registered
    business: BusinessRegister
    register: UnitRegister | None = None


def case_sources(workspace: Workspace, model: str) -> CaseSources:
    """The sources describing a model's cases, read from the workspace's settings and catalogue."""
    from townhall.catalogue.gazetteer import find_gazetteer
    from townhall.decisions.definition import resolve_units

    return CaseSources(find_gazetteer(workspace), workspace.settings.gazetteer.source,
                       workspace.settings.decisions.business_register,
                       resolve_units(workspace, trained_definition(workspace, model)))


def describe_units(connection: duckdb.DuckDBPyConnection, unit: str, unit_ids: list[str], *, show_withheld: bool,
                   sources: CaseSources) -> tuple[dict[str, CaseDescription], list[str]]:
    """What each unit is, for the person deciding; units that cannot be shown (people no longer in the index) are
    missing from the result. Returns the descriptions and plain-English notes on anything that could not be found."""
    if not unit_ids:
        return {}, []
    if unit == "person":
        return _describe_people(connection, unit_ids), []
    if unit == "household":
        return _describe_households(connection, unit_ids, show_withheld=show_withheld), []
    if unit == "business":
        return _describe_businesses(connection, unit_ids, show_withheld=show_withheld, sources=sources)
    if unit == "property":
        return _describe_properties(connection, unit_ids, show_withheld=show_withheld, sources=sources)
    noun = unit.capitalize()
    return {unit_id: CaseDescription(heading=f"{noun} {unit_id}", identifier=f"{noun} {unit_id}")
            for unit_id in unit_ids}, []


def _query(connection: duckdb.DuckDBPyConnection, sql: str, unit_ids: list[str]) -> pd.DataFrame:
    """Run ``sql`` with the unit ids registered as the table ``_units`` (one column, unit_id)."""
    connection.register("_units", pd.DataFrame({"unit_id": [str(unit_id) for unit_id in unit_ids]}))
    try:
        return connection.execute(sql).df()
    finally:
        connection.unregister("_units")


def _index_built(connection: duckdb.DuckDBPyConnection) -> bool:
    return all(_has_table(connection, "identity", table) for table in ("records", "persons", "households"))


def _describe_people(connection: duckdb.DuckDBPyConnection, unit_ids: list[str]) -> dict[str, CaseDescription]:
    """People by name with a link to their single view; people not in the index (opted out) are left out."""
    if not _index_built(connection):
        return {}
    frame = _query(connection, """select p.person_id, p.first_name, p.surname, p.date_of_birth
                                 from identity.persons p join _units u on u.unit_id = p.person_id""", unit_ids)
    descriptions = {}
    for row in frame.itertuples(index=False):
        name = " ".join(str(part) for part in (row.first_name, row.surname) if isinstance(part, str) and part)
        born = "" if pd.isna(row.date_of_birth) else f"Born {pd.Timestamp(row.date_of_birth):%-d %B %Y}"
        descriptions[row.person_id] = CaseDescription(
            heading=name or "Name not recorded", identifier=f"Person {row.person_id}",
            details=(born,) if born else (), person_href=f"/people/{row.person_id}")
    return descriptions


def _describe_households(connection: duckdb.DuckDBPyConnection, unit_ids: list[str], *,
                         show_withheld: bool) -> dict[str, CaseDescription]:
    if not _index_built(connection):
        return {}
    frame = _query(connection, """select h.household_id, h.address, h.postcode, h.members, h.address_withheld
                                 from identity.households h join _units u on u.unit_id = h.household_id""", unit_ids)
    descriptions = {}
    for row in frame.itertuples(index=False):
        withheld = bool(row.address_withheld) and not show_withheld
        address = _join_address(row.address, row.postcode)
        members = int(row.members) if not pd.isna(row.members) else 0
        descriptions[row.household_id] = CaseDescription(
            heading=WITHHELD if withheld else (address or "Address not recorded"),
            identifier=f"Household {row.household_id}",
            details=(f"{members} {'person' if members == 1 else 'people'} in the household",),
            address_withheld=withheld)
    return descriptions


def withheld_uprns(connection: duckdb.DuckDBPyConnection, uprns: list[str]) -> set[str]:
    """UPRNs where anyone linked to the address has their address withheld (e.g. someone fleeing domestic abuse)."""
    if not uprns or not _index_built(connection):
        return set()
    frame = _query(connection, """
        select distinct u.unit_id from _units u where exists (
            select 1 from identity.records r left join identity.persons p on p.person_id = r.person_id
            where r.uprn = u.unit_id and (r.address_withheld or coalesce(p.address_withheld, false)))
          or exists (select 1 from identity.persons p where p.uprn = u.unit_id and p.address_withheld)
          or exists (select 1 from identity.households h where h.uprn = u.unit_id and h.address_withheld)""", uprns)
    return set(frame["unit_id"])


def _source_columns(connection: duckdb.DuckDBPyConnection, source: str) -> tuple[str, list[str]] | None:
    """A registered source's DuckDB table (sources."<name>") and its column names, or None when there is none."""
    if not _has_table(connection, SOURCES_SCHEMA, source):
        return None
    table = f"{SOURCES_SCHEMA}.{quote_identifier(source)}"
    columns = [row[0] for row in connection.execute(f"describe {table}").fetchall()]
    return table, columns


def _find(columns: list[str], wanted: str | None) -> str | None:
    """The source's column named ``wanted``, matched exactly, else ignoring capitals."""
    if not wanted:
        return None
    if wanted in columns:
        return wanted
    return {column.lower(): column for column in columns}.get(wanted.lower())


def _join_address(address: Any, postcode: Any) -> str:
    """An address and its postcode on one line, without writing the postcode twice."""
    address_text = address.strip() if isinstance(address, str) else ""
    postcode_text = postcode.strip() if isinstance(postcode, str) else ""
    if postcode_text and postcode_text not in address_text:
        return f"{address_text} {postcode_text}".strip()
    return address_text


def gazetteer_addresses(connection: duckdb.DuckDBPyConnection, uprns: list[str],
                        gazetteer: Gazetteer) -> dict[str, str]:
    """One-line addresses ("Flat 2, 19 Pembroke Court, Newbold, Ashbury AY3 1NT") for UPRNs, from the gazetteer."""
    if not uprns or not _has_table(connection, SOURCES_SCHEMA, gazetteer.source):
        return {}
    uprn = gazetteer.uprn_sql(alias="g", needed_for="the review queue's addresses")
    frame = _query(connection, f"""select {uprn} as _uprn, {gazetteer.address_sql(alias='g')} as _address
                                  from {gazetteer.table} g join _units u on u.unit_id = {uprn}""", uprns)
    return {row["_uprn"]: row["_address"] for row in frame.drop_duplicates("_uprn").to_dict("records")
            if isinstance(row["_address"], str) and row["_address"]}


def _describe_properties(connection: duckdb.DuckDBPyConnection, unit_ids: list[str], *, show_withheld: bool,
                         sources: CaseSources) -> tuple[dict[str, CaseDescription], list[str]]:
    gazetteer = sources.gazetteer
    addresses = gazetteer_addresses(connection, unit_ids, gazetteer) if gazetteer is not None else {}
    withheld = set() if show_withheld else withheld_uprns(connection, unit_ids)
    notes = []
    if gazetteer is None:
        notes.append(f"No address gazetteer is registered as '{sources.gazetteer_name}', so only UPRNs are shown: "
                     "register the council's LLPG or set [gazetteer] source in townhall.toml.")
    elif not gazetteer.has("full_address") and not gazetteer.has("street"):
        notes.append(f"The address gazetteer '{gazetteer.source}' has no address column townhall knows, so only UPRNs "
                     "are shown: set [gazetteer] columns.full_address (a one-line address) or columns.street and the "
                     "other parts in townhall.toml.")
    else:
        missing = [unit_id for unit_id in unit_ids if unit_id not in addresses and unit_id not in withheld]
        if missing:
            notes.append(f"{len(missing)} {'property is' if len(missing) == 1 else 'properties are'} not in the "
                         f"address gazetteer '{gazetteer.source}', so only the UPRN is shown.")
    descriptions = {}
    for unit_id in unit_ids:
        hidden = unit_id in withheld
        descriptions[unit_id] = CaseDescription(
            heading=WITHHELD if hidden else addresses.get(unit_id, f"UPRN {unit_id}"), identifier=f"UPRN {unit_id}",
            address_withheld=hidden)
    return descriptions, notes


def _describe_businesses(connection: duckdb.DuckDBPyConnection, unit_ids: list[str], *, show_withheld: bool,
                         sources: CaseSources) -> tuple[dict[str, CaseDescription], list[str]]:
    """Businesses by name and property address from the business register ([decisions] business_register)."""
    register = sources.business
    source = sources.register.source if sources.register is not None else register.source
    found = _source_columns(connection, source)
    rows: dict[str, dict[str, Any]] = {}
    notes = []
    account = _find(found[1], sources.register.id if sources.register is not None else register.account) \
        if found is not None else None
    if found is None or account is None:
        notes.append(f"The business register '{source}' is not registered (or has no column "
                     f"'{register.account}'), so only account numbers are shown: set [decisions] business_register "
                     "in townhall.toml.")
    else:
        table, columns = found
        selected = {"_name": _find(columns, register.name), "_address": _find(columns, register.address),
                    "_postcode": _find(columns, register.postcode), "_uprn": _find(columns, register.uprn)}
        select_list = ", ".join(f"cast(b.{quote_identifier(column)} as varchar) as {alias}" if column
                                else f"null as {alias}" for alias, column in selected.items())
        key = f"trim(cast(b.{quote_identifier(account)} as varchar))"
        frame = _query(connection, f"""select {key} as _account, {select_list}
                                      from {table} b join _units u on u.unit_id = {key}
                                      order by b._row_number desc""", unit_ids)
        rows = {row["_account"]: row for row in frame.drop_duplicates("_account").to_dict("records")}
        missing = [unit_id for unit_id in unit_ids if unit_id not in rows]
        if missing:
            notes.append(f"{len(missing)} business {'account is' if len(missing) == 1 else 'accounts are'} not in "
                         f"'{source}', so only the account number is shown.")
    uprns = [str(row["_uprn"]).lstrip("0") for row in rows.values() if isinstance(row.get("_uprn"), str)]
    withheld = set() if show_withheld else withheld_uprns(connection, uprns)
    descriptions = {}
    for unit_id in unit_ids:
        row = rows.get(unit_id, {})
        hidden = isinstance(row.get("_uprn"), str) and str(row["_uprn"]).lstrip("0") in withheld
        ratepayer = row.get("_name") if isinstance(row.get("_name"), str) else None
        property_address = _join_address(row.get("_address"), row.get("_postcode"))
        details = (f"Property: {WITHHELD.lower() if hidden else property_address}",) if property_address else ()
        descriptions[unit_id] = CaseDescription(
            heading=ratepayer or f"Account {unit_id}", identifier=f"Account {unit_id}", details=details,
            address_withheld=hidden)
    return descriptions, notes


# --- decisions -----------------------------------------------------------------------------------------------------

def check_reason(reason: str) -> str:
    """The reason tidied, or a plain-English error: a decision needs a reason of a few words."""
    tidied = re.sub(r"\s+", " ", reason or "").strip()
    if not tidied:
        raise TownhallError("Enter the reason for your decision.")
    if len(re.findall(r"\w+", tidied)) < MINIMUM_REASON_WORDS:
        raise TownhallError(f"Give the reason for your decision in at least {MINIMUM_REASON_WORDS} words, so that "
                            "others can understand it later.")
    if len(tidied) > MAXIMUM_REASON_CHARACTERS:
        raise TownhallError(f"The reason must be {MAXIMUM_REASON_CHARACTERS:,} characters or fewer.")
    return (reason or "").strip()


def check_decision(decision: str) -> str:
    """The decision in its stored form, or a plain-English error naming the choices."""
    tidied = re.sub(r"[\s_-]+", " ", (decision or "").strip().lower())
    if tidied not in DECISIONS:
        if not tidied:
            raise TownhallError("Select a decision: inspect, no action or refer.")
        raise TownhallError(f"'{decision}' is not a decision townhall knows. Choose inspect, no action or refer.")
    return tidied


def record_decision(workspace: Workspace, user: User, model: str, unit_id: str, decision: str,
                    reason: str) -> RecordedDecision:
    """Record a practitioner's decision (inspect, no action or refer) and reason on a case on their team's queue.

    Marks it an override when it goes against the model's band. Audit-logged with the model, unit id, decision and
    override flag, never the reason (which may hold personal data). A later decision on the same case replaces it.
    """
    sources = case_sources(workspace, model)
    with workspace.analytics.connect(read_only=True) as connection:
        queue_model = _queue_model(workspace, connection, model)
        _check_may_decide(user, queue_model)
        stored_decision = check_decision(decision)
        stored_reason = check_reason(reason)
        case = _open_case(workspace, connection, queue_model, str(unit_id).strip(), sources)
    if case is None:
        raise TownhallError(f"'{unit_id}' is not on the review queue for '{queue_model.title}', so a decision "
                            "cannot be recorded on it. Check the case on the queue page.")
    override = is_override(case.band, stored_decision)
    decided_at = datetime.now(UTC)
    with workspace.state.session() as session:
        session.add(RiskDecisionRecord(model=model, run_id=case.run_id, unit_id=case.unit_id, band=case.band,
                                       decision=stored_decision, reason=stored_reason, override=override,
                                       decided_by=user.username, decided_at=decided_at))
    workspace.audit.record(user.username, "risk.decision_recorded", model, details={
        "model": model, "unit_id": case.unit_id, "run_id": case.run_id, "band": case.band,
        "decision": stored_decision, "override": override,
    })
    return RecordedDecision(unit_id=case.unit_id, run_id=case.run_id, band=case.band, decision=stored_decision,
                            reason=stored_reason, override=override, decided_by=user.username, decided_at=decided_at)


# --- the override report -------------------------------------------------------------------------------------------

def override_report(workspace: Workspace, model: str) -> OverrideReport:
    """Decisions on the model's lists by band and decision, the override rate and the override reasons (the latest
    decision on each case counts). For analysts and governance officers; ``published`` protects it for managers."""
    definition = trained_definition(workspace, model)
    decisions = _decisions(workspace, model)
    latest = list({(decision.unit_id, decision.run_id): decision for decision in decisions}.values())
    counts = pd.DataFrame(0, index=pd.Index(list(BANDS), name="band"), columns=list(DECISIONS), dtype="int64")
    for decision in latest:
        if decision.band in counts.index and decision.decision in counts.columns:
            counts.loc[decision.band, decision.decision] += 1
    counts["total"] = counts.sum(axis=1)
    overrides = sorted((decision for decision in latest if decision.override), key=lambda item: item.decided_at,
                       reverse=True)
    return OverrideReport(model=model, title=definition.title, counts=counts, decisions=len(latest),
                          overrides=len(overrides), reasons=overrides)
