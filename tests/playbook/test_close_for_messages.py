"""TIME-4, TIME-5 (issue 16 item 5): tasks waiting for a campaign message close themselves
when the outbox has sent it; set-based, so the number of SQL statements does not grow with
the number of renewals (one query per fact, one bulk UPDATE, one audit INSERT)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from renewals.audit.models import AuditEvent
from renewals.db import session_scope
from renewals.outbox.models import OutboxMessage
from renewals.playbook import service as playbook_service
from renewals.policy import service as policy_service
from renewals.task.models import Task
from tests.factories import TODAY, add_renewal

POLICY = policy_service.load()


def _book(engine: Engine, renewals: int) -> None:
    """`renewals` SMB renewals, each with its open reminder tasks; the heads-up of every
    renewal has been sent, and the second renewal's follow-up is only queued."""
    with session_scope(engine) as session:
        for n in range(renewals):
            renewal_id = add_renewal(session, f"acc{n}", segment="smb")
            session.flush()
            for step in ("automated_reminder", "followup_reminder"):
                session.add(
                    Task(
                        account_id=f"acc{n}",
                        key=f"{renewal_id}:{step}",
                        renewal_id=renewal_id,
                        step=step,
                        title=step,
                        rule="TIME-3",
                        due_date=TODAY,
                        created_on=TODAY,
                        status="snoozed" if n == 0 else "open",
                    )
                )
            for step, status in (("heads_up", "sent"), ("follow_up", "approved")):
                session.add(
                    OutboxMessage(
                        idempotency_key=f"{renewal_id}:{step}",
                        renewal_id=renewal_id,
                        account_id=f"acc{n}",
                        step=step,
                        rule="TIME-5",
                        audience="customer",
                        channel="email",
                        subject=step,
                        body=step,
                        status=status,
                        created_on=TODAY,
                        sent_at=datetime(2026, 12, 1, 9, tzinfo=UTC) if status == "sent" else None,
                    )
                )


def _close(engine: Engine) -> tuple[int, int]:
    statements: list[Any] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    with session_scope(engine) as session:
        event.listen(engine, "before_cursor_execute", count)
        try:
            closed = playbook_service.close_for_sent_messages(
                session, POLICY, as_of=date(2026, 12, 2)
            )
        finally:
            event.remove(engine, "before_cursor_execute", count)
    return closed, len(statements)


def test_a_sent_message_closes_the_tasks_that_waited_for_it(engine: Engine) -> None:
    _book(engine, 3)
    closed, _ = _close(engine)
    assert closed == 3
    with session_scope(engine) as session:
        tasks = {t.key: t for t in session.scalars(select(Task))}
        for n in range(3):
            done = tasks[f"R-acc{n}-c:automated_reminder"]
            assert done.status == "done" and done.completed_by == "system"
            assert done.status_reason is not None
            assert done.status_reason.startswith(
                "TIME-4: closed by itself: message:heads_up on 2026-12-01: outbox message"
            )
            # the follow-up is queued, not sent: its task stays as it was
            assert tasks[f"R-acc{n}-c:followup_reminder"].status in ("open", "snoozed")
        audits = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "task.closed_by_event")
        ).all()
        assert len(audits) == 3
        assert {a.detail["event"] for a in audits} == {"message:heads_up"}
    assert _close(engine)[0] == 0  # nothing left waiting: closing twice closes nothing


def test_the_statements_do_not_grow_with_the_book(engine: Engine, tmp_path: Any) -> None:
    _book(engine, 2)
    closed_small, small = _close(engine)
    _book_more(engine, range(2, 40))
    closed_large, large = _close(engine)
    assert (closed_small, closed_large) == (2, 38)
    assert large == small <= 5, (small, large)


def _book_more(engine: Engine, numbers: range) -> None:
    with session_scope(engine) as session:
        for n in numbers:
            renewal_id = add_renewal(session, f"acc{n}", segment="smb")
            session.flush()
            session.add(
                Task(
                    account_id=f"acc{n}",
                    key=f"{renewal_id}:automated_reminder",
                    renewal_id=renewal_id,
                    step="automated_reminder",
                    title="reminder",
                    rule="TIME-3",
                    due_date=TODAY,
                    created_on=TODAY,
                )
            )
            session.add(
                OutboxMessage(
                    idempotency_key=f"{renewal_id}:heads_up",
                    renewal_id=renewal_id,
                    account_id=f"acc{n}",
                    step="heads_up",
                    rule="TIME-5",
                    audience="customer",
                    channel="email",
                    subject="s",
                    body="b",
                    status="sent",
                    created_on=TODAY,
                    sent_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
                )
            )
