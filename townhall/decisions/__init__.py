"""Decision support: risk lists for targeted inspections and early help, with reasons, a bias audit, model cards
and a review queue where a person decides.

A model is a short YAML definition (``load_definition``); ``build_dataset`` turns it into one row per unit and as-of
date using only what was known then (``check_for_leaks`` proves it); ``train_model`` evaluates a logistic regression
and LightGBM over rolling temporal splits and keeps the simpler one unless the other is clearly better;
``score_model`` writes the ranked list with plain-English reasons; ``audit_model`` measures bias with fairlearn;
``model_card`` writes the card and the Algorithmic Transparency Recording Standard record; ``review_queue`` and
``record_decision`` are the practitioner's side, and ``record_outcome`` feeds inspection results back as labels.
"""

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
from townhall.decisions.card import ModelCard, chart_figures, model_card, read_training, trained_models
from townhall.decisions.dataset import UnitDataset
from townhall.decisions.definition import DefinitionError, ModelDefinition, builtin_definitions, load_definition
from townhall.decisions.drift import DriftReport, check_drift, latest_drift
from townhall.decisions.features import LeakCheck, LeakError, build_dataset, check_for_leaks, latest_data_date
from townhall.decisions.feedback import OutcomeImport, import_outcomes, parse_found, record_outcome, recorded_outcomes
from townhall.decisions.metrics import Estimate, one_in_n_sentence, precision_at_k, recall_at_k
from townhall.decisions.queue import (
    BAND_LABELS,
    DECISION_LABELS,
    DECISIONS,
    QUEUE_ROLES,
    REPORT_ROLES,
    OverrideReport,
    ReviewQueue,
    check_decision,
    check_may_decide,
    check_reason,
    override_report,
    queue_models,
    record_decision,
    review_queue,
)
from townhall.decisions.scoring import ScoringResult, latest_score_run, score_model
from townhall.decisions.store import model_folder
from townhall.decisions.training import MODEL_KIND_NAMES, TrainedModel, TrainingResult, load_trained, train_model

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
    "BiasAudit",
    "DefinitionError",
    "DriftReport",
    "Estimate",
    "LeakCheck",
    "LeakError",
    "ModelCard",
    "ModelDefinition",
    "OutcomeImport",
    "OverrideReport",
    "ReviewQueue",
    "ScoringResult",
    "TrainedModel",
    "TrainingResult",
    "UnitDataset",
    "atrs_json_schema",
    "audit_model",
    "audit_predictions",
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
    "score_model",
    "train_model",
    "trained_models",
    "validate_atrs",
]
