"""The worked example: the demo council's 2024 direct-debit letter trial, registered and analysed.

The demo builder registers the plan after the fact (the data were generated with the trial already run), so the
registration is dated before the first account was randomised but marked retrospective, honestly, with a note saying
who registered it and when.
"""

from __future__ import annotations

from datetime import UTC, datetime

from townhall.trials import (
    RegisteredTrial,
    TrialAnalysis,
    TrialPlan,
    add_trial_note,
    analyse_trial,
    get_trial,
    register_trial,
    trial_exists,
)
from townhall.workspace import Workspace

DEMO_TRIAL = "direct-debit-letter-2024"
DEMO_BUILDER = "townhall demo builder"
# The trial opened on 1 February 2024; the first account was randomised on 5 February.
DEMO_REGISTERED_AT = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)


def demo_letter_trial_plan() -> TrialPlan:
    """The plan the revenues team would have written before sending the new letter."""
    return TrialPlan(
        name=DEMO_TRIAL,
        title="Direct-debit letter trial, 2024",
        question="Does a simpler letter with a pre-filled direct-debit form make council tax payers switch to "
                 "paying by direct debit within eight weeks?",
        arms=["control", "new_letter"],
        control_arm="control",
        primary_outcome="switched_to_direct_debit",
        population="Council tax accounts with a person liable, not paying by direct debit, open on 1 February 2024.",
        unit_of_randomisation="council tax account",
        analysis_plan="Intention to treat. Difference in the share switching to direct debit within eight weeks, new "
                      "letter minus control, by OLS with HC2 robust standard errors, adjusted for the pre-registered "
                      "baseline covariates (council tax band, single-person discount, council tax reduction). "
                      "Sample-ratio check against a 50:50 split.",
        minimum_effect_of_interest=0.02,
        allocation={"control": 1, "new_letter": 1},
        source="letter_trial",
        unit_column="account_ref",
        arm_column="arm",
        covariates=["Band", "SPD", "CTR"],
        covariate_source="council_tax",
        covariate_key="AccountRef",
        labels={"control": "Current letter", "new_letter": "New letter with a pre-filled direct-debit form",
                "switched_to_direct_debit": "switching to direct debit within eight weeks"},
    )


def register_demo_letter_trial(workspace: Workspace) -> RegisteredTrial | None:
    """Register the demo's letter trial (retrospectively, dated before randomisation); None when the workspace has
    no letter_trial source. Does nothing if it is already registered."""
    if trial_exists(workspace, DEMO_TRIAL):
        return get_trial(workspace, DEMO_TRIAL)
    names = {source.name for source in workspace.catalogue.list_sources()}
    if "letter_trial" not in names or "council_tax" not in names:
        return None
    registered = register_trial(
        workspace, demo_letter_trial_plan(), registered_by=DEMO_BUILDER, registered_at=DEMO_REGISTERED_AT,
        retrospective=True,
        note=f"Registered retrospectively by the demo builder on {datetime.now(UTC):%d %B %Y}: the demo council's "
             "data were generated with the trial already run. The plan is dated 1 February 2024, before the first "
             "account was randomised, to show how a plan frozen in advance looks.")
    add_trial_note(workspace, DEMO_TRIAL, "Several people rang to ask whether the pre-filled form was genuine "
                   "before returning it; the letter could say how to check.", written_by=DEMO_BUILDER, kind="note",
                   source="Contact centre log (illustrative)")
    add_trial_note(workspace, DEMO_TRIAL, "I'd been meaning to do it for years, and the form was already filled in "
                   "so I just signed it.", written_by=DEMO_BUILDER, kind="quote",
                   source="Resident, follow-up call (illustrative)")
    return registered


def analyse_demo_letter_trial(workspace: Workspace) -> TrialAnalysis | None:
    """Register (if need be) and analyse the demo's letter trial; None when the workspace has no such source."""
    if register_demo_letter_trial(workspace) is None:
        return None
    return analyse_trial(workspace, DEMO_TRIAL, actor=DEMO_BUILDER)
