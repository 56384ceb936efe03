"""Charts: drawn on this machine from Vega-Lite specs, labelled for screen readers, saved atomically."""

from pathlib import Path

import pytest

from townhall.errors import TownhallError
from townhall.reports import chart_spec, render_svg, save_chart

LINE = {
    "data": {"values": [{"month": m, "requests": r} for m, r in [(1, 10), (2, 14), (3, 9)]]},
    "mark": "line",
    "encoding": {"x": {"field": "month", "type": "quantitative"}, "y": {"field": "requests", "type": "quantitative"}},
}


def test_chart_spec_fills_in_schema_size_font_and_palette_without_overriding_the_callers_choices():
    spec = chart_spec({**LINE, "width": 300}, title="Requests")
    assert spec["$schema"].endswith("vega-lite/v5.json")
    assert spec["width"] == 300 and spec["height"] == 280
    assert spec["title"] == "Requests"
    assert spec["config"]["font"].startswith("Arial")
    assert spec["config"]["range"]["category"][0] == "#0072B2"


def test_render_svg_gives_inline_markup_labelled_for_screen_readers_with_no_inline_styles():
    svg = render_svg(LINE, description="Requests by month & year")
    assert svg.startswith("<svg ")
    assert 'role="img"' in svg and 'aria-label="Requests by month &amp; year"' in svg
    assert "style=" not in svg  # the page's Content-Security-Policy allows no inline styles


def test_save_chart_writes_png_svg_and_html_and_refuses_other_formats(tmp_path: Path):
    assert save_chart(LINE, tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in save_chart(LINE, tmp_path / "c.svg").read_bytes()
    html = save_chart(LINE, tmp_path / "c.html").read_text(encoding="utf-8")
    assert "<html" in html.lower() and "cdn.jsdelivr" not in html  # works offline
    with pytest.raises(TownhallError, match=r"not '\.pdf'"):
        save_chart(LINE, tmp_path / "c.pdf")
    assert not (tmp_path / "c.pdf").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.html", "c.png", "c.svg"]


def test_a_broken_spec_gives_a_plain_error_not_a_traceback():
    with pytest.raises(TownhallError, match="could not be drawn"):
        render_svg({"mark": "no-such-mark", "data": {"values": []}})
