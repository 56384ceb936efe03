"""A conversation with the residents' assistant: one question per page, honest about being automated, handing over
to a person on request or after two failed turns, and keeping no more than it needs for no longer than it should.

``Assistant`` is the engine the public pages (and tests, and the load test) drive: ``start``, ``say`` (free text),
``choose_flow``, ``answer``, ``back``, ``hand_over``, ``submit`` and ``end``; each returns the ``Page`` to show.
Every message is written to the transcript (application state) and to the audit log as an entry that names the
conversation, who spoke, the step and the message's length, never its words. Free text a resident types is
redacted (phone numbers, emails, NHS numbers, addresses...) before it is stored. Transcripts are deleted after
``[assistant] transcript_retention_days``; the service requests they led to stay with the team that handles them.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from townhall.assistant.flows import HANDOVER_FLOW, Flow, Step, load_flows
from townhall.assistant.intents import IntentMatcher, train_intents
from townhall.assistant.messages import _, language_or_default, translate
from townhall.errors import TownhallError

if TYPE_CHECKING:
    from townhall.workspace import Workspace

ASSISTANT_ACTOR = "residents-assistant"
FAILED_TURNS_BEFORE_HANDOVER = 2
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread over the phone

DISCLOSURE = _("I am an automated assistant, not a person.")
DISCLOSURE_MORE = _("I can help you with some council services, and you can ask to talk to a person at any time.")
WELCOME_QUESTION = _("What do you need help with?")
NOT_SURE = _("I am not sure what you need. Choose one of these, or say it another way.")
NOT_UNDERSTOOD = _("Sorry, I did not understand. Try saying it another way, or choose a service.")
HANDING_OVER = _("I have not been able to help, so I will pass this conversation to a member of staff.")
STARTING_FLOW = _("I can help you with that.")
NONE_OF_THESE = _("None of these")
SUBMITTED = _("Your request has been sent")
HANDED_OVER = _("Your conversation has been passed to a member of staff")
ENDED = _("You have ended the conversation")
ERROR_REQUIRED = _("Enter an answer")
ERROR_CHOOSE = _("Select one option")
ERROR_TOO_LONG = _("Your answer must be shorter")
ERROR_CONTACT = _("Enter an email address like name@example.com or a UK phone number like 01632 960 001")
ERROR_DATE = _("Enter a real date in the past, like 27 3 2026")
ERROR_ACCOUNT = _("Enter your 8-digit council tax account number")
ERROR_POSTCODE = _("Enter a real postcode, like AY1 2CD")
ERROR_NO_ADDRESSES = _("We could not find any homes at that postcode. Check it and try again")
ERROR_ADDRESS_CHOICE = _("Select your address")
COLLECTION_DAY = _("Your bins are collected on {day} ({frequency}).")
COLLECTION_UNKNOWN = _("We could not find the collection day for this address, so a member of staff will check it.")
WHAT_WE_FOUND = _("What we found")
SENSOR_READING = _("The bin sensor on {street} last read {fill}% full at {time} on {date}.")
FREQUENCIES = {"Weekly": _("weekly"), "Fortnightly": _("fortnightly")}
WEEKDAYS = {day: day for day in (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
                                   _("Saturday"), _("Sunday"))}


@dataclass
class Page:
    """What to show next: the kind of page, its words (already in the resident's language) and its form."""

    kind: str  # welcome, choose, question, address, check, outcome, confirm, submitted, handed_over, ended
    conversation_id: str
    language: str
    heading: str
    hint: str = ""
    messages: list[str] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    value: str = ""
    error: str | None = None
    step: Step | None = None
    flow: Flow | None = None
    summary: list[tuple[str, str, str]] = field(default_factory=list)  # (question, answer, step id)
    reference: str | None = None
    can_go_back: bool = False


class Assistant:
    """The assistant for one workspace: its flows, its intent matcher and its settings."""

    def __init__(self, workspace: Workspace, *, flows: Mapping[str, Flow] | None = None,
                 matcher: IntentMatcher | None = None) -> None:
        settings = workspace.settings.assistant
        self.workspace = workspace
        self.settings = settings
        folder = workspace.path / settings.flows_folder if settings.flows_folder else None
        self.flows = dict(flows) if flows is not None else load_flows(folder)
        self.matcher = matcher or train_intents(self.flows, threshold=settings.confidence_threshold)
        from townhall.text.redact import Redactor

        self._redactor = Redactor()
        self._sources: Any = None  # the place sources, found in the catalogue on first use

    def _place_sources(self) -> Any:
        from townhall.assistant.checks import place_sources

        if self._sources is None:
            self._sources = place_sources(self.workspace)
        return self._sources

    # --- starting, talking, choosing --------------------------------------------------------------------------
    def start(self, language: str = "en") -> Page:
        """A new conversation: the assistant says it is automated, then asks what the resident needs."""
        from townhall.store.state import ConversationRecord

        language = language_or_default(language)
        conversation_id = secrets.token_urlsafe(24)
        now = datetime.now(UTC)
        with self.workspace.state.session() as session:
            session.add(ConversationRecord(id=conversation_id, started_at=now, updated_at=now, language=language,
                                           state=json.dumps(_new_state()), status="open"))
        self._record(conversation_id, "assistant",
                     f"{translate(DISCLOSURE, language)} {translate(DISCLOSURE_MORE, language)}", kind="disclosure")
        return self.page(conversation_id)

    def welcome(self, language: str = "en") -> Page:
        """The first page, before a conversation exists: it says the assistant is automated."""
        return self._page("", language_or_default(language), "open", _new_state())

    def page(self, conversation_id: str) -> Page:
        """The page the conversation is on."""
        record, state = self._load(conversation_id)
        return self._page(record.id, record.language, record.status, state)

    def say(self, conversation_id: str, text: str) -> Page:
        """Free text from the resident: start the flow it asks for, or offer choices when not sure."""
        record, state = self._load(conversation_id, open_only=True)
        cleaned = " ".join((text or "").split())[:500]
        if not cleaned:
            return self._page(record.id, record.language, record.status, state, error=ERROR_REQUIRED)
        self._record(record.id, "resident", self._redactor.redact(cleaned), kind="free text")
        guess = self.matcher.guess(cleaned)
        if guess.sure:
            return self._start_flow(record, state, guess.best, notice=STARTING_FLOW)
        state["failed"] += 1
        if state["failed"] >= FAILED_TURNS_BEFORE_HANDOVER:
            return self._start_flow(record, state, HANDOVER_FLOW, notice=HANDING_OVER)
        state["offered"] = [name for name, _probability in guess.ranked if name in self.flows]
        self._save(record.id, state)
        self._record(record.id, "assistant", translate(NOT_SURE, record.language), kind="not sure")
        return self._page(record.id, record.language, record.status, state)

    def choose_flow(self, conversation_id: str, flow_name: str) -> Page:
        """The resident picked a service (or 'none of these', which counts as a failed turn)."""
        record, state = self._load(conversation_id, open_only=True)
        if flow_name in self.flows:
            self._record(record.id, "resident", translate(self.flows[flow_name].title, record.language),
                         kind="choice")
            return self._start_flow(record, state, flow_name)
        self._record(record.id, "resident", translate(NONE_OF_THESE, record.language), kind="choice")
        state["failed"] += 1
        state["offered"] = []
        if state["failed"] >= FAILED_TURNS_BEFORE_HANDOVER:
            return self._start_flow(record, state, HANDOVER_FLOW, notice=HANDING_OVER)
        state["notice"] = NOT_UNDERSTOOD
        self._save(record.id, state)
        self._record(record.id, "assistant", translate(NOT_UNDERSTOOD, record.language), kind="not understood")
        return self._page(record.id, record.language, record.status, state)

    def hand_over(self, conversation_id: str) -> Page:
        """The resident asked for a person: start the hand-over flow (their contact details, then confirm)."""
        record, state = self._load(conversation_id, open_only=True)
        self._record(record.id, "resident", translate(self.flows[HANDOVER_FLOW].title, record.language),
                     kind="handover request")
        return self._start_flow(record, state, HANDOVER_FLOW)

    def set_language(self, conversation_id: str, language: str) -> Page:
        """Carry on in another language."""
        from townhall.store.state import ConversationRecord

        with self.workspace.state.session() as session:
            record = session.get(ConversationRecord, conversation_id)
            if record is None:
                raise ConversationNotFoundError()
            record.language = language_or_default(language)
        return self.page(conversation_id)

    # --- answering the flow's questions -----------------------------------------------------------------------
    def answer(self, conversation_id: str, value: str) -> Page:
        """The resident's answer to the current step; checked, stored, and the next step shown."""
        record, state = self._load(conversation_id, open_only=True)
        flow, step = self._current(state)
        if step is None or flow is None:
            return self._page(record.id, record.language, record.status, state)
        value = (value or "").strip()
        if step.type == "address":
            return self._answer_address(record, state, flow, step, value)
        if step.type == "check":
            self._record(record.id, "resident", translate(_("Continue"), record.language), kind="continue",
                         step=step.id)
            return self._advance(record, state, flow, step, None)
        error, shown = self._validate(step, value)
        if error:
            return self._page(record.id, record.language, record.status, state, error=error, value=value)
        state["answers"][step.id] = value
        state["labels"][step.id] = shown
        self._record(record.id, "resident", translate(shown, record.language) if step.type == "choice" else shown,
                     kind="answer", step=step.id)
        return self._advance(record, state, flow, step, value)

    def change_postcode(self, conversation_id: str) -> Page:
        """Go back from the address list to the postcode question."""
        record, state = self._load(conversation_id, open_only=True)
        _flow, step = self._current(state)
        if step is not None:
            state["addresses"].pop(step.id, None)
            self._save(record.id, state)
        return self._page(record.id, record.language, record.status, state)

    def back(self, conversation_id: str) -> Page:
        """The previous question (its answer kept to change)."""
        record, state = self._load(conversation_id, open_only=True)
        if state["path"]:
            state["step"] = state["path"].pop()
            self._save(record.id, state)
        return self._page(record.id, record.language, record.status, state)

    def submit(self, conversation_id: str) -> Page:
        """Send the checked answers: a service request (or hand-over) in the flow's team's queue."""
        from townhall.store.state import ServiceRequestRecord

        record, state = self._load(conversation_id, open_only=True)
        flow, step = self._current(state)
        if flow is None or step is None or step.type != "confirm":
            return self._page(record.id, record.language, record.status, state)
        handover = flow.name == HANDOVER_FLOW
        team = self.settings.handover_team if handover else self.settings.flow_teams.get(
            flow.name, self.settings.handover_team)
        answers = {flow.step(step_id).ask: state["labels"].get(step_id, value)
                   for step_id, value in state["answers"].items() if step_id in {s.id for s in flow.steps}}
        answers.update({f"{WHAT_WE_FOUND} ({step_id})": text for step_id, text in state["checks"].items()})
        reference = self._new_reference()
        with self.workspace.state.session() as session:
            session.add(ServiceRequestRecord(
                reference=reference, kind="handover" if handover else "request", flow=flow.name, team=team,
                answers=json.dumps(answers, ensure_ascii=False), conversation_id=record.id, status="new",
                created_at=datetime.now(UTC)))
        state["reference"] = reference
        status = "handed over" if handover else "submitted"
        self._save(record.id, state, status=status)
        heading = HANDED_OVER if handover else SUBMITTED
        self._record(record.id, "resident", translate(_("Send"), record.language), kind="submit", step=step.id)
        self._record(record.id, "assistant", f"{translate(heading, record.language)}: {reference}", kind=status)
        self.workspace.audit.record(ASSISTANT_ACTOR, f"assistant.{'handover' if handover else 'request'}_created",
                                    reference, details={"flow": flow.name, "team": team})
        return self._page(record.id, record.language, status, state)

    def end(self, conversation_id: str) -> Page:
        """The resident ends the conversation (the transcript stays until the retention period ends)."""
        record, state = self._load(conversation_id)
        self._record(record.id, "resident", translate(_("End conversation"), record.language), kind="end")
        self._save(record.id, state, status="ended")
        return self._page(record.id, record.language, "ended", state)

    # --- transcripts ------------------------------------------------------------------------------------------
    def transcript(self, conversation_id: str) -> str:
        """The conversation as plain text, for the resident to download (and staff to read on a hand-over)."""
        return conversation_transcript(self.workspace, conversation_id)

    # --- internals --------------------------------------------------------------------------------------------
    def _start_flow(self, record: Any, state: dict[str, Any], flow_name: str, *, notice: str | None = None) -> Page:
        flow = self.flows[flow_name]
        state.update(flow=flow.name, step=flow.first.id, path=[], answers={}, labels={}, checks={}, addresses={},
                     offered=[], notice=notice)
        self._save(record.id, state)
        if notice:
            self._record(record.id, "assistant", translate(notice, record.language), kind="notice")
        page = self._page(record.id, record.language, record.status, state)
        self._record(record.id, "assistant", page.heading, kind="question", step=flow.first.id)
        return page

    def _advance(self, record: Any, state: dict[str, Any], flow: Flow, step: Step, value: str | None) -> Page:
        following = step.following(value)
        state["path"].append(step.id)
        state["step"] = following
        state["notice"] = None
        if following and flow.step(following).type == "check":
            state["checks"].update(self._run_check(flow.step(following), state, record.language))
        self._save(record.id, state)
        page = self._page(record.id, record.language, record.status, state)
        self._record(record.id, "assistant", " ".join([page.heading, *page.messages]).strip(), kind=page.kind,
                     step=following or "")
        return page

    def _answer_address(self, record: Any, state: dict[str, Any], flow: Flow, step: Step, value: str) -> Page:
        from townhall.assistant.checks import addresses_at
        from townhall.catalogue.validation import normalise_postcode

        listed = state["addresses"].get(step.id)
        if listed is None:
            postcode = normalise_postcode(value)
            if postcode is None:
                return self._page(record.id, record.language, record.status, state, error=ERROR_POSTCODE,
                                  value=value)
            self._record(record.id, "resident", postcode, kind="postcode", step=step.id)
            found = addresses_at(self.workspace, postcode, self._place_sources())
            if not found:
                return self._page(record.id, record.language, record.status, state, error=ERROR_NO_ADDRESSES,
                                  value=value)
            state["addresses"][step.id] = [[item.uprn, item.text, item.street] for item in found]
            self._save(record.id, state)
            page = self._page(record.id, record.language, record.status, state)
            self._record(record.id, "assistant", page.heading, kind="address list", step=step.id)
            return page
        chosen = next((item for item in listed if item[0] == value), None)
        if chosen is None:
            return self._page(record.id, record.language, record.status, state, error=ERROR_ADDRESS_CHOICE)
        state["answers"][step.id] = chosen[0]
        state["labels"][step.id] = chosen[1]
        state["street"] = chosen[2]
        self._record(record.id, "resident", chosen[1], kind="answer", step=step.id)
        return self._advance(record, state, flow, step, chosen[0])

    def _run_check(self, step: Step, state: dict[str, Any], language: str) -> dict[str, str]:
        from townhall.assistant.checks import bin_collection

        address_step = next((step_id for step_id in state["path"] if step_id in state["addresses"]), None)
        uprn = state["answers"].get(address_step or "", "")
        found = bin_collection(self.workspace, uprn, state.get("street", ""), self._place_sources())
        lines = []
        if found.day:
            lines.append(translate(COLLECTION_DAY, language).format(
                day=translate(WEEKDAYS.get(found.day, found.day), language),
                frequency=translate(FREQUENCIES.get(found.frequency or "", found.frequency or ""), language)))
        else:
            lines.append(translate(COLLECTION_UNKNOWN, language))
        if found.sensor_fill is not None and found.sensor_read_at is not None:
            lines.append(translate(SENSOR_READING, language).format(
                street=found.sensor_street, fill=round(found.sensor_fill), time=f"{found.sensor_read_at:%H:%M}",
                date=f"{found.sensor_read_at.day}/{found.sensor_read_at.month}/{found.sensor_read_at.year}"))
        return {step.id: " ".join(lines)}

    def _validate(self, step: Step, value: str) -> tuple[str | None, str]:
        """(error, the answer as shown back) for a choice or text answer."""
        from townhall.catalogue.validation import email_is_valid, normalise_postcode, parse_uk_date, uk_phone_is_valid

        if step.type == "choice":
            if value not in step.choices:
                return ERROR_CHOOSE, ""
            return None, step.choices[value]
        if not value:
            return (None, "") if step.optional else (ERROR_REQUIRED, "")
        if len(value) > step.max_length:
            return ERROR_TOO_LONG, value
        if step.validate == "email_or_phone" and not (email_is_valid(value) or uk_phone_is_valid(value)):
            return ERROR_CONTACT, value
        if step.validate == "account_number" and not (value.replace(" ", "").isdigit()
                                                      and len(value.replace(" ", "")) == 8):
            return ERROR_ACCOUNT, value
        if step.validate == "postcode" and normalise_postcode(value) is None:
            return ERROR_POSTCODE, value
        if step.validate == "date":
            parsed = parse_uk_date("/".join(value.replace("-", " ").replace("/", " ").split()))
            if parsed is None or parsed > date.today():
                return ERROR_DATE, value
            return None, f"{parsed.day}/{parsed.month}/{parsed.year}"
        return None, value

    def _current(self, state: dict[str, Any]) -> tuple[Flow | None, Step | None]:
        flow = self.flows.get(state.get("flow") or "")
        if flow is None or not state.get("step"):
            return flow, None
        return flow, flow.step(state["step"])

    def _page(self, conversation_id: str, language: str, status: str, state: dict[str, Any], *,
              error: str | None = None, value: str = "") -> Page:
        def t(text: str) -> str:
            return translate(text, language)

        error_text = t(error) if error else None
        if status in {"submitted", "handed over"}:
            heading = HANDED_OVER if status == "handed over" else SUBMITTED
            return Page("submitted", conversation_id, language, t(heading), reference=state.get("reference"))
        if status == "ended":
            return Page("ended", conversation_id, language, t(ENDED))
        flow, step = self._current(state)
        notice = [t(state["notice"])] if state.get("notice") else []
        if flow is None or step is None:
            if state.get("offered"):
                choices = [(name, t(self.flows[name].title)) for name in state["offered"]]
                choices.append(("none", t(NONE_OF_THESE)))
                return Page("choose", conversation_id, language, t(NOT_SURE), choices=choices, error=error_text)
            services = [(flow.name, t(flow.title)) for flow in self.flows.values() if flow.name != HANDOVER_FLOW]
            return Page("welcome", conversation_id, language, t(WELCOME_QUESTION),
                        messages=[t(DISCLOSURE), t(DISCLOSURE_MORE), *notice], choices=services, error=error_text,
                        value=value)
        common = {"conversation_id": conversation_id, "language": language, "flow": flow, "step": step,
                  "can_go_back": bool(state["path"]), "error": error_text, "messages": notice}
        if step.type == "address" and step.id in state["addresses"]:
            choices = [(uprn, text) for uprn, text, _street in state["addresses"][step.id]]
            return Page("address", heading=t(_("Select the address")), choices=choices,
                        value=state["answers"].get(step.id, ""), **common)
        previous = state["answers"].get(step.id, "")
        if step.type in {"choice", "text", "address"}:
            choices = [(key, t(label)) for key, label in step.choices.items()]
            return Page("question", heading=t(step.ask), hint=t(step.hint), choices=choices,
                        value=value or previous, **common)
        if step.type == "check":
            return Page("check", heading=t(WHAT_WE_FOUND), **{**common, "messages": [
                *notice, state["checks"].get(step.id, "")]})
        if step.type == "outcome":
            return Page("outcome", heading=t(step.ask), hint=t(step.hint), **common)
        summary = [(t(flow.step(step_id).ask), state["labels"].get(step_id, ""), step_id)
                   for step_id in state["path"] if step_id in state["answers"]]
        summary += [(t(WHAT_WE_FOUND), text, step_id) for step_id, text in state["checks"].items()]
        return Page("confirm", heading=t(step.ask), summary=summary, **common)

    def _load(self, conversation_id: str, *, open_only: bool = False) -> tuple[Any, dict[str, Any]]:
        from townhall.store.state import ConversationRecord

        with self.workspace.state.session() as session:
            record = session.get(ConversationRecord, conversation_id or "")
            if record is None:
                raise ConversationNotFoundError()
            session.expunge(record)
        if open_only and record.status != "open":
            raise ConversationClosedError()
        return record, {**_new_state(), **json.loads(record.state)}

    def _save(self, conversation_id: str, state: dict[str, Any], *, status: str | None = None) -> None:
        from townhall.store.state import ConversationRecord

        with self.workspace.state.session() as session:
            record = session.get(ConversationRecord, conversation_id)
            if record is None:
                raise ConversationNotFoundError()
            record.state = json.dumps(state, ensure_ascii=False)
            record.updated_at = datetime.now(UTC)
            if status:
                record.status = status

    def _record(self, conversation_id: str, sender: str, text: str, *, kind: str, step: str = "") -> None:
        """One message: its words to the transcript, and an audit entry without them."""
        from townhall.store.state import ConversationMessageRecord

        with self.workspace.state.session() as session:
            session.add(ConversationMessageRecord(conversation_id=conversation_id, sent_at=datetime.now(UTC),
                                                  sender=sender, text=text))
        self.workspace.audit.record(ASSISTANT_ACTOR, "assistant.message", conversation_id,
                                    details={"sender": sender, "kind": kind, "step": step, "characters": len(text)})

    def _new_reference(self) -> str:
        return "TH-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))


class ConversationNotFoundError(TownhallError):
    """The conversation has ended and been deleted, or never existed."""

    def __init__(self) -> None:
        super().__init__(_("This conversation could not be found. It may have been deleted. Start a new one."))


class ConversationClosedError(TownhallError):
    """The conversation has already been sent, handed over or ended."""

    def __init__(self) -> None:
        super().__init__(_("This conversation has finished. Start a new one if you need more help."))


def _new_state() -> dict[str, Any]:
    return {"flow": None, "step": None, "path": [], "answers": {}, "labels": {}, "checks": {}, "addresses": {},
            "offered": [], "failed": 0, "notice": None, "reference": None, "street": ""}


def conversation_transcript(workspace: Workspace, conversation_id: str) -> str:
    """A conversation's messages as plain text, oldest first; empty once the retention period has deleted it."""
    from sqlalchemy import select

    from townhall.store.state import ConversationMessageRecord

    with workspace.state.session() as session:
        messages = session.execute(select(ConversationMessageRecord).where(
            ConversationMessageRecord.conversation_id == conversation_id).order_by(
            ConversationMessageRecord.id)).scalars().all()
        lines = [f"[{message.sent_at:%d/%m/%Y %H:%M}] {'You' if message.sender == 'resident' else 'Assistant'}: "
                 f"{message.text}" for message in messages]
    return "\n".join(lines)


def delete_expired_transcripts(workspace: Workspace, *, now: datetime | None = None,
                               actor: str = ASSISTANT_ACTOR) -> int:
    """Delete conversations (and their messages) untouched for longer than the retention period; returns how many."""
    from sqlalchemy import delete, select

    from townhall.store.state import ConversationMessageRecord, ConversationRecord

    days = workspace.settings.assistant.transcript_retention_days
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    with workspace.state.session() as session:
        expired = session.execute(select(ConversationRecord.id).where(
            ConversationRecord.updated_at < cutoff)).scalars().all()
        if expired:
            session.execute(delete(ConversationMessageRecord).where(
                ConversationMessageRecord.conversation_id.in_(expired)))
            session.execute(delete(ConversationRecord).where(ConversationRecord.id.in_(expired)))
    if expired:
        workspace.audit.record(actor, "assistant.transcripts_deleted", f"{len(expired)} conversations",
                               details={"conversations": len(expired), "retention_days": days})
    return len(expired)


@dataclass(frozen=True)
class ServiceRequest:
    """A request or hand-over as staff see it in their queue."""

    reference: str
    kind: str
    flow: str
    team: str
    answers: dict[str, str]
    conversation_id: str
    status: str
    created_at: datetime


def service_requests(workspace: Workspace, *, team: str | None = None, reference: str | None = None,
                     limit: int = 200) -> list[ServiceRequest]:
    """The newest requests and hand-overs, for one team or all (or the one with ``reference``)."""
    from sqlalchemy import select

    from townhall.store.state import ServiceRequestRecord

    query = select(ServiceRequestRecord).order_by(ServiceRequestRecord.id.desc()).limit(limit)
    if team is not None:
        query = query.where(ServiceRequestRecord.team == team)
    if reference is not None:
        query = query.where(ServiceRequestRecord.reference == reference)
    with workspace.state.session() as session:
        records = session.execute(query).scalars().all()
        return [ServiceRequest(reference=r.reference, kind=r.kind, flow=r.flow, team=r.team,
                               answers=json.loads(r.answers), conversation_id=r.conversation_id, status=r.status,
                               created_at=r.created_at) for r in records]


def service_request(workspace: Workspace, reference: str) -> ServiceRequest:
    """One request by reference."""
    found = service_requests(workspace, reference=reference, limit=1)
    if not found:
        raise TownhallError(f"There is no service request {reference}.")
    return found[0]


def update_request_status(workspace: Workspace, reference: str, status: str, *, updated_by: str) -> None:
    """Move a request along the queue: new, in progress or done."""
    from sqlalchemy import select

    from townhall.store.state import ServiceRequestRecord

    if status not in {"new", "in progress", "done"}:
        raise TownhallError(f"A request's status is new, in progress or done, not '{status}'.")
    with workspace.state.session() as session:
        record = session.execute(select(ServiceRequestRecord).where(
            ServiceRequestRecord.reference == reference)).scalar_one_or_none()
        if record is None:
            raise TownhallError(f"There is no service request {reference}.")
        record.status = status
        record.updated_by = updated_by
    workspace.audit.record(updated_by, "assistant.request_updated", reference, details={"status": status})
