"""The base of every settings model: typed, defaults in one place, validated when read.

A wrong key or value stops with a message that names the table, the key and the file, in the way
pydantic-settings and Splink's ``SettingsCreator`` do, so a council never runs on a silently ignored typo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from townhall.errors import TownhallError


class SettingsError(TownhallError):
    """townhall.toml holds a setting townhall cannot use: names the table, the key and the file."""


class SettingsModel(BaseModel):
    """A table of townhall.toml. Unknown keys are refused, so a misspelt setting is caught, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The [table] of townhall.toml this model reads, e.g. "gazetteer".
    section: ClassVar[str] = ""


Model = TypeVar("Model", bound=SettingsModel)


def _key_path(section: str, location: tuple[Any, ...]) -> str:
    parts = [section, *(str(part) for part in location)]
    return ".".join(parts)


def read_section(model: type[Model], data: object, file: Path | str, *, section: str | None = None) -> Model:
    """Validate one table of townhall.toml into ``model``; a problem becomes a SettingsError naming key and file."""
    name = section or model.section
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(f"{file}: [{name}] must be a table of settings, not {type(data).__name__}.")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            key = _key_path(name, tuple(item.get("loc", ())))
            if item.get("type") == "extra_forbidden":
                problems.append(f"'{key}' is not a setting townhall knows (is it misspelt?)")
            else:
                problems.append(f"'{key}': {item.get('msg', 'not a valid value')}")
        raise SettingsError(f"{file} has settings townhall cannot use: " + "; ".join(problems) + ".") from None
