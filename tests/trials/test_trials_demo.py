"""The worked example: the demo's direct-debit letter trial, registered retrospectively and analysed, recovers the
effect the demo generator planted within its 95% confidence interval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from townhall.demo.letter_trial import (
    DEMO_REGISTERED_AT,
    DEMO_TRIAL,
    analyse_demo_letter_trial,
    demo_letter_trial_plan,
)
from townhall.trials import analyse_trial, get_trial, register_trial
from townhall.workspace import Workspace

DEFAULT_RESIDENTS = 10_000  # the default demo size, at which the docs say the letter trial detects its effect


def _planted_effect(folder: Path) -> float:
    truth = json.loads((folder / "demo-data" / "truth" / "planted_effects.json").read_text(encoding="utf-8"))
    return float(truth["letter_trial"]["true_effect"])


def test_the_demo_trial_is_registered_before_randomisation_and_says_it_was_retrospective(
        linked_demo: Workspace) -> None:
    analysis = analyse_demo_letter_trial(linked_demo)
    assert analysis is not None
    trial = get_trial(linked_demo, DEMO_TRIAL)
    with linked_demo.analytics.connect(read_only=True) as connection:
        first_randomised = connection.execute(
            f"select min(randomised_date) from {linked_demo.catalogue.table_name('letter_trial')}").fetchall()[0][0]
    assert trial.registered_at.date() < first_randomised
    assert trial.retrospective and "retrospectively by the demo builder" in trial.registration_note
    assert {note.kind for note in trial.notes} == {"note", "quote"}
    assert analyse_demo_letter_trial(linked_demo) is not None  # a second call re-uses the registration
    assert len(linked_demo.audit.entries(action="trial.register")) == 1


def test_the_small_demo_trial_recovers_the_planted_effect_within_its_interval(linked_demo: Workspace) -> None:
    analysis = analyse_demo_letter_trial(linked_demo)
    planted = _planted_effect(linked_demo.path)
    effect = analysis.primary()[0]
    # 1,500 residents give only about 120 accounts, so the interval is wide (about +/- 10 points): the check is
    # honest but weak; the next test repeats it on the 798 accounts of the larger demo when that is on the machine.
    assert effect.units + effect.control_units >= 60
    assert effect.lower <= planted <= effect.upper
    assert effect.adjusted_for  # the pre-registered council tax covariates were joined and used
    assert not analysis.sample_ratio.mismatch


@pytest.fixture(scope="session")
def default_size_letter_trial(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """The letter trial's file as the default-size demo writes it (10,000 residents, seed 2026), drawn by the demo
    generator itself (a second or two: only the borough, council tax and the trial are drawn), and the true effect
    the generator planted."""
    from townhall.demo import feeds, revenues
    from townhall.demo.generator import build_world
    from townhall.demo.writer import write_source

    world = build_world(DEFAULT_RESIDENTS, 2026)
    council_tax, accounts = revenues.council_tax(world)
    folder = tmp_path_factory.mktemp("default-letter-trial")
    path = write_source(feeds.letter_trial(world, council_tax, accounts), folder)
    return path, float(world.planted["letter_trial"]["true_effect"])


def test_at_the_default_demo_size_the_letter_trial_detects_its_effect(
        workspace: Workspace, default_size_letter_trial: tuple[Path, float]) -> None:
    path, planted = default_size_letter_trial
    workspace.catalogue.add_source(path, "letter_trial", sheet="Trial", owner="Revenues and Benefits")
    plan = demo_letter_trial_plan()
    plan.covariates, plan.covariate_source, plan.covariate_key = [], "", ""  # just the trial file, no council tax
    register_trial(workspace, plan, registered_by="test", registered_at=DEMO_REGISTERED_AT, retrospective=True)
    analysis = analyse_trial(workspace, DEMO_TRIAL, actor="test")
    effect = analysis.primary()[0]
    assert effect.units + effect.control_units > 700
    assert effect.lower <= planted <= effect.upper
    assert effect.lower > 0 and effect.significant  # the letter's effect is detected
    assert analysis.conclusions()[0].startswith("'New letter with a pre-filled direct-debit form' raised "
                                                "switching to direct debit within eight weeks by")
