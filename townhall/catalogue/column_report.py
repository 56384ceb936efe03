"""What standardising or reading a column did, in one shape for every kind of field: values in, values kept after
cleaning, a few example rows of those that were not (never the values) and the reason in words."""

from __future__ import annotations

from dataclasses import dataclass

# How many example row labels a report keeps of values that gave no result.
EXAMPLE_ROWS = 5


def count_text(number: int, singular: str, plural: str | None = None) -> str:
    """'1 value', '2 values', '1,204 values have': a count with its noun in the right number."""
    return f"{number:,} {singular if number == 1 else (plural or singular + 's')}"


@dataclass
class ColumnReport:
    """What standardising a column did: how many values it had, how many gave a result, examples of those that did
    not (row labels only, never values) and why it read the column the way it did."""

    values: int = 0  # filled (non-blank) values
    kept: int = 0  # values that gave a standardised result
    unusable_rows: tuple[object, ...] = ()  # up to EXAMPLE_ROWS row labels of values that gave none
    reason: str = ""

    @property
    def unusable(self) -> int:
        """Filled values that gave no standardised result."""
        return self.values - self.kept

    def kept_share(self, rows: int | None = None) -> float:
        """Share of ``rows`` (default: of the filled values) that have a standardised result."""
        total = self.values if rows is None else rows
        return self.kept / total if total else 0.0
