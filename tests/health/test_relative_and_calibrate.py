"""Issue 17 on plain values: book-relative facts (HEALTH-2), "too new to trend" (FUND-6),
negative event kinds (SIG-3), tenure (MY-1), and calibrating the scorecard on the book's
own closed renewals (HEALTH-1, LEARN-2)."""

from __future__ import annotations

import random
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest

from renewals.account.domain import Segment
from renewals.db import make_engine
from renewals.health import peers
from renewals.health.calibrate import (
    CalRow,
    Proposal,
    auc,
    blend,
    calibrate,
    choose_share,
    fit_points,
    scores_of,
    split_rows,
)
from renewals.health.commands import _toml_health
from renewals.health.domain import score_health
from renewals.health.repository import ActiveContract
from renewals.health.service import kind_splitter, usage_to_features
from renewals.ingest.service import ImportFailed, run_import
from renewals.migrate import ensure_schema
from renewals.policy import service as policy_service
from renewals.usage import kinds
from renewals.usage.domain import UsageFeatures

POLICY = policy_service.load()
HEALTH = POLICY.health
D = date(2026, 11, 24)


def contract(**changes: object) -> ActiveContract:
    values: dict[str, object] = {
        "account_id": "a",
        "contract_id": "c",
        "arr": 6000.0,
        "seats": 10,
        "end_date": D + timedelta(days=20),
        "segment_override": None,
        "start_date": D - timedelta(days=10),
        "term_months": 1,
        "customer_since": D - timedelta(days=400),
    }
    values.update(changes)
    return ActiveContract(**values)  # type: ignore[arg-type]


def usage(**changes: object) -> UsageFeatures:
    values: dict[str, object] = {
        "account_id": "a",
        "as_of": D,
        "events_30d": 120,
        "events_prev_30d": 100,
        "active_users_30d": 5,
        "active_users_prev_30d": 5,
        "features_30d": 4,
        "key_features_30d": 0,
        "key_features_total": 3,
        "trend_slope_90d": 0.01,
        "last_event_at": None,
        "days_since_last_event": 1,
    }
    values.update(changes)
    return UsageFeatures(**values)  # type: ignore[arg-type]


class TestNegativeKindsAndTenure:
    def test_negative_kinds_are_not_usage(self) -> None:
        u = usage(kinds_30d={"view": 80, "remove_user": 40}, kinds_prev_30d={"view": 100})
        f = usage_to_features(u, contract(), as_of=D, split=kind_splitter(POLICY))
        assert f["usage_events_30d"] == 80  # SIG-3: removing users is not usage
        assert f["negative_events_30d"] == 40
        assert f["negative_event_share_30d"] == pytest.approx(40 / 120)
        assert f["usage_change_30d"] == pytest.approx(-0.2)  # not +20%
        assert f["usage_events_per_seat_30d"] == 8 and f["usage_events_per_user_30d"] == 16
        assert f["tenure_days"] == 400 and f["term_months"] == 1

    def test_the_policy_can_ignore_and_weight_kinds(self) -> None:
        events = HEALTH.events.model_copy(update={"ignore": ["sync*"], "weights": {"view": 0.5}})
        policy = POLICY.model_copy(update={"health": HEALTH.model_copy(update={"events": events})})
        u = usage(kinds_30d={"view": 80, "sync_job": 500, "create": 10})
        f = usage_to_features(u, contract(), as_of=D, split=kind_splitter(policy))
        assert f["usage_events_30d"] == 50  # 80 x 0.5 + 10; the sync jobs count as nothing

    def test_a_new_account_is_too_new_to_trend(self) -> None:
        features = {
            "usage_change_30d": 1.0,
            "usage_trend_90d": 0.3,
            "history_days": 20.0,
            "usage_level_pct": 0.4,
            "tenure_days": 20.0,
        }
        result = score_health(features, HEALTH, segment=Segment.smb)
        usage_measures = {m.feature: m for m in result.component("usage").measures}
        assert usage_measures["usage_change_30d"].score is None  # not +100% from nothing
        assert usage_measures["usage_trend_90d"].score is None
        assert any("too new to trend: 20 days" in r for r in result.reasons)
        assert (
            result.component("tenure").score is not None and result.component("tenure").score < 30
        )  # type: ignore[operator]
        older = score_health({**features, "history_days": 200.0}, HEALTH, segment=Segment.smb)
        assert {m.feature: m for m in older.component("usage").measures}[
            "usage_change_30d"
        ].score == 100


class TestPeers:
    def book(self) -> dict[str, tuple[tuple[str, ...], dict[str, float | None]]]:
        out = {}
        for i in range(40):
            key = ("smb", "subscription", "per_seat")
            out[f"s{i}"] = (
                key,
                {
                    "seats": 10.0,
                    "usage_events_per_seat_30d": float(i),
                    "negative_event_share_30d": 0.0,
                },
            )
        for i in range(5):  # a small group of enterprise contracts: widened to the book
            key = ("enterprise", "contract", "per_seat")
            out[f"e{i}"] = (key, {"seats": 100.0, "usage_events_per_seat_30d": 100.0 + i})
        return out

    def test_percentiles_are_within_the_peer_group_or_widened(self) -> None:
        book = self.book()
        ref = peers.reference(book, HEALTH)
        low = peers.relative(book["s0"][1], book["s0"][0], ref)
        high = peers.relative(book["s39"][1], book["s39"][0], ref)
        assert low["usage_level_pct"] == pytest.approx(0.5 / 40)  # mid-rank among 40 peers
        assert high["usage_level_pct"] == pytest.approx(39.5 / 40)
        # 5 enterprise accounts < peer_min_accounts: ranked among the whole book (45)
        top = peers.relative(book["e4"][1], book["e4"][0], ref)
        assert top["usage_level_pct"] == pytest.approx(44.5 / 45)

    def test_a_fact_nobody_has_is_no_data_not_a_tie(self) -> None:
        book = self.book()
        ref = peers.reference(book, HEALTH)
        assert peers.relative(book["s3"][1], book["s3"][0], ref)["negative_share_pct"] is None

    def test_peer_key_follows_the_policy(self) -> None:
        key = peers.peer_key(
            {"term_months": 1.0, "seats": None}, "smb", HEALTH, short_term_below_months=3
        )
        assert key == ("smb", "subscription", "flat")


def churn_rows(n: int, seed: int = 4) -> list[CalRow]:
    """Renewals where low usage percentile churns; a noise feature says nothing; the
    policy's default points read the usage trend the wrong way round for this book."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        level = rng.random()
        noise = rng.random()
        trend = rng.uniform(-0.05, 0.05)
        p = 0.02 + 0.3 * (1 - level) ** 3 + (0.15 if trend > 0.03 else 0.0)
        rows.append(
            CalRow(
                {
                    "usage_level_pct": level,
                    "breadth_pct": noise,
                    "usage_trend_90d": trend,
                    "history_days": 400.0,
                    "tenure_days": 400.0,
                },
                Segment.smb,
                int(rng.random() < p),
                D - timedelta(days=n - i),
            )
        )
    return rows


def effective(proposal: Proposal, feature: str) -> float:
    """A measure's weight in the whole score: its component's weight times its share."""
    m = next(m for m in proposal.measures if m.feature == feature)
    total = sum(x.weight for x in proposal.measures if x.component == m.component)
    return proposal.weights[m.component] * m.weight / total


class TestCalibrate:
    def test_it_learns_the_book_and_beats_the_default_on_the_holdout(self) -> None:
        rows = churn_rows(3000)
        proposal = calibrate(rows, HEALTH, holdout_share=0.25)
        assert proposal.n_train + proposal.n_test == 3000
        assert proposal.auc_after > proposal.auc_before + 0.02  # type: ignore[operator]
        measures = {m.feature: m for m in proposal.measures}
        level = measures["usage_level_pct"]
        assert [x for x, _ in level.points] == sorted(x for x, _ in level.points)
        assert level.points[0][1] < 50 < level.points[-1][1]  # low usage scores low
        assert "breadth_pct" in proposal.dropped or effective(proposal, "breadth_pct") < effective(
            proposal, "usage_level_pct"
        )
        # components without data keep their measures and weights (they count when data comes)
        assert "support" in {m.component for m in proposal.measures}
        assert proposal.weights["support"] == HEALTH.weights.support
        assert proposal.yellow_min_score <= proposal.green_min_score

    def test_the_proposal_is_a_valid_policy_and_scores_explain_the_same_way(self) -> None:
        proposal = calibrate(churn_rows(2000), HEALTH, holdout_share=0.25)
        text = _toml_health(proposal.health_table(HEALTH))
        policy = policy_service.load_data(tomllib.loads(text), "calibrated")
        score = score_health(churn_rows(1)[0].features, policy.health, segment=Segment.smb)
        assert score.score is not None
        assert all(d.rule == "HEALTH-1" and "points" in d.text for d in score.drivers)
        test_scores, _ = scores_of(churn_rows(500, seed=9), policy.health)
        assert (
            auc([100 - s for s in test_scores], [r.churned for r in churn_rows(500, seed=9)]) > 0.6
        )  # type: ignore[operator]

    def test_the_proposal_applied_scores_as_the_written_policy_does(self) -> None:
        proposal = calibrate(churn_rows(2000), HEALTH, holdout_share=0.25)
        text = _toml_health(proposal.health_table(HEALTH))
        written = policy_service.load_data(tomllib.loads(text), "calibrated").health
        applied = proposal.health(HEALTH)
        for row in churn_rows(50, seed=3):
            for segment in (Segment.smb, Segment.enterprise):
                a = score_health(row.features, applied, segment=segment).score
                b = score_health(row.features, written, segment=segment).score
                assert a == pytest.approx(b, abs=0.05)


class TestShrinkTowardTheDefault:
    """Issue 17: a full fit on the older renewals can rank the newer ones worse than the
    default did (clicksub); the proposal moves toward the fit only as far as an inner
    time split of the training renewals supports."""

    def test_a_blend_mixes_each_curve_and_weight_exactly(self) -> None:
        fitted = calibrate(churn_rows(2000), HEALTH, holdout_share=0.25).health(HEALTH)
        assert blend(HEALTH, fitted, 0.0) == HEALTH
        assert blend(HEALTH, fitted, 1.0) == fitted
        half = blend(HEALTH, fitted, 0.5, {"usage", "adoption", "tenure"})

        def measure(h: object, feature: str) -> object:
            return next(m for m in h.measures if m.feature == feature)  # type: ignore[attr-defined]

        from renewals.health.domain import interpolate

        for x in (0.0, 0.1, 0.37, 0.5, 0.93, 1.0):
            a = interpolate(x, measure(HEALTH, "usage_level_pct").points)  # type: ignore[attr-defined]
            b = interpolate(x, measure(fitted, "usage_level_pct").points)  # type: ignore[attr-defined]
            c = interpolate(x, measure(half, "usage_level_pct").points)  # type: ignore[attr-defined]
            assert c == pytest.approx((a + b) / 2, abs=0.06)
        # components the fit did not see stay as they were
        assert half.weights.support == HEALTH.weights.support
        assert measure(half, "nps") == measure(HEALTH, "nps")

    def test_it_keeps_the_default_when_the_old_pattern_does_not_hold(self) -> None:
        # older renewals: churn follows breadth (a measure the default weighs little);
        # from 60% of the way on, it follows usage level, as the default expects
        rng = random.Random(8)
        rows = []
        n = 4000
        for i in range(n):
            level, breadth = rng.random(), rng.random()
            driver = breadth if i < 0.6 * n else level
            rows.append(
                CalRow(
                    {"usage_level_pct": level, "breadth_pct": breadth, "tenure_days": 400.0},
                    Segment.smb,
                    int(rng.random() < 0.02 + 0.4 * (1 - driver) ** 3),
                    D - timedelta(days=n - i),
                )
            )
        train, _ = split_rows(rows, 0.25)
        share, inner, reason = choose_share(train, HEALTH, holdout_share=0.25)
        assert share == 0.0
        assert inner[0.0] > inner[1.0]  # type: ignore[operator]
        assert reason.startswith("kept the current scorecard")
        proposal = calibrate(rows, HEALTH, holdout_share=0.25)
        assert proposal.share == 0.0
        assert proposal.measures == HEALTH.measures
        assert proposal.auc_after == pytest.approx(proposal.auc_before)
        assert any(note.startswith("kept the current scorecard") for note in proposal.notes)

    def test_it_moves_to_the_fit_when_the_pattern_holds(self) -> None:
        proposal = calibrate(churn_rows(3000), HEALTH, holdout_share=0.25)
        assert proposal.share > 0
        assert proposal.inner_aucs[proposal.share] == max(
            v for v in proposal.inner_aucs.values() if v is not None
        )

    def test_shares_are_policy(self) -> None:
        only_default = HEALTH.model_copy(update={"calibration_shares": [0.0]})
        proposal = calibrate(churn_rows(2000), only_default, holdout_share=0.25)
        assert proposal.share == 0.0 and proposal.measures == HEALTH.measures
        with pytest.raises(policy_service.PolicyError, match="calibration_shares"):
            policy_service.load_data({"health": {"calibration_shares": [1.5]}}, "bad")


class TestCandidateFacts:
    """Issue 17: facts stored with every score that no measure reads (the contract term,
    absolute levels: `health.calibration_candidates`) are offered to the fit and proposed
    as measures where the book's renewals support them; still facts -> points, rule IDs."""

    @staticmethod
    def term_rows(n: int, seed: int = 5) -> list[CalRow]:
        # a book of monthly and annual plans: the annual renewals churn far more often
        # (a year of reasons to leave against a month), the usage level matters too
        rng = random.Random(seed)
        rows = []
        for i in range(n):
            level = rng.random()
            term = rng.choice((1.0, 12.0))
            p = (0.02 if term == 1 else 0.2) + 0.1 * (1 - level) ** 2
            rows.append(
                CalRow(
                    {"usage_level_pct": level, "term_months": term, "tenure_days": 400.0},
                    Segment.smb,
                    int(rng.random() < p),
                    D - timedelta(days=n - i),
                )
            )
        return rows

    def test_a_fact_the_book_supports_is_proposed_as_a_measure(self) -> None:
        rows = self.term_rows(3000)
        proposal = calibrate(rows, HEALTH, holdout_share=0.25)
        assert "tenure.term_months" in proposal.added
        term = next(m for m in proposal.measures if m.feature == "term_months")
        assert term.component == "tenure"
        assert term.points[0][1] > 50 > term.points[-1][1]  # the annual renewals score lower
        without = calibrate(
            rows, HEALTH.model_copy(update={"calibration_candidates": []}), holdout_share=0.25
        )
        assert without.added == [] and "term_months" not in {m.feature for m in without.measures}
        assert proposal.auc_after > without.auc_after + 0.05  # type: ignore[operator]
        # the written policy loads and explains the term as a fact with its points
        text = _toml_health(proposal.health_table(HEALTH))
        policy = policy_service.load_data(tomllib.loads(text), "calibrated")
        score = score_health(rows[0].features, policy.health, segment=Segment.smb)
        tenure = score.component("tenure")
        assert any(m.feature == "term_months" and m.score is not None for m in tenure.measures)

    def test_a_fact_without_data_is_not_offered(self) -> None:
        proposal = calibrate(churn_rows(2000), HEALTH, holdout_share=0.25)
        assert all(not a.endswith(".term_months") for a in proposal.added)
        assert "term_months" not in {m.feature for m in proposal.measures}

    def test_a_candidate_must_name_a_known_feature(self) -> None:
        bad = {"health": {"calibration_candidates": [{"component": "usage", "feature": "vibes"}]}}
        with pytest.raises(policy_service.PolicyError, match="calibration_candidates"):
            policy_service.load_data(bad, "bad")

    def test_trends_too_new_to_score_are_not_fitted(self) -> None:
        # FUND-6: young accounts show +100% "growth" from nothing and churn often; the
        # scorecard never scores their trend, so the fit must not learn from it either
        rng = random.Random(4)
        rows = []
        n = 3000
        for i in range(n):
            young = rng.random() < 0.3
            change = 1.0 if young else rng.uniform(-0.3, 0.3)
            rows.append(
                CalRow(
                    {
                        "usage_change_30d": change,
                        "usage_level_pct": rng.random(),
                        "history_days": 20.0 if young else 400.0,
                        "tenure_days": 20.0 if young else 400.0,
                    },
                    Segment.smb,
                    int(rng.random() < (0.3 if young else 0.03)),
                    D - timedelta(days=n - i),
                )
            )
        proposal = calibrate(rows, HEALTH, holdout_share=0.25)
        change = next((m for m in proposal.measures if m.feature == "usage_change_30d"), None)
        # fitted on the old accounts alone, where the change says nothing: no steep fall
        assert change is None or change.points[-1][1] >= 35


class TestPoints:
    def test_points_of_a_constant_feature_are_none(self) -> None:
        assert fit_points([1.0] * 100, [1] * 90 + [0] * 10, 0.9) is None


class TestDeclaredKinds:
    """Issue 17: the import declares its event kinds (event_kinds.csv); a declared kind wins
    over the policy's patterns; bad rows are reported as file:line:column."""

    def test_a_declared_kind_wins_over_the_policy_patterns(self) -> None:
        split = kind_splitter(POLICY, {"remove_filter": ("usage", 1.0), "ping": ("ignore", 0.0)})
        assert split("remove_filter") == ("usage", 1.0)  # the pattern *remove* would say negative
        assert split("remove_user") == ("negative", 1.0)
        assert split("ping") == ("ignore", 0.0)

    def test_the_file_is_validated_and_published_after_the_commit(self, tmp_path: Path) -> None:
        book = tmp_path / "book"
        book.mkdir()
        (book / "accounts.csv").write_text("account_id,name\na1,Acme\n", encoding="utf-8")
        (book / "contracts.csv").write_text(
            "contract_id,account_id,start_date,end_date,arr\nc1,a1,2026-01-01,2027-01-01,1000\n",
            encoding="utf-8",
        )
        (book / "event_kinds.csv").write_text(
            "event,kind,weight\nclose_tab,negative,\nview,usage,lots\nping,sometimes,\n",
            encoding="utf-8",
        )
        engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
        ensure_schema(engine)
        data = tmp_path / "data"
        with pytest.raises(ImportFailed) as caught:
            run_import(engine, book, data_dir=data)
        shown = [str(i) for i in caught.value.issues]
        assert shown == [
            "event_kinds.csv:3:3: weight: not a number >= 0: 'lots'",
            "event_kinds.csv:4:2: kind: 'sometimes' is not one of: usage, negative, ignore",
        ]
        assert kinds.load(data) == {}  # nothing half-imported
        (book / "event_kinds.csv").write_text(
            "event,kind,weight\nclose_tab,negative,\nview,usage,0.5\n", encoding="utf-8"
        )
        result, _ = run_import(engine, book, data_dir=data)
        assert kinds.load(data) == {"close_tab": ("negative", 1.0), "view": ("usage", 0.5)}
        assert result.counts()["event_kinds.csv"]["inserted"] == 2
