"""Book-relative health facts (HEALTH-2, issue 17): pure rules on plain values, no I/O.

A fixed threshold ("7 features used scores 100") is tuned to one book: on another, most
accounts saturate at 100 or sit at 0, and the measure ranks no one. A book-relative
measure scores an account by where it stands among its **peers**: the accounts alike in
`health.peer_group` (segment, term: subscription or contract, and whether seats are
sold), as a mid-rank percentile from 0 (the least) to 1 (the most). A peer group smaller
than `health.peer_min_accounts` is widened by dropping its last key, up to the whole book.

The raw facts ranked (`RANKED`):

- `usage_level_pct`: usage events in the last 30 days, per seat where seats are sold;
- `active_users_pct`: seat utilisation where seats are sold, else active users;
- `usage_depth_pct`: usage events per active user;
- `breadth_pct`: distinct features used;
- `negative_share_pct`: negative events as a share of all events (health.events.negative).

A fact no account of the book has (no negative events anywhere, say) is no data (None) for
everyone, not a tie: it says nothing about this book.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from renewals.policy.domain import Health

# relative feature -> the raw feature it ranks (where seats are sold, the first; else the second)
RANKED: dict[str, tuple[str, str]] = {
    "usage_level_pct": ("usage_events_per_seat_30d", "usage_events_30d"),
    "active_users_pct": ("seat_utilisation", "active_users_30d"),
    "usage_depth_pct": ("usage_events_per_user_30d", "usage_events_per_user_30d"),
    "breadth_pct": ("features_30d", "features_30d"),
    "negative_share_pct": ("negative_event_share_30d", "negative_event_share_30d"),
}


def peer_key(
    features: Mapping[str, float | None],
    segment: str,
    policy: Health,
    *,
    short_term_below_months: int,
) -> tuple[str, ...]:
    """The account's peer group, in the order of `health.peer_group`."""
    key = []
    for part in policy.peer_group:
        if part == "segment":
            key.append(segment)
        elif part == "term":
            months = features.get("term_months")
            short = months is not None and months < short_term_below_months
            key.append("subscription" if short else "contract")
        else:
            key.append("per_seat" if features.get("seats") else "flat")
    return tuple(key)


def _raw(features: Mapping[str, float | None], name: str) -> float | None:
    per_seat, otherwise = RANKED[name]
    value = features.get(per_seat) if features.get("seats") else features.get(otherwise)
    return None if value is None else float(value)


@dataclass
class Reference:
    """The book's values of each ranked fact, sorted, per peer group (every prefix of the
    key, down to the whole book `()`)."""

    min_accounts: int
    values: dict[str, dict[tuple[str, ...], list[float]]] = field(default_factory=dict)

    def percentile(self, name: str, key: tuple[str, ...], value: float) -> float | None:
        groups = self.values.get(name, {})
        for n in range(len(key), -1, -1):
            found = groups.get(key[:n])
            if found is not None and (len(found) >= self.min_accounts or n == 0):
                lo = bisect.bisect_left(found, value)
                hi = bisect.bisect_right(found, value)
                return (lo + hi) / 2 / len(found)
        return None


def reference(
    book: Mapping[str, tuple[tuple[str, ...], Mapping[str, float | None]]], policy: Health
) -> Reference:
    """HEALTH-2: the book's distribution of each ranked fact, per peer group.
    `book`: account -> (peer key, features)."""
    ref = Reference(policy.peer_min_accounts)
    for name in RANKED:
        groups: dict[tuple[str, ...], list[float]] = {}
        for key, features in book.values():
            value = _raw(features, name)
            if value is None:
                continue
            for n in range(len(key) + 1):
                groups.setdefault(key[:n], []).append(value)
        whole = groups.get((), [])
        if not whole or (name == "negative_share_pct" and max(whole) <= 0):
            continue  # no account has it: no data, not a tie
        ref.values[name] = {k: sorted(v) for k, v in groups.items()}
    return ref


def relative(
    features: Mapping[str, float | None], key: tuple[str, ...], ref: Reference
) -> dict[str, float | None]:
    """HEALTH-2: the account's percentile among its peers for each ranked fact it has."""
    out: dict[str, float | None] = {}
    for name in RANKED:
        value = _raw(features, name)
        out[name] = None if value is None else ref.percentile(name, key, value)
    return out


def ranked_names() -> Sequence[str]:
    return list(RANKED)
