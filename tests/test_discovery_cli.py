"""``python -m wizard discover`` and discovery in ``diagnose``, against the loopback world."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.support import discovery_world as w
from tests.support.dovecot_server import GOOD_PASSWORD
from wizard import cli


@pytest.fixture(scope="module")
def world(test_ca: trustme.CA) -> Iterator[w.World]:
    yield from w.running_world(test_ca)


@pytest.fixture
def on_loopback(world: w.World, monkeypatch: pytest.MonkeyPatch) -> w.World:
    """The CLI's network with the test port map (the only thing the CLI cannot be told)."""
    return w.route_to_loopback(world, monkeypatch)


def discover_cli(world: w.World, *args: str) -> list[str]:
    return [
        "discover",
        *args,
        "--dns-server",
        world.dns.spec,
        "--ca-file",
        str(world.dovecot.ca_pem),
        "--ispdb-url",
        world.ispdb,
    ]


def test_discover_json_has_the_issues_shape_and_exit_0_when_trusted(
    on_loopback: w.World, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(discover_cli(on_loopback, "joe@auto.test", "--json"))
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(out) == {"address", "domain", "ok", "trusted", "elapsed_ms", "settings", "lookups"}
    assert out["ok"] is True and out["trusted"] is True and out["domain"] == "auto.test"
    imap = out["settings"]["imap"]
    assert imap == {
        "hostname": "imap.auto.test",
        "port": 993,
        "security": "SSL",
        "username": "joe@auto.test",
        "authentication": "password-cleartext",
        "source": {
            "kind": "autoconfig",
            "where": "https://autoconfig.auto.test/mail/config-v1.1.xml",
            "trusted": True,
        },
    }
    assert out["settings"]["smtp"]["security"] == "STARTTLS"
    assert out["settings"]["sieve"] is None
    for entry in out["lookups"]:
        assert set(entry) == {"kind", "where", "outcome", "trusted", "detail", "ms"}
        assert entry["outcome"] in {"found", "none", "error", "skipped", "cancelled"}


def test_untrusted_only_exits_1_unless_accepted(
    on_loopback: w.World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(discover_cli(on_loopback, "hal@http.test")) == 1
    text = capsys.readouterr().out
    assert "Not trusted" in text and "http.test" in text and "--accept-untrusted" in text
    assert cli.main(discover_cli(on_loopback, "hal@http.test", "--accept-untrusted")) == 0


def test_nothing_found_exits_1(on_loopback: w.World, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(discover_cli(on_loopback, "x@nothing.test", "--json")) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["settings"] == {"imap": None, "smtp": None, "sieve": None}


@pytest.mark.parametrize(
    "args, words",
    [
        (["not-an-address"], "@"),
        (["a@b.test", "--dns-server", "resolver.example:53"], "--dns-server"),
        (["a@b.test", "--ispdb-url", "ftp://x"], "--ispdb-url"),
        (["a@b.test", "--timeout", "0"], "--timeout"),
        (["a@b.test", "--ca-file", "/nonexistent.pem"], "--ca-file"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["discover", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err


def test_the_builtin_provider_answers_sepheo_with_no_lookup(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # No --dns-server: any look-up would reach the (refused) system resolver and show an error.
    assert cli.main(["discover", "joe.bloggs@sepheo.co", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [x["kind"] for x in out["lookups"]] == ["provider"]
    assert out["settings"]["imap"]["hostname"] == "my.sepheo.co"


def test_diagnose_discovers_settings_for_a_domain_the_provider_does_not_cover(
    on_loopback: w.World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The found settings are what is verified: their host name (mail.sepheo.co, known only to
    the test's DNS server) resolved through --dns-server, the real Dovecot behind it."""
    d = on_loopback.dovecot
    other = tmp_path / "other.xml"
    other.write_bytes(
        w.client_config(
            "other.example", ("imap.other.example", 993, "SSL"), ("x.other.example", 465, "SSL")
        )
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(GOOD_PASSWORD + "\n"))
    code = cli.main(
        [
            "diagnose",
            "joe.bloggs@sepheo.co",
            "--provider",
            str(other),
            "--password-stdin",
            "--json",
            "--only",
            "imap,smtp",
            "--dns-server",
            on_loopback.dns.spec,
            "--ca-file",
            str(d.ca_pem),
            "--ispdb-url",
            on_loopback.ispdb,
        ]
    )
    captured = capsys.readouterr()
    out = captured.out
    assert code == 0, out
    assert "Settings from https://autoconfig.sepheo.co/mail/config-v1.1.xml" in captured.err
    report = json.loads(out)
    assert report["provider"] == "sepheo.co" and report["ok"] is True
    assert {c["port"] for c in report["checks"]} == {d.imap_port, d.submission_port}
    assert {c["host"] for c in report["checks"]} == {"mail.sepheo.co"}
    # Where the checked settings came from: discovery's answer, not the provider file.
    assert report["settings_origin"] == {
        "kind": "autoconfig",
        "where": "https://autoconfig.sepheo.co/mail/config-v1.1.xml",
        "trusted": True,
    }
    assert GOOD_PASSWORD not in out


def test_diagnose_sends_no_password_to_untrusted_settings(
    on_loopback: w.World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("secret-never-sent\n"))
    code = cli.main(
        [
            "diagnose",
            "hal@http.test",
            "--password-stdin",
            "--dns-server",
            on_loopback.dns.spec,
            "--ca-file",
            str(on_loopback.dovecot.ca_pem),
            "--ispdb-url",
            on_loopback.ispdb,
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "no password was sent" in captured.err
    assert "secret-never-sent" not in captured.out + captured.err


def test_a_silent_dns_server_is_named_as_such_not_blamed_on_the_web_servers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import socket

    # A UDP port on loopback that nobody reads: every DNS question goes unanswered.
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        port = silent.getsockname()[1]
        code = cli.main(
            ["discover", "joe@silent.test", "--json", "--timeout", "1"]
            + ["--dns-server", f"127.0.0.1:{port}"]
        )
    finally:
        silent.close()
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["ok"] is False
    web = [x for x in out["lookups"] if x["where"].startswith("https://")]
    assert web and all("port 443 did not answer" not in x["detail"] for x in web)
    assert any("no address for" in x["detail"] or "no DNS answer" in x["detail"] for x in web)
