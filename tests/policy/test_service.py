"""The policy file: defaults with rule IDs, merging, and errors that name the key."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from renewals import rules
from renewals.account.domain import Segment
from renewals.policy import service
from renewals.policy.service import PolicyError

RULE_ID = re.compile(r"^[A-Z]+-\d+$")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        service.load(path)
    return caught.value.problems


class TestDefaults:
    def test_every_value_has_a_rule_id_of_the_domain(self) -> None:
        entries = list(service.entries(service.load()))
        assert len(entries) > 150
        assert all(RULE_ID.match(e.rule) for e in entries), [
            e.key for e in entries if not RULE_ID.match(e.rule)
        ]
        unknown = sorted({e.rule for e in entries} - set(rules.by_id()))  # docs/rules.md
        assert unknown == []

    def test_every_scalar_line_of_the_toml_names_a_rule(self) -> None:
        for number, line in enumerate(service.defaults_text().splitlines(), start=1):
            code = line.split("#", 1)[0].strip()
            if "=" in code and not code.startswith(("title", "key", "grants", "description")):
                comment = line.split("#", 1)[1] if "#" in line else ""
                assert re.search(r"[A-Z]+-\d+", comment), (
                    f"defaults.toml:{number} has no rule ID: {line}"
                )

    def test_defaults_carry_the_domain_numbers(self) -> None:
        policy = service.load()
        assert policy.health.warning_score == 50  # HEALTH-2
        assert policy.segments.band(Segment.enterprise).lead_days == 120  # SEG-1
        assert policy.concessions.limit_for("manager").max_discount_pct == 15  # CONC-3
        assert policy.winback.touch_months == [3, 6, 12]  # LOST-4
        assert [s.offset_days for s in policy.timelines.smb] == [60, 30, 14, 7]  # TIME-3

    @pytest.mark.parametrize(
        ("arr", "segment"),
        [
            ("0", Segment.smb),
            ("9999.99", Segment.smb),
            ("10000", Segment.mid_market),
            ("99999", Segment.mid_market),
            ("100000", Segment.enterprise),
            ("5000000", Segment.enterprise),
        ],
    )
    def test_segment_bands_are_half_open(self, arr: str, segment: Segment) -> None:
        assert service.load().segment_for_arr(Decimal(arr)) is segment  # SEG-1


class TestUserFile:
    def test_it_merges_tables_key_by_key(self, tmp_path: Path) -> None:
        defaults = service.load().health
        policy = service.load(write(tmp_path, "[health]\nwarning_score = 45\n"))
        assert policy.health.warning_score == 45 != defaults.warning_score
        assert policy.health.green_min_score == defaults.green_min_score == 70
        assert policy.health.weights == defaults.weights  # a nested table kept whole

    def test_a_guard_on_a_fact_nobody_judges_is_refused(self, tmp_path: Path) -> None:
        """HEALTH-3: a misspelt guard would never fire; the error names it."""
        text = """
[[health.guards]]
signal = "seats_unsued"
cap = "yellow"
reason = "few seats in use"
"""
        with pytest.raises(service.PolicyError) as caught:
            service.load(write(tmp_path, text))
        assert "health.guards[0].signal" in str(caught.value)

    def test_a_guard_with_its_own_threshold_is_refused(self, tmp_path: Path) -> None:
        """HEALTH-3 (issue 16): a guard reads the signals key's threshold, never its own."""
        text = """
[[health.guards]]
signal = "seats_unused"
below = 0.2
cap = "yellow"
reason = "few seats in use"
"""
        with pytest.raises(service.PolicyError) as caught:
            service.load(write(tmp_path, text))
        assert "health.guards[0].below: unknown key" in str(caught.value)

    def test_it_replaces_lists_whole(self, tmp_path: Path) -> None:
        text = """
[[segments.bands]]
segment = "smb"
min_arr = 0
max_arr = 25000
lead_days = 45
team_hours = { min = 1, max = 2 }

[[segments.bands]]
segment = "enterprise"
min_arr = 25000
lead_days = 120
team_hours = { min = 10, max = 20 }
"""
        policy = service.load(write(tmp_path, text))
        assert [b.segment for b in policy.segments.bands] == [Segment.smb, Segment.enterprise]
        assert policy.segment_for_arr(Decimal(30000)) is Segment.enterprise

    def test_negative_weight_names_the_key(self, tmp_path: Path) -> None:
        problems = problems_of(write(tmp_path, "[health.weights]\nusage = -5\n"))
        assert len(problems) == 1
        assert problems[0].startswith("health.weights.usage: ")
        assert "-5" in problems[0]

    def test_overlapping_bands_are_rejected(self, tmp_path: Path) -> None:
        text = """
[[segments.bands]]
segment = "smb"
min_arr = 0
max_arr = 20000
lead_days = 60
team_hours = { min = 1, max = 3 }

[[segments.bands]]
segment = "mid_market"
min_arr = 10000
lead_days = 90
team_hours = { min = 5, max = 10 }
"""
        problems = problems_of(write(tmp_path, text))
        assert problems == [
            "segments.bands: bands overlap: mid_market starts at 10,000 below the end of smb (20,000)"
        ]

    def test_gap_between_bands_is_rejected(self, tmp_path: Path) -> None:
        text = """
[[segments.bands]]
segment = "smb"
min_arr = 0
max_arr = 5000
lead_days = 60
team_hours = { min = 1, max = 3 }

[[segments.bands]]
segment = "enterprise"
min_arr = 10000
lead_days = 90
team_hours = { min = 5, max = 10 }
"""
        assert "gap between bands" in problems_of(write(tmp_path, text))[0]

    def test_unknown_key_is_named_with_the_known_ones(self, tmp_path: Path) -> None:
        problems = problems_of(write(tmp_path, "[health]\nwarning_scor = 40\n"))
        assert problems[0].startswith("health.warning_scor: unknown key")
        assert "warning_score" in problems[0]

    def test_unknown_section_is_named(self, tmp_path: Path) -> None:
        assert problems_of(write(tmp_path, "[helth]\nx = 1\n"))[0].startswith("helth: unknown key")

    def test_every_bad_key_is_listed(self, tmp_path: Path) -> None:
        text = "[health]\nwarning_score = 150\n[save.value_tiers]\nhigh_min_arr = -1\n[roi]\nloaded_hourly_rate = 0\n"
        keys = sorted(p.split(":")[0] for p in problems_of(write(tmp_path, text)))
        assert keys == [
            "health.warning_score",
            "roi.loaded_hourly_rate",
            "save.value_tiers.high_min_arr",
        ]

    def test_approval_limits_must_rise_with_seniority(self, tmp_path: Path) -> None:
        text = """
[[concessions.approval]]
role = "csm"
max_discount_pct = 20
grants = []

[[concessions.approval]]
role = "manager"
max_discount_pct = 15
grants = []
"""
        problems = problems_of(write(tmp_path, text))
        assert problems[0].startswith("concessions.approval: limits must not fall")

    def test_range_with_min_above_max_is_rejected(self, tmp_path: Path) -> None:
        problems = problems_of(
            write(tmp_path, "[multi_year]\ntwo_year_discount_pct = { min = 20, max = 10 }\n")
        )
        assert problems[0].startswith(
            "multi_year.two_year_discount_pct: min (20) is greater than max (10)"
        )

    def test_toml_syntax_error_gives_the_line(self, tmp_path: Path) -> None:
        problems = problems_of(write(tmp_path, "[health]\nwarning_score = \n"))
        assert "line 2" in problems[0]

    def test_missing_file(self, tmp_path: Path) -> None:
        assert problems_of(tmp_path / "nope.toml") == ["file not found"]

    def test_defaults_are_valid_toml_round_trip(self) -> None:
        data = tomllib.loads(service.defaults_text())
        assert service.validate(data, "x") == service.load()
