"""Name standardisers: worked examples, the nickname table, NYSIIS on published examples, and properties."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.identity import (
    NAME_GROUPS,
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

REALISTIC_NAMES = [
    "John Smith", "SMITH, John", "Mr John A Smith", "Zoë O'Brien", "José Núñez", "Smith-Jones", "Dr. Mary-Ann Lee",
    "  bill  ", "Małgorzata Wójcik", "SMITH John Andrew", "Ludwig van Beethoven", "O'Neill", "Mc Donald", "Peggy",
    "Muhammad", "Mohammed", "محمد", "", "   ", "Mr", "Jr", "Smith Jr", "J.R.R. Tolkien", "Ayşe ÖZTÜRK", "d'Souza",
]


def _plain(values: pd.Series) -> list[object]:
    """A Series as a list with every missing value as None."""
    return [None if not isinstance(value, list) and pd.isna(value) else value for value in values]


# --- standardise_name --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("John Smith", "john smith"),
    ("  JOHN   SMITH ", "john smith"),
    ("Zoë", "zoe"),
    ("José", "jose"),
    ("Chloé Renée", "chloe renee"),
    ("Małgorzata Wójcik", "malgorzata wojcik"),
    ("Strauß", "strauss"),
    ("O'Brien", "obrien"),
    ("O’Brien", "obrien"),
    ("Smith-Jones", "smith jones"),
    ("Smith – Jones", "smith jones"),
    ("Mr John Smith", "john smith"),
    ("Mrs. Jane Smith", "jane smith"),
    ("Rev Dr Sarah Jones", "sarah jones"),
    ("Prof Sir Ian Blair", "ian blair"),
    ("Dame Judi Dench", "judi dench"),
    ("Master Tom Smith", "tom smith"),
    ("Miss Ann Lee", "ann lee"),
    ("Ms Ann Lee", "ann lee"),
    ("John Smith Jr", "john smith"),
    ("John Smith Snr.", "john smith"),
    ("Henry Ford II", "henry ford"),
    ("SMITH, Mr John", "smith john"),
    ("Smith Jr, John", "smith john"),
    ("J. A. Smith", "j a smith"),
    ("John2 Smith!", "john smith"),
    ("محمد علي", "محمد علي"),
    ("Lord", "lord"),  # a name that is only a title word is kept: it is probably a surname
    ("", None),
    ("   ", None),
    ("--", None),
    (None, None),
    (float("nan"), None),
])
def test_standardise_name_examples(text: object, expected: str | None) -> None:
    assert standardise_name(text) == expected


def test_standardise_name_is_the_same_for_spellings_that_differ_only_in_form() -> None:
    forms = ["Seán O'Brien", "SEAN OBRIEN", "sean o'brien", "Mr Sean O’Brien", "Seán  O'BRIEN Jr"]
    assert {standardise_name(form) for form in forms} == {"sean obrien"}


@given(st.text())
@settings(deadline=None, max_examples=500)
def test_standardise_name_is_idempotent(text: str) -> None:
    once = standardise_name(text)
    assert standardise_name(once) == once


NAME_PIECES = st.sampled_from([*"abcXYZ -',.éøŁ", "mr", "Mr.", "jr", "dr", "sir", "iii", "sr", "dame", "-"])


@given(st.lists(NAME_PIECES, max_size=12).map("".join))
@settings(deadline=None, max_examples=500)
def test_standardise_name_is_idempotent_around_titles_and_suffixes(text: str) -> None:
    once = standardise_name(text)
    assert standardise_name(once) == once


@given(st.text())
def test_standardise_name_output_is_lower_case_words_separated_by_single_spaces(text: str) -> None:
    result = standardise_name(text)
    if result is not None:
        assert result == result.strip() and "  " not in result
        assert all(char.isalpha() or char == " " or unicodedata.category(char).startswith("M") for char in result)
        assert result == result.lower()


def test_name_tokens_and_surname_variants() -> None:
    assert name_tokens("Smith-Jones") == ("smith", "jones")
    assert name_tokens("") == ()
    assert surname_variants("Smith-Jones") == {"smith jones", "smithjones", "smith", "jones"}
    assert surname_variants("Smith") == {"smith"}
    assert surname_variants("de la Cruz") == {"de la cruz", "delacruz", "cruz"}
    assert surname_variants("O Brien") & surname_variants("O'Brien") == {"obrien"}
    assert surname_variants(None) == frozenset()


def test_a_double_barrelled_surname_shares_a_variant_with_each_half() -> None:
    assert surname_variants("Smith-Jones") & surname_variants("Smith")
    assert surname_variants("Smith-Jones") & surname_variants("JONES")
    assert not surname_variants("Smith-Jones") & surname_variants("Brown")


# --- split_full_name ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("SURNAME, Forename Middle", FullName("forename", "middle", "surname")),
    ("Forename SURNAME", FullName("forename", None, "surname")),
    ("Mr John A Smith", FullName("john", "a", "smith")),
    ("John Smith", FullName("john", None, "smith")),
    ("Mary Jane Smith", FullName("mary", "jane", "smith")),
    ("SMITH, Mr John", FullName("john", None, "smith")),
    ("Smith, John, Jr", FullName("john", None, "smith")),
    ("SMITH John Andrew", FullName("john", "andrew", "smith")),
    ("John SMITH-JONES", FullName("john", None, "smith jones")),
    ("Mrs Jane Smith-Jones", FullName("jane", None, "smith jones")),
    ("SMITH-JONES, Mary Ann", FullName("mary", "ann", "smith jones")),
    ("Ludwig van Beethoven", FullName("ludwig", None, "van beethoven")),
    ("Smith J A", FullName("j", "a", "smith")),
    ("J A SMITH", FullName("j", "a", "smith")),
    ("J.R.R. Tolkien", FullName("j", "r r", "tolkien")),
    ("JOHN SMITH", FullName("john", None, "smith")),
    ("Ayşe ÖZTÜRK", FullName("ayse", None, "ozturk")),
    ("Smith", FullName(None, None, "smith")),
    ("", FullName(None, None, None)),
    (None, FullName(None, None, None)),
])
def test_split_full_name_examples(text: object, expected: FullName) -> None:
    assert split_full_name(text) == expected


@given(st.text())
def test_split_full_name_never_raises_and_gives_standard_parts(text: str) -> None:
    parts = split_full_name(text)
    for part in parts:
        assert part is None or (part == part.strip() and part)


# --- nicknames ---------------------------------------------------------------------------------------------------

def test_the_nickname_table_is_large_and_written_in_standard_form() -> None:
    pairs = [(canonical, variant) for canonical, variants in NAME_GROUPS.items() for variant in variants]
    assert len(pairs) >= 150
    for canonical, variant in pairs:
        assert standardise_name(canonical) == canonical
        assert standardise_name(variant) == variant
        assert variant != canonical


@pytest.mark.parametrize(("names", "canonical"), [
    (("Bill", "Billy", "Will", "Willy", "Liam", "WILLIAM"), "william"),
    (("Bob", "Rob", "Robbie", "Bobby"), "robert"),
    (("Peggy", "Maggie", "Meg"), "margaret"),
    (("Liz", "Beth", "Betty", "Lizzie", "Eliza", "Bess"), "elizabeth"),
    (("Jim", "Jimmy", "Jamie"), "james"),
    (("Kate", "Katie", "Cathy", "Katherine", "Kathryn", "Catherine"), "catherine"),
    (("Mohammed", "Muhammad", "Mohamed", "Mohammad", "Muhammed"), "muhammad"),
    (("Steve", "Steven", "Stephen"), "stephen"),
    (("Seán", "Shaun", "Shawn"), "sean"),
])
def test_canonical_first_name_maps_nicknames_and_spellings(names: tuple[str, ...], canonical: str) -> None:
    for name in names:
        assert canonical_first_name(name) == canonical, name


def test_ambiguous_nicknames_give_every_group_and_keep_their_own_form() -> None:
    assert first_name_groups("Sandy") == {"alexander", "alexandra", "sandra"}
    assert canonical_first_name("Sandy") == "sandy"
    assert first_name_groups("Mo") == {"muhammad", "maurice", "maureen"}
    assert {"catherine", "kathleen"} <= first_name_groups("Kath")
    assert first_name_groups("Sam") == {"samuel", "samantha"}


def test_unknown_and_blank_first_names() -> None:
    assert first_name_groups("Xanthe") == {"xanthe"}
    assert canonical_first_name("Xanthe") == "xanthe"
    assert first_name_groups("") == frozenset()
    assert canonical_first_name(None) is None


def test_first_name_lookups_use_the_whole_name_then_the_first_word() -> None:
    assert canonical_first_name("Jo-Anne") == "joanne"
    assert canonical_first_name("Bill Henry") == "william"
    assert canonical_first_name("Mary Jane") == "mary"


def test_groups_match_a_nickname_to_its_formal_name() -> None:
    assert first_name_groups("Peggy") & first_name_groups("Margaret")
    assert first_name_groups("Sandy") & first_name_groups("Alexandra")
    assert not first_name_groups("Peggy") & first_name_groups("Elizabeth")


def test_the_demo_councils_nicknames_and_spellings_are_all_matched() -> None:
    demo_names = pytest.importorskip("townhall.demo.names")
    for formal, nicknames in getattr(demo_names, "NICKNAMES", {}).items():
        for nickname in nicknames:
            assert first_name_groups(formal) & first_name_groups(nickname), (formal, nickname)
    for spellings in getattr(demo_names, "NAME_SPELLING_VARIANTS", ()):
        for spelling in spellings:
            assert first_name_groups(spelling) & first_name_groups(spellings[0]), (spellings[0], spelling)


# --- NYSIIS: published examples (dropby.com/NYSIIS.html as tested in Apache Commons Codec) -------------------------

@pytest.mark.parametrize(("name", "code"), [
    ("MACINTOSH", "MCANT"), ("KNUTH", "NAT"), ("KOEHN", "CAN"), ("PHILLIPSON", "FALAPSAN"), ("PFEISTER", "FASTAR"),
    ("SCHOENHOEFT", "SANAFT"), ("MCKEE", "MCY"), ("MACKIE", "MCY"), ("HEITSCHMIDT", "HATSNAD"), ("BART", "BAD"),
    ("HURD", "HAD"), ("HUNT", "HAD"), ("WESTERLUND", "WASTARLAD"), ("CASSTEVENS", "CASTAFAN"), ("VASQUEZ", "VASG"),
    ("FRAZIER", "FRASAR"), ("BOWMAN", "BANAN"), ("MCKNIGHT", "MCNAGT"), ("RICKERT", "RACAD"), ("DEUTSCH", "DAT"),
    ("WESTPHAL", "WASTFAL"), ("SHRIVER", "SRAVAR"), ("KUHL", "CAL"), ("RAWSON", "RASAN"), ("JILES", "JAL"),
    ("CARRAWAY", "CARY"), ("YAMADA", "YANAD"), ("O'Daniel", "ODANAL"), ("O'Donnel", "ODANAL"), ("Cory", "CARY"),
    ("Corey", "CARY"), ("Kory", "CARY"), ("FUZZY", "FASY"),
    # one rule at a time
    ("MACX", "MCX"), ("KNX", "NX"), ("KX", "CX"), ("PHX", "FX"), ("PFX", "FX"), ("SCHX", "SX"), ("XEE", "XY"),
    ("XIE", "XY"), ("XDT", "XD"), ("XRT", "XD"), ("XRD", "XD"), ("XNT", "XD"), ("XND", "XD"), ("XEV", "XAF"),
    ("XAX", "XAX"), ("XEX", "XAX"), ("XIX", "XAX"), ("XOX", "XAX"), ("XUX", "XAX"), ("XQ", "XG"), ("XZ", "X"),
    ("XM", "XN"), ("XS", "X"), ("XSS", "X"), ("XAY", "XY"), ("XAYS", "XY"), ("XA", "X"), ("XAS", "X"),
])
def test_nysiis_published_examples(name: str, code: str) -> None:
    assert nysiis(name) == code


@pytest.mark.parametrize(("names", "code"), [
    (("Brian", "Brown", "Brun"), "BRAN"), (("Capp", "Cope", "Copp", "Kipp"), "CAP"), (("Dent",), "DAD"),
    (("Dane", "Dean", "Dionne"), "DAN"), (("Phil",), "FAL"), (("Schmidt",), "SNAD"), (("Smith", "Schmit"), "SNAT"),
    (("Kobwick",), "CABWAC"), (("Kocher",), "CACAR"), (("Fesca",), "FASC"), (("Shom",), "SAN"), (("Ohlo",), "OL"),
    (("Uhu",), "UH"), (("Um",), "UN"), (("Trueman", "Truman"), "TRANAN"), (("WESTERLUND",), "WASTAR"),
])
def test_nysiis_original_six_letter_form(names: tuple[str, ...], code: str) -> None:
    for name in names:
        assert nysiis(name, max_length=6) == code


def test_nysiis_standardises_first_and_codes_only_latin_letters() -> None:
    assert nysiis("Mr Brian Jr") == nysiis("brian")
    assert nysiis("Zoë") == nysiis("Zoe")
    assert nysiis("محمد") is None
    assert nysiis("") is None


@given(st.text())
def test_nysiis_never_raises_and_gives_capitals(text: str) -> None:
    code = nysiis(text)
    assert code is None or (code.isalpha() and code.isupper() and code.isascii())


# --- columns -------------------------------------------------------------------------------------------------------

def test_column_versions_keep_the_index_and_name() -> None:
    series = pd.Series(["Bill", None, "Peggy", "Bill"], index=[10, 20, 30, 40], name="forename")
    result = canonical_first_names(series)
    assert list(result.index) == [10, 20, 30, 40] and result.name == "forename"
    assert _plain(result) == ["william", None, "margaret", "william"]
    frame = split_full_names(pd.Series(["SMITH, John", None], index=[5, 6]))
    assert list(frame.columns) == ["first", "middle", "last"] and list(frame.index) == [5, 6]
    assert _plain(frame["last"]) == ["smith", None]


def test_column_versions_accept_categorical_and_empty_columns() -> None:
    categorical = pd.Series(["Bill", "Bill", None], dtype="category")
    assert _plain(standardise_names(categorical)) == ["bill", "bill", None]
    assert len(standardise_names(pd.Series([], dtype="str"))) == 0
    assert len(split_full_names(pd.Series([], dtype=object))) == 0


@given(st.lists(st.one_of(st.none(), st.text(max_size=20), st.sampled_from(REALISTIC_NAMES)), max_size=40))
@settings(deadline=None, max_examples=100)
def test_column_versions_equal_the_one_value_versions(values: list[str | None]) -> None:
    series = pd.Series(values, dtype=object)
    assert _plain(standardise_names(series)) == [standardise_name(value) for value in values]
    assert _plain(nysiis_codes(series)) == [nysiis(value) for value in values]
    assert _plain(canonical_first_names(series)) == [canonical_first_name(value) for value in values]
    expected_groups = [None if value is None else sorted(first_name_groups(value)) for value in values]
    assert _plain(first_name_group_lists(series)) == expected_groups
    expected_variants = [None if value is None else sorted(surname_variants(value)) for value in values]
    assert _plain(surname_variant_lists(series)) == expected_variants
    frame = split_full_names(series)
    assert [tuple(None if pd.isna(cell) else cell for cell in row) for row in frame.itertuples(index=False)] == [
        tuple(split_full_name(value)) for value in values
    ]
