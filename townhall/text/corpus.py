"""Residents' comments read from the catalogue, redacted, and stored for analysis: the only text analyses read.

``prepare_comments(workspace)`` reads the comments source named in ``[text]``, replaces personal details by
placeholders (names from the person index as well as patterns), notes each comment's language, and replaces
``text.comments`` in the analytics store in one transaction. Blank comments are counted and left out; comments not
in English are kept (they count in themes by service and area) but left out of English-only methods, and the
numbers of both are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from townhall.errors import TownhallError

if TYPE_CHECKING:
    import pandas as pd

    from townhall.workspace import Workspace

SCHEMA = "text"
COMMENTS_TABLE = f"{SCHEMA}.comments"
ENGLISH = "en"
WELSH = "cy"
OTHER_LANGUAGE = "other"

# Short everyday words of Welsh: a comment made mostly of these and few English ones is in Welsh.
_WELSH_WORDS = frozenset({
    "a", "ac", "am", "ar", "at", "bod", "bydd", "chi", "dan", "ddim", "diolch", "dros", "drwy", "dw", "dwi", "eich",
    "ei", "eu", "fe", "fi", "fy", "gan", "gyda", "hefyd", "heb", "hi", "hwn", "hyn", "i", "mae", "maen", "mewn", "ni",
    "nid", "o", "oedd", "oes", "ond", "os", "pan", "pob", "roedd", "sy", "sydd", "wedi", "y", "yma", "yn", "yr",
    "ydw", "ydy", "ein", "nhw", "eto", "heddiw", "wythnos", "casglu", "biniau", "cyngor", "angen", "eisiau",
})
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_PLACEHOLDER = re.compile(r"\[[A-Z ]+\]")


def decode_text(data: bytes, *, name: str = "the text") -> tuple[str, str]:
    """Bytes as text and the encoding used: UTF-8 (with or without a byte-order mark), else Windows-1252 (what
    Excel on Windows writes). Refuses bytes that are neither, naming where the first unreadable byte is."""
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            raise TownhallError(
                f"{name} is not readable text: byte {utf8_error.start + 1} ({data[utf8_error.start]:#04x}) is not "
                "UTF-8 or Windows-1252. Save it as UTF-8 text and try again.") from None


def read_text_file(path: Path | str) -> tuple[str, str]:
    """A text file's contents and the encoding it was read in (see ``decode_text``)."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise TownhallError(f"{file} could not be read: {error.strerror or error}.") from error
    return decode_text(data, name=str(file))


def language_of(text: str) -> str:
    """"en", "cy" (Welsh) or "other", from the share of everyday function words; "" for a blank text.

    Short texts (under three words) are taken as English: too short to tell, and most comments are.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = [word.lower() for word in _WORD.findall(_PLACEHOLDER.sub(" ", text or ""))]
    if not words:
        return "" if not (text or "").strip() else OTHER_LANGUAGE
    if len(words) < 3:
        return ENGLISH if all(word.isascii() for word in words) else OTHER_LANGUAGE
    english = sum(word in ENGLISH_STOP_WORDS for word in words) / len(words)
    welsh = sum(word in _WELSH_WORDS and word not in {"a", "i", "am", "at", "on"} for word in words) / len(words)
    if welsh >= 0.2 and welsh > english:
        return WELSH
    if english >= 0.12:
        return ENGLISH
    return OTHER_LANGUAGE


def without_placeholders(text: str) -> str:
    """The text with redaction placeholders removed, for methods that count words."""
    return _PLACEHOLDER.sub(" ", text or "")


@dataclass
class PreparedComments:
    """What ``prepare_comments`` stored and what it left out."""

    source: str
    comments: int
    blank: int
    not_english: int
    details_redacted: dict[str, int]
    names_from_index: bool

    def summary_sentences(self) -> list[str]:
        """Plain-English lines for the command line and pages."""
        found = ", ".join(f"{count:,} {kind.replace('_', ' ')}" for kind, count in self.details_redacted.items()
                          if count) or "none"
        lines = [f"Read {self.comments + self.blank:,} comments from {self.source}; stored {self.comments:,} "
                 f"with personal details replaced by placeholders (found: {found})."]
        if not self.names_from_index:
            lines.append("There is no person index yet, so names were found by pattern only (titles, 'my name "
                         "is', sign-offs). Run 'townhall link' and prepare the comments again to use known names.")
        if self.blank:
            lines.append(f"{self.blank:,} blank comments were left out.")
        if self.not_english:
            lines.append(f"{self.not_english:,} comments do not look English: they are kept for counts by theme, "
                         "service and area, but left out of sentiment, which reads English only.")
        return lines


def _column(columns: list[str], wanted: str | None, *, role: str, source: str, required: bool) -> str | None:
    if not wanted:
        if required:
            raise TownhallError(f"[text] must name the column of {source} that holds the {role}.")
        return None
    if wanted in columns:
        return wanted
    for column in columns:
        if column.lower() == wanted.lower():
            return column
    if required:
        raise TownhallError(f"{source} has no column '{wanted}' for the {role} (it has: {', '.join(columns)}). Set "
                            f"the right column in [text] of townhall.toml.")
    return None


def read_source_columns(workspace: Workspace, source: str, wanted: dict[str, tuple[str | None, bool]]) -> pd.DataFrame:
    """Columns of a registered source by role ({role: (column, required)}), renamed to their roles."""
    from townhall.store.analytics import quote_identifier

    table = workspace.catalogue.table_name(source)
    with workspace.analytics.connect(read_only=True) as connection:
        columns = [row[0] for row in connection.execute(f"describe {table}").fetchall()]
        chosen = {role: _column(columns, column, role=role.replace("_", " "), source=source, required=required)
                  for role, (column, required) in wanted.items()}
        select = ", ".join(f"{quote_identifier(column)} as {role}" for role, column in chosen.items() if column)
        frame = connection.execute(f"select {select} from {table}").df()
    for role, column in chosen.items():
        if column is None:
            frame[role] = None
    return frame


def prepare_comments(workspace: Workspace, *, actor: str | None = None) -> PreparedComments:
    """Read, redact and store the comments source named in [text] as ``text.comments``."""
    import pandas as pd

    from townhall.text.redact import IDENTIFIER_KINDS, Redactor, known_names
    from townhall.workspace import current_actor

    settings = workspace.settings.text
    columns = settings.feedback_columns
    frame = read_source_columns(workspace, settings.feedback_source, {
        "record_id": (columns.record_id, True), "text": (columns.text, True), "received": (columns.date, False),
        "service": (columns.service, False), "area": (columns.area, False), "rating": (columns.rating, False)})
    raw = frame["text"].map(lambda value: value if isinstance(value, str) else "")
    blank = raw.str.strip() == ""
    names = known_names(workspace)
    redactor = Redactor(names)
    counts = dict.fromkeys(IDENTIFIER_KINDS, 0)
    redacted = []
    for text in raw[~blank]:
        for item in redactor.find(text):
            counts[item.kind] += 1
        redacted.append(redactor.redact(text))
    kept = frame.loc[~blank].copy()
    kept["text"] = redacted
    kept["language"] = [language_of(text) for text in redacted]
    kept["received"] = pd.to_datetime(kept["received"], errors="coerce", dayfirst=True)
    kept["month"] = kept["received"].dt.strftime("%Y-%m")
    kept["rating"] = pd.to_numeric(kept["rating"], errors="coerce")
    for role in ("record_id", "service", "area"):
        kept[role] = kept[role].astype("string")
    kept = kept[["record_id", "received", "month", "service", "area", "rating", "language", "text"]]
    with workspace.analytics.transaction() as connection:
        connection.execute(f"create schema if not exists {SCHEMA}")
        connection.register("incoming_comments", kept)
        connection.execute(f"create or replace table {COMMENTS_TABLE} as select * from incoming_comments")
        connection.unregister("incoming_comments")
    result = PreparedComments(source=settings.feedback_source, comments=len(kept), blank=int(blank.sum()),
                              not_english=int((kept["language"] != ENGLISH).sum()), details_redacted=counts,
                              names_from_index=not names.empty)
    workspace.audit.record(actor or current_actor(), "text.comments_prepared", settings.feedback_source,
                           details={"comments": result.comments, "blank": result.blank, "redacted": counts})
    return result


def read_comments(workspace: Workspace, *, english_only: bool = False) -> pd.DataFrame:
    """The stored, redacted comments; stops with what to run when they have not been prepared."""
    if not workspace.analytics.table_exists(SCHEMA, "comments"):
        raise TownhallError("Residents' comments have not been prepared yet. Run 'townhall text prepare' first.")
    where = f" where language = '{ENGLISH}'" if english_only else ""
    with workspace.analytics.connect(read_only=True) as connection:
        return connection.execute(f"select * from {COMMENTS_TABLE}{where} order by record_id").df()
