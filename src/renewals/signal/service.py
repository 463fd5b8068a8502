"""Signal use-cases: scan texts, detect numeric signals, combine them (SIG-0), store once.

Signals are keyed by (account, kind, source, source_id): scanning the same ticket
again, or re-running the same day, finds the existing row and only moves its
`last_seen_on`, so nothing is ever duplicated.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
from sqlalchemy import Select, and_, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from renewals.account import service as account_service
from renewals.db import update_rows
from renewals.engagement.models import Interaction, SurveyResponse, Ticket
from renewals.health.models import HealthSnapshot
from renewals.kit.batches import Batch, Progress, account_batches, each
from renewals.kit.time import day_start
from renewals.policy import service as policy_service
from renewals.policy.domain import Policy
from renewals.signal import semantic, text
from renewals.signal.domain import (
    Detected,
    HealthFacts,
    Severity,
    SignalKind,
    combined_risk,
    numeric_signals,
)
from renewals.signal.models import Signal, SignalLabel, TextEmbedding, TextScan

TEXT_SOURCES = ("ticket", "survey", "interaction")

Key = tuple[str, str, str, str]  # account, kind, source, source_id


@dataclass(frozen=True)
class SourceText:
    account_id: str
    source: str
    source_id: str
    day: date
    text: str


def texts_between(
    session: Session, since: date, until: date, batch: Batch | None = None
) -> Iterator[SourceText]:
    """Ticket subjects and bodies, survey comments and interaction texts dated in [since, until]
    (of the accounts in `batch`, if given)."""
    lo, hi = day_start(since), day_start(until + timedelta(days=1))
    tickets = select(
        Ticket.account_id, Ticket.ticket_id, Ticket.opened_at, Ticket.subject, Ticket.body
    ).where(Ticket.opened_at >= lo, Ticket.opened_at < hi)
    if batch is not None:
        tickets = tickets.where(batch.where(Ticket.account_id))
    for account_id, ticket_id, opened, subject, body in session.execute(tickets):
        yield SourceText(account_id, "ticket", ticket_id, opened.date(), f"{subject}. {body or ''}")
    surveys = select(
        SurveyResponse.account_id,
        SurveyResponse.response_id,
        SurveyResponse.responded_at,
        SurveyResponse.comment,
    ).where(
        SurveyResponse.responded_at >= lo,
        SurveyResponse.responded_at < hi,
        SurveyResponse.comment.is_not(None),
    )
    if batch is not None:
        surveys = surveys.where(batch.where(SurveyResponse.account_id))
    for account_id, response_id, responded, comment in session.execute(surveys):
        yield SourceText(account_id, "survey", response_id, responded.date(), comment or "")
    notes = select(
        Interaction.account_id,
        Interaction.interaction_id,
        Interaction.occurred_at,
        Interaction.text,
    ).where(
        Interaction.occurred_at >= lo, Interaction.occurred_at < hi, Interaction.text.is_not(None)
    )
    if batch is not None:
        notes = notes.where(batch.where(Interaction.account_id))
    for account_id, interaction_id, occurred, body in session.execute(notes):
        yield SourceText(account_id, "interaction", interaction_id, occurred.date(), body or "")


@lru_cache(maxsize=200_000)
def _detect(body: str, prior: str | None = None) -> tuple[text.TextSignal, ...]:
    """Detection is pure, and notes repeat (templates, signatures): detect each text once."""
    return tuple(text.detect(body, prior=prior))


@lru_cache(maxsize=200_000)
def _language(body: str, prior: str | None = None) -> str:
    return text.detect_language(body, prior)


# Texts of at least this many words identify their language alone; the shorter ones
# lean on the account's known language, or else on what its longer texts were written in.
_SELF_EVIDENT_WORDS = 8


def language_priors(items: list[SourceText], known: dict[str, str]) -> dict[str, str]:
    """Per account: its known language, else the language most of its longer texts are in
    (the customer's history), for identifying short texts (issue 16)."""
    seen: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in items:
        if item.account_id not in known and len(item.text.split()) >= _SELF_EVIDENT_WORDS:
            seen[item.account_id][text.detect_language(item.text)] += 1
    priors = dict(known)
    for account_id, counts in seen.items():
        priors[account_id] = max(sorted(counts), key=lambda lang: counts[lang])
    return priors


class CachedEmbedder:
    """Sentence embeddings cached per sentence hash in the database (`text_embedding`, issue
    18) on top of the model's own process memory: a sentence is embedded once per workspace."""

    def __init__(self, session: Session, inner: semantic.E5Embedder | None = None) -> None:
        self.session = session
        self.inner = inner or semantic.default_embedder()
        self.model_id = self.inner.model_id
        self.embedded = 0  # sentences the model had to embed (not found in any cache)

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        found = {s: v for s in dict.fromkeys(sentences) if (v := self.inner.recall(s)) is not None}
        keys = {
            semantic.sentence_key(s, self.model_id): s
            for s in dict.fromkeys(sentences)
            if s not in found
        }
        for chunk in _chunks(list(keys), 2_000):
            rows = self.session.execute(
                select(TextEmbedding.key, TextEmbedding.vector).where(TextEmbedding.key.in_(chunk))
            )
            for key, vector in rows:
                found[keys[key]] = np.frombuffer(vector, dtype="<f2").astype(np.float32)
                self.inner.remember(keys[key], found[keys[key]])
        missing = [s for s in keys.values() if s not in found]
        if missing:
            vectors = self.inner.embed(missing)
            self.embedded += len(missing)
            found.update(zip(missing, vectors, strict=True))
            fresh = set(missing)
            rows_out = [
                {"key": key, "vector": found[s].astype("<f2").tobytes()}
                for key, s in keys.items()
                if s in fresh
            ]
            insert_ = sqlite_insert if _dialect(self.session) == "sqlite" else pg_insert
            stmt = insert_(TextEmbedding).on_conflict_do_nothing(index_elements=["key"])
            for start in range(0, len(rows_out), 1_000):
                self.session.execute(stmt, rows_out[start : start + 1_000])
        if not sentences:
            return np.zeros((0, semantic.DIMENSIONS), dtype=np.float32)
        # Every vector as it is stored (float16): a sentence reads the same whether the model
        # embedded it just now or an earlier day's run did (issue 20: a day that reads only
        # the changed accounts decides what a full run decides).
        return np.vstack([found[s] for s in sentences]).astype("<f2").astype(np.float32)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


class SemanticReader:
    """The semantic layer for one workspace and policy: the shipped examples plus the
    team's labels (issue 18), one verdict per sentence, remembered for the run."""

    def __init__(self, session: Session, policy: Policy) -> None:
        self.settings = semantic.settings_of(policy.signals.semantic)
        self.embedder = CachedEmbedder(session)
        team = team_examples(session)
        bank = semantic.shipped_bank()
        if team:
            bank = bank.plus(team, semantic.read(self.embedder, [e.text for e in team]))
        self.classifier = semantic.fit(bank, self.settings)
        self._verdicts: dict[str, semantic.Verdict] = {}

    def verdicts(self, texts: Iterable[str]) -> dict[str, semantic.Verdict]:
        wanted = list(dict.fromkeys(s for t in texts for s in semantic.candidates(t)))
        new = [s for s in wanted if s not in self._verdicts]
        if new:
            vectors = semantic.read(self.embedder, new)
            found = semantic.classify(vectors, self.classifier, self.settings)
            self._verdicts.update(zip(new, found, strict=True))
        return {s: self._verdicts[s] for s in wanted}

    def detect(
        self,
        bodies: Sequence[str],
        priors: Sequence[str | None] | None = None,
        *,
        force: bool = False,
        vetoed: list[list[text.TextSignal]] | None = None,
    ) -> list[list[text.TextSignal]]:
        """Both layers on each text (the CLI and the labels use this). `priors` are the
        languages known for the texts; with `force` they are taken as they are. `vetoed`
        (one list per text) receives the vocabulary hits the meaning vetoed."""
        verdicts = self.verdicts(bodies)
        out = []
        for i, (body, prior) in enumerate(zip(bodies, priors or [None] * len(bodies), strict=True)):
            language = prior if force and prior else _language(body, prior)
            vocabulary = tuple(text.detect(body, language))
            out.append(
                semantic.combine(
                    body, vocabulary, verdicts, language, None if vetoed is None else vetoed[i]
                )
            )
        return out


def team_examples(session: Session) -> list[semantic.Example]:
    """The team's labelled sentences of this workspace, as examples (newest label of a
    sentence wins: a person may correct an earlier label)."""
    latest: dict[str, semantic.Example] = {}
    rows = session.execute(
        select(SignalLabel.language, SignalLabel.labels, SignalLabel.text).order_by(
            SignalLabel.label_id
        )
    )
    for language, labels, sentence in rows:
        latest[sentence] = semantic.Example(language, frozenset(labels or ()), sentence, "team")
    return list(latest.values())


def reader_for(session: Session, policy: Policy) -> SemanticReader | None:
    """The semantic layer, or None when the policy turns it off (`signals.semantic.enabled`)."""
    return SemanticReader(session, policy) if policy.signals.semantic.enabled else None


def text_signals(
    items: Iterable[SourceText],
    policy: Policy,
    priors: dict[str, str] | None = None,
    reader: SemanticReader | None = None,
) -> dict[str, list[Detected]]:
    """SIG-2..8 from words: one signal per (account, kind, source and day), quoting its
    sentence: a note copied into a dozen records of one day is one alert, not twelve
    (issue 16, SIG-0: an alert budget). The record kept is the one with the smallest id,
    so a re-run keeps the same one; `facts.records` counts the day's records.

    With a `reader` the semantic layer adds what the vocabulary misses (issue 18): the
    fact `method` says which found it, `matched` quotes the phrase or the nearest example."""
    severity = policy.signals.text_severity
    found: dict[tuple[str, str, str, date], Detected] = {}
    ordered = sorted(
        (i for i in items if i.text and i.text.strip()),
        key=lambda i: (i.account_id, i.source, i.day, i.source_id),
    )
    # Texts repeat (templates, signatures, a note copied into many records: 131,040 texts
    # of 3,662 different wordings in the 10,000-account book's window): each wording is
    # split, judged by meaning and combined once per account language (issue 20).
    verdicts = reader.verdicts(dict.fromkeys(i.text for i in ordered)) if reader is not None else {}
    read: dict[tuple[str, str | None], tuple[text.TextSignal, ...]] = {}
    for item in ordered:
        prior = (priors or {}).get(item.account_id)
        hits = read.get((item.text, prior))
        if hits is None:
            hits = _detect(item.text, prior)
            if reader is not None:
                language = hits[0].language if hits else _language(item.text, prior)
                hits = tuple(semantic.combine(item.text, hits, verdicts, language))
            read[(item.text, prior)] = hits
        for hit in hits:
            kind = SignalKind(hit.signal)
            key = (item.account_id, kind.value, item.source, item.day)
            if key in found:
                found[key].facts["records"] += 1
                continue
            found[key] = Detected(
                kind=kind,
                severity=Severity(getattr(severity, kind.value)),
                source=item.source,
                source_id=item.source_id,
                source_date=item.day,
                evidence=hit.evidence,
                facts={
                    "matched": hit.matched,
                    "rule": hit.rule,
                    "records": 1,
                    "method": hit.method,
                    "score": hit.score,
                },
                language=hit.language,
            )
    by_account: dict[str, list[Detected]] = defaultdict(list)
    for (account_id, *_), detected in found.items():
        by_account[account_id].append(detected)
    return dict(by_account)


@dataclass
class Scan:
    """What a text scan did: new signals; accounts whose texts were read, and those found
    unchanged since their last scan (issue 20)."""

    new: int = 0
    read: int = 0
    unchanged: int = 0


def scan_texts(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    since: date | None = None,
    progress: Progress | None = None,
    full: bool = True,
) -> Scan:
    """Scan the texts of the sentiment window (or from `since`) and store their signals,
    `policy.run.batch_accounts` accounts at a time (TECH-1: memory bounded by the batch).

    The daily window keeps each account's fingerprint (`text_scan`, issue 20). Unless
    `full`, an account whose fingerprint is the one its last scan stored on an earlier day
    (the same texts in the window, language, policy, team labels and detectors) finds
    exactly the signals it found then: they are seen again today (`last_seen_on`), and the
    detectors read only the other accounts' texts. A scan from `since` is always full."""
    start = since or as_of - timedelta(days=policy.signals.sentiment_days - 1)
    tracked = since is None
    config = _scan_config(session, policy) if tracked else ""
    done = Scan()
    readers: list[SemanticReader | None] = []  # made once, when a text is to be read
    batches = account_batches(session, policy.run.batch_accounts)
    for batch in each(batches, "signal.scan_texts", progress):
        items = [t for t in texts_between(session, start, as_of, batch) if t.text]
        known = account_service.languages(session, sorted({t.account_id for t in items}))
        if tracked:
            prints = _fingerprints(items, known, config)
            stored = _stored_scans(session, batch)
            same = {} if full else _unchanged(prints, stored, as_of)
            items = [t for t in items if t.account_id not in same]
            done.unchanged += len(same)
        done.read += len({t.account_id for t in items})
        if items:
            if not readers:
                readers.append(reader_for(session, policy))
            found = text_signals(items, policy, language_priors(items, known), readers[0])
            done.new += store(session, found, as_of=as_of, batch=batch)
        if tracked:
            _seen_again(session, same, start=start, as_of=as_of)
            _keep_scans(session, batch, prints, as_of=as_of)
        session.flush()
    return done


def _scan_config(session: Session, policy: Policy) -> str:
    """What every account's scan depends on besides its texts: the policy, the team's labels
    (the semantic layer's examples) and the detectors' own code and data."""
    digest = hashlib.sha256(policy_service.fingerprint(policy).encode())
    digest.update(_detectors_digest().encode())
    labels = session.execute(
        select(
            SignalLabel.label_id, SignalLabel.language, SignalLabel.labels, SignalLabel.text
        ).order_by(SignalLabel.label_id)
    )
    for label_id, language, kinds, sentence in labels:
        digest.update(f"{label_id}\0{language}\0{sorted(kinds or ())}\0{sentence}\0".encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _detectors_digest() -> str:
    """The files of this package (vocabulary, semantic examples and their embeddings, the
    code): a new version of the detectors reads every text again."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _fingerprints(items: list[SourceText], known: dict[str, str], config: str) -> dict[str, str]:
    """Per account with texts in the window: a digest of the texts, its known language and
    the scan's `config`."""
    by_account: dict[str, list[SourceText]] = defaultdict(list)
    for item in items:
        by_account[item.account_id].append(item)
    prints = {}
    for account_id, texts in by_account.items():
        digest = hashlib.sha256(f"{config}\0{known.get(account_id, '')}".encode())
        for t in sorted(texts, key=lambda t: (t.source, t.source_id)):
            digest.update(f"\0{t.source}\0{t.source_id}\0{t.day}\0{t.text}".encode())
        prints[account_id] = digest.hexdigest()
    return prints


def _stored_scans(session: Session, batch: Batch) -> dict[str, tuple[date, str]]:
    rows = session.execute(
        select(TextScan.account_id, TextScan.as_of, TextScan.fingerprint).where(
            batch.where(TextScan.account_id)
        )
    )
    return {account_id: (day, fingerprint) for account_id, day, fingerprint in rows}


def _unchanged(
    prints: dict[str, str], stored: dict[str, tuple[date, str]], as_of: date
) -> dict[str, date]:
    """The accounts whose texts were last scanned, as they are now, on an earlier day (that day)."""
    return {
        account_id: stored[account_id][0]
        for account_id, fingerprint in prints.items()
        if account_id in stored
        and stored[account_id][1] == fingerprint
        and stored[account_id][0] < as_of
    }


def _seen_again(session: Session, same: dict[str, date], *, start: date, as_of: date) -> None:
    """What a scan of these unchanged accounts would do: their text signals from the window
    that the last scan saw (on that day, or after it) are seen again on `as_of`."""
    by_day: dict[date, list[str]] = defaultdict(list)
    for account_id, day in same.items():
        by_day[day].append(account_id)
    for day, accounts in sorted(by_day.items()):
        for chunk in _chunks(sorted(accounts), 1_000):
            session.execute(
                update(Signal)
                .where(
                    Signal.account_id.in_(chunk),
                    Signal.source.in_(TEXT_SOURCES),
                    Signal.source_date >= start,
                    Signal.source_date <= as_of,
                    Signal.last_seen_on >= day,
                    Signal.last_seen_on < as_of,
                )
                .values(last_seen_on=as_of)
                .execution_options(synchronize_session=False)
            )


def _keep_scans(session: Session, batch: Batch, prints: dict[str, str], *, as_of: date) -> None:
    session.execute(delete(TextScan).where(batch.where(TextScan.account_id)))
    if prints:
        session.execute(
            insert(TextScan),
            [
                {"account_id": a, "as_of": as_of, "fingerprint": f}
                for a, f in sorted(prints.items())
            ],
        )


def store(
    session: Session,
    found: dict[str, list[Detected]],
    *,
    as_of: date,
    batch: Batch | None = None,
) -> int:
    """Insert new signals and move `last_seen_on` of known ones; returns how many are new.
    `batch`: the accounts of `found` lie in its range, read as one range (on PostgreSQL a
    list of 5,000 account ids cost more to send and plan than to run)."""
    if not found:
        return 0
    existing: dict[Key, tuple[int, date]] = {}
    columns = (
        Signal.account_id,
        Signal.kind,
        Signal.source,
        Signal.source_id,
        Signal.signal_id,
        Signal.last_seen_on,
    )
    accounts = list(found)
    queries = (
        [select(*columns).where(batch.where(Signal.account_id))]
        if batch is not None
        else [
            select(*columns).where(Signal.account_id.in_(chunk))
            for chunk in _chunks(accounts, 5_000)
        ]
    )
    for query in queries:
        for account_id, kind, source, source_id, signal_id, seen in session.execute(query):
            existing[(account_id, kind, source, source_id)] = (signal_id, seen)
    new, seen_again = [], []
    for account_id, detected in found.items():
        for d in detected:
            key = (account_id, d.kind.value, d.source, d.source_id)
            if key in existing:
                signal_id, seen = existing[key]
                if as_of > seen:
                    seen_again.append(
                        {"signal_id": signal_id, "last_seen_on": as_of, "evidence": d.evidence}
                    )
                continue
            existing[key] = (0, as_of)
            new.append(
                {
                    "account_id": account_id,
                    "kind": d.kind.value,
                    "rule": d.rule,
                    "severity": d.severity.value,
                    "source": d.source,
                    "source_id": d.source_id,
                    "source_date": d.source_date,
                    "first_seen_on": as_of,
                    "last_seen_on": as_of,
                    "language": d.language,
                    "evidence": d.evidence,
                    "facts": d.facts,
                }
            )
    if new:
        session.execute(insert(Signal), new)
    update_rows(session.connection(), Signal, seen_again)
    return len(new)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marked_wrong():  # type: ignore[no-untyped-def]
    """The signals the team marked wrong (issue 18): they no longer count (SIG-0)."""
    return select(SignalLabel.signal_id).where(
        SignalLabel.verdict == "wrong", SignalLabel.signal_id.is_not(None)
    )


def competitive_mentions(session: Session, *, since: date, until: date) -> dict[str, int]:
    """SIG-4: competitive remarks in texts dated in (since, until], per account."""
    query = (
        select(Signal.account_id, func.count())
        .where(
            Signal.kind == SignalKind.competitive.value,
            Signal.source.in_(TEXT_SOURCES),
            Signal.source_date > since,
            Signal.source_date <= until,
            Signal.signal_id.not_in(marked_wrong()),
        )
        .group_by(Signal.account_id)
    )
    return dict(session.execute(query).all())


def detect_and_combine(
    session: Session, policy: Policy, *, as_of: date, progress: Progress | None = None
) -> tuple[int, dict[str, int]]:
    """Numeric signals from the day's health snapshots, then SIG-0 per account, worked
    through `policy.run.batch_accounts` accounts at a time (TECH-1: bounded memory)."""
    scored_today = select(HealthSnapshot.account_id).where(HealthSnapshot.as_of == as_of)
    batches = account_batches(session, policy.run.batch_accounts, scored_today)
    new = 0
    risks: dict[str, int] = defaultdict(int)
    for batch in each(batches, "signal.detect", progress):
        snapshots = session.execute(
            select(
                HealthSnapshot.account_id,
                HealthSnapshot.score,
                HealthSnapshot.category,
                HealthSnapshot.warning,
                HealthSnapshot.previous_score,
                HealthSnapshot.previous_as_of,
                HealthSnapshot.reasons,
                HealthSnapshot.features,
            ).where(HealthSnapshot.as_of == as_of, batch.where(HealthSnapshot.account_id))
        ).all()
        found: dict[str, list[Detected]] = {}
        for snap in snapshots:
            facts = HealthFacts(
                score=snap.score,
                category=snap.category,
                warning=snap.warning,
                previous_score=snap.previous_score,
                previous_as_of=snap.previous_as_of,
                reasons=tuple(snap.reasons or ()),
            )
            found[snap.account_id] = numeric_signals(
                snap.features,
                facts,
                as_of=as_of,
                signals=policy.signals,
                health_policy=policy.health,
            )
        new += store(session, found, as_of=as_of, batch=batch)
        kinds = active_kinds(session, policy, as_of=as_of, batch=batch)
        updates = []
        for snap in snapshots:
            decision = combined_risk(
                kinds.get(snap.account_id, ()), category=snap.category, signals=policy.signals
            )
            risks[decision.risk.value] += 1
            updates.append(
                {
                    "account_id": snap.account_id,
                    "as_of": as_of,
                    "risk": decision.risk.value,
                    "risk_reasons": list(decision.reasons),
                }
            )
        update_rows(session.connection(), HealthSnapshot, updates)
        session.flush()
    return new, dict(risks)


def _active(policy: Policy, as_of: date):  # type: ignore[no-untyped-def]
    """Signals in force on `as_of`: numeric ones seen that day, text ones from the window."""
    window_start = as_of - timedelta(days=policy.signals.lookback_days)
    return and_(
        Signal.first_seen_on <= as_of,
        Signal.signal_id.not_in(marked_wrong()),
        (Signal.last_seen_on == as_of)
        | and_(
            Signal.source.in_(TEXT_SOURCES),
            Signal.source_date > window_start,
            Signal.source_date <= as_of,
        ),
    )


def active_kinds(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    batch: Batch | None = None,
    accounts: Collection[str] | None = None,
) -> dict[str, tuple[str, ...]]:
    """The kinds of signal in force per account (of the accounts in `batch` or `accounts`,
    if given)."""
    query = select(Signal.account_id, Signal.kind).where(_active(policy, as_of)).distinct()
    if batch is not None:
        query = query.where(batch.where(Signal.account_id))
    if accounts is not None:
        query = query.where(Signal.account_id.in_(list(accounts)))
    kinds: dict[str, list[str]] = defaultdict(list)
    for account_id, kind in session.execute(query):
        kinds[account_id].append(kind)
    return {a: tuple(sorted(k)) for a, k in kinds.items()}


def account_signals(account_id: str, *, as_of: date) -> Select[Signal]:
    """SIG-0: the one list of an account's signals, served by the API (`?all=true`) and the
    account page (the caller checks that the viewer may see the account, TECH-5): every
    signal first seen by `as_of`, newest source first."""
    return (
        select(Signal)
        .where(Signal.account_id == account_id, Signal.first_seen_on <= as_of)
        .order_by(Signal.source_date.desc(), Signal.last_seen_on.desc(), Signal.signal_id.desc())
    )


def active_signals(
    session: Session, policy: Policy, account_id: str, *, as_of: date
) -> list[Signal]:
    query = (
        select(Signal)
        .where(Signal.account_id == account_id, _active(policy, as_of))
        .order_by(Signal.source_date.desc(), Signal.kind)
    )
    return list(session.scalars(query))
