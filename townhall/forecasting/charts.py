"""Charts for forecasts and SEND scenarios, as Vega-Lite specifications for ``townhall.reports.render_svg``.

Each chart is drawn from the figures as published: a series with small counts shows its protected history (hidden
months leave a gap) and its rounded forecast.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from townhall.forecasting.models import SeriesForecast, published_forecast
from townhall.forecasting.scenarios import BASELINE, ScenarioComparison
from townhall.governance.disclosure import DisclosureRule
from townhall.reports import CATEGORY_COLOURS

HISTORY_PERIODS_SHOWN = {"daily": 120, "weekly": 156, "monthly": 48, "quarterly": 40, "yearly": 40}


def forecast_chart_spec(result: SeriesForecast, rule: DisclosureRule, *,
                        history_periods: int | None = None) -> dict[str, Any]:
    """History, the chosen method's forecast and its 80% and 95% intervals for one series."""
    protected = result.series.has_small_counts(rule)
    frequency = result.series.frequency
    history = result.series.history.tail(history_periods or HISTORY_PERIODS_SHOWN[frequency.name])
    values = (result.series.published_history(rule)[-len(history):] if protected
              else [float(value) for value in history["value"]])
    rows: list[dict[str, Any]] = [{"period": period.strftime("%Y-%m-%d"), "kind": "History", "value": value}
                                  for period, value in zip(history["period"], values, strict=True)]
    forecast = published_forecast(result, rule.rounding if protected else 1)
    for row in forecast.itertuples():
        rows.append({"period": row.period.strftime("%Y-%m-%d"), "kind": "Forecast", "value": float(row.forecast),
                     "low_80": float(row.low_80), "high_80": float(row.high_80),
                     "low_95": float(row.low_95), "high_95": float(row.high_95)})
    axis_format = {"daily": "%d %b %Y", "weekly": "%d %b %Y", "monthly": "%b %Y", "quarterly": "%b %Y",
                   "yearly": "%Y"}[frequency.name]
    x = {"field": "period", "type": "temporal", "title": frequency.unit.capitalize(), "axis": {"format": axis_format}}
    colour = {"field": "kind", "type": "nominal", "title": None,
              "scale": {"domain": ["History", "Forecast"], "range": [CATEGORY_COLOURS[0], CATEGORY_COLOURS[5]]},
              "legend": {"orient": "bottom"}}
    return {
        "description": f"Line chart of {result.series.label}: {frequency.name} history and forecast with 80% and "
                       "95% prediction intervals",
        "data": {"values": rows},
        "layer": [
            {"transform": [{"filter": "datum.kind === 'Forecast'"}],
             "mark": {"type": "area", "opacity": 0.25, "color": CATEGORY_COLOURS[1]},
             "encoding": {"x": x, "y": {"field": "low_95", "type": "quantitative"}, "y2": {"field": "high_95"}}},
            {"transform": [{"filter": "datum.kind === 'Forecast'"}],
             "mark": {"type": "area", "opacity": 0.45, "color": CATEGORY_COLOURS[1]},
             "encoding": {"x": x, "y": {"field": "low_80", "type": "quantitative"}, "y2": {"field": "high_80"}}},
            {"mark": {"type": "line", "strokeWidth": 2},
             "encoding": {"x": x, "y": {"field": "value", "type": "quantitative",
                                        "title": f"Figure each {frequency.unit}"},
                          "color": colour, "strokeDash": {"field": "kind", "type": "nominal", "legend": None,
                                                          "scale": {"domain": ["History", "Forecast"],
                                                                    "range": [[1, 0], [6, 3]]}}}},
        ],
    }


def scenario_chart_spec(comparison: ScenarioComparison, scenario: str) -> dict[str, Any]:
    """Children with plans each year in one scenario against the baseline, each with its 95% range."""
    rows = []
    for name in (BASELINE, scenario):
        for row in comparison.projections[name].summary().itertuples():
            rows.append({"year": str(row.year), "scenario": name, "children": round(float(row.children), 1),
                         "low": float(row.children_low), "high": float(row.children_high)})
    colour = {"field": "scenario", "type": "nominal", "title": None,
              "scale": {"domain": [BASELINE, scenario], "range": [CATEGORY_COLOURS[0], CATEGORY_COLOURS[5]]},
              "legend": {"orient": "bottom", "labelLimit": 500}}
    x = {"field": "year", "type": "ordinal", "title": "January census", "axis": {"labelAngle": 0}}
    return {
        "description": f"Line chart of children with EHC plans each year: {scenario} against the baseline, with "
                       "95% ranges",
        "data": {"values": rows},
        "layer": [
            {"mark": {"type": "area", "opacity": 0.2},
             "encoding": {"x": x, "y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"},
                          "color": colour}},
            {"mark": {"type": "line", "point": True, "strokeWidth": 2},
             "encoding": {"x": x, "y": {"field": "children", "type": "quantitative",
                                        "title": "Children with EHC plans"}, "color": colour}},
        ],
    }


def history_table(result: SeriesForecast, rule: DisclosureRule, periods: int = 12) -> pd.DataFrame:
    """The latest periods of history as published (protected when the series has small counts)."""
    history = result.series.history.tail(periods)
    values = result.series.published_history(rule)[-len(history):] if result.series.has_small_counts(rule) else [
        round(float(value)) for value in history["value"]]
    return pd.DataFrame({"period": history["period"].to_numpy(), "value": values})
