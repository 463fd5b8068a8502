"""MET-1 save metrics: the figures on a hand-made set (no database), then the service's
reading of the records (plan hours, renewal outcomes, next renewals, as_of and since)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factories
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from renewals.db import session_scope
from renewals.policy import service as policy_service
from renewals.renewal.models import Renewal
from renewals.save_plan import aftercare_service as service
from renewals.save_plan import metrics
from renewals.save_plan.metrics import SaveCase, Thresholds
from renewals.save_plan.models import SavePlan, SaveTriage

POLICY = policy_service.load()
TODAY = date(2026, 11, 24)
CARL = "carl@renewals.example"
MIA = "mia@renewals.example"
T = Thresholds(solid_min=0.5, solid_max=0.6, suspicious=0.7, hourly_rate=Decimal("144"))


def case(
    rid: str,
    segment: str,
    owner: str,
    arr: int,
    *,
    started: date | None = None,
    days: int | None = None,
    outcome: str | None = None,
    hours: float = 0,
    saved_arr: int | None = None,
    next_renewal: str | None = None,
    renewal_outcome: str | None = None,
) -> SaveCase:
    closed = started + timedelta(days=days) if started and days is not None else None
    return SaveCase(
        renewal_id=rid,
        segment=segment,
        owner=owner,
        arr=Decimal(arr),
        renewal_outcome=renewal_outcome or {"saved": "won", "lost": "lost"}.get(outcome or ""),
        plan_started_on=started,
        plan_closed_on=closed,
        plan_outcome=outcome,
        effort_hours=hours,
        saved_arr=Decimal(saved_arr) if saved_arr is not None else None,
        next_renewal=next_renewal,
    )


JAN = date(2026, 1, 1)
BOOK = [
    case(
        "ent-1",
        "enterprise",
        CARL,
        200_000,
        started=JAN,
        days=40,
        outcome="saved",
        hours=40,
        saved_arr=180_000,
        next_renewal="won",
    ),
    case(
        "ent-2",
        "enterprise",
        CARL,
        150_000,
        started=JAN,
        days=20,
        outcome="saved",
        hours=30,
        next_renewal="lost",
    ),
    case(
        "ent-3",
        "enterprise",
        MIA,
        120_000,
        started=JAN,
        days=60,
        outcome="saved",
        hours=50,
        saved_arr=120_000,
    ),
    case("ent-4", "enterprise", MIA, 300_000, started=JAN, days=30, outcome="lost", hours=40),
    case(
        "mid-1",
        "mid_market",
        CARL,
        50_000,
        started=JAN,
        days=10,
        outcome="saved",
        hours=15,
        saved_arr=50_000,
    ),
    case("mid-2", "mid_market", CARL, 40_000, started=JAN, days=25, outcome="lost", hours=15),
    case("mid-3", "mid_market", MIA, 30_000, started=JAN, hours=5),  # still active
    case("mid-4", "mid_market", MIA, 20_000, renewal_outcome="won"),  # no plan
    case("smb-1", "smb", CARL, 5_000, renewal_outcome="lost"),  # no plan
    case("smb-2", "smb", CARL, 4_000),  # no plan, still open
]


class TestFigures:
    overall = metrics.figures(BOOK, T)

    def test_attempt_rate_is_at_risk_renewals_with_a_plan(self) -> None:
        assert (self.overall.at_risk, self.overall.attempted) == (10, 7)
        assert self.overall.attempt_rate == 0.7

    def test_success_rate_is_saved_over_closed_plans(self) -> None:
        f = self.overall
        assert (f.plans_closed, f.saved, f.lost, f.active) == (6, 4, 2, 1)
        assert f.success_rate == 0.6667
        assert f.success_verdict == "above_solid"

    def test_roi_is_saved_arr_over_the_cost_of_closed_plans(self) -> None:
        f = self.overall
        # 180k + 150k (no outcome ARR: the ARR) + 120k + 50k; 190 h x 144.
        assert f.saved_arr == Decimal(500_000)
        assert f.effort_hours == 190
        assert f.effort_cost == Decimal("27360.00")
        assert f.roi_multiple == 18.27
        assert f.net_saved == Decimal("472640.00")

    def test_post_save_retention_counts_only_next_renewals_that_closed(self) -> None:
        f = self.overall
        assert (f.retained_next, f.lost_next, f.next_unknown) == (1, 1, 2)
        assert f.post_save_retention == 0.5

    def test_time_to_save_is_the_median_days_of_saved_plans(self) -> None:
        assert self.overall.time_to_save_days == 30.0  # median of 10, 20, 40, 60

    def test_triaged_renewals_without_a_plan_show_whether_they_renewed_anyway(self) -> None:
        f = self.overall
        assert (f.no_plan_won, f.no_plan_lost, f.no_plan_open) == (1, 1, 1)
        assert f.renewed_without_plan_rate == 0.5

    def test_no_data_gives_none_not_zero(self) -> None:
        f = metrics.figures([], T)
        assert f.attempt_rate is None and f.success_rate is None and f.roi_multiple is None
        assert f.time_to_save_days is None and f.notes == ()


class TestVerdict:
    @pytest.mark.parametrize(
        ("rate", "expected"),
        [
            (0.49, "below_solid"),
            (0.5, "solid"),
            (0.6, "solid"),
            (0.65, "above_solid"),
            (0.7, "above_solid"),
            (0.71, "suspicious"),
            (None, None),
        ],
    )
    def test_the_benchmarks_of_met_1(self, rate: float | None, expected: str | None) -> None:
        assert metrics.verdict(rate, T) == expected


class TestReport:
    def test_by_segment_warns_where_the_success_rate_is_suspicious(self) -> None:
        report = metrics.build_report(BOOK, T, as_of=TODAY, by="segment")
        assert list(report.groups) == ["enterprise", "mid_market", "smb"]
        enterprise = report.groups["enterprise"]
        assert enterprise.success_rate == 0.75
        assert enterprise.success_verdict == "suspicious"
        assert any("above 70%" in n and "renew anyway" in n for n in enterprise.notes)
        mid = report.groups["mid_market"]
        assert (mid.success_rate, mid.success_verdict) == (0.5, "solid")
        assert any("solid (50%-60%)" in n for n in mid.notes)
        assert report.groups["smb"].attempted == 0
        assert report.message is None

    def test_by_owner(self) -> None:
        report = metrics.build_report(BOOK, T, as_of=TODAY, by="owner")
        carl, mia = report.groups[CARL], report.groups[MIA]
        assert (carl.at_risk, carl.attempted, carl.saved, carl.lost) == (6, 4, 3, 1)
        assert (mia.at_risk, mia.attempted, mia.saved, mia.lost) == (4, 3, 1, 1)
        assert carl.effort_cost == Decimal(100 * 144)

    def test_small_samples_and_plans_that_do_no_better_are_called_out(self) -> None:
        f = metrics.figures(BOOK, T)
        assert "only 6 closed save plan(s): each one moves the rates a lot" in f.notes
        cases = [
            case("a", "smb", CARL, 1000, started=JAN, days=5, outcome="saved"),
            case("b", "smb", CARL, 1000, started=JAN, days=5, outcome="lost"),
            case("c", "smb", CARL, 1000, renewal_outcome="won"),
        ]
        notes = metrics.figures(cases, T).notes
        assert any("without a plan renewed at 100%" in n for n in notes)

    def test_it_says_honestly_when_there_is_nothing_to_measure(self) -> None:
        empty = metrics.build_report([], T, as_of=TODAY)
        assert empty.message == metrics.NO_TRIAGE
        unplanned = metrics.build_report(BOOK[-3:], T, as_of=TODAY)
        assert unplanned.message is not None
        assert "`renewals saves plan RENEWAL_ID`" in unplanned.message
        assert unplanned.as_dict()["overall"]["attempt_rate"] == 0.0

    def test_an_unknown_grouping_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="segment or owner"):
            metrics.build_report(BOOK, T, as_of=TODAY, by="region")


# --- the service on records ------------------------------------------------------------------


def add_renewal(
    session: Session,
    account_id: str,
    renewal_date: date,
    *,
    stage: str = "engagement",
    closed_on: date | None = None,
    outcome_arr: str | None = None,
    segment: str = "enterprise",
) -> str:
    contract_id = f"{account_id}-{renewal_date}"
    renewal_id = factories.add_renewal(
        session,
        account_id,
        renewal_date=renewal_date,
        arr="120000",
        contract_id=contract_id,
        account={"name": account_id, "owner_email": None},
        contract={"outcome_arr": Decimal(outcome_arr) if outcome_arr else None},
        segment=segment,
        touch_model="negotiated",
        motion="intervention",
        owner_email=CARL,
        stage=stage,
        outcome={"closed_won": "renewed", "closed_lost": "churned"}.get(stage),
        created_on=date(2025, 1, 1),
        closed_on=closed_on,
    )
    session.flush()
    return renewal_id


def add_save(
    session: Session,
    renewal_id: str,
    *,
    created_on: date,
    started_on: date | None = None,
    effort: str = "full",
    hours: float = 0,
    outcome: str | None = None,
    closed_on: date | None = None,
) -> None:
    renewal = session.get(Renewal, renewal_id)
    assert renewal is not None
    session.add(
        SaveTriage(
            renewal_id=renewal_id,
            account_id=renewal.account_id,
            as_of=created_on,
            status="open",
            probability_band="medium",
            success_rate=0.4,
            value_tier="high",
            root_cause="service_experience",
            time_window="comprehensive",
            effort=effort,
            expected_value_hours=16,
            created_on=created_on,
            updated_on=created_on,
        )
    )
    if started_on is not None:
        session.add(
            SavePlan(
                renewal_id=renewal_id,
                account_id=renewal.account_id,
                owner_email=MIA,
                started_on=started_on,
                mode="comprehensive",
                effort=effort,
                status="closed" if outcome else "active",
                outcome=outcome,
                closed_on=closed_on,
                effort_hours=hours,
            )
        )


@pytest.fixture
def saves(engine: Engine) -> Engine:
    """acme saved (policy hours, next renewal won); globex called saved but churned;
    initech saved with recorded hours and a next renewal still open; umbrella triaged
    but not attempted, renewed; hooli's plan starts after TODAY."""
    with session_scope(engine) as session:
        acme = add_renewal(
            session,
            "acme",
            date(2025, 12, 1),
            stage="closed_won",
            closed_on=date(2025, 11, 20),
            outcome_arr="130000",
        )
        add_save(
            session,
            acme,
            created_on=date(2025, 9, 1),
            started_on=date(2025, 9, 10),
            outcome="saved",
            closed_on=date(2025, 11, 20),
        )
        add_renewal(
            session, "acme", date(2026, 12, 1), stage="closed_won", closed_on=date(2026, 11, 1)
        )
        globex = add_renewal(
            session, "globex", date(2026, 6, 1), stage="closed_lost", closed_on=date(2026, 6, 1)
        )
        add_save(
            session,
            globex,
            created_on=date(2026, 3, 1),
            started_on=date(2026, 3, 5),
            effort="standard",
            outcome="saved",
            closed_on=date(2026, 5, 1),
        )
        initech = add_renewal(
            session,
            "initech",
            date(2026, 3, 1),
            stage="closed_won",
            closed_on=date(2026, 2, 20),
            segment="mid_market",
        )
        add_save(
            session,
            initech,
            created_on=date(2026, 1, 1),
            started_on=date(2026, 1, 11),
            effort="standard",
            hours=22.5,
            outcome="saved",
            closed_on=date(2026, 2, 20),
        )
        add_renewal(session, "initech", date(2027, 3, 1), segment="mid_market")
        umbrella = add_renewal(
            session, "umbrella", date(2026, 4, 1), stage="closed_won", closed_on=date(2026, 4, 1)
        )
        add_save(session, umbrella, created_on=date(2026, 2, 1))
        hooli = add_renewal(session, "hooli", date(2027, 3, 1))
        add_save(session, hooli, created_on=date(2026, 11, 1), started_on=date(2026, 11, 30))
    return engine


class TestSaveMetricsService:
    def test_it_reads_hours_outcomes_and_next_renewals_from_the_records(
        self, saves: Engine
    ) -> None:
        with session_scope(saves) as session:
            report = service.save_metrics(session, as_of=TODAY, policy=POLICY)
        f = report.overall
        assert (f.at_risk, f.attempted) == (5, 3)  # hooli's plan starts after TODAY
        # globex was called saved but churned: a loss.
        assert (f.plans_closed, f.saved, f.lost) == (3, 2, 1)
        # acme: no hours recorded -> policy full 40; globex standard 15; initech 22.5.
        assert f.effort_hours == 77.5
        assert f.effort_cost == Decimal("11160.00")
        assert f.saved_arr == Decimal("250000")  # acme's outcome ARR + initech's ARR
        assert (f.retained_next, f.next_unknown) == (1, 1)
        assert f.time_to_save_days == 55.5  # median of 71 (acme) and 40 (initech)
        assert (f.no_plan_won, f.no_plan_open) == (1, 1)
        assert list(report.groups) == ["enterprise", "mid_market"]

    def test_as_of_and_since_limit_what_is_measured(self, saves: Engine) -> None:
        with session_scope(saves) as session:
            earlier = service.save_metrics(session, as_of=date(2026, 2, 1), policy=POLICY)
            recent = service.save_metrics(
                session, as_of=TODAY, policy=POLICY, since=date(2026, 1, 1), by="owner"
            )
        # On 1 Feb initech's plan was still active, umbrella just triaged, globex not yet.
        assert (earlier.overall.at_risk, earlier.overall.plans_closed) == (3, 1)
        assert earlier.overall.active == 1
        assert earlier.overall.retained_next == 0  # acme's next renewal was open then
        assert recent.overall.at_risk == 4  # acme (triaged 2025) left out
        assert set(recent.groups) == {MIA, CARL}

    def test_no_plans_yet_says_how_to_start_one(self, engine: Engine) -> None:
        with session_scope(engine) as session:
            umbrella = add_renewal(session, "umbrella", date(2027, 4, 1))
            add_save(session, umbrella, created_on=date(2026, 11, 1))
            report = service.save_metrics(session, as_of=TODAY, policy=POLICY)
        assert report.message == metrics.NO_PLANS
