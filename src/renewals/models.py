"""Every ORM model, imported so that Base.metadata is complete (Alembic, tests)."""

from renewals.account.models import Account, Goal, Stakeholder
from renewals.audit.models import AuditEvent
from renewals.concession.models import Concession, ConcessionStep
from renewals.contract.models import BookSnapshot, Contract
from renewals.contract_doc.models import ContractDocument
from renewals.db import Base
from renewals.engagement.models import Interaction, SurveyResponse, Ticket
from renewals.forecast.models import ForecastOverride, ForecastSnapshot, ModelRun
from renewals.fx.models import FxRate
from renewals.health.models import HealthSnapshot
from renewals.ingest.models import ImportRun
from renewals.library.models import LibraryItem, LibraryUse
from renewals.outbox.models import MessagePermission, OutboxMessage
from renewals.proposal.models import Proposal, RoiInputs, ValueMoment
from renewals.renewal.models import Renewal, StageChange
from renewals.review.models import ReviewDecision
from renewals.save_plan.models import (
    Escalation,
    PostSave,
    SaveExit,
    SavePlan,
    SaveProblem,
    SaveTriage,
)
from renewals.scheduler import JobRun
from renewals.signal.models import Signal, SignalLabel, TextEmbedding, TextScan
from renewals.source.models import Source, SourceUser
from renewals.task.models import Task
from renewals.user.models import ApiToken, User, WebSession
from renewals.winloss.models import WinLossRecord
from renewals.worker.models import WorkerHeartbeat, WorkerJob, WorkerLock, WorkerRun

__all__ = [
    "FxRate",
    "Source",
    "SourceUser",
    "WorkerHeartbeat",
    "WorkerJob",
    "WorkerLock",
    "WorkerRun",
    "ReviewDecision",
    "LibraryItem",
    "LibraryUse",
    "WebSession",
    "ValueMoment",
    "RoiInputs",
    "Proposal",
    "ContractDocument",
    "ApiToken",
    "Account",
    "AuditEvent",
    "Base",
    "BookSnapshot",
    "Concession",
    "ConcessionStep",
    "Contract",
    "Escalation",
    "ForecastOverride",
    "ForecastSnapshot",
    "Goal",
    "HealthSnapshot",
    "ImportRun",
    "Interaction",
    "JobRun",
    "MessagePermission",
    "ModelRun",
    "OutboxMessage",
    "PostSave",
    "Renewal",
    "SaveExit",
    "SavePlan",
    "SaveProblem",
    "SaveTriage",
    "Signal",
    "SignalLabel",
    "Stakeholder",
    "StageChange",
    "SurveyResponse",
    "Task",
    "TextEmbedding",
    "TextScan",
    "Ticket",
    "User",
    "WinLossRecord",
]
