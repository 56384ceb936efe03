"""Charts for pages, reports and briefings: Vega-Lite specifications drawn on this machine by vl-convert.

Every capability describes a chart as a Vega-Lite specification (a plain dict) and hands it here. Pages get inline
SVG (no script, so the Content-Security-Policy stays strict, and the chart prints); briefings get PNG, SVG or a
standalone HTML file that works offline. Colours come from one palette that people with colour-blindness can tell
apart (Okabe and Ito), and the font is the same system font as the pages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import vl_convert

from townhall.errors import TownhallError
from townhall.store.files import atomic_write_bytes

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# Okabe & Ito (2008): eight colours distinguishable with the common forms of colour-blindness.
CATEGORY_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# One-hue sequential blues for ordered classes (light = low); readable in greyscale too.
SEQUENTIAL_COLOURS = ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b"]
FONT = "Arial, Helvetica, sans-serif"
CHART_FORMATS = (".png", ".svg", ".html")


def chart_spec(spec: dict[str, Any], *, title: str | None = None, width: int | str = 560,
               height: int = 280) -> dict[str, Any]:
    """A complete Vega-Lite spec: the given one with the schema, size, font and palette filled in where missing."""
    complete: dict[str, Any] = {"$schema": VEGA_LITE_SCHEMA}
    if "vconcat" not in spec and "hconcat" not in spec and "facet" not in spec and "concat" not in spec:
        complete.update({"width": width, "height": height})
    complete.update(spec)
    if title and "title" not in spec:
        complete["title"] = title
    config = {
        "font": FONT,
        "range": {"category": CATEGORY_COLOURS},
        "axis": {"labelFontSize": 12, "titleFontSize": 13},
        "legend": {"labelFontSize": 12, "titleFontSize": 13},
        "title": {"fontSize": 15, "anchor": "start"},
        "view": {"stroke": None},
    }
    config.update(spec.get("config", {}))
    complete["config"] = config
    return complete


def render_svg(spec: dict[str, Any], *, description: str | None = None) -> str:
    """The chart as SVG markup to put straight into a page, labelled for screen readers with ``description``."""
    try:
        svg = vl_convert.vegalite_to_svg(chart_spec(spec))
    except ValueError as error:  # vl-convert reports a bad specification as ValueError
        raise TownhallError(f"The chart could not be drawn: {error}") from error
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    label = description or spec.get("description") or spec.get("title") or "Chart"
    if isinstance(label, dict):
        label = label.get("text", "Chart")
    label = str(label).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', 1)


def chart_bytes(spec: dict[str, Any], suffix: str) -> bytes:
    """The chart as the bytes of a PNG (twice screen resolution), SVG or standalone offline HTML file."""
    complete = chart_spec(spec)
    try:
        if suffix == ".png":
            return vl_convert.vegalite_to_png(complete, scale=2)
        if suffix == ".svg":
            return vl_convert.vegalite_to_svg(complete).encode("utf-8")
        if suffix == ".html":
            return vl_convert.vegalite_to_html(complete, bundle=True).encode("utf-8")
    except ValueError as error:
        raise TownhallError(f"The chart could not be drawn: {error}") from error
    raise TownhallError(f"Charts can be saved as {', '.join(CHART_FORMATS)}, not '{suffix or 'no extension'}'.")


def save_chart(spec: dict[str, Any], path: Path | str) -> Path:
    """Save the chart to ``path`` (format from its extension), writing a temporary file and renaming it into place."""
    target = Path(path)
    atomic_write_bytes(target, chart_bytes(spec, target.suffix.lower()))
    return target


def spec_json(spec: dict[str, Any]) -> str:
    """The complete spec as JSON, for people who want to open it in the Vega editor or a notebook."""
    return json.dumps(chart_spec(spec), indent=2, default=str)
