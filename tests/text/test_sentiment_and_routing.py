"""Sentiment by group agrees with residents' ratings; the classifier routes comments and learns from labels."""

from __future__ import annotations

from pathlib import Path

from townhall.text import (
    learning_curve,
    load_classifier,
    polarity,
    rating_agreement,
    read_comments,
    record_label,
    route_comments,
    sentiment_summary,
    train_classifier,
)
from townhall.text.sentiment import rating_polarity


def test_ratings_split_at_the_middle_of_the_scale_and_scores_at_a_twentieth() -> None:
    assert [rating_polarity(value, (1, 5)) for value in (1, 2, 3, 4, 5, 0, float("nan"))] == [
        "negative", "negative", "neutral", "positive", "positive", None, None]
    assert [polarity(score) for score in (-0.5, 0.0, 0.05, 0.06)] == ["negative", "neutral", "neutral", "positive"]
    agreement = rating_agreement([0.8, -0.6, 0.5, 0.0], [5, 1, 2, 3], (1, 5))
    assert (agreement.compared, agreement.agreeing) == (3, 2)


def test_sentiment_agrees_with_the_demo_ratings_and_is_only_shown_by_group(words_demo_folder: Path,
                                                                           copy_and_open, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with copy_and_open(words_demo_folder, tmp_path / "ashbury") as workspace:
        summary = sentiment_summary(workspace, "service")
        assert summary.agreement is not None and summary.agreement.agreement > 0.85
        assert summary.agreement.rank_correlation > 0.5
        services = set(read_comments(workspace)["service"])
        assert set(summary.by_group.frame.index) == services | {"Total"}


def test_the_classifier_is_accurate_on_held_out_comments_and_unsure_comments_go_to_triage(
        words_demo_folder: Path, copy_and_open, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with copy_and_open(words_demo_folder, tmp_path / "ashbury") as workspace:
        _classifier, report = load_classifier(workspace)
        assert report.accuracy >= 0.9 and report.held_out >= 20
        sure, unsure = route_comments(workspace, ["My bin was missed again and the recycling is overflowing",
                                                  "hello"])
        assert sure.team == workspace.settings.text.routing["Waste and recycling"] and not sure.triaged
        assert unsure.triaged and unsure.team == workspace.settings.text.triage_team
        comment = read_comments(workspace).iloc[0]
        record_label(workspace, comment["record_id"], "Libraries", labelled_by="tester")
        assert train_classifier(workspace, actor="tester").people_labels == 1


def test_labelling_the_least_sure_first_reaches_good_accuracy_with_few_labels() -> None:
    texts = [f"{topic} {detail}" for topic in ("bin missed", "pothole road", "library hours", "leak boiler")
             for detail in ("again", "please fix", "for weeks", "on my street", "since monday", "still waiting",
                            "terrible service", "thank you", "very poor", "urgent")] * 2
    labels = [text.split()[0] for text in texts]
    curve = learning_curve(texts[::2], labels[::2], texts[1::2], labels[1::2], start=4, step=4, rounds=3)
    assert [labelled for labelled, _ in curve] == [4, 8, 12, 16]
    assert curve[-1][1] >= 0.9
