"""Finished mart responses, kept per snapshot: a published snapshot never changes, so the body a request got is the
body the same request gets until the next publish.

The key is (snapshot id, role, format, path, query), so a new snapshot (a new id) never hits an old entry, and roles
never share a body (the public role reads the suppressed marts). Least recently used entries go first once the
cache holds ``max_entries`` responses or ``max_bytes`` of bodies. On the two-core machine this takes a repeated
mart request from ~10 ms of query, validation and serialisation to well under a millisecond (docs/benchmarks.md).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

CacheKey = tuple[str, str, str, str, str]


@dataclass(frozen=True)
class _Stored:
    body: bytes
    media_type: str | None
    headers: tuple[tuple[str, str], ...]


class ResponseCache:
    def __init__(self, max_entries: int = 2048, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[CacheKey, _Stored] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(request: Request, snapshot_id: str, role: str, fmt: str) -> CacheKey:
        query = "&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items()))
        return snapshot_id, role, fmt, request.url.path, query

    def get(self, key: CacheKey) -> Response | None:
        with self._lock:
            stored = self._entries.get(key)
            if stored is None:
                return None
            self._entries.move_to_end(key)
        response = Response(content=stored.body, media_type=stored.media_type, headers=dict(stored.headers))
        response.headers["X-Cache"] = "hit"
        return response

    def put(self, key: CacheKey, response: Response) -> None:
        if response.status_code != 200 or len(response.body) > self.max_bytes // 8:
            return
        headers = tuple((k, v) for k, v in response.headers.items() if k.lower() not in ("content-length", "x-cache"))
        stored = _Stored(bytes(response.body), response.media_type, headers)
        with self._lock:
            previous = self._entries.pop(key, None)
            self._bytes -= len(previous.body) if previous else 0
            self._entries[key] = stored
            self._bytes += len(stored.body)
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)

    def __len__(self) -> int:
        return len(self._entries)
