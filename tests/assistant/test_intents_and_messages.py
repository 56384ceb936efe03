"""Intent matching on phrasings it never saw, and every string residents see translated into Welsh."""

from __future__ import annotations

from townhall.assistant import evaluate_intents, held_out_phrasings, load_flows, missing_translations, train_intents
from townhall.assistant.messages import assistant_strings, translate


def test_held_out_phrasings_find_their_flow_at_least_90_percent_of_the_time_and_others_are_not_guessed() -> None:
    evaluation = evaluate_intents(train_intents(load_flows()), held_out_phrasings())
    assert evaluation.accuracy >= 0.9
    assert all(right / tried >= 0.8 for right, tried in evaluation.per_intent.values())
    assert evaluation.out_of_scope_not_sure >= 0.7 * evaluation.out_of_scope_tried
    assert evaluation.wrong_but_sure <= 2


def test_the_matcher_offers_choices_when_unsure_and_understands_welsh_and_typos() -> None:
    matcher = train_intents(load_flows())
    assert matcher.guess("my bin wasnt colected").best == "missed-bin"
    assert matcher.guess("siarad â pherson os gwelwch yn dda").best == "handover"
    unsure = matcher.guess("how do I renew my parking permit")
    assert not unsure.sure and len(unsure.ranked) == 3


def test_every_string_of_the_assistant_and_public_pages_has_a_welsh_translation() -> None:
    strings = assistant_strings()
    assert len(strings) > 100
    assert missing_translations("cy", strings) == []
    assert translate("Continue", "cy") == "Parhau" and translate("Continue", "en") == "Continue"
