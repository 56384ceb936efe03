"""Classify and route: which service a comment is about, learnt from labelled examples, and the team it goes to.

The classifier is logistic regression over TF-IDF of words and word pairs. Labels come from the comments source's
service column where it has one, overridden by any label a person gives. Active learning asks a person to label the
comments the classifier is least sure about first (the smallest gap between its two likeliest services), which
reaches a given accuracy with fewer labels than labelling at random; ``learning_curve`` measures that on held-out
comments. A comment is routed to the team of its likeliest service, or to the triage team when the classifier is
less sure than ``[text] routing_confidence``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from townhall.errors import TownhallError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from townhall.workspace import Workspace

MODEL_FILE = Path("models") / "text-classifier.joblib"
HELD_OUT_SHARE = 0.25
MINIMUM_PER_LABEL = 2


class CommentClassifier:
    """Logistic regression over TF-IDF of words and word pairs, with the scikit-learn estimator contract."""

    def __init__(self, *, regularisation: float = 4.0, seed: int = 0) -> None:
        self.regularisation = regularisation
        self.seed = seed

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> CommentClassifier:
        """Learn from labelled texts; needs at least two labels."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        from townhall.text.corpus import without_placeholders

        if len(set(labels)) < 2:
            raise TownhallError("The classifier needs examples of at least two different labels.")
        self.pipeline_ = make_pipeline(
            TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True, min_df=1),
            LogisticRegression(C=self.regularisation, max_iter=2000, random_state=self.seed))
        self.pipeline_.fit([without_placeholders(text) for text in texts], list(labels))
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of each label (columns in ``classes_`` order) for each text."""
        from townhall.text.corpus import without_placeholders

        self._check_fitted()
        return self.pipeline_.predict_proba([without_placeholders(text) for text in texts])

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The likeliest label of each text."""
        probabilities = self.predict_proba(texts)
        return [str(self.classes_[index]) for index in probabilities.argmax(axis=1)]

    def _check_fitted(self) -> None:
        if not hasattr(self, "pipeline_"):
            raise TownhallError("The classifier has not been trained yet: call fit, or run 'townhall text classify'.")


def uncertainty(probabilities: np.ndarray) -> np.ndarray:
    """How unsure the classifier is about each row: 1 minus the gap between its two likeliest labels."""
    import numpy as np

    ordered = np.sort(probabilities, axis=1)
    return 1 - (ordered[:, -1] - ordered[:, -2]) if probabilities.shape[1] > 1 else np.zeros(len(probabilities))


def most_uncertain(classifier: CommentClassifier, texts: Sequence[str], count: int) -> list[int]:
    """Positions of the ``count`` texts the classifier is least sure about, least sure first."""
    import numpy as np

    if not texts:
        return []
    order = np.argsort(-uncertainty(classifier.predict_proba(texts)), kind="stable")
    return [int(index) for index in order[:count]]


def learning_curve(texts: Sequence[str], labels: Sequence[str], held_out_texts: Sequence[str],
                   held_out_labels: Sequence[str], *, start: int = 20, step: int = 20, rounds: int = 6,
                   strategy: str = "uncertainty", seed: int = 0) -> list[tuple[int, float]]:
    """Held-out accuracy after each round of labelling ``step`` more comments, chosen by ``strategy``
    ("uncertainty": least sure first, or "random"), starting from ``start`` random labels."""
    if strategy not in {"uncertainty", "random"}:
        raise TownhallError(f"The labelling strategy is 'uncertainty' or 'random', not '{strategy}'.")
    rng = random.Random(seed)
    pool = list(range(len(texts)))
    rng.shuffle(pool)
    labelled, unlabelled = pool[:start], pool[start:]
    curve = []
    for round_number in range(rounds + 1):
        classifier = CommentClassifier(seed=seed).fit([texts[i] for i in labelled], [labels[i] for i in labelled])
        predicted = classifier.predict(held_out_texts)
        accuracy = sum(p == t for p, t in zip(predicted, held_out_labels, strict=True)) / len(held_out_labels)
        curve.append((len(labelled), accuracy))
        if round_number == rounds or not unlabelled:
            break
        if strategy == "random":
            chosen = unlabelled[:step]
        else:
            chosen = [unlabelled[i] for i in most_uncertain(classifier, [texts[i] for i in unlabelled], step)]
        labelled += chosen
        unlabelled = [index for index in unlabelled if index not in set(chosen)]
    return curve


@dataclass
class ClassifierReport:
    """A trained classifier's held-out accuracy, per label and overall."""

    labels: int
    trained_on: int
    held_out: int
    accuracy: float
    per_label: dict[str, float] = field(default_factory=dict)
    people_labels: int = 0

    def sentence(self) -> str:
        """The accuracy in plain English."""
        return (f"Trained on {self.trained_on:,} labelled comments ({self.people_labels:,} labelled by people); on "
                f"{self.held_out:,} comments kept aside for testing, it chose the right one of {self.labels} services "
                f"for {self.accuracy:.0%}.")


def labelled_comments(workspace: Workspace) -> pd.DataFrame:
    """Prepared comments (English) with their label: a person's label where given, else the source's service."""
    from townhall.text.corpus import read_comments

    comments = read_comments(workspace, english_only=True)
    people = {record.record_id: record.label for record in _stored_labels(workspace)}
    comments["person_label"] = comments["record_id"].map(people).astype("string")
    comments["label"] = comments["person_label"].fillna(comments["service"])
    return comments


def train_classifier(workspace: Workspace, *, seed: int = 0, actor: str | None = None) -> ClassifierReport:
    """Train on the labelled comments (a quarter kept aside, by label, to measure accuracy), then on all of them,
    and save the model to ``models/text-classifier.joblib``."""
    import io

    import joblib
    from sklearn.model_selection import train_test_split

    from townhall.store.files import atomic_write_bytes
    from townhall.workspace import current_actor

    comments = labelled_comments(workspace)
    labelled = comments[comments["label"].notna() & (comments["label"].astype(str).str.strip() != "")]
    counts = labelled["label"].value_counts()
    usable = labelled[labelled["label"].isin(counts[counts >= MINIMUM_PER_LABEL].index)]
    if usable["label"].nunique() < 2:
        raise TownhallError("There are not enough labelled comments to train a classifier: it needs at least "
                            f"{MINIMUM_PER_LABEL} comments for each of two services. Label some on the Text page.")
    train, test = train_test_split(usable, test_size=HELD_OUT_SHARE, stratify=usable["label"], random_state=seed)
    checked = CommentClassifier(seed=seed).fit(train["text"].tolist(), train["label"].tolist())
    predicted = checked.predict(test["text"].tolist())
    right = [p == t for p, t in zip(predicted, test["label"], strict=True)]
    per_label = {str(label): float(sum(r for r, t in zip(right, test["label"], strict=True) if t == label)
                                   / max(1, int((test["label"] == label).sum())))
                 for label in sorted(usable["label"].unique())}
    report = ClassifierReport(labels=usable["label"].nunique(), trained_on=len(train), held_out=len(test),
                              accuracy=sum(right) / len(right), per_label=per_label,
                              people_labels=int(usable["person_label"].notna().sum()))
    final = CommentClassifier(seed=seed).fit(usable["text"].tolist(), usable["label"].tolist())
    buffer = io.BytesIO()
    joblib.dump({"classifier": final, "report": report, "trained_at": datetime.now(UTC).isoformat()}, buffer)
    atomic_write_bytes(workspace.path / MODEL_FILE, buffer.getvalue())
    workspace.audit.record(actor or current_actor(), "text.classifier_trained", "text-classifier",
                           details={"trained_on": len(usable), "accuracy": round(report.accuracy, 4)})
    return report


def load_classifier(workspace: Workspace) -> tuple[CommentClassifier, ClassifierReport]:
    """The saved classifier and its report; stops with what to run when there is none."""
    import joblib

    path = workspace.path / MODEL_FILE
    if not path.exists():
        raise TownhallError("No comment classifier has been trained yet. Run 'townhall text classify' first.")
    saved: dict[str, Any] = joblib.load(path)
    return saved["classifier"], saved["report"]


@dataclass(frozen=True)
class Routing:
    """Where one comment goes: the team, the service it seems to be about, and how sure the classifier is."""

    team: str
    service: str
    confidence: float
    triaged: bool  # sent to the triage team because the classifier was not sure enough


def route_comments(workspace: Workspace, texts: Sequence[str]) -> list[Routing]:
    """The team each new comment should go to ([text] routing), redacting it first."""
    from townhall.text.redact import Redactor, known_names

    settings = workspace.settings.text
    classifier, _report = load_classifier(workspace)
    redactor = Redactor(known_names(workspace))
    cleaned = [redactor.redact(text or "") for text in texts]
    probabilities = classifier.predict_proba(cleaned) if cleaned else []
    routed = []
    for row in probabilities:
        best = int(row.argmax())
        service, confidence = str(classifier.classes_[best]), float(row[best])
        triaged = confidence < settings.routing_confidence or service not in settings.routing
        team = settings.triage_team if triaged else settings.routing[service]
        routed.append(Routing(team=team, service=service, confidence=confidence, triaged=triaged))
    return routed


def comments_to_label(workspace: Workspace, count: int = 10) -> pd.DataFrame:
    """The comments a person should label next: those no person has labelled, least sure first (with the service
    the source recorded, which a person may confirm or change)."""
    comments = labelled_comments(workspace)
    waiting = comments[comments["person_label"].isna()].reset_index(drop=True)
    if waiting.empty:
        return waiting
    try:
        classifier, _report = load_classifier(workspace)
    except TownhallError:
        return waiting.head(count)
    order = most_uncertain(classifier, waiting["text"].tolist(), count)
    chosen = waiting.iloc[order].copy()
    chosen["suggested"] = classifier.predict(chosen["text"].tolist())
    return chosen


def record_label(workspace: Workspace, record_id: str, label: str, *, labelled_by: str) -> None:
    """A person's label for one comment (the latest per comment counts); used at the next training."""
    from townhall.store.state import TextLabelRecord

    cleaned = " ".join((label or "").split())
    if not cleaned:
        raise TownhallError("Choose the service the comment is about.")
    with workspace.state.session() as session:
        session.add(TextLabelRecord(record_id=str(record_id), label=cleaned, labelled_by=labelled_by,
                                    labelled_at=datetime.now(UTC)))
    workspace.audit.record(labelled_by, "text.comment_labelled", str(record_id))


def _stored_labels(workspace: Workspace) -> list[Any]:
    from sqlalchemy import select

    from townhall.store.state import TextLabelRecord

    with workspace.state.session() as session:
        records = session.execute(select(TextLabelRecord).order_by(TextLabelRecord.id)).scalars().all()
    latest: dict[str, Any] = {}
    for record in records:
        latest[record.record_id] = record
    return list(latest.values())
