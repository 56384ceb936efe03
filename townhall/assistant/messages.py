"""Every string a resident sees, in English or Welsh, from simple YAML message catalogues.

The English text is the key: code and templates mark each string with ``_("...")`` and the flows' questions are
looked up the same way, so a catalogue (``messages/<language>.yaml``: English -> translation) translates the whole
service. A string with no translation is shown in English; ``missing_translations`` lists them, and a test keeps
the Welsh catalogue complete for the built-in flows and pages.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

from townhall.errors import TownhallError

CATALOGUE_FOLDER = Path(__file__).resolve().parent / "messages"
LANGUAGES = {"en": "English", "cy": "Cymraeg"}
DEFAULT_LANGUAGE = "en"
# How a marked string looks in Python and in templates: _("...") with double quotes.
MARKED_STRING = re.compile(r'\b_\(\s*"((?:[^"\\]|\\.)+)"')


def _(text: str) -> str:
    """Mark a string for translation; it is translated where it is shown (``translate``)."""
    return text


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """The translations for a language (empty for English)."""
    import yaml

    if language not in LANGUAGES:
        raise TownhallError(f"The assistant speaks {', '.join(LANGUAGES)}, not '{language}'.")
    path = CATALOGUE_FOLDER / f"{language}.yaml"
    if language == DEFAULT_LANGUAGE or not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(key): str(value) for key, value in data.items()}


def translate(text: str, language: str) -> str:
    """``text`` in ``language``, or as it is when the catalogue has no translation."""
    if not text or language == DEFAULT_LANGUAGE:
        return text
    return catalogue(language).get(text, text)


def language_or_default(language: str | None) -> str:
    """A language the assistant speaks (English for anything else)."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def marked_strings(files: Iterable[Path]) -> set[str]:
    """Every ``_("...")`` string in these Python or template files."""
    found: set[str] = set()
    for file in files:
        found.update(match.encode().decode("unicode_escape") if "\\" in match else match
                     for match in MARKED_STRING.findall(file.read_text(encoding="utf-8")))
    return found


def assistant_strings() -> set[str]:
    """Every string the built-in flows and the public pages can show a resident."""
    from townhall.assistant.flows import load_flows

    package = Path(__file__).resolve().parent
    public = package.parent / "public"
    files = [*package.glob("*.py"), *public.glob("*.py"), *(public / "templates").glob("*.html")]
    found = {text for text in marked_strings(files) if text.strip(".")}
    for flow in load_flows().values():
        found.update(flow.texts())
        found.update(flow.personal_data)
        found.update(flow.personal_data.values())
    return found


def missing_translations(language: str, texts: Iterable[str]) -> list[str]:
    """The texts the language's catalogue does not translate."""
    known = catalogue(language)
    return sorted({text for text in texts if text and text not in known})
