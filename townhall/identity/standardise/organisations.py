"""Organisations among people's names: "Swan Barbers Ltd", "St Mary's Church", "Ashbury Parish Council".

An organisation is recognised by organisation words *in context*, never by one word that is also a surname: people
called Church, Company, Bishop, Inn, Barber, Baker, Stores, Trust, School, Hotel or Garage stay people. What counts:

- a legal form anywhere: Ltd, Limited, PLC, LLP, CIC, Inc, LLC, Pty, Corp, GmbH;
- a partnership ending: "& Sons", "and Co", "& Partners", "& Associates", "& Daughters", "Bros";
- a name starting "The" ("The Bridge Inn", "The Old Bakery"): people's names never do;
- a word only businesses and bodies use ("Services", "Solicitors", "Motors", "Bakery", "Takeaway", "Association",
  "Council", ...) in a name of two or more words;
- a word that is also a surname ("Church", "Trust", "School", "Inn", "Stores", "Hotel", "Garage", ...) only beside
  a word that makes it a place or body: "St Mary's Church", "Church of England", "Methodist Church", "Village
  Stores", "Wildlife Trust", "Primary School", "Station Hotel" (describing words that are also first names, such as
  Rose or George, do not count, nor does any describing word after a known first name: "Mary Green Baker").
"""

from __future__ import annotations

import re

import pandas as pd

from townhall.identity.standardise._series import as_text, map_distinct
from townhall.identity.standardise._text import fold
from townhall.identity.standardise.nicknames import NAME_GROUPS

LEGAL_FORMS = frozenset({
    "ltd", "limited", "llp", "plc", "cic", "inc", "incorporated", "llc", "pty", "corp", "corporation", "gmbh",
})
# After "&" or "and" at the end of a name: "Smith & Sons", "Jones and Co".
PARTNERSHIP_WORDS = frozenset({
    "son", "sons", "co", "company", "partners", "partner", "associates", "daughters", "daughter", "brothers", "bros",
    "sisters",
})
# Words that only businesses and public bodies use: an organisation in any name of two or more words.
BUSINESS_WORDS = frozenset({
    "services", "solicitors", "barbers", "hairdressers", "motors", "tyres", "supplies", "enterprises",
    "holdings", "properties", "lettings", "estates", "associates", "consultants", "consultancy", "consulting",
    "fabrications", "fabrication", "builders", "plumbers", "electricians", "electrical", "contractors",
    "accountants", "cleaners", "cleaning", "caterers", "catering", "butchers", "florists", "jewellers", "opticians",
    "chemists", "dentists", "pharmacy", "surgery", "restaurant", "cafe", "bakery", "salon", "takeaway", "hardware",
    "trading", "traders", "group", "agency", "association", "society", "partnership", "centre", "center", "club",
    "academy", "college", "nursery", "foundation", "charity", "ministries", "fellowship", "federation", "council",
    "committee", "authority", "department", "institute", "university", "hospital", "clinic", "practice", "pub",
    "studio", "studios", "garages", "hotels", "logistics", "transport", "haulage", "removals", "developments",
    "investments", "management", "solutions", "systems", "technologies", "industries", "products", "leisure",
    "nhs", "diocese", "mosque", "synagogue", "gurdwara", "mandir", "cathedral",
    "launderette", "laundrette", "newsagents", "newsagent", "off-licence", "offlicence", "supermarket",
    "convenience", "wholesale", "wholesalers", "kebab", "pizza", "pizzeria", "tandoori", "fisheries", "chippy",
    "cars", "taxis", "autos", "bodyshop", "funeral", "undertakers", "veterinary", "vets", "dental", "medical",
    "healthcare", "housing", "schools", "primary", "infants", "joinery", "engineering", "engineers", "storage",
    "distribution", "recruitment", "architects", "physiotherapy", "florist", "bookshop", "upholstery", "brokers",
    "insurance", "repairs", "grill", "rooms", "tearooms", "agents", "tavern", "carpets", "furnishings", "interiors",
    "printers", "printing", "decorators", "roofing", "glazing", "scaffolding", "landscaping", "nails", "beauty",
    "tattoo", "boutique", "fashions", "textiles", "motorcycles", "tiles", "flooring", "kitchens", "bathrooms",
})
# Words that are organisations beside a describing word, but are also surnames (John Church, Mary Baker).
SURNAME_LIKE_WORDS = frozenset({
    "church", "company", "bishop", "inn", "barber", "baker", "stores", "store", "trust", "school", "hotel", "garage",
    "bar", "kitchen", "hall", "house", "mill", "mills", "farm", "shop", "bank", "arms", "tavern", "lodge",
    "court", "works", "garden", "gardens", "chambers", "office", "press", "union", "league", "bakers", "butcher",
    "chapel", "temple", "homes", "care", "service", "parish",
})
# Words that make a surname-like word a place or body: "St Mary's Church", "Village Stores", "Station Hotel".
DESCRIBING_WORDS = frozenset({
    "st", "saint", "village", "community", "parish", "primary", "junior", "infant", "infants", "nursery", "grammar",
    "high", "secondary", "comprehensive", "independent", "prep", "preparatory", "housing", "charitable", "wildlife",
    "national", "methodist", "baptist", "catholic", "anglican", "united", "reformed", "evangelical", "pentecostal",
    "congregational", "presbyterian", "free", "general", "corner", "post", "family", "convenience", "motor", "car",
    "petrol", "royal", "county", "grand", "station", "hospital", "railway", "red", "white", "black", "golden", "star",
    "market", "fish", "noodle", "nail", "guest", "vape", "print", "hair",
    "kings", "queens", "crown", "swan", "lion", "bull", "anchor", "plough", "ship", "globe",
    "new", "old", "farm", "country", "city", "town", "borough", "district", "regional", "local", "the",
    "coffee", "wine", "snack", "sports", "cocktail", "tea", "book", "charity", "corn", "coop", "co-op", "cooperative",
    "savings", "building", "estate", "business", "trading", "tyre", "service", "auto", "hand", "car-wash", "bridge",
    "mill", "valley", "park", "green", "hill", "castle", "abbey", "priory", "cathedral", "health", "care", "nhs",
    "academy", "educational", "education", "learning", "football", "cricket", "rugby", "tennis",
    "golf", "bowls", "bowling", "social", "working", "mens", "womens", "youth", "scout", "scouts", "guide", "guides",
    "british", "english", "scottish", "welsh", "irish", "international", "christian", "muslim", "jewish", "sikh",
    "hindu", "islamic", "gospel", "salvation", "quaker", "friends", "heritage", "museum",
    "arts", "music", "dance", "theatre", "cinema", "bingo", "leisure", "fitness", "gym", "boxing", "martial",
}) - SURNAME_LIKE_WORDS
_FIRST_NAMES = frozenset(NAME_GROUPS) | {name for names in NAME_GROUPS.values() for name in names}
DESCRIBING_WORDS -= _FIRST_NAMES
# Surname-like words followed by these are bodies: "Church of England", "Company of Watermen", "Bank of Scotland".
_OF_WORDS = frozenset({"church", "company", "bank", "trust", "school", "college", "society", "friends", "order"})

_TOKEN = re.compile(r"&|[a-z0-9]+")


def _tokens(name: str) -> list[str]:
    """The name's words, folded (lower case, no accents or apostrophes), with '&' kept as a word."""
    return _TOKEN.findall(fold(name))


def organisation_reason(name: object) -> str | None:
    """Why a name reads as an organisation ('legal form "ltd"', '"church" after "st"'), or None for a person."""
    text = as_text(name)
    if text is None:
        return None
    tokens = _tokens(text)
    if not tokens:
        return None
    words = set(tokens)
    if legal := words & LEGAL_FORMS:
        return f'legal form "{sorted(legal)[0]}"'
    for index, token in enumerate(tokens[:-1]):
        if token in ("&", "and") and index > 0 and tokens[index + 1] in PARTNERSHIP_WORDS and (
                index + 2 == len(tokens) or tokens[index + 2] in LEGAL_FORMS | PARTNERSHIP_WORDS):
            return f'"{token} {tokens[index + 1]}"'
    if tokens[-1] == "bros" and len(tokens) > 1:
        return '"bros"'
    if len(tokens) < 2:
        return None
    if tokens[0] == "the":
        return 'starts with "the"'
    if business := words & BUSINESS_WORDS:
        return f'organisation word "{sorted(business)[0]}"'
    for index, token in enumerate(tokens):
        if token not in SURNAME_LIKE_WORDS:
            continue
        before = tokens[index - 1] if index else None
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        if after == "of" and token in _OF_WORDS:
            return f'"{token} of"'
        # "Mary Green Baker" is a person: a known first name first means the words after it are names too.
        if before in DESCRIBING_WORDS and tokens[0] not in _FIRST_NAMES:
            return f'"{token}" after "{before}"'
        # "St Mary's Church": a saint's name in the possessive between "st" and the word ("St John Baker" is a
        # person: St John is a first name).
        if index >= 2 and tokens[index - 2] in ("st", "saint") and tokens[index - 1].endswith("s"):
            return f'"{token}" after a saint\'s name'
    return None


def looks_like_organisation(name: object) -> bool:
    """Whether a name reads as an organisation rather than a person ('Lion Solicitors LLP', 'The Bridge Inn',
    'Smith & Sons', "St Mary's Church"); a surname alone never does ('John Church', 'Mary Baker')."""
    return organisation_reason(name) is not None


def looks_like_organisations(series: pd.Series) -> pd.Series:
    """looks_like_organisation over a column (False for missing), computed once per distinct value."""
    return map_distinct(series, looks_like_organisation, dtype=bool).fillna(False).astype(bool)
