"""Reports: charts, dashboards and HTML/PDF reports shared by every capability.

``townhall.reports.charts`` draws Vega-Lite specifications on this machine (inline SVG for pages; PNG, SVG or offline
HTML for briefings) in a colour-blind-safe palette.
"""

from townhall.reports.charts import (
    CATEGORY_COLOURS,
    SEQUENTIAL_COLOURS,
    chart_bytes,
    chart_spec,
    render_svg,
    save_chart,
    spec_json,
)

__all__ = [
    "CATEGORY_COLOURS",
    "SEQUENTIAL_COLOURS",
    "chart_bytes",
    "chart_spec",
    "render_svg",
    "save_chart",
    "spec_json",
]
