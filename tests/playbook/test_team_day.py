"""Issue 16 acceptance: a week of daily runs (D..D+7, then D+30, D+60) on a demo book
sends no customer message without a person's allowance, none with a past date or an
unfavourable figure, none superseded; checked over every customer message written, and
over every customer document the team makes meanwhile (proposals with their value
summaries, every contract drafted from them or from the renewal, and the customer-facing
part of every save-conversation guide), each on the day it was written."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from books import Books, Demo
from sqlalchemy import Engine, func, select

from renewals.account.models import Account
from renewals.config import Settings
from renewals.contract_doc import service as contract_service
from renewals.contract_doc.models import ContractDocument
from renewals.db import session_scope
from renewals.kit import locale
from renewals.outbox import service as outbox_service
from renewals.outbox.models import OutboxMessage
from renewals.playbook import messages
from renewals.playbook.timeline import guard_value
from renewals.policy import service as policy_service
from renewals.proposal import domain as proposal_domain
from renewals.proposal import service as proposal_service
from renewals.proposal.models import Proposal
from renewals.renewal.models import Renewal
from renewals.save_plan import plan_service
from renewals.save_plan.models import SavePlan, SaveTriage
from renewals.scheduler import run_all
from renewals.task.models import Task
from renewals.user.models import User

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
DAYS = [TODAY + timedelta(days=n) for n in (*range(8), 30, 60)]
LEFT = ("approved", "sending", "sent")
# English labels of figures that must stay in the internal brief when unfavourable.
EN_LABELS = {
    "support.urgent_tickets": "Urgent requests",
    "support.nps_latest": "Latest NPS answer",
    "support.tickets": "Support requests this term",
    "usage.seat_utilisation": "Seats in use",
    "usage.key_feature_adoption": "Key features adopted",
}
PREPARATION = {
    "en": "A review of the value you received this term is in preparation",
    "de": "Eine Übersicht über Ihren Nutzen in dieser Laufzeit ist in Vorbereitung",
    "id": "Tinjauan nilai yang Anda peroleh selama periode ini sedang kami siapkan",
    "ms": "Semakan nilai yang anda peroleh sepanjang tempoh ini sedang disediakan",
}
# Internal ids, raw states and keys (snake_case), rule IDs: none reaches a customer.
RAW = re.compile(r"\b(on_track|at_risk|needs_approval|None|True|False|[a-z]+_[a-z_]+)\b")
RULE_ID = re.compile(r"\b[A-Z]{2,6}-\d{1,2}\b")
EN_DATE = re.compile(
    r"\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December) \d{4}\b"
)


# SQLite only (issue 14: 173 s on PostgreSQL, of the busy shared machine, beside 145 on
# SQLite): what is checked here is what the messages and documents say, which the database
# does not change. The daily run day after day on PostgreSQL is tested by
# worker/test_two_workers.py (a simulated week) and test_scheduler.py; proposals, contracts,
# save plans and outbox permissions on PostgreSQL by their slices' service tests.
@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_team_day_sends_nothing_wrong(books: Books, engine: Engine, tmp_path: Path) -> None:
    books.copy(engine, tmp_path, Demo(150, seed=11))  # imported once (tests/books.py)
    settings = Settings(database_url=str(engine.url), data_dir=tmp_path / "data")
    with session_scope(engine) as session:
        # A manager allows half the book (a list); the other half has no allowance.
        admin = session.scalars(select(User.email).where(User.role == "admin")).first()
        accounts = sorted(session.scalars(select(Account.account_id)))
        allowed = set(accounts[::2])
        outbox_service.set_permissions(session, allowed, "auto", by=admin, reason="pilot")
    drafted: dict[int, date] = {}
    for day in DAYS:
        outcomes = run_all(engine, policy=POLICY, as_of=day, settings=settings)
        assert {o.status for o in outcomes} == {"ok"}, outcomes
        with session_scope(engine) as session:
            if day == TODAY:  # day one: only what a person must do now
                assert not session.scalar(
                    select(func.count()).where(Task.status == "open", Task.due_date < day)
                )
            _check_messages(session, allowed, day)
            drafted.update(_team_documents(session, day))
            _save_conversations(session, day)
    with session_scope(engine) as session:
        _check_documents(session, drafted)


def _team_documents(session, day: date) -> dict[int, date]:  # type: ignore[no-untyped-def]
    """The team's day: owners send proposals for the open renewals due within 45 days
    (a few a day, at-risk ones first) and draft each contract: from the proposal when it
    is ready, from the renewal for the day's first (and when the proposal waits for an
    approval). Returns {document: the day it was drafted}."""
    due = session.scalars(
        select(Renewal)
        .where(
            Renewal.outcome.is_(None),
            Renewal.renewal_date >= day,
            Renewal.renewal_date <= day + timedelta(days=45),
            Renewal.stage.not_in(("closed_won", "closed_lost")),
        )
        .order_by((Renewal.opportunity_type != "at_risk"), Renewal.renewal_date)
    ).all()
    done = set(session.scalars(select(Proposal.renewal_id)))
    drafted = {}
    for n, renewal in enumerate([r for r in due if r.renewal_id not in done][:4]):
        proposal = proposal_service.create(
            session,
            renewal.renewal_id,
            option=None,
            by=None,
            as_of=day,
            policy=POLICY,
            vendor_name="Example Vendor GmbH",
        )
        doc = contract_service.create(
            session,
            renewal.renewal_id,
            by=renewal.owner_email,
            policy=POLICY,
            proposal_id=proposal.proposal_id if proposal.status == "ready" and n else None,
            vendor=contract_service.Vendor("Example Vendor GmbH", "1 Example Street, Berlin"),
            as_of=day,
        )
        drafted[doc.document_id] = day
    return drafted


def _save_conversations(session, day: date) -> None:  # type: ignore[no-untyped-def]
    """SAVE-10/11: owners start a save plan for two open triages a day (at-risk first) and
    render every plan's conversation guide again before the call; the part of the guide
    said to or shared with the customer (sections 1-5, the value to re-demonstrate) has no
    gone date, no internal id, raw state or rule ID, and only favourable figures."""
    started = set(session.scalars(select(SavePlan.renewal_id)))
    triages = session.execute(
        select(SaveTriage, Renewal)
        .join(Renewal, Renewal.renewal_id == SaveTriage.renewal_id)
        .where(
            SaveTriage.status == "open",
            Renewal.stage.not_in(("closed_won", "closed_lost")),
            Renewal.owner_email.is_not(None),
        )
        .order_by(Renewal.opportunity_type != "at_risk", Renewal.renewal_date)
    ).all()
    for triage, renewal in [(t, r) for t, r in triages if t.renewal_id not in started][:2]:
        plan_service.start_plan(
            session, triage.renewal_id, by=renewal.owner_email, as_of=day, policy=POLICY
        )
    checked = 0
    for plan, renewal in session.execute(select(SavePlan, Renewal).join(Renewal)).all():
        if plan.status != "active" or renewal.stage in ("closed_won", "closed_lost"):
            continue
        plan_service.refresh_guide(
            session, plan.renewal_id, by=plan.owner_email, as_of=day, policy=POLICY
        )
        _check_guide(plan.conversation_guide, renewal, f"guide {plan.renewal_id} on {day}", day)
        checked += 1
    assert checked or day == TODAY + timedelta(days=60), day


def _check_guide(guide: str, renewal: Renewal, key: str, day: date) -> None:
    assert "\n## 1. " in guide, key
    said = guide.split("\n## 1. ", 1)[1].split("\nKnow before the call", 1)[0]
    assert renewal.renewal_id not in said and renewal.account_id not in said, key
    assert not RAW.search(said), (key, RAW.search(said))
    assert not RULE_ID.search(said), (key, RULE_ID.search(said))
    for word in ("NPS", "detractor", "engaged in the last", "health"):
        assert word not in said, (key, word)
    # TIME-6: every commitment's date is still ahead ("by <date>")
    for when in re.findall(r"\bby (\d{1,2} [A-Z][a-z]+ \d{4})", said):
        assert datetime.strptime(when, "%d %B %Y").date() >= day, (key, when)
    # FUND-5, SAVE-11: the value to re-demonstrate shows only favourable figures
    value = said.split("## Value to re-demonstrate", 1)[-1]
    for sign, pct in re.findall(r"([+\-\u2212]?)(\d+(?:\.\d+)?)\s?%", value):
        assert sign == "+" or (not sign and float(pct) >= 50), (key, sign, pct)


def _check_documents(session, drafted: dict[int, date]) -> None:  # type: ignore[no-untyped-def]
    proposals = session.execute(select(Proposal, Renewal).join(Renewal)).all()
    assert len(proposals) >= 20, len(proposals)
    risky = 0
    for proposal, renewal in proposals:
        key = f"proposal {proposal.proposal_id}"
        html, summary = proposal.html, proposal.value_summary
        text = re.sub(r"<[^>]+>", " ", html)
        # The reviewer's view: which facts it drew on, what stayed internal.
        guard = summary["guard"]
        plain = {k: v for k, v in summary.items() if k != "guard"}
        assert guard == proposal_domain.guard_summary(plain, policy=POLICY), key
        shown = guard["shown"]
        # FUND-5, SAVE-11: only favourable figures; never "0 of 3 goals"
        assert all(g["status"] == "achieved" for g in shown["goals"]["items"]), key
        usage = {f["key"]: f["value"] for f in shown["usage"]["figures"]}
        assert guard_value(usage, POLICY).internal == {}, key
        if "usage_change_30d" in usage:
            assert usage["usage_change_30d"] > 0, key
        for figure, value in guard["internal_brief"].items():
            if figure == "usage.usage_change_30d":
                signed = locale.format_percent(value, proposal.language, signed=True)
                assert signed not in text, (key, figure)
            if proposal.language == "en" and figure in EN_LABELS:
                assert EN_LABELS[figure] not in text, (key, figure)
        if shown["in_preparation"]:
            assert PREPARATION[proposal.language] in text, key
        # TIME-6: no deadline that is gone; no internal ids or raw states (issue 16 item 4)
        if renewal.renewal_date < proposal.as_of:
            gone = locale.format_date_long(renewal.renewal_date, proposal.language)
            assert gone not in text, key
        assert renewal.renewal_id not in text and renewal.account_id not in text, key
        assert not re.search(r"\b(on_track|at_risk|needs_approval|None|True|False)\b", text), key
        risky += renewal.opportunity_type == "at_risk"
    assert risky, "no at-risk renewal got a proposal: the guard was not exercised"
    contracts = session.execute(select(ContractDocument, Renewal).join(Renewal)).all()
    assert len(contracts) == len(drafted) >= 20, (len(contracts), len(drafted))
    assert any(r.opportunity_type == "at_risk" for _, r in contracts), "no at-risk contract"
    assert any(d.proposal_id is None for d, _ in contracts), "none drafted from the renewal"
    for doc, renewal in contracts:
        key = f"contract {doc.document_id}"
        # what the customer reads: the body, without the style sheet
        text = re.sub(r"<[^>]+>", " ", doc.html.split("</style>", 1)[-1])
        assert "Example Vendor GmbH" in text, key
        assert doc.terms["sources"], key  # the facts it drew on (internal view)
        # no internal ids or raw states (issue 16 item 4)
        assert renewal.renewal_id not in text and renewal.account_id not in text, key
        assert not RAW.search(text), (key, RAW.search(text))
        assert not RULE_ID.search(text), (key, RULE_ID.search(text))
        # TIME-6: no date that is gone on the day it was drafted
        day = drafted[doc.document_id]
        assert date.fromisoformat(doc.terms["start_date"]) >= day, key
        drafted_on = locale.format_date_long(day, doc.language)
        assert drafted_on in text, (key, drafted_on)
        if doc.language == "en":
            for when in EN_DATE.findall(text):
                assert datetime.strptime(when, "%d %B %Y").date() >= day, (key, when)
        # FUND-5: a contract carries terms, never our view of their usage or feedback
        for label in (*EN_LABELS.values(), "NPS", "health"):
            assert label not in text, (key, label)


def _check_messages(session, allowed: set[str], day: date) -> None:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(OutboxMessage, Renewal)
        .join(Renewal, Renewal.renewal_id == OutboxMessage.renewal_id)
        .where(OutboxMessage.audience == "customer")
    ).all()
    assert rows
    open_per_renewal: dict[str, int] = {}
    for message, renewal in rows:
        key = message.idempotency_key
        if message.status in LEFT:
            # TIME-5: a person allowed this account, or approved this very message
            via = message.facts.get("approved_via")
            assert via == "person" or (via == "permission" and message.account_id in allowed), key
            risky = renewal.health_category == "red" or renewal.opportunity_type == "at_risk"
            assert via == "person" or not risky, key
        if message.status in ("pending_approval", "approved", "failed"):
            open_per_renewal[renewal.renewal_id] = open_per_renewal.get(renewal.renewal_id, 0) + 1
        if message.status == "cancelled":
            continue
        # FUND-5, SAVE-11: only favourable figures reach the customer
        shown = message.facts.get("drew_on", {})
        brief = message.facts.get("internal_brief", {})
        assert guard_value({**brief, **shown}, POLICY).shown == shown, (key, shown, brief)
        if "usage_change_30d" in shown:
            assert shown["usage_change_30d"] > 0, key
        for figure, value in message.facts.get("internal_brief", {}).items():
            if figure == "usage_change_30d":
                signed = locale.format_percent(value, message.language, signed=True)
                assert signed not in message.body, (key, figure)
        # TIME-6: no date that is gone on the day it was written
        written = message.created_on
        for item in message.facts.get("timeline", []):
            assert date.fromisoformat(item["date"]) >= written, key
        for item in messages.customer_timeline(
            renewal.renewal_date,
            [(m.days, m.milestone) for m in POLICY.campaign.customer_timeline],
            written,
        ):
            if item["passed"]:
                gone = locale.format_date_long(item["date"], message.language)
                assert not re.search(rf"(?<!\d){re.escape(gone)}", message.body), (key, gone)
        # SEG-2: an at-risk or red renewal never gets the friendly template
        if (
            message.created_on == day
            and message.facts.get("template", "").startswith("heads_up.")
            and renewal.health_category == "red"
        ):
            raise AssertionError(f"{key}: friendly heads-up to a red account")
    # TIME-5: a newer customer message withdrew the older ones
    assert max(open_per_renewal.values(), default=0) <= 1, day
