"""The /v1 tracking API and the spool compaction (issue 19): write keys, limits, gzip,
groupId / group-call mapping, messageId de-duplication, quarantine, a compactor stopped
mid-batch."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from renewals.account.models import Account
from renewals.config import Settings
from renewals.db import session_scope
from renewals.ingest.models import ImportRun
from renewals.source import domain, service, spool
from renewals.source.models import SourceUser
from renewals.usage import repository as usage_repository
from renewals.web.app import create_app

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, str, Settings]]:
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path / "data",
        secret_key="k" * 48,
    )
    with session_scope(engine) as session:
        for account_id in ("acme", "globex"):
            session.add(Account(account_id=account_id, name=account_id.title()))
        key, _ = service.add(session, "web-app", by="test")
    assert key
    with TestClient(create_app(settings)) as client:
        yield client, key, settings


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def _track(message_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "messageId": message_id,
        "userId": "u1",
        "event": "report_run",
        "timestamp": "2026-11-23T10:00:00Z",
        "properties": {"feature": "reports"},
        **extra,
    }


def _stored(data_dir: Path) -> list[tuple[Any, ...]]:
    parts = [str(p) for p in usage_repository.events_dir(data_dir).glob("part-ingest-*.parquet")]
    if not parts:
        return []
    con = usage_repository.connect(data_dir, "1GB")
    try:
        return con.execute(
            f"SELECT account_id, user_id, event, feature FROM read_parquet({parts}) ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def test_calls_are_acknowledged_and_stored_once(world, engine: Engine) -> None:
    client, key, settings = world
    ok = client.post(
        "/v1/track", json=_track("m1", context={"groupId": "acme"}), headers=_auth(key)
    )
    assert ok.status_code == 200 and ok.json()["success"] is True
    # group call maps u2 to globex; u2's later calls need no groupId
    assert (
        client.post(
            "/v1/group",
            json={"userId": "u2", "groupId": "globex", "messageId": "g1"},
            headers=_auth(key),
        ).status_code
        == 200
    )
    batch = {
        "batch": [
            _track("m2", userId="u2"),
            _track("m1", context={"groupId": "acme"}),  # a retry: same messageId
            _track("m3", groupId="nobody"),  # unknown account: quarantined
            {"type": "page", "messageId": "p1", "userId": "u2", "name": "Pricing"},
            {"type": "track", "messageId": "bad1", "userId": "u1"},  # no event
        ]
    }
    assert client.post("/v1/batch", json=batch, headers=_auth(key)).status_code == 200
    report = service.compact(engine, settings.data_dir)
    assert report.total("read") == 7 and report.total("duplicates") == 1
    assert _stored(settings.data_dir) == [
        ("acme", "u1", "report_run", "reports"),
        ("globex", "u2", "page", "Pricing"),
        ("globex", "u2", "report_run", "reports"),
    ]
    q = service.quarantine(settings.data_dir)
    assert q.total == 2
    assert dict(q.by_reason) == {"unknown account": 1, "a track call needs `event`": 1}
    assert q.by_account == [("nobody", 1)]
    # The same messages again (a client retrying after a lost answer): nothing new.
    assert client.post("/v1/batch", json=batch, headers=_auth(key)).status_code == 200
    again = service.compact(engine, settings.data_dir)
    assert again.total("duplicates") == 5 and again.total("stored") == 0
    assert len(_stored(settings.data_dir)) == 3 and service.quarantine(settings.data_dir).total == 2
    with session_scope(engine) as session:
        mapping = session.scalars(select(SourceUser)).one()
        runs = session.scalars(select(ImportRun.counts)).all()
    assert (mapping.user_id, mapping.account_id) == ("u2", "globex")
    assert [r["events"]["stored"] for r in runs] == [3, 0]


def test_write_keys_gzip_and_limits(world, engine: Engine) -> None:
    client, key, settings = world
    body = json.dumps({"batch": [_track("z1", groupId="acme")]}).encode()
    zipped = client.post(
        "/v1/batch",
        content=gzip.compress(body),
        headers={**_auth(key), "Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert zipped.status_code == 200
    in_body = client.post("/v1/track", json={**_track("z2", groupId="acme"), "writeKey": key})
    assert in_body.status_code == 200
    wrong = client.post("/v1/track", json=_track("z3"), headers=_auth("rk_wrong"))
    assert wrong.status_code == 401 and wrong.json()["code"] == "unauthorized"
    assert client.post("/v1/track", json=_track("z3")).status_code == 401
    big = {"batch": [_track(f"b{i}", properties={"pad": "x" * 1000}) for i in range(600)]}
    too_big = client.post("/v1/batch", json=big, headers=_auth(key))
    assert too_big.status_code == 413 and too_big.json()["success"] is False
    bomb = gzip.compress(b'{"batch": [' + b" " * (domain.MAX_BATCH_BYTES + 10) + b"]}")
    assert (
        client.post(
            "/v1/batch", content=bomb, headers={**_auth(key), "Content-Encoding": "gzip"}
        ).status_code
        == 413
    )
    assert client.post("/v1/batch", content=b"{not json", headers=_auth(key)).status_code == 400
    broken = client.post(
        "/v1/batch", content=b"not gzip", headers={**_auth(key), "Content-Encoding": "gzip"}
    )
    assert broken.status_code == 400 and "gzip" in broken.json()["message"]
    assert client.post("/v1/batch", json={"batch": 1}, headers=_auth(key)).status_code == 400
    with session_scope(engine) as session:
        service.revoke(session, "web-app", by="test")
    revoked = client.post("/v1/track", json=_track("z4", groupId="acme"), headers=_auth(key))
    assert revoked.status_code == 401
    service.compact(engine, settings.data_dir)
    assert len(_stored(settings.data_dir)) == 2  # z1, z2; nothing from refused requests


def test_a_compactor_stopped_mid_batch_finishes_it_without_doubling(
    world, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, key, settings = world
    for i in range(3):
        batch = {"batch": [_track(f"c{i}-{j}", groupId="acme") for j in range(10)]}
        assert client.post("/v1/batch", json=batch, headers=_auth(key)).status_code == 200

    def crash(*_: Any) -> None:
        raise RuntimeError("killed after the parts were written")

    monkeypatch.setattr(service, "_record_import", crash)
    with pytest.raises(RuntimeError):
        service.compact(engine, settings.data_dir)
    assert len(spool.open_batches(settings.data_dir)) == 1  # left behind, parts written
    monkeypatch.undo()
    report = service.compact(engine, settings.data_dir)
    assert [b.stored for b in report.batches] == [30]
    assert len(_stored(settings.data_dir)) == 30
    assert service.stored_message_ids(settings.data_dir) == {"messages": 30, "distinct": 30}
    assert spool.backlog(settings.data_dir) == (0, 0)


def test_messages_are_normalised_per_the_tracking_spec() -> None:
    track = domain.normalise(
        {
            "type": "track",
            "userId": 7,
            "event": "e",
            "context": {"groupId": "acme"},
            "originalTimestamp": "2026-11-23T10:00:00+01:00",
            "messageId": "x",
        },
        received=NOW,
    )
    assert (track.user_id, track.group_id, track.timestamp) == (
        "7",
        "acme",
        "2026-11-23T09:00:00+00:00",
    )
    anonymous = domain.normalise({"type": "page", "anonymousId": "a1"}, received=NOW)
    assert anonymous.user_id == "a1" and anonymous.message_id.startswith("server-")
    assert anonymous.timestamp == NOW.isoformat() and anonymous.problem is None
    assert "userId or anonymousId" in (
        domain.normalise({"type": "track", "event": "e"}, received=NOW).problem or ""
    )
    assert "not one of" in (
        domain.normalise({"type": "boom", "userId": "u"}, received=NOW).problem or ""
    )
    assert domain.write_key_from("Basic " + base64.b64encode(b"rk_1:").decode(), None) == "rk_1"
    assert domain.write_key_from("Basic !!!", {"writeKey": "rk_2"}) is None
    assert domain.write_key_from(None, {"writeKey": "rk_2"}) == "rk_2"


def test_a_compactor_killed_while_deleting_a_batch_loses_nothing(world, engine: Engine) -> None:
    """Issue 19: the batch is deleted last, file by file; a kill in the middle leaves a batch
    directory with some of its files after its parts and import record are written. The next
    compactor must not compact that remainder again: the batch's parts would be written anew
    from it and the rest of the batch lost (the client-library SIGKILL test lost 22,900 of
    100,000 acknowledged events so, now and then)."""
    client, key, settings = world
    for i in range(4):
        batch = {"batch": [_track(f"k{i}-{j}", groupId="acme") for j in range(10)]}
        assert client.post("/v1/batch", json=batch, headers=_auth(key)).status_code == 200
    claimed = spool.claim(settings.data_dir, 100)
    assert claimed is not None
    kept = {p.name: p.read_bytes() for p in sorted(claimed.glob("*.jsonl"))[:1]}
    service.compact_batch(engine, settings.data_dir, claimed, "500MB")
    assert len(_stored(settings.data_dir)) == 40
    claimed.mkdir()  # as rmtree leaves it when killed after deleting three of the four files
    for name, content in kept.items():
        (claimed / name).write_bytes(content)
    report = service.compact(engine, settings.data_dir)
    assert len(_stored(settings.data_dir)) == 40
    assert service.stored_message_ids(settings.data_dir) == {"messages": 40, "distinct": 40}
    assert [b.read for b in report.batches] == [0]  # nothing compacted again
    assert spool.backlog(settings.data_dir) == (0, 0)
