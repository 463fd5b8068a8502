"""Concessions against a real database: routing, authority, the audit trail, precedent,
and two approvers deciding the same request at the same moment (PostgreSQL).

Personas (users.csv): carl (CSM) -> mia (manager, 15%) -> dora (director, 25%) -> vera
(VP); sam (CSM) -> walt (manager) -> dora; nina (CSM, no manager); erin (executive,
no manager); olaf (director who has left). globex is mid-market, yellow and at risk,
triaged with a confirmed circumstantial root cause.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import factories
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from renewals import migrate
from renewals.account.models import Account
from renewals.audit.models import AuditEvent
from renewals.concession import service
from renewals.concession.commands import app as concession_app
from renewals.concession.domain import ConcessionKind, Rationale
from renewals.concession.matrix import ApprovalMatrix
from renewals.concession.models import Concession, ConcessionStep
from renewals.db import make_engine, make_sessionmaker, session_scope
from renewals.errors import Forbidden, NotFound
from renewals.policy import service as policy_service
from renewals.renewal.models import Renewal
from renewals.save_plan.models import SaveTriage
from renewals.user.domain import Role
from renewals.user.models import User

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()
CARL, MIA, DORA, VERA, SAM, WALT, NINA, ERIN, OLAF = (
    f"{n}@vendor.example"
    for n in ("carl", "mia", "dora", "vera", "sam", "walt", "nina", "erin", "olaf")
)
WHY = Rationale(
    business_rationale="Budget cut after their merger; usage is healthy",
    expected_outcome="Renews for two years; full price from year 2",
    alternatives_considered="6-month term; reduced scope",
)
TIED: dict[str, Any] = {
    "give_back": "multi_year",
    "sunset_clause": "discount for year 1, standard pricing year 2",
    "rationale": WHY,
}


# --- the book --------------------------------------------------------------------------


def add_user(session: Any, email: str, role: str, manager: str | None, active: bool = True) -> None:
    factories.add_user(session, email, role, manager, active=active)


def add_renewal(
    session: Any,
    account_id: str,
    *,
    segment: str = "mid_market",
    owner: str = CARL,
    arr: str = "42000",
    health: str | None = "yellow",
    risk: str | None = "at_risk",
    signals: tuple[str, ...] = ("budget", "usage_decline"),
    renewal_date: date = TODAY + timedelta(days=60),
) -> str:
    return factories.add_renewal(
        session,
        account_id,
        renewal_date=renewal_date,
        arr=arr,
        owner=owner,
        segment=segment,
        opportunity_type="at_risk" if risk == "at_risk" else "flat",
        health_category=health,
        risk=risk,
        signals=list(signals),
    )


def add_triage(session: Any, renewal_id: str, account_id: str, **kw: Any) -> None:
    values: dict[str, Any] = {
        "probability_band": "medium",
        "success_rate": 0.4,
        "value_tier": "medium",
        "root_cause": "circumstantial",
        "root_cause_confirmed": True,
        "inputs": {},
    } | kw
    session.add(
        SaveTriage(
            renewal_id=renewal_id,
            account_id=account_id,
            as_of=TODAY,
            status="open",
            time_window="compressed",
            effort="standard",
            expected_value_hours=6.0,
            reasons={},
            facts={},
            overrides={},
            created_on=TODAY,
            updated_on=TODAY,
            **values,
        )
    )


GLOBEX = "R-globex-c"


@pytest.fixture
def db(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        add_user(session, VERA, "vp", None)
        add_user(session, ERIN, "executive", None)
        add_user(session, DORA, "director", VERA)
        add_user(session, MIA, "manager", DORA)
        add_user(session, WALT, "manager", DORA)
        add_user(session, CARL, "csm", MIA)
        add_user(session, SAM, "csm", WALT)
        add_user(session, NINA, "csm", None)
        add_user(session, OLAF, "director", VERA, active=False)
        session.flush()
        add_renewal(session, "globex")
        session.flush()
        add_triage(session, GLOBEX, "globex")
    return engine


def own(engine: Engine, who: str) -> None:
    """Hand globex to `who`: only someone who may change the account asks (TECH-5)."""
    with session_scope(engine) as session:
        session.get(Account, "globex").owner_email = who  # type: ignore[union-attr]
        session.get(Renewal, GLOBEX).owner_email = who  # type: ignore[union-attr]


def ask(engine: Engine, pct: float, by: str = CARL, **kw: Any) -> Concession:
    args = TIED | kw
    with session_scope(engine) as session:
        return service.request(
            session,
            GLOBEX,
            discount_pct=pct,
            kinds=args.pop("kinds", []),
            requested_by=by,
            policy=args.pop("policy", POLICY),
            as_of=TODAY,
            **args,
        )


def events(engine: Engine, action: str | None = None) -> list[AuditEvent]:
    with session_scope(engine) as session:
        query = select(AuditEvent).where(AuditEvent.entity == "concession").order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(session.scalars(query))


def chain(engine: Engine, concession_id: int) -> list[tuple[str, str]]:
    with session_scope(engine) as session:
        return [(s.action, s.actor_email) for s in service.steps(session, concession_id)]


# --- request and routing ---------------------------------------------------------------


def test_a_discount_within_the_requesters_authority_is_approved_at_once(db: Engine) -> None:
    c = ask(db, 5, kinds=["payment_terms"])
    assert c.status == "approved" and c.decided_by == CARL and c.required_role == "csm"
    assert c.next_approver_email is None
    assert chain(db, c.concession_id) == [("requested", CARL), ("approved", CARL)]
    assert [e.action for e in events(db)] == ["concession.request", "concession.approve"]


def test_it_routes_up_the_chain_to_the_first_person_who_may_approve(db: Engine) -> None:
    c = ask(db, 12)
    assert c.status == "pending" and c.next_approver_email == MIA
    assert c.required_role == "manager" and c.risk_severity == "medium"
    assert chain(db, c.concession_id) == [("requested", CARL)]

    with session_scope(db) as session:
        done = service.approve(
            session, c.concession_id, by=MIA, note="Two years pays", policy=POLICY
        )
        assert done.status == "approved" and done.decided_by == MIA and done.version == 2
        assert done.next_approver_email is None  # no longer in anyone's queue
    assert chain(db, c.concession_id) == [("requested", CARL), ("approved", MIA)]


def test_a_manager_with_less_authority_is_passed_over_for_a_director(db: Engine) -> None:
    own(db, SAM)
    c = ask(db, 20, by=SAM)
    assert c.next_approver_email == DORA and c.required_role == "director"
    [request_event] = events(db, "concession.request")
    assert request_event.detail["passed_over"] == [
        f"{WALT} (manager: up to 15% and payment_terms, enhanced_service)"
    ]
    with session_scope(db) as session:
        [step] = service.steps(session, c.concession_id)
        assert "passed over" in step.note and WALT in step.note


def test_an_emergency_discount_goes_to_the_vp_who_may_approve_it(db: Engine) -> None:
    c = ask(db, 30, kinds=["custom_deal"])
    # carl -> mia (15%) -> dora (25%) -> vera: CONC-2's "executive approval" is CONC-3's
    # "VP/executive" row, so the VP in the chain approves it; a director may not.
    assert c.required_role == "vp" and c.next_approver_email == VERA
    with session_scope(db) as session, pytest.raises(Forbidden, match="needs vp"):
        service.approve(session, c.concession_id, by=DORA, policy=POLICY)
    with session_scope(db) as session:
        assert (
            service.approve(session, c.concession_id, by=VERA, policy=POLICY).status == "approved"
        )


def test_without_a_manager_the_most_junior_sufficient_person_is_chosen(db: Engine) -> None:
    own(db, NINA)
    c = ask(db, 12, by=NINA)
    assert c.next_approver_email == MIA  # managers mia and walt may: the first by email


def test_an_inactive_approver_is_skipped(db: Engine) -> None:
    with session_scope(db) as session:
        session.get(User, DORA).active = False  # type: ignore[union-attr]
    c = ask(db, 20)
    assert c.next_approver_email == VERA


def test_an_approver_without_authority_cannot_approve(db: Engine) -> None:
    c = ask(db, 20)
    assert c.next_approver_email == DORA
    for who in (MIA, CARL):
        with session_scope(db) as session, pytest.raises(Forbidden, match="may not approve 20%"):
            service.approve(session, c.concession_id, by=who, policy=POLICY)
    # Access before state (TECH-5): another team's manager learns nothing of it.
    with session_scope(db) as session, pytest.raises(Forbidden, match="may not see concession"):
        service.approve(session, c.concession_id, by=WALT, policy=POLICY)
    with session_scope(db) as session, pytest.raises(Forbidden, match="not an active user"):
        service.approve(session, c.concession_id, by=OLAF, policy=POLICY)
    with session_scope(db) as session:
        assert service.get(session, c.concession_id).status == "pending"
    assert events(db, "concession.approve") == []
    # Anyone whose authority covers it may decide, not only the next approver.
    with session_scope(db) as session:
        assert service.approve(session, c.concession_id, by=VERA, policy=POLICY).decided_by == VERA


def test_a_next_approver_who_lost_the_authority_can_only_forward(db: Engine) -> None:
    c = ask(db, 12)
    assert c.next_approver_email == MIA
    stricter = POLICY.model_copy(
        update={
            "concessions": POLICY.concessions.model_copy(
                update={
                    "approval": [
                        a.model_copy(update={"max_discount_pct": 10}) if a.role == "manager" else a
                        for a in POLICY.concessions.approval
                    ]
                }
            )
        }
    )
    with session_scope(db) as session, pytest.raises(Forbidden, match="forward it"):
        service.approve(session, c.concession_id, by=MIA, policy=stricter)
    with session_scope(db) as session, pytest.raises(Forbidden, match="could not approve"):
        service.forward(session, c.concession_id, by=MIA, to=WALT, policy=stricter)
    with session_scope(db) as session:
        fwd = service.forward(
            session, c.concession_id, by=MIA, note="Over my limit", policy=stricter
        )
        assert fwd.next_approver_email == DORA and fwd.status == "pending"
    with session_scope(db) as session:
        service.approve(session, c.concession_id, by=DORA, policy=stricter)
    assert chain(db, c.concession_id) == [
        ("requested", CARL),
        ("forwarded", MIA),
        ("approved", DORA),
    ]
    assert [e.action for e in events(db)] == [
        "concession.request",
        "concession.forward",
        "concession.approve",
    ]


def test_a_decided_concession_cannot_be_decided_again(db: Engine) -> None:
    c = ask(db, 12)
    with session_scope(db) as session, pytest.raises(Exception, match="say why"):
        service.decline(session, c.concession_id, by=MIA, note=" ", policy=POLICY)
    with session_scope(db) as session:
        service.decline(
            session, c.concession_id, by=MIA, note="Root cause is not price", policy=POLICY
        )
    with session_scope(db) as session, pytest.raises(service.AlreadyDecided) as caught:
        service.approve(session, c.concession_id, by=DORA, policy=POLICY)
    assert f"already decided by {MIA} (declined" in caught.value.message
    assert caught.value.status_code == 409


def test_a_stale_read_loses_to_the_decision_made_meanwhile(db: Engine) -> None:
    c = ask(db, 20)
    maker = make_sessionmaker(db)
    first, second = maker(), maker()
    try:
        # Keep the rows read: the identity map holds them weakly, and a re-read would be fresh.
        read = [service.get(s, c.concession_id) for s in (first, second)]
        assert [r.version for r in read] == [1, 1]
        service.approve(first, c.concession_id, by=DORA, policy=POLICY)
        first.commit()
        with pytest.raises(service.AlreadyDecided, match=f"already decided by {DORA}"):
            service.approve(second, c.concession_id, by=VERA, policy=POLICY)
        second.rollback()
    finally:
        first.close()
        second.close()
    assert len(events(db, "concession.approve")) == 1


def test_a_discount_without_give_back_is_not_submitted(db: Engine) -> None:
    with pytest.raises(service.ConcessionBlocked, match="CONC-4") as caught:
        ask(db, 12, give_back=None)
    assert caught.value.status_code == 422
    with pytest.raises(service.ConcessionBlocked, match="CONC-6.*expected_outcome"):
        ask(db, 0, kinds=["payment_terms"], give_back=None, rationale=Rationale("why"))
    with session_scope(db) as session:
        assert session.scalar(select(func.count(Concession.concession_id))) == 0


def test_unknown_people_and_renewals_are_clear_errors(db: Engine) -> None:
    with pytest.raises(Forbidden, match="not an active user"):
        ask(db, 5, by="ghost@vendor.example")
    with session_scope(db) as session, pytest.raises(NotFound, match="no renewal"):
        service.evaluate_for(
            session, "R-nope", discount_pct=5, kinds=[], requested_by=CARL, policy=POLICY
        )
    with session_scope(db) as session, pytest.raises(NotFound, match="no concession 99"):
        service.approve(session, 99, by=DORA, policy=POLICY)


# --- the trail (CONC-6) ------------------------------------------------------------------


def test_every_step_is_audited_with_the_conc6_documentation(db: Engine) -> None:
    c = ask(db, 20, kinds=["term_change"])
    with session_scope(db) as session:
        service.approve(session, c.concession_id, by=DORA, note="Tied to two years", policy=POLICY)
    request_event, approve_event = events(db)
    assert (request_event.action, request_event.actor) == ("concession.request", CARL)
    assert (approve_event.action, approve_event.actor) == ("concession.approve", DORA)
    for event in (request_event, approve_event):
        d = event.detail
        assert event.entity_id == str(c.concession_id)
        assert d["business_rationale"] == WHY.business_rationale
        assert d["expected_outcome"] == WHY.expected_outcome
        assert d["alternatives_considered"] == WHY.alternatives_considered
        assert d["account_arr"] == 42000.0 and d["segment"] == "mid_market"
        assert d["risk_factors"] == ["budget", "usage_decline"]
        assert d["churn_probability"] == 0.6 and d["save_probability"] == 0.4
        assert d["discount_pct"] == 20 and d["kinds"] == ["discount", "term_change"]
        assert d["give_back"] == "multi_year" and d["required_role"] == "director"
    assert approve_event.detail["note"] == "Tied to two years"
    assert approve_event.detail["authority"].startswith("director: up to 25%")
    assert [s["action"] for s in approve_event.detail["approval_chain"]] == [
        "requested",
        "approved",
    ]


# --- facts for the evaluation ---------------------------------------------------------------


def evaluate(engine: Engine, renewal_id: str = GLOBEX, pct: float = 12, **kw: Any) -> Any:
    with session_scope(engine) as session:
        return service.evaluate_for(
            session,
            renewal_id,
            discount_pct=pct,
            kinds=kw.pop("kinds", []),
            requested_by=kw.pop("by", CARL),
            policy=POLICY,
            as_of=kw.pop("as_of", TODAY),
            **(TIED | kw),
        )


def test_the_evaluation_reads_the_triage_and_the_signals(db: Engine) -> None:
    e = evaluate(db)
    assert e.band.severity == "medium" and e.required_approver_role == "manager"
    assert e.warnings == ()  # circumstantial, confirmed, budget signal: right time, about price

    with session_scope(db) as session:
        add_renewal(session, "initech", health="red", risk="save", signals=("competitive",))
        session.flush()
        add_triage(
            session,
            "R-initech-c",
            "initech",
            probability_band="low",
            root_cause="product_fit",
            inputs={"alternative": "chosen"},
        )
        add_renewal(session, "hooli", health="green", risk="none", signals=())
    e = evaluate(db, "R-initech-c", 28)
    assert e.band.severity == "high" and e.band.within
    assert {(w.rule, w.text.split(":")[0]) for w in e.warnings} == {
        ("CONC-4", "the root cause is product_fit (SAVE-4), not price"),
        ("CONC-5", "too late"),
    }
    e = evaluate(db, "R-hooli-c", 5)
    assert e.band.severity == "low" and e.allowed_for_requester
    [w] = e.warnings
    assert w.rule == "CONC-5" and "no save triage" in w.text


def test_a_segment_discounting_too_often_is_a_precedent_warning(db: Engine) -> None:
    with session_scope(db) as session:
        add_renewal(session, "acme")
    c = ask(db, 5)  # approved at once: 1 of 2 mid-market renewals discounted
    assert c.decided_at is not None
    e = evaluate(db, as_of=c.decided_at.date())  # decisions after as_of do not count
    [w] = e.warnings
    assert w.rule == "CONC-7" and "50% of mid_market" in w.text


# --- precedent report (CONC-7) ---------------------------------------------------------------


def add_decided(
    session: Any,
    renewal_id: str,
    account_id: str,
    pct: float,
    by: str,
    *,
    on: date = TODAY - timedelta(days=30),
    status: str = "approved",
    give_back: str | None = "multi_year",
    sunset: str | None = "year 1 only",
) -> None:
    at = datetime.combine(on, datetime.min.time(), tzinfo=UTC)
    session.add(
        Concession(
            renewal_id=renewal_id,
            account_id=account_id,
            kinds=["discount"],
            discount_pct=pct,
            requested_by=by,
            requested_at=at,
            give_back=give_back,
            sunset_clause=sunset,
            rationale={},
            risk_severity="medium",
            required_role="manager",
            evaluation={},
            status=status,
            decided_by=MIA if status == "approved" else None,
            decided_at=at if status == "approved" else None,
            version=2,
        )
    )


def test_the_precedent_report_shows_shares_averages_and_patterns(engine: Engine) -> None:
    with session_scope(engine) as session:
        for n in range(1, 5):
            add_renewal(session, f"a{n}", segment="smb", owner=CARL, arr="8000")
            add_renewal(session, f"b{n}", segment="mid_market", owner=SAM)
        add_renewal(session, "old", segment="smb", renewal_date=TODAY - timedelta(days=500))
        session.flush()
        add_decided(session, "R-a1-c", "a1", 10, CARL)
        add_decided(session, "R-a2-c", "a2", 20, CARL, sunset=None)
        add_decided(session, "R-a4-c", "a4", 6, CARL, give_back=None)
        add_decided(session, "R-a3-c", "a3", 30, CARL, on=TODAY - timedelta(days=400))  # too old
        add_decided(session, "R-b1-c", "b1", 12, SAM, status="pending")  # not decided
        add_decided(session, "R-old-c", "old", 15, SAM, status="declined")

    with session_scope(engine) as session:
        report = service.precedent_report(session, as_of=TODAY, policy=POLICY)
    r = report.as_record()
    assert (r["renewals"], r["discounted"], r["discounts"]) == (8, 3, 3)
    assert r["share"] == 0.375 and r["avg_discount_pct"] == 12.0
    segments = {g["key"]: g for g in r["by_segment"]}
    assert segments["smb"] == {
        "key": "smb",
        "renewals": 4,
        "discounted": 3,
        "share": 0.75,
        "discounts": 3,
        "avg_discount_pct": 12.0,
    }
    assert segments["mid_market"]["discounted"] == 0 and segments["mid_market"]["renewals"] == 4
    owners = {g["key"]: g for g in r["by_owner"]}
    assert owners[CARL]["share"] == 0.75 and owners[SAM]["share"] == 0
    assert [row["renewal_id"] for row in r["without_give_back"]] == ["R-a4-c"]
    assert [row["renewal_id"] for row in r["without_sunset"]] == ["R-a2-c"]
    flags = [f["text"] for f in r["flags"]]
    assert any(t.startswith("segment smb: 75%") for t in flags)
    assert any(t.startswith(f"owner {CARL}: 75%") and "38% for the team" in t for t in flags)
    assert not any("mid_market" in t or SAM in t for t in flags)
    assert "1 approved discount(s) without a give-back" in flags
    assert "1 approved discount(s) without a sunset clause" in flags


# --- the CLI --------------------------------------------------------------------------------

runner = CliRunner()


def cli(engine: Engine, *args: str) -> Any:
    env = {"RENEWALS_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    return runner.invoke(concession_app, list(args), env=env)


def test_the_cli_evaluates_requests_approves_and_shows(db: Engine) -> None:
    out = cli(
        db,
        "evaluate",
        "--renewal-id", GLOBEX,
        "--discount", "20",
        "--requested-by", CARL,
        "--kind", "term_change",
        "--json",
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    found = json.loads(out.output)
    assert found["allowed_for_requester"] is False
    assert found["required_approver_role"] == "director"
    assert found["band"] == {"severity": "medium", "min": 15.0, "max": 20.0, "within": True}
    assert found["guide"] == "significant"
    assert {w["rule"] for w in found["warnings"]} == {"CONC-4", "CONC-6", "CONC-7"}

    refused = cli(
        db, "request", "--renewal-id", GLOBEX, "--discount", "20", "--requested-by", CARL,
        "--rationale", "r", "--expected-outcome", "o", "--alternatives", "a",
    )  # fmt: skip
    assert refused.exit_code == 1 and "give-back" in refused.output

    made = cli(
        db, "request", "--renewal-id", GLOBEX, "--discount", "20", "--requested-by", CARL,
        "--give-back", "case_study", "--sunset", "year 1 only",
        "--rationale", "r", "--expected-outcome", "o", "--alternatives", "a", "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    row = json.loads(made.output)
    assert row["status"] == "pending" and row["next_approver"] == DORA

    listed = cli(db, "list", "--approver", DORA, "--json")
    assert [json.loads(line)["id"] for line in listed.output.splitlines()] == [row["id"]]

    denied = cli(db, "approve", str(row["id"]), "--by", MIA)
    assert denied.exit_code == 1 and "may not approve" in denied.output
    ok = cli(db, "approve", str(row["id"]), "--by", DORA, "--note", "Case study agreed")
    assert ok.exit_code == 0 and f"approved by {DORA}" in ok.output
    again = cli(db, "decline", str(row["id"]), "--by", VERA, "--note", "no")
    assert again.exit_code == 1 and "already decided by" in again.output

    shown = cli(db, "show", str(row["id"]), "--json")
    steps = json.loads(shown.output)["steps"]
    assert [(s["action"], s["actor"]) for s in steps] == [("requested", CARL), ("approved", DORA)]
    report = cli(db, "report", "--json")  # as of today: the approval was made just now
    assert json.loads(report.output)["discounted"] == 1


# --- properties ------------------------------------------------------------------------------

ROLE_EMAIL = {role.value: f"{role.value}@vendor.example" for role in Role}


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """One SQLite book for the property test; each example rolls back."""
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'prop.db'}")
    migrate.upgrade(eng)
    with session_scope(eng) as session:
        for role, email in ROLE_EMAIL.items():
            add_user(session, email, role, None)
        add_renewal(session, "globex")
    yield eng
    eng.dispose()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pct=st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda x: round(x, 2)),
    kinds=st.sets(st.sampled_from([k.value for k in ConcessionKind if k != "discount"])),
    role=st.sampled_from(list(ROLE_EMAIL)),
)
def test_approve_never_succeeds_beyond_the_approvers_authority(
    book: Engine, pct: float, kinds: set[str], role: str
) -> None:
    """Even as the named next approver, nobody approves what their matrix row does not cover."""
    limit = POLICY.concessions.limit_for(Role(role))
    terms = {t.kind: t for t in POLICY.concessions.terms}  # CONC-8: unsized, each escalates
    grants = {
        (t.grant if t.kind == t.grant else t.escalate_grant)
        if (t := terms.get(k))
        else {"term_change": "contract_terms"}.get(k, k)
        for k in kinds
    }
    row_covers = limit is not None and pct <= limit.max_discount_pct and grants <= set(limit.grants)
    session = make_sessionmaker(book)()
    try:
        c = Concession(
            renewal_id=GLOBEX,
            account_id="globex",
            kinds=sorted({*kinds, "discount"} if pct else kinds),
            discount_pct=pct,
            requested_by=ROLE_EMAIL["csm"],
            requested_at=datetime(2026, 11, 24, tzinfo=UTC),
            rationale={},
            risk_severity="medium",
            required_role="executive",
            evaluation={},
            status="pending",
            next_approver_email=ROLE_EMAIL[role],
            version=1,
        )
        session.add(c)
        session.flush()
        try:
            service.approve(session, c.concession_id, by=ROLE_EMAIL[role], policy=POLICY)
            approved = True
        except Forbidden:
            approved = False
        assert approved == ApprovalMatrix.of(POLICY.concessions).covers(role, pct, c.kinds)
        if not row_covers:
            assert not approved
            assert c.status == "pending"
    finally:
        session.rollback()
        session.close()


# --- two approvers at the same moment (PostgreSQL) -------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_two_approvers_at_once_only_one_decides(db: Engine) -> None:
    c = ask(db, 20)
    assert c.status == "pending"
    barrier = threading.Barrier(2, timeout=10)
    maker = make_sessionmaker(db)
    won: list[str] = []
    lost: list[str] = []
    errors: list[BaseException] = []

    def decide(who: str) -> None:
        session = maker()
        try:
            # Both read the same pending version before either writes (and keep it: the
            # loser must then lose in the conditional UPDATE, not by reading afresh).
            read = service.get(session, c.concession_id)
            assert (read.status, read.version) == ("pending", 1)
            barrier.wait()
            service.approve(session, c.concession_id, by=who, note=f"{who} says yes", policy=POLICY)
            session.commit()
            won.append(who)
        except service.AlreadyDecided as exc:
            session.rollback()
            lost.append(exc.message)
        except BaseException as exc:  # surfaced below: a thread must not swallow it
            session.rollback()
            errors.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=decide, args=(who,)) for who in (DORA, VERA)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert len(won) == 1 and len(lost) == 1
    [winner] = won
    assert f"already decided by {winner} (approved" in lost[0]

    with session_scope(db) as session:
        final = service.get(session, c.concession_id)
        assert (final.status, final.decided_by, final.version) == ("approved", winner, 2)
        approvals = session.scalars(
            select(ConcessionStep).where(
                ConcessionStep.concession_id == c.concession_id,
                ConcessionStep.action == "approved",
            )
        ).all()
        assert [s.actor_email for s in approvals] == [winner]
    assert [e.actor for e in events(db, "concession.approve")] == [winner]


# --- CONC-8: a concession beyond price through the same matrix, audit and terms ----------


def test_net_90_payment_terms_route_to_a_director_and_reach_the_terms(db: Engine) -> None:
    from renewals.contract_doc import domain as contract_domain
    from renewals.contract_doc.service import _approved_discounts
    from renewals.proposal.service import agreed_concession

    net60 = ask(db, 0, sizes={"payment_terms": 60}, give_back=None, sunset_clause=None)
    assert net60.status == "approved" and net60.decided_by == CARL  # CONC-3: a CSM's own

    c = ask(db, 0, sizes={"payment_terms": 90}, give_back=None, sunset_clause=None)
    assert c.kinds == ["payment_terms"] and c.sizes == {"payment_terms": 90.0}
    # mia (manager) is passed over: beyond net 60 is a contract term (CONC-8 escalation)
    assert c.status == "pending" and c.required_role == "director"
    assert c.next_approver_email == DORA
    assert c.evaluation["clauses"] == ["Payment terms: net 90 days"]
    assert [w["rule"] for w in c.evaluation["cautions"]] == ["CONC-10", "CONC-10"]
    assert "the current and the new payment terms" in " ".join(c.rationale["documentation_needed"])
    with session_scope(db) as session, pytest.raises(Forbidden):
        service.approve(session, c.concession_id, by=MIA, note="", policy=POLICY)
    with session_scope(db) as session:
        service.approve(session, c.concession_id, by=DORA, note="fits their budget", policy=POLICY)
    [approved] = [
        e for e in events(db, "concession.approve") if e.entity_id == str(c.concession_id)
    ]
    assert approved.actor == DORA
    assert approved.detail["sizes"] == {"payment_terms": 90.0}
    assert approved.detail["clauses"] == ["Payment terms: net 90 days"]

    with session_scope(db) as session:
        agreed = agreed_concession(session, GLOBEX)
        assert agreed is not None and agreed.concession_id == c.concession_id
        assert agreed.clauses == ("Payment terms: net 90 days",)
        approved_list = _approved_discounts(session, GLOBEX)
    routing = contract_domain.route(
        contract_domain.Terms(
            12, Decimal("42000"), Decimal("42000"), clauses=("Payment terms: net 90 days",)
        ),
        contracts=POLICY.contracts,
        concessions=POLICY.concessions,
        approved=approved_list,
    )
    assert "clause" not in routing.nonstandard  # approved with its concession (CONC-8)
    assert any(
        r.startswith("CONC-8: 'Payment terms: net 90 days' was approved") for r in routing.reasons
    )


def test_the_cli_requests_a_concession_beyond_price(db: Engine) -> None:
    out = cli(
        db, "request", "--renewal-id", GLOBEX, "--requested-by", CARL, "--term", "easy_exit=30",
        "--rationale", "r", "--expected-outcome", "o", "--alternatives", "a", "--json",
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    row = json.loads(out.output)
    assert row["status"] == "pending" and row["next_approver"] == DORA
    assert row["sizes"] == {"easy_exit": 30.0}
    assert row["clauses"][0].startswith("Exit clause: the customer may leave on 30 days")
    unsized = cli(
        db, "request", "--renewal-id", GLOBEX, "--requested-by", CARL, "--kind", "customisation",
        "--rationale", "r", "--expected-outcome", "o", "--alternatives", "a",
    )  # fmt: skip
    assert unsized.exit_code == 1 and "customisation needs its size" in unsized.output


def test_the_evaluation_judges_a_discount_from_the_accounts_signals(db: Engine) -> None:
    with session_scope(db) as session:
        e = service.evaluate_for(
            session, GLOBEX, discount_pct=12, kinds=[], requested_by=CARL, policy=POLICY,
            as_of=TODAY, give_back="multi_year", sunset_clause="year 1", rationale=WHY,
        )  # fmt: skip
    assert e.fit is not None and e.fit.verdict == "right"
    assert e.fit.for_[:2] == (
        "a real value gap (usage_decline signal)",
        "budget is a real constraint (budget signal, SIG-5)",
    )
    # 12% of 42,000 = 5,040 a year against 60% churn (triage success 40%) of 42,000
    assert e.cautions[1].text.endswith(
        "costs 5,040 a year, within the 25,200 expected to be lost without it"
    )
