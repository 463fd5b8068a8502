"""Win/loss rules without a database: reasons in four languages, missed signals, patterns,
stalls (FUND-3, LEARN-1, LEARN-2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from renewals.policy import service as policy_service
from renewals.winloss import domain as rules
from renewals.winloss.domain import Loss, ReasonCategory, SignalFact, Visit

POLICY = policy_service.load()
DECIDED = date(2026, 6, 30)


class TestCategorize:
    @pytest.mark.parametrize(
        ("words", "competitor", "expected"),
        [
            # English: the demo's close reasons
            ("budget cuts", None, "price_budget"),
            ("moved to competitor", None, "product_fit"),
            ("too complex", None, "product_fit"),
            ("missing critical features", None, "product_fit"),
            ("low adoption", "Churnly", "value_perception"),  # their reason, not the rival
            ("champion left, no sponsor", None, "champion_left"),
            ("acquired: consolidated tools", None, "business_change"),
            ("support never answered our tickets", None, "service_experience"),
            # German
            ("Zu teuer, das Budget wurde gekürzt", None, "price_budget"),
            ("Wir wechseln zu Churnly", "Churnly", "product_fit"),
            ("Unser Champion hat das Unternehmen verlassen", None, "champion_left"),
            ("Wir wurden übernommen und konsolidieren Tools", None, "business_change"),
            ("Der Support ist langsam und reagiert nicht", None, "service_experience"),
            ("Es fehlen wichtige Funktionen", None, "product_fit"),
            # Indonesian
            ("Harganya terlalu mahal", None, "price_budget"),
            ("Perusahaan kami diakuisisi", None, "business_change"),
            ("Dukungan pelanggan lambat", None, "service_experience"),
            ("Terlalu rumit", None, "product_fit"),
            # Malay
            ("Kami perlu potong kos", None, "price_budget"),
            ("Juara kami telah meninggalkan syarikat", None, "champion_left"),
            ("Sokongan pelanggan sangat lambat", None, "service_experience"),
            ("Tidak berbaloi", None, "value_perception"),
        ],
    )
    def test_it_reads_the_reason_of_a_loss(
        self, words: str, competitor: str | None, expected: str
    ) -> None:
        decision = rules.categorize(words, competitor=competitor, outcome="churned")
        assert decision.category == expected
        assert decision.reasons[0] == f"FUND-3: the customer's words: {words!r}"
        assert decision.reasons[-1].startswith(f"LEARN-1: {expected}:")

    def test_the_detector_rule_is_quoted(self) -> None:
        decision = rules.categorize("budget cuts", competitor=None, outcome="downgraded")
        assert decision.kinds == ("budget",)
        assert "SIG-5 budget: matched 'budget cuts' (en)" in decision.reasons

    def test_a_competitor_alone_is_product_fit(self) -> None:
        decision = rules.categorize("", competitor="Gainway", outcome="churned")
        assert decision.category == ReasonCategory.product_fit
        assert "Gainway" in decision.reasons[-1]

    def test_no_words_and_no_competitor_is_other(self) -> None:
        assert rules.categorize(None, competitor=None, outcome="churned").category == "other"

    @pytest.mark.parametrize(
        ("words", "outcome", "expected"),
        [
            ("auto-renewed", "renewed", "auto_renewed"),
            ("renewed: happy with adoption", "renewed", "value_realised"),
            ("Sehr zufrieden mit dem Mehrwert", "renewed", "value_realised"),
            ("added seats for new team", "expanded", "growth"),
            ("", "expanded", "growth"),
            ("renewed on standard terms", "renewed", "other"),
        ],
    )
    def test_it_reads_the_reason_of_a_win(self, words: str, outcome: str, expected: str) -> None:
        assert rules.categorize(words, competitor=None, outcome=outcome).category == expected


def signal(kind: str, days_before: int) -> SignalFact:
    return SignalFact(kind, "SIG-3", DECIDED - timedelta(days=days_before), f"{kind} evidence")


class TestMissedSignals:
    def test_the_window_runs_from_days_before_up_to_the_day_before(self) -> None:
        days = POLICY.winloss.missed_signal_days
        signals = [
            signal("too_early", days + 1),
            signal("first_day", days),
            signal("budget", 30),
            signal("day_before", 1),
            signal("decision_day", 0),  # how they told us, not a missed signal
            signal("after", -3),
        ]
        missed = rules.missed_signals(signals, decided_on=DECIDED, days=days)
        assert [s.kind for s in missed] == ["first_day", "budget", "day_before"]
        assert rules.really_lost_on(missed) == DECIDED - timedelta(days=days)

    def test_nothing_before_means_no_really_lost_date(self) -> None:
        assert rules.really_lost_on([]) is None

    def test_decision_date_is_the_close_or_the_renewal_date(self) -> None:
        assert rules.decision_date(date(2026, 5, 1), DECIDED) == date(2026, 5, 1)
        assert rules.decision_date(None, DECIDED) == DECIDED


def losses(n: int, *, start: date, span: int, competitor: str | None = "Churnly") -> list[Loss]:
    """`n` losses, the first on `start` and the last exactly `span` days later."""
    return [
        Loss(
            f"c{k}",
            start + timedelta(days=round(k * span / (n - 1))),
            competitor,
            "price_budget",
            1000.0,
        )
        for k in range(n)
    ]


class TestPatterns:
    count = POLICY.winloss.pattern_count
    days = POLICY.winloss.pattern_days

    def test_pattern_count_within_the_window_is_a_pattern(self) -> None:
        # five losses, the first and last exactly `days` apart
        window = losses(self.count, start=date(2025, 1, 1), span=self.days)
        assert (window[-1].on - window[0].on).days == self.days
        found = rules.patterns(window, count=self.count, days=self.days)
        assert {(p.kind, p.value, p.count) for p in found} == {
            ("competitor", "Churnly", self.count),
            ("reason", "price_budget", self.count),
        }
        pattern = found[0]
        assert pattern.arr == 1000.0 * self.count
        assert pattern.reason.startswith(f"LEARN-1: {self.count} renewals lost")

    def test_one_fewer_is_data_not_a_pattern(self) -> None:
        found = rules.patterns(
            losses(self.count - 1, start=date(2025, 1, 1), span=30), count=self.count, days=365
        )
        assert found == []

    def test_the_same_count_spread_wider_than_the_window_is_not_a_pattern(self) -> None:
        spread = losses(self.count, start=date(2025, 1, 1), span=self.days + 1)
        assert rules.patterns(spread, count=self.count, days=self.days) == []

    def test_other_is_never_a_pattern(self) -> None:
        found = rules.patterns(
            [Loss(f"c{k}", date(2026, 1, k + 1), None, "other") for k in range(9)],
            count=self.count,
            days=self.days,
        )
        assert found == []


class TestStalls:
    def test_planned_lengths_come_from_the_stage_days(self) -> None:
        assert rules.planned(POLICY.stages) == {
            "assessment": (90, 30),
            "preparation": (60, 30),
            "engagement": (30, 16),
            "closing": (14, 14),
        }

    def test_visits_follow_the_history(self) -> None:
        renewal = date(2026, 6, 1)
        changes = [
            ("r1", "assessment", date(2025, 9, 1)),
            ("r1", "preparation", date(2026, 4, 2)),
            ("r1", "engagement", date(2026, 5, 2)),
        ]
        found = rules.visits(changes, {"r1": renewal})
        assert found == [
            Visit("r1", "assessment", date(2025, 9, 1), date(2026, 4, 2), renewal),
            Visit("r1", "preparation", date(2026, 4, 2), date(2026, 5, 2), renewal),
            Visit("r1", "engagement", date(2026, 5, 2), None, renewal),
        ]

    def test_a_stay_counts_from_the_planned_start(self) -> None:
        renewal = date(2026, 6, 1)
        early = Visit("r1", "assessment", date(2025, 6, 1), date(2026, 4, 2), renewal)
        assert rules.stay_days(early, 90, as_of=date(2026, 11, 24)) == 30  # not 305

    def test_medians_and_the_stall_flag(self) -> None:
        renewal = date(2026, 6, 1)
        as_of = date(2026, 11, 24)

        def engagement(rid: str, days: int) -> Visit:
            start = renewal - timedelta(days=30)
            return Visit(rid, "engagement", start, start + timedelta(days=days), renewal)

        stays = [engagement("r1", 20), engagement("r2", 30), engagement("r3", 40)]
        stays.append(Visit("r4", "closing", renewal - timedelta(days=14), renewal, renewal))
        stays.append(Visit("r5", "closing", as_of - timedelta(days=30), None, as_of))  # open
        result = {s.stage: s for s in rules.stalls(stays, POLICY.stages, factor=1.5, as_of=as_of)}
        assert result["engagement"].median_days == 30
        assert result["engagement"].stalled  # 30 > 1.5 x 16
        assert result["closing"].median_days == 14 and not result["closing"].stalled
        assert result["closing"].renewals == 1 and result["closing"].open_over == 0
        assert result["assessment"].median_days is None and not result["assessment"].stalled

    def test_an_open_stay_past_the_limit_is_counted_not_averaged(self) -> None:
        as_of = date(2026, 11, 24)
        renewal = as_of + timedelta(days=5)
        stuck = Visit("r1", "engagement", renewal - timedelta(days=60), None, renewal)
        result = {s.stage: s for s in rules.stalls([stuck], POLICY.stages, factor=1.5, as_of=as_of)}
        assert result["engagement"].open_over == 1
        assert result["engagement"].renewals == 0 and result["engagement"].median_days is None
