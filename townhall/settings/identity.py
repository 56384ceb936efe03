"""``[identity]``: how records are linked into people and households."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from townhall.settings.base import SettingsModel

DEFAULT_THRESHOLD = 0.9  # match probability at which two records are taken to be the same person
DEFAULT_REVIEW_BAND = (0.5, 0.99)  # pairs scored in this band are offered for clerical review


class IdentitySettings(SettingsModel):
    """Linkage threshold and review band, the opt-out source, per-source field overrides and single-view flags."""

    section = "identity"

    threshold: float = Field(default=DEFAULT_THRESHOLD, gt=0, lt=1)
    review_band: tuple[float, float] = DEFAULT_REVIEW_BAND
    # The registered source listing residents who opted out of data sharing (guessed from its name when unset).
    opt_out_source: str | None = None
    # A hand-written Splink settings file (JSON), relative to the workspace, used instead of the generated model.
    settings_file: Path | None = None
    # Per source: which field plays which linkage role, e.g. {council_tax = {date_of_birth = "DOB"}}.
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)
    exclude_sources: list[str] = Field(default_factory=list)
    # Single-view flags: a label and the sources that raise it.
    flags: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("flags", mode="before")
    @classmethod
    def _one_source_is_a_list(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: [item] if isinstance(item, str) else item for key, item in value.items()}
        return value

    @model_validator(mode="after")
    def _band_is_ordered(self) -> IdentitySettings:
        low, high = self.review_band
        if not 0 <= low < high <= 1:
            raise ValueError("review_band must be two probabilities, low then high, such as [0.5, 0.99]")
        return self
