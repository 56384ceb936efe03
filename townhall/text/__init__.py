"""Text: what residents write and what case notes say, redacted first, then themes, sentiment, routing and the
passages that matter.

Everything starts from redacted text: ``prepare_comments`` stores the comments source with personal details replaced
by placeholders, and every later step (themes, sentiment, the classifier, key passages) reads only that.
"""

from townhall.text.classify import (
    ClassifierReport,
    CommentClassifier,
    Routing,
    comments_to_label,
    learning_curve,
    load_classifier,
    most_uncertain,
    record_label,
    route_comments,
    train_classifier,
)
from townhall.text.corpus import (
    PreparedComments,
    decode_text,
    language_of,
    prepare_comments,
    read_comments,
    read_text_file,
)
from townhall.text.passages import (
    CasePassages,
    KeyPassage,
    PassageModel,
    case_note_texts,
    find_key_passages,
    key_passage_for_case,
    split_passages,
)
from townhall.text.redact import IDENTIFIER_KINDS, PLACEHOLDERS, STRUCTURED_KINDS, KnownNames, Redactor, known_names
from townhall.text.redaction_check import PlantedText, RedactionRecall, measure_recall, planted_corpus
from townhall.text.sentiment import (
    RatingAgreement,
    SentimentSummary,
    compound_scores,
    polarity,
    rating_agreement,
    sentiment_summary,
)
from townhall.text.themes import (
    NO_THEME,
    Theme,
    ThemeEdits,
    ThemeModel,
    ThemeRun,
    find_themes,
    load_theme_run,
    merge_themes,
    name_theme,
    run_themes,
    split_theme,
    theme_agreement,
    theme_trends,
)

__all__ = [
    "IDENTIFIER_KINDS", "NO_THEME", "PLACEHOLDERS", "STRUCTURED_KINDS", "CasePassages", "ClassifierReport",
    "CommentClassifier", "KeyPassage", "KnownNames", "PassageModel", "PlantedText", "PreparedComments",
    "RatingAgreement", "RedactionRecall", "Redactor", "Routing", "SentimentSummary", "Theme", "ThemeEdits",
    "ThemeModel", "ThemeRun", "case_note_texts", "comments_to_label", "compound_scores", "decode_text",
    "find_key_passages", "find_themes", "key_passage_for_case", "known_names", "language_of", "learning_curve",
    "load_classifier", "load_theme_run", "measure_recall", "merge_themes", "most_uncertain", "name_theme",
    "planted_corpus", "polarity", "prepare_comments", "rating_agreement", "read_comments", "read_text_file",
    "record_label", "route_comments", "run_themes", "sentiment_summary", "split_passages", "split_theme",
    "theme_agreement", "theme_trends", "train_classifier",
]
