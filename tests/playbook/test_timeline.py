"""TIME-1..5 on plain values: which steps and messages are due for a renewal on a day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from renewals.account.domain import Segment
from renewals.playbook.timeline import RenewalView, planned_messages, planned_tasks
from renewals.policy import service as policy_service

POLICY = policy_service.load()
AS_OF = date(2026, 11, 24)


def view(days: int, segment: Segment = Segment.enterprise, **changes: object) -> RenewalView:
    values: dict[str, object] = {
        "renewal_id": "R-C1",
        "segment": segment,
        "arr": Decimal(150_000),
        "renewal_date": AS_OF + timedelta(days=days),
        "stage": "assessment",
        "health_category": "green",
        "opportunity_type": "flat",
        "motion": "efficient",
    }
    values.update(changes)
    return RenewalView(**values)  # type: ignore[arg-type]


def steps(days: int, segment: Segment = Segment.enterprise, **changes: object) -> dict[str, object]:
    return {
        t.step: t for t in planned_tasks(view(days, segment, **changes), as_of=AS_OF, policy=POLICY)
    }


class TestTasks:
    def test_enterprise_starts_at_t_minus_120(self) -> None:
        lookahead = POLICY.timelines.lookahead_days
        assert steps(120 + lookahead + 1) == {}
        first = steps(120 + lookahead)
        assert list(first) == ["internal_account_review"]
        task = first["internal_account_review"]
        assert task.rule == "TIME-1"  # type: ignore[attr-defined]
        assert task.due_date == AS_OF + timedelta(days=lookahead)  # type: ignore[attr-defined]
        assert not task.late  # type: ignore[attr-defined]

    def test_late_entry_keeps_passed_steps_overdue_on_their_dates(self) -> None:
        # An enterprise renewal entering 100 days out: T-120 is 20 days overdue and still
        # appears; T-90 is 10 days away, inside the look-ahead; T-60 is not yet.
        tasks = steps(100)
        assert set(tasks) == {"internal_account_review", "executive_business_review"}
        review = tasks["internal_account_review"]
        assert review.late and review.due_date == AS_OF - timedelta(days=20)  # type: ignore[attr-defined]
        assert "Late entry" in review.description  # type: ignore[attr-defined]
        assert not tasks["executive_business_review"].late  # type: ignore[attr-defined]

    def test_mid_market_t90_only_for_larger_accounts(self) -> None:
        # TIME-2: T-90 is optional, for larger accounts (min_arr in the policy).
        assert "internal_health_review" in steps(80, Segment.mid_market, arr=Decimal(60_000))
        assert "internal_health_review" not in steps(80, Segment.mid_market, arr=Decimal(20_000))
        assert set(steps(60 + 14, Segment.mid_market, arr=Decimal(20_000))) == {"renewal_notice"}

    def test_smb_starts_at_t_minus_60(self) -> None:
        assert steps(60 + 15, Segment.smb, arr=Decimal(5_000)) == {}
        smb = steps(60 + 14, Segment.smb, arr=Decimal(5_000))
        assert list(smb) == ["automated_reminder"]
        assert smb["automated_reminder"].rule == "TIME-3"  # type: ignore[attr-defined]

    def test_red_and_at_risk_paths_add_their_tasks(self) -> None:
        tasks = steps(200, health_category="red", opportunity_type="at_risk")
        assert set(tasks) == {"red_review_meeting", "save_plan_kickoff"}
        assert tasks["red_review_meeting"].rule == "SEG-2"  # type: ignore[attr-defined]
        assert tasks["save_plan_kickoff"].due_date == AS_OF + timedelta(days=3)  # type: ignore[attr-defined]


def msgs(days: int, **changes: object) -> dict[str, object]:
    return {m.step: m for m in planned_messages(view(days, **changes), as_of=AS_OF, policy=POLICY)}


class TestCampaign:
    @pytest.mark.parametrize(
        ("days", "expected"),
        [
            (91, set()),
            (90, {"owner_alert"}),
            (60, {"owner_alert", "heads_up"}),
            (30, {"owner_alert", "heads_up", "formal_notice"}),
        ],
    )
    def test_messages_by_day(self, days: int, expected: set[str]) -> None:
        assert set(msgs(days)) == expected

    def test_t14_escalates_only_outside_a_late_stage(self) -> None:
        assert "escalation" in msgs(14, stage="engagement")
        assert "escalation" not in msgs(14, stage="closing")
        assert msgs(14, stage="engagement")["escalation"].audience == "internal"  # type: ignore[attr-defined]

    def test_late_entry_sends_only_the_latest_customer_message(self) -> None:
        planned = msgs(20)
        assert planned["formal_notice"].superseded_by is None  # type: ignore[attr-defined]
        assert planned["heads_up"].superseded_by == "formal_notice"  # type: ignore[attr-defined]
        assert planned["owner_alert"].superseded_by is None  # type: ignore[attr-defined]

    def test_no_customer_message_after_the_renewal_date(self) -> None:
        planned = msgs(-3)
        assert {m.audience for m in planned.values()} == {"internal"}  # type: ignore[attr-defined]
