"""Each check waits for exactly its protocol's floor of round trips, and never for a goodbye.

Through the benchmark's delay proxy (real Dovecot behind it), the round trips each connection
waited for are counted from the proxy's log up to the moment ``run_checks`` returned; what the
server sent later (its answer to LOGOUT/QUIT) was not waited for. Counts, not durations: the
delay only keeps the two directions apart so the count is determined. TCP's own handshake is
not in the counts (the kernel answers the SYN), so each floor below is the documented one
minus one.
"""

from __future__ import annotations

import socket
import time

import pytest

from bench.proxy import DelayProxy
from bench.relay import NullRelay, relay_port
from tests.support.checks import check_all, check_one
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER, OTHER_PASSWORD, OTHER_USER
from wizard.provider import load_provider
from wizard.services import Service

pytestmark = pytest.mark.dovecot

RTT_MS = 60.0

# Waits after connect(): IMAP TLS + greeting + login; SMTP greeting + EHLO + STARTTLS + TLS +
# EHLO + AUTH; Sieve greeting + STARTTLS + TLS + AUTHENTICATE (the restated capabilities come
# back with its answer).
FLOOR_WAITS = {"imap": 3, "smtp": 6, "sieve": 4}


@pytest.fixture
def relay(dovecot):
    """A relay behind Dovecot's submission service, as a real one has: without it Dovecot
    sends an unsolicited 421 right after 235, which would pass for QUIT's answer."""
    port = relay_port(dovecot.root / "dovecot.conf")
    assert port is not None
    try:  # the session's Haraka may already be listening there
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        pass
    else:
        yield None
        return
    server = NullRelay(port).start()
    yield server
    server.stop()


def _verify(dovecot, tmp_path, user: str, password: str):
    with DelayProxy(RTT_MS) as proxy:
        ports = {
            "imap": proxy.add_route("imap", dovecot.imap_port),
            "smtp": proxy.add_route("smtp", dovecot.submission_port),
            "sieve": proxy.add_route("sieve", dovecot.sieve_port),
        }
        provider = load_provider(
            dovecot.write_provider(
                tmp_path / "p.xml",
                imap_port=ports["imap"],
                smtp_port=ports["smtp"],
                sieve_port=ports["sieve"],
            )
        )
        results = check_all(provider, user, password, ca_file=dovecot.ca_pem)
        time.sleep(RTT_MS * 3 / 1000)  # let the goodbyes' answers come through
        proxy.wait_idle()
        logs = {log.route: log for log in proxy.take_logs()}
    assert all(r.ok for r in results), [(r.service, r.cause, r.message) for r in results]
    # Each check's verdict time on the proxy's clock (time.monotonic).
    offset = time.time() - time.monotonic()
    verdicts = {r.service.value: r.finished_at.timestamp() - offset for r in results}
    return results, logs, verdicts


@pytest.mark.parametrize(
    "user",
    [(GOOD_USER, GOOD_PASSWORD), (OTHER_USER, OTHER_PASSWORD)],
    ids=["non-ascii password (AUTHENTICATE)", "ascii password (LOGIN)"],
)
def test_each_check_waits_for_its_floor_only(dovecot, relay, tmp_path, user):
    _, logs, verdicts = _verify(dovecot, tmp_path, *user)
    # Half an RTT of slack both ways: the proxy stamps what it released a moment after the
    # client may have read it, and a goodbye's answer cannot come back sooner than one RTT.
    slack = RTT_MS / 2000
    waited = {route: log.round_trips(until=verdicts[route] + slack) for route, log in logs.items()}
    assert waited == FLOOR_WAITS


def test_goodbye_is_sent_but_its_answer_comes_after_the_verdict(dovecot, relay, tmp_path):
    results, logs, verdicts = _verify(dovecot, tmp_path, GOOD_USER, GOOD_PASSWORD)
    assert {r.service for r in results} == {Service.IMAP, Service.SMTP, Service.SIEVE}
    for r in results:
        assert r.steps[-1].name.value == "logout" and r.steps[-1].ok
        assert r.transcript[-1].text.endswith(("LOGOUT", "QUIT")), r.transcript[-1]
    for route, log in logs.items():
        # The server did answer (one more run of data), but only after the verdict.
        assert verdicts[route] < log.events[-1][0], route
        assert log.round_trips() == FLOOR_WAITS[route] + 1, route


def test_a_goodbye_that_cannot_be_sent_leaves_the_verdict_alone(dovecot, tmp_path, monkeypatch):
    from wizard.checks import runner
    from wizard.checks.imap import check_imap

    def imap_then_broken_goodbye(session, sock, password):
        check_imap(session, sock, password)

        def goodbye() -> None:
            raise BrokenPipeError("the server hung up right after the login")

        return goodbye

    monkeypatch.setitem(runner._PROTOCOLS, Service.IMAP, imap_then_broken_goodbye)
    provider = load_provider(dovecot.write_provider(tmp_path / "p.xml"))
    r = check_one(provider, provider.imap, GOOD_USER, GOOD_PASSWORD, ca_file=dovecot.ca_pem)
    assert r.ok and r.cause is None, (r.cause, r.message)
    assert r.steps[-1].name.value == "logout" and r.steps[-1].ok
    assert any("logout not sent" in t.text for t in r.transcript)
