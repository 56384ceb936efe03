"""Decision support: risk lists for targeted inspections and early help, with reasons, a bias audit, model cards
and a review queue where a person decides.

A model is a short YAML definition (``load_definition``); ``build_dataset`` turns it into one row per unit and as-of
date using only what was known then (``check_for_leaks`` proves it); ``train_model`` evaluates a logistic regression
and LightGBM over rolling temporal splits and keeps the simpler one unless the other is clearly better;
``score_model`` writes the ranked list with plain-English reasons; ``audit_model`` measures bias with fairlearn;
``model_card`` writes the card and the Algorithmic Transparency Recording Standard record; ``audit_supplied_scores``
audits scores the council did not make; ``review_queue`` and ``record_decision`` are the practitioner's side, and
``record_outcome`` feeds inspection results back as labels.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each public name and the module defining it. Importing townhall.decisions is quick: a name's module (and the
# heavy libraries it needs, such as scikit-learn, LightGBM and fairlearn) is imported when the name is first used.
_EXPORTS = {
    "ATRS_VERSION": "townhall.decisions.atrs",
    "BAND_LABELS": "townhall.decisions.queue",
    "BiasAudit": "townhall.decisions.audit",
    "CasePeriod": "townhall.decisions.features",
    "DECISIONS": "townhall.decisions.queue",
    "DECISION_LABELS": "townhall.decisions.queue",
    "DEFAULT_BAND": "townhall.decisions.audit",
    "DefinitionError": "townhall.decisions.definition",
    "DriftReport": "townhall.decisions.drift",
    "Estimate": "townhall.decisions.metrics",
    "LeakCheck": "townhall.decisions.features",
    "LeakError": "townhall.decisions.features",
    "MODEL_KIND_NAMES": "townhall.decisions.training",
    "ModelCard": "townhall.decisions.card",
    "ModelDefinition": "townhall.decisions.definition",
    "OutcomeImport": "townhall.decisions.feedback",
    "OverrideReport": "townhall.decisions.queue",
    "QUEUE_ROLES": "townhall.decisions.queue",
    "QueueListing": "townhall.decisions.queue",
    "RATES": "townhall.decisions.audit",
    "REPORT_ROLES": "townhall.decisions.queue",
    "ReviewQueue": "townhall.decisions.queue",
    "SUPPLIED_MARK": "townhall.decisions.supplied",
    "ScoringResult": "townhall.decisions.scoring",
    "SuppliedScores": "townhall.decisions.supplied",
    "TrainedModel": "townhall.decisions.training",
    "TrainedModelSummary": "townhall.decisions.card",
    "TrainingResult": "townhall.decisions.training",
    "UnitDataset": "townhall.decisions.dataset",
    "UnreadableModel": "townhall.decisions.queue",
    "atrs_json_schema": "townhall.decisions.atrs",
    "audit_model": "townhall.decisions.audit",
    "audit_predictions": "townhall.decisions.audit",
    "audit_supplied_scores": "townhall.decisions.supplied",
    "build_dataset": "townhall.decisions.features",
    "builtin_definitions": "townhall.decisions.definition",
    "chart_figures": "townhall.decisions.card",
    "check_decision": "townhall.decisions.queue",
    "check_drift": "townhall.decisions.drift",
    "check_for_leaks": "townhall.decisions.features",
    "check_may_decide": "townhall.decisions.queue",
    "check_reason": "townhall.decisions.queue",
    "import_outcomes": "townhall.decisions.feedback",
    "latest_data_date": "townhall.decisions.features",
    "latest_drift": "townhall.decisions.drift",
    "latest_score_run": "townhall.decisions.scoring",
    "load_definition": "townhall.decisions.definition",
    "load_trained": "townhall.decisions.training",
    "model_card": "townhall.decisions.card",
    "model_folder": "townhall.decisions.store",
    "one_in_n_sentence": "townhall.decisions.metrics",
    "override_report": "townhall.decisions.queue",
    "parse_found": "townhall.decisions.feedback",
    "percent_text": "townhall.decisions.audit",
    "precision_at_k": "townhall.decisions.metrics",
    "queue_models": "townhall.decisions.queue",
    "ratio_text": "townhall.decisions.audit",
    "read_training": "townhall.decisions.card",
    "recall_at_k": "townhall.decisions.metrics",
    "record_decision": "townhall.decisions.queue",
    "record_outcome": "townhall.decisions.feedback",
    "recorded_outcomes": "townhall.decisions.feedback",
    "review_queue": "townhall.decisions.queue",
    "scheduling_sentence": "townhall.decisions.card",
    "score_model": "townhall.decisions.scoring",
    "train_model": "townhall.decisions.training",
    "trained_definition": "townhall.decisions.store",
    "trained_models": "townhall.decisions.card",
    "training_data": "townhall.decisions.training",
    "unit_noun": "townhall.decisions.definition",
    "validate_atrs": "townhall.decisions.atrs",
}

if TYPE_CHECKING:
    from townhall.decisions.atrs import ATRS_VERSION, atrs_json_schema, validate_atrs
    from townhall.decisions.audit import (
        DEFAULT_BAND,
        RATES,
        BiasAudit,
        audit_model,
        audit_predictions,
        percent_text,
        ratio_text,
    )
    from townhall.decisions.card import (
        ModelCard,
        TrainedModelSummary,
        chart_figures,
        model_card,
        read_training,
        scheduling_sentence,
        trained_models,
    )
    from townhall.decisions.dataset import UnitDataset
    from townhall.decisions.definition import (
        DefinitionError,
        ModelDefinition,
        builtin_definitions,
        load_definition,
        unit_noun,
    )
    from townhall.decisions.drift import DriftReport, check_drift, latest_drift
    from townhall.decisions.features import (
        CasePeriod,
        LeakCheck,
        LeakError,
        build_dataset,
        check_for_leaks,
        latest_data_date,
    )
    from townhall.decisions.feedback import (
        OutcomeImport,
        import_outcomes,
        parse_found,
        record_outcome,
        recorded_outcomes,
    )
    from townhall.decisions.metrics import Estimate, one_in_n_sentence, precision_at_k, recall_at_k
    from townhall.decisions.queue import (
        BAND_LABELS,
        DECISION_LABELS,
        DECISIONS,
        QUEUE_ROLES,
        REPORT_ROLES,
        OverrideReport,
        QueueListing,
        ReviewQueue,
        UnreadableModel,
        check_decision,
        check_may_decide,
        check_reason,
        override_report,
        queue_models,
        record_decision,
        review_queue,
    )
    from townhall.decisions.scoring import ScoringResult, latest_score_run, score_model
    from townhall.decisions.store import model_folder, trained_definition
    from townhall.decisions.supplied import SUPPLIED_MARK, SuppliedScores, audit_supplied_scores
    from townhall.decisions.training import (
        MODEL_KIND_NAMES,
        TrainedModel,
        TrainingResult,
        load_trained,
        train_model,
        training_data,
    )


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'townhall.decisions' has no attribute '{name}'")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "ATRS_VERSION",
    "BAND_LABELS",
    "DECISIONS",
    "DECISION_LABELS",
    "DEFAULT_BAND",
    "MODEL_KIND_NAMES",
    "QUEUE_ROLES",
    "RATES",
    "REPORT_ROLES",
    "SUPPLIED_MARK",
    "BiasAudit",
    "CasePeriod",
    "DefinitionError",
    "DriftReport",
    "Estimate",
    "LeakCheck",
    "LeakError",
    "ModelCard",
    "ModelDefinition",
    "OutcomeImport",
    "OverrideReport",
    "QueueListing",
    "ReviewQueue",
    "ScoringResult",
    "SuppliedScores",
    "TrainedModel",
    "TrainedModelSummary",
    "TrainingResult",
    "UnitDataset",
    "UnreadableModel",
    "atrs_json_schema",
    "audit_model",
    "audit_predictions",
    "audit_supplied_scores",
    "build_dataset",
    "builtin_definitions",
    "chart_figures",
    "check_decision",
    "check_drift",
    "check_for_leaks",
    "check_may_decide",
    "check_reason",
    "import_outcomes",
    "latest_data_date",
    "latest_drift",
    "latest_score_run",
    "load_definition",
    "load_trained",
    "model_card",
    "model_folder",
    "one_in_n_sentence",
    "override_report",
    "parse_found",
    "percent_text",
    "precision_at_k",
    "queue_models",
    "ratio_text",
    "read_training",
    "recall_at_k",
    "record_decision",
    "record_outcome",
    "recorded_outcomes",
    "review_queue",
    "scheduling_sentence",
    "score_model",
    "train_model",
    "trained_definition",
    "trained_models",
    "training_data",
    "unit_noun",
    "validate_atrs",
]
