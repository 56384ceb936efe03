"""Places: small-area geography, placing records in areas, and maps with disclosure control.

Load boundaries, area indicators and a postcode lookup (``load_boundaries``, ``load_indicators``, ``load_postcodes``),
read them back with ``Geography.from_workspace``, place any table in areas with ``assign_to_areas``, and draw
thematic maps of indicators or counts with ``choropleth`` (counts protected before they are classified).
The analyses build on them: the State of the Borough report, accessibility to services with what-ifs, segmentation
of small areas, incident lists of vulnerable people for emergency planners, and grouping of duplicate reports.

Each name is imported from its module on first use, so the command line and code that needs one part do not
load geopandas, scikit-learn and the rest up front.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from townhall.places.accessibility import (
        Accessibility,
        RoadNetwork,
        ServiceSites,
        ServiceSitesNotSetError,
        accessibility_origins,
        measure_accessibility,
        read_service_locations,
        service_site_sources,
        service_sites,
        what_if,
    )
    from townhall.places.assign import (
        BOUNDARY_RULE,
        Assignment,
        assign_to_areas,
        gazetteer_coordinates,
        points_in_areas,
    )
    from townhall.places.counts import (
        count_source_by_area,
        location_columns,
        mappable_sources,
    )
    from townhall.places.defaults import (
        DEFAULT_DISTANCE_METRES,
        DEFAULT_SEED,
        DEFAULT_THRESHOLD_KM,
        DEFAULT_WINDOW_DAYS,
        METHODS,
    )
    from townhall.places.duplicates import (
        duplicate_reports,
        group_duplicate_reports,
    )
    from townhall.places.geography import (
        LEVEL_LABELS,
        BoundaryFile,
        Geography,
        GeographyNotLoadedError,
        LoadSummary,
        load_boundaries,
        load_configured_geography,
        load_indicators,
        load_postcodes,
        read_boundaries,
        read_indicators,
        read_postcode_lookup,
    )
    from townhall.places.incidents import (
        LARGEST_RADIUS_METRES,
        WITHHELD_ADDRESS,
        IncidentArea,
        IncidentList,
        check_in_borough,
        circle_area,
        emergency_planning_team,
        export_incident_list,
        incident_csv,
        incident_list,
        may_pull_incident_list,
        point_of_postcode,
        polygon_area,
    )
    from townhall.places.locations import haversine_metres
    from townhall.places.maps import (
        CLASSIFICATIONS,
        PERSONAL_POINT_ROLES,
        STIGMATISING_WORDS,
        LegendClass,
        ThematicMap,
        check_neutral_wording,
        choropleth,
        classify,
        heat_map,
        point_map,
        standalone_html,
    )
    from townhall.places.report import (
        build_report,
        report_html,
        write_state_of_the_borough,
    )
    from townhall.places.segmentation import (
        indicator_table_for_segmentation,
        indicator_words,
        segment_areas,
        segment_map,
    )

_WHERE = {
    **dict.fromkeys((
        "DEFAULT_DISTANCE_METRES", "DEFAULT_SEED", "DEFAULT_THRESHOLD_KM", "DEFAULT_WINDOW_DAYS", "METHODS",
    ), "townhall.places.defaults"),
    **dict.fromkeys((
        "Accessibility", "RoadNetwork", "ServiceSites", "ServiceSitesNotSetError",
        "accessibility_origins", "measure_accessibility", "read_service_locations", "service_site_sources",
        "service_sites", "what_if",
    ), "townhall.places.accessibility"),
    **dict.fromkeys((
        "Assignment", "BOUNDARY_RULE", "assign_to_areas", "gazetteer_coordinates", "points_in_areas",
    ), "townhall.places.assign"),
    **dict.fromkeys((
        "count_source_by_area", "location_columns", "mappable_sources",
    ), "townhall.places.counts"),
    **dict.fromkeys((
        "duplicate_reports", "group_duplicate_reports",
    ), "townhall.places.duplicates"),
    **dict.fromkeys((
        "BoundaryFile", "Geography", "GeographyNotLoadedError", "LEVEL_LABELS", "LoadSummary", "load_boundaries",
        "load_configured_geography", "load_indicators", "load_postcodes", "read_boundaries", "read_indicators",
        "read_postcode_lookup",
    ), "townhall.places.geography"),
    **dict.fromkeys((
        "IncidentArea", "IncidentList", "LARGEST_RADIUS_METRES", "WITHHELD_ADDRESS", "check_in_borough", "circle_area",
        "emergency_planning_team", "export_incident_list", "incident_csv", "incident_list", "may_pull_incident_list",
        "point_of_postcode", "polygon_area",
    ), "townhall.places.incidents"),
    **dict.fromkeys(("haversine_metres",), "townhall.places.locations"),
    **dict.fromkeys((
        "CLASSIFICATIONS", "LegendClass", "PERSONAL_POINT_ROLES", "STIGMATISING_WORDS", "ThematicMap",
        "check_neutral_wording", "choropleth", "classify", "heat_map", "point_map", "standalone_html",
    ), "townhall.places.maps"),
    **dict.fromkeys((
        "build_report", "report_html", "write_state_of_the_borough",
    ), "townhall.places.report"),
    **dict.fromkeys((
        "indicator_table_for_segmentation", "indicator_words", "segment_areas",
        "segment_map",
    ), "townhall.places.segmentation"),
}

__all__ = [
    "BOUNDARY_RULE",
    "CLASSIFICATIONS",
    "DEFAULT_DISTANCE_METRES",
    "DEFAULT_SEED",
    "DEFAULT_THRESHOLD_KM",
    "DEFAULT_WINDOW_DAYS",
    "LARGEST_RADIUS_METRES",
    "LEVEL_LABELS",
    "METHODS",
    "PERSONAL_POINT_ROLES",
    "STIGMATISING_WORDS",
    "WITHHELD_ADDRESS",
    "Accessibility",
    "Assignment",
    "BoundaryFile",
    "Geography",
    "GeographyNotLoadedError",
    "IncidentArea",
    "IncidentList",
    "LegendClass",
    "LoadSummary",
    "RoadNetwork",
    "ServiceSites",
    "ServiceSitesNotSetError",
    "ThematicMap",
    "accessibility_origins",
    "assign_to_areas",
    "build_report",
    "check_in_borough",
    "check_neutral_wording",
    "choropleth",
    "circle_area",
    "classify",
    "count_source_by_area",
    "duplicate_reports",
    "emergency_planning_team",
    "export_incident_list",
    "gazetteer_coordinates",
    "group_duplicate_reports",
    "haversine_metres",
    "heat_map",
    "incident_csv",
    "incident_list",
    "indicator_table_for_segmentation",
    "indicator_words",
    "load_boundaries",
    "load_configured_geography",
    "load_indicators",
    "load_postcodes",
    "location_columns",
    "mappable_sources",
    "may_pull_incident_list",
    "measure_accessibility",
    "point_map",
    "point_of_postcode",
    "points_in_areas",
    "polygon_area",
    "read_boundaries",
    "read_indicators",
    "read_postcode_lookup",
    "read_service_locations",
    "report_html",
    "segment_areas",
    "segment_map",
    "service_site_sources",
    "service_sites",
    "standalone_html",
    "what_if",
    "write_state_of_the_borough",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'townhall.places' has no attribute '{name}'")
    return getattr(importlib.import_module(_WHERE[name]), name)
