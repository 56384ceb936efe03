"""The table every risk model learns from: one row per unit (person, household, property or business) per "as of"
date, with the outcome that followed and features built only from what was known on that date.

``townhall.decisions.features.build_dataset`` makes it from a model definition; training, scoring, explanations,
the bias audit and drift checks all read it, so it is the one contract between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

UNIT_ID = "unit_id"  # person_id, household_id, UPRN or business rates account number, as text
AS_OF = "as_of"  # the date the features describe; nothing after it is used
OUTCOME = "outcome"  # True / False once known, missing (pd.NA) while the outcome window is still open
AREA_CODE = "area_code"  # the unit's small area (E01…), for deprivation and maps; missing if not placed
KEY_COLUMNS = (UNIT_ID, AS_OF, OUTCOME, AREA_CODE)
PROTECTED_COLUMNS = (UNIT_ID, AS_OF, "characteristic", "group_value")


@dataclass
class UnitDataset:
    """Units, their features and outcomes at one or more as-of dates, and their protected characteristics.

    ``frame`` has the key columns (unit_id, as_of, outcome, area_code) then one column per feature, numeric or
    boolean, or categorical (pandas "category" dtype) for those in ``categorical_columns``. ``protected`` is long:
    unit_id, as_of, characteristic (e.g. "Ethnic group", "Sex", "Area deprivation"), group_value (e.g. "Asian,
    Asian British or Asian Welsh", "Most deprived 20%", "Not recorded"). Protected characteristics are never
    features unless the definition says so; they are kept for the bias audit. ``descriptions`` gives each feature's
    plain-English label for reasons and model cards, e.g. "Referrals in the 12 months before".
    """

    model: str
    unit: str  # "person", "household", "property" or "business"
    frame: pd.DataFrame
    feature_columns: list[str]
    categorical_columns: list[str] = field(default_factory=list)
    protected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(PROTECTED_COLUMNS)))
    descriptions: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # plain-English notes from building it (e.g. sources missing)

    def labelled(self) -> UnitDataset:
        """Only the rows whose outcome is known (for training and evaluation)."""
        known = self.frame[self.frame[OUTCOME].notna()]
        return self.with_rows(known)

    def at(self, as_of: pd.Timestamp | str) -> UnitDataset:
        """Only the rows for one as-of date."""
        return self.with_rows(self.frame[self.frame[AS_OF] == pd.Timestamp(as_of)])

    def with_rows(self, rows: pd.DataFrame) -> UnitDataset:
        """The same dataset restricted to ``rows`` (a subset of ``frame``), protected characteristics to match."""
        keys = rows[[UNIT_ID, AS_OF]].drop_duplicates()
        protected = self.protected.merge(keys, on=[UNIT_ID, AS_OF], how="inner")
        return UnitDataset(self.model, self.unit, rows.reset_index(drop=True), list(self.feature_columns),
                           list(self.categorical_columns), protected, dict(self.descriptions), list(self.warnings))

    @property
    def features(self) -> pd.DataFrame:
        """The feature columns only, in order."""
        return self.frame[self.feature_columns]

    @property
    def outcomes(self) -> pd.Series:
        """The outcome column as booleans (call on a labelled dataset)."""
        return self.frame[OUTCOME].astype(bool)

    def protected_wide(self) -> pd.DataFrame:
        """One row per unit and as-of date, one column per protected characteristic ("Not recorded" if missing)."""
        if self.protected.empty:
            return self.frame[[UNIT_ID, AS_OF]].copy()
        wide = self.protected.pivot_table(index=[UNIT_ID, AS_OF], columns="characteristic", values="group_value",
                                          aggfunc="first").reset_index()
        wide.columns.name = None
        merged = self.frame[[UNIT_ID, AS_OF]].merge(wide, on=[UNIT_ID, AS_OF], how="left")
        characteristics = [column for column in merged.columns if column not in (UNIT_ID, AS_OF)]
        merged[characteristics] = merged[characteristics].fillna("Not recorded")
        return merged
