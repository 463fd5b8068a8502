"""Docs that cannot lie: generated pages are fresh, every cited rule is catalogued, and
no page points at a file outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from renewals import rules
from renewals.kit import docgen
from renewals.policy import service

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("name", list(docgen.PAGES))
def test_generated_page_is_fresh(name: str) -> None:
    path = ROOT / "docs" / name
    assert path.exists(), f"docs/{name} is missing: run `python -m renewals.kit.docgen`"
    assert path.read_text(encoding="utf-8") == docgen.PAGES[name](), (
        f"docs/{name} is stale: run `python -m renewals.kit.docgen`"
    )


def test_check_mode_names_a_stale_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docgen, "DOCS", tmp_path)
    (tmp_path / "daily-run.md").write_text("# an old list of jobs\n", encoding="utf-8")
    assert docgen.main(["--check"]) == 1
    assert set(docgen.stale()) == set(docgen.PAGES)


def test_every_rule_id_cited_in_src_is_in_the_catalogue() -> None:
    known = set(rules.by_id())
    cited: dict[str, list[str]] = {}
    for path in sorted((ROOT / "src" / "renewals").rglob("*")):
        if path.is_file() and path.suffix in {".py", ".toml", ".html", ".txt", ".md"}:
            for rule_id in rules.cited_ids(path.read_text(encoding="utf-8", errors="replace")):
                cited.setdefault(rule_id, []).append(str(path.relative_to(ROOT)))
    unknown = {rule_id: files for rule_id, files in cited.items() if rule_id not in known}
    assert unknown == {}
    assert len(cited) > 60  # the scan sees the code's citations


def test_rules_page_lists_every_catalogued_and_cited_rule() -> None:
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    headed = set(re.findall(r"^### ([A-Z]+-\d+)$", page, flags=re.M))
    assert headed == set(rules.by_id())
    for module_ids in docgen.modules_citing():
        assert module_ids in headed


def test_citations_expand_ranges_and_pairs() -> None:
    assert rules.cited_ids("HEALTH-1..3, OWN-1/2 and SEG-4.") == {
        "HEALTH-1",
        "HEALTH-2",
        "HEALTH-3",
        "OWN-1",
        "OWN-2",
        "SEG-4",
    }
    assert rules.cited_ids("R-C0000012, acc-00042, ISO-8601") == set()


def test_every_rule_names_its_seed_article_and_section() -> None:
    for rule in rules.catalogue():
        assert rule.source.title and rule.sections and rule.says, rule.id


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_page_refers_to_a_file_outside_the_repository(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"\b(DOMAIN|ARCHITECTURE|STACK|STYLE)\.md\b|seeds/", text)
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        assert (page.parent / target).resolve().exists(), f"{page.name} links to {target}"


def test_product_defaults_in_defaults_toml_are_marked_in_the_schema() -> None:
    """A value whose comment in defaults.toml says "product default" is marked so in the
    schema, and shown so by `renewals policy show`."""
    marked = {e.key.split("[")[0].rsplit(".", 1)[-1] for e in service.entries(service.load())}
    sources = {e.key: e.source for e in service.entries(service.load())}
    section, checked = "", 0
    for line in service.defaults_text().splitlines():
        code, _, comment = line.partition("#")
        header = re.match(r"\s*\[\[?([a-z_.]+)\]\]?", code)
        if header:
            section = header.group(1)
            continue
        key = re.match(r"\s*([a-z_]+)\s*=", code)
        if key and "product default" in comment.lower() and key.group(1) in marked:
            prefix = f"{section}.{key.group(1)}"
            found = {k: s for k, s in sources.items() if re.sub(r"\[\d+\]", "", k) == prefix}
            assert found and set(found.values()) == {"product default"}, (prefix, found)
            checked += 1
    assert checked > 0
