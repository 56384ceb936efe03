"""`townhall sources`: register source files, see their fields and quality, confirm tags, list failing rows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.catalogue import ALL_TAGS, FieldProfile, SourceDetail
from townhall.catalogue.readers import DELIMITER_NAMES
from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace, progress_bar
from townhall.errors import TownhallError
from townhall.workspace import current_actor

app = typer.Typer(help="Register source files (CSV, Excel, Parquet), check their fields, tags and quality.",
                  no_args_is_help=True)


def _percent(value: float | None) -> str:
    if value is None:
        return "—"
    if 0.9995 <= value < 1:
        return "99.9%"
    return f"{value:.0%}" if value in (0, 1) else f"{value:.1%}"


def _how_read(source: SourceDetail) -> str:
    """'CSV, Windows-1252, semicolon-separated' or 'Excel, sheet Tenancies'."""
    if source.file_format == "csv":
        parts = ["CSV", source.encoding or "", f"{DELIMITER_NAMES.get(source.delimiter or ',', 'comma')}-separated"]
    elif source.file_format == "xlsx":
        parts = ["Excel", f"sheet '{source.sheet}'"]
    else:
        parts = ["Parquet"]
    return ", ".join(part for part in parts if part)


def _tags_text(profile: FieldProfile) -> str:
    if not profile.tags:
        return "—"
    if profile.tags_confirmed:
        return ", ".join(profile.tags)
    return ", ".join(f"{tag} [yellow](suggested)[/yellow]" for tag in profile.tags)


def _common_text(profile: FieldProfile) -> str:
    return ", ".join(f"{escape(value)} ({count:,})" for value, count in profile.common_values[:3])


def _print_dates_and_warnings(source: SourceDetail) -> None:
    """How each date field was written (the format townhall decided from its values), then any warnings."""
    dated = [profile for profile in source.field_profiles if profile.date_format]
    if dated:
        console.print("[bold]Date formats read from the values[/bold]")
        for profile in dated:
            console.print(f"  • {escape(profile.name)}: {escape(profile.date_format or '')}")
    for warning in source.warnings:
        console.print(f"[yellow]Warning:[/yellow] {escape(warning)}")


@app.command("add")
@friendly_errors
def add(
    file: Annotated[Path, typer.Argument(help="The file to register: .csv, .tsv, .txt, .xlsx or .parquet.")],
    name: Annotated[str, typer.Option(help="Name for the source: lower case with underscores, e.g. council_tax.")],
    owner: Annotated[str | None, typer.Option(help="Team that owns the data, e.g. 'Revenues and Benefits'.")] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel only: the sheet to read (default: the first).")] = None,
    description: Annotated[str | None, typer.Option(help="What the data is, in a sentence.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Register a new version of an existing source.")] = False,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Register a file as a source: copy it, work out field types, suggest tags and profile its quality."""
    opened = open_workspace(workspace)
    with progress_bar(f"Registering {name}") as update:
        source = opened.catalogue.add_source(file, name, owner=owner, sheet=sheet, description=description,
                                             actor=current_actor(), replace=replace, progress=update)
    console.print(
        f"Registered [bold]{source.name}[/bold] (version {source.version}): {source.rows:,} rows and "
        f"{source.fields} fields from {escape(source.file_name)} ({_how_read(source)})."
    )
    console.print(f"Personal fields: {source.personal_fields}; special-category fields: "
                  f"{source.special_category_fields}; quality score {_percent(source.quality_score)}.")
    _print_dates_and_warnings(source)
    if source.problems:
        console.print("[bold]Main problems[/bold]")
        for problem in source.problems[:3]:
            console.print(f"  • {escape(problem)}")
    console.print(f"Next: check the suggested tags with 'townhall sources show {source.name}', then confirm them "
                  f"with 'townhall sources tag {source.name} --confirm'.")


@app.command("list")
@friendly_errors
def list_sources(workspace: WorkspaceOption = None) -> None:  # type: ignore[assignment]
    """List registered sources with their size, sensitive fields and quality score."""
    summaries = open_workspace(workspace).catalogue.list_sources()
    if not summaries:
        console.print("No sources are registered yet. Add one with 'townhall sources add FILE --name NAME'.")
        return
    table = Table(title="Sources")
    for column in ("Name", "Version", "Owner", "File", "Rows", "Fields", "Personal", "Special category",
                   "Quality", "Tags confirmed", "Registered"):
        table.add_column(column, justify="right" if column in {"Version", "Rows", "Fields", "Quality"} else "left")
    for summary in summaries:
        table.add_row(summary.name, str(summary.version), escape(summary.owner or ""), escape(summary.file_name),
                      f"{summary.rows:,}", str(summary.fields), str(summary.personal_fields),
                      str(summary.special_category_fields), _percent(summary.quality_score),
                      "yes" if summary.tags_confirmed else "[yellow]no[/yellow]", summary.registered_at[:10])
    console.print(table)


@app.command("show")
@friendly_errors
def show(
    name: Annotated[str, typer.Argument(help="The source's name, as in 'townhall sources list'.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Show a source's fields: type, tags, completeness, validity, common values (masked) and problems."""
    source = open_workspace(workspace).catalogue.get_source(name)
    console.print(f"[bold]{source.name}[/bold] version {source.version}: {source.rows:,} rows, {source.fields} "
                  f"fields, from {escape(source.file_name)} ({_how_read(source)}).")
    if source.description:
        console.print(escape(source.description))
    console.print(f"Owner: {escape(source.owner or 'not recorded')}. Registered {source.registered_at[:16]} by "
                  f"{escape(source.registered_by)}. SHA-256 {source.sha256[:16]}…")
    table = Table(title=f"Fields of {source.name}", show_lines=True)
    for column in ("No.", "Field", "Type", "Tags", "Complete", "Valid", "Check", "Common values"):
        table.add_column(column, justify="right" if column in {"No.", "Complete", "Valid"} else "left")
    for profile in source.field_profiles:
        table.add_row(
            str(profile.position), f"[bold]{escape(profile.name)}[/bold]\n[dim]{escape(profile.description)}[/dim]",
            profile.data_type, _tags_text(profile), _percent(profile.completeness), _percent(profile.validity),
            escape(profile.checked_rule or "—"), _common_text(profile),
        )
    console.print(table)
    console.print(f"Quality score: {_percent(source.quality_score)} (mean of completeness × validity).")
    _print_dates_and_warnings(source)
    if source.problems:
        console.print("[bold]Problems, worst first[/bold]")
        for problem in source.problems:
            console.print(f"  • {escape(problem)}")
        console.print(f"See the rows behind a problem with 'townhall sources problems {source.name} FIELD'.")
    if not source.tags_confirmed:
        console.print(
            "[yellow]Tags marked (suggested) are townhall's guesses and are not confirmed yet.[/yellow] Fix any "
            f"that are wrong with 'townhall sources tag {source.name} FIELD --tags a,b', then accept the rest with "
            f"'townhall sources tag {source.name} --confirm'."
        )


@app.command("tag")
@friendly_errors
def tag(
    name: Annotated[str, typer.Argument(help="The source's name.")],
    field: Annotated[str | None, typer.Argument(help="The field to tag (leave out with --confirm).")] = None,
    tags: Annotated[str | None, typer.Option(help="Comma-separated tags for the field ('' for none). Known: "
                                             + ", ".join(ALL_TAGS) + ".")] = None,
    confirm: Annotated[bool, typer.Option("--confirm", help="Accept every field's current tags as correct.")] = False,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Set a field's tags (personal, special-category, identifier), or confirm all the suggested tags at once."""
    opened = open_workspace(workspace)
    if confirm and field is None and tags is None:
        opened.catalogue.confirm_tags(name, actor=current_actor())
        console.print(f"Confirmed the tags of every field of [bold]{name}[/bold].")
        return
    if confirm or field is None or tags is None:
        raise TownhallError("Either give a field and its tags (townhall sources tag NAME FIELD --tags a,b) or "
                            "confirm all suggestions (townhall sources tag NAME --confirm), not both.")
    chosen = [part for part in (piece.strip() for piece in tags.split(",")) if part and part.lower() != "none"]
    opened.catalogue.set_field_tags(name, field, chosen, actor=current_actor())
    profile = opened.catalogue.get_source(name).field_profile(field)
    console.print(f"Field [bold]{escape(profile.name)}[/bold] of {name} is now tagged: "
                  f"{', '.join(profile.tags) or 'no tags'} (confirmed). Check: {profile.checked_rule or 'none'}; "
                  f"valid {_percent(profile.validity)}.")


@app.command("problems")
@friendly_errors
def problems(
    name: Annotated[str, typer.Argument(help="The source's name.")],
    field: Annotated[str, typer.Argument(help="The field whose failing rows to list.")],
    limit: Annotated[int, typer.Option(min=1, help="How many rows to show.")] = 20,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """List the rows whose value fails the field's check, with the reason (personal values are masked)."""
    opened = open_workspace(workspace)
    rows = opened.catalogue.failing_rows(name, field, limit=limit)
    profile = opened.catalogue.get_source(name).field_profile(field)
    if not rows:
        console.print(f"No failing rows recorded for {escape(field)} in {name}.")
        return
    table = Table(title=f"{name}: rows failing the check on {escape(rows[0].field)}")
    for column in ("Row", "Value", "Why it fails"):
        table.add_column(column, justify="right" if column == "Row" else "left")
    for row in rows:
        table.add_row(str(row.row_number), escape(row.value), escape(row.reason))
    console.print(table)
    total = profile.failing
    console.print(f"Showing {len(rows):,} of {total:,} failing rows. Row numbers are as in a spreadsheet: the header "
                  "is row 1, so the first data row is row 2.")
