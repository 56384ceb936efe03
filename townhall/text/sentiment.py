"""Sentiment: whether comments read as positive or negative, by VADER (a word list with rules, fully offline), only
ever reported for groups of comments (a theme, a service, a month), never as a score for one resident.

VADER gives each comment a compound score from -1 (most negative) to +1 (most positive); like its authors, townhall
calls a comment negative below -0.05, positive above +0.05, and neutral between. Where residents also gave a rating,
``rating_agreement`` checks how often VADER's reading and the rating agree, as a figure to quote beside any result.
It reads English only: comments in other languages are left out and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from townhall.errors import TownhallError

if TYPE_CHECKING:

    from townhall.governance.disclosure import ProtectedTable
    from townhall.workspace import Workspace

NEGATIVE_BELOW = -0.05
POSITIVE_ABOVE = 0.05
NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"


def compound_scores(texts: Sequence[str]) -> list[float]:
    """VADER's compound score (-1 to +1) for each text; placeholders such as [NAME] are ignored."""
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:  # pragma: no cover - a main dependency; said plainly if an install lost it
        raise TownhallError("Sentiment needs the vaderSentiment package: pip install vaderSentiment.") from None
    from townhall.text.corpus import without_placeholders

    analyser = SentimentIntensityAnalyzer()
    return [analyser.polarity_scores(without_placeholders(text))["compound"] if text else 0.0 for text in texts]


def polarity(score: float) -> str:
    """"negative", "neutral" or "positive" for a compound score."""
    if score < NEGATIVE_BELOW:
        return NEGATIVE
    if score > POSITIVE_ABOVE:
        return POSITIVE
    return NEUTRAL


def rating_polarity(rating: float, scale: tuple[int, int]) -> str | None:
    """A rating as negative (below the middle of the scale), neutral (the middle) or positive (above); None when
    missing or off the scale."""
    low, high = scale
    if rating is None or rating != rating or not low <= rating <= high:
        return None
    middle = (low + high) / 2
    return NEGATIVE if rating < middle else POSITIVE if rating > middle else NEUTRAL


@dataclass
class RatingAgreement:
    """How VADER's reading agrees with the ratings residents gave."""

    compared: int  # comments with a rating that is not the middle of the scale and a score that is not neutral
    agreeing: int
    rank_correlation: float  # Spearman's correlation of score and rating over every rated comment
    rated: int

    @property
    def agreement(self) -> float:
        """Share of compared comments where both say negative or both say positive."""
        return self.agreeing / self.compared if self.compared else float("nan")

    def sentence(self) -> str:
        """The agreement in plain English, with what it means."""
        return (f"Where residents gave a clear rating and the words read clearly positive or negative, the words "
                f"and the rating agreed for {self.agreement:.0%} of {self.compared:,} comments. Over all "
                f"{self.rated:,} rated comments, Spearman's rank correlation between the score and the rating is "
                f"{self.rank_correlation:.2f} (1 would mean higher ratings always came with more positive words).")


def rating_agreement(scores: Sequence[float], ratings: Sequence[float], scale: tuple[int, int]) -> RatingAgreement:
    """Agreement of compound scores with ratings on ``scale`` (e.g. 1 to 5)."""
    from scipy.stats import spearmanr

    pairs = [(score, rating) for score, rating in zip(scores, ratings, strict=True)
             if rating_polarity(rating, scale) is not None]
    compared = agreeing = 0
    for score, rating in pairs:
        words, given = polarity(score), rating_polarity(rating, scale)
        if words != NEUTRAL and given != NEUTRAL:
            compared += 1
            agreeing += words == given
    correlation = float(spearmanr([p[0] for p in pairs], [p[1] for p in pairs]).statistic) if len(pairs) > 2 else \
        float("nan")
    return RatingAgreement(compared=compared, agreeing=agreeing, rank_correlation=correlation, rated=len(pairs))


@dataclass
class SentimentSummary:
    """Sentiment of the prepared comments, by group only."""

    by_group: ProtectedTable  # negative / neutral / positive counts per theme, service or month
    agreement: RatingAgreement | None
    left_out: int  # comments not in English


def sentiment_summary(workspace: Workspace, by: str = "service") -> SentimentSummary:
    """Negative, neutral and positive comments per group (protected counts), and agreement with ratings."""
    import pandas as pd

    from townhall.governance.disclosure import DisclosureRule, protect_table
    from townhall.text.corpus import read_comments

    allowed = ("service", "area", "month", "theme")
    if by not in allowed:
        raise TownhallError(f"Sentiment is summarised by {', '.join(allowed)}, not '{by}'.")
    everything = read_comments(workspace)
    comments = everything[everything["language"] == "en"].reset_index(drop=True)
    if comments.empty:
        raise TownhallError("There are no English comments to read sentiment from.")
    scores = compound_scores(comments["text"].tolist())
    comments["polarity"] = [polarity(score) for score in scores]
    if by == "theme":
        from townhall.text.themes import load_theme_run

        run = load_theme_run(workspace)
        labels = {theme.theme_id: theme.label for theme in run.themes}
        themes = run.comments.set_index("record_id")["theme_id"].map(labels)
        comments["theme"] = comments["record_id"].map(themes).fillna("No clear theme")
    groups = comments[by].fillna("Not recorded").astype(str)
    table = pd.crosstab(groups, comments["polarity"]).reindex(columns=[NEGATIVE, NEUTRAL, POSITIVE], fill_value=0)
    table.index.name = by
    body = table.reset_index()
    body.index = body[by]
    protected = protect_table(body, [NEGATIVE, NEUTRAL, POSITIVE], DisclosureRule.from_workspace(workspace),
                              total_row="Total", total_column="All comments")
    agreement = None
    if comments["rating"].notna().any():
        agreement = rating_agreement(scores, comments["rating"].tolist(), workspace.settings.text.rating_scale)
    return SentimentSummary(by_group=protected, agreement=agreement, left_out=len(everything) - len(comments))
