"""Standardisers for identity fields, written once and shared: names, dates, postcodes, NHS numbers, addresses,
phone numbers and email addresses.

Each comes as a one-value function (for a search box) and a column function over a pandas Series (for linkage),
which computes each distinct value once and so always agrees with the one-value version.
"""

from townhall.catalogue.date_formats import ColumnReport, DateFormatChoice, DateReading
from townhall.identity.standardise.addresses import (
    Address,
    address_key,
    address_keys,
    parse_address,
    parse_addresses,
    standardise_uprn,
    standardise_uprns,
)
from townhall.identity.standardise.dates import (
    DATE_PROBLEMS,
    StandardDate,
    day_month_swapped,
    day_month_swaps,
    detect_date_format,
    standardise_date,
    standardise_dates,
)
from townhall.identity.standardise.emails import standardise_email, standardise_emails
from townhall.identity.standardise.names import (
    FullName,
    canonical_first_name,
    canonical_first_names,
    first_name_group_lists,
    first_name_groups,
    name_tokens,
    nysiis,
    nysiis_codes,
    split_full_name,
    split_full_names,
    standardise_name,
    standardise_names,
    surname_variant_lists,
    surname_variants,
)
from townhall.identity.standardise.nhs_numbers import (
    NHS_NUMBER_PROBLEMS,
    StandardNhsNumber,
    check_nhs_number,
    standardise_nhs_number,
    standardise_nhs_numbers,
)
from townhall.identity.standardise.nicknames import NAME_GROUPS
from townhall.identity.standardise.phones import standardise_phone, standardise_phones
from townhall.identity.standardise.postcodes import (
    PostcodeParts,
    postcode_parts,
    postcode_parts_frame,
    standardise_postcode,
    standardise_postcodes,
)

__all__ = [
    "DATE_PROBLEMS",
    "NAME_GROUPS",
    "NHS_NUMBER_PROBLEMS",
    "Address",
    "ColumnReport",
    "DateFormatChoice",
    "DateReading",
    "FullName",
    "PostcodeParts",
    "StandardDate",
    "StandardNhsNumber",
    "address_key",
    "address_keys",
    "canonical_first_name",
    "canonical_first_names",
    "check_nhs_number",
    "day_month_swapped",
    "day_month_swaps",
    "detect_date_format",
    "first_name_group_lists",
    "first_name_groups",
    "name_tokens",
    "nysiis",
    "nysiis_codes",
    "parse_address",
    "parse_addresses",
    "postcode_parts",
    "postcode_parts_frame",
    "split_full_name",
    "split_full_names",
    "standardise_date",
    "standardise_dates",
    "standardise_email",
    "standardise_emails",
    "standardise_name",
    "standardise_names",
    "standardise_nhs_number",
    "standardise_nhs_numbers",
    "standardise_phone",
    "standardise_phones",
    "standardise_postcode",
    "standardise_postcodes",
    "standardise_uprn",
    "standardise_uprns",
    "surname_variant_lists",
    "surname_variants",
]
