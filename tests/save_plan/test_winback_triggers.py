"""LOST-5: win-back triggers of a churned account, from the data."""

from __future__ import annotations

from datetime import date

from renewals.save_plan.winback_triggers import detect

CHURNED = date(2026, 1, 31)
AS_OF = date(2026, 11, 24)


def test_a_new_decision_maker_after_the_churn_is_a_trigger() -> None:
    found = detect(
        churned_on=CHURNED, as_of=AS_OF,
        stakeholders=[("decision_maker", date(2026, 6, 1), None), ("user", date(2026, 7, 1), None)],
        contacts=[], formal_months=12,
    )  # fmt: skip
    assert found == ["LOST-5: leadership changed: a new decision_maker since 2026-06-01"]


def test_the_one_who_decided_leaving_is_a_trigger_a_user_is_not() -> None:
    assert detect(
        churned_on=CHURNED, as_of=AS_OF, stakeholders=[("economic_buyer", None, date(2026, 3, 1))],
        contacts=[], formal_months=12,
    )  # fmt: skip
    assert not detect(
        churned_on=CHURNED, as_of=AS_OF, stakeholders=[("user", None, date(2026, 3, 1))],
        contacts=[], formal_months=12,
    )  # fmt: skip


def test_contact_after_the_churn_and_time_are_triggers() -> None:
    found = detect(
        churned_on=CHURNED, as_of=date(2027, 2, 1), stakeholders=[],
        contacts=[date(2025, 12, 1), date(2026, 9, 2)], formal_months=12,
    )  # fmt: skip
    assert found[0].startswith("LOST-5: they reached out again: 1 replies")
    assert found[1].startswith("LOST-5, LOST-4: time: 12 months")


def test_nothing_before_the_churn_counts() -> None:
    assert not detect(
        churned_on=CHURNED, as_of=AS_OF, stakeholders=[("executive", date(2025, 6, 1), None)],
        contacts=[date(2026, 1, 2)], formal_months=12,
    )  # fmt: skip
