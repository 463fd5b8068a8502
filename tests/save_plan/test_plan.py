"""SAVE-8..11 on plain values: priority, problems from the evidence, fast fix, due dates,
tactics, alternatives and the conversation guide (no database)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from renewals.policy import service as policy_service
from renewals.save_plan import plan as rules
from renewals.save_plan.plan import GuideItem, Problem, Quote, SignalFact, TicketFact

POLICY = policy_service.load()
SAVE = POLICY.save
TODAY = date(2026, 11, 24)
RENEWAL_DATE = TODAY + timedelta(days=60)

fixable_deal_breaker = Problem("Exports fail every week", "csm", deal_breaker=True, impact=2)
unfixable_deal_breaker = Problem(
    "No SAP connector", "csm", deal_breaker=True, fixable=False, impact=5, frequency=5, quick=True
)
busy_nice_to_have = Problem("Dashboard is slow", "csm", impact=5, frequency=9, quick=True)
small_nice_to_have = Problem("Wants dark mode", "csm", impact=1)
wont_fix_nice_to_have = Problem("Wants on-premise", "csm", fixable=False, impact=5)


def signal(kind: str, source: str, source_id: str, evidence: str, days_ago: int = 5) -> SignalFact:
    return SignalFact(
        kind=kind,
        rule="SIG-x",
        severity="medium",
        source=source,
        source_id=source_id,
        source_date=TODAY - timedelta(days=days_ago),
        evidence=evidence,
    )


def ticket(
    ticket_id: str, subject: str, priority: str = "normal", days_ago: int = 10
) -> TicketFact:
    return TicketFact(ticket_id, subject, priority, TODAY - timedelta(days=days_ago))


SIGNALS = [
    signal(
        "competitive", "ticket", "T9", "We are evaluating Contoso because exports keep failing."
    ),
    signal("negative_feedback", "survey", "S1", "Support takes days to answer.", days_ago=20),
    signal("negative_feedback", "interaction", "I4", "The last two releases broke our reports."),
    signal(  # as SIG-7 words it (a Text stored in English)
        "usage_decline", "usage", "events", "usage -34% on the previous 30 days (decline at -20%)"
    ),
    signal("health_drop", "health", "warning", "health 38: red"),
    signal("negative_feedback", "tickets", "repeated_complaints", "1 problem(s) reported twice"),
]
TICKETS = [
    ticket("T1", "Export fails"),
    ticket("T2", "  export   FAILS ", days_ago=3),
    ticket("T3", "SSO login broken", priority="urgent"),
    ticket("T4", "How do I add a user?"),
]


class TestPriority:
    def test_it_puts_fixable_deal_breakers_first(self) -> None:
        ranked = rules.rank(
            [
                small_nice_to_have,
                busy_nice_to_have,
                wont_fix_nice_to_have,
                unfixable_deal_breaker,
                fixable_deal_breaker,
            ]
        )
        assert ranked == [
            fixable_deal_breaker,
            unfixable_deal_breaker,
            busy_nice_to_have,
            small_nice_to_have,
            wont_fix_nice_to_have,
        ]

    def test_the_class_outweighs_everything_else(self) -> None:
        # the weakest fixable deal-breaker still beats the strongest unfixable one
        assert rules.priority(Problem("x", "csm", deal_breaker=True, impact=1)) == 300
        assert rules.priority(unfixable_deal_breaker) == 200 + 40 + 30 + 20

    def test_frequency_impact_and_quick_order_within_a_class(self) -> None:
        once = Problem("a", "csm", impact=3)
        often = Problem("b", "csm", impact=3, frequency=3)
        quick = Problem("c", "csm", impact=3, quick=True)
        assert rules.priority(once) == 120
        assert rules.priority(often) == 135
        assert rules.priority(quick) == 140
        assert rules.rank([once, often, quick]) == [quick, often, once]

    def test_it_explains_the_priority(self) -> None:
        reasons = rules.priority_reasons(busy_nice_to_have)
        assert reasons[0] == "SAVE-8: fixable nice-to-have (100)"
        assert "quick win (+20)" in reasons


class TestProblemsFromEvidence:
    def test_it_groups_signals_by_kind_and_repeated_ticket_subjects(self) -> None:
        problems = rules.problems_from_evidence(SIGNALS, TICKETS, "service_experience")
        by_ref = {p.source_ref: p for p in problems}
        assert set(by_ref) == {"competitive", "negative_feedback", "usage_decline", "T1,T2", "T3"}
        # two negative remarks (the numeric repeated-complaints fact is left to the tickets)
        assert by_ref["negative_feedback"].frequency == 2
        assert by_ref["T1,T2"].frequency == 2
        assert "Export fails" in by_ref["T1,T2"].description
        assert by_ref["T3"].impact == 4  # urgent

    def test_each_problem_keeps_its_words_apart_and_reads_them_back_from_its_description(
        self,
    ) -> None:
        """Issue 22: the product's words (key, parameters) and the customer's apart; the
        stored form round-trips, and an English description alone (a row from before) reads
        back to the same words in every language; a person's words stay as written."""
        from renewals.kit import i18n

        problems = rules.problems_from_evidence(SIGNALS, TICKETS, "service_experience")
        assert all(p.words is not None for p in problems)
        for problem in problems:
            words = problem.words
            assert words is not None
            stored = rules.problem_words(
                problem.description, problem.source, words.summary(), words.quote
            )
            assert stored == rules.ProblemWords(words.key, words.params, words.quote)
            for language in i18n.LANGUAGES:
                with i18n.using(language):
                    old = rules.problem_words(problem.description, problem.source)
                    assert str(old) == str(stored), (language, problem.description)
        for kind, profile in rules.KINDS.items():  # the read-back template is the label's
            assert profile.described == f"{profile.label}: {{evidence}}", kind
        with i18n.using("de"):
            competitive = next(p for p in problems if p.source_ref == "competitive")
            assert i18n.tr(str(competitive.description)) == (
                "Sie vergleichen uns mit einer Alternative (SIG-4): "
                "We are evaluating Contoso because exports keep failing."
            )
        with i18n.using("ms"):
            by_ref = {p.source_ref: str(p.words) for p in problems}
        assert (
            by_ref["T3"]
            == "Sokongan (1 tiket, 1 tinggi atau segera, 1 masih terbuka): \u201cSSO login broken\u201d"
        )
        written = rules.problem_words("Invoices show the wrong VAT", "csm")
        assert written.key == "" and written.summary() is None
        with i18n.using("de"):
            assert str(written) == "Invoices show the wrong VAT"
            assert rules.problem_words("Support: odd", "ticket").written == "Support: odd"

    def test_deal_breakers_are_competitive_repeated_feedback_and_repeated_or_urgent_tickets(
        self,
    ) -> None:
        problems = rules.problems_from_evidence(SIGNALS, TICKETS, "service_experience")
        deal_breakers = {p.source_ref for p in problems if p.deal_breaker}
        assert deal_breakers == {"competitive", "negative_feedback", "T1,T2", "T3"}

    def test_a_single_negative_remark_is_not_a_deal_breaker(self) -> None:
        problems = rules.problems_from_evidence(SIGNALS[1:2], [], "service_experience")
        assert [p.deal_breaker for p in problems] == [False]

    def test_product_fit_makes_the_product_problems_unfixable(self) -> None:
        problems = rules.problems_from_evidence(SIGNALS, TICKETS, "product_fit")
        fixable = {p.source_ref: p.fixable for p in problems}
        assert fixable["competitive"] is False
        assert fixable["negative_feedback"] is False
        assert fixable["T1,T2"] is True  # support tickets are service experience
        assert fixable["usage_decline"] is True  # value perception

    def test_it_keeps_the_customers_words(self) -> None:
        problems = rules.problems_from_evidence(SIGNALS, [], "service_experience")
        feedback = next(p for p in problems if p.source_ref == "negative_feedback")
        assert [q.text for q in feedback.quotes] == [
            "The last two releases broke our reports.",
            "Support takes days to answer.",
        ]

    def test_it_comes_back_in_priority_order(self) -> None:
        problems = rules.problems_from_evidence(SIGNALS, TICKETS, "service_experience")
        priorities = [rules.priority(p) for p in problems]
        assert priorities == sorted(priorities, reverse=True)
        assert problems[0].deal_breaker and problems[0].fixable


class TestFastFix:
    problems = [
        small_nice_to_have,
        unfixable_deal_breaker,
        busy_nice_to_have,
        fixable_deal_breaker,
        Problem("Wrong invoices", "csm", deal_breaker=True, impact=4),
    ]

    def test_it_is_on_for_compressed_and_emergency_windows_unless_asked(self) -> None:
        assert rules.fast_fix_on("comprehensive", None) is False
        assert rules.fast_fix_on("compressed", None) is True
        assert rules.fast_fix_on("emergency", None) is True
        assert rules.fast_fix_on("comprehensive", True) is True
        assert rules.fast_fix_on("emergency", False) is False
        assert rules.fast_fix_on("emergency", None, "none") is False  # graceful exit
        assert rules.fast_fix_on("emergency", True, "none") is True

    def test_it_picks_the_top_three_fixable_problems(self) -> None:
        picks = rules.fast_fix_picks(self.problems, SAVE.fast_fix_problems)
        assert [p.description for p in picks] == [
            "Wrong invoices",
            "Exports fail every week",
            "Dashboard is slow",
        ]

    def test_fast_fix_items_are_due_within_72_hours(self) -> None:
        due = rules.due_date(
            small_nice_to_have,
            fast_fix_item=True,
            window="comprehensive",
            effort="standard",
            as_of=TODAY,
            renewal_date=RENEWAL_DATE,
            save=SAVE,
        )
        assert due == TODAY + timedelta(days=3)
        assert (due - TODAY).days * 24 <= SAVE.fast_fix_hours.max


class TestDueDates:
    def due(self, problem: Problem, window: str, effort: str = "standard") -> date | None:
        return rules.due_date(
            problem,
            fast_fix_item=False,
            window=window,
            effort=effort,
            as_of=TODAY,
            renewal_date=RENEWAL_DATE,
            save=SAVE,
        )

    def test_deal_breakers_and_quick_wins_are_due_in_the_short_term(self) -> None:
        assert self.due(fixable_deal_breaker, "comprehensive") == TODAY + timedelta(days=30)
        assert self.due(busy_nice_to_have, "comprehensive") == TODAY + timedelta(days=30)

    def test_the_rest_is_due_within_the_efforts_duration(self) -> None:
        assert self.due(small_nice_to_have, "comprehensive") == TODAY + timedelta(days=30)
        assert self.due(small_nice_to_have, "comprehensive", "light") == TODAY + timedelta(days=14)
        # full effort runs up to 90 days, but never past the renewal date
        assert self.due(small_nice_to_have, "comprehensive", "full") == RENEWAL_DATE

    def test_compressed_windows_defer_what_is_neither_critical_nor_quick(self) -> None:
        assert self.due(small_nice_to_have, "compressed") is None
        assert self.due(fixable_deal_breaker, "compressed") is not None
        assert self.due(busy_nice_to_have, "compressed") is not None

    def test_emergency_windows_keep_only_band_aids(self) -> None:
        assert self.due(fixable_deal_breaker, "emergency") is None
        assert self.due(busy_nice_to_have, "emergency") is not None

    def test_no_effort_schedules_nothing(self) -> None:
        assert self.due(fixable_deal_breaker, "comprehensive", "none") is None


class TestTactics:
    def keys(self, effort: str, window: str = "comprehensive", fast_fix: bool = False) -> set[str]:
        items = rules.tactics(
            effort=effort,
            window=window,
            root_cause="service_experience",
            fast_fix=fast_fix,
            save=SAVE,
        )
        assert all(i["rule"].startswith("SAVE-") and i["done"] is False for i in items)
        return {i["key"] for i in items}

    def test_full_effort_is_all_hands(self) -> None:
        assert {
            "all_hands",
            "executive_engagement",
            "product_team",
            "custom_solution",
            "pricing_flexibility",
        } <= self.keys("full")

    def test_standard_effort_is_csm_and_manager_with_the_playbook(self) -> None:
        keys = self.keys("standard")
        assert {"csm_and_manager", "remediation_playbook"} <= keys
        assert "executive_engagement" not in keys

    def test_light_effort_is_the_csm_and_one_conversation(self) -> None:
        assert {"csm_only", "one_conversation"} <= self.keys("light")

    def test_no_effort_is_a_graceful_exit(self) -> None:
        assert self.keys("none") == {"graceful_exit", "learn"}
        assert self.keys("none", fast_fix=True) == {"graceful_exit", "learn", "fast_fix"}

    def test_the_window_and_fast_fix_add_their_items(self) -> None:
        assert "compressed" in self.keys("standard", "compressed")
        assert "emergency" in self.keys("light", "emergency")
        assert "fast_fix" in self.keys("standard", fast_fix=True)
        assert "fast_fix" not in self.keys("standard")

    def test_the_root_cause_adds_its_remedy(self) -> None:
        def keys(root_cause: str) -> set[str]:
            items = rules.tactics(
                effort="standard",
                window="comprehensive",
                root_cause=root_cause,
                fast_fix=False,
                save=SAVE,
            )
            return {i["key"] for i in items}

        assert "product_answer" in keys("product_fit")
        # SAVE-9: product-team involvement as plan items with the person who does each.
        assert {
            "pm_reviews_use_case",
            "engineer_on_calls",
            "roadmap_preview",
            "workarounds",
        } <= keys("product_fit")
        assert "pm_reviews_use_case" not in keys("value_perception")
        assert "relationship_repair" in keys("service_experience")
        assert "value_redemonstration" in keys("value_perception")
        assert "adapt_to_situation" in keys("circumstantial")

    def test_the_fast_fix_item_quotes_the_policy(self) -> None:
        items = rules.tactics(
            effort="standard",
            window="compressed",
            root_cause="value_perception",
            fast_fix=True,
            save=SAVE,
        )
        fast = next(i for i in items if i["key"] == "fast_fix")
        assert "top 3 problems" in fast["text"] and "48-72 hours" in fast["text"]


class TestAlternatives:
    def test_they_carry_the_policy_numbers(self) -> None:
        options = {a["key"]: a for a in rules.alternatives(SAVE)}
        assert set(options) == {
            "reduced_scope",
            "pause",
            "partner_handoff",
            "short_term",
            "performance_guarantee",
            "paid_pilot",
            "out_clause",
        }
        assert options["pause"]["params"] == {"pause_days": 90}
        assert "90-day pause" in options["pause"]["text"]
        assert options["short_term"]["params"] == {"short_term_months": 6}
        assert options["paid_pilot"]["params"] == {"pilot_days": 90}
        assert options["out_clause"]["params"] == {
            "out_clause_days": 30,
            "out_clause_fix_window_days": 60,
        }
        assert all(a["rule"] == "SAVE-9" for a in options.values())

    def test_a_changed_policy_changes_the_offer(self) -> None:
        flexibility = SAVE.flexibility.model_copy(update={"pause_days": 60, "pilot_days": 45})
        save = SAVE.model_copy(update={"flexibility": flexibility})
        options = {a["key"]: a for a in rules.alternatives(save)}
        assert "60-day pause" in options["pause"]["text"]
        assert options["paid_pilot"]["params"] == {"pilot_days": 45}


def guide(**overrides: object) -> str:
    items = [
        GuideItem(
            "Support: \u201cExport fails\u201d (2 tickets)",
            True,
            True,
            "Patch the CSV exporter",
            "Carl CSM",
            TODAY + timedelta(days=3),
            True,
        ),
        GuideItem(
            "Engagement has dropped",
            False,
            True,
            None,
            "Carl CSM",
            TODAY + timedelta(days=30),
            False,
        ),
        GuideItem("Wants dark mode", False, True, None, "Carl CSM", None, False),
    ]
    context = rules.guide_context(
        account_name="Globex GmbH",
        renewal_id="R-globex",
        renewal_date=RENEWAL_DATE,
        as_of=TODAY,
        arr=Decimal("48000"),
        currency="EUR",
        owner_name="Carl CSM",
        contacts=["Anna Roe (champion)", "Dirk Bauer (decision maker)"],
        items=items,
        quotes=[Quote("Support takes days to answer.", "negative_feedback", "survey", "S1", TODAY)],
        value={
            "events_30d": 1234.0,
            "active_users_30d": 42.0,
            "seats": 100.0,
            "seat_utilisation": 0.42,
            "key_feature_adoption": 0.5,
            "usage_change_30d": -0.3,
        },
        health_score=38.4,
        root_cause="service_experience",
        effort="standard",
        window="compressed",
        alternatives=rules.alternatives(SAVE),
        save=SAVE,
    )
    context.update(overrides)
    return rules.render_template(rules.GUIDE_TEMPLATE, context, language="de")


class TestConversationGuide:
    def test_it_has_the_five_sections_and_the_fallback_question(self) -> None:
        text = guide()
        for heading in (
            "## 1. Open with honesty",
            "## 2. Listen first",
            "## 3. Acknowledge",
            "## 4. Propose",
            "## 5. Secure a mutual commitment",
        ):
            assert heading in text
        assert rules.FALLBACK_QUESTION in text

    def test_it_uses_the_accounts_own_facts(self) -> None:
        text = guide()
        assert "Globex GmbH" in text
        assert "48,000 EUR" in text  # English template (no German one): English numbers
        assert "Anna Roe (champion)" in text
        assert '"Support takes days to answer."' in text
        assert "Patch the CSV exporter (Carl CSM, by 27 November 2026; verified with you" in text
        assert "42 people used the product in the last 30 days, of 100 seats (42% of seats" in text
        assert "1,234 actions" in text and "-30%" in text
        assert "50% of the key features in use" in text
        assert "Health score 38 of 100" in text

    def test_it_proposes_48_hour_then_30_day_actions_and_the_terms(self) -> None:
        text = guide()
        immediate = text.index("Immediately (fast fix, within 48-72 hours)")
        short_term = text.index("Within 30 days")
        assert immediate < text.index("Patch the CSV exporter") < short_term
        assert short_term < text.index("Engagement has dropped (Carl CSM, by 24 December 2026)")
        assert text.index("After the critical fixes") < text.rindex("Wants dark mode")
        assert "6-month term" in text  # standard effort: contract flexibility on the table
        assert "Relationship repair" not in text  # the tactic; the guide says it in words
        assert "Acknowledge our mistakes" in text

    def test_without_usage_figures_it_asks_for_them(self) -> None:
        text = guide(
            value={
                "events_30d": None,
                "active_users_30d": None,
                "seats": None,
                "seat_utilisation": None,
                "key_feature_adoption": None,
                "usage_change_30d": None,
            },
            health_score=None,
        )
        assert "Value review in preparation" in text

    def test_a_users_template_wins(self, tmp_path: Path) -> None:
        (tmp_path / "save").mkdir()
        (tmp_path / "save" / "conversation_guide.en.md.j2").write_text(
            "Talk to {{ account_name }}.\n", encoding="utf-8"
        )
        text = rules.render_template(
            rules.GUIDE_TEMPLATE, {"account_name": "Globex GmbH"}, templates_dir=tmp_path
        )
        assert text == "Talk to Globex GmbH.\n"

    def test_a_missing_key_is_an_error_naming_it(self) -> None:
        with pytest.raises(rules.PlanTemplateError, match="account_name"):
            rules.render_template(rules.GUIDE_TEMPLATE, {})


def test_product_team_items_name_who_does_them() -> None:
    items = rules.tactics(
        effort="full", window="comprehensive", root_cause="product_fit", fast_fix=False, save=SAVE
    )
    owners = {i["key"]: i.get("owner") for i in items}
    assert owners["pm_reviews_use_case"] == "product manager"
    assert owners["engineer_on_calls"] == "engineer"
    assert all(i["rule"] == "SAVE-9" for i in items if i.get("owner"))


@pytest.mark.parametrize("language", ["de", "ms"])
def test_every_tactic_reads_in_the_language_fresh_and_as_stored(language: str) -> None:
    """A tactic reads in the reader's language whether it is the Text just made or its
    English read back from the plan's JSON: the effort's days ("14-30 days", a template
    with little fixed text) and the person who does a product-team item (issue 22)."""
    from cli_languages import english_left, english_phrases

    from renewals.kit import i18n

    phrases = english_phrases(language) | {"days", "product manager", "engineer"}
    items = [
        item
        for effort in ("full", "standard", "light", "none")
        for window in ("comprehensive", "compressed", "emergency")
        for root_cause in ("product_fit", "service_experience", "value_perception", "other")
        for item in rules.tactics(
            effort=effort, window=window, root_cause=root_cause, fast_fix=True, save=SAVE
        )
    ]
    stored = json.loads(json.dumps(items))
    with i18n.using(language):
        for item, back in zip(items, stored, strict=True):
            fresh = i18n.tr(item["text"])
            assert english_left(phrases, fresh) == [], fresh
            assert i18n.tr(back["text"]) == fresh, back["text"]
    assert english_left(phrases, " ".join(i["text"] for i in items))  # the check can fail
