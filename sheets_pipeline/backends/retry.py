"""Retries for the Google APIs: capped exponential backoff with jitter, as Google asks
(wait min(2^n + random up to 1 s, 64 s) before try n+1), honouring Retry-After."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from ..errors import BackendError, TransientWriteError
from .gsheets_stream import TruncatedAnswer

T = TypeVar("T")
STREAM_CHUNK = 1 << 20  # bytes of an answer read at a time: large enough that a row seldom straddles two

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
QUOTA_WINDOW = 60.0
MAX_DELAY = 64.0


@dataclass
class RetryPolicy:
    attempts: int = 6  # tries in all, the first one included
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    waits: list[float] = field(default_factory=list)  # every wait taken, for logs and tests

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait after failed try number `attempt` (0-based)."""
        if retry_after:
            try:
                return min(max(float(retry_after), 0.0), MAX_DELAY)
            except ValueError:
                pass  # an HTTP date: fall back to the backoff
        return min(2.0 ** attempt + self.jitter(), MAX_DELAY)

    def wait(self, attempt: int, retry_after: str | None = None) -> None:
        seconds = self.delay(attempt, retry_after)
        self.waits.append(seconds)
        self.sleep(seconds)


class QuotaGate:
    """Keeps one process under Google's per-user quota (requests per minute, reads and writes counted apart),
    however many pipelines it syncs: a request that would pass the quota waits for the window to move."""

    def __init__(self, per_minute: int = 60, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.sleep = sleep
        self._sent: dict[str, deque[float]] = {"read": deque(), "write": deque()}
        self._lock = threading.Lock()

    def acquire(self, kind: str) -> None:
        with self._lock:
            sent = self._sent[kind]
            while True:
                now = self.clock()
                while sent and now - sent[0] >= QUOTA_WINDOW:
                    sent.popleft()
                if len(sent) < self.per_minute:
                    sent.append(now)
                    return
                self.sleep(QUOTA_WINDOW - (now - sent[0]))


SHARED_QUOTA = QuotaGate()


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with retries. Reads are retried on 429, 5xx, timeouts and dropped connections.
    Writes are retried on 429 only (Google refused them before doing anything); any other failure of a write
    raises TransientWriteError, because it may have been applied."""

    policy: RetryPolicy = RetryPolicy()
    quota: QuotaGate = SHARED_QUOTA
    # Run before a write refused with 429 is sent again: people may have moved rows during the wait, and a
    # write aimed at rows must check them again (it raises to stop the resend).
    before_resend: Callable[[], None] | None = None

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
        return self._retried(method.lower() != "get", lambda: HTTPClient.request(self, method, endpoint, *args,
                                                                                 **kwargs))

    def get_streamed(self, endpoint: str, params: dict[str, Any], decode: Callable[[Iterator[bytes]], T]) -> T:
        """A read whose answer `decode` takes in as it arrives. A connection lost or an answer cut short
        mid-way is retried like any failed read: the decoding starts again from the first byte."""

        def attempt() -> T:
            response = self.session.request("get", endpoint, params=params, timeout=self.timeout, stream=True)
            with response:  # hands the connection back (or closes it) however the decoding ends
                if not response.ok:
                    raise APIError(response)
                return decode(response.iter_content(STREAM_CHUNK))

        return self._retried(False, attempt)

    def _retried(self, write: bool, attempt_once: Callable[[], T]) -> T:
        attempt = 0
        while True:
            self.quota.acquire("write" if write else "read")
            try:
                return attempt_once()
            except APIError as exc:
                status = exc.response.status_code
                retryable = status == 429 or (status in RETRY_STATUSES and not write)
                if status in RETRY_STATUSES and write and status != 429:
                    raise TransientWriteError(describe_api_error(exc)) from None
                if not retryable or attempt + 1 >= self.policy.attempts:
                    raise
                self.policy.wait(attempt, exc.response.headers.get("Retry-After"))
                if write and self.before_resend is not None:
                    self.before_resend()
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                    TruncatedAnswer) as exc:
                if write:
                    raise TransientWriteError(f"connection lost during a write ({exc.__class__.__name__})") from None
                if attempt + 1 >= self.policy.attempts:
                    raise BackendError(f"Google Sheets unreachable ({exc.__class__.__name__}) after "
                                       f"{self.policy.attempts} tries") from None
                self.policy.wait(attempt)
            attempt += 1


def describe_api_error(exc: APIError) -> str:
    """Google's own words for a failed request."""
    try:
        error = exc.response.json()["error"]
        return f"Google Sheets API error {error.get('code')} {error.get('status', '')}: {error.get('message', '')}"
    except (ValueError, KeyError, TypeError):
        return f"Google Sheets API error {exc.response.status_code}"

