"""Clerical review: a person looks at record pairs the linkage model was unsure about and decides whether they are
the same person.

Linkage scores every pair; those near the threshold are kept in ``identity.pairs`` with the evidence for each
comparison. ``pairs_for_review`` lays both records side by side, ``record_review_decision`` keeps a reviewer's
"same" or "different", and ``review_decisions`` gives the latest decision per pair to the next ``townhall link``,
which keeps "same" pairs together and "different" pairs apart.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select

from townhall.errors import TownhallError
from townhall.identity.index import SCHEMA, IndexNotBuiltError, index_exists, latest_run
from townhall.store.state import LinkReviewRecord

if TYPE_CHECKING:
    from townhall.workspace import Workspace

DECISIONS = {"same": "Same person", "different": "Different people"}
WITHHELD = "Withheld"
STARTING_POINT = "starting point"
# Comparisons whose values do not say where someone lives: shown even for a record whose address is withheld.
_NOT_ABOUT_WHERE = re.compile(r"name|birth|dob|nhs|sex|gender", re.IGNORECASE)
_REASON_LIMIT = 2000

_PAIRS_QUERY = f"""
    with pairs as (
        select least(left_unique_id, right_unique_id) as left_id, greatest(left_unique_id, right_unique_id) as right_id,
               left_unique_id > right_unique_id as swapped, match_weight, match_probability, evidence
        from {SCHEMA}.pairs
        where left_unique_id <> right_unique_id
    )
    select left(sha256(pairs.left_id || chr(31) || pairs.right_id), 16) as pair_key, pairs.*,
           {{sides}}
    from pairs
    join {SCHEMA}.records as l on l.unique_id = pairs.left_id
    join {SCHEMA}.records as r on r.unique_id = pairs.right_id
    left join {SCHEMA}.persons as lp on lp.person_id = l.person_id
    left join {SCHEMA}.persons as rp on rp.person_id = r.person_id
"""
_SIDE_COLUMNS = ("unique_id", "source", "record_id", "person_id", "first_name", "surname", "date_of_birth",
                 "nhs_number", "postcode", "address", "uprn")
_SIDES_SQL = ", ".join(
    [f"{side}.{column} as {side}_{column}" for side in ("l", "r") for column in _SIDE_COLUMNS]
    + [f"coalesce({side}.address_withheld, false) or coalesce({side}p.address_withheld, false) as {side}_withheld"
       for side in ("l", "r")])


@dataclass(frozen=True)
class ReviewRecord:
    """One side of a pair: what the source record says, with the address hidden when it is withheld from the viewer."""

    unique_id: str
    source: str
    record_id: str
    person_id: str
    first_name: str | None
    surname: str | None
    date_of_birth: date | None
    nhs_number: str | None
    postcode: str | None
    address: str | None
    uprn: str | None
    address_withheld: bool  # the record's (or the person's household's) address is withheld
    address_hidden: bool  # ... and this viewer may not see it, so postcode, address and UPRN read "Withheld"


@dataclass(frozen=True)
class Evidence:
    """One comparison's contribution: its level, match weight, and what each record had."""

    comparison: str
    level: str
    match_weight: float
    left: str
    right: str


@dataclass(frozen=True)
class WaterfallStep:
    """One bar of the waterfall: the running match weight before and after this comparison."""

    comparison: str
    level: str
    match_weight: float
    before: float
    after: float
    left: str
    right: str

    @property
    def probability_after(self) -> float:
        """The match probability once this comparison has been counted."""
        return probability_from_weight(self.after)


@dataclass(frozen=True)
class ReviewPair:
    """Two records the model was unsure about, its evidence, and any decision already made."""

    key: str  # short, stable and not personal: used in web addresses
    left: ReviewRecord
    right: ReviewRecord
    match_weight: float
    match_probability: float
    evidence: list[Evidence]
    decision: str | None
    decided_by: str | None
    decided_at: datetime | None

    @property
    def linked_now(self) -> bool:
        """Whether the current index puts the two records in the same person."""
        return self.left.person_id == self.right.person_id

    @property
    def waterfall(self) -> list[WaterfallStep]:
        """The evidence as running totals, starting point first."""
        return waterfall_steps(self.evidence)


@dataclass(frozen=True)
class LinkReview:
    """A reviewer's decision on one pair, as stored."""

    review_id: int
    left_unique_id: str
    right_unique_id: str
    decision: str
    reviewer: str
    reason: str
    decided_at: datetime


def pair_key(left_unique_id: str, right_unique_id: str) -> str:
    """The pair's short key, the same whichever way round the records are given."""
    first, second = sorted((left_unique_id, right_unique_id))
    return hashlib.sha256(f"{first}\x1f{second}".encode()).hexdigest()[:16]


def probability_from_weight(weight: float) -> float:
    """A match weight (log2 of the odds) as a probability between 0 and 1."""
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    odds = math.pow(2.0, weight)
    return odds / (1.0 + odds)


def waterfall_steps(evidence: list[Evidence]) -> list[WaterfallStep]:
    """Running totals of match weight, comparison by comparison, from the starting point (the prior)."""
    steps, total = [], 0.0
    for item in evidence:
        before = total
        total += item.match_weight
        steps.append(WaterfallStep(item.comparison, item.level, item.match_weight, before, total, item.left,
                                   item.right))
    return steps


def pairs_for_review(workspace: Workspace, *, limit: int = 50, include_decided: bool = False,
                     show_withheld_addresses: bool = False) -> list[ReviewPair]:
    """Pairs scored near the linkage threshold, closest first, with both records side by side.

    Pairs already decided are left out unless ``include_decided``. Withheld addresses read "Withheld" unless
    ``show_withheld_addresses`` (for governance officers only).
    """
    threshold = _threshold(workspace)
    frame = _read_pairs(workspace)
    decisions = _latest_reviews(workspace)
    pairs = [_to_pair(row, decisions, show_withheld_addresses) for row in frame.to_dict("records")]
    if not include_decided:
        pairs = [pair for pair in pairs if pair.decision is None]
    pairs.sort(key=lambda pair: (abs(pair.match_probability - threshold), pair.key))
    return pairs[:max(int(limit), 0)]


def review_pair(workspace: Workspace, key: str, *, show_withheld_addresses: bool = False) -> ReviewPair:
    """One pair by its key; raises TownhallError when no pair for review has that key."""
    if not re.fullmatch(r"[0-9a-f]{16}", key or ""):
        raise TownhallError(f"'{key}' is not a pair reference. Choose a pair from the list of pairs to review.")
    frame = _read_pairs(workspace, key)
    if frame.empty:
        raise TownhallError("That pair is no longer waiting for review: the records may have been linked again "
                            "since. Choose a pair from the list of pairs to review.")
    return _to_pair(frame.to_dict("records")[0], _latest_reviews(workspace), show_withheld_addresses)


def record_review_decision(workspace: Workspace, left_unique_id: str, right_unique_id: str, decision: str, *,
                           reviewer: str, reason: str = "") -> LinkReview:
    """Keep a reviewer's decision that two records are the "same" person or "different" people.

    The latest decision on a pair replaces earlier ones; the next linkage run respects it. Audit-logged with the two
    record ids and the decision (never names, nor the reason, which may mention people).
    """
    chosen = (decision or "").strip().lower()
    if chosen not in DECISIONS:
        raise TownhallError(f"'{decision}' is not a decision. Choose 'same' (the same person) or 'different' "
                            "(different people).")
    first, second = sorted(((left_unique_id or "").strip(), (right_unique_id or "").strip()))
    if not first or first == second:
        raise TownhallError("A review decision needs two different records.")
    reason = (reason or "").strip()
    if len(reason) > _REASON_LIMIT:
        raise TownhallError(f"The reason must be {_REASON_LIMIT:,} characters or fewer.")
    _require_records(workspace, [first, second])
    decided_at = datetime.now(UTC)
    with workspace.state.session() as session:
        stored = LinkReviewRecord(left_unique_id=first, right_unique_id=second, decision=chosen, reviewer=reviewer,
                                  reason=reason, decided_at=decided_at)
        session.add(stored)
        session.flush()
        review = _to_review(stored)
    workspace.audit.record(reviewer, "link.reviewed", f"{first} {second}", details={
        "left_unique_id": first, "right_unique_id": second, "decision": chosen, "reason_given": bool(reason),
        "review": review.review_id,
    })
    return review


def review_decisions(workspace: Workspace) -> pd.DataFrame:
    """The latest decision per pair: columns left_unique_id, right_unique_id (left < right) and decision."""
    latest = _latest_reviews(workspace)
    rows = [{"left_unique_id": review.left_unique_id, "right_unique_id": review.right_unique_id,
             "decision": review.decision} for review in latest.values()]
    frame = pd.DataFrame(rows, columns=["left_unique_id", "right_unique_id", "decision"])
    return frame.sort_values(["left_unique_id", "right_unique_id"], ignore_index=True)


def review_history(workspace: Workspace, left_unique_id: str, right_unique_id: str) -> list[LinkReview]:
    """Every decision made on one pair, newest first."""
    first, second = sorted((left_unique_id, right_unique_id))
    with workspace.state.session() as session:
        records = session.execute(
            select(LinkReviewRecord)
            .where(LinkReviewRecord.left_unique_id == first, LinkReviewRecord.right_unique_id == second)
            .order_by(LinkReviewRecord.id.desc())).scalars()
        return [_to_review(record) for record in records]


# --- helpers ------------------------------------------------------------------------------------------------------


def _threshold(workspace: Workspace) -> float:
    threshold = latest_run(workspace).threshold
    return 0.5 if threshold is None or pd.isna(threshold) else float(threshold)


def _read_pairs(workspace: Workspace, key: str | None = None) -> pd.DataFrame:
    if not index_exists(workspace):
        raise IndexNotBuiltError()
    query = _PAIRS_QUERY.format(sides=_SIDES_SQL)
    parameters: list[Any] = []
    if key is not None:
        query = f"select * from ({query}) where pair_key = ?"
        parameters.append(key)
    with workspace.analytics.connect(read_only=True) as connection:
        return connection.execute(query, parameters).df()


def _require_records(workspace: Workspace, unique_ids: list[str]) -> None:
    """Both records must be in the index (opted-out people's records never are)."""
    if not index_exists(workspace):
        raise IndexNotBuiltError()
    with workspace.analytics.connect(read_only=True) as connection:
        found = {row[0] for row in connection.execute(
            f"select unique_id from {SCHEMA}.records where list_contains(?, unique_id)", [unique_ids]).fetchall()}
    missing = [unique_id for unique_id in unique_ids if unique_id not in found]
    if missing:
        raise TownhallError(f"The index has no record {missing[0]}. Record ids look like 'source:record id', as in "
                            "the index export; records of people who opted out are not in the index.")


def _latest_reviews(workspace: Workspace) -> dict[tuple[str, str], LinkReview]:
    with workspace.state.session() as session:
        records = session.execute(select(LinkReviewRecord).order_by(LinkReviewRecord.id)).scalars()
        latest = {(record.left_unique_id, record.right_unique_id): _to_review(record) for record in records}
    return latest


def _to_review(record: LinkReviewRecord) -> LinkReview:
    return LinkReview(review_id=record.id, left_unique_id=record.left_unique_id,
                      right_unique_id=record.right_unique_id, decision=record.decision, reviewer=record.reviewer,
                      reason=record.reason or "", decided_at=record.decided_at)


def _text(value: Any) -> str:
    """A compared value as text for the page ("" for nothing; lists joined)."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_text(item) for item in value)
    return str(value)


def _optional(value: Any) -> Any:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _side(row: dict[str, Any], side: str, show_withheld: bool) -> ReviewRecord:
    withheld = bool(row[f"{side}_withheld"])
    hidden = withheld and not show_withheld
    value = {column: _optional(row[f"{side}_{column}"]) for column in _SIDE_COLUMNS}
    born = value["date_of_birth"]
    return ReviewRecord(
        unique_id=value["unique_id"], source=value["source"], record_id=str(value["record_id"]),
        person_id=value["person_id"], first_name=value["first_name"], surname=value["surname"],
        date_of_birth=pd.Timestamp(born).date() if born is not None else None, nhs_number=value["nhs_number"],
        postcode=WITHHELD if hidden else value["postcode"], address=WITHHELD if hidden else value["address"],
        uprn=WITHHELD if hidden else value["uprn"], address_withheld=withheld, address_hidden=hidden)


def _evidence(text: Any, swapped: bool, hide_left: bool, hide_right: bool) -> list[Evidence]:
    """The stored evidence, each side's values put with its record and hidden where they could say where someone
    lives and that side's address is withheld from the viewer."""
    try:
        items = json.loads(text) if isinstance(text, str) and text else []
    except json.JSONDecodeError:
        items = []
    evidence = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        comparison = _text(item.get("comparison")) or "comparison"
        left, right = _text(item.get("left")), _text(item.get("right"))
        if swapped:
            left, right = right, left
        if comparison != STARTING_POINT and not _NOT_ABOUT_WHERE.search(comparison):
            left = WITHHELD if hide_left and left else left
            right = WITHHELD if hide_right and right else right
        try:
            weight = float(item.get("match_weight") or 0.0)
        except (TypeError, ValueError):
            weight = 0.0
        evidence.append(Evidence(comparison=comparison, level=_text(item.get("level")),
                                 match_weight=0.0 if math.isnan(weight) else weight, left=left, right=right))
    return evidence


def _to_pair(row: dict[str, Any], decisions: dict[tuple[str, str], LinkReview], show_withheld: bool) -> ReviewPair:
    left, right = _side(row, "l", show_withheld), _side(row, "r", show_withheld)
    review = decisions.get((left.unique_id, right.unique_id))
    return ReviewPair(
        key=row["pair_key"], left=left, right=right, match_weight=float(row["match_weight"]),
        match_probability=float(row["match_probability"]),
        evidence=_evidence(row["evidence"], bool(row["swapped"]), left.address_hidden, right.address_hidden),
        decision=review.decision if review else None, decided_by=review.reviewer if review else None,
        decided_at=review.decided_at if review else None)
