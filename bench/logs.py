"""Reading a big server log: ``logs --address X`` side by side with ``grep -c X``, plus peak
memory.

It writes a log of the size asked for (default 600 MB) into a temporary folder, from the line
shapes of the how-to's samples and of the test Dovecot's own log: IMAP / ManageSieve /
submission logins that work or fail (wrong password, short login), Haraka submissions
delivered, deferred and retried minutes later, blocklisted connections, inbound mail — for a
few thousand addresses from a few thousand client IPs, interleaved in time order the way a
busy server writes them. It then runs, in the same session, ``grep -c X FILE`` and
``python -m wizard logs FILE --address X --json`` one after the other, several rounds
(the first grep warms the page cache), and prints both times and the reader's peak RSS. The
folder is deleted afterwards.

    .venv/bin/python -m bench.logs [--size-mb 600] [--runs 3] [--keep DIR] [--full]
        [--baseline REV]

``--full`` also times a read with no filter (every line parsed), for information.
``--baseline REV`` also runs that commit's reader (checked out by ``bench.baseline``) in each
round, right after this tree's, on the same file.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.baseline import WORKING_TREE, Tree, checkout
from bench.stats import median, spread, table

TARGET = "joe.bloggs@sepheo.co"


def _words(text: str) -> list[str]:
    return text.split()


# Names for a few thousand addresses (first.last, then first.last2 …).
_FIRST = _words(
    "anna ben carla dan eva finn gina hugo ines jack kim leo mia nils olga paul rosa sam tara "
    "ugo vera will xena yann zoe alex bea cem dora emil fay gus hana ivan jade karl lina max "
    "nora omar pia quin ravi sara tom uma vic wen"
)
_LAST = _words(
    "smith jones brown taylor wilson evans thomas roberts walker wright hughes green hall wood "
    "clarke jackson white harris martin cooper king lee baker hill moore ward turner parker "
    "cook morris morgan bell murphy bailey rivera kelly howard cox price reed ross"
)


def _addresses(n: int, rng: random.Random) -> list[str]:
    names = [f"{f}.{la}" for f in _FIRST for la in _LAST]
    names += [f"{name}{k}" for k in range(2, 2 + n // len(names)) for name in names]
    rng.shuffle(names)
    out = [f"{name}@sepheo.co" for name in names[: n - 1]]
    out.append(TARGET)
    return out


def _random_ip(rng: random.Random) -> str:
    return ".".join(str(rng.randint(lo, hi)) for lo, hi in ((2, 223), (0, 255), (0, 255), (1, 254)))


def _dovecot_stamp(t: datetime) -> str:
    return t.strftime("%b %d %H:%M:%S")


def _haraka_stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _sid(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(rng.choice(alphabet) for _ in range(16))


Event = list[tuple[float, str]]  # (seconds after the event's start, line without stamp)


def _dovecot_event(rng: random.Random, user: str, ip: str) -> tuple[Event, bool]:
    svc, login = rng.choice(
        [("imap", "imap-login")] * 6
        + [("managesieve", "managesieve-login"), ("submission", "submission-login")]
    )
    sid = _sid(rng)
    pid = rng.randint(1000, 60000)
    roll = rng.random()
    lines: Event = []
    if roll < 0.8:
        lines.append(
            (
                0,
                f"{login}: Info: Login: user=<{user}>, method=PLAIN, rip={ip}, lip=172.18.0.7, "
                f"mpid={pid}, TLS, session=<{sid}>",
            )
        )
        lines.append(
            (
                rng.uniform(0.1, 300),
                f"{svc}({user})<{pid}><{sid}>: Info: Disconnected: Logged out "
                f"in={rng.randint(9, 999)} out={rng.randint(300, 90000)} deleted=0 expunged=0 "
                f"trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0",
            )
        )
    elif roll < 0.93:
        who = user if rng.random() < 0.7 else user.split("@")[0]
        verdict = "Password mismatch" if "@" in who else "unknown user"
        lines.append((0, f"auth: Info: passwd-file({who},{ip},<{sid}>): {verdict}"))
        lines.append(
            (
                rng.uniform(0.2, 2.5),
                f"{login}: Info: Disconnected: Connection closed (auth failed, 1 attempts in 2 "
                f"secs): user=<{who}>, method=PLAIN, rip={ip}, lip=172.18.0.7, TLS: Connection "
                f"closed, session=<{sid}>",
            )
        )
    else:
        lines.append(
            (
                0,
                f"{login}: Info: Disconnected: Connection closed (no auth attempts in 0 secs): "
                f"user=<>, rip={ip}, lip=172.18.0.7, TLS handshaking: Connection closed, "
                f"session=<{sid}>",
            )
        )
    return lines, False


def _haraka_event(rng: random.Random, user: str, ip: str, peers: list[str]) -> Event:
    u = str(uuid.UUID(int=rng.getrandbits(128))).upper()
    roll = rng.random()
    out: Event = []

    def add(dt: float, level: str, ident: str, plugin: str, text: str) -> None:
        out.append((dt, f"[{level}] [{ident}] [{plugin}] {text}"))

    port = rng.randint(1024, 65000)
    if roll < 0.15:  # inbound mail from another server, for this user
        src = rng.choice(peers)
        add(0, "NOTICE", u, "core", f"connect ip={src} port={port} local_ip=:: local_port=25")
        add(0.2, "INFO", u, "helo.checks", "helo_host: mx.example.net, pass:valid_hostname")
        add(0.3, "NOTICE", f"{u}.1", "core", 'sender <news@example.net> code=CONT msg=""')
        add(
            0.3,
            "NOTICE",
            f"{u}.1",
            "core",
            f'recipient <{user}> code=OK msg="" sender=news@example.net',
        )
        add(0.4, "NOTICE", f"{u}.1", "core", f'queue code=OK msg="Message Queued ({u}.1)"')
        add(
            0.4,
            "NOTICE",
            f"{u}.1",
            "core",
            f"disconnect ip={src} rdns=mx.example.net helo=mx.example.net relay=N early=N "
            f"esmtp=Y tls=Y pipe=N errors=0 txns=1 rcpts=1/0/0 msgs=1/0/0 bytes=3021 "
            f'lr="" time=0.4',
        )
        return out
    add(0, "NOTICE", u, "core", f"connect ip={ip} port={port} local_ip=:: local_port=2525")
    listed = roll > 0.95
    if listed:
        add(
            0,
            "INFO",
            u,
            "core",
            f' hook=connect plugin=dnsbl function=connect_first params="" retval=DENY '
            f'msg="host [{ip}] is blacklisted by zen.spamhaus.org"',
        )
    add(1, "INFO", u, "helo.checks", "helo_host: [192.168.0.54], pass:bare_ip, host_mismatch")
    add(
        1, "INFO", u, "tls", "secured: cipher=TLS_AES_256_GCM_SHA384 version=TLSv1.3 verified=false"
    )
    add(1, "INFO", "-", "cloudron", f"authenticated as : {user}")
    add(
        1,
        "INFO",
        u,
        "core",
        " hook=unrecognized_command plugin=cloudron function=hook_unrecognized_command "
        'params=AUTH retval=OK msg=""',
    )
    if listed:
        add(
            1.1,
            "NOTICE",
            u,
            "core",
            f"disconnect ip={ip} rdns={ip}.example.com helo=bloggs.lan relay=Y early=N esmtp=Y "
            f'tls=Y pipe=N errors=0 txns=0 rcpts=0/0/0 msgs=0/0/0 bytes=0 lr="" time=0.652',
        )
        return out
    rcpt = f"friend{rng.randint(1, 9999)}@example.org"
    t = f"{u}.1"
    add(1.2, "NOTICE", t, "core", f'sender <{user}> code=CONT msg=""')
    add(1.3, "NOTICE", t, "core", f'recipient <{rcpt}> code=OK msg="" sender={user}')
    add(
        1.4,
        "NOTICE",
        t,
        "core",
        f"message mid=<{uuid.UUID(int=rng.getrandbits(128))}@sepheo.co> "
        f"size={rng.randint(400, 90000)} "
        f'rcpts=1/0/0 delay=0.009 code=CONT msg=""',
    )
    add(1.4, "INFO", t, "dkim_sign", "signed for sepheo.co")
    add(1.4, "NOTICE", t, "core", f'queue code=OK msg="Message Queued ({t})"')
    add(1.4, "INFO", "-", "core", "[outbound] Processing delivery for domain: example.org")
    add(
        1.5,
        "NOTICE",
        t,
        "core",
        f"disconnect ip={ip} rdns={ip}.example.com helo=[192.168.0.54] relay=Y early=N "
        f'esmtp=Y tls=Y pipe=N errors=0 txns=1 rcpts=1/0/0 msgs=1/0/0 bytes=451 lr="" time=2.3',
    )
    d = f"{t}.1"
    mx = rng.choice(peers)
    at = 1.5
    # 85 % go through first time, 10 % after retries, 3 % bounce after retries, 2 % are still
    # being retried (deferred) when the log ends: no final line ever comes for them.
    fate = rng.random()
    tries = 1 if fate < 0.85 else rng.randint(2, 4)
    last = "bounce" if 0.95 <= fate < 0.98 else "still trying" if fate >= 0.98 else "deliver"
    if last == "still trying":
        tries = 10**6  # the time limit below ends it
    delay = 64
    for n in range(tries):
        add(at, "INFO", d, "outbound", "Looking up A records for: mx.example.org")
        add(at, "INFO", d, "outbound", f"Attempting to deliver to: {mx}:25 (0) (0)")
        if n < tries - 1 or last == "bounce":
            add(
                at + 6,
                "INFO",
                d,
                "outbound",
                "secured verified=false cipher=DHE-RSA-AES128-SHA256 version=TLSv1.2 "
                "error=ERR_TLS_CERT_ALTNAME_INVALID cn=box.example.com",
            )
            add(
                at + 36,
                "ERROR",
                d,
                "outbound",
                f"Ongoing connection failed to {mx}:25 : socket timeout waiting on rcpt",
            )
            if n == tries - 1:  # last == "bounce"
                add(
                    at + 36,
                    "INFO",
                    d,
                    "outbound",
                    "bouncing mail: Too many failures (Tried all MXs)",
                )
                break
            add(
                at + 36,
                "INFO",
                d,
                "outbound",
                f"Temp failing 1606859828273_0_{n}_90_OQ for {delay} seconds: Tried all MXs",
            )
            at += 36 + delay
            delay *= 2
            if at > 6 * 3600:
                break  # retried for hours: the rest is beyond any log we write
        else:
            add(
                at + 2,
                "INFO",
                d,
                "outbound",
                "secured verified=true cipher=ECDHE-RSA-AES128-GCM-SHA256 version=TLSv1.2 "
                "cn=mx.example.org",
            )
            add(
                at + 4,
                "NOTICE",
                d,
                "outbound",
                f" delivered file=1606860914133_0_0_90_adwUhC domain=example.org "
                f"host=mx.example.org "
                f'ip={mx} port=25 mode=SMTP tls=Y auth=N response="Queued as BA5AF7A207E" '
                f"delay=4.565 fails={n} rcpts=1/0/0",
            )
    return out


def generate(path: Path, size_mb: int, *, users: int = 3000, seed: int = 17) -> int:
    """Write about ``size_mb`` MB of interleaved Dovecot and Haraka lines; returns the count."""
    rng = random.Random(seed)
    addresses = _addresses(users, rng)
    home = {a: _random_ip(rng) for a in addresses}
    peers = [f"198.51.100.{i}" for i in range(1, 200)] + [f"203.0.113.{i}" for i in range(1, 200)]
    limit = size_mb * 1_000_000
    clock = datetime(2020, 11, 1, tzinfo=UTC)
    pending: list[tuple[datetime, int, str]] = []
    seq = 0
    written = 0
    count = 0
    buf: list[str] = []
    with path.open("w", encoding="utf-8") as out:
        while written < limit:
            clock += timedelta(milliseconds=rng.randint(5, 400))
            user = rng.choice(addresses)
            if rng.random() < 0.6:
                event, _ = _dovecot_event(rng, user, home[user])
                stamp = _dovecot_stamp
            else:
                event = _haraka_event(rng, user, home[user], peers)
                stamp = _haraka_stamp
            for dt, text in event:
                at = clock + timedelta(seconds=dt)
                seq += 1
                heapq.heappush(pending, (at, seq, f"{stamp(at)} {text}\n"))
            while pending and pending[0][0] <= clock:
                line = heapq.heappop(pending)[2]
                buf.append(line)
                written += len(line)
                count += 1
            if len(buf) > 20000:
                out.write("".join(buf))
                buf.clear()
        while pending:
            buf.append(heapq.heappop(pending)[2])
            count += 1
        out.write("".join(buf))
    return count


def _timed(
    cmd: list[str], tree: Tree = WORKING_TREE, *, keep_output: bool = True
) -> tuple[float, int, int, bytes]:
    """Wall time, exit status, peak RSS (KiB) of one child and its stdout.

    ``keep_output=False`` sends a big output to /dev/null: held here, it would make this
    process big, and Linux counts a parent's size in the peak of every child forked after.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE if keep_output else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tree.cwd,
        env=tree.env(),
    )
    out = proc.stdout.read() if proc.stdout is not None else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, proc.returncode, int(usage.ru_maxrss), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--keep", metavar="DIR", help="write the log here and keep it")
    parser.add_argument("--full", action="store_true", help="also time an unfiltered read")
    parser.add_argument("--baseline", metavar="REV", help="also measure this commit's reader")
    args = parser.parse_args(argv)

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="wizard-bench-logs-"))
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "app.log"
    stack = ExitStack()
    try:
        free = shutil.disk_usage(folder).free
        if free < 3 * args.size_mb * 1_000_000:
            print(f"not enough disk in {folder}: {free // 1_000_000} MB free", file=sys.stderr)
            return 2
        if not log.exists():
            t0 = time.perf_counter()
            lines = generate(log, args.size_mb, users=args.users)
            print(
                f"generated {log.stat().st_size / 1e6:.0f} MB, {lines} lines, "
                f"{args.users} addresses in {time.perf_counter() - t0:.0f} s"
            )
        trees = [WORKING_TREE]
        if args.baseline:
            trees.append(stack.enter_context(checkout(args.baseline)))
        grep = ["grep", "-c", TARGET, str(log)]
        reader = [sys.executable, "-m", "wizard", "logs", str(log), "--address", TARGET, "--json"]
        _timed(grep)  # warm the page cache for both
        g_times: list[float] = []
        r_times: dict[str, list[float]] = {tree.label: [] for tree in trees}
        rss: dict[str, list[int]] = {tree.label: [] for tree in trees}
        found: dict[str, str] = {}
        hits = ""
        for _ in range(args.runs):
            t, _rc, _m, out = _timed(grep)
            g_times.append(t)
            hits = out.decode().strip()
            for tree in trees:
                t, rc, peak, out = _timed(reader, tree)
                r_times[tree.label].append(t)
                rss[tree.label].append(peak)
                if rc not in (0, 1):
                    print(f"{tree.label}: reader failed with status {rc}", file=sys.stderr)
                    return 1
                found[tree.label] = str(len(json.loads(out)["sessions"]))
        rows = [[f"grep -c {TARGET}", spread(g_times, "{:.2f}"), "–", hits + " lines"]]
        for tree in trees:
            rows.append(
                [
                    f"logs --address {TARGET} ({tree.label})",
                    spread(r_times[tree.label], "{:.2f}"),
                    f"{max(rss[tree.label]) / 1024:.0f}",
                    found[tree.label] + " sessions",
                ]
            )
        if args.full:
            for tree in trees:
                every = [sys.executable, "-m", "wizard", "logs", str(log), "--json"]
                t, _rc, peak, _out = _timed(every, tree, keep_output=False)
                rows.append(
                    [
                        f"logs (no filter, every line; {tree.label})",
                        f"{t:.2f}",
                        f"{peak / 1024:.0f}",
                        "–",
                    ]
                )
        print(f"\n{log.stat().st_size / 1e6:.0f} MB log, {args.runs} runs (median (min–max) s):\n")
        print(table(["command", "time s", "peak RSS MB", "found"], rows))
        mine = WORKING_TREE.label
        ratio = median(r_times[mine]) / median(g_times)
        print(
            f"\nratio logs/grep: {ratio:.2f} (target ≤ 5); "
            f"peak RSS {max(rss[mine]) / 1024:.0f} MB (target < 200)"
        )
    finally:
        stack.close()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
