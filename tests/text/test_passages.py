"""Key passages: the planted phrase that precedes escalation in the demo's case notes is the passage found."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from townhall.errors import TownhallError
from townhall.text import PassageModel, case_note_texts, key_passage_for_case, split_passages
from townhall.workspace import Workspace

PLANTED = "told a teacher they are scared to go home at weekends"


def test_notes_are_split_into_sentences() -> None:
    assert split_passages("Seen at home. [NAME] said no! Is mum ok? fine") == [
        "Seen at home.", "[NAME] said no!", "Is mum ok? fine"]
    assert split_passages("") == []


def test_the_planted_passage_is_the_key_passage_of_the_demo_cases_that_hold_it(words_demo_folder: Path) -> None:
    with Workspace.open(words_demo_folder) as workspace:
        cases = case_note_texts(workspace)
        holding = cases[cases["text"].str.contains(PLANTED, regex=False)]
        assert len(holding) >= 5 and holding["escalated"].mean() > cases["escalated"].mean()
        assert not cases["text"].str.contains("07700 900", regex=False).any()  # phone numbers redacted first
        found = [key_passage_for_case(workspace, case_id) for case_id in holding["case_id"]]
    assert all(item is not None and PLANTED in item.passage for item in found)
    assert all(item.passage.startswith("[NAME] told") for item in found)  # the child's name redacted


def test_notes_written_after_a_date_are_left_out_and_one_outcome_is_refused(words_demo_folder: Path) -> None:
    with Workspace.open(words_demo_folder) as workspace:
        early = case_note_texts(workspace, before=date(2021, 1, 1))
        everything = case_note_texts(workspace)
        assert 0 < len(early) < len(everything)
        with pytest.raises(TownhallError, match="no case notes to read written before 01/01/1990"):
            case_note_texts(workspace, before=date(1990, 1, 1))
    with pytest.raises(TownhallError, match="both outcomes"):
        PassageModel().fit(["a note", "another note"], [True, True])
