"""What every mart endpoint shares: the role → table rule, week/tertial parsing, limits, pagination, JSON or CSV,
and caching by snapshot (ETag / Last-Modified / 304).

Role rule: the same endpoints serve the suppressed ``public_*`` variant of a mart to the ``public`` role and the full
mart to every other role allowed on the endpoint (docs/api.md has the role matrix).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date
from email.utils import format_datetime
from functools import lru_cache
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, TypeAdapter

from api.auth import Principal, require_roles
from api.deps import SnapshotReader, snapshot_reader
from api.response_cache import CacheKey, ResponseCache
from api.routers.models import JSON_COLUMNS

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
MAX_WEEKS = 104  # the longest week range one request may ask for (two years); page through longer periods
MAX_OFFSET = 10_000_000

ALL_ROLES = ("public", "analyst", "scheduler", "auditor")
MART_ROLES = ("public", "analyst", "auditor")  # the tertial mart: not the scheduler's business

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_TERTIAL = re.compile(r"^(\d{4})-T([1-3])$")
AREA_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
CATEGORY_PATTERN = r"^[a-z0-9_]{1,64}$"


class ErrorBody(BaseModel):
    detail: str | list[Any] = Field(description="what was wrong with the request")


def _error(text: str) -> dict:
    return {"model": ErrorBody, "description": text}


# Documented on every data route, so a client (and schemathesis) knows each status the API may answer.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "not modified: the If-None-Match ETag is the current snapshot's"},
    401: _error("no API key, or an unknown one"),
    403: _error("the key's role may not use this endpoint (or this filter)"),
    404: _error("unknown area, or the snapshot holds no such data"),
    422: _error("malformed or out-of-range parameters (week, tertial, range, page size)"),
    503: _error("no snapshot has been published yet"),
}
# The data routes also answer CSV (Accept: text/csv or ?format=csv).
CSV_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
}


class NotModified(Exception):  # noqa: N818 - an HTTP outcome, not an error
    def __init__(self, headers: dict[str, str]):
        self.headers = headers


class Cached(Exception):  # noqa: N818 - an HTTP outcome, not an error
    """Raised by the mart dependency when the response is already in the snapshot's response cache."""

    def __init__(self, response: Response) -> None:
        self.response = response


def install(app: FastAPI) -> None:
    """App-level state and handlers the mart endpoints need (a 304 or a cached response raised from a dependency)."""
    app.state.responses = ResponseCache()

    async def not_modified(_request: Request, exc: NotModified) -> Response:
        return Response(status_code=304, headers=exc.headers)

    async def cached(_request: Request, exc: Cached) -> Response:
        return exc.response

    app.add_exception_handler(NotModified, not_modified)
    app.add_exception_handler(Cached, cached)


# ---------------------------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------------------------


def parse_iso_week(value: str) -> date:
    """'2026-W47' → Monday of that ISO week; a clear 422 for anything else (e.g. week 60)."""
    match = _ISO_WEEK.match(value)
    if not match:
        raise HTTPException(status_code=422, detail=f"week must look like 2026-W47, got {value!r}")
    year, week = int(match[1]), int(match[2])
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise HTTPException(
            status_code=422, detail=f"{value} is not a week of {year} (ISO weeks run 1-52 or 53)"
        ) from exc


def iso_week_label(monday: date) -> str:
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def parse_tertial(value: str) -> str:
    if not _TERTIAL.match(value):
        raise HTTPException(
            status_code=422,
            detail=f"tertial must look like 2026-T1 (T1 Jan-Apr, T2 May-Aug, T3 Sep-Dec), got {value!r}",
        )
    return value


def week_range(from_week: str | None, to_week: str | None, latest: date | None) -> tuple[date, date]:
    """The requested [first, last] Mondays: default the latest week; at most MAX_WEEKS weeks (422 beyond)."""
    if latest is None:
        raise HTTPException(status_code=404, detail="the weekly mart is empty")
    last = parse_iso_week(to_week) if to_week else latest
    first = parse_iso_week(from_week) if from_week else last
    if first > last:
        raise HTTPException(status_code=422, detail=f"from_week {from_week} is after to_week {to_week or 'latest'}")
    weeks = (last - first).days // 7 + 1
    if weeks > MAX_WEEKS:
        raise HTTPException(
            status_code=422,
            detail=f"the range {iso_week_label(first)}..{iso_week_label(last)} "
            f"spans {weeks} weeks; at most {MAX_WEEKS} per request",
        )
    return first, last


# ---------------------------------------------------------------------------------------------------------------
# Query parameters shared by the paged endpoints
# ---------------------------------------------------------------------------------------------------------------

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"page size (at most {MAX_PAGE_SIZE})")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip (the order is stable, see the summary)")]
FromWeek = Annotated[str | None, Query(description="first ISO week, e.g. 2026-W01 (default: to_week)", max_length=10)]
ToWeek = Annotated[str | None, Query(description="last ISO week (default: the latest week)", max_length=10)]
AreaFilter = Annotated[list[str] | None, Query(description="area ids (repeat for several)", max_length=100)]
Format = Annotated[Literal["json", "csv"] | None, Query(description="json (default) or csv; or send Accept: text/csv")]

Row = TypeVar("Row", bound=BaseModel)


class Page(BaseModel, Generic[Row]):
    snapshot_id: str
    total: int = Field(description="rows matching the filters")
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page; null on the last page")
    items: list[Row]


# ---------------------------------------------------------------------------------------------------------------
# The request context: who asks, which snapshot, which format
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Mart:
    reader: SnapshotReader
    principal: Principal
    fmt: Literal["json", "csv"]
    cache: ResponseCache | None = None
    cache_key: CacheKey | None = None

    @property
    def public(self) -> bool:
        return self.principal.role == "public"

    def table(self, name: str) -> str:
        """The full mart, or its suppressed public variant for the public role."""
        return f"public_{name}" if self.public else name

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        return self.reader.rows(sql, params)

    def has_table(self, name: str) -> bool:
        return bool(self.reader.rows("select 1 from duckdb_tables() where table_name = ?", [name]))

    def require_table(self, name: str) -> None:
        if not self.has_table(name):
            raise HTTPException(status_code=404, detail=f"the snapshot {self.reader.snapshot_id} holds no {name}")

    def known_areas(self, area_ids: Iterable[str]) -> list[str]:
        """The given area ids, or a 404 naming the unknown ones."""
        wanted = list(dict.fromkeys(area_ids))
        if not wanted:
            return wanted
        for value in wanted:
            if not re.match(AREA_PATTERN, value):
                raise HTTPException(status_code=422, detail=f"malformed area id {value!r}")
        known = {r["area_id"] for r in self.rows("select distinct area_id from fct_area_week")}
        unknown = [a for a in wanted if a not in known]
        if unknown:
            raise HTTPException(
                status_code=404,
                detail=f"unknown area {', '.join(map(repr, unknown))}; GET /api/v1/areas lists the areas",
            )
        return wanted

    def headers(self) -> dict[str, str]:
        return {"X-Snapshot-Id": self.reader.snapshot_id, **cache_headers(self.reader, self.principal, self.fmt)}

    # -- responses ---------------------------------------------------------------------------------------------

    def respond(
        self,
        model: type[BaseModel],
        rows: list[dict],
        *,
        name: str,
        envelope: Callable[[list[BaseModel]], BaseModel] | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Response:
        """Rows validated against their model, as JSON (inside the envelope, if any) or as CSV (rows only)."""
        headers = {**self.headers(), **(extra_headers or {})}
        if self.fmt == "csv":
            response = csv_response(rows, model, name=name, headers=headers)
        else:
            items = [model.model_validate(parse_json_columns(row)) for row in rows]
            body = envelope(items) if envelope else _list_adapter(model).dump_json(items)
            content = body.model_dump_json() if isinstance(body, BaseModel) else body
            response = Response(content=content, media_type="application/json", headers=headers)
        if self.cache is not None and self.cache_key is not None:
            self.cache.put(self.cache_key, response)
        return response

    def page(
        self, model: type[BaseModel], sql_from: str, params: list, order_by: str, limit: int, offset: int, *, name: str
    ) -> Response:
        """One page of ``select * {sql_from} order by {order_by}``, with the total and the next offset."""
        total = self.rows(f"select count(*) as n {sql_from}", params)[0]["n"]
        rows = self.rows(f"select * {sql_from} order by {order_by} limit ? offset ?", [*params, limit, offset])
        next_offset = offset + limit if offset + limit < total else None
        return self.respond(
            model,
            rows,
            name=name,
            envelope=lambda items: Page[model](
                snapshot_id=self.reader.snapshot_id,
                total=total,
                limit=limit,
                offset=offset,
                next_offset=next_offset,
                items=items,
            ),
            extra_headers={
                "X-Total-Count": str(total),
                **({"X-Next-Offset": str(next_offset)} if next_offset is not None else {}),
            },
        )


@lru_cache(maxsize=32)
def _list_adapter(model: type[BaseModel]) -> TypeAdapter:
    return TypeAdapter(list[model])


def parse_json_columns(row: dict) -> dict:
    out = dict(row)
    for column in JSON_COLUMNS & row.keys():
        value = row[column]
        if isinstance(value, str):
            out[column] = json.loads(value)
    return out


def csv_response(rows: list[dict], model: type[BaseModel], *, name: str, headers: dict[str, str]) -> Response:
    columns = list(model.model_fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
    return Response(
        content=buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={**headers, "Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def cache_headers(reader: SnapshotReader, principal: Principal, fmt: str) -> dict[str, str]:
    """The snapshot decides the content; the role and the format decide the variant."""
    headers = {
        "ETag": f'"{reader.snapshot_id}.{principal.role}.{fmt}"',
        "Cache-Control": "private, no-cache",
        "Vary": "Accept, X-API-Key, Authorization",
    }
    if reader.built_at is not None:
        headers["Last-Modified"] = format_datetime(reader.built_at.replace(tzinfo=UTC), usegmt=True)
    return headers


def requested_format(request: Request, fmt: str | None) -> Literal["json", "csv"]:
    if fmt:
        return fmt  # type: ignore[return-value]
    return "csv" if "text/csv" in request.headers.get("accept", "") else "json"


def mart_access(*roles: str):
    """Dependency: the caller's role (401/403 otherwise), the snapshot, the format; 304 when the client's ETag is
    the current one."""
    guard = require_roles(*roles)

    def dependency(
        request: Request,
        format: Format = None,  # noqa: A002 - the documented query parameter
        principal: Principal = Depends(guard),
        reader: SnapshotReader = Depends(snapshot_reader),
    ) -> Mart:
        fmt = requested_format(request, format)
        cache: ResponseCache | None = request.app.state.responses if request.method == "GET" else None
        key = cache.key(request, reader.snapshot_id, principal.role, fmt) if cache is not None else None
        mart = Mart(reader, principal, fmt, cache, key)
        headers = mart.headers()
        presented = request.headers.get("if-none-match", "")
        if presented and (presented.strip() == "*" or headers["ETag"] in {t.strip() for t in presented.split(",")}):
            raise NotModified(headers)
        if cache is not None and (hit := cache.get(key)) is not None:
            raise Cached(hit)
        return mart

    return dependency
