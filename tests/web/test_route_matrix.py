"""The route x role x record-state matrix (issue 15, TECH-5): every route of the app, for
every role, on a record in each state, answers exactly as this table says.

The table is generated from the app's route table (tests/web/matrix.py walks
`app.routes`), so a new route without an entry here fails the test, and so does a changed
answer. Columns: anonymous, csm_owner (carl, owns every account), other_csm (sam, another
team), manager (mia, carl's), director, vp, executive, admin. Each unsafe request starts
from the same data and carries a valid CSRF token and a valid body.

What the table shows, among others: other_csm gets 403 on every record of carl's, in every
state, before any 409 or 400 about the state (access before state); missing records are 404
for everyone signed in; anonymous visitors are sent to /login (pages) or get 401 (API);
the admin pages are the admin's; concessions are decided by those with authority (CONC-3).
Run on SQLite: the database file is put back after each unsafe request.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from books import Books
from sqlalchemy import Engine
from web.matrix import answers
from web.world import ROLES, build_world

# fmt: off
EXPECTED = {
    'GET /healthz': '200 200 200 200 200 200 200 200',
    'GET /login': '200 200 200 200 200 200 200 200',
    'POST /login': '403 403 403 403 403 403 403 403',
    'POST /logout': '303 303 303 303 303 303 303 303',
    'GET /': '303 303 303 303 303 303 303 303',
    'GET /profile': '303 200 200 200 200 200 200 200',
    'POST /profile': '303 303 303 303 303 303 303 303',
    'GET /api/v1/accounts': '401 200 200 200 200 200 200 200',
    'GET /api/v1/accounts/{account_id} [own]': '401 200 403 200 200 200 200 200',
    'GET /api/v1/accounts/{account_id} [missing]': '401 404 404 404 404 404 404 404',
    'GET /api/v1/renewals': '401 200 200 200 200 200 200 200',
    'GET /api/v1/renewals/{renewal_id} [own]': '401 200 403 200 200 200 200 200',
    'GET /api/v1/renewals/{renewal_id} [missing]': '401 404 404 404 404 404 404 404',
    'GET /api/v1/accounts/{account_id}/health [own]': '401 200 403 200 200 200 200 200',
    'GET /api/v1/accounts/{account_id}/health [missing]': '401 404 404 404 404 404 404 404',
    'GET /api/v1/accounts/{account_id}/health/history [own]': '401 200 403 200 200 200 200 200',
    'GET /api/v1/accounts/{account_id}/health/history [missing]': '401 404 404 404 404 404 404 404',
    'GET /api/v1/accounts/{account_id}/signals [own]': '401 200 403 200 200 200 200 200',
    'GET /api/v1/accounts/{account_id}/signals [missing]': '401 404 404 404 404 404 404 404',
    'GET /api/v1/tasks': '401 200 200 200 200 200 200 200',
    'POST /api/v1/tasks/{task_id}/done [open]': '401 200 403 200 200 200 200 200',
    'POST /api/v1/tasks/{task_id}/done [done]': '401 409 403 409 409 409 409 409',
    'POST /api/v1/tasks/{task_id}/done [missing]': '401 404 404 404 404 404 404 404',
    'POST /api/v1/tasks/{task_id}/snooze [open]': '401 200 403 200 200 200 200 200',
    'POST /api/v1/tasks/{task_id}/snooze [done]': '401 409 403 409 409 409 409 409',
    'POST /api/v1/tasks/{task_id}/snooze [missing]': '401 404 404 404 404 404 404 404',
    'GET /api/v1/saves': '401 200 200 200 200 200 200 200',
    'GET /api/v1/renewals/{renewal_id}/triage [own]': '401 404 403 404 404 404 404 404',
    'GET /api/v1/renewals/{renewal_id}/triage [missing]': '401 404 404 404 404 404 404 404',
    'GET /api/v1/renewals/{renewal_id}/plan [own]': '401 404 403 404 404 404 404 404',
    'GET /api/v1/renewals/{renewal_id}/plan [missing]': '401 404 404 404 404 404 404 404',
    'GET /api/v1/concessions': '401 200 200 200 200 200 200 200',
    'GET /api/v1/concessions/{concession_id} [pending]': '401 200 403 200 200 200 200 200',
    'GET /api/v1/concessions/{concession_id} [decided]': '401 200 403 200 200 200 200 200',
    'GET /api/v1/concessions/{concession_id} [missing]': '401 404 404 404 404 404 404 404',
    'POST /api/v1/concessions': '401 201 403 201 201 201 201 201',
    'POST /api/v1/concessions/{concession_id}/approve [pending]': '401 403 403 403 200 200 200 403',
    'POST /api/v1/concessions/{concession_id}/approve [decided]': '401 409 403 409 409 409 409 409',
    'POST /api/v1/concessions/{concession_id}/approve [missing]': '401 404 404 404 404 404 404 404',
    'POST /api/v1/concessions/{concession_id}/decline [pending]': '401 403 403 403 200 200 200 403',
    'POST /api/v1/concessions/{concession_id}/decline [decided]': '401 409 403 409 409 409 409 409',
    'POST /api/v1/concessions/{concession_id}/decline [missing]': '401 404 404 404 404 404 404 404',
    'GET /api/v1/approvals': '401 200 200 200 200 200 200 200',
    'POST /api/v1/outbox/{message_id}/approve [pending]': '401 200 403 200 200 200 200 200',
    'POST /api/v1/outbox/{message_id}/approve [approved]': '401 409 403 409 409 409 409 409',
    'POST /api/v1/outbox/{message_id}/approve [missing]': '401 404 404 404 404 404 404 404',
    'POST /api/v1/outbox/{message_id}/decline [pending]': '401 200 403 200 200 200 200 200',
    'POST /api/v1/outbox/{message_id}/decline [approved]': '401 409 403 409 409 409 409 409',
    'POST /api/v1/outbox/{message_id}/decline [missing]': '401 404 404 404 404 404 404 404',
    'GET /api/v1/forecast': '401 200 200 200 200 200 200 200',
    'GET /api/v1/forecast/retention': '401 403 403 403 200 200 200 200',
    'GET /api/v1/proposals': '401 200 200 200 200 200 200 200',
    'GET /api/v1/proposals/{proposal_id} [current]': '401 200 403 200 200 200 200 200',
    'GET /api/v1/proposals/{proposal_id} [missing]': '401 404 404 404 404 404 404 404',
    'POST /api/v1/proposals': '401 201 403 201 201 201 201 201',
    'GET /api/v1/contracts': '401 200 200 200 200 200 200 200',
    'GET /api/v1/contracts/{document_id} [draft]': '401 200 403 200 200 200 200 200',
    'GET /api/v1/contracts/{document_id} [submitted]': '401 200 403 200 200 200 200 200',
    'GET /api/v1/contracts/{document_id} [missing]': '401 404 404 404 404 404 404 404',
    'GET /openapi.json': '401 200 200 200 200 200 200 200',
    'GET /docs': '303 200 200 200 200 200 200 200',
    'GET /audit': '303 403 403 403 403 403 403 200',
    'GET /users': '303 403 403 403 403 403 403 200',
    'GET /admin/jobs': '303 403 403 403 403 403 403 200',
    'POST /v1/track': '401 401 401 401 401 401 401 401',
    'POST /v1/identify': '401 401 401 401 401 401 401 401',
    'POST /v1/group': '401 401 401 401 401 401 401 401',
    'POST /v1/page': '401 401 401 401 401 401 401 401',
    'POST /v1/screen': '401 401 401 401 401 401 401 401',
    'POST /v1/alias': '401 401 401 401 401 401 401 401',
    'POST /v1/batch': '401 401 401 401 401 401 401 401',
    'GET /accounts': '303 200 200 200 200 200 200 200',
    'GET /accounts/{account_id} [own]': '303 200 403 200 200 200 200 200',
    'GET /accounts/{account_id} [missing]': '303 404 404 404 404 404 404 404',
    'GET /accounts/{account_id}/health/{day} [snapshot]': '303 200 403 200 200 200 200 200',
    'POST /accounts/{account_id}/signals/{signal_id}/label [words]': '303 303 403 303 303 303 303 303',
    'POST /accounts/{account_id}/signals/{signal_id}/label [numbers]': '303 422 403 422 422 422 422 422',
    'POST /accounts/{account_id}/signals/{signal_id}/label [missing]': '303 404 404 404 404 404 404 404',
    'POST /accounts/{account_id}/signals/missed [own]': '303 303 403 303 303 303 303 303',
    'POST /accounts/{account_id}/signals/missed [missing]': '303 404 404 404 404 404 404 404',
    'GET /renewals': '303 200 200 200 200 200 200 200',
    'GET /renewals/{renewal_id} [own]': '303 303 403 303 303 303 303 303',
    'GET /renewals/{renewal_id} [missing]': '303 404 404 404 404 404 404 404',
    'GET /proposals/{proposal_id} [current]': '303 200 403 200 200 200 200 200',
    'GET /proposals/{proposal_id} [missing]': '303 404 404 404 404 404 404 404',
    'GET /proposals/{proposal_id}/pdf [current]': '303 200 403 200 200 200 200 200',
    'GET /proposals/{proposal_id}/pdf [missing]': '303 404 404 404 404 404 404 404',
    'POST /renewals/{renewal_id}/proposals [own]': '303 303 403 303 303 303 303 303',
    'POST /renewals/{renewal_id}/proposals [missing]': '303 404 404 404 404 404 404 404',
    'GET /home': '303 200 200 200 200 200 200 200',
    'GET /manager': '303 403 403 200 200 200 200 200',
    'GET /executive': '303 403 403 403 200 200 200 200',
    'GET /tasks': '303 200 200 200 200 200 200 200',
    'POST /tasks/{task_id}/done [open]': '303 303 403 303 303 303 303 303',
    'POST /tasks/{task_id}/done [done]': '303 400 403 400 400 400 400 400',
    'POST /tasks/{task_id}/done [missing]': '303 404 404 404 404 404 404 404',
    'POST /tasks/{task_id}/snooze [open]': '303 303 403 303 303 303 303 303',
    'POST /tasks/{task_id}/snooze [done]': '303 400 403 400 400 400 400 400',
    'POST /tasks/{task_id}/snooze [missing]': '303 404 404 404 404 404 404 404',
    'GET /approvals': '303 200 200 200 200 200 200 200',
    'GET /concessions/{concession_id} [pending]': '303 200 403 200 200 200 200 200',
    'GET /concessions/{concession_id} [decided]': '303 200 403 200 200 200 200 200',
    'GET /concessions/{concession_id} [missing]': '303 404 404 404 404 404 404 404',
    'POST /concessions/{concession_id}/approve [pending]': '303 403 403 403 303 303 303 403',
    'POST /concessions/{concession_id}/approve [decided]': '303 409 403 409 409 409 409 409',
    'POST /concessions/{concession_id}/approve [missing]': '303 404 404 404 404 404 404 404',
    'POST /concessions/{concession_id}/decline [pending]': '303 403 403 403 303 303 303 403',
    'POST /concessions/{concession_id}/decline [decided]': '303 409 403 409 409 409 409 409',
    'POST /concessions/{concession_id}/decline [missing]': '303 404 404 404 404 404 404 404',
    'POST /concessions/{concession_id}/forward [pending]': '303 403 403 403 303 303 303 403',
    'POST /concessions/{concession_id}/forward [decided]': '303 409 403 409 409 409 409 409',
    'POST /concessions/{concession_id}/forward [missing]': '303 404 404 404 404 404 404 404',
    'GET /renewals/{renewal_id}/concessions/new [own]': '303 200 403 200 200 200 200 200',
    'GET /renewals/{renewal_id}/concessions/new [missing]': '303 404 404 404 404 404 404 404',
    'POST /renewals/{renewal_id}/concessions [own]': '303 303 403 303 303 303 303 303',
    'POST /renewals/{renewal_id}/concessions [missing]': '303 404 404 404 404 404 404 404',
    'POST /renewals/{renewal_id}/concessions/check [own]': '303 200 403 200 200 200 200 200',
    'POST /renewals/{renewal_id}/concessions/check [missing]': '303 404 404 404 404 404 404 404',
    'GET /outbox': '303 200 200 200 200 200 200 200',
    'GET /program': '303 403 403 200 200 200 200 200',
    'GET /library': '303 200 200 200 200 200 200 200',
    'POST /outbox/{message_id}/approve [pending]': '303 303 403 303 303 303 303 303',
    'POST /outbox/{message_id}/approve [approved]': '303 409 403 409 409 409 409 409',
    'POST /outbox/{message_id}/approve [missing]': '303 404 404 404 404 404 404 404',
    'POST /outbox/{message_id}/decline [pending]': '303 303 403 303 303 303 303 303',
    'POST /outbox/{message_id}/decline [approved]': '303 409 403 409 409 409 409 409',
    'POST /outbox/{message_id}/decline [missing]': '303 404 404 404 404 404 404 404',
    'GET /sign/{token} [bogus]': '400 400 400 400 400 400 400 400',
    'GET /sign/{token}/document [bogus]': '400 400 400 400 400 400 400 400',
    'POST /sign/{token} [bogus]': '403 403 403 403 403 403 403 403',
    'POST /webhooks/esign': '401 401 401 401 401 401 401 401',
    'GET /contracts/{document_id} [draft]': '303 200 403 200 200 200 200 200',
    'GET /contracts/{document_id} [submitted]': '303 200 403 200 200 200 200 200',
    'GET /contracts/{document_id} [missing]': '303 404 404 404 404 404 404 404',
    'GET /contracts/{document_id}/document [draft]': '303 200 403 200 200 200 200 200',
    'GET /contracts/{document_id}/document [submitted]': '303 200 403 200 200 200 200 200',
    'GET /contracts/{document_id}/document [missing]': '303 404 404 404 404 404 404 404',
    'GET /contracts/{document_id}/pdf [draft]': '303 200 403 200 200 200 200 200',
    'GET /contracts/{document_id}/pdf [submitted]': '303 200 403 200 200 200 200 200',
    'GET /contracts/{document_id}/pdf [missing]': '303 404 404 404 404 404 404 404',
    'POST /proposals/{proposal_id}/contract [current]': '303 409 403 409 409 409 409 409',
    'POST /proposals/{proposal_id}/contract [missing]': '303 404 404 404 404 404 404 404',
    'POST /contracts/{document_id}/submit [draft]': '303 303 403 303 303 303 303 303',
    'POST /contracts/{document_id}/submit [submitted]': '303 409 403 409 409 409 409 409',
    'POST /contracts/{document_id}/submit [missing]': '303 404 404 404 404 404 404 404',
    'POST /contracts/{document_id}/approve [draft]': '303 409 403 409 409 409 409 409',
    'POST /contracts/{document_id}/approve [submitted]': '303 403 403 303 303 303 303 403',
    'POST /contracts/{document_id}/approve [missing]': '303 404 404 404 404 404 404 404',
    'POST /contracts/{document_id}/decline [draft]': '303 303 403 303 303 303 303 303',
    'POST /contracts/{document_id}/decline [submitted]': '303 303 403 303 303 303 303 303',
    'POST /contracts/{document_id}/decline [missing]': '303 404 404 404 404 404 404 404',
    'POST /contracts/{document_id}/send [draft]': '303 409 403 409 409 409 409 409',
    'POST /contracts/{document_id}/send [submitted]': '303 409 403 409 409 409 409 409',
    'POST /contracts/{document_id}/send [missing]': '303 404 404 404 404 404 404 404',
}
# fmt: on


def test_every_route_answers_every_role_as_the_table_says(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the matrix puts the SQLite file back between unsafe requests")
    world = build_world(books, engine, tmp_path)
    seen = answers(world, engine)
    missing = sorted(set(seen) - set(EXPECTED))
    assert missing == [], f"routes without an entry in EXPECTED (add them): {missing}"
    gone = sorted(set(EXPECTED) - set(seen))
    assert gone == [], f"entries for routes the app no longer has: {gone}"
    wrong = {
        key: {"expected": EXPECTED[key], "got": got}
        for key, got in seen.items()
        if got != EXPECTED[key]
    }
    assert wrong == {}, f"columns: {' '.join(ROLES)}"
