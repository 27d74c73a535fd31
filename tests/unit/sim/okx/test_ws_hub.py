"""The WebSocket hub without sockets: subscribe/login flows, book pushes, and no inbound frame
that can raise or produce anything but JSON (or "pong")."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.sim.okx.auth import Credentials
from services.sim.okx.checksum import book_checksum
from services.sim.okx.ws import CloseFrame, Connection, WsHub
from tests.unit.sim.okx.factories import make_exchange

CREDS = Credentials("k", "s", "p")


def _hub(now: float = 1_700_000_000.0) -> WsHub:
    exchange, _, _ = make_exchange()
    hub = WsHub(
        exchange,
        CREDS,
        seed=1,
        checksum_mode="crc32",
        idle_timeout_secs=0,
        auth_window_secs=30,
        wall_secs=lambda: now,
    )
    exchange.sink = hub
    return hub


def _drain(conn: Connection) -> list[Any]:
    out: list[Any] = []
    while not conn.queue.empty():
        item = conn.queue.get_nowait()
        out.append(
            item if isinstance(item, CloseFrame) else (item if item == "pong" else json.loads(item))
        )
    return out


def _login_frame(ts: str, secret: str = "s") -> str:
    sign = base64.b64encode(
        hmac.new(secret.encode(), f"{ts}GET/users/self/verify".encode(), hashlib.sha256).digest()
    )
    return json.dumps(
        {
            "op": "login",
            "args": [{"apiKey": "k", "passphrase": "p", "timestamp": ts, "sign": sign.decode()}],
        }
    )


def test_books_subscription_gets_a_verifiable_snapshot_then_chained_updates() -> None:
    hub = _hub()
    conn = hub.connect(private=False)
    hub.handle_text(
        conn,
        json.dumps(
            {"id": "1", "op": "subscribe", "args": [{"channel": "books", "instId": "BTC-USDT"}]}
        ),
    )
    ack, snapshot = _drain(conn)
    assert (ack["id"], ack["event"], ack["connId"]) == ("1", "subscribe", conn.conn_id)
    data = snapshot["data"][0]
    assert (snapshot["action"], data["prevSeqId"]) == ("snapshot", -1)
    assert book_checksum(data["bids"], data["asks"]) == data["checksum"]
    inst = hub.exchange.instruments["BTC-USDT"]
    hub.exchange.synthetic_market(inst, "buy", Decimal("0.5"))
    hub.tick()
    updates = [m for m in _drain(conn) if m.get("action") == "update"]
    assert len(updates) == 1 and updates[0]["data"][0]["prevSeqId"] == data["seqId"]


def test_private_flow_login_then_subscribe() -> None:
    hub = _hub()
    conn = hub.connect(private=True)
    hub.handle_text(
        conn, json.dumps({"op": "subscribe", "args": [{"channel": "orders", "instType": "ANY"}]})
    )
    assert _drain(conn)[0]["code"] == "60011"
    hub.handle_text(conn, _login_frame("1700000000"))
    assert _drain(conn)[0] == {"event": "login", "code": "0", "msg": "", "connId": conn.conn_id}
    hub.handle_text(
        conn, json.dumps({"op": "subscribe", "args": [{"channel": "orders", "instType": "BOGUS"}]})
    )
    assert _drain(conn)[0]["code"] == "60018"


def test_login_on_the_public_url_is_refused() -> None:
    hub = _hub()
    conn = hub.connect(private=False)
    hub.handle_text(conn, _login_frame("1700000000"))
    assert _drain(conn)[0]["code"] == "60028"


def test_drop_all_queues_close_frames() -> None:
    hub = _hub()
    conns = [hub.connect(private=False), hub.connect(private=True)]
    assert hub.drop_all(4001, "x") == 2
    assert all(_drain(c) == [CloseFrame(4001, "x")] for c in conns)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
frames = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda op, args: json.dumps({"op": op, "args": args}),
        st.sampled_from(
            [
                "subscribe",
                "unsubscribe",
                "login",
                "order",
                "batch-orders",
                "cancel-order",
                "amend-order",
                "x",
            ]
        ),
        json_values,
    ),
    st.builds(
        lambda ch, inst: json.dumps(
            {"op": "subscribe", "args": [{"channel": ch, "instId": inst, "instType": inst}]}
        ),
        st.sampled_from(
            [
                "books",
                "books5",
                "bbo-tbt",
                "tickers",
                "trades",
                "funding-rate",
                "mark-price",
                "orders",
                "positions",
                "account",
            ]
        ),
        st.sampled_from(["BTC-USDT", "BTC-USDT-SWAP", "ANY", "", "NOPE"]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(frame=frames, private=st.booleans())
def test_no_inbound_frame_raises_or_answers_malformed(frame: str, private: bool) -> None:
    hub = _HUB
    conn = hub.connect(private=private)
    conn.logged_in = private
    with hub.exchange.operation():
        hub.handle_text(conn, frame)
    for message in _drain(conn):
        assert message == "pong" or isinstance(message, dict)
    hub.disconnect(conn)


_HUB = _hub()
