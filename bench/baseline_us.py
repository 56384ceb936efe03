"""Hand-configured plain Splink linkage of the generated US registers (``bench/public_data.py``): the baseline for
``bench/linkage_public.py``.

As a data scientist would write it having read both files: dates parsed with their known formats, names upper-cased
and split ("Last, First"), ZIP+4 cut to the ZIP, street abbreviations left as written; a name comparison per name with
term frequencies, date of birth, sex, house number and street, city and ZIP; blocking on the usual pairs; prior from
name and date of birth; EM on date of birth and on name.

    python bench/baseline_us.py 20000     # people generated; prints precision, recall and F1 at 0.9
"""

from __future__ import annotations

import logging
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

THRESHOLD = 0.9


def standardise(paths: dict[str, Path]) -> pd.DataFrame:
    """Both registers in one frame with the same column names, cleaned as an analyst would for these files."""
    voters = pd.read_csv(paths["voters"], dtype=str)
    clinic = pd.read_csv(paths["clinic"], dtype=str)
    names = clinic["Patient Name"].str.split(", ", n=1, expand=True)
    first = pd.DataFrame({
        "unique_id": "voters:" + voters["VOTER_ID"], "source_dataset": "voters",
        "first_name": voters["FIRST_NAME"].str.lower(), "surname": voters["LAST_NAME"].str.lower(),
        "dob": pd.to_datetime(voters["BIRTH_DATE"], format="%m/%d/%Y").dt.strftime("%Y-%m-%d"),
        "sex": voters["SEX"].str.lower(), "street": voters["RES_STREET_ADDRESS"].str.lower(),
        "city": voters["RES_CITY"].str.lower(), "zip": voters["ZIP_CODE"].str[:5]})
    second = pd.DataFrame({
        "unique_id": "clinic:" + clinic["MRN"], "source_dataset": "clinic",
        "first_name": names[1].str.lower(), "surname": names[0].str.lower(),
        "dob": pd.to_datetime(clinic["DOB"], format="%Y%m%d").dt.strftime("%Y-%m-%d"),
        "sex": clinic["Gender"].str[0].str.lower(), "street": clinic["Street"].str.lower(),
        "city": clinic["City"].str.lower(), "zip": clinic["Zip"].str[:5]})
    return pd.concat([first, second], ignore_index=True)


def address_comparison(street: str, code: str, house_number: str | None = None) -> dict[str, object]:
    """Where the person lives as one comparison, so that a shared home counts once (street, city and ZIP are nested:
    counted separately they would add up to enough to link a whole household)."""
    house = f" and {house_number}_l = {house_number}_r" if house_number else ""
    return {"output_column_name": "address", "comparison_levels": [
        {"sql_condition": f"{street}_l is null or {street}_r is null", "label_for_charts": "null",
         "is_null_level": True},
        {"sql_condition": f"{street}_l = {street}_r and {code}_l = {code}_r{house}", "label_for_charts": "same home"},
        {"sql_condition": f"jaro_winkler_similarity({street}_l, {street}_r) >= 0.9 and {code}_l = {code}_r{house}",
         "label_for_charts": "similar street, same code"},
        {"sql_condition": f"{code}_l = {code}_r", "label_for_charts": "same code"},
        {"sql_condition": "ELSE", "label_for_charts": "else"}]}


def link(records: pd.DataFrame) -> pd.DataFrame:
    """Cluster the records with a hand-configured Splink model: unique_id -> cluster."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"), block_on("surname", "dob"), block_on("first_name", "dob"),
            block_on("street", "zip"), block_on("surname", "zip")],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            address_comparison("street", "zip"),
        ],
        retain_intermediate_calculation_columns=True,
    )
    return train_and_cluster(records, settings)


def train_and_cluster(records: pd.DataFrame, settings: object) -> pd.DataFrame:
    """Prior from name and date of birth, u by random sampling, EM on date of birth and on name; score, cluster at
    the threshold: unique_id -> cluster."""
    from splink import DuckDBAPI, Linker, block_on

    database = DuckDBAPI()
    linker = Linker(database.register(records), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match([block_on("first_name", "surname", "dob")],
                                                                  recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in (block_on("dob"), block_on("first_name", "surname")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.05)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, THRESHOLD)
    return clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]].rename(columns={"cluster_id": "cluster"})


def print_scores(label: str, write: Callable[[Path, int], tuple[dict[str, Path], pd.DataFrame]],
                 baseline: Callable[[dict[str, Path]], pd.DataFrame]) -> None:
    """Generate registers (people from the command line), link them with a baseline and print its scores."""
    from linkage_public import pairwise_scores

    people = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as folder:
        paths, truth = write(Path(folder), people)
        scores = pairwise_scores(baseline(paths), truth)
    print(f"{label}: precision {scores['precision']:.4f}, recall {scores['recall']:.4f}, F1 {scores['f1']:.4f}")


if __name__ == "__main__":
    from public_data import write_us

    print_scores("US", write_us, lambda paths: link(standardise(paths)))
