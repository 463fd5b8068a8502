"""The policy as validated data: every tunable rule with its rule ID (docs/rules.md).

Field metadata carries the rule ID (`rule(...)`), so `renewals policy show`
can print each effective value next to the rule it implements. Defaults live
in `defaults.toml` beside this file, not here: the models only validate.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from renewals.account.domain import Segment
from renewals.kit.i18n import Text
from renewals.user.domain import Role

# Where a key's default comes from (docs/policy-reference.md shows it for every key):
SEED: Final = "seed"  # the seed rule itself gives the value (a number, a list, a yes/no)
PRODUCT: Final = "product default"  # the rule names the idea; the value is the product's own choice
Source = Literal["seed", "product default"]


def rule(rule_id: str, description: str, *, source: Source = SEED, **constraints: Any) -> Any:
    """A required policy field annotated with the rule it implements (docs/rules.md) and
    whether its default comes from that rule (`SEED`) or is the product's choice (`PRODUCT`)."""
    return Field(
        ...,
        description=description,
        json_schema_extra={"rule": rule_id, "source": source},
        **constraints,
    )


def inherited(description: str, *, source: Source = SEED, **constraints: Any) -> Any:
    """A required field whose rule ID is the enclosing field's (list items of several rules)."""
    return Field(..., description=description, json_schema_extra={"source": source}, **constraints)


def optional_rule(
    rule_id: str, description: str, default: Any, *, source: Source = SEED, **constraints: Any
) -> Any:
    return Field(
        default,
        description=description,
        json_schema_extra={"rule": rule_id, "source": source},
        **constraints,
    )


class PolicyModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def value_source(self, name: str, declared: Source) -> Source:
        """Where this item's value `name` comes from: the schema's `declared` source, unless
        one item of a list knows better (a step after the renewal date: the seeds give no
        day). `renewals policy show` and tests/policy/test_sources.py read it."""
        return declared


class Range(PolicyModel):
    min: float = Field(..., ge=0)
    max: float = Field(..., ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError(
                Text("min ({min:g}) is greater than max ({max:g})", min=self.min, max=self.max)
            )
        return self


class Fundamentals(PolicyModel):
    healthy_nrr_rate: float = rule("FUND-2", "NRR at or above this is healthy", gt=0, le=2)
    strong_usage_active_rate: float = rule(
        "FUND-7",
        "active users / seats at or above this is strong retention (80%+ daily users)",
        gt=0,
        le=1,
    )
    weak_retention_categories: list[str] = rule(
        "FUND-7",
        "health categories at the renewal that make a win fragile",
        min_length=1,
        source=PRODUCT,
    )
    follow_up_days: int = rule(
        "FUND-9",
        "after every signature a follow-up task falls due this many days later",
        gt=0,
        source=PRODUCT,
    )
    attention_window_days: int = rule(
        "FUND-9",
        "touches in this many days before and after signature are compared",
        gt=0,
        source=PRODUCT,
    )
    attention_drop_ratio: float = rule(
        "FUND-9",
        "touches after signature below this share of those before: attention dropped",
        gt=0,
        le=1,
        source=PRODUCT,
    )
    nps_promoter: int = rule(
        "FUND-8",
        "NPS at or above this is a promoter (a polite score, if they then leave)",
        ge=0,
        le=10,
        source=PRODUCT,  # the seeds give no NPS scale (9-10 is the usual definition)
    )
    nps_window_days: int = rule(
        "FUND-8",
        "the last NPS this many days before the decision is what they said",
        gt=0,
        source=PRODUCT,
    )


class Drumbeat(PolicyModel):
    """STK-3, STK-4: value made a constant drumbeat; the users who push for the renewal."""

    window_months: int = rule(
        "STK-3", "months of value touches looked back on", gt=0, le=36, source=PRODUCT
    )
    qbr_segments: list[Segment] = rule(
        "STK-3", "segments expected to hold a QBR every quarter", source=PRODUCT
    )
    advocate_active_days: int = rule(
        "STK-4",
        "a user active this many of the last 30 days is an advocate",
        gt=0,
        le=30,
        source=PRODUCT,
    )
    advocate_engaged_days: int = rule(
        "STK-4",
        "a user or champion engaged within this many days is a named advocate",
        gt=0,
        source=PRODUCT,
    )
    advocates_shown: int = rule("STK-4", "advocates listed per account", gt=0, source=PRODUCT)


class Budget(PolicyModel):
    """FUND-4: the customer's fiscal year decides when the renewal's budget is set."""

    planning_months: int = rule(
        "FUND-4",
        "customers set next fiscal year's budget in the months before it starts",
        ge=1,
        le=6,
        source=PRODUCT,
    )
    new_budget_months: int = rule(
        "FUND-4",
        "a renewal in the fiscal year's first months comes right after the new budget",
        ge=0,
        le=6,
        source=PRODUCT,
    )
    max_lead_days: int = rule(
        "FUND-4",
        "an ask date further ahead of the renewal belongs to the previous cycle",
        gt=0,
        le=366,
        source=PRODUCT,
    )
    pull_forward_steps: list[str] = rule(
        "FUND-4",
        "playbook steps (pricing, terms) moved up to an earlier budget ask date",
        source=PRODUCT,
    )
    check_segments: list[Segment] = rule(
        "FUND-4", "segments whose owner gets a budget-check task on the ask date", source=PRODUCT
    )


class SegmentBand(PolicyModel):
    segment: Segment = rule("SEG-1", "segment name")
    min_arr: Decimal = rule("SEG-1", "lowest ARR in the band (inclusive)", ge=0)
    max_arr: Decimal | None = optional_rule(
        "SEG-1", "ARR upper bound (exclusive); none = top band", None, gt=0
    )
    lead_days: int = rule("SEG-1", "days before renewal the motion starts", gt=0)
    team_hours: Range = rule("SEG-1", "team hours per renewal")


class Segments(PolicyModel):
    bands: list[SegmentBand] = rule(
        "SEG-1", "ARR bands, contiguous from 0, no overlaps", min_length=1
    )
    owner_hours_per_week: float = rule(
        "SEG-1",
        "renewal hours an owner has per week (team-capacity check)",
        gt=0,
        le=80,
        source=PRODUCT,
    )

    @field_validator("bands")
    @classmethod
    def _contiguous(cls, value: list[SegmentBand]) -> list[SegmentBand]:
        bands = sorted(value, key=lambda b: b.min_arr)
        names = [b.segment for b in bands]
        if len(set(names)) != len(names):
            raise ValueError(Text("each segment may have only one band"))
        if bands[0].min_arr != 0:
            raise ValueError(
                Text(
                    "the lowest band ({segment}) must start at min_arr = 0",
                    segment=bands[0].segment,
                )
            )
        for low, high in zip(bands, bands[1:], strict=False):
            if low.max_arr is None:
                raise ValueError(
                    Text(
                        "band {low} has no max_arr but {high} starts above it",
                        low=low.segment,
                        high=high.segment,
                    )
                )
            if high.min_arr < low.max_arr:
                raise ValueError(
                    Text(
                        "bands overlap: {high} starts at {start:,} below the end of {low} ({end:,})",
                        high=high.segment,
                        start=high.min_arr,
                        low=low.segment,
                        end=low.max_arr,
                    )
                )
            if high.min_arr > low.max_arr:
                raise ValueError(
                    Text(
                        "gap between bands: {low} ends at {end:,}, {high} starts at {start:,}",
                        low=low.segment,
                        end=low.max_arr,
                        high=high.segment,
                        start=high.min_arr,
                    )
                )
        if bands[-1].max_arr is not None:
            raise ValueError(
                Text("the top band ({segment}) must have no max_arr", segment=bands[-1].segment)
            )
        return value

    def band(self, segment: Segment) -> SegmentBand | None:
        return next((b for b in self.bands if b.segment == segment), None)


class HealthWeights(PolicyModel):
    usage: float = rule("HEALTH-1", "product usage trend", ge=0, source=PRODUCT)
    adoption: float = rule("HEALTH-1", "adoption depth", ge=0, source=PRODUCT)
    support: float = rule("HEALTH-1", "support experience", ge=0, source=PRODUCT)
    relationship: float = rule("HEALTH-1", "relationship strength", ge=0, source=PRODUCT)
    outcomes: float = rule("HEALTH-1", "business-outcome achievement", ge=0, source=PRODUCT)
    sentiment: float = rule("HEALTH-1", "NPS/CSAT", ge=0, source=PRODUCT)
    competitive: float = rule("HEALTH-1", "competitive activity", ge=0, source=PRODUCT)
    tenure: float = optional_rule(
        "MY-1", "tenure: new customers have not proven value yet", 0, ge=0, source=PRODUCT
    )

    @model_validator(mode="after")
    def _some_weight(self) -> Self:
        if sum(self.model_dump().values()) <= 0:
            raise ValueError(Text("at least one health weight must be positive"))
        return self


Component = Literal[
    "usage", "adoption", "support", "relationship", "outcomes", "sentiment", "competitive", "tenure"
]


class SegmentWeights(PolicyModel):
    """HEALTH-1: per-segment overrides of some component weights."""

    usage: float | None = optional_rule(
        "HEALTH-1", "product usage trend", None, ge=0, source=PRODUCT
    )
    adoption: float | None = optional_rule("HEALTH-1", "adoption depth", None, ge=0, source=PRODUCT)
    support: float | None = optional_rule(
        "HEALTH-1", "support experience", None, ge=0, source=PRODUCT
    )
    relationship: float | None = optional_rule(
        "HEALTH-1", "relationship strength", None, ge=0, source=PRODUCT
    )
    outcomes: float | None = optional_rule(
        "HEALTH-1", "business outcomes", None, ge=0, source=PRODUCT
    )
    sentiment: float | None = optional_rule("HEALTH-1", "NPS/CSAT", None, ge=0, source=PRODUCT)
    competitive: float | None = optional_rule(
        "HEALTH-1", "competitive activity", None, ge=0, source=PRODUCT
    )
    tenure: float | None = optional_rule("MY-1", "tenure", None, ge=0, source=PRODUCT)


class Measure(PolicyModel):
    """HEALTH-1: one feature scored 0-100 by linear interpolation between points."""

    component: Component = rule("HEALTH-1", "the component this measure belongs to")
    feature: str = rule(
        "HEALTH-1", "feature name (docs/health.md)", pattern=r"^[a-z][a-z0-9_]*$", source=PRODUCT
    )
    weight: float = rule("HEALTH-1", "weight within the component", gt=0, source=PRODUCT)
    points: list[tuple[float, float]] = rule(
        "HEALTH-1", "(feature value, score) pairs, values rising", min_length=2, source=PRODUCT
    )

    @field_validator("points")
    @classmethod
    def _points(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        values = [x for x, _ in points]
        if any(b <= a for a, b in zip(values, values[1:], strict=False)):
            raise ValueError(Text("point values must rise strictly"))
        if any(not 0 <= y <= 100 for _, y in points):
            raise ValueError(Text("point scores must lie within 0-100"))
        return points

    def value_source(self, name: str, declared: Source) -> Source:
        # HEALTH-1 lists the components; tenure is ours (MY-1 names it for multi-year only).
        return PRODUCT if name == "component" and self.component == "tenure" else declared


class EventKinds(PolicyModel):
    """Issue 17: which usage events are usage. Kinds are the `event` values of the usage
    events, matched by glob patterns (`*remove*`); the first list that matches wins."""

    negative: list[str] = optional_rule(
        "SIG-3",
        "kinds that signal dissatisfaction (a user removing or rejecting something): "
        "counted as negative, never as usage",
        [],
        source=PRODUCT,
    )
    ignore: list[str] = optional_rule(
        "HEALTH-1", "kinds that are not usage at all (system events)", [], source=PRODUCT
    )
    weights: dict[str, float] = optional_rule(
        "HEALTH-1",
        "usage weight of the kinds matching each pattern (1 for the rest)",
        {},
        source=PRODUCT,
    )

    def kind_of(self, event: str) -> tuple[str, float]:
        """("negative" | "ignore" | "usage", weight) of one event kind."""
        from fnmatch import fnmatchcase

        name = event.lower()
        if any(fnmatchcase(name, p.lower()) for p in self.negative):
            return "negative", 1.0
        if any(fnmatchcase(name, p.lower()) for p in self.ignore):
            return "ignore", 0.0
        for pattern, weight in self.weights.items():
            if fnmatchcase(name, pattern.lower()):
                return "usage", weight
        return "usage", 1.0


PeerKey = Literal["segment", "term", "seats"]


class CalibrationCandidate(PolicyModel):
    """HEALTH-1, LEARN-2: a fact stored with every score that no measure reads, which
    `renewals health calibrate` may propose as a measure of `component` when the book's own
    renewals support it (its points fitted like any measure's). Listed here, not added by
    default: on another book it may say nothing."""

    component: Component = rule("HEALTH-1", "the component the measure would belong to")
    feature: str = rule(
        "HEALTH-1", "feature name (docs/health.md)", pattern=r"^[a-z][a-z0-9_]*$", source=PRODUCT
    )

    def value_source(self, name: str, declared: Source) -> Source:
        # as for Measure: tenure is ours (MY-1 names it for multi-year only)
        return PRODUCT if name == "component" and self.component == "tenure" else declared


# SIG-x facts a HEALTH-3 guard can name (renewals.policy.facts.judge judges each, for both).
SignalFact = Literal[
    "seats_unused",
    "detractor_nps",
    "usage_drop",
    "missed_meetings",
    "repeated_complaints",
    "competitive",
]


class HealthGuard(PolicyModel):
    """HEALTH-3: a definition the score alone can miss: when the signal fact holds (judged
    by `renewals.policy.facts.judge` with the signals' own thresholds, the same judgement that raises the
    SIG-x signal), the category is at most `cap`, whatever the score."""

    signal: SignalFact = inherited(
        "the SIG-x fact it reads (its threshold is the signals key named in the reason)"
    )
    cap: Literal["yellow", "red"] = inherited("the highest category it allows", source=PRODUCT)
    reason: str = inherited("what HEALTH-3 says, shown as the reason", min_length=1)


class Health(PolicyModel):
    warning_score: float = rule("HEALTH-2", "warning below this score", ge=0, le=100)
    bottom_quartile: float = rule("HEALTH-2", "share of the book counted as bottom", gt=0, lt=1)
    green_min_score: float = rule("HEALTH-3", "green at or above", ge=0, le=100, source=PRODUCT)
    yellow_min_score: float = rule(
        "HEALTH-3", "yellow at or above; red below", ge=0, le=100, source=PRODUCT
    )  # HEALTH-3 gives no score for red; 50 borrows HEALTH-2's warning line
    review_meeting_due_days: int = rule(
        "HEALTH-4", "red account review meeting due in", ge=0, source=PRODUCT
    )
    min_components: int = rule(
        "HEALTH-1", "components with data needed for a score", ge=1, le=8, source=PRODUCT
    )
    trend_points: float = rule("HEALTH-5", "change that counts as up or down", ge=0, source=PRODUCT)
    top_drivers: int = rule("HEALTH-5", "drivers kept with each score", ge=1, le=20, source=PRODUCT)
    goals_window_days: int = rule(
        "FUND-5", "goals due within this many days count", gt=0, source=PRODUCT
    )
    key_features: list[str] = rule(
        "HEALTH-1", "features that carry the value", min_length=1, source=PRODUCT
    )
    expansion_seat_utilisation: float = rule(
        "HEALTH-3", "growth: seat utilisation", gt=0, source=PRODUCT
    )
    expansion_usage_trend: float = rule(
        "HEALTH-3", "growth: weekly usage trend over 90 days", gt=0, source=PRODUCT
    )
    expansion_needs_budget_authority: bool = rule(
        "HEALTH-3", "expansion needs an engaged economic buyer or decision maker"
    )
    weights: HealthWeights = rule("HEALTH-1", "component weights")
    segment_weights: dict[Segment, SegmentWeights] = optional_rule(
        "HEALTH-1", "per-segment weight overrides", {}, source=PRODUCT
    )
    measures: list[Measure] = rule("HEALTH-1", "how each component is measured", min_length=1)
    guards: list[HealthGuard] = optional_rule(
        "HEALTH-3", "definitions that cap the category whatever the score", []
    )
    red_min_guards: int = optional_rule(
        "HEALTH-3", "this many guards at once make the account red", 2, ge=1, source=PRODUCT
    )
    trend_min_history_days: int = optional_rule(
        "FUND-6",
        "days of usage history before a trend is scored (younger: 'too new to trend')",
        60,
        ge=0,
        source=PRODUCT,
    )
    peer_group: list[PeerKey] = optional_rule(
        "HEALTH-2",
        "book-relative measures (*_pct) rank an account among peers alike in these",
        ["segment", "term", "seats"],
        source=PRODUCT,
    )
    peer_min_accounts: int = optional_rule(
        "HEALTH-2",
        "a peer group smaller than this is widened (dropping the last key) up to the book",
        30,
        ge=1,
        source=PRODUCT,
    )
    calibration_shares: list[float] = optional_rule(
        "HEALTH-1",
        "how far `health calibrate` may move from the current scorecard toward the fit "
        "(0 = keep it, 1 = the fit): the share that ranks best on an inner time split wins",
        [0.0, 0.25, 0.5, 0.75, 1.0],
        min_length=1,
        source=PRODUCT,
    )

    calibration_candidates: list[CalibrationCandidate] = optional_rule(
        "HEALTH-1",
        "facts no measure reads that `health calibrate` may add as measures when the book's "
        "renewals support them",
        [],
        source=PRODUCT,
    )

    events: EventKinds = optional_rule(
        "SIG-3", "event kinds: negative, ignored, weighted", EventKinds(), source=PRODUCT
    )

    @field_validator("calibration_shares")
    @classmethod
    def _shares(cls, shares: list[float]) -> list[float]:
        if any(not 0 <= x <= 1 for x in shares):
            raise ValueError(Text("each share lies within 0-1"))
        return shares

    @model_validator(mode="after")
    def _bands(self) -> Self:
        if self.yellow_min_score > self.green_min_score:
            raise ValueError(Text("yellow_min_score must not exceed green_min_score"))
        pairs = [(m.component, m.feature) for m in self.measures]
        dupes = sorted({f"{c}.{f}" for c, f in pairs if pairs.count((c, f)) > 1})
        if dupes:
            raise ValueError(Text("measures listed twice: {field}", field=", ".join(dupes)))
        return self

    def weights_for(self, segment: Segment | None) -> dict[str, float]:
        """HEALTH-1: component weights, with the segment's overrides applied."""
        weights = self.weights.model_dump()
        override = self.segment_weights.get(segment) if segment else None
        if override:
            weights.update({k: v for k, v in override.model_dump().items() if v is not None})
        return weights


SeverityName = Literal["low", "medium", "high"]


class TextSeverity(PolicyModel):
    competitive: SeverityName = rule("SIG-4", "a competitive remark", source=PRODUCT)
    budget: SeverityName = rule("SIG-5", "a budget remark", source=PRODUCT)
    stakeholder_change: SeverityName = rule("SIG-6", "a stakeholder change", source=PRODUCT)
    business_change: SeverityName = rule("SIG-8", "a business situation change", source=PRODUCT)
    negative_feedback: SeverityName = rule("SIG-3", "negative feedback in words", source=PRODUCT)
    engagement_drop: SeverityName = rule("SIG-2", "disengagement in words", source=PRODUCT)
    usage_decline: SeverityName = rule("SIG-7", "usage decline in words", source=PRODUCT)


class SemanticThresholds(PolicyModel):
    """Per kind, the probability from which a sentence reads as that kind (issue 18)."""

    competitive: float = rule(
        "SIG-4", "a competitive remark by meaning", gt=0, lt=1, source=PRODUCT
    )
    budget: float = rule("SIG-5", "a budget remark by meaning", gt=0, lt=1, source=PRODUCT)
    stakeholder_change: float = rule(
        "SIG-6", "a stakeholder change by meaning", gt=0, lt=1, source=PRODUCT
    )
    business_change: float = rule(
        "SIG-8", "a business situation change by meaning", gt=0, lt=1, source=PRODUCT
    )
    negative_feedback: float = rule(
        "SIG-3", "negative feedback by meaning", gt=0, lt=1, source=PRODUCT
    )
    engagement_drop: float = rule("SIG-2", "disengagement by meaning", gt=0, lt=1, source=PRODUCT)
    usage_decline: float = rule("SIG-7", "usage decline by meaning", gt=0, lt=1, source=PRODUCT)


class SemanticVetoes(PolicyModel):
    """Per kind, the score by meaning below which a vocabulary hit of that kind is vetoed
    (issue 18; 0: never)."""

    competitive: float = rule(
        "SIG-4", "a competitive phrase that does not read as one", ge=0, lt=1, source=PRODUCT
    )
    budget: float = rule(
        "SIG-5", "a budget phrase that does not read as one", ge=0, lt=1, source=PRODUCT
    )
    stakeholder_change: float = rule(
        "SIG-6", "a stakeholder-change phrase that does not read as one", ge=0, lt=1, source=PRODUCT
    )
    business_change: float = rule(
        "SIG-8", "a business-change phrase that does not read as one", ge=0, lt=1, source=PRODUCT
    )
    negative_feedback: float = rule(
        "SIG-3", "a complaint phrase that does not read as one", ge=0, lt=1, source=PRODUCT
    )
    engagement_drop: float = rule(
        "SIG-2", "a disengagement phrase that does not read as one", ge=0, lt=1, source=PRODUCT
    )
    usage_decline: float = rule(
        "SIG-7", "a usage-decline phrase that does not read as one", ge=0, lt=1, source=PRODUCT
    )


class Semantic(PolicyModel):
    """Signals in words by meaning beside the vocabulary (issue 18, renewals.signal.semantic)."""

    enabled: bool = rule("SIG-0", "read texts by meaning as well as by vocabulary", source=PRODUCT)
    same_as: float = rule(
        "SIG-0",
        "a sentence this similar to one the team labelled takes the team's labels",
        gt=0,
        le=1,
        source=PRODUCT,
    )
    team_weight: float = rule(
        "SIG-0", "a team label weighs this many examples in the classifier", ge=1, source=PRODUCT
    )
    regularisation: float = rule(
        "SIG-0", "inverse regularisation (C) of the per-kind classifiers", gt=0, source=PRODUCT
    )
    neighbours: int = rule(
        "SIG-0", "nearest examples that vote beside the classifiers (0: none)", ge=0, source=PRODUCT
    )
    neighbour_weight: float = rule(
        "SIG-0", "share of the nearest examples' vote in a kind's score", ge=0, le=1, source=PRODUCT
    )
    temperature: float = rule(
        "SIG-0", "softmax temperature of the vote over similarities", gt=0, source=PRODUCT
    )
    threshold: SemanticThresholds = rule("SIG-0", "score from which a sentence is a hit")
    veto_below: SemanticVetoes = rule(
        "SIG-0", "score below which the meaning vetoes a vocabulary hit"
    )
    veto_context_words: int = rule(
        "SIG-0",
        "words beside the matched phrase a sentence needs before the meaning may veto it",
        ge=0,
        source=PRODUCT,
    )


class Signals(PolicyModel):
    min_signals_for_risk: int = rule("SIG-0", "signals together that make real risk", ge=1)
    usage_drop_pct: float = rule("SIG-7", "usage drop that counts as decline", gt=0, le=100)
    lookback_days: int = rule(
        "SIG-3", "window for repeated complaints and trends", gt=0, source=PRODUCT
    )
    single_thread_max_contacts: int = rule(
        "SIG-9", "engaged contacts at or below = single-threaded", ge=1
    )
    engaged_within_days: int = rule(
        "SIG-9", "a contact engaged this recently counts", gt=0, source=PRODUCT
    )
    champion_slowdown_factor: float = rule(
        "SIG-2", "champion response slowdown factor", gt=1, source=PRODUCT
    )
    champion_baseline_days: int = rule(
        "SIG-2", "reply time now is compared with this far back", gt=0, source=PRODUCT
    )
    high_severity_multiple: float = rule(
        "SIG-0",
        "a signal this many times past its threshold is high severity",
        gt=1,
        source=PRODUCT,
    )
    low_nps: int = rule("SIG-3", "NPS at or below is a detractor", ge=0, le=10, source=PRODUCT)
    low_csat: int = rule("SIG-3", "CSAT at or below is negative", ge=1, le=5, source=PRODUCT)
    competitive_switches_to_save: bool = rule("SIG-4", "any competitive signal means save mode")
    stakeholder_change_days: int = rule(
        "SIG-6", "departure this recent resets the relationship", gt=0, source=PRODUCT
    )
    sentiment_days: int = rule(
        "SIG-3", "window for NPS and competitive remarks", gt=0, source=PRODUCT
    )
    health_drop_points: float = rule(
        "SIG-1", "fall since the previous snapshot", gt=0, source=PRODUCT
    )
    missed_meetings_min: int = rule("SIG-2", "missed meetings in the window", ge=1, source=PRODUCT)
    missed_meeting_rate: float = rule(
        "SIG-2", "and missed share of scheduled", gt=0, le=1, source=PRODUCT
    )
    low_seat_utilisation: float = rule(
        "SIG-7", "seats unused below this share", gt=0, le=1, source=PRODUCT
    )
    nps_drop_points: float = rule(
        "SIG-3", "falling NPS: drop on the half-year before", gt=0, source=PRODUCT
    )
    text_severity: TextSeverity = rule("SIG-0", "weight of one remark in words")
    semantic: Semantic = rule("SIG-0", "signals in words by meaning (issue 18)")


# TIME-4: what happening closes a task by itself (the event is kept on the task).
TaskEvent = Literal[
    "save_plan_started",
    "contract_sent",
    "contract_signed",
    "message:heads_up",
    "message:formal_notice",
    "message:follow_up",
    "message:final_reminder",
]


class Step(PolicyModel):
    key: str = inherited(
        "step key (unique per segment)", pattern=r"^[a-z][a-z0-9_]*$", source=PRODUCT
    )
    offset_days: int = inherited("days before renewal (negative = after)", ge=-365, le=730)
    title: str = inherited("task title", min_length=1)
    customer_facing: bool = rule("TIME-5", "needs the owner's permission to send")
    automated: bool = optional_rule("TIME-3", "sent by automation once permitted", False)
    min_arr: Decimal | None = optional_rule(
        "TIME-2", "only for accounts at or above this ARR", None, ge=0, source=PRODUCT
    )
    done_when: list[TaskEvent] = optional_rule(
        "TIME-4", "events that complete the step's task (closed by itself)", [], source=PRODUCT
    )

    def value_source(self, name: str, declared: Source) -> Source:
        # TIME-1 says "after signature" but gives no day: a step after the date is ours.
        return PRODUCT if name == "offset_days" and self.offset_days < 0 else declared


def _unique_keys(steps: list[Step], segment: str) -> None:
    keys = [s.key for s in steps]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ValueError(
            Text("{key}: duplicate step keys {field}", key=segment, field=", ".join(dupes))
        )


class Timelines(PolicyModel):
    lookahead_days: int = rule(
        "TIME-4", "tasks appear this many days before due", ge=0, le=365, source=PRODUCT
    )
    catch_up_due_days: int = rule(
        "TIME-4",
        "steps passed before entry become one catch-up task, due this many days after",
        ge=0,
        le=60,
        source=PRODUCT,
    )
    enterprise: list[Step] = rule("TIME-1", "enterprise playbook steps")
    mid_market: list[Step] = rule("TIME-2", "mid-market playbook steps")
    smb: list[Step] = rule("TIME-3", "SMB playbook steps")

    @model_validator(mode="after")
    def _keys(self) -> Self:
        for segment in Segment:
            _unique_keys(self.for_segment(segment), segment.value)
        return self

    def for_segment(self, segment: Segment) -> list[Step]:
        return list(getattr(self, segment.value))


class Stages(PolicyModel):
    assessment_days: int = rule("TIME-4", "90+ assessment", gt=0)
    preparation_days: int = rule("TIME-4", "60 preparation", gt=0)
    engagement_days: int = rule("TIME-4", "30 engagement", gt=0)
    closing_days: int = rule("TIME-4", "14 closing; day 0 execution", gt=0)
    auto_advance_to: Literal["assessment", "preparation", "engagement", "closing", "execution"] = (
        rule("TIME-4", "the daily run advances stages by date up to this one", source=PRODUCT)
    )

    @model_validator(mode="after")
    def _descending(self) -> Self:
        days = [
            self.assessment_days,
            self.preparation_days,
            self.engagement_days,
            self.closing_days,
        ]
        if days != sorted(days, reverse=True) or len(set(days)) != 4:
            raise ValueError(
                Text(
                    "stage days must fall strictly: assessment > preparation > engagement > closing"
                )
            )
        return self


class PathStep(PolicyModel):
    key: str = inherited(
        "task key (unique per renewal)", pattern=r"^[a-z][a-z0-9_]*$", source=PRODUCT
    )
    title: str = inherited("task title", min_length=1)
    due_in_days: int = inherited(
        "due this many days after the path starts", ge=0, le=90, source=PRODUCT
    )
    review_meeting: bool = optional_rule(
        "HEALTH-4",
        "this step is the red review meeting: one task with HEALTH-4's",
        False,
        source=PRODUCT,  # HEALTH-4 and SEG-2 each ask for a meeting; serving both with one is ours
    )
    done_when: list[TaskEvent] = optional_rule(
        "TIME-4", "events that complete the step's task (closed by itself)", [], source=PRODUCT
    )


class Paths(PolicyModel):
    red: list[PathStep] = rule("SEG-2", "tasks added when a renewal's health is red")
    at_risk: list[PathStep] = rule("SEG-3", "tasks added when a renewal becomes at-risk")

    @model_validator(mode="after")
    def _keys(self) -> Self:
        keys = [s.key for s in (*self.red, *self.at_risk)]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(Text("duplicate path step keys {field}", field=", ".join(dupes)))
        return self


Category = Literal["green", "yellow", "red", "expansion"]


class Opportunity(PolicyModel):
    at_risk_risks: list[Literal["watch", "at_risk", "save"]] = rule(
        "SEG-3", "SIG-0 risk levels that make a renewal at-risk", min_length=1, source=PRODUCT
    )
    healthy_categories: list[Category] = rule(
        "SEG-2",
        "health categories not made at-risk by signals short of save mode",
        source=PRODUCT,
    )
    early_min_days: int = rule(
        "SEG-3", "early renewal from this many days out", gt=0, source=PRODUCT
    )
    early_min_score: float = rule(
        "SEG-3", "early renewal needs this health score", ge=0, le=100, source=PRODUCT
    )
    early_min_customer_months: int = rule(
        "SEG-3", "early renewal needs this tenure", ge=0, source=PRODUCT
    )
    expansion_target_pct: float = rule(
        "SEG-3", "expansion target over current ARR", ge=0, source=PRODUCT
    )


class Touch(PolicyModel):
    auto_segments: list[Segment] = rule("SEG-4", "segments where auto-renewal is possible")
    auto_min_relationship: float = rule(
        "SEG-4", "relationship score needed for auto-renewal", ge=0, le=100, source=PRODUCT
    )
    negotiated_segments: list[Segment] = rule("SEG-4", "segments with a full sales process")
    complex_segments: list[Segment] = rule(
        "SEG-4", "segments negotiated when expansion or at-risk", source=PRODUCT
    )
    short_term_below_months: int = optional_rule(
        "SEG-4",
        "contracts shorter than this are subscriptions: one account-level motion, not a "
        "playbook per billing period (0 = none)",
        3,
        ge=0,
        source=PRODUCT,
    )


class TimelineMilestone(PolicyModel):
    days: int = inherited("days before renewal", ge=0, le=365)
    milestone: Literal["review_value", "proposal", "agreement", "signed"] = inherited(
        "what happens then"
    )


class Campaign(PolicyModel):
    favourable_seat_utilisation: float = rule(
        "FUND-5",
        "customer messages show seat use and active users only at or above this share",
        ge=0,
        le=1,
        source=PRODUCT,
    )
    favourable_key_feature_adoption: float = rule(
        "FUND-5",
        "customer messages show key-feature adoption only at or above this share",
        ge=0,
        le=1,
        source=PRODUCT,
    )
    favourable_nps: int = rule(
        "FUND-5",
        "customer documents show an NPS answer only at or above this (a promoter)",
        ge=0,
        le=10,
        source=PRODUCT,
    )
    favourable_satisfaction: float = rule(
        "FUND-5",
        "customer documents show support satisfaction and CSAT (1-5) only at or above this",
        ge=1,
        le=5,
        source=PRODUCT,
    )
    alert_owner_days: int = rule("TIME-5", "internal owner alert", gt=0)
    heads_up_days: int = rule("TIME-5", "prep task and heads-up email", gt=0)
    formal_notice_days: int = rule("TIME-5", "proposal and formal notice", gt=0)
    escalate_days: int = rule("TIME-5", "internal escalation if not late stage", gt=0)
    management_days: int = rule("TIME-5", "management involvement, final reminder", gt=0)
    require_owner_permission: bool = rule("TIME-5", "customer messages need the owner's permission")
    late_stages: list[Literal["engagement", "closing", "execution"]] = rule(
        "TIME-5", "stages that count as late at T-14", min_length=1, source=PRODUCT
    )
    max_attempts: int = rule(
        "TIME-5", "delivery attempts before the dead letters", ge=1, le=50, source=PRODUCT
    )
    retry_backoff_minutes: float = rule(
        "TIME-5", "first retry delay, doubling", gt=0, source=PRODUCT
    )
    customer_timeline: list[TimelineMilestone] = rule(
        "TIME-6", "milestones shared with the customer", min_length=1
    )

    @model_validator(mode="after")
    def _days(self) -> Self:
        days = [
            self.alert_owner_days,
            self.heads_up_days,
            self.formal_notice_days,
            self.escalate_days,
            self.management_days,
        ]
        if days != sorted(days, reverse=True) or len(set(days)) != len(days):
            raise ValueError(
                Text("campaign days must fall strictly from alert_owner to management")
            )
        return self


OwnerRole = Literal["csm", "specialist", "sales", "executive"]


class OwnershipRule(PolicyModel):
    role: OwnerRole = rule("OWN-2", "owner role this rule assigns")
    description: str = rule("OWN-2", "why, in words", min_length=1)
    priority: int = optional_rule(
        "OWN-2", "the highest-priority matching rule wins", 0, source=PRODUCT
    )
    min_arr: Decimal | None = optional_rule("OWN-2", "ARR at or above", None, ge=0)
    max_arr: Decimal | None = optional_rule("OWN-2", "ARR below", None, gt=0)
    segments: list[Segment] | None = optional_rule("OWN-2", "only these segments", None)
    health_categories: list[Category] | None = optional_rule(
        "OWN-2", "only these health categories", None
    )
    strategic: bool | None = optional_rule("OWN-2", "only (non-)strategic accounts", None)


class HybridAnswers(PolicyModel):
    """OWN-3: the seeds ask these of every hybrid model; the answers are the team's own."""

    communication_lead: Literal["owner", "csm"] = rule(
        "OWN-3",
        "who leads customer communication: the renewal's owner or the account's CSM",
        source=PRODUCT,
    )
    revenue_credit: Literal["owner", "csm", "shared"] = rule(
        "OWN-3",
        "who is credited with renewal revenue: the owner, the CSM, or half each",
        source=PRODUCT,
    )
    dispute_role: Role = rule(
        "OWN-3", "who settles a disagreement between owner and CSM", source=PRODUCT
    )
    dispute_days: int = rule(
        "OWN-3", "a disagreement is settled within this many days", gt=0, source=PRODUCT
    )


class Ownership(PolicyModel):
    model: Literal["csm", "specialist", "sales", "hybrid"] = rule("OWN-1", "ownership model")
    rules: list[OwnershipRule] = rule(
        "OWN-2", "owner rules; the highest-priority match wins, ties must agree", min_length=1
    )
    specialist_handover_days: int = rule(
        "OWN-1", "a specialist owns renewals from this many days out; the CSM before", gt=0
    )
    specialist_min_quarterly_renewals: int = rule(
        "OWN-1", "a specialist pays off from this many renewals a quarter...", gt=0
    )
    specialist_min_customers: int = rule("OWN-1", "...or this many customers", gt=0)
    specialist_failed_customers: int = rule(
        "OWN-1",
        "the seed saw specialists fail (not enough work) at about this many customers",
        gt=0,
    )
    executive_sponsor_strategic: bool = rule(
        "OWN-2", "an executive engages on every strategic account, whatever its size"
    )
    hybrid: HybridAnswers = rule("OWN-3", "the hybrid model's answers")


class SaveProbability(PolicyModel):
    high: Range = rule("SAVE-2", "high band success rate")
    medium: Range = rule("SAVE-2", "medium band success rate")
    low: Range = rule("SAVE-2", "low band success rate")

    @model_validator(mode="after")
    def _fractions(self) -> Self:
        for name in ("high", "medium", "low"):
            if getattr(self, name).max > 1:
                raise ValueError(Text("{key}: success rates are fractions (0-1)", key=name))
        if not (self.low.max <= self.medium.min and self.medium.max <= self.high.min):
            raise ValueError(Text("bands must rise: low < medium < high"))
        return self


class ValueTiers(PolicyModel):
    high_min_arr: Decimal = rule("SAVE-3", "high value from this ARR", gt=0, source=PRODUCT)
    medium_min_arr: Decimal = rule("SAVE-3", "medium value from this ARR", gt=0, source=PRODUCT)
    strategic_is_high: bool = rule("SAVE-3", "strategic accounts count as high value")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.medium_min_arr >= self.high_min_arr:
            raise ValueError(Text("medium_min_arr must be below high_min_arr"))
        return self


class EffortDays(PolicyModel):
    full: Range = rule("SAVE-5", "full effort duration")
    standard: Range = rule("SAVE-5", "standard effort duration")
    light: Range = rule("SAVE-5", "light effort duration")


class EffortHours(PolicyModel):
    full: float = rule("SAVE-7", "hours for a full save effort", ge=0)
    standard: float = rule("SAVE-7", "hours for a standard save effort", ge=0, source=PRODUCT)
    light: float = rule("SAVE-7", "hours for a light save effort", ge=0, source=PRODUCT)


class Flexibility(PolicyModel):
    short_term_months: int = rule("SAVE-9", "short contract term", gt=0)
    pilot_days: int = rule("SAVE-9", "paid pilot length", gt=0)
    out_clause_days: int = rule("SAVE-9", "out clause notice", gt=0)
    out_clause_fix_window_days: int = rule("SAVE-9", "problems must be fixed within", gt=0)
    pause_days: int = rule("SAVE-9", "pause length", gt=0)


class Triage(PolicyModel):
    high_min_positive: int = rule(
        "SAVE-2", "favourable factors for a high band", ge=1, le=5, source=PRODUCT
    )
    high_max_negative: int = rule(
        "SAVE-2", "unfavourable factors a high band allows", ge=0, le=5, source=PRODUCT
    )
    low_min_negative: int = rule(
        "SAVE-2", "unfavourable factors that make it low", ge=1, le=5, source=PRODUCT
    )
    decisive: list[
        Literal[
            "alternative_chosen",
            "product_fit",
            "no_budget",
            "relationship_damaged",
            "checked_out",
        ]
    ] = rule("SAVE-2", "one of these alone makes the band low", source=PRODUCT)
    relationship_good: float = rule(
        "SAVE-2", "relationship score of existing relationships", ge=0, le=100, source=PRODUCT
    )
    relationship_damaged: float = rule(
        "SAVE-2", "relationship score below = damaged", ge=0, le=100, source=PRODUCT
    )
    support_problem_score: float = rule(
        "SAVE-4", "support score below = service problem", ge=0, le=100, source=PRODUCT
    )
    emergency_lowers_band: bool = rule("SAVE-6", "under the compressed window the band drops")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.relationship_damaged > self.relationship_good:
            raise ValueError(Text("relationship_damaged must not exceed relationship_good"))
        return self


class SaveEconomics(PolicyModel):
    """SAVE-1, SAVE-7, LOST-1: what a save costs against what it can bring back."""

    success_ceiling: Range = rule("SAVE-1", "save attempts succeed 40-60% at best")
    save_cost_multiplier: Range = rule("SAVE-1", "a save costs 3-5x a normal renewal")
    prevention_cost_ratio: Range = rule("SAVE-1", "prevention is 5-10x easier than a save")
    max_cost_to_value: float = rule(
        "LOST-1", "refuse a save whose cost exceeds this share of the account's ARR", gt=0
    )

    @model_validator(mode="after")
    def _fractions(self) -> Self:
        if self.success_ceiling.max > 1:
            raise ValueError(
                Text("{key}: success rates are fractions (0-1)", key="success_ceiling")
            )
        if self.save_cost_multiplier.min < 1 or self.prevention_cost_ratio.min < 1:
            raise ValueError(Text("save_cost_multiplier and prevention_cost_ratio are at least 1"))
        return self


class Save(PolicyModel):
    comprehensive_min_days: int = rule("SAVE-6", "comprehensive save from", gt=0)
    compressed_min_days: int = rule("SAVE-6", "compressed save from; emergency below", gt=0)
    fast_fix_problems: int = rule("SAVE-9", "problems in a fast fix", ge=1)
    fast_fix_hours: Range = rule("SAVE-9", "fast fix deadline")
    short_term_days: int = rule("SAVE-10", "short-term actions within", gt=0)
    immediate_hours: int = rule("SAVE-10", "immediate actions within", gt=0)
    probability: SaveProbability = rule("SAVE-2", "save probability bands")
    triage: Triage = rule("SAVE-2", "how the evidence is read")
    value_tiers: ValueTiers = rule("SAVE-3", "account value tiers")
    effort_days: EffortDays = rule("SAVE-5", "effort durations")
    effort_hours: EffortHours = rule("SAVE-7", "effort hours")
    flexibility: Flexibility = rule("SAVE-9", "contract flexibility options")
    economics: SaveEconomics = rule("SAVE-1", "save economics")
    window_urgency: dict[Literal["comprehensive", "compressed", "emergency"], float] = rule(
        "SAVE-6",
        "save-desk order: how much sooner each time window needs attention (x ARR x rate)",
        source=PRODUCT,
    )

    @model_validator(mode="after")
    def _windows(self) -> Self:
        if self.compressed_min_days >= self.comprehensive_min_days:
            raise ValueError(Text("compressed_min_days must be below comprehensive_min_days"))
        return self


def _percent(r: Range, name: str) -> None:
    if r.max > 100:
        raise ValueError(Text("{key}: percentages must be at most 100", key=name))


class RiskDiscounts(PolicyModel):
    low: Range = rule("CONC-1", "low risk discount %")
    medium: Range = rule("CONC-1", "medium risk discount %")
    high: Range = rule("CONC-1", "high risk discount %")

    @model_validator(mode="after")
    def _pct(self) -> Self:
        for name in ("low", "medium", "high"):
            _percent(getattr(self, name), name)
        return self


class DiscountGuide(PolicyModel):
    standard_pct: Range = rule("CONC-2", "standard at-risk discount")
    significant_pct: Range = rule("CONC-2", "significant discount")
    emergency_min_pct: float = rule("CONC-2", "emergency from; executive approval", gt=0, le=100)
    emergency_role: Role = rule("CONC-2", "the role that approves emergency discounts")


class Precedent(PolicyModel):
    window_days: int = rule("CONC-7", "precedent look-back", gt=0, source=PRODUCT)
    share_warning: float = rule(
        "CONC-7", "segment share of discounted renewals that warns", gt=0, le=1, source=PRODUCT
    )
    pattern_margin: float = rule(
        "CONC-7", "owner share above the team's that is a pattern", ge=0, le=1, source=PRODUCT
    )
    pattern_min_renewals: int = rule(
        "CONC-7", "renewals an owner needs to be judged", ge=1, source=PRODUCT
    )


Grant = Literal["payment_terms", "enhanced_service", "contract_terms", "custom_deal"]


class ApprovalLimit(PolicyModel):
    role: Role = rule("CONC-3", "approving role")
    max_discount_pct: float = rule("CONC-3", "most this role may approve", ge=0, le=100)
    grants: list[Grant] = rule("CONC-3", "non-price concessions this role may approve")


TermKind = Literal[
    "reduced_scope",
    "multi_year_lock",
    "payment_terms",
    "priority_support",
    "customisation",
    "easy_exit",
    "contingent_pricing",
]


class ConcessionTerm(PolicyModel):
    """CONC-8: one concession beyond price: who approves it (a CONC-3 grant), what it
    needs documented, and the size at which it escalates to a more senior grant."""

    kind: TermKind = inherited("the concession (the At-Risk seed's list)")
    family: Literal["price", "service", "contract"] = inherited(
        "the seed's family: price, service or contractual concession"
    )
    grant: Grant = inherited("the CONC-3 grant that approves it", source=PRODUCT)
    measure: str = inherited("what its size measures (the request's --term value)", source=PRODUCT)
    escalate_above: float | None = Field(
        None, description="a size above this escalates", json_schema_extra={"source": PRODUCT}
    )
    escalate_below: float | None = Field(
        None, description="a size below this escalates", json_schema_extra={"source": PRODUCT}
    )
    escalate_grant: Grant = inherited(
        "the grant that approves it beyond the threshold", source=PRODUCT
    )
    documentation: list[str] = inherited(
        "what the request must document (CONC-6 plus this kind's own)", min_length=1, source=PRODUCT
    )
    clause: str = inherited(
        "the proposal and contract clause it becomes ({value} is its size)", source=PRODUCT
    )

    @model_validator(mode="after")
    def _threshold(self) -> Self:
        if (self.escalate_above is None) == (self.escalate_below is None):
            raise ValueError(
                Text("{key}: give exactly one of escalate_above, escalate_below", key=self.kind)
            )
        return self

    def value_source(self, name: str, declared: Source) -> Source:
        # CONC-3 gives the CSM payment terms, the director contract terms, the VP custom deals;
        # SAVE-9 gives the 30-day out clause.
        seeded = {
            ("payment_terms", "grant"),
            ("easy_exit", "grant"),
            ("easy_exit", "escalate_below"),
            ("customisation", "escalate_grant"),
        }
        return SEED if (self.kind, name) in seeded else declared


class DiscountFit(PolicyModel):
    """CONC-9, CONC-10: when a discount is right, judged from the account's own facts."""

    value_gap_signals: list[str] = rule(
        "CONC-9", "risk signals that show a real value gap (they pay for more than they use)",
        source=PRODUCT,
    )  # fmt: skip
    budget_signals: list[str] = rule(
        "CONC-9", "risk signals that show budget is a real constraint", source=PRODUCT
    )
    competitive_signals: list[str] = rule(
        "CONC-9", "risk signals that show competitive pressure on price", source=PRODUCT
    )
    strategic_min_arr: Decimal = rule(
        "CONC-9", "an account this large is strategic even without the flag", ge=0, source=PRODUCT
    )
    max_cost_to_expected_loss: float = rule(
        "CONC-10",
        "a discount costing more than this share of the ARR expected to be lost gives away "
        "money you cannot afford to lose",
        gt=0,
        source=PRODUCT,
    )


class Concessions(PolicyModel):
    by_risk: RiskDiscounts = rule("CONC-1", "discounts by risk severity")
    guide: DiscountGuide = rule("CONC-2", "discount guide")
    precedent: Precedent = rule("CONC-7", "systematic discounting")
    terms: list[ConcessionTerm] = rule(
        "CONC-8", "concessions beyond price: approver, documentation, escalation", min_length=1
    )
    discount_fit: DiscountFit = rule("CONC-9", "when a discount is right")

    @field_validator("terms")
    @classmethod
    def _one_each(cls, value: list[ConcessionTerm]) -> list[ConcessionTerm]:
        kinds = [t.kind for t in value]
        if len(set(kinds)) != len(kinds):
            raise ValueError(Text("each kind may appear once"))
        return value

    def term(self, kind: str) -> ConcessionTerm | None:
        return next((t for t in self.terms if t.kind == kind), None)

    approval: list[ApprovalLimit] = rule(
        "CONC-3", "approval matrix, rising with seniority", min_length=1
    )

    @field_validator("approval")
    @classmethod
    def _matrix(cls, value: list[ApprovalLimit]) -> list[ApprovalLimit]:
        roles = [a.role for a in value]
        if len(set(roles)) != len(roles):
            raise ValueError(Text("each role may appear once"))
        limits = [a.max_discount_pct for a in value]
        if limits != sorted(limits):
            raise ValueError(Text("limits must not fall as seniority rises (list juniors first)"))
        return value

    def limit_for(self, role: Role) -> ApprovalLimit | None:
        return next((a for a in self.approval if a.role == role), None)


class Escalation(PolicyModel):
    min_arr: Decimal = rule("ESC-1", "high-value accounts from this ARR", ge=0)
    strategic_always: bool = rule("ESC-1", "strategic accounts qualify whatever their ARR")
    engage_within_days: dict[Literal["comprehensive", "compressed", "emergency"], int] = rule(
        "ESC-2", "days for the executive to engage, by time window", source=PRODUCT
    )


class Winback(PolicyModel):
    touch_months: list[int] = rule("LOST-4", "months after churn to reach out", min_length=1)

    @field_validator("touch_months")
    @classmethod
    def _rising(cls, value: list[int]) -> list[int]:
        if value != sorted(set(value)) or value[0] <= 0:
            raise ValueError(Text("months must be positive and rising"))
        return value


class PostSave(PolicyModel):
    fragile_months: Range = rule("POST-1", "saved accounts are fragile for")
    health_check_days: int = rule("POST-1", "health check cadence while fragile", gt=0)
    lookahead_days: int = rule(
        "POST-1", "health-check tasks appear this far ahead", ge=0, source=PRODUCT
    )


class Metrics(PolicyModel):
    solid_save_rate: Range = rule("MET-1", "a solid save success rate")
    suspicious_save_rate: float = rule("MET-1", "save rates above this are suspicious", gt=0, le=1)
    min_sample: int = rule(
        "MET-1", "closed plans below this get a small-sample note", ge=1, source=PRODUCT
    )


class MultiYear(PolicyModel):
    two_year_discount_pct: Range = rule("MY-2", "two-year incentive")
    three_year_discount_pct: Range = rule("MY-2", "three-year incentive")
    escalator_pct: Range = rule("MY-3", "escalating price per year")
    min_customer_months: int = rule(
        "MY-1", "customers younger than this are not candidates", ge=0, source=PRODUCT
    )
    min_relationship_score: float = rule(
        "MY-1", "relationship component score a candidate needs", ge=0, le=100, source=PRODUCT
    )
    fast_growth_user_change: float = rule(
        "MY-1", "30-day active-user growth that makes an account fast-growing", gt=0, source=PRODUCT
    )
    high_change_industries: list[str] = rule(
        "MY-1", "industries too volatile for multi-year", source=PRODUCT
    )
    math_horizon_years: int = rule(
        "MY-5", "years over which each option is compared with the single-year path",
        ge=2, le=5, source=PRODUCT,
    )  # fmt: skip
    presented_options: int = rule(
        "BUN-4", "options presented, the wanted one in the middle (good, better, best)", ge=3
    )
    bundle_finalise_days: int = rule(
        "BUN-3", "bundled expansion terms are final this many days before the renewal", ge=0
    )
    renegotiation_clause: str = rule(
        "MY-6", "the flexibility clause that reopens a multi-year term on a major product change",
        source=PRODUCT,
    )  # fmt: skip


class Bundling(PolicyModel):
    expansion_seat_utilisation: float = rule(
        "BUN-2", "seat utilisation that signals growth", gt=0, le=2, source=PRODUCT
    )
    modest_expansion_pct: float = rule("BUN-2", "'better' option expansion", ge=0, source=PRODUCT)
    full_expansion_pct: float = rule("BUN-2", "'best' option expansion", ge=0, source=PRODUCT)


class Roi(PolicyModel):
    loaded_hourly_rate: Decimal = rule("ROI-1", "loaded hourly labour rate", gt=0)
    weeks_per_year: int = rule(
        "ROI-1", "working weeks that turn hours a week into a year", gt=0, le=53
    )


class Proposals(PolicyModel):
    best_term_years: int = rule(
        "MY-2", "the multi-year term of the 'best' option", ge=2, le=3, source=PRODUCT
    )
    multi_year_incentive: Literal["discount", "price_lock"] = rule(
        "MY-2", "multi-year incentive: the band's discount or a price lock", source=PRODUCT
    )
    multi_year_incentive_preapproved: bool = rule(
        "MY-2",
        "the standard multi-year incentive is pre-approved by policy (no manager); more "
        "follows CONC-3",
        source=PRODUCT,
    )
    at_risk_term_months: int = rule(
        "MY-1",
        "flat renewal term for an at-risk renewal (no multi-year lock-in while at risk)",
        ge=1,
        le=36,
        source=PRODUCT,
    )
    bundle_needs_budget_authority: bool = rule(
        "BUN-1", "bundle expansion only when the economic buyer is engaged"
    )
    flexibility_clauses: list[
        Literal["annual_true_up", "add_products", "off_ramp", "renegotiation_trigger"]
    ] = rule("MY-4", "flexibility clauses offered with a multi-year term")


class Contracts(PolicyModel):
    standard_term_months: list[int] = rule(
        "TECH-4", "contract terms that count as standard", source=PRODUCT
    )
    standard_approver_role: str = rule("TECH-4", "who approves a standard contract", source=PRODUCT)
    nonstandard_approver_role: str = rule(
        "TECH-4", "who approves non-standard terms (term, clauses, discount)"
    )
    signing_link_days: int = rule(
        "TECH-4", "days a signing link stays valid", gt=0, le=90, source=PRODUCT
    )
    standard_clauses: list[str] = rule(
        "MY-4",
        "clause keys the contract template words as standard; others are non-standard",
        source=PRODUCT,
    )
    signer_roles: list[str] = rule(
        "STK-1",
        "stakeholder roles that sign when no signer is named (first found wins)",
        source=PRODUCT,
    )
    late_start: Literal["drafted_on", "previous_end"] = rule(
        "TECH-4",
        "a contract drafted after the previous term ended starts on the day it is drafted "
        "(drafted_on: what the customer signs never starts in the past) or where the "
        "previous term ended (previous_end: backdated for continuous coverage)",
        source=PRODUCT,
    )


class Web(PolicyModel):
    session_hours: int = rule(
        "TECH-5", "hours a signed-in session lasts without use", gt=0, source=PRODUCT
    )
    csm_can_read_others: bool = rule(
        "TECH-5", "a CSM may read (never edit) accounts they do not own", source=PRODUCT
    )
    page_size: int = rule(
        "TECH-5", "rows per page in tables and the API", gt=0, le=1000, source=PRODUCT
    )
    lockout_failures: int = rule(
        "TECH-5", "failed logins before an account is locked", gt=0, source=PRODUCT
    )
    lockout_minutes: int = rule("TECH-5", "minutes a locked account waits", gt=0, source=PRODUCT)
    language: Literal["en", "de", "id", "ms"] = rule(
        "TECH-5",
        "language of pages and CLI output for a user who set none and whose browser asks for "
        "none we have (issue 22)",
        source=PRODUCT,
    )


class Prior(PolicyModel):
    green: float = rule("TECH-1", "likelihood of a green renewal", ge=0, le=1, source=PRODUCT)
    expansion: float = rule(
        "TECH-1", "likelihood of an expansion renewal", ge=0, le=1, source=PRODUCT
    )
    yellow: float = rule("TECH-1", "likelihood of a yellow renewal", ge=0, le=1, source=PRODUCT)
    red: float = rule("TECH-1", "likelihood of a red renewal", ge=0, le=1, source=PRODUCT)
    unscored: float = rule(
        "TECH-1", "likelihood without a health score", ge=0, le=1, source=PRODUCT
    )
    risk_watch: float = rule("TECH-1", "adjustment for one signal", ge=-1, le=1, source=PRODUCT)
    risk_at_risk: float = rule("TECH-1", "adjustment for SIG-0 risk", ge=-1, le=1, source=PRODUCT)
    risk_save: float = rule("TECH-1", "adjustment for SIG-4 save mode", ge=-1, le=1, source=PRODUCT)
    stage_closing: float = rule("TECH-1", "adjustment in closing", ge=-1, le=1, source=PRODUCT)
    stage_execution: float = rule("TECH-1", "adjustment in execution", ge=-1, le=1, source=PRODUCT)
    floor: float = rule("TECH-1", "lowest likelihood", ge=0, le=1, source=PRODUCT)
    ceiling: float = rule("TECH-1", "highest likelihood", ge=0, le=1, source=PRODUCT)

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.floor >= self.ceiling:
            raise ValueError(Text("floor must be below ceiling"))
        return self


class ForecastCategories(PolicyModel):
    commit: float = rule("TECH-5", "commit at or above", gt=0, le=1, source=PRODUCT)
    probable: float = rule("TECH-5", "probable at or above", gt=0, le=1, source=PRODUCT)
    at_risk: float = rule("TECH-5", "at risk at or above; lost below", gt=0, le=1, source=PRODUCT)

    @model_validator(mode="after")
    def _falling(self) -> Self:
        if not self.commit > self.probable > self.at_risk:
            raise ValueError(Text("thresholds must fall: commit > probable > at_risk"))
        return self


class Forecast(PolicyModel):
    target_nrr_rate: float = rule("FUND-2", "NRR target", gt=0, le=2)
    min_outcomes_for_model: int = rule(
        "TECH-1", "closed renewals before the learned model is used", ge=1, source=PRODUCT
    )
    lead_days: int = rule(
        "TECH-1", "features as of this many days before the date", gt=0, source=PRODUCT
    )
    lead_term_share: float = optional_rule(
        "TECH-1",
        "and at most this share of the contract's term before it (monthly terms train too)",
        0.5,
        gt=0,
        le=1,
        source=PRODUCT,
    )
    retrain_every_days: int = optional_rule(
        "TECH-1",
        "the daily run retrains the learned model when the last one is this old (0 = never)",
        30,
        ge=0,
        source=PRODUCT,
    )
    holdout_share: float = rule(
        "TECH-1", "newest share held out for testing", gt=0, lt=1, source=PRODUCT
    )
    calibration_bins: int = rule(
        "TECH-1", "bins of the calibration table", ge=2, le=50, source=PRODUCT
    )
    calibration_min_samples: int = rule(
        "TECH-1", "renewals a bin needs to be judged", ge=1, source=PRODUCT
    )
    min_learned_improvement: float = rule(
        "TECH-1", "Brier improvement the learned model needs over the prior", ge=0, source=PRODUCT
    )
    prior: Prior = rule("TECH-1", "the likelihood without history")
    categories: ForecastCategories = rule("TECH-5", "forecast categories")


class Winloss(PolicyModel):
    pattern_count: int = rule("LEARN-1", "same competitor or reason this often is a pattern", ge=2)
    pattern_days: int = rule("LEARN-1", "...within this many days", gt=0, source=PRODUCT)
    missed_signal_days: int = rule(
        "LEARN-1", "signals before the decision that count", gt=0, source=PRODUCT
    )
    stall_factor: float = rule(
        "LEARN-2", "median stay over planned stay that is a stall", gt=1, source=PRODUCT
    )


class Run(PolicyModel):
    renewal_window_days: int = rule("TECH-5", "upcoming renewals window", gt=0)
    batch_accounts: int = rule(
        "TECH-1", "accounts per batch of the daily run (bounds its memory)", ge=100, source=PRODUCT
    )


class Currency(PolicyModel):
    """Issue 19: totals in one reporting currency, each amount converted at its date's rate."""

    reporting: str = rule(
        "TECH-5",
        "the currency every total on dashboards and reports is converted to and labelled with",
        source=PRODUCT,
        pattern=r"^[A-Z]{3}$",
    )
    max_rate_age_days: int = rule(
        "TECH-5",
        "a rate published this many days before the amount's date still applies (weekends, "
        "holidays); older or none is an error naming the currency and date",
        source=PRODUCT,
        ge=0,
        le=31,
    )
    # {"EUR": {"2026-11-24": 1.08}}: units of the reporting currency per unit of the currency
    # on that date, beside (and over) the rates imported with `renewals fx import`.
    rates: dict[str, dict[str, Decimal]] = optional_rule(
        "TECH-5", "FX rates by currency and date, set in the policy", {}, source=PRODUCT
    )

    @field_validator("rates")
    @classmethod
    def _rates(cls, value: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, Decimal]]:
        from datetime import date as date_type

        for code, by_day in value.items():
            if len(code) != 3 or not code.isalpha() or not code.isupper():
                raise ValueError(
                    Text(
                        "currency.rates: {value} is not a currency code like EUR", value=repr(code)
                    )
                )
            for day, rate in by_day.items():
                try:
                    date_type.fromisoformat(str(day))
                except ValueError:
                    raise ValueError(
                        Text(
                            "currency.rates.{key}: {value} is not a date (YYYY-MM-DD)",
                            key=code,
                            value=repr(day),
                        )
                    ) from None
                if rate <= 0:
                    where = f"{code}.{day}"
                    raise ValueError(
                        Text("currency.rates.{key}: a rate must be positive", key=where)
                    )
        return value


class Dashboard(PolicyModel):
    due_soon_days: int = rule(
        "TECH-5", "tasks due within this many days count as due", ge=0, source=PRODUCT
    )
    completion_window_days: int = rule(
        "TECH-5",
        "activity completion rate: tasks due in the last this many days",
        gt=0,
        source=PRODUCT,
    )
    review_days: int = rule(
        "TECH-5", "win/loss summary and key deals look back this far", gt=0, source=PRODUCT
    )
    alert_noise_days: int = rule(
        "SIG-0",
        "the manager dashboard's alert budget counts the signals of this many days",
        gt=0,
        le=90,
        source=PRODUCT,
    )
    alert_min_severity: Literal["low", "medium", "high"] = rule(
        "SIG-0",
        "an alert is a fresh signal of at least this severity (one signal may be noise)",
        source=PRODUCT,
    )
    key_deals: int = rule(
        "TECH-5", "key wins and losses shown of each", gt=0, le=100, source=PRODUCT
    )
    trend_quarters: int = rule(
        "TECH-5", "complete quarters in the renewal rate trend", gt=0, source=PRODUCT
    )
    trend_months: int = rule(
        "TECH-5", "complete months in the renewal rate trend", gt=0, source=PRODUCT
    )
    rows_per_table: int = rule(
        "TECH-5", "rows per dashboard table page", gt=0, le=1000, source=PRODUCT
    )


class Policy(PolicyModel):
    fundamentals: Fundamentals
    budget: Budget
    drumbeat: Drumbeat
    segments: Segments
    health: Health
    signals: Signals
    timelines: Timelines
    stages: Stages
    paths: Paths
    opportunity: Opportunity
    touch: Touch
    campaign: Campaign
    ownership: Ownership
    save: Save
    concessions: Concessions
    escalation: Escalation
    winback: Winback
    post_save: PostSave
    metrics: Metrics
    multi_year: MultiYear
    bundling: Bundling
    roi: Roi
    proposal: Proposals
    contracts: Contracts
    web: Web
    forecast: Forecast
    winloss: Winloss
    run: Run
    dashboard: Dashboard
    currency: Currency

    def segment_for_arr(self, arr: Decimal) -> Segment:
        """SEG-1: the band whose [min_arr, max_arr) holds the ARR."""
        for band in self.segments.bands:
            if band.min_arr <= arr and (band.max_arr is None or arr < band.max_arr):
                return band.segment
        raise ValueError(f"no segment band holds ARR {arr}")  # validation makes this unreachable
