"""The learned likelihood (TECH-1, LEARN-2): a logistic regression on the closed renewals,
each as it looked `forecast.lead_days` before its date (see `training.py`).

- `fit` trains the pipeline (median imputer, standard scaler, logistic regression) and
  returns a `LearnedEngine`, which predicts like the policy prior and explains each
  likelihood by its drivers: per feature, coefficient x standardized value, in log-odds
  against the average training renewal (the top five by size).
- `evaluate` compares the learned model with the prior on the same time-based hold-out:
  ROC AUC, Brier score and a calibration table.
- `train` builds the rows of every renewal closed before `as_of`, holds out the newest
  `forecast.holdout_share` by renewal date, fits on the older ones and evaluates both
  engines on the hold-out, then refits the same recipe on all of them (the stored model
  learns from the newest outcomes too; its hold-out figures are those of the recipe
  fitted without the hold-out). It stores the model file with its sha256 and a
  `ModelRun`, and retires the older models.
- `load_engine` returns the active model only if its file is intact, it was trained on
  enough outcomes and its hold-out Brier score beat the prior's; otherwise None (the
  caller falls back to the prior) and `resolve` says why.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from renewals.errors import RenewalsError
from renewals.forecast import training
from renewals.forecast.engine import Driver, Prediction, RenewalFeatures
from renewals.forecast.models import ModelRun
from renewals.forecast.prior import PriorEngine
from renewals.health.domain import FEATURES, format_value
from renewals.kit.i18n import Text
from renewals.kit.time import utc_now
from renewals.policy.domain import Policy

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

# scikit-learn (and joblib) are imported where a model is fitted, scored or read (issue 20:
# importing them is about 1.8 s of CPU, which every daily run paid in forecast.retrain and
# forecast.snapshot although a model is trained once a quarter and may not exist at all).

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
Row = training.Row

KIND = "logistic"
FORMAT = 1  # of the stored file
RANDOM_STATE = 0
C = 0.25  # L2 strength when too few renewals to choose: a few dozen features: keep it firm
# L2 strengths tried on an inner time-based split of the training renewals (issue 17: the
# book decides how firm to be; a small book keeps the firm default)
C_GRID = (0.03, 0.1, 0.25, 1.0, 4.0)
MIN_CHURNED_TO_CHOOSE_C = 20
MAX_DRIVERS = 5
CALIBRATION_TOLERANCE = 0.1  # a judged bin is calibrated when |predicted - observed| <= this


class TooFewOutcomes(RenewalsError):
    """Not enough closed renewals (or not both outcomes) to train and test a model."""


# --- the engine -----------------------------------------------------------------------------


def _group(name: str) -> str:
    """The driver a model feature belongs to: a one-hot set, or a feature with its
    missing indicator, explains as one fact."""
    name = name.removeprefix("missing:")
    if name.startswith("category:"):
        return "health_category"
    if name.startswith("risk:"):
        return "risk"
    if name.startswith("segment:"):
        return "segment"
    if name == "log_arr":
        return "arr"
    return name


def _fact(group: str, row: RenewalFeatures) -> str:
    if group == "health_category":
        return f"health {row.health_category or 'unscored'}"
    if group == "risk":
        return f"SIG-0 risk {row.risk or 'none'}"
    if group == "segment":
        return f"segment {row.segment}"
    if group == "arr":
        return f"ARR {row.arr:,.0f}"
    if group == "health_score":
        return "no health score" if row.health_score is None else f"health {row.health_score:.0f}"
    label = FEATURES[group].label if group in FEATURES else group.replace("_", " ")
    value = row.features.get(group)
    if value is None:
        return f"{label}: no data"
    return f"{label}: {format_value(group, value)}"


class LearnedEngine:
    """A fitted pipeline with the feature names it was trained on."""

    name = "learned"

    def __init__(
        self,
        pipeline: Pipeline,
        features: Sequence[str],
        *,
        model_id: int | None = None,
        n_fitted: int = 0,
        reason: str = "",
    ) -> None:
        self.pipeline = pipeline
        self.features = list(features)
        self.model_id = model_id
        self.n_fitted = n_fitted
        self.reason = reason
        self.groups = [_group(n) for n in self.features]
        # the pipeline puts measures, then counts, then flags: map back to `features`
        measures, counts, flags = columns(self.features)
        self._order = np.argsort(np.asarray(measures + counts + flags, dtype=int), kind="stable")

    def _matrix(self, rows: Sequence[RenewalFeatures]) -> np.ndarray:
        return np.asarray(training.matrix(rows, self.features), dtype=float).reshape(
            len(rows), len(self.features)
        )

    def likelihoods(self, rows: Sequence[RenewalFeatures]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        return self.pipeline.predict_proba(self._matrix(rows))[:, 1]

    def contributions(self, rows: Sequence[RenewalFeatures]) -> np.ndarray:
        """Per row and model feature: coefficient x standardized value (log-odds against
        the average training renewal); with the intercept they add up to the logit."""
        z = np.asarray(self.pipeline[:-1].transform(self._matrix(rows)), dtype=float)
        return z[:, self._order] * self.coefficients

    @property
    def coefficients(self) -> np.ndarray:
        """Per feature of `features` (log-odds per standard deviation of a measure, or per
        flag set), in the order of `features`."""
        return np.asarray(self.pipeline[-1].coef_[0], dtype=float)[self._order]

    @property
    def intercept(self) -> float:
        return float(self.pipeline[-1].intercept_[0])

    def top_coefficients(self, limit: int = 10) -> list[tuple[str, float]]:
        order = np.argsort(-np.abs(self.coefficients), kind="stable")[:limit]
        return [(self.features[i], float(self.coefficients[i])) for i in order]

    def predict(self, rows: Sequence[RenewalFeatures]) -> list[Prediction]:
        if not rows:
            return []
        p = self.likelihoods(rows)
        contributions = self.contributions(rows)
        out = []
        for k, row in enumerate(rows):
            by_group: dict[str, float] = {}
            for group, value in zip(self.groups, contributions[k], strict=True):
                by_group[group] = by_group.get(group, 0.0) + float(value)
            top = sorted(by_group.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:MAX_DRIVERS]
            drivers = tuple(
                Driver(
                    group,
                    round(value, 4),
                    f"TECH-1: {_fact(group, row)} "
                    f"{'raises' if value >= 0 else 'lowers'} the likelihood "
                    f"({value:+.2f} log-odds against the average renewal)",
                )
                for group, value in top
            )
            out.append(Prediction(round(float(p[k]), 4), self.name, drivers, self.model_id))
        return out


def columns(names: Sequence[str]) -> tuple[list[int], list[int], list[int]]:
    """Indexes of the measures, the rare counts and the flags (the pipeline's order)."""
    counts = [i for i, n in enumerate(names) if training.is_count(n)]
    flags = [i for i, n in enumerate(names) if training.is_flag(n)]
    measures = [i for i in range(len(names)) if i not in counts and i not in flags]
    return measures, counts, flags


def make_pipeline(names: Sequence[str], c: float = C) -> Pipeline:
    """Measures: median-imputed (a measure with no data at all is kept) and standardized.
    Rare counts (log1p) and flags (one-hots, missing indicators): centred only, so one
    rare event is not blown up to many standard deviations. Then an L2 logistic
    regression."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    measures, counts, flags = columns(names)

    def imputed(scale: bool) -> Pipeline:
        return Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", StandardScaler(with_std=scale)),
            ]
        )

    prepare = ColumnTransformer(
        [
            ("measures", imputed(True), measures),
            ("counts", imputed(False), counts),
            ("flags", StandardScaler(with_std=False), flags),
        ]
    )
    model = LogisticRegression(C=c, max_iter=5000, random_state=RANDOM_STATE)
    return Pipeline([("prepare", prepare), ("model", model)])


def fit(rows: Sequence[RenewalFeatures], labels: Sequence[int], *, policy: Policy) -> LearnedEngine:
    """Fit the pipeline on the rows (1 = renewed, 0 = churned); deterministic."""
    y = np.asarray(labels, dtype=int)
    if len(rows) != len(y):
        raise ValueError("rows and labels differ in length")
    if len(set(y.tolist())) < 2:
        raise TooFewOutcomes(
            Text(
                "TECH-1: the {n} renewals to learn from all renewed: a model needs both outcomes",
                n=len(rows),
            )
            if len(y) and y[0]
            else Text(
                "TECH-1: the {n} renewals to learn from all churned: a model needs both outcomes",
                n=len(rows),
            )
        )
    names = training.feature_names()
    x = np.asarray(training.matrix(rows, names), dtype=float).reshape(len(rows), len(names))
    pipeline = make_pipeline(names, choose_c(rows, x, y, names))
    pipeline.fit(x, y)
    return LearnedEngine(pipeline, names, n_fitted=len(rows))


def choose_c(
    rows: Sequence[RenewalFeatures], x: np.ndarray, y: np.ndarray, names: Sequence[str]
) -> float:
    """TECH-1: the L2 strength from `C_GRID` with the lowest log loss on the newest quarter
    of the training renewals (fitted on the older ones: time-based, no look-ahead); `C`
    when there are too few churned renewals on either side to tell."""
    from sklearn.metrics import log_loss

    order = np.argsort(np.asarray([r.as_of.toordinal() for r in rows]), kind="stable")
    cut = int(len(order) * 0.75)
    inner, outer = order[:cut], order[cut:]
    lost_in, lost_out = int((y[inner] == 0).sum()), int((y[outer] == 0).sum())
    if min(lost_in, lost_out) < MIN_CHURNED_TO_CHOOSE_C or (y[inner] == 0).all():
        return C
    best, best_loss = C, math.inf
    for c in C_GRID:
        model = make_pipeline(names, c).fit(x[inner], y[inner])
        loss = log_loss(y[outer], model.predict_proba(x[outer])[:, 1], labels=[0, 1])
        if loss < best_loss - 1e-9:
            best, best_loss = c, loss
    return best


# --- evaluation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CalibrationBin:
    lo: float
    hi: float
    n: int
    mean_likelihood: float | None
    observed_rate: float | None
    enough: bool  # at least forecast.calibration_min_samples renewals: judged

    @property
    def gap(self) -> float | None:
        if self.mean_likelihood is None or self.observed_rate is None:
            return None
        return self.mean_likelihood - self.observed_rate

    def within(self, tolerance: float = CALIBRATION_TOLERANCE) -> bool | None:
        """None when the bin has too few renewals to judge."""
        if not self.enough or self.gap is None:
            return None
        return abs(self.gap) <= tolerance

    def as_dict(self) -> dict[str, Any]:
        return {
            "bin": f"{self.lo:.1f}-{self.hi:.1f}",
            "lo": self.lo,
            "hi": self.hi,
            "n": self.n,
            "mean_likelihood": _r(self.mean_likelihood),
            "observed_rate": _r(self.observed_rate),
            "gap": _r(self.gap),
            "enough": self.enough,
            "within_tolerance": self.within(),
        }


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def calibration(
    likelihoods: Sequence[float], labels: Sequence[int], *, bins: int, min_samples: int
) -> list[CalibrationBin]:
    """Equal-width bins of the predicted likelihood (0-10%, 10-20%, ... for 10 bins): the
    mean prediction against the observed renewal rate; bins with fewer than `min_samples`
    renewals are flagged (not enough to judge)."""
    p = np.asarray(likelihoods, dtype=float)
    y = np.asarray(labels, dtype=float)
    index = np.minimum((p * bins).astype(int), bins - 1)
    table = []
    for b in range(bins):
        mask = index == b
        n = int(mask.sum())
        table.append(
            CalibrationBin(
                lo=b / bins,
                hi=(b + 1) / bins,
                n=n,
                mean_likelihood=float(p[mask].mean()) if n else None,
                observed_rate=float(y[mask].mean()) if n else None,
                enough=n >= min_samples,
            )
        )
    return table


def top_decile_lift(
    risk: Sequence[float], churned: Sequence[int], share: float = 0.1
) -> float | None:
    """LEARN-2: the churn rate among the riskiest `share` of renewals over the overall churn
    rate (2.0 = the top decile churns twice as often); None without any churn."""
    y = np.asarray(churned, dtype=float)
    if not len(y) or y.mean() == 0:
        return None
    k = max(1, round(len(y) * share))
    top = np.argsort(-np.asarray(risk, dtype=float), kind="stable")[:k]
    return float(y[top].mean() / y.mean())


@dataclass(frozen=True)
class EngineScore:
    """How one engine's likelihoods compare with what happened."""

    engine: str
    n: int
    auc: float | None  # None when the renewals all had the same outcome
    brier: float
    mean_likelihood: float
    observed_rate: float
    calibration: tuple[CalibrationBin, ...]
    lift: float | None = None  # churn in the least likely decile over the book's churn

    @property
    def judged_bins(self) -> int:
        return sum(b.enough for b in self.calibration)

    @property
    def calibrated_bins(self) -> int:
        return sum(bool(b.within()) for b in self.calibration)

    def as_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "n": self.n,
            "auc": _r(self.auc),
            "brier": _r(self.brier, 5),
            "mean_likelihood": _r(self.mean_likelihood),
            "observed_rate": _r(self.observed_rate),
            "judged_bins": self.judged_bins,
            "calibrated_bins": self.calibrated_bins,
            "top_decile_lift": _r(self.lift),
            "calibration": [b.as_dict() for b in self.calibration],
        }


@dataclass(frozen=True)
class HealthAccuracy:
    """HEALTH-2/3 against what happened (issue 17): how well the health score, as it was a
    lead time before each renewal, ranks the churned first, and the churn per category
    (the score's calibration: red should churn most)."""

    n: int
    scored: int
    auc: float | None  # of 100 - score; no score counts as 50
    lift: float | None
    by_category: dict[str, tuple[int, float]]  # category -> (renewals, churn rate)

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "scored": self.scored,
            "auc": _r(self.auc),
            "top_decile_lift": _r(self.lift),
            "by_category": {
                k: {"renewals": n, "churn_rate": round(rate, 4)}
                for k, (n, rate) in self.by_category.items()
            },
        }


def health_accuracy(rows: Sequence[RenewalFeatures], labels: Sequence[int]) -> HealthAccuracy:
    """The health score and category of each renewal (as it looked then) against churn."""
    from sklearn.metrics import roc_auc_score

    churned = [1 - y for y in labels]
    risk = [100 - (r.health_score if r.health_score is not None else 50.0) for r in rows]
    groups: dict[str, list[int]] = {}
    for r, c in zip(rows, churned, strict=True):
        groups.setdefault(r.health_category or "unscored", []).append(c)
    order = ("expansion", "green", "yellow", "red", "unscored")
    auc_value = float(roc_auc_score(churned, risk)) if len(set(churned)) == 2 else None
    return HealthAccuracy(
        n=len(rows),
        scored=sum(r.health_score is not None for r in rows),
        auc=auc_value,
        lift=top_decile_lift(risk, churned),
        by_category={
            k: (len(groups[k]), sum(groups[k]) / len(groups[k])) for k in order if k in groups
        },
    )


def score(
    engine: str,
    likelihoods: Sequence[float] | np.ndarray,
    labels: Sequence[int],
    policy: Policy,
) -> EngineScore:
    """AUC, Brier score and calibration table of one engine's likelihoods."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    p = np.asarray(likelihoods, dtype=float)
    y = np.asarray(labels, dtype=int)
    f = policy.forecast
    return EngineScore(
        engine=engine,
        n=len(y),
        auc=float(roc_auc_score(y, p)) if len(set(y.tolist())) == 2 else None,
        brier=float(brier_score_loss(y, p)) if len(y) else math.nan,
        mean_likelihood=float(p.mean()) if len(p) else math.nan,
        observed_rate=float(y.mean()) if len(y) else math.nan,
        calibration=tuple(
            calibration(
                p.tolist(),
                y.tolist(),
                bins=f.calibration_bins,
                min_samples=f.calibration_min_samples,
            )
        ),
        lift=top_decile_lift(list(1 - p), list(1 - y)),
    )


@dataclass(frozen=True)
class Evaluation:
    """The learned model and the prior on the same hold-out."""

    learned: EngineScore
    prior: EngineScore
    n_train: int
    n_test: int
    split_date: date | None  # the hold-out is the renewals dated on or after it
    train_from: date | None = None
    test_to: date | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    health: HealthAccuracy | None = None

    @property
    def brier_improvement(self) -> float:
        """Prior Brier minus learned Brier (positive: the learned model is better)."""
        return self.prior.brier - self.learned.brier

    def as_dict(self) -> dict[str, Any]:
        return {
            "learned": self.learned.as_dict(),
            "prior": self.prior.as_dict(),
            "n_train": self.n_train,
            "n_test": self.n_test,
            "split_date": None if self.split_date is None else self.split_date.isoformat(),
            "train_from": None if self.train_from is None else self.train_from.isoformat(),
            "test_to": None if self.test_to is None else self.test_to.isoformat(),
            "brier_improvement": round(self.brier_improvement, 5),
            "notes": list(self.notes),
            "health": None if self.health is None else self.health.as_dict(),
        }


@dataclass(frozen=True)
class Split:
    train: list[Row]
    test: list[Row]
    split_date: date


def time_split(rows: Sequence[Row], holdout_share: float) -> Split:
    """The newest `holdout_share` of the rows by renewal date is the hold-out; the model
    learns from the renewals dated before its first day (a day is never split)."""
    ordered = sorted(rows, key=lambda r: (r[2], r[0].account_id))
    if len(ordered) < 2:
        raise TooFewOutcomes(Text("TECH-1: {n} closed renewals: too few to split", n=len(ordered)))
    k = min(len(ordered) - 1, max(1, math.floor(len(ordered) * (1 - holdout_share))))
    split_date = ordered[k][2]
    train = [r for r in ordered if r[2] < split_date]
    test = [r for r in ordered if r[2] >= split_date]
    if not train:
        raise TooFewOutcomes(
            Text("TECH-1: every closed renewal is dated {day}: cannot split", day=split_date)
        )
    return Split(train, test, split_date)


def evaluate(
    train_rows: Sequence[Row],
    test_rows: Sequence[Row],
    policy: Policy,
    *,
    engine: LearnedEngine | None = None,
) -> Evaluation:
    """Fit on `train_rows` (or use `engine`), then score the learned model and the policy
    prior on `test_rows`."""
    if not test_rows:
        raise TooFewOutcomes(Text("TECH-1: no renewals to test on"))
    if engine is None:
        engine = fit([r[0] for r in train_rows], [r[1] for r in train_rows], policy=policy)
    features = [r[0] for r in test_rows]
    labels = [r[1] for r in test_rows]
    prior = PriorEngine(policy.forecast.prior).predict(features)
    notes = []
    if len(set(labels)) < 2:
        notes.append(Text("the hold-out renewals all had the same outcome: no AUC"))
    return Evaluation(
        learned=score("learned", engine.likelihoods(features), labels, policy),
        prior=score("prior", [p.likelihood for p in prior], labels, policy),
        n_train=len(train_rows),
        n_test=len(test_rows),
        split_date=min(r[2] for r in test_rows),
        train_from=min((r[2] for r in train_rows), default=None),
        test_to=max(r[2] for r in test_rows),
        notes=tuple(notes),
        health=health_accuracy(features, labels),
    )


# --- training and storage -------------------------------------------------------------------


def rows_before(
    session: Session,
    policy: Policy,
    *,
    data_dir: Path,
    memory_limit: str,
    as_of: date,
    since: date | None = None,
    progress: Progress | None = None,
) -> list[Row]:
    """Every renewal dated before `as_of` (and on or after `since`) whose outcome was
    recorded before `as_of`."""
    day_before = as_of - timedelta(days=1)
    return training.training_rows(
        session,
        policy,
        data_dir=data_dir,
        memory_limit=memory_limit,
        closed_from=since or date(1900, 1, 1),
        closed_to=day_before,
        known_by=day_before,
        progress=progress,
    )


def check_enough(rows: Sequence[Row], policy: Policy, as_of: date) -> None:
    """TECH-1: enough closed renewals with both outcomes, or TooFewOutcomes saying what is
    missing (how many more, which outcome, per term length)."""
    need = policy.forecast.min_outcomes_for_model
    churned = sum(1 for r in rows if r[1] == 0)
    terms = training.terms_text(training.rows_by_term(rows))
    found = (
        Text(
            "{n:,} renewals closed before {day} ({terms})", n=len(rows), day=str(as_of), terms=terms
        )
        if terms
        else Text("{n:,} renewals closed before {day}", n=len(rows), day=str(as_of))
    )
    if len(rows) < need:
        raise TooFewOutcomes(
            Text(
                "TECH-1: {found}, {churned:,} of them churned; the learned model needs {need:,} "
                "(forecast.min_outcomes_for_model): {more:,} more closed renewals with their "
                "outcome (contracts.csv: outcome, closed_at). Renewals count once their "
                "outcome is recorded and their contract had started by its lead time "
                "(forecast.lead_days {lead_days}, at most {share:g} of the term). The forecast "
                "uses the policy prior until then.",
                found=found,
                churned=churned,
                need=need,
                more=need - len(rows),
                lead_days=policy.forecast.lead_days,
                share=policy.forecast.lead_term_share,
            )
        )
    if churned == 0 or churned == len(rows):
        raise TooFewOutcomes(
            Text(
                "TECH-1: the {found} all renewed: a model needs both outcomes (missing: a "
                "churned renewal). The forecast uses the policy prior.",
                found=found,
            )
            if churned == 0
            else Text(
                "TECH-1: the {found} all churned: a model needs both outcomes (missing: a "
                "renewed renewal). The forecast uses the policy prior.",
                found=found,
            )
        )


def recipe(rows: Sequence[Row], policy: Policy) -> tuple[Split, Evaluation]:
    """The time-based hold-out comparison that `train` reports (nothing stored)."""
    split = time_split(rows, policy.forecast.holdout_share)
    if len({r[1] for r in split.train}) < 2:
        raise TooFewOutcomes(
            Text(
                "TECH-1: the {n} renewals before the hold-out (dated before {day}) all had the "
                "same outcome: a model needs both to learn from",
                n=len(split.train),
                day=split.split_date,
            )
        )
    return split, evaluate(split.train, split.test, policy)


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_path(data_dir: Path, stored: str) -> Path:
    path = Path(stored)
    return path if path.is_absolute() else data_dir / path


def train(
    session: Session,
    policy: Policy,
    *,
    data_dir: Path,
    memory_limit: str,
    as_of: date,
    since: date | None = None,
    progress: Progress | None = None,
) -> ModelRun:
    """Train on the renewals closed before `as_of` (dated on or after `since`, if given:
    leave out a period whose data is incomplete), evaluate against the prior on the
    time-based hold-out, refit on all, store the file and the ModelRun (the new active
    model; older ones are retired). Raises TooFewOutcomes with the reason."""
    import joblib
    import sklearn

    report = progress or (lambda step, done, total: None)
    rows = rows_before(
        session,
        policy,
        data_dir=data_dir,
        memory_limit=memory_limit,
        as_of=as_of,
        since=since,
        progress=report,
    )
    check_enough(rows, policy, as_of)
    report(Text("fitting and evaluating"), 0, 2)
    split, evaluation = recipe(rows, policy)
    final = fit([r[0] for r in rows], [r[1] for r in rows], policy=policy)
    report(Text("fitting and evaluating"), 1, 2)
    metrics = {
        **evaluation.as_dict(),
        "rows_by_term": training.rows_by_term(rows),
        "n_fitted": len(rows),
        "since": None if since is None else since.isoformat(),
        "refit": "all: the stored model is the same recipe refitted on every closed renewal",
        "intercept": round(final.intercept, 6),
        "coefficients": {
            n: round(float(c), 6) for n, c in zip(final.features, final.coefficients, strict=True)
        },
        "sklearn": sklearn.__version__,
    }
    run = ModelRun(
        trained_at=utc_now(),
        as_of=as_of,
        kind=KIND,
        lead_days=policy.forecast.lead_days,
        n_train=len(split.train),
        n_test=len(split.test),
        features=final.features,
        metrics=metrics,
        path="",
        checksum="",
        status="active",
    )
    session.add(run)
    session.flush()
    relative = Path("models") / f"likelihood-{as_of.isoformat()}-{run.model_id}.joblib"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(
        {
            "format": FORMAT,
            "kind": KIND,
            "pipeline": final.pipeline,
            "features": final.features,
            "sklearn": sklearn.__version__,
            "as_of": as_of.isoformat(),
        },
        target,
    )
    run.path = relative.as_posix()
    run.checksum = checksum(target)
    session.execute(
        update(ModelRun)
        .where(ModelRun.status == "active", ModelRun.model_id != run.model_id)
        .values(status="retired")
    )
    session.flush()
    report(Text("fitting and evaluating"), 2, 2)
    return run


def active_run(session: Session) -> ModelRun | None:
    return session.scalars(
        select(ModelRun).where(ModelRun.status == "active").order_by(ModelRun.model_id.desc())
    ).first()


def last_run(session: Session) -> ModelRun | None:
    return session.scalars(select(ModelRun).order_by(ModelRun.model_id.desc())).first()


@dataclass(frozen=True)
class Resolved:
    """Which likelihood engine to use and why: the learned model, or None for the prior."""

    engine: LearnedEngine | None
    reason: str
    run: ModelRun | None = None


def _brier(run: ModelRun, engine: str) -> float | None:
    value = (run.metrics or {}).get(engine, {}).get("brier")
    return None if value is None else float(value)


def read_model(run: ModelRun, *, data_dir: Path) -> tuple[LearnedEngine | None, str]:
    """The stored model, if its file exists, matches its checksum and fits this code."""
    import joblib
    import sklearn

    path = model_path(data_dir, run.path)
    if not path.is_file():
        return None, f"model #{run.model_id}: file {path} is missing; retrain"
    found = checksum(path)
    if found != run.checksum:
        return None, (
            f"model #{run.model_id}: file {path} does not match its recorded sha256 "
            "(changed or corrupted): refused; retrain"
        )
    try:
        stored = joblib.load(path)
    except Exception as exc:  # a readable message beats a traceback; the prior still works
        return None, f"model #{run.model_id}: cannot read {path} ({exc}); retrain"
    if stored.get("format") != FORMAT or stored.get("features") != training.feature_names():
        return None, (
            f"model #{run.model_id} was trained on another feature set than this version "
            "uses; retrain"
        )
    if stored.get("sklearn") != sklearn.__version__:
        return None, (
            f"model #{run.model_id} was trained with scikit-learn {stored.get('sklearn')}, "
            f"{sklearn.__version__} is installed; retrain"
        )
    engine = LearnedEngine(
        stored["pipeline"],
        stored["features"],
        model_id=run.model_id,
        n_fitted=int((run.metrics or {}).get("n_fitted", run.n_train + run.n_test)),
    )
    return engine, ""


def resolve(session: Session, policy: Policy, *, data_dir: Path) -> Resolved:
    """The active model if it may be used (TECH-1), else None and the reason."""
    run = active_run(session)
    if run is None:
        return Resolved(None, Text("TECH-1: no trained model (`renewals model train`): the prior"))
    f = policy.forecast
    outcomes = run.n_train + run.n_test
    if outcomes < f.min_outcomes_for_model:
        return Resolved(
            None,
            Text(
                "TECH-1: model #{id} learned from {outcomes} renewals, the policy asks for "
                "{need} (forecast.min_outcomes_for_model): the prior",
                id=run.model_id,
                outcomes=outcomes,
                need=f.min_outcomes_for_model,
            ),
            run,
        )
    learned, prior = _brier(run, "learned"), _brier(run, "prior")
    if learned is None or prior is None:
        return Resolved(
            None, Text("model #{id} has no hold-out Brier score: the prior", id=run.model_id), run
        )
    if prior - learned < f.min_learned_improvement:
        return Resolved(
            None,
            Text(
                "TECH-1: model #{id} hold-out Brier {learned:.4f} does not beat the prior's "
                "{prior:.4f} by {improvement:g} (forecast.min_learned_improvement): the prior",
                id=run.model_id,
                learned=learned,
                prior=prior,
                improvement=f.min_learned_improvement,
            ),
            run,
        )
    engine, why = read_model(run, data_dir=data_dir)
    if engine is None:
        return Resolved(None, f"{why}: the prior", run)
    engine.reason = Text(
        "TECH-1: learned model #{id} (trained {day} on {outcomes:,} closed renewals; hold-out "
        "Brier {learned:.4f} vs the prior's {prior:.4f})",
        id=run.model_id,
        day=str(run.as_of),
        outcomes=outcomes,
        learned=learned,
        prior=prior,
    )
    return Resolved(engine, engine.reason, run)


def load_engine(session: Session, policy: Policy, *, data_dir: Path) -> LearnedEngine | None:
    """The learned engine to use, or None: the caller uses the policy prior (see `resolve`
    for why; the reason is also logged)."""
    resolved = resolve(session, policy, data_dir=data_dir)
    logger.info("likelihood engine: %s", resolved.reason)
    return resolved.engine


# --- re-evaluation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Reevaluation:
    """`renewals model evaluate`: the recipe on today's hold-out, and the active model on
    the renewals that closed after it was trained (which it never saw)."""

    as_of: date
    closed: int
    recipe: Evaluation | None
    reason: str  # why there is no recipe evaluation ("" when there is)
    run: ModelRun | None
    since_training: Evaluation | None
    since_note: str
    rows_by_term: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "closed_renewals": self.closed,
            "holdout": None
            if self.recipe is None
            else {**self.recipe.as_dict(), "rows_by_term": self.rows_by_term},
            "rows_by_term": self.rows_by_term,
            "reason": self.reason,
            "active_model": None if self.run is None else self.run.model_id,
            "since_training": None
            if self.since_training is None
            else self.since_training.as_dict(),
            "since_training_note": self.since_note,
        }


def reevaluate(
    session: Session,
    policy: Policy,
    *,
    data_dir: Path,
    memory_limit: str,
    as_of: date,
    since: date | None = None,
    progress: Progress | None = None,
) -> Reevaluation:
    """Recompute the hold-out comparison as of `as_of` without storing a model, and score
    the active model on the renewals closed between its training day and `as_of`."""
    rows = rows_before(
        session,
        policy,
        data_dir=data_dir,
        memory_limit=memory_limit,
        as_of=as_of,
        since=since,
        progress=progress,
    )
    result: Evaluation | None = None
    reason = ""
    try:
        check_enough(rows, policy, as_of)
        _, result = recipe(rows, policy)
    except TooFewOutcomes as exc:
        reason = exc.message
    run = active_run(session)
    unseen: Evaluation | None = None
    note = ""
    if run is None:
        note = Text("no active model")
    else:
        engine, why = read_model(run, data_dir=data_dir)
        later = [r for r in rows if r[2] >= run.as_of]
        if engine is None:
            note = why
        elif not later:
            note = Text(
                "no renewal dated on or after model #{id}'s training day {day} has closed yet",
                id=run.model_id,
                day=str(run.as_of),
            )
        else:
            unseen = evaluate([], later, policy, engine=engine)
            note = Text(
                "{n} renewals dated on or after {day}, closed since model #{id} was trained "
                "(it never saw them)",
                n=len(later),
                day=str(run.as_of),
                id=run.model_id,
            )
    return Reevaluation(
        as_of, len(rows), result, reason, run, unseen, note, training.rows_by_term(rows)
    )
