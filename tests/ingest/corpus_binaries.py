"""The corpus's binary files (XLSX, GeoPackage), written from code so the repository holds no opaque binaries."""

from __future__ import annotations

import sqlite3
import struct
from datetime import datetime
from pathlib import Path

import shapely
from openpyxl import Workbook
from shapely.geometry import Point, Polygon


def write_est_xlsx(path: Path) -> None:
    """An EST export as Excel writes it: real datetime and number cells; rows 2-4 are bad."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Rapporter"
    sheet.append(
        [
            "Rapport-ID",
            "Händelsetid",
            "Inrapporterad",
            "Kategori",
            "Underkategori",
            "Latitud",
            "Longitud",
            "Beskrivning",
        ]
    )
    sheet.append(
        [
            "X-001",
            datetime(2026, 3, 2, 18, 30),
            datetime(2026, 3, 2, 19, 0),
            "Skadegörelse",
            "Klotter",
            59.8589,
            17.6385,
            "Klotter vid torget",
        ]
    )
    sheet.append(
        [
            "X-002",
            datetime(2026, 3, 2, 18, 31),
            datetime(2026, 3, 2, 19, 0),
            "Vattenskada",
            None,
            59.8589,
            17.6385,
            "Okänd kategori",
        ]
    )
    sheet.append(
        [
            "X-003",
            datetime(2026, 3, 2, 18, 32),
            datetime(2026, 3, 2, 19, 0),
            "Skadegörelse",
            "Klotter",
            40.4168,
            -3.7038,
            "Madrid",
        ]
    )
    sheet.append(
        [
            "X-001",
            datetime(2026, 3, 2, 18, 33),
            datetime(2026, 3, 2, 19, 0),
            "Skadegörelse",
            "Klotter",
            59.8589,
            17.6385,
            "Samma id igen",
        ]
    )
    workbook.save(path)


def _gpkg_blob(geometry, srs_id: int) -> bytes:
    """GeoPackage geometry: 'GP', version 0, flags (little-endian, no envelope), srs id, then WKB."""
    return b"GP" + bytes([0, 0b00000001]) + struct.pack("<i", srs_id) + shapely.to_wkb(geometry, byte_order=1)


def write_gpkg(path: Path) -> None:
    """A one-layer GeoPackage in SWEREF 99 TM: a polygon near Stora torget, a NULL geometry and a point."""
    con = sqlite3.connect(path)
    con.executescript(
        """
        create table gpkg_spatial_ref_sys (srs_name text not null, srs_id integer primary key,
            organization text not null, organization_coordsys_id integer not null, definition text not null,
            description text);
        insert into gpkg_spatial_ref_sys values ('SWEREF99 TM', 3006, 'EPSG', 3006, 'undefined', null);
        create table gpkg_contents (table_name text primary key, data_type text not null, identifier text,
            description text default '', last_change datetime, min_x double, min_y double, max_x double,
            max_y double, srs_id integer);
        insert into gpkg_contents (table_name, data_type, identifier, srs_id)
            values ('corpus_layer', 'features', 'corpus_layer', 3006);
        create table gpkg_geometry_columns (table_name text not null, column_name text not null,
            geometry_type_name text not null, srs_id integer not null, z tinyint not null, m tinyint not null);
        insert into gpkg_geometry_columns values ('corpus_layer', 'geom', 'POLYGON', 3006, 0, 0);
        create table corpus_layer (fid integer primary key autoincrement, geom blob, omrade_id text, namn text);
        """
    )
    square = Polygon([(647700, 6638600), (647900, 6638600), (647900, 6638800), (647700, 6638800)])
    rows = [
        (_gpkg_blob(square, 3006), "gpkg_torget", "Torget"),
        (None, "gpkg_null", "Ingen geometri"),
        (_gpkg_blob(Point(647769.8, 6638640.6), 3006), "gpkg_point", "En punkt"),
    ]
    con.executemany("insert into corpus_layer (geom, omrade_id, namn) values (?, ?, ?)", rows)
    con.commit()
    con.close()


def write_generated_corpus(root: Path) -> None:
    """Write every generated corpus file under ``root/<source>/``."""
    (root / "est_reports").mkdir(parents=True, exist_ok=True)
    (root / "areas").mkdir(parents=True, exist_ok=True)
    write_est_xlsx(root / "est_reports" / "faults.xlsx")
    (root / "est_reports" / "not_a_zip.xlsx").write_text("Rapport-ID;Kategori\nA;B\n", encoding="utf-8")
    write_gpkg(root / "areas" / "faults.gpkg")
    (root / "areas" / "not_sqlite.gpkg").write_text("this is not a GeoPackage\n", encoding="utf-8")
