"""A realistic, deterministic demo book of business in the canonical import format.

Every account has a hidden health (0-100 today) and a yearly trend; contracts,
usage, tickets, surveys, interactions, stakeholders and goals are all drawn from
the health at the time they happen, and the truth is written to `_truth.csv`.
The same (accounts, seed, as_of) always gives byte-identical files.
"""

from __future__ import annotations

import csv
import itertools
import math
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from renewals.demo.texts import (
    AUTO_RENEWED,
    CLOSE_REASONS,
    COMPANY_NAMES,
    COMPETITORS,
    INDUSTRIES,
    RENEWED_WITH_UPLIFT,
    TEXTS,
    Texts,
)
from renewals.kit.calendar import add_months

Progress = Callable[[str, int, int], None]
Row = list[str]
T = TypeVar("T")

LANGUAGES = ("en", "de", "id", "ms")
LANGUAGE_SHARES = (0.55, 0.20, 0.15, 0.10)
UTC_OFFSET_HOURS = {"en": -5, "de": 1, "id": 7, "ms": 8}
CURRENCIES = {"en": (("USD", "GBP"), (0.9, 0.1)), "de": (("EUR", "USD"), (0.85, 0.15))}
ENTERPRISE_ARR = 100_000
MID_MARKET_ARR = 10_000
MIN_ARR, MAX_ARR = 1_200, 3_000_000
HISTORY_DAYS = 700
ACTIVITY_DAYS = 365
UNHEALTHY = 45.0

USAGE_DAYS = 365
EVENTS_PER_ACCOUNT = 500
ACCOUNTS_PER_CHUNK = 2_000
MAX_ACTIVE_USERS = 400
WEEKEND_FACTOR = 0.15

# fmt: off
FEATURES = (
    "core", "reports", "dashboards", "automation", "integrations",
    "data_export", "collaboration", "alerts", "forecasting", "admin",
)
FEATURE_POPULARITY = (2.0, 1.5, 1.5, 1.0, 1.2, 0.2, 0.8, 0.6, 0.5, 0.15)
KEY_FEATURES = ("dashboards", "automation", "integrations")
EVENTS = (  # (feature, event, weight within the feature)
    ("core", "login", 1.0),
    ("reports", "view_report", 3.0), ("reports", "schedule_report", 1.0),
    ("dashboards", "view_dashboard", 4.0), ("dashboards", "create_dashboard", 1.0),
    ("automation", "run_automation", 4.0), ("automation", "create_automation", 1.0),
    ("integrations", "api_call", 5.0), ("integrations", "configure_integration", 1.0),
    ("data_export", "export_data", 1.0),
    ("collaboration", "add_comment", 3.0), ("collaboration", "invite_user", 1.0),
    ("alerts", "view_alert", 3.0), ("alerts", "create_alert", 1.0),
    ("forecasting", "view_forecast", 1.0),
    ("admin", "update_settings", 1.0),
)
LOCAL_HOUR_WEIGHTS = (  # customer's local time of day, 00-23
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4.0, 7.0, 8.0, 8.0,
    6.0, 7.0, 8.0, 7.5, 6.0, 4.0, 2.0, 1.2, 0.9, 0.7, 0.5, 0.3,
)

ACCOUNT_COLUMNS = (
    "account_id", "name", "industry", "owner_email", "fiscal_year_start_month", "strategic",
    "customer_since", "segment_override", "segment_override_reason", "language",
)
CONTRACT_COLUMNS = (
    "contract_id", "account_id", "start_date", "end_date", "arr", "currency", "seats",
    "term_months", "auto_renew", "payment_on_file", "outcome", "outcome_arr", "closed_at",
    "close_reason", "competitor",
)
STAKEHOLDER_COLUMNS = (
    "stakeholder_id", "account_id", "name", "email", "role", "started_at", "left_at",
    "last_engaged_at",
)
TICKET_COLUMNS = (
    "ticket_id", "account_id", "opened_at", "closed_at", "priority", "subject", "body",
    "satisfaction",
)
SURVEY_COLUMNS = ("response_id", "account_id", "kind", "score", "comment", "responded_at")
INTERACTION_COLUMNS = (
    "interaction_id", "account_id", "kind", "occurred_at", "status", "response_hours", "text",
    "author_email",
)
GOAL_COLUMNS = ("goal_id", "account_id", "description", "due_date", "status")
USER_COLUMNS = ("email", "name", "role", "manager_email")
TRUTH_COLUMNS = ("account_id", "latent_health", "health_trend", "churn_propensity", "segment")

STAKEHOLDER_ROLES = {  # STK-1; the first `count` roles are used
    "smb": ("champion", "decision_maker", "user"),
    "mid_market": (
        "champion", "decision_maker", "economic_buyer", "user", "technical_buyer", "user",
    ),
    "enterprise": (
        "champion", "decision_maker", "economic_buyer", "technical_buyer", "executive",
        "procurement", "legal", "user", "user", "champion",
    ),
}
# fmt: on
USAGE_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("user_id", pa.string()),
        ("event", pa.string()),
        ("feature", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
    ]
)
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
KEY_SHIFT = 45  # key = account << 45 | microseconds into the window (365 days < 2**45 us)
USAGE_TREND_SCALE = 9.0  # health points for an e-fold change in usage over time
FEATURE_NAMES = pa.array(FEATURES)
EVENT_NAMES = pa.array([name for _, name, _ in EVENTS])
EVENT_WEIGHTS = np.array(
    [[weight if feature == f else 0.0 for feature, _, weight in EVENTS] for f in FEATURES]
)
HOUR_CDF = np.cumsum(LOCAL_HOUR_WEIGHTS) / sum(LOCAL_HOUR_WEIGHTS)
HOUR_CDF[-1] = 1.0

MEETINGS_PER_YEAR = {"smb": 1.0, "mid_market": 4.0, "enterprise": 10.0}
QBRS_PER_YEAR = {"smb": 0.3, "mid_market": 3.0, "enterprise": 4.0}
CALLS_PER_YEAR = {"smb": 2.0, "mid_market": 5.0, "enterprise": 8.0}
EMAILS_PER_YEAR = {"smb": 4.0, "mid_market": 8.0, "enterprise": 14.0}
TICKETS_PER_YEAR = {"smb": 1.5, "mid_market": 3.0, "enterprise": 6.0}
NPS_RESPONDENTS = {"smb": (1, 1), "mid_market": (1, 2), "enterprise": (1, 3)}


@dataclass(frozen=True)
class BookStats:
    """What generate_book wrote: data rows per file, and how long it took."""

    accounts: int
    rows: dict[str, int]
    seconds: float


class Draws:
    """Scalar random draws for per-row loops, served in blocks from one numpy Generator."""

    def __init__(self, rng: np.random.Generator, block: int = 4096) -> None:
        self.rng = rng
        self._block = block
        self._uniform: list[float] = []
        self._normal: list[float] = []

    def uniform(self, low: float = 0.0, high: float = 1.0) -> float:
        """A float in [low, high)."""
        if not self._uniform:
            self._uniform = self.rng.random(self._block).tolist()
        return low + (high - low) * self._uniform.pop()

    def normal(self, mean: float = 0.0, sd: float = 1.0) -> float:
        """A normally distributed float."""
        if not self._normal:
            self._normal = self.rng.standard_normal(self._block).tolist()
        return mean + sd * self._normal.pop()

    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high], both included."""
        return low + min(int(self.uniform() * (high - low + 1)), high - low)

    def chance(self, p: float) -> bool:
        """True with probability p."""
        return self.uniform() < p

    def pick(self, items: Sequence[T]) -> T:
        """One item, uniformly."""
        return items[self.integer(0, len(items) - 1)]

    def weighted(self, items: Sequence[T], weights: Sequence[float]) -> T:
        """One item with probability proportional to its weight."""
        target = self.uniform() * sum(weights)
        for item, weight in zip(items, weights, strict=True):
            target -= weight
            if target < 0:
                return item
        return items[-1]

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        """k distinct items (fewer if there are not enough)."""
        pool = list(items)
        return [pool.pop(self.integer(0, len(pool) - 1)) for _ in range(min(k, len(pool)))]

    def poisson(self, lam: float) -> int:
        """A Poisson count (normal approximation above 30)."""
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, round(self.normal(lam, math.sqrt(lam))))
        limit, count, product = math.exp(-lam), 0, self.uniform()
        while product > limit:
            count += 1
            product *= self.uniform()
        return count

    def lognormal(self, median: float, sigma: float) -> float:
        """A log-normal float with the given median."""
        return median * math.exp(self.normal(0.0, sigma))


@dataclass(frozen=True)
class Account:
    """One generated customer and its hidden health; every file is drawn from it."""

    account_id: str
    name: str
    domain: str
    lang: str
    industry: str
    owner: str
    segment: str
    arr: int
    seats: int
    health: float
    trend: float
    as_of: date
    customer_since: date
    renewal: date | None
    ended: date | None
    churn_closed: date | None
    competitor: str
    fiscal_month: int
    strategic: bool
    override: str
    override_reason: str

    @property
    def texts(self) -> Texts:
        return TEXTS[self.lang]

    @property
    def last_day(self) -> date:
        """The last day with customer activity: yesterday, or the day before churn."""
        return (self.ended or self.as_of) - timedelta(days=1)

    def health_on(self, day: date) -> float:
        """Latent health on a given day (today's health minus the trend since then)."""
        return _clip(self.health + self.trend * (day - self.as_of).days / 365.0, 0.0, 100.0)

    def unhealthy_on(self, day: date) -> float:
        """0 (healthy) .. 1 (red): how much the health on that day pushes towards risk."""
        return _sigmoid((50.0 - self.health_on(day)) / 8.0)

    def at(self, day: date, local_hour: float) -> datetime:
        """A UTC timestamp for a local time of day at the customer."""
        return datetime.combine(day, time()) + timedelta(
            hours=local_hour - UTC_OFFSET_HOURS[self.lang]
        )

    def work_time(self, day: date, d: Draws) -> datetime:
        """A UTC timestamp within the customer's working hours (08-18 local)."""
        return self.at(day, d.uniform(8.0, 18.0))


@dataclass(frozen=True)
class Team:
    """Our own users: the users.csv rows and who can own accounts."""

    rows: list[Row]
    csms: list[str]
    sales: list[str]


@dataclass(frozen=True)
class Departure:
    """A champion or decision maker who left the customer (SIG-6)."""

    name: str
    role: str
    left_at: date


@dataclass(frozen=True)
class Book:
    """The generated accounts and their contract rows."""

    accounts: list[Account]
    contracts: list[Row]


def generate_book(
    out_dir: Path,
    *,
    accounts: int = 2000,
    seed: int = 7,
    as_of: date,
    progress: Progress | None = None,
) -> BookStats:
    """Write a demo book in the canonical import format into out_dir (created if missing)."""
    if accounts < 1:
        raise ValueError(f"accounts must be at least 1 (got {accounts})")
    started = perf_counter()
    report = progress or _silent
    out_dir.mkdir(parents=True, exist_ok=True)
    team = _make_team(accounts, _draws(seed, "users"))
    book = _make_accounts(accounts, seed, as_of, team, report)
    stakeholders, departures = _make_stakeholders(
        book.accounts, _draws(seed, "stakeholders"), report
    )
    goals = _make_goals(book.accounts, _draws(seed, "goals"), report)
    tickets, csat = _make_tickets(book.accounts, _draws(seed, "tickets"), report)
    surveys = _make_surveys(book.accounts, csat, _draws(seed, "surveys"), report)
    interactions = _make_interactions(
        book.accounts, departures, _draws(seed, "interactions"), report
    )
    tables: dict[str, tuple[Sequence[str], list[Row]]] = {
        "users.csv": (USER_COLUMNS, team.rows),
        "accounts.csv": (ACCOUNT_COLUMNS, [_account_row(a) for a in book.accounts]),
        "contracts.csv": (CONTRACT_COLUMNS, book.contracts),
        "stakeholders.csv": (STAKEHOLDER_COLUMNS, stakeholders),
        "goals.csv": (GOAL_COLUMNS, goals),
        "tickets.csv": (TICKET_COLUMNS, tickets),
        "surveys.csv": (SURVEY_COLUMNS, surveys),
        "interactions.csv": (INTERACTION_COLUMNS, interactions),
    }
    rows = {name: _write_csv(out_dir / name, *table) for name, table in tables.items()}
    rows["usage_events.parquet"] = _write_usage(
        out_dir / "usage_events.parquet", book.accounts, seed, as_of, report
    )
    rows["_truth.csv"] = _write_csv(
        out_dir / "_truth.csv", TRUTH_COLUMNS, [_truth_row(a) for a in book.accounts]
    )
    rows["fx_rates.csv"] = _write_csv(out_dir / "fx_rates.csv", FX_COLUMNS, _fx_rates(as_of))
    return BookStats(accounts=accounts, rows=rows, seconds=perf_counter() - started)


# Demo FX rates (issue 19): USD per unit, daily over the book's history and a year ahead,
# a smooth made-up drift around these levels; not market data.
FX_COLUMNS = ("date", "currency", "rate")
FX_LEVELS = {"EUR": 1.08, "GBP": 1.27}
FX_AHEAD_DAYS = 400


def _fx_rates(as_of: date) -> list[Row]:
    start = as_of - timedelta(days=HISTORY_DAYS + 30)
    rows: list[Row] = []
    for k in range((as_of + timedelta(days=FX_AHEAD_DAYS) - start).days + 1):
        day = start + timedelta(days=k)
        for currency, level in FX_LEVELS.items():
            rate = level * (1 + 0.03 * math.sin(k / 90 + len(currency)))
            rows.append([day.isoformat(), currency, f"{rate:.4f}"])
    return rows


# --- helpers -------------------------------------------------------------------------


def _silent(step: str, done: int, total: int) -> None:
    """Progress callback that ignores everything."""


def _draws(seed: int, step: str) -> Draws:
    """Scalar draws for one step of the book."""
    return Draws(_rng(seed, step))


def _rng(seed: int, step: str, *more: int) -> np.random.Generator:
    """An independent, reproducible generator per step, so steps do not shift each other."""
    return np.random.default_rng([seed % 2**63, zlib.crc32(step.encode()), *more])


def _tracked(items: Sequence[T], step: str, report: Progress) -> Iterator[T]:
    """Yield items, reporting progress about fifty times along the way."""
    total = len(items)
    every = max(1, total // 50)
    report(step, 0, total)
    for done, item in enumerate(items, 1):
        yield item
        if done % every == 0 or done == total:
            report(step, done, total)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _segment(arr: float) -> str:
    """SEG-1: enterprise from 100K ARR, mid-market from 10K, SMB below."""
    if arr >= ENTERPRISE_ARR:
        return "enterprise"
    return "mid_market" if arr >= MID_MARKET_ARR else "smb"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _ts(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


_UMLAUTS: dict[str, str | int | None] = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}


def _ascii(text: str) -> str:
    """Lower-case ASCII letters and digits only, for e-mail addresses and domains."""
    folded = text.lower().translate(str.maketrans(_UMLAUTS))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())


def _number(rows: list[Row], prefix: str) -> None:
    """Fill the id column (the first) with a sequential id, in row order."""
    for number, row in enumerate(rows, 1):
        row[0] = f"{prefix}{number:07d}"


def _write_csv(path: Path, columns: Sequence[str], rows: list[Row]) -> int:
    """Write a header and the rows; return the number of data rows."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    return len(rows)


OUTCOMES = ("churned", "downgraded", "renewed", "expanded")


def _outcome_weights(health: float) -> tuple[float, float, float, float]:
    """Probabilities of OUTCOMES at a renewal with this health (logistic in the health)."""
    churned = 0.55 * _sigmoid((37.0 - health) / 6.0)
    downgraded = 0.35 * _sigmoid((48.0 - health) / 7.0)
    expanded = 0.45 * _sigmoid((health - 72.0) / 6.0)
    return churned, downgraded, 1.0 - churned - downgraded - expanded, expanded


# --- team ------------------------------------------------------------------------------


def _make_team(accounts: int, d: Draws) -> Team:
    """Executive, VP, directors, managers, CSMs, specialists, sales and an admin."""
    csm_count = max(3, round(accounts / 50))
    manager_count = math.ceil(csm_count / 6)
    sales_count = max(2, round(csm_count / 10))
    taken: set[str] = set()
    rows: list[Row] = []

    def add(role: str, manager: str) -> str:
        texts = TEXTS[d.weighted(LANGUAGES, (0.7, 0.1, 0.1, 0.1))]
        first, last = d.pick(texts.first_names), d.pick(texts.last_names)
        local = f"{_ascii(first)}.{_ascii(last)}"
        email, n = f"{local}@renewals.example", 1
        while email in taken:
            n += 1
            email = f"{local}{n}@renewals.example"
        taken.add(email)
        rows.append([email, f"{first} {last}", role, manager])
        return email

    executive = add("executive", "")
    vp = add("vp", executive)
    directors = [add("director", vp) for _ in range(2)]
    managers = [add("manager", directors[i % 2]) for i in range(manager_count)]
    csms = [add("csm", managers[i // 6]) for i in range(csm_count)]
    for _ in range(2):
        add("specialist", directors[0])
    sales = [add("sales", directors[1]) for _ in range(sales_count)]
    add("admin", executive)
    return Team(rows=rows, csms=csms, sales=sales)


# --- accounts and contracts ------------------------------------------------------------


@dataclass(frozen=True)
class Latent:
    """Account-level draws made once, vectorised: language, ARR, health and trend."""

    lang: np.ndarray
    arr: np.ndarray
    health: np.ndarray
    trend: np.ndarray


def _latent(n: int, rng: np.random.Generator) -> Latent:
    """Log-normal ARR (median 10K, sigma 1.8: ~10% enterprise, ~40% mid-market, ~50% SMB)."""
    lang = rng.choice(len(LANGUAGES), size=n, p=LANGUAGE_SHARES)
    arr = np.clip(np.rint(np.exp(rng.normal(math.log(10_000), 1.8, n))), MIN_ARR, MAX_ARR)
    # 15% declining sharply, 65% stable, 20% growing (health points per year).
    kind = rng.choice(3, size=n, p=(0.15, 0.65, 0.20))
    declining, stable, growing = -rng.uniform(18, 45, n), rng.normal(0, 4, n), rng.uniform(6, 22, n)
    trend = np.select([kind == 0, kind == 1], [declining, stable], growing)
    year_ago = rng.normal(62, 16, n)
    health = np.clip(year_ago + trend + rng.normal(0, 3, n), 2, 98)
    return Latent(lang=lang, arr=arr.astype(np.int64), health=health, trend=trend)


def _make_accounts(n: int, seed: int, as_of: date, team: Team, report: Progress) -> Book:
    """Accounts with their contract history, owners and segment overrides."""
    latent = _latent(n, _rng(seed, "latent"))
    d = Draws(_rng(seed, "accounts"))
    width = max(5, len(str(n)))
    names: set[str] = set()
    domains: set[str] = set()
    accounts: list[Account] = []
    rows: list[Row] = []
    for i in _tracked(range(n), "accounts and contracts", report):
        lang = LANGUAGES[int(latent.lang[i])]
        name, domain = _company_name(lang, d, names, domains)
        arr, health, trend = int(latent.arr[i]), float(latent.health[i]), float(latent.trend[i])
        account_id = f"acc-{i + 1:0{width}d}"
        chain = _contract_chain(account_id, lang, arr, health, trend, as_of, d)
        rows.extend(chain.rows)
        segment = _segment(arr)
        strategic = d.chance({"enterprise": 0.3, "mid_market": 0.04, "smb": 0.006}[segment])
        years = (as_of - chain.customer_since).days / 365
        override, reason = _override(arr, health, trend, strategic, chain.auto_renew, years, d)
        big = arr >= 300_000 and d.chance(0.5)
        accounts.append(
            Account(
                account_id=account_id,
                name=name,
                domain=domain,
                lang=lang,
                industry=d.pick(INDUSTRIES),
                owner=d.pick(team.sales if big else team.csms),
                segment=segment,
                arr=arr,
                seats=chain.seats,
                health=health,
                trend=trend,
                as_of=as_of,
                customer_since=chain.customer_since,
                renewal=chain.renewal,
                ended=chain.ended,
                churn_closed=chain.churn_closed,
                competitor=chain.competitor,
                fiscal_month=d.weighted((1, 4, 7, 10), (0.7, 0.12, 0.12, 0.06)),
                strategic=strategic,
                override=override,
                override_reason=reason,
            )
        )
    _number(rows, "C")
    return Book(accounts=accounts, contracts=rows)


def _company_name(lang: str, d: Draws, names: set[str], domains: set[str]) -> tuple[str, str]:
    """A plausible, unique company name in the account's language, and a unique domain."""
    parts = COMPANY_NAMES[lang]
    for attempt in itertools.count():
        core = f"{d.pick(parts.first)} {d.pick(parts.second)}"
        if attempt >= 10:
            core = f"{core} {d.pick(parts.qualifiers)}"
        if attempt >= 20:
            core = f"{core} {attempt - 19}"
        name = " ".join(p for p in (d.pick(parts.prefixes), core, d.pick(parts.suffixes)) if p)
        if name not in names:
            break
    names.add(name)
    slug, n = _ascii(core), 1
    domain = f"{slug}.{parts.tld}"
    while domain in domains:
        n += 1
        domain = f"{slug}{n}.{parts.tld}"
    domains.add(domain)
    return name, domain


def _override(
    arr: int, health: float, trend: float, strategic: bool, auto_renew: bool, years: float, d: Draws
) -> tuple[str, str]:
    """A recorded segment override with its reason (SEG-1) for a few accounts near a band edge."""
    k = f"{round(arr / 1000)}K"
    if 70_000 <= arr < ENTERPRISE_ARR and trend > 3 and d.chance(0.8):
        return "enterprise", f"{k} with big expansion potential: enterprise treatment"
    calm = abs(trend) < 6 and health > 65 and not strategic
    if ENTERPRISE_ARR <= arr < 150_000 and calm and years >= 3:
        return "mid_market", f"{k} on autopilot for {int(years)} years: mid-market motion"
    if 7_000 <= arr < MID_MARKET_ARR and strategic:
        return "mid_market", f"{k} strategic logo: mid-market attention"
    if MID_MARKET_ARR <= arr < 16_000 and auto_renew and calm:
        return "smb", f"{k}, healthy and auto-renewing: SMB automation"
    return "", ""


@dataclass(frozen=True)
class Chain:
    """One account's contracts, oldest first, and what they imply for the account."""

    rows: list[Row]
    seats: int
    customer_since: date
    renewal: date | None
    ended: date | None
    churn_closed: date | None
    competitor: str
    auto_renew: bool


def _contract_chain(
    account_id: str, lang: str, arr: int, health: float, trend: float, as_of: date, d: Draws
) -> Chain:
    """Back-to-back contracts over two years; outcomes follow the health at each renewal."""
    segment = _segment(arr)
    renewal = as_of + timedelta(days=d.integer(1, 365))
    term = 12
    if segment == "enterprise":
        term = d.weighted((12, 24, 36), (0.75, 0.15, 0.10))
    elif segment == "mid_market" and d.chance(0.03):
        term = 24
    new_customer = d.chance(0.12)
    points = _renewal_points(renewal, term, as_of, d.integer(0, 1) if new_customer else 3)
    outcomes: list[str] = []
    for point in points:
        health_then = _clip(health + trend * (point - as_of).days / 365.0, 0.0, 100.0)
        outcomes.append(d.weighted(OUTCOMES, _outcome_weights(health_then)))
        if outcomes[-1] == "churned":
            break
    churned = bool(outcomes) and outcomes[-1] == "churned"
    ends = points[: len(outcomes)] + ([] if churned else [renewal])
    terms = [12] * len(outcomes) + ([] if churned else [term])
    arrs, kept = _arr_history(arr, outcomes[:-1] if churned else outcomes, d)
    outcomes = kept + (["churned"] if churned else [])

    seat_price = d.uniform(300, 1200)
    currency = d.weighted(*CURRENCIES[lang]) if lang in CURRENCIES else "USD"
    auto_renew = term == 12 and d.chance(
        {"smb": 0.75, "mid_market": 0.25, "enterprise": 0.05}[segment]
    )
    payment = d.chance({"smb": 0.7, "mid_market": 0.2, "enterprise": 0.05}[segment])
    competitor = d.pick(COMPETITORS)
    rows: list[Row] = []
    churn_closed: date | None = None
    for k, (end, months) in enumerate(zip(ends, terms, strict=True)):
        row = [
            "",
            account_id,
            add_months(end, -months).isoformat(),
            end.isoformat(),
            str(arrs[k]),
            currency,
            str(max(1, round(arrs[k] / seat_price))),
            str(months),
            _flag(auto_renew),
            _flag(payment),
        ]
        if k == len(outcomes):
            rows.append(row + [""] * 5)
            continue
        outcome = outcomes[k]
        next_arr = 0 if outcome == "churned" else arrs[k + 1]
        closed = _closed_at(end, outcome, segment, auto_renew, d)
        reason, rival = _close_reason(outcome, arrs[k], next_arr, auto_renew, competitor, d)
        rows.append(row + [outcome, str(next_arr), closed.isoformat(), reason, rival])
        if outcome == "churned":
            churn_closed = closed
    first_start = add_months(ends[0], -terms[0])
    return Chain(
        rows=rows,
        seats=max(1, round(arrs[-1] / seat_price)),
        customer_since=first_start
        if new_customer
        else first_start - timedelta(days=d.integer(30, 2400)),
        renewal=None if churned else renewal,
        ended=ends[-1] if churned else None,
        churn_closed=churn_closed,
        competitor=competitor,
        auto_renew=auto_renew,
    )


def _renewal_points(renewal: date, term: int, as_of: date, limit: int) -> list[date]:
    """End dates of the 12-month contracts before the open one, within HISTORY_DAYS, oldest first."""
    points: list[date] = []
    point = add_months(renewal, -term)
    while point > as_of - timedelta(days=HISTORY_DAYS) and len(points) < limit:
        points.append(point)
        point = add_months(point, -12)
    return points[::-1]


def _arr_history(arr: int, outcomes: list[str], d: Draws) -> tuple[list[int], list[str]]:
    """ARR of each contract walking back from today's; each outcome_arr is the next contract's arr.

    An outcome whose earlier ARR would leave [MIN_ARR, MAX_ARR] becomes a flat renewal.
    """
    arrs, kept = [arr], list(outcomes)
    for k in reversed(range(len(kept))):
        later = arrs[0]
        factor = 1.0
        if kept[k] == "expanded":
            factor = 1.0 + d.uniform(0.05, 0.40)
        elif kept[k] == "downgraded":
            factor = 1.0 - d.uniform(0.10, 0.40)
        elif d.chance(0.3):
            factor = 1.0 + d.uniform(0.02, 0.05)
        earlier = round(later / factor)
        if not MIN_ARR <= earlier <= MAX_ARR or (earlier == later and kept[k] != "renewed"):
            earlier, kept[k] = later, "renewed"
        arrs.insert(0, earlier)
    return arrs, kept


def _closed_at(end: date, outcome: str, segment: str, auto_renew: bool, d: Draws) -> date:
    """When the renewal decision closed: on the date for auto-renewals, else some days before."""
    if auto_renew and outcome == "renewed":
        return end
    if outcome == "churned":
        return end - timedelta(days=d.integer(0, 30))
    return end - timedelta(days=d.integer(10, 60) if segment == "enterprise" else d.integer(0, 40))


def _close_reason(
    outcome: str, arr: int, next_arr: int, auto_renew: bool, competitor: str, d: Draws
) -> tuple[str, str]:
    """A short close reason and, for some losses, the competitor they went to or compared."""
    if outcome == "renewed":
        if auto_renew:
            return AUTO_RENEWED, ""
        if next_arr > arr:
            return RENEWED_WITH_UPLIFT, ""
        return d.pick(CLOSE_REASONS["renewed"]), ""
    reason = d.pick(CLOSE_REASONS[outcome])
    if outcome == "churned":
        rival = competitor if reason == "moved to competitor" or d.chance(0.25) else ""
        return reason, rival
    return reason, competitor if outcome == "downgraded" and d.chance(0.1) else ""


def _account_row(a: Account) -> Row:
    return [
        a.account_id,
        a.name,
        a.industry,
        a.owner,
        str(a.fiscal_month),
        _flag(a.strategic),
        a.customer_since.isoformat(),
        a.override,
        a.override_reason,
        a.lang,
    ]


def _churn_propensity(a: Account) -> float:
    """Ground-truth chance of churning at the next renewal (or at the one that churned)."""
    day = a.renewal or a.ended or a.as_of
    return _outcome_weights(a.health_on(day))[0]


def _truth_row(a: Account) -> Row:
    return [
        a.account_id,
        f"{a.health:.1f}",
        f"{a.trend:.1f}",
        f"{_churn_propensity(a):.3f}",
        a.segment,
    ]


# --- stakeholders ------------------------------------------------------------------------


@dataclass
class Person:
    """A stakeholder while it is being drawn."""

    name: str
    role: str
    started: date
    left: date | None = None


def _make_stakeholders(
    accounts: list[Account], d: Draws, report: Progress
) -> tuple[list[Row], dict[str, Departure]]:
    """Stakeholder rows, and the departure (if any) per account for the CSM's notes."""
    rows: list[Row] = []
    departures: dict[str, Departure] = {}
    for a in _tracked(accounts, "stakeholders", report):
        people = _people_of(a, d)
        departure = _departure(a, people, d)
        if departure:
            departures[a.account_id] = departure
        for person, engaged in zip(people, _engagement(a, people, d), strict=True):
            rows.append(
                [
                    "",
                    a.account_id,
                    person.name,
                    _email(person.name, a.domain),
                    person.role,
                    person.started.isoformat(),
                    person.left.isoformat() if person.left else "",
                    engaged.isoformat() if engaged else "",
                ]
            )
    _number(rows, "S")
    return rows, departures


def _people_of(a: Account, d: Draws) -> list[Person]:
    """1-3 (SMB), 3-6 (mid-market) or 5-10 (enterprise) people, most with a champion."""
    if a.segment == "enterprise":
        count = d.integer(5, 10)
    elif a.segment == "mid_market":
        count = d.integer(3, 6)
    else:
        count = d.weighted((1, 2, 3), (0.15, 0.45, 0.40))
    roles = list(STAKEHOLDER_ROLES[a.segment][:count])
    if d.chance(0.08):
        roles[0] = "user"
    tenure = max(0, (a.last_day - a.customer_since).days - 30)
    taken: set[str] = set()
    people: list[Person] = []
    for role in roles:
        name = _person(a.texts, d, taken)
        taken.add(name)
        people.append(Person(name, role, a.customer_since + timedelta(days=d.integer(0, tenure))))
    return people


def _departure(a: Account, people: list[Person], d: Draws) -> Departure | None:
    """The champion or decision maker leaves, more often at unhealthy accounts (SIG-6)."""
    candidates = [p for p in people if p.role in ("champion", "decision_maker")]
    chance = 0.35 if a.ended else 0.07 + 0.3 * a.unhealthy_on(a.last_day)
    if not candidates or not d.chance(chance):
        return None
    end = a.ended or a.as_of
    earliest = max(
        a.customer_since + timedelta(days=30), end - timedelta(days=180 if a.ended is None else 240)
    )
    latest = end - timedelta(days=7 if a.ended is None else 30)
    if earliest > latest:
        return None
    person = (
        candidates[0] if candidates[0].role == "champion" and d.chance(0.7) else d.pick(candidates)
    )
    person.left = earliest + timedelta(days=d.integer(0, (latest - earliest).days))
    person.started = max(
        a.customer_since, min(person.started, person.left - timedelta(days=d.integer(30, 400)))
    )
    if d.chance(0.55):
        joined = min(a.last_day, person.left + timedelta(days=d.integer(0, 45)))
        people.append(Person(_person(a.texts, d, {p.name for p in people}), person.role, joined))
    return Departure(name=person.name, role=person.role, left_at=person.left)


def _engagement(a: Account, people: list[Person], d: Draws) -> list[date | None]:
    """Last engagement per person: recent (under 60 days) or stale; some accounts single-threaded."""
    last_day = a.last_day
    unhealthy = a.unhealthy_on(last_day)
    active = [k for k, p in enumerate(people) if p.left is None]
    if len(active) <= 1 or d.chance(0.02 + 0.18 * unhealthy):
        main = next(
            (k for k in active if people[k].role == "champion"), active[0] if active else -1
        )
        recent = {main}
    else:
        recent = {k for k in active if d.chance(0.35 + 0.55 * (1 - unhealthy))}
        recent.update([k for k in active if k not in recent][: max(0, 2 - len(recent))])
    result: list[date | None] = []
    for k, person in enumerate(people):
        day: date | None
        if person.left is not None:
            day = max(person.started, person.left - timedelta(days=d.integer(0, 60)))
        elif k in recent:
            day = max(person.started, last_day - timedelta(days=d.integer(0, 60)))
        else:
            stale = last_day - timedelta(days=d.integer(120, 420))
            day = stale if stale >= person.started and not d.chance(0.3) else None
        result.append(day)
    return result


def _person(texts: Texts, d: Draws, taken: set[str]) -> str:
    """A person's name in the account's language, not yet used at this account."""
    name = ""
    for _ in range(20):
        name = f"{d.pick(texts.first_names)} {d.pick(texts.last_names)}"
        if name not in taken:
            return name
    return f"{name} {len(taken) + 1}"


def _email(name: str, domain: str) -> str:
    first, _, last = name.rpartition(" ")
    return f"{_ascii(first)}.{_ascii(last)}@{domain}"


# --- goals -----------------------------------------------------------------------------


def _make_goals(accounts: list[Account], d: Draws, report: Progress) -> list[Row]:
    """1-4 business goals per account: achieved or on track when healthy, else at risk or missed."""
    rows: list[Row] = []
    for a in _tracked(accounts, "goals", report):
        # Due dates spread over the whole relationship, for churned and current customers
        # alike: a goal's date must not tell who will leave (no look-ahead in the book).
        first = a.customer_since + timedelta(days=30)
        last = a.ended or a.as_of + timedelta(days=300)
        span = max(0, (last - first).days)
        for description in d.sample(a.texts.goals, d.integer(1, 4)):
            due = first + timedelta(days=d.integer(0, span))
            likely = _sigmoid((a.health_on(min(due, a.as_of)) - 50.0) / 8.0)
            if due < a.as_of:
                status = "achieved" if d.chance(likely) else "missed"
            else:
                status = "on_track" if d.chance(likely) else "at_risk"
            rows.append(["", a.account_id, description, due.isoformat(), status])
    _number(rows, "G")
    return rows


# --- tickets and surveys -----------------------------------------------------------------


@dataclass(frozen=True)
class Ticket:
    """A support ticket before it becomes a row."""

    opened: datetime
    closed: datetime | None
    priority: str
    subject: str
    body: str
    satisfaction: int | None


def _make_tickets(
    accounts: list[Account], d: Draws, report: Progress
) -> tuple[list[Row], dict[str, list[Row]]]:
    """Support tickets (more and angrier as health falls) and the CSAT answers after some of them."""
    rows: list[Row] = []
    csat: dict[str, list[Row]] = {}
    for a in _tracked(accounts, "tickets", report):
        tickets = sorted(_tickets_of(a, d), key=lambda t: t.opened)
        for t in tickets:
            rows.append(
                [
                    "",
                    a.account_id,
                    _ts(t.opened),
                    _ts(t.closed) if t.closed else "",
                    t.priority,
                    t.subject,
                    t.body,
                    "" if t.satisfaction is None else str(t.satisfaction),
                ]
            )
        answers = [row for t in tickets if (row := _csat_after(a, t, d))]
        if answers:
            csat[a.account_id] = answers
    _number(rows, "T")
    return rows, csat


def _tickets_of(a: Account, d: Draws) -> list[Ticket]:
    """A year of tickets: routine questions, problems, and repeated complaints when unhealthy."""
    first = max(a.customer_since, a.as_of - timedelta(days=ACTIVITY_DAYS))
    span = (a.last_day - first).days + 1
    if span <= 0:
        return []
    texts = a.texts
    tickets: list[Ticket] = []
    expected = TICKETS_PER_YEAR[a.segment] * (0.5 + 2.5 * a.unhealthy_on(a.last_day)) * span / 365
    for _ in range(d.poisson(expected)):
        day = _risky_day(a, first, span, d)
        unhealthy = a.unhealthy_on(day)
        problem = d.chance(0.3 + 0.5 * unhealthy)
        subject, body = d.pick(texts.problem_tickets if problem else texts.routine_tickets)
        if problem and d.chance(0.5 * unhealthy):
            body = f"{body} {_risk_remark(a, d)}"
        tickets.append(_ticket(a, day, subject, body, problem, d))
    if a.health_on(a.last_day) < UNHEALTHY and d.chance(0.75):
        tickets.extend(_repeated_complaint(a, max(first, a.last_day - timedelta(days=89)), d))
    return tickets


def _risky_day(a: Account, first: date, span: int, d: Draws) -> date:
    """A day in the window, more likely when the account was unhealthy."""
    day = first
    for _ in range(20):
        day = first + timedelta(days=d.integer(0, span - 1))
        if d.chance((0.3 + a.unhealthy_on(day)) / 1.3):
            break
    return day


def _risk_remark(a: Account, d: Draws) -> str:
    """A competitive (SIG-4), budget (SIG-5) or data-export remark in the account's language."""
    texts = a.texts
    kind = d.weighted(("competitor", "budget", "export"), (0.4, 0.35, 0.25))
    if kind == "competitor":
        return d.pick(texts.competitor_remarks).format(competitor=a.competitor)
    return d.pick(texts.budget_remarks if kind == "budget" else texts.export_remarks)


def _repeated_complaint(a: Account, first: date, d: Draws) -> list[Ticket]:
    """The same problem reported 2-4 times within 90 days (SIG-3)."""
    span = (a.last_day - first).days + 1
    if span < 14:
        return []
    subject, body = d.pick(a.texts.problem_tickets)
    days = sorted(first + timedelta(days=x) for x in d.sample(range(span), d.integer(2, 4)))
    tickets = [_ticket(a, days[0], subject, body, True, d)]
    for day in days[1:]:
        text = f"{body} {a.texts.repeat_remark.format(date=days[0].isoformat())}"
        if d.chance(0.3):
            text = f"{text} {_risk_remark(a, d)}"
        tickets.append(_ticket(a, day, subject, text, True, d))
    return tickets


def _ticket(a: Account, day: date, subject: str, body: str, problem: bool, d: Draws) -> Ticket:
    """Priority, resolution time and satisfaction follow the health on the day it was opened."""
    unhealthy = a.unhealthy_on(day)
    if problem:
        priority = d.weighted(
            ("urgent", "high", "normal", "low"), (0.04 + 0.08 * unhealthy, 0.3, 0.5, 0.16)
        )
    else:
        priority = d.weighted(("high", "normal", "low"), (0.05, 0.5, 0.45))
    opened = a.work_time(day, d)
    median = {"urgent": 4.0, "high": 10.0}.get(priority, 24.0) * (1 + 2 * unhealthy)
    closed = opened + timedelta(hours=d.lognormal(median, 0.9))
    cutoff = datetime.combine(a.as_of, time())
    still_open = closed >= cutoff or (cutoff - opened < timedelta(days=21) and d.chance(0.1))
    satisfaction = None
    if not still_open and d.chance(0.6):
        satisfaction = _score(1 + 4 * a.health_on(day) / 100 + d.normal(0, 0.7), 1, 5)
    return Ticket(opened, None if still_open else closed, priority, subject, body, satisfaction)


def _score(value: float, low: int, high: int) -> int:
    return int(_clip(round(value), low, high))


def _comment(texts: Texts, kind: str, score: int, d: Draws) -> str:
    """A short survey comment whose tone follows the score."""
    negative, positive = (6, 9) if kind == "nps" else (2, 4)
    if score <= negative:
        return d.pick(texts.comments_negative)
    return d.pick(texts.comments_positive if score >= positive else texts.comments_neutral)


def _csat_after(a: Account, t: Ticket, d: Draws) -> Row | None:
    """A CSAT answer (1-5) for some closed tickets, tracking health at the time."""
    if t.closed is None or not d.chance(0.35):
        return None
    answered = t.closed + timedelta(hours=d.uniform(1, 72))
    if answered >= datetime.combine(a.as_of, time()):
        return None
    score = _score(1 + 4 * a.health_on(answered.date()) / 100 + d.normal(0, 0.8), 1, 5)
    comment = _comment(a.texts, "csat", score, d) if d.chance(0.4) else ""
    return ["", a.account_id, "csat", str(score), comment, _ts(answered)]


def _make_surveys(
    accounts: list[Account], csat: dict[str, list[Row]], d: Draws, report: Progress
) -> list[Row]:
    """NPS and CSAT responses per account, in time order."""
    rows: list[Row] = []
    for a in _tracked(accounts, "surveys", report):
        rows.extend(sorted(_nps_of(a, d) + csat.get(a.account_id, []), key=lambda r: r[5]))
    _number(rows, "R")
    return rows


def _nps_of(a: Account, d: Draws) -> list[Row]:
    """Twice-yearly NPS waves over two years; unhealthy accounts answer less and score lower."""
    rows: list[Row] = []
    low, high = NPS_RESPONDENTS[a.segment]
    for wave in range(4):
        start = a.as_of - timedelta(days=20 + 182 * wave)
        for _ in range(d.integer(low, high)):
            day = start + timedelta(days=d.integer(0, 14))
            if not a.customer_since <= day <= a.last_day:
                continue
            health = a.health_on(day)
            if not d.chance(0.45 + 0.45 * health / 100):  # SIG-3: silence before leaving
                continue
            score = _score(health / 10 + d.normal(0.4, 1.3), 0, 10)
            comment = _comment(a.texts, "nps", score, d) if d.chance(0.5) else ""
            rows.append(["", a.account_id, "nps", str(score), comment, _ts(a.work_time(day, d))])
    return rows


# --- interactions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Touch:
    """An interaction before it becomes a row."""

    at: datetime
    kind: str
    status: str
    hours: float | None
    text: str


def _make_interactions(
    accounts: list[Account], departures: dict[str, Departure], d: Draws, report: Progress
) -> list[Row]:
    """Interactions per account in time order, all written by the account owner."""
    rows: list[Row] = []
    for a in _tracked(accounts, "interactions", report):
        touches = _past_touches(a, d) + _event_notes(a, departures.get(a.account_id), d)
        if a.ended is None:
            touches += _scheduled(a, d)
        for t in sorted(touches, key=lambda t: t.at):
            hours = "" if t.hours is None else f"{t.hours:.1f}"
            rows.append(["", a.account_id, t.kind, _ts(t.at), t.status, hours, t.text, a.owner])
    _number(rows, "I")
    return rows


def _past_touches(a: Account, d: Draws) -> list[Touch]:
    """A year of meetings, QBRs, calls, e-mails, invitations and notes, shaped by health."""
    first = max(a.customer_since, a.as_of - timedelta(days=ACTIVITY_DAYS))
    span = (a.last_day - first).days + 1
    if span <= 0:
        return []
    texts = a.texts

    def days(per_year: float) -> list[date]:
        return [
            first + timedelta(days=d.integer(0, span - 1))
            for _ in range(d.poisson(per_year * span / 365))
        ]

    touches = [
        _meeting(a, day, "meeting", texts.meetings_good, texts.meetings_bad, d)
        for day in days(MEETINGS_PER_YEAR[a.segment])
    ]
    touches += [
        _meeting(a, day, "qbr", texts.qbrs_good, texts.qbrs_bad, d)
        for day in days(QBRS_PER_YEAR[a.segment])
    ]
    touches += [
        _meeting(a, day, "call", texts.calls_good, texts.calls_bad, d)
        for day in days(CALLS_PER_YEAR[a.segment])
    ]
    touches += [_champion_email(a, day, d) for day in days(EMAILS_PER_YEAR[a.segment])]
    touches += [_invitation(a, day, "training", d) for day in days(1.5)]
    touches += [_invitation(a, day, "webinar", d) for day in days(3.0)]
    touches += [_invitation(a, day, "beta_invite", d) for day in days(0.6)]
    touches += [_note(a, day, d.pick(texts.checkin_notes), d) for day in days(1.5)]
    touches += [
        _note(a, day, d.pick(texts.win_notes), d) for day in days(2.0) if a.health_on(day) >= 65
    ]
    touches += [
        _note(a, day, _risk_note(a, d), d)
        for day in days(4.0 * a.unhealthy_on(a.last_day))
        if a.health_on(day) < 50
    ]
    return touches


def _disengaged(a: Account, day: date) -> float:
    """Chance that the customer cancels, skips or declines on that day (SIG-2)."""
    return 0.04 + 0.55 * a.unhealthy_on(day)


def _meeting(
    a: Account, day: date, kind: str, good: Sequence[str], bad: Sequence[str], d: Draws
) -> Touch:
    if d.chance(_disengaged(a, day)):
        if d.chance(0.6):
            return Touch(a.work_time(day, d), kind, "cancelled", None, a.texts.cancelled)
        return Touch(a.work_time(day, d), kind, "no_show", None, a.texts.no_show)
    tone = good if d.chance(_sigmoid((a.health_on(day) - 55.0) / 6.0)) else bad
    return Touch(a.work_time(day, d), kind, "held", None, d.pick(tone))


def _champion_email(a: Account, day: date, d: Draws) -> Touch:
    """An e-mail to the champion; answered within hours when healthy, slower as health falls."""
    text = d.pick(a.texts.emails)
    unhealthy = a.unhealthy_on(day)
    if d.chance(0.05 + 0.45 * unhealthy):
        return Touch(a.work_time(day, d), "email", "sent", None, text)
    median = 2.5 * math.exp((70.0 - a.health_on(day)) / 14.0)
    return Touch(a.work_time(day, d), "email", "replied", round(d.lognormal(median, 0.45), 1), text)


def _invitation(a: Account, day: date, kind: str, d: Draws) -> Touch:
    """A training, webinar or beta invitation: attended or accepted, ignored, or declined."""
    bad = _disengaged(a, day)
    texts = a.texts
    if kind == "beta_invite":
        text = d.pick(texts.betas)
        status = d.weighted(
            ("replied", "declined", "sent"),
            ((1 - bad) * 0.5, 0.1 + bad * 0.7, (1 - bad) * 0.4 + bad * 0.3),
        )
    else:
        text = d.pick(texts.trainings if kind == "training" else texts.webinars)
        status = d.weighted(
            ("held", "declined", "no_show", "sent"),
            ((1 - bad) * 0.5, bad * 0.6, bad * 0.4, (1 - bad) * 0.5),
        )
    return Touch(a.work_time(day, d), kind, status, None, text)


def _note(a: Account, day: date, text: str, d: Draws) -> Touch:
    return Touch(a.work_time(day, d), "note", "held", None, text)


def _risk_note(a: Account, d: Draws) -> str:
    """What the CSM writes down about an unhealthy account: budget, competitor, business, leadership."""
    texts = a.texts
    kind = d.weighted(("budget", "competitor", "business", "leadership"), (0.3, 0.3, 0.2, 0.2))
    if kind == "competitor":
        return d.pick(texts.competitor_notes).format(competitor=a.competitor)
    bank = {
        "budget": texts.budget_notes,
        "business": texts.business_notes,
        "leadership": texts.leadership_notes,
    }
    return d.pick(bank[kind])


def _event_notes(a: Account, departure: Departure | None, d: Draws) -> list[Touch]:
    """Notes on a stakeholder departure (SIG-6) and on the churn decision."""
    texts = a.texts
    notes: list[Touch] = []
    if departure:
        day = min(a.last_day, departure.left_at + timedelta(days=d.integer(1, 10)))
        role = texts.role_labels[departure.role]
        notes.append(_note(a, day, texts.champion_left.format(name=departure.name, role=role), d))
    if a.churn_closed:
        day = min(a.last_day, a.churn_closed)
        text = (
            texts.churn_competitor_note.format(competitor=a.competitor)
            if d.chance(0.4)
            else texts.churn_note
        )
        notes.append(_note(a, day, text, d))
    return notes


def _scheduled(a: Account, d: Draws) -> list[Touch]:
    """Upcoming QBRs and renewal reviews within the next 60 days."""
    texts = a.texts
    touches: list[Touch] = []
    if a.segment != "smb" and d.chance(0.55):
        day = a.as_of + timedelta(days=d.integer(1, 60))
        touches.append(Touch(a.work_time(day, d), "qbr", "scheduled", None, texts.upcoming_qbr))
    if a.renewal and (a.renewal - a.as_of).days <= 75 and d.chance(0.6):
        day = a.as_of + timedelta(days=d.integer(1, max(1, min(60, (a.renewal - a.as_of).days))))
        touches.append(
            Touch(a.work_time(day, d), "meeting", "scheduled", None, texts.upcoming_renewal)
        )
    return touches


# --- usage events --------------------------------------------------------------------------


@dataclass(frozen=True)
class UsagePlan:
    """Per-account inputs of the usage model, as arrays over all accounts."""

    ids: pa.Array
    health: np.ndarray
    trend: np.ndarray
    seats: np.ndarray
    offset: np.ndarray
    alive_from: np.ndarray
    alive_to: np.ndarray
    drop_day: np.ndarray
    utilisation: np.ndarray
    style: np.ndarray
    features: np.ndarray
    weekday: np.ndarray
    start_us: int


def _usage_plan(accounts: list[Account], rng: np.random.Generator, as_of: date) -> UsagePlan:
    """Seat utilisation, feature adoption and activity windows per account."""
    n = len(accounts)
    start = as_of - timedelta(days=USAGE_DAYS)
    health = np.array([a.health for a in accounts])
    trend = np.array([a.trend for a in accounts])
    # FUND-6: some declining accounts lost ~40% of their usage about a quarter ago.
    drop = (trend < -15) & (rng.random(n) < 0.4)
    drop_day = np.where(drop, USAGE_DAYS - rng.integers(75, 106, n), USAGE_DAYS)
    # Adoption depth grows with health; key features come late in the adoption order.
    adopted = np.clip(
        np.rint(1 + 9 * (health / 100) ** 1.2 + rng.normal(0, 1, n)), 1, len(FEATURES)
    )
    bias = np.array(
        [-10.0 if f == "core" else 0.35 if f in KEY_FEATURES else 0.0 for f in FEATURES]
    )
    rank = np.argsort(np.argsort(rng.random((n, len(FEATURES))) + bias, axis=1), axis=1)
    weights = rng.gamma(2.0, 0.5, (n, len(FEATURES))) * np.array(FEATURE_POPULARITY)
    weekday = np.array([(start + timedelta(days=k)).weekday() for k in range(USAGE_DAYS)])
    return UsagePlan(
        ids=pa.array([a.account_id for a in accounts]),
        health=health,
        trend=trend,
        seats=np.array([a.seats for a in accounts]),
        offset=np.array([UTC_OFFSET_HOURS[a.lang] for a in accounts]),
        alive_from=np.array([max(0, (a.customer_since - start).days) for a in accounts]),
        alive_to=np.array(
            [USAGE_DAYS if a.ended is None else max(0, (a.ended - start).days) for a in accounts]
        ),
        drop_day=drop_day,
        utilisation=rng.normal(0, 0.08, n),
        style=rng.lognormal(0, 0.35, n),
        features=np.where(rank < adopted[:, None], weights, 0.0),
        weekday=np.where(weekday >= 5, WEEKEND_FACTOR, 1.0),
        start_us=_epoch_us(start),
    )


def _epoch_us(day: date) -> int:
    """Microseconds from 1970-01-01 to midnight UTC of that day."""
    return (day - date(1970, 1, 1)).days * DAY_US


def _usage_rates(plan: UsagePlan, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Relative event rate and active users per account (lo..hi) and day of the window."""
    days = np.arange(USAGE_DAYS)
    ago = USAGE_DAYS - days - 0.5
    now = plan.health[lo:hi, None]
    health = np.clip(now - plan.trend[lo:hi, None] * ago / 365.0, 0.0, 100.0)
    utilisation = np.clip(
        0.1 + 0.85 * (health / 100) ** 1.3 + plan.utilisation[lo:hi, None], 0.03, 1.0
    )
    pool = np.minimum(plan.seats[lo:hi], MAX_ACTIVE_USERS)[:, None]
    users = np.maximum(1, np.rint(pool * utilisation)).astype(np.int64)
    rate = users**0.6 * np.exp((now - 60.0) / 30.0) * np.exp((health - now) / USAGE_TREND_SCALE)
    rate *= plan.style[lo:hi, None] * plan.weekday[None, :]
    rate *= np.where(days[None, :] >= plan.drop_day[lo:hi, None], 0.6, 1.0)
    alive = (days[None, :] >= plan.alive_from[lo:hi, None]) & (
        days[None, :] < plan.alive_to[lo:hi, None]
    )
    return np.where(alive, rate, 0.0), users


def _categorical(weights: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each draw, a column of `weights[row]` chosen with probability proportional to weight."""
    cum = np.cumsum(weights, axis=1)
    cum /= cum[:, -1:]
    cum[:, -1] = 1.0
    flat = (cum + np.arange(len(weights))[:, None]).ravel()
    index = np.searchsorted(flat, rows + np.minimum(u, 1.0 - 1e-9), side="right")
    return index - rows * weights.shape[1]


def _usage_chunk(
    plan: UsagePlan, lo: int, hi: int, scale: float, rng: np.random.Generator
) -> pa.Table:
    """All events of accounts lo..hi, sorted by account then time, built without Python loops."""
    rate, users = _usage_rates(plan, lo, hi)
    account, at = _event_times(rng.poisson(rate * scale), plan.offset[lo:hi], rng)
    ids = plan.ids.slice(lo, hi - lo)
    feature = _categorical(plan.features[lo:hi], account, rng.random(account.size))
    event = _categorical(EVENT_WEIGHTS, feature, rng.random(account.size))
    return pa.Table.from_arrays(
        [
            pc.take(ids, account),
            _user_ids(ids, users, account, at, rng),
            pc.take(EVENT_NAMES, event),
            pc.take(FEATURE_NAMES, feature),
            pa.array(plan.start_us + at, type=pa.timestamp("us", tz="UTC")),
        ],
        schema=USAGE_SCHEMA,
    )


def _event_times(
    counts: np.ndarray, offset: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Account index and microseconds into the window per event, from counts per account and day.

    Times follow the customer's working day in local time, converted to UTC, and
    come back sorted by account then time.
    """
    cells = np.repeat(np.arange(counts.size), counts.ravel())
    account, day = np.divmod(cells, USAGE_DAYS)
    hour = np.searchsorted(HOUR_CDF, rng.random(cells.size), side="right")
    local_us = hour * HOUR_US + (rng.random(cells.size) * HOUR_US).astype(np.int64)
    at = day * DAY_US + local_us - offset[account] * HOUR_US
    at = np.where(at < 0, at + DAY_US, at)
    at = np.where(at >= USAGE_DAYS * DAY_US, at - DAY_US, at)
    key = np.sort((account << KEY_SHIFT) | at)
    return key >> KEY_SHIFT, key & ((1 << KEY_SHIFT) - 1)


def _user_ids(
    ids: pa.Array, users: np.ndarray, account: np.ndarray, at: np.ndarray, rng: np.random.Generator
) -> pa.Array:
    """`<account_id>-u<k>` per event; k < that day's active users, low k are the power users."""
    top = users.max(axis=1)
    first = np.cumsum(top) - top
    owner = np.repeat(np.arange(len(top)), top)
    names = pc.binary_join_element_wise(
        pc.take(ids, owner),
        pc.cast(pa.array(np.arange(owner.size) - first[owner] + 1), pa.string()),
        "-u",
    )
    active = users[account, np.minimum(at // DAY_US, USAGE_DAYS - 1)]
    k = np.floor(active * rng.random(account.size) ** 1.7).astype(np.int64)
    return pc.take(names, first[account] + k)


def _write_usage(
    path: Path, accounts: list[Account], seed: int, as_of: date, report: Progress
) -> int:
    """Write ~500 events per account over the last year, one row group per chunk of accounts."""
    n = len(accounts)
    plan = _usage_plan(accounts, _rng(seed, "usage plan"), as_of)
    bounds = [(lo, min(lo + ACCOUNTS_PER_CHUNK, n)) for lo in range(0, n, ACCOUNTS_PER_CHUNK)]
    total = sum(float(_usage_rates(plan, lo, hi)[0].sum()) for lo, hi in bounds)
    scale = EVENTS_PER_ACCOUNT * n / total if total > 0 else 0.0
    rows = 0
    report("usage events", 0, n)
    with pq.ParquetWriter(path, USAGE_SCHEMA, compression="zstd") as writer:
        for number, (lo, hi) in enumerate(bounds):
            table = _usage_chunk(plan, lo, hi, scale, _rng(seed, "usage", number))
            writer.write_table(table, row_group_size=max(1, table.num_rows))
            rows += table.num_rows
            report("usage events", hi, n)
    return rows
