"""The product in the team's own language (issue 22): the catalogues are complete and up to
date, translated templates have no text outside the i18n tags, and a CSM's, a manager's and
an executive's main pages read in en, de, id and ms with no English left from the catalogue."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from books import Books, once_per_run
from cli_languages import cli as _cli
from cli_languages import english_left as _english_left
from cli_languages import english_phrases as _english_phrases
from dashboard.book import TODAY, built_book, client_for, people
from sqlalchemy import Engine, select

from renewals.account.domain import Segment
from renewals.cli import app
from renewals.contract.domain import Outcome
from renewals.db import session_scope
from renewals.escalation.domain import EscalationStatus
from renewals.health.domain import Category
from renewals.health.models import HealthSnapshot
from renewals.kit import catalogues, i18n, locale
from renewals.kit.templates import install_i18n
from renewals.policy import service as policy_service
from renewals.policy.domain import Policy
from renewals.renewal.domain import Motion, OpportunityType, Stage
from renewals.renewal.models import Renewal
from renewals.save_plan.economics import Verdict
from renewals.signal.domain import Risk
from renewals.user.domain import Role
from renewals.user.models import User
from renewals.web.terms import TERMS
from renewals.winloss.fundamentals import Retention

TEMPLATES = Path(i18n.__file__).parent.parent / "web" / "templates"
# The pages translated so far (docs/i18n.md lists what is and is not): every word in them
# is inside an i18n tag.
TRANSLATED_TEMPLATES = (
    "base.html",
    "error.html",
    "_table.html",
    "dashboard/_tables.html",
    "dashboard/_renewal_rows.html",
    "dashboard/home.html",
    "dashboard/manager.html",
    "dashboard/executive.html",
    "renewal/list.html",
    "playbook/_task_row.html",
    "account/list.html",
    "account/page.html",
    "playbook/tasks.html",
    "outbox/list.html",
    "outbox/_row.html",
    "concession/approvals.html",
    "concession/new.html",
    "concession/_evaluation.html",
    "concession/show.html",
    "auth/login.html",
    "auth/profile.html",
    "outbox/row.html",
    "playbook/task_row.html",
    "account/health.html",
    "proposal/show.html",
    "contract_doc/detail.html",
    "review/library.html",
    "review/program.html",
    "admin/users.html",
    "admin/audit.html",
    "admin/jobs.html",
    "api/docs.html",
    # the customer's signing pages: a wording per language in the template (TECH-4)
    "contract_doc/public.html",
    "contract_doc/sign.html",
    "contract_doc/signed.html",
    "contract_doc/link_problem.html",
)


# ------------------------------------------------------------------ choosing the language


def test_the_language_comes_from_the_browser_or_the_locale_when_none_is_set() -> None:
    assert i18n.from_accept_language("de-CH,de;q=0.9,en;q=0.8") == "de"
    assert i18n.from_accept_language("fr-FR, ms;q=0.5, id;q=0.7") == "id"
    assert i18n.from_accept_language("fr, *;q=0.1") is None
    assert i18n.from_environment({"LANG": "id_ID.UTF-8"}) == "id"
    assert i18n.from_environment({"LANGUAGE": "fr:ms", "LANG": "de_DE.UTF-8"}) == "ms"
    assert i18n.from_environment({"LC_ALL": "C", "LANG": "de_DE.UTF-8"}) is None
    assert i18n.choose(None, "xx", "de-AT", "id") == "de"
    assert i18n.choose(None) == "en"


def test_plurals_follow_each_language() -> None:
    """German has two forms, Indonesian and Malay one (their catalogues' Plural-Forms)."""
    with i18n.using("de"):
        assert i18n.ngettext("%(num)s row", "%(num)s rows", 1) == "%(num)s Zeile"
        assert i18n.ngettext("%(num)s row", "%(num)s rows", 2) == "%(num)s Zeilen"
    for language in ("id", "ms"):
        with i18n.using(language):
            one = i18n.ngettext("%(num)s row", "%(num)s rows", 1)
            assert one == i18n.ngettext("%(num)s row", "%(num)s rows", 5) == "%(num)s baris"
    assert i18n.ngettext("%(num)s row", "%(num)s rows", 2) == "%(num)s rows"


def test_an_explanation_is_english_text_and_translates_when_printed() -> None:
    """TIME-4: a reason is a template with parameters; the rule ID stays as it is."""
    reason = i18n.Text("TIME-4: {n} task(s) past their due date", n=3)
    assert reason == "TIME-4: 3 task(s) past their due date"
    with i18n.using("de"):
        assert i18n.tr(reason) == "TIME-4: 3 Aufgabe(n) über dem Fälligkeitsdatum"
    with i18n.using("id"):
        assert i18n.tr(reason) == "TIME-4: 3 tugas melewati tanggal jatuh tempo"
    import pickle

    assert i18n.tr(pickle.loads(pickle.dumps(reason))) == str(reason)


def test_an_explanation_in_english_is_its_own_text() -> None:
    """The English of a Text is the text itself (translated() returns it without formatting
    again): nested explanations, numbers with format specs and stored values included."""
    inner = i18n.Text("{n} task(s) past their due date", n=3)
    reason = i18n.Text(
        "SEG-1: ARR {arr:,.0f} lies in the {segment} band; {inner}",
        arr=123805.4,
        segment="mid_market",
        inner=inner,
    )
    assert (
        reason.translated()
        == "SEG-1: ARR 123,805 lies in the mid_market band; 3 task(s) past their due date"
    )
    assert type(reason.translated()) is str  # printed as text, not as a Text again
    with i18n.using("de"):
        assert "123.805" in reason.translated()


def test_a_file_column_or_key_keeps_its_name_in_every_language() -> None:
    """A value that names something the reader types or looks for (a source file's stem, a
    request field, a file) stays as written; a stored value in any other field still reads
    as its term. Both when the Text is printed and when its English is read back."""
    summary = i18n.Text(
        "{stem} {read:,} read ({inserted:,} new, {updated:,} changed, {unchanged:,} "
        "unchanged; mark {mark})",
        stem="accounts",
        read=1234,
        inserted=1,
        updated=2,
        unchanged=3,
        mark="none",
    )
    invalid = i18n.Text("{field}: {message}", field="status", message=i18n.Text("unknown value"))
    staged = i18n.Text(
        "{renewal} is {stage}: a closed renewal has no save plan", renewal="R-7", stage="won"
    )
    for language in ("de", "id", "ms"):
        with i18n.using(language):
            for text in (summary, str(summary)):
                words = i18n.tr(text)
                assert words.startswith("accounts 1"), (language, words)
                assert "1,234" not in words or language == "ms", (language, words)
            for text in (invalid, str(invalid)):
                assert i18n.tr(text).startswith("status: "), (language, i18n.tr(text))
            # a stage is a stored value, not a name: it still reads as the language's word
            assert " won:" not in i18n.tr(staged), (language, i18n.tr(staged))


def test_figures_in_an_explanation_read_in_the_languages_way() -> None:
    """SEG-1, FUND-4: a reason's numbers and months follow the reader's language
    (kit.locale), made now or read back from its English; dates and ids stay as they are."""
    reason = i18n.Text(
        "SEG-1: ARR {arr} lies in the {segment} band [{low}, {high})",
        arr="70,649",
        segment="mid_market",
        low="10,000",
        high="100,000",
    )
    stored = str(reason)
    for language, arr, low in (
        ("en", "70,649", "10,000"),
        ("de", "70.649", "10.000"),
        ("id", "70.649", "10.000"),
        ("ms", "70,649", "10,000"),
    ):
        with i18n.using(language):
            for text in (i18n.tr(reason), i18n.tr(stored)):
                assert f"ARR {arr} " in text and f"[{low}, " in text, (language, text)
    ratio = i18n.Text(
        "champion replies {slowdown:.1f}x slower than before ({hours:.0f} hours on average now)",
        slowdown=1.5,
        hours=12,
    )
    with i18n.using("de"):
        assert "1,5x" in i18n.tr(ratio) and "1,5x" in i18n.tr(str(ratio))
        assert i18n.tr("0.14") == "0,14" and i18n.tr("12.5%") == "12,5 %"
        assert i18n.tr("2026-11-26") == "2026-11-26" and i18n.tr("C0000213") == "C0000213"
    # FUND-4: a November renewal in a July-June year; every reason a whole template
    from datetime import date

    from renewals.renewal import budget

    policy = policy_service.load(None).budget
    for start in (1, 7, 10):
        timing = budget.timing(date(2026, 11, 26), start, lead_days=90, policy=policy)
        for language, year in (("de", "jahr"), ("id", "tahun"), ("ms", "tahun")):
            with i18n.using(language):
                assert year in i18n.tr(timing.describe_year()).lower()
                assert year in i18n.tr(str(timing.describe_year())).lower()
                for reason in (*timing.reasons, budget.check_task_title(timing)):
                    assert i18n.tr(reason) == i18n.tr(str(reason)) != str(reason), reason
    timing = budget.timing(date(2026, 11, 26), 7, lead_days=90, policy=policy)
    with i18n.using("de"):
        assert i18n.tr(str(timing.describe_year())) == "Geschäftsjahr Juli-Juni"


def test_every_concession_kind_is_a_word_in_each_language() -> None:
    """CONC-1, CONC-8: the request form lists every kind, those beyond price too (reduced
    scope, a multi-year lock, ...), as the reader's words (`term("concession")`)."""
    from renewals.concession.matrix import Kind

    for language in i18n.LANGUAGES[1:]:
        with i18n.using(language):
            left = [
                k.value
                for k in Kind
                if i18n.term("concession", k.value) == k.value.replace("_", " ")
            ]
            assert left == [], (language, left)


def test_a_text_in_a_field_kept_as_written_still_reads_in_its_words() -> None:
    """A path is kept as written, but a Text put in its place is the product's own words
    (`renewals contract verify`'s "(no file)")."""
    said = i18n.Text(
        "contract {id}: {problem} ({path})", id=1, problem="x", path=i18n.Text("no file")
    )
    kept = i18n.Text("contract {id}: {problem} ({path})", id=1, problem="x", path="no file")
    with i18n.using("de"):
        assert i18n.tr(said).endswith("(keine Datei)") and i18n.tr(kept).endswith("(no file)")


def test_a_short_stored_message_reads_back_with_a_figure_at_each_place() -> None:
    """A template with little fixed text ("{low:g}-{high:g} days", "{n} days") is read back
    from its English when each place holds a figure, and only then: "many days" is no
    stored "{n} days" (a place of a short template matches no words)."""
    for language, days in (("de", "14-30 Tage"), ("id", "14-30 hari"), ("ms", "14-30 hari")):
        with i18n.using(language):
            assert i18n.tr("14-30 days") == days
            assert i18n.tr("CSM plus manager, for 14-30 days").endswith(days)
            assert i18n.tr("many days") == "many days"
            assert i18n.tr("CSM plus manager, for many days").endswith("many days")
    with i18n.using("de"):
        assert i18n.tr("1,234 days") == "1.234 Tage" and i18n.tr("90 days") == "90 Tage"


# ------------------------------------------------------------------ the catalogues


def test_every_catalogue_is_complete_and_compiled() -> None:
    """No missing or fuzzy message, none left in English (names and rule IDs aside), the
    placeholders kept, and each .mo compiled from its .po as it is now."""
    reports = catalogues.check()
    assert [r.language for r in reports] == ["de", "id", "ms"]
    for report in reports:
        assert report.messages > 250
        assert report.ok, (
            report.language,
            report.missing[:5],
            report.fuzzy[:5],
            report.english[:5],
            report.placeholders[:5],
            report.stale_mo,
        )


def test_the_template_has_every_message_of_the_code(tmp_path: Path) -> None:
    """A string wrapped in code or a template but not extracted (so not translated) fails:
    extracting again gives the same messages as the committed messages.pot."""
    out = tmp_path / "messages.pot"
    catalogues.extract(out)

    def ids(path: Path) -> set[tuple[str | None, object]]:
        with path.open("rb") as handle:
            return {(m.context, m.id) for m in read_po(handle) if m.id}

    fresh, committed = ids(out), ids(catalogues.TEMPLATE)
    assert fresh - committed == set(), "run python -m renewals.kit.catalogues extract update"
    assert committed - fresh == set(), "run python -m renewals.kit.catalogues extract update"


def test_every_stored_value_shown_as_a_word_has_its_term() -> None:
    terms = set(TERMS)
    for context, enum in (
        ("stage", Stage),
        ("segment", Segment),
        ("opportunity", OpportunityType),
        ("motion", Motion),
        ("outcome", Outcome),
        ("role", Role),
        ("badge", Category),
        ("badge", Risk),
        ("economics", Verdict),
        ("retention", Retention),
        ("escalation", EscalationStatus),
    ):
        for member in enum:
            assert (context, member.value) in terms, (context, member.value)


# The attributes people read, checked like text: labels and descriptions read aloud
# (aria-*), hints, tooltips, image texts, option-group labels, in double or single quotes;
# and the words of an <input> button (its value).
READ_ATTRIBUTES = re.compile(
    r"""(?<![\w-])(?:aria-(?:label|description|roledescription|placeholder|valuetext)"""
    r"""|placeholder|title|alt|label)=(["'])(.*?)\1""",
    re.S,
)
BUTTON_INPUT = re.compile(r"""<input\b[^>]*\btype=(["'])(?:submit|button|reset)\1[^>]*>""", re.S)
VALUE = re.compile(r"""(?<![\w-])value=(["'])(.*?)\1""", re.S)


def read_attributes(markup: str) -> list[str]:
    """The values of the attributes people read in `markup` (READ_ATTRIBUTES, button values)."""
    found = [m.group(2) for m in READ_ATTRIBUTES.finditer(markup)]
    for button in BUTTON_INPUT.finditer(markup):
        found += [m.group(2) for m in VALUE.finditer(button.group(0))]
    return found


def _untranslated_text(source: str) -> list[str]:
    """Words in a template outside Jinja tags: text between HTML tags and the values of the
    attributes people read (aria-label, placeholder, title, alt)."""
    text = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    attrs = read_attributes(text)
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"""[\w-]+=(["']).*?\1""", " ", text)  # attributes a macro writes into a tag
    found = []
    for chunk in [text, *(re.sub(r"\{\{.*?\}\}", " ", a) for a in attrs)]:
        chunk = html.unescape(chunk)
        chunk = re.sub(r"\b[A-Z]+-\d+(\.\.\d+)?\b", " ", chunk)  # rule IDs
        found += re.findall(r"[A-Za-z]{2,}", chunk)
    return found


@pytest.mark.parametrize("name", TRANSLATED_TEMPLATES)
def test_translated_templates_have_no_text_outside_the_i18n_tags(name: str) -> None:
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    # Names: the product's (the brand in the top bar and the title), a metric's, the API's, a file format.
    left = [
        w for w in _untranslated_text(source) if w not in {"renewals", "ROC", "AUC", "API", "PDF"}
    ]
    assert left == [], (name, left)


def test_a_word_in_a_template_reads_in_each_readers_language() -> None:
    """`"overdue"|term("badge")` has constant arguments: compiled once, it must still read
    in the language of each later request (Jinja folds constant plain filters)."""
    import jinja2

    env = jinja2.Environment()
    install_i18n(env)
    template = env.from_string('{{ "overdue"|term("badge") }} · {{ "Sign out"|tr }}')
    assert template.render() == "overdue · Sign out"
    with i18n.using("de"):
        assert template.render() == "überfällig · Abmelden"
    with i18n.using("ms"):
        assert template.render() == "lewat · Log keluar"


def test_the_pages_words_are_direct_calls_and_their_values_still_escaped() -> None:
    """The pages' code generator calls `_`/`ngettext`/`{% trans %}` directly and prints
    their Markup as it is (issue 22, render time): the words read in each request's
    language, a value filled in is escaped, and a template's own `_` is escaped as any
    value."""
    import jinja2

    env = jinja2.Environment()
    install_i18n(env)
    source = (
        '{{ _("Tasks") }}|{{ _("by %(who)s", who=who) }}|'
        "{% trans num=2 %}{{ num }} row{% pluralize %}{{ num }} rows{% endtrans %}|"
        '{% for t in [1] %}{{ _("Done") }}{% endfor %}'
    )
    code = env.compile(source, raw=True)
    assert "context.call(" not in code and "escape(_" not in code
    template = env.from_string(source)
    assert template.render(who="<b>Ann</b>") == "Tasks|by &lt;b&gt;Ann&lt;/b&gt;|2 rows|Done"
    with i18n.using("de"):
        assert template.render(who="Ann &") == "Aufgaben|von Ann &amp;|2 Zeilen|Erledigt"
    shadowed = '{% set _ = f %}{{ _("x") }}'
    assert "escape(context.call(" in env.compile(shadowed, raw=True)
    shadowed = env.from_string(shadowed)
    assert shadowed.render(f=lambda s: f"<i>{s}</i>") == "&lt;i&gt;x&lt;/i&gt;"


def test_a_page_compiled_for_a_language_has_its_fixed_words_as_text() -> None:
    """A page is compiled once per language (kit.templates.in_language, issue 22 render
    time): its fixed words (`_("Done")`, a `{% trans %}` without values, a word passed to
    a macro) are part of the compiled page, in that language, with no call left; words
    with values are still filled in when shown, escaped; includes and layouts are compiled
    in the page's language; each language's page reads as the same page without it."""
    import jinja2

    from renewals.kit.templates import in_language

    env = jinja2.Environment(
        loader=jinja2.DictLoader(
            {
                "page.html": (
                    '{% from "_m.html" import head %}{{ head(_("Owner")) }}|{{ _("Done") }}|'
                    '{% trans %}Snooze{% endtrans %}|{{ _("by %(who)s", who=who) }}|'
                    '{% include "_part.html" %}'
                ),
                "_m.html": "{% macro head(label) %}<th>{{ label }}</th>{% endmacro %}",
                "_part.html": '{{ _("Tasks") }}',
            }
        )
    )
    install_i18n(env)
    code = env.compile(
        env.loader.get_source(env, "page.html")[0], in_language("page.html", "de"), raw=True
    )
    assert "Erledigt" in code and "'Done'" not in code
    assert "Markup('Zuständig')" in code  # the macro's argument too
    de = {w: i18n.translate("de", w) for w in ("Snooze", "by %(who)s", "Tasks")}
    for language, words in [
        ("en", "<th>Owner</th>|Done|Snooze|by &lt;i&gt;|Tasks"),
        (
            "de",
            f"<th>Zuständig</th>|Erledigt|{de['Snooze']}|"
            f"{de['by %(who)s'] % {'who': '&lt;i&gt;'}}|{de['Tasks']}",
        ),
    ]:
        with i18n.using(language):
            page = env.get_template(in_language("page.html", language))
            assert page.render(who="<i>") == words
            assert env.get_template("page.html").render(who="<i>") == words
    # the include was compiled for the page's language, apart from the one without it
    with i18n.using("id"):
        indonesian = env.get_template(in_language("page.html", "id"))
        assert indonesian.render(who="x").endswith(i18n.translate("id", "Tasks"))
    assert indonesian.name == "@id/page.html"
    assert {name for _loader, name in env.cache} >= {"@id/_part.html", "@de/_m.html"}


def test_words_with_values_are_compiled_as_text_of_the_language() -> None:
    """A page compiled for one language also holds the words of a message with values as
    text (`_("Note for task %(id)s", id=t.task_id)` on every row of the task queue): the
    language's words cut at their places, each value escaped as the call would (issue 22
    render time). A place other than `%(name)s` (`%(n)d`) or a name twice keeps the call.
    Each language's page reads exactly as the page compiled without a language."""
    import jinja2
    from markupsafe import Markup

    from renewals.kit.templates import in_language

    page = (
        '{{ _("by %(who)s", who=who) }}|{{ _("Note for task %(id)s", id=n) }}|'
        '{{ _("%(a)s of %(b)s is 100%%", a=who, b=safe) }}|{{ _("%(n)d left", n=n) }}|'
        '{{ _("%(x)s and %(x)s", x=who) }}|{{ kind(_("by %(who)s", who=safe)) }}|'
        '{{ _("by %(who)s", who=nothing) }}|{% trans name=who %}Hello {{ name }}{% endtrans %}'
    )
    env = jinja2.Environment(loader=jinja2.DictLoader({"page.html": page}))
    install_i18n(env)  # escapes, as the pages do
    code = env.compile(page, in_language("page.html", "de"), raw=True)
    assert "'Note for task %(id)s'" not in code and "'Notiz zu Aufgabe '" in code
    assert "'%(n)d left'" in code and "'%(x)s and %(x)s'" in code  # kept as calls
    values = {
        "who": "<i>&",
        "safe": Markup("<b>ok</b>"),
        "n": 7,
        "nothing": None,
        "kind": lambda m: f"{type(m).__name__}:{m}",
    }
    for language in i18n.LANGUAGES:
        with i18n.using(language):
            compiled = env.get_template(in_language("page.html", language)).render(**values)
            assert compiled == env.get_template("page.html").render(**values)
    with i18n.using("en"):
        assert env.get_template(in_language("page.html", "en")).render(**values) == (
            "by &lt;i&gt;&amp;|Note for task 7|&lt;i&gt;&amp; of <b>ok</b> is 100%|7 left|"
            "&lt;i&gt;&amp; and &lt;i&gt;&amp;|"
            "Markup:by &lt;b&gt;ok&lt;/b&gt;|by None|Hello &lt;i&gt;&amp;"
        )


def test_the_untranslated_text_check_can_fail() -> None:
    assert _untranslated_text('<p>{{ _("Fine") }} Not fine</p>') == ["Not", "fine"]
    assert _untranslated_text('<input placeholder="any">') == ["any"]
    assert _untranslated_text("<img alt='a chart'>") == ["chart"]
    assert _untranslated_text('<div aria-description="Read aloud">') == ["Read", "aloud"]
    assert _untranslated_text('<optgroup label="Old ones">') == ["Old", "ones"]
    assert _untranslated_text('<input type="submit" value="Save it">') == ["Save", "it"]
    assert _untranslated_text('<input type="hidden" value="abc">') == []
    assert _untranslated_text('<div data-label="x">') == []
    assert _untranslated_text('<p>{{ _("Fine") }} (TECH-5) · 3</p>') == []


# ------------------------------------------------------------------ the pages, per role


def _visible_text(page: str) -> str:
    """What a person reads on a page, without what stays as written in any language: code,
    and the customers' own words (marked `translate="no"`, HTML's own attribute for it)."""
    page = re.sub(r"<script.*?</script>|<style.*?</style>|<code>.*?</code>", " ", page, flags=re.S)
    page = re.sub(r'<(\w+)[^>]*\btranslate="no"[^>]*>.*?</\1>', " ", page, flags=re.S)
    labels = " ".join(read_attributes(page))
    text = re.sub(r"<[^>]*>", " ", page) + " " + labels
    return re.sub(r"\s+", " ", html.unescape(text))


PAGES = {
    "csm": ("/home", "/renewals", "/accounts", "/accounts/{account}", "/tasks", "/outbox"),
    "manager": ("/manager", "/renewals", "/accounts", "/tasks", "/approvals", "/outbox"),
    "director": ("/executive",),
}
EXPECTED = {
    "en": ("My renewals", "Sign out"),
    "de": ("Meine Verlängerungen", "Abmelden"),
    "id": ("Perpanjangan saya", "Keluar"),
    "ms": ("Pembaharuan saya", "Log keluar"),
}


@pytest.fixture
def book(books: Books, engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = built_book(books, engine, tmp_path)
    return engine, settings, people(engine)


# SQLite only (issue 14: 90 s on PostgreSQL as well, of the busy shared machine): the words
# come from the catalogues whatever the database; the same pages' queries run on PostgreSQL
# for every role in test_route_matrix.py, test_page_fuzz.py and test_list_parity.py.
@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_each_role_reads_its_main_pages_in_each_language(book, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, settings, who = book
    emails = {"csm": who.csm, "manager": who.manager, "director": who.director}
    account = _richest_account(engine, who.csm)
    # the policy's own words (ownership rules, playbook steps, health guards) are the team's
    # text, written in the language the team chose; they are not in the catalogue
    own_words = _policy_texts(policy_service.load(settings.policy_file))
    english_seen: set[str] = set()
    for language in i18n.LANGUAGES:
        with session_scope(engine) as session:
            for email in emails.values():
                session.get(User, email).language = language
        phrases = _english_phrases(language) if language != "en" else set()
        for role, email in emails.items():
            client, _ = client_for(settings, email)
            with client:
                for path in PAGES[role]:
                    path = path.format(account=account)
                    response = client.get(path, params={"as_of": TODAY.isoformat()})
                    assert response.status_code == 200, (language, role, path)
                    assert f'<html lang="{language}">' in response.text
                    text = _visible_text(response.text)
                    for words in own_words:
                        text = text.replace(words, " ")
                    for expected in EXPECTED[language]:
                        assert expected in text, (language, role, path, expected)
                    left = _english_left(phrases, text)
                    assert left == [], (language, role, path, left)
                    if language == "en":
                        english_seen |= set(_english_left(_english_phrases("de"), text))
    # the check can fail: the English pages show many of the catalogue's phrases
    assert len(english_seen) > 60, len(english_seen)
    _the_cli_explains_in_each_language(engine, settings)
    _the_commands_people_read_in_each_language(settings)


# What a person reads from the commands other than `health` and `renewal` (issue 22): the
# daily run's steps, the book's summary, an error. Names, ids and job names stay as they are.
COMMANDS_READ = (
    ("status", "--as-of", TODAY.isoformat()),
    ("tasks", "list", "--as-of", TODAY.isoformat(), "--limit", "40"),
    ("outbox", "list", "--limit", "40"),
    ("outbox", "allowances"),
    ("forecast", "--as-of", TODAY.isoformat()),
    ("forecast", "overrides"),
    ("signals", "detect", "--vocabulary-only", "We must cut costs; the budget is gone."),
    ("user", "list"),
    ("saves", "list"),
    ("concession", "report", "--as-of", TODAY.isoformat()),
    ("proposal", "list"),
    ("contract", "list"),
    ("winloss", "report", "--as-of", TODAY.isoformat()),
)


def _the_commands_people_read_in_each_language(settings) -> None:  # type: ignore[no-untyped-def]
    run = _cli(settings)
    day = (TODAY + timedelta(days=1)).isoformat()
    english = {args: run(*args) for args in COMMANDS_READ}
    english["run"] = run("run", "--as-of", day)
    assert "accounts scored:" in english["run"] and "Book of business" in english[COMMANDS_READ[0]]
    for language in ("de", "id", "ms"):
        phrases = _english_phrases(language)
        said = {args: run("--language", language, *args) for args in COMMANDS_READ}
        said["run"] = run("--language", language, "run", "--as-of", day)
        for args, text in said.items():
            # commands, and the customers' own words (quoted), read the same in every language
            text = re.sub(r"`[^`]*`|\"[^\"\n]*\"", " ", text)
            left = _english_left(phrases, text)
            assert left == [], (language, args, left)
            assert len(_english_left(phrases, english[args])) >= 1, args  # it can fail
        error = run("--language", language, "run", "--job", "nope", code=2)
        assert "nope" in error and "unknown job" not in error, error
        # doctor: its findings and fixes (exit 1 when one is an error)
        doctor = re.sub(
            r"`[^`]*`", " ", run("--language", language, "doctor", "--no-smtp", code=None)
        )
        left = _english_left(phrases, " ".join(doctor.split()))
        assert left == [], (language, "doctor", left)
        error = run("--language", language, "tasks", "done", "999999", "--by", "x@y", code=1)
        assert "999999" in error and "no task" not in error and "error:" not in error, error
    # figures the language's way: 1.234 in German and Indonesian, 1,234 in Malay
    status = {lang: run("--language", lang, *COMMANDS_READ[0]) for lang in ("de", "ms")}
    arr = re.search(r"ARR ([\d.,]+) ", status["de"])
    assert arr and "." in arr.group(1) and "," not in arr.group(1), status["de"]
    assert f"ARR {arr.group(1).replace('.', ',')} " in status["ms"]


def _every_command() -> list[list[str]]:
    """The root and every command and sub-command of `renewals` (groups within groups), as
    the words that name them."""
    import typer.main

    from renewals.cli import COMMANDS

    root: Any = typer.main.get_command(app)
    ctx: Any = typer.Context(root)
    found: list[list[str]] = [[]]

    def walk(command: Any, path: list[str]) -> None:
        found.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*path, name])

    for lazy in COMMANDS:
        walk(root.get_command(ctx, lazy.name), [lazy.name])
    return found


@pytest.fixture(scope="session")
def english_help(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], str]:
    """The English help of the root and every command and sub-command, each checked to be
    the same with or without `--language en` (docs/cli.md is generated from it). The same
    in every language's test, so made once for the whole run (tests/books.py: once_per_run)
    instead of twice per command in each of them: rendering the help is most of their time
    (issue 14)."""

    def build(directory: Path) -> None:
        settings = type(
            "S", (), {"database_url": f"sqlite:///{directory}/x.db", "data_dir": directory}
        )
        run = _cli(settings)
        helps = []
        for args in _every_command():
            english = run(*args, "--help")
            assert run("--language", "en", *args, "--help") == english, args
            helps.append((args, english))
        (directory / "help.json").write_text(json.dumps(helps), "utf-8")

    root = once_per_run(tmp_path_factory, "english-help", build)
    return {tuple(args): text for args, text in json.loads((root / "help.json").read_text())}


@pytest.mark.parametrize("language", ["de", "id", "ms"])
def test_the_help_reads_in_the_language_and_the_english_is_unchanged(
    language: str, tmp_path: Path, english_help: dict[tuple[str, ...], str]
) -> None:
    """`renewals --language de --help` and the help of every command and sub-command
    (HELP_TRANSLATED: all of them): no English phrase of the catalogue left (commands and
    examples aside); the English help the same with or without `--language en`
    (docs/cli.md is generated from it: checked once for every language, `english_help`)."""
    from renewals.cli import COMMANDS, HELP_TRANSLATED

    assert set(HELP_TRANSLATED) == {"", *(c.name for c in COMMANDS)}
    settings = type("S", (), {"database_url": f"sqlite:///{tmp_path}/x.db", "data_dir": tmp_path})
    run = _cli(settings)
    phrases = _english_phrases(language)
    checked = 0
    for args in _every_command():
        english = english_help[tuple(args)]
        said = run("--language", language, *args, "--help")
        assert said != english, args
        # commands, examples, quoted phrases, file names, date formats, policy keys and codes
        # (`contracts.standard_term_months`) and an option's values (`good | strained |
        # damaged`: what one types) read the same in every language
        text = re.sub(
            r"`[^`]*`|renewals [^\n│]*|\"[^\"]*\"|\S+\.(?:csv|md|db)\b|YYYY-MM-DD"
            r"|\S*_\S*|\w+(?: \| \w+)+",
            " ",
            said,
        )
        left = _english_left(phrases, " ".join(text.split()))
        assert left == [], (language, args, left)
        assert len(_english_left(phrases, " ".join(english.split()))) >= 1, args  # it can fail
        checked += 1
    assert checked > 140, checked
    # the environment's locale decides too
    assert "Penggunaan:" in run("tasks", "--help", LANG="id_ID.UTF-8")


@pytest.mark.parametrize("language", ["de", "id", "ms"])
def test_the_policy_meanings_read_in_the_language(language: str, tmp_path: Path) -> None:
    """`renewals policy show`'s "meaning" column: every description of the policy's schema
    is a catalogue message (extracted by policy.service.extract_meanings) and reads in the
    language; `--json` keeps the English (machine output)."""
    with catalogues.TEMPLATE.open("rb") as handle:
        template = read_po(handle)
    meanings = policy_service.meanings()
    shown = {e.description for e in policy_service.entries(policy_service.load()) if e.description}
    assert shown and shown <= set(meanings), sorted(shown - set(meanings))
    assert len(meanings) > 300, len(meanings)
    assert [m for m in meanings if template.get(m) is None] == []
    with i18n.using(language):
        left = [m for m in meanings if i18n.tr(m) == m]
    assert left == [], left
    settings = type("S", (), {"database_url": f"sqlite:///{tmp_path}/x.db", "data_dir": tmp_path})
    run = _cli(settings)
    english = "lowest ARR in the band (inclusive)"
    with i18n.using(language):
        said = i18n.tr(english)
    table = run("--language", language, "policy", "show", "--rule", "SEG-1")
    assert said in table and english not in table, table
    assert english in run("policy", "show", "--rule", "SEG-1")  # it can fail
    lines = run("--language", language, "policy", "show", "--rule", "SEG-1", "--json")
    assert all(json.loads(line)["meaning"] in meanings for line in lines.splitlines())


def _policy_texts(policy: Policy) -> list[str]:
    """Every sentence of the policy (strings with a space), longest first."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            if " " in value:
                found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                walk(item)

    walk(policy.model_dump())
    assert len(found) > 10, len(found)
    return sorted(found, key=len, reverse=True)


def _richest_account(engine: Engine, owner: str) -> str:
    """The owner's account with the most to read: an open at-risk renewal (decisions,
    triage, tasks) and a health score."""
    with session_scope(engine) as session:
        found = session.scalars(
            select(Renewal.account_id)
            .join(HealthSnapshot, HealthSnapshot.account_id == Renewal.account_id)
            .where(
                Renewal.owner_email == owner,
                Renewal.outcome.is_(None),
                Renewal.opportunity_type == "at_risk",
            )
            .order_by(Renewal.account_id)
        ).first()
        if found is None:
            found = session.scalars(
                select(Renewal.account_id).where(Renewal.owner_email == owner)
            ).first()
    assert found
    return found


def _the_cli_explains_in_each_language(engine: Engine, settings) -> None:  # type: ignore[no-untyped-def]
    """`renewals health ACC --language id` and `renewals renewal R --language de` (and ms):
    no English phrase of the catalogue left; rule IDs as they are; the English output and
    --json unchanged by the option."""
    with session_scope(engine) as session:
        account = session.scalars(
            select(HealthSnapshot.account_id)
            .where(HealthSnapshot.category == "red")
            .order_by(HealthSnapshot.account_id)
        ).first()
        renewal = session.scalars(
            select(Renewal.renewal_id)
            .where(Renewal.opportunity_type == "at_risk")
            .order_by(Renewal.renewal_id)
        ).first()
    assert account and renewal
    run = _cli(settings)

    english = {
        "health": run("health", account, "--as-of", TODAY.isoformat()),
        "renewal": run("renewal", renewal, "--as-of", TODAY.isoformat()),
    }
    assert "HEALTH-1: weighted mean of" in english["health"]
    assert "SEG-1: ARR" in english["renewal"] and "Decisions and why" in english["renewal"]
    # the customer's timeline (TIME-6) is in the customer's language, whoever reads it
    timeline = " ".join(json.loads(run("renewal", renewal, "--json"))["customer_timeline"].split())
    for language in ("de", "id", "ms"):
        phrases = _english_phrases(language)
        said = {
            "health": run("health", account, "--as-of", TODAY.isoformat(), "--language", language),
            "renewal": run(
                "renewal", renewal, "--as-of", TODAY.isoformat(), "--language", language
            ),
        }
        # every word but the timeline to share with the customer (TIME-6), which is in the
        # customer's language, and the customers' own words (signal evidence)
        said["renewal"] = " ".join(said["renewal"].split()).replace(timeline, " ")
        for command, text in said.items():
            left = _english_left(phrases, text)
            assert left == [], (language, command, left)
            assert len(_english_left(phrases, english[command])) > 5  # it can fail
            assert "HEALTH-" in text or "SEG-" in text  # rule IDs stay as they are
        # SEG-1's figures the language's way (kit.locale): 70.649 in German and Indonesian
        seg1 = re.search(r"SEG-1: ARR ([\d.,]+) ", said["renewal"])
        assert seg1, said["renewal"]
        english_arr = re.search(r"SEG-1: ARR ([\d.,]+) ", english["renewal"])
        assert english_arr and "," in english_arr.group(1)
        assert seg1.group(1) == locale.localise_number(english_arr.group(1), language)
    assert "rata-rata tertimbang" in run("health", account, "--language", "id")
    assert "Entscheidungen und Gründe" in run("renewal", renewal, "--language", "de")
    # the locale decides when no option does; --json is for machines, in any language
    assert "Entscheidungen und Gründe" in run("renewal", renewal, LANG="de_DE.UTF-8")
    assert run("renewal", renewal, "--json", "--language", "de") == run(
        "renewal", renewal, "--json"
    )
    run("health", account, "--language", "fr", code=2)
    # the quarterly review (LEARN-1..3) and the program (MET-2) read in the language too
    day = TODAY.isoformat()
    review = {
        lang: run("--language", lang, "review", "quarter", "--as-of", day) for lang in ("en", "de")
    }
    assert "What worked" in review["en"] and "Where renewals stalled (LEARN-2)" in review["en"]
    assert (
        "Was funktioniert hat" in review["de"] and "Wo Verlängerungen ins Stocken" in review["de"]
    )
    assert "What worked" not in review["de"] and "Risk calls" not in review["de"]
    program_de = run("--language", "de", "review", "program", "--as-of", day)
    assert "Verlängerungsprogramm (MET-2)" in program_de
    assert (
        "Befugnisse für Zugeständnisse" in program_de and "Concession authority" not in program_de
    )


def test_the_browser_language_is_the_default_and_the_profile_wins(book) -> None:  # type: ignore[no-untyped-def]
    engine, settings, who = book
    client, csrf = client_for(settings, who.csm)
    with client:
        page = client.get("/home", headers={"Accept-Language": "ms-MY,ms;q=0.9,en;q=0.5"})
        assert '<html lang="ms">' in page.text and "Pembaharuan saya" in page.text
        response = client.post(
            "/profile", data={"language": "de", "csrf_token": csrf}, follow_redirects=False
        )
        assert response.status_code == 303
        page = client.get("/home", headers={"Accept-Language": "ms"})
        assert '<html lang="de">' in page.text and "Meine Verlängerungen" in page.text
        profile = client.get("/profile")
        assert re.search(r'value="de"[^>]* selected', profile.text)
        client.post("/profile", data={"language": "", "csrf_token": csrf})
        page = client.get("/home", headers={"Accept-Language": "id"})
        assert '<html lang="id">' in page.text
    with session_scope(engine) as session:
        assert session.get(User, who.csm).language is None


def test_a_value_in_percent_reads_the_languages_way_in_the_cli() -> None:
    # one helper for a discount already in percent (kit.cli.in_percent), English as `{x:g}%`
    from renewals.kit.cli import in_percent

    assert [in_percent(v) for v in (12.5, 15, 15.0, 12.25, None)] == [
        "12.5%",
        "15%",
        "15%",
        "12.25%",
        "-",
    ]
    with i18n.using("de"):
        assert in_percent(12.5) == "12,5 %"
