"""The round trip (test message to oneself): its time, and how soon the app notices arrival.

    .venv/bin/python -m bench.roundtrip [--runs 5] [--rtts 0,100] [--json out.json]

Two measurements, each side by side for the ways the mailbox can be watched (NOTIFY+IDLE,
plain IDLE, NOOP polling every 1 s), at injected round-trip times (bench/proxy.py between the
app and both servers; Haraka → Dovecot over LMTP stays local, as in one data centre):

- **Round trip**: ``send_test_message()`` start to finish against the real Haraka (submission) and
  Dovecot (IMAP), and its "delivery" part (DATA accepted → the app knows it arrived).
- **Detection**: arrival in the mailbox → the app knows. The benchmark itself delivers a
  message with the token over LMTP at a random moment while the app waits, so "arrival" is
  the LMTP ``250 … Saved`` at the server. "Announced" is when Dovecot sent its new-mail
  notice: the moment its line reached the app minus one one-way delay. Dovecot holds every
  notice for about 0.5 s to batch changes (its mailbox watcher's own delay); that part is the
  server's, the same for every client, and shown separately.

All traffic stays on loopback (127.0.0.1).
"""

from __future__ import annotations

import argparse
import json
import random
import smtplib
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import trustme

from bench.proxy import DelayProxy
from bench.stats import median, spread, table
from bench.tuned_run import tuned_context
from tests.support.dovecot_server import GOOD_PASSWORD, GOOD_USER, DovecotServer, dovecot_available
from tests.support.haraka_server import HarakaServer, haraka_available
from wizard.checks.model import CancelToken, Direction
from wizard.checks.options import CheckOptions
from wizard.checks.session import CheckSession
from wizard.checks.test_message import (
    TestMessageResult,
    build_message,
    new_token,
    send_test_message,
)
from wizard.checks.test_message.mailbox import open_mailbox
from wizard.checks.test_message.run import Legs
from wizard.provider import Provider, load_provider
from wizard.services import Service

# (label, watch, fixed poll interval)
WAYS = (("NOTIFY+IDLE", "notify", None), ("IDLE", "idle", None), ("poll 1 s", "poll", 1.0))


@dataclass
class TripSample:
    rtt_ms: float
    way: str
    total_ms: float
    delivery_ms: float


@dataclass
class DetectSample:
    rtt_ms: float
    way: str
    detect_ms: float  # arrival → the app knows
    announce_ms: float | None  # arrival → Dovecot sent its notice (None when polling)


@contextmanager
def running_servers() -> Iterator[tuple[DovecotServer, HarakaServer]]:
    for missing in (dovecot_available(), haraka_available()):
        if missing:
            raise SystemExit(f"cannot run: missing {missing}; see tests/run_all.sh")
    with tempfile.TemporaryDirectory(prefix="wizard-bench-rt-") as tmp:
        root = Path(tmp)
        root.chmod(0o711)
        ca = trustme.CA()
        dovecot = DovecotServer(root / "dovecot", ca).start()
        haraka = HarakaServer(root / "haraka", ca, dovecot)
        try:
            haraka.start()
            yield dovecot, haraka
        finally:
            haraka.stop()
            dovecot.stop()


def _provider(
    proxy: DelayProxy, dovecot: DovecotServer, haraka: HarakaServer, tmp: Path
) -> Provider:
    imap = proxy.add_route("imap", dovecot.imap_port)
    smtp = proxy.add_route("smtp", haraka.submission_port)
    path = tmp / "provider.xml"
    path.write_text(
        dovecot.provider_xml(imap_port=imap, smtp_port=smtp, with_sieve=False), encoding="utf-8"
    )
    return load_provider(path)


def _trip(proxy: DelayProxy, provider: Provider, ca: Path, rtt: float, way: tuple) -> TripSample:
    label, watch, poll = way
    proxy.rtt_ms = rtt
    options = CheckOptions(ca_file=ca, test_message_timeout=20, send_test_message=True)
    ctx = tuned_context(provider, options, watch=watch, poll_interval=poll)
    result = send_test_message(provider, GOOD_USER, GOOD_PASSWORD, ctx)
    proxy.wait_idle()
    proxy.take_logs()
    if not result.ok or result.watch_mode != watch:
        raise SystemExit(f"round trip failed ({label}): {result.cause} {result.message}")
    # connect() costs no RTT through a user-space proxy (the kernel answers the SYN): add the
    # two legs' TCP handshakes back, one RTT each.
    return TripSample(rtt, label, result.duration_ms + 2 * rtt, result.delivery_ms or 0.0)


def _deliver_later(lmtp_port: int, token: str, delay: float, out: list[float]) -> None:
    time.sleep(delay)
    msg = build_message(GOOD_USER, token)
    with smtplib.LMTP("127.0.0.1", lmtp_port) as lmtp:
        lmtp.sendmail(GOOD_USER, [GOOD_USER], msg.as_bytes())
        out.append(time.monotonic())  # the 250 "Saved": it is in the mailbox


def _detect(
    proxy: DelayProxy, provider: Provider, dovecot: DovecotServer, rtt: float, way: tuple
) -> DetectSample:
    """The app's own watcher (the round trip's IMAP leg) waiting for a message the bench drops
    into the mailbox over LMTP at a random moment."""
    label, watch, poll = way
    proxy.rtt_ms = rtt
    token = new_token()
    cancel = CancelToken()
    scratch = TestMessageResult(
        service=Service.ROUNDTRIP,
        host=provider.imap.hostname,
        port=provider.imap.port,
        security=provider.imap.security,
        username=GOOD_USER,
    )
    ctx = tuned_context(provider, CheckOptions(ca_file=dovecot.ca_pem), cancel=cancel)
    main = CheckSession(scratch, GOOD_PASSWORD, 10.0, cancel, ctx.trust)
    legs = Legs(main, GOOD_PASSWORD, ctx)
    leg = legs.new(provider.imap, GOOD_USER)
    mailbox = open_mailbox(leg, legs.open(leg), GOOD_PASSWORD, token)
    try:
        mailbox.find_folders()
        mailbox.start_watching(watch)
        arrived: list[float] = []
        mono_to_wall = time.time() - time.monotonic()
        delay = random.uniform(0.3, 1.3)  # noqa: S311 - a benchmark's jitter, not a secret
        thread = threading.Thread(
            target=_deliver_later, args=(dovecot.lmtp_port, token, delay, arrived)
        )
        thread.start()
        found = mailbox.wait(time.monotonic() + 15, cancel, poll)
        thread.join()
        if found is None or not arrived:
            raise SystemExit(f"detection failed ({label})")
        announce = None
        if watch != "poll":
            after = datetime.fromtimestamp(arrived[0] + mono_to_wall - 0.05, UTC)
            notice = next(
                (
                    t
                    for t in leg.result.transcript
                    if t.direction is Direction.RECEIVED and t.at >= after and "EXISTS" in t.text
                ),
                None,
            )
            if notice is not None:
                seen = notice.at.timestamp() - mono_to_wall
                announce = (seen - proxy.one_way_s - arrived[0]) * 1000
        mailbox.remove(found)
        return DetectSample(rtt, label, (found.at - arrived[0]) * 1000, announce)
    finally:
        mailbox.close()
        legs.close()
        proxy.wait_idle()
        proxy.take_logs()


def measure(runs: int, rtts: list[float]) -> tuple[list[TripSample], list[DetectSample]]:
    trips: list[TripSample] = []
    detects: list[DetectSample] = []
    with (
        running_servers() as (dovecot, haraka),
        DelayProxy() as proxy,
        tempfile.TemporaryDirectory(prefix="wizard-bench-rt-p-") as tmp,
    ):
        provider = _provider(proxy, dovecot, haraka, Path(tmp))
        for way in WAYS:  # warm-up: Dovecot's and Haraka's first connections are slower
            _trip(proxy, provider, dovecot.ca_pem, 0, way)
        for rtt in rtts:
            for _ in range(runs):
                for way in WAYS:  # side by side: each way in every round
                    trips.append(_trip(proxy, provider, dovecot.ca_pem, rtt, way))
                    detects.append(_detect(proxy, provider, dovecot, rtt, way))
    return trips, detects


def report(trips: list[TripSample], detects: list[DetectSample], runs: int) -> str:
    rtts = sorted({t.rtt_ms for t in trips})
    out = [f"{runs} runs per cell; median (min–max), ms.", ""]
    rows = []
    for rtt in rtts:
        for label, _, _ in WAYS:
            cell = [t for t in trips if t.rtt_ms == rtt and t.way == label]
            rows.append(
                [
                    f"{rtt:.0f}",
                    label,
                    spread([t.total_ms for t in cell]),
                    spread([t.delivery_ms for t in cell]),
                ]
            )
    out.append("Round trip (open mailbox, send, wait, remove; +2 RTT for the TCP handshakes):")
    out.append("")
    out.append(table(["RTT", "watching", "whole round trip", "accepted → known"], rows))
    out.append("")
    rows = []
    for rtt in rtts:
        for label, watch, _ in WAYS:
            cell = [d for d in detects if d.rtt_ms == rtt and d.way == label]
            detect = [d.detect_ms for d in cell]
            announced = [d.announce_ms for d in cell if d.announce_ms is not None]
            after = [d.detect_ms - d.announce_ms for d in cell if d.announce_ms is not None]
            bound = rtt + 50
            within = f"{sum(a <= bound for a in after)}/{len(after)}" if watch != "poll" else "–"
            rows.append(
                [
                    f"{rtt:.0f}",
                    label,
                    spread(detect),
                    spread(announced) if announced else "–",
                    spread(after) if after else "–",
                    within,
                ]
            )
    out.append("Detection (the bench delivers over LMTP; the app is already waiting):")
    out.append("")
    out.append(
        table(
            [
                "RTT",
                "watching",
                "arrival → known",
                "arrival → Dovecot's notice",
                "notice → known",
                "≤ RTT+50",
            ],
            rows,
        )
    )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rtts", default="0,100", help="comma list of injected RTTs in ms")
    parser.add_argument("--json", metavar="FILE", help="also write the raw samples here")
    args = parser.parse_args(argv)
    rtts = [float(x) for x in args.rtts.split(",") if x.strip()]
    trips, detects = measure(args.runs, rtts)
    print(report(trips, detects, args.runs))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"trips": [asdict(t) for t in trips], "detects": [asdict(d) for d in detects]},
                indent=1,
            ),
            encoding="utf-8",
        )
    print(f"\nmedian detection, all cells: {median([d.detect_ms for d in detects]):.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
