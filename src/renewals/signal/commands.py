"""`renewals signals ...`: try the text detectors, teach them, and see how they do."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit.cli import console, emit_json, fail, fail_with, number, parse_as_of, state
from renewals.kit.i18n import Text, _, tr, word
from renewals.signal.lexicon import KINDS
from renewals.signal.text import LANGUAGES, TextSignal

app = typer.Typer(
    help="Risk signals (SIG-0..9): try the multilingual text detectors on your own words, "
    "and teach them your team's (issue 18).",
    no_args_is_help=True,
)

By = Annotated[
    str,
    typer.Option("--by", help="Your email, as in users.csv (an active user).", show_default=False),
]
Labels = Annotated[
    str,
    typer.Option(
        "--labels",
        help=f"The kinds the sentence carries, comma-separated: {', '.join(KINDS)}; or none.",
        show_default=False,
    ),
]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="The day of the label (YYYY-MM-DD; today).")
]


@app.command("detect")
def detect_command(
    ctx: typer.Context,
    texts: Annotated[
        list[str] | None,
        typer.Argument(help="Texts to scan; '-' or none reads one text per line from stdin."),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(help=f"Skip language detection: one of {', '.join(LANGUAGES)}."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per signal (JSON Lines).")
    ] = False,
    vocabulary_only: Annotated[
        bool,
        typer.Option(
            "--vocabulary-only", help="Only the vocabulary: no sentence embeddings, no labels."
        ),
    ] = False,
    show_vetoed: Annotated[
        bool,
        typer.Option(
            "--vetoed",
            help="Also show the vocabulary's hits the meaning vetoed (method 'vetoed'), and why.",
        ),
    ] = False,
) -> None:
    """Find risk signals in free text: competitive (SIG-4), budget (SIG-5), stakeholder_change
    (SIG-6), business_change (SIG-8), negative_feedback (SIG-3), engagement_drop (SIG-2) and
    usage_decline (SIG-7), in English, German, Indonesian or Malay (detected per text).

    Two layers: the vocabulary (method "vocabulary": the phrase that matched, score 1.0) and
    the meaning of each sentence (method "semantic": the nearest labelled example and its
    similarity, score = the classifier's confidence), which learns from your team's labels
    (`renewals signals label`). Negated phrases ("no complaints", "nicht zu teuer") are not
    signals. `signals.semantic.enabled = false` in the policy keeps the vocabulary alone.
    A phrase whose sentence reads as not that kind (score below
    `signals.semantic.veto_below.<kind>`) is vetoed; `--vetoed` shows those too, each with
    the negative example its sentence reads like.

    Examples:\n
      renewals signals detect "Wir müssen Kosten senken." "Kami perlu potong kos."\n
      renewals signals detect --json "The champion left; they are evaluating Churnly."\n
      cat notes.txt | renewals signals detect --json
    """
    if language is not None and language not in LANGUAGES:
        fail(
            Text(
                "--language must be one of {choices}, got {value}",
                choices=", ".join(LANGUAGES),
                value=repr(language),
            ),
            2,
        )
    if not texts or texts == ["-"]:
        if sys.stdin.isatty():
            fail(Text("give one or more texts, or pipe them in one per line (see --help)"), 2)
        texts = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    app_state = state(ctx)
    policy = app_state.policy()
    if vocabulary_only or not policy.signals.semantic.enabled:
        from renewals.signal.text import detect

        results = [detect(text, language) for text in texts]
    else:
        from renewals.db import session_scope
        from renewals.signal.service import SemanticReader

        with session_scope(app_state.engine()) as session:
            reader = SemanticReader(session, policy)
            vetoed: list[list[TextSignal]] | None = [[] for _ in texts] if show_vetoed else None
            results = reader.detect(
                texts, [language] * len(texts), force=language is not None, vetoed=vetoed
            )
        if vetoed is not None:
            results = [found + extra for found, extra in zip(results, vetoed, strict=True)]
    if as_json:
        for index, found in enumerate(results):
            for signal in found:
                print(json.dumps({"text": index, **signal.to_dict()}, ensure_ascii=False))
        return
    table = Table(title=_("Signals found"), title_justify="left")
    for column in ("#", _("signal"), _("rule"), _("lang"), _("how"), _("evidence (why)")):
        table.add_column(column)
    total = 0
    for index, found in enumerate(results):
        for s in found:
            total += 1
            how = (
                _("vocabulary")
                if s.method == "vocabulary"
                else _("vetoed {score}").format(score=number(s.score, 2))
                if s.method == "vetoed"
                else _("semantic {score}").format(score=number(s.score, 2))
            )
            table.add_row(
                str(index),
                word("signal", s.signal),
                s.rule,
                s.language,
                how,
                f"{tr(s.evidence)} [bold]({s.matched})[/]",
            )
    if total:
        console.print(table)
    vetoed_count = sum(s.method == "vetoed" for found in results for s in found)
    if vetoed_count:
        console.print(
            _(
                "{n} signal(s) in {texts} text(s); {vetoed} vocabulary hit(s) vetoed by meaning."
            ).format(n=total - vetoed_count, texts=len(results), vetoed=vetoed_count)
        )
        return
    console.print(_("{n} signal(s) in {texts} text(s).").format(n=total, texts=len(results)))


@app.command("label")
def label_command(
    ctx: typer.Context,
    by: By,
    labels: Labels,
    signal: Annotated[
        int | None,
        typer.Option(
            "--signal", help="A signal found in words (its id): right or wrong?", show_default=False
        ),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option("--account", help="With --text: the account the sentence is from."),
    ] = None,
    sentence: Annotated[
        str | None, typer.Option("--text", help="A sentence the detectors missed.")
    ] = None,
    language: Annotated[
        str | None, typer.Option(help=f"The sentence's language ({', '.join(LANGUAGES)}).")
    ] = None,
    as_of: AsOf = None,
) -> None:
    """Teach the text signals (issue 18): mark a signal wrong with the right label, or label
    a sentence the detectors missed. The label is audited and becomes an example for this
    workspace: from the next daily run, sentences that read like it follow it. A signal
    marked wrong no longer counts towards the account's risk (SIG-0). You must be able to
    see the account (TECH-5).

    Examples:\n
      renewals signals label --signal 812 --labels none --by carl@example.com\n
      renewals signals label --signal 812 --labels budget --by carl@example.com\n
      renewals signals label --account acc-00042 --text "Nobody trusts the numbers." --labels negative_feedback --by carl@example.com
    """
    from renewals.db import session_scope
    from renewals.signal import labels as label_service

    if (signal is None) == (sentence is None):
        fail(Text("give either --signal ID (right or wrong?) or --account and --text (missed)"), 2)
    if sentence is not None and account is None:
        fail(Text("--text needs --account: the account the sentence is from"), 2)
    day = parse_as_of(as_of)
    app_state = state(ctx)
    kinds = labels.split(",")
    try:
        with session_scope(app_state.engine()) as session:
            if signal is not None:
                made = label_service.mark(
                    session, app_state.policy(), signal_id=signal, by=by, labels=kinds, as_of=day
                )
            else:
                made = label_service.add(
                    session,
                    app_state.policy(),
                    account_id=account or "",
                    sentence=sentence or "",
                    labels=kinds,
                    by=by,
                    as_of=day,
                    language=language,
                )
            verdict, label_id = made.verdict, made.label_id
            said = ", ".join(word("signal", k) for k in made.labels) or _("none")
            before = ", ".join(word("signal", k) for k in made.detected) or _("none")
    except RenewalsError as exc:
        fail_with(exc)
    console.print(
        _(
            "Label {id} ({verdict}): the sentence carries {said}; the detectors said {before}."
        ).format(id=label_id, verdict=word("verdict", verdict), said=said, before=before)
    )


@app.command("report")
def report_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """How the text detectors do on your team's own labels: precision and recall per month
    and language, as they were when each sentence was labelled (issue 18).

    Precision: of the kinds they found in the labelled sentences, the share the team agreed
    with. Recall: of the kinds the team says are there, the share they found. The team
    labels mostly mistakes, so these read lower than on a random sample.

    Examples:\n
      renewals signals report\n
      renewals signals report --json
    """
    from renewals.db import session_scope
    from renewals.signal import labels as label_service

    with session_scope(state(ctx).engine()) as session:
        rows = label_service.report(session)
    if as_json:
        emit_json([r.__dict__ for r in rows])
        return
    if not rows:
        console.print(
            _(
                "No labels yet: mark a signal right or wrong on the account page or with "
                "`renewals signals label`."
            )
        )
        return
    table = Table(title=_("Text signals on the team's labels"), title_justify="left")
    columns = (_("month"), _("language"), _("labels"), _("precision"), _("recall"))
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index < 2 else "right")
    for r in rows:
        table.add_row(
            r.period,
            r.language,
            number(r.labels),
            "-" if r.precision is None else number(r.precision, 2),
            "-" if r.recall is None else number(r.recall, 2),
        )
    console.print(table)


@app.command("export")
def export_command(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (default: standard output).")
    ] = None,
) -> None:
    """Export the team's labelled sentences as TSV: language, labels, text (the newest
    label of each sentence; labels comma-separated, or none).

    Examples:\n
      renewals signals export --out labels.tsv
    """
    from renewals.db import session_scope
    from renewals.signal import labels as label_service

    with session_scope(state(ctx).engine()) as session:
        content = label_service.export_tsv(session)
    if out is None:
        sys.stdout.write(content)
        return
    out.write_text(content, encoding="utf-8")
    console.print(
        _("Wrote {n} labelled sentence(s) to {path}.").format(
            n=number(content.count(chr(10)) - 1), path=out
        )
    )


@app.command("import")
def import_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A TSV file: language, labels, text.")],
    by: By,
    as_of: AsOf = None,
) -> None:
    """Import labelled sentences (TSV: language<TAB>labels<TAB>text, a header row allowed):
    each becomes an example for this workspace. Every row is checked first; a bad one is
    reported with its line and column, and nothing is imported. Needs a role that sees
    every account (director, VP, executive, admin): the labels teach every account.

    Examples:\n
      renewals signals import labels.tsv --by mia@example.com
    """
    from renewals.db import session_scope
    from renewals.signal import labels as label_service

    if not path.is_file():
        fail(Text("{path}: no such file", path=str(path)), 2)
    day = parse_as_of(as_of)
    app_state = state(ctx)
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        fail(
            Text(
                "{path}: not UTF-8 text ({reason} at byte {at})",
                path=str(path),
                reason=exc.reason,
                at=exc.start,
            ),
            2,
        )
    try:
        with session_scope(app_state.engine()) as session:
            count = label_service.import_tsv(
                session, app_state.policy(), content, name=str(path), by=by, as_of=day
            )
    except RenewalsError as exc:
        fail_with(exc)
    console.print(
        _("Imported {n} labelled sentence(s) from {path}.").format(n=number(count), path=path)
    )
