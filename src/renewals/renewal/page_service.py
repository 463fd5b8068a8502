"""The renewal list (TECH-1, TECH-5): one SQL query, filtered, sorted and paged in the database.

Rows are renewals of accounts in the user's scope (renewals.user.access.scope_for), with
the account's name and the health and risk the renewal was last decided with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, func, or_, select

from renewals.account.models import Account
from renewals.account.page_service import escape_like
from renewals.kit.listing import Listing
from renewals.renewal.domain import OPEN_STAGES
from renewals.renewal.models import Renewal
from renewals.user import access
from renewals.user.access import Scope

ANY_STAGE = "any"


@dataclass(frozen=True)
class RenewalFilters:
    """What a renewal list is narrowed to; None means no filter. The page, its CSV export
    and the API (renewal.endpoints) narrow with these same conditions (issue 14)."""

    q: str | None = None  # part of the account's name, the account id or the renewal id
    segment: str | None = None
    owner: str | None = None  # the renewal's owner (any letter case)
    stage: str | None = None  # None: the open stages; "any": every stage; else that stage
    category: str | None = None  # HEALTH-3 category the renewal was decided with, or "unscored"
    risk: str | None = None
    window: int | None = None  # due within this many days of as_of (overdue included)
    everyone: bool = False
    opportunity_type: str | None = None
    account_id: str | None = None
    undecided: bool = False  # only renewals without an outcome yet


def renewal_conditions(
    scope: Scope, filters: RenewalFilters, *, as_of: date
) -> list[ColumnElement[bool]]:
    """The WHERE of every renewal list (page, CSV, API): TECH-5 scope and the filters."""
    # TECH-5: renewals of accounts the user may see ("mine" unless they asked for everyone
    # and policy lets them read it), and any renewal they own themselves. The condition is on
    # the renewal's own account_id (equal to the joined account's): each branch of the OR is
    # then an index lookup, where the account's columns made SQLite walk every renewal
    # (issue 23: a CSM's list 100 ms -> 1 ms on 10,000 accounts).
    conditions: list[ColumnElement[bool]] = [
        or_(
            access.visible(Renewal.account_id, scope, edit=not filters.everyone),
            access.owned_by(Renewal.owner_email, scope),
        )
    ]
    if filters.q:
        pattern = f"%{escape_like(filters.q.strip())}%"
        conditions.append(
            or_(
                Account.name.ilike(pattern, escape="\\"),
                Renewal.account_id.ilike(pattern, escape="\\"),
                Renewal.renewal_id.ilike(pattern, escape="\\"),
            )
        )
    if filters.stage is None:
        conditions.append(Renewal.stage.in_([s.value for s in OPEN_STAGES]))
    elif filters.stage != ANY_STAGE:
        conditions.append(Renewal.stage == filters.stage)
    if filters.undecided:
        conditions.append(Renewal.outcome.is_(None))
    if filters.segment:
        conditions.append(Renewal.segment == filters.segment)
    if filters.owner:
        conditions.append(func.lower(Renewal.owner_email) == filters.owner.strip().lower())
    if filters.category == "unscored":
        conditions.append(Renewal.health_category.is_(None))
    elif filters.category:
        conditions.append(Renewal.health_category == filters.category)
    if filters.risk:
        conditions.append(Renewal.risk == filters.risk)
    if filters.opportunity_type:
        conditions.append(Renewal.opportunity_type == filters.opportunity_type)
    if filters.account_id:
        conditions.append(Renewal.account_id == filters.account_id)
    if filters.window is not None:
        conditions.append(Renewal.renewal_date <= as_of + timedelta(days=filters.window))
    return conditions


def renewal_listing(scope: Scope, filters: RenewalFilters, *, as_of: date) -> Listing:
    """One row per renewal in scope, soonest first."""
    stmt = (
        select(
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
        )
        .join(Account, Account.account_id == Renewal.account_id)
        .where(*renewal_conditions(scope, filters, as_of=as_of))
    )
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
        # the API's names (renewal.endpoints)
        "current_arr": Renewal.current_arr,
        "health_score": Renewal.health_score,
        "account_id": Renewal.account_id,
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
