"""Word lists of the normaliser: transliteration, acronyms, stop words, phase markers.

Data, not logic, so that adding an acronym or a stop word is a one-line change reviewed on its
own. Every list is applied by ``normalize``; comments say why an entry class exists.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


# Russian/Ukrainian/Central-Asian Cyrillic -> Latin, close to the BGN/PCGN romanisation used by
# UN documents, so a title typed in Cyrillic and one typed in transliteration meet.
CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u",
    "ғ": "gh", "қ": "q", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "ә": "a",
    "ҳ": "h", "ҷ": "j", "ӣ": "i", "ӯ": "u",
}  # fmt: skip
TRANSLIT = str.maketrans(CYRILLIC)


# Crude Russian suffix stripping: inflection otherwise hides equal words
# ("пограничных служб" / "пограничные службы"). Longest suffix first.
RU_SUFFIXES = sorted(
    _words(
        "иями ями ами ого его ому ему ыми ими ых их ой ей ий ый ая яя ое ее ые ие ую юю ов ев "
        "ом ем ам ям ах ях ию ия ии а я ы и у ю е о ь й"
    ),
    key=len,
    reverse=True,
)

# Cyrillic acronyms whose letters differ from the Latin ones, matched on raw lowercase tokens.
CYRILLIC_ACRONYMS = {
    ("унп", "оон"): "unodc",
    ("оон",): "un",
    ("обсе",): "osce",
    ("ес",): "eu",
    ("царикц",): "caricc",
    ("одкб",): "csto",
    ("снг",): "cis",
    ("шос",): "sco",
}

# Long form -> acronym. Long forms are normalised by the same pipeline at import, so plurals,
# accents and spelling variants ("centre"/"center") are covered automatically. Collapsing to
# the acronym (not expanding) keeps the token count of both spellings equal.
ACRONYMS: dict[str, tuple[str, ...]] = {
    "unodc": ("united nations office on drugs and crime", "un office on drugs and crime"),
    "blo": ("border liaison office",),
    "inl": (
        "bureau of international narcotics and law enforcement affairs",
        "international narcotics and law enforcement affairs",
        "international narcotics and law enforcement",
    ),
    "osce": ("organization for security and co-operation in europe",),
    "caricc": ("central asian regional information and coordination centre",),
    "ccp": ("container control programme",),
    "dea": ("drug enforcement administration",),
    "cnd": ("commission on narcotic drugs",),
    "incb": ("international narcotics control board",),
    "emcdda": ("european monitoring centre for drugs and drug addiction",),
    "anf": ("anti narcotics force",),
    "aml": ("anti money laundering",),
    "cft": ("countering the financing of terrorism", "combating the financing of terrorism"),
    "nps": ("new psychoactive substances",),
    "ppi": ("paris pact initiative",),
    "iom": ("international organization for migration",),
    "unhcr": ("united nations high commissioner for refugees", "un refugee agency"),
    "undp": ("united nations development programme",),
    "unicef": ("united nations children s fund", "united nations childrens fund"),
    "wfp": ("world food programme",),
    "fao": ("food and agriculture organization",),
    "usaid": ("united states agency for international development",),
    "fcdo": ("foreign commonwealth and development office",),
    "echo": ("european civil protection and humanitarian aid operations",),
    "eu": ("european union",),
    "un": ("united nations",),
}

# British/American and compound spellings, applied per token after accent folding.
SPELLING = {
    "programme": "program", "programmes": "program", "centre": "center", "centres": "center",
    "defence": "defense", "labour": "labor", "counselling": "counseling", "offence": "offense",
    "offences": "offense", "licence": "license", "judgement": "judgment", "ageing": "aging",
}  # fmt: skip
PREFIXES_TO_JOIN = {"co", "counter", "anti", "cross", "inter", "multi", "non", "re", "sub"}

# Words that never tell two projects apart: function words (EN/FR/ES/PT/NL/RU, the languages
# seen in IATI titles) and the boiler-plate of technical-assistance titles. Phase words are not
# here: they are extracted as a feature first.
FUNCTION_WORDS = set(
    _words(
        """
    a an and the of in on for to with by at from into through its their this that these as or be
    is are was via per under within towards toward against between all new
    de del la las el los en et le les des du au aux un une y para por con e o da do dos das em
    van het een voor en met op te och att av
    i v na po dlya s so ot k o ob iz pri a takzh
    """
    )
)
FIELD_WORDS = set(
    _words(
        """
    project program support strengthening strengthen strengthened capacity capacities building
    build enhancing enhance enhanced enhancement improving improve improved improvement assistance
    technical initiative activity intervention component contribution provision providing
    promoting promote promotion
    projet programa proyecto apoyo fortalecimiento renforcement appui
    proekt programm podderzhk ukreplen potentsial razvit sodeystv
    """
    )
)
STOP_WORDS = frozenset(FUNCTION_WORDS | FIELD_WORDS)
# Russian field words typed in Latin transliteration keep their endings ("ukreplenie",
# "potentsiala"); a prefix test catches them without a Russian stemmer for Latin text.
RU_FIELD_STEMS = ("ukreplen", "potentsial", "podderzhk", "programm", "proekt", "sodeystv")

# "phase II", "2nd phase", "фаза 2", "этап II", "fase 2": the phase marker is the commonest
# hard negative (same programme, next phase), so it becomes a feature of its own.
PHASE_WORDS = {"phase", "fase", "faz", "faza", "etap"}
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "one": 1, "two": 2, "three": 3,
    "four": 4, "five": 5, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "premiere": 1,
    "deuxieme": 2, "troisieme": 3, "primera": 1, "segunda": 2, "tercera": 3, "pervyy": 1,
    "pervy": 1, "vtoroy": 2, "vtor": 2, "tret": 3, "tretiy": 3,
}  # fmt: skip
NOT_SINGULAR = {
    "aids", "news", "series", "species", "gas", "sars", "bus", "paris", "kansas", "thus", "always",
    "its", "this", "has", "was", "is", "as", "us",
}  # fmt: skip
