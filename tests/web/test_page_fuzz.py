"""Fuzzing of every route, pages as well as the API (issue 15): hypothesis throws ids,
page numbers, dates and strings at each route of `app.routes` (path, query, form and JSON
body parameters as the route declares them, plus the paging and date parameters every
table reads), as every role with its session and a valid CSRF token. Zero 5xx is the bar;
a 5xx found here becomes a regression test in test_hardening.py.

RENEWALS_FUZZ_EXAMPLES sets the examples per route (default 8; the figures in the issue's
closing note come from a larger run). The counts of requests by role and of 5xx are written
to test-artifacts/page-fuzz.json.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from books import Books
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from sqlalchemy import Engine
from starlette.routing import Mount, compile_path, replace_params
from web.world import ROLES, World, build_world, signed_in_again

EXAMPLES = int(os.environ.get("RENEWALS_FUZZ_EXAMPLES", "8"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Read by tables and dashboards from the raw query string (TableQuery), not declared.
TABLE_PARAMS = ("page", "sort", "desc", "size", "as_of", "csv", "format", "renewals_page")
HUGE = "99999999999999999999"

NASTY = st.sampled_from(
    [
        HUGE,
        "-" + HUGE,
        "-1",
        "0",
        "1e309",
        "NaN",
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "2026-11-24",
        "\x00",
        "a\x1b[31mb",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "%",
        "../../etc/passwd",
        "true",
        "",
        " ",
        "x" * 5000,
        "ÄÖÜ ß 😀",
        "=HYPERLINK(1)",
    ]
)
TEXT = st.one_of(
    NASTY,
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(lambda d: d.isoformat()),
)
JSON_VALUE = st.one_of(
    TEXT,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.lists(TEXT, max_size=3),
)


def _fields(route: Any) -> tuple[list[str], list[str]]:
    """The query and body field names a route declares, its dependencies' included."""
    query: list[str] = []
    body: list[str] = []

    def names(params: list[Any]) -> list[str]:
        found = []
        for param in params:
            annotation = getattr(param.field_info, "annotation", None)
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                found += [f.alias or n for n, f in annotation.model_fields.items()]
            else:
                found.append(param.alias or param.name)
        return found

    def walk(dependant: Any) -> None:
        query.extend(names(dependant.query_params))
        body.extend(names(dependant.body_params))
        for sub in dependant.dependencies:
            walk(sub)

    if isinstance(route, APIRoute):
        walk(route.dependant)
    return sorted(set(query)), sorted(set(body) - {"csrf_token"})


def _routes(app: Any) -> list[tuple[str, str, Any]]:
    found = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, Mount):
            continue
        for method in sorted((context.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, context.path or "", context.original_route))
    return found


def _fuzz(world: World, method: str, template: str, route: Any, requests: Counter[str]) -> None:
    """Throw hypothesis-generated input at one route, as a role drawn each time."""
    _, path_format, convertors = compile_path(template)
    query_names, body_names = _fields(route)
    query_names = sorted({*query_names, *TABLE_PARAMS})
    is_api = template.startswith(("/api/", "/webhooks/"))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def attempt(data: st.DataObject) -> None:
        role = data.draw(st.sampled_from(ROLES), label="role")
        values = {name: quote(data.draw(TEXT, label=name) or "x", safe="") for name in convertors}
        path, _ = replace_params(path_format, convertors, values)
        params = {
            name: data.draw(TEXT, label=f"?{name}")
            for name in query_names
            if data.draw(st.booleans(), label=f"send ?{name}")
        }
        token = world.csrf[role]
        kwargs: dict[str, Any] = {"params": params, "follow_redirects": False}
        if method in UNSAFE:
            if is_api:
                kwargs["json"] = {n: data.draw(JSON_VALUE, label=n) for n in body_names}
                kwargs["headers"] = {"X-CSRF-Token": token} if token else {}
            else:
                form = {n: data.draw(TEXT, label=n) for n in body_names}
                kwargs["data"] = {**form, "csrf_token": token}
        response = world.clients[role].request(method, path, **kwargs)
        requests[role] += 1
        if method in UNSAFE:  # /logout or a sign-in may have changed the cookie jar
            signed_in_again(world, role)
        assert response.status_code < 500, (
            f"{method} {path} {params} {kwargs.get('data') or kwargs.get('json')} as {role}: "
            f"{response.status_code} {response.text[:300]}"
        )

    attempt()


def test_no_input_makes_any_route_answer_5xx(books: Books, engine: Engine, tmp_path: Path) -> None:
    world = build_world(books, engine, tmp_path)
    requests: Counter[str] = Counter()
    errors: list[str] = []
    routes = _routes(world.app)
    for method, template, route in routes:
        try:
            _fuzz(world, method, template, route, requests)
        except AssertionError as exc:  # hypothesis shrank it: keep going, report them all
            errors.append(str(exc))

    ARTIFACTS.mkdir(exist_ok=True)
    report = {
        "database": engine.dialect.name,
        "routes": len(routes),
        "examples_per_route": EXAMPLES,
        "requests_by_role": dict(sorted(requests.items())),
        "requests": sum(requests.values()),
        "server_errors": len(errors),
    }
    (ARTIFACTS / f"page-fuzz-{engine.dialect.name}.json").write_text(json.dumps(report, indent=2))
    assert errors == []
    assert set(requests) == set(ROLES)
