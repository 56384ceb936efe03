"""Fixtures for the trial tests: a small registered plan."""

from __future__ import annotations

import pytest

from townhall.trials import TrialPlan


@pytest.fixture
def letter_plan() -> TrialPlan:
    """A two-arm letter trial plan with one secondary outcome, analysed from a data frame."""
    return TrialPlan(
        name="reminder-letter", title="Reminder letter", question="Does a reminder letter raise payments?",
        arms=["control", "reminder"], primary_outcome="paid", secondary_outcomes=["amount"],
        population="Accounts in arrears", unit_of_randomisation="account",
        analysis_plan="Intention to treat, OLS with HC2 errors.", minimum_effect_of_interest=0.02,
        unit_column="account",
    )
