"""Trial registration: the pre-analysis plan, frozen and time-stamped with a content hash before results are seen.

A plan is written down once, before the trial starts, so nobody can pick the outcome that happened to look good
afterwards. Later changes are allowed but each is an amendment (who, when, what changed and why), shown wherever the
trial is, and the analysis refuses outcomes the plan does not name unless they are marked exploratory.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from townhall.errors import TownhallError
from townhall.store.state import TrialAmendmentRecord, TrialNoteRecord, TrialRecord
from townhall.workspace import Workspace

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
NOTE_KINDS = ("note", "quote")
CORRECTIONS = ("holm", "fdr_bh")
CORRECTION_NAMES = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg"}


@dataclass
class TrialPlan:
    """What a trial sets out to learn and how it will be judged: everything written down before the results."""

    name: str  # short id used in addresses and commands, e.g. "direct-debit-letter-2024"
    title: str
    question: str
    arms: list[str]  # the first is the control (business as usual) unless control_arm says otherwise
    primary_outcome: str  # a column of the trial's data: 1/0 or true/false for a yes/no outcome, else a number
    population: str
    unit_of_randomisation: str  # e.g. "council tax account", "household", "ward"
    analysis_plan: str
    minimum_effect_of_interest: float  # on the outcome's scale: 0.02 is 2 percentage points for a yes/no outcome
    secondary_outcomes: list[str] = field(default_factory=list)
    control_arm: str = ""
    allocation: dict[str, float] = field(default_factory=dict)  # planned share per arm; equal when empty
    source: str = ""  # the catalogue source holding one row per unit with its arm and outcomes
    unit_column: str = ""
    arm_column: str = "arm"
    cluster_column: str = ""  # when units were randomised in clusters (households, areas)
    covariates: list[str] = field(default_factory=list)  # pre-registered baseline covariates for adjustment
    covariate_source: str = ""  # another source holding the covariates, joined on its key column
    covariate_key: str = ""  # that source's column matching unit_column
    correction: str = "holm"  # "holm" or "fdr_bh" (Benjamini-Hochberg) across arms and across secondary outcomes
    # Added later: fields at their default are left out of the fingerprint, so plans registered before still match.
    labels: dict[str, str] = field(default_factory=dict)  # arm or outcome -> the words shown on pages
    ratio_outcomes: dict[str, list[str]] = field(default_factory=dict)  # outcome -> [numerator, denominator columns]
    date_column: str = ""  # the date each unit's outcome was known, for weekly looks (sequential analysis)
    sequential: bool = False  # the results will be looked at repeatedly: judge them by the always-valid analysis

    def __post_init__(self) -> None:
        if not self.control_arm and self.arms:
            self.control_arm = self.arms[0]

    def validate(self) -> None:
        """Refuse a plan that could not be analysed as written, saying what to fix."""
        if not NAME_PATTERN.match(self.name):
            raise TownhallError(f"'{self.name}' cannot be a trial's name: use 2 to 80 lower-case letters, digits "
                                "and hyphens, such as direct-debit-letter-2024.")
        for label, value in (("title", self.title), ("question", self.question), ("population", self.population),
                             ("primary outcome", self.primary_outcome), ("analysis plan", self.analysis_plan),
                             ("unit of randomisation", self.unit_of_randomisation)):
            if not str(value).strip():
                raise TownhallError(f"The trial plan needs a {label}.")
        if len(self.arms) < 2 or len(set(self.arms)) != len(self.arms):
            raise TownhallError("A trial needs at least two arms with different names, such as control and "
                                "new_letter.")
        if self.control_arm not in self.arms:
            raise TownhallError(f"The control arm '{self.control_arm}' is not one of the arms: "
                                f"{', '.join(self.arms)}.")
        if self.allocation and (set(self.allocation) != set(self.arms)
                                or any(share <= 0 for share in self.allocation.values())):
            raise TownhallError("The planned allocation must give a positive share to every arm and to nothing else.")
        if self.primary_outcome in self.secondary_outcomes:
            raise TownhallError(f"'{self.primary_outcome}' is the primary outcome; it cannot also be secondary.")
        if self.correction not in CORRECTIONS:
            raise TownhallError(f"The correction for several comparisons must be 'holm' or 'fdr_bh' "
                                f"(Benjamini-Hochberg), not '{self.correction}'.")
        if self.covariate_source and not self.covariate_key:
            raise TownhallError("Name the covariate source's column that matches the trial's units (covariate_key).")
        for outcome, columns in self.ratio_outcomes.items():
            if not isinstance(columns, list | tuple) or len(columns) != 2 or not all(columns):
                raise TownhallError(f"The ratio outcome '{outcome}' needs its numerator and denominator columns, such "
                                    "as [amount_paid, accounts].")
        if self.sequential and not self.date_column:
            raise TownhallError("A sequential plan needs the date each unit's outcome was known (date_column), so the "
                                "results can be looked at week by week.")
        if self.minimum_effect_of_interest <= 0:
            raise TownhallError("The minimum effect of interest must be above zero: the smallest difference that "
                                "would change what the council does.")

    @property
    def planned_shares(self) -> dict[str, float]:
        """Each arm's planned share of the units (equal shares unless an allocation was registered)."""
        weights = self.allocation or {arm: 1.0 for arm in self.arms}
        total = sum(weights.values())
        return {arm: weights[arm] / total for arm in self.arms}

    def label(self, name: str) -> str:
        """The words given at registration for an arm or outcome (its name when none were)."""
        return self.labels.get(name) or name

    @property
    def outcomes(self) -> list[str]:
        """The registered outcomes, primary first."""
        return [self.primary_outcome, *self.secondary_outcomes]

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain data (what is hashed and stored)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialPlan:
        """A plan from plain data (a YAML file or the stored JSON); unknown keys are refused by name."""
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise TownhallError(f"The trial plan has fields townhall does not know: {', '.join(unknown)}. "
                                f"Known fields: {', '.join(sorted(known))}.")
        try:
            return cls(**data)
        except TypeError as error:
            raise TownhallError(f"The trial plan is incomplete: {error}.") from None


LATER_FIELDS: dict[str, Any] = {"labels": {}, "ratio_outcomes": {}, "date_column": "", "sequential": False}


def plan_hash(plan: dict[str, Any]) -> str:
    """SHA-256 of the plan's canonical JSON: any later change to the plan changes this fingerprint. Fields added to
    townhall after a plan was registered count only when set, so older plans keep their fingerprints."""
    plan = {key: value for key, value in plan.items() if not (key in LATER_FIELDS and value == LATER_FIELDS[key])}
    canonical = json.dumps(plan, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TrialAmendment:
    """One recorded change to a registered plan."""

    changes: dict[str, dict[str, Any]]  # field -> {"before": ..., "after": ...}
    reason: str
    amended_by: str
    amended_at: datetime
    plan_hash: str


@dataclass(frozen=True)
class TrialNote:
    """A process-evaluation note or quote kept beside the trial's numbers."""

    kind: str
    text: str
    source: str
    written_by: str
    written_at: datetime


@dataclass(frozen=True)
class RegisteredTrial:
    """A trial as registered: the frozen original plan, the plan now, its amendments, notes and randomisation."""

    plan: TrialPlan  # as it stands, amendments applied
    original_plan: TrialPlan
    original_hash: str
    current_hash: str
    registered_by: str
    registered_at: datetime
    recorded_at: datetime
    retrospective: bool
    registration_note: str
    amendments: list[TrialAmendment]
    notes: list[TrialNote]
    randomisation: dict[str, Any] | None

    @property
    def name(self) -> str:
        """The trial's short name."""
        return self.plan.name

    def intact(self) -> bool:
        """Whether the stored original plan still matches the hash frozen at registration."""
        return plan_hash(self.original_plan.to_dict()) == self.original_hash


def register_trial(workspace: Workspace, plan: TrialPlan, *, registered_by: str, registered_at: datetime | None = None,
                   retrospective: bool = False, note: str = "") -> RegisteredTrial:
    """Freeze a trial's plan with a time-stamp and content hash; a name already registered is refused."""
    plan.validate()
    now = datetime.now(UTC)
    frozen_at = registered_at or now
    if frozen_at.tzinfo is None:
        frozen_at = frozen_at.replace(tzinfo=UTC)
    if registered_at is not None and frozen_at < now and not retrospective:
        raise TownhallError("A registration dated in the past must be marked retrospective, so nobody mistakes it "
                            "for a plan written before the trial began.")
    data = plan.to_dict()
    digest = plan_hash(data)
    with workspace.state.session() as session:
        if session.execute(select(TrialRecord).where(TrialRecord.name == plan.name)).scalar_one_or_none():
            raise TownhallError(f"A trial called '{plan.name}' is already registered. Change its plan with "
                                f"'townhall trial amend', or choose another name.")
        session.add(TrialRecord(
            name=plan.name, original_plan=json.dumps(data), original_hash=digest, current_plan=json.dumps(data),
            current_hash=digest, registered_by=registered_by, registered_at=frozen_at, recorded_at=now,
            retrospective=retrospective, registration_note=note, randomisation=""))
    workspace.audit.record(registered_by, "trial.register", plan.name, details={
        "trial": plan.name, "plan_hash": digest, "arms": len(plan.arms), "retrospective": retrospective})
    return get_trial(workspace, plan.name)


def amend_trial(workspace: Workspace, name: str, changes: dict[str, Any], *, reason: str,
                amended_by: str) -> RegisteredTrial:
    """Change a registered plan, recording who, when, what and why; the original stays frozen beside it."""
    if not reason.strip():
        raise TownhallError("Say why the plan is changing: every amendment needs a reason.")
    if "name" in changes:
        raise TownhallError("A trial's name cannot be amended: register a new trial instead.")
    with workspace.state.session() as session:
        record = _trial_record(session, name)
        current = json.loads(record.current_plan)
        unknown = sorted(set(changes) - set(current))
        if unknown:
            raise TownhallError(f"The plan has no field called {', '.join(unknown)}.")
        changed = {key: {"before": current[key], "after": value} for key, value in changes.items()
                   if current[key] != value}
        if not changed:
            raise TownhallError("The amendment changes nothing: every value given is already in the plan.")
        updated = TrialPlan.from_dict({**current, **{key: item["after"] for key, item in changed.items()}})
        updated.validate()
        digest = plan_hash(updated.to_dict())
        record.current_plan = json.dumps(updated.to_dict())
        record.current_hash = digest
        session.add(TrialAmendmentRecord(trial_id=record.id, changes=json.dumps(changed, default=str), reason=reason,
                                         amended_by=amended_by, amended_at=datetime.now(UTC), plan_hash=digest))
    workspace.audit.record(amended_by, "trial.amend", name, details={
        "trial": name, "fields": sorted(changed), "plan_hash": digest})
    return get_trial(workspace, name)


def record_randomisation(workspace: Workspace, name: str, details: dict[str, Any], *, actor: str) -> None:
    """Keep how a trial was randomised (seed, method, counts per arm) with its registration; once only."""
    with workspace.state.session() as session:
        record = _trial_record(session, name)
        if record.randomisation:
            raise TownhallError(f"Trial '{name}' has already been randomised; randomising again would let anyone "
                                "pick the assignment they liked. Register a new trial to start again.")
        record.randomisation = json.dumps({**details, "recorded_at": datetime.now(UTC).isoformat()}, default=str)
    workspace.audit.record(actor, "trial.randomise", name, details={
        "trial": name, "seed": details.get("seed"), "method": details.get("method"),
        "units": details.get("units")})


def add_trial_note(workspace: Workspace, name: str, text: str, *, written_by: str, kind: str = "note",
                   source: str = "") -> TrialNote:
    """Keep a process-evaluation note or quote beside the trial's numbers (the text itself is not audit-logged)."""
    if kind not in NOTE_KINDS:
        raise TownhallError(f"A trial note is a 'note' or a 'quote', not '{kind}'.")
    if not text.strip():
        raise TownhallError("Write the note or quote before saving it.")
    if len(text) > 5000:
        raise TownhallError("Keep a note under 5,000 characters; add several notes for a longer account.")
    written_at = datetime.now(UTC)
    with workspace.state.session() as session:
        record = _trial_record(session, name)
        session.add(TrialNoteRecord(trial_id=record.id, kind=kind, text=text.strip(), source=source.strip(),
                                    written_by=written_by, written_at=written_at))
    workspace.audit.record(written_by, "trial.note", name, details={"trial": name, "kind": kind,
                                                                     "characters": len(text.strip())})
    return TrialNote(kind, text.strip(), source.strip(), written_by, written_at)


def get_trial(workspace: Workspace, name: str) -> RegisteredTrial:
    """One registered trial with its amendments and notes; raises TownhallError naming the trials there are."""
    with workspace.state.session() as session:
        record = _trial_record(session, name)
        amendments = session.execute(select(TrialAmendmentRecord).where(TrialAmendmentRecord.trial_id == record.id)
                                     .order_by(TrialAmendmentRecord.id)).scalars().all()
        notes = session.execute(select(TrialNoteRecord).where(TrialNoteRecord.trial_id == record.id)
                                .order_by(TrialNoteRecord.id)).scalars().all()
        return RegisteredTrial(
            plan=TrialPlan.from_dict(json.loads(record.current_plan)),
            original_plan=TrialPlan.from_dict(json.loads(record.original_plan)),
            original_hash=record.original_hash, current_hash=record.current_hash,
            registered_by=record.registered_by, registered_at=_aware(record.registered_at),
            recorded_at=_aware(record.recorded_at), retrospective=record.retrospective,
            registration_note=record.registration_note,
            amendments=[TrialAmendment(json.loads(item.changes), item.reason, item.amended_by,
                                       _aware(item.amended_at), item.plan_hash) for item in amendments],
            notes=[TrialNote(item.kind, item.text, item.source, item.written_by, _aware(item.written_at))
                   for item in notes],
            randomisation=json.loads(record.randomisation) if record.randomisation else None,
        )


def list_trials(workspace: Workspace) -> list[RegisteredTrial]:
    """Every registered trial, newest registration first."""
    with workspace.state.session() as session:
        names = session.execute(select(TrialRecord.name).order_by(TrialRecord.registered_at.desc())).scalars().all()
    return [get_trial(workspace, name) for name in names]


def trial_exists(workspace: Workspace, name: str) -> bool:
    """Whether a trial of this name is registered."""
    with workspace.state.session() as session:
        return session.execute(select(TrialRecord.id).where(TrialRecord.name == name)).first() is not None


def _trial_record(session: Any, name: str) -> TrialRecord:
    record = session.execute(select(TrialRecord).where(TrialRecord.name == name)).scalar_one_or_none()
    if record is None:
        known = session.execute(select(TrialRecord.name).order_by(TrialRecord.name)).scalars().all()
        listed = ", ".join(known) if known else "none yet"
        raise TownhallError(f"There is no trial called '{name}'. Registered trials: {listed}.")
    return record


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive date-times; every time here is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
