"""What the daily run's lifecycle steps wrote, without wall-clock timestamps (to compare runs)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, select

import renewals.models  # noqa: F401  (every table in Base.metadata)
from renewals.db import Base, UTCDateTime, session_scope
from renewals.outbox.models import OutboxMessage
from renewals.renewal.models import Renewal, StageChange
from renewals.task.models import Task


def lifecycle(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the lifecycle steps wrote, without wall-clock timestamps, each list in a
    total order (a task's key is unique per account only: PostgreSQL returns ties in heap
    order, which a restored database does not keep)."""
    with session_scope(engine) as session:
        return {
            "renewals": [
                (
                    r.renewal_id,
                    r.account_id,
                    r.renewal_date,
                    r.segment,
                    r.opportunity_type,
                    r.touch_model,
                    r.motion,
                    r.owner_role,
                    r.owner_email,
                    r.stage,
                    r.stage_since,
                    r.target_arr,
                    r.decisions,
                    r.outcome,
                )
                for r in session.scalars(select(Renewal).order_by(Renewal.renewal_id))
            ],
            "stages": [
                (c.renewal_id, c.from_stage, c.to_stage, c.on, c.by, c.reason)
                for c in session.scalars(
                    select(StageChange).order_by(
                        StageChange.renewal_id,
                        StageChange.on,
                        StageChange.to_stage,
                        StageChange.from_stage,
                    )
                )
            ],
            "tasks": [
                (
                    t.account_id,
                    t.key,
                    t.renewal_id,
                    t.step,
                    t.rule,
                    t.due_date,
                    t.owner_email,
                    t.status,
                    t.status_reason,
                    t.created_on,
                )
                for t in session.scalars(select(Task).order_by(Task.account_id, Task.key))
            ],
            "messages": [
                (
                    m.idempotency_key,
                    m.audience,
                    m.to_address,
                    m.language,
                    m.subject,
                    m.body,
                    m.status,
                    m.status_reason,
                    m.created_on,
                    m.approved_by,
                )
                for m in session.scalars(
                    select(OutboxMessage).order_by(OutboxMessage.idempotency_key)
                )
            ],
        }


def tables(
    engine: Engine,
    *,
    skip: Iterable[str] = ("job_run",),
    wall_clock: bool = True,
) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows (all columns, ids included), sorted: what a run left, to compare
    two runs of the same day. `skip`: tables left out (the run's own log by default);
    `wall_clock=False` leaves out the timestamp columns (when each row was written), for
    runs whose clock was not frozen."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    left_out = set(skip)
    with engine.connect() as conn:
        for name, table in Base.metadata.tables.items():
            if name in left_out:
                continue
            columns = [
                c for c in table.columns if wall_clock or not isinstance(c.type, UTCDateTime)
            ]
            rows = [tuple(row) for row in conn.execute(select(*columns))]
            out[name] = sorted(rows, key=_sort_key)
    return out


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is None, repr(v)) for v in row)


def differences(
    a: dict[str, list[tuple[Any, ...]]], b: dict[str, list[tuple[Any, ...]]]
) -> dict[str, int]:
    """Tables whose rows differ between two `tables` dumps, with the rows in one but not the other."""
    out = {}
    for name in sorted(set(a) | set(b)):
        left, right = Counter(map(repr, a.get(name, []))), Counter(map(repr, b.get(name, [])))
        if left != right:
            out[name] = sum(((left - right) + (right - left)).values())
    return out
