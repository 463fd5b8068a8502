"""The canonical import format as data: files, columns, parsers and row rules.

Pure: values in, values or reasons out. Reading files and writing the
database happen in `service.py`. docs/data-format.md documents the same
format for people; tests keep the two in step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from renewals.account.domain import GoalStatus, Segment, StakeholderRole
from renewals.contract.domain import Outcome
from renewals.engagement.domain import (
    SURVEY_SCALES,
    InteractionKind,
    InteractionStatus,
    SurveyKind,
    TicketPriority,
)
from renewals.kit.i18n import Text
from renewals.user.domain import Role


class CellError(ValueError):
    """A value that cannot be read; the message is the reason shown to the user (a `Text`:
    English as it is, in the reader's language when printed with `tr`, issue 22)."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason)
        self.reason = reason


def typed(raw: object) -> str:
    """A value as the file has it, quoted (`'lots'`): a reason shows it as typed in every
    language (a quoted value is not read as a word or a figure of the language)."""
    return repr(raw)


REQUIRED = Text("is required")

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CellError(Text("not a boolean (use true/false, 1/0 or yes/no): {raw}", raw=typed(raw)))


def parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise CellError(Text("not an ISO 8601 date (YYYY-MM-DD): {raw}", raw=typed(raw))) from None


def parse_timestamp(raw: str) -> datetime:
    """ISO 8601 with `T` or a space; no zone means UTC."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise CellError(
            Text("not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SS): {raw}", raw=typed(raw))
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_int(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise CellError(Text("not a whole number: {raw}", raw=typed(raw))) from None


def parse_decimal(raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise CellError(Text("not a number: {raw}", raw=typed(raw))) from None
    if not value.is_finite():
        raise CellError(Text("not a finite number: {raw}", raw=typed(raw)))
    return value


def parse_float(raw: str) -> float:
    return float(parse_decimal(raw))


def parse_text(raw: str) -> str:
    return raw.strip()


def parse_email(raw: str) -> str:
    """An email address as stored: trimmed and lower case, the one email-case rule of
    TECH-5 (user.access.email_key; `renewals user add` stores addresses the same way), so
    that "Anna.Schmidt@X.com" in contracts.csv is the same person as anna.schmidt@x.com in
    users.csv and every owner comparison, in Python or SQL, agrees."""
    return raw.strip().lower()


def enum_parser(enum: type[StrEnum]) -> Callable[[str], str]:
    allowed = [e.value for e in enum]

    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise CellError(
                Text("{raw} is not one of: {allowed}", raw=typed(raw), allowed=", ".join(allowed))
            )
        return value

    return parse


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any] = parse_text
    required: bool = False
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    # Entity whose id this column refers to ("account", "user").
    references: str | None = None
    # Stored when the cell is empty (the column is optional).
    default: Any = None

    def read(self, raw: Any) -> Any:
        """Parse one raw cell (str from CSV, or a JSON value) into a Python value or None."""
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            if self.required:
                raise CellError(REQUIRED)
            return self.default
        value = self.parse(raw if isinstance(raw, str) else _json_scalar(raw))
        if self.min_value is not None and value < self.min_value:
            raise CellError(
                Text("must be at least {min} (got {raw})", min=self.min_value, raw=typed(raw))
            )
        if self.max_value is not None and value > self.max_value:
            raise CellError(
                Text("must be at most {max} (got {raw})", max=self.max_value, raw=typed(raw))
            )
        return value


def _json_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    raise CellError(Text("expected a single value, got {type}", type=type(value).__name__))


RowCheck = Callable[[Mapping[str, Any]], Iterable[tuple[str, Text]]]


@dataclass(frozen=True)
class EntitySpec:
    entity: str
    stem: str
    id_column: str
    columns: tuple[Column, ...]
    checks: tuple[RowCheck, ...] = field(default=())
    required_file: bool = False

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _z(value: int) -> Decimal:
    return Decimal(value)


def _contract_checks(row: Mapping[str, Any]) -> Iterable[tuple[str, Text]]:
    start, end = row.get("start_date"), row.get("end_date")
    if start and end and end <= start:
        yield (
            "end_date",
            Text("end_date {end} is not after start_date {start}", end=end, start=start),
        )
    outcome = row.get("outcome")
    if outcome:
        if row.get("outcome_arr") is None:
            yield "outcome_arr", Text("is required when outcome is {key}", key=outcome)
        if row.get("closed_at") is None:
            yield "closed_at", Text("is required when outcome is {key}", key=outcome)
    else:
        if row.get("outcome_arr") is not None:
            yield (
                "outcome_arr",
                Text("is set but outcome is empty (an open contract has no outcome_arr)"),
            )
        if row.get("closed_at") is not None:
            yield (
                "closed_at",
                Text("is set but outcome is empty (set the outcome of a closed contract)"),
            )


def _account_checks(row: Mapping[str, Any]) -> Iterable[tuple[str, Text]]:
    # SEG-1: overrides are allowed and must be recorded with a reason.
    if row.get("segment_override") and not row.get("segment_override_reason"):
        yield "segment_override_reason", Text("is required when segment_override is set (SEG-1)")


def _stakeholder_checks(row: Mapping[str, Any]) -> Iterable[tuple[str, Text]]:
    started, left = row.get("started_at"), row.get("left_at")
    if started and left and left < started:
        yield (
            "left_at",
            Text("left_at {left} is before started_at {started}", left=left, started=started),
        )


def _ticket_checks(row: Mapping[str, Any]) -> Iterable[tuple[str, Text]]:
    opened, closed = row.get("opened_at"), row.get("closed_at")
    if opened and closed and closed < opened:
        yield (
            "closed_at",
            Text(
                "closed_at {closed} is before opened_at {opened}",
                closed=closed.strftime("%Y-%m-%d %H:%M"),
                opened=opened.strftime("%Y-%m-%d %H:%M"),
            ),
        )


def _survey_checks(row: Mapping[str, Any]) -> Iterable[tuple[str, Text]]:
    kind, score = row.get("kind"), row.get("score")
    if kind and score is not None:
        low, high = SURVEY_SCALES[SurveyKind(kind)]
        if not low <= score <= high:
            yield (
                "score",
                Text(
                    "{key} score must be {low}-{high} (got {score})",
                    key=kind,
                    low=low,
                    high=high,
                    score=score,
                ),
            )


ACCOUNTS = EntitySpec(
    entity="account",
    stem="accounts",
    id_column="account_id",
    required_file=True,
    columns=(
        Column("account_id", required=True),
        Column("name", required=True),
        Column("industry"),
        Column("owner_email", parse_email, references="user"),
        Column("fiscal_year_start_month", parse_int, min_value=_z(1), max_value=_z(12), default=1),
        Column("strategic", parse_bool, default=False),
        Column("customer_since", parse_date),
        Column("segment_override", enum_parser(Segment)),
        Column("segment_override_reason"),
        Column("language"),
    ),
    checks=(_account_checks,),
)

CONTRACTS = EntitySpec(
    entity="contract",
    stem="contracts",
    id_column="contract_id",
    required_file=True,
    columns=(
        Column("contract_id", required=True),
        Column("account_id", required=True, references="account"),
        Column("start_date", parse_date, required=True),
        Column("end_date", parse_date, required=True),
        Column("arr", parse_decimal, required=True, min_value=_z(0)),
        Column("currency", default="USD"),
        Column("seats", parse_int, min_value=_z(1)),
        Column("term_months", parse_int, min_value=_z(1), default=12),
        Column("auto_renew", parse_bool, default=False),
        Column("payment_on_file", parse_bool, default=False),
        Column("outcome", enum_parser(Outcome)),
        Column("outcome_arr", parse_decimal, min_value=_z(0)),
        Column("closed_at", parse_date),
        Column("close_reason"),
        Column("competitor"),
    ),
    checks=(_contract_checks,),
)

STAKEHOLDERS = EntitySpec(
    entity="stakeholder",
    stem="stakeholders",
    id_column="stakeholder_id",
    columns=(
        Column("stakeholder_id", required=True),
        Column("account_id", required=True, references="account"),
        Column("name", required=True),
        Column("email"),
        Column("role", enum_parser(StakeholderRole), required=True),
        Column("started_at", parse_date),
        Column("left_at", parse_date),
        Column("last_engaged_at", parse_date),
    ),
    checks=(_stakeholder_checks,),
)

TICKETS = EntitySpec(
    entity="ticket",
    stem="tickets",
    id_column="ticket_id",
    columns=(
        Column("ticket_id", required=True),
        Column("account_id", required=True, references="account"),
        Column("opened_at", parse_timestamp, required=True),
        Column("closed_at", parse_timestamp),
        Column("priority", enum_parser(TicketPriority), default="normal"),
        Column("subject", required=True),
        Column("body"),
        Column("satisfaction", parse_int, min_value=_z(1), max_value=_z(5)),
    ),
    checks=(_ticket_checks,),
)

SURVEYS = EntitySpec(
    entity="survey",
    stem="surveys",
    id_column="response_id",
    columns=(
        Column("response_id", required=True),
        Column("account_id", required=True, references="account"),
        Column("kind", enum_parser(SurveyKind), required=True),
        Column("score", parse_int, required=True),
        Column("comment"),
        Column("responded_at", parse_timestamp, required=True),
    ),
    checks=(_survey_checks,),
)

INTERACTIONS = EntitySpec(
    entity="interaction",
    stem="interactions",
    id_column="interaction_id",
    columns=(
        Column("interaction_id", required=True),
        Column("account_id", required=True, references="account"),
        Column("kind", enum_parser(InteractionKind), required=True),
        Column("occurred_at", parse_timestamp, required=True),
        Column("status", enum_parser(InteractionStatus), required=True),
        Column("response_hours", parse_float, min_value=_z(0)),
        Column("text"),
        Column("author_email", parse_email, references="user"),
    ),
)

GOALS = EntitySpec(
    entity="goal",
    stem="goals",
    id_column="goal_id",
    columns=(
        Column("goal_id", required=True),
        Column("account_id", required=True, references="account"),
        Column("description", required=True),
        Column("due_date", parse_date),
        Column("status", enum_parser(GoalStatus), required=True),
    ),
)

USERS = EntitySpec(
    entity="user",
    stem="users",
    id_column="email",
    columns=(
        Column("email", parse_email, required=True),
        Column("name", required=True),
        Column("role", enum_parser(Role), required=True),
        Column("manager_email", parse_email, references="user"),
    ),
)

# Write order: referenced entities first.
TABLE_SPECS: tuple[EntitySpec, ...] = (
    USERS,
    ACCOUNTS,
    CONTRACTS,
    STAKEHOLDERS,
    GOALS,
    TICKETS,
    SURVEYS,
    INTERACTIONS,
)

# Usage events do not go to the application database (see usage/service.py).
USAGE_STEM = "usage_events"
USAGE_COLUMNS = ("account_id", "user_id", "event", "feature", "timestamp")


@dataclass(frozen=True, order=True)
class Issue:
    """One reason a row cannot be imported, located as file:line:column."""

    file: str
    line: int
    column: int | None
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


def unknown_reference(entity: str, value: object) -> Text:
    """A row's reference to an account or a user that no file and no stored row has."""
    if entity == "user":
        return Text("unknown user {id}", id=typed(value))
    return Text("unknown account {id}", id=typed(value))


def rejected_reference(entity: str, value: object, where: str) -> Text:
    """A row's reference to an account or a user whose own row was rejected (at `where`)."""
    if entity == "user":
        return Text("refers to user {id}, rejected at {where}", id=typed(value), where=where)
    return Text("refers to account {id}, rejected at {where}", id=typed(value), where=where)


@dataclass
class ParsedRow:
    line: int
    values: dict[str, Any]
    raw: dict[str, Any]


def parse_row(
    spec: EntitySpec, raw: Mapping[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, Text]]]:
    """Read every known column of a raw row, then apply the row rules; collect all problems."""
    values: dict[str, Any] = {}
    problems: list[tuple[str, Text]] = []
    for column in spec.columns:
        if column.name not in raw:
            continue
        try:
            values[column.name] = column.read(raw[column.name])
        except CellError as exc:
            problems.append((column.name, exc.reason))
    if not problems:
        for check in spec.checks:
            problems.extend(check(values))
    return values, problems
