"""`renewals user ...` as an admin runs it: add, list, password, deactivate, tokens, revoke."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from renewals import migrate
from renewals.audit.models import AuditEvent
from renewals.db import make_engine, session_scope
from renewals.kit.time import utc_now
from renewals.user import auth
from renewals.user.commands import app
from renewals.user.models import User, WebSession

runner = CliRunner()
SECRET = "s3cret pass phrase"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "RENEWALS_DATABASE_URL": f"sqlite:///{tmp_path / 'users.db'}",
        "RENEWALS_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "200",
    }


def _run(env: dict[str, str], *args: str, input: str | None = None):
    return runner.invoke(app, list(args), env=env, input=input)


def _engine(env: dict[str, str]):
    engine = make_engine(env["RENEWALS_DATABASE_URL"])
    migrate.ensure_schema(engine)
    return engine


def _add(env, email, role, *extra, password=SECRET):
    result = _run(
        env, "add", email, "--name", email.split("@")[0].title(), "--role", role,
        "--password-stdin", *extra, input=password + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result


def test_add_creates_a_user_who_can_sign_in_and_audits_without_the_password(env):
    _add(env, "Mo@Example.com", "manager")
    result = _add(env, "cara@example.com", "csm", "--manager", "mo@example.com")
    assert "Added cara@example.com (csm), reporting to mo@example.com." in result.output
    with session_scope(_engine(env)) as session:
        cara = session.get(User, "cara@example.com")
        assert cara.manager_email == "mo@example.com" and cara.role == "csm"
        assert auth.verify_password(cara.password_hash, SECRET)
        assert session.get(User, "mo@example.com") is not None  # stored lower-case
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.action, e.entity_id) for e in events] == [
            ("user.added", "mo@example.com"),
            ("user.password_set", "mo@example.com"),
            ("user.added", "cara@example.com"),
            ("user.password_set", "cara@example.com"),
        ]
        assert all(e.actor.startswith("cli") for e in events)
        assert SECRET not in repr([(e.actor, e.entity_id, e.detail) for e in events])
    assert SECRET not in result.output


def test_add_prompts_twice_hidden_and_refuses_a_mismatch(env):
    result = _run(
        env, "add", "cara@example.com", "--name", "Cara", "--role", "csm",
        input=f"{SECRET}\n{SECRET}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output  # hidden input is not echoed
    mismatch = _run(
        env, "add", "dan@example.com", "--name", "Dan", "--role", "csm",
        input=f"{SECRET}\nsomething else 1\n",
    )  # fmt: skip
    assert mismatch.exit_code == 1 and "the two passwords differ" in mismatch.output
    with session_scope(_engine(env)) as session:
        assert session.get(User, "dan@example.com") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-email", "--name", "X", "--role", "csm"], "is not an email address"),
        (["x@example.com", "--name", "X", "--role", "boss"], "unknown role 'boss'; roles are: csm,"),
        (["x@example.com", "--name", "X", "--role", "csm", "--manager", "nobody@example.com"],
         "no user nobody@example.com"),
        (["x@example.com", "--name", " ", "--role", "csm"], "a name is required"),
    ],
)  # fmt: skip
def test_add_explains_bad_input_and_writes_nothing(env, args, message):
    result = _run(env, "add", *args, "--password-stdin", input=SECRET + "\n")
    assert result.exit_code in (1, 2)
    assert message in result.output
    with session_scope(_engine(env)) as session:
        assert session.scalars(select(User)).all() == []


def test_add_refuses_a_duplicate_and_a_short_password(env):
    _add(env, "cara@example.com", "csm")
    again = _run(env, "add", "CARA@example.com", "--name", "C", "--role", "csm", "--no-password")
    assert again.exit_code == 1 and "already exists" in again.output
    short = _run(
        env, "add", "dan@example.com", "--name", "Dan", "--role", "csm", "--password-stdin",
        input="short\n",
    )  # fmt: skip
    assert short.exit_code == 1 and "at least 10 characters" in short.output


def test_list_shows_roles_status_and_last_sign_in(env):
    _add(env, "cara@example.com", "csm")
    assert _run(env, "add", "imp@example.com", "--name", "Imp", "--role", "sales",
                "--no-password").exit_code == 0  # fmt: skip
    _add(env, "gone@example.com", "csm")
    assert _run(env, "deactivate", "gone@example.com").exit_code == 0
    result = _run(env, "list")
    assert result.exit_code == 0, result.output
    lines = {line.split()[1]: line for line in result.output.splitlines() if "@" in line}
    assert "active" in lines["cara@example.com"] and "never" in lines["cara@example.com"]
    assert "no password" in lines["imp@example.com"]
    assert "inactive" in lines["gone@example.com"]
    assert "3 user(s)" in result.output


def test_password_resets_lifts_the_lock_and_ends_sessions(env):
    _add(env, "cara@example.com", "csm")
    engine = _engine(env)
    with session_scope(engine) as session:
        cara = session.get(User, "cara@example.com")
        cara.failed_logins = 9
        session.add(
            WebSession(
                id_hash="a" * 64, user_email=cara.email, csrf_token="t",
                created_at=utc_now(), last_seen_at=utc_now(),
                expires_at=utc_now(),
            )
        )  # fmt: skip
    new = "another long one 7"
    result = _run(env, "password", "cara@example.com", input=f"{new}\n{new}\n")
    assert result.exit_code == 0, result.output
    assert new not in result.output
    with session_scope(engine) as session:
        cara = session.get(User, "cara@example.com")
        assert auth.verify_password(cara.password_hash, new) and cara.failed_logins == 0
        assert session.scalars(select(WebSession)).all() == []
    unknown = _run(env, "password", "nobody@example.com", "--password-stdin", input=new + "\n")
    assert unknown.exit_code == 1 and "no user nobody@example.com" in unknown.output


def test_deactivate_is_audited_and_not_repeated(env):
    _add(env, "cara@example.com", "csm")
    assert _run(env, "deactivate", "cara@example.com").exit_code == 0
    again = _run(env, "deactivate", "cara@example.com")
    assert again.exit_code == 1 and "already inactive" in again.output
    with session_scope(_engine(env)) as session:
        assert not session.get(User, "cara@example.com").active
        assert (
            session.scalar(
                select(AuditEvent.entity_id).where(AuditEvent.action == "user.deactivated")
            )
            == "cara@example.com"
        )


def test_token_is_printed_once_listed_without_value_and_revocable(env):
    _add(env, "cara@example.com", "csm")
    created = _run(env, "token", "cara@example.com", "--name", "crm-sync")
    assert created.exit_code == 0, created.output
    raw = re.search(r"^(rnw_\S+)$", created.output, re.M).group(1)
    token_id = re.search(r"API token (\d+) for cara@example.com", created.output).group(1)
    listed = _run(env, "tokens")
    assert listed.exit_code == 0 and "crm-sync" in listed.output and raw not in listed.output
    assert "never" in listed.output
    engine = _engine(env)
    with session_scope(engine) as session:
        assert auth.token_user(session, raw, now=utc_now()).email == "cara@example.com"
    assert _run(env, "revoke", token_id).exit_code == 0
    with session_scope(engine) as session:
        assert auth.token_user(session, raw, now=utc_now()) is None
        logged = session.scalars(select(AuditEvent.detail)).all()
        assert raw not in repr(logged)
    again = _run(env, "revoke", token_id)
    assert again.exit_code == 1 and "already revoked" in again.output
    assert "no API token 999" in _run(env, "revoke", "999").output
    assert "no user x@example.com" in _run(env, "tokens", "x@example.com").output


def test_no_token_for_an_inactive_user(env):
    _add(env, "cara@example.com", "csm")
    _run(env, "deactivate", "cara@example.com")
    result = _run(env, "token", "cara@example.com", "--name", "etl")
    assert result.exit_code == 1 and "inactive" in result.output
