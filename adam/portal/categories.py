"""The IATI DocumentCategory names in the reader's language: the codelist ships English only,
so the names are listed here for the catalogue (a test checks they match the codelist)."""

from __future__ import annotations

from adam.documents.categories import category_name
from adam.errors import N_
from adam.portal.i18n import translate

NAMES: dict[str, str] = {
    "A01": N_("Pre- and post-project impact appraisal"),
    "A02": N_("Objectives / Purpose of activity"),
    "A03": N_("Intended ultimate beneficiaries"),
    "A04": N_("Conditions"),
    "A05": N_("Budget"),
    "A06": N_("Summary information about contract"),
    "A07": N_("Review of project performance and evaluation"),
    "A08": N_("Results, outcomes and outputs"),
    "A09": N_("Memorandum of understanding (If agreed by all parties)"),
    "A10": N_("Tender"),
    "A11": N_("Contract"),
    "A12": N_("Activity web page"),
    "B01": N_("Annual report"),
    "B02": N_("Institutional Strategy paper"),
    "B03": N_("Country strategy paper"),
    "B04": N_("Aid Allocation Policy"),
    "B05": N_("Procurement Policy and Procedure"),
    "B06": N_("Institutional Audit Report"),
    "B07": N_("Country Audit Report"),
    "B08": N_("Exclusions Policy"),
    "B09": N_("Institutional Evaluation Report"),
    "B10": N_("Country Evaluation Report"),
    "B11": N_("Sector strategy"),
    "B12": N_("Thematic strategy"),
    "B13": N_("Country-level Memorandum of Understanding"),
    "B14": N_("Evaluations policy"),
    "B15": N_("General Terms and Conditions"),
    "B16": N_("Organisation web page"),
    "B17": N_("Country/Region web page"),
    "B18": N_("Sector web page"),
}


EVENT_NAMES: dict[str, str] = {
    "AGN": N_("Agenda"),
    "PRS": N_("Presentation"),
    "RPT": N_("Report"),
    "STM": N_("Statement"),
    "PTL": N_("List of participants"),
    "OTH": N_("Other document"),
}


def category_label(code: str) -> str:
    """A document category's name in the reader's language (the codelist's, if not listed)."""
    found = NAMES.get(code) or EVENT_NAMES.get(code)
    return translate(found) if found is not None else category_name(code)
