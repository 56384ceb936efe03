"""Atomic writes leave the old file untouched when writing fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.store.files import atomic_path, atomic_write_text


def test_a_failed_write_leaves_the_earlier_file_and_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    atomic_write_text(target, "first version")
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_text("half written")
        raise RuntimeError("interrupted")
    assert target.read_text() == "first version"
    assert [path.name for path in tmp_path.iterdir()] == ["report.txt"]
