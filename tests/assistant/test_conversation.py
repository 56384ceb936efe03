"""A conversation: says it is automated, asks one question per page, checks the collection day and the bin sensor,
hands over after two failed turns, keeps words out of the audit log and deletes transcripts when their time is up."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from townhall.assistant import Assistant, ConversationClosedError, delete_expired_transcripts, service_requests
from townhall.workspace import Workspace


@pytest.fixture(scope="module")
def talking(words_demo_folder: Path, tmp_path_factory: pytest.TempPathFactory, copy_and_open):  # type: ignore[no-untyped-def]
    """An assistant on a copy of the demo (shared by this module's tests: each starts its own conversations)."""
    with copy_and_open(words_demo_folder, tmp_path_factory.mktemp("talking") / "ashbury") as workspace:
        yield Assistant(workspace)


def _postcode_with_a_sensor(workspace: Workspace) -> str:
    with workspace.analytics.connect(read_only=True) as connection:
        return connection.execute(
            'select g."POSTCODE_LOCATOR" from sources.address_gazetteer g join sources.bin_sensors b '
            'on b.site = g."STREET_DESCRIPTOR" join sources.waste_collection_days w on w."UPRN" = g."UPRN" '
            "order by 1 limit 1").fetchone()[0]


def test_a_missed_bin_report_checks_the_collection_day_and_sensor_and_reaches_the_waste_queue(talking) -> None:  # type: ignore[no-untyped-def]
    assistant: Assistant = talking
    page = assistant.start()
    assert page.kind == "welcome" and page.messages[0] == "I am an automated assistant, not a person."
    conversation = page.conversation_id
    page = assistant.say(conversation, "the bin men missed my bin, ring 07700 900321")
    assert page.kind == "question" and page.step.id == "address"
    assert assistant.answer(conversation, "not a postcode").error == "Enter a real postcode, like AY1 2CD"
    page = assistant.answer(conversation, _postcode_with_a_sensor(assistant.workspace).lower().replace(" ", ""))
    assert page.kind == "address" and page.choices
    page = assistant.answer(conversation, page.choices[0][0])
    assert page.step.id == "bin"
    page = assistant.answer(conversation, "recycling")
    assert page.kind == "check"
    assert "Your bins are collected on" in page.messages[0] and "The bin sensor on" in page.messages[0]
    page = assistant.answer(conversation, "")
    assert page.step.id == "contact" and assistant.answer(conversation, "nope").error
    page = assistant.answer(conversation, "")  # optional: left blank
    assert page.kind == "confirm" and ("Which bin was missed?", "Recycling", "bin") in page.summary
    page = assistant.submit(conversation)
    assert page.kind == "submitted" and page.reference.startswith("TH-")
    request = service_requests(assistant.workspace, team="Waste and Recycling")[0]
    assert request.reference == page.reference and request.flow == "missed-bin"
    with pytest.raises(ConversationClosedError):
        assistant.answer(conversation, "again")
    transcript = assistant.transcript(conversation)
    assert transcript.startswith(f"[{datetime.now(UTC):%d/%m/%Y}") and "ring [PHONE]" in transcript
    assert "07700 900321" not in transcript


def test_two_failed_turns_hand_over_to_a_person_with_the_transcript(talking) -> None:  # type: ignore[no-untyped-def]
    assistant: Assistant = talking
    conversation = assistant.start().conversation_id
    page = assistant.say(conversation, "what time does the swimming pool open on sundays")
    assert page.kind == "choose" and page.choices[-1] == ("none", "None of these")
    page = assistant.choose_flow(conversation, "none")  # the second turn that did not help
    assert page.flow.name == "handover" and page.messages == [
        "I have not been able to help, so I will pass this conversation to a member of staff."]
    assistant.answer(conversation, "01632 960001")
    page = assistant.submit(conversation)
    handover = service_requests(assistant.workspace, reference=page.reference)[0]
    assert handover.kind == "handover" and handover.team == assistant.settings.handover_team
    assert "swimming pool" in assistant.transcript(handover.conversation_id)


def test_one_failed_turn_lets_the_resident_try_again(talking) -> None:  # type: ignore[no-untyped-def]
    assistant: Assistant = talking
    conversation = assistant.start().conversation_id
    assert assistant.say(conversation, "zzzz qqqq").kind == "choose"
    page = assistant.say(conversation, "my heating is not working")
    assert page.flow.name == "housing-repair"


def test_asking_for_a_person_works_at_once_and_welsh_is_spoken_throughout(talking) -> None:  # type: ignore[no-untyped-def]
    assistant: Assistant = talking
    page = assistant.start("cy")
    assert page.messages[0] == "Cynorthwyydd awtomataidd ydw i, nid person."
    page = assistant.hand_over(page.conversation_id)
    assert page.heading.startswith("Pa rif ffôn neu gyfeiriad e-bost")


def test_the_audit_log_has_every_message_but_none_of_its_words(talking) -> None:  # type: ignore[no-untyped-def]
    assistant: Assistant = talking
    conversation = assistant.start().conversation_id
    assistant.say(conversation, "my boiler is broken, I am Margaret Khan at 12 Mill Road")
    entries = [entry for entry in assistant.workspace.audit.entries(action="assistant.message")
               if entry.subject == conversation]
    assert {entry.details["sender"] for entry in entries} == {"assistant", "resident"} and len(entries) >= 3
    logged = json.dumps([entry.details for entry in entries]) + " ".join(entry.subject for entry in entries)
    assert "Margaret" not in logged and "Mill Road" not in logged and "boiler" not in logged


def test_transcripts_are_deleted_after_the_retention_period(talking) -> None:  # type: ignore[no-untyped-def]
    assistant: Assistant = talking
    conversation = assistant.start().conversation_id
    days = assistant.settings.transcript_retention_days
    assert delete_expired_transcripts(assistant.workspace, now=datetime.now(UTC) + timedelta(days=days - 1)) == 0
    assert assistant.transcript(conversation)
    assert delete_expired_transcripts(assistant.workspace, now=datetime.now(UTC) + timedelta(days=days + 1)) >= 1
    assert assistant.transcript(conversation) == ""
