"""Docs are tested, not hoped for: every command is documented and the README's first screen stays as promised."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from typer.main import get_command

from townhall.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _command_paths(command: typer.core.TyperGroup | object, prefix: str = "townhall") -> list[str]:
    """Every runnable command as the user types it, e.g. 'townhall sources add'."""
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        return [prefix]
    paths: list[str] = []
    for name, subcommand in subcommands.items():
        paths.extend(_command_paths(subcommand, f"{prefix} {name}"))
    return paths


def _all_documentation() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in [ROOT / "README.md", *ROOT.glob("docs/*.md")])


def test_every_command_is_documented_in_the_readme_or_the_user_guide() -> None:
    documentation = _all_documentation()
    missing = []
    for path in _command_paths(get_command(app)):
        group, _, last = path.rpartition(" ")
        spelled_out = path in documentation
        listed_in_group = re.search(rf"{re.escape(group)} [\w/-]*\b{re.escape(last)}\b", documentation)
        if not (spelled_out or listed_in_group):
            missing.append(path)
    assert not missing, f"Commands with no documentation: {missing}"


def test_every_command_has_help_text_in_plain_english() -> None:
    def walk(command: object, name: str) -> list[str]:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            return [problem for key, sub in subcommands.items() for problem in walk(sub, f"{name} {key}")]
        help_text = getattr(command, "help", None) or ""
        return [] if len(help_text.split()) >= 5 else [name]

    assert walk(get_command(app), "townhall") == []


def test_the_readme_first_screen_gives_exactly_the_two_set_up_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_screen = readme.split("---", 1)[0]
    commands = re.findall(r"^make \w+", first_screen, flags=re.MULTILINE)
    assert commands == ["make demo", "make test"]
    assert "council" in first_screen.lower() and "127.0.0.1:8000" in first_screen


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _setting_keys(model: type, prefix: str = "") -> list[str]:
    """Every key of a settings model as written in townhall.toml, nested tables as 'columns.uprn'."""
    from pydantic import BaseModel

    keys = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys.extend(_setting_keys(annotation, f"{prefix}{name}."))
        else:
            keys.append(f"{prefix}{name}")
    return keys


def test_every_setting_is_documented_under_its_table_in_the_settings_guide() -> None:
    import importlib

    from townhall.settings import CONCERNS

    guide = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    missing = []
    for concern, (module, class_name) in CONCERNS.items():
        section = guide.split(f"## [{concern}]", 1)
        if len(section) == 1:
            missing.append(f"[{concern}]")
            continue
        text = section[1].split("\n## ", 1)[0]
        model = getattr(importlib.import_module(module), class_name)
        missing += [f"[{concern}] {key}" for key in _setting_keys(model) if f"`{key}`" not in text]
    assert not missing, f"Settings with no documentation in docs/settings.md: {missing}"
