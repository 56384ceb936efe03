"""Trials: register a trial's plan before it starts, size it, randomise it, analyse it honestly, and judge area pilots.

``register_trial`` freezes a pre-analysis plan with a time-stamp and content hash (later changes are amendments);
``power_for_proportions`` / ``power_for_means`` size a trial; ``randomise`` assigns units from a recorded seed;
``analyse_trial`` gives intention-to-treat effects with intervals, corrected p-values, a sample-ratio check and a
plain-English conclusion; ``difference_in_differences`` judges a pilot area against comparator areas.
"""

from townhall.trials.analysis import (
    ArmEffect,
    SampleRatioCheck,
    TrialAnalysis,
    analyse_frame,
    analyse_trial,
    sample_ratio_check,
    trial_data,
)
from townhall.trials.area_pilots import (
    DifferenceInDifferences,
    difference_in_differences,
    service_demand_panel,
    service_demand_pilot,
)
from townhall.trials.charts import effect_chart, event_study_chart
from townhall.trials.power import (
    NUDGE_EVIDENCE,
    PowerResult,
    cuped_variance_factor,
    design_effect,
    power_for_means,
    power_for_proportions,
)
from townhall.trials.randomise import Assignment, balance_table, export_mailing_lists, randomise
from townhall.trials.registration import (
    RegisteredTrial,
    TrialAmendment,
    TrialNote,
    TrialPlan,
    add_trial_note,
    amend_trial,
    get_trial,
    list_trials,
    plan_hash,
    record_randomisation,
    register_trial,
    trial_exists,
)

__all__ = [
    "NUDGE_EVIDENCE",
    "ArmEffect",
    "Assignment",
    "DifferenceInDifferences",
    "PowerResult",
    "RegisteredTrial",
    "SampleRatioCheck",
    "TrialAmendment",
    "TrialAnalysis",
    "TrialNote",
    "TrialPlan",
    "add_trial_note",
    "amend_trial",
    "analyse_frame",
    "analyse_trial",
    "balance_table",
    "cuped_variance_factor",
    "design_effect",
    "difference_in_differences",
    "effect_chart",
    "event_study_chart",
    "export_mailing_lists",
    "get_trial",
    "list_trials",
    "plan_hash",
    "power_for_means",
    "power_for_proportions",
    "randomise",
    "record_randomisation",
    "register_trial",
    "sample_ratio_check",
    "service_demand_panel",
    "service_demand_pilot",
    "trial_data",
    "trial_exists",
]
