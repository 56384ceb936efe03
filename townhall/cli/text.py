"""`townhall text`: redact, find themes, read sentiment, classify and route residents' comments; key passages in
case notes. Every command is a thin layer over ``townhall.text``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace

app = typer.Typer(help="Residents' comments and case notes: redaction, themes, sentiment, routing to teams and the "
                       "key passages in case notes.", no_args_is_help=True)


def _print_protected(table: object, title: str, headings: dict[str, str] | None = None) -> None:
    """A disclosure-controlled table, with the rule used printed under it; ``headings`` shortens column names."""
    shown = table.display_frame()  # type: ignore[attr-defined]
    printed = Table(title=title)
    for column in shown.columns:
        heading = (headings or {}).get(str(column), str(column))
        printed.add_column(escape(heading), justify="left" if column == shown.columns[0] else "right")
    for row in shown.itertuples(index=False):
        printed.add_row(*(escape(str(value)) for value in row))
    console.print(printed)
    for note in table.notes:  # type: ignore[attr-defined]
        console.print(note)


@app.command("redact")
@friendly_errors
def redact(
    file: Annotated[Path, typer.Argument(help="A text file to redact (UTF-8; Windows-1252 is read and said so).")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Print a text file with personal details replaced by placeholders such as [PHONE] and [NAME]."""
    from townhall.text import Redactor, known_names, read_text_file

    text, encoding = read_text_file(file)
    names = None
    try:
        names = known_names(open_workspace(workspace))
    except Exception:
        names = None
    redactor = Redactor(names) if names is not None else Redactor()
    typer.echo(redactor.redact(text))
    if encoding != "UTF-8":
        console.print(f"(Read {escape(str(file))} as {encoding}.)", style="dim", highlight=False)
    if names is None or names.empty:
        console.print("(No person index was available, so names were found by pattern only.)", style="dim")


@app.command("check-redaction")
@friendly_errors
def check_redaction(
    per_kind: Annotated[int, typer.Option(help="Planted details of each kind.", min=10, max=5000)] = 300,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Measure redaction on a planted test corpus: the share of each kind of detail that is found."""
    from townhall.text import Redactor, known_names, measure_recall, planted_corpus
    from townhall.text.redact import KnownNames

    opened = open_workspace(workspace)
    names = known_names(opened)
    pairs = _sample_names(opened) if not names.empty else []
    corpus = planted_corpus(pairs, per_kind=per_kind)
    for label, redactor in (("with the person index's names", Redactor(names)),
                            ("by pattern only (people the council does not know)", Redactor(KnownNames()))):
        result = measure_recall(redactor, corpus)
        table = Table(title=f"Redaction recall {label}")
        for column in ("Detail", "Planted", "Redacted", "Recall"):
            table.add_column(column, justify="left" if column == "Detail" else "right")
        for kind, planted, redacted, recall in result.rows():
            table.add_row(kind.replace("_", " "), f"{planted:,}", f"{redacted:,}", f"{recall:.1%}")
        console.print(table)
        console.print(f"Clean sentences changed (over-redaction): {result.over_redaction:.1%}")
        if names.empty:
            console.print("There is no person index yet, so both runs find names by pattern only.")
            break


def _sample_names(workspace: object, count: int = 300) -> list[tuple[str, str]]:
    from townhall.identity.index import read_index

    frame = read_index(workspace, "select first_name, surname from identity.persons "  # type: ignore[arg-type]
                                  "where first_name is not null and surname is not null "
                                  f"using sample {count} rows (reservoir, 7)")
    return list(zip(frame["first_name"], frame["surname"], strict=True))


@app.command("prepare")
@friendly_errors
def prepare(workspace: WorkspaceOption = None) -> None:  # type: ignore[assignment]
    """Read the comments source named in [text], redact it, and store it for analysis."""
    from townhall.text import prepare_comments

    result = prepare_comments(open_workspace(workspace))
    for line in result.summary_sentences():
        console.print(escape(line), highlight=False)


@app.command("themes")
@friendly_errors
def themes(
    count: Annotated[int | None, typer.Option(help="How many themes to look for (default: [text] themes).",
                                              min=2, max=60)] = None,
    by: Annotated[str, typer.Option(help="Count comments per theme by month, service or area.")] = "month",
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Find themes in the prepared comments, applying the names, merges and splits people saved."""
    from townhall.text import run_themes, theme_trends

    opened = open_workspace(workspace)
    run = run_themes(opened, count=count)
    console.print(escape(run.model.method) + ".")
    for theme in run.themes:
        console.print(f"[bold]{theme.theme_id}. {escape(theme.label)}[/bold] — terms: "
                      f"{escape(', '.join(theme.terms))}", highlight=False)
        for quote in theme.quotes:
            console.print(f"    “{escape(quote)}”", highlight=False)
    numbers = {theme.label: str(theme.theme_id) for theme in run.themes}
    _print_protected(theme_trends(opened, by, run=run), f"Comments per theme (by number) and {by}",
                     {**numbers, "No clear theme": "none", "All themes": "all"})


@app.command("name-theme")
@friendly_errors
def name_theme_command(
    theme: Annotated[int, typer.Argument(help="The theme's number in the latest run.")],
    name: Annotated[str, typer.Argument(help="The name to give it, e.g. 'Missed bin collections'.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Name a theme; the name is kept for later runs while the theme's top terms stay much the same."""
    from townhall.text import name_theme

    named = name_theme(open_workspace(workspace), theme, name)
    console.print(f"Theme {named.theme_id} is now called '{escape(named.label)}'.")


@app.command("merge-themes")
@friendly_errors
def merge_themes_command(
    themes_to_merge: Annotated[list[int], typer.Argument(help="Two or more theme numbers from the latest run.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Merge themes into one, then find themes again so the change shows at once."""
    from townhall.text import merge_themes

    _change_and_rerun(workspace, lambda opened: merge_themes(opened, themes_to_merge), "Merged")


@app.command("split-theme")
@friendly_errors
def split_theme_command(
    theme: Annotated[int, typer.Argument(help="The theme's number in the latest run.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Split a theme in two, then find themes again so the change shows at once."""
    from townhall.text import split_theme

    _change_and_rerun(workspace, lambda opened: split_theme(opened, theme), "Split")


def _change_and_rerun(workspace: Path | None, change: Callable[[Any], None], done: str) -> None:
    """Save a person's change to the themes, then find them again."""
    from townhall.text import run_themes

    opened = open_workspace(workspace)
    change(opened)
    run = run_themes(opened)
    console.print(f"{done}. There are now {len(run.themes)} themes; see them with 'townhall text themes'.")


@app.command("sentiment")
@friendly_errors
def sentiment(
    by: Annotated[str, typer.Option(help="Group comments by service, area, month or theme.")] = "service",
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Negative, neutral and positive comments by group (never per resident), and agreement with ratings."""
    from townhall.text import sentiment_summary

    summary = sentiment_summary(open_workspace(workspace), by)
    _print_protected(summary.by_group, f"Comments by sentiment and {by}")
    if summary.agreement is not None:
        console.print(escape(summary.agreement.sentence()), highlight=False)
    if summary.left_out:
        console.print(f"{summary.left_out:,} comments not in English were left out (the word list reads English).")


@app.command("classify")
@friendly_errors
def classify(workspace: WorkspaceOption = None) -> None:  # type: ignore[assignment]
    """Train the classifier that says which service a comment is about, and report its held-out accuracy."""
    from townhall.text import train_classifier

    report = train_classifier(open_workspace(workspace))
    console.print(escape(report.sentence()), highlight=False)
    for label, accuracy in report.per_label.items():
        console.print(f"  {escape(label)}: {accuracy:.0%}", highlight=False)


@app.command("route")
@friendly_errors
def route(
    comments: Annotated[list[str], typer.Argument(help="One or more new comments, each in quotes.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Say which team each new comment should go to (the triage team when the classifier is unsure)."""
    from townhall.text import route_comments

    for routing in route_comments(open_workspace(workspace), comments):
        reason = "not sure enough, so to triage" if routing.triaged else f"about {routing.service}"
        console.print(f"{escape(routing.team)} ({escape(reason)}; {routing.confidence:.0%} sure)", highlight=False)


@app.command("passages")
@friendly_errors
def passages(workspace: WorkspaceOption = None) -> None:  # type: ignore[assignment]
    """Find the key passage in each case's notes (redacted) that points most towards escalation, for the queue."""
    from townhall.text import find_key_passages

    result = find_key_passages(open_workspace(workspace))
    console.print(f"Scored the notes of {result.cases:,} cases ({result.escalated:,} escalated). Ranked by their "
                  f"notes alone, an escalated case comes above one that did not escalate {result.auc:.0%} of the time "
                  "(cross-validated area under the ROC curve).", highlight=False)
    console.print("Phrases that weigh most towards escalation: "
                  + escape(", ".join(f"'{phrase}'" for phrase, _weight in result.top_phrases)), highlight=False)
