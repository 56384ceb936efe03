"""Text folding shared by the name and address standardisers: lower case, no accents, no apostrophes."""

from __future__ import annotations

import unicodedata

# Letters that Unicode decomposition does not reduce to a plain Latin letter, and apostrophe/hyphen look-alikes.
FOLDS = str.maketrans({
    "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l",
    "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i", "ħ": "h", "Ħ": "h", "ŀ": "l", "Ŀ": "l",
    "'": None, "’": None, "‘": None, "`": None, "´": None, "ʼ": None, "ʻ": None, "′": None,
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
})


def _decompose(text: str) -> str:
    """Unicode compatibility decomposition without the accents: 'é' -> 'e', 'ﬁ' -> 'fi', '🄐' -> '(A)'."""
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


def fold(text: str) -> str:
    """Lower case without accents or apostrophes: 'Zoë O'Brien' -> 'zoe obrien'; other scripts' letters are kept."""
    text = text.translate(FOLDS)
    if text.isascii():
        return text.lower()
    # casefold() turns Cherokee small letters into capitals (Unicode's case-folding rule), so lower() after it.
    text = _decompose(text).casefold().lower()
    if not text.isascii():
        text = _decompose(text).translate(FOLDS)
    return text


def letters_only(text: str, keep: str = "") -> str:
    """Every character that is not a letter (or a mark inside a word, or in ``keep``) replaced by a space."""
    return "".join(
        char if char.isalpha() or char in keep or unicodedata.category(char).startswith("M") else " " for char in text
    )
