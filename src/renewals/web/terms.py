"""The stored values pages show as words (issue 22): stages, health categories, risk
levels, segments, roles... Each is listed here once with its context so that extraction
(`term_noop`, babel.cfg) puts it in the catalogues; templates print a value with
`{{ row.stage|term("stage") }}` (renewals.kit.i18n.term), which falls back to the value
with spaces for anything not listed. tests/web/test_i18n.py checks the lists against the
domain enums.
"""

from __future__ import annotations


def term_noop(context: str, value: str) -> tuple[str, str]:
    """Marks `value` for extraction in `context`; translation happens when it is printed."""
    return context, value


TERMS = (
    # TIME-4 stages (renewals.renewal.domain.Stage)
    term_noop("stage", "assessment"),
    term_noop("stage", "preparation"),
    term_noop("stage", "engagement"),
    term_noop("stage", "closing"),
    term_noop("stage", "execution"),
    term_noop("stage", "closed_won"),
    term_noop("stage", "closed_lost"),
    # HEALTH-3 categories, SIG-0 risk levels, task states: the coloured badges
    term_noop("badge", "green"),
    term_noop("badge", "yellow"),
    term_noop("badge", "red"),
    term_noop("badge", "expansion"),
    term_noop("badge", "none"),
    term_noop("badge", "watch"),
    term_noop("badge", "at_risk"),
    term_noop("badge", "save"),
    term_noop("badge", "overdue"),
    term_noop("badge", "done"),
    term_noop("badge", "snoozed"),
    term_noop("badge", "open"),
    # SEG-1 segments (renewals.account.domain.Segment)
    term_noop("segment", "enterprise"),
    term_noop("segment", "mid_market"),
    term_noop("segment", "smb"),
    # SEG-3 opportunity types, SEG-2 motions
    term_noop("opportunity", "flat"),
    term_noop("opportunity", "expansion"),
    term_noop("opportunity", "at_risk"),
    term_noop("opportunity", "early"),
    term_noop("motion", "efficient"),
    term_noop("motion", "reinforce"),
    term_noop("motion", "intervention"),
    # contract outcomes (renewals.contract.domain.Outcome)
    term_noop("outcome", "renewed"),
    term_noop("outcome", "expanded"),
    term_noop("outcome", "downgraded"),
    term_noop("outcome", "churned"),
    # TECH-5 roles (renewals.user.domain.Role)
    term_noop("role", "csm"),
    term_noop("role", "specialist"),
    term_noop("role", "sales"),
    term_noop("role", "manager"),
    term_noop("role", "director"),
    term_noop("role", "vp"),
    term_noop("role", "executive"),
    term_noop("role", "admin"),
    # HEALTH-1 components (renewals.health.domain.COMPONENTS)
    term_noop("component", "usage"),
    term_noop("component", "adoption"),
    term_noop("component", "support"),
    term_noop("component", "relationship"),
    term_noop("component", "outcomes"),
    term_noop("component", "sentiment"),
    term_noop("component", "competitive"),
    term_noop("component", "tenure"),
    # SIG-1..9 signal kinds (renewals.signal.domain.SignalKind), severities, sources
    term_noop("signal", "health_drop"),
    term_noop("signal", "engagement_drop"),
    term_noop("signal", "negative_feedback"),
    term_noop("signal", "competitive"),
    term_noop("signal", "budget"),
    term_noop("signal", "stakeholder_change"),
    term_noop("signal", "usage_decline"),
    term_noop("signal", "business_change"),
    term_noop("signal", "single_threading"),
    term_noop("severity", "low"),
    term_noop("severity", "medium"),
    term_noop("severity", "high"),
    term_noop("source", "health"),
    term_noop("source", "usage"),
    term_noop("source", "ticket"),
    term_noop("source", "survey"),
    term_noop("source", "interaction"),
    term_noop("source", "stakeholder"),
    term_noop("source", "team"),
    term_noop("source", "contract"),
    term_noop("source", "goal"),
    term_noop("source", "tickets"),
    term_noop("source", "surveys"),
    term_noop("source", "stakeholders"),
    # SEG-4 touch models (renewals.renewal.domain.TouchModel)
    term_noop("touch", "auto"),
    term_noop("touch", "assisted"),
    term_noop("touch", "negotiated"),
    # outbox message states (renewals.outbox.domain.MessageStatus)
    term_noop("message", "pending_approval"),
    term_noop("message", "approved"),
    term_noop("message", "sending"),
    term_noop("message", "sent"),
    term_noop("message", "failed"),
    term_noop("message", "dead"),
    term_noop("message", "uncertain"),
    term_noop("message", "blocked"),
    term_noop("message", "cancelled"),
    # FUND-4 budget phases (renewals.renewal.budget.Phase)
    term_noop("budget", "new_budget"),
    term_noop("budget", "mid_year"),
    term_noop("budget", "year_end"),
)
