"""A client for the Swedish Police open events API (``https://polisen.se/api/events``) that keeps its rules.

The rules (polisen.se "Regler för öppna data", est-domain.md §3.1): identify yourself with a User-Agent, wait at
least 10 seconds between calls, make at most 60 calls an hour, use HTTPS. This client

* sends a configurable, identifying User-Agent (``LAGESBILD_POLICE_API_USER_AGENT``);
* keeps a small rate-limit state file (``<data>/state/police_api_calls.json``, guarded by a file lock) with the
  times of its recent calls, so separate processes (a cron job and a manual fetch) respect the limits together;
* retries 429, 5xx, timeouts and connection errors with exponential backoff (tenacity), honouring Retry-After;
  every retry is a call and waits its turn in the rate limit too;
* writes each response byte-exact as a landing file ``landing/police_events/polisen_events_<UTC fetch time>.json``,
  which the police events loader reads (the fetch time in the name orders revisions).

Run it from cron or by hand::

    python -m ingest.police_api                       # the configured locations (Uppsala county by default)
    python -m ingest.police_api --locationname Uppsala --type "Misshandel;Rån" --datetime 2026-11
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from ingest.sources.police_events import landing_file_name

BASE_URL = "https://polisen.se"
EVENTS_PATH = "/api/events"
MIN_INTERVAL_SECONDS = 10.0
MAX_CALLS_PER_HOUR = 60
HOUR = 3600.0


class PoliceApiError(Exception):
    """The API answered with something we will not store (an error status that retries did not cure, or a body
    that is not the JSON array of events)."""


class RetryableResponse(Exception):
    """A 429 or 5xx answer, worth another try after a pause."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code} from {response.request.url}")
        self.status_code = response.status_code
        self.retry_after = _retry_after_seconds(response)


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date; the exponential backoff is long enough


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, RetryableResponse | httpx.TimeoutException | httpx.TransportError)


class RateLimiter:
    """At least ``min_interval`` seconds between calls and at most ``max_per_hour`` calls in any hour, across
    processes: call times live in a JSON file, read and written under an exclusive file lock. A process that has
    to wait sleeps while holding the lock, so the others queue behind it instead of racing."""

    def __init__(
        self,
        state_path: Path,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        min_interval: float = MIN_INTERVAL_SECONDS,
        max_per_hour: int = MAX_CALLS_PER_HOUR,
    ) -> None:
        self.state_path = Path(state_path)
        self.clock, self.sleep = clock, sleep
        self.min_interval, self.max_per_hour = min_interval, max_per_hour

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.state_path.with_suffix(".lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _calls(self) -> list[float]:
        try:
            return [float(t) for t in json.loads(self.state_path.read_text(encoding="utf-8"))["calls"]]
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return []  # no state yet, or damaged: start afresh (the server's 429 still protects us)

    def wait_needed(self, calls: list[float], now: float) -> float:
        recent = sorted(t for t in calls if now - t < HOUR)
        wait = 0.0
        if recent:
            wait = max(wait, recent[-1] + self.min_interval - now)
        if len(recent) >= self.max_per_hour:
            wait = max(wait, recent[-self.max_per_hour] + HOUR - now)
        return wait

    def acquire(self) -> float:
        """Block until a call is allowed, record it, and return how long we waited."""
        with self._locked():
            calls = self._calls()
            waited = self.wait_needed(calls, self.clock())
            if waited > 0:
                self.sleep(waited)
            now = self.clock()
            calls = [t for t in calls if now - t < HOUR] + [now]
            tmp = self.state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"calls": calls}), encoding="utf-8")
            os.replace(tmp, self.state_path)
            return max(waited, 0.0)


@dataclass(frozen=True)
class FetchResult:
    path: Path
    fetched_at: datetime  # UTC
    events: int
    attempts: int


class PoliceEventsClient:
    """Fetches ``/api/events`` into the police events landing folder."""

    def __init__(
        self,
        landing_dir: Path,
        *,
        user_agent: str,
        state_path: Path,
        base_url: str = BASE_URL,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
        max_attempts: int = 5,
        backoff_seconds: float = 10.0,
        max_backoff_seconds: float = 900.0,
    ) -> None:
        if not user_agent.strip():
            raise ValueError("the police API requires an identifying User-Agent")
        self.landing_dir = Path(landing_dir)
        self.clock, self.sleep = clock, sleep
        self.limiter = RateLimiter(state_path, clock=clock, sleep=sleep)
        self.max_attempts = max_attempts
        self._backoff = wait_exponential(multiplier=backoff_seconds, min=backoff_seconds, max=max_backoff_seconds)
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": user_agent, "Accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliceEventsClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @staticmethod
    def params(
        *, datetime_filter: str | None = None, location_names: tuple[str, ...] = (), types: tuple[str, ...] = ()
    ) -> dict[str, str]:
        """The API's filters: ``DateTime`` (2026, 2026-11, 2026-11-24 or 2026-11-24 13), ``locationname`` and
        ``type`` (several values joined with ';')."""
        params = {}
        if datetime_filter:
            params["DateTime"] = datetime_filter
        if location_names:
            params["locationname"] = ";".join(location_names)
        if types:
            params["type"] = ";".join(types)
        return params

    def _wait(self, retry_state) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(exc, "retry_after", None) or 0.0
        return max(self._backoff(retry_state), retry_after)

    def _get(self, params: dict[str, str]) -> tuple[httpx.Response, int]:
        attempts = 0

        def attempt() -> httpx.Response:
            nonlocal attempts
            attempts += 1
            self.limiter.acquire()
            response = self._http.get(EVENTS_PATH, params=params)
            if response.status_code == 429 or response.status_code >= 500:
                raise RetryableResponse(response)
            if response.status_code != 200:
                raise PoliceApiError(
                    f"HTTP {response.status_code} from {response.request.url}: {response.text[:200]!r}"
                )
            return response

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(_retryable),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            response = retrying(attempt)
        except (RetryableResponse, httpx.TimeoutException, httpx.TransportError) as exc:
            raise PoliceApiError(f"gave up after {attempts} attempts: {exc}") from exc
        return response, attempts

    def fetch(
        self, *, datetime_filter: str | None = None, location_names: tuple[str, ...] = (), types: tuple[str, ...] = ()
    ) -> FetchResult:
        """One call (plus retries); the response is written byte-exact to the landing folder."""
        response, attempts = self._get(
            self.params(datetime_filter=datetime_filter, location_names=location_names, types=types)
        )
        try:
            events = json.loads(response.content)
        except ValueError as exc:
            raise PoliceApiError(f"the response is not JSON ({exc}); nothing was written") from exc
        if not isinstance(events, list):
            raise PoliceApiError(
                f"expected a JSON array of events, got a JSON {type(events).__name__}; nothing was written"
            )
        fetched_at = datetime.fromtimestamp(self.clock(), tz=UTC)
        self.landing_dir.mkdir(parents=True, exist_ok=True)
        path = self.landing_dir / landing_file_name(fetched_at)
        partial = path.with_name(path.name + ".part")  # the loader ignores .part files
        partial.write_bytes(response.content)
        os.replace(partial, path)
        return FetchResult(path, fetched_at, len(events), attempts)


def main(argv: list[str] | None = None) -> int:
    from ingest.settings import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(description="Fetch police open events into the landing folder.")
    parser.add_argument(
        "--locationname",
        default=settings.police_api_locations,
        help="';'-separated municipalities/counties (default: LAGESBILD_POLICE_API_LOCATIONS)",
    )
    parser.add_argument("--type", default="", help="';'-separated event types, e.g. 'Misshandel;Rån'")
    parser.add_argument(
        "--datetime", default=None, help="DateTime filter: 2026, 2026-11, 2026-11-24 or '2026-11-24 13'"
    )
    args = parser.parse_args(argv)
    with PoliceEventsClient(
        settings.landing("police_events"),
        user_agent=settings.police_api_user_agent,
        state_path=settings.state_dir / "police_api_calls.json",
    ) as client:
        result = client.fetch(
            datetime_filter=args.datetime,
            location_names=tuple(n for n in args.locationname.split(";") if n.strip()),
            types=tuple(t for t in args.type.split(";") if t.strip()),
        )
    print(f"{result.events} events → {result.path} ({result.attempts} attempt(s))")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
