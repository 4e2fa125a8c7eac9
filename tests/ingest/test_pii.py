"""Personal data planted in every free-text field (several forms of personnummer, samordningsnummer, phone
numbers, e-mail, number plates and names) is gone from every column of every staging table, and from the raw
zone's stored text; only the restricted quarantine keeps content as it arrived."""

from __future__ import annotations

import re

import pytest

from ingest.redact import contains_pii, redact
from tests.ingest.staged import PII_TEXTS, PLANTED_PII

pytestmark = pytest.mark.xdist_group("ingest_staged")


# The planted values as text, and the planted numbers as bare digits (so '070-123 45 67' is also caught as
# '0701234567'); one pattern each, so scanning every staging value stays fast.
PLANTED_TEXT = re.compile("|".join(re.escape(v) for values in PLANTED_PII.values() for v in values), re.IGNORECASE)
PLANTED_DIGITS = re.compile(
    "|".join(
        sorted(
            {re.sub(r"\D", "", v) for kind in ("personnummer", "samordningsnummer", "phone") for v in PLANTED_PII[kind]}
        )
    )
)
# Hex identifiers the platform generates (content hashes, file hashes, batch ids, H3 cells): checked for the planted
# values, but not against the redaction patterns, which any long run of hex digits can match.
GENERATED_IDS = {"content_hash", "source_sha256", "batch_id", "h3_cell"}
NON_TEXT_TYPES = {
    "BIGINT",
    "INTEGER",
    "DOUBLE",
    "DECIMAL",
    "BOOLEAN",
    "DATE",
    "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE",
    "HUGEINT",
    "FLOAT",
}


def leaks(value: str, column: str = "") -> list[str]:
    found = [m.group(0) for m in PLANTED_TEXT.finditer(value)]
    if column not in GENERATED_IDS:
        found += PLANTED_DIGITS.findall(re.sub(r"\D", "", value))
        if contains_pii(value):
            found.append("a redaction rule still matches")
    return found


@pytest.mark.parametrize("kind", sorted(PLANTED_PII))
def test_redaction_removes_every_planted_form(kind):
    for value in PLANTED_PII[kind]:
        redacted = redact(f"Text med {value} i mitten.")
        assert value not in redacted and not contains_pii(redacted), (value, redacted)


def test_planted_rows_reached_staging(staged):
    con = staged.connect()
    try:
        est = con.execute("select count(*) from staging.stg_est__reports where report_id like 'PII-%'").fetchall()
        police = con.execute(
            "select count(*) from staging.stg_police__events where event_id between 9200100 and 9200199"
        ).fetchall()
    finally:
        con.close()
    assert est[0][0] == len(PII_TEXTS) + 1 and police[0][0] == len(PII_TEXTS), "the scan below is not vacuous"


def test_no_personal_data_in_any_staging_column(staged):
    con = staged.connect()
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'staging'"
            ).fetchall()
        ]
        assert {
            "stg_est__reports",
            "stg_police__events",
            "stg_police__crimes",
            "stg_bra__indicators",
            "stg_geo__areas",
            "stg_geo__population",
        } <= set(tables)
        found, scanned = [], 0
        for table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'staging' and table_name = ?",
                [table],
            ).fetchall()
            for column, data_type in columns:
                if data_type != "VARCHAR":
                    # Numbers, times and booleans cannot carry text; say so rather than skip silently.
                    assert data_type.split("(")[0] in NON_TEXT_TYPES, (table, column, data_type)
                    continue
                values = con.execute(
                    f'select distinct "{column}" from staging.{table} '  # noqa: S608
                    f'where "{column}" is not null'
                ).fetchall()
                scanned += 1
                found += [(table, column, v[:80], hits) for (v,) in values if (hits := leaks(v, column))]
    finally:
        con.close()
    assert scanned >= 40, "every text column of every staging table was scanned"
    assert found == []


def test_free_text_stored_in_the_raw_zone_is_redacted(staged):
    con = staged.connect()
    try:
        texts = con.execute(
            """
            select description from raw.est_reports union all select place_name from raw.est_reports
            union all select reporter_org from raw.est_reports union all select reporter_role from raw.est_reports
            union all select summary from raw.police_events where event_id >= 9000000
            union all select name from raw.police_events where event_id >= 9000000
            """
        ).fetchall()
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_name = 'est_reports'"
            ).fetchall()
        ]
    finally:
        con.close()
    assert [t for (t,) in texts if t and leaks(t)] == []
    assert "[PERSONNUMMER]" in " ".join(t for (t,) in texts if t), "redacted, not dropped"
    assert not {"Rapportör", "reporter_name"} & set(columns), "a reporter's name is never stored"
