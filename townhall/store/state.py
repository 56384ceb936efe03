"""Application state through SQLAlchemy 2: users, roles, the audit log and (later) reviews and transcripts.

SQLite file by default; set ``database_url`` in townhall.toml or ``TOWNHALL_DATABASE_URL`` for PostgreSQL.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Engine, Integer, String, Text, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    """Declarative base for every application-state table."""


class UserRecord(Base):
    """A person who can log in: their role decides what they may see."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    team: Mapped[str | None] = mapped_column(String(100), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntryRecord(Base):
    """One append-only audit entry, chained to the previous entry by hash."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recorded_at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    purpose: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[str] = mapped_column(Text, default="{}")
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHeadRecord(Base):
    """The newest entry's number and hash, kept apart so that deleting the last entries is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_count: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class LinkReviewRecord(Base):
    """A reviewer's decision that two linked records are, or are not, the same person; the latest per pair wins."""

    __tablename__ = "link_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Index record ids ("<source>:<record id>"), stored with left < right so each pair has one spelling.
    left_unique_id: Mapped[str] = mapped_column(String(300), index=True)
    right_unique_id: Mapped[str] = mapped_column(String(300), index=True)
    decision: Mapped[str] = mapped_column(String(20))  # "same" or "different"
    reviewer: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AddressChangeRecord(Base):
    """A change of address told to the council once ("tell us once"), kept so it outlives each re-link."""

    __tablename__ = "address_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(30), index=True)  # as it was when the move was recorded
    # JSON list of the person's index record ids ("<source>:<record id>"): the key that survives a re-link.
    record_unique_ids: Mapped[str] = mapped_column(Text)
    new_address: Mapped[str] = mapped_column(Text)
    postcode: Mapped[str] = mapped_column(String(10))
    uprn: Mapped[str | None] = mapped_column(String(20), nullable=True)
    effective_date: Mapped[date] = mapped_column(Date)
    address_withheld: Mapped[bool] = mapped_column(default=False)  # the person's address was withheld at the time
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# Decision support (townhall.decisions): what a person decided about each case in a risk review queue, and what an
# inspection or assessment later found. A model never decides: nothing leaves a queue without a RiskDecisionRecord.
class RiskDecisionRecord(Base):
    """A practitioner's decision on one case in a risk review queue; the latest per model and unit stands."""

    __tablename__ = "risk_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model: Mapped[str] = mapped_column(String(100), index=True)
    run_id: Mapped[str] = mapped_column(String(40))  # the scoring run whose list the case was on
    unit_id: Mapped[str] = mapped_column(String(100), index=True)
    band: Mapped[str] = mapped_column(String(10))  # the model's band when decided: "high", "medium" or "low"
    decision: Mapped[str] = mapped_column(String(20))  # "inspect", "no action" or "refer"
    reason: Mapped[str] = mapped_column(Text, default="")  # free text: may hold personal data, never audit-logged
    override: Mapped[bool] = mapped_column(default=False)  # the decision went against the model's band
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RiskOutcomeRecord(Base):
    """What was found later (an inspection result, an assessment outcome): a label for the next training run."""

    __tablename__ = "risk_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model: Mapped[str] = mapped_column(String(100), index=True)
    unit_id: Mapped[str] = mapped_column(String(100), index=True)
    outcome: Mapped[bool] = mapped_column()  # True when the thing the model looks for was found
    outcome_date: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(Text, default="")  # e.g. "HMO found: 7 occupants, licence required"
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# Trials (townhall.trials): a trial's registration (its pre-analysis plan, frozen with a content hash), every later
# amendment to it, and process-evaluation notes and quotes kept beside the numbers.
class TrialRecord(Base):
    """A registered trial: the plan as frozen at registration, and the plan as it stands after any amendments."""

    __tablename__ = "trials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, index=True)
    original_plan: Mapped[str] = mapped_column(Text)  # JSON, never changed after registration
    original_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the original plan's canonical JSON
    current_plan: Mapped[str] = mapped_column(Text)  # JSON: the original with every amendment applied
    current_hash: Mapped[str] = mapped_column(String(64))
    registered_by: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the date the plan was frozen
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when townhall stored it
    retrospective: Mapped[bool] = mapped_column(default=False)  # registered after the trial had started
    registration_note: Mapped[str] = mapped_column(Text, default="")
    randomisation: Mapped[str] = mapped_column(Text, default="")  # JSON: seed, method, counts, when; "" until done


class TrialAmendmentRecord(Base):
    """One change to a registered plan: who, when, which fields changed (before and after) and why."""

    __tablename__ = "trial_amendments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trial_id: Mapped[int] = mapped_column(Integer, index=True)
    changes: Mapped[str] = mapped_column(Text)  # JSON: {field: {"before": ..., "after": ...}}
    reason: Mapped[str] = mapped_column(Text)
    amended_by: Mapped[str] = mapped_column(String(200))
    amended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    plan_hash: Mapped[str] = mapped_column(String(64))  # the plan's hash after this amendment


class TrialNoteRecord(Base):
    """A process-evaluation note or quote (what staff and residents said, what happened on the ground)."""

    __tablename__ = "trial_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trial_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "note" or "quote"
    text: Mapped[str] = mapped_column(Text)  # free text: may hold personal data, never audit-logged
    source: Mapped[str] = mapped_column(String(200), default="")  # e.g. "contact centre adviser"
    written_by: Mapped[str] = mapped_column(String(200))
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# Text (townhall.text): a person's label for a comment, for the classifier's next training.
class TextLabelRecord(Base):
    """Which service a person says a comment is about; the latest per comment counts."""

    __tablename__ = "text_labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(100), index=True)
    label: Mapped[str] = mapped_column(String(200))
    labelled_by: Mapped[str] = mapped_column(String(200))
    labelled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# Residents' assistant (townhall.assistant): conversations and their transcripts (deleted after the configured
# retention period), and the service requests and hand-overs they create for staff queues.
class ConversationRecord(Base):
    """One conversation with the assistant; its state lets the resident carry on from page to page."""

    __tablename__ = "assistant_conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # a random token, held in the resident's cookie
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    language: Mapped[str] = mapped_column(String(5), default="en")
    state: Mapped[str] = mapped_column(Text, default="{}")  # JSON: flow, step, answers, failed turns
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, submitted, handed over, ended


class ConversationMessageRecord(Base):
    """One message of a transcript: who said it and what; personal data, so never audit-logged as text."""

    __tablename__ = "assistant_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sender: Mapped[str] = mapped_column(String(20))  # "resident" or "assistant"
    text: Mapped[str] = mapped_column(Text)


class ServiceRequestRecord(Base):
    """A request a resident made through the assistant, or a hand-over to a person, in a team's queue."""

    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "request" or "handover"
    flow: Mapped[str] = mapped_column(String(100), default="")
    team: Mapped[str] = mapped_column(String(100), index=True)
    answers: Mapped[str] = mapped_column(Text, default="{}")  # JSON: question -> answer (personal data)
    conversation_id: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(20), default="new")  # new, in progress, done
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(200), default="")


# --- Capability tables: other capabilities add their table classes above this line (one block each). ---


_SQLITE_APPEND_ONLY_TRIGGERS = (
    """create trigger if not exists audit_log_no_update before update on audit_log
       begin select raise(abort, 'The audit log is append-only: entries cannot be changed.'); end""",
    """create trigger if not exists audit_log_no_delete before delete on audit_log
       begin select raise(abort, 'The audit log is append-only: entries cannot be deleted.'); end""",
)

_POSTGRES_APPEND_ONLY = (
    """create or replace function townhall_audit_append_only() returns trigger as $$
       begin raise exception 'The audit log is append-only: entries cannot be changed or deleted.'; end;
       $$ language plpgsql""",
    "drop trigger if exists audit_log_append_only on audit_log",
    """create trigger audit_log_append_only before update or delete on audit_log
       for each row execute function townhall_audit_append_only()""",
)


class StateStore:
    """Owns the SQLAlchemy engine for application state and hands out sessions."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.engine: Engine = create_engine(database_url)
        if self.engine.dialect.name == "sqlite":
            _serialise_sqlite_writes(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_tables(self) -> None:
        """Create any missing tables and the append-only guards on the audit log."""
        Base.metadata.create_all(self.engine)
        guards = {"sqlite": _SQLITE_APPEND_ONLY_TRIGGERS, "postgresql": _POSTGRES_APPEND_ONLY}
        with self.engine.begin() as connection:
            for statement in guards.get(self.engine.dialect.name, ()):
                connection.execute(text(statement))

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close pooled connections (tests and short-lived commands call this)."""
        self.engine.dispose()


def _serialise_sqlite_writes(engine: Engine) -> None:
    """Make every SQLite transaction take the write lock up front, so two processes cannot fork the audit chain."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("pragma busy_timeout = 10000")
        # Write-ahead logging lets the web app read while a command writes, and makes each append one fsync.
        dbapi_connection.execute("pragma journal_mode = wal")
        dbapi_connection.execute("pragma synchronous = normal")

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("begin immediate")
