"""`renewals demo` ends by serving the web app and printing one demo user per role."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from renewals.cli import app
from renewals.db import make_engine, session_scope
from renewals.demo.commands import DEMO_PASSWORD
from renewals.renewal.models import Renewal
from renewals.user import auth
from renewals.user.models import User

runner = CliRunner()
ROLES = ("csm", "manager", "director", "vp", "executive", "admin")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "RENEWALS_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "RENEWALS_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "250",
    }


def _demo(env: dict[str, str], tmp_path: Path, *extra: str):
    args = ["demo", "--accounts", "60", "--as-of", "2026-11-24", "--dir", str(tmp_path / "book")]
    return runner.invoke(app, [*args, *extra], env=env)


def _logins(output: str) -> dict[str, list[str]]:
    """role -> emails, from the credentials table."""
    found: dict[str, list[str]] = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) >= 2 and cells[0] in ROLES and "@" in cells[1]:
            found.setdefault(cells[0], []).append(cells[1])
    return found


def test_no_serve_prints_a_login_per_role_that_really_signs_in(env, tmp_path):
    result = _demo(env, tmp_path, "--no-serve")
    assert result.exit_code == 0, result.output
    assert "Sign in at http://127.0.0.1:8000/" in result.output
    assert f"password for every demo user: {DEMO_PASSWORD}" in result.output
    assert "for the demo only" in result.output
    logins = _logins(result.output)
    assert set(logins) == set(ROLES) and len(logins["csm"]) == 2
    engine = make_engine(env["RENEWALS_DATABASE_URL"])
    with session_scope(engine) as session:
        for role, emails in logins.items():
            for email in emails:
                user = session.get(User, email)
                assert user.role == role and auth.verify_password(user.password_hash, DEMO_PASSWORD)
        lead = logins["csm"][0]
        at_risk = select(func.count()).where(
            Renewal.outcome.is_(None), Renewal.opportunity_type == "at_risk"
        )
        assert session.scalar(at_risk.where(Renewal.owner_email == lead)) > 0
        # The manager shown is the lead CSM's own manager, so the team view has their accounts.
        assert session.get(User, lead).manager_email == logins["manager"][0]
        assert all(u.password_hash for u in session.scalars(select(User)))


def test_the_demo_keeps_a_changed_password(env, tmp_path):
    assert _demo(env, tmp_path, "--no-serve").exit_code == 0
    engine = make_engine(env["RENEWALS_DATABASE_URL"])
    with session_scope(engine) as session:
        admin = session.scalars(select(User).where(User.role == "admin")).first()
        auth.set_password(session, admin, "my own admin password", actor="test")
        email = admin.email
    assert _demo(env, tmp_path, "--no-serve").exit_code == 0
    with session_scope(engine) as session:
        assert auth.verify_password(session.get(User, email).password_hash, "my own admin password")


def test_the_demo_ends_by_serving_on_the_given_address(env, tmp_path, monkeypatch):
    served = {}

    def fake_run(app_, **kwargs):  # stands in for uvicorn.run, which blocks until Ctrl-C
        served.update(kwargs, app=app_)

    monkeypatch.setattr("uvicorn.run", fake_run)
    result = _demo(env, tmp_path, "--host", "0.0.0.0", "--port", "8765")
    assert result.exit_code == 0, result.output
    assert served["host"] == "0.0.0.0" and served["port"] == 8765
    assert served["app"].url_path_for("login_form") == "/login"  # the real web app
    assert "Sign in at http://0.0.0.0:8765/" in result.output
    assert "serving on" in result.output
