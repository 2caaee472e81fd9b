"""A small GitHub REST client that keeps within GitHub's published limits and never keeps a caller waiting long.

GitHub's secondary rate limits (docs of the REST API, copied in the contracts): at most 80 content-creating
requests a minute and 500 an hour, 900 points a minute per endpoint (GET 1 point, writes 5), and when they
are exceeded a 403 or 429 answer, with `retry-after` when GitHub knows, otherwise "wait at least one minute
and back off exponentially". The client counts what it sends in sliding windows and waits for room itself;
when the wait would exceed `Limits.max_wait_seconds` it raises `ForgeBusy` with the number of seconds to
come back after, which the endpoint turns into a 503 with Retry-After.

`requests` is imported on the first call: it costs about 130 ms, and a cold Lambda that only serves
/health should not pay it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

PUBLIC_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
USER_AGENT = "entraide-endpoint"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MARGIN_SECONDS = 0.05  # waits end a little after the window frees: clocks and rounding differ
SLASHED_PARAMETERS = frozenset({"ref", "path"})  # GitHub takes `heads/main` and `dir/file.yaml` unescaped

log = logging.getLogger("entraide.forge")


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SharedWrites(Protocol):
    """The writes of every instance together (the store's forge_writes): GitHub counts per token, not per process."""

    def reserve(self, count: int, now: float) -> float: ...

    def hold(self, until: float) -> None: ...

    def last_write_at(self) -> float | None: ...

    def wait_for(self, count: int, now: float) -> float: ...


class SystemClock:
    @staticmethod
    def monotonic() -> float:
        return time.monotonic()

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(seconds)


class ForgeBusy(Exception):
    """GitHub cannot take this now (limits, outage, timeout): come back after `retry_after` seconds."""

    def __init__(self, retry_after: float, reason: str) -> None:
        super().__init__(f"{reason}; retry after {math.ceil(retry_after)} s")
        self.retry_after = max(1, math.ceil(retry_after))
        self.reason = reason


class ForgeError(Exception):
    """GitHub refused for a reason waiting will not fix: bad token, missing repository, unexpected answer."""

    def __init__(self, status: int, method: str, route: str, message: str) -> None:
        super().__init__(f"{method} {route} answered {status}: {message}")
        self.status = status


@dataclass(frozen=True)
class Limits:
    writes_per_minute: int = 80
    writes_per_hour: int = 500
    points_per_minute: int = 900  # per endpoint
    write_interval_seconds: float = 1.0  # GitHub's best practices: a second between mutative requests
    max_wait_seconds: float = 5.0  # longer than this, the caller gets ForgeBusy instead of waiting
    server_error_retries: int = 2
    first_backoff_seconds: float = 60.0  # when GitHub gives no retry-after: "at least one minute"
    longest_backoff_seconds: float = 3600.0
    timeout_retry_after_seconds: float = 30.0


@dataclass(frozen=True)
class Reply:
    status: int
    data: Any
    headers: dict[str, str]


class Throttle:
    """Sliding windows over the requests sent, and the moment GitHub last told us to wait until."""

    def __init__(self, limits: Limits, clock: Clock) -> None:
        self.limits = limits
        self.clock = clock
        self._minute: deque[float] = deque()  # writes of the last minute
        self._hour: deque[float] = deque()  # writes of the last hour
        self._points: dict[str, deque[tuple[float, int]]] = {}
        self._blocked_until = 0.0
        self._strikes = 0
        self._lock = threading.Lock()

    def wait_time(self, writes: int = 0, endpoint: str = "", points: int = 0) -> float:
        """Seconds until `writes` more writes and `points` more points on `endpoint` fit in every window."""
        with self._lock:
            now = self.clock.monotonic()
            self._forget(now)
            waits = [self._blocked_until - now]
            if writes:
                if self._minute:
                    waits.append(self._minute[-1] + self.limits.write_interval_seconds - now)
                waits.append(_room_after(self._minute, writes, self.limits.writes_per_minute, 60, now))
                waits.append(_room_after(self._hour, writes, self.limits.writes_per_hour, 3600, now))
            if points:
                waits.append(self._points_wait(endpoint, points, now))
            return max(0.0, *waits)

    def admit(self, writes: int = 0, endpoint: str = "", points: int = 0) -> None:
        """Wait for room if the wait is short, else raise ForgeBusy saying how long to come back after."""
        while (wait := self.wait_time(writes, endpoint, points)) > 0:
            if wait > self.limits.max_wait_seconds:
                raise ForgeBusy(wait, "GitHub's limits for content-creating requests are reached")
            self.clock.sleep(wait + MARGIN_SECONDS)

    def since_last_write(self) -> float:
        with self._lock:
            return self.clock.monotonic() - self._hour[-1] if self._hour else math.inf

    def record(self, endpoint: str, points: int, write: bool) -> None:
        with self._lock:
            now = self.clock.monotonic()
            if write:
                self._minute.append(now)
                self._hour.append(now)
            self._points.setdefault(endpoint, deque()).append((now, points))

    def block(self, retry_after: float | None) -> float:
        """GitHub said stop: wait what it says, else one minute doubling at each strike in a row."""
        with self._lock:
            self._strikes += 1
            if retry_after is None:
                retry_after = min(
                    self.limits.first_backoff_seconds * 2 ** (self._strikes - 1), self.limits.longest_backoff_seconds
                )
            self._blocked_until = max(self._blocked_until, self.clock.monotonic() + retry_after)
            return retry_after

    def succeeded(self) -> None:
        with self._lock:
            self._strikes = 0

    def _forget(self, now: float) -> None:
        for window, period in ((self._minute, 60), (self._hour, 3600)):
            while window and window[0] + period <= now:  # the form `_room_after` uses: floats agree
                window.popleft()
        for window in self._points.values():
            while window and window[0][0] + 60 <= now:
                window.popleft()

    def _points_wait(self, endpoint: str, points: int, now: float) -> float:
        window = self._points.get(endpoint, deque())
        spent = sum(cost for _, cost in window)
        if spent + points <= self.limits.points_per_minute:
            return 0.0
        for sent, cost in window:  # oldest first: when enough of them leave the window
            spent -= cost
            if spent + points <= self.limits.points_per_minute:
                return sent + 60 - now
        return 0.0


def _room_after(window: deque[float], count: int, limit: int, period: float, now: float) -> float:
    """Seconds until `count` more fit in a window of timestamps (all within `period`) under `limit`."""
    excess = len(window) + count - limit
    if excess <= 0:
        return 0.0
    if excess > len(window):
        return math.inf
    return window[excess - 1] + period - now


class GitHubClient:
    """Calls one repository's REST API with a token; routes are the contract's templates, e.g.
    `/repos/{owner}/{repo}/pulls`, so that each endpoint's points are counted apart."""

    def __init__(
        self,
        api_url: str,
        token: str,
        repository: str,
        *,
        timeout: tuple[float, float] = (3.05, 10.0),
        limits: Limits | None = None,
        clock: Clock | None = None,
        shared: SharedWrites | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.shared = shared  # None: this process counts alone (one instance, or tests of the client itself)
        self.wall = wall  # the time every instance agrees on, for the shared record
        self.owner, _, self.repo = repository.partition("/")
        self.timeout = timeout
        self.throttle = Throttle(limits or Limits(), clock or SystemClock())
        self._token = token
        self._session: Any = None

    def reserve(self, writes: int) -> None:
        """Make sure `writes` writes fit now, before starting a sequence that should not stop half way."""
        self.throttle.admit(writes=writes)

    def room_wait(self, writes: int) -> float:
        """Seconds before `writes` more writes fit in every window (every instance's, with a shared record)."""
        wait = self.throttle.wait_time(writes=writes)
        if self.shared is not None:
            wait = max(wait, self.shared.wait_for(writes, self.wall()))
        return wait

    def since_last_write(self) -> float:
        """Seconds since the latest write of every instance (of this process alone without a shared record)."""
        if self.shared is not None:
            last = self.shared.last_write_at()
            return self.wall() - last if last is not None else math.inf
        return self.throttle.since_last_write()

    def call(
        self,
        method: str,
        route: str,
        *,
        expect: tuple[int, ...] = (200, 201),
        params: dict[str, Any] | None = None,
        body: Any = None,
        retry_server_errors: bool = True,
        **path: str,
    ) -> Reply:
        """One API call; answers outside `expect` raise ForgeBusy (limits, outages) or ForgeError."""
        write = method in WRITE_METHODS
        points = 5 if write else 1
        url = self.api_url + _expand(route, {"owner": self.owner, "repo": self.repo, **path})
        attempt = 0
        while True:
            self.throttle.admit(writes=int(write), endpoint=f"{method} {route}", points=points)
            if write:
                self._admit_shared()
            reply = self._send(method, url, route, params, body)
            self.throttle.record(f"{method} {route}", points, write)
            if reply.status in expect:
                self.throttle.succeeded()
                return reply
            if _is_rate_limited(reply):
                self._wait_for_limit(reply, method, route)
                continue
            if reply.status >= 500 and retry_server_errors and attempt < self.throttle.limits.server_error_retries:
                attempt += 1
                self._back_off_server_error(attempt, reply, method, route)
                continue
            if reply.status >= 500:
                raise ForgeBusy(self.throttle.limits.timeout_retry_after_seconds, f"GitHub answered {reply.status}")
            raise ForgeError(reply.status, method, route, _message(reply))

    def _send(self, method: str, url: str, route: str, params: dict[str, Any] | None, body: Any) -> Reply:
        requests = _requests()
        started = time.monotonic()
        try:
            response = self._http().request(
                method, url, params=params, json=body, timeout=self.timeout, allow_redirects=False
            )
        except requests.Timeout as error:
            log.warning("%s %s timed out after %.1f s", method, route, time.monotonic() - started)
            raise ForgeBusy(
                self.throttle.limits.timeout_retry_after_seconds, "GitHub did not answer in time"
            ) from error
        except requests.ConnectionError as error:
            log.warning("%s %s could not connect: %s", method, route, type(error).__name__)
            raise ForgeBusy(self.throttle.limits.timeout_retry_after_seconds, "GitHub could not be reached") from error
        log.info("%s %s -> %s in %.0f ms", method, route, response.status_code, (time.monotonic() - started) * 1000)
        data = response.json() if response.content and "json" in response.headers.get("content-type", "") else None
        return Reply(response.status_code, data, {k.lower(): v for k, v in response.headers.items()})

    def _admit_shared(self) -> None:
        """One more write for every instance together: wait a little for room, else ForgeBusy."""
        if self.shared is None:
            return
        while (wait := self.shared.reserve(1, self.wall())) > 0:
            if wait > self.throttle.limits.max_wait_seconds:
                raise ForgeBusy(wait, "GitHub's limits for content-creating requests are reached (all instances)")
            self.throttle.clock.sleep(wait + MARGIN_SECONDS)

    def _wait_for_limit(self, reply: Reply, method: str, route: str) -> None:
        retry_after = _retry_after(reply)
        waited = self.throttle.block(retry_after)
        if self.shared is not None:
            self.shared.hold(self.wall() + waited)  # every instance waits, not only the one told
        log.warning("%s %s hit GitHub's rate limit (%s); waiting %.0f s", method, route, reply.status, waited)
        if waited > self.throttle.limits.max_wait_seconds:
            raise ForgeBusy(waited, "GitHub asked us to slow down")
        # the short wait itself happens in admit(), which sees the block

    def _back_off_server_error(self, attempt: int, reply: Reply, method: str, route: str) -> None:
        wait = min(0.5 * 2 ** (attempt - 1), self.throttle.limits.max_wait_seconds)
        log.warning("%s %s answered %s; retry %d in %.1f s", method, route, reply.status, attempt, wait)
        self.throttle.clock.sleep(wait)

    def _http(self) -> Any:
        if self._session is None:
            session = _requests().Session()
            session.headers.update(
                {
                    "Authorization": f"Bearer {self._token}",
                    "Accept": "application/vnd.github+json",
                    "X-GitHub-Api-Version": API_VERSION,
                    "User-Agent": USER_AGENT,
                }
            )
            session.trust_env = False  # never send the token through a proxy picked from the environment
            self._session = session
        return self._session


def _requests() -> Any:
    import requests

    return requests


def _expand(route: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        route = route.replace("{" + name + "}", quote(str(value), safe="/" if name in SLASHED_PARAMETERS else ""))
    return route


def _is_rate_limited(reply: Reply) -> bool:
    if reply.status == 429:
        return True
    if reply.status != 403:
        return False
    return (
        "retry-after" in reply.headers
        or reply.headers.get("x-ratelimit-remaining") == "0"
        or "rate limit" in _message(reply).lower()
    )


def _retry_after(reply: Reply) -> float | None:
    if (value := reply.headers.get("retry-after", "")).strip().isdigit():
        return float(value)
    if reply.headers.get("x-ratelimit-remaining") == "0" and reply.headers.get("x-ratelimit-reset", "").isdigit():
        return max(1.0, int(reply.headers["x-ratelimit-reset"]) - time.time())
    return None


def _message(reply: Reply) -> str:
    return str(reply.data.get("message", "")) if isinstance(reply.data, dict) else ""
