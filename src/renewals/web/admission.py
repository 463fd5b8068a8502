"""Admission control: a server process answers at most `limit` requests at once.

Every request that touches the database holds at most one connection, and the pool holds
exactly `limit` of them (docs/deploy.md), so an admitted request never waits for a
connection. Requests beyond the limit wait their turn on the event loop, which costs
nothing; when `backlog` of them are already waiting, or one has waited `wait_seconds`, the
server answers 503 with Retry-After at once instead of stalling (issue 23). Static files and
the `/healthz` probe need no database and are never held back.

A plain ASGI middleware (not BaseHTTPMiddleware): it adds no task per request and passes the
response through untouched.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("renewals.web")

EXEMPT_PREFIXES = ("/static/", "/healthz")


@dataclass
class AdmissionStats:
    """Counters for /healthz and the tests: how busy this process is and what it shed."""

    limit: int
    in_flight: int = 0
    waiting: int = 0
    admitted: int = 0
    shed: int = 0
    peak_in_flight: int = 0
    _semaphore: asyncio.Semaphore | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, int]:
        return {
            "limit": self.limit,
            "in_flight": self.in_flight,
            "waiting": self.waiting,
            "admitted": self.admitted,
            "shed": self.shed,
        }


class Admission:
    def __init__(
        self,
        app: ASGIApp,
        *,
        stats: AdmissionStats,
        backlog: int,
        wait_seconds: float,
        headers: dict[str, str] | None = None,
    ) -> None:
        """`stats` holds the limit and the counters; the app keeps it for /healthz."""
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        self.backlog = backlog
        self.wait_seconds = wait_seconds
        self.stats = stats

    def _semaphore(self) -> asyncio.Semaphore:
        # Created on first use, inside the server's event loop.
        if self.stats._semaphore is None:
            self.stats._semaphore = asyncio.Semaphore(self.stats.limit)
        return self.stats._semaphore

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        stats, semaphore = self.stats, self._semaphore()
        if semaphore.locked() and stats.waiting >= self.backlog:
            await self._shed(scope, send, "too many requests are waiting")
            return
        stats.waiting += 1
        try:
            async with asyncio.timeout(self.wait_seconds):
                await semaphore.acquire()
        except TimeoutError:
            await self._shed(scope, send, f"no turn within {self.wait_seconds:g} s")
            return
        finally:
            stats.waiting -= 1
        stats.in_flight += 1
        stats.admitted += 1
        stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
        try:
            await self.app(scope, receive, send)
        finally:
            stats.in_flight -= 1
            semaphore.release()

    async def _shed(self, scope: Scope, send: Send, why: str) -> None:
        self.stats.shed += 1
        log.warning("503 for %s %s: %s", scope.get("method"), scope["path"], why)
        await send_busy(scope, send, self.headers)


RETRY_AFTER_SECONDS = 1
BUSY_MESSAGE = "The server is busy; try again in a moment."


def busy_answer(path: str) -> tuple[bytes, str]:
    """The 503's body and content type: the API's error format, or a short page."""
    if path.startswith(("/api/", "/webhooks/", "/v1/")):
        body = json.dumps({"error": {"status": 503, "message": BUSY_MESSAGE}})
        return body.encode(), "application/json"
    page = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Busy</title>"
        f"<p>{BUSY_MESSAGE}</p></html>"
    )
    return page.encode(), "text/html; charset=utf-8"


async def send_busy(scope: Scope, send: Send, headers: list[tuple[bytes, bytes]]) -> None:
    """503 with Retry-After, sent before the request reaches the app."""
    body, content_type = busy_answer(scope["path"])
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                (b"cache-control", b"no-store"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
