"""Contract rules without a database (TECH-4, CONC-3): routing, approvers, transitions,
proposal options, signing tokens and webhook signatures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from renewals.contract.domain import Outcome
from renewals.contract_doc import domain, tokens
from renewals.contract_doc.domain import Action, InvalidContract, InvalidTransition, Status
from renewals.kit import calendar as kit_calendar
from renewals.policy import service as policy_service

POLICY = policy_service.load()
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SECRET = "unit-test-secret"


def _route(term: int, value: str, clauses: tuple[str, ...]) -> domain.Routing:
    return domain.route(
        domain.Terms(term, Decimal(value), Decimal("10000"), clauses),
        contracts=POLICY.contracts,
        concessions=POLICY.concessions,
    )


class TestRouting:
    @pytest.mark.parametrize(
        ("term", "value", "clauses", "role", "nonstandard"),
        [
            (12, "10000", (), "manager", ()),  # standard: TECH-4 standard approver
            (24, "10500", ("annual_true_up", "price_lock"), "manager", ()),  # MY-4 clauses
            (18, "10000", (), "director", ("term",)),  # TECH-4: 18 months is not standard
            (12, "10000", ("Free onboarding",), "director", ("clause",)),  # custom clause
            (12, "9500", (), "manager", ("discount",)),  # 5%: within the manager's 15%
            (12, "8500", (), "manager", ("discount",)),  # 15%: inclusive bound (CONC-3)
            (12, "8499", (), "director", ("discount",)),  # 15.01%: director up to 25%
            (12, "7500", (), "director", ("discount",)),
            (12, "7000", (), "vp", ("discount",)),  # 30%: CONC-2 emergency, VP/executive
        ],
    )
    def test_it_routes_to_the_most_senior_role_needed(
        self, term: int, value: str, clauses: tuple[str, ...], role: str, nonstandard: tuple
    ) -> None:
        routing = _route(term, value, clauses)
        assert routing.required_role == role
        assert routing.nonstandard == nonstandard
        assert routing.reasons[-1] == f"TECH-4: approval by a {role} or more senior"
        assert "TECH-4" in routing.rules and "CONC-3" in routing.rules

    def test_an_approved_concession_covers_the_discount(self) -> None:
        routing = domain.route(
            domain.Terms(12, Decimal("8000"), Decimal("10000")),
            contracts=POLICY.contracts,
            concessions=POLICY.concessions,
            approved=[domain.ApprovedDiscount(7, 20.0, "dora@example.com")],
        )
        assert routing.required_role == "manager"
        assert routing.discount_pct == 20.0
        assert any("concession #7" in r and "dora@example.com" in r for r in routing.reasons)

    def test_a_contract_is_checked_against_what_the_concession_approved(self) -> None:
        """CONC-4, CONC-7: the give-back's term and the sunset clause come with the price."""
        sunset = "discount for year 1, standard pricing year 2"
        approved = [domain.ApprovedDiscount(7, 20.0, "dora@x", "multi_year", sunset)]
        ok = domain.route(
            domain.Terms(24, Decimal("8000"), Decimal("10000"), ("annual_true_up", sunset)),
            contracts=POLICY.contracts,
            concessions=POLICY.concessions,
            approved=approved,
        )
        assert ok.required_role == "manager" and ok.nonstandard == ()
        assert any("CONC-7" in r for r in ok.reasons) and any("CONC-4" in r for r in ok.reasons)
        with pytest.raises(InvalidContract, match="at least 24 months, not 12"):
            domain.route(
                domain.Terms(12, Decimal("8000"), Decimal("10000"), (sunset,)),
                contracts=POLICY.contracts,
                concessions=POLICY.concessions,
                approved=approved,
            )
        with pytest.raises(InvalidContract, match="sunset clause"):
            domain.route(
                domain.Terms(24, Decimal("8000"), Decimal("10000"), ("annual_true_up",)),
                contracts=POLICY.contracts,
                concessions=POLICY.concessions,
                approved=approved,
            )
        # More discount than approved is not covered: it needs its own approver (CONC-3).
        more = domain.route(
            domain.Terms(24, Decimal("7400"), Decimal("10000"), (sunset,)),
            contracts=POLICY.contracts,
            concessions=POLICY.concessions,
            approved=approved,
        )
        assert more.required_role == "vp" and "discount" in more.nonstandard

    def test_a_smaller_concession_does_not_cover_a_larger_discount(self) -> None:
        routing = domain.route(
            domain.Terms(12, Decimal("8000"), Decimal("10000")),
            contracts=POLICY.contracts,
            concessions=POLICY.concessions,
            approved=[domain.ApprovedDiscount(7, 10.0, "mia@example.com")],
        )
        assert routing.required_role == "director"

    def test_a_stated_multi_year_discount_counts_even_above_the_current_price(self) -> None:
        routing = domain.route(
            domain.Terms(24, Decimal("11000"), Decimal("10000"), (), stated_discount_pct=18.0),
            contracts=POLICY.contracts,
            concessions=POLICY.concessions,
        )
        assert routing.required_role == "director"
        assert any("MY-2 incentive" in r for r in routing.reasons)

    def test_a_policy_role_outside_the_matrix_is_a_clear_error(self) -> None:
        contracts = POLICY.contracts.model_copy(update={"nonstandard_approver_role": "boss"})
        with pytest.raises(InvalidContract, match="boss"):
            domain.route(
                domain.Terms(12, Decimal(1), Decimal(1)),
                contracts=contracts,
                concessions=POLICY.concessions,
            )


class TestApprover:
    def _check(self, role: str, email: str = "a@x", active: bool = True, required: str = "manager"):  # type: ignore[no-untyped-def]
        return domain.approver_check(
            approver_email=email,
            approver_role=role,
            approver_active=active,
            drafter_email="carl@x",
            required_role=required,
            concessions=POLICY.concessions,
        )

    def test_a_more_senior_role_covers(self) -> None:
        assert self._check("director").allowed
        assert self._check("manager").allowed

    def test_a_junior_role_does_not(self) -> None:
        check = self._check("manager", required="director")
        assert not check.allowed and "director" in check.reason

    def test_the_drafter_may_not_approve_their_own_contract(self) -> None:
        check = self._check("vp", email="Carl@x")
        assert not check.allowed and "drafted" in check.reason

    def test_inactive_or_unlisted_roles_may_not(self) -> None:
        assert not self._check("vp", active=False).allowed
        assert not self._check("admin").allowed  # not in the approval matrix


class TestTransitions:
    def test_the_happy_path(self) -> None:
        status = Status.draft
        for action in (Action.submit, Action.approve, Action.send, Action.sign):
            status = domain.transition(status, action).to_status
        assert status == Status.signed

    @pytest.mark.parametrize(
        ("status", "action"),
        [
            (Status.draft, Action.approve),
            (Status.draft, Action.send),
            (Status.pending_approval, Action.send),
            (Status.approved, Action.sign),
            (Status.signed, Action.decline),
            (Status.signed, Action.send),
            (Status.declined, Action.send),
            (Status.expired, Action.sign),
        ],
    )
    def test_it_refuses_what_the_state_does_not_allow(self, status: Status, action: Action) -> None:
        with pytest.raises(InvalidTransition) as exc:
            domain.transition(status, action)
        assert exc.value.status_code == 409 and "TECH-4" in exc.value.message

    def test_an_expired_contract_may_be_sent_again(self) -> None:
        assert domain.transition(Status.expired, Action.send).to_status == Status.sent


class TestProposalOptions:
    OPTIONS = {
        "chosen": "best",
        "options": {
            "good": {"offered": True, "annual_price": "6000.00", "term_months": 12},
            "best": {
                "offered": True,
                "annual_price": "6600.00",
                "term_months": 24,
                "discount_pct": 10.0,
                "years": ["6600.00", "6600.00"],
                "clauses": ["annual_true_up", "off_ramp"],
            },
            "better": {"offered": False, "reasons": ["BUN-1: at risk"]},
        },
    }

    def test_it_reads_the_chosen_option(self) -> None:
        found = domain.option_terms("best", self.OPTIONS)
        assert found.annual_value == Decimal("6600.00") and found.term_months == 24
        assert found.clauses == ("annual_true_up", "off_ramp")
        assert found.discount_pct == 10.0 and found.years == (Decimal("6600.00"),) * 2

    def test_a_list_shape_and_years_work_too(self) -> None:
        found = domain.option_terms("good", {"options": [{"name": "good", "price": 5, "years": 3}]})
        assert found.annual_value == Decimal(5) and found.term_months == 36

    def test_an_option_not_offered_is_refused_with_its_reason(self) -> None:
        with pytest.raises(InvalidContract, match="BUN-1: at risk"):
            domain.option_terms("better", self.OPTIONS)

    def test_an_unreadable_option_says_so(self) -> None:
        found = domain.option_terms("best", {"weird": 1})
        assert found.annual_value is None and "no readable" in found.reasons[0]


class TestSigning:
    def test_a_genuine_token_is_read(self) -> None:
        token = tokens.make_link_token(SECRET, 42, "nonce-1")
        claim = tokens.read_link_token(SECRET, token, now=datetime.now(UTC), max_age_days=14)
        assert (claim.document_id, claim.nonce) == (42, "nonce-1")

    def test_a_tampered_token_or_another_key_is_refused(self) -> None:
        token = tokens.make_link_token(SECRET, 42, "nonce-1")
        changed = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        for bad, secret in ((changed, SECRET), (token, "other-secret"), ("", SECRET)):
            with pytest.raises(tokens.LinkTampered) as exc:
                tokens.read_link_token(secret, bad, now=datetime.now(UTC), max_age_days=14)
            assert exc.value.status_code == 400

    def test_an_old_token_is_gone(self) -> None:
        token = tokens.make_link_token(SECRET, 42, "n")
        later = datetime.now(UTC) + timedelta(days=14, seconds=5)
        with pytest.raises(tokens.LinkGone) as exc:
            tokens.read_link_token(SECRET, token, now=later, max_age_days=14)
        assert exc.value.status_code == 410

    def test_the_form_key_is_bound_to_its_token(self) -> None:
        key = tokens.form_key(SECRET, "token-a")
        assert tokens.check_form_key(SECRET, "token-a", key)
        assert not tokens.check_form_key(SECRET, "token-b", key)
        assert not tokens.check_form_key(SECRET, "token-a", None)

    def test_webhook_signatures(self) -> None:
        body = b'{"status": "signed"}'
        header = tokens.webhook_signature("whsec", body)
        assert header.startswith("sha256=") and len(header) == 7 + 64
        assert tokens.check_webhook_signature("whsec", body, header)
        assert not tokens.check_webhook_signature("whsec", body + b" ", header)
        assert not tokens.check_webhook_signature("other", body, header)
        assert not tokens.check_webhook_signature("whsec", body, None)

    @pytest.mark.parametrize(
        ("name", "agreed", "error"),
        [
            ("Ann Smith", False, "I agree"),
            ("  ", True, "full name"),
            ("42", True, "full name"),
            ("Anna\x00 Berg", True, "full name"),  # control characters never reach the audit
        ],
    )
    def test_a_signature_needs_a_typed_name_and_consent(
        self, name: str, agreed: bool, error: str
    ) -> None:
        with pytest.raises(InvalidContract, match=error):
            domain.typed_signature(name, agreed)

    def test_a_typed_name_is_normalised(self) -> None:
        assert domain.typed_signature("  Jürgen   Groß ", True) == "Jürgen Groß"

    def test_expiry(self) -> None:
        sent = NOW
        expires = domain.link_expires_at(sent, POLICY.contracts)
        assert expires == NOW + timedelta(days=POLICY.contracts.signing_link_days)
        assert not domain.link_expired(expires, expires - timedelta(seconds=1))
        assert domain.link_expired(expires, expires)
        # The daily run never expires a link that is still valid now.
        assert domain.expire_cutoff(date(2030, 1, 1), NOW) == NOW
        assert domain.expire_cutoff(date(2026, 11, 1), NOW) == datetime(2026, 11, 2, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("value", "outcome"),
        [("6000", Outcome.renewed), ("6600", Outcome.expanded), ("5400", Outcome.downgraded)],
    )
    def test_the_signed_value_decides_the_outcome(self, value: str, outcome: Outcome) -> None:
        decision = domain.signed_outcome(Decimal(value), Decimal("6000"))
        assert decision.outcome == outcome and "FUND-1" in decision.reasons[0]

    @pytest.mark.parametrize(
        ("status", "action"),
        [
            ("signed", Action.provider_sign),
            ("COMPLETED", Action.provider_sign),
            ("declined", Action.provider_decline),
            ("expired", Action.provider_expire),
        ],
    )
    def test_provider_statuses(self, status: str, action: Action) -> None:
        assert domain.provider_action(status) == action

    def test_an_unknown_provider_status_lists_the_known_ones(self) -> None:
        with pytest.raises(InvalidContract, match="signed, completed"):
            domain.provider_action("voided")


def test_add_months_keeps_month_ends() -> None:
    assert kit_calendar.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert kit_calendar.add_months(date(2027, 2, 1), 18) == date(2028, 8, 1)


def test_a_late_contract_never_starts_in_the_past() -> None:
    """TECH-4, contracts.late_start (product default drafted_on): drafted on or before the
    previous term's end, the new term starts there; drafted after it (a late renewal), it
    starts on the day it is drafted, with the reason; previous_end backdates it."""
    end = date(2026, 11, 30)
    assert domain.term_start(end, date(2026, 11, 2), POLICY.contracts) == (end, None)
    assert domain.term_start(end, end, POLICY.contracts) == (end, None)
    start, reason = domain.term_start(end, date(2026, 12, 6), POLICY.contracts)
    assert start == date(2026, 12, 6)
    assert reason and "TECH-4" in reason and "2026-11-30" in reason
    backdated = POLICY.contracts.model_copy(update={"late_start": "previous_end"})
    assert domain.term_start(end, date(2026, 12, 6), backdated) == (end, None)
