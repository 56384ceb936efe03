"""The UK Algorithmic Transparency Recording Standard (ATRS) record of a risk model, as JSON that can be checked.

The fields follow the ATRS template version 3.0 (Central Digital and Data Office, Cabinet Office): a metadata
section; tier 1, a short overview for the public; and tier 2's five sections for interested parties: owner and
responsibility, description and rationale, decision-making process, tool specification (with model and data
specifications) and risks, mitigations and impact assessments. The template is a spreadsheet, so its field labels are
written here as snake_case keys. The pydantic models below are the schema: ``atrs_json_schema()`` gives it as JSON
Schema (also shipped as ``atrs-schema.json`` beside this file) and ``validate_atrs`` checks a record against it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from townhall.errors import TownhallError

ATRS_VERSION = "3.0"
SCHEMA_FILE = Path(__file__).parent / "atrs-schema.json"
PHASES = ("Pre-deployment", "Beta/Pilot", "Production", "Retired")


class _Section(BaseModel):
    """Every section refuses fields the standard does not have, so a typo cannot slip through."""

    model_config = ConfigDict(extra="forbid")


class Metadata(_Section):
    """Title information used to file and show the record."""

    standard_version: Literal["3.0"] = ATRS_VERSION
    date_completion: str = Field(description="The date the record was completed, YYYY-MM-DD.",
                                 pattern=r"^\d{4}-\d{2}-\d{2}$")
    date_update: list[str] = Field(default_factory=list, description="Dates the record was updated.")
    organisation: str
    tool_name: str
    function: str = Field(description="The area of work the tool supports, e.g. Housing, Children's services.")
    phase: Literal["Pre-deployment", "Beta/Pilot", "Production", "Retired"]
    region: str = Field(description="Where the tool is used.")


class Tier1Overview(_Section):
    """Tier 1: a basic description of the tool for the general public."""

    name: str = Field(min_length=1)
    description: str = Field(min_length=20, description="How and why the tool is used, in plain English.")
    website: str = Field(default="", description="A page with more information, if any.")
    contact_email: str = Field(default="", description="Who to contact about the tool.")


class OwnerAndResponsibility(_Section):
    """Tier 2 section 1: who is accountable for the tool."""

    organisation: str
    team: str
    senior_responsible_owner: str
    third_party_involvement: bool
    third_party_details: str = ""


class DescriptionAndRationale(_Section):
    """Tier 2 section 2: what the tool does, its scope and why it is used."""

    detailed_description: str
    scope: str
    benefit: str
    previous_process: str
    alternatives_considered: str


class DecisionMakingProcess(_Section):
    """Tier 2 section 3: where the tool sits in the decision and how people stay in charge of it."""

    process_integration: str
    provided_information: str
    frequency_and_scale_of_usage: str
    human_decisions_and_review: str
    required_training: str
    appeals_and_review: str


class ModelSpecification(_Section):
    """Tier 2 section 4.2: the model itself."""

    model_name: str
    model_version: str
    model_task: str
    model_input: str
    model_output: str
    model_architecture: str
    model_performance: str
    datasets: list[str]
    dataset_purposes: str


class DataSpecification(_Section):
    """Tier 2 section 4.3: the data the model learnt from."""

    source_data_name: list[str]
    data_modality: str
    data_description: str
    data_quantities: str
    sensitive_attributes: str
    data_completeness_and_representativeness: str
    source_data_url: str = ""
    data_collection: str
    data_cleaning: str
    data_sharing_agreements: str
    data_access_and_storage: str


class ToolSpecification(_Section):
    """Tier 2 section 4: the system, the model and the data."""

    system_architecture: str
    phase: Literal["Pre-deployment", "Beta/Pilot", "Production", "Retired"]
    maintenance: str
    models: list[str]
    model_specification: list[ModelSpecification] = Field(min_length=1)
    data_specification: list[DataSpecification] = Field(min_length=1)


class ImpactAssessment(_Section):
    """One assessment of the tool's impact (e.g. an equality or data protection impact assessment)."""

    assessment_name: str
    description: str
    date_completed: str = ""
    link: str = ""


class Risk(_Section):
    """One risk of using the tool and how it is reduced."""

    risk_name: str
    risk_description: str
    mitigation: str


class RisksMitigationsAndImpactAssessments(_Section):
    """Tier 2 section 5: impact assessments done, and the risks with their mitigations."""

    impact_assessments: list[ImpactAssessment]
    risks: list[Risk] = Field(min_length=1)


class Tier2(_Section):
    """Tier 2: detailed information for interested parties."""

    owner_and_responsibility: OwnerAndResponsibility
    description_and_rationale: DescriptionAndRationale
    decision_making_process: DecisionMakingProcess
    tool_specification: ToolSpecification
    risks_mitigations_and_impact_assessments: RisksMitigationsAndImpactAssessments


class AtrsRecord(_Section):
    """A whole ATRS record: metadata, tier 1 and tier 2."""

    metadata: Metadata
    tier_1: Tier1Overview
    tier_2: Tier2


def atrs_json_schema() -> dict[str, Any]:
    """The JSON Schema of an ATRS record as townhall writes it."""
    schema = AtrsRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"Algorithmic Transparency Recording Standard {ATRS_VERSION} record (townhall)"
    return schema


def validate_atrs(record: dict[str, Any] | str) -> AtrsRecord:
    """Check a record (a dict or JSON text) against the schema; a plain-English error names the fields at fault."""
    try:
        if isinstance(record, str):
            return AtrsRecord.model_validate_json(record)
        return AtrsRecord.model_validate(record)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
                             for problem in error.errors()[:5])
        raise TownhallError(f"The transparency record does not follow the ATRS {ATRS_VERSION} fields: "
                            f"{problems}.") from None


def shipped_schema() -> dict[str, Any]:
    """The schema file shipped with townhall (kept equal to ``atrs_json_schema()`` by a test)."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
