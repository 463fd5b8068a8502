"""Walk the app's route table: every (method, route) x record state x role, with a valid
CSRF token and a valid body, each unsafe request on the same starting data (issue 15).

`answers(world, engine)` returns {"METHOD /route [state]": "s1 s2 ... s8"} with one
status per role in ROLES order; test_route_matrix.py compares it with the expected table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.routing import iter_route_contexts
from sqlalchemy import Engine
from starlette.routing import Mount, compile_path, replace_params
from web.world import ROLES, TIED, World, signed_in_again

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Which record each path parameter names, and the states it is tried in.
KINDS = {
    "account_id": ("account", ("own", "missing")),
    "renewal_id": ("renewal", ("own", "missing")),
    "task_id": ("task", ("open", "done", "missing")),
    "concession_id": ("concession", ("pending", "decided", "missing")),
    "message_id": ("message", ("pending", "approved", "missing")),
    "proposal_id": ("proposal", ("current", "missing")),
    "document_id": ("document", ("draft", "submitted", "missing")),
    "token": ("token", ("bogus",)),
    "day": ("day", ("snapshot",)),
    "signal_id": ("signal", ("words", "numbers", "missing")),
}
# A valid body for each unsafe route: a form for pages, JSON for the API.
FORMS: dict[str, dict[str, Any]] = {
    "/login": {"email": "nobody@renewals.example", "password": "wrong"},
    "/profile": {"language": "de"},
    "/tasks/{task_id}/snooze": {"until": "2026-12-10", "reason": "customer on holiday"},
    "/tasks/{task_id}/done": {"note": "called them"},
    "/outbox/{message_id}/decline": {"reason": "not now"},
    "/concessions/{concession_id}/approve": {"rationale": "fine"},
    "/concessions/{concession_id}/decline": {"rationale": "too much"},
    "/concessions/{concession_id}/forward": {"to": "vera@renewals.example", "note": "yours"},
    "/renewals/{renewal_id}/concessions": {"discount_pct": "10", "kinds": "discount", **TIED},
    "/renewals/{renewal_id}/concessions/check": {"discount_pct": "10", **TIED},
    "/renewals/{renewal_id}/proposals": {"option": ""},
    "/contracts/{document_id}/approve": {"note": "ok"},
    "/contracts/{document_id}/decline": {"reason": "wrong price"},
    "/contracts/{document_id}/send": {
        "signer_name": "Ann Buyer",
        "signer_email": "ann@acme.example",
    },
    "/sign/{token}": {"signed_name": "Ann Buyer", "agree": "yes", "form_key": "x"},
    "/accounts/{account_id}/signals/{signal_id}/label": {"kind": "none"},
    "/accounts/{account_id}/signals/missed": {
        "sentence": "Nobody on their side trusts the numbers any more.",
        "kind": "negative_feedback",
    },
}
JSON: dict[str, dict[str, Any]] = {
    "/api/v1/tasks/{task_id}/done": {"note": "called"},
    "/api/v1/tasks/{task_id}/snooze": {"until": "2026-12-10", "reason": "holiday"},
    "/api/v1/concessions": {
        "renewal_id": "R-acme-2026",
        "discount_pct": 10.0,
        "kinds": ["discount"],
        **{k: v for k, v in TIED.items() if k != "as_of"},
    },
    "/api/v1/concessions/{concession_id}/approve": {"note": "fine"},
    "/api/v1/concessions/{concession_id}/decline": {"note": "too much"},
    "/api/v1/outbox/{message_id}/decline": {"reason": "not now"},
    "/api/v1/proposals": {"renewal_id": "R-acme-2026"},
    "/webhooks/esign": {},
}


@dataclass(frozen=True)
class Call:
    method: str
    route: str
    state: str
    path: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.route}" + (f" [{self.state}]" if self.state else "")


def routes(app: Any) -> Iterator[tuple[str, str]]:
    """(method, route path) of every route, the static mount left out."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, Mount):
            continue
        for method in sorted((context.methods or set()) - {"HEAD", "OPTIONS"}):
            yield method, context.path or ""


def calls(world: World) -> list[Call]:
    found = []
    for method, route in routes(world.app):
        _, path_format, convertors = compile_path(route)
        params = list(convertors)
        unknown = [p for p in params if p not in KINDS]
        assert not unknown, f"{route}: no record kind for {unknown}; add it to KINDS"
        # One state at a time for the record the route is about (the last parameter).
        states = KINDS[params[-1]][1] if params else ("",)
        for state in states:
            values = {}
            for name in params:
                kind, kind_states = KINDS[name]
                values[name] = str(
                    world.records[f"{kind}:{state if name == params[-1] else kind_states[0]}"]
                )
            path, _ = replace_params(path_format, convertors, values)
            found.append(Call(method, route, state, path))
    return found


def _restorer(engine: Engine) -> Callable[[], None]:
    """Put the SQLite database back as it is now (unsafe requests start from the same data)."""
    database = engine.url.database
    assert engine.dialect.name == "sqlite" and database
    snapshot = sqlite3.connect(":memory:")
    with sqlite3.connect(database) as live:
        live.backup(snapshot)

    def restore() -> None:
        engine.dispose()
        live = sqlite3.connect(database)
        try:
            snapshot.backup(live)
        finally:
            live.close()

    return restore


def send(world: World, role: str, call: Call) -> int:
    client = world.clients[role]
    token = world.csrf[role]
    if call.method not in UNSAFE:
        return client.get(call.path, follow_redirects=False).status_code
    if call.route.startswith("/api/") or call.route.startswith("/webhooks/"):
        body = JSON.get(call.route, {})
        headers = {"X-CSRF-Token": token} if token else {}
        return client.request(
            call.method, call.path, json=body, headers=headers, follow_redirects=False
        ).status_code
    form = {**FORMS.get(call.route, {}), "csrf_token": token}
    return client.request(call.method, call.path, data=form, follow_redirects=False).status_code


def answers(world: World, engine: Engine) -> dict[str, str]:
    restore = _restorer(engine)
    table = {}
    for call in calls(world):
        codes = []
        for role in ROLES:
            codes.append(str(send(world, role, call)))
            if call.method in UNSAFE:  # the next role starts from the same data
                restore()
                signed_in_again(world, role)
        table[call.key] = " ".join(codes)
    return table
