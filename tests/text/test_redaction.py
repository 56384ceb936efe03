"""Redaction finds the personal details planted in a test corpus, keeps what is not personal, and takes any input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from townhall.text import STRUCTURED_KINDS, KnownNames, Redactor, measure_recall, planted_corpus
from townhall.workspace import Workspace

NAMES = [("Margaret", "Khan"), ("Oliver", "Shaw"), ("Chinedu", "Okafor"), ("Zofia", "Nowak"), ("Tom", "O'Neill"),
         ("Sian", "Lloyd-Jones"), ("Priya", "Patel"), ("Ruby", "Miles")]


def test_structured_details_are_redacted_with_recall_of_at_least_98_percent_each() -> None:
    result = measure_recall(Redactor(), planted_corpus(NAMES, per_kind=250, seed=3))
    for kind in STRUCTURED_KINDS:
        assert result.recall(kind) >= 0.98, (kind, result.recall(kind))
    assert result.over_redaction == 0


def test_names_the_council_knows_are_redacted_and_unknown_names_mostly_by_pattern() -> None:
    corpus = planted_corpus(NAMES, per_kind=250, seed=4)
    assert measure_recall(Redactor(KnownNames.from_pairs(NAMES)), corpus).recall("name") >= 0.95
    by_pattern_only = measure_recall(Redactor(), corpus).recall("name")
    assert 0.3 < by_pattern_only < 0.95  # titles, "my name is" and sign-offs only: stated in docs/text.md


def test_a_sentence_keeps_its_places_and_loses_its_people() -> None:
    redactor = Redactor(KnownNames.from_pairs(NAMES))
    text = ("Mrs O'Neill at Flat 2, Alder Court, 14 Mill Road, AY1 2CD rang from 07700 900123 about Charlie, "
            "DOB 03/04/2015, NHS 943 476 5919, jo@example.com. The bins on Mill Road were missed on Monday.")
    redacted = redactor.redact(text, extra_names=["Charlie"])
    assert redacted == ("[NAME] at [ADDRESS], [POSTCODE] rang from [PHONE] about [NAME], DOB [DATE OF BIRTH], NHS "
                        "[NHS NUMBER], [EMAIL]. The bins on Mill Road were missed on Monday.")


def test_empty_and_missing_text_and_text_in_another_language_are_handled() -> None:
    redactor = Redactor()
    assert redactor.redact("") == "" and redactor.find("") == []
    assert redactor.redact_all([None, "", "  "]) == ["", "", "  "]
    polish = "Mój kosz nie został opróżniony, proszę zadzwonić 07700 900456 lub napisać na ania@example.com"
    assert redactor.redact(polish) == ("Mój kosz nie został opróżniony, proszę zadzwonić [PHONE] lub napisać na "
                                       "[EMAIL]")
    welsh = "Ni chasglwyd fy min ar Ffordd y Felin. Fy nghod post yw ay3 1zh."
    assert redactor.redact(welsh) == "Ni chasglwyd fy min ar Ffordd y Felin. Fy nghod post yw [POSTCODE]."


def test_the_demo_comments_stored_for_analysis_hold_none_of_the_planted_details(words_demo_folder: Path) -> None:
    with Workspace.open(words_demo_folder) as workspace:
        truth = pd.read_csv(workspace.path / workspace.settings.demo.truth_folder / "feedback_truth.csv",
                            keep_default_na=False)
        with workspace.analytics.connect(read_only=True) as connection:
            stored = connection.execute("select record_id, text from text.comments").df().set_index("record_id")
    planted = truth[truth["planted_detail"] != ""]
    assert len(planted) > 5
    for row in planted.itertuples():
        assert row.planted_value not in stored.loc[row.feedback_id, "text"], row.planted_detail
