"""Train a risk model the honest way: two candidate models, tested out of time, the simpler one kept unless the other
is clearly better, with calibrated probabilities and figures an inspector understands.

The candidates are a regularised logistic regression (numeric features standardised, categories one-hot encoded)
and a small, regularised LightGBM model (a few thousand rows are enough; fixed seed, one thread, deterministic, so
the same data gives the same model). Both are calibrated with scikit-learn's ``CalibratedClassifierCV``: isotonic
regression when the training rows allow it (at least 1,000 rows and 100 cases with the outcome), otherwise Platt's
sigmoid, which needs far less data. Calibration uses three stratified folds *within* the training rows; the figures
reported are always from later test periods (``townhall.decisions.splits``), never from a random split across time.
Lists are ranked by the calibrated probability and, where calibration gives several cases the same probability, by
the model's raw score, so the top of a list has no more ties than the model itself.

The logistic regression wins unless LightGBM's mean ROC AUC across the splits is higher by more than the
definition's ``training.tolerance`` (0.01 by default): a model people can follow is worth a little accuracy.
"""

from __future__ import annotations

import json
import math
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from townhall.decisions import metrics
from townhall.decisions.dataset import AREA_CODE, AS_OF, OUTCOME, UNIT_ID, UnitDataset
from townhall.decisions.splits import PeriodPlan, TemporalSplit, require_splits, split_dataset
from townhall.decisions.store import DEFINITION_FILE, EVALUATION, SCHEMA, ensure_tables, model_folder
from townhall.errors import TownhallError

if TYPE_CHECKING:
    import duckdb

    from townhall.decisions.definition import ModelDefinition
    from townhall.workspace import Workspace

Progress = Callable[[str, float], None]

LOGISTIC = "logistic"
LIGHTGBM = "lightgbm"
MODEL_KINDS = (LOGISTIC, LIGHTGBM)
MODEL_KIND_NAMES = {LOGISTIC: "Logistic regression", LIGHTGBM: "LightGBM (gradient-boosted trees)"}
DEFAULT_SEED = 2026
DEFAULT_TOLERANCE = 0.01
DEFAULT_MAXIMUM_SPLITS = 4  # several out-of-time tests, the latest ones, without training for ever
DEFAULT_HIGH_MULTIPLE = 3.0  # "high" band: probability at least 3 times the base rate
DEFAULT_MEDIUM_MULTIPLE = 1.5  # "medium" band: at least 1.5 times the base rate
ISOTONIC_MINIMUM_ROWS = 1_000
ISOTONIC_MINIMUM_POSITIVES = 100
CALIBRATION_FOLDS = 3
MINIMUM_POSITIVES_TO_FIT = 5  # fewer cases with the outcome than this and a split is skipped
SMALL_DATA_POSITIVES = 50  # fewer than this in all the training data earns a warning
BASELINE_MARGIN = 1.25  # the model should find at least 25% more than the baseline (random or rule) at k
LEARNING_CURVE_FRACTIONS = (0.1, 0.25, 0.5, 1.0)
STILL_RISING_AUC = 0.02  # the curve gains this much from half to all the rows: more data would likely help
MODEL_FILE = "model.joblib"
TRAINING_FILE = "training.json"
TRAINING_DATA_FILE = "training_data.parquet"
CHART_FILES = {"calibration": "calibration.png", "learning_curve": "learning_curve.png",
               "precision_at_k": "precision_at_k.png"}


# --- settings taken from a model definition -------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainingSettings:
    """What training needs from a model definition, with the documented defaults."""

    model: str
    unit_noun: str = "cases"  # plural, e.g. "properties"
    outcome_phrase: str = "had the outcome"  # e.g. "were HMOs", for "about 1 in 4 … were HMOs"
    window_months: int = 12
    capacity: int = 50
    tolerance: float = DEFAULT_TOLERANCE
    maximum_splits: int | None = DEFAULT_MAXIMUM_SPLITS
    high_multiple: float = DEFAULT_HIGH_MULTIPLE
    medium_multiple: float = DEFAULT_MEDIUM_MULTIPLE
    baseline_feature: str | None = None  # a rule the team uses now: rank by this feature, highest first
    baseline_description: str | None = None
    seed: int = DEFAULT_SEED
    plan: PeriodPlan | None = None  # how the definition asks to be tested; None: rolling over the as-of dates

    @classmethod
    def from_definition(cls, definition: ModelDefinition) -> TrainingSettings:
        """Read the settings from a ``ModelDefinition``."""
        training = definition.training
        window = int(definition.outcome.window_months)
        plan = PeriodPlan(window_months=window, by_case=definition.by_case, step_months=training.step_months,
                          first=training.first_as_of, last=training.last_as_of, train_window=training.train_window,
                          test_window=training.test_window, maximum=training.test_periods)
        return cls(model=definition.name, unit_noun=definition.unit_noun, window_months=window,
                   capacity=int(definition.capacity), tolerance=float(training.tolerance),
                   maximum_splits=training.test_periods, high_multiple=float(definition.bands.high),
                   medium_multiple=float(definition.bands.medium), plan=plan)

    @property
    def period_plan(self) -> PeriodPlan:
        """The test periods asked for (rolling over the as-of dates unless the definition says otherwise)."""
        return self.plan or PeriodPlan(self.window_months, maximum=self.maximum_splits)

    @property
    def by_case(self) -> bool:
        """Whether each case is ranked at its own date (so the scheduling measures apply)."""
        return self.period_plan.by_case


# --- the two candidate models ---------------------------------------------------------------------------------------

def prepare_features(frame: pd.DataFrame, feature_columns: list[str], categorical_columns: list[str]) -> pd.DataFrame:
    """The model's input: numbers (yes/no as 1/0, missing as NaN) and categories as text ("Not recorded" if missing)."""
    prepared = pd.DataFrame(index=frame.index)
    for column in feature_columns:
        values = frame[column]
        if column in categorical_columns:
            prepared[column] = values.astype("string").fillna("Not recorded").astype(object)
        else:
            prepared[column] = pd.to_numeric(values.astype("Float64"), errors="coerce").astype(float)
    return prepared


def build_pipeline(kind: str, numeric_columns: list[str], categorical_columns: list[str],
                   seed: int = DEFAULT_SEED) -> Pipeline:
    """The uncalibrated pipeline for one candidate: preparation of the columns, then the classifier."""
    if kind == LOGISTIC:
        numeric = Pipeline([("fill_missing", SimpleImputer(strategy="median", keep_empty_features=True)),
                            ("standardise", StandardScaler())])
        categorical = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        classifier: Any = LogisticRegression(C=0.5, max_iter=5_000)
    elif kind == LIGHTGBM:
        numeric = "passthrough"  # LightGBM handles missing values itself
        categorical = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
        classifier = LGBMClassifier(
            n_estimators=100, learning_rate=0.1, num_leaves=15, max_depth=5, min_child_samples=20,
            reg_lambda=5.0, subsample=0.8, subsample_freq=1, colsample_bytree=0.8, random_state=seed, n_jobs=1,
            deterministic=True, force_row_wise=True, verbose=-1)
    else:
        raise TownhallError(f"'{kind}' is not a model townhall trains; use one of {', '.join(MODEL_KINDS)}.")
    parts: list[tuple[str, Any, list[str]]] = []
    if numeric_columns:
        parts.append(("numeric", numeric, numeric_columns))
    if categorical_columns:
        parts.append(("categorical", categorical, categorical_columns))
    preparation = ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=False)
    return Pipeline([("prepare", preparation), ("classifier", classifier)])


def calibration_method(rows: int, positives: int) -> str:
    """Isotonic calibration when there is enough data for it, else the sigmoid (Platt), which needs less."""
    return "isotonic" if rows >= ISOTONIC_MINIMUM_ROWS and positives >= ISOTONIC_MINIMUM_POSITIVES else "sigmoid"


@dataclass
class FittedModel:
    """A calibrated candidate fitted on some rows, with what is needed to score and explain new rows."""

    kind: str
    calibrated: CalibratedClassifierCV
    calibration: str  # "isotonic" or "sigmoid"
    feature_columns: list[str]
    categorical_columns: list[str]
    training_rows: int
    training_positives: int
    transformed_means: np.ndarray  # mean of each prepared column over the training rows (for explanations)

    @property
    def numeric_columns(self) -> list[str]:
        """The features that are not categories."""
        return [column for column in self.feature_columns if column not in self.categorical_columns]

    @property
    def pipeline(self) -> Pipeline:
        """The uncalibrated pipeline fitted on all the training rows (what explanations describe)."""
        return self.calibrated.calibrated_classifiers_[0].estimator

    def probabilities(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities of the outcome for each row of ``frame`` (which holds the feature columns)."""
        prepared = prepare_features(frame, self.feature_columns, self.categorical_columns)
        with threadpool_limits(limits=1):
            return self.calibrated.predict_proba(prepared)[:, 1]

    def raw_scores(self, frame: pd.DataFrame) -> np.ndarray:
        """The uncalibrated model's scores: they order cases that calibration gives the same probability."""
        prepared = prepare_features(frame, self.feature_columns, self.categorical_columns)
        with threadpool_limits(limits=1):
            return self.pipeline.predict_proba(prepared)[:, 1]

    def ranking(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """The calibrated probabilities and the ordering score the list is ranked by (no ties from calibration)."""
        probabilities = self.probabilities(frame)
        return probabilities, metrics.ordering_scores(probabilities, self.raw_scores(frame))


def fit_model(kind: str, dataset: UnitDataset, seed: int = DEFAULT_SEED) -> FittedModel:
    """Fit and calibrate one candidate on a labelled dataset."""
    outcomes = dataset.outcomes.to_numpy()
    positives = int(outcomes.sum())
    negatives = len(outcomes) - positives
    if positives < CALIBRATION_FOLDS or negatives < CALIBRATION_FOLDS:
        raise TownhallError(
            f"There are too few cases to train on: {positives} with the outcome and {negatives} without it. At "
            f"least {MINIMUM_POSITIVES_TO_FIT} of each are needed.")
    categorical = [column for column in dataset.feature_columns if column in dataset.categorical_columns]
    numeric = [column for column in dataset.feature_columns if column not in categorical]
    prepared = prepare_features(dataset.frame, dataset.feature_columns, categorical)
    method = calibration_method(len(outcomes), positives)
    folds = StratifiedKFold(n_splits=CALIBRATION_FOLDS, shuffle=True, random_state=seed)
    calibrated = CalibratedClassifierCV(build_pipeline(kind, numeric, categorical, seed), method=method, cv=folds,
                                        ensemble=False)
    with threadpool_limits(limits=1):  # small matrices: extra BLAS threads only contend for the cores
        calibrated.fit(prepared, outcomes)
    pipeline = calibrated.calibrated_classifiers_[0].estimator
    transformed = np.asarray(pipeline.named_steps["prepare"].transform(prepared), dtype=float)
    return FittedModel(kind, calibrated, method, list(dataset.feature_columns), categorical, len(outcomes), positives,
                       np.nanmean(transformed, axis=0) if len(transformed) else np.zeros(transformed.shape[1]))


# --- evaluation over the test periods ------------------------------------------------------------------------------

def baseline_scores(frame: pd.DataFrame, feature: str) -> np.ndarray:
    """The current rule's ranking score: the baseline feature's value, highest first (missing counts as lowest)."""
    values = pd.to_numeric(frame[feature].astype("Float64"), errors="coerce").astype(float)
    return values.fillna(-np.inf).to_numpy()


def split_metrics(outcomes: np.ndarray, probabilities: np.ndarray, capacity: int,
                  rule_scores: np.ndarray | None = None, *, ordering: np.ndarray | None = None,
                  dates: pd.Series | None = None) -> dict[str, float]:
    """The figures for one test period: base rate, precision/recall at k and top 5%, lifts, AUC, Brier; and, for
    cases at their own dates (``dates`` given), how much earlier outcomes would have been found in score order.

    Ranking measures use ``ordering`` (the list's order: probability, then the raw score) when given; the Brier
    score uses the probabilities."""
    ranked = probabilities if ordering is None else ordering
    top_share = metrics.k_for_fraction(len(outcomes))
    rate = metrics.base_rate(outcomes)
    precision = metrics.precision_at_k(outcomes, ranked, capacity)
    figures = {
        "base_rate": rate, "test_rows": float(len(outcomes)), "test_positives": float(outcomes.sum()),
        "k": float(min(capacity, len(outcomes))), "top_share_k": float(top_share),
        "precision_at_k": precision, "recall_at_k": metrics.recall_at_k(outcomes, ranked, capacity),
        "precision_at_top_share": metrics.precision_at_k(outcomes, ranked, top_share),
        "recall_at_top_share": metrics.recall_at_k(outcomes, ranked, top_share),
        "lift_over_random": metrics.lift(precision, rate),
        "lift_at_top_share": metrics.lift(metrics.precision_at_k(outcomes, ranked, top_share), rate),
        "roc_auc": metrics.roc_auc(outcomes, ranked), "brier": metrics.brier_score(outcomes, probabilities),
    }
    if rule_scores is not None:
        rule_precision = metrics.precision_at_k(outcomes, rule_scores, capacity)
        figures["rule_precision_at_k"] = rule_precision
        figures["lift_over_rule"] = metrics.lift(precision, rule_precision)
    if dates is not None:
        gain = metrics.scheduling_gain(dates, ranked, outcomes)
        figures["days_earlier"] = gain.days_earlier
        figures["days_earlier_sd"] = gain.days_earlier_sd
        figures["found_first_half_as_worked"] = float(gain.found_first_half_as_worked)
        figures["found_first_half_in_score_order"] = float(gain.found_first_half_in_score_order)
    return figures


@dataclass
class SplitResult:
    """One test period: its dates and sizes, each candidate's figures and test probabilities (and ordering)."""

    split: TemporalSplit
    training_rows: int
    training_positives: int
    test: UnitDataset
    figures: dict[str, dict[str, float]] = field(default_factory=dict)  # model kind -> metric -> value
    probabilities: dict[str, np.ndarray] = field(default_factory=dict)
    ordering: dict[str, np.ndarray] = field(default_factory=dict)  # the list's order: higher is nearer the top
    training_base_rate: float = math.nan

    def describe(self) -> str:
        """The period in words with how many cases it learnt from and was tested on."""
        tested = len(self.test.frame)
        return (f"{self.split.describe()} ({self.training_rows:,} rows learnt from, {tested:,} tested, "
                f"{int(self.test.outcomes.sum()) if tested else 0:,} of them with the outcome)")


@dataclass
class Evaluation:
    """Everything the test periods showed: per period, summarised with intervals, the choice and the warnings."""

    settings: TrainingSettings
    splits: list[SplitResult]
    summary: dict[str, dict[str, metrics.Estimate]]  # model kind -> metric -> mean with interval
    chosen_kind: str
    choice_reason: str
    learning_curve: pd.DataFrame
    calibration: pd.DataFrame
    base_rate: float
    labelled_rows: int
    positives: int
    warnings: list[str]
    skipped: int = 0  # test periods left out (no cases, no outcomes, too little to learn from)

    @property
    def chosen(self) -> dict[str, metrics.Estimate]:
        """The chosen model's summary figures."""
        return self.summary[self.chosen_kind]

    def headline(self) -> str:
        """The "1 in N" sentence for the chosen model at the team's capacity."""
        precision = self.chosen["precision_at_k"].mean
        return metrics.one_in_n_sentence(precision, self.base_rate, units=self.settings.unit_noun,
                                         outcome=self.settings.outcome_phrase)

    def scheduling(self) -> dict[str, float] | None:
        """For cases at their own dates: days earlier (mean over the test periods' outcomes) and outcomes found in
        the first half of the test periods, as worked and in score order (summed over the periods)."""
        if not self.settings.by_case:
            return None
        figures = [result.figures[self.chosen_kind] for result in self.splits]
        outcomes = [figure["test_positives"] for figure in figures]
        total = sum(outcomes)
        if not total:
            return None
        return {
            "days_earlier": sum(figure["days_earlier"] * count for figure, count in zip(figures, outcomes,
                                                                                         strict=True)) / total,
            "days_earlier_sd": figures[0]["days_earlier_sd"] if len(figures) == 1 else math.nan,
            "found_first_half_as_worked": sum(figure["found_first_half_as_worked"] for figure in figures),
            "found_first_half_in_score_order": sum(figure["found_first_half_in_score_order"] for figure in figures),
            "outcomes": total, "cases": sum(figure["test_rows"] for figure in figures), "periods": len(figures)}


def evaluate_models(dataset: UnitDataset, settings: TrainingSettings, *, progress: Progress | None = None,
                    kinds: tuple[str, ...] = MODEL_KINDS) -> Evaluation:
    """Fit each candidate on every test period's past and test it on the period; choose between them.

    A period with no cases, no case with the outcome, or too few to learn from is left out with a warning, never
    averaged in."""
    report = progress or (lambda step, fraction: None)
    labelled = dataset.labelled()
    if settings.baseline_feature and settings.baseline_feature not in labelled.frame.columns:
        raise TownhallError(f"The baseline rule uses the feature '{settings.baseline_feature}', which the dataset "
                            "does not have. Name one of the model's features.")
    splits = require_splits(labelled, settings.window_months, plan=settings.period_plan)
    warnings: list[str] = list(dataset.warnings)
    results: list[SplitResult] = []
    fitted_for: dict[tuple[str, tuple[int, ...]], FittedModel] = {}  # the same training rows give the same model
    steps = len(splits) * len(kinds) + len(LEARNING_CURVE_FRACTIONS)
    done = 0
    for split in splits:
        training, test = split_dataset(labelled, split)
        training_outcomes = training.outcomes.to_numpy()
        result = SplitResult(split, len(training_outcomes), int(training_outcomes.sum()), test,
                             training_base_rate=metrics.base_rate(training_outcomes))
        problem = _period_problem(result, settings)
        if problem:
            warnings.append(f"{split.describe()} was left out: {problem}")
            done += len(kinds)
            continue
        test_outcomes = test.outcomes.to_numpy()
        rule = baseline_scores(test.frame, settings.baseline_feature) if settings.baseline_feature else None
        dates = test.frame[AS_OF] if settings.by_case else None
        rows = (len(training.frame), hash(tuple(training.frame[UNIT_ID])), hash(tuple(training.frame[AS_OF])))
        for kind in kinds:
            report(f"test period {split.number} of {len(splits)}, {MODEL_KIND_NAMES[kind]}", done / steps * 0.85)
            fitted = fitted_for.get((kind, rows)) or fit_model(kind, training, settings.seed)
            fitted_for[(kind, rows)] = fitted
            probabilities, ordering = fitted.ranking(test.frame)
            result.probabilities[kind] = probabilities
            result.ordering[kind] = ordering
            result.figures[kind] = split_metrics(test_outcomes, probabilities, settings.capacity, rule,
                                                 ordering=ordering, dates=dates)
            done += 1
        results.append(result)
    if not results:
        raise TownhallError(f"None of the {len(splits)} test periods could be used: " + " ".join(warnings[-3:]))
    summary = {kind: _summarise([result.figures[kind] for result in results]) for kind in kinds}
    chosen_kind, reason = choose_model(summary, settings.tolerance)
    report("learning curve", done / steps * 0.85)
    curve = learning_curve(labelled, results[-1], chosen_kind, settings)
    pooled_outcomes = np.concatenate([result.test.outcomes.to_numpy() for result in results])
    pooled_probabilities = np.concatenate([result.probabilities[chosen_kind] for result in results])
    outcomes = labelled.outcomes.to_numpy()
    calibration = metrics.calibration_bins(pooled_outcomes, pooled_probabilities)
    evaluation = Evaluation(settings, results, summary, chosen_kind, reason, curve, calibration,
                            metrics.base_rate(outcomes), len(outcomes), int(outcomes.sum()), warnings,
                            skipped=len(splits) - len(results))
    evaluation.warnings.extend(honesty_warnings(evaluation))
    return evaluation


def _period_problem(result: SplitResult, settings: TrainingSettings) -> str | None:
    """Why a test period cannot be used, in words (None when it can)."""
    tested = len(result.test.frame)
    noun = settings.unit_noun
    if not tested:
        return f"it had no {noun} with a known outcome to test on."
    positives = int(result.test.outcomes.sum())
    if positives == 0:
        return (f"none of its {tested:,} {noun} had the outcome, so precision, recall and AUC cannot be measured "
                "there.")
    negatives = result.training_rows - result.training_positives
    if result.training_positives < MINIMUM_POSITIVES_TO_FIT or negatives < MINIMUM_POSITIVES_TO_FIT:
        return (f"the {result.training_rows:,} {noun} before it had {result.training_positives:,} with the outcome "
                f"and {negatives:,} without; at least {MINIMUM_POSITIVES_TO_FIT} of each are needed to learn from.")
    return None


SHARES = ("base_rate", "precision_at_k", "recall_at_k", "precision_at_top_share", "recall_at_top_share",
          "rule_precision_at_k", "roc_auc", "brier")  # figures between 0 and 1; the rest are 0 or more
SIGNED = ("days_earlier",)  # can be negative: worse than the order the cases were worked in


def _summarise(per_split: list[dict[str, float]]) -> dict[str, metrics.Estimate]:
    """Each figure's mean across the test periods with its t-interval, clipped to the values it can take, and the
    number of test cases behind it."""
    cases = [int(figures.get("test_rows", 0)) for figures in per_split]
    return {name: metrics.mean_with_interval(
                [figures.get(name, math.nan) for figures in per_split],
                bounds=(0.0, 1.0) if name in SHARES else (-math.inf, math.inf) if name in SIGNED else (0.0, math.inf),
                cases=cases)
            for name in per_split[0]}


def choose_model(summary: dict[str, dict[str, metrics.Estimate]], tolerance: float) -> tuple[str, str]:
    """The logistic regression unless LightGBM's mean AUC is better by more than ``tolerance``; and why, in words."""
    if LIGHTGBM not in summary:
        return LOGISTIC, "Only the logistic regression was trained."
    if LOGISTIC not in summary:
        return LIGHTGBM, "Only LightGBM was trained."
    simple = summary[LOGISTIC]["roc_auc"].mean
    boosted = summary[LIGHTGBM]["roc_auc"].mean
    if math.isnan(simple) and not math.isnan(boosted):
        return LIGHTGBM, "The logistic regression's AUC could not be measured; LightGBM's could."
    if not math.isnan(boosted) and boosted - simple > tolerance + 1e-9:  # allow for rounding in the AUCs
        return LIGHTGBM, (f"LightGBM's mean AUC ({boosted:.3f}) beats the logistic regression's ({simple:.3f}) by "
                          f"{boosted - simple:.3f}, more than the tolerance of {tolerance:.3f}.")
    return LOGISTIC, (f"The logistic regression (mean AUC {simple:.3f}) is kept: LightGBM ({boosted:.3f}) is not "
                      f"better by more than the tolerance of {tolerance:.3f}, and the simpler model is easier to "
                      "explain and check.")


def learning_curve(labelled: UnitDataset, last: SplitResult, kind: str, settings: TrainingSettings) -> pd.DataFrame:
    """AUC and precision at k on the last test period when trained on 10%, 25%, 50% and all its training rows
    (a seeded random sample of them): if the curve is still rising, more data would help."""
    training, test = split_dataset(labelled, last.split)
    test_outcomes = test.outcomes.to_numpy()
    generator = np.random.default_rng(settings.seed)
    order = generator.permutation(len(training.frame))
    rows = []
    for fraction in LEARNING_CURVE_FRACTIONS:
        taken = order[: max(1, math.ceil(len(order) * fraction))]
        sample = training.with_rows(training.frame.iloc[np.sort(taken)])
        positives = int(sample.outcomes.sum())
        auc = precision = math.nan
        if positives >= MINIMUM_POSITIVES_TO_FIT and len(sample.frame) - positives >= MINIMUM_POSITIVES_TO_FIT:
            _, ordering = fit_model(kind, sample, settings.seed).ranking(test.frame)
            auc = metrics.roc_auc(test_outcomes, ordering)
            precision = metrics.precision_at_k(test_outcomes, ordering, settings.capacity)
        rows.append({"fraction": fraction, "training_rows": len(sample.frame), "positives": positives,
                     "roc_auc": auc, "precision_at_k": precision})
    return pd.DataFrame(rows)


def honesty_warnings(evaluation: Evaluation) -> list[str]:
    """Plain-English warnings when the data is small or the model does not clearly beat the baseline."""
    settings = evaluation.settings
    chosen = evaluation.chosen
    warnings = []
    if evaluation.positives < SMALL_DATA_POSITIVES:
        warnings.append(
            f"Only {evaluation.positives} {settings.unit_noun} in the training data {settings.outcome_phrase} (fewer "
            f"than {SMALL_DATA_POSITIVES}). Figures from so few cases are rough: treat the list as a pointer for "
            "people to check, and retrain when more outcomes are known.")
    lift = chosen["lift_over_random"]
    if math.isnan(lift.mean) or lift.mean < BASELINE_MARGIN:
        warnings.append(
            f"The model does not clearly beat picking {settings.unit_noun} at random: the share of its top "
            f"{settings.capacity} with the outcome was {_times(lift.mean)} the base rate (lift {lift.describe()}), "
            f"below the {BASELINE_MARGIN:g} times expected of a useful list. Do not use it to direct work until it "
            "does.")
    elif not math.isnan(lift.low) and lift.low <= 1:
        warnings.append(
            f"The model's lift over random ({lift.describe()}) has an interval that reaches 1, so across the "
            "test periods it might be no better than picking at random. More data would settle it.")
    if "lift_over_rule" in chosen:
        rule = chosen["lift_over_rule"]
        rule_name = settings.baseline_description or f"ranking by {settings.baseline_feature}"
        if math.isnan(rule.mean) or rule.mean < BASELINE_MARGIN:
            warnings.append(
                f"The model does not clearly beat the current rule ({rule_name}): its top {settings.capacity} "
                f"found {_times(rule.mean)} what the rule's did (lift {rule.describe()}), below the "
                f"{BASELINE_MARGIN:g} times expected. Keep the rule unless the model adds something else, such as "
                "its reasons.")
    curve = evaluation.learning_curve.set_index("fraction")["roc_auc"]
    if curve.notna().all() and curve.iloc[-1] - curve.loc[0.5] > STILL_RISING_AUC:
        warnings.append(
            f"The learning curve is still rising (AUC {curve.loc[0.5]:.3f} with half the training rows, "
            f"{curve.iloc[-1]:.3f} with all): more history, such as earlier as-of dates, would probably help.")
    return warnings


def _times(value: float) -> str:
    """E.g. "2.5 times", or "an unknown number of times" when it could not be measured."""
    return "an unknown number of times" if math.isnan(value) else f"{value:.2g} times"


# --- bands ----------------------------------------------------------------------------------------------------------

def band_thresholds(base_rate: float, settings: TrainingSettings) -> dict[str, float]:
    """The probabilities at which a case is "high" and "medium": multiples of the base rate."""
    return {"high": base_rate * settings.high_multiple, "medium": base_rate * settings.medium_multiple}


def assign_bands(probabilities: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    """"high", "medium" or "low" for each probability."""
    values = np.asarray(probabilities, dtype=float)
    return np.where(values >= thresholds["high"], "high", np.where(values >= thresholds["medium"], "medium", "low"))


def ranked_list(frame: pd.DataFrame, probabilities: np.ndarray, capacity: int, thresholds: dict[str, float],
                ordering: np.ndarray | None = None) -> pd.DataFrame:
    """unit_id, as_of, probability, rank (1 highest), in_top_k and band, in the frame's order.

    Ranked by ``ordering`` when given (the probability, then the model's raw score: see ``FittedModel.ranking``),
    else by probability; remaining ties by unit id."""
    listed = pd.DataFrame({UNIT_ID: frame[UNIT_ID].astype(str).to_numpy(), AS_OF: frame[AS_OF].to_numpy(),
                           "probability": np.asarray(probabilities, dtype=float)})
    listed["_order"] = listed["probability"] if ordering is None else np.asarray(ordering, dtype=float)
    order = listed.sort_values(["_order", UNIT_ID], ascending=[False, True], kind="stable").index
    listed = listed.drop(columns="_order")
    listed["rank"] = 0
    listed.loc[order, "rank"] = np.arange(1, len(order) + 1)
    listed["in_top_k"] = listed["rank"] <= capacity
    listed["band"] = assign_bands(listed["probability"].to_numpy(), thresholds)
    return listed


# --- the saved model ------------------------------------------------------------------------------------------------

@dataclass
class TrainedModel:
    """A trained model as saved: its definition, the fitted model and what training.json recorded."""

    definition: ModelDefinition
    fitted: FittedModel
    training: dict[str, Any]
    folder: Path

    @property
    def name(self) -> str:
        """The model's name (its folder under models/)."""
        return self.folder.name

    @property
    def band_thresholds(self) -> dict[str, float]:
        """The probabilities at which a case is "high" or "medium"."""
        return self.training["band_thresholds"]


@dataclass
class TrainingResult:
    """What ``train_model`` did: the run, the evaluation and where the model was saved."""

    run_id: str
    definition: Any
    evaluation: Evaluation
    fitted: FittedModel
    folder: Path
    training: dict[str, Any]

    @property
    def warnings(self) -> list[str]:
        """Plain-English warnings to print beside the figures."""
        return self.evaluation.warnings


def new_run_id(kind: str) -> str:
    """A run identifier that sorts by time, e.g. "train-20261123-143001-3fa2c1"."""
    return f"{kind}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def training_as_of_dates(definition: ModelDefinition) -> list[date]:
    """The as-of dates a definition trains and tests on (from its training section)."""
    return definition.training.as_of_dates()


def training_data(workspace: Workspace, definition: ModelDefinition) -> UnitDataset:
    """Everything a definition learns and is tested from: its units at each as-of date, or its cases over the
    training period."""
    from townhall.decisions.features import CasePeriod, build_dataset

    if definition.by_case:
        training = definition.training
        return build_dataset(workspace, definition, cases=CasePeriod(training.first_as_of, training.last_as_of))
    return build_dataset(workspace, definition, training_as_of_dates(definition))


MINIMUM_LABELLED_ROWS = 100  # fewer rows with a known outcome than this cannot be trained and tested honestly
MINIMUM_POSITIVES = MINIMUM_POSITIVES_TO_FIT + 1  # enough to learn from, with at least one left to test on


def check_enough_data(dataset: UnitDataset, definition: ModelDefinition) -> None:
    """Stop with a message that says what is wrong when the data cannot support training: no known outcomes, an
    outcome that never happens, or too few rows or cases."""
    rows = len(dataset.frame)
    noun = definition.unit_noun
    if not rows:
        raise TownhallError(f"There are no {noun} to learn from between {definition.training.first_as_of:%d %B %Y} "
                            f"and {definition.training.last_as_of:%d %B %Y}: check the training dates and the "
                            "population rules.")
    labelled = dataset.labelled().frame
    if labelled.empty:
        raise TownhallError(
            f"None of the {rows:,} rows has a known outcome yet: the outcome is not recorded for any of them "
            f"(the {definition.outcome.window_months}-month window is still open, or the case's result is blank). "
            "Move the training dates earlier.")
    positives = int(labelled[OUTCOME].astype(bool).sum())
    if positives == 0:
        raise TownhallError(
            f"The outcome happens in 0 of {len(labelled):,} rows with a known outcome, so there is nothing to learn. "
            f"Check the outcome's definition ('{definition.outcome.description}'): its sources, where-conditions "
            "and dates.")
    if len(labelled) < MINIMUM_LABELLED_ROWS:
        raise TownhallError(
            f"Only {len(labelled):,} rows have a known outcome: at least {MINIMUM_LABELLED_ROWS} are needed to learn "
            "from earlier periods and test on later ones. Widen the training dates or the population.")
    if positives < MINIMUM_POSITIVES:
        raise TownhallError(
            f"The outcome happens in only {positives} of {len(labelled):,} rows: at least {MINIMUM_POSITIVES} are "
            f"needed ({MINIMUM_POSITIVES_TO_FIT} to learn from and one in a later period to test on). Widen the "
            "training dates, or choose an outcome that is recorded more often.")


def leak_check_date(definition: ModelDefinition, dataset: UnitDataset) -> date:
    """The date the leak check cuts the data at: the start of the last test period (or the last as-of date learnt
    from), so there is history before it and later data to remove after it."""
    training = definition.training
    if training.test_window is not None:
        return training.test_window[0]
    dates = sorted(dataset.labelled().frame[AS_OF].drop_duplicates()) or sorted(dataset.frame[AS_OF].unique())
    if definition.by_case:
        last = pd.Timestamp(dates[-1]) - pd.DateOffset(months=training.step_months)
        return max(last, pd.Timestamp(dates[0]) + pd.DateOffset(days=1)).date()
    return pd.Timestamp(dates[len(dates) // 2]).date()


def train_model(workspace: Workspace, definition: ModelDefinition, *, progress: Progress | None = None,
                actor: str = "analyst") -> TrainingResult:
    """Build the dataset, check it for leaks, evaluate both candidates over the test periods, fit the chosen one on
    all labelled rows, and save it: the model folder (written whole, then renamed into place), the run and the
    out-of-time predictions, committed together (``_commit_training``)."""
    from townhall.decisions.features import check_for_leaks

    report = progress or (lambda step, fraction: None)
    started = datetime.now(UTC)
    settings = TrainingSettings.from_definition(definition)
    report("building the dataset", 0.0)
    dataset = training_data(workspace, definition)
    check_enough_data(dataset, definition)
    report("checking for leaks", 0.05)
    leak_check = check_for_leaks(workspace, definition, leak_check_date(definition, dataset))
    evaluation = evaluate_models(dataset, settings,
                                 progress=lambda step, fraction: report(step, 0.1 + 0.75 * fraction))
    report("fitting the chosen model on all labelled rows", 0.87)
    labelled = dataset.labelled()
    fitted = fit_model(evaluation.chosen_kind, labelled, settings.seed)
    thresholds = band_thresholds(evaluation.base_rate, settings)
    run_id = new_run_id("train")
    training = training_record(evaluation, fitted, thresholds, run_id, dataset)
    training["framing"] = definition.framing
    training["leak_check"] = leak_check.to_dict()
    training["not_leak_checked"] = {feature.name: feature.description for feature in definition.not_leak_checked}
    report("saving the model", 0.92)
    folder = _commit_training(workspace, definition, fitted, training, labelled, evaluation, run_id, started, actor)
    report("done", 1.0)
    return TrainingResult(run_id, definition, evaluation, fitted, folder, training)


def _commit_training(workspace: Workspace, definition: ModelDefinition, fitted: FittedModel,
                     training: dict[str, Any], labelled: UnitDataset, evaluation: Evaluation, run_id: str,
                     started: datetime, actor: str) -> Path:
    """The one place a training run is committed: the model folder is written beside the old one, the run and its
    out-of-time predictions are written in one transaction, and the folder is swapped in as its last step, so a
    killed run leaves the previous model and its rows as they were."""
    settings = evaluation.settings
    building = _build_model_folder(workspace, definition, fitted, training, labelled)
    predictions, protected = evaluation_rows(evaluation, run_id)
    try:
        with workspace.analytics.transaction() as connection:
            ensure_tables(connection)
            insert_run(connection, settings.model, run_id, "train", None, started, datetime.now(UTC),
                       evaluation.labelled_rows, fitted.kind, training["metrics"], evaluation.warnings, actor)
            insert_frame(connection, "predictions", predictions)
            insert_frame(connection, "protected", protected)
            folder = _swap_in(building, model_folder(workspace, definition.name))
    finally:
        shutil.rmtree(building, ignore_errors=True)
    workspace.audit.record(actor, "risk.train", settings.model, details={
        "model": settings.model, "run_id": run_id, "labelled_rows": evaluation.labelled_rows,
        "splits": len(evaluation.splits), "chosen_model": fitted.kind})
    return folder


def training_record(evaluation: Evaluation, fitted: FittedModel, thresholds: dict[str, float], run_id: str,
                    dataset: UnitDataset) -> dict[str, Any]:
    """What training.json holds: the settings, figures per test period and summarised, the choice, curves and
    bands."""
    settings = evaluation.settings
    return {
        "model": settings.model, "run_id": run_id, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "unit": dataset.unit, "unit_noun": settings.unit_noun, "outcome_phrase": settings.outcome_phrase,
        "capacity": settings.capacity, "window_months": settings.window_months, "tolerance": settings.tolerance,
        "chosen_model": fitted.kind, "chosen_model_name": MODEL_KIND_NAMES[fitted.kind],
        "choice_reason": evaluation.choice_reason, "calibration": fitted.calibration,
        "ranking": "by calibrated probability, ties broken by the model's raw score",
        "interval": "mean across the test periods with a 95% Student's t-interval",
        "base_rate": evaluation.base_rate, "labelled_rows": evaluation.labelled_rows,
        "positives": evaluation.positives, "band_thresholds": thresholds,
        "band_multiples": {"high": settings.high_multiple, "medium": settings.medium_multiple},
        "baseline_feature": settings.baseline_feature, "baseline_description": settings.baseline_description,
        "as_of_dates": sorted({f"{pd.Timestamp(value):%Y-%m-%d}" for value in dataset.frame[AS_OF]}),
        "first_date": f"{dataset.frame[AS_OF].min():%Y-%m-%d}", "last_date": f"{dataset.frame[AS_OF].max():%Y-%m-%d}",
        "feature_columns": list(dataset.feature_columns), "categorical_columns": list(dataset.categorical_columns),
        "descriptions": dict(dataset.descriptions),
        "splits": [{"split": result.split.number, "description": result.describe(),
                    "training_as_of": [f"{value:%Y-%m-%d}" for value in result.split.training_as_of],
                    "test_as_of": f"{result.split.test_as_of:%Y-%m-%d}",
                    "test_last": f"{result.split.test_last:%Y-%m-%d}" if result.split.test_last is not None else None,
                    "training_rows": result.training_rows, "training_positives": result.training_positives,
                    "figures": {kind: _clean(figures) for kind, figures in result.figures.items()}}
                   for result in evaluation.splits],
        "skipped_periods": evaluation.skipped,
        "metrics": {kind: {name: estimate.to_dict() for name, estimate in figures.items()}
                    for kind, figures in evaluation.summary.items()},
        "scheduling": _clean(evaluation.scheduling()) if evaluation.scheduling() else None,
        "headline": evaluation.headline(),
        "learning_curve": _records(evaluation.learning_curve),
        "calibration_bins": _records(evaluation.calibration),
        "warnings": list(evaluation.warnings),
    }


def _clean(figures: dict[str, float]) -> dict[str, float | None]:
    return {name: None if value is None or math.isnan(value) or math.isinf(value) else float(value)
            for name, value in figures.items()}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [_clean({key: float(value) for key, value in row.items()}) for row in frame.to_dict("records")]


def evaluation_rows(evaluation: Evaluation, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The chosen model's out-of-time test predictions (decisions.predictions rows, kind "evaluation", one set per
    test period) and the protected characteristics of those rows (decisions.protected)."""
    settings = evaluation.settings
    predictions, protected = [], []
    for result in evaluation.splits:
        frame = result.test.frame
        thresholds = band_thresholds(result.training_base_rate, settings)
        listed = ranked_list(frame, result.probabilities[evaluation.chosen_kind], settings.capacity, thresholds,
                             result.ordering.get(evaluation.chosen_kind))
        listed.insert(0, "model", settings.model)
        listed.insert(1, "run_id", run_id)
        listed.insert(2, "kind", EVALUATION)
        listed.insert(3, "split", result.split.number)
        listed["outcome"] = frame[OUTCOME].astype(bool).to_numpy()
        listed["area_code"] = area_codes(frame)
        listed["model_kind"] = evaluation.chosen_kind
        predictions.append(listed)
        protected.append(protected_rows(result.test, settings.model, run_id))
    return pd.concat(predictions, ignore_index=True), pd.concat(protected, ignore_index=True)


def area_codes(frame: pd.DataFrame) -> list[str | None]:
    """Each row's small area code as text, None where the unit is not placed."""
    if AREA_CODE not in frame:
        return [None] * len(frame)
    return [None if pd.isna(code) else str(code) for code in frame[AREA_CODE]]


def protected_rows(dataset: UnitDataset, model: str, run_id: str) -> pd.DataFrame:
    """The dataset's protected characteristics as decisions.protected rows."""
    rows = dataset.protected[["unit_id", "as_of", "characteristic", "group_value"]].copy()
    rows.insert(0, "model", model)
    rows.insert(1, "run_id", run_id)
    rows["unit_id"] = rows["unit_id"].astype(str)
    return rows


PREDICTION_COLUMNS = ("model", "run_id", "kind", "split", "as_of", "unit_id", "probability", "outcome", "rank",
                      "in_top_k", "band", "area_code", "model_kind")
TABLE_COLUMNS = {
    "predictions": PREDICTION_COLUMNS,
    "protected": ("model", "run_id", "unit_id", "as_of", "characteristic", "group_value"),
    "reasons": ("model", "run_id", "unit_id", "as_of", "position", "feature", "value", "contribution", "sentence"),
}


def insert_frame(connection: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Append a frame's rows to ``decisions.<table>`` (columns by name; missing ones stay empty)."""
    if frame.empty:
        return
    columns = [column for column in TABLE_COLUMNS[table] if column in frame.columns]
    view = f"incoming_{table}"
    connection.register(view, frame[columns])
    try:
        names = ", ".join(columns)
        connection.execute(f"insert into {SCHEMA}.{table} ({names}) select {names} from {view}")
    finally:
        connection.unregister(view)


def insert_run(connection: duckdb.DuckDBPyConnection, model: str, run_id: str, kind: str, as_of: date | None,
                started: datetime, finished: datetime, units: int, model_kind: str, figures: dict[str, Any],
                warnings: list[str], actor: str) -> None:
    """Add one row to decisions.runs (figures and warnings as JSON text)."""
    connection.execute(
        f"insert into {SCHEMA}.runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [model, run_id, kind, as_of, started, finished, units, model_kind, json.dumps(figures),
         json.dumps(warnings), actor])


def _definition_text(definition: ModelDefinition) -> str:
    """The definition as YAML: the text it was read from."""
    if definition.text:
        return definition.text
    raise TownhallError(f"The model definition '{definition.name}' has no YAML text to save with the model.")


def _build_model_folder(workspace: Workspace, definition: ModelDefinition, fitted: FittedModel,
                        training: dict[str, Any], labelled: UnitDataset) -> Path:
    """Every file of the model, written into a temporary folder beside the model's (removed if anything fails)."""
    from townhall.decisions import charts
    from townhall.reports import save_chart

    target = model_folder(workspace, definition.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.parent / f".{target.name}.building-{uuid.uuid4().hex[:8]}"
    building.mkdir()
    try:
        (building / DEFINITION_FILE).write_text(_definition_text(definition), encoding="utf-8")
        joblib.dump(fitted, building / MODEL_FILE, compress=3)
        (building / TRAINING_FILE).write_text(json.dumps(training, indent=2, default=str), encoding="utf-8")
        data = labelled.frame.copy()
        for column in labelled.categorical_columns:
            data[column] = data[column].astype("string")
        data[OUTCOME] = data[OUTCOME].astype("boolean")
        data.to_parquet(building / TRAINING_DATA_FILE, index=False)
        for name, spec in charts.training_charts(training).items():
            save_chart(spec, building / CHART_FILES[name])
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return building


def _swap_in(building: Path, target: Path) -> Path:
    """Put the newly built folder where the model's folder is, keeping the old one until the new one is in."""
    previous = target.parent / f".{target.name}.previous-{uuid.uuid4().hex[:8]}"
    if target.exists():
        target.rename(previous)
    try:
        building.rename(target)
    except BaseException:
        if previous.exists():
            previous.rename(target)
        raise
    shutil.rmtree(previous, ignore_errors=True)
    return target


def load_trained(workspace: Workspace, name: str) -> TrainedModel:
    """A trained model from its folder: the definition, the fitted model and training.json."""
    from townhall.decisions.store import trained_definition

    folder = model_folder(workspace, name)
    if not (folder / MODEL_FILE).is_file() or not (folder / TRAINING_FILE).is_file():
        raise TownhallError(f"There is no trained model called '{name}' in this workspace. Train it first with "
                            f"'townhall risk train {name}'.")
    definition = trained_definition(workspace, name)
    fitted = joblib.load(folder / MODEL_FILE)
    training = json.loads((folder / TRAINING_FILE).read_text(encoding="utf-8"))
    return TrainedModel(definition, fitted, training, folder)
