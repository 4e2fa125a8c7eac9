"""The EST report taxonomy: Swedish (and English) labels as reporting systems export them → stable codes.

Codes follow ``../shared/docs/est-domain.md`` §2.3 (EMBRACE's categories as used by Uppsala, Örebro, Kumla and
others). A label that is not listed here is quarantined as ``unknown_category``; it is never guessed. To accept a
new label, add it here (and its code to the dbt seed ``est_categories`` if it is a new code).
"""

from __future__ import annotations

import unicodedata

# category code → (Swedish label, English label, accepted label variants)
CATEGORIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "skadegorelse": ("Skadegörelse", "Vandalism", ("skadegörelse", "vandalism")),
    "nedskrapning": ("Nedskräpning", "Littering", ("nedskräpning", "littering")),
    "samling_personer": (
        "Otrygghetsskapande samling av personer",
        "Gathering of people causing insecurity",
        (
            "samling av personer",
            "otrygghetsskapande samling av personer",
            "ordningsstörande samling",
            "ungdomssamling",
            "gathering",
        ),
    ),
    "ordningsstorning": (
        "Annat otrygghetsskapande eller ordningsstörande",
        "Other disorder or insecurity",
        ("ordningsstörning", "annat otrygghetsskapande eller ordningsstörande", "ordningsstörande", "disorder"),
    ),
    "narkotika": ("Narkotika", "Drugs", ("narkotika", "narkotikahantering", "misstänkt droghantering", "drugs")),
    "otrygg_plats": ("Otrygg plats", "Unsafe place", ("otrygg plats", "otrygga platser", "unsafe place")),
    "incident_mot_anstalld": (
        "Incident mot anställd",
        "Incident against staff",
        ("incident mot anställd", "incidenter mot anställd", "incident against staff"),
    ),
    "brott_ovrigt": ("Övrigt brott", "Other crime", ("övrigt brott", "brott övrigt", "other crime")),
    "arrangemang": ("Arrangemang", "Event", ("arrangemang", "event")),
}

# (category code, subcategory code) → (Swedish label, English label, accepted label variants)
SUBCATEGORIES: dict[tuple[str, str], tuple[str, str, tuple[str, ...]]] = {
    ("skadegorelse", "klotter"): ("Klotter", "Graffiti", ("klotter", "graffiti")),
    ("skadegorelse", "glaskross"): ("Glaskross", "Broken glass", ("glaskross", "krossad ruta")),
    ("skadegorelse", "brand"): ("Brand", "Fire", ("brand", "anlagd brand", "fire")),
    ("skadegorelse", "fordon"): ("Fordon", "Vehicle", ("fordon", "skadegörelse på fordon", "vehicle")),
    ("skadegorelse", "ovrig"): ("Övrig skadegörelse", "Other damage", ("övrig", "övrig skadegörelse", "other")),
    ("samling_personer", "ordningsstorande"): ("Ordningsstörande", "Disorderly", ("ordningsstörande",)),
    ("samling_personer", "otrygghetsskapande"): ("Otrygghetsskapande", "Causing insecurity", ("otrygghetsskapande",)),
    ("ordningsstorning", "brak"): ("Bråk", "Fight", ("bråk", "slagsmål", "fight")),
    ("ordningsstorning", "hot_vald"): ("Hot/våld", "Threat/violence", ("hot/våld", "hot", "våld", "hot och våld")),
    ("ordningsstorning", "buskorning"): (
        "Buskörning/olovlig trafik",
        "Reckless driving",
        ("buskörning", "olovlig trafik", "buskörning/olovlig trafik"),
    ),
    ("ordningsstorning", "olovligt_boende"): (
        "Olovligt boende/sovplats",
        "Unauthorised sleeping",
        ("olovligt boende", "sovplats", "olovligt boende/sovplats"),
    ),
    ("narkotika", "misstankt_handel"): ("Misstänkt handel", "Suspected dealing", ("misstänkt handel", "handel")),
    ("narkotika", "bruk"): ("Bruk", "Use", ("bruk", "användning")),
    ("narkotika", "fynd"): ("Fynd", "Find", ("fynd", "sprutfynd", "kanyl")),
    ("otrygg_plats", "belysning"): ("Belysning", "Lighting", ("belysning", "trasig belysning", "dålig belysning")),
    ("otrygg_plats", "insyn_vegetation"): (
        "Insyn/vegetation",
        "Sightlines/vegetation",
        ("insyn", "vegetation", "insyn/vegetation"),
    ),
    ("otrygg_plats", "odslig"): ("Ödslig", "Deserted", ("ödslig", "öde")),
    ("otrygg_plats", "skadad_miljo"): ("Skadad miljö", "Damaged environment", ("skadad miljö",)),
    ("brott_ovrigt", "inbrott"): ("Inbrott", "Burglary", ("inbrott", "burglary")),
    ("brott_ovrigt", "ran"): ("Rån", "Robbery", ("rån", "robbery")),
    ("brott_ovrigt", "stold"): ("Stöld", "Theft", ("stöld", "theft")),
}


def fold_label(label: str) -> str:
    """Compare labels without case, surrounding space or Unicode normalisation differences (å vs a+ring)."""
    return " ".join(unicodedata.normalize("NFC", str(label)).casefold().split())


def _build_lookup() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    categories: dict[str, str] = {}
    for code, (sv, en, variants) in CATEGORIES.items():
        for label in (code, sv, en, *variants):
            categories[fold_label(label)] = code
    subcategories: dict[tuple[str, str], str] = {}
    for (category, code), (sv, en, variants) in SUBCATEGORIES.items():
        for label in (code, sv, en, *variants):
            subcategories[(category, fold_label(label))] = code
    return categories, subcategories


_CATEGORY_LOOKUP, _SUBCATEGORY_LOOKUP = _build_lookup()


def category_code(label: str | None) -> str | None:
    """The stable code for an exported category label, or None when the label is unknown."""
    if label is None or not str(label).strip():
        return None
    return _CATEGORY_LOOKUP.get(fold_label(label))


def subcategory_code(category: str, label: str | None) -> str | None:
    if label is None or not str(label).strip():
        return None
    return _SUBCATEGORY_LOOKUP.get((category, fold_label(label)))


PEOPLE_BANDS = ("1-4", "5-9", "10-19", "20+")
SETTINGS = (
    "utomhus",
    "trapphus",
    "källare",
    "garage",
    "skolgård",
    "centrum",
    "köpcentrum",
    "torg",
    "park",
    "gata",
    "kollektivtrafik",
    "idrottsplats",
    "industri",
    "annat",
)
REPORTER_ROLES = ("vaktare", "faltassistent", "hemtjanst", "lokalvard", "bostadsbolag", "fritidsledare", "annan")
