"""docs/cli.md's reference is generated from the commands (issue 24): it fails here, not in
a reader's hands, when a command changes and the page does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from renewals.cli import COMMANDS
from renewals.kit import clidoc


def test_docs_cli_md_is_fresh() -> None:
    current = clidoc.PAGE.read_text(encoding="utf-8")
    assert clidoc.MARKER in current, (
        "docs/cli.md lost its marker: run `python -m renewals.kit.clidoc`"
    )
    assert current == clidoc.render(current), (
        "docs/cli.md is stale: run `python -m renewals.kit.clidoc`"
    )


def test_the_reference_has_every_command_and_the_hand_written_part_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "cli.md"
    page.write_text("# Intro written by hand\n\nExit codes: 0, 1, 2.\n", encoding="utf-8")
    monkeypatch.setattr(clidoc, "PAGE", page)
    monkeypatch.setattr(clidoc, "ROOT", tmp_path)
    assert clidoc.main(["--check"]) == 1  # no reference yet: stale
    assert clidoc.main([]) == 0
    written = page.read_text(encoding="utf-8")
    assert written.startswith("# Intro written by hand\n\nExit codes: 0, 1, 2.\n")
    for entry in COMMANDS:
        assert f"`renewals {entry.name}`" in written
    assert "`--json`" in written and "```console" not in written.split(clidoc.MARKER)[1]
    assert clidoc.main(["--check"]) == 0
    page.write_text(written.replace("--json", "--jsn", 1), encoding="utf-8")
    assert clidoc.main(["--check"]) == 1  # an edit by hand in the reference is caught
