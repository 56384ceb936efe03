"""Themes: found without labels, kept named across runs, merged and split by a person, counted with protection."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from townhall.errors import TownhallError
from townhall.text import ThemeEdits, find_themes, load_theme_run, name_theme, run_themes, theme_agreement, theme_trends
from townhall.workspace import Workspace

PLANTED = {
    "potholes": ["pothole {s} damaged tyre", "huge pothole road {s} needs filling", "pothole tarmac crumbling {s}"],
    "noise": ["noise neighbours music late night {s}", "loud parties noise every weekend {s}",
              "barking dog noise all night {s}"],
    "libraries": ["library opening hours shorter {s}", "library books borrowing closed saturday {s}",
                  "library staff helpful computers {s}"],
}


def _comments(count: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    extras = ["again", "please", "weeks", "today", "still", "terrible", "thanks", "ages"]
    texts, labels = [], []
    for _ in range(count):
        label = rng.choice(sorted(PLANTED))
        texts.append(rng.choice(PLANTED[label]).format(s=" ".join(rng.sample(extras, 2))))
        labels.append(label)
    return texts, labels


def test_planted_themes_are_found_without_labels() -> None:
    texts, labels = _comments(150, seed=1)
    model = find_themes(texts, count=3)
    agreement = theme_agreement(model.assignment, labels)
    assert agreement["purity"] >= 0.95
    assert all(len(theme.quotes) == 3 for theme in model.themes)


def test_a_name_survives_a_new_run_on_new_comments_and_merges_and_splits_apply() -> None:
    first = find_themes(_comments(150, seed=1)[0], count=3)
    noise = next(theme for theme in first.themes if any("noise" in term for term in theme.terms))
    edits = ThemeEdits(names=[{"terms": noise.signature, "name": "Noise nuisance"}])
    later = find_themes(_comments(180, seed=2)[0], count=3, edits=edits)
    renamed = [theme for theme in later.themes if theme.name == "Noise nuisance"]
    assert len(renamed) == 1 and any("noise" in term for term in renamed[0].terms)
    library = next(theme for theme in first.themes if theme is not noise)
    merged = find_themes(_comments(150, seed=1)[0], count=3,
                         edits=ThemeEdits(merges=[[noise.signature, library.signature]]))
    assert len(merged.themes) == 2
    split = find_themes(_comments(150, seed=1)[0], count=3, edits=ThemeEdits(splits=[noise.signature]))
    assert len(split.themes) == 4


def test_too_few_or_empty_comments_are_refused_plainly() -> None:
    with pytest.raises(TownhallError, match="too few to find 10 themes"):
        find_themes(["one comment", "", "   "], count=10)


def test_demo_themes_match_the_planted_ones_and_trends_are_protected(words_demo_folder: Path, tmp_path: Path,
                                                                     copy_and_open) -> None:  # type: ignore[no-untyped-def]
    with copy_and_open(words_demo_folder, tmp_path / "ashbury") as workspace:
        run = load_theme_run(workspace)
        truth = pd.read_csv(workspace.path / workspace.settings.demo.truth_folder / "feedback_truth.csv")
        planted = run.comments.merge(truth, left_on="record_id", right_on="feedback_id")
        agreement = theme_agreement(planted["theme_id"], planted["service_y"] + "/" + planted["theme"])
        assert agreement["normalised_mutual_information"] > 0.5
        for by in ("month", "service", "area"):
            table = theme_trends(workspace, by, run=run)
            for column in table.count_columns:
                shown = table.frame[column].dropna()
                assert ((shown >= 10) & (shown % 5 == 0)).all()
        first = run.themes[0]
        name_theme(workspace, first.theme_id, "Repairs not done", actor="tester")
        again = run_themes(workspace, actor="tester")
        assert "Repairs not done" in [theme.name for theme in again.themes]
        with pytest.raises(TownhallError, match="Theme trends are by month, service, area"):
            theme_trends(workspace, "postcode", run=again)
    with Workspace.open(words_demo_folder) as untouched:
        assert "Repairs not done" not in [theme.label for theme in load_theme_run(untouched).themes]
