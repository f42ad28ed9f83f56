"""How long until a dead server is reported, with the default timeout.

Three kinds of dead, all on loopback without firewall rules:

- no SYN-ACK: a listener whose accept queue is full and never drained; the kernel drops new
  SYNs, so ``connect()`` hangs as it does behind a firewall that drops packets;
- accepts, then silent: the delay proxy's silent route takes the connection and never
  forwards or answers (a hung server, or a middlebox that lets the handshake through);
- two addresses, no SYN-ACK on either: what a host with an IPv6 and an IPv4 address behind
  the same firewall looks like (the resolver is told to return the address twice).

    .venv/bin/python -m bench.blackhole [--skip-two-addresses]
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.fixture import blackhole_port
from bench.proxy import DelayProxy
from bench.stats import table
from bench.tuned_run import run_logins_any
from wizard.checks.model import DEFAULT_TIMEOUT, CheckResult
from wizard.provider import Provider, load_provider
from wizard.services import Service

# Allowed on top of the timeout for closing sockets, threads and writing the diagnosis.
SLACK_S = 0.5

PROVIDER = """<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="blackhole.invalid">
    <domain>blackhole.invalid</domain>
    <displayName>Blackhole</displayName>
    <incomingServer type="imap">
      <hostname>localhost</hostname><port>{imap}</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>localhost</hostname><port>{smtp}</port><socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </outgoingServer>
    <manageSieveServer>
      <hostname>localhost</hostname><port>{sieve}</port><socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </manageSieveServer>
  </emailProvider>
</clientConfig>
"""

ADDRESS = "someone@blackhole.invalid"
PASSWORD = "not-a-real-password-1"  # noqa: S105  (nothing ever checks it)


def _provider(tmp: Path, ports: dict[str, int]) -> Provider:
    path = tmp / "blackhole.xml"
    path.write_text(PROVIDER.format(**ports), encoding="utf-8")
    return load_provider(path)


def _really_blackholed(port: int) -> bool:
    """True when a connect to ``port`` gets no answer at all within half a second."""
    with socket.socket() as s:
        s.settimeout(0.5)
        try:
            s.connect(("127.0.0.1", port))
        except TimeoutError:
            return True
        except OSError:
            return False
        return False


@contextmanager
def _no_synack_ports() -> Iterator[dict[str, int]]:
    with ExitStack() as stack:
        ports = {name: stack.enter_context(blackhole_port()) for name in ("imap", "smtp", "sieve")}
        for name, port in ports.items():
            if not _really_blackholed(port):
                raise SystemExit(f"the {name} blackhole answered; this kernel accepted the SYN")
        yield ports


def _row(scenario: str, r: CheckResult) -> list[str]:
    failed = next((s.name.value for s in r.steps if not s.ok), "–")
    return [scenario, r.service.value, failed, r.cause or "ok", f"{r.duration_ms / 1000:.2f}"]


def run(tmp: Path, *, two_addresses: bool = True) -> str:
    rows: list[list[str]] = []
    walls: list[tuple[str, float, float]] = []

    def everything(scenario: str, ports: dict[str, int], bound: float) -> None:
        t0 = time.perf_counter()
        results = run_logins_any(_provider(tmp, ports), ADDRESS, PASSWORD, ca_file=None)
        walls.append((scenario, time.perf_counter() - t0, bound))
        rows.extend(_row(scenario, r) for r in results)

    # The documented bounds (wizard/checks/deadline.py): never connected, the connect bound T;
    # connected, T + 2 T for the rest (here: T for the greeting, then the TLS probe).
    with _no_synack_ports() as ports:
        everything("no SYN-ACK", ports, DEFAULT_TIMEOUT)
    with DelayProxy() as proxy:
        silent = {n: proxy.add_route(n, 9, silent=True) for n in ("imap", "smtp", "sieve")}
        everything("accepts, then silent", silent, 3 * DEFAULT_TIMEOUT)
    if two_addresses:
        with _no_synack_ports() as ports:
            provider = _provider(tmp, ports)
            server = next(s for s in provider.servers if s.service is Service.IMAP)
            twice = [("127.0.0.1", server.port)] * 2
            t0 = time.perf_counter()
            r = run_logins_any(
                provider,
                ADDRESS,
                PASSWORD,
                ca_file=None,
                only=[server.service],
                resolver=lambda host, port: twice,
            )[0]
            walls.append(("two addresses, no SYN-ACK", time.perf_counter() - t0, DEFAULT_TIMEOUT))
            rows.append(_row("two addresses, no SYN-ACK", r))

    out = [
        "### Dead server: time until the cause is reported "
        f"(default timeout {DEFAULT_TIMEOUT:g} s)\n",
        table(["scenario", "service", "failed step", "cause", "reported after s"], rows),
        "",
    ]
    for scenario, wall, limit in walls:
        verdict = "within" if wall <= limit + SLACK_S else "OVER"
        out.append(
            f"- {scenario}: whole verification reported after {wall:.2f} s "
            f"({verdict} the {limit:g} s bound + {SLACK_S} s)"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time until a dead server is reported.")
    parser.add_argument(
        "--skip-two-addresses", action="store_true", help="skip the two-address case"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wizard-bench-") as tmp:
        print(run(Path(tmp), two_addresses=not args.skip_two_addresses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
