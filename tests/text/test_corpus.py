"""Reading text: encodings decided from the bytes (and refused when unreadable), and each comment's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.errors import TownhallError
from townhall.text import decode_text, language_of, read_text_file


def test_utf8_and_windows_1252_are_read_and_the_encoding_is_said(tmp_path: Path) -> None:
    assert decode_text("Café on Mill Road".encode()) == ("Café on Mill Road", "UTF-8")
    assert decode_text("\ufeffBOM first".encode()) == ("BOM first", "UTF-8")
    file = tmp_path / "comments.txt"
    file.write_bytes("Bins missed – again £5 fee".encode("cp1252"))
    assert read_text_file(file) == ("Bins missed – again £5 fee", "Windows-1252")


def test_bytes_that_are_not_text_are_refused_naming_the_first_bad_byte(tmp_path: Path) -> None:
    file = tmp_path / "binary.txt"
    file.write_bytes(b"ok so far \x81\x8d")
    with pytest.raises(TownhallError, match=r"byte 11 \(0x81\) is not UTF-8 or Windows-1252"):
        read_text_file(file)
    with pytest.raises(TownhallError, match="could not be read"):
        read_text_file(tmp_path / "missing.txt")


@pytest.mark.parametrize(("text", "language"), [
    ("The bin on my street was not collected again this week.", "en"),
    ("Ni chasglwyd y biniau ar ein stryd ni yr wythnos hon, mae angen help arnaf.", "cy"),
    ("Mój kosz nie został opróżniony w tym tygodniu.", "other"),
    ("ゴミが回収されていません", "other"),
    ("Thanks!", "en"),
    ("   ", ""),
    ("", ""),
])
def test_each_comments_language_is_told_from_its_everyday_words(text: str, language: str) -> None:
    assert language_of(text) == language
