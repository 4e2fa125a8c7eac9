"""Demo police open events for Uppsala county, shaped exactly like polisen.se ``/api/events`` responses.

Each week has two fetches (Thursday 06:00 and Sunday 22:00, Stockholm time), written as
``police_events/polisen_events_<UTC fetch time>.json``. A fetch returns, newest first, every event published in the
14 days before it, each in the version current at the fetch: so most events are delivered several times unchanged
(identical re-deliveries), and the few the police edit (re-typed, or a summary with an update) appear in a later
file with the same ``id`` and ``datetime`` and new content. Uppsala-municipality events follow the demo's intensity
model (the same hot spots as the EST reports) and their summaries sometimes name the place ("vid Gottsunda
centrum") or district ("i Gränby"); some events are in the county's other municipalities, a few are county-level
"Sammanfattning natt" events, and a small share of summaries carry planted personal data for the redaction to
remove. Every week's events come from a generator seeded by (seed, ISO year, ISO week), like the other sources.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from ingest.demo.generator import PII_SNIPPETS, STOCKHOLM, _sample_events, _week_rng, _World
from ingest.demo.uppsala import all_districts
from ingest.sources.police_events import landing_file_name

MONTHS_SV = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)

# location.gps as the API publishes it: the municipality's (or county's) centroid, never the incident.
CENTROIDS = {
    "Uppsala": "59.858564,17.638927",
    "Enköping": "59.635691,17.077823",
    "Tierp": "60.347587,17.520509",
    "Älvkarleby": "60.568607,17.448913",
    "Håbo": "59.627071,17.452298",
    "Knivsta": "59.72612,17.792036",
    "Heby": "59.939637,16.858759",
    "Östhammar": "60.259302,18.365341",
    "Uppsala län": "60.009226,17.271459",
}
OTHER_MUNICIPALITIES = {
    "Enköping": 0.33,
    "Håbo": 0.15,
    "Tierp": 0.14,
    "Östhammar": 0.12,
    "Knivsta": 0.1,
    "Heby": 0.1,
    "Älvkarleby": 0.06,
}

# Event type → (share of Uppsala-municipality events, season amplitude, summaries). {where} becomes " vid <place>",
# " i <district>" or "" (then the summary names no place).
EVENT_TYPES: dict[str, tuple[float, float, tuple[str, ...]]] = {
    "Misshandel": (0.12, 0.2, ("Man misshandlad{where}.", "Bråk mellan flera personer{where}, en person skadad.")),
    "Misshandel, grov": (0.03, 0.2, ("Person allvarligt skadad efter misshandel{where}.",)),
    "Rån": (0.05, 0.0, ("Ungdom rånad på mobiltelefon{where}.", "Rån mot butik{where}.")),
    "Stöld": (0.08, 0.05, ("Stöld ur bil{where}.", "Cykelstöld{where}.")),
    "Stöld/inbrott": (0.07, -0.1, ("Inbrott i källarförråd{where}.", "Inbrott i lägenhet{where}.")),
    "Skadegörelse": (0.08, 0.1, ("Krossade rutor{where}.", "Klotter och skadegörelse{where}.")),
    "Brand": (0.12, 0.1, ("Brand i soprum{where}.", "Bilbrand{where}.", "Brand i papperskorg{where}.")),
    "Trafikolycka": (0.12, 0.0, ("Kollision mellan två personbilar{where}.", "Singelolycka{where}.")),
    "Narkotikabrott": (0.05, 0.05, ("Man gripen misstänkt för narkotikabrott{where}.",)),
    "Ofredande/förargelse": (0.05, 0.15, ("Kvinna ofredad{where}.",)),
    "Olaga hot": (0.05, 0.05, ("Person hotad med kniv{where}.",)),
    "Knivlagen": (0.03, 0.1, ("Ungdom med kniv{where}, omhändertagen.",)),
    "Bråk": (0.06, 0.3, ("Bråk mellan ungdomar{where}.", "Stökigt med en större grupp{where}.")),
    "Rattfylleri": (0.05, 0.0, ("Misstänkt rattfylleri{where}.",)),
    "Övrigt": (0.04, 0.0, ("Polisen har varit på plats{where}.",)),
}
# Edits the police make after publication: (type before, type after).
RETYPES = {
    "Misshandel": "Misshandel, grov",
    "Stöld": "Stöld/inbrott",
    "Bråk": "Misshandel",
    "Skadegörelse": "Brand",
    "Olaga hot": "Rån",
}
UPDATE_NOTES = (
    "Uppdatering: en person gripen.",
    "Uppdatering: ingen person skadad.",
    "Uppdatering: polisen söker vittnen.",
)
SUMMARY_NIGHT = "Sammanfattning natt"

EVENTS_PER_WEEK = {"uppsala": 7.0, "county_municipalities": 3.0}
EDIT_SHARE = 0.08
FETCH_WINDOW = timedelta(days=14)
# (weekday, local time) of the week's fetches.
FETCHES = ((3, time(6, 0)), (6, time(22, 0)))


@dataclass(frozen=True)
class DemoEvent:
    """One event and, if the police edit it, the later version and when that edit was published (UTC)."""

    published: datetime  # UTC
    versions: tuple[dict, ...]  # API objects, first version first
    edited_at: datetime | None  # UTC, when versions[1] replaced versions[0]

    def version_at(self, moment: datetime) -> dict:
        return self.versions[1] if self.edited_at is not None and moment >= self.edited_at else self.versions[0]


def _api_datetime(moment_utc: datetime) -> str:
    """The API's datetime: local time with offset, the hour not zero-padded ("2024-01-01 0:40:16 +01:00")."""
    local = moment_utc.replace(tzinfo=UTC).astimezone(STOCKHOLM)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d} {local.hour}:{local:%M:%S} {offset[:3]}:{offset[3:]}"


def _title(occurred_local: datetime, event_type: str, location: str) -> str:
    return f"{occurred_local.day:02d} {MONTHS_SV[occurred_local.month - 1]} {occurred_local:%H.%M}, {event_type}, {location}"


def _url(occurred_local: datetime, event_type: str, location: str) -> str:
    slug = "-".join(
        f"{occurred_local.day:02d} {MONTHS_SV[occurred_local.month - 1]} {occurred_local:%H%M} "
        f"{event_type} {location}".casefold()
        .replace(",", "")
        .replace("/", "")
        .split()
    )
    slug = slug.translate(str.maketrans("åäö", "aao"))
    return (
        f"/aktuellt/handelser/{occurred_local.year}/{MONTHS_SV[occurred_local.month - 1]}/{occurred_local.day}/{slug}/"
    )


def _event(
    event_id: int, occurred_local: datetime, delay_minutes: float, event_type: str, location: str, summary: str
) -> dict:
    occurred_utc = occurred_local.replace(tzinfo=STOCKHOLM).astimezone(UTC).replace(tzinfo=None)
    published = occurred_utc + timedelta(minutes=float(delay_minutes))
    return {
        "id": event_id,
        "datetime": _api_datetime(published),
        "name": _title(occurred_local, event_type, location),
        "summary": summary,
        "url": _url(occurred_local, event_type, location),
        "type": event_type,
        "location": {"name": location, "gps": CENTROIDS[location]},
    }, published


def events_week(seed: int, scale: float, pii_share: float, world: _World, week_start: date) -> list[DemoEvent]:
    """The police events of one ISO week (occurring in it), with their later edits."""
    rng = _week_rng(seed, week_start, 3)
    year, week, _ = week_start.isocalendar()
    shares = {t: share for t, (share, _, _) in EVENT_TYPES.items()}
    seasons = {t: season for t, (_, season, _) in EVENT_TYPES.items()}
    # The police's selection does not follow the planted EST effects, only the places' baseline weights.
    uppsala = _sample_events(
        rng, world, (), week_start, shares, seasons, EVENTS_PER_WEEK["uppsala"] * scale, "police_events"
    )
    districts = {u.area_id: u for u in world.units if u.kind == "area"}
    drafts = []  # (occurred_local, type, location, summary)
    for ev in uppsala.itertuples(index=False):
        templates = EVENT_TYPES[ev.category][2]
        template = templates[int(rng.integers(len(templates)))]
        roll = rng.random()
        if ev.place_name and roll < 0.5:
            where = f" vid {ev.place_name}"
        elif roll < 0.75 and ev.area_id in districts and ev.area_id != "ovriga_kommunen":
            where = f" i {_district_name(ev.area_id)}"
        else:
            where = ""
        drafts.append((ev.local_time.to_pydatetime(), ev.category, "Uppsala", template.format(where=where)))

    n_other = int(rng.poisson(EVENTS_PER_WEEK["county_municipalities"] * scale))
    names = list(OTHER_MUNICIPALITIES)
    weights = np.array(list(OTHER_MUNICIPALITIES.values()))
    types = list(EVENT_TYPES)
    for _ in range(n_other):
        location = names[int(rng.choice(len(names), p=weights / weights.sum()))]
        event_type = types[int(rng.integers(len(types)))]
        templates = EVENT_TYPES[event_type][2]
        occurred = datetime.combine(
            week_start + timedelta(days=int(rng.integers(7))), time(int(rng.integers(24)), int(rng.integers(60)))
        )
        drafts.append((occurred, event_type, location, templates[int(rng.integers(len(templates)))].format(where="")))

    if rng.random() < 0.5 * min(1.0, scale):  # a night summary for the county about every other week
        night = datetime.combine(week_start + timedelta(days=int(rng.choice([4, 5]))), time(6, 30))
        places = [u.place_name for u in world.units if u.place_name]
        named = places[int(rng.integers(len(places)))]
        drafts.append(
            (
                night,
                SUMMARY_NIGHT,
                "Uppsala län",
                f"Natten till {MONTHS_SV[night.month - 1]} i länet: bråk vid {named}, en rattfyllerist "
                f"stoppad på E4 och en brand i ett förråd.",
            )
        )

    drafts.sort(key=lambda d: (d[0], d[1], d[2]))
    events = []
    for k, (occurred, event_type, location, summary) in enumerate(drafts):
        if rng.random() < pii_share:
            summary = f"{summary} {PII_SNIPPETS[int(rng.integers(len(PII_SNIPPETS)))]}"
        event_id = int(f"{year % 100:02d}{week:02d}{k + 1:03d}")
        first, published = _event(event_id, occurred, float(rng.gamma(2.0, 30.0)), event_type, location, summary)
        versions, edited_at = (first,), None
        if rng.random() < EDIT_SHARE and event_type != SUMMARY_NIGHT:
            edited = dict(first)
            if event_type in RETYPES and rng.random() < 0.6:
                edited["type"] = RETYPES[event_type]
                edited["name"] = _title(occurred, edited["type"], location)
            else:
                edited["summary"] = f"{summary} {UPDATE_NOTES[int(rng.integers(len(UPDATE_NOTES)))]}"
            versions, edited_at = (first, edited), published + timedelta(hours=float(rng.uniform(20, 90)))
        events.append(DemoEvent(published, versions, edited_at))
    return events


def _district_name(area_id: str) -> str:
    return next(d.name for d in all_districts() if d.area_id == area_id)


def fetch_times(week_start: date) -> list[datetime]:
    """The week's fetch times, naive UTC."""
    return [
        datetime.combine(week_start + timedelta(days=day), at)
        .replace(tzinfo=STOCKHOLM)
        .astimezone(UTC)
        .replace(tzinfo=None)
        for day, at in FETCHES
    ]


def fetch_response(events: list[DemoEvent], fetched_at: datetime) -> list[dict]:
    """What the API returns at ``fetched_at``: the events of the last 14 days, newest first, current versions."""
    visible = [e for e in events if fetched_at - FETCH_WINDOW < e.published <= fetched_at]
    visible.sort(key=lambda e: (e.published, e.versions[0]["id"]), reverse=True)
    return [e.version_at(fetched_at) for e in visible]


def response_bytes(events: list[dict]) -> bytes:
    """Serialised as the API does it (the real archive is ``jq .`` output: 2-space indent, UTF-8)."""
    return (json.dumps(events, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def files_for_week(
    seed: int, scale: float, pii_share: float, world: _World, week_start: date, first_week: date
) -> list[tuple[str, bytes, int]]:
    """The week's landing files: (file name, content, events in it). Events of the two weeks before count too,
    since a fetch looks 14 days back (never before the demo's first week)."""
    events = []
    for back in (2, 1, 0):
        start = week_start - timedelta(weeks=back)
        if start >= first_week:
            events.extend(events_week(seed, scale, pii_share, world, start))
    files = []
    for fetched_at in fetch_times(week_start):
        response = fetch_response(events, fetched_at)
        files.append((landing_file_name(fetched_at), response_bytes(response), len(response)))
    return files
