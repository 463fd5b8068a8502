"""The learned likelihood (TECH-1, LEARN-2): point-in-time training rows, no look-ahead,
learned vs prior on the time-based hold-out, the stored model and its guards, drivers;
on a small generated book, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from books import Books, Demo
from remembered import TrainingRows
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from renewals.account.models import Stakeholder
from renewals.contract.models import Contract
from renewals.db import session_scope
from renewals.demo.generator import generate_book
from renewals.engagement.models import Interaction, SurveyResponse, Ticket
from renewals.forecast import learned, model_commands, training
from renewals.forecast.engine import RenewalFeatures
from renewals.forecast.models import ModelRun
from renewals.forecast.prior import PriorEngine
from renewals.policy import service as policy_service
from renewals.policy.domain import Policy

TODAY = date(2026, 11, 24)
SINCE = TODAY - timedelta(days=240)  # a short history keeps the tests fast
POLICY = policy_service.load()
LEAD = POLICY.forecast.lead_days


def with_forecast(policy: Policy, **values: object) -> Policy:
    return policy.model_copy(update={"forecast": policy.forecast.model_copy(update=values)})


SMALL = with_forecast(POLICY, min_outcomes_for_model=50)
BOOK = Demo(200, seed=7)  # imported, no daily run
# The rows of an unchanged copy of BOOK, computed once per window and kind of database (in
# each process) for the models trained on one (training writes the model store only) instead
# of in each such test (issue 14). The tests that compare rows before and after a change
# read both from their own copy: on PostgreSQL two copies of the book can differ in a
# feature's last bit (an AVG over floats adds in the order of the plan, which the server's
# statistics decide).
UNCHANGED = TrainingRows(book=BOOK.key)


@pytest.fixture(scope="module")
def book_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("likelihood") / "book"
    generate_book(path, accounts=BOOK.accounts, seed=BOOK.seed, as_of=BOOK.as_of)
    return path


@pytest.fixture
def book(books: Books, engine: Engine, tmp_path: Path, data_dir: Path) -> Engine:
    # book_dir imported, once per session (tests/books.py): the same generated book.
    books.copy(engine, tmp_path, BOOK)
    assert data_dir == tmp_path / "data"
    return engine


def rows_of(engine: Engine, data_dir: Path, **kwargs: object) -> list[training.Row]:
    with session_scope(engine) as session:
        return training.training_rows(
            session,
            POLICY,
            data_dir=data_dir,
            memory_limit="1GB",
            closed_from=kwargs.pop("closed_from", SINCE),  # type: ignore[arg-type]
            closed_to=kwargs.pop("closed_to", TODAY - timedelta(days=1)),  # type: ignore[arg-type]
            **kwargs,  # type: ignore[arg-type]
        )


def trained(engine: Engine, data_dir: Path, policy: Policy = SMALL) -> ModelRun:
    """A model trained on the test's copy of BOOK, unchanged but for the model store."""
    with UNCHANGED.using(), session_scope(engine) as session:
        return learned.train(
            session, policy, data_dir=data_dir, memory_limit="1GB", as_of=TODAY, since=SINCE
        )


# --- pure -----------------------------------------------------------------------------------


def renewal(**overrides: object) -> RenewalFeatures:
    values: dict[str, object] = {
        "account_id": "acc-1",
        "as_of": date(2026, 6, 1),
        "renewal_date": date(2026, 8, 30),
        "arr": 24_000.0,
        "segment": "mid_market",
        "health_score": 62.0,
        "health_category": "yellow",
        "risk": "watch",
        "features": {"nps": 3.0, "usage_change_30d": -0.4, "engaged_contacts": 9.0},
    }
    values.update(overrides)
    return RenewalFeatures(**values)  # type: ignore[arg-type]


def test_model_features_cover_every_name_and_flag_what_is_missing() -> None:
    values = training.model_features(renewal())
    assert list(values) == training.feature_names()
    assert values["nps"] == 3.0 and values["missing:nps"] == 0.0
    assert math.isnan(values["csat"]) and values["missing:csat"] == 1.0
    assert values["category:yellow"] == 1.0 and values["risk:watch"] == 1.0
    assert values["segment:mid_market"] == 1.0 and values["log_arr"] == pytest.approx(
        math.log1p(24_000)
    )
    # not point in time, so never a model feature
    assert not set(training.EXCLUDED) & {n.removeprefix("missing:") for n in values}
    unscored = training.model_features(renewal(health_score=None, health_category=None))
    assert math.isnan(unscored["health_score"]) and unscored["category:unscored"] == 1.0
    assert not any(math.isnan(v) for k, v in values.items() if training.is_flag(k))


def test_label_counts_a_downgrade_as_renewed() -> None:
    assert [training.label_of(o) for o in ("renewed", "expanded", "downgraded", "churned")] == [
        1,
        1,
        1,
        0,
    ]


def synthetic(n: int, seed: int = 3) -> list[training.Row]:
    """Renewals whose churn follows the health score, dated one a day."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n):
        score = float(rng.uniform(10, 95))
        won = int(rng.random() < 1 / (1 + math.exp(-(score - 40) / 8)))
        day = date(2025, 1, 1) + timedelta(days=k)
        category = "red" if score < 40 else "yellow" if score < 70 else "green"
        rows.append(
            (
                renewal(
                    account_id=f"acc-{k}",
                    as_of=day - timedelta(days=LEAD),
                    renewal_date=day,
                    health_score=score,
                    health_category=category,
                    risk="at_risk" if score < 40 else "none",
                    features={"nps": score / 10},
                ),
                won,
                day,
            )
        )
    return rows


def test_time_split_holds_out_the_newest_renewals() -> None:
    rows = synthetic(400)
    split = learned.time_split(rows, 0.25)
    assert len(split.test) == 100 and len(split.train) == 300
    assert max(r[2] for r in split.train) < split.split_date == min(r[2] for r in split.test)


def test_evaluate_scores_both_engines_on_the_same_holdout() -> None:
    rows = synthetic(600)
    split = learned.time_split(rows, 0.25)
    result = learned.evaluate(split.train, split.test, POLICY)
    assert result.learned.n == result.prior.n == len(split.test)
    assert result.learned.auc is not None and result.learned.auc > 0.8
    assert result.prior.auc is not None
    assert 0 <= result.learned.brier < result.prior.brier  # the prior is not fitted to this book
    assert len(result.learned.calibration) == POLICY.forecast.calibration_bins
    for b in result.learned.calibration:
        assert b.enough == (b.n >= POLICY.forecast.calibration_min_samples)
        assert b.within() is None if not b.enough else isinstance(b.within(), bool)
    assert sum(b.n for b in result.prior.calibration) == len(split.test)


def test_calibration_bins_compare_prediction_with_outcome() -> None:
    table = learned.calibration([0.05, 0.95, 0.95, 0.97], [0, 1, 0, 1], bins=10, min_samples=3)
    assert [b.n for b in table] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 3]
    top = table[-1]
    assert top.enough and top.observed_rate == pytest.approx(2 / 3)
    assert top.within(0.1) is False and table[0].within() is None


def test_drivers_are_the_largest_contributions_in_order() -> None:
    rows = synthetic(300)
    engine = learned.fit([r[0] for r in rows], [r[1] for r in rows], policy=POLICY)
    features = [r[0] for r in rows[:20]]
    predictions = engine.predict(features)
    logits = engine.contributions(features).sum(axis=1) + engine.intercept
    for p, logit in zip(predictions, logits, strict=True):
        assert p.engine == "learned" and 0 < p.likelihood < 1
        assert p.likelihood == pytest.approx(1 / (1 + math.exp(-logit)), abs=1e-4)
        assert 1 <= len(p.drivers) <= learned.MAX_DRIVERS
        sizes = [abs(d.contribution) for d in p.drivers]
        assert sizes == sorted(sizes, reverse=True)
        assert all(d.text.startswith("TECH-1: ") and "log-odds" in d.text for d in p.drivers)
    # a missing value and its indicator explain as one fact
    assert {d.feature for p in predictions for d in p.drivers} <= set(engine.groups)


def test_fit_needs_both_outcomes() -> None:
    rows = synthetic(50)
    with pytest.raises(learned.TooFewOutcomes, match="both outcomes"):
        learned.fit([r[0] for r in rows], [1] * len(rows), policy=POLICY)


# --- on a generated book ----------------------------------------------------------------------


def test_training_rows_are_point_in_time(book: Engine, data_dir: Path) -> None:
    rows = rows_of(book, data_dir)
    assert len(rows) > 80 and {r[1] for r in rows} == {0, 1}
    for features, _, renewal_date in rows:
        cut = renewal_date - timedelta(days=LEAD)
        assert features.renewal_date == renewal_date
        assert cut - timedelta(days=6) <= features.as_of <= cut  # scored with its week
        assert features.as_of.weekday() <= cut.weekday()
    # facts dated after a row's as_of (up to today) do not change it
    target, _, _ = rows[len(rows) // 2]
    after = datetime.combine(target.as_of + timedelta(days=1), datetime.min.time(), UTC)
    with session_scope(book) as session:
        for k in range(4):
            day = after + timedelta(days=k * 9)
            session.add_all(
                [
                    Ticket(
                        ticket_id=f"future-t{k}",
                        account_id=target.account_id,
                        opened_at=day,
                        priority="urgent",
                        subject="Outage again",
                        body="We are evaluating a competitor and will cancel; too expensive.",
                        satisfaction=1,
                        closed_at=day + timedelta(hours=2),
                    ),
                    SurveyResponse(
                        response_id=f"future-s{k}",
                        account_id=target.account_id,
                        kind="nps",
                        score=0,
                        comment="Switching to a competitor next quarter.",
                        responded_at=day,
                    ),
                    Interaction(
                        interaction_id=f"future-i{k}",
                        account_id=target.account_id,
                        kind="meeting",
                        occurred_at=day,
                        status="cancelled",
                        text="Champion left; budget frozen; looking at alternatives.",
                    ),
                ]
            )
        for person in session.scalars(
            select(Stakeholder).where(Stakeholder.account_id == target.account_id)
        ):
            if person.left_at is None and (
                person.started_at is None or person.started_at <= target.as_of
            ):
                person.left_at = target.as_of + timedelta(days=3)
    again = {(r[0].account_id, r[2]): r for r in rows_of(book, data_dir)}
    for features, label, renewal_date in rows:
        if features.account_id == target.account_id and features.as_of <= target.as_of:
            assert again[(features.account_id, renewal_date)] == (features, label, renewal_date)


def test_no_look_ahead_when_an_outcome_changes(book: Engine, data_dir: Path) -> None:
    before = rows_of(book, data_dir)
    late = [r for r in before if r[1] == 1 and r[2] >= TODAY - timedelta(days=60)]
    changed = late[0]
    with session_scope(book) as session:
        contract = session.scalars(
            select(Contract).where(
                Contract.account_id == changed[0].account_id, Contract.end_date == changed[2]
            )
        ).one()
        contract.outcome, contract.outcome_arr = "churned", 0
    after = rows_of(book, data_dir)
    assert len(after) == len(before)
    key = (changed[0].account_id, changed[2])
    earlier = [k for k, r in enumerate(before) if r[0].as_of < changed[2]]
    assert len(earlier) > 50
    for k in range(len(before)):
        old, new = before[k], after[k]
        assert old[0] == new[0] and old[2] == new[2]  # features never see the outcome
        assert new[1] == (0 if (old[0].account_id, old[2]) == key else old[1])
    prior = PriorEngine(POLICY.forecast.prior)

    def known(rows: Sequence[training.Row]) -> learned.LearnedEngine:
        # what could have been learned before the changed renewal closed
        seen = [r for r in rows if r[2] < changed[2]]
        return learned.fit([r[0] for r in seen], [r[1] for r in seen], policy=POLICY)

    old_rows = [before[k][0] for k in earlier]
    new_rows = [after[k][0] for k in earlier]
    assert prior.predict(old_rows) == prior.predict(new_rows)
    assert known(before).predict(old_rows) == known(after).predict(new_rows)


def test_known_by_leaves_out_outcomes_recorded_later(book: Engine, data_dir: Path) -> None:
    day = TODAY - timedelta(days=30)
    with session_scope(book) as session:
        late = session.scalars(
            select(Contract).where(
                Contract.outcome.is_not(None), Contract.end_date < day, Contract.end_date > SINCE
            )
        ).first()
        assert late is not None
        late.closed_at = day + timedelta(days=5)
        account_id, end_date = late.account_id, late.end_date
    rows = rows_of(book, data_dir, closed_to=day - timedelta(days=1), known_by=day)
    assert rows and (account_id, end_date) not in {(r[0].account_id, r[2]) for r in rows}


def test_train_evaluates_learned_and_prior_and_stores_the_model(
    book: Engine, data_dir: Path
) -> None:
    run = trained(book, data_dir)
    m = run.metrics
    for engine in ("learned", "prior"):
        assert m[engine]["brier"] >= 0 and m[engine]["auc"] is not None
        assert len(m[engine]["calibration"]) == POLICY.forecast.calibration_bins
    assert m["n_train"] == run.n_train and m["n_test"] == run.n_test
    assert m["n_fitted"] == run.n_train + run.n_test
    assert run.n_test == pytest.approx(0.25 * m["n_fitted"], abs=run.n_test * 0.2)
    assert date.fromisoformat(m["split_date"]) > date.fromisoformat(m["train_from"])
    assert run.status == "active" and run.features == training.feature_names()
    path = data_dir / run.path
    assert path.is_file() and path.name == f"likelihood-{TODAY}-{run.model_id}.joblib"
    assert learned.checksum(path) == run.checksum
    again = trained(book, data_dir)
    with session_scope(book) as session:
        statuses = dict(session.execute(select(ModelRun.model_id, ModelRun.status)).all())
    assert statuses == {run.model_id: "retired", again.model_id: "active"}


def test_load_engine_needs_enough_outcomes_and_a_better_brier(book: Engine, data_dir: Path) -> None:
    with session_scope(book) as session:
        resolved = learned.resolve(session, SMALL, data_dir=data_dir)
        assert resolved.engine is None and "no trained model" in resolved.reason
    run = trained(book, data_dir)
    with session_scope(book) as session:  # make the gate's outcome known whatever the book
        stored = session.get(ModelRun, run.model_id)
        assert stored is not None
        stored.metrics = {
            **stored.metrics,
            "learned": {**stored.metrics["learned"], "brier": 0.05},
            "prior": {**stored.metrics["prior"], "brier": 0.08},
        }
    with session_scope(book) as session:
        many = with_forecast(SMALL, min_outcomes_for_model=10_000)
        assert learned.load_engine(session, many, data_dir=data_dir) is None
        assert "min_outcomes_for_model" in learned.resolve(session, many, data_dir=data_dir).reason
        picky = with_forecast(SMALL, min_learned_improvement=0.05)
        assert learned.load_engine(session, picky, data_dir=data_dir) is None
        assert "does not beat" in learned.resolve(session, picky, data_dir=data_dir).reason
        engine = learned.load_engine(session, SMALL, data_dir=data_dir)
        assert engine is not None and engine.model_id == run.model_id
        rows = rows_of(book, data_dir, closed_from=TODAY - timedelta(days=20))
        predictions = engine.predict([r[0] for r in rows])
    assert predictions and all(p.model_id == run.model_id and p.drivers for p in predictions)


def test_a_changed_or_missing_model_file_is_refused(book: Engine, data_dir: Path) -> None:
    run = trained(book, data_dir)
    path = data_dir / run.path
    with session_scope(book) as session:
        stored = session.get(ModelRun, run.model_id)
        assert stored is not None
        stored.metrics = {
            **stored.metrics,
            "learned": {**stored.metrics["learned"], "brier": 0.01},
        }
    with session_scope(book) as session:
        assert learned.load_engine(session, SMALL, data_dir=data_dir) is not None
    original = path.read_bytes()
    path.write_bytes(original + b"\0")
    with session_scope(book) as session:
        resolved = learned.resolve(session, SMALL, data_dir=data_dir)
    assert resolved.engine is None and "sha256" in resolved.reason
    path.unlink()
    with session_scope(book) as session:
        resolved = learned.resolve(session, SMALL, data_dir=data_dir)
    assert resolved.engine is None and "missing" in resolved.reason


# --- the commands ---------------------------------------------------------------------------


def test_model_commands_train_show_and_explain_too_few_outcomes(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the commands are exercised on SQLite")
    books.copy(engine, tmp_path, BOOK)  # book_dir imported (tests/books.py)
    data = tmp_path / "data"
    policy = tmp_path / "policy.toml"
    policy.write_text("[forecast]\nmin_outcomes_for_model = 50\n", encoding="utf-8")
    env = {
        "RENEWALS_DATABASE_URL": str(engine.url),
        "RENEWALS_DATA_DIR": str(data),
        "RENEWALS_POLICY_FILE": str(policy),
        "COLUMNS": "200",
    }
    runner = CliRunner()
    args = ["--as-of", TODAY.isoformat()]
    with UNCHANGED.using():  # the copy is unchanged: `model train` writes the model store only
        few = runner.invoke(model_commands.app, ["train", *args, "--since", "2026-10-15"], env=env)
        assert few.exit_code == 1
        assert "the learned model needs 50" in few.output and "prior" in few.output
        result = runner.invoke(
            model_commands.app, ["train", *args, "--since", SINCE.isoformat()], env=env
        )
        assert result.exit_code == 0, result.output
        for text in (
            "ROC AUC",
            "Brier score",
            "Calibration",
            "likelihood-2026-11-24-1.joblib",
            "top-decile lift",  # issue 17: published accuracy of likelihood and health
            "Health as it was before each renewal",
            "Training rows per term length: annual",
        ):
            assert text in result.output, text
        shown = runner.invoke(model_commands.app, ["show"], env=env)
        assert shown.exit_code == 0 and "Model #1" in shown.output and "coefficient" in shown.output
        stored = runner.invoke(model_commands.app, ["evaluate", "--stored", "--json"], env=env)
        assert stored.exit_code == 0 and '"brier"' in stored.output


def test_the_lead_time_is_relative_to_the_term() -> None:
    """Issue 17: 90 days before a one-month contract is before it started; the lead is at
    most half the term, so monthly, quarterly and annual contracts all give rows."""
    f = POLICY.forecast
    assert training.lead_for(date(2026, 1, 1), date(2027, 1, 1), f) == 90
    assert training.lead_for(date(2026, 1, 1), date(2026, 4, 1), f) == 45
    assert training.lead_for(date(2026, 3, 1), date(2026, 4, 1), f) == 15
    monthly = [
        training.Closed(f"c{k}", "a", date(2026, k, 1), date(2026, k + 1, 1), 100.0, "renewed")
        for k in range(1, 7)
    ]
    groups = training.group_by_week(monthly, f)
    assert sum(len(v) for v in groups.values()) == 6
    for day, members in groups.items():
        assert all(m.start_date <= day < m.end_date for m in members)  # seen during its term


def test_rows_are_counted_per_term_length() -> None:
    rows = [
        (renewal(features={"term_months": 1.0}), 1, date(2026, 5, 1)),
        (renewal(features={"term_months": 1.0}), 0, date(2026, 6, 1)),
        (renewal(features={"term_months": 12.0}), 1, date(2026, 6, 1)),
        (renewal(features={"term_months": 36.0}), 1, date(2026, 6, 1)),
    ]
    assert training.rows_by_term(rows) == {"monthly": 2, "3 years": 1, "annual": 1}


def test_too_few_renewals_say_what_is_missing() -> None:
    rows = [(renewal(features={"term_months": 1.0}), 1, date(2026, 5, 1))] * 30
    with pytest.raises(learned.TooFewOutcomes) as caught:
        learned.check_enough(rows, POLICY, TODAY)
    message = caught.value.message
    assert "30 renewals closed before 2026-11-24 (monthly 30)" in message
    assert "170 more closed renewals" in message and "forecast.lead_days" in message
