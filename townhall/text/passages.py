"""Key passages: which sentence of a case's notes pushed a model's reading of it most towards escalation.

A logistic regression over TF-IDF of words and word sequences (one to three words) learns, from cases whose outcome
is known, which phrases in the (redacted) notes come before escalation. A passage's contribution is the sum, over the
phrases in it, of the phrase's weight in the model times its TF-IDF value in the case's notes (shared equally when a
phrase appears in several passages), so the contributions of a case's passages add up to the part of its score
that its words explain. The key passage is the one that contributes most; the review queue can quote it.

``case_note_texts`` reads notes written before a date only, so a risk model's text feature never sees notes written
after its as-of date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from townhall.errors import TownhallError

if TYPE_CHECKING:
    import pandas as pd

    from townhall.workspace import Workspace

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[\"'(])")
PASSAGES_TABLE = "text.case_passages"


def split_passages(text: str) -> list[str]:
    """The sentences of a text (at ., ! or ? followed by a capital), blanks dropped."""
    return [part.strip() for part in _SENTENCE_END.split(text or "") if part.strip()]


@dataclass(frozen=True)
class KeyPassage:
    """The passage that pushed the model most towards the outcome, and how far (in log-odds)."""

    passage: str
    contribution: float


class PassageModel:
    """Logistic regression over TF-IDF of 1-3 word phrases, scoring cases and their passages."""

    def __init__(self, *, regularisation: float = 2.0, seed: int = 0) -> None:
        self.regularisation = regularisation
        self.seed = seed

    def fit(self, texts: Sequence[str], outcomes: Sequence[bool]) -> PassageModel:
        """Learn from each case's notes and whether it escalated."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        from townhall.text.corpus import without_placeholders

        if len(set(outcomes)) < 2:
            raise TownhallError("Key passages need cases with both outcomes (some escalated, some not) to learn from.")
        self.vectoriser_ = TfidfVectorizer(ngram_range=(1, 3), min_df=3, sublinear_tf=True, stop_words="english")
        matrix = self.vectoriser_.fit_transform([without_placeholders(text) for text in texts])
        self.classifier_ = LogisticRegression(C=self.regularisation, max_iter=2000, class_weight="balanced",
                                              random_state=self.seed)
        self.classifier_.fit(matrix, list(outcomes))
        self.weights_ = self.classifier_.coef_[0]
        return self

    def score(self, texts: Sequence[str]) -> list[float]:
        """The probability of the outcome for each case's notes."""
        from townhall.text.corpus import without_placeholders

        matrix = self.vectoriser_.transform([without_placeholders(text) for text in texts])
        return [float(value) for value in self.classifier_.predict_proba(matrix)[:, 1]]

    def passage_contributions(self, text: str) -> list[KeyPassage]:
        """Each passage of ``text`` with its contribution towards the outcome, largest first."""
        from townhall.text.corpus import without_placeholders

        passages = split_passages(text)
        if not passages:
            return []
        document = self.vectoriser_.transform([without_placeholders(text)])
        analyse = self.vectoriser_.build_analyzer()
        vocabulary = self.vectoriser_.vocabulary_
        phrases_in = [{vocabulary[phrase] for phrase in analyse(without_placeholders(passage)) if phrase in vocabulary}
                      for passage in passages]
        holders: dict[int, int] = {}
        for phrases in phrases_in:
            for index in phrases:
                holders[index] = holders.get(index, 0) + 1
        values = dict(zip(document.indices, document.data, strict=True))
        scored = [KeyPassage(passage, float(sum(self.weights_[index] * values.get(index, 0.0) / holders[index]
                                                for index in phrases)))
                  for passage, phrases in zip(passages, phrases_in, strict=True)]
        return sorted(scored, key=lambda item: -item.contribution)

    def key_passage(self, text: str) -> KeyPassage | None:
        """The passage that contributes most towards the outcome (None for empty notes)."""
        contributions = self.passage_contributions(text)
        return contributions[0] if contributions else None

    def top_phrases(self, count: int = 10) -> list[tuple[str, float]]:
        """The phrases that weigh most towards the outcome."""
        terms = self.vectoriser_.get_feature_names_out()
        order = self.weights_.argsort()[::-1][:count]
        return [(str(terms[index]), float(self.weights_[index])) for index in order]


def case_note_texts(workspace: Workspace, *, before: date | None = None) -> pd.DataFrame:
    """Each case's notes joined in date order and redacted (names from the person index and from the case's own
    record), with its outcome: columns case_id, text, notes, escalated. Notes dated on or after ``before`` are left
    out, so a model built as of a date sees only what was written by then."""
    import pandas as pd

    from townhall.text.corpus import read_source_columns
    from townhall.text.redact import Redactor, known_names

    settings = workspace.settings.text
    columns = settings.case_note_columns
    notes = read_source_columns(workspace, settings.case_notes_source, {
        "case_id": (columns.record_id, True), "text": (columns.text, True), "written": (columns.date, False)})
    outcomes = read_source_columns(workspace, columns.outcome_source, {
        "case_id": (columns.outcome_record_id, True), "outcome": (columns.outcome, True),
        **{f"name_{number}": (name, False) for number, name in enumerate(columns.name_columns)}})
    notes["written"] = pd.to_datetime(notes["written"], errors="coerce", dayfirst=True)
    if before is not None:
        notes = notes[notes["written"].notna() & (notes["written"] < pd.Timestamp(before))]
    notes = notes[notes["text"].fillna("").str.strip() != ""]
    if notes.empty:
        raise TownhallError(f"{settings.case_notes_source} has no case notes to read"
                            + (f" written before {before:%d/%m/%Y}." if before else "."))
    notes = notes.sort_values(["case_id", "written"], kind="stable")
    joined = notes.groupby("case_id", sort=True).agg(text=("text", " ".join), notes=("text", "size")).reset_index()
    outcomes["case_id"] = outcomes["case_id"].astype(str)
    joined["case_id"] = joined["case_id"].astype(str)
    cases = joined.merge(outcomes.drop_duplicates("case_id"), on="case_id", how="left")
    escalated_values = {value.lower() for value in columns.escalated_values}
    cases["escalated"] = cases["outcome"].fillna("").astype(str).str.strip().str.lower().isin(escalated_values)
    redactor = Redactor(known_names(workspace))
    name_columns = [column for column in cases.columns if column.startswith("name_")]
    cases["text"] = [redactor.redact(text, [str(value) for value in row if isinstance(value, str)])
                     for text, row in zip(cases["text"], cases[name_columns].itertuples(index=False), strict=True)]
    return cases[["case_id", "text", "notes", "escalated"]]


@dataclass
class CasePassages:
    """What ``find_key_passages`` stored: how many cases, how well the notes alone rank escalation, top phrases."""

    cases: int
    escalated: int
    auc: float  # cross-validated area under the ROC curve of the notes-only model
    top_phrases: list[tuple[str, float]]


def find_key_passages(workspace: Workspace, *, actor: str | None = None) -> CasePassages:
    """Train the passage model on every case with notes, and store each case's key passage and notes-only score
    as ``text.case_passages`` (case_id, passage, contribution, score) for the review queue to quote."""
    import pandas as pd
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline

    from townhall.workspace import current_actor

    cases = case_note_texts(workspace)
    model = PassageModel().fit(cases["text"].tolist(), cases["escalated"].tolist())
    pipeline = make_pipeline(model.vectoriser_, model.classifier_)
    folds = min(5, int(cases["escalated"].sum()), int((~cases["escalated"]).sum()))
    auc = float("nan")
    if folds >= 2:
        from townhall.text.corpus import without_placeholders

        predicted = cross_val_predict(pipeline, [without_placeholders(t) for t in cases["text"]],
                                      cases["escalated"], cv=folds, method="predict_proba")[:, 1]
        auc = float(roc_auc_score(cases["escalated"], predicted))
    key = [model.key_passage(text) for text in cases["text"]]
    stored = pd.DataFrame({
        "case_id": cases["case_id"], "passage": [item.passage if item else None for item in key],
        "contribution": [item.contribution if item else None for item in key],
        "score": model.score(cases["text"].tolist())})
    with workspace.analytics.transaction() as connection:
        connection.execute("create schema if not exists text")
        connection.register("incoming_passages", stored)
        connection.execute(f"create or replace table {PASSAGES_TABLE} as select * from incoming_passages")
        connection.unregister("incoming_passages")
    workspace.audit.record(actor or current_actor(), "text.key_passages_found",
                           workspace.settings.text.case_notes_source, details={"cases": len(cases)})
    return CasePassages(cases=len(cases), escalated=int(cases["escalated"].sum()), auc=auc,
                        top_phrases=model.top_phrases(8))


def key_passage_for_case(workspace: Workspace, case_id: str) -> KeyPassage | None:
    """The stored key passage of one case (for the review queue's reasons); None when it has none or none stored."""
    if not workspace.analytics.table_exists("text", "case_passages"):
        return None
    with workspace.analytics.connect(read_only=True) as connection:
        row = connection.execute(f"select passage, contribution from {PASSAGES_TABLE} where case_id = ?",
                                 [str(case_id)]).fetchone()
    if row is None or row[0] is None:
        return None
    return KeyPassage(passage=row[0], contribution=float(row[1]))
