"""Themes: what residents are raising, found without labels, named and reshaped by a person, counted over time.

Topics come from non-negative matrix factorisation (scikit-learn's NMF) over TF-IDF word and word-pair weights of
the redacted comments: each theme is a set of words that tend to appear together, described by its top terms and
three representative quotes (the comments most strongly in it). Every comment is counted in its strongest theme;
comments with no clear theme are counted apart.

A person's naming, merging and splitting is kept in ``<workspace>/text/themes.yaml`` and applied on every later run.
Themes are recognised again by their signature (their top 25 terms: a theme keeps its name while at least 30% of
them stay, the best-matching theme taking it), so a new month's comments do not lose the names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from townhall.errors import TownhallError
from townhall.text.corpus import SCHEMA, read_comments, without_placeholders

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from townhall.governance.disclosure import ProtectedTable
    from townhall.workspace import Workspace

EDITS_FILE = Path("text") / "themes.yaml"
TOP_TERMS = 8  # shown to people
SIGNATURE_TERMS = 25  # kept to recognise a theme again in a later run
QUOTES = 3
# Two signatures describe the same theme when at least this share of the shorter one is shared.
SAME_THEME_OVERLAP = 0.3
NO_THEME = -1
TREND_DIMENSIONS = {"month": "month", "service": "service", "area": "area"}


@dataclass
class Theme:
    """One theme: its number in this run, its name if a person gave one, top terms, quotes and how many comments."""

    theme_id: int
    terms: list[str]
    quotes: list[str]
    comments: int
    name: str | None = None
    signature: list[str] = field(default_factory=list)  # the top SIGNATURE_TERMS terms, to recognise it again

    @property
    def label(self) -> str:
        """The person's name for it, else its top three terms."""
        return self.name or ", ".join(self.terms[:3])


@dataclass
class ThemeEdits:
    """A person's changes to themes, kept for the next run: names, merges and splits, each by the themes' terms."""

    names: list[dict[str, Any]] = field(default_factory=list)  # {"terms": [...], "name": "..."}
    merges: list[list[list[str]]] = field(default_factory=list)  # each: the term lists of the themes merged
    splits: list[list[str]] = field(default_factory=list)  # each: the term list of a theme to split in two

    @classmethod
    def load(cls, workspace: Workspace) -> ThemeEdits:
        """The saved edits (none when nothing was saved yet)."""
        import yaml

        path = workspace.path / EDITS_FILE
        if not path.exists():
            return cls()
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise TownhallError(f"{path} could not be read ({error}). Fix or delete it: it holds theme names.") \
                from None
        if not isinstance(data, dict):
            raise TownhallError(f"{path} should hold names, merges and splits; fix or delete it.")
        return cls(names=list(data.get("names") or []), merges=list(data.get("merges") or []),
                   splits=list(data.get("splits") or []))

    def save(self, workspace: Workspace) -> Path:
        """Write the edits atomically."""
        import yaml

        from townhall.store.files import atomic_write_text

        path = workspace.path / EDITS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, yaml.safe_dump({"names": self.names, "merges": self.merges, "splits": self.splits},
                                               sort_keys=False, allow_unicode=True))
        return path


def overlap(terms: Sequence[str], other: Sequence[str]) -> float:
    """Share of the shorter signature found in the other (0 when either is empty)."""
    first, second = set(terms), set(other)
    return len(first & second) / min(len(first), len(second)) if first and second else 0.0


def same_theme(terms: Sequence[str], other: Sequence[str]) -> bool:
    """Whether two signatures describe the same theme."""
    return overlap(terms, other) >= SAME_THEME_OVERLAP


def apply_names(themes: Sequence[Theme], names: Sequence[dict[str, Any]]) -> None:
    """Give each saved name to the theme whose signature matches it best (each theme takes at most one name)."""
    pairs = sorted(((overlap(theme.signature or theme.terms, entry.get("terms") or []), index, position)
                    for index, theme in enumerate(themes) for position, entry in enumerate(names)), reverse=True)
    named_themes: set[int] = set()
    used_names: set[int] = set()
    for score, index, position in pairs:
        if score < SAME_THEME_OVERLAP or index in named_themes or position in used_names:
            continue
        themes[index].name = str(names[position].get("name"))
        named_themes.add(index)
        used_names.add(position)


@dataclass
class ThemeModel:
    """Themes found in a set of texts, with each text's theme (``NO_THEME`` when none is clear)."""

    themes: list[Theme]
    assignment: np.ndarray
    strength: np.ndarray
    method: str

    def theme(self, theme_id: int) -> Theme:
        """One theme by number."""
        for theme in self.themes:
            if theme.theme_id == theme_id:
                return theme
        raise TownhallError(f"There is no theme {theme_id}; the themes are numbered "
                            f"{', '.join(str(theme.theme_id) for theme in self.themes)}.")


def find_themes(texts: Sequence[str], *, count: int = 10, edits: ThemeEdits | None = None,
                seed: int = 0) -> ThemeModel:
    """Themes in ``texts`` by NMF over TF-IDF, with a person's saved edits applied (splits, merges, then names)."""
    import numpy as np
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    cleaned = [without_placeholders(text) for text in texts]
    if sum(bool(text.strip()) for text in cleaned) < max(2 * count, 10):
        raise TownhallError(f"There are {len(cleaned)} comments with words in them: too few to find {count} themes "
                            f"(at least {max(2 * count, 10)} are needed). Ask for fewer themes or add comments.")
    vectoriser = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True,
                                 token_pattern=r"(?u)\b[^\W\d_][^\W\d_]+\b")
    try:
        weights = vectoriser.fit_transform(cleaned)
    except ValueError:
        raise TownhallError("The comments share too few words to find themes in (after leaving out common words "
                            "such as 'the'). Check the comments column in [text].") from None
    terms = vectoriser.get_feature_names_out()
    components = min(count, weights.shape[1] - 1)
    model = NMF(n_components=components, init="nndsvda", random_state=seed, max_iter=500)
    document_topics = model.fit_transform(weights)
    topic_terms = [row for row in model.components_]
    edits = edits or ThemeEdits()

    for split_terms in edits.splits:
        current = [_top_terms(row, terms, SIGNATURE_TERMS) for row in topic_terms]
        target = next((index for index, existing in enumerate(current) if same_theme(existing, split_terms)), None)
        members = np.flatnonzero(document_topics.argmax(axis=1) == target) if target is not None else []
        if target is None or len(members) < 4:
            continue
        sub = NMF(n_components=2, init="nndsvda", random_state=seed, max_iter=500)
        sub_topics = sub.fit_transform(weights[members])
        topic_terms[target] = sub.components_[0]
        topic_terms.append(sub.components_[1])
        extra = np.zeros((document_topics.shape[0], 1))
        document_topics = np.hstack([document_topics, extra])
        document_topics[members, target] = sub_topics[:, 0]
        document_topics[members, -1] = sub_topics[:, 1]

    groups = [[index] for index in range(len(topic_terms))]
    for merge in edits.merges:
        current = [_top_terms(row, terms, SIGNATURE_TERMS) for row in topic_terms]
        chosen = sorted({index for merged_terms in merge for index, existing in enumerate(current)
                         if same_theme(existing, merged_terms)})
        if len(chosen) < 2:
            continue
        keep = next(group for group in groups if chosen[0] in group)
        for index in chosen[1:]:
            group = next(group for group in groups if index in group)
            if group is not keep:
                keep.extend(group)
                groups.remove(group)

    merged_topics = np.column_stack([document_topics[:, group].sum(axis=1) for group in groups])
    merged_terms = [np.sum([topic_terms[index] for index in group], axis=0) for group in groups]
    assignment = merged_topics.argmax(axis=1)
    strength = merged_topics.max(axis=1)
    assignment[strength <= 1e-9] = NO_THEME
    themes = []
    for theme_id, term_weights in enumerate(merged_terms):
        members = np.flatnonzero(assignment == theme_id)
        order = members[np.argsort(-merged_topics[members, theme_id], kind="stable")]
        quotes: list[str] = []
        for index in order:
            if texts[index] not in quotes:
                quotes.append(texts[index])
            if len(quotes) == QUOTES:
                break
        themes.append(Theme(theme_id=theme_id, terms=_top_terms(term_weights, terms), quotes=quotes,
                            comments=int(members.size), signature=_top_terms(term_weights, terms, SIGNATURE_TERMS)))
    apply_names(themes, edits.names)
    method = (f"NMF ({len(groups)} themes) over TF-IDF of words and word pairs in {len(texts):,} comments")
    return ThemeModel(themes=themes, assignment=assignment, strength=strength, method=method)


def _top_terms(row: np.ndarray, terms: np.ndarray, count: int = TOP_TERMS) -> list[str]:
    import numpy as np

    return [str(terms[index]) for index in np.argsort(-row, kind="stable")[:count] if row[index] > 0]


@dataclass
class ThemeRun:
    """A stored run: the themes and how the comments fall into them."""

    model: ThemeModel
    comments: pd.DataFrame  # record_id, month, service, area, language, theme_id

    @property
    def themes(self) -> list[Theme]:
        """The themes of the run."""
        return self.model.themes


def run_themes(workspace: Workspace, *, count: int | None = None, actor: str | None = None) -> ThemeRun:
    """Find themes in the prepared English comments with the saved edits, and store them as ``text.themes`` and
    ``text.comment_themes``."""
    import json

    import pandas as pd

    from townhall.workspace import current_actor

    comments = read_comments(workspace, english_only=True)
    number = count or workspace.settings.text.themes
    model = find_themes(comments["text"].tolist(), count=number, edits=ThemeEdits.load(workspace))
    assigned = comments[["record_id", "month", "service", "area", "language"]].assign(theme_id=model.assignment)
    themes = pd.DataFrame([{"theme_id": theme.theme_id, "name": theme.name, "terms": json.dumps(theme.terms),
                            "signature": json.dumps(theme.signature), "quotes": json.dumps(theme.quotes),
                            "comments": theme.comments} for theme in model.themes])
    with workspace.analytics.transaction() as connection:
        connection.execute(f"create schema if not exists {SCHEMA}")
        for table, frame in (("themes", themes), ("comment_themes", assigned)):
            connection.register(f"incoming_{table}", frame)
            connection.execute(f"create or replace table {SCHEMA}.{table} as select * from incoming_{table}")
            connection.unregister(f"incoming_{table}")
        connection.execute(f"create or replace table {SCHEMA}.theme_runs as select ? as method, "
                           "current_timestamp as finished_at", [model.method])
    workspace.audit.record(actor or current_actor(), "text.themes_found", workspace.settings.text.feedback_source,
                           details={"themes": len(model.themes), "comments": len(assigned)})
    return ThemeRun(model=model, comments=assigned)


def load_theme_run(workspace: Workspace) -> ThemeRun:
    """The latest stored run, with names saved since it ran applied (merges and splits wait for the next run)."""
    import json

    import numpy as np

    if not workspace.analytics.table_exists(SCHEMA, "themes"):
        raise TownhallError("No themes have been found yet. Run 'townhall text themes' first.")
    with workspace.analytics.connect(read_only=True) as connection:
        themes = connection.execute(f"select * from {SCHEMA}.themes order by theme_id").df()
        assigned = connection.execute(f"select * from {SCHEMA}.comment_themes").df()
        method = connection.execute(f"select method from {SCHEMA}.theme_runs").fetchone()[0]
    listed = [Theme(theme_id=int(row.theme_id), terms=json.loads(row.terms), quotes=json.loads(row.quotes),
                    comments=int(row.comments), signature=json.loads(getattr(row, "signature", None) or row.terms))
              for row in themes.itertuples()]  # runs stored before signatures were kept use their top terms
    apply_names(listed, ThemeEdits.load(workspace).names)
    model = ThemeModel(themes=listed, assignment=assigned["theme_id"].to_numpy(),
                       strength=np.ones(len(assigned)), method=method)
    return ThemeRun(model=model, comments=assigned)


def name_theme(workspace: Workspace, theme_id: int, name: str, *, actor: str | None = None) -> Theme:
    """Give a theme of the latest run a name, kept for later runs."""
    from townhall.workspace import current_actor

    cleaned = " ".join((name or "").split())
    if not cleaned or len(cleaned) > 80:
        raise TownhallError("Give the theme a name of 1 to 80 characters.")
    theme = load_theme_run(workspace).model.theme(theme_id)
    edits = ThemeEdits.load(workspace)
    edits.names = [entry for entry in edits.names if not same_theme(theme.signature, entry.get("terms") or [])]
    edits.names.append({"terms": theme.signature, "name": cleaned})
    edits.save(workspace)
    workspace.audit.record(actor or current_actor(), "text.theme_named", str(theme_id), details={"name": cleaned})
    theme.name = cleaned
    return theme


def merge_themes(workspace: Workspace, theme_ids: Sequence[int], *, actor: str | None = None) -> None:
    """Record that themes of the latest run are one theme; applied from the next run of ``run_themes``."""
    from townhall.workspace import current_actor

    if len(set(theme_ids)) < 2:
        raise TownhallError("Choose at least two different themes to merge.")
    run = load_theme_run(workspace)
    edits = ThemeEdits.load(workspace)
    edits.merges.append([run.model.theme(theme_id).signature for theme_id in sorted(set(theme_ids))])
    edits.save(workspace)
    workspace.audit.record(actor or current_actor(), "text.themes_merged", ",".join(map(str, sorted(set(theme_ids)))))


def split_theme(workspace: Workspace, theme_id: int, *, actor: str | None = None) -> None:
    """Record that a theme of the latest run should be split in two; applied from the next run of ``run_themes``."""
    from townhall.workspace import current_actor

    edits = ThemeEdits.load(workspace)
    edits.splits.append(load_theme_run(workspace).model.theme(theme_id).signature)
    edits.save(workspace)
    workspace.audit.record(actor or current_actor(), "text.theme_split", str(theme_id))


def theme_trends(workspace: Workspace, by: str, *, run: ThemeRun | None = None) -> ProtectedTable:
    """Comments per theme by month, service or area, protected for publication (small counts hidden, others
    rounded, the rule described in the table's notes)."""
    import pandas as pd

    from townhall.governance.disclosure import DisclosureRule, protect_table

    if by not in TREND_DIMENSIONS:
        raise TownhallError(f"Theme trends are by {', '.join(TREND_DIMENSIONS)}, not '{by}'.")
    current = run or load_theme_run(workspace)
    labels = {theme.theme_id: theme.label for theme in current.themes}
    frame = current.comments.assign(theme=current.comments["theme_id"].map(labels).fillna("No clear theme"))
    column = TREND_DIMENSIONS[by]
    values = frame[column].fillna("Not recorded").astype(str)
    table = pd.crosstab(values, frame["theme"]).reindex(columns=[*labels.values(), "No clear theme"], fill_value=0)
    table = table.loc[:, table.sum() > 0]
    table.index.name = by
    body = table.reset_index()
    body.columns = [str(name) for name in body.columns]
    body.index = body[by]
    return protect_table(body, [str(name) for name in table.columns], DisclosureRule.from_workspace(workspace),
                         total_row="Total", total_column="All themes")


def theme_agreement(assignment: Sequence[int], planted: Sequence[str]) -> dict[str, float]:
    """How well found themes match known labels: purity (share of comments whose theme's most common label is
    theirs) and normalised mutual information (0 none, 1 perfect). For evaluation against the demo's truth."""
    import numpy as np
    import pandas as pd
    from sklearn.metrics import normalized_mutual_info_score

    frame = pd.DataFrame({"theme": np.asarray(assignment), "label": list(planted)})
    purity = frame.groupby("theme")["label"].agg(lambda labels: labels.value_counts().iloc[0]).sum() / len(frame)
    return {"purity": float(purity),
            "normalised_mutual_information": float(normalized_mutual_info_score(frame["label"], frame["theme"]))}


__all__ = ["NO_THEME", "Theme", "ThemeEdits", "ThemeModel", "ThemeRun", "find_themes", "load_theme_run",
           "merge_themes", "name_theme", "run_themes", "same_theme", "split_theme", "theme_agreement",
           "theme_trends"]
