"""`renewals signals ...`: try the text detectors, list an account's signals."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from renewals.kit.cli import console, fail
from renewals.signal.text import LANGUAGES, detect

app = typer.Typer(
    help="Risk signals (SIG-0..9): try the multilingual text detectors on your own words.",
    no_args_is_help=True,
)


@app.command("detect")
def detect_command(
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
) -> None:
    """Find risk signals in free text: competitive (SIG-4), budget (SIG-5), stakeholder_change
    (SIG-6), business_change (SIG-8), negative_feedback (SIG-3), engagement_drop (SIG-2) and
    usage_decline (SIG-7), in English, German, Indonesian or Malay (detected per text).
    Each signal quotes the sentence that carries it and the phrase that matched.
    Negated phrases ("no complaints", "nicht zu teuer") are not signals.

    Examples:\n
      renewals signals detect "Wir müssen Kosten senken." "Kami perlu potong kos."\n
      renewals signals detect --json "The champion left; they are evaluating Churnly."\n
      cat notes.txt | renewals signals detect --json
    """
    if language is not None and language not in LANGUAGES:
        fail(f"--language must be one of {', '.join(LANGUAGES)}, got {language!r}", 2)
    if not texts or texts == ["-"]:
        if sys.stdin.isatty():
            fail("give one or more texts, or pipe them in one per line (see --help)", 2)
        texts = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    results = [detect(text, language) for text in texts]
    if as_json:
        for index, found in enumerate(results):
            for signal in found:
                print(json.dumps({"text": index, **signal.to_dict()}, ensure_ascii=False))
        return
    table = Table(title="Signals found", title_justify="left")
    for column in ("#", "signal", "rule", "lang", "evidence (matched phrase)"):
        table.add_column(column)
    total = 0
    for index, found in enumerate(results):
        for s in found:
            total += 1
            table.add_row(
                str(index), s.signal, s.rule, s.language, f"{s.evidence} [bold]({s.matched})[/]"
            )
    if total:
        console.print(table)
    console.print(f"{total} signal(s) in {len(results)} text(s).")
