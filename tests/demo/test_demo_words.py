"""The demo's words: case notes with the planted phrase mostly before escalation, and the text steps of the demo."""

from __future__ import annotations

import pandas as pd

from townhall.demo import DemoCouncil
from townhall.demo.words import run_text_analyses
from townhall.workspace import Workspace


def test_case_notes_carry_the_planted_phrase_mostly_on_referrals_that_escalate(small_council: DemoCouncil) -> None:
    notes = small_council.source("childrens_case_notes").read()
    referrals = small_council.source("childrens_social_care_referrals").read()
    truth = pd.read_csv(small_council.truth_folder / "case_notes_truth.csv")
    assert notes["Note"].str.strip().ne("").all() and set(notes["Referral ID"]) <= set(referrals["Referral ID"])
    planted = truth.loc[truth["has_planted_phrase"], "Referral ID"]
    escalated = referrals.set_index("Referral ID")["Outcome"].isin(["Child protection plan", "Looked after"])
    assert len(planted) > 5 and escalated[planted].mean() > 0.8 > escalated.mean()
    collection = small_council.source("waste_collection_days").read()
    assert collection["UPRN"].is_unique and set(collection["Collection Day"]) <= {
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}


def test_the_demo_text_steps_report_a_missing_source_instead_of_stopping(workspace: Workspace) -> None:
    lines = run_text_analyses(workspace, "tester")
    assert lines == ["Text analysis stopped: There is no source called 'resident_feedback': no sources are "
                     "registered yet. Register one with 'townhall sources add FILE --name NAME'."]
