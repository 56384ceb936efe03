"""Schema inference: decide each field's type and suggested tags from a sample, check the choice on every row, and
refuse a column that changes meaning part-way down the file.

A type is chosen only when about 95% of the filled values fit it; values that do not fit are stored empty and listed
as failing rows. Identifier-like fields (leading zeros, NHS numbers, phone numbers, UPRNs, postcodes, ids, codes)
stay text so that nothing like '01234' ever loses its zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import duckdb

from townhall.catalogue.date_columns import DATE_LIKE_PATTERN, SERIAL_PATTERN, DetectedDates, detect_date_column
from townhall.catalogue.models import IDENTIFIER_TAG
from townhall.catalogue.quality import postcode_format
from townhall.catalogue.readers import StagedFile
from townhall.catalogue.tagging import ValueEvidence, name_words, suggest_tags
from townhall.errors import InputFileError

SAMPLE_ROWS = 50_000
TYPE_SHARE = 0.95
_IDENTIFIER_LIKE_TAGS = {"nhs_number", "phone", "uprn", "postcode", IDENTIFIER_TAG}
_ETHNICITY_WORDS = (
    "white", "black", "asian", "mixed", "british", "irish", "caribbean", "african", "pakistani", "indian",
    "bangladeshi", "chinese", "gypsy", "roma", "traveller", "arab", "multiple ethnic",
)
_RELIGION_WORDS = (
    "christian", "christianity", "muslim", "islam", "hindu", "sikh", "jewish", "judaism", "buddhist", "atheist",
    "no religion", "catholic", "church of england", "agnostic",
)
_ADDRESS_PATTERN = (
    r"^(flat |apartment |unit )?[0-9]+[a-z]?,? .*\b(road|street|avenue|lane|close|drive|way|court|crescent|place|"
    r"gardens|terrace|grove|row|walk|square|hill|park|rise|mews|green|parade|view|st|rd|ave)\b"
)


@dataclass
class ColumnPlan:
    """How one staging column becomes a stored field: its type, the SQL that converts it and the tags suggested."""

    index: int
    name: str
    data_type: str
    sql_type: str
    conversion: str
    suggested_tags: list[str]
    filled: int = 0
    facts: dict[str, object] = field(default_factory=dict)
    dates: DetectedDates | None = None  # set when the column is read as dates through a lookup of its values

    @property
    def staging_column(self) -> str:
        """The staging table's name for this column."""
        return f"c{self.index}"


def _braces(pattern: str) -> str:
    """A regular expression with its braces doubled, to sit inside a str.format template."""
    return pattern.replace("{", "{{").replace("}", "}}")


def _words_pattern(words: tuple[str, ...]) -> str:
    return r"\b(" + "|".join(words) + r")\b"


def _sample_source(staged: StagedFile) -> str:
    if staged.rows > SAMPLE_ROWS:
        return f"(SELECT * FROM staging USING SAMPLE reservoir({SAMPLE_ROWS} ROWS) REPEATABLE (42))"
    return "staging"


_SAMPLE_MEASURES = {
    "filled": "count({c})",
    "distinct": "count(DISTINCT {c})",
    "integers": "count_if(th_is_integer({c}))",
    "decimals": "count_if(th_is_decimal({c}))",
    "money": "count_if(th_is_decimal({c}) AND contains({c}, '£'))",
    "leading_zeros": "count_if(regexp_full_match({c}, '[-+]?0[0-9]+'))",
    "long_numbers": "count_if(regexp_full_match({c}, '[-+]?[0-9]{{10,}}'))",
    "booleans": "count_if(th_is_boolean({c}))",
    "dates": "count({t})",
    "with_time": "count_if(CAST({t} AS TIME) <> TIME '00:00:00')",
    "birth_dates": "count_if(CAST({t} AS DATE) BETWEEN DATE '1900-01-01' AND current_date)",
    "year_low": "quantile_cont(year({t}), 0.05)",
    "year_high": "quantile_cont(year({t}), 0.95)",
    "nhs_numbers": "count_if(th_nhs_number_is_valid({c}))",
    "postcodes": "count(th_normalise_postcode({c}))",
    "emails": "count_if(th_email_is_valid({c}))",
    "phones": "count_if(th_uk_phone_is_valid({c}))",
    "addresses": f"count_if(regexp_matches(lower({{c}}), '{_ADDRESS_PATTERN}'))",
    "ethnicities": f"count_if(regexp_matches(lower({{c}}), '{_words_pattern(_ETHNICITY_WORDS)}'))",
    "ethnicity_values": (
        f"count(DISTINCT CASE WHEN regexp_matches(lower({{c}}), '{_words_pattern(_ETHNICITY_WORDS)}') "
        "THEN lower({c}) END)"
    ),
    "religions": f"count_if(regexp_matches(lower({{c}}), '{_words_pattern(_RELIGION_WORDS)}'))",
    "religion_values": (
        f"count(DISTINCT CASE WHEN regexp_matches(lower({{c}}), '{_words_pattern(_RELIGION_WORDS)}') "
        "THEN lower({c}) END)"
    ),
    "plain_integers": "count_if(regexp_full_match({c}, '[-+]?[0-9]+'))",
    "comma_decimals": "count_if(th_is_decimal_comma({c}) AND contains({c}, ','))",
    "comma_not_thousands": "count_if(regexp_full_match({c}, '[-+]?£?[0-9]+,([0-9]{{1,2}}|[0-9]{{4,}})'))",
    "codes": "count_if(regexp_full_match({c}, '[A-Za-z0-9/_-]*[0-9][A-Za-z0-9/_-]*'))",
    "max_length": "max(length({c}))",
    "date_like": "count_if(regexp_full_match({c}, '" + _braces(DATE_LIKE_PATTERN) + "'))",
    "with_digits": "count_if(regexp_matches({c}, '[0-9]'))",
    "serials": "count_if(regexp_full_match({c}, '" + _braces(SERIAL_PATTERN) + "'))",
}


def _with_parsed_dates(source: str, columns: list[str]) -> str:
    """``source`` plus a parsed-timestamp column t<n> for each c<n>, so the date parser is bound once per column."""
    parsed = ", ".join(f"th_parse_timestamp({column}) AS t{column[1:]}" for column in columns)
    return f"(SELECT *, {parsed} FROM {source})" if columns else source


def _measure_sample(connection: duckdb.DuckDBPyConnection, source: str,
                    columns: list[str]) -> list[dict[str, float]]:
    """Every sample measure for every column, one dict per column.

    The columns are unpivoted into (column, value) pairs so each measure is written (and its regular expressions
    compiled) once, not once per column: planning cost stays flat however wide the file is.
    """
    if not columns:
        return []
    expressions = ", ".join(template.format(c="v", t="t") for template in _SAMPLE_MEASURES.values())
    found = connection.execute(
        f"SELECT col, {expressions} FROM (SELECT col, v, th_parse_timestamp(v) AS t FROM "
        f"(UNPIVOT (SELECT {', '.join(columns)} FROM {source}) ON {', '.join(columns)} INTO NAME col VALUE v)) "
        "GROUP BY col"
    ).fetchall()
    by_column = {row[0]: row[1:] for row in found}
    results = []
    for column in columns:
        values = by_column.get(column, (None,) * len(_SAMPLE_MEASURES))
        results.append({name: float(value) if value is not None else 0.0
                        for name, value in zip(_SAMPLE_MEASURES, values, strict=True)})
    return results


def _evidence(stats: dict[str, float]) -> ValueEvidence:
    filled = stats["filled"]
    if not filled:
        return ValueEvidence()

    def share(key: str) -> float:
        return stats[key] / filled

    return ValueEvidence(
        filled=int(filled), distinct=int(stats["distinct"]), nhs_numbers=share("nhs_numbers"),
        postcodes=share("postcodes"), emails=share("emails"), phones=share("phones"), addresses=share("addresses"),
        ethnicities=share("ethnicities"), ethnicity_values=int(stats["ethnicity_values"]),
        religions=share("religions"), religion_values=int(stats["religion_values"]),
        all_unique_codes=(filled >= 20 and stats["distinct"] == filled and stats["codes"] == filled
                          and stats["max_length"] <= 24 and share("dates") < 0.5),
        numbers=share("decimals"),
        booleans=share("booleans"),
        is_date=share("dates") >= TYPE_SHARE,
        plausible_birth_dates=share("birth_dates"),
        birth_year_spread=stats["year_high"] - stats["year_low"],
    )


def _is_identifier_like(name: str, tags: list[str], stats: dict[str, float]) -> bool:
    """Ids, codes and numbers with leading zeros stay text: arithmetic on them is meaningless and zeros matter."""
    words = name_words(name)
    return bool(
        set(tags) & _IDENTIFIER_LIKE_TAGS
        or stats["leading_zeros"] > 0
        or stats["long_numbers"] > 0
        or (words and words[-1] in {"code", "codes"})
    )


def _candidate_type(stats: dict[str, float], identifier_like: bool, delimiter: str | None = None) -> str:
    filled = stats["filled"]
    if not filled:
        return "text"
    if stats["booleans"] / filled >= TYPE_SHARE:
        return "boolean"
    if not identifier_like and stats["integers"] / filled >= TYPE_SHARE:
        return "integer"
    if not identifier_like and stats["decimals"] / filled >= TYPE_SHARE:
        return "decimal"
    if stats["dates"] / filled >= TYPE_SHARE:
        return "datetime" if stats["with_time"] else "date"
    # Semicolon-separated files often come from Excel set up with a decimal comma: 113,28 means 113.28. Only when
    # some value cannot be a thousands separator (113,28 or 1,5), never for 1,234.
    if (delimiter == ";" and not identifier_like and stats["comma_not_thousands"]
            and (stats["comma_decimals"] + stats["plain_integers"]) / filled >= TYPE_SHARE):
        return "decimal_comma"
    return "text"


_FULL_MEASURES = {
    "integer": {
        "matching": "count_if(th_is_integer({c}))",
        "leading_zeros": "count_if(regexp_full_match({c}, '[-+]?0[0-9]+'))",
        "long_numbers": "count_if(regexp_full_match({c}, '[-+]?[0-9]{{10,}}'))",
    },
    "decimal": {
        "matching": "count_if(th_is_decimal({c}))",
        "scale": "max(CASE WHEN th_is_decimal({c}) THEN length(split_part(th_number_text({c}), '.', 2)) END)",
        "whole_digits": (
            "max(CASE WHEN th_is_decimal({c}) THEN length(ltrim(split_part(th_number_text({c}), '.', 1), '+-0')) END)"
        ),
        "exponents": "count_if(th_is_decimal({c}) AND regexp_matches({c}, '[eE]'))",
        # Exports from R and pandas write counts as 1.0, 2.0: whole numbers all the same.
        "whole": "count_if(th_is_integer({c}) OR regexp_full_match({c}, '[-+]?[0-9]+\\.0+'))",
        "leading_zeros": "count_if(regexp_full_match({c}, '[-+]?0[0-9]+'))",
    },
    "date": {"matching": "count({t})", "with_time": "count_if(CAST({t} AS TIME) <> TIME '00:00:00')"},
    "boolean": {"matching": "count_if(th_is_boolean({c}))"},
}
_FULL_MEASURES["datetime"] = _FULL_MEASURES["date"]
_FULL_MEASURES["decimal_comma"] = {
    "matching": "count_if(th_is_decimal_comma({c}))",
    "scale": "max(length(split_part({c}, ',', 2)))",
    "whole_digits": "max(length(ltrim(split_part(replace({c}, '£', ''), ',', 1), '+-0')))",
    "exponents": "0",
    "whole": "count_if(regexp_full_match({c}, '[-+]?£?[0-9]+(,0+)?'))",
    "leading_zeros": "count_if(regexp_full_match({c}, '[-+]?0[0-9]+(,[0-9]+)?'))",
}


def _conversion(data_type: str, column: str, facts: dict[str, object]) -> tuple[str, str]:
    """The stored SQL type and the expression converting the staging text; failures become NULL."""
    if data_type == "integer" and facts.get("whole_decimals"):
        return "BIGINT", (f"CASE WHEN th_is_decimal({column}) THEN "
                          f"try_cast(try_cast(th_number_text({column}) AS DECIMAL(18,0)) AS BIGINT) END")
    if data_type == "integer":
        return "BIGINT", f"CASE WHEN th_is_integer({column}) THEN try_cast(replace({column}, ',', '') AS BIGINT) END"
    if data_type == "decimal" and facts.get("decimal_comma"):
        sql_type = str(facts.get("sql_type", "DOUBLE"))
        return sql_type, (f"CASE WHEN th_is_decimal_comma({column}) THEN "
                          f"try_cast(replace(replace({column}, '£', ''), ',', '.') AS {sql_type}) END")
    if data_type == "decimal":
        sql_type = str(facts.get("sql_type", "DOUBLE"))
        return sql_type, f"CASE WHEN th_is_decimal({column}) THEN try_cast(th_number_text({column}) AS {sql_type}) END"
    if data_type == "date":
        return "DATE", f"CAST(th_parse_timestamp({column}) AS DATE)"
    if data_type == "datetime":
        return "TIMESTAMP", f"th_parse_timestamp({column})"
    if data_type == "boolean":
        return "BOOLEAN", f"th_to_boolean({column})"
    return "VARCHAR", column


def plan_columns(connection: duckdb.DuckDBPyConnection, staged: StagedFile, display_name: str, *,
                 known_tags: dict[str, list[str]] | None = None) -> list[ColumnPlan]:
    """Decide type, conversion and suggested tags for every staged column, checking the types against every row.

    ``known_tags`` (field name in lower case → tags a person confirmed on an earlier version) take the place of
    suggestions when deciding whether a field is identifier-like.
    """
    known_tags = known_tags or {}
    columns = [f"c{index}" for index in range(len(staged.columns))]
    sample = _measure_sample(connection, _sample_source(staged), columns)
    plans: list[ColumnPlan] = []
    for index, (name, stats) in enumerate(zip(staged.columns, sample, strict=True)):
        filled = stats["filled"]
        dates = detect_date_column(
            connection, index, name, date_like=stats["date_like"] / filled if filled else 0.0,
            serials=stats["serials"] / filled if filled else 0.0, type_share=TYPE_SHARE,
        ) if filled else None
        evidence = _evidence(stats)
        if dates is not None:
            evidence = replace(evidence, is_date=True, numbers=0.0, plausible_birth_dates=dates.birth_share,
                               birth_year_spread=dates.year_spread, all_unique_codes=False)
        suggested = suggest_tags(name, evidence)
        tags = known_tags.get(name.lower(), suggested)
        identifier_like = _is_identifier_like(name, tags, stats)
        data_type = dates.data_type if dates is not None else _candidate_type(stats, identifier_like, staged.delimiter)
        facts: dict[str, object] = {
            "identifier_like": identifier_like,
            "money": bool(stats["decimals"] and stats["money"] / stats["decimals"] >= 0.5),
        }
        if dates is not None:
            facts.update(dates.facts())
        if "postcode" in tags and filled:
            facts["postcode_format"] = postcode_format(int(filled), int(stats["postcodes"]), int(stats["with_digits"]))
        plans.append(ColumnPlan(index=index, name=name, data_type=data_type, sql_type="VARCHAR",
                                conversion=f"c{index}", suggested_tags=suggested, facts=facts, dates=dates))
    _check_types_on_every_row(connection, plans)
    _refuse_meaning_changes(connection, plans, known_tags, display_name)
    for plan in plans:
        if plan.dates is not None:
            plan.sql_type, plan.conversion = plan.dates.conversion(plan.staging_column)
        else:
            plan.sql_type, plan.conversion = _conversion(plan.data_type, plan.staging_column, plan.facts)
    return plans


def _check_types_on_every_row(connection: duckdb.DuckDBPyConnection, plans: list[ColumnPlan]) -> None:
    """Count filled values everywhere, and fall back to text where the sample's type does not hold for the file."""
    expressions = [f"count({plan.staging_column})" for plan in plans]
    keys: list[tuple[ColumnPlan, str]] = []
    dated = []
    for plan in plans:
        if plan.dates is not None:  # already read on every distinct value
            continue
        if plan.data_type in {"date", "datetime"}:
            dated.append(plan.staging_column)
        for key, template in _FULL_MEASURES.get(plan.data_type, {}).items():
            expressions.append(template.format(c=plan.staging_column, t=f"t{plan.index}"))
            keys.append((plan, key))
    row = connection.execute(
        f"SELECT {', '.join(expressions)} FROM {_with_parsed_dates('staging', dated)}"
    ).fetchone() or ()
    for plan, value in zip(plans, row[: len(plans)], strict=True):
        plan.filled = int(value or 0)
    measured: dict[int, dict[str, float]] = {}
    for (plan, key), value in zip(keys, row[len(plans):], strict=True):
        measured.setdefault(plan.index, {})[key] = float(value or 0)
    for plan in plans:
        figures = measured.get(plan.index)
        if not figures:
            continue
        if not plan.filled or figures["matching"] / plan.filled < TYPE_SHARE or figures.get("leading_zeros", 0) \
                or figures.get("long_numbers", 0):
            plan.data_type = "text"
            continue
        if plan.data_type in {"date", "datetime"}:
            plan.data_type = "datetime" if figures["with_time"] else "date"
        if plan.data_type == "decimal_comma":
            plan.data_type = "decimal"
            plan.facts["decimal_comma"] = True
        if plan.data_type == "decimal":
            scale = int(figures["scale"])
            whole = int(figures["whole_digits"])
            fits = not figures["exponents"] and scale <= 6 and whole + scale <= 18
            plan.facts["sql_type"] = f"DECIMAL(18,{scale})" if fits else "DOUBLE"
            if (figures["whole"] == figures["matching"] and whole <= 15 and not plan.facts.get("money")
                    and not plan.facts.get("decimal_comma")):
                plan.data_type = "integer"
                plan.facts["whole_decimals"] = True


_KIND_NAMES = {1: "dates", 2: "numbers", 3: "text"}


def _kind_sql(column: str) -> str:
    return (f"CASE WHEN {column} IS NULL THEN 0 WHEN th_parse_timestamp({column}) IS NOT NULL THEN 1 "
            f"WHEN th_is_decimal({column}) THEN 2 ELSE 3 END")


def _refuse_meaning_changes(connection: duckdb.DuckDBPyConnection, plans: list[ColumnPlan],
                            known_tags: dict[str, list[str]], display_name: str) -> None:
    """Refuse a column whose values are one kind (dates, numbers) and then, for a long run, another kind.

    A few odd values are a quality problem; hundreds of money amounts in a row after a run of dates mean two
    tables were stacked together or a column was reused, and every figure drawn from it would be wrong.
    """
    import numpy as np  # imported here, so the command line starts without it

    candidates = []
    for plan in plans:
        tags = known_tags.get(plan.name.lower(), plan.suggested_tags)
        other_tags = [tag for tag in tags if tag != "date_of_birth"]
        if plan.filled >= 40 and not other_tags and not plan.facts.get("identifier_like") and plan.dates is None:
            candidates.append(plan)
    if not candidates:
        return
    head = connection.execute(
        f"SELECT {', '.join(f'{_kind_sql(plan.staging_column)} AS k{n}' for n, plan in enumerate(candidates))} "
        "FROM (SELECT * FROM staging ORDER BY _row_number LIMIT 2000)"
    ).fetchnumpy()
    for position, plan in enumerate(candidates):
        kinds = np.asarray(head[f"k{position}"])
        filled = kinds[kinds != 0]
        start = filled[: min(200, max(10, plan.filled // 10))]
        if len(start) < 10:
            continue
        values, counts = np.unique(start, return_counts=True)
        start_kind = int(values[np.argmax(counts)])
        if start_kind == 3 or counts.max() / len(start) < 0.98:
            continue
        _find_change(connection, plan, start_kind, len(start), display_name)


def _find_change(connection: duckdb.DuckDBPyConnection, plan: ColumnPlan, start_kind: int, start_length: int,
                 display_name: str) -> None:
    import numpy as np

    column = plan.staging_column
    arrays = connection.execute(
        f"SELECT _row_number, {_kind_sql(column)} AS kind FROM staging WHERE {column} IS NOT NULL "
        "ORDER BY _row_number"
    ).fetchnumpy()
    rows = np.asarray(arrays["_row_number"])
    kinds = np.asarray(arrays["kind"])
    total = len(kinds)
    threshold = max(20, min(500, math.ceil(total * 0.05)))
    changes = np.flatnonzero(np.diff(kinds)) + 1
    starts = np.concatenate(([0], changes))
    ends = np.concatenate((changes, [total]))
    long_runs = np.flatnonzero((kinds[starts] != start_kind) & (ends - starts >= threshold) & (starts >= start_length))
    for run in long_runs:
        first, last = int(rows[starts[run]]), int(rows[ends[run] - 1])
        varied = connection.execute(
            f"SELECT count(DISTINCT {column}) FROM staging WHERE _row_number BETWEEN ? AND ?", [first, last]
        ).fetchone()
        length = int(ends[run] - starts[run])
        # A long run of one placeholder ("Open", "Not known") is a quality matter, not a change of meaning.
        if varied and varied[0] >= min(10, threshold // 2):
            raise InputFileError(
                display_name,
                f"the column changes meaning at row {first}: above it the values are {_KIND_NAMES[start_kind]}, but "
                f"from row {first} to row {last} there are {length:,} {_KIND_NAMES[int(kinds[starts[run]])]} in a "
                "row. The file may be two tables stacked together, or a column reused for something else; split "
                "or correct the file.",
                row=first, field=plan.name,
            )
