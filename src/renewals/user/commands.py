"""`renewals user ...`: the people who sign in to the web app and their API tokens (TECH-5)."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit.cli import console, emit_json_lines, fail, opened, state
from renewals.kit.i18n import LANGUAGE_NAMES, Text, _, word
from renewals.kit.time import utc_now
from renewals.user.domain import Role

app = typer.Typer(
    help=(
        "Users of the web app (TECH-5): add them, set passwords, deactivate them, and give "
        "scripts API tokens. Users from users.csv have no password until one is set here. "
        "Every change is audited; passwords and tokens never are. See docs/users.md."
    ),
    no_args_is_help=True,
)

ROLES = ", ".join(r.value for r in Role)


def _actor() -> str:
    """Who made a change from the command line, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in some containers
        return "cli"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            fail(Text("--password-stdin: nothing on standard input"))
        return line.rstrip("\r\n")
    first = typer.prompt(_("Password"), hide_input=True)
    second = typer.prompt(_("Repeat the password"), hide_input=True)
    if first != second:
        fail(Text("the two passwords differ; nothing was changed"))
    return first


PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input instead of prompting "
        "(for scripts: `printf '%s\\n' \"$PW\" | renewals user add ...`).",
    ),
]


@app.command("add")
def add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's email address (their sign-in name).")],
    name: Annotated[str, typer.Option("--name", help="Full name, as shown in the app.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {ROLES}.")],
    manager: Annotated[
        str | None,
        typer.Option("--manager", help="Their manager's email (an existing user): builds teams."),
    ] = None,
    password_stdin: PasswordStdin = False,
    no_password: Annotated[
        bool,
        typer.Option("--no-password", help="Create the user without a password (set one later)."),
    ] = False,
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            help="The language they read the product in: en, de, id or ms (issue 22). "
            "Default: their browser's, then the policy's web.language.",
        ),
    ] = None,
) -> None:
    """Add a user who can sign in; prompts twice for the password (hidden) unless told otherwise.

    Example: renewals user add cara@example.com --name "Cara Diaz" --role csm --manager mo@example.com
    """
    from renewals.user import service

    try:
        # Check the cheap things before asking for a password.
        service.normalize_email(email)
        service.parse_role(role)
        service.parse_language(language)
    except RenewalsError as exc:
        fail(exc.message, 2)
    password = None if no_password else _read_password(password_stdin)
    with opened(ctx) as session:
        user = service.add_user(
            session,
            email=email,
            name=name,
            role=role,
            manager_email=manager,
            password=password,
            actor=_actor(),
            language=language,
        )
        if user.manager_email:
            summary = _("Added {email} ({role}), reporting to {manager}").format(
                email=user.email, role=word("role", user.role), manager=user.manager_email
            )
        else:
            summary = _("Added {email} ({role})").format(
                email=user.email, role=word("role", user.role)
            )
    console.print(
        escape(summary) + ("." if password else _("; no password yet: `renewals user password`."))
    )


AsJson = Annotated[bool, typer.Option("--json", help="Print JSON Lines, one object per row.")]


@app.command("list")
def list_(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Every user: role, manager, whether they can sign in, last sign-in, lock and tokens."""
    from renewals.db import session_scope
    from renewals.user import service

    now = utc_now()
    with session_scope(state(ctx).engine()) as session:
        rows = service.list_users(session, now=now)
    if as_json:
        emit_json_lines(
            {
                "email": r.email,
                "name": r.name,
                "role": r.role,
                "manager_email": r.manager_email,
                "active": r.active,
                "has_password": r.has_password,
                "locked_until": (
                    r.locked_until.isoformat() if r.locked_until and r.locked(now) else None
                ),
                "last_login": r.last_login.isoformat() if r.last_login else None,
                "tokens": r.tokens,
            }
            for r in rows
        )
        return
    if not rows:
        console.print(
            _("No users yet: `renewals user add EMAIL --name ... --role ...` or import users.csv.")
        )
        return
    table = Table()
    for column in (
        _("email"),
        _("name"),
        _("role"),
        _("manager"),
        _("status"),
        _("last sign-in"),
        _("tokens"),
    ):
        table.add_column(column)
    for row in rows:
        if not row.active:
            status = "[dim]" + _("inactive") + "[/]"
        elif row.locked(now):
            until = f"{row.locked_until:%Y-%m-%d %H:%M}"
            status = "[red]" + _("locked until {when} UTC").format(when=until) + "[/]"
        elif not row.has_password:
            status = "[yellow]" + _("no password") + "[/]"
        else:
            status = "[green]" + _("active") + "[/]"
        table.add_row(
            escape(row.email),
            escape(row.name),
            word("role", row.role),
            escape(row.manager_email or ""),
            status,
            f"{row.last_login:%Y-%m-%d %H:%M}" if row.last_login else _("never"),
            str(row.tokens),
        )
    console.print(table)
    console.print(_("{n} user(s)").format(n=len(rows)))


@app.command("update")
def update(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's email.")],
    language: Annotated[
        str,
        typer.Option(
            "--language",
            help="The language they read the product in: en, de, id or ms; 'default' clears "
            "it (their browser's, then the policy's web.language).",
        ),
    ],
) -> None:
    """Change a user's settings: the language of their pages and messages (issue 22).

    Example: renewals user update cara@example.com --language id
    """
    from renewals.user import service

    chosen = None if language.strip().lower() == "default" else language
    with opened(ctx) as session:
        user = service.set_language(session, email, chosen, actor=_actor())
        address, now_language = user.email, user.language
    console.print(
        _("{email} reads the product in {language}.").format(
            email=escape(address), language=LANGUAGE_NAMES.get(now_language, now_language)
        )
        if now_language
        else _("{email} has no language set: their browser's, then the policy's.").format(
            email=escape(address)
        )
    )


@app.command("password")
def password(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's email.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set or reset a password; also lifts a lockout and signs the user out everywhere."""
    from renewals.user import service

    with opened(ctx) as session:
        service.get_user(session, email)  # fail before prompting for an unknown user
    secret = _read_password(password_stdin)
    with opened(ctx) as session:
        user = service.set_password(session, email, secret, actor=_actor())
        address = user.email
    console.print(
        _("Password set for {email}; their other sessions were ended.").format(
            email=escape(address)
        )
    )


@app.command("deactivate")
def deactivate(
    ctx: typer.Context, email: Annotated[str, typer.Argument(help="The user's email.")]
) -> None:
    """Stop a user signing in: ends their sessions; their API tokens stop working."""
    from renewals.user import service

    with opened(ctx) as session:
        user = service.deactivate(session, email, actor=_actor())
        address = user.email
    console.print(
        _("{email} is inactive: sessions ended, API tokens refused.").format(email=escape(address))
    )


@app.command("token")
def token(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Whose token: the script acts as this user.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for, e.g. 'crm-sync'.")],
) -> None:
    """Create an API token (Authorization: Bearer TOKEN); it is printed once, never again."""
    from renewals.user import service

    with opened(ctx) as session:
        raw, created = service.create_token(session, email, name, now=utc_now())
        token_id, owner = created.id, created.user_email
    console.print(
        _("API token {id} for {email} ({name}):").format(
            id=token_id, email=escape(owner), name=escape(name.strip())
        )
    )
    # Plain print: no wrapping or markup, so the token can be copied or piped as is.
    typer.echo(raw)
    console.print(
        _("Keep it secret: it is shown only now. `renewals user revoke {id}` ends it.").format(
            id=token_id
        ),
        highlight=False,
    )


@app.command("tokens")
def tokens(
    ctx: typer.Context,
    email: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
    as_json: AsJson = False,
) -> None:
    """API tokens (never their values): id, owner, name, created, last used, revoked."""
    from renewals.user import service

    with opened(ctx) as session:
        found = service.list_tokens(session, email)
        records = [
            {
                "id": t.id,
                "user_email": t.user_email,
                "name": t.name,
                "created_at": t.created_at.isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in found
        ]
        rows = [
            (
                str(t.id),
                t.user_email,
                t.name,
                f"{t.created_at:%Y-%m-%d}",
                f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else _("never"),
                f"{t.revoked_at:%Y-%m-%d}" if t.revoked_at else "",
            )
            for t in found
        ]
    if as_json:
        emit_json_lines(records)
        return
    if not rows:
        console.print(_("No API tokens: `renewals user token EMAIL --name NAME` creates one."))
        return
    table = Table()
    for column in (_("id"), _("user"), _("name"), _("created"), _("last used"), _("revoked")):
        table.add_column(column)
    for row in rows:
        table.add_row(*(escape(v) for v in row))
    console.print(table)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="The token's id, from `renewals user tokens`.")],
) -> None:
    """Revoke an API token at once; scripts using it get 401 from then on."""
    from renewals.user import auth

    with opened(ctx) as session:
        revoked = auth.revoke_token(session, token_id, actor=_actor(), now=utc_now())
        owner = revoked.user_email
    console.print(
        _("API token {id} of {email} is revoked.").format(id=token_id, email=escape(owner))
    )
