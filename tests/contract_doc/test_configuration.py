"""No example vendor and no guessed address reach a customer: proposals and contracts are
refused until RENEWALS_VENDOR_NAME / RENEWALS_VENDOR_ADDRESS are set, signing links until
RENEWALS_PUBLIC_URL is; the error names the setting and nothing is written."""

from __future__ import annotations

import json

import pytest
from contract_doc.test_workflow import CARL, MIA, book, cli  # noqa: F401 (book: fixture)

from renewals.config import NotConfigured, Settings, demo_settings, public_base, require_vendor


def test_without_a_vendor_nothing_is_generated() -> None:
    bare = Settings(vendor_name=None, vendor_address=None, public_url=None)
    with pytest.raises(NotConfigured, match="RENEWALS_VENDOR_NAME and RENEWALS_VENDOR_ADDRESS"):
        require_vendor(bare)
    with pytest.raises(NotConfigured, match="set RENEWALS_VENDOR_NAME:"):
        require_vendor(bare, address=False)
    with pytest.raises(NotConfigured, match="RENEWALS_PUBLIC_URL"):
        public_base(bare)
    named = Settings(vendor_name=" Acme Vendor AG ", vendor_address="Bahnhofstr. 1, Zürich")
    assert require_vendor(named) == ("Acme Vendor AG", "Bahnhofstr. 1, Zürich")


def test_only_the_demo_fills_them_in() -> None:
    bare = Settings(vendor_name=None, vendor_address=None, public_url=None)
    demo = demo_settings(bare, "127.0.0.1", 8765)
    assert demo.public_url == "http://127.0.0.1:8765"
    assert demo.vendor_name and "demo" in demo.vendor_name
    mine = Settings(vendor_name="Mine Ltd", vendor_address="x", public_url="https://r.example")
    assert demo_settings(mine, "0.0.0.0", 1) == mine


def test_the_cli_refuses_and_writes_nothing(book, engine) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """`contract create` without a vendor, `contract send` without a public address: exit 1
    naming the setting, no document and no link."""
    from sqlalchemy import func, select

    from renewals.contract_doc.models import ContractDocument
    from renewals.db import session_scope

    unset = {"RENEWALS_VENDOR_NAME": None, "RENEWALS_VENDOR_ADDRESS": None}
    refused = cli(book, "create", "R-globex-2026", "--by", CARL, env=unset)
    assert refused.exit_code == 1 and "RENEWALS_VENDOR_NAME" in refused.output
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(ContractDocument)) == 0
    made = cli(book, "create", "R-globex-2026", "--by", CARL, "--json")
    assert made.exit_code == 0, made.output
    doc_id = str(json.loads(made.output)["id"])
    assert cli(book, "submit", doc_id, "--by", CARL).exit_code == 0
    assert cli(book, "approve", doc_id, "--by", MIA).exit_code == 0
    sent = cli(book, "send", doc_id, "--by", CARL, env={"RENEWALS_PUBLIC_URL": None})
    assert sent.exit_code == 1 and "RENEWALS_PUBLIC_URL" in sent.output
    with session_scope(engine) as session:
        assert session.get(ContractDocument, int(doc_id)).status == "approved"  # type: ignore[union-attr]
