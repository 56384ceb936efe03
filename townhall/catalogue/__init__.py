"""The catalogue: register source files (CSV, Excel, Parquet), tag personal and special-category fields, and
profile their quality. Reach it as ``workspace.catalogue``; the validators are shared with the identity team.
"""

from townhall.catalogue.catalogue import Catalogue, check_source_name, suggest_source_name
from townhall.catalogue.models import (
    ALL_TAGS,
    PERSONAL_TAGS,
    SPECIAL_CATEGORY_TAGS,
    TAG_DESCRIPTIONS,
    FailingRow,
    FieldProfile,
    SourceDetail,
    SourceSummary,
)
from townhall.catalogue.tagging import MASKED
from townhall.catalogue.validation import (
    email_is_valid,
    nhs_number_is_valid,
    normalise_nhs_number,
    normalise_postcode,
    normalise_uk_phone,
    parse_uk_date,
    parse_uk_datetime,
    uk_phone_is_valid,
    uprn_is_valid,
)

__all__ = [
    "ALL_TAGS",
    "MASKED",
    "PERSONAL_TAGS",
    "SPECIAL_CATEGORY_TAGS",
    "TAG_DESCRIPTIONS",
    "Catalogue",
    "FailingRow",
    "FieldProfile",
    "SourceDetail",
    "SourceSummary",
    "check_source_name",
    "email_is_valid",
    "nhs_number_is_valid",
    "normalise_nhs_number",
    "normalise_postcode",
    "normalise_uk_phone",
    "parse_uk_date",
    "parse_uk_datetime",
    "suggest_source_name",
    "uk_phone_is_valid",
    "uprn_is_valid",
]
