"""Benchmark: place a million points in ~10,000 small areas, and draw a borough's map; prints times and memory.

    python bench/places.py                           # 1,000,000 points, 10,000 areas, and the demo borough's map
    python bench/places.py --points 200000 --areas 2000
    python bench/places.py --workspace ashbury       # another demo borough to map (copied first, never written)

The areas are a Voronoi tessellation of random seeds over a borough-sized box (about 20 km square), clipped to the
box, so they tile it like small areas do; a few per cent of the points fall just outside it. The borough mapped is
a linked demo of 20,000 residents, built the first time and kept under the system temporary folder
(bench/cached_demo.py). Peak memory is the
process's maximum resident set size. Processor time is printed too, because wall time depends on what else runs.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from cached_demo import linked_demo

from townhall.demo.places_setup import set_up_demo_geography
from townhall.places import Geography, assign_to_areas, choropleth
from townhall.places.counts import count_source_by_area

WEST, SOUTH, EAST, NORTH = -2.45, 53.35, -2.15, 53.53  # about 20 km by 20 km around Manchester


def peak_memory_mb() -> float:
    """The process's peak resident memory so far, in megabytes (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def voronoi_areas(count: int, seed: int) -> gpd.GeoDataFrame:
    """``count`` small areas tiling the box: Voronoi cells of random seeds, clipped to the box, coded E01…"""
    rng = np.random.default_rng(seed)
    seeds = shapely.multipoints(np.column_stack([rng.uniform(WEST, EAST, count), rng.uniform(SOUTH, NORTH, count)]))
    box = shapely.box(WEST, SOUTH, EAST, NORTH)
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box))
    cells = shapely.intersection(cells, box)
    codes = [f"E01{number:06d}" for number in range(len(cells))]
    return gpd.GeoDataFrame({"code": codes, "name": codes}, geometry=cells, crs="EPSG:4326")


def bench_assignment(points: int, areas: int, seed: int) -> None:
    """Time placing ``points`` random points in ``areas`` Voronoi small areas."""
    import pandas as pd

    started = time.perf_counter()
    geography = Geography.from_frames(voronoi_areas(areas, seed), level="small_area")
    geography.areas("small_area")
    print(f"made {areas:,} small areas in {time.perf_counter() - started:.2f} s")
    rng = np.random.default_rng(seed + 1)
    margin = 0.002
    frame = pd.DataFrame({"latitude": rng.uniform(SOUTH - margin, NORTH + margin, points),
                          "longitude": rng.uniform(WEST - margin, EAST + margin, points)})
    before = peak_memory_mb()
    started, processor_started = time.perf_counter(), time.process_time()
    result = assign_to_areas(frame, geography, latitude="latitude", longitude="longitude")
    seconds, processor_seconds = time.perf_counter() - started, time.process_time() - processor_started
    print(f"placed {result.placed:,} of {points:,} points in {areas:,} areas in {seconds:.2f} s "
          f"({points / seconds:,.0f} points a second; {processor_seconds:.2f} s of processor time); "
          f"peak memory {peak_memory_mb():,.0f} MB (was {before:,.0f} MB before placing)")
    print("  " + result.describe())


def bench_borough_map(workspace_folder: Path) -> None:
    """Time the demo borough's maps: an indicator map as PNG, and a protected count map's page GeoJSON."""
    from townhall.workspace import Workspace

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "borough"
        shutil.copytree(workspace_folder, copy)
        with Workspace.open(copy) as workspace:
            if not workspace.analytics.table_exists("places", "areas"):
                started = time.perf_counter()
                set_up_demo_geography(workspace)
                seconds = time.perf_counter() - started
                print(f"loaded the demo geography (as 'townhall demo' does) in {seconds:.2f} s")
            started = time.perf_counter()
            geography = Geography.from_workspace(workspace)
            loaded = time.perf_counter() - started
            areas = len(geography.areas("small_area"))
            started = time.perf_counter()
            values = geography.indicator_table(["imd_decile"], level="small_area")["imd_decile"]
            values.name = "imd_decile"
            themed = choropleth(geography, values, level="small_area", title="Index of Multiple Deprivation decile",
                                measure="IMD decile")
            themed.save(Path(folder) / "map.png")
            png = time.perf_counter() - started
            started = time.perf_counter()
            counted = count_source_by_area(workspace, "vulnerability_register", geography=geography)
            count_map = choropleth(geography, counted.counts, level="small_area", kind="count",
                                   title="Households on the vulnerability register", measure="Records")
            geojson = count_map.to_geojson()
            page = time.perf_counter() - started
            print(f"borough of {areas} small areas: geography read in {loaded:.2f} s; indicator map drawn as PNG in "
                  f"{png:.2f} s; count map (placing {len(counted.assignment.frame):,} records, protecting, "
                  f"classifying) as page GeoJSON in {page:.2f} s ({len(geojson['features'])} features)")


def main() -> None:
    """Time assignment at scale, then the demo borough's maps."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workspace", type=Path, default=None,
                        help="a demo workspace whose borough to map (copied first); by default the cached linked demo")
    arguments = parser.parse_args()
    bench_assignment(arguments.points, arguments.areas, arguments.seed)
    if arguments.workspace is not None and not (arguments.workspace / "townhall.toml").exists():
        raise SystemExit(f"{arguments.workspace} is not a workspace.")
    bench_borough_map(arguments.workspace or linked_demo())


if __name__ == "__main__":
    main()
