"""The stakeholder map on plain values: STK-1 roles, STK-2 pairings, SIG-6 and SIG-9 gaps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from renewals.account.stakeholders import (
    GapKind,
    StakeholderFacts,
    StakeholderMap,
    stakeholder_map,
)

AS_OF = date(2026, 11, 24)
WITHIN = 90  # signals.engaged_within_days
SINGLE = 1  # signals.single_thread_max_contacts
DEPARTURE = 180  # signals.stakeholder_change_days


def ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


def person(
    name: str,
    role: str,
    *,
    engaged: int | None = None,
    left: int | None = None,
    started: int | None = None,
) -> StakeholderFacts:
    """A stakeholder engaged / left / started that many days before AS_OF (negative = after)."""
    return StakeholderFacts(
        stakeholder_id=name.lower().replace(" ", "-"),
        name=name,
        email=f"{name.split()[0].lower()}@acme.example",
        role=role,
        started_at=None if started is None else ago(started),
        left_at=None if left is None else ago(left),
        last_engaged_at=None if engaged is None else ago(engaged),
    )


def build(*people: StakeholderFacts) -> StakeholderMap:
    return stakeholder_map(
        people,
        as_of=AS_OF,
        engaged_within_days=WITHIN,
        single_thread_max_contacts=SINGLE,
        departure_days=DEPARTURE,
    )


ANNA = person("Anna Roe", "champion", engaged=5)
DANA = person("Dana Fox", "economic_buyer", engaged=10)
TOM = person("Tom Lee", "technical_buyer", engaged=20)
RISK_GAPS = ["champion_gone", "no_economic_buyer", "single_threaded", "no_champion"]

CASES = [
    pytest.param([ANNA, DANA, TOM], [], id="multi-threaded: no gaps"),
    pytest.param(
        [
            person("Anna Roe", "champion", engaged=WITHIN),
            person("Dana Fox", "economic_buyer", engaged=WITHIN),
            TOM,
        ],
        [],
        id="engaged exactly engaged_within_days ago still counts",
    ),
    pytest.param(
        [person("Anna Roe", "champion", engaged=WITHIN + 1), DANA],
        ["single_threaded"],
        id="one day past the window: only one contact engaged",
    ),
    pytest.param(
        [ANNA, person("Dana Fox", "economic_buyer", engaged=WITHIN + 1), TOM],
        ["no_economic_buyer"],
        id="economic buyer one day past the window",
    ),
    pytest.param(
        [ANNA, person("Dora Dee", "decision_maker", engaged=30), TOM],
        [],
        id="an engaged decision maker is budget authority too",
    ),
    pytest.param([ANNA, TOM], ["no_economic_buyer"], id="no budget authority"),
    pytest.param([ANNA], ["no_economic_buyer", "single_threaded"], id="the champion alone"),
    pytest.param(
        [person("Anna Roe", "champion", engaged=400), person("Dana Fox", "economic_buyer"), TOM],
        ["no_economic_buyer", "single_threaded"],
        id="nobody engaged at all",
    ),
    pytest.param(
        [person("Old Champ", "champion", engaged=200, left=DEPARTURE - 1), DANA, TOM],
        ["champion_gone"],
        id="champion left one day inside departure_days",
    ),
    pytest.param(
        [person("Old Champ", "champion", engaged=200, left=DEPARTURE), DANA, TOM],
        ["no_champion"],
        id="champion left exactly departure_days ago: no longer a recent change",
    ),
    pytest.param(
        [person("Old Champ", "champion", left=0), DANA, TOM],
        ["champion_gone"],
        id="champion leaving on as_of has left",
    ),
    pytest.param(
        [person("Old Champ", "champion", engaged=1, left=-1), DANA, TOM],
        [],
        id="champion leaving tomorrow is still active and engaged",
    ),
    pytest.param(
        [person("Old Champ", "champion", left=10), person("New Champ", "champion"), DANA, TOM],
        [],
        id="another active champion, even not yet engaged, replaces the one who left",
    ),
    pytest.param([DANA, TOM], ["no_champion"], id="no champion on record"),
    pytest.param(
        [person("Old Champ", "champion", left=10), DANA],
        ["champion_gone", "single_threaded"],
        id="champion gone and single-threaded together",
    ),
    pytest.param(
        [person("Anna Roe", "champion", engaged=1, started=-5), DANA, TOM],
        ["no_champion"],
        id="a champion who starts after as_of is not active yet",
    ),
    pytest.param(
        [person("Anna Roe", "champion", engaged=1, started=0), DANA, TOM],
        [],
        id="a champion starting on as_of is active",
    ),
]


@pytest.mark.parametrize(("people", "expected"), CASES)
def test_gaps(people: list[StakeholderFacts], expected: list[str]) -> None:
    result = build(*people)
    assert [k for k in result.gap_kinds if k in RISK_GAPS] == expected
    for gap in result.gaps:
        assert gap.rule in ("STK-1", "STK-2", "SIG-6", "SIG-9")


def test_single_threading_follows_the_policy_limit() -> None:
    people = [ANNA, DANA]
    assert build(*people).gap(GapKind.single_threaded) is None
    wider = stakeholder_map(
        people,
        as_of=AS_OF,
        engaged_within_days=WITHIN,
        single_thread_max_contacts=2,
        departure_days=DEPARTURE,
    )
    assert wider.gap(GapKind.single_threaded) is not None


def test_no_technical_buyer_is_information_only() -> None:
    gap = build(ANNA, DANA).gap(GapKind.no_technical_buyer)
    assert gap is not None and gap.info and gap.rule == "STK-1"
    assert all(not g.info for g in build(ANNA).gaps if g.kind != GapKind.no_technical_buyer)
    assert build(ANNA, DANA, person("Tom Lee", "technical_buyer")).gap("no_technical_buyer") is None


class TestGapTexts:
    def test_champion_gone_names_who_and_when(self) -> None:
        gap = build(person("Old Champ", "champion", left=30), DANA, TOM).gap("champion_gone")
        assert gap is not None and gap.rule == "SIG-6"
        assert "Old Champ left on 2026-10-25" in gap.text
        assert "180 days" in gap.text

    def test_single_threaded_names_the_one_contact(self) -> None:
        gap = build(ANNA).gap(GapKind.single_threaded)
        assert gap is not None and gap.rule == "SIG-9"
        assert "only 1 contact engaged in the last 90 days" in gap.text
        assert "Anna Roe (champion, last engaged 2026-11-19, 5 days ago)" in gap.text

    def test_no_economic_buyer_says_who_is_on_record(self) -> None:
        stale = person("Dana Fox", "economic_buyer", engaged=120)
        gap = build(ANNA, stale).gap(GapKind.no_economic_buyer)
        assert gap is not None
        assert "Dana Fox (economic buyer, last engaged 2026-07-27, 120 days ago)" in gap.text
        empty = build(ANNA).gap(GapKind.no_economic_buyer)
        assert empty is not None and "none is on record" in empty.text


class TestMap:
    def test_entries_by_role_with_engagement_facts(self) -> None:
        result = build(
            ANNA,
            person("Old Champ", "champion", engaged=200, left=30),
            person("Ben Ode", "user", engaged=100),
            person("Una Known", "board_observer", engaged=1),
        )
        assert list(result.by_role)[:8] == [
            "user",
            "champion",
            "economic_buyer",
            "decision_maker",
            "technical_buyer",
            "legal",
            "procurement",
            "executive",
        ]
        assert result.by_role["economic_buyer"] == []
        anna, old = result.by_role["champion"]
        assert (anna.name, anna.engaged, anna.left, anna.days_since_engaged) == (
            "Anna Roe",
            True,
            False,
            5,
        )
        assert (old.name, old.engaged, old.left, old.active) == ("Old Champ", False, True, False)
        ben = result.by_role["user"][0]
        assert (ben.engaged, ben.days_since_engaged, ben.email) == (False, 100, "ben@acme.example")
        assert result.by_role["board_observer"][0].engaged  # unknown roles are kept
        assert (result.engaged_contacts, result.active_contacts) == (2, 3)

    def test_never_engaged(self) -> None:
        entry = build(person("Dana Fox", "economic_buyer")).by_role["economic_buyer"][0]
        assert entry.days_since_engaged is None and not entry.engaged

    def test_as_record_is_plain_data(self) -> None:
        record = build(ANNA, DANA).as_record()
        assert record["as_of"] == "2026-11-24"
        assert record["by_role"]["champion"][0]["last_engaged_at"] == "2026-11-19"
        assert {g["kind"] for g in record["gaps"]} == {"no_technical_buyer"}
        assert all(p["rule"] == "STK-2" for p in record["pairings"])


PAIRING_CASES = [
    pytest.param([], [False, False, False, False, False], id="nobody"),
    pytest.param([ANNA, DANA, TOM], [True, False, False, True, True], id="champion, EB, TB"),
    pytest.param(
        [person("Ben Ode", "user", engaged=3), person("Dora Dee", "decision_maker", engaged=3)],
        [False, True, True, False, False],
        id="user and decision maker",
    ),
    pytest.param(
        [
            person("Eve Exec", "executive", engaged=WITHIN),
            person("Ben Ode", "user", engaged=WITHIN + 1),
        ],
        [False, False, True, False, False],
        id="window boundaries",
    ),
    pytest.param(
        [person("Anna Roe", "champion", engaged=1, left=0)],
        [False, False, False, False, False],
        id="a champion who left covers nothing",
    ),
]


@pytest.mark.parametrize(("people", "covered"), PAIRING_CASES)
def test_pairings(people: list[StakeholderFacts], covered: list[bool]) -> None:
    pairings = build(*people).pairings
    assert [(p.ours, p.theirs) for p in pairings] == [
        ("CSM (renewal owner)", ("champion",)),
        ("CSM (renewal owner)", ("user",)),
        ("our executive", ("executive", "decision_maker")),
        ("our technical team", ("technical_buyer",)),
        ("CS or sales leader", ("economic_buyer",)),
    ]
    assert [p.covered for p in pairings] == covered
    for p in pairings:
        assert p.rule == "STK-2"
        assert p.text.startswith("Covered: " if p.covered else "Uncovered: ")
        assert bool(p.contacts) == p.covered


def test_pairing_texts_carry_the_facts() -> None:
    stale = person("Dana Fox", "economic_buyer", engaged=120)
    covered, *_, uncovered = build(ANNA, stale).pairings
    assert covered.contacts == ("Anna Roe",)
    assert "Anna Roe (champion, last engaged 2026-11-19, 5 days ago)" in covered.text
    assert "no economic buyer engaged in the last 90 days" in uncovered.text
    assert "Dana Fox (economic buyer, last engaged 2026-07-27, 120 days ago)" in uncovered.text
