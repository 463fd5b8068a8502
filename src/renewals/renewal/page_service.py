"""The renewal list (TECH-1, TECH-5): one SQL query, filtered, sorted and paged in the database.

Rows are renewals of accounts in the user's scope (renewals.user.access.scope_for), with
the account's name and the health and risk the renewal was last decided with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import SQLColumnExpression, or_, select

from renewals.account.models import Account
from renewals.account.page_service import Listing, escape_like
from renewals.renewal.domain import OPEN_STAGES
from renewals.renewal.models import Renewal
from renewals.user import access
from renewals.user.access import Scope

ANY_STAGE = "any"


@dataclass(frozen=True)
class RenewalFilters:
    """What the renewal list is narrowed to; None means no filter."""

    q: str | None = None  # part of the account's name, the account id or the renewal id
    segment: str | None = None
    owner: str | None = None  # the renewal's owner
    stage: str | None = None  # None: the open stages; "any": every stage; else that stage
    category: str | None = None  # HEALTH-3 category the renewal was decided with, or "unscored"
    risk: str | None = None
    window: int | None = None  # due within this many days of as_of (overdue included)
    everyone: bool = False


def renewal_listing(scope: Scope, filters: RenewalFilters, *, as_of: date) -> Listing:
    """One row per renewal in scope, soonest first."""
    stmt = select(
        Renewal.renewal_id.label("renewal_id"),
        Renewal.account_id.label("account_id"),
        Account.name.label("name"),
        Renewal.renewal_date.label("renewal_date"),
        Renewal.stage.label("stage"),
        Renewal.segment.label("segment"),
        Renewal.opportunity_type.label("opportunity"),
        Renewal.motion.label("motion"),
        Renewal.owner_email.label("owner"),
        Renewal.current_arr.label("arr"),
        Renewal.target_arr.label("target_arr"),
        Renewal.currency.label("currency"),
        Renewal.health_score.label("score"),
        Renewal.health_category.label("category"),
        Renewal.risk.label("risk"),
        Renewal.likelihood.label("likelihood"),
        Renewal.outcome.label("outcome"),
    ).join(Account, Account.account_id == Renewal.account_id)
    # TECH-5: renewals of accounts the user may see ("mine" unless they asked for everyone
    # and policy lets them read it), and any renewal they own themselves.
    stmt = stmt.where(
        or_(
            access.visible(Account.account_id, scope, edit=not filters.everyone),
            access.owned_by(Renewal.owner_email, scope),
        )
    )
    if filters.q:
        pattern = f"%{escape_like(filters.q.strip())}%"
        stmt = stmt.where(
            or_(
                Account.name.ilike(pattern, escape="\\"),
                Renewal.account_id.ilike(pattern, escape="\\"),
                Renewal.renewal_id.ilike(pattern, escape="\\"),
            )
        )
    if filters.stage is None:
        stmt = stmt.where(Renewal.stage.in_([s.value for s in OPEN_STAGES]))
    elif filters.stage != ANY_STAGE:
        stmt = stmt.where(Renewal.stage == filters.stage)
    if filters.segment:
        stmt = stmt.where(Renewal.segment == filters.segment)
    if filters.owner:
        stmt = stmt.where(Renewal.owner_email == filters.owner)
    if filters.category == "unscored":
        stmt = stmt.where(Renewal.health_category.is_(None))
    elif filters.category:
        stmt = stmt.where(Renewal.health_category == filters.category)
    if filters.risk:
        stmt = stmt.where(Renewal.risk == filters.risk)
    if filters.window is not None:
        stmt = stmt.where(Renewal.renewal_date <= as_of + timedelta(days=filters.window))
    sortable: dict[str, SQLColumnExpression[Any]] = {
        "renewal_date": Renewal.renewal_date,
        "name": Account.name,
        "stage": Renewal.stage,
        "segment": Renewal.segment,
        "opportunity": Renewal.opportunity_type,
        "owner": Renewal.owner_email,
        "arr": Renewal.current_arr,
        "target_arr": Renewal.target_arr,
        "score": Renewal.health_score,
        "category": Renewal.health_category,
        "risk": Renewal.risk,
        "likelihood": Renewal.likelihood,
    }
    stmt = stmt.order_by(Renewal.renewal_date, Renewal.renewal_id)
    header = (
        "renewal_id",
        "account_id",
        "name",
        "renewal_date",
        "stage",
        "segment",
        "opportunity",
        "motion",
        "owner",
        "arr",
        "target_arr",
        "currency",
        "health_score",
        "health_category",
        "risk",
        "likelihood",
        "outcome",
    )
    return Listing(stmt, sortable, (Renewal.renewal_id,), header)
