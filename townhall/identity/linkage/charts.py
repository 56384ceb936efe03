"""Splink's own charts of the trained linkage model, saved as standalone HTML (works offline) and PNG.

The match-weights chart shows how much each level of each comparison counts for or against a match; the waterfall
chart shows, for one pair of records, how their score was built up. The waterfall shows the two records' values,
so saving one is written to the audit log.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from townhall.errors import TownhallError
from townhall.identity.index import SCHEMA, latest_run, read_index
from townhall.identity.linkage.prepare import LINKAGE_COLUMNS, prepare_source
from townhall.identity.linkage.sources import plan_sources
from townhall.store.analytics import scratch_connection
from townhall.store.files import atomic_write_bytes, atomic_write_text
from townhall.workspace import current_actor

if TYPE_CHECKING:
    from splink import Linker

    from townhall.workspace import Workspace


def linkage_rows(workspace: Workspace, unique_ids: tuple[str, ...] = ()) -> pd.DataFrame:
    """The standardised linkage columns of some records, as the last run compared them (their sources are read and
    standardised again); with no ids, an empty table with the columns, enough for the match-weights chart."""
    empty = pd.DataFrame({name: pd.Series(dtype="str") for name in LINKAGE_COLUMNS})
    if not unique_ids:
        return empty.drop(columns=["record_date"])
    plans = {plan.source: plan for plan in plan_sources(workspace)}
    wanted = {unique_id.split(":", 1)[0] for unique_id in unique_ids}
    frames = [prepare_source(workspace, plans[source]).records for source in sorted(wanted)
              if source in plans and plans[source].linked]
    rows = pd.concat([empty, *frames], ignore_index=True) if frames else empty
    rows = rows.loc[rows["unique_id"].isin(unique_ids)]
    return rows.drop(columns=["record_date"]).reset_index(drop=True)


def _linker(workspace: Workspace, records: pd.DataFrame) -> tuple[Linker, Any]:
    """A Splink linker over ``records``, loaded with the latest run's trained model."""
    from splink import DuckDBAPI, Linker

    settings = latest_run(workspace).settings
    database = DuckDBAPI(scratch_connection())
    return Linker(database.register(records), settings, log_level=logging.ERROR), database


def _save(chart: Any, folder: Path, stem: str) -> list[Path]:
    """The chart as standalone HTML (scripts inlined, no network needed) and as a PNG picture."""
    import vl_convert

    html, png = folder / f"{stem}.html", folder / f"{stem}.png"
    atomic_write_text(html, chart.to_html(inline=True))
    atomic_write_bytes(png, vl_convert.vegalite_to_png(json.loads(json.dumps(chart.chart_dict, default=str)),
                                                       scale=2))
    return [html, png]


def save_linkage_charts(workspace: Workspace, folder: Path, *,
                        pair: tuple[str, str] | None = None) -> list[Path]:
    """Save the match-weights chart, and the waterfall chart for ``pair`` (two unique ids) if given."""
    folder.mkdir(parents=True, exist_ok=True)
    linker, database = _linker(workspace, linkage_rows(workspace))
    saved = _save(linker.visualisations.match_weights_chart(), folder, "match-weights")
    if pair is not None:
        indexed = set(read_index(workspace, f"select unique_id from {SCHEMA}.records where unique_id in (?, ?)",
                                 list(pair))["unique_id"])
        records = linkage_rows(workspace, pair)
        missing = [unique_id for unique_id in pair
                   if unique_id not in indexed or unique_id not in set(records["unique_id"])]
        if missing:
            raise TownhallError(f"There is no linked record '{missing[0]}'. Give records as source:record id, "
                                "for example council_tax:CT10004013, as 'townhall identity export' lists them.")
        # One-row tables keep the columns' types (a missing value in a plain dict would not be text).
        left, right = (database.register(records.loc[records["unique_id"] == unique_id].reset_index(drop=True))
                       for unique_id in pair)
        scored = linker.inference.score_pair(left, right).as_record_list()
        chart = linker.visualisations.waterfall_chart(scored, filter_nulls=False)
        stem = "waterfall-" + "-".join(unique_id.replace(":", "_") for unique_id in pair)
        saved += _save(chart, folder, stem)
        workspace.audit.record(current_actor(), "link.waterfall_saved", f"{pair[0]} | {pair[1]}",
                               details={"files": [path.name for path in saved[-2:]]})
    return saved
