"""LEARN-3: the playbook library: the seeds' texts in four languages, the team's items,
objections heard (TIME-4), and each item's uses ranked by the renewals' outcomes."""

from __future__ import annotations

from datetime import date

import pytest
from factories import add_renewal, add_user
from sqlalchemy import Engine, func, select, update

from renewals.db import session_scope
from renewals.errors import NotFound, RenewalsError
from renewals.library import service
from renewals.library.models import LibraryItem
from renewals.renewal.models import Renewal

TODAY = date(2026, 11, 24)


def test_the_seeds_scripts_load_in_four_languages_once(engine: Engine) -> None:
    with session_scope(engine) as session:
        created, updated = service.load_seeds(session, on=TODAY)
        assert (created, updated) == (len(service.seed_items()), 0)
        assert service.load_seeds(session, on=TODAY) == (0, 0)
        languages = set(
            session.scalars(
                select(LibraryItem.language).where(LibraryItem.key == "save_listen_first")
            )
        )
        assert languages == {"en", "de", "id", "ms"}
        # The seeds' own words, not a paraphrase.
        assert (
            "Bevor ich über unsere Ideen spreche"
            in service.get(session, "save_listen_first", "de").body
        )
        assert "Sebelum saya bicara" in service.get(session, "save_listen_first", "id").body
        assert "Sebelum saya bercakap" in service.get(session, "save_listen_first", "ms").body
        exit_ = service.get(session, "graceful_exit", "de")
        assert exit_.rule == "LOST-2" and "Datenexport" in exit_.body
        assert service.get(session, "executive_to_executive").rule == "ESC-2"
        kinds = dict(
            session.execute(select(LibraryItem.kind, func.count()).group_by(LibraryItem.kind)).all()
        )
        assert kinds["script"] == 8 * 4 and kinds["talk_track"] == 7 * 4
        assert all(
            i.response
            for i in session.scalars(select(LibraryItem).where(LibraryItem.kind == "objection"))
        )


def test_uses_are_ranked_by_how_the_renewals_ended(engine: Engine) -> None:
    with session_scope(engine) as session:
        service.load_seeds(session, on=TODAY)
        add_user(session, "carl@x.example", "csm")
        ids = [add_renewal(session, f"acc-{n}") for n in range(3)]
        honest = service.get(session, "save_open_honestly")
        pause = service.get(session, "pause")
        for rid in ids:
            service.use(session, honest, renewal_id=rid, by="carl@x.example", on=TODAY)
        service.use(session, pause, renewal_id=ids[0], by="carl@x.example", on=TODAY)
        session.execute(
            update(Renewal).where(Renewal.renewal_id == ids[0]).values(stage="closed_lost")
        )
        session.execute(
            update(Renewal).where(Renewal.renewal_id == ids[1]).values(stage="closed_won")
        )
        r = service.report(session, language="en")
        stats = {s.item.key: s for s in r.items}
        assert (stats["save_open_honestly"].uses, stats["save_open_honestly"].won) == (3, 1)
        assert stats["save_open_honestly"].lost == 1 and stats["save_open_honestly"].open == 1
        assert stats["save_open_honestly"].win_rate == 0.5
        assert stats["pause"].win_rate == 0.0
        keys = [s.item.key for s in r.items]
        assert keys.index("save_open_honestly") < keys.index("pause")


def test_an_objection_heard_is_recorded_and_a_new_one_waits_for_a_response(engine: Engine) -> None:
    with session_scope(engine) as session:
        service.load_seeds(session, on=TODAY)
        rid = add_renewal(session, "acc-9")
        item, _, created = service.record_objection(
            session, renewal_id=rid, heard="Budget is tight next year", by="c@x", on=TODAY,
            key="objection_budget_tight",
        )  # fmt: skip
        assert not created and item.response
        new, use, created = service.record_objection(
            session, renewal_id=rid, heard="Your mobile app is too slow", by="c@x", on=TODAY
        )
        assert created and use.heard == "Your mobile app is too slow"
        assert [i.key for i in service.report(session).unanswered] == [new.key]
        service.respond(session, new, response="Show the roadmap; offer a workaround", by="c@x")
        assert service.report(session).unanswered == []


def test_bad_input_is_refused_with_a_reason(engine: Engine) -> None:
    with session_scope(engine) as session:
        with pytest.raises(RenewalsError, match="kind must be one of"):
            service.add(session, kind="poem", title="x", body="y", by="c@x", on=TODAY)
        with pytest.raises(NotFound, match="load-seeds"):
            service.get(session, "nope")
        service.load_seeds(session, on=TODAY)
        with pytest.raises(NotFound, match="exists in"):
            service.get(session, "objection_cut_costs", "de")
        with pytest.raises(NotFound, match="no renewal"):
            service.use(
                session, service.get(session, "pause"), renewal_id="R-none", by="c", on=TODAY
            )
        with pytest.raises(RenewalsError, match="already exists"):
            service.add(
                session, kind="talk_track", title="Pause", body="b", by="c", on=TODAY, key="pause"
            )


def test_each_seed_item_is_titled_in_its_own_language() -> None:
    """Issue 22: a German, Indonesian or Malay script is listed by a title in its language
    (they all carried the English title); the English items keep theirs."""
    items = service.seed_items()
    english = {i["key"]: i["title"] for i in items if i["language"] == "en"}
    others = [i for i in items if i["language"] != "en"]
    assert len(others) == 45
    for item in others:
        assert item["title"] != english[item["key"]], (item["key"], item["language"])
    titles = {(i["key"], i["language"]): i["title"] for i in items}
    assert titles[("save_listen_first", "de")] == "Rettungsgespräch: erst zuhören"
    assert titles[("pause", "ms")] == "Alternatif: rehat 90 hari"
