"""One bounded HTTP(S) request with its redirects, for autoconfig, the ISPDB and Autodiscover.

Why ``http.client`` with our own connection rather than httpx: the look-ups must connect through
the run's resolver (``--dns-server``, Happy Eyeballs, the test suite's port map), and httpx
offers no public hook for name resolution (httpcore's network backend is not reachable through
``httpx.HTTPTransport``); its timeouts are per read, so a server dripping a byte a second would
never time out. Here the socket is ours: the whole request, redirects included, ends by one
deadline (a watchdog shuts the socket), the body is read to at most ``MAX_BODY`` bytes, and
``http.client`` only parses status line and headers (it caps their number and length itself).

Redirects are followed by hand, at most ``MAX_REDIRECTS``, and every hop is recorded: trust
needs to know whether one went to plain HTTP or to another registrable domain, and a request
that carries the address (``?emailaddress=``, an Autodiscover POST) never follows a redirect off
the address's own domain or off HTTPS.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from wizard.checks.errors import CheckCancelled
from wizard.checks.model import CancelToken
from wizard.discovery.model import Outcome
from wizard.discovery.net import LookupTimeout, NameNotFound, Network, guarded
from wizard.trust import same_registrable_domain

MAX_BODY = 256 * 1024  # a real autoconfig or Autodiscover answer is a few kilobytes
MAX_REDIRECTS = 5
USER_AGENT = "mail-setup-wizard"


class HttpProblem(Exception):
    """The request failed; the message says how, in a few words, for the look-up's detail."""

    # The host does not exist at all (NXDOMAIN, no address): "nothing published", not a fault.
    no_such_host: bool = False


class NoSuchHost(HttpProblem):
    no_such_host = True


def problem_outcome(exc: Exception) -> Outcome:
    """NONE for a host that does not exist, ERROR for everything else that went wrong."""
    return Outcome.NONE if isinstance(exc, HttpProblem) and exc.no_such_host else Outcome.ERROR


@dataclass(frozen=True)
class HttpAnswer:
    """The last response, and the chain of URLs that led to it (the first is the one asked)."""

    url: str
    status: int
    body: bytes
    chain: tuple[str, ...]
    content_type: str = ""
    ms: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def all_https(self) -> bool:
        return all(u.startswith("https://") for u in self.chain)

    def left_domain(self, domain: str) -> str | None:
        """The first host in the chain outside ``domain``'s registrable domain, if any."""
        for url in self.chain:
            host = urlsplit(url).hostname or ""
            if not same_registrable_domain(host, domain):
                return host
        return None


@dataclass(frozen=True)
class Request:
    url: str
    method: str = "GET"
    body: bytes | None = None
    content_type: str = ""
    # The request carries the address: never follow it off ``home`` or off HTTPS.
    private_to: str | None = None
    # False: a redirect is returned as the answer (its Location in ``headers``).
    follow: bool = True


def fetch(net: Network, request: Request, cancel: CancelToken, end: float) -> HttpAnswer:
    """Make the request, following redirects, all before ``end`` (``time.monotonic``)."""
    t0 = time.monotonic()
    chain = [request.url]
    url, method, body = request.url, request.method, request.body
    for _ in range(MAX_REDIRECTS + 1):
        status, headers, data = _one(net, url, method, body, request.content_type, cancel, end)
        location = headers.get("location")
        if status in (301, 302, 303, 307, 308) and location and request.follow:
            target = urljoin(url, location)
            if not target.startswith(("https://", "http://")):
                raise HttpProblem(f"redirect to {target!r}, not a web address")
            if request.private_to is not None:
                host = urlsplit(target).hostname or ""
                if not target.startswith("https://"):
                    raise HttpProblem(f"redirect to plain HTTP ({target}); the address not sent")
                if not same_registrable_domain(host, request.private_to):
                    raise HttpProblem(
                        f"redirect to another domain ({host}); the address was not sent there"
                    )
            if target in chain:
                raise HttpProblem(f"redirect loop ({' → '.join(chain + [target])})")
            chain.append(target)
            url = target
            if status == 303:
                method, body = "GET", None
            continue
        return HttpAnswer(
            url=url,
            status=status,
            body=data,
            chain=tuple(chain),
            content_type=headers.get("content-type", ""),
            ms=(time.monotonic() - t0) * 1000,
            headers=headers,
        )
    raise HttpProblem(f"more than {MAX_REDIRECTS} redirects")


def _one(
    net: Network,
    url: str,
    method: str,
    body: bytes | None,
    content_type: str,
    cancel: CancelToken,
    end: float,
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    host = parts.hostname
    if not host or parts.scheme not in ("http", "https"):
        raise HttpProblem(f"not a web address: {url}")
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    left = end - time.monotonic()
    if left <= 0:
        raise LookupTimeout("out of time")
    try:
        raw = net.connect(host, port, cancel, bound=min(left, net.op_timeout))
    except CheckCancelled:
        raise
    except NameNotFound as exc:
        raise NoSuchHost(str(exc)) from None
    except ConnectionRefusedError:
        raise HttpProblem(f"{host} port {port} refused the connection") from None
    except LookupTimeout as exc:  # the name's look-up, not the web server, ran out of time
        raise HttpProblem(str(exc)) from None
    except TimeoutError:
        raise HttpProblem(f"{host} port {port} did not answer") from None
    except OSError as exc:
        raise HttpProblem(f"cannot connect to {host} port {port}: {exc.strerror or exc}") from None
    sock: socket.socket = raw
    with guarded(raw, cancel, end):
        try:
            raw.settimeout(min(net.op_timeout, max(0.01, end - time.monotonic())))
            if https:
                sock = net.tls(raw, host)
            conn = _Connection(host, port, sock, https)
            headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"}
            if content_type:
                headers["Content-Type"] = content_type
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read(MAX_BODY + 1)
            if len(data) > MAX_BODY:
                raise HttpProblem(f"the answer is larger than {MAX_BODY // 1024} KB")
            found = {k.lower(): v for k, v in response.getheaders()}
            return response.status, found, data
        except ssl.SSLCertVerificationError as exc:
            raise HttpProblem(
                f"{host}: certificate not valid ({exc.verify_message or exc.reason})"
            ) from None
        except ssl.SSLError as exc:
            raise HttpProblem(f"{host}: TLS failed ({exc.reason or exc})") from None
        except http.client.HTTPException as exc:
            cancel.raise_if_cancelled()
            if time.monotonic() >= end:
                raise HttpProblem(f"{host} did not finish answering in time") from None
            raise HttpProblem(
                f"{host}: not a valid HTTP answer ({exc.__class__.__name__})"
            ) from None
        except (TimeoutError, OSError) as exc:
            cancel.raise_if_cancelled()
            if isinstance(exc, TimeoutError) or time.monotonic() >= end:
                raise HttpProblem(f"{host} did not finish answering in time") from None
            raise HttpProblem(f"{host}: connection failed ({exc.strerror or exc})") from None
        finally:
            sock.close()


class _Connection(http.client.HTTPConnection):
    """``http.client`` over a socket that is already connected (and secured) by us."""

    def __init__(self, host: str, port: int, sock: socket.socket, https: bool) -> None:
        # The Host header names the port only when it is not the scheme's own.
        self.default_port = 443 if https else 80
        super().__init__(host, port)
        self.sock = sock

    def connect(self) -> None:  # the socket is given; never connect on our own
        raise http.client.NotConnected()
