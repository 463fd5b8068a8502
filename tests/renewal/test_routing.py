"""OWN-1, OWN-2: exactly one owner per renewal; ambiguous rule sets are errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from renewals.account.domain import Segment
from renewals.policy import service as policy_service
from renewals.renewal.routing import (
    AmbiguousOwnership,
    Person,
    RoutingFacts,
    check,
    pick_person,
    route,
)

DEFAULTS = policy_service.load()


def policy_with(rules: list[dict]) -> object:
    data = policy_service.merge(policy_service._defaults(), {"ownership": {"rules": rules}})
    return policy_service.validate(data, "test")


# OWN-2's hybrid example: CSM under 50K, sales over 50K, a specialist for high-volume
# accounts under 10K, executives on strategic accounts whatever their size.
HYBRID = [
    {"role": "csm", "description": "CSM owns under 50K", "max_arr": 50_000},
    {"role": "sales", "description": "sales owns 50K and over", "min_arr": 50_000},
    {
        "role": "specialist",
        "description": "high volume under 10K",
        "max_arr": 10_000,
        "priority": 1,
    },
    {"role": "executive", "description": "strategic accounts", "strategic": True, "priority": 2},
]


def f(
    arr: int,
    segment: Segment = Segment.mid_market,
    category: str | None = "green",
    strategic: bool = False,
) -> RoutingFacts:
    return RoutingFacts(Decimal(arr), segment, category, strategic)


class TestRoute:
    @pytest.mark.parametrize(
        ("facts", "role"),
        [
            (f(49_999), "csm"),
            (f(50_000), "sales"),
            (f(9_999, Segment.smb), "specialist"),
            (f(10_000), "csm"),
            (f(5_000, Segment.smb, strategic=True), "executive"),
            (f(500_000, Segment.enterprise, strategic=True), "executive"),
        ],
    )
    def test_hybrid(self, facts: RoutingFacts, role: str) -> None:
        policy = policy_with(HYBRID)
        decision = route(policy.ownership.rules, facts, model="hybrid")  # type: ignore[attr-defined]
        assert decision.value == role
        assert decision.rules == ("OWN-1", "OWN-2")
        assert decision.reasons[0].startswith("OWN-2: rule")

    def test_default_policy_gives_every_renewal_a_csm(self) -> None:
        assert check(DEFAULTS) == []
        assert route(DEFAULTS.ownership.rules, f(1_000_000), model="csm").value == "csm"


class TestCheck:
    def test_hybrid_is_unambiguous(self) -> None:
        assert check(policy_with(HYBRID)) == []  # type: ignore[arg-type]

    def test_two_owners_is_rejected_with_an_example(self) -> None:
        # "sales takes renewals over 100K or any red account" on top of CSM under 50K:
        # a red 20K renewal has two owners at the same priority.
        policy = policy_with(
            [
                {"role": "csm", "description": "CSM under 100K", "max_arr": 100_000},
                {"role": "sales", "description": "sales over 100K", "min_arr": 100_000},
                {"role": "sales", "description": "sales on red", "health_categories": ["red"]},
            ]
        )
        problems = check(policy)  # type: ignore[arg-type]
        assert len(problems) == 1
        assert problems[0].facts.health_category == "red"
        assert problems[0].facts.arr < 100_000
        assert "2 owners" in problems[0].message

    def test_no_owner_is_rejected_with_an_example(self) -> None:
        policy = policy_with(
            [
                {"role": "csm", "description": "CSM under 50K", "max_arr": 50_000},
                {"role": "sales", "description": "sales over 100K", "min_arr": 100_000},
            ]
        )
        problems = check(policy)  # type: ignore[arg-type]
        assert [p.message.startswith("no ownership rule matches") for p in problems] == [True]
        assert Decimal(50_000) <= problems[0].facts.arr < Decimal(100_000)

    def test_real_renewals_are_named(self) -> None:
        policy = policy_with([{"role": "csm", "description": "only small", "max_arr": 50_000}])
        problems = check(policy, [("R-C9", f(70_000))])  # type: ignore[arg-type]
        assert problems[0].renewal_id == "R-C9"

    def test_route_raises_for_no_owner(self) -> None:
        policy = policy_with([{"role": "csm", "description": "only small", "max_arr": 50_000}])
        with pytest.raises(AmbiguousOwnership, match="no ownership rule matches"):
            route(policy.ownership.rules, f(70_000), model="csm")  # type: ignore[attr-defined]


class TestPickPerson:
    PEOPLE = [Person("b@x", "csm"), Person("a@x", "csm"), Person("s@x", "sales")]

    def test_account_owner_with_the_role_keeps_it(self) -> None:
        email, why = pick_person(
            "csm", account_owner=Person("b@x", "csm"), people=self.PEOPLE, load={"b@x": 9}
        )
        assert email == "b@x" and "owns the account" in why

    def test_least_loaded_then_by_email(self) -> None:
        assert pick_person("csm", account_owner=None, people=self.PEOPLE, load={})[0] == "a@x"
        assert (
            pick_person("csm", account_owner=None, people=self.PEOPLE, load={"a@x": 2, "b@x": 1})[0]
            == "b@x"
        )

    def test_account_owner_of_another_role_is_balanced(self) -> None:
        email, why = pick_person(
            "csm", account_owner=Person("s@x", "sales"), people=self.PEOPLE, load={"a@x": 1}
        )
        assert email == "b@x" and "is a sales" in why

    def test_nobody_with_the_role(self) -> None:
        email, why = pick_person("executive", account_owner=None, people=self.PEOPLE, load={})
        assert email is None and "nobody active" in why
