"""Every ORM model, imported so that Base.metadata is complete (Alembic, tests)."""

from renewals.account.models import Account, Goal, Stakeholder
from renewals.audit.models import AuditEvent
from renewals.contract.models import BookSnapshot, Contract
from renewals.db import Base
from renewals.engagement.models import Interaction, SurveyResponse, Ticket
from renewals.ingest.models import ImportRun
from renewals.scheduler import JobRun
from renewals.user.models import User

__all__ = [
    "Account",
    "AuditEvent",
    "Base",
    "BookSnapshot",
    "Contract",
    "Goal",
    "ImportRun",
    "Interaction",
    "JobRun",
    "Stakeholder",
    "SurveyResponse",
    "Ticket",
    "User",
]
