"""Why a case scored as it did: each feature's contribution, and the top reasons as plain-English sentences.

For LightGBM the contributions are SHAP values from ``shap.TreeExplainer`` on the uncalibrated booster (calibration
only stretches the scale, so the sign and the order of the reasons are the same). For the logistic regression a
feature's contribution is its coefficient times the case's standardised value (for a category: times how far the
case's category indicator is from its average), which is exactly how much it moves the log-odds from a typical case.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from townhall.decisions.dataset import AS_OF, UNIT_ID
from townhall.decisions.training import LIGHTGBM, FittedModel, prepare_features

REASONS_PER_CASE = 3
COUNT_KINDS = ("count", "distinct_people_at_address")  # "3 referrals in the 12 months before"
YES_NO_KINDS = ("yes_no", "any")
REASON_COLUMNS = ["unit_id", "as_of", "position", "feature", "value", "contribution", "sentence"]


def _prepared_columns(fitted: FittedModel) -> list[str]:
    """The feature behind each column the pipeline's preparation step produces, in order."""
    preparation = fitted.pipeline.named_steps["prepare"]
    features: list[str] = []
    for name, transformer, columns in preparation.transformers_:
        if name == "remainder":
            continue
        if name == "categorical" and hasattr(transformer, "categories_") and fitted.kind != LIGHTGBM:
            for column, categories in zip(columns, transformer.categories_, strict=True):
                features.extend([column] * len(categories))
        else:
            features.extend(columns)
    return features


def feature_contributions(fitted: FittedModel, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per row of ``frame``, one column per feature: how much each feature pushed the score up (positive)
    or down (negative), on the log-odds scale of the uncalibrated model."""
    prepared = prepare_features(frame, fitted.feature_columns, fitted.categorical_columns)
    pipeline = fitted.pipeline
    transformed = np.asarray(pipeline.named_steps["prepare"].transform(prepared), dtype=float)
    classifier = pipeline.named_steps["classifier"]
    if fitted.kind == LIGHTGBM:
        import shap

        with warnings.catch_warnings():  # shap notes a change in its output shape for LightGBM; handled below
            warnings.simplefilter("ignore", UserWarning)
            values: Any = shap.TreeExplainer(classifier.booster_).shap_values(transformed)
        if isinstance(values, list):
            values = values[-1]
        values = np.asarray(values, dtype=float)
        if values.ndim == 3:
            values = values[:, :, -1]
    else:
        values = classifier.coef_[0] * (np.nan_to_num(transformed) - fitted.transformed_means)
    per_column = pd.DataFrame(values, columns=range(values.shape[1]), index=frame.index)
    owners = _prepared_columns(fitted)
    grouped = per_column.T.groupby(np.array(owners)).sum().T
    return grouped.reindex(columns=fitted.feature_columns, fill_value=0.0)


def describe_value(value: Any) -> str:
    """A feature value as people read it: whole numbers without ".0", yes/no, "not recorded" when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "not recorded"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        number = float(value)
        return f"{int(number):,}" if number.is_integer() else f"{number:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def reason_sentence(description: str, kind: str | None, value: Any, contribution: float) -> str:
    """E.g. "3 referrals in the 12 months before (raises the score)" or "Council tax band: D (lowers the score)"."""
    direction = "raises the score" if contribution > 0 else "lowers the score"
    shown = describe_value(value)
    if kind in YES_NO_KINDS and shown in ("0", "1"):
        shown = "yes" if shown == "1" else "no"
    label = description.strip().rstrip(".")
    words = label.split(" ", 1)
    first = words[0].lower() if words[0][1:].islower() or len(words[0]) == 1 else words[0]
    if shown == "1" and first.endswith("s") and not first.endswith("ss"):
        first = first[:-1]  # "1 referral", not "1 referrals"
    counted = (kind in COUNT_KINDS and shown != "not recorded" and (shown != "1" or first != words[0].lower())
               and not label.lower().startswith(("number", "whether", "how", "count")))
    if counted:
        return f"{shown} {' '.join([first, *words[1:]])} ({direction})"
    return f"{label}: {shown} ({direction})"


def feature_kinds(definition: Any) -> dict[str, str]:
    """Each feature's kind from a model definition, with yes/no features (``any``, or ``latest`` mapped to 0 and 1)
    marked "yes_no" so their reasons say yes or no."""
    kinds = {}
    for feature in getattr(definition, "features", ()):
        mapped = [event.map for event in feature.events if getattr(event, "map", None)]
        yes_no = feature.kind == "any" or (mapped and set(mapped[0].values()) <= {0.0, 1.0})
        kinds[feature.name] = "yes_no" if yes_no else feature.kind
    return kinds


def top_reasons(fitted: FittedModel, frame: pd.DataFrame, descriptions: dict[str, str],
                kinds: dict[str, str] | None = None, *, count: int = REASONS_PER_CASE) -> pd.DataFrame:
    """The ``count`` features that moved each row's score most (either way), as decisions.reasons rows."""
    if frame.empty:
        return pd.DataFrame(columns=REASON_COLUMNS)
    contributions = feature_contributions(fitted, frame)
    kinds = kinds or {}
    rows = []
    values = contributions.to_numpy()
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :count]
    features = contributions.columns.to_numpy()
    for row_number, (index, unit) in enumerate(zip(frame.index, frame[UNIT_ID], strict=True)):
        position = 0
        for column in order[row_number]:
            contribution = float(values[row_number, column])
            if contribution == 0:
                continue
            feature = str(features[column])
            value = frame.at[index, feature]
            position += 1
            rows.append({
                "unit_id": str(unit), "as_of": frame.at[index, AS_OF], "position": position, "feature": feature,
                "value": describe_value(value), "contribution": contribution,
                "sentence": reason_sentence(descriptions.get(feature, feature), kinds.get(feature), value,
                                            contribution)})
    return pd.DataFrame(rows, columns=REASON_COLUMNS)
