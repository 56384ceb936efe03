"""Trials: register a trial's plan before it starts, size it, randomise it, analyse it honestly, and judge area pilots.

``register_trial`` freezes a pre-analysis plan with a time-stamp and content hash (later changes are amendments);
``power_for_proportions`` / ``power_for_means`` size a trial; ``randomise`` assigns units from a recorded seed;
``randomise_trial`` does it for a registered trial, recording nothing until every check has passed;
``analyse_trial`` checks the data (duplicate units, units not randomised, empty arms, missing clusters, unreadable
outcomes) and gives intention-to-treat effects with intervals, corrected p-values, a sample-ratio check, ratio
outcomes by the delta method, weekly always-valid looks (``sequential_analysis``) and a plain-English conclusion;
``difference_in_differences`` judges pilot areas against comparator areas (staggered starts by Callaway and
Sant'Anna's group-time effects, few areas with the wild cluster bootstrap).
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
    WildBootstrap,
    difference_in_differences,
    service_demand_panel,
    service_demand_pilot,
    wild_cluster_bootstrap,
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
from townhall.trials.randomise import (
    Assignment,
    RandomisedTrial,
    balance_table,
    export_mailing_lists,
    randomise,
    randomise_trial,
    read_assignment,
)
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
from townhall.trials.sequential import (
    RatioEstimate,
    SequentialAnalysis,
    SequentialLook,
    always_valid,
    ratio_estimate,
    sequential_analysis,
)

__all__ = [
    "NUDGE_EVIDENCE",
    "ArmEffect",
    "Assignment",
    "DifferenceInDifferences",
    "PowerResult",
    "RandomisedTrial",
    "RatioEstimate",
    "RegisteredTrial",
    "SampleRatioCheck",
    "SequentialAnalysis",
    "SequentialLook",
    "TrialAmendment",
    "TrialAnalysis",
    "TrialNote",
    "TrialPlan",
    "WildBootstrap",
    "add_trial_note",
    "always_valid",
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
    "randomise_trial",
    "ratio_estimate",
    "read_assignment",
    "record_randomisation",
    "register_trial",
    "sample_ratio_check",
    "sequential_analysis",
    "service_demand_panel",
    "service_demand_pilot",
    "trial_data",
    "trial_exists",
    "wild_cluster_bootstrap",
]
