"""CONC-1..7 on plain values: every row of DOMAIN.md section 8 and its boundaries."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renewals.concession.domain import (
    ConcessionFacts,
    ConcessionKind,
    GiveBack,
    GuideCategory,
    InvalidConcession,
    Rationale,
    RiskSeverity,
    discount_fit,
    evaluate,
    guide_category,
    make_request,
    parse_terms,
    risk_severity,
)
from renewals.concession.matrix import ApprovalMatrix
from renewals.policy import service as policy_service
from renewals.policy.domain import ApprovalLimit, Concessions, Policy
from renewals.user.domain import Role

POLICY = policy_service.load()
CONC = POLICY.concessions


def required_role(pct: float, kinds: Any, conc: Concessions) -> str | None:
    return ApprovalMatrix.of(conc).required_role(pct, kinds)


def role_covers(role: str | None, pct: float, kinds: Any, conc: Concessions) -> bool:
    return ApprovalMatrix.of(conc).covers(role, pct, kinds)


def covers(limit: ApprovalLimit, pct: float, kinds: Any, conc: Concessions) -> bool:
    return ApprovalMatrix.of(conc).covers(limit.role.value, pct, kinds)


DOCUMENTED = Rationale(
    business_rationale="Budget cut after their merger; the product is used daily",
    expected_outcome="Renews for two years, full price from 2028",
    alternatives_considered="6-month term; reduced scope",
)
# Problems understood, timing right, nothing about precedent: warnings come only from the request.
UNDERSTOOD = ConcessionFacts(
    problems_about_price=True,
    root_cause="circumstantial",
    days_to_renewal=60,
    triage_present=True,
    problems_understood=True,
    precedent_share=0.1,
    segment="mid_market",
)
NON_PRICE = [k for k in ConcessionKind if k != ConcessionKind.discount]


def check(
    pct: float,
    kinds: tuple[str, ...] = (),
    *,
    role: str | None = "csm",
    severity: RiskSeverity = RiskSeverity.medium,
    give_back: str | None = "multi_year",
    sunset: str | None = "discount for year 1, standard pricing year 2",
    rationale: Rationale = DOCUMENTED,
    facts: ConcessionFacts = UNDERSTOOD,
    policy: Policy = POLICY,
) -> Any:
    request = make_request(
        discount_pct=pct,
        kinds=kinds,
        give_back=give_back,
        sunset_clause=sunset,
        rationale=rationale,
    )
    return evaluate(request, requester_role=role, severity=severity, policy=policy, facts=facts)


def rules_of(evaluation: Any) -> list[str]:
    return [w.rule for w in evaluation.warnings]


# --- CONC-1 risk severity ----------------------------------------------------------------


class TestRiskSeverity:
    @pytest.mark.parametrize(
        ("health", "risk", "band", "opportunity", "expected"),
        [
            ("red", None, None, None, "high"),
            (None, "save", None, None, "high"),
            (None, None, "low", None, "high"),
            ("red", "at_risk", "medium", "at_risk", "high"),  # high wins over medium facts
            (None, "at_risk", None, None, "medium"),
            (None, None, None, "at_risk", "medium"),
            ("yellow", None, None, None, "medium"),
            (None, None, "medium", None, "medium"),
            ("green", "none", "high", "flat", "low"),
            ("green", "watch", None, None, "low"),
            ("expansion", None, None, "expansion", "low"),
            (None, None, None, None, "low"),
        ],
    )
    def test_it_grades_the_risk(
        self,
        health: str | None,
        risk: str | None,
        band: str | None,
        opportunity: str | None,
        expected: str,
    ) -> None:
        decision = risk_severity(health, risk, band, opportunity_type=opportunity)
        assert decision.value == RiskSeverity(expected)
        assert decision.reasons and all(r.startswith("CONC-1") for r in decision.reasons)

    def test_it_gives_every_matching_fact_of_the_level(self) -> None:
        decision = risk_severity("red", "save", "low")
        assert len(decision.reasons) == 3
        assert any("HEALTH-3" in r for r in decision.reasons)
        assert any("SIG-4" in r for r in decision.reasons)
        assert any("SAVE-2" in r for r in decision.reasons)


# --- CONC-1 bands --------------------------------------------------------------------------


class TestBand:
    @pytest.mark.parametrize(
        ("severity", "pct", "position"),
        [
            ("low", 4.99, "below"),
            ("low", 5, "within"),
            ("low", 10, "within"),
            ("low", 10.01, "above"),
            ("medium", 14.99, "below"),
            ("medium", 15, "within"),
            ("medium", 20, "within"),
            ("medium", 20.01, "above"),
            ("high", 24.99, "below"),
            ("high", 25, "within"),
            ("high", 30, "within"),
            ("high", 30.01, "above"),
        ],
    )
    def test_the_band_bounds_are_inclusive(self, severity: str, pct: float, position: str) -> None:
        e = check(pct, role="executive", severity=RiskSeverity(severity))
        band = getattr(CONC.by_risk, severity)
        assert (e.band.min, e.band.max) == (band.min, band.max)
        assert e.band.position == position
        assert e.band.within is (position == "within")
        assert ("CONC-1" in rules_of(e)) is (position == "above")

    def test_the_above_band_warning_is_advisory_and_names_the_band(self) -> None:
        [w] = [w for w in check(10.01, severity=RiskSeverity.low).warnings if w.rule == "CONC-1"]
        assert not w.blocking and "low-risk band (5-10%)" in w.text

    def test_non_price_concessions_get_no_band_warning(self) -> None:
        e = check(0, ("payment_terms",), severity=RiskSeverity.low, give_back=None)
        assert e.band.position == "below" and "CONC-1" not in rules_of(e)


# --- CONC-2 guide --------------------------------------------------------------------------


class TestGuide:
    @pytest.mark.parametrize(
        ("pct", "category"),
        [
            (0, "none"),
            (5, "minor"),
            (9.99, "minor"),
            (10, "standard"),
            (15, "standard"),
            (15.01, "significant"),  # between the guide's ranges: the stricter one
            (19.99, "significant"),
            (20, "significant"),
            (25, "significant"),
            (25.01, "significant"),
            (29.99, "significant"),  # not yet emergency
            (30, "emergency"),
            (100, "emergency"),
        ],
    )
    def test_it_sorts_the_discount_into_the_guide(self, pct: float, category: str) -> None:
        found, reason = guide_category(pct, CONC)
        assert found == GuideCategory(category)
        assert reason.startswith("CONC-2")

    def test_an_emergency_discount_needs_executive_approval_and_a_vp_is_one(self) -> None:
        # CONC-2 "30%+ needs executive approval"; CONC-3 "VP/executive above that": the
        # VP row says up to 100%, and a VP approving 30% is not told to find an executive.
        e = check(30, role="vp", severity=RiskSeverity.high)
        assert e.guide == GuideCategory.emergency
        assert e.required_approver_role == "vp"
        assert e.allowed_for_requester
        assert any("needs executive approval" in r for r in e.reasons)
        assert not check(30, role="director", severity=RiskSeverity.high).allowed_for_requester

    @pytest.mark.parametrize("pct", [25.5, 26, 27, 28, 29, 29.99])
    def test_no_gap_between_significant_and_emergency(self, pct: float) -> None:
        """26-29% lies between the guide's bands: counted as significant (CONC-2), and the
        first row above the director's 25% approves it (CONC-3): one answer, no gap."""
        matrix = ApprovalMatrix.of(CONC)
        e = check(pct, role="vp", severity=RiskSeverity.high)
        assert e.guide == GuideCategory.significant
        assert e.required_approver_role == "vp" and e.allowed_for_requester
        assert (
            matrix.explain(pct, (), "vp")
            == f"needs a vp: {pct:g}% is above a director's 25% (CONC-3)"
        )
        assert not matrix.covers("director", pct, ())

    def test_the_standard_multi_year_incentive_is_pre_approved_by_policy(self) -> None:
        """MY-2: a proposal's standard 10% two-year incentive needs no manager; a person's
        own 10% request, or more than the incentive, follows CONC-3."""
        offer = make_request(
            discount_pct=10,
            give_back="multi_year",
            sunset_clause="year 1 only",
            rationale=DOCUMENTED,
            multi_year_offer=True,
        )
        e = evaluate(
            offer, requester_role="csm", severity=RiskSeverity.low, policy=POLICY, facts=UNDERSTOOD
        )
        assert e.allowed_for_requester and e.preapproved and "MY-2" in e.preapproved
        assert e.required_approver_role == "manager"  # what the matrix alone would need
        more = make_request(
            discount_pct=12,
            give_back="multi_year",
            sunset_clause="year 1 only",
            rationale=DOCUMENTED,
            multi_year_offer=True,
        )
        e = evaluate(
            more, requester_role="csm", severity=RiskSeverity.low, policy=POLICY, facts=UNDERSTOOD
        )
        assert not e.allowed_for_requester and e.preapproved is None
        assert not check(10, role="csm").allowed_for_requester  # a person's own request
        off = POLICY.model_copy(
            update={
                "proposal": POLICY.proposal.model_copy(
                    update={"multi_year_incentive_preapproved": False}
                )
            }
        )
        e = evaluate(
            offer, requester_role="csm", severity=RiskSeverity.low, policy=off, facts=UNDERSTOOD
        )
        assert not e.allowed_for_requester


# --- CONC-3 approval matrix ----------------------------------------------------------------


class TestApprovalMatrix:
    @pytest.mark.parametrize(
        ("pct", "kinds", "role"),
        [
            (0, ("payment_terms",), "csm"),
            (5, (), "csm"),
            (5.01, (), "manager"),
            (15, (), "manager"),
            (15.01, (), "director"),
            (25, (), "director"),
            (25.01, (), "vp"),
            (29.99, (), "vp"),
            (30, (), "vp"),  # CONC-2 "executive approval": CONC-3 groups VP/executive
            (100, (), "vp"),
            (0, ("enhanced_service",), "manager"),
            (0, ("contract_terms",), "director"),
            (0, ("term_change",), "director"),  # a term change is a contract term
            (0, ("custom_deal",), "vp"),
            (5, ("enhanced_service",), "manager"),  # the grant, not the discount, decides
            (3, ("custom_deal",), "vp"),
            (20, ("payment_terms",), "director"),  # the discount, not the grant, decides
            (30, ("payment_terms",), "vp"),
            (0, ("payment_terms", "contract_terms"), "director"),
        ],
    )
    def test_it_needs_the_most_junior_sufficient_role(
        self, pct: float, kinds: tuple[str, ...], role: str
    ) -> None:
        assert required_role(pct, kinds, CONC) == role
        e = check(pct, kinds, role="specialist", give_back="multi_year" if pct else None)
        assert e.required_approver_role == role
        assert not e.allowed_for_requester  # a specialist is not in the matrix

    @pytest.mark.parametrize(
        ("role", "pct", "kinds", "allowed"),
        [
            ("csm", 5, (), True),
            ("csm", 5.01, (), False),
            ("csm", 0, ("payment_terms",), True),
            ("csm", 0, ("enhanced_service",), False),
            ("manager", 15, ("enhanced_service",), True),
            ("manager", 15.01, (), False),
            ("manager", 0, ("contract_terms",), False),
            ("director", 25, ("contract_terms", "term_change"), True),
            ("director", 25.01, (), False),
            ("director", 0, ("custom_deal",), False),
            ("vp", 29.99, ("custom_deal",), True),
            ("vp", 30, (), True),  # CONC-2/3 agree: the VP row says up to 100%
            ("executive", 30, ("custom_deal",), True),
            ("executive", 100, (), True),
            ("sales", 0, ("payment_terms",), False),
            ("admin", 1, (), False),
            (None, 1, (), False),
        ],
    )
    def test_the_requester_may_only_promise_what_they_may_approve(
        self, role: str | None, pct: float, kinds: tuple[str, ...], allowed: bool
    ) -> None:
        e = check(pct, kinds, role=role, give_back="multi_year" if pct else None)
        assert e.allowed_for_requester is allowed
        assert any(r.startswith("CONC-3") for r in e.reasons)

    def test_nobody_may_approve_what_no_role_grants(self) -> None:
        no_custom = [
            ApprovalLimit(
                role=a.role,
                max_discount_pct=a.max_discount_pct,
                grants=[g for g in a.grants if g != "custom_deal"],
            )
            for a in CONC.approval
        ]
        policy = POLICY.model_copy(
            update={"concessions": CONC.model_copy(update={"approval": no_custom})}
        )
        e = check(0, ("custom_deal",), role="executive", give_back=None, policy=policy)
        assert e.required_approver_role is None and not e.allowed_for_requester
        [w] = [w for w in e.warnings if w.rule == "CONC-3"]
        assert w.blocking

    def test_without_an_executive_the_most_senior_role_approves_emergencies(self) -> None:
        policy = POLICY.model_copy(
            update={
                "concessions": CONC.model_copy(
                    update={"approval": [a for a in CONC.approval if a.role != Role.executive]}
                )
            }
        )
        assert required_role(30, (), policy.concessions) == "vp"


# --- CONC-4..7 warnings --------------------------------------------------------------------


class TestWarnings:
    def test_a_documented_tied_sunset_discount_at_the_right_time_has_none(self) -> None:
        e = check(12)
        assert e.warnings == () and not e.blocking
        assert any(r.startswith("CONC-5: timing right") for r in e.reasons)

    def test_a_discount_without_give_back_is_blocked(self) -> None:
        e = check(12, give_back=None)
        [w] = e.blocking
        assert w.rule == "CONC-4" and "give-back" in w.text

    def test_a_non_price_concession_needs_no_give_back_or_sunset(self) -> None:
        e = check(0, ("payment_terms", "enhanced_service"), give_back=None, sunset=None)
        assert e.warnings == ()

    @pytest.mark.parametrize("give_back", list(GiveBack))
    def test_every_give_back_counts(self, give_back: GiveBack) -> None:
        assert "CONC-4" not in rules_of(check(12, give_back=give_back.value))

    def test_a_discount_without_sunset_is_a_precedent_warning(self) -> None:
        [w] = check(12, sunset=None).warnings
        assert w.rule == "CONC-7" and "sunset" in w.text and not w.blocking
        assert check(12, sunset="   ").warnings == (w,)  # blank is no sunset

    @pytest.mark.parametrize("cause", ["product_fit", "service_experience"])
    def test_a_discount_does_not_fix_problems_not_about_price(self, cause: str) -> None:
        facts = ConcessionFacts(**{**UNDERSTOOD.__dict__, "root_cause": cause})
        [w] = check(12, facts=facts).warnings
        assert w.rule == "CONC-4" and cause in w.text and not w.blocking

    def test_it_warns_when_the_problems_are_said_not_to_be_about_price(self) -> None:
        facts = ConcessionFacts(
            **{
                **UNDERSTOOD.__dict__,
                "root_cause": "value_perception",
                "problems_about_price": False,
            }
        )
        [w] = check(12, facts=facts).warnings
        assert w.rule == "CONC-4" and "not about price" in w.text

    @pytest.mark.parametrize(("about_price", "cause"), [(True, "value_perception"), (None, None)])
    def test_price_problems_or_unknown_are_no_warning(
        self, about_price: bool | None, cause: str | None
    ) -> None:
        facts = ConcessionFacts(
            **{**UNDERSTOOD.__dict__, "root_cause": cause, "problems_about_price": about_price}
        )
        assert "CONC-4" not in rules_of(check(12, facts=facts))

    def test_it_is_too_early_without_triage(self) -> None:
        [w] = check(12, facts=ConcessionFacts()).warnings
        assert w.rule == "CONC-5" and "too early" in w.text and "no save triage" in w.text

    def test_it_is_too_early_before_the_root_cause_is_confirmed(self) -> None:
        facts = ConcessionFacts(**{**UNDERSTOOD.__dict__, "problems_understood": False})
        [w] = check(12, facts=facts).warnings
        assert w.rule == "CONC-5" and "unconfirmed" in w.text

    def test_it_is_too_late_once_the_customer_committed_to_leave(self) -> None:
        facts = ConcessionFacts(**{**UNDERSTOOD.__dict__, "customer_committed_to_leave": True})
        [w] = check(12, facts=facts).warnings
        assert w.rule == "CONC-5" and "too late" in w.text and not w.blocking

    @pytest.mark.parametrize(("share", "warned"), [(None, False), (0.30, False), (0.31, True)])
    def test_a_segment_discounting_systematically_is_a_precedent_risk(
        self, share: float | None, warned: bool
    ) -> None:
        facts = ConcessionFacts(**{**UNDERSTOOD.__dict__, "precedent_share": share})
        e = check(12, facts=facts)
        assert ("CONC-7" in rules_of(e)) is warned
        if warned:
            assert "31%" in e.warnings[0].text and "mid_market" in e.warnings[0].text

    def test_missing_documentation_blocks_and_names_each_field(self) -> None:
        e = check(12, rationale=Rationale(business_rationale="Budget cut"))
        [w] = e.blocking
        assert w.rule == "CONC-6"
        assert "expected_outcome" in w.text and "alternatives_considered" in w.text
        assert "business_rationale" not in w.text
        [w] = check(0, ("payment_terms",), give_back=None, rationale=Rationale()).blocking
        assert w.rule == "CONC-6"  # every concession is documented, not only discounts

    def test_the_record_is_json_ready(self) -> None:
        record = check(20, ("term_change",), give_back=None, sunset=None).as_record()
        assert record["required_approver_role"] == "director"
        assert record["band"] == {
            "severity": "medium",
            "min": 15.0,
            "max": 20.0,
            "within": True,
            "position": "within",
        }
        assert record["blocking"] is True
        assert {w["rule"] for w in record["warnings"]} == {"CONC-4", "CONC-7"}


class TestMakeRequest:
    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"discount_pct": -1}, "0-100"),
            ({"discount_pct": 100.01}, "0-100"),
            ({"discount_pct": "a lot"}, "number"),
            ({"discount_pct": 0}, "nothing requested"),
            ({"discount_pct": 0, "kinds": ["discount"]}, "above 0%"),
            ({"discount_pct": 5, "kinds": ["free_lunch"]}, "kind must be one of"),
            ({"discount_pct": 5, "give_back": "a smile"}, "give-back must be one of"),
        ],
    )
    def test_it_refuses_bad_requests(self, kwargs: dict[str, Any], message: str) -> None:
        with pytest.raises(InvalidConcession, match=message):
            make_request(**kwargs)

    def test_a_discount_adds_the_discount_kind(self) -> None:
        request = make_request(discount_pct=5, kinds=["payment_terms"])
        assert request.kinds == {ConcessionKind.discount, ConcessionKind.payment_terms}
        assert request.grants_needed == {"payment_terms"}


# --- properties ----------------------------------------------------------------------------

PCT = st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda x: round(x, 2))
KINDS = st.sets(st.sampled_from(NON_PRICE))
ROLES = st.sampled_from([*Role, None])
MATRIX_ROLES = ["csm", "manager", "director", "vp", "executive"]
GRANTS = ["payment_terms", "enhanced_service", "contract_terms", "custom_deal"]


def grant_of(kind: ConcessionKind) -> str:
    """CONC-3 and CONC-8 from the policy: a catalogued kind without a size needs its
    escalation grant, unless it is itself a CONC-3 grant (payment terms)."""
    term = CONC.term(kind.value)
    if term is not None:
        return term.grant if term.kind == term.grant else term.escalate_grant
    return {"term_change": "contract_terms"}.get(kind.value, kind.value)


def limit_covers(role: str | None, pct: float, kinds: set[ConcessionKind]) -> bool:
    """What the policy row alone says (limit_for): the discount and every kind's grant."""
    limit = CONC.limit_for(Role(role)) if role else None
    if limit is None:
        return False
    grants = {grant_of(k) for k in kinds if k != ConcessionKind.discount}
    return pct <= limit.max_discount_pct and grants <= set(limit.grants)


@settings(max_examples=300, deadline=None)
@given(pct=PCT, kinds=KINDS, role=ROLES)
def test_authority_never_exceeds_the_policy_row(
    pct: float, kinds: set[ConcessionKind], role: Role | None
) -> None:
    """Nobody may approve (or promise) what their row of the matrix does not cover."""
    if pct == 0 and not kinds:
        kinds = {ConcessionKind.payment_terms}
    allowed = role_covers(role, pct, kinds, CONC)
    if not limit_covers(role, pct, kinds):
        assert not allowed
    e = check(pct, tuple(kinds), role=role, give_back="multi_year" if pct else None)
    assert e.allowed_for_requester is allowed


@settings(max_examples=300, deadline=None)
@given(pct=PCT, kinds=KINDS)
def test_the_required_role_is_the_most_junior_sufficient_one(
    pct: float, kinds: set[ConcessionKind]
) -> None:
    needed = required_role(pct, kinds, CONC)
    assert needed is not None  # the default matrix covers everything
    roles = [a.role.value for a in CONC.approval]
    assert role_covers(needed, pct, kinds, CONC)
    assert not any(role_covers(r, pct, kinds, CONC) for r in roles[: roles.index(needed)])
    if pct >= CONC.guide.emergency_min_pct:
        assert needed == "vp"


@st.composite
def matrices(draw: st.DrawFn) -> Concessions:
    """Any valid approval matrix: a subsequence of the roles, limits rising."""
    roles = [r for r in MATRIX_ROLES if draw(st.booleans())] or ["executive"]
    limits = sorted(draw(st.lists(PCT, min_size=len(roles), max_size=len(roles))))
    rows = [
        ApprovalLimit(
            role=Role(role), max_discount_pct=limit, grants=draw(st.lists(st.sampled_from(GRANTS)))
        )
        for role, limit in zip(roles, limits, strict=True)
    ]
    return CONC.model_copy(update={"approval": rows})


@settings(max_examples=200, deadline=None)
@given(conc=matrices(), pct=PCT, kinds=KINDS)
def test_any_matrix_routes_to_the_most_junior_sufficient_role(
    conc: Concessions, pct: float, kinds: set[ConcessionKind]
) -> None:
    needed = required_role(pct, kinds, conc)
    sufficient = [a.role.value for a in conc.approval if covers(a, pct, kinds, conc)]
    assert needed == (sufficient[0] if sufficient else None)
    for a in conc.approval:
        if covers(a, pct, kinds, conc):
            assert pct <= a.max_discount_pct


# --- CONC-8 concessions beyond price, CONC-9 is a discount right, CONC-10 cautions ------


def sized(pct: float, sizes: dict[str, float], *, role: str = "csm", **kw: Any) -> Any:
    request = make_request(
        discount_pct=pct,
        sizes=sizes,
        give_back="multi_year" if pct else None,
        sunset_clause="year 1 only" if pct else None,
        rationale=DOCUMENTED,
    )
    facts = kw.pop("facts", UNDERSTOOD)
    return evaluate(
        request, requester_role=role, severity=RiskSeverity.medium, policy=POLICY, facts=facts
    )


class TestBeyondPrice:
    @pytest.mark.parametrize(
        ("sizes", "expected"),
        [
            ({"payment_terms": 60}, "csm"),  # CONC-3: a CSM changes payment terms, up to net 60
            ({"payment_terms": 90}, "director"),  # beyond net 60: a contract change
            ({"priority_support": 6}, "manager"),  # enhanced service
            ({"priority_support": 12}, "director"),
            ({"customisation": 10}, "manager"),
            ({"customisation": 11}, "vp"),  # CONC-3: custom deals
            ({"easy_exit": 30}, "director"),  # SAVE-9: the 30-day out clause, a contract term
            ({"easy_exit": 14}, "vp"),
            ({"reduced_scope": 40}, "director"),
            ({"reduced_scope": 45}, "vp"),
            ({"multi_year_lock": 3}, "director"),
            ({"multi_year_lock": 4}, "vp"),
            ({"contingent_pricing": 25}, "director"),
            ({"contingent_pricing": 30}, "vp"),
        ],
    )
    def test_the_size_decides_who_approves(self, sizes: dict[str, float], expected: str) -> None:
        e = sized(0, sizes)
        assert e.required_approver_role == expected
        [kind] = sizes
        assert any(r.startswith(f"CONC-8: {kind}") for r in e.reasons)
        assert not e.blocking

    def test_each_kind_names_its_documentation_and_becomes_a_clause(self) -> None:
        e = sized(0, {"payment_terms": 90, "easy_exit": 30})
        assert "Payment terms: net 90 days" in e.clauses
        assert any(
            c.startswith("Exit clause: the customer may leave on 30 days") for c in e.clauses
        )
        assert "payment_terms: the current and the new payment terms" in e.documentation
        assert any(d.startswith("easy_exit: the problems to fix") for d in e.documentation)

    def test_an_unsized_new_kind_is_blocked_and_routes_as_escalated(self) -> None:
        e = evaluate(
            make_request(discount_pct=0, kinds=["customisation"], rationale=DOCUMENTED),
            requester_role="manager",
            severity=RiskSeverity.medium,
            policy=POLICY,
            facts=UNDERSTOOD,
        )
        assert [w.rule for w in e.blocking] == ["CONC-8"]
        assert e.required_approver_role == "vp"  # nobody approves an open-ended promise cheaply

    def test_a_negative_size_or_a_bad_term_is_refused(self) -> None:
        with pytest.raises(InvalidConcession):
            make_request(discount_pct=0, sizes={"payment_terms": -5})
        with pytest.raises(InvalidConcession):
            parse_terms(["payment_terms"])
        assert parse_terms(["payment_terms=90", "easy_exit=30"]) == {
            "payment_terms": 90.0,
            "easy_exit": 30.0,
        }


def facts(**kw: Any) -> ConcessionFacts:
    base: dict[str, Any] = {
        "problems_about_price": True,
        "root_cause": "circumstantial",
        "days_to_renewal": 60,
        "triage_present": True,
        "problems_understood": True,
        "precedent_share": 0.1,
        "segment": "mid_market",
        "signals": (),
        "arr": 20_000.0,
        "churn_probability": 0.6,
    }
    return ConcessionFacts(**(base | kw))


class TestDiscountFit:
    def test_each_real_reason_is_named(self) -> None:
        j = discount_fit(
            15, facts(signals=("budget", "competitive", "usage_decline"), strategic=True), POLICY
        )
        assert j.verdict == "right"
        assert len(j.for_) == 4
        assert any("value gap (usage_decline" in r for r in j.for_)
        assert any("budget is a real constraint" in r for r in j.for_)
        assert any("competitive pressure" in r for r in j.for_)
        assert any("strategic account (flagged)" in r for r in j.for_)

    def test_no_reason_is_not_right(self) -> None:
        j = discount_fit(10, facts(), POLICY)
        assert j.verdict == "not_right" and not j.for_

    def test_a_large_account_is_strategic_by_size(self) -> None:
        j = discount_fit(10, facts(arr=50_000.0), POLICY)
        assert j.verdict == "right" and "strategic account by size" in j.for_[0]

    def test_reasons_against_make_it_doubtful(self) -> None:
        j = discount_fit(10, facts(signals=("budget",), root_cause="product_fit"), POLICY)
        assert j.verdict == "doubtful"
        assert j.against == ("the root cause is product_fit, not price (CONC-4)",)

    def test_a_discount_costing_more_than_the_expected_loss_fails_the_economics(self) -> None:
        j = discount_fit(30, facts(signals=("budget",), churn_probability=0.2), POLICY)
        assert j.verdict == "doubtful"
        assert "the economics fail: 30% costs 6,000 a year against 4,000" in j.against[0]
        assert (
            discount_fit(15, facts(signals=("budget",), churn_probability=0.2), POLICY).verdict
            == "right"
        )


class TestCautions:
    def test_both_seed_warnings_come_with_every_proposal(self) -> None:
        e = sized(12, {"customisation": 5}, facts=facts(signals=("budget",)))
        deliver, money = e.cautions
        assert deliver.rule == money.rule == "CONC-10"
        assert deliver.text.startswith("don't promise what you can't deliver: nothing before")
        assert "customisation: the product or engineering owner's confirmation" in deliver.text
        assert money.text == (
            "don't give away money you can't afford to lose: 12% off costs 2,400 a year, "
            "within the 12,000 expected to be lost without it"
        )
        assert e.fit is not None and e.fit.verdict == "right"
        assert "CONC-10" not in rules_of(e)  # cautions, not rule checks

    def test_money_beyond_the_expected_loss_is_said_so(self) -> None:
        e = sized(0, {"reduced_scope": 30}, facts=facts(churn_probability=0.1))
        assert "30% of the price (reduced_scope) costs 6,000 a year, more than the 2,000" in (
            e.cautions[1].text
        )
        assert e.fit is None  # no discount asked: no CONC-9 judgement


def test_every_clause_reads_as_contract_text_for_the_customer() -> None:
    """CONC-8 clauses go into the proposal and the contract the customer signs: no rule IDs,
    no internal jargon (ARR), no raw keys, and the size filled in."""
    import re

    terms = policy_service.load().concessions.terms
    assert terms
    for term in terms:
        text = term.clause.format(value=30)
        assert not re.search(r"\b[A-Z]{2,6}-\d+\b", text), (term.kind, text)
        assert not re.search(r"\bARR\b|_", text), (term.kind, text)
        assert "30" in text, (term.kind, text)


def test_the_routing_note_reads_in_the_readers_language() -> None:
    """CONC-3 routing's note (shown as "Routing: ..." on the concession page and kept in its
    history): who it waits for and who was passed over, each reason in the reader's words,
    also when read back from the stored English with the forwarder's own note after it."""
    from renewals.concession.matrix import Person, route
    from renewals.kit import i18n

    directory = {
        "csm@x.com": Person("csm@x.com", "csm", True, "mia@x.com"),
        "mia@x.com": Person("mia@x.com", "manager", False, "max@x.com"),
        "max@x.com": Person("max@x.com", "manager", True, "dora@x.com"),
        "dora@x.com": Person("dora@x.com", "director", True, None),
    }
    pct = ApprovalMatrix.of(CONC).limit("manager").max_discount_pct + 1  # type: ignore[union-attr]
    note = route(
        ApprovalMatrix.of(CONC), directory["csm@x.com"], directory, discount_pct=pct, kinds=()
    ).note()
    assert note.startswith("routed to dora@x.com (director), up the manager chain; passed over:")
    assert "mia@x.com (inactive)" in note and "max@x.com (manager: up to" in note
    stored = str(i18n.joined([note, "on leave until Monday"]))
    for language, words in (
        ("de", ("an dora@x.com (Direktor) geleitet", "mia@x.com (inaktiv)", "bis 15")),
        ("ms", ("dihalakan kepada dora@x.com (pengarah)", "mia@x.com (tidak aktif)", "dilangkau")),
    ):
        with i18n.using(language):
            for text in (i18n.tr(note), i18n.tr(stored)):
                assert all(w in text for w in words), (language, text)
                assert "routed to" not in text and "passed over" not in text, text
            assert i18n.tr(stored).endswith("; on leave until Monday")
