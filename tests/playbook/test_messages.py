"""Campaign messages (TIME-5) and the shared customer timeline (TIME-6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from renewals.errors import RenewalsError
from renewals.kit.locale import format_date_long, format_money, format_percent
from renewals.playbook import messages
from renewals.playbook.messages import (
    CUSTOMER_STEPS,
    INTERNAL_STEPS,
    STEPS,
    VALUE_KEYS,
    MessageTemplateError,
    available_languages,
    customer_timeline,
    render,
    timeline_text,
)
from renewals.policy import service as policy_service

POLICY = policy_service.load()
RENEWAL_DATE = date(2027, 3, 14)
AS_OF = date(2027, 2, 12)  # T-30
MILESTONES = [(60, "review_value"), (45, "proposal"), (30, "agreement"), (0, "signed")]

# acme_expanding: a mid-market renewal with every figure known.
FULL: dict[str, Any] = {
    "account_name": "Acme Corp",
    "contact_name": "Anna Schmidt",
    "renewal_id": "ren-acme-2027",
    "renewal_date": RENEWAL_DATE,
    "days_to_renewal": 30,
    "arr": Decimal("12000.00"),
    "currency": "USD",
    "owner_name": "Carl CSM",
    "owner_email": "carl@renewals.example",
    "manager_name": "Mia Manager",
    "segment": "mid_market",
    "opportunity_type": "expansion",
    "touch_model": "assisted",
    "stage": "engagement",
    "health_score": 72.4,
    "health_category": "yellow",
    "signals": ["budget", "single_threading"],
    "value": {
        "events_30d": 45210,
        "active_users_30d": 87,
        "seats": 120,
        "seat_utilisation": 0.725,
        "key_feature_adoption": 0.8,
        "usage_change_30d": -0.12,
    },
    "timeline": customer_timeline(RENEWAL_DATE, MILESTONES, AS_OF),
    "as_of": AS_OF,
}
# globex_unknown: nobody named, nothing measured yet.
SPARSE: dict[str, Any] = FULL | {
    "contact_name": None,
    "owner_name": None,
    "owner_email": None,
    "manager_name": None,
    "health_score": None,
    "health_category": None,
    "signals": [],
    "value": {key: None for key in VALUE_KEYS},
    "timeline": [],
}
CASES = [(step, lang) for step in STEPS for lang in available_languages(step)]


def test_customer_steps_have_four_languages_and_internal_ones_english() -> None:
    assert set(STEPS) == set(CUSTOMER_STEPS) | set(INTERNAL_STEPS)
    for step in CUSTOMER_STEPS:
        assert available_languages(step) == ["de", "en", "id", "ms"]
    for step in INTERNAL_STEPS:
        assert "en" in available_languages(step)
    assert available_languages("customer_timeline") == ["de", "en", "id", "ms"]


@pytest.mark.parametrize(("step", "lang"), CASES)
@pytest.mark.parametrize("context", [FULL, SPARSE], ids=["full", "sparse"])
def test_it_renders_every_step_in_every_language(
    step: str, lang: str, context: dict[str, Any]
) -> None:
    rendered = render(step, lang, context)
    assert rendered.language == lang
    assert rendered.template == f"{step}.{lang}.txt.j2"
    assert rendered.subject and "\n" not in rendered.subject
    assert "Acme Corp" in rendered.subject + rendered.body
    for text in (rendered.subject, rendered.body):
        assert "None" not in text
        assert "{{" not in text and "{%" not in text
        assert "\n\n\n" not in text
    assert not rendered.body.startswith("\n") and rendered.body.endswith("\n")


@pytest.mark.parametrize("step", CUSTOMER_STEPS)
@pytest.mark.parametrize("lang", ["en", "de", "id", "ms"])
def test_customer_messages_are_signed_by_the_owner(step: str, lang: str) -> None:
    body = render(step, lang, FULL).body
    assert body.rstrip().endswith("Carl CSM\ncarl@renewals.example")


@pytest.mark.parametrize("step", CUSTOMER_STEPS)
@pytest.mark.parametrize("lang", ["en", "de", "id", "ms"])
def test_auto_renewals_are_told_they_renew_unless_they_opt_out(step: str, lang: str) -> None:
    auto = render(step, lang, FULL | {"touch_model": "auto"}).body
    word = {"en": "automatically", "de": "automatisch", "id": "otomatis", "ms": "automatik"}
    assert word[lang] in auto
    assert word[lang] not in render(step, lang, FULL).body


class TestFormalNotice:
    def test_it_carries_the_real_figures_and_the_timeline(self) -> None:
        body = render("formal_notice", "en", FULL).body
        assert "12,000 USD" in body
        assert "Active users: 87 of 120 licensed seats" in body
        assert "Seat utilisation: 73%" in body  # 72.5% rounds half up
        assert "Adoption of key features: 80%" in body
        assert "45,210" in body
        assert "-12%" in body
        for day in ("13 January 2027", "28 January 2027", "12 February 2027", "14 March 2027"):
            assert day in body
        assert "ren-acme-2027" not in body  # no internal id for the customer

    @pytest.mark.parametrize(
        ("lang", "words"),
        [
            ("de", ["Verlängerung", "12.000 USD", "87 von 120 Lizenzen", "73 %", "45.210", "März"]),
            ("id", ["perpanjangan", "12.000 USD", "87 dari 120 lisensi", "73%", "45.210", "Maret"]),
            ("ms", ["pembaharuan", "Kos", "anda", "87 daripada 120 lesen", "45,210", "Mac"]),
        ],
    )
    def test_it_speaks_the_account_language(self, lang: str, words: list[str]) -> None:
        rendered = render("formal_notice", lang, FULL)
        for word in words:
            assert word in rendered.subject + rendered.body, word

    def test_it_leaves_out_unknown_figures_but_keeps_the_known_ones(self) -> None:
        value = {"active_users_30d": 5, "seats": None, "seat_utilisation": None}
        body = render("formal_notice", "en", FULL | {"value": value}).body
        assert "- Active users: 5\n" in body
        assert "Seat utilisation" not in body and "Adoption" not in body

    def test_without_any_figure_it_offers_to_go_through_them_together(self) -> None:
        body = render("formal_notice", "en", SPARSE).body
        assert "at a glance" not in body
        assert "go through your usage" in body

    def test_value_may_be_none(self) -> None:
        assert "at a glance" not in render("formal_notice", "en", FULL | {"value": None}).body


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("de", ["Verlängerung", "März"]),
        ("id", ["perpanjangan", "Maret"]),
        ("ms", ["pembaharuan", "Mac"]),
    ],
)
@pytest.mark.parametrize("step", ["heads_up", "follow_up", "final_reminder"])
def test_translations_use_their_own_words(step: str, lang: str, words: list[str]) -> None:
    rendered = render(step, lang, FULL)
    for word in words:
        assert word in rendered.subject + rendered.body, word


class TestInternalMessages:
    def test_owner_alert_says_no_customer_contact_and_lists_the_signals(self) -> None:
        rendered = render("owner_alert", "en", FULL)
        assert "no customer contact yet" in rendered.body
        assert "budget pressure (SIG-5)" in rendered.body
        assert "single-threaded (SIG-9)" in rendered.body
        assert "72 (yellow)" in rendered.body
        assert "expansion plan" in rendered.body

    def test_owner_alert_asks_for_a_save_plan_when_red(self) -> None:
        body = render("owner_alert", "en", FULL | {"health_category": "red"}).body
        assert "save plan" in body

    def test_escalation_goes_to_owner_and_manager_with_the_stage(self) -> None:
        rendered = render("escalation", "en", FULL | {"days_to_renewal": 14})
        assert rendered.body.startswith("Hi Carl CSM and Mia Manager,")
        assert "14 days" in rendered.subject and "engagement" in rendered.subject
        assert "What is missing:" in rendered.body

    def test_management_names_the_owner(self) -> None:
        body = render("management", "en", FULL | {"days_to_renewal": 7}).body
        assert body.startswith("Hi Mia Manager,")
        assert "Owner: Carl CSM (carl@renewals.example)" in body
        assert "Owner: nobody is assigned" in render("management", "en", SPARSE).body

    def test_internal_messages_read_in_the_recipients_language(self) -> None:
        """Issue 22: one English template per internal step, its sentences read through the
        catalogues in the recipient's language; rule IDs, names and figures as they are."""
        german = render("owner_alert", "de", FULL)
        assert german.language == "de" and german.template == "owner_alert.en.txt.j2"
        assert german.subject.startswith("[Intern] Acme Corp verlängert am 14. März 2027")
        assert "Budgetdruck (SIG-5)" in german.body and "72 (gelb)" in german.body
        assert "no customer contact" not in german.body
        malay = render("management", "ms", FULL | {"days_to_renewal": 7})
        assert malay.body.startswith("Hai Mia Manager,")
        assert "Pemilik: Carl CSM (carl@renewals.example)" in malay.body
        indonesian = render("escalation", "id", FULL | {"days_to_renewal": 1})
        assert "1 hari dari" in indonesian.body and "Yang belum ada:" in indonesian.body
        assert render("owner_alert", "fr", FULL).language == "en"  # no catalogue: English


class TestLanguage:
    @pytest.mark.parametrize(
        ("asked", "used"),
        [("fr", "en"), (None, "en"), ("", "en"), ("DE", "de"), ("de-AT", "de"), ("ms_MY", "ms")],
    )
    def test_it_falls_back_to_english(self, asked: str | None, used: str) -> None:
        rendered = render("heads_up", asked, FULL)
        assert rendered.language == used
        assert rendered.template == f"heads_up.{used}.txt.j2"


class TestUserTemplates:
    def test_a_user_copy_overrides_the_packaged_template(self, tmp_path: Path) -> None:
        (tmp_path / "heads_up.en.txt.j2").write_text(
            "Subject: Hello {{ account_name }}\n\nOur own words, {{ arr|money(currency) }}.\n",
            encoding="utf-8",
        )
        rendered = render("heads_up", "en", FULL, templates_dir=tmp_path)
        assert rendered.subject == "Hello Acme Corp"
        assert rendered.body == "Our own words, 12,000 USD.\n"
        # Everything not copied still comes from the package.
        assert "Verlängerung" in render("heads_up", "de", FULL, templates_dir=tmp_path).subject

    def test_a_user_may_add_a_language(self, tmp_path: Path) -> None:
        (tmp_path / "heads_up.fr.txt.j2").write_text(
            "Subject: Renouvellement le {{ renewal_date|date_long }}\n\nBonjour.\n",
            encoding="utf-8",
        )
        assert "fr" in available_languages("heads_up", templates_dir=tmp_path)
        rendered = render("heads_up", "fr", FULL, templates_dir=tmp_path)
        assert rendered.language == "fr"
        assert rendered.subject == "Renouvellement le 14 March 2027"  # English formats

    def test_a_missing_directory_is_an_error(self, tmp_path: Path) -> None:
        with pytest.raises(MessageTemplateError, match="does not exist"):
            render("heads_up", "en", FULL, templates_dir=tmp_path / "nope")

    def test_a_broken_user_template_names_file_and_line(self, tmp_path: Path) -> None:
        (tmp_path / "heads_up.en.txt.j2").write_text(
            "Subject: x\n\n{% if account_name %}\nno end\n", encoding="utf-8"
        )
        with pytest.raises(MessageTemplateError, match=r"heads_up\.en\.txt\.j2 line \d"):
            render("heads_up", "en", FULL, templates_dir=tmp_path)

    def test_the_first_line_must_be_the_subject(self, tmp_path: Path) -> None:
        (tmp_path / "heads_up.en.txt.j2").write_text("Hello\n\nBody\n", encoding="utf-8")
        with pytest.raises(MessageTemplateError, match="Subject:"):
            render("heads_up", "en", FULL, templates_dir=tmp_path)


class TestErrors:
    def test_a_missing_key_names_the_template_and_the_key(self) -> None:
        context = {k: v for k, v in FULL.items() if k != "arr"}
        with pytest.raises(RenewalsError, match=r"formal_notice\.de\.txt\.j2 line \d+: 'arr'"):
            render("formal_notice", "de", context)

    def test_an_unknown_step_is_an_error(self) -> None:
        with pytest.raises(MessageTemplateError, match="no message template for step 'nope'"):
            render("nope", "en", FULL)
        with pytest.raises(MessageTemplateError, match="not a message step"):
            render("../secrets", "en", FULL)


class TestFormats:
    @pytest.mark.parametrize(
        ("value", "lang", "text"),
        [
            (Decimal("12000"), "en", "12,000 USD"),
            (Decimal("12000.00"), "de", "12.000 USD"),
            (12000, "id", "12.000 USD"),
            (12000, "ms", "12,000 USD"),
            (Decimal("1234567.5"), "en", "1,234,567.50 USD"),
            (Decimal("1234567.5"), "de", "1.234.567,50 USD"),
            (99.999, "en", "100.00 USD"),
        ],
    )
    def test_money(self, value: Any, lang: str, text: str) -> None:
        assert format_money(value, "USD", lang) == text

    @pytest.mark.parametrize(
        ("lang", "text"),
        [
            ("en", "14 March 2027"),
            ("de", "14. März 2027"),
            ("id", "14 Maret 2027"),
            ("ms", "14 Mac 2027"),
            ("fr", "14 March 2027"),
        ],
    )
    def test_date_long(self, lang: str, text: str) -> None:
        assert format_date_long(RENEWAL_DATE, lang) == text

    def test_percent(self) -> None:
        assert format_percent(0.85, "en") == "85%"
        assert format_percent(0.85, "de") == "85 %"
        assert format_percent(0.123, "id", signed=True) == "+12%"
        assert format_percent(-0.004, "en", signed=True) == "0%"
        assert format_percent(0.125, "de", places=1) == "12,5 %"


class TestCustomerTimeline:
    def test_it_dates_each_milestone_and_marks_the_passed_ones(self) -> None:
        timeline = customer_timeline(RENEWAL_DATE, list(reversed(MILESTONES)), AS_OF)
        assert timeline == [
            {"date": date(2027, 1, 13), "days": 60, "milestone": "review_value", "passed": True},
            {"date": date(2027, 1, 28), "days": 45, "milestone": "proposal", "passed": True},
            {"date": date(2027, 2, 12), "days": 30, "milestone": "agreement", "passed": False},
            {"date": date(2027, 3, 14), "days": 0, "milestone": "signed", "passed": False},
        ]

    def test_it_takes_the_policy_milestones(self) -> None:
        policy_timeline = customer_timeline(RENEWAL_DATE, POLICY.campaign.customer_timeline, AS_OF)
        assert policy_timeline == customer_timeline(RENEWAL_DATE, MILESTONES, AS_OF)

    def test_the_shared_text_in_english(self) -> None:
        text = timeline_text(RENEWAL_DATE, POLICY.campaign.customer_timeline, "en", AS_OF)
        assert text == (
            "Our renewal timeline, so that there are no surprises: "
            "60 days before the renewal date (13 January 2027) we review the value together; "
            "45 days before (28 January 2027) you receive our formal proposal; "
            "30 days before (12 February 2027) we agree the terms; "
            "and by the renewal date (14 March 2027) everything is signed."
        )

    @pytest.mark.parametrize(
        ("lang", "words"),
        [
            ("de", ["60 Tage vor dem Verlängerungsdatum (13. Januar 2027)", "14. März 2027"]),
            ("id", ["60 hari sebelum tanggal perpanjangan (13 Januari 2027)", "14 Maret 2027"]),
            ("ms", ["60 hari sebelum tarikh pembaharuan (13 Januari 2027)", "14 Mac 2027"]),
            ("fr", ["60 days before the renewal date (13 January 2027)"]),
        ],
    )
    def test_the_shared_text_in_other_languages(self, lang: str, words: list[str]) -> None:
        text = timeline_text(RENEWAL_DATE, MILESTONES, lang, AS_OF)
        assert "\n" not in text
        for word in words:
            assert word in text

    def test_a_single_milestone_reads_as_one_clause(self) -> None:
        text = timeline_text(RENEWAL_DATE, [(1, "agreement")], "en", AS_OF)
        assert text.endswith(": 1 day before the renewal date (13 March 2027) we agree the terms.")

    def test_the_packaged_directory_holds_every_template(self) -> None:
        names = {p.name for p in messages.packaged_templates_dir().iterdir()}
        assert {f"{step}.{lang}.txt.j2" for step, lang in CASES} <= names


def test_docs_list_every_context_key() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "messages.md").read_text(encoding="utf-8")
    for key in (*messages.CONTEXT_KEYS, *VALUE_KEYS):
        assert f"`{key}`" in doc, key


AT_RISK_STEPS = ("heads_up", "formal_notice", "follow_up", "final_reminder")
# Words that ask an at-risk customer to sign or confirm a proposal they may never have had.
# (The shared timeline's "the renewal is signed" milestone is a date, not a request.)
PUSHY = {
    "en": (
        "please sign",
        "who on your side signs",
        "confirm the renewal proposal",
        "signed renewal",
    ),
    "de": ("unterschreiben sie", "den vertrag unterschreibt", "zusage zum verlängerungsangebot"),
    "id": ("yang akan menandatangani", "konfirmasi atas proposal", "sudah ditandatangani"),
    "ms": ("sila tandatangani", "yang akan menandatangani", "pengesahan cadangan"),
}


@pytest.mark.parametrize("step", AT_RISK_STEPS)
@pytest.mark.parametrize("lang", ["en", "de", "id", "ms"])
def test_at_risk_accounts_get_their_own_variant_of_every_campaign_email(
    step: str, lang: str
) -> None:
    """SEG-2, issue 16: an at-risk or red account never gets the friendly template: each
    campaign email has an `_at_risk` variant in every language, which neither asks them
    to sign nor to confirm a proposal, and names no internal id."""
    rendered = render(step, lang, FULL | {"account_state": "at_risk"})
    assert rendered.template == f"{step}_at_risk.{lang}.txt.j2"
    text = (rendered.subject + "\n" + rendered.body).lower()
    for word in PUSHY[lang]:
        assert word.lower() not in text, (step, lang, word)
    assert "ren-acme-2027" not in text


@pytest.mark.parametrize(("step", "lang"), [c for c in CASES if c[0] in CUSTOMER_STEPS])
def test_no_customer_message_names_the_internal_renewal_id(step: str, lang: str) -> None:
    for state in ("ok", "at_risk"):
        rendered = render(step, lang, FULL | {"account_state": state})
        assert "ren-acme-2027" not in rendered.subject + rendered.body, (step, lang, state)
