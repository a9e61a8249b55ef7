"""Synthetic corpus of counter-narcotics assistance projects, bulk-loaded for benchmarks.

    python bench/corpus.py --url sqlite:////tmp/adam_bench/bench.sqlite3 --size 100000

Runs ``adam db upgrade`` and ``adam seed`` on the database, then inserts organizations,
projects and their links with SQLAlchemy Core executemany inserts (no ORM, no API), keeping
``project_code_counter`` consistent so projects registered later through the API get fresh codes.
The database must hold no projects yet. Generation is deterministic for a given ``--seed``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lexicon import Lexicon
from sqlalchemy import Connection, func, select, text

from adam.auth.models import User
from adam.db import make_engine
from adam.projects.facts import rebuild_facts
from adam.projects.filters import fold
from adam.projects.models import (
    Project,
    ProjectCodeCounter,
    ProjectHistory,
    ProjectOrganization,
    project_country,
    project_theme,
)
from adam.reference.models import Organization, Theme

REPO = Path(__file__).resolve().parent.parent
CHUNK = 5000
LOADER_EMAIL = "bench-corpus-loader@adam.invalid"
TODAY = dt.date.today()

# --- Geography ---


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str
    weight: int
    places: tuple[str, ...]
    borders: tuple[str, ...] = ()
    agency: str = "national drug control agency"
    ru_name: str = ""


COUNTRIES: tuple[Place, ...] = (
    Place(
        "AF", "Afghanistan", 10,
        ("Kabul", "Herat", "Kandahar", "Nangarhar", "Balkh", "Badakhshan", "Helmand", "Kunduz",
         "Mazar-i-Sharif", "Hairatan", "Islam Qala", "Spin Boldak"),
        ("Afghan-Tajik", "Afghan-Iranian", "Afghan-Pakistani", "Afghan-Uzbek"),
        "Counter Narcotics Police", "Афганистан",
    ),
    Place(
        "IR", "Iran", 6,
        ("Mashhad", "Zahedan", "Bandar Abbas", "Tehran", "Sistan and Baluchestan",
         "Khorasan Razavi", "Shahid Rajaee port", "Milak"),
        ("Iranian-Afghan", "Iranian-Pakistani", "Iranian-Turkish"),
        "Drug Control Headquarters", "Иран",
    ),
    Place(
        "PK", "Pakistan", 8,
        ("Karachi", "Quetta", "Peshawar", "Lahore", "Torkham", "Chaman", "Gwadar", "Islamabad",
         "Rawalpindi", "Port Qasim", "Khyber Pakhtunkhwa", "Balochistan"),
        ("Pakistan-Afghan", "Pakistan-Iranian"),
        "Anti-Narcotics Force", "Пакистан",
    ),
    Place(
        "TJ", "Tajikistan", 9,
        ("Dushanbe", "Khatlon", "Khorog", "Gorno-Badakhshan", "Kulob", "Panji Poyon", "Ishkashim",
         "Sughd", "Khujand", "Darvoz", "Shamsiddin Shohin"),
        ("Tajik-Afghan", "Tajik-Kyrgyz", "Tajik-Uzbek"),
        "Drug Control Agency", "Таджикистан",
    ),
    Place(
        "KG", "Kyrgyzstan", 7,
        ("Bishkek", "Osh", "Batken", "Jalal-Abad", "Naryn", "Torugart", "Karamyk", "Issyk-Kul"),
        ("Kyrgyz-Tajik", "Kyrgyz-Kazakh", "Kyrgyz-Chinese"),
        "Service for Combating Illicit Drug Trafficking", "Кыргызстан",
    ),
    Place(
        "UZ", "Uzbekistan", 7,
        ("Tashkent", "Termez", "Samarkand", "Fergana", "Andijan", "Karakalpakstan", "Nukus",
         "Bukhara", "Ayritom"),
        ("Uzbek-Afghan", "Uzbek-Tajik", "Uzbek-Kazakh"),
        "National Centre on Drug Control", "Узбекистан",
    ),
    Place(
        "KZ", "Kazakhstan", 6,
        ("Almaty", "Astana", "Shymkent", "Aktau", "Khorgos", "Kostanay", "Zhibek Zholy",
         "Turkestan region"),
        ("Kazakh-Russian", "Kazakh-Kyrgyz", "Kazakh-Uzbek"),
        "Committee on Combating Drug Crime", "Казахстан",
    ),
    Place(
        "TM", "Turkmenistan", 4,
        ("Ashgabat", "Turkmenabat", "Mary", "Turkmenbashi", "Serhetabat", "Imam Nazar"),
        ("Turkmen-Afghan", "Turkmen-Iranian", "Turkmen-Uzbek"),
        "State Service for Combating Drugs", "Туркменистан",
    ),
    Place(
        "AE", "United Arab Emirates", 3,
        ("Dubai", "Jebel Ali", "Abu Dhabi", "Sharjah", "Khalifa port"),
        (),
        "General Department of Anti-Narcotics", "ОАЭ",
    ),
    Place(
        "SA", "Saudi Arabia", 2,
        ("Riyadh", "Jeddah", "Dammam", "King Abdulaziz port"),
        ("Saudi-Jordanian",),
        "General Directorate of Narcotics Control", "Саудовская Аравия",
    ),
    Place(
        "RU", "Russian Federation", 4,
        ("Moscow", "St Petersburg", "Orenburg", "Novosibirsk", "Astrakhan", "Yekaterinburg",
         "Domodedovo"),
        ("Russian-Kazakh",),
        "Main Directorate for Drug Control", "Россия",
    ),
    Place(
        "TR", "Türkiye", 4,
        ("Istanbul", "Mersin", "Ankara", "Van", "Izmir", "Kapikule", "Gurbulak", "Hakkari"),
        ("Turkish-Iranian", "Turkish-Bulgarian"),
        "Anti-Smuggling and Organized Crime Department", "Турция",
    ),
    Place(
        "RS", "Serbia", 3,
        ("Belgrade", "Novi Sad", "Nis", "Presevo", "Subotica", "Batrovci"),
        ("Serbian-Bulgarian", "Serbian-Croatian"),
        "Criminal Police Directorate", "Сербия",
    ),
    Place(
        "BA", "Bosnia and Herzegovina", 3,
        ("Sarajevo", "Banja Luka", "Mostar", "Tuzla", "Brcko"),
        ("Bosnian-Croatian", "Bosnian-Serbian"),
        "State Investigation and Protection Agency", "Босния и Герцеговина",
    ),
    Place(
        "AL", "Albania", 3,
        ("Tirana", "Durres", "Vlora", "Shkoder", "Kakavija"),
        ("Albanian-Greek", "Albanian-Montenegrin"),
        "State Police", "Албания",
    ),
    Place(
        "MK", "North Macedonia", 2,
        ("Skopje", "Tabanovce", "Bitola", "Gevgelija"),
        ("Macedonian-Greek",),
        "Ministry of Interior", "Северная Македония",
    ),
    Place(
        "XK", "Kosovo", 2,
        ("Pristina", "Prizren", "Mitrovica", "Merdare"),
        (),
        "Kosovo Police", "Косово",
    ),
    Place(
        "ME", "Montenegro", 2,
        ("Podgorica", "Bar", "Budva", "Bijelo Polje", "Port of Bar"),
        ("Montenegrin-Albanian",),
        "Police Directorate", "Черногория",
    ),
    Place("AZ", "Azerbaijan", 1, ("Baku", "Astara", "Alat port"), ("Azerbaijani-Iranian",),
          "State Customs Committee", "Азербайджан"),
    Place("GE", "Georgia", 1, ("Tbilisi", "Batumi", "Poti", "Sarpi"), ("Georgian-Turkish",),
          "Ministry of Internal Affairs", "Грузия"),
    Place("IN", "India", 1, ("New Delhi", "Mumbai", "Amritsar", "Attari"), ("Indo-Pakistani",),
          "Narcotics Control Bureau", "Индия"),
    Place("CN", "China", 1, ("Urumqi", "Kashgar", "Khorgos"), ("Chinese-Kyrgyz",),
          "National Narcotics Control Commission", "Китай"),
    Place("UA", "Ukraine", 1, ("Kyiv", "Odesa", "Chornomorsk"), (),
          "National Police", "Украина"),
    Place("OM", "Oman", 1, ("Muscat", "Sohar", "Salalah"), (),
          "Directorate General of Narcotics Control", "Оман"),
    Place("IQ", "Iraq", 1, ("Baghdad", "Basra", "Erbil"), ("Iraqi-Iranian",),
          "General Directorate of Narcotics Affairs", "Ирак"),
)  # fmt: skip
ROUTE_COUNTRIES = tuple(c.code for c in COUNTRIES if c.weight >= 2)
BY_CODE = {c.code: c for c in COUNTRIES}
REGIONS = {
    "central_asia": ("TJ", "KG", "UZ", "KZ", "TM"),
    "afghanistan_and_neighbours": ("AF", "IR", "PK", "TJ", "UZ", "TM"),
    "balkans": ("RS", "BA", "AL", "MK", "XK", "ME", "TR"),
    "gulf": ("AE", "SA", "OM", "IR"),
    "northern": ("RU", "KZ", "KG", "UZ", "TJ"),
}

# --- Organizations ---

# code, name, acronym, type, country, role ("d" donor, "i" implementer, "b" both), weight
ORGANIZATIONS: tuple[tuple[str, str, str | None, str, str | None, str, int], ...] = (
    ("gb-fcdo", "Foreign, Commonwealth & Development Office", "FCDO", "bilateral", "GB", "d", 8),
    ("gb-ho", "UK Home Office", None, "bilateral", "GB", "d", 2),
    ("us-inl", "Bureau of International Narcotics and Law Enforcement Affairs", "INL",
     "bilateral", "US", "d", 10),
    ("us-dea", "Drug Enforcement Administration", "DEA", "bilateral", "US", "b", 2),
    ("de-gfo", "Federal Foreign Office of Germany", "AA", "bilateral", "DE", "d", 5),
    ("de-bmz", "Federal Ministry for Economic Cooperation and Development", "BMZ", "bilateral",
     "DE", "d", 3),
    ("fr-meae", "Ministry for Europe and Foreign Affairs of France", "MEAE", "bilateral", "FR",
     "d", 3),
    ("it-maeci", "Italian Ministry of Foreign Affairs and International Cooperation", "MAECI",
     "bilateral", "IT", "d", 2),
    ("nl-mfa", "Netherlands Ministry of Foreign Affairs", None, "bilateral", "NL", "d", 2),
    ("se-sida", "Swedish International Development Cooperation Agency", "Sida", "bilateral",
     "SE", "d", 2),
    ("no-mfa", "Norwegian Ministry of Foreign Affairs", "MFA", "bilateral", "NO", "d", 3),
    ("fi-mfa", "Ministry for Foreign Affairs of Finland", None, "bilateral", "FI", "d", 1),
    ("ch-sdc", "Swiss Agency for Development and Cooperation", "SDC", "bilateral", "CH", "d", 2),
    ("at-bmeia", "Austrian Federal Ministry for European and International Affairs", "BMEIA",
     "bilateral", "AT", "d", 1),
    ("jp-mofa", "Ministry of Foreign Affairs of Japan", "MOFA", "bilateral", "JP", "d", 6),
    ("kr-koica", "Korea International Cooperation Agency", "KOICA", "bilateral", "KR", "d", 1),
    ("ca-gac", "Global Affairs Canada", "GAC", "bilateral", "CA", "d", 2),
    ("au-dfat", "Australian Department of Foreign Affairs and Trade", "DFAT", "bilateral", "AU",
     "d", 1),
    ("ru-mfa", "Ministry of Foreign Affairs of the Russian Federation", "MID", "bilateral", "RU",
     "d", 3),
    ("tr-mfa", "Ministry of Foreign Affairs of Türkiye", None, "bilateral", "TR", "d", 1),
    ("eu-dg-intpa", "European Commission, Directorate-General for International Partnerships",
     "DG INTPA", "multilateral", None, "d", 8),
    ("eu-dg-home", "European Commission, Directorate-General for Migration and Home Affairs",
     "DG HOME", "multilateral", None, "d", 2),
    ("eu-fpi", "European Commission, Service for Foreign Policy Instruments", "FPI",
     "multilateral", None, "d", 2),
    ("unodc", "United Nations Office on Drugs and Crime", "UNODC", "multilateral", None, "b", 20),
    ("undp", "United Nations Development Programme", "UNDP", "multilateral", None, "i", 5),
    ("osce", "Organization for Security and Co-operation in Europe", "OSCE", "multilateral",
     None, "b", 5),
    ("iom", "International Organization for Migration", "IOM", "multilateral", None, "i", 3),
    ("who", "World Health Organization", "WHO", "multilateral", None, "i", 2),
    ("unicef", "United Nations Children's Fund", "UNICEF", "multilateral", None, "i", 1),
    ("interpol", "International Criminal Police Organization", "INTERPOL", "multilateral", None,
     "i", 2),
    ("wco", "World Customs Organization", "WCO", "multilateral", None, "i", 3),
    ("fao", "Food and Agriculture Organization of the United Nations", "FAO", "multilateral",
     None, "i", 1),
    ("eu-cadap", "EU Central Asia Drug Action Programme", "CADAP", "multilateral", None, "i", 3),
    ("eu-bomca", "EU Border Management Programme in Central Asia", "BOMCA", "multilateral",
     None, "i", 3),
    ("de-giz", "Deutsche Gesellschaft für Internationale Zusammenarbeit", "GIZ", "bilateral",
     "DE", "i", 4),
    ("fr-expertise-france", "Expertise France", None, "bilateral", "FR", "i", 2),
    ("es-fiiapp", "International and Ibero-American Foundation for Administration and Public "
     "Policies", "FIIAPP", "bilateral", "ES", "i", 2),
    ("icmpd", "International Centre for Migration Policy Development", "ICMPD", "multilateral",
     None, "i", 2),
    ("afghanaid", "Afghanaid", None, "ngo", "GB", "i", 1),
    ("akdn", "Aga Khan Development Network", "AKDN", "ngo", None, "i", 1),
    ("caricc", "Central Asian Regional Information and Coordination Centre", "CARICC",
     "multilateral", "KZ", "i", 2),
    ("tr-tadoc", "Turkish International Academy against Drugs and Organized Crime", "TADOC",
     "government", "TR", "i", 1),
)  # fmt: skip

# --- Themes and vocabulary ---

THEME_WEIGHTS = {
    "border-control": 14,
    "law-enforcement": 14,
    "regional-cooperation": 8,
    "precursor-control": 7,
    "financial-flows": 6,
    "demand-reduction": 10,
    "alternative-development": 6,
    "judicial-cooperation": 5,
    "forensics": 4,
    "research": 4,
    "anti-corruption": 3,
}
# Themes that often come together with the first one.
RELATED = {
    "border-control": ("law-enforcement", "regional-cooperation", "precursor-control"),
    "law-enforcement": ("border-control", "regional-cooperation", "judicial-cooperation"),
    "regional-cooperation": ("law-enforcement", "border-control", "research"),
    "precursor-control": ("border-control", "law-enforcement", "forensics"),
    "financial-flows": ("judicial-cooperation", "anti-corruption", "law-enforcement"),
    "demand-reduction": ("research", "alternative-development"),
    "alternative-development": ("demand-reduction", "research"),
    "judicial-cooperation": ("law-enforcement", "financial-flows", "anti-corruption"),
    "forensics": ("law-enforcement", "precursor-control", "research"),
    "research": ("demand-reduction", "regional-cooperation"),
    "anti-corruption": ("financial-flows", "judicial-cooperation", "border-control"),
}
TITLES = {
    "border-control": (
        "Strengthening border liaison offices in {place}",
        "Mobile interdiction teams on the {border} border",
        "Modernisation of the border crossing point at {place}",
        "Container Control Programme: port control unit in {place}",
        "Risk profiling and X-ray image analysis for customs officers in {place}",
        "Canine detection units for border guards in {place}",
        "Integrated border management along the {border} border",
        "Airport interdiction task force at {place} international airport",
    ),
    "law-enforcement": (
        "Drug investigation training for police officers in {place}",
        "Controlled delivery and undercover operations course in {place}",
        "Equipment support to the {agency} in {place}",
        "Interagency mobile team for drug interdiction in {place}",
        "Train-the-trainer programme at the anti-narcotics academy in {place}",
        "Criminal intelligence analysis for the {agency}",
        "Darknet and cryptocurrency investigations training in {place}",
    ),
    "regional-cooperation": (
        "Joint planning cell for cross-border operations between {country} and {country2}",
        "Intelligence exchange through CARICC for agencies in {place}",
        "Regional network of drug liaison officers based in {place}",
        "Triangular Initiative: joint operations on the {border} border",
        "Regional programme for {country} and neighbouring countries",
        "Paris Pact expert working group on {route} routes",
    ),
    "precursor-control": (
        "Precursor control training for customs officers in {place}",
        "Acetic anhydride interdiction and clandestine laboratory dismantling in {place}",
        "Field test kits for precursor chemicals at {place}",
        "Public-private partnership against precursor diversion in {country}",
        "National precursor control authority: licensing system for {country}",
    ),
    "financial-flows": (
        "Financial investigation of drug trafficking networks in {place}",
        "Strengthening the financial intelligence unit of {country}",
        "Asset recovery and confiscation of drug proceeds in {country}",
        "Hawala and cash courier detection at {place}",
        "Anti-money-laundering supervision of exchange houses in {place}",
    ),
    "demand-reduction": (
        "Community-based drug treatment services in {place}",
        "School-based drug use prevention in {place}",
        "Opioid substitution therapy and HIV prevention in {place} prisons",
        "Family skills training for drug use prevention in {place}",
        "Rehabilitation centre for women who use drugs in {place}",
        "Harm reduction outreach for people who inject drugs in {place}",
        "Treatment of drug use disorders in primary health care in {country}",
    ),
    "alternative-development": (
        "Alternative livelihoods for former poppy farmers in {place}",
        "Saffron and high-value horticulture value chains in {place}",
        "Rural development to reduce cannabis cultivation in {place}",
        "Irrigation and market access for farmers in {place}",
    ),
    "judicial-cooperation": (
        "Mutual legal assistance in drug trafficking cases ({country})",
        "Training of prosecutors and judges on drug trafficking cases in {place}",
        "Criminal justice reform for drug offences in {country}",
        "Extradition and transfer of proceedings between {country} and {country2}",
    ),
    "forensics": (
        "Accreditation of the forensic drug laboratory in {place}",
        "Drug profiling and signature analysis capacity in {country}",
        "Equipment for the national forensic centre in {place}",
        "Early warning on new psychoactive substances in {country}",
    ),
    "research": (
        "Opium survey and crop monitoring in {place}",
        "Drug use prevalence survey in {country}",
        "Seizure data collection and reporting system for {country}",
        "Drug market analysis of the {route} route",
    ),
    "anti-corruption": (
        "Integrity and anti-corruption in border agencies of {country}",
        "Internal oversight units for the {agency}",
        "Asset declarations and vetting of anti-narcotics officers in {country}",
    ),
}
RU_TITLES = (
    "Укрепление пунктов пограничной связи в стране: {ru}",
    "Подготовка таможенников по контролю над прекурсорами ({ru})",
    "Мобильные оперативные группы по пресечению наркотрафика ({ru})",
    "Профилактика употребления наркотиков среди молодёжи ({ru})",
    "Финансовые расследования и противодействие отмыванию доходов ({ru})",
    "Лечение наркозависимости и реабилитация ({ru})",
)
RU_DESCRIPTIONS = (
    "Проект укрепляет потенциал национальных ведомств по борьбе с незаконным оборотом "
    "наркотиков. Предусмотрены учебные курсы, поставка оборудования и обмен опытом с "
    "партнёрами Парижского пакта.",
    "Мероприятия включают обучение сотрудников, наставничество и совместные операции. "
    "Около {n} сотрудников пройдут подготовку в течение {m} месяцев.",
)
ROUTES = ("northern", "Balkan", "southern", "Caspian", "Central Asian")
ACTIVITIES = (
    "needs assessments with the beneficiary agencies",
    "two-week courses on interdiction techniques",
    "mentoring by international experts during operations",
    "delivery of vehicles, radios and night-vision equipment",
    "study visits to counterpart agencies in Europe",
    "secure data links between regional offices",
    "joint exercises with neighbouring countries",
    "development of standard operating procedures",
    "handheld Raman analysers and drug and precursor test kits",
    "seizure data entry into the national database",
    "a trainer pool of national instructors",
    "outreach through community health workers",
    "evaluation of treatment outcomes",
    "risk-profiling workshops for customs and police",
    "legal drafting support for the national drug law",
)
GOALS = (
    "detect and seize heroin, methamphetamine and precursor chemicals",
    "improve information exchange across the border",
    "investigate and prosecute drug trafficking networks",
    "reduce the demand for drugs and its health consequences",
    "offer farmers licit sources of income",
    "follow the money and confiscate criminal proceeds",
    "collect reliable data on drug markets",
)
PEOPLE = (
    "Dilnoza Rakhimova", "Kenji Morita", "Farrukh Nazarov", "Reza Karimi", "Ayesha Khan",
    "Aibek Usenov", "Gulnara Abenova", "Marko Petrović", "Elira Hoxha", "Anna Schmidt",
    "John Miller", "Sophie Martin", "Olga Ivanova", "Mehmet Yılmaz", "Nodir Tashkentov",
    "Bakhtiyor Saidov", "Laura Rossi", "Jan de Vries", "Ingrid Larsen", "Ahmad Wali",
)  # fmt: skip
STATUS_WEIGHTS = {"cancelled": 3, "suspended": 2}


def _weighted(rng: random.Random, options: dict[Any, int], k: int) -> list[Any]:
    """``k`` distinct choices, each drawn with its weight."""
    pool = dict(options)
    chosen: list[Any] = []
    for _ in range(min(k, len(pool))):
        keys = list(pool)
        pick = rng.choices(keys, weights=[pool[key] for key in keys])[0]
        chosen.append(pick)
        del pool[pick]
    return chosen


def _count(rng: random.Random, weights: tuple[int, int, int]) -> int:
    return rng.choices((1, 2, 3), weights=weights)[0]


# --- Generation ---


@dataclass(slots=True)
class ProjectDraft:
    """One synthetic project: what the API would take, plus the bookkeeping a load needs."""

    title: str
    description: str
    countries: list[str]
    themes: list[str]
    donors: list[str]
    implementers: list[str]
    status: str
    start_date: dt.date | None
    end_date: dt.date | None
    budget: tuple[Decimal, str] | None
    iati_identifier: str | None
    contact: tuple[str, str] | None
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    withdrawn: bool = False

    def as_api_payload(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "donors": self.donors,
            "implementers": self.implementers,
            "countries": self.countries,
            "themes": self.themes,
            "status": self.status,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "budget": (
                {"amount": f"{self.budget[0]:.2f}", "currency": self.budget[1]}
                if self.budget
                else None
            ),
            "iati_identifier": self.iati_identifier,
            "contact": (
                {"name": self.contact[0], "email": self.contact[1]} if self.contact else None
            ),
        }


class Generator:
    """Draws realistic projects; the same seed always gives the same corpus."""

    def __init__(self, seed: int = 42) -> None:
        self.rng = random.Random(seed)
        self.country_weights = {c.code: c.weight for c in COUNTRIES}
        self.donors = {o[0]: o[6] for o in ORGANIZATIONS if o[5] in "db"}
        self.implementers = {o[0]: o[6] for o in ORGANIZATIONS if o[5] in "ib"}
        self.lexicon = Lexicon([c.code for c in COUNTRIES])

    def countries(self, first: str | None = None) -> list[str]:
        rng = self.rng
        first = first or _weighted(rng, self.country_weights, 1)[0]
        n = _count(rng, (70, 20, 10))
        if n == 1:
            return [first]
        regions = [r for r in REGIONS.values() if first in r]
        neighbours = {c: BY_CODE[c].weight for c in (rng.choice(regions) if regions else ())}
        neighbours.pop(first, None)
        if not neighbours:
            neighbours = {c: w for c, w in self.country_weights.items() if c != first}
        return [first, *_weighted(rng, neighbours, n - 1)]

    def themes(self) -> list[str]:
        rng = self.rng
        first = _weighted(rng, THEME_WEIGHTS, 1)[0]
        n = _count(rng, (45, 40, 15))
        related = list(RELATED[first])
        rng.shuffle(related)
        return [first, *related[: n - 1]]

    def _fill(self, template: str, countries: list[str]) -> str:
        rng = self.rng
        country = BY_CODE[countries[0]]
        other = BY_CODE[countries[1]] if len(countries) > 1 else None
        if other is None:
            neighbours = [c for r in REGIONS.values() if country.code in r for c in r]
            other = BY_CODE[rng.choice([c for c in neighbours if c != country.code] or ["UZ"])]
        # Most titles name a district or town, not one of the few big places.
        place = (
            rng.choice(country.places)
            if rng.random() < 0.35
            else self.lexicon.place(rng, country.code)
        )
        return template.format(
            place=place,
            border=rng.choice(country.borders) if country.borders else f"{country.name}'s",
            agency=country.agency,
            country=country.name,
            country2=other.name,
            route=rng.choice(ROUTES),
        )

    def dates(self) -> tuple[dt.date | None, dt.date | None]:
        rng = self.rng
        if rng.random() < 0.02:
            return None, None
        # Most registered projects started in the past; few are planned years ahead.
        if rng.random() < 0.93:
            start = dt.date(2015, 1, 1) + dt.timedelta(
                days=rng.randrange((TODAY - dt.date(2015, 1, 1)).days)
            )
        else:
            start = TODAY + dt.timedelta(days=rng.randrange(3 * 365))
        start = start.replace(day=1) if rng.random() < 0.6 else start
        if rng.random() < 0.05:
            return start, None
        months = rng.choice((6, 12, 18, 24, 24, 30, 36, 36, 48, 60))
        end = start + dt.timedelta(days=months * 30.4 - 1)
        return start, min(end, dt.date(2030, 12, 31))

    def status(self, start: dt.date | None, end: dt.date | None, countries: list[str]) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            return "cancelled"
        if roll < 0.05 or ("AF" in countries and start and start.year >= 2019 and roll < 0.3):
            return "suspended"
        if start is None or start > TODAY:
            return "pipeline"
        if end is not None and end < TODAY:
            return "finalisation" if (TODAY - end).days < 120 else "closed"
        return "implementation"

    def budget(self) -> tuple[Decimal, str] | None:
        rng = self.rng
        if rng.random() < 0.06:
            return None
        amount = min(10 ** rng.gauss(6.1, 0.6), 80_000_000)
        step = 1000 if amount > 100_000 else 100
        amount = max(round(amount / step) * step, 15_000)
        currency = rng.choices(("USD", "EUR", "GBP"), weights=(55, 35, 10))[0]
        return Decimal(amount).quantize(Decimal("0.01")), currency

    def specifics(self, title: str, country: str) -> str:
        """What makes a title this project's own: its programme, unit or second district."""
        rng, lexicon = self.rng, self.lexicon
        roll = rng.random()
        if roll < 0.35:
            return f"{title} - {lexicon.programme(rng)}"
        if roll < 0.6:
            return f"{title} for the {lexicon.unit(rng, country)}"
        if roll < 0.75:
            return f"{title} and {lexicon.place(rng, country)} district"
        return title

    def description(self, title: str, countries: list[str], theme: str) -> str:
        rng, lexicon = self.rng, self.lexicon
        country = BY_CODE[countries[0]]
        acts = rng.sample(ACTIVITIES, 3)
        sentences = [
            f"{title}. The project helps the {country.agency} of {country.name} "
            f"{rng.choice(GOALS)}.",
            f"Activities include {acts[0]}, {acts[1]} and {acts[2]}.",
            f"About {rng.randrange(20, 400)} officers and staff in "
            f"{', '.join(rng.sample(country.places, min(2, len(country.places))))} "
            f"take part over {rng.choice((12, 18, 24, 36))} months.",
            f"The {lexicon.programme(rng)} works with the {lexicon.unit(rng, country.code)} "
            f"and the {lexicon.unit(rng, country.code)}.",
            f"Deliveries include {rng.randrange(2, 60)} {lexicon.equipment.draw(rng)} for "
            f"{lexicon.place(rng, country.code)} and {lexicon.place(rng, country.code)}.",
        ]
        if len(countries) > 1:
            names = ", ".join(BY_CODE[c].name for c in countries[1:])
            sentences.append(f"Partner agencies in {names} join the regional components.")
        if rng.random() < 0.5:
            sentences.append(
                f"It builds on an earlier phase and is coordinated with Paris Pact partners "
                f"working on {theme.replace('-', ' ')}."
            )
        return " ".join(sentences)

    def project(self, first_country: str | None = None) -> ProjectDraft:
        rng = self.rng
        countries = self.countries(first_country)
        themes = self.themes()
        russian = rng.random() < 0.05
        if russian:
            ru = BY_CODE[countries[0]].ru_name
            title = rng.choice(RU_TITLES).format(ru=ru)
            description = " ".join(
                d.format(n=rng.randrange(20, 300), m=rng.choice((12, 24, 36)))
                for d in RU_DESCRIPTIONS
            )
        else:
            title = self.specifics(
                self._fill(rng.choice(TITLES[themes[0]]), countries), countries[0]
            )
            roll = rng.random()
            if roll < 0.08:
                title += " - phase II"
            elif roll < 0.11:
                title += " - phase III"
            elif roll < 0.13:
                title += " (extension)"
            description = self.description(title, countries, themes[0])
        start, end = self.dates()
        donors = _weighted(rng, self.donors, rng.choices((1, 2, 3), weights=(85, 12, 3))[0])
        implementers = _weighted(
            rng, self.implementers, rng.choices((0, 1, 2), weights=(10, 70, 20))[0]
        )
        person = rng.choice(PEOPLE) if rng.random() < 0.8 else None
        contact = None
        if person:
            user = person.lower().replace(" ", ".").replace("ć", "c").replace("ı", "i")
            contact = (person, f"{user}@example.org")
        return ProjectDraft(
            title=title[:500],
            description=description,
            countries=countries,
            themes=themes,
            donors=donors,
            implementers=implementers,
            status=self.status(start, end, countries),
            start_date=start,
            end_date=end,
            budget=self.budget(),
            iati_identifier=None,
            contact=contact,
        )

    def created_at(self, start: dt.date | None, now: dt.datetime) -> dt.datetime:
        """Registered some weeks before the start, never in the future nor before 2014."""
        rng = self.rng
        base = start or (now.date() - dt.timedelta(days=rng.randrange(3000)))
        day = base - dt.timedelta(days=rng.randrange(0, 270))
        day = max(min(day, now.date()), dt.date(2014, 6, 1))
        moment = dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(
            seconds=rng.randrange(7 * 3600, 19 * 3600)
        )
        return min(moment, now - dt.timedelta(minutes=1))


# --- Loading ---


def run_adam(url: str, *args: str) -> str:
    """Run the ``adam`` command line on ``url`` (same interpreter) and return its output."""
    env = {**os.environ, "ADAM_DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-c", "from adam.cli import main; main()", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"adam {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _chunks(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> int:
    for batch in _chunks(rows):
        conn.execute(table.insert(), batch)
    return len(rows)


def _next_id(conn: Connection, column: Any) -> int:
    return (conn.scalar(select(func.max(column))) or 0) + 1


def _ensure_organizations(conn: Connection, now: dt.datetime) -> dict[str, int]:
    table = Organization.__table__
    existing = dict(conn.execute(select(table.c.code_key, table.c.id)).all())
    rows = [
        {
            "code": code,
            "code_key": code.lower(),
            "name": name,
            "acronym": acronym,
            "type": kind,
            "country_code": country,
            "created_at": now,
            "updated_at": now,
        }
        for code, name, acronym, kind, country, _role, _w in ORGANIZATIONS
        if code.lower() not in existing
    ]
    if rows:
        conn.execute(table.insert(), rows)
    return dict(conn.execute(select(table.c.code_key, table.c.id)).all())


def _loader_user(conn: Connection, now: dt.datetime) -> int:
    table = User.__table__
    found = conn.scalar(select(table.c.id).where(table.c.email == LOADER_EMAIL))
    if found is not None:
        return found
    conn.execute(
        table.insert().values(
            email=LOADER_EMAIL,
            name="Benchmark corpus loader",
            role="coordinator",
            is_active=False,
            created_at=now,
        )
    )
    return conn.scalar(select(table.c.id).where(table.c.email == LOADER_EMAIL))


def _history_changes(draft: ProjectDraft) -> dict[str, Any]:
    after = draft.as_api_payload()
    return {key: {"old": None, "new": value} for key, value in after.items() if value is not None}


def _reset_sequences(conn: Connection) -> None:
    for table in ("project", "project_history", "organization", "user_account"):
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )
        )


@dataclass(slots=True)
class LoadReport:
    projects: int
    links: dict[str, int]
    seconds: dict[str, float]


def load(
    url: str,
    size: int,
    *,
    seed: int = 42,
    history: bool = True,
    setup: bool = True,
    analyze: bool | None = None,
    withdrawn_share: float = 0.01,
) -> LoadReport:
    """Create the schema and reference data (unless ``setup`` is false), then bulk-load ``size``.

    ``analyze`` defaults to True on PostgreSQL (VACUUM ANALYZE, as autovacuum would soon do) and
    False on SQLite (the application never runs ANALYZE there).
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if setup:
        run_adam(url, "db", "upgrade", "--no-reindex")
        run_adam(url, "seed")
    timings["setup"] = time.perf_counter() - started

    started = time.perf_counter()
    gen = Generator(seed)
    now = dt.datetime.now(dt.UTC)
    drafts = [gen.project() for _ in range(size)]
    for draft in drafts:
        draft.created_at = gen.created_at(draft.start_date, now)
        draft.withdrawn = gen.rng.random() < withdrawn_share
    drafts.sort(key=lambda d: d.created_at)
    timings["generate"] = time.perf_counter() - started

    engine = make_engine(url)
    is_pg = engine.dialect.name == "postgresql"
    started = time.perf_counter()
    links: dict[str, int] = {}
    with engine.begin() as conn:
        if conn.scalar(select(func.count()).select_from(Project.__table__)):
            raise SystemExit("The database holds projects already; load into a fresh database.")
        orgs = _ensure_organizations(conn, now)
        loader = _loader_user(conn, now)
        theme_ids = dict(conn.execute(select(Theme.__table__.c.slug, Theme.__table__.c.id)).all())
        counters: dict[str, int] = dict(
            conn.execute(select(ProjectCodeCounter.prefix, ProjectCodeCounter.last_value)).all()  # type: ignore[arg-type]
        )
        first_id = _next_id(conn, Project.id)
        first_history = _next_id(conn, ProjectHistory.id)
        projects, countries, themes, participations, histories = [], [], [], [], []
        for offset, d in enumerate(drafts):
            pid = first_id + offset
            prefix = f"{d.countries[0]}-{d.created_at.year}"
            counters[prefix] = counters.get(prefix, 0) + 1
            code = f"{prefix}-{counters[prefix]:04d}"
            if d.donors[0] in ("eu-dg-intpa", "gb-fcdo", "de-bmz", "se-sida") and (
                gen.rng.random() < 0.5
            ):
                d.iati_identifier = f"XM-BENCH-{d.donors[0].upper()}-{pid}"
            projects.append(
                {
                    "id": pid,
                    "code": code,
                    "title": d.title,
                    "description": d.description,
                    "status": d.status,
                    "start_date": d.start_date,
                    "end_date": d.end_date,
                    "budget_amount": d.budget[0] if d.budget else None,
                    "budget_currency": d.budget[1] if d.budget else None,
                    "iati_identifier": d.iati_identifier,
                    "search_text": fold(f"{d.title}\n{d.description or ''}"),
                    "contact_name": d.contact[0] if d.contact else None,
                    "contact_email": d.contact[1] if d.contact else None,
                    "version": 1,
                    "created_at": d.created_at,
                    "updated_at": d.created_at,
                    "created_by_id": loader,
                    "updated_by_id": loader,
                    "withdrawn_at": now if d.withdrawn else None,
                    "withdrawn_by_id": loader if d.withdrawn else None,
                }
            )
            countries.extend({"project_id": pid, "country_code": c} for c in d.countries)
            themes.extend({"project_id": pid, "theme_id": theme_ids[t]} for t in d.themes)
            position = 0
            for role, codes in (("donor", d.donors), ("implementer", d.implementers)):
                for org in codes:
                    participations.append(
                        {
                            "project_id": pid,
                            "organization_id": orgs[org],
                            "role": role,
                            "position": position,
                        }
                    )
                    position += 1
            if history:
                histories.append(
                    {
                        "id": first_history + offset,
                        "project_id": pid,
                        "action": "create",
                        "version": 1,
                        "actor_id": loader,
                        "at": d.created_at,
                        "changes": _history_changes(d),
                    }
                )
        timings["rows"] = time.perf_counter() - started
        started = time.perf_counter()
        links["project"] = _insert(conn, Project.__table__, projects)
        links["project_country"] = _insert(conn, project_country, countries)
        links["project_theme"] = _insert(conn, project_theme, themes)
        links["project_organization"] = _insert(conn, ProjectOrganization.__table__, participations)
        if history:
            links["project_history"] = _insert(conn, ProjectHistory.__table__, histories)
        counter = ProjectCodeCounter.__table__
        conn.execute(counter.delete())
        conn.execute(
            counter.insert(), [{"prefix": p, "last_value": v} for p, v in sorted(counters.items())]
        )
        if is_pg:
            _reset_sequences(conn)
        timings["insert"] = time.perf_counter() - started
        started = time.perf_counter()
        # What the project service writes with each project, for the statistics' groupings.
        rebuild_facts(conn)
        timings["facts"] = time.perf_counter() - started
    started = time.perf_counter()
    if analyze if analyze is not None else is_pg:
        # What autovacuum does within a minute or so of a bulk load on PostgreSQL: statistics,
        # and (VACUUM) the visibility map that lets index-only scans skip the table.
        statement = "VACUUM ANALYZE" if is_pg else "ANALYZE"
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(statement))
    timings["analyze"] = time.perf_counter() - started
    # Write the load out now, so measurements that follow do not pay for flushing it.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CHECKPOINT" if is_pg else "PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return LoadReport(projects=size, links=links, seconds=timings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", required=True, help="SQLAlchemy URL (sqlite:/// or postgresql+psycopg://)"
    )
    parser.add_argument(
        "--size", type=int, default=10000, help="number of projects (default 10000)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-history", action="store_true", help="skip project_history rows")
    parser.add_argument("--no-setup", action="store_true", help="skip adam db upgrade / adam seed")
    parser.add_argument(
        "--analyze",
        choices=("auto", "yes", "no"),
        default="auto",
        help="ANALYZE (VACUUM ANALYZE on PostgreSQL) after loading; auto: PostgreSQL only",
    )
    args = parser.parse_args(argv)
    report = load(
        args.url,
        args.size,
        seed=args.seed,
        history=not args.no_history,
        setup=not args.no_setup,
        analyze={"auto": None, "yes": True, "no": False}[args.analyze],
    )
    rows = ", ".join(f"{k} {v}" for k, v in report.links.items())
    secs = ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items())
    print(f"Loaded {report.projects} projects ({rows}); {secs}")


if __name__ == "__main__":
    main()
