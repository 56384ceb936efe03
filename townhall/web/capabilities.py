"""The registry of capabilities the web app offers: each brings a router, the roles allowed in, and a home-page card.

Access is declared here, where each router is registered, so no page is open by accident: ``create_app`` includes
every router behind ``require_roles(*capability.roles)``. To add a capability, append a ``Capability`` to
``CAPABILITIES`` (its router given as "module:attribute", imported when the app is built).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from fastapi import APIRouter

from townhall.governance.users import Role, User

# Who may see source-level data: practitioners work with people and cases, not whole sources.
CATALOGUE_ROLES = (Role.ANALYST, Role.GOVERNANCE, Role.MANAGER, Role.ADMIN)
AUDIT_ROLES = (Role.GOVERNANCE, Role.ADMIN)


def import_router(router: str | APIRouter) -> APIRouter:
    """A router given as itself or as "module:attribute" (imported when the app is built)."""
    if isinstance(router, APIRouter):
        return router
    module_name, _, attribute = router.partition(":")
    found = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(found, APIRouter):
        raise TypeError(f"{router} is not a FastAPI APIRouter")
    return found


@dataclass(frozen=True)
class Capability:
    """One thing the web app lets people do: where it lives, who may use it, and how the home page describes it."""

    key: str
    title: str
    description: str  # one plain-English sentence for the home page card
    href: str  # the capability's start page
    roles: tuple[Role, ...]
    router: str | APIRouter  # the router, or "module:attribute" to import it when the app is built
    navigation: bool = True  # shown in the service navigation

    def load_router(self) -> APIRouter:
        """The capability's router, imported if given by name."""
        return import_router(self.router)

    def allows(self, user: User | None) -> bool:
        """Whether this person may use the capability."""
        return user is not None and user.has_role(*self.roles)


CAPABILITIES: list[Capability] = [
    Capability(
        key="catalogue",
        title="Data catalogue",
        description="See which data sources the council holds, which fields are personal or special category, "
                    "and how complete and valid each field is.",
        href="/sources",
        roles=CATALOGUE_ROLES,
        router="townhall.web.routers.catalogue:router",
    ),
    Capability(
        key="people",
        title="Find a person",
        description="Find a resident and see who they live with, their flags, and every contact council services "
                    "have had with them, with how sure each link is.",
        href="/people",
        # Case work needs it; governance checks what was seen and why. Analysts and managers work with aggregates,
        # and administrators run accounts and settings: none has a purpose that needs one person's record.
        roles=(Role.PRACTITIONER, Role.GOVERNANCE),
        router="townhall.web.routers.people:router",
    ),
    Capability(
        key="audit",
        title="Audit log",
        description="Check who saw or changed what and when, and confirm that no entry in the log has been altered.",
        href="/audit",
        roles=AUDIT_ROLES,
        router="townhall.web.routers.audit:router",
    ),
    # Reviewers of linkage quality: analysts run linkage, governance answers for its accuracy; practitioners and
    # managers never see source records side by side.
    Capability(
        key="link_review",
        title="Review links",
        description="Check pairs of records the linking model was unsure about, side by side with its evidence, "
                    "and decide whether they are the same person.",
        href="/identity/review",
        roles=(Role.ANALYST, Role.GOVERNANCE, Role.ADMIN),
        router="townhall.web.routers.review:router",
    ),
    Capability(
        key="tell_us_once",
        title="Change of address",
        description="Record a resident's new address once and give every department that holds them a notice of "
                    "the records to update.",
        href="/identity/move",
        roles=(Role.PRACTITIONER, Role.GOVERNANCE, Role.ADMIN),
        router="townhall.web.routers.tell_us_once:router",
    ),
    Capability(
        key="cohorts",
        title="Cohorts",
        description="See how many households meet criteria across services, such as Troubled Families, by "
                    "criterion and by ward, with small numbers protected.",
        href="/cohorts",
        # Everyone may see protected counts; the router shows the household list only to the case roles.
        roles=(Role.ANALYST, Role.PRACTITIONER, Role.GOVERNANCE, Role.MANAGER, Role.ADMIN),
        router="townhall.web.routers.cohorts:router",
    ),
    Capability(
        key="trials",
        title="Trials",
        description="See each trial of a council service: its plan as registered before it began, what it found "
                    "with honest intervals, and notes on how it ran.",
        href="/trials",
        # Managers read results; mailing lists (personal data) are exported by analysts from the command line only.
        roles=(Role.ANALYST, Role.MANAGER, Role.GOVERNANCE, Role.ADMIN),
        router="townhall.web.routers.trials:router",
    ),
    Capability(
        key="incidents",
        title="Incident lists",
        description="In a flood, fire or other emergency, list the vulnerable people living inside the incident "
                    "area, with their needs and contact details, for responders.",
        href="/places/incidents",
        # The router lets in only practitioners in the emergency-planning team ([places] emergency_planning_team).
        roles=(Role.PRACTITIONER, Role.GOVERNANCE),
        router="townhall.web.routers.incidents:router",
    ),
    Capability(
        key="place_analyses",
        title="Place analyses",
        description="Group similar small areas into segments, see how far residents live from services, and "
                    "download the State of the Borough report.",
        href="/places/analyses",
        roles=(Role.ANALYST, Role.MANAGER, Role.GOVERNANCE, Role.ADMIN),
        router="townhall.web.routers.place_analyses:router",
    ),
    Capability(
        key="forecasts",
        title="Forecasts",
        description="Forecast monthly demand for services with backtested methods, and project children with EHC "
                    "plans and their costs under named scenarios.",
        href="/forecasts",
        # Aggregate figures only, for planning: practitioners work with cases, not forecasts.
        roles=(Role.ANALYST, Role.MANAGER, Role.GOVERNANCE, Role.ADMIN),
        router="townhall.web.routers.forecasts:router",
    ),
    Capability(
        key="places",
        title="Maps",
        description="Map area indicators such as deprivation, or how many records of a service fall in each area, "
                    "with small numbers protected and the figures in a table.",
        href="/places",
        # Published maps show indicators and protected counts only (no personal points), so every role may see them.
        roles=(Role.ANALYST, Role.PRACTITIONER, Role.GOVERNANCE, Role.MANAGER, Role.ADMIN),
        router="townhall.web.routers.places:router",
    ),
    Capability(
        key="risk_models",
        title="Risk models",
        description="See how each risk model did when tested on later periods, its bias audit by group, and its "
                    "model card and transparency record to publish.",
        href="/risk/models",
        # Figures about models, never a person: practitioners see their lists in the review queue instead.
        roles=(Role.ANALYST, Role.GOVERNANCE, Role.MANAGER, Role.ADMIN),
        router="townhall.web.routers.risk_models:router",
    ),
    Capability(
        key="risk_queue",
        title="Review queue",
        description="Work your team's list of cases a risk model suggests looking at first, with the reasons for "
                    "each, and record your decision and what the inspection found.",
        href="/risk/queue",
        # Practitioners work their own team's queue and governance officers may read any; analysts get only the
        # decisions and overrides report (the router keeps the lists of people and properties from them).
        roles=(Role.PRACTITIONER, Role.GOVERNANCE, Role.ANALYST),
        router="townhall.web.routers.risk_queue:router",
    ),
    Capability(
        key="text",
        title="Residents' comments",
        description="See the themes in what residents write, with redacted quotes, how they change by month, "
                    "service and ward, and whether comments read as positive or negative.",
        href="/text",
        # Redacted text and protected counts: analysts name themes and label comments (the router checks), managers
        # and governance read. Practitioners work cases, not comment themes.
        roles=(Role.ANALYST, Role.MANAGER, Role.GOVERNANCE, Role.ADMIN),
        router="townhall.web.routers.text:router",
    ),
    Capability(
        key="assistant_requests",
        title="Assistant requests",
        description="Work the requests and hand-overs residents made through the online assistant for your team, "
                    "with their answers and the conversation.",
        href="/assistant/requests",
        # Residents' answers are personal data: practitioners see their own team's queue, governance every team's.
        roles=(Role.PRACTITIONER, Role.GOVERNANCE),
        router="townhall.web.routers.assistant_requests:router",
    ),
    Capability(
        key="sensors",
        title="Sensors",
        description="See alerts from bin, building and sheltered-housing sensors for your team, which devices need "
                    "fixing, and when each bin will be full.",
        href="/sensors",
        # Practitioners (street scene, sheltered housing) see their own team's alerts and devices only.
        roles=(Role.ANALYST, Role.PRACTITIONER, Role.MANAGER, Role.GOVERNANCE, Role.ADMIN),
        router="townhall.web.routers.sensors:router",
    ),
    Capability(
        key="routes",
        title="Routes",
        description="Plan the day's bin collections from the sensors, with a map and crew sheets, see whether "
                    "sensor-driven collection pays, and compare minibuses with taxis for school transport.",
        href="/routes",
        # Crews' supervisors (practitioners) plan rounds; the school-transport report (pupils' homes) is for the
        # planning roles only, which the router checks.
        roles=(Role.ANALYST, Role.PRACTITIONER, Role.MANAGER, Role.GOVERNANCE, Role.ADMIN),
        router="townhall.web.routers.routes:router",
    ),
]


def capabilities_for(user: User | None, capabilities: list[Capability] | None = None) -> list[Capability]:
    """The capabilities this person may use, in registry order."""
    registered = CAPABILITIES if capabilities is None else capabilities
    return [capability for capability in registered if capability.allows(user)]
