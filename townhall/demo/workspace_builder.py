"""Build the demo council's workspace: generate Ashbury, register every source, create one user per role.

The workspace is built in a temporary folder beside the target and swapped in at the end, so an interrupted build
leaves any earlier demo workspace exactly as it was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from townhall.catalogue import SourceDetail
from townhall.demo import generate_demo_council
from townhall.demo.places_setup import set_up_demo_geography
from townhall.demo.transport import demo_route_settings
from townhall.errors import WorkspaceError
from townhall.governance.users import Role
from townhall.workspace import CONFIG_FILE, Workspace

DEMO_DATA_FOLDER = "demo-data"
DEMO_ACTOR = "demo-builder"

DEMO_USERS: tuple[tuple[str, Role, str, str], ...] = (
    ("asha.analyst", Role.ANALYST, "Business Intelligence", "Asha Patel"),
    ("pat.practitioner", Role.PRACTITIONER, "Early Help", "Pat O'Neill"),
    ("gina.governance", Role.GOVERNANCE, "Information Governance", "Gina Okafor"),
    ("mo.manager", Role.MANAGER, "Corporate Leadership", "Mo Hussain"),
    ("adam.admin", Role.ADMIN, "Digital Services", "Adam Nowak"),
    ("ian.inspector", Role.PRACTITIONER, "Private Sector Housing", "Ian Clarke"),
    ("bea.business", Role.PRACTITIONER, "Business Rates", "Bea Rahman"),
    ("erin.emergency", Role.PRACTITIONER, "Emergency Planning", "Erin Walsh"),
    ("sam.streets", Role.PRACTITIONER, "Street Scene", "Sam Kowalski"),
    ("shona.sheltered", Role.PRACTITIONER, "Sheltered Housing", "Shona Byrne"),
)


@dataclass
class DemoLogin:
    """A demo account and its one-time password."""

    username: str
    role: str
    team: str
    password: str


@dataclass
class DemoBuild:
    """What the demo build made, for the summary printed at the end."""

    workspace_path: Path
    residents: int
    seed: int
    sources: list[SourceDetail] = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        """Rows registered across every source."""
        return sum(source.rows for source in self.sources)

    def top_problems(self, count: int = 8) -> list[str]:
        """The worst quality problems across sources: wrong values before empty fields, one per source first."""
        problems = [(rank, source.name, problem) for source in self.sources
                    for rank, problem in enumerate(source.problems)]
        problems.sort(key=lambda item: (item[2].endswith("empty"), item[0]))
        return [f"{name}: {problem}" for _rank, name, problem in problems[:count]]


def build_demo_workspace(folder: str | Path, *, residents: int = 10_000, seed: int = 2026,
                         progress: Callable[[str, float], None] | None = None) -> DemoBuild:
    """Generate Ashbury into ``folder`` as a ready workspace, replacing an earlier demo there but nothing else."""
    target = Path(folder).resolve()
    _refuse_to_replace_real_workspace(target)
    report = progress or (lambda _step, _fraction: None)
    building = target.with_name(f".{target.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    try:
        build = _build(building, residents, seed, report)
        _swap_in(building, target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    build.workspace_path = target
    report("done", 1.0)
    return build


# Linkage settings written into the demo's townhall.toml, as a council's analyst would set them.
DEMO_IDENTITY_SETTINGS = {
    "opt_out_source": "opt_outs",
    "threshold": 0.9,
    "review_band": [0.5, 0.99],
    "flags": {
        "Vulnerable person": ["vulnerability_register"],
        "Children's social care": ["childrens_social_care_referrals"],
        "Adult social care": ["adult_social_care"],
    },
}


def _build(folder: Path, residents: int, seed: int, report: Callable[[str, float], None]) -> DemoBuild:
    workspace = Workspace.create(folder, "Ashbury", demo=True)
    try:
        council = generate_demo_council(
            folder / DEMO_DATA_FOLDER, residents=residents, seed=seed,
            progress=lambda step, fraction: report(f"generating: {step}", 0.4 * fraction),
        )
        workspace.config.extra["demo"] = {
            "residents": residents, "seed": seed,
            "truth_folder": f"{DEMO_DATA_FOLDER}/truth", "geography_folder": f"{DEMO_DATA_FOLDER}/geography",
        }
        workspace.config.extra["identity"] = DEMO_IDENTITY_SETTINGS
        workspace.config.extra["routes"] = demo_route_settings(
            folder / DEMO_DATA_FOLDER / "geography" / "fleet_sites.csv")
        workspace.save_config()
        build = DemoBuild(workspace_path=folder, residents=residents, seed=seed)
        for number, source in enumerate(council.sources):
            report(f"registering {source.name}", 0.4 + 0.55 * number / max(len(council.sources), 1))
            build.sources.append(workspace.catalogue.add_source(
                source.file, source.name, owner=source.owner, sheet=source.sheet,
                description=source.description, actor=DEMO_ACTOR,
            ))
        report("loading the demo geography", 0.96)
        set_up_demo_geography(workspace)
        report("creating demo users", 0.97)
        for username, role, team, display_name in DEMO_USERS:
            user, password = workspace.users.add(username, role, team=team, display_name=display_name,
                                                 added_by=DEMO_ACTOR)
            build.logins.append(DemoLogin(user.username, role.value, team, password))
        return build
    finally:
        workspace.close()


def _refuse_to_replace_real_workspace(target: Path) -> None:
    """Only an earlier demo (or an empty folder) may be replaced: a council's own workspace never is."""
    if not target.exists() or not any(target.iterdir()):
        return
    if not (target / CONFIG_FILE).exists():
        raise WorkspaceError(f"{target} already holds files that are not a townhall demo; choose another folder.")
    existing = Workspace.open(target)
    existing.close()
    if not existing.config.demo:
        raise WorkspaceError(f"{target} is a real council workspace, not the demo; the demo will not replace it.")


def _swap_in(building: Path, target: Path) -> None:
    """Replace ``target`` with ``building`` using renames, keeping the old folder until the new one is in place."""
    retired = target.with_name(f".{target.name}.previous-{os.getpid()}")
    if target.exists():
        os.replace(target, retired)
    try:
        os.replace(building, target)
    except BaseException:
        if retired.exists():
            os.replace(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)
