"""The team teaches the text signals (issue 18): labels on sentences, per workspace.

- `mark(...)`: a signal found in words is right, or wrong (with the sentence's right
  kinds, none included). A signal marked wrong no longer counts (SIG-0).
- `add(...)`: a sentence of an account the detectors missed, with its kinds.
- `import_tsv(...)` / `export_tsv(...)`: a labelled set as TSV (language, labels, text).
- `report(...)`: the detectors' precision and recall on the team's labels, per month of
  labelling, as they were when each label was made (`detected`).

Every label is audited and becomes an example of the semantic layer for this workspace
(`service.SemanticReader`): a sentence that reads almost the same takes the team's labels
the next time the daily run reads it. Only people who may see the account may label it
(TECH-5, renewals.user.access); importing a set, which teaches every account, needs a role
that sees every account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from renewals.account import service as account_service
from renewals.audit import service as audit
from renewals.errors import NotFound, RenewalsError
from renewals.kit.i18n import Text
from renewals.policy.domain import Policy
from renewals.signal import semantic, text
from renewals.signal.lexicon import KINDS
from renewals.signal.models import Signal, SignalLabel
from renewals.signal.service import TEXT_SOURCES, SemanticReader
from renewals.user.access import SEE_ALL_ROLES, require_active_user, require_view

MAX_SENTENCE = 1_000


def _kinds(labels: Iterable[str]) -> list[str]:
    chosen = {k for k in labels if k and k != "none"}
    unknown = sorted(chosen - set(KINDS))
    if unknown:
        raise RenewalsError(
            Text(
                "unknown signal kind {kinds}: one of {choices} or none",
                kinds=", ".join(unknown),
                choices=", ".join(KINDS),
            ),
            422,
        )
    return [k for k in KINDS if k in chosen]


def _detected_now(session: Session, policy: Policy, sentence: str, language: str) -> list[str]:
    """What the detectors say about the sentence before the label teaches them."""
    if not policy.signals.semantic.enabled:
        return [s.signal for s in text.detect(sentence, language)]
    found = SemanticReader(session, policy).detect([sentence], [language])[0]
    return [s.signal for s in found]


def _record(session: Session, label: SignalLabel) -> SignalLabel:
    session.add(label)
    session.flush()
    audit.record(
        session,
        actor=label.labelled_by,
        action=f"signal.label.{label.verdict}",
        entity="signal_label",
        entity_id=str(label.label_id),
        detail={
            "account_id": label.account_id,
            "signal_id": label.signal_id,
            "language": label.language,
            "labels": label.labels,
            "detected": label.detected,
            "text": label.text,
        },
    )
    return label


def mark(
    session: Session,
    policy: Policy,
    *,
    signal_id: int,
    by: str,
    labels: Iterable[str],
    as_of: date,
) -> SignalLabel:
    """The team's verdict on a signal found in words: `labels` are the kinds its sentence
    really carries. Without the signal's own kind it is marked wrong and stops counting."""
    user = require_active_user(session, by)
    signal = session.get(Signal, signal_id)
    if signal is None:
        raise NotFound(Text("no signal {id}", id=str(signal_id)))
    require_view(session, user, signal.account_id, policy.web)  # access before state
    if signal.source not in TEXT_SOURCES:
        raise RenewalsError(
            Text(
                "signal {id} comes from numbers ({source}); only signals found in words can be "
                "labelled",
                id=str(signal_id),
                source=signal.source,
            ),
            422,
        )
    kinds = _kinds(labels)
    language = signal.language or text.detect_language(signal.evidence)
    detected = sorted(
        set(_detected_now(session, policy, signal.evidence, language)) | {signal.kind},
        key=KINDS.index,
    )
    return _record(
        session,
        SignalLabel(
            account_id=signal.account_id,
            signal_id=signal.signal_id,
            verdict="correct" if signal.kind in kinds else "wrong",
            language=language,
            text=signal.evidence,
            labels=kinds,
            detected=detected,
            labelled_by=user.email,
            labelled_on=as_of,
        ),
    )


def add(
    session: Session,
    policy: Policy,
    *,
    account_id: str,
    sentence: str,
    labels: Iterable[str],
    by: str,
    as_of: date,
    language: str | None = None,
) -> SignalLabel:
    """A sentence of the account with the kinds it carries (a missed signal, usually)."""
    user = require_active_user(session, by)
    if not _account_exists(session, account_id):  # as the account page: 404 for everyone
        raise NotFound(Text("no account {id}", id=account_id))
    require_view(session, user, account_id, policy.web)  # access before state
    sentence = " ".join(sentence.split())
    if not sentence:
        raise RenewalsError(Text("give the sentence that carries the signal"), 422)
    if len(sentence) > MAX_SENTENCE:
        raise RenewalsError(
            Text("the sentence is longer than {n} characters", n=str(MAX_SENTENCE)), 422
        )
    if language is not None and language not in text.LANGUAGES:
        raise RenewalsError(
            Text("language must be one of {choices}", choices=", ".join(text.LANGUAGES)), 422
        )
    kinds = _kinds(labels)
    if not kinds:
        raise RenewalsError(Text("say which signal the sentence carries (a kind, not none)"), 422)
    prior = account_service.languages(session, [account_id]).get(account_id)
    language = language or text.detect_language(sentence, prior)
    detected = _detected_now(session, policy, sentence, language)
    missed = set(kinds) - set(detected)
    return _record(
        session,
        SignalLabel(
            account_id=account_id,
            signal_id=None,
            verdict="missed" if missed else ("wrong" if set(detected) - set(kinds) else "correct"),
            language=language,
            text=sentence,
            labels=kinds,
            detected=detected,
            labelled_by=user.email,
            labelled_on=as_of,
        ),
    )


def _account_exists(session: Session, account_id: str) -> bool:
    from renewals.account.models import Account

    return session.get(Account, account_id) is not None


def for_account(session: Session, account_id: str) -> list[SignalLabel]:
    return list(
        session.scalars(
            select(SignalLabel)
            .where(SignalLabel.account_id == account_id)
            .order_by(SignalLabel.label_id.desc())
        )
    )


def export_tsv(session: Session) -> str:
    """Every labelled sentence of the workspace (the newest label of each) as TSV."""
    from renewals.signal.service import team_examples

    return semantic.write_tsv(team_examples(session))


def import_tsv(
    session: Session, policy: Policy, content: str, *, name: str, by: str, as_of: date
) -> int:
    """Add a labelled set (TSV: language, labels, text). Every row is checked first; a bad
    row is an error with its line and column and nothing is written."""
    user = require_active_user(session, by)
    if user.role not in SEE_ALL_ROLES:
        raise RenewalsError(
            Text(
                "{email} ({role}) may not import labels: they teach every account; ask a {roles}",
                email=user.email,
                role=str(user.role),
                roles=", ".join(sorted(SEE_ALL_ROLES)),
            ),
            403,
        )
    try:
        examples = semantic.read_tsv(content.splitlines(), name, source="team")
    except semantic.ExampleError as exc:
        raise RenewalsError(exc.args[0], 422) from exc  # its Text: read in the reader's words
    for example in examples:
        if len(example.text) > MAX_SENTENCE:
            raise RenewalsError(
                Text(
                    "{place}: a text is longer than {n} characters",
                    place=name,
                    n=str(MAX_SENTENCE),
                ),
                422,
            )
    reader = SemanticReader(session, policy) if policy.signals.semantic.enabled else None
    for example in examples:
        if reader is not None:
            detected = reader.detect([example.text], [example.language])[0]
        else:
            detected = text.detect(example.text, example.language)
        _record(
            session,
            SignalLabel(
                account_id=None,
                signal_id=None,
                verdict="imported",
                language=example.language,
                text=" ".join(example.text.split()),
                labels=[k for k in KINDS if k in example.labels],
                detected=[s.signal for s in detected],
                labelled_by=user.email,
                labelled_on=as_of,
            ),
        )
    return len(examples)


@dataclass(frozen=True)
class Quality:
    period: str  # a month (YYYY-MM) or "all"
    language: str  # en, de, id, ms or "all"
    labels: int
    precision: float | None
    recall: float | None


def report(session: Session) -> list[Quality]:
    """Precision and recall of the detectors on the team's labels, per month and language,
    as they were when each sentence was labelled (what the team corrected, they got wrong)."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for label in session.scalars(select(SignalLabel).order_by(SignalLabel.labelled_on)):
        truth, found = set(label.labels), set(label.detected)
        tp, fp, fn = len(truth & found), len(found - truth), len(truth - found)
        month = label.labelled_on.strftime("%Y-%m")
        for key in (
            (month, label.language),
            (month, "all"),
            ("all", label.language),
            ("all", "all"),
        ):
            c = counts[key]
            c[0], c[1], c[2], c[3] = c[0] + 1, c[1] + tp, c[2] + fp, c[3] + fn
    out = []
    for (period, language), (n, tp, fp, fn) in sorted(
        counts.items(), key=lambda kv: (kv[0][0] == "all", kv[0][0], kv[0][1] == "all", kv[0][1])
    ):
        out.append(
            Quality(
                period,
                language,
                n,
                round(tp / (tp + fp), 3) if tp + fp else None,
                round(tp / (tp + fn), 3) if tp + fn else None,
            )
        )
    return out
