"""Link every person-bearing source into people and households with Splink, and write the person index.

``link_people(workspace)`` is what ``townhall link`` runs: standardise, train (u by random sampling, m by EM, no
labelled data), score pairs, apply reviewers' decisions, cluster at the threshold, group people into households by
address, leave out everyone who opted out, and replace the index in one transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from townhall.errors import TownhallError
from townhall.identity.index import OPTED_OUT, clear_failed_link, record_failed_link, write_index
from townhall.identity.linkage import model
from townhall.identity.linkage.conflicts import reliable_fields, split_contradicting_clusters
from townhall.identity.linkage.prepare import NO_NAME, PreparedSource, prepare_linkage_input
from townhall.identity.linkage.sources import ROLE_LABELS, SourcePlan, plan_sources
from townhall.identity.linkage.training import TrainingPlan, plan_training
from townhall.settings.identity import DEFAULT_REVIEW_BAND, DEFAULT_THRESHOLD
from townhall.store.analytics import scratch_connection
from townhall.store.files import atomic_write_text
from townhall.workspace import current_actor

if TYPE_CHECKING:
    from splink import Linker

    from townhall.workspace import Workspace

Progress = Callable[[str, float], None]

U_SAMPLE_PAIRS = 2_000_000
RANDOM_SEED = 2026
LOWEST_PROBABILITY_KEPT = 0.05
# Each EM round trains on a sample of at most this many pairs: at a million residents "same date of birth" alone
# gives 150 million, more than memory holds, and on common names "same forename and surname" gives millions at
# 200,000 records; a million pairs estimates the m-probabilities as well and took a quarter of the time of five.
EM_MAXIMUM_PAIRS = 1_000_000
# Scoring is split into chunks of about this many records a side, so memory stays flat as the council grows.
RECORDS_PER_SCORING_CHUNK = 400_000
# A field used for linkage filled in fewer than this share of a source's records (once standardised) is warned of.
MOSTLY_FILLED = 0.5


def scoring_chunks(records: int) -> int:
    """How many chunks each side of the scoring join is split into (1 for all but the largest councils)."""
    return max(1, math.ceil(records / RECORDS_PER_SCORING_CHUNK))


@dataclass(frozen=True)
class LinkageOptions:
    """The analyst's choices for linkage, from ``[identity]`` in townhall.toml."""

    threshold: float = DEFAULT_THRESHOLD
    review_band: tuple[float, float] = DEFAULT_REVIEW_BAND
    opt_out_source: str | None = None
    settings_file: Path | None = None

    @classmethod
    def from_workspace(cls, workspace: Workspace, threshold: float | None = None) -> LinkageOptions:
        """Options from townhall.toml, with an explicit threshold taking precedence."""
        settings = workspace.settings.identity
        chosen = threshold if threshold is not None else settings.threshold
        if not 0 < chosen < 1:
            raise TownhallError(f"The linkage threshold must be a probability between 0 and 1, not {chosen}.")
        return cls(threshold=chosen, review_band=settings.review_band,
                   opt_out_source=settings.opt_out_source or _guess_opt_out_source(workspace),
                   settings_file=(workspace.path / settings.settings_file) if settings.settings_file else None)


def _guess_opt_out_source(workspace: Workspace) -> str | None:
    """A source whose name says it lists opt-outs ('opt_outs', 'data_sharing_optouts'), if there is exactly one."""
    names = [summary.name for summary in workspace.catalogue.list_sources()
             if "optout" in summary.name.replace("_", "").replace("-", "").lower()]
    return names[0] if len(names) == 1 else None


@dataclass
class LinkageSummary:
    """What a linkage run did, in figures a person can check."""

    records: int
    persons: int
    households: int
    opted_out_records: int
    threshold: float
    seconds: float
    sources: list[dict[str, Any]]
    left_out: list[dict[str, str]]  # sources left out as a whole, with the reason
    blocking_rules: list[str]
    pairs_for_review: int
    decisions_applied: int
    settings: dict[str, Any] = field(repr=False)
    # Records left out of the index, by reason (no name, organisation, only a name, opted out, source left out).
    records_left_out: dict[str, int] = field(default_factory=dict)
    # Fields used for matching, in words, with how many linked records had each: {"date of birth": 9120, ...}.
    fields_used: dict[str, int] = field(default_factory=dict)
    prior_explained: str = ""
    training_rounds: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def person_key(unique_ids: pd.Series, prefix: str) -> pd.Series:
    """A short stable id from the smallest record id in a group: 'P-3F9A1C22B0'."""
    return unique_ids.map(lambda value: f"{prefix}-{hashlib.sha256(value.encode()).hexdigest()[:10].upper()}")


@contextlib.contextmanager
def _em_probabilities_kept_in_range() -> Iterator[None]:
    """While training, raise any m or u probability EM estimates below Splink's own minimum (1e-300) to it.

    Splink 5.0's EM can drive a level that true matches never show towards zero, reach a denormal such as 1.6e-321,
    and then refuse to store it (ValueError in ``comparison_level._validate_m_u_probability``), so a run crashed
    where the answer is simply "this level is never a match". Splink clamps to the same minimum when it turns m
    and u into match weights, so this changes no score.
    """
    from splink.internals import expectation_maximisation
    from splink.internals.comparison_level import M_U_CLAMP_MIN

    original = expectation_maximisation.populate_m_u_from_lookup

    def kept_in_range(fixed: set[str], level: Any, name: str, lookup: dict[str, dict[int, Any]]) -> None:
        for records in lookup.values():
            for record in records.values():
                for key in ("m_probability", "u_probability"):
                    value = record.get(key)
                    if isinstance(value, float) and value < M_U_CLAMP_MIN:
                        record[key] = M_U_CLAMP_MIN
        original(fixed, level, name, lookup)

    expectation_maximisation.populate_m_u_from_lookup = kept_in_range
    try:
        yield
    finally:
        expectation_maximisation.populate_m_u_from_lookup = original


class LinkageJob:
    """One Splink linkage of the stacked standardised records: train, score, then cluster at any threshold."""

    def __init__(self, records: pd.DataFrame, settings: dict[str, Any], threshold: float = DEFAULT_THRESHOLD) -> None:
        from splink import DuckDBAPI, Linker

        self.threshold = threshold
        self.connection = scratch_connection()
        self.database = DuckDBAPI(self.connection)
        self.records = records
        self.input_table = self.database.register(records)
        self.linker: Linker = Linker(self.input_table, settings, log_level=logging.ERROR)
        self.predictions: Any = None

    def train(self, rounds: list[model.TrainingRound]) -> None:
        """u-probabilities by random sampling, then m-probabilities by EM in the chosen rounds (the prior is set in
        the settings beforehand, from near-certain rules; see ``training``)."""
        logging.getLogger("splink").setLevel(logging.ERROR)
        training = self.linker.training
        training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=RANDOM_SEED)
        with _em_probabilities_kept_in_range():
            for round_ in rounds:
                training.estimate_parameters_using_expectation_maximisation(round_.rule, max_pairs=EM_MAXIMUM_PAIRS)

    def predict(self, lowest_probability: float) -> None:
        """Score every pair the blocking rules find, keeping those at or above ``lowest_probability``."""
        chunks = scoring_chunks(len(self.records))
        self.predictions = self.linker.inference.predict(
            threshold_match_probability=lowest_probability,
            **({"num_chunks_left": chunks, "num_chunks_right": chunks} if chunks > 1 else {}))

    def edges(self, decisions: pd.DataFrame) -> pd.DataFrame:
        """Scored pairs with reviewers' decisions applied: 'same' pairs forced in, 'different' pairs taken out."""
        scored = self.connection.execute(
            f"select unique_id_l, unique_id_r, match_probability from {self.predictions.physical_name}").df()
        if decisions.empty:
            return scored
        ordered = pd.DataFrame({
            "unique_id_l": decisions[["left_unique_id", "right_unique_id"]].min(axis=1),
            "unique_id_r": decisions[["left_unique_id", "right_unique_id"]].max(axis=1),
            "decision": decisions["decision"],
        })
        pair_of = scored[["unique_id_l", "unique_id_r"]].min(axis=1) + "\t" + scored[
            ["unique_id_l", "unique_id_r"]].max(axis=1)
        different = set(ordered.loc[ordered["decision"] == "different", "unique_id_l"] + "\t"
                        + ordered.loc[ordered["decision"] == "different", "unique_id_r"])
        kept = scored.loc[~pair_of.isin(different)]
        known = set(self.records["unique_id"])
        same = ordered.loc[(ordered["decision"] == "same") & ordered["unique_id_l"].isin(known)
                           & ordered["unique_id_r"].isin(known), ["unique_id_l", "unique_id_r"]]
        return pd.concat([kept, same.assign(match_probability=1.0)], ignore_index=True)

    def cluster(self, edges: pd.DataFrame, threshold: float) -> pd.DataFrame:
        """Connected components of the pairs at or above the threshold (unique_id -> cluster, the smallest id in
        it), then clusters whose records contradict each other split again (see ``conflicts``)."""
        from splink.clustering import cluster_pairwise_predictions_at_threshold

        edge_table = self.database.register(edges)
        clusters = cluster_pairwise_predictions_at_threshold(
            self.input_table, edge_table, self.database, "unique_id", threshold_match_probability=threshold)
        frame = self.connection.execute(
            f"select unique_id, cluster_id from {clusters.physical_name}").df()
        clusters.drop_table_from_database_and_remove_from_cache()
        edge_table.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
        smallest = frame.groupby("cluster_id")["unique_id"].transform("min")
        connected = pd.DataFrame({"unique_id": frame["unique_id"], "cluster": smallest})
        return split_contradicting_clusters(connected, edges, self.records, threshold,
                                            reliable_fields(self.trained_settings()))

    def trained_settings(self) -> dict[str, Any]:
        """The model as a Splink settings dictionary, with the trained m and u probabilities."""
        return self.linker.misc.save_model_to_json()

    def review_pairs(self, band: tuple[float, float]) -> pd.DataFrame:
        """Pairs scored inside the review band, each with its evidence as JSON for the review page."""
        low, high = band
        rows = self.connection.execute(
            f"select * from {self.predictions.physical_name} "
            "where match_probability >= ? and match_probability < ?", [low, high]).df()
        return pd.DataFrame({
            "left_unique_id": rows["unique_id_l"] if len(rows) else pd.Series(dtype="str"),
            "right_unique_id": rows["unique_id_r"] if len(rows) else pd.Series(dtype="str"),
            "match_weight": rows.get("match_weight", pd.Series(dtype="float")),
            "match_probability": rows.get("match_probability", pd.Series(dtype="float")),
            "evidence": [json.dumps(item) for item in evidence_of(rows, self.trained_settings())],
        })

    def close(self) -> None:
        """Free the in-memory database."""
        self.connection.close()


# Which input columns to show, per comparison, as the values compared.
_COMPARED_VALUES = {
    "forename": ("first_name",),
    "middle_names": ("middle_names",),
    "surname": ("surname",),
    "date_of_birth": ("date_of_birth", "birth_year"),
    "sex": ("sex",),
    "nhs_number": ("nhs_number",),
    "other_id": ("other_id",),
    "location": ("uprn", "house_street", "postcode", "town"),
}
# Comparison names as a reviewer reads them.
_COMPARISON_LABELS = {"other_id": "personal code", "middle_names": "middle names", "date_of_birth": "date of birth",
                      "nhs_number": "NHS number"}


def _values(rows: pd.DataFrame, column: str, missing: object = None) -> list[Any]:
    """One column of the scored pairs as a list; ``missing`` for every pair when Splink did not keep the column."""
    return rows[column].tolist() if column in rows.columns else [missing] * len(rows)


def _shown(values: tuple[object, ...], first_only: bool) -> str:
    shown = [str(value) for value in values if value is not None and not pd.isna(value) and str(value)]
    return " ".join(shown[:1] if first_only else shown)


def _shown_side(rows: pd.DataFrame, columns: tuple[str, ...], side: str) -> list[str]:
    """Per pair, the values one side was compared on, as a reviewer reads them."""
    if not columns:
        return [""] * len(rows)
    first_only = columns[0] == "date_of_birth"
    sides = zip(*(_values(rows, f"{column}_{side}") for column in columns), strict=True)
    return [_shown(values, first_only) for values in sides]


def _number(value: object) -> float:
    """A match weight from a scored pair; a missing one counts as no evidence."""
    return 0.0 if value is None or pd.isna(value) else float(value)


def evidence_of(rows: pd.DataFrame, settings: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """For each scored pair, the waterfall: the prior, then each comparison's level and match weight."""
    prior = settings.get("probability_two_random_records_match", 0.0001)
    start = {"comparison": "starting point", "level": "Two records picked at random",
             "match_weight": math.log2(prior / (1 - prior)), "left": "", "right": ""}
    levels: dict[str, dict[int, str]] = {}
    for comparison in settings["comparisons"]:
        ordered = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        name = comparison["output_column_name"]
        levels[name] = {len(ordered) - 1 - position: level.get("label_for_charts", "")
                        for position, level in enumerate(ordered)}
        levels[name][-1] = "Missing on one side"
    # Built a column at a time: DataFrame.iterrows made this the slowest step of scoring at 100,000 residents.
    result: list[list[dict[str, Any]]] = [[start] for _ in range(len(rows))]
    for name, labels in levels.items():
        compared = _COMPARED_VALUES.get(name, ())
        # Splink 5 keeps each comparison's match weight (log2 Bayes factor) and its term-frequency adjustment.
        columns = zip(_values(rows, f"gamma_{name}", -1), _values(rows, f"mw_{name}"),
                      _values(rows, f"mw_tf_adj_{name}"), _shown_side(rows, compared, "l"),
                      _shown_side(rows, compared, "r"), strict=True)
        for items, (gamma, weight, adjustment, left, right) in zip(result, columns, strict=True):
            items.append({"comparison": _COMPARISON_LABELS.get(name, name), "level": labels.get(int(gamma), ""),
                          "match_weight": round(_number(weight) + _number(adjustment), 3),
                          "left": left, "right": right})
    return result


def _settings_for(records: pd.DataFrame, options: LinkageOptions,
                  columns: set[str]) -> tuple[dict[str, Any], list[str], TrainingPlan]:
    """The Splink settings: the analyst's file if townhall.toml names one, else generated from the data, with the
    training plan (blocking rules, prior and EM rounds) decided from counts on the data."""
    plan, comparisons = plan_training(records, columns)
    if options.settings_file is not None:
        try:
            settings = json.loads(options.settings_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise TownhallError(f"Could not read the linkage settings file {options.settings_file}: {error}") from None
        rules = [rule["blocking_rule"] if isinstance(rule, dict) else rule
                 for rule in settings.get("blocking_rules_to_generate_predictions", [])]
        settings.setdefault("probability_two_random_records_match", plan.prior)
        return settings, rules, plan
    rules = [rule.sql for rule in plan.blocking_rules]
    return model.base_settings(comparisons, rules, prior=plan.prior), rules, plan


def _read_decisions(workspace: Workspace) -> pd.DataFrame:
    """Reviewers' latest 'same person' / 'different people' decisions."""
    from townhall.identity.review import review_decisions

    return review_decisions(workspace)


def _most_common(frame: pd.DataFrame, group: str, column: str) -> pd.Series:
    """Per group, the most common non-missing value of a column (ties: the first seen)."""
    present = frame.loc[frame[column].notna(), [group, column]]
    counts = present.groupby([group, column], sort=False).size().rename("count").reset_index()
    counts = counts.sort_values("count", ascending=False, kind="stable").drop_duplicates(group)
    return counts.set_index(group)[column]


def _display_name(name: object) -> object:
    """A standardised name written for display: "o'brien" -> "O'Brien"."""
    return name.title() if isinstance(name, str) else name


def build_persons(records: pd.DataFrame) -> pd.DataFrame:
    """Each person's best identity (most common name, date of birth and NHS number; latest address)."""
    by = "person_id"
    persons = pd.DataFrame(index=pd.Index(records[by].unique(), name=by))
    names = records.assign(full=records["first_name"].fillna("") + "\t" + records["surname"].fillna(""))
    best = _most_common(names, by, "full").str.split("\t", expand=True)
    persons["first_name"] = best[0].replace("", None).map(_display_name)
    persons["surname"] = best[1].replace("", None).map(_display_name)
    persons["date_of_birth"] = _most_common(records, by, "date_of_birth")
    persons["nhs_number"] = _most_common(records, by, "nhs_number")
    placed = records.loc[records["address"].notna() | records["postcode"].notna() | records["uprn"].notna()]
    latest = placed.sort_values(["record_date", "unique_id"], ascending=[False, True], na_position="last",
                                kind="stable").drop_duplicates(by).set_index(by)
    persons["address"] = latest["address"]
    persons["postcode"] = latest["postcode"]
    persons["uprn"] = latest["uprn"].fillna(_most_common(records, by, "uprn"))
    persons["house_street"] = latest["house_street"]
    persons["address_key"] = latest["address_key"]
    persons["address_withheld"] = records.groupby(by)["address_withheld"].any()
    persons["record_count"] = records.groupby(by).size()
    distinct_sources = records[[by, "source"]].drop_duplicates().sort_values([by, "source"])
    persons["sources"] = distinct_sources.groupby(by, sort=False)["source"].agg(list)
    return persons.reset_index()


def build_households(persons: pd.DataFrame, records: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """People whose current address is the same property (UPRN, or the same house and street) form a household."""
    uprn_of_house = _most_common(records.loc[records["uprn"].notna()], "house_street", "uprn")
    uprn = persons["uprn"].where(persons["uprn"].notna(), persons["house_street"].map(uprn_of_house.to_dict()))
    key = ("U:" + uprn).fillna("A:" + persons["house_street"]).fillna("P:" + persons["person_id"])
    household_id = person_key(key.groupby(key).transform("min"), "H")
    members = persons.assign(household_id=household_id, key=key, uprn_filled=uprn)
    withheld = members.groupby("household_id")["address_withheld"].any()
    first = members.sort_values("person_id").drop_duplicates("household_id").set_index("household_id")
    households = pd.DataFrame({
        "household_id": first.index,
        "address": first["address"].to_numpy(),
        "postcode": first["postcode"].to_numpy(),
        "uprn": first["uprn_filled"].to_numpy(),
        "address_key": first["address_key"].to_numpy(),
        "members": members.groupby("household_id").size().reindex(first.index).to_numpy(),
        "address_withheld": withheld.reindex(first.index).to_numpy(),
    })
    return households, household_id


def link_people(workspace: Workspace, *, threshold: float | None = None, progress: Progress | None = None,
                job_callback: Callable[[LinkageJob, pd.DataFrame], None] | None = None) -> LinkageSummary:
    """Link every person-bearing source, cluster into people and households, and replace the person index.

    ``job_callback`` (used by ``--evaluate``) receives the trained job and the edges before the job is closed.
    A run that fails leaves the previous index as it was and is recorded, so the index says it is out of date.
    """
    try:
        summary = _link_people(workspace, threshold, progress or (lambda _step, _fraction: None), job_callback)
    except BaseException as error:
        record_failed_link(workspace, error)
        raise
    return summary


def _fields_used(records: pd.DataFrame, columns: set[str]) -> dict[str, int]:
    """The fields the model compares, in words, with how many linked records had each."""
    used: dict[str, int] = {}
    for column, label in ROLE_LABELS.items():
        if column not in columns or column not in records:
            continue
        filled = records[column].notna()
        if column == "birth_year":  # only where it came from an age, not from a date of birth
            filled &= records["date_of_birth"].isna()
        if filled.any():
            used[label] = int(filled.sum())
    return used


def _mostly_empty_warnings(prepared: list[PreparedSource], columns: set[str]) -> list[str]:
    """A warning per field used for linkage that is filled in under half of its source's records once
    standardised, naming the source, the field and the share filled."""
    warnings = []
    for item in prepared:
        records = len(item.records)
        for column, filled in item.filled.items():
            # Parts read out of an address line (town, street) are often absent by design: only a role's own
            # field, or the full name a forename and surname come from, is warned of.
            field_name = getattr(item.plan, column, None) or (
                item.plan.full_name if column in ("first_name", "surname") else None)
            if not records or not field_name or column not in columns or filled >= MOSTLY_FILLED * records:
                continue
            written = item.written.get(column, 0)
            lost = (f"; {written / records:.0%} had a value, so most could not be read: check its format with "
                    f"'townhall sources show {item.plan.source}'") if written - filled > 0.1 * records else ""
            warnings.append(f"{item.plan.source}.{field_name} ({ROLE_LABELS.get(column, column)}) is filled in only "
                            f"{filled / records:.0%} of {records:,} records after standardisation{lost}.")
    return warnings


def _leave_out_opted_out(linked: pd.DataFrame, options: LinkageOptions) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The linked records without everyone who opted out (any record of theirs in the opt-out source), and the
    records left out. Kept as one call so that another matcher of opt-outs can be put in its place."""
    opted_out_people = set(linked.loc[linked["source"] == options.opt_out_source, "person_id"]) \
        if options.opt_out_source else set()
    is_opted_out = linked["person_id"].isin(opted_out_people)
    return (linked.loc[~is_opted_out].copy(),
            linked.loc[is_opted_out, ["unique_id", "source", "record_id", "row_number"]])


def _counts_by_reason(left_out: pd.DataFrame, opted_out: int) -> dict[str, int]:
    """Records left out of the index, by reason ('source left out: ...' counted as one reason)."""
    reasons = left_out["reason"].str.split(":").str[0].value_counts().to_dict() if len(left_out) else {}
    counts = {str(reason): int(count) for reason, count in reasons.items()}
    if opted_out:
        counts[OPTED_OUT] = opted_out
    return counts


def _link_people(workspace: Workspace, threshold: float | None, report: Progress,
                 job_callback: Callable[[LinkageJob, pd.DataFrame], None] | None) -> LinkageSummary:
    started = time.perf_counter()
    options = LinkageOptions.from_workspace(workspace, threshold)
    plans = plan_sources(workspace)
    records, prepared, left_out = prepare_linkage_input(
        workspace, plans, progress=lambda step, fraction: report(step, 0.15 * fraction))
    if records.empty:
        raise TownhallError("No registered source holds people's names with a date of birth, NHS number or "
                            "address, so there is nothing to link. Register sources with 'townhall sources add' "
                            "and check their field tags.")
    columns = model.usable_columns(records)
    report("Choosing how to find and score pairs", 0.15)
    settings, rules, training = _settings_for(records, options, columns)
    report("Estimating the linkage model (no labelled data needed)", 0.2)
    job = LinkageJob(records, settings, options.threshold)
    try:
        job.train(training.rounds)
        report("Scoring pairs of records", 0.5)
        job.predict(min(LOWEST_PROBABILITY_KEPT, options.review_band[0], options.threshold))
        report("Clustering records into people", 0.7)
        decisions = _read_decisions(workspace)
        edges = job.edges(decisions)
        clusters = job.cluster(edges, options.threshold)
        if job_callback is not None:
            job_callback(job, edges)
        pairs = job.review_pairs(options.review_band)
        trained = job.trained_settings()
    finally:
        job.close()
    report("Building people and households", 0.85)
    linked = records.merge(clusters, on="unique_id", how="left")
    linked["cluster"] = linked["cluster"].fillna(linked["unique_id"])
    linked["person_id"] = person_key(linked["cluster"], "P")
    confident = edges.loc[edges["match_probability"] >= options.threshold]
    best_link = pd.concat([confident[["unique_id_l", "match_probability"]].set_axis(["unique_id", "p"], axis=1),
                           confident[["unique_id_r", "match_probability"]].set_axis(["unique_id", "p"], axis=1)]
                          ).groupby("unique_id")["p"].max()
    linked["link_confidence"] = linked["unique_id"].map(best_link)
    kept, opted_out = _leave_out_opted_out(linked, options)
    persons = build_persons(kept)
    households, household_of_person = build_households(persons, kept)
    persons["household_id"] = household_of_person.to_numpy()
    withheld_households = set(households.loc[households["address_withheld"], "household_id"])
    persons["address_withheld"] = persons["household_id"].isin(withheld_households)
    kept["household_id"] = kept["person_id"].map(persons.set_index("person_id")["household_id"])
    kept["record_date"] = kept["record_date"].dt.date
    kept_ids = set(kept["unique_id"])
    pairs = pairs.loc[pairs["left_unique_id"].isin(kept_ids) & pairs["right_unique_id"].isin(kept_ids)]
    sources = [{"source": item.plan.source, "records": len(item.records), "organisations": item.organisations,
                "too_little_to_link": item.too_little, "no_name": int((item.left_out["reason"] == NO_NAME).sum()),
                "fields": {ROLE_LABELS[column]: filled for column, filled in item.filled.items()
                           if filled and column in columns and item.plan.field_of(column)},
                "notes": item.notes}
               for item in prepared]
    summary = LinkageSummary(
        records=len(kept), persons=len(persons), households=len(households), opted_out_records=len(opted_out),
        threshold=options.threshold, seconds=0.0, sources=sources,
        left_out=[{"source": plan.source, "reason": plan.left_out_because} for plan in plans if not plan.linked],
        blocking_rules=rules, pairs_for_review=len(pairs), decisions_applied=len(decisions), settings=trained,
        records_left_out=_counts_by_reason(left_out, len(opted_out)), fields_used=_fields_used(records, columns),
        prior_explained=training.prior_explained,
        training_rounds=[round_.description for round_ in training.rounds],
        warnings=_mostly_empty_warnings(prepared, columns))
    report("Writing the person index", 0.95)
    _commit_index(workspace, summary, records=kept, persons=persons, households=households, pairs=pairs,
                  opted_out=opted_out, left_out=left_out)
    report("Done", 1.0)
    summary.seconds = time.perf_counter() - started
    return summary


def _commit_index(workspace: Workspace, summary: LinkageSummary, **tables: pd.DataFrame) -> None:
    """The one commit point of a run: the index and its run row in one transaction, then the model file, then the
    audit entry. A failure before the transaction commits leaves the previous index as it was."""
    trained = summary.settings
    versions = {source.name: source.version for source in workspace.catalogue.list_sources()}
    write_index(
        workspace, **tables,
        run={"finished_at": pd.Timestamp.now(tz="UTC").tz_localize(None).to_pydatetime(), "run_by": current_actor(),
             "threshold": summary.threshold, "records": summary.records, "persons": summary.persons,
             "households": summary.households, "opted_out_records": summary.opted_out_records,
             "sources": json.dumps(summary.sources), "settings": json.dumps(trained, default=str),
             "summary": json.dumps({
                 "fields_used": summary.fields_used, "records_left_out": summary.records_left_out,
                 "prior": summary.prior_explained, "training_rounds": summary.training_rounds,
                 "blocking_rules": summary.blocking_rules, "warnings": summary.warnings,
                 "source_versions": versions, "left_out_sources": summary.left_out})})
    # The model file follows the index, so a failed index write leaves both as the previous run left them.
    model_folder = workspace.path / "models" / "linkage"
    model_folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(model_folder / "model.json", json.dumps(trained, indent=2, default=str))
    clear_failed_link(workspace)
    _apply_recorded_moves(workspace)
    workspace.audit.record(current_actor(), "identity.linked", "person index", details={
        "records": summary.records, "persons": summary.persons, "households": summary.households,
        "opted_out_records": summary.opted_out_records, "threshold": summary.threshold,
        "decisions_applied": summary.decisions_applied, "records_left_out": summary.records_left_out})


def _apply_recorded_moves(workspace: Workspace) -> None:
    """Re-apply tell-us-once changes of address recorded since, so a re-link does not undo them."""
    from townhall.identity.tell_us_once import apply_recorded_moves

    apply_recorded_moves(workspace)


__all__ = ["LinkageJob", "LinkageOptions", "LinkageSummary", "SourcePlan", "build_households", "build_persons",
           "link_people"]
