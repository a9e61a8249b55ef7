"""How ADAM's fields map to IATI 2.03 codes, both ways (export and import share this table).

Codelists: ActivityStatus, OrganisationRole, OrganisationType, ActivityDateType,
SectorVocabulary and BudgetType (copies of the XML codelists are in adam/reference/data/iati).
"""

from __future__ import annotations

from decimal import Decimal

from adam.projects.models import ProjectStatus
from adam.reference.models import OrganizationType

IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# ActivityStatus: ADAM's statuses are IATI's, by name.
STATUS_TO_IATI: dict[ProjectStatus, str] = {
    ProjectStatus.PIPELINE: "1",
    ProjectStatus.IMPLEMENTATION: "2",
    ProjectStatus.FINALISATION: "3",
    ProjectStatus.CLOSED: "4",
    ProjectStatus.CANCELLED: "5",
    ProjectStatus.SUSPENDED: "6",
}
IATI_TO_STATUS: dict[str, ProjectStatus] = {code: s for s, code in STATUS_TO_IATI.items()}

# OrganisationRole
ROLE_FUNDING = "1"
ROLE_ACCOUNTABLE = "2"
ROLE_EXTENDING = "3"
ROLE_IMPLEMENTING = "4"

# ActivityDateType
PLANNED_START = "1"
ACTUAL_START = "2"
PLANNED_END = "3"
ACTUAL_END = "4"

# SectorVocabulary: 1 is OECD DAC 5-digit purpose codes, 2 DAC 3-digit, 99 the reporting
# organisation's own (ADAM's theme slugs, so a round trip keeps the themes exactly).
VOCABULARY_DAC5 = "1"
VOCABULARY_DAC3 = "2"
VOCABULARY_REPORTING_ORG = "99"
THEME_VOCABULARY_URI = "https://adam.example.org/api/v1/themes"

# BudgetType 1 original, 2 revised; BudgetStatus 1 indicative, 2 committed.
BUDGET_ORIGINAL = "1"
BUDGET_REVISED = "2"
BUDGET_INDICATIVE = "1"

# OrganisationType. A bilateral donor is a government agency to IATI (10); on import a
# government that funds is read back as bilateral (see organization_type_from_iati).
ORG_TYPE_TO_IATI: dict[OrganizationType, str] = {
    OrganizationType.GOVERNMENT: "10",
    OrganizationType.BILATERAL: "10",
    OrganizationType.MULTILATERAL: "40",
    OrganizationType.NGO: "21",
    OrganizationType.PRIVATE: "70",
    OrganizationType.OTHER: "90",
}
_IATI_TO_ORG_TYPE: dict[str, OrganizationType] = {
    "10": OrganizationType.GOVERNMENT,
    "11": OrganizationType.GOVERNMENT,
    "15": OrganizationType.GOVERNMENT,
    "21": OrganizationType.NGO,
    "22": OrganizationType.NGO,
    "23": OrganizationType.NGO,
    "24": OrganizationType.NGO,
    "30": OrganizationType.PRIVATE,
    "40": OrganizationType.MULTILATERAL,
    "60": OrganizationType.OTHER,
    "70": OrganizationType.PRIVATE,
    "71": OrganizationType.PRIVATE,
    "72": OrganizationType.PRIVATE,
    "73": OrganizationType.PRIVATE,
    "80": OrganizationType.OTHER,
    "90": OrganizationType.OTHER,
}


def organization_type_from_iati(code: str | None, *, funds: bool) -> OrganizationType:
    kind = _IATI_TO_ORG_TYPE.get((code or "").strip(), OrganizationType.OTHER)
    if kind == OrganizationType.GOVERNMENT and funds:
        return OrganizationType.BILATERAL
    return kind


# DAC 5-digit purpose code -> the ADAM theme an imported activity gets. A theme lists several
# codes for export and several themes share 16063 (narcotics control), so the reverse needs
# a choice: each code goes to the theme it names most specifically.
DAC_TO_THEME: dict[str, str] = {
    "16063": "law-enforcement",  # Narcotics control: the general case
    "15190": "border-control",  # Orderly, safe and regular migration (border management)
    "33120": "border-control",  # Trade facilitation (customs)
    "15132": "law-enforcement",  # Police
    "15210": "law-enforcement",  # Security system management and reform
    "15113": "anti-corruption",  # Anti-corruption organisations and institutions
    "24010": "financial-flows",  # Financial policy and administrative management
    "12330": "demand-reduction",  # Control of harmful use of alcohol and drugs
    "13040": "demand-reduction",  # STD control including HIV/AIDS
    "16064": "demand-reduction",  # Social mitigation of HIV/AIDS
    "31165": "alternative-development",  # Agricultural alternative development
    "43050": "alternative-development",  # Non-agricultural alternative development
    "15130": "judicial-cooperation",  # Legal and judicial development
    "15134": "judicial-cooperation",  # Judicial affairs
    "16062": "research",  # Statistical capacity building
    "15196": "research",  # Government and civil society statistics and data
}


def split_percentages(count: int) -> list[Decimal]:
    """``count`` shares of 100 with two decimals that add up to exactly 100 (IATI's rule for
    the sectors of one vocabulary); the last share takes the rounding."""
    if count <= 0:
        return []
    share = (Decimal(100) / count).quantize(Decimal("0.01"))
    return [share] * (count - 1) + [Decimal(100) - share * (count - 1)]
