"""Disclosure control: the one place that decides which counts may be published, used by every capability.

Small counts can identify people ("the one family in Tannery ward with a child excluded from school"), so anything
published hides counts under a threshold and rounds the rest (the ONS "10-5" convention by default: hide counts under
10, round others to the nearest 5). Where a table also publishes totals, a hidden count could be worked out by
subtracting the other counts from the total, so a second count in that row or column is hidden too (secondary
suppression). The rule used is always described in plain English beside the figures.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from townhall.errors import TownhallError

if TYPE_CHECKING:
    from townhall.workspace import Workspace

SUPPRESSED_MARK = "[c]"  # the GSS symbol for a figure withheld as confidential
PRIMARY = "primary"
SECONDARY = "secondary"


@dataclass(frozen=True)
class DisclosureRule:
    """Which counts may be published: counts under ``threshold`` are hidden, the rest rounded to ``rounding``."""

    threshold: int = 10
    rounding: int = 5

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int) or self.threshold < 0:
            raise TownhallError(f"The disclosure threshold must be a whole number of 0 or more, not "
                                f"{self.threshold!r}. Check [disclosure] threshold in townhall.toml.")
        if isinstance(self.rounding, bool) or not isinstance(self.rounding, int) or self.rounding < 1:
            raise TownhallError(f"Disclosure rounding must be a whole number of 1 or more (1 means no rounding), not "
                                f"{self.rounding!r}. Check [disclosure] rounding in townhall.toml.")

    @classmethod
    def from_workspace(cls, workspace: Workspace) -> DisclosureRule:
        """The rule configured in the workspace's townhall.toml ([disclosure] threshold and rounding)."""
        settings = workspace.config.disclosure
        return cls(threshold=int(settings.threshold), rounding=int(settings.rounding))

    @property
    def smallest_shown(self) -> int:
        """The smallest count that can appear in a published figure (0 when nothing is hidden)."""
        if self.threshold == 0:
            return 0
        return -(-self.threshold // self.rounding) * self.rounding

    def describe(self) -> str:
        """The rule as one plain-English sentence, to print beside every published figure."""
        shown = "shown exactly" if self.rounding == 1 else f"rounded to the nearest {self.rounding}"
        if self.threshold == 0:
            if self.rounding == 1:
                return "Counts are shown exactly: none are hidden or rounded."
            return f"No counts are hidden; all counts are {shown}."
        sentence = f"Counts under {self.threshold} are hidden and other counts are {shown}"
        if self.smallest_shown > self.threshold:
            sentence += f", but never to less than {self.smallest_shown}"
        return sentence + "."

    def publish(self, count: int) -> int | None:
        """The published form of one count: None when it is hidden, otherwise rounded."""
        return protect_count(count, self)


def _round_half_up(count: int, base: int) -> int:
    """The nearest multiple of ``base``; halves go up (12.5 is not possible with base 5, 15 goes to 20 with 10)."""
    return (2 * count + base) // (2 * base) * base


def protect_count(count: int, rule: DisclosureRule) -> int | None:
    """One count as it may be published: None (hidden) under the threshold, otherwise rounded.

    A rounded count never falls below the threshold (with threshold 12 and rounding 5, 12 is shown as 15, not 10),
    so a published figure never looks like a small number.
    """
    if isinstance(count, bool) or count is None:
        raise ValueError(f"A count must be a whole number, not {count!r}")
    value = int(count)
    if value != count or value < 0:
        raise ValueError(f"A count must be a whole number of 0 or more, not {count!r}")
    if value < rule.threshold:
        return None
    return max(_round_half_up(value, rule.rounding), rule.smallest_shown)


@dataclass(frozen=True)
class SuppressedCell:
    """One hidden figure in a protected table: where it is, and why it is hidden."""

    row: Hashable  # the row's index label in ``ProtectedTable.frame``
    column: str
    reason: str  # PRIMARY (under the threshold) or SECONDARY (would let a hidden figure be worked out)
    explanation: str


@dataclass
class ProtectedTable:
    """A table safe to publish: counts rounded, hidden ones empty (pandas <NA>), with what was hidden and why."""

    frame: pd.DataFrame
    count_columns: list[str]
    suppressed: list[SuppressedCell]
    rule: DisclosureRule
    total_row: Hashable | None = None
    total_column: str | None = None
    notes: list[str] = field(default_factory=list)

    def is_suppressed(self, row: Hashable, column: str) -> bool:
        """Whether the figure at (row label, column) is hidden."""
        return any(cell.row == row and cell.column == column for cell in self.suppressed)

    @property
    def secondary_count(self) -> int:
        """How many figures were hidden only to protect another hidden figure."""
        return sum(1 for cell in self.suppressed if cell.reason == SECONDARY)

    def display_frame(self, mark: str = SUPPRESSED_MARK) -> pd.DataFrame:
        """The table for printing or CSV: counts as text with thousands separators, hidden ones as ``mark``."""
        shown = self.frame.copy()
        for column in self._published_columns():
            shown[column] = [mark if pd.isna(value) else f"{int(value):,}" for value in shown[column]]
        return shown

    def _published_columns(self) -> list[str]:
        return [*self.count_columns, *([self.total_column] if self.total_column else [])]


def protect_table(frame: pd.DataFrame, count_columns: Sequence[str], rule: DisclosureRule, *,
                  total_row: str | None = None, total_column: str | None = None) -> ProtectedTable:
    """Protect a table of counts for publication: primary and secondary suppression, then rounding.

    ``frame`` holds the body rows only (unique index); ``count_columns`` are its counts (the other columns are labels,
    kept as they are). ``total_row`` appends a row of column totals with that index label (also written in the first
    label column); ``total_column`` adds a column of row totals with that name. Totals are worked out from the true
    counts and protected like any other figure. Wherever a total is published, no row or column is left with exactly
    one hidden figure, so nothing hidden can be recovered by subtracting the published figures from a total.
    """
    columns = list(count_columns)
    _check_table(frame, columns, total_row, total_column)
    body = frame[columns].to_numpy(dtype=np.int64) if columns else np.zeros((len(frame), 0), dtype=np.int64)
    row_count, column_count = body.shape
    has_total_row, has_total_column = total_row is not None, total_column is not None
    grid = body
    if has_total_column:
        grid = np.column_stack([grid, grid.sum(axis=1)])
    if has_total_row:
        grid = np.vstack([grid, grid.sum(axis=0)])

    labels = [*frame.index, *([total_row] if has_total_row else [])]
    label_columns = [column for column in frame.columns if column not in columns]
    # How a row is named in explanations: its first label (e.g. the ward), else its index label.
    row_names = [str(name) for name in (frame[label_columns[0]] if label_columns else frame.index)]
    row_names += [str(total_row)] if has_total_row else []
    names = [*columns, *([total_column] if has_total_column else [])]
    lines = _lines(row_count, column_count, has_total_row, has_total_column)

    reasons: dict[tuple[int, int], tuple[str, str]] = {}
    for (row, column), value in np.ndenumerate(grid):
        if value < rule.threshold:
            reasons[(row, column)] = (PRIMARY, f"The count is under {rule.threshold}.")
    _add_secondary_suppression(grid, lines, reasons, row_names, names)

    published = frame.copy()
    if has_total_column:
        published[total_column] = 0
    if has_total_row:
        total_values = {column: None for column in published.columns}
        if label_columns:
            total_values[label_columns[0]] = total_row
        published = pd.concat([published, pd.DataFrame([total_values], index=[total_row])])
    for position, name in enumerate(names):
        published[name] = pd.array(
            [None if (row, position) in reasons else protect_count(int(grid[row, position]), rule)
             for row in range(grid.shape[0])], dtype="Int64")

    suppressed = [SuppressedCell(labels[row], names[column], reason, explanation)
                  for (row, column), (reason, explanation) in sorted(reasons.items())]
    notes = [rule.describe()]
    if any(cell.reason == SECONDARY for cell in suppressed):
        notes.append("Some larger counts are hidden too, so that a hidden count cannot be worked out from a total.")
    if (has_total_row or has_total_column) and rule.rounding > 1:
        notes.append("Totals are rounded separately, so the figures shown may not add up to them exactly.")
    return ProtectedTable(frame=published, count_columns=columns, suppressed=suppressed, rule=rule,
                          total_row=total_row, total_column=total_column, notes=notes)


Line = tuple[list[tuple[int, int]], tuple[int, int]]  # (member cells, the total cell they add up to)


def _lines(rows: int, columns: int, has_total_row: bool, has_total_column: bool) -> list[Line]:
    """Every published sum: each column adds up to the total row, each row to the total column (totals included)."""
    lines: list[Line] = []
    if has_total_row:
        for column in range(columns + (1 if has_total_column else 0)):
            lines.append(([(row, column) for row in range(rows)], (rows, column)))
    if has_total_column:
        for row in range(rows + (1 if has_total_row else 0)):
            lines.append(([(row, column) for column in range(columns)], (row, columns)))
    return [line for line in lines if line[0]]


def _add_secondary_suppression(grid: np.ndarray, lines: list[Line], reasons: dict[tuple[int, int], tuple[str, str]],
                               row_names: list[str], names: list[str]) -> None:
    """Hide more figures until no published sum has exactly one hidden figure in it (the smallest goes first)."""
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            hidden = [cell for cell in (*members, total) if cell in reasons]
            if len(hidden) != 1:
                continue
            candidates = [cell for cell in members if cell not in reasons]
            chosen = min(candidates, key=lambda cell: (int(grid[cell]), cell)) if candidates else total
            protected_row, protected_column = hidden[0]
            reasons[chosen] = (SECONDARY, (
                f"Hidden so that the hidden count for {row_names[protected_row]} ({names[protected_column]}) cannot be "
                "worked out from the total."))
            changed = True


def _check_table(frame: pd.DataFrame, columns: list[str], total_row: str | None, total_column: str | None) -> None:
    """Refuse tables the protection cannot be sure about: missing, negative, fractional or blank counts."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"The table has no count columns called {missing}")
    if not frame.index.is_unique:
        raise ValueError("The table's row labels (index) must be unique")
    if total_row is not None and total_row in frame.index:
        raise ValueError(f"The total row label {total_row!r} is already a row of the table")
    if total_column is not None and total_column in frame.columns:
        raise ValueError(f"The total column {total_column!r} is already a column of the table")
    for column in columns:
        values = frame[column]
        if values.isna().any():
            raise ValueError(f"Column {column!r} has blank counts: give 0 where there is nothing to count")
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.isna().any() or (numeric < 0).any() or (numeric != np.floor(numeric)).any():
            raise ValueError(f"Column {column!r} must hold whole numbers of 0 or more")
