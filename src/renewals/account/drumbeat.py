"""The value drumbeat and the advocates, on plain values (STK-3, STK-4, FUND-5).

"Don't wait until renewal to discuss value. Make it constant. Quarterly business reviews
highlight value. Monthly emails share wins and outcomes. Support interactions reference
impact. Product updates tied to customer benefit. When renewal time comes, the value is
already abundantly clear: you are reminding, not convincing for the first time."
(Renewal Strategy Framework). "Even if the economic buyer is not that warm, happy users
create political pressure to renew." (Renewal Fundamentals)

A value touch is a QBR held, a value moment logged (FUND-5), a business goal achieved, or
a product update shared (a webinar or beta invitation); the drumbeat is the months of the
window with at least one, and the quarters with a QBR held where the segment expects one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from renewals.kit.calendar import add_months
from renewals.kit.i18n import Text

TOUCH_KINDS = ("qbr", "value_moment", "goal_achieved", "product_update")


@dataclass(frozen=True)
class Drumbeat:
    months: int  # months in the window
    months_with_value: int
    silent_months: tuple[str, ...]  # "2026-03", ... with no value touch
    qbr_quarters: int | None  # quarters with a QBR held (None: segment not expected)
    quarters: int
    by_kind: dict[str, int]
    reasons: tuple[str, ...]

    @property
    def first_time(self) -> bool:
        """STK-3: the renewal conversation would be the first time value is discussed."""
        return self.months_with_value == 0


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def drumbeat(
    touches: Iterable[tuple[str, date]], *, as_of: date, window_months: int, expects_qbr: bool
) -> Drumbeat:
    """STK-3 for one account from its value touches (kind, day) before `as_of`."""
    start = add_months(date(as_of.year, as_of.month, 1), -(window_months - 1))
    months = [_month(add_months(start, k)) for k in range(window_months)]
    seen: set[str] = set()
    qbr_quarters: set[tuple[int, int]] = set()
    by_kind = dict.fromkeys(TOUCH_KINDS, 0)
    for kind, day in touches:
        if not start <= day <= as_of:
            continue
        seen.add(_month(day))
        by_kind[kind] = by_kind.get(kind, 0) + 1
        if kind == "qbr":
            qbr_quarters.add((day.year, (day.month - 1) // 3))
    quarters = (window_months + 2) // 3
    silent = tuple(m for m in months if m not in seen)
    reasons = [
        f"STK-3: value touched in {len(months) - len(silent)} of the last {window_months} "
        "months (QBRs, value moments, goals achieved, product updates)"
    ]
    if len(silent) == window_months:
        reasons.append(
            "STK-3: no value touch in the window: the renewal conversation would be the first "
            "time value is discussed"
        )
    if expects_qbr:
        reasons.append(f"STK-3: a QBR held in {len(qbr_quarters)} of the last {quarters} quarters")
    return Drumbeat(
        window_months,
        window_months - len(silent),
        silent,
        len(qbr_quarters) if expects_qbr else None,
        quarters,
        by_kind,
        tuple(reasons),
    )


@dataclass(frozen=True)
class Advocate:
    who: str  # a stakeholder's name or a product user id
    kind: str  # stakeholder | user
    detail: str


def advocates(
    stakeholders: Sequence[tuple[str, str, date | None]],
    users: Sequence[tuple[str, int]],
    *,
    as_of: date,
    engaged_days: int,
    active_days: int,
    shown: int,
) -> list[Advocate]:
    """STK-4: the users and champions engaged lately (named), then the product's most active
    users (active on `active_days`+ of the last 30), most active first."""
    named = [
        Advocate(name, "stakeholder", Text("{role}, engaged {day}", role=role, day=engaged))
        for name, role, engaged in sorted(
            stakeholders, key=lambda s: s[2] or date.min, reverse=True
        )
        if role in ("champion", "user") and engaged and (as_of - engaged).days <= engaged_days
    ]
    power = [
        Advocate(user, "user", Text("active {days} of the last 30 days", days=days))
        for user, days in sorted(users, key=lambda u: (-u[1], u[0]))
        if days >= active_days
    ]
    return (named + power)[:shown]
