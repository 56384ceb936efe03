"""Segmentation (Hull's customer segmentation): group small areas that are alike on census-like indicators and
service use, and describe each group in plain, neutral English from the indicators that set it apart.

Indicators are standardised (each to mean 0, spread 1) so none dominates by its units. k-means picks the number of
groups with the best silhouette score (how much closer areas are to their own group than to the next), a Gaussian
mixture with the lowest BIC, over 2 to 8 groups unless told. A fixed seed makes the result the same every run.
Descriptions compare a group with the borough and never call an area a problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from townhall.errors import TownhallError
from townhall.places.defaults import DEFAULT_SEED, METHODS
from townhall.settings.places import PlacesSettings

DEFAULT_GROUP_COUNTS = range(2, 9)

# How to speak of an indicator: (its name in a sentence, words when a group is higher, words when lower).
INDICATOR_WORDS: dict[str, tuple[str, str, str]] = {
    "median_age": ("median age", "Older residents", "Younger residents"),
    "pct_aged_65_plus": ("share aged 65 and over (%)", "More residents aged 65 and over",
                         "Fewer residents aged 65 and over"),
    "imd_decile": ("deprivation decile (10 = least deprived)", "Lower deprivation", "Higher deprivation"),
    "imd_score": ("deprivation score", "Higher deprivation", "Lower deprivation"),
    "pct_white_british": ("share White British (%)", "A larger White British population",
                          "A more ethnically diverse population"),
    "homes_per_hectare": ("homes per hectare", "Denser housing", "More spacious housing"),
    "population": ("population", "More residents", "Fewer residents"),
}


def indicator_settings(geography: Any) -> PlacesSettings:
    """The ``[places]`` settings of the geography's workspace (the defaults for a geography made in memory): which
    indicators are the population, the homes and other counts."""
    workspace = getattr(geography, "workspace", None)
    return workspace.settings.places if workspace is not None else PlacesSettings()


def indicator_words(indicator: str) -> tuple[str, str, str]:
    """How to speak of an indicator; unknown ones read as "higher <name>" / "lower <name>"."""
    if indicator in INDICATOR_WORDS:
        return INDICATOR_WORDS[indicator]
    name = indicator.replace("_", " ")
    return name, f"Higher {name}", f"Lower {name}"


@dataclass
class Segment:
    """One group of areas: its number, size, plain-English title and description, and typical values."""

    number: int
    areas: int
    title: str
    description: str
    typical: dict[str, float]  # the group's median of each indicator
    distinguishing: list[str]  # indicators that set it apart, most distinctive first


@dataclass
class Segmentation:
    """Which segment each area is in, what each segment is like, and how the number of segments was chosen."""

    assignments: pd.DataFrame  # area_code, segment (1 = the largest)
    segments: list[Segment]
    indicators: list[str]
    method: str
    criterion: str  # "silhouette" (higher is better) or "BIC" (lower is better)
    scores: dict[int, float]  # criterion value by number of segments tried
    chosen: int
    seed: int
    borough: dict[str, float] = field(default_factory=dict)  # the median across all areas

    def describe_choice(self) -> str:
        """How the number of segments was chosen, in one sentence."""
        if len(self.scores) == 1:
            return f"{self.chosen} segments, as asked."
        better = "highest silhouette score" if self.criterion == "silhouette" else "lowest BIC"
        tried = f"{min(self.scores)} to {max(self.scores)}"
        return (f"{self.chosen} segments: of {tried} segments tried, {self.chosen} gave the {better} "
                f"({self.scores[self.chosen]:.3f}) using {self.method} with seed {self.seed}.")


def segment_areas(table: pd.DataFrame, *, method: str = "kmeans", segments: int | None = None,
                  group_counts: Sequence[int] = DEFAULT_GROUP_COUNTS, seed: int = DEFAULT_SEED) -> Segmentation:
    """Cluster areas (rows, indexed by area code) on their numeric indicator columns.

    Areas with a missing value take that indicator's median; indicators that do not vary are dropped.
    """
    if method not in METHODS:
        raise TownhallError(f"Unknown segmentation method '{method}': use one of {', '.join(METHODS)}.")
    numeric = table.apply(pd.to_numeric, errors="coerce")
    usable = [column for column in numeric.columns if numeric[column].notna().any() and numeric[column].std() > 0]
    if not usable:
        raise TownhallError("None of the indicators varies between areas, so there is nothing to group them by.")
    values = numeric[usable].fillna(numeric[usable].median())
    standardised = ((values - values.mean()) / values.std(ddof=0)).to_numpy()
    area_count = len(values)
    counts = [segments] if segments else [k for k in group_counts if 2 <= k <= max(2, area_count // 3)]
    if not counts or (segments is not None and not 2 <= segments < area_count):
        raise TownhallError(f"{area_count} areas cannot be split into {segments or 'these numbers of'} segments: "
                            "ask for at least 2 and fewer than the number of areas.")
    labels_by_count: dict[int, np.ndarray] = {}
    scores: dict[int, float] = {}
    # One thread: a few thousand areas at most, where starting thread pools costs more than it saves.
    with threadpool_limits(limits=1):
        for count in counts:
            if method == "kmeans":
                model = KMeans(n_clusters=count, n_init=4, random_state=seed).fit(standardised)
                labels = model.labels_
                scores[count] = float(silhouette_score(standardised, labels)) if len(set(labels)) > 1 else -1.0
            else:
                mixture = GaussianMixture(n_components=count, covariance_type="diag", n_init=3, random_state=seed)
                mixture.fit(standardised)
                labels = mixture.predict(standardised)
                scores[count] = float(mixture.bic(standardised))
            labels_by_count[count] = labels
    criterion = "silhouette" if method == "kmeans" else "BIC"
    if len(counts) == 1:
        chosen = counts[0]
    elif criterion == "silhouette":
        chosen = max(counts, key=lambda count: (round(scores[count], 9), -count))
    else:
        chosen = min(counts, key=lambda count: (round(scores[count], 6), count))
    labels = _renumber(labels_by_count[chosen], values)
    assignments = pd.DataFrame({"area_code": values.index.astype(str), "segment": labels})
    borough = values.median().to_dict()
    z = pd.DataFrame(standardised, columns=usable, index=values.index)
    described = [_describe(number, values[labels == number], z[labels == number], borough)
                 for number in sorted(set(labels))]
    return Segmentation(assignments=assignments, segments=described, indicators=usable, method=method,
                        criterion=criterion, scores=scores, chosen=chosen, seed=seed,
                        borough={key: float(value) for key, value in borough.items()})


def _renumber(labels: np.ndarray, values: pd.DataFrame) -> np.ndarray:
    """Segments numbered 1, 2, … from the largest; ties broken by the group's first area code (stable across runs)."""
    frame = pd.DataFrame({"label": labels, "code": values.index.astype(str)})
    summary = frame.groupby("label").agg(size=("code", "size"), first=("code", "min"))
    order = summary.sort_values(["size", "first"], ascending=[False, True]).index
    mapping = {label: number for number, label in enumerate(order, start=1)}
    return np.array([mapping[label] for label in labels])


def _describe(number: int, values: pd.DataFrame, z: pd.DataFrame, borough: dict[str, Any]) -> Segment:
    """A neutral title and sentence from the two or three indicators on which the group differs most."""
    mean_difference = z.mean()
    ranked = mean_difference.abs().sort_values(ascending=False)
    distinguishing = [name for name in ranked.index if ranked[name] >= 0.5][:3] or list(ranked.index[:1])
    typical = values.median().to_dict()
    phrases, figures = [], []
    for name in distinguishing:
        label, higher, lower = indicator_words(name)
        phrase = higher if mean_difference[name] > 0 else lower
        if phrase not in phrases:
            phrases.append(phrase)
        figures.append(f"{label} {_number(typical[name])} vs {_number(borough[name])} across the borough")
    title = ", ".join([phrases[0], *[phrase[0].lower() + phrase[1:] for phrase in phrases[1:]]])
    if ranked.iloc[0] < 0.5:
        title = "Close to the borough average"
    description = f"{title}: " + "; ".join(figures) + f" ({len(values)} {'area' if len(values) == 1 else 'areas'})."
    return Segment(number=number, areas=len(values), title=title, description=description,
                   typical={key: float(value) for key, value in typical.items()}, distinguishing=distinguishing)


def _number(value: float) -> str:
    """A figure for a sentence: whole numbers without decimals, others to one decimal place."""
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def indicator_table_for_segmentation(geography: Any, indicators: Sequence[str] | None = None, *,
                                     period: str | None = None, level: str = "small_area") -> pd.DataFrame:
    """The indicators to cluster on, one row per area: those named, or every loaded one except counts and sizes
    (``[places]`` population, homes and count indicators), with homes per hectare added when homes are loaded (per
    hectare of each area's own boundary)."""
    settings = indicator_settings(geography)
    homes = settings.homes_indicator
    names = list(indicators) if indicators else [name for name in geography.indicator_names()
                                                  if name not in settings.counted_indicators()]
    wanted = [name for name in names if name != "homes_per_hectare"]
    table = geography.indicator_table(wanted, period=period, level=level) if wanted else pd.DataFrame()
    loaded = set(geography.indicator_names())
    if (not indicators or "homes_per_hectare" in names) and {homes, "area_hectares"} <= loaded:
        size = geography.indicator_table([homes, "area_hectares"], period=period, level=level)
        table = table.join((size[homes] / size["area_hectares"].where(size["area_hectares"] > 0))
                           .rename("homes_per_hectare"), how="outer")
    elif (not indicators or "homes_per_hectare" in names) and homes in loaded:
        areas = geography.areas(level).set_index("code")
        if "area_hectares" in areas:
            counts = geography.indicator_table([homes], period=period, level=level)[homes]
            table = table.join((counts / areas["area_hectares"]).rename("homes_per_hectare"), how="outer")
    if table.empty:
        raise TownhallError("No indicators are loaded for the areas: load some with 'townhall places load'.")
    return table


def segment_map(geography: Any, segmentation: Segmentation, *, level: str = "small_area",
                title: str = "Segments of similar small areas") -> Any:
    """A map of the segments in a categorical palette (one colour a segment), with the titles in the legend."""
    import geopandas as gpd

    from townhall.places.maps import NO_FIGURE_COLOUR, LegendClass, ThematicMap
    from townhall.reports import CATEGORY_COLOURS

    areas = geography.areas(level)
    segment_of = dict(zip(segmentation.assignments["area_code"], segmentation.assignments["segment"], strict=True))
    titles = {segment.number: f"{segment.number}. {segment.title}" for segment in segmentation.segments}
    colour_of = {segment.number: CATEGORY_COLOURS[(segment.number - 1) % len(CATEGORY_COLOURS)]
                 for segment in segmentation.segments}
    numbers = [segment_of.get(code) for code in areas["code"]]
    features = gpd.GeoDataFrame({
        "code": areas["code"].to_numpy(), "name": areas["name"].to_numpy(),
        "value": [float(number) if number else np.nan for number in numbers],
        "display": [titles[number] if number else "No figure" for number in numbers],
        "colour": [colour_of[number] if number else NO_FIGURE_COLOUR for number in numbers],
        "label": [titles[number] if number else "No figure" for number in numbers],
    }, geometry=areas.geometry.to_numpy(), crs=areas.crs)
    legend = [LegendClass(titles[segment.number], colour_of[segment.number], segment.areas)
              for segment in segmentation.segments]
    return ThematicMap(title=title, measure="Segment", level=level, features=features, legend=legend,
                       classification="categories", attribution=list(geography.attribution),
                       notes=[segmentation.describe_choice()])
