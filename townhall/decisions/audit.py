"""Bias audit of a risk model: how its list treats groups of people (and areas) compared with a reference group.

For each protected characteristic (ethnic group, sex, age band, area deprivation…) it measures, with fairlearn's
``MetricFrame``, each group's size, selection rate (share put on the list), false positive rate, false negative
rate, precision and base rate (share with the outcome), on the model's out-of-time evaluation predictions, pooled over
the test periods and period by period. Each rate is divided by the reference group's (the largest group unless
chosen), with a 95% interval for the ratio (the Miettinen–Nurminen score interval for a ratio of two independent
proportions, solved here so that a group with none or all of a count still gets a correct interval), and ratios
outside a band (0.8 to 1.25 by default) are flagged in plain English. The findings lead with the few ratios whose
whole interval lies outside the band; a ratio outside the band whose interval reaches back into it "may be chance".
Groups too small to judge are named as such, never flagged.

``audit_predictions`` takes any scores, so ``townhall.decisions.supplied`` audits a vendor's or another team's scores
from a file the same way, without the model.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate
from scipy import optimize, stats
from sklearn.metrics import precision_score

from townhall.decisions.definition import unit_noun
from townhall.decisions.store import DEFAULT_BAND, EVALUATION, SCHEMA
from townhall.errors import TownhallError
from townhall.governance.disclosure import SUPPRESSED_MARK, DisclosureRule, protect_count

if TYPE_CHECKING:
    from townhall.workspace import Workspace

DEFAULT_MINIMUM_GROUP_SIZE = 30  # fewer units than this: too small to judge
DEFAULT_MINIMUM_DENOMINATOR = 5  # a rate resting on fewer cases than this is not judged
INTERVAL_LEVEL = 0.95
NOT_RECORDED = "Not recorded"
ALL_SPLITS = None  # the ``split`` of a pooled result

# The audited rates: key, plain-English name, and which count each is a share of (numerator, denominator).
RATES = {
    "selection_rate": ("Selection rate", "selected", "size"),
    "false_positive_rate": ("False positive rate", "false_positives", "negatives"),
    "false_negative_rate": ("False negative rate", "false_negatives", "positives"),
    "precision": ("Precision", "true_positives", "selected"),
    "base_rate": ("Base rate", "positives", "size"),
}
RATE_MEANINGS = {
    "selection_rate": "share put on the list",
    "false_positive_rate": "share of those without the outcome who were put on the list",
    "false_negative_rate": "share of those with the outcome whom the list missed",
    "precision": "share of those on the list who had the outcome",
    "base_rate": "share with the recorded outcome",
}


def _base_rate(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
    """The share of a group with the outcome: fairlearn's selection rate applied to the outcomes."""
    return selection_rate(y_true, y_true, pos_label=True, sample_weight=sample_weight)


def _size(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
    """How many predictions a group holds: the sum of the weights (each weight counts identical rows)."""
    return float(np.sum(sample_weight)) if sample_weight is not None else float(len(y_true))


# Rates from fairlearn and scikit-learn. Identical rows are collapsed into one weighted row first (at most four per
# group and split: each combination of outcome and listing), so the audit takes the same time for any number of
# predictions and gives exactly the same figures. The counts behind the rates (for the intervals and disclosure
# control) are the rates times the group sizes, rounded: each rate is a count over a count, so rounding recovers it.
METRICS = {
    "size": _size,
    "selection_rate": functools.partial(selection_rate, pos_label=True),
    "false_positive_rate": functools.partial(false_positive_rate, pos_label=True),
    "false_negative_rate": functools.partial(false_negative_rate, pos_label=True),
    "precision": functools.partial(precision_score, zero_division=np.nan),
    "base_rate": _base_rate,
}


def _counts(row: pd.Series) -> dict[str, int]:
    """A group's counts recovered from its MetricFrame row: size, positives, selected and the confusion cells."""
    size = int(row["size"])
    positives = round(float(row["base_rate"]) * size)
    selected = round(float(row["selection_rate"]) * size)
    precision = float(row["precision"])
    true_positives = 0 if selected == 0 or math.isnan(precision) else round(precision * selected)
    return {"size": size, "positives": positives, "negatives": size - positives, "selected": selected,
            "true_positives": true_positives, "false_positives": selected - true_positives,
            "false_negatives": positives - true_positives}


@dataclass(frozen=True)
class Ratio:
    """One group's rate divided by the reference group's, with its interval and where it lies against the band."""

    value: float  # NaN when either rate is not defined
    lower: float
    upper: float
    outside_band: bool  # the ratio itself is outside the band
    judged: bool  # False when the group or the rate rests on too few cases to judge


@dataclass(frozen=True)
class GroupResult:
    """One group's counts and rates, for all splits pooled (``split`` None) or one split, and ratios to reference."""

    characteristic: str
    group: str
    split: int | None
    size: int
    positives: int
    selected: int
    true_positives: int
    false_positives: int
    false_negatives: int
    rates: dict[str, float]  # RATES keys; NaN when not defined (e.g. precision when nobody was selected)
    ratios: dict[str, Ratio]  # RATES keys; empty for the reference group
    is_reference: bool
    too_small: bool

    @property
    def negatives(self) -> int:
        """Units in the group without the outcome."""
        return self.size - self.positives

    def count(self, name: str) -> int:
        """A count by name (size, positives, negatives, selected, true_positives, false_positives…)."""
        return int(getattr(self, name))


@dataclass(frozen=True)
class AuditFlag:
    """A ratio outside the band: which group, which rate, and the plain-English sentence saying so.

    ``strong`` when the whole interval lies outside the band (a finding); otherwise the interval reaches back into
    the band and the difference may be chance. ``strength`` is how far the interval's nearer end lies beyond the
    band, on a log scale (0 for a "may be chance" flag), for putting the clearest findings first."""

    characteristic: str
    group: str
    reference: str
    rate: str
    ratio: Ratio
    sentence: str
    split: int | None = None
    band: tuple[float, float] = DEFAULT_BAND

    @property
    def strong(self) -> bool:
        """Whether the whole interval lies outside the band."""
        return self.ratio.lower > self.band[1] or self.ratio.upper < self.band[0]

    @property
    def strength(self) -> float:
        """How far beyond the band the interval's nearer end lies (log scale); 0 when it reaches into the band."""
        if self.ratio.lower > self.band[1]:
            return math.log(self.ratio.lower / self.band[1])
        if self.ratio.upper < self.band[0]:
            return math.inf if self.ratio.upper <= 0 else math.log(self.band[0] / self.ratio.upper)
        return 0.0


@dataclass
class CharacteristicAudit:
    """The audit for one protected characteristic: its groups pooled and split by split, flags and small groups."""

    characteristic: str
    reference: str
    groups: list[GroupResult]
    by_split: list[GroupResult]
    flags: list[AuditFlag]
    too_small: list[str]

    def group(self, name: str) -> GroupResult:
        """The pooled result for one group."""
        for result in self.groups:
            if result.group == name:
                return result
        raise KeyError(name)


@dataclass
class BiasAudit:
    """The bias audit of one trained model's evaluation predictions, ready to print, show or put in a model card."""

    model: str
    run_id: str | None
    unit: str
    band: tuple[float, float]
    minimum_group_size: int
    characteristics: list[CharacteristicAudit]
    predictions: int  # evaluation predictions audited (units × as-of dates)
    splits: list[int]
    notes: list[str] = field(default_factory=list)

    @property
    def flags(self) -> list[AuditFlag]:
        """Every pooled flag, characteristic by characteristic."""
        return [flag for audit in self.characteristics for flag in audit.flags]

    @property
    def findings(self) -> list[AuditFlag]:
        """The flags whose whole interval lies outside the band, clearest first: what the audit found."""
        return sorted((flag for flag in self.flags if flag.strong), key=lambda flag: -flag.strength)

    @property
    def may_be_chance(self) -> list[AuditFlag]:
        """Ratios outside the band whose interval reaches back into it: they may be chance."""
        return [flag for flag in self.flags if not flag.strong]

    def characteristic(self, name: str) -> CharacteristicAudit:
        """The audit of one characteristic by its name (e.g. "Ethnic group")."""
        for audit in self.characteristics:
            if audit.characteristic == name:
                return audit
        raise KeyError(name)

    def band_text(self) -> str:
        """The band in words, e.g. "0.8–1.25"."""
        return f"{self.band[0]:g}–{self.band[1]:g}"

    def summary_sentences(self) -> list[str]:
        """Plain-English sentences: the findings (clearest first), the flags that may be chance, then the groups too
        small to judge and the notes."""
        sentences = [flag.sentence for flag in self.findings + self.may_be_chance]
        if not self.flags:
            sentences.append(f"No ratio to a reference group falls outside the {self.band_text()} band.")
        return sentences + self.other_sentences()

    def other_sentences(self) -> list[str]:
        """The groups too small to judge, and the notes."""
        sentences = [f"{audit.characteristic}: too few {self.unit_noun} to judge in "
                     f"{', '.join(repr(name) for name in audit.too_small)} (fewer than {self.minimum_group_size}); "
                     "these groups are neither flagged nor cleared." for audit in self.characteristics
                     if audit.too_small]
        return sentences + list(self.notes)

    @property
    def unit_noun(self) -> str:
        """What the model ranks, in the plural ("people", "properties"…)."""
        return unit_noun(self.unit)

    def table(self, *, include_splits: bool = False) -> pd.DataFrame:
        """The audit as one table (exact counts: for analysts), a row per characteristic and group (and split)."""
        rows = []
        for audit in self.characteristics:
            for result in audit.groups + (audit.by_split if include_splits else []):
                row: dict[str, Any] = {
                    "characteristic": result.characteristic, "group": result.group,
                    "split": "all" if result.split is None else result.split, "reference": result.is_reference,
                    "too_small": result.too_small, "size": result.size, "positives": result.positives,
                    "selected": result.selected,
                }
                for rate in RATES:
                    row[rate] = result.rates[rate]
                    ratio = result.ratios.get(rate)
                    row[f"{rate}_ratio"] = ratio.value if ratio else np.nan
                    row[f"{rate}_ratio_lower"] = ratio.lower if ratio else np.nan
                    row[f"{rate}_ratio_upper"] = ratio.upper if ratio else np.nan
                    row[f"{rate}_flag"] = bool(ratio and ratio.judged and ratio.outside_band)
                rows.append(row)
        return pd.DataFrame(rows)

    def published_rows(self, rule: DisclosureRule) -> list[dict[str, Any]]:
        """Pooled rows safe to show managers: counts protected by ``rule``, rates hidden where a count is hidden.

        A rate worked out from a hidden count could give the count away, so a group whose size, outcomes or
        selections are hidden shows no rates; ratios and flags stay, as they rest on the whole group.
        """
        rows = []
        for audit in self.characteristics:
            for result in audit.groups:
                counts = {name: protect_count(result.count(name), rule) for name in ("size", "positives", "selected")}
                hidden = any(value is None for value in counts.values())
                rows.append({
                    "characteristic": result.characteristic, "group": result.group, "reference": result.is_reference,
                    "too_small": result.too_small,
                    **{name: SUPPRESSED_MARK if value is None else f"{value:,}" for name, value in counts.items()},
                    **{rate: SUPPRESSED_MARK if hidden else percent_text(result.rates[rate]) for rate in RATES},
                    **{f"{rate}_ratio": ratio_text(result.ratios.get(rate)) for rate in RATES},
                    "flagged": [rate for rate, ratio in result.ratios.items() if ratio.judged and ratio.outside_band],
                })
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The audit as plain data (for the model card and JSON exports): flags, groups pooled, no unit ids."""
        return {
            "model": self.model, "run_id": self.run_id, "band": list(self.band), "predictions": self.predictions,
            "splits": self.splits, "minimum_group_size": self.minimum_group_size,
            "flags": [{"characteristic": flag.characteristic, "group": flag.group, "reference": flag.reference,
                       "rate": flag.rate, "ratio": _finite(flag.ratio.value), "lower": _finite(flag.ratio.lower),
                       "upper": _finite(flag.ratio.upper), "finding": flag.strong, "sentence": flag.sentence}
                      for flag in self.findings + self.may_be_chance],
            "characteristics": [{
                "characteristic": audit.characteristic, "reference": audit.reference, "too_small": audit.too_small,
                "groups": [{"group": result.group, "size": result.size, "positives": result.positives,
                            "selected": result.selected,
                            "rates": {rate: _finite(value) for rate, value in result.rates.items()},
                            "ratios": {rate: {"value": _finite(ratio.value), "lower": _finite(ratio.lower),
                                              "upper": _finite(ratio.upper), "judged": ratio.judged,
                                              "outside_band": ratio.outside_band}
                                       for rate, ratio in result.ratios.items()}}
                           for result in audit.groups],
            } for audit in self.characteristics],
            "summary": self.summary_sentences(),
        }


def audit_predictions(predictions: pd.DataFrame, protected: pd.DataFrame, *, model: str = "model",
                      unit: str = "person", run_id: str | None = None,
                      band: tuple[float, float] = DEFAULT_BAND,
                      reference_groups: Mapping[str, str] | None = None,
                      minimum_group_size: int = DEFAULT_MINIMUM_GROUP_SIZE,
                      minimum_denominator: int = DEFAULT_MINIMUM_DENOMINATOR) -> BiasAudit:
    """Audit evaluation predictions (unit_id, as_of, split, outcome, in_top_k) by the protected characteristics.

    ``protected`` is long (unit_id, as_of, characteristic, group_value), as in ``decisions.protected``; a unit with
    no value for a characteristic counts as "Not recorded". ``reference_groups`` picks the reference group per
    characteristic (default: the largest group other than "Not recorded").
    """
    lower, upper = _check_band(band)
    missing = [column for column in ("unit_id", "as_of", "outcome", "in_top_k") if column not in predictions.columns]
    if missing:
        raise TownhallError(f"The predictions to audit have no column {', '.join(missing)}.")
    frame = predictions[predictions["outcome"].notna()].copy()
    if frame.empty:
        raise TownhallError(f"Model '{model}' has no evaluation predictions with a known outcome to audit.")
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    frame["outcome"] = frame["outcome"].astype(bool)
    frame["in_top_k"] = frame["in_top_k"].astype(bool)
    if "split" not in frame.columns:
        frame["split"] = 0
    frame["split"] = frame["split"].fillna(0).astype(int)
    wide = _protected_wide(frame, protected)
    characteristics = [column for column in wide.columns if column not in ("unit_id", "as_of")]
    frame = frame.merge(wide, on=["unit_id", "as_of"], how="left")
    references = dict(reference_groups or {})
    audits = []
    notes = []
    for characteristic in characteristics:
        groups = frame[characteristic].fillna(NOT_RECORDED).astype(str)
        reference = references.get(characteristic) or _largest_group(groups)
        if reference not in set(groups):
            raise TownhallError(f"The reference group '{reference}' for {characteristic} is not among its groups: "
                                f"{', '.join(sorted(set(groups)))}.")
        audits.append(_audit_characteristic(frame, groups, characteristic, reference, (lower, upper),
                                            minimum_group_size, minimum_denominator, unit_noun(unit)))
    unknown = sorted(set(references) - set(characteristics))
    if unknown:
        notes.append(f"No protected characteristic is called {', '.join(unknown)}, so no reference group was set "
                     "for it.")
    if not characteristics:
        notes.append("No protected characteristics were recorded with the predictions, so nothing could be audited.")
    return BiasAudit(model=model, run_id=run_id, unit=unit, band=(lower, upper), minimum_group_size=minimum_group_size,
                     characteristics=audits, predictions=len(frame), splits=sorted(frame["split"].unique().tolist()),
                     notes=notes)


def audit_model(workspace: Workspace, name: str, *, band: tuple[float, float] = DEFAULT_BAND,
                reference_groups: Mapping[str, str] | None = None,
                minimum_group_size: int = DEFAULT_MINIMUM_GROUP_SIZE) -> BiasAudit:
    """Audit the latest training run of model ``name`` on its out-of-time evaluation predictions."""
    predictions, protected, run_id, unit = read_evaluation(workspace, name)
    return audit_predictions(predictions, protected, model=name, unit=unit, run_id=run_id, band=band,
                             reference_groups=reference_groups, minimum_group_size=minimum_group_size)


def read_evaluation(workspace: Workspace, name: str) -> tuple[pd.DataFrame, pd.DataFrame, str, str]:
    """The latest training run's evaluation predictions and protected characteristics, its run id and unit."""
    if not workspace.analytics.table_exists(SCHEMA, "predictions"):
        raise TownhallError(f"No model has been trained in this workspace yet, so '{name}' cannot be audited. "
                            f"Train it first with 'townhall risk train'.")
    with workspace.analytics.connect(read_only=True) as connection:
        runs = connection.execute(f"select distinct run_id from {SCHEMA}.predictions where model = ? and kind = ?",
                                  [name, EVALUATION]).df()
        if runs.empty:
            raise TownhallError(f"There are no evaluation results for a model called '{name}'. Train it first with "
                                f"'townhall risk train', or check the name.")
        run_id = _latest_run(connection, name, runs["run_id"].tolist())
        predictions = connection.execute(
            f"select split, as_of, unit_id, probability, outcome, rank, in_top_k, band, area_code "
            f"from {SCHEMA}.predictions where model = ? and kind = ? and run_id = ?",
            [name, EVALUATION, run_id]).df()
        protected = connection.execute(
            f"select unit_id, as_of, characteristic, group_value from {SCHEMA}.protected "
            "where model = ? and run_id = ?", [name, run_id]).df()
    return predictions, protected, run_id, _model_unit(workspace, name)


def _latest_run(connection: Any, name: str, run_ids: list[str]) -> str:
    """The most recently finished of these training runs (the decisions.runs log decides; else the last id)."""
    runs = connection.execute(
        f"select run_id from {SCHEMA}.runs where model = ? and kind = 'train' order by finished_at desc nulls last",
        [name]).fetchall() if _has_runs_table(connection) else []
    for (run_id,) in runs:
        if run_id in run_ids:
            return str(run_id)
    return sorted(run_ids)[-1]


def _has_runs_table(connection: Any) -> bool:
    found = connection.execute("select count(*) from information_schema.tables where table_schema = ? and "
                               "table_name = 'runs'", [SCHEMA]).fetchall()
    return bool(found[0][0])


def _model_unit(workspace: Workspace, name: str) -> str:
    """The unit the model ranks, from its saved definition."""
    from townhall.decisions.store import trained_definition

    return trained_definition(workspace, name).unit


def _check_band(band: tuple[float, float]) -> tuple[float, float]:
    try:
        lower, upper = (float(value) for value in band)
    except (TypeError, ValueError):
        raise TownhallError(f"The band must be two numbers, such as 0.8 1.25, not {band!r}.") from None
    if not (0 < lower < 1 < upper):
        raise TownhallError(f"The band must have a lower limit between 0 and 1 and an upper limit above 1 (such as "
                            f"0.8 and 1.25), not {lower:g} and {upper:g}.")
    return lower, upper


def _protected_wide(frame: pd.DataFrame, protected: pd.DataFrame) -> pd.DataFrame:
    """One column per characteristic for each unit and as-of date."""
    keys = frame[["unit_id", "as_of"]].drop_duplicates()
    if protected is None or protected.empty:
        return keys
    long = protected.copy()
    long["as_of"] = pd.to_datetime(long["as_of"])
    wide = long.pivot_table(index=["unit_id", "as_of"], columns="characteristic", values="group_value",
                            aggfunc="first").reset_index()
    wide.columns.name = None
    return keys.merge(wide, on=["unit_id", "as_of"], how="left")


def _largest_group(groups: pd.Series) -> str:
    """The largest group, leaving out "Not recorded" unless it is the only one (ties: alphabetical)."""
    sizes = groups.value_counts()
    recorded = sizes.drop(NOT_RECORDED, errors="ignore")
    chosen = recorded if not recorded.empty else sizes
    largest = chosen[chosen == chosen.max()]
    return str(sorted(largest.index)[0])


def _metric_frame(frame: pd.DataFrame, groups: pd.Series, *, by_split: bool) -> pd.DataFrame:
    """fairlearn's MetricFrame by group (and by split as a control feature): one row per group (or split and group).

    Rows that agree on group, split, outcome and listing are passed once, weighted by how many there are.
    """
    cells = (pd.DataFrame({"group": groups.to_numpy(), "split": frame["split"].to_numpy(),
                           "outcome": frame["outcome"].to_numpy(dtype=bool),
                           "in_top_k": frame["in_top_k"].to_numpy(dtype=bool)})
             .groupby(["group", "split", "outcome", "in_top_k"], observed=True).size().rename("rows").reset_index())
    weights = cells["rows"].to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns about one-class groups; the counts say so instead
        metric_frame = MetricFrame(
            metrics=METRICS, y_true=cells["outcome"].to_numpy(), y_pred=cells["in_top_k"].to_numpy(),
            sensitive_features=cells["group"].rename("group"),
            control_features=cells["split"].rename("split") if by_split else None,
            sample_params={name: {"sample_weight": weights} for name in METRICS},
        )
    return metric_frame.by_group


def _audit_characteristic(frame: pd.DataFrame, groups: pd.Series, characteristic: str, reference: str,
                          band: tuple[float, float], minimum_group_size: int, minimum_denominator: int,
                          noun: str) -> CharacteristicAudit:
    """The pooled and split-by-split results for one characteristic, with ratios and flags."""
    pooled = _results(_metric_frame(frame, groups, by_split=False), characteristic, reference, band,
                      minimum_group_size, minimum_denominator, split=None)
    by_split: list[GroupResult] = []
    split_frame = _metric_frame(frame, groups, by_split=True)
    for split in sorted(frame["split"].unique().tolist()):
        part = split_frame.xs(split, level="split")
        part = part[part["size"].fillna(0) > 0]
        if reference in part.index:
            by_split.extend(_results(part, characteristic, reference, band, minimum_group_size, minimum_denominator,
                                     split=int(split)))
    flags = []
    for result in pooled:
        for rate, ratio in result.ratios.items():
            if ratio.judged and ratio.outside_band:
                flags.append(AuditFlag(characteristic, result.group, reference, rate, ratio,
                                       flag_sentence(result.group, reference, rate, ratio, band, noun), band=band))
    too_small = [result.group for result in pooled if result.too_small]
    return CharacteristicAudit(characteristic, reference, pooled, by_split, flags, too_small)


def _results(by_group: pd.DataFrame, characteristic: str, reference: str, band: tuple[float, float],
             minimum_group_size: int, minimum_denominator: int, *, split: int | None) -> list[GroupResult]:
    """GroupResults from a MetricFrame's by-group table, with each rate's ratio to the reference group."""
    counts = {str(group): _counts(row) for group, row in by_group.iterrows()}
    reference_counts = counts[reference]
    results = []
    for group, row in by_group.iterrows():
        name = str(group)
        own = counts[name]
        rates = {}
        for rate, (_, _, denominator) in RATES.items():
            rates[rate] = float(row[rate]) if own[denominator] > 0 else math.nan
        too_small = own["size"] < minimum_group_size
        ratios = {}
        if name != reference:
            for rate, (_, numerator, denominator) in RATES.items():
                reference_rate = float(by_group.loc[reference, rate]) if reference_counts[denominator] else math.nan
                judged = (not too_small and own[denominator] >= minimum_denominator
                          and reference_counts[denominator] >= minimum_denominator
                          and reference_counts["size"] >= minimum_group_size)
                ratios[rate] = _ratio(own[numerator], own[denominator], reference_counts[numerator],
                                      reference_counts[denominator], rates[rate], reference_rate, band, judged)
        results.append(GroupResult(characteristic, name, split, own["size"], own["positives"], own["selected"],
                                   own["true_positives"], own["false_positives"], own["false_negatives"], rates,
                                   ratios, name == reference, too_small))
    return sorted(results, key=lambda result: (not result.is_reference, result.group == NOT_RECORDED, -result.size,
                                               result.group))


def _ratio(count: int, total: int, reference_count: int, reference_total: int, rate: float, reference_rate: float,
           band: tuple[float, float], judged: bool) -> Ratio:
    """A group's rate over the reference's, with the score interval for a ratio of two independent proportions."""
    if math.isnan(rate) or math.isnan(reference_rate) or reference_rate == 0:
        return Ratio(math.nan, math.nan, math.nan, False, False)
    value = rate / reference_rate
    lower, upper = ratio_interval(count, total, reference_count, reference_total)
    outside = value < band[0] or value > band[1]
    return Ratio(value, lower, upper, outside, judged)


def _score_statistic(theta: float, count: int, total: int, reference_count: int, reference_total: int) -> float:
    """The Miettinen–Nurminen score statistic (chi-squared, 1 degree of freedom) for "the ratio of the two rates is
    ``theta``", using the rates' maximum-likelihood estimates under that ratio (the smaller root of a quadratic)."""
    cases = total + reference_total
    a = cases * theta
    b = -(total * theta + count + reference_total + reference_count * theta)
    c = count + reference_count
    discriminant = max(b * b - 4 * a * c, 0.0)  # never negative in exact arithmetic: rounding is clipped, not complex
    reference_rate = min(max((-b - math.sqrt(discriminant)) / (2 * a), 0.0), 1.0)
    rate = min(max(reference_rate * theta, 0.0), 1.0)
    variance = (rate * (1 - rate) / total + theta * theta * reference_rate * (1 - reference_rate) / reference_total
                ) * cases / (cases - 1)
    difference = count / total - theta * reference_count / reference_total
    if variance <= 0:
        return 0.0 if difference == 0 else math.inf
    return difference * difference / variance


def ratio_interval(count: int, total: int, reference_count: int, reference_total: int,
                   level: float = INTERVAL_LEVEL) -> tuple[float, float]:
    """The score interval (Miettinen and Nurminen, 1985) for (count/total) / (reference_count/reference_total): the
    ratios the data cannot reject at ``level``. Solved by root-finding on a log scale, so a group with none of the
    count gets a lower limit of exactly 0, a reference group with none gets no upper limit, and a rate of 100% on
    either side still gets a real interval (statsmodels' closed form returns complex numbers there)."""
    if total <= 0 or reference_total <= 0:
        return math.nan, math.nan
    critical = float(stats.chi2.ppf(level, 1))

    def excess(log_theta: float) -> float:
        return _score_statistic(math.exp(log_theta), count, total, reference_count, reference_total) - critical

    estimate = math.log((count / total) / (reference_count / reference_total)) if count and reference_count else None
    if count == 0:
        lower = 0.0
    else:
        start = estimate if estimate is not None else 30.0
        step = start - 1.0
        while excess(step) < 0:
            step -= 1.0
        lower = math.exp(optimize.brentq(excess, step, start, xtol=1e-12))
    if reference_count == 0:
        upper = math.inf
    else:
        start = estimate if estimate is not None else -30.0
        step = start + 1.0
        while excess(step) < 0:
            step += 1.0
        upper = math.exp(optimize.brentq(excess, start, step, xtol=1e-12))
    return lower, upper


def flag_sentence(group: str, reference: str, rate: str, ratio: Ratio, band: tuple[float, float],
                  unit_noun: str = "people") -> str:
    """The plain-English sentence for a ratio outside the band, with its 95% interval."""
    nouns = unit_noun.capitalize()
    interval = f"95% interval {_number(ratio.lower)} to {_number(ratio.upper)}"
    times = f"{_number(ratio.value)} times"
    doing = {
        "selection_rate": f"{nouns} in the group '{group}' were put on the list {times} as often as {unit_noun} in "
                          f"the group '{reference}'",
        "false_positive_rate": f"{nouns} in the group '{group}' who did not go on to have the outcome were put on "
                               f"the list {times} as often as those in the group '{reference}'",
        "false_negative_rate": f"{nouns} in the group '{group}' who went on to have the outcome were missed by the "
                               f"list {times} as often as those in the group '{reference}'",
        "precision": f"For {unit_noun} in the group '{group}' on the list, the outcome followed {times} as often as "
                     f"for those in the group '{reference}'",
        "base_rate": f"The recorded outcome was {times} as common among {unit_noun} in the group '{group}' as in the "
                     f"group '{reference}'",
    }[rate]
    if ratio.value == 0:
        doing = (f"{nouns} in the group '{group}': the {RATE_MEANINGS[rate]} was 0, so its ratio to the group "
                 f"'{reference}' is 0")
    verdict = f"outside the {band[0]:g}–{band[1]:g} band"
    if band[0] <= ratio.lower <= band[1] or band[0] <= ratio.upper <= band[1] or (
            ratio.lower < band[0] and ratio.upper > band[1]):
        verdict += ", though the interval reaches into it, so this may be chance"
    if rate == "base_rate":
        verdict += ("; if their real need is similar, the records the model learnt from may themselves be biased, "
                    "and the model will repeat that bias")
    return f"{doing} ({interval}): {verdict}."


def _number(value: float) -> str:
    """A ratio or band limit in words: two significant figures, "more than 100" for huge ones."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not known"
    if math.isinf(value):
        return "no upper limit"
    if value >= 100:
        return "more than 100"
    if value == 0:
        return "0"
    text = f"{value:.2g}" if value < 10 else f"{value:.0f}"
    return text


def percent_text(value: float) -> str:
    """A rate as a percentage with one decimal place; "not defined" when it cannot be worked out."""
    if value is None or math.isnan(value):
        return "not defined"
    return f"{100 * value:.1f}%"


def ratio_text(ratio: Ratio | None) -> str:
    """A ratio with its interval, e.g. "1.9 (1.3 to 2.6)"; "reference" when there is none."""
    if ratio is None:
        return "reference"
    if math.isnan(ratio.value):
        return "not defined"
    return f"{_number(ratio.value)} ({_number(ratio.lower)} to {_number(ratio.upper)})"


def _finite(value: float) -> float | None:
    """A float for JSON: None for NaN and infinity."""
    return None if value is None or math.isnan(value) or math.isinf(value) else float(value)
