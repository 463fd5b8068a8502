"""The save desk's errors read in the reader's language (issue 22): what `renewals saves`
refuses (no triage, no plan, no exit record, a closed plan, a value out of its choices...),
each a `Text` of the services (save_plan.service, plan_service, aftercare_service), on the
40-account book in de, id and ms with no English phrase of the catalogue left; in English
they read as before."""

from __future__ import annotations

import json
from pathlib import Path

from books import Books
from cli_languages import cli, said_in_each_language
from dashboard.book import TODAY, built_book
from sqlalchemy import Engine, select

from renewals.db import session_scope
from renewals.renewal.models import Renewal


def test_the_save_desk_errors_read_in_the_language(
    books: Books, engine: Engine, tmp_path: Path
) -> None:
    run = cli(built_book(books, engine, tmp_path))
    rows = [json.loads(line) for line in run("saves", "list", "--json").splitlines()]
    renewal, owner = rows[0]["renewal_id"], rows[0]["owner_email"]
    at_risk = {row["renewal_id"] for row in rows}
    with session_scope(engine) as session:
        ids = session.scalars(select(Renewal.renewal_id).order_by(Renewal.renewal_id)).all()
    calm = next(r for r in ids if r not in at_risk)
    by = ("--by", owner)
    before_a_plan = [
        (("saves", "triage", "R-NONE"), 1),  # no renewal
        (("saves", "triage", calm), 1),  # no save triage (SEG-3)
        (("saves", "hours", renewal, "1", *by), 1),  # no save plan
        (("saves", "evidence", renewal, *by, "--relationship", "bad"), 1),
        (("saves", "override", renewal, "effort", "lots", "--reason", "x", *by), 1),
        (("saves", "override", renewal, "colour", "x", "--reason", "x", *by), 1),
        (("saves", "problem", "update", "999", "--status", "done", *by), 1),
        (("saves", "exit", calm, "--done", "data_export", *by), 1),  # no exit record
        (("saves", "lessons", calm), 1),  # not a saved renewal (POST-1)
    ]
    said = said_in_each_language(run, before_a_plan)
    assert "Verlängerung " + calm + " hat keinen Abgang" in said["de"][7], said["de"][7]
    # the English as it was: the value quoted, the command to run
    assert "no renewal 'R-NONE'" in said["en"][0], said["en"][0]
    assert f"`renewals saves exit {calm} --because CAUSE --by EMAIL`" in said["en"][7]

    day = ("--as-of", TODAY.isoformat())
    run("saves", "plan", renewal, *by, *day)
    run("saves", "problem", "add", renewal, "--description", "Invoices", *by, *day)
    run("saves", "problem", "verify", "1", "--note", "ok", *by)
    with_a_plan = [
        (("saves", "hours", renewal, "0", *by), 1),
        (("saves", "problem", "update", "1", *by), 1),  # nothing to change
        (("saves", "problem", "update", "1", "--status", "bogus", *by), 1),
        (("saves", "problem", "update", "1", "--status", "done", *by), 1),  # verified: final
        (("saves", "problem", "verify", "1", "--note", "again", *by), 1),  # already verified
        (("saves", "close", renewal, "--outcome", "meh", *by), 1),
    ]
    said = said_in_each_language(run, with_a_plan)
    assert "0 dan paling banyak satu minggu (168)" in said["id"][0], said["id"][0]
    assert "(use `verify` for a customer-verified fix)" in said["en"][2], said["en"][2]

    run("saves", "close", renewal, "--outcome", "lost", *by)
    closed = [
        (("saves", "hours", renewal, "1", *by), 1),  # closed
        (("saves", "problem", "update", "1", "--status", "done", *by), 1),  # closed as lost
    ]
    said = said_in_each_language(run, closed, shown=1)
    assert "pelan penyelamatan " + renewal + " ditutup sebagai hilang" in said["ms"][1]
