"""The demo's building blocks checked against hand-worked cases: NHS check digits, date styles, names, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from townhall.demo.errors import corrupt_nhs_numbers, introduce_typos, mixed_date_text, use_nicknames
from townhall.demo.formats import (
    format_dates,
    new_nhs_numbers,
    nhs_check_digits,
    nhs_number_is_valid,
    swap_day_and_month,
)
from townhall.demo.names import (
    BRITISH_FEMALE_FIRST_NAMES,
    BRITISH_MALE_FIRST_NAMES,
    BRITISH_SURNAMES,
    HERITAGE_SURNAMES,
    NICKNAMES,
    formal_names_for,
)


def test_nhs_check_digit_matches_the_published_worked_example() -> None:
    # 943 476 591: 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2 = 299; 299 % 11 = 2; 11 - 2 = 9
    assert nhs_check_digits(np.array([[9, 4, 3, 4, 7, 6, 5, 9, 1]])).tolist() == [9]
    assert nhs_number_is_valid(pd.Series(["943 476 5919", "9434765918", "943-476-5919", "", "12345"])).tolist() == [
        True, False, True, False, False]


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_new_nhs_numbers_are_valid_unique_and_fictional(seed: int) -> None:
    numbers = new_nhs_numbers(50, np.random.default_rng(seed))
    series = pd.Series(numbers)
    assert nhs_number_is_valid(series).all() and series.is_unique and series.str.startswith("9").all()


def test_corrupted_nhs_numbers_fail_the_check_and_are_reported() -> None:
    numbers = new_nhs_numbers(2_000, np.random.default_rng(1))
    corrupted, wrong = corrupt_nhs_numbers(numbers, missing_rate=0.1, wrong_rate=0.05, rng=np.random.default_rng(2))
    series = pd.Series(corrupted)
    valid = nhs_number_is_valid(series).to_numpy()
    assert (~valid[wrong]).all() and 50 < wrong.sum() < 150
    assert ((series == "") | valid | wrong).all()


def test_dates_are_written_in_each_uk_style() -> None:
    days = np.array(["2019-03-04", "NaT"], dtype="datetime64[D]")
    assert format_dates(days, "dd/mm/yyyy").tolist() == ["04/03/2019", ""]
    assert format_dates(days, "d-MMM-yy").tolist() == ["4-Mar-19", ""]
    assert format_dates(days, "dd.mm.yyyy").tolist() == ["04.03.2019", ""]
    assert format_dates(days, "yyyy-mm-dd").tolist() == ["2019-03-04", ""]
    swapped = swap_day_and_month(np.array(["2019-03-04", "2019-03-25"], dtype="datetime64[D]"))
    assert swapped.astype(str).tolist() == ["2019-04-03", "2019-03-25"]


def test_mixed_dates_use_the_main_style_for_most_rows() -> None:
    days = np.full(1_000, np.datetime64("1980-07-21"))
    text = mixed_date_text(days, "dd/mm/yyyy", np.random.default_rng(0), other_styles={"yyyy-mm-dd": 0.1})
    main = pd.Series(text).str.fullmatch(r"\d{2}/\d{2}/\d{4}").mean()
    assert 0.85 < main < 0.95


def test_nickname_table_holds_the_classic_pairs_and_is_reusable_both_ways() -> None:
    for formal, nickname in [("William", "Bill"), ("Margaret", "Peggy"), ("Robert", "Bob"), ("Elizabeth", "Liz")]:
        assert nickname in NICKNAMES[formal]
    assert set(formal_names_for("alex")) == {"Alexander", "Alexandra"}
    nicknamed = use_nicknames(pd.Series(["William"] * 200 + ["Zara"] * 10), 1.0, np.random.default_rng(0))
    assert set(nicknamed[:200]) <= set(NICKNAMES["William"]) and set(nicknamed[200:]) == {"Zara"}


def test_name_lists_include_the_hard_cases_for_standardisers() -> None:
    surnames = set(BRITISH_SURNAMES) | {name for names in HERITAGE_SURNAMES.values() for name in names}
    for needed in ("O'Brien", "Smith-Jones", "Nowak", "Okonkwo", "Patel", "Khan", "D'Souza", "St John"):
        assert needed in surnames
    first_names = {name for era in BRITISH_FEMALE_FIRST_NAMES + BRITISH_MALE_FIRST_NAMES for name in era}
    assert {"Zoë", "Chloé"} <= first_names


def test_typos_change_about_the_requested_share_by_one_keystroke() -> None:
    names = pd.Series(["Margaret", "Christopher", "Okonkwo", "Smith-Jones"] * 500)
    typed = introduce_typos(names, 0.04, np.random.default_rng(3))
    changed = typed != names
    assert 0.02 < changed.mean() < 0.06
    assert (typed[changed].str.len() - names[changed].str.len()).abs().le(1).all()
    assert (typed[changed].str[0] == names[changed].str[0]).mean() > 0.8  # first letters are rarely mistyped
