"""Save desk records: triage, plan, problems (the save contract and its promises),
escalation, exit and post-save monitoring; one of each per renewal."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base


class SaveTriage(Base):
    """SAVE-2..7 for one at-risk renewal, recomputed daily; a person's overrides win.

    `reasons` maps each field to its reasons (facts + rule IDs); `overrides` maps a
    field to {"value", "reason", "by", "at"}; `inputs` holds what the CSM recorded
    (relationship, alternative, budget, willingness, root cause confirmation).
    """

    __tablename__ = "save_triage"

    renewal_id: Mapped[str] = mapped_column(ForeignKey("renewal.renewal_id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    # open while the renewal is at risk and undecided; saved | lost | resolved afterwards
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    probability_band: Mapped[str] = mapped_column(String(8))
    success_rate: Mapped[float] = mapped_column(Float)
    value_tier: Mapped[str] = mapped_column(String(8))
    root_cause: Mapped[str] = mapped_column(String(24))
    root_cause_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    time_window: Mapped[str] = mapped_column(String(16))
    effort: Mapped[str] = mapped_column(String(8), index=True)
    expected_value_hours: Mapped[float] = mapped_column(Float)
    reasons: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_on: Mapped[date] = mapped_column(Date)
    updated_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)


class SavePlan(Base):
    """SAVE-8..11: the plan of one save attempt (the 'serious attempt' of MET-1)."""

    __tablename__ = "save_plan"

    plan_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    renewal_id: Mapped[str] = mapped_column(ForeignKey("renewal.renewal_id"), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    owner_email: Mapped[str | None] = mapped_column(String(254))
    started_on: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(16))  # comprehensive | compressed | emergency
    effort: Mapped[str] = mapped_column(String(8))
    fast_fix: Mapped[bool] = mapped_column(Boolean, default=False)
    tactics: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    conversation_guide: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))  # saved | lost
    closed_on: Mapped[date | None] = mapped_column(Date)
    effort_hours: Mapped[float] = mapped_column(Float, default=0)  # hours recorded (MET-1 ROI)


class SaveProblem(Base):
    """SAVE-8 problem and its remediation item; POST-2 promise tracking on the same row."""

    __tablename__ = "save_problem"

    problem_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("save_plan.plan_id"), index=True)
    description: Mapped[str] = mapped_column(Text)  # in English (audit, JSON, task titles)
    # issue 22: the product's words as a key and parameters ({"key", "params"}), read in the
    # reader's language (plan.ProblemWords), and the customer's own words apart; None on a
    # problem a person wrote and on rows from before (read back from the description)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    quote: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))  # signal | ticket | csm | survey ...
    source_ref: Mapped[str | None] = mapped_column(String(128))
    frequency: Mapped[int] = mapped_column(Integer, default=1)
    deal_breaker: Mapped[bool] = mapped_column(Boolean, default=False)
    fixable: Mapped[bool] = mapped_column(Boolean, default=True)
    quick: Mapped[bool] = mapped_column(Boolean, default=False)
    impact: Mapped[int] = mapped_column(Integer, default=3)  # 1-5
    priority: Mapped[float] = mapped_column(Float, default=0)
    root_cause: Mapped[str | None] = mapped_column(String(24))
    fix: Mapped[str | None] = mapped_column(Text)
    owner_email: Mapped[str | None] = mapped_column(String(254))
    due_date: Mapped[date | None] = mapped_column(Date)
    success_metric: Mapped[str | None] = mapped_column(Text)
    # open | in_progress | done | verified (by the customer, POST-2) | dropped
    status: Mapped[str] = mapped_column(String(16), default="open")
    completed_on: Mapped[date | None] = mapped_column(Date)
    communicated_on: Mapped[date | None] = mapped_column(Date)
    verified_on: Mapped[date | None] = mapped_column(Date)
    verified_note: Mapped[str | None] = mapped_column(Text)


class Escalation(Base):
    """ESC-1/ESC-2: a suggested or running executive escalation and its four protocol steps."""

    __tablename__ = "escalation"

    escalation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    renewal_id: Mapped[str] = mapped_column(ForeignKey("renewal.renewal_id"), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    suggested_on: Mapped[date] = mapped_column(Date)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # suggested | brief | engaged | follow_through | closed | declined
    status: Mapped[str] = mapped_column(String(16), default="suggested")
    executive_email: Mapped[str | None] = mapped_column(String(254))
    goal: Mapped[str | None] = mapped_column(Text)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    brief: Mapped[str] = mapped_column(Text, default="")


class SaveExit(Base):
    """LOST-1..3: a lost cause, its graceful exit checklist and the debrief."""

    __tablename__ = "save_exit"

    renewal_id: Mapped[str] = mapped_column(ForeignKey("renewal.renewal_id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    detected_on: Mapped[date] = mapped_column(Date)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    debrief: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | exited


class PostSave(Base):
    """POST-1..3: a saved renewal under enhanced monitoring, and what was learned."""

    __tablename__ = "post_save"

    renewal_id: Mapped[str] = mapped_column(ForeignKey("renewal.renewal_id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    saved_on: Mapped[date] = mapped_column(Date)
    monitor_until: Mapped[date] = mapped_column(Date)
    health_check_days: Mapped[int] = mapped_column(Integer)
    lessons: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="monitoring")  # monitoring | ended
