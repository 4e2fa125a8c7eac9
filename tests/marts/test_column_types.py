"""An incremental mart first built in a week without any alert text must still take alert text the week after."""

import duckdb
import pandas as pd

from analytics.dbt_inputs import with_column_types


def test_an_empty_text_column_is_created_as_text_and_takes_text_later():
    quiet_week = with_column_types(
        pd.DataFrame({"week_start": [pd.Timestamp("2026-01-05")] * 2, "alert_text_sv": [None, None], "n": [0, 1]})
    )
    busy_week = pd.DataFrame({"week_start": [pd.Timestamp("2026-01-12")], "alert_text_sv": ["Ökning"], "n": [7]})
    con = duckdb.connect()
    con.register("quiet_week", quiet_week)
    con.register("busy_week", busy_week)
    con.execute("create table mart as select * from quiet_week")
    types = {row[0]: row[1] for row in con.execute("describe mart").fetchall()}
    assert types["alert_text_sv"] == "VARCHAR"
    con.execute("insert into mart select * from busy_week")
    assert con.execute("select count(*), max(alert_text_sv) from mart").fetchall() == [(3, "Ökning")]
    assert with_column_types(busy_week) is busy_week  # nothing to change, nothing copied
