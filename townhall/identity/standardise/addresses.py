"""Addresses: free-text UK addresses split into flat, house number or name, street, locality, town and postcode.

Written for the addresses councils' systems hold ("Flat 2, 14 Mill Road, Ashbury AY1 4QT", "2/14 Mill Rd",
"Apartment 3 Rose Court, Mill Road"), not as a full gazetteer matcher: where a source has a UPRN, use it
(``standardise_uprn``). Parts come back lower case with common abbreviations spelt out (Rd -> road, Gdns ->
gardens) and "Saint" written "st" ("St John's Rd" and "Saint Johns Road" -> "st johns road"); the postcode is in
the standard "AB1 2CD" form. ``address_key`` builds "flat|house|street|postcode" for exact household matching.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import pandas as pd

from townhall.catalogue.date_formats import ColumnReport
from townhall.catalogue.validation import WHITESPACE, uprn_is_valid
from townhall.identity.standardise._series import as_text, map_distinct, map_distinct_reported, map_distinct_to_frame
from townhall.identity.standardise._text import fold
from townhall.identity.standardise.postcodes import standardise_postcode

# Abbreviations spelt out wherever they stand. "st" and "dr" are decided by position (see _expand).
ABBREVIATIONS: dict[str, str] = {
    "rd": "road", "ave": "avenue", "av": "avenue", "avn": "avenue", "cl": "close", "clo": "close",
    "cres": "crescent", "cresc": "crescent", "crs": "crescent", "drv": "drive", "ln": "lane", "gdns": "gardens",
    "gdn": "gardens", "gardns": "gardens", "pl": "place", "sq": "square", "terr": "terrace", "ter": "terrace",
    "tce": "terrace", "ct": "court", "crt": "court", "gr": "grove", "grv": "grove", "gro": "grove", "pk": "park",
    "hse": "house", "ho": "house", "mt": "mount", "cotts": "cottages", "cott": "cottage", "wk": "walk", "wy": "way",
    "pde": "parade", "hts": "heights", "est": "estate", "bldgs": "buildings", "blds": "buildings", "hl": "hill",
    "blvd": "boulevard", "mkt": "market", "gn": "green", "grn": "green", "rw": "row", "vw": "view", "yd": "yard",
    "ctr": "centre", "cntr": "centre", "apts": "apartments", "mws": "mews", "hwy": "highway", "nth": "north",
    "sth": "south", "gt": "great", "upr": "upper", "lwr": "lower", "cresent": "crescent", "stn": "station",
    "saint": "st",
}
# Words that end a street name. "court", "place", "wharf" and "heights" can also name a building (see below).
STREET_TYPES = frozenset({
    "road", "street", "avenue", "lane", "drive", "grove", "crescent", "close", "way", "gardens", "terrace", "hill",
    "row", "walk", "square", "rise", "mews", "vale", "green", "parade", "boulevard", "view", "gate", "yard", "chase",
    "approach", "bank", "wynd", "causeway", "circus", "drove", "esplanade", "highway", "mount", "orchard", "passage",
    "path", "promenade", "quay", "ridge", "steps", "strand", "broadway", "dale", "glen", "hollow", "lawns", "links",
    "meadows", "croft", "fold", "brow", "hey", "park", "place", "court", "wharf", "heights", "crossway", "end",
    "loke", "twitten", "wood", "side", "field", "fields", "common", "market", "garth", "leys", "paddock", "pastures",
})
# Street-type words that are names on their own ("Broadway, Ashbury").
ONE_WORD_STREETS = frozenset({"broadway", "esplanade", "promenade", "strand", "parade", "crossway"})
# Words that end a building's name: "14 Rose Court, Mill Road" is flat 14 in Rose Court, on Mill Road.
BUILDING_WORDS = frozenset({
    "court", "house", "lodge", "mansions", "buildings", "tower", "towers", "point", "heights", "apartments", "flats",
    "hall", "cottage", "cottages", "block", "centre", "chambers", "works", "villas", "manor", "farm", "barn", "grange",
    "mill", "studios", "plaza", "place", "wharf", "estate", "residence", "quarter", "exchange", "yard",
})
DIRECTIONS = frozenset({"north", "south", "east", "west", "upper", "lower"})
FLAT_WORDS = frozenset({"flat", "flats", "apartment", "apt", "unit", "room", "suite", "maisonette", "studio", "flt"})
FLOOR_WORDS = frozenset({
    "ground", "first", "second", "third", "fourth", "fifth", "top", "basement", "lower", "upper", "1st", "2nd",
    "3rd", "4th", "5th",
})
# Counties and countries dropped from the end of an address when a town is left before them.
REGIONS = frozenset({
    "bedfordshire", "beds", "berkshire", "berks", "buckinghamshire", "bucks", "cambridgeshire", "cambs", "cheshire",
    "cornwall", "cumbria", "derbyshire", "devon", "dorset", "county durham", "co durham", "east sussex", "essex",
    "gloucestershire", "glos", "greater london", "greater manchester", "hampshire", "hants", "herefordshire",
    "hertfordshire", "herts", "isle of wight", "kent", "lancashire", "lancs", "leicestershire", "leics",
    "lincolnshire", "lincs", "merseyside", "middlesex", "middx", "norfolk", "north yorkshire", "northamptonshire",
    "northants", "northumberland", "nottinghamshire", "notts", "oxfordshire", "oxon", "rutland", "shropshire",
    "salop", "somerset", "south yorkshire", "staffordshire", "staffs", "suffolk", "surrey", "tyne and wear",
    "tyne wear", "warwickshire", "warks", "west midlands", "west sussex", "west yorkshire", "wiltshire", "wilts",
    "worcestershire", "worcs", "east riding of yorkshire", "east yorkshire", "avon", "cleveland", "humberside",
    "gwynedd", "powys", "dyfed", "clwyd", "gwent", "south glamorgan", "mid glamorgan", "west glamorgan",
    "lanarkshire", "fife", "lothian", "ayrshire", "aberdeenshire", "highland", "england", "wales", "scotland",
    "northern ireland", "uk", "united kingdom", "gb", "great britain",
})

_POSTCODE_IN_TEXT = re.compile(r"\b(?:[a-z]{1,2}[0-9][a-z0-9]?\s*[0-9][a-z]{2}|gir\s*0aa)\b")
_PART_BREAKS = re.compile(r"[\n\r;|]+")
_NOT_ADDRESS = re.compile(r"[^\w,/\-]+|_+")
_HYPHEN_IN_WORDS = re.compile(r"(?<![0-9])-|-(?![0-9])")
_HOUSE_NUMBER = re.compile(r"[0-9]+[a-z]?(?:-[0-9]+[a-z]?)?")
_FLAT_AND_NUMBER = re.compile(r"([a-z0-9]+)/([0-9]+[a-z]?)")
_FLAT_ID = re.compile(r"[a-z0-9]+(?:/[a-z0-9]+)?")


class Address(NamedTuple):
    """An address in parts, lower case except the postcode ('AB1 2CD'); None where the part is absent."""

    flat: str | None
    house_number: str | None
    house_name: str | None
    street: str | None
    locality: str | None
    town: str | None
    postcode: str | None


_NO_ADDRESS = Address(None, None, None, None, None, None, None)


def _expand(tokens: list[str]) -> list[str]:
    """Abbreviations spelt out; 'st' is 'street' at a street's end but 'st' (Saint) before a name or at the start."""
    expanded = [ABBREVIATIONS.get(token, token) for token in tokens]
    for index, token in enumerate(expanded):
        if (token in ("st", "dr") and index > 0 and not _HOUSE_NUMBER.fullmatch(expanded[index - 1])
                and not any(later in STREET_TYPES for later in expanded[index + 1:])):
            expanded[index] = "street" if token == "st" else "drive"
    return expanded


def _tokens(part: str) -> list[str]:
    """The words of one comma-separated part, abbreviations spelt out."""
    return _expand(part.split())


def _take_flat(tokens: list[str]) -> tuple[str | None, list[str]]:
    """The flat named at the start of a part ('flat 2', 'ground floor flat', '2/14') and the words left after it."""
    if not tokens:
        return None, tokens
    if tokens[0] in FLAT_WORDS and len(tokens) >= 2:
        rest = tokens[1:]
        if rest[0] in ("no", "number") and len(rest) >= 2:
            rest = rest[1:]
        if _FLAT_ID.fullmatch(rest[0]):
            return rest[0], rest[1:]
    if tokens[0] in FLOOR_WORDS and len(tokens) >= 2 and tokens[1] in ("floor", "flat"):
        floor = f"{tokens[0]} floor" if tokens[1] == "floor" else tokens[0]
        rest = tokens[2:]
        if tokens[1] == "floor" and rest and rest[0] in FLAT_WORDS:
            rest = rest[1:]
        return floor, rest
    if tokens[0] in ("lower", "upper") and len(tokens) >= 3 and tokens[1] == "ground" and tokens[2] == "floor":
        rest = tokens[3:]
        if rest and rest[0] in FLAT_WORDS:
            rest = rest[1:]
        return f"{tokens[0]} ground floor", rest
    if match := _FLAT_AND_NUMBER.fullmatch(tokens[0]):
        return match.group(1), [match.group(2), *tokens[1:]]
    return None, tokens


def _street_end(tokens: list[str]) -> int | None:
    """Where the street name ends in a run of words ('mill road ashbury' -> 2), or None if no street type is seen."""
    for index, token in enumerate(tokens):
        if token in STREET_TYPES and (index > 0 or token in ONE_WORD_STREETS):
            end = index + 1
            while end < len(tokens) and tokens[end] in STREET_TYPES:
                end += 1
            if end < len(tokens) and tokens[end] in DIRECTIONS:
                end += 1
            return end
    return None


def _looks_like_street(tokens: list[str]) -> bool:
    """True for a part that holds a street, with or without a house number in front."""
    words = tokens[1:] if tokens and _HOUSE_NUMBER.fullmatch(tokens[0]) else tokens
    return _street_end(words) is not None


def _is_building(tokens: list[str]) -> bool:
    """True for words naming a building rather than a street ('rose court', 'mill house')."""
    return bool(tokens) and tokens[-1] in BUILDING_WORDS


def _joined(tokens: list[str] | None) -> str | None:
    """Words joined with spaces; None for none."""
    return " ".join(tokens) if tokens else None


def _parts(text: str) -> tuple[list[list[str]], str | None]:
    """The address's comma-separated parts as word lists, and the postcode taken out of it."""
    folded = fold(_PART_BREAKS.sub(",", text))
    postcode = None
    matches = list(_POSTCODE_IN_TEXT.finditer(folded))
    for match in reversed(matches):
        postcode = standardise_postcode(match.group(0))
        if postcode is not None:
            folded = folded[: match.start()] + "," + folded[match.end():]
            break
    cleaned = _NOT_ADDRESS.sub(" ", folded.replace(".", ""))
    cleaned = _HYPHEN_IN_WORDS.sub(" ", cleaned)
    parts = [tokens for part in cleaned.split(",") if (tokens := _tokens(part))]
    return parts, postcode


def parse_address(text: object) -> Address:
    """Flat, house number, house name, street, locality, town and postcode from one line of address text.

    'Flat 2, 14 Mill Rd, Ashbury AY1 4QT' -> flat '2', house_number '14', street 'mill road', town 'ashbury',
    postcode 'AY1 4QT'. Never raises: text it cannot read comes back as a house name or town.
    """
    raw = as_text(text)
    if raw is None or not raw.strip(WHITESPACE):
        return _NO_ADDRESS
    parts, postcode = _parts(raw)
    flat: str | None = None
    house_number: str | None = None
    names: list[list[str]] = []
    street: list[str] | None = None
    after: list[list[str]] = []
    for index, part in enumerate(parts):
        if street is not None:
            after.append(part)
            continue
        tokens = part
        if flat is None:
            flat, tokens = _take_flat(tokens)
            if not tokens:
                continue
        next_is_street = index + 1 < len(parts) and _looks_like_street(parts[index + 1])
        if _HOUSE_NUMBER.fullmatch(tokens[0]):
            number, words = tokens[0], tokens[1:]
            if not words:
                if house_number is None:
                    house_number = number
                continue
            if next_is_street and _is_building(words):
                if flat is None:
                    flat = number
                elif house_number is None:
                    house_number = number
                names.append(words)
                continue
            house_number = number
            end = _street_end(words)
            street, remainder = (words[:end], words[end:]) if end else (words, [])
            if remainder:
                after.append(remainder)
            continue
        end = _street_end(tokens)
        ambiguous_building = _is_building(tokens) and next_is_street
        if house_number is not None and not ambiguous_building:
            street, remainder = (tokens[:end], tokens[end:]) if end else (tokens, [])
        elif end is not None and not ambiguous_building:
            street, remainder = tokens[:end], tokens[end:]
        else:
            names.append(tokens)
            continue
        if remainder:
            after.append(remainder)
    if street is None and len(names) > 1:
        after = names[1:] + after
        names = names[:1]
    while len(after) > 1 and " ".join(after[-1]) in REGIONS:
        after.pop()
    town = _joined(after[-1]) if after else None
    locality = ", ".join(" ".join(part) for part in after[:-1]) or None
    house_name = " ".join(" ".join(name) for name in names) or None
    return Address(flat, house_number, house_name, _joined(street), locality, town, postcode)


def parse_addresses(series: pd.Series) -> pd.DataFrame:
    """parse_address over a column: one column per Address part, on the column's index; each distinct text once."""
    return map_distinct_to_frame(series, parse_address, Address._fields)


def address_key(address: Address | object) -> str | None:
    """'flat|house|street|postcode' for exact household matching: 'Flat 2, 14 Mill Road, Ashbury AY1 4QT' ->
    '2|14|mill road|AY1 4QT'. House is the number, else the name; the town stands in for a missing postcode.
    """
    parsed = address if isinstance(address, Address) else parse_address(address)
    house = parsed.house_number or parsed.house_name or ""
    place = parsed.postcode or parsed.town or ""
    if not (house or parsed.street or place):
        return None
    return "|".join((parsed.flat or "", house, parsed.street or "", place))


def address_keys(series: pd.Series) -> pd.Series:
    """address_key over a column of address text, computed once per distinct value."""
    return map_distinct(series, address_key)


def standardise_uprn(text: object) -> str | None:
    """A UPRN as plain digits without leading zeros ('000100023336956' or 100023336956.0 -> '100023336956').

    None when it is not a valid UPRN, including numbers a spreadsheet has rounded into scientific notation.
    """
    raw = as_text(text)
    if raw is None:
        return None
    cleaned = raw.strip(WHITESPACE)
    if re.fullmatch(r"[0-9]+\.0*", cleaned):
        cleaned = cleaned.split(".")[0]
    cleaned = cleaned.lstrip("0")
    return cleaned if uprn_is_valid(cleaned) else None


def standardise_uprns(series: pd.Series) -> pd.Series:
    """standardise_uprn over a column, computed once per distinct value."""
    return map_distinct(series, standardise_uprn)


# --- address parts from separate fields ---------------------------------------------------------------------------

_HOUSE_NUMBER_WORDS = re.compile(r"^(?:no|number|num|nr|house|#)\s*")
_NUMBER_AND_LETTER = re.compile(r"([0-9]+)\s*([a-z])?(?:\s*-\s*([0-9]+)\s*([a-z])?)?")


def _clean_words(text: object) -> list[str]:
    """A part's words, folded, punctuation removed and abbreviations spelt out (without the street/saint rule)."""
    raw = as_text(text)
    if raw is None:
        return []
    cleaned = _NOT_ADDRESS.sub(" ", fold(raw).replace(".", "").replace(",", " ").replace("/", " "))
    return [ABBREVIATIONS.get(token, token) for token in _HYPHEN_IN_WORDS.sub(" ", cleaned).split()]


def standardise_house_number(text: object) -> str | None:
    """A house number as written on the door, lower case without spaces: '14', '14 A' -> '14a', 'No. 7' -> '7',
    '14-16'; None when the field holds no number ('Rose Cottage' is a house name)."""
    raw = as_text(text)
    if raw is None:
        return None
    compact = _HOUSE_NUMBER_WORDS.sub("", fold(raw).strip(WHITESPACE + ".,"))
    match = _NUMBER_AND_LETTER.fullmatch(compact.replace(".", "").strip())
    if not match:
        return None
    number = match.group(1).lstrip("0") or "0"
    text_form = number + (match.group(2) or "")
    if match.group(3):
        text_form += "-" + (match.group(3).lstrip("0") or "0") + (match.group(4) or "")
    return text_form if number != "0" else None


def standardise_street(text: object) -> str | None:
    """A street name in the address parser's form: 'Mill Rd' -> 'mill road', "St John's Rd" -> 'st johns road'; a
    house number written in front ('14 Mill Road') is left out (see ``split_street_line`` to keep it)."""
    return split_street_line(text)[1]


def split_street_line(text: object) -> tuple[str | None, str | None]:
    """(house number, street) from a street line such as '14a Mill Rd' -> ('14a', 'mill road')."""
    tokens = _clean_words(text)
    if not tokens:
        return None, None
    number = None
    if _HOUSE_NUMBER.fullmatch(tokens[0]):
        number, tokens = tokens[0], tokens[1:]
    tokens = _expand(tokens) if tokens else tokens
    return number, _joined(tokens)


def standardise_town(text: object) -> str | None:
    """A town or locality in one form: 'STOKE-ON-TRENT' -> 'stoke on trent', 'St. Albans' -> 'st albans',
    'Gt Ashby' -> 'great ashby'; a postcode or county at the end is left out ('Ashbury, West Yorkshire AY1 4QT')."""
    raw = as_text(text)
    if raw is None:
        return None
    parts, _postcode = _parts(raw)
    while len(parts) > 1 and " ".join(parts[-1]) in REGIONS:
        parts.pop()
    words = [word for part in parts for word in part]
    if len(parts) == 1 and len(words) > 1 and words[-1] == "street":  # 'st' at the end of a town is not a street
        words[-1] = "st"
    return _joined(words)


ADDRESS_PART_NAMES = ("flat", "house_number", "house_name", "street", "locality", "town")
_PART_STANDARDISERS = {
    "house_number": standardise_house_number, "street": standardise_street, "locality": standardise_town,
    "town": standardise_town,
}


def standardise_address_parts(frame: pd.DataFrame, *, address: str | Sequence[str] | None = None,
                              house_number: str | None = None, street: str | None = None,
                              locality: str | None = None, town: str | None = None) -> pd.DataFrame:
    """Flat, house number, house name, street, locality and town of each row, from whichever fields a source has.

    Name the frame's columns for each part a source keeps separately (``house_number="street_number"``,
    ``street="address_1"``, ``town="suburb"``) and, in ``address``, the column(s) of a one-line address (joined with
    commas). A separate field wins; parts it lacks come from the parsed address. The result has one column per part
    and a ColumnReport per part in ``result.attrs["reports"]`` (how many rows have that part after cleaning).
    """
    index = frame.index
    empty = pd.Series(pd.NA, index=index, dtype="str")
    columns = [address] if isinstance(address, str) else list(address or [])
    if columns:
        lines = frame[columns].astype("str").apply(lambda column: column.str.strip()).replace("", pd.NA)
        joined = lines.apply(lambda row: ", ".join(value for value in row if isinstance(value, str)), axis=1)
        parsed = parse_addresses(joined.replace("", pd.NA).astype("str"))
    else:
        parsed = pd.DataFrame({part: empty for part in Address._fields}, index=index)
    given = {"house_number": house_number, "street": street, "locality": locality, "town": town}
    result: dict[str, pd.Series] = {}
    reports: dict[str, ColumnReport] = {}
    for part in ADDRESS_PART_NAMES:
        from_address = parsed[part].astype("str")
        field_name = given.get(part)
        if field_name:
            own = map_distinct_reported(frame[field_name], _PART_STANDARDISERS[part],
                                        lambda filled, kept: f"{kept:,} of {filled:,} values kept after cleaning.")
            values = own.fillna(from_address) if columns else own
            source = f"field '{field_name}'" + (" (else the address)" if columns else "")
        else:
            values = from_address
            source = "the address" if columns else "nowhere (no field given)"
        kept = int(values.notna().sum())
        reports[part] = ColumnReport(values=len(values), kept=kept,
                                     reason=f"{kept:,} of {len(values):,} rows have a {part.replace('_', ' ')}, "
                                            f"from {source}.")
        result[part] = values
    output = pd.DataFrame(result, index=index)
    output.attrs["reports"] = reports
    return output
