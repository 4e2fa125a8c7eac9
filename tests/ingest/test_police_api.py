"""The police events API client against a mocked polisen.se (httpx.MockTransport) and a fake clock: no network,
no real sleeping. Checks the API's rules (User-Agent, 10 s between calls, 60 calls an hour, across processes),
retries with backoff, the filters and the byte-exact landing file the loader then reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from ingest.ledger import LoadContext
from ingest.police_api import PoliceApiError, PoliceEventsClient, RateLimiter
from ingest.sources.police_events import PoliceEventsSource, fetched_at_from_name

USER_AGENT = "Lagesbild-test/1.0 (Uppsala kommun; contact: test@example.org)"
# A real API response is pretty-printed with non-ASCII characters as they are: the file must keep these bytes.
BODY = (
    '[\n  {\n    "id": 430681,\n    "datetime": "2023-06-15 14:05:35 +02:00",\n'
    '    "name": "15 juni 12:09, Djur, Uppsala",\n    "summary": "Hund i varm bil vid Gränby centrum.",\n'
    '    "url": "/aktuellt/handelser/2023/juni/15/15-juni-1209-djur-uppsala/",\n    "type": "Djur",\n'
    '    "location": {\n      "name": "Uppsala",\n      "gps": "59.858564,17.638927"\n    }\n  }\n]\n'
).encode()


class FakeClock:
    """time.time and time.sleep for the client: sleeping advances the clock and is recorded."""

    def __init__(self, start: float = datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp()) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakePolisen:
    """A MockTransport handler that answers with queued responses and records every request."""

    def __init__(self, clock: FakeClock, responses: list | None = None) -> None:
        self.clock = clock
        self.responses = list(responses or [])
        self.requests: list[tuple[float, httpx.Request]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((self.clock.now, request))
        answer = self.responses.pop(0) if self.responses else httpx.Response(200, content=BODY)
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_client(tmp_path, clock, handler, **kwargs) -> PoliceEventsClient:
    return PoliceEventsClient(
        tmp_path / "landing" / "police_events",
        user_agent=USER_AGENT,
        state_path=tmp_path / "state" / "police_api_calls.json",
        transport=httpx.MockTransport(handler),
        clock=clock.time,
        sleep=clock.sleep,
        **kwargs,
    )


def test_fetch_sends_user_agent_and_filters_and_writes_the_response_byte_exact(tmp_path):
    clock = FakeClock()
    polisen = FakePolisen(clock)
    with make_client(tmp_path, clock, polisen) as client:
        result = client.fetch(
            datetime_filter="2023-06", location_names=("Uppsala", "Uppsala län"), types=("Djur", "Brand")
        )
    _, request = polisen.requests[0]
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.url.scheme == "https" and request.url.host == "polisen.se" and request.url.path == "/api/events"
    assert dict(request.url.params) == {
        "DateTime": "2023-06",
        "locationname": "Uppsala;Uppsala län",
        "type": "Djur;Brand",
    }
    assert result.path.name == "polisen_events_2026-11-24T120000Z.json"
    assert result.path.read_bytes() == BODY
    assert (result.events, result.attempts) == (1, 1)
    assert fetched_at_from_name(result.path.name) == datetime(2026, 11, 24, 12, 0, 0)
    assert not list(result.path.parent.glob("*.part"))

    source = PoliceEventsSource()
    accepted, rejections = source.validate(source.read(result.path), LoadContext(now=datetime(2026, 11, 25)))
    assert rejections == []
    assert accepted.loc[0, ["event_id", "municipality_code", "fetched_at_from"]].tolist() == [
        430681,
        "0380",
        "file_name",
    ]


def test_at_least_ten_seconds_between_calls(tmp_path):
    clock = FakeClock()
    polisen = FakePolisen(clock)
    with make_client(tmp_path, clock, polisen) as client:
        client.fetch()
        clock.now += 3  # the next fetch comes 3 s later: it must wait 7 s more
        client.fetch()
        client.fetch()
    times = [t for t, _ in polisen.requests]
    assert [round(b - a, 6) for a, b in zip(times, times[1:], strict=False)] == [10.0, 10.0]
    assert clock.sleeps == [7.0, 10.0]


def test_at_most_sixty_calls_an_hour_even_across_processes(tmp_path):
    clock = FakeClock()
    polisen = FakePolisen(clock)
    # Two clients with the same state file stand for two processes (a cron fetch and a manual one).
    first = make_client(tmp_path, clock, polisen)
    second = make_client(tmp_path, clock, polisen)
    for i in range(60):
        (first if i % 2 else second).fetch()
        clock.now += 20  # well above the 10 s spacing: only the hourly limit can bite
    start_of_window = polisen.requests[0][0]
    second.fetch()
    first.close()
    second.close()
    times = [t for t, _ in polisen.requests]
    assert len(times) == 61
    assert times[-1] == pytest.approx(start_of_window + 3600.0)
    assert all(later - earlier >= 3600.0 - 1e-6 for earlier, later in zip(times, times[60:], strict=False))
    state = json.loads((tmp_path / "state" / "police_api_calls.json").read_text())
    assert len(state["calls"]) <= 60, "calls older than an hour are forgotten"


def test_retries_429_5xx_and_timeouts_with_exponential_backoff(tmp_path):
    clock = FakeClock()
    polisen = FakePolisen(
        clock,
        [
            httpx.Response(503),
            httpx.ReadTimeout("slow"),
            httpx.Response(429, headers={"Retry-After": "120"}),
            httpx.Response(502),
            httpx.Response(200, content=BODY),
        ],
    )
    with make_client(tmp_path, clock, polisen, max_attempts=5) as client:
        result = client.fetch()
    assert result.attempts == 5
    assert result.path.read_bytes() == BODY
    # Backoff 10, 20, 40 (exponential) but at least the 429's Retry-After of 120 s; 80 s before the fifth try.
    backoffs = [s for s in clock.sleeps]
    assert backoffs == [10.0, 20.0, 120.0, 80.0]
    times = [t for t, _ in polisen.requests]
    assert all(b - a >= 10.0 for a, b in zip(times, times[1:], strict=False)), "retries respect the spacing too"


def test_gives_up_after_the_last_attempt_and_writes_nothing(tmp_path):
    clock = FakeClock()
    polisen = FakePolisen(clock, [httpx.Response(500)] * 3)
    with (
        make_client(tmp_path, clock, polisen, max_attempts=3) as client,
        pytest.raises(PoliceApiError, match="3 attempts"),
    ):
        client.fetch()
    assert len(polisen.requests) == 3
    assert not (tmp_path / "landing" / "police_events").exists() or not any(
        (tmp_path / "landing" / "police_events").iterdir()
    )


def test_client_errors_are_not_retried_and_bad_bodies_are_not_stored(tmp_path):
    clock = FakeClock()
    polisen = FakePolisen(
        clock, [httpx.Response(403, text="Forbidden: no User-Agent"), httpx.Response(200, json={"error": "not a list"})]
    )
    with make_client(tmp_path, clock, polisen) as client:
        with pytest.raises(PoliceApiError, match="HTTP 403"):
            client.fetch()
        with pytest.raises(PoliceApiError, match="expected a JSON array"):
            client.fetch()
    assert len(polisen.requests) == 2
    landing = tmp_path / "landing" / "police_events"
    assert not landing.exists() or not any(landing.iterdir())


def test_rate_limiter_wait_rules():
    limiter = RateLimiter(state_path=__import__("pathlib").Path("/nonexistent/unused.json"))
    assert limiter.wait_needed([], 1000.0) == 0.0
    assert limiter.wait_needed([995.0], 1000.0) == 5.0
    assert limiter.wait_needed([100.0 + 20 * i for i in range(60)], 1300.0) == pytest.approx(100.0 + 3600 - 1300)
    assert limiter.wait_needed([1000.0 - 3600.0 - 1], 1000.0) == 0.0, "calls older than an hour do not count"


def test_an_identifying_user_agent_is_required(tmp_path):
    with pytest.raises(ValueError, match="User-Agent"):
        PoliceEventsClient(tmp_path, user_agent=" ", state_path=tmp_path / "s.json")
