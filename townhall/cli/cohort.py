"""`townhall cohort`: find the households meeting a cohort's criteria (e.g. Troubled Families) in the linked data."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace
from townhall.errors import TownhallError

if TYPE_CHECKING:
    from townhall.identity.cohorts import CohortResult

app = typer.Typer(help="Find households meeting criteria across linked sources, such as the Troubled Families "
                       "criteria, with counts protected by disclosure control.", no_args_is_help=True)

BAR_WIDTH = 40


def parse_as_of(text: str | None) -> date | None:
    """A date typed on the command line: 2026-03-31 or 31/03/2026."""
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise TownhallError(f"'{text}' is not a date townhall can read. Give it as 2026-03-31 or 31/03/2026.")


@app.command("run")
@friendly_errors
def run(
    rules: Annotated[str, typer.Argument(help="The cohort rule file (YAML), or the name of one in the workspace's "
                                              "cohorts/ folder or built in, e.g. troubled-families.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Count records up to this date (2026-03-31); by "
                                                              "default the latest record date in the index.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the household list to this CSV file (case-level "
                                                           "data: keep it secure).")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Run a cohort's rules over the person index: counts by criterion and ward (protected), and the household list."""
    from townhall.identity.cohorts import resolve_rule_file, run_cohort
    from townhall.store.files import atomic_path
    from townhall.workspace import current_actor

    opened = open_workspace(workspace)
    rule_file = resolve_rule_file(opened, rules)
    result = run_cohort(opened, rule_file, as_of=parse_as_of(as_of))
    _print_result(result)
    if out is not None:
        with atomic_path(out) as temporary:
            result.household_frame().to_csv(temporary, index=False)
        console.print(f"Wrote the list of {result.household_count:,} households to {escape(str(out))}. It holds "
                      "case-level data: keep it in a secure place and do not publish it.")
    opened.audit.record(current_actor(), "cohort.run", rule_file.name, details={
        "rule_file": rule_file.name, "households": result.household_count, "as_of": result.as_of.isoformat(),
        "household_list_written": out is not None,
    })


def _print_result(result: CohortResult) -> None:
    """The criteria and the wards, as published: protected counts only, and the rule used."""
    import pandas as pd

    from townhall.governance.disclosure import SUPPRESSED_MARK
    from townhall.identity.cohorts import NOT_PLACED

    hidden = escape(SUPPRESSED_MARK)  # "[c]" would otherwise be read as Rich markup
    rules = result.rules
    console.print(f"[bold]{escape(rules.name)}[/bold]: households meeting at least {rules.minimum_criteria} of "
                  f"{len(rules.criteria)} criteria, counting records up to {result.as_of:%d %B %Y}.")
    published = result.published_household_count
    console.print(f"Households in the cohort: {hidden if published is None else f'{published:,}'}")

    criteria = Table(title="Criteria")
    for column in ("Criterion", "Who counts", "Looks in", "From", "Households meeting it", "Of which in the cohort"):
        criteria.add_column(column, justify="right" if column.startswith(("Households", "Of which")) else "left")
    for row in result.criterion_rows():
        criteria.add_row(escape(row["label"]), row["members"], escape(", ".join(row["sources"])),
                         f"{row['window_start'].day} {row['window_start']:%b %Y}", escape(row["households_meeting"]),
                         escape(row["cohort_households"]))
    console.print(criteria)

    wards = Table(title="Cohort households by ward")
    for column, justify in (("Ward", "left"), ("Households", "right"), ("", "left")):
        wards.add_column(column, justify=justify)  # type: ignore[arg-type]
    frame = result.ward_table.frame
    shown = result.ward_table.display_frame()
    largest = max([int(value) for value in frame["households"].dropna()] + [1])
    for label in frame.index:
        value = frame.loc[label, "households"]
        bar = "" if pd.isna(value) or label == "Total" else "█" * round(BAR_WIDTH * int(value) / largest)
        name = frame.loc[label, "ward_name"] if label != "Total" else "Total"
        wards.add_row(escape(str(name)), escape(shown.loc[label, "households"]), f"[blue]{bar}[/blue]")
    console.print(wards)
    if result.unplaced:
        console.print(f"'{NOT_PLACED}' counts households whose UPRN and postcode are not in the address gazetteer "
                      f"'{escape(result.gazetteer_source)}'.")
    for note in [*result.ward_table.notes, *result.notes]:
        if note.startswith(NOT_PLACED):
            continue
        console.print(f"[dim]{escape(note)}[/dim]")
    if result.ward_table.suppressed or result.criteria_table.suppressed or published is None:
        console.print(f"[dim]{hidden} means hidden to protect privacy.[/dim]")
