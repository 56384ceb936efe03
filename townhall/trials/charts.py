"""Charts for trials: each arm's effect with its 95% interval, and a pilot's event study (effect by period).

Both are Vega-Lite specifications drawn by townhall.reports, with a zero line so a reader sees at once whether an
interval crosses "no effect".
"""

from __future__ import annotations

from typing import Any

from townhall.reports import CATEGORY_COLOURS
from townhall.trials.analysis import TrialAnalysis
from townhall.trials.area_pilots import DifferenceInDifferences


def effect_chart(analysis: TrialAnalysis) -> dict[str, Any]:
    """Each comparison's difference from control as a point with its 95% interval (percentage points for yes/no)."""
    values = []
    for effect in analysis.effects:
        scale = 100 if effect.kind == "proportion" else 1
        values.append({"comparison": f"{effect.arm}: {effect.outcome}", "role": effect.role,
                       "difference": round(effect.difference * scale, 3), "lower": round(effect.lower * scale, 3),
                       "upper": round(effect.upper * scale, 3)})
    unit = "percentage points" if all(effect.kind == "proportion" for effect in analysis.effects) else "outcome units"
    axis_title = f"Difference from control ({unit}), with 95% interval"
    return {
        "description": f"Difference from control for each arm and outcome in trial {analysis.trial}, with 95% "
                       "confidence intervals",
        "height": max(60, 40 * len(values)),
        "data": {"values": values},
        "layer": [
            {"mark": {"type": "rule", "color": "#505a5f", "strokeDash": [4, 4], "aria": False},
             "encoding": {"x": {"datum": 0}}},
            {"mark": {"type": "rule", "strokeWidth": 2, "color": CATEGORY_COLOURS[0]},
             "encoding": {"y": {"field": "comparison", "type": "nominal", "title": None, "sort": None},
                          "x": {"field": "lower", "type": "quantitative", "title": axis_title},
                          "x2": {"field": "upper"}}},
            {"mark": {"type": "point", "filled": True, "size": 90, "color": CATEGORY_COLOURS[0]},
             "encoding": {"y": {"field": "comparison", "type": "nominal", "sort": None},
                          "x": {"field": "difference", "type": "quantitative"},
                          "tooltip": [{"field": "comparison"}, {"field": "difference"}, {"field": "lower"},
                                      {"field": "upper"}]}},
        ],
    }


def event_study_chart(result: DifferenceInDifferences) -> dict[str, Any]:
    """The pilot's difference from the comparators in each period before and after the start (period -1 = 0)."""
    values = [{"period": int(row.relative_period), "estimate": round(float(row.estimate), 4),
               "lower": round(float(row.lower), 4), "upper": round(float(row.upper), 4)}
              for row in result.event_study.itertuples()]
    return {
        "description": f"Event study: difference in {result.outcome} between the pilot area and comparators by "
                       "period from the pilot's start, with 95% confidence intervals",
        "data": {"values": values},
        "layer": [
            {"mark": {"type": "rule", "color": "#505a5f", "strokeDash": [4, 4], "aria": False},
             "encoding": {"y": {"datum": 0}}},
            {"mark": {"type": "rule", "color": "#505a5f", "aria": False}, "encoding": {"x": {"datum": -0.5}}},
            {"mark": {"type": "rule", "color": CATEGORY_COLOURS[0]},
             "encoding": {"x": {"field": "period", "type": "quantitative",
                                "title": "Periods from the start of the pilot (the start is period 0)"},
                          "y": {"field": "lower", "type": "quantitative",
                                "title": f"Difference in {result.outcome} (95% interval)"},
                          "y2": {"field": "upper"}}},
            {"mark": {"type": "point", "filled": True, "color": CATEGORY_COLOURS[0]},
             "encoding": {"x": {"field": "period", "type": "quantitative"},
                          "y": {"field": "estimate", "type": "quantitative"}}},
        ],
    }
