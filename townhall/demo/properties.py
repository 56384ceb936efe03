"""Properties and addresses: buildings, flats, streets, postcodes and UPRNs laid out over the small areas.

Postcodes follow the real format ("AY1 4QT"): area letters AY (fictional), a district number, then a sector digit
and two unit letters. Each postcode covers about fifteen addresses on one street inside one small area.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from townhall.demo.geography import Geography
from townhall.demo.names import BLOCK_NAME_STEMS, BLOCK_NAME_SUFFIXES, STREET_NAME_STEMS, STREET_SUFFIXES

POSTCODE_AREA = "AY"
_UNIT_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))  # letters Royal Mail uses in the inward code
ADDRESSES_PER_POSTCODE = 15

PROPERTY_TYPES = np.array(["Detached house", "Semi-detached house", "Terraced house", "Bungalow",
                           "Converted flat", "Purpose-built flat", "Commercial"], dtype=object)
DETACHED, SEMI, TERRACED, BUNGALOW, CONVERTED_FLAT, BLOCK_FLAT, COMMERCIAL = range(7)
CLASSIFICATION_CODES = np.array(["RD02", "RD03", "RD04", "RD02", "RD06", "RD06", "C"], dtype=object)

BUSINESS_CATEGORIES = np.array(["Shop", "Office", "Warehouse", "Workshop", "Restaurant", "Public house", "Hotel"],
                               dtype=object)
_BUSINESS_CATEGORY_SHARES = np.array([0.36, 0.20, 0.08, 0.12, 0.14, 0.06, 0.04])
BUSINESS_CLASSIFICATION = np.array(["CR08", "CO01", "CI04", "CI03", "CR07", "CR06", "CH03"], dtype=object)


@dataclass
class PropertyLayout:
    """Every addressable unit (homes and business premises), the parent buildings and the postcode list."""

    units: pd.DataFrame
    parent_shells: pd.DataFrame
    postcodes: pd.DataFrame


def build_properties(geography: Geography, residential_units: int, hmo_count: int, business_count: int,
                     rng: np.random.Generator) -> PropertyLayout:
    """Lay out homes and business premises in buildings, streets and postcodes, with UPRNs and coordinates."""
    areas = geography.small_areas
    area_count = len(areas)
    deprivation = areas["deprivation"].to_numpy()
    centrality = areas["centrality"].to_numpy()

    homes_per_area = rng.multinomial(residential_units, _normalise(rng.lognormal(0, 0.2, area_count)))
    business_weights = np.exp(3.0 * centrality) * rng.lognormal(0, 0.4, area_count)
    businesses_per_area = rng.multinomial(business_count, _normalise(business_weights))
    home_area = np.repeat(np.arange(area_count), homes_per_area)
    business_area = np.repeat(np.arange(area_count), businesses_per_area)

    logits = np.column_stack([
        -0.3 - 1.6 * centrality - 0.7 * deprivation,  # detached
        0.7 - 0.6 * centrality - 0.2 * deprivation,   # semi-detached
        0.4 + 0.4 * centrality + 0.6 * deprivation,   # terraced
        -1.3 - 1.0 * centrality,                      # bungalow
        -1.5 + 1.2 * centrality + 0.3 * deprivation,  # converted flat
        -1.3 + 2.2 * centrality + 0.4 * deprivation,  # purpose-built flat
    ])
    type_share = np.exp(logits)
    home_type = _draw_categories(type_share[home_area] / type_share[home_area].sum(axis=1, keepdims=True), rng)

    units = pd.DataFrame({
        "small_area": np.concatenate([home_area, business_area]),
        "type_index": np.concatenate([home_type, np.full(business_area.size, COMMERCIAL)]),
    })
    units["building"] = _group_into_buildings(units, rng)
    buildings = _describe_buildings(units, deprivation, rng)
    units = units.merge(buildings[["building", "order_key"]], on="building", how="left")
    units = units.sort_values(["small_area", "order_key", "building"], kind="stable").reset_index(drop=True)
    units["rank_in_building"] = units.groupby("building").cumcount()

    postcodes, units["postcode_index"], units["street_index"] = _postcodes_and_streets(units, geography, rng)
    _number_addresses(units, buildings, rng)
    _place_units(units, postcodes, geography, rng)
    _add_home_attributes(units, buildings, deprivation, rng)
    _choose_hmos(units, hmo_count, deprivation, centrality, rng)
    _add_business_attributes(units, rng)

    parent_shells = _parent_shells(units, buildings)
    uprns = _new_uprns(len(units) + len(parent_shells), rng)
    units["uprn"] = uprns[: len(units)]
    parent_shells["uprn"] = uprns[len(units):]
    units["parent_uprn"] = units["building"].map(parent_shells.set_index("building")["uprn"]).astype("Int64")
    units["small_area_code"] = areas["code"].to_numpy()[units["small_area"]]
    units["ward_code"] = areas["ward_code"].to_numpy()[units["small_area"]]
    units["ward_index"] = areas["ward_index"].to_numpy()[units["small_area"]]
    units["property_type"] = PROPERTY_TYPES[units["type_index"]]
    units = units.drop(columns=["order_key"])
    units.index.name = "property_id"
    return PropertyLayout(units=units, parent_shells=parent_shells, postcodes=postcodes)


def _normalise(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


def _draw_categories(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One category per row of a probability matrix, drawn by inverse cumulative probability."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative[:, -1] = 1.0
    return (rng.random(len(probabilities))[:, None] > cumulative).sum(axis=1)


def _group_into_buildings(units: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Houses and businesses are buildings of one; flats share a converted house (~3) or a block (~14)."""
    order = np.lexsort((units["type_index"].to_numpy(), units["small_area"].to_numpy()))
    area = units["small_area"].to_numpy()[order]
    kind = units["type_index"].to_numpy()[order]
    first_of_group = np.ones(len(order), dtype=bool)
    first_of_group[1:] = (area[1:] != area[:-1]) | (kind[1:] != kind[:-1])
    new_building_chance = np.select([kind == CONVERTED_FLAT, kind == BLOCK_FLAT], [1 / 3, 1 / 14], 1.0)
    starts = first_of_group | (rng.random(len(order)) < new_building_chance)
    building = np.empty(len(order), dtype=np.int64)
    building[order] = np.cumsum(starts) - 1
    return building


def _describe_buildings(units: pd.DataFrame, deprivation: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """One row per building: size, kind, a name for some blocks, council ownership and a random street order."""
    buildings = units.groupby("building", sort=True).agg(
        small_area=("small_area", "first"), type_index=("type_index", "first"), unit_count=("type_index", "size"),
    ).reset_index()
    count = len(buildings)
    buildings["order_key"] = rng.random(count)
    is_block = buildings["type_index"].to_numpy() == BLOCK_FLAT
    named = is_block & (rng.random(count) < 0.6)
    stems = np.array(BLOCK_NAME_STEMS, dtype=object)[rng.integers(0, len(BLOCK_NAME_STEMS), count)]
    suffixes = np.array(BLOCK_NAME_SUFFIXES, dtype=object)[rng.integers(0, len(BLOCK_NAME_SUFFIXES), count)]
    buildings["building_name"] = np.where(named, stems + " " + suffixes, "")
    converted = buildings["type_index"].to_numpy() == CONVERTED_FLAT
    buildings["letter_suffix_flats"] = converted & (rng.random(count) < 0.3)
    type_index = buildings["type_index"].to_numpy()
    area_deprivation = deprivation[buildings["small_area"].to_numpy()]
    council_logit = (-2.4 + 1.1 * area_deprivation + np.select(
        [type_index == BLOCK_FLAT, type_index == TERRACED, type_index == SEMI, type_index == DETACHED,
         type_index == COMMERCIAL],
        [1.2, 0.5, 0.2, -2.0, -20.0], 0.0))
    buildings["council_owned"] = rng.random(count) < 1 / (1 + np.exp(-council_logit))
    return buildings


def _postcodes_and_streets(units: pd.DataFrame, geography: Geography,
                           rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Cut each small area's buildings into postcodes of ~15 addresses and postcodes into streets."""
    area = units["small_area"].to_numpy()
    building = units["building"].to_numpy()
    first_unit_of_building = np.ones(len(units), dtype=bool)
    first_unit_of_building[1:] = building[1:] != building[:-1]
    rank_in_area = units.groupby("small_area").cumcount().to_numpy()
    # A building never straddles postcodes: cut at the building's first unit.
    rank_at_building_start = np.maximum.accumulate(np.where(first_unit_of_building, np.arange(len(units)), 0))
    local_cut = rank_in_area[rank_at_building_start] // ADDRESSES_PER_POSTCODE
    _, postcode_index = np.unique(area.astype(np.int64) * 1_000_000 + local_cut, return_inverse=True)
    postcode_area = np.zeros(postcode_index.max() + 1, dtype=np.int64)
    postcode_area[postcode_index] = area

    first_in_area = np.ones(len(postcode_area), dtype=bool)
    first_in_area[1:] = postcode_area[1:] != postcode_area[:-1]
    street_of_postcode = np.cumsum(first_in_area | (rng.random(len(postcode_area)) < 0.55)) - 1

    centre_x, centre_y = _random_points_in(geography.small_area_shapes, postcode_area, rng)
    postcodes = pd.DataFrame({"small_area": postcode_area, "x": centre_x, "y": centre_y})
    postcodes["postcode"] = _postcode_strings(postcodes, geography, rng)
    lon, lat = geography.to_lon_lat(centre_x, centre_y)
    postcodes["longitude"], postcodes["latitude"] = np.round(lon, 6), np.round(lat, 6)
    postcodes["small_area_code"] = geography.small_areas["code"].to_numpy()[postcode_area]
    postcodes["ward_code"] = geography.small_areas["ward_code"].to_numpy()[postcode_area]
    postcodes["street_index"] = street_of_postcode
    return postcodes, postcode_index, street_of_postcode[postcode_index]


def _random_points_in(shapes: np.ndarray, shape_index: np.ndarray,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random points inside the given polygons, by vectorised rejection sampling in their bounds."""
    bounds = shapely.bounds(shapes)
    x = np.empty(len(shape_index))
    y = np.empty(len(shape_index))
    pending = np.arange(len(shape_index))
    while pending.size:
        box = bounds[shape_index[pending]]
        try_x = box[:, 0] + rng.random(pending.size) * (box[:, 2] - box[:, 0])
        try_y = box[:, 1] + rng.random(pending.size) * (box[:, 3] - box[:, 1])
        inside = shapely.contains_xy(shapes[shape_index[pending]], try_x, try_y)
        x[pending[inside]], y[pending[inside]] = try_x[inside], try_y[inside]
        pending = pending[~inside]
    return x, y


def _postcode_strings(postcodes: pd.DataFrame, geography: Geography, rng: np.random.Generator) -> np.ndarray:
    """Outward codes AY1.. by district (central first), sector digits, and unique unit letter pairs."""
    count = len(postcodes)
    areas = geography.small_areas
    area_weight = np.bincount(postcodes["small_area"], minlength=len(areas)).astype(float)
    points = areas[["centroid_x", "centroid_y"]].to_numpy()
    district_count = max(3, int(np.ceil(count / 1500)))
    district_of_area = _weighted_kmeans(points, area_weight, district_count, rng)
    district_of_area = _split_large_districts(district_of_area, points, area_weight, limit=3400)
    centres = np.array([points[district_of_area == d].mean(axis=0) for d in range(district_of_area.max() + 1)])
    distance = np.hypot(*(centres - geography.centres_km[0]).T)
    rank = np.empty(len(centres), dtype=np.int64)
    rank[np.argsort(distance, kind="stable")] = np.arange(len(centres))
    district = rank[district_of_area[postcodes["small_area"].to_numpy()]]

    # Sectors: within a district, postcodes sorted by bearing from the district centre, cut into <=360 each.
    bearing = np.arctan2(postcodes["y"].to_numpy() - centres[np.argsort(rank)][district, 1],
                         postcodes["x"].to_numpy() - centres[np.argsort(rank)][district, 0])
    order = np.lexsort((bearing, district))
    in_district = np.empty(count, dtype=np.int64)
    district_sorted = district[order]
    starts = np.searchsorted(district_sorted, district_sorted, side="left")
    in_district[order] = np.arange(count) - starts
    district_size = np.bincount(district)
    sectors_in_district = np.maximum(1, np.ceil(district_size / 360).astype(np.int64))
    sector = in_district * sectors_in_district[district] // district_size[district]
    sector_key = district * 10 + sector
    _, sector_id = np.unique(sector_key, return_inverse=True)
    order = np.lexsort((in_district, sector_id))
    rank_in_sector = np.empty(count, dtype=np.int64)
    sector_sorted = sector_id[order]
    rank_in_sector[order] = np.arange(count) - np.searchsorted(sector_sorted, sector_sorted, side="left")
    letter_order = np.argsort(rng.random((sector_id.max() + 1, 400)), axis=1)[sector_id, rank_in_sector]
    outward = POSTCODE_AREA + (district + 1).astype(str).astype(object)
    sector_digit = ((sector + 1) % 10).astype(str).astype(object)
    units = _UNIT_LETTERS[letter_order // 20].astype(object) + _UNIT_LETTERS[letter_order % 20].astype(object)
    return outward + " " + sector_digit + units


def _weighted_kmeans(points: np.ndarray, weights: np.ndarray, clusters: int, rng: np.random.Generator) -> np.ndarray:
    """Plain weighted k-means (Lloyd's algorithm) used to group small areas into postcode districts."""
    clusters = min(clusters, len(points))
    centres = points[rng.choice(len(points), clusters, replace=False, p=_normalise(weights + 1e-9))]
    for _ in range(25):
        label = np.argmin(((points[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        for cluster in range(clusters):
            members = label == cluster
            if members.any():
                centres[cluster] = np.average(points[members], axis=0, weights=weights[members] + 1e-9)
    _, label = np.unique(label, return_inverse=True)
    return label


def _split_large_districts(label: np.ndarray, points: np.ndarray, weights: np.ndarray, limit: int) -> np.ndarray:
    """Halve any district with more postcodes than a district's 9-10 sectors of unit letters can hold."""
    label = label.copy()
    while True:
        totals = np.bincount(label, weights=weights)
        largest = int(np.argmax(totals))
        if totals[largest] <= limit:
            return label
        members = np.flatnonzero(label == largest)
        spread = points[members].max(axis=0) - points[members].min(axis=0)
        axis = int(np.argmax(spread))
        upper = members[points[members, axis] > np.median(points[members, axis])]
        label[upper] = label.max() + 1


def _number_addresses(units: pd.DataFrame, buildings: pd.DataFrame, rng: np.random.Generator) -> None:
    """Street names, house numbers along each street, and flat labels or letter suffixes within buildings."""
    street_count = int(units["street_index"].max()) + 1
    combinations = np.array([f"{stem} {suffix}" for stem in STREET_NAME_STEMS for suffix in STREET_SUFFIXES],
                            dtype=object)
    street_names = combinations[rng.permutation(len(combinations))][np.arange(street_count) % len(combinations)]
    units["street"] = street_names[units["street_index"].to_numpy()]

    building = units["building"].to_numpy()
    first_unit = np.ones(len(units), dtype=bool)
    first_unit[1:] = building[1:] != building[:-1]
    firsts = units.loc[first_unit, ["street_index"]].copy()
    step = 1 + (rng.random(len(firsts)) < 0.05)  # a few numbers are skipped (gaps, demolished plots)
    firsts["step"] = step
    firsts["number"] = firsts.groupby("street_index")["step"].cumsum()
    number_of_building = pd.Series(firsts["number"].to_numpy(), index=building[first_unit])
    units["building_number"] = number_of_building.loc[building].to_numpy()

    described = buildings.set_index("building")
    units["building_name"] = described["building_name"].reindex(building).to_numpy()
    letter_style = described["letter_suffix_flats"].reindex(building).to_numpy()
    is_flat = units["type_index"].isin([CONVERTED_FLAT, BLOCK_FLAT]).to_numpy()
    rank = units["rank_in_building"].to_numpy()
    letters = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"), dtype=object)
    units["number_suffix"] = np.where(is_flat & letter_style, letters[np.minimum(rank, len(letters) - 1)], "")
    flat_word = np.where(rng.random(len(units)) < 0.1, "Apartment ", "Flat ")
    apartment_style = pd.Series(flat_word).groupby(building).transform("first").to_numpy()
    units["flat"] = np.where(is_flat & ~letter_style, apartment_style + (rank + 1).astype(str).astype(object), "")


def _place_units(units: pd.DataFrame, postcodes: pd.DataFrame, geography: Geography,
                 rng: np.random.Generator) -> None:
    """Put each building ~30 m from its postcode's centre (inside the small area); flats share a point."""
    postcode_index = units["postcode_index"].to_numpy()
    units["postcode"] = postcodes["postcode"].to_numpy()[postcode_index]
    units["postcode_district"] = postcodes["postcode"].str.slice(0, -4).to_numpy()[postcode_index]
    building = units["building"].to_numpy()
    _, first = np.unique(building, return_index=True)
    x = postcodes["x"].to_numpy()[postcode_index[first]] + rng.normal(0, 0.03, first.size)
    y = postcodes["y"].to_numpy()[postcode_index[first]] + rng.normal(0, 0.03, first.size)
    shapes = geography.small_area_shapes[units["small_area"].to_numpy()[first]]
    outside = ~shapely.contains_xy(shapes, x, y)
    x[outside] = postcodes["x"].to_numpy()[postcode_index[first]][outside]
    y[outside] = postcodes["y"].to_numpy()[postcode_index[first]][outside]
    building_rank = np.searchsorted(building[first], building)
    units["x"], units["y"] = x[building_rank], y[building_rank]
    lon, lat = geography.to_lon_lat(units["x"].to_numpy(), units["y"].to_numpy())
    units["longitude"], units["latitude"] = np.round(lon, 6), np.round(lat, 6)


def _add_home_attributes(units: pd.DataFrame, buildings: pd.DataFrame, deprivation: np.ndarray,
                         rng: np.random.Generator) -> None:
    """Bedrooms, council-tax band and council ownership for homes (zeros and blanks for businesses)."""
    kind = units["type_index"].to_numpy()
    count = len(units)
    low = np.select([kind == DETACHED, kind == SEMI, kind == TERRACED, kind == BUNGALOW, kind == COMMERCIAL],
                    [3, 2, 2, 1, 0], 1)
    high = np.select([kind == DETACHED, kind == SEMI, kind == TERRACED, kind == BUNGALOW, kind == COMMERCIAL],
                     [5, 4, 4, 3, 0], 2 + (kind == BLOCK_FLAT))
    units["bedrooms"] = low + np.floor(rng.beta(1.6, 2.2, count) * (high - low + 1)).astype(np.int64).clip(
        0, high - low)
    area_deprivation = deprivation[units["small_area"].to_numpy()]
    value = (np.select([kind == DETACHED, kind == SEMI, kind == BUNGALOW, kind == TERRACED], [2.2, 1.2, 1.0, 0.4], 0)
             + 0.35 * units["bedrooms"].to_numpy() - 0.6 * area_deprivation + rng.normal(0, 0.5, count))
    cut_points = np.quantile(value, [0.40, 0.60, 0.77, 0.87, 0.93, 0.97, 0.995])
    units["council_tax_band"] = np.where(kind == COMMERCIAL, "", np.array(list("ABCDEFGH"))[
        np.searchsorted(cut_points, value)])
    units["council_owned"] = buildings.set_index("building")["council_owned"].reindex(
        units["building"].to_numpy()).to_numpy()


def _choose_hmos(units: pd.DataFrame, hmo_count: int, deprivation: np.ndarray, centrality: np.ndarray,
                 rng: np.random.Generator) -> None:
    """Mark privately owned houses with 3+ bedrooms as HMOs, likelier near the centre and in deprived areas."""
    kind = units["type_index"].to_numpy()
    area = units["small_area"].to_numpy()
    eligible = (np.isin(kind, [TERRACED, SEMI, DETACHED]) & (units["bedrooms"].to_numpy() >= 3)
                & ~units["council_owned"].to_numpy())
    weight = np.where(eligible, np.exp(0.9 * deprivation[area] + 1.5 * centrality[area] + 0.8 * (kind == TERRACED)), 0)
    hmo_count = min(hmo_count, int(eligible.sum()))
    chosen = rng.choice(len(units), size=hmo_count, replace=False, p=_normalise(weight))
    is_hmo = np.zeros(len(units), dtype=bool)
    is_hmo[chosen] = True
    units["is_hmo"] = is_hmo
    # HMO landlords add bedrooms by converting living rooms.
    units.loc[is_hmo, "bedrooms"] = units.loc[is_hmo, "bedrooms"] + rng.integers(1, 3, hmo_count)


def _add_business_attributes(units: pd.DataFrame, rng: np.random.Generator) -> None:
    """Business category and AddressBase-style classification code for commercial premises."""
    is_business = units["type_index"].to_numpy() == COMMERCIAL
    category = rng.choice(len(BUSINESS_CATEGORIES), size=len(units), p=_BUSINESS_CATEGORY_SHARES)
    units["business_category"] = np.where(is_business, BUSINESS_CATEGORIES[category], "")
    units["classification_code"] = np.where(is_business, BUSINESS_CLASSIFICATION[category],
                                            CLASSIFICATION_CODES[units["type_index"].to_numpy()])
    units["is_business"] = is_business


def _parent_shells(units: pd.DataFrame, buildings: pd.DataFrame) -> pd.DataFrame:
    """Buildings holding several flats get their own 'parent shell' UPRN, as in a council's LLPG."""
    shared = buildings.loc[buildings["unit_count"] > 1, ["building"]]
    first = units.drop_duplicates("building").set_index("building")
    columns = ["small_area", "postcode", "street", "building_number", "building_name", "longitude", "latitude"]
    return shared.join(first[columns], on="building").reset_index(drop=True)


def _new_uprns(count: int, rng: np.random.Generator) -> np.ndarray:
    """Unique 12-digit UPRNs in a fictional block, handed out in random order."""
    values = 100_090_000_000 + np.cumsum(rng.integers(1, 40, count, dtype=np.int64))
    return rng.permutation(values)
