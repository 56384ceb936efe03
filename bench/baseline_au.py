"""Hand-configured plain Splink linkage of the generated Australian registers (``bench/public_data.py``): the
baseline for ``bench/linkage_public.py``.

As a data scientist would write it having read both files: dates parsed with their known formats, the first given
name taken as the forename, the house number split from the members' address; a name comparison per name with term
frequencies, date of birth, house number, street, suburb and postcode; blocking on the usual pairs; prior from name
and date of birth; EM on date of birth and on name.

    python bench/baseline_au.py 20000     # people generated; prints precision, recall and F1 at 0.9
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

import pandas as pd

THRESHOLD = 0.9


def standardise(paths: dict[str, Path]) -> pd.DataFrame:
    """Both registers in one frame with the same column names, cleaned as an analyst would for these files."""
    enrolled = pd.read_csv(paths["enrolments"], dtype=str)
    members = pd.read_csv(paths["members"], dtype=str)
    address = members["Address"].str.lower().str.extract(r"^(\d+)\s+(.*)$")
    first = pd.DataFrame({
        "unique_id": "enrolments:" + enrolled["elector_id"],
        "first_name": enrolled["given_names"].str.split().str[0], "surname": enrolled["family_name"],
        "dob": pd.to_datetime(enrolled["date_of_birth"], format="%d/%m/%Y").dt.strftime("%Y-%m-%d"),
        "house_number": enrolled["street_number"], "street": enrolled["street_name"],
        "suburb": enrolled["suburb"], "postcode": enrolled["postcode"]})
    second = pd.DataFrame({
        "unique_id": "members:" + members["Member No"],
        "first_name": members["Member First"].str.lower(), "surname": members["Member Surname"].str.lower(),
        "dob": members["Born"], "house_number": address[0], "street": address[1],
        "suburb": members["Locality"].str.lower(), "postcode": members["Post Code"]})
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
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"), block_on("surname", "dob"), block_on("first_name", "dob"),
            block_on("house_number", "street", "postcode"), block_on("surname", "postcode")],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            address_comparison("street", "postcode", house_number="house_number"),
        ],
        retain_intermediate_calculation_columns=True,
    )
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


def main() -> None:
    """Generate the registers, link them with the baseline and print its precision, recall and F1."""
    from linkage_public import pairwise_scores
    from public_data import write_au

    people = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as folder:
        paths, truth = write_au(Path(folder), people)
        scores = pairwise_scores(link(standardise(paths)), truth)
    print(f"Australia: precision {scores['precision']:.4f}, recall {scores['recall']:.4f}, F1 {scores['f1']:.4f}")


if __name__ == "__main__":
    main()
