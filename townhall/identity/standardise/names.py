"""Names: one standard written form, the parts of a full name, nickname groups and a phonetic key (NYSIIS).

The standard form is lower case, without accents ("Zoë" -> "zoe"), titles ("Mr", "Dr") or suffixes ("Jr", "III"),
with apostrophes removed ("O'Brien" -> "obrien") and every other punctuation mark, hyphens included, turned into a
space ("Smith-Jones" -> "smith jones"). A double-barrelled surname therefore becomes two tokens, and
``surname_variants`` lists what it may be recorded as elsewhere ("smith jones", "smithjones", "smith", "jones") so
a token comparison can match "Smith-Jones" to "Smith". Letters from other scripts are kept as they are.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pandas as pd

from townhall.identity.standardise._series import (
    as_text,
    map_distinct,
    map_distinct_reported,
    map_distinct_to_frame,
    map_distinct_to_lists,
)
from townhall.identity.standardise._text import fold, letters_only
from townhall.identity.standardise.nicknames import NAME_GROUPS

# Titles dropped from the start of a name (or of the part after a comma: "SMITH, Mr John").
TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "mstr", "master", "dr", "doctor", "rev", "revd", "reverend", "prof",
    "professor", "sir", "dame", "lady", "lord", "capt", "captain", "fr", "father", "sr", "sister", "rabbi", "imam",
    "hon", "honourable", "cllr", "councillor",
})
# Suffixes dropped from the end of a name ("John Smith Jr", "Smith, John III").
SUFFIXES = frozenset({
    "jr", "jnr", "junior", "snr", "sr", "senior", "ii", "iii", "iv", "esq", "obe", "mbe", "cbe", "kbe", "dbe", "phd",
    "qc", "kc", "mp", "jp",
})
# Surname particles: kept with the surname when splitting ("Ludwig van Beethoven" -> last name "van beethoven") and
# never offered alone as a surname variant.
PARTICLES = frozenset({
    "van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "dos", "das", "la", "le", "st", "saint",
    "ter", "ten", "al", "el", "bin", "binti", "bint", "ibn", "abu", "ap", "o", "mc", "mac",
})

_NON_LETTERS = re.compile(r"[^a-z]+")
_TWO_CAPITALS = re.compile(r"[A-Z]{2}")


def _drop_titles(tokens: list[str]) -> list[str]:
    """The tokens without the titles at their start."""
    start = 0
    while start < len(tokens) and tokens[start] in TITLES:
        start += 1
    return tokens[start:]


def _drop_suffixes(tokens: list[str]) -> list[str]:
    """The tokens without the suffixes at their end."""
    end = len(tokens)
    while end > 0 and tokens[end - 1] in SUFFIXES:
        end -= 1
    return tokens[:end]


def _without_titles_and_suffixes(parts: list[list[str]]) -> list[list[str]]:
    """Drop titles and suffixes from each comma-separated part, unless that would leave no name at all."""
    if not any(part and (part[0] in TITLES or part[-1] in SUFFIXES) for part in parts):
        return [part for part in parts if part]
    untitled = [_drop_titles(part) for part in parts]
    if not any(untitled):
        untitled = parts
    unsuffixed = [_drop_suffixes(part) for part in untitled]
    if not any(unsuffixed):
        unsuffixed = untitled
    return [part for part in unsuffixed if part]


def _ascii_table(hyphen: str) -> dict[int, str | None]:
    """One str.translate table doing fold and letters_only at once for plain-ASCII text, the common case."""
    table: dict[int, str | None] = {}
    for code in range(128):
        char = chr(code)
        if char.isalpha():
            table[code] = char.lower()
        elif char in "'`":
            table[code] = None
        elif char == ",":
            table[code] = ","
        elif char == "-":
            table[code] = hyphen
        else:
            table[code] = " "
    return table


_ASCII_KEEPING_HYPHENS = _ascii_table("-")
_ASCII_SPLITTING_HYPHENS = _ascii_table(" ")


def _clean(raw: str, *, split_hyphens: bool) -> str:
    """Folded text with every separator a space (hyphens too when asked), commas kept."""
    if raw.isascii():
        return raw.translate(_ASCII_SPLITTING_HYPHENS if split_hyphens else _ASCII_KEEPING_HYPHENS)
    cleaned = letters_only(fold(raw), ",-")
    return cleaned.replace("-", " ") if split_hyphens else cleaned


def _tidy_hyphens(token: str) -> str:
    """A word without hyphens at its ends or doubled inside ('-smith--jones' -> 'smith-jones')."""
    if "-" not in token:
        return token
    token = token.strip("-")
    while "--" in token:
        token = token.replace("--", "-")
    return token


def _parts(text: object, *, split_hyphens: bool) -> list[list[str]]:
    """The name's comma-separated parts as lists of folded words, titles and suffixes removed."""
    raw = as_text(text)
    if not raw:
        return []
    cleaned = _clean(raw, split_hyphens=split_hyphens)
    if split_hyphens:
        parts = [part.split() for part in cleaned.split(",")]
    else:
        parts = [[tidy for token in part.split() if (tidy := _tidy_hyphens(token))] for part in cleaned.split(",")]
    return _without_titles_and_suffixes(parts)


def standardise_name(text: object) -> str | None:
    """A name in one standard form so spellings compare equal: 'Mr Seán O'Brien-Smith Jr' -> 'sean obrien smith'."""
    if isinstance(text, str) and text.isascii() and "," not in text:
        tokens = text.translate(_ASCII_SPLITTING_HYPHENS).split()
        if tokens and tokens[0] not in TITLES and tokens[-1] not in SUFFIXES:
            return " ".join(tokens)
    tokens = [token for part in _parts(text, split_hyphens=True) for token in part]
    return " ".join(tokens) or None


def standardise_names(series: pd.Series) -> pd.Series:
    """standardise_name over a column, computed once per distinct value."""
    return map_distinct(series, standardise_name)


def name_tokens(text: object) -> tuple[str, ...]:
    """The words of the standardised name, for token comparisons: 'Smith-Jones' -> ('smith', 'jones')."""
    standard = standardise_name(text)
    return tuple(standard.split()) if standard else ()


def surname_variants(text: object) -> frozenset[str]:
    """Forms a surname may be recorded as elsewhere: 'Smith-Jones' -> {'smith jones', 'smithjones', 'smith', 'jones'}.

    Particles are never offered alone ('de la Cruz' gives 'cruz' but not 'de'), so they cannot match by themselves.
    """
    tokens = name_tokens(text)
    if not tokens:
        return frozenset()
    variants = {" ".join(tokens), "".join(tokens)}
    if len(tokens) > 1:
        variants.update(token for token in tokens if token not in PARTICLES and len(token) > 1)
    return frozenset(variants)


def surname_variant_lists(series: pd.Series) -> pd.Series:
    """surname_variants over a column as sorted lists (for array comparisons); rows with equal values share a list."""
    return map_distinct_to_lists(series, lambda value: sorted(surname_variants(value)))


class FullName(NamedTuple):
    """A person's name in parts, each standardised; None where the part is absent."""

    first: str | None
    middle: str | None
    last: str | None


def _raw_word_is_upper(word: str) -> bool:
    """True for a word written in capitals ('SMITH', "O'BRIEN"); initials are told apart by their length later."""
    letters = [char for char in word if char.isalpha()]
    return bool(letters) and all(char.isupper() for char in letters)


def _join(tokens: list[str]) -> str | None:
    """Words joined with spaces, hyphens becoming spaces too; None for no words."""
    return " ".join(tokens).replace("-", " ") or None


def _capitalised_split(raw: str, tokens: list[str]) -> tuple[list[str], list[str]] | None:
    """For 'SMITH John' or 'John SMITH': (given-name words, surname words) when capitals mark out the surname.

    Applies only when some word of two or more letters is not in capitals, and the capitalised words form one run
    at the start or the end of the name.
    """
    if raw.isascii() and not _TWO_CAPITALS.search(raw):
        return None
    flagged: list[tuple[str, bool]] = []
    for word in raw.split():
        upper = _raw_word_is_upper(word)
        for token in _clean(word, split_hyphens=False).replace(",", " ").split():
            if token := _tidy_hyphens(token):
                flagged.append((token, upper and len(token) >= 2))
    if [token for token, _ in flagged] != tokens:
        start = 0
        while start < len(flagged) and flagged[start][0] in TITLES:
            start += 1
        end = len(flagged)
        while end > start and flagged[end - 1][0] in SUFFIXES:
            end -= 1
        flagged = flagged[start:end]
        if [token for token, _ in flagged] != tokens:
            return None
    flags = [upper for _, upper in flagged]
    mixed_case = any(not upper and len(token) >= 2 for token, upper in flagged)
    if not mixed_case or not any(flags):
        return None
    runs = sum(1 for index, upper in enumerate(flags) if upper and (index == 0 or not flags[index - 1]))
    if runs != 1 or not (flags[0] or flags[-1]):
        return None
    given = [token for token, upper in flagged if not upper]
    surname = [token for token, upper in flagged if upper]
    return given, surname


def split_full_name(text: object) -> FullName:
    """First, middle and last name from 'SURNAME, Forename Middle', 'Forename Middle Surname' or 'Mr John A Smith'.

    A surname in capitals among mixed-case words is the surname wherever it stands ('SMITH John'); a word followed
    only by initials is a surname ('Smith J A'); particles stay with the surname ('Ludwig van Beethoven' ->
    'van beethoven'); a single word is taken as a surname.
    """
    raw = as_text(text)
    if not raw:
        return FullName(None, None, None)
    parts = _parts(raw, split_hyphens=False)
    if not parts:
        return FullName(None, None, None)
    if len(parts) >= 2:
        surname = parts[0]
        given = [token for part in parts[1:] for token in part]
    else:
        tokens = parts[0]
        capitalised = _capitalised_split(raw, tokens)
        if capitalised is not None:
            given, surname = capitalised
        elif len(tokens) == 1:
            given, surname = [], tokens
        elif len(tokens[0]) > 1 and all(len(token) == 1 for token in tokens[1:]):
            given, surname = tokens[1:], tokens[:1]
        else:
            start = len(tokens) - 1
            while start > 1 and tokens[start - 1] in PARTICLES:
                start -= 1
            given, surname = tokens[:start], tokens[start:]
    first = given[0] if given else None
    return FullName(_join([first]) if first else None, _join(given[1:]), _join(surname))


def split_full_names(series: pd.Series) -> pd.DataFrame:
    """split_full_name over a column: a frame with columns first, middle and last, on the column's index."""
    return map_distinct_to_frame(series, split_full_name, FullName._fields)


# Every name in the table -> the canonical names whose group it belongs to (a canonical name belongs to its own).
_GROUPS_BY_NAME: dict[str, frozenset[str]] = {}
for _canonical, _variants in NAME_GROUPS.items():
    for _name in (_canonical, *_variants):
        _GROUPS_BY_NAME[_name] = _GROUPS_BY_NAME.get(_name, frozenset()) | {_canonical}


def _first_name_key(name: object) -> str | None:
    """The form of a first name looked up in the table: the whole name, run together, or its first word."""
    standard = standardise_name(name)
    if standard is None:
        return None
    if standard in _GROUPS_BY_NAME:
        return standard
    joined = standard.replace(" ", "")
    if joined in _GROUPS_BY_NAME:
        return joined
    return standard.split()[0]


def first_name_groups(name: object) -> frozenset[str]:
    """The canonical names a first name may stand for: 'Sandy' -> {'alexander', 'alexandra', 'sandra'}.

    A name not in the table stands for itself; a blank name for nothing. Only the first given name counts.
    """
    key = _first_name_key(name)
    if key is None:
        return frozenset()
    return _GROUPS_BY_NAME.get(key, frozenset({key}))


def canonical_first_name(name: object) -> str | None:
    """One canonical form of a first name ('Bill' -> 'william'); ambiguous or unknown names stay as they are."""
    key = _first_name_key(name)
    if key is None:
        return None
    groups = _GROUPS_BY_NAME.get(key)
    if groups is None or len(groups) != 1:
        return key
    return next(iter(groups))


def canonical_first_names(series: pd.Series) -> pd.Series:
    """canonical_first_name over a column, computed once per distinct value."""
    return map_distinct(series, canonical_first_name)


def first_name_group_lists(series: pd.Series) -> pd.Series:
    """first_name_groups over a column as sorted lists (for array comparisons); rows with equal values share a list."""
    return map_distinct_to_lists(series, lambda value: sorted(first_name_groups(value)))


# --- NYSIIS --------------------------------------------------------------------------------------------------------
# New York State Identification and Intelligence System phonetic code (R. L. Taft, 1970), as published at
# dropby.com/NYSIIS.html and in Apache Commons Codec. It codes surnames better than Soundex: it keeps vowel positions
# and maps common English spellings (MAC/MC, PH/F, KN/N, SCH/S) together.
_VOWELS = frozenset("AEIOU")
_FIRST_LETTERS = (("MAC", "MCC"), ("KN", "NN"), ("K", "C"), ("PH", "FF"), ("PF", "FF"), ("SCH", "SSS"))
_LAST_LETTERS = (("EE", "Y"), ("IE", "Y"), ("DT", "D"), ("RT", "D"), ("RD", "D"), ("NT", "D"), ("ND", "D"))


def _nysiis_transcode(previous: str, current: str, following: str, after_following: str) -> str:
    """The replacement for the letter at the current position (NYSIIS step 4); may cover the next letters too."""
    if current == "E" and following == "V":
        return "AF"
    if current in _VOWELS:
        return "A"
    if current == "Q":
        return "G"
    if current == "Z":
        return "S"
    if current == "M":
        return "N"
    if current == "K":
        return "NN" if following == "N" else "C"
    if current == "S" and following == "C" and after_following == "H":
        return "SSS"
    if current == "P" and following == "H":
        return "FF"
    if current == "H" and (previous not in _VOWELS or following not in _VOWELS):
        return previous
    if current == "W" and previous in _VOWELS:
        return previous
    return current


def _nysiis_of_standard(standard: str | None, max_length: int | None) -> str | None:
    """NYSIIS of an already standardised name."""
    if standard is None:
        return None
    name = _NON_LETTERS.sub("", standard).upper()
    if not name:
        return None
    for start, replacement in _FIRST_LETTERS:
        if name.startswith(start):
            name = replacement + name[len(start):]
            break
    for end, replacement in _LAST_LETTERS:
        if name.endswith(end):
            name = name[: -len(end)] + replacement
            break
    letters = list(name)
    key = [letters[0]]
    for position in range(1, len(letters)):
        following = letters[position + 1] if position + 1 < len(letters) else " "
        after_following = letters[position + 2] if position + 2 < len(letters) else " "
        replacement = _nysiis_transcode(letters[position - 1], letters[position], following, after_following)
        letters[position: position + len(replacement)] = list(replacement)
        if letters[position] != letters[position - 1]:
            key.append(letters[position])
    if len(key) > 1 and key[-1] == "S":
        key.pop()
    if len(key) > 2 and key[-2:] == ["A", "Y"]:
        del key[-2]
    if len(key) > 1 and key[-1] == "A":
        key.pop()
    code = "".join(key)
    return code[:max_length] if max_length else code


def nysiis(text: object, max_length: int | None = None) -> str | None:
    """The NYSIIS phonetic code of a name ('Smith' and 'Schmit' -> 'SNAT'); max_length=6 gives the original form.

    The name is standardised first and only its letters A-Z are coded, words run together; None when none remain.
    """
    return _nysiis_of_standard(standardise_name(text), max_length)


def nysiis_codes(series: pd.Series, max_length: int | None = None) -> pd.Series:
    """nysiis over a column: standardised once per distinct value, then coded once per distinct standard form."""
    return map_distinct(standardise_names(series), lambda standard: _nysiis_of_standard(standard, max_length))


# --- middle names and given names in one field --------------------------------------------------------------------


class GivenNames(NamedTuple):
    """A forename field split into the first given name and any middle names, each standardised."""

    first: str | None
    middle: str | None


def split_given_name(text: object) -> GivenNames:
    """'John Paul' -> ('john', 'paul'); a hyphenated first name stays one ('Mary-Jane Ann' -> ('mary jane', 'ann')),
    as does a two-word name the nickname table knows ('Jo Anne' -> 'jo anne')."""
    standard = standardise_name(text)
    if standard is None:
        return GivenNames(None, None)
    if standard in _GROUPS_BY_NAME or standard.replace(" ", "") in _GROUPS_BY_NAME:
        return GivenNames(standard, None)
    tokens = [token for part in _parts(text, split_hyphens=False) for token in part]
    if not tokens:
        return GivenNames(None, None)
    return GivenNames(_join(tokens[:1]), _join(tokens[1:]))


def split_given_names(series: pd.Series) -> pd.DataFrame:
    """split_given_name over a column: a frame with columns first and middle, on the column's index."""
    return map_distinct_to_frame(series, split_given_name, GivenNames._fields)


def standardise_middle_names(series: pd.Series) -> pd.Series:
    """Middle names in the standard name form ('Ann-Marie' -> 'ann marie', 'J.' -> 'j'), with a ColumnReport in
    ``result.attrs["report"]`` saying how many records had one after cleaning."""
    return map_distinct_reported(series, standardise_name,
                                 lambda filled, kept: f"{kept:,} of {filled:,} middle names kept after cleaning.")
