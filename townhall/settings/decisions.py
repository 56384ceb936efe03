"""``[decisions]``: the council's business register, which business risk models rank and review queues describe.

The defaults are the demo's business rates extract, so a council whose register is called something else, or has
other headings, says so here once; model definitions for business units and the review queue both read it.
"""

from __future__ import annotations

from pydantic import Field

from townhall.settings.base import SettingsModel


class BusinessRegister(SettingsModel):
    """The registered source listing businesses (one row per account) and its column for each part townhall uses."""

    source: str = "business_rates"
    account: str = "Account Number"  # the account number: the business unit's id
    name: str | None = "Ratepayer"  # who is liable, shown on the review queue
    address: str | None = "Property Address"
    postcode: str | None = "Postcode"
    uprn: str | None = "UPRN"  # the property's UPRN, to reach sources that record properties, not accounts
    start: str | None = "Liability Start"  # when the account began: a business is ranked only after it


class DecisionsSettings(SettingsModel):
    """Risk models and review queues: where business units come from."""

    section = "decisions"

    business_register: BusinessRegister = Field(default_factory=BusinessRegister)
