"""How the app behaves under load (issue 23, docs/deploy.md).

- Database work never runs on the event loop: routes and dependencies that touch the
  database are plain `def` (FastAPI runs them in the thread pool). `guard_event_loop` checks
  it on every query and counts (and logs) any query made on the loop's own thread.
- The thread pool is sized from the admission limit, so admitted requests never wait for a
  thread either.
- A database that cannot answer in time (pool wait, SQLite's write lock) is a 503 with
  Retry-After, not a 500 and not a hang.
- `GET /healthz` answers without the database: load balancers and the tests ask it whether
  the process is alive and how busy it is.
- A process compiles every page template before it takes its first request, so the first
  visitors of a new worker do not pay for it, and it hands the interpreter lock between
  threads every `web_switch_interval_ms`: a page that waits on many small queries gets the
  lock back sooner while another thread computes a dashboard (docs/deploy.md).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.responses import Response

from renewals.config import Settings
from renewals.kit.locale import DEFAULT_LANGUAGE
from renewals.kit.templates import in_language
from renewals.web.admission import RETRY_AFTER_SECONDS, busy_answer

log = logging.getLogger("renewals.web")

# Threads beyond the admission limit, for what runs outside it: static files, /healthz.
SPARE_THREADS = 8

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz(request: Request) -> Response:
    """Alive, and how busy: no database, no session, never held back by admission."""
    stats = request.app.state.admission
    return JSONResponse({"status": "ok", **stats.as_dict()})


def size_thread_pool(settings: Settings) -> None:
    """Call inside the server's event loop (the limiter belongs to the loop)."""
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = settings.web_concurrency + SPARE_THREADS


def share_interpreter(settings: Settings) -> None:
    """How often a thread that computes hands the interpreter lock to one that waits.

    A page thread releases the lock for each query and must win it back afterwards; with
    Python's default of 5 ms, an account page of twenty queries next to a dashboard being
    computed waits about 100 ms for the lock alone (benchmarks/results/load_*.md)."""
    sys.setswitchinterval(settings.web_switch_interval_ms / 1000)


def warm_templates(
    templates: Jinja2Templates, languages: Iterable[str] = (DEFAULT_LANGUAGE,)
) -> int:
    """Compile every page template now (Jinja keeps them), not on a visitor's first request:
    compiling one costs 50-120 ms, and a new worker would otherwise charge it to the first
    person who opens each page. A page is compiled for each language it is read in
    (kit.templates.in_language): the ones given here now (the policy's `web.language` and
    English), any other on its first reader's request. Returns how many were compiled."""
    env = templates.env
    started = time.perf_counter()
    names = [name for name in env.list_templates() if name.endswith((".html", ".txt", ".md"))]
    for language in dict.fromkeys(languages):
        for name in names:
            env.get_template(in_language(name, language))
    count = len(names) * len(dict.fromkeys(languages))
    log.info("compiled %d templates in %.2f s", count, time.perf_counter() - started)
    return count


@dataclass
class LoopGuard:
    """Queries made on the event loop's thread: each one stalls every request of the process."""

    count: int = 0
    last: str = ""


def guard_event_loop(engine: Engine) -> LoopGuard:
    guard = LoopGuard()

    @event.listens_for(engine, "before_cursor_execute")
    def _check(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: where database work belongs
        guard.count += 1
        guard.last = statement[:200]
        log.error("database query on the event loop (blocks every request): %s", guard.last)

    return guard


def _is_busy(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower()
        return "database is locked" in text or "database table is locked" in text
    return False


def install_busy_handlers(app: FastAPI, headers: Mapping[str, str]) -> None:
    """A pool wait or a lock wait that ran out becomes 503 Retry-After (API JSON or a page)."""

    async def _busy(request: Request, exc: Exception) -> Response:
        if not _is_busy(exc):
            raise exc
        log.warning("503 for %s %s: %s", request.method, request.url.path, exc)
        body, content_type = busy_answer(request.url.path)
        extra = {**headers, "Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
        return Response(body, status_code=503, headers=extra, media_type=content_type)

    app.add_exception_handler(PoolTimeout, _busy)
    app.add_exception_handler(OperationalError, _busy)
