"""Benchmark and figures for text analysis: redaction, themes, sentiment, classification and key passages.

    python bench/text.py                      # the demo at 10,000 residents, built and linked in the temp folder
    python bench/text.py --residents 3000     # smaller and quicker

Builds the demo council and links it (cached under the system temporary folder, reused by later runs), then prints:

- redaction recall per kind of detail on a planted corpus, with the person index's names and by pattern only, and
  its speed beside a plain ``re`` pass for the same structured patterns;
- themes against the demo's planted themes (purity and normalised mutual information with the truth's service and
  theme of each comment) at the default number of themes and at 20, and the time beside plain scikit-learn NMF;
- sentiment agreement with residents' ratings, and VADER's time through townhall beside VADER alone;
- the service classifier's held-out accuracy, and a learning curve labelling the least-sure comments first beside
  labelling at random;
- key passages: how often the planted case-note phrase is the key passage of the cases that hold it;
- intent matching accuracy on held-out phrasings.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path


def _workspace(residents: int) -> Path:
    """The demo at this size, built and linked once under the temporary folder."""
    from townhall.demo.workspace_builder import build_demo_workspace
    from townhall.identity import link_people
    from townhall.identity.index import index_exists
    from townhall.workspace import Workspace

    folder = Path(tempfile.gettempdir()) / "townhall-bench" / f"text-{residents}"
    os.environ.setdefault("TOWNHALL_SECRETS_DIR", str(folder.parent / "secrets"))
    if (folder / "townhall.toml").exists():
        with Workspace.open(folder) as existing:
            if index_exists(existing):
                return folder
    started = time.perf_counter()
    build_demo_workspace(folder, residents=residents)
    with Workspace.open(folder) as built:
        link_people(built)
    print(f"Built and linked the demo ({residents:,} residents) in {time.perf_counter() - started:.0f} s.")
    return folder


def _timed(action):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=10_000)
    arguments = parser.parse_args()
    import pandas as pd

    from townhall.text import (
        KnownNames,
        Redactor,
        case_note_texts,
        compound_scores,
        find_key_passages,
        find_themes,
        key_passage_for_case,
        known_names,
        learning_curve,
        measure_recall,
        planted_corpus,
        prepare_comments,
        rating_agreement,
        read_comments,
        theme_agreement,
        train_classifier,
    )
    from townhall.workspace import Workspace

    print(f"Load before: {os.getloadavg()[0]:.2f}")
    workspace = Workspace.open(_workspace(arguments.residents))

    # Redaction
    names = known_names(workspace)
    with workspace.analytics.connect(read_only=True) as connection:
        pairs = connection.execute("select first_name, surname from identity.persons where first_name is not null "
                                   "and surname is not null using sample 400 rows (reservoir, 11)").fetchall()
    corpus = planted_corpus(pairs, per_kind=500, seed=1)
    for label, redactor in (("index names", Redactor(names)), ("pattern only", Redactor(KnownNames()))):
        result = measure_recall(redactor, corpus)
        print(f"Redaction recall ({label}): " + ", ".join(f"{kind} {recall:.1%}" for kind, _p, _r, recall in
                                                         result.rows())
              + f"; clean sentences changed {result.over_redaction:.1%}")
    texts = [item.text for item in corpus] * 5
    redactor = Redactor(names)
    _, ours = _timed(lambda: [redactor.redact(text) for text in texts])
    plain = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|(?:\+44|0)[\d ]{9,12}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}")
    _, bare = _timed(lambda: [plain.sub("[X]", text) for text in texts])
    print(f"Redaction speed: {len(texts) / ours:,.0f} texts/s (townhall, every kind and the name index) beside "
          f"{len(texts) / bare:,.0f} texts/s (one plain regular expression for emails, phones and postcodes).")

    # Themes
    prepared, seconds = _timed(lambda: prepare_comments(workspace, actor="bench"))
    print(f"Prepared {prepared.comments:,} comments in {seconds:.1f} s: {prepared.details_redacted}")
    comments = read_comments(workspace, english_only=True)
    truth = pd.read_csv(workspace.path / workspace.settings.demo.truth_folder / "feedback_truth.csv")
    labelled = comments.merge(truth, left_on="record_id", right_on="feedback_id")
    planted = (labelled["service_y"] + "/" + labelled["theme"]).tolist()
    for count in (workspace.settings.text.themes, 20):
        model, seconds = _timed(lambda count=count: find_themes(labelled["text"].tolist(), count=count))
        agreement = theme_agreement(model.assignment, planted)
        information = agreement["normalised_mutual_information"]
        print(f"Themes ({count}): purity {agreement['purity']:.2f}, NMI {information:.2f} against "
              f"{len(set(planted))} planted service/theme pairs; {seconds:.2f} s")
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    _, seconds = _timed(lambda: NMF(n_components=10, init="nndsvda", random_state=0, max_iter=500).fit_transform(
        TfidfVectorizer(stop_words="english").fit_transform(labelled["text"])))
    print(f"Plain scikit-learn NMF on the same comments: {seconds:.2f} s")

    # Sentiment
    scores, seconds = _timed(lambda: compound_scores(comments["text"].tolist()))
    agreement = rating_agreement(scores, comments["rating"].tolist(), workspace.settings.text.rating_scale)
    print(f"Sentiment: {agreement.sentence()} ({seconds:.2f} s for {len(scores):,} comments)")
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyser = SentimentIntensityAnalyzer()
    _, seconds = _timed(lambda: [analyser.polarity_scores(text) for text in comments["text"]])
    print(f"VADER alone on the same comments: {seconds:.2f} s")

    # Classifier
    report, seconds = _timed(lambda: train_classifier(workspace, actor="bench"))
    print(f"Classifier: {report.sentence()} ({seconds:.1f} s)")
    half = len(labelled) // 2
    for strategy in ("uncertainty", "random"):
        curve = learning_curve(labelled["text"][:half].tolist(), labelled["service_x"][:half].tolist(),
                               labelled["text"][half:].tolist(), labelled["service_x"][half:].tolist(),
                               start=10, step=10, rounds=5, strategy=strategy)
        print(f"Learning curve ({strategy}): " + ", ".join(f"{n} labels {accuracy:.0%}" for n, accuracy in curve))

    # Key passages
    result, seconds = _timed(lambda: find_key_passages(workspace, actor="bench"))
    cases = case_note_texts(workspace)
    holding = cases[cases["text"].str.contains("scared to go home", regex=False)]
    found = sum("scared to go home" in (key_passage_for_case(workspace, case).passage or "")
                for case in holding["case_id"])
    print(f"Key passages: {result.cases:,} cases, notes-only AUC {result.auc:.2f}; the planted passage is the key "
          f"passage of {found} of {len(holding)} cases that hold it ({seconds:.1f} s)")

    # Intents
    from townhall.assistant import evaluate_intents, held_out_phrasings, load_flows, train_intents

    for line in evaluate_intents(train_intents(load_flows()), held_out_phrasings()).lines():
        print(f"Intents: {line}")
    print(f"Load after: {os.getloadavg()[0]:.2f}")
    workspace.close()


if __name__ == "__main__":
    main()
