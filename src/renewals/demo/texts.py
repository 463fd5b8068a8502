"""Text banks for the demo book in English, German, Indonesian and Malay.

Risk phrases are quoted from the source articles in `seeds/` where they exist
("Wir müssen Kosten senken", "Kami perlu memotong biaya", "Kami perlu potong kos",
"Bagaimana Anda dibandingkan dengan ...?", "menjimatkan masa kami", ...).
Templates use `{competitor}`, `{name}`, `{role}` and `{date}` placeholders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

Pairs = tuple[tuple[str, str], ...]
Phrases = tuple[str, ...]


def _words(text: str) -> Phrases:
    """A comma-separated list of names as a tuple."""
    return tuple(text.split(", "))


@dataclass(frozen=True)
class Texts:
    """Everything written in one language: tickets, surveys, interactions, goals, names."""

    routine_tickets: Pairs
    problem_tickets: Pairs
    repeat_remark: str
    competitor_remarks: Phrases
    budget_remarks: Phrases
    export_remarks: Phrases
    comments_positive: Phrases
    comments_neutral: Phrases
    comments_negative: Phrases
    meetings_good: Phrases
    meetings_bad: Phrases
    qbrs_good: Phrases
    qbrs_bad: Phrases
    calls_good: Phrases
    calls_bad: Phrases
    cancelled: str
    no_show: str
    emails: Phrases
    trainings: Phrases
    webinars: Phrases
    betas: Phrases
    upcoming_qbr: str
    upcoming_renewal: str
    checkin_notes: Phrases
    win_notes: Phrases
    champion_left: str
    role_labels: Mapping[str, str]
    leadership_notes: Phrases
    business_notes: Phrases
    competitor_notes: Phrases
    budget_notes: Phrases
    churn_note: str
    churn_competitor_note: str
    goals: Phrases
    first_names: Phrases
    last_names: Phrases


ENGLISH = Texts(
    routine_tickets=(
        (
            "How do I add a new user?",
            "Hi, we hired two new analysts. How do I add them and give them access to the dashboards?",
        ),
        (
            "Question about report scheduling",
            "Can reports be sent automatically every Monday morning to our team leads?",
        ),
        ("SSO setup help", "We want to switch our login to SSO. Is there a guide for Azure AD?"),
        ("Change billing contact", "Please update our billing contact to our new finance manager."),
        (
            "Custom field in dashboards",
            "Is it possible to show one of our custom fields on the account dashboard?",
        ),
        (
            "API rate limits",
            "What are the API rate limits on our plan? We are planning a nightly sync.",
        ),
        (
            "Training for new team members",
            "Do you offer a short onboarding session for the three people who joined this month?",
        ),
    ),
    problem_tickets=(
        (
            "Dashboard loads very slowly",
            "Our main dashboard takes more than a minute to load. The team loses time every morning.",
        ),
        (
            "CRM sync failing",
            "The CRM integration stopped syncing yesterday. Records are missing in both systems.",
        ),
        (
            "Automation ran twice",
            "Our renewal reminder automation sent every email twice to our customers. This is embarrassing.",
        ),
        ("Export times out", "Exporting the full account list times out after a few minutes."),
        (
            "Users cannot log in",
            "Several users get an error right after login and cannot reach the workspace.",
        ),
        (
            "Wrong numbers in usage report",
            "The usage report shows numbers that do not match our own data.",
        ),
        (
            "Alert emails not arriving",
            "Alert emails have not arrived at all since the last release.",
        ),
    ),
    repeat_remark="This is the same problem we reported on {date}. It is still not fixed.",
    competitor_remarks=(
        "How do you compare to {competitor}?",
        "What is your competitive advantage over {competitor}?",
        "We attended a {competitor} webinar last week; they have this built in.",
    ),
    budget_remarks=(
        "We need to cut costs.",
        "The price is too high.",
        "We are reviewing all vendors.",
        "Budget is tight next year.",
        "We need to show more ROI.",
    ),
    export_remarks=(
        "How can we export all our data, including the history?",
        "What does the migration process look like if we move our data to another tool?",
    ),
    comments_positive=(
        "Saves us time every week.",
        "The team loves it.",
        "Can't imagine working without it.",
        "Great support, quick answers.",
        "Prevents problems we didn't know we had.",
    ),
    comments_neutral=(
        "Does the job.",
        "Good, but reporting could be better.",
        "Okay overall, onboarding was slow.",
    ),
    comments_negative=(
        "Too complex.",
        "Too expensive for what we use.",
        "Support is slow.",
        "Same bugs again.",
        "Not worth it.",
    ),
    meetings_good=(
        "Walked through the new dashboards; the team is happy with adoption.",
        "Planned the rollout to a second team; they want more seats next year.",
        "Reviewed goals together: on track, and they want to expand automation.",
    ),
    meetings_bad=(
        "Tough meeting: users say the tool is too complex.",
        "They raised the same sync problem again; frustration is growing.",
        "Short meeting, curt tone; no interest in the new features.",
    ),
    qbrs_good=(
        "QBR: showed ROI, about 10 hours a week saved; discussed expansion to more seats.",
        "QBR: goals achieved, executive sponsor attended and asked about the next phase.",
    ),
    qbrs_bad=(
        "QBR: they question the value; adoption is low and budget is tight next year.",
        "QBR: critical feedback about support response times and open bugs.",
    ),
    calls_good=(
        "Quick call with the champion: everything running smoothly.",
        "Call about the upcoming renewal; they confirmed budget is approved.",
    ),
    calls_bad=(
        "Call with the champion: they are unhappy with reliability and want a plan.",
        "Call: they asked what it would take to leave mid-term.",
    ),
    cancelled="Cancelled by the customer at short notice; no new date proposed.",
    no_show="Customer did not show up; no reply to the follow-up.",
    emails=(
        "Shared the renewal timeline: value review at 60 days, proposal at 45, agreement at 30.",
        "Monthly wins summary sent to the champion.",
        "Follow-up on open support issues and next steps.",
    ),
    trainings=(
        "Invitation: admin training on automation.",
        "Invitation: office hours for new users.",
    ),
    webinars=(
        "Webinar invitation: what's new in dashboards.",
        "Webinar invitation: renewal forecasting best practices.",
    ),
    betas=("Invitation to the beta programme for AI forecasts.",),
    upcoming_qbr="Upcoming QBR: value review and renewal preparation.",
    upcoming_renewal="Upcoming renewal review with the decision maker.",
    checkin_notes=(
        "Check-in with the champion: adoption steady, no open issues.",
        "Reviewed open tickets and next steps with the admin.",
    ),
    win_notes=(
        "Win: helped them migrate 10,000 records over a weekend.",
        "Win: the team saves 10 hours a week on reporting.",
        "Win: an automation replaced their manual weekly export.",
        "Win: zero missed renewals this quarter thanks to automated reminders.",
    ),
    champion_left="{name} ({role}) has left the company. We lost our internal advocate; the relationship resets to zero and we must win over the replacement.",
    role_labels={"champion": "champion", "decision_maker": "decision maker"},
    leadership_notes=(
        "New leadership came in: the new VP of Operations wants to rethink all tools.",
        "Decision maker replaced after the acquisition; new contact has no context.",
    ),
    business_notes=(
        "Customer announced layoffs and a reorganisation; our main team was cut in half.",
        "Strategic pivot at the customer; unclear whether we still fit their new direction.",
    ),
    competitor_notes=(
        "Champion mentioned they are evaluating {competitor} and asked about data export.",
        "They attended a {competitor} webinar and asked for a feature comparison.",
    ),
    budget_notes=(
        'Budget review: "We need to cut costs". Finance is reviewing all vendors before the renewal.',
        'Economic buyer: "The price is too high"; they need to show more ROI.',
    ),
    churn_note="Customer confirmed they will not renew.",
    churn_competitor_note="Customer confirmed they will not renew and are moving to {competitor}.",
    goals=(
        "Reduce time spent on reporting by 50%",
        "Roll out to all regional teams",
        "Automate renewal reminders",
        "Connect the CRM integration",
        "Reach 80% weekly active users",
        "Cut onboarding time for new customers to two weeks",
    ),
    first_names=_words(
        "James, Mary, Robert, Patricia, John, Jennifer, Michael, Linda, David, Elizabeth, William, Barbara, Richard, Susan, Joseph, Jessica, Thomas, Sarah, Chris, Karen, Daniel, Nancy, Matthew, Lisa, Anthony, Emily, Mark, Michelle, Paul, Laura, Steven, Amanda, Andrew, Olivia, Kevin, Rachel, Brian, Hannah, Ryan, Grace"
    ),
    last_names=_words(
        "Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez, Wilson, Anderson, Taylor, Thomas, Moore, Jackson, Martin, Lee, Thompson, White, Harris, Clark, Lewis, Walker, Hall, Young, King, Wright, Scott, Green, Baker, Adams, Nelson, Carter, Mitchell, Roberts, Turner, Phillips, Campbell, Parker"
    ),
)

GERMAN = Texts(
    routine_tickets=(
        (
            "Wie füge ich einen neuen Benutzer hinzu?",
            "Hallo, wir haben zwei neue Kolleginnen im Team. Wie legen wir sie an und geben ihnen Zugriff auf die Dashboards?",
        ),
        (
            "Frage zur Berichtsplanung",
            "Können Berichte jeden Montagmorgen automatisch an unsere Teamleiter verschickt werden?",
        ),
        (
            "Hilfe bei der SSO-Einrichtung",
            "Wir möchten die Anmeldung auf SSO umstellen. Gibt es eine Anleitung für Azure AD?",
        ),
        (
            "Rechnungskontakt ändern",
            "Bitte ändern Sie unseren Rechnungskontakt auf unsere neue Leiterin der Buchhaltung.",
        ),
        (
            "Eigenes Feld im Dashboard",
            "Ist es möglich, eines unserer eigenen Felder im Kunden-Dashboard anzuzeigen?",
        ),
        (
            "API-Limits",
            "Welche API-Limits gelten in unserem Tarif? Wir planen einen nächtlichen Abgleich.",
        ),
        (
            "Schulung für neue Mitarbeitende",
            "Bieten Sie eine kurze Einführung für die drei Personen an, die diesen Monat angefangen haben?",
        ),
    ),
    problem_tickets=(
        (
            "Dashboard lädt sehr langsam",
            "Unser Haupt-Dashboard braucht über eine Minute zum Laden. Das Team verliert jeden Morgen Zeit.",
        ),
        (
            "CRM-Synchronisation schlägt fehl",
            "Die CRM-Integration synchronisiert seit gestern nicht mehr. In beiden Systemen fehlen Datensätze.",
        ),
        (
            "Automatisierung lief doppelt",
            "Unsere Renewal-Erinnerung hat jede E-Mail doppelt an unsere Kunden verschickt. Das ist uns sehr unangenehm.",
        ),
        (
            "Export bricht ab",
            "Der Export der vollständigen Kundenliste bricht nach wenigen Minuten mit einem Timeout ab.",
        ),
        (
            "Benutzer können sich nicht anmelden",
            "Mehrere Benutzer erhalten direkt nach der Anmeldung eine Fehlermeldung und kommen nicht in den Workspace.",
        ),
        (
            "Falsche Zahlen im Nutzungsbericht",
            "Der Nutzungsbericht zeigt Zahlen, die nicht mit unseren eigenen Daten übereinstimmen.",
        ),
        (
            "Alarm-E-Mails kommen nicht an",
            "Seit dem letzten Release kommen überhaupt keine Alarm-E-Mails mehr an.",
        ),
    ),
    repeat_remark="Das ist dasselbe Problem, das wir am {date} gemeldet haben. Es ist immer noch nicht behoben.",
    competitor_remarks=(
        "Wie vergleichen Sie sich mit {competitor}?",
        "Wie schneiden Sie im Vergleich zu {competitor} ab?",
        "Was ist Ihr Wettbewerbsvorteil gegenüber {competitor}?",
        "Wir waren letzte Woche in einem Webinar von {competitor}; dort ist das schon eingebaut.",
    ),
    budget_remarks=(
        "Wir müssen Kosten senken.",
        "Der Preis ist zu hoch.",
        "Wir überprüfen alle Anbieter.",
        "Budget ist knapp nächstes Jahr.",
        "Müssen mehr ROI zeigen.",
    ),
    export_remarks=(
        "Wie können wir alle unsere Daten inklusive Historie exportieren?",
        "Wie sieht der Migrationsprozess aus, wenn wir unsere Daten in ein anderes Tool übertragen?",
    ),
    comments_positive=(
        "Spart uns jede Woche Zeit.",
        "Das Team liebt es.",
        "Ohne geht es nicht mehr.",
        "Toller Support, schnelle Antworten.",
    ),
    comments_neutral=(
        "Erfüllt seinen Zweck.",
        "Gut, aber die Berichte könnten besser sein.",
        "Insgesamt okay, das Onboarding war langsam.",
    ),
    comments_negative=(
        "Zu kompliziert.",
        "Zu teuer für das, was wir nutzen.",
        "Der Support ist langsam.",
        "Immer wieder dieselben Fehler.",
        "Lohnt sich nicht.",
    ),
    meetings_good=(
        "Die neuen Dashboards vorgestellt; das Team ist mit der Nutzung zufrieden.",
        "Rollout für ein zweites Team geplant; nächstes Jahr wollen sie mehr Seats.",
        "Ziele gemeinsam geprüft: auf Kurs, sie wollen die Automatisierung ausbauen.",
    ),
    meetings_bad=(
        "Schwieriges Meeting: Die Nutzer finden das Tool zu kompliziert.",
        "Wieder dasselbe Synchronisationsproblem angesprochen; der Frust wächst.",
        "Kurzes Meeting, kurz angebunden; kein Interesse an den neuen Features.",
    ),
    qbrs_good=(
        "QBR: ROI gezeigt, etwa 10 Stunden pro Woche gespart; Erweiterung um weitere Seats besprochen.",
        "QBR: Ziele erreicht, der Executive Sponsor war dabei und fragte nach der nächsten Phase.",
    ),
    qbrs_bad=(
        "QBR: Sie stellen den Value in Frage; die Nutzung ist gering und das Budget ist knapp nächstes Jahr.",
        "QBR: Kritisches Feedback zu Support-Antwortzeiten und offenen Fehlern.",
    ),
    calls_good=(
        "Kurzer Anruf mit dem Champion: alles läuft rund.",
        "Anruf zur anstehenden Verlängerung; das Budget ist bestätigt.",
    ),
    calls_bad=(
        "Anruf mit dem Champion: unzufrieden mit der Zuverlässigkeit, sie wollen einen Plan.",
        "Anruf: Sie fragten, was ein vorzeitiger Ausstieg kosten würde.",
    ),
    cancelled="Vom Kunden kurzfristig abgesagt; kein neuer Termin vorgeschlagen.",
    no_show="Der Kunde ist nicht erschienen; keine Antwort auf die Nachfrage.",
    emails=(
        "Renewal-Zeitplan geteilt: Value-Review nach 60 Tagen, Angebot nach 45, Einigung nach 30.",
        "Monatliche Zusammenfassung der Erfolge an den Champion geschickt.",
        "Nachfrage zu offenen Support-Fällen und nächsten Schritten.",
    ),
    trainings=(
        "Einladung: Admin-Schulung zur Automatisierung.",
        "Einladung: Office Hours für neue Benutzer.",
    ),
    webinars=(
        "Webinar-Einladung: Neues in den Dashboards.",
        "Webinar-Einladung: Best Practices für Renewal-Forecasts.",
    ),
    betas=("Einladung zum Beta-Programm für KI-Prognosen.",),
    upcoming_qbr="Anstehender QBR: Value-Review und Vorbereitung der Verlängerung.",
    upcoming_renewal="Anstehendes Renewal-Gespräch mit dem Decision-Maker.",
    checkin_notes=(
        "Check-in mit dem Champion: Nutzung stabil, keine offenen Punkte.",
        "Offene Tickets und nächste Schritte mit dem Admin besprochen.",
    ),
    win_notes=(
        "Erfolg: Migration von 10.000 Datensätzen an einem Wochenende unterstützt.",
        "Erfolg: Das Team spart 10 Stunden pro Woche beim Reporting.",
        "Erfolg: Eine Automatisierung ersetzt den manuellen wöchentlichen Export.",
        "Erfolg: Dank automatischer Erinnerungen keine verpasste Verlängerung in diesem Quartal.",
    ),
    champion_left="{name} ({role}) hat das Unternehmen verlassen. Unser interner Fürsprecher ist weg; die Beziehung setzt sich auf null zurück, wir müssen die Nachfolge gewinnen.",
    role_labels={"champion": "Champion", "decision_maker": "Decision-Maker"},
    leadership_notes=(
        "Neue Führung: Der neue Bereichsleiter will alle Tools neu bewerten.",
        "Decision-Maker nach der Übernahme ersetzt; der neue Kontakt hat keinen Kontext.",
    ),
    business_notes=(
        "Der Kunde hat Entlassungen und eine Umstrukturierung angekündigt; unser Hauptteam wurde halbiert.",
        "Strategischer Pivot beim Kunden; unklar, ob wir noch in die neue Richtung passen.",
    ),
    competitor_notes=(
        "Der Champion erwähnte, dass sie {competitor} evaluieren, und fragte nach dem Datenexport.",
        "Sie waren in einem Webinar von {competitor} und wollen einen Feature-Vergleich.",
    ),
    budget_notes=(
        'Budget-Gespräch: "Wir müssen Kosten senken". Die Finanzabteilung überprüft alle Anbieter vor der Verlängerung.',
        'Economic Buyer: "Der Preis ist zu hoch"; sie müssen mehr ROI zeigen.',
    ),
    churn_note="Der Kunde hat bestätigt, dass er nicht verlängert.",
    churn_competitor_note="Der Kunde hat bestätigt, dass er nicht verlängert und zu {competitor} wechselt.",
    goals=(
        "Zeitaufwand für Reporting um 50% senken",
        "Rollout an alle regionalen Teams",
        "Renewal-Erinnerungen automatisieren",
        "CRM-Integration anbinden",
        "80% wöchentlich aktive Nutzer erreichen",
        "Onboarding neuer Kunden auf zwei Wochen verkürzen",
    ),
    first_names=_words(
        "Anna, Lukas, Julia, Felix, Laura, Jonas, Lea, Leon, Sophie, Paul, Marie, Maximilian, Katharina, Tobias, Johanna, Florian, Sabine, Stefan, Claudia, Thomas, Andrea, Michael, Petra, Jürgen, Birgit, Markus, Nicole, Sebastian, Miriam, Jan"
    ),
    last_names=_words(
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Koch, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger, Hofmann, Hartmann, Lange, Werner, Krause, Lehmann, Köhler, Maier, Huber, Kaiser"
    ),
)

INDONESIAN = Texts(
    routine_tickets=(
        (
            "Cara menambah user baru",
            "Halo, kami punya dua analis baru. Bagaimana cara menambahkan mereka dan memberi akses ke dashboard?",
        ),
        (
            "Pertanyaan tentang jadwal laporan",
            "Apakah laporan bisa dikirim otomatis setiap Senin pagi ke para team lead kami?",
        ),
        (
            "Bantuan setup SSO",
            "Kami ingin mengganti login ke SSO. Apakah ada panduan untuk Azure AD?",
        ),
        (
            "Ganti kontak penagihan",
            "Mohon ubah kontak penagihan kami ke manajer keuangan yang baru.",
        ),
        (
            "Field khusus di dashboard",
            "Apakah bisa menampilkan salah satu field khusus kami di dashboard akun?",
        ),
        (
            "Batas API",
            "Berapa batas API untuk paket kami? Kami berencana melakukan sinkronisasi setiap malam.",
        ),
        (
            "Training untuk anggota tim baru",
            "Apakah ada sesi onboarding singkat untuk tiga orang yang baru bergabung bulan ini?",
        ),
    ),
    problem_tickets=(
        (
            "Dashboard sangat lambat",
            "Dashboard utama kami butuh lebih dari satu menit untuk terbuka. Tim kehilangan waktu setiap pagi.",
        ),
        (
            "Sinkronisasi CRM gagal",
            "Integrasi CRM berhenti sinkron sejak kemarin. Data hilang di kedua sistem.",
        ),
        (
            "Automation berjalan dua kali",
            "Automation pengingat renewal mengirim setiap email dua kali ke pelanggan kami. Ini memalukan.",
        ),
        (
            "Export data timeout",
            "Export seluruh daftar akun selalu timeout setelah beberapa menit.",
        ),
        (
            "User tidak bisa login",
            "Beberapa user mendapat error tepat setelah login dan tidak bisa masuk ke workspace.",
        ),
        (
            "Angka laporan usage salah",
            "Laporan usage menunjukkan angka yang tidak sesuai dengan data kami sendiri.",
        ),
        ("Email alert tidak masuk", "Email alert sama sekali tidak masuk sejak rilis terakhir."),
    ),
    repeat_remark="Ini masalah yang sama yang kami laporkan pada {date}. Masih belum diperbaiki.",
    competitor_remarks=(
        "Bagaimana Anda dibandingkan dengan {competitor}?",
        "Apa competitive advantage Anda dibanding {competitor}?",
        "Minggu lalu kami menghadiri webinar {competitor}; mereka sudah punya fitur ini.",
    ),
    budget_remarks=(
        "Kami perlu memotong biaya.",
        "Harga terlalu tinggi.",
        "Kami sedang review semua vendor.",
        "Budget ketat tahun depan.",
        "Perlu menunjukkan lebih banyak ROI.",
    ),
    export_remarks=(
        "Bagaimana cara data export semua data kami, termasuk histori?",
        "Seperti apa proses migrasi jika kami memindahkan data ke tool lain?",
    ),
    comments_positive=(
        "Menghemat waktu kami setiap minggu.",
        "Tim suka.",
        "Tidak bisa membayangkan bekerja tanpanya.",
        "Support bagus, respons cepat.",
    ),
    comments_neutral=(
        "Cukup membantu.",
        "Bagus, tapi laporan bisa lebih baik.",
        "Secara umum oke, onboarding lambat.",
    ),
    comments_negative=(
        "Terlalu kompleks.",
        "Terlalu mahal untuk yang kami pakai.",
        "Support lambat.",
        "Bug yang sama lagi.",
        "Tidak sepadan.",
    ),
    meetings_good=(
        "Demo dashboard baru; tim puas dengan adopsinya.",
        "Merencanakan rollout ke tim kedua; tahun depan mereka ingin tambah seat.",
        "Review goal bersama: on track, mereka ingin memperluas automation.",
    ),
    meetings_bad=(
        "Meeting sulit: user bilang tool ini terlalu kompleks.",
        "Mereka mengangkat masalah sinkronisasi yang sama lagi; frustrasi makin besar.",
        "Meeting singkat, nadanya ketus; tidak tertarik dengan fitur baru.",
    ),
    qbrs_good=(
        "QBR: menunjukkan ROI, sekitar 10 jam seminggu dihemat; membahas ekspansi seat.",
        "QBR: goal tercapai, executive sponsor hadir dan bertanya tentang fase berikutnya.",
    ),
    qbrs_bad=(
        "QBR: mereka mempertanyakan value; adopsi rendah dan budget ketat tahun depan.",
        "QBR: feedback kritis tentang waktu respons support dan bug yang belum selesai.",
    ),
    calls_good=(
        "Telepon singkat dengan champion: semua berjalan lancar.",
        "Telepon soal renewal; mereka konfirmasi budget sudah disetujui.",
    ),
    calls_bad=(
        "Telepon dengan champion: mereka kecewa dengan reliabilitas dan minta rencana perbaikan.",
        "Telepon: mereka bertanya apa konsekuensinya jika berhenti di tengah kontrak.",
    ),
    cancelled="Dibatalkan pelanggan secara mendadak; belum ada jadwal baru.",
    no_show="Pelanggan tidak hadir; tidak ada balasan atas follow-up.",
    emails=(
        "Mengirim timeline renewal: review value 60 hari sebelumnya, proposal 45 hari, agreement 30 hari.",
        "Ringkasan win bulanan dikirim ke champion.",
        "Follow-up tentang tiket support yang masih terbuka dan langkah berikutnya.",
    ),
    trainings=(
        "Undangan: training admin untuk automation.",
        "Undangan: office hours untuk user baru.",
    ),
    webinars=(
        "Undangan webinar: apa yang baru di dashboard.",
        "Undangan webinar: best practice forecast renewal.",
    ),
    betas=("Undangan ke beta program untuk forecast AI.",),
    upcoming_qbr="QBR mendatang: review value dan persiapan renewal.",
    upcoming_renewal="Review renewal mendatang dengan decision maker.",
    checkin_notes=(
        "Check-in dengan champion: adopsi stabil, tidak ada issue terbuka.",
        "Review tiket terbuka dan langkah berikutnya bersama admin.",
    ),
    win_notes=(
        "Win: membantu migrasi 10.000 records dalam satu akhir pekan.",
        "Win: tim menghemat 10 jam seminggu untuk reporting.",
        "Win: automation menggantikan export manual mingguan mereka.",
        "Win: tidak ada renewal yang terlewat kuartal ini berkat reminder otomatis.",
    ),
    champion_left="{name} ({role}) sudah meninggalkan perusahaan. Kami kehilangan advocate internal; hubungan reset ke nol, harus segera membangun relasi dengan penggantinya.",
    role_labels={"champion": "champion", "decision_maker": "decision maker"},
    leadership_notes=(
        "Leadership baru datang: VP Operations yang baru ingin meninjau ulang semua tools.",
        "Decision maker diganti setelah akuisisi; kontak baru tidak punya konteks.",
    ),
    business_notes=(
        "Pelanggan mengumumkan layoff dan reorganisasi; tim utama kami dipangkas setengah.",
        "Pivot strategis di pihak pelanggan; belum jelas apakah kami masih cocok dengan arah barunya.",
    ),
    competitor_notes=(
        "Champion menyebutkan mereka sedang mengevaluasi {competitor} dan bertanya soal data export.",
        "Mereka menghadiri webinar {competitor} dan minta perbandingan fitur.",
    ),
    budget_notes=(
        'Review budget: "Kami perlu memotong biaya". Finance sedang review semua vendor sebelum renewal.',
        'Economic buyer: "Harga terlalu tinggi"; mereka perlu menunjukkan lebih banyak ROI.',
    ),
    churn_note="Pelanggan mengonfirmasi tidak akan melakukan renewal.",
    churn_competitor_note="Pelanggan mengonfirmasi tidak akan melakukan renewal dan pindah ke {competitor}.",
    goals=(
        "Mengurangi waktu reporting sebesar 50%",
        "Rollout ke semua tim regional",
        "Otomatisasi reminder renewal",
        "Menghubungkan integrasi CRM",
        "Mencapai 80% user aktif mingguan",
        "Mempersingkat onboarding pelanggan baru menjadi dua minggu",
    ),
    first_names=_words(
        "Budi, Siti, Agus, Dewi, Andi, Rina, Eko, Sri, Hendra, Wulan, Rizky, Putri, Dimas, Ayu, Fajar, Indah, Bayu, Lestari, Arief, Nur, Yusuf, Ratna, Teguh, Maya, Ahmad, Intan, Bambang, Fitri, Gilang, Kartika"
    ),
    last_names=_words(
        "Santoso, Wijaya, Saputra, Pratama, Hidayat, Kurniawan, Setiawan, Nugroho, Rahayu, Susanto, Wibowo, Siregar, Nasution, Halim, Gunawan, Hartono, Utomo, Purnomo, Sihombing, Tanjung, Sutanto, Permana, Firmansyah, Hakim"
    ),
)

MALAY = Texts(
    routine_tickets=(
        (
            "Cara tambah pengguna baharu",
            "Hai, kami ada dua penganalisis baharu. Bagaimana cara tambah mereka dan beri akses ke dashboard?",
        ),
        (
            "Soalan tentang jadual laporan",
            "Bolehkah laporan dihantar secara automatik setiap pagi Isnin kepada ketua pasukan kami?",
        ),
        (
            "Bantuan tetapan SSO",
            "Kami mahu tukar log masuk kepada SSO. Adakah panduan untuk Azure AD?",
        ),
        (
            "Tukar kenalan bil",
            "Sila kemas kini kenalan bil kami kepada pengurus kewangan yang baharu.",
        ),
        (
            "Medan khas dalam dashboard",
            "Bolehkah salah satu medan khas kami dipaparkan dalam dashboard akaun?",
        ),
        ("Had API", "Apakah had API untuk pelan kami? Kami merancang penyegerakan setiap malam."),
        (
            "Latihan untuk ahli pasukan baharu",
            "Adakah sesi onboarding ringkas untuk tiga orang yang baru menyertai bulan ini?",
        ),
    ),
    problem_tickets=(
        (
            "Dashboard sangat perlahan",
            "Dashboard utama kami ambil lebih seminit untuk dibuka. Pasukan kehilangan masa setiap pagi.",
        ),
        (
            "Penyegerakan CRM gagal",
            "Integrasi CRM berhenti menyegerak sejak semalam. Rekod hilang dalam kedua-dua sistem.",
        ),
        (
            "Automasi berjalan dua kali",
            "Automasi peringatan pembaharuan menghantar setiap email dua kali kepada pelanggan kami. Ini memalukan.",
        ),
        (
            "Eksport data tamat masa",
            "Eksport senarai akaun penuh sentiasa tamat masa selepas beberapa minit.",
        ),
        (
            "Pengguna tidak boleh log masuk",
            "Beberapa pengguna mendapat ralat sebaik log masuk dan tidak boleh masuk ke workspace.",
        ),
        (
            "Angka laporan penggunaan salah",
            "Laporan penggunaan menunjukkan angka yang tidak sepadan dengan data kami sendiri.",
        ),
        (
            "Email amaran tidak sampai",
            "Email amaran langsung tidak sampai sejak keluaran terakhir.",
        ),
    ),
    repeat_remark="Ini masalah sama yang kami laporkan pada {date}. Masih belum dibaiki.",
    competitor_remarks=(
        "Bagaimana anda dibandingkan dengan {competitor}?",
        "Apakah kelebihan persaingan anda berbanding {competitor}?",
        "Minggu lepas kami hadiri webinar {competitor}; mereka sudah ada ciri ini.",
    ),
    budget_remarks=(
        "Kami perlu potong kos.",
        "Harga terlalu tinggi.",
        "Kami sedang mengkaji semua vendor.",
        "Bajet ketat tahun depan.",
        "Perlu tunjukkan lebih ROI.",
    ),
    export_remarks=(
        "Bagaimana kami boleh eksport semua data kami, termasuk sejarah?",
        "Bagaimana proses migrasi jika kami pindahkan data ke alat lain?",
    ),
    comments_positive=(
        "Menjimatkan masa kami.",
        "Team suka.",
        "Tidak dapat bayangkan bekerja tanpanya.",
        "Mencegah masalah yang kami tidak tahu kami ada.",
    ),
    comments_neutral=(
        "Boleh digunakan.",
        "Bagus, tetapi laporan boleh diperbaiki.",
        "Secara keseluruhan okay, onboarding perlahan.",
    ),
    comments_negative=(
        "Terlalu kompleks.",
        "Terlalu mahal untuk apa yang kami guna.",
        "Sokongan perlahan.",
        "Pepijat sama lagi.",
        "Tidak berbaloi.",
    ),
    meetings_good=(
        "Tunjukkan dashboard baharu; pasukan gembira dengan penggunaan.",
        "Rancang pelancaran kepada pasukan kedua; tahun depan mereka mahu tambah seat.",
        "Semak matlamat bersama: di landasan, mereka mahu kembangkan automasi.",
    ),
    meetings_bad=(
        "Mesyuarat sukar: pengguna kata alat ini terlalu kompleks.",
        "Mereka bangkitkan masalah penyegerakan yang sama lagi; kekecewaan semakin meningkat.",
        "Mesyuarat pendek, nada kasar; tiada minat pada ciri baharu.",
    ),
    qbrs_good=(
        "QBR: tunjukkan ROI, kira-kira 10 jam seminggu dijimatkan; bincang tambahan seat.",
        "QBR: matlamat tercapai, penaja eksekutif hadir dan tanya tentang fasa seterusnya.",
    ),
    qbrs_bad=(
        "QBR: mereka mempersoalkan nilai; penggunaan rendah dan bajet ketat tahun depan.",
        "QBR: maklum balas kritikal tentang masa respons sokongan dan pepijat yang belum selesai.",
    ),
    calls_good=(
        "Panggilan ringkas dengan penyokong: semuanya berjalan lancar.",
        "Panggilan tentang pembaharuan; mereka sahkan bajet telah diluluskan.",
    ),
    calls_bad=(
        "Panggilan dengan penyokong: tidak puas hati dengan kebolehpercayaan, mahu pelan tindakan.",
        "Panggilan: mereka tanya apa akibatnya jika berhenti di tengah kontrak.",
    ),
    cancelled="Dibatalkan oleh pelanggan pada saat akhir; tiada tarikh baharu dicadangkan.",
    no_show="Pelanggan tidak hadir; tiada balasan kepada susulan.",
    emails=(
        "Kongsi garis masa pembaharuan: semakan nilai pada 60 hari, cadangan pada 45, persetujuan pada 30.",
        "Ringkasan kemenangan bulanan dihantar kepada penyokong.",
        "Susulan tentang tiket sokongan terbuka dan langkah seterusnya.",
    ),
    trainings=(
        "Jemputan: latihan admin untuk automasi.",
        "Jemputan: office hours untuk pengguna baharu.",
    ),
    webinars=(
        "Jemputan webinar: apa yang baharu dalam dashboard.",
        "Jemputan webinar: amalan terbaik ramalan pembaharuan.",
    ),
    betas=("Jemputan ke program beta untuk ramalan AI.",),
    upcoming_qbr="QBR akan datang: semakan nilai dan persediaan pembaharuan.",
    upcoming_renewal="Semakan pembaharuan akan datang dengan pembuat keputusan.",
    checkin_notes=(
        "Check-in dengan penyokong: penggunaan stabil, tiada isu terbuka.",
        "Semak tiket terbuka dan langkah seterusnya bersama admin.",
    ),
    win_notes=(
        "Kemenangan: bantu mereka migrate 10,000 records dalam hujung minggu.",
        "Kemenangan: pasukan jimat 10 jam seminggu untuk laporan.",
        "Kemenangan: automasi menggantikan eksport manual mingguan mereka.",
        "Kemenangan: tiada pembaharuan terlepas suku ini berkat peringatan automatik.",
    ),
    champion_left="{name} ({role}) telah meninggalkan syarikat. Kami kehilangan penyokong dalaman; hubungan reset kepada sifar, perlu bina hubungan dengan pengganti segera.",
    role_labels={"champion": "penyokong", "decision_maker": "pembuat keputusan"},
    leadership_notes=(
        "Kepimpinan baharu masuk: exec baharu mahu memikirkan semula semua tools.",
        "Pembuat keputusan diganti selepas pengambilalihan; kenalan baharu tiada konteks.",
    ),
    business_notes=(
        "Pelanggan umumkan pemberhentian pekerja dan penstrukturan semula; pasukan utama kami dipotong separuh.",
        "Pivot strategik di pihak pelanggan; tidak jelas sama ada kami masih sesuai dengan hala tuju baharu.",
    ),
    competitor_notes=(
        "Penyokong menyebut mereka sedang menilai {competitor} dan bertanya tentang eksport data.",
        "Mereka hadiri webinar {competitor} dan minta perbandingan ciri.",
    ),
    budget_notes=(
        'Semakan bajet: "Kami perlu potong kos". Kewangan sedang mengkaji semua vendor sebelum pembaharuan.',
        'Pembeli ekonomi: "Harga terlalu tinggi"; mereka perlu tunjukkan lebih ROI.',
    ),
    churn_note="Pelanggan mengesahkan mereka tidak akan memperbaharui.",
    churn_competitor_note="Pelanggan mengesahkan mereka tidak akan memperbaharui dan beralih ke {competitor}.",
    goals=(
        "Kurangkan masa untuk laporan sebanyak 50%",
        "Lancarkan kepada semua pasukan serantau",
        "Automasikan peringatan pembaharuan",
        "Sambungkan integrasi CRM",
        "Capai 80% pengguna aktif mingguan",
        "Pendekkan onboarding pelanggan baharu kepada dua minggu",
    ),
    first_names=_words(
        "Ahmad, Nurul, Muhammad, Siti, Aisyah, Hafiz, Farah, Amir, Azlan, Aminah, Faizal, Hakim, Zulkifli, Syafiq, Aina, Irfan, Liyana, Wei Ming, Mei Ling, Kok Wai, Siew Lan, Priya, Rajesh, Kavitha, Arjun, Hui Min, Jia Hui, Danial, Sofea, Nadia"
    ),
    last_names=_words(
        "Abdullah, Rahman, Ismail, Hassan, Ibrahim, Yusof, Hamid, Osman, Razak, Aziz, Salleh, Tan, Lim, Lee, Wong, Ng, Chong, Ong, Nair, Pillai, Kumar, Mohamed, Ali"
    ),
)

TEXTS: Mapping[str, Texts] = {"en": ENGLISH, "de": GERMAN, "id": INDONESIAN, "ms": MALAY}


@dataclass(frozen=True)
class NameParts:
    """Word lists for company names in one language: `{first} {second}` plus a prefix or suffix."""

    first: Phrases
    second: Phrases
    prefixes: Phrases
    suffixes: Phrases
    qualifiers: Phrases
    tld: str


COMPANY_NAMES: Mapping[str, NameParts] = {
    "en": NameParts(
        first=_words(
            "Blue, North, Summit, Bright, Iron, Silver, Clear, Red, Pine, Harbor, Granite, Maple, Cedar, Eagle, Falcon, Atlas, Beacon, Crescent, Evergreen, Frontier, Golden, Horizon, Keystone, Liberty, Meridian, Oak, Pioneer, Prairie, Redwood, Riverside, Sterling, Stone, Sun, Tidewater, Union, Vista, Westfield, Willow, Apex, Copper"
        ),
        second=_words(
            "Analytics, Logistics, Health, Labs, Systems, Foods, Retail, Capital, Software, Energy, Media, Freight, Dental, Insurance, Learning, Robotics, Networks, Outdoor, Supply, Clinics, Payments, Realty, Security, Studios, Brands, Telecom, Hospitality, Farms, Builders, Consulting"
        ),
        prefixes=("",),
        suffixes=("Inc", "LLC", "Ltd", "Group", "Co", "Corp", "Partners", "Holdings"),
        qualifiers=("West", "East", "International", "Global", "Americas", "Europe", "Pacific"),
        tld="com",
    ),
    "de": NameParts(
        first=_words(
            "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Hoffmann, Koch, Richter, Wolf, Schröder, Neumann, Zimmermann, Krüger, Hartmann, Lange, Werner, Lehmann, Nordwerk, Alpentec, Rheintal, Elbtronik, Hansa, Isartal, Donau, Mainfeld, Bergmann, Sternberg"
        ),
        second=_words(
            "Logistik, Maschinenbau, Software, Medizintechnik, Handel, Bau, Energie, Versicherungen, Consulting, Elektrotechnik, Lebensmittel, Automation, Datentechnik, Verpackung, Systeme, Immobilien, Spedition, Druck"
        ),
        prefixes=("",),
        suffixes=("GmbH", "AG", "GmbH & Co. KG", "KG", "SE"),
        qualifiers=("Nord", "Süd", "Ost", "West", "International", "Holding"),
        tld="de",
    ),
    "id": NameParts(
        first=_words(
            "Sinar, Maju, Cahaya, Mitra, Karya, Bumi, Putra, Sentosa, Jaya, Mega, Nusa, Surya, Indah, Prima, Bintang, Gemilang, Samudra, Garuda, Mulia, Harapan"
        ),
        second=_words(
            "Data, Digital, Solusi, Logistik, Niaga, Teknik, Informatika, Sejahtera, Mandiri, Utama, Persada, Teknologi, Agro, Medika"
        ),
        prefixes=("PT", "PT", "PT", "CV"),
        suffixes=("Nusantara", "Indonesia", "Perkasa", "Abadi", "Makmur", "Lestari", "Raya", "Tbk"),
        qualifiers=("Jakarta", "Surabaya", "Bandung", "Medan", "Semarang", "Makassar"),
        tld="co.id",
    ),
    "ms": NameParts(
        first=_words(
            "Maju, Bina, Cahaya, Gemilang, Harapan, Mutiara, Permata, Sinar, Teguh, Wawasan, Setia, Murni, Jati, Delima, Bestari, Kencana, Seri, Tiara"
        ),
        second=_words(
            "Digital, Teknologi, Logistik, Niaga, Solusi, Data, Kejuruteraan, Perdagangan, Sistem, Industri, Hartanah, Perubatan"
        ),
        prefixes=("Syarikat", "", ""),
        suffixes=("Sdn Bhd", "Sdn Bhd", "Berhad", "Holdings Sdn Bhd", "Enterprise"),
        qualifiers=("Selangor", "Johor", "Pulau Pinang", "Sarawak", "Sabah", "Melaka"),
        tld="com.my",
    ),
}

INDUSTRIES = _words(
    "Software, Logistics, Manufacturing, Retail, Healthcare, Financial Services, Education, Media, "
    "Telecommunications, Energy, Hospitality, Professional Services, Real Estate, Agriculture, "
    "Construction"
)

COMPETITORS: Phrases = ("Churnly", "RetainIQ", "Successly", "Gainway", "Renewlytics")

RENEWED_WITH_UPLIFT = "renewed with a small price uplift"
AUTO_RENEWED = "auto-renewed"

CLOSE_REASONS: Mapping[str, Phrases] = {
    "renewed": (
        "renewed on standard terms",
        "renewed: happy with adoption",
        "renewed after value review",
    ),
    "expanded": (
        "added seats for new team",
        "expanded to a second business unit",
        "upgraded to the automation package",
        "added the integrations module",
    ),
    "downgraded": (
        "reduced seats after layoffs",
        "budget cuts",
        "dropped unused modules",
        "low adoption in two teams",
        "price is too high: reduced scope",
    ),
    "churned": (
        "budget cuts",
        "moved to competitor",
        "low adoption",
        "too complex",
        "champion left, no sponsor",
        "acquired: consolidated tools",
        "missing critical features",
    ),
}
