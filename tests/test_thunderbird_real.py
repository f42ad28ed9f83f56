"""Proof with a real Thunderbird: what the writer puts in a profile, Thunderbird actually uses.

The main test creates a profile the way Thunderbird does (``-CreateProfile``), finds it with
``find_profiles``, writes the account pointed at the Dovecot fixture, trusts the test CA in the
profile's NSS database and starts ``thunderbird --headless``. Dovecot's log must then show
Thunderbird logging in over TLS as the address, on the IMAP port we wrote (checked on
Thunderbird's own sockets), and SMTP logging in with the password it borrowed from IMAP. After a
graceful quit, the prefs.js that Thunderbird rewrote must still hold every pref we wrote.

Why the test stores a password: Thunderbird asks for the password *before* it sends the
username (AUTHENTICATE PLAIN carries both), and headless there is nobody to answer. With no
password Dovecot only logs "no auth attempts ... user=<>" and a modal prompt blocks the rest.
So the test, not the writer, puts the fixture's test password into the throw-away profile's
password manager (logins.json, encrypted with NSS's SDR key like Thunderbird does).

Only loopback: the test profile's user.js sends every HTTP(S) request to a closed port on
127.0.0.1 and switches off updates, telemetry, remote settings and the like; Thunderbird gets a
private HOME and no D-Bus or display; a watcher asserts Thunderbird's sockets only ever talk to
loopback. Marionette (Gecko's remote protocol, on 127.0.0.1) is used to quit gracefully and to
ask Thunderbird about the SMTP/IMAP password link.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import ctypes.util
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wizard.clients.thunderbird import Cause, check_profile_lock, find_profiles, write_account
from wizard.clients.thunderbird.prefsjs import PrefValue, decode, parse_prefs, render_pref
from wizard.provider import load_provider

pytestmark = pytest.mark.thunderbird

IN_CI = os.environ.get("CI", "").lower() == "true"
DATA = Path(__file__).parent / "data" / "thunderbird" / "profiles"
FULL_NAME = "Joe Bloggs"

# Loaded from the test profile's user.js only; never used on a real profile.
ISOLATION_PREFS: dict[str, PrefValue] = {
    # Any HTTP(S)/WebSocket request goes to a closed loopback port (and the proxy, not
    # Thunderbird, would resolve the name, so no DNS either). IMAP/SMTP to localhost go direct.
    "network.proxy.type": 1,
    "network.proxy.http": "127.0.0.1",
    "network.proxy.http_port": 9,
    "network.proxy.ssl": "127.0.0.1",
    "network.proxy.ssl_port": 9,
    "network.proxy.share_proxy_settings": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "network.predictor.enabled": False,
    "network.trr.mode": 5,
    "network.connectivity-service.enabled": False,
    "network.captive-portal-service.enabled": False,
    "app.update.auto": False,
    "app.update.checkInstallTime": False,
    "app.normandy.enabled": False,
    "app.normandy.api_url": "",
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.systemAddon.update.enabled": False,
    "extensions.blocklist.enabled": False,
    "services.settings.server": "http://127.0.0.1:9/v1",
    "security.OCSP.enabled": 0,
    "security.remote_settings.crlite_filters.enabled": False,
    "security.remote_settings.intermediates.enabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.server": "",
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.usage.uploadEnabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.region.network.url": "",
    "browser.region.update.enabled": False,
    "geo.enabled": False,
    "media.gmp-manager.url": "",
    "media.gmp-provider.enabled": False,
    "mailnews.start_page.enabled": False,
    "mail.shell.checkDefaultClient": False,
    "mail.inappnotifications.enabled": False,
    "mail.cloud_files.enabled": False,
    "mailnews.auto_config_url": "",
    "marionette.port": 0,  # any free loopback port, written to MarionetteActivePort
    # Not set on purpose: mail.provider.suppress_dialog_on_startup. With our account in place
    # isFirstRun() is false, so neither the account hub nor the first-run flow opens; that pref
    # would also skip verifyExistingAccounts(), which creates Local Folders, and we want to see
    # Thunderbird do that.
}


# --- prerequisites ---


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but {what}", pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope="module")
def thunderbird() -> str:
    path = shutil.which("thunderbird")
    if not path:
        _missing("Thunderbird is not installed (Debian: apt install thunderbird)")
    assert path is not None
    if not shutil.which("certutil") or not ctypes.util.find_library("nss3"):
        _missing("NSS tools are not installed (Debian: apt install libnss3-tools)")
    return path


@pytest.fixture
def dovecot_server(request: pytest.FixtureRequest, thunderbird: str) -> Any:
    try:
        return request.getfixturevalue("dovecot")
    except pytest.FixtureLookupError:
        pytest.skip("the 'dovecot' fixture (tests/conftest.py) is not available")


def _environment(home: Path) -> dict[str, str]:
    """A private HOME and nothing from the desktop session (no D-Bus, no display)."""
    for sub in (".config", ".cache", ".local/share", "tmp"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "TMPDIR": str(home / "tmp"),
        "LANG": "C.UTF-8",
        "MOZ_HEADLESS": "1",
        "MOZ_DISABLE_AUTO_SAFE_MODE": "1",
        "MOZ_CRASHREPORTER_DISABLE": "1",
    }


def _create_profile(thunderbird: str, env: dict[str, str], folder: Path) -> None:
    """Exactly what Thunderbird's profile manager does: a folder, times.json, profiles.ini."""
    subprocess.run(
        [thunderbird, "--headless", "-CreateProfile", f"wizard-test {folder}"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert folder.is_dir()
    assert not (folder / "prefs.js").exists()  # never started


def _isolate(profile: Path) -> None:
    lines = [render_pref(name, value) for name, value in ISOLATION_PREFS.items()]
    (profile / "user.js").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _trust_ca(profile: Path, ca_pem: Path) -> None:
    subprocess.run(
        ["certutil", "-A", "-n", "wizard-test-ca", "-t", "C,,", "-i", str(ca_pem)]
        + ["-d", f"sql:{profile}"],
        check=True,
        capture_output=True,
        timeout=60,
    )


# --- the test profile's password (test scaffolding; see the module docstring) ---


class _SECItem(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("data", ctypes.POINTER(ctypes.c_ubyte)),
        ("len", ctypes.c_uint),
    ]


def _store_test_password(profile: Path, origin: str, username: str, password: str) -> None:
    """Write logins.json as Thunderbird's login manager does (encType 1: NSS SDR)."""
    nss = ctypes.CDLL(ctypes.util.find_library("nss3") or "libnss3.so")
    nss.NSS_InitReadWrite.argtypes = [ctypes.c_char_p]
    nss.PK11_GetInternalKeySlot.restype = ctypes.c_void_p
    nss.PK11_NeedUserInit.argtypes = [ctypes.c_void_p]
    nss.PK11_InitPin.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    nss.PK11_CheckUserPassword.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    item = ctypes.POINTER(_SECItem)
    nss.PK11SDR_Encrypt.argtypes = [item, item, item, ctypes.c_void_p]
    nss.SECITEM_ZfreeItem.argtypes = [item, ctypes.c_int]
    nss.PK11_FreeSlot.argtypes = [ctypes.c_void_p]
    assert nss.NSS_InitReadWrite(f"sql:{profile}".encode()) == 0, "NSS_InitReadWrite"
    slot = nss.PK11_GetInternalKeySlot()
    try:
        if nss.PK11_NeedUserInit(slot):
            assert nss.PK11_InitPin(slot, b"", b"") == 0, "PK11_InitPin"
        assert nss.PK11_CheckUserPassword(slot, b"") == 0, "PK11_CheckUserPassword"

        def encrypt(text: str) -> str:
            raw = text.encode("utf-8")
            buf = (ctypes.c_ubyte * len(raw)).from_buffer_copy(raw)
            data, key, out = _SECItem(0, buf, len(raw)), _SECItem(0, None, 0), _SECItem(0, None, 0)
            assert nss.PK11SDR_Encrypt(key, data, out, None) == 0, "PK11SDR_Encrypt"
            sealed = ctypes.string_at(out.data, out.len)
            nss.SECITEM_ZfreeItem(out, 0)
            return base64.b64encode(sealed).decode()

        now = int(time.time() * 1000)
        login = {
            "id": 1,
            "hostname": origin,
            "httpRealm": origin,
            "formSubmitURL": None,
            "usernameField": "",
            "passwordField": "",
            "encryptedUsername": encrypt(username),
            "encryptedPassword": encrypt(password),
            "guid": "{" + str(uuid.uuid4()) + "}",
            "encType": 1,
            "timeCreated": now,
            "timeLastUsed": now,
            "timePasswordChanged": now,
            "timesUsed": 1,
        }
    finally:
        nss.PK11_FreeSlot(slot)
        nss.NSS_Shutdown()
    document = {
        "nextId": 2,
        "logins": [login],
        "potentiallyVulnerablePasswords": [],
        "dismissedBreachAlertsByLoginGUID": {},
        "version": 3,
    }
    (profile / "logins.json").write_text(json.dumps(document), encoding="utf-8")


# --- running Thunderbird ---


class Marionette:
    """Just enough of Gecko's Marionette protocol (length-prefixed JSON on loopback)."""

    def __init__(self, port: int, timeout: float = 90) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.stream = self.sock.makefile("rb")
        self.next_id = 0
        hello = self._read()
        assert hello.get("applicationType") == "gecko", hello

    def _read(self) -> Any:
        size = b""
        while (ch := self.stream.read(1)) != b":":
            if not ch:
                raise ConnectionError("Marionette closed the connection")
            size += ch
        return json.loads(self.stream.read(int(size)))

    def command(self, name: str, params: dict[str, Any] | None = None) -> Any:
        self.next_id += 1
        body = json.dumps([0, self.next_id, name, params or {}]).encode()
        self.sock.sendall(str(len(body)).encode() + b":" + body)
        while True:
            kind, msg_id, error, result = self._read()
            if kind == 1 and msg_id == self.next_id:
                if error:
                    raise RuntimeError(f"{name}: {error.get('message', error)}")
                return result

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def _process_group(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid:
                    pids.append(int(entry.name))
    return pids


def _address(hex_text: str) -> tuple[str, int]:
    host, port = hex_text.split(":")
    raw = bytes.fromhex(host)
    # /proc stores each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    ip = ipaddress.ip_address(words)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ip), int(port, 16)


class SocketWatch:
    """Every remote address Thunderbird's processes have a socket to, sampled while it runs."""

    def __init__(self, pgid: int) -> None:
        self.pgid = pgid
        self.remotes: set[tuple[str, str, int]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SocketWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError):
                self.sample()
            self._stop.wait(0.2)

    def sample(self) -> None:
        inodes: set[str] = set()
        for pid in _process_group(self.pgid):
            with contextlib.suppress(OSError):
                for fd in Path(f"/proc/{pid}/fd").iterdir():
                    with contextlib.suppress(OSError):
                        target = os.readlink(fd)
                        if target.startswith("socket:["):
                            inodes.add(target[8:-1])
        for proto in ("tcp", "tcp6", "udp", "udp6"):
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/net/{proto}").read_text().splitlines()[1:]:
                    fields = line.split()
                    if fields[9] in inodes:
                        ip, port = _address(fields[2])
                        if port:  # 0 = not connected (listening or unbound)
                            self.remotes.add((proto.rstrip("6"), ip, port))

    def non_loopback(self) -> set[tuple[str, str, int]]:
        return {r for r in self.remotes if not ipaddress.ip_address(r[1]).is_loopback}


@contextlib.contextmanager
def running_thunderbird(
    thunderbird: str, profile: Path, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    command = [thunderbird, "--headless", "--no-remote", "--marionette"]
    command += ["-remote-allow-system-access", "--profile", str(profile)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:  # the test failed before quitting: end what we started
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def _wait_for(what: str, check: Any, timeout: float, proc: subprocess.Popen[bytes]) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        if proc.poll() is not None:
            pytest.fail(f"Thunderbird exited (status {proc.returncode}) before {what}")
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _marionette(profile: Path, proc: subprocess.Popen[bytes]) -> Marionette:
    port_file = profile / "MarionetteActivePort"
    _wait_for("Marionette to listen", port_file.exists, 60, proc)
    port = int(_wait_for("the Marionette port", lambda: port_file.read_text().strip(), 10, proc))
    client = Marionette(port)
    client.command("WebDriver:NewSession", {"capabilities": {}})
    return client


def _quit_gracefully(client: Marionette, proc: subprocess.Popen[bytes], profile: Path) -> None:
    """Marionette:Quit runs Thunderbird's normal shutdown (prefs saved, lock released)."""
    client.command("Marionette:Quit", {"flags": ["eAttemptQuit"]})
    client.close()
    proc.wait(60)
    checkpoints = json.loads((profile / "sessionCheckpoints.json").read_text())
    assert checkpoints.get("profile-before-change"), f"not a clean shutdown: {checkpoints}"
    # Gecko's fast shutdown leaves the lock symlink behind even on a clean exit; the lock
    # check must see through it (the process it names is gone, .parentlock is unlocked).
    state = check_profile_lock(profile)
    assert not state.running, state


def _new_log_text(path: Path, start: int) -> str:
    with contextlib.suppress(OSError), path.open("rb") as f:
        f.seek(start)
        return f.read().decode("utf-8", "replace")
    return ""


def _kept(name: str, value: PrefValue, after: dict[str, PrefValue]) -> bool:
    """Same value; or, for the shared lists and the key counter, ours still in them."""
    if name not in after:
        return False
    if name in ("mail.accountmanager.accounts", "mail.smtpservers"):
        mine, theirs = str(value).split(","), str(after[name]).split(",")
        return theirs[: len(mine)] == mine  # Thunderbird appends Local Folders
    if name == "mail.account.lastKey":
        return isinstance(after[name], int) and int(after[name]) >= int(value)
    return after[name] == value and type(after[name]) is type(value)


def _prefs(profile: Path) -> dict[str, PrefValue]:
    return parse_prefs(decode((profile / "prefs.js").read_bytes())).values()


# --- the tests ---


def test_thunderbird_logs_in_with_the_written_account_and_keeps_it(
    thunderbird: str, dovecot_server: Any, tmp_path: Path
) -> None:
    version = subprocess.run(
        [thunderbird, "--version"], capture_output=True, text=True, timeout=60
    ).stdout.strip()
    print(f"testing with {version}")
    home = tmp_path / "home"
    env = _environment(home)
    profile_dir = tmp_path / "profile"
    _create_profile(thunderbird, env, profile_dir)

    search = find_profiles(home=home, platform="linux", environ={})
    # Created in a folder of our choosing (absolute Path=, outside ~/.thunderbird): listed and
    # named as such, never taken as the default on its own (issue 28), so the person picks it.
    [found] = search.profiles
    assert search.preferred is None, search.message
    assert found.path == profile_dir and found.outside and not found.has_prefs

    users: dict[str, str] = dovecot_server.users
    address = "joe.bloggs@sepheo.co" if "joe.bloggs@sepheo.co" in users else next(iter(users))
    provider = load_provider(dovecot_server.write_provider(tmp_path / "provider.xml"))
    result = write_account(profile_dir, provider, address, FULL_NAME)
    assert result.ok and result.new_account, result.message
    written = _prefs(profile_dir)
    ours = {name: written[name] for name in (*result.created, *result.updated)}
    server, smtp = f"mail.server.{result.server_key}.", f"mail.smtpserver.{result.smtp_key}."
    assert ours[server + "port"] == dovecot_server.imap_port and ours[server + "socketType"] == 3
    assert ours[smtp + "port"] == dovecot_server.submission_port and ours[smtp + "try_ssl"] == 2

    _isolate(profile_dir)
    _trust_ca(profile_dir, dovecot_server.ca_pem)
    login = provider.imap.username_for(address)
    _store_test_password(profile_dir, f"imap://{provider.imap.hostname}", login, users[address])

    log_path: Path = dovecot_server.log_path
    log_start = log_path.stat().st_size if log_path.exists() else 0
    imap_login = re.compile(
        rf"imap-login: Info: Login: user=<{re.escape(login)}>, method=\S+, "
        r"rip=127\.0\.0\.1, lip=127\.0\.0\.1, .*\bTLS\b"
    )
    smtp_login = re.compile(rf"submission-login: Info: Login: user=<{re.escape(login)}>, .*\bTLS\b")
    tb_log = tmp_path / "thunderbird.log"
    with running_thunderbird(thunderbird, profile_dir, env, tb_log) as proc:
        with SocketWatch(proc.pid) as sockets:
            line = _wait_for(
                "Thunderbird's IMAP login in Dovecot's log",
                lambda: imap_login.search(_new_log_text(log_path, log_start)),
                120,
                proc,
            )
            print("Dovecot:", line.group(0))
            sockets.sample()
            # The real lock, held by the real Thunderbird: detected, and the writer refuses.
            state = check_profile_lock(profile_dir)
            assert state.running, state
            refused = write_account(profile_dir, provider, address, "Someone Else")
            assert refused.cause is Cause.THUNDERBIRD_RUNNING, refused
            assert not list(profile_dir.glob("prefs.js.wizard-*"))
            client = _marionette(profile_dir, proc)
            client.command("Marionette:SetContext", {"value": "chrome"})
            shared = client.command(
                "WebDriver:ExecuteScript",
                {
                    "script": (
                        "const { MailServices } = ChromeUtils.importESModule("
                        "'resource:///modules/MailServices.sys.mjs');"
                        "const [smtpKey, serverKey] = arguments;"
                        "const smtp = MailServices.outgoingServer.getServerByKey(smtpKey);"
                        "const imap = MailServices.accounts.getIncomingServer(serverKey);"
                        "const shared = smtp.password !== '' && smtp.password === imap.password;"
                        "smtp.verifyLogon({OnStartRunningUrl() {}, OnStopRunningUrl() {}}, null);"
                        "return shared;"
                    ),
                    "args": [result.smtp_key, result.server_key],
                },
            )
            assert shared == {"value": True}, shared
            sent = _wait_for(
                "the SMTP login with the borrowed password",
                lambda: smtp_login.search(_new_log_text(log_path, log_start)),
                60,
                proc,
            )
            print("Dovecot:", sent.group(0))
            _quit_gracefully(client, proc, profile_dir)
        tcp_peers = {(ip, port) for proto, ip, port in sockets.remotes if proto == "tcp"}
        assert ("127.0.0.1", dovecot_server.imap_port) in tcp_peers, sockets.remotes
        assert not sockets.non_loopback(), f"non-loopback traffic: {sockets.non_loopback()}"

    # Thunderbird rewrote prefs.js in its own format; everything we wrote must still be there.
    rewritten = (profile_dir / "prefs.js").read_text(encoding="utf-8")
    assert (
        "DO NOT EDIT THIS FILE" in rewritten and "Written by the Mail Setup Wizard" not in rewritten
    )
    after = _prefs(profile_dir)
    dropped = {n: (v, after.get(n)) for n, v in ours.items() if not _kept(n, v, after)}
    assert not dropped, f"Thunderbird dropped or changed: {dropped}"
    # Thunderbird created Local Folders itself (see account.py) and no second copy of ours.
    local = after.get("mail.accountmanager.localfoldersserver")
    assert local and after.get(f"mail.server.{local}.type") == "none"
    accounts = str(after["mail.accountmanager.accounts"]).split(",")
    servers = [after.get(f"mail.account.{a}.server") for a in accounts]
    assert sorted(str(s) for s in servers) == sorted([str(local), str(result.server_key)])
    # The password exists only encrypted (logins.json, put there by this test): never in clear.
    secret = users[address].encode("utf-8")
    holders = [p.name for p in profile_dir.rglob("*") if p.is_file() and secret in p.read_bytes()]
    assert holders == []


def test_thunderbird_reads_our_edit_of_an_odd_prefs_js_exactly_as_we_do(
    thunderbird: str, tmp_path: Path
) -> None:
    """The parser cross-checked against Gecko's: same values, no parse errors, nothing lost."""
    home = tmp_path / "home"
    env = _environment(home)
    profile_dir = tmp_path / "odd"
    shutil.copytree(DATA / "odd-but-valid", profile_dir)
    provider_file = tmp_path / "provider.xml"
    provider_file.write_text(
        '<clientConfig version="1.1"><emailProvider id="sepheo.co"><domain>sepheo.co</domain>'
        "<displayName>Loopback</displayName>"
        '<incomingServer type="imap"><hostname>localhost</hostname><port>9</port>'
        "<socketType>SSL</socketType></incomingServer>"
        '<outgoingServer type="smtp"><hostname>localhost</hostname><port>9</port>'
        "<socketType>STARTTLS</socketType></outgoingServer></emailProvider></clientConfig>"
    )
    result = write_account(profile_dir, load_provider(provider_file), "zoe@sepheo.co", "Zoë Å")
    assert result.ok, result.message
    ours = parse_prefs(decode((profile_dir / "prefs.js").read_bytes()))
    expected = {s.name: s.value for s in ours.statements if s.keyword == "user_pref"}
    _isolate(profile_dir)
    with (profile_dir / "user.js").open("a", encoding="utf-8") as user_js:
        user_js.write(render_pref("offline.startup_state", 3) + "\n")  # no connections at all

    tb_log = tmp_path / "thunderbird.log"
    with running_thunderbird(thunderbird, profile_dir, env, tb_log) as proc:
        client = _marionette(profile_dir, proc)
        _quit_gracefully(client, proc, profile_dir)
    output = tb_log.read_text(errors="replace")
    assert "prefs parse error" not in output, output
    after = _prefs(profile_dir)
    differences = {n: (v, after.get(n)) for n, v in expected.items() if after.get(n) != v}
    assert not differences, differences

    # Control: the same check does see Gecko's complaint about a damaged file.
    broken = tmp_path / "broken"
    shutil.copytree(DATA / "corrupt", broken)
    _isolate(broken)
    control_log = tmp_path / "control.log"
    with running_thunderbird(thunderbird, broken, env, control_log) as proc:
        _wait_for(
            "Gecko's parse error",
            lambda: "prefs parse error" in control_log.read_text(errors="replace"),
            60,
            proc,
        )


def test_thunderbirds_own_autoconfig_parser_reads_our_provider_file_with_its_extensions(
    thunderbird: str, tmp_path: Path
) -> None:
    """IT publishes the same file for Thunderbird's discovery: <manageSieveServer>, <branding>,
    <serverLogs> and <blocklists> must not stop Thunderbird's parser (readFromXML) reading it."""
    from wizard.provider import load_default_provider
    from wizard.resources import resource_path

    xml = resource_path("provider.xml").read_text(encoding="utf-8")
    assert "<serverLogs>" in xml and "<blocklists>" in xml
    ours = load_default_provider()
    home = tmp_path / "home"
    env = _environment(home)
    profile_dir = tmp_path / "profile"
    _create_profile(thunderbird, env, profile_dir)
    _isolate(profile_dir)
    with (profile_dir / "user.js").open("a", encoding="utf-8") as user_js:
        user_js.write(render_pref("offline.startup_state", 3) + "\n")
        user_js.write(render_pref("mail.provider.suppress_dialog_on_startup", True) + "\n")
    with running_thunderbird(thunderbird, profile_dir, env, tmp_path / "tb.log") as proc:
        client = _marionette(profile_dir, proc)
        client.command("Marionette:SetContext", {"value": "chrome"})
        answer = client.command(
            "WebDriver:ExecuteScript",
            {
                "script": (
                    "const { JXON } = ChromeUtils.importESModule("
                    "'resource:///modules/JXON.sys.mjs');"
                    "const { readFromXML } = ChromeUtils.importESModule("
                    "'resource:///modules/accountcreation/readFromXML.sys.mjs');"
                    "const doc = new DOMParser().parseFromString(arguments[0], 'text/xml');"
                    "const c = readFromXML(JXON.build(doc), 'disk');"
                    "return [c.incoming.type, c.incoming.hostname, c.incoming.port,"
                    " c.incoming.username, c.outgoing.hostname, c.outgoing.port];"
                ),
                "args": [xml],
            },
        )
        _quit_gracefully(client, proc, profile_dir)
    assert answer == {
        "value": [
            "imap",
            ours.imap.hostname,
            ours.imap.port,
            ours.imap.username_template,
            ours.smtp.hostname,
            ours.smtp.port,
        ]
    }, answer
