"""Where the renewal program stands (MET-2 and the Strategy Framework's roll-out), from the
product's own records.

At-Risk Renewal Management, "Building at-risk renewal capability": phase 1 (months 1-3)
at-risk criteria that actually predict churn, save playbooks from the first attempts,
concession authority defined, saves and non-saves tracked as a baseline; phase 2 (4-6)
refine risk identification, test save tactics and track what works, success rates by
segment; phase 3 (7-12) allocate by measured ROI, train the team on proven approaches, feed
save learnings back into prevention, scale what works and stop what does not.

Renewal Strategy Framework, "Putting it into action": month 1 audit, month 2 design,
month 3 pilot with one segment (mid-market or SMB, not enterprise), months 4-6 all
segments, then monthly performance reviews, quarterly process updates, an annual refresh.

Every milestone is judged from data (counts in the database, the effective policy); the
program starts on the first daily run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from renewals.kit.calendar import add_months
from renewals.kit.i18n import Text
from renewals.policy import service as policy_service
from renewals.policy.domain import Policy


@dataclass(frozen=True)
class Milestone:
    track: str  # capability | roll-out
    months: str  # "1-3", "4-6", ...
    what: str
    status: str  # done | under way | not yet
    evidence: str
    rule: str


@dataclass
class Program:
    started: date | None
    month: int
    milestones: list[Milestone] = field(default_factory=list)

    @property
    def phase(self) -> str:
        return (
            Text("1 (months 1-3)")
            if self.month <= 3
            else Text("2 (months 4-6)")
            if self.month <= 6
            else Text("3 (months 7-12)")
            if self.month <= 12
            else Text("ongoing")
        )


def _value(data: object, key: str | None) -> object:
    for part in (key or "").split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _status(done: bool, started: bool) -> str:
    return "done" if done else "under way" if started else "not yet"


def program(session: Session, policy: Policy, *, as_of: date) -> Program:
    """MET-2 and the roll-out roadmap, each milestone with its status and evidence."""
    from renewals.library.models import LibraryItem, LibraryUse
    from renewals.renewal.models import Renewal
    from renewals.review.models import ReviewDecision
    from renewals.save_plan.models import SavePlan, SaveTriage
    from renewals.scheduler import first_day
    from renewals.signal.models import SignalLabel
    from renewals.task.models import Task
    from renewals.winloss.models import WinLossRecord

    started = first_day(session)
    month = 1
    if started is not None:
        while add_months(started, month) <= as_of:
            month += 1
    out = Program(started, month)
    add = out.milestones.append

    # Phase 1 (MET-2, months 1-3).
    losses = session.scalars(select(WinLossRecord).where(WinLossRecord.won.is_(False))).all()
    flagged = sum(bool(r.missed_signals) for r in losses)
    add(Milestone("capability", "1-3", Text("At-risk criteria that actually predict churn"),
        _status(bool(losses) and flagged * 2 >= len(losses), bool(losses)),
        Text("the signals flagged {flagged} of {losses} losses before the decision", flagged=flagged, losses=len(losses)), "MET-2"))  # fmt: skip
    plans = session.scalar(select(func.count()).select_from(SavePlan)) or 0
    scripts = session.scalar(select(func.count()).where(LibraryItem.kind == "script")) or 0
    add(Milestone("capability", "1-3", Text("Save playbooks built from the first attempts"),
        _status(plans > 0 and scripts > 0, plans > 0 or scripts > 0),
        Text("{plans} save plans; {scripts} scripts in the library (`renewals library`)", plans=plans, scripts=scripts), "MET-2"))  # fmt: skip
    levels = [a.role for a in policy.concessions.approval]
    add(Milestone("capability", "1-3", Text("Concession authority defined"), "done",
        Text("approval matrix with {n} levels: {levels} (CONC-3)", n=len(levels), levels=", ".join(levels)), "MET-2"))  # fmt: skip
    closed = dict(
        session.execute(
            select(SavePlan.outcome, func.count())
            .where(SavePlan.outcome.is_not(None))
            .group_by(SavePlan.outcome)
        ).all()
    )
    triaged = session.scalar(select(func.count()).select_from(SaveTriage)) or 0
    add(Milestone("capability", "1-3", Text("Saves against non-saves tracked (baseline)"),
        _status(sum(closed.values()) >= policy.metrics.min_sample, triaged > 0),
        Text("{triaged} at-risk renewals triaged; closed save plans {closed} (a baseline needs {needed}, MET-1)",
             triaged=triaged, closed=str(dict(closed) or 0), needed=policy.metrics.min_sample), "MET-2"))  # fmt: skip
    # Phase 2 (months 4-6).
    labels = session.scalar(select(func.count()).select_from(SignalLabel)) or 0
    add(Milestone("capability", "4-6", Text("Risk identification refined from what was learned"),
        _status(labels >= 20, labels > 0),
        Text("{labels} signals labelled right or wrong by the team", labels=labels), "MET-2"))  # fmt: skip
    uses = session.execute(
        select(Renewal.stage, func.count())
        .join(LibraryUse, LibraryUse.renewal_id == Renewal.renewal_id)
        .group_by(Renewal.stage)
    ).all()
    judged = sum(n for stage, n in uses if stage in ("closed_won", "closed_lost"))
    add(Milestone("capability", "4-6", Text("Save tactics tested, what works tracked"),
        _status(judged >= policy.metrics.min_sample, sum(n for _, n in uses) > 0),
        Text("{uses} library uses, {judged} on closed renewals (LEARN-3)", uses=sum(n for _, n in uses), judged=judged), "MET-2"))  # fmt: skip
    by_segment = Counter(
        seg
        for (seg,) in session.execute(
            select(Renewal.segment)
            .join(SavePlan, SavePlan.renewal_id == Renewal.renewal_id)
            .where(SavePlan.outcome.is_not(None))
        )
    )
    enough = [s for s, n in by_segment.items() if n >= policy.metrics.min_sample]
    add(Milestone("capability", "4-6", Text("Save success rates by segment"),
        _status(len(enough) >= 2, bool(by_segment)),
        Text("closed save plans by segment {by_segment}; {enough} segments with {needed}+ (`renewals saves report`)",
             by_segment=str(dict(by_segment)) if by_segment else Text("none"), enough=len(enough), needed=policy.metrics.min_sample), "MET-2"))  # fmt: skip
    # Phase 3 (months 7-12).
    hours = session.scalar(select(func.count()).where(SavePlan.effort_hours > 0)) or 0
    add(Milestone("capability", "7-12", Text("Resources allocated by measured ROI"),
        _status(hours >= policy.metrics.min_sample, hours > 0),
        Text("{hours} save plans with hours recorded (MET-1 save ROI; `renewals saves economics`)", hours=hours), "MET-2"))  # fmt: skip
    team = session.scalar(select(func.count()).where(LibraryItem.source.like("team:%"))) or 0
    add(Milestone("capability", "7-12", Text("Team trained on proven approaches (the team's own playbook)"),
        _status(team >= 5, team > 0), Text("{team} library items written by the team", team=team), "MET-2"))  # fmt: skip
    decisions = session.scalars(select(ReviewDecision)).all()
    linked = [d for d in decisions if d.policy_key]
    effective = policy.model_dump(mode="json")
    applied = [d for d in linked if _value(effective, d.policy_key) == d.to_value]
    add(Milestone("capability", "7-12", Text("Save learnings fed back into prevention"),
        _status(bool(applied), bool(decisions)),
        Text("{decisions} review decisions, {linked} linked to a policy key, {applied} in the effective policy (LEARN-2)",
             decisions=len(decisions), linked=len(linked), applied=len(applied)), "MET-2"))  # fmt: skip
    # The roll-out roadmap (Strategy Framework).
    renewals = session.scalar(select(func.count()).select_from(Renewal)) or 0
    auto = session.scalar(select(func.count()).where(Task.status == "automated")) or 0
    manual = session.scalar(select(func.count()).where(Task.status.in_(("open", "done")))) or 0
    add(Milestone("roll-out", "1", Text("Audit: segments, process per segment, owners, automated vs manual"),
        _status(renewals > 0, renewals > 0),
        Text("{renewals} renewals segmented and owned (model {model}); tasks automated {auto}, for people {manual}",
             renewals=renewals, model=policy.ownership.model, auto=auto, manual=manual), "MET-2"))  # fmt: skip
    custom = policy != policy_service.load()
    add(Milestone("roll-out", "2", Text("Design: segments and criteria, process per segment, ownership"),
        _status(custom, renewals > 0),
        Text("the effective policy differs from the defaults") if custom
        else Text("the policy is still the product's defaults (`renewals policy show`)"), "MET-2"))  # fmt: skip
    done = Counter(
        seg
        for (seg,) in session.execute(
            select(Renewal.segment)
            .join(Task, Task.renewal_id == Renewal.renewal_id)
            .where(Task.status == "done")
        )
    )
    pilot = [s for s in ("mid_market", "smb") if done[s]]
    add(Milestone("roll-out", "3", Text("Pilot with one segment: mid-market or SMB, not enterprise"),
        _status(bool(pilot), bool(done)),
        Text("playbook tasks done by segment: {done}; the pilot started with enterprise, which the framework advises against",
             done=str(dict(done)))
        if done["enterprise"] and not pilot
        else Text("playbook tasks done by segment: {done}", done=str(dict(done)) if done else Text("none")), "MET-2"))  # fmt: skip
    add(Milestone("roll-out", "4-6", Text("All segments"),
        _status(all(done[s] for s in ("enterprise", "mid_market", "smb")), bool(done)),
        Text("{n} of 3 segments with tasks done", n=sum(1 for s in ('enterprise', 'mid_market', 'smb') if done[s])), "MET-2"))  # fmt: skip
    quarters = sorted({d.quarter for d in decisions})
    add(Milestone("roll-out", "ongoing", Text("Quarterly process updates"),
        _status(len(quarters) >= 2, bool(quarters)),
        Text("review decisions in {n} quarters: {quarters} (`renewals review quarter`)",
             n=len(quarters), quarters=", ".join(quarters) if quarters else Text("none")), "LEARN-2"))  # fmt: skip
    return out
