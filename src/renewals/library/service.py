"""Playbook library use-cases (LEARN-3): load the seeds' texts, add the team's own, record
each use on a renewal, and rank the items by how the renewals they were used on ended.

"Create a renewal playbook that captures effective email templates, proven talk tracks,
objection-handling strategies, successful proposal formats and expansion-bundling
approaches. Make it easy for team members to learn from each other's successes."
(Renewal Strategy Framework). TIME-4: "write every objection you can imagine and your
response": an objection heard on a renewal is recorded, and one without a response yet is
listed until someone writes it.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from renewals.errors import NotFound, RenewalsError
from renewals.kit.i18n import Text
from renewals.library.models import LibraryItem, LibraryUse
from renewals.renewal.models import Renewal

KINDS = ("objection", "talk_track", "script", "email_template", "proposal_format", "bundling")
LANGUAGES = ("en", "de", "id", "ms")
RULE_BY_KIND = {
    "objection": "TIME-4",
    "talk_track": "LEARN-3",
    "script": "SAVE-10",
    "email_template": "LEARN-3",
    "proposal_format": "TECH-3",
    "bundling": "BUN-2",
}


def seed_items() -> list[dict[str, str]]:
    text = resources.files("renewals.library").joinpath("seed_items.toml").read_text("utf-8")
    return list(tomllib.loads(text)["item"])


def load_seeds(session: Session, *, on: date) -> tuple[int, int]:
    """The seeds' scripts, talk tracks and objections (every language); (created, updated).
    Idempotent: an item the seeds changed is updated, the team's own items are untouched."""
    existing = {(i.key, i.language): i for i in session.scalars(select(LibraryItem))}
    created = updated = 0
    for raw in seed_items():
        values = {
            "kind": raw["kind"],
            "rule": raw["rule"],
            "title": raw["title"],
            "body": raw["body"].strip(),
            "response": (raw.get("response") or "").strip() or None,
            "source": raw["source"],
        }
        item = existing.get((raw["key"], raw["language"]))
        if item is None:
            session.add(
                LibraryItem(
                    key=raw["key"], language=raw["language"], created_on=on, active=True, **values
                )
            )
            created += 1
        elif any(getattr(item, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(item, k, v)
            updated += 1
    session.flush()
    return created, updated


def _slug(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:60]
    if not slug:
        raise RenewalsError(Text("a library item needs a title with letters or digits"))
    return slug


def get(session: Session, key: str, language: str = "en") -> LibraryItem:
    item = session.scalars(
        select(LibraryItem).where(LibraryItem.key == key, LibraryItem.language == language)
    ).first()
    if item is None:
        languages = sorted(
            session.scalars(select(LibraryItem.language).where(LibraryItem.key == key))
        )
        if languages:
            raise NotFound(
                Text(
                    "no library item {key} in {language} (it exists in {languages})",
                    key=repr(key),
                    language=repr(language),
                    languages=", ".join(languages),
                )
            )
        raise NotFound(
            Text(
                "no library item {key} in {language}: `renewals library list` shows the keys; "
                "`renewals library load-seeds` loads the seeds' texts",
                key=repr(key),
                language=repr(language),
            )
        )
    return item


def add(
    session: Session,
    *,
    kind: str,
    title: str,
    body: str,
    by: str,
    on: date,
    language: str = "en",
    response: str | None = None,
    key: str | None = None,
) -> LibraryItem:
    """LEARN-3: an item the team wrote (a template that worked, a talk track, a response)."""
    if kind not in KINDS:
        raise RenewalsError(
            Text(
                "kind must be one of {choices}, not {value}",
                choices=", ".join(KINDS),
                value=repr(kind),
            )
        )
    if language not in LANGUAGES:
        raise RenewalsError(
            Text(
                "language must be one of {choices}, not {value}",
                choices=", ".join(LANGUAGES),
                value=repr(language),
            )
        )
    if not body.strip():
        raise RenewalsError(Text("a library item needs a body (the text itself)"))
    key = key or _slug(title)
    clash = session.scalars(
        select(LibraryItem).where(LibraryItem.key == key, LibraryItem.language == language)
    ).first()
    if clash is not None:
        raise RenewalsError(
            Text(
                "library item {key} already exists in {language}",
                key=repr(key),
                language=repr(language),
            ),
            409,
        )
    item = LibraryItem(
        key=key,
        language=language,
        kind=kind,
        rule=RULE_BY_KIND[kind],
        title=title.strip(),
        body=body.strip(),
        response=(response or "").strip() or None,
        source=f"team: {by}",
        created_by=by,
        created_on=on,
        active=True,
    )
    session.add(item)
    session.flush()
    return item


def respond(session: Session, item: LibraryItem, *, response: str, by: str) -> LibraryItem:
    """TIME-4: write (or rewrite) the response to an objection."""
    if item.kind != "objection":
        raise RenewalsError(
            Text("{key} is a {kind}, not an objection", key=item.key, kind=item.kind)
        )
    if not response.strip():
        raise RenewalsError(Text("the response is empty"))
    item.response = response.strip()
    if item.created_by is None:
        item.created_by = by
    session.flush()
    return item


def use(
    session: Session,
    item: LibraryItem,
    *,
    renewal_id: str,
    by: str,
    on: date,
    note: str | None = None,
    heard: str | None = None,
) -> LibraryUse:
    """LEARN-3: the item was used on this renewal (its outcome is counted when it closes)."""
    renewal = session.get(Renewal, renewal_id)
    if renewal is None:
        raise NotFound(
            Text("no renewal {renewal}: renewal IDs are R-<contract id>", renewal=repr(renewal_id))
        )
    if not item.active:
        raise RenewalsError(Text("library item {key} is retired", key=item.key))
    row = LibraryUse(
        item_id=item.item_id,
        renewal_id=renewal_id,
        account_id=renewal.account_id,
        used_by=by,
        used_on=on,
        note=(note or "").strip() or None,
        heard=(heard or "").strip() or None,
    )
    session.add(row)
    session.flush()
    return row


def record_objection(
    session: Session,
    *,
    renewal_id: str,
    heard: str,
    by: str,
    on: date,
    key: str | None = None,
    language: str = "en",
) -> tuple[LibraryItem, LibraryUse, bool]:
    """TIME-4: an objection heard on a renewal, in the customer's words: a use of the known
    objection `key`, or a new objection item (without a response until someone writes it);
    (item, use, created)."""
    if not heard.strip():
        raise RenewalsError(Text("say what the customer said (--heard)"))
    created = False
    if key:
        item = get(session, key, language)
        if item.kind != "objection":
            raise RenewalsError(
                Text("{key} is a {kind}, not an objection", key=key, kind=item.kind)
            )
    else:
        item = add(
            session,
            kind="objection",
            title=heard.strip()[:120],
            body=heard,
            by=by,
            on=on,
            language=language,
            key=_slug(heard.strip()[:60]) + f"_{on:%Y%m%d}",
        )
        created = True
    return item, use(session, item, renewal_id=renewal_id, by=by, on=on, heard=heard), created


@dataclass
class ItemStats:
    item: LibraryItem
    uses: int = 0
    won: int = 0
    lost: int = 0
    open: int = 0

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None


@dataclass
class LibraryReport:
    items: list[ItemStats]
    by_kind: Counter[str] = field(default_factory=Counter)
    unanswered: list[LibraryItem] = field(default_factory=list)
    templates: list[dict[str, object]] = field(default_factory=list)


def report(
    session: Session, *, kind: str | None = None, language: str | None = None
) -> LibraryReport:
    """LEARN-3: every item with its uses and the outcomes of the renewals it was used on
    (won, lost, still open), best win rate first; objections still without a response; and
    the campaign's email templates (TIME-5) with the outcomes of the renewals they went to."""
    query = select(LibraryItem).where(LibraryItem.active.is_(True))
    if kind:
        query = query.where(LibraryItem.kind == kind)
    if language:
        query = query.where(LibraryItem.language == language)
    items = {i.item_id: ItemStats(i) for i in session.scalars(query.order_by(LibraryItem.key))}
    rows = session.execute(
        select(LibraryUse.item_id, Renewal.stage).join(
            Renewal, Renewal.renewal_id == LibraryUse.renewal_id
        )
    )
    for item_id, stage in rows:
        stats = items.get(item_id)
        if stats is None:
            continue
        stats.uses += 1
        if stage == "closed_won":
            stats.won += 1
        elif stage == "closed_lost":
            stats.lost += 1
        else:
            stats.open += 1
    out = LibraryReport(
        sorted(
            items.values(),
            key=lambda s: (-(s.win_rate if s.win_rate is not None else -1), -s.uses, s.item.key),
        )
    )
    for s in items.values():
        out.by_kind[s.item.kind] += 1
        if s.item.kind == "objection" and not s.item.response:
            out.unanswered.append(s.item)
    out.templates = _templates(session)
    return out


def _templates(session: Session) -> list[dict[str, object]]:
    """TIME-5 email templates that worked: per campaign step and language, the messages
    sent and how the renewals they went to ended."""
    from renewals.outbox.models import OutboxMessage

    rows = session.execute(
        select(OutboxMessage.step, OutboxMessage.language, Renewal.stage, func.count())
        .join(Renewal, Renewal.renewal_id == OutboxMessage.renewal_id)
        .where(OutboxMessage.status == "sent", OutboxMessage.audience == "customer")
        .group_by(OutboxMessage.step, OutboxMessage.language, Renewal.stage)
    )
    table: dict[tuple[str, str], Counter[str]] = {}
    for step, language, stage, n in rows:
        bucket = "won" if stage == "closed_won" else "lost" if stage == "closed_lost" else "open"
        table.setdefault((step, language), Counter())[bucket] += n
    return [
        {"template": step, "language": language, "sent": sum(c.values()), **dict(c)}
        for (step, language), c in sorted(table.items())
    ]
