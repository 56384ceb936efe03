"""The fictional borough's geography: outline, small areas (Voronoi cells), wards, deprivation and ethnic mix.

Everything is built in a local kilometre grid centred on the borough and converted to WGS84 longitude/latitude
(near -2.2, 53.4, in England) only for output, so distances and areas are honest during generation.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from townhall.demo.names import WARD_NAME_QUALIFIERS, WARD_NAMES

COUNCIL_NAME = "Ashbury"
AUTHORITY_CODE = "E06900001"
CENTRE_LONGITUDE = -2.2
CENTRE_LATITUDE = 53.4
_KM_PER_DEGREE_LATITUDE = 111.2
_KM_PER_DEGREE_LONGITUDE = 111.32 * float(np.cos(np.radians(CENTRE_LATITUDE)))
_DEGREE_GRID = 1e-7  # coordinates are snapped to this grid so neighbouring polygons share identical vertices

# ONS 2021 ethnic groups (19 categories), with Ashbury's borough-wide shares (a diverse north-west borough).
ETHNICITIES: tuple[tuple[str, str, float], ...] = (
    ("White: English, Welsh, Scottish, Northern Irish or British", "White", 0.660),
    ("White: Irish", "White", 0.010),
    ("White: Gypsy or Irish Traveller", "White", 0.002),
    ("White: Roma", "White", 0.003),
    ("White: Other White", "White", 0.055),
    ("Mixed or Multiple ethnic groups: White and Asian", "Mixed or Multiple ethnic groups", 0.010),
    ("Mixed or Multiple ethnic groups: White and Black African", "Mixed or Multiple ethnic groups", 0.007),
    ("Mixed or Multiple ethnic groups: White and Black Caribbean", "Mixed or Multiple ethnic groups", 0.015),
    ("Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups", "Mixed or Multiple ethnic groups",
     0.010),
    ("Asian, Asian British or Asian Welsh: Bangladeshi", "Asian, Asian British or Asian Welsh", 0.020),
    ("Asian, Asian British or Asian Welsh: Chinese", "Asian, Asian British or Asian Welsh", 0.010),
    ("Asian, Asian British or Asian Welsh: Indian", "Asian, Asian British or Asian Welsh", 0.025),
    ("Asian, Asian British or Asian Welsh: Pakistani", "Asian, Asian British or Asian Welsh", 0.065),
    ("Asian, Asian British or Asian Welsh: Other Asian", "Asian, Asian British or Asian Welsh", 0.015),
    ("Black, Black British, Black Welsh, Caribbean or African: African",
     "Black, Black British, Black Welsh, Caribbean or African", 0.045),
    ("Black, Black British, Black Welsh, Caribbean or African: Caribbean",
     "Black, Black British, Black Welsh, Caribbean or African", 0.020),
    ("Black, Black British, Black Welsh, Caribbean or African: Other Black",
     "Black, Black British, Black Welsh, Caribbean or African", 0.010),
    ("Other ethnic group: Arab", "Other ethnic group", 0.008),
    ("Other ethnic group: Any other ethnic group", "Other ethnic group", 0.010),
)
ETHNICITY_NAMES = np.array([name for name, _, _ in ETHNICITIES], dtype=object)
ETHNIC_GROUPS = np.array([group for _, group, _ in ETHNICITIES], dtype=object)


@dataclass
class Geography:
    """Shapes (in km) and attributes of the borough's small areas and wards."""

    outline: shapely.Geometry
    radius_km: float
    centres_km: np.ndarray  # (3, 2): main town centre and two district centres
    small_areas: pd.DataFrame  # code, name, ward_index, centroid_x, centroid_y, area_km2, centrality, deprivation...
    small_area_shapes: np.ndarray  # shapely polygons in km, aligned with small_areas
    wards: pd.DataFrame  # code, name
    ethnicity_probabilities: np.ndarray  # (small areas, 19) share of each ONS ethnic category

    def to_lon_lat(self, x_km: np.ndarray, y_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Convert local kilometre coordinates to WGS84 longitude and latitude."""
        return (CENTRE_LONGITUDE + np.asarray(x_km) / _KM_PER_DEGREE_LONGITUDE,
                CENTRE_LATITUDE + np.asarray(y_km) / _KM_PER_DEGREE_LATITUDE)

    def shapes_in_degrees(self) -> tuple[np.ndarray, np.ndarray, shapely.Geometry]:
        """Small areas, wards and the authority as WGS84 polygons snapped to a 1e-7 degree grid (they tile)."""
        def convert(coordinates: np.ndarray) -> np.ndarray:
            lon, lat = self.to_lon_lat(coordinates[:, 0], coordinates[:, 1])
            return np.column_stack([lon, lat])

        degrees = shapely.set_precision(shapely.transform(self.small_area_shapes, convert), _DEGREE_GRID)
        ward_index = self.small_areas["ward_index"].to_numpy()
        wards = np.array([shapely.union_all(degrees[ward_index == ward], grid_size=_DEGREE_GRID)
                          for ward in range(len(self.wards))], dtype=object)
        authority = shapely.union_all(degrees, grid_size=_DEGREE_GRID)
        return degrees, wards, authority


def small_area_count(residents: int) -> int:
    """About one small area per 400 residents, as with ONS LSOAs, between 24 and 2,500."""
    return int(min(max(residents // 400, 24), 2500))


def build_geography(residents: int, rng: np.random.Generator) -> Geography:
    """Draw the borough outline, its small areas and wards, and their deprivation and ethnic mix."""
    radius = 2.5 * (max(residents, 1000) / 10_000) ** 0.35
    outline = _borough_outline(radius, rng)
    centres = _town_centres(radius, rng)
    count = small_area_count(residents)
    seeds = _small_area_seeds(outline, centres, radius, count, rng)
    shapes = _voronoi_cells(seeds, outline)
    centroids = shapely.get_coordinates(shapely.centroid(shapes))
    neighbours = _neighbours(shapes)
    ward_of_area = _grow_wards(centroids, neighbours, max(4, round(count / 5)), rng)

    # Order wards, then small areas within wards, north-west to south-east so codes read across the map.
    ward_centroids = np.array([centroids[ward_of_area == ward].mean(axis=0) for ward in range(ward_of_area.max() + 1)])
    ward_order = np.argsort(np.round(-ward_centroids[:, 1] * 2) * 1000 + ward_centroids[:, 0], kind="stable")
    ward_rank = np.empty_like(ward_order)
    ward_rank[ward_order] = np.arange(len(ward_order))
    ward_of_area = ward_rank[ward_of_area]
    area_order = np.lexsort((centroids[:, 0], -centroids[:, 1], ward_of_area))
    shapes, centroids, ward_of_area = shapes[area_order], centroids[area_order], ward_of_area[area_order]

    ward_count = int(ward_of_area.max()) + 1
    wards = pd.DataFrame({
        "code": [f"E0590{number:04d}" for number in range(1, ward_count + 1)],
        "name": _ward_names(ward_count, rng),
    })
    letter_in_ward = pd.Series(ward_of_area).groupby(ward_of_area).cumcount().to_numpy()
    letters = np.array([chr(ord("A") + index % 26) for index in range(26)])
    small_areas = pd.DataFrame({
        "code": [f"E0190{number:04d}" for number in range(1, count + 1)],
        "name": [f"{COUNCIL_NAME} {ward + 1:03d}{letters[letter % 26]}" for ward, letter
                 in zip(ward_of_area, letter_in_ward, strict=True)],
        "ward_index": ward_of_area,
        "centroid_x": centroids[:, 0],
        "centroid_y": centroids[:, 1],
        "area_km2": shapely.area(shapes),
    })
    small_areas["ward_code"] = wards["code"].to_numpy()[ward_of_area]
    _add_area_character(small_areas, centres, radius, rng)
    probabilities = _ethnicity_probabilities(small_areas, rng)
    return Geography(outline, radius, centres, small_areas, shapes, wards, probabilities)


def _borough_outline(radius: float, rng: np.random.Generator) -> shapely.Geometry:
    """A star-shaped, irregular outline: a circle bent by a few low-frequency waves."""
    angles = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    distance = np.ones_like(angles)
    for wave in range(2, 7):
        distance += rng.uniform(0.03, 0.16) / wave * 2 * np.cos(wave * angles + rng.uniform(0, 2 * np.pi))
    distance *= radius * (1 + rng.normal(0, 0.015, angles.size))
    return shapely.Polygon(np.column_stack([distance * np.cos(angles), distance * np.sin(angles)]))


def _town_centres(radius: float, rng: np.random.Generator) -> np.ndarray:
    """The main town centre near the middle and two smaller district centres further out."""
    main = rng.normal(0, 0.08 * radius, 2)
    angle = rng.uniform(0, 2 * np.pi)
    others = [main + 0.55 * radius * np.array([np.cos(a), np.sin(a)])
              for a in (angle, angle + rng.uniform(2.0, 4.2))]
    return np.vstack([main, *others])


def _small_area_seeds(outline: shapely.Geometry, centres: np.ndarray, radius: float, count: int,
                      rng: np.random.Generator) -> np.ndarray:
    """Seed points denser near the centres, so small areas hold similar numbers of people (as LSOAs do)."""
    points = np.empty((0, 2))
    while len(points) < count:
        batch = 4 * count
        component = rng.choice(4, size=batch, p=[0.45, 0.15, 0.12, 0.28])
        spread = np.array([0.38, 0.18, 0.15, 0.0])[component] * radius
        candidate = centres[np.minimum(component, 2)] + rng.normal(0, 1, (batch, 2)) * spread[:, None]
        uniform = component == 3
        candidate[uniform] = rng.uniform(-1.3 * radius, 1.3 * radius, (int(uniform.sum()), 2))
        inside = shapely.contains_xy(outline, candidate[:, 0], candidate[:, 1])
        points = np.vstack([points, candidate[inside]])
    points = points[:count]
    # Two half-steps of Lloyd relaxation keep the density pattern but avoid sliver cells.
    for _ in range(2):
        cells = _voronoi_cells(points, outline)
        points = 0.5 * points + 0.5 * shapely.get_coordinates(shapely.centroid(cells))
    return points


def _voronoi_cells(points: np.ndarray, outline: shapely.Geometry) -> np.ndarray:
    """Voronoi polygons of the points, in the points' order, clipped to the outline (largest part kept)."""
    diagram = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=shapely.buffer(outline, outline.length),
                                       ordered=True)
    cells = shapely.intersection(np.array(shapely.get_parts(diagram)), outline)
    multipart = shapely.get_type_id(cells) == 6
    for index in np.flatnonzero(multipart):
        parts = shapely.get_parts(cells[index])
        cells[index] = parts[np.argmax(shapely.area(parts))]
    if multipart.any():
        # Give dropped fragments to the neighbour that touches them, so the cells still tile the outline.
        leftover = shapely.difference(outline, shapely.union_all(cells))
        for fragment in shapely.get_parts(leftover):
            if shapely.area(fragment) <= 0:
                continue
            touching = np.flatnonzero(shapely.intersects(cells, shapely.buffer(fragment, 1e-9)))
            if touching.size:
                best = touching[np.argmax(shapely.length(shapely.intersection(cells[touching],
                                                                              shapely.buffer(fragment, 1e-6))))]
                cells[best] = shapely.union(cells[best], fragment)
    return shapely.set_precision(cells, 1e-6)


def _neighbours(shapes: np.ndarray) -> list[np.ndarray]:
    """For each cell, the cells that share a stretch of boundary with it (not just a corner)."""
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(shapes[left]), shapely.boundary(shapes[right])))
    touching = shared > 1e-4
    pairs = np.concatenate([np.column_stack([left, right])[touching], np.column_stack([right, left])[touching]])
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    splits = np.searchsorted(pairs[:, 0], np.arange(len(shapes) + 1))
    return [pairs[splits[i]:splits[i + 1], 1] for i in range(len(shapes))]


def _grow_wards(centroids: np.ndarray, neighbours: list[np.ndarray], ward_count: int,
                rng: np.random.Generator) -> np.ndarray:
    """Group contiguous small areas into wards of about five by growing from spread-out seeds, smallest first."""
    count = len(centroids)
    seeds = [int(rng.integers(count))]
    nearest = np.linalg.norm(centroids - centroids[seeds[0]], axis=1)
    while len(seeds) < ward_count:  # farthest-point sampling spreads the seeds evenly
        seeds.append(int(np.argmax(nearest)))
        nearest = np.minimum(nearest, np.linalg.norm(centroids - centroids[seeds[-1]], axis=1))
    ward = np.full(count, -1)
    sizes = np.zeros(ward_count, dtype=int)
    heap: list[tuple[int, int]] = []
    for index, seed in enumerate(seeds):
        ward[seed] = index
        sizes[index] = 1
        heapq.heappush(heap, (1, index))
    members: list[list[int]] = [[seed] for seed in seeds]
    while heap:
        size, index = heapq.heappop(heap)
        if size >= 7:
            continue
        frontier = np.unique(np.concatenate([neighbours[member] for member in members[index]]))
        frontier = frontier[ward[frontier] == -1]
        if frontier.size == 0:
            continue
        centre = centroids[members[index]].mean(axis=0)
        chosen = int(frontier[np.argmin(np.linalg.norm(centroids[frontier] - centre, axis=1))])
        ward[chosen] = index
        members[index].append(chosen)
        sizes[index] += 1
        heapq.heappush(heap, (sizes[index], index))
    while (ward == -1).any():  # areas enclosed by full wards join a neighbouring ward
        for area in np.flatnonzero(ward == -1):
            assigned = [ward[other] for other in neighbours[area] if ward[other] != -1]
            if assigned:
                ward[area] = min(assigned, key=lambda candidate: sizes[candidate])
                sizes[ward[area]] += 1
    for index in np.flatnonzero(sizes < 3):  # merge tiny wards into their smallest neighbour
        areas = np.flatnonzero(ward == index)
        if areas.size == 0 or areas.size >= 3:
            continue
        around = {int(ward[other]) for area in areas for other in neighbours[area]} - {int(index)}
        if around:
            target = min(around, key=lambda candidate: sizes[candidate])
            ward[areas] = target
            sizes[target] += areas.size
            sizes[index] = 0
    _, ward = np.unique(ward, return_inverse=True)
    return ward


def _ward_names(count: int, rng: np.random.Generator) -> list[str]:
    """Distinct ward names: the base list first, then the same places with North/South/... qualifiers."""
    names = [name + qualifier for qualifier in WARD_NAME_QUALIFIERS for name in rng.permutation(WARD_NAMES)]
    if count > len(names):
        names += [f"{COUNCIL_NAME} Ward {number}" for number in range(1, count - len(names) + 1)]
    return names[:count]


def _smooth_field(x: np.ndarray, y: np.ndarray, radius: float, rng: np.random.Generator, bumps: int = 8) -> np.ndarray:
    """A smooth random surface (sum of Gaussian bumps), standardised to mean 0 and standard deviation 1."""
    centres = rng.uniform(-radius, radius, (bumps, 2))
    widths = rng.uniform(0.15, 0.45, bumps) * radius
    heights = rng.normal(0, 1, bumps)
    distance2 = (x[:, None] - centres[:, 0]) ** 2 + (y[:, None] - centres[:, 1]) ** 2
    field = (heights * np.exp(-distance2 / (2 * widths**2))).sum(axis=1)
    return (field - field.mean()) / (field.std() + 1e-12)


def _standardise(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() + 1e-12)


def _add_area_character(small_areas: pd.DataFrame, centres: np.ndarray, radius: float,
                        rng: np.random.Generator) -> None:
    """Centrality and deprivation (with spatial structure) for each small area, plus an IMD-style decile."""
    x, y = small_areas["centroid_x"].to_numpy(), small_areas["centroid_y"].to_numpy()
    distance_main = np.hypot(x - centres[0, 0], y - centres[0, 1])
    distance_any = np.min(np.hypot(x[:, None] - centres[:, 0], y[:, None] - centres[:, 1]), axis=1)
    centrality = (np.exp(-((distance_main / (0.45 * radius)) ** 2))
                  + 0.5 * np.exp(-((distance_any / (0.2 * radius)) ** 2)))
    small_areas["centrality"] = np.clip(centrality / centrality.max(), 0, 1)
    # Inner-urban ring around the main centre is most deprived; leafy outskirts least, with patchy variation.
    inner_ring = np.exp(-(((distance_main - 0.3 * radius) / (0.3 * radius)) ** 2))
    score = 1.3 * inner_ring + 0.8 * _smooth_field(x, y, radius, rng) + 0.45 * rng.normal(0, 1, len(x))
    deprivation = _standardise(score)
    small_areas["deprivation"] = deprivation
    # Ashbury is more deprived than England as a whole: more areas in deciles 1-3 than in 8-10.
    shares = np.array([0.17, 0.14, 0.12, 0.11, 0.10, 0.09, 0.08, 0.07, 0.06, 0.06])
    rank_fraction = (np.argsort(np.argsort(-deprivation, kind="stable"), kind="stable") + 0.5) / len(x)
    small_areas["imd_decile"] = np.searchsorted(np.cumsum(shares), rank_fraction) + 1
    small_areas["imd_score"] = np.round(30 + 14 * deprivation + rng.normal(0, 1.5, len(x)), 2).clip(2, 90)


def _ethnicity_probabilities(small_areas: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Per-area shares of the 19 ONS categories: borough shares tilted by clustered community fields."""
    x, y = small_areas["centroid_x"].to_numpy(), small_areas["centroid_y"].to_numpy()
    radius = float(np.hypot(x, y).max())
    deprivation = small_areas["deprivation"].to_numpy()
    centrality = small_areas["centrality"].to_numpy()
    south_asian = np.exp(0.9 * _smooth_field(x, y, radius, rng, 6) + 0.35 * deprivation)
    black = np.exp(0.7 * _smooth_field(x, y, radius, rng, 6) + 0.30 * deprivation + 0.4 * centrality)
    european = np.exp(0.5 * _smooth_field(x, y, radius, rng, 6) + 0.8 * centrality)
    other = np.exp(0.3 * deprivation + 0.5 * centrality)
    base = np.array([share for _, _, share in ETHNICITIES])
    tilt = np.ones((len(x), len(base)))
    groups = ETHNIC_GROUPS
    tilt[:, groups == "Asian, Asian British or Asian Welsh"] = south_asian[:, None]
    tilt[:, 10] = european  # Chinese households follow the central, student-heavy areas
    tilt[:, groups == "Black, Black British, Black Welsh, Caribbean or African"] = black[:, None]
    tilt[:, groups == "Mixed or Multiple ethnic groups"] = np.sqrt(black * other)[:, None]
    tilt[:, [3, 4]] = european[:, None]
    tilt[:, groups == "Other ethnic group"] = other[:, None]
    tilt[:, 1:3] = 1.0
    weighted = base * tilt
    minority = weighted[:, 1:].sum(axis=1)
    # Keep the borough-wide minority share at its base value while letting it vary a lot between areas.
    weighted[:, 1:] *= (1 - base[0]) / minority.mean()
    weighted[:, 1:] *= np.minimum(1.0, 0.9 / weighted[:, 1:].sum(axis=1, keepdims=True))
    weighted[:, 0] = 1 - weighted[:, 1:].sum(axis=1)
    return weighted
