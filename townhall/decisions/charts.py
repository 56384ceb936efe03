"""Charts of a trained model, as Vega-Lite specifications drawn by ``townhall.reports``: calibration, the learning
curve and precision at k by split. Each takes the contents of the model's training.json, so pages and the model
folder draw the same figures."""

from __future__ import annotations

from typing import Any

from townhall.reports import CATEGORY_COLOURS

FINDING = "Finding (interval outside the band)"
MAY_BE_CHANCE = "May be chance (interval reaches the band)"


def calibration_chart(training: dict[str, Any]) -> dict[str, Any]:
    """Predicted probability against the share that had the outcome, by bin, with the diagonal of perfect
    calibration; points on the line mean "a 20% score came true about 20% of the time"."""
    bins = [row for row in training["calibration_bins"] if row.get("mean_predicted") is not None]
    top = max([0.05] + [max(row["mean_predicted"], row["observed_rate"] or 0) for row in bins]) * 1.05
    scale = {"domain": [0, round(min(1.0, top), 3)]}
    return {
        "title": "Calibration: predicted against what happened (out-of-time tests)",
        "description": "Each point is a group of cases with similar predicted probabilities; the dashed line is "
                       "where predicted equals observed.",
        "layer": [
            {"data": {"values": [{"x": 0, "y": 0}, {"x": scale["domain"][1], "y": scale["domain"][1]}]},
             "mark": {"type": "line", "strokeDash": [4, 4], "color": "#505a5f"},
             "encoding": {"x": {"field": "x", "type": "quantitative", "scale": scale},
                          "y": {"field": "y", "type": "quantitative", "scale": scale}}},
            {"data": {"values": bins},
             "mark": {"type": "line", "point": {"size": 60}, "color": CATEGORY_COLOURS[0]},
             "encoding": {
                 "x": {"field": "mean_predicted", "type": "quantitative", "title": "Predicted probability",
                       "scale": scale, "axis": {"format": ".0%"}},
                 "y": {"field": "observed_rate", "type": "quantitative", "title": "Share that had the outcome",
                       "scale": scale, "axis": {"format": ".0%"}},
                 "tooltip": [{"field": "cases", "type": "quantitative", "title": "Cases"},
                             {"field": "mean_predicted", "type": "quantitative", "format": ".1%",
                              "title": "Predicted"},
                             {"field": "observed_rate", "type": "quantitative", "format": ".1%",
                              "title": "Observed"}]}},
        ],
    }


def learning_curve_chart(training: dict[str, Any]) -> dict[str, Any]:
    """AUC and precision at k against the number of training rows: still rising means more data would help."""
    capacity = training["capacity"]
    values = []
    for row in training["learning_curve"]:
        for measure, label in (("roc_auc", "ROC AUC"), ("precision_at_k", f"Precision in the top {capacity}")):
            if row.get(measure) is not None:
                values.append({"training_rows": row["training_rows"], "measure": label, "value": row[measure]})
    return {
        "title": "Learning curve: how the model improves with more training rows",
        "description": "ROC AUC and precision at k on the last split's test date, trained on 10%, 25%, 50% and all "
                       "of its training rows.",
        "data": {"values": values},
        "mark": {"type": "line", "point": {"size": 60}},
        "encoding": {
            "x": {"field": "training_rows", "type": "quantitative", "title": "Training rows"},
            "y": {"field": "value", "type": "quantitative", "title": "Value", "scale": {"domain": [0, 1]}},
            "color": {"field": "measure", "type": "nominal", "title": None, "legend": {"orient": "bottom"}},
            "tooltip": [{"field": "measure", "type": "nominal", "title": "Measure"},
                        {"field": "training_rows", "type": "quantitative", "title": "Training rows"},
                        {"field": "value", "type": "quantitative", "format": ".3f", "title": "Value"}]},
    }


def precision_at_k_chart(training: dict[str, Any]) -> dict[str, Any]:
    """Precision in the top k for each split's test date, beside the base rate (picking at random) and, where the
    definition names one, the current rule."""
    capacity = training["capacity"]
    chosen = training["chosen_model"]
    values = []
    for split in training["splits"]:
        figures = split["figures"].get(chosen, {})
        series = [("The model", figures.get("precision_at_k")), ("At random (base rate)", figures.get("base_rate"))]
        if "rule_precision_at_k" in figures:
            series.append(("The current rule", figures.get("rule_precision_at_k")))
        for label, value in series:
            if value is not None:
                values.append({"test_date": split["test_as_of"], "list": label, "precision": value})
    return {
        "title": f"Precision in the top {capacity}, by test date",
        "description": f"The share of the top {capacity} cases that had the outcome on each split's test date, "
                       "against picking at random.",
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "test_date", "type": "ordinal", "title": "Test date"},
            "xOffset": {"field": "list"},
            "y": {"field": "precision", "type": "quantitative", "title": f"Precision in the top {capacity}",
                  "axis": {"format": ".0%"}},
            "color": {"field": "list", "type": "nominal", "title": None, "legend": {"orient": "bottom"}},
            "tooltip": [{"field": "test_date", "type": "ordinal", "title": "Test date"},
                        {"field": "list", "type": "nominal", "title": "List"},
                        {"field": "precision", "type": "quantitative", "format": ".1%", "title": "Precision"}]},
    }


def training_charts(training: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """All three charts, keyed "calibration", "learning_curve" and "precision_at_k"."""
    return {"calibration": calibration_chart(training), "learning_curve": learning_curve_chart(training),
            "precision_at_k": precision_at_k_chart(training)}


def disparity_chart(audit: Any) -> dict[str, Any] | None:
    """An Aequitas-style disparity chart of a bias audit's flags: each group and rate's ratio to its reference group
    as a point with its 95% interval, on a log scale, over the shaded band of ratios treated as no difference.
    Findings (interval wholly outside the band) first, then those that may be chance. None when nothing is flagged.
    """
    from townhall.decisions.audit import RATES

    flags = list(audit.findings) + list(audit.may_be_chance)
    if not flags:
        return None
    lower, upper = audit.band
    values = []
    for flag in flags:
        ratio = flag.ratio
        top = ratio.upper if ratio.upper != float("inf") else max(ratio.value, upper) * 4
        values.append({
            "row": f"{flag.characteristic}: {flag.group} — {RATES[flag.rate][0].lower()}",
            "ratio": max(ratio.value, 0.01), "low": max(ratio.lower, 0.01), "high": max(min(top, 100.0), 0.01),
            "kind": FINDING if flag.strong else MAY_BE_CHANCE,
            "reference": flag.reference})
    order = [value["row"] for value in values]
    y = {"field": "row", "type": "nominal", "sort": order, "title": None, "axis": {"labelLimit": 420}}
    x_scale = {"type": "log", "domain": [0.05, 20]}
    return {
        "title": "Ratios to the reference group, with 95% intervals",
        "description": "Each row is a group and rate whose ratio to the reference group lies outside the band; the "
                       "line is its 95% interval and the shaded area the band treated as no real difference.",
        "height": max(80, 24 * len(values)),
        "layer": [
            {"data": {"values": [{"low": lower, "high": upper}]}, "mark": {"type": "rect", "color": "#dddddd"},
             "encoding": {"x": {"field": "low", "type": "quantitative", "scale": x_scale},
                          "x2": {"field": "high"}}},
            {"data": {"values": [{"x": 1}]}, "mark": {"type": "rule", "color": "#505a5f", "strokeDash": [4, 4]},
             "encoding": {"x": {"field": "x", "type": "quantitative", "scale": x_scale}}},
            {"data": {"values": values}, "mark": {"type": "rule", "strokeWidth": 2},
             "encoding": {"y": y, "x": {"field": "low", "type": "quantitative", "scale": x_scale},
                          "x2": {"field": "high"},
                          "color": {"field": "kind", "type": "nominal", "title": None,
                                    "legend": {"orient": "bottom"}}}},
            {"data": {"values": values}, "mark": {"type": "point", "filled": True, "size": 70},
             "encoding": {
                 "y": y, "x": {"field": "ratio", "type": "quantitative", "scale": x_scale,
                               "title": "Ratio to the reference group (log scale; 1 is no difference)"},
                 "color": {"field": "kind", "type": "nominal", "title": None},
                 "tooltip": [{"field": "row", "title": "Group and rate"},
                             {"field": "reference", "title": "Reference group"},
                             {"field": "ratio", "format": ".2f", "title": "Ratio"},
                             {"field": "low", "format": ".2f", "title": "Interval from"},
                             {"field": "high", "format": ".2f", "title": "Interval to"}]}},
        ],
    }
