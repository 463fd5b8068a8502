"""TIME-5 outbox rules on plain values: initial status, default permission, retries."""

from __future__ import annotations

from datetime import timedelta

from renewals.outbox.domain import (
    Audience,
    MessageStatus,
    PermissionMode,
    after_failure,
    approval_authority,
    default_mode,
    initial_status,
    next_attempt_delay,
    permission_authority,
)
from renewals.policy import service as policy_service

CAMPAIGN = policy_service.load().campaign


class TestInitialStatus:
    def test_it_approves_internal_messages_whatever_the_customer_permission(self) -> None:
        for mode in PermissionMode:
            status, reason = initial_status(Audience.internal, mode, True)
            assert status == MessageStatus.approved
            assert reason.startswith("TIME-5") and "internal" in reason

    def test_it_approves_customer_messages_under_auto(self) -> None:
        status, reason = initial_status(Audience.customer, PermissionMode.auto, True)
        assert status == MessageStatus.approved and "auto" in reason

    def test_it_holds_customer_messages_under_approve_each(self) -> None:
        status, reason = initial_status(Audience.customer, PermissionMode.approve_each, True)
        assert status == MessageStatus.pending_approval
        assert "TIME-5" in reason and "approval" in reason

    def test_it_cancels_customer_messages_under_never(self) -> None:
        for has_recipient in (True, False):
            status, reason = initial_status(Audience.customer, PermissionMode.never, has_recipient)
            assert status == MessageStatus.cancelled and "never" in reason

    def test_it_blocks_messages_without_a_recipient(self) -> None:
        for audience in Audience:
            status, reason = initial_status(audience, PermissionMode.auto, False)
            assert status == MessageStatus.blocked and "recipient" in reason
        status, _ = initial_status(Audience.customer, PermissionMode.approve_each, False)
        assert status == MessageStatus.blocked


class TestDefaultMode:
    def test_no_account_is_allowed_by_a_segment_default(self) -> None:
        # TIME-5 (issue 16): only a person allows automated messages for an account.
        mode, reason = default_mode(CAMPAIGN)
        assert mode == PermissionMode.approve_each
        assert "TIME-5" in reason and "no person has allowed" in reason

    def test_it_allows_everything_when_permission_is_not_required(self) -> None:
        campaign = CAMPAIGN.model_copy(update={"require_owner_permission": False})
        mode, reason = default_mode(campaign)
        assert mode == PermissionMode.auto and "require_owner_permission" in reason


class TestFreshApproval:
    def test_an_at_risk_message_waits_for_a_person_despite_the_allowance(self) -> None:
        status, reason = initial_status(
            Audience.customer, PermissionMode.auto, True, fresh_approval="SEG-2: health is red"
        )
        assert status == MessageStatus.pending_approval
        assert "SEG-2: health is red" in reason and "allowance does not cover" in reason

    def test_internal_messages_need_no_fresh_approval(self) -> None:
        status, _ = initial_status(
            Audience.internal, PermissionMode.approve_each, True, fresh_approval="red"
        )
        assert status == MessageStatus.approved


class TestRetries:
    def test_the_delay_doubles_from_the_backoff(self) -> None:
        delays = [next_attempt_delay(n, 5) for n in (1, 2, 3, 4)]
        assert delays == [timedelta(minutes=m) for m in (5, 10, 20, 40)]

    def test_the_delay_is_capped(self) -> None:
        assert next_attempt_delay(12, 5) == timedelta(days=1)
        assert next_attempt_delay(50, 5) == timedelta(days=1)
        assert next_attempt_delay(3, 5, cap=timedelta(minutes=15)) == timedelta(minutes=15)

    def test_a_message_is_dead_after_max_attempts(self) -> None:
        assert after_failure(1, 2) == MessageStatus.failed
        assert after_failure(2, 2) == MessageStatus.dead
        assert after_failure(4, 5) == MessageStatus.failed
        assert after_failure(5, 5) == MessageStatus.dead


class TestAuthority:
    owners = {"carl@x.example": "renewal owner", "olga@x.example": "account owner"}
    managers = {"mia@x.example": "carl@x.example"}

    def test_owners_and_their_managers_may_approve(self) -> None:
        kwargs = {"owners": self.owners, "managers": self.managers}
        assert approval_authority("Carl@X.example", "csm", **kwargs) == "renewal owner"
        assert approval_authority("olga@x.example", "csm", **kwargs) == "account owner"
        assert (
            approval_authority("mia@x.example", "manager", **kwargs) == "manager of carl@x.example"
        )

    def test_other_people_may_not_unless_senior(self) -> None:
        kwargs = {"owners": self.owners, "managers": self.managers}
        assert approval_authority("sam@x.example", "csm", **kwargs) is None
        assert approval_authority("max@x.example", "manager", **kwargs) is None
        for role in ("director", "vp", "executive", "admin"):
            assert approval_authority("zed@x.example", role, **kwargs) == role

    def test_permission_is_for_the_owner_or_a_manager_and_above(self) -> None:
        assert permission_authority("carl@x.example", "csm", account_owner="carl@x.example")
        assert permission_authority("sam@x.example", "csm", account_owner="carl@x.example") is None
        assert permission_authority("sam@x.example", "sales", account_owner=None) is None
        assert permission_authority("max@x.example", "manager", account_owner="carl@x.example")
        assert permission_authority("ada@x.example", "admin", account_owner=None) == "admin"
