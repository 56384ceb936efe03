"""``[text]``: where residents' comments and case notes are, which columns hold what, and who each service's team is.

The defaults are the demo's names (``resident_feedback``, ``childrens_case_notes``); a council whose comments system
exports other headings says so here once, and every text analysis reads through these names.
"""

from __future__ import annotations

from pydantic import Field

from townhall.settings.base import SettingsModel

DEFAULT_ROUTING = {
    "Waste and recycling": "Waste and Recycling",
    "Housing repairs": "Housing Repairs",
    "Council tax": "Revenues and Benefits",
    "Parks and open spaces": "Parks",
    "Libraries": "Libraries",
    "Roads and pavements": "Highways",
    "Adult social care": "Adult Social Care",
    "Noise and nuisance": "Environmental Health",
}


class FeedbackColumns(SettingsModel):
    """The comments source's columns; leave an optional one out (or "") when the file lacks it."""

    record_id: str = "feedback_id"
    text: str = "comment"
    date: str | None = "received"
    service: str | None = "service"
    area: str | None = "ward"
    rating: str | None = "rating"


class CaseNoteColumns(SettingsModel):
    """The case-notes source's columns and the outcome that counts as escalation."""

    record_id: str = "Referral ID"  # the case the note belongs to: joins the note to its outcome
    text: str = "Note"
    date: str | None = "Note Date"
    outcome_source: str = "childrens_social_care_referrals"
    outcome_record_id: str = "Referral ID"
    outcome: str = "Outcome"
    escalated_values: list[str] = Field(default_factory=lambda: ["Child protection plan", "Looked after"])
    # Columns of the outcome source naming the case's people, redacted from its notes even when the person index
    # does not know them.
    name_columns: list[str] = Field(default_factory=lambda: ["Child Forename", "Child Surname", "Parent/Carer"])


class TextSettings(SettingsModel):
    """Comments and case notes to analyse, the number of themes, the rating scale and where comments are routed."""

    section = "text"

    feedback_source: str = "resident_feedback"
    feedback_columns: FeedbackColumns = Field(default_factory=FeedbackColumns)
    # The lowest and highest rating residents can give; the agreement check splits the scale at its middle.
    rating_scale: tuple[int, int] = (1, 5)
    case_notes_source: str = "childrens_case_notes"
    case_note_columns: CaseNoteColumns = Field(default_factory=CaseNoteColumns)
    themes: int = Field(default=10, ge=2, le=60)
    # Service label (as the classifier learns it) -> the team new comments about it go to.
    routing: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ROUTING))
    # Where a comment goes when the classifier is not sure enough to route it.
    triage_team: str = "Customer Services"
    routing_confidence: float = Field(default=0.6, gt=0, lt=1)
