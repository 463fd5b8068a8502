"""Text signals (SIG-2..8) in English, German, Indonesian and Malay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from renewals.cli import app
from renewals.demo import texts
from renewals.signal.text import LANGUAGES, detect, detect_language, sentences

DATA = Path(__file__).resolve().parents[1] / "data"


def kinds(text: str) -> set[str]:
    return {s.signal for s in detect(text)}


class TestSourcePhrases:
    """The phrases the source articles quote, in their own languages (DOMAIN.md section 3)."""

    @pytest.mark.parametrize(
        ("text", "kind", "language"),
        [
            ("We need to cut costs.", "budget", "en"),
            ("Wir müssen Kosten senken.", "budget", "de"),
            ("Kami perlu memotong biaya.", "budget", "id"),
            ("Kami perlu potong kos kerana bajet ketat.", "budget", "ms"),
            ("How do you compare to Churnly?", "competitive", "en"),
            ("Wie vergleichen Sie sich mit Kundenwerk?", "competitive", "de"),
            ("Bagaimana Anda dibandingkan dengan PelangganKu?", "competitive", "id"),
            ("Anna hat das Unternehmen verlassen.", "stakeholder_change", "de"),
            ("Customer announced layoffs and a reorganisation.", "business_change", "en"),
            ("Ini masalah yang sama yang kami laporkan minggu lalu.", "negative_feedback", "id"),
            ("Cancelled by the customer at short notice.", "engagement_drop", "en"),
            (
                "Pengguna aktif semakin kurang, penggunaan menurun sejak Julai.",
                "usage_decline",
                "ms",
            ),
        ],
    )
    def test_it_finds_the_kind_in_the_language(self, text: str, kind: str, language: str) -> None:
        found = {s.signal: s for s in detect(text)}
        assert kind in found, text
        assert found[kind].language == language
        assert found[kind].rule.startswith("SIG-")

    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            ("It has become far too expensive for us.", "budget"),
            ("Das ist uns inzwischen zu teuer.", "budget"),
            ("Harganya terlalu mahal untuk tim kecil kami.", "budget"),
            ("Our champion left last month.", "stakeholder_change"),
            ("Budi sudah resign per akhir bulan.", "stakeholder_change"),
            ("Encik Faizal telah meletak jawatan minggu lepas.", "stakeholder_change"),
            # issue 18, fourth round: families new wording keeps using (lexicon._MORE)
            ("The night shift went back to paper checklists in October.", "usage_decline"),
            ("Die Disponenten sind zu ihren alten Tabellen zurückgekehrt.", "usage_decline"),
            ("Tim gudang balik lagi ke kertas sejak bulan lalu.", "usage_decline"),
            ("The mobile app froze for the fourth time this month.", "negative_feedback"),
            ("The logistics group was acquired by a French carrier in May.", "stakeholder_change"),
            ("Die Praxis wurde im Sommer von einer Klinikkette übernommen.", "stakeholder_change"),
            ("Klinik itu diambil alih oleh grup rumah sakit swasta.", "stakeholder_change"),
            ("They turned down our invitation to the pilot of the new planner.", "engagement_drop"),
            ("Their software spend is frozen until the new financial year.", "budget"),
            ("Bajet perisian mereka dibekukan sehingga tahun kewangan baharu.", "budget"),
        ],
    )
    def test_inflections_and_paraphrases(self, text: str, kind: str) -> None:
        assert kind in kinds(text)


class TestNoise:
    @pytest.mark.parametrize(
        "text",
        [
            "No complaints so far, the team is happy.",
            "Der Preis ist nicht zu hoch.",
            "Harganya tidak terlalu mahal.",
            "Tidak ada keluhan dari tim mereka.",
            "Budget approved for next year.",
            "The champion introduced her manager at the QBR.",
            "Your reports helped us cut costs in our own support team.",
            "We compared three vendors last year and chose you.",
            "Die Beschwerde vom letzten Monat ist erledigt.",
            "Meeting moved to Thursday at their request, new date confirmed.",
            "Usage is up 20% since the training.",
        ],
    )
    def test_negations_and_hard_negatives_are_not_signals(self, text: str) -> None:
        assert kinds(text) == set(), text


class TestTroubleThatIsOver:
    """Issue 18: the words of a signal beside the news that it ended (a problem fixed and not
    back, a seasonal dip that recovered, a promotion that keeps the contact, a renewal signed,
    the customer's own competitor) are vetoed per language (lexicon._OVER, _STAYS, _APPROVED,
    _NOT_OUR_RIVAL): the phrase still matches, the sentence gives no signal of its kind."""

    @pytest.mark.parametrize(
        ("text", "kind", "language"),
        [
            (
                "Usage dropped in August as it does every year and is back to normal now.",
                "usage_decline",
                "en",
            ),
            (
                "Support used to be slow and frustrating, but this month every ticket was answered within an hour.",
                "negative_feedback",
                "en",
            ),
            (
                "Our champion was promoted to COO and remains our main contact.",
                "stakeholder_change",
                "en",
            ),
            ("A competitor of ours asked which tool we use for scheduling.", "competitive", "en"),
            (
                "Die Nutzung ist im August wie jedes Jahr gesunken und liegt wieder auf dem normalen Niveau.",
                "usage_decline",
                "de",
            ),
            (
                "Unser Champion wurde befördert und bleibt unser Ansprechpartner.",
                "stakeholder_change",
                "de",
            ),
            (
                "Penggunaan turun selama libur sekolah seperti biasa dan sudah normal lagi.",
                "usage_decline",
                "id",
            ),
            (
                "Harga naik tahun ini, tapi kontrak perpanjangan sudah ditandatangani.",
                "budget",
                "id",
            ),
            (
                "Penggunaan menurun semasa cuti sekolah seperti biasa dan kini kembali normal.",
                "usage_decline",
                "ms",
            ),
        ],
    )
    def test_the_phrase_matches_but_the_sentence_is_vetoed(
        self, text: str, kind: str, language: str
    ) -> None:
        from renewals.signal.text import _first_hit, _patterns

        assert detect_language(text) == language
        assert _first_hit(text, _patterns(language)[kind], language) is not None, text
        assert kind not in kinds(text), text

    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            # a fix promised, and the trouble back: still a signal
            ("Same bug again this morning, although they said it was fixed.", "negative_feedback"),
            ("The same bug is back again, two weeks after it was fixed.", "negative_feedback"),
            (
                "Pepijat yang sama berlaku lagi, walhal pasukan sokongan kata dah dibaiki bulan lepas.",
                "negative_feedback",
            ),
            # a reply that used to come fast and no longer does: silence, not a recovery
            (
                "Dulu Encik Tan balas e-mel dalam sejam, sekarang seminggu pun belum tentu dapat jawapan.",
                "engagement_drop",
            ),
            # an approval still to come is no approval
            ("Finance minta kami buktiin ROI-nya dulu sebelum perpanjangan disetujui.", "budget"),
        ],
    )
    def test_trouble_that_is_not_over_stays_a_signal(self, text: str, kind: str) -> None:
        assert kind in kinds(text), text


class TestEvidence:
    def test_each_signal_quotes_its_own_sentence(self) -> None:
        text = "Great QBR last week. Sadly our champion has left the company! Budget is fine."
        [found] = detect(text)
        assert found.signal == "stakeholder_change"
        assert found.evidence == "Sadly our champion has left the company!"
        assert found.matched.lower() in found.evidence.lower()

    def test_one_signal_per_kind_per_text(self) -> None:
        found = detect("Too expensive. The price is too high. We need to cut costs.")
        assert [s.signal for s in found] == ["budget"]
        assert found[0].evidence == "Too expensive."

    def test_a_sentence_shared_by_texts_is_matched_once(self) -> None:
        """Issue 20: texts repeat sentences (greetings, templates, a quoted remark); each
        sentence of a language is matched against the vocabulary once, and every text still
        finds what it finds alone, its first sentence of each kind as evidence."""
        from renewals.signal import text as text_module

        shared = "Sadly our champion has left the company!"
        first = f"Great QBR last week. {shared} Too expensive."
        second = f"The price is too high. {shared}"
        alone = [detect(first), detect(second)]
        text_module._sentence_hits.cache_clear()
        together = [detect(first), detect(second)]
        assert together == alone
        assert [s.evidence for s in together[1]] == ["The price is too high.", shared]
        info = text_module._sentence_hits.cache_info()
        assert (info.misses, info.hits) == (4, 1)  # five sentences, four different

    def test_languages_matching_the_same_vocabularies_share_their_screens(self) -> None:
        """Issue 20: compiling the screens was most of the vocabulary's fixed cost a process;
        Indonesian and Malay match the same three vocabularies (in another order, which a
        screen's "matches somewhere" does not depend on), so they compile them once."""
        from renewals.signal import text as text_module

        assert text_module._screens("id") is text_module._screens("ms")
        assert text_module._screens("de") is not text_module._screens("en")
        for sentence, language in [
            ("Kami perlu potong kos kerana bajet ketat.", "ms"),
            ("Kami perlu memotong biaya.", "id"),
        ]:
            assert text_module._screens(language)["budget"].search(sentence)
            assert [s.signal for s in detect(sentence, language)] == ["budget"]

    def test_sentences_split_on_ends_and_lines(self) -> None:
        assert sentences('He said "no." Then left!\nNext line') == [
            'He said "no."',
            "Then left!",
            "Next line",
        ]

    def test_a_forced_language_must_be_known(self) -> None:
        with pytest.raises(ValueError, match="language must be one of"):
            detect("text", "fr")


class TestLanguage:
    @pytest.mark.parametrize(
        ("text", "language"),
        [
            ("The renewal is next month and the team is happy.", "en"),
            ("Die Verlängerung ist nächsten Monat und das Team ist zufrieden.", "de"),
            ("Kami belum bisa memutuskan karena anggaran masih direview.", "id"),
            ("Kami tidak boleh putuskan lagi kerana bajet masih disemak.", "ms"),
        ],
    )
    def test_it_tells_the_languages_apart(self, text: str, language: str) -> None:
        assert detect_language(text) == language


def labelled() -> list[dict]:  # type: ignore[type-arg]
    rows = []
    for path in sorted(DATA.glob("text_signals*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return rows


@pytest.mark.parametrize("language", LANGUAGES)
def test_labelled_set_precision_and_recall(language: str) -> None:
    """Issue 3 acceptance on the labelled set: precision >= 0.9, recall >= 0.8 per language.

    `benchmarks/text_signals.py` prints the same figures per split.
    """
    rows = [r for r in labelled() if r["language"] == language]
    assert len(rows) >= 80 and sum(not r["signals"] for r in rows) >= len(rows) // 2
    tp = fp = fn = 0
    for row in rows:
        found, truth = kinds(row["text"]), set(row["signals"])
        tp, fp, fn = tp + len(found & truth), fp + len(found - truth), fn + len(truth - found)
    assert tp / (tp + fp) >= 0.9, f"precision {tp / (tp + fp):.3f}"
    assert tp / (tp + fn) >= 0.8, f"recall {tp / (tp + fn):.3f}"


class TestCommand:
    runner = CliRunner()

    def test_detect_prints_json_lines_with_evidence(self, tmp_path: Path) -> None:
        result = self.runner.invoke(
            app,
            ["signals", "detect", "--json", "Wir müssen Kosten senken.", "All good here."],
            env={"RENEWALS_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"},
        )
        assert result.exit_code == 0, result.output
        lines = [json.loads(line) for line in result.output.splitlines()]
        assert lines == [
            {
                "text": 0,
                "signal": "budget",
                "rule": "SIG-5",
                "language": "de",
                "evidence": "Wir müssen Kosten senken.",
                "matched": "Kosten senken",
                "method": "vocabulary",
                "score": 1.0,
            }
        ]

    def test_a_plain_competitive_remark_is_never_vetoed(self, tmp_path: Path) -> None:
        # SIG-4: a miss costs a save; this one scored 0.10 by meaning and was vetoed at 0.45
        sentence = "We are evaluating other vendors and the budget was frozen."
        env = {"RENEWALS_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"}
        result = self.runner.invoke(app, ["signals", "detect", "--json", sentence], env=env)
        assert result.exit_code == 0, result.output
        found = {json.loads(line)["signal"] for line in result.output.splitlines()}
        assert found == {"competitive", "budget"}

    def test_detect_shows_the_vetoed_hits_with_their_reason(self, tmp_path: Path) -> None:
        sentence = "Our champion left for a two-week holiday and comes back on Monday."
        env = {"RENEWALS_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"}
        plain = self.runner.invoke(app, ["signals", "detect", "--json", sentence], env=env)
        assert plain.exit_code == 0 and plain.output == "", plain.output
        result = self.runner.invoke(
            app, ["signals", "detect", "--json", "--vetoed", sentence], env=env
        )
        assert result.exit_code == 0, result.output
        [line] = [json.loads(line) for line in result.output.splitlines()]
        assert (line["signal"], line["method"]) == ("stakeholder_change", "vetoed")
        assert line["matched"].startswith("reads like the negative example '")

    def test_an_unknown_language_is_a_usage_error(self) -> None:
        result = self.runner.invoke(app, ["signals", "detect", "--language", "fr", "x"])
        assert result.exit_code == 2
        assert "--language must be one of" in result.output


BANKS = {"en": texts.ENGLISH, "de": texts.GERMAN, "id": texts.INDONESIAN, "ms": texts.MALAY}
QUIET_FIELDS = (
    "comments_positive",
    "meetings_good",
    "qbrs_good",
    "calls_good",
    "emails",
    "trainings",
    "webinars",
    "betas",
    "checkin_notes",
    "win_notes",
    "goals",
)
RISK_FIELDS = {
    "competitor_remarks": "competitive",
    "competitor_notes": "competitive",
    "budget_remarks": "budget",
    "budget_notes": "budget",
    "leadership_notes": "stakeholder_change",
    "business_notes": "business_change",
}


def fill(template: str) -> str:
    return template.format(competitor="Gainway", name="Sam Lee", role="champion", date="3 May")


@pytest.mark.parametrize("language", LANGUAGES)
class TestDemoTextBanks:
    """The demo book's own texts: routine ones carry no signal, risk remarks their kind."""

    def test_routine_texts_carry_no_signal(self, language: str) -> None:
        bank = BANKS[language]
        quiet = [t for field in QUIET_FIELDS for t in getattr(bank, field)]
        quiet += [f"{subject}. {body}" for subject, body in bank.routine_tickets]
        noisy = {t: kinds(fill(t)) for t in quiet if kinds(fill(t))}
        assert noisy == {}

    def test_routine_texts_rarely_read_as_risk_by_meaning(self, language: str) -> None:
        """Issue 18: the semantic layer adds few false alarms on the demo's routine texts
        (measured: 2 of 153 templates over the four languages; allowed: 1 in 20 a language)."""
        from renewals.policy import service as policy_service
        from renewals.signal import semantic

        settings = semantic.settings_of(policy_service.load(None).signals.semantic)
        classifier = semantic.fit(semantic.shipped_bank(), settings)
        bank = BANKS[language]
        quiet = [fill(t) for field in QUIET_FIELDS for t in getattr(bank, field)]
        quiet += [f"{subject}. {body}" for subject, body in bank.routine_tickets]
        found = semantic.detect_both(quiet, classifier, settings)
        noisy = [t for t, signals in zip(quiet, found, strict=True) if signals]
        assert len(noisy) <= len(quiet) // 20, noisy

    def test_risk_remarks_carry_their_kind(self, language: str) -> None:
        bank = BANKS[language]
        for field, kind in RISK_FIELDS.items():
            for template in getattr(bank, field):
                assert kind in kinds(fill(template)), (field, template)
        assert "stakeholder_change" in kinds(fill(bank.champion_left))
        assert "engagement_drop" in kinds(fill(bank.cancelled))
        assert "engagement_drop" in kinds(fill(bank.no_show))
