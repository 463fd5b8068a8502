"""Calibrate the health scorecard on the book's own closed renewals (HEALTH-1, LEARN-2;
issue 17): pure rules on plain values, no I/O, no clock.

The explanation stays the same kind (facts -> measure scores -> weighted components ->
0-100, with rule IDs); only the numbers change:

1. **Measure points** (the thresholds). For each measure of the policy, an isotonic fit of
   the renewal rate on the feature over the training renewals (rising or falling,
   whichever fits better), read at the feature's 5th, 25th, 50th, 75th and 95th
   percentiles. Each point's score is `50 + 25 log2(odds / book odds)`, clamped to 0-100:
   50 is the book's average renewal odds (a measure at 50 neither helps nor hurts, as
   the drivers assume), every doubling of the odds adds 25 points.
2. **Weights**. A logistic regression of renewal on the measure scores with non-negative
   coefficients (a higher score never lowers the odds), L2-penalised. A component's
   weight is the sum of its measures' coefficients, a measure's weight its share in
   the component: with every measure present the score is then exactly the regression's
   linear predictor, rescaled. Measures with a zero coefficient are dropped.
3. **Category thresholds** (HEALTH-2, HEALTH-3). A one-feature logistic fit of churn on the
   new score gives each score a churn probability: red below the score where it is
   `RED_CHURN_MULTIPLE` x the book's churn rate, green from where it is at most the
   book's rate; the warning line is the red line.

Point in time: the rows are the closed renewals as they looked a lead time before their
dates (`forecast.training`), so nothing here looks ahead. The fit uses the older
renewals; the newest `forecast.holdout_share` is the time-based hold-out on which the
scorecard before and after, and every component, are compared (ROC AUC).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from renewals.account.domain import Segment
from renewals.health.domain import COMPONENTS, score_health, too_new_to_trend
from renewals.kit.i18n import Text, joined
from renewals.policy.domain import Health, Measure, SegmentWeights

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
POINTS_PER_DOUBLING = 25.0
RED_CHURN_MULTIPLE = 2.0
MIN_ROWS_PER_MEASURE = 50  # a measure with fewer training rows keeps its points
L2 = 1.0  # penalty on the (standardised) coefficients


@dataclass(frozen=True)
class CalRow:
    """One closed renewal as it looked before its date: features, segment, churned (1/0)."""

    features: Mapping[str, float | None]
    segment: Segment | None
    churned: int
    renewal_date: date


def auc(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    """ROC AUC of `scores` ranking the positives (label 1) first; None with one class."""
    from sklearn.metrics import roc_auc_score

    if len(set(labels)) < 2:
        return None
    return float(roc_auc_score(list(labels), list(scores)))


def _isotonic(x: np.ndarray, y: np.ndarray, increasing: bool) -> tuple[np.ndarray, float]:
    from sklearn.isotonic import IsotonicRegression

    model = IsotonicRegression(increasing=increasing, out_of_bounds="clip", y_min=0, y_max=1)
    fitted = model.fit_transform(x, y)
    return fitted, float(np.mean((fitted - y) ** 2))


def _odds(p: float) -> float:
    p = min(0.999, max(0.001, p))
    return p / (1 - p)


def fit_points(
    values: Sequence[float], renewed: Sequence[int], base_rate: float
) -> list[tuple[float, float]] | None:
    """The measure's (value, score) points from the renewal rate along the feature, or None
    when the feature takes fewer than two distinct values."""
    from sklearn.isotonic import IsotonicRegression

    x = np.asarray(values, dtype=float)
    y = np.asarray(renewed, dtype=float)
    knots = np.unique(np.round(np.quantile(x, QUANTILES), 6))
    if len(knots) < 2:
        return None
    up, err_up = _isotonic(x, y, True)
    down, err_down = _isotonic(x, y, False)
    model = IsotonicRegression(
        increasing=err_up <= err_down, out_of_bounds="clip", y_min=0, y_max=1
    ).fit(x, y)
    del up, down
    # a little smoothing towards the book rate, so one bin of a few rows is not certain
    n = len(x)
    rates = model.predict(knots)
    prior_weight = 20.0 / max(n, 1) * len(knots)
    rates = (rates + prior_weight * base_rate) / (1 + prior_weight)
    base = _odds(base_rate)
    points = []
    for knot, rate in zip(knots, rates, strict=True):
        score = 50 + POINTS_PER_DOUBLING * math.log2(_odds(float(rate)) / base)
        points.append((float(knot), round(min(100.0, max(0.0, score)), 1)))
    return points


def _measure_scores(rows: Sequence[CalRow], measures: Sequence[Measure]) -> np.ndarray:
    """Rows x measures: each measure's score (NaN without data)."""
    from renewals.health.domain import interpolate

    out = np.full((len(rows), len(measures)), np.nan)
    for j, m in enumerate(measures):
        for i, r in enumerate(rows):
            v = r.features.get(m.feature)
            if v is not None and math.isfinite(v):
                out[i, j] = interpolate(float(v), m.points)
    return out


def _nonnegative_logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Coefficients >= 0 and an intercept of a logistic regression of y on x (L2)."""
    from scipy.optimize import minimize

    n, k = x.shape

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = params[:k], params[k]
        z = x @ w + b
        p = 1 / (1 + np.exp(-z))
        eps = 1e-12
        value = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + L2 / n * (w @ w)
        g = p - y
        grad = np.concatenate([x.T @ g / n + 2 * L2 / n * w, [g.mean()]])
        return float(value), grad

    start = np.zeros(k + 1)
    bounds = [(0.0, None)] * k + [(None, None)]
    result = minimize(loss, start, jac=True, bounds=bounds, method="L-BFGS-B")
    return result.x[:k], float(result.x[k])


@dataclass(frozen=True)
class Proposal:
    """What `renewals health calibrate` proposes and how it did on the hold-out."""

    n_train: int
    n_test: int
    churn_rate: float
    split_date: date | None
    auc_before: float | None
    auc_after: float | None
    components_before: dict[str, float | None]
    components_after: dict[str, float | None]
    weights: dict[str, float]
    measures: list[Measure]
    dropped: list[str]
    kept: list[str]  # measures with too few rows: points unchanged
    warning_score: float
    yellow_min_score: float
    green_min_score: float
    notes: list[str] = field(default_factory=list)
    share: float = 1.0  # how far the proposal moved from the current scorecard to the fit
    inner_aucs: dict[float, float | None] = field(default_factory=dict)
    segment_weights: dict[str, dict[str, float]] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)  # candidate facts proposed as measures

    def health(self, policy: Health) -> Health:
        """`policy` with the proposal applied (what `--write` writes)."""
        return policy.model_copy(
            update={
                "measures": self.measures,
                "weights": policy.weights.model_copy(update=self.weights),
                "segment_weights": {
                    Segment(k): SegmentWeights(**v) for k, v in self.segment_weights.items()
                },
                "warning_score": self.warning_score,
                "yellow_min_score": self.yellow_min_score,
                "green_min_score": self.green_min_score,
            }
        )

    def health_table(self, policy: Health) -> dict[str, Any]:
        """The [health] keys to write into a policy file (plain TOML data)."""
        segments = {
            seg.value: self.segment_weights.get(seg.value, {c: self.weights[c] for c in COMPONENTS})
            for seg in policy.segment_weights
        }
        return {
            "warning_score": self.warning_score,
            "yellow_min_score": self.yellow_min_score,
            "green_min_score": self.green_min_score,
            "weights": dict(self.weights),
            **({"segment_weights": segments} if segments else {}),
            "measures": [
                {
                    "component": m.component,
                    "feature": m.feature,
                    "weight": m.weight,
                    "points": [[x, y] for x, y in m.points],
                }
                for m in self.measures
            ],
        }


def split_rows(rows: Sequence[CalRow], holdout_share: float) -> tuple[list[CalRow], list[CalRow]]:
    """Oldest renewals to fit on, the newest `holdout_share` (by date, a day never split)
    to test on."""
    ordered = sorted(rows, key=lambda r: r.renewal_date)
    k = min(len(ordered) - 1, max(1, math.floor(len(ordered) * (1 - holdout_share))))
    day = ordered[k].renewal_date
    return [r for r in ordered if r.renewal_date < day], [
        r for r in ordered if r.renewal_date >= day
    ]


def scores_of(rows: Sequence[CalRow], policy: Health) -> tuple[list[float], dict[str, list]]:
    """Each row's score under `policy` (missing = 50, the neutral score) and its component
    scores (None where missing)."""
    totals: list[float] = []
    parts: dict[str, list] = {c: [] for c in COMPONENTS}
    for r in rows:
        h = score_health(r.features, policy, segment=r.segment)
        totals.append(50.0 if h.score is None else h.score)
        for c in h.components:
            parts[c.name].append(c.score)
    return totals, parts


def component_aucs(rows: Sequence[CalRow], policy: Health) -> dict[str, float | None]:
    """Per component, the ROC AUC of (100 - its score) against churn, over the rows where it
    has data (None when it has none, or one outcome only)."""
    _, parts = scores_of(rows, policy)
    out: dict[str, float | None] = {}
    for name, values in parts.items():
        pairs = [(100 - v, r.churned) for v, r in zip(values, rows, strict=True) if v is not None]
        out[name] = auc([p[0] for p in pairs], [p[1] for p in pairs]) if pairs else None
    return out


@dataclass(frozen=True)
class _Fit:
    """A scorecard fitted on some renewals (no category lines yet)."""

    policy: Health
    weights: dict[str, float]
    present: frozenset[str]  # the components with data on these renewals
    dropped: list[str]
    kept: list[str]
    notes: list[str]
    added: list[str] = field(default_factory=list)  # candidates the fit gave weight


def _as_scored(rows: Sequence[CalRow], policy: Health) -> list[CalRow]:
    """The rows with the facts the scorecard would read: trends an account is too new for
    left out (FUND-6), so no curve is fitted on values no score will ever use."""
    return [replace(r, features=too_new_to_trend(r.features, policy)[0]) for r in rows]


def _candidates(policy: Health) -> list[Measure]:
    """HEALTH-1, LEARN-2: `health.calibration_candidates` no measure reads yet, as measures
    to fit (their points and weights come from the book; flat until then)."""
    measured = {m.feature for m in policy.measures}
    return [
        Measure(component=c.component, feature=c.feature, weight=1.0, points=[(0.0, 50), (1.0, 50)])
        for c in policy.calibration_candidates
        if c.feature not in measured
    ]


def _fit(train: Sequence[CalRow], policy: Health) -> _Fit:
    """Points and weights fitted on `train` (steps 1 and 2), the candidate facts offered
    beside the policy's measures."""
    train = _as_scored(train, policy)
    y_train = np.asarray([1 - r.churned for r in train], dtype=float)
    base_rate = float(y_train.mean())
    notes: list[str] = []
    measures: list[Measure] = []
    kept: list[str] = []
    absent: list[Measure] = []  # no data in this book: kept as they are, for when it comes
    offered = _candidates(policy)
    offered_features = {m.feature for m in offered}
    for m in [*policy.measures, *offered]:
        candidate = m.feature in offered_features
        pairs = [
            (float(r.features[m.feature]), 1 - r.churned)  # type: ignore[arg-type]
            for r in train
            if r.features.get(m.feature) is not None and math.isfinite(r.features[m.feature])  # type: ignore[arg-type]
        ]
        outcomes = {p[1] for p in pairs}
        if not pairs and not candidate:
            absent.append(m)
            continue
        if len(pairs) < MIN_ROWS_PER_MEASURE or len(outcomes) < 2:
            if not candidate:  # a candidate with too little data is simply not offered
                kept.append(m.feature)
                measures.append(m)
            continue
        points = fit_points([p[0] for p in pairs], [p[1] for p in pairs], base_rate)
        if points is None:
            continue
        measures.append(m.model_copy(update={"points": points}))
    if not measures:
        raise ValueError(Text("no measure of the policy has data on these renewals"))
    scores = _measure_scores(train, measures)
    centred = np.nan_to_num((scores - 50.0) / 50.0, nan=0.0)
    coef, _ = _nonnegative_logistic(centred, y_train)
    fitted: list[Measure] = []
    dropped: list[str] = []
    component_total: dict[str, float] = {c: 0.0 for c in COMPONENTS}
    for m, c in zip(measures, coef, strict=True):
        if c <= 1e-6:
            dropped.append(m.feature)
            continue
        component_total[m.component] += float(c)
        fitted.append(m.model_copy(update={"weight": float(f"{c:.3g}")}))
    if not fitted:
        raise ValueError(Text("no measure ranks the churned below the renewed on these renewals"))
    total = sum(component_total.values())
    weights = {c: round(100 * component_total[c] / total, 1) for c in COMPONENTS}
    # A component with no data in this book keeps its weight (it is re-weighted away while
    # it has none) and its measures, so data that arrives later still counts.
    present = {m.component for m in measures}
    for m in absent:
        if m.component not in present:
            fitted.append(m)
            weights[m.component] = policy.weights_for(None)[m.component]
            key = f"{m.component}.{m.feature}"
            notes.append(Text("{key}: no data on these renewals, kept as it is", key=key))
        else:
            dropped.append(m.feature)
    new_policy = policy.model_copy(
        update={
            "measures": fitted,
            "weights": policy.weights.model_copy(update=weights),
            "segment_weights": {},
        }
    )
    added = [f"{m.component}.{m.feature}" for m in fitted if m.feature in offered_features]
    dropped = [f for f in dropped if f not in offered_features]  # never a measure: not dropped
    return _Fit(new_policy, weights, frozenset(present), dropped, kept, notes, added)


def _curve_mix(
    a: Sequence[tuple[float, float]], b: Sequence[tuple[float, float]], share: float
) -> list[tuple[float, float]]:
    """The piecewise-linear curve (1 - share) a + share b, exactly: both are read at the
    union of their points."""
    from renewals.health.domain import interpolate

    xs = sorted({x for x, _ in a} | {x for x, _ in b})
    out = [(x, round((1 - share) * interpolate(x, a) + share * interpolate(x, b), 1)) for x in xs]
    return [(float(x), float(y)) for x, y in out]


def blend(
    default: Health, fitted: Health, share: float, present: Collection[str] | None = None
) -> Health:
    """HEALTH-1: the scorecard `share` of the way from `default` to `fitted` (0 = default,
    1 = fitted): each measure's points are the mix of its two curves, each measure's share
    of its component and each component's weight the mix of the two. Still facts -> points
    -> weighted components: a shrunk fit, not a new kind of score. `present`: the
    components the fit saw data for (default: all of its measures'); the others stay as
    they are in `default`."""
    if share <= 0:
        return default
    if share >= 1:
        return fitted
    by_key = {(m.component, m.feature): m for m in fitted.measures}
    old_keys = {(m.component, m.feature) for m in default.measures}

    def shares(measures: Sequence[Measure]) -> dict[tuple[str, str], float]:
        totals: dict[str, float] = {}
        for m in measures:
            totals[m.component] = totals.get(m.component, 0.0) + m.weight
        return {(m.component, m.feature): m.weight / totals[m.component] for m in measures}

    d_share, f_share = shares(default.measures), shares(fitted.measures)
    fitted_components = set(
        present if present is not None else (m.component for m in fitted.measures)
    )
    measures: list[Measure] = []
    for m in [*default.measures, *(m for k, m in by_key.items() if k not in old_keys)]:
        key = (m.component, m.feature)
        if m.component not in fitted_components:  # the fit has no view of it: as it was
            measures.append(m)
            continue
        weight = (1 - share) * d_share.get(key, 0.0) + share * f_share.get(key, 0.0)
        if weight <= 1e-6:
            continue
        other = by_key.get(key)
        points = m.points if other is None else _curve_mix(m.points, other.points, share)
        measures.append(m.model_copy(update={"weight": float(f"{weight:.3g}"), "points": points}))

    def mix(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        # the fitted weights are put on the scale of the default's over the same components
        common = [c for c in COMPONENTS if c in fitted_components]
        scale = sum(before[c] for c in common) / (sum(after[c] for c in common) or 1.0)
        return {
            c: round((1 - share) * before[c] + share * after[c] * scale, 1)
            if c in fitted_components
            else before[c]
            for c in COMPONENTS
        }

    after = fitted.weights_for(None)
    segment_weights = {
        seg: SegmentWeights(**mix(default.weights_for(seg), after))
        for seg in default.segment_weights
    }
    return default.model_copy(
        update={
            "measures": measures,
            "weights": default.weights.model_copy(update=mix(default.weights_for(None), after)),
            "segment_weights": segment_weights,
        }
    )


def choose_share(
    train: Sequence[CalRow], policy: Health, *, holdout_share: float
) -> tuple[float, dict[float, float | None], str]:
    """LEARN-2: how far to move from the current scorecard toward the fit, decided on the
    training renewals only: fit on their older part, try each of
    `health.calibration_shares` on their newest `holdout_share` (a time-based inner
    split), keep the best ROC AUC (a tie goes to the smaller move). Returns the share, each
    share's inner AUC and the reason in words."""
    candidates = sorted(set(policy.calibration_shares))
    inner_train, inner_test = split_rows(train, holdout_share)
    labels = [r.churned for r in inner_test]
    if len(set(labels)) < 2 or len({r.churned for r in inner_train}) < 2:
        return 1.0, {}, Text("too few renewals for an inner split: the fit is proposed as it is")
    try:
        inner_fit = _fit(inner_train, policy)
    except ValueError:
        return 1.0, {}, Text("no fit on the older renewals alone: the fit is proposed as it is")
    aucs: dict[float, float | None] = {}
    for share in candidates:
        scores, _ = scores_of(inner_test, blend(policy, inner_fit.policy, share, inner_fit.present))
        aucs[share] = auc([100 - s for s in scores], labels)
    best = max(candidates, key=lambda s: (aucs[s] or 0.0, -s))
    day = inner_test[0].renewal_date
    # each share and its AUC, the figures written the reader's way when printed
    tried = joined((Text("{share:g}: {auc}", share=s, auc=_fmt(aucs[s])) for s in candidates), ", ")
    if best == 0:
        reason = Text(
            "kept the current scorecard: fitted on the renewals before {day}, no move toward "
            "the fit ranked those from {day} better (AUC by share of the fit: {tried})",
            day=day,
            tried=tried,
        )
    else:
        reason = Text(
            "moved {share:.0%} of the way to the fit: the best AUC on the renewals from {day} "
            "when fitted on those before (AUC by share of the fit: {tried})",
            share=best,
            day=day,
            tried=tried,
        )
    return best, aucs, reason


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def calibrate(rows: Sequence[CalRow], policy: Health, *, holdout_share: float) -> Proposal:
    """Fit points, weights and category lines on the older rows, moved toward the fit only
    as far as an inner time split supports (`choose_share`); compare on the newest."""
    train, test = split_rows(rows, holdout_share)
    share, inner_aucs, reason = choose_share(train, policy, holdout_share=holdout_share)
    fit = _fit(train, policy)
    new_policy = blend(policy, fit.policy, share, fit.present)
    # HEALTH-2/3: category lines from the churn probability the new score implies
    train_scores, _ = scores_of(train, new_policy)
    red, green = _lines(train_scores, [r.churned for r in train])
    new_policy = new_policy.model_copy(
        update={"warning_score": red, "yellow_min_score": red, "green_min_score": green}
    )
    before, _ = scores_of(test, policy)
    after, _ = scores_of(test, new_policy)
    labels = [r.churned for r in test]
    kept_features = {m.feature for m in new_policy.measures}
    return Proposal(
        n_train=len(train),
        n_test=len(test),
        churn_rate=float(np.mean([r.churned for r in rows])),
        split_date=test[0].renewal_date if test else None,
        auc_before=auc([100 - s for s in before], labels),
        auc_after=auc([100 - s for s in after], labels),
        components_before=component_aucs(test, policy),
        components_after=component_aucs(test, new_policy),
        weights=new_policy.weights_for(None),
        measures=list(new_policy.measures),
        dropped=[f for f in fit.dropped if f not in kept_features],
        kept=fit.kept,
        warning_score=red,
        yellow_min_score=red,
        green_min_score=green,
        notes=[*fit.notes, reason] if share < 1 or inner_aucs else fit.notes,
        share=share,
        inner_aucs=inner_aucs,
        segment_weights={
            seg.value: new_policy.weights_for(seg) for seg in new_policy.segment_weights
        },
        added=[a for a in fit.added if a.split(".", 1)[1] in kept_features],
    )


def _lines(scores: Sequence[float], churned: Sequence[int]) -> tuple[float, float]:
    """(red below, green from): where the churn probability implied by the score is
    RED_CHURN_MULTIPLE x the book's churn rate, and the book's rate."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(scores, dtype=float).reshape(-1, 1)
    y = np.asarray(churned, dtype=int)
    rate = float(y.mean())
    if len(set(y.tolist())) < 2:
        return 50.0, 70.0
    model = LogisticRegression(C=1e4).fit(x, y)
    a, b = float(model.intercept_[0]), float(model.coef_[0][0])
    if b >= 0:  # a higher score does not mean less churn: keep the usual lines
        return 50.0, 70.0

    def at(p: float) -> float:
        p = min(0.999, max(0.001, p))
        return (math.log(p / (1 - p)) - a) / b

    red = round(min(95.0, max(5.0, at(min(0.95, RED_CHURN_MULTIPLE * rate)))))
    green = round(min(95.0, max(float(red), at(rate))))
    return float(red), float(green)
